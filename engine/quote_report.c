/* quote_report.c — reported speech: after a reporting verb whose subject is
 * someone else (您说…, 邻居跟您讲…, 他说…, 您刚才说…, 师傅回您…; not 你别说,
 * not 你先说, not 我说), the words up to the end of the clause are not the
 * agent's own (他说水管漏了，有本事你去告 still provokes the resident). A recap the agent
 * asks the resident to confirm runs on to the end of the sentence: one whose
 * reporter is itself reported (您是说保安跟您讲砸了活该，谁让你跟车), one whose
 * words tell of a conversation (您说保安讲不关我事，你找城管), or one that a
 * tag question follows (…我不管，你爱找谁找谁，是吧), cut where the agent's own
 * voice resumes (，是吧 / ，这样回答不对 / ，我们马上处理). quote.c finds the
 * quotation marks first; a report whose words are such a quotation is left
 * to it. Works on the normalized turn as the rules matched it (fillers,
 * synonyms, the rule set's clause_starts in run-on text). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Who can be reported: the resident, a third party, a colleague. Not 我 /
 * 我们: "我说了多少遍了" is the agent's own voice. Bare 你 counts only with
 * something between it and the verb (你刚才说): "你说你这人…" is rhetoric. */
static const char *const subjects[] = {
    "您",   "你",   "他们", "她们", "他",   "她",   "邻居",   "鄰居",   "师傅",   "師傅",
    "保安", "物业", "物業", "前台", "同事", "客服", "对方",   "對方",   "人家",   "楼上",
    "樓上", "楼下", "樓下", "业主", "業主", "有人", "领导",   "領導",   "经理",   "經理",
    "家人", "老公", "老婆", "孩子", "对面", "隔壁", "开发商", "開發商", "居委会", "居委會",
    "管家", "工人", "阿姨", "保洁", "工作人员", "维修工", "邻居家", NULL};

/* Whether cp is one of set[0..n). */
static bool in_set(uint32_t cp, const uint32_t *set, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (cp == set[k])
            return true;
    return false;
}

/* Before a subject these make it an object (跟您说 = said to you). */
static bool is_object_marker(uint32_t cp)
{
    static const uint32_t marks[] = {0x8DDF /* 跟 */, 0x5BF9 /* 对 */, 0x5C0D /* 對 */,
                                     0x548C /* 和 */, 0x7ED9 /* 给 */, 0x7D66 /* 給 */,
                                     0x5411 /* 向 */, 0x5E2E /* 帮 */, 0x5E6B /* 幫 */,
                                     0x8BA9 /* 让 */, 0x8B93 /* 讓 */, 0x53EB /* 叫 */,
                                     0x542C /* 听 */, 0x807D /* 聽 */, 0x6309 /* 按 */,
                                     0x7167 /* 照 */, 0x66FF /* 替 */, 0x7531 /* 由 */,
                                     0x540C /* 同: Cantonese 跟 (我同你讲) */};
    return in_set(cp, marks, sizeof marks / sizeof *marks);
}

static bool is_speech_verb(uint32_t cp)
{
    return cp == 0x8BF4 /* 说 */ || cp == 0x8AAA /* 說 */ || cp == 0x8BB2 /* 讲 */ ||
           cp == 0x8B1B /* 講 */;
}

/* 回 reports a reply when what follows is its addressee or 答/复/了/一句
 * (师傅回您…, 同事回答您…), not in 回电 / 回来 / 回复您 as an offer, nor as
 * the measure word of 这一回, 上回, 几回 (人家就走这一回你就不能大度点: "this
 * once", then the agent's own words). */
