/* mpfr_util.c -- helpers shared by the MPFR rules of the primitives. */
#include "primitive.h"

mpfr_prec_t ad__wprec(mpfr_srcptr out)
{
    /* 64 guard bits: every formula in primitives/ loses far fewer than that
     * to cancellation at the sampled points, so the final rounding to the
     * output's precision dominates. */
    return mpfr_get_prec(out) + 64;
}
