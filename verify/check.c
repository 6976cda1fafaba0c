/* check.c -- ad_verify_gradient, ad_verify_jacobian, ad_verify_hessian
 * (admix/verify.h): the derivative under test, the references, the
 * comparison and the report.
 *
 * One path serves the three checks; they differ in the shape of the
 * derivative (1 x n, m x n, n x n), the driver that computes the tested one
 * and the references that apply.  f_var is recorded once at x on a tape of
 * the call's own: it is the MPFR reference's tape and the complex step's
 * analyticity scan, and it is not the drivers' per-thread tape, which the
 * tested mode re-records. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verify_impl.h"

/* The defaults of ad_verify_options (documented in verify.h). */
#define ULP_TOL      8.0
#define NORM_ULP_TOL 64.0
#define FD_TOL       1e-6

/* FD_MPFR counts as an exact reference from this precision on: its error
 * is then about 2^(-2 prec / 3) <= 2^-85 relative. */
#define FD_MPFR_EXACT_PREC 128

/* The references a Hessian can have. */
#define HESS_REFS                                                              \
    (AD_REF_MPFR | AD_REF_FD_CENTRAL | AD_REF_FD_RICHARDSON |                  \
     AD_REF_GSL_CENTRAL | AD_REF_FD_MPFR)

/* The primary reference is the first of these that could be computed. */
static const unsigned PRIMARY_ORDER[AD_REF_COUNT] = {
    AD_REF_MPFR,          AD_REF_CSTEP,       AD_REF_FD_MPFR,
    AD_REF_FD_RICHARDSON, AD_REF_GSL_CENTRAL, AD_REF_FD_5POINT,
    AD_REF_FD_CENTRAL,    AD_REF_GSL_FORWARD, AD_REF_FD_FORWARD};

const char *ad_ref_name(unsigned ref)
{
    switch (ref) {
    case AD_REF_MPFR:
        return "mpfr";
    case AD_REF_CSTEP:
        return "cstep";
    case AD_REF_FD_FORWARD:
        return "fd_forward";
    case AD_REF_FD_CENTRAL:
        return "fd_central";
    case AD_REF_FD_5POINT:
        return "fd_5point";
    case AD_REF_FD_RICHARDSON:
        return "fd_richardson";
    case AD_REF_GSL_FORWARD:
        return "gsl_forward";
    case AD_REF_GSL_CENTRAL:
        return "gsl_central";
    case AD_REF_FD_MPFR:
        return "fd_mpfr";
    }
    return "unknown";
}

/* One call's state. */
typedef struct ctx {
    ad_verify_what what;
    const ad_fn *f;
    const double *x;
    size_t rows, cols, len;
    ad_verify_options o; /* with the defaults filled in */
    ad_tape *tape;       /* f_var recorded at x, or NULL */
    int tape_rc;         /* why there is no tape */
} ctx;

void ad_verify_report_free(ad_verify_report *r)
{
    if (r == NULL)
        return;
    free(r->name);
    free(r->x);
    free(r->y);
    free(r->entry);
    for (size_t k = 0; k < r->nrefs; k++) {
        free(r->refs[k].d);
        free(r->refs[k].est);
    }
    free(r);
}

/* ---- arguments and options ----------------------------------------------- */

static int bad_tol(double t)
{
    return !(t >= 0.0); /* negative or NaN */
}

static int resolve(ctx *c, const ad_verify_options *in)
{
    ad_verify_options o = {0};
    if (in != NULL)
        o = *in;
    if ((o.refs & ~AD_REF_ALL) != 0 || bad_tol(o.ulp_tol) ||
        bad_tol(o.norm_ulp_tol) || bad_tol(o.fd_tol))
        return AD_EINVAL;
    if (o.refs == 0)
        o.refs = c->what == AD_VERIFY_HESSIAN ? AD_REF_DEFAULT & HESS_REFS
                                              : AD_REF_DEFAULT;
    o.prec = ad__verify_prec(o.prec);
    if (o.ulp_tol == 0.0)
        o.ulp_tol = ULP_TOL;
    if (o.norm_ulp_tol == 0.0)
        o.norm_ulp_tol = NORM_ULP_TOL;
    if (o.fd_tol == 0.0)
        o.fd_tol = FD_TOL;
    if (o.deriv != NULL && o.deriv_len != c->len)
        return AD_EINVAL;
    c->o = o;
    return AD_OK;
}

/* ---- the pieces ---------------------------------------------------------- */

static char *copy_name(const char *s)
{
    if (s == NULL)
        s = "";
    size_t k = strlen(s) + 1;
    char *p = malloc(k);
    if (p != NULL)
        memcpy(p, s, k);
    return p;
}

