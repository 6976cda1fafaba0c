/* compare.c -- `admix compare`: every applicable mode on one problem, with
 * its cost relative to f, its memory and its error against MPFR.
 *
 *     admix compare                       rosenbrock, n = 10
 *     admix compare reaction --n 100 --csv
 *     admix compare 'sin(x^2)' --at x=2
 *
 * First derivatives (the gradient when m = 1, else the Jacobian) by forward
 * mode (ad_dual, one direction a pass; ad_dualv, AD_LANES directions),
 * reverse mode (recording and sweeps, and the sweeps alone on a recorded
 * tape), tangent sweeps of the tape, finite differences and the complex
 * step; when m = 1 and n is small, the Hessian by forward-over-reverse,
 * hyper-dual numbers and differences of reverse gradients.  Each is timed
 * by bench/'s timer (the median of several samples, each long enough to
 * time) and divided by the time of f itself; the error is the largest
 * |d - r| over the entries, and that divided by the largest |r|, where r
 * is the tape's replay in MPFR at 256 bits rounded once to double.
 *
 * An expression has only its tape and f_double (problems.h): the rows of
 * the forward modes and the complex step do not apply to it, and its
 * Hessian by differences of gradients differentiates the tape's gradients.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cmd.h"
#include "problems.h"

enum { FMT_TABLE, FMT_CSV, FMT_JSON };

/* The methods, in the order of the table. */
enum {
    M_F,          /* f itself (f_double) */
    M_REF,        /* the MPFR replay: the reference */
    M_FWD_DUAL,   /* ad_jacobian FORWARD with f_dual only */
    M_FWD_DUALV,  /* ad_jacobian FORWARD with f_dualv */
    M_REV,        /* recording + reverse sweeps */
    M_TAPE_REV,   /* reverse sweeps of the recorded tape */
    M_TAPE_FWD,   /* tangent sweeps of the recorded tape */
    M_FD_FORWARD, /* forward differences */
    M_FD_CENTRAL, /* central differences */
    M_CSTEP,      /* the complex step */
    M_H_REF,      /* the MPFR Hessian: the reference */
    M_H_FOR_REV,  /* forward-over-reverse */
    M_H_HDUAL,    /* hyper-dual numbers */
    M_H_FD_REV,   /* central differences of reverse gradients */
    M_COUNT
};

typedef struct method {
    const char *what, *name, *about;
    int builtin_only; /* needs entry points an expression lacks */
    int tape_bytes;   /* its memory is the tape's */
} method;

static const method methods[M_COUNT] = {
    [M_F] = {"value", "f", "f_double", 0, 0},
    [M_REF] = {"first", "mpfr", "MPFR replay of the tape (reference)", 0, 0},
    [M_FWD_DUAL] = {"first", "forward dual", "ad_dual, 1 direction/pass", 1, 0},
    [M_FWD_DUALV] = {"first", "forward dualv", "ad_dualv", 1, 0},
    [M_REV] = {"first", "reverse", "record + adjoint sweeps", 0, 1},
    [M_TAPE_REV] = {"first", "tape reverse", "adjoint sweeps only", 0, 1},
    [M_TAPE_FWD] = {"first", "tape forward", "tangent sweeps only", 0, 1},
    [M_FD_FORWARD] = {"first", "fd forward", "forward differences", 0, 0},
    [M_FD_CENTRAL] = {"first", "fd central", "central differences", 0, 0},
    [M_CSTEP] = {"first", "complex step", "Im f(x + ih e_j) / h", 1, 0},
    [M_H_REF] = {"hessian", "mpfr", "MPFR replay of the tape (reference)", 0,
                 0},
    [M_H_FOR_REV] = {"hessian", "for_rev", "forward over reverse", 0, 1},
    [M_H_HDUAL] = {"hessian", "hyperdual", "ad_hdual, n(n+1)/2 passes", 1, 0},
    [M_H_FD_REV] = {"hessian", "fd_rev", "differences of gradients", 0, 1},
};

typedef struct cargs {
    const char *spec;
    long n;
    const char **at;
    size_t nat;
    int format;
    double min_time; /* seconds per sample */
    int samples;
    long hess_max;    /* Hessians only up to this n */
    double budget;    /* seconds a row may take, estimated beforehand */
    long threads;     /* OpenMP threads of the drivers */
    const char *plot; /* --plot FILE.png, or NULL */
} cargs;

