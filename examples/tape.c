/* tape.c -- reverse mode: the whole gradient of Rosenbrock's function in one
 * sweep of a tape, from the same template as the forward-mode example
 * (rosenbrock.inc, instantiated for ad_var too):
 *
 *   - record f once at x0 (ad_tape_begin ... ad_tape_end),
 *   - the gradient at x0 by one reverse sweep,
 *   - the gradient at another point x1 by replaying the tape (no
 *     re-recording: f has no branch on its inputs),
 *   - the same tape saved to a file, loaded into another and swept again,
 *
 * each checked against the analytic gradient.
 *
 * Build (installed admix):
 *     cc -I. tape.c $(pkg-config --cflags --libs admix) -lm
 *
 * Exits with status 1 if a derivative is wrong (it runs in `make check`).
 */
#include <math.h>
#include <stdio.h>

#include <admix.h>

#define AD_TEMPLATE "rosenbrock.inc"
#include <admix/instantiate.h> /* rosen_double, ..., rosen_var */

#define N 1000

static double grad_exact(const double *x, size_t n, size_t i)
{
    double g = 0.0;
    if (i + 1 < n)
        g += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
    if (i > 0)
        g += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
    return g;
}

/* 1 if g is the analytic gradient at x to 1e-13 (normwise). */
static int check(const char *what, const double *g, const double *x)
{
    double e = 0.0, s = 0.0;
    for (size_t i = 0; i < N; i++) {
        double w = grad_exact(x, N, i);
        e = fmax(e, fabs(g[i] - w));
        s = fmax(s, fabs(w));
    }
    printf("%-34s relative error %.1e\n", what, e / s);
    return e <= 1e-13 * s;
}

int main(void)
{
    static double x0[N], x1[N], g[N];
    static ad_var xv[N];
    size_t n = N;
    for (size_t i = 0; i < N; i++) {
        x0[i] = -1.2 + 0.001 * (double)i;
        x1[i] = 0.5 + 0.0005 * (double)i;
    }

    /* Record: inputs, the function on ad_var, the output. */
    ad_tape *t = ad_tape_new(), *u = ad_tape_new();
    ad_var y = ad_const(ad_var, NAN);
    int ok = t != NULL && u != NULL && ad_tape_begin(t) == AD_OK &&
             ad_independent_array(N, x0, xv) == AD_OK;
    if (ok) {
        rosen_var(xv, &y, &n);
        ad_dependent(y);
    }
    ok = ad_tape_end(t) == AD_OK && ok;

    ad_tape_info info;
    ad_tape_stats(t, &info);
    printf("f(x0) = %.6g; tape: %zu nodes, %zu inputs, %zu bytes\n", y.v,
           info.ops, info.n, info.bytes);

    ok = ok && ad_tape_gradient(t, NULL, g) == AD_OK &&
         check("gradient at x0 (one sweep)", g, x0);
    ok = ok && ad_tape_gradient(t, x1, g) == AD_OK &&
         check("gradient at x1 (replayed)", g, x1);

    /* A tape file: versioned, checked, loadable by another program. */
    const char *path = "tape-example.admix";
    ok = ok && ad_tape_save(t, path) == AD_OK && ad_tape_load(u, path) == AD_OK &&
         ad_tape_gradient(u, x1, g) == AD_OK &&
         check("gradient at x1 (saved, loaded)", g, x1);
    remove(path);

    ad_tape_free(t);
    ad_tape_free(u);
    ad_thread_release(); /* this thread's sweep buffers */
    printf("%s\n", ok ? "all gradients right" : "WRONG");
    return ok ? 0 : 1;
}
