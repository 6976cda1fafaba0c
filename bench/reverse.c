/* reverse.c -- the reverse-mode benchmark: what recording a tape and
 * sweeping it cost, relative to the plain double function on the same
 * machine in the same run, and beside ADOL-C when configure found it.
 *
 * Problems.  Extended Rosenbrock (n = 10^6: a wide, shallow tape),
 * Speelpenning's product (n = 10^4), the softmax cross-entropy loss of an
 * MLP 64-256-10 with tanh hidden units and all 19210 weights as inputs
 * (once as scalar loops, once with the array primitives ad_gemv and
 * ad_map), and Lorenz-63 by RK4 over 10^5 steps of 0.001 with the initial
 * state and the three parameters as inputs (a long, narrow chain).  Each is
 * one template (problems.c) instantiated for double, ad_dual and ad_var, so
 * every timing runs the same source; adolc.cpp writes the same operations
 * with ADOL-C's adouble.
 *
 * Measures, per problem:
 *   f                 the double instantiation;
 *   record + gradient on a reused tape: ad_tape_begin on the same tape each
 *                     time (the old recording is discarded and its storage
 *                     reused), ad_independent_array, f on ad_var,
 *                     ad_dependent, ad_tape_end, ad_tape_gradient(x = NULL);
 *   record + gradient on a fresh tape: the same between ad_tape_new and
 *                     ad_tape_free (the thread's sweep buffers are kept, as
 *                     they are in any program);
 *   gradient at a new point: ad_tape_gradient(t, x2, g), again and again,
 *                     on another tape recorded once (the reused tape above
 *                     is recorded anew between two samples): a replay of
 *                     the values the reverse sweep needs (from the second
 *                     call on: need.c), then the reverse sweep;
 *   gradient at the recorded point: ad_tape_gradient(t, NULL, g);
 *     the same, linearised tape: on another tape recorded at x once and
 *                     given its partials by ad_tape_linearize (timed once,
 *                     printed per op): Jacobian taping beside primal value
 *                     taping;
 *   jvp at a new point: ad_tape_jvp(t, x2, v, &y, &jv);
 *     the same two on a compiled tape: the linearised tape, also given
 *                     its slots by ad_tape_compile (timed once; not for the
 *                     array MLP, whose array nodes do not compile);
 *   record + gradient with the adjoint window: as on the reused tape, on
 *                     another tape given ad_tape_set_adjoint_window (for
 *                     the array MLP, the same as without: array nodes
 *                     ignore it);
 *   tape bytes per op: ad_tape_info.bytes / ops;
 *   peak bytes per op: (ad_tape_info.peak_bytes + adjoints) / ops -- the
 *                     tape's storage at its largest, plus the adjoints that
 *                     the gradient at the recorded point holds, as
 *                     ad_tape_last_adjoint_bytes tells (8 bytes per
 *                     variable; with the window, its ring and blocks); a
 *                     sweep at a new point also fills a value array of 8
 *                     bytes per variable, not counted.
 * and through ADOL-C: record + gradient (trace_on(tag, 1), <<=, f, >>=,
 * trace_off, fos_reverse), gradient at a new point (gradient(), which is
 * zos_forward then fos_reverse), gradient at the recorded point (one
 * fos_reverse on the values the last forward sweep kept), jvp at a new point
 * (fos_forward), and its tape and peak bytes (adolc.h), divided by the same
 * op count as admix's (the operations of f, the same function for both).
 * A last line per problem breaks the times down per op: recording, the
 * reverse sweep, the replay of the values at a new point and the tangent
 * sweep, from differences of the medians.
 *
 * Method.  As forward.c: buffers allocated and filled once per problem,
 * medians of samples of >= 20 ms, the samples of all measures of a problem
 * (admix's and ADOL-C's) taken in turn so that their ratios share the
 * machine's conditions (timer.c).  On these virtual machines the first
 * touch of a fresh page costs microseconds (2-3 us per 4 KiB page measured
 * here, up to 14 us reported), so an allocator that gives big blocks back to
 * the kernel on free() and maps them anew on the next malloc() makes any
 * tape that frees its storage pay that again on every recording: the
 * fresh-tape row with --default-malloc shows it.  Unless --default-malloc
 * is given, the process therefore tunes
 * glibc's malloc (mallopt: no mmap for big blocks, no trimming) so that
 * freed memory is reused -- for admix and ADOL-C alike; the output says
 * which.
 *
 * Checks (untimed): the tape's gradient g at x and at x2 against ad_dual
 * passes along random directions v (<g, v> = f'(x) v), the tape's jvp
 * against the ad_dual pass at x2, the taped value against f, ADOL-C's
 * gradients and jvp against admix's, and the array MLP's gradient against
 * the scalar one's.  The difference is measured relative to
 * sum_i |g_i v_i| (the size of the terms summed, which is what rounding is
 * relative to when the sum cancels); above 1e-10 the check fails, the table
 * says FAILED and the exit status is 1.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "bench.h"

#ifdef AD_BENCH_HAVE_ADOLC
#include "adolc.h"
#endif

#ifndef AD_BENCH_ADOLC_CXXFLAGS
#define AD_BENCH_ADOLC_CXXFLAGS "(unknown)"
#endif

/* The targets of the reverse-mode issue. */
#define TARGET_VS_ADOLC_REC  0.20        /* record + gradient: >= 5x faster */
#define TARGET_VS_ADOLC_GRAD (1.0 / 3.0) /* gradient on a tape: >= 3x */
#define TARGET_ARRAY_MLP     4.0         /* array MLP record + gradient, x f */

