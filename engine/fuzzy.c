/* fuzzy.c — `fuzzy: pinyin`: a rule's literals also match by pronunciation,
 * for the homophones speech recognition writes (有本是你去告 for 有本事你去告).
 *
 * Each literal of such a rule (conditions and `unless` alike) of at least
 * FUZZY_MIN_SYLLABLES ideographs gets a twin pattern over the pinyin text of
 * a turn: there every ideograph with a known reading is replaced by a
 * private-use code point U+E000 + its toneless syllable (its common
 * reading), so 是 and 事 both become "shi". An ideograph, of the literal or
 * of the turn, stands for its common reading or, for an everyday polyphone
 * (着 zhe/zhao/zhuo, 觉 jue/jiao), for any of its modern readings
 * (polyphones below). Ideographs are 3 bytes and so are
 * the private-use code points: the pinyin text has the normalized text's
 * offsets, sentence ends and map. A rule of the first utterance is matched by
 * sound from FUZZY_MIN_OPENING syllables (zj_fuzzy_min_chars).
 *
 * A regex of such a rule gets one twin regex too (regex_twin), unless it
 * has a \p{Han} wildcard and no anchor of three ideographs in a row; a
 * match by sound covers at least three characters (score.c). Sentence-final
 * particles (particle) are not replaced: they keep their character on both
 * sides.
 *
 * A rule set without fuzzy rules has no twins and the scorer does no extra
 * work at all. */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two syllables match too many ordinary words (shi shi, bu shi ...). */
#define FUZZY_MIN_SYLLABLES 3
/* ... but not in the agent's first utterance, a few set words (the opening
 * 讲话, 哪里, 找谁 that speech recognition writes 讲画, 那里, 着谁). */
#define FUZZY_MIN_OPENING 2
/* Ideographs in a row that anchor a regex with a wildcard (see regex_twin). */
#define FUZZY_MIN_ANCHOR 3

extern const char *const zj_pinyin_syllables[];
extern const size_t zj_pinyin_n_syllables;
extern const uint16_t zj_pinyin_first[];
extern const uint32_t zj_pinyin_more[][2];
extern const size_t zj_pinyin_n_more;

#define PINYIN_FIRST_CP 0x3400u
#define PINYIN_LAST_CP 0x9FFFu

size_t zj_pinyin_readings(uint32_t cp, uint16_t ids[ZJ_PINYIN_MAX_READINGS])
{
    if (cp < PINYIN_FIRST_CP || cp > PINYIN_LAST_CP || !zj_pinyin_first[cp - PINYIN_FIRST_CP])
        return 0;
    size_t n = 0;
    ids[n++] = (uint16_t)(zj_pinyin_first[cp - PINYIN_FIRST_CP] - 1);
    size_t lo = 0, hi = zj_pinyin_n_more;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (zj_pinyin_more[mid][0] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < zj_pinyin_n_more && zj_pinyin_more[lo][0] == cp && n < ZJ_PINYIN_MAX_READINGS;
         lo++)
        ids[n++] = (uint16_t)zj_pinyin_more[lo][1];
    return n;
}

const char *zj_pinyin_syllable(uint16_t id)
{
    return id < zj_pinyin_n_syllables ? zj_pinyin_syllables[id] : "?";
}

/* Polyphones (多音字): an ideograph of a turn with several readings in
 * everyday Mandarin may stand for any of them — speech recognition writes 着
 * (zhe, zhao) for 找 (你着谁) and 还 (hai, huan) for 换. Only the readings of
 * the modern standard count, listed here: the pinyin table's dictionary
 * readings (体 cui, 是 ti) would make 具体什么 sound like 催什么. In the
 * pinyin text such an ideograph becomes a code point of its own, POLY_BASE +
 * its index below, and a syllable of a twin is a class of its code point and
 * those of every polyphone with that reading. Readings that differ only in
 * tone (处, 当, 发) need no entry: the pinyin is toneless. */