static size_t reply_verb(const uint32_t *cps, size_t n, size_t i)
{
    static const uint32_t counted[] = {0x4E00 /* 一 */, 0x8FD9 /* 这 */, 0x9019 /* 這 */,
                                       0x90A3 /* 那 */, 0x51E0 /* 几 */, 0x5E7E /* 幾 */,
                                       0x4E24 /* 两 */, 0x5169 /* 兩 */, 0x6BCF /* 每 */,
                                       0x4E0A /* 上 */, 0x4E0B /* 下 */, 0x591A /* 多 */};
    if (cps[i] != 0x56DE /* 回 */ || i + 1 >= n ||
        (i > 0 && in_set(cps[i - 1], counted, sizeof counted / sizeof *counted)))
        return 0;
    uint32_t next = cps[i + 1];
    if (next == 0x7B54 /* 答 */)
        return 2;
    if (next == 0x60A8 /* 您 */ || next == 0x4F60 /* 你 */ || next == 0x4E86 /* 了 */)
        return 1;
    return 0;
}

/* 原话是 (…的原话是有本事你去告): what follows is someone's words as they
 * were said, whoever said them (我原话是… quotes the agent's own earlier
 * words, which are no offence now either). Its length, 0 if none at i. */
static size_t verbatim_marker(const uint32_t *cps, size_t n, size_t i)
{
    return i + 2 < n && cps[i] == 0x539F /* 原 */ &&
                   (cps[i + 1] == 0x8BDD /* 话 */ || cps[i + 1] == 0x8A71 /* 話 */) &&
                   cps[i + 2] == 0x662F /* 是 */
               ? 3
               : 0;
}

/* Whether a, b open a complement of manner after a verb of saying: 快点 快些
 * 快着 快一点, 慢点 慢些 慢一点, 重点, 简单 简短, 大声 大点. */
static bool manner_complement(uint32_t a, uint32_t b)
{
    switch (a) {
    case 0x5FEB: /* 快 */
        return b == 0x70B9 /* 点 */ || b == 0x4E9B /* 些 */ || b == 0x7740 /* 着 */ ||
               b == 0x4E00 /* 一 */;
    case 0x6162: /* 慢 */
        return b == 0x70B9 /* 点 */ || b == 0x4E9B /* 些 */ || b == 0x4E00 /* 一 */;
    case 0x91CD: /* 重 */
        return b == 0x70B9 /* 点 */;
    case 0x7B80: /* 简 */
        return b == 0x5355 /* 单 */ || b == 0x77ED /* 短 */;
    case 0x5927: /* 大 */
        return b == 0x58F0 /* 声 */ || b == 0x70B9 /* 点 */;
    default:
        return false;
    }
}

/* After the verb these make it something else than reporting: 说话, 说清楚,
 * 说明, 说完, 说得对, 说的(那个), 说吧 (go ahead), 说过, 说一下 / 一遍, 说什么,
 * 您说呢 / 您说怎么办 (asking the resident), 说说 (您跟邻居说说: advice),
 * 说也没用 / 说有什么用 (the saying judged), 说多久 / 说半天 / 说个没完 (how
 * long, not what), 讲究 (fussy), 说法 (a
 * statement: 你要说法，你写个书面投诉; but 他说法院…, 说法定假日…). */
