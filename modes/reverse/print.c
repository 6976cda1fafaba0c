/* print.c -- the recorded graph, for people: ad_tape_print (tape.h).
 *
 * Text: one line per node, in recording order, in the spirit of a jaxpr
 * (JAX's printed intermediate form): the results, '=', the operation's
 * name and its arguments, variables as v<index> and constants as numbers:
 *
 *     # admix tape: 1 input, 1 output, 3 operations
 *     v1 = input x0
 *     v2 = sqr v1
 *     v3 = sin v2
 *     out y0 = v3
 *
 * optionally with the value of each result and its adjoint (the derivative
 * of a weighted sum of the outputs with respect to it) in two aligned
 * columns.  DOT: the same nodes as a Graphviz digraph, one graph node per
 * tape node, an edge from the node that made each argument.
 *
 * The printer walks the segments as the sweeps do (sweep_fwd.inc), but it
 * is not a sweep: it learns each node's extent from ad__node_shape and so
 * needs no case per primitive; only the names of the nodes that are not
 * primitives (inputs, constants, array nodes) are spelt here.  The
 * adjoints come from a reverse pass of its own that keeps every adjoint
 * (the sweeps of sweep.c clear each one as they consume it, so they cannot
 * show them); it reads the first partials through the run-time table
 * (ad_op_get), and hands array nodes to array.c's rules. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_node.h"
#include "tape_impl.h"

/* A located node: where its op byte, arguments and constants are, and its
 * results r .. r + nres - 1. */
typedef struct pnode {
    const uint8_t *op;
    const uint32_t *arg;
    const double *cst;
    uint32_t r, nres;
} pnode;

/* Lists longer than this are shown by their first few and last elements. */
#define LIST_SHOW 6
/* The longest name (of an input, output or custom op) printed whole. */
#define NAME_MAX_SHOWN 64

/* A line being formatted: appends are cut at the capacity, which only very
 * long names could reach (they are cut at NAME_MAX_SHOWN). */
typedef struct line {
    char b[1024];
    size_t n;
} line;

