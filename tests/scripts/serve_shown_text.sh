#!/usr/bin/env bash
# Text with control characters and CR LF on the review pages (`zhijian
# serve`, docs/review.md), on a call whose turns hold U+0001, U+0085 and
# CR LF and whose agent name holds U+0007:
#  - the call page holds no C0/C1 control and no CR: each control is shown
#    as the terminal shows it (\x01, \u0085), a CR LF as the LF a browser
#    makes of it, and the finding after a CR LF is marked on its words;
#  - a finding added from a selection in that text, its span counted as a
#    browser counts the page's text (review.js), is stored at the code
#    points of the stored text, its quote the stored words — also when the
#    selection starts inside an escape; a span of the stored text (a
#    script's) is stored as given; a span and quote that fit both readings
#    at different places are refused, as is a quote that fits neither.
# On a call whose agent name and turn hold bidi controls (U+202E,
# U+2066..U+2069, U+200E, U+200F, U+061C), the page holds none of them raw:
# each is shown as \u202e (a raw override would show the reviewer another
# sentence than the one scored), the finding is marked on its words, and a
# selection across or inside such an escape is stored at the code points of
# the stored text. Likewise on a call holding a zero-width space, U+FEFF,
# U+2028 and a tag character (U+E0041, shown \U000e0041).
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
fail() { echo "FAIL: $*"; exit 1; }
. "$src/tests/lib/serve_start.sh"
"$zhijian" serve --help > /dev/null 2>&1 || { echo "SKIP: zhijian built without serve"; exit 0; }
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
python3 -c '
import json
print(json.dumps({"call_id": "CTRL-1", "agent_id": "A09", "agent_name": "王\u0007五", "turns": [
    {"speaker": "agent", "text": "您好，阳光物业服务中心，请问有什么可以帮助您？"},
    {"speaker": "customer", "text": "我家\u0001楼上\r\n一直在\u0085装修\r\n吵死了"},
    {"speaker": "agent", "text": "这个\r\n你怎么这么麻烦，车库的灯归停车场公司管。"},
    {"speaker": "customer", "text": "哈哈\r\n哈哈哈"}]}, ensure_ascii=False))
print(json.dumps({"call_id": "BIDI-1", "agent_id": "A10", "agent_name": "李\u202e四\u061c", "turns": [
    {"speaker": "agent", "text": "您好，阳光物业服务中心，请问有什么可以帮助您？"},
    {"speaker": "agent", "text": "有本事你\u2067去\u202e告\u2069\u2068吧\u200f。\u200e"}]}, ensure_ascii=False))
print(json.dumps({"call_id": "HIDE-1", "agent_id": "A11", "agent_name": "赵\u200b六", "turns": [
    {"speaker": "agent", "text": "您好，阳光物业服务中心，请问有什么可以帮助您？"},
    {"speaker": "agent", "text": "有本事你\ufeff去告\U000e0041吧\u2028。"}]}, ensure_ascii=False))' > ctrl.jsonl
"$zhijian" score --db z.db ctrl.jsonl > /dev/null 2>&1
[ $? -le 1 ] || fail "score"
echo "张敏:inspector::$(echo pw-inspector | "$zhijian" serve --hash-password)" > users.txt || fail "hash"
serve_start

python3 - "$port" "$src/tests/scripts" z.db << 'PY' || fail "shown text"
import html, re, sqlite3, sys
sys.path.insert(0, sys.argv[2])
from serve_http import Server

server = Server(f"http://127.0.0.1:{sys.argv[1]}")
db = sqlite3.connect(sys.argv[3])


def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")


status, _, cookie, _ = server.login("张敏", "pw-inspector")
check(status == 303, f"login: {status}")
status, _, page = server.request("GET", "/call?id=CTRL-1", cookie=cookie)
check(status == 200, f"CTRL-1: {status}")
raw = re.findall(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\r]", page)
check(not raw, f"control characters in the page: {raw}")
check("坐席 A09 王\\x07五；" in page, "the agent name's U+0007")
turns = re.findall(r'<span class="text" data-turn="\d+">(.*?)</span></div>', page, re.S)
check(len(turns) == 4, f"{len(turns)} turns")
# The text a browser has: what a selection's offsets count.
shown = [html.unescape(re.sub(r"<[^>]*>", "", t)) for t in turns]
check(shown[1:] == ["我家\\x01楼上\n一直在\\u0085装修\n吵死了",
                    "这个\n你怎么这么麻烦，车库的灯归停车场公司管。", "哈哈\n哈哈哈"], f"shown: {shown}")
check(re.search(r'这个\n<mark title="[^"]*">你怎么这么麻烦</mark>', turns[2]), f"the mark: {turns[2]}")

forms = [f for f in re.findall(r'<form method="post" action="/act"[^>]*>.*?</form>', page, re.S)
         if '<button class="add"' in f]