static bool ends_report(const uint32_t *cps, size_t n, size_t i)
{
    static const uint32_t next_bad[] = {
        0x8BDD /* 话 */, 0x8A71 /* 話 */,          0x6E05 /* 清 */, 0x660E /* 明 */,
        0x5B8C /* 完 */, 0x5F97 /* 得 */,          0x7684 /* 的 */, 0x5427 /* 吧 */,
        0x8FC7 /* 过 */, 0x904E /* 過 */,          0x4E00 /* 一 */, 0x51E0 /* 几 */,
        0x5E7E /* 幾 */, 0x5462 /* 呢 (您说呢) */, 0x600E /* 怎 (您说怎么办) */,
        0x7A76 /* 究 */};
    static const uint32_t after_fa[] = {0x9662 /* 院 */, 0x5F8B /* 律 */, 0x5B98 /* 官 */,
                                        0x5EAD /* 庭 */, 0x89C4 /* 规 */, 0x5B9A /* 定 */,
                                        0x4EBA /* 人 */};
    /* 说不清, 讲不通, 说不出, 说不好: the verb with a potential complement
     * says nothing; 他说不在, 跟您讲不关我事 report a denial. */
    static const uint32_t after_bu[] = {0x6E05 /* 清 */, 0x901A /* 通 */, 0x51FA /* 出 */,
                                        0x4E86 /* 了 */, 0x8FC7 /* 过 */, 0x597D /* 好 */,
                                        0x5B9A /* 定 */, 0x4E0A /* 上 */, 0x660E /* 明 */,
                                        0x5B8C /* 完 */, 0x52A8 /* 动 */, 0x6765 /* 来 */};
    if (i + 1 < n && cps[i] == 0x4E0D /* 不 */ &&
        in_set(cps[i + 1], after_bu, sizeof after_bu / sizeof *after_bu))
        return true;
    if (i >= n)
        return true;
    if (i > 0 && cps[i] == cps[i - 1])
        return true; /* 说说, 讲讲: a suggestion (您跟邻居好好说说), nothing said yet */
    if (i > 0 && i + 1 < n && (cps[i] == 0x6CA1 /* 没 */ || cps[i] == 0x4E0D /* 不 */) &&
        cps[i + 1] == cps[i - 1])
        return true; /* 他说没说, 讲不讲: a question whether anything was said */
    if (i + 1 < n && cps[i] == 0x7684 /* 的 */ && cps[i + 1] == 0x662F /* 是 */)
        return false; /* 阿姨跟您说的是…: what follows is what was said */
    if (in_set(cps[i], next_bad, sizeof next_bad / sizeof *next_bad))
        return true;
    if (cps[i] == 0x6CD5 /* 法 */ &&
        !(i + 1 < n && in_set(cps[i + 1], after_fa, sizeof after_fa / sizeof *after_fa)))
        return true;
    if (i + 1 < n && cps[i] == 0x4EC0 /* 什 */ && cps[i + 1] == 0x4E48 /* 么 */)
        return true;
    /* 您说快着点儿, 您讲重点, 您说慢点: how to speak, asked of the resident
     * (他说快递到了 still reports). */
    if (i + 1 < n && manner_complement(cps[i], cps[i + 1]))
        return true;
    /* 跟我说也没用, 跟我讲了都不管用, 跟我说有什么用, 跟我讲没用, 跟我说干嘛: the
     * saying is what the agent judges, nothing is reported. */
    size_t j = i < n && cps[i] == 0x4E86 /* 了 */ ? i + 1 : i;
    if (j + 1 < n && (cps[j] == 0x4E5F /* 也 */ || cps[j] == 0x90FD /* 都 */) &&
        (cps[j + 1] == 0x6CA1 /* 没 */ || cps[j + 1] == 0x4E0D /* 不 */ ||
         cps[j + 1] == 0x767D /* 白 */))
        return true;
    if (j + 1 < n && ((cps[j] == 0x6CA1 /* 没 */ && cps[j + 1] == 0x7528 /* 用 */) ||
                      (cps[j] == 0x6709 /* 有 */ && cps[j + 1] == 0x4EC0 /* 什 */) ||
                      (cps[j] == 0x6709 /* 有 */ && cps[j + 1] == 0x5565 /* 啥 */) ||
                      (cps[j] == 0x5E72 /* 干 */ &&
                       (cps[j + 1] == 0x561B /* 嘛 */ || cps[j + 1] == 0x4EC0 /* 什 */))))
        return true;
    if (i + 1 < n && cps[i] == 0x4E86 /* 了 */ &&
        (cps[i + 1] == 0x591A /* 多 */ || cps[i + 1] == 0x51E0 /* 几 */ ||
         cps[i + 1] == 0x534A /* 半 */))
        return true;
    /* 你还要讲多久, 您说半天, 说个没完, 讲个不停: how long the resident talks,
     * not what was said (你还要讲多久没事我就挂了 is the agent's own). */
    if (i + 1 < n && ((cps[i] == 0x591A /* 多 */ && cps[i + 1] == 0x4E45 /* 久 */) ||
                      (cps[i] == 0x534A /* 半 */ && cps[i + 1] == 0x5929 /* 天 */) ||
                      (cps[i] == 0x4E2A /* 个 */ &&
                       (cps[i + 1] == 0x6CA1 /* 没 */ || cps[i + 1] == 0x4E0D /* 不 */))))
        return true;
    return false;
}

