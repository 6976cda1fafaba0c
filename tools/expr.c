/* expr.c -- the expression language of the admix command: a lexer, a
 * recursive-descent parser to a flat list of operations, and the two
 * interpreters of that list (double evaluation and recording on a tape).
 * The language is described in expr.h.
 *
 * The list is in post-order: every node comes after its arguments, so both
 * interpreters are one loop over an array, whatever the shape of the tree
 * (a left-deep sum of 10^5 terms costs no stack).  Only the parser recurses,
 * and every cycle of its recursion passes through unary(), which counts the
 * depth and stops at AD_EXPR_MAX_DEPTH.
 *
 * Functions are the primitives of the table, found by name with
 * ad_op_lookup and described by ad_op_get (arity, integer parameter): this
 * file lists none of them.  The recorder calls each primitive's ad_var
 * function through a table generated from primitives/ops.def. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

/* ---- the list of operations --------------------------------------------- */

enum { N_NUM, N_VAR, N_OP };

typedef struct enode {
    unsigned char kind; /* N_* */
    int op;             /* N_OP: the ad_op */
    uint32_t a, b;      /* N_OP: argument nodes; N_VAR: a is the input */
    double c;           /* N_NUM: the value; N_OP: powi's exponent */
} enode;

typedef struct evar {
    char *name;
    size_t col; /* first appearance, 0 if none */
} evar;

struct ad_expr {
    enode *nd;
    size_t nnd, nd_cap;
    evar *var;
    size_t nvar, var_cap;
    uint32_t *out; /* the output nodes */
    char **otext;  /* the outputs' text */
    size_t nout, out_cap;
};

/* ---- the recorder's table, generated from the primitive table ----------- */

typedef ad_var (*rec_fn)(ad_var a, ad_var b, double c);

#define AD_OP1(N, n, ...)                                                      \
    static ad_var rec_##n(ad_var a, ad_var b, double c)                        \
    {                                                                          \
        (void)b;                                                               \
        (void)c;                                                               \
        return ad_var_##n(a);                                                  \
    }
#define AD_OP1P(N, n, ...)                                                     \
    static ad_var rec_##n(ad_var a, ad_var b, double c)                        \
    {                                                                          \
        (void)b;                                                               \
        return ad_var_##n(a, (int)c);                                          \
    }
