/* mixed.c -- the mixed-mode benchmark: second derivatives, sparse and
 * threaded Jacobians, relative to the plain double function on the same
 * machine in the same run, and beside ADOL-C when configure found it.
 *
 * Sections (--only NAME runs one):
 *
 *   hvp      Hessian-vector products by forward-over-reverse on the tape,
 *            on extended Rosenbrock (n = 10^6), the MLP loss of reverse.c
 *            written as scalar loops and with the array primitives (19210
 *            weights): f, the gradient at a new point (for scale), record +
 *            hvp through the driver ad_hvp(AD_FOR_REV), ad_tape_hvp at a
 *            new point (a replay of the values with the tangents along v,
 *            then the reverse sweep of adjoints and their tangents) and at
 *            the recorded point; beside ADOL-C's hess_vec at the new point
 *            (fos_forward keeping values and tangents, then hos_reverse),
 *            which is what "hvp at a new point" does.  ADOL-C has no array
 *            primitive, so the array MLP's ADOL-C column is the same
 *            function through the scalar-loop tape.
 *   hessian  the full dense Hessian of an n = 200 function with a dense
 *            Hessian (dense.inc), by each of the three ways of ad_hessian:
 *            AD_FOR_REV (n forward-over-reverse sweeps), AD_HYPERDUAL
 *            (n(n+1)/2 hyper-dual passes) and AD_FD_REV (2n gradients);
 *            time and the largest difference between them.
 *   sparse   the Jacobian of a 1-D reaction-diffusion residual
 *            (reaction.inc, tridiagonal: 3 colors) with n = 10^6 and with
 *            n = 2000, where the dense Jacobian fits beside it: the tape's
 *            pattern and coloring once (ad_sparse_jacobian_new), then
 *            ad_sparse_jacobian_tape at a new point and at the recorded
 *            one; for n = 2000 also the dense Jacobian by ad_jacobian (AUTO:
 *            forward, AD_LANES columns per pass) and by ad_tape_jacobian;
 *            beside ADOL-C's sparse Jacobian (sparse_jac when its build has
 *            ColPack; else, as in Debian's 2.7.2, jac_pat for the pattern
 *            and fov_forward with admix's coloring as the seed, which is
 *            what sparse_jac does after its coloring) and its jacobian().
 *   threads  the dense n = m = 2000 Jacobian of y_i = x_i sum_j x_j^2 +
 *            sin(x_i) (dense.inc) by ad_jacobian, AUTO (forward) and
 *            REVERSE, with omp_set_num_threads(1) and (2) around the call:
 *            the speed-up of two threads; beside it two controls split
 *            over the threads the same way: chains of square roots (no
 *            memory touched), whose speed-up is what the machine gave (2 on
 *            an idle machine, less when other work holds the second core),
 *            and the forward Jacobian's own f_dualv passes without writing
 *            J, whose speed-up bounds AUTO's (this VM has spells in which
 *            one thread runs such passes 1.5x faster than usual and two
 *            threads do not: the passes then scale by 1.5-1.7 only).
 *
 * Method.  As reverse.c: buffers allocated and filled once per problem
 * (fixed seeds), medians of samples of >= 20 ms, the samples of all
 * measures of a problem (admix's and ADOL-C's, 1 and 2 threads) taken in
 * turn so that their ratios share the machine's conditions (timer.c);
 * glibc's malloc tuned so that freed memory is reused unless
 * --default-malloc.  One-off costs (recording, analysis, a one-shot
 * ad_sparse_jacobian, ADOL-C's jac_pat) are timed once and marked so.
 * Outside the threads section every OpenMP region runs on the default
 * number of threads (printed); ADOL-C runs on one.
 *
 * ADOL-C's store of locations only grows, and a tape recorded after a big
 * one counts the big one's locations as its own (its vector sweeps then
 * allocate that many rows), so every ADOL-C tape is recorded up front from
 * the smallest problem to the largest.
 *
 * Checks (untimed), listed at the end with their tolerances: each hvp
 * against hyper-dual passes (v^T H v with d1 = d2 = v, and three entries
 * (H v)_i with d1 = e_i, d2 = v), against AD_FD_REV, the driver's against
 * the tape's, ADOL-C's against admix's, the array MLP's against the scalar
 * one's; the three Hessians against one another, the FOR_REV one's
 * symmetry and the closed form; the sparse Jacobians against the closed
 * form, their colors (3) and, for n = 2000, against both dense Jacobians;
 * ADOL-C's sparse and dense Jacobians against the closed form; the 2-thread
 * Jacobians bit for bit against the 1-thread ones, and forward against
 * reverse and the closed form.  A failed check says FAILED and makes the
 * exit status 1.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench.h"

#ifdef AD_BENCH_HAVE_ADOLC
#include "adolc.h"
#endif

#ifndef AD_BENCH_ADOLC_CXXFLAGS
#define AD_BENCH_ADOLC_CXXFLAGS "(unknown)"
#endif

/* The targets of the mixed-mode issue. */
#define TARGET_VS_ADOLC  0.20 /* hvp: >= 5x faster than ADOL-C's hess_vec */
#define TARGET_ARRAY_HVP 10.0 /* the array MLP's hvp, in units of f */
#define TARGET_SPARSE    3.0  /* sparse Jacobian <= 3 x colors x f */
#define TARGET_THREADS   1.7  /* speed-up of a dense Jacobian on 2 threads */

/* Exact derivatives computed two ways differ by rounding only. */
#define TOL 1e-10
/* AD_FD_REV against exact: drivers.h expects about 1e-10 on smooth,
 * well-scaled functions and the tests allow 1e-7; here 1e-6, for
 * Rosenbrock's quartic terms at n = 10^6. */
#define TOL_FD 1e-6

/* The reaction's strength: lambda = 1 is well below the fold of the Bratu
 * problem (lambda about 3.51), where a Newton iteration would work. */
#define REACTION_LAMBDA 1.0

ad_bench_mixed_options ad_bench_mixed_default_options(void)
{
    ad_bench_mixed_options o;
    o.base = ad_bench_default_options();
    o.adolc = 1;
    o.tune_malloc = 1;
    o.only = NULL;
    o.command = NULL;
    return o;
}

/* ---- the run: output, verdicts, checks ---------------------------------- */

#define MAX_CHECKS 48

typedef struct check {
    char name[96];    /* the problem */
    const char *what; /* the check, a string literal */
    double diff, tol;
} check;

typedef struct run {
    FILE *out;
    const ad_bench_mixed_options *opt;
    int use_adolc; /* ADOL-C compiled in and not --no-adolc */
    int missed;    /* targets missed */
    int error;     /* a setup or a timed call failed */
    int nchecks;
    check checks[MAX_CHECKS];
    double sink; /* every result is added here */
} run;

/* Records a check of problem `name`: what (a string literal), its
 * difference and its tolerance. */
static void add_check(run *r, double diff, double tol, const char *what,
                      const char *name)
{
    if (r->nchecks >= MAX_CHECKS)
        return;
    check *c = &r->checks[r->nchecks++];
    /* A name too long for the label is cut, and the cut marked. */
    if (snprintf(c->name, sizeof c->name, "%s", name) >= (int)sizeof c->name)
        memcpy(c->name + sizeof c->name - 4, "...", 4);
    c->what = what;
    c->diff = diff;
    c->tol = tol;
}

/* A target verdict, counted in r->missed. */
static const char *verdict(run *r, int ok)
{
    if (!ok)
        r->missed++;
    return ok ? "ok" : "MISS";
}

static void put_blank(FILE *out, int width)
{
    fprintf(out, " %*s", width, "-");
}

/* One row of the table: its name, admix's time ta and ta / tf, ADOL-C's tb,
 * tb / tf and rab, admix's time / ADOL-C's (blanks when tb is NaN), then a
 * note. */
static void row_vs(run *r, const char *name, double ta, double tf, double tb,
                   double rab, const char *note)
{
    fprintf(r->out, "  %-32s", name);
    ad_bench_print_time(r->out, ta);
    fprintf(r->out, " %7.2f", ta / tf);
    if (!isnan(tb)) {
        ad_bench_print_time(r->out, tb);
        fprintf(r->out, " %7.2f %8.3f", tb / tf, rab);
    } else {
        put_blank(r->out, 12);
        put_blank(r->out, 7);
        put_blank(r->out, 8);
    }
    fprintf(r->out, "  %s\n", note != NULL ? note : "");
}

/* The same with rab = ta / tb. */
static void row(run *r, const char *name, double ta, double tf, double tb,
                const char *note)
{
    row_vs(r, name, ta, tf, tb, ta / tb, note);
}

