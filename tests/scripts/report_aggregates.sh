#!/usr/bin/env bash
# The report aggregates (docs/store.md) give exactly the figures of a full
# recomputation. On the corpus, and on a generated batch scored twice (the
# second time with one call changed in agent, date and words, one call given
# twice in one run, calls without agent, team or date, and an empty agent
# id), then after a kill and a resume:
# - `zhijian db check` passes (the stored aggregates equal a recomputation
#   from calls and findings), and fails naming the row once one is changed;
# - every scorecard, sample and audit report output (all formats, by agent
#   and team, the --agent/--team/--from/--to filters) is byte-identical to
#   its output with
#   ZJ_REPORT_RECOMPUTE=1, the old path that computes every figure from the
#   calls and findings tables, and to its output after `db rebuild`.
set -u
zhijian=$1 src=$2 bin=$3
gen=$bin/../tools/bench/gen_corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

check_db() { # db label
  "$zhijian" db check --db "$1" >"$tmp/check.out" 2>"$tmp/check.err" ||
    fail "$2: db check: $(head -c 600 "$tmp/check.out") $(cat "$tmp/check.err")"
  grep -q "report aggregates match a recomputation" "$tmp/check.out" || fail "$2: db check said: $(cat "$tmp/check.out")"
}

# run_all DB OUTDIR [ENV...]: every report variant into OUTDIR (stdout,
# stderr and exit code of each).
run_all() {
  local db=$1 out=$2; shift 2
  mkdir -p "$out"
  local i=0 args
  while IFS= read -r args; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    env "$@" "$zhijian" $args --db "$db" >"$out/$i.out" 2>"$out/$i.err"
    echo $? >"$out/$i.rc"
    echo "$args" >"$out/$i.args"
  done <"$tmp/variants"
}
{
  for by in agent team; do
    for fmt in text md html csv json; do
      echo "scorecard --by $by --format $fmt"
    done
    echo "scorecard --by $by --agent A03"
    echo "scorecard --by $by --team 报修组 --format json"
    echo "scorecard --by $by --from 2026-11-10 --to 2026-11-16 --format csv"
    echo "scorecard --by $by --agent A03 --from 2026-11-10 --to 2026-11-16 --format json"
    echo "scorecard --by $by --from 2026-11-20 --format md"
    echo "scorecard --by $by --to 2026-11-05 --format html"
    echo "scorecard --by $by --team 投诉组 --to 2026-11-12 --format text"
    echo "scorecard --by $by --agent NOBODY"
  done
  for fmt in text csv json; do
    echo "sample --n 10 --format $fmt"
    echo "sample --iso2859 II --aql 1.0 --format $fmt"
  done
  echo "sample --iso2859 I --team 客服一组 --seed 9"
  echo "sample --n 7 --agent A03 --from 2026-11-10 --to 2026-11-16 --format json"
  echo "sample --iso2859 III --from 2026-11-03 --format csv"
  echo "sample --n 1000 --to 2026-11-08"
  # The audit report as JSON: every figure and every evidence row (the
  # documents render the same rows; report_golden.sh checks them).
  echo "report --format json"
  echo "report --team 投诉组 --format json"
  echo "report --agent A03 --from 2026-11-10 --to 2026-11-16 --format json"
  echo "report --from 2026-11-20 --format json"
  echo "report --to 2026-11-05 --team 报修组 --format json"
  echo "report --agent NOBODY"
} >"$tmp/variants"

# compare DB LABEL: aggregates vs recomputation vs a rebuilt copy.
compare() {
  local db=$1 label=$2
  check_db "$db" "$label"
  run_all "$db" "$tmp/$label.agg"
  run_all "$db" "$tmp/$label.full" ZJ_REPORT_RECOMPUTE=1
  cp "$db" "$tmp/rebuilt.db"
  sqlite3 "$tmp/rebuilt.db" "DELETE FROM agg_calls; DELETE FROM agg_rules" || fail "$label: emptying the copy"
  "$zhijian" db rebuild --db "$tmp/rebuilt.db" >/dev/null || fail "$label: db rebuild"
  run_all "$tmp/rebuilt.db" "$tmp/$label.rebuilt"
  local n ok=0
  n=$(wc -l <"$tmp/variants")
  for i in $(seq 1 "$n"); do
    for other in full rebuilt; do
      for part in out err rc; do
        local a=$tmp/$label.agg/$i.$part b=$tmp/$label.$other/$i.$part
        [ $part != rc ] && sed -i "s#$tmp/rebuilt.db#$db#g" "$b"
        cmp -s "$a" "$b" ||
          fail "$label: '$(cat "$tmp/$label.agg/$i.args")' $part differs between the aggregates and the $other path: $(diff "$a" "$b" | head -8)"
      done
    done
    [ "$(cat "$tmp/$label.agg/$i.rc")" = 0 ] && ok=$((ok + 1))
  done
  # Most variants report something (a filter matching nothing exits 2 in both).
  [ $ok -ge $((n - 3)) ] || fail "$label: only $ok of $n variants produced a report"
}

