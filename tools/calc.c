/* calc.c -- `admix eval`, `grad`, `jacobian`, `hessian` and `graph`: the
 * library on an expression typed on the command line (expr.h), no C
 * written.
 *
 *     admix grad 'sin(x^2)' --at x=2
 *     admix jacobian 'x*y, sin(x) + y' --at x=2,y=0.5 --json
 *     admix graph 'sin(x^2)' --at x=2 --dot
 *
 * Each command parses the expression, records it on a tape at the point
 * of --at and asks the tape (ad_tape_gradient, ad_tape_jacobian,
 * ad_tape_hessian, ad_tape_print); eval evaluates the expression in double
 * precision with the primitives' value rules.  Output is an aligned table,
 * or CSV (--csv) or JSON (--json) with the same content.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "expr.h"
#include "problems.h"

/* ---- what the command line asked ---------------------------------------- */

enum { FMT_TABLE, FMT_CSV, FMT_JSON };

typedef struct calc {
    const char *cmd;  /* "grad" */
    const char *expr; /* the expression, as typed */
    const char **at;  /* the --at arguments */
    size_t nat;
    const char *vars; /* --vars, or NULL */
    int format;
    int dot;         /* graph --dot */
    const char *png; /* graph --png FILE */
    long output;     /* --output K, or -1 */
    long nopt;       /* graph --n N (a built-in problem's size), or 0 */
    /* Filled by setup(): */
    ad_expr *e;
    size_t n, m;
    double *x;      /* the point, n values */
    char **names;   /* the --at names, nat_names of them */
    double *values; /* their values */
    size_t nnames;
    char **vnames; /* the --vars names */
    size_t nvnames;
    const char **label; /* the outputs' labels: y, or y0, y1, ... */
    char *labels;       /* their storage */
} calc;

static void complain(const calc *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s %s: ", ad_cmd_prog, c->cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void calc_free(calc *c)
{
    ad_expr_free(c->e);
    free(c->x);
    for (size_t i = 0; i < c->nnames; i++)
        free(c->names[i]);
    free(c->names);
    free(c->values);
    for (size_t i = 0; i < c->nvnames; i++)
        free(c->vnames[i]);
    free(c->vnames);
    free(c->label);
    free(c->labels);
    free(c->at);
}

/* ---- numbers and tables ------------------------------------------------- */

/* k, or 1 for 0: an allocation of k elements that may be empty. */
static size_t nz(size_t k)
{
    return k > 0 ? k : 1;
}

/* The shortest of %.15g .. %.17g that reads back as v. */
static void fmt_num(char *b, size_t n, double v)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(b, n, "%.*g", p, v);
        if (strtod(b, NULL) == v)
            break;
    }
}

/* A table of strings, printed aligned, as CSV. */
typedef struct table {
    size_t nr, nc;
    char **cell;
    unsigned char *isnum;
} table;

static int table_init(table *t, size_t nr, size_t nc)
{
    t->nr = nr;
    t->nc = nc;
    t->cell = calloc(nz(nr * nc), sizeof *t->cell);
    t->isnum = calloc(nz(nr * nc), 1);
    return t->cell != NULL && t->isnum != NULL ? AD_OK : AD_ENOMEM;
}

static void table_free(table *t)
{
    for (size_t i = 0; t->cell != NULL && i < t->nr * t->nc; i++)
        free(t->cell[i]);
    free(t->cell);
    free(t->isnum);
}

static void table_str(table *t, size_t r, size_t c, const char *s)
{
    size_t k = strlen(s);
    char *p = malloc(k + 1);
    if (p != NULL)
        memcpy(p, s, k + 1);
    free(t->cell[r * t->nc + c]);
    t->cell[r * t->nc + c] = p;
}

static void table_num(table *t, size_t r, size_t c, double v)
{
    char b[40];
    fmt_num(b, sizeof b, v);
    table_str(t, r, c, b);
    t->isnum[r * t->nc + c] = 1;
}

