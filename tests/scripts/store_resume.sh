#!/usr/bin/env bash
# A run killed with SIGKILL mid-way and then resumed ends with exactly the calls
# and findings of an uninterrupted run; the database stays consistent.
set -u
zhijian=$1 src=$2 bin=$3
gen=$bin/../tools/bench/gen_corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$gen" --calls 10000 --seed 5 > "$tmp/calls.jsonl" || fail "generator"
printf '%s\n' '{"call_id":"bad"' >> "$tmp/calls.jsonl"           # one rejected record
"$gen" --calls 2000 --seed 6 --id-prefix H >> "$tmp/calls.jsonl"

"$zhijian" score --db "$tmp/full.db" "$tmp/calls.jsonl" >/dev/null 2>&1
[ $? -eq 3 ] || fail "uninterrupted run should exit 3 (one rejected record)"

# Start a slow single-threaded run and kill it once some batches are committed.
"$zhijian" score --jobs 1 --commit-every 2000 --db "$tmp/killed.db" "$tmp/calls.jsonl" >/dev/null 2>&1 &
pid=$!
killed=0
for _ in $(seq 1 4000); do
  n=$(sqlite3 "$tmp/killed.db" "SELECT count(*) FROM calls" 2>/dev/null || echo 0)
  if [ "${n:-0}" -gt 0 ]; then kill -9 "$pid" 2>/dev/null && killed=1; break; fi
  sleep 0.01
done
wait "$pid" 2>/dev/null
[ $killed -eq 1 ] || fail "could not kill the run while it was writing"
before=$(sqlite3 "$tmp/killed.db" "SELECT count(*) FROM calls")
[ "$before" -lt 12000 ] || fail "the run finished before it was killed ($before calls)"
[ "$(sqlite3 "$tmp/killed.db" "PRAGMA integrity_check")" = ok ] || fail "integrity after kill"
"$zhijian" db check --db "$tmp/killed.db" >/dev/null || fail "report aggregates after kill differ from the committed calls"
wm=$(sqlite3 "$tmp/killed.db" "SELECT watermark FROM run_inputs")
[ "$wm" -gt 0 ] || fail "no watermark committed"
[ "$(sqlite3 "$tmp/killed.db" "SELECT done FROM run_inputs")" = 0 ] || fail "a killed run's input marked done"

# The same run recorded as failed (a full disk, a lock held too long) resumes
# the same way: it stopped at its last commit as a killed one does.
sqlite3 "$tmp/killed.db" "VACUUM INTO '$tmp/failed.db'" || fail "copy the killed store"
sqlite3 "$tmp/failed.db" "UPDATE runs SET status = 'failed'" || fail "mark the run failed"
"$zhijian" score --resume --db "$tmp/failed.db" "$tmp/calls.jsonl" >/dev/null 2>"$tmp/failed.err"
grep -q "starting afresh" "$tmp/failed.err" && fail "a failed run was not resumed: $(cat "$tmp/failed.err")"

"$zhijian" score --resume --db "$tmp/killed.db" "$tmp/calls.jsonl" >/dev/null 2>"$tmp/resume.err"
code=$?
[ "$(sqlite3 "$tmp/killed.db" "PRAGMA integrity_check")" = ok ] || fail "integrity after resume"
"$zhijian" db check --db "$tmp/killed.db" >/dev/null || fail "report aggregates after resume differ from a recomputation"
# The rejected record is rejected again after the watermark, or was before
# it: either way the run ends partial, as the uninterrupted one did.
[ $code -eq 3 ] || fail "resume exit code $code: $(cat "$tmp/resume.err")"

q_calls="SELECT call_id, agent_id, team, local_date, iso_week, score, passed, grade, fatal, n_turns FROM calls ORDER BY call_id"
q_findings="SELECT c.call_id, f.seq, f.rule_id, f.outcome, f.points, f.turn, f.span_start, f.span_end, f.text FROM findings f JOIN calls c ON c.id = f.call_row ORDER BY c.call_id, f.seq"
for db in killed failed; do
  for q in "$q_calls" "$q_findings"; do
    sqlite3 "$tmp/full.db" "$q" > "$tmp/a"
    sqlite3 "$tmp/$db.db" "$q" > "$tmp/b"
    cmp -s "$tmp/a" "$tmp/b" || { diff "$tmp/a" "$tmp/b" | head; fail "resumed $db run differs from the uninterrupted run"; }
  done
done
[ "$(sqlite3 "$tmp/failed.db" "SELECT status FROM runs ORDER BY id LIMIT 1")" = interrupted ] ||
  fail "the resumed failed run is not marked superseded"
