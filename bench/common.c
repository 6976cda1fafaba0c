/* common.c -- what the benchmarks share: their options and the command
 * line that sets them (and the options of those beside ADOL-C, reverse and
 * mixed), and the pieces of their tables (the time column, the compiler and
 * flags lines) and of their checks (the relative difference), so that they
 * read and print alike.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* Makefile.am passes the flags bench/ is compiled with; a build that does
 * not still compiles. */
#ifndef AD_BENCH_CFLAGS
#define AD_BENCH_CFLAGS "(unknown)"
#endif

ad_bench_options ad_bench_default_options(void)
{
    ad_bench_options o;
    o.min_sample = 0.020;
    o.samples = 7;
    o.scale = 1.0;
    return o;
}

/* ---- the command line --------------------------------------------------- */

/* A whole-string number in [lo, hi], or -1 when s is not one. */
static double parse_number(const char *s, double lo, double hi)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !(v >= lo && v <= hi))
        return -1.0;
    return v;
}

const char *ad_bench_option_value(const ad_bench_cli *cli, int argc,
                                  char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s %s: %s needs a value\n", cli->prog, cli->bench,
                argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

/* The options that take a number: the range it must lie in, and what the
 * usage error says they want (STR spells AD_BENCH_MAX_SAMPLES, a plain
 * number, into the text at compile time). */
#define STR_(x) #x
#define STR(x)  STR_(x)
enum { MIN_TIME, SAMPLES, SCALE, NUMERIC };
static const struct numeric {
    const char *name;
    double lo, hi;
    const char *wants;
} numeric[NUMERIC] = {
    [MIN_TIME] = {"--min-time", 0.001, 60000.0,
                  "milliseconds in [0.001, 60000]"},
    [SAMPLES] = {"--samples", 1.0, AD_BENCH_MAX_SAMPLES,
                 "an integer in [1, " STR(AD_BENCH_MAX_SAMPLES) "]"},
    [SCALE] = {"--scale", 1e-6, 10.0, "a number in [1e-6, 10]"},
};

/* Which of the common options the command line gave, kept apart from the
 * values so that --quick yields to an explicit value wherever it stands. */
typedef struct given {
    int quick;
    int numeric[NUMERIC];
} given;

/* Takes argv[*i] if it is --quick, --min-time, --samples or (with_scale)
 * --scale: returns 1, 0 when it is none of them, 2 after a usage error. */
static int common_option(const ad_bench_cli *cli, int argc, char **argv, int *i,
                         ad_bench_options *opt, given *g)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--quick")) {
        g->quick = 1;
        return 1;
    }
    int k = 0;
    while (k < NUMERIC && strcmp(a, numeric[k].name))
        k++;
    if (k == NUMERIC || (k == SCALE && !cli->with_scale))
        return 0;
    const char *v = ad_bench_option_value(cli, argc, argv, i);
    if (v == NULL)
        return 2;
    double x = parse_number(v, numeric[k].lo, numeric[k].hi);
    if (x < 0.0 || (k == SAMPLES && x != floor(x))) {
        fprintf(stderr, "%s %s: %s wants %s, not '%s'\n", cli->prog, cli->bench,
                a, numeric[k].wants, v);
        return 2;
    }
    g->numeric[k] = 1;
    if (k == MIN_TIME)
        opt->min_sample = x * 1e-3;
    else if (k == SAMPLES)
        opt->samples = (int)x;
    else
        opt->scale = x;
    return 1;
}

int ad_bench_parse(const ad_bench_cli *cli, int argc, char **argv,
                   ad_bench_options *opt)
{
    given g = {0, {0, 0, 0}};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli->usage(stdout, cli->prog);
            return 0;
        }
        int r = common_option(cli, argc, argv, &i, opt, &g);
        if (r == 0 && cli->option != NULL)
            r = cli->option(cli, argc, argv, &i);
        if (r == 2)
            return 2;
        if (r == 0) {
            fprintf(stderr, "%s %s: unknown option '%s'\n", cli->prog,
                    cli->bench, a);
            cli->usage(stderr, cli->prog);
            return 2;
        }
    }
    static char name[128];
    snprintf(name, sizeof name, "%s %s", cli->prog, cli->bench);
    ad_bench_progress_start(name);
    if (g.quick) {
        opt->scale = g.numeric[SCALE] ? opt->scale : 0.01;
        opt->min_sample = g.numeric[MIN_TIME] ? opt->min_sample : 0.002;
        opt->samples = g.numeric[SAMPLES] ? opt->samples : 3;
    }
    return -1;
}

