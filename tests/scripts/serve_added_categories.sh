#!/usr/bin/env bash
# Two findings an inspector adds at one place with different categories
# (here: the whole call, no rule) are two findings (docs/review.md), on the
# call page as in the store:
#  - the inspector and the agent see both rows; each appeal form names its
#    finding's category, and the agent's appeal of the second is recorded
#    on it (its category stored), the first still appealable;
#  - the supervisor rules on that appeal from its row only; the rows' states
#    then read 申诉成立（撤销） and 复核补充;
#  - `zhijian appeal` without --category is refused naming the option, and
#    with it files the appeal of the first.
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

python3 - "$port" "$src/tests/scripts" z.db << 'PY' || fail "two categories at one place"
import html, re, sqlite3, sys
sys.path.insert(0, sys.argv[2])
from serve_http import Server

server = Server(f"http://127.0.0.1:{sys.argv[1]}")
db = sqlite3.connect(sys.argv[3])


def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")


def login(user, password):
    status, _, cookie, _ = server.login(user, password)
    check(status == 303, f"login {user}: {status}")
    return cookie


def page(cookie):
    status, _, p = server.request("GET", "/call?id=PS-007", cookie=cookie)
    check(status == 200, f"PS-007: {status}")
    return p


def added_rows(p):
    """(category, state, the hidden fields of each form) per added row."""
    rows = re.findall(r'<tr class="added"[^>]*><td>复核补充：([^<]*)</td>.*?<td class="state">([^<]*)</td>'
                      r'<td>(.*?)</td></tr>', p, re.S)
    return [(cat, state, [{n: html.unescape(v) for n, v in
                           re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', f)}
                          for f in re.findall(r"<form[^>]*>(.*?)</form>", forms, re.S)])
            for cat, state, forms in rows]


def post(cookie, fields):
    status, headers, out = server.request("POST", "/act", fields, cookie)
    check((status, headers.get("Location")) == (303, "/call?id=PS-007"), f"{fields}: {status} {out[-300:]}")


ins, agent, sup = login("张敏", "pw-inspector"), login("刘洋", "pw-agent"), login("王经理", "pw-supervisor")
for cat in ["态度冷淡", "未核实地址"]:
    add = [f for f in re.findall(r'<form method="post" action="/act"[^>]*>(.*?)</form>', page(ins), re.S)
           if 'class="add"' in f][0]
    fields = {n: html.unescape(v) for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', add)}
    post(ins, dict(fields, category=cat, note="补充:" + cat))

rows = added_rows(page(ins))
check([(c, s, f) for c, s, f in rows] == [("态度冷淡", "复核补充", []), ("未核实地址", "复核补充", [])],
      f"the inspector's rows: {rows}")
rows = added_rows(page(agent))
check([(c, s) for c, s, _ in rows] == [("态度冷淡", "复核补充"), ("未核实地址", "复核补充")],
      f"the agent's rows: {rows}")
for cat, _, forms in rows:
    check(len(forms) == 1 and {k: forms[0][k] for k in ["action", "call", "rule", "turn", "span_start",
                                                        "span_end", "category"]} ==
          {"action": "appeal", "call": "PS-007", "rule": "", "turn": "-1", "span_start": "-1",
           "span_end": "-1", "category": cat}, f"the appeal form of {cat}: {forms}")
post(agent, dict(rows[1][2][0], reason="地址已核实"))
check(db.execute("SELECT action, rule_id, turn, category, note FROM reviews WHERE action = 'appeal'").fetchall()
      == [("appeal", None, None, "未核实地址", "地址已核实")], "the stored appeal")
rows = added_rows(page(agent))
check([(c, s, len(f)) for c, s, f in rows] == [("态度冷淡", "复核补充", 1), ("未核实地址", "申诉待裁决", 0)],
      f"the agent's rows after the appeal: {rows}")

rows = added_rows(page(sup))
check([(c, s, len(f)) for c, s, f in rows] == [("态度冷淡", "复核补充", 0), ("未核实地址", "申诉待裁决", 2)],
      f"the supervisor's rows: {rows}")
overturn = [f for f in rows[1][2] if f["decision"] == "overturn"][0]
post(sup, dict(overturn, reason="录音中已核实地址"))
rows = added_rows(page(sup))
check([(c, s, len(f)) for c, s, f in rows] == [("态度冷淡", "复核补充", 0), ("未核实地址", "申诉成立（撤销）", 0)],
      f"the rows after the ruling: {rows}")
PY
"$zhijian" appeal --db z.db --agent A04 --call PS-007 --rule '' --reason '不冷淡' 2> err
[ $? = 2 ] && grep -qx "zhijian: call 'PS-007' has 2 findings of rule '': name the category (--category TEXT)" err ||
  fail "an appeal naming neither: $(cat err)"
"$zhijian" appeal --db z.db --agent A04 --call PS-007 --category 态度冷淡 --reason '不冷淡' > out 2> err ||
  fail "an appeal naming the category: $(cat err)"
grep -qx "appeal 5 filed" out || fail "appeal: $(cat out)"
[ "$(sqlite3 z.db "SELECT category FROM reviews WHERE id = 5")" = 态度冷淡 ] || fail "the CLI's appeal's category"
"$zhijian" appeal --db z.db --agent A04 --call PS-007 --category 未核实地址 --reason '再次申诉' 2> err
[ $? = 2 ] && grep -qx "zhijian: call 'PS-007': the finding of rule '' was withdrawn on appeal 3; there is nothing left to appeal" err ||
  fail "an appeal of the withdrawn one: $(cat err)"
"$zhijian" review status --db z.db --agent A04 > status.txt || fail "status"
grep -qx "PS-007	A04	100	100	合格	0	0	2	1" status.txt || fail "status: $(cat status.txt)"
echo ok
