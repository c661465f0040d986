#!/usr/bin/env bash
# The audit report counts offences, not every forbidden hit (docs/store.md):
# of five calls (data/offences), a quoted 有本事你去告 (0 points), 喂喂 whose
# second 喂 is past max_points (0 points), an observation 唉 (0 points), a
# plain 有本事你去告 (-10) and a fatal rule of 0 points, the KPI 忌语发生率,
# the complaint calls passed without one and section 6 count the last
# three and the first 喂 only:
# - exact md lines, section 6 and JSON figures, from the aggregates and with
#   ZJ_REPORT_RECOMPUTE=1 (byte for byte the same), and the aggregate rows;
# - a store of schema v11 (aggregates counting every forbidden hit, as
#   zhijian wrote them before v12): a reader reports from the calls and
#   findings (the same report), `db check` asks for a migration, a writer
#   migrates it to v12 and rebuilds both tables, `db check` passes;
# - the same on PostgreSQL when it is installed (tests/lib/pg_cluster.sh).
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
data=$src/tests/scripts/data/offences
. "$src/tests/lib/pg_cluster.sh"
pg_test_tmp
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || fail "cd"

# The figures every store of these calls must report (NAME the --db value).
check_report() { # DB LABEL
  local db=$1 label=$2 fmt
  for fmt in md html json; do
    "$zhijian" report --db "$db" --format "$fmt" > "$label.$fmt" 2> "$label.err" ||
      fail "$label: report --format $fmt: $(cat "$label.err")"
    ZJ_REPORT_RECOMPUTE=1 "$zhijian" report --db "$db" --format "$fmt" > "$label.full.$fmt" 2>&1 ||
      fail "$label: recomputed report --format $fmt"
    cmp -s "$label.$fmt" "$label.full.$fmt" ||
      fail "$label: $fmt differs between the aggregates and the recomputation: $(diff "$label.$fmt" "$label.full.$fmt" | head -6)"
  done
  grep -qx '| 忌语发生率 | 60.0 次/百通 | 服务忌语命中次数 × 100 / 评分通话 |' "$label.md" ||
    fail "$label: $(grep 忌语发生率 "$label.md")"
  grep -qx '| 投诉处理符合率 | 50.0%（2/4） | 住户投诉通话中合格且无服务忌语者的比例 |' "$label.md" ||
    fail "$label: $(grep 投诉处理符合率 "$label.md")"
  sed -n '/^## 6 审核发现/,/^## 7 /p' "$label.md" > "$label.section6"
  cmp -s "$label.section6" "$data/expected-section6.md" ||
    fail "$label: section 6: $(diff "$data/expected-section6.md" "$label.section6" | head -12)"
  python3 - "$label.json" << 'PY' || fail "$label: JSON figures"
import json, sys
d = json.load(open(sys.argv[1]))
k = d["kpis"]
assert (k["forbidden_hits"], k["forbidden_per_100_calls"]) == (3, 60.0), k
assert k["complaint_calls"] == {"category": "投诉处理", "calls": 4, "clean": 2, "rate": 0.5}, k
rows = [(f["id"], f["rule_id"], f["grade"], f["fatal"], f["count"], f["calls"], f["per_100_calls"],
         [(e["call_id"], e["turn"], e["span"], e["quote"]) for e in f["evidence"]])
        for f in d["findings"]]
want = [("F01", "go-complain", "major_nonconformity", False, 1, 1, 20.0, [("N3", 2, [0, 6], "有本事你去告")]),
        ("F02", "not-mine", "major_nonconformity", True, 1, 1, 20.0, [("F4", 2, [2, 6], "不归我管")]),
        ("F03", "no-wei", "minor_nonconformity", False, 1, 1, 20.0, [("W2", 1, [0, 1], "喂")]),
        ("F04", "thanks", "minor_nonconformity", False, 1, 1, 20.0, [("N3", None, None, None)])]
assert rows == want, rows
PY
}

# The stored aggregates of the five calls, in a form both servers print alike.
AGG_CALLS="SELECT local_date, agent_id, score, passed, fatal, forbidden, coalesce(tags, ''), calls
  FROM agg_calls ORDER BY 1, 2, 3"
