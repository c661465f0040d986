#!/usr/bin/env bash
# A recorded sample is an audit record:
#  - re-scoring the sampled calls keeps its entries, pointing at the same
#    call ids (they used to be deleted while the sample row, size 8, stayed
#    and the report still cited it);
#  - `sample` while `score` re-scores the same calls in a loop never fails
#    (it failed with "FOREIGN KEY constraint failed" when a call row it had
#    read was replaced by a new one before it wrote its entries).
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${loop:-}" ] && kill "$loop" 2>/dev/null' EXIT
fail() { echo "FAIL: $*"; exit 1; }
db=$tmp/z.db
calls=$src/corpus/calls
"$zhijian" score --db "$db" "$calls" > /dev/null 2>&1 || fail "score"
"$zhijian" sample --n 8 --seed 7 --db "$db" --format csv > "$tmp/sample.csv" 2> "$tmp/err" || fail "sample: $(cat "$tmp/err")"
entries() {
  sqlite3 "$db" "SELECT s.id, s.sample_size, c.call_id, sc.agent_id FROM sample_calls sc
    JOIN samples s ON s.id = sc.sample_id JOIN calls c ON c.id = sc.call_row ORDER BY c.call_id"
}
before=$(entries)
[ "$(printf '%s\n' "$before" | wc -l)" = 8 ] || fail "the sample should hold 8 calls: $before"
# The calls the sample printed are the calls it recorded.
[ "$(tail -n +2 "$tmp/sample.csv" | cut -d, -f1 | tr -d '\r' | sort)" = "$(printf '%s\n' "$before" | cut -d'|' -f3)" ] ||
  fail "recorded calls differ from the printed sample"
"$zhijian" report --db "$db" > "$tmp/report1.md" 2>&1 || fail "report"

"$zhijian" score --db "$db" "$calls" > /dev/null 2>&1 || fail "re-score"
[ "$(entries)" = "$before" ] || fail "re-scoring changed the sample's entries: $(entries)"
[ -z "$(sqlite3 "$db" "PRAGMA foreign_key_check")" ] || fail "orphans after re-score"
"$zhijian" report --db "$db" > "$tmp/report2.md" 2>&1 || fail "report after re-score"
grep -q '另按 fixed n 抽取 8 通' "$tmp/report2.md" || fail "the report no longer cites the sample"
# A re-scored call keeps its row: the findings of a sampled call are there.
first=$(printf '%s\n' "$before" | head -n 1 | cut -d'|' -f3)
[ "$(sqlite3 "$db" "SELECT count(*) FROM findings f JOIN calls c ON c.id = f.call_row WHERE c.call_id = '$first'")" -gt 0 ] ||
  fail "the sampled call $first lost its findings"

# Concurrent: score re-scores 4,200 calls in small transactions while
# samples are drawn.
for i in $(seq 100); do
  sed "s/\"call_id\": \"PS-/\"call_id\": \"R$i-/" "$calls/2026-11.jsonl"
done > "$tmp/many.jsonl"
"$zhijian" score --db "$db" "$tmp/many.jsonl" > /dev/null 2>&1 || fail "score many"
( while :; do "$zhijian" score --db "$db" --commit-every 50 "$tmp/many.jsonl" > /dev/null 2>&1; done ) &
loop=$!
for i in $(seq 40); do
  "$zhijian" sample --n 50 --seed "$i" --db "$db" --format csv > /dev/null 2> "$tmp/err"
  rc=$?
  # A writer holding the lock past the busy timeout is a clean, retryable
  # refusal; any other failure is the bug.
  if [ $rc != 0 ] && ! grep -q 'locked' "$tmp/err"; then
    fail "sample $i during a score: exit $rc: $(cat "$tmp/err")"
  fi
done
kill "$loop"; wait "$loop" 2> /dev/null; loop=
[ -z "$(sqlite3 "$db" "PRAGMA foreign_key_check")" ] || fail "orphans after the concurrent runs"
[ "$(sqlite3 "$db" "SELECT count(*) FROM samples s WHERE sample_size != (SELECT count(*) FROM sample_calls sc WHERE sc.sample_id = s.id)")" = 0 ] ||
  fail "a recorded sample lost entries"
echo "ok: sample entries survive re-scoring; sampling during a score never fails"
