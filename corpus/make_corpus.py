#!/usr/bin/env python3
"""Authoring source of the bundled corpus: writes corpus/calls/2026-11.jsonl and corpus/labels.json.

Each call is written as dialogue with its labels beside it, as an inspector reads it:
the forbidden expressions the agent used (turn, words as said, rule) and the required
rules (with points) the call misses. Verdicts follow from those labels and the rule
set's points; tests/unit/test_corpus.c checks the engine against labels.json exactly.
Not run by the build or the tests (they use the committed JSONL and JSON); rerun it
after editing: python3 corpus/make_corpus.py
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

AGENTS = {
    "A01": ("王芳", "报修组"), "A02": ("李娜", "报修组"),
    "A03": ("张伟", "客服一组"), "A04": ("刘洋", "客服一组"),
    "A05": ("陈静", "投诉组"), "A06": ("赵磊", "投诉组"),
}

# Points of the scored rules of rules/property-service.yaml, for the verdict.
POINTS = {
    "opening.greeting": 5, "opening.company": 5, "opening.surname": 5,
    "opening.offer-help": 5, "closing.farewell": 5,
    "phone.no-wei": 5, "phone.no-jianghua": 5, "phone.no-nali": 5, "phone.no-zhaoshui": 5,
    "taboo.01-wei": 5, "taboo.02-bu-zhi-dao": 10, "taboo.03-no-eyes": 30,
    "taboo.04-annoying": 10, "taboo.05-busy-cant-see": 10, "taboo.06-which-not-here": 10,
    "taboo.07-off-work": 10, "taboo.08-dont-come": 10, "taboo.09-hurry-up": 10,
    "taboo.10-so-what": 10, "taboo.11-go-complain": 30, "taboo.12-shouting": 10,
    "taboo.13-still-dont-get-it": 10, "taboo.14-get-out": 10, "taboo.15-ask-who": 10,
    "taboo.16-not-my-business": 10, "taboo.17-cant-do": 10, "taboo.18-troublesome": 10,
    "taboo.19-cant-handle": 10, "taboo.20-busy-find-him": 10, "taboo.21-speak-clearly": 5,
    "taboo.22-so-annoying": 10, "taboo.23-say-again": 5, "taboo.24-off-duty": 10,
    "taboo.25-ji-shen-me": 10, "taboo.26-look-first": 10, "taboo.27-read-the-wall": 10,
    "taboo.28-no-such-person": 10, "taboo.29-pour-yourself": 5,
    "taboo.30-how-would-i-know": 30, "attitude.solicit": 50, "attitude.insult": 30,
    # The conversation: answer time, situational phrases, holds, complaint handling.
    "phone.answer-time": 5, "hold.announced": 5,
    "polite.sorry": 2, "polite.you-are-welcome": 2, "polite.who-calling": 2,
    "polite.refer-department": 2, "polite.thanks-criticism": 2,
    "complaint.no-interrupt": 5, "complaint.clarify": 3, "complaint.record-name": 2,
    "complaint.record-address": 2, "complaint.record-phone": 2, "complaint.concrete-time": 5,
    "complaint.no-buqingchu": 10, "complaint.escalate": 5,
    "taboo.shirk": 10, "taboo.impatient": 10, "taboo.defiant": 20, "taboo.scold": 20,
    "taboo.inferred": 10,
    "taboo.hangup": 10,
}
RECORD = ["complaint.record-name", "complaint.record-address", "complaint.record-phone"]
FATAL = {"taboo.03-no-eyes", "taboo.11-go-complain", "taboo.30-how-would-i-know",
         "attitude.solicit"}
OPEN = "您好，阳光物业客服中心，我姓{s}，请问有什么可以帮助您？"

# (call_id, agent, direction, call_type, turns [(speaker, text)], hits [(turn, words, rule)],
#  missing [rule ids], timing, metrics, not_measurable). timing: None for the generated
# timeline and ring time; "none" for a call without timestamps or ring_ms; else
# (ring_ms, [(start_ms, end_ms) per turn]). metrics: the metric rules that cost points,
# [(turn or -1 for the call, rule, measured value)]. not_measurable: scored rules the call
# cannot be judged on (no timestamps, no ring_ms).
CALLS = []


def call(cid, agent, ctype, turns, hits=(), missing=(), direction="inbound", timing=None,
         metrics=(), not_measurable=()):
    CALLS.append((cid, agent, direction, ctype, turns, list(hits), list(missing), timing,
                  list(metrics), list(not_measurable)))


A, C = "agent", "customer"

# ------------------------------------------------------------------ exemplary calls
call("PS-001", "A01", "报修", [
    (A, OPEN.format(s="王")),
    (C, "你好，我是三号楼二单元502的，我家卫生间水管漏水了，楼下都渗下去了。"),
    (A, "好的，请您不要着急，先把卫生间的总阀门关一下。请问您贵姓？"),
    (C, "我姓陈。阀门已经关了。"),
    (A, "陈先生，我已经给您登记了，维修师傅二十分钟内上门，到之前会先给您打电话。"),
    (C, "好的，谢谢啊。"),
    (A, "不客气，这是我们应该做的。感谢您的来电，再见！"),
])
call("PS-002", "A02", "缴费", [
    (A, "上午好，阳光物业客服中心，我姓李，请问有什么可以帮您？"),
    (C, "我想问一下物业费现在能不能在手机上交？"),
    (A, "可以的，您关注我们小区的公众号，点“生活缴费”就能交，支持微信和支付宝。"),
    (C, "那发票怎么开？"),
    (A, "缴费成功后在同一个页面点“申请发票”，电子发票会发到您的邮箱。"),
    (C, "明白了，谢谢。"),
    (A, "不客气，还有其他问题随时打给我们。感谢您的来电，再见。"),
])
call("PS-003", "A03", "停车", [
    (A, OPEN.format(s="张")),
    (C, "我想办一个月租车位，要带什么材料？"),
    (A, "请您带上行驶证、身份证和房产证复印件，到一楼物业服务中心办理就可以。"),
    (C, "周末能办吗？"),
    (A, "周六上午九点到十二点可以办理，周日休息。请稍等，我把地址和电话发到您手机上。"),
    (C, "好的，收到了。"),
    (A, "好的，感谢您的来电，再见！"),
])
call("PS-004", "A04", "咨询", [
    (A, "下午好，阳光物业客服中心，我姓刘，请问有什么可以帮助您？"),
    (C, "我家孩子想在小区里喂养流浪猫，物业允许吗？"),
    (A, "小区倡导文明养宠，公共区域不建议投喂流浪猫，您可以联系我们合作的救助站领养。"),
    (C, "那救助站的电话是多少？"),
    (A, "请您与社区服务站的刘女士联系，电话我现在发给您。"),
    (C, "谢谢你。"),
    (A, "不用客气，再见。"),
])
call("PS-005", "A01", "报修", [
    (A, OPEN.format(s="王")),
    (C, "电梯又坏了，七号楼的，卡在十二楼不动了，里面好像没人。"),
    (A, "好的，我马上通知电梯维保单位和工程部，请您先不要靠近电梯门。"),
    (C, "上次也是这样，你们得好好修一修。"),
    (A, "谢谢您的批评指正，这次我们会让维保单位出具检修报告，修好以后给您回电。"),
    (C, "行，那就这样。"),
    (A, "感谢您的来电，再见。"),
])
call("PS-006", "A03", "快递", [
    (A, "您好，阳光物业客服中心，我姓张，请问有什么可以帮助您？"),
    (C, "我的快递显示放在物业了，可我下班晚，你们几点关门？"),
    (A, "服务中心晚上八点关门，快递柜是二十四小时的，我们可以帮您把包裹放进快递柜，好吗？"),
    (C, "那太好了。"),
    (A, "好的，放好以后取件码会发到您手机上。感谢您的来电，再见！"),
])
call("PS-007", "A04", "装修", [
    (A, OPEN.format(s="刘")),
    (C, "我家下个月装修，需要办什么手续？"),
    (A, "需要到服务中心办理装修登记，带上装修合同和施工队的资质证明，押金两千元，完工验收后退还。"),
    (C, "施工时间有规定吗？"),
    (A, "工作日上午八点到十二点，下午两点到六点，周末不能进行噪音施工。"),
    (C, "好的，知道了。"),
    (A, "感谢您的来电，祝您装修顺利，再见。"),
])
call("PS-008", "A02", "停水", [
    (A, "您好，阳光物业客服中心，我姓李，请问有什么可以帮助您？"),
    (C, "怎么突然停水了？也没通知。"),
    (A, "非常抱歉，是市政管网抢修，自来水公司临时通知的，预计下午三点恢复。"),
    (C, "着急，什么时候能来水？孩子还等着洗澡。"),
    (A, "您着急的心情我理解，我们一有消息就发短信通知您，另外三号楼门口有应急供水点。"),
    (C, "行吧。"),
    (A, "给您添麻烦了，感谢您的来电，再见。"),
])

# ---------------------------------------------------------------- calls with one slip
call("PS-009", "A01", "报修", [
    (A, "喂，您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"),
    (C, "我家厨房灯不亮了，是不是线路问题？"),
    (A, "我给您派电工师傅过去看一下，请问您家是几号楼？"),
    (C, "五号楼301。"),
    (A, "好的，师傅半小时内到。感谢您的来电，再见。"),
], hits=[(0, "喂", "phone.no-wei")])
call("PS-010", "A02", "报修", [
    (A, "您好，阳光物业客服中心，请问有什么可以帮助您？"),
    (C, "我家门口的楼道灯坏了好几天了。"),
    (A, "好的，请问是几号楼几层？"),
    (C, "九号楼六层。"),
    (A, "已经登记了，今天下午就给您换。感谢您的来电，再见。"),
], missing=["opening.surname"])
call("PS-011", "A03", "咨询", [
    (A, OPEN.format(s="张")),
    (C, "我想问下小区游泳池什么时候开放？"),
    (A, "不知道。"),
    (C, "那谁知道啊？"),
    (A, "您可以问一下会所，电话是八八六六五五。"),
    (C, "好吧。"),
    (A, "感谢您的来电，再见。"),
], hits=[(2, "不知道", "taboo.02-bu-zhi-dao")])
call("PS-012", "A04", "噪音", [
    (A, OPEN.format(s="刘")),
    (C, "楼上天天晚上十一点还在蹦，吵得人睡不着！"),
    (A, "我理解，我们今晚安排秩序维护员上门提醒。"),
    (C, "上次你们也说提醒，根本没用！快点处理！"),
    (A, "急什么？我们不是在处理吗。"),
    (C, "你这什么态度？"),
    (A, "对不起，是我说话不当。我们今晚一定上门，处理结果明天上午给您回电。"),
    (C, "行。"),
    (A, "感谢您的来电，再见。"),
], hits=[(4, "急什么", "taboo.25-ji-shen-me")])
call("PS-013", "A05", "投诉", [
    (A, OPEN.format(s="陈")),
    (C, "我要投诉你们保洁，垃圾两天没收了，楼道里都臭了。"),
    (A, "对不起，给您添麻烦了。请问是几号楼？"),
    (C, "十一号楼。"),
    (A, "我马上通知保洁主管，一小时内清理完毕，请留下您的电话号码和姓名好吗？"),
    (C, "我姓吴，电话就是这个号码。"),
    (A, "吴女士，对于您反映的问题我们会马上处理并尽快给您回复，好吗？"),
    (C, "好。"),
], missing=["closing.farewell"])
call("PS-014", "A06", "投诉", [
    (A, OPEN.format(s="赵")),
    (C, "你们的保安态度太差了，我要投诉！"),
    (A, "请您不要着急，您慢慢说，具体是什么情况？"),
    (C, "我开车进小区，他拦着不让进，说我没有登记，我住这儿五年了！"),
    (A, "这个事儿我处理不了，您去找保安队长吧。"),
    (C, "你们就会推！"),
    (A, "好的，我把您的情况记下了，转给保安队长，今天给您答复。感谢您的来电，再见。"),
], hits=[(4, "这个事儿我处理不了", "taboo.19-cant-handle"), (4, "您去找保安队长吧", "taboo.shirk")],
   missing=["polite.sorry"] + RECORD)
call("PS-015", "A03", "缴费", [
    (A, OPEN.format(s="张")),
    (C, "我想问一下，我家这个月的水费怎么比上个月多了一百多？"),
    (A, "您稍等我查一下……您家这个月用水量是二十八吨，上个月是十二吨。"),
    (C, "不可能用这么多，是不是表坏了？"),
    (A, "你问我，我问谁？"),
    (C, "你怎么说话的？"),
    (A, "抱歉，我安排工程部明天上门检查水表，有结果给您回电。再见。"),
], hits=[(4, "你问我，我问谁", "taboo.15-ask-who")])
call("PS-016", "A04", "报修", [
    (A, OPEN.format(s="刘")),
    (C, "我家空调外机的支架松了，晃得厉害，怕掉下去。"),
    (A, "这个很危险，我马上安排师傅过去加固，请您先不要在外机下方停留。"),
    (C, "好的好的。"),
    (A, "师傅十五分钟后到。"),
], missing=["closing.farewell"])

# ------------------------------------------------------------------------- rude calls
call("PS-017", "A06", "投诉", [
    (A, "喂？"),
    (C, "我找你们经理，我要投诉物业费乱收！"),
    (A, "哪个？他不在。"),
    (C, "那你给我解决！"),
    (A, "有本事你去告！"),
    (C, "你这是什么态度！"),
    (A, "该找谁找谁。"),
], hits=[(0, "喂", "phone.no-wei"), (2, "哪个？他不在", "taboo.06-which-not-here"),
         (4, "有本事你去告", "taboo.11-go-complain"),
         (6, "该找谁找谁", "taboo.16-not-my-business")],
   missing=["opening.greeting", "opening.company", "opening.surname", "opening.offer-help",
            "closing.farewell"] + ["polite.sorry", "complaint.clarify", "complaint.concrete-time", "complaint.escalate"] + RECORD)
call("PS-018", "A02", "报修", [
    (A, "讲话。"),
    (C, "我家马桶堵了，能不能派人来通一下？"),
    (A, "快点说，完了没有？几号楼？"),
    (C, "你怎么这样说话？十二号楼401。"),
    (A, "你怎么这么麻烦！下午有人去。"),
], hits=[(0, "讲话", "phone.no-jianghua"), (2, "快点说，完了没有", "taboo.09-hurry-up"),
         (4, "你怎么这么麻烦", "taboo.18-troublesome")],
   missing=["opening.greeting", "opening.company", "opening.surname", "opening.offer-help",
            "closing.farewell"] + ["polite.thanks-criticism"])
call("PS-019", "A05", "咨询", [
    (A, "哪里？"),
    (C, "我是业主，我想问问停车费的事。"),
    (A, "墙上贴着，没长眼睛呀？"),
    (C, "我在电话里怎么看墙？"),
    (A, "你自己都不知道，我怎么知道？"),
], hits=[(0, "哪里", "phone.no-nali"), (2, "墙上贴着，没长眼睛呀", "taboo.03-no-eyes"),
         (4, "你自己都不知道，我怎么知道", "taboo.30-how-would-i-know")],
   missing=["opening.greeting", "opening.company", "opening.surname", "opening.offer-help",
            "closing.farewell"])
call("PS-020", "A01", "报修", [
    (A, OPEN.format(s="王")),
    (C, "我家门锁坏了，进不去门了，能不能快点派人来？"),
    (A, "急什么，烦死人了！"),
    (C, "我在门外等着呢！"),
    (A, "急什么，没看到我在忙着吗？"),
    (C, "你这人怎么这样？"),
    (A, "要下班了，有事明天再来。"),
], hits=[(2, "急什么，烦死人了", "taboo.04-annoying"),
         (4, "急什么，没看到我在忙着吗", "taboo.05-busy-cant-see"),
         (6, "要下班了，有事明天再来", "taboo.07-off-work")],
   missing=["closing.farewell"] + ["polite.thanks-criticism"])
call("PS-021", "A04", "维修", [
    (A, OPEN.format(s="刘")),
    (C, "你们师傅说换个水龙头要加急，得另外给钱？"),
    (A, "加急的话，您给师傅包个红包就行，马上给您弄。"),
    (C, "物业维修不是免费的吗？"),
    (A, "那您就等着排队吧。感谢您的来电，再见。"),
    # 那您就等着排队吧 answers 维修不是免费的吗 with a brush-off after the
    # bribe was refused: 刁难 (第十八条), filed under taboo.defiant (不得刁难)
], hits=[(2, "包个红包", "attitude.solicit"), (4, "那您就等着排队吧", "taboo.defiant")])
call("PS-022", "A06", "投诉", [
    (A, OPEN.format(s="赵")),
    (C, "我上周反映的化粪池外溢到现在没人管，我要投诉！"),
    (A, "讲了半天你还没听懂？那个归市政管。"),
    (C, "你们物业不协调一下吗？"),
    (A, "我说不能办就不能办。"),
    (C, "太不像话了！"),
    (A, "你真烦，等一会吧，我在忙。"),
], hits=[(2, "讲了半天你还没听懂", "taboo.13-still-dont-get-it"),
         (4, "我说不能办就不能办", "taboo.17-cant-do"),
         (6, "你真烦，等一会吧，我在忙", "taboo.22-so-annoying")],
   missing=["closing.farewell"] + ["polite.sorry", "complaint.clarify", "complaint.concrete-time", "complaint.escalate", "polite.refer-department"] + RECORD)
call("PS-023", "A03", "咨询", [
    (A, "您好，阳光物业客服中心，我姓张。"),
    (C, "你们的门禁卡在哪办？我的丢了。"),
    (A, "你看清楚再问，墙上有，你自己看看就行了。"),
    (C, "我问的是在哪办！"),
    (A, "就这么说，怎么样？"),
    (C, "我要找你们领导。"),
    (A, "我正在忙呢，你找他吧。再见。"),
], hits=[(2, "你看清楚再问", "taboo.26-look-first"),
         (2, "墙上有，你自己看看就行了", "taboo.27-read-the-wall"),
         (4, "就这么说，怎么样", "taboo.10-so-what"),
         (6, "我正在忙呢，你找他吧", "taboo.20-busy-find-him")],
   missing=["opening.offer-help"] + ["polite.sorry", "complaint.clarify", "complaint.concrete-time", "complaint.escalate"] + RECORD)
call("PS-024", "A02", "咨询", [
    (A, "你好，阳光物业客服中心，我姓李，请问有什么可以帮助您？"),
    (C, "我找一下你们的王经理。"),
    (A, "你找谁呀？再说一遍，我没听清楚。"),
    (C, "王经理！"),
    (A, "你找谁？没这个人儿。"),
    (C, "上个月还在呢。"),
    (A, "都下班了，你不知道呀？你说话清楚点！"),
], hits=[(2, "你找谁呀？再说一遍，我没听清楚", "taboo.23-say-again"),
         (4, "你找谁？没这个人儿", "taboo.28-no-such-person"),
         (6, "都下班了，你不知道呀", "taboo.24-off-duty"),
         (6, "你说话清楚点", "taboo.21-speak-clearly")],
   missing=["closing.farewell"])

# ------------------------------------------------------- borderline calls, innocent words
call("PS-025", "A01", "咨询", [
    (A, OPEN.format(s="王")),
    (C, "我想问问小区里能不能养狗，还有喂养有什么规定？"),
    (A, "可以养，需要办理犬证，宠物喂养请在自家进行，不要在公共区域投喂。"),
    (C, "不知道您这边能不能帮忙办犬证？"),
    (A, "不知道您明天上午方便吗？您带上犬只免疫证明来服务中心，我们帮您对接派出所。"),
    (C, "方便的。"),
    (A, "好的，感谢您的来电，再见。"),
])
call("PS-026", "A02", "报修", [
    (A, OPEN.format(s="李")),
    (C, "请问哪个师傅负责我们十号楼？我家暖气不热。"),
    (A, "十号楼是孙师傅负责，请问您是哪个小区的？我们管着两个小区。"),
    (C, "阳光花园。"),
    (A, "好的，请问漏水还是不热？漏水的位置在哪里？"),
    (C, "不漏水，就是不热。"),
    (A, "明白，孙师傅下午两点上门排气，感谢您的来电，再见。"),
])
call("PS-027", "A03", "停电", [
    (A, OPEN.format(s="张")),
    (C, "着急，什么时候能来电？冰箱里东西都要坏了。"),
    (A, "您别着急，供电局在抢修，预计一小时内恢复，不着急，什么时候来电我第一时间通知您。"),
    (C, "好的，那麻烦你了。"),
    (A, "不麻烦，这是我们应该做的。感谢您的来电，再见。"),
])
call("PS-028", "A04", "咨询", [
    (A, OPEN.format(s="刘")),
    (C, "我们单元有人说要给维修师傅包红包才给修，是真的吗？"),
    (A, "不是的，我们不收红包，也不用给师傅好处费，维修都是按公示价格收费。"),
    (C, "那就好。"),
    (A, "如果遇到索要钱物的情况，请您直接打这个电话投诉。感谢您的来电，再见。"),
])
call("PS-029", "A05", "咨询", [
    (A, "您好，阳光物业客服中心，我姓陈，请问您找谁？"),
    (C, "我找一下工程部的孙师傅。"),
    (A, "请您稍等，我帮您转接……孙师傅现在在外面维修，请您与工程部周先生联系，号码是六六八八。"),
    (C, "好的。"),
    (A, "感谢您的来电，再见。"),
], missing=["opening.offer-help"])
call("PS-030", "A06", "咨询", [
    (A, OPEN.format(s="赵")),
    (C, "我听见楼下有人在喊什么，好像是着火了？"),
    (A, "请您先不要慌，我马上联系秩序维护员过去查看。您听见他喊什么了吗？"),
    (C, "好像是在喊“谁家的车挡路了”。"),
    (A, "明白了，应该是挪车的事，我们去协调一下。感谢您的来电，再见。"),
])
call("PS-031", "A01", "咨询", [
    (A, OPEN.format(s="王")),
    (C, "我问一下电梯广告是哪个公司的？"),
    (A, "是城市传媒公司的，我怎么知道您想投放广告？您可以直接和他们联系。"),
    (C, "我是想投诉广告太吵。"),
    (A, "好的，对于您反映的问题我们会马上处理并尽快给您回复，好吗？"),
    (C, "好。"),
    (A, "感谢您的来电，再见。"),
],
   missing=["polite.sorry", "complaint.clarify", "complaint.concrete-time"] + RECORD)
call("PS-032", "A02", "报修", [
    (A, "您好，阳光物业客服中心，我姓李，请问有什么可以帮助您？"),
    (C, "我说快点修好不好，漏了一上午了。"),
    (A, "您慢慢说，我在听，是哪里漏水？"),
    (C, "厨房水槽下面。"),
    (A, "好的，我说完您看对不对：八号楼一单元201，厨房水槽下漏水，师傅十分钟到。"),
    (C, "对。"),
    (A, "感谢您的来电，再见。"),
])

# ----------------------------------------------------------------------- more mixed
call("PS-033", "A03", "咨询", [
    (A, OPEN.format(s="张")),
    (C, "我想在单元门口放个鞋柜，可以吗？"),
    (A, "公共区域不能堆放私人物品，这是消防要求，请您理解。"),
    (C, "就放一个小的也不行？"),
    (A, "不行的，抱歉。您可以在自家门内放置。感谢您的来电，再见。"),
])
call("PS-034", "A04", "咨询", [
    (A, OPEN.format(s="刘")),
    (C, "我想问问水电费怎么交？"),
    (A, "不知道。我不知道！"),
    (C, "你是客服你不知道？"),
    (A, "喂，你还在吗？渴了自己倒水，那儿有杯子。"),
    (C, "你在说什么呀？"),
    (A, "不好意思，刚才在跟同事说话。水电费在公众号就能交。再见。"),
], hits=[(2, "不知道", "taboo.02-bu-zhi-dao"), (2, "我不知道", "taboo.02-bu-zhi-dao"),
         (4, "喂", "taboo.01-wei"), (4, "渴了自己倒水", "taboo.29-pour-yourself")])
call("PS-035", "A05", "投诉", [
    (A, OPEN.format(s="陈")),
    (C, "你们到底管不管？我楼上漏水漏到我家，反映了好几次了！"),
    (A, "喊什么！等一下。"),
    (C, "我能不喊吗？天花板都泡了！"),
    (A, "不舒服，你别来了。"),
    (C, "我要投诉你！"),
    (A, "出去，今天不办公！"),
], hits=[(2, "喊什么！等一下", "taboo.12-shouting"),
         (4, "不舒服，你别来了", "taboo.08-dont-come"),
         (6, "出去，今天不办公", "taboo.14-get-out")],
   missing=["closing.farewell"] + ["polite.sorry", "complaint.clarify", "complaint.concrete-time", "complaint.escalate"] + RECORD)
call("PS-036", "A06", "回访", [
    (A, "您好，阳光物业客服中心，我姓赵，请问有什么可以帮助您？我是来做维修回访的。"),
    (C, "哦，上次修水管的事吧。"),
    (A, "是的，请问师傅上门及时吗？现在还有没有渗水？"),
    (C, "挺好的，修好了。"),
    (A, "好的，对不起，打扰了。感谢您的配合，再见。"),
], direction="outbound")
call("PS-037", "A01", "回访", [
    (A, "您好，我是阳光物业客服中心的，我姓王，请问有什么可以帮您？打扰一下，做个满意度回访。"),
    (C, "你说吧。"),
    (A, "您对本月的保洁服务满意吗？"),
    (C, "还行，就是垃圾桶有点臭。"),
    (A, "谢谢您的宝贵意见，我们会加强清洗。对不起打扰了，再见。"),
], direction="outbound")
call("PS-038", "A02", "咨询", [
    (A, OPEN.format(s="李")),
    (C, "喂？喂？听得到吗？"),
    (A, "听得到，您请讲。"),
    (C, "我想问下你们几点下班？"),
    (A, "我们客服热线二十四小时有人值班，服务中心是晚上八点下班。感谢您的来电，再见。"),
])
call("PS-039", "A03", "投诉", [
    (A, OPEN.format(s="张")),
    (C, "我投诉，你们物业的绿化工天天早上六点就开割草机！"),
    (A, "非常抱歉打扰您休息了，请留下您的电话号码和姓名好吗？"),
    (C, "我姓郑，这个号码就行。"),
    (A, "郑先生，谢谢您的批评指正，我们调整到上午八点以后作业，今天下午给您答复。"),
    (C, "好，那我等着。"),
    (A, "感谢您的来电，再见。"),
],
   missing=["complaint.clarify", "complaint.record-address"])
call("PS-040", "A04", "报修", [
    (A, "您好，阳光物业服务中心，我姓刘，请问有什么可以帮助您？"),
    (C, "地下车库的灯坏了好多盏，晚上黑得很。"),
    (A, "你怎么这么麻烦，车库的灯归停车场公司管。"),
    (C, "那你们转告一下不行吗？"),
    (A, "行，我转告。"),
], hits=[(2, "你怎么这么麻烦", "taboo.18-troublesome")],
   missing=["closing.farewell"])
call("PS-041", "A05", "咨询", [
    (A, OPEN.format(s="陈")),
    (C, "我想问一下物业费能不能打折？"),
    (A, "这个我也不知道啊。"),
    (C, "那你帮我问问？"),
    (A, "好的，请稍等，我问一下主管……可以办理年缴九五折。感谢您的来电，再见。"),
], hits=[(2, "这个我也不知道啊", "taboo.02-bu-zhi-dao")])
call("PS-042", "A06", "咨询", [
    (A, OPEN.format(s="赵")),
    (C, "我家孩子把门禁卡弄丢了，补办要多少钱？"),
    (A, "补办一张二十元，带上身份证来服务中心就能办，当场就能拿到。"),
    (C, "那我下午过去。"),
    (A, "好的，您意思是下午三点前来对吧？我们下午一直有人。感谢您的来电，再见。"),
])

# ------------------------------------------------ the conversation: timing and complaints
# A complaint handled as 处理投诉 asks: apology, a question and a restatement (问清楚),
# name, address and phone (记清楚), a concrete time (复清楚), no interruption.
call("PS-043", "A05", "投诉", [
    (A, OPEN.format(s="陈")),
    (C, "我要投诉，楼下餐馆的油烟天天飘到我家，窗户都不敢开。"),
    (A, "非常抱歉给您带来困扰。请问您是几号楼几单元？"),
    (C, "六号楼二单元，三楼。"),
    (A, "好的，请问您贵姓，联系电话是多少？"),
    (C, "我姓孙，电话13912345678。"),
    (A, "孙女士，我跟您确认一下：六号楼二单元三楼，楼下餐馆油烟扰民，对吗？"),
    (C, "对。"),
    (A, "我们今天下午三点前去餐馆检查油烟净化器，处理结果今天下班前给您回电。感谢您的来电，再见。"),
], timing=(4000, [(0, 5000), (5500, 11000), (11500, 15000), (15300, 17000), (17300, 20000),
                  (20300, 23000), (23300, 29000), (29300, 29800), (30200, 37000)]))
# The same complaint handled badly: the agent talks over the resident twice (5 s and
# 1.5 s), says 不清楚, never apologises, asks nothing, records nothing, gives no time.
call("PS-044", "A06", "投诉", [
    (A, OPEN.format(s="赵")),
    (C, "你们到底管不管？电梯又停了，我家老人下不了楼，这都第三回了，我说的你听着没有"),
    (A, "这个我不清楚，电梯是维保公司的事。"),
    (C, "那你们物业就不管了？"),
    (A, "我们会跟维保公司说。"),
    (C, "什么时候能修好？老人还要去医院"),
    (A, "尽快吧。"),
    (C, "那好吧。"),
    (A, "感谢您的来电，再见。"),
], hits=[(2, "不清楚", "complaint.no-buqingchu")],
   missing=["polite.sorry", "complaint.clarify", "complaint.concrete-time"] + RECORD,
   metrics=[(2, "complaint.no-interrupt", 5000), (6, "complaint.no-interrupt", 1500)],
   timing=(6000, [(0, 5000), (5500, 14000), (9000, 12500), (14500, 16500), (17000, 19000),
                  (19500, 23000), (21500, 22500), (23500, 24500), (25000, 27000)]))
# PS-043's twin without a complaint: the same care, and no complaint rule applies.
call("PS-045", "A03", "咨询", [
    (A, OPEN.format(s="张")),
    (C, "楼下餐馆的油烟有点大，物业能不能提醒一下？"),
    (A, "非常抱歉给您带来困扰。请问您是几号楼几单元？"),
    (C, "六号楼二单元，三楼。"),
    (A, "好的，我们今天下午去餐馆提醒他们清洗油烟净化器。感谢您的来电，再见。"),
], timing=(3000, [(0, 5000), (5500, 10000), (10500, 14000), (14300, 16000), (16300, 22000)]))
# Two holds of 20 s: the first announced with 请稍等, the second not; 18 s of ringing.
call("PS-046", "A02", "缴费", [
    (A, OPEN.format(s="李")),
    (C, "我想查一下我家这个季度的物业费交了没有，八号楼一单元301。"),
    (A, "好的，请稍等，我帮您查一下。"),
    (A, "让您久等了，您这个季度的已经交了。"),
    (C, "那车位费呢？"),
    (A, "车位费我再看一下。"),
    (A, "车位费还差三百元，可以在公众号补交。"),
    (C, "好的，谢谢。"),
    (A, "不客气，感谢您的来电，再见。"),
], metrics=[(6, "hold.announced", 20000), (-1, "phone.answer-time", 18000)],
   timing=(18000, [(0, 5000), (5500, 11000), (11500, 14000), (34000, 38000), (38500, 40000),
                   (40500, 42000), (62000, 66000), (66500, 68000), (68500, 72000)]))
# No timestamps and no ring time: answer time and holds cannot be judged (not_measurable),
# the words still are.
call("PS-047", "A04", "咨询", [
    (A, OPEN.format(s="刘")),
    (C, "请问小区快递柜在哪？"),
    (A, "在南门岗亭旁边，二十四小时都能取。"),
    (C, "好的，谢谢。"),
    (A, "不客气，感谢您的来电，再见。"),
], timing="none", not_measurable=["hold.announced", "phone.answer-time"])
# A caller asking for "someone", and a referral with the department and its contact.
call("PS-048", "A01", "咨询", [
    (A, OPEN.format(s="王")),
    (C, "喂，我找个人。"),
    (A, "请问您找哪位？"),
    (C, "管停车的那个。"),
    (A, "停车的事归停车场公司管，请您与停车场公司李先生联系，电话是六六七七八八。"),
    (C, "好的。"),
    (A, "感谢您的来电，再见。"),
])
# The same situations handled without the polite forms.
call("PS-049", "A02", "咨询", [
    (A, OPEN.format(s="李")),
    (C, "我找一下人。"),
    (A, "谁啊？"),
    (C, "管停车的。"),
    (A, "那个归停车场公司管。"),
    (C, "那怎么找他们？"),
    (A, "您打一一四查一下吧。感谢您的来电，再见。"),
], hits=[(6, "您打一一四查一下吧", "taboo.shirk")],
   missing=["polite.who-calling", "polite.refer-department"])



def timeline(turns, rng):
    out, t = [], 0
    for speaker, text in turns:
        dur = 900 + 230 * len(text) + rng.randint(0, 600)
        out.append({"speaker": speaker, "text": text, "start_ms": t, "end_ms": t + dur})
        t += dur + rng.randint(200, 1500)
    return out


def main():
    rng = random.Random(20261101)
    lines, labels = [], {}
    for i, (cid, agent, direction, ctype, turns, hits, missing, timing, metrics,
            not_measurable) in enumerate(CALLS):
        day = 2 + (i * 7) % 19
        hour, minute, second = 8 + (i * 5) % 11, (i * 13) % 60, (i * 29) % 60
        name, team = AGENTS[agent]
        record = {
            "call_id": cid, "agent_id": agent, "agent_name": name, "team": team,
            "started_at": f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}+08:00",
            "direction": direction, "call_type": ctype,
        }
        if timing is None:
            record["ring_ms"] = rng.randint(1000, 9000)
            record["turns"] = timeline(turns, rng)
        elif timing == "none":
            record["turns"] = [{"speaker": sp, "text": text} for sp, text in turns]
        else:
            ring, times = timing
            assert len(times) == len(turns), cid
            record["ring_ms"] = ring
            record["turns"] = [{"speaker": sp, "text": text, "start_ms": a, "end_ms": b}
                               for (sp, text), (a, b) in zip(turns, times)]
        for turn, words, rule in hits:
            assert words in turns[turn][1], (cid, turn, words)
            assert turns[turn][0] == A, (cid, turn)
            assert rule in POINTS, rule
        for rule in missing:
            assert rule in POINTS, rule
        for rule in [r for _, r, _ in metrics] + not_measurable:
            assert rule in POINTS, rule
        score = 100 - sum(POINTS[r] for _, _, r in hits) - sum(POINTS[r] for r in missing)
        score -= sum(POINTS[r] for _, r, _ in metrics)
        score = max(0, score)
        fatal = any(r in FATAL for _, _, r in hits)
        labels[cid] = {
            "forbidden": [{"turn": t, "text": w, "rule": r} for t, w, r in hits],
            "missing": sorted(missing),
            "metrics": [{"turn": t, "rule": r, "value": v} for t, r, v in metrics],
            "not_measurable": sorted(not_measurable),
            "score": score, "passed": score >= 80 and not fatal, "fatal": fatal,
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    # The conversation calls (PS-043 on: timing, holds, interruptions, complaints handled
    # well and badly) are a file of their own, so the month's file stays as reports test it.
    with open(os.path.join(HERE, "calls", "2026-11.jsonl"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines[:42]) + "\n")
    with open(os.path.join(HERE, "calls", "2026-11-conversation.jsonl"), "w",
              encoding="utf-8") as f:
        f.write("\n".join(lines[42:]) + "\n")
    with open(os.path.join(HERE, "labels.json"), "w", encoding="utf-8") as f:
        json.dump(labels, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
