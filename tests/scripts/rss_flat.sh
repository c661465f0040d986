#!/usr/bin/env bash
# CI-sized memory check: peak RSS scoring 10^5 calls is within 2x of 10^4 calls.
set -u
zhijian=$1 src=$2 bin=$3
ZHIJIAN_BUILD=$(cd "$(dirname "$zhijian")" && pwd) exec bash "$src/tools/scripts/rss_check.sh" 10000 100000