/* Relative difference (see above) that fails a check. */
#define TOL 1e-10

ad_bench_reverse_options ad_bench_reverse_default_options(void)
{
    ad_bench_reverse_options o;
    o.base = ad_bench_default_options();
    o.adolc = 1;
    o.tune_malloc = 1;
    o.only = NULL;
    o.command = NULL;
    return o;
}

/* ---- one problem -------------------------------------------------------- */

/* The measures, in the order of the table. */
enum {
    M_F,       /* f, double */
    M_FSCALAR, /* the scalar-loop MLP's f (array MLP only) */
    M_REC,     /* record + gradient, reused tape */
    M_FRESH,   /* record + gradient, fresh tape */
    M_GNEW,    /* gradient at a new point */
    M_GREC,    /* gradient at the recorded point */
    M_GLIN,    /* the same on a linearised tape (ad_tape_linearize) */
    M_JVP,     /* jvp at a new point */
    M_GCOMP,   /* gradient at a new point, compiled tape (ad_tape_compile) */
    M_JCOMP,   /* jvp at a new point, compiled tape */
    M_WIN,     /* record + gradient, reused tape with the adjoint window */
    M_A_REC,   /* ADOL-C record + gradient */
    M_A_GNEW,  /* ADOL-C gradient at a new point */
    M_A_GREC,  /* ADOL-C gradient from the kept values */
    M_A_JVP,   /* ADOL-C jvp at a new point */
    M_COUNT
};

typedef struct rprob {
    const char *name;
    ad_fn fn;           /* f_double, f_dual, f_var of the problem */
    ad_fn scalar;       /* the array MLP: the scalar-loop MLP; else fn */
    int is_array;       /* the array-primitive MLP */
    double target_f;    /* record + gradient target, in units of f */
    ad_bench_rng rng;   /* draws the point and the directions */
    double *x, *x2, *v; /* the point, a new point, a direction */
    double *g, *g2;     /* gradients (at x, at x2) */
    double *gs;         /* scratch gradient for the checks */
    ad_dual *xd;        /* for the ad_dual checks */
    ad_var *xv;         /* the independent variables, reused */
    ad_tape *tape;      /* the reused tape */
    ad_tape *lin;       /* a tape recorded once, linearised and compiled */
    ad_tape *rep;       /* a tape recorded once: gradients at a new point */
    ad_tape *win;       /* a reused tape with the adjoint window */
    double lin_time;    /* seconds ad_tape_linearize took */
    double comp_time;   /* seconds ad_tape_compile took, NAN if it did not */
    int rc;             /* first error of a timed call */
    double sink;        /* every result is added here */
#ifdef AD_BENCH_HAVE_ADOLC
    int adolc; /* ADOL-C runs this problem */
    ad_bench_adolc_problem ap;
    short tag;
    double *ga; /* ADOL-C's gradient */
#endif
} rprob;

static void rprob_free(rprob *p)
{
    free(p->x);
    free(p->x2);
    free(p->v);
    free(p->g);
    free(p->g2);
    free(p->gs);
    free(p->xd);
    free(p->xv);
    ad_tape_free(p->tape);
    ad_tape_free(p->lin);
    ad_tape_free(p->rep);
    ad_tape_free(p->win);
#ifdef AD_BENCH_HAVE_ADOLC
    free(p->ga);
    if (p->adolc)
        ad_bench_adolc_release(p->tag);
#endif
}

/* Allocates p's buffers for fn (n inputs) and fills them from rng, which p
 * keeps for the checks' directions: x by fill, x2 = x moved by a relative
 * 10^-3 (small enough that the MLP's recorded comparisons keep their
 * outcome), v uniform in [-1, 1).  -1 when memory runs out. */
static int rprob_init(rprob *p, const char *name, ad_fn fn, ad_bench_fill fill,
                      ad_bench_rng rng)
{
    size_t n = fn.n;
    memset(p, 0, sizeof *p);
    p->rng = rng;
    p->name = name;
    p->fn = fn;
    p->scalar = fn;
    p->x = malloc(n * sizeof *p->x);
    p->x2 = malloc(n * sizeof *p->x2);
    p->v = malloc(n * sizeof *p->v);
    p->g = malloc(n * sizeof *p->g);
    p->g2 = malloc(n * sizeof *p->g2);
    p->gs = malloc(n * sizeof *p->gs);
    p->xd = malloc(n * sizeof *p->xd);
    p->xv = malloc(n * sizeof *p->xv);
    p->tape = ad_tape_new();
#ifdef AD_BENCH_HAVE_ADOLC
    p->ga = malloc(n * sizeof *p->ga);
    if (p->ga == NULL) {
        rprob_free(p);
        return -1;
    }
#endif
    if (!p->x || !p->x2 || !p->v || !p->g || !p->g2 || !p->gs || !p->xd ||
        !p->xv || !p->tape) {
        rprob_free(p);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        p->x[i] = fill(fn.params, i, &p->rng);
        p->x2[i] = p->x[i] * (1.0 + ad_bench_uniform(&p->rng, -1e-3, 1e-3));
        p->v[i] = ad_bench_uniform(&p->rng, -1.0, 1.0);
    }
    return 0;
}

