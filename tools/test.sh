#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds zhijian (optimized, and with
# AddressSanitizer + UndefinedBehaviorSanitizer, which includes LeakSanitizer),
# runs every test in the optimized build and all but a few volume and
# front-end tests in the sanitizer build (listed below; --full runs those
# too), runs the unit tests and cases of a portable
# build (PCRE2 only, no SSE2 and no OpenCC: the fallbacks where Hyperscan, x86
# SIMD or the t2s table are missing; cases that need t2s are skipped there) with
# the fault sweep (tests/fault/: every command with its Nth allocation or write
# failing; the ASan build runs it too), checks the CLI on the corpus under
# valgrind, and runs every libFuzzer target (tests/fuzz/) for a few seconds. The
# ASan build's full ctest summary is printed just before the fuzzing.
#
# usage: tools/test.sh          the CI-sized run (what CI runs)
#        tools/test.sh --full   the full-size run: the sanitizer build also
#                               runs the volume tests it leaves out (below)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
full=0
case ${1:-} in
  "") ;;
  --full) full=1 ;;
  -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "tools/test.sh: unknown option '$1' (--full runs every test in every build)" >&2; exit 2 ;;
esac
# Each stage's heading; the seconds the previous one took, so that a slow
# stage shows in the log (the whole run is meant to stay well within 20
# minutes on 2 cores).
stage_start=$(date +%s) run_start=$stage_start
stage() {
  local now; now=$(date +%s)
  [ -z "${stage_name:-}" ] || echo "-- $stage_name: $((now - stage_start)) s"
  stage_name=$1 stage_start=$now
  [ "$1" = done ] || echo "== $1"
}

stage "dependencies (tools/deps.sh)"
"$root/tools/deps.sh"
jobs=$(nproc)
# deps.sh installed PostgreSQL: its tests must run, not skip.
export ZJ_REQUIRE_POSTGRES=1
# One Hyperscan cache for the whole run, large enough to keep every rule set
# the tests compile: the sanitizer build then loads the databases the
# optimized build compiled instead of compiling them again (a compile of the
# bundled standard takes over a minute under ASan's allocator; with the
# default of 32 databases the rule sets of the cases pushed it out).
export XDG_CACHE_HOME="$root/build/test-cache" ZHIJIAN_CACHE_KEEP=100000
export ZJ_TEST_CACHE_DIR="$XDG_CACHE_HOME/zhijian" # the unit tests' (tests/CMakeLists.txt)

stage "build (RelWithDebInfo)"
"$root/tools/build.sh" "$root/build"
stage "tests (RelWithDebInfo)"
ctest --test-dir "$root/build" -j "$jobs" --output-on-failure

stage "build (portable: PCRE2 backend only, -DZJ_HYPERSCAN=OFF, byte-wise scans without SSE2, no OpenCC; fault injection)"
"$root/tools/build.sh" "$root/build-pcre" -DZJ_HYPERSCAN=OFF -DCMAKE_C_FLAGS=-U__SSE2__ -DZJ_OPENCC=OFF -DZJ_FAULT_INJECTION=ON
stage "tests (portable build: unit tests, cases and the fault sweep)"
ctest --test-dir "$root/build-pcre" -j "$jobs" --output-on-failure -R '^(unit|case|fault)\.'

stage "valgrind (scoring the corpus)"
# With the PCRE2 backend: a Hyperscan database is compiled for the CPU it runs
# on, and valgrind's emulated CPU matches no database in the cache, so with
# Hyperscan every run here would compile the bundled standard inside valgrind
# (over five minutes of Hyperscan's own code). The Hyperscan backend's side of
# zhijian runs under ASan below, in every test.
vg() {
  valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=99 "$root/build/zhijian" score --no-db --format jsonl --no-jit --backend pcre2 "$@" >/dev/null
}
# The three runs side by side (each is one process); run-on ASR text puts
# the clause_starts regexes and the clause model to work.
vg corpus/calls/ & vg1=$!
vg corpus/formats/ & vg2=$!
head -60 corpus/gold/calls/unpunctuated.jsonl | vg - & vg3=$!
wait $vg1 # one by one: set -e ends the run at the first that failed
wait $vg2
wait $vg3
echo "valgrind: no errors, no leaks"

stage "build (ASan + UBSan, -O1)"
# -O1, as AddressSanitizer's documentation advises for speed; the reports are
# the same (frame pointers are kept).
"$root/tools/build.sh" "$root/build-asan" -DZJ_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DZJ_FAULT_INJECTION=ON
stage "tests (ASan + UBSan + LSan)"
# The benchmark's smoke test, the PDF check and the peak-RSS check measure or
# print what the optimized build already checked (RSS under ASan is its shadow
# memory); the server's browser test runs here too.
# The PostgreSQL store's test runs there without its browser flow and its
# kill-and-resume run (ZJ_TEST_QUICK=1), both checked above.
# The CI-sized run also leaves out tests whose code the sanitizers see
# through other tests, at a minute or more each under them:
#  - volume tests, which check figures and orders byte for byte over many
#    report variants or batches of 12,000 and more calls (the aggregates
#    against a recomputation, re-scoring a changed input after a kill, the
#    run records of a killed batch, output order across threads, the gold
#    set's six variants, the sampling tables); store_basics, store_resume,
#    report_golden, review_cli and the eval cases run the same commands;
#  - front-ends of code a unit test, the cases and a fuzz target run here:
#    formats (test_ingest, the input cases, fuzz_formats), lint_cli
#    (test_lint, fuzz_lint), postgres_conninfo (test_db_mask, and
#    postgres_store here), and two report scripts of report_golden's
#    commands (report_offences, report_metric_findings);
#  - dask_postgres: the Dask runner's bookkeeping over PostgreSQL; what the
#    binary does there, several writers into one PostgreSQL store, is
#    postgres_store's two writers here.
# --full runs them too.
skip='bench_smoke|report_pdf|rss_flat'
[ "$full" = 1 ] || skip="$skip|report_aggregates|store_resume_changed|store_runs|batch_order|gold_eval|sample_audit"
[ "$full" = 1 ] || skip="$skip|formats|lint_cli|postgres_conninfo|report_offences|report_metric_findings|dask_postgres"
quick=1
[ "$full" = 1 ] && quick=0
ZJ_TEST_QUICK=$quick ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" -j "$jobs" --output-on-failure -E "^script\.($skip)\$"

stage "fuzzing (libFuzzer + ASan + UBSan: every tests/fuzz/fuzz_*.c, one per core, under a minute in all)"
n_targets=$(ls "$root"/tests/fuzz/fuzz_*.c | wc -l)
"$root/tools/fuzz" --jobs "$jobs" --time $(( 48 / n_targets > 2 ? 48 / n_targets : 2 ))
stage done
echo "tools/test.sh: every stage passed in $(( $(date +%s) - run_start )) s"
