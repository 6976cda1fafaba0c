/* coloring.c -- graph colorings for compressed Jacobians and Hessians.
 *
 * Columns (or rows) of a Jacobian: a distance-2 coloring of the bipartite
 * graph of J, i.e. a proper coloring of the column intersection graph,
 * where two columns are adjacent if they have an entry in a common row
 * (Coleman & More, "Estimation of sparse Jacobian matrices and graph
 * coloring problems", SIAM J. Numer. Anal. 20(1), 1983).  The graph is not
 * built: the neighbours of column j are read through J's transpose (the
 * rows of j) and J (the columns of those rows), which costs sum_i nnz(row
 * i)^2 per pass and no memory beyond the transpose.
 *
 * Hessians: a star coloring of the adjacency graph of H (Gebremedhin,
 * Manne & Pothen, "What color is your Jacobian?  Graph coloring for
 * computing derivatives", SIAM Review 47(4), 2005, sec. 4-5): a proper
 * coloring in which every path on four vertices sees at least three
 * colors, so that each nonzero of H can be read directly off one product
 * H s_c (sparse.c).  The greedy rule below forbids, when a vertex v is
 * colored, exactly the colors that would close a two-colored path on four
 * vertices through v among the vertices colored so far:
 *   - v at an end, v-w-x-y: color(x) is forbidden if x has a neighbour
 *     y != w of w's color;
 *   - v inside, w-v-x-y: if v has two neighbours w, x of one color, every
 *     color of a neighbour y != v of x (and of w) is forbidden;
 * besides the colors of v's neighbours.  "y has another neighbour of x's
 * color" is a scan of y's adjacency list, or, for a vertex of high degree,
 * a lookup: its colored neighbours are counted per color in a hash table,
 * updated as vertices are colored.
 *
 * Both are greedy (first fitting color).  Proper colorings try DSATUR
 * first (the next vertex is the one whose neighbours show the most colors;
 * it finds the 5-coloring of the 5-point stencil), then fixed orderings --
 * largest-first, smallest-last and incidence-degree (Coleman & More 1983;
 * Matula & Beck, JACM 30(3), 1983) -- and a few passes of Culberson's
 * iterated greedy (recoloring the color classes in reverse order never adds
 * a color; Culberson, TR 92-07, U. Alberta, 1992); the fewest colors win,
 * and the search stops as soon as it meets a lower bound (for columns: the
 * longest row, whose columns are pairwise adjacent).  Star colorings try
 * the three fixed orderings.
 *
 * Why not ColPack.  ColPack (Debian's libcolpack-dev) implements these and
 * more (acyclic coloring, other orderings), but it is C++: linking it would
 * bring libstdc++ and a C++ build into a C11 library, a dependency for
 * users who never color, and a wrapper that copies our CSR into its
 * structures.  Greedy distance-2 and star coloring are short, the patterns
 * of AD are modest, and the tests below pin the color counts that matter
 * (3 for tridiagonal, 5 for the 5-point stencil).  Reconsider if acyclic
 * coloring (fewer colors for Hessians, with substitution) is wanted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sparse_impl.h"

/* Recoloring passes after the orderings: each is as costly as a greedy
 * pass; gains beyond a few are rare. */
#define SP_RECOLOR 6

/* ---- patterns --------------------------------------------------------------
 */

ad_pattern *ad_pattern_new(size_t m, size_t n, size_t nnz)
{
    ad_pattern *p = malloc(sizeof *p);
    if (p == NULL)
        return NULL;
    p->m = m;
    p->n = n;
    p->nnz = 0;
    p->rowptr = calloc(m + 1, sizeof *p->rowptr);
    p->col = malloc((nnz ? nnz : 1) * sizeof *p->col);
    if (m == SIZE_MAX || p->rowptr == NULL || p->col == NULL) {
        ad_pattern_free(p);
        return NULL;
    }
    return p;
}

void ad_pattern_free(ad_pattern *p)
{
    if (p == NULL)
        return;
    free(p->rowptr);
    free(p->col);
    free(p);
}

