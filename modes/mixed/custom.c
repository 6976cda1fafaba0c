/* custom.c -- custom primitives (include/admix/custom.h) on the forward
 * number types, and the helpers the tape's rules share (the tape node itself
 * is recorded and swept by modes/reverse/array.c, beside the array
 * primitives, whose argument layout it uses).
 *
 * On hyper-dual numbers x = v + d1 e1 + d2 e2 + d12 e1 e2 the chain rule to
 * second order gives
 *     F(x) = F(v) + F'(v) d1 e1 + F'(v) d2 e2
 *            + (F'(v) d12 + F''(v)[d1, d2]) e1 e2,
 * and the i-th entry of F''(v)[d1, d2] is d1 . (F_i''(v) d2): the hvp
 * callback with w = e_i, once per output. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "admix/custom.h"
#include "admix/errors.h"
#include "tape_impl.h"

int ad__custom_status(int rc)
{
    return rc == 0 ? AD_OK : rc < 0 && rc >= AD_ERANGE ? rc : AD_EDOM;
}

int ad__custom_check(const ad_custom *op, size_t n, const void *x, size_t m,
                     const void *y)
{
    if (op == NULL || op->value == NULL || op->jvp == NULL || op->vjp == NULL ||
        m == 0 || y == NULL || (n > 0 && x == NULL) || n > UINT32_MAX ||
        m > UINT32_MAX)
        return AD_EINVAL;
    return AD_OK;
}

void ad__nan_fill(void *p, size_t k)
{
    /* By bytes: p may be an array of ad_dual or another forward type. */
    const double nan = NAN;
    for (size_t i = 0; i < k; i++)
        memcpy((char *)p + i * sizeof nan, &nan, sizeof nan);
}

/* Scratch for one call: on the stack when small.  A callback may itself
 * use admix (even another custom op), so no shared buffer is used. */
enum { SMALL = 256 };

static double *scratch(double *small, size_t k)
{
    return k <= SMALL ? small : malloc(k * sizeof(double));
}

static void scratch_free(double *small, double *p)
{
    if (p != small)
        free(p);
}

int ad_custom_double(const ad_custom *op, size_t n, const double *x, size_t m,
                     double *y)
{
    int rc = ad__custom_check(op, n, x, m, y);
    if (rc == AD_OK)
        rc = ad__custom_status(op->value(op->ctx, n, x, m, y));
    if (rc != AD_OK && y != NULL)
        ad__nan_fill(y, m);
    return rc;
}

int ad_custom_complex(const ad_custom *op, size_t n, const double complex *x,
                      size_t m, double complex *y)
{
    (void)op;
    (void)n;
    (void)x;
    for (size_t i = 0; y != NULL && i < m; i++)
        y[i] = NAN;
    return AD_EUNSUPPORTED;
}

/* The forward types are packed into rows of 1 + k doubles: the value, then
 * the k tangent components (ad_dual: d; ad_dualv: d[AD_LANES]; ad_hdual:
 * d1, d2, d12). */
/* y = F(x) with k tangent lanes, rows of 1 + k.  With second set (hdual,
 * k = 3: d1, d2, d12), adds F''[d1, d2] to lane 2. */
static int forward(const ad_custom *op, size_t n, size_t m, size_t k,
                   int second, const double *x, double *y)
{
    double small[SMALL];
    size_t w = 1 + k;
    double *buf = scratch(small, 3 * n + 2 * m);
    if (buf == NULL)
        return AD_ENOMEM;
    double *xv = buf, *v = xv + n, *hv = v + n, *yv = hv + n, *jv = yv + m;
    for (size_t i = 0; i < n; i++)
        xv[i] = x[i * w];
    int rc = ad__custom_status(op->value(op->ctx, n, xv, m, yv));
    for (size_t l = 0; l < k && rc == AD_OK; l++) {
        for (size_t i = 0; i < n; i++)
            v[i] = x[i * w + 1 + l];
        rc = ad__custom_status(op->jvp(op->ctx, n, xv, yv, v, m, jv));
        for (size_t o = 0; o < m; o++)
            y[o * w + 1 + l] = jv[o];
    }
    /* F_o''[d1, d2] = d1 . (F_o'' d2): hvp along d2 with w = e_o. */
    for (size_t o = 0; o < m && second && rc == AD_OK; o++) {
        for (size_t i = 0; i < n; i++)
            v[i] = x[i * w + 2];
        for (size_t j = 0; j < m; j++)
            jv[j] = j == o;
        rc = ad__custom_status(op->hvp(op->ctx, n, xv, yv, jv, v, m, hv));
        double t = 0.0;
        for (size_t i = 0; i < n; i++)
            t += x[i * w + 1] * hv[i];
        y[o * w + 3] += t;
    }
    for (size_t o = 0; o < m; o++)
        y[o * w] = yv[o];
    if (rc != AD_OK)
        ad__nan_fill(y, m * w);
    scratch_free(small, buf);
    return rc;
}

