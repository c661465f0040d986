/* match_hs.c — the Hyperscan backend: all literals and regexes of a rule set
 * in ONE block-mode database, scanned once per normalized turn.
 *
 * Exactly the PCRE2 backend's hits, by construction:
 *  - Literals are matched as bytes. Hyperscan reports every end offset; a
 *    literal's start is its end minus its length, occurrences crossing a
 *    sentence end are dropped for per-sentence patterns, and the leftmost
 *    non-overlapping ones are kept (what a left-to-right substring search
 *    finds).
 *  - Regexes are compiled in prefilter mode (a superset: lookarounds and
 *    backreferences are approximated) and only say "this regex may match in
 *    this turn"; PCRE2 then finds the real matches of just those regexes.
 *  - Per-sentence and per-clause regexes (whose ^ and $ mean segment edges)
 *    are in the database relaxed: without ^ and $, which matches wherever
 *    the original matches in some segment, so it too only says "may match";
 *    PCRE2 then matches the original per segment. A regex whose relaxation
 *    would not be a superset (negative lookarounds, \b, \A, \z …) and
 *    anything Hyperscan rejects are always left to PCRE2.
 * The compiled database can be cached on disk. A cache file is named by and
 * records the key of the pattern set it was compiled from (sha256 over every
 * expression, flag and id, the pattern count, the Hyperscan version and the
 * platform) and the pattern count; a file whose key, count or checksum does
 * not match, or which is not a regular file owned by the user, is ignored:
 * the set is recompiled and the file replaced atomically (one note through
 * zj_load_opts.on_note). Every id Hyperscan reports is still bounds-checked,
 * so even a file crafted to pass those checks cannot make a scan read outside
 * the pattern table. Temp files are created with O_EXCL (never through a
 * planted symlink) and the cache directory is created 0700. */
#include "internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <hs/hs.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* 03: per-sentence and per-clause regexes are in the database as relaxed
 * prefilters (02 left them to PCRE2 alone); 04: those with negative
 * lookarounds too, relaxed without them; 05: the database as it lies in
 * memory, mapped rather than read and copied. */
#define CACHE_MAGIC "ZJHSDB05"
/* File layout: magic (8), pattern-set key hex (64), pattern count as 16 hex
 * digits, payload sha256 hex (64), zeros up to CACHE_IMAGE_AT, payload: the
 * database as hs_deserialize_database_at lays it out in memory.
 *
 * Why an image and not hs_serialize_database's bytes: loading those took a
 * read of the whole file into one allocation, then Hyperscan's own allocation,
 * zeroing and copy of it; for the bundled standard (two databases of 18 MB)
 * that was most of the fixed cost of every command. The image is used where
 * the file is mapped: no copy, the pages come from the page cache, shared by
 * every process scoring with the same rule set. Hyperscan lays the bytecode
 * out aligned relative to the database's address, so the image is made at a
 * 4096-byte boundary and lies at one in the file (mappings start at a page
 * boundary): the alignment is the one it was laid out for. Hyperscan checks
 * the mapped database as it does a deserialized one (hs_alloc_scratch: magic,
 * version, platform, alignment, its CRC32C), which the load does once. */
#define CACHE_HEADER (8 + 64 + 16 + 64)
#define CACHE_IMAGE_AT 4096
/* Compiled databases kept: every edit of a rule set makes a new one, and a
 * rule author's cache would otherwise grow without end. Least recently used
 * go first (a hit refreshes the file's time). ZHIJIAN_CACHE_KEEP sets another
 * count (a whole number from 1 to 1000000; any other value is not used): a
 * test suite that loads hundreds of rule sets keeps them all. */
#define CACHE_KEEP 32

static size_t cache_keep(void)
{
    const char *v = getenv("ZHIJIAN_CACHE_KEEP");
    if (!v || *v < '1' || *v > '9')
        return CACHE_KEEP;
    char *end;
    errno = 0;
    unsigned long k = strtoul(v, &end, 10);
    return errno || *end || k > 1000000 ? CACHE_KEEP : (size_t)k;
}

struct zj_hs_matcher {
    hs_database_t *db;
    void *map; /* the cache file db lies in (unmapped, not freed), or NULL */
    size_t map_len;
    hs_scratch_t *proto; /* every scorer's scratch is a clone: no check of db per thread */
    const zj_pattern *patterns;
    size_t n;
    uint32_t *pcre_always; /* ids PCRE2 scans in every turn */
    size_t n_always;
    uint8_t *in_db; /* per pattern: 1 when compiled into db (the only ids it may report) */
    char **refused; /* per pattern: why Hyperscan refused the regex, or NULL (lazily made) */
    bool has_regex_prefilter;
};

struct zj_hs_scratch {
    hs_scratch_t *scratch;
    zj_hits ends;    /* (literal id, end) reported by Hyperscan */
    uint32_t *fired; /* regex ids reported in this turn */
    size_t n_fired, cap_fired;
    uint8_t *fired_mark; /* per pattern */
    uint32_t *ids;       /* ids handed to PCRE2 */
    size_t cap_ids;
};

bool zj_hs_available(void)
{
    return hs_valid_platform() == HS_SUCCESS;
}

/* A literal as a Hyperscan expression: every byte hex-escaped, so nothing in
 * it is special (compiled without HS_FLAG_UTF8, \xHH is one byte). */
static char *literal_expr(const zj_pattern *p)
{
    char *e = malloc(p->expr_len * 4 + 1);
    if (!e)
        return NULL;
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < p->expr_len; i++) {
        unsigned char c = (unsigned char)p->expr[i];
        e[4 * i] = '\\';
        e[4 * i + 1] = 'x';
        e[4 * i + 2] = hex[c >> 4];
        e[4 * i + 3] = hex[c & 15];
    }
    e[p->expr_len * 4] = '\0';
    return e;
}

