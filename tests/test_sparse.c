/* test_sparse.c -- sparsity patterns, colorings and compressed Jacobians
 * and Hessians (sparse.h), checked against the dense tape drivers
 * (ad_tape_jacobian, ad_tape_hessian), against analytic derivatives and
 * patterns, and against independent checks of the colorings.
 *
 * Tolerances.  A compressed Jacobian lane performs the same operations as
 * the dense lane of the one column (row) it stands for -- the other columns
 * of the color add exact zeros -- so the values are compared bitwise with
 * the dense Jacobian in the same direction.  A compressed Hessian-vector
 * product sums the columns of a color in its tangents, which can change the
 * order of a few roundings: 1e-14 relative, normwise over the matrix.
 * Random programs and points come from splitmix64 with fixed seeds. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "primitive.h" /* internal: ad__rand_* */

#include <admix.h>
#include <admix/sparse_gsl.h>

/* ---- what the templates need --------------------------------------------- */

typedef struct sp_params {
    size_t n;
    double lambda;
} sp_params;

/* The random programs' instructions: the first I_NSMOOTH have no
 * identically zero partials (so a random point shows every structural
 * nonzero), the others may (a branch, a max, an absolute value). */
enum {
    I_ADD,
    I_SUB,
    I_MUL,
    I_DIV,
    I_SIN,
    I_EXP,
    I_TANH,
    I_HYPOT,
    I_MULC,
    I_CSUB,
    I_POWI,
    I_DOT,
    I_MAP,
    I_NSMOOTH,
    I_FMAX = I_NSMOOTH,
    I_FABS,
    I_SELECT,
    I_CMP,
    I_NALL
};

#define PROG_MAX 400
#define PROG_OUT 32

typedef struct instr {
    int op;
    unsigned a, b;
    double c; /* a constant operand */
    double s; /* the result's scale */
} instr;

typedef struct prog {
    size_t n, m, len;
    instr code[PROG_MAX];
    size_t out[PROG_OUT];
} prog;

#define AD_TEMPLATE "test_sparse.inc"
#include <admix/instantiate.h>
AD_FN(rd1, ((const sp_params *)params)->n, ((const sp_params *)params)->n)
AD_FN(bratu, ((const sp_params *)params)->n *((const sp_params *)params)->n,
      ((const sp_params *)params)->n *((const sp_params *)params)->n)
AD_FN(rosen, ((const sp_params *)params)->n, 1)
AD_FN(grid_energy,
      ((const sp_params *)params)->n *((const sp_params *)params)->n, 1)
AD_FN(sumsq, ((const sp_params *)params)->n, 3)
AD_FN(linsum, ((const sp_params *)params)->n, 1)
AD_FN(arrays, 12, 5)
AD_FN(prog, ((const prog *)params)->n, ((const prog *)params)->m)
AD_FN(branchy, 3, 2)

/* ---- helpers ------------------------------------------------------------- */