/* Moves between an array of a forward type and packed rows of 1 + k. */
typedef void pack_fn(const void *z, size_t i, double *row);
typedef void unpack_fn(void *z, size_t i, const double *row);

static void pack_dual(const void *z, size_t i, double *row)
{
    const ad_dual *p = (const ad_dual *)z + i;
    row[0] = p->v, row[1] = p->d;
}
static void unpack_dual(void *z, size_t i, const double *row)
{
    ad_dual *p = (ad_dual *)z + i;
    p->v = row[0], p->d = row[1];
}
static void pack_dualv(const void *z, size_t i, double *row)
{
    const ad_dualv *p = (const ad_dualv *)z + i;
    row[0] = p->v;
    memcpy(row + 1, p->d, sizeof p->d);
}
static void unpack_dualv(void *z, size_t i, const double *row)
{
    ad_dualv *p = (ad_dualv *)z + i;
    p->v = row[0];
    memcpy(p->d, row + 1, sizeof p->d);
}
static void pack_hdual(const void *z, size_t i, double *row)
{
    const ad_hdual *p = (const ad_hdual *)z + i;
    row[0] = p->v, row[1] = p->d1, row[2] = p->d2, row[3] = p->d12;
}
static void unpack_hdual(void *z, size_t i, const double *row)
{
    ad_hdual *p = (ad_hdual *)z + i;
    p->v = row[0], p->d1 = row[1], p->d2 = row[2], p->d12 = row[3];
}

/* The entry point of a forward type with k tangent lanes. */
static int forward_type(const ad_custom *op, size_t n, const void *x, size_t m,
                        void *y, size_t k, int second, pack_fn *pack,
                        unpack_fn *unpack)
{
    size_t w = 1 + k;
    double small[SMALL];
    double *buf = scratch(small, (n + m) * w);
    int rc = ad__custom_check(op, n, x, m, y);
    if (rc == AD_OK && second && op->hvp == NULL)
        rc = AD_EUNSUPPORTED;
    if (rc == AD_OK && buf == NULL)
        rc = AD_ENOMEM;
    if (rc == AD_OK) {
        for (size_t i = 0; i < n; i++)
            pack(x, i, buf + i * w);
        rc = forward(op, n, m, k, second, buf, buf + n * w);
    }
    double nan_row[4 + AD_LANES];
    ad__nan_fill(nan_row, w);
    for (size_t o = 0; y != NULL && o < m; o++)
        unpack(y, o, rc == AD_OK ? buf + (n + o) * w : nan_row);
    if (buf != NULL)
        scratch_free(small, buf);
    return rc;
}

int ad_custom_dual(const ad_custom *op, size_t n, const ad_dual *x, size_t m,
                   ad_dual *y)
{
    return forward_type(op, n, x, m, y, 1, 0, pack_dual, unpack_dual);
}

int ad_custom_dualv(const ad_custom *op, size_t n, const ad_dualv *x, size_t m,
                    ad_dualv *y)
{
    return forward_type(op, n, x, m, y, AD_LANES, 0, pack_dualv, unpack_dualv);
}

int ad_custom_hdual(const ad_custom *op, size_t n, const ad_hdual *x, size_t m,
                    ad_hdual *y)
{
    return forward_type(op, n, x, m, y, 3, 1, pack_hdual, unpack_hdual);
}