static void put(line *l, const char *fmt, ...)
{
    if (l->n + 1 >= sizeof l->b)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(l->b + l->n, sizeof l->b - l->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        l->n +=
            (size_t)k < sizeof l->b - l->n ? (size_t)k : sizeof l->b - l->n - 1;
}

/* The shortest of %.15g, %.16g, %.17g that reads back as v: readable where
 * the value is short, exact always. */
static void put_num(line *l, double v)
{
    char b[40];
    for (int p = 15; p <= 17; p++) {
        snprintf(b, sizeof b, "%.*g", p, v);
        if (strtod(b, NULL) == v)
            break;
    }
    put(l, "%s", b);
}

/* What a printer reads. */
typedef struct printer {
    FILE *out;
    const ad_tape *t;
    const ad_tape_print_opts *o;
    pnode *nd;
    size_t nnd;
    double **vt; /* values (annotations), or NULL */
    double *bar; /* adjoints, one per variable, or NULL */
} printer;

static double val(const printer *p, uint32_t i)
{
    return AD__V(p->vt, i);
}

static void put_input_name(line *l, const printer *p, size_t k)
{
    if (p->o != NULL && p->o->inputs != NULL && p->o->inputs[k] != NULL)
        put(l, "%.*s", NAME_MAX_SHOWN, p->o->inputs[k]);
    else
        put(l, "x%zu", k);
}

static void put_output_name(line *l, const printer *p, size_t j)
{
    if (p->o != NULL && p->o->outputs != NULL && p->o->outputs[j] != NULL)
        put(l, "%.*s", NAME_MAX_SHOWN, p->o->outputs[j]);
    else
        put(l, "y%zu", j);
}

/* v5, or v5..v9 for k > 1 consecutive variables. */
static void put_range(line *l, uint32_t first, size_t k)
{
    if (k == 1)
        put(l, "v%lu", (unsigned long)first);
    else
        put(l, "v%lu..v%lu", (unsigned long)first,
            (unsigned long)(first + k - 1));
}

/* One array of an array node: a range, or a bracketed list of variables or
 * constants, shortened when long. */
static void put_view(line *l, const ad__view *v)
{
    if (v->kind == AD__K_RANGE) {
        put_range(l, v->first, v->k);
        return;
    }
    put(l, "[");
    for (size_t i = 0; i < v->k; i++) {
        if (v->k > LIST_SHOW && i == LIST_SHOW - 2) {
            put(l, " ...");
            i = v->k - 1;
        }
        if (i > 0)
            put(l, " ");
        if (v->kind == AD__K_LIST)
            put(l, "v%lu", (unsigned long)v->idx[i]);
        else
            put_num(l, v->cst[i]);
    }
    put(l, "]");
}

/* k numbers from f(p, i), i = 0 .. k - 1: one, or a shortened list. */
static void put_nums(line *l, const printer *p, size_t k,
                     double (*f)(const printer *, size_t, uint32_t), uint32_t r)
{
    if (k == 1) {
        put_num(l, f(p, 0, r));
        return;
    }
    put(l, "[");
    for (size_t i = 0; i < k; i++) {
        if (k > LIST_SHOW && i == LIST_SHOW - 2) {
            put(l, " ...");
            i = k - 1;
        }
        if (i > 0)
            put(l, " ");
        put_num(l, f(p, i, r));
    }
    put(l, "]");
}

static double val_at(const printer *p, size_t i, uint32_t r)
{
    return val(p, r + (uint32_t)i);
}

static double bar_at(const printer *p, size_t i, uint32_t r)
{
    return p->bar[r + i];
}

/* The names of the array nodes (the primitives name themselves). */
static const char *array_name(unsigned code)
{
    switch (code) {
    case AD__OP_DOT:
        return "dot";
    case AD__OP_AXPY:
        return "axpy";
    case AD__OP_SUM:
        return "sum";
    case AD__OP_GEMV:
        return "gemv";
    case AD__OP_MAP:
        return "map";
    default:
        return "custom";
    }
}

static const char *cmp_name(unsigned code)
{
    static const char *const names[] = {"lt", "le", "gt", "ge", "eq"};
    return names[code - AD__OP_LT];
}

/* The text of node d (without annotations); *nin counts the inputs met. */
static void node_text(const printer *p, const pnode *d, size_t *nin, line *l)
{
    unsigned code = *d->op & AD__CODE, var = *d->op & ~AD__CODE;
    const uint32_t *a = d->arg;
    const double *c = d->cst;
    l->n = 0;
    l->b[0] = '\0';
    if (code < AD_OP_COUNT) {
        const ad_op_info *info = ad_op_get((int)code);
        put(l, "v%lu = %s ", (unsigned long)d->r, info->name);
        if (info->arity == 1) {
            put(l, "v%lu", (unsigned long)a[0]);
            if (info->has_param) {
                put(l, " ");
                put_num(l, c[0]);
            }
        } else if (var == AD__XC) {
            put(l, "v%lu ", (unsigned long)a[0]);
            put_num(l, c[0]);
        } else if (var == AD__CX) {
            put_num(l, c[0]);
            put(l, " v%lu", (unsigned long)a[0]);
        } else {
            put(l, "v%lu v%lu", (unsigned long)a[0], (unsigned long)a[1]);
        }
        return;
    }
    switch (code) {
    case AD__OP_INDEP:
        put(l, "v%lu = input ", (unsigned long)d->r);
        put_input_name(l, p, (*nin)++);
        return;
    case AD__OP_INDEPS:
        put_range(l, d->r, d->nres);
        put(l, " = inputs ");
        for (size_t i = 0; i < d->nres; i++) {
            if (d->nres > LIST_SHOW && i == LIST_SHOW - 2) {
                put(l, "... ");
                i = d->nres - 1;
            }
            put_input_name(l, p, *nin + i);
            if (i + 1 < d->nres)
                put(l, " ");
        }
        *nin += d->nres;
        return;
    case AD__OP_CONST:
        put(l, "v%lu = const ", (unsigned long)d->r);
        put_num(l, c[0]);
        return;
    case AD__OP_SELECT:
        put(l, "v%lu = select v%lu v%lu v%lu", (unsigned long)d->r,
            (unsigned long)a[0], (unsigned long)a[1], (unsigned long)a[2]);
        return;
    case AD__OP_LT:
    case AD__OP_LE:
    case AD__OP_GT:
    case AD__OP_GE:
    case AD__OP_EQ:
        /* A comparison has no result: its recorded outcome is its last
         * constant. */
        put(l, "%s ", cmp_name(code));
        if (var == AD__CX) {
            put_num(l, c[0]);
            put(l, " v%lu", (unsigned long)a[0]);
        } else if (var == AD__XC) {
            put(l, "v%lu ", (unsigned long)a[0]);
            put_num(l, c[0]);
        } else {
            put(l, "v%lu v%lu", (unsigned long)a[0], (unsigned long)a[1]);
        }
        put(l, " -> %s", c[var ? 1 : 0] != 0.0 ? "true" : "false");
        return;
    default:
        break;
    }
    /* An array node. */
    ad__anode an;
    ad__array_parse(code, a, c, &an);
    put_range(l, d->r, d->nres);
    put(l, " = %s", array_name(code));
    if (code == AD__OP_MAP) {
        const ad_op_info *info = ad_op_get((int)an.op);
        put(l, " %s", info != NULL ? info->name : "?");
    } else if (code == AD__OP_CUSTOM) {
        const ad_custom *op =
            an.op < p->t->ncustom ? p->t->custom[an.op] : NULL;
        put(l, " %.*s", NAME_MAX_SHOWN,
            op != NULL && op->name != NULL ? op->name : "(unnamed)");
    } else if (code == AD__OP_GEMV) {
        put(l, "%s %zux%zu", an.trans ? " T" : "", an.m, an.n);
    }
    for (int k = 0; k < an.nv; k++) {
        put(l, " ");
        put_view(l, &an.v[k]);
    }
}

/* Calls f(ctx, i) for every variable i that node d reads. */
static void node_args(const pnode *d, void (*f)(void *ctx, uint32_t i),
                      void *ctx)
{
    unsigned code = *d->op & AD__CODE, var = *d->op & ~AD__CODE;
    const uint32_t *a = d->arg;
    if (code < AD_OP_COUNT) {
        f(ctx, a[0]);
        if (ad_op_get((int)code)->arity == 2 && var == 0)
            f(ctx, a[1]);
        return;
    }
    switch (code) {
    case AD__OP_INDEP:
    case AD__OP_INDEPS:
    case AD__OP_CONST:
        return;
    case AD__OP_SELECT:
        f(ctx, a[0]);
        f(ctx, a[1]);
        f(ctx, a[2]);
        return;
    case AD__OP_LT:
    case AD__OP_LE:
    case AD__OP_GT:
    case AD__OP_GE:
    case AD__OP_EQ:
        f(ctx, a[0]);
        if (var == 0)
            f(ctx, a[1]);
        return;
    default: {
        ad__anode an;
        ad__array_parse(code, a, NULL, &an);
        for (int k = 0; k < an.nv; k++)
            if (an.v[k].kind != AD__K_CONST)
                for (size_t i = 0; i < an.v[k].k; i++)
                    f(ctx, ad__view_var(&an.v[k], i));
        return;
    }
    }
}

/* ---- the values and the adjoints ---------------------------------------- */

/* Locates every node of the tape (p->nd, p->nnd). */
static int locate(printer *p)
{
    const ad_tape *t = p->t;
    p->nd = malloc((t->nop ? t->nop : 1) * sizeof *p->nd);
    if (p->nd == NULL)
        return AD_ENOMEM;
    size_t k = 0;
    for (size_t s = 0; s < t->nseg; s++) {
        const ad__seg *sg = &t->seg[s];
        const uint8_t *op = sg->op;
        const uint32_t *a = sg->arg;
        const double *c = sg->cst;
        uint32_t r = sg->var0;
        for (size_t j = 0; j < sg->nop; j++) {
            size_t na, nc, nr;
            if (k == t->nop ||
                ad__node_shape(op[j], a, (size_t)(sg->arg + sg->narg - a), &na,
                               &nc, &nr) != 0)
                return AD_EINVAL;
            p->nd[k].op = &op[j];
            p->nd[k].arg = a;
            p->nd[k].cst = c;
            p->nd[k].r = r;
            p->nd[k].nres = (uint32_t)nr;
            a += na;
            c += nc;
            r += (uint32_t)nr;
            k++;
        }
    }
    p->nnd = k;
    return AD_OK;
}

/* The reverse pass: every variable's adjoint, from the output weights w (or
 * e_0), kept in p->bar.  A node's results have their final adjoints when
 * the pass reaches it (every reader comes later on the tape); they are
 * copied to bar then, because array.c's rules consume (clear) them. */
static int adjoints(printer *p, ad__sweep *s, const double *w)
{
    const ad_tape *t = p->t;
    double *adj = calloc(t->nvar ? t->nvar : 1, sizeof *adj);
    p->bar = calloc(t->nvar ? t->nvar : 1, sizeof *p->bar);
    if (adj == NULL || p->bar == NULL) {
        free(adj);
        return AD_ENOMEM;
    }
    for (size_t j = 0; j < t->m; j++)
        if (t->dep[j] != 0)
            adj[t->dep[j]] += w != NULL ? w[j] : (double)(j == 0);
    s->adj = adj;
    s->q = 1;
    for (size_t k = p->nnd; k-- > 0;) {
        const pnode *d = &p->nd[k];
        unsigned code = *d->op & AD__CODE, var = *d->op & ~AD__CODE;
        const uint32_t *a = d->arg;
        const double *c = d->cst;
        uint32_t r = d->r;
        memcpy(p->bar + r, adj + r, d->nres * sizeof *adj);
        if (code < AD_OP_COUNT) {
            const ad_op_info *info = ad_op_get((int)code);
            double wr = adj[r], pd[2] = {0.0, 0.0};
            /* A zero adjoint adds nothing, whatever the partial (an
             * infinite one in a branch not taken, as in the sweeps). */
            if (wr == 0.0)
                continue;
            if (info->arity == 1) {
                info->d1(val(p, a[0]), 0.0, info->has_param ? c[0] : 0.0,
                         val(p, r), pd);
                adj[a[0]] += pd[0] * wr;
            } else if (var == AD__XC) {
                info->d1(val(p, a[0]), c[0], 0.0, val(p, r), pd);
                adj[a[0]] += pd[0] * wr;
            } else if (var == AD__CX) {
                info->d1(c[0], val(p, a[0]), 0.0, val(p, r), pd);
                adj[a[0]] += pd[1] * wr;
            } else {
                info->d1(val(p, a[0]), val(p, a[1]), 0.0, val(p, r), pd);
                adj[a[0]] += pd[0] * wr;
                adj[a[1]] += pd[1] * wr;
            }
        } else if (code == AD__OP_SELECT) {
            adj[val(p, a[0]) > 0.0 ? a[1] : a[2]] += adj[r];
        } else if (AD__IS_ARRAY(code)) {
            ad__array_reverse(s, code, a, c, r);
        }
    }
    free(adj);
    s->adj = NULL;
    return s->err;
}

/* Values at x (the recorded ones for x NULL) and, when asked, adjoints. */
static int annotate(printer *p, const double *x, const double *w, int adj)
{
    const ad_tape *t = p->t;
    ad__work *wk = ad__work_get(t, 0, 0, t->tmp_need);
    if (wk == NULL)
        return AD_ENOMEM;
    ad__sweep s;
    memset(&s, 0, sizeof s);
    s.t = t;
    s.vt = x != NULL ? wk->vt : t->vtab;
    s.vf = x != NULL ? wk->val : NULL;
    s.x = x;
    s.tmp = wk->tmp;
    s.flip = -1;
    if (x != NULL) {
        int rc = ad__forward(&s, 1);
        ad__work_set_flip(s.flip);
        if (rc == AD_OK)
            rc = s.err;
        if (rc != AD_OK)
            return rc;
    }
    p->vt = s.vt;
    return adj && t->m > 0 ? adjoints(p, &s, w) : AD_OK;
}

/* ---- text --------------------------------------------------------------- */

static void header(const printer *p, const char *prefix)
{
    const ad_tape *t = p->t;
    fprintf(p->out, "%sadmix tape: %zu input%s, %zu output%s, %zu operation%s",
            prefix, t->n, t->n == 1 ? "" : "s", t->m, t->m == 1 ? "" : "s",
            p->nnd, p->nnd == 1 ? "" : "s");
    if (p->vt != NULL) {
        fprintf(p->out, "; values at %s",
                p->o->x != NULL ? "the given point" : "the recorded point");
        if (p->bar != NULL) {
            line l = {.n = 0};
            /* Weights e_j name output j; others are a combination. */
            const double *w = p->o->w;
            size_t j = 0, ones = 0, zeros = 0;
            for (size_t k = 0; w != NULL && k < t->m; k++) {
                ones += w[k] == 1.0;
                zeros += w[k] == 0.0;
                j = w[k] == 1.0 ? k : j;
            }
            if (w == NULL || (ones == 1 && zeros + 1 == t->m))
                put_output_name(&l, p, j);
            else
                put(&l, "the weighted outputs");
            fprintf(p->out, ", adjoints of %s", l.b);
        }
    }
}

/* An output: its variable, or its value when it is a constant. */
static void put_output(line *l, const printer *p, size_t j)
{
    if (p->t->dep[j] != 0)
        put(l, "v%lu", (unsigned long)p->t->dep[j]);
    else
        put_num(l, p->t->depc[j]);
}

/* Widths of the columns, cut so that one long line does not push every
 * other one far to the right. */
#define TEXT_COL_MAX  48
#define VALUE_COL_MAX 26

static void print_text(const printer *p)
{
    header(p, "# ");
    fputc('\n', p->out);
    line l, v;
    size_t nin = 0, w0 = 0, w1 = 0;
    /* First pass: the widths of the columns. */
    for (size_t k = 0; p->vt != NULL && k < p->nnd; k++) {
        node_text(p, &p->nd[k], &nin, &l);
        w0 = l.n > w0 ? l.n : w0;
        v.n = 0;
        v.b[0] = '\0';
        if (p->nd[k].nres > 0)
            put_nums(&v, p, p->nd[k].nres, val_at, p->nd[k].r);
        w1 = v.n > w1 ? v.n : w1;
    }
    w0 = w0 < TEXT_COL_MAX ? w0 : TEXT_COL_MAX;
    w1 = w1 < VALUE_COL_MAX ? w1 : VALUE_COL_MAX;
    nin = 0;
    for (size_t k = 0; k < p->nnd; k++) {
        const pnode *d = &p->nd[k];
        node_text(p, d, &nin, &l);
        if (p->vt == NULL || d->nres == 0) {
            fprintf(p->out, "%s\n", l.b);
            continue;
        }
        v.n = 0;
        v.b[0] = '\0';
        put_nums(&v, p, d->nres, val_at, d->r);
        fprintf(p->out, "%-*s  value %-*s", (int)w0, l.b, (int)w1, v.b);
        if (p->bar != NULL) {
            v.n = 0;
            v.b[0] = '\0';
            put_nums(&v, p, d->nres, bar_at, d->r);
            fprintf(p->out, "  adjoint %s", v.b);
        }
        fputc('\n', p->out);
    }
    l.n = 0;
    l.b[0] = '\0';
    put(&l, "out");
    for (size_t j = 0; j < p->t->m; j++) {
        put(&l, j > 0 ? ", " : " ");
        put_output_name(&l, p, j);
        put(&l, " = ");
        put_output(&l, p, j);
    }
    fprintf(p->out, "%s\n", l.b);
}

/* ---- DOT ---------------------------------------------------------------- */

/* s as the inside of a DOT string: quotes and backslashes escaped, a
 * newline as Graphviz's centred line break \n. */
static void dot_string(FILE *out, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\n') {
            fputs("\\n", out);
            continue;
        }
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
}