static void csv_field(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* Aligned columns two spaces apart; non-negative numbers get a leading
 * space so that digits line up with those of negative ones. */
static void table_print(const table *t, FILE *out, int csv)
{
    size_t *w = calloc(t->nc ? t->nc : 1, sizeof *w);
    if (w == NULL)
        return;
    for (size_t r = 0; r < t->nr; r++)
        for (size_t c = 0; c < t->nc; c++) {
            const char *s = t->cell[r * t->nc + c];
            size_t k = s != NULL ? strlen(s) : 0;
            if (t->isnum[r * t->nc + c] && s != NULL && s[0] != '-')
                k++;
            w[c] = k > w[c] ? k : w[c];
        }
    for (size_t r = 0; r < t->nr; r++) {
        /* The last cell with text: a table row ends there, without
         * trailing spaces. */
        size_t last = 0;
        for (size_t c = 0; c < t->nc; c++)
            if (t->cell[r * t->nc + c] != NULL && t->cell[r * t->nc + c][0])
                last = c;
        for (size_t c = 0; c < t->nc; c++) {
            const char *s = t->cell[r * t->nc + c];
            s = s != NULL ? s : "";
            if (csv) {
                if (c > 0)
                    fputc(',', out);
                csv_field(out, s);
                continue;
            }
            if (c > last)
                break;
            int pad = t->isnum[r * t->nc + c] && s[0] != '-';
            if (c == last)
                fprintf(out, "%s%s", pad ? " " : "", s);
            else
                fprintf(out, "%s%-*s  ", pad ? " " : "",
                        (int)(w[c] - (size_t)pad), s);
        }
        fputc('\n', out);
    }
    free(w);
}

static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

/* A JSON number; null for NaN and infinities, which JSON lacks. */
static void json_num(FILE *out, double v)
{
    char b[40];
    if (!isfinite(v)) {
        fputs("null", out);
        return;
    }
    fmt_num(b, sizeof b, v);
    fputs(b, out);
}

/* ---- the command line --------------------------------------------------- */

/* The value of an option: the next argument, or the text after '='. */
static const char *opt_value(const calc *c, int argc, char **argv, int *i,
                             const char *name)
{
    const char *a = argv[*i];
    size_t k = strlen(name);
    if (a[k] == '=')
        return a + k + 1;
    if (*i + 1 >= argc) {
        complain(c, "%s needs a value", name);
        return NULL;
    }
    return argv[++*i];
}

/* 1 if argument a is option name, alone or as name=value. */
static int is_opt(const char *a, const char *name)
{
    size_t k = strlen(name);
    return strncmp(a, name, k) == 0 && (a[k] == '\0' || a[k] == '=');
}

/* Which options each command takes. */
enum {
    O_OUTPUT = 1, /* --output K */
    O_GRAPH = 2   /* --dot, --png */
};

/* Reads the arguments into c; AD_CMD_OK, or the exit status to return
 * (help: -1 after printing it). */
static int read_args(calc *c, int argc, char **argv, unsigned allowed,
                     void (*usage)(FILE *))
{
    c->at = malloc((size_t)argc * sizeof *c->at);
    c->output = -1;
    if (c->at == NULL) {
        complain(c, "out of memory");
        return AD_CMD_FAILED;
    }
    int only_expr = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!only_expr && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
            usage(stdout);
            return -1;
        }
        if (!only_expr && !strcmp(a, "--")) {
            only_expr = 1;
            continue;
        }
        if (only_expr || strncmp(a, "--", 2) != 0) {
            if (c->expr != NULL) {
                complain(c,
                         "one expression only (outputs are separated by "
                         "commas): '%s' and '%s'",
                         c->expr, a);
                return AD_CMD_USAGE;
            }
            c->expr = a;
            continue;
        }
        if (is_opt(a, "--at")) {
            if ((v = opt_value(c, argc, argv, &i, "--at")) == NULL)
                return AD_CMD_USAGE;
            c->at[c->nat++] = v;
        } else if (is_opt(a, "--vars")) {
            if ((v = opt_value(c, argc, argv, &i, "--vars")) == NULL)
                return AD_CMD_USAGE;
            c->vars = v;
        } else if (!strcmp(a, "--csv")) {
            c->format = FMT_CSV;
        } else if (!strcmp(a, "--json")) {
            c->format = FMT_JSON;
        } else if ((allowed & O_GRAPH) && !strcmp(a, "--dot")) {
            c->dot = 1;
        } else if ((allowed & O_GRAPH) && is_opt(a, "--png")) {
            if ((v = opt_value(c, argc, argv, &i, "--png")) == NULL)
                return AD_CMD_USAGE;
            c->png = v;
        } else if ((allowed & O_GRAPH) && is_opt(a, "--n")) {
            char *end;
            if ((v = opt_value(c, argc, argv, &i, "--n")) == NULL)
                return AD_CMD_USAGE;
            errno = 0;
            c->nopt = strtol(v, &end, 10);
            if (end == v || *end != '\0' || c->nopt < 1 || errno != 0) {
                complain(c, "--n wants a size (1, 2, ...), not '%s'", v);
                return AD_CMD_USAGE;
            }
        } else if ((allowed & O_OUTPUT) && is_opt(a, "--output")) {
            char *end;
            if ((v = opt_value(c, argc, argv, &i, "--output")) == NULL)
                return AD_CMD_USAGE;
            errno = 0;
            c->output = strtol(v, &end, 10);
            if (end == v || *end != '\0' || c->output < 0 || errno != 0) {
                complain(c,
                         "--output wants an output number (0, 1, ...), "
                         "not '%s'",
                         v);
                return AD_CMD_USAGE;
            }
        } else {
            complain(c, "unknown option '%s'", a);
            usage(stderr);
            return AD_CMD_USAGE;
        }
    }
    if (c->expr == NULL) {
        complain(c, "which expression? e.g. %s %s 'sin(x^2)' --at x=2",
                 ad_cmd_prog, c->cmd);
        usage(stderr);
        return AD_CMD_USAGE;
    }
    return AD_CMD_OK;
}

/* The parse error of text, with the text and a caret under the column
 * (a window of it when it is long). */
static void show_error(const calc *c, const char *what, const char *text,
                       const ad_expr_error *er)
{
    if (er->column == 0) {
        complain(c, "%s%s", what, er->msg);
        return;
    }
    complain(c, "%scolumn %zu: %s", what, er->column, er->msg);
    size_t len = strlen(text), col = er->column - 1, from = 0;
    const size_t width = 72;
    if (col > width - 12)
        from = col - (width - 12);
    fputs("    ", stderr);
    for (size_t i = from; i < len && i < from + width; i++) {
        unsigned char ch = (unsigned char)text[i];
        fputc(ch >= 0x20 && ch < 0x7f ? ch : '?', stderr);
    }
    fprintf(stderr, "\n    %*s^\n", (int)(col - from), "");
}

