/* fmin -- PLACEHOLDER: documentation, MPFR rules and sampler to be written. */
#include "primitive.h"

const ad__prim ad__prim_fmin = {0};