#define REGEX_FLAGS                                                                                \
    (HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_CASELESS | HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH |     \
     HS_FLAG_ALLOWEMPTY)

/* The key of a pattern set as compiled: sha256 over each expression handed
 * to Hyperscan (id, flags, length, bytes), the pattern count, the Hyperscan
 * version, the platform and the file format. Two sets share a key only when
 * Hyperscan would compile the very same database from them. */
static void pattern_set_key(char *const *exprs, const unsigned *flags, const unsigned *ids,
                            size_t k, size_t n_patterns, char key[65])
{
    hs_platform_info_t plat;
    memset(&plat, 0, sizeof plat);
    hs_populate_platform(&plat);
    zj_buf b;
    zj_buf_init(&b);
    zj_status st = zj_buf_printf(&b, "%s|%zu|%zu|%s|%u|%llu|%llu|", CACHE_MAGIC, n_patterns, k,
                                 hs_version(), plat.tune, (unsigned long long)plat.cpu_features,
                                 (unsigned long long)plat.reserved1);
    for (size_t i = 0; i < k && st == ZJ_OK; i++) {
        st = zj_buf_printf(&b, "%u|%u|%zu|", ids[i], flags[i], strlen(exprs[i]));
        if (st == ZJ_OK)
            st = zj_buf_puts(&b, exprs[i]);
    }
    if (st == ZJ_OK)
        zj_sha256_hex(b.data, b.len, key);
    else
        key[0] = '\0'; /* out of memory: no cache */
    zj_buf_free(&b);
}

static void cache_note(zj_diag_cb on_note, void *ctx, const char *path, const char *why)
{
    if (!on_note)
        return;
    zj_error note;
    zj_error_clear(&note);
    zj_error_set(&note, ZJ_OK, path, 0, 0,
                 "ignoring the cached matcher database (%s); recompiling and replacing it", why);
    on_note(&note, ctx);
}

/* The head of a database as Hyperscan (4.x and 5.x, and Vectorscan) lays it
 * out in memory (its src/database.h). Hyperscan checks magic, version,
 * platform and its CRC32C of the bytecode when a scratch is allocated, but
 * where the bytecode lies it reads from `bytecode`: a deserialized database
 * gets that from Hyperscan, a mapped one from the file. So the load checks
 * that it lies inside the file before Hyperscan reads there. */
typedef struct hs_image_head {
    uint32_t magic, version, length;
    uint64_t platform;
    uint32_t crc32, reserved0, reserved1, bytecode;
} hs_image_head;

#define HS_IMAGE_MAGIC 0xdbdbdbdbu

/* Whether image (size bytes, at a 4096-byte boundary) is laid out as
 * hs_image_head says: Hyperscan's magic, the size Hyperscan counts, the
 * bytecode inside, at a 64-byte boundary as Hyperscan places it. The image
 * of another Hyperscan's layout fails this when it is made, and then no cache
 * file is written. */
static bool image_in_bounds(const void *image, size_t size)
{
    hs_image_head h;
    size_t counted = 0;
    if (size < sizeof h)
        return false;
    memcpy(&h, image, sizeof h);
    return h.magic == HS_IMAGE_MAGIC &&
           hs_database_size((const hs_database_t *)image, &counted) == HS_SUCCESS &&
           counted == size && h.bytecode >= sizeof h && h.bytecode % 64 == 0 && h.length <= size &&
           h.bytecode <= size - h.length;
}

/* A database cached at path, mapped. */
typedef struct cached_db {
    hs_database_t *db;
    void *map;
    size_t map_len;
    hs_scratch_t *proto;
} cached_db;

/* Maps the database cached at path if it is exactly the one compiled from
 * the pattern set `key` of n patterns (out->db NULL when not). *why says why
 * a present file was rejected (NULL when there was no file to read).
 *
 * The mapping is private and read-only. The file is never changed in place:
 * a cache file is only ever replaced by a rename and pruned by an unlink,
 * which leave a mapped file as it was. */
static void cache_load(const char *path, const char *key, size_t n, cached_db *out,
                       const char **why)
{
    memset(out, 0, sizeof *out);
    *why = NULL;
    /* Never through a symlink; never a file another user could have written. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno != ENOENT)
            *why = errno == ELOOP ? "it is a symbolic link" : "it cannot be read";
        return;
    }
    struct stat sb;
    char *data = MAP_FAILED;
    size_t size = 0;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        *why = "not a regular file";
        goto out;
    }
    if (sb.st_uid != geteuid() || (sb.st_mode & (S_IWGRP | S_IWOTH))) {
        *why = "not owned by this user or writable by others";
        goto out;
    }
    if (sb.st_size <= CACHE_IMAGE_AT || sb.st_size >= (1 << 30)) {
        *why = "truncated or oversized";
        goto out;
    }
    size = (size_t)sb.st_size;
    data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
        *why = errno == ENOMEM ? "out of memory" : "it cannot be read";
        goto out;
    }
    char count[17];
    snprintf(count, sizeof count, "%016zx", n);
    char digest[65];
    if (memcmp(data, CACHE_MAGIC, 8) != 0) {
        *why = "not a zhijian matcher cache of this version";
        goto out;
    }
    if (memcmp(data + 8, key, 64) != 0 || memcmp(data + 72, count, 16) != 0) {
        *why = "compiled from a different pattern set";
        goto out;
    }
    zj_sha256_hex(data + CACHE_IMAGE_AT, size - CACHE_IMAGE_AT, digest);
    if (memcmp(digest, data + 88, 64) != 0) {
        *why = "checksum mismatch";
        goto out;
    }
    hs_database_t *db = (hs_database_t *)(void *)(data + CACHE_IMAGE_AT);
    hs_error_t rc = HS_INVALID;
    if (image_in_bounds(db, size - CACHE_IMAGE_AT))
        rc = hs_alloc_scratch(db, &out->proto);
    if (rc != HS_SUCCESS) {
        out->proto = NULL;
        *why = rc == HS_NOMEM ? "out of memory" : "not a database this Hyperscan can use";
        goto out;
    }
    out->db = db;
    out->map = data;
    out->map_len = size;
    data = MAP_FAILED; /* kept */
out:
    if (data != MAP_FAILED)
        munmap(data, size);
    close(fd);
}

