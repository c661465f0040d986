/* rules_merge.c — one YAML tree from several files: `extends:` (a rule set
 * built on another, by bundled name or by path) and rule set directories
 * (every *.yaml in name order). The result is the tree rules.c would have
 * read from one file; every node keeps the file it came from, so errors and
 * rule origins name FILE:LINE. A single file without `extends:` passes
 * through untouched: its tree, its bytes and its hash are what they were. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MERGE_MAX_DEPTH 16
#define MERGE_MAX_FILES 256

void zj_merge_init(zj_merge *m, const zj_merge_ops *ops)
{
    memset(m, 0, sizeof *m);
    m->ops = *ops;
    zj_buf_init(&m->text);
}

void zj_merge_free(zj_merge *m)
{
    for (size_t i = 0; i < m->n_names; i++)
        free(m->names[i]);
    free(m->names);
    zj_buf_free(&m->text);
}

__attribute__((format(printf, 3, 4))) static void fail(zj_merge *m, const zj_ynode *at,
                                                       const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    m->ops.at(m->ops.ld, at, msg);
}

static void fail_err(zj_merge *m, const zj_error *e)
{
    m->ops.err(m->ops.ld, e);
}

static void nomem(zj_merge *m, const char *file)
{
    zj_error e;
    zj_error_set(&e, ZJ_ERR_NOMEM, file, 0, 0, "out of memory");
    fail_err(m, &e);
}

/* A file name the merged tree's nodes point at; owned by m until handed to
 * the rule set. */
static const char *keep_name(zj_merge *m, const char *name)
{
    if (m->n_names == m->cap_names) {
        size_t cap = m->cap_names ? m->cap_names * 2 : 4;
        char **v = realloc(m->names, cap * sizeof *v);
        if (!v)
            return NULL;
        m->names = v;
        m->cap_names = cap;
    }
    char *copy = zj_strdup(name);
    if (copy)
        m->names[m->n_names++] = copy;
    return copy;
}

static void tag(zj_ynode *n, const char *file)
{
    if (!n)
        return;
    n->file = file;
    for (size_t i = 0; i < n->n; i++)
        tag(n->items[i], file);
}

/* The bytes hashed and stored for a merged rule set: each file under a
 * header naming it as it was referenced (not by absolute path, so the hash
 * does not depend on where the files live). */
static void add_text(zj_merge *m, const char *display, const char *yaml, size_t len)
{
    zj_buf_printf(&m->text, ZJ_MERGED_FILE_HEADER "%s\n", display);
    zj_buf_append(&m->text, yaml, len);
    if (len == 0 || yaml[len - 1] != '\n')
        zj_buf_puts(&m->text, "\n");
}

/* Size, UTF-8 and YAML syntax; the tree tagged with file, or NULL (reported). */
static zj_ynode *parse_text(zj_merge *m, const char *yaml, size_t len, const char *file)
{
    zj_error e;
    zj_error_clear(&e);
    if (len > ZJ_RULES_MAX_FILE) {
        zj_error_set(&e, ZJ_ERR_LIMIT, file, 0, 0, "rule set file exceeds 16 MiB");
        fail_err(m, &e);
        return NULL;
    }
    if (!zj_utf8_valid(yaml, len)) {
        long line = 1;
        size_t line_start = 0;
        for (size_t i = 0; i < len; i++) {
            if (yaml[i] != '\n')
                continue;
            if (!zj_utf8_valid(yaml + line_start, i - line_start))
                break;
            line++;
            line_start = i + 1;
        }
        zj_error_set(&e, ZJ_ERR_UTF8, file, line, 0, "invalid UTF-8");
        fail_err(m, &e);
        return NULL;
    }
    zj_ynode *root = zj_yaml_parse(yaml, len, file, &e);
    if (!root) {
        fail_err(m, &e);
        return NULL;
    }
    tag(root, file);
    return root;
}

/* ------------------------------------------------------------ tree edits */

static long map_index(const zj_ynode *map, const char *key)
{
    if (!map || map->type != ZJ_YNODE_MAP)
        return -1;
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (map->items[i]->type == ZJ_YNODE_SCALAR && strcmp(map->items[i]->value, key) == 0)
            return (long)i;
    return -1;
}

