/* file.c -- saving a tape to a file and loading it back (ad_tape_save,
 * ad_tape_load, ad_tape_write, ad_tape_read).
 *
 * Format, version 1.  Every field is written in the byte order of the
 * machine that wrote it; a reader of the other byte order sees the marker
 * swapped and refuses the file (AD_EFORMAT) rather than guess.
 *
 *   offset  bytes       field
 *   0       8           magic "ADMIXTAP"
 *   8       4   u32     format version (1)
 *   12      4   u32     byte-order marker 0x01020304
 *   16      1   u8      sizeof(uint32_t) = 4
 *   17      1   u8      sizeof(double) = 8
 *   18      6           zero (reserved)
 *   24      8   f64     probe 0x1.0123456789abcp-3 (checks the double format)
 *   32      80  u64x10  n, m, nvar, nseg, ncmp, tmp_need, nop, narg, ncst,
 *                       nval (nval: the values stored, the sum of the
 *                       segments' nvar)
 *   112                 nseg segments, each:
 *                         u32 var0, u32 nvar, u64 nop, u64 narg, u64 ncst
 *                         nop op bytes (var.h)
 *                         narg u32 argument indices
 *                         ncst f64 constants
 *                         nvar f64 values of variables var0 .. var0+nvar-1
 *                       then the outputs: m u32 indices (0: a constant
 *                       output), m f64 values
 *   end - 8     8   u64 FNV-1a (64-bit) of every byte before it
 *
 * The values of index 0 and of the indices between segments (skipped by the
 * recorder so that an array node's results lie in one run of memory) are
 * never read by a sweep, so they are not stored.
 *
 * Loading trusts nothing in the file.  A checksum catches accidents, but a
 * file may also be made by hand (checksum recomputed), so the structure is
 * checked as well, so that no file can make a sweep read outside the tape:
 * every op byte is valid, the node shapes add up to each segment's counts,
 * every argument is an earlier variable of some segment (never index 0 or a
 * skipped index), the inputs and comparisons are as many as the header says,
 * the outputs are valid variables, and sizes are checked against the bytes
 * the file holds before anything is allocated.  A stream that cannot seek
 * (a pipe) is staged in memory as its bytes arrive, so a header that claims
 * more than the stream holds never causes a large allocation either.  On any
 * failure the tape is left empty and cannot be swept.
 *
 * FNV-1a is the Fowler-Noll-Vo hash (Fowler, Noll, Vo; IETF draft
 * draft-eastlake-fnv, "The FNV Non-Cryptographic Hash Algorithm"): per byte,
 * h = (h xor byte) * 0x100000001b3 from h = 0xcbf29ce484222325.  Both steps
 * are bijections of h, so any change confined to one byte always changes
 * the result. */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tape_impl.h"

#define AD__FILE_VERSION 1u
#define AD__FILE_BOM     0x01020304u
#define AD__FILE_SEGHDR  32 /* bytes of a segment's header */
/* No count in a real file comes near this (it would be 2^56 bytes or
 * more); capping counts here keeps every size computed from them far from
 * overflow. */
#define AD__FILE_MAXCOUNT ((uint64_t)1 << 56)

static const char magic[8] = {'A', 'D', 'M', 'I', 'X', 'T', 'A', 'P'};
/* An odd bit pattern with distinct bytes: a double format or byte order
 * that differs from the writer's reads as another number. */
static const double probe = 0x1.0123456789abcp-3;

/* ---- the checksum ------------------------------------------------------- */

#define AD__FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define AD__FNV_PRIME  UINT64_C(0x100000001b3)

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= AD__FNV_PRIME;
    }
    return h;
}

/* ---- the value layout --------------------------------------------------- */

/* One past the last variable of the run of value memory that holds
 * variable i.  This follows the layout described in tape_impl.h (entries of
 * 2^AD__VK values; run r <= AD__VRMAX holds entries 2^r - 1 .. 2^(r+1) - 2,
 * later runs 2^AD__VRMAX entries each); gap_ok() checks it against
 * record.c's own ad__tape_contiguous before relying on it. */
