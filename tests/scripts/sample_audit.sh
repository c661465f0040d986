#!/usr/bin/env bash
# A recorded sample is an audit record:
#  - `sample` without --save is a preview that writes nothing; --save records
#    it under an id, and `report --sample ID` cites exactly that sample;
#  - filters that select no call are an error (exit 2), never a report over
#    zero calls;
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
# A preview writes nothing and draws what --save then records.
"$zhijian" sample --n 8 --seed 7 --db "$db" --format csv > "$tmp/preview.csv" 2> "$tmp/err" || fail "preview: $(cat "$tmp/err")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM samples")" = 0 ] || fail "a preview wrote a sample"
"$zhijian" sample --n 8 --seed 7 --db "$db" > "$tmp/preview.txt" 2>&1 || fail "preview (text)"
grep -q '预览，未保存（加 --save 保存并获得抽样编号）' "$tmp/preview.txt" || fail "the preview does not say so: $(head -3 "$tmp/preview.txt")"
"$zhijian" sample --n 8 --seed 7 --save --db "$db" --format csv > "$tmp/sample.csv" 2> "$tmp/err" || fail "sample: $(cat "$tmp/err")"
cmp -s "$tmp/preview.csv" "$tmp/sample.csv" || fail "the saved sample differs from its preview"
"$zhijian" sample --n 8 --seed 7 --save --db "$db" > "$tmp/saved.txt" 2>&1 || fail "sample --save (text)"
grep -q '抽样编号 2（已保存，报告用 --sample 2 引用）' "$tmp/saved.txt" || fail "no sample id printed: $(head -3 "$tmp/saved.txt")"
sqlite3 "$db" "DELETE FROM sample_calls WHERE sample_id = 2; DELETE FROM samples WHERE id = 2"
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
grep -q '本报告未引用人工复核抽样' "$tmp/report1.md" || fail "a report without --sample cites a sample"
"$zhijian" report --db "$db" --sample 99 > "$tmp/out" 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q 'no sample 99 was saved for this rule set' "$tmp/err" || fail "report --sample 99: exit $rc: $(cat "$tmp/err")"
for cmd in "scorecard --agent NOPE" "scorecard --by team --team NOPE --format json" \
           "report --team NOPE" "report --from 2030-01-01 --format html" "sample --n 3 --agent NOPE"; do
  "$zhijian" $cmd --db "$db" > "$tmp/out" 2> "$tmp/err"; rc=$?
  [ $rc = 2 ] && [ ! -s "$tmp/out" ] || fail "$cmd: exit $rc, expected 2 and no output"
  grep -q '^zhijian: no scored calls' "$tmp/err" || fail "$cmd: $(cat "$tmp/err")"
done
grep -qx 'zhijian: no scored calls of rule set property-service@2026.1 match the filters --agent NOPE: no scorecard written' \
  <("$zhijian" scorecard --agent NOPE --db "$db" 2>&1) || fail "the empty-filter message"

"$zhijian" score --db "$db" "$calls" > /dev/null 2>&1 || fail "re-score"
[ "$(entries)" = "$before" ] || fail "re-scoring changed the sample's entries: $(entries)"
[ -z "$(sqlite3 "$db" "PRAGMA foreign_key_check")" ] || fail "orphans after re-score"
"$zhijian" report --db "$db" --sample 1 > "$tmp/report2.md" 2>&1 || fail "report after re-score"
grep -q '另引用抽样编号 1：按固定样本量从批量 49 通中抽取 8 通供人工复核' "$tmp/report2.md" || fail "the report no longer cites the sample"
# The sampled calls are named, the ones the sample printed.
listed=$(grep -o '样本通话（共 8 通）：[^。]*' "$tmp/report2.md" | sed 's/.*：//; s/、/\n/g' | sort)
[ "$listed" = "$(printf '%s\n' "$before" | cut -d'|' -f3)" ] || fail "the report lists other calls: $listed"
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
# The loop ends after the run in progress once stop exists, so the checks
# below read a store no writer holds (killing the loop alone left its score
# running, and the sqlite3 shell, which does not wait for locks, then read
# nothing).
( while [ ! -e "$tmp/stop" ]; do "$zhijian" score --db "$db" --commit-every 50 "$tmp/many.jsonl" > /dev/null 2>&1; done ) &
loop=$!
for i in $(seq 40); do
  "$zhijian" sample --n 50 --seed "$i" --save --db "$db" --format csv > /dev/null 2> "$tmp/err"
  rc=$?
  # A writer holding the lock past the busy timeout is a clean, retryable
  # refusal; any other failure is the bug.
  if [ $rc != 0 ] && ! grep -q 'locked' "$tmp/err"; then
    fail "sample $i during a score: exit $rc: $(cat "$tmp/err")"
  fi
done
touch "$tmp/stop"; wait "$loop" 2> /dev/null; loop=
[ -z "$(sqlite3 "$db" "PRAGMA foreign_key_check")" ] || fail "orphans after the concurrent runs"
[ "$(sqlite3 "$db" "SELECT count(*) FROM samples s WHERE sample_size != (SELECT count(*) FROM sample_calls sc WHERE sc.sample_id = s.id)")" = 0 ] ||
  fail "a recorded sample lost entries"
echo "ok: sample entries survive re-scoring; sampling during a score never fails"