/* Removes items [i, i + count) from a node, freeing them. */
static void remove_items(zj_ynode *n, size_t i, size_t count)
{
    for (size_t k = i; k < i + count; k++)
        zj_yaml_free(n->items[k]);
    memmove(n->items + i, n->items + i + count, (n->n - i - count) * sizeof *n->items);
    n->n -= count;
}

static void map_remove(zj_ynode *map, const char *key)
{
    long i = map_index(map, key);
    if (i >= 0)
        remove_items(map, (size_t)i, 2);
}

/* Sets key to the value at src->items[vi] (key at vi - 1), moving both nodes
 * out of src (their slots become NULL: src is only freed afterwards). */
static bool map_take(zj_ynode *dst, zj_ynode *src, size_t ki)
{
    long i = map_index(dst, src->items[ki]->value);
    if (i >= 0) {
        zj_yaml_free(dst->items[i]);
        zj_yaml_free(dst->items[i + 1]);
        dst->items[i] = src->items[ki];
        dst->items[i + 1] = src->items[ki + 1];
    } else {
        if (!zj_ynode_add(dst, src->items[ki]))
            return false;
        if (!zj_ynode_add(dst, src->items[ki + 1])) {
            dst->n--;
            return false;
        }
    }
    src->items[ki] = src->items[ki + 1] = NULL;
    return true;
}

static zj_ynode *copy_node(const zj_ynode *n)
{
    zj_ynode *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    *c = *n;
    c->items = NULL;
    c->n = c->cap = 0;
    c->value = NULL;
    if (n->value && !(c->value = zj_strdup(n->value))) {
        free(c);
        return NULL;
    }
    for (size_t i = 0; i < n->n; i++) {
        zj_ynode *k = copy_node(n->items[i]);
        if (!k || !zj_ynode_add(c, k)) {
            zj_yaml_free(k);
            zj_yaml_free(c);
            return NULL;
        }
    }
    return c;
}

/* A file's `defaults:` belong to that file's rules: written into each of its
 * new rules that does not set them, so that another file's defaults never
 * reach them; the key itself is then dropped from the merged tree. */
static bool check_defaults(zj_merge *m, const zj_ynode *def)
{
    if (def->type != ZJ_YNODE_MAP) {
        fail(m, def, "'defaults' must be a mapping");
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i + 1 < def->n; i += 2) {
        const zj_ynode *k = def->items[i];
        if (k->type != ZJ_YNODE_SCALAR ||
            (strcmp(k->value, "speaker") && strcmp(k->value, "severity") &&
             strcmp(k->value, "boundary"))) {
            fail(m, k, "unknown key '%.40s' in defaults (expected speaker, severity or boundary)",
                 k->type == ZJ_YNODE_SCALAR ? k->value : "?");
            ok = false;
        }
    }
    return ok;
}

/* Whether rule is a metric: the defaults' speaker is not for it (a metric
 * takes no speaker, and rules.c refuses one written on it). */
static bool is_metric(const zj_ynode *rule)
{
    const zj_ynode *k = zj_yaml_get(rule, "kind");
    return k && k->type == ZJ_YNODE_SCALAR && !strcmp(k->value, "metric");
}

static bool bake_rule(zj_merge *m, const zj_ynode *def, zj_ynode *rule)
{
    if (!def || def->type != ZJ_YNODE_MAP || rule->type != ZJ_YNODE_MAP)
        return true;
    for (size_t di = 0; di + 1 < def->n; di += 2) {
        if (def->items[di]->type != ZJ_YNODE_SCALAR || map_index(rule, def->items[di]->value) >= 0)
            continue;
        if (!strcmp(def->items[di]->value, "speaker") && is_metric(rule))
            continue;
        zj_ynode *key = copy_node(def->items[di]), *val = copy_node(def->items[di + 1]);
        if (!key || !val || !zj_ynode_add(rule, key)) {
            zj_yaml_free(key);
            zj_yaml_free(val);
            nomem(m, rule->file);
            return false;
        }
        if (!zj_ynode_add(rule, val)) {
            rule->n--;
            zj_yaml_free(key);
            zj_yaml_free(val);
            nomem(m, rule->file);
            return false;
        }
    }
    return true;
}