#define AD_OP2(N, n, ...)                                                      \
    static ad_var rec_##n(ad_var a, ad_var b, double c)                        \
    {                                                                          \
        (void)c;                                                               \
        return ad_var_##n(a, b);                                               \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2

static const rec_fn recorders[AD_OP_COUNT] = {
#define AD_OP1(N, n, ...) [AD_OP_##N] = rec_##n,
#define AD_OP1P           AD_OP1
#define AD_OP2            AD_OP1
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
};

/* ---- the lexer ---------------------------------------------------------- */

enum {
    T_END,
    T_NUM,
    T_NAME,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_CARET,
    T_LPAREN,
    T_RPAREN,
    T_COMMA,
    T_ERROR /* the lexer has reported an error */
};

typedef struct parser {
    const char *s;
    size_t len, pos;
    int tok;           /* the current token */
    size_t tpos, tlen; /* its place */
    double num;        /* T_NUM: its value */
    size_t prev_end;   /* the end of the token before it */
    int depth;
    unsigned flags;
    ad_expr *e;
    ad_expr_error *err;
    /* The operators' primitives; -1 where the table lacks one (then a
     * fallback is used: pow for sqr and powi). */
    int op_add, op_sub, op_mul, op_div, op_neg, op_sqr, op_powi, op_pow;
} parser;

/* Records the first error (later ones follow from it). */
static int fail(parser *p, int status, size_t col, const char *fmt, ...)
{
    if (p->err->status == AD_OK) {
        va_list ap;
        p->err->status = status;
        p->err->column = col;
        va_start(ap, fmt);
        vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
        va_end(ap);
    }
    p->tok = T_ERROR;
    return status;
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* A description of the current token for messages: "end of input", or the
 * token quoted (cut when long). */
static const char *found(const parser *p, char *buf, size_t n)
{
    if (p->tok == T_END)
        return "end of input";
    size_t k = p->tlen;
    if (k == 0)
        k = 1;
    if (k > 24)
        snprintf(buf, n, "'%.20s...'", p->s + p->tpos);
    else
        snprintf(buf, n, "'%.*s'", (int)k, p->s + p->tpos);
    return buf;
}

/* A number: digits with an optional fraction and exponent; at least one
 * digit before the exponent. */
static void lex_number(parser *p)
{
    const char *s = p->s;
    size_t i = p->pos, n = p->len, start = i;
    while (i < n && is_digit((unsigned char)s[i]))
        i++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_digit((unsigned char)s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < n && is_digit((unsigned char)s[j])) {
            while (j < n && is_digit((unsigned char)s[j]))
                j++;
            i = j;
        }
    }
    p->tok = T_NUM;
    p->tpos = start;
    p->tlen = i - start;
    p->pos = i;
    if (i < n && (is_alpha((unsigned char)s[i]) ||
                  is_digit((unsigned char)s[i]) || s[i] == '.')) {
        fail(p, AD_EINVAL, i + 1,
             "unexpected '%c' right after the number '%.*s' (%s)", s[i],
             (int)(p->tlen < 24 ? p->tlen : 24), s + start,
             s[i] == 'e' || s[i] == 'E' ? "an exponent needs digits: 1e3"
                                        : "a product is written 2*x");
        return;
    }
    if (p->tlen > AD_EXPR_MAX_NUMBER) {
        fail(p, AD_ERANGE, start + 1, "number longer than %d characters",
             AD_EXPR_MAX_NUMBER);
        return;
    }
    char buf[AD_EXPR_MAX_NUMBER + 1];
    memcpy(buf, s + start, p->tlen);
    buf[p->tlen] = '\0';
    p->num = strtod(buf, NULL);
    if (isinf(p->num))
        fail(p, AD_ERANGE, start + 1, "number out of range: '%.24s%s'", buf,
             p->tlen > 24 ? "..." : "");
}

/* Moves to the next token. */
static void next(parser *p)
{
    const char *s = p->s;
    size_t n = p->len;
    if (p->tok == T_ERROR)
        return;
    p->prev_end = p->tpos + p->tlen;
    while (p->pos < n && (s[p->pos] == ' ' || s[p->pos] == '\t' ||
                          s[p->pos] == '\n' || s[p->pos] == '\r'))
        p->pos++;
    p->tpos = p->pos;
    p->tlen = 1;
    if (p->pos >= n) {
        p->tok = T_END;
        p->tlen = 0;
        return;
    }
    int c = (unsigned char)s[p->pos];
    if (is_digit(c) || (c == '.' && p->pos + 1 < n &&
                        is_digit((unsigned char)s[p->pos + 1]))) {
        lex_number(p);
        return;
    }
    if (is_alpha(c)) {
        size_t i = p->pos;
        while (i < n &&
               (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i])))
            i++;
        p->tok = T_NAME;
        p->tlen = i - p->pos;
        p->pos = i;
        if (p->tlen > AD_EXPR_MAX_NAME)
            fail(p, AD_ERANGE, p->tpos + 1, "name longer than %d characters",
                 AD_EXPR_MAX_NAME);
        return;
    }
    p->pos++;
    switch (c) {
    case '+':
        p->tok = T_PLUS;
        return;
    case '-':
        p->tok = T_MINUS;
        return;
    case '*':
        if (p->pos < n && s[p->pos] == '*') {
            p->pos++;
            p->tlen = 2;
            p->tok = T_CARET;
        } else {
            p->tok = T_STAR;
        }
        return;
    case '/':
        p->tok = T_SLASH;
        return;
    case '^':
        p->tok = T_CARET;
        return;
    case '(':
        p->tok = T_LPAREN;
        return;
    case ')':
        p->tok = T_RPAREN;
        return;
    case ',':
        p->tok = T_COMMA;
        return;
    default:
        if (c >= 0x20 && c < 0x7f)
            fail(p, AD_EINVAL, p->tpos + 1, "unexpected character '%c'", c);
        else
            fail(p, AD_EINVAL, p->tpos + 1,
                 "unexpected byte 0x%02x (expressions are ASCII)", c);
    }
}

