/* redact.c — masks personal data in transcript text, code point for code
 * point: every masked character becomes one '*', so code point offsets (the
 * spans of findings) are the same before and after, and the byte length can
 * only shrink (masking works in place).
 *
 * What is masked, per category (rules/README.md, "Personal data"):
 *  - phone: mainland mobile numbers 1[3-9]xxxxxxxxx, also after 0, 86 or
 *    0086 (+86); landline numbers with their area code (010 / 02x + 8 digits,
 *    0xxx + 7 or 8 digits, also +86 without the 0); a 7-8 digit local number
 *    only right after 电话, 座机, 固话 or 号码.
 *  - id_card: 18-digit resident ID numbers whose province code, birth date and
 *    GB 11643 check digit (0-9 or X) are valid; 15-digit old ones whose
 *    province code and birth date are valid.
 *  - bank_card: 13-19 digits passing the Luhn check with a card-network
 *    prefix (3, 4, 5, 6, 9, or 2221-2720), unless labelled as an order,
 *    ticket or serial number (订单, 单号, 编号 ...), and never a number shaped
 *    like an ID card (its check digit decides).
 *  - email: local@domain.tld (ASCII), everything but the '@'.
 *  - address: the numbers of building / unit / floor / room components
 *    (3号楼2单元502, 5栋1203室, 十二幢三单元) when at least two components
 *    follow each other, a room number alone when it has 3-5 digits (502室),
 *    and house and lane numbers right after a road name (人民路88号,
 *    长乐路100弄5号). The words (号楼, 单元, 路 ...) and names stay.
 * Digits are ASCII, full-width or Chinese (〇零一二三四五六七八九 and 幺, never
 * mixed in one number). A number may be written in groups separated by up to
 * three spaces, dashes or a closing parenthesis (Chinese digits also by ，、).
 * A number glued to Latin letters (an order or serial number such as
 * DD13912345678), or to another number by '.', ',', '/' or ':' (amounts,
 * dates, times), is not personal data. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define MASK '*'
/* Per code point flags: masked, and may matter (a digit, numeral or '@':
 * the scans skip everything else with one byte test). */
#define MASKED 1
#define HOT 2

static const struct {
    const char *name;
    unsigned flag;
} categories[] = {
    {"phone", ZJ_REDACT_PHONE},         {"id_card", ZJ_REDACT_ID_CARD},
    {"bank_card", ZJ_REDACT_BANK_CARD}, {"email", ZJ_REDACT_EMAIL},
    {"address", ZJ_REDACT_ADDRESS},
};

const char *zj_redact_category_name(unsigned flag)
{
    for (size_t i = 0; i < sizeof categories / sizeof *categories; i++)
        if (categories[i].flag == flag)
            return categories[i].name;
    return NULL;
}

bool zj_redact_category_parse(const char *name, size_t len, unsigned *flag)
{
    for (size_t i = 0; i < sizeof categories / sizeof *categories; i++)
        if (strlen(categories[i].name) == len && !memcmp(categories[i].name, name, len)) {
            *flag = categories[i].flag;
            return true;
        }
    return false;
}

bool zj_redact_parse(const char *list, unsigned *out)
{
    if (!strcmp(list, "all")) {
        *out = ZJ_REDACT_ALL;
        return true;
    }
    unsigned flags = 0;
    for (const char *p = list;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        unsigned f;
        if (!zj_redact_category_parse(p, len, &f))
            return false;
        flags |= f;
        if (!end)
            break;
        p = end + 1;
    }
    *out = flags;
    return true;
}

/* ------------------------------------------------------------- characters */

enum { SCRIPT_NONE, SCRIPT_ARABIC, SCRIPT_CHINESE };

/* The digit a code point stands for (0-9) and its script, or -1. */
static int digit_of(uint32_t c, int *script)
{
    if (c >= '0' && c <= '9') {
        *script = SCRIPT_ARABIC;
        return (int)(c - '0');
    }
    if (c >= 0xFF10 && c <= 0xFF19) { /* full-width */
        *script = SCRIPT_ARABIC;
        return (int)(c - 0xFF10);
    }
    *script = SCRIPT_CHINESE;
    switch (c) {
    case 0x3007: /* 〇 */
    case 0x96F6: /* 零 */
        return 0;
    case 0x4E00: /* 一 */
    case 0x5E7A: /* 幺 */
        return 1;
    case 0x4E8C: /* 二 */
        return 2;
    case 0x4E09: /* 三 */
        return 3;
    case 0x56DB: /* 四 */
        return 4;
    case 0x4E94: /* 五 */
        return 5;
    case 0x516D: /* 六 */
        return 6;
    case 0x4E03: /* 七 */
        return 7;
    case 0x516B: /* 八 */
        return 8;
    case 0x4E5D: /* 九 */
        return 9;
    }
    *script = SCRIPT_NONE;
    return -1;
}

