#!/usr/bin/env bash
# Review by spreadsheet, appeals and calibration on the corpus
# (docs/review.md). Sample 1: ISO 2859-1 level II, AQL 0.65, seed 7 (20 calls,
# Ac 0, Re 1). Inspector 张敏 confirms every finding of the sheet except two
# (PS-011 不知道, PS-009 喂), marks the calls without findings reviewed and
# adds a finding the engine missed (PS-002 turn 3 可以的 as taboo.17-cant-do,
# 10 points: the words must be the call's, the judgement is the test's);
# inspector 李强 rejects PS-015's 你问我我问谁; agent A04 appeals PS-040's
# 你怎么这么麻烦 and supervisor 王经理 overturns it. Then, exactly:
#  - final scores: PS-011 90 → 100, PS-009 95 → 100, PS-002 100 → 90, PS-015
#    90 → 100, PS-040 85 → 95; machine scores unchanged in the store;
#  - the sample is rejected: 20 of 20 reviewed, 5 nonconforming (PS-018,
#    PS-022, PS-023, PS-035, PS-044 fail before and after review) ≥ Re 1;
#  - re-importing a sheet records nothing; rows naming no finding or a bad
#    verdict are reported with their line (exit 3) and the rest recorded;
#  - another agent cannot appeal the call; the review rows cannot be changed
#    or deleted;
#  - calibrate: the precision of the four rules with a withdrawn hit and the
#    added finding, the rejected quotes, and Cohen's kappa recomputed here
#    from the sheets; the audit report's review section says the same;
#  - scored again with a rule set that drops 不知道, the old reviews stay and
#    review status names the rejected PS-011 finding the new rules no longer
#    produce;
#  - two rulings on one appeal made at once (both waiting for the write lock
#    another process holds): exactly one is stored, the other refused.
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
# ZJ_TEST_DB: run the same scenario on another store (postgres_store.sh
# passes a PostgreSQL URI of an empty database).
db=${ZJ_TEST_DB:-z.db}
sql() {
  case $db in
    postgres*) psql -X -q -A -t -v ON_ERROR_STOP=1 "$db" -c "$1" ;;
    *) sqlite3 "$db" "$1" ;;
  esac
}
"$zhijian" score --db $db "$src/corpus/calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score"
"$zhijian" sample --db $db --iso2859 II --aql 0.65 --seed 7 --save > /dev/null 2>&1 || fail "sample --save"
"$zhijian" review export --db $db --sample 1 -o sheet.csv 2> /dev/null || fail "export"
head -c 3 sheet.csv | od -An -tx1 | grep -q "ef bb bf" || fail "the sheet has no BOM"
[ "$(sed -n 1p sheet.csv | tr -d '\357\273\277\r')" = "call_id,agent_id,agent_name,started_at,rule_id,title,clause,turn,span_start,span_end,quote,points,fatal,verdict,category,note,ruleset,ruleset_sha256" ] ||
  fail "header: $(sed -n 1p sheet.csv)"
[ "$(tail -n +2 sheet.csv | cut -d, -f1 | sort -u | wc -l)" = 20 ] || fail "the sheet does not hold the 20 sampled calls"

# 张敏's sheet.
python3 - sheet.csv zhang.csv << 'PY' || fail "filling the sheet"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
head, body = rows[0], rows[1:]
col = {n: i for i, n in enumerate(head)}
for r in body:
    key = (r[col["call_id"]], r[col["rule_id"]])
    r[col["verdict"]] = "rejected" if key in {("PS-011", "taboo.02-bu-zhi-dao"), ("PS-009", "phone.no-wei")} else "confirmed"
    if key == ("PS-011", "taboo.02-bu-zhi-dao"):
        r[col["note"]] = "住户问的事坐席确实不知道，且随即转交"