#define OK(expr)                                                               \
    do {                                                                       \
        int rc_ = (expr);                                                      \
        cr_assert(rc_ == AD_OK, "%s: %d (%s)", #expr, rc_, ad_strerror(rc_));  \
    } while (0)

#define IS(expr, code)                                                         \
    do {                                                                       \
        int rc_ = (expr);                                                      \
        cr_expect(rc_ == (code), "%s: %d (%s), want %s", #expr, rc_,           \
                  ad_strerror(rc_), #code);                                    \
    } while (0)

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    cr_assert(p != NULL, "out of memory");
    return p;
}

static void *xcalloc(size_t k, size_t size)
{
    void *p = calloc(k ? k : 1, size);
    cr_assert(p != NULL, "out of memory");
    return p;
}

/* f recorded at x on a new tape. */
static ad_tape *record(const ad_fn *f, const double *x)
{
    ad_tape *t = ad_tape_new();
    cr_assert(t != NULL);
    ad_var *xv = xmalloc(f->n * sizeof *xv), *yv = xcalloc(f->m, sizeof *yv);
    OK(ad_tape_begin(t));
    OK(ad_independent_array(f->n, x, xv));
    f->f_var(xv, yv, f->params);
    OK(ad_dependent_array(f->m, yv));
    OK(ad_tape_end(t));
    free(xv);
    free(yv);
    return t;
}

static void fill_random(uint64_t *s, double *x, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = ad__rand_uniform(s, lo, hi);
}

/* 1 if (i, j) is in P. */
static int has(const ad_pattern *P, size_t i, size_t j)
{
    size_t lo = P->rowptr[i], hi = P->rowptr[i + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (P->col[mid] < j)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < P->rowptr[i + 1] && P->col[lo] == j;
}

/* Every nonzero of the dense m x n matrix A is in P; returns how many
 * entries of P are nonzero in A. */
static size_t check_superset(const ad_pattern *P, const double *A, size_t m,
                             size_t n, const char *what)
{
    size_t hit = 0;
    cr_assert_eq(P->m, m, "%s: rows", what);
    cr_assert_eq(P->n, n, "%s: columns", what);
    OK(ad_pattern_check(P));
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            if (A[i * n + j] != 0.0) {
                cr_assert(has(P, i, j), "%s: (%zu, %zu) = %g not in pattern",
                          what, i, j, A[i * n + j]);
                hit++;
            }
    return hit;
}

/* A valid column (rows: row) coloring: the entries of each row (column)
 * have distinct colors, all below nc. */
static void check_d2(const ad_pattern *P, const size_t *color, size_t nc,
                     int rows)
{
    ad_pattern *T;
    OK(ad_pattern_transpose(P, &T));
    const ad_pattern *Q = rows ? T : P; /* hyperedges: rows of Q */
    size_t nv = rows ? P->m : P->n;
    size_t *seen = xmalloc((nc + 1) * sizeof *seen);
    for (size_t c = 0; c <= nc; c++)
        seen[c] = SIZE_MAX;
    for (size_t v = 0; v < nv; v++)
        cr_assert_lt(color[v], nc);
    for (size_t e = 0; e < Q->m; e++)
        for (size_t k = Q->rowptr[e]; k < Q->rowptr[e + 1]; k++) {
            size_t c = color[Q->col[k]];
            cr_assert_neq(seen[c], e, "two entries of line %zu with color %zu",
                          e, c);
            seen[c] = e;
        }
    free(seen);
    ad_pattern_free(T);
}

/* A valid star coloring of symmetric H: adjacent vertices differ, and
 * every edge (i, j) is recoverable: j is the only one of its color in row
 * i, or i the only one of its color in row j (equivalent to "no path on
 * four vertices with two colors"). */
static size_t count_in_row(const ad_pattern *H, const size_t *color, size_t i,
                           size_t c)
{
    size_t k = 0;
    for (size_t e = H->rowptr[i]; e < H->rowptr[i + 1]; e++)
        k += H->col[e] != i && color[H->col[e]] == c;
    return k;
}

static void check_star(const ad_pattern *H, const size_t *color, size_t nc)
{
    for (size_t i = 0; i < H->n; i++) {
        cr_assert_lt(color[i], nc);
        for (size_t e = H->rowptr[i]; e < H->rowptr[i + 1]; e++) {
            size_t j = H->col[e];
            if (j == i)
                continue;
            cr_assert_neq(color[i], color[j], "edge %zu-%zu one color", i, j);
            cr_assert(count_in_row(H, color, i, color[j]) == 1 ||
                          count_in_row(H, color, j, color[i]) == 1,
                      "edge %zu-%zu not recoverable: two-colored P4", i, j);
        }
    }
}

/* The normwise relative difference max |a - b| / max |b|. */
static double rel_diff(const double *a, const double *b, size_t k)
{
    double e = 0.0, s = 0.0;
    for (size_t i = 0; i < k; i++) {
        e = fmax(e, fabs(a[i] - b[i]));
        s = fmax(s, fabs(b[i]));
    }
    return s > 0.0 ? e / s : e;
}

/* The sparse matrix S equals the dense A: zero outside the pattern (of
 * either sign: a dense lane may give -0 where nothing depends), and inside
 * bitwise (tol 0) or to tol normwise. */
static void check_values(const ad_sparse *S, const double *A, double tol,
                         const char *what)
{
    const ad_pattern *P = S->pattern;
    check_superset(P, A, P->m, P->n, what);
    if (tol == 0.0) {
        for (size_t i = 0; i < P->m; i++)
            for (size_t e = P->rowptr[i]; e < P->rowptr[i + 1]; e++) {
                double a = A[i * P->n + P->col[e]];
                cr_assert(memcmp(&S->val[e], &a, sizeof a) == 0,
                          "%s: entry (%zu, %zu): %.17g, dense %.17g", what, i,
                          P->col[e], S->val[e], a);
            }
    } else {
        double *D = xmalloc(P->m * P->n * sizeof *D);
        OK(ad_sparse_to_dense(S, D));
        double e = rel_diff(D, A, P->m * P->n);
        cr_assert_leq(e, tol, "%s: relative difference %g", what, e);
        free(D);
    }
}

/* ---- Jacobian patterns --------------------------------------------------- */

Test(sparse, pattern_tridiagonal_exact)
{
    sp_params p = {7, 0.75};
    ad_fn f = rd1_fn(&p);
    double x[7];
    for (size_t i = 0; i < 7; i++)
        x[i] = 0.1 * (double)i - 0.2;
    ad_pattern *J;
    OK(ad_sparsity(&f, x, &J));
    cr_assert_eq(J->m, 7);
    cr_assert_eq(J->n, 7);
    cr_assert_eq(J->nnz, 3 * 7 - 2);
    for (size_t i = 0; i < 7; i++) {
        size_t k = J->rowptr[i];
        for (size_t j = i > 0 ? i - 1 : 0; j <= i + 1 && j < 7; j++)
            cr_assert_eq(J->col[k++], j, "row %zu", i);
        cr_assert_eq(k, J->rowptr[i + 1]);
    }
    ad_pattern_free(J);
}

Test(sparse, pattern_bratu_exact)
{
    sp_params p = {6, 1.5};
    ad_fn f = bratu_fn(&p);
    double x[36] = {0};
    ad_pattern *J;
    OK(ad_sparsity(&f, x, &J));
    size_t N = 6, nnz = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++) {
            size_t k = i * N + j;
            for (size_t l = 0; l < N * N; l++) {
                size_t a = l / N, b = l % N;
                int want = (a == i && (b + 1 == j || b == j || b == j + 1)) ||
                           (b == j && (a + 1 == i || a == i + 1));
                cr_assert_eq(has(J, k, l), want, "(%zu, %zu)", k, l);
                nnz += (size_t)want;
            }
        }
    cr_assert_eq(J->nnz, nnz);
    ad_pattern_free(J);
}

Test(sparse, pattern_constant_and_copied_outputs)
{
    /* sumsq: y0 = (sum x)^2 (dense row), y1 = 2 x0, y2 = constant. */
    sp_params p = {100000, 0.0};
    ad_fn f = sumsq_fn(&p);
    double *x = xcalloc(p.n, sizeof *x);
    ad_pattern *J;
    OK(ad_sparsity(&f, x, &J));
    cr_assert_eq(J->m, 3);
    cr_assert_eq(J->rowptr[1], p.n);
    for (size_t j = 0; j < p.n; j++)
        cr_assert_eq(J->col[j], j);
    cr_assert_eq(J->rowptr[2] - J->rowptr[1], 1);
    cr_assert_eq(J->col[J->rowptr[1]], 0);
    cr_assert_eq(J->rowptr[3], J->rowptr[2], "a constant output's row");
    ad_pattern_free(J);
    free(x);
}

Test(sparse, pattern_arrays_against_dense)
{
    /* The array primitives' rules, at several random points: superset of
     * the dense nonzeros, and equal to their union. */
    ad_fn f = arrays_fn(NULL);
    uint64_t s = 0x5eed0001;
    double x[12], J[5 * 12];
    int *seen = xcalloc(5 * 12, sizeof *seen);
    ad_pattern *P;
    fill_random(&s, x, 12, 0.5, 1.5);
    OK(ad_sparsity(&f, x, &P));
    ad_tape *t = record(&f, x);
    for (int trial = 0; trial < 5; trial++) {
        fill_random(&s, x, 12, 0.5, 1.5);
        OK(ad_tape_jacobian(t, x, J));
        check_superset(P, J, 5, 12, "arrays");
        for (size_t k = 0; k < 60; k++)
            seen[k] |= J[k] != 0.0;
    }
    size_t hit = 0;
    for (size_t k = 0; k < 60; k++)
        hit += (size_t)seen[k];
    cr_assert_eq(hit, P->nnz, "pattern %zu entries, dense union %zu", P->nnz,
                 hit);
    ad_pattern *Q;
    OK(ad_tape_sparsity(t, &Q));
    cr_assert_eq(Q->nnz, P->nnz);
    cr_assert(memcmp(Q->col, P->col, P->nnz * sizeof *P->col) == 0);
    ad_pattern_free(Q);
    ad_pattern_free(P);
    ad_tape_free(t);
    free(seen);
}

/* A random sparse program: n inputs, `chains` short chains of len
 * instructions, each on a few nearby inputs (and now and then an earlier
 * chain's result); outputs: the sum of all chain ends (output 0, for the
 * Hessian), then each chain end.  smooth: only the I_NSMOOTH instructions
 * but I_SUB, I_CSUB and I_HYPOT (which may cancel). */
static void make_prog(prog *P, uint64_t *s, size_t n, size_t chains, size_t len,
                      int smooth)
{
    memset(P, 0, sizeof *P);
    P->n = n;
    size_t reg = n, ends[PROG_OUT] = {0};
    cr_assert(chains + 1 <= PROG_OUT && n + chains * (len + 1) < PROG_MAX);
    for (size_t ch = 0; ch < chains; ch++) {
        size_t pool[8], np = 0;
        size_t base = (size_t)ad__rand_int(s, 0, (long)n - 1);
        pool[np++] = base;
        pool[np++] = (base + 1) % n;
        pool[np++] = (size_t)ad__rand_int(s, 0, (long)n - 1);
        if (ch > 0 && ad__rand_int(s, 0, 3) == 0)
            pool[np++] = ends[ad__rand_int(s, 0, (long)ch - 1)];
        for (size_t k = 0; k < len; k++) {
            instr *in = &P->code[P->len++];
            in->op = (int)ad__rand_int(s, 0, (smooth ? I_NSMOOTH : I_NALL) - 1);
            in->a = (unsigned)pool[ad__rand_int(s, 0, (long)np - 1)];
            in->b = (unsigned)pool[ad__rand_int(s, 0, (long)np - 1)];
            /* Smooth programs neither subtract nor take c - a: a - b may
             * cancel (b = a, or the same sum in another order), and so may
             * paths whose derivatives are +1 and -1 (c - (c - x) + (c - x)).
             * Their other coefficients are values at random points. */
            if (smooth && in->op == I_SUB)
                in->op = I_ADD;
            if (smooth && in->op == I_CSUB)
                in->op = I_MULC;
            /* Nor hypot: hypot(a, a) = sqrt(2) |a| is linear, and
             * hypot(a, b)^2 = a^2 + b^2 has no cross term. */
            if (smooth && in->op == I_HYPOT)
                in->op = I_MUL;
            in->c = ad__rand_uniform(s, 0.5, 2.0);
            in->s = 1.0;
            if (np < 8)
                pool[np++] = reg;
            else
                pool[ad__rand_int(s, 0, 7)] = reg;
            reg++;
        }
        ends[ch] = reg - 1;
    }
    /* Output 0: the sum of the chain ends. */
    size_t acc = ends[0];
    for (size_t ch = 1; ch < chains; ch++) {
        instr *in = &P->code[P->len++];
        in->op = I_ADD;
        in->a = (unsigned)acc;
        in->b = (unsigned)ends[ch];
        in->s = 1.0;
        acc = reg++;
    }
    P->m = chains + 1;
    P->out[0] = acc;
    for (size_t ch = 0; ch < chains; ch++)
        P->out[ch + 1] = ends[ch];
}

/* Scales P's instructions so that every register is within [1, 2) in
 * magnitude at x: deep random compositions (cubes of exponentials) would
 * otherwise overflow or saturate (tanh' = 0), and a derivative that
 * vanishes numerically is no test of a pattern. */
static void normalize(prog *P, const double *x)
{
    size_t len = P->len, m = P->m, out0 = P->out[0];
    ad_fn f = prog_fn(P);
    for (size_t k = 0; k < len; k++) {
        double v;
        P->code[k].s = 1.0;
        P->len = k + 1;
        P->m = 1;
        P->out[0] = P->n + k;
        f.m = 1;
        f.f_double(x, &v, P);
        if (isfinite(v) && v != 0.0)
            P->code[k].s = exp2(-floor(log2(fabs(v))));
    }
    P->len = len;
    P->m = m;
    P->out[0] = out0;
}

/* A point near c: each entry times 1 + 1e-6 u, u uniform in [-1, 1] --
 * near enough that the scales of normalize() still hold. */
static void near(uint64_t *s, const double *c, double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = c[i] * (1.0 + 1e-6 * ad__rand_uniform(s, -1.0, 1.0));
}

/* Jacobian and Hessian patterns of random programs against the dense
 * nonzeros at random points; equal for smooth programs. */
static void random_programs(int smooth, uint64_t seed)
{
    uint64_t s = seed;
    static prog P;
    for (int trial = 0; trial < 12; trial++) {
        size_t n = (size_t)ad__rand_int(&s, 6, 40);
        /* The draws in sequence: argument order is unspecified. */
        size_t chains = (size_t)ad__rand_int(&s, 2, 12);
        size_t len = (size_t)ad__rand_int(&s, 2, 9);
        make_prog(&P, &s, n, chains, len, smooth);
        ad_fn f = prog_fn(&P);
        size_t m = P.m;
        double *x = xmalloc(n * sizeof *x), *J = xmalloc(m * n * sizeof *J);
        double *c = xmalloc(n * sizeof *c);
        double *H = xmalloc(n * n * sizeof *H);
        int *seenJ = xcalloc(m * n, sizeof *seenJ);
        int *seenH = xcalloc(n * n, sizeof *seenH);
        fill_random(&s, c, n, 0.5, 1.5);
        normalize(&P, c);
        ad_pattern *PJ, *PH;
        OK(ad_sparsity(&f, c, &PJ));
        OK(ad_hessian_sparsity(&f, c, &PH));
        for (int pt = 0; pt < 4; pt++) {
            near(&s, c, x, n);
            /* Recorded at each point: the comparisons may go either way. */
            ad_tape *t = record(&f, x);
            OK(ad_tape_jacobian(t, NULL, J));
            OK(ad_tape_hessian(t, NULL, H));
            check_superset(PJ, J, m, n, "random program, Jacobian");
            check_superset(PH, H, n, n, "random program, Hessian");
            for (size_t k = 0; k < m * n; k++)
                seenJ[k] |= J[k] != 0.0;
            for (size_t k = 0; k < n * n; k++)
                seenH[k] |= H[k] != 0.0;
            ad_tape_free(t);
        }
        /* Symmetric, both triangles. */
        for (size_t i = 0; i < n; i++)
            for (size_t e = PH->rowptr[i]; e < PH->rowptr[i + 1]; e++)
                cr_assert(has(PH, PH->col[e], i), "H pattern symmetric");
        if (smooth) {
            size_t hj = 0, hh = 0;
            for (size_t k = 0; k < m * n; k++)
                hj += (size_t)seenJ[k];
            for (size_t k = 0; k < n * n; k++)
                hh += (size_t)seenH[k];
            cr_assert_eq(hj, PJ->nnz,
                         "trial %d: Jacobian pattern %zu, dense %zu", trial,
                         PJ->nnz, hj);
            cr_assert_eq(hh, PH->nnz,
                         "trial %d: Hessian pattern %zu, dense %zu", trial,
                         PH->nnz, hh);
        }
        ad_pattern_free(PJ);
        ad_pattern_free(PH);
        free(x);
        free(c);
        free(J);
        free(H);
        free(seenJ);
        free(seenH);
    }
}

Test(sparse, random_programs_smooth_patterns_exact)
{
    random_programs(1, 0x5eed0002);
}

Test(sparse, random_programs_branchy_patterns_superset)
{
    random_programs(0, 0x5eed0003);
}

Test(sparse, pattern_of_loaded_tape)
{
    sp_params p = {9, 0.5};
    ad_fn f = rd1_fn(&p);
    double x[9] = {0};
    ad_tape *t = record(&f, x), *u = ad_tape_new();
    const char *path = "test-sparse.admix";
    OK(ad_tape_save(t, path));
    OK(ad_tape_load(u, path));
    remove(path);
    ad_pattern *A, *B;
    OK(ad_tape_sparsity(t, &A));
    OK(ad_tape_sparsity(u, &B));
    cr_assert_eq(A->nnz, B->nnz);
    cr_assert(memcmp(A->rowptr, B->rowptr, 10 * sizeof *A->rowptr) == 0);
    cr_assert(memcmp(A->col, B->col, A->nnz * sizeof *A->col) == 0);
    ad_pattern_free(A);
    ad_pattern_free(B);
    ad_tape_free(t);
    ad_tape_free(u);
}

/* ---- Hessian patterns ---------------------------------------------------- */

Test(sparse, hessian_pattern_rosenbrock_tridiagonal)
{
    sp_params p = {100000, 0.0};
    ad_fn f = rosen_fn(&p);
    double *x = xcalloc(p.n, sizeof *x);
    ad_pattern *H;
    OK(ad_hessian_sparsity(&f, x, &H));
    cr_assert_eq(H->nnz, 3 * p.n - 2);
    for (size_t i = 0; i < p.n; i++)
        for (size_t e = H->rowptr[i]; e < H->rowptr[i + 1]; e++) {
            size_t j = H->col[e];
            cr_assert(j + 1 >= i && j <= i + 1, "(%zu, %zu)", i, j);
        }
    ad_pattern_free(H);
    free(x);
}

Test(sparse, hessian_pattern_linear_and_dense)
{
    /* A linear function accumulated in a loop: empty Hessian.  (sum x)^2:
     * dense, and the partial sums of the loop cost O(n), not O(n^2). */
    sp_params p = {100000, 0.0};
    ad_fn f = linsum_fn(&p);
    double *x = xcalloc(p.n, sizeof *x);
    ad_pattern *H;
    OK(ad_hessian_sparsity(&f, x, &H));
    cr_assert_eq(H->nnz, 0);
    ad_pattern_free(H);
    p.n = 1500;
    f = sumsq_fn(&p);
    OK(ad_hessian_sparsity(&f, x, &H));
    cr_assert_eq(H->nnz, p.n * p.n);
    ad_pattern_free(H);
    free(x);
}

Test(sparse, hessian_pattern_arrays_against_dense)
{
    ad_fn f = arrays_fn(NULL);
    uint64_t s = 0x5eed0004;
    double x[12], H[144];
    int seen[144] = {0};
    fill_random(&s, x, 12, 0.5, 1.5);
    ad_pattern *P;
    OK(ad_hessian_sparsity(&f, x, &P));
    ad_tape *t = record(&f, x);
    for (int trial = 0; trial < 5; trial++) {
        fill_random(&s, x, 12, 0.5, 1.5);
        OK(ad_tape_hessian(t, x, H));
        check_superset(P, H, 12, 12, "arrays, Hessian");
        for (size_t k = 0; k < 144; k++)
            seen[k] |= H[k] != 0.0;
    }
    size_t hit = 0;
    for (size_t k = 0; k < 144; k++)
        hit += (size_t)seen[k];
    cr_assert_eq(hit, P->nnz, "pattern %zu, dense union %zu", P->nnz, hit);
    ad_pattern_free(P);
    ad_tape_free(t);
}

/* ---- colorings ----------------------------------------------------------- */

/* A pattern from a 0/1 matrix given as strings ("x.x", ...). */
static ad_pattern *from_rows(size_t m, const char *const *rows)
{
    size_t n = strlen(rows[0]), nnz = 0;
    ad_pattern *P = ad_pattern_new(m, n, m * n);
    cr_assert(P != NULL);
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++)
            if (rows[i][j] == 'x')
                P->col[nnz++] = j;
        P->rowptr[i + 1] = nnz;
    }
    P->nnz = nnz;
    OK(ad_pattern_check(P));
    return P;
}

