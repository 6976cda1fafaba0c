/* common.c -- the command line, output files and plots of papers/ (see
 * common.h). */
/* system() is ISO C, but the shell it runs is POSIX; getloadavg is BSD. */
#define _DEFAULT_SOURCE

#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench.h"
#include "common.h"

int paper_parse(int argc, char **argv, const char *what, paper_opts *o)
{
    o->out = ".";
    o->quick = 0;
    o->full = 0;
    o->plot = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("usage: %s [--out DIR] [--quick | --long] [--no-plot]\n"
                   "%s\n"
                   "  --out DIR   write the outputs into DIR (default .)\n"
                   "  --quick     the smallest run (a smoke test)\n"
                   "  --long      larger sizes and more samples (slow)\n"
                   "  --no-plot   write the gnuplot script, do not run it\n",
                   argv[0], what);
            return 0;
        }
        if (!strcmp(a, "--out")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: --out needs a folder\n", argv[0]);
                return 2;
            }
            o->out = argv[++i];
        } else if (!strcmp(a, "--quick")) {
            o->quick = 1;
        } else if (!strcmp(a, "--long")) {
            o->full = 1;
        } else if (!strcmp(a, "--no-plot")) {
            o->plot = 0;
        } else {
            fprintf(stderr, "%s: unknown option '%s' (try --help)\n", argv[0],
                    a);
            return 2;
        }
    }
    /* The experiments measure the cost of one mode on one core: the
     * drivers' OpenMP batches would measure the machine's other load
     * instead (on a shared 2-core machine a parallel region's start-up
     * alone cost milliseconds).  OMP_NUM_THREADS, when set, is obeyed. */
#ifdef _OPENMP
    if (!getenv("OMP_NUM_THREADS"))
        omp_set_num_threads(1);
#endif
    if (o->quick && o->full) {
        fprintf(stderr, "%s: --quick and --long exclude each other\n", argv[0]);
        return 2;
    }
    return -1;
}

FILE *paper_open(const paper_opts *o, const char *name)
{
    char path[4096];
    int len = snprintf(path, sizeof path, "%s/%s", o->out, name);
    if (len < 0 || (size_t)len >= sizeof path) {
        fprintf(stderr, "output path too long: %s/%s\n", o->out, name);
        return NULL;
    }
    FILE *f = fopen(path, "w");
    if (!f)
        perror(path);
    return f;
}

int paper_files_open(const paper_opts *o, const char *name, paper_files *f)
{
    const char *ext[3] = {"txt", "csv", "dat"};
    FILE **fp[3] = {&f->txt, &f->csv, &f->dat};
    char file[512];
    for (int k = 0; k < 3; k++) {
        snprintf(file, sizeof file, "%s.%s", name, ext[k]);
        if ((*fp[k] = paper_open(o, file)) == NULL) {
            for (int j = 0; j < k; j++)
                fclose(*fp[j]);
            return -1;
        }
    }
    return 0;
}

void paper_files_close(paper_files *f, const char *program, const paper_opts *o)
{
    paper_header(f->txt, "", program, o);
    paper_header(f->csv, "# ", program, o);
    fclose(f->txt);
    fclose(f->csv);
    fclose(f->dat);
}

void paper_header(FILE *out, const char *prefix, const char *program,
                  const paper_opts *o)
{
    char cpu[256], date[64];
    time_t now = time(NULL);
    ad_bench_cpu_model(cpu, sizeof cpu);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    fprintf(out, "%swritten by papers/%s (%s run) on %s\n", prefix, program,
            o->quick  ? "quick"
            : o->full ? "long"
                      : "default",
            date);
    fprintf(out, "%smachine: %s; load average %.2f at the end\n", prefix, cpu,
            paper_loadavg());
#ifdef __VERSION__
    fprintf(out, "%scompiler: %s\n", prefix, __VERSION__);
#endif
}

int paper_plot(const paper_opts *o, const char *script)
{
    /* The folder is quoted for the shell; one holding a quote is not worth
     * the trouble of escaping it. */
    if (strchr(o->out, '\'') || strchr(script, '\'')) {
        fprintf(stderr, "not plotting: a quote in the path\n");
        return 0;
    }
    if (o->plot && system("command -v gnuplot >/dev/null 2>&1") == 0) {
        char cmd[4400];
        snprintf(cmd, sizeof cmd, "cd '%s' && gnuplot '%s'", o->out, script);
        if (system(cmd) == 0)
            return 1;
        fprintf(stderr, "gnuplot failed on %s/%s\n", o->out, script);
        return 0;
    }
    fprintf(stderr, "gnuplot %s: render the plot with `cd %s && gnuplot %s`\n",
            o->plot ? "is not installed" : "was not run (--no-plot)", o->out,
            script);
    return 0;
}

double paper_loadavg(void)
{
    double l[1];
    return getloadavg(l, 1) == 1 ? l[0] : -1.0;
}
