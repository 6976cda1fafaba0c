/* test_tape_file.c -- saving and loading tapes (modes/reverse/file.c).
 *
 * A loaded tape must sweep exactly like the one that was saved: every
 * sweep is compared bit for bit with the original, at the recorded point
 * and at new ones, including a point where a recorded comparison flips.
 * Every damaged file must be refused with AD_EFORMAT (or AD_EIO) and leave
 * the tape empty: truncation at every byte, a changed byte at every offset,
 * and hand-made files whose checksum is right but whose structure is not.
 * The file layout used to make those is the table at the top of file.c. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <admix.h>

#include "tape_impl.h" /* internal: ad__node_shape, op codes */

/* ---- a scratch directory per test ---------------------------------------- */

static char dir[64];

static void make_dir(void)
{
    strcpy(dir, "/tmp/admix-tape-XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
}

/* Removes every file of the scratch directory, then the directory. */
static void remove_dir(void)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (remove(p) != 0)
            rmdir(p);
    }
    closedir(d);
    rmdir(dir);
}

/* The number of entries in the scratch directory (not . and ..). */
static int count_files(void)
{
    DIR *d = opendir(dir);
    cr_assert(d != NULL);
    int k = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            k++;
    closedir(d);
    return k;
}

static const char *path_of(const char *name)
{
    static char p[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

TestSuite(tape_file, .init = make_dir, .fini = remove_dir);

/* ---- files as bytes --------------------------------------------------------
 */

static unsigned char *read_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "%s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    cr_assert(n > 0);
    rewind(f);
    unsigned char *b = malloc((size_t)n);
    cr_assert(b != NULL);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void write_bytes(const char *path, const void *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "%s", path);
    cr_assert_eq(fwrite(b, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

/* The bytes ad_tape_save writes for t. */
static unsigned char *save_bytes(const ad_tape *t, size_t *len)
{
    const char *p = path_of("bytes.tape");
    cr_assert_eq(ad_tape_save(t, p), AD_OK);
    unsigned char *b = read_bytes(p, len);
    remove(p);
    return b;
}

/* Loads bytes through a memory stream (ad_tape_read). */
static int read_mem(ad_tape *t, const unsigned char *b, size_t len)
{
    FILE *f = fmemopen((void *)b, len, "rb");
    cr_assert(f != NULL);
    int rc = ad_tape_read(t, f);
    fclose(f);
    return rc;
}

/* The test's own FNV-1a (64-bit), to remake the checksum of a file
 * changed on purpose. */
static void fix_checksum(unsigned char *b, size_t len)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len - 8; i++) {
        h ^= b[i];
        h *= UINT64_C(0x100000001b3);
    }
    memcpy(b + len - 8, &h, 8);
}

static void put_u32(unsigned char *b, size_t at, uint32_t v)
{
    memcpy(b + at, &v, 4);
}
static void put_u64(unsigned char *b, size_t at, uint64_t v)
{
    memcpy(b + at, &v, 8);
}
static uint32_t get_u32(const unsigned char *b, size_t at)
{
    uint32_t v;
    memcpy(&v, b + at, 4);
    return v;
}
static uint64_t get_u64(const unsigned char *b, size_t at)
{
    uint64_t v;
    memcpy(&v, b + at, 8);
    return v;
}

/* Header counts, in file order (file.c). */
enum { C_N, C_M, C_NVAR, C_NSEG, C_NCMP, C_TMP, C_NOP, C_NARG, C_NCST, C_NVAL };
#define COUNT_AT(i) (32 + 8 * (size_t)(i))

/* Where the parts of a file are. */
#define MAXSEG 8
typedef struct layout {
    size_t nseg;
    size_t seg[MAXSEG], op[MAXSEG], arg[MAXSEG], cst[MAXSEG], val[MAXSEG];
    uint32_t var0[MAXSEG], nvar[MAXSEG];
    uint64_t nop[MAXSEG], narg[MAXSEG], ncst[MAXSEG];
    size_t dep, depc, sum;
} layout;

static layout parse(const unsigned char *b, size_t len)
{
    layout L;
    memset(&L, 0, sizeof L);
    L.nseg = (size_t)get_u64(b, COUNT_AT(C_NSEG));
    cr_assert(L.nseg <= MAXSEG);
    size_t at = 112;
    for (size_t k = 0; k < L.nseg; k++) {
        L.seg[k] = at;
        L.var0[k] = get_u32(b, at);
        L.nvar[k] = get_u32(b, at + 4);
        L.nop[k] = get_u64(b, at + 8);
        L.narg[k] = get_u64(b, at + 16);
        L.ncst[k] = get_u64(b, at + 24);
        L.op[k] = at + 32;
        L.arg[k] = L.op[k] + L.nop[k];
        L.cst[k] = L.arg[k] + 4 * L.narg[k];
        L.val[k] = L.cst[k] + 8 * L.ncst[k];
        at = L.val[k] + 8 * (size_t)L.nvar[k];
    }
    uint64_t m = get_u64(b, COUNT_AT(C_M));
    L.dep = at;
    L.depc = at + 4 * m;
    L.sum = L.depc + 8 * m;
    cr_assert_eq(L.sum + 8, len);
    return L;
}

/* A node of segment k: where its op byte, args and constants are, and its
 * first result. */
typedef struct nodepos {
    size_t op, arg, cst;
    uint32_t r;
    uint8_t code;
} nodepos;

/* The first node of segment k whose op byte is `op`. */
static nodepos find_node(const unsigned char *b, const layout *L, size_t k,
                         uint8_t op)
{
    size_t ai = 0, ci = 0;
    uint32_t r = L->var0[k];
    uint32_t *arg = malloc(4 * L->narg[k] + 4);
    cr_assert(arg != NULL);
    memcpy(arg, b + L->arg[k], 4 * L->narg[k]);
    for (size_t i = 0; i < L->nop[k]; i++) {
        size_t na, nc, nr;
        uint8_t o = b[L->op[k] + i];
        cr_assert_eq(
            ad__node_shape(o, arg + ai, L->narg[k] - ai, &na, &nc, &nr), 0);
        if (o == op) {
            nodepos p = {L->op[k] + i, L->arg[k] + 4 * ai, L->cst[k] + 8 * ci,
                         r, o};
            free(arg);
            return p;
        }
        ai += na;
        ci += nc;
        r += (uint32_t)nr;
    }
    free(arg);
    cr_assert_fail("op 0x%02x not found in segment %zu", op, k);
    nodepos none = {0, 0, 0, 0, 0};
    return none;
}

/* ---- tapes to save
 * ----------------------------------------------------------- */

/* A small function of 3 inputs and 4 outputs (one of them constant) that
 * uses one- and two-argument nodes, both constant variants, powi's
 * parameter, a select and two comparisons (one with a constant side). */
static void record_small(ad_tape *t, const double *x)
{
    cr_assert_eq(ad_tape_begin(t), AD_OK);
    ad_var x0 = ad_independent(x[0]), x1 = ad_independent(x[1]);
    ad_var x2 = ad_independent(x[2]);
    ad_var y0 = ad_add(ad_sin(ad_mul(x0, x1)), ad_div(ad_exp(x2), x0));
    ad_var y1;
    if (ad_lt(x0, x1))
        y1 = ad_mul(ad_powi(x1, 3), ad_hypot(x0, x2));
    else
        y1 = ad_sub(x0, ad_log(x1));
    ad_var d = ad_sub(2.0, x2);
    ad_var e = ad_pow(x0, 1.5);
    ad_var s = ad_select(ad_sub(x2, 0.5), d, e);
    if (ad_gt(x2, 0.125))
        s = ad_add(s, ad_atan2(x1, x2));
    ad_dependent(y0);
    ad_dependent(y1);
    ad_dependent(ad_const(ad_var, 2.5));
    ad_dependent(s);
    cr_assert_eq(ad_tape_end(t), AD_OK);
}

static const double x_rec[3] = {0.7, 1.3, 0.9};
/* New points: the same branches; the select's other side; x0 < x1 flips
 * (comparison 0); x2 > 0.125 flips (comparison 1). */
static const double x_new[][3] = {
    {0.4, 1.9, 0.6}, {0.55, 2.2, 0.35}, {1.6, 1.1, 0.9}, {0.4, 1.9, 0.1}};

/* A long chain over 8 inputs: 3 nodes per step, 300k nodes in all, spread
 * over several segments (the constants' blocks fill first). */
static void record_long(ad_tape *t, size_t steps)
{
    double x[8];
    ad_var v[8];
    for (int i = 0; i < 8; i++)
        x[i] = 0.3 + 0.17 * i;
    cr_assert_eq(ad_tape_begin(t), AD_OK);
    for (int i = 0; i < 8; i++)
        v[i] = ad_independent(x[i]);
    ad_var acc = v[0];
    for (size_t k = 0; k < steps; k++)
        acc = ad_add(ad_mul(acc, 0.999995), ad_sin(v[k % 8]));
    ad_dependent(acc);
    ad_dependent(ad_tanh(acc));
    cr_assert_eq(ad_tape_end(t), AD_OK);
}

/* One input, then 5000 inputs that must lie in one run of memory: the
 * recorder skips the rest of the first run, leaving a gap of indices
 * between two segments. */
#define NGAP 5000
static void record_gap(ad_tape *t)
{
    static double x[NGAP];
    static ad_var v[NGAP];
    for (int i = 0; i < NGAP; i++)
        x[i] = 1.0 + 0.001 * i;
    cr_assert_eq(ad_tape_begin(t), AD_OK);
    ad_var a = ad_independent(0.75);
    cr_assert_eq(ad_independent_array(NGAP, x, v), AD_OK);
    ad_var s = ad_mul(a, v[0]);
    for (int i = 1; i < NGAP; i += 7)
        s = ad_add(s, ad_mul(v[i], a));
    ad_dependent(s);
    cr_assert_eq(ad_tape_end(t), AD_OK);
}

/* ---- comparing two tapes sweep by sweep ---------------------------------- */

static void same_bits(const double *a, const double *b, size_t k,
                      const char *what)
{
    for (size_t i = 0; i < k; i++)
        cr_expect(memcmp(&a[i], &b[i], sizeof(double)) == 0,
                  "%s[%zu]: %a != %a", what, i, a[i], b[i]);
}

static void expect_same_stats(const ad_tape *a, const ad_tape *b)
{
    ad_tape_info ia, ib;
    ad_tape_stats(a, &ia);
    ad_tape_stats(b, &ib);
    cr_expect_eq(ia.ops, ib.ops);
    cr_expect_eq(ia.args, ib.args);
    cr_expect_eq(ia.consts, ib.consts);
    cr_expect_eq(ia.vars, ib.vars);
    cr_expect_eq(ia.n, ib.n);
    cr_expect_eq(ia.m, ib.m);
    cr_expect_eq(ia.comparisons, ib.comparisons);
    cr_expect_eq(ia.segments, ib.segments);
    cr_expect_eq(ia.bytes, ib.bytes);
    cr_expect_eq(ib.status, AD_OK);
}

/* Every sweep of a and b at x (NULL: the recorded point) gives the same
 * status and the same bits; a flipped comparison is reported the same. */
static void expect_same_sweeps(ad_tape *a, ad_tape *b, const double *x)
{
    ad_tape_info info;
    ad_tape_stats(a, &info);
    size_t n = info.n, m = info.m;
    double *ya = calloc(m + 1, 8), *yb = calloc(m + 1, 8);
    double *ga = calloc(n + 1, 8), *gb = calloc(n + 1, 8);
    double *v = calloc(n + 1, 8), *w = calloc(m + 1, 8);
    double *Ja = calloc(n * m + 1, 8), *Jb = calloc(n * m + 1, 8);
    cr_assert(ya && yb && ga && gb && v && w && Ja && Jb);
    for (size_t i = 0; i < n; i++)
        v[i] = 1.25 - 0.375 * (double)i;
    for (size_t j = 0; j < m; j++)
        w[j] = 0.3 + 0.9 * (double)j;

    int ra = ad_tape_eval(a, x, ya);
    long fa = ad_tape_last_flip();
    int rb = ad_tape_eval(b, x, yb);
    long fb = ad_tape_last_flip();
    cr_expect_eq(ra, rb, "eval: %d != %d", ra, rb);
    if (x != NULL)
        cr_expect_eq(fa, fb, "flip: %ld != %ld", fa, fb);
    if (ra == AD_OK)
        same_bits(ya, yb, m, "eval");

    if (m > 0) {
        ra = ad_tape_gradient(a, x, ga);
        rb = ad_tape_gradient(b, x, gb);
        cr_expect_eq(ra, rb, "gradient: %d != %d", ra, rb);
        if (ra == AD_OK)
            same_bits(ga, gb, n, "gradient");
    }

    ra = ad_tape_jvp(a, x, v, ya, Ja);
    rb = ad_tape_jvp(b, x, v, yb, Jb);
    cr_expect_eq(ra, rb, "jvp: %d != %d", ra, rb);
    if (ra == AD_OK) {
        same_bits(ya, yb, m, "jvp y");
        same_bits(Ja, Jb, m, "jvp");
    }

    ra = ad_tape_vjp(a, x, w, ya, ga);
    rb = ad_tape_vjp(b, x, w, yb, gb);
    cr_expect_eq(ra, rb, "vjp: %d != %d", ra, rb);
    if (ra == AD_OK) {
        same_bits(ya, yb, m, "vjp y");
        same_bits(ga, gb, n, "vjp");
    }

    if (n * m <= 64) {
        ra = ad_tape_jacobian(a, x, Ja);
        rb = ad_tape_jacobian(b, x, Jb);
        cr_expect_eq(ra, rb, "jacobian: %d != %d", ra, rb);
        if (ra == AD_OK)
            same_bits(Ja, Jb, n * m, "jacobian");
    }
    free(ya), free(yb), free(ga), free(gb), free(v), free(w), free(Ja),
        free(Jb);
}

/* A tape that holds nothing sweepable. */
static void expect_empty(ad_tape *t)
{
    double y[8], g[8];
    cr_expect_eq(ad_tape_gradient(t, NULL, g), AD_EINVAL);
    cr_expect_eq(ad_tape_eval(t, NULL, y), AD_EINVAL);
    ad_tape_info info;
    ad_tape_stats(t, &info);
    cr_expect_eq(info.ops, 0);
    cr_expect_eq(info.m, 0);
    cr_expect_eq(info.n, 0);
    cr_expect_eq(info.segments, 0);
}

/* ---- round trips ------------------------------------------------------------
 */

Test(tape_file, round_trip_small)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    record_small(a, x_rec);
    const char *p = path_of("small.tape");
    cr_assert_eq(ad_tape_save(a, p), AD_OK);
    cr_assert_eq(ad_tape_load(b, p), AD_OK);
    expect_same_stats(a, b);
    expect_same_sweeps(a, b, NULL);
    for (size_t i = 0; i < sizeof x_new / sizeof x_new[0]; i++)
        expect_same_sweeps(a, b, x_new[i]);

    /* The derivative itself, against the formula: y0 = sin(x0 x1) +
     * exp(x2) / x0. */
    const double *pts[2] = {x_rec, x_new[1]};
    for (int k = 0; k < 2; k++) {
        const double *x = pts[k];
        double g[3], want[3];
        double c = cos(x[0] * x[1]), e = exp(x[2]);
        want[0] = x[1] * c - e / (x[0] * x[0]);
        want[1] = x[0] * c;
        want[2] = e / x[0];
        cr_assert_eq(ad_tape_gradient(b, k == 0 ? NULL : x, g), AD_OK);
        for (int i = 0; i < 3; i++)
            cr_expect(fabs(g[i] - want[i]) <= 1e-14 * fabs(want[i]),
                      "point %d, dy0/dx%d = %.17g, want %.17g", k, i, g[i],
                      want[i]);
    }

    /* The flips survive: comparison 0 at x_new[2], 1 at x_new[3]. */
    double y[4];
    cr_expect_eq(ad_tape_eval(b, x_new[2], y), AD_ERETAPE);
    cr_expect_eq(ad_tape_last_flip(), 0);
    cr_expect_eq(ad_tape_eval(b, x_new[3], y), AD_ERETAPE);
    cr_expect_eq(ad_tape_last_flip(), 1);
    cr_expect_eq(ad_tape_eval(b, x_new[0], y), AD_OK);
    cr_expect_eq(y[2], 2.5);

    /* A loaded tape saves to the same bytes. */
    size_t la, lb;
    unsigned char *ba = save_bytes(a, &la), *bb = save_bytes(b, &lb);
    cr_expect_eq(la, lb);
    cr_expect(la == lb && memcmp(ba, bb, la) == 0);
    cr_expect(memcmp(ba, "ADMIXTAP", 8) == 0);
    free(ba);
    free(bb);
    ad_tape_free(a);
    ad_tape_free(b);
}

Test(tape_file, load_into_used_tape_and_record_again)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    record_small(a, x_rec);
    const char *p = path_of("small.tape");
    cr_assert_eq(ad_tape_save(a, p), AD_OK);

    /* b held a bigger recording; loading replaces it and reuses its
     * storage, and loading again costs no more memory. */
    record_long(b, 20000);
    cr_assert_eq(ad_tape_load(b, p), AD_OK);
    expect_same_stats(a, b);
    expect_same_sweeps(a, b, NULL);
    expect_same_sweeps(a, b, x_new[0]);
    expect_same_sweeps(a, b, x_new[2]);
    ad_tape_info i1, i2;
    ad_tape_stats(b, &i1);
    for (int k = 0; k < 5; k++)
        cr_assert_eq(ad_tape_load(b, p), AD_OK);
    ad_tape_stats(b, &i2);
    cr_expect_eq(i1.alloc_bytes, i2.alloc_bytes);
    expect_same_sweeps(a, b, x_new[1]);

    /* A loaded tape records again like any other: the example of tape.h. */
    cr_assert_eq(ad_tape_begin(b), AD_OK);
    ad_var x = ad_independent(2.0);
    ad_dependent(ad_sin(ad_sqr(x)));
    cr_assert_eq(ad_tape_end(b), AD_OK);
    double g;
    cr_assert_eq(ad_tape_gradient(b, NULL, &g), AD_OK);
    cr_expect(fabs(g - 4.0 * cos(4.0)) <= 1e-15 * 4.0, "%.17g", g);
    ad_tape_free(a);
    ad_tape_free(b);
}