# The corpus.
"$zhijian" score --db "$tmp/corpus.db" "$src/corpus/calls" >/dev/null 2>&1
[ $? -le 1 ] || fail "score the corpus"
compare "$tmp/corpus.db" corpus

# A generated batch, then scored again with changes.
"$gen" --calls 2000 --seed 11 >"$tmp/a.jsonl" || fail "generator"
# Calls without agent, team or date, and with an empty agent id (the sample
# lot orders both as agent "").
line=$(sed -n 5p "$tmp/a.jsonl")
echo "$line" | sed 's/"call_id":"[^"]*"/"call_id":"NOAGENT1"/; s/"agent_id":"[^"]*",//; s/"agent_name":"[^"]*",//; s/"team":"[^"]*",//' >>"$tmp/a.jsonl"
echo "$line" | sed 's/"call_id":"[^"]*"/"call_id":"EMPTY1"/; s/"agent_id":"[^"]*"/"agent_id":""/' >>"$tmp/a.jsonl"
echo "$line" | sed 's/"call_id":"[^"]*"/"call_id":"NODATE1"/; s/"started_at":"[^"]*",//' >>"$tmp/a.jsonl"
grep -q NOAGENT1 "$tmp/a.jsonl" && grep -q EMPTY1 "$tmp/a.jsonl" && grep -q NODATE1 "$tmp/a.jsonl" || fail "test calls not built"
"$zhijian" score --commit-every 700 --db "$tmp/gen.db" "$tmp/a.jsonl" >/dev/null 2>&1 || fail "score the batch"
[ "$(sqlite3 "$tmp/gen.db" "SELECT count(*) FROM calls WHERE agent_id IS NULL")" = 1 ] || fail "no call without agent"
[ "$(sqlite3 "$tmp/gen.db" "SELECT count(*) FROM calls WHERE agent_id = ''")" = 1 ] || fail "no call with an empty agent id"
[ "$(sqlite3 "$tmp/gen.db" "SELECT count(*) FROM calls WHERE local_date IS NULL")" = 1 ] || fail "no call without a date"
check_db "$tmp/gen.db" first

# Changed: call 8 moves to agent A03 on 2026-11-05 and gains a forbidden
# phrase; call 9 gains a quoted one (no offence); call 20 comes twice in the
# run (the second time rude); the rest are scored again unchanged.
sed '8s/"agent_id":"A0[0-9]","agent_name":"[^"]*","team":"[^"]*"/"agent_id":"A03","agent_name":"张伟","team":"客服一组"/;
     8s/"started_at":"2026-11-[0-9]*/"started_at":"2026-11-05/; 8s/感谢您的来电/急什么？感谢您的来电/;
     9s/感谢您的来电/您是说邻居讲“有本事你去告”，是吧？感谢您的来电/' "$tmp/a.jsonl" >"$tmp/b.jsonl"
cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl" && fail "the changed call is unchanged"
sed -n 20p "$tmp/a.jsonl" | sed 's/"text":"/"text":"你自己都不知道，我怎么知道？/2' >>"$tmp/b.jsonl"
# (exit 3: the call given twice is reported, the later result kept)
"$zhijian" score --commit-every 500 --db "$tmp/gen.db" "$tmp/b.jsonl" >/dev/null 2>&1
[ $? = 3 ] || fail "score the changed batch"
[ "$(sqlite3 "$tmp/gen.db" "SELECT count(*) FROM calls")" = 2003 ] || fail "re-scoring added calls"
[ "$(sqlite3 "$tmp/gen.db" "SELECT agent_id || ' ' || local_date FROM calls WHERE call_id = 'G00000007'")" = "A03 2026-11-05" ] ||
  fail "the changed call was not re-scored"