/* One method's work, the body bench/'s timer calls. */
typedef struct job {
    ad_cli_problem *p;
    int method;
    double *out;          /* the derivative (m n, or n n) */
    double *y;            /* f(x), m values */
    double *V;            /* the n x n identity (M_TAPE_FWD), or NULL */
    double *W;            /* the m x m identity (adjoint sweeps), or NULL */
    double *e;            /* a unit vector's storage, zero between uses */
    double *xs, *gp, *gm; /* M_H_FD_REV of an expression */
    ad_tape *scratch;     /* M_REV of an expression */
    int status;
} job;

/* The status of a row left out for its estimated time. */
#define SKIPPED (-1)

/* The result of one row. */
typedef struct row {
    int method;
    int status;
    double time, ratio, abs_err, rel_err;
    double est; /* SKIPPED: the estimated seconds */
    size_t bytes;
} row;

static void complain(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s compare: ", ad_cmd_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void ad_cmd_compare_usage(FILE *out)
{
    fprintf(out,
            "usage: %s compare [PROBLEM | EXPR] [--n N] [--at ...] "
            "[--csv | --json] [--plot FILE.png]\n\n"
            "Every applicable mode on one function: the gradient (one "
            "output) or the\n"
            "Jacobian by forward mode, reverse mode, tape sweeps, finite "
            "differences and\n"
            "the complex step; with one output and n <= --hessian-max, the "
            "Hessian by\n"
            "forward-over-reverse, hyper-dual numbers and differences of "
            "gradients.\n"
            "For each: its time (median of samples) and its ratio to the "
            "time of f,\n"
            "the tape's bytes where it uses one, and its largest error "
            "against the\n"
            "MPFR replay of the tape (absolute, and relative to the "
            "largest entry).\n\n"
            "problems (default rosenbrock):\n",
            ad_cmd_prog);
    for (int i = 0; ad_cli_problem_help[i] != NULL; i++)
        fprintf(out, "  %s\n", ad_cli_problem_help[i]);
    fprintf(out,
            "or an expression, e.g. 'x*y + exp(-y), hypot(x, y)', on its "
            "tape (no\nforward-mode or complex-step rows).\n\n"
            "options:\n"
            "  --n N            the size of a built-in problem\n"
            "  --at ...         the point (as for '%s verify')\n"
            "  --samples K      samples per timing (default 5)\n"
            "  --min-time MS    milliseconds per sample at least (default "
            "10)\n"
            "  --quick          3 samples of 1 ms\n"
            "  --hessian-max N  Hessians only up to N inputs (default 100)\n"
            "  --budget S       leave out a row estimated to take more than S "
            "seconds\n"
            "                   (default 30)\n"
            "  --threads T      OpenMP threads for the drivers' passes "
            "(default 1, so\n"
            "                   that every time is comparable with f's)\n"
            "  --csv, --json    for scripts\n"
            "  --plot FILE.png  the time ratios as a bar chart, drawn by "
            "gnuplot\n",
            ad_cmd_prog);
}

static int read_args(cargs *a, int argc, char **argv)
{
    a->at = calloc((size_t)argc, sizeof *a->at);
    if (a->at == NULL)
        return AD_CMD_FAILED;
    for (int i = 1; i < argc; i++) {
        const char *s, *v;
        static const char *const valued[] = {
            "--n",           "--at",     "--samples", "--min-time",
            "--hessian-max", "--budget", "--threads", "--plot"};
        v = ad_cli_option("compare", argc, argv, &i, valued,
                          sizeof valued / sizeof valued[0], &s);
        if (s == NULL)
            return AD_CMD_USAGE;
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            ad_cmd_compare_usage(stdout);
            return -1;
        } else if (v != NULL && !strcmp(s, "--at")) {
            a->at[a->nat++] = v;
        } else if (v != NULL && !strcmp(s, "--plot")) {
            a->plot = v;
        } else if (v != NULL) {
            /* The numeric options. */
            char *end;
            errno = 0;
            double d = strtod(v, &end);
            long lo = !strcmp(s, "--hessian-max") ? 0 : 1;
            int integer =
                strcmp(s, "--min-time") != 0 && strcmp(s, "--budget") != 0;
            if (end == v || *end != '\0' || errno != 0 || !(d >= (double)lo) ||
                d > 1e9 || (integer && d != floor(d)) ||
                (!strcmp(s, "--samples") && d > AD_BENCH_MAX_SAMPLES)) {
                complain("%s wants a%s number%s, not '%s'", s,
                         integer ? "n integer" : "",
                         !strcmp(s, "--samples") ? " from 1 to 101"
                         : lo                    ? " >= 1"
                                                 : " >= 0",
                         v);
                return AD_CMD_USAGE;
            }
            if (!strcmp(s, "--n"))
                a->n = (long)d;
            else if (!strcmp(s, "--samples"))
                a->samples = (int)d;
            else if (!strcmp(s, "--min-time"))
                a->min_time = d * 1e-3;
            else if (!strcmp(s, "--budget"))
                a->budget = d;
            else if (!strcmp(s, "--threads"))
                a->threads = (long)d;
            else
                a->hess_max = (long)d;
        } else if (!strcmp(s, "--quick")) {
            a->samples = 3;
            a->min_time = 1e-3;
        } else if (!strcmp(s, "--csv")) {
            a->format = FMT_CSV;
        } else if (!strcmp(s, "--json")) {
            a->format = FMT_JSON;
        } else if (s[0] == '-' && s[1] == '-' && s[2] != '\0') {
            complain("unknown option '%s'", s);
            ad_cmd_compare_usage(stderr);
            return AD_CMD_USAGE;
        } else if (a->spec != NULL) {
            complain("one problem or expression only: '%s' and '%s'", a->spec,
                     s);
            return AD_CMD_USAGE;
        } else {
            a->spec = s;
        }
    }
    return AD_CMD_OK;
}

