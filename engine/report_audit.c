/* report_audit.c — the audit report with the items ISO 19011 §6.5.1 asks of
 * an audit report: objectives, scope (with sampling), criteria, method,
 * graded findings with evidence, conclusions with KPIs, a corrective-action
 * register, the limits of the evidence, what cannot be assessed from
 * transcripts, and how to reproduce the report. In Chinese. */
#define _GNU_SOURCE /* asprintf */
#include "internal.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The sampled calls the scope section names (a sample of ISO 2859-1 can hold
 * 1,250 calls: the rest are listed by `zhijian sample`). */
#define SAMPLE_CALLS_LISTED 100

/* A minor rule hit at least this often per 100 calls is a 一般不符合. */
#define MINOR_FREQUENCY_THRESHOLD 5.0

/* Grade of a finding (rule) per the documented mapping. */
static const char *finding_grade(const char *severity, bool fatal, double per100)
{
    if (fatal || strcmp(severity, "critical") == 0)
        return "严重不符合";
    if (strcmp(severity, "major") == 0 ||
        (strcmp(severity, "minor") == 0 && per100 >= MINOR_FREQUENCY_THRESHOLD))
        return "一般不符合";
    return "观察项";
}

/* A UTC time as the store records it (2026-11-25T08:30:00Z) in local time,
 * as a reader in the call centre reads it: "2026-11-25 16:30（UTC+08:00）". */
static const char *local_time_of(zj_doc *d, const char *utc)
{
    struct tm tm = {0};
    if (sscanf(utc, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return utc;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    struct tm lt;
    char when[32], zone[8];
    if (!localtime_r(&t, &lt) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M", &lt) ||
        !strftime(zone, sizeof zone, "%z", &lt))
        return utc;
    return zj_doc_strf(d, "%s（UTC%.3s:%s）", when, zone, zone + 3);
}

/* The filters a sample was drawn with (JSON as recorded) in words. */
static const char *filters_in_words(zj_doc *d, const char *json)
{
    json_t *o = json_loads(json, 0, NULL);
    const char *from = json_string_value(json_object_get(o, "from"));
    const char *to = json_string_value(json_object_get(o, "to"));
    const char *team = json_string_value(json_object_get(o, "team"));
    const char *agent = json_string_value(json_object_get(o, "agent"));
    const char *words =
        !o ? json
           : zj_doc_strf(d, "期间 %s 至 %s；班组 %s；坐席 %s", from ? from : "最早",
                         to ? to : "最近", team ? team : "全部", agent ? agent : "全部");
    json_decref(o);
    return words;
}

/* The scope table's 抽样 row: no sample cited, or the saved sample asked for
 * with its plan, filters, local time and calls. NULL with err set when the
 * rule set has no sample of that id or the store fails. */
static const char *sampling_row(zj_store *st, zj_doc *d, int64_t rid, int64_t sample_id, long calls,
                                zj_error *err)
{
    if (sample_id <= 0)
        return zj_doc_strf(d,
                           "全数：所选范围内的全部 %ld 通已评分通话均经自动评分；本报告未引用"
                           "人工复核抽样（zhijian sample --save 保存抽样，report --sample "
                           "编号 引用）。",
                           calls);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(zj_store_db(st),
                           "SELECT method, coalesce(level, ''), aql, lot_size, sample_size,"
                           " accept_n, reject_n, seed, created_at, filters FROM samples"
                           " WHERE id = ?2 AND ruleset_id = ?1",
                           -1, &q, NULL) != SQLITE_OK) {
        zj_store_error(st, err, "cannot read the samples");
        return NULL;
    }
    sqlite3_bind_int64(q, 1, rid);
    sqlite3_bind_int64(q, 2, sample_id);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        if (rc == SQLITE_DONE)
            zj_error_set(err, ZJ_ERR_NOTFOUND, NULL, 0, 0,
                         "no sample %lld was saved for this rule set (zhijian sample --save "
                         "prints the id of the sample it records)",
                         (long long)sample_id);
        else
            zj_store_error(st, err, "cannot read the samples");
        sqlite3_finalize(q);
        return NULL;
    }
    const char *plan =
        strcmp(zj_col(q, 0), "ISO 2859-1") == 0
            ? zj_doc_strf(d, "ISO 2859-1（GB/T 2828.1）一般检验水平 %s%s", zj_col(q, 1),
                          sqlite3_column_type(q, 2) != SQLITE_NULL
                              ? zj_doc_strf(d,
                                            "，AQL %s 正常检验一次抽样方案（Ac = %lld，Re = "
                                            "%lld）",
                                            zj_col(q, 2), (long long)sqlite3_column_int64(q, 5),
                                            (long long)sqlite3_column_int64(q, 6))
                              : "")
            : "固定样本量";
    const char *row = zj_doc_strf(
        d,
        "全部 %ld 通已评分通话均经自动评分；另引用抽样编号 %lld：按%s从批量 %lld 通中抽取 %lld "
        "通供人工复核，按坐席通话量比例分配，种子 %lld；抽样条件：%s；抽样时间：%s。",
        calls, (long long)sample_id, plan, (long long)sqlite3_column_int64(q, 3),
        (long long)sqlite3_column_int64(q, 4), (long long)sqlite3_column_int64(q, 7),
        filters_in_words(d, zj_col(q, 9)), local_time_of(d, zj_col(q, 8)));
    sqlite3_finalize(q);
    /* The sampled calls, by id, so a reader can open each one. */
    if (sqlite3_prepare_v2(zj_store_db(st),
                           "SELECT c.call_id FROM sample_calls s JOIN calls c ON c.id = s.call_row"
                           " WHERE s.sample_id = ?1 ORDER BY c.call_id",
                           -1, &q, NULL) != SQLITE_OK) {
        zj_store_error(st, err, "cannot read the sampled calls");
        return NULL;
    }
    sqlite3_bind_int64(q, 1, sample_id);
    zj_buf ids;
    zj_buf_init(&ids);
    long n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (n++ < SAMPLE_CALLS_LISTED) {
            zj_buf_puts(&ids, n > 1 ? "、" : "");
            zj_buf_puts(&ids, zj_col(q, 0));
        }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        zj_buf_free(&ids);
        zj_store_error(st, err, "cannot read the sampled calls");
        return NULL;
    }
    if (ids.failed) {
        zj_buf_free(&ids);
        zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    row = n > SAMPLE_CALLS_LISTED
              ? zj_doc_strf(d, "%s样本通话共 %ld 通，列出 %d 通（按通话编号）：%s。", row, n,
                            SAMPLE_CALLS_LISTED, ids.data)
              : zj_doc_strf(d, "%s样本通话（共 %ld 通）：%s。", row, n, n ? ids.data : "无");
    zj_buf_free(&ids);
    return row;
}