AGG_RULES="SELECT local_date, agent_id, rule_id, findings, calls, neg, offences, offence_calls,
  clean_calls FROM agg_rules WHERE kind = 'forbidden' ORDER BY 1, 2, 3"
want_calls='2026-11-02|A1|95|1|0|1|complaint|1
2026-11-02|A1|100|1|0|0|complaint|1
2026-11-03|A2|85|1|0|1||1
2026-11-03|A2|100|0|1|1|complaint|1
2026-11-04|A2|100|1|0|0|complaint|1'
want_rules='2026-11-02|A1|go-complain|1|1|0|0|0|1
2026-11-02|A1|no-wei|2|1|1|1|1|0
2026-11-03|A2|go-complain|1|1|1|1|1|0
2026-11-03|A2|not-mine|1|1|0|1|1|0
2026-11-04|A2|sigh|1|1|0|0|0|1'

# --- SQLite: a fresh store ---------------------------------------------------
"$zhijian" score --db fresh.db --rules "$data/rules.yaml" "$data/calls.jsonl" > score.out 2>&1 ||
  fail "score: $(cat score.out)"
[ "$(sqlite3 fresh.db "SELECT group_concat(call_id || ':' || points || ':' || fatal || ':' || quoted, ' ')
  FROM (SELECT c.call_id, f.points, f.fatal, f.quoted FROM findings f JOIN calls c ON c.id = f.call_row
  WHERE f.kind = 'forbidden' ORDER BY c.call_id, f.seq)")" = "F4:0:1:0 N3:-10:0:0 Q1:0:0:1 S5:0:0:0 W2:-5:0:0 W2:0:0:0" ] ||
  fail "the stored forbidden hits are not the ones this test is about"
[ "$(sqlite3 fresh.db "$AGG_CALLS")" = "$want_calls" ] || fail "fresh agg_calls: $(sqlite3 fresh.db "$AGG_CALLS")"
[ "$(sqlite3 fresh.db "$AGG_RULES")" = "$want_rules" ] || fail "fresh agg_rules: $(sqlite3 fresh.db "$AGG_RULES")"
"$zhijian" db check --db fresh.db > check.out 2>&1 || fail "db check of a fresh store: $(cat check.out)"
check_report fresh.db fresh

# --- SQLite: a v11 store -----------------------------------------------------
# Without the columns v13 and v14 added to runs (both servers read this SQL).
before_v13="ALTER TABLE runs DROP COLUMN pid; ALTER TABLE runs DROP COLUMN pid_start;
ALTER TABLE runs DROP COLUMN boot_id; ALTER TABLE runs DROP COLUMN pid_ns; ALTER TABLE runs DROP COLUMN host_key;
ALTER TABLE runs DROP COLUMN redact;"
cp fresh.db v11.db
{ cat "$data/v11-aggregates.sql"; echo "$before_v13"; echo "PRAGMA user_version = 11;"; } | sqlite3 v11.db || fail "making a v11 store"
# What v11 stored: every forbidden hit (6), the quoted call not clean.
[ "$(sqlite3 v11.db "SELECT sum(findings) FROM agg_rules WHERE kind = 'forbidden' AND outcome = 'hit'")" = 6 ] ||
  fail "the v11 store does not hold the old aggregates"
# A reader uses it as it is, computing from the calls and findings.
check_report v11.db v11
sed 's/v11\.db/fresh.db/g' v11.md | cmp -s - fresh.md || fail "the v11 store's report differs from a fresh store's"
[ "$(sqlite3 v11.db "PRAGMA user_version")" = 11 ] || fail "a reader migrated the v11 store"
"$zhijian" db check --db v11.db > check.out 2> check.err
[ $? = 2 ] || fail "db check of a v11 store: exit $?"
grep -qx 'zhijian: this database has no current report aggregates (schema before v12): run `zhijian db rebuild` on it once' check.err ||
  fail "db check of a v11 store said: $(cat check.out check.err)"