add = [""] * len(head)
add[col["call_id"]], add[col["rule_id"]], add[col["turn"]] = "PS-002", "taboo.17-cant-do", "3"
add[col["span_start"]], add[col["span_end"]], add[col["quote"]], add[col["verdict"]] = "0", "3", "可以的", "added"
body.append(add)
with open(sys.argv[2], "w", encoding="utf-8-sig", newline="") as f:
    csv.writer(f).writerows([head] + body)
PY
"$zhijian" review import --db $db --reviewer 张敏 zhang.csv 2> err || fail "import: $(cat err)"
rows=$(($(wc -l < sheet.csv) - 1))
grep -qx "zhijian: zhang.csv: $((rows + 1)) rows: $((rows + 1)) verdicts recorded, 0 unchanged or blank, 0 rejected" err ||
  fail "import summary: $(cat err)"
"$zhijian" review import --db $db --reviewer 张敏 zhang.csv 2> err || fail "re-import"
grep -qx "zhijian: zhang.csv: $((rows + 1)) rows: 0 verdicts recorded, $((rows + 1)) unchanged or blank, 0 rejected" err ||
  fail "re-import recorded again: $(cat err)"
# The export gives back each verdict with its note.
"$zhijian" review export --db $db --sample 1 -o again.csv 2> /dev/null || fail "export after import"
python3 - again.csv << 'PY' || fail "the exported verdicts and notes"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
col = {n: i for i, n in enumerate(rows[0])}
got = [(r[col["verdict"]], r[col["note"]]) for r in rows[1:]
       if (r[col["call_id"]], r[col["rule_id"]]) == ("PS-011", "taboo.02-bu-zhi-dao")]
assert got == [("rejected", "住户问的事坐席确实不知道，且随即转交")], got
PY

# 李强 rejects one finding 张敏 confirmed; two bad rows are reported.
python3 - sheet.csv li.csv << 'PY' || fail "filling the second sheet"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
head, body = rows[0], rows[1:]
col = {n: i for i, n in enumerate(head)}
out = [head]
for r in body:
    if (r[col["call_id"]], r[col["rule_id"]]) == ("PS-015", "taboo.15-ask-who"):
        r[col["verdict"]] = "驳回"
        out.append(r)
bad1 = list(out[1]); bad1[col["turn"]] = "9"              # no finding at turn 9
bad2 = list(out[1]); bad2[col["verdict"]] = "maybe"       # not a verdict
out += [bad1, bad2]
with open(sys.argv[2], "w", encoding="utf-8-sig", newline="") as f:
    csv.writer(f).writerows(out)
PY
"$zhijian" review import --db $db --reviewer 李强 li.csv 2> err
[ $? = 3 ] || fail "import with bad rows should exit 3: $(cat err)"
grep -q "^zhijian: li.csv:3: call 'PS-015' has no finding of rule 'taboo.15-ask-who' at turn 9 span 0-7$" err || fail "bad row 3: $(cat err)"
grep -q "^zhijian: li.csv:4: verdict 'maybe': expected confirmed, rejected or added" err || fail "bad row 4: $(cat err)"
grep -qx "zhijian: li.csv: 3 rows: 1 verdicts recorded, 0 unchanged or blank, 2 rejected" err || fail "summary: $(cat err)"

# Appeals.
"$zhijian" appeal --db $db --agent A03 --call PS-040 --rule taboo.18-troublesome --reason x > out 2> err
[ $? = 2 ] && grep -q "call 'PS-040' is not agent A03's" err || fail "another agent appealed: $(cat err)"
"$zhijian" appeal --db $db --agent A04 --call PS-040 --rule taboo.18-troublesome --reason '我是在复述住户的话' > out 2> err ||
  fail "appeal: $(cat err)"
appeal=$(sed -n 's/^appeal \([0-9]*\) filed$/\1/p' out)
[ -n "$appeal" ] || fail "appeal id: $(cat out)"
"$zhijian" review status --db $db --sample 1 --format json > st.json || fail "status json"
python3 -c "import json,sys; c={x['call_id']:x for x in json.load(open('st.json'))['calls']}; assert c['PS-040']['appeals_open']==1 and c['PS-040']['final_score']==85, c['PS-040']" ||
  fail "open appeal"
