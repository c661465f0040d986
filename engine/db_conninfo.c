/* db_conninfo.c — a --db argument as a connection string: whether it names
 * a PostgreSQL server (a URI) or is libpq's key=value form (which --db
 * refuses: it would otherwise be taken for a SQLite file name), and how it
 * is shown: its secrets (password, sslpassword) masked as ***, in the
 * string itself and in a libpq message that quotes it.
 *
 * tools/zhijian-dask applies the same rules (mask_password, mask_message);
 * both are checked against tests/scripts/data/conninfo_masks.tsv and
 * conninfo_messages.tsv. */
#include "db.h"
#include "internal.h"
#include "zhijian.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

/* The connection parameters whose value is a secret: the password and the
 * passphrase of the client's key. */
static const char *const SECRET_KEYS[] = {"password", "sslpassword"};

#define SPACES " \t\n\r\f\v"

/* A masked value, as the connection string spells it: raw (a key=value
 * bare value), percent-encoded (a URI's) or in quotes (a key=value quoted
 * value, quotes included). */
typedef enum { SPAN_BARE, SPAN_URI, SPAN_QUOTED } span_kind;
typedef struct {
    const char *p;
    size_t n;
    span_kind kind;
} span;
typedef struct {
    span *v;
    size_t n, cap;
    bool failed;
} spans;

static void spans_add(spans *s, const char *p, size_t n, span_kind kind)
{
    if (!s || s->failed)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        span *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->failed = true;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (span){p, n, kind};
}

bool zj_db_is_postgres_url(const char *path)
{
    return path &&
           (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

static bool is_secret_key(const char *p, size_t n)
{
    for (size_t i = 0; i < sizeof SECRET_KEYS / sizeof *SECRET_KEYS; i++)
        if (strlen(SECRET_KEYS[i]) == n && strncmp(p, SECRET_KEYS[i], n) == 0)
            return true;
    return false;
}

/* Whether the n bytes at p, percent-decoded as libpq decodes a URI
 * parameter's name, are name. */
static bool uri_key_is(const char *p, size_t n, const char *name)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++, k++) {
        int c = (unsigned char)p[i];
        if (c == '%' && i + 2 < n) {
            char hex[3] = {p[i + 1], p[i + 2], 0};
            char *end;
            c = (int)strtol(hex, &end, 16);
            if (*end)
                return false;
            i += 2;
        }
        if (!name[k] || name[k] != c)
            return false;
    }
    return !name[k];
}

static bool uri_key_is_secret(const char *p, size_t n)
{
    for (size_t i = 0; i < sizeof SECRET_KEYS / sizeof *SECRET_KEYS; i++)
        if (uri_key_is(p, n, SECRET_KEYS[i]))
            return true;
    return false;
}

/* A URI as libpq parses it (conninfo_uri_parse_options): the user
 * information ends at the first '@' before the first '/', its password
 * after its first ':' ('?', '#' and spaces are ordinary characters there:
 * masking only up to one of those showed the rest); the query starts at
 * the first '?' after it, its parameters split at '&'. */
static void mask_uri(zj_buf *b, const char *s, size_t scheme, spans *found)
{
    size_t n = strlen(s), at = scheme, copied = 0;
    while (at < n && s[at] != '@' && s[at] != '/')
        at++;
    bool userinfo = at < n && s[at] == '@';
    const char *q = strchr(s + (userinfo ? at : scheme), '?');
    if (userinfo) {
        /* A further '@' in what libpq then takes for the host (a password
         * written with a bare '@'; libpq fails to connect) is masked too. */
        size_t host_end = q ? (size_t)(q - s) : n, end = at;
        for (size_t k = at; k < host_end && s[k] != '/'; k++)
            if (s[k] == '@')
                end = k;
        const char *colon = memchr(s + scheme, ':', at - scheme);
        if (colon) {
            zj_buf_append(b, s, (size_t)(colon - s) + 1);
            zj_buf_puts(b, "***");
            copied = end;
            /* libpq quotes what it took for the host: the part after each
             * bare '@' is a piece of the password of its own. */
            const char *piece = colon + 1;
            for (const char *k = piece; k <= s + end; k++)
                if (*k == '@') {
                    spans_add(found, piece, (size_t)(k - piece), SPAN_URI);
                    piece = k + 1;
                }
            if (end != at)
                spans_add(found, colon + 1, end - (size_t)(colon + 1 - s), SPAN_URI);
        }
    }
    size_t params = q ? (size_t)(q - s) + 1 : n;
    zj_buf_append(b, s + copied, params - copied);
    for (size_t p = params; q && p <= n;) {
        size_t end = p;
        while (end < n && s[end] != '&')
            end++;
        const char *eq = memchr(s + p, '=', end - p);
        if (eq && uri_key_is_secret(s + p, (size_t)(eq - s) - p)) {
            zj_buf_append(b, s + p, (size_t)(eq - s) + 1 - p);
            zj_buf_puts(b, "***");
            spans_add(found, eq + 1, end - (size_t)(eq + 1 - s), SPAN_URI);
        } else {
            zj_buf_append(b, s + p, end - p);
        }
        if (end < n)
            zj_buf_puts(b, "&");
        p = end + 1;
    }
}

