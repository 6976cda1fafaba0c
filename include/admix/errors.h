/* errors.h -- status codes.
 *
 * Every admix function that can fail returns an int: AD_OK (0) on success or
 * one of the negative codes below.  ad_strerror() names each.  admix never
 * calls abort() or exit() and never prints unless asked.
 */
#ifndef ADMIX_ERRORS_H
#define ADMIX_ERRORS_H

#include "admix/common.h"

AD_BEGIN_DECLS

enum {
    AD_OK = 0,
    AD_ENOMEM = -1,       /* an allocation failed (or a memory cap was hit) */
    AD_EINVAL = -2,       /* an invalid argument: NULL, bad size, misuse */
    AD_EDOM = -3,         /* a domain error: a value or derivative is NaN */
    AD_ERETAPE = -4,      /* a recorded branch flips at the new point */
    AD_EUNSUPPORTED = -5, /* the function object lacks what the mode needs */
    AD_EIO = -6,          /* reading or writing a file failed */
    AD_EFORMAT = -7,      /* a file is not a valid admix file */
    AD_ERANGE = -8        /* a size or count is out of the supported range */
};

/* A static, English description of a status code; never NULL.  Unknown codes
 * give "unknown admix status".  Thread-safe. */
const char *ad_strerror(int status);

AD_END_DECLS

#endif /* ADMIX_ERRORS_H */
