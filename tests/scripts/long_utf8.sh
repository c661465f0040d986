#!/usr/bin/env bash
# Long Chinese text is never cut in the middle of a character: call ids of
# 300 characters (900 bytes), a rule title of 300 characters, agent names and
# quoted words of 200 come out whole in the audit report (md, html, json), the
# scorecard, sample and show; every output is valid UTF-8 and the JSON ones
# are valid JSON. (Fixed buffers - call[128], who[200], text[600],
# title[256], id[96] - used to cut them, leaving invalid UTF-8.)
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
rep() { local s="" i; for ((i = 0; i < $2; i++)); do s+=$1; done; printf '%s' "$s"; }
title=$(rep 标 300)
cat > rules.yaml <<YAML
ruleset: long-text
version: "1"
scoring: {base: 100, pass: 80, grades: {A: 95, B: 85, C: 70, D: 0}}
rules:
  - id: taboo.long
    title: "$title"
    clause: "$(rep 条 100)"
    kind: forbidden
    any: [{re: '这个我也不知道(啊)+'}]
    points: 10
    severity: critical
YAML
words="这个我也不知道$(rep 啊 200)"
for i in 1 2 3 4; do
    printf '{"call_id": "%s-%d", "agent_id": "%s", "agent_name": "%s", "started_at": "2026-11-0%dT08:00:00+08:00", "turns": [{"speaker": "agent", "text": "%s"}]}\n' \
        "$(rep 通 300)" $i "$(rep 坐 300)" "$(rep 王 200)" $i "$words"
done > calls.jsonl
"$zhijian" score --rules rules.yaml --db l.db calls.jsonl >/dev/null 2>err || fail "score: $(cat err)"
id="$(rep 通 300)-2"

utf8() { iconv -f UTF-8 -t UTF-8 "$2" >/dev/null 2>&1 || fail "$1: invalid UTF-8"; }
json() { [ "$(sqlite3 :memory: "SELECT json_valid(readfile('$2'))")" = 1 ] || fail "$1: invalid JSON"; }
run() { # NAME FILE ARGS...
    local name=$1 file=$2
    shift 2
    "$zhijian" "$@" >"$file" 2>err || fail "$name: $(cat err)"
    utf8 "$name" "$file"
}
run "report md" r.md report --db l.db
run "report html" r.html report --db l.db --format html
run "report json" r.json report --db l.db --format json
json "report json" r.json
run "scorecard" s.txt scorecard --db l.db
run "scorecard json" s.json scorecard --db l.db --format json
json "scorecard json" s.json
run "sample json" p.json sample --db l.db --n 4 --format json
json "sample json" p.json
run "sample text" p.txt sample --db l.db --n 4
run "show" w.txt show --db l.db "$id"
# Whole, not cut: the title, the quoted words and the ids, in full.
for f in r.md r.json; do
    grep -qF "$title" $f || fail "$f: the rule title is cut"
    grep -qF "$id" $f || fail "$f: the call id is cut"
    grep -qF "$words" $f || fail "$f: the quoted words are cut"
done
grep -qF "$(rep 坐 300) $(rep 王 200)" r.md || fail "r.md: the agent is cut"
# The JSON keeps the agent's id and name apart, each whole.
grep -qF "\"agent_id\": \"$(rep 坐 300)\"" r.json || fail "r.json: the agent id is cut"
grep -qF "\"agent_name\": \"$(rep 王 200)\"" r.json || fail "r.json: the agent name is cut"
grep -qF "$id" p.json || fail "sample json: the call id is cut"
grep -qF "$id" s.txt || fail "scorecard: the worst call's id is cut"
# Messages, cut to the error record's size, are cut on a character boundary.
"$zhijian" show --db l.db "$(rep 无 400)" >/dev/null 2>err && fail "show of a missing call"
utf8 "show message" err
grep -q "…$" err || fail "show message: no ellipsis where it was cut: $(cat err)"
echo ok