/* ---- building the list -------------------------------------------------- */

/* Appends a node; its index, or UINT32_MAX after an error. */
static uint32_t push(parser *p, enode nd, size_t col)
{
    ad_expr *e = p->e;
    if (e->nnd == e->nd_cap) {
        if (e->nd_cap >= AD_EXPR_MAX_NODES) {
            fail(p, AD_ERANGE, col,
                 "expression too large (more than %d "
                 "operations)",
                 AD_EXPR_MAX_NODES);
            return UINT32_MAX;
        }
        size_t cap = e->nd_cap ? 2 * e->nd_cap : 64;
        if (cap > AD_EXPR_MAX_NODES)
            cap = AD_EXPR_MAX_NODES;
        enode *q = realloc(e->nd, cap * sizeof *q);
        if (q == NULL) {
            fail(p, AD_ENOMEM, 0, "out of memory");
            return UINT32_MAX;
        }
        e->nd = q;
        e->nd_cap = cap;
    }
    e->nd[e->nnd] = nd;
    return (uint32_t)e->nnd++;
}

static uint32_t num(parser *p, double v, size_t col)
{
    enode nd = {N_NUM, 0, 0, 0, v};
    return push(p, nd, col);
}

/* The node of primitive op on a (and b); a constant when its arguments are
 * constants.  UINT32_MAX propagates an error. */
static uint32_t mk(parser *p, int op, uint32_t a, uint32_t b, double c,
                   size_t col)
{
    if (a == UINT32_MAX || b == UINT32_MAX)
        return UINT32_MAX;
    const ad_op_info *info = ad_op_get(op);
    const enode *na = &p->e->nd[a], *nb = &p->e->nd[b];
    if (na->kind == N_NUM && (info->arity == 1 || nb->kind == N_NUM))
        return num(p, info->value(na->c, info->arity == 2 ? nb->c : 0.0, c),
                   col);
    enode nd = {N_OP, op, a, info->arity == 2 ? b : a, c};
    return push(p, nd, col);
}

/* base ^ ex: sqr, powi or pow (expr.h). */
static uint32_t mk_pow(parser *p, uint32_t base, uint32_t ex, size_t col)
{
    if (base == UINT32_MAX || ex == UINT32_MAX)
        return UINT32_MAX;
    const enode *ne = &p->e->nd[ex];
    if (ne->kind == N_NUM && ne->c == 2.0 && p->op_sqr >= 0)
        return mk(p, p->op_sqr, base, base, 0.0, col);
    if (ne->kind == N_NUM && p->op_powi >= 0 && ne->c == floor(ne->c) &&
        fabs(ne->c) <= INT_MAX)
        return mk(p, p->op_powi, base, base, ne->c, col);
    return mk(p, p->op_pow, base, ex, 0.0, col);
}

static int is_const_name(const char *name)
{
    return strcmp(name, "pi") == 0 || strcmp(name, "e") == 0;
}

/* The input called name (added unless the parse is strict); UINT32_MAX
 * after an error. */
static uint32_t variable(parser *p, const char *name, size_t col)
{
    ad_expr *e = p->e;
    for (size_t i = 0; i < e->nvar; i++)
        if (strcmp(e->var[i].name, name) == 0) {
            if (e->var[i].col == 0)
                e->var[i].col = col;
            return (uint32_t)i;
        }
    if (p->flags & AD_EXPR_STRICT) {
        fail(p, AD_EINVAL, col, "unknown variable '%s'", name);
        return UINT32_MAX;
    }
    if (e->nvar >= AD_EXPR_MAX_VARS) {
        fail(p, AD_ERANGE, col, "more than %d variables", AD_EXPR_MAX_VARS);
        return UINT32_MAX;
    }
    if (e->nvar == e->var_cap) {
        size_t cap = e->var_cap ? 2 * e->var_cap : 8;
        evar *q = realloc(e->var, cap * sizeof *q);
        if (q == NULL) {
            fail(p, AD_ENOMEM, 0, "out of memory");
            return UINT32_MAX;
        }
        e->var = q;
        e->var_cap = cap;
    }
    size_t k = strlen(name);
    char *copy = malloc(k + 1);
    if (copy == NULL) {
        fail(p, AD_ENOMEM, 0, "out of memory");
        return UINT32_MAX;
    }
    memcpy(copy, name, k + 1);
    e->var[e->nvar].name = copy;
    e->var[e->nvar].col = col;
    return (uint32_t)e->nvar++;
}

