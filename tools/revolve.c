/* revolve.c -- `admix revolve`: a checkpointing schedule's counts, and with
 * --schedule its actions.
 *
 *     admix revolve --steps 10 --snapshots 3            15 forward steps
 *     admix revolve --steps 10 --snapshots 3 --schedule the 15, and how
 *     admix revolve --steps 1000 --snapshots 10 --type online
 *
 * The schedule is run to the end exactly as an adjoint driver would run it
 * (an online schedule is told the step count after the last step), and
 * the counts printed are those of its actions, beside the closed form
 * t(l, s) of the binomial schedule with the same memory slots.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admix.h"
#include "cmd.h"

void ad_cmd_revolve_usage(FILE *out)
{
    fprintf(out,
            "usage: %s revolve --steps L [--snapshots S] [--type T] "
            "[options]\n"
            "\n"
            "Runs the checkpointing schedule of type T for L time steps "
            "and prints\n"
            "its forward steps (advanced without a tape), snapshot writes "
            "and reads,\n"
            "slots and the most times a step is advanced, beside revolve's "
            "optimum\n"
            "t(L, S) = r L - beta(S+1, r-1).\n"
            "\n"
            "  --steps L           time steps (required, >= 1)\n"
            "  --snapshots S       memory slots, the one of x_0 included\n"
            "  --type T            binomial (default), store-all, uniform, "
            "online,\n"
            "                      two-level\n"
            "  --interval K        uniform: a snapshot every K steps\n"
            "  --disk D            two-level: disk slots\n"
            "  --write-cost W      two-level: a disk write, in forward "
            "steps (0)\n"
            "  --read-cost R       two-level: a disk read, in forward steps "
            "(0)\n"
            "  --schedule          print every action first\n"
            "  -h, --help          this text\n",
            ad_cmd_prog);
}

/* A whole decimal number into *v; 0 on success. */
static int parse_size(const char *s, size_t *v)
{
    char *end;
    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || x > SIZE_MAX)
        return -1;
    *v = (size_t)x;
    return 0;
}

static int parse_cost(const char *s, double *v)
{
    char *end;
    double x = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(x) || x < 0.0)
        return -1;
    *v = x;
    return 0;
}

static void print_action(FILE *out, const ad_revolve_action *a)
{
    const char *level = a->level == AD_REVOLVE_DISK ? "disk" : "memory";
    switch (a->kind) {
    case AD_REVOLVE_ADVANCE:
        fprintf(out, "advance        %zu -> %zu\n", a->from, a->to);
        break;
    case AD_REVOLVE_TAKE:
        fprintf(out, "take           x_%zu -> %s slot %zu\n", a->step, level,
                a->slot);
        break;
    case AD_REVOLVE_RESTORE:
        fprintf(out, "restore        x_%zu <- %s slot %zu\n", a->step, level,
                a->slot);
        break;
    case AD_REVOLVE_FIRST_ADJOINT:
    case AD_REVOLVE_ADJOINT:
        fprintf(out, "%-14s step %zu\n", ad_revolve_kind_name(a->kind),
                a->step);
        break;
    case AD_REVOLVE_DONE:
        fprintf(out, "done\n");
        break;
    }
}

/* Runs r to the end; counts[i] is how often step i was advanced
 * (difference array: +1 at from, -1 at to).  Returns an admix status. */
static int run(ad_revolve *r, int online, size_t l, int print, long long *diff)
{
    ad_revolve_action a;
    int rc;
    while ((rc = ad_revolve_next(r, &a)) == AD_OK) {
        if (print)
            print_action(stdout, &a);
        if (a.kind == AD_REVOLVE_DONE)
            break;
        if (a.kind == AD_REVOLVE_ADVANCE) {
            diff[a.from]++;
            diff[a.to]--;
            /* The loop of an online run ends after step l-1. */
            if (online && a.to == l) {
                rc = ad_revolve_terminate(r, l);
                if (rc != AD_OK)
                    break;
                if (print)
                    printf("(the loop ends: terminate at %zu)\n", l);
            }
        }
    }
    return rc;
}

