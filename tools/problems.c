/* problems.c -- the problems of `admix verify` and `admix compare`: the
 * benchmark problems of bench/ (through bench.h and libbench), the heat
 * equation of heat.inc, or an expression, at a point (problems.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "problems.h"

#define AD_TEMPLATE "heat.inc"
#include <admix/instantiate.h>
AD_FN(ad_cli_heat, ((const ad_cli_heat_params *)params)->n, 1)

const char *const ad_cli_problem_help[] = {
    "rosenbrock    extended Rosenbrock, R^n -> R (--n inputs, default 10)",
    "speelpenning  the product of the inputs, R^n -> R (--n, default 10)",
    "mlp           a 4-N-3 tanh perceptron's cross-entropy loss in its "
    "weights,",
    "              R^(8N+3) -> R (--n hidden units N, default 8)",
    "lorenz        Lorenz-63 by RK4, (x0, y0, z0, sigma, rho, beta) -> "
    "x+y+z,",
    "              R^6 -> R (--n steps of 0.01, default 100)",
    "reaction      the 1-D reaction-diffusion (Bratu) residual, R^n -> R^n",
    "              (--n interior points, default 10)",
    "heat          the energy after 20 steps of a nonlinear heat equation,",
    "              R^n -> R (--n interior points, default 10)",
    NULL};

static void complain(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s %s: ", ad_cmd_prog, cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const char *ad_cli_option(const char *cmd, int argc, char **argv, int *i,
                          const char *const *valued, size_t nvalued,
                          const char **name)
{
    const char *s = argv[*i];
    *name = s;
    for (size_t k = 0; k < nvalued; k++) {
        size_t len = strlen(valued[k]);
        if (strncmp(s, valued[k], len) != 0 ||
            (s[len] != '\0' && s[len] != '='))
            continue;
        *name = valued[k];
        if (s[len] == '=')
            return s + len + 1;
        if (*i + 1 < argc)
            return argv[++*i];
        complain(cmd, "%s needs a value", s);
        *name = NULL;
        return NULL;
    }
    return NULL;
}

int ad_cli_on_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[4096];
    if (path == NULL || strchr(prog, '/') != NULL)
        return 0;
    for (;;) {
        const char *end = strchr(path, ':');
        size_t k = end != NULL ? (size_t)(end - path) : strlen(path);
        /* An empty PATH entry means the current directory. */
        if (k + strlen(prog) + 3 < sizeof buf) {
            snprintf(buf, sizeof buf, "%.*s/%s", (int)(k ? k : 1),
                     k ? path : ".", prog);
            if (access(buf, X_OK) == 0)
                return 1;
        }
        if (end == NULL)
            return 0;
        path = end + 1;
    }
}

/* ---- the point ---------------------------------------------------------- */

/* The value of a constant expression (--at x=pi/4), or NaN after a message
 * (*bad set). */
static double const_value(const char *cmd, const char *name, const char *s,
                          int *bad)
{
    ad_expr *e = NULL;
    ad_expr_error er;
    double v = NAN;
    if (ad_expr_parse(s, strlen(s), NULL, 0, AD_EXPR_STRICT, &e, &er) !=
        AD_OK) {
        if (er.column > 0)
            complain(cmd, "--at %s=%s: column %zu: %s", name, s, er.column,
                     er.msg);
        else
            complain(cmd, "--at %s=%s: %s", name, s, er.msg);
        *bad = 1;
        return NAN;
    }
    if (ad_expr_noutputs(e) != 1 || ad_expr_eval(e, NULL, &v) != AD_OK) {
        complain(cmd, "--at %s= wants one value, not '%s'", name, s);
        *bad = 1;
    }
    ad_expr_free(e);
    return v;
}

/* Calls item(name or NULL, value text) for each comma-separated item of s
 * (commas inside parentheses do not separate: --at x=atan2(1,2)).  Returns
 * the number of items, or -1 after a message. */
