/* gen_corpus.c — writes a synthetic but realistic corpus of property-service
 * calls as native JSONL: dense Chinese dialogue from phrase banks, openings
 * and closings (sometimes missing), a taboo in some calls, look-alikes in
 * others, plausible timestamps over November 2026. Deterministic per seed.
 *
 * usage: gen_corpus [--calls N | --mb M] [--seed S] [--id-prefix P] > calls.jsonl */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t next_rand(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned pick(unsigned n)
{
    return (unsigned)(next_rand() % n);
}

#define N(a) (sizeof(a) / sizeof *(a))

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"};
static const char *const companies[] = {"阳光", "绿城", "万科", "碧桂园", "金地", "保利", "华润"};
static const char *const greetings[] = {"您好", "你好", "上午好", "下午好", "晚上好"};
static const char *const customer_lines[] = {
    "你好，我家卫生间的水管漏水了，楼下邻居都找上门来了。",
    "我想问一下这个月的物业费是多少，能不能在手机上交？",
    "电梯又坏了，七号楼的，卡在十二楼不动了。",
    "楼上天天晚上装修，吵得孩子没法睡觉，你们管不管？",
    "我的门禁卡丢了，补办需要带什么材料？",
    "小区里有人乱停车，把消防通道都堵了。",
    "地下车库的灯坏了好几盏，晚上特别黑。",
    "快递放在你们服务中心了吗？我下班比较晚。",
    "我家暖气一直不热，能派师傅来看看吗？",
    "停水了也没有通知，什么时候能来水？",
    "垃圾桶好几天没人清理了，楼道里味道很大。",
    "我想在阳台装个晾衣架，需要报备吗？",
    "宠物喂养有什么规定？楼下有人在公共区域投喂流浪猫。",
    "着急，什么时候能修好？家里老人等着用水。",
    "不知道您这边能不能帮忙联系一下开锁师傅？",
    "我想投诉一下保安的态度，昨天晚上他不让我进门。",
};
static const char *const agent_lines[] = {
    "好的，请您不要着急，我马上给您登记，维修师傅二十分钟内上门。",
    "请稍等，我帮您查一下，您家这个月的物业费是三百二十元。",
    "您可以关注我们小区的公众号，在生活缴费里就能交，支持微信和支付宝。",
    "非常抱歉给您添麻烦了，我们今晚安排秩序维护员上门提醒。",
    "补办门禁卡需要带上身份证，到一楼服务中心办理，工本费二十元。",
    "我们马上通知巡逻岗去处理，把消防通道清出来。",
    "好的，我已经记下了，工程部明天上午去更换车库的灯。",
    "快递在服务中心，晚上八点前都可以来取，也可以帮您放进快递柜。",
    "请问您是几号楼几单元？我安排暖通师傅下午过去排气。",
    "是市政管网抢修，预计下午三点恢复供水，三号楼门口有应急供水点。",
    "对于您反映的问题我们会马上处理并尽快给您回复，好吗？",
    "安装晾衣架需要到服务中心报备，不能超出阳台外沿。",
    "宠物喂养请在自家进行，公共区域不建议投喂流浪猫。",
    "不知道您明天上午方便吗？师傅九点左右上门。",
    "请您与工程部的周先生联系，他负责您那栋楼的维修。",
    "请留下您的电话号码和姓名好吗？处理完我们第一时间通知您。",
    "谢谢您的批评指正，我们会加强对保安的培训。",
    "不客气，这是我们应该做的。",
};
static const char *const taboos[] = {
    "喂？",
    "不知道。",
    "墙上贴着，没长眼睛呀？",
    "急什么，烦死人了！",
    "急什么，没看到我在忙着吗？",
    "哪个？他不在。",
    "要下班了，有事明天再来。",
    "快点说，完了没有？",
    "有本事你去告！",
    "喊什么！等一下。",
    "讲了半天你还没听懂？",
    "你问我，我问谁？",
    "我不管，该找谁找谁。",
    "你怎么这么麻烦？",
    "这个事儿我处理不了。",
    "我正在忙呢，你找他吧。",
    "你说话清楚点。",
    "你真烦，等一会吧，我在忙。",
    "都下班了，你不知道呀？",
    "急什么？",
    "你看清楚再问。",
    "你自己都不知道，我怎么知道？",
    "您给师傅包个红包就行。",
};
static const char *const closings[] = {"感谢您的来电，再见。", "好的，再见！", "感谢您的来电。",
                                       "还有其他问题随时打给我们，再见。"};
static const char *const agents[][3] = {
    {"A01", "王芳", "报修组"},   {"A02", "李娜", "报修组"},   {"A03", "张伟", "客服一组"},
    {"A04", "刘洋", "客服一组"}, {"A05", "陈静", "投诉组"},   {"A06", "赵磊", "投诉组"},
    {"A07", "孙丽", "客服二组"}, {"A08", "周强", "客服二组"},
};

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static size_t emit_turn(char *out, int first, const char *speaker, const char *text, long *t)
{
    long dur = 800 + 220 * (long)utf8_chars(text) + (long)pick(500);
    size_t n = (size_t)sprintf(out,
                               "%s{\"speaker\":\"%s\",\"text\":\"%s\",\"start_ms\":%ld,"
                               "\"end_ms\":%ld}",
                               first ? "" : ",", speaker, text, *t, *t + dur);
    *t += dur + 200 + (long)pick(1200);
    return n;
}

int main(int argc, char **argv)
{
    unsigned long long calls = 1000, mb = 0, seed = 1;
    const char *prefix = "G";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--calls") == 0)
            calls = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--mb") == 0)
            mb = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0)
            seed = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--id-prefix") == 0)
            prefix = argv[i + 1];
        else {
            fprintf(stderr, "usage: gen_corpus [--calls N | --mb M] [--seed S] [--id-prefix P]\n");
            return 2;
        }
    }
    rng_state = seed;
    static char line[65536];
    unsigned long long written = 0;
    for (unsigned long long c = 0; mb ? written < mb * 1000000ull : c < calls; c++) {
        const char *const *agent = agents[pick(N(agents))];
        unsigned day = 1 + pick(30), hour = 8 + pick(12), minute = pick(60), sec = pick(60);
        size_t n = (size_t)sprintf(
            line,
            "{\"call_id\":\"%s%08llu\",\"agent_id\":\"%s\",\"agent_name\":\"%s\",\"team\":\"%s\","
            "\"started_at\":\"2026-11-%02uT%02u:%02u:%02u+08:00\",\"direction\":\"%s\","
            "\"ring_ms\":%u,\"turns\":[",
            prefix, c, agent[0], agent[1], agent[2], day, hour, minute, sec,
            pick(10) ? "inbound" : "outbound", 1000 + pick(9000));
        long t = 0;
        char opening[512];
        unsigned variant = pick(20);
        snprintf(opening, sizeof opening, "%s%s，%s物业客服中心，我姓%s，请问有什么可以帮助您？",
                 variant == 0 ? "喂，" : "", greetings[pick(N(greetings))],
                 companies[pick(N(companies))], surnames[pick(N(surnames))]);
        if (variant == 1)
            snprintf(opening, sizeof opening, "您好，物业，请讲。");
        n += emit_turn(line + n, 1, "agent", opening, &t);
        unsigned exchanges = 2 + pick(6);
        bool rude = pick(8) == 0;
        unsigned rude_at = pick(exchanges);
        for (unsigned e = 0; e < exchanges; e++) {
            n += emit_turn(line + n, 0, "customer", customer_lines[pick(N(customer_lines))], &t);
            const char *reply = agent_lines[pick(N(agent_lines))];
            if (rude && e == rude_at) {
                char both[1024];
                snprintf(both, sizeof both, "%s%s", taboos[pick(N(taboos))], reply);
                n += emit_turn(line + n, 0, "agent", both, &t);
            } else {
                n += emit_turn(line + n, 0, "agent", reply, &t);
            }
        }
        if (pick(10))
            n += emit_turn(line + n, 0, "agent", closings[pick(N(closings))], &t);
        n += (size_t)sprintf(line + n, "]}\n");
        fwrite(line, 1, n, stdout);
        written += n;
    }
    return ferror(stdout) ? 1 : 0;
}
