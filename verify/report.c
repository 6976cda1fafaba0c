/* report.c -- ad_verify_print (admix/verify.h): a verification report as an
 * aligned table for people, or as CSV or JSON for scripts.  The table shows
 * the summary, one line per reference and the entries (all of them up to
 * TABLE_ALL, else the worst); CSV and JSON hold every entry.  Doubles are
 * written with 17 significant digits (they read back exactly); errors with
 * 3. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "verify_impl.h"

/* Up to this many entries the table lists them all. */
#define TABLE_ALL 64

/* A stream and whether a write to it failed. */
typedef struct out {
    FILE *f;
    int err;
} out;

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3)))
#endif
static void
put(out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(o->f, fmt, ap) < 0)
        o->err = 1;
    va_end(ap);
}

static const char *what_name(ad_verify_what w)
{
    return w == AD_VERIFY_GRADIENT   ? "gradient"
           : w == AD_VERIFY_JACOBIAN ? "jacobian"
                                     : "hessian";
}

/* A short name for a status, for tables and scripts (ad_strerror gives the
 * sentence). */
static const char *status_name(int s)
{
    switch (s) {
    case AD_OK:
        return "ok";
    case AD_ENOMEM:
        return "nomem";
    case AD_EINVAL:
        return "invalid";
    case AD_EDOM:
        return "nan";
    case AD_ERETAPE:
        return "retape";
    case AD_EUNSUPPORTED:
        return "unsupported";
    case AD_ERANGE:
        return "range";
    }
    return "error";
}

static const char *tested_name(const ad_verify_report *r)
{
    return r->user ? "user" : ad_mode_name(r->mode);
}

/* ---- table --------------------------------------------------------------- */

static void entry_head(out *o)
{
    put(o, "  %6s %6s %24s %24s %10s %10s %10s %10s\n", "i", "j", "tested",
        "reference", "abs err", "rel err", "ulp", "norm ulp");
}

static void entry_line(out *o, const ad_verify_entry *e)
{
    put(o, "  %6zu %6zu %24.17g %24.17g %10.3g %10.3g %10.3g %10.3g%s\n", e->i,
        e->j, e->value, e->ref, e->abs_err, e->rel_err, e->ulp_err,
        e->norm_ulp_err, e->pass ? "" : "  FAIL");
}

static void table(out *o, const ad_verify_report *r)
{
    put(o, "verify %s of %s: n = %zu, m = %zu (%zu x %zu entries)\n",
        what_name(r->what), r->name[0] ? r->name : "(unnamed)", r->n, r->m,
        r->rows, r->cols);
    if (r->user)
        put(o, "  tested       the caller's derivative\n");
    else
        put(o, "  tested       admix, %s mode\n", ad_mode_name(r->mode));
    put(o, "  reference    %s", ad_ref_name(r->primary));
    if (r->primary == AD_REF_MPFR || r->primary == AD_REF_FD_MPFR)
        put(o, " (%ld bits)", r->prec);
    put(o, "%s\n", r->exact ? "" : ", a finite difference: judged relatively");
    put(o, "  result       %s: %zu of %zu entries pass%s\n",
        r->pass ? "PASS" : "FAIL", r->nentries - r->nfail, r->nentries,
        r->status == AD_EDOM ? "; NaN present, nothing can pass" : "");
    if (r->nan_value || r->nan_deriv || r->nan_ref)
        put(o,
            "  NaN          in f(x): %zu, in the tested: %zu, in the "
            "reference: %zu\n",
            r->nan_value, r->nan_deriv, r->nan_ref);
    put(o, "  entrywise    max %.3g ulp; %zu of %zu (%.4g%%) within %g ulp\n",
        r->max_ulp_err, r->n_ulp_ok, r->nentries,
        100.0 * (double)r->n_ulp_ok / (double)r->nentries, r->ulp_tol);
    put(o, "  normwise     max %.3g ulp of the row's largest entry\n",
        r->max_norm_ulp_err);
    put(o, "  errors       max abs %.3g, max rel %.3g\n", r->max_abs_err,
        r->max_rel_err);
    if (r->exact)
        put(o, "  criterion    %g ulp entrywise%s\n", r->ulp_tol,
            r->entrywise ? " (entrywise only)" : "");
    if (r->exact && !r->entrywise)
        put(o, "               or %g ulp of the row's largest entry\n",
            r->norm_ulp_tol);
    if (!r->exact)
        put(o, "  criterion    %g of the row's largest entry\n", r->fd_tol);
    if (r->ncstep1 > 0)
        put(o,
            "  cstep        %zu first-order-only nodes (AD_F_CSTEP1): not "
            "independent there\n",
            r->ncstep1);

    put(o, "\n  %-14s %-12s %13s %13s %13s %13s\n", "reference", "status",
        "max abs err", "normwise rel", "max ulp", "max estimate");
    for (size_t k = 0; k < r->nrefs; k++) {
        const ad_verify_ref *q = &r->refs[k];
        put(o, "  %-14s %-12s", ad_ref_name(q->kind), status_name(q->status));
        if (q->d != NULL) {
            put(o, " %13.3g %13.3g %13.3g", q->max_abs_err, q->norm_err,
                q->max_ulp_err);
            if (isnan(q->max_est))
                put(o, " %13s", "-");
            else
                put(o, " %13.3g", q->max_est);
        }
        put(o, "%s\n", q->kind == r->primary ? "  (primary)" : "");
    }

    if (r->nentries <= TABLE_ALL) {
        put(o, "\n  entries\n");
        entry_head(o);
        for (size_t k = 0; k < r->nentries; k++)
            entry_line(o, &r->entry[k]);
    } else {
        put(o, "\n  the %zu worst of %zu entries\n", r->nworst, r->nentries);
        entry_head(o);
        for (size_t k = 0; k < r->nworst; k++)
            entry_line(o, &r->worst[k]);
    }
}

