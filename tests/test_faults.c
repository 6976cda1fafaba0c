/* test_faults.c -- allocation failures: every path returns AD_ENOMEM and
 * leaks nothing.
 *
 * Each test runs one representative job (a tape's whole life, the ad_fn
 * drivers, the sparse drivers, checkpointed adjoints and schedules, the
 * MPFR replay, the verify module) first with no failure, then again and again
 * with the k-th allocation made by libadmix failing, for k = 1, 2, ... until
 * the job makes fewer than k allocations (fault.c interposes malloc and
 * friends). Every run in which an allocation failed must end with AD_ENOMEM,
 * and once the job has freed what it made (and ad_thread_release the thread's
 * buffers), no block libadmix allocated during the run may be left.  A
 * crash, a wrong status or a leak names the job and k.  Under ASan
 * (./quickstart check --sanitize) the same runs are also checked for
 * invalid accesses on the failure paths.
 *
 * OpenMP is held to one thread: the drivers' worker threads keep buffers of
 * their own, which ad_thread_release on this thread cannot free. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <criterion/criterion.h>

#include <admix.h>

#include "fault.h"

typedef struct mix_params {
    size_t n, m;
} mix_params;

#define AD_TEMPLATE "test_faults.inc"
#include <admix/instantiate.h>
AD_FN(mix, ((const mix_params *)params)->n, ((const mix_params *)params)->m)
AD_FN(osc, 3, 2)

enum { N = 24 };
/* A job's runs stop here at the latest: far more allocations than any job
 * makes, so reaching it means the job never stopped allocating. */
#define KMAX 20000L

static const mix_params P1 = {N, 1}, P2 = {N, 2};
static double x0[N], x1[N], v[N];

static void setup(void)
{
    fault_init(ad_thread_release);
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    for (size_t i = 0; i < N; i++) {
        x0[i] = 0.3 + 0.02 * (double)i;
        x1[i] = 0.35 + 0.015 * (double)i;
        v[i] = 1.0 - 0.05 * (double)i;
    }
}

TestSuite(faults, .init = setup);

/* Runs job once without failures, then with the k-th allocation failing
 * for every k it reaches.  Returns the allocations of a full run. */
static long sweep_faults(const char *name, int (*job)(void))
{
    int rc = job();
    ad_thread_release();
    cr_assert(rc == AD_OK, "%s: %d (%s) without any failure", name, rc,
              ad_strerror(rc));
    long k;
    for (k = 1; k < KMAX; k++) {
        fault_arm(k);
        rc = job();
        ad_thread_release();
        size_t live = fault_live();
        int fired = fault_disarm();
        cr_assert(live == 0, "%s, allocation %ld failing (%s): %zu blocks left",
                  name, k, fired ? "it failed" : "not reached", live);
        if (!fired) {
            cr_assert(rc == AD_OK, "%s: %d (%s) with all %ld allocations made",
                      name, rc, ad_strerror(rc), k - 1);
            break;
        }
        cr_assert(rc == AD_ENOMEM, "%s, allocation %ld failing: %d (%s)", name,
                  k, rc, ad_strerror(rc));
    }
    cr_assert(k < KMAX, "%s: still allocating after %ld runs", name, KMAX);
    cr_assert(k > 1, "%s allocates nothing: the injection does not reach it",
              name);
    cr_log_info("%s: %ld allocations, each made to fail once", name, k - 1);
    return k - 1;
}

#define FIRST(rc, expr)                                                        \
    do {                                                                       \
        if ((rc) == AD_OK)                                                     \
            (rc) = (expr);                                                     \
    } while (0)

/* Records mix with parameters P at x on t; AD_OK or the first error. */
static int record_mix(ad_tape *t, const mix_params *P, const double *x)
{
    int rc = ad_tape_begin(t);
    if (rc != AD_OK)
        return rc;
    ad_var X[N], Y[2];
    rc = ad_independent_array(N, x, X);
    if (rc == AD_OK) {
        mix_var(X, Y, P);
        rc = ad_dependent_array(P->m, Y);
    }
    int end = ad_tape_end(t);
    return rc != AD_OK ? rc : end;
}

/* A long chain, so that the streams and the values need several blocks:
 * 3 * 200,000 nodes. */
