/* reader.c — yields the calls of one input (JSONL, a .json document, or
 * standard input) with exact line numbers and byte offsets, and expands
 * input paths (directories) into files. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK (1u << 20)
#define MAX_DOCUMENT (256u << 20) /* a .json document read whole */

static size_t max_line = ZJ_MAX_LINE;

void zj_reader_set_max_line(size_t bytes)
{
    max_line = bytes ? bytes : ZJ_MAX_LINE;
}

enum reader_mode { MODE_LINES, MODE_DOCUMENT, MODE_CALLS };

struct zj_reader {
    char *path;
    int fd;
    bool is_stdin;
    enum reader_mode mode;
    uint64_t size;
    /* buf[pos..end) is unread data (buf = block->data, cap = block->cap);
     * buf_offset is the byte offset of buf[0] in the input. */
    char *buf;
    size_t cap, pos, end;
    uint64_t buf_offset;
    bool eof;
    long line;     /* lines consumed so far */
    bool skipping; /* inside an over-long line */
    long skip_line;
    /* Document mode. */
    json_t *doc;
    long *doc_lines; /* the line each element of an array document starts at */
    size_t doc_index;
    bool doc_done;
    /* For the "empty input" report. */
    bool produced;
    bool empty_reported;
    zj_line_block *block; /* the read buffer; records point into it */
    /* Lines mode: the encoding a line that is not UTF-8 is converted from
     * (--encoding; NULL when none, or UTF-16/32, read whole instead). */
    char *line_encoding;
    /* Calls mode: what an input format adapter made of the whole file. */
    zj_ingest_out ingested;
    size_t ingested_next;
};

/* The input is read straight into reference-counted blocks and each record
 * points into its block (no copy, no allocation per line); each record holds
 * a reference, and the reader one on its current block. */
#define LINE_BLOCK (256u << 10)
struct zj_line_block {
    int refs; /* atomic */
    size_t cap;
    char data[];
};

static void block_release(zj_line_block *b)
{
    if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
        free(b);
}

void zj_raw_release(zj_raw *raw)
{
    zj_call_free(raw->call);
    raw->call = NULL;
    if (raw->block)
        block_release(raw->block);
    else
        free(raw->data);
    raw->block = NULL;
    raw->data = NULL;
}

/* An extension in any case: Windows exports write REC001.JSON. */
static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* Reads more input after the unread data. The unread data moves to the start
 * of the block, or to a new block while records still point into this one;
 * a block too small for a long line grows geometrically. One byte is always
 * left free so the last line can be NUL-terminated in place. */
static zj_status fill(zj_reader *r, zj_error *err)
{
    size_t keep = r->end - r->pos;
    r->buf_offset += r->pos;
    size_t need = keep + READ_CHUNK + 1;
    bool shared = r->block && __atomic_load_n(&r->block->refs, __ATOMIC_ACQUIRE) > 1;
    if (!r->block || shared) {
        size_t cap = LINE_BLOCK;
        while (cap < need)
            cap *= 2;
        zj_line_block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return zj_error_set(err, ZJ_ERR_NOMEM, r->path, 0, 0, "out of memory");
        nb->refs = 1;
        nb->cap = cap;
        if (keep)
            memcpy(nb->data, r->buf + r->pos, keep);
        block_release(r->block);
        r->block = nb;
    } else {
        if (keep && r->pos)
            memmove(r->block->data, r->block->data + r->pos, keep);
        if (r->block->cap < need) {
            size_t cap = r->block->cap;
            while (cap < need)
                cap *= 2;
            zj_line_block *nb = realloc(r->block, sizeof *nb + cap);
            if (!nb)
                return zj_error_set(err, ZJ_ERR_NOMEM, r->path, 0, 0, "out of memory");
            nb->cap = cap;
            r->block = nb;
        }
    }
    r->buf = r->block->data;
    r->cap = r->block->cap;
    r->end = keep;
    r->pos = 0;
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r->eof = true;
            return zj_error_set(err, ZJ_ERR_IO, r->path, 0, 0, "read error: %s", strerror(errno));
        }
        if (n == 0)
            r->eof = true;
        r->end += (size_t)n;
        return ZJ_OK;
    }
}