/* Bakes root's defaults into all its rules and drops the key. */
static bool bake_defaults(zj_merge *m, zj_ynode *root)
{
    const zj_ynode *def = zj_yaml_get(root, "defaults");
    const zj_ynode *rules = zj_yaml_get(root, "rules");
    if (!def)
        return true;
    bool ok = check_defaults(m, def);
    for (size_t r = 0; ok && rules && rules->type == ZJ_YNODE_SEQ && r < rules->n; r++)
        ok = bake_rule(m, def, rules->items[r]);
    map_remove(root, "defaults");
    return ok;
}

static const char *rule_id(const zj_ynode *rule)
{
    const zj_ynode *id = zj_yaml_get(rule, "id");
    return id && id->type == ZJ_YNODE_SCALAR ? id->value : NULL;
}

static long find_rule(const zj_ynode *rules, const char *id)
{
    for (size_t i = 0; id && i < rules->n; i++) {
        const char *other = rule_id(rules->items[i]);
        if (other && strcmp(other, id) == 0)
            return (long)i;
    }
    return -1;
}

/* Whether an override's `kind` turns the base rule into a metric or a
 * metric into a rule of words. */
static bool switches_metric(const zj_ynode *base, const zj_ynode *over)
{
    const zj_ynode *ok = zj_yaml_get(over, "kind"), *bk = zj_yaml_get(base, "kind");
    if (!ok || ok->type != ZJ_YNODE_SCALAR || !bk || bk->type != ZJ_YNODE_SCALAR)
        return false;
    return (strcmp(ok->value, "metric") == 0) != (strcmp(bk->value, "metric") == 0);
}

/* A rule of the extending file whose id the base has: its keys replace the
 * base rule's. The condition keys (any, all, regex, model) are one field:
 * giving one drops the base's, so an override may turn a rule of words into
 * a model rule and back. A base's `fuzzy` matches its words by sound: a
 * model condition given without `fuzzy` drops it, as the words it applied
 * to are gone (an override cannot otherwise remove a key). */
static bool override_rule(zj_ynode *base, zj_ynode *over)
{
    static const char *const cond[] = {"any", "all", "regex", "model"};
    enum { N_COND = sizeof cond / sizeof *cond };
    for (size_t i = 0; i + 1 < over->n; i += 2)
        for (int c = 0; c < N_COND; c++)
            if (over->items[i]->type == ZJ_YNODE_SCALAR && !strcmp(over->items[i]->value, cond[c]))
                for (int d = 0; d < N_COND; d++)
                    map_remove(base, cond[d]);
    if (map_index(over, "model") >= 0 && map_index(over, "fuzzy") < 0)
        map_remove(base, "fuzzy");
    for (size_t i = 0; i + 1 < over->n; i += 2) {
        if (over->items[i]->type == ZJ_YNODE_SCALAR && !strcmp(over->items[i]->value, "id"))
            continue;
        if (!map_take(base, over, i))
            return false;
    }
    base->over_file = over->file;
    base->over_line = over->line;
    return true;
}

/* ------------------------------------------------------------- resolving */

/* Where `extends: NAME` points: a bundled rule set (a bare name, no '/' and
 * no .yaml) or a path relative to the extending file. malloc'd, or NULL. */