typedef struct point_ctx {
    ad_cli_problem *p;
    const char *cmd;
    size_t nplain, nnamed; /* items without and with a name */
    int bad;
    unsigned char *given; /* inputs given a value by name */
} point_ctx;

static void point_item(point_ctx *c, char *item)
{
    while (*item == ' ')
        item++;
    size_t k = strlen(item);
    while (k > 0 && item[k - 1] == ' ')
        item[--k] = '\0';
    char *eq = strchr(item, '=');
    if (eq == NULL) {
        /* A plain value: input nplain (or every input, checked later). */
        double v = const_value(c->cmd, "x", item, &c->bad);
        if (c->nplain < c->p->n)
            c->p->x[c->nplain] = v;
        c->nplain++;
        return;
    }
    *eq = '\0';
    char *name = item, *val = eq + 1;
    size_t nk = strlen(name);
    while (nk > 0 && name[nk - 1] == ' ')
        name[--nk] = '\0';
    while (*val == ' ')
        val++;
    c->nnamed++;
    for (size_t i = 0; i < c->p->n; i++)
        if (!strcmp(c->p->xname[i], name)) {
            if (c->given[i]) {
                complain(c->cmd, "--at gives '%s' twice", name);
                c->bad = 1;
            }
            c->given[i] = 1;
            c->p->x[i] = const_value(c->cmd, name, val, &c->bad);
            return;
        }
    complain(c->cmd, "--at %s=: %s has no input named '%s'", name,
             c->p->builtin ? c->p->name : "the expression", name);
    c->bad = 1;
}

static int read_point(ad_cli_problem *p, const char *cmd, const char *const *at,
                      size_t nat)
{
    point_ctx c = {p, cmd, 0, 0, 0, calloc(p->n ? p->n : 1, 1)};
    if (c.given == NULL)
        return AD_CMD_FAILED;
    for (size_t a = 0; a < nat && !c.bad; a++) {
        size_t len = strlen(at[a]);
        char *s = malloc(len + 1);
        if (s == NULL) {
            free(c.given);
            return AD_CMD_FAILED;
        }
        memcpy(s, at[a], len + 1);
        int depth = 0;
        char *start = s;
        for (char *q = s;; q++) {
            depth += (*q == '(') - (*q == ')');
            if (*q == '\0' || (*q == ',' && depth <= 0)) {
                int last = *q == '\0';
                *q = '\0';
                point_item(&c, start);
                start = q + 1;
                if (last)
                    break;
            }
        }
        free(s);
    }
    if (!c.bad && c.nplain > 0 && c.nnamed > 0) {
        complain(cmd, "--at takes values (1.5 or 1,2,3) or name=value "
                      "items, not both");
        c.bad = 1;
    }
    if (!c.bad && c.nplain > 0 && !p->builtin) {
        complain(cmd, "--at wants name=value items for an expression");
        c.bad = 1;
    }
    if (!c.bad && c.nplain == 1)
        for (size_t i = 1; i < p->n; i++)
            p->x[i] = p->x[0];
    else if (!c.bad && c.nplain > 0 && c.nplain != p->n) {
        complain(cmd,
                 "--at gives %zu values; %s has %zu inputs (or give "
                 "one value for all)",
                 c.nplain, p->name, p->n);
        c.bad = 1;
    }
    for (size_t i = 0; !c.bad && !p->builtin && i < p->n; i++)
        if (!c.given[i]) {
            complain(cmd, "no value for '%s' (column %zu): --at %s=...",
                     p->xname[i], ad_expr_input_column(p->expr, i),
                     p->xname[i]);
            c.bad = 1;
        }
    for (size_t i = 0; !c.bad && i < p->n; i++)
        if (!isfinite(p->x[i])) {
            complain(cmd, "--at: %s is not finite", p->xname[i]);
            c.bad = 1;
        }
    free(c.given);
    return c.bad ? AD_CMD_USAGE : AD_CMD_OK;
}