Test(sparse, coloring_small_patterns)
{
    size_t color[8], nc;
    /* An arrowhead: columns all meet row 0 (n colors); its symmetric
     * graph is a star (2 star colors). */
    const char *arrow[] = {"xxxxxx", "xx....", "x.x...",
                           "x..x..", "x...x.", "x....x"};
    ad_pattern *A = from_rows(6, arrow);
    OK(ad_color_columns(A, color, &nc));
    cr_assert_eq(nc, 6);
    check_d2(A, color, nc, 0);
    OK(ad_color_star(A, color, &nc));
    cr_assert_eq(nc, 2);
    check_star(A, color, nc);
    ad_pattern_free(A);
    /* A large arrowhead: its hub has more neighbours than the star
     * coloring scans (it counts them in a table instead). */
    size_t na = 200, *ca = xmalloc(na * sizeof *ca);
    A = ad_pattern_new(na, na, 3 * na);
    for (size_t i = 0; i < na; i++) {
        if (i == 0)
            for (size_t j = 0; j < na; j++)
                A->col[A->nnz++] = j;
        else {
            A->col[A->nnz++] = 0;
            A->col[A->nnz++] = i;
        }
        A->rowptr[i + 1] = A->nnz;
    }
    OK(ad_color_star(A, ca, &nc));
    cr_assert_eq(nc, 2);
    check_star(A, ca, nc);
    OK(ad_color_rows(A, ca, &nc));
    cr_assert_eq(nc, na);
    ad_pattern_free(A);
    free(ca);
    /* Diagonal: 1 color; the star coloring of an edgeless graph too. */
    const char *diag[] = {"x...", ".x..", "..x.", "...x"};
    A = from_rows(4, diag);
    OK(ad_color_columns(A, color, &nc));
    cr_assert_eq(nc, 1);
    OK(ad_color_rows(A, color, &nc));
    cr_assert_eq(nc, 1);
    OK(ad_color_star(A, color, &nc));
    cr_assert_eq(nc, 1);
    ad_pattern_free(A);
    /* A path on 8 vertices (tridiagonal): 3 star colors (2 would leave a
     * two-colored path), 3 distance-2 colors. */
    const char *path[] = {"xx......", "xxx.....", ".xxx....", "..xxx...",
                          "...xxx..", "....xxx.", ".....xxx", "......xx"};
    A = from_rows(8, path);
    OK(ad_color_star(A, color, &nc));
    cr_assert_eq(nc, 3);
    check_star(A, color, nc);
    OK(ad_color_columns(A, color, &nc));
    cr_assert_eq(nc, 3);
    check_d2(A, color, nc, 0);
    ad_pattern_free(A);
    /* Wide and short: rows colored need 2, columns 4. */
    const char *wide[] = {"xx..", "..xx", "x.x."};
    A = from_rows(3, wide);
    OK(ad_color_rows(A, color, &nc));
    cr_assert_eq(nc, 2);
    check_d2(A, color, nc, 1);
    OK(ad_color_columns(A, color, &nc));
    check_d2(A, color, nc, 0);
    ad_pattern_free(A);
}

