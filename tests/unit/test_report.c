/* test_report.c — scorecards, the audit report and sampling against a
 * database built from the bundled corpus (figures checked by hand against
 * corpus/labels.json), escaping of hostile transcript text, CSV BOM and
 * quoting, and ISO 2859-1 sample sizes and plans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static char db_path[256];

static zj_store *build_db(const char *const *inputs, size_t n, const char *path)
{
    zj_error err;
    zj_ruleset *rs = zj_rules_load(ZJ_SOURCE_DIR "/rules/property-service.yaml",
                                   &(zj_load_opts){.cache_dir = ZJ_TEST_CACHE_DIR}, &err);
    assert_non_null(rs);
    zj_store *st = zj_store_open(path, true, &err);
    assert_non_null(st);
    int64_t rid, run;
    bool reused;
    assert_int_equal(zj_store_add_ruleset(st, rs, &rid, &reused, &err), ZJ_OK);
    assert_int_equal(zj_store_begin_run(st, rid, "test", inputs, NULL, n, 0, &run, &err), ZJ_OK);
    zj_batch_opts o = {.rs = rs,
                       .inputs = inputs,
                       .n_inputs = n,
                       .jobs = 2,
                       .store = st,
                       .ruleset_id = rid,
                       .run_id = run};
    zj_batch_stats stats;
    assert_int_equal(zj_batch_run(&o, &stats, &err), ZJ_OK);
    zj_store_finish_run(st, run, "done", &err);
    zj_rules_free(rs);
    return st;
}

static int setup(void **state)
{
    (void)state;
    snprintf(db_path, sizeof db_path, "/tmp/zj_report_%d.db", (int)getpid());
    unlink(db_path);
    const char *inputs[] = {ZJ_SOURCE_DIR "/corpus/calls/2026-11.jsonl"};
    zj_store_close(build_db(inputs, 1, db_path));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[300];
    unlink(db_path);
    snprintf(p, sizeof p, "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db_path);
    unlink(p);
    return 0;
}

static char *render_scorecard(zj_group_by by, zj_format fmt, const zj_report_filter *f)
{
    zj_error err;
    zj_store *st = zj_store_open(db_path, false, &err);
    assert_non_null(st);
    zj_buf out;
    zj_buf_init(&out);
    zj_report_filter none = {0};
    assert_int_equal(zj_report_scorecard(st, f ? f : &none, by, fmt, &out, &err), ZJ_OK);
    zj_store_close(st);
    return out.data;
}

/* Reports read through the calls of a narrow date range, and the tables in
 * their own order otherwise: the threshold is a quarter of the stored calls
 * (42 in the corpus; 2 to 3 a day from 2026-11-02). */
static void report_scope_follows_the_filter_width(void **state)
{
    (void)state;
    zj_error err;
    zj_store *st = zj_store_open(db_path, false, &err);
    assert_non_null(st);
    int64_t rid;
    assert_int_equal(zj_store_find_ruleset(st, NULL, &rid, &err), ZJ_OK);
    zj_report_filter all = {0};
    zj_report_filter ten_calls = {.from = "2026-11-02", .to = "2026-11-05"};
    zj_report_filter twelve_calls = {.from = "2026-11-02", .to = "2026-11-06"};
    zj_report_filter no_calls = {.from = "2027-01-01"};
    /* 7 calls, but no index finds an agent's calls: they are read in table order. */
    zj_report_filter one_agent = {.agent = "A01"};
    /* 3 calls: the dates decide. */
    zj_report_filter agent_in_ten = {.from = "2026-11-02", .to = "2026-11-05", .agent = "A01"};
    const zj_report_filter *wide[] = {&all, &twelve_calls, &one_agent},
                           *narrow[] = {&ten_calls, &no_calls, &agent_in_ten};
    for (int i = 0; i < 3; i++) {
        zj_report_scope in = zj_report_scope_of(st, rid, wide[i]);
        assert_string_equal(in.calls, " +c.ruleset_id = ?1");
        assert_string_equal(in.findings, " FROM findings f CROSS JOIN calls c"
                                         " WHERE c.id = f.call_row AND +c.ruleset_id = ?1");
        in = zj_report_scope_of(st, rid, narrow[i]);
        assert_string_equal(in.calls, " c.ruleset_id = ?1");
        assert_string_equal(in.findings, " FROM findings f JOIN calls c ON c.id = f.call_row"
                                         " WHERE c.ruleset_id = ?1");
    }
    zj_store_close(st);
}

