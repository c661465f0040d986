#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds zhijian (optimized, and with
# AddressSanitizer + UndefinedBehaviorSanitizer, which includes LeakSanitizer),
# runs every test in both builds, runs the unit tests and cases of a portable
# build (PCRE2 only and no SSE2: the fallbacks where Hyperscan or x86 SIMD are
# missing) with the fault sweep (tests/fault/: every command with its Nth
# allocation or write failing; the ASan build runs it too), and checks the CLI
# on the corpus under valgrind. The last lines printed are the ASan build's full
# ctest summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/tools/deps.sh"
jobs=$(nproc)

echo "== build (RelWithDebInfo)"
"$root/tools/build.sh" "$root/build"
echo "== tests (RelWithDebInfo)"
ctest --test-dir "$root/build" -j "$jobs" --output-on-failure

echo "== build (portable: PCRE2 backend only, -DZJ_HYPERSCAN=OFF, byte-wise scans without SSE2; fault injection)"
"$root/tools/build.sh" "$root/build-pcre" -DZJ_HYPERSCAN=OFF -DCMAKE_C_FLAGS=-U__SSE2__ -DZJ_FAULT_INJECTION=ON
echo "== tests (portable build: unit tests, cases and the fault sweep)"
ctest --test-dir "$root/build-pcre" -j "$jobs" --output-on-failure -R '^(unit|case|fault)\.'

echo "== valgrind (scoring the corpus)"
valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
  --error-exitcode=99 "$root/build/zhijian" score --no-db --format jsonl --no-jit corpus/calls/ >/dev/null
valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
  --error-exitcode=99 "$root/build/zhijian" score --no-db --format jsonl --no-jit corpus/formats/ >/dev/null
echo "valgrind: no errors, no leaks"

echo "== build (ASan + UBSan)"
"$root/tools/build.sh" "$root/build-asan" -DZJ_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DZJ_FAULT_INJECTION=ON
echo "== tests (ASan + UBSan + LSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" -j "$jobs" --output-on-failure

