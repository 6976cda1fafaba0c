/* node.c -- the shape of a node (how many args, constants and results it
 * has), from its op byte: for readers of a tape that are not sweeps (the
 * file loader's checks, printers, other replays). */
#include "tape_impl.h"

int ad__node_shape(uint8_t op, const uint32_t *arg, size_t avail,
                   size_t *narg, size_t *ncst, size_t *nres)
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