static const char *const polyphones[] = {
    "着 zhe zhao zhuo", "了 le liao",    "的 de di",        "得 de dei",
    "地 de di",         "还 hai huan",   "都 dou du",       "行 xing hang",
    "长 chang zhang",   "重 zhong chong", "觉 jue jiao",    "便 bian pian",
    "朝 chao zhao",     "调 diao tiao",  "传 chuan zhuan",  "角 jiao jue",
    "乐 le yue",        "差 cha chai ci", "藏 cang zang",   "曾 ceng zeng",
    "降 jiang xiang",   "解 jie xie",    "卡 ka qia",       "没 mei mo",
    "强 qiang jiang",   "参 can shen cen", "给 gei ji",     "系 xi ji",
    "露 lu lou",        "薄 bao bo",     "会 hui kuai",     "仔 zai zi",
    "大 da dai",        "那 na nei",     "哪 na nei",       "这 zhe zhei",
    "和 he huo hu",     "似 si shi",     "省 sheng xing",   "盛 sheng cheng",
    "数 shu shuo",      "属 shu zhu",    "血 xue xie",      "种 zhong chong",
    "模 mo mu",         "恶 e wu",       "区 qu ou",        "单 dan shan chan",
    "弹 dan tan",       "奇 qi ji",      "折 zhe she",      "弄 nong long",
    "宿 su xiu",        "落 luo la lao", "塞 sai se",       "色 se shai",
    "厦 sha xia",       "校 xiao jiao",  "熟 shu shou",     "咋 za ze zha",
    "圈 quan juan",     "称 cheng chen", "扎 zha za",       "识 shi zhi",
    "壳 ke qiao",       "吓 xia he",     "择 ze zhai",      "削 xiao xue",
};
#define N_POLYPHONES (sizeof polyphones / sizeof *polyphones)
#define POLY_BASE (ZJ_PINYIN_BASE + ZJ_PINYIN_MAX_SYLLABLES)
#define POLY_FIRST_CP 0x4E00u
#define POLY_LAST_CP 0x9FFFu
#define POLY_MAX_READINGS 4
static uint8_t poly_index[POLY_LAST_CP - POLY_FIRST_CP + 1]; /* 1 + index, 0: none */
static uint16_t poly_syllables[N_POLYPHONES][POLY_MAX_READINGS]; /* UINT16_MAX: none */
static pthread_once_t poly_once = PTHREAD_ONCE_INIT;

static uint16_t syllable_id(const char *name, size_t len)
{
    for (size_t i = 0; i < zj_pinyin_n_syllables; i++)
        if (strlen(zj_pinyin_syllables[i]) == len &&
            memcmp(zj_pinyin_syllables[i], name, len) == 0)
            return (uint16_t)i;
    return UINT16_MAX;
}

static void poly_build(void)
{
    for (size_t i = 0; i < N_POLYPHONES; i++) {
        const unsigned char *p = (const unsigned char *)polyphones[i];
        uint32_t cp;
        size_t k = zj_utf8_decode(p, strlen(polyphones[i]), &cp), n = 0;
        for (size_t j = 0; j < POLY_MAX_READINGS; j++)
            poly_syllables[i][j] = UINT16_MAX;
        for (const char *w = (const char *)p + k; *w && n < POLY_MAX_READINGS;) {
            while (*w == ' ')
                w++;
            size_t len = strcspn(w, " ");
            if (len)
                poly_syllables[i][n++] = syllable_id(w, len);
            w += len;
        }
        if (cp >= POLY_FIRST_CP && cp <= POLY_LAST_CP)
            poly_index[cp - POLY_FIRST_CP] = (uint8_t)(i + 1);
    }
}

static void poly_init(void)
{
    pthread_once(&poly_once, poly_build);
}

/* Appends to b the members of the class of syllable id: its code point and
 * those of the polyphones that have it among their readings. */
static void put_syllable_members(zj_buf *b, uint16_t id)
{
    zj_buf_printf(b, "\\x{%X}", (unsigned)(ZJ_PINYIN_BASE + id));
    for (size_t i = 0; i < N_POLYPHONES; i++)
        for (size_t j = 0; j < POLY_MAX_READINGS; j++)
            if (poly_syllables[i][j] == id)
                zj_buf_printf(b, "\\x{%X}", (unsigned)(POLY_BASE + i));
}

