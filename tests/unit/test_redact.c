/* test_redact.c — personal data masking (engine/redact.c): each category's
 * true positives in the ways they are written, and hard negatives that look
 * alike (order numbers, amounts, dates, times, an ID number with a wrong
 * check digit); masking is code point for code point; categories are masked
 * only when asked for; the rule set's `redact:` key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct example {
    const char *in, *out;
} example;

/* Masks in with want and checks the result and that no code point moved. */
static void expect(const char *in, unsigned want, const char *out)
{
    size_t len = strlen(in), masked = 99;
    char *s = strdup(in);
    assert_int_equal(zj_redact_text(s, &len, want, &masked), ZJ_OK);
    if (strcmp(s, out) != 0)
        fail_msg("masking '%s'\n  got      '%s'\n  expected '%s'", in, s, out);
    assert_int_equal(len, strlen(out));
    assert_int_equal(zj_utf8_count(s, len), zj_utf8_count(in, strlen(in)));
    size_t stars = 0;
    for (size_t i = 0; i < len; i++)
        stars += s[i] == '*';
    for (size_t i = 0; in[i]; i++)
        stars -= in[i] == '*';
    assert_int_equal(masked, stars);
    free(s);
}

static void run(const example *v, size_t n, unsigned want)
{
    for (size_t i = 0; i < n; i++)
        expect(v[i].in, want, v[i].out);
}

#define RUN(v, want) run(v, sizeof v / sizeof *v, want)

static void phones(void **state)
{
    (void)state;
    static const example v[] = {
        {"我的手机是13912345678，谢谢", "我的手机是***********，谢谢"},
        {"139 1234 5678", "*** **** ****"},
        {"139-1234-5678。", "***-****-****。"},
        {"+86 139 1234 5678", "+** *** **** ****"},
        {"+8613912345678", "+*************"},
        {"008613912345678", "***************"},
        {"拨013912345678", "拨************"},
        {"１３９１２３４５６７８", "***********"},
        {"幺三九一二三四五六七八", "***********"},
        {"一三九 一二三四 五六七八", "*** **** ****"},
        {"电话 010-87654321 转 8001", "电话 ***-******** 转 8001"},
        {"(0755) 8765 4321", "(****) **** ****"},
        {"（021）87654321", "（***）********"},
        {"0571-8765432", "****-*******"},
        {"+86 10 8765 4321", "+** ** **** ****"},
        {"座机是 8765 4321", "座机是 **** ****"},
        {"电话：87654321", "电话：********"},
        {"13912345678和13812345678", "***********和***********"},
        {"打13912345678 或者 021-87654321", "打*********** 或者 ***-********"},
    };
    RUN(v, ZJ_REDACT_PHONE);
}

static void id_cards(void **state)
{
    (void)state;
    static const example v[] = {
        {"身份证号11010519491231002X", "身份证号******************"},
        {"身份证号11010519491231002x。", "身份证号******************。"},
        {"440308199001011239", "******************"},
        {"320584 19871203 4563", "****** ******** ****"},
        {"老身份证 510107650815881 还能用", "老身份证 *************** 还能用"},
    };
    RUN(v, ZJ_REDACT_ID_CARD);
}

static void bank_cards(void **state)
{
    (void)state;
    static const example v[] = {
        {"卡号6222020200012345670", "卡号*******************"},
        {"6212 2602 0001 2345 670", "**** **** **** **** ***"},
        {"4559520000123459", "****************"},
        {"4111-1111-1111-1111", "****-****-****-****"},
        {"2221000000000009", "****************"},
    };
    RUN(v, ZJ_REDACT_BANK_CARD);
}

static void emails(void **state)
{
    (void)state;
    static const example v[] = {
        {"邮箱是 zhang.san+wy@example.com.cn，", "邮箱是 ************@**************，"},
        {"发到13912345678@163.com就行", "发到***********@*******就行"},
        {"a@b.co", "*@****"},
        {"Ｍail：li_si@mail.example.org.", "Ｍail：*****@****************."},
    };
    RUN(v, ZJ_REDACT_EMAIL);
}