/* A row timed once: its time in the admix column, nothing else. */
static void row_once(run *r, const char *name, double ta, double tf,
                     const char *note)
{
    row(r, name, ta, tf, NAN, note);
}

/* max_i |a_i - b_i| / max_i |b_i| (0 when equal, infinite when b is 0 and
 * a is not). */
static double vec_diff(const double *a, const double *b, size_t n)
{
    double d = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs(a[i] - b[i]));
        s = fmax(s, fabs(b[i]));
    }
    if (d == 0.0)
        return 0.0;
    return s > 0.0 ? d / s : INFINITY;
}

/* Draws x from fill, x2 = x moved by a relative 10^-3 (small enough that
 * the MLP's recorded comparisons keep their outcome) and, if v is not
 * NULL, v uniform in [-1, 1). */
static void draw_points(const ad_fn *fn, ad_bench_fill fill, ad_bench_rng *rng,
                        double *x, double *x2, double *v)
{
    for (size_t i = 0; i < fn->n; i++) {
        x[i] = fill(fn->params, i, rng);
        x2[i] = x[i] * (1.0 + ad_bench_uniform(rng, -1e-3, 1e-3));
        if (v != NULL)
            v[i] = ad_bench_uniform(rng, -1.0, 1.0);
    }
}

static void note_rc(int *dst, int rc)
{
    if (rc != AD_OK && *dst == AD_OK)
        *dst = rc;
}

/* ---- hvp: Hessian-vector products --------------------------------------- */

enum {
    H_F,       /* f, double */
    H_FSCALAR, /* the scalar-loop MLP's f (array MLP only) */
    H_GRAD,    /* gradient at a new point, for scale */
    H_DRIVER,  /* record + hvp: ad_hvp(AD_FOR_REV) */
    H_NEW,     /* ad_tape_hvp at a new point */
    H_REC,     /* ad_tape_hvp at the recorded point */
    H_A_HV,    /* ADOL-C's hess_vec at the new point */
    H_COUNT
};

typedef struct hprob {
    char name[64];
    ad_fn fn;           /* the problem */
    ad_fn scalar;       /* the array MLP: the scalar-loop MLP; else fn */
    int is_array;       /* the array-primitive MLP */
    ad_bench_rng rng;   /* the point, the direction, the checks */
    double *x, *x2, *v; /* the point, a new point, the direction */
    double *g;          /* gradient at x2 */
    double *hv, *hv2;   /* H v at x (recorded point) and at x2 */
    double *hs, *ha;    /* scratch: the driver's, ADOL-C's */
    ad_hdual *xh;       /* for the hyper-dual checks */
    ad_var *xv;         /* the independents, reused */
    ad_tape *tape;      /* recorded at x once */
    int rc;             /* first error of a timed call */
    double sink;
    int adolc; /* ADOL-C runs this problem */
    short tag; /* its ADOL-C tape (the array MLP: the scalar's) */
#ifdef AD_BENCH_HAVE_ADOLC
    ad_bench_adolc_problem ap;
#endif
} hprob;

static void hprob_free(hprob *p)
{
    free(p->x);
    free(p->x2);
    free(p->v);
    free(p->g);
    free(p->hv);
    free(p->hv2);
    free(p->hs);
    free(p->ha);
    free(p->xh);
    free(p->xv);
    ad_tape_free(p->tape);
    memset(p, 0, sizeof *p);
}

/* Allocates p's buffers, draws its point and records its tape at x.  -1
 * when memory runs out or the recording fails. */
static int hprob_init(hprob *p, const char *name, ad_fn fn, ad_fn scalar,
                      int is_array, ad_bench_fill fill, unsigned seed)
{
    size_t n = fn.n;
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->fn = fn;
    p->scalar = scalar;
    p->is_array = is_array;
    p->rng.state = 0x2545F4914F6CDD1Dull * seed;
    p->x = malloc(n * sizeof *p->x);
    p->x2 = malloc(n * sizeof *p->x2);
    p->v = malloc(n * sizeof *p->v);
    p->g = malloc(n * sizeof *p->g);
    p->hv = malloc(n * sizeof *p->hv);
    p->hv2 = malloc(n * sizeof *p->hv2);
    p->hs = malloc(n * sizeof *p->hs);
    p->ha = malloc(n * sizeof *p->ha);
    p->xh = malloc(n * sizeof *p->xh);
    p->xv = malloc(n * sizeof *p->xv);
    p->tape = ad_tape_new();
    if (!p->x || !p->x2 || !p->v || !p->g || !p->hv || !p->hv2 || !p->hs ||
        !p->ha || !p->xh || !p->xv || !p->tape) {
        hprob_free(p);
        return -1;
    }
    draw_points(&p->fn, fill, &p->rng, p->x, p->x2, p->v);
    ad_var yv;
    if (ad_bench_record(&p->fn, p->tape, p->x, p->xv, &yv) != AD_OK) {
        hprob_free(p);
        return -1;
    }
    return 0;
}

static void run_hf(void *ctx)
{
    hprob *p = ctx;
    double y;
    p->fn.f_double(p->x, &y, p->fn.params);
    p->sink += y;
}

static void run_hfscalar(void *ctx)
{
    hprob *p = ctx;
    double y;
    p->scalar.f_double(p->x, &y, p->scalar.params);
    p->sink += y;
}

static void run_hgrad(void *ctx)
{
    hprob *p = ctx;
    note_rc(&p->rc, ad_tape_gradient(p->tape, p->x2, p->g));
    p->sink += p->g[0];
}

static void run_hdriver(void *ctx)
{
    hprob *p = ctx;
    note_rc(&p->rc, ad_hvp(&p->fn, AD_FOR_REV, p->x, p->v, p->hs));
    p->sink += p->hs[0];
}

static void run_hnew(void *ctx)
{
    hprob *p = ctx;
    note_rc(&p->rc, ad_tape_hvp(p->tape, p->x2, p->v, p->hv2));
    p->sink += p->hv2[0];
}

static void run_hrec(void *ctx)
{
    hprob *p = ctx;
    note_rc(&p->rc, ad_tape_hvp(p->tape, NULL, p->v, p->hv));
    p->sink += p->hv[0];
}

#ifdef AD_BENCH_HAVE_ADOLC
static void run_ahv(void *ctx)
{
    hprob *p = ctx;
    if (ad_bench_adolc_hess_vec(p->tag, p->fn.n, p->x2, p->v, p->ha) != 0)
        note_rc(&p->rc, AD_EINVAL);
    p->sink += p->ha[0];
}
#endif

/* One hyper-dual pass of p at `at` with seeds d1 (e_i when i < n, else v)
 * and d2 = v: returns d12 = d1^T H d2. */
static double hdual_pass(hprob *p, const double *at, size_t i)
{
    const size_t n = p->fn.n;
    for (size_t j = 0; j < n; j++) {
        double d1 = i < n ? (j == i ? 1.0 : 0.0) : p->v[j];
        p->xh[j] = ad_hdual_make(at[j], d1, p->v[j], 0.0);
    }
    ad_hdual y;
    p->fn.f_hdual(p->xh, &y, p->fn.params);
    return y.d12;
}

/* Checks p (untimed): hv (at x) and hv2 (at x2) from the tape, against
 * hyper-dual passes, AD_FD_REV, the driver, ADOL-C and (array MLP) the
 * scalar MLP's hv. */
static void hprob_check(run *r, hprob *p, const hprob *scalar_mlp)
{
    const size_t n = p->fn.n;
    double exact = 0.0, fd = INFINITY, drv = INFINITY;
    if (ad_tape_hvp(p->tape, NULL, p->v, p->hv) != AD_OK ||
        ad_tape_hvp(p->tape, p->x2, p->v, p->hv2) != AD_OK) {
        add_check(r, INFINITY, TOL, "tape hvp", p->name);
        return;
    }
    /* v^T H v at x, relative to the size of the terms summed. */
    double s = 0.0, a = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += p->v[i] * p->hv[i];
        a += fabs(p->v[i] * p->hv[i]);
    }
    double vhv = hdual_pass(p, p->x, n);
    a = fmax(a, fabs(vhv));
    exact = s == vhv ? 0.0 : a > 0.0 ? fabs(s - vhv) / a : INFINITY;
    /* Three entries of H v at x2, relative to the largest entry. */
    double big = 0.0;
    for (size_t i = 0; i < n; i++)
        big = fmax(big, fabs(p->hv2[i]));
    for (int k = 0; k < 3; k++) {
        size_t i = (size_t)ad_bench_uniform(&p->rng, 0.0, (double)n);
        i = i < n ? i : n - 1;
        double d = fabs(hdual_pass(p, p->x2, i) - p->hv2[i]);
        exact = fmax(exact, d == 0.0 ? 0.0 : big > 0.0 ? d / big : INFINITY);
    }
    add_check(r, exact, TOL, "hvp vs hyper-dual (v'Hv, 3 entries)", p->name);

    if (ad_hvp(&p->fn, AD_FD_REV, p->x, p->v, p->hs) == AD_OK)
        fd = vec_diff(p->hs, p->hv, n);
    add_check(r, fd, TOL_FD, "hvp vs AD_FD_REV", p->name);
    if (ad_hvp(&p->fn, AD_FOR_REV, p->x, p->v, p->hs) == AD_OK)
        drv = vec_diff(p->hs, p->hv, n);
    add_check(r, drv, TOL, "ad_hvp(FOR_REV) vs ad_tape_hvp", p->name);

