/* term.c — text made safe for a terminal. Call ids, names, turn text and rule
 * titles come from outside; printed raw, an ESC sequence could clear the
 * screen, plant a hyperlink (OSC 8) or rewrite the line (CR), and a bidi
 * override could make one id read as another. Every text renderer and the
 * CLI's error printer pass such text through zj_buf_term. */
#include "internal.h"

#include <string.h>

/* Code points shown escaped besides C0, DEL and C1: the bidi embeddings,
 * overrides and isolates (U+202A..U+202E, U+2066..U+2069) and the
 * left-to-right / right-to-left marks (U+200E, U+200F). */
static bool is_bidi_control(uint32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
           cp == 0x200F;
}

size_t zj_term_unsafe(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    if (c >= 0x20 && c < 0x7F)
        return 0;
    uint32_t cp = 0;
    size_t k = c >= 0x80 ? zj_utf8_decode((const unsigned char *)s, n, &cp) : 0;
    if (!k)
        return 1;
    return (cp >= 0x80 && cp <= 0x9F) || is_bidi_control(cp) ? k : 0;
}

zj_status zj_buf_term(zj_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* start of the pending run of bytes shown as they are */
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x7F) {
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t k = c >= 0x80 ? zj_utf8_decode(p + i, n - i, &cp) : 0;
        if (!zj_term_unsafe(s + i, n - i)) {
            i += k;
            continue;
        }
        if (zj_buf_append(b, s + run, i - run) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        char esc[8];
        size_t len;
        if (k) { /* C1 control or bidi control: \uXXXX */
            memcpy(esc, "\\u", 2);
            for (int d = 0; d < 4; d++)
                esc[2 + d] = hex[(cp >> (12 - 4 * d)) & 15];
            len = 6;
        } else if (c == '\n' || c == '\t' || c == '\r') {
            esc[0] = '\\';
            esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
            len = 2;
            k = 1;
        } else { /* other C0, DEL, or a byte that is not valid UTF-8: \xHH */
            memcpy(esc, "\\x", 2);
            esc[2] = hex[c >> 4];
            esc[3] = hex[c & 15];
            len = 4;
            k = 1;
        }
        if (zj_buf_append(b, esc, len) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        i += k;
        run = i;
    }
    return zj_buf_append(b, s + run, n - run);
}

zj_status zj_buf_term_str(zj_buf *b, const char *s)
{
    return s ? zj_buf_term(b, s, strlen(s)) : ZJ_OK;
}