/* Creates dir and its missing parents private to the user (0700: the XDG
 * base-directory mode); existing directories are left as they are. */
static void mkdirs(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0700);
            *p = '/';
        }
    mkdir(tmp, 0700);
}

typedef struct cache_entry {
    char name[256];
    struct timespec used;
} cache_entry;

static int cmp_used(const void *a, const void *b)
{
    const struct timespec *x = &((const cache_entry *)a)->used,
                          *y = &((const cache_entry *)b)->used;
    if (x->tv_sec != y->tv_sec)
        return x->tv_sec < y->tv_sec ? -1 : 1;
    return x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec;
}

/* Keeps the cache_keep() most recently used databases of dir (never `keep`,
 * the one just written) and removes temp files a crash left over an hour ago. */
static void cache_prune(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    cache_entry *v = NULL;
    size_t n = 0, cap = 0;
    time_t now = time(NULL);
    struct dirent *e;
    char path[4400];
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        bool db = len > 5 && strcmp(e->d_name + len - 5, ".hsdb") == 0;
        bool tmp = len > 4 && strcmp(e->d_name + len - 4, ".tmp") == 0 && strstr(e->d_name, ".hsdb.");
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if ((!db && !tmp) || len >= sizeof v->name || lstat(path, &sb) != 0)
            continue;
        if (tmp) {
            if (now - sb.st_mtime > 3600)
                unlink(path);
            continue;
        }
        if (strcmp(path, keep) == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            cache_entry *t = realloc(v, cap * sizeof *t);
            if (!t)
                break;
            v = t;
        }
        memcpy(v[n].name, e->d_name, len + 1);
        v[n++].used = sb.st_mtim;
    }
    closedir(d);
    const size_t keep_n = cache_keep();
    if (n + 1 > keep_n) {
        qsort(v, n, sizeof *v, cmp_used);
        for (size_t i = 0; i < n + 1 - keep_n; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, v[i].name);
            unlink(path);
        }
    }
    free(v);
}

/* The image of db as it lies in memory (see CACHE_MAGIC), made at a
 * 4096-byte boundary; *len its size. NULL when out of memory. Caller frees. */
static void *database_image(const hs_database_t *db, size_t *len)
{
    char *bytes = NULL;
    size_t bytes_len = 0;
    void *image = NULL;
    if (hs_serialize_database(db, &bytes, &bytes_len) != HS_SUCCESS)
        return NULL;
    if (hs_serialized_database_size(bytes, bytes_len, len) != HS_SUCCESS ||
        posix_memalign(&image, CACHE_IMAGE_AT, *len) != 0) {
        image = NULL;
    } else if (hs_deserialize_database_at(bytes, bytes_len, image) != HS_SUCCESS) {
        free(image);
        image = NULL;
    }
    free(bytes);
    return image;
}

/* Written to a fresh temp file (unique name, O_EXCL: a planted file or
 * symlink is never opened) and renamed over path: a crash never leaves half a
 * cache, and whatever was at path before (a stale, corrupt or planted file or
 * a symlink) is replaced, not written through. */
static void cache_store(const char *dir, const char *path, const char *key, size_t n,
                        const hs_database_t *db)
{
    size_t len = 0;
    void *image = database_image(db, &len);
    if (!image || !image_in_bounds(image, len)) {
        free(image);
        return;
    }
    mkdirs(dir);
    char tmp[4200 + sizeof ".XXXXXX.tmp"]; /* path: at most 4200 bytes (load_cached) */
    int w = snprintf(tmp, sizeof tmp, "%s.XXXXXX.tmp", path);
    int fd = w > 0 && (size_t)w < sizeof tmp ? mkstemps(tmp, 4) : -1; /* O_CREAT | O_EXCL, mode 0600 */
    if (fd >= 0) {
        char digest[65];
        zj_sha256_hex(image, len, digest);
        char fields[CACHE_HEADER + 1];
        snprintf(fields, sizeof fields, "%s%s%016zx%s", CACHE_MAGIC, key, n, digest);
        char *page = calloc(1, CACHE_IMAGE_AT); /* the fields, then zeros */
        FILE *f = page ? fdopen(fd, "wb") : NULL;
        if (page)
            memcpy(page, fields, CACHE_HEADER);
        bool ok = f && fwrite(page, 1, CACHE_IMAGE_AT, f) == CACHE_IMAGE_AT &&
                  fwrite(image, 1, len, f) == len;
        if (f)
            ok = fclose(f) == 0 && ok;
        else
            close(fd);
        free(page);
        if (!ok || rename(tmp, path) != 0)
            unlink(tmp);
        else
            cache_prune(dir, path);
    }
    free(image);
}

/* The end of the group that opens at expr[at] ('('): the index just past
 * its ')', or 0 when it is not closed. Escapes and classes are skipped. */