/* Sentence-final particles keep their character in the pinyin text and in
 * the twins: a rule that ends a phrase with 嘛 or 吧 means the particle, and
 * by sound 不清楚嘛 would be 不清楚麻(烦您) and 你找他吧 你找他把(…). The
 * particles: 了呢啊呀哦噢喔嘛哈啦吧吗呗哎诶欸嘞咯哟, and 嗯呃喽噻呐耶 (我不知道喽
 * is no 不知道楼…, 不知道呐 no 不知道那是…). */
bool zj_is_particle(uint32_t cp)
{
    switch (cp) {
    case 0x55EF: /* 嗯 */
    case 0x5443: /* 呃 */
    case 0x55BD: /* 喽 */
    case 0x567B: /* 噻 */
    case 0x5450: /* 呐 */
    case 0x8036: /* 耶 */
    case 0x4E86:
    case 0x5462:
    case 0x554A:
    case 0x5440:
    case 0x54E6:
    case 0x5662:
    case 0x5594:
    case 0x561B:
    case 0x54C8:
    case 0x5566:
    case 0x5427:
    case 0x5417:
    case 0x5457:
    case 0x54CE:
    case 0x8BF6:
    case 0x6B38:
    case 0x561E:
    case 0x54AF:
    case 0x54DF:
        return true;
    default:
        return false;
    }
}

/* zj_pinyin_readings, but none for a particle. */
static size_t twin_readings(uint32_t cp, uint16_t ids[ZJ_PINYIN_MAX_READINGS])
{
    return zj_is_particle(cp) ? 0 : zj_pinyin_readings(cp, ids);
}

/* The readings a literal's ideograph stands for: those of everyday Mandarin,
 * as on the turn's side — its common reading, or an everyday polyphone's
 * readings. The table's dictionary readings would make 喊 (han, and kan in
 * old dictionaries) sound like 看, and 喊什么 match 您看什么时候. */
static size_t modern_readings(uint32_t cp, uint16_t ids[ZJ_PINYIN_MAX_READINGS])
{
    if (!twin_readings(cp, ids))
        return 0;
    uint8_t ord = cp >= POLY_FIRST_CP && cp <= POLY_LAST_CP ? poly_index[cp - POLY_FIRST_CP] : 0;
    if (!ord)
        return 1; /* ids[0], the common reading */
    size_t n = 0;
    for (size_t j = 0; j < POLY_MAX_READINGS; j++)
        if (poly_syllables[ord - 1][j] != UINT16_MAX)
            ids[n++] = poly_syllables[ord - 1][j];
    return n;
}

/* Grows *buf to hold a turn's text and its NUL (the pinyin text and the
 * text zj_fuzzy_heard matches are both exactly the normalized text's length). */
static zj_status reserve_text(char **buf, size_t *cap, const zj_norm *n)
{
    if (*cap >= n->len + 1)
        return ZJ_OK;
    size_t c = *cap ? *cap : 256;
    while (c < n->len + 1)
        c *= 2;
    char *b = realloc(*buf, c);
    if (!b)
        return ZJ_ERR_NOMEM;
    *buf = b;
    *cap = c;
    return ZJ_OK;
}

/* The pinyin text: the common reading of each ideograph (3 bytes in, 3 out),
 * everything else as it is but the private-use code points the syllables
 * use, which become U+FFFD so that no text can pose as a syllable. */