Test(tape_file, round_trip_long_tape_many_segments)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    record_long(a, 100000);
    ad_tape_info info;
    ad_tape_stats(a, &info);
    cr_assert_eq(info.ops, 8 + 3 * 100000 + 1);
    cr_assert(info.segments > 1, "%zu segments", info.segments);
    const char *p = path_of("long.tape");
    cr_assert_eq(ad_tape_save(a, p), AD_OK);
    cr_assert_eq(ad_tape_load(b, p), AD_OK);
    expect_same_stats(a, b);
    expect_same_sweeps(a, b, NULL);
    double x[8];
    for (int i = 0; i < 8; i++)
        x[i] = 0.9 - 0.11 * i;
    expect_same_sweeps(a, b, x);
    ad_tape_free(a);
    ad_tape_free(b);
}

Test(tape_file, round_trip_gap_between_segments)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    record_gap(a);
    ad_tape_info info;
    ad_tape_stats(a, &info);
    cr_assert(info.vars > NGAP + 1 + 100, "no gap: %zu vars", info.vars);
    size_t len;
    unsigned char *bytes = save_bytes(a, &len);
    layout L = parse(bytes, len);
    cr_assert(L.nseg >= 2);
    cr_assert(L.var0[1] > L.var0[0] + L.nvar[0], "no gap");
    cr_assert_eq(read_mem(b, bytes, len), AD_OK);
    expect_same_stats(a, b);
    expect_same_sweeps(a, b, NULL);
    double *x = malloc((NGAP + 1) * sizeof *x);
    cr_assert(x != NULL);
    for (int i = 0; i <= NGAP; i++)
        x[i] = 0.5 + 0.0003 * i;
    expect_same_sweeps(a, b, x);

    /* An argument in the gap is refused; the variable before it is not. */
    nodepos q = find_node(bytes, &L, 1, AD_OP_MUL);
    unsigned char *c = malloc(len);
    cr_assert(c != NULL);
    memcpy(c, bytes, len);
    put_u32(c, q.arg + 4, L.var0[0] + L.nvar[0]);
    fix_checksum(c, len);
    cr_expect_eq(read_mem(b, c, len), AD_EFORMAT);
    expect_empty(b);
    put_u32(c, q.arg + 4, L.var0[0] + L.nvar[0] - 1);
    fix_checksum(c, len);
    cr_expect_eq(read_mem(b, c, len), AD_OK);
    /* A segment that starts elsewhere in the gap, or before the end of
     * the one before it. */
    memcpy(c, bytes, len);
    put_u32(c, L.seg[1], L.var0[1] - 4096 + 17);
    fix_checksum(c, len);
    cr_expect_eq(read_mem(b, c, len), AD_EFORMAT);
    memcpy(c, bytes, len);
    put_u32(c, L.seg[1], L.var0[1] + 4096);
    fix_checksum(c, len);
    cr_expect_eq(read_mem(b, c, len), AD_EFORMAT);
    memcpy(c, bytes, len);
    put_u32(c, L.seg[1], L.var0[0]);
    fix_checksum(c, len);
    cr_expect_eq(read_mem(b, c, len), AD_EFORMAT);
    expect_empty(b);
    free(c);
    free(x);
    free(bytes);
    ad_tape_free(a);
    ad_tape_free(b);
}

