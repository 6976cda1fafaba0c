/* robertson.c -- integrate the stiff Robertson problem (robertson.inc) with
 * GSL's multistep BDF stepper (gsl_odeiv2_step_msbdf), which needs the
 * Jacobian df/dy: admix provides it (ad_gsl_odeiv2_system; one
 * ad_jacobian call gives df/dy and df/dt).
 *
 * The problem is H. H. Robertson's (1966), a standard stiff test (Hairer &
 * Wanner, Solving Ordinary Differential Equations II, sec. IV.1).  From
 * y(0) = (1, 0, 0) the solution at t = 40 is, to 7 digits,
 *
 *     y(40) = (0.7158271, 9.185535e-6, 0.2841637)
 *
 * (tolerances 1e-16 / 1e-12 give 0.71582706875, 9.1855347657e-6,
 * 0.28416374572).  The example asserts it to 1e-5 relative, integrating
 * with tolerances 1e-14 absolute and 1e-10 relative (y2 is of order 1e-5:
 * an absolute tolerance above 1e-10 or so would let it drift), and checks
 * the conservation law y1 + y2 + y3 = 1.
 *
 * Build (installed admix):
 *     cc -I. robertson.c $(pkg-config --cflags --libs admix gsl)
 *
 * Exits with status 1 if a check fails (it runs in `make check`).
 */
#include <math.h>
#include <stdio.h>

#include <admix.h>
#include <admix/gsl.h>

#include <gsl/gsl_errno.h>

#define AD_TEMPLATE "robertson.inc"
#include <admix/instantiate.h>
AD_FN(robertson, 4, 3) /* (t, y1, y2, y3) -> dy/dt */

int main(void)
{
    ad_fn f = robertson_fn(NULL);
    gsl_odeiv2_system sys;
    if (ad_gsl_odeiv2_system(&f, &sys) != AD_OK) {
        fprintf(stderr, "ad_gsl_odeiv2_system failed\n");
        return 1;
    }

    /* Initial step 1e-8 (the fast transient of y2 lasts about 1e-4). */
    gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(
        &sys, gsl_odeiv2_step_msbdf, 1e-8, 1e-14, 1e-10);
    double t = 0.0, y[3] = {1.0, 0.0, 0.0};
    const double ts[] = {0.4, 4.0, 40.0};
    int status = GSL_SUCCESS;
    unsigned long steps = 0;
    for (size_t k = 0; k < 3 && status == GSL_SUCCESS; k++) {
        status = gsl_odeiv2_driver_apply(d, &t, ts[k], y);
        steps += d->n; /* the steps of this call */
        printf("t = %4g: y = %.7e %.7e %.7e\n", t, y[0], y[1], y[2]);
    }
    printf("msbdf: %s, %lu steps\n", gsl_strerror(status), steps);
    gsl_odeiv2_driver_free(d);
    ad_thread_release();

    const double ref[3] = {0.7158271, 9.185535e-6, 0.2841637};
    int ok = status == GSL_SUCCESS && t == 40.0;
    for (size_t i = 0; i < 3; i++) {
        double e = fabs(y[i] - ref[i]) / ref[i];
        printf("y%zu(40) = %.10e, reference %.7e, relative difference "
               "%.1e\n",
               i + 1, y[i], ref[i], e);
        ok = ok && e <= 1e-5;
    }
    double drift = fabs(y[0] + y[1] + y[2] - 1.0);
    printf("|y1 + y2 + y3 - 1| = %.1e\n", drift);
    ok = ok && drift <= 1e-12;
    printf("%s\n", ok ? "matches the reference solution"
                      : "DOES NOT MATCH THE REFERENCE");
    return ok ? 0 : 1;
}
