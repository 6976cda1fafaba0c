/* lgamma -- PLACEHOLDER: documentation, MPFR rules and sampler to be written. */
#include "primitive.h"

const ad__prim ad__prim_lgamma = {0};

#include <gsl/gsl_sf_psi.h>
double ad__digamma(double x) { return gsl_sf_psi(x); }
double ad__trigamma(double x) { return gsl_sf_psi_1(x); }
