/* drivers.c -- the tape's sweeps as the API of tape.h: eval, jvp, vjp (one
 * lane and k lanes) and gradient.  Each sets up an ad__sweep on the calling
 * thread's buffers, replays the values when given a new point, seeds, and
 * runs sweep.c. */
#include <string.h>

#include "tape_impl.h"

/* Checks the tape and prepares s with tq tangent and aq adjoint lanes.  At
 * a new point x the values are replayed into the thread's buffers (and
 * AD_ERETAPE returned if a comparison flipped), unless replay is 0: the
 * caller then replays them in its own first sweep. */
int ad__prepare(ad_tape *t, const double *x, size_t tq, size_t aq,
                ad__sweep *s, int replay)
{
    if (t == NULL || !t->done)
        return AD_EINVAL;
    /* One adjoint lane in a window (adjwin.c) if asked for, on a tape
     * without array nodes (whose rules work on runs of adjoints), except
     * for the linearised sweep, which works on the array. */
    int win = aq == 1 && t->window && t->narray == 0 &&
              !(x == NULL && t->linear);
    ad__work *w = ad__work_get(t, tq, win ? 0 : aq, t->tmp_need);
    if (w == NULL || (win && ad__aw_open(&w->aw, t->nvar) != AD_OK))
        return AD_ENOMEM;
    memset(s, 0, sizeof *s);
    s->t = t;
    s->aw = win ? &w->aw : NULL;
    s->vt = x != NULL ? w->vt : t->vtab;
    s->vf = x != NULL ? w->val : ad__tape_flat(t);
    s->x = x;
    s->tan = w->tan;
    s->adj = w->adj;
    s->tmp = w->tmp;
    s->flip = -1;
    if (x == NULL || !replay)
        return AD_OK;
    int rc = ad__forward(s, 1);
    ad__work_set_flip(s->flip);
    return rc != AD_OK ? rc : s->err;
}

/* 1 if a sweep at x runs on t's compiled form (slots.c). */
static int compiled(const ad_tape *t, const double *x)
{
    return x != NULL && t != NULL && t->done && ad__slots_ready(t);
}

static int prepare(ad_tape *t, const double *x, size_t tq, size_t aq,
                   ad__sweep *s)
{
    return ad__prepare(t, x, tq, aq, s, 1);
}

/* y = the outputs, from the values s holds. */
static void outputs(const ad__sweep *s, double *y)
{
    const ad_tape *t = s->t;
    if (y == NULL)
        return;
    for (size_t j = 0; j < t->m; j++)
        y[j] = t->dep[j] != 0 ? AD__V(s->vt, t->dep[j]) : t->depc[j];
}

int ad_tape_eval(ad_tape *t, const double *x, double *y)
{
    ad__sweep s;
    if (t != NULL && t->m > 0 && y == NULL)
        return AD_EINVAL;
    if (compiled(t, x))
        return ad__slot_jvp(t, x, 0, NULL, y, NULL);
    int rc = prepare(t, x, 0, 0, &s);
    if (rc == AD_OK)
        outputs(&s, y);
    return rc;
}

int ad_tape_jvp_multi(ad_tape *t, const double *x, size_t k, const double *V,
                      double *y, double *JV)
{
    ad__sweep s;
    if (t != NULL && k > 0 &&
        ((t->n > 0 && V == NULL) || (t->m > 0 && JV == NULL)))
        return AD_EINVAL;
    if (compiled(t, x))
        return ad__slot_jvp(t, x, k, V, y, JV);
    /* One forward sweep replays the values and carries the tangents. */
    int rc = ad__prepare(t, x, k, 0, &s, k == 0);
    if (rc != AD_OK)
        return rc;
    s.q = k;
    s.V = V;
    s.ldv = k;
    if (k > 0) {
        rc = ad__forward(&s, x != NULL);
        if (x != NULL)
            ad__work_set_flip(s.flip);
        if (rc == AD_OK)
            rc = s.err;
        if (rc != AD_OK)
            return rc;
    }
    outputs(&s, y);
    if (k == 0)
        return AD_OK;
    for (size_t j = 0; j < t->m; j++)
        for (size_t l = 0; l < k; l++)
            JV[j * k + l] = t->dep[j] != 0 ? s.tan[(size_t)t->dep[j] * k + l]
                                           : 0.0;
    return AD_OK;
}