/* Skips the start of the input up to offset, counting lines. */
static zj_status seek_lines(zj_reader *r, uint64_t offset, zj_error *err)
{
    for (;;) {
        uint64_t have = r->buf_offset + r->end;
        size_t limit = (size_t)((have < offset ? have : offset) - r->buf_offset);
        for (const char *p = r->buf + r->pos;
             p < r->buf + limit && (p = memchr(p, '\n', (size_t)(r->buf + limit - p))); p++)
            r->line++;
        if (have >= offset || r->eof) {
            r->pos = limit;
            return ZJ_OK;
        }
        r->pos = r->end;
        zj_status st = fill(r, err);
        if (st != ZJ_OK)
            return st;
    }
}

static zj_status read_whole(zj_reader *r, zj_error *err)
{
    while (!r->eof) {
        if (r->end > MAX_DOCUMENT)
            return zj_error_set(err, ZJ_ERR_LIMIT, r->path, 0, 0,
                                "JSON document exceeds the 256 MiB limit (use JSONL)");
        zj_status st = fill(r, err);
        if (st != ZJ_OK)
            return st;
    }
    return ZJ_OK;
}

/* A .json file is one document (an object or an array of objects) unless its
 * first non-blank line is a complete JSON object: then it is JSONL. An array
 * is a document even on one line, as json.dump writes it. */
static bool looks_like_jsonl(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    if (i < n && s[i] == '[')
        return false;
    const char *nl = memchr(s + i, '\n', n - i);
    size_t line_end = nl ? (size_t)(nl - s) : n;
    if (line_end == n)
        return true; /* a single line: lines mode handles it the same */
    json_error_t jerr;
    json_t *v = json_loadb(s + i, line_end - i, 0, &jerr);
    if (!v)
        return false;
    json_decref(v);
    return true;
}

static zj_status open_ingest(zj_reader *r, const zj_ingest_opts *opts, bool whole_read,
                             zj_error *err);
static bool sniff_native(zj_reader *r, const zj_ingest_opts *opts, zj_error *err);
static zj_status ingest_error(zj_reader *r, const zj_error *e);

/* The whole buffer is one JSON value (a document or a single line). */
static bool valid_json(const char *s, size_t n)
{
    size_t skip = n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    json_error_t jerr;
    json_t *v = json_loadb(s + skip, n - skip, 0, &jerr);
    json_decref(v);
    return v != NULL;
}

/* A UTF-16 byte-order mark (FF FE, FE FF): the file is UTF-16 text whatever
 * its extension, so it takes the path every other format's file takes
 * through zj_encoding_utf8 (converted with --encoding, else refused with
 * what it looks like), not the native reader's "invalid UTF-8". */
static bool utf16_bom(const char *s, size_t n)
{
    return n >= 2 && (((unsigned char)s[0] == 0xFF && (unsigned char)s[1] == 0xFE) ||
                      ((unsigned char)s[0] == 0xFE && (unsigned char)s[1] == 0xFF));
}

zj_reader *zj_reader_open(const char *path, uint64_t start_offset, zj_error *err)
{
    return zj_reader_open_opts(path, start_offset, NULL, err);
}

