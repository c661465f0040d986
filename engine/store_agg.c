/* store_agg.c — keeping the report aggregates (store_agg.h) in step with the
 * stored calls: each call's contribution is added to (or, for the call a
 * re-scored one replaces, taken from) sums in memory, keyed as the tables'
 * rows are, and the sums are written once per transaction, just before its
 * COMMIT. A transaction of 20,000 calls touches a few thousand aggregate rows
 * where a write per call and rule would have been ~15 per call. */
#include "store_agg.h"

#include <stdlib.h>
#include <string.h>

enum { CALL_TEXTS = 7, CALL_INTS = 4, CALL_VALUES = 1 };
enum { RULE_TEXTS = 9, RULE_VALUES = 12 };
enum { MAX_TEXTS = 9, MAX_VALUES = 12 };

/* Rules' values, in the order of the table's columns. */
enum {
    V_FINDINGS,
    V_CALLS,
    V_NEG,
    V_NEG_CALLS,
    V_NEG_POINTS,
    V_POINTS,
    V_FATAL,
    V_QUOTED,
    V_FUZZY,
    V_CLEAN_CALLS,
    V_OFFENCES,
    V_OFFENCE_CALLS
};

typedef struct entry {
    uint64_t hash;
    char *key; /* encoded key (owned); NULL: an empty slot */
    size_t klen;
    int64_t ruleset_id;
    const char *text[MAX_TEXTS]; /* into key; NULL for SQL NULL */
    int64_t ints[CALL_INTS];
    int64_t v[MAX_VALUES];
    /* The smallest example added, and the smallest taken away (a call
     * re-scored with another example): when that one may have been the
     * row's smallest, the flush looks it up again. */
    char *add_ex, *rem_ex;
} entry;

/* Open addressing; the probe reads only hashes (with the low bit set: 0 is
 * an empty slot), a compact array, and touches an entry only on a match. */
typedef struct map {
    uint64_t *hashes;
    entry *slots;
    size_t cap, n;
} map;

struct zj_agg {
    map calls, rules;
    zj_buf key, tags;
};

zj_agg *zj_agg_new(void)
{
    zj_agg *a = calloc(1, sizeof *a);
    if (a) {
        zj_buf_init(&a->key);
        zj_buf_init(&a->tags);
    }
    return a;
}

static void map_clear(map *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->hashes[i])
            continue;
        free(m->slots[i].key);
        free(m->slots[i].add_ex);
        free(m->slots[i].rem_ex);
    }
    free(m->slots);
    free(m->hashes);
    memset(m, 0, sizeof *m);
}

void zj_agg_clear(zj_agg *a)
{
    if (!a)
        return;
    map_clear(&a->calls);
    map_clear(&a->rules);
}

void zj_agg_free(zj_agg *a)
{
    if (!a)
        return;
    zj_agg_clear(a);
    zj_buf_free(&a->key);
    zj_buf_free(&a->tags);
    free(a);
}

/* A word at a time (keys are ~100 bytes; a byte-wise hash showed in the
 * profile of a scoring run), finished with a murmur-style mix. */
static uint64_t key_hash(const char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    uint64_t w;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, p, n);
    h = (h ^ w) * 0x94D049BB133111EBull;
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 32);
}

/* The key: the rule set, then each text as 0x01 (NULL) or 0x02 text NUL,
 * then the integers, 8 bytes each. */
static bool encode(zj_buf *b, int64_t rid, const char *const *texts, int nt, const int64_t *ints,
                   int ni)
{
    zj_buf_reset(b);
    zj_buf_append(b, (const char *)&rid, sizeof rid);
    for (int i = 0; i < nt; i++) {
        if (!texts[i]) {
            zj_buf_append(b, "\x01", 1);
        } else {
            zj_buf_append(b, "\x02", 1);
            zj_buf_append(b, texts[i], strlen(texts[i]) + 1);
        }
    }
    for (int i = 0; i < ni; i++)
        zj_buf_append(b, (const char *)&ints[i], sizeof ints[i]);
    return !b->failed;
}

static bool map_grow(map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    entry *s = calloc(cap, sizeof *s);
    uint64_t *h = calloc(cap, sizeof *h);
    if (!s || !h) {
        free(s);
        free(h);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->hashes[i])
            continue;
        size_t j = m->hashes[i] & (cap - 1);
        while (h[j])
            j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
        h[j] = m->hashes[i];
    }
    free(m->slots);
    free(m->hashes);
    m->slots = s;
    m->hashes = h;
    m->cap = cap;
    return true;
}

/* The entry of the key in b, created (with its texts and integers) when new. */
static entry *map_get(map *m, const zj_buf *b, int nt, int ni)
{
    if ((m->n + 1) * 2 > m->cap && !map_grow(m))
        return NULL;
    uint64_t h = key_hash(b->data, b->len) | 1;
    size_t j = h & (m->cap - 1);
    for (; m->hashes[j]; j = (j + 1) & (m->cap - 1)) {
        entry *e = &m->slots[j];
        if (m->hashes[j] == h && e->klen == b->len && memcmp(e->key, b->data, b->len) == 0)
            return e;
    }
    entry *e = &m->slots[j];
    memset(e, 0, sizeof *e);
    e->key = malloc(b->len);
    if (!e->key)
        return NULL;
    memcpy(e->key, b->data, b->len);
    e->klen = b->len;
    e->hash = h;
    m->hashes[j] = h;
    m->n++;
    const char *p = e->key;
    memcpy(&e->ruleset_id, p, sizeof e->ruleset_id);
    p += sizeof e->ruleset_id;
    for (int i = 0; i < nt; i++) {
        if (*p++ == '\x01') {
            e->text[i] = NULL;
        } else {
            e->text[i] = p;
            p += strlen(p) + 1;
        }
    }
    for (int i = 0; i < ni; i++, p += sizeof(int64_t))
        memcpy(&e->ints[i], p, sizeof(int64_t));
    return e;
}

