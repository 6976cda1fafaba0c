/* fn.h -- ad_fn, the function object every driver takes.
 *
 * In the spirit of GSL's gsl_function: the input and output sizes, a params
 * pointer passed through untouched, and one entry point per number type, all
 * computing the same f: R^n -> R^m,
 *
 *     void f(const T *x, T *y, const void *params);   x[0..n), y[0..m)
 *
 * Any entry point may be NULL; a driver that needs a missing one returns
 * AD_EUNSUPPORTED.  The usual way to fill one is to write the body once in a
 * template file and let <admix/instantiate.h> and AD_FN() generate every
 * entry point (see instantiate.h); filling the struct by hand works too.
 *
 * Ownership: an ad_fn is a small value; it owns nothing (params stays the
 * caller's).  Thread-safety: as thread-safe as the functions it points to.
 */
#ifndef ADMIX_FN_H
#define ADMIX_FN_H

#include <stddef.h>

#include "admix/forward.h"

AD_BEGIN_DECLS

struct ad_var; /* the recording type of reverse mode */

typedef struct ad_fn {
    size_t n;           /* number of inputs */
    size_t m;           /* number of outputs */
    const void *params; /* passed to every entry point */
    const char *name;   /* for reports; may be NULL */
    void (*f_double)(const double *x, double *y, const void *params);
#ifndef __cplusplus
    void (*f_complex)(const double complex *x, double complex *y,
                      const void *params);
#else
    void (*f_complex)(const void *x, void *y, const void *params);
#endif
    void (*f_dual)(const ad_dual *x, ad_dual *y, const void *params);
    void (*f_dualv)(const ad_dualv *x, ad_dualv *y, const void *params);
    void (*f_hdual)(const ad_hdual *x, ad_hdual *y, const void *params);
    void (*f_var)(const struct ad_var *x, struct ad_var *y, const void *params);
} ad_fn;

AD_END_DECLS

#endif /* ADMIX_FN_H */