static bool is_separator(uint32_t c, int script)
{
    switch (c) {
    case ' ':
    case 0x00A0:
    case 0x3000: /* ideographic space */
    case '-':
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2212:
    case 0xFF0D: /* － */
    case ')':
    case 0xFF09: /* ） */
        return true;
    case 0xFF0C: /* ， */
    case 0x3001: /* 、 */
        return script == SCRIPT_CHINESE;
    }
    return false;
}

static bool is_latin(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_arabic(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19);
}

/* '.', '/' or ':' (ASCII or full-width): joins numbers into amounts, dates
 * and times. Not a comma: "，" ends a clause in Chinese (电话13812345678，
 * 1号楼), as "," does in ASR text written with half-width signs, and a
 * thousands separator only joins groups of three digits, which are never
 * a number to mask. */
static bool is_number_glue(uint32_t c)
{
    return c == '.' || c == '/' || c == ':' || c == 0xFF0E || c == 0xFF0F || c == 0xFF1A;
}

/* The longest group of digits that is a part of an amount, a date or a
 * time (2026/11/01, 10:30, 1380.50): a longer one glued to another number
 * by such a sign is still a number of its own (13812345678.1号楼). */
#define GLUED_PART_MAX 4

static bool is_han(uint32_t c)
{
    return c >= 0x4E00 && c <= 0x9FFF;
}

/* ------------------------------------------------------------- validators */

static bool is_mobile(const char *s, size_t n)
{
    return n == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9';
}

/* 0 + area code + local number: 010 and 02x take 8 digits, 0xxx 7 or 8. */
static bool is_landline(const char *s, size_t n)
{
    if (s[0] != '0' || n < 11)
        return false;
    if (s[1] == '1')
        return s[2] == '0' && n == 11;
    if (s[1] == '2')
        return n == 11;
    return s[1] >= '3' && (n == 11 || n == 12);
}