#ifdef AD_BENCH_HAVE_ADOLC
    if (p->adolc) {
        double d = INFINITY;
        if (ad_bench_adolc_hess_vec(p->tag, n, p->x2, p->v, p->ha) == 0)
            d = vec_diff(p->ha, p->hv2, n);
        add_check(r, d, TOL, "ADOL-C hess_vec vs admix", p->name);
    }
#endif
    if (p->is_array && scalar_mlp != NULL && scalar_mlp->fn.n == n)
        add_check(r, vec_diff(p->hv, scalar_mlp->hv, n), TOL,
                  "hvp vs the scalar-loop MLP's", p->name);
}

static const char *const hvp_name[H_COUNT] = {
    "f (double)",
    "f (scalar-loop MLP)",
    "gradient at a new point",
    "record + hvp (ad_hvp, FOR_REV)",
    "hvp at a new point",
    "hvp at the recorded point",
    NULL,
};

/* Times p's measures and prints its rows. */
static void hprob_bench(run *r, hprob *p, const hprob *scalar_mlp)
{
    static const ad_bench_body all[H_COUNT] = {
        run_hf,  run_hfscalar, run_hgrad, run_hdriver, run_hnew, run_hrec,
#ifdef AD_BENCH_HAVE_ADOLC
        run_ahv,
#else
        NULL,
#endif
    };
    ad_bench_body body[H_COUNT];
    void *ctx[H_COUNT];
    int at[H_COUNT], nb = 0;
    for (int m = 0; m < H_COUNT; m++) {
        int on = m == H_FSCALAR ? p->is_array : m == H_A_HV ? p->adolc : 1;
        at[m] = on ? nb : -1;
        if (on) {
            body[nb] = all[m];
            ctx[nb++] = p;
        }
    }
    ad_bench_timing t[H_COUNT];
    ad_bench_measure_set(nb, body, ctx, r->opt->base.min_sample,
                         r->opt->base.samples, t);
    r->sink += p->sink;
    if (p->rc != AD_OK) {
        fprintf(r->out, "%s: a timed call failed: %s\n", p->name,
                ad_strerror(p->rc));
        r->error = 1;
        return;
    }
#define TM(m) (at[m] >= 0 ? t[at[m]].median : NAN)
    /* Ratios are to the scalar-loop f (the array MLP's f runs CBLAS). */
    const double tf = p->is_array ? TM(H_FSCALAR) : TM(H_F);

    ad_tape_info info;
    ad_tape_stats(p->tape, &info);
    fprintf(r->out, "%s: %zu inputs, %zu ops, %zu variables\n", p->name,
            p->fn.n, info.ops, info.vars);
    for (int m = H_F; m <= H_REC; m++) {
        if (at[m] < 0)
            continue;
        char note[112] = "";
        double tb = NAN;
        const char *name = hvp_name[m];
        if (m == H_F && p->is_array)
            name = "f (double, array: CBLAS)";
        double rab = NAN;
        if (m == H_NEW) {
            size_t l = 0;
            tb = TM(H_A_HV);
            if (!isnan(tb)) {
                rab = ad_bench_paired_ratio(&t[at[H_NEW]], &t[at[H_A_HV]]);
                l = (size_t)snprintf(
                    note, sizeof note, ">=5x ADOL-C %s [medians %.3f]",
                    verdict(r, rab <= TARGET_VS_ADOLC), TM(H_NEW) / tb);
            }
            if (p->is_array)
                snprintf(note + l, sizeof note - l,
                         "%s<=%.0f f %s (%.1f x the array f)", l ? ", " : "",
                         TARGET_ARRAY_HVP,
                         verdict(r, TM(H_NEW) / tf <= TARGET_ARRAY_HVP),
                         TM(H_NEW) / TM(H_F));
        }
        if (m == H_REC || m == H_DRIVER)
            snprintf(note, sizeof note, "%.1f x the new-point gradient",
                     TM(m) / TM(H_GRAD));
        row_vs(r, name, TM(m), tf, tb, rab, note);
    }
#undef TM
    hprob_check(r, p, scalar_mlp);
}

/* ---- hessian: a dense Hessian three ways -------------------------------- */

enum { D_F, D_FORREV, D_HD, D_FD, D_COUNT };

typedef struct dprob {
    ad_fn fn;
    ad_bench_dense_params dp;
    double *x;
    double *H[D_COUNT]; /* H[D_FORREV], H[D_HD], H[D_FD] */
    int rc;
    double sink;
} dprob;

/* The bodies are one function with its mode in a context of its own. */
typedef struct dctx {
    dprob *p;
    int which;
} dctx;

static void run_df(void *ctx)
{
    dprob *p = ((dctx *)ctx)->p;
    double y;
    p->fn.f_double(p->x, &y, p->fn.params);
    p->sink += y;
}

static void run_dhess(void *ctx)
{
    dctx *c = ctx;
    static const ad_mode modes[D_COUNT] = {AD_AUTO, AD_FOR_REV, AD_HYPERDUAL,
                                           AD_FD_REV};
    double *H = c->p->H[c->which];
    note_rc(&c->p->rc,
            ad_hessian(&c->p->fn, modes[c->which], c->p->x, H, NULL));
    c->p->sink += H[0];
}

/* The closed form of dense.inc's Hessian at x into H. */
static void denseh_exact(size_t n, const double *x, double *H)
{
    double S = 0.0, C = 0.0;
    for (size_t j = 0; j < n; j++) {
        S += x[j] * x[j];
        C += sin(x[j]);
    }
    const double q = 1.0 + S, dn = (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double h =
                -4.0 * x[i] * x[j] / (q * q) + 2.0 * cos(x[i]) * cos(x[j]) / dn;
            if (i == j)
                h += 2.0 / q - 2.0 * C * sin(x[i]) / dn;
            H[i * n + j] = h;
        }
}

static void bench_hessian(run *r, size_t n)
{
    dprob p;
    memset(&p, 0, sizeof p);
    p.dp.n = n;
    p.fn = ad_bench_denseh_fn(&p.dp);
    p.x = malloc(n * sizeof *p.x);
    double *E = malloc(n * n * sizeof *E);
    int ok = p.x != NULL && E != NULL;
    for (int k = D_FORREV; k < D_COUNT; k++) {
        p.H[k] = malloc(n * n * sizeof *p.H[k]);
        ok = ok && p.H[k] != NULL;
    }
    if (!ok) {
        fprintf(r->out, "dense Hessian: out of memory\n");
        r->error = 1;
        goto done;
    }
    ad_bench_rng rng = {0x2545F4914F6CDD1Dull * 6};
    for (size_t i = 0; i < n; i++)
        p.x[i] = ad_bench_fill_dense(&p.dp, i, &rng);

    dctx c[D_COUNT];
    ad_bench_body body[D_COUNT];
    void *ctx[D_COUNT];
    for (int k = 0; k < D_COUNT; k++) {
        c[k].p = &p;
        c[k].which = k;
        body[k] = k == D_F ? run_df : run_dhess;
        ctx[k] = &c[k];
    }
    ad_bench_timing t[D_COUNT];
    ad_bench_measure_set(D_COUNT, body, ctx, r->opt->base.min_sample,
                         r->opt->base.samples, t);
    r->sink += p.sink;
    if (p.rc != AD_OK) {
        fprintf(r->out, "dense Hessian: a timed call failed: %s\n",
                ad_strerror(p.rc));
        r->error = 1;
        goto done;
    }

    /* The largest differences, relative to the largest entry. */
    const size_t nn = n * n;
    denseh_exact(n, p.x, E);
    double d_hd = vec_diff(p.H[D_HD], p.H[D_FORREV], nn);
    double d_fd = vec_diff(p.H[D_FD], p.H[D_FORREV], nn);
    double d_ex = vec_diff(p.H[D_FORREV], E, nn);
    double asym = 0.0, big = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            asym = fmax(asym, fabs(p.H[D_FORREV][i * n + j] -
                                   p.H[D_FORREV][j * n + i]));
            big = fmax(big, fabs(p.H[D_FORREV][i * n + j]));
        }
    asym = asym == 0.0 ? 0.0 : big > 0.0 ? asym / big : INFINITY;

    fprintf(r->out,
            "dense Hessian n=%zu, f = log(1 + |x|^2) + (sum_i sin x_i)^2 / n "
            "(every entry nonzero)\n",
            n);
    const double tf = t[D_F].median;
    char note[112];
    row(r, "f (double)", tf, tf, NAN, "");
    snprintf(note, sizeof note, "n sweeps: %.1f f each; vs closed form %.1e",
             t[D_FORREV].median / tf / (double)n, d_ex);
    row(r, "ad_hessian FOR_REV", t[D_FORREV].median, tf, NAN, note);
    snprintf(note, sizeof note, "n(n+1)/2 passes; max diff vs FOR_REV %.1e",
             d_hd);
    row(r, "ad_hessian HYPERDUAL", t[D_HD].median, tf, NAN, note);
    snprintf(note, sizeof note, "2n gradients; max diff vs FOR_REV %.1e", d_fd);
    row(r, "ad_hessian FD_REV", t[D_FD].median, tf, NAN, note);

    add_check(r, d_hd, TOL, "HYPERDUAL vs FOR_REV", "dense Hessian");
    add_check(r, d_fd, TOL_FD, "FD_REV vs FOR_REV", "dense Hessian");
    add_check(r, d_ex, TOL, "FOR_REV vs the closed form", "dense Hessian");
    add_check(r, asym, TOL, "FOR_REV symmetric", "dense Hessian");
