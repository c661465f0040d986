/* serve_form.c — reading url-encoded form fields (serve_form.h). */
#ifdef ZJ_SERVE
#include "serve_form.h"

#include "zhijian.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Decodes value [p, end) into a new string; BAD on a malformed escape, a
 * NUL (the engine's strings end there: the rest would be lost silently) or
 * bytes that are not UTF-8 (the review sheet refuses them, so the web must
 * not store them either). */
static serve_field decode(const char *p, const char *end, char **out)
{
    char *s = malloc((size_t)(end - p) + 1);
    if (!s)
        return SERVE_FIELD_NOMEM;
    size_t n = 0;
    for (const char *q = p; q < end; q++) {
        char ch = *q;
        if (ch == '+') {
            ch = ' ';
        } else if (ch == '%') {
            int hi = end - q >= 3 ? hexval(q[1]) : -1, lo = end - q >= 3 ? hexval(q[2]) : -1;
            if (hi < 0 || lo < 0) {
                free(s);
                return SERVE_FIELD_BAD;
            }
            ch = (char)(hi * 16 + lo);
            q += 2;
        }
        if (ch == 0) {
            free(s);
            return SERVE_FIELD_BAD;
        }
        s[n++] = ch;
    }
    s[n] = 0;
    if (!zj_utf8_valid(s, n)) {
        free(s);
        return SERVE_FIELD_BAD;
    }
    *out = s;
    return SERVE_FIELD_OK;
}

/* The first field called name (nlen bytes) at or after p, *end set to where
 * it ends ('&' or the body's end); NULL when there is none. */
static const char *field_named(const char *p, const char *name, size_t nlen, const char **end)
{
    while (*p) {
        *end = strchr(p, '&');
        if (!*end)
            *end = p + strlen(p);
        if ((size_t)(*end - p) >= nlen && !strncmp(p, name, nlen) &&
            (p + nlen == *end || p[nlen] == '='))
            return p;
        p = **end ? *end + 1 : *end;
    }
    return NULL;
}

serve_field serve_form_text(const char *body, const char *name, char **out)
{
    size_t nlen = strlen(name);
    const char *end, *again_end;
    const char *p = field_named(body ? body : "", name, nlen, &end);
    *out = NULL;
    if (p) {
        /* A field given twice is refused: which value was meant (reason=a&
         * reason=b) cannot be told, and none of the forms repeats one. */
        if (field_named(*end ? end + 1 : end, name, nlen, &again_end))
            return SERVE_FIELD_BAD;
        return decode(p + nlen + (p + nlen < end), end, out);
    }
    *out = malloc(1);
    if (!*out)
        return SERVE_FIELD_NOMEM;
    **out = 0;
    return SERVE_FIELD_ABSENT;
}

bool serve_form_raw_nul(const char *body, size_t len, char **name)
{
    const char *nul = body ? memchr(body, 0, len) : NULL;
    *name = NULL;
    if (!nul)
        return false;
    const char *start = nul;
    while (start > body && start[-1] != '&')
        start--;
    size_t n = strcspn(start, "="); /* stops at the NUL too */
    if ((*name = malloc(n + 1))) {
        memcpy(*name, start, n);
        (*name)[n] = 0;
    }
    return true;
}

serve_field serve_form_long(const char *body, const char *name, long dflt, long max, long *v)
{
    char *s;
    serve_field f = serve_form_text(body, name, &s);
    if (f == SERVE_FIELD_OK && s[0]) {
        char *end;
        errno = 0;
        *v = strtol(s, &end, 10);
        /* Out of range is refused, not wrapped: turn=4294967296 is no turn 0. */
        if (*end || errno == ERANGE || *v < -1 || *v > max)
            f = SERVE_FIELD_BAD;
    } else if (f != SERVE_FIELD_NOMEM && f != SERVE_FIELD_BAD) {
        *v = dflt;
        f = SERVE_FIELD_OK;
    }
    free(s);
    return f;
}
#else
/* Built without libmicrohttpd: serve is left out (cmd_serve.c says so). */
typedef int serve_form_unused;
#endif