/* ---- the grammar -------------------------------------------------------- */

static uint32_t sum(parser *p);
static uint32_t unary(parser *p);

/* "an argument", "a second argument", ... for messages. */
static const char *ordinal(size_t k)
{
    static const char *const w[] = {"first", "second", "third"};
    return k < 3 ? w[k] : "next";
}

/* name(args): a primitive of the table. */
static uint32_t call(parser *p, const char *name, size_t col)
{
    char b[40];
    int op = ad_op_lookup(name);
    if (op < 0) {
        if (is_const_name(name))
            fail(p, AD_EINVAL, col, "'%s' is a constant, not a function", name);
        else
            fail(p, AD_EINVAL, col, "unknown function '%s'", name);
        return UINT32_MAX;
    }
    const ad_op_info *info = ad_op_get(op);
    size_t nargs = (size_t)info->arity + (info->has_param ? 1 : 0);
    size_t lparen = p->tpos + 1;
    uint32_t arg[3] = {0, 0, 0};
    size_t argcol[3] = {0, 0, 0};
    next(p); /* past '(' */
    for (size_t k = 0; k < nargs; k++) {
        if (p->tok == T_RPAREN || p->tok == T_END || p->tok == T_COMMA) {
            fail(p, AD_EINVAL, p->tpos + 1,
                 "expected the %s argument of '%s' (it takes %zu), found %s",
                 ordinal(k), name, nargs, found(p, b, sizeof b));
            return UINT32_MAX;
        }
        argcol[k] = p->tpos + 1;
        arg[k] = sum(p);
        if (arg[k] == UINT32_MAX)
            return UINT32_MAX;
        if (k + 1 < nargs) {
            if (p->tok != T_COMMA) {
                fail(p, AD_EINVAL, p->tpos + 1,
                     p->tok == T_RPAREN
                         ? "'%s' takes %zu arguments: expected ',', found %s"
                         : "expected ',' between the arguments of '%s' (it "
                           "takes %zu), found %s",
                     name, nargs, found(p, b, sizeof b));
                return UINT32_MAX;
            }
            next(p);
        }
    }
    if (p->tok == T_COMMA) {
        fail(p, AD_EINVAL, p->tpos + 1,
             "'%s' takes %zu argument%s: expected ')', found ','", name, nargs,
             nargs == 1 ? "" : "s");
        return UINT32_MAX;
    }
    if (p->tok != T_RPAREN) {
        if (p->tok != T_ERROR)
            fail(p, AD_EINVAL, p->tpos + 1,
                 "expected ')' after argument list (the '(' at column %zu), "
                 "found %s",
                 lparen, found(p, b, sizeof b));
        return UINT32_MAX;
    }
    next(p);
    if (info->has_param) {
        /* The integer parameter (powi's exponent) is the last argument and
         * must be a constant: it is not differentiated. */
        const enode *nc = &p->e->nd[arg[info->arity]];
        if (nc->kind != N_NUM || nc->c != floor(nc->c) ||
            fabs(nc->c) > INT_MAX) {
            fail(p, AD_EINVAL, argcol[info->arity],
                 "the last argument of '%s' must be an integer constant", name);
            return UINT32_MAX;
        }
        return mk(p, op, arg[0], arg[0], nc->c, col);
    }
    return mk(p, op, arg[0], info->arity == 2 ? arg[1] : arg[0], 0.0, col);
}

