/* test_need.c -- gradients and Hessian-vector products at a new point
 * that replay only the values their reverse sweep needs
 * (modes/reverse/need.c): against analytic ones, with the values an
 * ad_select or a comparison reads and nothing else does, across
 * re-recordings and freed tapes, and from four threads at once.  Every
 * pruned sweep here follows a replay at another point, so that a value the
 * program failed to replay would be a stale one.  (The bitwise comparison
 * on random programs is in test_fuzz.c.) */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include <criterion/criterion.h>

#include <admix.h>

#include "tape_impl.h" /* internal: ad__need_get */

/* The calling thread's program for t, or NULL. */
static const ad__need *program(const ad_tape *t, int order)
{
    const ad__need *P;
    cr_assert_eq(ad__need_get(t, order, &P), AD_OK);
    return P;
}

#define OK(e) cr_assert_eq((e), AD_OK)

/* f = sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, recorded at x. */
static void record_rosen(ad_tape *t, size_t n, const double *x)
{
    ad_var *v = malloc(n * sizeof *v);
    cr_assert_not_null(v);
    OK(ad_tape_begin(t));
    OK(ad_independent_array(n, x, v));
    ad_var s = ad_const(ad_var, 0.0);
    for (size_t i = 0; i + 1 < n; i++) {
        ad_var d = ad_sub(v[i + 1], ad_sqr(v[i]));
        ad_var u = ad_sub(1.0, v[i]);
        s = ad_add(s, ad_add(ad_mul(100.0, ad_sqr(d)), ad_sqr(u)));
    }
    ad_dependent(s);
    OK(ad_tape_end(t));
    free(v);
}

static void rosen_grad(size_t n, const double *x, double *g)
{
    memset(g, 0, n * sizeof *g);
    for (size_t i = 0; i + 1 < n; i++) {
        double d = x[i + 1] - x[i] * x[i];
        g[i] += -400.0 * d * x[i] - 2.0 * (1.0 - x[i]);
        g[i + 1] += 200.0 * d;
    }
}

static void point(size_t n, unsigned k, double *x)
{
    for (size_t i = 0; i < n; i++)
        x[i] = 0.5 + 0.25 * sin(1.0 + 0.7 * (double)i + 1.3 * k);
}

/* The gradient at x matches the analytic one (to rounding). */
static void check_rosen(ad_tape *t, size_t n, const double *x)
{
    double g[64], e[64];
    cr_assert(n <= 64);
    OK(ad_tape_gradient(t, x, g));
    rosen_grad(n, x, e);
    for (size_t i = 0; i < n; i++)
        cr_assert(fabs(g[i] - e[i]) <= 1e-12 * (1.0 + fabs(e[i])),
                  "g[%zu] = %.17g, expected %.17g", i, g[i], e[i]);
}

/* A sum of squares: most values (the squares, the running sum) are never
 * read back, and the program drops them; with the adjoint window too,
 * whose sweep reads the same values. */
Test(need, sum_of_squares_gradient)
{
    enum { N = 40 };
    double x0[N], x[N], y;
    point(N, 0, x0);
    for (int win = 0; win < 2; win++) {
        ad_tape *t = ad_tape_new();
        OK(ad_tape_set_adjoint_window(t, win));
        record_rosen(t, N, x0);
        point(N, 1, x);
        check_rosen(t, N, x);
        for (unsigned k = 2; k < 8; k++) {
            OK(ad_tape_eval(t, x0, &y)); /* every value at x0 in the buffer */
            point(N, k, x);
            check_rosen(t, N, x);
        }
        const ad__need *P = program(t, 1);
        cr_assert_not_null(P);
        /* Kept: the inputs and, per term, x_i^2, x_{i+1} - x_i^2, 1 - x_i. */
        cr_assert_leq(P->seg.nop, 1 + 3 * (N - 1), "%zu of %zu nodes",
                      P->seg.nop, t->nop);
        ad_tape_free(t);
    }
}

/* H v of the sum of squares, analytic. */
static void rosen_hvp(size_t n, const double *x, const double *v, double *h)
{
    memset(h, 0, n * sizeof *h);
    for (size_t i = 0; i + 1 < n; i++) {
        double a = x[i], b = x[i + 1];
        h[i] +=
            (1200.0 * a * a - 400.0 * b + 2.0) * v[i] - 400.0 * a * v[i + 1];
        h[i + 1] += -400.0 * a * v[i] + 200.0 * v[i + 1];
    }
}

/* The same for H v: the program also carries the tangents, of the same
 * nodes (x^2 and the sums read no value in their second partials either). */
Test(need, sum_of_squares_hvp)
{
    enum { N = 40 };
    double x0[N], x[N], v[N], h[N], e[N], y, jv;
    point(N, 0, x0);
    ad_tape *t = ad_tape_new();
    record_rosen(t, N, x0);
    for (unsigned k = 1; k < 8; k++) {
        point(N, k + 20, v);
        OK(ad_tape_jvp(t, x0, v, &y, &jv)); /* values, tangents at x0 */
        point(N, k, x);
        OK(ad_tape_hvp(t, x, v, h));
        rosen_hvp(N, x, v, e);
        for (size_t i = 0; i < N; i++)
            cr_assert(fabs(h[i] - e[i]) <= 1e-11 * (1.0 + fabs(e[i])),
                      "k %u: (Hv)[%zu] = %.17g, expected %.17g", k, i, h[i],
                      e[i]);
    }
    const ad__need *P = program(t, 2);
    cr_assert_not_null(P);
    cr_assert_leq(P->seg.nop, 1 + 3 * (N - 1), "%zu of %zu nodes", P->seg.nop,
                  t->nop);
    ad_tape_free(t);
}