/* Records p's function at p->x into t; *y = its value.  AD_OK or the
 * recording's error. */
static int record(rprob *p, ad_tape *t, double *y)
{
    *y = NAN;
    int rc = ad_tape_begin(t);
    if (rc != AD_OK)
        return rc;
    ad_var yv;
    ad_independent_array(p->fn.n, p->x, p->xv);
    p->fn.f_var(p->xv, &yv, p->fn.params);
    ad_dependent(yv);
    *y = ad_value(yv);
    return ad_tape_end(t);
}

static void note(rprob *p, int rc)
{
    if (rc != AD_OK && p->rc == AD_OK)
        p->rc = rc;
}

/* ---- the timed bodies --------------------------------------------------- */

static void run_f(void *ctx)
{
    rprob *p = ctx;
    double y;
    p->fn.f_double(p->x, &y, p->fn.params);
    p->sink += y;
}

static void run_fscalar(void *ctx)
{
    rprob *p = ctx;
    double y;
    p->scalar.f_double(p->x, &y, p->scalar.params);
    p->sink += y;
}

static void run_rec(void *ctx)
{
    rprob *p = ctx;
    double y;
    note(p, record(p, p->tape, &y));
    note(p, ad_tape_gradient(p->tape, NULL, p->g));
    p->sink += y + p->g[0];
}

static void run_win(void *ctx)
{
    rprob *p = ctx;
    double y;
    note(p, record(p, p->win, &y));
    note(p, ad_tape_gradient(p->win, NULL, p->gs));
    p->sink += y + p->gs[0];
}

static void run_fresh(void *ctx)
{
    rprob *p = ctx;
    double y;
    ad_tape *t = ad_tape_new();
    if (t == NULL) {
        note(p, AD_ENOMEM);
        return;
    }
    note(p, record(p, t, &y));
    note(p, ad_tape_gradient(t, NULL, p->gs));
    ad_tape_free(t);
    p->sink += y + p->gs[0];
}

/* A gradient of tape t, at x (NULL: the recorded point), into g. */
static void gradient_of(rprob *p, ad_tape *t, const double *x, double *g)
{
    note(p, ad_tape_gradient(t, x, g));
    p->sink += g[0];
}

/* A jvp of tape t at the new point along v. */
static void jvp_of(rprob *p, ad_tape *t)
{
    double y, jv;
    note(p, ad_tape_jvp(t, p->x2, p->v, &y, &jv));
    p->sink += y + jv;
}

static void run_gnew(void *ctx)
{
    rprob *p = ctx;
    gradient_of(p, p->rep, p->x2, p->g2);
}

static void run_grec(void *ctx)
{
    rprob *p = ctx;
    gradient_of(p, p->tape, NULL, p->g);
}

static void run_glin(void *ctx)
{
    rprob *p = ctx;
    gradient_of(p, p->lin, NULL, p->gs);
}

static void run_gcomp(void *ctx)
{
    rprob *p = ctx;
    gradient_of(p, p->lin, p->x2, p->gs);
}

static void run_jvp(void *ctx)
{
    jvp_of(ctx, ((rprob *)ctx)->tape);
}

static void run_jcomp(void *ctx)
{
    jvp_of(ctx, ((rprob *)ctx)->lin);
}

#ifdef AD_BENCH_HAVE_ADOLC
static void run_a_rec(void *ctx)
{
    rprob *p = ctx;
    double y;
    if (ad_bench_adolc_record_gradient(p->tag, &p->ap, p->x, &y, p->ga) != 0)
        note(p, AD_EINVAL);
    p->sink += y + p->ga[0];
}

static void run_a_gnew(void *ctx)
{
    rprob *p = ctx;
    if (ad_bench_adolc_gradient(p->tag, p->fn.n, p->x2, p->ga) != 0)
        note(p, AD_EINVAL);
    p->sink += p->ga[0];
}

static void run_a_grec(void *ctx)
{
    rprob *p = ctx;
    if (ad_bench_adolc_reverse(p->tag, p->fn.n, p->ga) != 0)
        note(p, AD_EINVAL);
    p->sink += p->ga[0];
}

static void run_a_jvp(void *ctx)
{
    rprob *p = ctx;
    double y, jv;
    if (ad_bench_adolc_jvp(p->tag, p->fn.n, p->x2, p->v, &y, &jv) != 0)
        note(p, AD_EINVAL);
    p->sink += y + jv;
}
#endif

/* ---- the checks (untimed) ----------------------------------------------- */

/* f'(at) v by an ad_dual pass of fn. */
static double dual_dir(rprob *p, const double *at)
{
    for (size_t i = 0; i < p->fn.n; i++)
        p->xd[i] = ad_dual_make(at[i], p->v[i]);
    ad_dual y;
    p->fn.f_dual(p->xd, &y, p->fn.params);
    return y.d;
}

/* |<g, v> - d| relative to sum_i |g_i v_i| (or |d| if larger). */
static double dir_diff(const double *g, const double *v, size_t n, double d)
{
    double s = 0.0, a = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += g[i] * v[i];
        a += fabs(g[i] * v[i]);
    }
    a = fmax(a, fabs(d));
    if (s == d)
        return 0.0;
    return a > 0.0 ? fabs(s - d) / a : INFINITY;
}

/* max_i |a_i - b_i| / max_i |b_i|. */
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

/* Runs every check of p, whose tape was recorded at x by the timed bodies;
 * returns the largest relative difference (INFINITY if a sweep failed). */
