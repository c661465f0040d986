#!/usr/bin/env bash
# The audit report and the scorecard in HTML write control characters of the
# stored text (an agent name, a team, a quoted turn) as \xNN or \u00NN, as the
# terminal and the review pages do: HTML forbids them, and raw they can hide
# or garble what an auditor signs.
set -u
zhijian=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
cat > calls.jsonl <<'JSON'
{"call_id":"C1","agent_id":"A1","agent_name":"王\u0001芳\u0085","team":"报修\u007f组","started_at":"2026-11-02T09:00:00+08:00","turns":[{"speaker":"agent","text":"您好，物业客服中心，请问有什么可以帮助您？"},{"speaker":"customer","text":"水管漏了。"},{"speaker":"agent","text":"有本事你\u0007去告。"}]}
JSON
"$zhijian" score --db z.db calls.jsonl > /dev/null 2> err || fail "score: $(cat err)"
"$zhijian" report --db z.db --format html -o report.html 2> err || fail "report: $(cat err)"
"$zhijian" scorecard --db z.db --format html > card.html 2> err || fail "scorecard: $(cat err)"
for f in report.html card.html; do
  if LC_ALL=C grep -q $'[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]' "$f"; then
    fail "$f holds a raw C0 control or DEL"
  fi
  if grep -q $'\u0085' "$f"; then fail "$f holds a raw U+0085"; fi
  grep -qF '王\x01芳\u0085' "$f" || fail "$f: the agent name is not shown as 王\\x01芳\\u0085"
  grep -qF '报修\x7f组' "$f" || fail "$f: the team is not shown as 报修\\x7f组"
done
grep -qF "有本事你\\x07去告" report.html || fail "report.html: the evidence does not show \\x07"
echo "ok: control characters written as \\xNN / \\u00NN in the HTML report and scorecard"