static size_t group_end(const char *expr, size_t len, size_t at)
{
    size_t depth = 0;
    bool in_class = false;
    for (size_t i = at; i < len; i++) {
        char c = expr[i];
        if (c == '\\') {
            i++;
            continue;
        }
        if (in_class) {
            in_class = c != ']';
            continue;
        }
        if (c == '[') {
            in_class = true;
            if (i + 1 < len && expr[i + 1] == '^')
                i++;
            if (i + 1 < len && expr[i + 1] == ']')
                i++;
        } else if (c == '(') {
            depth++;
        } else if (c == ')' && --depth == 0) {
            return i + 1;
        }
    }
    return 0;
}

/* A per-segment regex relaxed for the whole turn: every negative lookaround
 * removed (an assertion that can only reject: without it the regex matches
 * more), then every ^ and $ assertion (outside classes, unescaped). A match
 * inside a segment is then a match of the relaxed regex in the turn, so it is
 * a sound prefilter, as long as no construct can turn a removed edge into a
 * failure: word boundaries and the other anchors keep the regex out (NULL).
 * A negative lookaround directly after a quantifiable atom would leave the
 * quantifier on the wrong atom; it is never removed, and keeps the regex out.
 * Caller frees. */
static char *relax_segment_regex(const char *expr)
{
    size_t len = strlen(expr);
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    bool in_class = false;
    for (size_t i = 0; i < len; i++) {
        char c = expr[i];
        if (c == '\\' && i + 1 < len) {
            char e = expr[i + 1];
            if (!in_class && strchr("bBAzZG", e)) {
                free(out);
                return NULL;
            }
            out[k++] = c;
            out[k++] = e;
            i++;
            continue;
        }
        if (in_class) {
            if (c == ']')
                in_class = false;
        } else if (c == '[') {
            in_class = true;
            out[k++] = c;
            /* A ] or ^] right after [ is a member, not the end. */
            if (i + 1 < len && expr[i + 1] == '^')
                out[k++] = expr[++i];
            if (i + 1 < len && expr[i + 1] == ']')
                out[k++] = expr[++i];
            continue;
        } else if (c == '^' || c == '$') {
            continue;
        } else if (c == '(' && (strncmp(expr + i, "(?!", 3) == 0 ||
                                strncmp(expr + i, "(?<!", 4) == 0)) {
            size_t end = group_end(expr, len, i);
            if (!end || (end < len && strchr("?*+{", expr[end]))) {
                free(out);
                return NULL;
            }
            i = end - 1; /* the whole negative lookaround goes */
            continue;
        }
        out[k++] = c;
    }
    out[k] = '\0';
    return out;
}

/* Every code point PCRE2's \p{Han} takes (script extensions included: 、
 * and 「 are Han there) lies in U+2E80..U+3FFFF, in every Unicode version so
 * far (planes 2 and 3 are set aside for ideographs). */
#define HAN_SUPERSET "\\x{2E80}-\\x{3FFFF}"
/* Planes 1 to 16 whole: where Unicode encodes its new scripts, taken into
 * every class written out by class_ranges. */
#define ASTRAL "\\x{10000}-\\x{10FFFF}"

/* Whether expr[i..len) starts with the escape esc ("\\p{Han}"). */
static bool starts_with(const char *expr, size_t len, size_t i, const char *esc)
{
    size_t n = strlen(esc);
    return len - i >= n && memcmp(expr + i, esc, n) == 0;
}

/* The index just past the class that opens at expr[at] ('['), or 0 when it
 * is not closed. Escapes and POSIX classes ([:alpha:]) inside are skipped. */
static size_t class_end(const char *expr, size_t len, size_t at)
{
    size_t i = at + 1;
    if (i < len && expr[i] == '^')
        i++;
    if (i < len && expr[i] == ']')
        i++; /* a ] right after [ is a member */
    for (; i < len; i++) {
        if (expr[i] == '\\') {
            i++;
        } else if (expr[i] == '[' && i + 1 < len && expr[i + 1] == ':') {
            const char *close = strstr(expr + i + 2, ":]");
            if (close)
                i = (size_t)(close - expr) + 1;
        } else if (expr[i] == ']') {
            return i + 1;
        }
    }
    return 0;
}

/* The length of the escape at expr[i] whose members come from Unicode's
 * tables (\d \D \w \W \s \S, \pL, \p{…}, \P{…}), else 0. */
static size_t unicode_escape_len(const char *expr, size_t len, size_t i)
{
    if (expr[i] != '\\' || i + 1 >= len)
        return 0;
    char e = expr[i + 1];
    if (e && strchr("dDwWsS", e))
        return 2;
    if ((e == 'p' || e == 'P') && i + 2 < len) {
        if (expr[i + 2] != '{')
            return 3;
        const char *close = memchr(expr + i + 3, '}', len - i - 3);
        return close ? (size_t)(close - expr) + 1 - i : 0;
    }
    return 0;
}

/* The length of the POSIX class ([:alpha:], [:^digit:]) at expr[i] inside a
 * bracket, else 0: under UCP PCRE2 reads most of them as Unicode properties. */
static size_t posix_class_len(const char *expr, size_t len, size_t i)
{
    if (!starts_with(expr, len, i, "[:"))
        return 0;
    const char *close = strstr(expr + i + 2, ":]");
    return close && (size_t)(close - expr) + 2 <= len ? (size_t)(close - expr) + 2 - i : 0;
}

/* Classes written out during one compile, each once. */
struct class_memo {
    size_t n;
    struct {
        char *cls, *ranges;
    } v[32];
};

static void class_memo_free(struct class_memo *memo)
{
    for (size_t i = 0; i < memo->n; i++) {
        free(memo->v[i].cls);
        free(memo->v[i].ranges);
    }
    memo->n = 0;
}