Test(sparse, coloring_random_patterns_valid)
{
    uint64_t s = 0x5eed0005;
    for (int trial = 0; trial < 30; trial++) {
        size_t m = (size_t)ad__rand_int(&s, 1, 60);
        size_t n = (size_t)ad__rand_int(&s, 1, 60);
        size_t per = (size_t)ad__rand_int(&s, 0, 6);
        ad_pattern *P = ad_pattern_new(m, n, m * n);
        char *row = xmalloc(n);
        for (size_t i = 0; i < m; i++) {
            memset(row, 0, n);
            for (size_t k = 0; k < per; k++)
                row[ad__rand_int(&s, 0, (long)n - 1)] = 1;
            /* Now and then a dense row: a hub of high degree. */
            if (i == 0 && trial % 3 == 0)
                memset(row, 1, n);
            for (size_t j = 0; j < n; j++)
                if (row[j])
                    P->col[P->nnz++] = j;
            P->rowptr[i + 1] = P->nnz;
        }
        size_t *color = xmalloc((m > n ? m : n) * sizeof *color), nc;
        OK(ad_color_columns(P, color, &nc));
        check_d2(P, color, nc, 0);
        OK(ad_color_rows(P, color, &nc));
        check_d2(P, color, nc, 1);
        /* Symmetrised square part for the star coloring. */
        ad_pattern *T, *S = ad_pattern_new(n, n, 2 * n * n);
        OK(ad_pattern_transpose(P, &T));
        char *dense = xcalloc(n * n, 1);
        for (size_t i = 0; i < m && i < n; i++)
            for (size_t e = P->rowptr[i]; e < P->rowptr[i + 1]; e++)
                dense[i * n + P->col[e]] = dense[P->col[e] * n + i] = 1;
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n; j++)
                if (dense[i * n + j])
                    S->col[S->nnz++] = j;
            S->rowptr[i + 1] = S->nnz;
        }
        OK(ad_color_star(S, color, &nc));
        check_star(S, color, nc);
        ad_pattern_free(S);
        ad_pattern_free(T);
        ad_pattern_free(P);
        free(dense);
        free(color);
        free(row);
    }
}

