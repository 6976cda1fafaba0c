/* dispatch.h -- how the sweeps (sweep.c, hessian.c) go from one node to
 * the next (internal to modes/reverse/).  A sweep defines AD__STEP (move
 * to the next node's op byte in cur, or leave the segment) and, when
 * AD__THREADED, includes sweep_table.inc for its table of labels. */
#ifndef ADMIX_DISPATCH_H
#define ADMIX_DISPATCH_H

/* Dispatch.  With GCC and Clang each node ends with its own indirect jump to
 * the next node's code through a table of label addresses ("threaded code",
 * a GNU extension): every jump site learns its own successors, which the
 * single jump of a switch cannot (Ertl & Gregg, "The structure and
 * performance of efficient interpreters", JILP 5, 2003).  Elsewhere, a
 * switch.  AD__CASE labels a node's code, AD__NEXT ends it.  The default
 * handler reads its op byte again from the stream (op[-1] going forward,
 * *op going back) rather than from cur: cur then dies at the jump, and
 * GCC no longer keeps a copy of it in a register through every handler
 * (one instruction less per node). */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(AD_NO_THREADED_SWEEPS)
#define AD__THREADED 1
#endif

#ifdef AD__THREADED
/* Labels as values and computed goto are what -Wpedantic reports; they are
 * used on purpose here, and only here. */
#pragma GCC diagnostic ignored "-Wpedantic"
#define AD__CASE(lbl, code) lbl:
#define AD__DEFAULT         L_default:
#define AD__NEXT                                                               \
    AD__STEP;                                                                  \
    goto *tbl[cur]
#else
#define AD__CASE(lbl, code) case code:
#define AD__DEFAULT         default:
#define AD__NEXT            break
#endif

/* The node loop of one segment: AD__LOOP(more, next) opens it (with a
 * switch: while (more) { next; switch (cur) {, cur being the op byte), and
 * AD__LOOP_END closes it.  Threaded, the loop is the chain of jumps from
 * node to node, entered by AD__NEXT and left at the label seg_done, to
 * which AD__STEP goes at the segment's end. */
#ifdef AD__THREADED
#define AD__LOOP(more, next)                                                   \
    AD__NEXT;                                                                  \
    {
#define AD__LOOP_END                                                           \
    }                                                                          \
    seg_done:;
#else
#define AD__LOOP(more, next)                                                   \
    while (more) {                                                             \
        next;                                                                  \
        switch (cur) {
#define AD__LOOP_END                                                           \
    }                                                                          \
    }
#endif

#endif /* ADMIX_DISPATCH_H */