/* 这么说 / 这样说 / 那么讲: the manner stands for what was said, so nothing
 * after the verb is (你要这么说，有本事上住建局告我们去 is the agent's own). */
static bool said_so(const uint32_t *cps, size_t verb)
{
    if (verb < 2)
        return false;
    uint32_t a = cps[verb - 2], b = cps[verb - 1];
    return (a == 0x8FD9 /* 这 */ || a == 0x9019 /* 這 */ || a == 0x90A3 /* 那 */) &&
           (b == 0x4E48 /* 么 */ || b == 0x9EBC /* 麼 */ || b == 0x6837 /* 样 */ ||
            b == 0x6A23 /* 樣 */);
}

/* Whether the subject token s ends at cps[end) (s is UTF-8). */
static size_t token_before(const uint32_t *cps, size_t end, const char *s)
{
    uint32_t tok[4];
    size_t m = 0;
    for (size_t i = 0; s[i] && m < 4;) {
        size_t k = zj_utf8_decode((const unsigned char *)s + i, strlen(s + i), &tok[m]);
        if (!k)
            return 0;
        i += k;
        m++;
    }
    if (m > end)
        return 0;
    for (size_t i = 0; i < m; i++)
        if (cps[end - m + i] != tok[i])
            return 0;
    return m;
}

/* Whether every code point of cps[from..to) is one of set[0..n) (true when
 * the range is empty). */
static bool all_in(const uint32_t *cps, size_t from, size_t to, const uint32_t *set, size_t n)
{
    for (size_t i = from; i < to; i++)
        if (!in_set(cps[i], set, n))
            return false;
    return true;
}

/* Whether some code point of cps[from..to) is one of set[0..n). */
static bool any_in(const uint32_t *cps, size_t from, size_t to, const uint32_t *set, size_t n)
{
    for (size_t i = from; i < to; i++)
        if (in_set(cps[i], set, n))
            return true;
    return false;
}

/* Whether cps[from..to) is empty or only adverbs (都 也 就 还 又 老 总). */
static bool only_adverbs(const uint32_t *cps, size_t from, size_t to)
{
    static const uint32_t adverbs[] = {0x90FD /* 都 */, 0x4E5F /* 也 */, 0x5C31 /* 就 */,
                                       0x8FD8 /* 还 */, 0x53C8 /* 又 */, 0x8001 /* 老 */,
                                       0x603B /* 总 */};
    return all_in(cps, from, to, adverbs, sizeof adverbs / sizeof *adverbs);
}

/* Whether cps[from..to) is an adverb of a request (先 快 赶紧 赶快 直接 慢慢):
 * 你先说 / 您快说 / 您直接讲 ask the resident to speak; nothing is reported. */
static bool request_adverbs(const uint32_t *cps, size_t from, size_t to)
{
    static const uint32_t parts[] = {0x5148 /* 先 */, 0x5FEB /* 快 */, 0x8D76 /* 赶 */,
                                     0x7D27 /* 紧 */, 0x76F4 /* 直 */, 0x63A5 /* 接 */,
                                     0x6162 /* 慢 */, 0x65E9 /* 早: 您早说啊 */};
    return from < to && all_in(cps, from, to, parts, sizeof parts / sizeof *parts);
}