zj_reader *zj_reader_open_opts(const char *path, uint64_t start_offset, const zj_ingest_opts *opts,
                               zj_error *err)
{
    zj_reader *r = calloc(1, sizeof *r);
    if (!r) {
        zj_error_set(err, ZJ_ERR_NOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    r->path = zj_strdup(path);
    r->is_stdin = strcmp(path, "-") == 0;
    if (r->is_stdin) {
        if (start_offset > 0) {
            zj_error_set(err, ZJ_ERR_USAGE, "-", 0, 0, "cannot resume standard input");
            goto fail;
        }
        r->fd = STDIN_FILENO;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "%s", strerror(errno));
            goto fail;
        }
        struct stat sb;
        if (fstat(r->fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            zj_error_set(err, ZJ_ERR_IO, path, 0, 0, "is a directory");
            close(r->fd);
            goto fail;
        }
        if (fstat(r->fd, &sb) == 0 && S_ISREG(sb.st_mode))
            r->size = (uint64_t)sb.st_size;
        posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    r->mode = MODE_LINES;
    /* Input formats: native .jsonl (and stdin) streams unless a format or an
     * encoding is named; a .json file is read whole as before and its format
     * detected from that; any other file is sniffed from its first block. */
    const char *forced =
        opts && opts->format && strcmp(opts->format, "auto") != 0 ? opts->format : NULL;
    bool native_forced = forced && strcmp(forced, "native") == 0;
    if (opts && forced && !native_forced) {
        if (open_ingest(r, opts, false, err) != ZJ_OK)
            goto fail_fd;
    } else if (opts && !forced && !r->is_stdin && !has_suffix(path, ".json") &&
               !has_suffix(path, ".jsonl")) {
        if (!sniff_native(r, opts, err))
            goto fail_fd;
    } else if (opts && (r->is_stdin || has_suffix(path, ".jsonl"))) {
        /* JSON lines stream, a line that is not UTF-8 converted from a named
         * encoding on its own; UTF-16 (a byte-order mark, or NUL bytes under
         * a UTF-16 or UTF-32 --encoding) has two-byte newlines and is read
         * whole by the encoding path instead, as any other file is. */
        while (!r->eof && r->end < 2)
            if (fill(r, err) != ZJ_OK)
                goto fail_fd;
        bool wide = zj_encoding_wide(opts->encoding) && memchr(r->buf, '\0', r->end);
        if ((utf16_bom(r->buf, r->end) || wide) && open_ingest(r, opts, false, err) != ZJ_OK)
            goto fail_fd;
        if (r->mode == MODE_LINES && zj_encoding_named(opts->encoding) &&
            !zj_encoding_wide(opts->encoding) && !(r->line_encoding = zj_strdup(opts->encoding))) {
            zj_error_set(err, ZJ_ERR_NOMEM, path, 0, 0, "out of memory");
            goto fail_fd;
        }
    } else if (!r->is_stdin && has_suffix(path, ".json")) {
        zj_status st = read_whole(r, err);
        if (st != ZJ_OK)
            goto fail_fd;
        const zj_ingest_ops *ops = NULL;
        zj_error derr;
        zj_error_clear(&derr);
        r->buf[r->end] = '\0'; /* fill always leaves this byte free */
        if (opts && !forced)
            ops = zj_ingest_detect(r->buf, r->end, path, &derr);
        size_t bom8 = r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        if (opts && (utf16_bom(r->buf, r->end) || !zj_utf8_valid(r->buf + bom8, r->end - bom8) ||
                     (opts->encoding && memchr(r->buf, '\0', r->end)))) {
            /* Not UTF-8 (UTF-16, GB18030, cut inside a character): the
             * encoding path converts it or says what it looks like. */
            if (open_ingest(r, opts, true, err) != ZJ_OK)
                goto fail_fd;
        } else if (ops && strcmp(ops->name, "native") != 0) {
            if (open_ingest(r, opts, true, err) != ZJ_OK)
                goto fail_fd;
        } else if (opts && !forced && !ops && valid_json(r->buf, r->end)) {
            /* Well-formed JSON that no format recognizes (or two do): say so
             * rather than what native JSON would miss. Broken JSON goes on to
             * the native reader, whose message points at the syntax error. */
            if (ingest_error(r, &derr) != ZJ_OK)
                goto fail_fd;
        } else if (!looks_like_jsonl(r->buf, r->end)) {
            r->mode = MODE_DOCUMENT;
        }
    }
    if (start_offset > 0) {
        if (r->mode == MODE_DOCUMENT || r->mode == MODE_CALLS) {
            r->doc_done = start_offset >= r->size;
            r->produced = true;
        } else if (seek_lines(r, start_offset, err) != ZJ_OK) {
            goto fail_fd;
        } else {
            r->produced = true; /* resumed inputs are not "empty" */
        }
    }
    return r;
fail_fd:
    if (!r->is_stdin)
        close(r->fd);
fail:
    free(r->path);
    free(r->line_encoding);
    block_release(r->block);
    free(r);
    return NULL;
}

uint64_t zj_reader_size(const zj_reader *r)
{
    return r->size;
}

uint64_t zj_reader_offset(const zj_reader *r)
{
    if (r->mode == MODE_DOCUMENT || r->mode == MODE_CALLS)
        return r->doc_done ? r->size : 0;
    return r->buf_offset + r->pos;
}

void zj_reader_close(zj_reader *r)
{
    if (!r)
        return;
    if (!r->is_stdin && r->fd >= 0)
        close(r->fd);
    if (r->doc)
        json_decref(r->doc);
    free(r->doc_lines);
    zj_ingest_out_free(&r->ingested);
    block_release(r->block);
    free(r->line_encoding);
    free(r->path);
    free(r);
}

static zj_status empty_or_done(zj_reader *r, zj_error *err)
{
    if (!r->produced && !r->empty_reported) {
        r->empty_reported = true;
        return zj_error_set(err, ZJ_ERR_PARSE, r->path, 0, 0, "empty input: no calls");
    }
    return ZJ_DONE;
}

static zj_status next_document(zj_reader *r, zj_call **out, zj_error *err)
{
    if (!r->doc && !r->doc_done) {
        json_error_t jerr;
        size_t skip = r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        r->doc = json_loadb(r->buf + skip, r->end - skip, JSON_REJECT_DUPLICATES, &jerr);
        if (!r->doc) {
            r->doc_done = true;
            r->produced = true;
            zj_json_error(err, &jerr, r->buf, r->end, r->path, 1);
            return err ? err->status : ZJ_ERR_PARSE;
        }
        if (json_is_array(r->doc) && json_array_size(r->doc) > 0) {
            size_t count = json_array_size(r->doc);
            r->doc_lines = malloc(count * sizeof *r->doc_lines);
            if (!r->doc_lines) {
                r->doc_done = true;
                r->produced = true;
                return zj_error_set(err, ZJ_ERR_NOMEM, r->path, 0, 0, "out of memory");
            }
            zj_json_array_lines(r->buf, r->end, r->doc_lines, count);
        }
    }
    if (r->doc_done)
        return empty_or_done(r, err);
    json_t *item = r->doc;
    size_t count = 1;
    if (json_is_array(r->doc)) {
        count = json_array_size(r->doc);
        item = json_array_get(r->doc, r->doc_index);
    }
    if (r->doc_index >= count) {
        r->doc_done = true;
        return empty_or_done(r, err);
    }
    long line = r->doc_lines ? r->doc_lines[r->doc_index] : 1;
    r->doc_index++;
    r->produced = true;
    if (r->doc_index == count)
        r->doc_done = true;
    zj_call *call = zj_call_from_json(item, r->path, line, err);
    if (!call)
        return err ? err->status : ZJ_ERR_INVALID;
    call->offset = 0;
    call->end_offset = r->doc_done ? r->size : 0;
    *out = call;
    return ZJ_OK;
}

/* ------------------------------------------------------------ input formats */

/* The default call id of a one-call-per-file format: the file name without
 * its extension. */
static void default_call_id(const char *path, char *buf, size_t size)
{
    if (strcmp(path, "-") == 0) {
        snprintf(buf, size, "stdin");
        return;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (n >= size)
        n = size - 1;
    memcpy(buf, base, n);
    buf[n] = '\0';
}

/* Reads the rest of the input, converts it to UTF-8 and hands it to its
 * format's adapter; the reader then yields the adapter's calls and errors. A
 * failure to read the file at all is returned; a file the adapters refuse
 * becomes one error record. */
static zj_status open_ingest(zj_reader *r, const zj_ingest_opts *opts, bool whole_read,
                             zj_error *err)
{
    if (!whole_read) {
        zj_status st = read_whole(r, err);
        if (st != ZJ_OK)
            return st;
    }
    r->mode = MODE_CALLS;
    char id[256];
    default_call_id(r->path, id, sizeof id);
    r->ingested.source = r->path;
    r->ingested.default_id = id;
    char *text = NULL;
    size_t len = 0;
    zj_error e;
    zj_error_clear(&e);
    const zj_ingest_ops *ops = NULL;
    if (zj_encoding_utf8(r->path, opts ? opts->encoding : NULL, r->buf, r->end, &text, &len, &e) ==
        ZJ_OK) {
        const char *forced =
            opts && opts->format && strcmp(opts->format, "auto") != 0 ? opts->format : NULL;
        ops = forced ? zj_ingest_find(forced) : zj_ingest_detect(text, len, r->path, &e);
        if (forced && !ops)
            zj_error_set(&e, ZJ_ERR_USAGE, r->path, 0, 0, "unknown input format '%.64s'", forced);
    }
    if (ops)
        zj_ingest_parse(ops, text, len, &r->ingested);
    else
        zj_ingest_push_error(&r->ingested, &e);
    free(text);
    r->ingested.default_id = NULL;
    /* The raw bytes are no longer needed. */
    block_release(r->block);
    r->block = NULL;
    r->buf = NULL;
    r->pos = r->end = r->cap = 0;
    if (r->ingested.nomem)
        return zj_error_set(err, ZJ_ERR_NOMEM, r->path, 0, 0, "out of memory");
    return ZJ_OK;
}

/* The input yields one error record, e (the format could not be decided). */
static zj_status ingest_error(zj_reader *r, const zj_error *e)
{
    r->mode = MODE_CALLS;
    r->ingested.source = r->path;
    zj_ingest_push_error(&r->ingested, e);
    block_release(r->block);
    r->block = NULL;
    r->buf = NULL;
    r->pos = r->end = r->cap = 0;
    return r->ingested.nomem ? ZJ_ERR_NOMEM : ZJ_OK;
}

/* A file of another extension: the first block decides. Native JSON lines
 * stream on from that block as any .jsonl does; anything else is read whole
 * by its adapter. */
static bool sniff_native(zj_reader *r, const zj_ingest_opts *opts, zj_error *err)
{
    while (!r->eof && r->end < READ_CHUNK)
        if (fill(r, err) != ZJ_OK)
            return false;
    size_t skip = r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    /* Leave out a character cut at the end of the block. */
    size_t n = r->end - skip;
    size_t check = r->eof || n < 4 ? n : n - 3;
    if (zj_utf8_valid(r->buf + skip, check)) {
        char saved = r->buf[r->end];
        r->buf[r->end] = '\0';
        zj_error derr;
        const zj_ingest_ops *ops = zj_ingest_detect(r->buf + skip, n, r->path, &derr);
        r->buf[r->end] = saved;
        if (ops && strcmp(ops->name, "native") == 0)
            return true;
    }
    return open_ingest(r, opts, false, err) == ZJ_OK;
}

static zj_status next_ingested(zj_reader *r, zj_call **out, zj_error *err)
{
    if (r->doc_done || r->ingested_next >= r->ingested.n) {
        r->doc_done = true;
        r->produced = r->produced || r->ingested.n > 0;
        return empty_or_done(r, err);
    }
    zj_ingest_item *it = &r->ingested.v[r->ingested_next++];
    r->produced = true;
    if (r->ingested_next == r->ingested.n)
        r->doc_done = true;
    if (it->error) {
        if (err)
            *err = *it->error;
        return it->error->status != ZJ_OK ? it->error->status : ZJ_ERR_PARSE;
    }
    zj_call *call = it->call;
    it->call = NULL;
    call->offset = 0;
    call->end_offset = r->doc_done ? r->size : 0;
    *out = call;
    return ZJ_OK;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

zj_status zj_reader_next_raw(zj_reader *r, zj_raw *out, zj_error *err)
{
    memset(out, 0, sizeof *out);
    if (r->mode == MODE_DOCUMENT)
        return next_document(r, &out->call, err);
    if (r->mode == MODE_CALLS)
        return next_ingested(r, &out->call, err);
    for (;;) {
        char *start = r->buf + r->pos;
        char *nl = r->pos < r->end ? memchr(start, '\n', r->end - r->pos) : NULL;
        if (!nl && !r->eof) {
            if (r->end - r->pos > max_line) {
                /* Over-long line: drop what we have and keep skipping. */
                if (!r->skipping) {
                    r->skipping = true;
                    r->skip_line = r->line + 1;
                }
                r->pos = r->end;
            }
            zj_status st = fill(r, err);
            if (st != ZJ_OK)
                return st;
            continue;
        }
        if (!nl && r->pos == r->end) {
            if (r->skipping) {
                r->skipping = false;
                r->line++;
                r->produced = true;
                return zj_error_set(err, ZJ_ERR_LIMIT, r->path, r->skip_line, 0,
                                    "line exceeds the %zu MiB limit", max_line >> 20);
            }
            return empty_or_done(r, err);
        }
        size_t len = nl ? (size_t)(nl - start) : r->end - r->pos;
        uint64_t offset = r->buf_offset + r->pos;
        r->pos += len + (nl ? 1 : 0);
        r->line++;
        if (r->skipping || len > max_line) {
            long line = r->skipping ? r->skip_line : r->line;
            r->skipping = false;
            r->produced = true;
            return zj_error_set(err, ZJ_ERR_LIMIT, r->path, line, 0,
                                "line exceeds the %zu MiB limit", max_line >> 20);
        }
        if (offset == 0 && len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
            start += 3;
            len -= 3;
        }
        if (blank(start, len))
            continue;
        r->produced = true;
        start[len] = '\0'; /* the newline, or the byte fill keeps free */
        if (r->line_encoding && !zj_utf8_valid(start, len)) {
            char *text;
            size_t text_len;
            zj_status st = zj_encoding_line_utf8(r->path, r->line_encoding, start, len, r->line,
                                                 offset, &text, &text_len, err);
            if (st != ZJ_OK)
                return st;
            out->data = text; /* owned: freed by zj_raw_release */
            out->len = text_len;
        } else {
            __atomic_add_fetch(&r->block->refs, 1, __ATOMIC_RELAXED);
            out->block = r->block;
            out->data = start;
            out->len = len;
        }
        out->line = r->line;
        out->offset = offset;
        out->end_offset = r->buf_offset + r->pos;
        return ZJ_OK;
    }
}

zj_call *zj_raw_parse(zj_raw *raw, const char *source, zj_error *err)
{
    zj_call *call = raw->call;
    if (!call) {
        call = zj_call_parse_json(raw->data, raw->len, source, raw->line, err);
        if (call) {
            call->offset = raw->offset;
            call->end_offset = raw->end_offset;
        }
    }
    raw->call = NULL;
    zj_raw_release(raw);
    return call;
}

zj_status zj_reader_next(zj_reader *r, zj_call **out, zj_error *err)
{
    zj_raw raw;
    *out = NULL;
    zj_status st = zj_reader_next_raw(r, &raw, err);
    if (st != ZJ_OK)
        return st;
    *out = zj_raw_parse(&raw, r->path, err);
    if (!*out)
        return err ? err->status : ZJ_ERR_PARSE;
    return ZJ_OK;
}

/* ------------------------------------------------------------ expansion */

/* The input format whose extensions a directory walk picks (NULL: native
 * JSON only, as zj_inputs_expand always did). Set by zj_inputs_expand_format
 * for its own call only: thread-local, so concurrent expansions do not mix. */
static _Thread_local const char *walk_format;

static bool zj_ingest_walk_wants(const char *path, const char *format)
{
    if (!format)
        return has_suffix(path, ".json") || has_suffix(path, ".jsonl");
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return false;
    size_t k = strlen(dot);
    bool any = strcmp(format, "auto") == 0;
    for (size_t i = 0; zj_ingest_table[i]; i++) {
        const zj_ingest_ops *ops = zj_ingest_table[i];
        if (!any && strcmp(ops->name, format) != 0)
            continue;
        /* ".srt", ".json .jsonl": each in any case (REC001.SRT). */
        for (const char *p = ops->extensions; *p;) {
            size_t len = strcspn(p, " ");
            if (len == k && strncasecmp(p, dot, k) == 0)
                return true;
            p += len;
            p += *p == ' ';
        }
    }
    return false;
}

struct path_list {
    char **v;
    size_t n, cap;
};

static bool list_push(struct path_list *l, const char *path)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = zj_strdup(path);
    return l->v[l->n] ? (l->n++, true) : false; /* never a NULL entry */
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One walk of a command-line directory: the directories already read (by
 * device and inode, so a symlink loop or a second link to a directory is
 * read once) and where problems go. */
struct walk_ctx {
    struct path_list *out;
    struct {
        dev_t dev;
        ino_t ino;
    } * seen;
    size_t n_seen, cap_seen;
    zj_diag_cb on_error;
    void *ctx;
    zj_status result; /* last error, ZJ_OK when none */
    bool follow;      /* ZJ_WALK_FOLLOW_LINKS: read what symbolic links point to */
};

/* Reports an error (counted: the input it names is lost) or, with ZJ_OK, a
 * warning (nothing the user asked for is lost). */
static void walk_report(struct walk_ctx *w, zj_status st, const char *path, const char *fmt,
                        const char *detail)
{
    zj_error e;
    zj_error_clear(&e);
    zj_error_set(&e, st, path, 0, 0, fmt, detail);
    if (st != ZJ_OK)
        w->result = st;
    if (w->on_error)
        w->on_error(&e, w->ctx);
}

/* False when (dev, ino) was walked already; records it otherwise. */
static bool first_visit(struct walk_ctx *w, const struct stat *sb, bool *nomem)
{
    for (size_t i = 0; i < w->n_seen; i++)
        if (w->seen[i].dev == sb->st_dev && w->seen[i].ino == sb->st_ino)
            return false;
    if (w->n_seen == w->cap_seen) {
        size_t cap = w->cap_seen ? w->cap_seen * 2 : 16;
        void *v = realloc(w->seen, cap * sizeof *w->seen);
        if (!v) {
            *nomem = true;
            return false;
        }
        w->seen = v;
        w->cap_seen = cap;
    }
    w->seen[w->n_seen].dev = sb->st_dev;
    w->seen[w->n_seen++].ino = sb->st_ino;
    return true;
}

/* A file name the walk takes as an input of the format being read. */
static bool is_input_name(const char *path)
{
    return zj_ingest_walk_wants(path, walk_format);
}

/* Walks dir (already recorded as seen): *.json / *.jsonl regular files in
 * path order, subdirectories recursively. Each problem is reported and the
 * walk goes on; only running out of memory stops it. */
static zj_status walk(struct walk_ctx *w, const char *dir, int depth)
{
    if (depth > 64) {
        walk_report(w, ZJ_ERR_LIMIT, dir, "%s", "directories nested too deeply");
        return ZJ_OK;
    }
    DIR *d = opendir(dir);
    if (!d) {
        walk_report(w, ZJ_ERR_IO, dir, "%s", strerror(errno));
        return ZJ_OK;
    }
    struct path_list here = {0};
    zj_status st = ZJ_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *full = malloc(n);
        if (!full) {
            st = ZJ_ERR_NOMEM;
            break;
        }
        snprintf(full, n, "%s%s%s", dir, has_suffix(dir, "/") ? "" : "/", e->d_name);
        if (!list_push(&here, full))
            st = ZJ_ERR_NOMEM;
        free(full);
    }
    closedir(d);
    if (here.n)
        qsort(here.v, here.n, sizeof *here.v, cmp_str);
    for (size_t i = 0; i < here.n; i++) {
        const char *path = here.v[i];
        struct stat sb, lsb;
        if (st != ZJ_OK) {
            /* out of memory: only free what is left */
        } else if (!w->follow && lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode)) {
            /* A link planted in a shared recordings folder can point at any
             * file the user may read, or at another month's folder that
             * would then be scored twice: only a link named on the command
             * line, or --follow, is read. */
            if (is_input_name(path) || (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)))
                walk_report(w, ZJ_OK, path, "%s",
                            "a symbolic link; skipped (--follow reads what it points to)");
        } else if (stat(path, &sb) != 0) {
            bool link = lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode);
            if (link && errno == ENOENT) {
                if (is_input_name(path))
                    walk_report(w, ZJ_ERR_IO, path, "%s",
                                "no such file (a symbolic link to a missing file)");
            } else if (link || is_input_name(path)) {
                walk_report(w, ZJ_ERR_IO, path, "%s", strerror(errno));
            }
        } else if (S_ISDIR(sb.st_mode)) {
            bool nomem = false;
            if (first_visit(w, &sb, &nomem))
                st = walk(w, path, depth + 1);
            else if (nomem)
                st = ZJ_ERR_NOMEM;
            else
                walk_report(w, ZJ_OK, path, "%s",
                            "directory already read (a symbolic link loop or a second link "
                            "to it); skipped");
        } else if (!is_input_name(path)) {
            /* not an input */
        } else if (!S_ISREG(sb.st_mode)) {
            /* A FIFO or device would block or never end: only read when
             * named on the command line. */
            walk_report(w, ZJ_OK, path, "%s", "not a regular file; skipped");
        } else if (!list_push(w->out, path)) {
            st = ZJ_ERR_NOMEM;
        }
        free(here.v[i]);
    }
    free(here.v);
    return st;
}