/* Splits s at its commas outside parentheses into fresh strings. */
static int split(const char *s, char ***out, size_t *n)
{
    size_t cap = 1;
    for (const char *q = s; *q != '\0'; q++)
        cap += *q == ',';
    char **v = calloc(cap, sizeof *v);
    if (v == NULL)
        return AD_ENOMEM;
    size_t k = 0;
    int depth = 0;
    const char *start = s;
    for (const char *q = s;; q++) {
        if (*q == '(')
            depth++;
        else if (*q == ')')
            depth--;
        if (*q == '\0' || (*q == ',' && depth <= 0)) {
            size_t len = (size_t)(q - start);
            v[k] = malloc(len + 1);
            if (v[k] == NULL) {
                for (size_t i = 0; i < k; i++)
                    free(v[i]);
                free(v);
                return AD_ENOMEM;
            }
            memcpy(v[k], start, len);
            v[k][len] = '\0';
            k++;
            start = q + 1;
        }
        if (*q == '\0')
            break;
    }
    *out = v;
    *n = k;
    return AD_OK;
}

/* s without the spaces around it, in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t k = strlen(s);
    while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
        s[--k] = '\0';
    return s;
}

/* Reads the --at items name=value (a value is a constant expression:
 * --at x=pi/4) into c->names and c->values. */
static int read_point(calc *c)
{
    for (size_t a = 0; a < c->nat; a++) {
        char **items;
        size_t k;
        if (split(c->at[a], &items, &k) != AD_OK) {
            complain(c, "out of memory");
            return AD_CMD_FAILED;
        }
        char **nn = realloc(c->names, (c->nnames + k) * sizeof *nn);
        double *vv = nn != NULL
                         ? realloc(c->values, (c->nnames + k) * sizeof *vv)
                         : NULL;
        if (nn != NULL)
            c->names = nn;
        if (vv != NULL)
            c->values = vv;
        int rc = nn != NULL && vv != NULL ? AD_CMD_OK : AD_CMD_FAILED;
        if (rc != AD_CMD_OK)
            complain(c, "out of memory");
        for (size_t i = 0; i < k; i++) {
            char *eq = strchr(items[i], '=');
            if (rc != AD_CMD_OK) {
                free(items[i]);
                continue;
            }
            if (eq == NULL) {
                complain(c, "--at wants name=value, not '%s'", items[i]);
                rc = AD_CMD_USAGE;
                free(items[i]);
                continue;
            }
            *eq = '\0';
            char *name = trim(items[i]), *val = trim(eq + 1);
            if (*name == '\0') {
                complain(c, "--at wants name=value, not '=%s'", val);
                rc = AD_CMD_USAGE;
            }
            for (size_t j = 0; j < c->nnames && rc == AD_CMD_OK; j++)
                if (!strcmp(c->names[j], name)) {
                    complain(c, "--at gives '%s' twice", name);
                    rc = AD_CMD_USAGE;
                }
            ad_expr *ve = NULL;
            ad_expr_error er;
            if (rc == AD_CMD_OK &&
                ad_expr_parse(val, strlen(val), NULL, 0, AD_EXPR_STRICT, &ve,
                              &er) != AD_OK) {
                char what[128];
                snprintf(what, sizeof what, "--at %.60s=: ", name);
                show_error(c, what, val, &er);
                rc = AD_CMD_USAGE;
            }
            if (rc == AD_CMD_OK && ad_expr_noutputs(ve) != 1) {
                complain(c, "--at %s= wants one value", name);
                rc = AD_CMD_USAGE;
            }
            double v = NAN;
            if (rc == AD_CMD_OK && ad_expr_eval(ve, NULL, &v) != AD_OK)
                rc = AD_CMD_FAILED;
            ad_expr_free(ve);
            if (rc == AD_CMD_OK) {
                size_t len = strlen(name);
                memmove(items[i], name, len + 1);
                c->names[c->nnames] = items[i];
                c->values[c->nnames++] = v;
            } else {
                free(items[i]);
            }
        }
        free(items);
        if (rc != AD_CMD_OK)
            return rc;
    }
    return AD_CMD_OK;
}

/* Labels for the outputs: y (or y0, y1, ...), or f, or out when an input
 * already has that name. */
static int make_labels(calc *c)
{
    static const char *const stems[] = {"y", "f", "out"};
    size_t m = c->m;
    c->label = calloc(m ? m : 1, sizeof *c->label);
    c->labels = malloc(nz(m) * 32);
    if (c->label == NULL || c->labels == NULL)
        return AD_ENOMEM;
    for (size_t s = 0; s < 3; s++) {
        int clash = 0;
        for (size_t j = 0; j < m; j++) {
            char *l = c->labels + 32 * j;
            if (m == 1)
                snprintf(l, 32, "%s", stems[s]);
            else
                snprintf(l, 32, "%s%zu", stems[s], j);
            c->label[j] = l;
            /* An input named like the stem (y) or any label of it (y3)
             * would make "dy/dy" or "y0" ambiguous to a reader. */
            for (size_t i = 0; i < c->n; i++) {
                const char *in = ad_expr_input(c->e, i);
                size_t k = strlen(stems[s]);
                clash |= !strncmp(in, stems[s], k) &&
                         strspn(in + k, "0123456789") == strlen(in + k);
            }
        }
        if (!clash)
            break;
    }
    return AD_OK;
}

