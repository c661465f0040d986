/* review_page.c — the bodies of the review web application's pages
 * (`zhijian serve`, docs/review.md): the saved samples, a sample's calls
 * with machine and final scores and its ISO 2859-1 decision, and a call's
 * transcript with its findings marked in place and the forms the viewer's
 * role allows. Every text is escaped; every form carries the session's
 * CSRF token and the rule set the page shows. The server adds the page
 * shell, login and routing. */
#include "review.h"

#include <stdlib.h>
#include <string.h>

size_t zj_rv_shown_cp(const char *s, size_t n, size_t *k, char shown[ZJ_ESC_MAX])
{
    if (s[0] == '\r') { /* what a browser makes of it */
        *k = 1;
        shown[0] = '\n';
        return n > 1 && s[1] == '\n' ? 0 : 1;
    }
    /* A control or bidi control is several shown code points for the one
     * stored: shown_text_of keeps the map from one to the other. */
    size_t len = zj_escape_cp(s, n, ZJ_ESC_KEEP_TAB | ZJ_ESC_KEEP_LF, k, shown);
    if (len)
        return len;
    memcpy(shown, s, *k);
    return *k;
}

/* Appends bytes [from, to) of text (len bytes: a CR at to - 1 is read with
 * the byte after it) as shown, HTML-escaped. */
static void html_range(zj_buf *out, const char *text, size_t len, size_t from, size_t to)
{
    for (size_t i = from, k; i < to; i += k) {
        char shown[ZJ_ESC_MAX];
        size_t n = zj_rv_shown_cp(text + i, len - i, &k, shown);
        for (size_t j = 0; j < n; j++) {
            char c = shown[j];
            if (c == '<' || c == '>' || c == '&' || c == '"' || c == '\'') {
                char one[2] = {c, 0};
                zj_html_escape(out, one);
            } else {
                zj_buf_append(out, &c, 1);
            }
        }
    }
}

void zj_rv_html_escape(zj_buf *out, const char *s)
{
    if (s)
        html_range(out, s, strlen(s), 0, strlen(s));
}

/* The text as shown, with the stored code point each shown one belongs to. */
typedef struct shown_text {
    zj_buf text;
    long *owner; /* per shown code point */
    size_t n;    /* shown code points */
} shown_text;

static bool shown_text_of(const char *s, size_t len, shown_text *out)
{
    zj_buf_init(&out->text);
    out->n = 0;
    /* every stored byte shows as at most 6 code points */
    out->owner = malloc((len * 6 + 1) * sizeof *out->owner);
    if (!out->owner)
        return false;
    long cp = 0;
    for (size_t i = 0, k; i < len; i += k, cp++) {
        char shown[ZJ_ESC_MAX];
        size_t n = zj_rv_shown_cp(s + i, len - i, &k, shown);
        zj_buf_append(&out->text, shown, n);
        for (size_t j = 0; j < n; j++)
            if (((unsigned char)shown[j] & 0xC0) != 0x80)
                out->owner[out->n++] = cp;
    }
    return !out->text.failed;
}

int zj_rv_span_of_shown(const char *text, size_t len, long shown_a, long shown_b, const char *quote,
                        long *a, long *b)
{
    shown_text sh;
    if (!shown_text_of(text, len, &sh)) {
        free(sh.owner);
        zj_buf_free(&sh.text);
        return -1;
    }
    int fits = 0;
    if (shown_a >= 0 && shown_a < shown_b && (size_t)shown_b <= sh.n) {
        const char *t = sh.text.data ? sh.text.data : "";
        size_t from = zj_utf8_cp_to_byte(t, sh.text.len, (size_t)shown_a);
        size_t to = zj_utf8_cp_to_byte(t, sh.text.len, (size_t)shown_b);
        fits = strlen(quote) == to - from && memcmp(quote, t + from, to - from) == 0;
        if (fits) {
            *a = sh.owner[shown_a];
            *b = sh.owner[shown_b - 1] + 1;
        }
    }
    free(sh.owner);
    zj_buf_free(&sh.text);
    return fits;
}

static void esc(zj_buf *out, const char *s)
{
    zj_rv_html_escape(out, s);
}

/* A stored value in a form's hidden field, escaped for the attribute only:
 * a form must send back the call, rule or category as stored, not as
 * shown (esc writes a zero-width space as the text \u200b, which names
 * another call or none). HTML's characters and the controls are character
 * references, which an HTML parser turns back into the very code points
 * (a raw CR LF would be read as one LF). */