/* f(x): f_double, else the recorded tape's outputs. */
static int value(ctx *c, double *y)
{
    if (c->f->f_double != NULL) {
        c->f->f_double(c->x, y, c->f->params);
        return AD_OK;
    }
    if (c->tape != NULL)
        return ad_tape_eval(c->tape, NULL, y);
    return AD_EUNSUPPORTED;
}

/* The derivative under test, into d; *mode gets the mode that ran. */
static int tested(ctx *c, double *d, ad_mode *mode)
{
    const ad_fn *f = c->f;
    int rc;
    *mode = c->o.mode;
    if (c->o.deriv != NULL) {
        memcpy(d, c->o.deriv, c->len * sizeof *d);
        return AD_OK;
    }
    switch (c->what) {
    case AD_VERIFY_GRADIENT:
        rc = ad_gradient(f, c->o.mode, c->x, NULL, d);
        /* ad_gradient does not say what AUTO picked; this is its rule
         * (drivers.h): reverse when f_var exists or nothing else does. */
        if (*mode == AD_AUTO)
            *mode =
                f->f_var != NULL || (f->f_dual == NULL && f->f_dualv == NULL)
                    ? AD_REVERSE
                    : AD_FORWARD;
        break;
    case AD_VERIFY_JACOBIAN:
        rc = ad_jacobian(f, c->o.mode, c->x, NULL, d, mode);
        break;
    default:
        rc = ad_hessian(f, c->o.mode, c->x, d, mode);
        break;
    }
    return rc == AD_EDOM ? AD_OK : rc; /* NaN are judged below */
}

/* Reference `kind` into d and est (est may be freed and set to NULL when
 * the kind has no estimates).  Returns its status. */
static int reference(ctx *c, unsigned kind, double *d, double **est)
{
    const ad_fn *f = c->f;
    int hess = c->what == AD_VERIFY_HESSIAN;
    int rc;
    if (kind == AD_REF_MPFR || kind == AD_REF_CSTEP) {
        free(*est);
        *est = NULL;
    }
    if (kind == AD_REF_MPFR) {
        if (c->tape == NULL)
            return c->tape_rc;
        rc = hess ? ad__mpfr_hessian_tape(c->tape, c->o.prec, d)
                  : ad__mpfr_jacobian_tape(c->tape, c->o.prec, d);
        if (rc == AD_OK && ad__any_nan(d, c->len))
            rc = AD_EDOM;
        return rc;
    }
    if (kind == AD_REF_CSTEP) {
        if (hess || f->f_complex == NULL)
            return AD_EUNSUPPORTED;
        if (c->tape == NULL)
            return c->tape_rc;
        rc = ad__cstep_scan(c->tape, NULL);
        return rc != AD_OK ? rc : ad__cstep_columns(f, c->x, NULL, d);
    }
    if (kind == AD_REF_FD_MPFR) {
        /* Without a tape of f at x there is no f_var, or recording fails;
         * a custom primitive is refused by the replay itself. */
        if (c->tape == NULL)
            return c->tape_rc;
    } else if (hess && kind == AD_REF_GSL_CENTRAL) {
        if (f->f_var == NULL && f->f_dual == NULL && f->f_dualv == NULL)
            return AD_EUNSUPPORTED;
    } else if (f->f_double == NULL)
        return AD_EUNSUPPORTED;
    if (hess) {
        if ((kind & HESS_REFS) == 0)
            return AD_EUNSUPPORTED;
        rc = ad__fd_hessian(f, kind, c->x, c->o.prec, d, *est);
        if (kind == AD_REF_FD_MPFR) {
            free(*est);
            *est = NULL;
        }
        return rc;
    }
    return ad__fd_jacobian(f, kind, c->x, c->o.prec, d, *est);
}

static int exact_kind(unsigned kind, long prec)
{
    return kind == AD_REF_MPFR || kind == AD_REF_CSTEP ||
           (kind == AD_REF_FD_MPFR && prec >= FD_MPFR_EXACT_PREC);
}

/* ---- the comparison ------------------------------------------------------ */

/* How far an entry is from its tolerance (> 1: it fails; +inf: NaN). */
static double score(const ad_verify_report *R, const ad_verify_entry *e,
                    double big)
{
    if (isnan(e->value) || isnan(e->ref))
        return INFINITY;
    if (R->exact) {
        double s = e->ulp_err / R->ulp_tol;
        return R->entrywise ? s : fmin(s, e->norm_ulp_err / R->norm_ulp_tol);
    }
    double lim = R->fd_tol * big;
    return e->abs_err == 0.0 ? 0.0 : lim > 0.0 ? e->abs_err / lim : INFINITY;
}

/* Keeps R->worst sorted by score, highest first (earlier entries first
 * among equals). */
