/* cmd_serve.c — `zhijian serve`: the review web application (docs/review.md).
 * HTTP with libmicrohttpd (one internal thread, so requests are handled one
 * at a time on the one store connection), login and sessions
 * (serve_auth.c), CSRF tokens on every form, role checks, and routing; the
 * pages are the library's (zj_review_page_*, the report functions). */
#include "cli.h"

#ifdef ZJ_SERVE
#include "review.h"
#include "serve_auth.h"
#include "serve_form.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <microhttpd.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Request bodies larger than this are refused (413): forms are small. */
#define MAX_BODY (64 * 1024)

static struct {
    zj_store *st;
    const char *ruleset;
    serve_users users;
    bool secure_cookies; /* behind a TLS proxy: the browser sends the cookie over https only */
} app;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* A request's body as it arrives. */
typedef struct request {
    zj_buf body;
    bool too_large;
} request;

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)c;
    (void)code;
    request *r = *con_cls;
    if (r) {
        zj_buf_free(&r->body);
        free(r);
        *con_cls = NULL;
    }
}

static const char page_style[] =
    "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0;color:#222}"
    "nav{background:#2b5797;color:#fff;padding:.5em 1em}nav a{color:#fff;margin-right:1em}"
    "nav form{display:inline}main{padding:1em 2em;max-width:1200px}"
    "table{border-collapse:collapse;margin:.5em 0 1em}th,td{border:1px solid #ccd;padding:4px 8px;"
    "text-align:left;vertical-align:top}th{background:#eef2f8}mark{background:#ffe08a}"
    ".turn{margin:.3em 0}.who{color:#666;display:inline-block;width:5em}"
    "form.inline{display:inline}.error{color:#a00}.decision{font-weight:bold}";

static enum MHD_Result respond(struct MHD_Connection *c, unsigned int status, const char *type,
                               const char *body, size_t len, const char *cookie,
                               const char *location)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    /* Scripts only from this server (review.js); the reports' inline styles
     * and SVG are allowed, nothing is loaded from elsewhere. */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
                            "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'");
    if (cookie)
        MHD_add_response_header(r, "Set-Cookie", cookie);
    if (location)
        MHD_add_response_header(r, "Location", location);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A page: the shell (navigation, the user, logout) around body. */
static enum MHD_Result page(struct MHD_Connection *c, unsigned int status, const serve_session *s,
                            const char *title, const zj_buf *body, const char *cookie)
{
    zj_buf out;
    zj_buf_init(&out);
    zj_buf_puts(&out, "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>");
    zj_rv_html_escape(&out, title);
    zj_buf_printf(&out, " · zhijian 复核</title><style>%s</style></head><body><nav>", page_style);
    if (s && s->user) {
        zj_buf_puts(&out, "<a href=\"/\">复核队列</a><span class=\"user\">");
        zj_rv_html_escape(&out, s->user->name);
        zj_buf_puts(&out, s->user->role == ZJ_ROLE_INSPECTOR    ? "（质检员）"
                          : s->user->role == ZJ_ROLE_SUPERVISOR ? "（主管）"
                                                                : "（坐席）");
        zj_buf_puts(&out, "</span> <form method=\"post\" action=\"/logout\"><input type=\"hidden\" "
                          "name=\"csrf\" value=\"");
        zj_html_escape(&out, s->csrf);
        zj_buf_puts(&out, "\"><button>退出</button></form>");
    } else {
        zj_buf_puts(&out, "zhijian 质检复核");
    }
    zj_buf_puts(&out, "</nav><main>");
    if (body && body->data)
        zj_buf_append(&out, body->data, body->len);
    zj_buf_puts(&out, "</main><script src=\"/review.js\"></script></body></html>\n");
    enum MHD_Result r =
        out.failed
            ? respond(c, 500, "text/plain; charset=utf-8", "out of memory\n", 14, NULL, NULL)
            : respond(c, status, "text/html; charset=utf-8", out.data, out.len, cookie, NULL);
    zj_buf_free(&out);
    return r;
}

static enum MHD_Result message(struct MHD_Connection *c, unsigned int status,
                               const serve_session *s, const char *text)
{
    zj_buf b;
    zj_buf_init(&b);
    zj_buf_puts(&b, "<p class=\"error\">");
    zj_rv_html_escape(&b, text);
    zj_buf_puts(&b, "</p><p><a href=\"/\">返回</a></p>");
    enum MHD_Result r = page(c, status, s, "错误", &b, NULL);
    zj_buf_free(&b);
    return r;
}

