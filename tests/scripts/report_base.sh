#!/usr/bin/env bash
# The charts follow the rule set's scoring base: the score histogram has ten
# bins of base/10 points (one point each below base 10) labelled in score
# points, the top one closed at the base, and the mean-score bars and the
# pass line are drawn on the scale 0..base, in the scorecard and the audit
# report, in text, Markdown and HTML.
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
call() { # ID AGENT NAME GREETING [RUDE]
    local rude=''
    [ -n "${5:-}" ] && rude=',{"speaker":"customer","text":"能不能快点？"},{"speaker":"agent","text":"急什么，烦死人了！"}'
    printf '{"call_id":"%s","agent_id":"%s","agent_name":"%s","team":"甲组","started_at":"2026-11-02T10:00:00+08:00","turns":[{"speaker":"agent","text":"%s"}%s,{"speaker":"agent","text":"感谢您的来电，再见！"}]}\n' \
        "$1" "$2" "$3" "$4" "$rude"
}
{
    call B1 A1 王芳 '您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？'
    call B2 A2 李娜 '您好，阳光物业客服中心，我姓李，请问有什么可以帮助您？' rude
    call B3 A3 张伟 '喂。' rude
} > calls.jsonl
rules() { # NAME BASE PASS A B C
    printf 'extends: property-service\nruleset: %s\nversion: "1"\nscoring: {base: %s, pass: %s, grades: {A: %s, B: %s, C: %s, D: 0}}\n' "$@"
}
rules base120 120 96 114 102 96 > base120.yaml
rules base10 10 6 9 8 6 > base10.yaml

"$zhijian" score --db b120.db --rules base120.yaml calls.jsonl >/dev/null 2>&1 || fail "score base 120"
[ "$(sqlite3 b120.db 'SELECT group_concat(score) FROM (SELECT score FROM calls ORDER BY call_id)')" = 120,110,85 ] ||
    fail "base 120 scores: $(sqlite3 b120.db 'SELECT call_id, score FROM calls')"
"$zhijian" scorecard --db b120.db > out || fail "scorecard base 120"
sed -n '/^坐席平均分/,/^每周/p' out > got
cat > want <<'X'
坐席平均分（合格线 96）
  A1 王芳     ██████████████████████████████ 120.0
  A2 李娜     ████████████████████████████ 110.0
  A3 张伟     █████████████████████ 85.0
得分分布（合格线 96）
  0–11         0通
  12–23        0通
  24–35        0通
  36–47        0通
  48–59        0通
  60–71        0通
  72–83        0通
  84–95       ███████████████ 1通
  96–107       0通
  108–120     ██████████████████████████████ 2通
每周平均分（合格线 96）
X
diff -u want got || fail "base 120: scorecard charts"
"$zhijian" report --db b120.db > out || fail "report base 120"
sed -n '/^得分分布/,/^各坐席平均分/p' out | grep '^| [0-9]' > got
printf '| %s |\n' '0–11 | 0' '12–23 | 0' '24–35 | 0' '36–47 | 0' '48–59 | 0' '60–71 | 0' \
    '72–83 | 0' '84–95 | 1' '96–107 | 0' '108–120 | 2' > want
diff -u want got || fail "base 120: report histogram (md)"
"$zhijian" report --db b120.db --format html > out.html || fail "report html base 120"
svg() { grep -o "<svg[^>]*data-chart=\"$1\".*" out.html | sed 's#</svg>.*##'; }
# Bars over 430 units for 0..120: 120 fills them, 110 is 394.2, 85 is 304.6.
svg agent-scores | grep -o '<rect[^>]*>' > got
printf '<rect x="150.0" y="%s.0" width="%s" height="18" fill="#4a6fa5"/>\n' 65 430.0 91 394.2 117 304.6 > want
diff -u want got || fail "base 120: agent bars (html)"
# The pass line at 96 of 0..120 (0.8 of 48..620); the eight bins under 96 grey.
svg score-histogram > hist
grep -qF '<line x1="505.6" y1="44.0" x2="505.6" y2="230.0" stroke="#222" stroke-width="1.5" stroke-dasharray="6 4"/>' hist ||
    fail "base 120: histogram pass line: $(cat hist)"
[ "$(grep -o 'fill="#a8a8a8"' hist | wc -l)" = 8 ] || fail "base 120: grey bins: $(cat hist)"
grep -qF '>108–120</text>' hist || fail "base 120: histogram labels (html)"

"$zhijian" score --db b10.db --rules base10.yaml calls.jsonl >/dev/null 2>&1 || fail "score base 10"
"$zhijian" scorecard --db b10.db --format md > out || fail "scorecard base 10"
sed -n '/^得分分布/,/^每周/p' out | grep '^| [0-9]' > got
printf '| %s |\n' '0 | 2' '1 | 0' '2 | 0' '3 | 0' '4 | 0' '5 | 0' '6 | 0' '7 | 0' '8 | 0' '9–10 | 1' > want
diff -u want got || fail "base 10: scorecard histogram (md)"
echo ok
