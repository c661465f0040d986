/* fillers.c — a rule set's fillers (`fillers: [嗯, 啊, 呃, 那个]`) dropped from
 * normalized text, so that 有本事，嗯，你去告 matches 有本事你去告 and the span
 * still covers the original words, filler included.
 *
 * A one-character filler (嗯 啊 呃) is an interjection and carries no meaning
 * anywhere: it is dropped wherever it occurs (你自己啊去问). A longer filler is
 * an ordinary word used as a filler (那个 "that"): it is dropped only when it
 * stands alone — at a turn edge, next to a removed character (space or
 * punctuation) or next to another filler — on both sides, so 那个，你自己去问
 * and 那个那个单元 lose one 那个 and 那个单元 keeps it. In spaced text (那 个 单 元)
 * every word has spaces around it, so there only a turn edge or another
 * filler counts, and the tests below decide. It is dropped too when
 * the next character is a pronoun, an adverb or a particle (我那个怎么知道,
 * 我们又那个不是警察), when it opens a verb phrase (你那个报警, 行了那个行了,
 * see opens_verb_phrase), or the previous one a negation or a demonstrative
 * (不那个清楚): a
 * demonstrative 那个 is followed by the noun it points at, never by 怎 不 也
 * 我 了 吧, so there the word can only be the filler. Speech recognition
 * leaves no punctuation around most fillers, and this is where most of them
 * sit: after the subject, before the verb phrase.
 *
 * A filler just before a sentence end or at the end of the turn is kept: there
 * it is a sentence-final particle (不知道啊。), which a rule may quote, and
 * nothing after it needs joining to what came before. A rule's literal is a
 * piece of a sentence, not a turn: its end is no sentence end, and a filler
 * there is dropped (有本事你去告啊 is 有本事你去告, found in 有本事你去告啊，快去
 * and in 有本事你去告啊！ alike). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct filler {
    char *bytes; /* normalized */
    size_t len;
    bool single; /* one code point */
} filler;

struct zj_fillers {
    filler *v; /* longest first: the longest filler at a position wins */
    size_t n;
    unsigned char first[0x10000 / 8]; /* first code points (BMP) of some filler */
    bool first_beyond_bmp;
    /* The normalizer's watch list: converting ideographs and fillers' first
     * ideographs. A turn none of whose characters may start a filler skips
     * the pass; a filler starting outside U+4E00..U+9FFF never does. */
    uint64_t watch[ZJ_BMP_ROWS];
    bool first_outside_cjk;
};

static int cmp_longest(const void *a, const void *b)
{
    const filler *x = a, *y = b;
    return x->len != y->len ? (x->len > y->len ? -1 : 1) : memcmp(x->bytes, y->bytes, x->len);
}

void zj_fillers_free(zj_fillers *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i].bytes);
    free(f->v);
    free(f);
}

zj_fillers *zj_fillers_new(const char *const *words, const size_t *lens, size_t n, size_t *bad)
{
    *bad = SIZE_MAX;
    zj_fillers *f = calloc(1, sizeof *f);
    if (!f || !(f->v = calloc(n ? n : 1, sizeof *f->v))) {
        free(f);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        filler *x = &f->v[f->n];
        if (zj_norm_literal(words[i], lens[i], &x->bytes, &x->len) != ZJ_OK) {
            zj_fillers_free(f);
            return NULL;
        }
        f->n++;
        if (x->len == 0) {
            *bad = i;
            zj_fillers_free(f);
            return NULL;
        }
        uint32_t cp;
        size_t k = zj_utf8_decode((const unsigned char *)x->bytes, x->len, &cp);
        x->single = k == x->len;
        if (cp < 0x10000)
            f->first[cp >> 3] |= (unsigned char)(1u << (cp & 7));
        else
            f->first_beyond_bmp = true;
        if (cp >= 0x4E00 && cp <= 0x9FFF)
            f->watch[cp >> 6] |= (uint64_t)1 << (cp & 63);
        else
            f->first_outside_cjk = true;
    }
    uint64_t converting[ZJ_BMP_ROWS];
    zj_norm_converting_rows(converting);
    for (size_t i = 0; i < ZJ_BMP_ROWS; i++)
        f->watch[i] |= converting[i];
    qsort(f->v, f->n, sizeof *f->v, cmp_longest);
    return f;
}

