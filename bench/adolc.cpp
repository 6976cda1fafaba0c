/* adolc.cpp -- the benchmark problems through ADOL-C, behind the C interface
 * of adolc.h (compiled only when configure found ADOL-C; bench only), and
 * the ADOL-C drivers `bench mixed` compares with: hess_vec, jacobian and the
 * sparse Jacobian (sparse_jac, or jac_pat + fov_forward where this ADOL-C
 * was built without ColPack, as Debian's 2.7.2 is).
 *
 * Each problem is written with adouble in the same operation order as its
 * admix template, in the idiom of ADOL-C's own examples (operators on
 * adouble, trace_on / <<= / >>= / trace_off; Walther and Griewank, "Getting
 * started with ADOL-C", 2012, and the ADOL-C 2.7 manual).  Two choices keep
 * ADOL-C's side as fast as it can be without changing the math:
 *
 *   - the adoubles are made inside the recording, as in ADOL-C's examples:
 *     trace_on copies the values of all live adoubles onto the new tape
 *     (take_stock), so independents kept from one recording to the next
 *     would be copied every time; arrays of temporaries (Lorenz's stages)
 *     are made once per recording, outside the time loop;
 *   - s = s + e is written s += e, ADOL-C's own idiom (one operation on its
 *     tape instead of an operation and an assignment), the same sum in the
 *     same order;
 *   - every recording gets operation, location, value and Taylor buffers
 *     exactly as large as the tape (learned by a first recording), so that
 *     the tape and the values kept for the reverse sweep stay in memory
 *     (with ADOL-C's default buffers a tape this size goes to files).
 */
#include <adolc/adolc.h>
#include <adolc/adolc_sparse.h>

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "adolc.h"