/* ---- compressed Jacobians ------------------------------------------------ */

/* The sparse Jacobian of f at x: colors, values bitwise equal to the
 * dense forward Jacobian (n <= m) when dense is set. */
static size_t jacobian_case(const ad_fn *f, const double *x, int dense)
{
    ad_sparse *J;
    OK(ad_sparse_jacobian(f, x, &J));
    cr_assert_eq(J->hessian, 0);
    cr_assert_eq(J->dir, AD_SPARSE_FORWARD);
    check_d2(J->pattern, J->color, J->ncolors, 0);
    if (dense) {
        ad_tape *t = record(f, x);
        double *D = xmalloc(f->m * f->n * sizeof *D);
        OK(ad_tape_jacobian(t, NULL, D));
        check_values(J, D, 0.0, f->name);
        free(D);
        ad_tape_free(t);
    }
    size_t nc = J->ncolors;
    ad_sparse_free(J);
    return nc;
}

Test(sparse, jacobian_tridiagonal_three_colors)
{
    size_t sizes[] = {4, 10, 100, 10000};
    for (size_t s = 0; s < 4; s++) {
        sp_params p = {sizes[s], 0.85};
        ad_fn f = rd1_fn(&p);
        double *x = xmalloc(p.n * sizeof *x);
        for (size_t i = 0; i < p.n; i++)
            x[i] = sin(0.37 * (double)i);
        size_t nc = jacobian_case(&f, x, p.n <= 100);
        cr_assert_eq(nc, 3, "n = %zu: %zu colors", p.n, nc);
        free(x);
    }
}

Test(sparse, jacobian_tridiagonal_large_analytic)
{
    sp_params p = {10000, 0.85};
    ad_fn f = rd1_fn(&p);
    double *x = xmalloc(p.n * sizeof *x);
    for (size_t i = 0; i < p.n; i++)
        x[i] = cos(0.013 * (double)i);
    ad_sparse *J;
    OK(ad_sparse_jacobian(&f, x, &J));
    double h2 = 1.0 / (double)((p.n + 1) * (p.n + 1));
    const ad_pattern *P = J->pattern;
    for (size_t i = 0; i < p.n; i++)
        for (size_t e = P->rowptr[i]; e < P->rowptr[i + 1]; e++) {
            size_t j = P->col[e];
            double want = j == i ? -2.0 / h2 + p.lambda * exp(x[i]) : 1.0 / h2;
            cr_assert_leq(fabs(J->val[e] - want), 1e-15 * fabs(want),
                          "(%zu, %zu): %.17g, want %.17g", i, j, J->val[e],
                          want);
        }
    ad_sparse_free(J);
    free(x);
}

Test(sparse, jacobian_bratu_five_colors)
{
    size_t grids[] = {2, 3, 10, 100};
    for (size_t s = 0; s < 4; s++) {
        sp_params p = {grids[s], 6.0};
        size_t n = p.n * p.n;
        ad_fn f = bratu_fn(&p);
        double *x = xmalloc(n * sizeof *x);
        for (size_t i = 0; i < n; i++)
            x[i] = 0.3 * sin(0.11 * (double)i);
        size_t nc = jacobian_case(&f, x, n <= 100);
        /* A 2 x 2 grid has rows of 3 entries, a 4-cycle: 4 colors at
         * most; from 3 x 3 on the 5 entries of an inner row need 5. */
        cr_assert(p.n == 2 ? nc <= 4 : nc == 5, "grid %zu: %zu colors", p.n,
                  nc);
        free(x);
    }
}

Test(sparse, jacobian_reverse_and_reuse)
{
    /* Forced reverse: rows colored, values bitwise equal to the dense
     * reverse Jacobian (vjp with the identity); then refilled in place at
     * new points, forward and reverse, against the dense ones there. */
    static prog P;
    uint64_t s = 0x5eed0006;
    make_prog(&P, &s, 20, 10, 6, 0);
    ad_fn f = prog_fn(&P);
    size_t n = P.n, m = P.m;
    double *x = xmalloc(n * sizeof *x), *D = xmalloc(m * n * sizeof *D);
    double *Id = xcalloc(m * m, sizeof *Id);
    for (size_t i = 0; i < m; i++)
        Id[i * m + i] = 1.0;
    fill_random(&s, x, n, 0.5, 1.5);
    normalize(&P, x);
    ad_tape *t = record(&f, x);
    ad_sparse *Jr, *Jf, *Ja;
    OK(ad_sparse_jacobian_new(t, AD_SPARSE_REVERSE, &Jr));
    OK(ad_sparse_jacobian_new(t, AD_SPARSE_FORWARD, &Jf));
    OK(ad_sparse_jacobian_new(t, AD_SPARSE_AUTO, &Ja));
    cr_assert_eq(Jr->dir, AD_SPARSE_REVERSE);
    cr_assert_eq(Jf->dir, AD_SPARSE_FORWARD);
    cr_assert_eq(Ja->ncolors,
                 Jr->ncolors < Jf->ncolors ? Jr->ncolors : Jf->ncolors);
    check_d2(Jr->pattern, Jr->color, Jr->ncolors, 1);
    for (int pt = 0; pt < 3; pt++) {
        double *xp = pt == 0 ? NULL : x;
        if (pt > 0) {
            /* Away from the recorded comparisons' edges: a small step. */
            for (size_t i = 0; i < n; i++)
                x[i] += 1e-9 * (double)(i + 1);
        }
        OK(ad_sparse_jacobian_tape(t, xp, Jr));
        OK(ad_tape_vjp_multi(t, xp, m, Id, NULL, D));
        check_values(Jr, D, 0.0, "reverse");
        OK(ad_sparse_jacobian_tape(t, xp, Jf));
        double *V = xcalloc(n * n, sizeof *V);
        for (size_t i = 0; i < n; i++)
            V[i * n + i] = 1.0;
        OK(ad_tape_jvp_multi(t, xp, n, V, NULL, D));
        check_values(Jf, D, 0.0, "forward");
        free(V);
    }
    ad_sparse_free(Jr);
    ad_sparse_free(Jf);
    ad_sparse_free(Ja);
    ad_tape_free(t);
    free(x);
    free(D);
    free(Id);
}

