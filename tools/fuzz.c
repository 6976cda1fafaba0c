/* fuzz.c -- `admix fuzz`: differential testing of every mode on random
 * programs over the whole primitive table (progen.h), for as long as
 * asked.
 *
 *     admix fuzz --seconds 600            ten minutes from seed 1
 *     admix fuzz --programs 100000 --seed 7
 *
 * Progress goes to stderr about every second; each disagreement is
 * printed on stdout as a reproducer (the program as an expression, the
 * point, the numbers of every mode that disagrees with MPFR), shrunk to a
 * small program first unless --no-shrink.  Exit status 0 when every
 * program agreed, 1 when one did not, 2 on a usage error.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "progen.h"

void ad_cmd_fuzz_usage(FILE *out)
{
    fprintf(out,
            "usage: %s fuzz [--seconds N] [--programs K] [--seed S] "
            "[options]\n"
            "\n"
            "Generates random programs over every primitive of the table "
            "(with selects,\n"
            "comparisons, constants and shared subexpressions), evaluates "
            "each by double,\n"
            "ad_dual, ad_dualv, ad_hdual, the tape (forward, reverse, "
            "Jacobian and\n"
            "forward-over-reverse sweeps, at the recorded point and "
            "replayed) and checks\n"
            "every result against the MPFR replay of the tape at 128 bits, "
            "to tolerances\n"
            "from the program's own rounding-error spread (see "
            "tools/progen.c).\n"
            "\n"
            "options:\n"
            "  --seconds N    run for N seconds (default 10 unless "
            "--programs is given)\n"
            "  --programs K   stop after K programs\n"
            "  --seed S       the run's seed (default 1); program k of seed "
            "S is always\n"
            "                 the same program\n"
            "  --max-len L    at most L instructions per program (default "
            "40, max %d)\n"
            "  --max-fail F   stop after F disagreements (default 1)\n"
            "  --no-shrink    print disagreements as found, unshrunk\n"
            "  --quiet        no progress lines\n"
            "  --stats        print coverage and the worst error/tolerance "
            "ratios at the end\n"
            "  -h, --help     this text\n"
            "\n"
            "Exit status: 0 all agreed, 1 a disagreement, 2 usage error.\n",
            ad_cmd_prog, PG_MAX_INS);
}

static int number(const char *opt, const char *s, double lo, double hi,
                  double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !(v >= lo && v <= hi)) {
        fprintf(stderr, "%s fuzz: %s wants a number in [%g, %g], not '%s'\n",
                ad_cmd_prog, opt, lo, hi, s);
        return 0;
    }
    *out = v;
    return 1;
}

int ad_cmd_fuzz(int argc, char **argv)
{
    pg_fuzz_opts o;
    memset(&o, 0, sizeof o);
    o.seed = 1;
    o.shrink = 1;
    o.progress = stderr;
    o.out = stdout;
    o.max_fail = 1;
    int stats = 0, have_seconds = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            ad_cmd_fuzz_usage(stdout);
            return AD_CMD_OK;
        }
        if (!strcmp(a, "--no-shrink")) {
            o.shrink = 0;
            continue;
        }
        if (!strcmp(a, "--quiet")) {
            o.progress = NULL;
            continue;
        }
        if (!strcmp(a, "--stats")) {
            stats = 1;
            continue;
        }
        static const char *const valued[] = {
            "--seconds", "--programs", "--seed", "--max-len", "--max-fail"};
        int which = -1;
        for (int k = 0; k < 5; k++)
            if (!strcmp(a, valued[k]))
                which = k;
        if (which < 0) {
            fprintf(stderr, "%s fuzz: unknown option '%s'\n", ad_cmd_prog, a);
            ad_cmd_fuzz_usage(stderr);
            return AD_CMD_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "%s fuzz: %s wants a value\n", ad_cmd_prog, a);
            return AD_CMD_USAGE;
        }
        const char *s = argv[++i];
        switch (which) {
        case 0:
            if (!number(a, s, 0.0, 1e9, &v))
                return AD_CMD_USAGE;
            o.seconds = v;
            have_seconds = 1;
            break;
        case 1:
            if (!number(a, s, 1.0, 1e15, &v))
                return AD_CMD_USAGE;
            o.programs = (long)v;
            break;
        case 2:
            if (!number(a, s, 0.0, 18446744073709549568.0, &v))
                return AD_CMD_USAGE;
            o.seed = (uint64_t)v;
            break;
        case 3:
            if (!number(a, s, 1.0, PG_MAX_INS, &v))
                return AD_CMD_USAGE;
            o.gen.max_len = (int)v;
            break;
        default:
            if (!number(a, s, 1.0, 1e9, &v))
                return AD_CMD_USAGE;
            o.max_fail = (int)v;
            break;
        }
    }
    if (!have_seconds && o.programs == 0)
        o.seconds = 10.0;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pg_stats st;
    int rc = pg_fuzz(&o, &st);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc != AD_OK) {
        fprintf(stderr, "%s fuzz: %s\n", ad_cmd_prog, ad_strerror(rc));
        return AD_CMD_FAILED;
    }
    double secs = (double)(t1.tv_sec - t0.tv_sec) +
                  1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    FILE *sum = stats ? stdout : stderr;
    if (stats)
        pg_print_stats(sum, &st, secs);
    else
        fprintf(sum,
                "fuzz: %ld programs in %.1f s (%.0f/s): %ld agreed, %ld "
                "disagreed, %ld not judged; seed %llu\n",
                st.programs, secs, secs > 0.0 ? st.programs / secs : 0.0,
                st.pass, st.fail, st.invalid, (unsigned long long)o.seed);
    return st.fail ? AD_CMD_FAILED : AD_CMD_OK;
}
