#!/usr/bin/env bash
# The audit report and the scorecard in Markdown write control characters of
# the stored text as \xNN (\n, \t kept where the layout allows: a line break
# in a table cell or a heading is a space, never the end of the row or the
# heading) and bidi controls (U+202E, U+2066..U+2069, U+200E, U+200F, U+061C)
# as \u202e, the escape's backslash escaped for Markdown: a .md is read in
# terminals as well as rendered, and a raw bidi override shows a sentence
# reordered.
set -u
zhijian=$1 src=$2
. "$src/tests/lib/one_rule_store.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
cat > calls.jsonl <<'JSON'
{"call_id":"B1","agent_id":"A1","agent_name":"王\u202e芳\u2066","team":"报修\u061c组\u0007","started_at":"2026-11-02T09:00:00+08:00","turns":[{"speaker":"agent","text":"您好，物业客服中心，请问有什么可以帮助您？"},{"speaker":"customer","text":"水管漏了。"},{"speaker":"agent","text":"有本事你\u2067去\u202e告\u2069\n\u2068吧\u200f。\u200e\u001b[2J"}]}
JSON
one_rule_store controls '"有本事\n你去告"'
"$zhijian" report --db z.db -o report.md 2> err || fail "report: $(cat err)"
"$zhijian" scorecard --db z.db --format md > card.md 2> err || fail "scorecard: $(cat err)"
for f in report.md card.md; do
  if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$f"; then fail "$f holds a raw control character"; fi
  # U+202E, U+2066..U+2069, U+200E, U+200F, U+061C in UTF-8
  for seq in '\xe2\x80\xae' '\xe2\x81\xa6' '\xe2\x81\xa7' '\xe2\x81\xa8' '\xe2\x81\xa9' \
      '\xe2\x80\x8e' '\xe2\x80\x8f' '\xd8\x9c'; do
    if LC_ALL=C grep -qF "$(printf "$seq")" "$f"; then fail "$f holds a raw bidi control ($seq)"; fi
  done
done
want() { # FILE LINE: FILE holds LINE as a whole line
  grep -qxF "$2" "$1" || fail "$1: no line $2"
}
want report.md '| A1 王\\u202e芳\\u2066 | 70.0 |'
want report.md '| B1 | A1 王\\u202e芳\\u2066 | 2026-11-02 09:00 | 第 3 轮：**有本事你\\u2067去\\u202e告**\\u2069 \\u2068吧\\u200f。\\u200e\\x1b\[2J（第十四条第11项） |'
want report.md '### F01 一般不符合：有本事 你去告（第十四条第11项）'
want card.md '| A1 | 王\\u202e芳\\u2066 | 报修\\u061c组\\x07 | 1 | 70.0 | 70.0 | 0.0% | 0 | C 1 |'
want card.md '| 有本事 你去告 | t.gao | 第十四条第11项 | 1 | -30 | B1 **有本事你\\u2067去\\u202e告** |'

# A character reference is a character once the Markdown is rendered: &rlm;
# and &lrm; are the bidi marks U+200F and U+200E, and &#x202E; (# escaped or
# not) an override. Every & is written \&, which renders as the & it was.
cat > entities.jsonl <<'JSON'
{"call_id":"E1","agent_id":"A2","agent_name":"李&rlm;四&lrm;","team":"组&#x202E;一","started_at":"2026-11-02T10:00:00+08:00","turns":[{"speaker":"agent","text":"您好，物业客服中心，请问有什么可以帮助您？"},{"speaker":"customer","text":"水管漏了。"},{"speaker":"agent","text":"有本事你去告&rlm;吧&amp;"}]}
JSON
"$zhijian" score --rules rules.yaml --db e.db entities.jsonl > /dev/null 2> err || fail "score: $(cat err)"
"$zhijian" report --db e.db -o e-report.md 2> err || fail "report: $(cat err)"
"$zhijian" scorecard --db e.db --format md > e-card.md 2> err || fail "scorecard: $(cat err)"
for f in e-report.md e-card.md; do
  if grep -qE '(^|[^\\])&' "$f"; then
    fail "$f holds an & that a Markdown renderer may read as a character reference"
  fi
done
want e-report.md '| A2 李\&rlm;四\&lrm; | 70.0 |'
want e-report.md '| E1 | A2 李\&rlm;四\&lrm; | 2026-11-02 10:00 | 第 3 轮：**有本事你去告**\&rlm;吧\&amp;（第十四条第11项） |'
want e-card.md '| A2 | 李\&rlm;四\&lrm; | 组\&\#x202E;一 | 1 | 70.0 | 70.0 | 0.0% | 0 | C 1 |'
echo "ok: control and bidi characters written as \\\\x07 / \\\\u202e in the Markdown report and scorecard; & as \\&"