/* Whether cps[from..to) asks the resident how to speak, after adverbs at
 * most (都 也 就 还 又 老 总 先): 您挑重点说, 您老拣重点讲, 您长话短说, 您简单说,
 * 您大点声说. Nothing is reported: what follows is the agent's own. */
static bool request_manner(const uint32_t *cps, size_t from, size_t to)
{
    static const char *const phrases[] = {"挑重点", "拣重点", "捡重点", "挑重要的", "长话短",
                                          "简单", "简单点", "简单些", "简短点", "大点声",
                                          "大声", "大声点", "慢慢", "慢点", "快点", NULL};
    while (from < to && (only_adverbs(cps, from, from + 1) || cps[from] == 0x5148 /* 先 */))
        from++;
    for (size_t k = 0; phrases[k]; k++) {
        size_t m = token_before(cps, to, phrases[k]);
        if (m && to - m == from)
            return true;
    }
    return false;
}

/* Whether cps[from..to) holds a modal (得 要 该 应该 必须 可以 能 需要): 你得提前说,
 * 您要说清楚, 你应该讲 ask the resident to speak; nothing has been said yet
 * (你得提前说啊你不说保安哪知道… is the agent's own to its end). */
static bool modal_before(const uint32_t *cps, size_t from, size_t to)
{
    static const uint32_t modals[] = {0x5F97 /* 得 */, 0x8981 /* 要 */, 0x8BE5 /* 该 */,
                                      0x5FC5 /* 必 */, 0x53EF /* 可 */, 0x80FD /* 能 */,
                                      0x9700 /* 需 */};
    return any_in(cps, from, to, modals, sizeof modals / sizeof *modals);
}

/* Whether cps[from..to) sends someone to speak (去: 你自己上去说, 您去跟物业讲,
 * 你们邻居之间自己去讲): nothing has been said yet, so nothing is reported.
 * Only for 你 / 您: 师傅去跟您讲… tells what a third party said. */
static bool goes_to_speak(const uint32_t *cps, size_t from, size_t to)
{
    static const uint32_t go[] = {0x53BB /* 去 */};
    return any_in(cps, from, to, go, 1);
}

/* Whether cps[from..to), between 你 / 您 and a verb of saying at cps[to],
 * sends the resident to speak to someone (你同收费处讲, 你自己同张医生讲声啦,
 * 您跟邻居说): an object marker, then who is to be told right before the
 * verb. Not when that is the agent (你跟我说…) or the resident (您话阿陈同您讲…:
 * the subject is someone the list does not know), nor once it is done
 * (你跟物业讲了…): those report what was said. */
static bool tells_to_speak(const uint32_t *cps, size_t n, size_t from, size_t to)
{
    size_t k = to;
    while (k > from && !is_object_marker(cps[k - 1]))
        k--;
    if (k == from || k == to || to - k > 4 || cps[k] == 0x6211 /* 我 */ ||
        cps[k] == 0x4F60 /* 你 */ || cps[k] == 0x60A8 /* 您 */)
        return false;
    return !(to + 1 < n && cps[to + 1] == 0x4E86 /* 了 */);
}

/* Whether cps[from..to) holds a negation or prohibition (别 不 没 甭): a verb
 * of saying under one reports nothing (你别说了我们会处理的 is the agent's own
 * voice to its end). */
static bool negated(const uint32_t *cps, size_t from, size_t to)
{
    static const uint32_t negations[] = {0x522B /* 别 */, 0x4E0D /* 不 */, 0x6CA1 /* 没 */,
                                         0x752D /* 甭 */};
    return any_in(cps, from, to, negations, sizeof negations / sizeof *negations);
}

/* Whether cps[i], somewhere before a verb of saying, is the agent: 我, 咱 (we,
 * the resident included) or the northwestern 额 for 我 (经理那边额去说，…: the
 * agent goes to speak; 俺 reads 我 already by the bundled synonyms). Not 额
 * of 额外 / 额度 / 额头 / 额定 (他额外说了一句). */