Test(tape_file, round_trip_edge_tapes)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    /* Nothing recorded. */
    cr_assert_eq(ad_tape_begin(a), AD_OK);
    cr_assert_eq(ad_tape_end(a), AD_OK);
    const char *p = path_of("edge.tape");
    cr_assert_eq(ad_tape_save(a, p), AD_OK);
    cr_assert_eq(ad_tape_load(b, p), AD_OK);
    expect_same_stats(a, b);
    cr_expect_eq(ad_tape_eval(b, NULL, NULL), AD_OK);
    /* Only a constant output. */
    cr_assert_eq(ad_tape_begin(a), AD_OK);
    ad_dependent(ad_const(ad_var, 3.25));
    cr_assert_eq(ad_tape_end(a), AD_OK);
    cr_assert_eq(ad_tape_save(a, p), AD_OK);
    cr_assert_eq(ad_tape_load(b, p), AD_OK);
    expect_same_stats(a, b);
    double y = 0.0;
    cr_expect_eq(ad_tape_eval(b, NULL, &y), AD_OK);
    cr_expect_eq(y, 3.25);
    expect_same_sweeps(a, b, NULL);
    /* An output that is an input. */
    cr_assert_eq(ad_tape_begin(a), AD_OK);
    ad_dependent(ad_independent(-1.5));
    cr_assert_eq(ad_tape_end(a), AD_OK);
    cr_assert_eq(ad_tape_save(a, p), AD_OK);
    cr_assert_eq(ad_tape_load(b, p), AD_OK);
    double g = 0.0, x = 4.5;
    cr_expect_eq(ad_tape_gradient(b, &x, &g), AD_OK);
    cr_expect_eq(g, 1.0);
    expect_same_sweeps(a, b, &x);
    ad_tape_free(a);
    ad_tape_free(b);
}