/* The rule set's enum words as a Chinese reader says them (the rule format
 * and the store keep the English keys). Unknown words are shown as stored. */
static const char *kind_zh(const char *kind)
{
    return strcmp(kind, "required") == 0    ? "规定用语"
           : strcmp(kind, "forbidden") == 0 ? "服务忌语"
           : strcmp(kind, "metric") == 0    ? "指标"
           : strcmp(kind, "tag") == 0       ? "情形"
                                            : kind;
}

static const char *severity_zh(const char *severity)
{
    return strcmp(severity, "critical") == 0      ? "严重"
           : strcmp(severity, "major") == 0       ? "一般"
           : strcmp(severity, "minor") == 0       ? "轻微"
           : strcmp(severity, "observation") == 0 ? "观察"
                                                  : severity;
}

/* The standard as an auditor cites it: 《title》 with the rule set's name and
 * version, and its scoring base and pass mark. */
static zj_status standard_of(zj_store *st, int64_t rid, char *name, size_t size, int *base,
                             int *pass, zj_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(zj_store_db(st),
                           "SELECT name, version, coalesce(title, ''), base, pass FROM rulesets"
                           " WHERE id = ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return zj_store_error(st, err, "cannot read the rule set");
    sqlite3_bind_int64(q, 1, rid);
    if (!zj_report_one_row(st, q, err)) {
        sqlite3_finalize(q);
        return err->status;
    }
    if (zj_col(q, 2)[0])
        snprintf(name, size, "《%s》（规则集 %s，版本 %s）", zj_col(q, 2), zj_col(q, 0),
                 zj_col(q, 1));
    else
        snprintf(name, size, "规则集 %s（版本 %s）", zj_col(q, 0), zj_col(q, 1));
    *base = sqlite3_column_int(q, 3);
    *pass = sqlite3_column_int(q, 4);
    sqlite3_finalize(q);
    return ZJ_OK;
}

/* 不可评估事项: the rule set's `not_assessable:` list ({clause, why}, checked
 * when the rule set was loaded), read from the YAML stored with the results,
 * so each standard states its own. */
static zj_status not_assessable(zj_store *st, zj_doc *d, int64_t rid, zj_error *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(zj_store_db(st), "SELECT yaml FROM rulesets WHERE id = ?1", -1, &q,
                           NULL) != SQLITE_OK)
        return zj_store_error(st, err, "cannot read the rule set");
    sqlite3_bind_int64(q, 1, rid);
    if (!zj_report_one_row(st, q, err)) {
        sqlite3_finalize(q);
        return err->status;
    }
    zj_ynode *root = zj_yaml_parse((const char *)sqlite3_column_text(q, 0),
                                   (size_t)sqlite3_column_bytes(q, 0), "stored rule set", err);
    sqlite3_finalize(q);
    if (!root)
        return err->status;
    /* A rule set built with `extends:` is stored as its files in merge order,
     * base first: the last file that sets the list is the one that counts,
     * as a top-level setting replaces the base's. */
    const zj_ynode *list = NULL;
    for (size_t i = 0; root->type == ZJ_YNODE_MAP && i + 1 < root->n; i += 2)
        if (root->items[i]->type == ZJ_YNODE_SCALAR &&
            strcmp(root->items[i]->value, "not_assessable") == 0)
            list = root->items[i + 1];
    if (!list || list->type != ZJ_YNODE_SEQ || !list->n) {
        zj_doc_para(d, "规则集未列出不可评估事项（规则集的 not_assessable 项）。");
    } else {
        zj_doc_para(d, "以下要求无法仅凭通话转写文本评估，本报告不作判断（依规则集所列）：");
        const char *h[] = {"条款", "要求与原因"};
        zj_doc_block *t = zj_doc_table(d, "not_assessable", 2, h);
        for (size_t i = 0; i < list->n; i++) {
            const zj_ynode *clause = zj_yaml_get(list->items[i], "clause");
            const zj_ynode *why = zj_yaml_get(list->items[i], "why");
            zj_doc_row(t, zj_doc_strf(d, "%s", clause && clause->value ? clause->value : ""),
                       zj_doc_strf(d, "%s", why && why->value ? why->value : ""));
        }
    }
    zj_yaml_free(root);
    return ZJ_OK;
}

