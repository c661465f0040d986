#!/usr/bin/env bash
# The review web application's forms over plain HTTP against the real
# server (no browser: serve_web.sh drives one), checked in the store:
#  - a field is read whole or refused by name: a 2,100-byte note, a long
#    category, appeal reason and ruling reason are stored exactly; a field
#    with a bad % escape, %00, a raw NUL byte, bytes that are not UTF-8 or a
#    turn past int is a 400 naming it and records nothing; a 600-byte call id reaches the
#    engine (no call '…'), not "表单不完整";
#  - 复核无误 sent for a call with findings is refused (400), naming them;
#  - a call without reviewable findings offers 复核无误 to an inspector: the
#    three clean calls of sample 2 confirmed with that form, the sample is
#    accepted (ISO 2859-1, n 3, Ac 0) and the supervisor can close it;
#  - 300 requests for the login page without a session log nobody out, nor
#    does the login page asked for with the session cookie or reached from
#    a link without it (SameSite=Strict leaves it off a link from another
#    site); that page leads to the page linked after login, and to nothing
#    but a page of this server;
#  - two missed findings of one rule in one turn given by quote (no span)
#    are placed where they were said and both count (PS-003 100 → 80), as
#    `review import` of the same rows records them; a quote said twice in
#    the call is refused until its turn and span are given;
#  - a form of a page shown for one rule set is refused once the server
#    serves another (a re-score while it runs), instead of recording the
#    verdict under the other rule set;
#  - `serve --bind` with junk before or after the port (a space, a '+') and
#    `--hash-password` with a password longer than it reads are usage
#    errors; `--bind 0.0.0.0:PORT` serves with a warning (plain HTTP).
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
fail() { echo "FAIL: $*"; exit 1; }
. "$src/tests/lib/serve_start.sh"
"$zhijian" serve --help > /dev/null 2>&1 || { echo "SKIP: zhijian built without serve"; exit 0; }
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$zhijian" score --db z.db "$src/corpus/calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score"
"$zhijian" sample --db z.db --iso2859 II --aql 0.65 --seed 7 --save > /dev/null 2>&1 || fail "sample 1"
# Three clean calls (no reviewable finding) of their own agent: sample 2.
grep -h '"PS-00[178]"' "$src/corpus/calls/2026-11.jsonl" | python3 -c '
import json, sys
for line in sys.stdin:
    c = json.loads(line)
    c["call_id"], c["agent_id"] = "CLEAN-" + c["call_id"][-1], "C01"
    print(json.dumps(c, ensure_ascii=False))' > clean.jsonl
"$zhijian" score --db z.db clean.jsonl > /dev/null 2>&1 || fail "score the clean calls"
"$zhijian" sample --db z.db --iso2859 II --aql 1.0 --agent C01 --save > sample2.txt 2>&1 || fail "sample 2"
grep -q "n = 3，Ac = 0，Re = 1" sample2.txt || fail "sample 2's plan: $(cat sample2.txt)"
hash() { echo "$1" | "$zhijian" serve --hash-password; }
{
  echo "张敏:inspector::$(hash pw-inspector)"
  echo "刘洋:agent:A04:$(hash pw-agent)"
  echo "王经理:supervisor::$(hash pw-supervisor)"
} > users.txt || fail "hash passwords"

# Usage errors.
timeout 10 "$zhijian" serve --db z.db --users users.txt --bind 127.0.0.1:8080junk 2> err # (would serve)
[ $? = 2 ] && grep -qx "zhijian: serve: --bind: expected HOST:PORT, e.g. 127.0.0.1:8080, got '127.0.0.1:8080junk'" err ||
  fail "--bind with junk after the port: $(cat err)"
for bind in "127.0.0.1: 8080" "127.0.0.1:+8080" "127.0.0.1:" "127.0.0.1:080800"; do
  timeout 10 "$zhijian" serve --db z.db --users users.txt --bind "$bind" 2> err # (would serve)
  [ $? = 2 ] && grep -qx "zhijian: serve: --bind: expected HOST:PORT, e.g. 127.0.0.1:8080, got '$bind'" err ||
    fail "--bind '$bind': $(cat err)"