/* ---- the methods -------------------------------------------------------- */

/* The Hessian of an expression by central differences of its tape's
 * gradients, h = cbrt(eps) max(1, |x_i|) as AD_FD_REV takes it, then
 * symmetrised. */
static int expr_fd_rev(job *j)
{
    ad_cli_problem *p = j->p;
    size_t n = p->n;
    memcpy(j->xs, p->x, n * sizeof *j->xs);
    for (size_t i = 0; i < n; i++) {
        double h = cbrt(DBL_EPSILON) * fmax(1.0, fabs(p->x[i]));
        volatile double xp = p->x[i] + h, xm = p->x[i] - h;
        j->xs[i] = xp;
        int st = ad_tape_gradient(p->tape, j->xs, j->gp);
        j->xs[i] = xm;
        if (st == AD_OK)
            st = ad_tape_gradient(p->tape, j->xs, j->gm);
        j->xs[i] = p->x[i];
        if (st != AD_OK)
            return st;
        for (size_t k = 0; k < n; k++)
            j->out[i * n + k] = (j->gp[k] - j->gm[k]) / (xp - xm);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++) {
            double s = 0.5 * (j->out[i * n + k] + j->out[k * n + i]);
            j->out[i * n + k] = j->out[k * n + i] = s;
        }
    return AD_OK;
}

/* The MPFR references: the Jacobian by min(n, m) replays, the Hessian by
 * n Hessian-vector replays. */
static int mpfr_first(ad_cli_problem *p, double *J, double *e)
{
    size_t n = p->n, m = p->m;
    int st = AD_OK;
    if (m == 1)
        return ad_tape_mpfr_gradient(p->tape, NULL, 0, J);
    if (n <= m) {
        double *col = malloc(m * sizeof *col);
        if (col == NULL)
            return AD_ENOMEM;
        for (size_t i = 0; i < n && st == AD_OK; i++) {
            e[i] = 1.0;
            st = ad_tape_mpfr_jvp(p->tape, NULL, 0, e, NULL, col);
            e[i] = 0.0;
            for (size_t k = 0; k < m; k++)
                J[k * n + i] = col[k];
        }
        free(col);
        return st;
    }
    for (size_t k = 0; k < m && st == AD_OK; k++) {
        e[k] = 1.0;
        st = ad_tape_mpfr_vjp(p->tape, NULL, 0, e, NULL, J + k * n);
        e[k] = 0.0;
    }
    return st;
}

