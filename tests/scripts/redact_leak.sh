#!/usr/bin/env bash
# Personal data never leaves `score --redact`: calls with planted phone, ID-card
# and bank-card numbers, e-mail addresses and street addresses are scored with
# --redact into a database, and then the database's bytes (main file, -wal and
# -shm, the log kept alive by a second open connection) and every output
# format of score, show, scorecard, report and sample are searched for each
# planted string: none may appear. The same run without --redact must show
# them (in the database file, in the -wal file and in `show`), so that the
# search can fail. A rule set's `redact:` does the same as --redact, and
# --no-redact overrides it. Findings keep their spans: the same score and
# spans with and without masking.
set -u
zhijian=$1
tmp=$(mktemp -d)
holder_fd_open=0
cleanup() {
  [ "$holder_fd_open" = 1 ] && exec 3>&-
  [ -n "${holder:-}" ] && wait "$holder" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Planted strings, as written in the calls (one per line); the same numbers
# without separators are searched for as well.
cat > "$tmp/planted" <<'EOF'
13912345678
+86 138 0013 8000
139-8765-4321
幺三九八七六五四三二一
021-87654321
(0755) 8765 4321
11010519491231002X
440308199001011239
6222020200012345670
4111 1111 1111 1111
zhang.san@example.com
li_si@mail.example.org
3号楼2单元502
5栋1203室
人民路88号
EOF
{ cat "$tmp/planted"; tr -d ' ()+-' < "$tmp/planted" | grep -E '^[0-9X]{7,}$'; echo 13912345678; } |
  sort -u > "$tmp/needles"

cat > "$tmp/calls.jsonl" <<'EOF'
{"call_id":"R-001","agent_id":"A1","agent_name":"王芳","team":"报修组","started_at":"2026-11-02T09:00:00+08:00","turns":[{"speaker":"agent","text":"您好，阳光物业客服中心，我姓王，请问有什么可以帮您？","start_ms":0,"end_ms":3000},{"speaker":"customer","text":"我家3号楼2单元502漏水了，我的手机是13912345678，你们赶紧来。","start_ms":3200,"end_ms":8000},{"speaker":"agent","text":"好的，您的电话是13912345678对吗？请稍等。","start_ms":8200,"end_ms":11000},{"speaker":"customer","text":"对，或者打座机021-87654321。","start_ms":11200,"end_ms":13000},{"speaker":"agent","text":"感谢您的来电，再见。","start_ms":13200,"end_ms":15000}]}
{"call_id":"R-002","agent_id":"A1","agent_name":"王芳","team":"报修组","started_at":"2026-11-03T10:00:00+08:00","turns":[{"speaker":"agent","text":"喂，讲话！","start_ms":0,"end_ms":1000},{"speaker":"customer","text":"我要交物业费，身份证号11010519491231002X，卡号6222020200012345670。","start_ms":1200,"end_ms":6000},{"speaker":"agent","text":"不知道，你自己去营业厅，号码+86 138 0013 8000你记一下。","start_ms":6200,"end_ms":9000},{"speaker":"customer","text":"我住5栋1203室，邮箱zhang.san@example.com。","start_ms":9200,"end_ms":12000}]}
{"call_id":"R-003","agent_id":"A2","agent_name":"李强","team":"客服一组","started_at":"2026-11-04T11:00:00+08:00","turns":[{"speaker":"agent","text":"您好，请讲。","start_ms":0,"end_ms":1500},{"speaker":"customer","text":"电话幺三九八七六五四三二一，或者139-8765-4321，公司在人民路88号，电话(0755) 8765 4321。","start_ms":1700,"end_ms":7000},{"speaker":"agent","text":"您的身份证号440308199001011239和卡号4111 1111 1111 1111我记下了，回复到li_si@mail.example.org，急什么！","start_ms":7200,"end_ms":12000},{"speaker":"agent","text":"谢谢，再见。","start_ms":12200,"end_ms":13000}]}
EOF
# A rule set whose findings quote the words around the numbers: without
# masking the quotes hold the numbers themselves.
cat > "$tmp/rules.yaml" <<'EOF'
ruleset: redact-test
version: "1"
rules:
  - id: greet
    kind: required
    within: {first_utterances: 1}
    any: [您好]
    points: 5
  - id: taboo.wei
    kind: forbidden
    any: [喂]
    points: 5
  - id: taboo.dontknow
    kind: forbidden
    any: [不知道]
    points: 10
  - id: taboo.hurry
    kind: forbidden
    any: [急什么]
    points: 10
  - id: repeat.number
    kind: forbidden
    regex: ['(?:电话是|号码|卡号|身份证号)[\p{N}x]*']
    points: 1
  - id: customer.number
    kind: tag
    speaker: customer
    any: [手机是, 座机, 邮箱]
  - id: closing
    kind: required
    within: {last_utterances: 1}
    any: [再见]
    points: 5
EOF
sed 's/^version: "1"$/version: "1"\nredact: true/' "$tmp/rules.yaml" > "$tmp/rules-redact.yaml"
grep -q '^redact: true$' "$tmp/rules-redact.yaml" || fail "test setup: redact key not added"

# Every output of every command over the database in $1/z.db into $1/out/.
outputs() {
  local d=$1 db=$1/z.db
  mkdir -p "$d/out"
  local f
  for f in text json jsonl; do
    "$zhijian" score --rules "$2" $3 --no-db --format $f "$tmp/calls.jsonl" > "$d/out/score-nodb.$f" 2>&1
  done
  for c in R-001 R-002 R-003; do
    for f in text json; do
      "$zhijian" show --db "$db" $c --format $f > "$d/out/show-$c.$f" 2>&1 || fail "show $c $f"
    done
  done
  for f in text md html csv json; do
    "$zhijian" scorecard --db "$db" --format $f > "$d/out/scorecard.$f" 2>&1 || fail "scorecard $f"
    "$zhijian" scorecard --db "$db" --by team --format $f > "$d/out/scorecard-team.$f" 2>&1 ||
      fail "scorecard --by team $f"
  done
  for f in md html json; do
    "$zhijian" report --db "$db" --format $f > "$d/out/report.$f" 2>&1 || fail "report $f"
  done
  for f in text csv json; do
    "$zhijian" sample --db "$db" --n 3 --seed 7 --format $f > "$d/out/sample.$f" 2>&1 || fail "sample $f"
  done
}

# Scores into $1/z.db with rule set $2 and options $3, a second connection
# holding the database open so that the -wal file stays on disk.
score_run() {
  local d=$1 db=$1/z.db
  mkdir -p "$d"
  "$zhijian" score --rules "$2" --db "$db" "$tmp/first.jsonl" >/dev/null 2>&1 || fail "creating $db"
  mkfifo "$d/fifo"
  sqlite3 "$db" < "$d/fifo" > /dev/null &
  holder=$!
  exec 3> "$d/fifo"
  holder_fd_open=1
  echo "SELECT count(*) FROM calls;" >&3
  "$zhijian" score --rules "$2" $3 --db "$db" --format jsonl "$tmp/calls.jsonl" > "$d/score-db.jsonl" 2> "$d/score-db.err" ||
    fail "score $3: $(cat "$d/score-db.err")"
  "$zhijian" score --rules "$2" $3 --db "$db" --format text "$tmp/calls.jsonl" > "$d/score-db.txt" 2>&1 ||
    fail "score $3 (text)"
  [ -s "$db-wal" ] || fail "no -wal file kept while a second connection is open"
  cp "$db" "$d/copy.db"; cp "$db-wal" "$d/copy.db-wal"; cp "$db-shm" "$d/copy.db-shm" 2>/dev/null
  exec 3>&-
  holder_fd_open=0
  wait "$holder"
  holder=
  outputs "$d" "$2" "$3"
}
# The database exists (with one call without personal data) before the second
# connection opens it.
echo '{"call_id":"R-000","agent_id":"A2","started_at":"2026-11-01T08:00:00+08:00","turns":[{"speaker":"agent","text":"您好，再见。"}]}' > "$tmp/first.jsonl"

# Prints "FILE: STRING" for every planted string found in the files given.
leaks() {
  local file
  for file in "$@"; do
    while IFS= read -r needle; do
      grep -a -q -F -- "$needle" "$file" && echo "$file: $needle"
    done < "$tmp/needles"
  done
}

# 1. --redact: nothing planted anywhere.
score_run "$tmp/red" "$tmp/rules.yaml" --redact
found=$(leaks "$tmp/red"/copy.db* "$tmp/red/z.db"* "$tmp/red"/score-db.* "$tmp/red"/out/*)
[ -z "$found" ] || fail "planted data with --redact:
$found"
# The masked text is what is stored, code point for code point.
grep -q -F '我家*号楼*单元***漏水了，我的[[手机是]]***********，你们赶紧来。' "$tmp/red/out/show-R-001.text" &&
  grep -q -F '好的，您的[[电话是]]***********对吗？请稍等。' "$tmp/red/out/show-R-001.text" &&
  grep -q -F '对，或者打[[座机]]***-********。' "$tmp/red/out/show-R-001.text" ||
  fail "show does not hold the masked transcript: $(head -12 "$tmp/red/out/show-R-001.text")"
[ "$(ls "$tmp/red/out" | wc -l)" = 25 ] || fail "expected 25 outputs, got $(ls "$tmp/red/out" | wc -l)"
for f in "$tmp/red"/out/*; do [ -s "$f" ] || fail "empty output $f"; done

# 2. Without --redact the same search finds every planted string in the
# database file and in some output, and some in the -wal file, `show` and the
# audit report.
score_run "$tmp/plain" "$tmp/rules.yaml" ""
missing=0
while IFS= read -r needle; do
  grep -a -q -F -- "$needle" "$tmp/plain/z.db" || { echo "not in the database: $needle"; missing=1; }
done < "$tmp/planted"
[ $missing = 0 ] || fail "the search cannot see unmasked data in the database"
[ -n "$(leaks "$tmp/plain/copy.db-wal")" ] || fail "the search cannot see unmasked data in the -wal file"
while IFS= read -r needle; do
  cat "$tmp/plain"/out/* "$tmp/plain"/score-db.* | grep -a -q -F -- "$needle" ||
    fail "the search cannot see '$needle' in any output"
done < "$tmp/planted"
[ "$(leaks "$tmp/plain"/out/show-*.text | wc -l)" -ge 10 ] || fail "the search cannot see unmasked data in show"
[ "$(leaks "$tmp/plain"/out/report.md | wc -l)" -ge 1 ] || fail "the search cannot see unmasked data in the report"

# 3. The same findings at the same places either way: masking keeps every
# code point (only a rule that reads the digits ends its match earlier).
jq_spans() { sed 's/"text":"[^"]*"//g; s/"span":\[\([0-9]*\),[0-9]*\]/"span":[\1]/g' "$1"; }
[ "$(jq_spans "$tmp/red/score-db.jsonl")" = "$(jq_spans "$tmp/plain/score-db.jsonl")" ] ||
  fail "masking changed scores or spans:
$(diff <(jq_spans "$tmp/red/score-db.jsonl") <(jq_spans "$tmp/plain/score-db.jsonl") | head)"

# 4. The rule set's `redact: true` masks without the option; --no-redact wins.
"$zhijian" score --rules "$tmp/rules-redact.yaml" --no-db --format jsonl "$tmp/calls.jsonl" > "$tmp/by-rules.jsonl" ||
  fail "score with redact: true"
[ -z "$(leaks "$tmp/by-rules.jsonl")" ] || fail "redact: true left $(leaks "$tmp/by-rules.jsonl" | head -3)"
"$zhijian" score --rules "$tmp/rules-redact.yaml" --no-redact --no-db --format jsonl "$tmp/calls.jsonl" > "$tmp/no-redact.jsonl" ||
  fail "score --no-redact"
[ -n "$(leaks "$tmp/no-redact.jsonl")" ] || fail "--no-redact masked anyway"
# --redact=LIST masks only those categories.
"$zhijian" score --rules "$tmp/rules.yaml" --redact=email --no-db --format jsonl "$tmp/calls.jsonl" > "$tmp/email.jsonl"
grep -q 13912345678 "$tmp/email.jsonl" || fail "--redact=email masked a phone number"
grep -q -F 'zhang.san@example.com' "$tmp/email.jsonl" && fail "--redact=email left an e-mail address"
"$zhijian" score --redact=phone,passport --no-db "$tmp/calls.jsonl" > /dev/null 2> "$tmp/err"
[ $? = 2 ] || fail "an unknown category should be a usage error"
grep -q "unknown personal data category in 'phone,passport'" "$tmp/err" || fail "message: $(cat "$tmp/err")"
# A rejected record's message quotes the input near the error: masked too
# (without --redact it shows the number, so the search can fail).
printf '{"call_id":"X3","turns":[{"speaker":"agent","text":"您好"}] 13912345678}\n' > "$tmp/rejected.jsonl"
"$zhijian" score --redact --no-db --format jsonl "$tmp/rejected.jsonl" > /dev/null 2> "$tmp/err"
[ $? = 3 ] || fail "a rejected record: exit 3 expected"
grep -q "near '\*\*\*\*\*\*\*\*\*\*\*'" "$tmp/err" && ! grep -q 13912345678 "$tmp/err" ||
  fail "a rejected record's message under --redact: $(cat "$tmp/err")"
"$zhijian" score --no-db --format jsonl "$tmp/rejected.jsonl" > /dev/null 2> "$tmp/err"
grep -q "near '13912345678'" "$tmp/err" || fail "without --redact the message quotes the input: $(cat "$tmp/err")"
echo "redact_leak: ok"