int ad_cmd_revolve(int argc, char **argv)
{
    ad_revolve_params p = {0};
    const ad_revolve_type *type = ad_revolve_binomial;
    int have_steps = 0, print = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            ad_cmd_revolve_usage(stdout);
            return AD_CMD_OK;
        }
        if (!strcmp(o, "--schedule")) {
            print = 1;
            continue;
        }
        static const char *const with_value[] = {
            "--steps", "--snapshots",  "--type",     "--interval",
            "--disk",  "--write-cost", "--read-cost"};
        int known = 0;
        for (size_t j = 0; j < sizeof with_value / sizeof *with_value; j++)
            known |= !strcmp(o, with_value[j]);
        if (!known) {
            fprintf(stderr, "%s revolve: unknown argument '%s'\n", ad_cmd_prog,
                    o);
            ad_cmd_revolve_usage(stderr);
            return AD_CMD_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "%s revolve: %s needs a value\n", ad_cmd_prog, o);
            return AD_CMD_USAGE;
        }
        const char *v = argv[++i];
        int bad = 0;
        if (!strcmp(o, "--steps")) {
            bad = parse_size(v, &p.steps);
            have_steps = 1;
        } else if (!strcmp(o, "--snapshots")) {
            bad = parse_size(v, &p.snapshots);
        } else if (!strcmp(o, "--interval")) {
            bad = parse_size(v, &p.interval);
        } else if (!strcmp(o, "--disk")) {
            bad = parse_size(v, &p.disk_snapshots);
        } else if (!strcmp(o, "--write-cost")) {
            bad = parse_cost(v, &p.write_cost);
        } else if (!strcmp(o, "--read-cost")) {
            bad = parse_cost(v, &p.read_cost);
        } else {
            type = ad_revolve_type_find(v);
            bad = type == NULL;
        }
        if (bad) {
            fprintf(stderr, "%s revolve: bad value '%s' for %s\n", ad_cmd_prog,
                    v, o);
            return AD_CMD_USAGE;
        }
    }
    if (!have_steps || p.steps == 0) {
        fprintf(stderr, "%s revolve: --steps L (L >= 1) is required\n",
                ad_cmd_prog);
        ad_cmd_revolve_usage(stderr);
        return AD_CMD_USAGE;
    }
    int online = type == ad_revolve_online;
    size_t l = p.steps;
    ad_revolve *r = NULL;
    long long *diff = NULL;
    int rc = ad_revolve_new(type, &p, &r);
    if (rc == AD_OK) {
        diff = calloc(l + 1, sizeof *diff);
        rc = diff == NULL ? AD_ENOMEM : run(r, online, l, print, diff);
    }
    if (rc != AD_OK) {
        fprintf(stderr,
                "%s revolve: %s schedule, %zu steps, %zu snapshots: "
                "%s\n",
                ad_cmd_prog, ad_revolve_type_name(type), l, p.snapshots,
                ad_strerror(rc));
        free(diff);
        ad_revolve_free(r);
        return AD_CMD_FAILED;
    }
    ad_revolve_info in;
    ad_revolve_stats(r, &in);
    long long c = 0, most = 0;
    for (size_t i = 0; i < l; i++) {
        c += diff[i];
        if (c > most)
            most = c;
    }
    printf("schedule          %s\n", ad_revolve_type_name(type));
    printf("steps             %zu\n", l);
    printf("forward steps     %llu\n", (unsigned long long)in.forward);
    /* Beside revolve with the memory slots asked for (or, if none were,
     * those the schedule uses). */
    size_t s = p.snapshots > 0 ? p.snapshots : in.slots[AD_REVOLVE_MEMORY];
    uint64_t t;
    size_t rep;
    if (s == 0 && l == 1)
        s = 1; /* one step needs no slot; t(1, s) = 0 for every s */
    if (s > 0 && ad_revolve_forward_steps(l, s, &t) == AD_OK &&
        ad_revolve_repetitions(l, s, &rep) == AD_OK)
        printf("binomial optimum  t(%zu, %zu) = %llu (repetition number "
               "%zu)\n",
               l, s, (unsigned long long)t, rep);
    printf("most advances     %lld (of one step)\n", most);
    printf("memory slots      %zu (used %zu), %llu writes, %llu reads\n",
           in.slots[AD_REVOLVE_MEMORY], in.used[AD_REVOLVE_MEMORY],
           (unsigned long long)in.writes[AD_REVOLVE_MEMORY],
           (unsigned long long)in.reads[AD_REVOLVE_MEMORY]);
    if (in.slots[AD_REVOLVE_DISK] > 0)
        printf("disk slots        %zu (used %zu), %llu writes, %llu reads\n",
               in.slots[AD_REVOLVE_DISK], in.used[AD_REVOLVE_DISK],
               (unsigned long long)in.writes[AD_REVOLVE_DISK],
               (unsigned long long)in.reads[AD_REVOLVE_DISK]);
    printf("adjoint steps     %llu\n", (unsigned long long)in.adjoints);
    free(diff);
    ad_revolve_free(r);
    return AD_CMD_OK;
}