/* number | constant | variable | name(args) | (sum) */
static uint32_t primary(parser *p)
{
    char b[40];
    size_t col = p->tpos + 1;
    switch (p->tok) {
    case T_NUM: {
        double v = p->num;
        next(p);
        return num(p, v, col);
    }
    case T_NAME: {
        char name[AD_EXPR_MAX_NAME + 1];
        memcpy(name, p->s + p->tpos, p->tlen);
        name[p->tlen] = '\0';
        next(p);
        if (p->tok == T_LPAREN)
            return call(p, name, col);
        if (p->tok == T_ERROR)
            return UINT32_MAX;
        if (strcmp(name, "pi") == 0)
            return num(p, 3.14159265358979323846, col);
        if (strcmp(name, "e") == 0)
            return num(p, 2.71828182845904523536, col);
        if (ad_op_lookup(name) >= 0) {
            fail(p, AD_EINVAL, p->tpos + 1,
                 "expected '(' after the function '%s', found %s", name,
                 found(p, b, sizeof b));
            return UINT32_MAX;
        }
        uint32_t i = variable(p, name, col);
        if (i == UINT32_MAX)
            return UINT32_MAX;
        enode nd = {N_VAR, 0, i, 0, 0.0};
        return push(p, nd, col);
    }
    case T_LPAREN: {
        next(p);
        uint32_t r = sum(p);
        if (r == UINT32_MAX)
            return UINT32_MAX;
        if (p->tok != T_RPAREN) {
            if (p->tok != T_ERROR)
                fail(p, AD_EINVAL, p->tpos + 1,
                     "expected ')' to close the '(' at column %zu, found %s",
                     col, found(p, b, sizeof b));
            return UINT32_MAX;
        }
        next(p);
        return r;
    }
    case T_ERROR:
        return UINT32_MAX;
    default:
        fail(p, AD_EINVAL, col,
             "expected a number, a variable, a function or '(', found %s",
             found(p, b, sizeof b));
        return UINT32_MAX;
    }
}

/* primary [^ unary]: right-associative through unary. */
static uint32_t power(parser *p)
{
    uint32_t base = primary(p);
    if (base == UINT32_MAX || p->tok != T_CARET)
        return base;
    size_t col = p->tpos + 1;
    next(p);
    uint32_t ex = unary(p);
    return mk_pow(p, base, ex, col);
}

/* [- | +] unary | power.  Every recursion of the parser passes here. */
static uint32_t unary(parser *p)
{
    if (p->depth >= AD_EXPR_MAX_DEPTH) {
        fail(p, AD_ERANGE, p->tpos + 1,
             "expression nested too deeply (more than %d levels)",
             AD_EXPR_MAX_DEPTH);
        return UINT32_MAX;
    }
    p->depth++;
    uint32_t r;
    if (p->tok == T_MINUS || p->tok == T_PLUS) {
        int minus = p->tok == T_MINUS;
        size_t col = p->tpos + 1;
        next(p);
        r = unary(p);
        if (minus)
            r = p->op_neg >= 0
                    ? mk(p, p->op_neg, r, r, 0.0, col)
                    : mk(p, p->op_sub, num(p, 0.0, col), r, 0.0, col);
    } else {
        r = power(p);
    }
    p->depth--;
    return r;
}

/* unary (('*' | '/') unary)* */
static uint32_t term(parser *p)
{
    uint32_t r = unary(p);
    while (r != UINT32_MAX && (p->tok == T_STAR || p->tok == T_SLASH)) {
        int op = p->tok == T_STAR ? p->op_mul : p->op_div;
        size_t col = p->tpos + 1;
        next(p);
        r = mk(p, op, r, unary(p), 0.0, col);
    }
    return r;
}

/* term (('+' | '-') term)* */
static uint32_t sum(parser *p)
{
    uint32_t r = term(p);
    while (r != UINT32_MAX && (p->tok == T_PLUS || p->tok == T_MINUS)) {
        int op = p->tok == T_PLUS ? p->op_add : p->op_sub;
        size_t col = p->tpos + 1;
        next(p);
        r = mk(p, op, r, term(p), 0.0, col);
    }
    return r;
}

/* Appends output r, whose text is src[from, to). */
static int add_output(parser *p, uint32_t r, size_t from, size_t to)
{
    ad_expr *e = p->e;
    if (e->nout == e->out_cap) {
        size_t cap = e->out_cap ? 2 * e->out_cap : 4;
        uint32_t *o = realloc(e->out, cap * sizeof *o);
        if (o == NULL)
            return fail(p, AD_ENOMEM, 0, "out of memory");
        e->out = o;
        char **t = realloc(e->otext, cap * sizeof *t);
        if (t == NULL)
            return fail(p, AD_ENOMEM, 0, "out of memory");
        e->otext = t;
        e->out_cap = cap;
    }
    char *text = malloc(to - from + 1);
    if (text == NULL)
        return fail(p, AD_ENOMEM, 0, "out of memory");
    memcpy(text, p->s + from, to - from);
    text[to - from] = '\0';
    e->out[e->nout] = r;
    e->otext[e->nout] = text;
    e->nout++;
    return AD_OK;
}

