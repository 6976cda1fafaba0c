/* verify.c -- `admix verify`: a derivative checked against independent
 * references (include/admix/verify.h), from the command line.
 *
 *     admix verify                          rosenbrock, n = 10
 *     admix verify mlp --n 4 --hessian
 *     admix verify 'x*y + exp(-y), hypot(x, y)' --at x=2,y=0.5
 *     admix verify lorenz --sweep --plot sweep.png --taylor
 *
 * On a built-in problem the derivative of the chosen mode is checked by
 * ad_verify_gradient, _jacobian or _hessian against every default reference
 * (MPFR replay, complex step, finite differences) and the report printed by
 * ad_verify_print.  An expression has a tape but no ad_fn entry points other
 * than f_double (problems.h): its derivative comes from the tape and is
 * passed to ad_verify_* as the caller's own, the finite-difference
 * references check it there, and the MPFR replay of the tape -- the
 * reference ad_verify_* cannot compute without f_var -- is compared here
 * with the same criterion (8 ulps entrywise or 64 ulps of the row's
 * largest entry).
 *
 * Exit status 0 when every check passed, 1 when one failed, 2 for a usage
 * error.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "problems.h"

enum { FMT_TABLE, FMT_CSV, FMT_JSON };

typedef struct vargs {
    const char *spec;
    long n;
    const char **at;
    size_t nat;
    ad_mode mode;
    int mode_given;
    int hessian, sweep, taylor;
    const char *plot;
    int format;
    long prec;
} vargs;

static void complain(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s verify: ", ad_cmd_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void ad_cmd_verify_usage(FILE *out)
{
    fprintf(out,
            "usage: %s verify [PROBLEM | EXPR] [--n N] [--at ...] [--mode M] "
            "[--hessian]\n"
            "                    [--sweep [--plot FILE.png]] [--taylor] "
            "[--csv | --json]\n\n"
            "Checks a derivative against independent references: the MPFR "
            "replay of the\n"
            "tape (256 bits), the complex step and finite differences "
            "(central, 5-point,\n"
            "Richardson, GSL, MPFR).  The gradient when there is one output, "
            "else the\n"
            "Jacobian; the Hessian with --hessian.  Exit status 1 when the "
            "check fails.\n\n"
            "problems (default rosenbrock):\n",
            ad_cmd_prog);
    for (int i = 0; ad_cli_problem_help[i] != NULL; i++)
        fprintf(out, "  %s\n", ad_cli_problem_help[i]);
    fprintf(out,
            "or an expression of the variables, e.g. 'x*y + exp(-y), "
            "hypot(x, y)'\n(see '%s grad --help'), differentiated on its "
            "tape.\n\n"
            "options:\n"
            "  --n N          the size of a built-in problem\n"
            "  --at ...       the point: x=2,y=0.5 for an expression; for a "
            "problem one\n"
            "                 value for all inputs, n values 1,2,3, or "
            "x3=0.5 items\n"
            "                 (default: a fixed-seed point)\n"
            "  --mode M       the mode checked on a problem: auto, forward, "
            "reverse,\n"
            "                 for_rev, hyperdual, fd_rev (default auto)\n"
            "  --hessian      check the Hessian (one output)\n"
            "  --prec BITS    MPFR precision of the references (default "
            "256)\n"
            "  --sweep        the error of finite differences against the "
            "step h\n"
            "  --plot FILE    ...and its plot, a PNG drawn by gnuplot\n"
            "  --taylor       the Taylor test: residual rates 1, 2, 3 "
            "(one output)\n"
            "  --csv, --json  for scripts\n",
            ad_cmd_prog);
}

static int parse_mode(const char *s, ad_mode *m)
{
    for (int k = AD_AUTO; k <= AD_FD_REV; k++) {
        const char *name = ad_mode_name((ad_mode)k);
        size_t i = 0;
        /* for-rev and fd-rev are accepted as well as for_rev. */
        while (s[i] != '\0' && name[i] != '\0' &&
               (s[i] == name[i] || (s[i] == '-' && name[i] == '_')))
            i++;
        if (s[i] == '\0' && name[i] == '\0') {
            *m = (ad_mode)k;
            return 1;
        }
    }
    return 0;
}