/* ---- CSV ----------------------------------------------------------------- */

static void csv(out *o, const ad_verify_report *r)
{
    put(o, "i,j,tested,reference,abs_err,rel_err,ulp_err,norm_ulp_err,pass");
    for (size_t k = 0; k < r->nrefs; k++)
        if (r->refs[k].d != NULL) {
            put(o, ",%s", ad_ref_name(r->refs[k].kind));
            if (r->refs[k].est != NULL)
                put(o, ",%s_est", ad_ref_name(r->refs[k].kind));
        }
    put(o, "\n");
    for (size_t e = 0; e < r->nentries; e++) {
        const ad_verify_entry *v = &r->entry[e];
        put(o, "%zu,%zu,%.17g,%.17g,%.6g,%.6g,%.6g,%.6g,%d", v->i, v->j,
            v->value, v->ref, v->abs_err, v->rel_err, v->ulp_err,
            v->norm_ulp_err, v->pass);
        for (size_t k = 0; k < r->nrefs; k++)
            if (r->refs[k].d != NULL) {
                put(o, ",%.17g", r->refs[k].d[e]);
                if (r->refs[k].est != NULL)
                    put(o, ",%.6g", r->refs[k].est[e]);
            }
        put(o, "\n");
    }
}

/* ---- JSON ---------------------------------------------------------------- */

/* A number, or null where JSON has none. */
static void jnum(out *o, const char *fmt, double v)
{
    if (isfinite(v))
        put(o, fmt, v);
    else
        put(o, "null");
}

/* A string without the characters JSON must escape (names are C
 * identifiers in practice; others are escaped as \u00XX). */
static void jstr(out *o, const char *s)
{
    put(o, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch == '"' || ch == '\\')
            put(o, "\\u%04x", ch);
        else
            put(o, "%c", ch);
    }
    put(o, "\"");
}

