/* sparse.c -- sparse Jacobians: Newton's method on the 2-D Bratu problem
 * (bratu2d.inc, N x N = 1600 unknowns), with the Jacobian computed by
 * admix in 5 forward lanes -- not 1600 -- and solved by GSL's sparse GMRES.
 *
 *   - record the residual once on a tape (it has no branches, so the tape
 *     is valid at every point);
 *   - ad_sparse_jacobian_new: the sparsity pattern read off the tape and a
 *     coloring of its columns (5 colors for the 5-point stencil, whatever
 *     N), once;
 *   - each Newton step: ad_sparse_jacobian_tape refills the values at the
 *     new point in place (one forward sweep of 5 lanes), ad_sparse_to_gsl
 *     hands them to GSL as a CSR matrix, GMRES solves J du = -F.
 *
 * The example asserts 5 colors, convergence (|F| < 1e-10 in at most 10
 * steps), that the last Jacobian equals the dense one bit for bit at a
 * small size, and, for a Hessian, that the chained Rosenbrock function's
 * tridiagonal Hessian takes 3 Hessian-vector products.
 *
 * Build (installed admix):
 *     cc -I. sparse.c $(pkg-config --cflags --libs admix gsl)
 *
 * Exits with status 1 on failure (it runs in `make check`). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <admix.h>
#include <admix/sparse_gsl.h>

#include <gsl/gsl_spblas.h>
#include <gsl/gsl_splinalg.h>
#include <gsl/gsl_vector.h>

typedef struct bratu2d_params {
    size_t N;      /* interior points per side */
    double lambda; /* solutions exist for lambda < 6.808 */
} bratu2d_params;

#define AD_TEMPLATE "bratu2d.inc"
#include <admix/instantiate.h>
AD_FN(bratu2d,
      ((const bratu2d_params *)params)->N *((const bratu2d_params *)params)->N,
      ((const bratu2d_params *)params)->N *((const bratu2d_params *)params)->N)

#define AD_TEMPLATE "rosenbrock.inc"
#include <admix/instantiate.h>
AD_FN(rosen, *(const size_t *)params, 1)

static double norm_inf(const double *v, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(v[i]));
    return m;
}

/* The sparse Jacobian of f at x equals the dense one bit for bit. */
static int same_as_dense(const ad_fn *f, const double *x)
{
    ad_sparse *J;
    ad_tape *t = ad_tape_new();
    size_t n = f->n, m = f->m;
    double *D = malloc(m * n * sizeof *D), *S = malloc(m * n * sizeof *S);
    ad_var *xv = malloc(n * sizeof *xv), *yv = malloc(m * sizeof *yv);
    int ok = t && D && S && xv && yv && ad_tape_begin(t) == AD_OK &&
             ad_independent_array(n, x, xv) == AD_OK;
    if (ok) {
        f->f_var(xv, yv, f->params);
        ok = ad_dependent_array(m, yv) == AD_OK;
    }
    ok = ad_tape_end(t) == AD_OK && ok;
    ok = ok && ad_tape_jacobian(t, NULL, D) == AD_OK &&
         ad_sparse_jacobian(f, x, &J) == AD_OK;
    if (ok) {
        ad_sparse_to_dense(J, S);
        ok = memcmp(S, D, m * n * sizeof *D) == 0;
        ad_sparse_free(J);
    }
    free(D);
    free(S);
    free(xv);
    free(yv);
    ad_tape_free(t);
    return ok;
}