static void keep_worst(ad_verify_report *R, double *ws,
                       const ad_verify_entry *e, double s)
{
    size_t k = R->nworst;
    if (k == AD_VERIFY_NWORST && !(s > ws[k - 1]))
        return;
    size_t pos = 0;
    while (pos < k && ws[pos] >= s)
        pos++;
    if (k < AD_VERIFY_NWORST)
        k++;
    for (size_t q = k - 1; q > pos; q--) {
        R->worst[q] = R->worst[q - 1];
        ws[q] = ws[q - 1];
    }
    R->worst[pos] = *e;
    ws[pos] = s;
    R->nworst = k;
}

/* Every entry of the tested derivative d against the primary reference r. */
static void judge(ad_verify_report *R, const double *d, const double *r)
{
    double ws[AD_VERIFY_NWORST];
    for (size_t i = 0; i < R->rows; i++) {
        const double *ri = r + i * R->cols;
        double big = 0.0;
        for (size_t j = 0; j < R->cols; j++)
            if (isfinite(ri[j]))
                big = fmax(big, fabs(ri[j]));
        double ub = ad__ulp_of(big);
        for (size_t j = 0; j < R->cols; j++) {
            size_t k = i * R->cols + j;
            ad_verify_entry *e = &R->entry[k];
            double dv = d[k], rv = r[k];
            e->i = i;
            e->j = j;
            e->value = dv;
            e->ref = rv;
            int nan = isnan(dv) || isnan(rv);
            if (nan) {
                e->abs_err = e->rel_err = e->ulp_err = e->norm_ulp_err = NAN;
            } else if (dv == rv) {
                e->abs_err = e->rel_err = e->ulp_err = e->norm_ulp_err = 0.0;
            } else {
                e->abs_err = fabs(dv - rv);
                e->rel_err = rv == 0.0 ? INFINITY : e->abs_err / fabs(rv);
                e->ulp_err = ad__ulp_diff(dv, rv);
                e->norm_ulp_err = e->abs_err / ub;
            }
            double s = score(R, e, big);
            e->pass = !nan && s <= 1.0;
            R->nan_deriv += isnan(dv) != 0;
            R->nan_ref += isnan(rv) != 0;
            R->nfail += !e->pass;
            R->n_ulp_ok += !nan && e->ulp_err <= R->ulp_tol;
            R->max_abs_err = fmax(R->max_abs_err, e->abs_err);
            R->max_rel_err = fmax(R->max_rel_err, e->rel_err);
            R->max_ulp_err = fmax(R->max_ulp_err, e->ulp_err);
            R->max_norm_ulp_err = fmax(R->max_norm_ulp_err, e->norm_ulp_err);
            keep_worst(R, ws, e, s);
        }
    }
}

/* How reference q compares with the primary reference r. */
static void compare_ref(ad_verify_ref *q, const double *r, size_t len)
{
    double big = 0.0;
    q->max_abs_err = q->max_ulp_err = 0.0;
    q->max_est = NAN;
    for (size_t k = 0; k < len; k++) {
        double a = q->d[k], b = r[k];
        if (isnan(a) || isnan(b)) {
            if (isnan(a) != isnan(b))
                q->max_abs_err = q->max_ulp_err = INFINITY;
            continue;
        }
        if (isfinite(b))
            big = fmax(big, fabs(b));
        if (a != b)
            q->max_abs_err = fmax(q->max_abs_err, fabs(a - b));
        q->max_ulp_err = fmax(q->max_ulp_err, ad__ulp_diff(a, b));
        if (q->est != NULL)
            q->max_est = fmax(q->max_est, q->est[k]);
    }
    q->norm_err = big > 0.0 ? q->max_abs_err / big : q->max_abs_err;
}

/* ---- the check ----------------------------------------------------------- */

