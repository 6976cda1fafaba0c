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

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

double ad_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- progress ------------------------------------------------------------
 * A benchmark runs for seconds to minutes.  With ad_bench_progress_start,
 * every timing that ends a second or more after the last line writes one to
 * stderr: the time so far and the timings done.  Only when stderr is a
 * terminal and stdout is not: on a terminal the table itself grows as the
 * rows are measured, and in a log the lines would be noise. */
static const char *progress_name;
static double progress_t0, progress_last;
static long progress_done;

void ad_bench_progress_start(const char *name)
{
    progress_name = NULL;
    if (name == NULL || !isatty(2) || isatty(1))
        return;
    progress_name = name;
    progress_t0 = progress_last = ad_bench_now();
    progress_done = 0;
}

static void progress_tick(void)
{
    if (progress_name == NULL)
        return;
    progress_done++;
    double t = ad_bench_now();
    if (t - progress_last < 1.0)
        return;
    progress_last = t;
    fprintf(stderr, "%s: %.0f s, %ld timings done\n", progress_name,
            t - progress_t0, progress_done);
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
        for (int i = 0; i < samples; i++)
            t[b].seq[i] = per_call[b][i];
        qsort(per_call[b], (size_t)samples, sizeof per_call[b][0], cmp_double);
        t[b].median = median_sorted(per_call[b], samples);
        t[b].min = per_call[b][0];
        t[b].max = per_call[b][samples - 1];
        t[b].reps = reps[b];
        t[b].samples = samples;
    }
    progress_tick();
    return 0;
}

double ad_bench_paired_ratio(const ad_bench_timing *a, const ad_bench_timing *b)
{
    if (a->samples != b->samples || a->samples < 1 ||
        a->samples > AD_BENCH_MAX_SAMPLES)
        return NAN;
    double r[AD_BENCH_MAX_SAMPLES];
    for (int i = 0; i < a->samples; i++)
        r[i] = a->seq[i] / b->seq[i];
    qsort(r, (size_t)a->samples, sizeof r[0], cmp_double);
    return median_sorted(r, a->samples);
}

int ad_bench_measure(ad_bench_body body, void *ctx, double min_sample,
                     int samples, ad_bench_timing *t)
{
    return ad_bench_measure_set(1, &body, &ctx, min_sample, samples, t);
}
