/* report_audit.c — the audit report with the items ISO 19011 §6.5.1 asks of
 * an audit report: objectives, scope (with sampling), criteria, method,
 * graded findings with evidence, conclusions with KPIs, a corrective-action
 * register, the limits of the evidence, what cannot be assessed from
 * transcripts, and how to reproduce the report. In Chinese. The figures come
 * as typed rows from the report source (report_source.h); this file grades
 * them and lays them out as a document, or writes them as JSON data. No SQL
 * here. */
#include "report_json.h"
#include "report_source.h"
#include "review.h"

#include <jansson.h>
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

/* The pass rates (%) of the verdicts 符合 and 基本符合 (conclusion()). */
#define CONFORMING_PASS_RATE 95.0
#define LARGELY_CONFORMING_PASS_RATE 80.0

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

static int grade_rank(const char *g)
{
    return strcmp(g, "严重不符合") == 0 ? 0 : strcmp(g, "一般不符合") == 0 ? 1 : 2;
}

/* Evidence rows listed per finding; the rest are counted (共 N 次，列出 M 次). */
#define EVIDENCE_LISTED 3

/* Code points of context shown either side of a quote. */
#define QUOTE_CONTEXT 12

/* A finding as the report shows it: the store's row, graded. */
typedef struct graded {
    const zj_au_finding *f;
    size_t index; /* in zj_audit_data.findings: its evidence's key */
    const char *grade;
    double per100;
} graded;

static int cmp_graded(const void *a, const void *b)
{
    const graded *x = a, *y = b;
    int d = grade_rank(x->grade) - grade_rank(y->grade);
    if (d)
        return d;
    if (x->f->count != y->f->count)
        return x->f->count > y->f->count ? -1 : 1;
    return strcmp(x->f->rule_id, y->f->rule_id);
}

/* The findings graded and ranked: severe first, then by count, then id.
 * NULL when out of memory (and there are findings). */
static graded *grade_findings(const zj_audit_data *a)
{
    graded *g = calloc(a->n_findings ? a->n_findings : 1, sizeof *g);
    if (!g)
        return NULL;
    for (size_t i = 0; i < a->n_findings; i++) {
        const zj_au_finding *f = &a->findings[i];
        g[i].f = f;
        g[i].index = i;
        g[i].per100 = a->calls ? 100.0 * (double)f->count / (double)a->calls : 0;
        g[i].grade = finding_grade(f->severity, f->fatal, g[i].per100);
    }
    if (a->n_findings)
        qsort(g, a->n_findings, sizeof *g, cmp_graded);
    return g;
}

/* The settings the audit report reads from the rule set's YAML as stored
 * with the results, so that each standard states its own: the last file
 * that sets one counts. A rule set built with `extends:` is stored as its
 * files in merge order, base first, each under ZJ_MERGED_FILE_HEADER; each
 * file is parsed alone, since together they repeat top-level keys, which
 * the YAML reader refuses. All were checked when the rule set was loaded. */
typedef struct audit_settings {
    zj_ynode **roots; /* one a stored file, kept for the pointers below */
    size_t n_roots;
    const zj_ynode *not_assessable; /* a list of {clause, why}, or NULL */
    const char *complaint_category; /* complaint_kpis: {category: …}, or NULL */
} audit_settings;

static void settings_free(audit_settings *set)
{
    for (size_t i = 0; i < set->n_roots; i++)
        zj_yaml_free(set->roots[i]);
    free(set->roots);
}

static zj_status read_settings_of(audit_settings *out, const char *yaml, size_t len, zj_error *err)
{
    zj_ynode **roots = realloc(out->roots, (out->n_roots + 1) * sizeof *roots);
    if (!roots)
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    out->roots = roots;
    const zj_ynode *root = roots[out->n_roots] = zj_yaml_parse(yaml, len, "stored rule set", err);
    if (!root)
        return err->status;
    out->n_roots++;
    for (size_t i = 0; root->type == ZJ_YNODE_MAP && i + 1 < root->n; i += 2) {
        const zj_ynode *k = root->items[i], *v = root->items[i + 1];
        if (k->type != ZJ_YNODE_SCALAR)
            continue;
        if (strcmp(k->value, "not_assessable") == 0) {
            out->not_assessable = v->type == ZJ_YNODE_SEQ && v->n ? v : NULL;
        } else if (strcmp(k->value, "complaint_kpis") == 0) {
            const zj_ynode *c = zj_yaml_get(v, "category");
            out->complaint_category = c && c->value && c->value[0] ? c->value : NULL;
        }
    }
    return ZJ_OK;
}

static zj_status read_settings(const zj_report_source *src, const zj_rs_ruleset *rs,
                               audit_settings *out, zj_error *err)
{
    char *yaml;
    size_t len;
    zj_status s = src->ops->ruleset_yaml(src->self, rs, &yaml, &len, err);
    if (s != ZJ_OK)
        return s;
    static const char next_file[] = "\n" ZJ_MERGED_FILE_HEADER;
    bool merged = strncmp(yaml, ZJ_MERGED_FILE_HEADER, strlen(ZJ_MERGED_FILE_HEADER)) == 0;
    for (const char *p = yaml, *end = yaml + len; s == ZJ_OK && (p < end || p == yaml);) {
        const char *next = merged ? strstr(p, next_file) : NULL; /* the text ends in a NUL */
        next = next ? next + 1 : end;
        s = read_settings_of(out, p, (size_t)(next - p), err);
        p = next;
    }
    free(yaml);
    return s;
}

/* The scope table's 抽样 row: no sample cited, or the saved sample with its
 * plan, filters, local time and calls. */