int ad_pattern_check(const ad_pattern *P)
{
    if (P == NULL || P->rowptr == NULL || (P->nnz > 0 && P->col == NULL))
        return AD_EINVAL;
    if (P->rowptr[0] != 0 || P->rowptr[P->m] != P->nnz)
        return AD_EINVAL;
    for (size_t i = 0; i < P->m; i++) {
        size_t b = P->rowptr[i], e = P->rowptr[i + 1];
        if (e < b || e > P->nnz)
            return AD_EINVAL;
        for (size_t k = b; k < e; k++)
            if (P->col[k] >= P->n || (k > b && P->col[k] <= P->col[k - 1]))
                return AD_EINVAL;
    }
    return AD_OK;
}

int ad_pattern_transpose(const ad_pattern *P, ad_pattern **PT)
{
    if (PT == NULL || ad_pattern_check(P) != AD_OK)
        return AD_EINVAL;
    ad_pattern *T = ad_pattern_new(P->n, P->m, P->nnz);
    if (T == NULL)
        return AD_ENOMEM;
    for (size_t k = 0; k < P->nnz; k++)
        T->rowptr[P->col[k] + 1]++;
    for (size_t j = 0; j < P->n; j++)
        T->rowptr[j + 1] += T->rowptr[j];
    /* Rows of P in order: each row of T comes out sorted. */
    for (size_t i = 0; i < P->m; i++)
        for (size_t k = P->rowptr[i]; k < P->rowptr[i + 1]; k++)
            T->col[T->rowptr[P->col[k]]++] = i;
    for (size_t j = P->n; j > 0; j--)
        T->rowptr[j] = T->rowptr[j - 1];
    T->rowptr[0] = 0;
    T->nnz = P->nnz;
    *PT = T;
    return AD_OK;
}

/* ---- graphs ----------------------------------------------------------------
 */

/* A graph on nv vertices, given implicitly: the neighbours of v are the
 * vertices of the hyperedges of v (distance 2 in a bipartite graph:
 * E = vertex -> hyperedges, F = hyperedge -> vertices), or, when E is NULL,
 * explicitly: the row v of F (an adjacency list without v itself). */
typedef struct graph {
    size_t nv;
    const ad_pattern *E, *F;
} graph;

/* Calls the loop body for every neighbour u of v (with repeats, and v
 * itself, in the implicit form: the callers skip them as they need). */
#define FOR_NEIGHBOURS(g, v, u, BODY)                                          \
    do {                                                                       \
        if ((g)->E == NULL) {                                                  \
            const ad_pattern *F_ = (g)->F;                                     \
            for (size_t k_ = F_->rowptr[v]; k_ < F_->rowptr[(v) + 1]; k_++) {  \
                size_t u = F_->col[k_];                                        \
                BODY                                                           \
            }                                                                  \
        } else {                                                               \
            const ad_pattern *E_ = (g)->E, *F_ = (g)->F;                       \
            for (size_t h_ = E_->rowptr[v]; h_ < E_->rowptr[(v) + 1]; h_++) {  \
                size_t e_ = E_->col[h_];                                       \
                for (size_t k_ = F_->rowptr[e_]; k_ < F_->rowptr[e_ + 1];      \
                     k_++) {                                                   \
                    size_t u = F_->col[k_];                                    \
                    BODY                                                       \
                }                                                              \
            }                                                                  \
        }                                                                      \
    } while (0)

/* Scratch shared by the passes. */
typedef struct work {
    size_t *stamp;              /* per vertex: the last visit */
    size_t *deg;                /* per vertex: degree (then dynamic degrees) */
    size_t *order;              /* a vertex ordering */
    size_t *next, *prev, *head; /* bucket lists */
    size_t *forb;               /* per color: the vertex that forbade it last */
    size_t *cnt;    /* per color: counts among v's neighbours (star) */
    size_t *cstamp; /* per color: which vertex cnt belongs to */
    size_t *cur;    /* the coloring of a pass */
    size_t visit;
} work;

