/* count.c -- the closed forms of binomial checkpointing and revolve's split.
 *
 * Griewank & Walther ("Algorithm 799: revolve", ACM TOMS 26(1), 2000; and
 * Griewank, "Achieving logarithmic growth of temporal and spatial
 * complexity in reverse automatic differentiation", Optim. Methods Softw.
 * 1, 1992): with s snapshots and no step advanced more than r times, at
 * most beta(s, r) = C(s+r, s) steps can be reversed, and the fewest forward
 * steps for l steps are
 *
 *     t(l, s) = r l - beta(s+1, r-1),  r the least with beta(s, r) >= l,
 *
 * the value of the recursion T(l, s) = min_m m + T(l-m, s-1) + T(m, s) (go
 * m steps, store the state, reverse the last l-m steps with one snapshot
 * fewer, then the first m with all of them back) with T(1, s) = 0 and
 * T(l, 1) = l(l-1)/2.  t is piecewise linear in l with slope r on
 * beta(s, r-1) < l <= beta(s, r), hence convex, and so is the cost of the
 * split m; the split is optimal exactly on the interval
 *
 *     max(beta(s, r-2), l - beta(s-1, r)) <= m <= min(beta(s, r-1),
 *                                                    l - beta(s-1, r-1))
 *
 * (where the increments of m + T(m, s) + T(l-m, s-1), which are
 * 1 + r(m+1, s) - r(l-m, s-1), change sign).
 *
 * Writes.  Among those splits we take one that also minimises snapshot
 * writes.  The fewest writes W(l, s) (the state at the range's start not
 * counted, no write when l - m = 1 since that state is swept back at once)
 * satisfy, as we derived and checked against the lexicographic dynamic
 * program for every l <= 400, s <= 12 (and the test suite re-checks
 * l <= 200, s <= 8):
 *
 *     W(l, s) = W(B, s) + max(0, l - B - beta(s-1, r-1)),  B = beta(s, r-1),
 *
 * with W(l, 1) = 0 and W(l, s) = l - 2 when r = 1: flat over the first
 * beta(s-1, r-1) steps past B, then one more write per step.  The writes of
 * a split, 1 + W(m, s) + W(l-m, s-1), are therefore least where both parts
 * sit in their flat stretches, m <= A1 = beta(s, r-2) + beta(s-1, r-2) and
 * l - m <= A2 = beta(s-1, r-1) + beta(s-2, r-1), and constant across
 * [A1, l - A2] when no m has both; the split below is the point of the
 * optimal interval nearest to that region.
 *
 * All counts are 64-bit and saturate at UINT64_MAX, which callers read as
 * "more than any step count": a saturated beta is larger than every l, so
 * the comparisons stay right.
 */
#include "revolve_impl.h"

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

uint64_t ad__revolve_beta(uint64_t s, uint64_t t)
{
    /* C(n, k) with k the smaller of s and t, built up as C(n-k+i, i), each
     * an integer.  When c (n-k+i) would overflow, dividing out gcd(c, i)
     * first keeps c (n-k+i) / i exact without a wider type: i / g then
     * divides n-k+i.  C(n-k+i, i) >= 2^i
     * since n-k >= k, so the loop saturates within 64 rounds however large
     * k is. */
    uint64_t k = s < t ? s : t, rest = s < t ? t : s, c = 1;
    for (uint64_t i = 1; i <= k; i++) {
        uint64_t f = rest + i;
        if (f < rest)
            return UINT64_MAX;
        if (c <= UINT64_MAX / f) {
            c = c * f / i; /* c f = i C(rest+i, i): exact */
            continue;
        }
        uint64_t g = gcd64(c, i);
        uint64_t c1 = c / g;
        f /= i / g;
        if (c1 > UINT64_MAX / f)
            return UINT64_MAX;
        c = c1 * f;
    }
    return c;
}