static uint64_t run_end(uint64_t i)
{
    uint64_t e = i >> AD__VK, big = ((uint64_t)2 << AD__VRMAX) - 1, end;
    if (e >= big) {
        end = big + ((((e - big) >> AD__VRMAX) + 1) << AD__VRMAX);
    } else {
        unsigned r = 0;
        while (((uint64_t)2 << r) - 1 <= e)
            r++;
        end = ((uint64_t)2 << r) - 1;
    }
    return end << AD__VK;
}

/* The recorder skips indices only to give a node whose k >= 2 results must
 * lie in one run of memory (an array node, or ad_independent_array) the
 * first place from `from` on where they fit: `from` itself if its run has
 * room, else the start of the first later run that does.  So a segment may
 * start at var0 > from only if var0 is such a run start and no earlier
 * candidate had room for k results.  k may be an upper bound of the real
 * count (the segment's nvar, before its nodes are read); even so, as runs
 * at most double in length, the run allocated at var0 holds at most about
 * twice the values the file gives for the segment, and the skipped runs
 * are never allocated. */
static int gap_ok(const ad_tape *t, uint64_t from, uint64_t var0, uint64_t k)
{
    if (k < 2)
        return 0;
    uint64_t c = from;
    while (c < var0) {
        uint64_t e = run_end(c);
        if (e - c >= k)
            return 0;
        /* The layout must agree with record.c's, or the check means
         * nothing: [c, e) is one run and e starts another. */
        if (e > UINT32_MAX || !ad__tape_contiguous(t, (uint32_t)c, e - c) ||
            ad__tape_contiguous(t, (uint32_t)(e - 1), 2))
            return 0;
        c = e;
    }
    return c == var0;
}

/* ---- writing ------------------------------------------------------------ */

typedef struct wr {
    FILE *f;
    uint64_t h;
    int err;
} wr;

static void put(wr *w, const void *p, size_t n)
{
    if (w->err != AD_OK || n == 0)
        return;
    if (fwrite(p, 1, n, w->f) != n) {
        w->err = AD_EIO;
        return;
    }
    w->h = fnv1a(w->h, p, n);
}

static void put_u32(wr *w, uint32_t v)
{
    put(w, &v, sizeof v);
}

static void put_u64(wr *w, uint64_t v)
{
    put(w, &v, sizeof v);
}

/* Values of variables [i, end), one table entry (a plain array) at a
 * time. */
static void put_values(wr *w, double *const *vt, uint64_t i, uint64_t end)
{
    while (i < end && w->err == AD_OK) {
        uint64_t k = AD__VB - (i & AD__VM);
        if (k > end - i)
            k = end - i;
        put(w, &AD__V(vt, i), (size_t)k * sizeof(double));
        i += k;
    }
}

int ad_tape_write(const ad_tape *t, FILE *out)
{
    if (t == NULL || out == NULL || t->recording || !t->done)
        return AD_EINVAL;
    if (t->ncustom > 0)
        return AD_EUNSUPPORTED; /* custom ops are code, not data */
    wr w = {out, AD__FNV_OFFSET, AD_OK};
    unsigned char sizes[8] = {sizeof(uint32_t), sizeof(double)};
    put(&w, magic, sizeof magic);
    put_u32(&w, AD__FILE_VERSION);
    put_u32(&w, AD__FILE_BOM);
    put(&w, sizes, sizeof sizes);
    put(&w, &probe, sizeof probe);
    uint64_t nval = 0;
    for (size_t k = 0; k < t->nseg; k++)
        nval += t->seg[k].nvar;
    uint64_t counts[10] = {t->n,        t->m,   t->nvar, t->nseg, t->ncmp,
                           t->tmp_need, t->nop, t->narg, t->ncst, nval};
    for (int i = 0; i < 10; i++)
        put_u64(&w, counts[i]);
    for (size_t k = 0; k < t->nseg; k++) {
        const ad__seg *sg = &t->seg[k];
        put_u32(&w, sg->var0);
        put_u32(&w, sg->nvar);
        put_u64(&w, sg->nop);
        put_u64(&w, sg->narg);
        put_u64(&w, sg->ncst);
        put(&w, sg->op, sg->nop);
        put(&w, sg->arg, sg->narg * sizeof(uint32_t));
        put(&w, sg->cst, sg->ncst * sizeof(double));
        put_values(&w, t->vtab, sg->var0, (uint64_t)sg->var0 + sg->nvar);
    }
    put(&w, t->dep, t->m * sizeof(uint32_t));
    put(&w, t->depc, t->m * sizeof(double));
    if (w.err == AD_OK) {
        /* The checksum itself is not part of what it sums. */
        uint64_t h = w.h;
        if (fwrite(&h, 1, sizeof h, out) != sizeof h)
            w.err = AD_EIO;
    }
    if (w.err == AD_OK && (fflush(out) != 0 || ferror(out)))
        w.err = AD_EIO;
    return w.err;
}

