#!/usr/bin/env bash
# The cookies of `zhijian serve` (docs/review.md): HttpOnly and
# SameSite=Strict always; Secure with --secure-cookies (behind a TLS proxy),
# on the login form's cookie (zj_login, for /login only), the session cookie
# set at login and the one ending the session at logout; not without it (plain HTTP on 127.0.0.1 must keep
# working). --help names the option with an example.
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
fail() { echo "FAIL: $*"; exit 1; }
. "$src/tests/lib/serve_start.sh"
"$zhijian" serve --help > /dev/null 2>&1 || { echo "SKIP: zhijian built without serve"; exit 0; }
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$zhijian" serve --help > help.txt 2>&1 || fail "--help"
grep -q "^  --secure-cookies     mark the session cookie Secure" help.txt &&
  grep -q "^  zhijian serve --db out/zhijian.db --users users.txt --secure-cookies$" help.txt ||
  fail "--help: $(cat help.txt)"
"$zhijian" score --db z.db "$src/corpus/calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score"
echo "张敏:inspector::$(echo pw-inspector | "$zhijian" serve --hash-password)" > users.txt || fail "hash"

# The Set-Cookie headers of the login form, a login and a logout, into $1.
cookies() {
  local port out=$1
  shift
  serve_start "$@"
  python3 - "$port" "$src/tests/scripts" > "$out" << 'PY' || fail "cookies $*: $(cat "$out")"
import re, sys
sys.path.insert(0, sys.argv[2])
from serve_http import Server

server = Server(f"http://127.0.0.1:{sys.argv[1]}")
_, headers, _ = server.request("GET", "/login")
print(re.sub("=[0-9a-f]{64};", "=ID;", headers["Set-Cookie"]))
status, set_cookie, cookie, csrf = server.login("张敏", "pw-inspector")
assert status == 303 and csrf, status
print(re.sub("=[0-9a-f]{64};", "=ID;", set_cookie))
status, headers, _ = server.request("POST", "/logout", {"csrf": csrf}, cookie)
assert status == 303, status
print(headers["Set-Cookie"])
PY
  kill -TERM "$server"
  wait "$server"
  server=
}

cookies plain.txt
printf '%s\n' "zj_login=ID; HttpOnly; SameSite=Strict; Path=/login" \
  "zj_session=ID; HttpOnly; SameSite=Strict; Path=/" \
  "zj_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0" > want.txt
diff want.txt plain.txt || fail "cookies without --secure-cookies"
cookies secure.txt --secure-cookies
printf '%s\n' "zj_login=ID; HttpOnly; SameSite=Strict; Path=/login; Secure" \
  "zj_session=ID; HttpOnly; SameSite=Strict; Path=/; Secure" \
  "zj_session=; HttpOnly; SameSite=Strict; Path=/; Secure; Max-Age=0" > want.txt
diff want.txt secure.txt || fail "cookies with --secure-cookies"
echo ok
