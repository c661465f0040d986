/* lint.c — checks call-script templates (plain text, Markdown, YAML, JSON)
 * against a rule set with the real pipeline: every utterance of a file is an
 * agent turn of one call, placeholders become a neutral filler, forbidden
 * rules always apply and required rules apply to the part of the call the
 * file declares (opening / closing). Findings carry FILE:LINE:COL with the
 * column in characters (code points, 1-based) of the original line. */
#include "internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The filler that replaces a placeholder: a Han character, so patterns like
 * \p{Han}{1,8}物业客服中心 or 我姓\p{Han} accept ××物业客服中心 / 我姓×, and a
 * word no rule forbids. */
#define FILLER "某"

/* Where a character of a template is: 1-based line, and column in
 * characters of that original line. */
typedef struct src_pos {
    long line, col;
} src_pos;

typedef struct utterance {
    char *text; /* placeholders replaced, suppression comments removed */
    src_pos *at; /* per code point of text: where it is in the file (a YAML
                    block or a JSON escape is not one line of consecutive columns) */
    size_t n_cp;
} utterance;

typedef struct suppression {
    long line;
    char rule[128];
    bool has_reason;
    long col;
} suppression;

typedef struct doc {
    utterance *u;
    size_t n, cap;
    suppression *sup;
    size_t n_sup, cap_sup;
    char part[32];
    bool lost; /* an allocation failed: the document is incomplete */
    /* A front matter (---) or Markdown code fence never closed: its line
     * and what it is, else 0. Everything after it would go unchecked. */
    long unclosed_line;
    const char *unclosed;
} doc;

static void doc_free(doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->u[i].text);
        free(d->u[i].at);
    }
    free(d->u);
    free(d->sup);
}

/* Adds an utterance from s[0..len), whose code point k is at src[k]:
 * placeholders → filler, positions kept. */
static void add_utterance(doc *d, const char *s, size_t len, const src_pos *src)
{
    zj_buf out;
    zj_buf_init(&out);
    src_pos *col = malloc((len + 1) * sizeof *col);
    size_t n_cp = 0, k_src = 0;
    size_t i = 0;
    bool any = false;
    while (i < len && col) {
        const char *p = s + i;
        size_t skip = 0, chars = 0;
        /* {name}, {{name}}, 【name】 and runs of × / X / x (××, XX) */
        if (*p == '{') {
            const char *close = memchr(p, '}', len - i);
            if (close) {
                skip = (size_t)(close - p) + 1;
                if (close + 1 < s + len && close[1] == '}')
                    skip++;
            }
        } else if (!strncmp(p, "【", 3)) {
            const char *close = strstr(p, "】");
            if (close && close < s + len)
                skip = (size_t)(close - p) + 3;
        } else if (!strncmp(p, "×", 2) || (p[0] == 'X' && i + 1 < len && p[1] == 'X')) {
            while (i + skip < len && (!strncmp(s + i + skip, "×", 2) || s[i + skip] == 'X'))
                skip += s[i + skip] == 'X' ? 1 : 2;
        }
        if (skip) {
            chars = zj_utf8_count(p, skip);
            zj_buf_puts(&out, FILLER);
            col[n_cp++] = src[k_src];
            k_src += chars;
            i += skip;
            any = true;
            continue;
        }
        uint32_t cp;
        size_t k = zj_utf8_decode((const unsigned char *)p, len - i, &cp);
        if (!k)
            k = 1;
        zj_buf_append(&out, p, k);
        col[n_cp++] = src[k_src++];
        i += k;
        if (cp != ' ' && cp != '\t')
            any = true;
    }
    if (!col || out.failed || (any && !ZJ_GROW(d->u, d->n, d->cap)))
        d->lost = true;
    if (!any || d->lost) {
        free(col);
        zj_buf_free(&out);
        return;
    }
    d->u[d->n++] = (utterance){out.data, col, n_cp};
}

/* The number of code points add_utterance counts in s[0..len): a byte
 * that does not decode counts as one. */
static size_t code_points(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; n++) {
        uint32_t cp;
        size_t k = zj_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        i += k ? k : 1;
    }
    return n;
}

/* add_utterance for text on one line from column first_col on. */
static void add_line_utterance(doc *d, const char *s, size_t len, long line, long first_col)
{
    size_t n = code_points(s, len);
    src_pos *at = malloc((n + 1) * sizeof *at);
    if (!at) {
        d->lost = true;
        return;
    }
    for (size_t k = 0; k < n; k++)
        at[k] = (src_pos){line, first_col + (long)k};
    add_utterance(d, s, len, at);
    free(at);
}

/* `zhijian: ignore RULE-ID -- reason` anywhere on a line: recorded, and cut
 * from the text (returns the length of the text before the comment). */
