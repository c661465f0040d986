#!/usr/bin/env bash
# A metric rule failed at a cost or fatally is a nonconformity of the audit
# report, graded like the others (docs/reports.md): of five calls
# (data/metric-findings), a late answer (15.001 s, and 70 s against a fatal
# rule of 0 points), unannounced holds (C2's second past max_points: 0
# points, no nonconformity), two interruptions of a fatal rule (the second
# past max_points, still fatal), a fast speaker (267 chars/min), a long call
# of an observation rule and a required phrase worth nothing missing
# (neither counts), beside a required phrase missing at a cost:
# - exact section 6, conclusion, JSON findings with their measures, every
#   format the same from the aggregates and with ZJ_REPORT_RECOMPUTE=1,
#   also for a date range, the JSON valid against its schema;
# - C3 scored again without them: its nonconformities leave the report,
#   both paths agree, `db check` is clean;
# - the same on PostgreSQL when it is installed (tests/lib/pg_cluster.sh).
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
data=$src/tests/scripts/data/metric-findings
. "$src/tests/lib/pg_cluster.sh"
pg_test_tmp
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || fail "cd"

# Every format from the aggregates equals the recomputation (DB LABEL ARGS...).
same_both_ways() {
  local db=$1 label=$2 fmt
  shift 2
  for fmt in md html json; do
    "$zhijian" report --db "$db" --format "$fmt" "$@" > "$label.$fmt" 2> "$label.err" ||
      fail "$label: report --format $fmt: $(cat "$label.err")"
    ZJ_REPORT_RECOMPUTE=1 "$zhijian" report --db "$db" --format "$fmt" "$@" > "$label.full.$fmt" 2>&1 ||
      fail "$label: recomputed report --format $fmt"
    cmp -s "$label.$fmt" "$label.full.$fmt" ||
      fail "$label: $fmt differs between the aggregates and the recomputation: $(diff "$label.$fmt" "$label.full.$fmt" | head -6)"
  done
}

# The JSON report against its schema (python3-jsonschema, tools/deps.sh).
valid_json() { # FILE
  python3 - "$src/docs/schema/report.schema.json" "$1" << 'PY' || fail "$1: JSON Schema"
import json, sys
try:
    import jsonschema
except ImportError:
    sys.exit("python3-jsonschema is missing: run tools/deps.sh")
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))
PY
}

# The report of the five calls as scored first (DB LABEL).
check_first() {
  local db=$1 label=$2
  same_both_ways "$db" "$label"
  grep -qx '结论：所审核通话对服务标准总体基本符合。合格率 80.0%，平均分 92.8；严重不符合 2 项，一般不符合 4 项，一票否决通话 1 通。' "$label.md" ||
    fail "$label: $(grep '^结论' "$label.md")"
  sed -n '/^## 6 审核发现/,/^## 7 /p' "$label.md" > "$label.section6"
  cmp -s "$label.section6" "$data/expected-section6.md" ||
    fail "$label: section 6: $(diff "$data/expected-section6.md" "$label.section6" | head -12)"
  grep -qF '<td>整通通话：测得 70 秒（第三条）</td>' "$label.html" || fail "$label: HTML evidence of the fatal answer time"
  python3 - "$label.json" << 'PY' || fail "$label: JSON figures"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["conclusion"]
assert (c["verdict"], c["fatal_calls"], c["severe_findings"], c["minor_findings"]) == \
    ("largely_conforming", 1, 2, 4), c
rows = [(f["id"], f["rule_id"], f["kind"], f["grade"], f["fatal"], f["count"], f["calls"],
         [(e["call_id"], e["turn"], e["quote"], e["value"], e["unit"]) for e in f["evidence"]])
        for f in d["findings"]]
want = [("F01", "interrupt", "metric", "major_nonconformity", True, 2, 1,
         [("C3", 2, None, 2000, "ms"), ("C3", 4, None, 2000, "ms")]),
        ("F02", "answer-fatal", "metric", "major_nonconformity", True, 1, 1, [("C3", None, None, 70000, "ms")]),
        ("F03", "answer", "metric", "minor_nonconformity", False, 2, 2,
         [("C1", None, None, 15001, "ms"), ("C3", None, None, 70000, "ms")]),
        ("F04", "hold", "metric", "minor_nonconformity", False, 2, 2,
         [("C1", 4, None, 20500, "ms"), ("C2", 4, None, 16000, "ms")]),
        ("F05", "thanks", "required", "minor_nonconformity", False, 2, 2,
         [("C3", None, None, None, None), ("C5", None, None, None, None)]),
        ("F06", "rate", "metric", "minor_nonconformity", False, 1, 1, [("C2", None, None, 267, "chars/min")])]
assert rows == want, rows
assert [a["finding"] for a in d["corrective_actions"]] == ["F01", "F02", "F03", "F04", "F05", "F06"], d["corrective_actions"]
PY
  valid_json "$label.json"
  # From 3 November on: C3's and C5's, read from the aggregates of those dates.
  same_both_ways "$db" "$label.from" --from 2026-11-03
  [ "$(grep -o '^| F0[0-9] | [^|]* | [^|]* | [^|]* | [0-9]* |' "$label.from.md" | tr '\n' ' ')" = \
    "| F01 | 严重不符合 | 第五条 | 不打断住户（未达标） | 2 | | F02 | 严重不符合 | 第三条 | 60 秒内接听（一票否决）（未达标） | 1 | | F03 | 一般不符合 | 第七条 | 感谢来电（缺失） | 2 | | F04 | 一般不符合 | 第二条 | 15 秒内接听（未达标） | 1 | " ] ||
    fail "$label: findings from 2026-11-03: $(grep '^| F0' "$label.from.md")"
  valid_json "$label.from.json"
}

