#!/usr/bin/env bash
# What a review may record, and what a final score is, on hand-made calls:
#  - max_points: HOLD-3 has three unannounced holds (hold.announced, 5 points
#    each, at most 10: scored 90, the third hit 0 points). Rejecting the first
#    leaves two standing: 90, as the engine scores two holds, not 95. Three
#    holds added by hand to a call without any cost 10, not 15: 90;
#  - a second inspector's verdict agreeing with the first is recorded (it is
#    their judgement: inter-reviewer kappa counts it), their own repeated
#    verdict is not; a rejected finding without a turn is quoted as such;
#  - an added finding must be words of its call: a turn past the call's end,
#    a span past the turn's end, a quote that is not the words at the span or
#    not in the turn at all, and the place of a machine finding of the same
#    rule (that one is confirmed, not added twice) are each reported with
#    their line and nothing of them is stored; an added row without a quote
#    gets the words at its span;
#  - DUP-1 has two 你怎么这么麻烦 in one turn: `appeal --turn 3 --span 11-18`
#    appeals the second, without --span the message asks for it;
#  - a ruling on an appeal is final: a second one is refused;
#  - a sheet saved in GBK, or with a column twice, is refused whole, naming
#    the line;
#  - calibrate over no reviewed calls, and review status or export over a
#    selection without calls, are errors (exit 2), not empty conclusions;
#    the commands that record into a store never create an empty one;
#  - the review web app's sample page links calls whose ids hold + & # % so
#    that each link opens its call.
set -u
zhijian=$(realpath "$1")
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
sql() { sqlite3 -separator '|' z.db "$1"; }
call() { # id agent turns-json
  printf '{"call_id":"%s","agent_id":"A01","agent_name":"王芳","team":"报修组","started_at":"2026-11-10T10:00:00+08:00","turns":[%s]}\n' "$1" "$2"
}
open='{"speaker":"agent","text":"您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？","start_ms":0,"end_ms":3000},{"speaker":"customer","text":"你好，楼道灯坏了。","start_ms":3100,"end_ms":5000}'
bye() { printf '{"speaker":"agent","text":"好的，我们马上派人，感谢您的来电，再见。","start_ms":%d,"end_ms":%d}' "$1" $(($1 + 2900)); }
hold() { printf '{"speaker":"agent","text":"我查一下。","start_ms":%d,"end_ms":%d},{"speaker":"agent","text":"查到了。","start_ms":%d,"end_ms":%d}' "$1" $(($1 + 900)) $(($1 + 20900)) $(($1 + 21900)); }
{
  call HOLD-3 "$open,$(hold 5100),$(hold 27100),$(hold 49100),$(bye 71100)"
  call PLAIN-1 "$open,{\"speaker\":\"agent\",\"text\":\"我查一下。\",\"start_ms\":5100,\"end_ms\":6000},{\"speaker\":\"agent\",\"text\":\"查到了。\",\"start_ms\":7000,\"end_ms\":8000},{\"speaker\":\"agent\",\"text\":\"马上派人。\",\"start_ms\":9000,\"end_ms\":10000},$(bye 11000)"
  call DUP-1 "$open,{\"speaker\":\"agent\",\"text\":\"你怎么这么麻烦，我说了你怎么这么麻烦，马上派人。\",\"start_ms\":5100,\"end_ms\":9000},$(bye 9100)"
  call '+8613912345678-0001' "$open,$(bye 5100)"
  call 'a&b#c%20d' "$open,$(bye 5100)"
} > calls.jsonl
"$zhijian" score --db z.db calls.jsonl > /dev/null 2>&1
[ $? -le 1 ] || fail "score"
[ "$(sql "SELECT score FROM calls WHERE call_id = 'HOLD-3'")" = 90 ] || fail "HOLD-3 machine score"
[ "$(sql "SELECT group_concat(points) FROM (SELECT f.points FROM findings f JOIN calls c ON c.id = f.call_row WHERE c.call_id = 'HOLD-3' AND f.rule_id = 'hold.announced' ORDER BY f.seq)")" = "-5,-5,0" ] ||
  fail "HOLD-3's holds are not scored -5, -5, 0"

head='call_id,agent_id,agent_name,started_at,rule_id,title,clause,turn,span_start,span_end,quote,points,fatal,verdict,category,note'
row() { printf '%s,,,,%s,,,%s,%s,%s,%s,,,%s,,\r\n' "$@"; }

# max_points when a capped hit is withdrawn, and when holds are added.
{
  printf '%s\r\n' "$head"
  row HOLD-3 hold.announced 4 0 0 "" rejected
  row HOLD-3 hold.announced 6 0 0 "" confirmed
  row HOLD-3 hold.announced 8 0 0 "" confirmed
  row PLAIN-1 hold.announced 3 "" "" "" added
  row PLAIN-1 hold.announced 4 "" "" "" added
  row PLAIN-1 hold.announced 5 "" "" "" added
} > holds.csv
"$zhijian" review import --db z.db --reviewer 张敏 holds.csv 2> err || fail "import holds: $(cat err)"
"$zhijian" review status --db z.db --format json > st.json || fail "status"
python3 - st.json << 'PY' || fail "final scores under max_points"
import json, sys
c = {x["call_id"]: x for x in json.load(open(sys.argv[1]))["calls"]}
assert (c["HOLD-3"]["machine_score"], c["HOLD-3"]["final_score"]) == (90, 90), c["HOLD-3"]
assert (c["PLAIN-1"]["machine_score"], c["PLAIN-1"]["final_score"]) == (100, 90), c["PLAIN-1"]
PY

