#!/usr/bin/env bash
# Each form of a review page is recorded once, however often it is sent
# (`zhijian serve`, docs/review.md): the forms of PS-040 posted as a browser
# posts them —
#  - a reject sent twice, a confirm sent by four clients at once, an added
#    finding, an appeal and its ruling sent twice: one row each, and every
#    sending answered like the first (303 to the call's page);
#  - the reject form sent again with another note: 409, nothing recorded;
#  - a form of a page never shown (a page number the session did not give)
#    and one of a page older than the 256 forms remembered: 409, nothing
#    recorded.
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
hash() { echo "$1" | "$zhijian" serve --hash-password; }
{
  echo "张敏:inspector::$(hash pw-inspector)"
  echo "刘洋:agent:A04:$(hash pw-agent)"
  echo "王经理:supervisor::$(hash pw-supervisor)"
} > users.txt || fail "hash passwords"
serve_start

python3 - "$port" "$src/tests/scripts" z.db << 'PY' || fail "submit once"
import html, re, sqlite3, sys, threading
sys.path.insert(0, sys.argv[2])
from serve_http import Server

server = Server(f"http://127.0.0.1:{sys.argv[1]}")
db = sqlite3.connect(sys.argv[3])


def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")


def rows():
    return db.execute("SELECT actor, action, rule_id, turn, span_start, span_end, text, decision,"
                      " note FROM reviews ORDER BY id").fetchall()


def login(user, password):
    status, _, cookie, _ = server.login(user, password)
    check(status == 303, f"login {user}: {status}")
    return cookie


def forms(cookie, button):
    """The forms of PS-040's page with this button, as a browser sends them."""
    status, _, page = server.request("GET", "/call?id=PS-040", cookie=cookie)
    check(status == 200, f"PS-040: {status}")
    found = []
    for f in re.findall(r'<form method="post" action="/act"[^>]*>.*?</form>', page):
        if f'<button class="{button}"' in f:
            found.append({n: html.unescape(v) for n, v in
                          re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', f)})
    check(found, f"no {button} form on PS-040's page")
    return found


def post(cookie, fields):
    status, headers, page = server.request("POST", "/act", fields, cookie)
    return status, headers.get("Location", ""), page


ins, agent, sup = login("张敏", "pw-inspector"), login("刘洋", "pw-agent"), login("王经理", "pw-supervisor")
finding = ("taboo.18-troublesome", 2, 0, 7)

# A reject sent twice (a double click): one row, both answered 303.
reject = dict(forms(ins, "reject")[0], note="复述")
check((reject["rule"], reject["turn"]) == ("taboo.18-troublesome", "2"), f"first finding {reject}")
for _ in range(2):
    status, location, page = post(ins, reject)
    check((status, location) == (303, "/call?id=PS-040"), f"reject: {status} {location} {page[-300:]}")
check(rows() == [("张敏", "reject", *finding, None, None, "复述")], f"after two rejects: {rows()}")

# Sent again with another note (back, edit, send): refused, not recorded.
status, _, page = post(ins, dict(reject, note="另一条备注"))
check(status == 409 and "此表单已经提交并记录过，再次提交的内容不同" in page, f"changed: {status}")
check(len(rows()) == 1, "a changed resubmission was recorded")

# A confirm sent by four clients at once: one row.
confirm = dict(forms(ins, "confirm")[0], note="")
answers = []
clients = [threading.Thread(target=lambda: answers.append(post(ins, confirm)[:2])) for _ in range(4)]
for t in clients:
    t.start()
for t in clients:
    t.join()
check(answers == [(303, "/call?id=PS-040")] * 4, f"concurrent confirms: {answers}")
check(rows()[1:] == [("张敏", "confirm", *finding, None, None, None)], f"after four confirms: {rows()}")

# An added finding sent twice: one row.
add = dict(forms(ins, "add")[0], turn1="3", span_start="8", span_end="19",
           text="车库的灯归停车场公司管", category="推诿", note="漏判")
for _ in range(2):
    status, location, page = post(ins, add)
    check((status, location) == (303, "/call?id=PS-040"), f"add: {status} {page[-300:]}")
check(rows()[2:] == [("张敏", "add", None, 2, 8, 19, "车库的灯归停车场公司管", None, "漏判")],
      f"after two adds: {rows()}")

# An appeal and its ruling, each sent twice: one row each.
appeal = dict(forms(agent, "appeal")[0], reason="我是在复述")
for _ in range(2):
    status, location, page = post(agent, appeal)
    check((status, location) == (303, "/call?id=PS-040"), f"appeal: {status} {page[-300:]}")
check(rows()[3:] == [("A04", "appeal", *finding, None, None, "我是在复述")], f"after two appeals: {rows()}")
uphold = dict(forms(sup, "uphold")[0], reason="维持")
for _ in range(2):
    status, location, page = post(sup, uphold)
    check((status, location) == (303, "/call?id=PS-040"), f"ruling: {status} {page[-300:]}")
check(rows()[4:] == [("王经理", "rule", "taboo.18-troublesome", None, None, None, None, "upheld", "维持")],
      f"after two rulings: {rows()}")

# A page never shown to this session: refused.
confirm = forms(ins, "confirm")[0]
csrf, shown = confirm["csrf"].split(".")
for page_no in [str(int(shown) + 1), "0", "x"]:
    status, _, page = post(ins, dict(confirm, csrf=f"{csrf}.{page_no}"))
    check(status == (409 if page_no != "x" and page_no != "0" else 403), f"page {page_no}: {status}")
check(len(rows()) == 5, "a form of a page never shown was recorded")

# 256 forms are remembered: once the oldest is forgotten, its page is refused.
first = dict(confirm, form="1", note="0")
status, _, _ = post(ins, first)
check(status == 303, f"form 1: {status}")
for k in range(2, 257):
    status, _, _ = post(ins, dict(confirm, form=str(k), note=str(k)))
    check(status == 303, f"form {k}: {status}")
status, location, _ = post(ins, first)
check((status, location) == (303, "/call?id=PS-040"), f"form 1, 256 forms later: {status}")
later = forms(ins, "confirm")[0]
status, _, _ = post(ins, dict(later, note="257"))
check(status == 303, f"a form of a later page: {status}")
check(len(rows()) == 5 + 257, f"{len(rows())} rows after 257 forms")
status, _, page = post(ins, first)
check(status == 409 and "页面已过期：本次操作未记录，请刷新页面后重做" in page, f"forgotten form: {status}")
check(len(rows()) == 5 + 257, "a forgotten form was recorded again")
PY
kill -0 "$server" 2> /dev/null || fail "the server died"
echo ok
