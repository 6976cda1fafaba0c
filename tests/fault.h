/* fault.h -- allocation-failure injection for the tests (fault.c).
 *
 *   fault_init(fn)   names libadmix by one of its functions (call once)
 *   fault_arm(k)     from now on, the k-th allocation made by libadmix
 *                    fails (k >= 1); starts counting its live blocks
 *   fault_disarm()   stops; 1 if an allocation was made to fail
 *   fault_live()     blocks libadmix allocated since fault_arm and has not
 *                    freed ((size_t)-1 if there were too many to follow)
 *
 * Single-threaded use: the test runs admix with one OpenMP thread. */
#ifndef ADMIX_TESTS_FAULT_H
#define ADMIX_TESTS_FAULT_H

#include <stddef.h>

void fault_init(void (*admix_function)(void));
void fault_arm(long k);
int fault_disarm(void);
size_t fault_live(void);

#endif /* ADMIX_TESTS_FAULT_H */
