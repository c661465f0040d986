#!/usr/bin/env bash
# The review web application, driven in headless Chromium (selenium) against
# the real server on 127.0.0.1, then checked through the store and the CLI
# (tests/scripts/serve_browser.py does the browser and HTTP part):
#  - inspector 张敏 rejects PS-011's 不知道, confirms PS-015's 你问我我问谁 and
#    adds a missed finding to PS-002 by selecting 可以的 in turn 3, marks
#    PS-004 (no findings) 复核无误, and adds one to CRLF-1 by selecting 装修
#    after a U+0001, a CR LF, a U+202E and a U+0085 (the browser counts them
#    as the page shows them: \x01, one LF, \u202e, \u0085; the stored span
#    is the stored text's); agent 刘洋 (A04) appeals PS-040's 你怎么这么麻烦
#    and supervisor 王经理 overturns it;
#  - security: nothing without login; a POST without the CSRF token is
#    refused and records nothing; an agent cannot open another agent's call,
#    confirm findings or rule; a transcript and a name with <script> render
#    as text; an oversized body (413) and a malformed request leave the
#    server answering;
#  - afterwards the stored events, final scores, sample decision and
#    calibration are exactly those of the actions taken.
# Screenshots of the main pages are written to BIN/serve_screenshots/.
# Skips (exit 0) only without chromium, chromedriver or python3-selenium;
# tools/deps.sh installs them, so CI runs it.
set -u
zhijian=$(realpath "$1") src=$(realpath "$2") bin=$(realpath "$3")
fail() { echo "FAIL: $*"; exit 1; }
. "$src/tests/lib/serve_start.sh"
"$zhijian" serve --help > /dev/null 2>&1 || { echo "SKIP: zhijian built without serve"; exit 0; }
py=/usr/bin/python3 # Debian's python3-selenium
[ -x "$py" ] || py=python3
command -v chromium > /dev/null && command -v chromedriver > /dev/null &&
  "$py" -c "import selenium" 2> /dev/null ||
  { echo "SKIP: serve_web: needs chromium, chromedriver and python3-selenium (tools/deps.sh)"; exit 0; }
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# ZJ_TEST_DB: the same flow on another store (postgres_store.sh passes a
# PostgreSQL URI of an empty database).
db=${ZJ_TEST_DB:-z.db}
sql() {
  case $db in
    postgres*) psql -X -q -A -t -v ON_ERROR_STOP=1 "$db" -c "$1" ;;
    *) sqlite3 -separator '|' "$db" "$1" ;;
  esac
}
"$zhijian" score --db $db "$src/corpus/calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score"
# A hostile call: script in the transcript and in the agent's name.
printf '%s\n' '{"call_id":"XSS-1","agent_id":"A09","agent_name":"<script>alert(2)</script>","started_at":"2026-11-20T09:00:00+08:00","turns":[{"speaker":"agent","text":"您好，<script>alert(1)</script>阳光物业客服中心，我姓张，请问有什么可以帮您？"},{"speaker":"customer","text":"<img src=x onerror=alert(3)>"}]}' > xss.jsonl
"$zhijian" score --db $db xss.jsonl > /dev/null 2>&1
[ $? -le 1 ] || fail "score the hostile call"
"$zhijian" sample --db $db --iso2859 II --aql 0.65 --seed 7 --save > /dev/null 2>&1 || fail "sample --save"
# A call whose text holds control characters, a bidi override and CR LF (not
# in the sample).
printf '%s\n' '{"call_id":"CRLF-1","agent_id":"A08","turns":[{"speaker":"agent","text":"您好，阳光物业客服中心，请问有什么可以帮您？"},{"speaker":"customer","text":"我家\u0001楼上\r\n一直在\u202e\u0085装修\r\n吵死了"}]}' > crlf.jsonl
"$zhijian" score --db $db crlf.jsonl > /dev/null 2>&1
[ $? -le 1 ] || fail "score the call with CR LF"
hash() { echo "$1" | "$zhijian" serve --hash-password; }
{
  echo "# who may log in"
  echo "张敏:inspector::$(hash pw-inspector)"
  echo "刘洋:agent:A04:$(hash pw-agent)"
  echo "王经理:supervisor::$(hash pw-supervisor)"
} > users.txt || fail "hash passwords"
serve_start
shots=$bin/serve_screenshots
mkdir -p "$shots"
"$py" "$src/tests/scripts/serve_browser.py" "http://127.0.0.1:$port" "$shots" || fail "browser test"
kill -0 "$server" 2> /dev/null || fail "the server died"
kill -TERM "$server"; wait "$server"; server=
grep -q "zhijian: stopped" serve.log || fail "server did not stop cleanly: $(cat serve.log)"