static void scorecard_figures(void **state)
{
    (void)state;
    char *json = render_scorecard(ZJ_BY_AGENT, ZJ_FMT_JSON, NULL);
    /* A01: PS-001 005 025 037 = 100, PS-009 = 95, PS-031 = 84 (a complaint without
     * apology, question, record or time), PS-020 = 63 (labels.json). */
    assert_non_null(strstr(json, "  \"schema\": {\n    \"name\": \"zhijian.scorecard\",\n"
                                 "    \"version\": 1\n  },\n  \"group_by\": \"agent\",\n"));
    /* The figures as numbers: 6 of 7 calls passed, the mean of 100 x 4, 95, 84
     * and 63 (642 / 7). */
    assert_non_null(
        strstr(json, "      \"agent_id\": \"A01\",\n"
                     "      \"agent_name\": \"王芳\",\n"
                     "      \"team\": \"报修组\",\n"
                     "      \"calls\": 7,\n"
                     "      \"mean_score\": 91.7142857143,\n"
                     "      \"median_score\": 100.0,\n"
                     "      \"passed\": 6,\n"
                     "      \"pass_rate\": 0.857142857143,\n"
                     "      \"fatal_calls\": 0,\n"
                     "      \"grades\": [\n"
                     "        {\n          \"grade\": \"A\",\n          \"calls\": 5\n        },\n"
                     "        {\n          \"grade\": \"C\",\n          \"calls\": 1\n        },\n"
                     "        {\n          \"grade\": \"D\",\n          \"calls\": 1\n        }\n"
                     "      ],\n"));
    free(json);
    char *team = render_scorecard(ZJ_BY_TEAM, ZJ_FMT_JSON, NULL);
    assert_non_null(strstr(team, "      \"team\": \"报修组\",\n      \"calls\": 15,\n"
                                 "      \"mean_score\": 90.0,\n"));
    assert_non_null(strstr(team, "      \"team\": \"投诉组\",\n      \"calls\": 11,\n"
                                 "      \"mean_score\": 68.0,\n"));
    assert_null(strstr(team, "agent_id"));
    /* A01's problems, ranked by severity, then points, then count: the three
     * major taboos of PS-020 (-10 each) before the minor complaint-handling
     * miss of PS-031 (-5; a missing phrase is shown as such, without a
     * quote), each under its Chinese title with the rule id beside it. */
    free(team);
    char *md = render_scorecard(ZJ_BY_AGENT, ZJ_FMT_MD, NULL);
    const char *a01 = strstr(md, "## 坐席 A01");
    assert_non_null(a01);
    assert_non_null(strstr(
        a01,
        "| 主要问题 | 规则 | 条款 | 次数 | 扣分 | 示例（通话 原话） |\n"
        "|---|---|---|---|---|---|\n"
        "| 急什么烦死人了 | taboo.04-annoying | 第十四条第4项 | 1 | -10 | PS-020 "
        "**急什么，烦死人了** |\n"
        "| 急什么没看到我在忙着吗 | taboo.05-busy-cant-see | 第十四条第5项 | 1 | -10 | PS-020 "
        "**急什么，没看到我在忙着吗** |\n"
        "| 要下班了有事明天再来 | taboo.07-off-work | 第十四条第7项 | 1 | -10 | PS-020 "
        "**要下班了，有事明天再来** |\n"
        "| 复清楚：回复具体处理时间（马上、尽快不算） | complaint.concrete-time | 处理投诉·复清楚 "
        "| 1 | -5 | （未说出规定用语） |\n"));
    assert_non_null(strstr(md, "| PS-020 | 63 | D | 2026-11-02 |"));
    free(md);
    /* Filters: one agent, a date range. */
    zj_report_filter f = {.agent = "A06", .from = "2026-11-16", .to = "2026-11-19"};
    char *one = render_scorecard(ZJ_BY_AGENT, ZJ_FMT_CSV, &f);
    assert_memory_equal(one, "\xEF\xBB\xBF", 3);
    assert_non_null(
        strstr(one, "坐席,姓名,班组,通话数,平均分,中位数,合格率,一票否决,等级分布\r\n"));
    assert_null(strstr(one, "A05"));
    free(one);
}

