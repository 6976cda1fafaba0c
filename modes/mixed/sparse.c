/* sparse.c -- compressed evaluation of sparse Jacobians and Hessians, and
 * recovery of their nonzeros (Gebremedhin, Manne & Pothen, SIAM Review
 * 47(4), 2005, sec. 3-5).
 *
 * Jacobian, forward.  With a column coloring of p colors and the seed
 * matrix S (n x p, S(j,c) = 1 if column j has color c), B = J S is p
 * tangent lanes; a nonzero J(i,j) is B(i, color(j)) alone, since no other
 * column of its color has an entry in row i.  Reverse: with a row coloring
 * and W (p x m), B = W J is p adjoint lanes and J(i,j) = B(color(i), j).
 * Every lane of B is computed with the same operations as the dense
 * Jacobian's lane of the one column (row) that matters -- the other
 * columns of the color add exact zeros -- so the values equal the dense
 * ones bit for bit in the same direction.
 *
 * Hessian (direct recovery from a star coloring).  B = H S by p
 * Hessian-vector products.  For a nonzero H(i,j): if j is the only column
 * of its color in row i, H(i,j) = B(i, color(j)); otherwise i is the only
 * column of its color in row j (else a path k-i-j-l would use two colors),
 * and H(i,j) = H(j,i) = B(j, color(i)).
 *
 * Everything the evaluation needs (seeds, the compressed matrix, where
 * each value comes from) is set up once by the _new functions, so that
 * ad_sparse_*_tape allocates nothing.  Lanes are swept in batches of
 * SP_LANES (bounded tangent/adjoint memory per variable), the batches and
 * the Hessian-vector products split over OpenMP threads; each writes its
 * own columns of B, so the result does not depend on the threads. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_spmatrix.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "admix/errors.h"
#include "admix/sparse_gsl.h"
#include "drivers_impl.h"
#include "sparse_impl.h"
#include "tape_impl.h"
#include "var.h"

/* Lanes per sweep (the dense Jacobian's batch size too). */
#define SP_LANES 8

struct ad__sparse_work {
    size_t m, n;  /* the function's outputs and inputs */
    size_t p;     /* colors */
    size_t nb;    /* batches of SP_LANES lanes (Jacobian) */
    double *seed; /* forward: batch b (n x kb) at b*n*SP_LANES; reverse:
                     p x m; Hessian: p x n */
    double *comp; /* forward: batch b (m x kb) at b*m*SP_LANES; reverse:
                     p x n; Hessian: p x n (H s_c at c*n) */
    size_t *src;  /* per nonzero: its place in comp */
};

/* ---- recording an ad_fn ----------------------------------------------------
 */

int ad__sp_record(const ad_fn *f, const double *x, ad_tape **tp)
{
    if (f == NULL || x == NULL || tp == NULL || f->n == 0 || f->m == 0)
        return AD_EINVAL;
    if (f->f_var == NULL)
        return AD_EUNSUPPORTED;
    if (f->n > SIZE_MAX / sizeof(ad_var) || f->m > SIZE_MAX / sizeof(ad_var))
        return AD_ERANGE;
    /* The drivers' tape of this thread, reused from call to call. */
    return ad__record(f, x, tp);
}

/* ---- setting up ------------------------------------------------------------
 */

void ad_sparse_free(ad_sparse *S)
{
    if (S == NULL)
        return;
    ad_pattern_free(S->pattern);
    free(S->val);
    free(S->color);
    if (S->work != NULL) {
        free(S->work->seed);
        free(S->work->comp);
        free(S->work->src);
        free(S->work);
    }
    free(S);
}

/* A new ad_sparse owning P, with values (zero), colors (nc of them), and
 * the work struct with seed and comp of ns and nc doubles. */
