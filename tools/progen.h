/* progen.h -- random programs over the whole primitive table, evaluated by
 * every mode of admix and checked against the MPFR replay of their tape
 * (differential testing).  Shared by `admix fuzz` (tools/fuzz.c) and the
 * test suite (tests/test_fuzz.c); the code is in tools/progen.c, the
 * interpreter in tools/progen.inc.
 *
 * A program is a straight-line list of instructions over nodes: nodes
 * 0 .. n-1 are the inputs x0 .. x(n-1), node n + j is the result of
 * instruction j.  An instruction is
 *   PG_OP      a primitive of primitives/ops.def (unary, powi with its
 *              integer parameter, or binary) on nodes or constants;
 *   PG_SELECT  ad_select(a0, a1, a2): a1 if a0 > 0, else a2;
 *   PG_CMP     a0 <op> a1 ? a2 : a3 with <op> one of ad_lt ad_le ad_gt
 *              ad_ge ad_eq, a branch of the program's control flow (on the
 *              tape: a recorded comparison).
 * Any argument may be a constant instead of a node (pg_arg.node < 0).  The
 * program also carries its point x, a direction v (for J v and H v) and
 * output weights w (for w^T J): everything needed to reproduce a check.
 *
 * One interpreter, written once in progen.inc with T the number type and
 * instantiated by <admix/instantiate.h>, runs a program as double, double
 * complex, ad_dual, ad_dualv, ad_hdual and ad_var (recording a tape); its
 * params pointer is a pg_params, which points to the program.
 *
 * pg_check evaluates a program in every mode and compares each result with
 * the MPFR replay of its tape; see progen.c for the tolerances and why.
 * pg_shrink reduces a failing program to a small one that still fails (delta
 * debugging), and pg_print_expr writes a program in the syntax of the `admix`
 * expression language (tools/expr.h).
 */
#ifndef ADMIX_TOOLS_PROGEN_H
#define ADMIX_TOOLS_PROGEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "admix.h"

#define PG_MAX_IN    4  /* inputs */
#define PG_MAX_OUT   2  /* outputs */
#define PG_MAX_INS   64 /* instructions */
#define PG_MAX_NODES (PG_MAX_IN + PG_MAX_INS)

/* Instruction kinds. */
enum { PG_OP = 0, PG_SELECT, PG_CMP };
/* The comparisons of PG_CMP (pg_ins.op). */
enum { PG_LT = 0, PG_LE, PG_GT, PG_GE, PG_EQ, PG_NCMP };

/* An argument: node `node`, or the constant k when node < 0. */
typedef struct pg_arg {
    int node;
    double k;
} pg_arg;

typedef struct pg_ins {
    int kind; /* PG_OP, PG_SELECT, PG_CMP */
    int op;   /* an ad_op (PG_OP) or a comparison (PG_CMP) */
    int c;    /* powi's exponent */
    /* PG_OP: a[0] (and a[1] for binary primitives); PG_SELECT: condition
     * a[0], then a[1], else a[2]; PG_CMP: a[0] <op> a[1] ? a[2] : a[3]. */
    pg_arg a[4];
} pg_ins;

typedef struct pg_prog {
    int n, m, len;        /* inputs (>= 1), outputs (>= 1), instructions */
    double x[PG_MAX_IN];  /* the point */
    double v[PG_MAX_IN];  /* the direction of J v and H v */
    double w[PG_MAX_OUT]; /* the weights of w^T J */
    int out[PG_MAX_OUT];  /* the node of each output */
    pg_ins ins[PG_MAX_INS];
} pg_prog;

/* A deliberately wrong derivative, for testing the checker itself: the
 * interpreter multiplies the tangent (PG_FAULT_DUAL: ad_dual's d, ad_dualv's
 * lanes) or the second-order part (PG_FAULT_HDUAL: ad_hdual's d12) of every
 * result of primitive `op` by 1 + 2^-12.  Never set outside tests. */
enum { PG_FAULT_NONE = 0, PG_FAULT_DUAL, PG_FAULT_HDUAL };
typedef struct pg_fault {
    int where; /* PG_FAULT_* */
    int op;    /* the primitive (an ad_op) */
} pg_fault;

/* The params of the interpreter's entry points. */
typedef struct pg_params {
    const pg_prog *prog;
    pg_fault fault;
} pg_params;

/* The interpreter (progen.inc, instantiated in progen.c), and an ad_fn
 * holding all its entry points (n and m from the program). */
void pg_interp_double(const double *x, double *y, const void *params);
void pg_interp_dual(const ad_dual *x, ad_dual *y, const void *params);
void pg_interp_dualv(const ad_dualv *x, ad_dualv *y, const void *params);
void pg_interp_hdual(const ad_hdual *x, ad_hdual *y, const void *params);
void pg_interp_var(const ad_var *x, ad_var *y, const void *params);
ad_fn pg_interp_fn(const void *params);

/* ---- generation -------------------------------------------------------- */

typedef struct pg_gen_opts {
    int max_len;    /* instructions, at most PG_MAX_INS (0: 40) */
    int max_inputs; /* at most PG_MAX_IN (0: PG_MAX_IN) */
} pg_gen_opts;

/* A random program from `seed` (the same seed gives the same program).
 * opts may be NULL. */
void pg_generate(uint64_t seed, const pg_gen_opts *opts, pg_prog *p);

/* ---- checking ---------------------------------------------------------- */

