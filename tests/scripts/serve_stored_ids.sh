#!/usr/bin/env bash
# The review pages' forms name the call as stored, not as shown (`zhijian
# serve`, docs/review.md). Calls whose ids hold a zero-width space, a bidi
# override, CR LF, a C0 and a C1 control, and HTML's and a URL's own
# characters; beside them a call whose id is the literal text `Q-1\u200b`
# (how the page shows the first one):
#  - the hidden call field of each page's forms, read as a browser reads it,
#    is the stored id, and the rejection sent with it is recorded on that
#    call and leads back to its page — none on the call named like the
#    first one's shown id;
#  - a call whose id holds a lone LF (a browser would send it as CR LF, so a
#    form would name another call) gets no forms, the page saying so;
#  - with chromium and python3-selenium: the same rejection clicked in the
#    browser on the zero-width-space and the CR LF calls.
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
fail() { echo "FAIL: $*"; exit 1; }
. "$src/tests/lib/serve_start.sh"
"$zhijian" serve --help > /dev/null 2>&1 || { echo "SKIP: zhijian built without serve"; exit 0; }
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
cat > ids.py << 'PY'
# The calls' ids; each call has 不知道 in turn 3 (taboo.02-bu-zhi-dao, 0-3)
# among its three findings.
IDS = ["Q-1\u200b", "R-2\u202e", "S-3\r\n4", "T-5\x01", "U-6\x85", "V-7&\"'<>+%#= ",
       "W-8\r\n9"]
LITERAL = "Q-1\\u200b"  # the first id as the page shows it
LONE_LF = "L-9\nx"
PY
python3 -c '
import json, sys
sys.path.insert(0, ".")
from ids import IDS, LITERAL, LONE_LF
turns = [{"speaker": "agent", "text": "您好，阳光物业客服中心，请问有什么可以帮您？"},
         {"speaker": "customer", "text": "电梯坏了"}, {"speaker": "agent", "text": "不知道"}]
for k, i in enumerate(IDS + [LITERAL, LONE_LF]):
    print(json.dumps({"call_id": i, "agent_id": "A01", "turns": turns,
                      "started_at": "2026-11-21T%02d:00:00+08:00" % (8 + k)}))' > calls.jsonl
"$zhijian" score --db z.db calls.jsonl > /dev/null 2>&1
[ $? -le 1 ] || fail "score"
[ "$(sqlite3 z.db 'SELECT count(*) FROM calls')" = 9 ] || fail "the calls were not all stored"
echo "张敏:inspector::$(echo pw-inspector | "$zhijian" serve --hash-password)" > users.txt || fail "hash"
serve_start

python3 - "$port" "$src/tests/scripts" z.db << 'PY' || fail "forms over HTTP"
import re, sqlite3, sys, urllib.parse
sys.path.insert(0, sys.argv[2])
sys.path.insert(0, ".")
from ids import IDS, LITERAL, LONE_LF
from serve_http import Server

server = Server(f"http://127.0.0.1:{sys.argv[1]}")
db = sqlite3.connect(sys.argv[3])


def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")


def attr(v):
    """An attribute value as a browser reads it (HTML's character
    references; a numeric one is the code point, a control too)."""
    named = {"amp": "&", "lt": "<", "gt": ">", "quot": '"'}
    return re.sub(r"&(#\d+|amp|lt|gt|quot);",
                  lambda m: chr(int(m[1][1:])) if m[1][0] == "#" else named[m[1]], v)


