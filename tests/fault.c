/* fault.c -- allocation-failure injection for test_faults.c.
 *
 * The test program defines malloc, calloc, realloc and free itself; the
 * dynamic linker looks symbols up in the executable first, so the calls
 * made inside libadmix come here too.  Each forwards to the next
 * definition in the lookup order (dlsym(RTLD_NEXT): glibc's, or the
 * sanitizer's when the tests run under ASan, which then still sees every
 * block).  While armed, the calls whose return address lies in libadmix
 * are counted: the k-th one fails (NULL, errno ENOMEM), and the blocks
 * they return are remembered until freed, so that the test can check that
 * a failed call left nothing behind.  Calls made by other libraries (GSL,
 * MPFR, libc's tmpfile, libgomp) are left alone: admix cannot make them
 * return an error, and GMP aborts when its allocator fails.
 *
 * dlsym may itself allocate before the real functions are known; those
 * few early blocks come from a small static arena and are never freed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fault.h"

/* Under ASan the sanitizer's start-up calls malloc before its shadow memory
 * exists: these functions must run uninstrumented. */
#if defined(__GNUC__) || defined(__clang__)
#define RAW __attribute__((no_sanitize("address", "undefined")))
#else
#define RAW
#endif

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);

/* The bootstrap arena, for dlsym's own allocations. */
static _Alignas(max_align_t) unsigned char arena[1 << 16];
static size_t arena_used;
static int resolving;

RAW static int in_arena(const void *p)
{
    return (const unsigned char *)p >= arena &&
           (const unsigned char *)p < arena + sizeof arena;
}

RAW static void *arena_alloc(size_t n)
{
    size_t a = _Alignof(max_align_t);
    n = (n + a - 1) / a * a;
    if (n > sizeof arena - arena_used)
        return NULL;
    void *p = arena + arena_used;
    arena_used += n;
    return p;
}

RAW static void resolve(void)
{
    if (real_free != NULL || resolving)
        return;
    resolving = 1;
    /* POSIX lets dlsym's object pointer hold a function's address; the
     * copy through memory is how ISO C lets us take it out. */
    void *p[4] = {dlsym(RTLD_NEXT, "malloc"), dlsym(RTLD_NEXT, "calloc"),
                  dlsym(RTLD_NEXT, "realloc"), dlsym(RTLD_NEXT, "free")};
    memcpy(&real_malloc, &p[0], sizeof p[0]);
    memcpy(&real_calloc, &p[1], sizeof p[1]);
    memcpy(&real_realloc, &p[2], sizeof p[2]);
    memcpy(&real_free, &p[3], sizeof p[3]);
    resolving = 0;
}

/* ---- the armed state ------------------------------------------------------
 */

static atomic_int armed;
static atomic_long left; /* calls until the one that fails */
static atomic_int fired; /* a call failed since fault_arm */
static const void *admix_base;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
#define LIVE_MAX 65536
static void *live[LIVE_MAX];
static size_t nlive;
static int overflow;

void fault_init(void (*admix_function)(void))
{
    Dl_info d;
    void *addr;
    resolve();
    memcpy(&addr, &admix_function, sizeof addr);
    admix_base = dladdr(addr, &d) ? d.dli_fbase : NULL;
}

void fault_arm(long k)
{
    pthread_mutex_lock(&live_lock);
    nlive = 0;
    overflow = 0;
    pthread_mutex_unlock(&live_lock);
    atomic_store(&fired, 0);
    atomic_store(&left, k);
    atomic_store(&armed, admix_base != NULL);
}

int fault_disarm(void)
{
    atomic_store(&armed, 0);
    return atomic_load(&fired);
}

size_t fault_live(void)
{
    pthread_mutex_lock(&live_lock);
    size_t n = overflow ? (size_t)-1 : nlive;
    pthread_mutex_unlock(&live_lock);
    return n;
}

/* 1 if the call whose return address is ra comes from libadmix. */
RAW static int from_admix(const void *ra)
{
    Dl_info d;
    return dladdr(ra, &d) && d.dli_fbase == admix_base;
}

/* For an armed call from libadmix: 1 if it must fail. */
RAW static int must_fail(const void *ra, int *counted)
{
    *counted = 0;
    if (!atomic_load(&armed) || !from_admix(ra))
        return 0;
    *counted = 1;
    if (atomic_fetch_sub(&left, 1) == 1) {
        atomic_store(&fired, 1);
        return 1;
    }
    return 0;
}

RAW static void live_add(void *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&live_lock);
    if (nlive < LIVE_MAX)
        live[nlive++] = p;
    else
        overflow = 1;
    pthread_mutex_unlock(&live_lock);
}

RAW static void live_remove(void *p)
{
    if (p == NULL || !atomic_load(&armed))
        return;
    pthread_mutex_lock(&live_lock);
    for (size_t i = nlive; i-- > 0;)
        if (live[i] == p) {
            live[i] = live[--nlive];
            break;
        }
    pthread_mutex_unlock(&live_lock);
}

/* ---- the interposed functions ---------------------------------------------
 */

RAW void *malloc(size_t n)
{
    resolve();
    if (real_malloc == NULL)
        return arena_alloc(n);
    int counted;
    if (must_fail(__builtin_return_address(0), &counted)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = real_malloc(n);
    if (counted)
        live_add(p);
    return p;
}

RAW void *calloc(size_t k, size_t n)
{
    resolve();
    if (real_calloc == NULL) {
        if (n != 0 && k > SIZE_MAX / n)
            return NULL;
        void *p = arena_alloc(k * n);
        if (p != NULL)
            memset(p, 0, k * n);
        return p;
    }
    int counted;
    if (must_fail(__builtin_return_address(0), &counted)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = real_calloc(k, n);
    if (counted)
        live_add(p);
    return p;
}

RAW void *realloc(void *old, size_t n)
{
    resolve();
    if (in_arena(old) || real_realloc == NULL) {
        /* Only dlsym's blocks live in the arena; they are not grown. */
        void *p = real_malloc != NULL ? real_malloc(n) : arena_alloc(n);
        size_t room = (size_t)(arena + sizeof arena - (unsigned char *)old);
        if (p != NULL && old != NULL)
            memcpy(p, old, n < room ? n : room);
        return p;
    }
    int counted;
    if (must_fail(__builtin_return_address(0), &counted)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = real_realloc(old, n);
    if (p != NULL) {
        live_remove(old);
        if (counted)
            live_add(p);
    }
    return p;
}

RAW void free(void *p)
{
    if (p == NULL || in_arena(p))
        return;
    resolve();
    live_remove(p);
    real_free(p);
}