[ "$(sqlite3 "$tmp/failed.db" "SELECT resumed_from FROM runs ORDER BY id DESC LIMIT 1")" = 1 ] ||
  fail "the new run does not name the failed one it resumed"
grep -q "no interrupted or failed run" "$tmp/resume.err" && fail "the killed run was not resumed"
[ "$(wc -l < "$tmp/a")" -gt 10000 ] || fail "too few findings compared"
[ "$(sqlite3 "$tmp/killed.db" "SELECT count(*) FROM calls")" = 12000 ] || fail "call count after resume"
[ "$(sqlite3 "$tmp/killed.db" "SELECT status FROM runs ORDER BY id")" = "$(printf 'interrupted\npartial')" ] ||
  fail "run statuses: $(sqlite3 "$tmp/killed.db" "SELECT status FROM runs ORDER BY id" | tr '\n' ' ')"

# A run stopped after its commit of line 2 (a rejected record, after a call
# with a phone number), scored with --redact: resumed without masking
# options it masks as the run it continues did, ends partial for the record
# rejected before the stop, and reports line 4 repeating line 1's call id
# across the stop; resumed with --no-redact it is refused.
p='{"call_id":"R%d","turns":[{"speaker":"customer","text":"我电话1391234567%d，水管漏了。"}]}\n'
{ printf "$p" 1 1; printf '%s\n' '{"call_id":"bad"'; printf "$p" 2 2; printf "$p" 1 3; } > "$tmp/pii.jsonl"
head -2 "$tmp/pii.jsonl" > "$tmp/pii-head.jsonl"
"$zhijian" score --redact --db "$tmp/pii.db" "$tmp/pii-head.jsonl" > /dev/null 2>&1
[ $? = 3 ] || fail "score --redact of the first two lines"
# What a stop after line 2 leaves: that run, over the whole file, unfinished.
mark=$(wc -c < "$tmp/pii-head.jsonl") size=$(wc -c < "$tmp/pii.jsonl")
head_sha=$(head -c 1048576 "$tmp/pii.jsonl" | sha256sum | cut -d' ' -f1)
sqlite3 "$tmp/pii.db" "UPDATE runs SET status = 'failed';
  UPDATE run_inputs SET path = '$tmp/pii.jsonl', watermark = $mark, done = 0, size = $size,
    sha256 = '$head_sha'; UPDATE calls SET input_path = '$tmp/pii.jsonl'" || fail "stop pii.db after line 2"
sqlite3 "$tmp/pii.db" "VACUUM INTO '$tmp/pii2.db'" && sqlite3 "$tmp/pii.db" "VACUUM INTO '$tmp/pii3.db'" ||
  fail "copy pii.db"
"$zhijian" score --resume --db "$tmp/pii2.db" --no-redact "$tmp/pii.jsonl" > /dev/null 2> "$tmp/err"
[ $? = 2 ] && grep -qxF "zhijian: score: run 1 masked phone,id_card,bank_card,email,address, this command masks none: resuming it so would store its calls masked in two ways; resume with --redact=phone,id_card,bank_card,email,address, or without masking options" "$tmp/err" ||
  fail "resume with other masking: $(cat "$tmp/err")"
"$zhijian" score --resume --db "$tmp/pii.db" "$tmp/pii.jsonl" > /dev/null 2> "$tmp/err"
code=$?
[ $code = 3 ] && grep -qxF "zhijian: warning: 1 records were rejected before the interruption (each reported then): the run ends partial, as it would have without one" "$tmp/err" &&
  grep -qxF "zhijian: $tmp/pii.jsonl:4: call 'R1' came before the interruption this run resumes, in $tmp/pii.jsonl; this later result replaces it" "$tmp/err" ||
  fail "resume of pii.db: exit $code: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/pii.db" "SELECT group_concat(call_id) FROM (SELECT call_id FROM calls ORDER BY call_id)")" = R1,R2 ] ||
  fail "pii.db calls: $(sqlite3 "$tmp/pii.db" "SELECT call_id FROM calls")"
[ "$(sqlite3 "$tmp/pii.db" "SELECT count(*) FROM turns WHERE instr(hex(data), hex('139123456'))")" = 0 ] ||
  fail "the resumed run stored a phone number in clear"
[ "$(sqlite3 "$tmp/pii.db" "SELECT group_concat(status || ':' || coalesce(redact, 'NULL')) FROM (SELECT * FROM runs ORDER BY id)")" = "interrupted:31,partial:31" ] ||
  fail "pii.db runs: $(sqlite3 "$tmp/pii.db" "SELECT status, redact FROM runs")"