#define NONE SIZE_MAX

static void work_free(work *w)
{
    free(w->stamp);
    free(w->deg);
    free(w->order);
    free(w->next);
    free(w->prev);
    free(w->head);
    free(w->forb);
    free(w->cnt);
    free(w->cstamp);
    free(w->cur);
}

static int work_init(work *w, size_t nv)
{
    memset(w, 0, sizeof *w);
    size_t s = nv + 1;
    w->stamp = calloc(s, sizeof(size_t));
    w->deg = calloc(s, sizeof(size_t));
    w->order = calloc(s, sizeof(size_t));
    w->next = calloc(s, sizeof(size_t));
    w->prev = calloc(s, sizeof(size_t));
    w->head = calloc(s, sizeof(size_t));
    w->forb = calloc(s, sizeof(size_t));
    w->cnt = calloc(s, sizeof(size_t));
    w->cstamp = calloc(s, sizeof(size_t));
    w->cur = calloc(s, sizeof(size_t));
    if (!w->stamp || !w->deg || !w->order || !w->next || !w->prev || !w->head ||
        !w->forb || !w->cnt || !w->cstamp || !w->cur) {
        work_free(w);
        return AD_ENOMEM;
    }
    w->visit = 0;
    return AD_OK;
}

/* A fresh stamp for a walk over neighbours (stamps start at 1, arrays at
 * 0, so nothing needs clearing). */
static size_t fresh(work *w)
{
    return ++w->visit;
}

static void degrees(const graph *g, work *w)
{
    for (size_t v = 0; v < g->nv; v++) {
        size_t s = fresh(w), d = 0;
        w->stamp[v] = s;
        FOR_NEIGHBOURS(g, v, u, {
            if (w->stamp[u] != s) {
                w->stamp[u] = s;
                d++;
            }
        });
        w->deg[v] = d;
    }
}

/* Largest-first: by degree, decreasing; ties in index order (a counting
 * sort, stable). */
static void order_lf(const graph *g, work *w)
{
    size_t nv = g->nv, *c = w->head;
    memset(c, 0, (nv + 1) * sizeof *c);
    for (size_t v = 0; v < nv; v++)
        c[nv - w->deg[v]]++;
    size_t acc = 0;
    for (size_t d = 0; d <= nv; d++) {
        size_t k = c[d];
        c[d] = acc;
        acc += k;
    }
    for (size_t v = 0; v < nv; v++)
        w->order[c[nv - w->deg[v]]++] = v;
}

/* Bucket lists keyed by a degree, for smallest-last and incidence-degree:
 * head[d] the first vertex with key d, next/prev the others. */
static void bucket_insert(work *w, size_t v, size_t d)
{
    w->prev[v] = NONE;
    w->next[v] = w->head[d];
    if (w->head[d] != NONE)
        w->prev[w->head[d]] = v;
    w->head[d] = v;
}

static void bucket_remove(work *w, size_t v, size_t d)
{
    if (w->prev[v] != NONE)
        w->next[w->prev[v]] = w->next[v];
    else
        w->head[d] = w->next[v];
    if (w->next[v] != NONE)
        w->prev[w->next[v]] = w->prev[v];
}

/* Smallest-last (Matula & Beck): repeatedly remove a vertex of least
 * degree among those left; color in the reverse order of removal.  The
 * degrees are consumed (recomputed by the caller if needed). */
static void order_sl(const graph *g, work *w)
{
    size_t nv = g->nv, *key = w->deg, *gone = w->cur;
    for (size_t d = 0; d <= nv; d++)
        w->head[d] = NONE;
    for (size_t v = nv; v-- > 0;) {
        bucket_insert(w, v, key[v]);
        gone[v] = 0;
    }
    size_t low = 0;
    for (size_t pos = nv; pos-- > 0;) {
        while (w->head[low] == NONE)
            low++;
        size_t v = w->head[low];
        bucket_remove(w, v, low);
        gone[v] = 1;
        w->order[pos] = v;
        size_t s = fresh(w);
        w->stamp[v] = s;
        FOR_NEIGHBOURS(g, v, u, {
            if (w->stamp[u] != s && !gone[u]) {
                w->stamp[u] = s;
                bucket_remove(w, u, key[u]);
                key[u]--;
                bucket_insert(w, u, key[u]);
            }
        });
        if (low > 0)
            low--;
    }
}

