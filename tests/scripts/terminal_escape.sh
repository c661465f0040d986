#!/usr/bin/env bash
# Terminal escape sequences in call ids, names and turn text (ESC[2J, an OSC 8
# hyperlink ended by BEL, CR, DEL, the C1 CSI, bidi overrides and isolates,
# the Arabic letter mark U+061C; zero-width spaces, U+FEFF, U+2028 and tag
# characters) are shown escaped (\x1b, \r, \u202e, \U000e0041 ...) by
# every text output: score --format text, show, the text scorecard, sample,
# review status, calibrate, rules explain, db check, and messages on stderr;
# Markdown reports and scorecards show them as text too (\\x1b: a .md is
# read in terminals as well).
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
esc='\u001b' bel='\u0007' cr='\r' # JSON escapes, decoded by the parser
printf '%s\n' \
  "{\"call_id\": \"EVIL${esc}[2J-01\", \"agent_id\": \"A$(printf '\u202e')X1\", \"agent_name\": \"王${esc}]8;;http://x.example/${bel}芳${esc}]8;;${bel}\", \"team\": \"报修${cr}组\", \"started_at\": \"2026-11-02T08:00:00+08:00\", \"turns\": [{\"speaker\": \"agent\", \"text\": \"喂，${esc}[31m你好${cr}$(printf '\u2066')这个我也不知道啊$(printf '\u2069')。\"}, {\"speaker\": \"customer\", \"text\": \"$(printf '\u009b')2J好的\\u061c$(printf '\x7f')。\"}]}" \
  "{\"call_id\": \"BAD${esc}[2J\", \"turns\": [{\"speaker\": \"robot${esc}[2J\", \"text\": \"x\"}]}" > evil.jsonl

# raw CONTROL FILE: fails when FILE holds a control character or a bidi
# control as it is (color is off: these outputs are not terminals).
raw() { # NAME FILE [tsv: tabs separate its columns]
    local ctl=$'[\x01-\x09\x0b-\x1f\x7f]'
    [ "${3:-}" = tsv ] && ctl=$'[\x01-\x08\x0b-\x1f\x7f]'
    LC_ALL=C grep -q "$ctl" "$2" && fail "$1: a raw control character: $(cat -v "$2" | head -5)"
    for seq in $'\xe2\x80\xae' $'\xe2\x81\xa6' $'\xe2\x81\xa9' $'\xc2\x9b' $'\xd8\x9c'; do
        LC_ALL=C grep -qF "$seq" "$2" && fail "$1: a raw bidi or C1 control: $(cat -v "$2" | head -5)"
    done
    return 0
}

"$zhijian" score --no-db evil.jsonl >out 2>err
[ $? = 3 ] || fail "score: exit 3 expected (one bad record)"
raw "score --no-db (stdout)" out
raw "score --no-db (stderr)" err
grep -qF 'EVIL\x1b[2J-01  王\x1b]8;;http://x.example/\x07芳\x1b]8;;\x07(A\u202eX1)  报修\r组' out ||
    fail "score text header: $(cat -v out | head -1)"
grep -qxF "zhijian: evil.jsonl:2: turn 0: unknown speaker 'robot\x1b[2J' (expected agent or customer)" err ||
    fail "stderr: $(cat -v err)"

"$zhijian" score --db z.db evil.jsonl >/dev/null 2>err
raw "score --db (stderr)" err
id="EVIL"$'\e'"[2J-01"
"$zhijian" show --db z.db "$id" >out 2>err || fail "show: $(cat err)"
raw show out
grep -qF '  0 坐席   [[喂]]，\x1b[31m[[你好]]\r\u2066[[这个我也不知道啊]]\u2069。' out || fail "show turn 0: $(cat -v out)"
grep -qF '  1 客户   \u009b2J好的\u061c\x7f。' out || fail "show turn 1: $(cat -v out)"
"$zhijian" show --db z.db "NO"$'\e'"[2JSUCH" >out 2>err && fail "show of a missing id"
raw "show (stderr)" err
grep -qF "no call 'NO\x1b[2JSUCH' scored" err || fail "show message: $(cat -v err)"
"$zhijian" scorecard --db z.db >out 2>err || fail "scorecard: $(cat err)"
raw scorecard out
grep -qF 'EVIL\x1b[2J-01' out || fail "scorecard: the worst call's id: $(cat -v out)"
grep -qF 'A\u202eX1' out || fail "scorecard: the agent: $(cat -v out)"
"$zhijian" sample --db z.db --n 1 >out 2>err || fail "sample: $(cat err)"
raw sample out
grep -qF '  EVIL\x1b[2J-01 A\u202eX1 65    2026-11-02' out || fail "sample: $(cat -v out)"
# lint: a template's name and words come from a pull request.
tpl="script"$'\e'"[2J.txt"
printf '喂\e]8;;http://x.example/\a你找谁？\n' > "$tpl"
"$zhijian" lint --rules "$src/rules/property-service.yaml" "$tpl" >out 2>err
[ $? = 0 ] || fail "lint: exit 0 expected (minor findings): $(cat err)"
raw lint out
grep -qF 'script\x1b[2J.txt:1:1: minor phone.no-wei' out || fail "lint: $(cat -v out)"
# Review: status and calibrate print ids and rejected words.
"$zhijian" review export --db z.db -o sheet.csv 2>err || fail "review export: $(cat err)"
python3 - sheet.csv << 'PY' || fail "filling the sheet"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig")))
v = rows[0].index("verdict")
for r in rows[1:]:
    r[v] = "rejected" if r[rows[0].index("rule_id")] else "confirmed"
