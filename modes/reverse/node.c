/* node.c -- the shape of a node (how many args, constants and results it
 * has), from its op byte: for readers of a tape that are not sweeps (the
 * file loader's checks, printers, other replays). */
#include <threads.h>

#include "tape_impl.h"

int ad__node_shape(uint8_t op, const uint32_t *arg, size_t avail, size_t *narg,
                   size_t *ncst, size_t *nres)
{
    unsigned code = op & AD__CODE, var = op & ~AD__CODE;
    *nres = 1;
    if (code < AD_OP_COUNT) {
        const ad_op_info *d = ad_op_get((int)code);
        if (var == (AD__XC | AD__CX) || (var != 0 && d->arity != 2))
            return -1;
        *narg = d->arity == 2 && var == 0 ? 2 : 1;
        *ncst = var != 0 || d->has_param ? 1 : 0;
        return 0;
    }
    switch (code) {
    case AD__OP_INDEP:
    case AD__OP_CONST:
        if (var != 0)
            return -1;
        *narg = 0;
        *ncst = code == AD__OP_CONST;
        return 0;
    case AD__OP_SELECT:
        if (var != 0)
            return -1;
        *narg = 3;
        *ncst = 0;
        return 0;
    case AD__OP_LT:
    case AD__OP_LE:
    case AD__OP_GT:
    case AD__OP_GE:
    case AD__OP_EQ:
        if (var == (AD__XC | AD__CX))
            return -1;
        *nres = 0;
        *narg = var ? 1 : 2;
        *ncst = var ? 2 : 1;
        return 0;
    case AD__OP_INDEPS:
        if (var != 0 || avail < 2 || arg[0] == 0 || arg[0] != arg[1])
            return -1;
        *narg = 2;
        *ncst = 0;
        *nres = arg[0];
        return 0;
    case AD__OP_DOT:
    case AD__OP_AXPY:
    case AD__OP_SUM:
    case AD__OP_GEMV:
    case AD__OP_MAP:
    case AD__OP_CUSTOM:
        if (var != 0 || avail < 4 || arg[0] < 4 || arg[0] > avail ||
            arg[arg[0] - 1] != arg[0])
            return -1;
        *narg = arg[0];
        *nres = arg[1];
        *ncst = arg[2];
        return 0;
    default:
        return -1;
    }
}

/* Per op byte: its kind and, for scalar nodes, its argument and constant
 * counts; filled once from ad__node_shape. */
static ad__node_kind kinds[256];
static once_flag kinds_once = ONCE_FLAG_INIT;

static void kinds_init(void)
{
    for (unsigned op = 0; op < 256; op++) {
        unsigned code = op & AD__CODE;
        size_t na = 0, nc = 0, nr = 0;
        uint32_t dummy[2] = {1, 1};
        int ok = ad__node_shape((uint8_t)op, dummy, 2, &na, &nc, &nr) == 0;
        unsigned char k = AD__N_BAD;
        if (AD__IS_ARRAY(code) && (op & ~AD__CODE) == 0)
            k = AD__N_ARRAY;
        else if (!ok)
            k = AD__N_BAD;
        else if (code == AD__OP_INDEP)
            k = AD__N_INDEP;
        else if (code == AD__OP_INDEPS)
            k = AD__N_INDEPS;
        else if (code == AD__OP_CONST)
            k = AD__N_CONST;
        else if (code >= AD__OP_LT && code <= AD__OP_EQ)
            k = AD__N_CMP;
        else
            k = AD__N_SCALAR;
        /* What the node's reverse rule reads: its result and arguments
         * unless the table says the partials need no value; ad_select its
         * condition. */
        unsigned char reads = 0;
        if (k == AD__N_SCALAR && code == AD__OP_SELECT)
            reads = AD__READS_ARG0;
        else if (k == AD__N_SCALAR) {
            unsigned f = ad_op_get((int)code)->flags, var = op & ~AD__CODE;
            unsigned lin = AD_F_LINEAR | (var == AD__XC   ? AD_F_LIN_XC
                                          : var == AD__CX ? AD_F_LIN_CX
                                                          : 0u);
            reads = f & lin ? 0 : AD__READS_ALL;
            unsigned y1 = AD_F_Y1 | AD_F_DOMAIN, y2 = y1 | AD_F_Y2;
            kinds[op].reads_y =
                (unsigned char)(reads ? (f & y1 ? 1u : 0u) | (f & y2 ? 2u : 0u)
                                      : 0u);
        }
        kinds[op].kind = k;
        kinds[op].narg = (unsigned char)na;
        kinds[op].ncst = (unsigned char)nc;
        kinds[op].reads = reads;
    }
}

const ad__node_kind *ad__node_kinds(void)
{
    call_once(&kinds_once, kinds_init);
    return kinds;
}
