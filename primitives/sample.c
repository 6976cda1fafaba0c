/* sample.c -- deterministic random points for the primitives' samplers
 * (tests and fuzzers): splitmix64 (Steele, Lea & Flood, OOPSLA 2014). */
#include <math.h>

#include "primitive.h"

uint64_t ad__rand_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

double ad__rand_uniform(uint64_t *s, double lo, double hi)
{
    double u = (double)(ad__rand_next(s) >> 11) * 0x1p-53;
    return lo + (hi - lo) * u;
}

double ad__rand_logmag(uint64_t *s, double elo, double ehi, int signed_)
{
    double x = pow(10.0, ad__rand_uniform(s, elo, ehi));
    if (signed_ && (ad__rand_next(s) & 1u))
        x = -x;
    return x;
}

double ad__rand_near(uint64_t *s, double edge, double dir, double elo,
                     double ehi)
{
    return edge + dir * pow(10.0, ad__rand_uniform(s, elo, ehi));
}

long ad__rand_int(uint64_t *s, long lo, long hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1u;
    return lo + (long)(ad__rand_next(s) % span);
}

double ad__rand_scales(uint64_t *s, double elo, double wlo, double whi,
                       double m)
{
    switch (ad__rand_next(s) % 4) {
    case 0:
        return ad__rand_logmag(s, elo, 0.0, 1);
    case 1:
        return ad__rand_uniform(s, wlo, whi);
    default:
        return ad__rand_uniform(s, -m, m);
    }
}
