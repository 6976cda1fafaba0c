/* par.c -- when a loop of independent sweeps or passes is worth OpenMP
 * threads.
 *
 * Handing work to another thread costs a few microseconds when that
 * thread is idle and spinning, but up to a scheduler time slice (several
 * milliseconds were measured on this project's 2-core VMs under load) when
 * it has to be woken or its core is busy: a 20 x 20 Jacobian took 12 to
 * 18 ms on two threads against well under a millisecond on one.  So the
 * drivers go parallel only when the loop holds more than AD__PAR_SECONDS
 * of work, estimated from the tape (nodes times lanes at a few ns each,
 * the sweeps' measured speed: README's benchmarks) or measured on the
 * loop's first task.  The environment variable ADMIX_OMP_MIN_SECONDS
 * sets another threshold (0: every loop of two tasks or more goes
 * parallel; the tests use it).  Results do not depend on the choice: every
 * task writes its own part of the output and does the same operations
 * either way. */
#include <stdlib.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "tape_impl.h"

/* About the cost of one node and lane of a sweep (3 to 6 ns measured). */
#define NODE_SECONDS 4e-9

/* The threshold: AD__PAR_SECONDS, or ADMIX_OMP_MIN_SECONDS when set to a
 * number >= 0. */
static double min_seconds(void)
{
    const char *e = getenv("ADMIX_OMP_MIN_SECONDS");
    if (e != NULL && *e != '\0') {
        char *end;
        double v = strtod(e, &end);
        if (*end == '\0' && v >= 0.0)
            return v;
    }
    return AD__PAR_SECONDS;
}

int ad__par_worth(size_t tasks, double seconds_each)
{
#ifdef _OPENMP
    if (tasks < 2 || omp_get_max_threads() < 2 || omp_in_parallel())
        return 0;
    return seconds_each * (double)tasks >= min_seconds();
#else
    (void)tasks;
    (void)seconds_each;
    return 0;
#endif
}

double ad__sweep_seconds(const ad_tape *t, size_t lanes)
{
    return NODE_SECONDS * (double)(t->nop + t->narg) *
           (double)(lanes ? lanes : 1);
}

double ad__seconds(void)
{
#ifdef _OPENMP
    return omp_get_wtime();
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}