static zj_status expand(const char *const *inputs, size_t n, unsigned flags, char ***out_paths,
                        size_t *out_n, zj_diag_cb on_error, void *ctx)
{
    zj_error errbuf, *err = &errbuf;
    zj_error_clear(err);
    struct path_list l = {0};
    zj_status result = ZJ_OK;
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (strcmp(inputs[i], "-") == 0) {
            if (!list_push(&l, "-"))
                result = ZJ_ERR_NOMEM; /* reported below */
        } else if (stat(inputs[i], &sb) != 0) {
            result = zj_error_set(err, ZJ_ERR_IO, inputs[i], 0, 0, "%s", strerror(errno));
            if (on_error)
                on_error(err, ctx);
        } else if (S_ISDIR(sb.st_mode)) {
            struct walk_ctx w = {.out = &l,
                                 .on_error = on_error,
                                 .ctx = ctx,
                                 .follow = (flags & ZJ_WALK_FOLLOW_LINKS) != 0};
            bool nomem = false;
            first_visit(&w, &sb, &nomem);
            zj_status st = nomem ? ZJ_ERR_NOMEM : walk(&w, inputs[i], 0);
            free(w.seen);
            if (st != ZJ_OK) {
                result = zj_error_set(err, st, inputs[i], 0, 0, "%s", zj_strerror(st));
                if (on_error)
                    on_error(err, ctx);
            } else if (w.result != ZJ_OK) {
                result = w.result;
            }
        } else if (!list_push(&l, inputs[i])) {
            result = ZJ_ERR_NOMEM;
        }
        if (result == ZJ_ERR_NOMEM && on_error && err->status != ZJ_ERR_NOMEM) {
            /* An input left out for want of memory is said, not dropped. */
            zj_error_set(err, ZJ_ERR_NOMEM, inputs[i], 0, 0, "out of memory");
            on_error(err, ctx);
        }
    }
    *out_paths = l.v;
    *out_n = l.n;
    return result;
}

zj_status zj_inputs_expand(const char *const *inputs, size_t n, char ***out_paths, size_t *out_n,
                           zj_diag_cb on_error, void *ctx)
{
    return expand(inputs, n, 0, out_paths, out_n, on_error, ctx);
}

void zj_paths_free(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

zj_status zj_inputs_expand_format(const char *const *inputs, size_t n, const char *format,
                                  unsigned flags, char ***out_paths, size_t *out_n,
                                  zj_diag_cb on_error, void *ctx)
{
    walk_format = format ? format : "auto";
    zj_status st = expand(inputs, n, flags, out_paths, out_n, on_error, ctx);
    walk_format = NULL;
    return st;
}