/* Province-level codes of GB/T 2260 (first two digits of an ID number). */
static bool province_ok(const char *s)
{
    int p = (s[0] - '0') * 10 + (s[1] - '0');
    return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
           (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 ||
           p == 81 || p == 82 || p == 83;
}

static int number(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static bool date_ok(int y, int m, int d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

/* An 18-digit number with the province and birth date of an ID number (its
 * check digit not yet judged). */
static bool id18_shaped(const char *s, size_t n)
{
    if (n != 18 || !province_ok(s))
        return false;
    int y = number(s + 6, 4);
    return y >= 1900 && y <= 2099 && date_ok(y, number(s + 10, 2), number(s + 12, 2));
}

/* GB 11643-1999: weights 2^(17-i) mod 11, check = (12 - sum mod 11) mod 11. */
static bool id18_check_ok(const char *s)
{
    static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (s[i] - '0') * weight[i];
    return check[sum % 11] == s[17];
}

static bool id15_ok(const char *s, size_t n)
{
    return n == 15 && province_ok(s) &&
           date_ok(1900 + number(s + 6, 2), number(s + 8, 2), number(s + 10, 2));
}

static bool luhn_ok(const char *s, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int d = s[n - 1 - i] - '0';
        if (i % 2) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

static bool card_prefix_ok(const char *s)
{
    if (s[0] == '3' || s[0] == '4' || s[0] == '5' || s[0] == '6' || s[0] == '9')
        return true;
    int p = number(s, 4);
    return p >= 2221 && p <= 2720; /* Mastercard's 2-series */
}

/* What precedes a number. */
typedef struct context {
    bool plus;    /* a '+' right before it */
    bool keyword; /* 电话, 座机, 固话 or 号码 just before it */
    bool label;   /* 订单, 单号, 编号 ... just before it: an identifier */
} context;

/* The category of the digit string s[0..n) (an 'X' may end an ID number), or
 * 0. Only categories in want count. */
static unsigned classify(const char *s, size_t n, const context *cx, unsigned want)
{
    bool has_x = n && s[n - 1] == 'X';
    if (want & ZJ_REDACT_PHONE && !has_x) {
        if (is_mobile(s, n) || (n == 12 && s[0] == '0' && is_mobile(s + 1, 11)) ||
            (n == 13 && !memcmp(s, "86", 2) && is_mobile(s + 2, 11)) ||
            (n == 15 && !memcmp(s, "0086", 4) && is_mobile(s + 4, 11)) || is_landline(s, n))
            return ZJ_REDACT_PHONE;
        char local[24];
        if (n >= 12 && n <= 16 && !memcmp(s, "0086", 4) && s[4] != '0') {
            local[0] = '0';
            memcpy(local + 1, s + 4, n - 4);
            if (is_landline(local, n - 3))
                return ZJ_REDACT_PHONE;
        }
        if (cx->plus && n >= 10 && n <= 14 && !memcmp(s, "86", 2) && s[2] != '0') {
            local[0] = '0';
            memcpy(local + 1, s + 2, n - 2);
            if (is_landline(local, n - 1))
                return ZJ_REDACT_PHONE;
        }
        if (cx->keyword && (n == 7 || n == 8) && s[0] >= '2' && s[0] <= '9')
            return ZJ_REDACT_PHONE;
    }
    if (id18_shaped(s, n)) /* its check digit alone decides */
        return want & ZJ_REDACT_ID_CARD && id18_check_ok(s) ? ZJ_REDACT_ID_CARD : 0;
    if (has_x)
        return 0;
    if (want & ZJ_REDACT_ID_CARD && id15_ok(s, n))
        return ZJ_REDACT_ID_CARD;
    if (want & ZJ_REDACT_BANK_CARD && n >= 13 && n <= 19 && !cx->label && card_prefix_ok(s) &&
        luhn_ok(s, n))
        return ZJ_REDACT_BANK_CARD;
    return 0;
}

/* ------------------------------------------------------------ the scanner */

typedef struct text {
    const uint32_t *cp;
    size_t n;
    uint8_t *mask;
} text;

/* Whether the code points before `at` end with one of words (UTF-32), right
 * there or after skipping up to three of the characters in skip. */
static bool preceded_by(const text *t, size_t at, const uint32_t *const *words,
                        const uint32_t *skip)
{
    size_t end = at;
    for (int k = 0; k <= 3; k++) {
        for (const uint32_t *const *w = words; *w; w++) {
            size_t len = 0;
            while ((*w)[len])
                len++;
            size_t i = 0;
            while (len <= end && i < len && t->cp[end - len + i] == (*w)[i])
                i++;
            if (len <= end && i == len)
                return true;
        }
        bool skipped = false;
        for (const uint32_t *s = skip; end > 0 && *s; s++)
            skipped = skipped || t->cp[end - 1] == *s;
        if (!skipped)
            return false;
        end--;
    }
    return false;
}

static const uint32_t kw_dianhua[] = {0x7535, 0x8BDD, 0}, kw_zuoji[] = {0x5EA7, 0x673A, 0},
                      kw_guhua[] = {0x56FA, 0x8BDD, 0}, kw_haoma[] = {0x53F7, 0x7801, 0};
static const uint32_t *const phone_keywords[] = {kw_dianhua, kw_zuoji, kw_guhua, kw_haoma, NULL};
static const uint32_t phone_skip[] = {' ', 0x3000, ':', 0xFF1A, 0x662F /* 是 */, 0x4E3A /* 为 */,
                                      0x6253 /* 打 */, 0};

static const uint32_t lb_danhao[] = {0x5355, 0x53F7, 0}, lb_dingdan[] = {0x8BA2, 0x5355, 0},
                      lb_gongdan[] = {0x5DE5, 0x5355, 0}, lb_bianhao[] = {0x7F16, 0x53F7, 0},
                      lb_liushui[] = {0x6D41, 0x6C34, 0x53F7, 0},
                      lb_yundan[] = {0x8FD0, 0x5355, 0}, lb_hetong[] = {0x5408, 0x540C, 0x53F7, 0},
                      lb_xulie[] = {0x5E8F, 0x5217, 0x53F7, 0}, lb_pihao[] = {0x6279, 0x53F7, 0};
static const uint32_t *const id_labels[] = {lb_danhao, lb_dingdan, lb_gongdan,
                                            lb_bianhao, lb_liushui, lb_yundan,
                                            lb_hetong,  lb_xulie,   lb_pihao,
                                            NULL};
static const uint32_t label_skip[] = {' ', 0x3000, ':', 0xFF1A, '#', 0xFF03, 0x662F, 0x4E3A, 0};

/* A run of digits of one script: [start, end) code points. */
typedef struct group {
    size_t start, end;
    int script;
    bool left_glued, right_glued; /* to letters or, via . , / :, to another number */
} group;

#define MAX_DIGITS 22 /* 0086 + a 12-digit landline, a 19-digit card */

static void mask_numbers(const text *t, group *g, size_t n_groups, unsigned want)
{
    for (size_t a = 0; a < n_groups;) {
        /* The run: groups joined by 1-3 separators. */
        size_t b = a;
        while (b + 1 < n_groups && g[b + 1].script == g[a].script &&
               g[b + 1].start - g[b].end <= 3 && g[b + 1].start > g[b].end) {
            size_t i = g[b].end;
            while (i < g[b + 1].start && is_separator(t->cp[i], g[a].script))
                i++;
            if (i != g[b + 1].start)
                break;
            b++;
        }
        for (size_t k = a; k <= b;) {
            if (g[k].left_glued) {
                k++;
                continue;
            }
            context cx = {0};
            cx.plus = g[k].start > 0 && (t->cp[g[k].start - 1] == '+' || t->cp[g[k].start - 1] == 0xFF0B);
            cx.keyword = preceded_by(t, g[k].start, phone_keywords, phone_skip);
            cx.label = preceded_by(t, g[k].start, id_labels, label_skip);
            char s[MAX_DIGITS + 2];
            size_t n = 0;
            long best = -1;
            bool best_x = false;
            for (size_t j = k; j <= b; j++) {
                size_t len = g[j].end - g[j].start;
                if (n + len > MAX_DIGITS)
                    break;
                for (size_t i = g[j].start; i < g[j].end; i++) {
                    int script;
                    s[n++] = (char)('0' + digit_of(t->cp[i], &script));
                }
                size_t after = g[j].end;
                bool x = g[j].script == SCRIPT_ARABIC && n == 17 && after < t->n &&
                         (t->cp[after] == 'X' || t->cp[after] == 'x' || t->cp[after] == 0xFF38);
                if (x) {
                    s[n] = 'X';
                    if (classify(s, n + 1, &cx, want)) {
                        best = (long)j;
                        best_x = true;
                    }
                    continue;
                }
                if (!g[j].right_glued && classify(s, n, &cx, want)) {
                    best = (long)j;
                    best_x = false;
                }
            }
            if (best < 0) {
                k++;
                continue;
            }
            for (size_t j = k; j <= (size_t)best; j++)
                for (size_t i = g[j].start; i < g[j].end; i++)
                    t->mask[i] |= MASKED;
            if (best_x)
                t->mask[g[best].end] |= MASKED;
            k = (size_t)best + 1;
        }
        a = b + 1;
    }
}

/* E-mail addresses: ASCII local@domain.tld; everything but the '@'. */
static void mask_emails(const text *t)
{
    for (size_t at = 0; at < t->n; at++) {
        if (t->cp[at] != '@' && t->cp[at] != 0xFF20)
            continue;
        size_t l = at;
        while (l > 0) {
            uint32_t c = t->cp[l - 1];
            if (!(c < 0x80 && (is_latin(c) || (c >= '0' && c <= '9') || c == '.' || c == '%' ||
                               c == '+' || c == '-')))
                break;
            l--;
        }
        while (l < at && t->cp[l] == '.')
            l++;
        size_t r = at + 1;
        while (r < t->n) {
            uint32_t c = t->cp[r];
            if (!(c < 0x80 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                               (c >= '0' && c <= '9') || c == '.' || c == '-')))
                break;
            r++;
        }
        /* Glued to a '*' (what masking left of a digit or letter): the address
         * would not have ended there, so it is not taken (a second pass must
         * find nothing new). */
        bool glued = (l > 0 && t->cp[l - 1] == MASK) || (r < t->n && t->cp[r] == MASK);
        while (r > at + 1 && (t->cp[r - 1] == '.' || t->cp[r - 1] == '-'))
            r--;
        if (glued || l == at || r == at + 1)
            continue;
        /* The domain: labels separated by single dots, the last one 2+ letters. */
        size_t label = 0, letters = 0, dots = 0;
        bool ok = true;
        for (size_t i = at + 1; i < r; i++) {
            uint32_t c = t->cp[i];
            if (c == '.') {
                ok = ok && label > 0;
                dots++;
                label = letters = 0;
            } else {
                label++;
                letters += ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
            }
        }
        if (!ok || !dots || label < 2 || letters != label)
            continue;
        for (size_t i = l; i < r; i++)
            if (i != at)
                t->mask[i] |= MASKED;
        at = r - 1;
    }
}

/* ---------------------------------------------------------------- address */

enum part { PART_NONE, PART_BUILDING, PART_UNIT, PART_FLOOR, PART_ROOM, PART_HOUSE, PART_LANE };

static bool is_numeral(uint32_t c)
{
    int script;
    return digit_of(c, &script) >= 0 || c == 0x5341 /* 十 */ || c == 0x767E /* 百 */ ||
           c == 0x4E24 /* 两 */;
}

/* The address word at i (its part, and its length in *len). */
static enum part address_word(const text *t, size_t i, size_t *len)
{
    if (i >= t->n)
        return PART_NONE;
    uint32_t c = t->cp[i], next = i + 1 < t->n ? t->cp[i + 1] : 0;
    *len = 1;
    switch (c) {
    case 0x53F7: /* 号 */
        if (next == 0x697C || next == 0x9662) { /* 号楼, 号院 */
            *len = 2;
            return PART_BUILDING;
        }
        return PART_HOUSE;
    case 0x680B: /* 栋 */
    case 0x5E62: /* 幢 */
        return PART_BUILDING;
    case 0x5355: /* 单元 */
        if (next == 0x5143) {
            *len = 2;
            return PART_UNIT;
        }
        return PART_NONE;
    case 0x5C42: /* 层 */
    case 0x697C: /* 楼 */
        return PART_FLOOR;
    case 0x5BA4: /* 室 */
    case 0x623F: /* 房 */
        return PART_ROOM;
    case 0x5F04: /* 弄 */
        return PART_LANE;
    }
    return PART_NONE;
}

/* A road name's last character right before i: 路, 街, 巷, 大道, 胡同, after a
 * Chinese character. */
static bool after_road(const text *t, size_t i)
{
    if (i < 2 || !is_han(t->cp[i - 2]) || is_numeral(t->cp[i - 2]))
        return false;
    uint32_t c = t->cp[i - 1], b = t->cp[i - 2];
    return c == 0x8DEF || c == 0x8857 || c == 0x5DF7 || (c == 0x9053 && b == 0x5927) ||
           (c == 0x540C && b == 0x80E1);
}

typedef struct component {
    size_t start, end; /* the number */
    enum part part;
    bool arabic;
} component;

static bool is_chinese_numeral(uint32_t c)
{
    return is_numeral(c) && !is_arabic(c);
}

/* A digit of any script, or a mask: what a number must not be glued to.
 * Counting '*' keeps masking stable: a second pass finds nothing new where a
 * first pass masked the neighbour of a number. */
static bool is_digitish(uint32_t c)
{
    return c == MASK || is_numeral(c);
}

/* The number at i: 1-5 Arabic digits or 1-4 Chinese numerals, not glued to
 * digits of either script (or '*') on either side; its end, or i. */
static size_t number_at(const text *t, size_t i, bool *arabic)
{
    if (i >= t->n || (i > 0 && is_digitish(t->cp[i - 1])))
        return i;
    size_t j = i;
    *arabic = is_arabic(t->cp[i]);
    bool (*same)(uint32_t) = *arabic ? is_arabic : is_chinese_numeral;
    while (j < t->n && same(t->cp[j]))
        j++;
    if (j < t->n && is_digitish(t->cp[j]))
        return i;
    return j - i <= (*arabic ? 5u : 4u) ? j : i;
}

static const uint32_t rw_loushang[] = {0x697C, 0x4E0A, 0}, rw_louxia[] = {0x697C, 0x4E0B, 0},
                      rw_gebi[] = {0x9694, 0x58C1, 0}, rw_duimen[] = {0x5BF9, 0x95E8, 0},
                      rw_fanghao[] = {0x623F, 0x53F7, 0}, rw_menpai[] = {0x95E8, 0x724C, 0},
                      rw_zhuzai[] = {0x4F4F, 0x5728, 0}, rw_wojia[] = {0x6211, 0x5BB6, 0},
                      rw_woshi[] = {0x6211, 0x662F, 0};
static const uint32_t *const room_words[] = {rw_loushang, rw_louxia, rw_gebi,  rw_duimen, rw_fanghao,
                                             rw_menpai,   rw_zhuzai, rw_wojia, rw_woshi,  NULL};
static const uint32_t room_skip[] = {' ', 0x3000, 0x662F /* 是 */, 0x7684 /* 的 */, 0};

/* A flat's number said alone: 3-4 Arabic digits (not starting with 0) right
 * after 楼上, 楼下, 隔壁, 对门, 房号, 门牌, 住在, 我家 or 我是 (1102 in
 * 我是1102，楼上1202). */
static bool arabic_room_after_word(const text *t, size_t start, size_t end)
{
    return end - start >= 3 && end - start <= 4 && is_arabic(t->cp[start]) &&
           t->cp[start] != '0' && t->cp[start] != 0xFF10 &&
           preceded_by(t, start, room_words, room_skip);
}

static void mask_addresses(const text *t)
{
    for (size_t i = 0; i < t->n;) {
        if (!(t->mask[i] & HOT)) {
            i++;
            continue;
        }
        bool arabic;
        size_t end = number_at(t, i, &arabic);
        if (end == i) {
            i++;
            continue;
        }
        bool road = after_road(t, i);
        component c[8];
        size_t n = 0, at = i;
        for (;;) {
            size_t num_end = number_at(t, at, &arabic), len = 0;
            if (num_end == at)
                break;
            enum part p = address_word(t, num_end, &len);
            bool bare = false;
            if (p == PART_NONE && n > 0 &&
                (c[n - 1].part == PART_BUILDING || c[n - 1].part == PART_UNIT)) {
                /* A room number without 室: 3-4 digits, nothing after. */
                size_t digits = num_end - at;
                bool digits_only = true;
                for (size_t k = at; k < num_end; k++) {
                    int script;
                    digits_only = digits_only && digit_of(t->cp[k], &script) >= 0;
                }
                bare = digits_only && digits >= 3 && digits <= 4;
                if (bare)
                    p = PART_ROOM;
            }
            if (p == PART_NONE || ((p == PART_HOUSE || p == PART_LANE) && n == 0 && !road))
                break;
            c[n++] = (component){at, num_end, p, arabic};
            at = num_end + len;
            if (bare || n == sizeof c / sizeof *c)
                break;
        }
        bool keep = false;
        for (size_t k = 0; k < n; k++)
            keep = keep || c[k].part != PART_FLOOR;
        bool mask = n >= 2 && keep;
        if (n == 1 && c[0].part == PART_ROOM && c[0].arabic && c[0].end - c[0].start >= 3)
            mask = true;
        if (n >= 1 && road && (c[0].part == PART_HOUSE || c[0].part == PART_LANE))
            mask = true;
        if (!mask && n == 0 && arabic_room_after_word(t, i, end)) {
            c[n++] = (component){i, end, PART_ROOM, true};
            at = end;
            mask = true;
        }
        if (!mask) {
            i = end > i ? end : i + 1;
            continue;
        }
        for (size_t k = 0; k < n; k++)
            for (size_t j = c[k].start; j < c[k].end; j++)
                t->mask[j] |= MASKED;
        i = at;
    }
}

/* ---------------------------------------------------------------- driver */

static void find(const text *t, unsigned want)
{
    if (want & (ZJ_REDACT_PHONE | ZJ_REDACT_ID_CARD | ZJ_REDACT_BANK_CARD)) {
        group stack[64], *g = stack;
        size_t n = 0, cap = sizeof stack / sizeof *stack;
        for (size_t i = 0; i < t->n;) {
            int script;
            if (!(t->mask[i] & HOT) || digit_of(t->cp[i], &script) < 0) {
                i++;
                continue;
            }
            size_t j = i + 1;
            int s2;
            while (j < t->n && digit_of(t->cp[j], &s2) >= 0 && s2 == script)
                j++;
            if (n == cap) {
                group *bigger = malloc(cap * 2 * sizeof *bigger);
                if (!bigger)
                    break; /* the groups so far are still masked */
                memcpy(bigger, g, n * sizeof *g);
                if (g != stack)
                    free(g);
                g = bigger;
                cap *= 2;
            }
            group *x = &g[n++];
            *x = (group){.start = i, .end = j, .script = script};
            if (script == SCRIPT_ARABIC) {
                uint32_t before = i > 0 ? t->cp[i - 1] : 0, after = j < t->n ? t->cp[j] : 0;
                bool part = j - i <= GLUED_PART_MAX;
                x->left_glued = (before < 0x80 && is_latin(before)) || before == MASK ||
                                (part && is_number_glue(before) && i > 1 &&
                                 (is_arabic(t->cp[i - 2]) || t->cp[i - 2] == MASK));
                x->right_glued = (after < 0x80 && is_latin(after)) || after == MASK ||
                                 (part && is_number_glue(after) && j + 1 < t->n &&
                                  (is_arabic(t->cp[j + 1]) || t->cp[j + 1] == MASK));
            }
            i = j;
        }
        mask_numbers(t, g, n, want);
        if (g != stack)
            free(g);
    }
    if (want & ZJ_REDACT_EMAIL)
        mask_emails(t);
    if (want & ZJ_REDACT_ADDRESS)
        mask_addresses(t);
}

/* One code point of UTF-8 text (valid, as the parsers deliver it; a byte
 * that does not start a complete sequence stands alone as U+FFFD, the same in
 * both passes, so the code point indices agree). Inline: masking decodes
 * every byte of every turn, and most turns hold nothing to mask. */
static inline size_t decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xE0 && c < 0xF0 && n >= 3) {
        *cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        return 3;
    }
    if (c >= 0xC0 && c < 0xE0 && n >= 2) {
        *cp = (uint32_t)(c & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if (c >= 0xF0 && n >= 4) {
        *cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
              (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
        return 4;
    }
    *cp = 0xFFFD;
    return 1;
}

/* Whether a code point could start anything a category masks: a digit or
 * numeral of any script, or an '@'. A turn without one is left alone. */
static inline bool may_matter(uint32_t c)
{
    if (c < 0x80)
        return (c >= '0' && c <= '9') || c == '@';
    return (c >= 0xFF10 && c <= 0xFF20) || is_numeral(c);
}

zj_status zj_redact_text(char *str, size_t *len, unsigned want, size_t *masked)
{
    if (masked)
        *masked = 0;
    const unsigned char *s = (const unsigned char *)str;
    size_t n_bytes = *len;
    if (!want)
        return ZJ_OK;
    uint32_t cp_stack[512];
    uint8_t mask_stack[512];
    uint32_t *cp = cp_stack;
    uint8_t *mask = mask_stack;
    if (n_bytes > sizeof cp_stack / sizeof *cp_stack) {
        cp = malloc(n_bytes * sizeof *cp);
        mask = malloc(n_bytes);
        if (!cp || !mask) {
            free(cp);
            free(mask);
            return ZJ_ERR_NOMEM;
        }
    }
    size_t n = 0;
    bool matters = false;
    for (size_t i = 0; i < n_bytes; n++) {
        i += decode(s + i, n_bytes - i, &cp[n]);
        mask[n] = may_matter(cp[n]) ? HOT : 0;
        matters = matters || mask[n];
    }
    size_t count = 0;
    if (matters) {
        text t = {cp, n, mask};
        find(&t, want);
        for (size_t i = 0; i < n; i++)
            count += mask[i] & MASKED;
    }
    if (count) {
        /* Rewrite in place: '*' is one byte, never longer than what it replaces. */
        size_t w = 0;
        for (size_t i = 0, c = 0; i < n_bytes; c++) {
            uint32_t ignored;
            size_t k = decode(s + i, n_bytes - i, &ignored);
            if (mask[c] & MASKED) {
                str[w++] = MASK;
            } else {
                memmove(str + w, str + i, k);
                w += k;
            }
            i += k;
        }
        str[w] = '\0';
        *len = w;
    }
    if (cp != cp_stack) {
        free(cp);
        free(mask);
    }
    if (masked)
        *masked = count;
    return ZJ_OK;
}

zj_status zj_redact_call(zj_call *call, unsigned want)
{
    if (!want)
        return ZJ_OK;
    for (size_t i = 0; i < call->n_turns; i++) {
        zj_status st = zj_redact_text(call->turns[i].text, &call->turns[i].text_len, want, NULL);
        if (st != ZJ_OK)
            return st;
    }
    return ZJ_OK;
}