static const char *sampling_row(zj_doc *d, const zj_audit_data *a)
{
    const zj_au_sample *s = &a->sample;
    if (s->id <= 0)
        return zj_doc_strf(d,
                           "全数：所选范围内的全部 %ld 通已评分通话均经自动评分；本报告未引用"
                           "人工复核抽样（zhijian sample --save 保存抽样，report --sample "
                           "编号 引用）。",
                           a->calls);
    const char *plan =
        strcmp(s->method, "ISO 2859-1") == 0
            ? zj_doc_strf(d, "ISO 2859-1（GB/T 2828.1）一般检验水平 %s%s", s->level,
                          s->aql ? zj_doc_strf(d,
                                               "，AQL %s 正常检验一次抽样方案（Ac = %ld，Re = "
                                               "%ld）",
                                               s->aql, s->accept_n, s->reject_n)
                                 : "")
            : "固定样本量";
    const char *row = zj_doc_strf(
        d,
        "全部 %ld 通已评分通话均经自动评分；另引用抽样编号 %lld：按%s从批量 %ld 通中抽取 %ld "
        "通供人工复核，按坐席通话量比例分配，种子 %lld；抽样条件：%s；抽样时间：%s。",
        a->calls, (long long)s->id, plan, s->lot_size, s->sample_size, s->seed,
        filters_in_words(d, s->filters_json), local_time_of(d, s->created_at));
    zj_buf ids;
    zj_buf_init(&ids);
    for (size_t i = 0; i < s->n_listed; i++) {
        zj_buf_puts(&ids, i ? "、" : "");
        zj_buf_puts(&ids, s->call_ids[i]);
    }
    if (ids.failed)
        zj_doc_fail(d, ZJ_ERR_NOMEM);
    row = (size_t)s->n_calls > s->n_listed
              ? zj_doc_strf(d, "%s样本通话共 %ld 通，列出 %zu 通（按通话编号）：%s。", row,
                            s->n_calls, s->n_listed, ids.data ? ids.data : "")
              : zj_doc_strf(d, "%s样本通话（共 %ld 通）：%s。", row, s->n_calls,
                            s->n_calls && ids.data ? ids.data : "无");
    zj_buf_free(&ids);
    if (s->decision)
        row = zj_doc_strf(
            d, "%s人工复核后判定：%s（%s 于 %s 关闭抽样；已复核 %ld 通，不合格 %ld 通）。", row,
            !strcmp(s->decision, "accept") ? "接收" : "拒收", s->closed_by,
            local_time_of(d, s->closed_at), s->closed_reviewed, s->closed_nonconforming);
    return row;
}