/* Appends to out the members of the class cls (an escape, or a whole
 * bracket class) as PCRE2 reads it with the flags it matches with (UTF, UCP,
 * caseless): every code point of the BMP it takes, as ranges, then planes 1
 * to 16 whole. Hyperscan's Unicode tables are older than PCRE2's: its \w
 * lacks U+9FCD..U+9FFF and CJK extension A's last ten, its \d the digits of
 * scripts encoded since, its \p{Lo} holds 133 code points PCRE2's no longer
 * does; a class written out this way takes whatever PCRE2's does, so the
 * prefilter never misses a match for the tables' sake. Wrapped in [ ] when
 * wrap. A class PCRE2 cannot compile alone is copied as written. */
static void class_ranges(zj_buf *out, const char *cls, size_t len, bool wrap,
                         struct class_memo *memo)
{
    for (size_t i = 0; i < memo->n; i++) {
        if (strlen(memo->v[i].cls) == len && memcmp(memo->v[i].cls, cls, len) == 0) {
            zj_buf_printf(out, wrap ? "[%s]" : "%s", memo->v[i].ranges);
            return;
        }
    }
    int code;
    PCRE2_SIZE at;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)cls, len, PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS,
                                   &code, &at, NULL);
    pcre2_match_data *md = re ? pcre2_match_data_create_from_pattern(re, NULL) : NULL;
    if (!md) {
        pcre2_code_free(re);
        if (!re)
            zj_buf_append(out, cls, len);
        else
            out->failed = true;
        return;
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* else interpreted: the same answers */
    zj_buf r;
    zj_buf_init(&r);
    uint32_t first = 0;
    bool in_run = false;
    for (uint32_t cp = 0; cp <= 0x10000; cp++) {
        bool member = false;
        if (cp < 0x10000 && (cp < 0xD800 || cp > 0xDFFF)) {
            char u[4];
            size_t n = zj_utf8_encode(cp, u);
            member = pcre2_match(re, (PCRE2_SPTR)u, n, 0, 0, md, NULL) >= 0;
        }
        if (member && !in_run) {
            first = cp;
            in_run = true;
        } else if (!member && in_run) {
            if (first == cp - 1)
                zj_buf_printf(&r, "\\x{%X}", (unsigned)first);
            else
                zj_buf_printf(&r, "\\x{%X}-\\x{%X}", (unsigned)first, (unsigned)(cp - 1));
            in_run = false;
        }
    }
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    zj_buf_puts(&r, ASTRAL);
    if (!r.failed) {
        zj_buf_printf(out, wrap ? "[%s]" : "%s", r.data);
        if (memo->n < sizeof memo->v / sizeof *memo->v) {
            char *key = strndup(cls, len);
            if (key) {
                memo->v[memo->n].cls = key;
                memo->v[memo->n++].ranges = r.data;
                return;
            }
        }
    } else {
        out->failed = true;
    }
    zj_buf_free(&r);
}

/* Whether the bracket class expr[at..end) holds a class of Unicode's tables
 * other than \p{Han}. */
static bool holds_unicode_class(const char *expr, size_t len, size_t at, size_t end)
{
    for (size_t j = at + 1; j < end; j++) {
        if (posix_class_len(expr, len, j) ||
            (unicode_escape_len(expr, len, j) && !starts_with(expr, len, j, "\\p{Han}")))
            return true;
        if (expr[j] == '\\')
            j++;
    }
    return false;
}

/* expr as handed to Hyperscan, each class that depends on Unicode's tables
 * replaced by one at least as wide as PCRE2's, wherever a wider class only
 * makes the regex match more (outside negative lookarounds and \Q…\E, which
 * are copied as written: a wider class there would make it match less):
 *  - \p{Han} by HAN_SUPERSET, outside classes and inside classes that are
 *    not negated, and a negated class holding \P{Han} (a subset of Han) by
 *    HAN_SUPERSET whole. Hyperscan's \p{Han} leaves out script extensions
 *    and later ideographs: 𫠠 (U+2B820) is Han to PCRE2 but not to
 *    Hyperscan, so 嫌\p{Han}了 never told PCRE2 to look at 嫌𫠠了. A
 *    contiguous range is also a far smaller automaton than the script's
 *    many ranges: the bundled standard's database shrank from 18.6 to 11 MB,
 *    and every command loads it.
 *  - every other such class (\d, \w, \p{Lu}, [:alpha:] …) by its members
 *    written out (class_ranges), inside a class that is not negated too;
 *    a negated class holding one is written out whole.
 *  - \b and \B go (an assertion left out only lets the regex match more;
 *    one that a quantifier follows stays): they are word boundaries by
 *    Hyperscan's \w.
 * NULL when out of memory; caller frees. */