static void audit_report_items(void **state)
{
    (void)state;
    zj_error err;
    zj_store *st = zj_store_open(db_path, false, &err);
    zj_buf out;
    zj_buf_init(&out);
    zj_report_filter f = {0};
    assert_int_equal(
        zj_report_audit(st, &f, 0, NULL, "z.db", "zhijian report", ZJ_FMT_MD, &out, &err), ZJ_OK);
    /* In this order: the metadata and sign-off (blank where not given), the
     * conclusion with its KPIs, then the long sections. */
    static const char *const items[] = {
        "# 呼叫中心服务质量审核报告\n\n## 报告信息\n\n| 项目 | 内容 |\n|---|---|\n"
        "| 报告编号 | ＿＿＿＿＿＿ |\n| 报告日期 | ＿＿＿＿＿＿ |\n| 审核组 | ＿＿＿＿＿＿ |\n"
        "| 受审核方 | ＿＿＿＿＿＿ |\n| 分发范围 | ＿＿＿＿＿＿ |\n\n| 签署 | 姓名 | 日期 |\n"
        "|---|---|---|\n| 编制 | ＿＿＿＿＿＿ | ＿＿＿＿＿＿ |\n| 审核 | ＿＿＿＿＿＿ | "
        "＿＿＿＿＿＿ |\n"
        "| 批准 | ＿＿＿＿＿＿ | ＿＿＿＿＿＿ |\n\n\n## 1 审核结论\n\n结论：",
        "| 合格率 | 73.8% | 合格通话 / 评分通话 |",
        "| 平均分 | 82.8 |",
        "忌语发生率",
        "礼貌用语覆盖率",
        "投诉处理符合率",
        "## 2 审核目的",
        "## 3 审核范围",
        "| 评分通话数 | 42 |",
        "## 4 审核准则",
        "服务标准：《物业客服中心文明服务制度》（规则集 property-service，版本 2026.1），sha256 ",
        "。评分：满分 100 分，合格线 80 分（得分不低于 80 分且未命中一票否决项为合格）；",
        "| 第十四条第11项 | taboo.11-go-complain | 有本事你去告 | 服务忌语 | 严重 | 30 | 是 |",
        "## 5 审核方法",
        "发现分级：严重程度为“严重”或一票否决 → 严重不符合；“一般”，或“轻微”且每百通发生 5 "
        "次及以上 → 一般不符合；其余 → 观察项。",
        "## 6 审核发现",
        "| F01 | 严重不符合 | 第十八条 | 向住户索要钱物（红包、好处费等） | 1 | 1 | 2.4 |",
        /* 1-based turn, the call's local time, the quote in its sentence. */
        "| PS-021 | A04 刘洋 | 2026-11-09 09:20 | 第 3 "
        "轮：加急的话，您给师傅**包个红包**就行，马上给您"
        "弄。（第十八条） |",
        "| PS-017 | A06 赵磊 | 2026-11-19 11:28 | 第 5 轮：**有本事你去告**！（第十四条第11项） |",
        /* A finding seen once lists it; one seen 10 times says it lists 3. */
        "### F04 严重不符合：你自己都不知道我怎么知道（第十四条第30项）",
        "（第十四条第30项） |\n\n\n### F05 严重不符合：顶撞",
        "### F06 一般不符合：结束语（感谢您的来电/再见）（第十二条第6项、第18项）",
        "\n共 10 次，列出 3 次（按通话时间最早者）。\n\n\n### F07 ",
        "## 7 纠正措施登记表",
        "| 编号 | 不符合项 | 条款 | 根本原因 | 纠正措施 | 责任人 | 完成期限 | 有效性验证 | 状态 |",
        "| CA-01 | F01 向住户索要钱物（红包、好处费等）（严重不符合） | 第十八条 | ＿＿＿＿＿＿ | "
        "＿＿＿＿＿＿ | ＿＿＿＿＿＿ | ＿＿＿＿＿＿ | ＿＿＿＿＿＿ | 待整改 |",
        "## 8 说明与局限",
        "## 9 不可评估事项",
        /* From the rule set's not_assessable list, not from code. */
        "以下要求无法仅凭通话转写文本评估，本报告不作判断（依规则集所列）：\n\n"
        "| 条款 | 要求与原因 |\n|---|---|\n"
        "| 第十九条 | "
        "投诉处理时限（当日处理完毕；转交职能部门的不超过三天）——需结合工单系统的受理与"
        "办结时间 |\n",
        "| 第八条 | 办公纪律——非通话内容 |\n\n\n## 10 人工复核、申诉与校准",
        /* Nothing reviewed yet: said so, no figures over zero calls. */
        "所选范围内没有人工复核记录",
        "## 11 复现方法",
        "命令：zhijian report；数据库：z.db；规则集：property-service@2026.1，sha256 ",
    };
    const char *at = out.data;
    for (size_t i = 0; i < sizeof items / sizeof *items; i++) {
        const char *hit = strstr(at, items[i]);
        if (!hit)
            fail_msg("audit report lacks, or has out of order: %s", items[i]);
        at = hit + strlen(items[i]);
    }
    /* No English enum word in the Chinese text, nor the old placeholder. */
    static const char *const english[] = {"| required |", "| forbidden |", "| critical |",
                                          "| major |",    "| minor |",     "| observation |",
                                          "| metric |",   "| tag |",       "合格线见规则集"};
    for (size_t i = 0; i < sizeof english / sizeof *english; i++)
        if (strstr(out.data, english[i]))
            fail_msg("audit report shows %s", english[i]);
    /* HTML prints on A4 with repeating headers, unsplit rows and whole ids. */
    zj_buf_reset(&out);
    assert_int_equal(
        zj_report_audit(st, &f, 0, NULL, "z.db", "zhijian report", ZJ_FMT_HTML, &out, &err), ZJ_OK);
    assert_non_null(strstr(out.data, "@page{size:A4;margin:16mm 14mm}"));
    assert_non_null(strstr(out.data, "thead{display:table-header-group}tr,th,td{break-inside:avoid;"
                                     "page-break-inside:avoid}h1,h2,h3{break-after:avoid;"
                                     "page-break-after:avoid}td.id{white-space:nowrap}"));
    assert_non_null(strstr(out.data, "<tr><td class=\"id\">PS-021</td><td>A04 刘洋</td>"));
    assert_non_null(strstr(out.data, "<td class=\"id\">taboo.11-go-complain</td>"));
    /* Given fields are printed as given; the sign-off stays blank to sign. */
    static const char *const team[] = {"张敏", "李强"};
    zj_audit_meta meta = {.report_no = "QA-2026-11",
                          .report_date = "2026-12-01",
                          .auditors = team,
                          .n_auditors = 2,
                          .auditee = "客服中心",
                          .distribution = "客服部、品质部"};
    zj_buf_reset(&out);
    assert_int_equal(
        zj_report_audit(st, &f, 0, &meta, "z.db", "zhijian report", ZJ_FMT_MD, &out, &err), ZJ_OK);
    assert_non_null(strstr(out.data, "| 项目 | 内容 |\n|---|---|\n| 报告编号 | QA-2026-11 |\n"
                                     "| 报告日期 | 2026-12-01 |\n| 审核组 | 张敏、李强 |\n"
                                     "| 受审核方 | 客服中心 |\n| 分发范围 | 客服部、品质部 |\n\n"
                                     "| 签署 | 姓名 | 日期 |\n|---|---|---|\n"
                                     "| 编制 | ＿＿＿＿＿＿ | ＿＿＿＿＿＿ |\n"));
    zj_buf_free(&out);
    zj_store_close(st);
}

