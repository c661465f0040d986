#!/usr/bin/env bash
# The review app's pages read one snapshot of the store, as the CLI's
# readers do (store_snapshot.sh): a call page stopped between its reads
# (test hook ZHIJIAN_TEST_READ_PAUSE) while a score run replaces the call
# shows the call as it was when the page began, never one version's
# findings beside the other's transcript.
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
fail() { echo "FAIL: $*"; exit 1; }
. "$src/tests/lib/serve_start.sh"
"$zhijian" serve --help > /dev/null 2>&1 || { echo "SKIP: zhijian built without serve"; exit 0; }
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
python3 - "$src/corpus/calls/2026-11.jsonl" << 'PY' || fail "inputs"
import json, sys
calls = {c["call_id"]: c for c in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
for name, cid in (("a.jsonl", "PS-017"), ("b.jsonl", "PS-001")):
    open(name, "w", encoding="utf-8").write(json.dumps(dict(calls[cid], call_id="SAME"), ensure_ascii=False) + "\n")
PY
"$zhijian" score --db z.db a.jsonl > /dev/null 2>&1; [ $? -le 1 ] || fail "score a"
echo "张敏:inspector::$(echo pw | "$zhijian" serve --hash-password)" > users.txt || fail "users"
mkdir pause
serve_start ZHIJIAN_TEST_READ_PAUSE=$tmp/pause
python3 - "$port" "$src/tests/scripts" "$zhijian" << 'PY' || fail "call page"
import os, subprocess, sys, threading, time
sys.path.insert(0, sys.argv[2])
from serve_http import Server

server = Server(f"http://127.0.0.1:{sys.argv[1]}")
status, _, cookie, _ = server.login("张敏", "pw")
if status != 303:
    sys.exit(f"FAIL: login {status}")
page = {}
reader = threading.Thread(target=lambda: page.update(r=server.request("GET", "/call?id=SAME", cookie=cookie)))
reader.start()
for _ in range(600):
    if os.path.exists("pause/reached"):
        break
    time.sleep(0.05)
else:
    sys.exit("FAIL: the page never reached its pause")
w = subprocess.run([sys.argv[3], "score", "--db", "z.db", "b.jsonl"], capture_output=True, text=True)
if w.returncode > 1:
    sys.exit(f"FAIL: the write: {w.stderr}")
open("pause/go", "w").close()
reader.join()
status, _, html = page["r"]
if status != 200:
    sys.exit(f"FAIL: call page {status}")
# Version a (PS-017): 哪个？他不在。 and its fatal taboo; version b (PS-001):
# 卫生间水管漏水.
if "他不在" not in html or "卫生间水管漏水" in html:
    sys.exit("FAIL: the page mixed two versions of the call: "
             f"a's turn {'他不在' in html}, b's turn {'卫生间水管漏水' in html}")
status, _, html = server.request("GET", "/call?id=SAME", cookie=cookie)
if "卫生间水管漏水" not in html:
    sys.exit("FAIL: the next page does not show the new version")
PY
echo "ok: the call page reads one snapshot while a score run replaces the call"
