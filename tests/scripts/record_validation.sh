#!/usr/bin/env bash
# Records and arguments that used to be accepted with a wrong result:
#  - NUL in a speaker ("agent\u0000x" was read as agent), times beyond
#    10^12 ms, a call without turns (scored 95-100 as if real): rejected,
#    exit 3, each named FILE:LINE;
#  - a leap second 23:59:60 on 31 December stays in its year (it was stored
#    as 2027-01-01): read as :59.999;
#  - --from 2026-02-30 is not a date (exit 2);
#  - a regex that can match the empty string (\b, (?=x), (?<=a)) fails
#    `rules check` at FILE:LINE:COL.
set -u
zhijian=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat > "$tmp/rules.yaml" <<'YAML'
ruleset: v
version: "1"
rules:
  - id: polite.wait
    kind: required
    any: [请稍等]
    points: 5
YAML
cat > "$tmp/calls.jsonl" <<'JSONL'
{"call_id":"ok","started_at":"2026-12-31T23:59:60+08:00","turns":[{"speaker":"agent","text":"请稍等","start_ms":0,"end_ms":100}]}
{"call_id":"nul-speaker","turns":[{"speaker":"agent\u0000x","text":"请稍等"}]}
{"call_id":"huge","turns":[{"speaker":"agent","text":"请稍等","start_ms":9223372036854775807,"end_ms":9223372036854775807}]}
{"call_id":"huge-ring","ring_ms":1000000000001,"turns":[{"speaker":"agent","text":"请稍等"}]}
{"call_id":"empty","turns":[]}
{"call_id":"empty-spaced", "turns" : [ ] }
JSONL
"$zhijian" score --db "$tmp/z.db" --rules "$tmp/rules.yaml" "$tmp/calls.jsonl" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc = 3 ] || fail "exit $rc, expected 3: $(cat "$tmp/err")"
{
  echo "zhijian: $tmp/calls.jsonl:2: turn 0: 'speaker' contains a NUL character"
  echo "zhijian: $tmp/calls.jsonl:3: turn 0: 'start_ms' is out of range (at most 1000000000000 ms)"
  echo "zhijian: $tmp/calls.jsonl:4: 'ring_ms' is out of range (at most 1000000000000 ms)"
  echo "zhijian: $tmp/calls.jsonl:5: 'turns' is empty: a call without turns cannot be scored"
  echo "zhijian: $tmp/calls.jsonl:6: 'turns' is empty: a call without turns cannot be scored"
} > "$tmp/want_err"
grep -v '^zhijian: scored' "$tmp/err" | diff -u "$tmp/want_err" - || fail "rejections differ"
[ "$(sqlite3 "$tmp/z.db" "SELECT call_id||' '||started_utc_ms||' '||local_date||' '||iso_week FROM calls")" = \
  "ok 1798732799999 2026-12-31 2026-W53" ] ||
  fail "stored calls: $(sqlite3 "$tmp/z.db" "SELECT call_id, started_utc_ms, local_date FROM calls")"

for d in 2026-02-30 2026-02-29 2026-04-31 2026-13-01 2026-1-01 2026-01-01x; do
  "$zhijian" scorecard --db "$tmp/z.db" --from "$d" > /dev/null 2> "$tmp/err"
  rc=$?
  [ $rc = 2 ] || fail "--from $d: exit $rc, expected 2"
  grep -qF "scorecard: --from: expected a calendar date YYYY-MM-DD, got '$d'" "$tmp/err" ||
    fail "--from $d: $(cat "$tmp/err")"
done
"$zhijian" scorecard --db "$tmp/z.db" --from 2024-02-29 --to 2026-12-31 > /dev/null 2> "$tmp/err" ||
  fail "--from 2024-02-29 (a leap day) refused: $(cat "$tmp/err")"

for re in '\\b' '(?=x)' '(?<=a)' 'x|\\b'; do
  printf 'ruleset: e\nversion: "1"\nrules:\n  - id: r\n    kind: forbidden\n    clause: x\n    regex: ["%s"]\n' \
    "$re" > "$tmp/re.yaml"
  "$zhijian" rules check "$tmp/re.yaml" > "$tmp/out" 2>&1
  rc=$?
  [ $rc = 1 ] || fail "rules check of regex $re: exit $rc, expected 1: $(cat "$tmp/out")"
  grep -qF "$tmp/re.yaml:7:13: pattern can match the empty string" "$tmp/out" ||
    fail "rules check of regex $re: $(cat "$tmp/out")"
done
echo "ok: NUL speaker, out-of-range times and empty calls rejected; leap second kept in its year; calendar dates; empty-match regexes refused"