static void attr_exact(zj_buf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '&')
            zj_buf_puts(out, "&amp;");
        else if (*p == '<')
            zj_buf_puts(out, "&lt;");
        else if (*p == '>')
            zj_buf_puts(out, "&gt;");
        else if (*p == '"')
            zj_buf_puts(out, "&quot;");
        else if (*p == '\'')
            zj_buf_puts(out, "&#39;");
        else if (*p < 0x20 || *p == 0x7F)
            zj_buf_printf(out, "&#%d;", *p);
        else
            zj_buf_append(out, (const char *)p, 1);
    }
}

/* Whether a browser sends s back in a form as it is: HTML's form encoding
 * makes a lone CR or LF a CR LF, so a form holding one would name another
 * call or finding, or none. */
static bool form_carries(const char *s)
{
    for (const char *p = s ? s : ""; *p; p++)
        if ((*p == '\r' && p[1] != '\n') || (*p == '\n' && (p == s || p[-1] != '\r')))
            return false;
    return true;
}

/* Why a page offers no form where one would be. */
static const char no_form[] =
    "浏览器表单无法原样提交含单独的回车或换行符的%s：请用复核表（zhijian review import）或 "
    "zhijian appeal 命令";

/* Whether forms can name these stored values (NULL: none). A call id that
 * cannot be is said once at the top of its page; a rule or category in
 * place of the form. */
static bool can_post(zj_buf *out, const char *call_id, const char *rule_id, const char *category)
{
    if (!form_carries(call_id))
        return false;
    if (form_carries(rule_id) && form_carries(category))
        return true;
    zj_buf_puts(out, "<span class=\"no-form\">");
    zj_buf_printf(out, no_form, "规则或类别");
    zj_buf_puts(out, "</span>");
    return false;
}

static const char *role_zh(const char *role)
{
    return !strcmp(role, "inspector") ? "质检员" : !strcmp(role, "supervisor") ? "主管" : "坐席";
}

/* The rule set the page shows, in each of its forms: the server refuses a
 * form of a page shown for another rule set than the one it serves now. */
static void ruleset_field(zj_buf *out, const zj_rs_ruleset *rs)
{
    zj_buf_printf(out, "<input type=\"hidden\" name=\"ruleset\" value=\"%lld\">",
                  (long long)rs->id);
}

/* Opens a form posting to /act with the session's token and the form's
 * number on its page, which with the page's number in the token (the
 * viewer's csrf) tells the server a form sent twice (a double click, a
 * resubmit after going back): where the form starts in the page body,
 * unique within it. */
static void form_open(zj_buf *out, const zj_viewer *v, const char *form_class)
{
    size_t at = out->len;
    zj_buf_printf(out,
                  "<form method=\"post\" action=\"/act\"%s><input type=\"hidden\" "
                  "name=\"form\" value=\"%zu\"><input type=\"hidden\" name=\"csrf\" value=\"",
                  form_class, at + 1);
    attr_exact(out, v->csrf);
    zj_buf_puts(out, "\">");
}

/* The hidden fields every form of a call carries. */
static void form_head(zj_buf *out, const zj_viewer *v, const zj_rs_ruleset *rs, const char *action,
                      const char *call_id)
{
    form_open(out, v, " class=\"inline\"");
    ruleset_field(out, rs);
    zj_buf_puts(out, "<input type=\"hidden\" name=\"action\" value=\"");
    attr_exact(out, action);
    zj_buf_puts(out, "\"><input type=\"hidden\" name=\"call\" value=\"");
    attr_exact(out, call_id);
    zj_buf_puts(out, "\">");
}

/* The finding a form is about: its rule and place, and an added finding's
 * category (NULL: a machine finding's form has none), which tells two
 * added at one place apart. */
static void place_fields(zj_buf *out, const char *rule_id, int turn, long a, long b,
                         const char *category)
{
    if (category) {
        zj_buf_puts(out, "<input type=\"hidden\" name=\"category\" value=\"");
        attr_exact(out, category);
        zj_buf_puts(out, "\">");
    }
    zj_buf_puts(out, "<input type=\"hidden\" name=\"rule\" value=\"");
    attr_exact(out, rule_id);
    zj_buf_printf(out,
                  "\"><input type=\"hidden\" name=\"turn\" value=\"%d\">"
                  "<input type=\"hidden\" name=\"span_start\" value=\"%ld\">"
                  "<input type=\"hidden\" name=\"span_end\" value=\"%ld\">",
                  turn, a, b);
}