/* Parses the expression and the point.  need_point: every input must have
 * a value (else 1.0 is used for the missing ones). */
static int setup(calc *c, int need_point)
{
    int rc = read_point(c);
    if (rc != AD_CMD_OK)
        return rc;
    const char *const *decl = (const char *const *)c->names;
    size_t ndecl = c->nnames;
    unsigned flags = 0;
    if (c->vars != NULL) {
        if (split(c->vars, &c->vnames, &c->nvnames) != AD_OK) {
            complain(c, "out of memory");
            return AD_CMD_FAILED;
        }
        for (size_t i = 0; i < c->nvnames; i++)
            memmove(c->vnames[i], trim(c->vnames[i]),
                    strlen(trim(c->vnames[i])) + 1);
        decl = (const char *const *)c->vnames;
        ndecl = c->nvnames;
        flags = AD_EXPR_STRICT;
        for (size_t j = 0; j < c->nnames; j++) {
            size_t i = 0;
            while (i < c->nvnames && strcmp(c->vnames[i], c->names[j]))
                i++;
            if (i == c->nvnames) {
                complain(c, "--at gives '%s', which is not among --vars",
                         c->names[j]);
                return AD_CMD_USAGE;
            }
        }
    }
    ad_expr_error er;
    if (ad_expr_parse(c->expr, strlen(c->expr), decl, ndecl, flags, &c->e,
                      &er) != AD_OK) {
        show_error(c, er.column == 0 && c->vars != NULL ? "--vars: " : "",
                   c->expr, &er);
        return er.status == AD_ENOMEM ? AD_CMD_FAILED : AD_CMD_USAGE;
    }
    c->n = ad_expr_ninputs(c->e);
    c->m = ad_expr_noutputs(c->e);
    c->x = malloc(nz(c->n) * sizeof *c->x);
    if (c->x == NULL || make_labels(c) != AD_OK) {
        complain(c, "out of memory");
        return AD_CMD_FAILED;
    }
    for (size_t i = 0; i < c->n; i++) {
        const char *name = ad_expr_input(c->e, i);
        size_t j = 0;
        while (j < c->nnames && strcmp(c->names[j], name))
            j++;
        if (j < c->nnames) {
            c->x[i] = c->values[j];
            continue;
        }
        c->x[i] = 1.0;
        if (need_point) {
            size_t col = ad_expr_input_column(c->e, i);
            if (col > 0)
                complain(c,
                         "no value for '%s' (column %zu): give it with "
                         "--at %s=VALUE",
                         name, col, name);
            else
                complain(c, "no value for '%s': give it with --at %s=VALUE",
                         name, name);
            return AD_CMD_USAGE;
        }
    }
    if (c->output >= 0 && (size_t)c->output >= c->m) {
        complain(c, "--output %ld: the expression has %zu output%s (0 .. %zu)",
                 c->output, c->m, c->m == 1 ? "" : "s", c->m - 1);
        return AD_CMD_USAGE;
    }
    return AD_CMD_OK;
}

/* The longest expression text shown whole in a table (CSV and JSON have
 * it all). */
#define TEXT_SHOWN 60

/* Output j's text for a table: cut at TEXT_SHOWN characters. */
static const char *shown(const calc *c, size_t j, char *b, size_t n)
{
    const char *s = ad_expr_output(c->e, j);
    if (strlen(s) <= TEXT_SHOWN)
        return s;
    snprintf(b, n, "%.*s...", TEXT_SHOWN - 3, s);
    return b;
}

/* The lines naming the outputs and the point, above a table. */
static void preamble(const calc *c, size_t j0, size_t j1)
{
    char b[TEXT_SHOWN + 1];
    for (size_t j = j0; j < j1; j++)
        printf("%s = %s\n", c->label[j], shown(c, j, b, sizeof b));
    if (c->n > 0) {
        printf("at ");
        for (size_t i = 0; i < c->n; i++) {
            char b[40];
            fmt_num(b, sizeof b, c->x[i]);
            printf("%s%s = %s", i ? ", " : "", ad_expr_input(c->e, i), b);
        }
        printf("\n");
    }
    printf("\n");
}

/* The JSON fields every command shares: the command, the expression, the
 * inputs with their values, outputs j0 .. j1 - 1 with their values y. */
static void json_head(const calc *c, size_t j0, size_t j1, const double *y)
{
    printf("{\n  \"command\": ");
    json_str(stdout, c->cmd);
    printf(",\n  \"expression\": ");
    json_str(stdout, c->expr);
    printf(",\n  \"inputs\": [");
    for (size_t i = 0; i < c->n; i++) {
        printf("%s\n    {\"name\": ", i ? "," : "");
        json_str(stdout, ad_expr_input(c->e, i));
        printf(", \"value\": ");
        json_num(stdout, c->x[i]);
        printf("}");
    }
    printf("%s],\n  \"outputs\": [", c->n ? "\n  " : "");
    for (size_t j = j0; j < j1; j++) {
        printf("%s\n    {\"name\": ", j > j0 ? "," : "");
        json_str(stdout, c->label[j]);
        printf(", \"expression\": ");
        json_str(stdout, ad_expr_output(c->e, j));
        printf(", \"value\": ");
        json_num(stdout, y[j]);
        printf("}");
    }
    printf("\n  ]");
}

