/* fault.c — the counters behind fault.h (built only with -DZJ_FAULT_INJECTION=ON):
 * allocations of the engine and CLI (through fault.h's macros), of SQLite
 * (sqlite3_config(SQLITE_CONFIG_MALLOC)) and of jansson (json_set_alloc_funcs)
 * are counted and the Nth fails; stdout is replaced by a stream whose Nth
 * write to the file fails with ENOSPC, as a full disk does. */
#define _GNU_SOURCE /* fopencookie, vasprintf */
#include "fault.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* This file calls the real functions. fault.h was force-included before the
 * system headers, whose declarations its macros renamed: declare them again. */
#undef malloc
#undef calloc
#undef realloc
#undef strdup
#undef vasprintf
#undef asprintf
#undef pthread_create
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
char *strdup(const char *s);
int vasprintf(char **out, const char *fmt, va_list ap);
int pthread_create(pthread_t *restrict thread, const pthread_attr_t *restrict attr,
                   void *(*start)(void *), void *restrict arg);

static unsigned long fail_alloc, fail_write, fail_thread; /* 0: never */
static unsigned long threads;
static int persist;
static unsigned long allocs, writes; /* counted atomically: scoring is threaded */
static const char *report_path;

/* True when this allocation is to fail. */
static int alloc_fails(void)
{
    unsigned long n = __atomic_add_fetch(&allocs, 1, __ATOMIC_RELAXED);
    return fail_alloc && (n == fail_alloc || (persist && n > fail_alloc));
}

void *zj_fault_malloc(size_t n)
{
    return alloc_fails() ? NULL : malloc(n);
}

void *zj_fault_calloc(size_t n, size_t size)
{
    return alloc_fails() ? NULL : calloc(n, size);
}

void *zj_fault_realloc(void *p, size_t n)
{
    return alloc_fails() ? NULL : realloc(p, n);
}

char *zj_fault_strdup(const char *s)
{
    return alloc_fails() ? NULL : strdup(s);
}

int zj_fault_vasprintf(char **out, const char *fmt, va_list ap)
{
    if (alloc_fails()) {
        *out = NULL;
        return -1;
    }
    return vasprintf(out, fmt, ap);
}

int zj_fault_asprintf(char **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = zj_fault_vasprintf(out, fmt, ap);
    va_end(ap);
    return n;
}

int zj_fault_pthread_create(pthread_t *restrict thread, const pthread_attr_t *restrict attr,
                            void *(*start)(void *), void *restrict arg)
{
    unsigned long n = __atomic_add_fetch(&threads, 1, __ATOMIC_RELAXED);
    if (fail_thread && n >= fail_thread)
        return EAGAIN;
    return pthread_create(thread, attr, start, arg);
}

/* ------------------------------------------------------------ SQLite */

/* SQLite needs each allocation's size back: it is kept in front of it. */
#define HEADER 16

static void *sq_malloc(int n)
{
    if (alloc_fails())
        return NULL;
    char *p = malloc((size_t)n + HEADER);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    return p + HEADER;
}

static void sq_free(void *p)
{
    if (p)
        free((char *)p - HEADER);
}

static void *sq_realloc(void *p, int n)
{
    if (alloc_fails())
        return NULL;
    char *q = realloc((char *)p - HEADER, (size_t)n + HEADER);
    if (!q)
        return NULL;
    memcpy(q, &n, sizeof n);
    return q + HEADER;
}

static int sq_size(void *p)
{
    int n;
    memcpy(&n, (char *)p - HEADER, sizeof n);
    return n;
}

static int sq_roundup(int n)
{
    return (n + 7) & ~7;
}

static int sq_init(void *app)
{
    (void)app;
    return SQLITE_OK;
}

static void sq_shutdown(void *app)
{
    (void)app;
}

/* ------------------------------------------------- SQLite's file I/O */

/* A VFS in front of the default one: every read, write, truncate and sync of
 * a database, journal or WAL file is counted, and the Nth fails with an I/O
 * error, as a failing disk would. */
static unsigned long fail_io, ios;
static sqlite3_vfs *real_vfs;

typedef struct fault_file {
    sqlite3_file base;
    sqlite3_file *real; /* the default VFS's file, right after this struct */
} fault_file;

static int io_fails(void)
{
    unsigned long n = __atomic_add_fetch(&ios, 1, __ATOMIC_RELAXED);
    return fail_io && n == fail_io;
}

#define REAL(f) (((fault_file *)(f))->real)

static int f_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}

static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    return io_fails() ? SQLITE_IOERR_READ : REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
    return io_fails() ? SQLITE_IOERR_WRITE : REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return io_fails() ? SQLITE_IOERR_TRUNCATE : REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int f_sync(sqlite3_file *f, int flags)
{
    return io_fails() ? SQLITE_IOERR_FSYNC : REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int f_lock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int f_unlock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int f_check_lock(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int f_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int f_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int f_device(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int f_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **p)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), page, size, extend, p);
}