static int mpfr_hessian(ad_cli_problem *p, double *H, double *e)
{
    int st = AD_OK;
    for (size_t i = 0; i < p->n && st == AD_OK; i++) {
        e[i] = 1.0;
        st = ad_tape_mpfr_hvp(p->tape, NULL, 0, e, H + i * p->n);
        e[i] = 0.0;
    }
    return st;
}

static int run_method(job *j)
{
    ad_cli_problem *p = j->p;
    ad_fn f = p->fn;
    int one = p->m == 1;
    switch (j->method) {
    case M_F:
        f.f_double(p->x, j->y, f.params);
        return AD_OK;
    case M_REF:
        return mpfr_first(p, j->out, j->e);
    case M_FWD_DUAL:
        /* Without f_dualv the drivers make one f_dual pass per column. */
        f.f_dualv = NULL;
        return one ? ad_gradient(&f, AD_FORWARD, p->x, j->y, j->out)
                   : ad_jacobian(&f, AD_FORWARD, p->x, j->y, j->out, NULL);
    case M_FWD_DUALV:
        return one ? ad_gradient(&f, AD_FORWARD, p->x, j->y, j->out)
                   : ad_jacobian(&f, AD_FORWARD, p->x, j->y, j->out, NULL);
    case M_REV:
        if (p->builtin)
            return one ? ad_gradient(&f, AD_REVERSE, p->x, j->y, j->out)
                       : ad_jacobian(&f, AD_REVERSE, p->x, j->y, j->out, NULL);
        {
            int st = ad_expr_record(p->expr, j->scratch, p->x, AD_EXPR_ALL);
            if (st != AD_OK)
                return st;
            return one ? ad_tape_gradient(j->scratch, NULL, j->out)
                       : ad_tape_vjp_multi(j->scratch, NULL, p->m, j->W, j->y,
                                           j->out);
        }
    case M_TAPE_REV:
        return one ? ad_tape_gradient(p->tape, NULL, j->out)
                   : ad_tape_vjp_multi(p->tape, NULL, p->m, j->W, j->y, j->out);
    case M_TAPE_FWD: {
        /* JV = J I, n x n identity in, m x n out: the Jacobian. */
        return ad_tape_jvp_multi(p->tape, NULL, p->n, j->V, j->y, j->out);
    }
    case M_FD_FORWARD:
        return ad_fd_jacobian(&f, AD_REF_FD_FORWARD, p->x, 0, j->out, NULL);
    case M_FD_CENTRAL:
        return ad_fd_jacobian(&f, AD_REF_FD_CENTRAL, p->x, 0, j->out, NULL);
    case M_CSTEP:
        return ad_cstep_jacobian(&f, p->x, j->y, j->out);
    case M_H_REF:
        return mpfr_hessian(p, j->out, j->e);
    case M_H_FOR_REV:
        if (p->builtin)
            return ad_hessian(&f, AD_FOR_REV, p->x, j->out, NULL);
        return ad_tape_hessian(p->tape, NULL, j->out);
    case M_H_HDUAL:
        return ad_hessian(&f, AD_HYPERDUAL, p->x, j->out, NULL);
    case M_H_FD_REV:
        if (p->builtin)
            return ad_hessian(&f, AD_FD_REV, p->x, j->out, NULL);
        return expr_fd_rev(j);
    }
    return AD_EINVAL;
}

/* About how many evaluations of f one call of a method costs: a rough
 * estimate, from the costs the modes are known to have (a dual pass about
 * 3 f, a reverse sweep about 5 f, an MPFR operation some 300 times a
 * double one), to leave out rows that would run for minutes. */
static double cost_in_f(int md, const ad_cli_problem *p)
{
    double n = (double)p->n, m = (double)p->m, k = n < m ? n : m;
    switch (md) {
    case M_F:
        return 1;
    case M_REF:
        return 300 * (m == 1 ? 3 : k);
    case M_FWD_DUAL:
    case M_FWD_DUALV:
    case M_TAPE_FWD:
        return 3 * n;
    case M_REV:
    case M_TAPE_REV:
        return 5 * m;
    case M_FD_FORWARD:
        return n + 1;
    case M_FD_CENTRAL:
        return 2 * n;
    case M_CSTEP:
        return 4 * n + 5;
    case M_H_REF:
        return 900 * n;
    case M_H_HDUAL:
        return 4 * n * (n + 1) / 2;
    default:
        return 10 * n;
    }
}