static int run(ctx *c, ad_verify_report *R)
{
    const ad_fn *f = c->f;
    size_t len = c->len;
    R->what = c->what;
    R->n = f->n;
    R->m = f->m;
    R->rows = c->rows;
    R->cols = c->cols;
    R->nentries = len;
    R->prec = c->o.prec;
    R->ulp_tol = c->o.ulp_tol;
    R->norm_ulp_tol = c->o.norm_ulp_tol;
    R->fd_tol = c->o.fd_tol;
    R->entrywise = c->o.entrywise != 0;
    R->user = c->o.deriv != NULL;
    R->name = copy_name(f->name);
    R->x = malloc(f->n * sizeof *R->x);
    R->y = malloc(f->m * sizeof *R->y);
    R->entry = calloc(len, sizeof *R->entry);
    double *d = malloc(len * sizeof *d);
    int rc = R->name && R->x && R->y && R->entry && d ? AD_OK : AD_ENOMEM;
    if (rc != AD_OK) {
        free(d);
        return rc;
    }
    memcpy(R->x, c->x, f->n * sizeof *R->x);

    /* The tape: for the MPFR references and the analyticity scan. */
    c->tape_rc = AD_EUNSUPPORTED;
    if (f->f_var != NULL) {
        c->tape = ad_tape_new();
        c->tape_rc =
            c->tape != NULL ? ad__verify_record(c->tape, f, c->x) : AD_ENOMEM;
        if (c->tape_rc != AD_OK) {
            ad_tape_free(c->tape);
            c->tape = NULL;
        } else if (c->o.refs & AD_REF_CSTEP)
            (void)ad__cstep_scan(c->tape, &R->ncstep1);
    }
    if (c->tape_rc == AD_ENOMEM)
        rc = AD_ENOMEM;
    if (rc == AD_OK)
        rc = value(c, R->y);
    if (rc == AD_OK)
        rc = tested(c, d, &R->mode);

    /* The references, in bit order. */
    for (unsigned b = 1; rc == AD_OK && b <= AD_REF_ALL; b <<= 1) {
        if (!(c->o.refs & b))
            continue;
        ad_verify_ref *q = &R->refs[R->nrefs++];
        q->kind = b;
        q->max_est = NAN;
        q->d = malloc(len * sizeof *q->d);
        q->est = malloc(len * sizeof *q->est);
        if (q->d == NULL || q->est == NULL) {
            rc = AD_ENOMEM;
            break;
        }
        q->status = reference(c, b, q->d, &q->est);
        if (q->status == AD_ENOMEM)
            rc = AD_ENOMEM;
        else if (q->status != AD_OK && q->status != AD_EDOM) {
            free(q->d);
            free(q->est);
            q->d = q->est = NULL;
        }
    }

    /* The primary reference. */
    const ad_verify_ref *p = NULL;
    for (int k = 0; rc == AD_OK && p == NULL && k < AD_REF_COUNT; k++)
        for (size_t q = 0; q < R->nrefs; q++)
            if (R->refs[q].kind == PRIMARY_ORDER[k] && R->refs[q].d != NULL) {
                p = &R->refs[q];
                break;
            }
    if (rc == AD_OK && p == NULL)
        rc = AD_EUNSUPPORTED;
    if (rc == AD_OK) {
        R->primary = p->kind;
        R->exact = exact_kind(p->kind, c->o.prec);
        judge(R, d, p->d);
        for (size_t q = 0; q < R->nrefs; q++)
            if (R->refs[q].d != NULL)
                compare_ref(&R->refs[q], p->d, len);
        for (size_t i = 0; i < f->m; i++)
            R->nan_value += isnan(R->y[i]) != 0;
        int nan = R->nan_value || R->nan_deriv || R->nan_ref;
        R->status = nan ? AD_EDOM : AD_OK;
        R->pass = !nan && R->nfail == 0;
        rc = R->status;
    }
    free(d);
    return rc;
}

static int verify(ad_verify_what what, const ad_fn *f, const double *x,
                  const ad_verify_options *o, ad_verify_report **report)
{
    if (report == NULL)
        return AD_EINVAL;
    *report = NULL;
    ctx c = {0};
    c.what = what;
    c.f = f;
    c.x = x;
    int rc = ad__verify_args(f, x, o != NULL ? o->prec : 0);
    if (rc != AD_OK)
        return rc;
    if (what != AD_VERIFY_JACOBIAN && f->m != 1)
        return AD_EINVAL;
    c.rows = what == AD_VERIFY_JACOBIAN  ? f->m
             : what == AD_VERIFY_HESSIAN ? f->n
                                         : 1;
    c.cols = f->n;
    c.len = c.rows * c.cols; /* fits: ad__verify_args */
    rc = resolve(&c, o);
    if (rc != AD_OK)
        return rc;
    ad_verify_report *R = calloc(1, sizeof *R);
    if (R == NULL)
        return AD_ENOMEM;
    rc = run(&c, R);
    ad_tape_free(c.tape);
    if (rc != AD_OK && rc != AD_EDOM) {
        ad_verify_report_free(R);
        return rc;
    }
    *report = R;
    return rc;
}

int ad_verify_gradient(const ad_fn *f, const double *x,
                       const ad_verify_options *options,
                       ad_verify_report **report)
{
    return verify(AD_VERIFY_GRADIENT, f, x, options, report);
}

int ad_verify_jacobian(const ad_fn *f, const double *x,
                       const ad_verify_options *options,
                       ad_verify_report **report)
{
    return verify(AD_VERIFY_JACOBIAN, f, x, options, report);
}

int ad_verify_hessian(const ad_fn *f, const double *x,
                      const ad_verify_options *options,
                      ad_verify_report **report)
{
    return verify(AD_VERIFY_HESSIAN, f, x, options, report);
}