/* sum (',' sum)* end */
static void outputs(parser *p)
{
    char b[40];
    for (;;) {
        if (p->tok == T_END || p->tok == T_COMMA) {
            fail(p, AD_EINVAL, p->tpos + 1,
                 p->e->nout == 0 ? "expected an expression, found %s"
                                 : "expected an expression after ',', found "
                                   "%s",
                 found(p, b, sizeof b));
            return;
        }
        size_t from = p->tpos;
        uint32_t r = sum(p);
        if (r == UINT32_MAX || add_output(p, r, from, p->prev_end) != AD_OK)
            return;
        if (p->tok == T_END)
            return;
        if (p->tok == T_COMMA) {
            next(p);
            continue;
        }
        if (p->tok == T_ERROR)
            return;
        if (p->tok == T_RPAREN)
            fail(p, AD_EINVAL, p->tpos + 1, "')' without a matching '('");
        else
            fail(p, AD_EINVAL, p->tpos + 1,
                 "expected an operator, ',' or the end, found %s",
                 found(p, b, sizeof b));
        return;
    }
}

/* A declared variable's name must be a name the language reads as a
 * variable. */
static int check_declared(parser *p, const char *name)
{
    size_t k = name != NULL ? strlen(name) : 0;
    int ok = k > 0 && k <= AD_EXPR_MAX_NAME && is_alpha((unsigned char)name[0]);
    for (size_t i = 1; ok && i < k; i++)
        ok = is_alpha((unsigned char)name[i]) ||
             is_digit((unsigned char)name[i]);
    if (!ok)
        return fail(p, AD_EINVAL, 0, "'%.*s' is not a variable name",
                    AD_EXPR_MAX_NAME, name != NULL ? name : "(null)");
    if (is_const_name(name) || ad_op_lookup(name) >= 0)
        return fail(p, AD_EINVAL, 0, "'%s' names a %s, it cannot be a variable",
                    name, is_const_name(name) ? "constant" : "function");
    for (size_t i = 0; i < p->e->nvar; i++)
        if (strcmp(p->e->var[i].name, name) == 0)
            return fail(p, AD_EINVAL, 0, "variable '%s' declared twice", name);
    unsigned flags = p->flags;
    p->flags = 0; /* declaring is adding */
    uint32_t i = variable(p, name, 0);
    p->flags = flags;
    if (i != UINT32_MAX)
        p->e->var[i].col = 0;
    return i == UINT32_MAX ? p->err->status : AD_OK;
}

int ad_expr_parse(const char *src, size_t len, const char *const *vars,
                  size_t nvars, unsigned flags, ad_expr **out,
                  ad_expr_error *err)
{
    ad_expr_error dummy;
    if (err == NULL)
        err = &dummy;
    memset(err, 0, sizeof *err);
    if (out == NULL || (src == NULL && len > 0) ||
        (vars == NULL && nvars > 0)) {
        err->status = AD_EINVAL;
        snprintf(err->msg, sizeof err->msg, "invalid arguments");
        return AD_EINVAL;
    }
    *out = NULL;
    parser p;
    memset(&p, 0, sizeof p);
    p.s = src;
    p.len = len;
    p.flags = flags;
    p.err = err;
    p.op_add = ad_op_lookup("add");
    p.op_sub = ad_op_lookup("sub");
    p.op_mul = ad_op_lookup("mul");
    p.op_div = ad_op_lookup("div");
    p.op_neg = ad_op_lookup("neg");
    p.op_sqr = ad_op_lookup("sqr");
    p.op_powi = ad_op_lookup("powi");
    p.op_pow = ad_op_lookup("pow");
    /* The four arithmetic primitives and pow are the language's operators:
     * a table without them cannot serve it. */
    if (p.op_add < 0 || p.op_sub < 0 || p.op_mul < 0 || p.op_div < 0 ||
        p.op_pow < 0) {
        err->status = AD_EUNSUPPORTED;
        snprintf(err->msg, sizeof err->msg,
                 "the primitive table lacks an arithmetic operator");
        return AD_EUNSUPPORTED;
    }
    p.e = calloc(1, sizeof *p.e);
    if (p.e == NULL) {
        err->status = AD_ENOMEM;
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return AD_ENOMEM;
    }
    for (size_t i = 0; i < nvars && err->status == AD_OK; i++)
        check_declared(&p, vars[i]);
    if (err->status == AD_OK) {
        p.tok = T_END; /* any token but T_ERROR, for next() */
        next(&p);
        outputs(&p);
    }
    if (err->status != AD_OK) {
        ad_expr_free(p.e);
        return err->status;
    }
    *out = p.e;
    return AD_OK;
}

