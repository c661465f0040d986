#!/usr/bin/env bash
# Reports stay fast on a large store: scores N generated calls (default 10^6)
# into a database (timed: generating and writing aggregates are part of the
# cost), then times the scorecard (agents, teams, one agent's week), the audit
# report and an ISO 2859-1 sample. Not part of CI.
# usage: tools/scripts/report_scale.sh [N]
set -euo pipefail
n=${1:-1000000}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/build
[ -x "$bin/zhijian" ] || "$root/tools/build.sh" "$bin" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin/tools/bench/gen_corpus" --calls "$n" --seed 8 > "$tmp/calls.jsonl"
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); awk -v s="$s" -v e="$e" -v w="$*" 'BEGIN{printf "%6.2f s  %s\n", e-s, w}'; }
t "$bin/zhijian" score --db "$tmp/z.db" "$tmp/calls.jsonl"
echo "$n calls stored ($(du -h "$tmp/z.db" | cut -f1))"
t "$bin/zhijian" scorecard --db "$tmp/z.db"
t "$bin/zhijian" scorecard --db "$tmp/z.db" --by team --format html
t "$bin/zhijian" scorecard --db "$tmp/z.db" --agent A03 --from 2026-11-10 --to 2026-11-16
t "$bin/zhijian" report --db "$tmp/z.db" --format html
t "$bin/zhijian" sample --db "$tmp/z.db" --iso2859 II --aql 1.0