static void hostile_text_is_escaped(void **state)
{
    (void)state;
    char path[300], jsonl[300];
    snprintf(path, sizeof path, "/tmp/zj_xss_%d.db", (int)getpid());
    snprintf(jsonl, sizeof jsonl, "/tmp/zj_xss_%d.jsonl", (int)getpid());
    FILE *f = fopen(jsonl, "w");
    fputs("{\"call_id\":\"X\\\"><img onerror=alert(1)>\",\"agent_id\":\"<b>A</b>\","
          "\"team\":\"组,\\\"一\\\"\",\"started_at\":\"2026-11-03T10:00:00+08:00\","
          "\"turns\":[{\"speaker\":\"agent\",\"text\":\"<script>alert(1)</script>急什么\"}]}\n",
          f);
    fclose(f);
    unlink(path);
    const char *inputs[] = {jsonl};
    zj_store *st = build_db(inputs, 1, path);
    zj_buf out;
    zj_buf_init(&out);
    zj_error err;
    zj_report_filter none = {0};
    assert_int_equal(zj_report_audit(st, &none, 0, NULL, path, "x", ZJ_FMT_HTML, &out, &err),
                     ZJ_OK);
    assert_null(strstr(out.data, "<script"));
    assert_null(strstr(out.data, "<img"));
    assert_null(strstr(out.data, "<b>"));
    assert_non_null(strstr(out.data, "X&quot;&gt;&lt;img onerror=alert(1)&gt;"));
    assert_non_null(strstr(out.data, "&lt;b&gt;A&lt;/b&gt;"));
    zj_buf_reset(&out);
    assert_int_equal(zj_report_scorecard(st, &none, ZJ_BY_TEAM, ZJ_FMT_HTML, &out, &err), ZJ_OK);
    assert_null(strstr(out.data, "<script"));
    zj_buf_reset(&out);
    assert_int_equal(zj_report_scorecard(st, &none, ZJ_BY_TEAM, ZJ_FMT_CSV, &out, &err), ZJ_OK);
    assert_non_null(strstr(out.data, "\r\n\"组,\"\"一\"\"\",1,"));
    zj_buf_free(&out);
    zj_store_close(st);
    unlink(path);
    unlink(jsonl);
}

