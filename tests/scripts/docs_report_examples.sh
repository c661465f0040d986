#!/usr/bin/env bash
# The JSON examples of docs/reports.md are the bundled corpus's real output:
# every "key": value pair of a number, boolean or string in the report and
# scorecard examples occurs in `zhijian report` / `scorecard --format json`
# of corpus/calls/ with the bundled standard.
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
"$zhijian" score --db z.db "$src/corpus/calls/" >/dev/null 2>&1
[ $? -le 1 ] || fail "score the corpus"
"$zhijian" report --db z.db --format json > report.json || fail "report"
"$zhijian" scorecard --db z.db --format json > scorecard.json || fail "scorecard"
python3 - "$src/docs/reports.md" <<'PY' || fail "docs/reports.md examples differ from the output"
import json, re, sys
doc = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"```json\n(.*?)```", doc, re.S)
def pairs(v, out):
    if isinstance(v, dict):
        for k, x in v.items():
            if not isinstance(x, (dict, list)):
                out.add((k, json.dumps(x, ensure_ascii=False)))
            pairs(x, out)
    elif isinstance(v, list):
        for x in v:
            pairs(x, out)
    return out
pair = re.compile(r'"(\w+)": (-?[0-9][0-9.e+-]*|true|false|"[^"]*")')
bad = 0
for marker, path in (('"zhijian.report"', "report.json"), ('"totals"', "scorecard.json")):
    block = next(b for b in blocks if marker in b)
    have = pairs(json.load(open(path, encoding="utf-8")), set())
    for k, v in pair.findall(block):
        if k in ("sha256",):
            continue
        if (k, json.dumps(json.loads(v), ensure_ascii=False)) not in have:
            print(f"{path}: the docs show \"{k}\": {v}, the output has no such value")
            bad += 1
sys.exit(1 if bad else 0)
PY
echo ok