Test(tape_file, two_tapes_in_one_stream)
{
    ad_tape *a = ad_tape_new(), *a2 = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && a2 && b);
    record_small(a, x_rec);
    record_small(a2, x_new[1]);
    const char *p = path_of("two.tape");
    FILE *f = fopen(p, "wb");
    cr_assert(f != NULL);
    cr_assert_eq(ad_tape_write(a, f), AD_OK);
    cr_assert_eq(ad_tape_write(a2, f), AD_OK);
    cr_assert_eq(fclose(f), 0);
    /* ad_tape_read stops right after its tape... */
    f = fopen(p, "rb");
    cr_assert(f != NULL);
    cr_assert_eq(ad_tape_read(b, f), AD_OK);
    expect_same_sweeps(a, b, NULL);
    cr_assert_eq(ad_tape_read(b, f), AD_OK);
    expect_same_sweeps(a2, b, NULL);
    expect_same_sweeps(a2, b, x_rec);
    cr_expect_eq(fgetc(f), EOF);
    fclose(f);
    /* ...but a file holds one tape: ad_tape_load refuses the rest. */
    cr_expect_eq(ad_tape_load(b, p), AD_EFORMAT);
    expect_empty(b);
    ad_tape_free(a);
    ad_tape_free(a2);
    ad_tape_free(b);
}

Test(tape_file, save_replaces_existing_file)
{
    ad_tape *a = ad_tape_new(), *a2 = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && a2 && b);
    record_small(a, x_rec);
    record_long(a2, 50);
    const char *p = path_of("over.tape");
    cr_assert_eq(ad_tape_save(a2, p), AD_OK);
    cr_assert_eq(ad_tape_save(a, p), AD_OK);
    cr_assert_eq(count_files(), 1); /* no temporary left */
    cr_assert_eq(ad_tape_load(b, p), AD_OK);
    expect_same_stats(a, b);
    expect_same_sweeps(a, b, x_new[0]);
    ad_tape_free(a);
    ad_tape_free(a2);
    ad_tape_free(b);
}

/* ---- damaged files
 * ------------------------------------------------------------ */

Test(tape_file, truncated_at_every_byte)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    record_small(a, x_rec);
    size_t len;
    unsigned char *bytes = save_bytes(a, &len);
    const char *p = path_of("cut.tape");
    write_bytes(p, bytes, len);
    cr_assert_eq(ad_tape_load(b, p), AD_OK);
    ad_tape_info i0, i1;
    ad_tape_stats(b, &i0);
    for (size_t k = 0; k < len; k++) {
        write_bytes(p, bytes, k);
        int rc = ad_tape_load(b, p);
        cr_assert(rc == AD_EFORMAT || rc == AD_EIO, "cut at %zu of %zu: %d", k,
                  len, rc);
        expect_empty(b);
    }
    /* The failed loads reused the storage of the first one. */
    ad_tape_stats(b, &i1);
    cr_expect_eq(i0.alloc_bytes, i1.alloc_bytes);
    /* The same through a stream, and from a pipe (which cannot seek). */
    for (size_t k = 1; k < len; k++) {
        cr_assert_eq(read_mem(b, bytes, k), AD_EFORMAT, "cut at %zu", k);
        expect_empty(b);
    }
    for (size_t k = 0; k < len; k += 7) {
        int fd[2];
        cr_assert_eq(pipe(fd), 0);
        cr_assert_eq(write(fd[1], bytes, k), (ssize_t)k);
        close(fd[1]);
        FILE *f = fdopen(fd[0], "rb");
        cr_assert(f != NULL);
        cr_assert_eq(ad_tape_read(b, f), AD_EFORMAT, "pipe cut at %zu", k);
        fclose(f);
        expect_empty(b);
    }
    free(bytes);
    ad_tape_free(a);
    ad_tape_free(b);
}