static bool same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* strcmp(a, call_id + " " + text) without building the second string. */
static int cmp_example(const char *a, const char *call_id, const char *text)
{
    size_t n = strlen(call_id);
    int c = strncmp(a, call_id, n);
    if (c)
        return c;
    if ((unsigned char)a[n] != ' ')
        return (unsigned char)a[n] < ' ' ? -1 : 1;
    return strcmp(a + n + 1, text);
}

/* *slot = the smaller of *slot and call_id + " " + text (a copy). */
static bool keep_min(char **slot, const char *call_id, const char *text)
{
    if (!text || (*slot && cmp_example(*slot, call_id, text) <= 0))
        return true;
    size_t n = strlen(call_id), tl = strlen(text);
    char *c = malloc(n + 1 + tl + 1);
    if (!c)
        return false;
    memcpy(c, call_id, n);
    c[n] = ' ';
    memcpy(c + n + 1, text, tl + 1);
    free(*slot);
    *slot = c;
    return true;
}

/* A call's findings grouped as agg_rules rows: the first finding of each
 * group, and the group's values and example. */
typedef struct group {
    const zj_agg_finding *first;
    int64_t v[RULE_VALUES];
    const char *example; /* the smallest text of a finding that cost points: the
                          * example is "call_id text" (one call: one call_id) */
    bool matched;        /* its twin in the other version of the call had the same example */
} group;

typedef struct grouped {
    group *g;
    size_t n;
} grouped;

static void grouped_free(grouped *x)
{
    free(x->g);
    x->g = NULL;
    x->n = 0;
}

static bool same_rule_key(const zj_agg_finding *a, const zj_agg_finding *b)
{
    return same(a->rule_id, b->rule_id) && same(a->outcome, b->outcome) && same(a->kind, b->kind) &&
           same(a->severity, b->severity) && same(a->clause, b->clause);
}

/* Findings of a freshly scored call point into its rule set (one rule: one
 * rule_id, kind, severity and clause string) and at static outcome names. */
static bool same_rule_key_interned(const zj_agg_finding *a, const zj_agg_finding *b)
{
    return a->rule_id == b->rule_id && a->outcome == b->outcome;
}

/* An offence (store_agg.h, ZJ_OFFENCE_F): a forbidden hit that costs points
 * or fails the call. */
static bool offence(const zj_agg_finding *f)
{
    return same(f->kind, "forbidden") && same(f->outcome, "hit") && (f->points < 0 || f->fatal);
}

static bool any_offence(const zj_agg_finding *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (offence(&f[i]))
            return true;
    return false;
}

static bool group_findings(const zj_agg_call *c, const zj_agg_finding *f, size_t n, bool interned,
                           grouped *out)
{
    out->g = n ? calloc(n, sizeof *out->g) : NULL;
    out->n = 0;
    if (n && !out->g)
        return false;
    bool clean = c->passed && !any_offence(f, n);
    for (size_t i = 0; i < n; i++) {
        group *g = NULL;
        for (size_t k = 0; k < out->n && !g; k++)
            if (interned ? same_rule_key_interned(out->g[k].first, &f[i])
                         : same_rule_key(out->g[k].first, &f[i]))
                g = &out->g[k];
        if (!g) {
            g = &out->g[out->n++];
            g->first = &f[i];
            g->v[V_CALLS] = 1;
            g->v[V_CLEAN_CALLS] = clean;
        }
        g->v[V_FINDINGS]++;
        g->v[V_POINTS] += f[i].points;
        g->v[V_FATAL] += f[i].fatal;
        g->v[V_QUOTED] += f[i].quoted;
        g->v[V_FUZZY] += f[i].fuzzy;
        if (offence(&f[i])) {
            g->v[V_OFFENCES]++;
            g->v[V_OFFENCE_CALLS] = 1;
        }
        if (f[i].points < 0) {
            g->v[V_NEG]++;
            g->v[V_NEG_CALLS] = 1;
            g->v[V_NEG_POINTS] += f[i].points;
            if (f[i].text && (!g->example || strcmp(f[i].text, g->example) < 0))
                g->example = f[i].text;
        }
    }
    return true;
}

static bool same_call_key(const zj_agg_call *a, const zj_agg_call *b)
{
    return a->ruleset_id == b->ruleset_id && same(a->local_date, b->local_date) &&
           same(a->agent_id, b->agent_id) && same(a->agent_name, b->agent_name) &&
           same(a->team, b->team);
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The call's tag rules hit, sorted, once each, comma-joined into tags ("":
 * none). */
static bool call_tags(const zj_agg_finding *f, size_t n, zj_buf *tags)
{
    zj_buf_reset(tags);
    const char **ids = NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (same(f[i].outcome, "hit") && same(f[i].kind, "tag")) {
            if (!ids && !(ids = malloc(n * sizeof *ids)))
                return false;
            ids[k++] = f[i].rule_id;
        }
    }
    if (k)
        qsort(ids, k, sizeof *ids, cmp_str_ptr);
    for (size_t i = 0; i < k; i++)
        if (i == 0 || strcmp(ids[i], ids[i - 1]) != 0) {
            if (tags->len)
                zj_buf_append(tags, ",", 1);
            zj_buf_puts(tags, ids[i]);
        }
    free(ids);
    zj_buf_append(tags, "", 1); /* NUL-terminated even when empty */
    return !tags->failed;
}

