#!/usr/bin/env bash
# "Reviewed, nothing found" — the review sheet's `confirmed` row without a
# rule (docs/review.md) — is for a call without reviewable findings only:
#  - a sheet with such a row for each of two calls that have findings is
#    refused row by row, naming the findings (exit 3, nothing recorded); the
#    sample stays undecided and unreviewed, and there is nothing to calibrate;
#  - on a clean call the row is recorded and the call is reviewed and
#    conforming; once the call is scored again and now has a finding, that
#    row no longer reviews it (未复核), and calibration has no reviewed call.
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# W-11, W-15: PS-011 (不知道) and PS-015 (你问我，我问谁) of agent Z01; C-1:
# PS-001 (no reviewable finding) of agent Z02.
grep -h '"PS-0\(11\|15\|01\)"' "$src/corpus/calls/2026-11.jsonl" | python3 -c '
import json, sys
for line in sys.stdin:
    c = json.loads(line)
    n = c["call_id"][-2:]
    c["call_id"], c["agent_id"] = ("C-1", "Z02") if n == "01" else ("W-" + n, "Z01")
    print(json.dumps(c, ensure_ascii=False))' > calls.jsonl
"$zhijian" score --db z.db calls.jsonl > /dev/null 2>&1
[ $? -le 1 ] || fail "score"
"$zhijian" sample --db z.db --iso2859 II --aql 1.0 --agent Z01 --save > /dev/null 2>&1 || fail "sample"

# A rule-less confirmed row per call with findings: refused, naming them.
printf 'call_id,rule_id,turn,span_start,span_end,verdict\nW-11,,,,,confirmed\nW-15,,,,,确认\n' > whole.csv
"$zhijian" review import --db z.db --reviewer 张敏 whole.csv 2> err
[ $? = 3 ] || fail "import of whole-call rows for calls with findings: exit 3 expected: $(cat err)"
cat > want << 'E'
zhijian: whole.csv:2: call 'W-11' has 1 reviewable finding (taboo.02-bu-zhi-dao at turn 3 span 0-3): confirm or reject it; a verdict without a rule says a call without reviewable findings was reviewed and nothing was found
zhijian: whole.csv:3: call 'W-15' has 1 reviewable finding (taboo.15-ask-who at turn 5 span 0-7): confirm or reject it; a verdict without a rule says a call without reviewable findings was reviewed and nothing was found
zhijian: whole.csv: 2 rows: 0 verdicts recorded, 0 unchanged or blank, 2 rejected
E
diff want err || fail "the refusal"
[ "$(sqlite3 z.db 'SELECT count(*) FROM reviews')" = 0 ] || fail "a refused row was recorded"
"$zhijian" review status --db z.db --sample 1 > status.txt || fail "status"
grep -qx "样本判定（ISO 2859-1，Ac = 0，Re = 1）：已复核 0/2 通，不合格 0 通 → 尚未判定（待复核）。" status.txt &&
  grep -qx "W-11	Z01	90	90	未复核	0	0	0	0" status.txt || fail "status after the refusal: $(cat status.txt)"
"$zhijian" review close --db z.db --sample 1 --supervisor 王经理 2> err
[ $? = 2 ] && grep -qx "zhijian: sample 1 cannot be decided yet: 0 of 2 calls reviewed, 0 nonconforming (reject from 1)" err ||
  fail "close: $(cat err)"
"$zhijian" calibrate --db z.db > /dev/null 2> err
[ $? = 2 ] && grep -qx "zhijian: no calls of rule set property-service@2026.1 in the selection were reviewed yet: no calibration written (zhijian review import records an inspector's sheet)" err ||
  fail "calibrate without a reviewed call: $(cat err)"

# On the clean call: recorded; reviewed and conforming.
printf 'call_id,rule_id,turn,span_start,span_end,verdict\nC-1,,,,,confirmed\n' > clean.csv
"$zhijian" review import --db z.db --reviewer 张敏 clean.csv 2> err || fail "the clean call's row: $(cat err)"
"$zhijian" review status --db z.db --agent Z02 > status.txt || fail "status Z02"
grep -qx "C-1	Z02	100	100	合格	0	0	0	0" status.txt || fail "the clean call reviewed: $(cat status.txt)"
"$zhijian" calibrate --db z.db > cal.txt 2>&1 || fail "calibrate: $(cat cal.txt)"
# Scored again after its text changed, the call has a finding (不知道): the
# row says nothing about it, so the call is not reviewed any more.
python3 -c '
import json, sys
c = json.loads(open("calls.jsonl", encoding="utf-8").readlines()[0])
assert c["call_id"] == "C-1", c["call_id"]
c["turns"].append({"speaker": "agent", "text": "不知道"})
print(json.dumps(c, ensure_ascii=False))' > c1.jsonl || fail "C-1 changed"
"$zhijian" score --db z.db c1.jsonl > /dev/null 2>&1
[ $? -le 1 ] || fail "score C-1 again"
"$zhijian" review status --db z.db --agent Z02 > status.txt || fail "status Z02 after the re-score"
grep -q "^C-1	Z02	90	90	未复核	0	0	0	0$" status.txt ||
  fail "a whole-call row reviews a call with a finding: $(cat status.txt)"
"$zhijian" calibrate --db z.db --agent Z02 > /dev/null 2> err
[ $? = 2 ] && grep -qx "zhijian: no calls of rule set property-service@2026.1 in the selection were reviewed yet: no calibration written (zhijian review import records an inspector's sheet)" err ||
  fail "calibrate counts the re-scored call as reviewed: $(cat err)"
echo ok