/* ---- the tables and the checks ------------------------------------------ */

int ad_bench_adolc_option(const ad_bench_cli *cli, int argc, char **argv,
                          int *i, int *adolc, int *tune_malloc,
                          const char **only)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--no-adolc")) {
        *adolc = 0;
    } else if (!strcmp(a, "--default-malloc")) {
        *tune_malloc = 0;
    } else if (!strcmp(a, "--only")) {
        *only = ad_bench_option_value(cli, argc, argv, i);
        if (*only == NULL)
            return 2;
    } else {
        return 0;
    }
    return 1;
}

void ad_bench_adolc_command(char *buf, size_t len, const char *prog,
                            const char *bench, const ad_bench_options *base,
                            int adolc, int tune_malloc, const char *only)
{
    snprintf(buf, len, "%s %s --min-time %g --samples %d --scale %g%s%s%s%s",
             prog, bench, base->min_sample * 1e3, base->samples, base->scale,
             adolc ? "" : " --no-adolc", tune_malloc ? "" : " --default-malloc",
             only != NULL ? " --only " : "", only != NULL ? only : "");
}

size_t ad_bench_scaled(double n, double scale, size_t least)
{
    double v = n * scale;
    return v < (double)least ? least : (size_t)v;
}

void ad_bench_print_time(FILE *out, double s)
{
    /* Microseconds up to 100 ms, then milliseconds, always 4 significant
     * digits or more, so the column stays readable across 4 decades. */
    if (s < 0.1)
        fprintf(out, " %9.1f us", s * 1e6);
    else
        fprintf(out, " %9.2f ms", s * 1e3);
}

void ad_bench_cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    char line[256];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "model name", 10) == 0) {
            const char *c = strchr(line, ':');
            if (c != NULL) {
                c++;
                while (*c == ' ' || *c == '\t')
                    c++;
                snprintf(buf, len, "%s", c);
                buf[strcspn(buf, "\n")] = '\0';
            }
            break;
        }
    }
    fclose(f);
}

void ad_bench_print_build(FILE *out)
{
    /* The numbers mean little without the compiler and flags that made
     * them; clang defines __GNUC__ too, but names itself in __VERSION__. */
#if defined(__GNUC__) && !defined(__clang__)
    fprintf(out, "compiler: gcc %s\n", __VERSION__);
#elif defined(__VERSION__)
    fprintf(out, "compiler: %s\n", __VERSION__);
#endif
    fprintf(out, "flags: %s (the last -O wins)\n", AD_BENCH_CFLAGS);
    fprintf(out, "CBLAS: %s%s (configure --with-cblas)\n", AD_BENCH_CBLAS,
            strcmp(AD_BENCH_CBLAS, "-lgslcblas") == 0 ? ", GSL's reference"
                                                      : "");
}

int ad_bench_record(const ad_fn *fn, ad_tape *t, const double *x, ad_var *xv,
                    ad_var *yv)
{
    int rc = ad_tape_begin(t);
    if (rc != AD_OK)
        return rc;
    rc = ad_independent_array(fn->n, x, xv);
    if (rc == AD_OK) {
        fn->f_var(xv, yv, fn->params);
        rc = ad_dependent_array(fn->m, yv);
    }
    int rc2 = ad_tape_end(t);
    return rc != AD_OK ? rc : rc2;
}

double ad_bench_reldiff(double a, double b)
{
    if (a == b)
        return 0.0;
    double s = fmax(fabs(a), fabs(b));
    return s > 0.0 ? fabs(a - b) / s : INFINITY;
}