static void job_body(void *ctx)
{
    job *j = ctx;
    int st = run_method(j);
    /* Keep the first failure: the timer calls the body many times. */
    if (j->status == AD_OK)
        j->status = st;
}

/* The time ratios of the rows that ran, as a bar chart on a log scale,
 * drawn by gnuplot into file; 1 on success (a message on stderr if not). */
static int plot_rows(const ad_cli_problem *p, const row *r, size_t nr,
                     const char *file)
{
    if (!ad_cli_on_path("gnuplot")) {
        complain("gnuplot is not installed, so no plot was written "
                 "(apt-get install gnuplot); the table has the numbers");
        return 0;
    }
    if (strpbrk(file, "'\"\\\n") != NULL || strpbrk(p->name, "'\"\\\n")) {
        complain("--plot: a file name (and problem) without quotes or "
                 "backslashes, please");
        return 0;
    }
    fflush(stdout);
    FILE *g = popen("gnuplot", "w");
    if (g == NULL) {
        complain("--plot: cannot run gnuplot: %s", strerror(errno));
        return 0;
    }
    fprintf(g,
            "set terminal png noenhanced size 900,540\n"
            "set output '%s'\n"
            "set title 'admix compare: %s (n = %zu, m = %zu)'\n"
            "set ylabel 'time / time of f'\nset logscale y\n"
            "set style fill solid 0.6\nset boxwidth 0.7\n"
            "set xtics rotate by -35\nset grid ytics\nunset key\n"
            "plot '-' using 0:2:xtic(1) with boxes\n",
            file, p->name, p->n, p->m);
    for (size_t i = 0; i < nr; i++)
        if (r[i].status == AD_OK && r[i].method != M_F && r[i].ratio > 0)
            fprintf(g, "\"%s%s\" %.6g\n",
                    !strcmp(methods[r[i].method].what, "hessian") ? "H " : "",
                    methods[r[i].method].name, r[i].ratio);
    fprintf(g, "e\n");
    if (pclose(g) != 0) {
        complain("gnuplot failed to write '%s'", file);
        return 0;
    }
    fprintf(stderr, "%s compare: wrote %s\n", ad_cmd_prog, file);
    return 1;
}

/* ---- output ------------------------------------------------------------- */

static void fmt_time(char *b, size_t k, double s)
{
    if (!(s > 0))
        snprintf(b, k, "-");
    else if (s < 1e-6)
        snprintf(b, k, "%.1f ns", s * 1e9);
    else if (s < 1e-3)
        snprintf(b, k, "%.2f us", s * 1e6);
    else if (s < 1.0)
        snprintf(b, k, "%.2f ms", s * 1e3);
    else
        snprintf(b, k, "%.2f s", s);
}

static void fmt_bytes(char *b, size_t k, size_t n)
{
    if (n == 0)
        snprintf(b, k, "-");
    else if (n < 10000)
        snprintf(b, k, "%zu B", n);
    else if (n < 10000000)
        snprintf(b, k, "%.1f kB", (double)n / 1e3);
    else
        snprintf(b, k, "%.1f MB", (double)n / 1e6);
}

static void json_num(double v)
{
    if (isfinite(v))
        printf("%.6g", v);
    else
        printf("null");
}

static const char *status_name(int st)
{
    return st == AD_OK ? "ok" : st == SKIPPED ? "skipped" : ad_strerror(st);
}

