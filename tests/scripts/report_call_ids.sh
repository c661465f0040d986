#!/usr/bin/env bash
# A call id may hold spaces: the scorecard's example of a problem names the
# call it comes from in every format, from the aggregates and from the calls
# and findings (ZJ_REPORT_RECOMPUTE=1), as worst calls and evidence do.
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
greet='{"speaker":"agent","text":"您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"}'
bye='{"speaker":"agent","text":"感谢您的来电，再见！"}'
printf '%s\n' \
  "{\"call_id\":\"CALL 07\",\"agent_id\":\"S1\",\"agent_name\":\"王芳\",\"team\":\"甲组\",\"started_at\":\"2026-11-02T10:00:00+08:00\",\"turns\":[$greet,{\"speaker\":\"customer\",\"text\":\"能不能快点？\"},{\"speaker\":\"agent\",\"text\":\"急什么，烦死人了！\"},$bye]}" \
  > calls.jsonl
"$zhijian" score --db z.db calls.jsonl >/dev/null 2>&1 || fail "score"
for mode in aggregates recompute; do
    env=()
    [ $mode = recompute ] && env=(ZJ_REPORT_RECOMPUTE=1)
    sc() { env "${env[@]}" "$zhijian" scorecard --db z.db "$@"; }
    got=$(sc --format json | python3 -c 'import json,sys; e=json.load(sys.stdin)["groups"][0]["problems"][0]["example"]; print(e["call_id"] + "|" + e["text"])')
    [ "$got" = "CALL 07|急什么，烦死人了" ] || fail "$mode json example: $got"
    sc >out || fail "$mode text"
    grep -qF '  急什么烦死人了 taboo.04-annoying 第十四条第4项 1    -10  CALL 07 「急什么，烦死人了」' out ||
        fail "$mode text example: $(grep -F taboo.04 out)"
    sc --format md >out || fail "$mode md"
    grep -qxF '| 急什么烦死人了 | taboo.04-annoying | 第十四条第4项 | 1 | -10 | CALL 07 **急什么，烦死人了** |' out ||
        fail "$mode md example: $(grep -F taboo.04 out)"
    sc --format html >out || fail "$mode html"
    grep -qxF '<tr><td>急什么烦死人了</td><td class="id">taboo.04-annoying</td><td>第十四条第4项</td><td class="id">1</td><td class="id">-10</td><td>CALL 07 <mark>急什么，烦死人了</mark></td></tr>' out ||
        fail "$mode html example: $(grep -F taboo.04 out)"
    sc --by team --format json | python3 -c 'import json,sys; e=json.load(sys.stdin)["groups"][0]["problems"][0]["example"]; sys.exit(e["call_id"] != "CALL 07")' ||
        fail "$mode --by team json example"
done
# The id names the stored call.
"$zhijian" show --db z.db 'CALL 07' >/dev/null 2>&1 || fail "show 'CALL 07'"
echo ok