typedef struct edge_ctx {
    FILE *out;
    const uint32_t *owner;
    const char *to;
} edge_ctx;

static void dot_edge(void *ctx, uint32_t i)
{
    edge_ctx *e = ctx;
    fprintf(e->out, "    v%lu -> %s;\n", (unsigned long)e->owner[i], e->to);
}

static int print_dot(const printer *p)
{
    const ad_tape *t = p->t;
    /* owner[i]: the first result of the node that made variable i, which
     * names that node in the graph (an array node has many results). */
    uint32_t *owner = calloc(t->nvar ? t->nvar : 1, sizeof *owner);
    if (owner == NULL)
        return AD_ENOMEM;
    fprintf(p->out, "// ");
    header(p, "");
    fprintf(p->out, "\ndigraph admix {\n    rankdir=LR;\n"
                    "    node [shape=box, fontname=\"Helvetica\"];\n");
    line l, v;
    size_t nin = 0, ncmp = 0;
    for (size_t k = 0; k < p->nnd; k++) {
        const pnode *d = &p->nd[k];
        unsigned code = *d->op & AD__CODE;
        char id[32];
        if (d->nres > 0)
            snprintf(id, sizeof id, "v%lu", (unsigned long)d->r);
        else
            snprintf(id, sizeof id, "c%zu", ncmp++);
        node_text(p, d, &nin, &l);
        fprintf(p->out, "    %s [label=\"", id);
        dot_string(p->out, l.b);
        if (p->vt != NULL && d->nres > 0) {
            v.n = 0;
            put(&v, "\nvalue ");
            put_nums(&v, p, d->nres, val_at, d->r);
            if (p->bar != NULL) {
                put(&v, "\nadjoint ");
                put_nums(&v, p, d->nres, bar_at, d->r);
            }
            dot_string(p->out, v.b);
        }
        fprintf(p->out, "\"%s];\n",
                code == AD__OP_INDEP || code == AD__OP_INDEPS
                    ? ", shape=ellipse"
                : d->nres == 0 ? ", shape=diamond"
                               : "");
        edge_ctx e = {p->out, owner, id};
        node_args(d, dot_edge, &e);
        for (uint32_t i = 0; i < d->nres; i++)
            owner[d->r + i] = d->r;
    }
    for (size_t j = 0; j < t->m; j++) {
        l.n = 0;
        l.b[0] = '\0';
        put_output_name(&l, p, j);
        if (t->dep[j] == 0) {
            put(&l, " = ");
            put_num(&l, t->depc[j]);
        }
        fprintf(p->out, "    out%zu [label=\"", j);
        dot_string(p->out, l.b);
        fprintf(p->out, "\", shape=doublecircle];\n");
        if (t->dep[j] != 0)
            fprintf(p->out, "    v%lu -> out%zu;\n",
                    (unsigned long)owner[t->dep[j]], j);
    }
    fprintf(p->out, "}\n");
    free(owner);
    return AD_OK;
}