/* Incidence degree: next, a vertex with the most neighbours already
 * ordered (first the one of largest degree). */
static void order_id(const graph *g, work *w)
{
    size_t nv = g->nv, *key = w->cnt, *done = w->cur;
    for (size_t d = 0; d <= nv; d++)
        w->head[d] = NONE;
    size_t best = 0;
    for (size_t v = nv; v-- > 0;) {
        key[v] = 0;
        done[v] = 0;
        bucket_insert(w, v, 0);
        if (w->deg[v] >= w->deg[best])
            best = v;
    }
    size_t high = 0;
    for (size_t pos = 0; pos < nv; pos++) {
        size_t v;
        if (pos == 0)
            v = best;
        else {
            while (w->head[high] == NONE)
                high--;
            v = w->head[high];
        }
        bucket_remove(w, v, key[v]);
        done[v] = 1;
        w->order[pos] = v;
        size_t s = fresh(w);
        w->stamp[v] = s;
        FOR_NEIGHBOURS(g, v, u, {
            if (w->stamp[u] != s && !done[u]) {
                w->stamp[u] = s;
                bucket_remove(w, u, key[u]);
                key[u]++;
                bucket_insert(w, u, key[u]);
                if (key[u] > high)
                    high = key[u];
            }
        });
    }
}

/* ---- proper (distance-2) greedy coloring -----------------------------------
 */

/* Colors the vertices in w->order, first fit, into w->cur; returns the
 * number of colors. */
static size_t greedy(const graph *g, work *w)
{
    size_t nv = g->nv, ncol = 0;
    for (size_t v = 0; v < nv; v++)
        w->cur[v] = NONE;
    for (size_t c = 0; c <= nv; c++)
        w->forb[c] = NONE;
    for (size_t p = 0; p < nv; p++) {
        size_t v = w->order[p];
        FOR_NEIGHBOURS(g, v, u, {
            if (u != v && w->cur[u] != NONE)
                w->forb[w->cur[u]] = v;
        });
        size_t c = 0;
        while (w->forb[c] == v)
            c++;
        w->cur[v] = c;
        if (c + 1 > ncol)
            ncol = c + 1;
    }
    return ncol;
}

/* DSATUR (Brelaz, "New methods to color the vertices of a graph", CACM
 * 22(4), 1979): next, the uncolored vertex whose colored neighbours show
 * the most distinct colors (ties: largest degree first, as they were
 * queued), first fit.  On stencils it finds the lattice colorings a fixed
 * ordering misses (5 colors for the 5-point stencil, where largest-first
 * and smallest-last give 6 or 7).  "Does u already see color c" is a bit
 * of seen[u] for the first 64 colors, a scan of u's neighbours beyond. */
static int sees(const graph *g, const work *w, const uint64_t *seen, size_t u,
                size_t v, size_t c)
{
    if (c < 64)
        return (seen[u] >> c) & 1u;
    FOR_NEIGHBOURS(g, u, x, {
        if (x != u && x != v && w->cur[x] == c)
            return 1;
    });
    return 0;
}