static char *prefilter_form(const char *expr, struct class_memo *memo)
{
    size_t len = strlen(expr);
    zj_buf out;
    zj_buf_init(&out);
    for (size_t i = 0; i < len && !out.failed;) {
        size_t end = 0, u;
        if (starts_with(expr, len, i, "\\Q")) {
            const char *e = strstr(expr + i + 2, "\\E");
            end = e ? (size_t)(e - expr) + 2 : len;
        } else if (starts_with(expr, len, i, "\\p{Han}")) {
            zj_buf_puts(&out, "[" HAN_SUPERSET "]");
            i += 7;
            continue;
        } else if ((u = unicode_escape_len(expr, len, i)) != 0) {
            class_ranges(&out, expr + i, u, true, memo);
            i += u;
            continue;
        } else if ((starts_with(expr, len, i, "\\b") || starts_with(expr, len, i, "\\B")) &&
                   !(i + 2 < len && strchr("?*+{", expr[i + 2]))) {
            i += 2;
            continue;
        } else if (expr[i] == '\\') {
            end = i + 2 <= len ? i + 2 : len;
        } else if (starts_with(expr, len, i, "(?!") || starts_with(expr, len, i, "(?<!")) {
            end = group_end(expr, len, i);
            end = end ? end : len;
        } else if (expr[i] == '[') {
            end = class_end(expr, len, i);
            end = end ? end : len;
            bool negated = i + 1 < len && expr[i + 1] == '^';
            if (negated) {
                bool han = false;
                for (size_t j = i + 2; j < end && !han; j++) {
                    han = starts_with(expr, len, j, "\\P{Han}");
                    if (expr[j] == '\\')
                        j++;
                }
                if (han)
                    zj_buf_puts(&out, "[" HAN_SUPERSET "]");
                else if (holds_unicode_class(expr, len, i, end))
                    class_ranges(&out, expr + i, end - i, true, memo);
                else
                    zj_buf_append(&out, expr + i, end - i);
                i = end;
                continue;
            }
            for (size_t j = i; j < end;) {
                size_t posix = j > i ? posix_class_len(expr, len, j) : 0;
                if (starts_with(expr, len, j, "\\p{Han}")) {
                    zj_buf_puts(&out, HAN_SUPERSET);
                    j += 7;
                } else if (j > i && (u = unicode_escape_len(expr, len, j)) != 0) {
                    class_ranges(&out, expr + j, u, false, memo);
                    j += u;
                } else if (posix) {
                    char one[64];
                    if (posix + 2 < sizeof one) {
                        snprintf(one, sizeof one, "[%.*s]", (int)posix, expr + j);
                        class_ranges(&out, one, posix + 2, false, memo);
                    } else {
                        zj_buf_append(&out, expr + j, posix);
                    }
                    j += posix;
                } else {
                    size_t step = expr[j] == '\\' && j + 1 < end ? 2 : 1;
                    zj_buf_append(&out, expr + j, step);
                    j += step;
                }
            }
            i = end;
            continue;
        } else {
            end = i + 1;
        }
        zj_buf_append(&out, expr + i, end - i);
        i = end;
    }
    if (out.failed) {
        zj_buf_free(&out);
        return NULL;
    }
    if (!out.data)
        return strdup("");
    return out.data;
}

/* Hyperscan reports running out of memory as a compile error ("Unable to
 * allocate memory."): that is out of memory (exit 2), not a regex at some
 * line of the rule set, and no regex is to be sent to PCRE2 for it. Frees ce
 * when it says so. */
static bool compile_out_of_memory(hs_compile_error_t *ce, zj_error *err)
{
    if (!ce || !ce->message || !strstr(ce->message, "allocate memory"))
        return false;
    hs_free_compile_error(ce);
    zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return true;
}

/* Looks the set (exprs, flags, ids)[0..k) up in the cache directory: path and
 * key are set for storing it (empty when there is no cache), m->db when a
 * valid cached database of exactly this set was found. */
static void load_cached(zj_hs_matcher *m, char *const *exprs, const unsigned *flags,
                        const unsigned *ids, size_t k, size_t n, const char *cache_dir,
                        zj_diag_cb on_note, void *note_ctx, char path[4200], char key[65])
{
    path[0] = key[0] = '\0';
    if (!cache_dir || !*cache_dir)
        return;
    pattern_set_key(exprs, flags, ids, k, n, key);
    if (!key[0])
        return;
    snprintf(path, 4200, "%s/%s.hsdb", cache_dir, key);
    const char *why = NULL;
    cached_db c;
    cache_load(path, key, n, &c, &why);
    m->db = c.db;
    m->map = c.map;
    m->map_len = c.map_len;
    m->proto = c.proto;
    if (m->db)
        utimensat(AT_FDCWD, path, NULL, AT_SYMLINK_NOFOLLOW); /* used now: pruned last */
    else if (why)
        cache_note(on_note, note_ctx, path, why);
}

/* Leaves pattern id to PCRE2 in every turn, keeping Hyperscan's reason for
 * `rules check`. False when out of memory. */
static bool refuse(zj_hs_matcher *m, uint32_t id, const char *why)
{
    if (!m->refused && !(m->refused = calloc(m->n, sizeof *m->refused)))
        return false;
    if (!m->refused[id]) {
        if (!(m->refused[id] = zj_strdup(why ? why : "refused")))
            return false;
        size_t len = strlen(m->refused[id]); /* Hyperscan ends its sentences with '.' */
        if (len > 1 && m->refused[id][len - 1] == '.')
            m->refused[id][len - 1] = '\0';
    }
    m->pcre_always[m->n_always++] = id;
    return true;
}

/* Tries each regex of [0, *k) alone: the refused ones are left to PCRE2 and
 * freed, the rest kept in order. False (err set) when out of memory; then
 * every expression is freed and *k is 0. */
static bool refuse_one_by_one(zj_hs_matcher *m, char **exprs, unsigned *flags, unsigned *ids,
                              size_t *k, zj_error *err)
{
    size_t kept = 0;
    for (size_t i = 0; i < *k; i++) {
        hs_database_t *one = NULL;
        hs_compile_error_t *ce = NULL;
        if (flags[i] &&
            hs_compile(exprs[i], flags[i], HS_MODE_BLOCK, NULL, &one, &ce) != HS_SUCCESS) {
            bool oom = compile_out_of_memory(ce, err);
            if (!oom) {
                oom = !refuse(m, ids[i], ce ? ce->message : NULL);
                hs_free_compile_error(ce);
                if (oom)
                    zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
            }
            free(exprs[i]);
            if (oom) {
                for (size_t j = 0; j < kept; j++)
                    free(exprs[j]);
                for (size_t j = i + 1; j < *k; j++)
                    free(exprs[j]);
                *k = 0;
                return false;
            }
            continue;
        }
        hs_free_database(one);
        exprs[kept] = exprs[i];
        flags[kept] = flags[i];
        ids[kept++] = ids[i];
    }
    *k = kept;
    return true;
}