static void iso2859_tables(void **state)
{
    (void)state;
    static const struct {
        long lot;
        int level;
        char code;
        long n;
    } t1[] = {
        {1000, 2, 'J', 80}, {50, 2, 'D', 8},   {10000, 2, 'L', 200},   {500, 1, 'F', 20},
        {2, 1, 'A', 2},     {151, 3, 'H', 50}, {600000, 3, 'R', 2000}, {42, 2, 'D', 8},
    };
    for (size_t i = 0; i < sizeof t1 / sizeof *t1; i++) {
        char code;
        assert_true(zj_iso2859_code(t1[i].lot, t1[i].level, &code));
        assert_int_equal(code, t1[i].code);
        assert_int_equal(zj_iso2859_sample_size(code), t1[i].n);
    }
    char code;
    assert_false(zj_iso2859_code(1, 2, &code));
    static const struct {
        char code;
        double aql;
        char plan;
        long n;
        int ac, re;
    } t2[] = {
        /* Level II rows A-Q for AQL 0.65-10, arrows followed, as the
         * MIL-STD-105E / ISO 2859-1 Table 2-A extract gives them (A at AQL 10:
         * its up arrow has no plan above, so the first plan below, C's 1/2);
         * then low AQLs, whose 0/1 sits at Q (0.010) and one letter up per column. */
        {'A', 0.65, 'F', 20, 0, 1},     {'B', 0.65, 'F', 20, 0, 1},
        {'C', 0.65, 'F', 20, 0, 1},     {'D', 0.65, 'F', 20, 0, 1},
        {'E', 0.65, 'F', 20, 0, 1},     {'F', 0.65, 'F', 20, 0, 1},
        {'G', 0.65, 'F', 20, 0, 1},     {'H', 0.65, 'J', 80, 1, 2},
        {'J', 0.65, 'J', 80, 1, 2},     {'K', 0.65, 'K', 125, 2, 3},
        {'L', 0.65, 'L', 200, 3, 4},    {'M', 0.65, 'M', 315, 5, 6},
        {'N', 0.65, 'N', 500, 7, 8},    {'P', 0.65, 'P', 800, 10, 11},
        {'Q', 0.65, 'Q', 1250, 14, 15}, {'A', 1.0, 'E', 13, 0, 1},
        {'B', 1.0, 'E', 13, 0, 1},      {'C', 1.0, 'E', 13, 0, 1},
        {'D', 1.0, 'E', 13, 0, 1},      {'E', 1.0, 'E', 13, 0, 1},
        {'F', 1.0, 'E', 13, 0, 1},      {'G', 1.0, 'H', 50, 1, 2},
        {'H', 1.0, 'H', 50, 1, 2},      {'J', 1.0, 'J', 80, 2, 3},
        {'K', 1.0, 'K', 125, 3, 4},     {'L', 1.0, 'L', 200, 5, 6},
        {'M', 1.0, 'M', 315, 7, 8},     {'N', 1.0, 'N', 500, 10, 11},
        {'P', 1.0, 'P', 800, 14, 15},   {'Q', 1.0, 'Q', 1250, 21, 22},
        {'A', 1.5, 'D', 8, 0, 1},       {'B', 1.5, 'D', 8, 0, 1},
        {'C', 1.5, 'D', 8, 0, 1},       {'D', 1.5, 'D', 8, 0, 1},
        {'E', 1.5, 'D', 8, 0, 1},       {'F', 1.5, 'G', 32, 1, 2},
        {'G', 1.5, 'G', 32, 1, 2},      {'H', 1.5, 'H', 50, 2, 3},
        {'J', 1.5, 'J', 80, 3, 4},      {'K', 1.5, 'K', 125, 5, 6},
        {'L', 1.5, 'L', 200, 7, 8},     {'M', 1.5, 'M', 315, 10, 11},
        {'N', 1.5, 'N', 500, 14, 15},   {'P', 1.5, 'P', 800, 21, 22},
        {'Q', 1.5, 'P', 800, 21, 22},   {'A', 2.5, 'C', 5, 0, 1},
        {'B', 2.5, 'C', 5, 0, 1},       {'C', 2.5, 'C', 5, 0, 1},
        {'D', 2.5, 'C', 5, 0, 1},       {'E', 2.5, 'F', 20, 1, 2},
        {'F', 2.5, 'F', 20, 1, 2},      {'G', 2.5, 'G', 32, 2, 3},
        {'H', 2.5, 'H', 50, 3, 4},      {'J', 2.5, 'J', 80, 5, 6},
        {'K', 2.5, 'K', 125, 7, 8},     {'L', 2.5, 'L', 200, 10, 11},
        {'M', 2.5, 'M', 315, 14, 15},   {'N', 2.5, 'N', 500, 21, 22},
        {'P', 2.5, 'N', 500, 21, 22},   {'Q', 2.5, 'N', 500, 21, 22},
        {'A', 4.0, 'B', 3, 0, 1},       {'B', 4.0, 'B', 3, 0, 1},
        {'C', 4.0, 'B', 3, 0, 1},       {'D', 4.0, 'E', 13, 1, 2},
        {'E', 4.0, 'E', 13, 1, 2},      {'F', 4.0, 'F', 20, 2, 3},
        {'G', 4.0, 'G', 32, 3, 4},      {'H', 4.0, 'H', 50, 5, 6},
        {'J', 4.0, 'J', 80, 7, 8},      {'K', 4.0, 'K', 125, 10, 11},
        {'L', 4.0, 'L', 200, 14, 15},   {'M', 4.0, 'M', 315, 21, 22},
        {'N', 4.0, 'M', 315, 21, 22},   {'P', 4.0, 'M', 315, 21, 22},
        {'Q', 4.0, 'M', 315, 21, 22},   {'A', 6.5, 'A', 2, 0, 1},
        {'B', 6.5, 'A', 2, 0, 1},       {'C', 6.5, 'D', 8, 1, 2},
        {'D', 6.5, 'D', 8, 1, 2},       {'E', 6.5, 'E', 13, 2, 3},
        {'F', 6.5, 'F', 20, 3, 4},      {'G', 6.5, 'G', 32, 5, 6},
        {'H', 6.5, 'H', 50, 7, 8},      {'J', 6.5, 'J', 80, 10, 11},
        {'K', 6.5, 'K', 125, 14, 15},   {'L', 6.5, 'L', 200, 21, 22},
        {'M', 6.5, 'L', 200, 21, 22},   {'N', 6.5, 'L', 200, 21, 22},
        {'P', 6.5, 'L', 200, 21, 22},   {'Q', 6.5, 'L', 200, 21, 22},
        {'A', 10, 'C', 5, 1, 2},        {'B', 10, 'C', 5, 1, 2},
        {'C', 10, 'C', 5, 1, 2},        {'D', 10, 'D', 8, 2, 3},
        {'E', 10, 'E', 13, 3, 4},       {'F', 10, 'F', 20, 5, 6},
        {'G', 10, 'G', 32, 7, 8},       {'H', 10, 'H', 50, 10, 11},
        {'J', 10, 'J', 80, 14, 15},     {'K', 10, 'K', 125, 21, 22},
        {'L', 10, 'K', 125, 21, 22},    {'M', 10, 'K', 125, 21, 22},
        {'N', 10, 'K', 125, 21, 22},    {'P', 10, 'K', 125, 21, 22},
        {'Q', 10, 'K', 125, 21, 22},    {'A', 0.010, 'Q', 1250, 0, 1},
        {'Q', 0.010, 'Q', 1250, 0, 1},  {'R', 0.010, 'Q', 1250, 0, 1},
        {'P', 0.015, 'P', 800, 0, 1},   {'R', 0.015, 'P', 800, 0, 1},
        {'R', 0.025, 'R', 2000, 1, 2},  {'R', 0.40, 'R', 2000, 14, 15},
        {'R', 0.65, 'R', 2000, 21, 22}, {'R', 1.0, 'Q', 1250, 21, 22},
        {'K', 0.10, 'K', 125, 0, 1},    {'K', 0.15, 'J', 80, 0, 1},
        {'K', 0.25, 'L', 200, 1, 2},
    };
    for (size_t i = 0; i < sizeof t2 / sizeof *t2; i++) {
        char plan;
        long n;
        int ac, re;
        assert_true(zj_iso2859_plan(t2[i].code, t2[i].aql, &plan, &n, &ac, &re));
        if (plan != t2[i].plan || n != t2[i].n || ac != t2[i].ac || re != t2[i].re)
            fail_msg("%c AQL %g: got %c n=%ld %d/%d", t2[i].code, t2[i].aql, plan, n, ac, re);
    }
    char plan;
    long n;
    int ac, re;
    assert_false(zj_iso2859_plan('J', 0.3, &plan, &n, &ac, &re));
}

