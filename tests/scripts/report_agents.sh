#!/usr/bin/env bash
# Who a report names: the calls without an agent id are one group,
# (未知坐席), with no name or team borrowed from one of its calls; an agent
# is shown with the name and team of its latest date in the selection (it
# moved team: its team now); the audit report's 坐席人数 counts the agent
# ids and names the calls without one. From the aggregates and from the
# calls (ZJ_REPORT_RECOMPUTE=1) alike.
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
call() { # ID AGENT_FIELDS DATE [RUDE]
    local rude=''
    [ -n "${4:-}" ] && rude=',{"speaker":"customer","text":"能不能快点？"},{"speaker":"agent","text":"急什么，烦死人了！"}'
    printf '{"call_id":"%s",%s,"started_at":"%sT10:00:00+08:00","turns":[{"speaker":"agent","text":"您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"}%s,{"speaker":"agent","text":"感谢您的来电，再见！"}]}\n' \
        "$1" "$2" "$3" "$rude"
}
{
    call N1 '"agent_name":"甲","team":"T1"' 2026-11-02 rude
    call N2 '"agent_name":"乙","team":"T1"' 2026-11-02
    call N3 '"agent_name":"丙","team":"T2"' 2026-11-03
    call M1 '"agent_id":"B7","agent_name":"赵六","team":"乙组"' 2026-11-02
    call M2 '"agent_id":"B7","agent_name":"赵小六","team":"丙组"' 2026-11-20
    call M3 '"agent_id":"B7","agent_name":"赵六","team":"乙组"' 2026-11-10
} > calls.jsonl
"$zhijian" score --db z.db calls.jsonl >/dev/null 2>&1 || fail "score"
for mode in aggregates recompute; do
    env=()
    [ $mode = recompute ] && env=(ZJ_REPORT_RECOMPUTE=1)
    run() { env "${env[@]}" "$zhijian" "$@"; }
    run scorecard --db z.db > out || fail "$mode: scorecard"
    sed -n '/^## 总览/,/^坐席平均分/p' out > got
    cat > want <<'X'
## 总览
  坐席       姓名   班组 通话数 平均分 中位数 合格率 一票否决 等级分布 
  (未知坐席)             3      96.7   100.0  100.0% 0        A 2 / B 1
  B7         赵小六 丙组 3      100.0  100.0  100.0% 0        A 3      
坐席平均分（合格线 80）
X
    diff -u want got || fail "$mode: scorecard overview"
    run scorecard --db z.db --format json | python3 -c '
import json, sys
g = json.load(sys.stdin)["groups"]
print([(x["agent_id"], x["agent_name"], x["team"], x["calls"]) for x in g])' > got
    echo "[(None, None, None, 3), ('B7', '赵小六', '丙组', 3)]" > want
    diff -u want got || fail "$mode: scorecard json groups"
    # A filter that leaves B7 in 乙组 shows 乙组 and that date's name.
    run scorecard --db z.db --to 2026-11-15 --format csv | sed -n 3p > got
    printf 'B7,赵六,乙组,2,100.0,100.0,100.0%%,0,A 2\r\n' > want
    diff -u want got || fail "$mode: scorecard --to (csv)"
    run report --db z.db > out || fail "$mode: report"
    grep -qxF '| 坐席人数 | 1（另有 3 通通话无坐席工号，记为 (未知坐席)） |' out ||
        fail "$mode: 坐席人数: $(grep 坐席人数 out)"
    sed -n '/^各坐席平均分/,/^每周/p' out | grep '^| [(B]' > got
    printf '%s\n' '| (未知坐席) | 96.7 |' '| B7 赵小六 | 100.0 |' > want
    diff -u want got || fail "$mode: report agent chart"
    run report --db z.db --format json | python3 -c '
import json, sys
s = json.load(sys.stdin)["scope"]
print(s["agents"], s["calls_without_agent"])' > got
    echo "1 3" > want
    diff -u want got || fail "$mode: report json scope"
    run report --db z.db --agent B7 > out || fail "$mode: report --agent B7"
    grep -qxF '| 坐席人数 | 1 |' out || fail "$mode: 坐席人数 of B7: $(grep 坐席人数 out)"
done
echo ok
