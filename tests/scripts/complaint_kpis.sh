#!/usr/bin/env bash
# The audit report's complaint KPIs come from the rule set's
# `complaint_kpis: {category: …}`, never from a category name in the code:
#  - the bundled standard names 投诉处理 and a rule set extending it inherits it
#    (same complaint figures on the corpus: 4 of 10 complaint calls clean,
#    24 of 66 handling steps done);
#  - a rule set that names none shows both as 不可评估 with the reason, and its
#    JSON has null for them;
#  - `rules check` rejects a malformed setting and a category no tag rule has,
#    naming file, line and column.
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1

"$zhijian" score --db bundled.db "$src/corpus/calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score with the bundled standard"
"$zhijian" report --db bundled.db > bundled.md || fail "report"
grep -qx '| 投诉处理符合率 | 40.0%（4/10） | 住户投诉通话中合格且无服务忌语者的比例 |' bundled.md ||
  fail "bundled complaint rate: $(grep 投诉处理符合率 bundled.md)"
grep -q '^| 投诉处理规范执行率 | 36.4%（24/66） |' bundled.md || fail "bundled handling rate"

# Extending the bundled standard without restating complaint_kpis.
cat > centre.yaml << 'Y'
extends: property-service
ruleset: centre
version: "1"
rules:
  - id: wechat
    kind: forbidden
    title: 加微信
    clause: 内部规定
    any: [加我微信]
    points: 5
Y
"$zhijian" rules check centre.yaml > /dev/null || fail "rules check of the extending set"
"$zhijian" score --db centre.db --rules centre.yaml "$src/corpus/calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score with the extending set"
"$zhijian" report --db centre.db > centre.md || fail "report of the extending set"
grep -qx '| 投诉处理符合率 | 40.0%（4/10） | 住户投诉通话中合格且无服务忌语者的比例 |' centre.md ||
  fail "inherited complaint_kpis: $(grep 投诉处理符合率 centre.md)"

# A standard without complaint rules: no complaint figures, and why.
cat > plain.yaml << 'Y'
ruleset: plain
version: "1"
rules:
  - id: rude
    kind: forbidden
    title: 不耐烦
    clause: 第一条
    any: [烦死了, 急什么]
    points: 10
Y
"$zhijian" score --db plain.db --rules plain.yaml "$src/corpus/calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score with the plain set"
"$zhijian" report --db plain.db > plain.md || fail "report of the plain set"
grep -qx '| 投诉处理符合率 | 不可评估 | 规则集未指定投诉类别（规则集的 complaint\\_kpis 项） |' plain.md ||
  fail "no category: $(grep 投诉处理符合率 plain.md)"
grep -qx '| 投诉处理规范执行率 | 不可评估 | 规则集未指定投诉类别（规则集的 complaint\\_kpis 项） |' plain.md ||
  fail "a handling rate without a category: $(grep 投诉处理规范执行率 plain.md)"
# A figure that cannot be computed is said so, never left out.
grep -qx '| 计时指标达标率 | 不可评估 | 规则集无扣分的计时项 |' plain.md ||
  fail "timing without timed rules: $(grep 计时指标达标率 plain.md)"
printf '%s\n' '{"call_id":"n1","call_type":"投诉","turns":[{"speaker":"agent","text":"您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"},{"speaker":"customer","text":"电梯又坏了，太差了。"},{"speaker":"agent","text":"对不起，请问您贵姓？今天下午三点前派人修，感谢您的来电，再见。"}]}' \
  '{"call_id":"n2","turns":[{"speaker":"agent","text":"您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"},{"speaker":"customer","text":"物业费多少？"},{"speaker":"agent","text":"每平米两元，感谢您的来电，再见。"}]}' > untimed.jsonl
"$zhijian" score --db untimed.db untimed.jsonl > /dev/null 2>&1
[ $? -le 1 ] || fail "score of calls without times"
"$zhijian" report --db untimed.db > untimed.md || fail "report of calls without times"
grep -qx '| 计时指标达标率 | 不可评估 | 5 项均不可测：所选通话无振铃时长或时间戳，接听时长、等候、抢话无法测量 |' untimed.md ||
  fail "timing without timestamps: $(grep 计时指标达标率 untimed.md)"
"$zhijian" report --db plain.db --format json > plain.json || fail "json report"
python3 - plain.json << 'PY' || fail "json complaint figures"
import json, sys
k = json.load(open(sys.argv[1]))["kpis"]
assert k["complaint_calls"] is None and k["complaint_handling"] is None, k
PY

# Malformed settings are errors with their position.
expect_error() { # yaml-line message
  sed "s/^rules:/$1\nrules:/" plain.yaml > bad.yaml
  "$zhijian" rules check bad.yaml > out 2>&1 && fail "rules check accepted: $1"
  grep -qF "$2" out || fail "rules check of '$1' said: $(cat out)"
}
expect_error 'complaint_kpis: 投诉处理' "bad.yaml:3:17: 'complaint_kpis' must be a mapping {category: NAME}"
expect_error 'complaint_kpis: {category: 投诉处理}' "bad.yaml:3:28: no tag rule has category '投诉处理'"
expect_error 'complaint_kpis: {categroy: 投诉处理}' "unknown key 'categroy' in complaint_kpis (did you mean 'category'?)"
echo ok
