#!/usr/bin/env bash
# Throughput of one zhijian process against tools/zhijian-dask on a local
# Dask cluster, on the same generated calls: calls per second and the ratio.
# Checks the runner's output is byte-identical to the single process's.
#
# usage: tools/scripts/dask_throughput.sh BUILD_DIR [CALLS] [WORKERS] [PARTITION_SIZE]
#   e.g. tools/scripts/dask_throughput.sh build 200000 2 32M
set -euo pipefail
bin=$(cd "${1:?usage: dask_throughput.sh BUILD_DIR [CALLS] [WORKERS] [PARTITION_SIZE]}" && pwd)
calls=${2:-200000}
workers=${3:-2}
part=${4:-32M}
root=$(cd "$(dirname "$0")/../.." && pwd)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin/tools/bench/gen_corpus" --calls "$calls" --seed 20 > "$tmp/calls.jsonl"
mb=$(($(stat -c %s "$tmp/calls.jsonl") / 1000000))
echo "$calls calls ($mb MB), $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

rate() { awk -v n="$calls" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
# COMMAND... -> "WALL CPU" seconds (CPU: user + system of it and every
# process it waited for: the runner's cluster workers and their zhijian).
timed() {
  /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@"
  awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$tmp/time"
}
show() { # LABEL WALL CPU
  printf '%-44s %7.2f s wall %6s calls/s | %7.2f s CPU %6s calls per CPU-second\n' \
    "$1" "$2" "$(rate "$2")" "$3" "$(rate "$3")"
}

read -r w1 c1 < <(timed sh -c "'$bin/zhijian' score --no-db --format jsonl --jobs 1 - < '$tmp/calls.jsonl' > '$tmp/one1.jsonl'")
show "1 process, --jobs 1" "$w1" "$c1"
read -r wN cN < <(timed sh -c "'$bin/zhijian' score --no-db --format jsonl - < '$tmp/calls.jsonl' > '$tmp/one.jsonl'")
show "1 process, --jobs $(nproc) (default)" "$wN" "$cN"
cmp -s "$tmp/one1.jsonl" "$tmp/one.jsonl" || { echo "FAIL: --jobs changed the output"; exit 1; }
(cd "$tmp" && ln -s calls.jsonl in.jsonl)
read -r wd cd < <(timed sh -c "cd '$tmp' && '$py' '$root/tools/zhijian-dask' --zhijian '$bin/zhijian' \
  --workers $workers --partition-size $part -o out in.jsonl 2> runner.err")
show "zhijian-dask, $workers workers, $part partitions" "$wd" "$cd"
tail -1 "$tmp/runner.err"
cmp -s "$tmp/one.jsonl" "$tmp/out/results.jsonl" || { echo "FAIL: runner output differs"; exit 1; }
awk -v a="$w1" -v b="$wd" -v c="$wN" 'BEGIN {
  printf "wall-clock ratio, runner over 1 process --jobs 1: %.2f; over --jobs %d: %.2f\n", a / b, '"$(nproc)"', c / b }'