static size_t dsatur(const graph *g, work *w, uint64_t *seen)
{
    size_t nv = g->nv, ncol = 0, *sat = w->cnt, *cur = w->cur;
    degrees(g, w);
    order_lf(g, w); /* uses head as scratch: queue after it */
    for (size_t d = 0; d <= nv; d++)
        w->head[d] = NONE, w->forb[d] = NONE;
    for (size_t p = nv; p-- > 0;) {
        size_t v = w->order[p];
        sat[v] = 0;
        cur[v] = NONE;
        seen[v] = 0;
        bucket_insert(w, v, 0);
    }
    size_t high = 0;
    for (size_t p = 0; p < nv; p++) {
        while (w->head[high] == NONE)
            high--;
        size_t v = w->head[high];
        bucket_remove(w, v, sat[v]);
        FOR_NEIGHBOURS(g, v, u, {
            if (u != v && cur[u] != NONE)
                w->forb[cur[u]] = v;
        });
        size_t c = 0;
        while (w->forb[c] == v)
            c++;
        size_t s = fresh(w);
        w->stamp[v] = s;
        FOR_NEIGHBOURS(g, v, u, {
            if (w->stamp[u] != s && cur[u] == NONE) {
                w->stamp[u] = s;
                if (!sees(g, w, seen, u, v, c)) {
                    bucket_remove(w, u, sat[u]);
                    sat[u]++;
                    bucket_insert(w, u, sat[u]);
                    if (sat[u] > high)
                        high = sat[u];
                    if (c < 64)
                        seen[u] |= (uint64_t)1 << c;
                }
            }
        });
        cur[v] = c;
        if (c + 1 > ncol)
            ncol = c + 1;
    }
    return ncol;
}

/* Culberson's reordering: the color classes of w->cur, last class first. */
static void order_classes(const graph *g, work *w, size_t ncol)
{
    size_t *c = w->head;
    memset(c, 0, (ncol + 1) * sizeof *c);
    for (size_t v = 0; v < g->nv; v++)
        c[ncol - 1 - w->cur[v] + 1]++;
    for (size_t k = 0; k < ncol; k++)
        c[k + 1] += c[k];
    for (size_t v = 0; v < g->nv; v++)
        w->order[c[ncol - 1 - w->cur[v]]++] = v;
}

/* Keeps the pass's coloring if it is the best so far. */
static void keep(const graph *g, const work *w, size_t ncol, size_t *color,
                 size_t *best)
{
    if (ncol < *best) {
        *best = ncol;
        memcpy(color, w->cur, g->nv * sizeof *color);
    }
}

/* The best proper coloring found; lb a lower bound on the colors. */
static int color_proper(const graph *g, size_t lb, size_t *color,
                        size_t *ncolors)
{
    work w;
    size_t best = SIZE_MAX;
    if (g->nv == 0) {
        *ncolors = 0;
        return AD_OK;
    }
    uint64_t *seen = malloc(g->nv * sizeof *seen);
    if (seen == NULL || work_init(&w, g->nv) != AD_OK) {
        free(seen);
        return AD_ENOMEM;
    }
    keep(g, &w, dsatur(g, &w, seen), color, &best);
    free(seen);
    for (int pass = 0; pass < 3 && best > lb; pass++) {
        degrees(g, &w);
        if (pass == 0)
            order_lf(g, &w);
        else if (pass == 1)
            order_sl(g, &w);
        else
            order_id(g, &w);
        keep(g, &w, greedy(g, &w), color, &best);
    }
    /* Iterated greedy from the best: never more colors. */
    for (int pass = 0; pass < SP_RECOLOR && best > lb; pass++) {
        memcpy(w.cur, color, g->nv * sizeof *color);
        order_classes(g, &w, best);
        size_t ncol = greedy(g, &w);
        if (ncol >= best && pass > 0)
            break;
        keep(g, &w, ncol, color, &best);
    }
    work_free(&w);
    *ncolors = best;
    return AD_OK;
}

/* Colors of the columns (rows if rows is set) of J. */
static int color_d2(const ad_pattern *J, int rows, size_t *color,
                    size_t *ncolors)
{
    if (color == NULL || ncolors == NULL || ad_pattern_check(J) != AD_OK)
        return AD_EINVAL;
    ad_pattern *T;
    int rc = ad_pattern_transpose(J, &T);
    if (rc != AD_OK)
        return rc;
    graph g;
    g.nv = rows ? J->m : J->n;
    g.E = rows ? J : T;
    g.F = rows ? T : J;
    /* The vertices of one hyperedge are pairwise adjacent. */
    size_t lb = 0;
    for (size_t e = 0; e < g.F->m; e++) {
        size_t k = g.F->rowptr[e + 1] - g.F->rowptr[e];
        if (k > lb)
            lb = k;
    }
    rc = color_proper(&g, lb, color, ncolors);
    ad_pattern_free(T);
    return rc;
}

