#!/usr/bin/env bash
# tools/zhijian-dask into a shared PostgreSQL store, on a Dask LocalCluster of
# 2 workers and a throwaway PostgreSQL cluster (tests/lib/pg_cluster.sh).
# The same generated calls (ZJ_DASK_PG_CALLS, 10,000 here;
# tools/scripts/scale_check.sh runs 100,000) with bad records among them are scored
#  (a) by one `zhijian score` process into SQLite and
#  (b) by the runner, one worker killed in its first task, into PostgreSQL:
# the stored calls and findings are the same row for row, the scorecards (by
# agent and by team) and the audit report's JSON are byte for byte the same,
# and the runner reports the same rejected FILE:LINE records. Two runners on
# the same inputs at once into one store end with each call once.
set -u
zhijian=$(realpath "$1") src=$(realpath "$2") bin=$(realpath "$3")
gen=$bin/../tools/bench/gen_corpus
. "$src/tests/lib/pg_cluster.sh"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d)
[ "$(id -u)" = 0 ] && chmod 755 "$tmp"
trap 'pg_stop; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
if [ -z "$pg_bin" ] || ! command -v psql > /dev/null || ! "$py" -c 'import distributed' 2> /dev/null; then
  [ "${ZJ_REQUIRE_POSTGRES:-0}" = 1 ] && fail "PostgreSQL or python3-distributed is not installed"
  echo "SKIP: PostgreSQL (initdb, psql) or python3-distributed not installed"
  exit 0
fi
pg_start "$tmp" || fail "cannot start PostgreSQL"
cd "$tmp" || fail "cd"
calls=${ZJ_DASK_PG_CALLS:-10000}
runner=$src/tools/zhijian-dask

"$gen" --calls "$calls" --seed 41 > gen.jsonl || fail "gen_corpus"
awk 'NR == 7 { print "{not json" } NR == 5001 { print "{\"call_id\":\"NO-TURNS\"}" } { print }' \
  gen.jsonl > in.jsonl
s0=$(date +%s.%N)
"$zhijian" score --db lite.db in.jsonl > lite.out 2> lite.err
[ $? = 3 ] || fail "one process: $(tail -2 lite.err)"
s1=$(date +%s.%N)
grep '^zhijian: in.jsonl:' lite.err > lite.rejected
[ "$(wc -l < lite.rejected)" = 2 ] || fail "rejected by one process: $(cat lite.rejected)"

url=$PG_URL
t0=$(date +%s.%N)
ZHIJIAN_DASK_TEST_KILL_WORKER=$tmp/killed "$py" "$runner" --zhijian "$zhijian" --workers 2 \
  --partition-size 1M --db "$url" in.jsonl > run.out 2> run.err
rc=$?
t1=$(date +%s.%N)
[ $rc = 3 ] || fail "runner exit $rc: $(tail -3 run.err)"
[ -e killed ] || fail "no worker was killed"
grep -qE "^zhijian-dask: scored $calls calls, rejected 2, in [0-9]+ partitions, .*; results in $url; run ids: [0-9]" run.err ||
  fail "summary: $(tail -1 run.err)"
grep '^zhijian: in.jsonl:' run.err > run.rejected
cmp -s lite.rejected run.rejected || fail "rejected records: $(diff lite.rejected run.rejected)"

dump='SELECT c.call_id, c.agent_id, c.team, c.local_date, c.score, c.grade, c.passed, c.fatal,
  c.n_turns, f.seq, f.rule_id, f.outcome, f.points, f.turn, f.span_start, f.span_end, f.text,
  f.fatal, f.quoted, f.fuzzy FROM calls c LEFT JOIN findings f ON f.call_row = c.id
  ORDER BY c.call_id, f.seq'
sqlite3 lite.db "$dump" > lite.rows || fail "dump SQLite"
pg_psql -c "$dump" zj > pg.rows || fail "dump PostgreSQL"
[ "$(sqlite3 lite.db "SELECT count(*) FROM calls")" = "$calls" ] || fail "SQLite calls"
cmp -s lite.rows pg.rows || fail "stored rows differ: $(diff lite.rows pg.rows | head -4)"
[ "$(pg_psql -c 'SELECT count(*) - count(DISTINCT call_id) FROM calls' zj)" = 0 ] ||
  fail "a call stored twice"
for args in "scorecard --format json" "scorecard --by team --format json" "report --format json"; do
  # shellcheck disable=SC2086
  "$zhijian" $args --db lite.db > a.json 2> a.err || fail "$args (SQLite): $(cat a.err)"
  # shellcheck disable=SC2086
  "$zhijian" $args --db "$url" > b.json 2> b.err || fail "$args (PostgreSQL): $(cat b.err)"
  sed -i "s#$url#DB#g" b.json
  sed -i "s#lite\.db#DB#g" a.json
  cmp -s a.json b.json || fail "$args differs: $(diff a.json b.json | head -4)"
done
"$zhijian" db check --db "$url" > /dev/null 2>&1 || fail "aggregates after the runner"

# Two runners at once, same inputs, one store.
both=$(pg_createdb both) || fail "createdb"
"$py" "$runner" --zhijian "$zhijian" --workers 1 --partition-size 2M --db "$both" gen.jsonl \
  > r1.out 2> r1.err &
p1=$!
"$py" "$runner" --zhijian "$zhijian" --workers 1 --partition-size 3M --db "$both" gen.jsonl \
  > r2.out 2> r2.err &
p2=$!
wait $p1 || fail "runner 1: $(tail -2 r1.err)"
wait $p2 || fail "runner 2: $(tail -2 r2.err)"
[ "$(pg_psql -c 'SELECT count(*), count(DISTINCT call_id) FROM calls' both)" = "$calls|$calls" ] ||
  fail "two runners: $(pg_psql -c 'SELECT count(*), count(DISTINCT call_id) FROM calls' both)"
"$zhijian" db check --db "$both" > /dev/null 2>&1 || fail "aggregates after two runners"
printf 'one process into SQLite: %d calls in %.1f s; the runner, 2 workers, into PostgreSQL: %.1f s\n' \
  "$calls" "$(awk "BEGIN { print $s1 - $s0 }")" "$(awk "BEGIN { print $t1 - $t0 }")"
echo ok