/* A fixed-seed generator (Knuth's MMIX LCG constants), so failures
 * reproduce. */
static uint64_t rng = 0x2385;
static uint32_t next_rand(void)
{
    rng = rng * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return (uint32_t)(rng >> 33);
}

Test(tape_file, one_byte_changed_anywhere)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    record_small(a, x_rec);
    size_t len;
    unsigned char *bytes = save_bytes(a, &len);
    unsigned char *c = malloc(len);
    cr_assert(c != NULL);
    /* Every offset once, then random offsets again with other values. */
    for (size_t t = 0; t < len + 2000; t++) {
        size_t k = t < len ? t : next_rand() % len;
        unsigned char x = (unsigned char)(1 + next_rand() % 255);
        memcpy(c, bytes, len);
        c[k] ^= x;
        int rc = read_mem(b, c, len);
        cr_assert_eq(rc, AD_EFORMAT, "byte %zu ^ 0x%02x: %d", k, x, rc);
        expect_empty(b);
    }
    /* The untouched bytes still load. */
    cr_assert_eq(read_mem(b, bytes, len), AD_OK);
    expect_same_sweeps(a, b, x_new[0]);
    free(c);
    free(bytes);
    ad_tape_free(a);
    ad_tape_free(b);
}

/* Changes one field of a copy, remakes the checksum and loads it. */
static int load_patched(ad_tape *b, const unsigned char *bytes, size_t len,
                        size_t at, const void *v, size_t size)
{
    unsigned char *c = malloc(len);
    cr_assert(c != NULL);
    memcpy(c, bytes, len);
    memcpy(c + at, v, size);
    fix_checksum(c, len);
    int rc = read_mem(b, c, len);
    free(c);
    return rc;
}

#define PATCH(at, type, value)                                                 \
    load_patched(b, bytes, len, (at), &(type){(value)}, sizeof(type))

Test(tape_file, wrong_header_fields)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    record_small(a, x_rec);
    size_t len;
    unsigned char *bytes = save_bytes(a, &len);
    unsigned char *c = malloc(len);
    cr_assert(c != NULL);

    /* Another version, and the byte-order marker as a machine of the other
     * byte order reads it: refused with or without a matching checksum. */
    uint32_t version = 2, swapped = 0x04030201u;
    memcpy(c, bytes, len);
    memcpy(c + 8, &version, 4);
    cr_expect_eq(read_mem(b, c, len), AD_EFORMAT);
    fix_checksum(c, len);
    cr_expect_eq(read_mem(b, c, len), AD_EFORMAT);
    expect_empty(b);
    memcpy(c, bytes, len);
    memcpy(c + 12, &swapped, 4);
    cr_expect_eq(read_mem(b, c, len), AD_EFORMAT);
    fix_checksum(c, len);
    cr_expect_eq(read_mem(b, c, len), AD_EFORMAT);
    expect_empty(b);
    /* A file saved on the other byte order: every field reversed. */
    memcpy(c, bytes, len);
    for (size_t k = 8; k < 16; k += 4)
        for (int i = 0; i < 2; i++) {
            unsigned char s = c[k + i];
            c[k + i] = c[k + 3 - i];
            c[k + 3 - i] = s;
        }
    cr_expect_eq(read_mem(b, c, len), AD_EFORMAT);

    cr_expect_eq(PATCH(0, char, 'B'), AD_EFORMAT);      /* magic */
    cr_expect_eq(PATCH(16, uint8_t, 8), AD_EFORMAT);    /* sizeof(uint32_t) */
    cr_expect_eq(PATCH(17, uint8_t, 4), AD_EFORMAT);    /* sizeof(double) */
    cr_expect_eq(PATCH(20, uint8_t, 1), AD_EFORMAT);    /* reserved */
    cr_expect_eq(PATCH(24, double, 0.125), AD_EFORMAT); /* double probe */
    /* Every count, one more and one less (m one less: the outputs no
     * longer match the size). */
    for (int i = 0; i < 10; i++) {
        uint64_t v = get_u64(bytes, COUNT_AT(i));
        cr_expect_eq(PATCH(COUNT_AT(i), uint64_t, v + 1), AD_EFORMAT,
                     "count %d + 1", i);
        if (v > 0)
            cr_expect_eq(PATCH(COUNT_AT(i), uint64_t, v - 1), AD_EFORMAT,
                         "count %d - 1", i);
        /* Counts no file can hold give AD_EFORMAT, not an allocation. */
        cr_expect_eq(PATCH(COUNT_AT(i), uint64_t, (uint64_t)1 << 60),
                     AD_EFORMAT, "count %d = 2^60", i);
        cr_expect_eq(PATCH(COUNT_AT(i), uint64_t, (uint64_t)1 << 40),
                     AD_EFORMAT, "count %d = 2^40", i);
        expect_empty(b);
    }
    /* All the totals at once, consistent with each other but not with
     * the file. */
    memcpy(c, bytes, len);
    for (int i = C_NOP; i <= C_NVAL; i++)
        put_u64(c, COUNT_AT(i), (uint64_t)1 << 50);
    put_u64(c, 112 + 8, (uint64_t)1 << 50);
    fix_checksum(c, len);
    cr_expect_eq(read_mem(b, c, len), AD_EFORMAT);
    expect_empty(b);
    free(c);
    free(bytes);
    ad_tape_free(a);
    ad_tape_free(b);
}

