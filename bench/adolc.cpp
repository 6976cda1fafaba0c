/* adolc.cpp -- the benchmark problems through ADOL-C, behind the C interface
 * of adolc.h (compiled only when configure found ADOL-C; bench only).
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

#include <cmath>
#include <cstddef>

#include "adolc.h"

namespace
{

/* The tags the benchmark may use. */
const int max_tag = 16;

/* Per tag: the number of inputs (0: the tag is not set up) and the buffer
 * sizes of the recordings. */
struct slot {
    size_t n = 0;
    unsigned obs = 0, lbs = 0, vbs = 0, tbs = 0;
};
slot slots[max_tag];

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

    /* A first recording with buffers surely large enough (they are
     * allocated, but only the part the tape fills is ever touched); a rough
     * count of the operations per input of each problem bounds them. */
    double per_in = p->kind == AD_BENCH_ADOLC_ROSEN   ? 12.0
                    : p->kind == AD_BENCH_ADOLC_SPEEL ? 4.0
                    : p->kind == AD_BENCH_ADOLC_MLP   ? 6.0
                                                      : 0.0;
    double ops = per_in * (double)p->n + 4096.0;
    if (p->kind == AD_BENCH_ADOLC_LORENZ)
        ops += 120.0 * (double)p->steps;
    S.obs = buffer_size(ops, 0);
    S.lbs = buffer_size(4.0 * ops, 0);
    S.vbs = buffer_size(2.0 * ops, 0);
    S.tbs = buffer_size(2.0 * ops, 0);
    double y;
    record(tag, p, x, &y);

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
    S.tbs = buffer_size((double)st[TAY_STACK_SIZE], 64);
    /* Free the first recording's oversized buffers. */
    removeTape(tag, ADOLC_REMOVE_COMPLETELY);
    record(tag, p, x, &y);
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
    if (!tag_ok(tag) || slots[tag].n == 0 || slots[tag].n != p->n)
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
    slot &S = slots[tag];
    if (S.n != 0) {
        S.n = 0;
        removeTape(tag, ADOLC_REMOVE_COMPLETELY);
    }
}

} // extern "C"
