#!/usr/bin/env bash
# The PostgreSQL store against the SQLite store, on a throwaway PostgreSQL
# cluster (initdb, 127.0.0.1, a free port; tests/lib/pg_cluster.sh):
#  - the corpus scored twice (the second run replaces every call) into both:
#    every read command prints byte for byte the same (show for every call,
#    scorecards, reports, samples in each format, with filters, from the
#    aggregates and recomputed), the database's name aside;
#  - a saved sample cited by the report; db check and db rebuild;
#  - the review scenario of review_cli.sh passes unchanged on PostgreSQL;
#  - two writers on the same input at once; a writer looking at a new
#    database while another creates the store there; a run killed mid-way (which
#    the next writer marks interrupted) and resumed, end with every call
#    stored once and the aggregates exact;
#  - a schema holding other tables is refused; the password given in the
#    URI never appears in any output or in the stored run record.
# Without PostgreSQL installed it says SKIP (CI installs it and sets
# ZJ_REQUIRE_POSTGRES=1, which makes a missing server a failure).
set -u
zhijian=$(realpath "$1") src=$(realpath "$2") bin=$(realpath "$3")
gen=$bin/../tools/bench/gen_corpus
. "$src/tests/lib/pg_cluster.sh"
pg_test_tmp
fail() { echo "FAIL: $*"; [ -f "${PG_DIR:-/nonexistent}/server.log" ] && tail -5 "$PG_DIR/server.log"; exit 1; }
pg_start_or_skip
cd "$tmp" || fail "cd"
pw=s3cret-Pw.42
url="postgresql://zj:$pw@127.0.0.1:$PG_PORT/zj"
shown="postgresql://zj:***@127.0.0.1:$PG_PORT/zj"

# --- the corpus, twice, into both stores -----------------------------------
for pass in 1 2; do
  "$zhijian" score --db lite.db "$src/corpus/calls" > "lite.score$pass" 2>&1
  [ $? -le 1 ] || fail "score into SQLite: $(cat lite.score$pass)"
  "$zhijian" score --db "$url" "$src/corpus/calls" > "pg.score$pass" 2>&1
  [ $? -le 1 ] || fail "score into PostgreSQL: $(cat pg.score$pass)"
done
grep -qF "results in $shown" pg.score1 || fail "score message: $(tail -2 pg.score1)"
[ "$(pg_psql -c "SELECT count(*), count(DISTINCT call_id) FROM calls" zj)" = "49|49" ] ||
  fail "re-scoring duplicated calls"

mkdir -p a b
run() { # NAME ARGS...: the command on both stores, stdout and stderr and status
  local n=$1; shift
  "$zhijian" "$@" --db lite.db > "a/$n" 2>&1; echo "exit $?" >> "a/$n"
  "$zhijian" "$@" --db "$url" > "b/$n" 2>&1; echo "exit $?" >> "b/$n"
  grep -qF "$pw" "b/$n" && fail "$n shows the password"
  sed -i "s#postgresql://zj:\*\*\*@127.0.0.1:$PG_PORT/zj#DB#g; s#postgresql://zj:\\\\\*\\\\\*\\\\\*@127.0.0.1:$PG_PORT/zj#DB#g" "b/$n"
  # The audit report's command quotes the masked URL (its *** is a glob).
  sed -i -e "s|--db 'DB'|--db DB|g" -e "s|--db &#39;DB&#39;|--db DB|g" "b/$n"
  sed -i "s#lite\.db#DB#g" "a/$n"
  # When each store saved a sample (the runs may straddle a second).
  sed -i -E 's/"created_at": "[0-9T:-]+Z"/"created_at": "TIME"/' "a/$n" "b/$n"
}
ids=$("$zhijian" score --no-db --format jsonl "$src/corpus/calls" 2> /dev/null |
  python3 -c 'import json,sys; [print(json.loads(l)["call_id"]) for l in sys.stdin]')
[ "$(echo "$ids" | wc -l)" = 49 ] || fail "call ids"
# Every call; under ZJ_TEST_QUICK=1 (the sanitizer build) every seventh,
# which still shows calls with and without findings, metrics and quotes.
i=0
for id in $ids; do
  i=$((i + 1))
  [ "${ZJ_TEST_QUICK:-0}" = 1 ] && [ $((i % 7)) != 1 ] && continue
  run "show-$id" show "$id"
  run "show-$id.json" show "$id" --format json
done
for fmt in text md html csv json; do
  run "card.$fmt" scorecard --format "$fmt"
  run "team.$fmt" scorecard --by team --format "$fmt"
