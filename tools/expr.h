/* expr.h -- the expression language of the admix command (tools/expr.c).
 *
 * An expression is one or more outputs separated by commas, f: R^n -> R^m:
 *
 *     sin(x^2)                     one input, one output
 *     x*y + exp(-y), hypot(x, y)   two inputs, two outputs
 *
 * made of numbers (2, 0.5, 1e-3, .25), names, the operators + - * / and ^
 * (also written **), unary minus and plus, parentheses, and calls of the
 * primitives of primitives/ops.def by their names (sin(x), atan2(y, x),
 * pow(x, y), powi(x, 3): whatever the table holds, looked up at run time).
 * pi and e are the constants.  Every other name is a variable, an input.
 *
 * Precedence, loosest first: , then + - (left), then * / (left), then unary
 * - +, then ^ (right): -x^2 is -(x^2), 2^3^2 is 2^9, x^-2 is x^(-2), as in
 * mathematics.  x^2 is recorded as sqr(x), x^k with another integer
 * constant k as powi(x, k) (exact for negative x), any other power as pow.
 * Subexpressions without variables are folded to one constant.
 *
 * The inputs are numbered by first appearance, after the variables the
 * caller declares (which come first, in the caller's order).  A parse error
 * names its column (1-based, in bytes) and what was expected there; no input
 * makes the parser crash or recurse without bound: nesting deeper than
 * AD_EXPR_MAX_DEPTH, more than AD_EXPR_MAX_NODES operations or
 * AD_EXPR_MAX_VARS variables, a name longer than AD_EXPR_MAX_NAME or a number
 * longer than AD_EXPR_MAX_NUMBER characters are reported as errors.
 */
#ifndef ADMIX_TOOLS_EXPR_H
#define ADMIX_TOOLS_EXPR_H

#include <stddef.h>

#include "admix.h"

#define AD_EXPR_MAX_DEPTH  256
#define AD_EXPR_MAX_NODES  262144
#define AD_EXPR_MAX_VARS   1000
#define AD_EXPR_MAX_NAME   64
#define AD_EXPR_MAX_NUMBER 1000

/* A parsed expression: a list of operations, each after its arguments. */
typedef struct ad_expr ad_expr;

/* Why a parse failed. */
typedef struct ad_expr_error {
    int status;    /* AD_OK, AD_EINVAL (syntax), AD_ERANGE (a limit above),
                      AD_ENOMEM */
    size_t column; /* 1-based byte column; 0 when not at a place in the text
                      (a bad declared variable, memory) */
    char msg[256]; /* what was expected and what was found */
} ad_expr_error;

/* Flags of ad_expr_parse. */
#define AD_EXPR_STRICT                                                         \
    1u /* only the declared variables: other names are                         \
          errors */

/* Parses the len bytes at src (a NUL among them is an unexpected
 * character).  vars[0 .. nvars-1] are declared variables: inputs 0 .. nvars-1
 * whether they appear or not.  On success *out is the expression (free it
 * with ad_expr_free) and AD_OK is returned; else *out is NULL, err (if not
 * NULL) says why and its status is returned. */
int ad_expr_parse(const char *src, size_t len, const char *const *vars,
                  size_t nvars, unsigned flags, ad_expr **out,
                  ad_expr_error *err);
void ad_expr_free(ad_expr *e);

/* The inputs: their number, names and the column where each first appears
 * (0 for a declared variable that does not). */
size_t ad_expr_ninputs(const ad_expr *e);
const char *ad_expr_input(const ad_expr *e, size_t i);
size_t ad_expr_input_column(const ad_expr *e, size_t i);
/* The outputs: their number and the text of each (without the spaces
 * around it). */
size_t ad_expr_noutputs(const ad_expr *e);
const char *ad_expr_output(const ad_expr *e, size_t j);

/* y = f(x) in double precision, with the primitives' own value rules (the
 * values a tape records).  AD_OK, AD_EINVAL (NULL) or AD_ENOMEM. */
int ad_expr_eval(const ad_expr *e, const double *x, double *y);

/* Records f at x on tape: begins the recording, creates the inputs in order
 * (one ad_independent each), records the operations as ad_var arithmetic,
 * marks the outputs (all of them, or only output `which` when which is not
 * AD_EXPR_ALL) and ends the recording.  Returns ad_tape_end's status, or
 * AD_EINVAL (NULL, which out of range, the thread already records),
 * AD_ENOMEM. */
#define AD_EXPR_ALL ((size_t)-1)
int ad_expr_record(const ad_expr *e, ad_tape *tape, const double *x,
                   size_t which);

#endif /* ADMIX_TOOLS_EXPR_H */
