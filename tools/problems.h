/* problems.h -- what `admix verify` and `admix compare` differentiate: a
 * built-in problem (the functions of bench/, plus a heat equation) or an
 * expression typed on the command line (expr.h), at a point.
 *
 *     rosenbrock    extended Rosenbrock, R^n -> R            (--n inputs)
 *     speelpenning  the product of the inputs, R^n -> R      (--n inputs)
 *     mlp           a 4-N-3 tanh perceptron's loss, R^k -> R (--n hidden)
 *     lorenz        Lorenz-63 by RK4, R^6 -> R               (--n steps)
 *     reaction      1-D reaction-diffusion residual, R^n -> R^n (--n points)
 *     heat          nonlinear heat equation's energy, R^n -> R (--n points)
 *
 * A built-in problem is an ad_fn with every entry point (double, complex,
 * dual, dualv, hdual, var), so every mode and reference applies.  An
 * expression is a tape plus an ad_fn that has f_double only (the
 * expression evaluated by ad_expr_eval): expr.h does not offer its
 * operations to other number types, so the forward modes, the complex step
 * and the references that record f_var do not apply to it, and the callers
 * take its derivatives and MPFR references from the tape instead.
 *
 * Either way the problem carries its tape, recorded at the point, so that
 * tape sweeps, the MPFR replay (ad_tape_mpfr_*) and the tape's size are
 * available for both kinds.
 */
#ifndef ADMIX_TOOLS_PROBLEMS_H
#define ADMIX_TOOLS_PROBLEMS_H

#include <stddef.h>

#include "admix.h"
#include "bench.h" /* bench/, through -I */
#include "expr.h"

/* The heat problem's parameters (heat.inc): n interior points, `steps`
 * explicit Euler steps of size dt = r h^2. */
typedef struct ad_cli_heat_params {
    size_t n;     /* interior points: the inputs */
    size_t steps; /* time steps */
    double r;     /* dt / h^2 */
} ad_cli_heat_params;

/* A problem at a point. */
typedef struct ad_cli_problem {
    const char *name; /* the built-in's name, or the expression's text */
    int builtin;      /* 1: fn has every entry point */
    ad_fn fn;         /* f (an expression: f_double only) */
    ad_expr *expr;    /* the expression, or NULL */
    ad_tape *tape;    /* f recorded at x */
    size_t n, m;
    double *x;          /* the point, n values */
    const char **xname; /* the inputs' names (n; an expression's variables,
                           else "x0", "x1", ...) */
    char *xname_buf;    /* their storage for a built-in */
    /* The parameters fn.params points to. */
    union {
        ad_bench_rosen_params rosen;
        ad_bench_speel_params speel;
        ad_bench_mlp_params mlp;
        ad_bench_lorenz_params lorenz;
        ad_bench_reaction_params reaction;
        ad_cli_heat_params heat;
    } params;
    double mlp_input[4]; /* the MLP's data point */
} ad_cli_problem;

/* Opens `spec` (a built-in problem's name, or else an expression; NULL: the
 * default, rosenbrock with n = 10) for the command `cmd` (for messages):
 * n_opt is --n (0: the problem's default), at[0 .. nat-1] the --at
 * arguments.  For an expression they are name=value items, every variable
 * needing one; for a built-in either one value for every input, or n
 * comma-separated values, or xI=value items that change the default point
 * (drawn from a fixed seed as bench/ draws it).  Values are constant
 * expressions (pi/4).  Records the tape.  Returns AD_CMD_OK, AD_CMD_USAGE
 * after a message on stderr (a parse error names its column), or
 * AD_CMD_FAILED (memory, a recording error).  p is then to be closed
 * (ad_cli_problem_close) whatever the return. */
int ad_cli_problem_open(ad_cli_problem *p, const char *cmd, const char *spec,
                        long n_opt, const char *const *at, size_t nat);
void ad_cli_problem_close(ad_cli_problem *p);

/* The names and one-line descriptions of the built-in problems, for usage
 * texts: a NULL-terminated list of "name  description" lines. */
extern const char *const ad_cli_problem_help[];

/* 1 if spec names a built-in problem (rosenbrock, ...). */
int ad_cli_is_builtin(const char *spec);

/* Reads option argv[*i] of command cmd.  If it is one of valued[0 ..
 * nvalued-1], written "--name V" or "--name=V", *name is that option and
 * its value is returned (*i moves past a separate value); if it is not,
 * *name is argv[*i] and NULL is returned; if its value is missing, a
 * message goes to stderr, *name is NULL and NULL is returned. */
const char *ad_cli_option(const char *cmd, int argc, char **argv, int *i,
                          const char *const *valued, size_t nvalued,
                          const char **name);

/* 1 if the executable `prog` is found on PATH. */
int ad_cli_on_path(const char *prog);

#endif /* ADMIX_TOOLS_PROBLEMS_H */