static zj_status open_rs(zj_store *st, const char *spec, zj_rs_ruleset *rs, zj_error *err)
{
    zj_report_source src = zj_report_source_sql(st);
    return src.ops->ruleset(src.self, spec, rs, err);
}

static zj_status page_home(zj_store *st, const char *ruleset, const zj_viewer *v, zj_buf *out,
                           zj_error *err)
{
    zj_rs_ruleset rs;
    zj_status s = open_rs(st, ruleset, &rs, err);
    if (s != ZJ_OK)
        return s;
    zj_review_store rv = zj_review_store_sql(st);
    zj_rv_sample *samples = NULL;
    size_t n = 0;
    zj_str_pool pool = {0};
    s = rv.ops->samples(rv.self, &rs, &samples, &n, &pool, err);
    if (s == ZJ_OK) {
        zj_buf_puts(out, "<h2>复核队列</h2><p>规则集 ");
        esc(out, rs.label);
        zj_buf_puts(out, "。</p><table><thead><tr><th>抽样</th><th>方案</th><th>批量</th>"
                         "<th>样本量</th><th>抽样时间（UTC）</th></tr></thead><tbody>");
        for (size_t i = 0; i < n; i++) {
            zj_buf_printf(out, "<tr><td><a href=\"/sample?id=%lld\">抽样 %lld</a></td><td>",
                          (long long)samples[i].id, (long long)samples[i].id);
            esc(out, samples[i].method);
            zj_buf_printf(out, "</td><td>%ld</td><td>%ld</td><td>", samples[i].lot_size,
                          samples[i].sample_size);
            esc(out, samples[i].created_at);
            zj_buf_puts(out, "</td></tr>");
        }
        zj_buf_puts(out, "</tbody></table>");
        if (!n)
            zj_buf_puts(out, "<p>尚无保存的抽样（zhijian sample --save）。</p>");
        zj_buf_puts(out, "<form method=\"get\" action=\"/call\"><label>通话编号 <input "
                         "name=\"id\" required></label> <button>打开</button></form>");
        if (v->role != ZJ_ROLE_AGENT)
            zj_buf_puts(out, "<p><a href=\"/scorecard\">坐席成绩单</a> · <a "
                             "href=\"/scorecard?by=team\">班组成绩单</a> · <a "
                             "href=\"/report\">审核报告</a></p>");
        else
            zj_buf_puts(out, "<p><a href=\"/scorecard\">我的成绩单</a></p>");
    }
    free(samples);
    zj_pool_free(&pool);
    return s == ZJ_OK && out->failed ? zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory")
                                     : s;
}

