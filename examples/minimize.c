/* minimize.c -- minimise the extended Rosenbrock function in n = 100
 * variables with GSL's BFGS minimiser (gsl_multimin_fdfminimizer_vector_bfgs2),
 * the gradient coming from admix in reverse mode: the function is written
 * once (rosenbrock.inc) and never differentiated by hand.
 *
 *     f(x) = sum_{i=0}^{n-2} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2
 *
 * The minimum is f = 0 at x = (1, ..., 1).  From the classic start
 * (-1.2, 1, -1.2, 1, ...) the example asserts that BFGS gets every x_i to
 * within 1e-8 of 1.
 *
 * Build (installed admix):
 *     cc -I. minimize.c $(pkg-config --cflags --libs admix gsl)
 *
 * Exits with status 1 if the minimum is not found (it runs in `make check`).
 */
#include <math.h>
#include <stdio.h>

#include <admix.h>
#include <admix/gsl.h>

#include <gsl/gsl_errno.h>

#define AD_TEMPLATE "rosenbrock.inc"
#include <admix/instantiate.h>
AD_FN(rosen, *(const size_t *)params, 1)

#define N 100

int main(void)
{
    size_t n = N;
    ad_fn f = rosen_fn(&n);

    /* f, df and fdf for GSL; the struct points at f, which must outlive
     * it.  The gradient is ad_gradient in AD_AUTO mode: one reverse sweep
     * of a tape recorded at each point (the thread's tape, reused). */
    gsl_multimin_function_fdf F;
    if (ad_gsl_multimin_fdf(&f, &F) != AD_OK) {
        fprintf(stderr, "ad_gsl_multimin_fdf failed\n");
        return 1;
    }

    gsl_vector *x = gsl_vector_alloc(n);
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(x, i, i % 2 == 0 ? -1.2 : 1.0);

    gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(
        gsl_multimin_fdfminimizer_vector_bfgs2, n);
    /* First step 0.01, line-search tolerance 0.1 (GSL's advice for BFGS). */
    gsl_multimin_fdfminimizer_set(s, &F, x, 0.01, 0.1);

    /* BFGS stalls (GSL_ENOPROG) once f is near 1e-13, where its line
     * search no longer trusts the differences of f it sees; starting it
     * afresh at the point reached (a new Hessian approximation) gets it
     * going again.  Restart while that gains anything, alternating GSL's
     * two BFGS variants: where one stalls the other's line search often
     * goes on (with OpenBLAS as the CBLAS, bfgs2 alone stalls again at
     * once, 3e-7 from the minimum). */
    int status = GSL_CONTINUE, iter = 0, restarts = 0;
    double f_restart = GSL_POSINF;
    while (status == GSL_CONTINUE && iter < 10000) {
        iter++;
        status = gsl_multimin_fdfminimizer_iterate(s);
        if (status == GSL_ENOPROG && s->f < f_restart) {
            f_restart = s->f;
            restarts++;
            gsl_vector_memcpy(x, s->x);
            gsl_multimin_fdfminimizer_free(s);
            s = gsl_multimin_fdfminimizer_alloc(
                restarts % 2 ? gsl_multimin_fdfminimizer_vector_bfgs
                             : gsl_multimin_fdfminimizer_vector_bfgs2,
                n);
            gsl_multimin_fdfminimizer_set(s, &F, x, 0.01, 0.1);
            status = GSL_CONTINUE;
        } else if (status == GSL_SUCCESS) {
            status = gsl_multimin_test_gradient(s->gradient, 1e-9);
        }
    }

    double err = 0.0;
    for (size_t i = 0; i < n; i++)
        err = fmax(err, fabs(gsl_vector_get(s->x, i) - 1.0));
    double fmin = s->f;
    printf("BFGS (%s) on Rosenbrock n = %zu: %d iterations, %d restarts, "
           "last status \"%s\"\n",
           gsl_multimin_fdfminimizer_name(s), n, iter, restarts,
           gsl_strerror(status));
    printf("f = %.3e, max |x_i - 1| = %.3e\n", fmin, err);

    gsl_multimin_fdfminimizer_free(s);
    gsl_vector_free(x);
    ad_thread_release();

    /* The last status is "not making progress" once f is at rounding
     * level (about 1e-16 here); the answer is what counts. */
    int ok = err <= 1e-8 && !isnan(fmin);
    printf("%s\n", ok ? "minimum found to 1e-8" : "MINIMUM NOT FOUND");
    return ok ? 0 : 1;
}