done:
    free(p.x);
    free(E);
    for (int k = D_FORREV; k < D_COUNT; k++)
        free(p.H[k]);
}

/* ---- sparse: a sparse Jacobian ------------------------------------------ */

enum {
    S_F,       /* f, double */
    S_NEW,     /* ad_sparse_jacobian_tape at a new point */
    S_REC,     /* the same at the recorded point */
    S_DTAPE,   /* ad_tape_jacobian at the new point (small case) */
    S_DENSE,   /* ad_jacobian AUTO (small case) */
    S_A_SP,    /* ADOL-C's sparse Jacobian at the new point */
    S_A_DENSE, /* ADOL-C's jacobian() (small case) */
    S_COUNT
};

typedef struct sprob {
    char name[96];
    ad_bench_reaction_params rp;
    ad_fn fn;
    int small; /* the dense Jacobian fits: time it too */
    double *x, *x2, *y;
    ad_var *xv, *yv;
    ad_tape *tape;    /* recorded at x */
    ad_sparse *J;     /* its sparse Jacobian */
    double *Jd;       /* small: the dense Jacobian, m x n */
    ad_mode used;     /* what ad_jacobian AUTO picked */
    double t_record;  /* seconds, once: the recording */
    double t_analyse; /* once: ad_sparse_jacobian_new */
    double t_oneshot; /* once: ad_sparse_jacobian (record, analyse, eval) */
    double t_a_setup; /* once: ADOL-C's jac_pat (or first sparse_jac) */
    int rc;
    double sink;
    int adolc;
    short tag;
#ifdef AD_BENCH_HAVE_ADOLC
    ad_bench_adolc_problem ap;
    ad_bench_adolc_sparse_info ainfo;
#endif
} sprob;

static void sprob_free(sprob *p)
{
    free(p->x);
    free(p->x2);
    free(p->y);
    free(p->xv);
    free(p->yv);
    free(p->Jd);
    ad_sparse_free(p->J);
    ad_tape_free(p->tape);
    memset(p, 0, sizeof *p);
}

/* Allocates p (n points), draws x and x2.  -1 when memory runs out. */
static int sprob_init(sprob *p, size_t n, int small, unsigned seed)
{
    memset(p, 0, sizeof *p);
    p->rp.n = n;
    p->rp.lambda = REACTION_LAMBDA;
    p->fn = ad_bench_reaction_fn(&p->rp);
    p->small = small;
    snprintf(p->name, sizeof p->name, "reaction-diffusion n=%zu", n);
    p->x = malloc(n * sizeof *p->x);
    p->x2 = malloc(n * sizeof *p->x2);
    p->y = malloc(n * sizeof *p->y);
    p->xv = malloc(n * sizeof *p->xv);
    p->yv = malloc(n * sizeof *p->yv);
    p->tape = ad_tape_new();
    if (small)
        p->Jd = malloc(n * n * sizeof *p->Jd);
    if (!p->x || !p->x2 || !p->y || !p->xv || !p->yv || !p->tape ||
        (small && !p->Jd)) {
        sprob_free(p);
        return -1;
    }
    ad_bench_rng rng = {0x2545F4914F6CDD1Dull * seed};
    draw_points(&p->fn, ad_bench_fill_reaction, &rng, p->x, p->x2, NULL);
    return 0;
}

static void run_sf(void *ctx)
{
    sprob *p = ctx;
    p->fn.f_double(p->x, p->y, p->fn.params);
    p->sink += p->y[0];
}

static void run_snew(void *ctx)
{
    sprob *p = ctx;
    note_rc(&p->rc, ad_sparse_jacobian_tape(p->tape, p->x2, p->J));
    p->sink += p->J->val[0];
}

static void run_srec(void *ctx)
{
    sprob *p = ctx;
    note_rc(&p->rc, ad_sparse_jacobian_tape(p->tape, NULL, p->J));
    p->sink += p->J->val[0];
}

static void run_sdtape(void *ctx)
{
    sprob *p = ctx;
    note_rc(&p->rc, ad_tape_jacobian(p->tape, p->x2, p->Jd));
    p->sink += p->Jd[0];
}

static void run_sdense(void *ctx)
{
    sprob *p = ctx;
    note_rc(&p->rc, ad_jacobian(&p->fn, AD_AUTO, p->x2, NULL, p->Jd, &p->used));
    p->sink += p->Jd[0];
}

#ifdef AD_BENCH_HAVE_ADOLC
static void run_asp(void *ctx)
{
    sprob *p = ctx;
    if (ad_bench_adolc_sparse_jac(p->tag, p->x2) != 0)
        note_rc(&p->rc, AD_EINVAL);
    p->sink += 1.0;
}

static void run_adense(void *ctx)
{
    sprob *p = ctx;
    if (ad_bench_adolc_jacobian(p->tag, p->fn.m, p->fn.n, p->x2, p->Jd) != 0)
        note_rc(&p->rc, AD_EINVAL);
    p->sink += p->Jd[0];
}
#endif

/* The closed form of entry (i, j) of the reaction's Jacobian at x. */
static double reaction_entry(const ad_bench_reaction_params *rp,
                             const double *x, size_t i, size_t j)
{
    const double h = 1.0 / ((double)rp->n + 1.0), ih2 = 1.0 / (h * h);
    if (i == j)
        return -2.0 * ih2 + rp->lambda * exp(x[i]);
    return (i + 1 == j || j + 1 == i) ? ih2 : 0.0;
}

/* max |A_ij - closed form| / max |closed form| over the sparse entries of
 * J, and over the whole of a dense A (may be NULL). */
static double reaction_diff(const sprob *p, const double *x, const ad_sparse *J,
                            const double *A)
{
    const size_t n = p->rp.n;
    double d = 0.0, big = 0.0;
    if (J != NULL) {
        const ad_pattern *P = J->pattern;
        for (size_t i = 0; i < P->m; i++)
            for (size_t k = P->rowptr[i]; k < P->rowptr[i + 1]; k++) {
                double e = reaction_entry(&p->rp, x, i, P->col[k]);
                d = fmax(d, fabs(J->val[k] - e));
                big = fmax(big, fabs(e));
            }
    }
    if (A != NULL)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double e = reaction_entry(&p->rp, x, i, j);
                d = fmax(d, fabs(A[i * n + j] - e));
                big = fmax(big, fabs(e));
            }
    if (d == 0.0)
        return 0.0;
    return big > 0.0 ? d / big : INFINITY;
}