uint64_t ad__revolve_rep(uint64_t l, uint64_t s)
{
    if (l <= 1)
        return 0;
    if (s == 0)
        return UINT64_MAX; /* no snapshot reverses two steps */
    if (s == 1)
        return l - 1; /* beta(1, r) = r + 1 */
    /* beta(s, r) >= l for some r <= l - 1 (beta(s, l-1) >= beta(1, l-1)),
     * so doubling then bisection finds the least one in O(log r) binomials. */
    uint64_t lo = 0, hi = 1; /* beta(s, lo) < l <= beta(s, hi) once found */
    while (ad__revolve_beta(s, hi) < l) {
        lo = hi;
        hi *= 2;
    }
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ad__revolve_beta(s, mid) < l)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

uint64_t ad__revolve_cost(uint64_t l, uint64_t s)
{
    if (l <= 1)
        return 0;
    uint64_t r = ad__revolve_rep(l, s);
    if (r > UINT64_MAX / l)
        return UINT64_MAX;
    uint64_t b = ad__revolve_beta(s + 1, r - 1);
    /* t >= 0 always; the test only guards a saturated b. */
    return b > r * l ? UINT64_MAX : r * l - b;
}

/* beta(s, t) with beta(s, -1) = 0, t given as t + 1 >= 0. */
static uint64_t beta_m1(uint64_t s, uint64_t tp1)
{
    return tp1 == 0 ? 0 : ad__revolve_beta(s, tp1 - 1);
}

/* a - b, or 0 if b >= a. */
static uint64_t sub0(uint64_t a, uint64_t b)
{
    return b >= a ? 0 : a - b;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t ad__revolve_split(uint64_t l, uint64_t k)
{
    if (k <= 1 || l <= 2)
        return l - 1;
    uint64_t r = ad__revolve_rep(l, k); /* >= 1 since l >= 2 */
    /* The optimal interval [lo, hi] (see the top of the file). */
    uint64_t lo = beta_m1(k, r - 1); /* beta(k, r-2) */
    uint64_t x = sub0(l, ad__revolve_beta(k - 1, r));
    if (x > lo)
        lo = x;
    if (lo < 1)
        lo = 1;
    uint64_t hi = ad__revolve_beta(k, r - 1);
    x = sub0(l, ad__revolve_beta(k - 1, r - 1));
    if (x < hi)
        hi = x;
    if (l - 1 < hi)
        hi = l - 1;
    /* The writes: nearest to the stretch where both parts write least. */
    uint64_t a1 = add_sat(beta_m1(k, r - 1), beta_m1(k - 1, r - 1));
    uint64_t a2 =
        add_sat(ad__revolve_beta(k - 1, r - 1), ad__revolve_beta(k - 2, r - 1));
    uint64_t m = a1 < hi ? a1 : hi;
    x = sub0(l, a2);
    if (x > m)
        m = x;
    if (lo > m)
        m = lo;
    return m < hi ? m : hi;
}

/* ---- the public closed forms --------------------------------------------- */

int ad_revolve_beta(size_t s, size_t t, uint64_t *out)
{
    if (out == NULL)
        return AD_EINVAL;
    uint64_t b = ad__revolve_beta(s, t);
    *out = b;
    return b == UINT64_MAX ? AD_ERANGE : AD_OK;
}

int ad_revolve_repetitions(size_t l, size_t s, size_t *r)
{
    if (r == NULL || l == 0 || (s == 0 && l > 1))
        return AD_EINVAL;
    *r = (size_t)ad__revolve_rep(l, s); /* r <= l - 1 fits */
    return AD_OK;
}

int ad_revolve_forward_steps(size_t l, size_t s, uint64_t *t)
{
    if (t == NULL || l == 0 || (s == 0 && l > 1))
        return AD_EINVAL;
    uint64_t c = ad__revolve_cost(l, s);
    *t = c;
    return c == UINT64_MAX ? AD_ERANGE : AD_OK;
}