/* ---- the problems ------------------------------------------------------- */

/* f_double of an expression: its double evaluation. */
static void expr_double(const double *x, double *y, const void *params)
{
    const ad_expr *e = params;
    if (ad_expr_eval(e, x, y) != AD_OK)
        for (size_t j = 0; j < ad_expr_noutputs(e); j++)
            y[j] = NAN;
}

int ad_cli_is_builtin(const char *spec)
{
    static const char *const names[] = {"rosenbrock", "speelpenning", "mlp",
                                        "lorenz",     "reaction",     "heat"};
    for (size_t i = 0; spec != NULL && i < sizeof names / sizeof *names; i++)
        if (!strcmp(spec, names[i]))
            return 1;
    return 0;
}

/* Sets up built-in problem `name` with size n_opt; 0 if there is none of
 * that name. */
static int builtin(ad_cli_problem *p, const char *name, long n_opt)
{
    size_t n = n_opt > 0 ? (size_t)n_opt : 0;
    ad_bench_fill fill;
    if (!strcmp(name, "rosenbrock")) {
        p->params.rosen.n = n ? n : 10;
        p->fn = ad_bench_rosen_fn(&p->params.rosen);
        fill = ad_bench_fill_rosen;
    } else if (!strcmp(name, "speelpenning")) {
        p->params.speel.n = n ? n : 10;
        p->fn = ad_bench_speel_fn(&p->params.speel);
        fill = ad_bench_fill_speel;
    } else if (!strcmp(name, "mlp")) {
        ad_bench_rng rng = {AD_BENCH_SEED};
        for (int i = 0; i < 4; i++)
            p->mlp_input[i] = ad_bench_uniform(&rng, -1.0, 1.0);
        p->params.mlp = (ad_bench_mlp_params){4, n ? n : 8, 3, p->mlp_input, 1};
        p->fn = ad_bench_mlp_fn(&p->params.mlp);
        fill = ad_bench_fill_mlp;
    } else if (!strcmp(name, "lorenz")) {
        p->params.lorenz = (ad_bench_lorenz_params){n ? n : 100, 0.01};
        p->fn = ad_bench_lorenz_fn(&p->params.lorenz);
        fill = ad_bench_fill_lorenz;
    } else if (!strcmp(name, "reaction")) {
        p->params.reaction = (ad_bench_reaction_params){n ? n : 10, 1.0};
        p->fn = ad_bench_reaction_fn(&p->params.reaction);
        fill = ad_bench_fill_reaction;
    } else if (!strcmp(name, "heat")) {
        p->params.heat = (ad_cli_heat_params){n ? n : 10, 20, 0.25};
        p->fn = ad_cli_heat_fn(&p->params.heat);
        fill = NULL;
    } else {
        return 0;
    }
    p->name = name;
    p->fn.name = name;
    p->builtin = 1;
    p->n = p->fn.n;
    p->m = p->fn.m;
    p->x = malloc((p->n ? p->n : 1) * sizeof *p->x);
    p->xname = malloc((p->n ? p->n : 1) * sizeof *p->xname);
    p->xname_buf = malloc((p->n ? p->n : 1) * 24);
    if (p->x == NULL || p->xname == NULL || p->xname_buf == NULL)
        return -1;
    static const char *const lorenz_names[6] = {"x0",    "y0",  "z0",
                                                "sigma", "rho", "beta"};
    ad_bench_rng rng = {AD_BENCH_SEED};
    for (size_t i = 0; i < p->n; i++) {
        char *b = p->xname_buf + 24 * i;
        if (!strcmp(name, "lorenz"))
            snprintf(b, 24, "%s", lorenz_names[i]);
        else
            snprintf(b, 24, "x%zu", i);
        p->xname[i] = b;
        if (fill != NULL) {
            p->x[i] = fill(p->fn.params, i, &rng);
        } else {
            /* The heat problem starts from the first sine mode, moved by
             * up to 10% so that the point is not symmetric. */
            double t = ((double)i + 1.0) / ((double)p->n + 1.0);
            p->x[i] = sin(3.141592653589793 * t) *
                      (1.0 + ad_bench_uniform(&rng, -0.1, 0.1));
        }
    }
    return 1;
}