static char *base_path(const char *value, const char *from, bool *bundled)
{
    size_t n = strlen(value);
    bool is_name = !strchr(value, '/') &&
                   !(n > 5 && !strcmp(value + n - 5, ".yaml")) &&
                   !(n > 4 && !strcmp(value + n - 4, ".yml"));
    *bundled = is_name;
    char buf[PATH_MAX];
    if (is_name) {
        /* Beside the executable when installed, else the source tree's
         * rules/, else the install prefix. */
        char exe[PATH_MAX - 128];
        ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
        struct stat sb;
        if (len > 0) {
            exe[len] = '\0';
            char *slash = strrchr(exe, '/');
            if (slash) {
                *slash = '\0';
                snprintf(buf, sizeof buf, "%s/../share/zhijian/rules/%s.yaml", exe, value);
                if (stat(buf, &sb) == 0)
                    return zj_strdup(buf);
            }
        }
        snprintf(buf, sizeof buf, "%s/%s.yaml", ZJ_SOURCE_RULES_DIR, value);
        if (stat(buf, &sb) == 0)
            return zj_strdup(buf);
        snprintf(buf, sizeof buf, "%s/%s.yaml", ZJ_INSTALL_RULES_DIR, value);
        if (stat(buf, &sb) == 0)
            return zj_strdup(buf);
        return zj_strdup(""); /* no such bundled rule set */
    }
    return zj_path_beside(from, value);
}

static zj_ynode *expand(zj_merge *m, zj_ynode *root, const char *display, const char *yaml,
                        size_t len, int depth, const char **chain);

/* Reads and expands the base named at node v; NULL when reported. */
static zj_ynode *load_base(zj_merge *m, const zj_ynode *v, int depth, const char **chain)
{
    if (v->type != ZJ_YNODE_SCALAR || !v->value[0]) {
        fail(m, v, "'extends' must name a rule set: a bundled name (property-service) or a path");
        return NULL;
    }
    bool bundled;
    char *path = base_path(v->value, v->file, &bundled);
    if (!path) {
        nomem(m, v->file);
        return NULL;
    }
    if (!path[0]) {
        fail(m, v,
             "'%.200s' is not a bundled rule set (a path needs a '/' or a .yaml ending)",
             v->value);
        free(path);
        return NULL;
    }
    char *canon = realpath(path, NULL);
    if (!canon) {
        if (strcmp(path, v->value))
            fail(m, v, "cannot read the base rule set '%.200s' (%.300s): %s", v->value, path,
                 strerror(errno));
        else
            fail(m, v, "cannot read the base rule set '%.200s': %s", v->value, strerror(errno));
        free(path);
        return NULL;
    }
    for (int i = 0; i < depth; i++)
        if (!strcmp(chain[i], canon)) {
            char cycle[400] = "";
            size_t used = 0;
            for (int k = i; k < depth && used < sizeof cycle; k++) {
                const char *b = strrchr(chain[k], '/');
                used += (size_t)snprintf(cycle + used, sizeof cycle - used, "%s -> ",
                                         b ? b + 1 : chain[k]);
            }
            fail(m, v, "'extends' makes a cycle: %s%s", cycle, v->value);
            free(canon);
            free(path);
            return NULL;
        }
    if (depth + 1 >= MERGE_MAX_DEPTH) {
        fail(m, v, "'extends' chain is deeper than %d rule sets", MERGE_MAX_DEPTH);
        free(canon);
        free(path);
        return NULL;
    }
    zj_error e;
    zj_error_clear(&e);
    size_t blen = 0;
    char *text = zj_rules_read_file(path, &blen, &e);
    zj_ynode *root = NULL;
    if (!text) {
        fail(m, v, "cannot read the base rule set '%.200s': %.300s", v->value, e.msg);
    } else {
        const char *name = keep_name(m, path);
        if (!name) {
            nomem(m, v->file);
        } else if ((root = parse_text(m, text, blen, name))) {
            char display[300];
            snprintf(display, sizeof display, "%s%s", bundled ? "bundled:" : "", v->value);
            chain[depth] = canon;
            root = expand(m, root, display, text, blen, depth + 1, chain);
        }
    }
    free(text);
    free(canon);
    free(path);
    return root;
}

/* `disable: [id]`: takes the base rule at brules->items[at] out. When the
 * extending file defines a rule under the same id, that rule takes the
 * disabled one's place rather than going to the end: the order of the rules
 * decides overlap ties (the rule listed first wins) and the order of the
 * report's criteria, and replacing a rule should change neither. */