# The same stop in a store of an older zhijian (schema 13), which kept no
# record of the masking: resuming without masking options is refused rather
# than guessed; with --redact it goes on, and records what it masked.
sqlite3 "$tmp/pii3.db" "ALTER TABLE runs DROP COLUMN redact; PRAGMA user_version = 13" || fail "make pii3.db v13"
"$zhijian" score --resume --db "$tmp/pii3.db" "$tmp/pii.jsonl" > /dev/null 2> "$tmp/err"
[ $? = 2 ] && grep -qxF "zhijian: score: run 1 did not record what it masked (an older zhijian): resume it with the masking options it was given (--redact[=LIST] or --no-redact; its command line is the runs table's argv)" "$tmp/err" ||
  fail "resume of a v13 store without masking options: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/pii3.db" "SELECT count(*) FROM turns WHERE instr(hex(data), hex('139123456'))")" = 0 ] ||
  fail "the refused resume stored a phone number in clear"
"$zhijian" score --resume --redact --db "$tmp/pii3.db" "$tmp/pii.jsonl" > /dev/null 2> "$tmp/err"
[ $? = 3 ] && [ "$(sqlite3 "$tmp/pii3.db" "SELECT count(*) FROM turns WHERE instr(hex(data), hex('139123456'))")" = 0 ] &&
  [ "$(sqlite3 "$tmp/pii3.db" "SELECT group_concat(coalesce(redact, 'NULL')) FROM (SELECT * FROM runs ORDER BY id)")" = "NULL,31" ] ||
  fail "resume --redact of a v13 store: $(cat "$tmp/err"; sqlite3 "$tmp/pii3.db" "SELECT id, status, redact FROM runs")"
# A chain of stops: run 1 stops after line 2 (a rejected record), run 2
# resumes it and stops after line 4 (another), run 3 resumes run 2. Run 3
# counts both rejected records and knows the call id run 1 stored.
c='{"call_id":"C%d","turns":[{"speaker":"agent","text":"您好，请讲。"}]}\n'
{ printf "$c" 1; printf '%s\n' '{"call_id":"bad"'; printf "$c" 2; printf '%s\n' '{"call_id":"bad2"'
  printf "$c" 3; printf "$c" 1; } > "$tmp/chain.jsonl"
head -2 "$tmp/chain.jsonl" > "$tmp/chain2.jsonl"; head -4 "$tmp/chain.jsonl" > "$tmp/chain4.jsonl"
stop_last_run() { # store, the part read, the whole input it was a part of
  local mark size sha
  mark=$(wc -c < "$2") size=$(wc -c < "$3") sha=$(head -c 1048576 "$3" | sha256sum | cut -d' ' -f1)
  sqlite3 "$1" "UPDATE runs SET status = 'failed' WHERE id = (SELECT max(id) FROM runs);
    UPDATE run_inputs SET path = '$3', watermark = $mark, done = 0, size = $size, sha256 = '$sha'
      WHERE run_id = (SELECT max(id) FROM runs);
    UPDATE calls SET input_path = '$3'" || fail "stop the last run of $1"
}
"$zhijian" score --db "$tmp/chain.db" "$tmp/chain2.jsonl" > /dev/null 2>&1
stop_last_run "$tmp/chain.db" "$tmp/chain2.jsonl" "$tmp/chain4.jsonl"
"$zhijian" score --resume --db "$tmp/chain.db" "$tmp/chain4.jsonl" > /dev/null 2>&1
[ $? = 3 ] || fail "resume of run 1"
stop_last_run "$tmp/chain.db" "$tmp/chain4.jsonl" "$tmp/chain.jsonl"
"$zhijian" score --resume --db "$tmp/chain.db" "$tmp/chain.jsonl" > /dev/null 2> "$tmp/err"
code=$?
[ $code = 3 ] && grep -qxF "zhijian: warning: 2 records were rejected before the interruption (each reported then): the run ends partial, as it would have without one" "$tmp/err" &&
  grep -qxF "zhijian: $tmp/chain.jsonl:6: call 'C1' came before the interruption this run resumes, in $tmp/chain.jsonl; this later result replaces it" "$tmp/err" ||
  fail "resume of a resumed run: exit $code: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/chain.db" "SELECT group_concat(x) FROM (SELECT status || ':' || coalesce(resumed_from, '-') AS x FROM runs ORDER BY id)")" = "interrupted:-,interrupted:1,partial:2" ] &&
  [ "$(sqlite3 "$tmp/chain.db" "SELECT group_concat(x) FROM (SELECT call_id || ':' || run_id AS x FROM calls ORDER BY call_id)")" = "C1:3,C2:2,C3:3" ] ||
  fail "chain.db: $(sqlite3 "$tmp/chain.db" "SELECT id, status, resumed_from FROM runs; SELECT call_id, run_id FROM calls")"
echo "ok: killed (or failed) after $before calls, resumed to 12000, identical calls and findings"