/* The cookies: a user's session, and the login form's session before it.
 * They have names of their own, so that the login page, which any request
 * without the session cookie reaches (a link followed from another site:
 * SameSite=Strict keeps the cookie off it), never replaces a user's
 * session cookie and logs them out. */
#define SESSION_COOKIE "zj_session"
#define LOGIN_COOKIE "zj_login"

/* The session cookie's header value: the session id, or (NULL) ending it. */
static void session_cookie(char *out, size_t size, const char *id)
{
    snprintf(out, size, SESSION_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/%s%s", id ? id : "",
             app.secure_cookies ? "; Secure" : "", id ? "" : "; Max-Age=0");
}

/* The login form's cookie: sent to the login page only. */
static void login_cookie(char *out, size_t size, const char *id)
{
    snprintf(out, size, LOGIN_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/login%s", id,
             app.secure_cookies ? "; Secure" : "");
}

/* Whether next is a page of this server to go to after login: a path and
 * query as requested_page writes them, of one of the pages (nothing that
 * could lead elsewhere: //host, a backslash, a scheme). */
static bool page_to_return_to(const char *next)
{
    static const char *const pages[] = {"/", "/sample", "/call", "/scorecard", "/report"};
    if (!next || strlen(next) > 2048)
        return false;
    for (const char *p = next; *p; p++)
        if (*p <= ' ' || *p > '~' || *p == '\\')
            return false;
    size_t path = strcspn(next, "?");
    for (size_t i = 0; i < sizeof pages / sizeof *pages; i++)
        if (strlen(pages[i]) == path && !strncmp(next, pages[i], path))
            return true;
    return false;
}

/* The page a request without a login asked for, as a path and query to
 * return to after login (out empty: the queue, or no page of this server). */
static void requested_page(struct MHD_Connection *c, const char *url, zj_buf *out)
{
    const char *arg = !strcmp(url, "/sample") || !strcmp(url, "/call") ? "id"
                      : !strcmp(url, "/scorecard")                     ? "by"
                                                                       : NULL;
    if (strcmp(url, "/report") && !arg)
        return;
    zj_buf_puts(out, url);
    const char *v = arg ? MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, arg) : NULL;
    if (v) {
        zj_buf_printf(out, "?%s=", arg);
        zj_url_escape(out, v);
    }
}

static enum MHD_Result redirect(struct MHD_Connection *c, const char *location, const char *cookie)
{
    return respond(c, 303, "text/plain; charset=utf-8", "", 0, cookie, location);
}

/* Selecting words in the transcript fills the add form: the turn (from 1)
 * and the span in code points of the turn's text. */
static const char review_js[] =
    "document.addEventListener('mouseup',function(){var s=window.getSelection();"
    "if(!s||s.rangeCount<1||s.isCollapsed)return;var r=s.getRangeAt(0);"
    "var el=r.startContainer.nodeType===1?r.startContainer:r.startContainer.parentNode;"
    "var t=el.closest('.text[data-turn]');if(!t||!t.contains(r.endContainer))return;"
    "var pre=document.createRange();pre.setStart(t,0);pre.setEnd(r.startContainer,r.startOffset);"
    "var a=Array.from(pre.toString()).length,w=r.toString(),b=a+Array.from(w).length;"
    "var f=function(id,v){var e=document.getElementById(id);if(e)e.value=v;};"
    "f('add-turn',Number(t.dataset.turn)+1);f('add-start',a);f('add-end',b);f('add-text',w);});\n";

/* --------------------------------------------------------------- routes */

/* The viewer of a page: its forms carry the session's CSRF token with a new
 * page number (csrf: room for both), which makes each of them submit-once. */
static zj_viewer viewer_of(serve_session *s, char csrf[SERVE_TOKEN_LEN + 24])
{
    snprintf(csrf, SERVE_TOKEN_LEN + 24, "%s.%llu", s->csrf, (unsigned long long)serve_page_new(s));
    return (zj_viewer){s->user->name, s->user->role, s->user->agent_id, csrf};
}

static enum MHD_Result library_page(struct MHD_Connection *c, const serve_session *s,
                                    const char *title, zj_status st, const zj_error *err,
                                    zj_buf *body)
{
    enum MHD_Result r;
    if (st == ZJ_OK) {
        r = page(c, 200, s, title, body, NULL);
    } else {
        char msg[1200];
        zj_error_format(err, msg, sizeof msg);
        r = message(c, st == ZJ_ERR_DENIED ? 403 : st == ZJ_ERR_NOTFOUND ? 404 : 400, s, msg);
    }
    zj_buf_free(body);
    return r;
}

