#!/usr/bin/env bash
# Input formats end to end: the same call in every format of corpus/formats/
# gives the findings of its native JSON (differential over all adapters); a
# directory of them is walked and scored; malformed inputs of every adapter
# are rejected with FILE:LINE or FILE: json-path (exit 3) while the rest of
# the batch is scored; --input-format, --encoding, --meta (GB18030), role
# mappings, standard input, and show's call metadata.
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$src" || exit 2
rules=rules/property-service.yaml

# 1. Differential: every sample scores exactly as native.json (call id and
#    the agent id a format may carry aside, and the metric findings: a format
#    without end times or ring time makes them not_measurable, as it must).
strip() {
  sed -E -e 's/^\{"call_id":"[^"]*","agent_id":(null|"[^"]*"),//' \
    -e 's/,\{"rule":"[^"]*","kind":"metric"[^}]*\}//g'
}
"$zhijian" score --no-db --format jsonl --rules $rules corpus/formats/native.json | strip > "$tmp/native"
"$zhijian" score --no-db --format jsonl --rules $rules corpus/formats/native.json |
  diff -u tests/formats/native.expected.jsonl - || fail "native.json: findings differ from the golden file"
n=0
for f in corpus/formats/*; do
  "$zhijian" score --no-db --format jsonl --rules $rules "$f" > "$tmp/out" 2> "$tmp/err" ||
    { cat "$tmp/err"; fail "$f: exit $?"; }
  strip < "$tmp/out" | cmp -s - "$tmp/native" || { diff <(strip < "$tmp/out") "$tmp/native"; fail "$f: findings differ from native.json"; }
  n=$((n + 1))
done
[ "$n" -eq 15 ] || fail "expected 15 samples, found $n"

# 2. A directory: every sample found by extension and detected.
"$zhijian" score --no-db --format jsonl --rules $rules corpus/formats/ > "$tmp/all" 2> "$tmp/err" ||
  { cat "$tmp/err"; fail "directory of samples: exit $?"; }
[ "$(wc -l < "$tmp/all")" -eq 15 ] || fail "directory: expected 15 calls"
cut -d'"' -f4 "$tmp/all" | tr '\n' ' ' | grep -qx "alibaba-lowercamel alibaba-qa alibaba dashscope funasr huawei iflytek native subtitles subtitles tencent-result tencent transcript utterances whisperx " ||
  fail "directory: call ids $(cut -d'"' -f4 "$tmp/all" | tr '\n' ' ')"

# 3. Malformed inputs of every adapter: each reported, the rest scored.
"$zhijian" score --no-db --format jsonl --rules $rules tests/formats/bad/ > "$tmp/out" 2> "$tmp/err"
code=$?
[ $code -eq 3 ] || fail "malformed inputs: exit $code, expected 3"
diff -u tests/formats/bad.expected_stderr "$tmp/err" || fail "malformed inputs: messages differ"
diff -u tests/formats/bad.expected.jsonl "$tmp/out" || fail "malformed inputs: scored calls differ"
# One message per bad input, two for 41-csv-row-call-untold.csv: its bad
# row could be either neighbouring call's, and both are rejected.
[ "$(grep -c '^zhijian: tests/formats/bad/' "$tmp/err")" -eq 46 ] || fail "one message per bad input"
[ "$(ls tests/formats/bad | wc -l)" -eq 45 ] || fail "45 bad inputs"
# Every JSON sample cut in half: rejected with FILE:LINE, never scored as a
# shorter call. (Half a subtitle or text file is a shorter, valid one.)
for f in corpus/formats/*.json; do
  size=$(wc -c < "$f")
  head -c $((size / 2)) "$f" > "$tmp/half-$(basename "$f")"
done
for f in "$tmp"/half-*.json; do
  "$zhijian" score --no-db --rules $rules "$f" > /dev/null 2> "$tmp/err"
  [ $? -eq 3 ] || fail "$f: truncated JSON should exit 3"
  grep -Eq "^zhijian: $f:[0-9]+: (invalid JSON: |the file ends inside a UTF-8 character)" "$tmp/err" ||
    { cat "$tmp/err"; fail "$f: truncated JSON message"; }
done

# 4. Named encoding; a forced format that does not fit; a role mapping.
"$zhijian" score --no-db --format jsonl --rules $rules --encoding gb18030 tests/formats/bad/16-gbk.csv > "$tmp/out" 2> "$tmp/err" ||
  { cat "$tmp/err"; fail "--encoding gb18030: exit $?"; }
grep -q '^{"call_id":"gbk",' "$tmp/out" || fail "--encoding gb18030: call gbk scored"
"$zhijian" score --no-db --rules $rules --input-format srt corpus/formats/transcript.txt > /dev/null 2> "$tmp/err"
[ $? -eq 3 ] || fail "--input-format srt on text: exit 3"
grep -qx "zhijian: corpus/formats/transcript.txt:1: expected a cue number or a time line like 00:00:01,000 --> 00:00:03,500" "$tmp/err" ||
  { cat "$tmp/err"; fail "--input-format srt on text: message"; }
"$zhijian" score --no-db --rules $rules --input-format nope x 2> "$tmp/err"
[ $? -eq 2 ] || fail "unknown --input-format: exit 2"
"$zhijian" score --no-db --format jsonl --rules $rules --agent-speaker SPEAKER_01 tests/formats/bad/17-roles-too-close.json > "$tmp/out" 2> "$tmp/err" ||
  { cat "$tmp/err"; fail "--agent-speaker: exit $?"; }
"$zhijian" score --no-db --rules $rules --agent-speaker SPEAKER_09 tests/formats/bad/17-roles-too-close.json > /dev/null 2> "$tmp/err"
[ $? -eq 3 ] || fail "--agent-speaker without a turn: exit 3"
grep -qx "zhijian: tests/formats/bad/17-roles-too-close.json: call '17-roles-too-close': no turn of speaker 'SPEAKER_09' (given as the agent)" "$tmp/err" ||
  { cat "$tmp/err"; fail "--agent-speaker without a turn: message"; }
# An empty speaker id would match no call's turn: a usage error, not every
# call rejected.
"$zhijian" score --no-db --rules $rules --agent-speaker "" corpus/formats/whisperx.json > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] || fail "--agent-speaker '': exit 2 expected"
grep -qx "zhijian: score: --agent-speaker needs a speaker id (SPEAKER_01, 1, 发音人1)" "$tmp/err" ||
  { cat "$tmp/err"; fail "--agent-speaker '': message"; }
"$zhijian" score --no-db --format jsonl --rules $rules --agent-channel 0 corpus/formats/alibaba.json > "$tmp/out" 2> "$tmp/err"
grep -q '"rule":"opening.company","kind":"required","outcome":"missing"' "$tmp/out" ||
  fail "--agent-channel 0 makes the customer the agent: the opening is missing"

# 5. Standard input with a named format; its call id is "stdin".
"$zhijian" score --no-db --format jsonl --rules $rules --input-format srt - < corpus/formats/subtitles.srt > "$tmp/out" ||
  fail "stdin --input-format srt"
strip < "$tmp/out" | cmp -s - "$tmp/native" || fail "stdin srt: findings differ"
grep -q '^{"call_id":"stdin",' "$tmp/out" || fail "stdin call id"

# 6. --meta in GB18030 joins the telephony data (and a per-file role
#    mapping); the store keeps the metadata and show prints it.
printf 'file,agent_id,agent_name,team,started_at,ring_ms,agent_speaker\r\n17-roles-too-close.json,A017,王芳,报修组,2026-11-02 09:30:00+08:00,4000,SPEAKER_01\r\nalibaba.json,A018,李娜,客服一组,2026-11-02T10:00:00+08:00,1200,\r\n' |
  iconv -f UTF-8 -t GB18030 > "$tmp/meta.csv"
"$zhijian" score --db "$tmp/z.db" --rules $rules --meta "$tmp/meta.csv" \
  tests/formats/bad/17-roles-too-close.json corpus/formats/alibaba.json > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] || fail "--meta in GB18030 without --encoding: exit 2"
grep -q "meta.csv:2: not UTF-8; the bytes look like GB18030/GBK" "$tmp/err" || { cat "$tmp/err"; fail "--meta encoding message"; }
"$zhijian" score --db "$tmp/z.db" --rules $rules --encoding gb18030 --meta "$tmp/meta.csv" \
  tests/formats/bad/17-roles-too-close.json corpus/formats/alibaba.json > /dev/null 2> "$tmp/err" ||
  { cat "$tmp/err"; fail "--meta: exit $?"; }
"$zhijian" show --db "$tmp/z.db" 17-roles-too-close > "$tmp/show" || fail "show"
head -1 "$tmp/show" | grep -qx "17-roles-too-close  王芳(A017)  报修组  2026-11-02 09:30:00+08:00" ||
  { head -1 "$tmp/show"; fail "show: metadata joined"; }
grep -qx "  roles.method = speaker" "$tmp/show" && grep -qx "  roles.agent = speaker SPEAKER_01" "$tmp/show" ||
  fail "show: the role mapping of the metadata table"
"$zhijian" show --db "$tmp/z.db" alibaba > "$tmp/show" || fail "show alibaba"
grep -qx "  roles.scores = channel 1 22, channel 0 4" "$tmp/show" && grep -qx "  #1 silence_before_ms = 400" "$tmp/show" ||
  { cat "$tmp/show"; fail "show: roles decision and vendor figures"; }
"$zhijian" show --db "$tmp/z.db" --format json alibaba | grep -q '"meta":\[{"key":"audio_duration_ms","value":"32000"},{"key":"speech_rate_cpm","value":"220","turn":0}' ||
  fail "show --format json: meta"
[ "$(sqlite3 "$tmp/z.db" "SELECT agent_id || ' ' || team || ' ' || local_date FROM calls WHERE call_id = 'alibaba'")" = "A018 客服一组 2026-11-02" ] ||
  fail "stored call row carries the metadata"
# 7. --meta on native JSON lines (the fast parser's calls): only the listed
#    call changes, the others are scored exactly as without it.
printf 'call_id,agent_id,team\nPS-001,X9,测试组\n' > "$tmp/native-meta.csv"
"$zhijian" score --no-db --format jsonl --rules $rules corpus/calls/2026-11.jsonl > "$tmp/plain" || fail "native"
"$zhijian" score --no-db --format jsonl --rules $rules --meta "$tmp/native-meta.csv" corpus/calls/2026-11.jsonl > "$tmp/joined" ||
  fail "native with --meta"
head -1 "$tmp/joined" | grep -q '^{"call_id":"PS-001","agent_id":"X9",' || fail "native with --meta: PS-001 joined"
diff <(tail -n +2 "$tmp/plain") <(tail -n +2 "$tmp/joined") > /dev/null || fail "native with --meta: other calls changed"
[ "$(head -1 "$tmp/plain" | sed 's/"agent_id":"A01"/"agent_id":"X9"/')" = "$(head -1 "$tmp/joined")" ] ||
  fail "native with --meta: PS-001 otherwise unchanged"
# A UTF-8 BOM is accepted in every format (native .json, a vendor's JSON,
# subtitles).
for f in native.json alibaba.json subtitles.srt utterances.csv; do
  { printf '\357\273\277'; cat "corpus/formats/$f"; } > "$tmp/bom-$f"
  "$zhijian" score --no-db --format jsonl --rules $rules "$tmp/bom-$f" > "$tmp/out" 2> "$tmp/err" ||
    { cat "$tmp/err"; fail "BOM $f: exit $?"; }
  strip < "$tmp/out" | cmp -s - "$tmp/native" || fail "BOM $f: findings differ"
done
# Well-formed JSON of no known shape is refused with the formats tried.
printf '{"foo": 1}' > "$tmp/unknown.json"
"$zhijian" score --no-db --rules $rules "$tmp/unknown.json" > /dev/null 2> "$tmp/err"
[ $? -eq 3 ] || fail "unknown JSON: exit 3"
grep -q "unknown.json: unknown input format (tried native, alibaba, " "$tmp/err" || fail "unknown JSON: message"
# 8. UTF-16 with a byte-order mark is the same call in any extension: a
#    .json is converted by --encoding utf-16 as a .txt is, and by any other
#    encoding named (the mark says UTF-16); a UTF-8 file stays UTF-8 when
#    --encoding utf-16 is given (a batch mixes them).
"$zhijian" score --no-db --format jsonl --rules $rules corpus/formats/alibaba.json | strip > "$tmp/alibaba"
for enc in utf-16 gb18030; do
  "$zhijian" score --no-db --format jsonl --rules $rules --encoding $enc tests/formats/bad/35-alibaba-utf16.json > "$tmp/out" 2> "$tmp/err"
  code=$?
  [ $code -eq 0 ] && [ ! -s "$tmp/err" ] || { cat "$tmp/err"; fail "UTF-16 .json with --encoding $enc: exit $code"; }
  grep -q '^{"call_id":"35-alibaba-utf16",' "$tmp/out" || fail "UTF-16 .json with --encoding $enc: call id"
  strip < "$tmp/out" | cmp -s - "$tmp/alibaba" || fail "UTF-16 .json with --encoding $enc: findings differ from alibaba.json"
done
"$zhijian" score --no-db --format jsonl --rules $rules --encoding utf-16 corpus/formats/transcript.txt corpus/formats/alibaba.json > "$tmp/out" 2> "$tmp/err" ||
  { cat "$tmp/err"; fail "UTF-8 inputs with --encoding utf-16: exit $?"; }
[ "$(strip < "$tmp/out" | sort -u)" = "$(cat "$tmp/native")" ] || fail "UTF-8 inputs with --encoding utf-16: findings differ"
# 9. SubRip: a cue number and time line with no blank line before them start
#    the next cue (as ffmpeg reads it), not more words of the agent.
"$zhijian" score --db "$tmp/srt.db" --rules $rules tests/formats/srt-no-blank-line.srt > /dev/null 2> "$tmp/err" ||
  { cat "$tmp/err"; fail "srt without a blank line: exit $?"; }
"$zhijian" show --db "$tmp/srt.db" srt-no-blank-line | sed -n '4,6p' > "$tmp/show"
printf '  0 坐席   [[您好，阳光物业客服中心]]\n  1 客户   你好\n\n' | cmp -s - "$tmp/show" ||
  { cat "$tmp/show"; fail "srt without a blank line: two turns, agent then customer"; }
# 10. An encoding iconv does not know is a usage error before any file is read.
"$zhijian" score --no-db --rules $rules --encoding bogus-enc corpus/formats/ > "$tmp/out" 2> "$tmp/err"
[ $? -eq 2 ] && [ ! -s "$tmp/out" ] &&
  grep -qx "zhijian: score: unknown encoding 'bogus-enc' (an iconv name such as gb18030, gbk, big5 or utf-16; \`iconv --list\` shows them all)" "$tmp/err" ||
  { cat "$tmp/err"; fail "an unknown --encoding"; }
# 11. Subtitles: a cue whose text changes speaker (a later line with another
#     prefix, a second <v Name>, a <v Name> after a prefixed line) gives each
#     speaker a turn, never the first speaker's words; the cue's time cannot be divided between them, so the
#     timed metrics are not measurable rather than guessed.
"$zhijian" score --db "$tmp/cues.db" --rules $rules tests/formats/srt-two-speakers.srt tests/formats/vtt-two-voices.vtt > /dev/null 2> "$tmp/err" ||
  { cat "$tmp/err"; fail "cues with two speakers: exit $?"; }
"$zhijian" show --db "$tmp/cues.db" srt-two-speakers | sed -n '4,8p' > "$tmp/show"
printf '%s\n' '  0 坐席   [[您好，阳光物业客服中心]]，[[我姓李]]，请问[[有什么可以帮您]]？' \
  '  1 客户   你好，我家水管漏水了，能快点来人吗？' '  2 坐席   [[急什么，烦死人了]]。' \
  '  3 坐席   不客气，[[感谢您的来电]]，再见。' '' | cmp -s - "$tmp/show" ||
  { cat "$tmp/show"; fail "srt cue with two speakers: the agent's line is the agent's turn"; }
grep -Eq '^  not_measurable hold.announced ' <("$zhijian" show --db "$tmp/cues.db" srt-two-speakers) ||
  fail "srt cue with two speakers: hold.announced not measurable"
"$zhijian" show --db "$tmp/cues.db" vtt-two-voices | sed -n '4,11p' > "$tmp/show"
printf '%s\n' '  0 坐席   [[您好，阳光物业客服中心]]，请问[[有什么可以帮您]]？' '  1 客户   水管漏了' \
  '  2 坐席   [[急什么，烦死人了]]。' '  3 坐席   [[你自己去问物业吧]]。' '  4 客户   好吧' \
  '  5 坐席   好的，[[再见]]。' '  6 客户   再见。' '' | cmp -s - "$tmp/show" ||
  { cat "$tmp/show"; fail "vtt cues with two voices: a turn each"; }
echo "formats: ok"
