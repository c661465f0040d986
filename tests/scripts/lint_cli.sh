#!/usr/bin/env bash
# zhijian lint exit codes: 0 clean, 1 findings at/above --fail-on, 2 usage or
# configuration error, 3 some files unreadable; config discovery from a subdirectory.
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$tmp/repo/scripts/opening" "$tmp/repo/sub"
printf '您好，{company}物业客服中心，我姓×，请问有什么可以帮助您？\n' > "$tmp/repo/scripts/opening/a.txt"
printf '好的，请稍等，我帮您查一下。\n' > "$tmp/repo/scripts/b.md"
cd "$tmp/repo"
"$zhijian" lint scripts >/dev/null; [ $? -eq 0 ] || fail "clean templates should exit 0"
printf '喂？\n' > scripts/c.txt       # minor: below the default --fail-on major
"$zhijian" lint scripts > out; [ $? -eq 0 ] || fail "minor finding below fail-on should exit 0"
grep -q "^scripts/c.txt:1:1: minor phone.no-wei " out || { cat out; fail "minor finding listed"; }
"$zhijian" lint --fail-on minor scripts >/dev/null; [ $? -eq 1 ] || fail "--fail-on minor should exit 1"
printf '你问我，我问谁？\n' > scripts/d.txt
"$zhijian" lint scripts >/dev/null; [ $? -eq 1 ] || fail "major finding should exit 1"
"$zhijian" lint --format nope scripts 2>/dev/null; [ $? -eq 2 ] || fail "bad format should exit 2"
"$zhijian" lint --rules /nonexistent.yaml scripts 2>/dev/null; [ $? -eq 2 ] || fail "missing rules should exit 2"
"$zhijian" lint scripts/b.md /nonexistent.txt 2>/dev/null; [ $? -eq 3 ] || fail "unreadable file should exit 3"
# A JSON template that is not JSON is unreadable (exit 3, file:line:col),
# never an empty script; escaped words are read as written.
printf '{"a": "ok"} 你自己找楼下吧\n' > bad.json
printf '{"a": "ok", "b": 你自己找楼下吧}\n' > bad2.json
printf '{"a": "\\u4f60\\u81ea\\u5df1\\u627e\\u697c\\u4e0b\\u5427", "b": "\\ud83d\\ude00"}\n' > esc.json
"$zhijian" lint bad.json 2> err; [ $? -eq 3 ] || fail "trailing text after JSON should exit 3"
grep -qx "zhijian: bad.json:1:13: not valid JSON: end of file expected near '你'" err || fail "bad.json: $(cat err)"
"$zhijian" lint bad2.json 2> err; [ $? -eq 3 ] || fail "an unquoted value should exit 3"
grep -q "^zhijian: bad2.json:1:[0-9]*: not valid JSON: " err || fail "bad2.json: $(cat err)"
"$zhijian" lint esc.json > out; [ $? -eq 1 ] || fail "an escaped taboo should exit 1"
grep -q "^esc.json:1:8: major taboo.shirk forbidden expression '你自己找楼下吧'" out || fail "esc.json: $(cat out)"
rm bad.json bad2.json esc.json
# A key given twice: the reader of the template keeps one value, so lint
# cannot pass a required phrase that only the other holds (exit 3, the place
# of the second key).
printf '{"opening": "您好，阳光物业客服中心",\n "opening": "喂"}\n' > dup.json
printf 'opening: 您好，阳光物业客服中心\nclosing: 再见\nopening: 喂\n' > dup.yaml
"$zhijian" lint dup.json 2> err; [ $? -eq 3 ] || fail "a JSON key given twice should exit 3"
grep -q "^zhijian: dup.json:2:[0-9]*: not valid JSON: duplicate object key" err || fail "dup.json: $(cat err)"
"$zhijian" lint dup.yaml 2> err; [ $? -eq 3 ] || fail "a YAML key given twice should exit 3"
grep -qx "zhijian: dup.yaml:3:1: duplicate key 'opening' (first at line 1)" err || fail "dup.yaml: $(cat err)"
rm dup.json dup.yaml
rm scripts/d.txt scripts/c.txt
# Config: from a subdirectory, .zhijian.yaml sets paths, parts and fail_on.
cat > .zhijian.yaml <<CFG
paths: [scripts/]
fail_on: minor
parts: {scripts/opening/: opening}
CFG
printf '您好，请讲。\n' > scripts/opening/e.txt
cd sub
"$zhijian" lint > ../out; code=$?
cd ..
[ $code -eq 1 ] || { cat out; fail "config: missing opening parts should fail at minor"; }
grep -q "/repo/scripts/opening/e.txt:1:1: minor opening.surname required phrase missing" out || { cat out; fail "config part"; }
printf 'fail_on: sometimes\n' > .zhijian.yaml
"$zhijian" lint scripts 2> err; [ $? -eq 2 ] || fail "bad config should exit 2"
grep -q "\.zhijian.yaml:1:10: fail_on must be critical, major, minor or observation" err || { cat err; fail "config error message"; }
rm .zhijian.yaml
# A UTF-8 BOM is no character of the template: Markdown front matter after
# it still declares the part, YAML and JSON still parse, columns start at 1.
mkdir bom
printf '\xef\xbb\xbf---\npart: opening\n---\n请问有什么可以帮您？\n' > bom/a.md
printf '\xef\xbb\xbf有本事你去告\n' > bom/b.txt
printf '\xef\xbb\xbf{"part": "opening", "text": "您好，阳光物业客服中心，我姓王，请问有什么可以帮您？"}' > bom/c.json
printf '\xef\xbb\xbfpart: opening\ntext: 您好，阳光物业客服中心，我姓王，请问有什么可以帮您？\n' > bom/d.yaml
"$zhijian" lint --fail-on minor bom > out 2> err; code=$?
cat > want <<'WANT'
bom/a.md:4:1: minor opening.company required phrase missing in this opening template: 开场报出“××物业客服中心” (第十一条第2项)
bom/a.md:4:1: minor opening.greeting required phrase missing in this opening template: 开场问候（你好/您好/上午好/下午好/晚上好） (第十一条第2项)
bom/a.md:4:1: minor opening.surname required phrase missing in this opening template: 开场自报姓氏（我姓×） (第十一条第2项)
bom/b.txt:1:1: critical taboo.11-go-complain forbidden expression '有本事你去告': 有本事你去告 (第十四条第11项)
WANT
[ $code -eq 1 ] || { cat out err; fail "BOM templates: exit $code, expected 1"; }
[ -s err ] && { cat err; fail "BOM templates: unexpected errors"; }
diff -u want out || fail "BOM templates: findings"
# Extensions in any case are templates; a directory holding no template
# (a wrong path, the wrong extensions) is no clean set of scripts: exit 3.
mkdir upper empty
printf '有本事你去告\n' > upper/A.TXT
"$zhijian" lint upper > out; [ $? -eq 1 ] || { cat out; fail "upper-case .TXT not linted"; }
grep -qx "upper/A.TXT:1:1: critical taboo.11-go-complain forbidden expression '有本事你去告': 有本事你去告 (第十四条第11项)" out || { cat out; fail "A.TXT finding"; }
printf 'x' > empty/notes.docx
"$zhijian" lint empty > out 2> err; [ $? -eq 3 ] || fail "a directory without templates should exit 3"
grep -qx "zhijian: empty: no templates (.txt .md .markdown .yaml .yml .json) in this directory" err || { cat err; fail "empty directory message"; }
# A template that declares its part is checked for the part's phrases even
# when it is empty (every phrase missing), and a phrase of a `first_seconds`
# window is checked too: a template has no timestamps, the template is the
# opening.
mkdir parts
: > parts/empty.txt
printf -- '---\npart: opening\n---\n' > parts/front-only.md
printf '喂，哪位？\n' > parts/seconds.txt
cat > seconds.yaml <<'YAML'
ruleset: seconds
version: "1"
rules:
  - {id: greet, kind: required, within: {first_seconds: 10}, any: [您好], points: 2}
  - {id: sorry, kind: required, when: t, within: {first_utterances: 1}, any: [抱歉], points: 2}
  - {id: t, kind: tag, speaker: customer, any: [投诉]}