static size_t take_suppression(doc *d, const char *s, size_t len, long line)
{
    static const char marker[] = "zhijian: ignore";
    const char *m = NULL;
    for (size_t i = 0; i + sizeof marker - 1 <= len; i++)
        if (!memcmp(s + i, marker, sizeof marker - 1)) {
            m = s + i;
            break;
        }
    if (!m)
        return len;
    suppression sp = {.line = line, .col = (long)zj_utf8_count(s, (size_t)(m - s)) + 1};
    const char *p = m + sizeof marker - 1;
    while (p < s + len && *p == ' ')
        p++;
    size_t k = 0;
    while (p < s + len && *p != ' ' && *p != '-' && k + 1 < sizeof sp.rule)
        sp.rule[k++] = *p++;
    /* rule ids may contain '-', so read up to whitespace */
    while (p < s + len && *p != ' ' && k + 1 < sizeof sp.rule)
        sp.rule[k++] = *p++;
    sp.rule[k] = '\0';
    const char *dash = NULL;
    for (const char *q = p; q + 1 < s + len; q++)
        if (q[0] == '-' && q[1] == '-') {
            dash = q + 2;
            break;
        }
    if (dash) {
        while (dash < s + len && (*dash == ' ' || *dash == '-'))
            dash++;
        const char *end = s + len;
        while (end > dash && (end[-1] == ' ' || end[-1] == '>' || end[-1] == '-'))
            end--;
        sp.has_reason = end > dash;
    }
    if (ZJ_GROW(d->sup, d->n_sup, d->cap_sup))
        d->sup[d->n_sup++] = sp;
    else
        d->lost = true;
    /* Cut the comment opener too (#, //, <!--). */
    size_t cut = (size_t)(m - s);
    while (cut > 0 && (s[cut - 1] == ' ' || s[cut - 1] == '#' || s[cut - 1] == '/' ||
                       s[cut - 1] == '!' || s[cut - 1] == '<' || s[cut - 1] == '-'))
        cut--;
    return cut;
}

static void set_part(doc *d, const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '"' || *v == '\''))
        v++, n--;
    while (n && (v[n - 1] == ' ' || v[n - 1] == '"' || v[n - 1] == '\'' || v[n - 1] == '\r'))
        n--;
    snprintf(d->part, sizeof d->part, "%.*s", (int)n, v);
}

/* Plain text and Markdown: one utterance per line. */
static void extract_lines(doc *d, const char *text, size_t len, bool markdown)
{
    long line = 0, fence_line = 0, front_line = 0;
    bool fence = false, front = false;
    for (size_t pos = 0; pos <= len;) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + 1;
        line++;
        if (n && s[n - 1] == '\r')
            n--;
        if (line == 1 && n == 3 && !memcmp(s, "---", 3)) {
            front = true;
            front_line = line;
            continue;
        }
        if (front) {
            if (n == 3 && !memcmp(s, "---", 3))
                front = false;
            else if (n > 5 && !memcmp(s, "part:", 5))
                set_part(d, s + 5, n - 5);
            else if (n > 13 && !memcmp(s, "zhijian-part:", 13))
                set_part(d, s + 13, n - 13);
            continue;
        }
        n = take_suppression(d, s, n, line);
        size_t skip = 0;
        if (markdown) {
            if (n >= 3 && (!memcmp(s, "```", 3) || !memcmp(s, "~~~", 3))) {
                fence = !fence;
                fence_line = line;
                continue;
            }
            if (fence || (n && s[0] == '#') || (n >= 4 && !memcmp(s, "<!--", 4)))
                continue;
            while (skip < n && (s[skip] == ' ' || s[skip] == '>' || s[skip] == '|'))
                skip++;
            if (skip + 1 < n && (s[skip] == '-' || s[skip] == '*' || s[skip] == '+') &&
                s[skip + 1] == ' ')
                skip += 2;
            else {
                size_t k = skip;
                while (k < n && s[k] >= '0' && s[k] <= '9')
                    k++;
                if (k > skip && k + 1 < n && s[k] == '.' && s[k + 1] == ' ')
                    skip = k + 2;
            }
        }
        if (n > skip)
            add_line_utterance(d, s + skip, n - skip, line, (long)zj_utf8_count(s, skip) + 1);
        if (!nl)
            break;
    }
    if (front) {
        d->unclosed_line = front_line;
        d->unclosed = "front matter (---)";
    } else if (fence) {
        d->unclosed_line = fence_line;
        d->unclosed = "code fence";
    }
}

/* A YAML file's text with where each line starts, to place a scalar's
 * characters: libyaml gives where a scalar starts and ends, but a block
 * (|, >) or a folded, quoted or escaped scalar is not its value's
 * characters on one line. */
typedef struct yaml_source {
    const char *s;
    size_t len;
    size_t *line_start; /* byte offset of line k + 1 */
    size_t n_lines;
} yaml_source;

static bool yaml_source_init(yaml_source *x, const char *s, size_t len)
{
    *x = (yaml_source){s, len, NULL, 1};
    for (size_t i = 0; i < len; i++)
        x->n_lines += s[i] == '\n';
    if (!(x->line_start = malloc(x->n_lines * sizeof *x->line_start)))
        return false;
    size_t k = 0;
    x->line_start[k++] = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n')
            x->line_start[k++] = i + 1;
    return true;
}

/* The byte offset of 1-based line and character column, within the file. */
static size_t yaml_offset(const yaml_source *x, long line, long col)
{
    if (line < 1)
        return 0;
    if ((size_t)line > x->n_lines)
        return x->len;
    size_t o = x->line_start[line - 1];
    for (long c = 1; c < col && o < x->len && x->s[o] != '\n'; c++) {
        uint32_t cp;
        size_t k = zj_utf8_decode((const unsigned char *)x->s + o, x->len - o, &cp);
        o += k ? k : 1;
    }
    return o;
}

/* The length of the escape at s[0..n) ('\\' first) in a double-quoted
 * scalar. */
