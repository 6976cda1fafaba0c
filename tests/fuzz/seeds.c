/* seeds.c -- the starting corpus of the load target (tests/fuzz/run): a few
 * small tapes that hold every kind of node, saved into the directory given
 * as the only argument. */
#include <stdio.h>

#include <admix.h>

static int save(ad_tape *t, const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.tape", dir, name);
    int rc = ad_tape_save(t, path);
    if (rc != AD_OK)
        fprintf(stderr, "seeds: %s: %s\n", path, ad_strerror(rc));
    return rc != AD_OK;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: seeds DIR\n");
        return 2;
    }
    ad_tape *t = ad_tape_new();
    if (t == NULL)
        return 1;
    int bad = 0;

    /* The seed example, scalar inputs. */
    ad_tape_begin(t);
    ad_dependent(ad_sin(ad_sqr(ad_independent(2.0))));
    bad |= ad_tape_end(t) != AD_OK || save(t, argv[1], "seed");

    /* Binary primitives with variable and constant arguments, powi, a
     * comparison and a select; two outputs, one of them constant. */
    double x0[3] = {0.5, 1.5, -0.25};
    ad_var x[3];
    ad_tape_begin(t);
    ad_independent_array(3, x0, x);
    ad_var a = ad_mul(x[0], ad_add(x[1], 2.0));
    ad_var b = ad_atan2(ad_powi(x[2], 3), ad_div(1.0, x[1]));
    int lt = ad_lt(a, b);
    ad_dependent(ad_select(ad_sub(a, b), ad_exp(a), ad_hypot(b, x[0])));
    ad_dependent(ad_var_const(lt ? 1.0 : 2.0));
    bad |= ad_tape_end(t) != AD_OK || save(t, argv[1], "scalar");

    /* The array nodes: gemv both ways, map, dot, sum, axpy. */
    double w0[12];
    ad_var W[12], h[3], z[4];
    for (int i = 0; i < 12; i++)
        w0[i] = 0.1 * (double)(i + 1);
    ad_tape_begin(t);
    ad_independent_array(12, w0, W);
    for (int i = 0; i < 3; i++)
        h[i] = W[i];
    for (int i = 0; i < 4; i++)
        z[i] = ad_var_const(0.5);
    ad_gemv(AD_NOTRANS, 3, 4, W, W + 8, h);
    ad_map(AD_OP_TANH, 3, h, h);
    ad_gemv(AD_TRANS, 3, 4, W, h, z);
    ad_axpy(3, W[0], h, z);
    ad_dependent(ad_add(ad_dot(4, z, W + 4), ad_sum(3, h)));
    bad |= ad_tape_end(t) != AD_OK || save(t, argv[1], "array");

    ad_tape_free(t);
    ad_thread_release();
    return bad;
}