/* A value at p as libpq's key=value parser reads it: in '...' or bare up to
 * a space, a backslash escaping the next character in both. Its end, or
 * NULL for a quote never closed. */
static const char *value_end(const char *p)
{
    if (*p == '\'') {
        for (p++; *p && *p != '\''; p++)
            if (*p == '\\' && p[1])
                p++;
        return *p == '\'' ? p + 1 : NULL;
    }
    for (; *p && !strchr(SPACES, *p); p++)
        if (*p == '\\' && p[1])
            p++;
    return p;
}

/* Appends the value [value, end) masked: '***' in quotes when quoted. */
static void mask_value(zj_buf *b, const char *value, const char *end, spans *found)
{
    bool quoted = *value == '\'';
    zj_buf_puts(b, quoted ? "'***'" : "***");
    spans_add(found, value, (size_t)(end - value), quoted ? SPAN_QUOTED : SPAN_BARE);
}

/* A key=value connection string as libpq parses it (conninfo_parse):
 * whitespace-separated keywords, '=' with optional spaces around it, a
 * value quoted in '...' or bare. False when the text is not one (then
 * nothing was appended). */
static bool mask_keywords(zj_buf *b, const char *s, spans *found)
{
    const char *p = s;
    bool any = false;
    while (*p) {
        if (strchr(SPACES, *p)) {
            zj_buf_append(b, p++, 1);
            continue;
        }
        const char *key = p;
        while (*p && *p != '=' && !strchr(SPACES, *p))
            p++;
        size_t key_len = (size_t)(p - key);
        p += strspn(p, SPACES);
        if (*p != '=' || !key_len)
            return false;
        p++;
        p += strspn(p, SPACES);
        const char *value = p, *end = value_end(p);
        if (!end)
            return false;
        zj_buf_append(b, key, (size_t)(value - key));
        if (is_secret_key(key, key_len))
            mask_value(b, value, end, found);
        else
            zj_buf_append(b, value, (size_t)(end - value));
        p = end;
        any = true;
    }
    return any;
}

/* Whether the word at p is a keyword followed by '=' (spaces between). */
static bool starts_setting(const char *p)
{
    size_t key_len = strcspn(p, "=" SPACES);
    return key_len && p[key_len + strspn(p + key_len, SPACES)] == '=';
}

/* Text that is not a well-formed key=value string (a value with an
 * unescaped space, a quote never closed), or any other text: each
 * `password =` or `sslpassword =` that starts a word has its value masked:
 * a bare one up to the next word that starts a setting (`dbname=`; the
 * words before it are taken for pieces of the password), a quoted one to
 * its closing quote, or to the end of the text when there is none. The
 * rest comes back as it is. */
static void mask_loose(zj_buf *b, const char *s, spans *found)
{
    const char *p = s;
    while (*p) {
        const char *word = p;
        if (word != s && !strchr(SPACES, word[-1])) {
            zj_buf_append(b, p++, 1);
            continue;
        }
        size_t key_len = strcspn(p, "=" SPACES);
        const char *eq = p + key_len + strspn(p + key_len, SPACES);
        if (*eq != '=' || !is_secret_key(p, key_len)) {
            zj_buf_append(b, p++, 1);
            continue;
        }
        const char *value = eq + 1 + strspn(eq + 1, SPACES);
        const char *end = value_end(value);
        if (!end)
            end = value + strlen(value);
        const char *next;
        while (*value != '\'' && *(next = end + strspn(end, SPACES)) && !starts_setting(next)) {
            const char *word_end = value_end(next);
            end = word_end ? word_end : next + strlen(next);
        }
        zj_buf_append(b, p, (size_t)(value - p));
        mask_value(b, value, end, found);
        p = end;
    }
}

