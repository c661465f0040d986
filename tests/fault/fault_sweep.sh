#!/usr/bin/env bash
# Fault sweep (a build with -DZJ_FAULT_INJECTION=ON): every command runs once
# clean, then again with allocation N failing (ZJ_FAULT_ALLOC=N, see
# engine/fault.h), with SQLite's Nth file read/write/sync failing
# (ZJ_FAULT_IO=N) and with stdout's Nth write failing (ZJ_FAULT_WRITE=N).
# Each faulted run must either end exactly as the clean one (exit status and
# stdout byte for byte: the failure was absorbed) or exit with 2 or 3 and a
# "zhijian: " message on stderr that the clean run did not print; never exit 0
# (or the clean status) with other output, never crash, and (under ASan) never
# leak or touch freed memory.
#
# Allocations and file I/O: N = 1..FIRST, then SPREAD values spread evenly up
# to the command's count; every third spread allocation fails persistently (N
# and all after it). FAULT_SWEEP_ALL=1 tries every N. Writes: every N.
# FAULT_SWEEP_ONLY=REGEX limits the sweep to the command lines it matches.
# FAULT_SWEEP_PART=K/N sweeps the Kth of N interleaved shares of the command
# lines (the thread starts with the first), so that ctest runs the shares
# side by side (tests/CMakeLists.txt: fault.sweep.1, fault.sweep.2).
# Usage: fault_sweep.sh ZHIJIAN SRC BIN
set -u
zhijian=$1 src=$2 bin=$3
first=${FAULT_SWEEP_FIRST:-25}
spread=${FAULT_SWEEP_SPREAD:-25}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
# The matcher cache is the caller's (tools/test.sh gives the whole run one):
# its files are keyed by content, checksummed and replaced atomically, so a
# faulted run cannot spoil it, and a cold compile of the bundled standard
# takes over a minute under ASan's allocator.
export NO_COLOR=1
rules=$src/rules/property-service.yaml
# rules test runs every example through the engine: with the bundled
# standard's 3,500 examples a run takes seconds, and the sweep runs it some
# fifty times. A small rule set with examples takes the same paths (loading,
# each example scored, its clauses written); the bundled standard is still
# loaded under faults by lint, rules check and rules explain.
examples=$src/tests/scripts/data/model/examples.yaml
calls=$src/corpus/calls
printf '喂，你找谁？\n这个我也不知道啊。\n' > script.txt

if ! ZJ_FAULT_REPORT=$tmp/probe "$zhijian" --version >/dev/null 2>&1 || [ ! -s probe ]; then
    echo "FAIL: $zhijian is not a fault-injection build (-DZJ_FAULT_INJECTION=ON)"
    exit 1
fi
"$zhijian" score --db base.db "$calls" >/dev/null 2>&1 || { echo "FAIL: scoring the corpus"; exit 1; }

# Each command as one line; @DB is a fresh copy of base.db, @NEW a new path.
commands=(
    "score --no-db --format jsonl --jobs 2 $calls"
    "score --no-db --format text --jobs 1 $calls/2026-11.jsonl"
    "score --db @NEW --jobs 2 $calls"
    "score --db @DB --jobs 1 $calls"
    "show --db @DB PS-017"
    "show --db @DB --format json PS-017"
    "scorecard --db @DB"
    "scorecard --db @DB --by team --format csv"
    "report --db @DB"
    "report --db @DB --format json"
    "sample --db @DB --n 5 --save"
    "sample --db @DB --iso2859 II --aql 1.0 --format csv"
    "lint --rules $rules script.txt"
    "db check --db @DB"
    "db rebuild --db @DB"
    "rules check $rules"
    "rules test $examples"
    "rules test --clauses - $examples"
    "rules explain --rules $rules taboo.02-bu-zhi-dao 这个我也不知道啊"
)

failures=0 runs=0