static int read_args(vargs *a, int argc, char **argv)
{
    a->at = calloc((size_t)argc, sizeof *a->at);
    if (a->at == NULL)
        return AD_CMD_FAILED;
    for (int i = 1; i < argc; i++) {
        const char *s, *v;
        /* Options with a value: --name V or --name=V. */
        static const char *const valued[] = {"--n", "--at", "--mode", "--plot",
                                             "--prec"};
        v = ad_cli_option("verify", argc, argv, &i, valued,
                          sizeof valued / sizeof valued[0], &s);
        if (s == NULL)
            return AD_CMD_USAGE;
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            ad_cmd_verify_usage(stdout);
            return -1;
        } else if (v != NULL && !strcmp(s, "--n")) {
            char *end;
            errno = 0;
            a->n = strtol(v, &end, 10);
            if (end == v || *end != '\0' || a->n < 1 || errno != 0) {
                complain("--n wants a positive integer, not '%s'", v);
                return AD_CMD_USAGE;
            }
        } else if (v != NULL && !strcmp(s, "--prec")) {
            char *end;
            errno = 0;
            a->prec = strtol(v, &end, 10);
            if (end == v || *end != '\0' || a->prec < 2 || errno != 0 ||
                a->prec > 100000) {
                complain("--prec wants bits from 2 to 100000, not '%s'", v);
                return AD_CMD_USAGE;
            }
        } else if (v != NULL && !strcmp(s, "--at")) {
            a->at[a->nat++] = v;
        } else if (v != NULL && !strcmp(s, "--mode")) {
            if (!parse_mode(v, &a->mode)) {
                complain("unknown mode '%s' (auto, forward, reverse, "
                         "for_rev, hyperdual, fd_rev)",
                         v);
                return AD_CMD_USAGE;
            }
            a->mode_given = 1;
        } else if (v != NULL && !strcmp(s, "--plot")) {
            a->plot = v;
            a->sweep = 1;
        } else if (!strcmp(s, "--hessian")) {
            a->hessian = 1;
        } else if (!strcmp(s, "--sweep")) {
            a->sweep = 1;
        } else if (!strcmp(s, "--taylor")) {
            a->taylor = 1;
        } else if (!strcmp(s, "--csv")) {
            a->format = FMT_CSV;
        } else if (!strcmp(s, "--json")) {
            a->format = FMT_JSON;
        } else if (s[0] == '-' && s[1] == '-' && s[2] != '\0') {
            complain("unknown option '%s'", s);
            ad_cmd_verify_usage(stderr);
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

/* ---- the MPFR reference of an expression -------------------------------- */

/* ulp(r) as verify.h defines it: 2^(e-52) for 2^e <= |r| < 2^(e+1). */
static double ulp_of(double r)
{
    r = fabs(r);
    if (r < DBL_MIN)
        return DBL_TRUE_MIN;
    int e;
    frexp(r, &e);
    return ldexp(1.0, e - 53);
}

typedef struct mpfr_check {
    int status;
    double max_ulp, max_norm_ulp, max_rel;
    size_t nfail;
    int pass;
} mpfr_check;

/* The tape's derivative d (rows x cols) against its MPFR replay. */
static mpfr_check check_mpfr(ad_cli_problem *p, const vargs *a, int what,
                             const double *d, size_t rows, size_t cols)
{
    mpfr_check c = {AD_ENOMEM, 0, 0, 0, 0, 0};
    double *R = malloc(rows * cols * sizeof *R);
    double *e = calloc(rows > cols ? rows : cols, sizeof *e);
    if (R == NULL || e == NULL)
        goto out;
    c.status = AD_OK;
    if (what == AD_VERIFY_HESSIAN) {
        /* Column i of the symmetric Hessian is row i. */
        for (size_t i = 0; i < cols && c.status == AD_OK; i++) {
            e[i] = 1.0;
            c.status =
                ad_tape_mpfr_hvp(p->tape, NULL, a->prec, e, R + i * cols);
            e[i] = 0.0;
        }
    } else {
        for (size_t j = 0; j < rows && c.status == AD_OK; j++) {
            e[j] = 1.0;
            c.status =
                ad_tape_mpfr_vjp(p->tape, NULL, a->prec, e, NULL, R + j * cols);
            e[j] = 0.0;
        }
    }
    for (size_t j = 0; j < rows && c.status == AD_OK; j++) {
        double big = 0.0;
        for (size_t i = 0; i < cols; i++)
            big = fmax(big, fabs(R[j * cols + i]));
        for (size_t i = 0; i < cols; i++) {
            double r = R[j * cols + i], err = fabs(d[j * cols + i] - r);
            double u = d[j * cols + i] == r ? 0.0 : err / ulp_of(r);
            double nu = d[j * cols + i] == r ? 0.0 : err / ulp_of(big);
            /* Equal infinities agree; any other NaN difference is as
             * wrong as can be. */
            if (isnan(err) && d[j * cols + i] != r)
                u = nu = INFINITY;
            c.max_ulp = fmax(c.max_ulp, u);
            c.max_norm_ulp = fmax(c.max_norm_ulp, nu);
            if (big > 0)
                c.max_rel = fmax(c.max_rel, err / big);
            if (!(u <= 8.0 || nu <= 64.0))
                c.nfail++;
        }
    }
    c.pass = c.status == AD_OK && c.nfail == 0;
out:
    free(R);
    free(e);
    return c;
}

/* ---- the Taylor test and the step sweep --------------------------------- */

static void json_num(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, "%.17g", v);
    else
        fputs("null", out);
}

static void json_array(FILE *out, const double *v, size_t k)
{
    fputc('[', out);
    for (size_t i = 0; i < k; i++) {
        if (i)
            fputs(", ", out);
        json_num(out, v[i]);
    }
    fputc(']', out);
}

static int run_taylor(ad_cli_problem *p, const vargs *a)
{
    ad_taylor_result r;
    double *dir = malloc(p->n * sizeof *dir);
    double *g = malloc(p->n * sizeof *g), *hv = malloc(p->n * sizeof *hv);
    int st = AD_ENOMEM;
    if (dir != NULL && g != NULL && hv != NULL) {
        /* A direction like the library's default (entries 0.35 to 0.95
         * times max(1, |x_i|), alternating signs), made here so that the
         * tape's H d can be taken along it for an expression. */
        for (size_t i = 0; i < p->n; i++) {
            double t = fmod(0.6180339887498949 * (double)(i + 1), 1.0);
            dir[i] = (i % 2 ? -1.0 : 1.0) * (0.35 + 0.6 * t) *
                     fmax(1.0, fabs(p->x[i]));
        }
        if (p->builtin) {
            st = ad_taylor_test(&p->fn, p->x, dir, NULL, NULL, &r);
        } else {
            st = ad_tape_gradient(p->tape, NULL, g);
            if (st == AD_OK)
                st = ad_tape_hvp(p->tape, NULL, dir, hv);
            if (st == AD_OK)
                st = ad_taylor_test(&p->fn, p->x, dir, g, hv, &r);
        }
    }
    free(dir);
    free(g);
    free(hv);
    if (st != AD_OK && st != AD_EDOM) {
        complain("Taylor test: %s", ad_strerror(st));
        return -1;
    }
    if (a->format == FMT_JSON) {
        printf(",\n  \"taylor\": {\"eps\": ");
        json_array(stdout, r.eps, AD_TAYLOR_NEPS);
        printf(", \"res0\": ");
        json_array(stdout, r.res0, AD_TAYLOR_NEPS);
        printf(", \"res1\": ");
        json_array(stdout, r.res1, AD_TAYLOR_NEPS);
        printf(", \"res2\": ");
        json_array(stdout, r.res2, AD_TAYLOR_NEPS);
        printf(", \"min_rate0\": ");
        json_num(stdout, r.min_rate0);
        printf(", \"min_rate1\": ");
        json_num(stdout, r.min_rate1);
        printf(", \"min_rate2\": ");
        json_num(stdout, r.min_rate2);
        printf(", \"pass\": %s}", r.pass ? "true" : "false");
        return r.pass;
    }
    int csv = a->format == FMT_CSV;
    if (!csv)
        printf("\nTaylor test along a fixed direction d: residuals of f(x + "
               "eps d) and their\nrates log2(res_k / res_k+1) (1, 2, 3 when "
               "the gradient and H d are right;\n- where a residual is at "
               "the rounding floor)\n");
    else
        printf("\n");
    printf(csv ? "eps,res0,rate0,res1,rate1,res2,rate2\n"
               : "%-9s  %-9s  %-5s  %-9s  %-5s  %-9s  %-5s\n",
           "eps", "res0", "rate0", "res1", "rate1", "res2", "rate2");
    for (int k = 0; k < AD_TAYLOR_NEPS; k++) {
        double rt[3] = {NAN, NAN, NAN};
        if (k > 0) {
            rt[0] = r.rate0[k - 1];
            rt[1] = r.rate1[k - 1];
            rt[2] = r.rate2[k - 1];
        }
        double rs[3] = {r.res0[k], r.res1[k], r.res2[k]};
        char line[256];
        size_t at = (size_t)snprintf(line, sizeof line, "%.3e", r.eps[k]);
        for (int c = 0; c < 3; c++) {
            char rate[16] = "";
            if (!isnan(rt[c]))
                snprintf(rate, sizeof rate, "%.2f", rt[c]);
            else if (!csv)
                snprintf(rate, sizeof rate, "-");
            at += (size_t)snprintf(line + at, sizeof line - at,
                                   csv ? ",%.3e,%s" : "  %-9.3e  %-5s", rs[c],
                                   rate);
        }
        /* A table's row ends without the padding of its last column. */
        while (at > 0 && line[at - 1] == ' ')
            line[--at] = '\0';
        printf("%s\n", line);
    }
    if (!csv)
        printf("smallest rates %.2f, %.2f, %.2f: %s\n", r.min_rate0,
               r.min_rate1, r.min_rate2, r.pass ? "pass" : "FAIL");
    return r.pass;
}

/* Writes the sweep as data columns and draws it with gnuplot. */
static int plot_sweep(const ad_fd_sweep_result *r, const char *file,
                      const char *title)
{
    if (!ad_cli_on_path("gnuplot")) {
        complain("gnuplot is not installed, so no plot was written "
                 "(apt-get install gnuplot); --sweep prints the data");
        return 0;
    }
    if (strpbrk(file, "'\"\\\n") != NULL || strpbrk(title, "'\"\\\n")) {
        complain("--plot: a file name (and problem) without quotes or "
                 "backslashes, please");
        return 0;
    }
    char data[] = "/tmp/admix-sweep-XXXXXX";
    int fd = mkstemp(data);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        complain("--plot: cannot write a temporary file: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return 0;
    }
    for (int s = 0; s < AD_FD_SWEEP_N; s++) {
        double e[3] = {r->err_forward[s], r->err_central[s], r->err_5point[s]};
        fprintf(f, "%.3e", r->h[s]);
        for (int c = 0; c < 3; c++) {
            /* gnuplot leaves out "?" (missing) and zeros on a log axis. */
            if (isfinite(e[c]) && e[c] > 0)
                fprintf(f, " %.6e", e[c]);
            else
                fprintf(f, " ?");
        }
        fprintf(f, "\n");
    }
    fclose(f);
    fflush(stdout);
    FILE *g = popen("gnuplot", "w");
    int ok = 0;
    if (g != NULL) {
        fprintf(g,
                "set terminal png noenhanced size 800,560\n"
                "set output '%s'\n"
                "set datafile missing '?'\n"
                "set logscale xy\n"
                "set format x '1e%%L'\nset format y '1e%%L'\n"
                "set xlabel 'step h / max(1, |x_j|)'\n"
                "set ylabel 'max |J_fd - J| / max |J|  (J: MPFR)'\n"
                "set title 'finite differences on %s'\n"
                "set key bottom left\nset grid\n"
                "plot '%s' using 1:2 with linespoints title 'forward', "
                "'' using 1:3 with linespoints title 'central', "
                "'' using 1:4 with linespoints title '5-point'\n",
                file, title, data);
        ok = pclose(g) == 0;
    }
    remove(data);
    if (!ok) {
        complain("gnuplot failed to write '%s'", file);
        return 0;
    }
    fprintf(stderr, "%s verify: wrote %s\n", ad_cmd_prog, file);
    return 1;
}

static int run_sweep(ad_cli_problem *p, const vargs *a)
{
    ad_fd_sweep_result r;
    int st = ad_fd_sweep(&p->fn, p->x, a->prec, &r);
    if (st != AD_OK && st != AD_EDOM) {
        complain("step sweep: %s", ad_strerror(st));
        return -1;
    }
    if (a->format == FMT_JSON) {
        printf(",\n  \"sweep\": {\"h\": ");
        json_array(stdout, r.h, AD_FD_SWEEP_N);
        printf(", \"forward\": ");
        json_array(stdout, r.err_forward, AD_FD_SWEEP_N);
        printf(", \"central\": ");
        json_array(stdout, r.err_central, AD_FD_SWEEP_N);
        printf(", \"5point\": ");
        json_array(stdout, r.err_5point, AD_FD_SWEEP_N);
        printf("}");
    } else if (a->format == FMT_CSV) {
        printf("\nh,forward,central,5point\n");
        for (int s = 0; s < AD_FD_SWEEP_N; s++)
            printf("%.1e,%.3e,%.3e,%.3e\n", r.h[s], r.err_forward[s],
                   r.err_central[s], r.err_5point[s]);
    } else {
        printf("\nError of finite differences against the step (relative, "
               "normwise, against\nthe MPFR Jacobian):\n");
        if (ad_fd_sweep_print(stdout, &r) != AD_OK)
            return -1;
    }
    if (a->plot != NULL && !plot_sweep(&r, a->plot, p->name))
        return 0;
    return 1;
}

/* ---- the command -------------------------------------------------------- */

int ad_cmd_verify(int argc, char **argv)
{
    vargs a = {0};
    ad_cli_problem p;
    ad_verify_report *rep = NULL;
    double *d = NULL;
    memset(&p, 0, sizeof p);
    int rc = read_args(&a, argc, argv);
    if (rc == AD_CMD_OK)
        rc = ad_cli_problem_open(&p, "verify", a.spec, a.n, a.at, a.nat);
    int what = a.hessian  ? AD_VERIFY_HESSIAN
               : p.m == 1 ? AD_VERIFY_GRADIENT
                          : AD_VERIFY_JACOBIAN;
    if (rc == AD_CMD_OK && p.m != 1 && (a.hessian || a.taylor)) {
        complain("--%s needs one output; %s has %zu",
                 a.hessian ? "hessian" : "taylor", p.name, p.m);
        rc = AD_CMD_USAGE;
    }
    if (rc == AD_CMD_OK && !p.builtin && a.mode_given && a.mode != AD_AUTO &&
        a.mode != (what == AD_VERIFY_HESSIAN ? AD_FOR_REV : AD_REVERSE)) {
        complain("an expression is differentiated on its tape (%s); --mode "
                 "%s needs a built-in problem",
                 what == AD_VERIFY_HESSIAN ? "for_rev" : "reverse",
                 ad_mode_name(a.mode));
        rc = AD_CMD_USAGE;
    }
    if (rc == AD_CMD_OK && a.sweep && !p.builtin) {
        complain("--sweep needs a built-in problem (its MPFR Jacobian "
                 "records f_var, which an expression lacks)");
        rc = AD_CMD_USAGE;
    }
    if (rc != AD_CMD_OK)
        goto done;

    size_t rows = what == AD_VERIFY_JACOBIAN   ? p.m
                  : what == AD_VERIFY_GRADIENT ? 1
                                               : p.n;
    size_t cols = p.n;
    ad_verify_options o = {0};
    o.prec = a.prec;
    o.mode = a.mode;
    if (!p.builtin) {
        /* The tape's derivative, checked as the caller's own. */
        int st = AD_ENOMEM;
        d = malloc(rows * cols * sizeof *d);
        if (d != NULL)
            st = what == AD_VERIFY_HESSIAN ? ad_tape_hessian(p.tape, NULL, d)
                 : what == AD_VERIFY_GRADIENT
                     ? ad_tape_gradient(p.tape, NULL, d)
                     : ad_tape_jacobian(p.tape, NULL, d);
        if (st != AD_OK) {
            complain("the tape's derivative: %s", ad_strerror(st));
            rc = AD_CMD_FAILED;
            goto done;
        }
        o.deriv = d;
        o.deriv_len = rows * cols;
        o.mode = AD_AUTO;
    }
    /* One call does all the work, so the progress is said beforehand. */
    if (rows * cols > 10000)
        fprintf(stderr,
                "%s verify: %zu x %zu entries against every reference: "
                "this may take a while\n",
                ad_cmd_prog, rows, cols);
    int st = what == AD_VERIFY_HESSIAN ? ad_verify_hessian(&p.fn, p.x, &o, &rep)
             : what == AD_VERIFY_GRADIENT
                 ? ad_verify_gradient(&p.fn, p.x, &o, &rep)
                 : ad_verify_jacobian(&p.fn, p.x, &o, &rep);
    if (st != AD_OK && st != AD_EDOM) {
        if (st == AD_EINVAL && a.mode_given)
            complain("mode %s does not apply to a %s", ad_mode_name(a.mode),
                     what == AD_VERIFY_HESSIAN ? "Hessian"
                                               : "first derivative");
        else
            complain("%s", ad_strerror(st));
        rc = st == AD_EINVAL && a.mode_given ? AD_CMD_USAGE : AD_CMD_FAILED;
        goto done;
    }
    int pass = rep->pass;
    mpfr_check mc = {0};
    if (!p.builtin) {
        mc = check_mpfr(&p, &a, what, d, rows, cols);
        pass = pass && mc.pass;
    }
    static const ad_verify_format fmts[] = {AD_VERIFY_TABLE, AD_VERIFY_CSV,
                                            AD_VERIFY_JSON};
    if (a.format == FMT_JSON) {
        printf("{\n  \"problem\": \"");
        for (const char *s = p.name; *s; s++)
            printf(*s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
        printf("\",\n  \"report\": ");
    }
    if (ad_verify_print(stdout, rep, fmts[a.format]) != AD_OK) {
        rc = AD_CMD_FAILED;
        goto done;
    }
    if (!p.builtin) {
        FILE *o2 = a.format == FMT_TABLE ? stdout : stderr;
        if (a.format == FMT_JSON) {
            printf(",\n  \"mpfr_tape\": {\"status\": \"%s\", \"max_ulp\": ",
                   ad_strerror(mc.status));
            json_num(stdout, mc.max_ulp);
            printf(", \"max_norm_ulp\": ");
            json_num(stdout, mc.max_norm_ulp);
            printf(", \"pass\": %s}", mc.pass ? "true" : "false");
        } else if (mc.status != AD_OK) {
            fprintf(o2, "MPFR replay of the tape: %s\n",
                    ad_strerror(mc.status));
        } else {
            fprintf(o2,
                    "\nMPFR replay of the tape (%ld bits), the reference "
                    "the checks above lack\nfor an expression: max error "
                    "%.3g ulps entrywise, %.3g ulps of the row's\nlargest "
                    "(relative %.3g): %s\n",
                    a.prec ? a.prec : (long)AD_MPFR_PREC_DEFAULT, mc.max_ulp,
                    mc.max_norm_ulp, mc.max_rel, mc.pass ? "pass" : "FAIL");
        }
    }
    if (a.taylor) {
        int t = run_taylor(&p, &a);
        if (t < 0)
            rc = AD_CMD_FAILED;
        pass = pass && t > 0;
    }
    if (a.sweep && rc == AD_CMD_OK) {
        /* The sweep is a picture of the references, not a check: it fails
         * the command only when it cannot be made. */
        if (run_sweep(&p, &a) <= 0)
            rc = AD_CMD_FAILED;
    }
    if (a.format == FMT_JSON)
        printf(",\n  \"pass\": %s\n}\n", pass ? "true" : "false");
    if (rc == AD_CMD_OK && !pass)
        rc = AD_CMD_FAILED;
done:
    ad_verify_report_free(rep);
    free(d);
    free(a.at);
    ad_cli_problem_close(&p);
    ad_thread_release();
    return rc < 0 ? AD_CMD_OK : rc;
}