/* A JSON array of k numbers. */
static void json_row(const double *v, size_t k)
{
    printf("[");
    for (size_t i = 0; i < k; i++) {
        if (i > 0)
            printf(", ");
        json_num(stdout, v[i]);
    }
    printf("]");
}

/* Records output `which` (or all) at c->x on a new tape; NULL on failure,
 * after a message. */
static ad_tape *record(const calc *c, size_t which)
{
    ad_tape *t = ad_tape_new();
    int rc = t != NULL ? ad_expr_record(c->e, t, c->x, which) : AD_ENOMEM;
    if (rc != AD_OK) {
        complain(c, "recording failed: %s", ad_strerror(rc));
        ad_tape_free(t);
        return NULL;
    }
    return t;
}

/* The one output grad and hessian work on when --output is not given and
 * the expression has one output, or c->output. */
static int one_output(const calc *c, size_t *j)
{
    if (c->output >= 0) {
        *j = (size_t)c->output;
        return AD_CMD_OK;
    }
    if (c->m == 1) {
        *j = 0;
        return AD_CMD_OK;
    }
    complain(c,
             "the expression has %zu outputs: choose one with --output K "
             "(0 .. %zu), or use '%s jacobian'",
             c->m, c->m - 1, ad_cmd_prog);
    return AD_CMD_USAGE;
}

/* ---- eval --------------------------------------------------------------- */

static const char common_opts[] =
    "  --at x=2,y=0.5  the point: name=value items, separated by commas or "
    "in\n"
    "                  several --at; a value may be a constant expression "
    "(pi/4)\n"
    "  --vars x,y      the inputs and their order (default: the order of "
    "--at,\n"
    "                  then of first appearance); other names are errors\n"
    "  --csv, --json   the table as CSV, or JSON\n"
    "  -h, --help      this text\n";

static const char language[] =
    "EXPR: numbers, variables, + - * / ^ (or **; right-associative, -x^2 = "
    "-(x^2)),\n"
    "parentheses, pi, e, every primitive by name (sin(x), atan2(y, x), "
    "pow(x, y),\n"
    "powi(x, 3), hypot, erf, lgamma, ...), several outputs separated by "
    "commas.\n";

void ad_cmd_eval_usage(FILE *out)
{
    fprintf(out,
            "usage: %s eval EXPR --at x=2,...\n\n"
            "Evaluates the expression (every output) at a point.\n\n%s\n%s",
            ad_cmd_prog, language, common_opts);
}

int ad_cmd_eval(int argc, char **argv)
{
    calc c = {.cmd = "eval"};
    int rc = read_args(&c, argc, argv, 0, ad_cmd_eval_usage);
    if (rc == AD_CMD_OK)
        rc = setup(&c, 1);
    double *y = NULL;
    if (rc == AD_CMD_OK) {
        y = malloc(nz(c.m) * sizeof *y);
        if (y == NULL || ad_expr_eval(c.e, c.x, y) != AD_OK) {
            complain(&c, "out of memory");
            rc = AD_CMD_FAILED;
        }
    }
    if (rc == AD_CMD_OK && c.format == FMT_JSON) {
        json_head(&c, 0, c.m, y);
        printf("\n}\n");
    } else if (rc == AD_CMD_OK) {
        table t;
        if (table_init(&t, c.m + 1, 3) == AD_OK) {
            table_str(&t, 0, 0, "output");
            table_str(&t, 0, 1, "value");
            table_str(&t, 0, 2, "expression");
            for (size_t j = 0; j < c.m; j++) {
                table_str(&t, j + 1, 0, c.label[j]);
                table_num(&t, j + 1, 1, y[j]);
                char b[TEXT_SHOWN + 1];
                table_str(&t, j + 1, 2,
                          c.format == FMT_CSV ? ad_expr_output(c.e, j)
                                              : shown(&c, j, b, sizeof b));
            }
            if (c.format == FMT_TABLE)
                preamble(&c, 0, 0);
            table_print(&t, stdout, c.format == FMT_CSV);
        }
        table_free(&t);
    }
    free(y);
    calc_free(&c);
    return rc < 0 ? AD_CMD_OK : rc;
}

/* ---- grad --------------------------------------------------------------- */

void ad_cmd_grad_usage(FILE *out)
{
    fprintf(out,
            "usage: %s grad EXPR --at x=2,... [--output K]\n\n"
            "The value and the gradient of one output, by one reverse sweep "
            "over the\n"
            "recorded tape.\n\n%s\n%s"
            "  --output K      the output to differentiate (0, 1, ...), when "
            "there are\n"
            "                  several\n",
            ad_cmd_prog, language, common_opts);
}