Test(tape_file, wrong_nodes_with_good_checksum)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    record_small(a, x_rec);
    size_t len;
    unsigned char *bytes = save_bytes(a, &len);
    layout L = parse(bytes, len);
    cr_assert_eq(L.nseg, 1);

    /* Op bytes that are no node: unknown codes, a variant on a unary
     * primitive, both variants at once, an array node (refused until
     * their checks exist), a node of another shape. */
    nodepos s = find_node(bytes, &L, 0, AD_OP_SIN);
    nodepos lt = find_node(bytes, &L, 0, AD__OP_LT);
    nodepos gt = find_node(bytes, &L, 0, AD__OP_GT | AD__XC);
    nodepos pw = find_node(bytes, &L, 0, AD_OP_POWI);
    nodepos mul = find_node(bytes, &L, 0, AD_OP_MUL);
    uint8_t bad_ops[] = {0x3f,
                         AD__OP_END,
                         AD_OP_SIN | AD__XC,
                         AD_OP_MUL | AD__XC | AD__CX,
                         AD__OP_LT | AD__XC | AD__CX,
                         AD__OP_INDEP | AD__CX,
                         AD__OP_DOT,
                         AD__OP_MAP,
                         AD_OP_ADD,
                         AD__OP_CONST,
                         AD__OP_SELECT,
                         AD__OP_INDEP};
    for (size_t i = 0; i < sizeof bad_ops; i++) {
        cr_expect_eq(PATCH(s.op, uint8_t, bad_ops[i]), AD_EFORMAT,
                     "sin -> 0x%02x", bad_ops[i]);
        expect_empty(b);
    }
    /* Another unary primitive of the same shape is a valid tape (of
     * another function): the checksum is what catches that. */
    cr_expect_eq(PATCH(s.op, uint8_t, AD_OP_COS), AD_OK);

    /* Arguments: index 0, the node's own result, a later variable, past
     * the end; an earlier variable is fine. */
    const nodepos *users[] = {&s, &mul, &lt};
    const size_t slot[] = {s.arg, mul.arg + 4, lt.arg};
    for (int u = 0; u < 3; u++) {
        uint32_t r = users[u]->r;
        uint32_t bad[] = {0, r, r + 1, (uint32_t)L.var0[0] + L.nvar[0],
                          0xffffffffu};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            cr_expect_eq(PATCH(slot[u], uint32_t, bad[i]), AD_EFORMAT,
                         "node 0x%02x at v%u: argument v%u", users[u]->code, r,
                         bad[i]);
            expect_empty(b);
        }
        cr_expect_eq(PATCH(slot[u], uint32_t, r - 1), AD_OK);
    }

    /* A comparison's outcome is 0 or 1; powi's exponent an int. */
    cr_expect_eq(PATCH(lt.cst, double, 0.5), AD_EFORMAT);
    cr_expect_eq(PATCH(gt.cst + 8, double, NAN), AD_EFORMAT);
    cr_expect_eq(PATCH(lt.cst, double, 0.0), AD_OK);
    cr_expect_eq(PATCH(pw.cst, double, 2.5), AD_EFORMAT);
    cr_expect_eq(PATCH(pw.cst, double, 1e300), AD_EFORMAT);
    cr_expect_eq(PATCH(pw.cst, double, NAN), AD_EFORMAT);
    cr_expect_eq(PATCH(pw.cst, double, -3.0), AD_OK);

    /* The segment header: its counts against the nodes and the file, its
     * first variable (0, or after a gap the recorder would not leave). */
    cr_expect_eq(PATCH(L.seg[0], uint32_t, 0), AD_EFORMAT);
    cr_expect_eq(PATCH(L.seg[0], uint32_t, 2), AD_EFORMAT);
    cr_expect_eq(PATCH(L.seg[0], uint32_t, 4096), AD_EFORMAT);
    cr_expect_eq(PATCH(L.seg[0] + 4, uint32_t, L.nvar[0] - 1), AD_EFORMAT);
    cr_expect_eq(PATCH(L.seg[0] + 8, uint64_t, L.nop[0] - 1), AD_EFORMAT);
    cr_expect_eq(PATCH(L.seg[0] + 8, uint64_t, 0), AD_EFORMAT);
    cr_expect_eq(PATCH(L.seg[0] + 16, uint64_t, (uint64_t)1 << 60), AD_EFORMAT);
    cr_expect_eq(PATCH(L.seg[0] + 24, uint64_t, L.ncst[0] + 1), AD_EFORMAT);
    expect_empty(b);

    /* Outputs: a variable past the end is refused; 0 (a constant) and
     * any variable are fine. */
    uint32_t nvar = (uint32_t)get_u64(bytes, COUNT_AT(C_NVAR));
    cr_expect_eq(PATCH(L.dep, uint32_t, nvar), AD_EFORMAT);
    cr_expect_eq(PATCH(L.dep + 4, uint32_t, 0xfffffff0u), AD_EFORMAT);
    cr_expect_eq(PATCH(L.dep, uint32_t, nvar - 1), AD_OK);
    cr_expect_eq(PATCH(L.dep, uint32_t, 0), AD_OK);
    free(bytes);
    ad_tape_free(a);
    ad_tape_free(b);
}

/* Random changes with the checksum remade: the loader must refuse the file
 * or give a tape that sweeps without reading out of bounds (run under the
 * sanitizers to see it). */
Test(tape_file, random_changes_with_good_checksum)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    record_small(a, x_rec);
    size_t len;
    unsigned char *bytes = save_bytes(a, &len);
    unsigned char *c = malloc(len);
    cr_assert(c != NULL);
    int ok = 0, refused = 0;
    for (int t = 0; t < 3000; t++) {
        memcpy(c, bytes, len);
        int nchange = 1 + (int)(next_rand() % 3);
        for (int i = 0; i < nchange; i++) {
            size_t k = 32 + next_rand() % (len - 8 - 32);
            c[k] ^= (unsigned char)(1 + next_rand() % 255);
        }
        fix_checksum(c, len);
        int rc = read_mem(b, c, len);
        cr_assert(rc == AD_OK || rc == AD_EFORMAT, "trial %d: %d", t, rc);
        if (rc == AD_OK) {
            ok++;
            ad_tape_info info;
            ad_tape_stats(b, &info);
            double y[4], g[3], jv[4], v[3] = {0.5, -1.0, 2.0};
            cr_assert_eq(info.n, 3);
            cr_assert_eq(info.m, 4);
            ad_tape_eval(b, NULL, y);
            ad_tape_gradient(b, NULL, g);
            ad_tape_gradient(b, x_new[0], g);
            ad_tape_jvp(b, x_new[1], v, y, jv);
            ad_tape_vjp(b, x_new[2], y, jv, g);
        } else {
            refused++;
            expect_empty(b);
        }
    }
    cr_expect(refused > 0 && ok > 0, "ok %d, refused %d", ok, refused);
    free(c);
    free(bytes);
    ad_tape_free(a);
    ad_tape_free(b);
}

