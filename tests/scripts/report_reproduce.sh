#!/usr/bin/env bash
# The audit report's 复现方法 command is shell-quoted: an argument holding a
# space, a quote or a character the shell reads (< > & ; $ ...) is written in
# single quotes (a quote inside as '\''), the others as they are; run as
# printed, the command gives the same report.
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
printf '%s\n' '{"call_id":"R1","agent_id":"A1","agent_name":"王芳","team":"客服 一组","started_at":"2026-11-02T10:00:00+08:00","turns":[{"speaker":"agent","text":"您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"},{"speaker":"agent","text":"感谢您的来电，再见！"}]}' > calls.jsonl
"$zhijian" score --db z.db calls.jsonl >/dev/null 2>&1 || fail "score"
"$zhijian" report --db z.db --team '客服 一组' --auditor "王 五's" --auditee '<a&b>;$x' \
    --report-no QA-1 --format html > first.html || fail "report"
python3 -c '
import html, re, sys
m = re.search(r"<p>命令：(.*?)；数据库：", open("first.html", encoding="utf-8").read())
print(html.unescape(m.group(1)) if m else "")' > command
want="zhijian report --db z.db --team '客服 一组' --auditor '王 五'\\''s' --auditee '<a&b>;\$x' --report-no QA-1 --format html"
[ "$(cat command)" = "$want" ] || fail "command: $(cat command)"
# Run as printed (our binary for `zhijian`): the same report, byte for byte.
sed "s#^zhijian #\"\$1\" #" command > rerun.sh
sh rerun.sh "$zhijian" > again.html 2>err || fail "the printed command: $(cat err)"
cmp -s first.html again.html || fail "the printed command gave another report: $(diff first.html again.html | head -5)"
echo ok