static void print_rows(const ad_cli_problem *p, const cargs *a, const row *r,
                       size_t nr)
{
    if (a->format == FMT_JSON) {
        printf("{\n  \"problem\": \"");
        for (const char *s = p->name; *s; s++) {
            if (*s == '"' || *s == '\\')
                putchar('\\');
            putchar(*s);
        }
        printf("\",\n  \"n\": %zu,\n  \"m\": %zu,\n  \"rows\": [", p->n, p->m);
        for (size_t k = 0; k < nr; k++) {
            const method *md = &methods[r[k].method];
            printf("%s\n    {\"what\": \"%s\", \"method\": \"%s\", "
                   "\"status\": \"%s\", \"seconds\": ",
                   k ? "," : "", md->what, md->name, status_name(r[k].status));
            json_num(r[k].time);
            printf(", \"ratio\": ");
            json_num(r[k].ratio);
            printf(", \"tape_bytes\": %zu, \"max_abs_err\": ", r[k].bytes);
            json_num(r[k].abs_err);
            printf(", \"rel_err\": ");
            json_num(r[k].rel_err);
            printf("}");
        }
        printf("\n  ]\n}\n");
        return;
    }
    if (a->format == FMT_CSV) {
        printf("what,method,status,seconds,ratio,tape_bytes,max_abs_err,"
               "rel_err\n");
        for (size_t k = 0; k < nr; k++)
            printf("%s,%s,%s,%.6g,%.6g,%zu,%.6g,%.6g\n",
                   methods[r[k].method].what, methods[r[k].method].name,
                   status_name(r[k].status), r[k].time, r[k].ratio, r[k].bytes,
                   r[k].abs_err, r[k].rel_err);
        return;
    }
    printf("%s: n = %zu, m = %zu; times are medians, errors against the "
           "MPFR replay\nof the tape (256 bits)\n\n",
           p->name, p->n, p->m);
    printf("%-8s  %-13s  %-36s  %10s  %8s  %9s  %9s  %9s\n", "what", "method",
           "", "time", "ratio", "memory", "max err", "rel err");
    for (size_t k = 0; k < nr; k++) {
        const method *md = &methods[r[k].method];
        char t[32], rt[32], b[32], e1[32], e2[32];
        fmt_time(t, sizeof t, r[k].time);
        snprintf(rt, sizeof rt, "%.2f", r[k].ratio);
        fmt_bytes(b, sizeof b, r[k].bytes);
        snprintf(e1, sizeof e1, "%.2e", r[k].abs_err);
        snprintf(e2, sizeof e2, "%.2e", r[k].rel_err);
        if (r[k].method == M_REF || r[k].method == M_H_REF) {
            snprintf(e1, sizeof e1, "ref");
            snprintf(e2, sizeof e2, "-");
        }
        if (r[k].status == SKIPPED)
            printf("%-8s  %-13s  %-36s  left out: about %.0f s (--budget)\n",
                   md->what, md->name, md->about, r[k].est);
        else if (r[k].status != AD_OK)
            printf("%-8s  %-13s  %-36s  %s\n", md->what, md->name, md->about,
                   ad_strerror(r[k].status));
        else
            printf("%-8s  %-13s  %-36s  %10s  %8s  %9s  %9s  %9s\n", md->what,
                   md->name, md->about, t, rt, b, e1, e2);
    }
}

/* ---- the command -------------------------------------------------------- */

