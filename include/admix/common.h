/* common.h -- macros shared by every admix header. */
#ifndef ADMIX_COMMON_H
#define ADMIX_COMMON_H

#ifdef __cplusplus
#define AD_BEGIN_DECLS extern "C" {
#define AD_END_DECLS   }
#else
#define AD_BEGIN_DECLS
#define AD_END_DECLS
#endif

/* The forward-mode operations are small and must disappear into the
 * caller: a call per operation would cost more than the operation. */
#if defined(__GNUC__) || defined(__clang__)
#define AD_INLINE inline __attribute__((always_inline))
#else
#define AD_INLINE inline
#endif

#include "admix/config.h"

#endif /* ADMIX_COMMON_H */
