/* Names of the status codes of errors.h. */
#include "admix/errors.h"

const char *ad_strerror(int status)
{
    switch (status) {
    case AD_OK:
        return "success";
    case AD_ENOMEM:
        return "out of memory";
    case AD_EINVAL:
        return "invalid argument";
    case AD_EDOM:
        return "domain error: a value or derivative is NaN";
    case AD_ERETAPE:
        return "a recorded comparison flips at this point: retape";
    case AD_EUNSUPPORTED:
        return "not supported by this function object or mode";
    case AD_EIO:
        return "input/output error";
    case AD_EFORMAT:
        return "invalid or corrupted file format";
    case AD_ERANGE:
        return "size out of the supported range";
    default:
        return "unknown admix status";
    }
}