static bool add_call(zj_agg *a, const zj_agg_call *c, const zj_agg_finding *f, size_t n, int sign)
{
    if (!call_tags(f, n, &a->tags))
        return false;
    const char *tags = a->tags.data[0] ? a->tags.data : NULL;
    const char *texts[CALL_TEXTS] = {c->local_date, c->iso_week, c->agent_id, c->agent_name,
                                     c->team,       c->grade,    tags};
    /* agg_calls.forbidden: the call has an offence. */
    int64_t ints[CALL_INTS] = {c->score, c->passed, c->fatal, any_offence(f, n)};
    if (!encode(&a->key, c->ruleset_id, texts, CALL_TEXTS, ints, CALL_INTS))
        return false;
    entry *e = map_get(&a->calls, &a->key, CALL_TEXTS, CALL_INTS);
    if (!e)
        return false;
    e->v[0] += sign;
    return true;
}

static bool add_groups(zj_agg *a, const zj_agg_call *c, const grouped *x, int sign)
{
    for (size_t i = 0; i < x->n; i++) {
        const group *g = &x->g[i];
        const zj_agg_finding *f = g->first;
        const char *texts[RULE_TEXTS] = {c->local_date, c->agent_id, c->agent_name,
                                         c->team,       f->rule_id,  f->kind,
                                         f->outcome,    f->severity, f->clause};
        if (!encode(&a->key, c->ruleset_id, texts, RULE_TEXTS, NULL, 0))
            return false;
        entry *e = map_get(&a->rules, &a->key, RULE_TEXTS, 0);
        if (!e)
            return false;
        for (int k = 0; k < RULE_VALUES; k++)
            e->v[k] += sign * g->v[k];
        if (!g->matched && !keep_min(sign > 0 ? &e->add_ex : &e->rem_ex, c->call_id, g->example))
            return false;
    }
    return true;
}

bool zj_agg_change(zj_agg *a, const zj_agg_call *old, const zj_agg_finding *old_f, size_t n_old,
                   const zj_agg_call *new_c, const zj_agg_finding *new_f, size_t n_new,
                   bool interned)
{
    grouped go = {0}, gn = {0};
    bool ok = (!old || group_findings(old, old_f, n_old, false, &go)) &&
              (!new_c || group_findings(new_c, new_f, n_new, interned, &gn));
    /* A call scored again to the same example under the same key changes no
     * example: the common re-score of an unchanged call costs no lookup. */
    if (ok && old && new_c && same_call_key(old, new_c))
        for (size_t i = 0; i < go.n; i++)
            for (size_t k = 0; k < gn.n; k++)
                if (!gn.g[k].matched && same_rule_key(go.g[i].first, gn.g[k].first)) {
                    if (same(go.g[i].example, gn.g[k].example) &&
                        same(old->call_id, new_c->call_id))
                        go.g[i].matched = gn.g[k].matched = true;
                    break;
                }
    if (ok && old)
        ok = add_call(a, old, old_f, n_old, -1) && add_groups(a, old, &go, -1);
    if (ok && new_c)
        ok = add_call(a, new_c, new_f, n_new, +1) && add_groups(a, new_c, &gn, +1);
    grouped_free(&go);
    grouped_free(&gn);
    return ok;
}

/* ------------------------------------------------------------- flushing */

static void bind_texts(zj_stmt *q, int first, const entry *e, int nt)
{
    zj_db_bind_int64(q, first, e->ruleset_id);
    for (int i = 0; i < nt; i++)
        if (e->text[i])
            zj_db_bind_text(q, first + 1 + i, e->text[i], -1, ZJ_DB_STATIC);
        else
            zj_db_bind_null(q, first + 1 + i);
}

static zj_status out_of_step(zj_error *err, const char *table, const entry *e)
{
    return zj_error_set(err, ZJ_ERR_DB, NULL, 0, 0,
                        "the report aggregates (%s, rule set %lld, date %s, agent %s) do not match "
                        "the stored results; run `zhijian db rebuild` on this database",
                        table, (long long)e->ruleset_id, e->text[0] ? e->text[0] : "(none)",
                        e->text[table[4] == 'c' ? 2 : 1] ? e->text[table[4] == 'c' ? 2 : 1]
                                                         : "(none)");
}

/* Whether an entry changes its row at the flush. */
static bool changed(const entry *e, bool calls)
{
    if (!e->key)
        return false;
    if (calls)
        return e->v[0] != 0;
    if (e->add_ex || e->rem_ex)
        return true;
    for (int k = 0; k < RULE_VALUES; k++)
        if (e->v[k] != 0)
            return true;
    return false;
}

/* On PostgreSQL the stored rows of every changed key come in one query
 * (a lookup per key is a round trip each: ~11 per scored call), and the
 * rows to update or delete are queued in temporary tables and changed by
 * one statement each at the end; new rows are bulk loaded. SQLite looks
 * each key up in process. */
