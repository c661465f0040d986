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
# The speaker id of --agent-speaker is no path, format or number: masked
# however the option is spelled (=value, a separate value, an abbreviation);
# a --meta path is kept either way.
printf 'call_id,team\nPS-001,T1\n' > "$tmp/m.csv"
n=3
for spelling in "--agent-speaker=SPK-9" "--agent-speaker SPK-9" "--agent-sp SPK-9"; do
  # shellcheck disable=SC2086
  "$zhijian" score --db "$db" $spelling --meta "$tmp/m.csv" "$calls" >/dev/null 2>&1
  [ $? -le 1 ] || fail "score $spelling"
  masked=${spelling/SPK-9/***}
  [ "$(sqlite3 "$db" "SELECT argv FROM runs WHERE id = $n")" = \
    "zhijian score --db $db $masked --meta $tmp/m.csv $calls" ] ||
    fail "argv of $spelling: $(sqlite3 "$db" "SELECT argv FROM runs WHERE id = $n")"
  n=$((n + 1))
done
"$zhijian" score --db "$db" --meta="$tmp/m.csv" -j 1 --input-format native -- "$calls" >/dev/null 2>&1
[ "$(sqlite3 "$db" "SELECT argv FROM runs WHERE id = $n")" = \
  "zhijian score --db $db --meta=$tmp/m.csv -j 1 --input-format native -- $calls" ] ||
  fail "argv of paths and formats: $(sqlite3 "$db" "SELECT argv FROM runs WHERE id = $n")"
echo "runs_invocation: ok"
