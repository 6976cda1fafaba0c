/* cmd.h -- what the files of tools/ share: the subcommands of `admix`.
 *
 * Each subcommand is a function run(argc, argv) with argv[0] its own name
 * and the options after it; it returns the process exit status (0 success,
 * 1 a failed check or run, 2 a usage error) and prints its usage on
 * request.  admix.c dispatches to them through one table; a new
 * subcommand is one entry there and its functions here.
 */
#ifndef ADMIX_TOOLS_CMD_H
#define ADMIX_TOOLS_CMD_H

#include <stdio.h>

/* Exit statuses of every subcommand. */
#define AD_CMD_OK     0
#define AD_CMD_FAILED 1
#define AD_CMD_USAGE  2

/* The name the program was called by, for messages ("admix"). */
extern const char *ad_cmd_prog;

/* `admix demo`: the seed example f(x) = sin(x^2) by every available mode
 * (demo.c). */
int ad_cmd_demo(int argc, char **argv);
void ad_cmd_demo_usage(FILE *out);

/* `admix bench <benchmark>`: runs the code of bench/ (admix.c). */
int ad_cmd_bench(int argc, char **argv);
void ad_cmd_bench_usage(FILE *out);

/* `admix revolve`: a checkpointing schedule's counts and actions
 * (revolve.c). */
int ad_cmd_revolve(int argc, char **argv);
void ad_cmd_revolve_usage(FILE *out);

/* `admix eval`, `grad`, `jacobian`, `hessian`, `graph`: the library on an
 * expression given on the command line (calc.c, expr.c). */
int ad_cmd_eval(int argc, char **argv);
void ad_cmd_eval_usage(FILE *out);
int ad_cmd_grad(int argc, char **argv);
void ad_cmd_grad_usage(FILE *out);
int ad_cmd_jacobian(int argc, char **argv);
void ad_cmd_jacobian_usage(FILE *out);
int ad_cmd_hessian(int argc, char **argv);
void ad_cmd_hessian_usage(FILE *out);
int ad_cmd_graph(int argc, char **argv);
void ad_cmd_graph_usage(FILE *out);

/* `admix fuzz`: every mode on random programs against MPFR (fuzz.c,
 * progen.c). */
int ad_cmd_fuzz(int argc, char **argv);
void ad_cmd_fuzz_usage(FILE *out);

/* `admix verify` and `admix compare`: a derivative against the references
 * of verify.h, and every mode side by side, on a built-in problem or an
 * expression (verify.c, compare.c, problems.c). */
int ad_cmd_verify(int argc, char **argv);
void ad_cmd_verify_usage(FILE *out);
int ad_cmd_compare(int argc, char **argv);
void ad_cmd_compare_usage(FILE *out);

#endif /* ADMIX_TOOLS_CMD_H */
