#!/usr/bin/env bash
# Every bundled rule set (and rules/examples/) passes `rules check` and
# `rules test`; a broken rule file gives the exact FILE:LINE:COL; `rules
# explain` shows an exception at work.
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
for f in "$src"/rules/*.yaml "$src"/rules/examples/*.yaml; do
  "$zhijian" rules check "$f" > "$tmp/check" || { cat "$tmp/check"; fail "rules check $f"; }
  grep -q ": ok: .* rules, 0 warnings$" "$tmp/check" || { cat "$tmp/check"; fail "warnings in $f"; }
  "$zhijian" rules test "$f" > "$tmp/test" || { cat "$tmp/test"; fail "rules test $f"; }
  tail -1 "$tmp/test" | grep -Eq '^[0-9]+ passed, 0 failed$' || fail "closing line: $(tail -1 "$tmp/test")"
done
printf 'ruleset: broken\nversion: "1"\nrules:\n  - id: a\n    kind: forbidden\n    any: [{re: "(急什么"}]\n    pionts: 3\n' > "$tmp/broken.yaml"
"$zhijian" rules check "$tmp/broken.yaml" > "$tmp/out"
[ $? -eq 1 ] || fail "broken rule file should exit 1"
cat > "$tmp/want" <<WANT
$tmp/broken.yaml:7:5: unknown key 'pionts' in rule 'a' (did you mean 'points'?)
$tmp/broken.yaml:6:21: invalid regex: missing closing parenthesis
WANT
diff -u "$tmp/want" "$tmp/out" || fail "rules check output"
# A rule of consequence that costs nothing is a warning (points defaults to 0).
printf 'ruleset: free\nversion: "1"\nrules:\n  - id: f\n    kind: forbidden\n    severity: critical\n    clause: 第十四条第11项\n    any: [有本事你去告]\n    examples: {match: [有本事你去告], no_match: [好的]}\n  - id: g\n    kind: forbidden\n    severity: critical\n    fatal: true\n    clause: 第十四条\n    any: [滚]\n    examples: {match: [滚], no_match: [好的]}\n' > "$tmp/free.yaml"
"$zhijian" rules check "$tmp/free.yaml" > "$tmp/out" || fail "warnings alone should exit 0"
cat > "$tmp/want" <<WANT
$tmp/free.yaml:4:5: warning: forbidden rule 'f' costs 0 points a hit (points defaults to 0) but has severity critical
$tmp/free.yaml: ok: 2 rules, 1 warnings
WANT
diff -u "$tmp/want" "$tmp/out" || fail "rules check: a forbidden rule without points"
# A regex needing what normalization drops or rewrites can never match:
# each is a warning naming the character; classes and negative lookarounds
# (which only exclude) and synonym forms (a dead branch beside the word) are not.
cat > "$tmp/re.yaml" <<'YAML'
ruleset: re
version: "1"
synonyms: {啥: 什么}
rules:
  - id: a
    kind: forbidden
    clause: 第十四条
    points: 5
    regex: ['你好，世界', '不知道\?', '你怎麼這麼麻煩', 'ＡＢＣ', '我\s不管', '急(?:什么|啥)', '不管(?!，)', '不知道[。！]?吧']
    examples: {match: [急什么], no_match: [好的]}
YAML
"$zhijian" rules check "$tmp/re.yaml" > "$tmp/out" || fail "regex warnings alone should exit 0"
cat > "$tmp/want" <<WANT
$tmp/re.yaml:9:13: warning: regex '你好，世界' of rule 'a' has '，', which normalization drops (punctuation, spaces and fillers): it can never match; use boundary: sentence with ^ and \$ for sentence edges
$tmp/re.yaml:9:22: warning: regex '不知道\\?' of rule 'a' has '?', which normalization drops (punctuation, spaces and fillers): it can never match; use boundary: sentence with ^ and \$ for sentence edges
$tmp/re.yaml:9:31: warning: regex '你怎麼這麼麻煩' of rule 'a' has '麼', which the text it matches reads as '么' (regexes see normalized text): write '么'
$tmp/re.yaml:9:42: warning: regex 'ＡＢＣ' of rule 'a' has 'Ａ', which the text it matches reads as 'a' (regexes see normalized text): write 'a'
$tmp/re.yaml:9:49: warning: regex '我\\s不管' of rule 'a' has '\\s', a space or line break, which the normalized text it matches never holds: it can never match
$tmp/re.yaml: ok: 1 rules, 5 warnings
WANT
diff -u "$tmp/want" "$tmp/out" || fail "rules check: regexes that can never match"
# explain judges one rule; it says when the whole rule set gives its hit
# to another rule's overlapping one, as score does.
printf 'ruleset: ov\nversion: "1"\nrules:\n  - id: long\n    kind: forbidden\n    any: [急什么烦死人了]\n    points: 10\n  - id: short\n    kind: forbidden\n    any: [急什么]\n    points: 5\n' > "$tmp/ov.yaml"
"$zhijian" rules explain --rules "$tmp/ov.yaml" short 急什么烦死人了 > "$tmp/out" || fail "explain an overlap"
grep -qx "verdict: hit '急什么' \[0, 3), -5 points" "$tmp/out" &&
  grep -qx "note: with the whole rule set '急什么' \[0, 3) is no finding: rule long's overlapping hit '急什么烦死人了' \[0, 7) wins (the longest hit wins; a \`yield\` rule or a model gives way)" "$tmp/out" ||
  { cat "$tmp/out"; fail "explain: the overlap note"; }
"$zhijian" rules explain --rules "$tmp/ov.yaml" long 急什么烦死人了 | grep -q "^note: with the whole" && fail "explain: a note on the winning rule"
# A rule of a window or a situation takes the words only there: no note
# for it (opening on a later turn), and a conditional rule is judged with
# its situation lifted, as its verdict is (c wins the tie with short, being
# listed first).
cat > "$tmp/ov2.yaml" <<'YAML'
ruleset: ov2
version: "1"
rules:
  - {id: t, kind: tag, speaker: customer, any: [投诉]}
  - {id: opening, kind: forbidden, within: {first_utterances: 1}, any: [急什么烦死人了], points: 10}
  - {id: c, kind: forbidden, when: t, any: [急什么], points: 5}
  - {id: short, kind: forbidden, any: [急什么], points: 5}
YAML
"$zhijian" rules explain --rules "$tmp/ov2.yaml" short 急什么烦死人了 > "$tmp/out" || fail "explain ov2 short"
grep -qx "verdict: hit '急什么' \[0, 3), -5 points" "$tmp/out" || { cat "$tmp/out"; fail "explain ov2 short verdict"; }
grep -q "^note: with the whole" "$tmp/out" && { cat "$tmp/out"; fail "explain: a note for a window's rule"; }
"$zhijian" rules explain --rules "$tmp/ov2.yaml" c 急什么 > "$tmp/out" || fail "explain ov2 c"
grep -qx "verdict: hit '急什么' \[0, 3), -5 points" "$tmp/out" || { cat "$tmp/out"; fail "explain ov2 c verdict"; }
grep -q "^note: with the whole" "$tmp/out" && { cat "$tmp/out"; fail "explain: a note for a conditional rule"; }
# A UTF-8 byte-order mark (as Windows editors save) is not content.
{ printf '\357\273\277'; cat "$tmp/ov.yaml"; } > "$tmp/bom.yaml"
"$zhijian" rules check "$tmp/bom.yaml" > "$tmp/out" 2>&1 && grep -q "bom.yaml: ok: 2 rules" "$tmp/out" ||
  { cat "$tmp/out"; fail "a rule file with a byte-order mark"; }
# A FIFO planted in a rule directory is refused, not waited on.
mkdir "$tmp/dir" && cp "$tmp/ov.yaml" "$tmp/dir/a.yaml" && mkfifo "$tmp/dir/b.yaml"
timeout 20 "$zhijian" rules check "$tmp/dir" > "$tmp/out" 2>&1
[ $? -eq 1 ] && grep -qx "$tmp/dir/b.yaml: not a regular file" "$tmp/out" || { cat "$tmp/out"; fail "a FIFO in a rule directory"; }
# not_assessable: a list of {clause, why}, both given and non-empty.
printf 'ruleset: na\nversion: "1"\nnot_assessable:\n  - clause: 第十九条\n  - {clause: 第八条, why: "", note: x}\n  - 第二章\nrules:\n  - id: a\n    kind: forbidden\n    any: [喂]\n' > "$tmp/na.yaml"
"$zhijian" rules check "$tmp/na.yaml" > "$tmp/out"
[ $? -eq 1 ] || fail "a bad not_assessable list should exit 1"
cat > "$tmp/want" <<WANT
$tmp/na.yaml:4:5: a 'not_assessable' entry needs 'why'
$tmp/na.yaml:5:28: unknown key 'note' in not_assessable
$tmp/na.yaml:5:24: 'why' in not_assessable must not be empty
$tmp/na.yaml:6:5: a 'not_assessable' entry must be a mapping {clause, why}
WANT
diff -u "$tmp/want" "$tmp/out" || fail "rules check not_assessable output"
# clause_starts: a list of regexes that compile (a mapping is no list).
printf 'ruleset: cs\nversion: "1"\nclause_starts: [\x27(?=你去\x27]\nrules:\n  - id: a\n    kind: forbidden\n    any: [喂]\n' > "$tmp/cs.yaml"
printf 'ruleset: cs\nversion: "1"\nclause_starts: {}\nrules:\n  - id: a\n    kind: forbidden\n    any: [喂]\n' > "$tmp/cs2.yaml"
"$zhijian" rules check "$tmp/cs.yaml" "$tmp/cs2.yaml" > "$tmp/out"
[ $? -eq 1 ] || fail "a bad clause_starts list should exit 1"
cat > "$tmp/want" <<WANT
$tmp/cs.yaml:3:17: clause start regex does not compile: missing closing parenthesis at offset 9
$tmp/cs2.yaml:3:16: 'clause_starts' must be a list of regexes
WANT
diff -u "$tmp/want" "$tmp/out" || fail "rules check clause_starts output"
# A failing example makes rules test exit 1 with a counted failure.
printf 'ruleset: ex\nversion: "1"\nrules:\n  - id: a\n    kind: forbidden\n    any: [喂]\n    examples: {match: ["喂"], no_match: ["喂养", "你好"]}\n' > "$tmp/ex.yaml"
"$zhijian" rules test "$tmp/ex.yaml" > "$tmp/out"
[ $? -eq 1 ] || fail "failing example should exit 1"
grep -q "^FAIL a: no_match example '喂养': unexpected hit '喂' at \[0, 1)$" "$tmp/out" || { cat "$tmp/out"; fail "failure line"; }
[ "$(tail -1 "$tmp/out")" = "2 passed, 1 failed" ] || fail "closing line"
"$zhijian" rules explain taboo.25-ji-shen-me "您着急，什么时候能修好？急什么！" > "$tmp/out" || fail explain
grep -q "suppressed: inside exception" "$tmp/out" || fail "explain: exception"
grep -q "^verdict: hit '急什么' \[12, 15), -10 points$" "$tmp/out" || { cat "$tmp/out"; fail "explain verdict"; }
# A boundary: clause rule shows where its clauses end and sees 不知道 end one.
"$zhijian" rules explain taboo.02-bu-zhi-dao "我不知道，你自己去问物业吧。" > "$tmp/out" || fail "explain clause"
grep -q "^clause ends at normalized bytes: 12 36$" "$tmp/out" || { cat "$tmp/out"; fail "explain: clause ends"; }
grep -q "^verdict: hit '我不知道' \[0, 4), -10 points$" "$tmp/out" || { cat "$tmp/out"; fail "explain clause verdict"; }
# A rule set's version is any string of a file that may come with a pull
# request: rules check prints it (merged rule set NAME@VERSION) escaped.
printf 'ruleset: esc\nversion: "1\\e[31mRED"\nrules:\n  - {id: a, kind: forbidden, clause: x, points: 1, any: [急什么], examples: {match: [急什么], no_match: [什么]}}\n' > "$tmp/esc-base.yaml"
printf 'extends: esc-base.yaml\nruleset: esc2\n' > "$tmp/esc.yaml"
"$zhijian" rules check "$tmp/esc.yaml" > "$tmp/out" || { cat "$tmp/out"; fail "rules check esc"; }
grep -q "$(printf '\033')" "$tmp/out" && fail "rules check: a raw ESC from the version"
grep -qF 'merged rule set esc2@1\x1b[31mRED, sha256 ' "$tmp/out" || { cat "$tmp/out"; fail "rules check: escaped version"; }
# On a whole call explain judges as score does too: a complaint's 你急什么呢
# is complaint.no-ji's, and the note says so.
"$zhijian" rules explain --rules "$src/tests/cases/0160-rules-test-taken/rules.yaml" taboo.ji \
  '{"call_id": "c", "turns": [{"speaker": "customer", "text": "我要投诉"}, {"speaker": "agent", "text": "你急什么呢"}]}' > "$tmp/out" || fail "explain a call"
grep -qx "verdict: taboo.ji hit turn 1 '急什么' \[1, 4), -5 points" "$tmp/out" || { cat "$tmp/out"; fail "explain a call: verdict"; }
grep -qx "note: with the whole rule set '急什么' \[1, 4) is no finding: rule complaint.no-ji's overlapping hit '你急什么呢' \[0, 5) wins (the longest hit wins; a \`yield\` rule or a model gives way)" "$tmp/out" || { cat "$tmp/out"; fail "explain a call: the overlap note"; }
# The bundled synonyms read Hakka 有麽个 / 急麽个 as 有什么 / 急什么, never the
# Mandarin 这么个 / 怎么个 (with OpenCC 麽 reads 么: a bare 么个 form rewrote them).
"$zhijian" rules explain taboo.25-ji-shen-me "这么个情况，怎么个流程" > "$tmp/out" || fail "explain 这么个"
grep -qx "normalized: 这么个情况怎么个流程" "$tmp/out" || { cat "$tmp/out"; fail "the bundled synonyms rewrote 这么个 / 怎么个"; }
"$zhijian" rules explain taboo.25-ji-shen-me "急麽个急" > "$tmp/out" || fail "explain 急麽个急"
grep -qx "verdict: hit '急麽个' \[0, 3), -10 points" "$tmp/out" || { cat "$tmp/out"; fail "急麽个 is not 急什么"; }
# Keys a rule's kind gives no meaning are errors, not ignored: a tag costs
# nothing and fails no call (a fatal tag failed calls on the customer's
# words), a required rule has no hit to be fatal. fatal stays on forbidden
# and metric rules, whose hits fail the call.
cat > "$tmp/kindkeys.yaml" <<'YAML'
ruleset: kk
version: "1"
rules:
  - id: complaint
    kind: tag
    speaker: customer
    any: [投诉]
    points: 5
    max_points: 10
    fatal: true
  - id: greet
    kind: required
    any: [您好]
    points: 5
    fatal: true
  - {id: gun, kind: forbidden, any: [滚], points: 5, fatal: true}
  - {id: slow, kind: metric, metric: answer_time, max_seconds: 15, points: 5, fatal: true}
YAML
"$zhijian" rules check "$tmp/kindkeys.yaml" > "$tmp/out"
[ $? -eq 1 ] || { cat "$tmp/out"; fail "keys of another kind should exit 1"; }
cat > "$tmp/want" <<WANT
$tmp/kindkeys.yaml:8:13: a tag rule marks a situation and takes no 'points' (it costs no points and fails no call)
$tmp/kindkeys.yaml:9:17: a tag rule marks a situation and takes no 'max_points' (it costs no points and fails no call)
$tmp/kindkeys.yaml:10:12: a tag rule marks a situation and takes no 'fatal' (it costs no points and fails no call)
$tmp/kindkeys.yaml:15:12: a required rule takes no 'fatal' (a hit of a forbidden or metric rule fails the call; a missed required rule costs its points)
WANT
diff -u "$tmp/want" "$tmp/out" || fail "rules check: keys that do not apply to the rule's kind"
# A metric measures what its definition says over the whole call (from the
# tag's turn with when): speaker and within on one are errors, not ignored
# (talk_share with speaker: customer reported the agent's share). The
# defaults' speaker is not one (the bundled standard and my-centre.yaml,
# which extends it, check clean above).
cat > "$tmp/metrickeys.yaml" <<'YAML'
ruleset: mk
version: "1"
defaults: {speaker: agent}
rules:
  - id: customer.share
    kind: metric
    metric: talk_share
    speaker: customer
    max: 50
    points: 3
  - id: early.silence
    kind: metric
    metric: silence
    min_seconds: 5
    within: {first_seconds: 10}
    points: 3
  - {id: quiet, kind: metric, metric: silence, min_seconds: 30, points: 3}
YAML
"$zhijian" rules check "$tmp/metrickeys.yaml" > "$tmp/out"
[ $? -eq 1 ] || { cat "$tmp/out"; fail "speaker or within on a metric should exit 1"; }
cat > "$tmp/want" <<WANT
$tmp/metrickeys.yaml:8:14: a metric rule takes no 'speaker' (a metric measures what its definition says: talk_share is always the agent's share)
$tmp/metrickeys.yaml:15:13: a metric rule takes no 'within' (it measures the whole call, or with 'when' the call from the tag's turn on)
WANT
diff -u "$tmp/want" "$tmp/out" || fail "rules check: speaker and within on a metric rule"
# A synonym chain (晓得: 知道, 知道: 明白: forms are replaced once, so a rule
# with 不知道 missed 不晓得), two grades with one minimum (the grade of an 80
# depended on the order they were written in) and max_points: 0 under
# points: 10 (read as no cap) are errors, each at its FILE:LINE:COL.
cat > "$tmp/d6.yaml" <<'YAML'
ruleset: d6
version: "1"
scoring: {base: 100, pass: 60, grades: {B: 80, A: 80, C: 0}}
synonyms: {晓得: 知道, 知道: 明白}
rules:
  - id: a
    kind: forbidden
    any: [滚]
    points: 10
    max_points: 0
YAML
"$zhijian" rules check "$tmp/d6.yaml" > "$tmp/out"
[ $? -eq 1 ] || { cat "$tmp/out"; fail "a synonym chain, tied grades, max_points 0 should exit 1"; }
cat > "$tmp/want" <<WANT
$tmp/d6.yaml:3:48: grade 'A' has the same minimum (80) as grade 'B': give each grade its own minimum
$tmp/d6.yaml:4:12: synonym '晓得' stands for '知道', itself a form (line 4: '知道: 明白'); synonyms are not chained: write '晓得: 明白'
$tmp/d6.yaml:10:17: 'max_points' (0) is less than 'points' (10): a cap is at least one hit's points (leave 'max_points' out for no cap)
WANT
diff -u "$tmp/want" "$tmp/out" || fail "rules check: synonym chain, tied grades, max_points 0"
# A chain through part of a standard word: with 么: 吗, a rule's 什么 reads
# 什吗 while the text's 啥 reads 什么, and 你急啥 is missed.
printf '%s\n' 'ruleset: syn' 'version: "1"' 'synonyms: {啥: 什么, 么: 吗}' 'rules:' '  - id: a' \
  '    kind: forbidden' '    any: [急什么]' '    points: 10' > "$tmp/syn.yaml"
"$zhijian" rules check "$tmp/syn.yaml" > "$tmp/out"
[ $? -eq 1 ] && [ "$(cat "$tmp/out")" = "$tmp/syn.yaml:3:12: synonym '啥' stands for '什么', which holds the form '么' (line 3: '么: 吗'): a rule's '什么' would be rewritten, and would no longer find the '啥' read as it; synonyms are not chained: keep one of the two" ] ||
  fail "rules check: a synonym chain through part of a word: $(cat "$tmp/out")"
# rules test on a rule set that does not load is a configuration error (exit
# 2, docs/cli.md), not a failed example; the help says so.
"$zhijian" rules test "$tmp/d6.yaml" > "$tmp/out" 2> "$tmp/err"
[ $? -eq 2 ] || fail "rules test on an invalid rule set should exit 2"
"$zhijian" rules --help > "$tmp/out" || fail "rules --help"
grep -qx "Exit status: 0 ok; 1 errors found by check, or failed examples; 2 usage" "$tmp/out" &&
  grep -qx "error, or a rule set that test, explain or list cannot load." "$tmp/out" ||
  { cat "$tmp/out"; fail "rules --help: exit status"; }
# A mistake an override makes is reported at the overriding file's line,
# naming the base's key it clashes with (rules/README.md, "Building on a
# rule set"): points above the base rule's max_points, a kind or a metric
# the base rule's keys do not fit, a scoring base below the base's pass and
# grades. Before, all were reported at the base file's lines.
cat > "$tmp/d5base.yaml" <<'YAML'
ruleset: d5base
version: "1"
scoring: {base: 100, pass: 80, grades: {A: 90, B: 0}}
rules:
  - id: wei
    kind: forbidden
    any: [喂]
    points: 2
    max_points: 5
  - id: rude
    kind: forbidden
    any: [滚]
    points: 5
    fatal: true
  - id: slow
    kind: metric
    metric: silence
    min_seconds: 10
    points: 1
YAML
cat > "$tmp/d5.yaml" <<'YAML'
extends: d5base.yaml
ruleset: d5
version: "1"
scoring: {base: 50}
rules:
  - id: wei
    points: 10
  - id: rude
    kind: tag
  - id: slow
    metric: answer_time
    max_seconds: 15
YAML
"$zhijian" rules check "$tmp/d5.yaml" > "$tmp/out"
[ $? -eq 1 ] || { cat "$tmp/out"; fail "bad overrides should exit 1"; }
cat > "$tmp/want" <<WANT
$tmp/d5.yaml:4:17: 'base' (50) is below 'pass' (80, at $tmp/d5base.yaml:3): give 'pass' with 'base'
$tmp/d5.yaml:4:17: 'base' (50) is below grade 'A' (90, at $tmp/d5base.yaml:3): give 'grades' with 'base'
$tmp/d5.yaml:7:13: 'points' (10) is more than the base rule's 'max_points' (5, at $tmp/d5base.yaml:9): give 'max_points' too
$tmp/d5.yaml:9:11: a tag rule marks a situation and takes no 'points' (the base rule's, at $tmp/d5base.yaml:13): it costs no points and fails no call
$tmp/d5.yaml:9:11: a tag rule marks a situation and takes no 'fatal' (the base rule's, at $tmp/d5base.yaml:14): it costs no points and fails no call
$tmp/d5.yaml:11:13: 'min_seconds' (the base rule's, at $tmp/d5base.yaml:18) does not apply to answer_time
WANT
diff -u "$tmp/want" "$tmp/out" || fail "rules check: an override's mistake at the override's line"
# The base alone is clean: the errors are the override's.
"$zhijian" rules check "$tmp/d5base.yaml" > "$tmp/out" || { cat "$tmp/out"; fail "rules check d5base"; }
# A literal run of a regex that normalization rewrites as a whole can never
# match either: a filler between two words (the text says 你去问) or a
# synonym's form (the text says 我怎么知道). A sentence-final filler stays in
# the text, and a form as a whole branch beside the standard word is a dead
# but harmless branch: no warning for either.
cat > "$tmp/dead.yaml" <<'YAML'
ruleset: dr
version: "1"
fillers: [嗯, 啊]
synonyms: {晓得: 知道}
rules:
  - id: a
    kind: forbidden
    clause: c
    points: 10
    regex: ['你啊去问', '我怎么晓得', '不知道啊$', '(?:知道|晓得)了']
    examples: {match: [不知道啊], no_match: [好的]}
YAML
"$zhijian" rules check "$tmp/dead.yaml" > "$tmp/out" || { cat "$tmp/out"; fail "dead regex warnings alone should exit 0"; }
cat > "$tmp/want" <<WANT
$tmp/dead.yaml:10:13: warning: regex '你啊去问' of rule 'a' has '你啊去问', which the text it matches reads as '你去问' (the rule set's fillers are dropped between words): it can never match; write '你去问', with the filler optional if need be
$tmp/dead.yaml:10:21: warning: regex '我怎么晓得' of rule 'a' has '我怎么晓得', which the text it matches reads as '我怎么知道' (synonyms: a form is read as its standard word): it can never match; write '我怎么知道'
$tmp/dead.yaml: ok: 1 rules, 2 warnings
WANT
diff -u "$tmp/want" "$tmp/out" || fail "rules check: a filler or a synonym form inside a regex"
# A bound finer than a metric judges is refused where it stands, never
# rounded: 59.5 % read as 60 would pass a share the rule set fails; 0.6 is a
# fraction typed for 60 %; seconds count whole milliseconds, so a
# first_seconds of 0.0004 is no 0 ms window. 2.5 s and 15.25 s are whole ms.
cat > "$tmp/frac.yaml" <<'YAML'
ruleset: frac
version: "1"
rules:
  - id: tag
    kind: tag
    any: [投诉]
  - id: share
    kind: metric
    metric: talk_share
    max: 59.5
  - id: share-fraction
    kind: metric
    metric: talk_share
    max: 0.6
  - id: rate
    kind: metric
    metric: speech_rate
    max: 300.5
  - id: hold
    kind: metric
    metric: silence
    min_seconds: 15.0005
  - id: greet
    kind: required
    any: [您好]
    within: {first_seconds: 0.0004}
  - id: sorry
    kind: required
    when: tag
    any: [对不起]
    within: {after_seconds: 2.5}
  - id: answer
    kind: metric
    metric: answer_time
    max_seconds: 15.25
YAML
"$zhijian" rules check "$tmp/frac.yaml" > "$tmp/out"
[ $? -eq 1 ] || { cat "$tmp/out"; fail "fractional bounds should exit 1"; }
cat > "$tmp/want" <<WANT
$tmp/frac.yaml:10:10: 'max' of talk_share must be a whole number (its value is judged against the bound unrounded and reported in whole %), got '59.5'
$tmp/frac.yaml:14:10: 'max' of talk_share must be a whole percentage, got '0.6' (a fraction? write 60 for 60 %)
$tmp/frac.yaml:18:10: 'max' of speech_rate must be a whole number (its value is judged against the bound unrounded and reported in whole chars/min), got '300.5'
$tmp/frac.yaml:22:18: 'min_seconds' must be a whole number of milliseconds (at most 3 decimals: timestamps count milliseconds), got '15.0005'
$tmp/frac.yaml:26:29: 'first_seconds' must be a whole number of milliseconds (at most 3 decimals: timestamps count milliseconds), got '0.0004'
WANT
diff -u "$tmp/want" "$tmp/out" || fail "rules check: bounds finer than the metric judges"
echo "ok: bundled rule sets check and test clean; broken file located; explain"
