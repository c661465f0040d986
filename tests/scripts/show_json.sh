#!/usr/bin/env bash
# `show --format json` prints the stored call as `show --help` promises: the
# call's fields named as in the input (every key present, null when the input
# had none, as the output contract keeps agent_id), each turn's start_ms and
# end_ms (null when unknown), and each finding as `score` prints it (speaker,
# start_ms when known). It used to leave out all of these. Strings are
# JSON-escaped (an ESC in an id is \u001b, never a raw escape sequence).
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 2
cat > rules.yaml <<'YAML'
ruleset: show-json
version: "1"
rules:
  - id: polite.wait
    kind: required
    any: [请稍等]
    points: 5
  - id: taboo.shirk
    kind: forbidden
    severity: major
    any: [管不了]
    points: 10
YAML
cat > calls.jsonl <<'JSON'
{"call_id":"SJ-1","agent_id":"A\u001b[2J7","agent_name":"王芳","team":"报修组","started_at":"2026-11-02T08:00:00+08:00","direction":"inbound","call_type":"报修","ring_ms":4000,"turns":[{"speaker":"agent","text":"您好，请稍等。","start_ms":0,"end_ms":4200},{"speaker":"customer","text":"水管漏了。","start_ms":4600,"end_ms":7000},{"speaker":"agent","text":"这个我们管不了。","start_ms":7500,"end_ms":9000}]}
{"call_id":"SJ-2","turns":[{"speaker":"agent","text":"这个我们管不了。"}]}
JSON
"$zhijian" score --db z.db --rules rules.yaml calls.jsonl >/dev/null 2>&1 || fail "score"
"$zhijian" show --db z.db --format json SJ-1 > sj1.json || fail "show SJ-1"
cat > want1.json <<'JSON'
{"call_id":"SJ-1","agent_id":"A\u001b[2J7","agent_name":"王芳","team":"报修组","started_at":"2026-11-02T08:00:00+08:00","direction":"inbound","call_type":"报修","ruleset":"show-json@1","score":90,"passed":true,"grade":"A","fatal":false,"turns":[{"speaker":"agent","text":"您好，请稍等。","start_ms":0,"end_ms":4200},{"speaker":"customer","text":"水管漏了。","start_ms":4600,"end_ms":7000},{"speaker":"agent","text":"这个我们管不了。","start_ms":7500,"end_ms":9000}],"findings":[{"rule":"polite.wait","kind":"required","outcome":"met","severity":"minor","points":0,"turn":0,"speaker":"agent","span":[3,6],"text":"请稍等","start_ms":0},{"rule":"taboo.shirk","kind":"forbidden","outcome":"hit","severity":"major","points":-10,"turn":2,"speaker":"agent","span":[4,7],"text":"管不了","start_ms":7500}]}
JSON
diff -u want1.json sj1.json || fail "show --format json of a call with every field"
"$zhijian" show --db z.db --format json SJ-2 > sj2.json || fail "show SJ-2"
cat > want2.json <<'JSON'
{"call_id":"SJ-2","agent_id":null,"agent_name":null,"team":null,"started_at":null,"direction":null,"call_type":null,"ruleset":"show-json@1","score":85,"passed":true,"grade":"B","fatal":false,"turns":[{"speaker":"agent","text":"这个我们管不了。","start_ms":null,"end_ms":null}],"findings":[{"rule":"taboo.shirk","kind":"forbidden","outcome":"hit","severity":"major","points":-10,"turn":0,"speaker":"agent","span":[4,7],"text":"管不了"},{"rule":"polite.wait","kind":"required","outcome":"missing","severity":"minor","points":-5}]}
JSON
diff -u want2.json sj2.json || fail "show --format json of a call without the optional fields"
# The findings are the ones `score` prints (what the store keeps of them).
"$zhijian" score --no-db --format jsonl --rules rules.yaml calls.jsonl 2>/dev/null |
  sed 's/^.*"findings"://' > score.findings
sed 's/^.*"findings"://' sj1.json sj2.json | cmp -s - score.findings ||
  fail "show's findings differ from score's: $(cat score.findings)"
echo "ok: show --format json holds the call's fields, turn times and finding speakers"