static double check_problem(rprob *p, const rprob *scalar_mlp)
{
    const size_t n = p->fn.n;
    double worst = 0.0, y, yf, jv;
    if (record(p, p->tape, &y) != AD_OK ||
        ad_tape_gradient(p->tape, NULL, p->g) != AD_OK ||
        ad_tape_gradient(p->tape, p->x2, p->g2) != AD_OK ||
        ad_tape_jvp(p->tape, p->x2, p->v, NULL, &jv) != AD_OK)
        return INFINITY;
    p->fn.f_double(p->x, &yf, p->fn.params);
    worst = fmax(worst, ad_bench_reldiff(y, yf));

    /* Three directions: v, then two more (v is restored for jvp's). */
    for (int k = 0; k < 3; k++) {
        if (k > 0)
            for (size_t i = 0; i < n; i++)
                p->v[i] = ad_bench_uniform(&p->rng, -1.0, 1.0);
        if (k == 0)
            worst = fmax(worst, ad_bench_reldiff(jv, dual_dir(p, p->x2)));
        worst = fmax(worst, dir_diff(p->g, p->v, n, dual_dir(p, p->x)));
        worst = fmax(worst, dir_diff(p->g2, p->v, n, dual_dir(p, p->x2)));
    }

    /* The array MLP computes the same function as the scalar one. */
    if (p->is_array && scalar_mlp != NULL)
        worst = fmax(worst, vec_diff(p->g, scalar_mlp->g, n));

#ifdef AD_BENCH_HAVE_ADOLC
    if (p->adolc) {
        double ya, jva;
        if (ad_bench_adolc_record_gradient(p->tag, &p->ap, p->x, &ya, p->ga) !=
            0)
            return INFINITY;
        worst = fmax(worst, ad_bench_reldiff(ya, y));
        worst = fmax(worst, vec_diff(p->ga, p->g, n));
        if (ad_bench_adolc_gradient(p->tag, n, p->x2, p->ga) != 0)
            return INFINITY;
        worst = fmax(worst, vec_diff(p->ga, p->g2, n));
        for (size_t i = 0; i < n; i++)
            p->v[i] = ad_bench_uniform(&p->rng, -1.0, 1.0);
        if (ad_tape_jvp(p->tape, p->x2, p->v, NULL, &jv) != AD_OK ||
            ad_bench_adolc_jvp(p->tag, n, p->x2, p->v, &ya, &jva) != 0)
            return INFINITY;
        worst = fmax(worst, ad_bench_reldiff(jva, jv));
    }
#endif
    return worst;
}

/* ---- output ------------------------------------------------------------- */

static void put_blank(FILE *out, int width)
{
    fprintf(out, " %*s", width, "-");
}

/* A target verdict, counted in *missed. */
static const char *verdict(int ok, int *missed)
{
    if (!ok)
        (*missed)++;
    return ok ? "ok" : "MISS";
}

/* ---- the benchmark ------------------------------------------------------ */

static const char *const measure_name[M_COUNT] = {
    "f (double)",
    "f (scalar-loop MLP)",
    "record + gradient, reused tape",
    "record + gradient, fresh tape",
    "gradient at a new point",
    "gradient at the recorded point",
    "  the same, linearised tape",
    "jvp at a new point",
    "gradient, new point, compiled",
    "jvp, new point, compiled",
    "record + gradient, adj. window",
    NULL,
    NULL,
    NULL,
    NULL,
};

/* Times and checks one problem and prints its rows.  Returns 0, or -1 if a
 * timed sweep failed. */