static bool disable_rule(zj_merge *m, zj_ynode *brules, size_t at, zj_ynode *crules,
                         const zj_ynode *cdef)
{
    long again = crules ? find_rule(crules, rule_id(brules->items[at])) : -1;
    if (again < 0) {
        remove_items(brules, at, 1);
        return true;
    }
    zj_ynode *r = crules->items[again];
    if (!bake_rule(m, cdef, r))
        return false;
    zj_yaml_free(brules->items[at]);
    brules->items[at] = r;
    crules->items[again] = NULL;
    return true;
}

/* Merges child (a file that extends) onto base (the expanded base tree),
 * consuming both; returns the merged tree or NULL (reported). */
static zj_ynode *merge_onto(zj_merge *m, zj_ynode *base, zj_ynode *child)
{
    bool ok = true;
    zj_ynode *brules = (zj_ynode *)zj_yaml_get(base, "rules");
    if (!brules || brules->type != ZJ_YNODE_SEQ) {
        fail(m, base, "the base rule set has no list of rules");
        ok = false;
    }
    zj_ynode *crules = (zj_ynode *)zj_yaml_get(child, "rules");
    if (ok && crules && crules->type != ZJ_YNODE_SEQ) {
        fail(m, crules, "'rules' must be a list");
        ok = false;
    }
    const zj_ynode *cdef = zj_yaml_get(child, "defaults");
    if (ok && cdef && !check_defaults(m, cdef))
        ok = false;
    const zj_ynode *dis = zj_yaml_get(child, "disable");
    if (ok && dis) {
        if (dis->type != ZJ_YNODE_SEQ || dis->n == 0) {
            fail(m, dis, "'disable' must be a non-empty list of rule ids of the base");
            ok = false;
        }
        for (size_t i = 0; ok && i < dis->n; i++) {
            const zj_ynode *d = dis->items[i];
            long at = d->type == ZJ_YNODE_SCALAR ? find_rule(brules, d->value) : -1;
            if (d->type != ZJ_YNODE_SCALAR)
                fail(m, d, "a 'disable' item must be a rule id");
            else if (at < 0)
                fail(m, d, "'disable' names '%.60s', which is not a rule of the base rule set",
                     d->value);
            else
                ok = disable_rule(m, brules, (size_t)at, crules, cdef);
        }
    }
    size_t base_n = brules ? brules->n : 0;
    for (size_t i = 0; ok && crules && i < crules->n; i++) {
        zj_ynode *r = crules->items[i];
        if (!r) /* a redefinition of a disabled rule, already in its place */
            continue;
        const char *id = r->type == ZJ_YNODE_MAP ? rule_id(r) : NULL;
        long at = id ? find_rule(brules, id) : -1;
        if (at >= (long)base_n || (at >= 0 && !strcmp(brules->items[at]->file, r->file))) {
            /* twice in the extending file: parse_rule reports it */
            at = -1;
        }
        if (at >= 0 && brules->items[at]->over_line && brules->items[at]->over_file &&
            !strcmp(brules->items[at]->over_file, r->file)) {
            /* Two overrides of one rule in a file would merge in silence,
             * the second's keys over the first's: a duplicate id, as in
             * any one file. */
            fail(m, r, "duplicate rule id '%.60s' (first overridden at line %ld)", id,
                 brules->items[at]->over_line);
            ok = false;
        } else if (at >= 0 && switches_metric(brules->items[at], r)) {
            /* A metric's keys (metric, bounds) and a condition of words
             * cannot be told apart key by key: say so where the override
             * is, not at the base's keys that no longer fit. */
            fail(m, zj_yaml_get(r, "kind"),
                 "an override cannot turn rule '%.60s' into a metric or a metric into a rule "
                 "of words: disable it and define it again under the same id",
                 id);
            ok = false;
        } else if (at >= 0) {
            if (!override_rule(brules->items[at], r)) {
                nomem(m, r->file);
                ok = false;
            }
        } else if (!bake_rule(m, cdef, r)) {
            ok = false;
        } else if (!zj_ynode_add(brules, r)) {
            nomem(m, r->file);
            ok = false;
        } else {
            crules->items[i] = NULL;
        }
    }
    /* The rest of the file replaces the base's settings key by key; scoring
     * field by field (base, pass, grades). */
    for (size_t i = 0; ok && i + 1 < child->n; i += 2) {
        const zj_ynode *k = child->items[i];
        if (!k || k->type != ZJ_YNODE_SCALAR)
            continue;
        if (!strcmp(k->value, "rules") || !strcmp(k->value, "extends") ||
            !strcmp(k->value, "disable") || !strcmp(k->value, "defaults"))
            continue;
        zj_ynode *bscore = (zj_ynode *)zj_yaml_get(base, "scoring");
        if (!strcmp(k->value, "scoring") && bscore && bscore->type == ZJ_YNODE_MAP &&
            child->items[i + 1]->type == ZJ_YNODE_MAP) {
            zj_ynode *cs = child->items[i + 1];
            for (size_t j = 0; ok && j + 1 < cs->n; j += 2)
                if (cs->items[j]->type == ZJ_YNODE_SCALAR && !map_take(bscore, cs, j)) {
                    nomem(m, cs->file);
                    ok = false;
                }
            continue;
        }
        if (!map_take(base, child, i)) {
            nomem(m, k->file);
            ok = false;
        }
    }
    /* Moved nodes left NULL slots, which zj_yaml_free skips. */
    zj_yaml_free(child);
    if (!ok) {
        zj_yaml_free(base);
        return NULL;
    }
    return base;
}