/* The login form, in the login session s (a new one when NULL); next: the
 * page to go to after login (NULL: the queue). A user already logged in
 * whose browser left the session cookie off (a link from another site)
 * opens that page with one click. */
static enum MHD_Result login_page(struct MHD_Connection *c, serve_session *s, const char *next,
                                  bool failed)
{
    char cookie[160];
    if (!s && !(s = serve_session_new(NULL)))
        return message(c, 500, NULL, "no random source");
    login_cookie(cookie, sizeof cookie, s->id);
    zj_buf b;
    zj_buf_init(&b);
    zj_buf_puts(&b, "<h2>登录</h2>");
    if (failed)
        zj_buf_puts(&b, "<p class=\"error\">用户名或密码错误。</p>");
    zj_buf_puts(&b, "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" "
                    "value=\"");
    zj_html_escape(&b, s->csrf);
    if (next) {
        zj_buf_puts(&b, "\"><input type=\"hidden\" name=\"next\" value=\"");
        zj_html_escape(&b, next);
    }
    zj_buf_puts(&b, "\"><p><label>用户名 <input name=\"user\" id=\"user\" required></label></p>"
                    "<p><label>密码 <input name=\"password\" id=\"password\" type=\"password\" "
                    "required></label></p><p><button id=\"login\">登录</button></p></form>");
    if (next) {
        zj_buf_puts(&b, "<p class=\"hint\">已经登录？<a id=\"next\" href=\"");
        zj_html_escape(&b, next);
        zj_buf_puts(&b, "\">直接打开链接的页面</a>（从其他网站打开的链接不带登录信息）。</p>");
    }
    enum MHD_Result r = page(c, failed ? 401 : 200, NULL, "登录", &b, cookie);
    zj_buf_free(&b);
    return r;
}

/* A request without a login: to the login page, which leads back to the
 * page asked for. */
static enum MHD_Result to_login(struct MHD_Connection *c, const char *url)
{
    zj_buf next, location;
    zj_buf_init(&next);
    zj_buf_init(&location);
    requested_page(c, url, &next);
    zj_buf_puts(&location, "/login");
    if (next.len && !next.failed && page_to_return_to(next.data)) {
        zj_buf_puts(&location, "?next=");
        zj_url_escape(&location, next.data);
    }
    enum MHD_Result r = next.failed || location.failed ? message(c, 500, NULL, "内存不足")
                                                       : redirect(c, location.data, NULL);
    zj_buf_free(&next);
    zj_buf_free(&location);
    return r;
}

/* The text fields of an action, decoded whole (malloc'd; "" when absent). */
enum { F_ACTION, F_CALL, F_RULE, F_TEXT, F_CATEGORY, F_NOTE, F_REASON, F_DECISION, N_FIELDS };
static const char *const field_names[N_FIELDS] = {"action",   "call", "rule",   "text",
                                                  "category", "note", "reason", "decision"};

static void fields_free(char **f)
{
    for (int i = 0; i < N_FIELDS; i++)
        free(f[i]);
}

/* A field that is there but cannot be read is refused by name: an empty
 * value in its place would record a verdict other than the one sent (no
 * note, or a whole-call confirmation for a finding's). */
static enum MHD_Result bad_field(struct MHD_Connection *c, const serve_session *s, const char *name,
                                 serve_field f)
{
    char msg[200];
    if (f == SERVE_FIELD_NOMEM)
        return message(c, 500, s, "内存不足");
    snprintf(msg, sizeof msg,
             "字段 %s 无法读取（含 %%00、错误的 %% 转义、非 UTF-8 字节、超出范围的数字，或重复给出）",
             name);
    return message(c, 400, s, msg);
}

/* Whether the form's page showed the rule set served now (form_rs: the
 * form's ruleset field). Without a --ruleset the server serves the newest
 * with results: a re-score with a changed rule set while a page is open
 * would record its verdict under the other rule set, where the page's
 * sample never sees it. false after answering. */
