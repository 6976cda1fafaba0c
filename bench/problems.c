/* problems.c -- the benchmark problems, each written once in a template file
 * and instantiated here for double, double complex, ad_dual, ad_dualv,
 * ad_hdual and ad_var (see <admix/instantiate.h>), and the points both
 * benchmarks time them at.  The templates are found through
 * -I$(top_srcdir)/bench (Makefile.am). */
#include <math.h>

#include "bench.h"

#define AD_TEMPLATE "rosen.inc"
#include <admix/instantiate.h>
AD_FN(ad_bench_rosen, ((const ad_bench_rosen_params *)params)->n, 1)

#define AD_TEMPLATE "trans.inc"
#include <admix/instantiate.h>
AD_FN(ad_bench_trans, ((const ad_bench_rosen_params *)params)->n, 1)

#define AD_TEMPLATE "speelpenning.inc"
#include <admix/instantiate.h>
AD_FN(ad_bench_speel, ((const ad_bench_speel_params *)params)->n, 1)

size_t ad_bench_mlp_size(const ad_bench_mlp_params *p)
{
    return p->nhid * (p->nin + 1) + p->nout * (p->nhid + 1);
}

#define AD_TEMPLATE "mlp.inc"
#include <admix/instantiate.h>
AD_FN(ad_bench_mlp, ad_bench_mlp_size(params), 1)

#define AD_TEMPLATE "lorenz.inc"
#include <admix/instantiate.h>
AD_FN(ad_bench_lorenz, 6, 1)

#define AD_TEMPLATE "reaction.inc"
#include <admix/instantiate.h>
AD_FN(ad_bench_reaction, ((const ad_bench_reaction_params *)params)->n,
      ((const ad_bench_reaction_params *)params)->n)

/* One template, two functions: both instantiated by one include. */
#define AD_TEMPLATE "dense.inc"
#include <admix/instantiate.h>
AD_FN(ad_bench_densej, ((const ad_bench_dense_params *)params)->n,
      ((const ad_bench_dense_params *)params)->n)
AD_FN(ad_bench_denseh, ((const ad_bench_dense_params *)params)->n, 1)

#if AD_BENCH_HAVE_ARRAY
#define AD_TEMPLATE "mlp_array.inc"
#include <admix/instantiate.h>
AD_FN(ad_bench_mlpa, ad_bench_mlp_size(params), 1)
#endif

/* ---- the points --------------------------------------------------------- */

double ad_bench_uniform(ad_bench_rng *rng, double lo, double hi)
{
    rng->state ^= rng->state >> 12;
    rng->state ^= rng->state << 25;
    rng->state ^= rng->state >> 27;
    unsigned long long r = rng->state * 0x2545F4914F6CDD1Dull;
    return lo + (hi - lo) * (double)(r >> 11) * 0x1p-53;
}

double ad_bench_fill_rosen(const void *params, size_t i, ad_bench_rng *rng)
{
    (void)params;
    (void)i;
    return ad_bench_uniform(rng, -1.5, 1.5);
}

double ad_bench_fill_trans(const void *params, size_t i, ad_bench_rng *rng)
{
    (void)params, (void)i;
    return ad_bench_uniform(rng, 0.1, 1.0);
}

double ad_bench_fill_speel(const void *params, size_t i, ad_bench_rng *rng)
{
    (void)params;
    (void)i;
    return 1.0 + ad_bench_uniform(rng, -0.01, 0.01);
}

double ad_bench_fill_mlp(const void *params, size_t i, ad_bench_rng *rng)
{
    const ad_bench_mlp_params *m = params;
    size_t w1 = m->nhid * m->nin, b1 = w1 + m->nhid;
    size_t w2 = b1 + m->nhid * m->nout;
    if (i < w1)
        return ad_bench_uniform(rng, -1.0, 1.0) / sqrt((double)m->nin);
    if (i < b1 || i >= w2)
        return ad_bench_uniform(rng, -0.1, 0.1);
    return ad_bench_uniform(rng, -1.0, 1.0) / sqrt((double)m->nhid);
}

double ad_bench_fill_reaction(const void *params, size_t i, ad_bench_rng *rng)
{
    /* The bump 4 t (1 - t) that the solution resembles, t = (i + 1) h,
     * moved by up to 10%: a point a Newton iteration would visit. */
    const ad_bench_reaction_params *p = params;
    double t = ((double)i + 1.0) / ((double)p->n + 1.0);
    return 4.0 * t * (1.0 - t) * (1.0 + ad_bench_uniform(rng, -0.1, 0.1));
}

double ad_bench_fill_dense(const void *params, size_t i, ad_bench_rng *rng)
{
    (void)params;
    (void)i;
    return ad_bench_uniform(rng, -1.0, 1.0);
}

double ad_bench_fill_lorenz(const void *params, size_t i, ad_bench_rng *rng)
{
    static const double base[6] = {1.0, 1.0, 1.0, 10.0, 28.0, 8.0 / 3.0};
    (void)params;
    return base[i] * (1.0 + ad_bench_uniform(rng, -0.01, 0.01));
}

ad_bench_mlp_params ad_bench_mlp_default(double *input, ad_bench_rng *rng)
{
    ad_bench_mlp_params p = {AD_BENCH_MLP_NIN, 256, 10, input, 3};
    for (size_t i = 0; i < p.nin; i++)
        input[i] = ad_bench_uniform(rng, -1.0, 1.0);
    return p;
}
