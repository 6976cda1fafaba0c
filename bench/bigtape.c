/* bigtape.c -- `bench/bench bigtape`: a tape of about 10^8 operations
 * (extended Rosenbrock, n = 12.5 M, 8 nodes a term), recorded twice into the
 * same tape (fresh, then reused) and swept, to show that recording grows in
 * blocks without realloc-and-copy spikes (the slowest stretch of 10^6 nodes
 * against the mean) and what a fresh tape's first touch of its pages costs.
 * It needs about 3 GB of memory.
 *
 *     bench/bench bigtape [N]      N terms (default 12500000)
 */
#include <stdlib.h>

#include "bench.h"

int ad_bench_bigtape_main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 12500000;
    if (n < 2) {
        fprintf(stderr, "bench bigtape: N must be at least 2\n");
        return 2;
    }
    ad_var *x = malloc(n * sizeof *x);
    double *x0 = malloc(n * sizeof *x0), *g = malloc(n * sizeof *g);
    ad_tape *t = ad_tape_new();
    if (x == NULL || x0 == NULL || g == NULL || t == NULL) {
        fprintf(stderr, "bench bigtape: out of memory\n");
        free(x), free(x0), free(g), ad_tape_free(t);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        x0[i] = 0.5 + 1e-3 * (double)(i % 11);
    int rc = 0;
    printf("extended Rosenbrock, n = %zu: one tape recorded twice\n", n);
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        double t0 = ad_bench_now(), last = t0, slowest = 0.0;
        size_t chunks = 0;
        ad_tape_begin(t);
        ad_independent_array(n, x0, x);
        /* The stretches are timed from here: the inputs (one node of n
         * values) are not a stretch of 10^6 nodes. */
        last = ad_bench_now();
        ad_var f = ad_const(ad_var, 0.0);
        for (size_t i = 0; i + 1 < n; i++) {
            ad_var d = ad_sub(x[i + 1], ad_sqr(x[i]));
            ad_var e = ad_sub(1.0, x[i]);
            f = ad_add(f, ad_add(ad_mul(100.0, ad_sqr(d)), ad_sqr(e)));
            if (i % 125000 == 124999) { /* 10^6 nodes */
                double now = ad_bench_now();
                slowest = now - last > slowest ? now - last : slowest;
                last = now;
                chunks++;
            }
        }
        ad_dependent(f);
        rc = ad_tape_end(t) != AD_OK;
        double trec = ad_bench_now() - t0;
        t0 = ad_bench_now();
        rc |= ad_tape_gradient(t, NULL, g) != AD_OK;
        double tgrad = ad_bench_now() - t0;
        ad_tape_info info;
        ad_tape_stats(t, &info);
        printf("%s tape: %zu ops, record %.2f s (10^6 nodes: slowest %.1f ms, "
               "mean %.1f ms), gradient %.2f s, %.2f GB, peak %.2f GB, "
               "%zu segments%s\n",
               pass ? "reused" : "fresh ", info.ops, trec, slowest * 1e3,
               chunks ? trec / (double)chunks * 1e3 : 0.0, tgrad,
               (double)info.bytes / 1e9, (double)info.peak_bytes / 1e9,
               info.segments, rc ? " FAILED" : "");
    }
    ad_tape_free(t);
    ad_thread_release();
    free(x), free(x0), free(g);
    return rc;
}
