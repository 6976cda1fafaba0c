/* common.h -- what the programs of papers/ share: their command line, the
 * output folder, the machine line of every table and the plots.
 *
 * Each experiment is one program (papers/NAME/NAME.c) that writes its table
 * (.csv for scripts, .txt for people), its plot data (.dat), its gnuplot
 * script (.gp) and, when gnuplot is installed, the plot itself (.png) into
 * one folder: `make papers` passes the experiment's source folder with
 * --out, so that the outputs sit beside the README that discusses them.
 * Plotting never fails the experiment: without gnuplot the script and the
 * data are written and the program says how to render them.
 */
#ifndef ADMIX_PAPERS_COMMON_H
#define ADMIX_PAPERS_COMMON_H

#include <stdio.h>

/* The options every experiment takes. */
typedef struct paper_opts {
    const char *out; /* the output folder ("." by default) */
    int quick;       /* --quick: the smallest run that exercises everything */
    int full;        /* --long: the sizes and samples of the README */
    int plot;        /* 0 after --no-plot: write the script, do not run it */
} paper_opts;

/* Parses -h/--help, --out DIR, --quick, --long and --no-plot into *o.
 * Unless OMP_NUM_THREADS is set, the drivers' OpenMP regions are limited
 * to one thread (the experiments measure one core's work).
 * Returns -1 when the program is to run, else its exit status (0 after
 * --help, 2 after a usage error, reported on stderr).  `what` is the
 * one-line description printed by --help. */
int paper_parse(int argc, char **argv, const char *what, paper_opts *o);

/* Opens o->out/name for writing ("w"); NULL after a message on stderr. */
FILE *paper_open(const paper_opts *o, const char *name);

/* The three outputs of an experiment's table in o->out: NAME.txt for
 * people, NAME.csv for scripts and NAME.dat for the plot. */
typedef struct paper_files {
    FILE *txt, *csv, *dat;
} paper_files;

/* Opens the three files of `name`; 0, or -1 after a message on stderr. */
int paper_files_open(const paper_opts *o, const char *name, paper_files *f);

/* Heads the .txt and the .csv with paper_header (as papers/program) and
 * closes the three. */
void paper_files_close(paper_files *f, const char *program,
                       const paper_opts *o);

/* Writes the comment lines that head every output file: what produced it,
 * when, and on which machine (CPU model, compiler).  `prefix` starts each
 * line ("# " for .csv, .dat and .txt). */
void paper_header(FILE *out, const char *prefix, const char *program,
                  const paper_opts *o);

/* Runs `gnuplot o->out/script` in o->out when gnuplot is installed and
 * plotting was not turned off; otherwise says how to render the plot.
 * Returns 1 if a PNG was made, 0 if not (never an error of the run). */
int paper_plot(const paper_opts *o, const char *script);

/* The load average over the last minute, or -1 when unknown: printed with
 * timings, because the machine they were taken on may be shared. */
double paper_loadavg(void);

#endif /* ADMIX_PAPERS_COMMON_H */