# A writer (here a saved sample, which changes no call) migrates it.
"$zhijian" sample --db v11.db --n 2 --save > sample.out 2>&1 || fail "sample --save: $(cat sample.out)"
[ "$(sqlite3 v11.db "PRAGMA user_version")" = 14 ] || fail "v11 store not migrated"
[ "$(sqlite3 v11.db "$AGG_CALLS")" = "$want_calls" ] || fail "migrated agg_calls: $(sqlite3 v11.db "$AGG_CALLS")"
[ "$(sqlite3 v11.db "$AGG_RULES")" = "$want_rules" ] || fail "migrated agg_rules: $(sqlite3 v11.db "$AGG_RULES")"
"$zhijian" db check --db v11.db > check.out 2>&1 || fail "db check of the migrated store: $(cat check.out)"
check_report v11.db migrated
sed 's/v11\.db/fresh.db/g' migrated.md | cmp -s - fresh.md || fail "the migrated store's report differs from a fresh store's"

# --- PostgreSQL ----------------------------------------------------------------
if [ -z "$pg_bin" ] || ! command -v psql > /dev/null; then
  [ "${ZJ_REQUIRE_POSTGRES:-0}" = 1 ] && fail "PostgreSQL is not installed"
  echo "ok: offences counted on SQLite (PostgreSQL not installed: its part not run)"
  exit 0
fi
pg_start "$tmp" || fail "cannot start PostgreSQL"
"$zhijian" score --db "$PG_URL" --rules "$data/rules.yaml" "$data/calls.jsonl" > score.out 2>&1 ||
  fail "score into PostgreSQL: $(cat score.out)"
[ "$(pg_psql -c "$AGG_CALLS" zj)" = "$want_calls" ] || fail "PostgreSQL agg_calls: $(pg_psql -c "$AGG_CALLS" zj)"
[ "$(pg_psql -c "$AGG_RULES" zj)" = "$want_rules" ] || fail "PostgreSQL agg_rules: $(pg_psql -c "$AGG_RULES" zj)"
"$zhijian" db check --db "$PG_URL" > check.out 2>&1 || fail "db check on PostgreSQL: $(cat check.out)"
check_report "$PG_URL" pg
sed "s#$PG_URL#fresh.db#g" pg.md | cmp -s - fresh.md || fail "the PostgreSQL report differs from SQLite's"
{ cat "$data/v11-aggregates.sql"; echo "$before_v13"; echo "UPDATE zj_meta SET value = 11 WHERE key = 'user_version';"; } |
  pg_psql -v ON_ERROR_STOP=1 zj > /dev/null || fail "making a v11 PostgreSQL store"
[ "$(pg_psql -c "SELECT sum(findings) FROM agg_rules WHERE kind = 'forbidden'" zj)" = 6 ] ||
  fail "the v11 PostgreSQL store does not hold the old aggregates"
check_report "$PG_URL" pg11
sed "s#$PG_URL#fresh.db#g" pg11.md | cmp -s - fresh.md || fail "the v11 PostgreSQL store's report differs"
"$zhijian" db check --db "$PG_URL" > check.out 2>&1
[ $? = 2 ] || fail "db check of a v11 PostgreSQL store: $(cat check.out)"
"$zhijian" sample --db "$PG_URL" --n 2 --save > sample.out 2>&1 || fail "sample --save on PostgreSQL: $(cat sample.out)"
[ "$(pg_psql -c "SELECT value FROM zj_meta WHERE key = 'user_version'" zj)" = 14 ] ||
  fail "v11 PostgreSQL store not migrated"
[ "$(pg_psql -c "$AGG_CALLS" zj)" = "$want_calls" ] || fail "migrated PostgreSQL agg_calls"
[ "$(pg_psql -c "$AGG_RULES" zj)" = "$want_rules" ] || fail "migrated PostgreSQL agg_rules"
"$zhijian" db check --db "$PG_URL" > check.out 2>&1 || fail "db check of the migrated PostgreSQL store: $(cat check.out)"
check_report "$PG_URL" pg12
echo "ok: offences counted, v11 stores read and migrated, on SQLite and PostgreSQL"