/* Records fn.f_var at x on p->tape. */
static int record_fn(ad_cli_problem *p)
{
    ad_var *xv = malloc((p->n ? p->n : 1) * sizeof *xv);
    ad_var *yv = malloc((p->m ? p->m : 1) * sizeof *yv);
    int st = xv != NULL && yv != NULL ? ad_tape_begin(p->tape) : AD_ENOMEM;
    if (st == AD_OK) {
        ad_independent_array(p->n, p->x, xv);
        p->fn.f_var(xv, yv, p->fn.params);
        ad_dependent_array(p->m, yv);
        st = ad_tape_end(p->tape);
    }
    free(xv);
    free(yv);
    return st;
}

int ad_cli_problem_open(ad_cli_problem *p, const char *cmd, const char *spec,
                        long n_opt, const char *const *at, size_t nat)
{
    memset(p, 0, sizeof *p);
    if (spec == NULL)
        spec = "rosenbrock";
    int b = builtin(p, spec, n_opt);
    if (b < 0) {
        complain(cmd, "out of memory");
        return AD_CMD_FAILED;
    }
    if (b == 0) {
        ad_expr_error er;
        if (n_opt > 0) {
            complain(cmd,
                     "--n applies to a built-in problem, not to the "
                     "expression '%s'",
                     spec);
            return AD_CMD_USAGE;
        }
        if (ad_expr_parse(spec, strlen(spec), NULL, 0, 0, &p->expr, &er) !=
            AD_OK) {
            if (er.column > 0) {
                complain(cmd, "column %zu: %s", er.column, er.msg);
                fprintf(stderr, "    %.72s\n    %*s^\n", spec,
                        (int)(er.column > 72 ? 72 : er.column - 1), "");
            } else {
                complain(cmd, "%s", er.msg);
            }
            fprintf(stderr, "(not a built-in problem either: rosenbrock, "
                            "speelpenning, mlp, lorenz, reaction, heat)\n");
            return AD_CMD_USAGE;
        }
        p->name = spec;
        p->n = ad_expr_ninputs(p->expr);
        p->m = ad_expr_noutputs(p->expr);
        if (p->n == 0) {
            complain(cmd, "'%s' has no variables: nothing to differentiate",
                     spec);
            return AD_CMD_USAGE;
        }
        p->fn = (ad_fn){.n = p->n,
                        .m = p->m,
                        .params = p->expr,
                        .name = spec,
                        .f_double = expr_double};
        p->x = calloc(p->n, sizeof *p->x);
        p->xname = malloc(p->n * sizeof *p->xname);
        if (p->x == NULL || p->xname == NULL) {
            complain(cmd, "out of memory");
            return AD_CMD_FAILED;
        }
        for (size_t i = 0; i < p->n; i++)
            p->xname[i] = ad_expr_input(p->expr, i);
    }
    int rc = read_point(p, cmd, at, nat);
    if (rc != AD_CMD_OK)
        return rc;
    p->tape = ad_tape_new();
    int st = p->tape == NULL ? AD_ENOMEM
             : p->expr != NULL
                 ? ad_expr_record(p->expr, p->tape, p->x, AD_EXPR_ALL)
                 : record_fn(p);
    if (st != AD_OK) {
        complain(cmd, "recording the tape: %s", ad_strerror(st));
        return AD_CMD_FAILED;
    }
    return AD_CMD_OK;
}

void ad_cli_problem_close(ad_cli_problem *p)
{
    ad_expr_free(p->expr);
    ad_tape_free(p->tape);
    free(p->x);
    free(p->xname);
    free(p->xname_buf);
    memset(p, 0, sizeof *p);
}
