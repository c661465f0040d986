#!/usr/bin/env bash
# The life of an appeal, where a ruling could be lost or a figure go wrong:
#  - one appeal at a time: a second while the first awaits its ruling, or one
#    on a finding already withdrawn, is refused (a later appeal replaces the
#    earlier and would undo the ruling); after an upheld ruling the agent may
#    appeal again;
#  - an appeal whose finding a re-score moved is listed with the findings no
#    longer found, and a ruling on it is refused;
#  - the audit report counts a call changed by a ruling alone, and its
#    appeals add up (open + upheld + overturned);
#  - a sample with an open appeal on its calls cannot be closed;
#  - calibration: a category-only added finding is the reviewer's yes for (其他);
#  - nan is no threshold.
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
rules=$src/rules/property-service.yaml
fresh() {
  rm -f "$1" "$1"-*
  "$zhijian" score --db "$1" --rules "$rules" "$src/corpus/calls" > /dev/null 2>&1
  [ $? -le 1 ] || fail "score into $1"
}
status_line() { "$zhijian" review status --db "$1" | grep "^$2	"; }

# 1. One appeal at a time.
fresh a.db
"$zhijian" appeal --db a.db --agent A04 --call PS-034 --rule taboo.01-wei --reason 不是我说的 > out 2> err ||
  fail "first appeal: $(cat err)"
grep -qx "appeal 1 filed" out || fail "first appeal id: $(cat out)"
"$zhijian" appeal --db a.db --agent A04 --call PS-034 --rule taboo.01-wei --reason 再申诉 > out 2> err
[ $? = 2 ] && grep -qx "zhijian: call 'PS-034': the finding of rule 'taboo.01-wei' is under appeal already (appeal 1 awaits its ruling)" err ||
  fail "a second appeal while the first is open: $(cat out err)"
"$zhijian" appeal rule --db a.db --supervisor 王经理 --appeal 1 --overturn --reason 录音核实 > /dev/null 2>&1 ||
  fail "overturn"
[ "$(status_line a.db PS-034)" = "PS-034	A04	70（不合格）	75	未复核	0	0	0	0" ] ||
  fail "overturned: $(status_line a.db PS-034)"
"$zhijian" appeal --db a.db --agent A04 --call PS-034 --rule taboo.01-wei --reason 再申诉 > out 2> err
[ $? = 2 ] && grep -qx "zhijian: call 'PS-034': the finding of rule 'taboo.01-wei' was withdrawn on appeal 1; there is nothing left to appeal" err ||
  fail "an appeal of a withdrawn finding: $(cat out err)"
[ "$(status_line a.db PS-034)" = "PS-034	A04	70（不合格）	75	未复核	0	0	0	0" ] ||
  fail "the overturn was undone: $(status_line a.db PS-034)"
[ "$(sqlite3 a.db "SELECT count(*) FROM reviews WHERE action = 'appeal'")" = 1 ] || fail "refused appeals were stored"
# upheld: the agent may appeal again, and the new appeal is open
"$zhijian" appeal --db a.db --agent A04 --call PS-034 --rule taboo.29-pour-yourself --reason x > out 2> err ||
  fail "appeal of taboo.29: $(cat err)"
grep -qx "appeal 3 filed" out || fail "appeal of taboo.29: $(cat out)"
"$zhijian" appeal rule --db a.db --supervisor 王经理 --appeal 3 --uphold --reason 维持 > /dev/null 2> err ||
  fail "uphold: $(cat err)"
"$zhijian" appeal --db a.db --agent A04 --call PS-034 --rule taboo.29-pour-yourself --reason 新证据 > out 2> err ||
  fail "an appeal after an upheld ruling: $(cat err)"
grep -qx "appeal 5 filed" out || fail "appeal after upheld: $(cat out)"
"$zhijian" report --db a.db --format json > r.json || fail "report a.db"
python3 -c "
import json; r = json.load(open('r.json'))['review']
got = (r['appeals'], r['appeals_overturned'], r['appeals_upheld'], r['appeals_open'], r['changed_calls'])
assert got == (3, 1, 1, 1, 1), got" || fail "report appeal figures"