/* Records p's tape, analyses it, times everything and prints its rows. */
static void sprob_bench(run *r, sprob *p)
{
    const size_t n = p->rp.n;
    double t0 = ad_bench_now();
    int rc = ad_bench_record(&p->fn, p->tape, p->x, p->xv, p->yv);
    p->t_record = ad_bench_now() - t0;
    if (rc == AD_OK) {
        t0 = ad_bench_now();
        rc = ad_sparse_jacobian_new(p->tape, AD_SPARSE_AUTO, &p->J);
        p->t_analyse = ad_bench_now() - t0;
    }
    if (rc == AD_OK) {
        ad_sparse *J1 = NULL;
        t0 = ad_bench_now();
        rc = ad_sparse_jacobian(&p->fn, p->x, &J1);
        p->t_oneshot = ad_bench_now() - t0;
        ad_sparse_free(J1);
    }
    if (rc != AD_OK) {
        fprintf(r->out, "%s: recording or analysis failed: %s\n", p->name,
                ad_strerror(rc));
        r->error = 1;
        return;
    }
#ifdef AD_BENCH_HAVE_ADOLC
    if (p->adolc) {
        t0 = ad_bench_now();
        p->adolc = ad_bench_adolc_sparse_setup(
                       p->tag, p->x, p->J->color,
                       p->J->dir == AD_SPARSE_FORWARD ? p->J->ncolors : 0,
                       &p->ainfo) == 0;
        p->t_a_setup = ad_bench_now() - t0;
        if (!p->adolc)
            fprintf(r->out,
                    "%s: ADOL-C's sparse Jacobian failed; admix "
                    "only\n",
                    p->name);
    }
#endif

    static const ad_bench_body all[S_COUNT] = {
        run_sf,  run_snew,   run_srec, run_sdtape, run_sdense,
#ifdef AD_BENCH_HAVE_ADOLC
        run_asp, run_adense,
#else
        NULL,   NULL,
#endif
    };
    ad_bench_body body[S_COUNT];
    void *ctx[S_COUNT];
    int at[S_COUNT], nb = 0;
    for (int m = 0; m < S_COUNT; m++) {
        int on = 1;
        if (m == S_DTAPE || m == S_DENSE)
            on = p->small;
        if (m == S_A_SP)
            on = p->adolc;
        if (m == S_A_DENSE)
            on = p->adolc && p->small;
        at[m] = on ? nb : -1;
        if (on) {
            body[nb] = all[m];
            ctx[nb++] = p;
        }
    }
    ad_bench_timing t[S_COUNT];
    ad_bench_measure_set(nb, body, ctx, r->opt->base.min_sample,
                         r->opt->base.samples, t);
    r->sink += p->sink;
    if (p->rc != AD_OK) {
        fprintf(r->out, "%s: a timed call failed: %s\n", p->name,
                ad_strerror(p->rc));
        r->error = 1;
        return;
    }
#define TM(m) (at[m] >= 0 ? t[at[m]].median : NAN)
    const double tf = TM(S_F);
    const size_t nc = p->J->ncolors;
    ad_tape_info info;
    ad_tape_stats(p->tape, &info);
    fprintf(r->out, "%s: %zu ops, %zu nonzeros, %zu colors (%s)\n", p->name,
            info.ops, p->J->pattern->nnz, nc,
            p->J->dir == AD_SPARSE_FORWARD ? "forward" : "reverse");
#ifdef AD_BENCH_HAVE_ADOLC
    if (p->adolc)
        fprintf(r->out, "  (ADOL-C: %s)\n",
                p->ainfo.native
                    ? "sparse_jac, repeat = 1: its pattern and seed reused"
                    : "its sparse_jac needs ColPack, absent here: jac_pat, "
                      "then fov_forward\n   seeded with admix's coloring "
                      "and the entries recovered, as sparse_jac does");
#endif
    char note[112];
    row(r, "f (double)", tf, tf, NAN, "");
    row_once(r, "record the tape, once", p->t_record, tf, "");
    row_once(r, "pattern + coloring, once", p->t_analyse, tf,
             "ad_sparse_jacobian_new");
    row_once(r, "one-shot ad_sparse_jacobian, once", p->t_oneshot, tf,
             "record + analyse + evaluate");
    snprintf(note, sizeof note, "<=3 x %zu colors x f %s", nc,
             verdict(r, TM(S_NEW) / tf <= TARGET_SPARSE * (double)nc));
#define PR(a, b)                                                               \
    (at[a] >= 0 && at[b] >= 0 ? ad_bench_paired_ratio(&t[at[a]], &t[at[b]])    \
                              : NAN)
    row_vs(r, "sparse Jacobian at a new point", TM(S_NEW), tf, TM(S_A_SP),
           PR(S_NEW, S_A_SP), note);
    row(r, "sparse Jacobian, recorded point", TM(S_REC), tf, NAN, "");
    if (p->small) {
        snprintf(note, sizeof note, "%.1f x the sparse one",
                 TM(S_DTAPE) / TM(S_NEW));
        row(r, "dense ad_tape_jacobian, new pt", TM(S_DTAPE), tf, NAN, note);
        snprintf(note, sizeof note, "AUTO -> %s; %.1f x the sparse one",
                 ad_mode_name(p->used), TM(S_DENSE) / TM(S_NEW));
        row_vs(r, "dense ad_jacobian, new point", TM(S_DENSE), tf,
               TM(S_A_DENSE), PR(S_DENSE, S_A_DENSE), note);
    }
#undef PR
#ifdef AD_BENCH_HAVE_ADOLC
    if (p->adolc) {
        if (p->ainfo.native)
            snprintf(note, sizeof note, "first sparse_jac (repeat 0)");
        else
            snprintf(note, sizeof note, "jac_pat; %.1f x admix's analysis",
                     p->t_a_setup / p->t_analyse);
        row_once(r, "ADOL-C pattern, once", p->t_a_setup, tf, note);
    }
#endif
#undef TM

    /* The checks (untimed). */
    double d;
    rc = ad_sparse_jacobian_tape(p->tape, p->x2, p->J);
    d = rc == AD_OK ? reaction_diff(p, p->x2, p->J, NULL) : INFINITY;
    add_check(r, d, TOL, "sparse vs the closed form", p->name);
    d = fabs((double)nc - 3.0) +
        fabs((double)p->J->pattern->nnz - (double)(n > 1 ? 3 * n - 2 : 1));
    add_check(r, d, 0.0, "3 colors, 3n - 2 nonzeros", p->name);
    if (p->small) {
        double *S = malloc(n * n * sizeof *S);
        d = INFINITY;
        if (S != NULL && ad_sparse_to_dense(p->J, S) == AD_OK &&
            ad_jacobian(&p->fn, AD_AUTO, p->x2, NULL, p->Jd, NULL) == AD_OK)
            d = vec_diff(S, p->Jd, n * n);
        add_check(r, d, TOL, "sparse vs dense ad_jacobian", p->name);
        d = INFINITY;
        if (S != NULL && ad_tape_jacobian(p->tape, p->x2, p->Jd) == AD_OK)
            d = vec_diff(S, p->Jd, n * n);
        add_check(r, d, TOL, "sparse vs dense ad_tape_jacobian", p->name);
        free(S);
    }
#ifdef AD_BENCH_HAVE_ADOLC
    if (p->adolc) {
        d = INFINITY;
        if (ad_bench_adolc_sparse_jac(p->tag, p->x2) == 0) {
            double big = 0.0, e;
            size_t i, j, k = 0;
            d = 0.0;
            while (ad_bench_adolc_sparse_entry(p->tag, k, &i, &j, &e) == 0) {
                double c = reaction_entry(&p->rp, p->x2, i, j);
                d = fmax(d, fabs(e - c));
                big = fmax(big, fabs(c));
                k++;
            }
            d = d == 0.0 ? 0.0 : big > 0.0 ? d / big : INFINITY;
            if (k != p->J->pattern->nnz)
                d = INFINITY;
        }
        add_check(r, d, TOL, "ADOL-C sparse vs the closed form", p->name);
        if (p->small) {
            d = INFINITY;
            if (ad_bench_adolc_jacobian(p->tag, n, n, p->x2, p->Jd) == 0)
                d = reaction_diff(p, p->x2, NULL, p->Jd);
            add_check(r, d, TOL, "ADOL-C jacobian vs the closed form", p->name);
        }
    }
#endif
}

/* ---- threads: a dense Jacobian on 1 and 2 threads ----------------------- */

enum {
    T_F,    /* f, double */
    T_FWD1, /* ad_jacobian AUTO (forward), 1 thread */
    T_FWD2, /* the same, 2 threads */
    T_REV1, /* ad_jacobian REVERSE, 1 thread */
    T_REV2, /* the same, 2 threads */
    T_CAL1, /* the control: an arithmetic loop, 1 thread */
    T_CAL2, /* the same, 2 threads */
    T_DV1,  /* the control: the forward Jacobian's f_dualv passes, 1 thread */
    T_DV2,  /* the same, 2 threads */
    T_COUNT
};

typedef struct tprob {
    ad_bench_dense_params dp;
    ad_fn fn;
    double *x, *y;
    double *J[T_COUNT];      /* per Jacobian measure, T_FWD1 .. T_REV2 */
    ad_dualv *xv[2], *yv[2]; /* the f_dualv control's, per thread */
    int rc;
    double sink;
} tprob;