static size_t yaml_escape_len(const char *s, size_t n)
{
    size_t k = n < 2 ? n : s[1] == 'x' ? 4 : s[1] == 'u' ? 6 : s[1] == 'U' ? 10 : 2;
    return k < n ? k : n;
}

/* Places each code point of scalar n's value in the file: walking the
 * source from the scalar's start, each character of the value is the next
 * one of the source equal to it (indentation, line breaks, quotes and an
 * escaped line break are passed over; an escape is where its character
 * is); a space or line break of the value, which folding makes of the
 * source's line ends, is where the walk stands. */
static void add_yaml_utterance(doc *d, const yaml_source *x, const zj_ynode *n)
{
    size_t n_cp = code_points(n->value, n->len);
    src_pos *at = malloc((n_cp + 1) * sizeof *at);
    if (!at) {
        d->lost = true;
        return;
    }
    const char *s = x->s;
    size_t o = yaml_offset(x, n->line, n->col), end = yaml_offset(x, n->end_line, n->end_col);
    long line = n->line, col = n->col;
    if (n->block) { /* the words start on the line after | or > */
        while (o < end && s[o] != '\n')
            o++;
        o++;
        line++;
        col = 1;
    } else if (n->quoted) {
        o++;
        col++;
    }
    size_t i = 0;
    for (size_t k = 0; k < n_cp; k++) {
        uint32_t v;
        size_t vk = zj_utf8_decode((const unsigned char *)n->value + i, n->len - i, &v);
        i += vk ? vk : 1;
        if (v == ' ' || v == '\t' || v == '\n') {
            at[k] = (src_pos){line, col};
            if (n->double_quoted && o + 1 < end && s[o] == '\\' && strchr("ntr \t", s[o + 1])) {
                o += 2;
                col += 2;
            }
            continue;
        }
        at[k] = (src_pos){line, col};
        size_t o0 = o;
        long line0 = line, col0 = col;
        bool found = false;
        while (o < end && !found) {
            if (n->double_quoted && s[o] == '\\') {
                size_t e = yaml_escape_len(s + o, end - o);
                bool line_break = o + 1 < end && (s[o + 1] == '\n' || s[o + 1] == '\r');
                at[k] = (src_pos){line, col};
                o += line_break ? 1 : e;
                col += line_break ? 1 : (long)e;
                found = !line_break; /* the escape is this character */
                continue;
            }
            uint32_t cp;
            size_t ck = zj_utf8_decode((const unsigned char *)s + o, end - o, &cp);
            if (!ck) {
                ck = 1;
                cp = (unsigned char)s[o];
            }
            at[k] = (src_pos){line, col};
            o += ck;
            if (cp == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
            found = cp == v;
        }
        if (!found) { /* not in the source as written: where the walk stood */
            o = o0;
            line = line0;
            col = col0;
            at[k] = (src_pos){line, col};
        }
    }
    add_utterance(d, n->value, n->len, at);
    free(at);
}

/* YAML: every scalar value (not keys) is an utterance; `part:` at the top
 * level (or zhijian: {part: …}) declares the part of the call. */
static void walk_yaml(doc *d, const yaml_source *x, const zj_ynode *n, int depth)
{
    if (n->type == ZJ_YNODE_SCALAR) {
        if (n->len)
            add_yaml_utterance(d, x, n);
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const zj_ynode *child = n->items[i];
        if (n->type == ZJ_YNODE_MAP) {
            if (i % 2 == 0)
                continue; /* keys are not speech */
            const zj_ynode *key = n->items[i - 1];
            if (key->type == ZJ_YNODE_SCALAR && depth <= 1 &&
                (!strcmp(key->value, "part") || !strcmp(key->value, "zhijian"))) {
                const zj_ynode *v =
                    child->type == ZJ_YNODE_MAP ? zj_yaml_get(child, "part") : child;
                if (v && v->type == ZJ_YNODE_SCALAR)
                    set_part(d, v->value, v->len);
                continue;
            }
        }
        walk_yaml(d, x, child, depth + 1);
    }
}

/* The code point of JSON escape \uXXXX at s (6 bytes, with a low surrogate's
 * \uXXXX after a high one: *used 12); 0 when malformed. */
static uint32_t json_u_escape(const char *s, size_t n, size_t *used)
{
    uint32_t v[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        if (n < 6 * (size_t)(k + 1) || s[6 * k] != '\\' || s[6 * k + 1] != 'u')
            return k ? v[0] : 0;
        for (int j = 2; j < 6; j++) {
            char c = s[6 * k + j];
            int x = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (x < 0)
                return k ? v[0] : 0;
            v[k] = v[k] * 16 + (uint32_t)x;
        }
        *used = 6 * (size_t)(k + 1);
        if (k == 0 && (v[0] < 0xD800 || v[0] > 0xDBFF))
            return v[0];
    }
    if (v[1] < 0xDC00 || v[1] > 0xDFFF) { /* a lone high surrogate: jansson refused it */
        *used = 6;
        return v[0];
    }
    return 0x10000 + ((v[0] - 0xD800) << 10) + (v[1] - 0xDC00);
}

/* at with room for n positions (NULL and at freed when out of memory). */
static src_pos *grow_positions(src_pos *at, size_t *cap, size_t n)
{
    if (n <= *cap)
        return at;
    size_t c = *cap ? *cap * 2 : 64;
    while (c < n)
        c *= 2;
    src_pos *v = realloc(at, c * sizeof *v);
    if (!v) {
        free(at);
        *cap = 0;
        return NULL;
    }
    *cap = c;
    return v;
}

/* JSON: string values with their line:col. The file is checked whole by
 * jansson first (a template that is not JSON is an error, not an empty
 * script: its words would go unchecked; a key given twice is an error too,
 * since the program reading the template keeps one value and lint would pass
 * the words of the other), then a small tokenizer walks the
 * text, since jansson keeps no positions. A string followed by ':' is a key. */
static zj_status extract_json(doc *d, const char *path, const char *s, size_t len, zj_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(s, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return zj_error_set(err, ZJ_ERR_PARSE, path, je.line > 0 ? je.line : 0,
                            je.column > 0 ? je.column : 0, "not valid JSON: %s", je.text);
    json_decref(root);
    long line = 1, col = 1;
    const char *prev_key = NULL;
    size_t prev_key_len = 0;
    src_pos *at = NULL;
    size_t cap_at = 0;
    for (size_t i = 0; i < len;) {
        char c = s[i];
        if (c == '\n') {
            line++;
            col = 1;
            i++;
            continue;
        }
        if (c != '"') {
            if (!((unsigned char)c & 0x80) || ((unsigned char)c & 0xC0) == 0xC0)
                col++;
            i++;
            continue;
        }
        size_t start = ++i;
        col++;
        zj_buf val;
        zj_buf_init(&val);
        size_t n_at = 0; /* where each code point of val is: an escape is six columns */
        while (i < len && s[i] != '"') {
            if (!(at = grow_positions(at, &cap_at, n_at + 1))) {
                d->lost = true;
                break;
            }
            if (s[i] == '\\' && i + 1 < len && s[i + 1] == 'u') {
                size_t used = 0;
                uint32_t cp = json_u_escape(s + i, len - i, &used);
                char u8[4];
                zj_buf_append(&val, u8, cp ? zj_utf8_encode(cp, u8) : 0);
                if (cp)
                    at[n_at++] = (src_pos){line, col};
                i += used ? used : 2;
                col += (long)(used ? used : 2);
                continue;
            }
            if (s[i] == '\\' && i + 1 < len) {
                char e = s[i + 1];
                const char *v = e == 'n'   ? "\n"
                                : e == 't' ? "\t"
                                : e == 'r' ? "\r"
                                : e == 'b' ? "\b"
                                : e == 'f' ? "\f"
                                           : s + i + 1; /* \" \\ \/ */
                zj_buf_append(&val, v, 1);
                at[n_at++] = (src_pos){line, col};
                i += 2;
                col += 2;
                continue;
            }
            zj_buf_append(&val, s + i, 1);
            if (((unsigned char)s[i] & 0xC0) != 0x80)
                at[n_at++] = (src_pos){line, col++};
            i++;
        }
        (void)start;
        i++;
        col++;
        size_t j = i;
        while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n'))
            j++;
        bool is_key = j < len && s[j] == ':';
        if (is_key) {
            prev_key = s + start;
            prev_key_len = i - 1 - start;
        } else if (prev_key && prev_key_len == 4 && !memcmp(prev_key, "part", 4)) {
            set_part(d, val.data ? val.data : "", val.len);
        } else if (val.len && at && n_at == code_points(val.data, val.len)) {
            add_utterance(d, val.data, val.len, at);
        } else if (val.len) {
            d->lost = true; /* never: one position per code point appended */
        }
        if (val.failed)
            d->lost = true;
        zj_buf_free(&val);
    }
    free(at);
    return ZJ_OK;
}

/* In any case: a.YAML is read as YAML, not as lines of text. */
static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

/* False when out of memory (nothing added). */
static bool add_finding(zj_lint_report *r, const char *file, long line, long col, long end_col,
                        const char *rule, zj_severity sev, const char *clause, const char *words,
                        const char *message)
{
    if (!ZJ_GROW(r->v, r->n, r->cap))
        return false;
    zj_lint_finding *f = &r->v[r->n];
    memset(f, 0, sizeof *f);
    f->file = zj_strdup(file);
    f->line = line;
    f->col = col;
    f->end_col = end_col;
    snprintf(f->rule, sizeof f->rule, "%s", rule);
    f->severity = sev;
    f->clause = clause ? zj_strdup(clause) : NULL;
    f->words = words ? zj_strdup(words) : NULL;
    f->message = zj_strdup(message);
    if (!f->file || !f->message || (clause && !f->clause) || (words && !f->words)) {
        free(f->file);
        free(f->clause);
        free(f->words);
        free(f->message);
        return false;
    }
    r->n++;
    return true;
}

static bool suppressed(const doc *d, const char *rule, long line)
{
    for (size_t i = 0; i < d->n_sup; i++)
        if ((d->sup[i].line == line || d->sup[i].line == line - 1) &&
            !strcmp(d->sup[i].rule, rule) && d->sup[i].has_reason)
            return true;
    return false;
}

/* How many utterances a forbidden rule's utterance window spans at most:
 * a template placed after (and before) that many utterances lies outside
 * every such window. 0: no forbidden rule has one. */
static size_t forbidden_window_span(const zj_ruleset *rs)
{
    size_t span = 0;
    for (size_t i = 0; i < rs->n_rules; i++) {
        const zj_rule *r = &rs->rules[i];
        if (r->kind == ZJ_KIND_FORBIDDEN &&
            (r->window == ZJ_WIN_FIRST_UTTERANCES || r->window == ZJ_WIN_LAST_UTTERANCES) &&
            (size_t)r->window_value > span)
            span = (size_t)r->window_value;
    }
    return span;
}

static bool same_hit(const zj_finding *a, const zj_finding *b)
{
    return a->rule == b->rule && a->turn == b->turn && a->span_start == b->span_start &&
           a->span_end == b->span_end;
}

/* Findings in the order score lists them (turn, start, rule id), the
 * hits added from other scorings (a situation's, the middle of a call)
 * among the others. Insertion: a template has few findings. */
static int finding_order(const zj_ruleset *rs, const zj_finding *a, const zj_finding *b)
{
    if (a->turn != b->turn)
        return a->turn < b->turn ? -1 : 1;
    if (a->span_start != b->span_start)
        return a->span_start < b->span_start ? -1 : 1;
    int c = strcmp(rs->rules[a->rule].id, rs->rules[b->rule].id);
    if (c)
        return c;
    return a->span_end < b->span_end ? -1 : a->span_end > b->span_end;
}

static void sort_findings(const zj_ruleset *rs, zj_result *res)
{
    for (size_t i = 1; i < res->n_findings; i++) {
        zj_finding f = res->findings[i];
        size_t k = i;
        for (; k > 0 && finding_order(rs, &res->findings[k - 1], &f) > 0; k--)
            res->findings[k] = res->findings[k - 1];
        res->findings[k] = f;
    }
}

/* A template that declares no part may be said anywhere in a call. Said
 * as the call's only utterance (the scoring before) a forbidden rule of
 * the opening or the closing (phone.no-zhaoshui: 找谁) applies and may take
 * words that, said in the middle of a call, another rule reports at a
 * higher severity (您找谁都一样 is 顶撞, critical). So the template is
 * also scored between utterances of nobody's words (某), outside every
 * utterance window, and the forbidden hits of its turns join res. */
static zj_status add_mid_call_hits(zj_scorer *scorer, const zj_ruleset *rs, const zj_call *call,
                                   zj_result *res, zj_error *err)
{
    size_t pad = forbidden_window_span(rs);
    if (!pad)
        return ZJ_OK;
    size_t n = call->n_turns + 4 * pad;
    zj_turn *turns = calloc(n, sizeof *turns);
    if (!turns)
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    static char nobody[] = "某";
    size_t k = 0;
    for (size_t i = 0; i < pad; i++) { /* agent, customer: utterances before */
        turns[k++] = (zj_turn){ZJ_SPEAKER_AGENT, nobody, strlen(nobody), -1, -1};
        turns[k++] = (zj_turn){ZJ_SPEAKER_CUSTOMER, nobody, strlen(nobody), -1, -1};
    }
    for (size_t t = 0; t < call->n_turns; t++)
        turns[k++] = call->turns[t];
    for (size_t i = 0; i < pad; i++) { /* customer, agent: utterances after */
        turns[k++] = (zj_turn){ZJ_SPEAKER_CUSTOMER, nobody, strlen(nobody), -1, -1};
        turns[k++] = (zj_turn){ZJ_SPEAKER_AGENT, nobody, strlen(nobody), -1, -1};
    }
    zj_call mid = *call;
    mid.turns = turns;
    mid.n_turns = n;
    zj_result midres;
    zj_status st = zj_score_call(scorer, &mid, &midres, err);
    free(turns);
    if (st != ZJ_OK)
        return st;
    for (size_t i = 0; i < midres.n_findings && st == ZJ_OK; i++) {
        zj_finding hit = midres.findings[i];
        if (hit.outcome != ZJ_OUT_HIT || rs->rules[hit.rule].kind != ZJ_KIND_FORBIDDEN ||
            hit.turn < (long)(2 * pad) || hit.turn >= (long)(2 * pad + call->n_turns))
            continue;
        hit.turn -= (long)(2 * pad);
        bool known = false;
        for (size_t j = 0; j < res->n_findings && !known; j++)
            known = same_hit(&res->findings[j], &hit);
        if (known)
            continue;
        hit.text = zj_strdup(hit.text);
        zj_finding *v = realloc(res->findings, (res->n_findings + 1) * sizeof *v);
        if (!v || !hit.text) {
            free(hit.text);
            if (v)
                res->findings = v;
            st = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        res->findings = v;
        res->findings[res->n_findings++] = hit;
    }
    zj_result_free(&midres);
    return st;
}

/* The required rules of a declared part (an opening's first_* windows, a
 * closing's last_*; points above 0), in order of their ids: the order in which a template's
 * missing phrases are listed. NULL when out of memory. */
static uint32_t *part_rules(const zj_ruleset *rs, bool opening, bool closing, size_t *n)
{
    uint32_t *v = malloc((rs->n_rules ? rs->n_rules : 1) * sizeof *v);
    *n = 0;
    if (!v)
        return NULL;
    for (size_t i = 0; i < rs->n_rules; i++) {
        const zj_rule *r = &rs->rules[i];
        bool of_part =
            (opening &&
             (r->window == ZJ_WIN_FIRST_UTTERANCES || r->window == ZJ_WIN_FIRST_SECONDS)) ||
            (closing && (r->window == ZJ_WIN_LAST_UTTERANCES || r->window == ZJ_WIN_LAST_SECONDS));
        /* A phrase required only in a situation (`when`) is no part of
         * every opening. */
        if (r->kind != ZJ_KIND_REQUIRED || r->points <= 0 || !of_part || r->when >= 0)
            continue;
        size_t k = (*n)++; /* insertion by id: a part has a handful of rules */
        for (; k > 0 && strcmp(rs->rules[v[k - 1]].id, r->id) > 0; k--)
            v[k] = v[k - 1];
        v[k] = (uint32_t)i;
    }
    return v;
}

zj_status zj_lint_file(const zj_ruleset *rs, const char *path, const char *part,
                       zj_lint_report *report, zj_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "%s", strerror(errno));
    zj_buf text;
    zj_buf_init(&text);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        zj_buf_append(&text, chunk, got);
    bool read_error = ferror(f);
    fclose(f);
    if (read_error || text.failed) {
        zj_buf_free(&text);
        return read_error ? zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "read error")
                          : zj_error_set(err, ZJ_ERR_NOMEM, path, 0, 0, "out of memory");
    }
    const char *s = text.data ? text.data : "";
    size_t len = text.len;
    if (!zj_utf8_valid(s, len)) {
        zj_buf_free(&text);
        return zj_error_set(err, ZJ_ERR_UTF8, path, 0, 0, "not valid UTF-8");
    }
    /* A UTF-8 BOM (Windows editors write one) is no character of the
     * template: left in, it would hide Markdown front matter (`part:` and
     * with it the opening's required phrases), break YAML and JSON, and
     * shift the first line's columns. */
    if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
        s += 3;
        len -= 3;
    }
    doc d = {0};
    zj_status st = ZJ_OK;
    if (has_suffix(path, ".yaml") || has_suffix(path, ".yml")) {
        zj_ynode *root = zj_yaml_parse(s, len, path, err);
        if (!root) {
            zj_buf_free(&text);
            return err->status;
        }
        yaml_source x;
        if (yaml_source_init(&x, s, len))
            walk_yaml(&d, &x, root, 0);
        else
            d.lost = true;
        free(x.line_start);
        zj_yaml_free(root);
        /* comments may carry suppressions */
        doc tmp = {0};
        extract_lines(&tmp, s, len, false);
        d.sup = tmp.sup;
        d.n_sup = tmp.n_sup;
        d.lost |= tmp.lost;
        tmp.sup = NULL;
        doc_free(&tmp);
    } else if (has_suffix(path, ".json")) {
        st = extract_json(&d, path, s, len, err);
    } else {
        extract_lines(&d, s, len, has_suffix(path, ".md") || has_suffix(path, ".markdown"));
        /* Skipped to the end of the file, the template's words would go
         * unchecked: unreadable, never a clean template. */
        if (d.unclosed_line)
            st = zj_error_set(err, ZJ_ERR_PARSE, path, d.unclosed_line, 1,
                              "%s opened here is never closed: the lines after it would go "
                              "unchecked",
                              d.unclosed);
    }
    zj_buf_free(&text);
    if (st == ZJ_OK && d.lost)
        st = zj_error_set(err, ZJ_ERR_NOMEM, path, 0, 0, "out of memory");
    if (part)
        snprintf(d.part, sizeof d.part, "%s", part);
    for (size_t i = 0; i < d.n_sup && st == ZJ_OK; i++)
        if (!d.sup[i].has_reason &&
            !add_finding(report, path, d.sup[i].line, d.sup[i].col, d.sup[i].col,
                         "zhijian.suppression", ZJ_SEV_MINOR, NULL, NULL,
                         "suppression without a reason: write `zhijian: ignore RULE-ID -- why`"))
            st = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    bool opening = !strcmp(d.part, "opening"), closing = !strcmp(d.part, "closing");
    /* An empty template has no forbidden words, but one that declares
     * itself an opening or a closing misses every phrase of it. */
    if (st != ZJ_OK || (d.n == 0 && !opening && !closing)) {
        doc_free(&d);
        return st;
    }
    /* The file as one call: every utterance an agent turn (an empty
     * template: one empty turn). */
    size_t n_turns = d.n ? d.n : 1;
    zj_turn *turns = calloc(n_turns, sizeof *turns);
    for (size_t i = 0; turns && i < d.n; i++)
        turns[i] = (zj_turn){ZJ_SPEAKER_AGENT, d.u[i].text, strlen(d.u[i].text), -1, -1};
    if (turns && d.n == 0)
        turns[0] = (zj_turn){ZJ_SPEAKER_AGENT, "", 0, -1, -1};
    zj_call call = {.call_id = (char *)path,
                    .turns = turns,
                    .n_turns = n_turns,
                    .ring_ms = -1,
                    .started_at_utc_ms = INT64_MIN,
                    .source = path};
    zj_scorer *scorer = zj_scorer_new(rs, err);
    zj_result res;
    if (!turns || !scorer || (st = zj_score_call(scorer, &call, &res, err)) != ZJ_OK) {
        zj_scorer_free(scorer);
        free(turns);
        doc_free(&d);
        return st != ZJ_OK ? st : ZJ_ERR_NOMEM;
    }
    if (!opening && !closing)
        st = add_mid_call_hits(scorer, rs, &call, &res, err);
    /* A script may be read in any situation: forbidden rules that apply only
     * in one (`when: situation.complaint`) are checked as if it had arisen;
     * their hits join the others'. So are those of a seconds window: a
     * template has no timestamps, on which they would be not_measurable and
     * never checked; the template may be said in that window (a declared
     * opening in a `first_seconds` one only, a closing in `last_seconds`). */
    for (size_t ri = 0; ri < rs->n_rules && st == ZJ_OK; ri++) {
        const zj_rule *r = &rs->rules[ri];
        bool timed = (r->window == ZJ_WIN_FIRST_SECONDS && !closing) ||
                     (r->window == ZJ_WIN_LAST_SECONDS && !opening);
        if (r->kind != ZJ_KIND_FORBIDDEN || (r->when < 0 && !timed))
            continue;
        zj_result cond;
        if ((st = zj_score_rule(scorer, &call, (uint32_t)ri, true, &cond, err)) != ZJ_OK)
            break;
        for (size_t i = 0; i < cond.n_findings && st == ZJ_OK; i++) {
            if (cond.findings[i].rule != ri || cond.findings[i].outcome != ZJ_OUT_HIT)
                continue;
            zj_finding hit = cond.findings[i];
            hit.text = zj_strdup(hit.text);
            zj_finding *v = realloc(res.findings, (res.n_findings + 1) * sizeof *v);
            if (!v || !hit.text) {
                free(hit.text);
                st = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            res.findings = v;
            res.findings[res.n_findings++] = hit;
        }
        zj_result_free(&cond);
    }
    if (st == ZJ_OK)
        sort_findings(rs, &res);
    for (size_t i = 0; i < res.n_findings && st == ZJ_OK; i++) {
        const zj_finding *fd = &res.findings[i];
        const zj_rule *r = &rs->rules[fd->rule];
        char msg[700];
        if (r->kind == ZJ_KIND_FORBIDDEN && fd->outcome == ZJ_OUT_HIT) {
            const utterance *u = &d.u[fd->turn];
            src_pos p0 = fd->span_start < u->n_cp ? u->at[fd->span_start] : u->at[0];
            /* The end column on the line the words start on: words that run
             * on to the next line of a YAML block end at that line's end. */
            long c1 = p0.col + 1;
            for (size_t k = fd->span_start; k < fd->span_end && k < u->n_cp; k++)
                if (u->at[k].line == p0.line && u->at[k].col >= c1)
                    c1 = u->at[k].col + 1;
            if (suppressed(&d, r->id, p0.line))
                continue;
            snprintf(msg, sizeof msg, "forbidden expression '%s': %s", fd->text,
                     r->title ? r->title : r->id);
            if (!add_finding(report, path, p0.line, p0.col, c1, r->id, r->severity, r->clause,
                             fd->text, msg))
                st = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        }
    }
    zj_result_free(&res);
    /* The required phrases of the declared part, each judged on the whole
     * template with its window lifted: the template is the opening (or the
     * closing), and a template has no timestamps, on which a `first_seconds`
     * window would be not_measurable and its phrase never checked. */
    size_t n_part = 0;
    uint32_t *order = (opening || closing) ? part_rules(rs, opening, closing, &n_part) : NULL;
    if ((opening || closing) && !order && st == ZJ_OK)
        st = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t k = 0; k < n_part && st == ZJ_OK; k++) {
        uint32_t ri = order[k];
        const zj_rule *r = &rs->rules[ri];
        zj_result req;
        if ((st = zj_score_rule(scorer, &call, (uint32_t)ri, true, &req, err)) != ZJ_OK)
            break;
        bool missing = false;
        for (size_t i = 0; i < req.n_findings; i++)
            missing |= req.findings[i].rule == ri && req.findings[i].outcome == ZJ_OUT_MISSING;
        zj_result_free(&req);
        long line = d.n && d.u[0].n_cp ? d.u[0].at[0].line : 1,
             col = d.n && d.u[0].n_cp ? d.u[0].at[0].col : 1;
        if (!missing || suppressed(&d, r->id, line))
            continue;
        char msg[700];
        snprintf(msg, sizeof msg, "required phrase missing in this %s template: %s", d.part,
                 r->title ? r->title : r->id);
        if (!add_finding(report, path, line, col, col, r->id, r->severity, r->clause, NULL, msg))
            st = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
    free(order);
    zj_scorer_free(scorer);
    free(turns);
    doc_free(&d);
    return st;
}

void zj_lint_report_free(zj_lint_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].file);
        free(r->v[i].clause);
        free(r->v[i].words);
        free(r->v[i].message);
    }
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------------ config */