[ "$(sqlite3 "$tmp/gen.db" "SELECT f.points || ' ' || f.quoted FROM findings f JOIN calls c ON c.id = f.call_row
  WHERE c.call_id = 'G00000008' AND f.rule_id = 'taboo.11-go-complain'")" = "0 1" ] ||
  fail "the call given a quoted phrase has no quoted finding"
compare "$tmp/gen.db" rescored

# A fresh store of the changed batch has the same aggregates (what the
# re-scored store took off and added up to the same rows).
"$zhijian" score --db "$tmp/fresh.db" "$tmp/b.jsonl" >/dev/null 2>&1
[ $? = 3 ] || fail "score the changed batch afresh"
q="SELECT local_date, agent_id, agent_name, team, grade, tags, score, passed, fatal, forbidden, calls FROM agg_calls ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
[ "$(sqlite3 "$tmp/fresh.db" "$q")" = "$(sqlite3 "$tmp/gen.db" "$q")" ] || fail "re-scored agg_calls differ from a fresh store's"
q="SELECT local_date, agent_id, team, rule_id, outcome, findings, calls, neg, neg_calls, neg_points, points, fatal, quoted, fuzzy, clean_calls, offences, offence_calls, example FROM agg_rules ORDER BY 1, 2, 3, 4, 5"
[ "$(sqlite3 "$tmp/fresh.db" "$q")" = "$(sqlite3 "$tmp/gen.db" "$q")" ] || fail "re-scored agg_rules differ from a fresh store's"

# Killed mid-run, then resumed: the committed aggregates match the committed
# calls, and after the resume the whole store's.
"$zhijian" score --jobs 1 --commit-every 300 --db "$tmp/killed.db" "$tmp/b.jsonl" >/dev/null 2>&1 &
pid=$!
killed=0
for _ in $(seq 1 4000); do
  n=$(sqlite3 "$tmp/killed.db" "SELECT count(*) FROM calls" 2>/dev/null || echo 0)
  if [ "${n:-0}" -gt 0 ]; then kill -9 "$pid" 2>/dev/null && killed=1; break; fi
  sleep 0.01
done
wait "$pid" 2>/dev/null
[ $killed -eq 1 ] || fail "could not kill the run while it was writing"
[ "$(sqlite3 "$tmp/killed.db" "SELECT count(*) FROM calls")" -lt 2003 ] || fail "the run finished before it was killed"
check_db "$tmp/killed.db" killed
"$zhijian" score --resume --db "$tmp/killed.db" "$tmp/b.jsonl" >/dev/null 2>&1
code=$? # 3 when the resumed part holds both copies of the call given twice
[ $code = 0 ] || [ $code = 3 ] || fail "resume: exit $code"
check_db "$tmp/killed.db" resumed
run_all "$tmp/killed.db" "$tmp/resumed.agg"
for i in $(seq 1 "$(wc -l <"$tmp/variants")"); do
  sed -i "s#$tmp/killed.db#$tmp/gen.db#g" "$tmp/resumed.agg/$i.out" # the audit report names its database
  cmp -s "$tmp/resumed.agg/$i.out" "$tmp/rescored.agg/$i.out" ||
    fail "resumed store: '$(cat "$tmp/resumed.agg/$i.args")' differs from the re-scored store's"
done

# db check fails on a changed aggregate, naming its row; rebuild repairs it.
sqlite3 "$tmp/gen.db" "UPDATE agg_calls SET calls = calls + 1 WHERE rowid = (SELECT min(rowid) FROM agg_calls WHERE agent_id = 'A05')"
"$zhijian" db check --db "$tmp/gen.db" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "db check of a changed aggregate should exit 1"
grep -q "^agg_calls row not in the recomputation: ruleset_id 1, local_date 2026-11-[0-9]*, iso_week 2026-W[0-9]*, agent_id A05," "$tmp/out" ||
  fail "db check does not name the row: $(cat "$tmp/out")"
grep -q "2 aggregate rows differ from a recomputation" "$tmp/err" || fail "db check message: $(cat "$tmp/err")"
"$zhijian" db rebuild --db "$tmp/gen.db" >/dev/null || fail "db rebuild"
check_db "$tmp/gen.db" rebuilt
"$zhijian" db check --db "$tmp/nonexistent.db" >/dev/null 2>&1
[ $? = 2 ] || fail "db check of a missing file should exit 2"
echo ok
