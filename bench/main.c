/* main.c -- bench/bench, the standalone benchmark program.
 *
 *     bench/bench forward [options]     forward mode: double vs dual vs dualv
 *     bench/bench reverse [options]     reverse mode: tapes, beside ADOL-C
 *     bench/bench bigtape [N]           a 10^8-node tape, fresh and reused
 *
 * `admix bench ...` runs the same code (ad_bench_forward_main in forward.c,
 * ad_bench_reverse_main in reverse.c); this program exists so that the
 * benchmarks can be run from the build tree without installing anything.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: bench forward [options]   (bench forward --help)\n"
                 "       bench reverse [options]   (bench reverse --help)\n"
                 "       bench bigtape [N]\n"
                 "       bench --help\n"
                 "\n"
                 "benchmarks:\n"
                 "  forward   plain double vs ad_dual vs ad_dualv on "
                 "Rosenbrock, Speelpenning, MLP\n"
                 "  reverse   tape recording and sweeps vs f (and ADOL-C) on "
                 "Rosenbrock,\n"
                 "            Speelpenning, MLP (scalar and array), "
                 "Lorenz-63\n"
                 "  bigtape   a tape of 8 N nodes (N = 12.5 M: 10^8; ~3 GB), "
                 "fresh and reused\n");
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
    if (!strcmp(argv[1], "bigtape"))
        return ad_bench_bigtape_main(argc - 1, argv + 1);
    fprintf(stderr, "bench: unknown benchmark '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
