/* load.c -- libFuzzer target: the tape file loader (ad_tape_read) and the
 * sweeps on whatever it accepts.
 *
 * Any byte string must either be refused (AD_EFORMAT, AD_EIO, AD_ENOMEM)
 * or give a tape that every sweep runs on without a fault: the loader is
 * the only guard between a file and the sweeps' unchecked indices.  Built
 * and run by tests/fuzz/run (clang, -fsanitize=fuzzer,address,undefined). */
#define _GNU_SOURCE /* fmemopen */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <admix.h>

/* Inputs and outputs beyond these are loaded but not swept. */
#define MAX_N 4096
#define MAX_M 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static double x[MAX_N], v[MAX_N], g[MAX_N], hv[MAX_N], y[MAX_M], jv[MAX_M],
        w[MAX_M];
    if (size == 0)
        return 0; /* fmemopen refuses an empty buffer */
    FILE *f = fmemopen((void *)data, size, "rb");
    if (f == NULL)
        return 0;
    ad_tape *t = ad_tape_new();
    if (t != NULL && ad_tape_set_limit(t, (size_t)256 << 20) == AD_OK &&
        ad_tape_read(t, f) == AD_OK) {
        ad_tape_info info;
        ad_tape_stats(t, &info);
        if (info.n <= MAX_N && info.m <= MAX_M) {
            for (size_t i = 0; i < info.n; i++) {
                x[i] = 0.5 + 0.25 * (double)(i % 7);
                v[i] = 1.0;
            }
            for (size_t j = 0; j < info.m; j++)
                w[j] = 1.0;
            ad_tape_eval(t, NULL, y);
            ad_tape_eval(t, x, y);
            ad_tape_jvp(t, x, v, y, jv);
            ad_tape_vjp(t, NULL, w, y, g);
            if (info.m > 0) {
                /* Twice each at x: the second replays only the needed
                 * values (modes/reverse/need.c). */
                for (int k = 0; k < 2; k++) {
                    ad_tape_gradient(t, x, g);
                    ad_tape_hvp(t, x, v, hv);
                }
                ad_tape_hvp(t, NULL, v, hv);
                ad_tape_linearize(t);
                ad_tape_gradient(t, NULL, g);
                if (ad_tape_compile(t) == AD_OK) {
                    ad_tape_gradient(t, x, g);
                    ad_tape_jvp(t, x, v, y, jv);
                }
            }
        }
    }
    ad_tape_free(t);
    fclose(f);
    ad_thread_release();
    return 0;
}