int ad_color_columns(const ad_pattern *J, size_t *color, size_t *ncolors)
{
    return color_d2(J, 0, color, ncolors);
}

int ad_color_rows(const ad_pattern *J, size_t *color, size_t *ncolors)
{
    return color_d2(J, 1, color, ncolors);
}

/* ---- star coloring ---------------------------------------------------------
 */

/* The colored neighbours of each vertex, counted per color: a hash table
 * keyed by (vertex, color), open addressing with linear probing.  Keys are
 * stored plus one (0: an empty slot). */
typedef struct ccount {
    uint64_t *key;
    uint32_t *val;
    size_t mask;
} ccount;

static size_t cc_slot(const ccount *h, uint64_t k)
{
    /* Fibonacci hashing: the high bits of k times 2^64 / phi. */
    size_t i = (size_t)((k * 0x9E3779B97F4A7C15u) >> 20) & h->mask;
    while (h->key[i] != 0 && h->key[i] != k)
        i = (i + 1) & h->mask;
    return i;
}

static uint64_t cc_key(size_t v, size_t c)
{
    return ((uint64_t)v << 32 | (uint64_t)c) + 1;
}

static uint32_t cc_get(const ccount *h, size_t v, size_t c)
{
    size_t i = cc_slot(h, cc_key(v, c));
    return h->key[i] != 0 ? h->val[i] : 0;
}

static void cc_inc(ccount *h, size_t v, size_t c)
{
    uint64_t k = cc_key(v, c);
    size_t i = cc_slot(h, k);
    h->key[i] = k;
    h->val[i]++;
}

/* Vertices of more neighbours than this have their colored neighbours
 * counted per color in the hash table; the others scan their (short,
 * contiguous) adjacency list, which is faster than hashing. */
#define SP_SCAN 32

static size_t degree_of(const graph *g, size_t v)
{
    return g->F->rowptr[v + 1] - g->F->rowptr[v];
}

/* 1 if y has a colored neighbour other than x of color a. */
static int other_of_color(const graph *g, const work *w, const ccount *h,
                          size_t y, size_t x, size_t a)
{
    if (degree_of(g, y) > SP_SCAN)
        return cc_get(h, y, a) > 1; /* x is one of them */
    FOR_NEIGHBOURS(g, y, z, {
        if (z != x && w->cur[z] == a)
            return 1;
    });
    return 0;
}

/* A star coloring of the explicit graph g in w->order into w->cur. */
static size_t greedy_star(const graph *g, work *w, ccount *h)
{
    size_t nv = g->nv, ncol = 0, *cur = w->cur;
    memset(h->key, 0, (h->mask + 1) * sizeof *h->key);
    memset(h->val, 0, (h->mask + 1) * sizeof *h->val);
    for (size_t v = 0; v < nv; v++)
        cur[v] = NONE;
    for (size_t c = 0; c <= nv; c++)
        w->forb[c] = NONE, w->cstamp[c] = NONE;
    for (size_t p = 0; p < nv; p++) {
        size_t v = w->order[p];
        /* Neighbours' colors, and how often each occurs. */
        FOR_NEIGHBOURS(g, v, x, {
            size_t c = cur[x];
            if (c != NONE) {
                w->forb[c] = v;
                if (w->cstamp[c] != v) {
                    w->cstamp[c] = v;
                    w->cnt[c] = 0;
                }
                w->cnt[c]++;
            }
        });
        FOR_NEIGHBOURS(g, v, x, {
            size_t a = cur[x];
            if (a == NONE)
                continue;
            if (w->cnt[a] > 1) {
                /* w-v-x-y with color(w) = color(x): y's color is out. */
                FOR_NEIGHBOURS(g, x, y, {
                    if (y != v && cur[y] != NONE)
                        w->forb[cur[y]] = v;
                });
            }
            /* v-x-y-z with color(z) = color(x): y's color is out. */
            FOR_NEIGHBOURS(g, x, y, {
                if (y != v && cur[y] != NONE &&
                    other_of_color(g, w, h, y, x, a))
                    w->forb[cur[y]] = v;
            });
        });
        size_t c = 0;
        while (w->forb[c] == v)
            c++;
        cur[v] = c;
        if (c + 1 > ncol)
            ncol = c + 1;
        FOR_NEIGHBOURS(g, v, x, {
            if (degree_of(g, x) > SP_SCAN)
                cc_inc(h, x, c);
        });
    }
    return ncol;
}