namespace
{

/* The tags the benchmark may use. */
const int max_tag = 16;

/* Per tag: the number of inputs (0: the tag is not set up) and outputs,
 * and the buffer sizes of the recordings. */
struct slot {
    size_t n = 0, m = 0;
    unsigned obs = 0, lbs = 0, vbs = 0, tbs = 0;
};
slot slots[max_tag];

/* Per tag: its sparse Jacobian (ad_bench_adolc_sparse_setup). */
struct sparse_jacobian {
    bool on = false;
    bool native = false; /* sparse_jac; else jac_pat + fov_forward */
    int options[4] = {0, 0, 0, 0};
    /* sparse_jac's triplets (malloc'd by ADOL-C, freed here). */
    int nnz = 0;
    unsigned int *rind = nullptr, *cind = nullptr;
    double *values = nullptr;
    /* The other way: the pattern in CSR, the colors, the seed (n x p), the
     * compressed Jacobian (m x p) and the values in CSR order. */
    std::vector<size_t> rowptr, col, color, row_of;
    std::vector<double> val, y;
    size_t p = 0;
    double **seed = nullptr, **comp = nullptr;
};
sparse_jacobian sparse[max_tag];

void sparse_clear(sparse_jacobian &S)
{
    free(S.rind);
    free(S.cind);
    free(S.values);
    if (S.seed != nullptr)
        myfree2(S.seed);
    if (S.comp != nullptr)
        myfree2(S.comp);
    S = sparse_jacobian();
}

/* The number of outputs of problem p. */
size_t outputs(const ad_bench_adolc_problem *p)
{
    return p->kind == AD_BENCH_ADOLC_REACTION ? p->n : 1;
}

bool tag_ok(short tag)
{
    return tag > 0 && tag < max_tag;
}

/* ---- the problems: as rosen.inc, speelpenning.inc, mlp.inc, lorenz.inc --- */

void rosen(const ad_bench_adolc_problem *p, const adouble *x, double *y)
{
    adouble s = 0.0;
    for (size_t i = 0; i + 1 < p->n; i++) {
        adouble t = x[i + 1] - x[i] * x[i];
        adouble u = 1.0 - x[i];
        s += 100.0 * (t * t) + u * u;
    }
    s >>= *y;
}

void speel(const ad_bench_adolc_problem *p, const adouble *x, double *y)
{
    adouble s = 1.0;
    for (size_t i = 0; i < p->n; i++)
        s *= x[i];
    s >>= *y;
}

const size_t mlp_max_out = 16;

void mlp(const ad_bench_adolc_problem *p, const adouble *x, double *y)
{
    const size_t nin = p->nin, nhid = p->nhid, nout = p->nout;
    const adouble *w1 = x, *b1 = w1 + nhid * nin;
    const adouble *w2 = b1 + nhid, *b2 = w2 + nhid * nout;
    adouble z[mlp_max_out];
    for (size_t k = 0; k < nout; k++)
        z[k] = b2[k];
    for (size_t j = 0; j < nhid; j++) {
        const adouble *row = w1 + j * nin;
        adouble a = b1[j];
        for (size_t i = 0; i < nin; i++)
            a += row[i] * p->input[i];
        adouble h = tanh(a);
        for (size_t k = 0; k < nout; k++)
            z[k] += w2[j * nout + k] * h;
    }
    /* The shift of log-sum-exp is a constant, read from the values. */
    double m = z[0].value();
    for (size_t k = 1; k < nout; k++)
        if (z[k].value() > m)
            m = z[k].value();
    adouble s = 0.0;
    for (size_t k = 0; k < nout; k++)
        s += exp(z[k] - m);
    adouble loss = log(s) - (z[p->label] - m);
    loss >>= *y;
}

void lorenz_rhs(const adouble *s, const adouble &sigma, const adouble &rho,
                const adouble &beta, adouble *k)
{
    k[0] = sigma * (s[1] - s[0]);
    k[1] = s[0] * (rho - s[2]) - s[1];
    k[2] = s[0] * s[1] - beta * s[2];
}

void lorenz(const ad_bench_adolc_problem *p, const adouble *x, double *y)
{
    const double h = p->dt, h2 = 0.5 * p->dt, h6 = p->dt / 6.0;
    const adouble &sigma = x[3], &rho = x[4], &beta = x[5];
    adouble s[3], k1[3], k2[3], k3[3], k4[3], u[3];
    for (int c = 0; c < 3; c++)
        s[c] = x[c];
    for (size_t step = 0; step < p->steps; step++) {
        lorenz_rhs(s, sigma, rho, beta, k1);
        for (int c = 0; c < 3; c++)
            u[c] = s[c] + h2 * k1[c];
        lorenz_rhs(u, sigma, rho, beta, k2);
        for (int c = 0; c < 3; c++)
            u[c] = s[c] + h2 * k2[c];
        lorenz_rhs(u, sigma, rho, beta, k3);
        for (int c = 0; c < 3; c++)
            u[c] = s[c] + h * k3[c];
        lorenz_rhs(u, sigma, rho, beta, k4);
        for (int c = 0; c < 3; c++)
            s[c] += h6 * ((k1[c] + (2.0 * k2[c] + 2.0 * k3[c])) + k4[c]);
    }
    adouble out = (s[0] + s[1]) + s[2];
    out >>= *y;
}

/* As reaction.inc: the missing neighbours of the end rows left out. */
void reaction(const ad_bench_adolc_problem *p, const adouble *x, double *y)
{
    const size_t n = p->n;
    const double h = 1.0 / ((double)n + 1.0), ih2 = 1.0 / (h * h);
    for (size_t i = 0; i < n; i++) {
        adouble d = -2.0 * x[i];
        if (i > 0)
            d += x[i - 1];
        if (i + 1 < n)
            d += x[i + 1];
        adouble F = d * ih2 + p->lambda * exp(x[i]);
        F >>= y[i];
    }
}

/* Records p at x on tag with the slot's buffers (keep = 1: the values the
 * reverse sweep needs are kept on the Taylor stack). */
void record(short tag, const ad_bench_adolc_problem *p, const double *x,
            double *y)
{
    const slot &S = slots[tag];
    trace_on(tag, 1, S.obs, S.lbs, S.vbs, S.tbs);
    adouble *ax = new adouble[p->n];
    for (size_t i = 0; i < p->n; i++)
        ax[i] <<= x[i];
    switch (p->kind) {
    case AD_BENCH_ADOLC_ROSEN:
        rosen(p, ax, y);
        break;
    case AD_BENCH_ADOLC_SPEEL:
        speel(p, ax, y);
        break;
    case AD_BENCH_ADOLC_MLP:
        mlp(p, ax, y);
        break;
    case AD_BENCH_ADOLC_REACTION:
        reaction(p, ax, y);
        break;
    default:
        lorenz(p, ax, y);
        break;
    }
    delete[] ax;
    trace_off();
}

/* n + margin as a buffer size, saturated at the largest unsigned. */
unsigned buffer_size(double n, double margin)
{
    double s = n + margin;
    return s >= 4294967295.0 ? 4294967295u : (unsigned)s;
}

/* sparse_jac at x with `repeat` (0: analyse first), its failure (an
 * exception when ADOL-C lacks ColPack) caught.  A failed attempt prints
 * ADOL-C's complaint on stderr; `quiet` silences it while ADOL-C is only
 * being probed. */
int try_sparse_jac(short tag, sparse_jacobian &S, int repeat, const double *x,
                   bool quiet)
{
    const slot &T = slots[tag];
    int saved = -1;
    if (quiet) {
        fflush(stderr);
        saved = dup(2);
        int null = open("/dev/null", O_WRONLY);
        if (saved >= 0 && null >= 0)
            dup2(null, 2);
        if (null >= 0)
            close(null);
    }
    int rc;
    try {
        rc = sparse_jac(tag, (int)T.m, (int)T.n, repeat, x, &S.nnz, &S.rind,
                        &S.cind, &S.values, S.options);
    } catch (...) {
        rc = -1;
    }
    if (saved >= 0) {
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
    }
    return rc < 0 ? -1 : 0;
}

} // namespace