typedef struct tctx {
    tprob *p;
    int which;
} tctx;

static void run_tf(void *ctx)
{
    tprob *p = ((tctx *)ctx)->p;
    p->fn.f_double(p->x, p->y, p->fn.params);
    p->sink += p->y[0];
}

static void run_tjac(void *ctx)
{
    tctx *c = ctx;
    tprob *p = c->p;
    int w = c->which;
#ifdef _OPENMP
    omp_set_num_threads(w == T_FWD1 || w == T_REV1 ? 1 : 2);
#endif
    ad_mode mode = w == T_FWD1 || w == T_FWD2 ? AD_AUTO : AD_REVERSE;
    note_rc(&p->rc, ad_jacobian(&p->fn, mode, p->x, NULL, p->J[w], NULL));
    p->sink += p->J[w][0];
}

#ifdef _OPENMP
/* The control: 64 chains of square roots split over the threads as the
 * Jacobian's batches are, no memory touched.  Its speed-up says how much of
 * a second core the machine gave the run: on a machine busy with other
 * work, less than 2 whatever the code. */
static void run_tcal(void *ctx)
{
    tctx *c = ctx;
    omp_set_num_threads(c->which == T_CAL1 ? 1 : 2);
    double s = 0.0;
#pragma omp parallel for schedule(dynamic) reduction(+ : s)
    for (long b = 0; b < 64; b++) {
        double x = (double)b;
        for (int i = 0; i < 20000; i++)
            x = sqrt(x + 1.0);
        s += x;
    }
    c->p->sink += s;
}

/* The second control: the passes of f_dualv that the forward Jacobian
 * makes (AD_LANES columns seeded each), split over the threads in the same
 * way, without writing J.  Its speed-up is what the machine gives for this
 * function's own arithmetic, the bound of the Jacobian's. */
static void run_tdv(void *ctx)
{
    tctx *c = ctx;
    tprob *p = c->p;
    size_t n = p->dp.n;
    long nb = (long)((n + AD_LANES - 1) / AD_LANES);
    omp_set_num_threads(c->which == T_DV1 ? 1 : 2);
    double s = 0.0;
#pragma omp parallel for schedule(dynamic) reduction(+ : s)
    for (long b = 0; b < nb; b++) {
        int th = omp_get_thread_num() & 1;
        ad_dualv *xv = p->xv[th], *yv = p->yv[th];
        size_t j0 = (size_t)b * AD_LANES;
        for (size_t i = 0; i < n; i++)
            xv[i] = ad_dualv_make(
                p->x[i], i >= j0 && i - j0 < AD_LANES ? (int)(i - j0) : -1);
        p->fn.f_dualv(xv, yv, p->fn.params);
        s += yv[n - 1].d[0];
    }
    p->sink += s;
}
#endif

/* The closed form of dense.inc's Jacobian y_i = x_i S + sin(x_i). */
static double densej_diff(size_t n, const double *x, const double *J)
{
    double S = 0.0, d = 0.0, big = 0.0;
    for (size_t j = 0; j < n; j++)
        S += x[j] * x[j];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double e = 2.0 * x[i] * x[j] + (i == j ? S + cos(x[i]) : 0.0);
            d = fmax(d, fabs(J[i * n + j] - e));
            big = fmax(big, fabs(e));
        }
    return d == 0.0 ? 0.0 : big > 0.0 ? d / big : INFINITY;
}

static void bench_threads(run *r, size_t n)
{
#ifndef _OPENMP
    (void)n;
    fprintf(r->out, "dense Jacobian on 2 threads: not built with OpenMP; "
                    "skipped\n");
#else
    tprob p;
    memset(&p, 0, sizeof p);
    p.dp.n = n;
    p.fn = ad_bench_densej_fn(&p.dp);
    p.x = malloc(n * sizeof *p.x);
    p.y = malloc(n * sizeof *p.y);
    int ok = p.x != NULL && p.y != NULL;
    for (int k = T_FWD1; k <= T_REV2; k++) {
        p.J[k] = malloc(n * n * sizeof *p.J[k]);
        ok = ok && p.J[k] != NULL;
    }
    for (int k = 0; k < 2; k++) {
        p.xv[k] = malloc(n * sizeof *p.xv[k]);
        p.yv[k] = malloc(n * sizeof *p.yv[k]);
        ok = ok && p.xv[k] != NULL && p.yv[k] != NULL;
    }
    if (!ok) {
        fprintf(r->out, "dense Jacobian: out of memory\n");
        r->error = 1;
        goto done;
    }
    ad_bench_rng rng = {0x2545F4914F6CDD1Dull * 7};
    for (size_t i = 0; i < n; i++)
        p.x[i] = ad_bench_fill_dense(&p.dp, i, &rng);

    const int saved = omp_get_max_threads();
    tctx c[T_COUNT];
    ad_bench_body body[T_COUNT];
    void *ctx[T_COUNT];
    for (int k = 0; k < T_COUNT; k++) {
        c[k].p = &p;
        c[k].which = k;
        body[k] = k == T_F ? run_tf
                  : k >= T_DV1 ? run_tdv
                  : k >= T_CAL1 ? run_tcal
                                : run_tjac;
        ctx[k] = &c[k];
    }
    ad_bench_timing t[T_COUNT];
    ad_bench_measure_set(T_COUNT, body, ctx, r->opt->base.min_sample,
                         r->opt->base.samples, t);
    omp_set_num_threads(saved);
    r->sink += p.sink;
    if (p.rc != AD_OK) {
        fprintf(r->out, "dense Jacobian: a timed call failed: %s\n",
                ad_strerror(p.rc));
        r->error = 1;
        goto done;
    }

    fprintf(r->out,
            "dense Jacobian n=m=%zu, y_i = x_i sum_j x_j^2 + sin(x_i); "
            "%d processors\n",
            n, omp_get_num_procs());
    const double tf = t[T_F].median;
    /* Speed-ups as paired ratios (timer.c), like adm/ADC. */
    const double s_fwd = ad_bench_paired_ratio(&t[T_FWD1], &t[T_FWD2]);
    const double s_rev = ad_bench_paired_ratio(&t[T_REV1], &t[T_REV2]);
    char note[112];
    row(r, "f (double)", tf, tf, NAN, "");
    row(r, "ad_jacobian AUTO, 1 thread", t[T_FWD1].median, tf, NAN,
        "AUTO -> forward (n <= m)");
    snprintf(note, sizeof note, "speed-up %.2f, >=%.1f %s [medians %.2f]",
             s_fwd, TARGET_THREADS, verdict(r, s_fwd >= TARGET_THREADS),
             t[T_FWD1].median / t[T_FWD2].median);
    row(r, "ad_jacobian AUTO, 2 threads", t[T_FWD2].median, tf, NAN, note);
    row(r, "ad_jacobian REVERSE, 1 thread", t[T_REV1].median, tf, NAN, "");
    snprintf(note, sizeof note, "speed-up %.2f", s_rev);
    row(r, "ad_jacobian REVERSE, 2 threads", t[T_REV2].median, tf, NAN, note);
    row(r, "control: sqrt chains, 1 thread", t[T_CAL1].median, tf, NAN,
        "no memory touched");
    snprintf(note, sizeof note, "speed-up %.2f: what the machine gave",
             ad_bench_paired_ratio(&t[T_CAL1], &t[T_CAL2]));
    row(r, "control: sqrt chains, 2 threads", t[T_CAL2].median, tf, NAN, note);
    row(r, "control: f_dualv passes, 1 thread", t[T_DV1].median, tf, NAN,
        "AUTO's passes without J");
    snprintf(note, sizeof note, "speed-up %.2f: the bound of AUTO's",
             ad_bench_paired_ratio(&t[T_DV1], &t[T_DV2]));
    row(r, "control: f_dualv passes, 2 threads", t[T_DV2].median, tf, NAN,
        note);

    /* The checks: each timed Jacobian is the last one computed. */
    const size_t nn = n * n;
    double d = memcmp(p.J[T_FWD1], p.J[T_FWD2], nn * sizeof(double)) ? 1 : 0;
    add_check(r, d, 0.0, "forward, 2 threads = 1 thread bit for bit",
              "dense Jacobian");
    d = memcmp(p.J[T_REV1], p.J[T_REV2], nn * sizeof(double)) ? 1 : 0;
    add_check(r, d, 0.0, "reverse, 2 threads = 1 thread bit for bit",
              "dense Jacobian");
    add_check(r, vec_diff(p.J[T_REV1], p.J[T_FWD1], nn), TOL,
              "reverse vs forward", "dense Jacobian");
    add_check(r, densej_diff(n, p.x, p.J[T_FWD1]), TOL,
              "forward vs the closed form", "dense Jacobian");
done:
    free(p.x);
    free(p.y);
    for (int k = T_FWD1; k <= T_REV2; k++)
        free(p.J[k]);
    for (int k = 0; k < 2; k++)
        free(p.xv[k]), free(p.yv[k]);
#endif
}