/* 不可评估事项: the rule set's `not_assessable:` list. */
static void not_assessable_section(zj_doc *d, const zj_ynode *list)
{
    if (!list) {
        zj_doc_para(d, "规则集未列出不可评估事项（规则集的 not_assessable 项）。");
        return;
    }
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
 * of the turn either side, "…" where the turn goes on. Without the turn the
 * stored quote alone is shown. */
static const char *quote_in_sentence(zj_doc *d, const zj_au_evidence *e)
{
    if (!e->turn_text)
        return zj_doc_strf(d, ZJ_MARK_OPEN "%s" ZJ_MARK_CLOSE, e->text);
    const char *t = e->turn_text;
    size_t len = strlen(t);
    long from = e->span_start > QUOTE_CONTEXT ? e->span_start - QUOTE_CONTEXT : 0;
    size_t a = utf8_offset(t, len, from);
    size_t b = utf8_offset(t, len, e->span_start);
    size_t c = utf8_offset(t, len, e->span_end);
    size_t z = utf8_offset(t, len, e->span_end + QUOTE_CONTEXT);
    return zj_doc_strf(d, "%s%.*s" ZJ_MARK_OPEN "%.*s" ZJ_MARK_CLOSE "%.*s%s", a > 0 ? "…" : "",
                       (int)(b - a), t + a, (int)(c - b), t + b, (int)(z - c), t + c,
                       z < len ? "…" : "");
}

/* A metric's measure as a reader says it: seconds to the millisecond as
 * measured (15.001 秒 fails a 15 s limit; rounded it would read as met),
 * 320 字/分钟, 65%, 2 次; another unit as stored. */
static const char *measure_zh(zj_doc *d, const zj_au_evidence *e)
{
    long long v = (long long)e->value;
    if (strcmp(e->unit, "ms") == 0) {
        unsigned long long a = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
        const char *sign = v < 0 ? "-" : "";
        if (a % 1000 == 0)
            return zj_doc_strf(d, "%s%llu 秒", sign, a / 1000);
        char frac[4];
        snprintf(frac, sizeof frac, "%03llu", a % 1000);
        for (int i = 2; frac[i] == '0'; i--) /* 500 → 5, 250 → 25 */
            frac[i] = 0;
        return zj_doc_strf(d, "%s%llu.%s 秒", sign, a / 1000, frac);
    }
    if (strcmp(e->unit, "chars/min") == 0)
        return zj_doc_strf(d, "%lld 字/分钟", v);
    if (strcmp(e->unit, "%") == 0)
        return zj_doc_strf(d, "%lld%%", v);
    if (strcmp(e->unit, "count") == 0)
        return zj_doc_strf(d, "%lld 次", v);
    return zj_doc_strf(d, "%lld %s", v, e->unit);
}

/* One example of a finding in words: the phrase missing, the metric
 * measured (in its turn, or over the call), or the words quoted in their
 * sentence. */
static const char *evidence_zh(zj_doc *d, const zj_au_evidence *e, const char *clause)
{
    if (e->missing)
        return zj_doc_strf(d, "未说出规定用语（%s）", clause);
    if (e->unit[0])
        return e->turn >= 0 ? zj_doc_strf(d, "第 %d 轮：测得 %s（%s）", e->turn + 1,
                                          measure_zh(d, e), clause)
                            : zj_doc_strf(d, "整通通话：测得 %s（%s）", measure_zh(d, e), clause);
    return zj_doc_strf(d, "第 %d 轮：%s（%s）", e->turn + 1, quote_in_sentence(d, e), clause);
}

/* The rule set named as an auditor cites it: 《title》 with its name and
 * version. */
static const char *standard_name(zj_doc *d, const zj_rs_ruleset *rs)
{
    return rs->title[0]
               ? zj_doc_strf(d, "《%s》（规则集 %s，版本 %s）", rs->title, rs->name, rs->version)
               : zj_doc_strf(d, "规则集 %s（版本 %s）", rs->name, rs->version);
}

static double pct(long part, long whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* The verdict as section 5 states it (a format: the two pass rates follow). */
#define VERDICT_RULE                                                                               \
    "审核结论：合格率不低于 %.0f%% 且无严重、一般不符合 → 符合；"        \
    "合格率不低于 %.0f%% → 基本符合；其余 → 不符合。"

/* The verdict, counting the severe and the minor nonconformities of the n
 * findings: 符合 only with neither grade left open (a 一般不符合 asks for a
 * corrective action, section 7, which a 符合 report would contradict). */
static const char *conclusion(double pass_rate, const graded *g, size_t n, long *severe,
                              long *minor)
{
    *severe = *minor = 0;
    for (size_t i = 0; i < n; i++) {
        int rank = grade_rank(g[i].grade);
        *severe += rank == 0;
        *minor += rank == 1;
    }
    return pass_rate >= CONFORMING_PASS_RATE && *severe == 0 && *minor == 0 ? "符合"
           : pass_rate >= LARGELY_CONFORMING_PASS_RATE                      ? "基本符合"
                                                                            : "不符合";
}

/* The audit report as a document for the Markdown and HTML renderers. */
/* The charts after the conclusion: calls per score against the pass mark,
 * each agent's mean score, and the weekly trend. */
static void audit_charts(zj_doc *d, const zj_distribution *dist, int pass)
{
    const char **labels = calloc(dist->n_agents ? dist->n_agents : 1, sizeof *labels);
    double *means = calloc(dist->n_agents ? dist->n_agents : 1, sizeof *means);
    if (!labels || !means) {
        zj_doc_fail(d, ZJ_ERR_NOMEM);
    } else {
        for (size_t i = 0; i < dist->n_agents; i++) {
            const zj_dist_agent *ag = &dist->agents[i];
            labels[i] =
                zj_doc_strf(d, "%s%s%s", ag->agent_id ? ag->agent_id : "(未知坐席)",
                            ag->agent_name ? " " : "", ag->agent_name ? ag->agent_name : "");
            means[i] = ag->mean_score;
        }
        zj_chart_score_histogram(d, dist, pass);
        zj_doc_bars(d, "agent-scores", "各坐席平均分", "", dist->n_agents, labels, means,
                    dist->base, pass, zj_doc_strf(d, "合格线 %d", pass));
        zj_chart_weekly_trend(d, dist, NULL, 0, pass);
    }
    free(labels);
    free(means);
}

/* 人工复核: how much of the selection people checked, what they found of
 * the engine's findings, the appeals, and the agreement (docs/review.md). */
static void review_section(zj_doc *d, const zj_review_summary *r, long calls)
{
    if (!r->reviewed_calls && !r->appeals) {
        zj_doc_para(d, "所选范围内没有人工复核记录（复核经 zhijian serve 或 zhijian review "
                       "import 记录）；本报告的发现均为自动评分结果。");
        return;
    }
    const char *h[] = {"项目", "数值", "口径"};
    zj_doc_block *t = zj_doc_table(d, "review", 3, h);
    zj_doc_row(
        t, "已复核通话",
        zj_doc_strf(d, "%ld 通（%.1f%%）", r->reviewed_calls,
                    zj_half_up(calls ? 100.0 * (double)r->reviewed_calls / (double)calls : 0, 1)),
        "质检员确认、驳回或补充过发现的通话 / 评分通话");
    zj_doc_row(t, "复核结果",
               zj_doc_strf(d, "确认 %ld 项，驳回 %ld 项，补充漏判 %ld 项", r->confirmed,
                           r->rejected, r->added),
               "按最终结论（含申诉裁决）计");
    zj_doc_row(t, "自动评分精确率",
               r->precision == r->precision
                   ? zj_doc_strf(d, "%.1f%%", zj_half_up(100.0 * r->precision, 1))
                   : "不可计算",
               "确认 / （确认 + 驳回）");
    zj_doc_row(t, "复核后改变的通话", zj_doc_strf(d, "%ld 通", r->changed),
               "复核后得分或合格结论与自动评分不同");
    zj_doc_row(t, "申诉",
               zj_doc_strf(d, "%ld 项：成立 %ld，维持 %ld，待裁决 %ld", r->appeals, r->overturned,
                           r->upheld, r->appeals_open),
               "坐席对发现的申诉及主管裁决");
    zj_doc_row(t, "机器与复核一致性",
               r->k_engine == r->k_engine ? zj_doc_strf(d, "κ = %.3f（%ld 个 通话×规则）",
                                                        zj_half_up(r->k_engine, 3), r->units)
                                          : "不可计算",
               "Cohen's kappa");
    zj_doc_row(t, "复核员间一致性",
               r->k_inter == r->k_inter
                   ? zj_doc_strf(d, "κ = %.3f（%ld 项）", zj_half_up(r->k_inter, 3), r->pairs)
               : r->pairs ? "不可计算（判定全部相同）"
                          : "无两名复核员判定的发现",
               "Cohen's kappa");
    zj_doc_para(d, "各规则的精确率与被驳回的原话见 zhijian calibrate。");
}

static zj_doc *audit_doc(const zj_audit_data *a, const graded *g, const zj_rs_ruleset *rs,
                         const audit_settings *set, const zj_report_filter *f,
                         const zj_audit_meta *meta, const char *db_path, const char *command,
                         const zj_distribution *dist, const zj_review_summary *rv)
{
    zj_doc *d = zj_doc_new("呼叫中心服务质量审核报告");
    if (!d)
        return NULL;
    const zj_au_kpis *k = &a->kpi;
    const char *standard = standard_name(d, rs);
    double pass_rate = pct(a->passed, a->calls);
    long severe, minor;
    const char *verdict = conclusion(pass_rate, g, a->n_findings, &severe, &minor);
    /* The report's identity and sign-off, as ISO 19011 6.5.1 lists them;
     * what the options did not give is a blank to fill in by hand. */
    audit_metadata(d, meta);
    zj_doc_heading(d, 2, "1 审核结论");
    zj_doc_para(d,
                "结论：所审核通话对服务标准总体%s。合格率 %.1f%%，平均分 %.1f；严重不符合 %ld 项，"
                "一般不符合 %ld 项，一票否决通话 %ld 通。",
                verdict, zj_half_up(pass_rate, 1), zj_half_up(a->mean_score, 1), severe, minor,
                a->fatal_calls);
    const char *kh[] = {"指标", "数值", "口径"};
    zj_doc_block *kt = zj_doc_table(d, "kpi", 3, kh);
    zj_doc_row(kt, "合格率", zj_doc_strf(d, "%.1f%%", zj_half_up(pass_rate, 1)),
               "合格通话 / 评分通话");
    zj_doc_row(kt, "平均分", zj_doc_strf(d, "%.1f", zj_half_up(a->mean_score, 1)),
               "各通话得分的算术平均");
    zj_doc_row(kt, "忌语发生率",
               zj_doc_strf(d, "%.1f 次/百通", zj_half_up(pct(k->forbidden_hits, a->calls), 1)),
               "服务忌语命中次数 × 100 / 评分通话");
    zj_doc_row(
        kt, "礼貌用语覆盖率",
        zj_doc_strf(d, "%.1f%%",
                    zj_half_up(pct(k->required_met, k->required_met + k->required_missing), 1)),
        zj_doc_strf(d, "扣分的规定/文明用语：已说 %ld 项 / 应说 %ld 项（仅记录、不扣分的用语不计）",
                    k->required_met, k->required_met + k->required_missing));
    if (!set->complaint_category)
        zj_doc_row(kt, "投诉处理符合率", "不可评估",
                   "规则集未指定投诉类别（规则集的 complaint_kpis 项）");
    else if (k->complaint_calls)
        zj_doc_row(kt, "投诉处理符合率",
                   zj_doc_strf(d, "%.1f%%（%ld/%ld）",
                               zj_half_up(pct(k->complaint_clean, k->complaint_calls), 1),
                               k->complaint_clean, k->complaint_calls),
                   "住户投诉通话中合格且无服务忌语者的比例");
    else
        zj_doc_row(kt, "投诉处理符合率", "不可评估", "所选范围内未识别出投诉通话");
    /* A figure that could not be computed is said so, never left out: a
     * report without its timing row reads as if timing had been checked. */
    if (k->metric_met + k->metric_hit == 0)
        zj_doc_row(kt, "计时指标达标率", "不可评估",
                   k->metric_not_measurable
                       ? zj_doc_strf(d,
                                     "%ld 项均不可测：所选通话无振铃时长或时间戳，接听时长、等候、"
                                     "抢话无法测量",
                                     k->metric_not_measurable)
                       : "规则集无扣分的计时项");
    else
        zj_doc_row(kt, "计时指标达标率",
                   zj_doc_strf(d, "%.1f%%（%ld/%ld，另 %ld 项不可测）",
                               zj_half_up(pct(k->metric_met, k->metric_met + k->metric_hit), 1),
                               k->metric_met, k->metric_met + k->metric_hit,
                               k->metric_not_measurable),
                   "接听时长、等候、抢话等计时项达标次数 / 可测次数（无时间戳者不可测）");
    if (k->handling_met + k->handling_failed == 0)
        zj_doc_row(kt, "投诉处理规范执行率", "不可评估",
                   !set->complaint_category ? "规则集未指定投诉类别（规则集的 complaint_kpis 项）"
                   : k->complaint_calls     ? "投诉通话中无可评估的投诉处理项"
                                            : "所选范围内未识别出投诉通话");
    else
        zj_doc_row(
            kt, "投诉处理规范执行率",
            zj_doc_strf(d, "%.1f%%（%ld/%ld）",
                        zj_half_up(pct(k->handling_met, k->handling_met + k->handling_failed), 1),
                        k->handling_met, k->handling_met + k->handling_failed),
            "投诉通话中“五个清楚”等投诉处理项做到次数 / 应做次数（非投诉通话不适用）");
    zj_doc_row(kt, "一票否决通话", zj_doc_strf(d, "%ld", a->fatal_calls), "命中一票否决项的通话数");
    audit_charts(d, dist, rs->pass);

    zj_doc_heading(d, 2, "2 审核目的");
    zj_doc_para(d,
                "评价客服中心坐席通话对%s（以下简称“服务标准”）的符合程度，识别服务忌语、"
                "规定用语缺失等不符合项，为纠正措施和持续改进提供依据。",
                standard);
    zj_doc_heading(d, 2, "3 审核范围");
    const char *sh[] = {"项目", "内容"};
    zj_doc_block *t = zj_doc_table(d, "scope", 2, sh);
    zj_doc_row(t, "期间（通话本地日期）",
               zj_doc_strf(d, "%s 至 %s",
                           f->from         ? f->from
                           : a->first_date ? a->first_date
                                           : "",
                           f->to          ? f->to
                           : a->last_date ? a->last_date
                                          : ""));
    zj_buf teams;
    zj_buf_init(&teams);
    for (size_t i = 0; i < a->n_teams; i++) {
        if (i)
            zj_buf_puts(&teams, "、");
        zj_buf_puts(&teams, a->teams[i]);
    }
    if (teams.failed)
        zj_doc_fail(d, ZJ_ERR_NOMEM);
    zj_doc_row(t, "班组", teams.len ? teams.data : "（无）");
    zj_buf_free(&teams);
    /* The calls without an agent id are no one agent: not counted, but said,
     * as the agent chart shows them as one bar, (未知坐席). */
    zj_doc_row(t, "坐席人数",
               a->calls_without_agent
                   ? zj_doc_strf(d, "%ld（另有 %ld 通通话无坐席工号，记为 (未知坐席)）", a->agents,
                                 a->calls_without_agent)
                   : zj_doc_strf(d, "%ld", a->agents));
    zj_doc_row(t, "评分通话数", zj_doc_strf(d, "%ld", a->calls));
    const char *sampling = sampling_row(d, a);
    zj_doc_row(t, "抽样", sampling);

    zj_doc_heading(d, 2, "4 审核准则");
    zj_doc_para(d,
                "服务标准：%s，sha256 %s。评分：满分 %d 分，合格线 %d 分（得分不低于 %d "
                "分且未命中一票否决项为合格）；一票否决项命中即不合格。",
                standard, rs->sha256, rs->base, rs->pass, rs->pass);
    const char *ch[] = {"条款", "规则", "内容", "类别", "严重程度", "扣分", "一票否决"};
    zj_doc_block *ct = zj_doc_table(d, "criteria", 7, ch);
    for (size_t i = 0; i < a->n_criteria; i++) {
        const zj_au_criterion *c = &a->criteria[i];
        zj_doc_row(ct, c->clause, c->rule_id, c->title, kind_zh(c->kind), severity_zh(c->severity),
                   zj_doc_strf(d, "%d", c->points), c->fatal ? "是" : "否");
    }

    zj_doc_heading(d, 2, "5 审核方法");
    zj_doc_para(
        d,
        "以 zhijian %s 对通话转写文本逐通自动评分：文本经 NFKC "
        "规范化、大小写折叠并去除空白和标点后，"
        "与规则集中的规定用语、服务忌语逐条匹配；匹配结果映射回原话，每一项发现均保留通话编号、"
        "轮次、原话与条款作为证据。规定用语按其时间窗（如首句、末句）判定“已说/缺失”；服务忌语"
        "按出现判定，重叠时取最长者。发现分级：严重程度为“严重”或一票否决 → 严重不符合；“一般”，"
        "或“轻微”且每百通发生 %.0f 次及以上 → 一般不符合；其余 → 观察项。" VERDICT_RULE,
        ZJ_VERSION, MINOR_FREQUENCY_THRESHOLD, CONFORMING_PASS_RATE, LARGELY_CONFORMING_PASS_RATE);

    zj_doc_heading(d, 2, "6 审核发现");
    if (!a->n_findings)
        zj_doc_para(d, "所审核通话中未发现不符合项。");
    const char *fh[] = {"编号", "分级", "条款", "不符合内容", "次数", "涉及通话", "每百通"};
    zj_doc_block *ft = a->n_findings ? zj_doc_table(d, "findings", 7, fh) : NULL;
    for (size_t i = 0; i < a->n_findings; i++)
        zj_doc_row(ft, zj_doc_strf(d, "F%02zu", i + 1), g[i].grade, g[i].f->clause,
                   zj_doc_strf(d, "%s%s", g[i].f->title,
                               strcmp(g[i].f->kind, "required") == 0 ? "（缺失）"
                               : strcmp(g[i].f->kind, "metric") == 0 ? "（未达标）"
                                                                     : ""),
                   zj_doc_strf(d, "%ld", g[i].f->count), zj_doc_strf(d, "%ld", g[i].f->calls),
                   zj_doc_strf(d, "%.1f", zj_half_up(g[i].per100, 1)));
    for (size_t i = 0; i < a->n_findings; i++) {
        const zj_au_finding *fi = g[i].f;
        zj_doc_heading(d, 3, "F%02zu %s：%s（%s）", i + 1, g[i].grade, fi->title, fi->clause);
        const char *eh[] = {"通话", "坐席", "时间", "证据"};
        zj_doc_block *et = zj_doc_table(d, "evidence", 4, eh);
        long listed = 0;
        for (size_t j = 0; et && j < a->n_evidence; j++) {
            const zj_au_evidence *e = &a->evidence[j];
            if (e->finding != g[i].index)
                continue;
            zj_doc_row(et, e->call_id, zj_doc_strf(d, "%s %s", e->agent_id, e->agent_name),
                       call_local_time(d, e->started_at), evidence_zh(d, e, fi->clause));
            listed++;
        }
        /* Evidence is cut to the earliest examples: say so, with the count. */
        if (fi->count > listed)
            zj_doc_para(d, "共 %ld 次，列出 %ld 次（按通话时间最早者）。", fi->count, listed);
    }

    zj_doc_heading(d, 2, "7 纠正措施登记表");
    /* What the report knows (the finding, its clause, that it is open) is
     * filled in; root cause, action, owner, due date and the effectiveness
     * check are the auditee's to write, so they are blanks. */
    const char *rh[] = {"编号",   "不符合项", "条款",       "根本原因", "纠正措施",
                        "责任人", "完成期限", "有效性验证", "状态"};
    zj_doc_block *rt = zj_doc_table(d, "actions", 9, rh);
    size_t actions = 0;
    for (size_t i = 0; i < a->n_findings; i++) {
        if (grade_rank(g[i].grade) > 1)
            continue;
        zj_doc_row(rt, zj_doc_strf(d, "CA-%02zu", ++actions),
                   zj_doc_strf(d, "F%02zu %s（%s）", i + 1, g[i].f->title, g[i].grade),
                   g[i].f->clause, BLANK, BLANK, BLANK, BLANK, BLANK, "待整改");
    }
    if (!actions)
        zj_doc_para(d, "无需登记纠正措施（未发现严重或一般不符合）。");

    zj_doc_heading(d, 2, "8 说明与局限");
    zj_doc_para(
        d,
        "本报告结论仅基于上述范围内已评分的 %ld 通通话（%s），不代表未评分或范围以外的通话；"
        "自动评分依据转写文本，转写错误可能导致漏判或误判，人工复核样本用于验证。",
        a->calls, a->sample.id > 0 ? "并含人工复核抽样" : "全数自动评分");
    zj_doc_heading(d, 2, "9 不可评估事项");
    not_assessable_section(d, set->not_assessable);
    zj_doc_heading(d, 2, "10 人工复核、申诉与校准");
    review_section(d, rv, a->calls);
    zj_doc_heading(d, 2, "11 复现方法");
    zj_doc_para(
        d, "命令：%s；数据库：%s；规则集：%s，sha256 %s。同一数据库与规则集重复运行得到相同报告。",
        command ? command : "zhijian report", db_path ? db_path : "zhijian.db", rs->label,
        rs->sha256);
    return d;
}

static zj_status audit_json(const zj_audit_data *a, const graded *g, const zj_rs_ruleset *rs,
                            const audit_settings *set, const zj_report_filter *f,
                            const zj_audit_meta *meta, const char *db_path,
                            const zj_review_summary *rv, zj_buf *out);

static zj_status audit_read(zj_store *st, const zj_report_filter *f, int64_t sample_id,
                            const zj_audit_meta *meta, const char *db_path, const char *command,
                            zj_format format, zj_buf *out, zj_error *err)
{
    if (format != ZJ_FMT_MD && format != ZJ_FMT_HTML && format != ZJ_FMT_JSON)
        return zj_error_set(err, ZJ_ERR_USAGE, NULL, 0, 0,
                            "the audit report comes as md, html or json");
    zj_report_source src = zj_report_source_sql(st);
    zj_rs_ruleset rs;
    audit_settings set = {0};
    zj_audit_data a = {0};
    zj_distribution dist = {0};
    graded *g = NULL;
    zj_status s = src.ops->ruleset(src.self, f->ruleset, &rs, err);
    if (s == ZJ_OK)
        s = src.ops->require_calls(src.self, &rs, f, "audit report", err);
    if (s == ZJ_OK)
        s = read_settings(&src, &rs, &set, err);
    if (s == ZJ_OK) {
        zj_audit_query q = {.sample_id = sample_id,
                            .complaint_category = set.complaint_category,
                            .evidence_per_finding = EVIDENCE_LISTED,
                            .sample_calls_listed = SAMPLE_CALLS_LISTED};
        s = src.ops->audit(src.self, &rs, f, &q, &a, err);
    }
    if (s == ZJ_OK && format != ZJ_FMT_JSON)
        s = src.ops->distribution(src.self, &rs, f, &dist, err);
    zj_review_summary rsum;
    if (s == ZJ_OK)
        s = zj_review_summary_of(st, &rs, f, &rsum, err);
    if (s == ZJ_OK && !(g = grade_findings(&a)))
        s = zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    if (s == ZJ_OK) {
        if (format == ZJ_FMT_JSON) {
            s = audit_json(&a, g, &rs, &set, f, meta, db_path, &rsum, out);
        } else {
            zj_doc *d = audit_doc(&a, g, &rs, &set, f, meta, db_path, command, &dist, &rsum);
            s = d ? zj_doc_render(d, format, out) : ZJ_ERR_NOMEM;
            zj_doc_free(d);
        }
        if (s != ZJ_OK)
            s = zj_error_set(err, s, NULL, 0, 0, "cannot write the report: %s", zj_strerror(s));
    }
    free(g);
    zj_audit_data_free(&a);
    zj_distribution_free(&dist);
    settings_free(&set);
    return s;
}

/* One snapshot for all of the report's queries (a reader's open holds one
 * already; serve's writable store does not): its figures never mix two
 * states of the store. */
zj_status zj_report_audit(zj_store *st, const zj_report_filter *f, int64_t sample_id,
                          const zj_audit_meta *meta, const char *db_path, const char *command,
                          zj_format format, zj_buf *out, zj_error *err)
{
    bool own = zj_store_read_enter(st);
    zj_status s = audit_read(st, f, sample_id, meta, db_path, command, format, out, err);
    if (own)
        zj_store_read_end(st);
    return s;
}

/* ---------------------------------------------------------- JSON data */

static const char *grade_code(const char *grade)
{
    int r = grade_rank(grade);
    return r == 0 ? "major_nonconformity" : r == 1 ? "minor_nonconformity" : "observation";
}

static const char *conclusion_code(const char *verdict)
{
    return strcmp(verdict, "符合") == 0       ? "conforming"
           : strcmp(verdict, "基本符合") == 0 ? "largely_conforming"
                                              : "not_conforming";
}

/* A string, or null when empty. */
static json_t *jtext(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

/* part / whole as a fraction 0..1, or null when whole is 0. */
static json_t *jrate(long part, long whole)
{
    return whole ? json_real((double)part / (double)whole) : json_null();
}

/* A substring of s as a JSON string. */
static json_t *jslice(const char *s, size_t from, size_t to)
{
    return json_stringn(s + from, to - from);
}

static json_t *evidence_json(const zj_au_evidence *e)
{
    json_t *o = json_object();
    bool ok =
        o && jset(o, "call_id", json_string(e->call_id)) &&
        jset(o, "agent_id", jtext(e->agent_id)) && jset(o, "agent_name", jtext(e->agent_name)) &&
        jset(o, "started_at", jtext(e->started_at)) &&
        jset(o, "missing", json_boolean(e->missing)) &&
        jset(o, "turn", e->turn >= 0 && !e->missing ? json_integer(e->turn + 1) : json_null());
    bool spanned = !e->missing && e->span_start >= 0 && e->span_end > e->span_start;
    json_t *span = spanned ? json_pack("[II]", (json_int_t)e->span_start, (json_int_t)e->span_end)
                           : json_null();
    bool measured = e->unit[0] != 0;
    ok = ok && jset(o, "span", span) &&
         jset(o, "quote", e->missing || measured ? json_null() : json_string(e->text)) &&
         jset(o, "value", measured ? json_integer((json_int_t)e->value) : json_null()) &&
         jset(o, "unit", measured ? json_string(e->unit) : json_null());
    /* The quote's sentence: the turn's words either side of the span. */
    json_t *before = json_null(), *after = json_null();
    if (ok && e->turn_text) {
        size_t len = strlen(e->turn_text);
        long from = e->span_start > QUOTE_CONTEXT ? e->span_start - QUOTE_CONTEXT : 0;
        size_t a = utf8_offset(e->turn_text, len, from);
        size_t b = utf8_offset(e->turn_text, len, e->span_start);
        size_t c = utf8_offset(e->turn_text, len, e->span_end);
        size_t z = utf8_offset(e->turn_text, len, e->span_end + QUOTE_CONTEXT);
        json_decref(before);
        json_decref(after);
        before = jslice(e->turn_text, a, b);
        after = jslice(e->turn_text, c, z);
    }
    ok = ok && jset(o, "context_before", before) && jset(o, "context_after", after);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The audit report as data (docs/schema/report.schema.json): English keys,
 * numbers as numbers, rates as fractions 0..1, every figure the documents
 * show and the grading behind them. */
/* A fraction, or null when NAN. */
static json_t *jreal_or_null(double v)
{
    return v == v ? json_real(v) : json_null();
}

static zj_status audit_json(const zj_audit_data *a, const graded *g, const zj_rs_ruleset *rs,
                            const audit_settings *set, const zj_report_filter *f,
                            const zj_audit_meta *meta, const char *db_path,
                            const zj_review_summary *rv, zj_buf *out)
{
    const zj_au_kpis *k = &a->kpi;
    double pass_rate = pct(a->passed, a->calls);
    long severe, minor;
    const char *verdict = conclusion(pass_rate, g, a->n_findings, &severe, &minor);
    json_t *root = json_object();
    bool ok = root != NULL;
    ok = ok && jset(root, "schema", json_pack("{s:s,s:i}", "name", "zhijian.report", "version", 1));
    json_t *info = json_object(), *auditors = json_array();
    for (size_t i = 0; meta && auditors && i < meta->n_auditors; i++)
        ok = ok && json_array_append_new(auditors, json_string(meta->auditors[i])) == 0;
    ok = ok && info && jset(info, "number", jstr(meta ? meta->report_no : NULL)) &&
         jset(info, "date", jstr(meta ? meta->report_date : NULL)) &&
         jset(info, "auditors", json_incref(auditors)) &&
         jset(info, "auditee", jstr(meta ? meta->auditee : NULL)) &&
         jset(info, "distribution", jstr(meta ? meta->distribution : NULL)) &&
         jset(root, "report", json_incref(info));
    json_decref(auditors);
    json_decref(info);
    ok = ok && jset(root, "ruleset",
                    json_pack("{s:s,s:s,s:o,s:s,s:i,s:i}", "name", rs->name, "version", rs->version,
                              "title", jtext(rs->title), "sha256", rs->sha256, "base", rs->base,
                              "pass_mark", rs->pass));
    ok = ok && jset(root, "filters",
                    json_pack("{s:o,s:o,s:o,s:o}", "from", jstr(f->from), "to", jstr(f->to), "team",
                              jstr(f->team), "agent", jstr(f->agent)));
    json_t *teams = json_array();
    for (size_t i = 0; teams && i < a->n_teams; i++)
        ok = ok && json_array_append_new(teams, json_string(a->teams[i])) == 0;
    ok = ok && teams &&
         jset(root, "scope",
              json_pack("{s:I,s:I,s:I,s:o,s:o,s:O}", "calls", (json_int_t)a->calls, "agents",
                        (json_int_t)a->agents, "calls_without_agent",
                        (json_int_t)a->calls_without_agent, "first_date", jstr(a->first_date),
                        "last_date", jstr(a->last_date), "teams", teams));
    json_decref(teams);
    ok = ok && jset(root, "conclusion",
                    json_pack("{s:s,s:s,s:f,s:f,s:I,s:I,s:I,s:I}", "verdict",
                              conclusion_code(verdict), "verdict_zh", verdict, "pass_rate",
                              pass_rate / 100.0, "mean_score", a->mean_score, "passed",
                              (json_int_t)a->passed, "fatal_calls", (json_int_t)a->fatal_calls,
                              "severe_findings", (json_int_t)severe, "minor_findings",
                              (json_int_t)minor));
    json_t *complaints =
        !set->complaint_category
            ? json_null()
            : json_pack("{s:s,s:I,s:I,s:o}", "category", set->complaint_category, "calls",
                        (json_int_t)k->complaint_calls, "clean", (json_int_t)k->complaint_clean,
                        "rate", jrate(k->complaint_clean, k->complaint_calls));
    json_t *handling =
        !set->complaint_category
            ? json_null()
            : json_pack("{s:I,s:I,s:o}", "met", (json_int_t)k->handling_met, "failed",
                        (json_int_t)k->handling_failed, "rate",
                        jrate(k->handling_met, k->handling_met + k->handling_failed));
    ok = ok && complaints && handling &&
         jset(root, "kpis",
              json_pack("{s:I,s:f,s:I,s:I,s:o,s:{s:I,s:I,s:I,s:o},s:O,s:O}", "forbidden_hits",
                        (json_int_t)k->forbidden_hits, "forbidden_per_100_calls",
                        pct(k->forbidden_hits, a->calls), "due_phrases_met",
                        (json_int_t)k->required_met, "due_phrases_missing",
                        (json_int_t)k->required_missing, "due_phrase_coverage",
                        jrate(k->required_met, k->required_met + k->required_missing), "timing",
                        "met", (json_int_t)k->metric_met, "failed", (json_int_t)k->metric_hit,
                        "not_measurable", (json_int_t)k->metric_not_measurable, "rate",
                        jrate(k->metric_met, k->metric_met + k->metric_hit), "complaint_calls",
                        complaints, "complaint_handling", handling));
    json_decref(complaints);
    json_decref(handling);
    json_t *findings = json_array(), *actions = json_array();
    ok = ok && findings && actions;
    size_t n_actions = 0;
    for (size_t i = 0; ok && i < a->n_findings; i++) {
        const zj_au_finding *fi = g[i].f;
        char id[24];
        snprintf(id, sizeof id, "F%02zu", i + 1);
        json_t *ev = json_array();
        long listed = 0;
        for (size_t j = 0; ev && ok && j < a->n_evidence; j++)
            if (a->evidence[j].finding == g[i].index) {
                ok = json_array_append_new(ev, evidence_json(&a->evidence[j])) == 0;
                listed++;
            }
        ok = ok && ev &&
             json_array_append_new(
                 findings,
                 json_pack("{s:s,s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:b,s:I,s:I,s:f,s:I,s:O}", "id", id,
                           "rule_id", fi->rule_id, "title", jtext(fi->title), "clause",
                           jtext(fi->clause), "grade", grade_code(g[i].grade), "grade_zh",
                           g[i].grade, "kind", fi->kind, "severity", fi->severity, "fatal",
                           fi->fatal, "count", (json_int_t)fi->count, "calls",
                           (json_int_t)fi->calls, "per_100_calls", g[i].per100, "evidence_listed",
                           (json_int_t)listed, "evidence", ev)) == 0;
        json_decref(ev);
        if (ok && grade_rank(g[i].grade) <= 1) {
            char ca[24];
            snprintf(ca, sizeof ca, "CA-%02zu", ++n_actions);
            ok = json_array_append_new(actions, json_pack("{s:s,s:s,s:s}", "id", ca, "finding", id,
                                                          "status", "open")) == 0;
        }
    }
    ok = ok && jset(root, "findings", json_incref(findings)) &&
         jset(root, "corrective_actions", json_incref(actions));
    json_decref(findings);
    json_decref(actions);
    json_t *criteria = json_array();
    for (size_t i = 0; criteria && ok && i < a->n_criteria; i++) {
        const zj_au_criterion *c = &a->criteria[i];
        ok = json_array_append_new(criteria, json_pack("{s:o,s:s,s:o,s:s,s:s,s:i,s:b}", "clause",
                                                       jtext(c->clause), "rule_id", c->rule_id,
                                                       "title", jtext(c->title), "kind", c->kind,
                                                       "severity", c->severity, "points", c->points,
                                                       "fatal", c->fatal)) == 0;
    }
    ok = ok && criteria && jset(root, "criteria", json_incref(criteria));
    json_decref(criteria);
    json_t *sample = json_null();
    if (ok && a->sample.id > 0) {
        const zj_au_sample *s = &a->sample;
        json_t *ids = json_array();
        for (size_t i = 0; ids && i < s->n_listed; i++)
            ok = ok && json_array_append_new(ids, json_string(s->call_ids[i])) == 0;
        json_t *filters = json_loads(s->filters_json, 0, NULL);
        json_decref(sample);
        sample =
            ids ? json_pack("{s:I,s:s,s:o,s:o,s:I,s:I,s:o,s:o,s:I,s:s,s:o,s:I,s:O}", "id",
                            (json_int_t)s->id, "method", s->method, "level", jtext(s->level), "aql",
                            s->aql ? json_real(atof(s->aql)) : json_null(), "lot_size",
                            (json_int_t)s->lot_size, "sample_size", (json_int_t)s->sample_size,
                            "accept",
                            s->accept_n >= 0 && s->aql ? json_integer(s->accept_n) : json_null(),
                            "reject",
                            s->reject_n >= 0 && s->aql ? json_integer(s->reject_n) : json_null(),
                            "seed", (json_int_t)s->seed, "created_at", s->created_at, "filters",
                            filters ? filters : json_object(), "calls", (json_int_t)s->n_calls,
                            "call_ids", ids)
                : NULL;
        json_decref(ids);
        if (sample)
            ok = ok &&
                 jset(sample, "closed",
                      s->decision ? json_pack("{s:s,s:s,s:s,s:I,s:I}", "decision", s->decision,
                                              "closed_by", s->closed_by, "closed_at", s->closed_at,
                                              "reviewed", (json_int_t)s->closed_reviewed,
                                              "nonconforming", (json_int_t)s->closed_nonconforming)
                                  : json_null());
    }
    ok = ok && jset(root, "sample", sample);
    json_t *na = json_array();
    for (size_t i = 0; na && ok && set->not_assessable && i < set->not_assessable->n; i++) {
        const zj_ynode *c = zj_yaml_get(set->not_assessable->items[i], "clause");
        const zj_ynode *w = zj_yaml_get(set->not_assessable->items[i], "why");
        ok = json_array_append_new(na,
                                   json_pack("{s:s,s:s}", "clause", c && c->value ? c->value : "",
                                             "why", w && w->value ? w->value : "")) == 0;
    }
    ok = ok && na && jset(root, "not_assessable", json_incref(na));
    json_decref(na);
    ok =
        ok && jset(root, "review",
                   json_pack("{s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "reviewed_calls",
                             (json_int_t)rv->reviewed_calls, "confirmed", (json_int_t)rv->confirmed,
                             "rejected", (json_int_t)rv->rejected, "added", (json_int_t)rv->added,
                             "precision", jreal_or_null(rv->precision), "changed_calls",
                             (json_int_t)rv->changed, "appeals", (json_int_t)rv->appeals,
                             "appeals_overturned", (json_int_t)rv->overturned, "appeals_upheld",
                             (json_int_t)rv->upheld, "appeals_open", (json_int_t)rv->appeals_open,
                             "engine_reviewer_kappa", jreal_or_null(rv->k_engine),
                             "inter_reviewer_kappa", jreal_or_null(rv->k_inter)));
    ok = ok && jset(root, "reproduce",
                    json_pack("{s:s,s:s}", "database", db_path ? db_path : "zhijian.db",
                              "tool_version", ZJ_VERSION));
    return zj_report_json_emit(root, ok, out);
}