/* A name for the temporary file beside path, different at each attempt and
 * unlikely to be taken by another thread or process (the creation is
 * exclusive anyway; this only saves retries). */
static void temp_name(char *buf, size_t size, const char *path,
                      unsigned attempt)
{
    static atomic_uint counter;
    unsigned c = atomic_fetch_add(&counter, 1u);
    uint64_t h = AD__FNV_OFFSET;
    time_t now = time(NULL);
    clock_t ck = clock();
    const void *where = &c;
    h = fnv1a(h, &c, sizeof c);
    h = fnv1a(h, &attempt, sizeof attempt);
    h = fnv1a(h, &now, sizeof now);
    h = fnv1a(h, &ck, sizeof ck);
    h = fnv1a(h, &where, sizeof where);
    snprintf(buf, size, "%s.tmp%08lx", path,
             (unsigned long)(h ^ (h >> 32)) & 0xfffffffful);
}

int ad_tape_save(const ad_tape *t, const char *path)
{
    if (t == NULL || path == NULL || t->recording || !t->done)
        return AD_EINVAL;
    if (t->ncustom > 0)
        return AD_EUNSUPPORTED; /* before creating any file */
    size_t size = strlen(path) + 16;
    char *tmp = malloc(size);
    if (tmp == NULL)
        return AD_ENOMEM;
    /* Write beside the target and rename over it: the target is either
     * the old file or the whole new one, never a partial write. */
    FILE *f = NULL;
    for (unsigned attempt = 0; attempt < 64 && f == NULL; attempt++) {
        temp_name(tmp, size, path, attempt);
        errno = 0;
        f = fopen(tmp, "wbx");
#ifdef EEXIST
        if (f == NULL && errno != EEXIST)
            break; /* not a name clash: another name will not help */
#endif
    }
    if (f == NULL) {
        free(tmp);
        return AD_EIO;
    }
    int rc = ad_tape_write(t, f);
    if (fclose(f) != 0 && rc == AD_OK)
        rc = AD_EIO;
    if (rc == AD_OK && rename(tmp, path) != 0)
        rc = AD_EIO;
    if (rc != AD_OK)
        remove(tmp);
    free(tmp);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

/* The source: a stream (seekable, so its size is known), or the stream's
 * bytes staged in memory. */
typedef struct rd {
    FILE *f;
    const unsigned char *mem; /* staged bytes, or NULL to read f */
    uint64_t left;            /* bytes left in the source */
    uint64_t h;               /* FNV-1a of the bytes read so far */
} rd;

/* Reads n bytes into p.  A short read is a truncated file, unless the
 * stream reports an error. */
static int get(rd *r, void *p, size_t n)
{
    if (n == 0)
        return AD_OK;
    if (r->mem != NULL) {
        if (n > r->left)
            return AD_EFORMAT;
        memcpy(p, r->mem, n);
        r->mem += n;
    } else if (fread(p, 1, n, r->f) != n) {
        return ferror(r->f) ? AD_EIO : AD_EFORMAT;
    }
    /* A file that grows while it is read is not trusted beyond the size
     * it had. */
    r->left = r->left > n ? r->left - n : 0;
    r->h = fnv1a(r->h, p, n);
    return AD_OK;
}

static int get_u32(rd *r, uint32_t *v)
{
    return get(r, v, sizeof *v);
}

static int get_u64(rd *r, uint64_t *v)
{
    return get(r, v, sizeof *v);
}

/* The header's counts, named. */
typedef struct hdr {
    uint64_t n, m, nvar, nseg, ncmp, tmp_need, nop, narg, ncst, nval;
} hdr;

/* State of a load between segments. */
typedef struct ld {
    ad_tape *t;
    uint64_t end;     /* one past the last variable so far (1 at first) */
    uint64_t end_all; /* the same, counting the segment being checked */
    size_t ngap;      /* gaps between segments so far */
    uint64_t nin;     /* INDEP nodes so far */
    uint64_t ncmp;    /* comparison nodes so far */
    uint64_t narr;    /* array nodes so far */
    size_t tmp_max;   /* the largest scratch an array node needs */
} ld;

/* 1 if variable i is the result of a node of some segment loaded so far,
 * 0 if it is index 0 or lies in a gap between segments. */
static int var_exists(const ld *L, uint64_t i)
{
    const ad_tape *t = L->t;
    if (L->ngap == 0)
        return i >= 1 && i < L->end_all;
    /* The last segment whose var0 <= i. */
    size_t lo = 0, hi = t->nseg;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->seg[mid].var0 <= i)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    const ad__seg *sg = &t->seg[lo - 1];
    return i < (uint64_t)sg->var0 + sg->nvar;
}

