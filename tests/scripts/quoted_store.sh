#!/usr/bin/env bash
# A forbidden phrase the agent only quotes or reports is stored with quoted = 1
# and 0 points, never fatal, and `zhijian show` (text and JSON) says so; the
# agent's own words in the same call still count.
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
db=$tmp/q.db
cat > "$tmp/calls.jsonl" <<'JSON'
{"call_id":"Q-STORE","turns":[{"speaker":"agent","text":"您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"},{"speaker":"customer","text":"邻居说有本事你去告。"},{"speaker":"agent","text":"您说邻居跟您讲“有本事你去告”，是吧？说了多少遍了。感谢您的来电，再见。"}]}
JSON
"$zhijian" score --db "$db" --rules "$src/rules/property-service.yaml" "$tmp/calls.jsonl" >/dev/null 2>&1 || fail "score"
rows=$(sqlite3 "$db" "SELECT rule_id||' '||points||' '||fatal||' '||quoted||' '||text FROM findings WHERE outcome = 'hit' AND kind = 'forbidden' ORDER BY seq")
want="taboo.11-go-complain 0 0 1 有本事你去告
taboo.impatient -10 0 0 说了多少遍了"
[ "$rows" = "$want" ] || fail "stored findings: $rows"
[ "$(sqlite3 "$db" "SELECT score||' '||passed||' '||fatal FROM calls")" = "90 1 0" ] || fail "a quoted fatal taboo failed the call"
"$zhijian" show --db "$db" Q-STORE > "$tmp/show.txt" || fail "show"
grep -q "taboo.11-go-complain.*turn 2 「有本事你去告」.*(quoted: not the agent's own words, 0 points)" "$tmp/show.txt" ||
  { cat "$tmp/show.txt"; fail "show text lacks the quoted mark"; }
grep "taboo.impatient" "$tmp/show.txt" | grep -q quoted && fail "the agent's own words shown as quoted"
"$zhijian" show --db "$db" --format json Q-STORE > "$tmp/show.json" || fail "show json"
grep -q '"rule":"taboo.11-go-complain","kind":"forbidden","outcome":"hit","severity":"critical","points":0,"turn":2,"speaker":"agent","span":\[8,14\],"text":"有本事你去告","clause":"第十四条第11项","quoted":true}' "$tmp/show.json" ||
  { cat "$tmp/show.json"; fail "show json lacks quoted: true"; }
[ "$(grep -o '"quoted":true' "$tmp/show.json" | wc -l)" = 1 ] || fail "only the quotation is quoted"
"$zhijian" score --no-db --format text --rules "$src/rules/property-service.yaml" "$tmp/calls.jsonl" > "$tmp/score.txt" || fail "score text"
grep -q "• turn 2 「有本事你去告」 taboo.11-go-complain 有本事你去告 (第十四条第11项) quoted (not the agent's own words, 0 points)" "$tmp/score.txt" ||
  { cat "$tmp/score.txt"; fail "score text lacks the quoted line"; }
echo "ok: quoted findings stored, shown and printed as 0-point observations"
