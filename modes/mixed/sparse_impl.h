/* sparse_impl.h -- internal helpers shared by sparsity.c, coloring.c and
 * sparse.c (modes/mixed/). */
#ifndef ADMIX_SPARSE_IMPL_H
#define ADMIX_SPARSE_IMPL_H

#include <stddef.h>

#include "admix/sparse.h"

/* Makes *p (elements of elem bytes, *cap of them) hold at least need
 * elements, keeping its contents (doubling, so appends are amortised
 * O(1)).  0, or -1 when memory runs out (*p is then unchanged). */
int ad__sp_reserve(void **p, size_t *cap, size_t need, size_t elem);

/* Records f->f_var at x on the calling thread's drivers tape (work.c),
 * reused from call to call: *t must not be freed, and is good until the
 * thread's next recording through the drivers.  AD_OK,
 * AD_EINVAL (NULL f or x, n or m of 0), AD_EUNSUPPORTED (no f_var),
 * AD_ENOMEM, or the recording's own error. */
int ad__sp_record(const ad_fn *f, const double *x, ad_tape **t);

#endif /* ADMIX_SPARSE_IMPL_H */
