#!/usr/bin/env bash
# Batch delivery: with 1, 2 and 4 scoring threads the JSONL output is the same
# bytes, in input order, with one call whose rendered result is over 1 MiB
# (its output buffer is then freed rather than kept) and one broken record
# among 20,000 calls; the broken record is reported with its line and the
# run exits 3.
set -u
export LC_ALL=C # byte lengths; grep must not take UTF-8 text for binary
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
rules=$src/rules/property-service.yaml

"$bin/../tools/bench/gen_corpus" --calls 20000 --seed 11 > "$tmp/gen.jsonl" || fail "gen_corpus"
taboo=$(printf '不知道。%.0s' $(seq 30000))
{
  head -n 7000 "$tmp/gen.jsonl"
  echo '{not json'
  printf '{"call_id":"HUGE","turns":[{"speaker":"agent","text":"%s","start_ms":0,"end_ms":9}]}\n' "$taboo"
  tail -n +7001 "$tmp/gen.jsonl"
} > "$tmp/c.jsonl"

for jobs in 1 2 4; do
  # 30,000 findings in one call: above the default --max-findings (10,000).
  "$zhijian" score --no-db --format jsonl --jobs "$jobs" --max-findings 100000 --rules "$rules" "$tmp/c.jsonl" \
    > "$tmp/out-$jobs.jsonl" 2> "$tmp/err-$jobs"
  code=$?
  [ "$code" = 3 ] || fail "--jobs $jobs exited $code, expected 3 (one rejected record)"
  grep -q "c.jsonl:7001: invalid JSON" "$tmp/err-$jobs" || fail "--jobs $jobs: no error for line 7001"
done
cmp -s "$tmp/out-1.jsonl" "$tmp/out-2.jsonl" || fail "--jobs 2 output differs from --jobs 1"
cmp -s "$tmp/out-1.jsonl" "$tmp/out-4.jsonl" || fail "--jobs 4 output differs from --jobs 1"

[ "$(wc -l < "$tmp/out-1.jsonl")" = 20001 ] || fail "expected 20001 result lines"
grep -o '^{"call_id":"[^"]*"' "$tmp/c.jsonl" > "$tmp/ids-in"
grep -o '^{"call_id":"[^"]*"' "$tmp/out-1.jsonl" > "$tmp/ids-out"
cmp -s "$tmp/ids-in" "$tmp/ids-out" || fail "results are not in input order"

huge=$(sed -n 7001p "$tmp/out-1.jsonl")
case $huge in '{"call_id":"HUGE",'*) ;; *) fail "line 7001 is not the huge call" ;; esac
[ "${#huge}" -gt 1048576 ] || fail "the huge call's result should exceed 1 MiB"
hits=$(grep -a -o '"rule":"taboo.02-bu-zhi-dao","kind":"forbidden","outcome":"hit"' <<< "$huge" | wc -l)
[ "$hits" = 30000 ] || fail "expected 30000 hits of taboo.02-bu-zhi-dao, got $hits"
echo "ok"
