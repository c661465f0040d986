/* encoding.c — inputs that are not UTF-8: conversion through iconv (glibc),
 * and a guess at the encoding for the error message when none was given. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

bool zj_encoding_known(const char *name)
{
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1)
        return false;
    iconv_close(cd);
    return true;
}

/* Converts in[0..n) from encoding; in starts at line base_line and byte
 * base_offset of src, for the message naming a byte that is not valid. */
static zj_status convert(const char *encoding, const char *in, size_t n, char **out, size_t *out_n,
                         const char *src, long base_line, uint64_t base_offset, zj_error *err)
{
    *out = NULL;
    *out_n = 0;
    iconv_t cd = iconv_open("UTF-8", encoding);
    if (cd == (iconv_t)-1)
        return zj_error_set(err, ZJ_ERR_USAGE, src, 0, 0, "unknown encoding '%.64s'", encoding);
    size_t cap = n * 2 + 16;
    char *buf = malloc(cap);
    if (!buf) {
        iconv_close(cd);
        return zj_error_set(err, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
    }
    char *ip = (char *)in, *op = buf;
    size_t il = n, ol = cap - 1;
    while (il > 0) {
        if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
            break;
        if (errno == E2BIG) {
            size_t used = (size_t)(op - buf);
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                iconv_close(cd);
                return zj_error_set(err, ZJ_ERR_NOMEM, src, 0, 0, "out of memory");
            }
            buf = nb;
            op = buf + used;
            ol = cap - used - 1;
            continue;
        }
        /* Count the line of the offending byte for the message. */
        long line = base_line;
        for (const char *p = in; p < ip; p++)
            line += *p == '\n';
        free(buf);
        iconv_close(cd);
        return zj_error_set(
            err, ZJ_ERR_UTF8, src, line, 0, "%s: byte 0x%02X at offset %llu is not valid %s",
            errno == EINVAL ? "truncated character" : "invalid character", (unsigned char)*ip,
            (unsigned long long)(base_offset + (uint64_t)(ip - in)), encoding);
    }
    iconv_close(cd);
    size_t len = (size_t)(op - buf);
    buf[len] = '\0';
    /* A BOM that came through the conversion (UTF-16 with BOM -> U+FEFF). */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        memmove(buf, buf + 3, len - 2);
        len -= 3;
    }
    *out = buf;
    *out_n = len;
    return ZJ_OK;
}

zj_status zj_encoding_to_utf8(const char *encoding, const char *in, size_t n, char **out,
                              size_t *out_n, const char *src, zj_error *err)
{
    return convert(encoding, in, n, out, out_n, src, 1, 0, err);
}

bool zj_encoding_named(const char *encoding)
{
    return encoding && *encoding && strcasecmp(encoding, "utf-8") != 0 &&
           strcasecmp(encoding, "utf8") != 0;
}

bool zj_encoding_wide(const char *encoding)
{
    return zj_encoding_named(encoding) &&
           (strncasecmp(encoding, "utf-16", 6) == 0 || strncasecmp(encoding, "utf16", 5) == 0 ||
            strncasecmp(encoding, "utf-32", 6) == 0 || strncasecmp(encoding, "utf32", 5) == 0 ||
            strncasecmp(encoding, "ucs", 3) == 0);
}

/* Every byte >= 0x80 is part of a GB18030 two- or four-byte sequence. */
static bool plausible_gb18030(const unsigned char *s, size_t n)
{
    size_t high = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c == 0x80 || c == 0xFF || i + 1 >= n)
            return false;
        unsigned char d = s[i + 1];
        if (d >= 0x30 && d <= 0x39) {
            if (i + 3 >= n || s[i + 2] < 0x81 || s[i + 2] > 0xFE || s[i + 3] < 0x30 ||
                s[i + 3] > 0x39)
                return false;
            i += 4;
        } else if (d >= 0x40 && d <= 0xFE && d != 0x7F) {
            i += 2;
        } else {
            return false;
        }
        high++;
    }
    return high > 0;
}

/* UTF-8 but for a few bytes: its valid sequences of two bytes or more
 * outnumber its invalid bytes. Chinese text in GB18030 decodes as UTF-8 a
 * character in fifty at most, UTF-8 with a stray byte almost throughout:
 * converting the latter from GB18030 would score mojibake. */
static bool mostly_utf8(const unsigned char *s, size_t n)
{
    size_t multi = 0, invalid = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = zj_utf8_decode(s + i, n - i, &cp);
        if (k == 0) {
            invalid++;
            i++;
        } else {
            multi++;
            i += k;
        }
    }
    return multi > invalid;
}

const char *zj_encoding_guess(const char *in, size_t n)
{
    const unsigned char *s = (const unsigned char *)in;
    if (n >= 2 && s[0] == 0xFF && s[1] == 0xFE)
        return "UTF-16LE (byte-order mark FF FE): pass --encoding utf-16";
    if (n >= 2 && s[0] == 0xFE && s[1] == 0xFF)
        return "UTF-16BE (byte-order mark FE FF): pass --encoding utf-16";
    if (zj_encoding_looks_gb18030(in, n))
        return "GB18030/GBK (a Chinese Windows export?): pass --encoding gb18030";
    return NULL;
}

bool zj_encoding_looks_gb18030(const char *in, size_t n)
{
    const unsigned char *s = (const unsigned char *)in;
    return plausible_gb18030(s, n) && !mostly_utf8(s, n);
}

/* The offset of the first byte of in[skip..n) that is not UTF-8 (n when
 * none) and its line. */
static size_t first_invalid(const char *in, size_t n, size_t skip, long *line)
{
    *line = 1;
    size_t i = skip;
    while (i < n) {
        uint32_t cp;
        size_t k = zj_utf8_decode((const unsigned char *)in + i, n - i, &cp);
        if (k == 0)
            break;
        *line += cp == '\n';
        i += k;
    }
    return i;
}