"$zhijian" appeal rule --db $db --supervisor 王经理 --appeal "$appeal" --overturn --reason '录音核实为复述' > out 2> err ||
  fail "ruling: $(cat err)"
grep -qx "appeal $appeal overturned" out || fail "ruling output: $(cat out)"

# Status: final beside machine scores, and the sample's decision.
"$zhijian" review status --db $db --sample 1 > st.txt || fail "status"
for row in "PS-011	A03	90	100	合格" "PS-009	A01	95	100	合格" "PS-002	A02	100	90	合格" \
           "PS-015	A03	90	100	合格" "PS-040	A04	85	95	合格" "PS-018	A02	48（不合格）	48	不合格" \
           "PS-004	A04	100	100	合格"; do
  grep -q "^$row	" st.txt || fail "status row '$row': $(grep "^${row%%	*}" st.txt)"
done
grep -qx "复核状态（规则集 property-service@2026.1）：样本通话 20 通，已复核 20 通，复核后得分或结论改变 5 通，待裁决申诉 0 项。" st.txt ||
  fail "status head: $(head -1 st.txt)"
grep -qx "样本判定（ISO 2859-1，Ac = 0，Re = 1）：已复核 20/20 通，不合格 5 通 → 拒收。" st.txt || fail "decision: $(tail -1 st.txt)"
[ "$(sql "SELECT score FROM calls WHERE call_id = 'PS-011'")" = 90 ] || fail "the machine score changed"

# Closing the sample records its decision once; the audit report cites it.
"$zhijian" review close --db $db --sample 1 --supervisor 王经理 > out 2> err || fail "close: $(cat err)"
grep -qx "sample 1 closed: reject" out || fail "close output: $(cat out)"
"$zhijian" review close --db $db --sample 1 --supervisor 李强 > out 2> err && fail "a sample was closed twice"
grep -q "sample 1 was closed by 王经理 at 20[0-9-]*T[0-9:]*Z: reject" err || fail "second close: $(cat err)"
"$zhijian" review status --db $db --sample 1 > st.txt || fail "status after close"
grep -q "^已关闭：拒收（王经理，20[0-9-]*T[0-9:]*Z；关闭时已复核 20 通，不合格 5 通）。$" st.txt || fail "closed line: $(tail -2 st.txt)"
"$zhijian" report --db $db --sample 1 > sampled.md || fail "report --sample 1"
grep -q "人工复核后判定：拒收（王经理 于 20[0-9: -]*（UTC[+-][0-9:]*） 关闭抽样；已复核 20 通，不合格 5 通）。" sampled.md ||
  fail "the report does not cite the decision: $(grep 抽样编号 sampled.md)"
"$zhijian" sample --db $db --n 5 --seed 3 --save > /dev/null 2>&1 || fail "a fixed-n sample"
"$zhijian" review close --db $db --sample 2 --supervisor 王经理 2> err && fail "a fixed-n sample was closed"
grep -q "sample 2 has no AQL plan" err || fail "fixed-n close: $(cat err)"

# Append-only.
sql "UPDATE reviews SET note = 'x' WHERE id = 1" 2> err && fail "a review row was changed"
grep -q "reviews are append-only" err || fail "update message: $(cat err)"
sql "DELETE FROM reviews" 2> err && fail "review rows were deleted"

# Calibration.
"$zhijian" calibrate --db $db --format json > cal.json || fail "calibrate"
"$zhijian" calibrate --db $db > cal.txt || fail "calibrate text"
python3 - cal.json zhang.csv li.csv "$appeal" << 'PY' || fail "calibration figures"
import csv, json, sys
cal = json.load(open(sys.argv[1]))
rules = {r["rule_id"]: r for r in cal["rules"]}
def expect(rule, hits, conf, rej, added):
    r = rules[rule]
    got = (r["hits"], r["confirmed"], r["rejected"], r["added"])
    assert got == (hits, conf, rej, added), (rule, got)