Test(tape_file, streams_that_cannot_seek)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    record_small(a, x_rec);
    size_t len;
    unsigned char *bytes = save_bytes(a, &len);
    cr_assert(len < 4096); /* fits in a pipe's buffer */
    int fd[2];
    FILE *f;

    /* A whole tape through a pipe. */
    cr_assert_eq(pipe(fd), 0);
    cr_assert_eq(write(fd[1], bytes, len), (ssize_t)len);
    close(fd[1]);
    f = fdopen(fd[0], "rb");
    cr_assert(f != NULL);
    cr_assert_eq(ad_tape_read(b, f), AD_OK);
    fclose(f);
    expect_same_sweeps(a, b, NULL);
    expect_same_sweeps(a, b, x_new[3]);

    /* A header that claims 2^40 bytes of nodes: the loader does not trust
     * it with memory, so it runs out of bytes (AD_EFORMAT), or, when the
     * tape has a cap, refuses at once (AD_ENOMEM). */
    unsigned char *c = malloc(len);
    cr_assert(c != NULL);
    memcpy(c, bytes, len);
    put_u64(c, COUNT_AT(C_NOP), (uint64_t)1 << 40);
    for (int capped = 0; capped < 2; capped++) {
        cr_assert_eq(ad_tape_set_limit(b, capped ? (size_t)1 << 24 : 0), AD_OK);
        cr_assert_eq(pipe(fd), 0);
        cr_assert_eq(write(fd[1], c, len), (ssize_t)len);
        close(fd[1]);
        f = fdopen(fd[0], "rb");
        cr_assert(f != NULL);
        cr_expect_eq(ad_tape_read(b, f), capped ? AD_ENOMEM : AD_EFORMAT);
        fclose(f);
        expect_empty(b);
        ad_tape_info info;
        ad_tape_stats(b, &info);
        cr_expect(info.peak_bytes < (size_t)1 << 24, "%zu", info.peak_bytes);
    }
    free(c);
    free(bytes);
    ad_tape_free(a);
    ad_tape_free(b);
}

Test(tape_file, memory_cap_on_load)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    record_long(a, 20000);
    const char *p = path_of("capped.tape");
    cr_assert_eq(ad_tape_save(a, p), AD_OK);
    cr_assert_eq(ad_tape_set_limit(b, 4096), AD_OK);
    cr_expect_eq(ad_tape_load(b, p), AD_ENOMEM);
    expect_empty(b);
    cr_assert_eq(ad_tape_set_limit(b, 0), AD_OK);
    cr_assert_eq(ad_tape_load(b, p), AD_OK);
    expect_same_sweeps(a, b, NULL);
    ad_tape_free(a);
    ad_tape_free(b);
}

/* ---- errors -----------------------------------------------------------------
 */

Test(tape_file, invalid_arguments)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    const char *p = path_of("x.tape");
    FILE *f = fopen(path_of("scratch"), "w+b");
    cr_assert(f != NULL);

    /* A tape never recorded has nothing to save. */
    cr_expect_eq(ad_tape_save(a, p), AD_EINVAL);
    cr_expect_eq(ad_tape_write(a, f), AD_EINVAL);
    record_small(a, x_rec);
    cr_expect_eq(ad_tape_save(NULL, p), AD_EINVAL);
    cr_expect_eq(ad_tape_save(a, NULL), AD_EINVAL);
    cr_expect_eq(ad_tape_write(NULL, f), AD_EINVAL);
    cr_expect_eq(ad_tape_write(a, NULL), AD_EINVAL);
    cr_expect_eq(ad_tape_load(NULL, p), AD_EINVAL);
    cr_expect_eq(ad_tape_load(b, NULL), AD_EINVAL);
    cr_expect_eq(ad_tape_read(NULL, f), AD_EINVAL);
    cr_expect_eq(ad_tape_read(b, NULL), AD_EINVAL);
    cr_assert_eq(ad_tape_save(a, p), AD_OK);

    /* A tape being recorded can be neither saved nor loaded into. */
    cr_assert_eq(ad_tape_begin(b), AD_OK);
    ad_dependent(ad_sin(ad_independent(0.5)));
    cr_expect_eq(ad_tape_save(b, path_of("rec.tape")), AD_EINVAL);
    cr_expect_eq(ad_tape_write(b, f), AD_EINVAL);
    cr_expect_eq(ad_tape_load(b, p), AD_EINVAL);
    cr_expect_eq(ad_tape_read(b, f), AD_EINVAL);
    cr_assert_eq(ad_tape_end(b), AD_OK);
    /* Nor can a tape whose recording failed be saved. */
    ad_tape *c = ad_tape_new();
    cr_assert(c != NULL);
    cr_assert_eq(ad_tape_set_limit(c, 64), AD_OK);
    cr_assert_eq(ad_tape_begin(c), AD_OK);
    ad_dependent(ad_sin(ad_independent(0.5)));
    cr_assert_eq(ad_tape_end(c), AD_ENOMEM);
    cr_expect_eq(ad_tape_save(c, path_of("failed.tape")), AD_EINVAL);
    cr_expect_eq(ad_tape_write(c, f), AD_EINVAL);
    ad_tape_free(c);
    fclose(f);
    /* Only x.tape and the scratch file were made. */
    cr_expect_eq(count_files(), 2);
    ad_tape_free(a);
    ad_tape_free(b);
}

Test(tape_file, io_errors)
{
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    record_small(a, x_rec);
    /* A folder that does not exist; a path that is a folder (the write
     * succeeds, the rename fails, and the temporary must go). */
    cr_expect_eq(ad_tape_save(a, path_of("none/x.tape")), AD_EIO);
    cr_assert_eq(mkdir(path_of("sub"), 0700), 0);
    cr_expect_eq(ad_tape_save(a, path_of("sub")), AD_EIO);
    cr_expect_eq(count_files(), 1);
    DIR *d = opendir(path_of("sub"));
    cr_assert(d != NULL);
    int k = 0;
    while (readdir(d) != NULL)
        k++;
    closedir(d);
    cr_expect_eq(k, 2, "sub/ holds %d entries", k - 2);

    /* A full device. */
    FILE *f = fopen("/dev/full", "wb");
    if (f != NULL) {
        cr_expect_eq(ad_tape_write(a, f), AD_EIO);
        fclose(f);
    }
    /* Reading from a stream open only for writing. */
    f = fopen(path_of("wo"), "wb");
    cr_assert(f != NULL);
    cr_expect_eq(ad_tape_read(b, f), AD_EIO);
    fclose(f);

    /* Loading a file that is not there empties the tape too. */
    const char *p = path_of("x.tape");
    cr_assert_eq(ad_tape_save(a, p), AD_OK);
    cr_assert_eq(ad_tape_load(b, p), AD_OK);
    cr_expect_eq(ad_tape_load(b, path_of("missing.tape")), AD_EIO);
    expect_empty(b);
    /* Loading a file that is not a tape. */
    const char text[] = "This is not an admix tape, but it is long enough "
                        "to hold a header of one: 112 bytes and a few "
                        "more, to be sure they are read.\n";
    write_bytes(path_of("text"), text, sizeof text - 1);
    cr_expect_eq(ad_tape_load(b, path_of("text")), AD_EFORMAT);
    expect_empty(b);
    ad_tape_free(a);
    ad_tape_free(b);
}