# picks COUNT: the N values to try, in ns.
picks() {
    ns=()
    if [ "${FAULT_SWEEP_ALL:-0}" = 1 ]; then
        for ((n = 1; n <= $1; n++)); do ns+=("$n"); done
        return
    fi
    for ((n = 1; n <= first && n <= $1; n++)); do ns+=("$n"); done
    local last=$first
    for ((k = 1; k <= spread && $1 > first; k++)); do
        n=$((first + k * ($1 - first) / spread))
        [ "$n" -gt "$last" ] && ns+=("$n") && last=$n
    done
}
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run CMD OUT ERR [ENV...]: runs one command line; returns its exit status.
run() {
    local cmd=$1 out=$2 err=$3
    shift 3
    rm -f run.db run.db-wal run.db-shm new.db new.db-wal new.db-shm
    cp base.db run.db
    cmd=${cmd//@DB/run.db}
    cmd=${cmd//@NEW/new.db}
    # shellcheck disable=SC2086
    env "$@" "$zhijian" $cmd >"$out" 2>"$err"
}

# check LABEL RC: the faulted run (out, err) against the clean one (out0, err0, rc0).
check() {
    local label=$1 rc=$2
    runs=$((runs + 1))
    if grep -qE "AddressSanitizer|LeakSanitizer|runtime error:" err; then
        fail "$label: sanitizer: $(grep -m1 -E "AddressSanitizer|LeakSanitizer|runtime error:" err)"
    elif [ "$rc" -ge 128 ] || { [ "$rc" = 1 ] && [ "$rc0" != 1 ]; }; then
        fail "$label: exit $rc (crash or unexpected status): $(head -c 300 err)"
    elif [ "$rc" = "$rc0" ] && cmp -s out out0; then
        : # absorbed: the same result
    elif [ "$rc" != 2 ] && [ "$rc" != 3 ]; then
        fail "$label: exit $rc with output that differs from the clean run ($(wc -c <out) vs $(wc -c <out0) bytes)"
    elif ! grep -vxFf err0 err | grep -q "^zhijian: "; then
        fail "$label: exit $rc without a message: $(head -c 300 err)"
    fi
}

part=${FAULT_SWEEP_PART:-1/1}
[[ $part =~ ^([0-9]+)/([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 1 ] &&
    [ "${BASH_REMATCH[1]}" -le "${BASH_REMATCH[2]}" ] ||
    { echo "FAIL: FAULT_SWEEP_PART=$part is not K/N with 1 <= K <= N"; exit 1; }
share=$((BASH_REMATCH[1] - 1)) shares=${BASH_REMATCH[2]}

swept=0 index=0
for cmd in "${commands[@]}"; do
    index=$((index + 1))
    [ $(((index - 1) % shares)) = "$share" ] || continue
    # FAULT_SWEEP_ONLY=REGEX: only the command lines it matches.
    [[ -n "${FAULT_SWEEP_ONLY:-}" && ! "$cmd" =~ ${FAULT_SWEEP_ONLY} ]] && continue
    swept=$((swept + 1))
    run "$cmd" out0 err0 ZJ_FAULT_REPORT="$tmp/count"
    rc0=$?
    read -r _ allocs _ writes _ ios < count
    [ "$rc0" -le 1 ] || fail "$cmd: clean run exit $rc0: $(head -c 300 err0)"
    picks "$allocs"
    tried=0
    for n in "${ns[@]}"; do
        persist=0
        [ "${FAULT_SWEEP_ALL:-0}" != 1 ] && [ "$n" -gt "$first" ] && [ $((tried % 3)) = 0 ] && persist=1
        tried=$((tried + 1))
        run "$cmd" out err ZJ_FAULT_ALLOC="$n" ZJ_FAULT_PERSIST=$persist
        rc=$?
        mark=; [ $persist = 1 ] && mark=+
        check "$cmd [alloc $n$mark]" $rc
    done
    picks "$ios"
    for n in "${ns[@]}"; do
        run "$cmd" out err ZJ_FAULT_IO="$n"
        rc=$?
        check "$cmd [io $n]" $rc
    done
    io_tried=${#ns[@]}
    for ((n = 1; n <= writes; n++)); do
        run "$cmd" out err ZJ_FAULT_WRITE="$n"
        rc=$?
        runs=$((runs + 1))
        [ "$rc" = 2 ] && grep -q "^zhijian: write error: No space left on device$" err ||
            fail "$cmd [write $n]: exit $rc: $(head -c 300 err)"
    done
    echo "$cmd: $allocs allocations ($tried tried), $ios file I/O ($io_tried tried), $writes writes"
done
# A thread that cannot be started (ZJ_FAULT_THREAD=N: the Nth and every
# later start fails) ends the run with exit 2 and says so; never a hang
# waiting on a thread that does not exist.
for store in --no-db "--db threads.db"; do
    [ "$share" = 0 ] || break
    # shellcheck disable=SC2086
    "$zhijian" score $store --jobs 3 --format jsonl "$calls" >out0 2>/dev/null
    for n in 1 2 3 4; do
        [[ -n "${FAULT_SWEEP_ONLY:-}" && ! "score $store" =~ ${FAULT_SWEEP_ONLY} ]] && continue
        runs=$((runs + 1))
        # shellcheck disable=SC2086
        ZJ_FAULT_THREAD=$n timeout 120 "$zhijian" score $store --jobs 3 --format jsonl "$calls" >out 2>err
        rc=$?
        [ "$rc" = 2 ] && grep -q "^zhijian: cannot start .*thread: Resource temporarily unavailable$" err ||
            { [ "$rc" -le 1 ] && cmp -s out out0; } ||
            fail "score $store [thread $n]: exit $rc: $(head -c 300 err)"
    done
done
echo "fault sweep: $swept command lines, $runs faulted runs, $failures failures"
[ "$failures" = 0 ]
