/* drivers_impl.h -- internal to modes/mixed/: the per-thread workspace of
 * the drivers and the passes the drivers are made of.  Not installed. */
#ifndef ADMIX_DRIVERS_IMPL_H
#define ADMIX_DRIVERS_IMPL_H

#include <stddef.h>

#include "admix.h"

/* The buffers of a thread's workspace, one slot each, so that a caller and
 * the driver it calls never share one.  IN and OUT hold a pass's inputs and
 * outputs (ad_var, ad_dual, ad_dualv or ad_hdual arrays) and TMP doubles;
 * the drivers use them serially and each OpenMP thread uses its own.  The
 * GSL_* slots belong to the GSL twins (strided copies) and ODE_* to the
 * odeiv2 adapter, which calls the drivers with them in use. */
enum {
    AD__S_IN,
    AD__S_OUT,
    AD__S_TMP,
    AD__S_GSL_X,
    AD__S_GSL_V,
    AD__S_GSL_Y,
    AD__S_GSL_D,
    AD__S_ODE_X,
    AD__S_ODE_J,
    AD__S_COUNT
};

/* At least `bytes` bytes in slot `slot` of the calling thread's workspace,
 * kept between calls and grown (contents not kept) when too small; NULL
 * when memory runs out.  Suitably aligned for any type. */
void *ad__dws_buf(int slot, size_t bytes);
/* The same for count elements of size bytes each, NULL on overflow too. */
void *ad__dws_array(int slot, size_t count, size_t size);

/* Records f->f_var at x on the calling thread's tape (created on first use,
 * reused afterwards) and stores it in *tape.  AD_OK, AD_ENOMEM or AD_EINVAL
 * (the thread records already). */
int ad__record(const ad_fn *f, const double *x, ad_tape **tape);
/* The same on a given tape (for a recording beside the thread's own). */
int ad__record_on(ad_tape *tape, const ad_fn *f, const double *x);

/* Frees the calling thread's workspace (tape and buffers); it is created
 * again when needed.  ad_thread_release() should call it. */
void ad__drivers_release(void);

/* 1 if any of v[0..n) is NaN. */
int ad__has_nan(const double *v, size_t n);

/* Forward passes over all n columns of J = f'(x), AD_LANES per pass
 * (f_dualv) or one (f_dual), split over OpenMP threads.  With w NULL, out
 * gets J (m x n, row-major); else out gets w^T J (n values).  y (may be
 * NULL) gets f(x).  AD_OK, AD_EDOM (a NaN in f(x) or in what out gets),
 * AD_ENOMEM; the caller checks the arguments and that an entry point
 * exists. */
int ad__fwd_columns(const ad_fn *f, const double *x, const double *w, double *y,
                    double *out);

/* fvv = sum_{a,b} v_a v_b d2f/dx_a dx_b (m values), the second directional
 * derivative along v, and y = f(x) (may be NULL): one f_hdual pass with
 * d1 = d2 = v.  AD_OK, AD_EDOM, AD_ENOMEM, AD_EINVAL (NULL, n or m 0),
 * AD_EUNSUPPORTED (no f_hdual).  For the multifit adapter's fvv. */
int ad__fvv(const ad_fn *f, const double *x, const double *v, double *y,
            double *fvv);

#endif /* ADMIX_DRIVERS_IMPL_H */
