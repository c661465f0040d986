#!/usr/bin/env bash
# Report builders mark the quoted words of a finding for the renderers
# (<mark> in HTML, **bold** in Markdown, 「」 in text and CSV). Text from the
# input — an agent name, a turn — that holds U+0001 followed by [[ or
# preceded by ]] (valid JSON and valid UTF-8) is shown as the text it is,
# \x01[[ and ]]\x01, never read as such a mark: it would hide the control and
# highlight words that are not the finding's.
set -u
zhijian=$1 src=$2
. "$src/tests/lib/one_rule_store.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
cat > calls.jsonl <<'JSON'
{"call_id":"K1","agent_id":"A1","agent_name":"王\u0001[[芳]]\u0001","team":"报修组","started_at":"2026-11-02T09:00:00+08:00","turns":[{"speaker":"agent","text":"您好，物业客服中心，请问有什么可以帮助您？"},{"speaker":"customer","text":"水管漏了。"},{"speaker":"agent","text":"好的\u0001[[没问题]]\u0001，有本事你去告"}]}
JSON
one_rule_store marks '有本事你去告'
"$zhijian" report --db z.db --format html -o report.html 2> err || fail "report html: $(cat err)"
"$zhijian" report --db z.db --format md -o report.md 2> err || fail "report md: $(cat err)"
"$zhijian" scorecard --db z.db --format html > card.html 2> err || fail "scorecard html: $(cat err)"
"$zhijian" scorecard --db z.db > card.txt 2> err || fail "scorecard: $(cat err)"
"$zhijian" scorecard --db z.db --format csv > card.csv 2> err || fail "scorecard csv: $(cat err)"
want() { # FILE LINE: FILE holds LINE as a whole line
  grep -qxF -- "$2" "$1" || fail "$1: no line $2"
}
for f in report.html card.html; do
  grep -qF '王\x01[[芳]]\x01' "$f" || fail "$f: the agent name is not shown as 王\\x01[[芳]]\\x01"
  if grep -qF '王<mark>' "$f"; then fail "$f: the agent name's [[ ]] read as a mark"; fi
done
grep -qF '好的\x01[[没问题]]\x01，<mark>有本事你去告</mark>' report.html ||
  fail "report.html: the evidence is not 好的\\x01[[没问题]]\\x01，<mark>有本事你去告</mark>"
want report.md '| A1 王\\x01\[\[芳\]\]\\x01 | 70.0 |'
want report.md '| K1 | A1 王\\x01\[\[芳\]\]\\x01 | 2026-11-02 09:00 | 第 3 轮：好的\\x01\[\[没问题\]\]\\x01，**有本事你去告**（第十四条第11项） |'
grep -qF 'A1   王\x01[[芳]]\x01 报修组 1' card.txt || fail "card.txt: $(grep A1 card.txt | head -1)"
# CSV carries the text as stored (docs/reports.md), the control included.
grep -qF $'A1,王\x01[[芳]]\x01,报修组,1,' card.csv || fail "card.csv: $(grep A1 card.csv | head -1)"
echo "ok: [[ ]] beside U+0001 in the input is text in HTML, Markdown, text and CSV, not a mark"