static void sampling_is_reproducible_and_proportional(void **state)
{
    (void)state;
    zj_error err;
    zj_store *st = zj_store_open(db_path, true, &err);
    zj_report_filter none = {0};
    zj_sample_opts o = {.n = 12, .seed = 42};
    zj_buf a, b;
    zj_buf_init(&a);
    zj_buf_init(&b);
    assert_int_equal(zj_report_sample(st, &none, &o, ZJ_FMT_CSV, &a, &err), ZJ_OK);
    assert_int_equal(zj_report_sample(st, &none, &o, ZJ_FMT_CSV, &b, &err), ZJ_OK);
    assert_string_equal(a.data, b.data);
    /* 12 of 42 calls: A01 7 -> 2.0, A02 8 -> 2.29, A03 8 -> 2.29, A04 8 -> 2.29, A05 5 -> 1.43,
     * A06 6 -> 1.71: floors 2,2,2,2,1,1 = 10, largest remainders A06 (.71), A05 (.43). */
    zj_buf_reset(&b);
    assert_int_equal(zj_report_sample(st, &none, &o, ZJ_FMT_TEXT, &b, &err), ZJ_OK);
    static const char *const rows[] = {"A01  7        2", "A02  8        2", "A03  8        2",
                                       "A04  8        2", "A05  5        2", "A06  6        2"};
    for (size_t i = 0; i < 6; i++)
        if (!strstr(b.data, rows[i]))
            fail_msg("allocation row missing: %s\n%s", rows[i], b.data);
    size_t lines = 0;
    for (const char *p = a.data; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, 13); /* header + 12 calls */
    zj_sample_opts iso = {.level = 2, .aql = 1.0, .seed = 7};
    zj_buf_reset(&b);
    assert_int_equal(zj_report_sample(st, &none, &iso, ZJ_FMT_TEXT, &b, &err), ZJ_OK);
    assert_non_null(strstr(b.data, "样本量字码 D；按表 2-A 箭头改用字码 E，样本量 13"));
    assert_non_null(strstr(b.data, "n = 13，Ac = 0，Re = 1"));
    zj_buf_free(&a);
    zj_buf_free(&b);
    zj_store_close(st);
}

