/* admix.c -- the `admix` command: subcommand dispatch.
 *
 *     admix demo [--x X]             the seed example by every mode
 *     admix eval EXPR --at x=2,...   an expression's values
 *     admix grad EXPR --at x=2,...   its gradient (reverse mode)
 *     admix jacobian EXPR --at ...   its Jacobian
 *     admix hessian EXPR --at ...    its Hessian(s)
 *     admix graph EXPR [--at ...] [--dot | --png FILE]  its recorded tape
 *     admix verify [PROBLEM | EXPR]  a derivative against MPFR, complex
 *                                    step and finite differences
 *     admix compare [PROBLEM | EXPR] every mode: cost, memory, error
 *     admix bench forward [options]  the forward-mode benchmark
 *     admix bench reverse [options]  the reverse-mode benchmark
 *     admix bench mixed [options]    the mixed-mode benchmark
 *     admix bench checkpoint [options]  checkpointed adjoints of a long loop
 *     admix bench all [options]      the four in turn
 *     admix revolve --steps L --snapshots S  a checkpointing schedule
 *     admix fuzz [--seconds N] [--seed S]  differential testing of the modes
 *     admix help [command]           usage, of admix or of one command
 *     admix --version
 *
 * Exit status: 0 success, 1 a failed check or run, 2 a usage error (an
 * unknown command or option, a missing or bad value).  Usage requested
 * with --help goes to stdout; usage after an error goes to stderr.
 */
#include <stdio.h>
#include <string.h>

#include "admix.h"
#include "cmd.h"
#include "bench.h" /* bench/, through -I */

const char *ad_cmd_prog = "admix";

typedef struct command {
    const char *name;
    const char *args;    /* shown after the name in the overview */
    const char *summary; /* one line */
    int (*run)(int argc, char **argv);
    void (*usage)(FILE *out);
} command;

static const command commands[] = {
    {"demo", "[--x X]", "the seed example sin(x^2): dy/dx by every mode",
     ad_cmd_demo, ad_cmd_demo_usage},
    {"eval", "EXPR --at x=2,...", "an expression's values at a point",
     ad_cmd_eval, ad_cmd_eval_usage},
    {"grad", "EXPR --at x=2,...", "its value and gradient (reverse mode)",
     ad_cmd_grad, ad_cmd_grad_usage},
    {"jacobian", "EXPR --at ...", "the Jacobian of its outputs",
     ad_cmd_jacobian, ad_cmd_jacobian_usage},
    {"hessian", "EXPR --at ...", "the Hessian of each output", ad_cmd_hessian,
     ad_cmd_hessian_usage},
    {"graph", "EXPR [--at ...]", "its tape as text, DOT or PNG", ad_cmd_graph,
     ad_cmd_graph_usage},
    {"verify", "[PROBLEM | EXPR]",
     "a derivative against MPFR, complex step, differences", ad_cmd_verify,
     ad_cmd_verify_usage},
    {"compare", "[PROBLEM | EXPR]",
     "every mode: time ratio to f, memory, error", ad_cmd_compare,
     ad_cmd_compare_usage},
    {"bench", "<benchmark> ...",
     "benchmarks: forward, reverse, mixed modes, checkpointing", ad_cmd_bench,
     ad_cmd_bench_usage},
    {"revolve", "--steps L [...]",
     "checkpointing schedules: forward steps, snapshots", ad_cmd_revolve,
     ad_cmd_revolve_usage},
    {"fuzz", "[--seconds N] [...]",
     "every mode on random programs, checked against MPFR", ad_cmd_fuzz,
     ad_cmd_fuzz_usage},
};
#define NCOMMANDS ((int)(sizeof commands / sizeof commands[0]))

