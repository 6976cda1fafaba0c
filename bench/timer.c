/* timer.c -- a monotonic clock and a median-of-samples timing loop.
 *
 * A single call of a fast function is too short to time reliably, and one
 * long run is at the mercy of whatever else the (shared, virtual) machine
 * does meanwhile.  So the body is called `reps` times per sample, with reps
 * chosen so that a sample lasts at least min_sample seconds (well above the
 * clock's resolution and the cost of reading it), and the median of several
 * samples is reported: the median ignores the occasional sample that was
 * interrupted.
 *
 * Not thread-safe (ad_bench_measure_set keeps its samples in static
 * storage, to stay off the stack of the code being measured).
 */
/* clock_gettime is POSIX, not ISO C; the library is compiled with -std=c11. */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <time.h>

#include "bench.h"

double ad_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double time_reps(ad_bench_body body, void *ctx, long reps)
{
    double t0 = ad_bench_now();
    for (long r = 0; r < reps; r++)
        body(ctx);
    return ad_bench_now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The smallest reps for which one sample of body(ctx) lasts min_sample. */
static long calibrate(ad_bench_body body, void *ctx, double min_sample)
{
    /* Grow reps geometrically; jump straight to the estimate once a sample
     * is long enough to extrapolate from (> 1 ms). */
    long reps = 1;
    for (;;) {
        double s = time_reps(body, ctx, reps);
        if (s >= min_sample)
            return reps;
        long next = 2 * reps;
        if (s > 1e-3) {
            double est = 1.1 * min_sample / s * (double)reps;
            if (est > (double)next)
                next = est > 1e9 ? 1000000000L : (long)est + 1;
        }
        reps = next;
    }
}

static double median_sorted(const double *x, int n)
{
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

int ad_bench_measure_set(int nbody, const ad_bench_body *body, void *const *ctx,
                         double min_sample, int samples, ad_bench_timing *t)
{
    if (nbody < 1 || nbody > AD_BENCH_MAX_BODIES || samples < 1 ||
        samples > AD_BENCH_MAX_SAMPLES || !(min_sample > 0.0))
        return -1;

    /* The warm-up call pays for first-touch page faults and cold caches,
     * which are not what is being measured. */
    long reps[AD_BENCH_MAX_BODIES];
    for (int b = 0; b < nbody; b++) {
        body[b](ctx[b]);
        reps[b] = calibrate(body[b], ctx[b], min_sample);
    }

    /* Round-robin: sample s of every body is taken before sample s + 1 of
     * any, so that a slow spell of the machine (another process, a noisy
     * neighbour of the VM) hits all of them alike and the ratios survive. */
    static double per_call[AD_BENCH_MAX_BODIES][AD_BENCH_MAX_SAMPLES];
    for (int i = 0; i < samples; i++)
        for (int b = 0; b < nbody; b++)
            per_call[b][i] =
                time_reps(body[b], ctx[b], reps[b]) / (double)reps[b];

    for (int b = 0; b < nbody; b++) {
        qsort(per_call[b], (size_t)samples, sizeof per_call[b][0], cmp_double);
        t[b].median = median_sorted(per_call[b], samples);
        t[b].min = per_call[b][0];
        t[b].max = per_call[b][samples - 1];
        t[b].reps = reps[b];
        t[b].samples = samples;
    }
    return 0;
}

int ad_bench_measure(ad_bench_body body, void *ctx, double min_sample,
                     int samples, ad_bench_timing *t)
{
    return ad_bench_measure_set(1, &body, &ctx, min_sample, samples, t);
}