int ad_cmd_compare(int argc, char **argv)
{
    cargs a = {.min_time = 0.01,
               .samples = 5,
               .hess_max = 100,
               .budget = 30,
               .threads = 1};
    ad_cli_problem p = {0};
    job j = {0};
    row r[M_COUNT];
    size_t nr = 0;
    double *ref = NULL, *href = NULL;
    int rc = read_args(&a, argc, argv);
    if (rc == AD_CMD_OK)
        rc = ad_cli_problem_open(&p, "compare", a.spec, a.n, a.at, a.nat);
    if (rc != AD_CMD_OK)
        goto done;
    size_t n = p.n, m = p.m;
    int hess = m == 1 && (long)n <= a.hess_max;
    size_t big = hess && n * n > m * n ? n * n : m * n;
    if (n > 0 && m > 50000000 / n) {
        complain("a %zu x %zu Jacobian is too large to compare", m, n);
        rc = AD_CMD_FAILED;
        goto done;
    }
    size_t vk = n > m ? n : m;
    j.p = &p;
    j.out = malloc(big * sizeof *j.out);
    j.y = malloc(m * sizeof *j.y);
    j.xs = malloc(n * sizeof *j.xs);
    j.e = calloc(vk, sizeof *j.e);
    j.gp = malloc(n * sizeof *j.gp);
    j.gm = malloc(n * sizeof *j.gm);
    /* The identities seed the tape's vector sweeps; past 2000 they are
     * too big to be worth it, and those rows are left out. */
    j.V = n <= 2000 ? calloc(n * n, sizeof *j.V) : NULL;
    j.W = m > 1 && m <= 2000 ? calloc(m * m, sizeof *j.W) : NULL;
    j.scratch = p.expr != NULL ? ad_tape_new() : NULL;
    ref = malloc(m * n * sizeof *ref);
    href = hess ? malloc(n * n * sizeof *href) : NULL;
    if (j.out == NULL || j.y == NULL || j.xs == NULL || j.e == NULL ||
        j.gp == NULL || j.gm == NULL || ref == NULL || (hess && href == NULL) ||
        (p.expr != NULL && j.scratch == NULL)) {
        complain("out of memory");
        rc = AD_CMD_FAILED;
        goto done;
    }
    for (size_t i = 0; j.V != NULL && i < n; i++)
        j.V[i * n + i] = 1.0;
    for (size_t i = 0; j.W != NULL && i < m; i++)
        j.W[i * m + i] = 1.0;

#ifdef _OPENMP
    /* f runs on one thread: so do its derivatives, unless asked, for the
     * ratios to be costs (and on a busy machine, idle threads waiting at a
     * barrier cost more than the work). */
    int old_threads = omp_get_max_threads();
    omp_set_num_threads((int)a.threads);
#endif
    double start = ad_bench_now(), tf = NAN;
    ad_tape_info info;
    ad_tape_stats(p.tape, &info);
    double *yref = malloc(m * sizeof *yref);
    if (yref == NULL || ad_tape_mpfr_eval(p.tape, NULL, 0, yref) != AD_OK) {
        complain("the MPFR replay failed");
        free(yref);
        rc = AD_CMD_FAILED;
        goto done;
    }
    for (int md = 0; md < M_COUNT; md++) {
        if (methods[md].builtin_only && !p.builtin)
            continue;
        if (!hess && md >= M_H_REF)
            continue;
        if (md == M_TAPE_FWD && j.V == NULL)
            continue;
        if (m > 1 && j.W == NULL &&
            (md == M_TAPE_REV || (md == M_REV && !p.builtin)))
            continue;
        row *w = &r[nr++];
        memset(w, 0, sizeof *w);
        w->method = md;
        /* The timer calls the body at least samples + 1 times. */
        double est = md == M_F ? 0.0 : (a.samples + 1) * cost_in_f(md, &p) * tf;
        if (est > a.budget) {
            w->status = SKIPPED;
            w->est = est;
            w->time = w->ratio = w->abs_err = w->rel_err = NAN;
            continue;
        }
        if (ad_bench_now() - start > 1.0)
            fprintf(stderr, "%s compare: %s by %s...\n", ad_cmd_prog,
                    methods[md].what, methods[md].name);
        j.method = md;
        j.status = AD_OK;
        ad_bench_timing t;
        ad_bench_measure(job_body, &j, a.min_time, a.samples, &t);
        w->status = j.status == AD_EDOM ? AD_OK : j.status;
        w->time = t.median;
        if (md == M_F)
            tf = t.median;
        w->ratio = w->time / tf;
        w->bytes = methods[md].tape_bytes ? info.bytes : 0;
        if (w->status != AD_OK)
            continue;
        /* The errors against the reference; the references are kept. */
        const double *R = md == M_F ? yref : md >= M_H_REF ? href : ref;
        size_t k = md == M_F ? m : md >= M_H_REF ? n * n : m * n;
        const double *D = md == M_F ? j.y : j.out;
        if (md == M_REF)
            memcpy(ref, j.out, m * n * sizeof *ref);
        if (md == M_H_REF)
            memcpy(href, j.out, n * n * sizeof *href);
        double big_r = 0.0, err = 0.0;
        for (size_t i = 0; i < k; i++) {
            double e = fabs(D[i] - R[i]);
            big_r = fmax(big_r, fabs(R[i]));
            err = isnan(e) || e > err ? e : err;
        }
        w->abs_err = err;
        w->rel_err = big_r > 0 ? err / big_r : err;
    }
    free(yref);
#ifdef _OPENMP
    omp_set_num_threads(old_threads);
#endif
    print_rows(&p, &a, r, nr);
    if (a.plot != NULL && !plot_rows(&p, r, nr, a.plot))
        rc = AD_CMD_FAILED;
done:
    free(j.out);
    free(j.y);
    free(j.xs);
    free(j.gp);
    free(j.gm);
    free(j.V);
    free(j.W);
    free(j.e);
    ad_tape_free(j.scratch);
    free(ref);
    free(href);
    free(a.at);
    ad_cli_problem_close(&p);
    ad_thread_release();
    return rc < 0 ? AD_CMD_OK : rc;
}