static int bench_problem(FILE *out, const ad_bench_reverse_options *opt,
                         rprob *p, const rprob *scalar_mlp, double *worst,
                         int *missed)
{
    ad_bench_body body[M_COUNT];
    void *ctx[M_COUNT];
    int at[M_COUNT]; /* the measure's place in body[], or -1 */
    int nb = 0;
    static const ad_bench_body all[M_COUNT] = {
        run_f,     run_fscalar, run_rec,    run_fresh, run_gnew, run_grec,
        run_glin,  run_jvp,     run_gcomp,  run_jcomp, run_win,
#ifdef AD_BENCH_HAVE_ADOLC
        run_a_rec, run_a_gnew,  run_a_grec, run_a_jvp,
#else
        NULL,     NULL,        NULL,      NULL,
#endif
    };
    int use_adolc = 0;
#ifdef AD_BENCH_HAVE_ADOLC
    use_adolc = p->adolc;
#endif
    /* The linearised tape: recorded once at x, its partials stored, and
     * compiled (each timed once: a one-off cost, paid back after a few
     * sweeps or not). */
    double ylin;
    p->win = ad_tape_new();
    if (p->win == NULL || ad_tape_set_adjoint_window(p->win, 1) != AD_OK) {
        fprintf(out, "%s: no tape for the adjoint window\n", p->name);
        return -1;
    }
    p->rep = ad_tape_new();
    if (p->rep == NULL || record(p, p->rep, &ylin) != AD_OK) {
        fprintf(out, "%s: recording the tape for new points failed\n", p->name);
        return -1;
    }
    p->lin = ad_tape_new();
    if (p->lin == NULL || record(p, p->lin, &ylin) != AD_OK) {
        fprintf(out, "%s: recording the tape to linearise failed\n", p->name);
        return -1;
    }
    double t0 = ad_bench_now();
    note(p, ad_tape_linearize(p->lin));
    p->lin_time = ad_bench_now() - t0;
    t0 = ad_bench_now();
    int crc = ad_tape_compile(p->lin);
    p->comp_time = crc == AD_OK ? ad_bench_now() - t0 : NAN;
    if (crc != AD_EUNSUPPORTED)
        note(p, crc);

    for (int m = 0; m < M_COUNT; m++) {
        int on = 1;
        if (m == M_FSCALAR)
            on = p->is_array;
        if (m == M_GCOMP || m == M_JCOMP)
            on = crc == AD_OK;
        if (m >= M_A_REC)
            on = use_adolc;
        at[m] = on ? nb : -1;
        if (on) {
            body[nb] = all[m];
            ctx[nb] = p;
            nb++;
        }
    }

    ad_bench_timing t[M_COUNT];
    if (ad_bench_measure_set(nb, body, ctx, opt->base.min_sample,
                             opt->base.samples, t) != 0) {
        fprintf(out, "%s: too many measures or samples\n", p->name);
        return -1;
    }
    if (p->rc != AD_OK) {
        fprintf(out, "%s: a timed call failed: %s\n", p->name,
                ad_strerror(p->rc));
        return -1;
    }
#define TM(m) (at[m] >= 0 ? t[at[m]].median : NAN)
    /* Ratios are to the scalar-loop f: for the array MLP that is M_FSCALAR
     * (the target), for the others f itself. */
    const double tf = p->is_array ? TM(M_FSCALAR) : TM(M_F);

    double diff = check_problem(p, scalar_mlp);
    *worst = fmax(*worst, diff);
    int ok = diff <= TOL;

    /* The adjoints a gradient at the recorded point holds, without and
     * with the window (whose gradient must be the same). */
    size_t adj_b = 0, adj_w = 0;
    if (ad_tape_gradient(p->tape, NULL, p->g) == AD_OK)
        adj_b = ad_tape_last_adjoint_bytes();
    if (ad_tape_gradient(p->win, NULL, p->gs) == AD_OK)
        adj_w = ad_tape_last_adjoint_bytes();
    else
        diff = INFINITY;
    diff = fmax(diff, vec_diff(p->gs, p->g, p->fn.n));
    *worst = fmax(*worst, diff);
    ok = diff <= TOL;

    ad_tape_info info, info_w;
    ad_tape_stats(p->tape, &info);
    ad_tape_stats(p->win, &info_w);
    double ops = (double)info.ops;
    double tape_b = (double)info.bytes / ops;
    double peak_b = ((double)info.peak_bytes + (double)adj_b) / ops;
    double peak_w = ((double)info_w.peak_bytes + (double)adj_w) / ops;

    fprintf(out, "%s: %zu inputs, %zu ops, %zu variables", p->name, p->fn.n,
            info.ops, info.vars);
#ifdef AD_BENCH_HAVE_ADOLC
    ad_bench_adolc_info ai;
    memset(&ai, 0, sizeof ai);
    if (use_adolc) {
        ad_bench_adolc_stats(p->tag, &ai);
        fprintf(out, "; ADOL-C %zu ops, %zu live locations", ai.ops,
                ai.max_lives);
    }
#endif
    fprintf(out, "%s\n", ok ? "" : "  CHECK FAILED");

    for (int m = M_F; m <= M_WIN; m++) {
        if (at[m] < 0)
            continue;
        double ta = TM(m);
        fprintf(out, "  %-32s",
                m == M_F && p->is_array ? "f (double, array: CBLAS)"
                                        : measure_name[m]);
        ad_bench_print_time(out, ta);
        fprintf(out, " %7.2f", ta / tf);
        int am = m == M_REC     ? M_A_REC
                 : m == M_GNEW  ? M_A_GNEW
                 : m == M_GREC  ? M_A_GREC
                 : m == M_GLIN  ? M_A_GREC
                 : m == M_JVP   ? M_A_JVP
                 : m == M_GCOMP ? M_A_GNEW
                 : m == M_JCOMP ? M_A_JVP
                 : m == M_WIN   ? M_A_REC
                                : -1;
        char tgt[96] = "";
        if (am >= 0 && at[am] >= 0) {
            double tb = TM(am);
            double rab = ad_bench_paired_ratio(&t[at[m]], &t[at[am]]);
            ad_bench_print_time(out, tb);
            fprintf(out, " %7.2f %8.3f", tb / tf, rab);
            if (am == M_A_REC)
                snprintf(tgt, sizeof tgt, ">=5x ADOL-C %s [medians %.3f]",
                         verdict(rab <= TARGET_VS_ADOLC_REC, missed), ta / tb);
            else if (m == M_GNEW)
                snprintf(tgt, sizeof tgt, ">=3x ADOL-C %s [medians %.3f]",
                         verdict(rab <= TARGET_VS_ADOLC_GRAD, missed), ta / tb);
        } else {
            put_blank(out, 12);
            put_blank(out, 7);
            put_blank(out, 8);
        }
        if ((m == M_REC || m == M_WIN) && p->target_f > 0.0) {
            size_t l = strlen(tgt);
            snprintf(tgt + l, sizeof tgt - l, "%s<=%.0f f %s", l ? ", " : "",
                     p->target_f, verdict(ta / tf <= p->target_f, missed));
        }
        if (m == M_REC && p->is_array)
            fprintf(out, "  %s (%.1f x the array f)\n", tgt, ta / TM(M_F));
        else
            fprintf(out, "  %s\n", tgt);
    }

    fprintf(out, "  %-32s %12.1f %7s", "tape bytes per op", tape_b, "");
#ifdef AD_BENCH_HAVE_ADOLC
    if (use_adolc) {
        double ab = (double)ai.bytes / ops;
        fprintf(out, " %12.1f %7s %8.3f\n", ab, "", tape_b / ab);
    } else
#endif
        fprintf(out, "\n");
    for (int w = 0; w < 2; w++) {
        double pb = w ? peak_w : peak_b;
        fprintf(out, "  %-32s %12.1f %7s",
                w ? "  the same, adj. window" : "peak bytes per op", pb, "");
#ifdef AD_BENCH_HAVE_ADOLC
        if (use_adolc) {
            double ap = (double)ai.peak / ops;
            fprintf(out, " %12.1f %7s %8.3f  <=ADOL-C %s\n", ap, "", pb / ap,
                    verdict(pb <= ap, missed));
        } else
#endif
            fprintf(out, "\n");
    }
    /* Where the time goes, per op, from differences of the medians: a
     * breakdown for whoever optimises the tape (noisy when the parts are
     * small). */
    const double ns = 1e9 / ops;
    fprintf(out,
            "  ns per op: record %.1f, reverse %.1f, replay (needed values) "
            "%.1f, replay + "
            "tangent %.1f; linearise %.1f (once), linearised reverse %.1f",
            (TM(M_REC) - TM(M_GREC)) * ns, TM(M_GREC) * ns,
            (TM(M_GNEW) - TM(M_GREC)) * ns, TM(M_JVP) * ns, p->lin_time * ns,
            TM(M_GLIN) * ns);
    if (at[M_GCOMP] >= 0)
        fprintf(out, "; compile %.1f (once)", p->comp_time * ns);
    if (use_adolc)
        fprintf(out,
                "; ADOL-C: record %.1f, reverse %.1f, zos_forward %.1f, "
                "fos_forward %.1f",
                (TM(M_A_REC) - TM(M_A_GREC)) * ns, TM(M_A_GREC) * ns,
                (TM(M_A_GNEW) - TM(M_A_GREC)) * ns, TM(M_A_JVP) * ns);
    fprintf(out, "\n");

#undef TM
    return 0;
}