int ad_cmd_grad(int argc, char **argv)
{
    calc c = {.cmd = "grad"};
    size_t j = 0;
    ad_tape *t = NULL;
    double *g = NULL, y = NAN;
    int rc = read_args(&c, argc, argv, O_OUTPUT, ad_cmd_grad_usage);
    if (rc == AD_CMD_OK)
        rc = setup(&c, 1);
    if (rc == AD_CMD_OK)
        rc = one_output(&c, &j);
    if (rc == AD_CMD_OK && (t = record(&c, j)) == NULL)
        rc = AD_CMD_FAILED;
    if (rc == AD_CMD_OK) {
        int st = AD_ENOMEM;
        g = malloc(nz(c.n) * sizeof *g);
        if (g != NULL && (st = ad_tape_gradient(t, NULL, g)) == AD_OK)
            st = ad_tape_eval(t, NULL, &y);
        if (st != AD_OK) {
            complain(&c, "%s", ad_strerror(st));
            rc = AD_CMD_FAILED;
        }
    }
    if (rc == AD_CMD_OK && c.format == FMT_JSON) {
        double *ys = calloc(c.m, sizeof *ys);
        if (ys != NULL) {
            ys[j] = y;
            json_head(&c, j, j + 1, ys);
            printf(",\n  \"gradient\": ");
            json_row(g, c.n);
            printf("\n}\n");
        }
        free(ys);
    } else if (rc == AD_CMD_OK) {
        table tb;
        if (table_init(&tb, c.n + 2, 2) == AD_OK) {
            char b[160];
            table_str(&tb, 0, 0, "quantity");
            table_str(&tb, 0, 1, "value");
            table_str(&tb, 1, 0, c.label[j]);
            table_num(&tb, 1, 1, y);
            for (size_t i = 0; i < c.n; i++) {
                snprintf(b, sizeof b, "d%s/d%s", c.label[j],
                         ad_expr_input(c.e, i));
                table_str(&tb, i + 2, 0, b);
                table_num(&tb, i + 2, 1, g[i]);
            }
            if (c.format == FMT_TABLE)
                preamble(&c, j, j + 1);
            table_print(&tb, stdout, c.format == FMT_CSV);
        }
        table_free(&tb);
    }
    free(g);
    ad_tape_free(t);
    ad_thread_release();
    calc_free(&c);
    return rc < 0 ? AD_CMD_OK : rc;
}

/* ---- jacobian ----------------------------------------------------------- */

void ad_cmd_jacobian_usage(FILE *out)
{
    fprintf(out,
            "usage: %s jacobian EXPR --at x=2,...\n\n"
            "The values of the outputs and the m x n Jacobian, by forward "
            "sweeps when\n"
            "n <= m, else by reverse sweeps over the recorded tape.\n\n%s\n%s",
            ad_cmd_prog, language, common_opts);
}

/* The largest Jacobian printed: a table of 10^7 entries is not for
 * reading. */
#define JAC_MAX 10000000u

int ad_cmd_jacobian(int argc, char **argv)
{
    calc c = {.cmd = "jacobian"};
    ad_tape *t = NULL;
    double *J = NULL, *y = NULL;
    int rc = read_args(&c, argc, argv, 0, ad_cmd_jacobian_usage);
    if (rc == AD_CMD_OK)
        rc = setup(&c, 1);
    if (rc == AD_CMD_OK && c.n > 0 && c.m > JAC_MAX / c.n) {
        complain(&c, "a %zu x %zu Jacobian is too large to print", c.m, c.n);
        rc = AD_CMD_FAILED;
    }
    if (rc == AD_CMD_OK && (t = record(&c, AD_EXPR_ALL)) == NULL)
        rc = AD_CMD_FAILED;
    if (rc == AD_CMD_OK) {
        int st = AD_ENOMEM;
        J = malloc(nz(c.m * c.n) * sizeof *J);
        y = malloc(nz(c.m) * sizeof *y);
        if (J != NULL && y != NULL &&
            (st = ad_tape_eval(t, NULL, y)) == AD_OK && c.n > 0)
            st = ad_tape_jacobian(t, NULL, J);
        if (st != AD_OK) {
            complain(&c, "%s", ad_strerror(st));
            rc = AD_CMD_FAILED;
        }
    }
    if (rc == AD_CMD_OK && c.format == FMT_JSON) {
        json_head(&c, 0, c.m, y);
        printf(",\n  \"jacobian\": [");
        for (size_t j = 0; j < c.m; j++) {
            printf("%s\n    ", j ? "," : "");
            json_row(J + j * c.n, c.n);
        }
        printf("\n  ]\n}\n");
    } else if (rc == AD_CMD_OK) {
        table tb;
        if (table_init(&tb, c.m + 1, c.n + 2) == AD_OK) {
            char b[80];
            table_str(&tb, 0, 0, "output");
            table_str(&tb, 0, 1, "value");
            for (size_t i = 0; i < c.n; i++) {
                snprintf(b, sizeof b, "d/d%s", ad_expr_input(c.e, i));
                table_str(&tb, 0, i + 2, b);
            }
            for (size_t j = 0; j < c.m; j++) {
                table_str(&tb, j + 1, 0, c.label[j]);
                table_num(&tb, j + 1, 1, y[j]);
                for (size_t i = 0; i < c.n; i++)
                    table_num(&tb, j + 1, i + 2, J[j * c.n + i]);
            }
            if (c.format == FMT_TABLE)
                preamble(&c, 0, c.m);
            table_print(&tb, stdout, c.format == FMT_CSV);
        }
        table_free(&tb);
    }
    free(J);
    free(y);
    ad_tape_free(t);
    ad_thread_release();
    calc_free(&c);
    return rc < 0 ? AD_CMD_OK : rc;
}

/* ---- hessian ------------------------------------------------------------ */