/* Array nodes of every kind: a gemv on a range (the inputs), a map in place,
 * a transposed gemv, an axpy with a constant array, a dot of a list and a
 * sum; with a mixed array (constants and variables) too. */
static void record_arrays(ad_tape *t, const double *x0)
{
    enum { M = 3, N = 4 };
    ad_var w[M * N + 2], h[M], z[N], u[N], l[M], mix[N];
    cr_assert_eq(ad_tape_begin(t), AD_OK);
    cr_assert_eq(ad_independent_array(M * N + 2, x0, w), AD_OK);
    for (int i = 0; i < N; i++) {
        u[i] = ad_const(ad_var, 0.25 * i - 0.3);
        mix[i] = i % 2 ? w[i] : ad_const(ad_var, 0.5 + i);
    }
    for (int i = 0; i < M; i++)
        h[i] = w[M * N];
    cr_assert_eq(ad_gemv(AD_NOTRANS, M, N, w, u, h), AD_OK);
    cr_assert_eq(ad_map(AD_OP_TANH, M, h, h), AD_OK);
    for (int j = 0; j < N; j++)
        z[j] = ad_mul(w[j], 0.5);
    cr_assert_eq(ad_gemv(AD_TRANS, M, N, w, h, z), AD_OK);
    cr_assert_eq(ad_axpy(N, w[M * N + 1], u, z), AD_OK);
    for (int i = 0; i < M; i++)
        l[i] = w[3 * i + 1];
    ad_dependent(ad_add(ad_dot(M, l, h), ad_sum(N, z)));
    ad_dependent(ad_dot(N, mix, z));
    cr_assert_eq(ad_tape_end(t), AD_OK);
}

Test(tape_file, round_trip_array_nodes)
{
    enum { NW = 14 };
    double x0[NW], x1[NW];
    for (int i = 0; i < NW; i++) {
        x0[i] = 0.1 * sin(i + 1.0);
        x1[i] = 0.2 * cos(i + 1.0);
    }
    ad_tape *a = ad_tape_new(), *b = ad_tape_new();
    cr_assert(a && b);
    record_arrays(a, x0);
    size_t len;
    unsigned char *bytes = save_bytes(a, &len);
    cr_assert_eq(read_mem(b, bytes, len), AD_OK);
    expect_same_stats(a, b);
    expect_same_sweeps(a, b, NULL);
    expect_same_sweeps(a, b, x1);
    /* Edits with the checksum made right again: refused, or a tape that
     * sweeps without reading out of bounds (ASan watches). */
    unsigned char *c = malloc(len);
    cr_assert(c != NULL);
    int refused = 0;
    for (int t = 0; t < 2000; t++) {
        memcpy(c, bytes, len);
        size_t k = 32 + next_rand() % (len - 8 - 32);
        c[k] ^= (unsigned char)(1 + next_rand() % 255);
        fix_checksum(c, len);
        int rc = read_mem(b, c, len);
        cr_assert(rc == AD_OK || rc == AD_EFORMAT, "trial %d: %d", t, rc);
        if (rc != AD_OK) {
            refused++;
            continue;
        }
        double y[2], g[NW], J[2 * NW], v[NW] = {1.0};
        ad_tape_eval(b, x1, y);
        ad_tape_gradient(b, NULL, g);
        ad_tape_jvp(b, x1, v, y, J);
        ad_tape_jacobian(b, x1, J);
    }
    cr_expect(refused > 0);
    free(c);
    free(bytes);
    ad_tape_free(a);
    ad_tape_free(b);
}

/* The inputs that ever made the libFuzzer target of the loader
 * (tests/fuzz/run load) fail, kept in tests/fuzz/regress-load/.  That
 * build takes any checksum, so each file gets its checksum remade here;
 * then it must be refused, or swept without a fault (the sanitizers see
 * one). */
Test(tape_file, fuzz_regressions)
{
    DIR *d = opendir(AD_TEST_FUZZ_DIR);
    cr_assert(d != NULL, "%s", AD_TEST_FUZZ_DIR);
    ad_tape *t = ad_tape_new();
    cr_assert(t != NULL);
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", AD_TEST_FUZZ_DIR, e->d_name);
        FILE *f = fopen(path, "rb");
        cr_assert(f != NULL, "%s", path);
        unsigned char buf[65536];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        files++;
        if (len >= 16)
            fix_checksum(buf, len);
        int rc = read_mem(t, buf, len);
        cr_assert(rc == AD_OK || rc == AD_EFORMAT, "%s: %d", path, rc);
        ad_tape_info info;
        ad_tape_stats(t, &info);
        if (rc != AD_OK || info.n > 64 || info.m > 64)
            continue;
        double x[64], v[64], g[64], y[64], jv[64];
        for (size_t i = 0; i < 64; i++)
            x[i] = v[i] = 0.5 + 0.125 * (double)i;
        ad_tape_eval(t, x, y);
        ad_tape_jvp(t, x, v, y, jv);
        ad_tape_vjp(t, NULL, v, y, g);
        if (info.m > 0) {
            for (int k = 0; k < 2; k++) { /* the second: need.c */
                ad_tape_gradient(t, x, g);
                ad_tape_hvp(t, x, v, g);
            }
            ad_tape_hvp(t, NULL, v, g);
        }
    }
    closedir(d);
    cr_expect(files > 0, "no file in %s", AD_TEST_FUZZ_DIR);
    ad_tape_free(t);
}

/* A disk that fills up during ad_tape_save (RLIMIT_FSIZE, the
 * process's cap on file sizes, with SIGXFSZ ignored so that write fails
 * with EFBIG): AD_EIO, and no file is left, neither the target nor the
 * temporary beside it. */
Test(tape_file, save_on_a_full_disk)
{
    ad_tape *a = ad_tape_new();
    cr_assert(a != NULL);
    record_small(a, x_rec);
    int before = count_files();
    struct rlimit old, lim;
    cr_assert(getrlimit(RLIMIT_FSIZE, &old) == 0);
    signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 100; /* the header fits, the nodes do not */
    cr_assert(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    int rc = ad_tape_save(a, path_of("full.tape"));
    cr_assert(setrlimit(RLIMIT_FSIZE, &old) == 0);
    cr_expect_eq(rc, AD_EIO);
    cr_expect_eq(count_files(), before, "files left: %d",
                 count_files() - before);
    ad_tape_free(a);
}