/* ---- the entry point ---------------------------------------------------- */

int ad_tape_print(FILE *out, const ad_tape *tape,
                  const ad_tape_print_opts *opts)
{
    static const ad_tape_print_opts plain = {0};
    if (out == NULL || tape == NULL || !tape->done)
        return AD_EINVAL;
    printer p;
    memset(&p, 0, sizeof p);
    p.out = out;
    p.t = tape;
    p.o = opts != NULL ? opts : &plain;
    unsigned flags = p.o->flags;
    if (flags & ~(unsigned)(AD_TAPE_PRINT_DOT | AD_TAPE_PRINT_VALUES |
                            AD_TAPE_PRINT_ADJOINTS))
        return AD_EINVAL;
    int rc = locate(&p);
    if (rc == AD_OK &&
        (flags & (AD_TAPE_PRINT_VALUES | AD_TAPE_PRINT_ADJOINTS)))
        rc =
            annotate(&p, p.o->x, p.o->w, (flags & AD_TAPE_PRINT_ADJOINTS) != 0);
    if (rc == AD_OK) {
        if (flags & AD_TAPE_PRINT_DOT)
            rc = print_dot(&p);
        else
            print_text(&p);
    }
    free(p.nd);
    free(p.bar);
    if (rc == AD_OK && ferror(out))
        rc = AD_EIO;
    return rc;
}