# What the clicks recorded, exactly (an appeal is recorded under the agent id
# it was filed for, as `zhijian appeal --agent` records it).
events=$(sql "SELECT actor, role, action, call_id, coalesce(rule_id,''), coalesce(CAST(turn AS TEXT),''), coalesce(CAST(span_start AS TEXT),''), coalesce(CAST(span_end AS TEXT),''), coalesce(text,''), coalesce(CAST(points AS TEXT),''), coalesce(decision,'') FROM reviews ORDER BY id")
expected="张敏|inspector|reject|PS-011|taboo.02-bu-zhi-dao|2|0|3|||
张敏|inspector|confirm|PS-015|taboo.15-ask-who|4|0|7|||
张敏|inspector|add|PS-002|taboo.17-cant-do|2|0|3|可以的|-10|
张敏|inspector|confirm|PS-004|||||||
张敏|inspector|add|CRLF-1||1|12|14|装修|0|
A04|agent|appeal|PS-040|taboo.18-troublesome|2|0|7|||
王经理|supervisor|rule|PS-040|taboo.18-troublesome||||||overturned"
[ "$events" = "$expected" ] || fail "stored events:
$events"
"$zhijian" review status --db $db --sample 1 --format json > st.json || fail "status"
python3 - st.json << 'PY' || fail "final scores"
import json, sys
st = json.load(open(sys.argv[1]))
c = {x["call_id"]: x for x in st["calls"]}
want = {"PS-011": (90, 100), "PS-015": (90, 90), "PS-002": (100, 90)}
for k, (m, f) in want.items():
    assert (c[k]["machine_score"], c[k]["final_score"], c[k]["reviewed"]) == (m, f, True), c[k]
assert c["PS-040"]["final_score"] == 95 and not c["PS-040"]["reviewed"], c["PS-040"]
s = st["sample"]
assert (c["PS-004"]["final_score"], c["PS-004"]["reviewed"]) == (100, True), c["PS-004"]
assert (s["reviewed"], s["nonconforming"], s["decision"]) == (4, 0, "incomplete"), s
PY
"$zhijian" calibrate --db $db --format json > cal.json || fail "calibrate"
python3 - cal.json << 'PY' || fail "calibration"
import json, sys
r = {x["rule_id"]: x for x in json.load(open(sys.argv[1]))["rules"]}
assert (r["taboo.02-bu-zhi-dao"]["confirmed"], r["taboo.02-bu-zhi-dao"]["rejected"]) == (0, 1)
assert (r["taboo.15-ask-who"]["confirmed"], r["taboo.15-ask-who"]["rejected"]) == (1, 0)
assert r["taboo.17-cant-do"]["added"] == 1
PY
# Scored again with a rule set that drops 不知道: the call page of the new
# rule set lists the finding reviewed (rejected) under the old one that it
# no longer produces.
cat > centre.yaml << 'Y'
extends: property-service
ruleset: centre
version: "1"
disable: [taboo.02-bu-zhi-dao]
Y
"$zhijian" score --db $db --rules centre.yaml "$src/corpus/calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score with the changed rule set"
"$zhijian" serve --db $db --users users.txt --ruleset centre --bind 127.0.0.1:$port 2> serve2.log &
server=$!
for _ in $(seq 1 300); do
  python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/login', timeout=1)" 2> /dev/null && break
  sleep 0.1
done
python3 - "$port" "$src/tests/scripts" << 'PY' || fail "the call page of the new rule set"
import sys
sys.path.insert(0, sys.argv[2])
from serve_http import Server
server = Server(f"http://127.0.0.1:{sys.argv[1]}")
request = server.request
status, _, cookie, _ = server.login("张敏", "pw-inspector")
assert status == 303, status
status, _, page = request("GET", "/call?id=PS-011", cookie=cookie)
assert status == 200, status
section = page.split("此前复核过、当前结果不再产生的发现")[1].split("</table>")[0]
rows = section.split("<tbody>")[1]
assert rows == ("<tr><td>property-service@2026.1</td><td>taboo.02-bu-zhi-dao</td>"
                "<td>第 3 轮 0-3</td><td>复核：驳回</td></tr></tbody>"), rows
status, _, page = request("GET", "/call?id=PS-015", cookie=cookie)
assert status == 200 and "当前结果不再产生" not in page, "PS-015 lists a vanished finding"
PY
kill -TERM "$server"; wait "$server"; server=

for page in login queue sample call-inspector call-agent call-supervisor; do
  [ -s "$shots/$page.png" ] || fail "no screenshot $page.png"
done
echo ok