static bool is_first_person(const uint32_t *cps, size_t i)
{
    if (cps[i] == 0x6211 /* 我 */ || cps[i] == 0x54B1 /* 咱 */)
        return true;
    if (cps[i] != 0x989D /* 额 */)
        return false;
    uint32_t next = cps[i + 1]; /* i < verb: cps[i + 1] exists */
    return next != 0x5916 /* 外 */ && next != 0x5EA6 /* 度 */ && next != 0x5934 /* 头 */ &&
           next != 0x5B9A /* 定 */;
}

/* Whether someone other than the agent is the subject of the verb at
 * cps[verb], looking back at most 12 code points within the sentence that
 * starts at cps[from] (楼上业主一开始情绪比较大说…). The nearest subject
 * decides: one that is an object (跟您说) is passed over, but a 你 / 您 that
 * speaks in the agent's frame (你说扫不扫, 你别说, 你同物业讲) ends the search,
 * so 保洁一天扫两次，你说扫不扫 reports nothing of 保洁's. */
static bool reported_subject(const uint32_t *cps, size_t n, size_t from, size_t verb)
{
    size_t lo = verb > from + 12 ? verb - 12 : from;
    for (size_t end = verb; end > lo; end--) {
        /* cps[end..verb) lies between subject and verb: never the agent,
         * except as the one spoken to (他跟我们说…, 师傅对我讲…). */
        if (end < verb && is_first_person(cps, end) &&
            !(end > from && is_object_marker(cps[end - 1])))
            return false;
        for (size_t t = 0; subjects[t]; t++) {
            size_t m = token_before(cps, end, subjects[t]);
            if (!m || end - m < from)
                continue;
            size_t start = end - m;
            if (start > from && (is_object_marker(cps[start - 1]) || cps[start - 1] == 0x6211))
                continue;
            if (cps[start] == 0x4F60 /* 你 */ && m == 1 && only_adverbs(cps, end, verb))
                return false; /* 你说…, 你都说了三遍了: the agent addressing the resident */
            if (negated(cps, end, verb))
                return false; /* 你别说了, 他没说, 您不要讲: no words to report */
            /* 你先说, 您赶紧讲, 您挑重点说: the agent asks the resident to speak;
             * 你自己上去说, 您去跟物业讲: the resident is sent to speak */
            if (m == 1 && (cps[start] == 0x4F60 /* 你 */ || cps[start] == 0x60A8 /* 您 */) &&
                (request_adverbs(cps, end, verb) || request_manner(cps, end, verb) ||
                 modal_before(cps, end, verb) || goes_to_speak(cps, end, verb) ||
                 tells_to_speak(cps, n, end, verb)))
                return false;
            return true;
        }
    }
    return false;
}

/* Whether a clause (normalized text from its first byte) opens in the
 * agent's own voice: a tag question about what was reported, a judgement of
 * it (那话是冲了点), the agent taking the matter up, or a reply to the
 * resident (可您要不违规…). */
static bool agent_resumes(const char *t, size_t n)
{
    static const char *const openers[] = {
        "是吧", "对吧", "对吗", "是吗", "是不是", "这样", "这种", "这个情况", "这确实", "这是",
        "我们", "我会", "我马上", "我帮", "我来", "我这边", "请", "非常", "您看", "您放心",
        "您别", "实在", "抱歉", "对不起", "不好意思", "好的", "那我", "那话", "这话", "那句话",
        "可您", "可你", "不过您", "但您", NULL};
    for (size_t k = 0; openers[k]; k++) {
        size_t m = strlen(openers[k]);
        if (m <= n && memcmp(t, openers[k], m) == 0)
            return true;
    }
    return false;
}

