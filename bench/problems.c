/* problems.c -- the benchmark problems, each written once in a template file
 * and instantiated here for double, double complex, ad_dual, ad_dualv,
 * ad_hdual and ad_var (see <admix/instantiate.h>).  The templates are found
 * through -I$(top_srcdir)/bench (Makefile.am). */
#include "bench.h"

#define AD_TEMPLATE "rosen.inc"
#include <admix/instantiate.h>
AD_FN(ad_bench_rosen, ((const ad_bench_rosen_params *)params)->n, 1)

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

#if AD_BENCH_HAVE_ARRAY
#define AD_TEMPLATE "mlp_array.inc"
#include <admix/instantiate.h>
AD_FN(ad_bench_mlpa, ad_bench_mlp_size(params), 1)
#endif