static zj_status page_sample(zj_store *st, const char *ruleset, int64_t sample_id,
                             const zj_viewer *v, zj_buf *out, zj_error *err)
{
    zj_rs_ruleset rs;
    zj_status s = open_rs(st, ruleset, &rs, err);
    if (s != ZJ_OK)
        return s;
    zj_review_store rv = zj_review_store_sql(st);
    zj_review_data d = {0};
    zj_report_filter f = {.ruleset = ruleset,
                          .agent = v->role == ZJ_ROLE_AGENT ? v->agent_id : NULL};
    s = rv.ops->calls(rv.self, &rs, &f, sample_id, false, true, &d, err);
    if (s != ZJ_OK) {
        zj_review_data_free(&d);
        return s;
    }
    zj_buf_printf(out, "<h2>抽样 %lld</h2>", (long long)sample_id);
    /* The decision, for inspectors and supervisors (an agent sees only
     * their own calls of the sample). */
    if (v->role != ZJ_ROLE_AGENT) {
        zj_rv_decision dec;
        s = zj_rv_decide(st, &rs, sample_id, &d, &dec, err);
        if (s != ZJ_OK) {
            zj_review_data_free(&d);
            return s;
        }
        zj_buf_printf(
            out,
            "<p class=\"decision\" data-decision=\"%s\">已复核 %ld/%ld 通，复核后不合格 %ld 通",
            dec.decision ? dec.decision : "none", dec.reviewed, dec.calls, dec.nonconforming);
        if (dec.decision)
            zj_buf_printf(out, "；ISO 2859-1（Ac = %ld，Re = %ld）判定：%s", dec.accept_n,
                          dec.reject_n,
                          !strcmp(dec.decision, "accept")   ? "接收"
                          : !strcmp(dec.decision, "reject") ? "拒收"
                                                            : "尚未判定（待复核）");
        zj_buf_puts(out, "。</p>");
        if (dec.state.closed) {
            zj_buf_printf(out, "<p class=\"closed\" data-closed=\"%s\">已关闭：%s（",
                          dec.state.decision,
                          !strcmp(dec.state.decision, "accept") ? "接收" : "拒收");
            esc(out, dec.state.closed_by);
            zj_buf_puts(out, "，");
            esc(out, dec.state.closed_at);
            zj_buf_printf(out, "；关闭时已复核 %ld 通，不合格 %ld 通）。</p>", dec.state.reviewed,
                          dec.state.nonconforming);
        } else if (v->role == ZJ_ROLE_SUPERVISOR && dec.decision &&
                   strcmp(dec.decision, "incomplete") != 0) {
            /* The decision is reached: a supervisor records it. */
            form_open(out, v, "");
            ruleset_field(out, &rs);
            zj_buf_printf(out,
                          "<input type=\"hidden\" name=\"action\" value=\"close\">"
                          "<input type=\"hidden\" name=\"sample\" value=\"%lld\">"
                          "<button class=\"close\">关闭抽样并记录判定</button></form>",
                          (long long)sample_id);
        }
    }
    zj_buf_puts(out, "<table><thead><tr><th>通话</th><th>坐席</th><th>机器得分</th>"
                     "<th>复核后得分</th><th>复核后结论</th><th>确认</th><th>驳回</th><th>补充</th>"
                     "<th>待裁决申诉</th></tr></thead><tbody>");
    for (size_t i = 0; i < d.n_calls; i++) {
        const zj_rv_call *c = &d.calls[i];
        zj_rv_final fin = zj_rv_final_of(&d, c, &rs);
        zj_buf_puts(out, "<tr><td><a href=\"/call?id=");
        /* Percent-encoded: + & # % in an id would change the query. The
         * encoding leaves nothing HTML would read. */
        zj_url_escape(out, c->call_id);
        zj_buf_puts(out, "\">");
        esc(out, c->call_id);
        zj_buf_puts(out, "</a></td><td>");
        esc(out, c->agent_id);
        zj_buf_printf(out,
                      "</td><td>%d%s</td><td>%d</td><td>%s</td><td>%ld</td><td>%ld</td>"
                      "<td>%ld</td><td>%ld</td></tr>",
                      c->score, c->passed ? "" : "（不合格）", fin.score,
                      !fin.reviewed ? "未复核"
                      : fin.passed  ? "合格"
                                    : "不合格",
                      fin.confirmed, fin.rejected, fin.added, fin.appeals_open);
    }
    zj_buf_puts(out, "</tbody></table>");
    zj_review_data_free(&d);
    return out->failed ? zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory") : ZJ_OK;
}

/* A finding marked in its turn. */
typedef struct mark {
    long a, b;
    const char *rule_id, *title, *clause;
    int points;
} mark;

static int cmp_mark(const void *x, const void *y)
{
    const mark *p = x, *q = y;
    return p->a != q->a ? (p->a < q->a ? -1 : 1) : (p->b > q->b) - (p->b < q->b);
}

/* Byte offset of code point cp in s (len bytes). */
static size_t cp_offset(const char *s, size_t len, long cp)
{
    size_t i = 0;
    for (long k = 0; k < cp && i < len; k++)
        for (i++; i < len && ((unsigned char)s[i] & 0xC0) == 0x80; i++)
            ;
    return i;
}

static void turn_html(zj_buf *out, const zj_turn *t, size_t index, mark *marks, size_t n)
{
    zj_buf_printf(out,
                  "<div class=\"turn\"><span class=\"who\">%zu %s</span> "
                  "<span class=\"text\" data-turn=\"%zu\">",
                  index + 1, t->speaker == ZJ_SPEAKER_AGENT ? "坐席" : "客户", index);
    if (n)
        qsort(marks, n, sizeof *marks, cmp_mark);
    /* Shown as one text (a CR LF split by a mark is still one LF), so
     * review.js counts the code points zj_rv_span_of_shown reads back. */
    const char *text = t->text;
    size_t at = 0;
    long end = -1;
    for (size_t i = 0; i < n; i++) {
        if (marks[i].a < end || marks[i].b <= marks[i].a)
            continue; /* overlapping or empty: listed in the table only */
        size_t a = cp_offset(text, t->text_len, marks[i].a);
        size_t b = cp_offset(text, t->text_len, marks[i].b);
        html_range(out, text, t->text_len, at, a);
        zj_buf_puts(out, "<mark title=\"");
        esc(out, marks[i].title[0] ? marks[i].title : marks[i].rule_id);
        zj_buf_puts(out, "（");
        esc(out, marks[i].clause);
        zj_buf_printf(out, "）%d 分\">", marks[i].points);
        html_range(out, text, t->text_len, a, b);
        zj_buf_puts(out, "</mark>");
        at = b;
        end = marks[i].b;
    }
    html_range(out, text, t->text_len, at, t->text_len);
    zj_buf_puts(out, "</span></div>");
}