static bool same_ruleset(struct MHD_Connection *c, const serve_session *s, long form_rs,
                         enum MHD_Result *r)
{
    int64_t served;
    zj_error err;
    zj_error_clear(&err);
    if (form_rs <= 0) {
        *r = message(c, 400, s, "表单缺少规则集（ruleset）：请刷新页面后重试");
        return false;
    }
    if (zj_store_find_ruleset(app.st, app.ruleset, &served, &err) != ZJ_OK) {
        char msg[1200];
        zj_error_format(&err, msg, sizeof msg);
        *r = message(c, 500, s, msg);
        return false;
    }
    if (served != form_rs) {
        *r = message(c, 409, s,
                     "此页面显示的是另一规则集的结果，服务器现在显示的规则集已经改变（有通话按新"
                     "规则集重新评分）：本次操作未记录，请刷新页面后重做");
        return false;
    }
    return true;
}

/* Where an action's form leads once recorded: the page it was sent from. */
static enum MHD_Result done(struct MHD_Connection *c, const serve_session *s, const char *action,
                            const char *call, long sample)
{
    zj_buf location;
    zj_buf_init(&location);
    if (!strcmp(action, "close")) {
        zj_buf_printf(&location, "/sample?id=%ld", sample);
    } else {
        zj_buf_puts(&location, "/call?id=");
        zj_url_escape(&location, call);
    }
    enum MHD_Result r =
        location.failed ? message(c, 500, s, "内存不足") : redirect(c, location.data, NULL);
    zj_buf_free(&location);
    return r;
}

/* A form of a page (page > 0) sent before is not recorded again: sent as it
 * was, it is answered as the first time; with other values, or from a page
 * too old to tell, it is refused. false after answering. */
static bool first_sending(struct MHD_Connection *c, const serve_session *s, uint64_t page,
                          long form, const char *body, const char *action, const char *call,
                          long sample, enum MHD_Result *r)
{
    if (!page)
        return true; /* not a page's form (a script's POST): recorded each time */
    if (form <= 0 || form > (long)UINT32_MAX) {
        *r = message(c, 400, s, "表单缺少编号（form）：请刷新页面后重试");
        return false;
    }
    switch (serve_form_seen(s, page, (uint32_t)form, body)) {
    case SERVE_FORM_NEW:
        return true;
    case SERVE_FORM_REPEATED:
        *r = done(c, s, action, call, sample);
        return false;
    case SERVE_FORM_CHANGED:
        *r = message(c, 409, s,
                     "此表单已经提交并记录过，再次提交的内容不同：本次操作未记录，请刷新页面后"
                     "重做");
        return false;
    case SERVE_FORM_STALE:
        break;
    }
    *r = message(c, 409, s, "页面已过期：本次操作未记录，请刷新页面后重做");
    return false;
}