static int record_long(ad_tape *t)
{
    int rc = ad_tape_begin(t);
    if (rc != AD_OK)
        return rc;
    ad_var X[2];
    double x[2] = {0.5, 0.25};
    rc = ad_independent_array(2, x, X);
    ad_var s = X[0];
    for (int i = 0; i < 200000; i++)
        s = ad_add(ad_mul(0.5, ad_sin(s)), X[1]);
    ad_dependent(s);
    int end = ad_tape_end(t);
    return rc != AD_OK ? rc : end;
}

/* ---- the jobs -------------------------------------------------------------
 */

/* A tape's life: record, sweep in every way at a new point and at the
 * recorded one, linearise, write and read back, record again into the
 * used tape, free. */
static int job_tape(void)
{
    ad_tape *t = ad_tape_new(), *u = ad_tape_new();
    int rc = t != NULL && u != NULL ? AD_OK : AD_ENOMEM;
    double g[N], hv[N], H[N * N], J[2 * N], y[2], jv[2], w[2] = {1.0, -2.0};
    FIRST(rc, record_mix(t, &P1, x0));
    FIRST(rc, ad_tape_gradient(t, x1, g));
    FIRST(rc, ad_tape_hvp(t, x1, v, hv));
    FIRST(rc, ad_tape_hessian(t, NULL, H));
    FIRST(rc, ad_tape_linearize(t));
    FIRST(rc, ad_tape_gradient(t, NULL, g));
    FIRST(rc, ad_tape_eval(t, x1, y));
    if (rc == AD_OK) {
        FILE *f = tmpfile();
        if (f == NULL)
            return AD_EIO; /* not admix's failure: the test stops */
        rc = ad_tape_write(t, f);
        if (rc == AD_OK && fseek(f, 0, SEEK_SET) != 0)
            rc = AD_EIO;
        FIRST(rc, ad_tape_read(u, f));
        fclose(f);
    }
    FIRST(rc, ad_tape_gradient(u, x1, g));
    FIRST(rc, record_mix(t, &P2, x1));
    FIRST(rc, ad_tape_jacobian(t, x0, J));
    FIRST(rc, ad_tape_jvp(t, x1, v, y, jv));
    FIRST(rc, ad_tape_vjp(t, NULL, w, y, g));
    ad_tape_free(t);
    ad_tape_free(u);
    return rc;
}

/* A long recording, swept at a new point (also with the adjoint window). */
static int job_long_tape(void)
{
    ad_tape *t = ad_tape_new();
    int rc = t != NULL ? AD_OK : AD_ENOMEM;
    double g[2], x[2] = {0.4, 0.3};
    FIRST(rc, record_long(t));
    FIRST(rc, ad_tape_gradient(t, x, g));
    FIRST(rc, ad_tape_hvp(t, x, x, g));
    FIRST(rc, ad_tape_set_adjoint_window(t, 1)); /* its ring and blocks */
    FIRST(rc, ad_tape_gradient(t, x, g));
    FIRST(rc, ad_tape_gradient(t, NULL, g));
    FIRST(rc, ad_tape_compile(t));
    FIRST(rc, ad_tape_gradient(t, x, g));
    FIRST(rc, ad_tape_jvp(t, x, x, g, g + 1));
    ad_tape_free(t);
    return rc;
}

/* The ad_fn drivers in each of their modes. */
static int job_drivers(void)
{
    ad_fn f1 = mix_fn(&P1), f2 = mix_fn(&P2);
    double y[2], g[N], hv[N], H[N * N], J[2 * N];
    int rc = AD_OK;
    FIRST(rc, ad_gradient(&f1, AD_REVERSE, x0, y, g));
    FIRST(rc, ad_gradient(&f1, AD_FORWARD, x0, y, g));
    FIRST(rc, ad_jacobian(&f2, AD_FORWARD, x0, y, J, NULL));
    FIRST(rc, ad_jacobian(&f2, AD_REVERSE, x1, y, J, NULL));
    FIRST(rc, ad_hvp(&f1, AD_FOR_REV, x0, v, hv));
    FIRST(rc, ad_hessian(&f1, AD_FOR_REV, x0, H, NULL));
    FIRST(rc, ad_hessian(&f1, AD_HYPERDUAL, x0, H, NULL));
    FIRST(rc, ad_hessian(&f1, AD_FD_REV, x0, H, NULL));
    return rc;
}