static const char *state_zh(zj_rv_state s)
{
    if (s.appeal == ZJ_RV_APPEAL_OVERTURNED)
        return "申诉成立（撤销）";
    if (s.appeal == ZJ_RV_APPEAL_UPHELD)
        return "申诉驳回（维持）";
    if (s.appeal == ZJ_RV_APPEAL_OPEN)
        return s.verdict == ZJ_RV_REJECTED ? "已驳回；申诉待裁决" : "申诉待裁决";
    return s.verdict == ZJ_RV_CONFIRMED  ? "已确认"
           : s.verdict == ZJ_RV_REJECTED ? "已驳回"
                                         : "待复核";
}

/* The id of the open appeal on a finding (0: none); category: an added
 * finding's (NULL: a machine finding). An appeal naming a category is of
 * the finding added with it; one naming none, of any at its place. */
static int64_t open_appeal(const zj_review_data *d, const zj_rv_call *c, const char *rule_id,
                           int turn, long a, long b, const char *category)
{
    int64_t id = 0;
    for (size_t i = c->first_event; i < c->first_event + c->n_events; i++) {
        const zj_rv_event *e = &d->events[i];
        if (e->action == ZJ_RV_APPEAL && !strcmp(e->rule_id, rule_id) && e->turn == turn &&
            e->span_start == a && e->span_end == b &&
            (!category || !*e->category || !strcmp(e->category, category)))
            id = e->id;
        else if (e->action == ZJ_RV_RULE && e->appeal_id == id)
            id = 0;
    }
    return id;
}

/* The actions on one finding the viewer may take (category: an added
 * finding's; NULL: a machine finding). */
static void finding_actions(zj_buf *out, const zj_viewer *v, const zj_rs_ruleset *rs,
                            const zj_review_data *d, const zj_rv_call *c, const char *rule_id,
                            int turn, long a, long b, const char *category, zj_rv_state st)
{
    int64_t appeal =
        v->role == ZJ_ROLE_SUPERVISOR ? open_appeal(d, c, rule_id, turn, a, b, category) : 0;
    bool offered = v->role == ZJ_ROLE_INSPECTOR ||
                   (v->role == ZJ_ROLE_AGENT && st.appeal != ZJ_RV_APPEAL_OPEN) || appeal;
    if (!offered || !can_post(out, c->call_id, rule_id, category))
        return;
    if (v->role == ZJ_ROLE_INSPECTOR) {
        for (int k = 0; k < 2; k++) {
            form_head(out, v, rs, k ? "reject" : "confirm", c->call_id);
            place_fields(out, rule_id, turn, a, b, category);
            zj_buf_printf(out,
                          "<input name=\"note\" placeholder=\"备注\" size=\"10\"> "
                          "<button class=\"%s\">%s</button></form> ",
                          k ? "reject" : "confirm", k ? "驳回" : "确认");
        }
    } else if (v->role == ZJ_ROLE_AGENT) {
        form_head(out, v, rs, "appeal", c->call_id);
        place_fields(out, rule_id, turn, a, b, category);
        zj_buf_puts(out, "<input name=\"reason\" placeholder=\"申诉理由\" required size=\"16\"> "
                         "<button class=\"appeal\">申诉</button></form>");
    } else {
        for (int k = 0; k < 2; k++) {
            form_head(out, v, rs, "rule", c->call_id);
            zj_buf_printf(out,
                          "<input type=\"hidden\" name=\"appeal\" value=\"%lld\">"
                          "<input type=\"hidden\" name=\"decision\" value=\"%s\">"
                          "<input name=\"reason\" placeholder=\"裁决理由\" required "
                          "size=\"12\"> <button class=\"%s\">%s</button></form> ",
                          (long long)appeal, k ? "overturn" : "uphold", k ? "overturn" : "uphold",
                          k ? "申诉成立" : "维持原判");
        }
    }
}

