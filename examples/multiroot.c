/* multiroot.c -- solve a nonlinear system with GSL's hybridsj (Powell's
 * hybrid method with a user Jacobian), the Jacobian coming from admix: the
 * Bratu problem -u'' = exp(u) on (0, 1), u(0) = u(1) = 0, discretised on
 * n = 100 points (multiroot.inc).  AD_AUTO picks forward mode for this
 * square Jacobian: ceil(n / AD_LANES) vector passes.
 *
 * The continuous problem has the closed-form solution (Bratu, 1914)
 *
 *     u(x) = -2 log(cosh((x - 1/2) theta / 2) / cosh(theta / 4)),
 *     theta = sqrt(2 lambda) cosh(theta / 4)   (the smaller root),
 *
 * which the discrete solution matches to O(h^2).  The example asserts that
 * the residual is below 1e-12 and that the solution agrees with the closed
 * form to 1e-5 (the discretisation error, about 1.4e-6 here).
 *
 * Build (installed admix):
 *     cc -I. multiroot.c $(pkg-config --cflags --libs admix gsl)
 *
 * Exits with status 1 if the system is not solved (it runs in `make check`).
 */
#include <math.h>
#include <stdio.h>

#include <admix.h>
#include <admix/gsl.h>

#include <gsl/gsl_errno.h>

typedef struct bratu_params {
    size_t n;      /* interior points */
    double lambda; /* the parameter; solutions exist for lambda < 3.51 */
} bratu_params;

#define AD_TEMPLATE "multiroot.inc"
#include <admix/instantiate.h>
AD_FN(bratu, ((const bratu_params *)params)->n,
      ((const bratu_params *)params)->n)

/* The smaller root of theta = sqrt(2 lambda) cosh(theta / 4), by Newton's
 * method from 0 (the iteration increases monotonically to it). */
static double bratu_theta(double lambda)
{
    double c = sqrt(2.0 * lambda), t = 0.0;
    for (int k = 0; k < 100; k++) {
        double r = t - c * cosh(t / 4.0), dr = 1.0 - c * sinh(t / 4.0) / 4.0;
        double t1 = t - r / dr;
        if (t1 == t)
            break;
        t = t1;
    }
    return t;
}

int main(void)
{
    bratu_params p = {100, 1.0};
    ad_fn f = bratu_fn(&p);

    /* f, df and fdf for GSL; the struct points at f, which must outlive
     * it.  fdf gets F and J from one ad_jacobian call. */
    gsl_multiroot_function_fdf F;
    if (ad_gsl_multiroot_fdf(&f, &F) != AD_OK) {
        fprintf(stderr, "ad_gsl_multiroot_fdf failed\n");
        return 1;
    }

    gsl_vector *u = gsl_vector_calloc(p.n); /* start from u = 0 */
    gsl_multiroot_fdfsolver *s =
        gsl_multiroot_fdfsolver_alloc(gsl_multiroot_fdfsolver_hybridsj, p.n);
    gsl_multiroot_fdfsolver_set(s, &F, u);

    int status, iter = 0;
    do {
        iter++;
        status = gsl_multiroot_fdfsolver_iterate(s);
        if (status != GSL_SUCCESS)
            break;
        status = gsl_multiroot_test_residual(s->f, 1e-13);
    } while (status == GSL_CONTINUE && iter < 100);

    double res = 0.0, err = 0.0, umax = 0.0;
    double theta = bratu_theta(p.lambda), h = 1.0 / (double)(p.n + 1);
    for (size_t i = 0; i < p.n; i++) {
        double x = h * (double)(i + 1);
        double exact =
            -2.0 * log(cosh((x - 0.5) * theta / 2.0) / cosh(theta / 4.0));
        double ui = gsl_vector_get(s->x, i);
        res = fmax(res, fabs(gsl_vector_get(s->f, i)));
        err = fmax(err, fabs(ui - exact));
        umax = fmax(umax, ui);
    }
    printf("hybridsj on Bratu (lambda = %g, n = %zu): %d iterations, "
           "status \"%s\"\n",
           p.lambda, p.n, iter, gsl_strerror(status));
    printf("max |F_i| = %.3e, max u = %.10f, max |u - u_exact| = %.3e "
           "(theta = %.15f)\n",
           res, umax, err, theta);

    gsl_multiroot_fdfsolver_free(s);
    gsl_vector_free(u);
    ad_thread_release();

    int ok = status == GSL_SUCCESS && res <= 1e-12 && err <= 1e-5;
    printf("%s\n", ok ? "system solved" : "SYSTEM NOT SOLVED");
    return ok ? 0 : 1;
}