# A second inspector on the same findings, agreeing on all three holds.
{
  printf '%s\r\n' "$head"
  row HOLD-3 hold.announced 4 0 0 "" rejected
  row HOLD-3 hold.announced 6 0 0 "" confirmed
  row HOLD-3 hold.announced 8 0 0 "" confirmed
  row HOLD-3 attitude.speech-rate "" "" "" "" rejected
} > li.csv
"$zhijian" review import --db z.db --reviewer 李强 li.csv 2> err || fail "second inspector: $(cat err)"
grep -qx "zhijian: li.csv: 4 rows: 4 verdicts recorded, 0 unchanged or blank, 0 rejected" err || fail "second inspector: $(cat err)"
"$zhijian" review import --db z.db --reviewer 李强 li.csv 2> err || fail "second inspector again: $(cat err)"
grep -qx "zhijian: li.csv: 4 rows: 0 verdicts recorded, 4 unchanged or blank, 0 rejected" err || fail "second inspector again: $(cat err)"
"$zhijian" calibrate --db z.db > out 2> err || fail "calibrate: $(cat err)"
grep -qx "复核员间一致性（Cohen's kappa）：1.000（3 项由两名复核员判定）" out || fail "inter-reviewer kappa: $(cat out)"
grep -qx "    HOLD-3（全通话指标，无原话）" out || fail "a rejected metric's quote: $(cat out)"

