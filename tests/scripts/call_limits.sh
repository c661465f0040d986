#!/usr/bin/env bash
# Bounded resources per call: a call with more turn text than
# --max-call-bytes (default 16 MiB) or more findings than --max-findings
# (default 10,000) is a rejected record with a clear message (exit 3), the
# rest of the batch is scored. A 60 MB call used to be scored in ~750 MB of
# memory per scoring thread (the normalized text and its code-point map).
set -u
export LC_ALL=C
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
rules=$src/tests/cases/0007-max-points-clamp/rules.yaml   # taboo.wei: 喂
ok='{"call_id":"ok","turns":[{"speaker":"agent","text":"您好"}]}'
{
  printf '%s\n' "$ok"
  printf '{"call_id":"three-hits","turns":[{"speaker":"agent","text":"喂，喂，喂"}]}\n'
  printf '{"call_id":"long","turns":[{"speaker":"agent","text":"%s"}]}\n' "$(printf '好%.0s' $(seq 400))"
} > "$tmp/c.jsonl"
"$zhijian" score --no-db --format jsonl --rules "$rules" --max-call-bytes 1000 --max-findings 2 "$tmp/c.jsonl" \
  > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc = 3 ] || fail "exit $rc, expected 3"
{
  echo "zhijian: $tmp/c.jsonl:2: call 'three-hits': more than 2 findings (--max-findings)"
  echo "zhijian: $tmp/c.jsonl:3: call 'long': 1200 bytes of text, more than the limit of 1000 (--max-call-bytes)"
} | diff -u - "$tmp/err" || fail "messages differ"
[ "$(grep -c '"call_id"' "$tmp/out")" = 1 ] && grep -q '"call_id":"ok"' "$tmp/out" || fail "the good call was not scored: $(cat "$tmp/out")"
"$zhijian" score --no-db --format jsonl --rules "$rules" --max-call-bytes 1200 --max-findings 3 "$tmp/c.jsonl" \
  > "$tmp/out" 2> "$tmp/err" || fail "at the limits: $(cat "$tmp/err")"
[ "$(grep -c '"call_id"' "$tmp/out")" = 3 ] || fail "calls at the limits were refused"

# The defaults: a call of 17 MB text is refused, and so is one of 10,001 hits.
{
  printf '{"call_id":"big","turns":[{"speaker":"customer","text":"'
  head -c 17000000 /dev/zero | tr '\0' 'a'
  printf '"}]}\n{"call_id":"dense","turns":[{"speaker":"agent","text":"'
  yes '喂，' | head -n 10001 | tr -d '\n'
  printf '"}]}\n'
  printf '%s\n' "$ok"
} > "$tmp/big.jsonl"
"$bin/../tools/bench/runstat" --keep-stdout "$zhijian" score --no-db --format jsonl --jobs 1 --rules "$rules" "$tmp/big.jsonl" \
  > "$tmp/out" 2> "$tmp/err"
read -r secs kib code _ < <(tail -1 "$tmp/err")
[ "$code" = 3 ] || fail "defaults: exit $code"
grep -qxF "zhijian: $tmp/big.jsonl:1: call 'big': 17000000 bytes of text, more than the limit of 16777216 (--max-call-bytes)" "$tmp/err" ||
  fail "default --max-call-bytes: $(head -3 "$tmp/err")"
grep -qxF "zhijian: $tmp/big.jsonl:2: call 'dense': more than 10000 findings (--max-findings)" "$tmp/err" ||
  fail "default --max-findings: $(head -3 "$tmp/err")"
grep -q '"call_id":"ok"' "$tmp/out" || fail "the call after the refused ones was not scored"
echo "ok: calls over --max-call-bytes / --max-findings rejected with their reason (peak RSS $((kib / 1024)) MiB)"