static void json(out *o, const ad_verify_report *r)
{
    put(o, "{\n  \"what\": \"%s\",\n  \"name\": ", what_name(r->what));
    jstr(o, r->name);
    put(o, ",\n  \"n\": %zu, \"m\": %zu, \"rows\": %zu, \"cols\": %zu,\n", r->n,
        r->m, r->rows, r->cols);
    put(o, "  \"x\": [");
    for (size_t i = 0; i < r->n; i++) {
        put(o, i ? ", " : "");
        jnum(o, "%.17g", r->x[i]);
    }
    put(o, "],\n  \"y\": [");
    for (size_t i = 0; i < r->m; i++) {
        put(o, i ? ", " : "");
        jnum(o, "%.17g", r->y[i]);
    }
    put(o,
        "],\n  \"tested\": \"%s\", \"primary\": \"%s\", \"exact\": %s, "
        "\"prec\": %ld,\n",
        tested_name(r), ad_ref_name(r->primary), r->exact ? "true" : "false",
        r->prec);
    put(o,
        "  \"status\": \"%s\", \"pass\": %s, \"nfail\": %zu, "
        "\"nentries\": %zu, \"n_ulp_ok\": %zu,\n",
        status_name(r->status), r->pass ? "true" : "false", r->nfail,
        r->nentries, r->n_ulp_ok);
    put(o,
        "  \"nan\": {\"value\": %zu, \"tested\": %zu, \"reference\": %zu},\n",
        r->nan_value, r->nan_deriv, r->nan_ref);
    put(o, "  \"max_abs_err\": ");
    jnum(o, "%.6g", r->max_abs_err);
    put(o, ", \"max_rel_err\": ");
    jnum(o, "%.6g", r->max_rel_err);
    put(o, ", \"max_ulp_err\": ");
    jnum(o, "%.6g", r->max_ulp_err);
    put(o, ", \"max_norm_ulp_err\": ");
    jnum(o, "%.6g", r->max_norm_ulp_err);
    put(o,
        ",\n  \"tolerances\": {\"ulp\": %.6g, \"norm_ulp\": %.6g, \"fd\": "
        "%.6g, \"entrywise\": %s},\n",
        r->ulp_tol, r->norm_ulp_tol, r->fd_tol,
        r->entrywise ? "true" : "false");
    put(o, "  \"ncstep1\": %zu,\n  \"references\": [", r->ncstep1);
    for (size_t k = 0; k < r->nrefs; k++) {
        const ad_verify_ref *q = &r->refs[k];
        put(o, "%s\n    {\"name\": \"%s\", \"status\": \"%s\"", k ? "," : "",
            ad_ref_name(q->kind), status_name(q->status));
        if (q->d != NULL) {
            put(o, ", \"max_abs_err\": ");
            jnum(o, "%.6g", q->max_abs_err);
            put(o, ", \"norm_err\": ");
            jnum(o, "%.6g", q->norm_err);
            put(o, ", \"max_ulp_err\": ");
            jnum(o, "%.6g", q->max_ulp_err);
            put(o, ", \"max_est\": ");
            jnum(o, "%.6g", q->max_est);
            put(o, ", \"d\": [");
            for (size_t e = 0; e < r->nentries; e++) {
                put(o, e ? ", " : "");
                jnum(o, "%.17g", q->d[e]);
            }
            put(o, "]");
        }
        put(o, "}");
    }
    put(o, "\n  ],\n  \"worst\": [");
    for (size_t k = 0; k < r->nworst; k++)
        put(o, "%s[%zu, %zu]", k ? ", " : "", r->worst[k].i, r->worst[k].j);
    put(o, "],\n  \"entries\": [");
    for (size_t e = 0; e < r->nentries; e++) {
        const ad_verify_entry *v = &r->entry[e];
        put(o, "%s\n    {\"i\": %zu, \"j\": %zu, \"tested\": ", e ? "," : "",
            v->i, v->j);
        jnum(o, "%.17g", v->value);
        put(o, ", \"reference\": ");
        jnum(o, "%.17g", v->ref);
        put(o, ", \"abs_err\": ");
        jnum(o, "%.6g", v->abs_err);
        put(o, ", \"rel_err\": ");
        jnum(o, "%.6g", v->rel_err);
        put(o, ", \"ulp_err\": ");
        jnum(o, "%.6g", v->ulp_err);
        put(o, ", \"norm_ulp_err\": ");
        jnum(o, "%.6g", v->norm_ulp_err);
        put(o, ", \"pass\": %s}", v->pass ? "true" : "false");
    }
    put(o, "\n  ]\n}\n");
}

int ad_verify_print(FILE *f, const ad_verify_report *r, ad_verify_format fmt)
{
    if (f == NULL || r == NULL)
        return AD_EINVAL;
    out o = {f, 0};
    switch (fmt) {
    case AD_VERIFY_TABLE:
        table(&o, r);
        break;
    case AD_VERIFY_CSV:
        csv(&o, r);
        break;
    case AD_VERIFY_JSON:
        json(&o, r);
        break;
    default:
        return AD_EINVAL;
    }
    if (fflush(f) != 0 || ferror(f))
        o.err = 1;
    return o.err ? AD_EIO : AD_OK;
}