YAML
"$zhijian" lint --rules seconds.yaml --part opening --fail-on minor parts/seconds.txt parts/empty.txt > out; code=$?
cat > want <<'WANT'
parts/seconds.txt:1:1: minor greet required phrase missing in this opening template: greet
parts/empty.txt:1:1: minor greet required phrase missing in this opening template: greet
WANT
[ $code -eq 1 ] || { cat out; fail "declared parts: exit $code, expected 1"; }
diff -u want out || fail "declared parts: a first_seconds phrase and an empty template"
"$zhijian" lint --fail-on minor parts/front-only.md > out; [ $? -eq 1 ] || { cat out; fail "front matter only: exit 1 expected"; }
[ "$(grep -c '^parts/front-only.md:1:1: minor opening\.' out)" = 4 ] || { cat out; fail "front matter only: the four opening phrases"; }
# File names are escaped in every format: the junit failure text is XML,
# the SARIF uri a URI reference (percent-encoded: ',' ':' '%' '&' '<' and
# non-ASCII bytes).
mkdir names
printf '有本事你去告\n' > 'names/a,b:c%d&<x>开.txt'
"$zhijian" lint --format junit names > out; [ $? -eq 1 ] || { cat out; fail "junit: exit 1 expected"; }
grep -qF '>names/a,b:c%d&amp;&lt;x&gt;开.txt:1:1: critical taboo.11-go-complain ' out || { cat out; fail "junit: file name in the failure text not escaped"; }
"$zhijian" lint --format sarif names > out; [ $? -eq 1 ] || { cat out; fail "sarif: exit 1 expected"; }
grep -qF '"uri":"names/a%2Cb%3Ac%25d%26%3Cx%3E%E5%BC%80.txt"' out || { cat out; fail "sarif: uri not percent-encoded"; }
# A rule title or clause is any string of a rule set file: the github
# format writes its control characters as %XX, never a raw escape sequence
# into the log, and a bidi control as \u202e, as the terminal shows it: the
# annotation is shown to people, and the runner would decode a %E2%80%AE.
# The junit text is shown by CI pages: its bidi controls are \u202e too.
printf 'ruleset: esc\nversion: "1"\nrules:\n  - {id: a, kind: forbidden, title: "T\\e[31mRED\\u202Eo\\u2066k", clause: "C\\e[2J", points: 1, severity: major, any: [急什么]}\n' > esc-rules.yaml
mkdir esc
printf '急什么\n' > esc/j.txt
"$zhijian" lint --rules esc-rules.yaml --format github esc > out; [ $? -eq 1 ] || { cat out; fail "github esc: exit 1 expected"; }
[ "$(cat out)" = "::error file=esc/j.txt,line=1,col=1,endColumn=4,title=a::forbidden expression '急什么': T%1B[31mRED\\u202eo\\u2066k (C%1B[2J)" ] || { cat -v out; fail "github: control characters not escaped"; }
"$zhijian" lint --rules esc-rules.yaml --format junit esc > out; [ $? -eq 1 ] || { cat out; fail "junit esc: exit 1 expected"; }
grep -qF 'RED\u202eo\u2066k' out || { cat -v out; fail "junit: bidi controls not shown as \\u202e"; }
grep -qF 'T\x1b[31mRED' out || { cat -v out; fail "junit: ESC not shown as \\x1b"; }
if LC_ALL=C grep -qF "$(printf '\xe2\x80\xae')" out; then fail "junit: a raw U+202E"; fi
# A template that declares no part may be said anywhere: in the middle of a
# call 您找谁都一样 is taboo.defiant (critical), which phone.no-zhaoshui, a
# rule of the opening, takes only at the opening. Both are listed; a
# declared opening gets the opening's reading only.
mkdir mid
printf '您找谁都一样。\n' > mid/faq.txt
"$zhijian" lint mid > out; code=$?
cat > want <<'WANT'
mid/faq.txt:1:1: critical taboo.defiant forbidden expression '您找谁都一样': 顶撞（你要投诉就投诉吧、爱找谁找谁、反正我也没办法…） (第十四条“等”；第十八条（不得刁难）)
mid/faq.txt:1:2: minor phone.no-zhaoshui forbidden expression '找谁': 接听电话不得用“找谁”（“请问您找谁”除外） (第十一条第3项)
WANT
[ $code -eq 1 ] || { cat out; fail "mid-call template: exit $code, expected 1"; }
diff -u want out || fail "mid-call template: findings"
"$zhijian" lint --part opening mid > out
grep -q "taboo.defiant" out && { cat out; fail "a declared opening read as the middle of a call"; }
grep -q "^mid/faq.txt:1:2: minor phone.no-zhaoshui " out || { cat out; fail "declared opening: phone.no-zhaoshui"; }
# A forbidden rule of a seconds window is checked too (a template has no
# timestamps): first_seconds in openings and undeclared templates,
# last_seconds in closings and undeclared ones.
cat > fsec.yaml <<'YAML'
ruleset: fsec
version: "1"
rules:
  - {id: no-wei, kind: forbidden, within: {first_seconds: 10}, any: [喂], points: 5, severity: major}
  - {id: no-bye, kind: forbidden, within: {last_seconds: 10}, any: [挂了], points: 5, severity: major}