/* ---- the benchmark ------------------------------------------------------ */

static int selected(const ad_bench_mixed_options *opt, const char *section)
{
    return opt->only == NULL || strstr(section, opt->only) != NULL;
}

#ifdef AD_BENCH_HAVE_ADOLC
/* Records problem a at x on ADOL-C tape tag; 1 on success, else 0 after a
 * line saying so. */
static int adolc_prepare(run *r, const char *name, short tag,
                         ad_bench_adolc_problem *a, const double *x)
{
    if (ad_bench_adolc_setup(tag, a, x) == 0)
        return 1;
    fprintf(r->out, "%s: ADOL-C setup failed; admix only\n", name);
    return 0;
}
#endif

static void print_header(run *r)
{
    const ad_bench_mixed_options *opt = r->opt;
    FILE *out = r->out;
    char cpu[128];
    ad_bench_cpu_model(cpu, sizeof cpu);
    fprintf(out,
            "admix mixed-mode benchmark: Hessian-vector products, dense "
            "Hessians, sparse and\n"
            "threaded Jacobians vs the plain double f%s.\n"
            "Median of %d samples of >= %.0f ms, all measures of a problem "
            "interleaved.\n",
            r->use_adolc ? ", beside ADOL-C" : "", opt->base.samples,
            opt->base.min_sample * 1e3);
    fprintf(out, "machine: %s\n", cpu);
    ad_bench_print_build(out);
#ifdef AD_BENCH_HAVE_ADOLC
    if (r->use_adolc)
        fprintf(out, "ADOL-C: %s, bench/adolc.cpp compiled with %s\n",
                ad_bench_adolc_version(), AD_BENCH_ADOLC_CXXFLAGS);
    else
        fprintf(out, "ADOL-C: compiled in, not run (--no-adolc)\n");
#else
    fprintf(out, "ADOL-C: not compiled in (configure --with-adolc)\n");
#endif
#ifdef _OPENMP
    fprintf(out,
            "OpenMP: %d threads by default (the threads section sets 1 and "
            "2); ADOL-C: 1\n",
            omp_get_max_threads());
#else
    fprintf(out, "OpenMP: not built with it (serial)\n");
#endif
}

static const char *tune_malloc(const ad_bench_mixed_options *opt)
{
#if defined(__GLIBC__) && defined(M_MMAP_MAX) && defined(M_TRIM_THRESHOLD)
    if (opt->tune_malloc) {
        /* Big blocks from the heap rather than from fresh mappings, and the
         * heap never given back: freed memory is reused, untouched pages
         * are not faulted in again (reverse.c explains why). */
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, -1);
        return "tuned, freed memory reused (mallopt M_MMAP_MAX 0, "
               "M_TRIM_THRESHOLD -1)";
    }
    return "glibc defaults";
#else
    return opt->tune_malloc ? "not tunable here (not glibc): defaults"
                            : "defaults";
#endif
}

int ad_bench_mixed(FILE *out, const ad_bench_mixed_options *opt)
{
    const double sc = opt->base.scale;
    run r;
    memset(&r, 0, sizeof r);
    r.out = out;
    r.opt = opt;
#ifdef AD_BENCH_HAVE_ADOLC
    r.use_adolc = opt->adolc;
#endif
    const char *malloc_note = tune_malloc(opt);

    ad_bench_rosen_params rp = {ad_bench_scaled(1e6, sc, 2)};
    ad_bench_rng data_rng = {AD_BENCH_SEED};
    double mlp_input[AD_BENCH_MLP_NIN];
    ad_bench_mlp_params mp = ad_bench_mlp_default(mlp_input, &data_rng);
    const size_t n_hess = ad_bench_scaled(200, sc, 10);
    const size_t n_sp_big = ad_bench_scaled(1e6, sc, 16);
    const size_t n_sp_small = ad_bench_scaled(2000, sc, 16);
    const size_t n_threads = ad_bench_scaled(2000, sc, 16);

    print_header(&r);
    fprintf(out, "malloc: %s\n", malloc_note);
    if (opt->command != NULL)
        fprintf(out, "command: %s\n", opt->command);
    fprintf(out, "\n%-34s %12s %7s %12s %7s %8s  %s\n", "problem / measure",
            "admix", "/f", "ADOL-C", "/f", "adm/ADC", "targets, notes");

    /* Every problem that ADOL-C runs is set up first (their points drawn,
     * admix's tapes recorded), so that ADOL-C's tapes can be recorded from
     * the smallest to the largest. */
    const int do_hvp = selected(opt, "hvp");
    const int do_sparse = selected(opt, "sparse");
    enum { HP_MLP, HP_MLPA, HP_ROSEN, HP_COUNT };
    hprob hp[HP_COUNT];
    int have_hp[HP_COUNT] = {0, 0, 0};
    sprob sp[2]; /* small, big */
    int have_sp[2] = {0, 0};
    memset(hp, 0, sizeof hp);
    memset(sp, 0, sizeof sp);
    if (do_hvp) {
        char name[64];
        snprintf(name, sizeof name, "mlp %zu-%zu-%zu, scalar loops", mp.nin,
                 mp.nhid, mp.nout);
        have_hp[HP_MLP] =
            hprob_init(&hp[HP_MLP], name, ad_bench_mlp_fn(&mp),
                       ad_bench_mlp_fn(&mp), 0, ad_bench_fill_mlp, 3) == 0;
#if AD_BENCH_HAVE_ARRAY
        snprintf(name, sizeof name, "mlp %zu-%zu-%zu, array primitives", mp.nin,
                 mp.nhid, mp.nout);
        have_hp[HP_MLPA] =
            hprob_init(&hp[HP_MLPA], name, ad_bench_mlpa_fn(&mp),
                       ad_bench_mlp_fn(&mp), 1, ad_bench_fill_mlp, 3) == 0;
#endif
        snprintf(name, sizeof name, "rosenbrock n=%zu", rp.n);
        have_hp[HP_ROSEN] =
            hprob_init(&hp[HP_ROSEN], name, ad_bench_rosen_fn(&rp),
                       ad_bench_rosen_fn(&rp), 0, ad_bench_fill_rosen, 1) == 0;
        if (!have_hp[HP_MLP] || !have_hp[HP_ROSEN] ||
            (AD_BENCH_HAVE_ARRAY && !have_hp[HP_MLPA])) {
            fprintf(out, "hvp: out of memory or a recording failed\n");
            r.error = 1;
        }
    }
    if (do_sparse) {
        have_sp[0] = sprob_init(&sp[0], n_sp_small, 1, 8) == 0;
        have_sp[1] = sprob_init(&sp[1], n_sp_big, 0, 9) == 0;
        if (!have_sp[0] || !have_sp[1]) {
            fprintf(out, "sparse: out of memory\n");
            r.error = 1;
        }
    }
#ifdef AD_BENCH_HAVE_ADOLC
    if (r.use_adolc) {
        /* The smallest first: the reaction at n = 2000 (about 4000
         * locations), the MLP (19210 inputs), Rosenbrock and the reaction
         * at n = 10^6. */
        if (have_sp[0]) {
            ad_bench_adolc_problem *a = &sp[0].ap;
            a->kind = AD_BENCH_ADOLC_REACTION;
            a->n = sp[0].rp.n;
            a->lambda = sp[0].rp.lambda;
            sp[0].tag = 1;
            sp[0].adolc = adolc_prepare(&r, sp[0].name, sp[0].tag, a, sp[0].x);
        }
        if (have_hp[HP_MLP]) {
            ad_bench_adolc_problem *a = &hp[HP_MLP].ap;
            a->kind = AD_BENCH_ADOLC_MLP;
            a->n = hp[HP_MLP].fn.n;
            a->nin = mp.nin;
            a->nhid = mp.nhid;
            a->nout = mp.nout;
            a->input = mp.input;
            a->label = mp.label;
            a->hessian = 1;
            hp[HP_MLP].tag = 2;
            hp[HP_MLP].adolc =
                adolc_prepare(&r, hp[HP_MLP].name, 2, a, hp[HP_MLP].x);
            /* The array MLP is the same function at the same points. */
            hp[HP_MLPA].tag = 2;
            hp[HP_MLPA].adolc = have_hp[HP_MLPA] && hp[HP_MLP].adolc;
        }
        if (have_hp[HP_ROSEN]) {
            ad_bench_adolc_problem *a = &hp[HP_ROSEN].ap;
            a->kind = AD_BENCH_ADOLC_ROSEN;
            a->n = hp[HP_ROSEN].fn.n;
            a->hessian = 1;
            hp[HP_ROSEN].tag = 3;
            hp[HP_ROSEN].adolc =
                adolc_prepare(&r, hp[HP_ROSEN].name, 3, a, hp[HP_ROSEN].x);
        }
        if (have_sp[1]) {
            ad_bench_adolc_problem *a = &sp[1].ap;
            a->kind = AD_BENCH_ADOLC_REACTION;
            a->n = sp[1].rp.n;
            a->lambda = sp[1].rp.lambda;
            sp[1].tag = 4;
            sp[1].adolc = adolc_prepare(&r, sp[1].name, 4, a, sp[1].x);
        }
    }
#endif

    if (do_hvp && !r.error) {
        fprintf(out, "\n-- Hessian-vector products, forward-over-reverse "
                     "(ADOL-C: hess_vec at the new point)\n");
        for (int q = 0; q < HP_COUNT; q++) {
            if (!have_hp[q])
                continue;
            const hprob *ref = q == HP_MLPA ? &hp[HP_MLP] : NULL;
            hprob_bench(&r, &hp[q], ref);
        }
    }
    if (selected(opt, "hessian")) {
        fprintf(out, "\n-- dense Hessian, the three ways of ad_hessian\n");
        bench_hessian(&r, n_hess);
    }
    if (do_sparse && have_sp[0] && have_sp[1]) {
        fprintf(out, "\n-- sparse Jacobian, 1-D reaction-diffusion "
                     "(ADOL-C: its sparse Jacobian, and jacobian())\n");
        for (int q = 0; q < 2 && !r.error; q++)
            sprob_bench(&r, &sp[q]);
    }
    if (selected(opt, "threads")) {
        fprintf(out, "\n-- dense Jacobian on 1 and 2 threads "
                     "(omp_set_num_threads around ad_jacobian)\n");
        bench_threads(&r, n_threads);
    }

    for (int q = 0; q < HP_COUNT; q++)
        if (have_hp[q])
            hprob_free(&hp[q]);
    for (int q = 0; q < 2; q++)
        if (have_sp[q])
            sprob_free(&sp[q]);
#ifdef AD_BENCH_HAVE_ADOLC
    for (short tag = 1; tag <= 4; tag++)
        ad_bench_adolc_release(tag);
#endif

    fprintf(out,
            "\n"
            "/f        time relative to the plain double f of the problem "
            "(for the array MLP:\n"
            "          the scalar-loop f, whose ratio the target takes; its "
            "double f runs CBLAS)\n"
            "adm/ADC   admix time / ADOL-C's; below 1 admix wins: the "
            "median over the rounds\n"
            "          of admix's sample / ADOL-C's sample in the same round "
            "(a paired ratio:\n"
            "          a slow spell of the VM lasting several rounds cancels "
            "out); [medians]\n"
            "          gives the ratio of the two medians beside it.  ADOL-C "
            "columns: hess_vec\n"
            "          (the issue's author measured 146 f on Rosenbrock, 66 "
            "f on the MLP),\n"
            "          its sparse Jacobian and jacobian(); the array MLP's "
            "is the scalar-loop\n"
            "          tape (ADOL-C has no array primitive)\n"
            "once      a one-off cost, timed once (first-touch pages "
            "included)\n"
            "speed-up  1-thread time / 2-thread time, paired as adm/ADC "
            "(samples interleaved);\n"
            "          a machine busy with other work leaves the second "
            "thread less than a core\n"
            "targets   hvp >= 5x faster than ADOL-C's hess_vec; array MLP "
            "hvp <= 10 f;\n"
            "          sparse Jacobian <= 3 x colors x f; 2-thread dense "
            "Jacobian speed-up\n"
            "          >= 1.7: %s\n",
            r.missed ? "some MISSED" : "all met");

    int failed = 0;
    fprintf(out, "checks (untimed), difference / tolerance:\n");
    for (int k = 0; k < r.nchecks; k++) {
        const check *c = &r.checks[k];
        int ok = c->diff <= c->tol;
        failed += !ok;
        char what[160];
        snprintf(what, sizeof what, "%s: %s", c->name, c->what);
        fprintf(out, "  %-68s %8.1e %6.0e %s\n", what, c->diff, c->tol,
                ok ? "ok" : "FAILED");
    }
    fprintf(out, "checks: %s.  [sink %.3g]\n",
            r.error     ? "NOT ALL RUN (error)"
            : failed    ? "FAILED"
            : r.nchecks ? "passed"
                        : "none run",
            r.sink);
    if (r.error)
        return -1;
    return failed ? 1 : 0;
}

