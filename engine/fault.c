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
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
char *strdup(const char *s);
int vasprintf(char **out, const char *fmt, va_list ap);

static unsigned long fail_alloc, fail_write; /* 0: never */
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
    char line[96];
    int n = snprintf(line, sizeof line, "allocs %lu writes %lu\n",
                     __atomic_load_n(&allocs, __ATOMIC_RELAXED),
                     __atomic_load_n(&writes, __ATOMIC_RELAXED));
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
    report_path = getenv("ZJ_FAULT_REPORT");
    static const sqlite3_mem_methods methods = {sq_malloc,  sq_free, sq_realloc, sq_size,
                                                sq_roundup, sq_init, sq_shutdown, NULL};
    sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
    json_set_alloc_funcs(zj_fault_malloc, free);
    if (fail_write || report_path) {
        /* Count (and fail) stdout's writes to its file. */
        static const cookie_io_functions_t io = {NULL, out_write, NULL, out_close};
        FILE *f = fopencookie(NULL, "w", io);
        if (f)
            stdout = f;
    }
    atexit(report);
}