static void addresses(void **state)
{
    (void)state;
    static const example v[] = {
        {"阳光花园3号楼2单元502", "阳光花园*号楼*单元***"},
        {"3号楼2单元502室漏水", "*号楼*单元***室漏水"},
        {"5栋1203室", "*栋****室"},
        {"十二幢三单元五零二", "**幢*单元***"},
        {"住在1203室", "住在****室"},
        {"人民路88号", "人民路**号"},
        {"长乐路100弄5号", "长乐路***弄*号"},
        {"世纪大道1号", "世纪大道*号"},
        {"A区7栋2单元301的水管", "A区*栋*单元***的水管"},
        {"3号楼5楼", "*号楼*楼"},
        {"我是1102，楼上1202", "我是****，楼上****"},
        {"就我家1602隔壁，应该是1603。", "就我家****隔壁，应该是1603。"},
        {"房号是 801", "房号是 ***"},
    };
    RUN(v, ZJ_REDACT_ADDRESS);
}

/* A number followed or preceded by a clause sign and another number is
 * still masked: "，" ends a clause (电话13812345678，1号楼), and so do "," in
 * half-width ASR text and "." before a digit; only short groups (amounts,
 * dates, times) are glued by such signs. */
static void next_to_clause_signs(void **state)
{
    (void)state;
    static const example v[] = {
        {"电话13812345678，1号楼", "电话***********，1号楼"},
        {"13912345678,3楼", "***********,3楼"},
        {"电话13812345678.1号楼", "电话***********.1号楼"},
        {"座机010-12345678，3楼", "座机***-********，3楼"},
        {"身份证110101199003071233，3号楼", "身份证******************，3号楼"},
        {"卡号6222021234567890128，2张", "卡号*******************，2张"},
        {"我是1102，13912345678也能找到我", "我是****，***********也能找到我"},
        {"2，13912345678", "2，***********"},
    };
    RUN(v, ZJ_REDACT_ALL);
}

/* Things that look like personal data and are not, with every category on. */
static void hard_negatives(void **state)
{
    (void)state;
    static const char *const same[] = {
        "订单号 DD13912345678 已经提交",         /* glued to letters: an order number */
        "订单号：20261101093012345",             /* no category has this shape */
        "订单号 4000123412341234",               /* Luhn-valid, but labelled an order */
        "工单编号 6222020200012345670",          /* the same for a card-shaped number */
        "物业费1380元，滞纳金13.80元",           /* amounts */
        "￥13,912,345,678.00",                   /* a (large) amount */
        "2026-11-01 10:30 到 2026/11/02 14:45", /* dates and times */
        "20261101",                              /* a date written compactly */
        "10:30-11:30",                           /* a time range */
        "440308199001011235",                    /* ID-shaped, wrong check digit (Luhn-valid) */
        "440308199001011230",                    /* ID-shaped, wrong check digit */
        "12345678901",                           /* 11 digits, not a mobile number */
        "87654321",                              /* a local number without a phone word */
        "400-820-8820",                          /* a company service line */
        "3号楼的电梯坏了",                       /* a building alone */
        "两室一厅，三楼",                        /* a flat's layout, a floor */
        "11月5号上午",                           /* a date with 号 */
        "我一定一一核实",                        /* Chinese numerals in words */
        "坐3路公交到88号",                       /* a bus route, not a road name */
        "user@localhost，@某人，a@b",            /* not e-mail addresses */
        "版本 1.3912345678",                     /* a decimal */
        "6222020200012345671",                   /* card-shaped, Luhn fails */
        "1234567890123456",                      /* Luhn fails, no card prefix */
        "2026110100012346",                      /* Luhn-valid, no card prefix */
        "尾号139****5678的手机",                 /* already masked by the source */
        "工号1207，你打110吧，或者12345",        /* an employee number, service lines */
        "我是0923",                              /* a number starting with 0 */
    };
    for (size_t i = 0; i < sizeof same / sizeof *same; i++)
        expect(same[i], ZJ_REDACT_ALL, same[i]);
}

/* Only the categories asked for are masked. */
static void categories_apart(void **state)
{
    (void)state;
    const char *in = "13912345678 11010519491231002X 4111111111111111 a@b.cn 5栋1203室";
    expect(in, 0, in);
    expect(in, ZJ_REDACT_PHONE, "*********** 11010519491231002X 4111111111111111 a@b.cn 5栋1203室");
    expect(in, ZJ_REDACT_ID_CARD,
           "13912345678 ****************** 4111111111111111 a@b.cn 5栋1203室");
    expect(in, ZJ_REDACT_BANK_CARD,
           "13912345678 11010519491231002X **************** a@b.cn 5栋1203室");
    expect(in, ZJ_REDACT_EMAIL, "13912345678 11010519491231002X 4111111111111111 *@**** 5栋1203室");
    expect(in, ZJ_REDACT_ADDRESS, "13912345678 11010519491231002X 4111111111111111 a@b.cn *栋****室");
    expect(in, ZJ_REDACT_ALL, "*********** ****************** **************** *@**** *栋****室");
}

