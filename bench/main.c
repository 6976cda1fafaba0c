/* main.c -- bench/bench, the standalone benchmark program.
 *
 *     bench/bench forward [options]     forward mode: double vs dual vs dualv
 *     bench/bench reverse [options]     reverse mode: tapes, beside ADOL-C
 *     bench/bench mixed [options]       mixed modes: hvp, Hessians, sparse
 *     bench/bench bigtape [N]           a 10^8-node tape, fresh and reused
 *     bench/bench checkpoint [options]  checkpointed adjoints of a long loop
 *
 * `admix bench ...` runs the same code (ad_bench_forward_main in forward.c,
 * ad_bench_reverse_main in reverse.c, ad_bench_mixed_main in mixed.c); this
 * program exists so that the benchmarks can be run from the build tree without
 * installing anything.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: bench forward [options]   (bench forward --help)\n"
                 "       bench reverse [options]   (bench reverse --help)\n"
                 "       bench mixed [options]     (bench mixed --help)\n"
                 "       bench bigtape [N]\n"
                 "       bench checkpoint [options] (bench checkpoint --help)\n"
                 "       bench --help\n"
                 "\n"
                 "benchmarks:\n"
                 "  forward   plain double vs ad_dual vs ad_dualv on "
                 "Rosenbrock, Speelpenning, MLP\n"
                 "  reverse   tape recording and sweeps vs f (and ADOL-C) on "
                 "Rosenbrock,\n"
                 "            Speelpenning, MLP (scalar and array), "
                 "Lorenz-63\n"
                 "  mixed     Hessian-vector products, dense Hessians, sparse "
                 "and 2-thread\n"
                 "            Jacobians (and ADOL-C's hess_vec, sparse "
                 "Jacobian)\n"
                 "  bigtape   a tape of 8 N nodes (N = 12.5 M: 10^8; ~3 GB), "
                 "fresh and reused\n"
                 "  checkpoint  the adjoint of Lorenz-63 over 10^6 steps: "
                 "store-all vs binomial\n"
                 "            (revolve) checkpointing, online, two-level\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "forward"))
        return ad_bench_forward_main(argc - 1, argv + 1, "bench");
    if (!strcmp(argv[1], "reverse"))
        return ad_bench_reverse_main(argc - 1, argv + 1, "bench/bench");
    if (!strcmp(argv[1], "mixed"))
        return ad_bench_mixed_main(argc - 1, argv + 1, "bench/bench");
    if (!strcmp(argv[1], "bigtape"))
        return ad_bench_bigtape_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "checkpoint"))
        return ad_bench_checkpoint_main(argc - 1, argv + 1, "bench/bench");
    fprintf(stderr, "bench: unknown benchmark '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