/* The adjacency lists of H + H^T without the diagonal, sorted, unique. */
static int adjacency(const ad_pattern *H, ad_pattern **G)
{
    ad_pattern *T;
    size_t n = H->n;
    int rc = ad_pattern_transpose(H, &T);
    if (rc != AD_OK)
        return rc;
    if (H->nnz > (SIZE_MAX - 1) / 2) {
        ad_pattern_free(T);
        return AD_ERANGE;
    }
    ad_pattern *A = ad_pattern_new(n, n, 2 * H->nnz);
    if (A == NULL) {
        ad_pattern_free(T);
        return AD_ENOMEM;
    }
    /* Merge row i of H and of H^T, both sorted. */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t p = H->rowptr[i], pe = H->rowptr[i + 1];
        size_t q = T->rowptr[i], qe = T->rowptr[i + 1];
        while (p < pe || q < qe) {
            size_t u;
            if (q == qe || (p < pe && H->col[p] < T->col[q]))
                u = H->col[p++];
            else if (p == pe || T->col[q] < H->col[p])
                u = T->col[q++];
            else
                u = H->col[p++], q++;
            if (u != i)
                A->col[k++] = u;
        }
        A->rowptr[i + 1] = k;
    }
    A->nnz = k;
    ad_pattern_free(T);
    *G = A;
    return AD_OK;
}

int ad_color_star(const ad_pattern *H, size_t *color, size_t *ncolors)
{
    if (color == NULL || ncolors == NULL || ad_pattern_check(H) != AD_OK ||
        H->m != H->n)
        return AD_EINVAL;
    if (H->n == 0) {
        *ncolors = 0;
        return AD_OK;
    }
    if (H->n > UINT32_MAX)
        return AD_ERANGE;
    ad_pattern *A;
    int rc = adjacency(H, &A);
    if (rc != AD_OK)
        return rc;
    graph g = {H->n, NULL, A};
    work w;
    ccount h;
    /* Keys: (vertex, color) pairs of the vertices of high degree. */
    size_t cap = 16, keys = 0;
    for (size_t v = 0; v < g.nv; v++)
        if (degree_of(&g, v) > SP_SCAN)
            keys += degree_of(&g, v);
    while (cap < 2 * (keys + 1))
        cap *= 2;
    h.mask = cap - 1;
    h.key = malloc(cap * sizeof *h.key);
    h.val = malloc(cap * sizeof *h.val);
    if (h.key == NULL || h.val == NULL || work_init(&w, g.nv) != AD_OK) {
        free(h.key);
        free(h.val);
        ad_pattern_free(A);
        return AD_ENOMEM;
    }
    /* A vertex with an edge needs 2 colors. */
    size_t best = SIZE_MAX, lb = A->nnz > 0 ? 2 : 1;
    for (int pass = 0; pass < 3 && best > lb; pass++) {
        degrees(&g, &w);
        if (pass == 0)
            order_lf(&g, &w);
        else if (pass == 1)
            order_sl(&g, &w);
        else
            order_id(&g, &w);
        keep(&g, &w, greedy_star(&g, &w, &h), color, &best);
    }
    work_free(&w);
    free(h.key);
    free(h.val);
    ad_pattern_free(A);
    *ncolors = best;
    return AD_OK;
}