/* Long turns (past the stack buffers) and text without anything to mask. */
static void long_and_plain(void **state)
{
    (void)state;
    char in[8192] = "", out[8192] = "";
    for (int i = 0; i < 250; i++) { /* 7,250 bytes */
        strcat(in, "您好，电话13912345678。");
        strcat(out, "您好，电话***********。");
    }
    expect(in, ZJ_REDACT_ALL, out);
    expect("您好，请问有什么可以帮您？", ZJ_REDACT_ALL, "您好，请问有什么可以帮您？");
    expect("", ZJ_REDACT_ALL, "");
}

static void parse_names(void **state)
{
    (void)state;
    unsigned f = 0;
    assert_true(zj_redact_parse("phone,id_card", &f));
    assert_int_equal(f, ZJ_REDACT_PHONE | ZJ_REDACT_ID_CARD);
    assert_true(zj_redact_parse("all", &f));
    assert_int_equal(f, ZJ_REDACT_ALL);
    assert_false(zj_redact_parse("phone,ssn", &f));
    assert_false(zj_redact_parse("", &f));
    assert_string_equal(zj_redact_category_name(ZJ_REDACT_BANK_CARD), "bank_card");
}

static unsigned ruleset_redact(const char *redact_line, char *msg, size_t msg_size)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "ruleset: r\nversion: \"1\"\n%s\nrules:\n  - id: a\n    kind: forbidden\n"
             "    any: [喂]\n    points: 1\n",
             redact_line);
    zj_error err;
    zj_error_clear(&err);
    zj_ruleset *rs = zj_rules_load_buffer(yaml, strlen(yaml), "r.yaml", NULL, &err);
    if (!rs) {
        zj_error_format(&err, msg, msg_size);
        return 0xFFFF;
    }
    unsigned v = zj_rules_redact(rs);
    zj_rules_free(rs);
    return v;
}

static void ruleset_key(void **state)
{
    (void)state;
    char msg[1200] = "";
    assert_int_equal(ruleset_redact("", msg, sizeof msg), 0);
    assert_int_equal(ruleset_redact("redact: true", msg, sizeof msg), ZJ_REDACT_ALL);
    assert_int_equal(ruleset_redact("redact: false", msg, sizeof msg), 0);
    assert_int_equal(ruleset_redact("redact: [phone, email]", msg, sizeof msg),
                     ZJ_REDACT_PHONE | ZJ_REDACT_EMAIL);
    assert_int_equal(ruleset_redact("redact: [phone, passport]", msg, sizeof msg), 0xFFFF);
    assert_string_equal(msg, "r.yaml:3:17: unknown personal data category 'passport' (expected "
                             "phone, id_card, bank_card, email or address)");
    assert_int_equal(ruleset_redact("redact: {phone: true}", msg, sizeof msg), 0xFFFF);
    assert_string_equal(msg, "r.yaml:3:9: 'redact' must be true, false or a list of categories");
}

/* A call's turns are masked in place and its spans stay where they were. */
static void call_masked(void **state)
{
    (void)state;
    const char *json = "{\"call_id\":\"c\",\"turns\":[{\"speaker\":\"customer\",\"text\":"
                       "\"电话１３９１２３４５６７８，住5栋1203室\"},{\"speaker\":\"agent\","
                       "\"text\":\"好的\"}]}";
    zj_error err;
    zj_call *call = zj_call_parse_json(json, strlen(json), "t", 1, &err);
    assert_non_null(call);
    assert_int_equal(zj_redact_call(call, ZJ_REDACT_ALL), ZJ_OK);
    assert_string_equal(call->turns[0].text, "电话***********，住*栋****室");
    assert_int_equal(call->turns[0].text_len, strlen("电话***********，住*栋****室"));
    assert_string_equal(call->turns[1].text, "好的");
    zj_call_free(call);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phones),           cmocka_unit_test(id_cards),
        cmocka_unit_test(bank_cards),       cmocka_unit_test(emails),
        cmocka_unit_test(addresses),        cmocka_unit_test(next_to_clause_signs),
        cmocka_unit_test(hard_negatives),
        cmocka_unit_test(categories_apart), cmocka_unit_test(long_and_plain),
        cmocka_unit_test(parse_names),      cmocka_unit_test(ruleset_key),
        cmocka_unit_test(call_masked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