/* The text masked; every masked value noted in found (may be NULL). */
static char *redact(const char *text, spans *found)
{
    zj_buf b;
    zj_buf_init(&b);
    size_t scheme = strncmp(text, "postgresql://", 13) == 0 ? 13
                    : strncmp(text, "postgres://", 11) == 0 ? 11
                                                            : 0;
    if (scheme) {
        mask_uri(&b, text, scheme, found);
    } else if (!strchr(text, '=')) {
        zj_buf_puts(&b, text);
    } else {
        size_t noted = found ? found->n : 0;
        if (!mask_keywords(&b, text, found)) {
            zj_buf_reset(&b);
            if (found)
                found->n = noted;
            mask_loose(&b, text, found);
        }
    }
    if (b.failed || !b.data) {
        zj_buf_free(&b);
        return b.failed ? NULL : zj_strdup("");
    }
    return b.data;
}

char *zj_db_redact_url(const char *text)
{
    return redact(text, NULL);
}

static bool ascii_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* text with every occurrence of what replaced by with; whole_words: only
 * occurrences with no ASCII letter or digit right before or after them (a
 * password "ab" masks "ab" in `"ab@db"`, not in "about"). Frees text; NULL
 * when out of memory. */
static char *replace_all(char *text, const char *what, const char *with, bool whole_words)
{
    size_t n = strlen(what);
    if (!text || !n)
        return text;
    zj_buf b;
    zj_buf_init(&b);
    const char *p = text, *hit;
    while ((hit = strstr(p, what)) != NULL) {
        bool alone = !whole_words || ((hit == text || !ascii_alnum(hit[-1])) &&
                                      !ascii_alnum(hit[n]));
        zj_buf_append(&b, p, (size_t)(hit - p) + (alone ? 0 : 1));
        if (alone)
            zj_buf_puts(&b, with);
        p = alone ? hit + n : hit + 1;
    }
    zj_buf_puts(&b, p);
    free(text);
    if (b.failed) {
        zj_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static bool hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The forms of a masked value a libpq message may quote: as written; a
 * URI's percent-decoded; a key=value one without its quotes and without
 * the backslashes of its escapes. Each replaced in text by ***. */
static char *mask_forms(char *text, const span *v)
{
    char *form = malloc(v->n + 1);
    if (!form) {
        free(text);
        return NULL;
    }
    memcpy(form, v->p, v->n);
    form[v->n] = '\0';
    text = replace_all(text, form, "***", true);
    size_t k = 0;
    const char *p = v->p, *end = v->p + v->n;
    if (v->kind == SPAN_QUOTED && v->n >= 2) {
        p++;
        end--;
    }
    for (; p < end; p++) {
        if (v->kind == SPAN_URI && *p == '%' && end - p > 2 && hex_digit(p[1]) && hex_digit(p[2])) {
            char hex[3] = {p[1], p[2], 0};
            form[k++] = (char)strtol(hex, NULL, 16);
            p += 2;
        } else if (v->kind != SPAN_URI && *p == '\\' && p + 1 < end) {
            form[k++] = *++p;
        } else {
            form[k++] = *p;
        }
    }
    form[k] = '\0';
    if (k != v->n || memcmp(form, v->p, k) != 0)
        text = replace_all(text, form, "***", true);
    free(form);
    return text;
}

char *zj_db_redact_message(const char *message, const char *conninfo)
{
    spans found = {0};
    char *masked = redact(conninfo, &found);
    char *text = masked && !found.failed ? zj_strdup(message) : NULL;
    /* The whole string quoted (libpq quotes a URI it cannot parse), then
     * each secret wherever it stands alone. */
    if (text && conninfo[0])
        text = replace_all(text, conninfo, masked, false);
    for (size_t i = 0; text && i < found.n; i++)
        text = mask_forms(text, &found.v[i]);
    free(masked);
    free(found.v);
    return text;
}

bool zj_db_is_keyword_conninfo(const char *text)
{
    if (!text || zj_db_is_postgres_url(text) || text[0] == '/' || text[0] == '.')
        return false;
    PQconninfoOption *options = PQconninfoParse("", NULL);
    if (!options)
        return false;
    bool found = false;
    for (const char *p = text; *p && !found; p++) {
        if (p != text && !strchr(SPACES, p[-1]))
            continue;
        size_t key_len = strcspn(p, "=" SPACES);
        if (!key_len || p[key_len + strspn(p + key_len, SPACES)] != '=')
            continue;
        for (PQconninfoOption *o = options; o->keyword && !found; o++)
            found = strlen(o->keyword) == key_len && strncmp(o->keyword, p, key_len) == 0;
    }
    PQconninfoFree(options);
    return found;
}