expect("taboo.02-bu-zhi-dao", 1, 0, 1, 0)
expect("phone.no-wei", 1, 0, 1, 0)
expect("taboo.15-ask-who", 1, 0, 1, 0)
expect("taboo.18-troublesome", 2, 1, 1, 0)      # PS-018 confirmed, PS-040 overturned
expect("taboo.17-cant-do", 1, 1, 0, 1)          # PS-022's hit confirmed, PS-002's added
assert rules["taboo.18-troublesome"]["precision"] == 0.5
assert rules["taboo.18-troublesome"]["rejected_quotes"] == ["PS-040 第 3 轮「你怎么这么麻烦」"], rules["taboo.18-troublesome"]
low = sorted(r["rule_id"] for r in cal["below_min_precision"])
assert low == ["phone.no-wei", "taboo.02-bu-zhi-dao", "taboo.15-ask-who", "taboo.18-troublesome"], low
assert cal["reviewed_calls"] == 20
# Inter-reviewer: one finding judged by both (confirmed / rejected).
assert cal["inter_reviewer_findings"] == 1 and cal["inter_reviewer_kappa"] == 0.0, cal
# Engine-reviewer kappa over (reviewed call, rule) units, recomputed from the
# sheets: the engine says yes where the sheet lists a finding; the reviewers
# where it stands (not rejected last, not overturned) or was added.
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8-sig")))
calls = sorted({r["call_id"] for r in rows})
withdrawn = {("PS-011", "taboo.02-bu-zhi-dao"), ("PS-009", "phone.no-wei"),
             ("PS-015", "taboo.15-ask-who"), ("PS-040", "taboo.18-troublesome")}
engine, human = set(), set()
for r in rows:
    k = (r["call_id"], r["rule_id"])
    if not r["rule_id"]:
        continue
    if r["verdict"] == "added":
        human.add(k)
    else:
        engine.add(k)
        if k not in withdrawn:
            human.add(k)
rules_seen = sorted({k[1] for k in engine | human})
a = b = c = d = 0
for call in calls:
    for rule in rules_seen:
        e, h = (call, rule) in engine, (call, rule) in human
        a += e and h; b += e and not h; c += h and not e; d += not e and not h
n = a + b + c + d
po = (a + d) / n
p1, p2 = (a + b) / n, (a + c) / n
pe = p1 * p2 + (1 - p1) * (1 - p2)
k = (po - pe) / (1 - pe)
assert cal["engine_reviewer_units"] == n, (cal["engine_reviewer_units"], n)
assert abs(cal["engine_reviewer_kappa"] - k) < 1e-9, (cal["engine_reviewer_kappa"], k)
print(f"kappa {k:.4f} over {n} units")
PY
grep -q "^  taboo.18-troublesome 0.500$" cal.txt || fail "calibrate text: $(cat cal.txt)"
# The JSON outputs against their schemas (docs/schema/).
"$zhijian" review status --db $db --sample 1 --format json > st1.json || fail "status json"
python3 - "$src/docs/schema" st1.json cal.json << 'PY' || fail "JSON Schema validation"
import json, sys
import jsonschema
d = sys.argv[1]
for schema, out in [("review_status.schema.json", sys.argv[2]), ("calibration.schema.json", sys.argv[3])]:
    s = json.load(open(f"{d}/{schema}"))
    jsonschema.Draft202012Validator.check_schema(s)
    errors = list(jsonschema.Draft202012Validator(s).iter_errors(json.load(open(out))))
    for e in errors[:5]:
        print(out, list(e.absolute_path), e.message)
    if errors:
        sys.exit(1)
PY