/* The error for text that is UTF-8 but for a few bytes: reported at the
 * first, never converted from encoding (NULL: none named). in starts at
 * line base_line and byte base_offset of path. */
static zj_status damaged_utf8(const char *path, const char *encoding, const char *in, size_t n,
                              size_t skip, long base_line, uint64_t base_offset, zj_error *err)
{
    long line;
    size_t i = first_invalid(in, n, skip, &line);
    return zj_error_set(err, ZJ_ERR_UTF8, path, base_line + line - 1, 0,
                        "invalid UTF-8 (byte 0x%02X at offset %llu) in text that is otherwise "
                        "UTF-8 (a damaged file?)%s%.64s",
                        i < n ? (unsigned char)in[i] : 0, (unsigned long long)(base_offset + i),
                        encoding ? "; not converted from " : "", encoding ? encoding : "");
}

zj_status zj_encoding_line_utf8(const char *path, const char *encoding, const char *in, size_t n,
                                long line, uint64_t offset, char **out, size_t *out_n,
                                zj_error *err)
{
    *out = NULL;
    if (mostly_utf8((const unsigned char *)in, n))
        return damaged_utf8(path, encoding, in, n, 0, line, offset, err);
    return convert(encoding, in, n, out, out_n, path, line, offset, err);
}

zj_status zj_encoding_utf8(const char *path, const char *encoding, const char *in, size_t n,
                           char **out, size_t *out_n, zj_error *err)
{
    *out = NULL;
    size_t skip = n >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    const unsigned char *u = (const unsigned char *)in;
    bool named = zj_encoding_named(encoding);
    bool wide = zj_encoding_wide(encoding);
    bool bom16 = n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF));
    /* With an encoding named, a file that starts with a UTF-16 byte-order
     * mark is UTF-16 whatever the name (a GB18030 spreadsheet and a UTF-16
     * transcript in one run); the mark says the byte order. A UTF-32 name
     * is kept: its little-endian mark starts like UTF-16's. */
    if (named && bom16)
        return zj_encoding_to_utf8(strncasecmp(encoding, "utf-32", 6) == 0 ||
                                           strncasecmp(encoding, "utf32", 5) == 0 ||
                                           strncasecmp(encoding, "ucs-4", 5) == 0
                                       ? encoding
                                       : "UTF-16",
                                   in, n, out, out_n, path, err);
    /* Otherwise a named encoding applies to the files that are not UTF-8: a
     * batch mixes UTF-8 ASR results with a spreadsheet export, and Chinese
     * text in GB18030 is never valid UTF-8. UTF-16 or UTF-32 without a mark
     * can be valid UTF-8 byte by byte (ASCII with a NUL beside each
     * character), which UTF-8 text never has: a NUL byte makes it UTF-16.
     * A file that is UTF-8 but for a few bytes is damaged, not in another
     * encoding: reported at its first bad byte, never converted to mojibake
     * and scored. */
    bool valid = zj_utf8_valid(in + skip, n - skip);
    if (!valid) {
        long line;
        size_t i = first_invalid(in, n, skip, &line);
        /* A lead byte whose sequence the end of the file cuts short. */
        unsigned char lead = (unsigned char)in[i];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
        bool cut = need && n - i < need;
        for (size_t k = i + 1; cut && k < n; k++)
            cut = ((unsigned char)in[k] & 0xC0) == 0x80;
        bool damaged = !(wide && memchr(in, '\0', n)) &&
                       mostly_utf8((const unsigned char *)in + skip, n - skip);
        if (cut && (!named || damaged))
            return zj_error_set(err, ZJ_ERR_UTF8, path, line, 0,
                                "the file ends inside a UTF-8 character (truncated?)");
        if (damaged)
            return damaged_utf8(path, named ? encoding : NULL, in, n, skip, 1, 0, err);
        if (named)
            return zj_encoding_to_utf8(encoding, in, n, out, out_n, path, err);
        const char *guess = zj_encoding_guess(in, n);
        if (guess)
            return zj_error_set(err, ZJ_ERR_UTF8, path, line, 0,
                                "not UTF-8; the bytes look like %s", guess);
        return zj_error_set(err, ZJ_ERR_UTF8, path, line, 0,
                            "invalid UTF-8 (byte 0x%02X at offset %zu); name the encoding with "
                            "--encoding",
                            (unsigned char)in[i], i);
    }
    if (named && wide && memchr(in, '\0', n))
        return zj_encoding_to_utf8(encoding, in, n, out, out_n, path, err);
    char *buf = malloc(n - skip + 1);
    if (!buf)
        return zj_error_set(err, ZJ_ERR_NOMEM, path, 0, 0, "out of memory");
    memcpy(buf, in + skip, n - skip);
    buf[n - skip] = '\0';
    *out = buf;
    *out_n = n - skip;
    return ZJ_OK;
}

zj_status zj_encoding_read_file(const char *path, const char *encoding, size_t max, char **out,
                                size_t *out_n, zj_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "%s", strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    zj_status st = ZJ_OK;
    while (buf) {
        if (len == cap) {
            if (cap >= max) {
                st = zj_error_set(err, ZJ_ERR_LIMIT, path, 0, 0, "file exceeds the %zu MiB limit",
                                  max >> 20);
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        ssize_t k = read(fd, buf + len, cap - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            st = zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "read error: %s", strerror(errno));
            break;
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
    close(fd);
    if (!buf)
        return zj_error_set(err, ZJ_ERR_NOMEM, path, 0, 0, "out of memory");
    if (st == ZJ_OK)
        st = zj_encoding_utf8(path, encoding, buf, len, out, out_n, err);
    free(buf);
    return st;
}
