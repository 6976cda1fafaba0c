/* array.c -- placeholder while the array nodes are written. */
#include "tape_impl.h"

void ad__array_forward(ad__sweep *s, unsigned code, const uint32_t *arg,
                       const double *cst, uint32_t r, int replay)
{
    (void)s, (void)code, (void)arg, (void)cst, (void)r, (void)replay;
}
void ad__array_reverse(ad__sweep *s, unsigned code, const uint32_t *arg,
                       const double *cst, uint32_t r)
{
    (void)s, (void)code, (void)arg, (void)cst, (void)r;
}
