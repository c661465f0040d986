#!/usr/bin/env bash
# Golden files of the reports on the corpus database, exact bytes:
# scorecards by agent and by team in every format, one agent's scorecard,
# samples (fixed n, ISO 2859-1 with an AQL, previews and saved), and the
# JSON outputs validated against their JSON Schemas (docs/schema/).
# The golden files are under tests/scripts/data/golden/; after an intended
# change, rerun with ZJ_UPDATE_GOLDEN=1 and review the diff.
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
golden=$src/tests/scripts/data/golden
db=$tmp/z.db
"$zhijian" score --db "$db" "$src/corpus/calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score the corpus"

# The rule set's sha256 changes with every edit of the bundled standard, the
# figures do not: the golden files carry @SHA256@ in its place.
sha=$(sqlite3 "$db" 'SELECT sha256 FROM rulesets') || fail "read the rule set's sha256"
[ ${#sha} = 64 ] || fail "one rule set expected, got: $sha"
check() { # golden-name command...
  local name=$1; shift
  "$@" > "$tmp/$name.raw" 2> "$tmp/err" || fail "$*: $(cat "$tmp/err")"
  sed "s/$sha/@SHA256@/g; s/${sha:0:16}/@SHA256@/g; s#$tmp#@TMP@#g" "$tmp/$name.raw" > "$tmp/$name"
  if [ "${ZJ_UPDATE_GOLDEN:-}" = 1 ]; then
    cp "$tmp/$name" "$golden/$name"
  fi
  cmp -s "$golden/$name" "$tmp/$name" ||
    fail "$name differs from the golden file: $(diff "$golden/$name" "$tmp/$name" | head -20)"
}
for fmt in text md html csv json; do
  check scorecard.agent.$fmt "$zhijian" scorecard --db "$db" --format $fmt
  check scorecard.team.$fmt "$zhijian" scorecard --db "$db" --by team --format $fmt
done
check scorecard.A03.md "$zhijian" scorecard --db "$db" --agent A03 --format md
check scorecard.A03.json "$zhijian" scorecard --db "$db" --agent A03 --from 2026-11-01 --format json
# Samples: previews (nothing written), then a saved one (the first id, 1).
for fmt in text csv json; do
  check sample.n10.$fmt "$zhijian" sample --db "$db" --n 10 --format $fmt
done
check sample.iso.text "$zhijian" sample --db "$db" --iso2859 II --aql 1.0 --seed 7
check sample.iso.json "$zhijian" sample --db "$db" --iso2859 II --aql 1.0 --seed 7 --format json
[ "$(sqlite3 "$db" 'SELECT count(*) FROM samples')" = 0 ] || fail "a preview wrote a sample"
check sample.saved.json "$zhijian" sample --db "$db" --n 5 --team 报修组 --save --format json
check sample.saved.text "$zhijian" sample --db "$db" --n 5 --team 报修组 --seed 2 --save
[ "$(sqlite3 "$db" 'SELECT count(*) FROM samples')" = 2 ] || fail "--save did not record 2 samples"

# The audit report in every format, with the report information given, one
# team's, and citing saved sample 2 (its time of drawing masked: it is now).
for fmt in md html json; do
  check report.$fmt "$zhijian" report --db "$db" --format $fmt
done
check report.meta.md "$zhijian" report --db "$db" --report-no QA-2026-11 \
  --report-date 2026-12-01 --auditor 张敏 --auditor 李强 --auditee 客服中心 --distribution 客服部
check report.team.json "$zhijian" report --db "$db" --team 投诉组 --from 2026-11-05 --format json
mask_time() { sed -E 's/抽样时间：[^。]*。/抽样时间：@TIME@。/; s/"created_at": "[^"]*"/"created_at": "@TIME@"/' "$@"; }
for fmt in md json; do
  "$zhijian" report --db "$db" --sample 2 --format $fmt > "$tmp/sampled.raw" 2> "$tmp/err" ||
    fail "report --sample 2: $(cat "$tmp/err")"
  check report.sample.$fmt mask_time "$tmp/sampled.raw"
done

# Every JSON output against its schema (python3-jsonschema, tools/deps.sh).
python3 - "$src/docs/schema" "$tmp" << 'PY' || fail "JSON Schema validation"
import json, sys
try:
    import jsonschema
except ImportError:
    sys.exit("python3-jsonschema is missing: run tools/deps.sh")
schemas, out = sys.argv[1], sys.argv[2]
cases = {"scorecard.schema.json": ["scorecard.agent.json", "scorecard.team.json",
                                   "scorecard.A03.json"],
         "sample.schema.json": ["sample.n10.json", "sample.iso.json", "sample.saved.json"],
         "report.schema.json": ["report.json", "report.team.json", "report.sample.json"]}
for schema_file, outputs in cases.items():
    schema = json.load(open(f"{schemas}/{schema_file}"))
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    for name in outputs:
        errors = sorted(v.iter_errors(json.load(open(f"{out}/{name}.raw"))), key=str)
        for e in errors[:5]:
            print(f"{name}: {list(e.absolute_path)}: {e.message}")
        if errors:
            sys.exit(1)
PY
echo ok