static int grade_rank(const char *g)
{
    return strcmp(g, "严重不符合") == 0 ? 0 : strcmp(g, "一般不符合") == 0 ? 1 : 2;
}

typedef struct finding_row {
    char *rule, *clause, *title, *severity, *kind;
    const char *grade;
    long count, calls;
    bool fatal;
    double per100;
} finding_row;

static int cmp_finding_row(const void *a, const void *b)
{
    const finding_row *x = a, *y = b;
    int d = grade_rank(x->grade) - grade_rank(y->grade);
    if (d)
        return d;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->rule, y->rule);
}

typedef struct evidence_row {
    char *rule, *call, *who, *when, *text;
    bool missing;
    int turn;                  /* 0-based as stored; shown 1-based */
    long span_start, span_end; /* code points in the turn; -1: none */
} evidence_row;

/* Evidence rows listed per finding; the rest are counted (共 N 次，列出 M 次). */
#define EVIDENCE_LISTED 3

/* Code points of context shown either side of a quote. */
#define QUOTE_CONTEXT 12

/* Byte offset of code point cp in UTF-8 s (len bytes), clamped to len. */
static size_t utf8_offset(const char *s, size_t len, long cp)
{
    size_t i = 0;
    for (long k = 0; k < cp && i < len; k++)
        for (i++; i < len && ((unsigned char)s[i] & 0xC0) == 0x80; i++)
            ;
    return i;
}

/* The call's local time as its record states it ("2026-11-09T09:20:40+08:00"
 * reads "2026-11-09 09:20"); a time in another form is shown as stored. */
static const char *call_local_time(zj_doc *d, const char *at)
{
    int y, mo, da, h, mi;
    char t;
    if (sscanf(at, "%4d-%2d-%2d%c%2d:%2d", &y, &mo, &da, &t, &h, &mi) != 6 ||
        (t != 'T' && t != ' '))
        return at;
    return zj_doc_strf(d, "%04d-%02d-%02d %02d:%02d", y, mo, da, h, mi);
}

/* The quoted words marked in their sentence: up to QUOTE_CONTEXT code points
 * of the turn either side, "…" where the turn goes on. Without a recorded
 * span the stored quote alone is shown. NULL (err set) when the call cannot
 * be read. */
static const char *quote_in_sentence(zj_store *st, zj_doc *d, int64_t rid, const evidence_row *e,
                                     zj_error *err)
{
    if (e->turn < 0 || e->span_start < 0 || e->span_end <= e->span_start)
        return zj_doc_strf(d, ZJ_MARK_OPEN "%s" ZJ_MARK_CLOSE, e->text);
    zj_stored_call sc;
    if (zj_store_get_call(st, e->call, rid, &sc, err) != ZJ_OK)
        return NULL;
    const char *r;
    if (!sc.call || (size_t)e->turn >= sc.call->n_turns) {
        r = zj_doc_strf(d, ZJ_MARK_OPEN "%s" ZJ_MARK_CLOSE, e->text);
    } else {
        const zj_turn *t = &sc.call->turns[e->turn];
        long from = e->span_start > QUOTE_CONTEXT ? e->span_start - QUOTE_CONTEXT : 0;
        size_t a = utf8_offset(t->text, t->text_len, from);
        size_t b = utf8_offset(t->text, t->text_len, e->span_start);
        size_t c = utf8_offset(t->text, t->text_len, e->span_end);
        size_t z = utf8_offset(t->text, t->text_len, e->span_end + QUOTE_CONTEXT);
        r = zj_doc_strf(d, "%s%.*s" ZJ_MARK_OPEN "%.*s" ZJ_MARK_CLOSE "%.*s%s", a > 0 ? "…" : "",
                        (int)(b - a), t->text + a, (int)(c - b), t->text + b, (int)(z - c),
                        t->text + c, z < t->text_len ? "…" : "");
    }
    zj_stored_call_free(&sc);
    return r;
}

/* Every string of the report's rows is copied (no fixed buffer cuts a long
 * title or call id in the middle of a character); a copy that fails records
 * the document's error. */
static char *col_copy(zj_doc *d, sqlite3_stmt *q, int i)
{
    char *s = zj_strdup(zj_col(q, i));
    if (!s)
        zj_doc_fail(d, ZJ_ERR_NOMEM);
    return s;
}

