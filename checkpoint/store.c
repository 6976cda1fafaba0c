/* store.c -- the snapshot store of the checkpointed adjoint: slots of nx
 * doubles in memory, and on disk for the two-level schedule.
 *
 * The disk slots share one file: slot i at offset i * nx * 8, written and
 * read with pwrite and pread, so that no stream buffer delays an error to a
 * later call and no seek position is kept.  The file is made by mkstemp in
 * the caller's directory (a unique name, mode 0600) and unlinked straight
 * away: it lives on while the descriptor is open, the space returns to the
 * file system when it is closed, and no path -- an error, a crash, a kill
 * -- can leave it behind.  This is the behaviour of tmpfile(), in a
 * directory of the caller's choosing; with no directory, tmpfile() itself
 * is used.  mkstemp, unlink, pread and pwrite are POSIX, hence the feature
 * macro.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "store.h"

/* The name mkstemp completes; the X's must end it. */
static const char file_template[] = "/admix-snapshots-XXXXXX";

/* The largest value of the signed type off_t. */
#define OFF_MAX_U ((((uintmax_t)1 << (sizeof(off_t) * 8 - 2)) - 1) * 2 + 1)

static int open_disk(ad__store *s, const char *dir)
{
    if (dir == NULL) {
        s->tmp = tmpfile();
        if (s->tmp == NULL)
            return AD_EIO;
        s->fd = fileno(s->tmp);
        return s->fd >= 0 ? AD_OK : AD_EIO;
    }
    size_t len = strlen(dir);
    char *path = malloc(len + sizeof file_template);
    if (path == NULL)
        return AD_ENOMEM;
    memcpy(path, dir, len);
    memcpy(path + len, file_template, sizeof file_template);
    int fd = mkstemp(path);
    if (fd < 0) {
        free(path);
        return AD_EIO;
    }
    /* Unlinked before any snapshot is written: from here on nothing can
     * be left behind.  Should unlink fail (it hardly can, right after the
     * file was made in the same directory), the file is closed and
     * removed on the error path instead. */
    if (unlink(path) != 0) {
        close(fd);
        remove(path);
        free(path);
        return AD_EIO;
    }
    free(path);
    s->fd = fd;
    return AD_OK;
}

int ad__store_open(ad__store *s, size_t nx, size_t nmem, size_t ndisk,
                   const char *dir)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->nx = nx;
    if (nx > SIZE_MAX / sizeof(double))
        return AD_ERANGE;
    size_t bytes = nx * sizeof(double);
    if (nmem > 0 && bytes > 0 && nmem > SIZE_MAX / bytes)
        return AD_ERANGE;
    if (ndisk > 0 && bytes > 0 && (uintmax_t)ndisk > OFF_MAX_U / bytes)
        return AD_ERANGE;
    if (nmem > 0 && bytes > 0) {
        s->mem = malloc(nmem * bytes);
        if (s->mem == NULL)
            return AD_ENOMEM;
    }
    s->nmem = nmem;
    if (ndisk > 0) {
        int rc = open_disk(s, dir);
        if (rc != AD_OK) {
            ad__store_close(s);
            return rc;
        }
        s->ndisk = ndisk;
    }
    return AD_OK;
}

/* The byte offset of disk slot `slot`; the open checked that it fits. */
static off_t disk_offset(const ad__store *s, size_t slot)
{
    return (off_t)((uintmax_t)slot * s->nx * sizeof(double));
}

int ad__store_put(ad__store *s, ad_revolve_level lv, size_t slot,
                  const double *x)
{
    size_t bytes = s->nx * sizeof(double);
    if (lv == AD_REVOLVE_MEMORY && slot < s->nmem) {
        memcpy(s->mem + slot * s->nx, x, bytes);
        return AD_OK;
    }
    if (lv != AD_REVOLVE_DISK || slot >= s->ndisk)
        return AD_EINVAL;
    const char *b = (const char *)x;
    off_t at = disk_offset(s, slot);
    while (bytes > 0) {
        ssize_t w = pwrite(s->fd, b, bytes, at);
        if (w < 0 && errno == EINTR)
            continue;
        /* A write of 0 bytes makes no progress: a full device on some
         * systems.  Either way the snapshot is not stored. */
        if (w <= 0)
            return AD_EIO;
        b += w;
        at += w;
        bytes -= (size_t)w;
    }
    return AD_OK;
}

int ad__store_get(ad__store *s, ad_revolve_level lv, size_t slot, double *x)
{
    size_t bytes = s->nx * sizeof(double);
    if (lv == AD_REVOLVE_MEMORY && slot < s->nmem) {
        memcpy(x, s->mem + slot * s->nx, bytes);
        return AD_OK;
    }
    if (lv != AD_REVOLVE_DISK || slot >= s->ndisk)
        return AD_EINVAL;
    char *b = (char *)x;
    off_t at = disk_offset(s, slot);
    while (bytes > 0) {
        ssize_t r = pread(s->fd, b, bytes, at);
        if (r < 0 && errno == EINTR)
            continue;
        /* 0 is the end of the file: the slot was never written whole. */
        if (r <= 0)
            return AD_EIO;
        b += r;
        at += r;
        bytes -= (size_t)r;
    }
    return AD_OK;
}

void ad__store_close(ad__store *s)
{
    free(s->mem);
    s->mem = NULL;
    s->nmem = 0;
    if (s->tmp != NULL)
        fclose(s->tmp);
    else if (s->fd >= 0)
        close(s->fd);
    s->tmp = NULL;
    s->fd = -1;
    s->ndisk = 0;
}
