/* custom.c -- a custom primitive: a linear solve done by GSL, one node on
 * the tape, with its derivative rules written by hand.
 *
 * y(p) = A(p)^-1 b with A(p) = K + diag(p), and the objective
 * f(p) = sum_i y_i^2.  Differentiating the solve through GSL's LU code
 * operation by operation would record O(n^3) nodes; as a custom primitive
 * it is one node whose rules are solves again (Giles, "Collected matrix
 * derivative results for forward and reverse mode AD", 2008):
 *     ydot = -A^-1 (pdot .* y)              (jvp)
 *     lambda = A^-T w,  pbar = -lambda .* y  (vjp)
 * The gradient from the tape is checked against central differences.
 * Build: cc custom.c $(pkg-config --cflags --libs admix) -lgsl -lgslcblas */
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include <admix.h>

enum { N = 40 };

typedef struct problem {
    double K[N * N], b[N];
} problem;

/* Solves (K + diag(p)) z = r, or its transpose; 1 if it cannot. */
static int solve(const problem *pb, const double *p, int trans,
                 const double *r, double *z)
{
    double a[N * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            a[i * N + j] = trans ? pb->K[j * N + i] : pb->K[i * N + j];
    for (int i = 0; i < N; i++)
        a[i * N + i] += p[i];
    gsl_matrix_view A = gsl_matrix_view_array(a, N, N);
    gsl_vector_const_view R = gsl_vector_const_view_array(r, N);
    gsl_vector_view Z = gsl_vector_view_array(z, N);
    gsl_permutation *perm = gsl_permutation_alloc(N);
    int sign, rc = perm == NULL;
    if (rc == 0)
        rc = gsl_linalg_LU_decomp(&A.matrix, perm, &sign);
    if (rc == 0)
        rc = gsl_linalg_LU_solve(&A.matrix, perm, &R.vector, &Z.vector);
    gsl_permutation_free(perm);
    return rc != 0;
}

static int lin_value(const void *ctx, size_t n, const double *p, size_t m,
                     double *y)
{
    (void)n;
    (void)m;
    const problem *pb = ctx;
    return solve(pb, p, 0, pb->b, y);
}

static int lin_jvp(const void *ctx, size_t n, const double *p, const double *y,
                   const double *v, size_t m, double *jv)
{
    (void)m;
    double r[N];
    for (size_t i = 0; i < n; i++)
        r[i] = -v[i] * y[i];
    return solve(ctx, p, 0, r, jv);
}

static int lin_vjp(const void *ctx, size_t n, const double *p, const double *y,
                   const double *w, size_t m, double *wj)
{
    (void)m;
    double lambda[N];
    if (solve(ctx, p, 1, w, lambda))
        return 1;
    for (size_t i = 0; i < n; i++)
        wj[i] = -lambda[i] * y[i];
    return 0;
}

/* f(p) = |A(p)^-1 b|^2 on doubles (for the finite differences). */
static double f_double(const ad_custom *op, const double *p)
{
    double y[N], s = 0.0;
    if (ad_custom_double(op, N, p, N, y) != AD_OK)
        return NAN;
    for (int i = 0; i < N; i++)
        s += y[i] * y[i];
    return s;
}

int main(void)
{
    /* GSL's default handler aborts on a singular matrix: let the callbacks
     * see the status and return it instead. */
    gsl_set_error_handler_off();
    static problem pb;
    double p[N];
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++)
            pb.K[i * N + j] = 1.0 / (1.0 + i + j) + (i == j ? 2.0 : 0.0);
        pb.b[i] = sin(0.3 * i);
        p[i] = 1.0 + 0.05 * i;
    }
    const ad_custom op = {"lu_solve", lin_value, lin_jvp, lin_vjp, NULL, &pb};

    /* Record: the solve is one node, the objective N more. */
    ad_tape *t = ad_tape_new();
    ad_var pv[N], yv[N];
    double g[N];
    int rc = t == NULL ? AD_ENOMEM : ad_tape_begin(t);
    if (rc == AD_OK)
        rc = ad_independent_array(N, p, pv);
    if (rc == AD_OK)
        rc = ad_custom(&op, N, pv, N, yv);
    ad_var s = ad_const(ad_var, 0.0);
    for (int i = 0; i < N; i++)
        s = ad_add(s, ad_sqr(yv[i]));
    ad_dependent(s);
    int rc_end = t == NULL ? AD_ENOMEM : ad_tape_end(t);
    if (rc == AD_OK)
        rc = rc_end;
    if (rc == AD_OK)
        rc = ad_tape_gradient(t, NULL, g);
    if (rc != AD_OK) {
        fprintf(stderr, "custom: %s\n", ad_strerror(rc));
        ad_tape_free(t);
        return 1;
    }
    ad_tape_info info;
    ad_tape_stats(t, &info);

    /* Central differences, h = eps^(1/3) scaled: error ~1e-10 here. */
    double worst = 0.0;
    for (int i = 0; i < N; i++) {
        double h = 6e-6 * fmax(1.0, fabs(p[i])), pp[N], pm[N];
        for (int j = 0; j < N; j++)
            pp[j] = pm[j] = p[j];
        pp[i] += h;
        pm[i] -= h;
        double fd = (f_double(&op, pp) - f_double(&op, pm)) / (2.0 * h);
        worst = fmax(worst, fabs(fd - g[i]) / fmax(fabs(g[i]), 1e-3));
    }
    printf("f = %.10f with the solve as one node: %zu nodes on the tape\n", s.v,
           info.ops);
    printf("gradient vs central differences: worst relative error %.2e\n",
           worst);
    ad_tape_free(t);
    ad_thread_release();
    return worst < 1e-6 && info.ops == 2 + 2 * N ? 0 : 1;
}