static void free_findings(finding_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].rule);
        free(rows[i].clause);
        free(rows[i].title);
        free(rows[i].severity);
        free(rows[i].kind);
    }
    free(rows);
}

static void free_evidence(evidence_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].rule);
        free(rows[i].call);
        free(rows[i].who);
        free(rows[i].when);
        free(rows[i].text);
    }
    free(rows);
}

/* Grows an array of rows by one; NULL (error recorded) when out of memory. */
static void *push_row(zj_doc *d, void **v, size_t *n, size_t *cap, size_t size)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        void *p = realloc(*v, c * size);
        if (!p) {
            zj_doc_fail(d, ZJ_ERR_NOMEM);
            return NULL;
        }
        *v = p;
        *cap = c;
    }
    void *row = (char *)*v + (*n)++ * size;
    memset(row, 0, size);
    return row;
}

/* A field to fill in by hand: the report never invents a name or a date. */
#define BLANK "＿＿＿＿＿＿"

static const char *or_blank(const char *s)
{
    return s && s[0] ? s : BLANK;
}

/* 报告信息 (number, date, audit team, auditee, distribution) and the
 * 编制/审核/批准 sign-off block; meta may be NULL (every field blank). */
static void audit_metadata(zj_doc *d, const zj_audit_meta *meta)
{
    static const zj_audit_meta none = {0};
    if (!meta)
        meta = &none;
    zj_buf team;
    zj_buf_init(&team);
    for (size_t i = 0; i < meta->n_auditors; i++) {
        if (i)
            zj_buf_puts(&team, "、");
        zj_buf_puts(&team, meta->auditors[i]);
    }
    if (team.failed)
        zj_doc_fail(d, ZJ_ERR_NOMEM);
    zj_doc_heading(d, 2, "报告信息");
    const char *mh[] = {"项目", "内容"};
    zj_doc_block *t = zj_doc_table(d, "metadata", 2, mh);
    zj_doc_row(t, "报告编号", or_blank(meta->report_no));
    zj_doc_row(t, "报告日期", or_blank(meta->report_date));
    zj_doc_row(t, "审核组", team.len ? zj_doc_strf(d, "%s", team.data) : BLANK);
    zj_doc_row(t, "受审核方", or_blank(meta->auditee));
    zj_doc_row(t, "分发范围", or_blank(meta->distribution));
    zj_buf_free(&team);
    const char *sh[] = {"签署", "姓名", "日期"};
    zj_doc_block *so = zj_doc_table(d, "signoff", 3, sh);
    zj_doc_row(so, "编制", BLANK, BLANK);
    zj_doc_row(so, "审核", BLANK, BLANK);
    zj_doc_row(so, "批准", BLANK, BLANK);
}