Test(sparse, jacobian_random_programs_equal_dense)
{
    static prog P;
    uint64_t s = 0x5eed0007;
    for (int trial = 0; trial < 10; trial++) {
        size_t n = (size_t)ad__rand_int(&s, 6, 30);
        /* The draws in sequence: argument order is unspecified. */
        size_t chains = (size_t)ad__rand_int(&s, 6, 20);
        size_t len = (size_t)ad__rand_int(&s, 2, 8);
        make_prog(&P, &s, n, chains, len, trial % 2);
        ad_fn f = prog_fn(&P);
        double *x = xmalloc(n * sizeof *x), *D = xmalloc(P.m * n * sizeof *D);
        fill_random(&s, x, n, 0.5, 1.5);
        normalize(&P, x);
        ad_sparse *J;
        OK(ad_sparse_jacobian(&f, x, &J));
        ad_tape *t = record(&f, x);
        OK(ad_tape_jacobian(t, NULL, D));
        /* Bitwise when both ran forward (n <= m for the dense one). */
        int same = J->dir == AD_SPARSE_FORWARD && n <= P.m;
        check_values(J, D, same ? 0.0 : 1e-14, "random program");
        ad_sparse_free(J);
        ad_tape_free(t);
        free(x);
        free(D);
    }
}

/* ---- compressed Hessians ------------------------------------------------- */

static size_t hessian_case(const ad_fn *f, const double *x, int dense)
{
    ad_sparse *H;
    OK(ad_sparse_hessian(f, x, &H));
    cr_assert_eq(H->hessian, 1);
    check_star(H->pattern, H->color, H->ncolors);
    if (dense) {
        ad_tape *t = record(f, x);
        double *D = xmalloc(f->n * f->n * sizeof *D);
        OK(ad_tape_hessian(t, NULL, D));
        check_values(H, D, 1e-14, f->name);
        free(D);
        ad_tape_free(t);
    }
    size_t nc = H->ncolors;
    ad_sparse_free(H);
    return nc;
}

Test(sparse, hessian_rosenbrock_three_colors)
{
    size_t sizes[] = {4, 10, 100, 10000};
    for (size_t s = 0; s < 4; s++) {
        sp_params p = {sizes[s], 0.0};
        ad_fn f = rosen_fn(&p);
        double *x = xmalloc(p.n * sizeof *x);
        for (size_t i = 0; i < p.n; i++)
            x[i] = -1.2 + 0.7 * sin(0.5 * (double)i);
        /* The Hessian is tridiagonal, its graph a path: star chromatic
         * number 3 from 4 vertices on. */
        size_t nc = hessian_case(&f, x, p.n <= 100);
        cr_assert_eq(nc, 3, "n = %zu: %zu colors", p.n, nc);
        free(x);
    }
}

Test(sparse, hessian_rosenbrock_large_analytic)
{
    sp_params p = {10000, 0.0};
    ad_fn f = rosen_fn(&p);
    double *x = xmalloc(p.n * sizeof *x);
    for (size_t i = 0; i < p.n; i++)
        x[i] = 0.9 + 0.2 * cos(0.3 * (double)i);
    ad_sparse *H;
    OK(ad_sparse_hessian(&f, x, &H));
    const ad_pattern *P = H->pattern;
    size_t n = p.n;
    for (size_t i = 0; i < n; i++)
        for (size_t e = P->rowptr[i]; e < P->rowptr[i + 1]; e++) {
            size_t j = P->col[e];
            double want;
            if (j == i)
                want =
                    (i + 1 < n ? 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0
                               : 0.0) +
                    (i > 0 ? 200.0 : 0.0);
            else
                want = -400.0 * x[i < j ? i : j];
            cr_assert_leq(fabs(H->val[e] - want), 1e-13 * fabs(want),
                          "(%zu, %zu): %.17g, want %.17g", i, j, H->val[e],
                          want);
        }
    ad_sparse_free(H);
    free(x);
}

Test(sparse, hessian_grid_energy)
{
    size_t grids[] = {3, 8, 60};
    for (size_t s = 0; s < 3; s++) {
        sp_params p = {grids[s], 0.0};
        size_t n = p.n * p.n;
        ad_fn f = grid_energy_fn(&p);
        double *x = xmalloc(n * sizeof *x);
        for (size_t i = 0; i < n; i++)
            x[i] = 0.4 * cos(0.7 * (double)i);
        ad_pattern *P;
        OK(ad_hessian_sparsity(&f, x, &P));
        cr_assert_eq(P->nnz, n + 4 * p.n * (p.n - 1), "5-point pattern");
        ad_pattern_free(P);
        size_t nc = hessian_case(&f, x, n <= 64);
        /* The grid graph is star colorable with 5 colors; greedy needs a
         * few more at most. */
        cr_assert_leq(nc, 7, "grid %zu: %zu colors", p.n, nc);
        free(x);
    }
}

Test(sparse, hessian_arrays_and_random_programs)
{
    ad_fn f = arrays_fn(NULL);
    uint64_t s = 0x5eed0008;
    double x[40];
    fill_random(&s, x, 12, 0.5, 1.5);
    hessian_case(&f, x, 1);
    static prog P;
    for (int trial = 0; trial < 10; trial++) {
        size_t n = (size_t)ad__rand_int(&s, 6, 40);
        /* The draws in sequence: argument order is unspecified. */
        size_t chains = (size_t)ad__rand_int(&s, 2, 12);
        size_t len = (size_t)ad__rand_int(&s, 2, 8);
        make_prog(&P, &s, n, chains, len, trial % 2);
        ad_fn g = prog_fn(&P);
        fill_random(&s, x, n, 0.5, 1.5);
        normalize(&P, x);
        hessian_case(&g, x, 1);
    }
}

