/* gen_rules.c — writes a rule set of N forbidden rules for the benchmark:
 * the 30 服务忌语 of the bundled standard plus synthetic Chinese phrases of
 * 2–6 characters. --style literal writes `any: [phrase]` (what zhijian is
 * meant for); --style regex writes each rule as one regex (`regex: [phrase]`),
 * which with --backend pcre2 is the naive design: one PCRE2 JIT regex per
 * rule, run over every turn. --literals writes only the phrases, one per line
 * (the pattern file for `rg -F -f`). Rules are agent rules (the default
 * speaker) unless --speaker says otherwise: with `any`, customer turns are
 * scanned too.
 *
 * usage: gen_rules --rules N [--style literal|regex|literals] [--speaker S] [--seed S] */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const taboos[] = {
    "不知道",
    "没长眼睛",
    "急什么烦死人了",
    "没看到我在忙着吗",
    "哪个他不在",
    "要下班了有事明天再来",
    "不舒服你别来了",
    "快点说完了没有",
    "就这么说怎么样",
    "有本事你去告",
    "喊什么等一下",
    "讲了半天你还没听懂",
    "出去今天不办公",
    "你问我我问谁",
    "该找谁找谁",
    "我说不能办就不能办",
    "你怎么这么麻烦",
    "这个事儿我处理不了",
    "我正在忙呢你找他吧",
    "你说话清楚点",
    "你真烦",
    "你找谁呀再说一遍",
    "都下班了你不知道呀",
    "急什么",
    "你看清楚再问",
    "你自己看看就行了",
    "没这个人儿",
    "渴了自己倒水",
    "你自己都不知道",
    "包个红包",
};

/* Common characters of service dialogue, so synthetic phrases look real. */
static const char *const chars[] = {
    "物", "业", "费", "水", "电", "管", "理", "维", "修", "师", "傅", "门", "卡", "车", "位", "停",
    "楼", "层", "单", "元", "房", "间", "厨", "卫", "漏", "堵", "坏", "换", "装", "拆", "报", "备",
    "投", "诉", "处", "登", "记", "检", "查", "收", "交", "退", "押", "金", "快", "递", "保", "安",
    "清", "洁", "绿", "化", "噪", "音", "宠", "狗", "猫", "电", "梯", "暖", "气", "燃", "灯", "锁",
};

static uint64_t state;
static unsigned pick(unsigned n)
{
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)((state >> 33) % n);
}

int main(int argc, char **argv)
{
    long n = 50;
    const char *style = "literal", *speaker = NULL;
    state = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--rules"))
            n = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--style"))
            style = argv[i + 1];
        else if (!strcmp(argv[i], "--speaker"))
            speaker = argv[i + 1];
        else if (!strcmp(argv[i], "--seed"))
            state = strtoull(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "usage: gen_rules --rules N [--style literal|regex|literals]"
                            " [--speaker agent|customer|any] [--seed S]\n");
            return 2;
        }
    }
    bool lits = !strcmp(style, "literals"), regex = !strcmp(style, "regex");
    if (!lits) {
        printf("ruleset: bench-%ld-%s\nversion: \"1\"\n", n, style);
        if (speaker)
            printf("defaults: {speaker: %s}\n", speaker);
        printf("rules:\n");
    }
    size_t n_taboos = sizeof taboos / sizeof *taboos;
    for (long r = 0; r < n; r++) {
        char phrase[64] = "";
        if ((size_t)r < n_taboos) {
            snprintf(phrase, sizeof phrase, "%s", taboos[r]);
        } else {
            unsigned len = 2 + pick(5);
            for (unsigned k = 0; k < len; k++)
                strcat(phrase, chars[pick(sizeof chars / sizeof *chars)]);
        }
        if (lits)
            printf("%s\n", phrase);
        else
            printf("  - id: r%05ld\n    kind: forbidden\n    %s: ['%s']\n    points: 1\n", r,
                   regex ? "regex" : "any", phrase);
    }
    return 0;
}