zj_status zj_report_audit(zj_store *st, const zj_report_filter *f, int64_t sample_id,
                          const zj_audit_meta *meta, const char *db_path, const char *command,
                          zj_format format, zj_buf *out, zj_error *err)
{
    if (format != ZJ_FMT_MD && format != ZJ_FMT_HTML && format != ZJ_FMT_JSON)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                            "the audit report comes as md, html or json");
    int64_t rid;
    zj_status s = zj_store_find_ruleset(st, f->ruleset, &rid, err);
    if (s != ZJ_OK)
        return s;
    char label[300], sha[65];
    zj_report_scope in = zj_report_scope_of(st, rid, f);
    if ((s = zj_report_ruleset(st, rid, label, sizeof label, sha, err)) != ZJ_OK)
        return s;
    char standard[700];
    int base = 0, pass = 0;
    if ((s = standard_of(st, rid, standard, sizeof standard, &base, &pass, err)) != ZJ_OK)
        return s;
    if ((s = zj_report_require_calls(st, rid, f, "audit report", err)) != ZJ_OK)
        return s;
    zj_doc *d = zj_doc_new("呼叫中心服务质量审核报告");
    if (!d)
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    char *sql;
    sqlite3_stmt *q = NULL;
    int rc;
    finding_row *rows = NULL;
    size_t n_rows = 0, cap = 0;
    evidence_row *ev_rows = NULL;
    size_t n_ev = 0, ev_cap = 0;
    zj_buf teams;
    zj_buf_init(&teams);

    /* Scope figures. */
    sql = zj_sqlf("SELECT count(*), count(DISTINCT c.agent_id), count(DISTINCT c.team),"
                  " min(c.local_date), max(c.local_date), avg(c.score), sum(c.passed),"
                  " sum(c.fatal) FROM calls c WHERE%s" ZJ_CALL_FILTER_REST,
                  in.calls);
    q = zj_report_query(st, sql, rid, f, err);
    free(sql);
    if (!q || !zj_report_one_row(st, q, err))
        goto fail;
    long calls = sqlite3_column_int64(q, 0), agents = sqlite3_column_int64(q, 1);
    const char *first_day = zj_doc_strf(d, "%s", zj_col(q, 3));
    const char *last_day = zj_doc_strf(d, "%s", zj_col(q, 4));
    double mean = sqlite3_column_double(q, 5);
    long passed = sqlite3_column_int64(q, 6), fatal_calls = sqlite3_column_int64(q, 7);
    sqlite3_finalize(q);
    sql = zj_sqlf(
        "SELECT DISTINCT coalesce(c.team, '(未分组)') FROM calls c WHERE%s" ZJ_CALL_FILTER_REST
        " ORDER BY 1",
        in.calls);
    q = zj_report_query(st, sql, rid, f, err);
    free(sql);
    if (!q)
        goto fail;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (teams.len)
            zj_buf_puts(&teams, "、");
        zj_buf_puts(&teams, zj_col(q, 0));
    }
    if (zj_report_done(st, rc, err) != ZJ_OK)
        goto fail;
    sqlite3_finalize(q);
    q = NULL;
    if (teams.failed)
        zj_doc_fail(d, ZJ_ERR_NOMEM);

    /* Findings per rule with their grade. */
    sql = zj_sqlf("SELECT x.rule_id, x.clause, coalesce(r.title, ''), x.severity, x.kind, x.n,"
                  " x.calls, coalesce(r.fatal, 0) FROM (SELECT f.rule_id AS rule_id,"
                  " max(coalesce(f.clause, '')) AS clause, max(f.severity) AS severity,"
                  " max(f.kind) AS kind, count(*) AS n, count(DISTINCT f.call_row) AS calls"
                  "%s" ZJ_CALL_FILTER_REST
                  " AND (f.outcome = 'hit' AND f.kind = 'forbidden' OR f.outcome = 'missing'"
                  " AND f.points < 0) GROUP BY f.rule_id) x"
                  " LEFT JOIN rules r ON r.ruleset_id = ?1 AND r.rule_id = x.rule_id",
                  in.findings);
    q = zj_report_query(st, sql, rid, f, err);
    free(sql);
    if (!q)
        goto fail;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        finding_row *r = push_row(d, (void **)&rows, &n_rows, &cap, sizeof *rows);
        if (!r)
            break;
        r->rule = col_copy(d, q, 0);
        r->clause = col_copy(d, q, 1);
        r->title = col_copy(d, q, 2);
        r->severity = col_copy(d, q, 3);
        r->kind = col_copy(d, q, 4);
        r->count = sqlite3_column_int64(q, 5);
        r->calls = sqlite3_column_int64(q, 6);
        r->fatal = sqlite3_column_int(q, 7);
        r->per100 = calls ? 100.0 * (double)r->count / (double)calls : 0;
        if (zj_doc_status(d) != ZJ_OK)
            break;
        r->grade = finding_grade(r->severity, r->fatal, r->per100);
    }
    if (zj_doc_status(d) == ZJ_OK && zj_report_done(st, rc, err) != ZJ_OK)
        goto fail;
    sqlite3_finalize(q);
    q = NULL;
    if (zj_doc_status(d) != ZJ_OK)
        goto render; /* the document's error is the report's */
    if (n_rows)
        qsort(rows, n_rows, sizeof *rows, cmp_finding_row);
    /* KPIs. */
    long taboo_hits = 0, met = 0, missing = 0, complaint_calls = 0, complaint_ok = 0;
    sql = zj_sqlf(
        "SELECT sum(CASE WHEN f.kind = 'forbidden' AND f.outcome = 'hit' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN f.kind = 'required' AND f.outcome = 'met' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN f.kind = 'required' AND f.outcome = 'missing' THEN 1 ELSE 0 END)"
        "%s" ZJ_CALL_FILTER_REST,
        in.findings);
    q = zj_report_query(st, sql, rid, f, err);
    free(sql);
    if (!q || !zj_report_one_row(st, q, err))
        goto fail;
    taboo_hits = sqlite3_column_int64(q, 0);
    met = sqlite3_column_int64(q, 1);
    missing = sqlite3_column_int64(q, 2);
    sqlite3_finalize(q);
    /* Complaint calls: marked by a tag rule of the 投诉处理 category. */
    sql = zj_sqlf("SELECT count(*), sum(CASE WHEN c.passed = 1 AND NOT EXISTS (SELECT 1 FROM"
                  " findings x WHERE x.call_row = c.id AND x.kind = 'forbidden' AND x.outcome ="
                  " 'hit') THEN 1 ELSE 0 END) FROM calls c WHERE%s" ZJ_CALL_FILTER_REST
                  " AND EXISTS (SELECT 1 FROM findings t JOIN rules r ON r.ruleset_id ="
                  " c.ruleset_id AND r.rule_id = t.rule_id WHERE t.call_row = c.id AND t.kind ="
                  " 'tag' AND t.outcome = 'hit' AND r.category = '投诉处理')",
                  in.calls);
    q = zj_report_query(st, sql, rid, f, err);
    free(sql);
    if (!q || !zj_report_one_row(st, q, err))
        goto fail;
    complaint_calls = sqlite3_column_int64(q, 0);
    complaint_ok = sqlite3_column_int64(q, 1);
    sqlite3_finalize(q);
    /* Conversation KPIs: metric findings (answer time, holds, interruptions)
     * and the complaint-handling rules (category 投诉处理, not tags, as the
     * complaint count above). Findings
     * that are not_applicable or not_measurable count in neither. */
    long metric_met = 0, metric_hit = 0, metric_nm = 0, handling_ok = 0, handling_bad = 0;
    sql = zj_sqlf(
        "SELECT sum(CASE WHEN f.kind = 'metric' AND f.outcome = 'met' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN f.kind = 'metric' AND f.outcome = 'hit' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN f.kind = 'metric' AND f.outcome = 'not_measurable' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN f.outcome = 'met' AND f.rule_id IN (SELECT rule_id FROM rules WHERE"
        " ruleset_id = ?1 AND category = '投诉处理' AND kind <> 'tag') THEN 1 ELSE 0 END),"
        " sum(CASE WHEN f.outcome IN ('missing', 'hit') AND f.rule_id IN (SELECT rule_id FROM"
        " rules WHERE ruleset_id = ?1 AND category = '投诉处理' AND kind <> 'tag') THEN 1 ELSE 0"
        " END)"
        "%s" ZJ_CALL_FILTER_REST,
        in.findings);
    q = zj_report_query(st, sql, rid, f, err);
    free(sql);
    if (!q || !zj_report_one_row(st, q, err))
        goto fail;
    metric_met = sqlite3_column_int64(q, 0);
    metric_hit = sqlite3_column_int64(q, 1);
    metric_nm = sqlite3_column_int64(q, 2);
    handling_ok = sqlite3_column_int64(q, 3);
    handling_bad = sqlite3_column_int64(q, 4);
    sqlite3_finalize(q);
    q = NULL;
    double pass_rate = calls ? 100.0 * (double)passed / (double)calls : 0;
    long severe = 0;
    for (size_t i = 0; i < n_rows; i++)
        severe += grade_rank(rows[i].grade) == 0;
    const char *verdict = pass_rate >= 95 && severe == 0 ? "符合"
                          : pass_rate >= 80              ? "基本符合"
                                                         : "不符合";
    /* The report's identity and sign-off, as ISO 19011 6.5.1 lists them;
     * what the options did not give is a blank to fill in by hand. */
    audit_metadata(d, meta);
    zj_doc_heading(d, 2, "1 审核结论");
    zj_doc_para(d,
                "结论：所审核通话对服务标准总体%s。合格率 %.1f%%，平均分 %.1f；严重不符合 %ld 项，"
                "一票否决通话 %ld 通。",
                verdict, pass_rate, mean, severe, fatal_calls);
    const char *kh[] = {"指标", "数值", "口径"};
    zj_doc_block *kt = zj_doc_table(d, "kpi", 3, kh);
    zj_doc_row(kt, "合格率", zj_doc_strf(d, "%.1f%%", pass_rate), "合格通话 / 评分通话");
    zj_doc_row(kt, "平均分", zj_doc_strf(d, "%.1f", mean), "各通话得分的算术平均");
    zj_doc_row(
        kt, "忌语发生率",
        zj_doc_strf(d, "%.1f 次/百通", calls ? 100.0 * (double)taboo_hits / (double)calls : 0),
        "服务忌语命中次数 × 100 / 评分通话");
    zj_doc_row(
        kt, "礼貌用语覆盖率",
        zj_doc_strf(d, "%.1f%%", met + missing ? 100.0 * (double)met / (double)(met + missing) : 0),
        "规定/文明用语“已说”项 / 应说项（含记录项）");
    if (complaint_calls)
        zj_doc_row(kt, "投诉处理符合率",
                   zj_doc_strf(d, "%.1f%%（%ld/%ld）",
                               100.0 * (double)complaint_ok / (double)complaint_calls, complaint_ok,
                               complaint_calls),
                   "住户投诉通话中合格且无服务忌语者的比例");
    else
        zj_doc_row(kt, "投诉处理符合率", "不可评估", "所选范围内未识别出投诉通话");
    if (metric_met + metric_hit)
        zj_doc_row(kt, "计时指标达标率",
                   zj_doc_strf(d, "%.1f%%（%ld/%ld，另 %ld 项不可测）",
                               100.0 * (double)metric_met / (double)(metric_met + metric_hit),
                               metric_met, metric_met + metric_hit, metric_nm),
                   "接听时长、等候、抢话等计时项达标次数 / 可测次数（无时间戳者不可测）");
    if (handling_ok + handling_bad)
        zj_doc_row(kt, "投诉处理规范执行率",
                   zj_doc_strf(d, "%.1f%%（%ld/%ld）",
                               100.0 * (double)handling_ok / (double)(handling_ok + handling_bad),
                               handling_ok, handling_ok + handling_bad),
                   "投诉通话中“五个清楚”等投诉处理项做到次数 / 应做次数（非投诉通话不适用）");
    zj_doc_row(kt, "一票否决通话", zj_doc_strf(d, "%ld", fatal_calls), "命中一票否决项的通话数");

    zj_doc_heading(d, 2, "2 审核目的");
    zj_doc_para(d,
                "评价客服中心坐席通话对%s（以下简称“服务标准”）的符合程度，识别服务忌语、"
                "规定用语缺失等不符合项，为纠正措施和持续改进提供依据。",
                standard);
    zj_doc_heading(d, 2, "3 审核范围");
    const char *sh[] = {"项目", "内容"};
    zj_doc_block *t = zj_doc_table(d, "scope", 2, sh);
    zj_doc_row(t, "期间（通话本地日期）",
               zj_doc_strf(d, "%s 至 %s", f->from ? f->from : first_day, f->to ? f->to : last_day));
    zj_doc_row(t, "班组", teams.len ? teams.data : "（无）");
    zj_doc_row(t, "坐席人数", zj_doc_strf(d, "%ld", agents));
    zj_doc_row(t, "评分通话数", zj_doc_strf(d, "%ld", calls));
    const char *sampling = sampling_row(st, d, rid, sample_id, calls, err);
    if (!sampling)
        goto fail;
    zj_doc_row(t, "抽样", sampling);

    zj_doc_heading(d, 2, "4 审核准则");
    zj_doc_para(d,
                "服务标准：%s，sha256 %s。评分：满分 %d 分，合格线 %d 分（得分不低于 %d "
                "分且未命中一票否决项为合格）；一票否决项命中即不合格。",
                standard, sha, base, pass, pass);
    const char *ch[] = {"条款", "规则", "内容", "类别", "严重程度", "扣分", "一票否决"};
    zj_doc_block *ct = zj_doc_table(d, "criteria", 7, ch);
    if (sqlite3_prepare_v2(zj_store_db(st),
                           "SELECT coalesce(clause, ''), rule_id, coalesce(title, ''), kind,"
                           " severity, points, fatal FROM rules WHERE ruleset_id = ?1 ORDER BY idx",
                           -1, &q, NULL) != SQLITE_OK) {
        zj_store_error(st, err, "cannot read the rules");
        goto fail;
    }
    sqlite3_bind_int64(q, 1, rid);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        zj_doc_row(ct, zj_col(q, 0), zj_col(q, 1), zj_col(q, 2), kind_zh(zj_col(q, 3)),
                   severity_zh(zj_col(q, 4)), zj_doc_strf(d, "%d", sqlite3_column_int(q, 5)),
                   sqlite3_column_int(q, 6) ? "是" : "否");
    if (zj_report_done(st, rc, err) != ZJ_OK)
        goto fail;
    sqlite3_finalize(q);
    q = NULL;

    zj_doc_heading(d, 2, "5 审核方法");
    zj_doc_para(
        d,
        "以 zhijian %s 对通话转写文本逐通自动评分：文本经 NFKC "
        "规范化、大小写折叠并去除空白和标点后，"
        "与规则集中的规定用语、服务忌语逐条匹配；匹配结果映射回原话，每一项发现均保留通话编号、"
        "轮次、原话与条款作为证据。规定用语按其时间窗（如首句、末句）判定“已说/缺失”；服务忌语"
        "按出现判定，重叠时取最长者。发现分级：严重程度为“严重”或一票否决 → 严重不符合；“一般”，"
        "或“轻微”且每百通发生 %.0f 次及以上 → 一般不符合；其余 → 观察项。",
        ZJ_VERSION, MINOR_FREQUENCY_THRESHOLD);

    zj_doc_heading(d, 2, "6 审核发现");
    if (!n_rows)
        zj_doc_para(d, "所审核通话中未发现不符合项。");
    const char *fh[] = {"编号", "分级", "条款", "不符合内容", "次数", "涉及通话", "每百通"};
    zj_doc_block *ft = n_rows ? zj_doc_table(d, "findings", 7, fh) : NULL;
    for (size_t i = 0; i < n_rows; i++)
        zj_doc_row(ft, zj_doc_strf(d, "F%02zu", i + 1), rows[i].grade, rows[i].clause,
                   zj_doc_strf(d, "%s%s", rows[i].title,
                               strcmp(rows[i].kind, "required") == 0 ? "（缺失）" : ""),
                   zj_doc_strf(d, "%ld", rows[i].count), zj_doc_strf(d, "%ld", rows[i].calls),
                   zj_doc_strf(d, "%.1f", rows[i].per100));
    /* Evidence: the first EVIDENCE_LISTED examples of every finding, in one pass (a
     * window per rule) rather than one indexed query per rule. */
    sql = zj_sqlf("SELECT rule_id, call_id, agent_id, agent_name, started_at, text, outcome, turn,"
                  " span_start, span_end FROM (SELECT f.rule_id AS rule_id, c.call_id AS call_id,"
                  " coalesce(c.agent_id, '') AS agent_id, coalesce(c.agent_name, '') AS agent_name,"
                  " coalesce(c.started_at, '') AS started_at, coalesce(f.text, '') AS text,"
                  " f.outcome AS outcome, coalesce(f.turn, -1) AS turn,"
                  " coalesce(f.span_start, -1) AS span_start, coalesce(f.span_end, -1) AS span_end,"
                  " ROW_NUMBER() OVER (PARTITION BY"
                  " f.rule_id ORDER BY c.started_utc_ms, c.call_id, f.seq) AS rn"
                  "%s" ZJ_CALL_FILTER_REST
                  " AND (f.outcome = 'hit' AND f.kind = 'forbidden' OR f.outcome = 'missing'"
                  " AND f.points < 0)) e WHERE rn <= %d ORDER BY rule_id, rn",
                  in.findings, EVIDENCE_LISTED);
    q = zj_report_query(st, sql, rid, f, err);
    free(sql);
    if (!q)
        goto fail;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        evidence_row *e = push_row(d, (void **)&ev_rows, &n_ev, &ev_cap, sizeof *ev_rows);
        if (!e)
            break;
        e->rule = col_copy(d, q, 0);
        e->call = col_copy(d, q, 1);
        if (asprintf(&e->who, "%s %s", zj_col(q, 2), zj_col(q, 3)) < 0) {
            e->who = NULL;
            zj_doc_fail(d, ZJ_ERR_NOMEM);
        }
        e->when = col_copy(d, q, 4);
        e->text = col_copy(d, q, 5);
        e->missing = strcmp(zj_col(q, 6), "missing") == 0;
        e->turn = sqlite3_column_int(q, 7);
        e->span_start = sqlite3_column_int64(q, 8);
        e->span_end = sqlite3_column_int64(q, 9);
        if (zj_doc_status(d) != ZJ_OK)
            break;
    }
    if (zj_doc_status(d) == ZJ_OK && zj_report_done(st, rc, err) != ZJ_OK)
        goto fail;
    sqlite3_finalize(q);
    q = NULL;
    for (size_t i = 0; i < n_rows; i++) {
        zj_doc_heading(d, 3, "F%02zu %s：%s（%s）", i + 1, rows[i].grade, rows[i].title,
                       rows[i].clause);
        const char *eh[] = {"通话", "坐席", "时间", "证据"};
        zj_doc_block *et = zj_doc_table(d, "evidence", 4, eh);
        long listed = 0;
        for (size_t k = 0; et && k < n_ev; k++) {
            const evidence_row *e = &ev_rows[k];
            if (strcmp(e->rule, rows[i].rule) != 0)
                continue;
            const char *ev;
            if (e->missing) {
                ev = zj_doc_strf(d, "未说出规定用语（%s）", rows[i].clause);
            } else {
                const char *quote = quote_in_sentence(st, d, rid, e, err);
                if (!quote)
                    goto fail;
                ev = zj_doc_strf(d, "第 %d 轮：%s（%s）", e->turn + 1, quote, rows[i].clause);
            }
            zj_doc_row(et, e->call, e->who, call_local_time(d, e->when), ev);
            listed++;
        }
        /* Evidence is cut to the earliest examples: say so, with the count. */
        if (rows[i].count > listed)
            zj_doc_para(d, "共 %ld 次，列出 %ld 次（按通话时间最早者）。", rows[i].count, listed);
    }

    zj_doc_heading(d, 2, "7 纠正措施登记表");
    /* What the report knows (the finding, its clause, that it is open) is
     * filled in; root cause, action, owner, due date and the effectiveness
     * check are the auditee's to write, so they are blanks. */
    const char *rh[] = {"编号",   "不符合项", "条款",       "根本原因", "纠正措施",
                        "责任人", "完成期限", "有效性验证", "状态"};
    zj_doc_block *rt = zj_doc_table(d, "actions", 9, rh);
    size_t actions = 0;
    for (size_t i = 0; i < n_rows; i++) {
        if (grade_rank(rows[i].grade) > 1)
            continue;
        zj_doc_row(rt, zj_doc_strf(d, "CA-%02zu", ++actions),
                   zj_doc_strf(d, "F%02zu %s（%s）", i + 1, rows[i].title, rows[i].grade),
                   rows[i].clause, BLANK, BLANK, BLANK, BLANK, BLANK, "待整改");
    }
    if (!actions)
        zj_doc_para(d, "无需登记纠正措施（未发现严重或一般不符合）。");

    zj_doc_heading(d, 2, "8 说明与局限");
    zj_doc_para(
        d,
        "本报告结论仅基于上述范围内已评分的 %ld 通通话（%s），不代表未评分或范围以外的通话；"
        "自动评分依据转写文本，转写错误可能导致漏判或误判，人工复核样本用于验证。",
        calls, sampling && strstr(sampling, "抽取") ? "并含人工复核抽样" : "全数自动评分");
    zj_doc_heading(d, 2, "9 不可评估事项");
    if (not_assessable(st, d, rid, err) != ZJ_OK)
        goto fail;
    zj_doc_heading(d, 2, "10 复现方法");
    zj_doc_para(
        d, "命令：%s；数据库：%s；规则集：%s，sha256 %s。同一数据库与规则集重复运行得到相同报告。",
        command ? command : "zhijian report", db_path ? db_path : "zhijian.db", label, sha);

render:
    free_findings(rows, n_rows);
    free_evidence(ev_rows, n_ev);
    zj_buf_free(&teams);
    s = zj_doc_render(d, format, out);
    zj_doc_free(d);
    return s == ZJ_OK
               ? ZJ_OK
               : zj_error_set(err, s, NULL, 0, 0, "cannot write the report: %s", zj_strerror(s));
fail:
    sqlite3_finalize(q);
    free_findings(rows, n_rows);
    free_evidence(ev_rows, n_ev);
    zj_buf_free(&teams);
    zj_doc_free(d);
    return err && err->status ? err->status : ZJ_ERR_DB;
}
