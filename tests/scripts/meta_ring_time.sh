#!/usr/bin/env bash
# --meta ring times are read in the unit their column gives, never guessed:
# ring_ms (and 振铃时长ms, 振铃时长(毫秒)) count milliseconds, 振铃时长(秒)
# (and 振铃时长s) seconds, and a bare 振铃时长 — under which CRM exports
# write seconds (21) and telephony logs milliseconds — takes a cell with its
# unit (21秒, 21s, 20.5 秒, 21000ms) and refuses a bare number at its line,
# rather than read a 21 s ring as 21 ms and pass the answer-time rule.
set -u
zhijian=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
printf '%s\n' '{"call_id":"M1","turns":[{"speaker":"agent","text":"您好。"}]}' \
  '{"call_id":"M2","turns":[{"speaker":"agent","text":"您好。"}]}' \
  '{"call_id":"M3","turns":[{"speaker":"agent","text":"您好。"}]}' \
  '{"call_id":"M4","turns":[{"speaker":"agent","text":"您好。"}]}' > "$tmp/calls.jsonl"
printf 'ruleset: ring\nversion: "1"\nrules:\n  - id: phone.answer-time\n    kind: metric\n    metric: answer_time\n    max_seconds: 15\n    points: 5\n' > "$tmp/rules.yaml"
# "call: outcome value unit" of phone.answer-time, one a line
answer_time() {
  "$zhijian" score --no-db --format jsonl --rules "$tmp/rules.yaml" --meta "$1" "$tmp/calls.jsonl" 2> "$tmp/err" |
    python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    for f in d["findings"]:
        if f["rule"] == "phone.answer-time":
            print(d["call_id"] + ":", f["outcome"], f.get("value"), f.get("unit"))'
}
printf '通话ID,振铃时长\nM1,21秒\nM2,21s\nM3, 20.5 秒\nM4,4000ms\n' > "$tmp/units.csv"
answer_time "$tmp/units.csv" > "$tmp/out"
cat > "$tmp/want" <<'WANT'
M1: hit 21000 ms
M2: hit 21000 ms
M3: hit 20500 ms
M4: met 4000 ms
WANT
diff -u "$tmp/want" "$tmp/out" || fail "振铃时长 with a unit in each cell: $(cat "$tmp/err")"
printf '通话ID,振铃时长(秒)\nM1,21\nM2,20.5\nM3,3\nM4,0\n' > "$tmp/seconds.csv"
answer_time "$tmp/seconds.csv" > "$tmp/out"
cat > "$tmp/want" <<'WANT'
M1: hit 21000 ms
M2: hit 20500 ms
M3: met 3000 ms
M4: met 0 ms
WANT
diff -u "$tmp/want" "$tmp/out" || fail "振铃时长(秒): $(cat "$tmp/err")"
printf 'call_id,ring_ms\nM1,21\nM2,21000\nM3,15000\nM4,15001\n' > "$tmp/ms.csv"
answer_time "$tmp/ms.csv" > "$tmp/out"
cat > "$tmp/want" <<'WANT'
M1: met 21 ms
M2: hit 21000 ms
M3: met 15000 ms
M4: hit 15001 ms
WANT
diff -u "$tmp/want" "$tmp/out" || fail "ring_ms: $(cat "$tmp/err")"
# A bare number under the bare header: refused at its line, nothing scored.
check_refused() { # csv, expected message
  "$zhijian" score --no-db --format jsonl --rules "$tmp/rules.yaml" --meta "$1" "$tmp/calls.jsonl" > "$tmp/out" 2> "$tmp/err"
  code=$?
  [ $code = 2 ] || fail "$(basename "$1"): exit $code, expected 2"
  [ ! -s "$tmp/out" ] || fail "$(basename "$1"): calls were scored: $(head -1 "$tmp/out")"
  [ "$(cat "$tmp/err")" = "$2" ] || fail "$(basename "$1"): stderr: $(cat "$tmp/err")"
}
printf '通话ID,振铃时长\nM1,21秒\nM2,21\n' > "$tmp/bare.csv"
check_refused "$tmp/bare.csv" "zhijian: $tmp/bare.csv:3: 振铃时长 '21' has no unit: seconds (what CRM exports write) or milliseconds cannot be told; write 21秒 or 21ms, or name the column 振铃时长(秒) or ring_ms"
printf '通话ID,振铃时长\nM1,21分\n' > "$tmp/minutes.csv"
check_refused "$tmp/minutes.csv" "zhijian: $tmp/minutes.csv:2: 振铃时长 '21分' is not a ring time with its unit (21秒, 21s, 21000ms)"
printf '通话ID,振铃时长(秒)\nM1,21s\n' > "$tmp/double.csv"
check_refused "$tmp/double.csv" "zhijian: $tmp/double.csv:2: 振铃时长(秒) '21s' is not a number of seconds (21, 20.5)"
printf '通话ID,振铃时长ms,振铃时长(秒)\nM1,21000,21\n' > "$tmp/two.csv"
check_refused "$tmp/two.csv" "zhijian: $tmp/two.csv:1: columns '振铃时长ms' and '振铃时长(秒)' mean the same (ring_ms|振铃时长ms|振铃时长(毫秒)|振铃时长（毫秒）|振铃时长(秒)|振铃时长（秒）|振铃时长s|振铃时长): which one holds the value cannot be told; keep one"
echo "ok: ring times in the unit their column or cell gives"