int ad_tape_jvp(ad_tape *t, const double *x, const double *v, double *y,
                double *jv)
{
    return ad_tape_jvp_multi(t, x, 1, v, y, jv);
}

/* Seeds the adjoints of the outputs with the k rows of W (k x m; W NULL:
 * k = 1 and output 0 gets 1). */
static void seed(ad__sweep *s, size_t k, const double *W)
{
    const ad_tape *t = s->t;
    for (size_t j = 0; j < (W != NULL ? t->m : 1); j++) {
        uint32_t i = t->dep[j];
        if (i == 0)
            continue;
        if (s->aw != NULL) {
            ad__awin *aw = s->aw;
            AD__AWW(aw, aw->ring, aw->rmask, aw->lo, i, (uint32_t)t->nvar) +=
                W ? W[j] : 1.0;
        } else
            for (size_t l = 0; l < k; l++)
                s->adj[(size_t)i * k + l] += W ? W[l * t->m + j] : 1.0;
    }
}

int ad_tape_vjp_multi(ad_tape *t, const double *x, size_t k, const double *W,
                      double *y, double *WJ)
{
    ad__sweep s;
    if (t != NULL && k > 0 &&
        ((t->m > 0 && W == NULL) || (t->n > 0 && WJ == NULL)))
        return AD_EINVAL;
    if (compiled(t, x))
        return ad__slot_vjp(t, x, k, W, y, WJ);
    int rc = prepare(t, x, 0, k, &s);
    if (rc != AD_OK)
        return rc;
    outputs(&s, y);
    if (k == 0)
        return AD_OK;
    s.q = k;
    s.G = WJ;
    seed(&s, k, W);
    if (k == 1 && x == NULL && t->linear)
        ad__reverse_linear(&s);
    else
        ad__reverse(&s);
    return s.err;
}

int ad_tape_vjp(ad_tape *t, const double *x, const double *w, double *y,
                double *wj)
{
    return ad_tape_vjp_multi(t, x, 1, w, y, wj);
}

int ad_tape_gradient(ad_tape *t, const double *x, double *g)
{
    ad__sweep s;
    if (t == NULL || (g == NULL && t->n > 0) || t->m == 0)
        return AD_EINVAL;
    if (compiled(t, x))
        return ad__slot_vjp(t, x, 1, NULL, NULL, g);
    /* At a new point, from a thread's second gradient of a recording on,
     * only the values the reverse sweep needs are replayed (need.c). */
    const ad__need *P = NULL;
    int rc = x != NULL && t->done ? ad__need_get(t, 1, &P) : AD_OK;
    if (rc != AD_OK)
        return rc;
    rc = ad__prepare(t, x, 0, 1, &s, P == NULL);
    if (rc == AD_OK && P != NULL) {
        rc = ad__need_forward(&s, P);
        ad__work_set_flip(s.flip);
    }
    if (rc != AD_OK)
        return rc;
    s.q = 1;
    s.G = g;
    seed(&s, 1, NULL);
    if (x == NULL && t->linear)
        ad__reverse_linear(&s);
    else
        ad__reverse(&s);
    return s.err;
}

int ad__values(ad_tape *t, const double *x, double ***vt, double **vf)
{
    *vt = t->vtab;
    *vf = ad__tape_flat(t);
    if (x == NULL)
        return AD_OK;
    ad__sweep s;
    int rc = prepare(t, x, 0, 0, &s);
    *vt = s.vt;
    *vf = s.vf;
    return rc;
}
