/* fault.h — fault injection for tests, SQLite's way: fail the Nth allocation
 * and the Nth write, and check that the program says so instead of printing
 * a shortened result. Only a build configured with -DZJ_FAULT_INJECTION=ON
 * force-includes this header (-include) into every engine and CLI source, so
 * that their malloc, calloc, realloc, strdup, asprintf and vasprintf go
 * through counters (engine/fault.c); a release build has none of it.
 *
 * At run time, environment variables arm it (unset: everything succeeds):
 *   ZJ_FAULT_ALLOC=N    the Nth allocation fails (1-based, counting the
 *                       engine's, the CLI's, SQLite's and jansson's)
 *   ZJ_FAULT_PERSIST=1  ... and every allocation after it
 *   ZJ_FAULT_WRITE=N    the Nth write of stdout to its file fails (ENOSPC),
 *                       and every later one
 *   ZJ_FAULT_IO=N       SQLite's Nth file read, write, truncate or sync fails
 *                       with an I/O error (a VFS in front of the default one)
 *   ZJ_FAULT_THREAD=N   the Nth thread start fails (EAGAIN, as under a
 *                       memory or process limit), and every later one
 *   ZJ_FAULT_REPORT=F   at exit, "allocs A writes W ios I" is written to
 *                       file F: how many there were, so a sweep knows where
 *                       to stop
 * No system headers here: it is included before a source's own #defines. */
#ifndef ZJ_FAULT_H
#define ZJ_FAULT_H

void *zj_fault_malloc(__SIZE_TYPE__ n);
void *zj_fault_calloc(__SIZE_TYPE__ n, __SIZE_TYPE__ size);
void *zj_fault_realloc(void *p, __SIZE_TYPE__ n);
char *zj_fault_strdup(const char *s);
int zj_fault_vasprintf(char **out, const char *fmt, __builtin_va_list ap);
int zj_fault_asprintf(char **out, const char *fmt, ...);
/* zj_fault_pthread_create has no prototype here: the macro below renames
 * <pthread.h>'s own declaration, with its types, in every source using it. */

#define malloc(n) zj_fault_malloc(n)
#define calloc(n, size) zj_fault_calloc(n, size)
#define realloc(p, n) zj_fault_realloc(p, n)
#define strdup(s) zj_fault_strdup(s)
#define vasprintf(out, fmt, ap) zj_fault_vasprintf(out, fmt, ap)
#define asprintf(out, ...) zj_fault_asprintf(out, __VA_ARGS__)
#define pthread_create(t, attr, start, arg) zj_fault_pthread_create(t, attr, start, arg)

#endif /* ZJ_FAULT_H */