static int var_ok(const void *ctx, uint32_t i)
{
    return var_exists(ctx, i);
}

/* An array node (code, args at a, constants from ci on, first result r, nr
 * results): its results in one run of memory, as the recorder puts them
 * (the sweeps address them as one array), and its layout and indices
 * checked by array.c; the largest scratch need is kept for tmp_need. */
static int check_array(ld *L, unsigned code, const uint32_t *a,
                       size_t ncst_avail, uint32_t r, size_t nr)
{
    size_t tmp;
    if (nr > 0 && !ad__tape_contiguous(L->t, r, nr))
        return AD_EFORMAT;
    if (ad__array_check(code, a, ncst_avail, r, var_ok, L, &tmp) != 0)
        return AD_EFORMAT;
    if (tmp > L->tmp_max)
        L->tmp_max = tmp;
    return AD_OK;
}

/* Checks the nodes of the segment just read (t->seg[t->nseg - 1]): valid
 * op bytes whose shapes use exactly the segment's args, constants and
 * results, and arguments that are earlier variables. */
static int check_nodes(ld *L, const ad__seg *sg)
{
    size_t ai = 0, ci = 0;
    uint64_t r = sg->var0, end = (uint64_t)sg->var0 + sg->nvar;
    for (size_t k = 0; k < sg->nop; k++) {
        uint8_t op = sg->op[k];
        unsigned code = op & AD__CODE, var = op & ~AD__CODE;
        size_t na, nc, nr;
        if (code == AD__OP_CUSTOM || /* no file holds one: see ad_tape_write */
            ad__node_shape(op, sg->arg + ai, sg->narg - ai, &na, &nc, &nr) !=
                0 ||
            na > sg->narg - ai || nc > sg->ncst - ci || nr > end - r)
            return AD_EFORMAT;
        const uint32_t *a = sg->arg + ai;
        const double *c = sg->cst + ci;
        if (code >= AD__OP_DOT && code <= AD__OP_MAP) {
            int rc = check_array(L, code, a, sg->ncst - ci, (uint32_t)r, nr);
            if (rc != AD_OK)
                return rc;
            L->narr++;
            L->t->narray++;
        } else if (code == AD__OP_INDEPS) {
            /* A block of inputs, in one run as the recorder puts it. */
            if (!ad__tape_contiguous(L->t, (uint32_t)r, nr))
                return AD_EFORMAT;
            L->nin += nr;
        } else {
            for (size_t j = 0; j < na; j++)
                if (a[j] == 0 || a[j] >= r ||
                    (a[j] < sg->var0 && !var_exists(L, a[j])))
                    return AD_EFORMAT;
            if (code == AD__OP_INDEP) {
                L->nin++;
            } else if (code >= AD__OP_LT && code <= AD__OP_EQ) {
                /* The recorded outcome is the node's last constant. */
                if (c[nc - 1] != 0.0 && c[nc - 1] != 1.0)
                    return AD_EFORMAT;
                L->ncmp++;
            } else if (code < AD_OP_COUNT && var == 0 && nc == 1) {
                /* A primitive's parameter is an int (powi's exponent). */
                double p = c[0];
                if (!(p >= INT_MIN && p <= INT_MAX) || (double)(int)p != p)
                    return AD_EFORMAT;
            }
        }
        ai += na;
        ci += nc;
        r += nr;
    }
    return ai == sg->narg && ci == sg->ncst && r == end ? AD_OK : AD_EFORMAT;
}

