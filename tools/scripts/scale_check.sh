#!/usr/bin/env bash
# The scale-out check at full size, and the write rates behind
# docs/scale-out.md's PostgreSQL table, on a throwaway PostgreSQL cluster:
#  1. tests/scripts/dask_postgres.sh with CALLS generated calls (default
#     100,000): one process into SQLite and tools/zhijian-dask with 2 workers
#     (one killed) into PostgreSQL give the same rows, scorecards and report;
#  2. wall-clock seconds of the same calls scored by one process with no
#     store, into SQLite, and into PostgreSQL, and by the runner with 2
#     workers and 16 MiB partitions into PostgreSQL and into JSONL files.
#
# usage: tools/scripts/scale_check.sh BUILD_DIR [CALLS]
#   e.g. tools/scripts/scale_check.sh build 100000
set -euo pipefail
bin=$(cd "${1:?usage: scale_check.sh BUILD_DIR [CALLS]}" && pwd)
calls=${2:-100000}
root=$(cd "$(dirname "$0")/../.." && pwd)
echo "== $calls calls: one process into SQLite against the runner into PostgreSQL"
ZJ_REQUIRE_POSTGRES=1 ZJ_DASK_PG_CALLS=$calls \
  bash "$root/tests/scripts/dask_postgres.sh" "$bin/zhijian" "$root" "$bin/tests"

. "$root/tests/lib/pg_cluster.sh"
tmp=$(mktemp -d)
[ "$(id -u)" = 0 ] && chmod 755 "$tmp"
trap 'pg_stop; rm -rf "$tmp"' EXIT
pg_start "$tmp"
"$bin/tools/bench/gen_corpus" --calls "$calls" --seed 41 > "$tmp/calls.jsonl"
echo "== one process, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
timed() { # LABEL COMMAND...
  local label=$1
  shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null 2>&1 || [ $? = 1 ]
  t1=$(date +%s.%N)
  awk -v l="$label" -v n="$calls" -v a="$t0" -v b="$t1" \
    'BEGIN { printf "%-28s %7.1f s %8.0f calls/s\n", l, b - a, n / (b - a) }'
}
timed "no store" "$bin/zhijian" score --no-db --format jsonl "$tmp/calls.jsonl"
timed "into SQLite" "$bin/zhijian" score --db "$tmp/z.db" "$tmp/calls.jsonl"
timed "into PostgreSQL" "$bin/zhijian" score --db "$PG_URL" "$tmp/calls.jsonl"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
runner() { "$py" "$root/tools/zhijian-dask" --zhijian "$bin/zhijian" --workers 2 \
  --partition-size 16M "$@"; }
timed "runner, 2 workers, PostgreSQL" runner --db "$(pg_createdb runner)" "$tmp/calls.jsonl"
timed "runner, 2 workers, JSONL" runner -o "$tmp/out" "$tmp/calls.jsonl"