# The audit report's section 10 says the same: the reviewable findings of
# the sheet less the four withdrawn are confirmed; 20 of the 49 calls.
findings=$(python3 -c "import csv,sys; print(sum(1 for r in csv.DictReader(open('sheet.csv', encoding='utf-8-sig')) if r['rule_id']))")
kappa=$(python3 -c "import json; c=json.load(open('cal.json')); print('%.3f' % c['engine_reviewer_kappa'], c['engine_reviewer_units'])")
"$zhijian" report --db $db > report.md || fail "report"
section=$(sed -n '/^## 10 人工复核、申诉与校准$/,/^## 11 /p' report.md)
for row in "| 已复核通话 | 20 通（40.8%） |" \
           "| 复核结果 | 确认 $((findings - 4)) 项，驳回 4 项，补充漏判 1 项 |" \
           "| 自动评分精确率 | $(python3 -c "print('%.1f%%' % (100 * ($findings - 4) / $findings))") |" \
           "| 复核后改变的通话 | 5 通 |" \
           "| 申诉 | 1 项：成立 1，维持 0，待裁决 0 |" \
           "| 机器与复核一致性 | κ = ${kappa% *}（${kappa#* } 个 通话×规则） |" \
           "| 复核员间一致性 | κ = 0.000（1 项） |"; do
  grep -qF "$row" <<< "$section" || fail "audit report review section lacks '$row': $section"
done
grep -q "^    PS-040 第 3 轮「你怎么这么麻烦」$" cal.txt || fail "rejected quote in text"

# Re-scored with a changed rule set (taboo.02-bu-zhi-dao disabled): the
# reviews of the old rule set stay, and review status names the reviewed
# finding the new rules no longer produce.
reviews=$(sql "SELECT count(*) FROM reviews")
cat > centre.yaml << 'Y'
extends: property-service
ruleset: centre
version: "1"
disable: [taboo.02-bu-zhi-dao]
rules:
  - id: wechat
    kind: forbidden
    title: 加微信
    clause: 内部规定
    any: [加我微信]
    points: 5
Y
"$zhijian" score --db $db --rules centre.yaml "$src/corpus/calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score with the changed rule set"
[ "$(sql "SELECT count(*) FROM reviews")" = "$reviews" ] || fail "re-scoring changed the reviews"
"$zhijian" review status --db $db --ruleset centre > st2.txt || fail "status of the new rule set"
grep -qx "已复核、但当前结果不再产生的发现（通话复核后又重新评分，规则集或通话文本有变）：" st2.txt || fail "no vanished section: $(cat st2.txt)"
[ "$(grep -c '^  ' st2.txt)" = 1 ] || fail "vanished findings: $(grep '^  ' st2.txt)"
grep -qx "  PS-011	property-service@2026.1	taboo.02-bu-zhi-dao	第 3 轮 0-3	复核：驳回" st2.txt ||
  fail "vanished line: $(grep '^  ' st2.txt)"
"$zhijian" review status --db $db --ruleset centre --format json > st2.json || fail "status json"
python3 - "$src/docs/schema/review_status.schema.json" st2.json << 'PY' || fail "status JSON"
import json, sys
import jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))
gone = json.load(open(sys.argv[2]))["no_longer_found"]
assert gone == [{"call_id": "PS-011", "reviewed_under": "property-service@2026.1",
                 "rule_id": "taboo.02-bu-zhi-dao", "turn": 3, "span": [0, 3],
                 "verdict": "rejected"}], gone
PY
"$zhijian" review status --db $db --ruleset property-service > st3.txt || fail "status of the old rule set"
grep -q "不再产生" st3.txt && fail "the old rule set reports vanished findings"
# A sheet exported before the calls were scored with centre is recorded
# under the rule set it names (property-service), where sample 1 sees it,
# not under the newest; naming centre with --ruleset is refused (exit 2).
python3 - sheet.csv late.csv << 'PY' || fail "late sheet"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
head, body = rows[0], rows[1:]
col = {n: i for i, n in enumerate(head)}
late = [r for r in body if r[col["call_id"]] == "PS-015" and r[col["rule_id"]]][:1]
assert late and late[0][col["ruleset"]] == "property-service@2026.1", late
late[0][col["verdict"]] = "confirmed"
with open(sys.argv[2], "w", encoding="utf-8-sig", newline="") as f:
    csv.writer(f).writerows([head] + late)
