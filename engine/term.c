/* term.c — text from outside made safe wherever it is shown. Call ids, names,
 * turn text and rule titles come from outside; printed raw, an ESC sequence
 * could clear the screen, plant a hyperlink (OSC 8) or rewrite the line (CR),
 * and a bidi override could make one id read as another or a reviewer see a
 * different sentence from the one scored (Trojan Source). zj_escape_cp decides
 * for every renderer (terminal, HTML reports, Markdown reports, review pages)
 * which characters are written as an escape, and which escape; every text
 * renderer and the CLI's error printer pass such text through zj_buf_term. */
#include "internal.h"

#include <string.h>
#include <utf8proc.h>

/* Characters that change what a reader sees without being seen: the format
 * characters (Unicode category Cf: the bidi controls U+061C, U+200E, U+200F,
 * U+202A..U+202E and U+2066..U+2069, which reorder a line, the zero-width
 * space U+200B, U+2060, U+FEFF, the soft hyphen, the tag characters
 * U+E0000..U+E007F, which can spell a whole hidden sentence) and the line
 * and paragraph separators U+2028, U+2029. The joiners U+200C and U+200D
 * stay: they shape emoji and scripts and hide nothing. */
static bool is_hidden_or_reordering(uint32_t cp)
{
    if (cp < 0xAD || cp == 0x200C || cp == 0x200D)
        return false;
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
    return cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_ZL ||
           cat == UTF8PROC_CATEGORY_ZP;
}

/* Whether the ASCII byte c, a tab or a line break, is kept by `keep`. */
static bool whitespace_kept(unsigned char c, unsigned keep)
{
    return (c == '\t' && (keep & ZJ_ESC_KEEP_TAB)) || (c == '\n' && (keep & ZJ_ESC_KEEP_LF)) ||
           (c == '\r' && (keep & ZJ_ESC_KEEP_CR));
}

size_t zj_escape_cp(const char *s, size_t n, unsigned keep, size_t *k, char esc[ZJ_ESC_MAX])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char c = (unsigned char)s[0];
    if ((c >= 0x20 && c < 0x7F) || whitespace_kept(c, keep)) {
        *k = 1;
        return 0;
    }
    uint32_t cp = 0;
    *k = c >= 0x80 ? zj_utf8_decode((const unsigned char *)s, n, &cp) : 0;
    if (*k) { /* a multi-byte character: cp >= 0x80 */
        if (cp > 0x9F && !is_hidden_or_reordering(cp))
            return 0;
        /* a C1 control or a hidden one: \u0085, \u202e, \U000e0041 */
        int digits = cp > 0xFFFF ? 8 : 4;
        esc[0] = '\\';
        esc[1] = digits == 8 ? 'U' : 'u';
        for (int d = 0; d < digits; d++)
            esc[2 + d] = hex[(cp >> (4 * (digits - 1 - d))) & 15];
        return 2 + (size_t)digits;
    }
    *k = 1;
    if (c == '\n' || c == '\t' || c == '\r') {
        esc[0] = '\\';
        esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
        return 2;
    }
    /* another C0 control, DEL, or a byte that is not UTF-8: \x01 */
    memcpy(esc, "\\x", 2);
    esc[2] = hex[c >> 4];
    esc[3] = hex[c & 15];
    return 4;
}

zj_status zj_buf_term(zj_buf *b, const char *s, size_t n)
{
    size_t run = 0; /* start of the pending run of bytes shown as they are */
    for (size_t i = 0, k; i < n; i += k) {
        char esc[ZJ_ESC_MAX];
        size_t len = zj_escape_cp(s + i, n - i, 0, &k, esc);
        if (!len)
            continue;
        if (zj_buf_append(b, s + run, i - run) != ZJ_OK || zj_buf_append(b, esc, len) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        run = i + k;
    }
    return zj_buf_append(b, s + run, n - run);
}

zj_status zj_buf_term_str(zj_buf *b, const char *s)
{
    return s ? zj_buf_term(b, s, strlen(s)) : ZJ_OK;
}