# 2. A re-score moves the appealed words (嗯， before them): the appeal is
#    listed, its ruling refused; an overturn made before is listed too.
python3 - "$src/corpus/calls" << 'PY' > moved.jsonl || fail "moved call"
import json, os, sys
for name in sorted(os.listdir(sys.argv[1])):
    for line in open(os.path.join(sys.argv[1], name), encoding="utf-8"):
        c = json.loads(line)
        if c["call_id"] == "PS-034":
            c["turns"][4]["text"] = "嗯，" + c["turns"][4]["text"]
            print(json.dumps(c, ensure_ascii=False))
PY
fresh m.db
"$zhijian" appeal --db m.db --agent A04 --call PS-034 --rule taboo.29-pour-yourself --reason 跟同事说话 > /dev/null 2>&1 ||
  fail "appeal in m.db"
"$zhijian" score --db m.db --rules "$rules" moved.jsonl > /dev/null 2>&1
[ $? -le 1 ] || fail "re-score m.db"
"$zhijian" review status --db m.db > st.txt || fail "status m.db"
grep -qx "  PS-034	property-service@2026.1	taboo.29-pour-yourself	第 5 轮 7-13	申诉：待裁决" st.txt ||
  fail "the moved finding's open appeal is not listed: $(cat st.txt)"
"$zhijian" review status --db m.db --format json > st.json || fail "status json m.db"
python3 - "$src/docs/schema/review_status.schema.json" st.json << 'PY' || fail "status JSON of a moved appeal"
import json, sys
import jsonschema
doc = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(doc)
assert doc["no_longer_found"] == [{"call_id": "PS-034", "reviewed_under": "property-service@2026.1",
                                   "rule_id": "taboo.29-pour-yourself", "turn": 5, "span": [7, 13],
                                   "verdict": "appeal_open"}], doc["no_longer_found"]
PY
"$zhijian" appeal rule --db m.db --supervisor 王经理 --appeal 1 --overturn --reason 核实 > out 2> err
[ $? = 2 ] && grep -qx "zhijian: appeal 1 names a finding of rule 'taboo.29-pour-yourself' that call 'PS-034' no longer has (the call was scored again since); 'zhijian review status' lists it" err ||
  fail "a ruling on a moved finding: $(cat out err)"
fresh o.db
"$zhijian" appeal --db o.db --agent A04 --call PS-034 --rule taboo.29-pour-yourself --reason 跟同事说话 > /dev/null 2>&1 &&
  "$zhijian" appeal rule --db o.db --supervisor 王经理 --appeal 1 --overturn --reason 核实 > /dev/null 2>&1 ||
  fail "overturn in o.db"
"$zhijian" score --db o.db --rules "$rules" moved.jsonl > /dev/null 2>&1
"$zhijian" review status --db o.db > st.txt || fail "status o.db"
grep -qx "  PS-034	property-service@2026.1	taboo.29-pour-yourself	第 5 轮 7-13	申诉：成立（撤销）" st.txt ||
  fail "the moved finding's overturn is not listed: $(cat st.txt)"

# 3. A ruling alone changes PS-021 (fatal 30 → 80, passed): the report says so.
fresh c.db
"$zhijian" appeal --db c.db --agent A04 --call PS-021 --rule attitude.solicit --turn 3 --reason 我在转述住户的话 > /dev/null 2>&1 &&
  "$zhijian" appeal rule --db c.db --supervisor 王经理 --appeal 1 --overturn --reason 录音核实为转述 > /dev/null 2>&1 ||
  fail "PS-021 appeal"
"$zhijian" report --db c.db > r.md || fail "report c.db"
grep -q "^| 复核后改变的通话 | 1 通 |" r.md && grep -q "^| 申诉 | 1 项：成立 1，维持 0，待裁决 0 |" r.md ||
  fail "report of a ruling-only change: $(grep -E '复核后改变|申诉 \|' r.md)"

# 4. No close while an appeal on the sample's calls awaits its ruling.
fresh s.db
"$zhijian" sample --db s.db --iso2859 II --aql 1.0 --agent A01 --save > /dev/null 2>&1 || fail "sample"
"$zhijian" review export --db s.db --sample 1 -o s.csv 2> err || fail "export: $(cat err)"
python3 - << 'PY' || fail "sheet"
import csv
rows = list(csv.reader(open("s.csv", encoding="utf-8-sig")))
w = csv.writer(open("sf.csv", "w", encoding="utf-8-sig", newline=""))
w.writerow(rows[0])
for r in rows[1:]:
    r[13] = "confirmed"
    w.writerow(r)