Test(sparse, hessian_reuse_at_new_points)
{
    sp_params p = {50, 0.0};
    ad_fn f = grid_energy_fn(&p);
    size_t n = 2500;
    double *x = xmalloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.1 * (double)(i % 7);
    ad_tape *t = record(&f, x);
    ad_sparse *H;
    OK(ad_sparse_hessian_new(t, &H));
    double *hv = xmalloc(n * sizeof *hv), *e = xcalloc(n, sizeof *e);
    for (int pt = 0; pt < 2; pt++) {
        for (size_t i = 0; i < n; i++)
            x[i] = 0.3 * sin((double)(i * (pt + 2)));
        OK(ad_sparse_hessian_tape(t, x, H));
        /* Columns 0, 777 and n-1 against Hessian-vector products. */
        size_t cols[] = {0, 777, n - 1};
        for (int c = 0; c < 3; c++) {
            e[cols[c]] = 1.0;
            OK(ad_tape_hvp(t, x, e, hv));
            e[cols[c]] = 0.0;
            const ad_pattern *P = H->pattern;
            size_t j = cols[c];
            for (size_t i = 0; i < n; i++) {
                double got = 0.0;
                for (size_t k = P->rowptr[i]; k < P->rowptr[i + 1]; k++)
                    if (P->col[k] == j)
                        got = H->val[k];
                cr_assert_leq(fabs(got - hv[i]), 1e-14 * (1.0 + fabs(hv[i])),
                              "H(%zu, %zu) %.17g, hvp %.17g", i, j, got, hv[i]);
            }
        }
    }
    ad_sparse_free(H);
    ad_tape_free(t);
    free(x);
    free(hv);
    free(e);
}

/* ---- custom primitives --------------------------------------------------- */

/* F(x0, x1, x2) = (x0 x1, sin x2) as user code. */
static int cu_value(const void *ctx, size_t n, const double *x, size_t m,
                    double *y)
{
    (void)ctx, (void)n, (void)m;
    y[0] = x[0] * x[1];
    y[1] = sin(x[2]);
    return 0;
}

static int cu_jvp(const void *ctx, size_t n, const double *x, const double *y,
                  const double *v, size_t m, double *jv)
{
    (void)ctx, (void)n, (void)y, (void)m;
    jv[0] = x[1] * v[0] + x[0] * v[1];
    jv[1] = cos(x[2]) * v[2];
    return 0;
}

static int cu_vjp(const void *ctx, size_t n, const double *x, const double *y,
                  const double *w, size_t m, double *wj)
{
    (void)ctx, (void)n, (void)y, (void)m;
    wj[0] = w[0] * x[1];
    wj[1] = w[0] * x[0];
    wj[2] = w[1] * cos(x[2]);
    return 0;
}

static int cu_hvp(const void *ctx, size_t n, const double *x, const double *y,
                  const double *w, const double *v, size_t m, double *hv)
{
    (void)ctx, (void)n, (void)m;
    hv[0] = w[0] * v[1];
    hv[1] = w[0] * v[0];
    hv[2] = -w[1] * y[1] * v[2];
    (void)x;
    return 0;
}

static const ad_custom cu_op = {"xy_sin", cu_value, cu_jvp,
                                cu_vjp,   cu_hvp,   NULL};

/* y0 = F0 + x3, y1 = F1 x4, y2 = x5^2, recorded on a new tape. */
static ad_tape *record_custom(const double *x)
{
    ad_tape *t = ad_tape_new();
    ad_var xv[6], u[2], y[3];
    OK(ad_tape_begin(t));
    OK(ad_independent_array(6, x, xv));
    OK(ad_custom_var(&cu_op, 3, xv, 2, u));
    y[0] = ad_add(u[0], xv[3]);
    y[1] = ad_mul(u[1], xv[4]);
    y[2] = ad_sqr(xv[5]);
    OK(ad_dependent_array(3, y));
    OK(ad_tape_end(t));
    return t;
}

Test(sparse, custom_node_dense_within)
{
    /* A custom node is opaque: each of its outputs depends on each of its
     * inputs, and they interact (a superset of the truth, never less). */
    double x[6] = {0.7, -1.3, 0.4, 2.1, 0.9, -0.6};
    ad_tape *t = record_custom(x);
    ad_pattern *J, *H;
    OK(ad_tape_sparsity(t, &J));
    size_t want[] = {0, 1, 2, 3, 0, 1, 2, 4, 5};
    cr_assert_eq(J->nnz, 9);
    cr_assert(J->rowptr[1] == 4 && J->rowptr[2] == 8);
    for (size_t k = 0; k < 9; k++)
        cr_assert_eq(J->col[k], want[k]);
    OK(ad_tape_hessian_sparsity(t, &H));
    cr_assert_eq(H->nnz, 9, "output 0: x0..x2 with each other");
    for (size_t i = 0; i < 3; i++)
        cr_assert(H->rowptr[i + 1] - H->rowptr[i] == 3);
    ad_pattern_free(J);
    ad_pattern_free(H);
    /* Values: the dense ones, bitwise for the (forward) Jacobian. */
    ad_sparse *SJ, *SH;
    double DJ[18], DH[36];
    OK(ad_sparse_jacobian_new(t, AD_SPARSE_FORWARD, &SJ));
    OK(ad_sparse_jacobian_tape(t, NULL, SJ));
    double V[36] = {0};
    for (size_t i = 0; i < 6; i++)
        V[i * 6 + i] = 1.0;
    OK(ad_tape_jvp_multi(t, NULL, 6, V, NULL, DJ));
    check_values(SJ, DJ, 0.0, "custom, Jacobian");
    OK(ad_sparse_hessian_new(t, &SH));
    OK(ad_sparse_hessian_tape(t, NULL, SH));
    OK(ad_tape_hessian(t, NULL, DH));
    check_values(SH, DH, 1e-15, "custom, Hessian");
    cr_assert_eq(DH[1], 1.0);
    ad_sparse_free(SJ);
    ad_sparse_free(SH);
    ad_tape_free(t);
}

/* ---- output formats ------------------------------------------------------ */

Test(sparse, triplets_dense_and_gsl)
{
    sp_params p = {3, 6.0};
    ad_fn f = bratu_fn(&p);
    double x[9];
    for (size_t i = 0; i < 9; i++)
        x[i] = 0.05 * (double)i;
    ad_sparse *J;
    OK(ad_sparse_jacobian(&f, x, &J));
    size_t nnz = J->pattern->nnz;
    size_t *r = xmalloc(nnz * sizeof *r), *c = xmalloc(nnz * sizeof *c);
    double *v = xmalloc(nnz * sizeof *v), D[81];
    OK(ad_sparse_to_triplet(J, r, c, v));
    OK(ad_sparse_to_triplet(J, NULL, c, NULL));
    OK(ad_sparse_to_dense(J, D));
    gsl_spmatrix *G;
    OK(ad_sparse_to_gsl(J, &G));
    cr_assert(GSL_SPMATRIX_ISCSR(G));
    cr_assert_eq(gsl_spmatrix_nnz(G), nnz);
    for (size_t k = 0; k < nnz; k++) {
        cr_assert_eq(v[k], D[r[k] * 9 + c[k]]);
        cr_assert_eq(gsl_spmatrix_get(G, r[k], c[k]), v[k]);
        cr_assert(k == 0 || r[k] > r[k - 1] ||
                  (r[k] == r[k - 1] && c[k] > c[k - 1]));
    }
    size_t zeros = 0;
    for (size_t k = 0; k < 81; k++)
        zeros += D[k] == 0.0;
    cr_assert_eq(zeros, 81 - nnz);
    gsl_spmatrix_free(G);
    ad_sparse_free(J);
    free(r);
    free(c);
    free(v);
}

/* ---- errors -------------------------------------------------------------- */