static int streq_or_null(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* What the store gives back is what the scorer produced: every finding of
 * every corpus call but the not_applicable ones (never stored), in order,
 * field by field (findings are written 16, 8, 4, 2 or 1 rows per
 * statement; the corpus calls' stored counts use them all). */
static void stored_findings_are_the_scored_ones(void **state)
{
    (void)state;
    zj_error err;
    zj_ruleset *rs = zj_rules_load(ZJ_SOURCE_DIR "/rules/property-service.yaml",
                                   &(zj_load_opts){.cache_dir = ZJ_TEST_CACHE_DIR}, &err);
    assert_non_null(rs);
    zj_scorer *sc = zj_scorer_new(rs, &err);
    assert_non_null(sc);
    zj_store *st = zj_store_open(db_path, false, &err);
    assert_non_null(st);
    int64_t rid;
    assert_int_equal(zj_store_find_ruleset(st, NULL, &rid, &err), ZJ_OK);
    zj_reader *r = zj_reader_open(ZJ_SOURCE_DIR "/corpus/calls/2026-11.jsonl", 0, &err);
    assert_non_null(r);
    zj_call *call;
    size_t calls = 0, rest_bits = 0, sixteens = 0;
    while (zj_reader_next(r, &call, &err) == ZJ_OK) {
        zj_result res;
        assert_int_equal(zj_score_call(sc, call, &res, &err), ZJ_OK);
        zj_stored_call got;
        assert_int_equal(zj_store_get_call(st, call->call_id, rid, &got, &err), ZJ_OK);
        assert_int_equal(got.score, res.score);
        size_t stored = 0;
        for (size_t i = 0; i < res.n_findings; i++)
            stored += res.findings[i].outcome != ZJ_OUT_NOT_APPLICABLE;
        assert_int_equal(got.n_findings, stored);
        assert_int_equal(got.call->n_turns, call->n_turns);
        for (size_t t = 0; t < call->n_turns; t++)
            assert_memory_equal(got.call->turns[t].text, call->turns[t].text,
                                call->turns[t].text_len + 1);
        for (size_t i = 0, k = 0; i < res.n_findings; i++) {
            const zj_finding *f = &res.findings[i];
            const zj_rule *rule = &rs->rules[f->rule];
            if (f->outcome == ZJ_OUT_NOT_APPLICABLE)
                continue;
            const zj_stored_finding *g = &got.findings[k++];
            if (strcmp(g->rule_id, rule->id) || strcmp(g->outcome, zj_outcome_name(f->outcome)) ||
                strcmp(g->kind, zj_kind_name(rule->kind)) ||
                strcmp(g->severity, zj_severity_name(rule->severity)) ||
                !streq_or_null(g->clause, rule->clause) || !streq_or_null(g->text, f->text) ||
                g->points != f->points || g->turn != f->turn ||
                (f->turn >= 0 &&
                 (g->span_start != (long)f->span_start || g->span_end != (long)f->span_end)) ||
                g->start_ms != f->start_ms)
                fail_msg("call %s finding %zu (%s) differs in the store", call->call_id, i,
                         rule->id);
        }
        rest_bits |= stored % 16;
        sixteens += stored / 16;
        calls++;
        zj_stored_call_free(&got);
        zj_result_free(&res);
        zj_call_free(call);
    }
    zj_reader_close(r);
    zj_store_close(st);
    zj_scorer_free(sc);
    zj_rules_free(rs);
    assert_int_equal(calls, 42);
    /* Statements of 16, 8, 4, 2 and 1 rows were all used. */
    assert_int_equal(rest_bits, 15);
    assert_true(sixteens > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_scope_follows_the_filter_width),
        cmocka_unit_test(scorecard_figures),
        cmocka_unit_test(stored_findings_are_the_scored_ones),
        cmocka_unit_test(audit_report_items),
        cmocka_unit_test(hostile_text_is_escaped),
        cmocka_unit_test(iso2859_tables),
        cmocka_unit_test(sampling_is_reproducible_and_proportional),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
