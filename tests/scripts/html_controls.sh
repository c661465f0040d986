#!/usr/bin/env bash
# The audit report and the scorecard in HTML write control characters of the
# stored text (an agent name, a team, a quoted turn) as \xNN or \u00NN, and
# bidi controls (U+202E, U+2066..U+2069, U+200E, U+200F, U+061C) as \u202e,
# as the terminal and the review pages do: HTML forbids control characters,
# raw they can hide or garble what an auditor signs, and a raw bidi override
# makes the browser show a sentence reordered (Trojan Source).
set -u
zhijian=$1 src=$2
. "$src/tests/lib/one_rule_store.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
cat > calls.jsonl <<'JSON'
{"call_id":"C1","agent_id":"A1","agent_name":"王\u0001芳\u0085","team":"报修\u007f组","started_at":"2026-11-02T09:00:00+08:00","turns":[{"speaker":"agent","text":"您好，物业客服中心，请问有什么可以帮助您？"},{"speaker":"customer","text":"水管漏了。"},{"speaker":"agent","text":"有本事你\u0007去告。"}]}
JSON
one_rule_store controls '有本事你去告'
"$zhijian" report --db z.db --format html -o report.html 2> err || fail "report: $(cat err)"
"$zhijian" scorecard --db z.db --format html > card.html 2> err || fail "scorecard: $(cat err)"
for f in report.html card.html; do
  if LC_ALL=C grep -q $'[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]' "$f"; then
    fail "$f holds a raw C0 control or DEL"
  fi
  if LC_ALL=C grep -qF $'\xc2\x85' "$f"; then fail "$f holds a raw U+0085"; fi
  grep -qF '王\x01芳\u0085' "$f" || fail "$f: the agent name is not shown as 王\\x01芳\\u0085"
  grep -qF '报修\x7f组' "$f" || fail "$f: the team is not shown as 报修\\x7f组"
done
grep -qF "有本事你\\x07去告" report.html || fail "report.html: the evidence does not show \\x07"

# Bidi controls in the agent name, the team and the quoted turn.
cat > bidi.jsonl <<'JSON'
{"call_id":"B1","agent_id":"A1","agent_name":"王\u202e芳\u2066","team":"报修\u061c组\u0007","started_at":"2026-11-02T09:00:00+08:00","turns":[{"speaker":"agent","text":"您好，物业客服中心，请问有什么可以帮助您？"},{"speaker":"customer","text":"水管漏了。"},{"speaker":"agent","text":"有本事你\u2067去\u202e告\u2069\u2068吧\u200f。\u200e"}]}
JSON
"$zhijian" score --rules rules.yaml --db b.db bidi.jsonl > /dev/null 2> err || fail "score bidi: $(cat err)"
"$zhijian" report --db b.db --format html -o bidi.html 2> err || fail "report bidi: $(cat err)"
"$zhijian" scorecard --db b.db --format html > bidi-card.html 2> err || fail "scorecard bidi: $(cat err)"
for f in bidi.html bidi-card.html; do
  # U+202E, U+2066..U+2069, U+200E, U+200F, U+061C in UTF-8
  for seq in '\xe2\x80\xae' '\xe2\x81\xa6' '\xe2\x81\xa7' '\xe2\x81\xa8' '\xe2\x81\xa9' \
      '\xe2\x80\x8e' '\xe2\x80\x8f' '\xd8\x9c'; do
    if LC_ALL=C grep -qF "$(printf "$seq")" "$f"; then fail "$f holds a raw bidi control ($seq)"; fi
  done
done
grep -qxF '<tr><td class="id">B1</td><td>A1 王\u202e芳\u2066</td><td>2026-11-02 09:00</td><td>第 3 轮：<mark>有本事你\u2067去\u202e告</mark>\u2069\u2068吧\u200f。\u200e（第十四条第11项）</td></tr>' bidi.html ||
  fail "bidi.html: the evidence row: $(grep -F 'class="id">B1<' bidi.html)"
grep -qF '>A1 王\u202e芳\u2066</text>' bidi.html || fail "bidi.html: the chart's agent label"
grep -qxF '<tr><td class="id">A1</td><td>王\u202e芳\u2066</td><td>报修\u061c组\x07</td><td class="id">1</td><td class="id">70.0</td><td class="id">70.0</td><td>0.0%</td><td class="id">0</td><td>C 1</td></tr>' bidi-card.html ||
  fail "bidi-card.html: the agent row: $(grep -F 'class="id">A1<' bidi-card.html)"
grep -qxF '<tr><td>有本事你去告</td><td class="id">t.gao</td><td>第十四条第11项</td><td class="id">1</td><td class="id">-30</td><td>B1 <mark>有本事你\u2067去\u202e告</mark></td></tr>' bidi-card.html ||
  fail "bidi-card.html: the evidence row: $(grep -F 't.gao' bidi-card.html)"
echo "ok: control characters written as \\xNN / \\u00NN, bidi controls as \\u202e, in the HTML report and scorecard"