PY
"$zhijian" review import --db s.db --reviewer 张敏 sf.csv > /dev/null 2>&1 || fail "import"
"$zhijian" appeal --db s.db --agent A01 --call PS-020 --rule taboo.04-annoying --reason 住户说的 > out 2>&1 ||
  fail "appeal in s.db: $(cat out)"
id=$(sed -n 's/^appeal \([0-9]*\) filed$/\1/p' out)
"$zhijian" review close --db s.db --sample 1 --supervisor 王经理 > out 2> err
[ $? = 2 ] && grep -qx "zhijian: sample 1 has 1 appeal awaiting a ruling on its calls: rule on them first ('zhijian appeal rule'), since a ruling can change a call's verdict" err ||
  fail "a sample closed with an open appeal: $(cat out err)"
[ "$(sqlite3 s.db "SELECT count(*) FROM sample_decisions")" = 0 ] || fail "a decision was recorded"
"$zhijian" appeal rule --db s.db --supervisor 王经理 --appeal "$id" --uphold --reason 维持 > /dev/null 2>&1 ||
  fail "ruling in s.db"
"$zhijian" review close --db s.db --sample 1 --supervisor 王经理 > out 2> err || fail "close after the ruling: $(cat err)"
grep -qx "sample 1 closed: reject" out || fail "close output: $(cat out)"

# 5. Calibration: PS-001 and PS-017 confirmed whole, then a miss on PS-001
#    added by category only. Units: 17 rules × 2 calls, then (其他) × 2 calls:
#    PS-001 says yes for (其他) where the engine said no, so kappa drops from 1
#    exactly as when the miss names a rule.
fresh k.db
"$zhijian" review export --db k.db -o k.csv 2> /dev/null || fail "export k.db"
python3 - << 'PY' || fail "k sheet"
import csv
rows = list(csv.reader(open("k.csv", encoding="utf-8-sig")))
w = csv.writer(open("kf.csv", "w", encoding="utf-8-sig", newline=""))
w.writerow(rows[0])
for r in rows[1:]:
    if r[0] in ("PS-001", "PS-017"):
        r[13] = "confirmed"
        w.writerow(r)
PY
"$zhijian" review import --db k.db --reviewer 张敏 kf.csv > /dev/null 2>&1 || fail "import k.db"
printf '\xef\xbb\xbfcall_id,rule_id,turn,verdict,category,note\nPS-001,,5,added,语气生硬,语气不耐烦\n' > cat.csv
"$zhijian" review import --db k.db --reviewer 张敏 cat.csv > /dev/null 2>&1 || fail "import cat.csv"
"$zhijian" calibrate --db k.db --format json > cal.json || fail "calibrate"
python3 -c "
import json; c = json.load(open('cal.json'))
got = (c['engine_reviewer_units'], round(c['engine_reviewer_kappa'], 4))
assert got == (36, 0.9444), got" || fail "kappa with a category-only miss: $(cat cal.json | head -c 600)"

# 6. nan passes every range check written as two comparisons.
"$zhijian" calibrate --db k.db --min-precision nan > out 2> err
[ $? = 2 ] && grep -qx "zhijian: --min-precision: invalid value 'nan' (expected a number from 0 to 1)" err ||
  fail "calibrate --min-precision nan: $(cat out err)"
"$zhijian" sample --db k.db --iso2859 II --aql nan > out 2> err
[ $? = 2 ] && grep -q "^zhijian: --aql: invalid value 'nan'" err || fail "sample --aql nan: $(cat out err)"
"$zhijian" sample --db k.db --iso2859 II --aql 0 > out 2> err
[ $? = 2 ] && grep -q "^zhijian: --aql: invalid value '0'" err || fail "sample --aql 0: $(cat out err)"
"$zhijian" eval --labels x --min-recall nan y > out 2> err
[ $? = 2 ] && grep -qx "zhijian: --min-recall: invalid value 'nan' (expected a number from 0 to 1)" err ||
  fail "eval --min-recall nan: $(cat out err)"
echo "ok: appeals one at a time, moved appeals listed, rulings counted, closes wait, nan refused"