static int f_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void f_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int f_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p)
{
    /* Reads through the memory map are reads too: refuse the map, so that
     * every read goes through f_read and is counted. */
    (void)f;
    (void)off;
    (void)n;
    *p = NULL;
    return SQLITE_OK;
}

static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    (void)f;
    (void)off;
    (void)p;
    return SQLITE_OK;
}

static const sqlite3_io_methods fault_io = {
    3,          f_close,       f_read,       f_write,   f_truncate, f_sync,   f_size,
    f_lock,     f_unlock,      f_check_lock, f_control, f_sector,   f_device, f_shm_map,
    f_shm_lock, f_shm_barrier, f_shm_unmap,  f_fetch,   f_unfetch};

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out)
{
    (void)vfs;
    fault_file *ff = (fault_file *)file;
    ff->real = (sqlite3_file *)(ff + 1);
    int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out);
    /* Without methods the file is not open and SQLite will not close it. */
    ff->base.pMethods = ff->real->pMethods ? &fault_io : NULL;
    return rc;
}

static int v_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
    (void)vfs;
    return real_vfs->xDelete(real_vfs, name, sync);
}

static int v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int v_full_path(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *v_dlopen(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return real_vfs->xDlOpen(real_vfs, name);
}

static void v_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    real_vfs->xDlError(real_vfs, n, out);
}

static void (*v_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    (void)vfs;
    return real_vfs->xDlSym(real_vfs, h, sym);
}

static void v_dlclose(sqlite3_vfs *vfs, void *h)
{
    (void)vfs;
    real_vfs->xDlClose(real_vfs, h);
}

static int v_random(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xRandomness(real_vfs, n, out);
}

static int v_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return real_vfs->xSleep(real_vfs, us);
}

static int v_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int v_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xGetLastError(real_vfs, n, out);
}

static int v_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs fault_vfs = {2,        0,         1024,         NULL,      "zj-fault",
                                NULL,     v_open,    v_delete,     v_access,  v_full_path,
                                v_dlopen, v_dlerror, v_dlsym,      v_dlclose, v_random,
                                v_sleep,  v_time,    v_last_error, v_time64,  NULL,
                                NULL,     NULL};

/* Puts the counting VFS in front of the default one. */
static void install_vfs(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    if (!real_vfs)
        return;
    fault_vfs.szOsFile = (int)sizeof(fault_file) + real_vfs->szOsFile;
    fault_vfs.mxPathname = real_vfs->mxPathname;
    sqlite3_vfs_register(&fault_vfs, 1);
}

/* ------------------------------------------------------------- stdout */

static ssize_t out_write(void *cookie, const char *buf, size_t size)
{
    (void)cookie;
    unsigned long n = __atomic_add_fetch(&writes, 1, __ATOMIC_RELAXED);
    if (fail_write && n >= fail_write) {
        errno = ENOSPC;
        return -1;
    }
    size_t done = 0;
    while (done < size) {
        ssize_t k = write(STDOUT_FILENO, buf + done, size - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return done ? (ssize_t)done : -1;
        done += (size_t)k;
    }
    return (ssize_t)size;
}

static int out_close(void *cookie)
{
    (void)cookie;
    return 0;
}

/* ------------------------------------------------------ set up, report */

static unsigned long env_number(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? strtoul(v, NULL, 10) : 0;
}

static void report(void)
{
    if (!report_path)
        return;
    char line[128];
    int n = snprintf(line, sizeof line, "allocs %lu writes %lu ios %lu\n",
                     __atomic_load_n(&allocs, __ATOMIC_RELAXED),
                     __atomic_load_n(&writes, __ATOMIC_RELAXED),
                     __atomic_load_n(&ios, __ATOMIC_RELAXED));
    int fd = open(report_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        if (write(fd, line, (size_t)n) != n)
            n = -1;
        close(fd);
    }
}

__attribute__((constructor)) static void fault_setup(void)
{
    fail_alloc = env_number("ZJ_FAULT_ALLOC");
    persist = env_number("ZJ_FAULT_PERSIST") != 0;
    fail_write = env_number("ZJ_FAULT_WRITE");
    fail_io = env_number("ZJ_FAULT_IO");
    fail_thread = env_number("ZJ_FAULT_THREAD");
    report_path = getenv("ZJ_FAULT_REPORT");
    static const sqlite3_mem_methods methods = {sq_malloc,  sq_free, sq_realloc,  sq_size,
                                                sq_roundup, sq_init, sq_shutdown, NULL};
    sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
    json_set_alloc_funcs(zj_fault_malloc, free);
    if (fail_io || report_path)
        install_vfs();
    if (fail_write || report_path) {
        /* Count (and fail) stdout's writes to its file. */
        static const cookie_io_functions_t io = {NULL, out_write, NULL, out_close};
        FILE *f = fopencookie(NULL, "w", io);
        if (f)
            stdout = f;
    }
    atexit(report);
}
