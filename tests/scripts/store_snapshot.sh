#!/usr/bin/env bash
# Readers read one snapshot of the store: a reader stopped between two of its
# queries (test hook ZHIJIAN_TEST_READ_PAUSE) while a writer commits prints
# exactly what it printed before the write, on SQLite and (when installed) on
# a throwaway PostgreSQL cluster (tests/lib/pg_cluster.sh):
#  - `show` of a call re-scored from another version in between: the call
#    row, transcript and findings all of the version it started reading;
#  - the audit report with more calls committed between its findings table
#    and its KPIs: the KPI 禁语 hits equal the table's sum, as before;
#  - `db check` with calls committed between its comparison of agg_calls and
#    that of agg_rules: exit 0, the aggregates match.
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
. "$src/tests/lib/pg_cluster.sh"
pg_test_tmp
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || fail "cd"

# SAME as corpus call PS-017 (fatal, 0 points) and as PS-001 (100 points).
python3 - "$src/corpus/calls/2026-11.jsonl" << 'EOF' || fail "inputs"
import json, sys
calls = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
by_id = {c["call_id"]: c for c in calls}
for name, cid in (("a.jsonl", "PS-017"), ("b.jsonl", "PS-001")):
    c = dict(by_id[cid], call_id="SAME")
    open(name, "w", encoding="utf-8").write(json.dumps(c, ensure_ascii=False) + "\n")
first = [c for c in calls if c["call_id"] in ("PS-001", "PS-002", "PS-003")]
open("three.jsonl", "w", encoding="utf-8").write(
    "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in first))
EOF

# paused NAME CMD...: runs the reader CMD stopped at its pause until the
# write below (WRITE, a command) has committed; output in NAME.out, NAME.rc.
paused() {
  local name=$1; shift
  rm -rf pause; mkdir pause
  ZHIJIAN_TEST_READ_PAUSE=$tmp/pause "$@" > "$name.out" 2> "$name.err" &
  local pid=$!
  for _ in $(seq 1 600); do [ -e pause/reached ] && break; sleep 0.05; done
  [ -e pause/reached ] || { kill "$pid"; fail "$name: the reader never reached its pause"; }
  $WRITE > "$name.write" 2>&1; [ $? -le 1 ] || fail "$name: the write failed: $(tail -2 "$name.write")"
  touch pause/go
  wait "$pid"; echo $? > "$name.rc"
}

forbidden_sum() { # report JSON: "KPI hits = table sum" or the two figures
  python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = sum(f["count"] for f in d["findings"] if f["kind"] == "forbidden")
k = d["kpis"]["forbidden_hits"]
print("calls %d, forbidden %d" % (d["scope"]["calls"], k) if k == t else "KPI %d, table %d" % (k, t))' "$1"
}

check_store() { # LABEL DB
  local label=$1 db=$2
  "$zhijian" score --db "$db" a.jsonl > score.out 2>&1; [ $? -le 1 ] || fail "$label: score a: $(cat score.out)"
  "$zhijian" show SAME --format json --db "$db" > show.want 2>&1 || fail "$label: show"
  grep -q '"score":0,' show.want || fail "$label: version a: $(head -c 300 show.want)"
  WRITE="$zhijian score --db $db b.jsonl"
  paused show "$zhijian" show SAME --format json --db "$db"
  [ "$(cat show.rc)" = 0 ] || fail "$label: show exit $(cat show.rc): $(cat show.err)"
  cmp -s show.want show.out || fail "$label: show mixed two versions: $(diff show.want show.out | head -c 400)"
  "$zhijian" show SAME --format json --db "$db" | grep -q '"score":100,' ||
    fail "$label: the write did not replace the call"

  "$zhijian" score --db "$db" three.jsonl > /dev/null 2>&1 || fail "$label: score three"
  "$zhijian" report --format json --db "$db" > report.want 2> report.err || fail "$label: report"
  want=$(forbidden_sum report.want)
  [ "$want" = "calls 4, forbidden 0" ] || fail "$label: report before: $want"
  WRITE="$zhijian score --db $db $src/corpus/calls/2026-11.jsonl"
  paused report "$zhijian" report --format json --db "$db"
  [ "$(cat report.rc)" = 0 ] || fail "$label: report exit $(cat report.rc): $(cat report.err)"
  got=$(forbidden_sum report.out)
  [ "$got" = "$want" ] || fail "$label: report read two states: $got (want $want)"
  after=$(forbidden_sum <("$zhijian" report --format json --db "$db"))
  [ "$after" != "$want" ] || fail "$label: the write changed nothing: $after"

  WRITE="$zhijian score --db $db $src/corpus/calls/2026-11-conversation.jsonl a.jsonl"
  paused check "$zhijian" db check --db "$db"
  [ "$(cat check.rc)" = 0 ] || fail "$label: db check exit $(cat check.rc): $(head -3 check.out check.err)"
  "$zhijian" db check --db "$db" > /dev/null 2>&1 || fail "$label: db check after the write"
  echo "ok: $label"
}

check_store SQLite "$tmp/s.db"

if [ -n "$pg_bin" ] && command -v psql > /dev/null; then
  pg_start "$tmp" || fail "cannot start PostgreSQL"
  check_store PostgreSQL "$PG_URL"
else
  [ "${ZJ_REQUIRE_POSTGRES:-0}" = 1 ] && fail "PostgreSQL is not installed"
  echo "PostgreSQL not installed: SQLite only"
fi
echo PASS
