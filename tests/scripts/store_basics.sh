#!/usr/bin/env bash
# The store keeps results by (call_id, rule-set sha256): re-scoring replaces, a
# changed rule set adds a second result set; unwritable or missing database
# directories, a full disk and a second writer fail cleanly with exit 2 and
# leave earlier results intact.
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${holder:-}" ] && kill "$holder" 2>/dev/null' EXIT
fail() { echo "FAIL: $*"; exit 1; }
calls=$src/corpus/calls
rules=$src/rules/property-service.yaml
db=$tmp/z.db
count() { sqlite3 "$db" "SELECT (SELECT count(*) FROM rulesets)||' '||(SELECT count(*) FROM calls)||' '||(SELECT count(*) FROM findings)||' '||(SELECT count(*) FROM turns)"; }

"$zhijian" score --db "$db" "$calls" >/dev/null 2>&1 || fail "first run"
first=$(count)
# corpus/calls holds two inputs, in path order.
size0=$(stat -c %s "$calls/2026-11-conversation.jsonl") size1=$(stat -c %s "$calls/2026-11.jsonl")
[ "$(sqlite3 "$db" "SELECT idx||' '||size||' '||watermark||' '||done FROM run_inputs ORDER BY idx")" = "0 $size0 $size0 1
1 $size1 $size1 1" ] ||
  fail "run_inputs should hold each input's size, its end as watermark, and done"
"$zhijian" score --db "$db" "$calls" >/dev/null 2>&1 || fail "second run"
[ "$(count)" = "$first" ] || fail "re-scoring changed row counts: $first -> $(count)"
[ "$(sqlite3 "$db" "SELECT count(*) FROM runs")" = 2 ] || fail "two runs expected"
# Results transactions do not enforce foreign keys; replacing a call removes
# its findings and transcript and updates its row in place (a recorded
# sample keeps its entries): no orphans, the same rows as after the first run.
"$zhijian" sample --n 5 --save --db "$db" >/dev/null 2>&1 || fail "sample"
[ "$(sqlite3 "$db" "SELECT count(*) FROM sample_calls")" = 5 ] || fail "sample not recorded"
findings_before=$(sqlite3 "$db" "SELECT c.call_id, f.seq, f.rule_id, f.outcome, f.points, f.turn, f.span_start, f.text FROM findings f JOIN calls c ON c.id = f.call_row ORDER BY 1, 2")
"$zhijian" score --db "$db" "$calls" >/dev/null 2>&1 || fail "third run"
[ "$(count)" = "$first" ] || fail "replacing changed row counts: $first -> $(count)"
[ "$(sqlite3 "$db" "SELECT count(*) FROM sample_calls")" = 5 ] || fail "sample entries of re-scored calls lost"
[ -z "$(sqlite3 "$db" "PRAGMA foreign_key_check")" ] || fail "orphans: $(sqlite3 "$db" "PRAGMA foreign_key_check" | head -3)"
[ "$(sqlite3 "$db" "SELECT c.call_id, f.seq, f.rule_id, f.outcome, f.points, f.turn, f.span_start, f.text FROM findings f JOIN calls c ON c.id = f.call_row ORDER BY 1, 2")" = "$findings_before" ] ||
  fail "replaced findings differ"

# A changed rule set (same version) keeps both result sets and warns.
sed 's/pass: 80/pass: 85/' "$rules" > "$tmp/changed.yaml"
cp -r "$(dirname "$rules")/models" "$tmp/" # its model rule's file, relative to it
"$zhijian" score --db "$db" --rules "$tmp/changed.yaml" "$calls" >/dev/null 2>"$tmp/err" || fail "changed run"
grep -q "rule set property-service@2026.1 changed but its version did not" "$tmp/err" || fail "no version warning"
set -- $first
[ "$(sqlite3 "$db" "SELECT count(*) FROM rulesets")" = 2 ] || fail "second rule set not stored"
[ "$(sqlite3 "$db" "SELECT count(*) FROM calls")" = $(( $2 * 2 )) ] || fail "second result set not stored"
[ "$(sqlite3 "$db" "PRAGMA integrity_check")" = ok ] || fail integrity
# name@version reaches the newest of the two (pass 85); the warning's
# sha256 prefix reaches the earlier one (pass 80), and too short a prefix is
# refused.
old_sha=$(sqlite3 "$db" "SELECT substr(sha256, 1, 12) FROM rulesets ORDER BY id LIMIT 1")
new_sha=$(sqlite3 "$db" "SELECT substr(sha256, 1, 12) FROM rulesets ORDER BY id DESC LIMIT 1")
grep -q "reports reach them with --ruleset sha256:$new_sha, property-service@2026.1 the newest" "$tmp/err" ||
  fail "the warning names no sha256 prefix: $(cat "$tmp/err")"
sha_of() { # the rule set a scorecard reports: the first 12 digits of its sha256
  "$zhijian" scorecard --db "$db" --ruleset "$1" --format json 2> "$tmp/err" |
    sed -n 's/^ *"sha256": *"\([0-9a-f]\{12\}\).*/\1/p' | head -1
}
[ "$(sha_of property-service@2026.1)" = "$new_sha" ] || fail "name@version does not reach the newest: $(cat "$tmp/err")"
[ "$(sha_of "sha256:$new_sha")" = "$new_sha" ] || fail "sha256:$new_sha: $(cat "$tmp/err")"
[ "$(sha_of "sha256:$old_sha")" = "$old_sha" ] || fail "sha256:$old_sha does not reach the earlier: $(cat "$tmp/err")"
"$zhijian" scorecard --db "$db" --ruleset sha256:abc > /dev/null 2>&1
[ $? -eq 2 ] || fail "a 3-digit sha256 prefix: exit 2 expected"

# Schemas v2 and v3 only dropped indexes, v4 added findings.fuzzy, v5
# findings.unit and v6 findings.quoted, columns readers do without, v7 the
# report aggregates (readers recompute without them), v8 a wider date index,
# v9 the review table and v10 sample decisions (readers see none without them),
# v11 the aggregates' lookup indexes, v12 the aggregates' offence columns:
# a reader uses a v1 file as it is, a writer migrates it (user_version 1 -> 14,
# indexes gone, the columns there, the aggregates built), results unchanged.
cp "$db" "$tmp/v1.db"
sqlite3 "$tmp/v1.db" "CREATE INDEX calls_agent ON calls (ruleset_id, agent_id, local_date);
  CREATE INDEX calls_team ON calls (ruleset_id, team, local_date);
  CREATE INDEX findings_rule ON findings (rule_id, outcome); ALTER TABLE findings DROP COLUMN fuzzy;
  ALTER TABLE findings DROP COLUMN unit; ALTER TABLE findings DROP COLUMN quoted;
  DROP TABLE agg_calls; DROP TABLE agg_rules; DROP INDEX calls_score; DROP INDEX calls_lot;
  DROP TABLE reviews; DROP TABLE sample_decisions; ALTER TABLE runs DROP COLUMN pid;
  ALTER TABLE runs DROP COLUMN pid_start; ALTER TABLE runs DROP COLUMN boot_id;
  ALTER TABLE runs DROP COLUMN pid_ns; ALTER TABLE runs DROP COLUMN host_key;
  ALTER TABLE runs DROP COLUMN redact; PRAGMA user_version = 1;"
"$zhijian" scorecard --db "$tmp/v1.db" >"$tmp/v1-card" || fail "scorecard of a v1 file"
"$zhijian" scorecard --db "$db" >"$tmp/v7-card" || fail "scorecard"
cmp -s "$tmp/v1-card" "$tmp/v7-card" || fail "a v1 file's scorecard (recomputed) differs from the aggregates'"
"$zhijian" show --db "$tmp/v1.db" PS-017 | grep -q "score 0  grade D  FAIL" || fail "reader of a v1 file"
[ "$(sqlite3 "$tmp/v1.db" "PRAGMA user_version")" = 1 ] || fail "a reader migrated the file"
"$zhijian" score --db "$tmp/v1.db" "$calls" >/dev/null 2>&1 || fail "writer on a v1 file"
[ "$(sqlite3 "$tmp/v1.db" "PRAGMA user_version")" = 14 ] || fail "v1 file not migrated"
[ "$(sqlite3 "$tmp/v1.db" "SELECT count(*) FROM pragma_table_info('runs') WHERE name IN ('pid', 'pid_start', 'boot_id', 'pid_ns', 'host_key')")" = 5 ] ||
  fail "v13 migration: the runs' process columns missing"
[ "$(sqlite3 "$tmp/v1.db" "SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'redact'")" = 1 ] ||
  fail "v14 migration: runs.redact missing"
[ "$(sqlite3 "$tmp/v1.db" "SELECT count(*) FROM sqlite_master WHERE name IN ('agg_calls_lookup', 'agg_rules_lookup')")" = 2 ] ||
  fail "v11 migration: the aggregates' lookup indexes missing"
sqlite3 "$tmp/v1.db" "SELECT sql FROM sqlite_master WHERE name = 'calls_date'" |
  grep -q "(ruleset_id, local_date, started_utc_ms, call_id)" || fail "v8 migration: calls_date not widened"
"$zhijian" db check --db "$tmp/v1.db" >/dev/null || fail "v12 migration: the aggregates built differ from a recomputation"
[ "$(sqlite3 "$tmp/v1.db" "SELECT count(*) FROM findings WHERE fuzzy = 0")" = "$(sqlite3 "$tmp/v1.db" "SELECT count(*) FROM findings")" ] ||
  fail "v4 migration: findings.fuzzy missing or not 0"
[ "$(sqlite3 "$tmp/v1.db" "SELECT count(*) FROM sqlite_master WHERE name IN ('calls_agent','calls_team','findings_rule')")" = 0 ] ||
  fail "v2 migration kept the indexes"
[ "$(sqlite3 "$tmp/v1.db" "SELECT count(*) FROM pragma_table_info('findings') WHERE name = 'quoted'")" = 1 ] ||
  fail "v4 migration did not add findings.quoted"
[ "$(sqlite3 "$tmp/v1.db" "SELECT count(*) FROM calls")" = $(( $2 * 2 )) ] || fail "migration changed the calls"
sqlite3 "$tmp/v1.db" "SELECT unit FROM findings LIMIT 1" >/dev/null || fail "v5 migration: no findings.unit"
[ "$(sqlite3 "$tmp/v1.db" "SELECT count(*) FROM findings WHERE quoted = 0")" = "$(sqlite3 "$tmp/v1.db" "SELECT count(*) FROM findings")" ] ||
  fail "v6 migration: findings.quoted missing or not 0"
sqlite3 "$tmp/v1.db" "PRAGMA user_version = 15"
"$zhijian" show --db "$tmp/v1.db" PS-017 >/dev/null 2>"$tmp/err" && fail "a newer schema was read"
grep -q "database schema version 15 is newer than this zhijian knows (14)" "$tmp/err" || fail "newer schema message: $(cat "$tmp/err")"

# show reads the newest rule set with results by default, or the one asked for.
"$zhijian" show --db "$db" PS-017 | grep -q "score 0  grade D  FAIL" || fail "show"
"$zhijian" show --db "$db" --ruleset property-service@2026.1 PS-001 --format json | grep -q '"score":100' || fail "show json"

# Missing or unwritable database directory: exit 2, a clear message, nothing scored.
"$zhijian" score --db /nonexistent-dir/z.db "$calls" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "missing directory should exit 2"
grep -q "zhijian: /nonexistent-dir/z.db: cannot open the database" "$tmp/err" || fail "message: $(cat "$tmp/err")"
"$zhijian" score --db /proc/z.db "$calls" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "unwritable directory should exit 2"
grep -q "zhijian: /proc/z.db: cannot open the database" "$tmp/err" || fail "message: $(cat "$tmp/err")"
if [ "$(id -u)" -ne 0 ]; then
  mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
  "$zhijian" score --db "$tmp/ro/z.db" "$calls" >/dev/null 2>&1
  [ $? -eq 2 ] || fail "read-only directory should exit 2"
fi

# A full disk: the failing batch is rolled back, earlier results stay intact.
before=$(count)
pages=$(sqlite3 "$db" "PRAGMA page_count")
"$bin/../tools/bench/gen_corpus" --calls 3000 --seed 9 > "$tmp/more.jsonl"
ZHIJIAN_TEST_MAX_PAGES=$((pages + 20)) "$zhijian" score --db "$db" "$tmp/more.jsonl" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "full disk should exit 2"
grep -q "disk or database full; the calls since the last commit were rolled back, committed results are intact" "$tmp/err" || fail "full message: $(cat "$tmp/err")"
[ "$(sqlite3 "$db" "PRAGMA integrity_check")" = ok ] || fail "integrity after full disk"
[ "$(sqlite3 "$db" "SELECT count(*) FROM calls WHERE call_id LIKE 'PS-%'")" = $(( $2 * 2 )) ] || fail "earlier calls lost"
[ "$(sqlite3 "$db" "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" = failed ] || fail "run not marked failed"

# Readers are not blocked while a run writes.
"$bin/../tools/bench/gen_corpus" --calls 20000 --seed 11 --id-prefix R > "$tmp/big.jsonl"
"$zhijian" score --jobs 1 --db "$db" "$tmp/big.jsonl" >/dev/null 2>&1 &
writer=$!
for _ in $(seq 1 2000); do
  [ "$(sqlite3 "$db" "SELECT count(*) FROM calls WHERE call_id LIKE 'R%'" 2>/dev/null || echo 0)" -gt 0 ] && break
  sleep 0.02
done
"$zhijian" scorecard --db "$db" --ruleset property-service@2026.1 >/dev/null 2>"$tmp/err" || fail "reader blocked during a run: $(cat "$tmp/err")"
"$zhijian" show --db "$db" PS-017 >/dev/null || fail "show during a run"
wait "$writer" || fail "the writer failed while being read"
[ "$(sqlite3 "$db" "SELECT count(*) FROM calls WHERE call_id LIKE 'R%'")" = 20000 ] || fail "writer incomplete"

# A second writer waits (busy timeout), then fails with a clear message. The
# holder keeps the lock far longer than the busy timeout (a slow ASan start-up
# must not reach the database after it let go) and is killed once checked.
# It waits for the lock itself (-cmd .timeout), stops at its first error
# (-bail), and marks $tmp/locked only once its INSERT holds the write lock:
# probing the lock from outside raced with the holder's own BEGIN IMMEDIATE,
# and a holder that lost that race slept without the lock.
( sqlite3 -bail -cmd ".timeout 30000" "$db" "BEGIN IMMEDIATE; INSERT INTO samples (ruleset_id, created_at, method, lot_size, sample_size, seed, filters) VALUES (1,'x','n',0,0,0,'{}');" ".shell touch $tmp/locked" ".shell sleep 60" "ROLLBACK;" >/dev/null 2>"$tmp/holder.err" ) &
holder=$!
for _ in $(seq 1 1500); do
  [ -e "$tmp/locked" ] && break
  kill -0 "$holder" 2>/dev/null || fail "the lock holder failed: $(cat "$tmp/holder.err")"
  sleep 0.02
done
[ -e "$tmp/locked" ] || fail "the lock holder did not take the lock in 30 s"
start=$(date +%s)
"$zhijian" score --db "$db" "$calls" >/dev/null 2>"$tmp/err"
code=$?
waited=$(( $(date +%s) - start ))
[ $code -eq 2 ] || fail "second writer should exit 2, got $code"
grep -q "locked by another writer" "$tmp/err" || fail "busy message: $(cat "$tmp/err")"
[ $waited -ge 4 ] || fail "did not wait for the lock (${waited}s)"
pkill -P "$holder" 2>/dev/null; kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; holder=
[ "$(sqlite3 "$db" "PRAGMA integrity_check")" = ok ] || fail "integrity after busy"
echo "ok: replace, second rule set, missing/unwritable dir, full disk, busy writer"