done
for fmt in md html json; do run "report.$fmt" report --format "$fmt"; done
run card-agent scorecard --agent A03 --format json
run card-dates scorecard --from 2026-11-05 --to 2026-11-12 --by team --format json
run report-team report --team 报修组 --format json
run report-dates report --from 2026-11-05 --to 2026-11-12 --format md
run card-none scorecard --agent NOBODY
for fmt in text csv json; do
  run "sample.$fmt" sample --n 10 --seed 3 --format "$fmt"
  run "iso.$fmt" sample --iso2859 II --aql 1.0 --seed 7 --format "$fmt"
done
export ZJ_REPORT_RECOMPUTE=1
run re-card scorecard --format json
run re-team scorecard --by team --format json
run re-report report --format json
run re-agent report --agent A05 --format md
run re-iso sample --iso2859 II --aql 1.0 --format json
unset ZJ_REPORT_RECOMPUTE
run save sample --iso2859 II --aql 1.0 --seed 7 --save
run cited report --sample 1 --format json
run check db check
n=0
for f in a/*; do
  name=${f#a/}
  cmp -s "$f" "b/$name" || { diff "$f" "b/$name" | head -5; fail "$name differs between SQLite and PostgreSQL"; }
  n=$((n + 1))
done
[ "$n" -ge $([ "${ZJ_TEST_QUICK:-0}" = 1 ] && echo 46 || echo 130) ] || fail "only $n outputs compared"
grep -q '"calls": 49' a/card.json || fail "the scorecard is empty: $(head -c 300 a/card.json)"
grep -q "^exit 0$" b/check || fail "db check: $(cat b/check)"
"$zhijian" db rebuild --db "$url" > rebuild.out 2>&1 || fail "db rebuild: $(cat rebuild.out)"
"$zhijian" db check --db "$url" > /dev/null 2>&1 || fail "db check after rebuild"

# The database's own collation orders the team names by pinyin (ICU zh-Hans,
# where available); the store still orders them by bytes, as SQLite does.
if [ "$(pg_psql -c "SELECT datlocprovider FROM pg_database WHERE datname = 'zj'" zj)" = i ]; then
  [ "$(pg_psql -c "SELECT string_agg(x, ',' ORDER BY x) FROM (VALUES ('客服一组'), ('报修组'), ('投诉组')) v(x)" zj)" = "报修组,客服一组,投诉组" ] ||
    fail "the test database's collation is not zh-Hans"
  [ "$(grep -o '"team": "[^"]*"' a/team.json | uniq | tr '\n' ' ')" = '"team": "客服一组" "team": "投诉组" "team": "报修组" ' ] ||
    fail "team order: $(grep -o '"team": "[^"]*"' a/team.json | uniq | tr '\n' ' ')"
fi

# Calls without an agent or a team (the other input formats): SQLite sorts
# NULL first, PostgreSQL last unless told; every order must still agree.
fmt=$(pg_createdb formats) || fail "createdb formats"
"$zhijian" score --db fmt.db "$src/corpus/formats" "$src/corpus/calls" > /dev/null 2>&1
"$zhijian" score --db "$fmt" "$src/corpus/formats" "$src/corpus/calls" > /dev/null 2>&1
[ "$(sqlite3 fmt.db "SELECT count(*) FROM calls WHERE agent_id IS NULL")" -gt 0 ] ||
  fail "no call without an agent"
for recompute in 0 1; do
  for args in "scorecard --format json" "scorecard --by team --format md" "report --format json" \
    "report --format md" "sample --iso2859 II --format json"; do
    # shellcheck disable=SC2086
    ZJ_REPORT_RECOMPUTE=$recompute "$zhijian" $args --db fmt.db 2>&1 | sed 's#fmt\.db#DB#g' > fa
    # shellcheck disable=SC2086
    ZJ_REPORT_RECOMPUTE=$recompute "$zhijian" $args --db "$fmt" 2>&1 | sed -e "s#$fmt#DB#g" -e "s|--db 'DB'|--db DB|g" > fb
    cmp -s fa fb || fail "formats, $args (recompute $recompute): $(diff fa fb | head -4)"
  done
done

# One call id twice within one batch of inserted calls (PostgreSQL inserts
# 32 at once): the later one replaces the earlier, as on SQLite.
"$gen" --calls 60 --seed 33 --id-prefix D > dup.jsonl || fail "gen_corpus"
dup_id=$(sed -n 3p dup.jsonl | python3 -c 'import json,sys; print(json.load(sys.stdin)["call_id"])')
sed -n 3p dup.jsonl | sed 's/您好/喂/g' > dup.line
sed -i '20r dup.line' dup.jsonl
dupdb=$(pg_createdb dup) || fail "createdb dup"
"$zhijian" score --db dup.db dup.jsonl > /dev/null 2>&1
"$zhijian" score --db "$dupdb" dup.jsonl > /dev/null 2>&1
[ "$(pg_psql -c "SELECT count(*), count(DISTINCT call_id) FROM calls" dup)" = "60|60" ] ||
  fail "a call id twice in one batch: $(pg_psql -c "SELECT count(*) FROM calls" dup) rows"
"$zhijian" show "$dup_id" --format json --db dup.db > da || fail "show $dup_id (SQLite)"
"$zhijian" show "$dup_id" --format json --db "$dupdb" > db || fail "show $dup_id (PostgreSQL)"
cmp -s da db || fail "the call given twice: $(diff da db | head -4)"
"$zhijian" db check --db "$dupdb" > /dev/null 2>&1 || fail "aggregates with a call id twice"

# --- the password ----------------------------------------------------------
pg_psql -c "SELECT argv FROM runs" zj > argv.txt
grep -q "zj:\*\*\*@" argv.txt || fail "runs.argv: $(cat argv.txt)"
"$zhijian" score --record-invocation --db "$url" "$src/corpus/calls/2026-11.jsonl" > rec.out 2>&1
pg_psql -c "SELECT argv FROM runs ORDER BY id DESC LIMIT 1" zj > argv2.txt
grep -rqF "$pw" a b ./*.score* rebuild.out rec.out argv.txt argv2.txt &&
  fail "the password appears: $(grep -rlF "$pw" a b ./*.score* rebuild.out rec.out argv.txt argv2.txt)"

# libpq's environment fills in what the URI leaves out; a server that is
# not there is a one-line error, exit 2.
PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=zj PGDATABASE=zj "$zhijian" scorecard --db postgresql:// \
  --format json > env.json 2> env.err || fail "--db postgresql:// with PG* variables: $(cat env.err)"
"$zhijian" scorecard --db "$url" --format json > url.json || fail "scorecard by URI"
cmp -s env.json url.json || fail "the PG* variables' store differs from the URI's"
"$zhijian" show --db "postgresql://zj:$pw@127.0.0.1:1/zj" PS-001 > down.out 2>&1
[ $? = 2 ] || fail "no server: exit $?"
[ "$(wc -l < down.out)" = 1 ] && grep -q "cannot connect to the database: " down.out ||
  fail "no server: $(cat down.out)"
grep -qF "$pw" down.out && fail "the password appears when the server is down"

# --- refusing a schema that is not ours ------------------------------------
other=$(pg_createdb other) || fail "createdb"
pg_psql -c "CREATE TABLE invoices (id int)" other
"$zhijian" score --db "$other" "$src/corpus/calls" > other.out 2>&1 && fail "wrote into a foreign schema"
grep -q "not a zhijian store" other.out || fail "foreign schema message: $(cat other.out)"
[ "$(pg_psql -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" other)" = 1 ] ||
  fail "tables were created in a foreign schema"
"$zhijian" show --db "$(pg_createdb empty)" PS-001 > empty.out 2>&1 && fail "read an empty database"
grep -q "no zhijian store in this database" empty.out || fail "empty database message: $(cat empty.out)"

# --- the review scenario ---------------------------------------------------
review_db=$(pg_createdb review) || fail "createdb review"
ZJ_TEST_DB=$review_db bash "$src/tests/scripts/review_cli.sh" "$zhijian" "$src" > review.out 2>&1 ||
  fail "review_cli.sh on PostgreSQL: $(tail -3 review.out)"

# --- the review web application on PostgreSQL (when Chromium is here) -------
# ZJ_TEST_QUICK=1 (tools/test.sh's sanitizer build) leaves out the browser
# flow and the kill-and-resume run, which the optimized build has checked:
# they test the store's behaviour, not memory handling, at many times the
# cost under the sanitizers.
quick=${ZJ_TEST_QUICK:-0}
if [ "$quick" != 1 ]; then
  serve_db=$(pg_createdb serve) || fail "createdb serve"
  ZJ_TEST_DB=$serve_db bash "$src/tests/scripts/serve_web.sh" "$zhijian" "$src" "$bin" > serve.out 2>&1 ||
    fail "serve_web.sh on PostgreSQL: $(tail -3 serve.out)"
fi

# --- two writers at once; a killed run resumed ------------------------------
"$gen" --calls 3000 --seed 31 > gen.jsonl || fail "gen_corpus"
"$zhijian" score --db gen.db gen.jsonl > /dev/null 2>&1
[ $? -le 1 ] || fail "score gen into SQLite"
both=$(pg_createdb both) || fail "createdb both"
"$zhijian" score --commit-every 200 --db "$both" gen.jsonl > w1.out 2>&1 &
p1=$!
"$zhijian" score --commit-every 300 --db "$both" gen.jsonl > w2.out 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
[ $r1 -le 1 ] && [ $r2 -le 1 ] || fail "concurrent writers: $(cat w1.out w2.out)"
[ "$(pg_psql -c "SELECT count(*), count(DISTINCT call_id) FROM calls" both)" = "3000|3000" ] ||
  fail "concurrent writers stored $(pg_psql -c "SELECT count(*), count(DISTINCT call_id) FROM calls" both)"
"$zhijian" db check --db "$both" > /dev/null 2>&1 || fail "aggregates after concurrent writers"
"$zhijian" scorecard --db gen.db --format json > gen-a.json || fail "scorecard gen SQLite"
"$zhijian" scorecard --db "$both" --format json > gen-b.json || fail "scorecard gen PostgreSQL"
cmp -s gen-a.json gen-b.json || fail "concurrent writers: the scorecard differs from one SQLite writer"

# A writer that read zj_meta before another writer created the store and
# the schema's objects after its commit (test hook: it stops between the two
# looks) takes the finished store, not someone else's schema.
head -1 gen.jsonl > one.jsonl
race=$(pg_createdb race) || fail "createdb race"
rm -rf pause; mkdir pause
ZHIJIAN_TEST_IDENTIFY_PAUSE=$tmp/pause "$zhijian" score --db "$race" one.jsonl > race1.out 2>&1 &
p1=$!
for _ in $(seq 1 600); do [ -e pause/reached ] && break; sleep 0.05; done
[ -e pause/reached ] || fail "the first writer never reached its pause: $(cat race1.out)"
"$zhijian" score --db "$race" one.jsonl > race2.out 2>&1
[ $? -le 1 ] || fail "the second writer: $(cat race2.out)"
touch pause/go
wait $p1
[ $? -le 1 ] || fail "a writer refused the store another created meanwhile: $(cat race1.out)"
[ "$(pg_psql -c "SELECT count(*) FROM runs" race)" = 2 ] || fail "runs of the two writers"

if [ "$quick" = 1 ]; then
  echo ok
  exit 0
fi
# Big enough that the run is still writing when the first commit shows.
"$gen" --calls 6000 --seed 32 > big.jsonl || fail "gen_corpus"
"$zhijian" score --db big.db big.jsonl > /dev/null 2>&1
[ $? -le 1 ] || fail "score big into SQLite"
"$zhijian" scorecard --db big.db --format json > big-a.json || fail "scorecard big SQLite"
killed=$(pg_createdb killed) || fail "createdb killed"
"$zhijian" score --jobs 1 --commit-every 200 --db "$killed" big.jsonl > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 3000); do
  n=$(pg_psql -c "SELECT count(*) FROM calls" killed 2> /dev/null || echo 0)
  [ "${n:-0}" -gt 0 ] && break
  sleep 0.02
done
kill -9 $pid 2> /dev/null || fail "the run ended before it could be killed"
wait $pid 2> /dev/null
before=$(pg_psql -c "SELECT count(*) FROM calls" killed)
[ "$before" -gt 0 ] && [ "$before" -lt 6000 ] || fail "killed run stored $before calls"
[ "$(pg_psql -c "SELECT watermark > 0 AND done = 0 FROM run_inputs" killed)" = t ] ||
  fail "watermark of the killed run"
"$zhijian" db check --db "$killed" > /dev/null 2>&1 || fail "aggregates after the kill"
[ "$(pg_psql -c "SELECT status FROM runs" killed)" = running ] || fail "the killed run's row"
# The next writer (an empty input: no calls) marks the killed run interrupted.
: > empty.jsonl
"$zhijian" score --db "$killed" empty.jsonl > next.out 2>&1
[ $? -eq 3 ] || fail "score of an empty input: $(cat next.out)"
[ "$(pg_psql -c "SELECT id, status, finished_at IS NULL FROM runs ORDER BY id" killed)" = \
  "$(printf '1|interrupted|t\n2|partial|f')" ] ||
  fail "the killed run not marked: $(pg_psql -c "SELECT id, status FROM runs ORDER BY id" killed)"
grep -q "^zhijian: warning: run 1 (.*) was interrupted: its process $pid is gone; " next.out ||
  fail "the writer's warning: $(cat next.out)"
"$zhijian" score --resume --db "$killed" big.jsonl > resume.out 2>&1
[ $? -le 1 ] || fail "resume: $(cat resume.out)"
[ "$(pg_psql -c "SELECT count(*), count(DISTINCT call_id) FROM calls" killed)" = "6000|6000" ] ||
  fail "after resume: $(pg_psql -c "SELECT count(*), count(DISTINCT call_id) FROM calls" killed)"
"$zhijian" scorecard --db "$killed" --format json > big-k.json || fail "scorecard after resume"
cmp -s big-a.json big-k.json || fail "killed and resumed: the scorecard differs"
echo ok