static ad_sparse *sparse_alloc(ad_pattern *P, size_t ncolor, size_t ns,
                               size_t ncomp)
{
    ad_sparse *S = calloc(1, sizeof *S);
    if (S == NULL) {
        ad_pattern_free(P);
        return NULL;
    }
    S->pattern = P;
    S->val = calloc(P->nnz ? P->nnz : 1, sizeof *S->val);
    S->color = calloc(ncolor ? ncolor : 1, sizeof *S->color);
    S->work = calloc(1, sizeof *S->work);
    if (S->val == NULL || S->color == NULL || S->work == NULL) {
        ad_sparse_free(S);
        return NULL;
    }
    S->work->seed = calloc(ns ? ns : 1, sizeof(double));
    S->work->comp = calloc(ncomp ? ncomp : 1, sizeof(double));
    S->work->src = calloc(P->nnz ? P->nnz : 1, sizeof(size_t));
    if (!S->work->seed || !S->work->comp || !S->work->src) {
        ad_sparse_free(S);
        return NULL;
    }
    S->work->m = P->m;
    S->work->n = P->n;
    return S;
}

/* a * b, or SIZE_MAX if it overflows. */
static size_t mul_sz(size_t a, size_t b)
{
    return b != 0 && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

static int tape_ok(const ad_tape *t)
{
    ad_tape_info info;
    ad_tape_stats(t, &info);
    return t != NULL && info.status == AD_OK;
}

/* ad_sparse_jacobian_new; the tape compiled (for repeated evaluation) if
 * compile is set. */
static int jacobian_new(ad_tape *t, ad_sparse_dir dir, ad_sparse **J,
                        int compile)
{
    if (J == NULL || t == NULL || dir < AD_SPARSE_AUTO ||
        dir > AD_SPARSE_REVERSE || !tape_ok(t))
        return AD_EINVAL;
    *J = NULL;
    /* The repeated sweeps run on the compiled tape; one with array nodes
     * does not compile, and they run on it as it is. */
    int rc = compile ? ad_tape_compile(t) : AD_OK;
    if (rc != AD_OK && rc != AD_EUNSUPPORTED)
        return rc;
    ad_pattern *P;
    rc = ad_tape_sparsity(t, &P);
    if (rc != AD_OK)
        return rc;
    size_t m = P->m, n = P->n, pc = SIZE_MAX, pr = SIZE_MAX;
    size_t *cc = NULL, *cr = NULL;
    if (dir != AD_SPARSE_REVERSE) {
        cc = malloc((n ? n : 1) * sizeof *cc);
        rc = cc != NULL ? ad_color_columns(P, cc, &pc) : AD_ENOMEM;
    }
    if (rc == AD_OK && dir != AD_SPARSE_FORWARD) {
        cr = malloc((m ? m : 1) * sizeof *cr);
        rc = cr != NULL ? ad_color_rows(P, cr, &pr) : AD_ENOMEM;
    }
    if (rc != AD_OK) {
        free(cc);
        free(cr);
        ad_pattern_free(P);
        return rc;
    }
    int rev = dir == AD_SPARSE_REVERSE || (dir == AD_SPARSE_AUTO && pr < pc);
    size_t p = rev ? pr : pc, *color = rev ? cr : cc;
    size_t ncolor = rev ? m : n, nb = (p + SP_LANES - 1) / SP_LANES;
    /* Seeds: n x p (forward) or p x m; compressed: m x p or p x n. */
    size_t ns = mul_sz(rev ? m : n, p), ncomp = mul_sz(rev ? n : m, p);
    ad_sparse *S = NULL;
    if (ns != SIZE_MAX && ncomp != SIZE_MAX)
        S = sparse_alloc(P, ncolor, ns, ncomp);
    else
        ad_pattern_free(P);
    if (S == NULL) {
        free(cc);
        free(cr);
        return ns == SIZE_MAX || ncomp == SIZE_MAX ? AD_ERANGE : AD_ENOMEM;
    }
    memcpy(S->color, color, ncolor * sizeof *color);
    free(cc);
    free(cr);
    struct ad__sparse_work *w = S->work;
    S->hessian = 0;
    S->dir = rev ? AD_SPARSE_REVERSE : AD_SPARSE_FORWARD;
    S->ncolors = p;
    w->p = p;
    w->nb = nb;
    if (!rev) {
        /* Batch b holds colors b*L .. b*L + kb - 1, n x kb, then m x kb. */
        for (size_t j = 0; j < n; j++) {
            size_t c = S->color[j], b = c / SP_LANES, l = c % SP_LANES;
            size_t kb =
                p - b * SP_LANES < SP_LANES ? p - b * SP_LANES : SP_LANES;
            w->seed[b * n * SP_LANES + j * kb + l] = 1.0;
        }
        for (size_t i = 0; i < m; i++)
            for (size_t k = P->rowptr[i]; k < P->rowptr[i + 1]; k++) {
                size_t c = S->color[P->col[k]], b = c / SP_LANES;
                size_t l = c % SP_LANES;
                size_t kb =
                    p - b * SP_LANES < SP_LANES ? p - b * SP_LANES : SP_LANES;
                w->src[k] = b * m * SP_LANES + i * kb + l;
            }
    } else {
        for (size_t i = 0; i < m; i++) {
            size_t c = S->color[i];
            w->seed[c * m + i] = 1.0;
            for (size_t k = P->rowptr[i]; k < P->rowptr[i + 1]; k++)
                w->src[k] = c * n + P->col[k];
        }
    }
    *J = S;
    return AD_OK;
}

int ad_sparse_jacobian_new(ad_tape *t, ad_sparse_dir dir, ad_sparse **J)
{
    return jacobian_new(t, dir, J, 1);
}

int ad_sparse_hessian_new(ad_tape *t, ad_sparse **H)
{
    if (H == NULL || t == NULL || !tape_ok(t))
        return AD_EINVAL;
    *H = NULL;
    ad_pattern *P;
    int rc = ad_tape_hessian_sparsity(t, &P);
    if (rc != AD_OK)
        return rc;
    size_t n = P->n, p = 0;
    size_t *color = malloc((n ? n : 1) * sizeof *color);
    /* Per color: count in the current row, and the row it counts for. */
    size_t *cnt = malloc((n ? n : 1) * sizeof *cnt);
    size_t *row = malloc((n ? n : 1) * sizeof *row);
    rc = color && cnt && row ? ad_color_star(P, color, &p) : AD_ENOMEM;
    ad_sparse *S = NULL;
    size_t np = mul_sz(n, p);
    if (rc == AD_OK && np == SIZE_MAX)
        rc = AD_ERANGE;
    if (rc == AD_OK) {
        S = sparse_alloc(P, n, np, np);
        P = NULL; /* S owns it now, or freed it */
        rc = S != NULL ? AD_OK : AD_ENOMEM;
    }
    if (rc == AD_OK) {
        struct ad__sparse_work *w = S->work;
        const ad_pattern *Q = S->pattern;
        memcpy(S->color, color, n * sizeof *color);
        S->hessian = 1;
        S->dir = AD_SPARSE_FORWARD;
        S->ncolors = p;
        w->p = p;
        for (size_t j = 0; j < n; j++)
            w->seed[color[j] * n + j] = 1.0;
        for (size_t c = 0; c < p; c++)
            row[c] = SIZE_MAX;
        /* Direct entries first: H(i,j) from B(i, color(j)) when j is
         * alone in row i with its color; the others (SIZE_MAX) after. */
        for (size_t i = 0; i < n; i++) {
            for (size_t k = Q->rowptr[i]; k < Q->rowptr[i + 1]; k++) {
                size_t c = color[Q->col[k]];
                if (row[c] != i)
                    row[c] = i, cnt[c] = 0;
                cnt[c]++;
            }
            for (size_t k = Q->rowptr[i]; k < Q->rowptr[i + 1]; k++) {
                size_t c = color[Q->col[k]];
                w->src[k] = cnt[c] == 1 ? c * n + i : SIZE_MAX;
            }
        }
        /* H(i,j) = H(j,i), which must be direct in row j (the pattern is
         * symmetric and the coloring a star coloring). */
        for (size_t i = 0; i < n && rc == AD_OK; i++)
            for (size_t k = Q->rowptr[i]; k < Q->rowptr[i + 1]; k++) {
                if (w->src[k] != SIZE_MAX)
                    continue;
                size_t j = Q->col[k], lo = Q->rowptr[j], hi = Q->rowptr[j + 1];
                while (lo < hi) {
                    size_t mid = lo + (hi - lo) / 2;
                    if (Q->col[mid] < i)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                if (lo == Q->rowptr[j + 1] || Q->col[lo] != i ||
                    w->src[lo] == SIZE_MAX) {
                    rc = AD_EINVAL; /* not reached for a star coloring */
                    break;
                }
                w->src[k] = w->src[lo];
            }
    }
    free(color);
    free(cnt);
    free(row);
    ad_pattern_free(P);
    if (rc != AD_OK) {
        ad_sparse_free(S);
        return rc;
    }
    *H = S;
    return AD_OK;
}

/* ---- evaluating ------------------------------------------------------------
 */

/* Records the first error of the threads. */
static void merge_rc(int *rc, int r)
{
    if (r != AD_OK) {
#pragma omp critical(ad_sparse_rc)
        if (*rc == AD_OK)
            *rc = r;
    }
}

int ad_sparse_jacobian_tape(ad_tape *t, const double *x, ad_sparse *J)
{
    if (t == NULL || J == NULL || J->hessian || J->work == NULL || !tape_ok(t))
        return AD_EINVAL;
    ad_tape_info info;
    ad_tape_stats(t, &info);
    struct ad__sparse_work *w = J->work;
    if (info.n != w->n || info.m != w->m)
        return AD_EINVAL;
    int rc = AD_OK, rev = J->dir == AD_SPARSE_REVERSE;
    size_t m = w->m, n = w->n, p = w->p;
    long nb = (long)w->nb;
#pragma omp parallel for schedule(dynamic)                                     \
    if (ad__par_worth((size_t)nb, ad__sweep_seconds(t, SP_LANES)))
    for (long b = 0; b < nb; b++) {
        size_t c0 = (size_t)b * SP_LANES;
        size_t kb = p - c0 < SP_LANES ? p - c0 : SP_LANES;
        int r;
        if (rev)
            r = ad_tape_vjp_multi(t, x, kb, w->seed + c0 * m, NULL,
                                  w->comp + c0 * n);
        else
            r = ad_tape_jvp_multi(t, x, kb, w->seed + c0 * n, NULL,
                                  w->comp + c0 * m);
        merge_rc(&rc, r);
    }
    if (rc != AD_OK)
        return rc;
    for (size_t k = 0; k < J->pattern->nnz; k++)
        J->val[k] = w->comp[w->src[k]];
    return AD_OK;
}

int ad_sparse_hessian_tape(ad_tape *t, const double *x, ad_sparse *H)
{
    if (t == NULL || H == NULL || !H->hessian || H->work == NULL || !tape_ok(t))
        return AD_EINVAL;
    ad_tape_info info;
    ad_tape_stats(t, &info);
    struct ad__sparse_work *w = H->work;
    if (info.n != w->n || info.m == 0)
        return AD_EINVAL;
    int rc = AD_OK;
    size_t n = w->n;
    long p = (long)w->p;
#pragma omp parallel for schedule(dynamic)                                     \
    if (ad__par_worth((size_t)p, 3 * ad__sweep_seconds(t, 2)))
    for (long c = 0; c < p; c++)
        merge_rc(&rc, ad_tape_hvp(t, x, w->seed + (size_t)c * n,
                                  w->comp + (size_t)c * n));
    if (rc != AD_OK)
        return rc;
    for (size_t k = 0; k < H->pattern->nnz; k++)
        H->val[k] = w->comp[w->src[k]];
    return AD_OK;
}

int ad_sparse_jacobian(const ad_fn *f, const double *x, ad_sparse **J)
{
    if (J == NULL)
        return AD_EINVAL;
    *J = NULL;
    ad_tape *t;
    ad_sparse *S = NULL;
    int rc = ad__sp_record(f, x, &t);
    if (rc != AD_OK)
        return rc;
    rc = jacobian_new(t, AD_SPARSE_AUTO, &S, 0); /* one evaluation */
    if (rc == AD_OK)
        rc = ad_sparse_jacobian_tape(t, NULL, S);
    if (rc != AD_OK) {
        ad_sparse_free(S);
        return rc;
    }
    *J = S;
    return AD_OK;
}

int ad_sparse_hessian(const ad_fn *f, const double *x, ad_sparse **H)
{
    if (H == NULL)
        return AD_EINVAL;
    *H = NULL;
    ad_tape *t;
    ad_sparse *S = NULL;
    int rc = ad__sp_record(f, x, &t);
    if (rc != AD_OK)
        return rc;
    rc = ad_sparse_hessian_new(t, &S);
    if (rc == AD_OK)
        rc = ad_sparse_hessian_tape(t, NULL, S);
    if (rc != AD_OK) {
        ad_sparse_free(S);
        return rc;
    }
    *H = S;
    return AD_OK;
}

/* ---- output ----------------------------------------------------------------
 */

int ad_sparse_to_triplet(const ad_sparse *S, size_t *rows, size_t *cols,
                         double *vals)
{
    if (S == NULL || S->pattern == NULL)
        return AD_EINVAL;
    const ad_pattern *P = S->pattern;
    for (size_t i = 0; i < P->m; i++)
        for (size_t k = P->rowptr[i]; k < P->rowptr[i + 1]; k++) {
            if (rows != NULL)
                rows[k] = i;
            if (cols != NULL)
                cols[k] = P->col[k];
            if (vals != NULL)
                vals[k] = S->val[k];
        }
    return AD_OK;
}

int ad_sparse_to_dense(const ad_sparse *S, double *A)
{
    if (S == NULL || S->pattern == NULL || A == NULL)
        return AD_EINVAL;
    const ad_pattern *P = S->pattern;
    memset(A, 0, P->m * P->n * sizeof *A);
    for (size_t i = 0; i < P->m; i++)
        for (size_t k = P->rowptr[i]; k < P->rowptr[i + 1]; k++)
            A[i * P->n + P->col[k]] = S->val[k];
    return AD_OK;
}

int ad_sparse_to_gsl(const ad_sparse *S, gsl_spmatrix **A)
{
    if (S == NULL || S->pattern == NULL || A == NULL)
        return AD_EINVAL;
    const ad_pattern *P = S->pattern;
    if (P->m == 0 || P->n == 0)
        return AD_EINVAL; /* GSL has no empty matrices */
    if (P->m > INT_MAX || P->n > INT_MAX || P->nnz > INT_MAX)
        return AD_ERANGE; /* GSL's indices are int */
    *A = NULL;
    /* GSL reports a failed allocation through its error handler, which
     * aborts by default: switch it off for the call (GSL's handler is one
     * global, so this is not thread-safe). */
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_spmatrix *C = gsl_spmatrix_alloc_nzmax(P->m, P->n, P->nnz ? P->nnz : 1,
                                               GSL_SPMATRIX_CRS);
    gsl_set_error_handler(old);
    if (C == NULL)
        return AD_ENOMEM;
    /* The CSR arrays are GSL's documented storage: filled directly, which
     * keeps structural zeros (gsl_spmatrix_set may drop them). */
    for (size_t i = 0; i <= P->m; i++)
        C->p[i] = (int)P->rowptr[i];
    for (size_t k = 0; k < P->nnz; k++) {
        C->i[k] = (int)P->col[k];
        C->data[k] = S->val[k];
    }
    C->nz = P->nnz;
    *A = C;
    return AD_OK;
}