# Added findings that are not words of the call.
{
  printf '%s\r\n' "$head"
  row DUP-1 taboo.09-hurry-up 42 0 3 "快点吧" added
  row DUP-1 taboo.09-hurry-up 3 100 200 "快点吧" added
  row DUP-1 taboo.09-hurry-up 3 0 3 "我的电话13912345678" added
  row DUP-1 taboo.09-hurry-up 3 "" "" "我的电话13912345678" added
  row DUP-1 taboo.18-troublesome 3 0 7 "你怎么这么麻烦" added
  row DUP-1 taboo.09-hurry-up 0 "" "" "" added
  row DUP-1 taboo.21-speak-clearly 3 11 15 "" added
} > bad.csv
"$zhijian" review import --db z.db --reviewer 张敏 bad.csv 2> err
[ $? = 3 ] || fail "bad added rows: exit $?"
expected="zhijian: bad.csv:2: call 'DUP-1': it has 4 turns, not 42
zhijian: bad.csv:3: call 'DUP-1': span 100-200 is not words of turn 3 (24 characters)
zhijian: bad.csv:4: call 'DUP-1': the quote is not the words of turn 3 span 0-3
zhijian: bad.csv:5: call 'DUP-1': the quote is not words of its turn
zhijian: bad.csv:6: call 'DUP-1': the engine found this already: confirm its finding instead
zhijian: bad.csv:7: turn, span_start and span_end must be whole numbers (turn from 1, the span's start not after its end) or empty
zhijian: bad.csv: 7 rows: 1 verdicts recorded, 0 unchanged or blank, 6 rejected"
[ "$(cat err)" = "$expected" ] || fail "bad added rows:
$(cat err)"
[ "$(sql "SELECT action, rule_id, turn, span_start, span_end, text FROM reviews WHERE call_id = 'DUP-1'")" = "add|taboo.21-speak-clearly|2|11|15|你怎么这" ] ||
  fail "stored for DUP-1: $(sql "SELECT * FROM reviews WHERE call_id = 'DUP-1'")"

# An appeal of the second of two findings of one rule in one turn.
"$zhijian" appeal --db z.db --agent A01 --call DUP-1 --rule taboo.18-troublesome --turn 3 --reason 转述 2> err
[ $? = 2 ] || fail "an appeal naming two findings was filed"
grep -qx "zhijian: call 'DUP-1' has 2 findings of rule 'taboo.18-troublesome' in that turn: name the span (--span A-B)" err ||
  fail "appeal message: $(cat err)"
"$zhijian" appeal --db z.db --agent A01 --call DUP-1 --rule taboo.18-troublesome --turn 3 --span 10-17 --reason 转述 2> err
[ $? = 2 ] && grep -qx "zhijian: call 'DUP-1' has no finding of rule 'taboo.18-troublesome' at that span" err ||
  fail "appeal at no finding: $(cat err)"
"$zhijian" appeal --db z.db --agent A01 --call DUP-1 --rule taboo.18-troublesome --turn 3 --span 11-18 --reason 转述 > out 2> err ||
  fail "appeal --span: $(cat err)"
[ "$(sql "SELECT turn, span_start, span_end FROM reviews WHERE action = 'appeal'")" = "2|11|18" ] ||
  fail "the appeal names $(sql "SELECT turn, span_start, span_end FROM reviews WHERE action = 'appeal'")"

appeal=$(sed -n 's/^appeal \([0-9]*\) filed$/\1/p' out)
"$zhijian" appeal rule --db z.db --supervisor 王经理 --appeal "$appeal" --uphold --reason 属实 > out 2> err ||
  fail "ruling: $(cat err)"
"$zhijian" appeal rule --db z.db --supervisor 王经理 --appeal "$appeal" --overturn --reason 改判 > out 2> err
[ $? = 2 ] && grep -qx "zhijian: appeal $appeal was upheld by 王经理 at [0-9T:.-]*Z: a ruling is final (the agent may appeal again)" err ||
  fail "a second ruling: $(cat err)"
[ "$(sql "SELECT count(*) FROM reviews WHERE action = 'rule'")" = 1 ] || fail "a second ruling was recorded"

# Sheets that cannot be read as the inspector meant are refused whole.
{ printf '%s,verdict\r\n' "$head"; printf 'DUP-1,,,,,,,,,,,,,confirmed,,,rejected\r\n'; } > dup.csv
"$zhijian" review import --db z.db --reviewer 张敏 dup.csv 2> err
[ $? = 2 ] && grep -qx "zhijian: dup.csv:1: the header has column 'verdict' twice" err || fail "a column twice: $(cat err)"
{ printf '%s\r\n' "$head"; printf 'DUP-1,,,,,,,,,,,,,confirmed,,'; printf '\xc4\xe3\xba\xc3\r\n'; } > gbk.csv
"$zhijian" review import --db z.db --reviewer 张敏 gbk.csv 2> err
[ $? = 2 ] && grep -qx "zhijian: gbk.csv:2: not UTF-8: save the sheet as CSV UTF-8 (the export's encoding)" err ||
  fail "a GBK sheet: $(cat err)"
[ "$(sql "SELECT count(*) FROM reviews WHERE call_id = 'DUP-1' AND action = 'confirm'")" = 0 ] || fail "a refused sheet recorded a verdict"

# Conclusions over nothing are errors.
for cmd in "review status" "review export -o x.csv" "calibrate"; do
  "$zhijian" $cmd --db z.db --agent NOBODY > out 2> err
  [ $? = 2 ] && grep -qx "zhijian: no scored calls of rule set property-service@2026.1 match the filters --agent NOBODY: no .* written" err ||
    fail "$cmd over no calls: $(cat err)"
done
"$zhijian" score --db fresh.db calls.jsonl > /dev/null 2>&1
"$zhijian" calibrate --db fresh.db > out 2> err
[ $? = 2 ] && grep -qx "zhijian: no calls of rule set property-service@2026.1 in the selection were reviewed yet: no calibration written (zhijian review import records an inspector's sheet)" err ||
  fail "calibrate without reviews: $(cat err)"

for cmd in "sample --n 3 --save" "review import --reviewer 张敏 dup.csv" \
           "appeal --agent A01 --call DUP-1 --rule taboo.18-troublesome --reason 转述" \
           "db rebuild"; do
  $zhijian $cmd --db none.db > out 2> err
  [ $? = 2 ] && [ ! -e none.db ] &&
    grep -qx 'zhijian: none.db: no database here (run `zhijian score` first, or pass --db PATH)' err ||
    fail "$cmd on a missing store: $(cat err); $(ls -la none.db 2>&1)"
done

# Links of the sample page open calls whose ids hold + & # %.
"$zhijian" serve --help > /dev/null 2>&1 || { echo "PASS (serve not built: links not checked)"; exit 0; }
"$zhijian" sample --db z.db --n 10 --save > /dev/null 2>&1 || fail "sample --save"
printf '张敏:inspector::%s\n' "$(echo pw | "$zhijian" serve --hash-password)" > users.txt
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$zhijian" serve --db z.db --users users.txt --bind 127.0.0.1:$port 2> serve.log &
server=$!
for _ in $(seq 1 300); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/login', timeout=1)" 2> /dev/null && break
  sleep 0.1
done
python3 - "$port" "$(dirname "$(realpath "$0")")" << 'PY' || fail "sample page links"
import html, re, sys
sys.path.insert(0, sys.argv[2])
from serve_http import Server
s = Server(f"http://127.0.0.1:{sys.argv[1]}")
status, _, cookie, _ = s.login("张敏", "pw")
assert status == 303, status
_, _, page = s.request("GET", "/sample?id=1", cookie=cookie)
links = [html.unescape(h) for h in re.findall(r'href="(/call\?id=[^"]*)"', page)]
assert "/call?id=%2B8613912345678-0001" in links and "/call?id=a%26b%23c%2520d" in links, links
for link in links:
    status, _, call = s.request("GET", link, cookie=cookie)
    assert status == 200, (link, status)
    assert 'class="transcript"' in call, link
PY
kill -TERM "$server"; wait "$server"; server=
echo PASS
