#!/usr/bin/env bash
# Memory stays flat in corpus size: peak RSS of `zhijian score` (with the
# database) on SMALL and LARGE generated calls must be within 2x.
# Full size (not in CI): tools/scripts/rss_check.sh 10000 1000000
# CI-sized version: tests/scripts/rss_flat.sh (10^4 vs 10^5).
set -euo pipefail
small=${1:-10000} large=${2:-1000000}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${ZHIJIAN_BUILD:-$root/build}
[ -x "$bin/zhijian" ] || "$root/tools/build.sh" "$bin" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rss() {
  "$bin/tools/bench/gen_corpus" --calls "$1" --seed 3 > "$tmp/c.jsonl"
  rm -f "$tmp/z.db"*
  "$bin/tools/bench/runstat" "$bin/zhijian" score --db "$tmp/z.db" "$tmp/c.jsonl" 2>&1 | tail -1 | cut -d' ' -f2
}
a=$(rss "$small")
b=$(rss "$large")
echo "peak RSS: $small calls $((a / 1024)) MiB, $large calls $((b / 1024)) MiB (ratio $(awk "BEGIN{printf \"%.2f\", $b/$a}"))"
[ "$b" -le $((2 * a)) ] || { echo "FAIL: peak RSS grows with the corpus"; exit 1; }
echo "ok: within 2x"
