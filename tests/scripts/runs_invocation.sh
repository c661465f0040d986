#!/usr/bin/env bash
# The runs table records who ran zhijian and where only when asked: by default
# user_name and host are NULL and argv keeps the paths, formats and numbers of
# the command line; with --record-invocation it holds the user, the host and
# the command line verbatim.
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
db=$tmp/z.db
calls=$src/corpus/calls/2026-11.jsonl
rules=$src/rules/property-service.yaml

USER=zhangsan "$zhijian" score --rules "$rules" --db "$db" --jobs 2 --format=jsonl --redact=phone "$calls" \
  >/dev/null 2>&1 || fail "score"
[ "$(sqlite3 "$db" "SELECT quote(user_name)||' '||quote(host) FROM runs")" = "NULL NULL" ] ||
  fail "user or host recorded by default: $(sqlite3 "$db" "SELECT user_name, host FROM runs")"
[ "$(sqlite3 "$db" "SELECT argv FROM runs")" = \
  "zhijian score --rules $rules --db $db --jobs 2 --format=jsonl --redact=phone $calls" ] ||
  fail "argv: $(sqlite3 "$db" "SELECT argv FROM runs")"

USER=zhangsan "$zhijian" score --record-invocation --rules "$rules" --db "$db" "$calls" >/dev/null 2>&1 ||
  fail "score --record-invocation"
[ "$(sqlite3 "$db" "SELECT user_name||' '||host FROM runs WHERE id = 2")" = "zhangsan $(hostname)" ] ||
  fail "--record-invocation: $(sqlite3 "$db" "SELECT user_name, host FROM runs WHERE id = 2")"
[ "$(sqlite3 "$db" "SELECT argv FROM runs WHERE id = 2")" = \
  "zhijian score --record-invocation --rules $rules --db $db $calls" ] ||
  fail "argv with --record-invocation: $(sqlite3 "$db" "SELECT argv FROM runs WHERE id = 2")"
echo "runs_invocation: ok"
