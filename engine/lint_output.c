/* lint_output.c — lint findings as text, JSON, SARIF 2.1.0, JUnit XML and
 * GitHub workflow annotations. */
#include "internal.h"

#include <string.h>

static const char *sarif_level(zj_severity s)
{
    return s >= ZJ_SEV_MAJOR ? "error" : s == ZJ_SEV_MINOR ? "warning" : "note";
}

static void json_str(zj_buf *b, const char *s)
{
    zj_buf_json_str(b, s ? s : "", s ? strlen(s) : 0);
}

/* The character at s (its first byte >= 0x80, n bytes left) into b: as it
 * is, or as the terminal shows it when it is a bidi or C1 control or a byte
 * that is not UTF-8 (\u202e, \x80). Returns the bytes it took. */
static size_t non_ascii(zj_buf *b, const char *s, size_t n)
{
    char esc[ZJ_ESC_MAX];
    size_t k;
    size_t len = zj_escape_cp(s, n, ZJ_ESC_KEEP_SPACE, &k, esc);
    zj_buf_append(b, len ? esc : s, len ? len : k);
    return k;
}

/* JUnit text is XML: HTML's escaping serves, control characters and bidi
 * controls included (written \x1b, \u202e as the terminal shows them). */
static void xml_escape(zj_buf *b, const char *s)
{
    zj_html_escape(b, s);
}

/* A path as a SARIF artifactLocation uri, a JSON string: a URI reference
 * (RFC 3986), so every byte but the unreserved characters and '/' is
 * percent-encoded — 开场白.txt, a '%' or a ':' in a first segment (read as
 * a scheme) would otherwise point code scanning at another file or none. */
static void uri_str(zj_buf *b, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    zj_buf uri;
    zj_buf_init(&uri);
    for (const unsigned char *p = (const unsigned char *)(path ? path : ""); *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p)) {
            zj_buf_append(&uri, (const char *)p, 1);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            zj_buf_append(&uri, esc, 3);
        }
    }
    if (uri.failed)
        b->failed = true;
    zj_buf_json_str(b, uri.data ? uri.data : "", uri.len);
    zj_buf_free(&uri);
}

/* GitHub annotation property values: %, CR, LF, ':' and ',' escaped. Other
 * control characters (an ESC from a rule title or a template) are written
 * as %XX too: the runner leaves them as text rather than let a raw escape
 * sequence reach the log, which renders ANSI sequences. A bidi control is
 * written \u202e (non_ascii): as %E2%80%AE the runner would decode it
 * and the annotation read reordered. */
static void gh_escape(zj_buf *b, const char *s, bool property)
{
    const char *end = s ? s + strlen(s) : NULL;
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x80)
            s += non_ascii(b, s, (size_t)(end - s)) - 1;
        else if (c == '%')
            zj_buf_puts(b, "%25");
        else if (property && c == ':')
            zj_buf_puts(b, "%3A");
        else if (property && c == ',')
            zj_buf_puts(b, "%2C");
        else if (c < 0x20 || c == 0x7f)
            zj_buf_printf(b, "%%%02X", c);
        else
            zj_buf_append(b, s, 1);
    }
}

static void render_text(const zj_lint_report *r, zj_buf *b)
{
    for (size_t i = 0; i < r->n; i++) {
        const zj_lint_finding *f = &r->v[i];
        /* File names, quoted words and clauses come from outside: shown
         * escaped (zj_buf_term), never acting on the terminal. */
        zj_buf_term_str(b, f->file);
        zj_buf_printf(b, ":%ld:%ld: %s ", f->line, f->col, zj_severity_name(f->severity));
        zj_buf_term_str(b, f->rule);
        zj_buf_puts(b, " ");
        zj_buf_term_str(b, f->message);
        if (f->clause) {
            zj_buf_puts(b, " (");
            zj_buf_term_str(b, f->clause);
            zj_buf_puts(b, ")");
        }
        zj_buf_puts(b, "\n");
    }
}

static void render_json(const zj_lint_report *r, zj_buf *b)
{
    zj_buf_puts(b, "[");
    for (size_t i = 0; i < r->n; i++) {
        const zj_lint_finding *f = &r->v[i];
        zj_buf_puts(b, i ? ",\n{\"file\":" : "\n{\"file\":");
        json_str(b, f->file);
        zj_buf_printf(b, ",\"line\":%ld,\"column\":%ld,\"end_column\":%ld,\"rule\":", f->line,
                      f->col, f->end_col);
        json_str(b, f->rule);
        zj_buf_printf(b, ",\"severity\":\"%s\",\"message\":", zj_severity_name(f->severity));
        json_str(b, f->message);
        zj_buf_puts(b, ",\"words\":");
        if (f->words)
            json_str(b, f->words);
        else
            zj_buf_puts(b, "null");
        zj_buf_puts(b, ",\"clause\":");
        if (f->clause)
            json_str(b, f->clause);
        else
            zj_buf_puts(b, "null");
        zj_buf_puts(b, "}");
    }
    zj_buf_puts(b, r->n ? "\n]\n" : "]\n");
}