/* Reads values of variables [i, end) into the tape's table. */
static int get_values(rd *r, double **vt, uint64_t i, uint64_t end)
{
    while (i < end) {
        uint64_t k = AD__VB - (i & AD__VM);
        if (k > end - i)
            k = end - i;
        int rc = get(r, &AD__V(vt, i), (size_t)k * sizeof(double));
        if (rc != AD_OK)
            return rc;
        i += k;
    }
    return AD_OK;
}

/* One segment: its header, checked against the file before anything is
 * allocated, then its streams, nodes and values. */
static int load_segment(ld *L, rd *r, hdr *rest)
{
    ad_tape *t = L->t;
    uint32_t var0, nvar;
    uint64_t nop, narg, ncst;
    int rc;
    if ((rc = get_u32(r, &var0)) != AD_OK ||
        (rc = get_u32(r, &nvar)) != AD_OK || (rc = get_u64(r, &nop)) != AD_OK ||
        (rc = get_u64(r, &narg)) != AD_OK || (rc = get_u64(r, &ncst)) != AD_OK)
        return rc;
    /* The header's totals were checked against the file's size, so
     * holding each segment to what is left of them bounds it too. */
    if (nop == 0 || nop > rest->nop || narg > rest->narg || ncst > rest->ncst ||
        nvar > rest->nval || var0 < L->end ||
        (uint64_t)var0 + nvar > rest->nvar)
        return AD_EFORMAT;
    if (var0 > L->end && !gap_ok(t, L->end, var0, nvar))
        return AD_EFORMAT;
    rest->nop -= nop;
    rest->narg -= narg;
    rest->ncst -= ncst;
    rest->nval -= nvar;
    uint8_t *op;
    uint32_t *arg;
    double *cst;
    rc = ad__tape_load_segment(t, var0, nvar, (size_t)nop, (size_t)narg,
                               (size_t)ncst, &op, &arg, &cst);
    if (rc != AD_OK)
        return rc;
    if ((rc = get(r, op, (size_t)nop)) != AD_OK ||
        (rc = get(r, arg, (size_t)narg * sizeof(uint32_t))) != AD_OK ||
        (rc = get(r, cst, (size_t)ncst * sizeof(double))) != AD_OK)
        return rc;
    const ad__seg *sg = &t->seg[t->nseg - 1];
    if (var0 > L->end) {
        /* Now that the nodes are known, the gap must fit the node that
         * caused it: an array node (its result count) or a run of inputs
         * from ad_independent_array (at most that many). */
        uint64_t k = 0;
        unsigned code = op[0] & AD__CODE;
        if (code == AD__OP_INDEP) {
            while (k < nop && op[k] == AD__OP_INDEP)
                k++;
        } else if (code == AD__OP_INDEPS && narg >= 1) {
            k = arg[0];
        } else if (code >= AD__OP_DOT && code <= AD__OP_MAP && narg >= 2) {
            k = arg[1];
        }
        if (!gap_ok(t, L->end, var0, k))
            return AD_EFORMAT;
        L->ngap++;
    }
    L->end_all = (uint64_t)var0 + nvar;
    if ((rc = check_nodes(L, sg)) != AD_OK)
        return rc;
    if ((rc = get_values(r, t->vtab, var0, (uint64_t)var0 + nvar)) != AD_OK)
        return rc;
    L->end = (uint64_t)var0 + nvar;
    return AD_OK;
}

