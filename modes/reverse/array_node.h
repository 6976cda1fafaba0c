/* array_node.h -- the layout of an array node (internal), for every reader
 * of a tape that meets one: array.c's own rules, the sparsity analysis
 * (modes/mixed/sparsity.c), the MPFR replay (verify/mpfr_array.c).
 *
 * A node's args are [len, nres, ncst, header..., arrays..., len]; headers:
 * DOT [n], SUM [n], AXPY [n], GEMV [trans, m, n], MAP [op, n], CUSTOM [id,
 * n]; arrays, in order: DOT x y; SUM x; AXPY a (1 entry) x y; GEMV A x y;
 * MAP x; CUSTOM x.  Each array is
 *   [0, first]        variables first .. first + k - 1 (K_RANGE)
 *   [1, i_0 .. i_k-1] a list of variables (K_LIST)
 *   [2]               constants: k values in the cst stream (K_CONST).
 * The nodes are trusted: recorded by array.c or checked by the loader
 * (ad__array_check). */
#ifndef ADMIX_ARRAY_NODE_H
#define ADMIX_ARRAY_NODE_H

#include <stddef.h>
#include <stdint.h>

enum { AD__K_RANGE = 0, AD__K_LIST = 1, AD__K_CONST = 2 };

/* One array of a node. */
typedef struct ad__view {
    unsigned kind;       /* AD__K_* */
    size_t k;            /* elements */
    uint32_t first;      /* AD__K_RANGE; 0 otherwise */
    const uint32_t *idx; /* AD__K_LIST; NULL otherwise */
    const double *cst;   /* AD__K_CONST; NULL otherwise */
} ad__view;

/* A parsed array node. */
typedef struct ad__anode {
    size_t n, m, nres; /* sizes of the header; nres results */
    unsigned trans;    /* GEMV */
    unsigned op;       /* MAP: the primitive; CUSTOM: the op's id */
    ad__view v[3];     /* its arrays, in the order above */
    int nv;            /* how many */
} ad__anode;

/* Parses the node of code whose args start at arg and constants at cst
 * (may be NULL for a reader that needs no constants: the K_CONST views'
 * cst is then NULL) (array.c). */
void ad__array_parse(unsigned code, const uint32_t *arg, const double *cst,
                     ad__anode *d);

/* The variable of element i of v, 0 for a constant. */
static inline uint32_t ad__view_var(const ad__view *v, size_t i)
{
    return v->kind == AD__K_RANGE  ? v->first + (uint32_t)i
           : v->kind == AD__K_LIST ? v->idx[i]
                                   : 0;
}

#endif /* ADMIX_ARRAY_NODE_H */