static const command *find(const char *name)
{
    for (int i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: %s <command> [options]\n\ncommands:\n", ad_cmd_prog);
    for (int i = 0; i < NCOMMANDS; i++) {
        char head[64];
        snprintf(head, sizeof head, "%s %s", commands[i].name,
                 commands[i].args);
        fprintf(out, "  %-26s %s\n", head, commands[i].summary);
    }
    fprintf(out,
            "  %-26s %s\n  %-26s %s\n\n"
            "'%s <command> --help' describes a command.\n",
            "help [command]", "this text, or a command's usage", "--version",
            "print the version", ad_cmd_prog);
}

/* ---- admix bench -------------------------------------------------------- */

void ad_cmd_bench_usage(FILE *out)
{
    fprintf(out,
            "usage: %s bench <benchmark> [options]\n"
            "\n"
            "benchmarks:\n"
            "  forward   plain double vs ad_dual (one direction) vs ad_dualv "
            "(AD_LANES\n"
            "            directions) on Rosenbrock, Speelpenning and an MLP "
            "loss\n"
            "  reverse   tape recording + gradient, gradient and jvp on the "
            "tape vs f,\n"
            "            beside ADOL-C when built with it, on Rosenbrock, "
            "Speelpenning,\n"
            "            an MLP loss (scalar loops and array primitives) and "
            "Lorenz-63\n"
            "  mixed     Hessian-vector products, a dense Hessian three "
            "ways, sparse and\n"
            "            2-thread Jacobians, beside ADOL-C's hess_vec and "
            "sparse Jacobian\n"
            "  checkpoint  the adjoint of Lorenz-63 over 10^6 steps: "
            "store-all vs binomial\n"
            "            (revolve) checkpointing, online and two-level\n"
            "  all       the four in turn, each given the options that "
            "follow (use those\n"
            "            they share: --samples N, --quick)\n"
            "\n"
            "'%s bench <benchmark> --help' lists its options.\n",
            ad_cmd_prog, ad_cmd_prog);
}

/* The benchmarks of bench/, by name, in the order `bench all` runs them. */
static const struct {
    const char *name;
    int (*run)(int argc, char **argv, const char *prog);
} benchmarks[] = {{"forward", ad_bench_forward_main},
                  {"reverse", ad_bench_reverse_main},
                  {"mixed", ad_bench_mixed_main},
                  {"checkpoint", ad_bench_checkpoint_main}};
#define NBENCH (sizeof benchmarks / sizeof *benchmarks)

int ad_cmd_bench(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "%s bench: which benchmark?\n", ad_cmd_prog);
        ad_cmd_bench_usage(stderr);
        return AD_CMD_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        ad_cmd_bench_usage(stdout);
        return AD_CMD_OK;
    }
    char prog[64];
    snprintf(prog, sizeof prog, "%s bench", ad_cmd_prog);
    int all = !strcmp(argv[1], "all"), worst = AD_CMD_OK, found = 0;
    for (size_t k = 0; k < NBENCH; k++) {
        if (!all && strcmp(argv[1], benchmarks[k].name) != 0)
            continue;
        found = 1;
        if (all) {
            /* Each benchmark reads argv[0] as its own name. */
            argv[1] = (char *)benchmarks[k].name;
            fprintf(stderr, "%s all: %s\n", prog, benchmarks[k].name);
        }
        int rc = benchmarks[k].run(argc - 1, argv + 1, prog);
        if (rc == AD_CMD_USAGE)
            return rc;
        if (rc > worst)
            worst = rc;
        if (all)
            printf("\n");
    }
    if (found)
        return worst;
    fprintf(stderr, "%s bench: unknown benchmark '%s'\n", ad_cmd_prog, argv[1]);
    ad_cmd_bench_usage(stderr);
    return AD_CMD_USAGE;
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return AD_CMD_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
        printf("admix %s (AD_LANES = %d, OpenMP %s)\n", ADMIX_VERSION, AD_LANES,
               AD_HAVE_OPENMP ? "yes" : "no");
        return AD_CMD_OK;
    }
    if (!strcmp(name, "--help") || !strcmp(name, "-h") ||
        !strcmp(name, "help")) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            const command *c = find(argv[2]);
            if (!c) {
                fprintf(stderr, "%s help: unknown command '%s'\n", ad_cmd_prog,
                        argv[2]);
                usage(stderr);
                return AD_CMD_USAGE;
            }
            c->usage(stdout);
            return AD_CMD_OK;
        }
        usage(stdout);
        return AD_CMD_OK;
    }
    const command *c = find(name);
    if (!c) {
        fprintf(stderr, "%s: unknown %s '%s'\n", ad_cmd_prog,
                name[0] == '-' ? "option" : "command", name);
        usage(stderr);
        return AD_CMD_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