int ad_bench_reverse(FILE *out, const ad_bench_reverse_options *opt)
{
    const double sc = opt->base.scale;
    ad_bench_rosen_params rp = {ad_bench_scaled(1e6, sc, 2)};
    ad_bench_speel_params sp = {ad_bench_scaled(1e4, sc, 1)};
    ad_bench_lorenz_params lp = {ad_bench_scaled(1e5, sc, 1), 0.001};
    ad_bench_rosen_params tp = {ad_bench_scaled(1e6, sc, 2)};
    /* The MLP's data point from the common seed; each problem's point and
     * directions from a seed of its own (list[] below), so that --only
     * leaves the others' numbers as they are. */
    ad_bench_rng data_rng = {AD_BENCH_SEED};
    double mlp_input[AD_BENCH_MLP_NIN];
    ad_bench_mlp_params mp = ad_bench_mlp_default(mlp_input, &data_rng);

    const char *malloc_note = "glibc defaults";
#if defined(__GLIBC__) && defined(M_MMAP_MAX) && defined(M_TRIM_THRESHOLD)
    if (opt->tune_malloc) {
        /* Big blocks from the heap rather than from fresh mappings, and
         * the heap never given back: freed memory is reused, untouched
         * pages are not faulted in again. */
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, -1);
        malloc_note = "tuned, freed memory reused (mallopt M_MMAP_MAX 0, "
                      "M_TRIM_THRESHOLD -1)";
    }
#else
    if (opt->tune_malloc)
        malloc_note = "not tunable here (not glibc): defaults";
#endif

    int use_adolc = 0;
#ifdef AD_BENCH_HAVE_ADOLC
    use_adolc = opt->adolc;
#endif

    char name_rosen[48], name_speel[48], name_mlp[48], name_mlpa[48],
        name_lorenz[48], name_trans[64];
    snprintf(name_rosen, sizeof name_rosen, "rosenbrock n=%zu", rp.n);
    snprintf(name_speel, sizeof name_speel, "speelpenning n=%zu", sp.n);
    snprintf(name_mlp, sizeof name_mlp, "mlp %zu-%zu-%zu, scalar loops", mp.nin,
             mp.nhid, mp.nout);
    snprintf(name_mlpa, sizeof name_mlpa, "mlp %zu-%zu-%zu, array primitives",
             mp.nin, mp.nhid, mp.nout);
    snprintf(name_lorenz, sizeof name_lorenz, "lorenz-63 RK4, %zu steps of %g",
             lp.steps, lp.dt);
    snprintf(name_trans, sizeof name_trans,
             "transcendental chain n=%zu (tanh(sin exp)^atan)", tp.n);

    char cpu[128];
    ad_bench_cpu_model(cpu, sizeof cpu);
    fprintf(out,
            "admix reverse-mode benchmark: tape recording and sweeps vs the "
            "plain double f%s.\n"
            "Median of %d samples of >= %.0f ms, all measures of a problem "
            "interleaved.\n",
            use_adolc ? ", beside ADOL-C" : "", opt->base.samples,
            opt->base.min_sample * 1e3);
    fprintf(out, "machine: %s\n", cpu);
    ad_bench_print_build(out);
