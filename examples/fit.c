/* fit.c -- nonlinear least squares with GSL's trust-region solver
 * (gsl_multifit_nlinear), the Jacobian and the second directional
 * derivative coming from admix: fit
 *
 *     y(t) = A exp(-lambda t) + b
 *
 * to n = 100 noisy samples (Gaussian noise, sigma = 0.1, from GSL's MT19937
 * generator with a fixed seed) of A = 5, lambda = 1.5, b = 1 on [0, 3].
 * The residuals are written once (fit.inc); ad_gsl_multifit_nlinear_fdf
 * fills f, df (ad_jacobian: 3 columns, one forward pass) and fvv (one
 * hyper-dual pass), so geodesic acceleration (trs_lmaccel) needs no finite
 * differences either.
 *
 * The example asserts that Levenberg-Marquardt with and without geodesic
 * acceleration converge to the same parameters (to 1e-7 relative), that
 * each parameter is within 4 standard errors of its true value, and that
 * admix's Jacobian at the solution is the analytic one to 1e-14.
 *
 * Build (installed admix):
 *     cc -I. fit.c $(pkg-config --cflags --libs admix gsl)
 *
 * Exits with status 1 if a check fails (it runs in `make check`).
 */
#include <math.h>
#include <stdio.h>

#include <admix.h>
#include <admix/gsl.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#define N 100

typedef struct fit_data {
    size_t n;
    const double *t, *y;
} fit_data;

#define AD_TEMPLATE "fit.inc"
#include <admix/instantiate.h>
AD_FN(decay, 3, ((const fit_data *)params)->n)

static const double TRUTH[3] = {5.0, 1.5, 1.0};
static const char *NAMES[3] = {"A", "lambda", "b"};

/* Fits with trust-region subproblem trs from x0; x gets the parameters and
 * sd their standard errors.  Returns the GSL status. */
static int fit(const ad_fn *f, const gsl_multifit_nlinear_trs *trs,
               const double *x0, double *x, double *sd, size_t *iters,
               size_t *nfvv)
{
    gsl_multifit_nlinear_fdf fdf;
    if (ad_gsl_multifit_nlinear_fdf(f, &fdf) != AD_OK)
        return GSL_EFAILED;
    gsl_multifit_nlinear_parameters par =
        gsl_multifit_nlinear_default_parameters();
    par.trs = trs;
    gsl_multifit_nlinear_workspace *w = gsl_multifit_nlinear_alloc(
        gsl_multifit_nlinear_trust, &par, fdf.n, fdf.p);
    gsl_vector_const_view xv = gsl_vector_const_view_array(x0, 3);
    gsl_multifit_nlinear_init(&xv.vector, &fdf, w);
    int info;
    int status = gsl_multifit_nlinear_driver(200, 1e-12, 1e-12, 1e-12, NULL,
                                             NULL, &info, w);
    /* Standard errors: sqrt of the diagonal of (J^T J)^-1 s^2, with s^2 the
     * residual variance chi^2 / (n - p). */
    gsl_matrix *covar = gsl_matrix_alloc(3, 3);
    gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), 0.0, covar);
    double chi = gsl_blas_dnrm2(gsl_multifit_nlinear_residual(w));
    double s2 = chi * chi / (double)(fdf.n - fdf.p);
    for (size_t k = 0; k < 3; k++) {
        x[k] = gsl_vector_get(gsl_multifit_nlinear_position(w), k);
        sd[k] = sqrt(s2 * gsl_matrix_get(covar, k, k));
    }
    *iters = gsl_multifit_nlinear_niter(w);
    *nfvv = fdf.nevalfvv;
    gsl_matrix_free(covar);
    gsl_multifit_nlinear_free(w);
    return status;
}

int main(void)
{
    /* The data: fixed seed, so the same every run. */
    double t[N], y[N];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 2385);
    for (size_t i = 0; i < N; i++) {
        t[i] = 3.0 * (double)i / (N - 1);
        y[i] = TRUTH[0] * exp(-TRUTH[1] * t[i]) + TRUTH[2] +
               gsl_ran_gaussian(rng, 0.1);
    }
    gsl_rng_free(rng);

    fit_data data = {N, t, y};
    ad_fn f = decay_fn(&data); /* 3 parameters -> N residuals */

    const double x0[3] = {1.0, 1.0, 0.0};
    double x_lm[3], sd_lm[3], x_acc[3], sd_acc[3];
    size_t it_lm, it_acc, nfvv_lm, nfvv_acc;
    int st_lm =
        fit(&f, gsl_multifit_nlinear_trs_lm, x0, x_lm, sd_lm, &it_lm, &nfvv_lm);
    int st_acc = fit(&f, gsl_multifit_nlinear_trs_lmaccel, x0, x_acc, sd_acc,
                     &it_acc, &nfvv_acc);
    printf("Levenberg-Marquardt:         %zu iterations, status \"%s\"\n",
           it_lm, gsl_strerror(st_lm));
    printf("  with geodesic acceleration: %zu iterations (%zu fvv calls), "
           "status \"%s\"\n",
           it_acc, nfvv_acc, gsl_strerror(st_acc));

    int ok = st_lm == GSL_SUCCESS && st_acc == GSL_SUCCESS && nfvv_acc > 0;
    for (size_t k = 0; k < 3; k++) {
        double agree = fabs(x_acc[k] - x_lm[k]) / fabs(x_lm[k]);
        double z = (x_lm[k] - TRUTH[k]) / sd_lm[k];
        printf("%-6s = %.10f +/- %.5f (true %g, %+.2f sigma; "
               "accelerated differs by %.1e)\n",
               NAMES[k], x_lm[k], sd_lm[k], TRUTH[k], z, agree);
        ok = ok && agree <= 1e-7 && fabs(z) <= 4.0;
    }

    /* admix's Jacobian at the solution against the analytic one:
     * dr_i/dA = e_i, dr_i/dlambda = -A t_i e_i, dr_i/db = 1, e_i =
     * exp(-lambda t_i). */
    double J[N * 3], err = 0.0;
    ad_mode used;
    if (ad_jacobian(&f, AD_AUTO, x_lm, NULL, J, &used) != AD_OK)
        ok = 0;
    for (size_t i = 0; i < N; i++) {
        double e = exp(-x_lm[1] * t[i]);
        double want[3] = {e, -x_lm[0] * t[i] * e, 1.0};
        for (size_t k = 0; k < 3; k++)
            err = fmax(err,
                       fabs(J[i * 3 + k] - want[k]) / fmax(1.0, fabs(want[k])));
    }
    printf("Jacobian (%s mode) against the analytic one: %.1e\n",
           ad_mode_name(used), err);
    ok = ok && err <= 1e-14;
    ad_thread_release();

    printf("%s\n", ok ? "fit agrees" : "FIT WRONG");
    return ok ? 0 : 1;
}