static enum MHD_Result act_do(struct MHD_Connection *c, serve_session *s, uint64_t page,
                              const char *body, char **f)
{
    static const char *const numbers[] = {"turn",   "turn1",  "span_start", "span_end",
                                          "appeal", "sample", "ruleset",    "form"};
    long v[8];
    enum MHD_Result refused;
    bool has_category = false;
    for (int i = 0; i < N_FIELDS; i++) {
        serve_field r = serve_form_text(body, field_names[i], &f[i]);
        if (r == SERVE_FIELD_BAD || r == SERVE_FIELD_NOMEM)
            return bad_field(c, s, field_names[i], r);
        has_category |= i == F_CATEGORY && r == SERVE_FIELD_OK;
    }
    for (int i = 0; i < 8; i++) {
        /* turn, turn1: an int; the others as the engine takes them */
        long max = i < 2 ? INT_MAX - 1 : LONG_MAX;
        serve_field r = serve_form_long(body, numbers[i], i == 1 || i >= 4 ? 0 : -1, max, &v[i]);
        if (r != SERVE_FIELD_OK)
            return bad_field(c, s, numbers[i], r);
    }
    long turn = v[0], turn1 = v[1], a = v[2], b = v[3], appeal = v[4], sample = v[5],
         form_rs = v[6], form = v[7];
    const char *action = f[F_ACTION], *call = f[F_CALL];
    /* One action at a time (one server thread): a form sent twice at once
     * is checked after the first sending is recorded. */
    if (!first_sending(c, s, page, form, body, action, call, sample, &refused))
        return refused;
    if (!strcmp(action, "close")) {
        if (s->user->role != ZJ_ROLE_SUPERVISOR)
            return message(c, 403, s, "只有主管可以关闭抽样");
        if (sample <= 0)
            return message(c, 400, s, "抽样编号不是正整数");
        if (!same_ruleset(c, s, form_rs, &refused))
            return refused;
        zj_error err;
        zj_error_clear(&err);
        char closed[16];
        if (zj_review_close_sample(app.st, app.ruleset, sample, s->user->name, closed, &err) !=
            ZJ_OK) {
            char msg[1200];
            zj_error_format(&err, msg, sizeof msg);
            return message(c, 400, s, msg);
        }
        if (page)
            serve_form_recorded(s, page, (uint32_t)form, body);
        return done(c, s, action, call, sample);
    }
    if (!action[0] || !call[0] || turn1 < 0)
        return message(c, 400, s, "表单不完整");
    const serve_user *u = s->user;
    zj_error err;
    zj_error_clear(&err);
    zj_status st;
    bool verdict =
        !strcmp(action, "confirm") || !strcmp(action, "reject") || !strcmp(action, "add");
    if (verdict) {
        if (u->role != ZJ_ROLE_INSPECTOR)
            return message(c, 403, s, "只有质检员可以确认、驳回或补充发现");
        if (!same_ruleset(c, s, form_rs, &refused))
            return refused;
        if (!strcmp(action, "add"))
            turn = turn1 > 0 ? turn1 - 1 : -1;
        st = zj_review_verdict(app.st, app.ruleset, u->name, action, call, f[F_RULE], (int)turn, a,
                               b, f[F_TEXT], f[F_CATEGORY], f[F_NOTE], &err);
    } else if (!strcmp(action, "appeal")) {
        if (u->role != ZJ_ROLE_AGENT)
            return message(c, 403, s, "只有坐席本人可以申诉");
        if (!same_ruleset(c, s, form_rs, &refused))
            return refused;
        int64_t id;
        /* A page's appeal of an added finding names its category (""
         * included); without the field, any. */
        st = zj_review_appeal(app.st, app.ruleset, u->agent_id, call, f[F_RULE], (int)turn + 1, a,
                              b, has_category ? f[F_CATEGORY] : NULL, f[F_REASON], &id, &err);
    } else if (!strcmp(action, "rule")) {
        if (u->role != ZJ_ROLE_SUPERVISOR)
            return message(c, 403, s, "只有主管可以裁决申诉");
        const char *decision = f[F_DECISION];
        if ((strcmp(decision, "uphold") && strcmp(decision, "overturn")) || appeal <= 0)
            return message(c, 400, s, "裁决不完整");
        if (!same_ruleset(c, s, form_rs, &refused))
            return refused;
        st = zj_review_ruling(app.st, app.ruleset, u->name, appeal, !strcmp(decision, "overturn"),
                              f[F_REASON], &err);
    } else {
        return message(c, 400, s, "未知操作");
    }
    if (st != ZJ_OK) {
        char msg[1200];
        zj_error_format(&err, msg, sizeof msg);
        return message(c, st == ZJ_ERR_NOTFOUND ? 404 : st == ZJ_ERR_USAGE ? 400 : 500, s, msg);
    }
    if (page)
        serve_form_recorded(s, page, (uint32_t)form, body);
    return done(c, s, action, call, sample);
}

static enum MHD_Result act(struct MHD_Connection *c, serve_session *s, uint64_t page,
                           const zj_buf *body)
{
    char *f[N_FIELDS] = {0};
    enum MHD_Result r = act_do(c, s, page, body->data ? body->data : "", f);
    fields_free(f);
    return r;
}