#ifdef AD_BENCH_HAVE_ADOLC
    if (use_adolc)
        fprintf(out, "ADOL-C: %s, bench/adolc.cpp compiled with %s\n",
                ad_bench_adolc_version(), AD_BENCH_ADOLC_CXXFLAGS);
    else
        fprintf(out, "ADOL-C: compiled in, not run (--no-adolc)\n");
#else
    fprintf(out, "ADOL-C: not compiled in (configure --with-adolc)\n");
#endif
    fprintf(out, "malloc: %s\n", malloc_note);
    if (opt->command != NULL)
        fprintf(out, "command: %s\n", opt->command);
    fprintf(out, "\n%-34s %12s %7s %12s %7s %8s  %s\n", "problem / measure",
            "admix", "/f", "ADOL-C", "/f", "adm/ADC", "targets");

    struct {
        const char *name;
        ad_fn fn;
        ad_bench_fill fill;
        unsigned seed;   /* of the point; the two MLPs share theirs */
        double target_f; /* record + gradient, in units of f */
        int is_array;    /* the array MLP */
        int adolc_kind;  /* index into kinds[] below, -1 for none */
    } list[] = {
        /* In the order of the memory ADOL-C needs: its store of live
         * locations only grows, and a sweep clears and a recording with
         * keep = 1 saves all of it, so a small problem after a big one
         * would pay for the big one's store. */
        {name_lorenz, ad_bench_lorenz_fn(&lp), ad_bench_fill_lorenz, 4, 15.0, 0,
         3},
        {name_speel, ad_bench_speel_fn(&sp), ad_bench_fill_speel, 2, 8.0, 0, 1},
        {name_mlp, ad_bench_mlp_fn(&mp), ad_bench_fill_mlp, 3, 16.0, 0, 2},
#if AD_BENCH_HAVE_ARRAY
        {name_mlpa, ad_bench_mlpa_fn(&mp), ad_bench_fill_mlp, 3,
         TARGET_ARRAY_MLP, 1, -1},
#endif
        {name_rosen, ad_bench_rosen_fn(&rp), ad_bench_fill_rosen, 1, 45.0, 0,
         0},
        /* No target, no ADOL-C: costly partials, for the linearised tape. */
        {name_trans, ad_bench_trans_fn(&tp), ad_bench_fill_trans, 5, 0.0, 0,
         -1},
    };
    const int nprob = (int)(sizeof list / sizeof list[0]);

    int status = 0, missed = 0;
    double worst = 0.0, sink = 0.0;
    rprob scalar_mlp;
    int have_scalar_mlp = 0;
    memset(&scalar_mlp, 0, sizeof scalar_mlp);
    for (int q = 0; q < nprob; q++) {
        if (opt->only != NULL && strstr(list[q].name, opt->only) == NULL)
            continue;
        rprob p;
        const ad_bench_rng rng = {0x2545F4914F6CDD1Dull * list[q].seed};
        if (rprob_init(&p, list[q].name, list[q].fn, list[q].fill, rng) != 0) {
            fprintf(out, "%s: out of memory\n", list[q].name);
            status = -1;
            break;
        }
        p.target_f = list[q].target_f;
        p.is_array = list[q].is_array;
        if (p.is_array)
            p.scalar = ad_bench_mlp_fn(&mp);
#ifdef AD_BENCH_HAVE_ADOLC
        if (use_adolc && list[q].adolc_kind >= 0) {
            static const int kinds[] = {
                AD_BENCH_ADOLC_ROSEN, AD_BENCH_ADOLC_SPEEL, AD_BENCH_ADOLC_MLP,
                AD_BENCH_ADOLC_LORENZ};
            ad_bench_adolc_problem *a = &p.ap;
            a->kind = kinds[list[q].adolc_kind];
            a->n = p.fn.n;
            a->nin = mp.nin;
            a->nhid = mp.nhid;
            a->nout = mp.nout;
            a->input = mp.input;
            a->label = mp.label;
            a->steps = lp.steps;
            a->dt = lp.dt;
            p.tag = (short)(q + 1);
            p.adolc = ad_bench_adolc_setup(p.tag, a, p.x) == 0;
            if (!p.adolc)
                fprintf(out, "%s: ADOL-C setup failed; admix only\n", p.name);
        }
#else
        (void)list[q].adolc_kind;
#endif
        /* The scalar MLP's gradient is kept for the array MLP's check. */
        const rprob *ref = p.is_array && have_scalar_mlp ? &scalar_mlp : NULL;
        if (bench_problem(out, opt, &p, ref, &worst, &missed) != 0)
            status = -1;
        sink += p.sink;
        if (list[q].fn.f_double == ad_bench_mlp_double && !p.is_array) {
#ifdef AD_BENCH_HAVE_ADOLC
            /* Its adoubles would count as live in the later ADOL-C
             * tapes. */
            if (p.adolc)
                ad_bench_adolc_release(p.tag);
            p.adolc = 0;
#endif
            if (have_scalar_mlp)
                rprob_free(&scalar_mlp);
            scalar_mlp = p;
            have_scalar_mlp = 1;
        } else {
            rprob_free(&p);
        }
        if (status < 0)
            break;
    }
    if (have_scalar_mlp)
        rprob_free(&scalar_mlp);

    fprintf(out,
            "\n"
            "/f        time relative to the plain double f (for the array "
            "MLP: the scalar-loop\n"
            "          f, as the target asks; its record + gradient is also "
            "given in units\n"
            "          of the array f, whose double version runs CBLAS)\n"
            "adm/ADC   admix time (or bytes) / ADOL-C's; below 1 admix "
            "wins.  For times, the\n"
            "          median over the rounds of admix's sample / ADOL-C's "
            "sample in the same\n"
            "          round (a paired ratio: a slow spell of the VM that "
            "lasts several rounds\n"
            "          cancels out); [medians] gives the ratio of the two "
            "medians beside it\n"
            "order     by the memory ADOL-C needs: its store of locations "
            "only grows, and a\n"
            "          small problem after a big one would pay for it\n"
            "bytes/op  per operation of f as admix records it (the same "
            "count for both):\n"
            "          tape = the recording with the values the reverse sweep "
            "needs (admix:\n"
            "          its values; ADOL-C: its Taylor stack); peak = admix: "
            "the tape's\n"
            "          storage at its largest + the gradient's adjoints (8 "
            "bytes per variable,\n"
            "          or the adjoint window's ring and blocks); ADOL-C: its\n"
            "          buffers sized to the tape + 24 bytes per live location "
            "(the store,\n"
            "          fos_reverse's adjoints and values)\n"
            "targets   record + gradient <= 45 f (Rosenbrock), 8 f "
            "(Speelpenning),\n"
            "          16 f (MLP), 15 f (Lorenz), 4 f (array MLP, f of the "
            "scalar loops);\n"
            "          record + gradient >= 5x and gradient at a new point "
            ">= 3x faster than\n"
            "          ADOL-C; peak bytes <= ADOL-C's: %s\n",
            missed ? "some MISSED" : "all met");
    fprintf(out,
            "checks (untimed): tape gradient and jvp vs ad_dual along random "
            "directions,\n"
            "value vs f%s: max rel. diff %.1e (tol. %.0e): %s.  "
            "[sink %.3g]\n",
            use_adolc ? ", ADOL-C vs admix" : "", worst, TOL,
            status < 0     ? "NOT RUN (error)"
            : worst <= TOL ? "passed"
                           : "FAILED",
            sink);
    if (status < 0)
        return -1;
    return worst <= TOL ? 0 : 1;
}

