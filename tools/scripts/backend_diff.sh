#!/usr/bin/env bash
# The two matcher backends give byte-identical results on every call of the
# corpus and of the gold set (every variant, development and held-out parts):
# `zhijian score --backend pcre2` against `--backend hyperscan`, the bundled
# standard, JSON lines compared byte for byte.
# Full size (not in CI: PCRE2 alone scores the gold set some 60 times slower
# than Hyperscan: 11 minutes on 2 cores):
#   tools/scripts/backend_diff.sh            # build/ (ZHIJIAN_BUILD=DIR for another)
#   tools/scripts/backend_diff.sh corpus/gold/calls/filler.jsonl   # given files only
# CI-sized version: tests/unit/test_match_diff.c (the corpus, and every 27th
# call of two gold variants; ZJ_TEST_FULL=1 there takes every call of those two).
# Exit status: 0 identical, 1 a difference (the first differing line is
# printed), 2 a run failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${ZHIJIAN_BUILD:-$root/build}
[ -x "$bin/zhijian" ] || "$root/tools/build.sh" "$bin" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=("$@")
[ $# -gt 0 ] || files=("$root"/corpus/calls/*.jsonl "$root"/corpus/gold/calls/*.jsonl "$root"/corpus/gold/heldout/calls/*.jsonl)
status=0
for f in "${files[@]}"; do
  for b in pcre2 hyperscan; do
    "$bin/zhijian" score --no-db --format jsonl --backend "$b" \
      --rules "$root/rules/property-service.yaml" "$f" >"$tmp/$b.jsonl" 2>"$tmp/$b.err" ||
      { echo "FAIL: $b on $f exited $?: $(head -3 "$tmp/$b.err")"; exit 2; }
  done
  n=$(wc -l <"$tmp/pcre2.jsonl")
  if cmp -s "$tmp/pcre2.jsonl" "$tmp/hyperscan.jsonl"; then
    echo "identical  $n calls  $f"
  else
    line=$(cmp "$tmp/pcre2.jsonl" "$tmp/hyperscan.jsonl" | sed 's/.* line //')
    echo "DIFFERENT  $f, first at line $line:"
    echo "  pcre2:     $(sed -n "${line}p" "$tmp/pcre2.jsonl" | head -c 400)"
    echo "  hyperscan: $(sed -n "${line}p" "$tmp/hyperscan.jsonl" | head -c 400)"
    status=1
  fi
done
exit $status
