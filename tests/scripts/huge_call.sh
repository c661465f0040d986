#!/usr/bin/env bash
# One call of 200,000 turns and one turn of 300,000 hits: exact findings and
# scores, the scorer's working memory does not grow with the turns (a per-turn
# buffer once made the 7 MB call take 590 MiB), and both calls can be stored
# and shown.
set -u
export LC_ALL=C
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
rules=$src/tests/cases/0007-max-points-clamp/rules.yaml   # taboo.wei: 10 points, capped at 25

{
  printf '{"call_id":"many-turns","turns":['
  yes '{"speaker":"agent","text":"喂"}' | head -n 200000 | paste -sd, | tr -d '\n'
  printf ']}\n{"call_id":"many-hits","turns":[{"speaker":"agent","text":"'
  yes '喂，' | head -n 300000 | tr -d '\n'
  printf '"}]}\n'
} > "$tmp/c.jsonl"

# 300,000 findings in one call: above the default --max-findings (10,000).
"$bin/../tools/bench/runstat" --keep-stdout "$zhijian" score --no-db --format jsonl --max-findings 1000000 --rules "$rules" "$tmp/c.jsonl" \
  > "$tmp/out.jsonl" 2> "$tmp/err" || fail "score exited $(tail -1 "$tmp/err")"
read -r secs kib code _ < <(tail -1 "$tmp/err")
[ "$code" = 0 ] || fail "exit code $code"
[ "$(wc -l < "$tmp/out.jsonl")" = 2 ] || fail "expected 2 result lines"

check() { # LINE CALL_ID HITS LAST_FINDING
  sed -n "$1p" "$tmp/out.jsonl" > "$tmp/line"
  head -c 200 "$tmp/line" | grep -q "^{\"call_id\":\"$2\",\"agent_id\":null,\"ruleset\":\"case-max@1\",\"score\":75," ||
    fail "$2: wrong head: $(head -c 120 "$tmp/line")"
  [ "$(grep -a -o '"rule":"taboo.wei"' "$tmp/line" | wc -l)" = "$3" ] || fail "$2: expected $3 hits"
  [ "$(grep -a -o '"points":-10' "$tmp/line" | wc -l)" = 2 ] || fail "$2: expected two full deductions"
  [ "$(grep -a -o '"points":-5' "$tmp/line" | wc -l)" = 1 ] || fail "$2: expected one capped deduction"
  [ "$(tail -c $((${#4} + 3)) "$tmp/line")" = "$4]}" ] || fail "$2: wrong last finding: $(tail -c 150 "$tmp/line")"
}
check 1 many-turns 200000 '"turn":199999,"speaker":"agent","span":[0,1],"text":"喂"}'
check 2 many-hits 300000 '"turn":0,"speaker":"agent","span":[599998,599999],"text":"喂"}'

# The same calls stored, then shown: every hit marked in the transcript and
# listed (both were quadratic in the findings: minutes for this call).
"$zhijian" score --db "$tmp/z.db" --max-findings 1000000 --rules "$rules" "$tmp/c.jsonl" >/dev/null 2>&1 || fail "score --db"
"$zhijian" show --db "$tmp/z.db" many-hits > "$tmp/show" || fail "show many-hits"
[ "$(grep -a -o '\[\[喂\]\]' "$tmp/show" | wc -l)" = 300000 ] || fail "show: expected 300000 marks"
[ "$(grep -a -c '^  hit      taboo.wei ' "$tmp/show")" = 300000 ] || fail "show: expected 300000 listed hits"
"$zhijian" show --db "$tmp/z.db" many-turns > "$tmp/show" || fail "show many-turns"
[ "$(grep -a -c '^[ 0-9]\{3,\} 坐席 *\[\[喂\]\]$' "$tmp/show")" = 200000 ] || fail "show: expected 200000 marked turns"

# AddressSanitizer's shadow memory and quarantine double the footprint: the
# bound holds for uninstrumented builds only.
if grep -qa __asan_init "$zhijian"; then
  echo "ok: peak RSS $((kib / 1024)) MiB (AddressSanitizer build: bound not checked)"
  exit 0
fi
[ "$kib" -lt $((256 * 1024)) ] || fail "peak RSS $((kib / 1024)) MiB for a 7 MB call"
echo "ok: peak RSS $((kib / 1024)) MiB"