/* ---- the command line --------------------------------------------------- */

void ad_bench_reverse_usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s reverse [--min-time MS] [--samples N] [--scale S] "
            "[--quick]\n"
            "       %*s [--only NAME] [--no-adolc] [--default-malloc]\n"
            "\n"
            "Times the plain double f, recording + gradient on a reused and "
            "on a fresh\n"
            "tape (and with the adjoint window), the gradient at a new point "
            "and at the\n"
            "recorded one, and a jvp, on extended Rosenbrock (n = 10^6), "
            "Speelpenning's\n"
            "product (n = 10^4), the loss of an MLP 64-256-10 (all 19210 "
            "weights as\n"
            "inputs; scalar loops and array primitives) and Lorenz-63 by RK4 "
            "(10^5 steps\n"
            "of 0.001; initial state and parameters as inputs), beside ADOL-C "
            "when\n"
            "configure found it; prints tape and peak bytes per operation, and "
            "checks the\n"
            "derivatives against ad_dual.\n"
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
            "  --only NAME       only the problems whose name contains NAME "
            "(rosenbrock,\n"
            "                    speelpenning, mlp, scalar, array, lorenz, "
            "trans)\n"
            "  --no-adolc        admix only, even when ADOL-C is compiled "
            "in\n"
            "  --default-malloc  leave glibc's malloc as it is (by default "
            "it is tuned so\n"
            "                    that freed memory is reused, for admix and "
            "ADOL-C alike)\n"
            "  -h, --help        this text\n"
            "\n"
            "Exit status: 0, 1 if a derivative check or a sweep failed, 2 on "
            "a usage\n"
            "error.\n",
            prog, (int)strlen(prog) + 8, "", AD_BENCH_MAX_SAMPLES);
}

/* The options of `reverse` alone (ad_bench_cli.option); cli->ctx is the
 * ad_bench_reverse_options. */
static int reverse_option(const ad_bench_cli *cli, int argc, char **argv,
                          int *i)
{
    ad_bench_reverse_options *opt = cli->ctx;
    return ad_bench_adolc_option(cli, argc, argv, i, &opt->adolc,
                                 &opt->tune_malloc, &opt->only);
}

int ad_bench_reverse_main(int argc, char **argv, const char *prog)
{
    ad_bench_reverse_options opt = ad_bench_reverse_default_options();
    const ad_bench_cli cli = {.prog = prog,
                              .bench = "reverse",
                              .usage = ad_bench_reverse_usage,
                              .with_scale = 1,
                              .option = reverse_option,
                              .ctx = &opt};
    int r = ad_bench_parse(&cli, argc, argv, &opt.base);
    if (r >= 0)
        return r;

    /* The command that reproduces this run, every setting spelled out. */
    char cmd[256];
    ad_bench_adolc_command(cmd, sizeof cmd, prog, "reverse", &opt.base,
                           opt.adolc, opt.tune_malloc, opt.only);
    opt.command = cmd;
    r = ad_bench_reverse(stdout, &opt);
    return r == 0 ? 0 : 1;
}
