/* expr.c -- libFuzzer target: the expression parser of the admix command
 * (tools/expr.c), and the tape and printouts of whatever it accepts.
 *
 * Any byte string must either be refused with a status and a column, or
 * give an expression that evaluates, records, sweeps and prints without a
 * fault.  Built and run by tests/fuzz/run (clang, -fsanitize=fuzzer,address,
 * undefined). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <admix.h>

#include "expr.h"

/* Expressions with more inputs or outputs are parsed but not swept. */
#define MAX_N 64
#define MAX_M 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    double x[MAX_N], y[MAX_M], g[MAX_N], H[MAX_N * MAX_N];
    if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
        return 0;
    ad_expr *e = NULL;
    ad_expr_error err;
    if (ad_expr_parse((const char *)data, size, NULL, 0, 0, &e, &err) !=
        AD_OK) {
        if (err.column > size + 1)
            abort(); /* an error must point into the text or just past it */
        return 0;
    }
    size_t n = ad_expr_ninputs(e), m = ad_expr_noutputs(e);
    if (n <= MAX_N && m <= MAX_M) {
        for (size_t i = 0; i < n; i++)
            x[i] = 0.5 + 0.25 * (double)(i % 5);
        ad_expr_eval(e, x, y);
        ad_tape *t = ad_tape_new();
        if (t != NULL && ad_expr_record(e, t, x, AD_EXPR_ALL) == AD_OK) {
            ad_tape_eval(t, x, y);
            ad_tape_gradient(t, x, g);
            ad_tape_gradient(t, x, g); /* needed values only: need.c */
            if (n <= 16)
                ad_tape_hessian(t, NULL, H);
            ad_tape_print_opts o = {0};
            ad_tape_print(sink, t, &o);
            o.flags = AD_TAPE_PRINT_DOT | AD_TAPE_PRINT_ADJOINTS;
            ad_tape_print(sink, t, &o);
        }
        ad_tape_free(t);
    }
    ad_expr_free(e);
    ad_thread_release();
    return 0;
}