static void render_sarif(const zj_lint_report *r, const zj_ruleset *rs, zj_buf *b)
{
    zj_buf_printf(b,
                  "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
                  "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"zhijian\","
                  "\"version\":\"%s\","
                  "\"rules\":[",
                  ZJ_VERSION);
    for (size_t i = 0; rs && i < rs->n_rules; i++) {
        const zj_rule *rule = &rs->rules[i];
        zj_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        json_str(b, rule->id);
        zj_buf_puts(b, ",\"shortDescription\":{\"text\":");
        json_str(b, rule->title ? rule->title : rule->id);
        zj_buf_puts(b, "},\"properties\":{\"clause\":");
        json_str(b, rule->clause);
        zj_buf_printf(b, ",\"severity\":\"%s\"},\"defaultConfiguration\":{\"level\":\"%s\"}}",
                      zj_severity_name(rule->severity), sarif_level(rule->severity));
    }
    zj_buf_puts(b, "]}},\"columnKind\":\"unicodeCodePoints\",\"results\":[");
    for (size_t i = 0; i < r->n; i++) {
        const zj_lint_finding *f = &r->v[i];
        zj_buf_puts(b, i ? ",{\"ruleId\":" : "{\"ruleId\":");
        json_str(b, f->rule);
        zj_buf_printf(b, ",\"level\":\"%s\",\"message\":{\"text\":", sarif_level(f->severity));
        zj_buf msg;
        zj_buf_init(&msg);
        zj_buf_puts(&msg, f->message);
        if (f->clause)
            zj_buf_printf(&msg, " (%s)", f->clause);
        json_str(b, msg.data);
        zj_buf_free(&msg);
        zj_buf_puts(b, "},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
        uri_str(b, f->file);
        zj_buf_printf(b,
                      "},\"region\":{\"startLine\":%ld,\"startColumn\":%ld,\"endColumn\":%ld}}}]}",
                      f->line, f->col, f->end_col > f->col ? f->end_col : f->col + 1);
    }
    zj_buf_puts(b, "]}]}\n");
}

static void render_junit(const zj_lint_report *r, zj_buf *b)
{
    size_t failures = r->n;
    zj_buf_printf(b,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<testsuites name=\"zhijian lint\" tests=\"%zu\" failures=\"%zu\">\n"
                  "<testsuite name=\"zhijian lint\" tests=\"%zu\" failures=\"%zu\">\n",
                  r->files, failures, r->files, failures);
    for (size_t i = 0; i < r->files; i++) {
        const char *name = r->file_names[i];
        zj_buf_puts(b, "<testcase classname=\"zhijian.lint\" name=\"");
        xml_escape(b, name);
        zj_buf_puts(b, "\">");
        for (size_t k = 0; k < r->n; k++) {
            const zj_lint_finding *f = &r->v[k];
            if (strcmp(f->file, name))
                continue;
            zj_buf_puts(b, "\n  <failure type=\"");
            xml_escape(b, f->rule);
            zj_buf_puts(b, "\" message=\"");
            xml_escape(b, f->message);
            zj_buf_puts(b, "\">");
            xml_escape(b, f->file);
            zj_buf_printf(b, ":%ld:%ld: %s ", f->line, f->col, zj_severity_name(f->severity));
            xml_escape(b, f->rule);
            zj_buf_puts(b, " ");
            xml_escape(b, f->message);
            if (f->clause) {
                zj_buf_puts(b, " (");
                xml_escape(b, f->clause);
                zj_buf_puts(b, ")");
            }
            zj_buf_puts(b, "</failure>");
        }
        zj_buf_puts(b, "</testcase>\n");
    }
    zj_buf_puts(b, "</testsuite>\n</testsuites>\n");
}

static void render_github(const zj_lint_report *r, zj_buf *b)
{
    for (size_t i = 0; i < r->n; i++) {
        const zj_lint_finding *f = &r->v[i];
        zj_buf_printf(b, "::%s file=",
                      f->severity >= ZJ_SEV_MAJOR   ? "error"
                      : f->severity == ZJ_SEV_MINOR ? "warning"
                                                    : "notice");
        gh_escape(b, f->file, true);
        zj_buf_printf(b, ",line=%ld,col=%ld,endColumn=%ld,title=", f->line, f->col,
                      f->end_col > f->col ? f->end_col : f->col + 1);
        gh_escape(b, f->rule, true);
        zj_buf_puts(b, "::");
        gh_escape(b, f->message, false);
        if (f->clause) {
            zj_buf_puts(b, " (");
            gh_escape(b, f->clause, false);
            zj_buf_puts(b, ")");
        }
        zj_buf_puts(b, "\n");
    }
}

zj_status zj_lint_render(const zj_lint_report *r, const zj_ruleset *rs, zj_format format,
                         zj_buf *out)
{
    switch (format) {
    case ZJ_FMT_TEXT:
        render_text(r, out);
        break;
    case ZJ_FMT_JSON:
        render_json(r, out);
        break;
    case ZJ_FMT_SARIF:
        render_sarif(r, rs, out);
        break;
    case ZJ_FMT_JUNIT:
        render_junit(r, out);
        break;
    case ZJ_FMT_GITHUB:
        render_github(r, out);
        break;
    default:
        return ZJ_ERR_USAGE;
    }
    return out->failed ? ZJ_ERR_NOMEM : ZJ_OK;
}