static zj_status config_error(zj_error *err, const char *file, const zj_ynode *at, const char *msg)
{
    return zj_error_set(err, ZJ_ERR_INVALID, file, at ? at->line : 0, at ? at->col : 0, "%s", msg);
}

static void free_paths(zj_lint_config *c)
{
    for (size_t i = 0; i < c->n_paths; i++)
        free(c->paths[i]);
    free(c->paths);
    c->paths = NULL;
    c->n_paths = 0;
}

static void free_parts(zj_lint_config *c)
{
    for (size_t i = 0; i < c->n_parts; i++) {
        free(c->part_prefix[i]);
        free(c->part_name[i]);
    }
    free(c->part_prefix);
    free(c->part_name);
    c->part_prefix = c->part_name = NULL;
    c->n_parts = 0;
}

static zj_status config_parse(const char *file, const char *dir, zj_lint_config *c, zj_error *err)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return zj_error_set(err, ZJ_ERR_IO, file, 0, 0, "%s", strerror(errno));
    zj_buf text;
    zj_buf_init(&text);
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        zj_buf_append(&text, chunk, got);
    fclose(f);
    zj_ynode *root = zj_yaml_parse(text.data ? text.data : "", text.len, file, err);
    zj_buf_free(&text);
    if (!root)
        return err->status;
    zj_status st = ZJ_OK;
    if (root->type != ZJ_YNODE_MAP) {
        st = config_error(err, file, root,
                          "the config must be a mapping (rules, fail_on, paths, parts)");
        goto done;
    }
    for (size_t i = 0; i + 1 < root->n && st == ZJ_OK; i += 2) {
        const zj_ynode *k = root->items[i], *v = root->items[i + 1];
        const char *key = k->value ? k->value : "";
        if (!strcmp(key, "rules") && v->type == ZJ_YNODE_SCALAR) {
            if (v->value[0] == '/')
                snprintf(c->rules, sizeof c->rules, "%s", v->value);
            else
                snprintf(c->rules, sizeof c->rules, "%.2000s/%.2000s", dir, v->value);
        } else if (!strcmp(key, "fail_on") && v->type == ZJ_YNODE_SCALAR) {
            if (!zj_severity_parse(v->value, &c->fail_on))
                st = config_error(err, file, v,
                                  "fail_on must be critical, major, minor or observation");
            c->has_fail_on = true;
        } else if (!strcmp(key, "paths") && v->type == ZJ_YNODE_SEQ) {
            free_paths(c); /* a repeated key: the last one counts */
            c->paths = calloc(v->n ? v->n : 1, sizeof *c->paths);
            for (size_t j = 0; c->paths && j < v->n; j++) {
                if (v->items[j]->type != ZJ_YNODE_SCALAR)
                    continue;
                char full[8300];
                snprintf(full, sizeof full, "%s%s%s", v->items[j]->value[0] == '/' ? "" : dir,
                         v->items[j]->value[0] == '/' ? "" : "/", v->items[j]->value);
                c->paths[c->n_paths++] = zj_strdup(full);
            }
        } else if (!strcmp(key, "parts") && v->type == ZJ_YNODE_MAP) {
            size_t n = v->n / 2;
            free_parts(c);
            c->part_prefix = calloc(n ? n : 1, sizeof *c->part_prefix);
            c->part_name = calloc(n ? n : 1, sizeof *c->part_name);
            for (size_t j = 0; c->part_prefix && c->part_name && j + 1 < v->n; j += 2) {
                c->part_prefix[c->n_parts] =
                    zj_strdup(v->items[j]->value ? v->items[j]->value : "");
                c->part_name[c->n_parts++] =
                    zj_strdup(v->items[j + 1]->value ? v->items[j + 1]->value : "");
            }
        } else {
            char msg[300];
            snprintf(msg, sizeof msg,
                     "unknown or mistyped key '%.100s' (expected rules, fail_on, "
                     "paths or parts)",
                     key);
            st = config_error(err, file, k, msg);
        }
    }