const char *zj_hs_refused(const zj_hs_matcher *m, uint32_t id)
{
    return m->refused && id < m->n ? m->refused[id] : NULL;
}

zj_hs_matcher *zj_hs_compile(const zj_pattern *patterns, size_t n, const char *cache_dir,
                             zj_diag_cb on_note, void *note_ctx, zj_error *err)
{
    zj_hs_matcher *m = calloc(1, sizeof *m);
    if (!m) {
        zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    m->patterns = patterns;
    m->n = n;
    m->pcre_always = calloc(n ? n : 1, sizeof *m->pcre_always);
    m->in_db = calloc(n ? n : 1, 1);
    char **exprs = calloc(n ? n : 1, sizeof *exprs);
    unsigned *flags = calloc(n ? n : 1, sizeof *flags);
    unsigned *ids = calloc(n ? n : 1, sizeof *ids);
    size_t k = 0;
    struct class_memo memo = {0};
    if (!m->pcre_always || !m->in_db || !exprs || !flags || !ids)
        goto nomem;
    /* Every literal, and every regex with a sound prefilter form, in pattern
     * order. */
    for (size_t i = 0; i < n; i++) {
        const zj_pattern *p = &patterns[i];
        if (p->is_model)
            continue; /* scored by its model (model.c), not matched */
        if (!p->is_regex) {
            exprs[k] = literal_expr(p);
            if (!exprs[k])
                goto nomem;
            flags[k] = 0;
            ids[k++] = p->id;
            continue;
        }
        char *expr = p->per_sentence ? relax_segment_regex(p->expr) : strdup(p->expr);
        if (!expr) {
            if (!p->per_sentence)
                goto nomem;
            m->pcre_always[m->n_always++] = p->id; /* cannot be relaxed soundly */
            continue;
        }
        char *widened = prefilter_form(expr, &memo);
        free(expr);
        if (!widened)
            goto nomem;
        exprs[k] = widened;
        flags[k] = REGEX_FLAGS;
        ids[k++] = p->id;
    }
    class_memo_free(&memo);
    /* First as if Hyperscan takes every regex (it takes all of the bundled
     * standard's): a cached database of exactly this set is then used with no
     * compiling at all, and a cold start compiles once. When the set is
     * refused, Hyperscan names the regex it stopped at (a parse error costs
     * no build): that one is left to PCRE2 and the rest are looked up under
     * their own key or tried again. Only an error that names no regex makes
     * each regex be tried alone, which for a large set takes seconds. */
    char path[4200] = "", key[65] = "";
    if (k)
        load_cached(m, exprs, flags, ids, k, n, cache_dir, on_note, note_ctx, path, key);
    bool one_by_one = false;
    while (k && !m->db) {
        hs_compile_error_t *ce = NULL;
        if (hs_compile_ext_multi((const char *const *)exprs, flags, ids, NULL, (unsigned)k,
                                 HS_MODE_BLOCK, NULL, &m->db, &ce) == HS_SUCCESS) {
            if (path[0])
                cache_store(cache_dir, path, key, n, m->db);
            break;
        }
        m->db = NULL;
        if (compile_out_of_memory(ce, err))
            goto fail;
        int bad = ce ? ce->expression : -1;
        if (one_by_one) {
            const zj_pattern *p = bad >= 0 && (size_t)bad < k ? &patterns[ids[bad]] : NULL;
            zj_error_set(err, ZJ_ERR_REGEX, NULL, p ? p->line : 0, p ? p->col : 0,
                         "Hyperscan cannot compile the rule set: %s",
                         ce ? ce->message : "unknown error");
            hs_free_compile_error(ce);
            goto fail;
        }
        if (bad >= 0 && (size_t)bad < k && flags[bad]) {
            bool ok = refuse(m, ids[bad], ce->message);
            hs_free_compile_error(ce);
            if (!ok)
                goto nomem;
            free(exprs[bad]);
            memmove(exprs + bad, exprs + bad + 1, (k - (size_t)bad - 1) * sizeof *exprs);
            memmove(flags + bad, flags + bad + 1, (k - (size_t)bad - 1) * sizeof *flags);
            memmove(ids + bad, ids + bad + 1, (k - (size_t)bad - 1) * sizeof *ids);
            k--;
        } else {
            hs_free_compile_error(ce);
            one_by_one = true;
            if (!refuse_one_by_one(m, exprs, flags, ids, &k, err))
                goto fail;
        }
        if (k)
            load_cached(m, exprs, flags, ids, k, n, cache_dir, on_note, note_ctx, path, key);
    }
    if (m->db && !m->proto && hs_alloc_scratch(m->db, &m->proto) != HS_SUCCESS) {
        m->proto = NULL;
        goto nomem;
    }
    for (size_t i = 0; i < k; i++) {
        m->in_db[ids[i]] = 1;
        if (flags[i])
            m->has_regex_prefilter = true;
    }
    for (size_t i = 0; i < k; i++)
        free(exprs[i]);
    free(exprs);
    free(flags);
    free(ids);
    return m;
nomem:
    zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
fail:
    class_memo_free(&memo);
    for (size_t i = 0; exprs && i < k; i++)
        free(exprs[i]);
    free(exprs);
    free(flags);
    free(ids);
    zj_hs_free(m);
    return NULL;
}

void zj_hs_free(zj_hs_matcher *m)
{
    if (!m)
        return;
    if (m->proto)
        hs_free_scratch(m->proto);
    if (m->map)
        munmap(m->map, m->map_len);
    else
        hs_free_database(m->db);
    free(m->pcre_always);
    free(m->in_db);
    for (size_t i = 0; m->refused && i < m->n; i++)
        free(m->refused[i]);
    free(m->refused);
    free(m);
}

zj_hs_scratch *zj_hs_scratch_new(const zj_hs_matcher *m)
{
    zj_hs_scratch *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->fired_mark = calloc(m->n ? m->n : 1, 1);
    if (!s->fired_mark || (m->proto && hs_clone_scratch(m->proto, &s->scratch) != HS_SUCCESS)) {
        zj_hs_scratch_free(s);
        return NULL;
    }
    return s;
}

void zj_hs_scratch_free(zj_hs_scratch *s)
{
    if (!s)
        return;
    if (s->scratch)
        hs_free_scratch(s->scratch);
    free(s->ends.v);
    free(s->fired);
    free(s->fired_mark);
    free(s->ids);
    free(s);
}

struct scan_ctx {
    const zj_hs_matcher *m;
    zj_hs_scratch *s;
    bool failed, bad_id;
};

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx_ptr)
{
    (void)from;
    (void)flags;
    struct scan_ctx *c = ctx_ptr;
    if (id >= c->m->n || !c->m->in_db[id]) {
        c->bad_id = true; /* a database not compiled from this pattern set */
        return 1;
    }
    const zj_pattern *p = &c->m->patterns[id];
    if (!p->is_regex) {
        if (zj_hits_push(&c->s->ends, id, 0, (uint32_t)to) != ZJ_OK)
            c->failed = true;
    } else if (!c->s->fired_mark[id]) {
        if (c->s->n_fired == c->s->cap_fired) {
            size_t cap = c->s->cap_fired ? c->s->cap_fired * 2 : 16;
            uint32_t *v = realloc(c->s->fired, cap * sizeof *v);
            if (!v) {
                c->failed = true;
                return 1;
            }
            c->s->fired = v;
            c->s->cap_fired = cap;
        }
        c->s->fired_mark[id] = 1;
        c->s->fired[c->s->n_fired++] = id;
    }
    return c->failed ? 1 : 0;
}

