/* main.c -- bench/bench, the standalone benchmark program.
 *
 *     bench/bench forward [options]     forward mode: double vs dual vs dualv
 *
 * `admix bench ...` runs the same code (ad_bench_forward_main in
 * forward.c); this program exists so that the benchmark can be run from the
 * build tree without installing anything.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: bench forward [options]   (bench forward --help)\n"
                 "       bench --help\n"
                 "\n"
                 "benchmarks:\n"
                 "  forward   plain double vs ad_dual vs ad_dualv on "
                 "Rosenbrock, Speelpenning, MLP\n");
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
    fprintf(stderr, "bench: unknown benchmark '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