csv.writer(open(sys.argv[1], "w", encoding="utf-8-sig", newline="")).writerows(rows)
PY
"$zhijian" review import --db z.db --reviewer 张敏 sheet.csv 2>err || fail "review import: $(cat err)"
"$zhijian" review status --db z.db >out 2>err || fail "review status: $(cat err)"
raw "review status" out tsv
grep -qF 'EVIL\x1b[2J-01	A\u202eX1	65' out || fail "review status: $(cat -v out)"
"$zhijian" calibrate --db z.db >out 2>err || fail "calibrate: $(cat err)"
raw calibrate out tsv
grep -qF '    EVIL\x1b[2J-01 第 1 轮「喂」' out || fail "calibrate: $(cat -v out)"
# Markdown: the escape is text (its backslash escaped for Markdown).
"$zhijian" report --db z.db >out 2>err || fail "report: $(cat err)"
raw "report (markdown)" out
grep -qF '| EVIL\\x1b\[2J-01 | A\\u202eX1 ' out || fail "report markdown: $(grep -a EVIL out | head -2 | cat -v)"
"$zhijian" scorecard --db z.db --format md >out 2>err || fail "scorecard md: $(cat err)"
raw "scorecard (markdown)" out
# rules explain: the text to explain is the author's, pasted from anywhere.
"$zhijian" rules explain --rules "$src/rules/property-service.yaml" taboo.02-bu-zhi-dao \
  "$(printf '不知道\e]0;pwn\a。')" >out 2>err || fail "rules explain: $(cat err)"
raw "rules explain" out
grep -qF 'text:       不知道\x1b]0;pwn\x07。' out || fail "rules explain: $(cat -v out)"
# JSON and CSV keep the text as it is (JSON escapes it; CSV is for spreadsheets).
"$zhijian" show --db z.db --format json "$id" | grep -qF 'EVIL\u001b[2J-01' || fail "show json"

# db check lists the aggregate rows out of step with the calls (a hand edit,
# a restore): the stored agent id, name and team escaped as above.
cp z.db zc.db
sqlite3 zc.db "UPDATE agg_calls SET calls = calls + 1" || fail "sqlite3 zc.db"
"$zhijian" db check --db zc.db >out 2>err
[ $? = 1 ] || fail "db check: exit 1 expected: $(cat -v err)"
raw "db check (stdout)" out
raw "db check (stderr)" err
grep -qF 'agg_calls row not in the recomputation: ruleset_id 1, local_date 2026-11-02, iso_week 2026-W45, agent_id A\u202eX1, agent_name 王\x1b]8;;http://x.example/\x07芳\x1b]8;;\x07, team 报修\r组, grade ' out ||
    fail "db check row: $(cat -v out | head -2)"

# Characters that are not seen but change what is: a zero-width space in the
# agent's name, U+FEFF and a line separator in the turn, a hidden sentence
# in tag characters (U+E0041 ...). They are shown escaped; the joiner of an
# emoji sequence (U+200D) stays.
printf '%s\n' '{"call_id": "HID\u2060-01", "agent_id": "A1", "agent_name": "王\u200b芳", "team": "报修组", "started_at": "2026-11-02T08:00:00+08:00", "turns": [{"speaker": "agent", "text": "您好\ufeff，这个我也不知道啊\u2028。\udb40\udc41\udb40\udc42👩\u200d🔧"}]}' > hidden.jsonl
"$zhijian" score --db h.db hidden.jsonl > out 2> err
[ $? -le 1 ] || fail "score hidden.jsonl: $(cat err)"
"$zhijian" show --db h.db "HID"$'\u2060'"-01" > out 2> err || fail "show HID: $(cat err)"
for seq in $'\u200b' $'\ufeff' $'\u2028' $'\u2060' $'\U000e0041'; do
  LC_ALL=C grep -qF "$seq" out && fail "show: a hidden character raw: $(cat -v out)"
done
grep -qF 'HID\u2060-01  王\u200b芳(A1)  报修组' out || fail "show HID header: $(head -3 out)"
grep -qF '  0 坐席   [[您好]]\ufeff，[[这个我也不知道啊]]\u2028。\U000e0041\U000e0042👩'$'\u200d''🔧' out ||
  fail "show HID turn: $(cat out)"
# Without colour, [[ and ]] mark the findings of `show`: a bracket of the
# transcript itself next to another bracket (its own or a mark's) is written
# \x5b or \x5d, so two brackets in a row are always a mark; a lone one, as in
# an ASR tag [笑声], stays. A zero-width joiner beside a bracket is escaped
# ([ZWJ[ would look like a mark), and a backslash is \x5c (the transcript's
# own "\x5b" is not an escaped bracket).
printf '%s\n' '{"call_id": "BRACKETS-01", "turns": [{"speaker": "agent", "text": "[[您好]]，[笑声]这个我也不知道啊。"}, {"speaker": "customer", "text": "a[b]c[[d"}, {"speaker": "customer", "text": "[\u200d[不要紧]\u200d] \\x5b\\x5bx"}]}' > brackets.jsonl
"$zhijian" score --db b.db brackets.jsonl > /dev/null 2> err || fail "score brackets.jsonl: $(cat err)"
"$zhijian" show --db b.db BRACKETS-01 > out 2> err || fail "show BRACKETS-01: $(cat err)"
sed -n '4,6p' out > turns
printf '%s\n' '  0 坐席   \x5b\x5b[[您好]]\x5d\x5d，[笑声\x5d[[这个我也不知道啊]]。' \
  '  1 客户   a[b]c\x5b\x5bd' '  2 客户   [\u200d[不要紧]\u200d] \x5cx5b\x5cx5bx' |
  cmp -s - turns || fail "show: brackets of the transcript: $(cat turns)"
echo ok
