/* store.h -- the snapshot store of the checkpointed adjoint (adjoint.c):
 * slots of nx doubles in memory and on disk.  Internal: not installed. */
#ifndef ADMIX_CHECKPOINT_STORE_H
#define ADMIX_CHECKPOINT_STORE_H

#include <stddef.h>
#include <stdio.h>

#include "admix/checkpoint.h"

/* The slots of both levels.  The memory slots are one block allocated up
 * front; the disk slots are one file, slot i at offset i * nx * 8, created
 * on open and unlinked at once (see ad__store_open). */
typedef struct ad__store {
    size_t nx;    /* doubles per snapshot */
    size_t nmem;  /* memory slots */
    double *mem;  /* nmem * nx doubles */
    size_t ndisk; /* disk slots */
    int fd;       /* the disk file, -1 when there is none */
    FILE *tmp;    /* the stream of tmpfile(), when dir was NULL */
} ad__store;

/* Sets up s for nmem memory and ndisk disk slots of nx doubles each.  The
 * disk file (only if ndisk > 0) is created in dir with a unique name and
 * unlinked before this returns, or made by tmpfile() when dir is NULL.
 * AD_OK, AD_ENOMEM, AD_ERANGE (the bytes or the file offsets overflow) or
 * AD_EIO (the file cannot be made); on an error nothing is left, in memory
 * or on disk, and s is closed (ad__store_close is harmless on it). */
int ad__store_open(ad__store *s, size_t nx, size_t nmem, size_t ndisk,
                   const char *dir);
/* Copies x (nx doubles) into slot `slot` of level lv, or slot into x.
 * AD_OK, AD_EINVAL (a slot or level out of range) or AD_EIO. */
int ad__store_put(ad__store *s, ad_revolve_level lv, size_t slot,
                  const double *x);
int ad__store_get(ad__store *s, ad_revolve_level lv, size_t slot, double *x);
/* Frees the memory slots and closes the disk file (which was unlinked
 * already: the space goes back to the file system). */
void ad__store_close(ad__store *s);

#endif /* ADMIX_CHECKPOINT_STORE_H */