extern "C" {

const char *ad_bench_adolc_version(void)
{
#ifdef AD_BENCH_ADOLC_VERSION
    return AD_BENCH_ADOLC_VERSION;
#else
    return "(version unknown)";
#endif
}

int ad_bench_adolc_setup(short tag, const ad_bench_adolc_problem *p,
                         const double *x)
{
    if (!tag_ok(tag) || p == nullptr || p->kind < 0 ||
        p->kind >= AD_BENCH_ADOLC_NPROB || p->n == 0 ||
        (p->kind == AD_BENCH_ADOLC_MLP &&
         (p->nout == 0 || p->nout > mlp_max_out || p->label >= p->nout)) ||
        (p->kind == AD_BENCH_ADOLC_LORENZ && p->n != 6))
        return -1;
    ad_bench_adolc_release(tag);
    slot &S = slots[tag];
    S.n = p->n;
    S.m = outputs(p);

    /* A first recording with buffers surely large enough (they are
     * allocated, but only the part the tape fills is ever touched); a rough
     * count of the operations per input of each problem bounds them. */
    double per_in = p->kind == AD_BENCH_ADOLC_ROSEN      ? 12.0
                    : p->kind == AD_BENCH_ADOLC_SPEEL    ? 4.0
                    : p->kind == AD_BENCH_ADOLC_MLP      ? 6.0
                    : p->kind == AD_BENCH_ADOLC_REACTION ? 16.0
                                                         : 0.0;
    double ops = per_in * (double)p->n + 4096.0;
    if (p->kind == AD_BENCH_ADOLC_LORENZ)
        ops += 120.0 * (double)p->steps;
    S.obs = buffer_size(ops, 0);
    S.lbs = buffer_size(4.0 * ops, 0);
    S.vbs = buffer_size(2.0 * ops, 0);
    S.tbs = buffer_size(2.0 * ops, 0);
    std::vector<double> y(S.m);
    record(tag, p, x, y.data());

    /* Then exactly the tape's size, plus a little: ADOL-C closes a full
     * buffer with a marker before it goes to a file. */
    size_t st[STAT_SIZE];
    tapestats(tag, st);
    if (st[OP_FILE_ACCESS] || st[LOC_FILE_ACCESS] || st[VAL_FILE_ACCESS]) {
        ad_bench_adolc_release(tag);
        return -1;
    }
    S.obs = buffer_size((double)st[NUM_OPERATIONS], 64);
    S.lbs = buffer_size((double)st[NUM_LOCATIONS], 256);
    S.vbs = buffer_size((double)st[NUM_VALUES], 64);
    /* hess_vec's forward sweep keeps the values and their tangents: twice
     * the Taylors of a first-order reverse sweep (beyond the buffer they
     * would go to a file). */
    S.tbs =
        buffer_size((p->hessian ? 2.0 : 1.0) * (double)st[TAY_STACK_SIZE], 64);
    /* Free the first recording's oversized buffers. */
    removeTape(tag, ADOLC_REMOVE_COMPLETELY);
    record(tag, p, x, y.data());
    tapestats(tag, st);
    if (st[OP_FILE_ACCESS] || st[LOC_FILE_ACCESS] || st[VAL_FILE_ACCESS]) {
        ad_bench_adolc_release(tag);
        return -1;
    }
    return 0;
}

int ad_bench_adolc_record_gradient(short tag, const ad_bench_adolc_problem *p,
                                   const double *x, double *y, double *g)
{
    if (!tag_ok(tag) || slots[tag].n == 0 || slots[tag].n != p->n ||
        slots[tag].m != 1)
        return -1;
    record(tag, p, x, y);
    double one = 1.0;
    return fos_reverse(tag, 1, (int)p->n, &one, g) < 0 ? -1 : 0;
}

int ad_bench_adolc_reverse(short tag, size_t n, double *g)
{
    if (!tag_ok(tag) || slots[tag].n != n)
        return -1;
    double one = 1.0;
    return fos_reverse(tag, 1, (int)n, &one, g) < 0 ? -1 : 0;
}

int ad_bench_adolc_gradient(short tag, size_t n, const double *x, double *g)
{
    if (!tag_ok(tag))
        return -1;
    return gradient(tag, (int)n, x, g) < 0 ? -1 : 0;
}

int ad_bench_adolc_jvp(short tag, size_t n, const double *x, const double *v,
                       double *y, double *jv)
{
    if (!tag_ok(tag))
        return -1;
    /* fos_forward does not write X; its prototype lacks the const. */
    int rc = fos_forward(tag, 1, (int)n, 0, x, const_cast<double *>(v), y, jv);
    return rc < 0 ? -1 : 0;
}

int ad_bench_adolc_hess_vec(short tag, size_t n, const double *x,
                            const double *v, double *hv)
{
    if (!tag_ok(tag) || slots[tag].n != n || slots[tag].m != 1)
        return -1;
    /* hess_vec does not write x or v; its prototype lacks the const. */
    int rc = hess_vec(tag, (int)n, const_cast<double *>(x),
                      const_cast<double *>(v), hv);
    return rc < 0 ? -1 : 0;
}

int ad_bench_adolc_jacobian(short tag, size_t m, size_t n, const double *x,
                            double *J)
{
    if (!tag_ok(tag) || slots[tag].n != n || slots[tag].m != m)
        return -1;
    /* jacobian() fills rows through pointers: point them into J. */
    std::vector<double *> rows(m);
    for (size_t i = 0; i < m; i++)
        rows[i] = J + i * n;
    return jacobian(tag, (int)m, (int)n, x, rows.data()) < 0 ? -1 : 0;
}

int ad_bench_adolc_sparse_setup(short tag, const double *x, const size_t *color,
                                size_t ncolors,
                                ad_bench_adolc_sparse_info *info)
{
    *info = ad_bench_adolc_sparse_info();
    if (!tag_ok(tag) || slots[tag].n == 0)
        return -1;
    const size_t m = slots[tag].m, n = slots[tag].n;
    sparse_jacobian &S = sparse[tag];
    sparse_clear(S);

    if (try_sparse_jac(tag, S, 0, x, true) == 0) {
        S.on = S.native = true;
        info->nnz = (size_t)S.nnz;
        /* sparse_jac does not report its colors; its seed has them as
         * columns, which this interface does not reach: 0 = unknown. */
        info->ncolors = 0;
        info->native = 1;
        return 0;
    }
    sparse_clear(S);
    if (color == nullptr || ncolors == 0)
        return -1;

    /* The pattern: jac_pat's rows, crs[i][0] entries then their columns
     * (index domains propagated forward, ADOL-C's default). */
    std::vector<unsigned int *> crs(m, nullptr);
    int ctrl[3] = {0, 0, 0};
    int rc = jac_pat(tag, (int)m, (int)n, x, crs.data(), ctrl);
    bool ok = rc >= 0;
    S.rowptr.assign(m + 1, 0);
    for (size_t i = 0; ok && i < m; i++) {
        size_t k = crs[i] != nullptr ? crs[i][0] : 0;
        for (size_t e = 1; e <= k; e++) {
            size_t j = crs[i][e];
            ok = ok && j < n && color[j] < ncolors;
            S.col.push_back(j);
            S.row_of.push_back(i);
        }
        S.rowptr[i + 1] = S.col.size();
    }
    for (size_t i = 0; i < m; i++)
        free(crs[i]);
    /* The coloring must separate the columns of every row: else two
     * entries would share one compressed value. */
    std::vector<size_t> seen(ncolors, (size_t)-1);
    for (size_t i = 0; ok && i < m; i++)
        for (size_t k = S.rowptr[i]; ok && k < S.rowptr[i + 1]; k++) {
            size_t c = color[S.col[k]];
            ok = seen[c] != i;
            seen[c] = i;
        }
    if (!ok) {
        sparse_clear(S);
        return -1;
    }
    S.p = ncolors;
    S.color.assign(color, color + n);
    S.val.assign(S.col.size(), 0.0);
    S.y.assign(m, 0.0);
    S.seed = myalloc2((int)n, (int)ncolors);
    S.comp = myalloc2((int)m, (int)ncolors);
    for (size_t j = 0; j < n; j++)
        for (size_t c = 0; c < ncolors; c++)
            S.seed[j][c] = c == color[j] ? 1.0 : 0.0;
    S.on = true;
    info->nnz = S.col.size();
    info->ncolors = ncolors;
    info->native = 0;
    return 0;
}

int ad_bench_adolc_sparse_jac(short tag, const double *x)
{
    if (!tag_ok(tag) || !sparse[tag].on)
        return -1;
    sparse_jacobian &S = sparse[tag];
    if (S.native)
        return try_sparse_jac(tag, S, 1, x, false);
    const slot &T = slots[tag];
    int rc = fov_forward(tag, (int)T.m, (int)T.n, (int)S.p, x, S.seed,
                         S.y.data(), S.comp);
    if (rc < 0)
        return -1;
    /* Entry (i, j) is row i of the compressed Jacobian in its column's
     * color: no other column of row i shares that color. */
    for (size_t i = 0; i < T.m; i++) {
        const double *ci = S.comp[i];
        for (size_t k = S.rowptr[i]; k < S.rowptr[i + 1]; k++)
            S.val[k] = ci[S.color[S.col[k]]];
    }
    return 0;
}

int ad_bench_adolc_sparse_entry(short tag, size_t k, size_t *row, size_t *col,
                                double *val)
{
    if (!tag_ok(tag) || !sparse[tag].on)
        return -1;
    const sparse_jacobian &S = sparse[tag];
    if (S.native) {
        if (k >= (size_t)S.nnz)
            return -1;
        *row = S.rind[k];
        *col = S.cind[k];
        *val = S.values[k];
        return 0;
    }
    if (k >= S.col.size())
        return -1;
    *row = S.row_of[k];
    *col = S.col[k];
    *val = S.val[k];
    return 0;
}

void ad_bench_adolc_stats(short tag, ad_bench_adolc_info *info)
{
    size_t st[STAT_SIZE];
    *info = ad_bench_adolc_info();
    if (!tag_ok(tag) || slots[tag].n == 0)
        return;
    tapestats(tag, st);
    const slot &S = slots[tag];
    info->ops = st[NUM_OPERATIONS];
    info->locs = st[NUM_LOCATIONS];
    info->vals = st[NUM_VALUES];
    info->taylors = st[TAY_STACK_SIZE];
    info->max_lives = st[NUM_MAX_LIVES];
    info->bytes = info->ops + sizeof(locint) * info->locs +
                  sizeof(double) * info->vals + sizeof(revreal) * info->taylors;
    /* The buffers as allocated, the adouble store (one value per live
     * location) and fos_reverse's two arrays (adjoints and values) of
     * max_lives each. */
    info->peak = S.obs + sizeof(locint) * S.lbs + sizeof(double) * S.vbs +
                 sizeof(revreal) * S.tbs + 3 * sizeof(double) * info->max_lives;
}

void ad_bench_adolc_release(short tag)
{
    if (!tag_ok(tag))
        return;
    sparse_clear(sparse[tag]);
    slot &S = slots[tag];
    if (S.n != 0) {
        S.n = 0;
        S.m = 0;
        removeTape(tag, ADOLC_REMOVE_COMPLETELY);
    }
}

} // extern "C"