/* ---- the command line --------------------------------------------------- */

void ad_bench_mixed_usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s mixed [--min-time MS] [--samples N] [--scale S] "
            "[--quick]\n"
            "       %*s [--only SECTION] [--no-adolc] [--default-malloc]\n"
            "\n"
            "Times Hessian-vector products by forward-over-reverse "
            "(Rosenbrock n = 10^6,\n"
            "the MLP loss as scalar loops and with array primitives), the "
            "dense Hessian of\n"
            "an n = 200 function by FOR_REV, HYPERDUAL and FD_REV, the "
            "sparse Jacobian of a\n"
            "1-D reaction-diffusion residual (n = 10^6, and n = 2000 beside "
            "the dense one)\n"
            "and a dense n = m = 2000 Jacobian on 1 and 2 threads, beside "
            "ADOL-C's hess_vec,\n"
            "sparse Jacobian and jacobian() when configure found it; checks "
            "every result\n"
            "against another mode or the closed form.\n"
            "\n"
            "  --min-time MS     each sample runs at least MS milliseconds "
            "(default 20)\n"
            "  --samples N       samples per timing, median reported (default "
            "7, max %d)\n"
            "  --scale S         problem sizes times S (default 1; the MLP "
            "keeps its size)\n"
            "  --quick           --scale 0.01 and, unless given, 2 ms and 3 "
            "samples: a\n"
            "                    smoke test of the program, not a "
            "measurement\n"
            "  --only SECTION    one section: hvp, hessian, sparse or "
            "threads\n"
            "  --no-adolc        admix only, even when ADOL-C is compiled "
            "in\n"
            "  --default-malloc  leave glibc's malloc as it is (by default "
            "it is tuned so\n"
            "                    that freed memory is reused, for admix and "
            "ADOL-C alike)\n"
            "  -h, --help        this text\n"
            "\n"
            "Exit status: 0, 1 if a check or a timed call failed, 2 on a "
            "usage error.\n",
            prog, (int)strlen(prog) + 6, "", AD_BENCH_MAX_SAMPLES);
}

/* The options of `mixed` alone (ad_bench_cli.option); cli->ctx is the
 * ad_bench_mixed_options. */
static int mixed_option(const ad_bench_cli *cli, int argc, char **argv, int *i)
{
    ad_bench_mixed_options *opt = cli->ctx;
    return ad_bench_adolc_option(cli, argc, argv, i, &opt->adolc,
                                 &opt->tune_malloc, &opt->only);
}

/* 1 if --only NAME picks at least one section. */
static int only_ok(const char *only)
{
    static const char *const sections[] = {"hvp", "hessian", "sparse",
                                           "threads"};
    for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++)
        if (strstr(sections[k], only) != NULL)
            return 1;
    return 0;
}

int ad_bench_mixed_main(int argc, char **argv, const char *prog)
{
    ad_bench_mixed_options opt = ad_bench_mixed_default_options();
    const ad_bench_cli cli = {.prog = prog,
                              .bench = "mixed",
                              .usage = ad_bench_mixed_usage,
                              .with_scale = 1,
                              .option = mixed_option,
                              .ctx = &opt};
    int r = ad_bench_parse(&cli, argc, argv, &opt.base);
    if (r >= 0)
        return r;
    if (opt.only != NULL && !only_ok(opt.only)) {
        fprintf(stderr,
                "%s mixed: --only wants hvp, hessian, sparse or threads, not "
                "'%s'\n",
                prog, opt.only);
        return 2;
    }

    /* The command that reproduces this run, every setting spelled out. */
    char cmd[256];
    ad_bench_adolc_command(cmd, sizeof cmd, prog, "mixed", &opt.base, opt.adolc,
                           opt.tune_malloc, opt.only);
    opt.command = cmd;
    r = ad_bench_mixed(stdout, &opt);
    return r == 0 ? 0 : 1;
}