void ad_cmd_hessian_usage(FILE *out)
{
    fprintf(out,
            "usage: %s hessian EXPR --at x=2,... [--output K]\n\n"
            "The value and the n x n Hessian of every output (or of output "
            "K), by\n"
            "forward-over-reverse sweeps over the recorded tape.\n\n%s\n%s"
            "  --output K      only output K (0, 1, ...)\n",
            ad_cmd_prog, language, common_opts);
}

/* The largest Hessian printed. */
#define HESS_MAX_N 1000u

int ad_cmd_hessian(int argc, char **argv)
{
    calc c = {.cmd = "hessian"};
    double *H = NULL, *y = NULL;
    size_t j0 = 0, j1 = 0;
    int rc = read_args(&c, argc, argv, O_OUTPUT, ad_cmd_hessian_usage);
    if (rc == AD_CMD_OK)
        rc = setup(&c, 1);
    if (rc == AD_CMD_OK && c.n > HESS_MAX_N) {
        complain(&c, "%zu inputs: a Hessian that large is not printed", c.n);
        rc = AD_CMD_FAILED;
    }
    if (rc == AD_CMD_OK) {
        j0 = c.output >= 0 ? (size_t)c.output : 0;
        j1 = c.output >= 0 ? j0 + 1 : c.m;
        H = malloc(nz((j1 - j0) * c.n * c.n) * sizeof *H);
        y = calloc(c.m ? c.m : 1, sizeof *y);
        if (H == NULL || y == NULL) {
            complain(&c, "out of memory");
            rc = AD_CMD_FAILED;
        }
    }
    /* One tape per output: ad_tape_hessian differentiates output 0. */
    for (size_t j = j0; rc == AD_CMD_OK && j < j1; j++) {
        ad_tape *t = record(&c, j);
        int st = t != NULL ? ad_tape_eval(t, NULL, &y[j]) : AD_ENOMEM;
        if (st == AD_OK && c.n > 0)
            st = ad_tape_hessian(t, NULL, H + (j - j0) * c.n * c.n);
        if (st != AD_OK) {
            if (t != NULL)
                complain(&c, "%s", ad_strerror(st));
            rc = AD_CMD_FAILED;
        }
        ad_tape_free(t);
    }
    if (rc == AD_CMD_OK && c.format == FMT_JSON) {
        json_head(&c, j0, j1, y);
        printf(",\n  \"hessian\": [");
        for (size_t j = j0; j < j1; j++) {
            printf("%s\n    [", j > j0 ? "," : "");
            for (size_t i = 0; i < c.n; i++) {
                printf("%s\n      ", i ? "," : "");
                json_row(H + (j - j0) * c.n * c.n + i * c.n, c.n);
            }
            printf("\n    ]");
        }
        printf("\n  ]\n}\n");
    } else if (rc == AD_CMD_OK) {
        /* One table for all outputs: a column naming the output, so that
         * the CSV is one block. */
        table tb;
        if (table_init(&tb, (j1 - j0) * (c.n + 1) + 1, c.n + 3) == AD_OK) {
            char b[80];
            table_str(&tb, 0, 0, "output");
            table_str(&tb, 0, 1, "value");
            table_str(&tb, 0, 2, "d2/d");
            for (size_t i = 0; i < c.n; i++) {
                snprintf(b, sizeof b, "d%s", ad_expr_input(c.e, i));
                table_str(&tb, 0, i + 3, b);
            }
            size_t r = 1;
            for (size_t j = j0; j < j1; j++) {
                const double *Hj = H + (j - j0) * c.n * c.n;
                table_str(&tb, r, 0, c.label[j]);
                table_num(&tb, r, 1, y[j]);
                r++;
                for (size_t i = 0; i < c.n; i++, r++) {
                    table_str(&tb, r, 0, c.label[j]);
                    snprintf(b, sizeof b, "d%s", ad_expr_input(c.e, i));
                    table_str(&tb, r, 2, b);
                    for (size_t k = 0; k < c.n; k++)
                        table_num(&tb, r, k + 3, Hj[i * c.n + k]);
                }
            }
            if (c.format == FMT_TABLE)
                preamble(&c, j0, j1);
            table_print(&tb, stdout, c.format == FMT_CSV);
        }
        table_free(&tb);
    }
    free(H);
    free(y);
    ad_thread_release();
    calc_free(&c);
    return rc < 0 ? AD_CMD_OK : rc;
}

/* ---- graph -------------------------------------------------------------- */

void ad_cmd_graph_usage(FILE *out)
{
    fprintf(out,
            "usage: %s graph EXPR|PROBLEM [--n N] [--at x=2,...] "
            "[--dot | --png FILE] [--output K]\n\n"
            "The tape recorded for the expression (or a built-in problem: "
            "rosenbrock,\nspeelpenning, mlp, lorenz, reaction, heat, of "
            "size --n), one line per operation (\"v2 = sqr v1\");\n"
            "with --at, each result's value and its adjoint (the derivative "
            "of output K,\n"
            "default 0, with respect to it) beside it.\n\n%s\n%s"
            "  --dot           Graphviz DOT instead of text\n"
            "  --png FILE      a picture of the graph, drawn by Graphviz's "
            "dot\n"
            "  --output K      the adjoints are those of output K\n",
            ad_cmd_prog, language, common_opts);
}