done
# Beyond this machine: served, with a warning (plain HTTP).
any_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("0.0.0.0", 0)); print(s.getsockname()[1])')
timeout 2 "$zhijian" serve --db z.db --users users.txt --bind "0.0.0.0:$any_port" 2> err
[ $? = 124 ] && [ "$(head -2 err)" = "zhijian: warning: serve: --bind 0.0.0.0: other machines can reach this server, which speaks plain HTTP (passwords and session cookies unencrypted): put it behind a TLS proxy and give --secure-cookies (docs/review.md)
zhijian: serving http://0.0.0.0:$any_port/ (3 users; Ctrl-C stops)" ] || fail "--bind 0.0.0.0: $(cat err)"
head -c 1024 /dev/zero | tr '\0' x | "$zhijian" serve --hash-password > out 2> err
[ $? = 2 ] && [ ! -s out ] && grep -qx "zhijian: serve --hash-password: the password is longer than 1023 bytes" err ||
  fail "an over-long password was hashed: $(cat err)"
head -c 1023 /dev/zero | tr '\0' x | "$zhijian" serve --hash-password > out 2> err || fail "a 1023-byte password: $(cat err)"

serve_start
grep -q warning serve.log && fail "a warning on 127.0.0.1: $(cat serve.log)"

python3 - "$port" "$src/tests/scripts" z.db << 'PY' || fail "forms"
import html, re, sqlite3, sys, urllib.parse
sys.path.insert(0, sys.argv[2])
from serve_http import Server

server = Server(f"http://127.0.0.1:{sys.argv[1]}")
request = server.request
db = sqlite3.connect(sys.argv[3])


def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")


def rows(sql, *args):
    return db.execute(sql, args).fetchall()


def last_id():
    return rows("SELECT coalesce(max(id), 0) FROM reviews")[0][0]


def login(user, password):
    status, _, cookie, csrf = server.login(user, password)
    check(status == 303, f"login {user}: {status}")
    return cookie, csrf


ins = login("张敏", "pw-inspector")
agent = login("刘洋", "pw-agent")
sup = login("王经理", "pw-supervisor")


def act(who, **fields):
    """A form of a page of rule set 1 (the one served)."""
    status, headers, page = request("POST", "/act", dict({"ruleset": "1"}, csrf=who[1], **fields), who[0])
    return status, headers.get("Location", ""), page


# Anonymous requests end no logged-in session.
for _ in range(300):
    request("GET", "/login")
for who, name in [(ins, "张敏"), (agent, "刘洋"), (sup, "王经理")]:
    status, _, page = request("GET", "/", cookie=who[0])
    check(status == 200 and name in page, f"{name} logged out by anonymous requests: {status}")
check(login("张敏", "pw-inspector")[0], "login after the anonymous requests")

# The login page never replaces a user's session cookie. Logged in, it
# leads on (no cookie set); a link followed from another site comes without
# the SameSite=Strict cookie: it leads to the login page (its own cookie,
# for /login only), which offers the page linked and leads there after
# login, and the session it did not see still works.
status, headers, _ = request("GET", "/login?next=%2Fcall%3Fid%3DPS-040", cookie=ins[0])
check((status, headers.get("Location"), headers.get("Set-Cookie")) == (303, "/call?id=PS-040", None),
      f"GET /login logged in: {status} {headers}")
status, headers, _ = request("GET", "/call?id=PS%2B040%26x")
check((status, headers.get("Location"), headers.get("Set-Cookie")) ==
      (303, "/login?next=%2Fcall%3Fid%3DPS%252B040%2526x", None), f"a link without the cookie: {status} {headers}")
status, headers, _ = request("GET", "/call?id=PS-040")
check(headers.get("Location") == "/login?next=%2Fcall%3Fid%3DPS-040", f"a link without the cookie: {headers}")
status, headers, page = request("GET", headers["Location"])
set_cookie = headers.get("Set-Cookie", "")
check(status == 200 and re.fullmatch(r"zj_login=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=/login", set_cookie),
      f"the login page's cookie: {status} {set_cookie}")
check('<input type="hidden" name="next" value="/call?id=PS-040">' in page and
      '<a id="next" href="/call?id=PS-040">直接打开链接的页面</a>' in page, "the login page offers the page linked")
status, _, page = request("GET", "/", cookie=ins[0])
check(status == 200 and "张敏" in page, f"the session after the login page: {status}")
pre = set_cookie.split(";")[0]
pre_csrf = re.search(r'name="csrf" value="([^"]*)"', request("GET", "/login", cookie=pre)[2])[1]
status, headers, _ = request("POST", "/login", {"csrf": pre_csrf, "user": "张敏", "password": "pw-inspector",
                                                "next": "/call?id=PS-040"}, pre)
check((status, headers.get("Location")) == (303, "/call?id=PS-040") and
      headers.get("Set-Cookie", "").startswith("zj_session="), f"login with next: {status} {headers}")
# Nothing but a page of this server is led to.
for bad in ["//evil.example/", "/\\evil.example", "https://evil.example/", "/act", "/login", "/call?id=a b"]:
    status, headers, page = request("GET", "/login?next=" + urllib.parse.quote(bad, safe=""))
    check(status == 200 and 'name="next"' not in page and 'id="next"' not in page, f"next={bad!r} offered")
    pre = headers["Set-Cookie"].split(";")[0]
    csrf = re.search(r'name="csrf" value="([^"]*)"', page)[1]
    status, headers, _ = request("POST", "/login", {"csrf": csrf, "user": "张敏", "password": "pw-inspector",
                                                    "next": bad}, pre)
    check((status, headers.get("Location")) == (303, "/"), f"login with next={bad!r}: {status} {headers}")

# Fields read whole.
note = "录音核实为复述" * 100
check(len(note.encode()) == 2100, "note length")
status, location, page = act(ins, action="reject", call="PS-040", rule="taboo.18-troublesome",
                             turn="2", span_start="0", span_end="7", note=note)
check((status, location) == (303, "/call?id=PS-040"), f"reject with a long note: {status} {page}")
check(rows("SELECT action, rule_id, note FROM reviews ORDER BY id DESC LIMIT 1") ==
      [("reject", "taboo.18-troublesome", note)], "the long note is not stored whole")
category = "装修噪音" * 30
status, _, page = act(ins, action="add", call="PS-005", category=category, note="类别")
check(status == 303, f"add with a long category: {status} {page}")
check(rows("SELECT action, rule_id, category, note FROM reviews ORDER BY id DESC LIMIT 1") ==
      [("add", None, category, "类别")], "the long category is not stored whole")
reason = "我是在复述住户的话" * 120
status, _, page = act(agent, action="appeal", call="PS-040", rule="taboo.18-troublesome", turn="2",
                      span_start="0", span_end="7", reason=reason)
check(status == 303, f"appeal with a long reason: {status} {page}")
appeal, stored = rows("SELECT id, note FROM reviews ORDER BY id DESC LIMIT 1")[0]
check(stored == reason, "the long appeal reason is not stored whole")
status, _, page = act(sup, action="rule", call="PS-040", appeal=str(appeal), decision="uphold",
                      reason=reason + "。维持")
check(status == 303, f"ruling with a long reason: {status} {page}")
check(rows("SELECT action, decision, appeal_id, note FROM reviews ORDER BY id DESC LIMIT 1") ==
      [("rule", "upheld", appeal, reason + "。维持")], "the long ruling reason is not stored whole")

# Fields that cannot be read, or are given twice, are refused by name;
# nothing is recorded.
before = last_id()
confirm = "action=confirm&call=PS-040&turn=2&span_start=0&span_end=7"
for body, name in [(confirm + "&rule=%zz", "rule"), (confirm + "&rule=taboo.18-troublesome%", "rule"),
                   (confirm + "&rule=taboo.18-troublesome&note=a%00b", "note"),
                   (confirm + "&rule=taboo.18-troublesome&note=%FF%FEbad", "note"),
                   (confirm + "&rule=taboo.18-troublesome&note=a&note=b", "note"),
                   ("action=add&call=PS-005&category=%C0%AF", "category"),
                   ("action=add&call=PS-003&turn1=4294967296&text=周日休息&rule=taboo.18-troublesome", "turn1"),
                   ("action=confirm&call=PS-040%00x&rule=taboo.18-troublesome&turn=2&span_start=0&span_end=7", "call")]:
    status, _, page = request("POST", "/act", raw_body=(body + "&ruleset=1&csrf=" + ins[1]).encode(), cookie=ins[0])
    check(status == 400 and f"字段 {name} 无法读取" in page, f"{body}: {status} {page[-300:]}")
# A raw NUL byte would end the body for the string functions: refused by
# the field holding it, not read as the shorter form before it.
for tail, name in [(b"&call=PS-040\x00&rule=taboo.18-troublesome&turn=2&span_start=0&span_end=7", "call"),
                   (b"&call=PS-040&rule=taboo.18-troublesome&turn=2&span_start=0&span_end=7&note=a\x00b", "note"),
                   (b"&call=PS-040&\x00rule=taboo.18-troublesome&turn=2&span_start=0&span_end=7", "（无名）")]:
    body = ("csrf=" + ins[1] + "&ruleset=1&action=confirm").encode() + tail
    status, _, page = request("POST", "/act", raw_body=body, cookie=ins[0])
    check(status == 400 and f'<p class="error">字段 {name} 无法读取（含 NUL 字节）：本次操作未记录</p>' in page,
          f"{tail}: {status} {page[-300:]}")
check(last_id() == before, "an unreadable field recorded something")
long_id = "X" * 600
status, _, page = act(ins, action="confirm", call=long_id)
check(status == 404 and f"no call &#39;{long_id}&#39;" in page, f"a 600-byte call id: {status}")

# 复核无误 (confirm without a rule) on a call with findings: refused.
before = last_id()
status, _, page = act(ins, action="confirm", call="PS-011")
check(status == 400 and '<p class="error">call &#39;PS-011&#39; has 1 reviewable finding '
      '(taboo.02-bu-zhi-dao at turn 3 span 0-3): confirm or reject it; a verdict without a rule '
      'says a call without reviewable findings was reviewed and nothing was found</p>' in page,
      f"复核无误 on PS-011: {status} {page[-400:]}")
check(last_id() == before, "复核无误 on a call with findings recorded")

# 复核无误 on the clean calls: sample 2 is accepted, and closed.
for call in ["CLEAN-1", "CLEAN-7", "CLEAN-8"]:
    status, _, page = request("GET", f"/call?id={call}", cookie=ins[0])
    check(status == 200, f"{call}: {status}")
    forms = [f for f in re.findall(r'<form method="post" action="/act"[^>]*>.*?</form>', page)
             if 'class="confirm-call"' in f]
    check(len(forms) == 1, f"{call}: {len(forms)} 复核无误 forms")
    fields = {n: html.unescape(v) for n, v in
              re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', forms[0])}
    fields["note"] = ""
    status, headers, _ = request("POST", "/act", fields, ins[0])
    check(status == 303, f"复核无误 {call}: {status}")
    status, _, page = request("GET", f"/call?id={call}", cookie=ins[0])
    check("已复核无误（张敏）" in page and "confirm-call" not in page, f"{call} after 复核无误")
check(rows("SELECT actor, role, action, call_id, rule_id, turn, span_start, span_end FROM reviews"
           " WHERE call_id LIKE 'CLEAN-%' ORDER BY id") ==
      [("张敏", "inspector", "confirm", f"CLEAN-{k}", None, None, None, None) for k in "178"],
      "the 复核无误 rows")
status, _, page = request("GET", "/call?id=PS-040", cookie=ins[0])
check("confirm-call" not in page, "复核无误 offered on a call with findings")
status, _, page = request("GET", "/sample?id=2", cookie=sup[0])
check('data-decision="accept">已复核 3/3 通，复核后不合格 0 通' in page and 'class="close"' in page,
      f"sample 2 not accepted: {page[page.find('<h2>'):][:300]}")
status, _, _ = act(sup, action="close", sample="2")
check(status == 303, f"close sample 2: {status}")
status, _, page = request("GET", "/sample?id=2", cookie=sup[0])
check('data-closed="accept"' in page, "sample 2 not closed")

# Two quotes of one rule in one turn, no span: two findings.
for text, note in [("周日休息", "first"), ("我把地址", "second"), ("周日休息", "again")]:
    status, _, page = act(ins, action="add", call="PS-003", turn1="5", text=text,
                          rule="taboo.18-troublesome", note=note)
    check(status == 303, f"add {text}: {status} {page}")
check(rows("SELECT turn, span_start, span_end, text, points, note FROM reviews"
           " WHERE call_id = 'PS-003' ORDER BY id") ==
      [(4, 15, 19, "周日休息", -10, "first"), (4, 24, 28, "我把地址", -10, "second"),
       (4, 15, 19, "周日休息", -10, "again")], "the added findings' places")
status, _, page = request("GET", "/call?id=PS-003", cookie=ins[0])
check('class="final-score">80<' in page and page.count('<tr class="added"') == 2,
      "PS-003 after two added findings")
before = last_id()
status, _, page = act(ins, action="add", call="PS-003", text="好的", rule="taboo.18-troublesome")
check(status == 400 and "the quote is said 2 times in the call: give the turn and span of the one meant"
      in page, f"an ambiguous quote: {status} {page[-300:]}")
status, _, page = act(ins, action="add", call="PS-003", turn1="5", text="周日上班", rule="taboo.18-troublesome")
check(status == 400 and "the quote is not words of its turn" in page, f"a quote not said: {status}")
check(last_id() == before, "a refused quote recorded something")
PY
kill -0 "$server" 2> /dev/null || fail "the server died"
"$zhijian" review status --db z.db --format json > st.json || fail "status"
python3 -c "
import json
c = {x['call_id']: x for x in json.load(open('st.json'))['calls']}['PS-003']
assert (c['machine_score'], c['final_score'], c['added']) == (100, 80, 2), c" || fail "PS-003's final score"

# The same two rows through `review import`: the same places, both counted.
"$zhijian" score --db cli.db "$src/corpus/calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score cli.db"
printf '%s\r\n' 'call_id,rule_id,turn,span_start,span_end,quote,verdict,note' \
  'PS-003,taboo.18-troublesome,5,,,周日休息,added,first' 'PS-003,taboo.18-troublesome,5,,,我把地址,added,second' > add.csv
"$zhijian" review import --db cli.db --reviewer 张敏 add.csv 2> err || fail "import: $(cat err)"
grep -qx "zhijian: add.csv: 2 rows: 2 verdicts recorded, 0 unchanged or blank, 0 rejected" err || fail "import: $(cat err)"
"$zhijian" review import --db cli.db --reviewer 张敏 add.csv 2> err || fail "re-import: $(cat err)"
grep -qx "zhijian: add.csv: 2 rows: 0 verdicts recorded, 2 unchanged or blank, 0 rejected" err || fail "re-import: $(cat err)"
q="SELECT actor, role, action, rule_id, turn, span_start, span_end, text, points, fatal, note FROM reviews WHERE call_id = 'PS-003' AND note <> 'again' ORDER BY id"
[ "$(sqlite3 cli.db "$q")" = "$(sqlite3 z.db "$q")" ] || fail "web and import differ:
$(sqlite3 z.db "$q")
$(sqlite3 cli.db "$q")"

# Scored again with a changed rule set while the server runs (it serves the
# newest): a form of a page shown for the old rule set is refused and
# records nothing; the page shows the new one, and its form is recorded there.
cat > centre.yaml << 'Y'
extends: property-service
ruleset: centre
version: "1"
disable: [taboo.02-bu-zhi-dao]
Y
"$zhijian" score --db z.db --rules centre.yaml "$src/corpus/calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score with the changed rule set"
python3 - "$port" "$src/tests/scripts" z.db << 'PY' || fail "a form of another rule set"
import sqlite3, sys
sys.path.insert(0, sys.argv[2])
from serve_http import Server

server = Server(f"http://127.0.0.1:{sys.argv[1]}")
db = sqlite3.connect(sys.argv[3])
count = lambda: db.execute("SELECT count(*) FROM reviews").fetchone()[0]
centre = db.execute("SELECT id FROM rulesets WHERE name = 'centre'").fetchone()[0]
assert centre == 2, centre
status, _, cookie, csrf = server.login("张敏", "pw-inspector")
form = {"csrf": csrf, "action": "confirm", "call": "PS-040", "rule": "taboo.18-troublesome",
        "turn": "2", "span_start": "0", "span_end": "7", "note": "shown for rule set 1"}
before = count()
status, _, page = server.request("POST", "/act", dict(form, ruleset="1"), cookie)
assert status == 409 and "本次操作未记录，请刷新页面后重做" in page, (status, page[-400:])
status, _, page = server.request("POST", "/act", form, cookie)
assert status == 400 and "表单缺少规则集（ruleset）" in page, (status, page[-400:])
assert count() == before, "a refused form recorded something"
status, _, page = server.request("GET", "/call?id=PS-040", cookie=cookie)
assert status == 200 and page.count('name="ruleset" value="2"') >= 3, page
status, _, page = server.request("POST", "/act", dict(form, ruleset="2"), cookie)
assert status == 303, (status, page[-400:])
row = db.execute("SELECT ruleset_id, action, call_id, note FROM reviews ORDER BY id DESC LIMIT 1").fetchone()
assert row == (2, "confirm", "PS-040", "shown for rule set 1"), row
PY
kill -TERM "$server"; wait "$server"; server=
# --ruleset naming no rule set is a usage error, not a server of error pages.
"$zhijian" serve --db z.db --users users.txt --ruleset nosuch@1 --bind 127.0.0.1:$port 2> err
[ $? = 2 ] && grep -q "no rule set 'nosuch@1' in the database" err || fail "--ruleset nosuch@1: $(cat err)"
echo ok