# The report once C3 was scored again, answered in time, without interrupting.
check_rescored() {
  local db=$1 label=$2
  same_both_ways "$db" "$label"
  # Four 一般不符合 left, each with its corrective action: not 符合, though
  # every call passed.
  grep -qx '结论：所审核通话对服务标准总体基本符合。合格率 100.0%，平均分 96.2；严重不符合 0 项，一般不符合 4 项，一票否决通话 0 通。' "$label.md" ||
    fail "$label: $(grep '^结论' "$label.md")"
  [ "$(grep -o '^| F0[0-9] | [^|]* | [^|]* | [^|]* | [0-9]* | [0-9]* |' "$label.md" | tr '\n' ' ')" = \
    "| F01 | 一般不符合 | 第四条 | 让住户等候前先说“请稍等”（未达标） | 2 | 2 | | F02 | 一般不符合 | 第二条 | 15 秒内接听（未达标） | 1 | 1 | | F03 | 一般不符合 | 第八条 | 语速不超过每分钟 260 字（未达标） | 1 | 1 | | F04 | 一般不符合 | 第七条 | 感谢来电（缺失） | 1 | 1 | " ] ||
    fail "$label: findings after C3 was scored again: $(grep '^| F0' "$label.md")"
  valid_json "$label.json"
  python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["conclusion"]
assert (c["verdict"], c["passed"], c["severe_findings"], c["minor_findings"]) == ("largely_conforming", 5, 0, 4), c' \
    "$label.json" || fail "$label: JSON conclusion"
}

# The stored metric findings this test is about, on either server.
STORED="SELECT c.call_id || ':' || f.rule_id || ':' || f.points || ':' || f.fatal FROM findings f
  JOIN calls c ON c.id = f.call_row WHERE f.kind = 'metric' AND f.outcome = 'hit' ORDER BY c.call_id, f.seq"
want_stored='C1:hold:-5:0
C1:answer:-5:0
C2:hold:-5:0
C2:hold:0:0
C2:long-call:0:0
C2:rate:-2:0
C3:interrupt:-10:1
C3:interrupt:0:1
C3:answer:-5:0
C3:answer-fatal:0:1'

# --- SQLite ------------------------------------------------------------------
"$zhijian" score --db z.db --rules "$data/rules.yaml" "$data/calls.jsonl" > score.out 2>&1 ||
  fail "score: $(cat score.out)"
[ "$(sqlite3 z.db "$STORED")" = "$want_stored" ] ||
  fail "the stored metric hits are not the ones this test is about: $(sqlite3 z.db "$STORED")"
"$zhijian" db check --db z.db > check.out 2>&1 || fail "db check: $(cat check.out)"
check_first z.db sqlite
"$zhijian" score --db z.db --rules "$data/rules.yaml" "$data/calls-rescored.jsonl" > score.out 2>&1 ||
  fail "score C3 again: $(cat score.out)"
"$zhijian" db check --db z.db > check.out 2>&1 || fail "db check after C3 was scored again: $(cat check.out)"
check_rescored z.db sqlite.rescored

# --- PostgreSQL ----------------------------------------------------------------
if [ -z "$pg_bin" ] || ! command -v psql > /dev/null; then
  [ "${ZJ_REQUIRE_POSTGRES:-0}" = 1 ] && fail "PostgreSQL is not installed"
  echo "ok: metric nonconformities on SQLite (PostgreSQL not installed: its part not run)"
  exit 0
fi
pg_start "$tmp" || fail "cannot start PostgreSQL"
"$zhijian" score --db "$PG_URL" --rules "$data/rules.yaml" "$data/calls.jsonl" > score.out 2>&1 ||
  fail "score into PostgreSQL: $(cat score.out)"
[ "$(pg_psql -c "$STORED" zj)" = "$want_stored" ] || fail "PostgreSQL stored: $(pg_psql -c "$STORED" zj)"
"$zhijian" db check --db "$PG_URL" > check.out 2>&1 || fail "db check on PostgreSQL: $(cat check.out)"
check_first "$PG_URL" pg
sed "s#$PG_URL#z.db#g" pg.md | cmp -s - sqlite.md || fail "the PostgreSQL report differs from SQLite's"
"$zhijian" score --db "$PG_URL" --rules "$data/rules.yaml" "$data/calls-rescored.jsonl" > score.out 2>&1 ||
  fail "score C3 again into PostgreSQL: $(cat score.out)"
"$zhijian" db check --db "$PG_URL" > check.out 2>&1 || fail "db check on PostgreSQL after C3 was scored again: $(cat check.out)"
check_rescored "$PG_URL" pg.rescored
sed "s#$PG_URL#z.db#g" pg.rescored.md | cmp -s - sqlite.rescored.md ||
  fail "the PostgreSQL report after C3 was scored again differs from SQLite's"
echo "ok: metric nonconformities reported, graded and evidenced, on SQLite and PostgreSQL"