done:
    zj_yaml_free(root);
    return st;
}

zj_status zj_lint_config_find(const char *start_dir, zj_lint_config *c, zj_error *err)
{
    memset(c, 0, sizeof *c);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", start_dir);
    for (;;) {
        char file[4200];
        snprintf(file, sizeof file, "%s/.zhijian.yaml", strcmp(dir, "/") ? dir : "");
        FILE *f = fopen(file, "rb");
        if (f) {
            fclose(f);
            snprintf(c->path, sizeof c->path, "%.4000s", file);
            snprintf(c->dir, sizeof c->dir, "%s", dir);
            zj_status st = config_parse(file, dir, c, err);
            if (st != ZJ_OK) /* an error leaves nothing to free */
                zj_lint_config_free(c);
            return st;
        }
        char *slash = strrchr(dir, '/');
        if (!slash || !strcmp(dir, "/"))
            return ZJ_OK;
        if (slash == dir)
            dir[1] = '\0';
        else
            *slash = '\0';
    }
}

void zj_lint_config_free(zj_lint_config *c)
{
    free_paths(c);
    free_parts(c);
    memset(c, 0, sizeof *c);
}

/* The part of the longest `parts:` prefix that path lies under, the
 * prefixes being relative to the config file's directory. The path is
 * made absolute and normalized first (realpath): given relative to another
 * directory (`zhijian lint ../scripts` from a subdirectory) or with `//`,
 * a textual comparison would miss the prefix, and the opening's phrases go
 * unchecked. A path that cannot be resolved is compared as written. */
const char *zj_lint_config_part(const zj_lint_config *c, const char *path)
{
    if (!c->n_parts)
        return NULL;
    char *abs = realpath(path, NULL);
    char *dir = c->dir[0] ? realpath(c->dir, NULL) : NULL;
    const char *base = dir ? dir : c->dir;
    const char *p = abs ? abs : path;
    size_t dl = strlen(base);
    if (dl && !strncmp(p, base, dl) && (p[dl] == '/' || !strcmp(base, "/")))
        p += !strcmp(base, "/") ? 1 : dl + 1;
    else if (abs)
        p = ""; /* outside the config's directory: no part of it */
    if (!strncmp(p, "./", 2))
        p += 2;
    const char *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < c->n_parts; i++) {
        const char *prefix = c->part_prefix[i];
        if (!strncmp(prefix, "./", 2))
            prefix += 2;
        size_t n = strlen(prefix);
        if (n > best_len && !strncmp(p, prefix, n)) {
            best = c->part_name[i];
            best_len = n;
        }
    }
    free(abs);
    free(dir);
    return best;
}