static enum MHD_Result route(struct MHD_Connection *c, const char *url, const char *method,
                             const zj_buf *body)
{
    bool post = !strcmp(method, "POST");
    if (!post && strcmp(method, "GET") && strcmp(method, "HEAD"))
        return message(c, 405, NULL, "不支持的请求方法");
    if (!strcmp(url, "/review.js"))
        return respond(c, 200, "text/javascript; charset=utf-8", review_js, sizeof review_js - 1,
                       NULL, NULL);
    /* A user's session, and the login form's: neither is taken for the
     * other. */
    serve_session *s =
        serve_session_find(MHD_lookup_connection_value(c, MHD_COOKIE_KIND, SESSION_COOKIE));
    if (s && !s->user)
        s = NULL;
    serve_session *pre =
        serve_session_find(MHD_lookup_connection_value(c, MHD_COOKIE_KIND, LOGIN_COOKIE));
    if (pre && pre->user)
        pre = NULL;
    bool login = !strcmp(url, "/login");
    /* Every form carries the session's token: a POST without it is refused,
     * login and logout included. */
    uint64_t page = 0; /* the page whose form this is (0: not a page's) */
    char *nul_field;
    if (post && serve_form_raw_nul(body->data, body->len, &nul_field)) {
        /* Read as a string the body would end there: a form cut short is
         * another form (a finding's confirmation a whole call's). */
        char msg[200];
        snprintf(msg, sizeof msg, "字段 %.60s 无法读取（含 NUL 字节）：本次操作未记录",
                 nul_field ? (nul_field[0] ? nul_field : "（无名）") : "?");
        free(nul_field);
        return message(c, 400, NULL, msg);
    }
    if (post) {
        char *csrf;
        serve_field cf = serve_form_text(body->data, "csrf", &csrf);
        bool ok = cf == SERVE_FIELD_OK && serve_csrf_ok(login ? pre : s, csrf, &page);
        free(csrf);
        if (!ok)
            return message(c, 403, NULL, "表单已过期或来源不明（CSRF 校验失败），请刷新页面重试");
    }
    if (login) {
        char *next = NULL;
        if (post) {
            if (serve_form_text(body->data, "next", &next) == SERVE_FIELD_NOMEM)
                return message(c, 500, NULL, "内存不足");
        } else {
            const char *n = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "next");
            next = n ? strdup(n) : NULL;
        }
        if (next && !page_to_return_to(next)) {
            free(next);
            next = NULL;
        }
        enum MHD_Result r;
        if (!post) {
            /* Logged in already: on to the page (a login form would not end
             * the session, but serves no purpose). */
            r = s ? redirect(c, next ? next : "/", NULL) : login_page(c, pre, next, false);
            free(next);
            return r;
        }
        char *user, *password;
        const serve_user *u = NULL;
        serve_field uf = serve_form_text(body->data, "user", &user);
        serve_field pf = serve_form_text(body->data, "password", &password);
        if (uf == SERVE_FIELD_OK && pf == SERVE_FIELD_OK)
            u = serve_login(&app.users, user, password);
        if (password)
            sodium_memzero(password, strlen(password));
        free(password);
        free(user);
        if (!u) {
            r = login_page(c, pre, next, true);
            free(next);
            return r;
        }
        /* A new session id on login: an id planted before it is worthless.
         * The browser's session cookie is replaced, so its session ends. */
        serve_session_end(pre);
        if (s)
            serve_session_end(s);
        serve_session *n = serve_session_new(u);
        char cookie[160];
        session_cookie(cookie, sizeof cookie, n->id);
        r = redirect(c, next ? next : "/", cookie);
        free(next);
        return r;
    }
    if (!s)
        return post ? message(c, 403, NULL, "请先登录") : to_login(c, url);
    if (!strcmp(url, "/logout") && post) {
        serve_session_end(s);
        char cookie[160];
        session_cookie(cookie, sizeof cookie, NULL);
        return redirect(c, "/login", cookie);
    }
    if (post && !strcmp(url, "/act"))
        return act(c, s, page, body);
    if (post)
        return message(c, 404, s, "没有这个页面");
    char csrf[SERVE_TOKEN_LEN + 24];
    zj_viewer v = viewer_of(s, csrf);
    zj_error err;
    zj_error_clear(&err);
    zj_buf b;
    zj_buf_init(&b);
    if (!strcmp(url, "/"))
        return library_page(c, s, "复核队列",
                            zj_review_page_home(app.st, app.ruleset, &v, &b, &err), &err, &b);
    if (!strcmp(url, "/sample")) {
        const char *id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "id");
        char *end = NULL;
        errno = 0;
        long long n = id ? strtoll(id, &end, 10) : 0;
        if (!id || *end || n <= 0 || errno == ERANGE) /* not the largest sample */
            return message(c, 400, s, "抽样编号不是正整数");
        return library_page(c, s, "抽样",
                            zj_review_page_sample(app.st, app.ruleset, n, &v, &b, &err), &err, &b);
    }
    if (!strcmp(url, "/call")) {
        const char *id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "id");
        if (!id || !id[0])
            return message(c, 400, s, "缺少通话编号");
        return library_page(c, s, id, zj_review_page_call(app.st, app.ruleset, id, &v, &b, &err),
                            &err, &b);
    }
    if (!strcmp(url, "/scorecard") || !strcmp(url, "/report")) {
        bool report = !strcmp(url, "/report");
        if (report && v.role == ZJ_ROLE_AGENT)
            return message(c, 403, s, "坐席不能查看审核报告");
        const char *by = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "by");
        zj_report_filter f = {.ruleset = app.ruleset,
                              .agent = v.role == ZJ_ROLE_AGENT ? v.agent_id : NULL};
        zj_status st =
            report
                ? zj_report_audit(app.st, &f, 0, NULL, NULL, "zhijian serve", ZJ_FMT_HTML, &b, &err)
                : zj_report_scorecard(app.st, &f,
                                      by && !strcmp(by, "team") && v.role != ZJ_ROLE_AGENT
                                          ? ZJ_BY_TEAM
                                          : ZJ_BY_AGENT,
                                      ZJ_FMT_HTML, &b, &err);
        enum MHD_Result r;
        if (st == ZJ_OK && !b.failed) {
            r = respond(c, 200, "text/html; charset=utf-8", b.data, b.len, NULL, NULL);
        } else {
            char msg[1200];
            zj_error_format(&err, msg, sizeof msg);
            r = message(c, st == ZJ_ERR_NOTFOUND ? 404 : 500, s, msg);
        }
        zj_buf_free(&b);
        return r;
    }
    zj_buf_free(&b);
    return message(c, 404, s, "没有这个页面");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    request *r = *con_cls;
    if (!r) {
        /* The first call: only the headers. A declared body too large is
         * refused before it is read. */
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        zj_buf_init(&r->body);
        const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (len && strtoll(len, NULL, 10) > MAX_BODY)
            r->too_large = true;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->body.len + *upload_size > MAX_BODY)
            r->too_large = true;
        else
            zj_buf_append(&r->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->too_large)
        return message(c, 413, NULL, "请求体过大");
    if (r->body.failed)
        return message(c, 500, NULL, "out of memory");
    return route(c, url, method, &r->body);
}