static int cmp_end(const void *a, const void *b)
{
    const zj_hit *x = a, *y = b;
    if (x->pattern != y->pattern)
        return x->pattern < y->pattern ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Whether [start, end) crosses a sentence end (clause end for per_clause)
 * of the turn. */
static bool crosses_break(const zj_norm *turn, const zj_pattern *p, uint32_t start, uint32_t end)
{
    const size_t *breaks = p->per_clause ? turn->clause_breaks : turn->breaks;
    size_t n = p->per_clause ? turn->n_clause_breaks : turn->n_breaks;
    for (size_t i = 0; i < n; i++)
        if (breaks[i] > start && breaks[i] < end)
            return true;
    return false;
}

zj_status zj_hs_scan(const zj_hs_matcher *m, zj_hs_scratch *s, const zj_pcre_set *pcre,
                     zj_pcre_scratch *ps, const zj_norm *turn, zj_hits *out)
{
    if (turn->len == 0)
        return ZJ_OK;
    s->ends.n = 0;
    s->n_fired = 0;
    if (m->db) {
        struct scan_ctx c = {m, s, false, false};
        hs_error_t rc =
            hs_scan(m->db, turn->text, (unsigned)turn->len, 0, s->scratch, on_match, &c);
        for (size_t i = 0; i < s->n_fired; i++)
            s->fired_mark[s->fired[i]] = 0;
        if (c.failed)
            return ZJ_ERR_NOMEM;
        if (c.bad_id)
            return ZJ_ERR_INVALID;
        if (rc != HS_SUCCESS)
            return ZJ_ERR_LIMIT;
    }
    /* Literals: starts from ends, then leftmost non-overlapping per pattern. */
    if (s->ends.n)
        qsort(s->ends.v, s->ends.n, sizeof *s->ends.v, cmp_end);
    uint32_t last_pattern = UINT32_MAX, last_end = 0;
    for (size_t i = 0; i < s->ends.n; i++) {
        const zj_hit *h = &s->ends.v[i];
        const zj_pattern *p = &m->patterns[h->pattern];
        uint32_t start = h->end - (uint32_t)p->expr_len;
        if (h->pattern != last_pattern) {
            last_pattern = h->pattern;
            last_end = 0;
        } else if (i > 0 && s->ends.v[i - 1].end == h->end) {
            continue; /* a repeated report of the same end */
        }
        if (start < last_end)
            continue;
        if (p->per_sentence && crosses_break(turn, p, start, h->end))
            continue;
        if (zj_hits_push(out, h->pattern, start, h->end) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        last_end = h->end;
    }
    /* Regexes: PCRE2 for those that may match, and those Hyperscan left out. */
    size_t n_ids = s->n_fired + m->n_always;
    if (n_ids == 0)
        return ZJ_OK;
    if (n_ids > s->cap_ids) {
        uint32_t *v = realloc(s->ids, n_ids * sizeof *v);
        if (!v)
            return ZJ_ERR_NOMEM;
        s->ids = v;
        s->cap_ids = n_ids;
    }
    if (s->n_fired)
        memcpy(s->ids, s->fired, s->n_fired * sizeof *s->ids);
    if (m->n_always)
        memcpy(s->ids + s->n_fired, m->pcre_always, m->n_always * sizeof *s->ids);
    return zj_pcre_scan(pcre, ps, turn, s->ids, n_ids, out);
}
