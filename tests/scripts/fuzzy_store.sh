#!/usr/bin/env bash
# A finding matched by sound (`fuzzy: pinyin`) is stored as such
# (findings.fuzzy) and `show` says so, in text and JSON; matches by the
# characters are not marked.
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
case_dir=$src/tests/cases/0065-homophone-fuzzy
db=$tmp/r.db
"$zhijian" score --db "$db" --rules "$case_dir/rules.yaml" "$case_dir/calls.jsonl" >/dev/null 2>&1
[ $? -le 1 ] || fail "score --db"
[ "$(sqlite3 "$db" "SELECT group_concat(turn || ':' || span_start || '-' || span_end || ':' || fuzzy, ' ')
  FROM (SELECT * FROM findings WHERE rule_id = 'taboo.11-go-complain' ORDER BY seq)")" = \
  "0:0-6:1 1:0-6:0 1:7-13:1 2:0-10:1" ] || fail "stored findings: $(sqlite3 "$db" "SELECT turn, span_start, span_end, fuzzy FROM findings")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM findings WHERE fuzzy = 1")" = 3 ] || fail "fuzzy count"
"$zhijian" show --db "$db" homophone > "$tmp/show.txt" || fail "show"
[ "$(grep -c '(by sound)' "$tmp/show.txt")" = 3 ] || fail "show text: $(cat "$tmp/show.txt")"
grep -q '「有本事你去告」 .*(by sound)' "$tmp/show.txt" && fail "exact match marked by sound"
"$zhijian" show --db "$db" --format json homophone > "$tmp/show.json" || fail "show --format json"
[ "$(grep -o '"fuzzy":true' "$tmp/show.json" | wc -l)" = 3 ] || fail "show json: $(cat "$tmp/show.json")"
echo "ok: 3 findings by sound stored and shown, the match by characters not marked"