static void serve_usage(FILE *out)
{
    fprintf(out,
            "usage: zhijian serve --users FILE [--db PATH] [--bind HOST:PORT]\n"
            "                     [--ruleset NAME[@VER]] [--secure-cookies]\n"
            "       zhijian serve --hash-password < password.txt\n"
            "\n"
            "The review web application, in Chinese: inspectors open a saved sample's calls,\n"
            "see each transcript with its findings marked in place, confirm or reject them\n"
            "and add what the engine missed by selecting the words; an agent sees and\n"
            "appeals only their own calls; a supervisor rules on appeals. The sample page\n"
            "shows machine and final scores and the ISO 2859-1 accept/reject decision;\n"
            "the scorecards and the audit report are one click away. Every action is kept\n"
            "in the append-only review record (docs/review.md).\n"
            "\n"
            "  --users FILE         who may log in: one line per user,\n"
            "                       name:role:agent_id:hash, role inspector, supervisor or\n"
            "                       agent (agent_id: the agent's id in the calls; empty for\n"
            "                       the others), hash from --hash-password (Argon2id)\n"
            "  --db PATH            the result database (default: zhijian.db), or a PostgreSQL\n"
            "                       store: --db postgresql://qa@db.example/zhijian\n"
            "  --bind HOST:PORT     where to listen (default 127.0.0.1:8080: this machine\n"
            "                       only; an IPv4 address). Another than 127.x.x.x is\n"
            "                       warned about: the server speaks plain HTTP, so put a\n"
            "                       TLS proxy in front of it\n"
            "  --ruleset NAME[@VER] whose results (default: the newest with results)\n"
            "  --secure-cookies     mark the session cookie Secure: browsers send it over\n"
            "                       https only. Give it behind a TLS reverse proxy (the\n"
            "                       server itself speaks plain HTTP: without the proxy,\n"
            "                       logging in would not stick)\n"
            "  --hash-password      print the hash of the password on standard input\n"
            "\n"
            "Sessions are cookies (HttpOnly, SameSite=Strict, and Secure with\n"
            "--secure-cookies) that end after 8 idle hours; the login form has a cookie\n"
            "of its own, so reaching it (a link from another site comes without the\n"
            "session cookie) logs nobody out, and it leads back to the page linked.\n"
            "Every form carries a CSRF token and is recorded once however often it is\n"
            "sent; request bodies over 64 KiB are refused.\n"
            "\n"
            "Examples:\n"
            "  echo 'secret' | zhijian serve --hash-password        # -> $argon2id$v=19$...\n"
            "  printf '张敏:inspector::%%s\\n' \"$hash\" > users.txt\n"
            "  zhijian serve --db out/zhijian.db --users users.txt   # http://127.0.0.1:8080/\n"
            "  # behind nginx serving https://qa.example.com/ and passing to 127.0.0.1:8080:\n"
            "  zhijian serve --db out/zhijian.db --users users.txt --secure-cookies\n");
}

int cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"users", required_argument, NULL, 'u'},
        {"db", required_argument, NULL, 'd'},
        {"bind", required_argument, NULL, 'b'},
        {"ruleset", required_argument, NULL, 'r'},
        {"hash-password", no_argument, NULL, 'p'},
        {"secure-cookies", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *users = NULL, *db = "zhijian.db", *bind = "127.0.0.1:8080";
    bool hash = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'u':
            users = optarg;
            break;
        case 'd':
            if (!cli_db_arg_ok("serve", optarg))
                return EXIT_USAGE;
            db = optarg;
            break;
        case 'b':
            bind = optarg;
            break;
        case 'r':
            app.ruleset = optarg;
            break;
        case 'p':
            hash = true;
            break;
        case 's':
            app.secure_cookies = true;
            break;
        case 'h':
            serve_usage(stdout);
            return EXIT_OK;
        default:
            serve_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        cli_error("serve: unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    if (sodium_init() < 0) {
        cli_error("serve: libsodium cannot start");
        return EXIT_USAGE;
    }
    if (hash)
        return serve_hash_password();
    if (!users) {
        cli_error("serve: --users FILE is needed (who may log in)");
        serve_usage(stderr);
        return EXIT_USAGE;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET};
    char host[64];
    const char *colon = strrchr(bind, ':');
    /* Digits only: 127.0.0.1:8080x, '127.0.0.1: 8080' and 127.0.0.1:+8080
     * are typing errors, not port 8080 (and the last two would be printed
     * as a URL that is none). */
    size_t digits = colon ? strspn(colon + 1, "0123456789") : 0;
    long port = digits && digits <= 5 && !colon[1 + digits] ? strtol(colon + 1, NULL, 10) : -1;
    if (!colon || (size_t)(colon - bind) >= sizeof host || port < 1 || port > 65535) {
        cli_error("serve: --bind: expected HOST:PORT, e.g. 127.0.0.1:8080, got '%s'", bind);
        return EXIT_USAGE;
    }
    memcpy(host, bind, (size_t)(colon - bind));
    host[colon - bind] = 0;
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        cli_error("serve: --bind: '%s' is not an IPv4 address", host);
        return EXIT_USAGE;
    }
    addr.sin_port = htons((uint16_t)port);
    /* Beyond this machine, passwords and session cookies would cross the
     * network in plain HTTP. */
    if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127)
        cli_warn("serve: --bind %s: other machines can reach this server, which speaks plain "
                 "HTTP (passwords and session cookies unencrypted): put it behind a TLS proxy and "
                 "give --secure-cookies (docs/review.md)",
                 host);
    if (!serve_users_load(users, &app.users))
        return EXIT_USAGE;
    zj_error err;
    zj_error_clear(&err);
    int64_t rs_id;
    if (!(app.st = cli_store_open_existing(db, true, &err)) ||
        /* --ruleset naming none would only make every page an error */
        (app.ruleset && zj_store_find_ruleset(app.st, app.ruleset, &rs_id, &err) != ZJ_OK)) {
        cli_report(&err);
        if (app.st)
            zj_store_close(app.st);
        serve_users_free(&app.users);
        return EXIT_USAGE;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, handler,
        NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED,
        completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256, MHD_OPTION_END);
    if (!d) {
        cli_error("serve: cannot listen on %s (in use, or not this machine's address)", bind);
        zj_store_close(app.st);
        serve_users_free(&app.users);
        return EXIT_USAGE;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    fprintf(stderr, "zhijian: serving http://%s/ (%zu users; Ctrl-C stops)\n", bind, app.users.n);
    while (!stop_requested)
        pause();
    MHD_stop_daemon(d);
    zj_store_close(app.st);
    serve_users_free(&app.users);
    fprintf(stderr, "zhijian: stopped\n");
    return EXIT_OK;
}

#else

int cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("serve: this zhijian was built without libmicrohttpd and libsodium "
              "(apt-get install libmicrohttpd-dev libsodium-dev, then rebuild)");
    return EXIT_USAGE;
}

#endif
