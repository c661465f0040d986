/* rules_yaml.c — YAML text into a small tree of scalars, sequences and maps,
 * each node carrying its 1-based line and column (in characters), so the
 * rule loader can point at the exact place of a mistake. Aliases are refused
 * (no billion-laughs expansion), nesting is bounded, and a mapping that
 * repeats a key is refused as YAML 1.2 requires: libyaml keeps both pairs,
 * and a reader taking the first or the last would silently drop the other. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YAML_MAX_DEPTH 64

static zj_ynode *node_new(zj_ynode_type type, const yaml_mark_t *mark)
{
    zj_ynode *n = calloc(1, sizeof *n);
    if (n) {
        n->type = type;
        n->line = (long)mark->line + 1;
        n->col = (long)mark->column + 1;
    }
    return n;
}

bool zj_ynode_add(zj_ynode *parent, zj_ynode *child)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        zj_ynode **v = realloc(parent->items, cap * sizeof *v);
        if (!v)
            return false;
        parent->items = v;
        parent->cap = cap;
    }
    parent->items[parent->n++] = child;
    return true;
}

void zj_yaml_free(zj_ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        zj_yaml_free(n->items[i]);
    free(n->items);
    free(n->value);
    free(n);
}

static int key_order(const void *a, const void *b)
{
    const zj_ynode *x = *(const zj_ynode *const *)a, *y = *(const zj_ynode *const *)b;
    int c = strcmp(x->value, y->value);
    if (c)
        return c;
    return x->line != y->line ? (x->line < y->line ? -1 : 1)
                              : (x->col > y->col) - (x->col < y->col);
}

/* Names the second of two equal scalar keys of map, in document order of the
 * second; sorting keeps it O(n log n) for the long mappings (synonyms). */
static bool check_unique_keys(const zj_ynode *map, const char *name, zj_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i + 1 < map->n; i += 2)
        n += map->items[i]->type == ZJ_YNODE_SCALAR;
    if (n < 2)
        return true;
    const zj_ynode **keys = malloc(n * sizeof *keys);
    if (!keys) {
        zj_error_set(err, ZJ_ERR_NOMEM, name, 0, 0, "out of memory");
        return false;
    }
    n = 0;
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (map->items[i]->type == ZJ_YNODE_SCALAR)
            keys[n++] = map->items[i];
    qsort(keys, n, sizeof *keys, key_order);
    const zj_ynode *first = NULL, *again = NULL;
    for (size_t i = 1; i < n; i++)
        if (strcmp(keys[i - 1]->value, keys[i]->value) == 0 &&
            (!again || keys[i]->line < again->line ||
             (keys[i]->line == again->line && keys[i]->col < again->col))) {
            first = keys[i - 1];
            again = keys[i];
        }
    if (again)
        zj_error_set(err, ZJ_ERR_PARSE, name, again->line, again->col,
                     "duplicate key '%.60s' (first at line %ld)", again->value, first->line);
    free(keys);
    return !again;
}

static zj_ynode *yaml_error(yaml_parser_t *p, const char *name, zj_error *err)
{
    const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->mark;
    const char *problem = p->problem ? p->problem : "unknown problem";
    if (p->context)
        zj_error_set(err, ZJ_ERR_PARSE, name, (long)m->line + 1, (long)m->column + 1,
                     "YAML syntax error: %s %s", problem, p->context);
    else
        zj_error_set(err, ZJ_ERR_PARSE, name, (long)m->line + 1, (long)m->column + 1,
                     "YAML syntax error: %s", problem);
    return NULL;
}

zj_ynode *zj_yaml_parse(const char *text, size_t len, const char *name, zj_error *err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        zj_error_set(err, ZJ_ERR_NOMEM, name, 0, 0, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

    zj_ynode *stack[YAML_MAX_DEPTH + 1];
    size_t depth = 0;
    zj_ynode *root = NULL;
    bool failed = false, done = false, second_document = false;
    while (!done && !failed) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            yaml_error(&parser, name, err);
            failed = true;
            break;
        }
        zj_ynode *node = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (root) {
                zj_error_set(err, ZJ_ERR_PARSE, name, (long)ev.start_mark.line + 1,
                             (long)ev.start_mark.column + 1,
                             "a rule set file holds one YAML document, found a second");
                second_document = failed = true;
            }
            break;
        case YAML_ALIAS_EVENT:
            zj_error_set(err, ZJ_ERR_PARSE, name, (long)ev.start_mark.line + 1,
                         (long)ev.start_mark.column + 1, "YAML aliases are not supported");
            failed = true;
            break;
        case YAML_SCALAR_EVENT:
            node = node_new(ZJ_YNODE_SCALAR, &ev.start_mark);
            if (node) {
                node->end_line = (long)ev.end_mark.line + 1;
                node->end_col = (long)ev.end_mark.column + 1;
                node->value = malloc(ev.data.scalar.length + 1);
                if (node->value) {
                    memcpy(node->value, ev.data.scalar.value, ev.data.scalar.length);
                    node->value[ev.data.scalar.length] = '\0';
                }
                node->len = ev.data.scalar.length;
                node->quoted = ev.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                               ev.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
                node->double_quoted = ev.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
                node->block = ev.data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
                              ev.data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
            }
            break;
        case YAML_SEQUENCE_START_EVENT:
            node = node_new(ZJ_YNODE_SEQ, &ev.start_mark);
            break;
        case YAML_MAPPING_START_EVENT:
            node = node_new(ZJ_YNODE_MAP, &ev.start_mark);
            break;
        case YAML_MAPPING_END_EVENT:
            if (depth > 0 && !check_unique_keys(stack[depth - 1], name, err))
                failed = true;
            if (depth > 0)
                depth--;
            break;
        case YAML_SEQUENCE_END_EVENT:
            if (depth > 0)
                depth--;
            break;
        default:
            break;
        }
        bool is_scalar = ev.type == YAML_SCALAR_EVENT;
        bool is_start = ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT;
        if ((is_scalar || is_start) && !failed) {
            if (!node || (is_scalar && !node->value)) {
                zj_error_set(err, ZJ_ERR_NOMEM, name, 0, 0, "out of memory");
                zj_yaml_free(node);
                failed = true;
            } else if (depth == 0) {
                if (root) {
                    zj_yaml_free(node);
                } else {
                    root = node;
                }
            } else if (!zj_ynode_add(stack[depth - 1], node)) {
                zj_error_set(err, ZJ_ERR_NOMEM, name, 0, 0, "out of memory");
                zj_yaml_free(node);
                failed = true;
            }
            if (!failed && is_start) {
                if (depth >= YAML_MAX_DEPTH) {
                    zj_error_set(err, ZJ_ERR_LIMIT, name, node->line, node->col,
                                 "YAML nested more than %d levels deep", YAML_MAX_DEPTH);
                    failed = true;
                } else {
                    stack[depth++] = node;
                }
            }
        } else if (node && failed) {
            zj_yaml_free(node);
        }
        yaml_event_delete(&ev);
    }
    (void)second_document;
    yaml_parser_delete(&parser);
    if (failed) {
        zj_yaml_free(root);
        return NULL;
    }
    if (!root) {
        zj_error_set(err, ZJ_ERR_INVALID, name, 1, 1, "empty rule set");
        return NULL;
    }
    return root;
}

const zj_ynode *zj_yaml_get(const zj_ynode *map, const char *key)
{
    if (!map || map->type != ZJ_YNODE_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (map->items[i]->type == ZJ_YNODE_SCALAR && strcmp(map->items[i]->value, key) == 0)
            return map->items[i + 1];
    return NULL;
}