check(len(forms) == 1, "the add form")
add = {n: html.unescape(v) for n, v in
       re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', forms[0])}
count = lambda: db.execute("SELECT count(*) FROM reviews").fetchone()[0]


def select(turn, words, at=0, form=None):
    """Adds the words selected in the page's turn (from 0) as review.js
    sends them: the span in code points of the shown text."""
    a = shown[turn].index(words, at)
    fields = dict(add, turn1=str(turn + 1), span_start=str(a), span_end=str(a + len(words)),
                  text=words, category="噪音", note=words, form=form or add["form"])
    return server.request("POST", "/act", fields, cookie)


expected = []
for k, (turn, words, stored) in enumerate([(1, "装修", (1, 11, 13, "装修")),
                                           (1, "01楼", (1, 2, 4, "\x01楼")),
                                           (1, "吵死了", (1, 15, 18, "吵死了")),
                                           (2, "车库的灯", (2, 12, 16, "车库的灯")),
                                           (2, "\n你怎么", (2, 3, 7, "\n你怎么"))]):
    status, headers, out = select(turn, words, form=str(1000 + k))
    check((status, headers.get("Location")) == (303, "/call?id=CTRL-1"),
          f"add {words!r}: {status} {out[-300:]}")
    expected.append(stored + (words,))
    check(db.execute("SELECT turn, span_start, span_end, text, note FROM reviews ORDER BY id").fetchall()
          == expected, f"after {words!r}: {db.execute('SELECT turn, span_start, span_end, text FROM reviews').fetchall()}")

# A script's span of the stored text: stored as given.
status, _, out = server.request("POST", "/act", dict(add, turn1="2", span_start="7", span_end="10",
                                                     text="一直在", category="噪音", note="stored",
                                                     form="2000"), cookie)
check(status == 303, f"a span of the stored text: {status} {out[-300:]}")
expected.append((1, 7, 10, "一直在", "stored"))
check(db.execute("SELECT turn, span_start, span_end, text, note FROM reviews ORDER BY id").fetchall()
      == expected, "a span of the stored text")

# Both readings fit at different places; neither fits.
before = count()
status, _, out = server.request("POST", "/act", dict(add, turn1="4", span_start="4", span_end="6",
                                                     text="哈哈", category="噪音", form="3000"), cookie)
check(status == 400 and "call &#39;CTRL-1&#39;: the quote is the words of turn 4 span 4-6 both as "
      "stored and as the page shows it (span 5-7): give the span of the stored text" in out,
      f"both readings: {status} {out[-400:]}")
status, _, out = server.request("POST", "/act", dict(add, turn1="2", span_start="0", span_end="2",
                                                     text="楼上", category="噪音", form="3001"), cookie)
check(status == 400 and "the quote is not the words of turn 2 span 0-2" in out, f"neither: {status}")
check(count() == before, "a refused span was recorded")

# The added findings' quotes are shown escaped too.
status, _, page = server.request("GET", "/call?id=CTRL-1", cookie=cookie)
check("<td>\\x01楼</td>" in page and not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", page),
      "the added quote with U+0001")

def escaped_call(call_id, raw, agent, turn, mark, selections, form_base):
    """A call whose agent name and turn 1 hold characters matched by raw:
    none of them raw in the page, the agent name and the turn shown
    escaped as given, the finding marked (mark: the turn's HTML), and each
    selection (words as shown, the stored span and words) stored as stored."""
    global shown, add
    status, _, page = server.request("GET", f"/call?id={call_id}", cookie=cookie)
    check(status == 200, f"{call_id}: {status}")
    check(not raw.findall(page), f"{call_id}: raw in the page: {raw.findall(page)}")
    check(agent in page, f"{call_id}: the agent name {agent!r}")
    turns = re.findall(r'<span class="text" data-turn="\d+">(.*?)</span></div>', page, re.S)
    shown = [html.unescape(re.sub(r"<[^>]*>", "", t)) for t in turns]
    check(shown[1] == turn, f"{call_id} shown: {shown}")
    check(re.fullmatch(mark, turns[1]), f"{call_id}: the mark: {turns[1]}")
    forms = [f for f in re.findall(r'<form method="post" action="/act"[^>]*>.*?</form>', page, re.S)
             if '<button class="add"' in f]
    check(len(forms) == 1, f"the add form of {call_id}")
    add = {n: html.unescape(v) for n, v in
           re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', forms[0])}
    stored = lambda: db.execute("SELECT turn, span_start, span_end, text, note FROM reviews"
                                " WHERE call_id = ? ORDER BY id", (call_id,)).fetchall()
    expected = []
    for k, (words, span) in enumerate(selections):
        status, headers, out = select(1, words, form=str(form_base + k))
        check((status, headers.get("Location")) == (303, f"/call?id={call_id}"),
              f"add {words!r}: {status} {out[-300:]}")
        expected.append((1,) + span + (words,))
        check(stored() == expected, f"after {words!r}: {stored()}")
    status, _, page = server.request("GET", f"/call?id={call_id}", cookie=cookie)
    first = html.escape(selections[0][0], quote=False)
    check(f"<td>{first}</td>" in page and not raw.findall(page), f"{call_id}: the added quote")


# Bidi controls: shown as \u202e, a selection across them stored as stored.
escaped_call("BIDI-1", re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"),
             "坐席 A10 李\\u202e四\\u061c；", "有本事你\\u2067去\\u202e告\\u2069\\u2068吧\\u200f。\\u200e",
             r'<mark title="[^"]*">有本事你\\u2067去\\u202e告\\u2069\\u2068吧</mark>\\u200f。\\u200e',
             [("去\\u202e告", (5, 8, "去\u202e告")), ("202e告", (6, 8, "\u202e告")),
              ("\\u2068吧\\u200f", (9, 12, "\u2068吧\u200f"))], 4000)
# Unseen characters (U+200B, U+FEFF, U+2028, a tag character beyond U+FFFF,
# written \U000e0041): likewise.
escaped_call("HIDE-1", re.compile(r"[\u200b\ufeff\u2028\U000e0000-\U000e007f]"),
             "坐席 A11 赵\\u200b六；", "有本事你\\ufeff去告\\U000e0041吧\\u2028。",
             r'<mark title="[^"]*">有本事你\\ufeff去告\\U000e0041吧</mark>\\u2028。',
             [("去告\\U000e0041吧", (5, 9, "去告\U000e0041吧")),
              ("0041吧\\u2028", (7, 10, "\U000e0041吧\u2028"))], 5000)
PY
kill -0 "$server" 2> /dev/null || fail "the server died"
echo ok