int main(void)
{
    bratu2d_params p = {40, 6.0};
    ad_fn f = bratu2d_fn(&p);
    size_t n = f.n;
    double *u = calloc(n, sizeof *u), *F = malloc(n * sizeof *F);
    ad_var *uv = malloc(n * sizeof *uv), *Fv = malloc(n * sizeof *Fv);
    gsl_vector *b = gsl_vector_alloc(n), *du = gsl_vector_calloc(n);
    gsl_splinalg_itersolve *gm =
        gsl_splinalg_itersolve_alloc(gsl_splinalg_itersolve_gmres, n, 0);
    ad_tape *t = ad_tape_new();
    if (!u || !F || !uv || !Fv || !b || !du || !gm || !t)
        return 1;

    /* Record F once, at u = 0. */
    int ok =
        ad_tape_begin(t) == AD_OK && ad_independent_array(n, u, uv) == AD_OK;
    if (ok) {
        f.f_var(uv, Fv, f.params);
        ok = ad_dependent_array(n, Fv) == AD_OK;
    }
    ok = ad_tape_end(t) == AD_OK && ok;

    /* Pattern and coloring, once. */
    ad_sparse *J = NULL;
    ok = ok && ad_sparse_jacobian_new(t, AD_SPARSE_AUTO, &J) == AD_OK;
    if (!ok)
        return 1;
    printf("Bratu 2-D, %zu x %zu grid: Jacobian %zu x %zu, %zu nonzeros, "
           "%zu colors (%s)\n",
           p.N, p.N, n, n, J->pattern->nnz, J->ncolors,
           J->dir == AD_SPARSE_FORWARD ? "forward" : "reverse");
    ok = J->ncolors == 5;

    /* Newton's method. */
    int step;
    double res = INFINITY;
    for (step = 0; ok && step < 10; step++) {
        ok = ad_tape_eval(t, u, F) == AD_OK;
        res = norm_inf(F, n);
        printf("step %d: |F| = %.3e\n", step, res);
        if (!ok || res < 1e-10)
            break;
        gsl_spmatrix *A = NULL;
        ok = ad_sparse_jacobian_tape(t, u, J) == AD_OK &&
             ad_sparse_to_gsl(J, &A) == AD_OK;
        if (!ok)
            break;
        for (size_t i = 0; i < n; i++)
            gsl_vector_set(b, i, -F[i]);
        gsl_vector_set_zero(du);
        int st, it = 0;
        do
            st = gsl_splinalg_itersolve_iterate(A, b, 1e-13, du, gm);
        while (st == GSL_CONTINUE && ++it < 200);
        gsl_spmatrix_free(A);
        for (size_t i = 0; i < n; i++)
            u[i] += gsl_vector_get(du, i);
    }
    ok = ok && res < 1e-10;
    printf("u at the centre: %.10f\n", u[(p.N / 2) * p.N + p.N / 2]);

    /* The compressed values are the dense ones, bit for bit (small grid). */
    bratu2d_params q = {8, 6.0};
    ad_fn g = bratu2d_fn(&q);
    double x[64];
    for (size_t i = 0; i < 64; i++)
        x[i] = 0.01 * (double)i;
    int same = same_as_dense(&g, x);
    printf("sparse = dense Jacobian (8 x 8 grid): %s\n", same ? "yes" : "NO");
    ok = ok && same;

    /* A sparse Hessian: the chained Rosenbrock function's is tridiagonal. */
    size_t nr = 1000;
    ad_fn r = rosen_fn(&nr);
    double *xr = malloc(nr * sizeof *xr);
    ad_sparse *H = NULL;
    for (size_t i = 0; xr && i < nr; i++)
        xr[i] = -1.2 + 0.001 * (double)i;
    ok = ok && xr && ad_sparse_hessian(&r, xr, &H) == AD_OK;
    if (H != NULL) {
        printf("Rosenbrock n = %zu: Hessian %zu nonzeros, %zu Hessian-vector "
               "products, H(0,0) = %.6f\n",
               nr, H->pattern->nnz, H->ncolors, H->val[0]);
        /* H(0,0) = 1200 x0^2 - 400 x1 + 2. */
        double h00 = 1200.0 * xr[0] * xr[0] - 400.0 * xr[1] + 2.0;
        ok = ok && H->ncolors == 3 && H->pattern->nnz == 3 * nr - 2 &&
             fabs(H->val[0] - h00) <= 1e-13 * fabs(h00);
    }

    ad_sparse_free(H);
    ad_sparse_free(J);
    ad_tape_free(t);
    gsl_splinalg_itersolve_free(gm);
    gsl_vector_free(b);
    gsl_vector_free(du);
    free(u);
    free(F);
    free(uv);
    free(Fv);
    free(xr);
    ad_thread_release();
    printf("%s\n", ok ? "solved" : "FAILED");
    return ok ? 0 : 1;
}
