/* sparse_gsl.h -- sparse Jacobians and Hessians (sparse.h) as GSL sparse
 * matrices.  Not included by <admix.h>: it includes GSL's headers (as
 * <admix/gsl.h> does). */
#ifndef ADMIX_SPARSE_GSL_H
#define ADMIX_SPARSE_GSL_H

#include <gsl/gsl_spmatrix.h>

#include "admix/sparse.h"

AD_BEGIN_DECLS

/* *A = a new GSL sparse matrix holding S (its pattern, structural zeros
 * included, and its values), in compressed row storage (GSL_SPMATRIX_CSR;
 * GSL 2.5 calls it CRS), for GSL's sparse linear algebra (gsl_spblas,
 * gsl_splinalg) or to convert further (gsl_spmatrix_compress).  The caller
 * frees it with gsl_spmatrix_free.  AD_OK, AD_EINVAL (NULL arguments; no
 * rows or no columns, which GSL cannot hold), AD_ERANGE (a size beyond
 * GSL's int indices) or AD_ENOMEM.  Thread-safety: GSL's error handler is
 * switched off during the allocation, a process-wide setting; do not call
 * it while other threads rely on GSL's handler. */
int ad_sparse_to_gsl(const ad_sparse *S, gsl_spmatrix **A);

AD_END_DECLS

#endif /* ADMIX_SPARSE_GSL_H */