zj_status zj_fuzzy_text(const zj_norm *n, char **buf, size_t *cap)
{
    if (reserve_text(buf, cap, n) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    const unsigned char *p = (const unsigned char *)n->text;
    unsigned char *o = (unsigned char *)*buf;
    poly_init();
    for (size_t i = 0; i < n->len;) {
        unsigned char c = p[i];
        if (c < 0xE0 || c >= 0xF0) {
            size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : 4;
            memcpy(o + i, p + i, k);
            i += k;
            continue;
        }
        uint32_t cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(p[i + 1] & 0x3F) << 6 |
                      (p[i + 2] & 0x3F);
        uint32_t to = cp;
        if (cp >= PINYIN_FIRST_CP && cp <= PINYIN_LAST_CP &&
            zj_pinyin_first[cp - PINYIN_FIRST_CP] && !zj_is_particle(cp)) {
            uint8_t ord =
                cp >= POLY_FIRST_CP && cp <= POLY_LAST_CP ? poly_index[cp - POLY_FIRST_CP] : 0;
            to = ord ? POLY_BASE + ord - 1u
                     : ZJ_PINYIN_BASE + zj_pinyin_first[cp - PINYIN_FIRST_CP] - 1u;
        } else if (cp >= ZJ_PINYIN_BASE && cp < POLY_BASE + N_POLYPHONES) {
            to = 0xFFFD;
        }
        o[i] = (unsigned char)(0xE0 | (to >> 12));
        o[i + 1] = (unsigned char)(0x80 | ((to >> 6) & 0x3F));
        o[i + 2] = (unsigned char)(0x80 | (to & 0x3F));
        i += 3;
    }
    o[n->len] = '\0';
    return ZJ_OK;
}

void zj_fuzzy_free(zj_fuzzy *f)
{
    if (!f)
        return;
    if (f->matcher)
        zj_matcher_free(f->matcher);
    for (size_t i = 0; i < f->n; i++) {
        free(f->patterns[i].source);
        free(f->patterns[i].expr);
    }
    free(f->patterns);
    free(f->source);
    free(f->context);
    free(f);
}

/* Grows f's arrays to hold one more twin. */
static zj_status reserve_twin(zj_fuzzy *f, size_t *cap)
{
    if (f->n < *cap)
        return ZJ_OK;
    size_t c = *cap ? *cap * 2 : 64;
    zj_pattern *p = realloc(f->patterns, c * sizeof *p);
    if (!p)
        return ZJ_ERR_NOMEM;
    f->patterns = p;
    uint32_t *src = realloc(f->source, c * sizeof *src);
    if (!src)
        return ZJ_ERR_NOMEM;
    f->source = src;
    bool *ctx = realloc(f->context, c * sizeof *ctx);
    if (!ctx)
        return ZJ_ERR_NOMEM;
    f->context = ctx;
    *cap = c;
    return ZJ_OK;
}

/* Appends a twin of lit with expression expr (taken over). */
static zj_status add_twin(zj_fuzzy *f, size_t *cap, const zj_pattern *lit, char *expr,
                          size_t expr_len, bool is_regex, bool context)
{
    if (reserve_twin(f, cap) != ZJ_OK) {
        free(expr);
        return ZJ_ERR_NOMEM;
    }
    zj_pattern *t = &f->patterns[f->n];
    memset(t, 0, sizeof *t);
    t->id = (uint32_t)f->n;
    t->rule = lit->rule;
    t->is_regex = is_regex;
    /* Everything that says how the source pattern counts, the twin shares:
     * the twin of a per-clause 不知道$ matched per sentence would miss
     * 这个不只道，你好, where the characters' 这个不知道，你好 is found. */
    t->is_exception = lit->is_exception;
    t->follows = lit->follows;
    t->negated = lit->negated;
    t->operand = lit->operand;
    t->per_sentence = lit->per_sentence;
    t->per_clause = lit->per_clause;
    t->line = lit->line;
    t->col = lit->col;
    t->expr = expr;
    t->expr_len = expr_len;
    t->source = zj_strdup(lit->source);
    f->context[f->n] = context;
    f->source[f->n++] = lit->id;
    return t->source ? ZJ_OK : ZJ_ERR_NOMEM;
}

/* The twin of a normalized literal with at least FUZZY_MIN_SYLLABLES
 * ideographs that have readings: a regex with, for each such ideograph, the
 * class of its modern readings and of the polyphones that share one. Other
 * characters stay as they are. */
#define FUZZY_MAX_CHARS 256
static zj_status add_literal_twin(zj_fuzzy *f, size_t *cap, const zj_pattern *lit,
                                 size_t min_syllables)
{
    size_t n = 0, syllables = 0;
    const unsigned char *p = (const unsigned char *)lit->expr;
    zj_buf b;
    zj_buf_init(&b);
    for (size_t i = 0; i < lit->expr_len; n++) {
        if (n == FUZZY_MAX_CHARS) {
            zj_buf_free(&b);
            return ZJ_OK; /* a whole paragraph: matched by its characters only */
        }
        uint32_t cp;
        uint16_t ids[ZJ_PINYIN_MAX_READINGS];
        size_t k = zj_utf8_decode(p + i, lit->expr_len - i, &cp);
        if (!k) {
            zj_buf_free(&b);
            return ZJ_ERR_UTF8;
        }
        i += k;
        size_t r = modern_readings(cp, ids);
        if (r == 0) {
            zj_buf_printf(&b, "\\x{%X}", (unsigned)cp);
            continue;
        }
        syllables++;
        zj_buf_puts(&b, "[");
        for (size_t j = 0; j < r; j++)
            put_syllable_members(&b, ids[j]);
        zj_buf_puts(&b, "]");
    }
    if (syllables < min_syllables) {
        zj_buf_free(&b);
        return ZJ_OK;
    }
    if (b.failed || !b.data) {
        zj_buf_free(&b);
        return ZJ_ERR_NOMEM;
    }
    return add_twin(f, cap, lit, b.data, b.len, true, false);
}

/* The twin of a regex: the same expression over the pinyin text, each
 * ideograph with a reading replaced by its common syllable (one code point
 * for one, so lookbehinds keep their length, and classes stay classes).
 * Everything else — groups, quantifiers, lookarounds, backreferences — is
 * left as written. A regex of alternatives (说|讲) is a list of words, not a
 * paragraph: its characters stand for their common reading only, which
 * keeps 呢 (ne, ni) from sounding like 你. The class of an ideograph holds
 * the ideograph too: the pinyin text has none with a reading, but the text
 * zj_fuzzy_heard matches keeps a hit's context in characters, which a
 * lookaround must then match as written. *context says whether the regex has
 * a lookaround.
 *
 * A \p{Han} wildcard stands for any ideograph or syllable. A regex with one
 * is matched by sound only when it holds FUZZY_MIN_ANCHOR ideographs in a row
 * that every match must contain — outside groups, classes and quantifiers
 * (又不是 in \p{Han}{0,4}又不是…): by sound,
 * 您找…吧 with any words between is 您照顾…吧 — a wildcard next to a short
 * word said by sound is ordinary speech, next to three words it is not.
 *
 * Returns ZJ_OK with *out NULL when the regex is not matched by sound: it has
 * fewer than FUZZY_MIN_SYLLABLES ideographs with a reading, a wildcard
 * without such an anchor, or what cannot be rewritten character by
 * character (\Q…\E, \P{…}, a range of ideographs). */
static zj_status regex_twin(const zj_pattern *re, size_t min_syllables, char **out,
                            size_t *out_len, bool *context)
{
    *out = NULL;
    *context = false;
    zj_buf b;
    zj_buf_init(&b);
    const unsigned char *p = (const unsigned char *)re->expr;
    size_t len = re->expr_len, syllables = 0, run = 0, anchor = 0;
    bool in_class = false, class_start = false, wildcard = false, top_alternatives = false;
    size_t depth = 0; /* open groups: an alternative in one is no anchor */
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (c == '\\' && i + 1 < len) {
            unsigned char e = p[i + 1];
            if (e == 'Q' || e == 'P')
                goto refuse;
            if (run > anchor)
                anchor = run;
            run = 0;
            if (e == 'p' && len - i >= 7 && memcmp(p + i, "\\p{Han}", 7) == 0) {
                zj_buf_printf(&b, in_class ? "\\p{Han}\\x{%X}-\\x{%X}" : "[\\p{Han}\\x{%X}-\\x{%X}]",
                              (unsigned)ZJ_PINYIN_BASE, (unsigned)(POLY_BASE + N_POLYPHONES - 1));
                wildcard = true;
                class_start = false;
                i += 7;
                continue;
            }
            /* \x{…}, \p{…}, \d, \1 …: copied (an escaped multibyte character whole) */
            size_t k = e < 0x80 ? 1 : e < 0xE0 ? 2 : e < 0xF0 ? 3 : 4;
            k = 1 + k > len - i ? len - i : 1 + k;
            zj_buf_append(&b, (const char *)p + i, k);
            i += k;
            class_start = false;
            continue;
        }
        if (c < 0x80) {
            /* A run ends here; a quantifier makes its last ideograph optional. */
            size_t kept = c == '?' || c == '*' || c == '{' ? (run ? run - 1 : 0) : run;
            if (kept > anchor)
                anchor = kept;
            run = 0;
            if (!in_class && c == '(') {
                depth++;
                if (i + 2 < len && p[i + 1] == '?' &&
                    (p[i + 2] == '=' || p[i + 2] == '!' ||
                     (p[i + 2] == '<' && i + 3 < len && (p[i + 3] == '=' || p[i + 3] == '!'))))
                    *context = true;
            } else if (!in_class && c == ')' && depth) {
                depth--;
            } else if (!in_class && c == '|' && !depth) {
                top_alternatives = true; /* no run is in every match */
            }
            if (!in_class && c == '[') {
                in_class = class_start = true;
                zj_buf_append(&b, "[", 1);
                if (i + 1 < len && p[i + 1] == '^') {
                    zj_buf_append(&b, "^", 1);
                    i++;
                }
                i++;
                continue;
            }
            if (in_class && c == ']' && !class_start)
                in_class = false;
            if (in_class && c == '-' && i + 1 < len && p[i + 1] >= 0x80)
                goto refuse; /* [一-龥]: a range of ideographs is no range of syllables */
            class_start = false;
            zj_buf_append(&b, (const char *)p + i, 1);
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = zj_utf8_decode(p + i, len - i, &cp);
        if (!k) {
            zj_buf_free(&b);
            return ZJ_ERR_UTF8;
        }
        uint16_t ids[ZJ_PINYIN_MAX_READINGS];
        if (twin_readings(cp, ids)) {
            syllables++;
            zj_buf_puts(&b, in_class ? "" : "[");
            zj_buf_append(&b, (const char *)p + i, k);
            put_syllable_members(&b, ids[0]);
            zj_buf_puts(&b, in_class ? "" : "]");
            run = in_class || depth ? 0 : run + 1;
        } else {
            zj_buf_append(&b, (const char *)p + i, k);
            run = 0;
        }
        class_start = false;
        i += k;
    }
    if (run > anchor)
        anchor = run;
    if (syllables < min_syllables ||
        (wildcard && (anchor < FUZZY_MIN_ANCHOR || top_alternatives)))
        goto refuse;
    if (b.failed || !b.data) {
        zj_buf_free(&b);
        return ZJ_ERR_NOMEM;
    }
    *out = b.data;
    *out_len = b.len;
    return ZJ_OK;
refuse:
    zj_buf_free(&b);
    return ZJ_OK;
}

size_t zj_fuzzy_min_chars(const zj_rule *r)
{
    return r->window == ZJ_WIN_FIRST_UTTERANCES && r->window_value <= 1 ? FUZZY_MIN_OPENING
                                                                        : FUZZY_MIN_SYLLABLES;
}

zj_status zj_fuzzy_build(zj_ruleset *rs, zj_backend backend, const zj_load_opts *opts,
                         zj_error *err)
{
    bool any = false;
    for (size_t i = 0; i < rs->n_rules && !any; i++)
        any = rs->rules[i].fuzzy;
    if (!any)
        return ZJ_OK;
    poly_init();
    zj_fuzzy *f = calloc(1, sizeof *f);
    size_t cap = 0;
    if (!f)
        return zj_error_set(err, ZJ_ERR_NOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < rs->n_patterns; i++) {
        const zj_pattern *lit = &rs->patterns[i];
        if (!rs->rules[lit->rule].fuzzy || lit->not_by_sound)
            continue;
        zj_status st;
        if (lit->is_regex) {
            char *expr;
            size_t expr_len;
            bool context;
            st = regex_twin(lit, zj_fuzzy_min_chars(&rs->rules[lit->rule]), &expr, &expr_len,
                            &context);
            if (st == ZJ_OK && expr)
                st = add_twin(f, &cap, lit, expr, expr_len, true, context);
        } else {
            st = add_literal_twin(f, &cap, lit, zj_fuzzy_min_chars(&rs->rules[lit->rule]));
        }
        if (st != ZJ_OK) {
            zj_fuzzy_free(f);
            return zj_error_set(err, st, rs->path, lit->line, lit->col,
                                "cannot build the pinyin of '%s': %s", lit->source,
                                zj_strerror(st));
        }
    }
    if (f->n == 0) { /* only short literals: nothing to match by sound */
        zj_fuzzy_free(f);
        return ZJ_OK;
    }
    /* Cached like the rule set's own matcher: under a key of the compiled
     * patterns (the pinyin twins' bytes), so a new pinyin table never reuses
     * a stale database. */
    f->matcher = zj_matcher_compile(f->patterns, f->n, backend, opts, err);
    if (!f->matcher) {
        zj_fuzzy_free(f);
        return err ? err->status : ZJ_ERR_REGEX;
    }
    rs->fuzzy = f;
    return ZJ_OK;
}

void zj_fuzzy_check_turn(zj_fuzzy_check *c)
{
    c->ready = false;
}

void zj_fuzzy_check_free(zj_fuzzy_check *c)
{
    free(c->text);
    free(c->exact);
    memset(c, 0, sizeof *c);
}

/* The turn as written and its exact hits sorted, once per turn. */
static zj_status check_prepare(zj_fuzzy_check *c, const zj_norm *norm, const zj_hit *exact,
                               size_t n_exact)
{
    if (reserve_text(&c->text, &c->cap, norm) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    memcpy(c->text, norm->text, norm->len + 1);
    if (n_exact > c->exact_cap) {
        zj_hit *v = realloc(c->exact, n_exact * sizeof *v);
        if (!v)
            return ZJ_ERR_NOMEM;
        c->exact = v;
        c->exact_cap = n_exact;
    }
    if (n_exact)
        memcpy(c->exact, exact, n_exact * sizeof *exact);
    c->n_exact = n_exact;
    if (n_exact > 1)
        qsort(c->exact, n_exact, sizeof *c->exact, zj_hit_cmp);
    c->ready = true;
    return ZJ_OK;
}

zj_status zj_fuzzy_heard(const zj_fuzzy *f, zj_match_scratch *s, const zj_norm *norm,
                         const char *pinyin, const zj_hit *exact, size_t n_exact,
                         const zj_hit *h, zj_fuzzy_check *c, bool *heard)
{
    *heard = true;
    if (!f->context[h->pattern])
        return ZJ_OK;
    if (!c->ready && check_prepare(c, norm, exact, n_exact) != ZJ_OK)
        return ZJ_ERR_NOMEM;
    zj_hit key = {.pattern = f->source[h->pattern], .start = h->start, .end = h->end};
    if (c->n_exact && bsearch(&key, c->exact, c->n_exact, sizeof key, zj_hit_cmp))
        return ZJ_OK; /* the characters match too: dropped later as a duplicate */
    /* The hit's words by sound, everything around them as written: the twin
     * must match there, from the hit's start to its end. A scan of that text
     * finds the same match at the hit when its walk gets there; the scan is
     * not run, as one per hit made a long turn cost the square of its length. */
    size_t n = h->end - h->start, end;
    memcpy(c->text + h->start, pinyin + h->start, n);
    zj_norm view = *norm;
    view.text = c->text;
    zj_status st = zj_matcher_match_at(f->matcher, s, &view, h->pattern, h->start, &end);
    memcpy(c->text + h->start, norm->text + h->start, n);
    if (st != ZJ_OK)
        return st;
    *heard = end == h->end;
    return ZJ_OK;
}