/* 1 if an executable `prog` is on PATH. */
static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        return 0;
    while (*path != '\0') {
        const char *end = strchr(path, ':');
        size_t k = end != NULL ? (size_t)(end - path) : strlen(path);
        char buf[4096];
        if (k + strlen(prog) + 2 < sizeof buf) {
            snprintf(buf, sizeof buf, "%.*s/%s", (int)k, k ? path : ".", prog);
            if (k == 0)
                snprintf(buf, sizeof buf, "./%s", prog);
            if (access(buf, X_OK) == 0)
                return 1;
        }
        path += k;
        if (*path == ':')
            path++;
    }
    return 0;
}

/* Pipes the DOT text of the tape into `dot -Tpng -o file`. */
static int write_png(const calc *c, const ad_tape *t,
                     const ad_tape_print_opts *o)
{
    if (!on_path("dot")) {
        complain(c, "Graphviz's 'dot' is not installed, so no PNG was "
                    "written (apt-get install graphviz); --dot prints the "
                    "DOT text");
        return AD_CMD_FAILED;
    }
    int fd[2];
    if (pipe(fd) != 0) {
        complain(c, "pipe: %s", strerror(errno));
        return AD_CMD_FAILED;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        complain(c, "fork: %s", strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return AD_CMD_FAILED;
    }
    if (pid == 0) {
        close(fd[1]);
        if (dup2(fd[0], 0) < 0)
            _exit(127);
        close(fd[0]);
        execlp("dot", "dot", "-Tpng", "-o", c->png, (char *)NULL);
        _exit(127);
    }
    close(fd[0]);
    /* dot may stop reading early (a bad file name): then writing to the
     * pipe must fail with EPIPE, not kill this process. */
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    FILE *w = fdopen(fd[1], "w");
    int st = w != NULL ? ad_tape_print(w, t, o) : AD_EIO;
    if (w != NULL)
        fclose(w);
    else
        close(fd[1]);
    signal(SIGPIPE, old);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || st != AD_OK) {
        complain(c, "dot failed to write '%s'", c->png);
        return AD_CMD_FAILED;
    }
    printf("wrote %s\n", c->png);
    return AD_CMD_OK;
}

int ad_cmd_graph(int argc, char **argv)
{
    calc c = {.cmd = "graph"};
    ad_tape *t = NULL;
    double *w = NULL;
    int rc = read_args(&c, argc, argv, O_OUTPUT | O_GRAPH, ad_cmd_graph_usage);
    if (rc == AD_CMD_OK && c.format != FMT_TABLE) {
        complain(&c, "--csv and --json do not apply: the graph is text, "
                     "--dot or --png");
        rc = AD_CMD_USAGE;
    }
    if (rc == AD_CMD_OK && c.dot && c.png != NULL) {
        complain(&c, "--dot or --png, not both");
        rc = AD_CMD_USAGE;
    }
    /* A built-in problem (problems.h) is recorded at its default point,
     * or at --at's, and printed with values only when --at is given. */
    ad_cli_problem p;
    int builtin = rc == AD_CMD_OK && ad_cli_is_builtin(c.expr);
    if (builtin) {
        rc = ad_cli_problem_open(&p, "graph", c.expr, c.nopt, c.at, c.nat);
        if (rc == AD_CMD_OK) {
            t = p.tape;
            p.tape = NULL; /* freed below, with the expression's */
            c.n = p.n;
            c.m = p.m;
        }
    } else if (rc == AD_CMD_OK && c.nopt > 0) {
        complain(&c, "--n applies to a built-in problem, not to an "
                     "expression");
        rc = AD_CMD_USAGE;
    }
    /* Without --at an expression's graph is recorded at 1 for every input
     * and printed without values: its structure does not depend on the
     * point (expressions have no branches).  With --at, every input needs
     * its value. */
    if (rc == AD_CMD_OK && !builtin)
        rc = setup(&c, c.nat > 0);
    if (rc == AD_CMD_OK && !builtin && (t = record(&c, AD_EXPR_ALL)) == NULL)
        rc = AD_CMD_FAILED;
    if (rc == AD_CMD_OK) {
        ad_tape_print_opts o = {0};
        const char **in = malloc(nz(c.n) * sizeof *in);
        w = calloc(c.m ? c.m : 1, sizeof *w);
        if (in == NULL || w == NULL) {
            complain(&c, "out of memory");
            rc = AD_CMD_FAILED;
        } else {
            for (size_t i = 0; i < c.n; i++)
                in[i] = builtin ? p.xname[i] : ad_expr_input(c.e, i);
            if (c.m > 0)
                w[c.output >= 0 ? (size_t)c.output : 0] = 1.0;
            o.inputs = in;
            o.outputs = c.label;
            o.w = w;
            if (c.nat > 0)
                o.flags |= AD_TAPE_PRINT_VALUES | AD_TAPE_PRINT_ADJOINTS;
            if (c.dot || c.png != NULL)
                o.flags |= AD_TAPE_PRINT_DOT;
            if (c.png != NULL) {
                rc = write_png(&c, t, &o);
            } else {
                int st = ad_tape_print(stdout, t, &o);
                if (st != AD_OK) {
                    complain(&c, "%s", ad_strerror(st));
                    rc = AD_CMD_FAILED;
                }
            }
        }
        free(in);
    }
    free(w);
    ad_tape_free(t);
    if (builtin)
        ad_cli_problem_close(&p);
    ad_thread_release();
    calc_free(&c);
    return rc < 0 ? AD_CMD_OK : rc;
}