/* The fixed header: identity, byte order, version, sizes, counts. */
static int load_header(rd *r, hdr *H)
{
    char mg[8];
    uint32_t version, bom;
    unsigned char sizes[8];
    double pr;
    int rc;
    if ((rc = get(r, mg, sizeof mg)) != AD_OK)
        return rc;
    if (memcmp(mg, magic, sizeof mg) != 0)
        return AD_EFORMAT; /* not an admix tape */
    if ((rc = get_u32(r, &version)) != AD_OK ||
        (rc = get_u32(r, &bom)) != AD_OK)
        return rc;
    /* The marker first: in the other byte order the version would read
     * wrong too.  0x04030201 here means the file was written on a machine
     * of the other byte order; anything else, that it is damaged. */
    if (bom != AD__FILE_BOM)
        return AD_EFORMAT;
    if (version != AD__FILE_VERSION)
        return AD_EFORMAT;
    if ((rc = get(r, sizes, sizeof sizes)) != AD_OK ||
        (rc = get(r, &pr, sizeof pr)) != AD_OK)
        return rc;
    static const unsigned char want[8] = {sizeof(uint32_t), sizeof(double)};
    if (memcmp(sizes, want, sizeof want) != 0 ||
        memcmp(&pr, &probe, sizeof pr) != 0)
        return AD_EFORMAT;
    uint64_t *c[10] = {&H->n,        &H->m,   &H->nvar, &H->nseg, &H->ncmp,
                       &H->tmp_need, &H->nop, &H->narg, &H->ncst, &H->nval};
    for (int i = 0; i < 10; i++) {
        if ((rc = get_u64(r, c[i])) != AD_OK)
            return rc;
        if (*c[i] > AD__FILE_MAXCOUNT)
            return AD_EFORMAT;
    }
    /* Counts that contradict each other, or that no recording makes
     * (every segment holds a node; index 0 is never a variable, so a
     * recording has nvar >= 1). */
    if (H->nvar < 1 || H->nvar > (uint64_t)UINT32_MAX - AD__VB ||
        H->n > H->nvar || H->nval >= H->nvar || H->nseg > H->nop ||
        (H->nseg == 0) != (H->nop == 0) || H->ncmp > H->nop)
        return AD_EFORMAT;
    return AD_OK;
}

/* Bytes after the header that the counts of H call for. */
static uint64_t body_size(const hdr *H)
{
    return H->nseg * AD__FILE_SEGHDR + H->nop + H->narg * 4 + H->ncst * 8 +
           H->nval * 8 + H->m * 12 + 8;
}

/* Reads the body of stream f into memory as it arrives (never more than
 * twice what it delivers), for streams whose size is unknown. */
static int stage(FILE *f, uint64_t size, unsigned char **out)
{
    size_t cap = size < 65536 ? (size_t)size : 65536, got = 0;
    unsigned char *buf = malloc(cap);
    if (buf == NULL)
        return AD_ENOMEM;
    while (got < size) {
        if (got == cap) {
            size_t nc = (uint64_t)cap * 2 < size ? cap * 2 : (size_t)size;
            unsigned char *nb = realloc(buf, nc);
            if (nb == NULL) {
                free(buf);
                return AD_ENOMEM;
            }
            buf = nb;
            cap = nc;
        }
        size_t k = fread(buf + got, 1, cap - got, f);
        if (k == 0) {
            int rc = ferror(f) ? AD_EIO : AD_EFORMAT;
            free(buf);
            return rc;
        }
        got += k;
    }
    *out = buf;
    return AD_OK;
}