/* f = x1 + select(x0 - 1, x1^2, 3 x1): the condition x0 - 1 is read by
 * ad_select's reverse rule alone (the select's value is not needed). */
static void record_select(ad_tape *t, const double *x)
{
    ad_var v[2];
    OK(ad_tape_begin(t));
    OK(ad_independent_array(2, x, v));
    ad_var c = ad_sub(v[0], 1.0);
    ad_var r = ad_select(c, ad_sqr(v[1]), ad_mul(3.0, v[1]));
    ad_dependent(ad_add(v[1], r));
    OK(ad_tape_end(t));
}

Test(need, select_condition_is_replayed)
{
    double a[2] = {2.0, 2.5}, b[2] = {0.0, 2.5}, y, g[2];
    ad_tape *t = ad_tape_new();
    record_select(t, a);
    for (int k = 0; k < 3; k++) {
        OK(ad_tape_eval(t, a, &y)); /* x0 - 1 > 0 in the buffer */
        OK(ad_tape_gradient(t, b, g));
        cr_assert_eq(g[0], 0.0);
        cr_assert_eq(g[1], 1.0 + 3.0, "pass %d: %g", k, g[1]);
        OK(ad_tape_eval(t, b, &y));
        OK(ad_tape_gradient(t, a, g));
        cr_assert_eq(g[1], 1.0 + 2.0 * a[1], "pass %d: %g", k, g[1]);
    }
    cr_assert_not_null(program(t, 1));
    ad_tape_free(t);
}

/* f = 100 x0 + x1, recorded where x0 - x1 < 0: the difference is read by
 * the comparison alone, and a flip must still be found. */
Test(need, comparison_is_replayed)
{
    double a[2] = {1.0, 2.0}, b[2] = {1.0, 3.0}, c[2] = {3.0, 1.0}, y, g[2];
    ad_var v[2];
    ad_tape *t = ad_tape_new();
    OK(ad_tape_begin(t));
    OK(ad_independent_array(2, a, v));
    cr_assert(ad_lt(ad_sub(v[0], v[1]), 0.0));
    ad_var s = ad_mul(ad_sqr(v[0]), 0.0);
    ad_dependent(ad_add(ad_add(ad_mul(100.0, v[0]), v[1]), s));
    OK(ad_tape_end(t));
    for (int k = 0; k < 3; k++) {
        OK(ad_tape_eval(t, a, &y));
        OK(ad_tape_gradient(t, b, g));
        cr_assert(g[0] == 100.0 && g[1] == 1.0);
        OK(ad_tape_eval(t, a, &y));
        cr_assert_eq(ad_tape_gradient(t, c, g), AD_ERETAPE, "pass %d", k);
        cr_assert_eq(ad_tape_last_flip(), 0);
    }
    cr_assert_not_null(program(t, 1));
    ad_tape_free(t);
}

/* A program serves the recording it was built for only: recording again
 * into the tape, or a new tape (perhaps at the freed one's address), gets
 * a new one. */
Test(need, new_recordings_get_new_programs)
{
    enum { N = 12 };
    double x0[N], x[N], y;
    point(N, 0, x0);
    ad_tape *t = ad_tape_new();
    for (size_t n = 4; n <= N; n += 4) {
        for (int fresh = 0; fresh < 2; fresh++) {
            if (fresh) {
                ad_tape_free(t);
                t = ad_tape_new();
                cr_assert_not_null(t);
            }
            record_rosen(t, n, x0);
            for (unsigned k = 1; k < 4; k++) {
                OK(ad_tape_eval(t, x0, &y));
                point(n, k + (unsigned)(n + fresh), x);
                check_rosen(t, n, x);
            }
            cr_assert_not_null(program(t, 1));
        }
        /* The selected gradient of another function into the same tape. */
        record_select(t, x0);
        double g[2], b[2] = {0.0, 2.0};
        for (int k = 0; k < 3; k++) {
            OK(ad_tape_gradient(t, b, g));
            cr_assert_eq(g[1], 4.0);
        }
    }
    ad_tape_free(t);
}

/* Four threads take gradients of one tape at their own points at once,
 * each with its own program; the results are those of one thread. */
enum { TN = 30, TPOINTS = 40 };
typedef struct job {
    ad_tape *t;
    int id;
    double g[TPOINTS][TN];
    int rc;
} job;

static int gradients(void *arg)
{
    job *j = arg;
    double x[TN];
    for (unsigned k = 0; k < TPOINTS; k++) {
        point(TN, k + 3u * (unsigned)j->id, x);
        if (ad_tape_gradient(j->t, x, j->g[k]) != AD_OK)
            j->rc = 1;
    }
    ad_thread_release();
    return 0;
}

Test(need, threads_build_their_own_programs)
{
    double x0[TN];
    point(TN, 0, x0);
    ad_tape *t = ad_tape_new();
    record_rosen(t, TN, x0);
    static job serial[4], par[4];
    for (int i = 0; i < 4; i++) {
        serial[i] = (job){t, i, {{0}}, 0};
        par[i] = serial[i];
        gradients(&serial[i]);
    }
    thrd_t th[4];
    for (int i = 0; i < 4; i++)
        cr_assert(thrd_create(&th[i], gradients, &par[i]) == thrd_success);
    for (int i = 0; i < 4; i++)
        thrd_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(par[i].rc, 0);
        cr_assert(memcmp(par[i].g, serial[i].g, sizeof par[i].g) == 0,
                  "thread %d", i);
    }
    double e[TN], x[TN];
    point(TN, 5, x);
    rosen_grad(TN, x, e);
    for (int i = 0; i < TN; i++)
        cr_assert(fabs(serial[0].g[5][i] - e[i]) <= 1e-12 * (1 + fabs(e[i])));
    ad_tape_free(t);
}