PY
under() { sql "SELECT count(*) FROM reviews r JOIN rulesets s ON s.id = r.ruleset_id WHERE s.name = '$1'"; }
old_n=$(under property-service) centre_n=$(under centre)
"$zhijian" review import --db $db --reviewer 赵六 --ruleset centre late.csv 2> err
[ $? -eq 2 ] || fail "late sheet with --ruleset centre: exit 2 expected"
grep -qx "zhijian: late.csv:2: the sheet was exported for property-service@2026.1 (sha256 $(sql "SELECT substr(sha256, 1, 12) FROM rulesets WHERE name = 'property-service'")…), not for centre@1 given by --ruleset: its verdicts would be recorded where its sample never sees them" err ||
  fail "late sheet with --ruleset centre: $(cat err)"
"$zhijian" review import --db $db --reviewer 赵六 late.csv 2> err || fail "late sheet: $(cat err)"
[ "$(under property-service)" = $((old_n + 1)) ] && [ "$(under centre)" = "$centre_n" ] ||
  fail "late sheet recorded under the newest rule set"
# Re-scored with the same rule set after an ASR correction moved the words
# (嗯， before them): the rejection no longer names a current finding, so it
# counts for nothing; review status lists it, for the sample too, instead of
# dropping it unseen.
grep -E '"call_id": "G-A0(88|93)"' "$src/corpus/gold/calls/original.jsonl" > asr.jsonl
"$zhijian" score --db asr.db asr.jsonl > /dev/null 2>&1
"$zhijian" sample --db asr.db --n 2 --save > /dev/null 2>&1 || fail "asr: sample"
printf 'call_id,rule_id,turn,span_start,span_end,verdict\nG-A088,taboo.defiant,3,0,8,rejected\nG-A093,,,,,confirmed\n' > asr.csv
"$zhijian" review import --db asr.db --reviewer 张敏 asr.csv > /dev/null 2>&1 || fail "asr: import"
sed 's/"text": "不一样就不一样呗。"/"text": "嗯，不一样就不一样呗。"/' asr.jsonl > asr2.jsonl
"$zhijian" score --db asr.db asr2.jsonl > /dev/null 2>&1
for scope in "" "--sample 1"; do
  "$zhijian" review status --db asr.db $scope > asr.txt || fail "asr: status $scope"
  grep -qx "已复核、但当前结果不再产生的发现（通话复核后又重新评分，规则集或通话文本有变）：" asr.txt &&
    [ "$(grep -c '^  ' asr.txt)" = 1 ] &&
    grep -qx "  G-A088	property-service@2026.1	taboo.defiant	第 3 轮 0-8	复核：驳回" asr.txt ||
    fail "asr: the moved finding's rejection listed ($scope): $(cat asr.txt)"
done
# ...and G-A088 is not reviewed any more: its only verdict names no current
# finding, so the sample's tally waits for it rather than counting it done.
grep -qx "样本无 AQL 抽样方案（固定样本量）：已复核 1/2 通，不合格 0 通。" asr.txt &&
  grep -q "^G-A088	A-06	0（不合格）	0	未复核	" asr.txt ||
  fail "asr: a call whose only verdict moved counts as reviewed: $(cat asr.txt)"
# A row for a required phrase the call did not miss says so, not "at turn  span -".
printf 'call_id,rule_id,turn,span_start,span_end,verdict\nG-A088,opening.surname,,,,rejected\n' > miss.csv
"$zhijian" review import --db asr.db --reviewer 张敏 miss.csv 2> err
[ $? -eq 3 ] && grep -qx "zhijian: miss.csv:2: call 'G-A088' has no finding of rule 'opening.surname' without a turn (a required phrase missing)" err ||
  fail "a missing-phrase row without its finding: $(cat err)"
