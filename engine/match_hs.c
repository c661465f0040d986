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
 * The compiled database can be cached on disk, keyed by the rule set's sha256,
 * the Hyperscan version and the platform, and is recompiled on any mismatch. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* 02: per-sentence regexes are in the database as relaxed prefilters. */
#define CACHE_MAGIC "ZJHSDB02"
/* Compiled databases kept: every edit of a rule set makes a new one, and a
 * rule author's cache would otherwise grow without end. Least recently used
 * go first (a hit refreshes the file's time). */
#define CACHE_KEEP 32

struct zj_hs_matcher {
    hs_database_t *db;
    const zj_pattern *patterns;
    size_t n;
    uint32_t *pcre_always; /* ids PCRE2 scans in every turn */
    size_t n_always;
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

/* Cache key: sha256 over rule-set key, Hyperscan version and platform. */
static void cache_path(const char *dir, const char *key, char *out, size_t size)
{
    hs_platform_info_t plat;
    memset(&plat, 0, sizeof plat);
    hs_populate_platform(&plat);
    zj_buf b;
    zj_buf_init(&b);
    zj_buf_printf(&b, "%s|%s|%u|%llu|%llu|%s", key, hs_version(), plat.tune,
                  (unsigned long long)plat.cpu_features, (unsigned long long)plat.reserved1,
                  CACHE_MAGIC);
    char digest[65];
    zj_sha256_hex(b.data, b.len, digest);
    zj_buf_free(&b);
    snprintf(out, size, "%s/%s.hsdb", dir, digest);
}

/* File: magic, sha256 hex of the payload, payload (serialized database). */
static hs_database_t *cache_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat sb;
    hs_database_t *db = NULL;
    if (fstat(fileno(f), &sb) == 0 && sb.st_size > 72 && sb.st_size < (1 << 30)) {
        size_t size = (size_t)sb.st_size;
        char *data = malloc(size);
        if (data && fread(data, 1, size, f) == size && memcmp(data, CACHE_MAGIC, 8) == 0) {
            char digest[65];
            zj_sha256_hex(data + 72, size - 72, digest);
            if (memcmp(digest, data + 8, 64) == 0 &&
                hs_deserialize_database(data + 72, size - 72, &db) != HS_SUCCESS)
                db = NULL;
        }
        free(data);
    }
    fclose(f);
    return db;
}

static void mkdirs(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    mkdir(tmp, 0755);
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

/* Keeps the CACHE_KEEP most recently used databases of dir (never `keep`,
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
        if ((!db && !tmp) || len >= sizeof v->name || stat(path, &sb) != 0)
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
    if (n + 1 > CACHE_KEEP) {
        qsort(v, n, sizeof *v, cmp_used);
        for (size_t i = 0; i < n + 1 - CACHE_KEEP; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, v[i].name);
            unlink(path);
        }
    }
    free(v);
}

/* Written to a temp file and renamed: a crash never leaves half a cache. */
static void cache_store(const char *dir, const char *path, const hs_database_t *db)
{
    char *bytes = NULL;
    size_t len = 0;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return;
    mkdirs(dir);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f) {
        char digest[65];
        zj_sha256_hex(bytes, len, digest);
        bool ok = fwrite(CACHE_MAGIC, 1, 8, f) == 8 && fwrite(digest, 1, 64, f) == 64 &&
                  fwrite(bytes, 1, len, f) == len;
        ok = fclose(f) == 0 && ok;
        if (!ok || rename(tmp, path) != 0)
            unlink(tmp);
        else
            cache_prune(dir, path);
    }
    free(bytes);
}

/* A per-segment regex relaxed for the whole turn: every ^ and $ assertion
 * removed (outside classes, unescaped). A match inside a segment is then a
 * match of the relaxed regex in the turn, so it is a sound prefilter, as long
 * as no construct can turn a removed edge into a failure: negative
 * lookarounds, word boundaries and the other anchors keep the regex out
 * (NULL). Caller frees. */
static char *relax_segment_regex(const char *expr)
{
    if (strstr(expr, "(?!") || strstr(expr, "(?<!"))
        return NULL;
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
        }
        out[k++] = c;
    }
    out[k] = '\0';
    return out;
}

zj_hs_matcher *zj_hs_compile(const zj_pattern *patterns, size_t n, const char *cache_key,
                             const char *cache_dir, zj_error *err)
{
    zj_hs_matcher *m = calloc(1, sizeof *m);
    if (!m) {
        zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    m->patterns = patterns;
    m->n = n;
    m->pcre_always = calloc(n ? n : 1, sizeof *m->pcre_always);
    char **exprs = calloc(n ? n : 1, sizeof *exprs);
    unsigned *flags = calloc(n ? n : 1, sizeof *flags);
    unsigned *ids = calloc(n ? n : 1, sizeof *ids);
    size_t k = 0;
    if (!m->pcre_always || !exprs || !flags || !ids)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        const zj_pattern *p = &patterns[i];
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
        /* Does Hyperscan take this regex (in prefilter mode)? */
        hs_database_t *one = NULL;
        hs_compile_error_t *ce = NULL;
        if (hs_compile(expr, REGEX_FLAGS, HS_MODE_BLOCK, NULL, &one, &ce) == HS_SUCCESS) {
            hs_free_database(one);
            exprs[k] = expr;
            flags[k] = REGEX_FLAGS;
            ids[k++] = p->id;
            m->has_regex_prefilter = true;
        } else {
            free(expr);
            hs_free_compile_error(ce);
            m->pcre_always[m->n_always++] = p->id;
        }
    }
    char path[4200] = "";
    if (k && cache_dir && *cache_dir && cache_key) {
        cache_path(cache_dir, cache_key, path, sizeof path);
        m->db = cache_load(path);
        if (m->db)
            utimensat(AT_FDCWD, path, NULL, 0); /* used now: pruned last */
    }
    if (k && !m->db) {
        hs_compile_error_t *ce = NULL;
        if (hs_compile_ext_multi((const char *const *)exprs, flags, ids, NULL, (unsigned)k,
                                 HS_MODE_BLOCK, NULL, &m->db, &ce) != HS_SUCCESS) {
            const zj_pattern *bad =
                ce && ce->expression >= 0 ? &patterns[ids[ce->expression]] : NULL;
            zj_error_set(err, ZJ_ERR_REGEX, NULL, bad ? bad->line : 0, bad ? bad->col : 0,
                         "Hyperscan cannot compile the rule set: %s",
                         ce ? ce->message : "unknown error");
            hs_free_compile_error(ce);
            goto fail;
        }
        if (path[0])
            cache_store(cache_dir, path, m->db);
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
    hs_free_database(m->db);
    free(m->pcre_always);
    free(m);
}

zj_hs_scratch *zj_hs_scratch_new(const zj_hs_matcher *m)
{
    zj_hs_scratch *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->fired_mark = calloc(m->n ? m->n : 1, 1);
    if (!s->fired_mark || (m->db && hs_alloc_scratch(m->db, &s->scratch) != HS_SUCCESS)) {
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
    bool failed;
};

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx_ptr)
{
    (void)from;
    (void)flags;
    struct scan_ctx *c = ctx_ptr;
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
        struct scan_ctx c = {m, s, false};
        hs_error_t rc =
            hs_scan(m->db, turn->text, (unsigned)turn->len, 0, s->scratch, on_match, &c);
        if (c.failed)
            return ZJ_ERR_NOMEM;
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
    for (size_t i = 0; i < s->n_fired; i++)
        s->fired_mark[s->fired[i]] = 0;
    return zj_pcre_scan(pcre, ps, turn, s->ids, n_ids, out);
}