/* Patterns, colorings and compressed sparse Jacobians and Hessians. */
static int job_sparse(void)
{
    ad_fn f1 = mix_fn(&P1), f2 = mix_fn(&P2);
    ad_pattern *p = NULL, *ph = NULL;
    ad_sparse *J = NULL, *H = NULL;
    int rc = AD_OK;
    FIRST(rc, ad_sparsity(&f2, x0, &p));
    FIRST(rc, ad_hessian_sparsity(&f1, x0, &ph));
    ad_pattern_free(p);
    ad_pattern_free(ph);
    FIRST(rc, ad_sparse_jacobian(&f2, x0, &J));
    FIRST(rc, ad_sparse_hessian(&f1, x1, &H));
    ad_sparse_free(J);
    ad_sparse_free(H);
    return rc;
}

/* Checkpointed adjoints of 40 steps with every schedule. */
static int job_checkpoint(void)
{
    ad_fn phi = osc_fn(NULL);
    const double q0[2] = {1.0, 0.0}, k[1] = {4.0}, wl[2] = {1.0, 0.5};
    double ql[2], qbar[2], kbar[1];
    const ad_revolve_type *types[] = {ad_revolve_binomial, ad_revolve_store_all,
                                      ad_revolve_uniform, ad_revolve_online,
                                      ad_revolve_two_level};
    int rc = AD_OK;
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        ad_checkpoint_opts o;
        memset(&o, 0, sizeof o);
        o.type = types[i];
        /* uniform needs about sqrt(l) slots: no cap for it. */
        o.snapshots = types[i] == ad_revolve_uniform ? 0 : 3;
        o.disk_snapshots = 4;
        o.write_cost = o.read_cost = 1.0;
        ad_checkpoint_stats st;
        FIRST(rc, ad_checkpoint_adjoint(&phi, 40, q0, k, wl, NULL, &o, ql, qbar,
                                        kbar, &st));
    }
    return rc;
}

/* The MPFR replay of a tape: values, gradient, Hessian-vector product. */
static int job_mpfr(void)
{
    ad_tape *t = ad_tape_new();
    int rc = t != NULL ? AD_OK : AD_ENOMEM;
    double y[1], g[N], hv[N];
    FIRST(rc, record_mix(t, &P1, x0));
    FIRST(rc, ad_tape_mpfr_eval(t, x1, 0, y));
    FIRST(rc, ad_tape_mpfr_gradient(t, x1, 128, g));
    FIRST(rc, ad_tape_mpfr_hvp(t, NULL, 0, v, hv));
    ad_tape_free(t);
    return rc;
}

/* The verify module: a gradient checked against its references, and
 * finite differences in double and in MPFR. */
static int job_verify(void)
{
    ad_fn f1 = mix_fn(&P1);
    double J[N], err[N];
    ad_verify_report *r = NULL;
    int rc = ad_verify_gradient(&f1, x0, NULL, &r);
    ad_verify_report_free(r);
    FIRST(rc, ad_fd_jacobian(&f1, AD_REF_FD_RICHARDSON, x0, 0, J, err));
    FIRST(rc, ad_fd_jacobian(&f1, AD_REF_FD_MPFR, x0, 128, J, err));
    return rc;
}

/* ---- the tests ------------------------------------------------------------
 */

Test(faults, tape)
{
    sweep_faults("tape", job_tape);
}

Test(faults, long_tape)
{
    sweep_faults("long tape", job_long_tape);
}

Test(faults, drivers)
{
    sweep_faults("drivers", job_drivers);
}

Test(faults, sparse)
{
    sweep_faults("sparse", job_sparse);
}

Test(faults, checkpoint)
{
    sweep_faults("checkpoint", job_checkpoint);
}

Test(faults, mpfr)
{
    sweep_faults("mpfr", job_mpfr);
}

Test(faults, verify)
{
    sweep_faults("verify", job_verify);
}

/* The results of a job that saw no failure are those of a run without the
 * injector armed: the injector changes nothing but the failing call. */
Test(faults, results_unchanged)
{
    ad_fn f1 = mix_fn(&P1);
    double y0[1], g0[N], y1[1], g1[N];
    cr_assert(ad_gradient(&f1, AD_REVERSE, x0, y0, g0) == AD_OK);
    ad_thread_release();
    fault_arm(KMAX);
    int rc = ad_gradient(&f1, AD_REVERSE, x0, y1, g1);
    ad_thread_release();
    cr_assert(!fault_disarm());
    cr_assert(rc == AD_OK);
    cr_assert(memcmp(g0, g1, sizeof g0) == 0 && y0[0] == y1[0]);
    cr_assert(isfinite(y0[0]) && g0[0] != 0.0);
}