Test(sparse, errors)
{
    sp_params p = {5, 1.0};
    ad_fn f = rd1_fn(&p);
    double x[5] = {0.1, 0.2, 0.3, 0.4, 0.5};
    ad_pattern *P = NULL;
    ad_sparse *S = NULL;
    size_t color[5], nc;

    IS(ad_sparsity(NULL, x, &P), AD_EINVAL);
    IS(ad_sparsity(&f, NULL, &P), AD_EINVAL);
    IS(ad_sparsity(&f, x, NULL), AD_EINVAL);
    IS(ad_sparse_jacobian(NULL, x, &S), AD_EINVAL);
    IS(ad_sparse_hessian(&f, x, NULL), AD_EINVAL);
    ad_fn g = f;
    g.n = 0;
    IS(ad_sparsity(&g, x, &P), AD_EINVAL);
    IS(ad_sparse_jacobian(&g, x, &S), AD_EINVAL);
    g = f;
    g.m = 0;
    IS(ad_hessian_sparsity(&g, x, &P), AD_EINVAL);
    g = f;
    g.f_var = NULL;
    IS(ad_sparsity(&g, x, &P), AD_EUNSUPPORTED);
    IS(ad_sparse_jacobian(&g, x, &S), AD_EUNSUPPORTED);
    IS(ad_sparse_hessian(&g, x, &S), AD_EUNSUPPORTED);
    cr_expect(P == NULL && S == NULL);

    /* Tapes: NULL, never recorded, recording, failed, without outputs. */
    IS(ad_tape_sparsity(NULL, &P), AD_EINVAL);
    ad_tape *t = ad_tape_new(), *t2 = ad_tape_new();
    IS(ad_tape_sparsity(t, &P), AD_EINVAL);
    IS(ad_tape_hessian_sparsity(t, &P), AD_EINVAL);
    IS(ad_sparse_jacobian_new(t, AD_SPARSE_AUTO, &S), AD_EINVAL);
    OK(ad_tape_begin(t));
    ad_var v = ad_independent(1.5);
    ad_dependent(ad_sin(v));
    IS(ad_tape_sparsity(t, &P), AD_EINVAL);
    OK(ad_tape_end(t));
    IS(ad_tape_sparsity(t, NULL), AD_EINVAL);
    /* A fresh tape: a used one reuses its blocks, under any cap. */
    OK(ad_tape_set_limit(t2, 64));
    OK(ad_tape_begin(t2));
    v = ad_independent(1.5);
    for (int i = 0; i < 1000; i++)
        v = ad_sin(v);
    ad_dependent(v);
    IS(ad_tape_end(t2), AD_ENOMEM);
    IS(ad_tape_sparsity(t2, &P), AD_EINVAL);
    IS(ad_sparse_hessian_new(t2, &S), AD_EINVAL);
    IS(ad_sparse_jacobian_new(t2, AD_SPARSE_AUTO, &S), AD_EINVAL);
    ad_tape_free(t2);
    OK(ad_tape_begin(t));
    ad_independent(1.5);
    OK(ad_tape_end(t));
    OK(ad_tape_sparsity(t, &P)); /* 0 x 1: fine */
    cr_assert_eq(P->m, 0);
    ad_pattern_free(P);
    IS(ad_tape_hessian_sparsity(t, &P), AD_EINVAL);
    IS(ad_sparse_jacobian_new(t, 7, &S), AD_EINVAL);
    ad_tape_free(t);

    /* Patterns: NULL, malformed, non-square for a star coloring. */
    IS(ad_color_columns(NULL, color, &nc), AD_EINVAL);
    const char *rows[] = {"xx.", ".xx"};
    P = from_rows(2, rows);
    IS(ad_color_columns(P, NULL, &nc), AD_EINVAL);
    IS(ad_color_rows(P, color, NULL), AD_EINVAL);
    IS(ad_color_star(P, color, &nc), AD_EINVAL);
    P->col[1] = 0; /* not increasing */
    IS(ad_pattern_check(P), AD_EINVAL);
    IS(ad_color_columns(P, color, &nc), AD_EINVAL);
    P->col[1] = 3; /* out of range */
    IS(ad_color_columns(P, color, &nc), AD_EINVAL);
    ad_pattern *T = NULL;
    IS(ad_pattern_transpose(P, &T), AD_EINVAL);
    P->col[1] = 1;
    P->rowptr[2] = 3; /* rowptr[m] != nnz */
    IS(ad_pattern_check(P), AD_EINVAL);
    ad_pattern_free(P);
    ad_pattern_free(NULL);

    /* An ad_sparse on the wrong tape or of the wrong kind. */
    t = record(&f, x);
    ad_sparse *J, *H;
    OK(ad_sparse_jacobian_new(t, AD_SPARSE_AUTO, &J));
    sp_params q = {4, 1.0};
    ad_fn f4 = rosen_fn(&q);
    ad_tape *u = record(&f4, x);
    OK(ad_sparse_hessian_new(u, &H));
    IS(ad_sparse_jacobian_tape(u, NULL, J), AD_EINVAL);
    IS(ad_sparse_jacobian_tape(t, NULL, H), AD_EINVAL);
    IS(ad_sparse_hessian_tape(u, NULL, J), AD_EINVAL);
    IS(ad_sparse_hessian_tape(t, NULL, H), AD_EINVAL);
    IS(ad_sparse_jacobian_tape(NULL, NULL, J), AD_EINVAL);
    IS(ad_sparse_jacobian_tape(t, NULL, NULL), AD_EINVAL);
    IS(ad_sparse_to_triplet(NULL, NULL, NULL, NULL), AD_EINVAL);
    IS(ad_sparse_to_dense(J, NULL), AD_EINVAL);
    IS(ad_sparse_to_gsl(J, NULL), AD_EINVAL);
    ad_sparse_free(J);
    ad_sparse_free(H);
    ad_sparse_free(NULL);
    ad_tape_free(t);
    ad_tape_free(u);
}

Test(sparse, flipped_branch_is_retape)
{
    ad_fn f = branchy_fn(NULL);
    double x0[3] = {0.5, 1.5, 2.0}, x1[3] = {1.5, 0.5, 2.0};
    ad_tape *t = record(&f, x0);
    ad_sparse *J;
    OK(ad_sparse_jacobian_new(t, AD_SPARSE_AUTO, &J));
    OK(ad_sparse_jacobian_tape(t, x0, J));
    cr_assert_eq(J->val[0], x0[1]); /* d(x0 x1)/dx0 */
    IS(ad_sparse_jacobian_tape(t, x1, J), AD_ERETAPE);
    ad_sparse_free(J);
    ad_sparse *H;
    OK(ad_sparse_hessian_new(t, &H));
    IS(ad_sparse_hessian_tape(t, x1, H), AD_ERETAPE);
    OK(ad_sparse_hessian_tape(t, x0, H));
    double D[9];
    OK(ad_sparse_to_dense(H, D));
    cr_assert_eq(D[1], 1.0);
    cr_assert_eq(D[3], 1.0);
    cr_assert_eq(D[0], 0.0);
    ad_sparse_free(H);
    ad_tape_free(t);
}