#define PG_TEMP_TABLES                                                                             \
    "CREATE TEMP TABLE IF NOT EXISTS zj_agg_keys (i BIGINT, ruleset_id BIGINT,"                    \
    " t1 TEXT COLLATE \"C\", t2 TEXT COLLATE \"C\", t3 TEXT COLLATE \"C\", t4 TEXT COLLATE \"C\"," \
    " t5 TEXT COLLATE \"C\", t6 TEXT COLLATE \"C\", t7 TEXT COLLATE \"C\", t8 TEXT COLLATE \"C\"," \
    " t9 TEXT COLLATE \"C\", n1 BIGINT, n2 BIGINT, n3 BIGINT, n4 BIGINT);"                         \
    "CREATE TEMP TABLE IF NOT EXISTS zj_agg_set (rowid BIGINT, v1 BIGINT, v2 BIGINT, v3 BIGINT,"   \
    " v4 BIGINT, v5 BIGINT, v6 BIGINT, v7 BIGINT, v8 BIGINT, v9 BIGINT, v10 BIGINT, v11 BIGINT,"   \
    " v12 BIGINT, example TEXT COLLATE \"C\");"                                                    \
    "CREATE TEMP TABLE IF NOT EXISTS zj_agg_del (rowid BIGINT);"                                   \
    "DELETE FROM zj_agg_keys; DELETE FROM zj_agg_set; DELETE FROM zj_agg_del"

static bool postgres(zj_store *st)
{
    return zj_store_db(st)->kind == ZJ_DB_POSTGRES;
}

/* Loads the changed keys (slot index i) into zj_agg_keys and returns the
 * query of their stored rows, ordered by i, stepped once (*rc); NULL after
 * setting err. */
static zj_stmt *prefetch(map *m, zj_store *st, bool calls, const char *select, int *rc,
                         zj_error *err)
{
    zj_db *db = zj_store_db(st);
    zj_stmt *ins = NULL, *q = NULL;
    if (zj_db_exec(db, PG_TEMP_TABLES, NULL, NULL, NULL) != ZJ_DB_OK ||
        zj_db_prepare_bulk(db,
                           "INSERT INTO zj_agg_keys (i, ruleset_id, t1, t2, t3, t4, t5, t6, t7,"
                           " t8, t9, n1, n2, n3, n4) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                           " ?10, ?11, ?12, ?13, ?14, ?15)",
                           &ins) != ZJ_DB_OK) {
        zj_store_error(st, err, "cannot read the report aggregates");
        return NULL;
    }
    bool ok = true;
    for (size_t i = 0; i < m->cap && ok; i++) {
        const entry *e = &m->slots[i];
        if (!changed(e, calls))
            continue;
        zj_db_reset(ins);
        zj_db_clear_bindings(ins);
        zj_db_bind_int64(ins, 1, (int64_t)i);
        bind_texts(ins, 2, e, calls ? CALL_TEXTS : RULE_TEXTS);
        for (int k = 0; calls && k < CALL_INTS; k++)
            zj_db_bind_int64(ins, 12 + k, e->ints[k]);
        ok = zj_db_step(ins) == ZJ_DB_DONE;
    }
    zj_db_finalize(ins);
    if (!ok || zj_db_exec(db, "ANALYZE zj_agg_keys", NULL, NULL, NULL) != ZJ_DB_OK ||
        zj_db_prepare_v2(db, select, -1, &q, NULL) != ZJ_DB_OK) {
        zj_store_error(st, err, "cannot read the report aggregates");
        return NULL;
    }
    *rc = zj_db_step(q);
    return q;
}

/* The queued updates and deletions of a table, applied (PostgreSQL). */
static zj_status apply_queued(zj_store *st, const char *update, const char *table, zj_error *err)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "%s; DELETE FROM %s WHERE rowid IN (SELECT rowid FROM zj_agg_del);"
             " DELETE FROM zj_agg_keys; DELETE FROM zj_agg_set; DELETE FROM zj_agg_del",
             update, table);
    if (zj_db_exec(zj_store_db(st), sql, NULL, NULL, NULL) != ZJ_DB_OK)
        return zj_store_error(st, err, "cannot update the report aggregates");
    return ZJ_OK;
}

/* The stored row of changed entry i, ZJ_DB_ROW (its columns then in *from,
 * from column *o on) or ZJ_DB_DONE: from the prefetch pf on PostgreSQL
 * (*pf_rc its last step), else looked up with q. */
static int stored_row(zj_stmt *pf, int *pf_rc, zj_stmt *q, size_t i, const entry *e, bool calls,
                      zj_stmt **from, int *o)
{
    if (pf) {
        *from = pf;
        *o = 1; /* after the slot */
        while (*pf_rc == ZJ_DB_ROW && zj_db_column_int64(pf, 0) < (int64_t)i)
            *pf_rc = zj_db_step(pf); /* cannot happen: every key row is some slot's */
        if (*pf_rc != ZJ_DB_ROW)
            return *pf_rc;
        return zj_db_column_int64(pf, 0) == (int64_t)i ? ZJ_DB_ROW : ZJ_DB_DONE;
    }
    *from = q;
    *o = 0;
    zj_db_reset(q);
    bind_texts(q, 1, e, calls ? CALL_TEXTS : RULE_TEXTS);
    for (int k = 0; calls && k < CALL_INTS; k++)
        zj_db_bind_int64(q, 9 + k, e->ints[k]);
    return zj_db_step(q);
}

/* After stored_row's row: ZJ_DB_ROW when the key has a second one (the
 * aggregates are out of step), ZJ_DB_DONE when not, else the error. */
static int second_row(zj_stmt *pf, int *pf_rc, zj_stmt *q, size_t i)
{
    if (!pf)
        return zj_db_step(q);
    *pf_rc = zj_db_step(pf);
    if (*pf_rc != ZJ_DB_ROW)
        return *pf_rc;
    return zj_db_column_int64(pf, 0) == (int64_t)i ? ZJ_DB_ROW : ZJ_DB_DONE;
}