/* The longest filler at text[at..len), or NULL. */
static const filler *filler_at(const zj_fillers *f, const char *text, size_t len, size_t at)
{
    if (at >= len)
        return NULL;
    const unsigned char *p = (const unsigned char *)text + at;
    uint32_t cp;
    if (p[0] < 0x80)
        cp = p[0];
    else if (!zj_utf8_decode(p, len - at, &cp))
        return NULL;
    if (cp < 0x10000 ? !((f->first[cp >> 3] >> (cp & 7)) & 1) : !f->first_beyond_bmp)
        return NULL;
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].len <= len - at && memcmp(p, f->v[i].bytes, f->v[i].len) == 0)
            return &f->v[i];
    return NULL;
}

bool zj_fillers_only(const zj_fillers *f, const char *norm, size_t len)
{
    if (!f || len == 0)
        return false;
    for (size_t at = 0; at < len;) {
        const filler *w = filler_at(f, norm, len, at);
        if (!w)
            return false;
        at += w->len;
    }
    return true;
}

/* Whether cp cannot begin the noun phrase a demonstrative (那个) points at:
 * personal pronouns, adverbs and negations that open a verb phrase, and
 * particles. 们 and 么 close a word (我们, 什么) and never follow 那个 either.
 * Most verbs are left out here: 那个修水管的 is "the one who fixes pipes". 自 is 自己:
 * a demonstrative points at a thing, not at the speaker. */