# A call id a spreadsheet would read as a formula is exported as '+86…
# (CSV injection guard) and must name the same call when the sheet comes back.
printf '%s\n' '{"call_id":"+8613912345678-0001","agent_id":"A1","started_at":"2026-11-02T08:31:00+08:00","turns":[{"speaker":"agent","text":"您好，阳光物业客服中心。你自己去问物业吧"}]}' > plus.jsonl
"$zhijian" score --db plus.db plus.jsonl > /dev/null 2>&1
"$zhijian" review export --db plus.db -o plus.csv 2> /dev/null || fail "export of the +86 call"
grep -q "^\"'+8613912345678-0001\",A1," plus.csv || fail "the +86 id is not guarded: $(cat plus.csv)"
python3 - << 'PY' || fail "sheet for the +86 call"
import csv, io
rows = list(csv.reader(io.StringIO(open('plus.csv', encoding='utf-8-sig').read())))
h = rows[0]
out = [h] + [r for r in rows[1:] if r[h.index('rule_id')] == 'taboo.shirk']
assert len(out) == 2, out
out[1][h.index('verdict')] = 'confirmed'
w = io.StringIO(); csv.writer(w, lineterminator='\r\n').writerows(out)
open('plus_in.csv', 'w', encoding='utf-8-sig').write(w.getvalue())
PY
"$zhijian" review import --db plus.db --reviewer 张三 plus_in.csv 2> err ||
  fail "import of the guarded id: $(cat err)"
grep -q "1 verdicts recorded" err || fail "the guarded id's verdict was not recorded: $(cat err)"

# Two rulings on one appeal at once: both wait for the write lock another
# process holds; the one that gets it second sees the first ruling and is
# refused ("a ruling is final" is checked under the lock, not before it).
case $db in
  postgres*) ;;
  *)
    "$zhijian" score --db race.db "$src/corpus/calls" > /dev/null 2>&1
    [ $? -le 1 ] || fail "score race.db"
    "$zhijian" appeal --db race.db --agent A04 --call PS-040 --rule taboo.18-troublesome --reason x > out 2> err ||
      fail "appeal in race.db: $(cat err)"
    appeal=$(sed -n 's/^appeal \([0-9]*\) filed$/\1/p' out)
    python3 -c "import sqlite3,time; c=sqlite3.connect('race.db', isolation_level=None); c.execute('BEGIN IMMEDIATE'); open('locked', 'w').close(); time.sleep(2); c.execute('ROLLBACK')" &
    locker=$!
    for _ in $(seq 1 1000); do [ -e locked ] && break; sleep 0.05; done
    "$zhijian" appeal rule --db race.db --supervisor 王经理 --appeal "$appeal" --overturn --reason first > r1.out 2> r1.err &
    r1=$!
    "$zhijian" appeal rule --db race.db --supervisor 李主管 --appeal "$appeal" --uphold --reason second > r2.out 2> r2.err &
    r2=$!
    wait $r1; rc1=$?
    wait $r2; rc2=$?
    wait $locker
    [ "$(sqlite3 race.db "SELECT count(*) FROM reviews WHERE action = 'rule' AND appeal_id = $appeal")" = 1 ] ||
      fail "two rulings stored: $(sqlite3 race.db "SELECT id, actor, decision FROM reviews WHERE action = 'rule'")"
    [ "$(echo $rc1 $rc2 | tr ' ' '\n' | sort | tr '\n' ' ')" = "0 2 " ] || fail "ruling exit codes $rc1 $rc2"
    grep -h "a ruling is final" r1.err r2.err | grep -q "^zhijian: appeal $appeal was \(overturned by 王经理\|upheld by 李主管\) at " ||
      fail "the second ruling's refusal: $(cat r1.err r2.err)"
    ;;
esac
echo ok