void ad_expr_free(ad_expr *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->nvar; i++)
        free(e->var[i].name);
    for (size_t j = 0; j < e->nout; j++)
        free(e->otext[j]);
    free(e->var);
    free(e->nd);
    free(e->out);
    free(e->otext);
    free(e);
}

size_t ad_expr_ninputs(const ad_expr *e)
{
    return e != NULL ? e->nvar : 0;
}

const char *ad_expr_input(const ad_expr *e, size_t i)
{
    return e != NULL && i < e->nvar ? e->var[i].name : NULL;
}

size_t ad_expr_input_column(const ad_expr *e, size_t i)
{
    return e != NULL && i < e->nvar ? e->var[i].col : 0;
}

size_t ad_expr_noutputs(const ad_expr *e)
{
    return e != NULL ? e->nout : 0;
}

const char *ad_expr_output(const ad_expr *e, size_t j)
{
    return e != NULL && j < e->nout ? e->otext[j] : NULL;
}

/* ---- the interpreters --------------------------------------------------- */

int ad_expr_eval(const ad_expr *e, const double *x, double *y)
{
    if (e == NULL || (e->nvar > 0 && x == NULL) || y == NULL)
        return AD_EINVAL;
    double *v = malloc((e->nnd ? e->nnd : 1) * sizeof *v);
    if (v == NULL)
        return AD_ENOMEM;
    for (size_t k = 0; k < e->nnd; k++) {
        const enode *d = &e->nd[k];
        if (d->kind == N_NUM)
            v[k] = d->c;
        else if (d->kind == N_VAR)
            v[k] = x[d->a];
        else
            v[k] = ad_op_get(d->op)->value(v[d->a], v[d->b], d->c);
    }
    for (size_t j = 0; j < e->nout; j++)
        y[j] = v[e->out[j]];
    free(v);
    return AD_OK;
}

int ad_expr_record(const ad_expr *e, ad_tape *tape, const double *x,
                   size_t which)
{
    if (e == NULL || tape == NULL || (e->nvar > 0 && x == NULL) ||
        (which != AD_EXPR_ALL && which >= e->nout))
        return AD_EINVAL;
    ad_var *in = malloc((e->nvar ? e->nvar : 1) * sizeof *in);
    ad_var *v = malloc((e->nnd ? e->nnd : 1) * sizeof *v);
    if (in == NULL || v == NULL) {
        free(in);
        free(v);
        return AD_ENOMEM;
    }
    int rc = ad_tape_begin(tape);
    if (rc != AD_OK) {
        free(in);
        free(v);
        return rc;
    }
    for (size_t i = 0; i < e->nvar; i++)
        in[i] = ad_independent(x[i]);
    for (size_t k = 0; k < e->nnd; k++) {
        const enode *d = &e->nd[k];
        if (d->kind == N_NUM)
            v[k] = ad_var_const(d->c);
        else if (d->kind == N_VAR)
            v[k] = in[d->a];
        else
            v[k] = recorders[d->op](v[d->a], v[d->b], d->c);
    }
    for (size_t j = 0; j < e->nout; j++)
        if (which == AD_EXPR_ALL || which == j)
            ad_dependent(v[e->out[j]]);
    free(in);
    free(v);
    return ad_tape_end(tape);
}