/* The modes compared with the MPFR reference. */
enum {
    PG_M_REF = 0,    /* progen's own hyper-dual reference (table rules) */
    PG_M_DOUBLE,     /* the interpreter on double */
    PG_M_DUAL,       /* ad_dual, one run per input and one along v */
    PG_M_DUALV,      /* ad_dualv, all inputs in one run */
    PG_M_HDUAL,      /* ad_hdual, one run per input, second seed v */
    PG_M_TAPE,       /* the tape at its recorded point (x NULL) */
    PG_M_TAPE_AT_X,  /* the tape replayed at x (x given) */
    PG_M_TAPE_MOVED, /* the tape recorded near x, replayed at x */
    PG_NMODES
};
/* The quantities compared. */
enum {
    PG_Q_Y = 0, /* the value of each output */
    PG_Q_J,     /* the gradient of each output (a row of J) */
    PG_Q_JV,    /* J v, per output */
    PG_Q_WJ,    /* w^T J */
    PG_Q_HV,    /* H v, the Hessian of output 0 times v */
    PG_NQTY
};

const char *pg_mode_name(int mode);
const char *pg_qty_name(int qty);

/* Outcome of a check. */
enum {
    PG_PASS = 0,
    PG_FAIL,   /* a mode disagrees with the reference beyond tolerance */
    PG_INVALID /* the program is outside what is checked (a value out of
                  range, a point too close to a kink or a branch switch
                  for its rounding error, ...): not a verdict */
};

/* One comparison that failed. */
typedef struct pg_mismatch {
    int mode, qty, row; /* row: the output (Y, J, JV) */
    int idx;            /* the worst entry */
    double got, ref;    /* that entry: the mode's and MPFR's */
    double err, tol;    /* max-norm error of the row, and its tolerance */
    double scale;       /* max-norm of the reference row */
    int status;         /* an AD_* status other than AD_OK, or AD_OK */
} pg_mismatch;

#define PG_MAX_MISMATCH 8

typedef struct pg_report {
    int status;    /* PG_PASS, PG_FAIL, PG_INVALID */
    char why[160]; /* PG_INVALID: why; PG_FAIL: a one-line summary */
    double ratio[PG_NMODES][PG_NQTY]; /* max err / tol (-1: not compared) */
    double strength[PG_NQTY];         /* max tol / scale over the rows: the
                                         relative accuracy the check demanded */
    int nmismatch;                    /* all of them (PG_MAX_MISMATCH kept) */
    pg_mismatch mis[PG_MAX_MISMATCH];
} pg_report;

/* A checker: the tape it records into and its fault (test hook). */
typedef struct pg_checker pg_checker;
pg_checker *pg_checker_new(void);
void pg_checker_free(pg_checker *c);
void pg_checker_set_fault(pg_checker *c, const pg_fault *fault);

/* Checks p; fills *r and returns r->status. */
int pg_check(pg_checker *c, const pg_prog *p, pg_report *r);

/* Shrinks a failing program in place while it keeps failing: drops
 * instructions, replaces results by their arguments, arguments by
 * constants, outputs and inputs, and shortens constants.  At most
 * max_checks checks (0: 4000).  Returns the number of checks made. */
int pg_shrink(pg_checker *c, pg_prog *p, int max_checks);

/* Writes p's outputs as an expression of the admix language (`sin(x0*x1),
 * atan2(x1, 2.5)`): numbers that read back exactly, + - * / and unary -,
 * the table's names as functions.  ad_select and comparisons, which that
 * language lacks, are written select(c, a, b) and (a < b ? c : d).  A
 * program whose inlined text would pass `cap` bytes is written as one
 * assignment per node instead ("v3 = sin(v2); ...").  Returns the
 * number of bytes written; buf gets at most size bytes, NUL-terminated. */
size_t pg_format_expr(const pg_prog *p, char *buf, size_t size, size_t cap);
/* 1 if the program has no select or comparison (its text parses). */
int pg_is_plain(const pg_prog *p);

/* Writes a reproducer for a failing program: the expression, the point,
 * v, w, the command that recomputes it, and every mismatch. */
void pg_print_repro(FILE *out, const pg_prog *p, const pg_report *r);

/* ---- the fuzz loop ----------------------------------------------------- */

typedef struct pg_stats {
    long programs; /* generated */
    long pass, fail, invalid;
    long op_checked[AD_OP_COUNT]; /* checked programs using each primitive */
    long selects, cmps;           /* ... a select, a comparison */
    double worst[PG_NMODES][PG_NQTY]; /* max err / tol over passed checks */
    double strength_sum[PG_NQTY];     /* sum of log10(strength), for the */
    long strength_n[PG_NQTY];         /* geometric mean */
    long instructions;                /* total over checked programs */
} pg_stats;

typedef struct pg_fuzz_opts {
    uint64_t seed;
    long programs;  /* stop after this many (0: no limit) */
    long checked;   /* ... or this many judged ones (0: no limit) */
    double seconds; /* stop after this long (0: no limit) */
    pg_gen_opts gen;
    FILE *progress;        /* a progress line about every second, or NULL */
    FILE *out;             /* reproducers, or NULL */
    int max_fail;          /* stop after this many failures (0: 1) */
    int shrink;            /* 1: shrink failures before printing */
    const pg_fault *fault; /* test hook, NULL normally */
} pg_fuzz_opts;

/* Program k of a run with seed s is pg_generate(pg_program_seed(s, k)). */
uint64_t pg_program_seed(uint64_t seed, long k);

/* Runs the loop; returns AD_OK, or AD_ENOMEM. */
int pg_fuzz(const pg_fuzz_opts *o, pg_stats *st);
/* A summary of the statistics (coverage, worst ratios, strengths). */
void pg_print_stats(FILE *out, const pg_stats *st, double seconds);

#endif /* ADMIX_TOOLS_PROGEN_H */