static zj_status flush_calls(map *m, zj_store *st, zj_error *err)
{
    zj_db *db = zj_store_db(st);
    bool pg = postgres(st);
    zj_stmt *q[4] = {0};
    const char *sql[4] = {
        "SELECT rowid, calls FROM agg_calls WHERE ruleset_id = ?1"
        " AND coalesce(local_date, '') = coalesce(?2, '') AND coalesce(agent_id, '') ="
        " coalesce(?4, '') AND coalesce(team, '') = coalesce(?6, '') AND score = ?9"
        " AND local_date IS NOT DISTINCT FROM ?2 AND iso_week IS NOT DISTINCT FROM ?3"
        " AND agent_id IS NOT DISTINCT FROM ?4 AND agent_name IS NOT DISTINCT FROM ?5"
        " AND team IS NOT DISTINCT FROM ?6 AND grade = ?7 AND tags IS NOT DISTINCT FROM ?8"
        " AND score = ?9 AND passed = ?10 AND fatal = ?11 AND forbidden = ?12",
        pg ? "INSERT INTO zj_agg_set (rowid, v1) VALUES (?1, ?2)"
           : "UPDATE agg_calls SET calls = ?2 WHERE rowid = ?1",
        pg ? "INSERT INTO zj_agg_del (rowid) VALUES (?1)"
           : "DELETE FROM agg_calls WHERE rowid = ?1",
        "INSERT INTO agg_calls (" ZJ_AGG_CALLS_COLUMNS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"};
    zj_stmt *pf = NULL;
    int pf_rc = ZJ_DB_DONE;
    if (pg) {
        pf = prefetch(m, st, true,
                      "SELECT k.i, a.rowid, a.calls FROM zj_agg_keys k JOIN agg_calls a ON"
                      " a.ruleset_id = k.ruleset_id AND coalesce(a.local_date, '') ="
                      " coalesce(k.t1, '') AND coalesce(a.agent_id, '') = coalesce(k.t3, '')"
                      " AND coalesce(a.team, '') = coalesce(k.t5, '') AND a.score = k.n1"
                      " AND a.local_date IS NOT DISTINCT FROM k.t1"
                      " AND a.iso_week IS NOT DISTINCT FROM k.t2"
                      " AND a.agent_id IS NOT DISTINCT FROM k.t3"
                      " AND a.agent_name IS NOT DISTINCT FROM k.t4"
                      " AND a.team IS NOT DISTINCT FROM k.t5 AND a.grade = k.t6"
                      " AND a.tags IS NOT DISTINCT FROM k.t7 AND a.passed = k.n2"
                      " AND a.fatal = k.n3 AND a.forbidden = k.n4 ORDER BY k.i",
                      &pf_rc, err);
        if (!pf)
            return err->status;
    }
    zj_status s = ZJ_OK;
    /* The writes only queue rows where the server allows (db.h). */
    for (int i = pg ? 1 : 0; i < 4 && s == ZJ_OK; i++)
        if ((i == 0 ? zj_db_prepare_v2(db, sql[i], -1, &q[i], NULL)
                    : zj_db_prepare_bulk(db, sql[i], &q[i])) != ZJ_DB_OK)
            s = zj_store_error(st, err, "cannot update the report aggregates");
    for (size_t i = 0; i < m->cap && s == ZJ_OK; i++) {
        entry *e = &m->slots[i];
        if (!changed(e, true))
            continue;
        zj_stmt *r;
        int o;
        int rc = stored_row(pf, &pf_rc, q[0], i, e, true, &r, &o);
        int64_t row = 0, have = 0;
        if (rc == ZJ_DB_ROW) {
            row = zj_db_column_int64(r, o);
            have = zj_db_column_int64(r, o + 1);
            rc = second_row(pf, &pf_rc, q[0], i);
            if (rc == ZJ_DB_ROW) { /* two rows of one key */
                s = out_of_step(err, "agg_calls", e);
                break;
            }
        }
        if (rc != ZJ_DB_DONE) {
            s = zj_store_error(st, err, "cannot read the report aggregates");
            break;
        }
        int64_t now = have + e->v[0];
        if (now < 0) {
            s = out_of_step(err, "agg_calls", e);
            break;
        }
        zj_stmt *w;
        if (row && now) {
            w = q[1];
            zj_db_reset(w);
            zj_db_bind_int64(w, 1, row);
            zj_db_bind_int64(w, 2, now);
        } else if (row) {
            w = q[2];
            zj_db_reset(w);
            zj_db_bind_int64(w, 1, row);
        } else {
            w = q[3];
            zj_db_reset(w);
            bind_texts(w, 1, e, CALL_TEXTS);
            for (int k = 0; k < CALL_INTS; k++)
                zj_db_bind_int64(w, 9 + k, e->ints[k]);
            zj_db_bind_int64(w, 13, now);
        }
        if (zj_db_step(w) != ZJ_DB_DONE)
            s = zj_store_error(st, err, "cannot update the report aggregates");
    }
    zj_db_finalize(pf);
    for (int i = 0; i < 4; i++)
        zj_db_finalize(q[i]);
    if (s == ZJ_OK && pg)
        s = apply_queued(st,
                         "UPDATE agg_calls AS a SET calls = u.v1 FROM zj_agg_set u"
                         " WHERE a.rowid = u.rowid",
                         "agg_calls", err);
    return s;
}

static const char *smaller(const char *a, const char *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return strcmp(a, b) <= 0 ? a : b;
}

static zj_status flush_rules(map *m, zj_store *st, zj_error *err)
{
    zj_db *db = zj_store_db(st);
    bool pg = postgres(st);
    zj_stmt *q[5] = {0};
    const char *sql[5] = {
        "SELECT rowid, findings, calls, neg, neg_calls, neg_points, points, fatal, quoted, fuzzy,"
        " clean_calls, offences, offence_calls, example FROM agg_rules WHERE ruleset_id = ?1"
        " AND coalesce(local_date, '') = coalesce(?2, '') AND coalesce(agent_id, '') ="
        " coalesce(?3, '') AND coalesce(team, '') = coalesce(?5, '') AND rule_id = ?6"
        " AND outcome = ?8 AND local_date IS NOT DISTINCT FROM ?2"
        " AND agent_id IS NOT DISTINCT FROM ?3 AND agent_name IS NOT DISTINCT FROM ?4 AND team IS "
        "NOT DISTINCT FROM ?5 AND rule_id = ?6 AND kind = ?7"
        " AND outcome = ?8 AND severity = ?9 AND clause IS NOT DISTINCT FROM ?10",
        pg ? "INSERT INTO zj_agg_set (rowid, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12,"
             " example) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
           : "UPDATE agg_rules SET findings = ?2, calls = ?3, neg = ?4, neg_calls = ?5,"
             " neg_points = ?6, points = ?7, fatal = ?8, quoted = ?9, fuzzy = ?10,"
             " clean_calls = ?11, offences = ?12, offence_calls = ?13, example = ?14"
             " WHERE rowid = ?1",
        pg ? "INSERT INTO zj_agg_del (rowid) VALUES (?1)"
           : "DELETE FROM agg_rules WHERE rowid = ?1",
        "INSERT INTO agg_rules (" ZJ_AGG_RULES_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
        " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
        /* The example when the smallest one may have gone: from the findings. */
        "SELECT min(c.call_id || ' ' || f.text) FROM calls c JOIN findings f ON f.call_row = c.id"
        " WHERE c.ruleset_id = ?1 AND c.local_date IS NOT DISTINCT FROM ?2 AND c.agent_id IS NOT "
        "DISTINCT FROM ?3"
        " AND c.agent_name IS NOT DISTINCT FROM ?4 AND c.team IS NOT DISTINCT FROM ?5 AND "
        "f.rule_id = ?6 AND f.kind = ?7"
        " AND f.outcome = ?8 AND f.severity = ?9 AND f.clause IS NOT DISTINCT FROM ?10 AND "
        "f.points < 0"
        " AND f.text IS NOT NULL"};
    zj_stmt *pf = NULL;
    int pf_rc = ZJ_DB_DONE;
    if (pg) {
        pf = prefetch(m, st, false,
                      "SELECT k.i, a.rowid, a.findings, a.calls, a.neg, a.neg_calls, a.neg_points,"
                      " a.points, a.fatal, a.quoted, a.fuzzy, a.clean_calls, a.offences,"
                      " a.offence_calls, a.example"
                      " FROM zj_agg_keys k JOIN agg_rules a ON a.ruleset_id = k.ruleset_id"
                      " AND coalesce(a.local_date, '') = coalesce(k.t1, '')"
                      " AND coalesce(a.agent_id, '') = coalesce(k.t2, '')"
                      " AND coalesce(a.team, '') = coalesce(k.t4, '') AND a.rule_id = k.t5"
                      " AND a.outcome = k.t7 AND a.local_date IS NOT DISTINCT FROM k.t1"
                      " AND a.agent_id IS NOT DISTINCT FROM k.t2"
                      " AND a.agent_name IS NOT DISTINCT FROM k.t3"
                      " AND a.team IS NOT DISTINCT FROM k.t4 AND a.kind = k.t6"
                      " AND a.severity = k.t8 AND a.clause IS NOT DISTINCT FROM k.t9 ORDER BY k.i",
                      &pf_rc, err);
        if (!pf)
            return err->status;
    }
    zj_status s = ZJ_OK;
    for (int i = pg ? 1 : 0; i < 5 && s == ZJ_OK; i++)
        if ((i == 1 || i == 2 || i == 3
                 ? zj_db_prepare_bulk(db, sql[i], &q[i])
                 : zj_db_prepare_v2(db, sql[i], -1, &q[i], NULL)) != ZJ_DB_OK)
            s = zj_store_error(st, err, "cannot update the report aggregates");
    char *found = NULL;
    for (size_t i = 0; i < m->cap && s == ZJ_OK; i++) {
        entry *e = &m->slots[i];
        if (!changed(e, false))
            continue;
        zj_stmt *r;
        int o;
        int rc = stored_row(pf, &pf_rc, q[0], i, e, false, &r, &o);
        int64_t row = 0, now[RULE_VALUES];
        memcpy(now, e->v, sizeof now);
        free(found);
        found = NULL;
        if (rc == ZJ_DB_ROW) {
            row = zj_db_column_int64(r, o);
            for (int k = 0; k < RULE_VALUES; k++)
                now[k] += zj_db_column_int64(r, o + 1 + k);
            const unsigned char *ex = zj_db_column_text(r, o + 1 + RULE_VALUES);
            if (ex && !(found = zj_strdup((const char *)ex))) {
                s = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            rc = second_row(pf, &pf_rc, q[0], i);
            if (rc == ZJ_DB_ROW) { /* two rows of one key */
                s = out_of_step(err, "agg_rules", e);
                break;
            }
        }
        if (rc != ZJ_DB_DONE) {
            s = zj_store_error(st, err, "cannot read the report aggregates");
            break;
        }
        bool zero = true;
        for (int k = 0; k < RULE_VALUES; k++) {
            bool sum = k == V_NEG_POINTS || k == V_POINTS; /* may be negative */
            if ((!sum && now[k] < 0) || (!sum && now[k] > now[V_FINDINGS]))
                zero = false, s = out_of_step(err, "agg_rules", e);
            else if (now[k] != 0)
                zero = false;
        }
        if (now[V_NEG_POINTS] > 0 || (now[V_FINDINGS] == 0 && !zero))
            s = out_of_step(err, "agg_rules", e);
        if (s != ZJ_OK)
            break;
        zj_stmt *w;
        if (zero && row) {
            w = q[2];
            zj_db_reset(w);
            zj_db_bind_int64(w, 1, row);
            if (zj_db_step(w) != ZJ_DB_DONE)
                s = zj_store_error(st, err, "cannot update the report aggregates");
            continue;
        }
        if (zero)
            continue; /* added and taken away within the transaction */
        /* The new smallest example: the smaller of the stored and the added
         * ones, unless something at or below it was taken away. */
        const char *m_ex = smaller(found, e->add_ex);
        char *looked_up = NULL;
        if (e->rem_ex && (!m_ex || strcmp(e->rem_ex, m_ex) <= 0)) {
            zj_db_reset(q[4]);
            bind_texts(q[4], 1, e, RULE_TEXTS);
            rc = zj_db_step(q[4]);
            if (rc != ZJ_DB_ROW) {
                s = zj_store_error(st, err, "cannot read the findings");
                break;
            }
            const unsigned char *t = zj_db_column_text(q[4], 0);
            if (t && !(looked_up = zj_strdup((const char *)t))) {
                s = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            zj_db_reset(q[4]);
            m_ex = looked_up;
        }
        if (row) {
            w = q[1];
            zj_db_reset(w);
            zj_db_bind_int64(w, 1, row);
            for (int k = 0; k < RULE_VALUES; k++)
                zj_db_bind_int64(w, 2 + k, now[k]);
            if (m_ex)
                zj_db_bind_text(w, 2 + RULE_VALUES, m_ex, -1, ZJ_DB_TRANSIENT);
            else
                zj_db_bind_null(w, 2 + RULE_VALUES);
        } else {
            w = q[3];
            zj_db_reset(w);
            bind_texts(w, 1, e, RULE_TEXTS);
            for (int k = 0; k < RULE_VALUES; k++)
                zj_db_bind_int64(w, 11 + k, now[k]);
            if (m_ex)
                zj_db_bind_text(w, 11 + RULE_VALUES, m_ex, -1, ZJ_DB_TRANSIENT);
            else
                zj_db_bind_null(w, 11 + RULE_VALUES);
        }
        if (zj_db_step(w) != ZJ_DB_DONE)
            s = zj_store_error(st, err, "cannot update the report aggregates");
        free(looked_up);
    }
    free(found);
    zj_db_finalize(pf);
    for (int i = 0; i < 5; i++)
        zj_db_finalize(q[i]);
    if (s == ZJ_OK && pg)
        s = apply_queued(st,
                         "UPDATE agg_rules AS a SET findings = u.v1, calls = u.v2, neg = u.v3,"
                         " neg_calls = u.v4, neg_points = u.v5, points = u.v6, fatal = u.v7,"
                         " quoted = u.v8, fuzzy = u.v9, clean_calls = u.v10, offences = u.v11,"
                         " offence_calls = u.v12, example = u.example"
                         " FROM zj_agg_set u WHERE a.rowid = u.rowid",
                         "agg_rules", err);
    return s;
}

zj_status zj_agg_flush(zj_agg *a, zj_store *st, zj_error *err)
{
    zj_status s = flush_calls(&a->calls, st, err);
    if (s == ZJ_OK)
        s = flush_rules(&a->rules, st, err);
    zj_agg_clear(a);
    return s;
}

/* -------------------------------------------------- rebuild and check */

/* Whether agg_rules has the offence columns of v12, read from the catalog
 * (a failed query would abort a PostgreSQL reader's transaction). */
static bool has_offence_columns(zj_store *st)
{
    zj_stmt *q;
    const char *sql = postgres(st) ? "SELECT 1 FROM information_schema.columns WHERE"
                                     " table_schema = current_schema() AND"
                                     " table_name = 'agg_rules' AND column_name = 'offences'"
                                   : "SELECT 1 FROM pragma_table_info('agg_rules')"
                                     " WHERE name = 'offences'";
    bool yes = zj_db_prepare_v2(zj_store_db(st), sql, -1, &q, NULL) == ZJ_DB_OK &&
               zj_db_step(q) == ZJ_DB_ROW;
    zj_db_finalize(q);
    return yes;
}

/* The aggregates of a file before v12 count every forbidden hit where the
 * reports count offences: a reader (which never migrates) computes from
 * the calls and findings instead. */
bool zj_store_has_aggregates(zj_store *st)
{
    return zj_store_has_table(st, "agg_calls") && zj_store_has_table(st, "agg_rules") &&
           has_offence_columns(st);
}

zj_status zj_store_agg_rebuild(zj_store *st, zj_error *err)
{
    zj_db *db = zj_store_db(st);
    if (!zj_store_writable(st))
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                            "the database is open read-only: cannot rebuild its aggregates");
    if (zj_db_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != ZJ_DB_OK)
        return zj_store_error(st, err, "cannot rebuild the report aggregates");
    if (zj_db_exec(db, "DELETE FROM agg_calls; DELETE FROM agg_rules;" ZJ_AGG_BUILD "COMMIT", NULL,
                   NULL, NULL) != ZJ_DB_OK) {
        zj_status s = zj_store_error(st, err, "cannot rebuild the report aggregates");
        if (!zj_db_get_autocommit(db))
            zj_db_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return s;
    }
    return ZJ_OK;
}

/* Writes every row of q as "label: column value, ..." (the values escaped
 * for a terminal, zj_buf_term: they hold the input's ids, names and text;
 * the first 20 of each label) and counts them into *n. With two labels, the
 * first column (0 or 1, ascending) picks the label and is not written. */
static zj_status list_rows(zj_store *st, const char *sql, const char *const labels[2], zj_buf *out,
                           long *n, zj_error *err)
{
    zj_stmt *q;
    if (zj_db_prepare_v2(zj_store_db(st), sql, -1, &q, NULL) != ZJ_DB_OK)
        return zj_store_error(st, err, "cannot check the report aggregates");
    int rc, first = labels[1] ? 1 : 0, side = 0;
    long seen = 0;
    while ((rc = zj_db_step(q)) == ZJ_DB_ROW) {
        int row_side = first ? (zj_db_column_int(q, 0) ? 1 : 0) : 0;
        if (row_side != side) {
            if (seen > 20)
                zj_buf_printf(out, "%s: ... and %ld more\n", labels[side], seen - 20);
            *n += seen;
            seen = 0;
            side = row_side;
        }
        if (seen++ < 20) {
            zj_buf_printf(out, "%s:", labels[side]);
            for (int i = first; i < zj_db_column_count(q); i++) {
                const unsigned char *t = zj_db_column_text(q, i);
                zj_buf_printf(out, "%s %s ", i > first ? "," : "", zj_db_column_name(q, i));
                if (t)
                    zj_buf_term_str(out, (const char *)t);
                else
                    zj_buf_puts(out, "NULL");
            }
            zj_buf_puts(out, "\n");
        }
    }
    if (seen > 20)
        zj_buf_printf(out, "%s: ... and %ld more\n", labels[side], seen - 20);
    *n += seen;
    zj_db_finalize(q);
    if (rc != ZJ_DB_DONE)
        return zj_store_error(st, err, "cannot check the report aggregates");
    return out->failed ? zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory") : ZJ_OK;
}

/* The stored rows of an aggregate table that a recomputation lacks (side
 * 0), then the recomputed rows the table lacks (side 1), each in column
 * order. The recomputation is a common table expression read twice, which
 * both SQLite and PostgreSQL compute once: no temporary table, so a
 * read-only connection (an auditor's role, default_transaction_read_only)
 * can check. */
#define AGG_DIFF(columns, select, table)                                                           \
    "WITH want AS (" select "), have AS (SELECT " columns " FROM " table ")"                       \
    " SELECT * FROM (SELECT 0 AS side, d.* FROM (SELECT * FROM have EXCEPT SELECT * FROM want)"    \
    " AS d UNION ALL SELECT 1 AS side, d.* FROM (SELECT * FROM want EXCEPT SELECT * FROM have)"    \
    " AS d) AS diff ORDER BY side, " columns

zj_status zj_store_agg_check(zj_store *st, zj_buf *out, long *n_diff, zj_error *err)
{
    *n_diff = 0;
    if (!zj_store_has_aggregates(st))
        return zj_error_set(err, ZJ_ERR_DB, NULL, 0, 0,
                            "this database has no current report aggregates (schema before "
                            "v12): run `zhijian db rebuild` on it once");
    /* The recomputation and the comparisons read one snapshot (a commit
     * between them would show up as differences). */
    zj_status snap = zj_store_read_begin(st, true, err);
    if (snap != ZJ_OK)
        return snap;
    const struct {
        const char *labels[2], *sql;
    } checks[] = {
        {{"agg_calls row not in the recomputation", "agg_calls row missing (recomputed)"},
         AGG_DIFF(ZJ_AGG_CALLS_COLUMNS, ZJ_AGG_CALLS_SELECT, "agg_calls")},
        {{"agg_calls key stored more than once", NULL},
         "SELECT ruleset_id, local_date, agent_id, agent_name, team, grade, tags, score, passed,"
         " fatal, forbidden, count(*) AS rows FROM agg_calls GROUP BY ruleset_id, local_date,"
         " iso_week, agent_id, agent_name, team, grade, tags, score, passed, fatal, forbidden"
         " HAVING count(*) > 1"},
        {{"agg_rules row not in the recomputation", "agg_rules row missing (recomputed)"},
         AGG_DIFF(ZJ_AGG_RULES_COLUMNS, ZJ_AGG_RULES_SELECT, "agg_rules")},
        {{"agg_rules key stored more than once", NULL},
         "SELECT ruleset_id, local_date, agent_id, agent_name, team, rule_id, kind, outcome,"
         " severity, clause, count(*) AS rows FROM agg_rules GROUP BY ruleset_id, local_date,"
         " agent_id, agent_name, team, rule_id, kind, outcome, severity, clause"
         " HAVING count(*) > 1"},
    };
    zj_status s = ZJ_OK;
    for (size_t i = 0; i < sizeof checks / sizeof *checks && s == ZJ_OK; i++) {
        if (i == 1)
            zj_test_read_pause(); /* tests/scripts/store_snapshot.sh: a write lands here */
        s = list_rows(st, checks[i].sql, checks[i].labels, out, n_diff, err);
    }
    if (zj_store_writable(st))
        zj_store_read_end(st); /* its writes take their own transactions */
    return s;
}