YAML
mkdir timed
printf '喂，哪位？挂了。\n' > timed/w.txt
for part in any opening closing; do
  if [ $part = any ]; then "$zhijian" lint --rules fsec.yaml timed > out; code=$?
  else "$zhijian" lint --rules fsec.yaml --part $part timed > out; code=$?; fi
  [ $code -eq 1 ] || { cat out; fail "seconds windows ($part): exit $code, expected 1"; }
  printf '%s\n' "$(grep -c ' major no-wei ' out) $(grep -c ' major no-bye ' out)" > got
  case $part in any) want="1 1" ;; opening) want="1 0" ;; closing) want="0 1" ;; esac
  [ "$(cat got)" = "$want" ] || { cat out; fail "seconds windows ($part): got $(cat got), want $want"; }
done
grep -qx "timed/w.txt:1:6: major no-bye forbidden expression '挂了': no-bye" out || { cat out; fail "seconds window: finding line"; }
# `parts:` prefixes are relative to the config file's directory, whatever
# the directory lint runs in and however the path is written.
printf 'parts: {scripts/opening/: opening}\nfail_on: minor\n' > .zhijian.yaml
cd sub
"$zhijian" lint ../scripts/opening > ../out; code=$?
cd ..
[ $code -eq 1 ] || { cat out; fail "parts from a subdirectory: exit $code, expected 1"; }
grep -q "^../scripts/opening/e.txt:1:1: minor opening.surname required phrase missing" out || { cat out; fail "parts from a subdirectory"; }
"$zhijian" lint scripts//opening/e.txt > out; [ $? -eq 1 ] || { cat out; fail "parts with //: exit 1 expected"; }
grep -q "^scripts//opening/e.txt:1:1: minor opening.surname required phrase missing" out || { cat out; fail "parts with //"; }
rm .zhijian.yaml
# A code fence or front matter never closed would skip the rest of the
# file: unreadable (exit 3), never a clean template.
mkdir unclosed
printf '# 话术\n```\n示例\n有本事你去告\n' > unclosed/fence.md
printf -- '---\npart: opening\n有本事你去告\n' > unclosed/front.md
"$zhijian" lint unclosed > out 2> err; [ $? -eq 3 ] || { cat out err; fail "unclosed: exit 3 expected"; }
cat > want <<'WANT'
zhijian: unclosed/fence.md:2:1: code fence opened here is never closed: the lines after it would go unchecked
zhijian: unclosed/front.md:1:1: front matter (---) opened here is never closed: the lines after it would go unchecked
WANT
diff -u want err || fail "unclosed: messages"
# Words inside a YAML block, a folded, quoted or plain multi-line scalar, or
# after JSON escapes are reported at their own line and column, and a
# suppression covers only its line and the next: one above a block does not
# reach words three lines into it.
mkdir where
printf '# zhijian: ignore taboo.25-ji-shen-me -- old script\ngreeting: |\n  您好，阳光物业客服中心。\n  请问有什么可以帮您？\n  急什么，我在忙。\n' > where/block.yaml
printf 'a: >\n  您好，\n    急什么\n  烦死了\nb: "您好，\\\n   急什么"\nc: 您好\n  急什么\nd: "\\u60a8急什么"\n' > where/folded.yaml
printf '{"greeting":"\\u60a8\\u597d\\uff0c\\u6025\\u4ec0\\u4e48"}\n' > where/esc.json
"$zhijian" lint where > out; [ $? -eq 1 ] || { cat out; fail "where: exit 1 expected"; }
cat > want <<'WANT'
where/block.yaml:5:3: major taboo.25-ji-shen-me forbidden expression '急什么': 急什么 (第十四条第25项)
where/esc.json:1:32: major taboo.25-ji-shen-me forbidden expression '急什么': 急什么 (第十四条第25项)
where/folded.yaml:3:5: major taboo.04-annoying forbidden expression '急什么\n烦死了': 急什么烦死人了 (第十四条第4项)
where/folded.yaml:6:4: major taboo.25-ji-shen-me forbidden expression '急什么': 急什么 (第十四条第25项)
where/folded.yaml:8:3: major taboo.25-ji-shen-me forbidden expression '急什么': 急什么 (第十四条第25项)
where/folded.yaml:9:11: major taboo.25-ji-shen-me forbidden expression '急什么': 急什么 (第十四条第25项)
WANT
diff -u want out || fail "where: lines and columns"
echo "ok: lint exit codes 0/1/2/3 and config discovery"