def forms(page):
    return [{n: attr(v) for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', f)}
            for f in re.findall(r'<form method="post" action="/act"[^>]*>(.*?)</form>', page, re.S)]


status, _, cookie, _ = server.login("张敏", "pw-inspector")
check(status == 303, f"login: {status}")
for i in IDS[:-1]:  # the last is left to the browser
    url = "/call?id=" + urllib.parse.quote(i, safe="")
    status, _, page = server.request("GET", url, cookie=cookie)
    check(status == 200, f"{i!r}: {status}")
    fs = forms(page)
    check(len(fs) == 7 and all(f["call"] == i for f in fs),
          f"{i!r}: the forms' call fields {[f.get('call') for f in fs]}")
    reject = [f for f in fs if f["action"] == "reject" and f["rule"] == "taboo.02-bu-zhi-dao"][0]
    check((reject["turn"], reject["span_start"], reject["span_end"]) == ("2", "0", "3"),
          f"{i!r}: the finding {reject}")
    status, headers, out = server.request("POST", "/act", dict(reject, note="驳回"), cookie)
    check((status, headers.get("Location")) == (303, url), f"reject {i!r}: {status} {headers} {out[-300:]}")
rows = db.execute("SELECT action, call_id, rule_id, turn, span_start, span_end FROM reviews ORDER BY id").fetchall()
check(rows == [("reject", i, "taboo.02-bu-zhi-dao", 2, 0, 3) for i in IDS[:-1]], f"stored: {rows}")

status, _, page = server.request("GET", "/call?id=" + urllib.parse.quote(LONE_LF, safe=""), cookie=cookie)
check(status == 200 and not forms(page), f"the lone LF call's page: {status} {forms(page)}")
check(page.count('<p class="no-form">浏览器表单无法原样提交含单独的回车或换行符的通话编号：'
                 '请用复核表（zhijian review import）或 zhijian appeal 命令</p>') == 1,
      "the lone LF call's page does not say why it has no forms")
PY

py=/usr/bin/python3 # Debian's python3-selenium
[ -x "$py" ] || py=python3
if command -v chromium > /dev/null && command -v chromedriver > /dev/null && "$py" -c "import selenium" 2> /dev/null; then
  "$py" - "$port" "$src/tests/scripts" << 'PY' || fail "forms in the browser"
import sys, urllib.parse
sys.path.insert(0, ".")
from ids import IDS
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

base = f"http://127.0.0.1:{sys.argv[1]}"
opts = Options()
opts.binary_location = "/usr/bin/chromium"
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]:
    opts.add_argument(a)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
driver.implicitly_wait(5)


def click(element):
    driver.execute_script("window.zjOldPage = true;")
    element.click()
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.readyState === 'complete' && !window.zjOldPage;"))


try:
    driver.get(base + "/login")
    driver.find_element(By.ID, "user").send_keys("张敏")
    driver.find_element(By.ID, "password").send_keys("pw-inspector")
    click(driver.find_element(By.ID, "login"))
    for i in ["W-8\r\n9"]:
        driver.get(base + "/call?id=" + urllib.parse.quote(i, safe=""))
        click(driver.find_element(By.CSS_SELECTOR, 'tr[data-rule="taboo.02-bu-zhi-dao"] button.reject'))
        state = driver.find_element(By.CSS_SELECTOR, 'tr[data-rule="taboo.02-bu-zhi-dao"] .state').text
        assert state == "已驳回", f"{i!r} after the click: {state} {driver.current_url}"
    driver.get(base + "/call?id=" + urllib.parse.quote(IDS[0], safe=""))
    click(driver.find_element(By.CSS_SELECTOR, 'tr[data-rule="taboo.02-bu-zhi-dao"] button.confirm'))
    state = driver.find_element(By.CSS_SELECTOR, 'tr[data-rule="taboo.02-bu-zhi-dao"] .state').text
    assert state == "已确认", f"{IDS[0]!r} after the click: {state}"
finally:
    driver.quit()
PY
  python3 - z.db << 'PY' || fail "what the browser recorded"
import sqlite3, sys
sys.path.insert(0, ".")
from ids import IDS
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT action, call_id FROM reviews WHERE id > ? ORDER BY id", (len(IDS) - 1,)).fetchall()
assert rows == [("reject", "W-8\r\n9"), ("confirm", IDS[0])], rows
PY
else
  echo "serve_stored_ids: no chromium, chromedriver or python3-selenium: the browser part is left out"
fi
kill -0 "$server" 2> /dev/null || fail "the server died"
echo ok