/* Whether a tag question asking the resident to confirm starts at cps[i]:
 * 是吧 对吧 是吗 对吗, Cantonese 系咪. */
static bool tag_question(const uint32_t *cps, size_t n, size_t i)
{
    if (i + 1 >= n)
        return false;
    uint32_t a = cps[i], b = cps[i + 1];
    return ((a == 0x662F /* 是 */ || a == 0x5BF9 /* 对 */) &&
            (b == 0x5427 /* 吧 */ || b == 0x5417 /* 吗 */)) ||
           (a == 0x7CFB /* 系 */ && b == 0x54AA /* 咪 */);
}

/* The first clause end of the normalized turn after byte b (a sorted list:
 * a turn with many reports pays a logarithm each), norm->len if none. */
static size_t clause_end_after(const zj_norm *norm, size_t b)
{
    size_t lo = 0, hi = norm->n_clause_breaks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (norm->clause_breaks[mid] <= b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < norm->n_clause_breaks ? norm->clause_breaks[lo] : norm->len;
}

/* 那您说，您要我怎么着: the resident is challenged to answer; a clause end
 * right after 那您说 / 那你说 (at[] the byte offsets of cps[]) introduces no
 * one's words. */
static bool challenges_resident(const zj_norm *norm, const uint32_t *cps, const uint32_t *at,
                                size_t verb, size_t verb_len)
{
    return verb_len == 1 && verb >= 2 && cps[verb - 2] == 0x90A3 /* 那 */ &&
           (cps[verb - 1] == 0x60A8 /* 您 */ || cps[verb - 1] == 0x4F60 /* 你 */) &&
           clause_end_after(norm, at[verb]) == at[verb + 1];
}

/* Lookups that only move forward as the verbs do, so that a long run-on turn
 * with many verbs is read once: the next tag question (code point index, n
 * if none) and the next clause end where the agent's voice resumes (byte,
 * norm->len if none). Each holds for every query point between its
 * `from` and its answer. */
typedef struct report_scan {
    size_t tag_from, tag, say_from, say, resume_from, resume;
    bool have_tag, have_say, have_resume;
} report_scan;

static size_t next_tag(report_scan *r, const uint32_t *cps, size_t n, size_t from)
{
    if (!r->have_tag || from < r->tag_from || from > r->tag) {
        size_t t = from;
        while (t < n && !tag_question(cps, n, t))
            t++;
        r->tag_from = from;
        r->tag = t;
        r->have_tag = true;
    }
    return r->tag;
}

/* The next verb of saying (说 讲), reporting or not: 您说保安讲不关我事 is the
 * resident's account of a conversation. */
static size_t next_say(report_scan *r, const uint32_t *cps, size_t n, size_t from)
{
    if (!r->have_say || from < r->say_from || from > r->say) {
        size_t t = from;
        while (t < n && !is_speech_verb(cps[t]))
            t++;
        r->say_from = from;
        r->say = t;
        r->have_say = true;
    }
    return r->say;
}

static size_t next_resume(report_scan *r, const zj_norm *norm, size_t from)
{
    if (!r->have_resume || from < r->resume_from || from >= r->resume) {
        size_t b = from;
        do
            b = clause_end_after(norm, b);
        while (b < norm->len && !agent_resumes(norm->text + b, norm->len - b));
        r->resume_from = from;
        r->resume = b;
        r->have_resume = true;
    }
    return r->resume;
}

zj_status zj_reported_speech(const zj_norm *norm, zj_spans *out, uint32_t **cps_buf,
                             size_t *cps_cap)
{
    /* Decode the normalized text once: code points and their byte offsets. */
    size_t need = norm->len + 1;
    if (*cps_cap < need) {
        uint32_t *v = realloc(*cps_buf, 2 * need * sizeof *v);
        if (!v)
            return ZJ_ERR_NOMEM;
        *cps_buf = v;
        *cps_cap = need;
    }
    uint32_t *cps = *cps_buf, *at = *cps_buf + *cps_cap;
    size_t n = 0;
    for (size_t i = 0; i < norm->len;) {
        size_t k = zj_utf8_decode((const unsigned char *)norm->text + i, norm->len - i, &cps[n]);
        if (!k)
            return ZJ_ERR_UTF8;
        at[n++] = (uint32_t)i;
        i += k;
    }
    at[n] = (uint32_t)norm->len;
    const size_t n_marked = out->n;           /* the quotation marks' regions, found first */
    size_t next_break = 0, sentence_from = 0; /* subjects are looked for within the sentence */
    size_t report_end = 0; /* byte: end of the last report (never past its sentence) */
    report_scan scan = {0};
    for (size_t i = 0; i < n; i++) {
        while (next_break < norm->n_breaks && norm->breaks[next_break] <= at[i]) {
            next_break++;
            sentence_from = i;
        }
        size_t verb_len = 0;
        bool verbatim = false; /* 原话是: no subject to check */
        /* Not the second half of 说说 (ends_report takes the first), nor 再说
         * (你交了再说: we will see). */
        if (is_speech_verb(cps[i]))
            verb_len = i > 0 && (cps[i - 1] == cps[i] || cps[i - 1] == 0x518D /* 再 */) ? 0 : 1;
        else if ((verb_len = reply_verb(cps, n, i)) != 0)
            ;
        else if (i + 1 < n && cps[i] == 0x544A /* 告 */ &&
                 (cps[i + 1] == 0x8BC9 /* 诉 */ || cps[i + 1] == 0x8A34 /* 訴 */))
            verb_len = 2;
        else if ((verb_len = verbatim_marker(cps, n, i)) != 0)
            verbatim = true;
        if (!verb_len ||
            (!verbatim && (ends_report(cps, n, i + verb_len) || said_so(cps, i) ||
                           challenges_resident(norm, cps, at, i, verb_len) ||
                           !reported_subject(cps, n, sentence_from, i))))
            continue;
        /* A clause end right after the verb introduces the words (他说：…,
         * 邻居跟您讲，有本事你去告，是吗) and does not end them; a sentence end
         * there leaves nothing reported. */
        size_t verb_end = at[i + verb_len];
        size_t sentence_end = next_break < norm->n_breaks ? norm->breaks[next_break] : norm->len;
        size_t clause_end = clause_end_after(norm, verb_end);
        size_t tag = next_tag(&scan, cps, n, i + verb_len);
        size_t say = next_say(&scan, cps, n, i + verb_len);
        bool recap = at[i] < report_end || (tag < n && at[tag] < sentence_end) ||
                     (say < n && at[say] < clause_end);
        size_t end_byte = recap ? next_resume(&scan, norm, verb_end) : clause_end;
        if (end_byte > sentence_end)
            end_byte = sentence_end;
        /* 他说了。, 你打了好多回了咯: particles alone report no words. */
        size_t said = i + verb_len;
        while (said < n && at[said] < end_byte && zj_is_particle(cps[said]))
            said++;
        if (at[said] >= end_byte) /* at[n] is the text's end */
            continue;
        uint32_t start = norm->orig_end[verb_end - 1];
        uint32_t end = end_byte < norm->len ? norm->orig_start[end_byte] : norm->orig_cps;
        /* 师傅说“修不了”，您自己去问物业吧: what was said is the quotation that
         * opens at the verb (after a colon at most), and the agent's own
         * words resume after its closing mark. */
        bool in_marks = false;
        for (size_t q = 0; q < n_marked && !in_marks; q++)
            in_marks = out->v[q].start > start && out->v[q].start <= start + 2;
        if (in_marks)
            continue;
        if (zj_spans_push(out, start, end) != ZJ_OK)
            return ZJ_ERR_NOMEM;
        if (end_byte > report_end)
            report_end = end_byte;
    }
    return ZJ_OK;
}