static int load(ad_tape *t, FILE *in)
{
    rd r = {in, NULL, UINT64_MAX, AD__FNV_OFFSET};
    /* The bytes left in a seekable stream bound every count before it is
     * used; a stream that cannot seek has its body staged instead. */
    int seekable = 0;
    long pos = ftell(in);
    if (pos >= 0 && fseek(in, 0, SEEK_END) == 0) {
        long size = ftell(in);
        if (size < 0 || fseek(in, pos, SEEK_SET) != 0)
            return AD_EIO; /* the stream is now at an unknown place */
        r.left = size >= pos ? (uint64_t)(size - pos) : 0;
        seekable = 1;
    } else {
        clearerr(in);
    }
    hdr H;
    int rc = load_header(&r, &H);
    if (rc != AD_OK)
        return rc;
    uint64_t body = body_size(&H);
    if (seekable && body > r.left)
        return AD_EFORMAT; /* truncated, or the counts are wrong */
    uint64_t need = H.nop + H.narg * 4 + H.ncst * 8 + H.nval * 8 + H.m * 12;
    if ((t->limit != 0 && need > t->limit) || body > SIZE_MAX)
        return AD_ENOMEM;
    unsigned char *staged = NULL;
    if (!seekable) {
        if ((rc = stage(in, body, &staged)) != AD_OK)
            return rc;
        r.mem = staged;
        r.left = body;
    }
    ld L = {t, 1, 1, 0, 0, 0, 0, 0};
    hdr rest = H;
    uint32_t *dep = NULL;
    double *depc = NULL;
    for (uint64_t k = 0; k < H.nseg && rc == AD_OK; k++)
        rc = load_segment(&L, &r, &rest);
    if (rc != AD_OK)
        goto out;
    rc = AD_EFORMAT;
    if (rest.nop != 0 || rest.narg != 0 || rest.ncst != 0 || rest.nval != 0 ||
        L.end != H.nvar || L.nin != H.n || L.ncmp != H.ncmp ||
        H.tmp_need != L.tmp_max)
        goto out;
    size_t m = (size_t)H.m;
    dep = malloc(m ? m * sizeof *dep : 1);
    depc = malloc(m ? m * sizeof *depc : 1);
    if (dep == NULL || depc == NULL) {
        rc = AD_ENOMEM;
        goto out;
    }
    if ((rc = get(&r, dep, m * sizeof *dep)) != AD_OK ||
        (rc = get(&r, depc, m * sizeof *depc)) != AD_OK)
        goto out;
    rc = AD_EFORMAT;
    for (size_t j = 0; j < m; j++)
        if (dep[j] != 0 && (dep[j] >= H.nvar || !var_exists(&L, dep[j])))
            goto out;
    uint64_t sum = r.h, stored;
    if ((rc = get_u64(&r, &stored)) != AD_OK)
        goto out;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* A fuzzing build (tests/fuzz/run) takes any checksum, so that mutated
     * files get past it to the sweeps; every check above still runs. */
    stored = sum;
#endif
    if (stored != sum) {
        rc = AD_EFORMAT;
        goto out;
    }
    if ((rc = ad__tape_load_outputs(t, m, dep, depc)) != AD_OK)
        goto out;
    t->n = (size_t)H.n;
    t->ncmp = (size_t)H.ncmp;
    t->tmp_need = (size_t)H.tmp_need;
    t->nvar = (size_t)H.nvar;
    t->status = AD_OK;
    t->done = 1;
out:
    free(dep);
    free(depc);
    free(staged);
    return rc;
}

int ad_tape_read(ad_tape *t, FILE *in)
{
    if (t == NULL || in == NULL || t->recording)
        return AD_EINVAL;
    ad__tape_reset(t);
    int rc = load(t, in);
    if (rc != AD_OK)
        ad__tape_reset(t);
    return rc;
}

int ad_tape_load(ad_tape *t, const char *path)
{
    if (t == NULL || path == NULL || t->recording)
        return AD_EINVAL;
    ad__tape_reset(t);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return AD_EIO;
    int rc = ad_tape_read(t, f);
    /* A file holds one tape: bytes after it mean the file is not what
     * was saved. */
    if (rc == AD_OK && fgetc(f) != EOF)
        rc = AD_EFORMAT;
    if (rc == AD_OK && ferror(f))
        rc = AD_EIO;
    fclose(f);
    if (rc != AD_OK)
        ad__tape_reset(t);
    return rc;
}
