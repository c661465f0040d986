#!/usr/bin/env bash
# Encodings of native JSON lines and standard input, as input-formats.md
# says for every input: a GB18030 .jsonl (or standard input) gets the
# "look like GB18030" hint at its line, and --encoding gb18030 converts it
# line by line (a UTF-8 line of the same file stays UTF-8); a line that is
# UTF-8 but for a stray byte is reported as damaged, not converted; standard
# input with a UTF-16 byte-order mark is named as such, and read with
# --encoding utf-16.
set -u
zhijian=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 2
cat > rules.yaml <<'EOF'
ruleset: case-encodings
version: "1"
defaults: {speaker: agent}
rules:
  - id: agent.shirk
    kind: forbidden
    any: [去问物业]
    points: 10
EOF
utf8='{"call_id":"U1","turns":[{"speaker":"agent","text":"您好"},{"speaker":"customer","text":"水管漏了"}]}'
gbk='{"call_id":"G2","turns":[{"speaker":"agent","text":"你自己去问物业吧"}]}'
printf '%s\n%s\n' "$utf8" "$gbk" | iconv -f UTF-8 -t GB18030 > gbk-only.jsonl
{ printf '%s\n' "$utf8"; printf '%s\n' "$gbk" | iconv -f UTF-8 -t GB18030; } > mixed.jsonl
# Line 2: UTF-8 with one stray byte (0x81), which also reads as GB18030.
{ printf '%s\n' "$utf8"; printf '{"call_id":"D2","turns":[{"speaker":"agent","text":"水管\201漏了吗你自己去问物业吧"}]}\n'; } > damaged.jsonl
want_g2='{"call_id":"G2","agent_id":null,"ruleset":"case-encodings@1","score":90,"passed":true,"grade":"A","fatal":false,"findings":[{"rule":"agent.shirk","kind":"forbidden","outcome":"hit","severity":"minor","points":-10,"turn":0,"speaker":"agent","span":[3,7],"text":"去问物业"}]}'
hint='not UTF-8; the bytes look like GB18030/GBK (a Chinese Windows export?): pass --encoding gb18030'

# 1. Without --encoding: the hint, at the line.
"$zhijian" score --no-db --rules rules.yaml mixed.jsonl > out 2> err
[ $? -eq 3 ] || fail "GB18030 line without --encoding: exit 3 expected"
[ "$(cat err)" = "zhijian: mixed.jsonl:2: $hint" ] || fail "GB18030 line: $(cat err)"
"$zhijian" score --no-db --rules rules.yaml - < mixed.jsonl > out 2> err
[ "$(cat err)" = "zhijian: -:2: $hint" ] || fail "GB18030 on standard input: $(cat err)"

# 2. With --encoding gb18030: converted line by line, a file and stdin.
for f in gbk-only.jsonl mixed.jsonl; do
  "$zhijian" score --no-db --format jsonl --rules rules.yaml --encoding gb18030 "$f" > out 2> err ||
    fail "$f --encoding gb18030: exit $?: $(cat err)"
  [ "$(sed -n 2p out)" = "$want_g2" ] || fail "$f: G2 scored $(sed -n 2p out)"
  grep -q '^{"call_id":"U1","agent_id":null,"ruleset":"case-encodings@1","score":100,' out ||
    fail "$f: U1 $(head -1 out)"
done
"$zhijian" score --no-db --format jsonl --rules rules.yaml --encoding gb18030 - < mixed.jsonl > out 2> err ||
  fail "stdin --encoding gb18030: exit $?: $(cat err)"
[ "$(sed -n 2p out)" = "$want_g2" ] || fail "stdin: G2 scored $(sed -n 2p out)"

# 3. A damaged UTF-8 line is rejected at its line, never converted.
"$zhijian" score --no-db --format jsonl --rules rules.yaml --encoding gb18030 damaged.jsonl > out 2> err
[ $? -eq 3 ] || fail "damaged line: exit 3 expected"
[ "$(cat err)" = "zhijian: damaged.jsonl:2: invalid UTF-8 (byte 0x81 at offset 166) in text that is otherwise UTF-8 (a damaged file?); not converted from gb18030" ] ||
  fail "damaged line: $(cat err)"
[ "$(wc -l < out)" -eq 1 ] || fail "damaged line: the other call is scored"
"$zhijian" score --no-db --rules rules.yaml damaged.jsonl > out 2> err
[ "$(cat err)" = "zhijian: damaged.jsonl:2: invalid UTF-8" ] || fail "damaged line, no --encoding: $(cat err)"

# 4. Standard input in UTF-16 with a byte-order mark.
printf '%s\n%s\n' "$utf8" "$gbk" | iconv -f UTF-8 -t UTF-16 > u16.jsonl
"$zhijian" score --no-db --rules rules.yaml - < u16.jsonl > out 2> err
[ $? -eq 3 ] || fail "UTF-16 stdin without --encoding: exit 3 expected"
[ "$(cat err)" = "zhijian: -:1: not UTF-8; the bytes look like UTF-16LE (byte-order mark FF FE): pass --encoding utf-16" ] ||
  fail "UTF-16 stdin: $(cat err)"
"$zhijian" score --no-db --format jsonl --rules rules.yaml --encoding utf-16 - < u16.jsonl > out 2> err ||
  fail "UTF-16 stdin --encoding utf-16: exit $?: $(cat err)"
[ "$(sed -n 2p out)" = "$want_g2" ] || fail "UTF-16 stdin: G2 scored $(sed -n 2p out)"
echo "ok"