static zj_status page_call(zj_store *st, const char *ruleset, const char *call_id,
                           const zj_viewer *v, zj_buf *out, zj_error *err)
{
    zj_rs_ruleset rs;
    zj_status s = open_rs(st, ruleset, &rs, err);
    zj_review_store rv = zj_review_store_sql(st);
    zj_review_data d = {0};
    zj_stored_call sc = {0};
    if (s == ZJ_OK)
        s = rv.ops->call(rv.self, &rs, call_id, &d, err);
    if (s == ZJ_OK && v->role == ZJ_ROLE_AGENT &&
        (!v->agent_id || strcmp(d.calls[0].agent_id, v->agent_id) != 0))
        s = zj_error_set(err, ZJ_ERR_DENIED, NULL, 0, 0, "call '%s' is another agent's", call_id);
    zj_test_read_pause(); /* tests/scripts/serve_snapshot.sh: a write lands here */
    if (s == ZJ_OK)
        s = zj_store_get_call(st, call_id, rs.id, &sc, err);
    if (s != ZJ_OK) {
        zj_review_data_free(&d);
        zj_stored_call_free(&sc);
        return s;
    }
    const zj_rv_call *c = &d.calls[0];
    zj_rv_final fin = zj_rv_final_of(&d, c, &rs);
    zj_buf_puts(out, "<h2>通话 ");
    esc(out, c->call_id);
    zj_buf_puts(out, "</h2><p>坐席 ");
    esc(out, c->agent_id);
    zj_buf_puts(out, " ");
    esc(out, c->agent_name);
    zj_buf_puts(out, "；时间 ");
    esc(out, c->started_at);
    zj_buf_printf(out,
                  "；机器得分 <b class=\"machine-score\">%d</b>（%s）；复核后得分 <b "
                  "class=\"final-score\">%d</b>（%s）。</p>",
                  c->score, c->passed ? "合格" : "不合格", fin.score,
                  fin.passed ? "合格" : "不合格");
    if (!form_carries(c->call_id)) {
        zj_buf_puts(out, "<p class=\"no-form\">");
        zj_buf_printf(out, no_form, "通话编号");
        zj_buf_puts(out, "</p>");
    }
    /* The transcript with the findings marked in place. */
    zj_buf_puts(out, "<div class=\"transcript\">");
    mark *marks = calloc(c->n_findings + c->n_events + 1, sizeof *marks);
    if (!marks)
        out->failed = true;
    for (size_t t = 0; marks && sc.call && t < sc.call->n_turns; t++) {
        size_t n = 0;
        for (size_t j = c->first_finding; j < c->first_finding + c->n_findings; j++) {
            const zj_rv_finding *f = &d.findings[j];
            if (f->turn == (int)t && f->span_start >= 0)
                marks[n++] =
                    (mark){f->span_start, f->span_end, f->rule_id, f->title, f->clause, f->points};
        }
        turn_html(out, &sc.call->turns[t], t, marks, n);
    }
    free(marks);
    zj_buf_puts(out, "</div>");
    /* The findings and what can be done with them. */
    zj_buf_puts(out, "<h3>发现</h3><table class=\"findings\"><thead><tr><th>规则</th><th>条款</th>"
                     "<th>轮次</th><th>原话</th><th>扣分</th><th>状态</th><th>操作</th></tr>"
                     "</thead><tbody>");
    for (size_t j = c->first_finding; j < c->first_finding + c->n_findings; j++) {
        const zj_rv_finding *f = &d.findings[j];
        zj_rv_state stt = zj_rv_state_of(&d, c, f->rule_id, f->turn, f->span_start, f->span_end);
        zj_buf_puts(out, "<tr data-rule=\"");
        esc(out, f->rule_id);
        zj_buf_puts(out, "\"><td>");
        esc(out, f->title[0] ? f->title : f->rule_id);
        zj_buf_puts(out, "<br><small>");
        esc(out, f->rule_id);
        zj_buf_puts(out, "</small></td><td>");
        esc(out, f->clause);
        if (f->turn >= 0)
            zj_buf_printf(out, "</td><td>%d</td><td>", f->turn + 1);
        else
            zj_buf_puts(out, "</td><td>—</td><td>");
        esc(out,
            f->text[0] ? f->text : (!strcmp(f->outcome, "missing") ? "（未说出规定用语）" : ""));
        zj_buf_printf(out, "</td><td>%d%s</td><td class=\"state\">", f->points,
                      f->fatal ? "（一票否决）" : "");
        esc(out, state_zh(stt));
        zj_buf_puts(out, "</td><td>");
        finding_actions(out, v, &rs, &d, c, f->rule_id, f->turn, f->span_start, f->span_end, NULL,
                        stt);
        zj_buf_puts(out, "</td></tr>");
    }
    /* Findings reviewers added. */
    for (size_t j = c->first_event; j < c->first_event + c->n_events; j++) {
        const zj_rv_event *e = &d.events[j];
        /* Each added finding once: two categories at one place are two. */
        if (!zj_rv_adds_finding(&d, c, j))
            continue;
        zj_rv_state stt = zj_rv_added_state(&d, c, e);
        zj_buf_puts(out, "<tr class=\"added\" data-rule=\"");
        esc(out, e->rule_id);
        zj_buf_puts(out, "\"><td>复核补充：");
        esc(out, e->rule_id[0] ? e->rule_id : e->category);
        zj_buf_puts(out, "</td><td></td>");
        if (e->turn >= 0)
            zj_buf_printf(out, "<td>%d</td><td>", e->turn + 1);
        else
            zj_buf_puts(out, "<td>—</td><td>");
        esc(out, e->text);
        zj_buf_printf(out, "</td><td>%d</td><td class=\"state\">", e->points);
        esc(out, stt.appeal != ZJ_RV_NO_APPEAL ? state_zh(stt) : "复核补充");
        zj_buf_puts(out, "</td><td>");
        if (v->role != ZJ_ROLE_INSPECTOR)
            finding_actions(out, v, &rs, &d, c, e->rule_id, e->turn, e->span_start, e->span_end,
                            e->category, stt);
        zj_buf_puts(out, "</td></tr>");
    }
    zj_buf_puts(out, "</tbody></table>");
    /* A call without reviewable findings is reviewed by saying so (the
     * sheet's confirmed row with no rule): without it such a call stays
     * unreviewed and an ISO 2859-1 sample holding it is never accepted. */
    if (!c->n_findings) {
        zj_rv_state whole = zj_rv_state_of(&d, c, "", -1, -1, -1);
        zj_buf_puts(out, "<p class=\"whole-call\">机器未发现可复核的问题。");
        if (whole.verdict == ZJ_RV_CONFIRMED) {
            zj_buf_puts(out, "已复核无误（");
            esc(out, whole.reviewer);
            zj_buf_puts(out, "）。");
        } else if (v->role == ZJ_ROLE_INSPECTOR && can_post(out, c->call_id, NULL, NULL)) {
            form_head(out, v, &rs, "confirm", c->call_id);
            place_fields(out, "", -1, -1, -1, NULL);
            zj_buf_puts(out, "<input name=\"note\" placeholder=\"备注\" size=\"10\"> "
                             "<button class=\"confirm-call\">复核无误</button></form>");
        }
        zj_buf_puts(out, "</p>");
    }
    /* Findings reviewed that the call's current results no longer have
     * (scored since by another rule set, or again after its text changed):
     * the reviewers' work is not lost, and a rule change that dropped a
     * confirmed finding shows. */
    zj_report_filter all = {0};
    zj_rv_vanished *gone = NULL;
    size_t n_gone = 0;
    zj_str_pool gone_pool = {0};
    zj_status gs =
        rv.ops->vanished(rv.self, &rs, &all, c->call_id, &gone, &n_gone, &gone_pool, err);
    if (gs != ZJ_OK) {
        zj_stored_call_free(&sc);
        zj_review_data_free(&d);
        return gs;
    }
    if (n_gone)
        zj_buf_puts(out,
                    "<h3>此前复核过、当前结果不再产生的发现</h3><table class=\"vanished\">"
                    "<thead><tr><th>复核时的规则集</th><th>规则</th><th>位置</th>"
                    "<th>复核或申诉</th></tr></thead><tbody>");
    for (size_t i = 0; i < n_gone; i++) {
        zj_buf_puts(out, "<tr><td>");
        esc(out, gone[i].ruleset);
        zj_buf_puts(out, "</td><td>");
        esc(out, gone[i].rule_id);
        if (gone[i].turn >= 0)
            zj_buf_printf(out, "</td><td>第 %d 轮 %ld-%ld", gone[i].turn + 1, gone[i].span_start,
                          gone[i].span_end);
        else
            zj_buf_puts(out, "</td><td>（缺失项）");
        zj_buf_printf(out, "</td><td>%s</td></tr>", zj_rv_vanished_word(&gone[i]));
    }
    if (n_gone)
        zj_buf_puts(out, "</tbody></table>");
    free(gone);
    zj_pool_free(&gone_pool);
    if (v->role == ZJ_ROLE_INSPECTOR) {
        /* A finding the engine missed: selecting words in the transcript
         * fills the turn, span and quote (review.js); they can also be typed. */
        zj_buf_puts(out, "<h3>补充漏判</h3>");
    }
    if (v->role == ZJ_ROLE_INSPECTOR && can_post(out, c->call_id, NULL, NULL)) {
        form_head(out, v, &rs, "add", c->call_id);
        zj_buf_puts(out,
                    "<label>轮次 <input name=\"turn1\" id=\"add-turn\" size=\"3\"></label> "
                    "<label>起 <input name=\"span_start\" id=\"add-start\" size=\"4\"></label> "
                    "<label>止 <input name=\"span_end\" id=\"add-end\" size=\"4\"></label> "
                    "<label>原话 <input name=\"text\" id=\"add-text\" size=\"16\"></label> "
                    "<label>规则 <input name=\"rule\" id=\"add-rule\" size=\"18\"></label> "
                    "<label>或类别 <input name=\"category\" size=\"8\"></label> "
                    "<input name=\"note\" placeholder=\"备注\" size=\"10\"> "
                    "<button class=\"add\">补充</button></form>"
                    "<p class=\"hint\">在上方转写中选中文字即可填入轮次、位置与原话。</p>");
    }
    /* The review record of the call, oldest first. */
    zj_buf_puts(out,
                "<h3>复核记录</h3><table class=\"history\"><thead><tr><th>#</th><th>时间（UTC）"
                "</th><th>人员</th><th>操作</th><th>规则</th><th>说明</th></tr></thead><tbody>");
    static const char *const action_zh[] = {"确认", "驳回", "补充", "申诉", "裁决"};
    for (size_t j = c->first_event; j < c->first_event + c->n_events; j++) {
        const zj_rv_event *e = &d.events[j];
        zj_buf_printf(out, "<tr><td>%lld</td><td>", (long long)e->id);
        esc(out, e->at);
        zj_buf_puts(out, "</td><td>");
        esc(out, e->actor);
        zj_buf_puts(out, "（");
        esc(out, role_zh(e->role));
        zj_buf_printf(out, "）</td><td>%s%s</td><td>", action_zh[e->action],
                      e->action == ZJ_RV_RULE ? (e->overturn ? "：申诉成立" : "：维持") : "");
        esc(out, e->rule_id);
        zj_buf_puts(out, "</td><td>");
        esc(out, e->note);
        zj_buf_puts(out, "</td></tr>");
    }
    zj_buf_puts(out, "</tbody></table>");
    zj_stored_call_free(&sc);
    zj_review_data_free(&d);
    return out->failed ? zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory") : ZJ_OK;
}

/* Each page reads one snapshot of the store (serve's store is writable, so
 * no reader's snapshot is open): a score run committing meanwhile cannot
 * show a call's new score beside its old findings. */
zj_status zj_review_page_home(zj_store *st, const char *ruleset, const zj_viewer *v, zj_buf *out,
                              zj_error *err)
{
    bool own = zj_store_read_enter(st);
    zj_status s = page_home(st, ruleset, v, out, err);
    if (own)
        zj_store_read_end(st);
    return s;
}

zj_status zj_review_page_sample(zj_store *st, const char *ruleset, int64_t sample_id,
                                const zj_viewer *v, zj_buf *out, zj_error *err)
{
    bool own = zj_store_read_enter(st);
    zj_status s = page_sample(st, ruleset, sample_id, v, out, err);
    if (own)
        zj_store_read_end(st);
    return s;
}

zj_status zj_review_page_call(zj_store *st, const char *ruleset, const char *call_id,
                              const zj_viewer *v, zj_buf *out, zj_error *err)
{
    bool own = zj_store_read_enter(st);
    zj_status s = page_call(st, ruleset, call_id, v, out, err);
    if (own)
        zj_store_read_end(st);
    return s;
}