static bool no_noun(uint32_t cp)
{
    static const uint32_t v[] = {
        0x4E0D, /* 不 */ 0x4E5F, /* 也 */ 0x4E48, /* 么 */ 0x4E86, /* 了 */
        0x4ED6, /* 他 */ 0x4EEC, /* 们 */ 0x4F60, /* 你 */ 0x522B, /* 别 */
        0x53C8, /* 又 */ 0x5427, /* 吧 */ 0x5417, /* 吗 */ 0x5462, /* 呢 */
        0x548B, /* 咋 */ 0x5979, /* 她 */ 0x5C31, /* 就 */ 0x5F88, /* 很 */
        0x600E, /* 怎 */ 0x6211, /* 我 */ 0x624D, /* 才 */ 0x60A8, /* 您 */
        0x6CA1, /* 没 */ 0x8FD8, /* 还 */ 0x90FD, /* 都 */ 0x518D, /* 再 */
        0x592A, /* 太 */ 0x633A, /* 挺 */ 0x54B1, /* 咱 */ 0x81EA, /* 自 */
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (v[i] == cp)
            return true;
    return false;
}

/* Whether the text at next[0..len) opens a verb phrase rather than the noun
 * a demonstrative points at: a verb or preposition that speech puts right
 * after a filler 那个 (你那个报警, 我那个挂了, 你去那个找业委会, 说了那个多少遍,
 * 我就那个是个接电话的), unless the two characters are a noun that starts
 * with one (那个问题, 那个投诉, 那个上面). Dropping a demonstrative 那个 wrongly
 * only joins the words around it; keeping a filler breaks a phrase. */
static bool opens_verb_phrase(const char *next, size_t len)
{
    static const char verbs[] = "挂行是多报找去放发等问分上忙半想处说讲打给跟把让叫在有要能会可愿寻"
                                "该算查办来走看告投交弄搞管帮转联";
    static const char *const nouns[] = {
        "问题", "去年", "报告", "报纸", "报表", "发票", "分钟", "上面", "上次", "上个",
        "上边", "行李", "管家", "管道", "管子", "交房", "办公", "会议", "会所", "想法",
        "投诉", "告示", "走廊", "看板", "打印", "来电", "等级", "说明", "联系人",
        "有关", "可能", "半年", "多少钱", NULL};
    if (len < 3)
        return false;
    bool verb = false;
    for (size_t i = 0; i + 3 <= sizeof verbs - 1; i += 3)
        verb |= memcmp(verbs + i, next, 3) == 0;
    if (!verb)
        return false;
    for (size_t k = 0; nouns[k]; k++) {
        size_t m = strlen(nouns[k]);
        if (m <= len && memcmp(nouns[k], next, m) == 0)
            return false;
    }
    return true;
}

/* Whether cp cannot stand right before a demonstrative: a negation (不那个
 * is no phrase; 没那个必要 is, so 没 is not here) or another demonstrative
 * (这那个, 哪那个). 那 is left out: 那那个人呢 is "then, that person?". */
static bool no_demonstrative_after(uint32_t cp)
{
    return cp == 0x4E0D /* 不 */ || cp == 0x8FD9 /* 这 */ || cp == 0x54EA /* 哪 */;
}

/* The first of the sorted offsets v[from..n) that is at least at; SIZE_MAX
 * when there is none. */
static size_t next_offset(const size_t *v, size_t n, size_t from, size_t at)
{
    for (size_t i = from; i < n; i++)
        if (v[i] >= at)
            return v[i];
    return SIZE_MAX;
}

/* Whether the sorted offsets v[from..n) hold at. */
static bool has_offset(const size_t *v, size_t n, size_t from, size_t at)
{
    return next_offset(v, n, from, at) == at;
}

/* Renumbers sorted offsets v[0..*count) after the drops, in place: an offset
 * inside or at the start of a dropped range goes to where the range was;
 * offsets that become 0 or repeat are left out. */
static void shift_offsets(size_t *v, size_t *count, const size_t *drop_at, const size_t *drop_len,
                          size_t n_drops)
{
    size_t d = 0, removed = 0, out = 0;
    for (size_t i = 0; i < *count; i++) {
        size_t o = v[i];
        while (d < n_drops && drop_at[d] + drop_len[d] <= o)
            removed += drop_len[d++];
        size_t pos = o - removed;
        if (d < n_drops && drop_at[d] < o)
            pos = drop_at[d] - removed;
        if (pos == 0 || (out && v[out - 1] == pos))
            continue;
        v[out++] = pos;
    }
    *count = out;
}

zj_status zj_fillers_apply(const zj_fillers *f, zj_norm *n, bool literal)
{
    /* First the drops (in the text's own offsets), then one compaction. */
    /* A turn has few fillers: the drops live on the stack until they do not fit. */
    size_t stack_at[32], stack_len[32];
    size_t *drop_at = stack_at, *drop_len = stack_len, n_drops = 0, cap = 32;
    size_t last_filler_end = SIZE_MAX, g = 0, br = 0;
    const unsigned char *t = (const unsigned char *)n->text;
    /* The normalizer noted where the watched characters are (fillers' first
     * ideographs among them): only those places can start a filler, unless
     * a filler starts outside the ideographs. */
    const bool jump = n->watched_valid && !f->first_outside_cjk;
    size_t wi = 0;
    for (size_t at = 0; at < n->len;) {
        if (jump) {
            while (wi < n->n_watched && n->watched_at[wi] < at)
                wi++;
            if (wi == n->n_watched)
                break;
            at = n->watched_at[wi];
        }
        /* Most characters are ideographs that start no filler: one bit each. */
        unsigned char c = t[at];
        if (c >= 0xE0 && c < 0xF0) {
            uint32_t cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(t[at + 1] & 0x3F) << 6 |
                          (t[at + 2] & 0x3F);
            if (!((f->first[cp >> 3] >> (cp & 7)) & 1)) {
                at += 3;
                continue;
            }
        }
        const filler *x = filler_at(f, n->text, n->len, at);
        if (!x) {
            at += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            continue;
        }
        size_t end = at + x->len;
        while (g < n->n_gaps && n->gaps[g] < at)
            g++;
        while (br < n->n_breaks && n->breaks[br] < at)
            br++;
        bool final = !literal && (end == n->len || has_offset(n->breaks, n->n_breaks, br, end));
        bool drop = !final && x->single;
        if (!final && !x->single) {
            /* Spaced text (那 个 单 元: a space between every two characters,
             * as some recognisers write) has a gap inside the filler itself;
             * there the gaps around it do not make it stand alone. */
            bool spaced = next_offset(n->gaps, n->n_gaps, g, at + 1) < end;
            bool gap_after = !spaced && has_offset(n->gaps, n->n_gaps, g, end);
            bool left = at == 0 || last_filler_end == at ||
                        (!spaced && has_offset(n->gaps, n->n_gaps, g, at));
            bool right = gap_after || filler_at(f, n->text, n->len, end);
            uint32_t next = 0;
            if (end < n->len && !gap_after)
                zj_utf8_decode(t + end, n->len - end, &next);
            uint32_t prev = 0;
            if (at > 0 && !left) {
                size_t b = at - 1;
                while (b > 0 && (t[b] & 0xC0) == 0x80)
                    b--;
                zj_utf8_decode(t + b, at - b, &prev);
            }
            drop = (left && right) || no_noun(next) || no_demonstrative_after(prev) ||
                   (next && opens_verb_phrase(n->text + end, n->len - end));
        }
        last_filler_end = end;
        if (drop) {
            if (n_drops == cap) {
                bool heap = drop_at != stack_at;
                size_t *a = malloc(cap * 2 * sizeof *a), *l = malloc(cap * 2 * sizeof *l);
                if (a && l) {
                    memcpy(a, drop_at, cap * sizeof *a);
                    memcpy(l, drop_len, cap * sizeof *l);
                }
                if (heap) {
                    free(drop_at);
                    free(drop_len);
                }
                if (!a || !l) {
                    free(a);
                    free(l);
                    return ZJ_ERR_NOMEM;
                }
                drop_at = a;
                drop_len = l;
                cap *= 2;
            }
            drop_at[n_drops] = at;
            drop_len[n_drops++] = x->len;
        }
        at = end;
    }
    if (!n_drops)
        return ZJ_OK;
    size_t w = 0, r = 0;
    for (size_t d = 0; d <= n_drops; d++) {
        size_t stop = d < n_drops ? drop_at[d] : n->len;
        size_t k = stop - r;
        if (k && w != r) {
            memmove(n->text + w, n->text + r, k);
            if (n->mapped) {
                memmove(n->orig_start + w, n->orig_start + r, k * sizeof *n->orig_start);
                memmove(n->orig_end + w, n->orig_end + r, k * sizeof *n->orig_end);
            }
        }
        w += k;
        r = d < n_drops ? stop + drop_len[d] : stop;
    }
    n->len = w;
    n->text[w] = '\0';
    /* A break at the very end stays at the new end. */
    shift_offsets(n->breaks, &n->n_breaks, drop_at, drop_len, n_drops);
    shift_offsets(n->clause_breaks, &n->n_clause_breaks, drop_at, drop_len, n_drops);
    n->n_gaps = 0; /* the gaps served this pass only: nothing else reads them */
    if (drop_at != stack_at) {
        free(drop_at);
        free(drop_len);
    }
    return ZJ_OK;
}

zj_status zj_norm_text_fillers(zj_norm *n, const char *text, size_t len, const zj_fillers *f,
                               bool mapped)
{
    if (!f)
        return mapped ? zj_norm_text(n, text, len) : zj_norm_text_unmapped(n, text, len);
    n->want_gaps = true;
    zj_status st = zj_norm_text_watch(n, text, len, mapped, f->watch);
    n->want_gaps = false;
    if (st != ZJ_OK || (!n->saw_watch && !f->first_outside_cjk))
        return st;
    return zj_fillers_apply(f, n, false);
}

zj_status zj_norm_literal_fillers(const char *text, size_t len, const zj_fillers *f, char **out,
                                  size_t *out_len)
{
    if (!f)
        return zj_norm_literal(text, len, out, out_len);
    zj_norm n;
    zj_norm_init(&n);
    n.want_gaps = true;
    zj_status st = zj_norm_text_unmapped(&n, text, len);
    if (st == ZJ_OK)
        st = zj_fillers_apply(f, &n, true);
    if (st != ZJ_OK) {
        zj_norm_free(&n);
        return st;
    }
    *out = n.text ? n.text : strdup("");
    *out_len = n.len;
    n.text = NULL;
    zj_norm_free(&n);
    return *out ? ZJ_OK : ZJ_ERR_NOMEM;
}