static zj_ynode *expand(zj_merge *m, zj_ynode *root, const char *display, const char *yaml,
                        size_t len, int depth, const char **chain)
{
    const zj_ynode *ext = zj_yaml_get(root, "extends");
    if (!ext) {
        if (zj_yaml_get(root, "disable"))
            fail(m, zj_yaml_get(root, "disable"),
                 "'disable' takes rules out of a base: it needs 'extends'");
        if (!bake_defaults(m, root)) {
            zj_yaml_free(root);
            return NULL;
        }
        add_text(m, display, yaml, len);
        m->n_files++;
        return root;
    }
    m->merged = true;
    zj_ynode *base = load_base(m, ext, depth, chain);
    if (!base) {
        zj_yaml_free(root);
        return NULL;
    }
    add_text(m, display, yaml, len);
    m->n_files++;
    return merge_onto(m, base, root);
}

zj_ynode *zj_merge_file(zj_merge *m, const char *yaml, size_t len, const char *file)
{
    const char *name = keep_name(m, file);
    if (!name) {
        nomem(m, file);
        return NULL;
    }
    zj_ynode *root = parse_text(m, yaml, len, name);
    if (!root)
        return NULL;
    if (root->type != ZJ_YNODE_MAP || !zj_yaml_get(root, "extends")) {
        /* Plain file: untouched (no defaults baked, same bytes hashed). */
        if (zj_yaml_get(root, "disable"))
            fail(m, zj_yaml_get(root, "disable"),
                 "'disable' takes rules out of a base: it needs 'extends'");
        m->n_files = 1;
        return root;
    }
    const char *chain[MERGE_MAX_DEPTH];
    char *canon = realpath(file, NULL);
    chain[0] = canon ? canon : name;
    const char *slash = strrchr(file, '/');
    root = expand(m, root, slash ? slash + 1 : file, yaml, len, 1, chain);
    free(canon);
    return root;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.yaml / *.yml of dir (not hidden), in byte order of their names.
 * The first is the rule set (it may extend another); the others add rules
 * (and their own defaults) and nothing else. */
zj_ynode *zj_merge_dir(zj_merge *m, const char *dir)
{
    zj_error e;
    DIR *d = opendir(dir);
    if (!d) {
        zj_error_set(&e, ZJ_ERR_IO, dir, 0, 0, "%s", strerror(errno));
        fail_err(m, &e);
        return NULL;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    struct dirent *ent;
    while (ok && (ent = readdir(d))) {
        size_t len = strlen(ent->d_name);
        bool yaml = (len > 5 && !strcmp(ent->d_name + len - 5, ".yaml")) ||
                    (len > 4 && !strcmp(ent->d_name + len - 4, ".yml"));
        if (!yaml || ent->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            char **v = realloc(names, cap * sizeof *v);
            ok = v != NULL;
            if (v)
                names = v;
        }
        if (ok && n == MERGE_MAX_FILES)
            break;
        if (ok)
            ok = (names[n++] = zj_strdup(ent->d_name)) != NULL;
    }
    closedir(d);
    zj_ynode *head = NULL;
    if (!ok) {
        nomem(m, dir);
    } else if (n == MERGE_MAX_FILES) {
        zj_error_set(&e, ZJ_ERR_LIMIT, dir, 0, 0,
                     "directory holds more than %d rule set files (*.yaml)", MERGE_MAX_FILES - 1);
        fail_err(m, &e);
        ok = false;
    } else if (n == 0) {
        zj_error_set(&e, ZJ_ERR_INVALID, dir, 0, 0, "directory holds no rule set (*.yaml)");
        fail_err(m, &e);
        ok = false;
    } else {
        qsort(names, n, sizeof *names, cmp_str);
    }
    for (size_t i = 0; ok && i < n; i++) {
        char path[PATH_MAX];
        size_t dl = strlen(dir);
        snprintf(path, sizeof path, "%.*s/%s", (int)(dl && dir[dl - 1] == '/' ? dl - 1 : dl),
                 dir, names[i]);
        size_t len = 0;
        char *text = zj_rules_read_file(path, &len, &e);
        if (!text) {
            fail_err(m, &e);
            ok = false;
            break;
        }
        if (i == 0) {
            m->merged = true; /* a directory's hash always covers its files */
            const char *name = keep_name(m, path);
            zj_ynode *root = name ? parse_text(m, text, len, name) : NULL;
            if (!name)
                nomem(m, path);
            if (root && root->type == ZJ_YNODE_MAP) {
                const char *chain[MERGE_MAX_DEPTH];
                char *canon = realpath(path, NULL);
                chain[0] = canon ? canon : name;
                head = expand(m, root, names[i], text, len, 1, chain);
                free(canon);
            } else if (root) {
                fail(m, root, "a rule set must be a mapping with ruleset, version and rules");
                zj_yaml_free(root);
            }
            ok = head != NULL;
            free(text);
            continue;
        }
        const char *name = keep_name(m, path);
        zj_ynode *part = name ? parse_text(m, text, len, name) : NULL;
        if (!name)
            nomem(m, path);
        if (part && part->type != ZJ_YNODE_MAP) {
            fail(m, part, "a rule set file must be a mapping with 'rules'");
        } else if (part) {
            for (size_t k = 0; k + 1 < part->n; k += 2) {
                const zj_ynode *key = part->items[k];
                if (key->type == ZJ_YNODE_SCALAR &&
                    (!strcmp(key->value, "rules") || !strcmp(key->value, "defaults")))
                    continue;
                fail(m, key,
                     "'%.40s' belongs in the first file of the directory (%s); later files "
                     "hold only 'rules' and 'defaults'",
                     key->type == ZJ_YNODE_SCALAR ? key->value : "?", names[0]);
            }
            zj_ynode *rules = (zj_ynode *)zj_yaml_get(part, "rules");
            zj_ynode *hrules = (zj_ynode *)zj_yaml_get(head, "rules");
            if (!rules || rules->type != ZJ_YNODE_SEQ) {
                fail(m, rules ? rules : part, "'rules' must be a non-empty list");
            } else if (bake_defaults(m, part) && hrules && hrules->type == ZJ_YNODE_SEQ) {
                for (size_t r = 0; r < rules->n; r++) {
                    if (!zj_ynode_add(hrules, rules->items[r])) {
                        nomem(m, path);
                        ok = false;
                        break;
                    }
                    rules->items[r] = NULL;
                }
                size_t w = 0;
                for (size_t r = 0; r < rules->n; r++)
                    if (rules->items[r])
                        rules->items[w++] = rules->items[r];
                rules->n = w;
            }
            add_text(m, names[i], text, len);
            m->n_files++;
        }
        zj_yaml_free(part);
        free(text);
        if (!part)
            ok = false;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (!ok) {
        zj_yaml_free(head);
        return NULL;
    }
    return head;
}
