#!/usr/bin/env bash
# Nothing is lost without a word: a repeated call id in one run is reported
# (both FILE:LINEs, exit 3: one call's result was replaced); --db "" is a
# usage error; output to a full device (/dev/full) fails every command with
# "zhijian: write error: No space left on device" and exit 2; a disk that
# fills while scoring leaves a summary saying how many calls were stored.
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
calls=$src/corpus/calls
rules=$src/rules/property-service.yaml
"$zhijian" score --db s.db "$calls" >/dev/null 2>&1 || fail "scoring the corpus"

# 1. A repeated call id: warned with both places, the later result stored, exit 3.
head -3 "$calls/2026-11.jsonl" > a.jsonl
{ sed -n 4p "$calls/2026-11.jsonl"; sed -n 2p "$calls/2026-11.jsonl" | sed 's/"agent_id": "A02"/"agent_id": "A99"/'; } > b.jsonl
"$zhijian" score --db dup.db a.jsonl b.jsonl >/dev/null 2>err
rc=$?
[ $rc = 3 ] || fail "repeated id: exit $rc, expected 3"
grep -qx "zhijian: b.jsonl:2: call 'PS-002' came before, at a.jsonl:2; this later result replaces it" err ||
    fail "repeated id: $(cat err)"
[ "$(sqlite3 dup.db "SELECT agent_id FROM calls WHERE call_id = 'PS-002'")" = A99 ] || fail "the later result should be stored"
[ "$(sqlite3 dup.db "SELECT count(*) FROM calls")" = 4 ] || fail "4 distinct calls expected"
[ "$(sqlite3 dup.db "SELECT status FROM runs")" = partial ] || fail "the run should be partial"
# Two one-call files of one name (a subtitle each) name the same call: the
# earlier place is the file, with no line 0 after it.
mkdir -p x y
cp "$src/corpus/formats/subtitles.srt" x/call.srt && cp "$src/corpus/formats/subtitles.srt" y/call.srt
"$zhijian" score --db dup2.db x/call.srt y/call.srt >/dev/null 2>err
[ $? = 3 ] && grep -qx "zhijian: y/call.srt: call 'call' came before, at x/call.srt; this later result replaces it" err ||
  fail "repeated one-call file: $(cat err)"
# Without a store nothing is replaced: both results are printed, no warning.
"$zhijian" score --no-db --format jsonl a.jsonl b.jsonl >out 2>err || fail "no-db with a repeated id"
[ "$(grep -c '"call_id":"PS-002"' out)" = 2 ] && [ ! -s err ] || fail "no-db: $(cat err)"

# 2. --db "" names no file: a usage error, nothing stored anywhere.
for cmd in "score $calls" "show PS-001" "scorecard" "report" "sample --n 3"; do
    "$zhijian" $cmd --db "" >out 2>err
    rc=$?
    [ $rc = 2 ] || fail "$cmd --db '': exit $rc, expected 2"
    grep -q "^zhijian: .*--db needs a file name" err || fail "$cmd --db '': $(cat err)"
done
[ ! -e zhijian.db ] && [ ! -e .db ] || fail "--db '' created a database"

# 3. Output to a full device: every command exits 2 with one message.
full() {
    "$@" >/dev/full 2>err
    local rc=$?
    [ $rc = 2 ] || fail "$* >/dev/full: exit $rc, expected 2"
    [ "$(grep -c "^zhijian: write error: No space left on device$" err)" = 1 ] ||
        fail "$* >/dev/full: $(cat err)"
}
full "$zhijian" --version
full "$zhijian" --help
full "$zhijian" score --no-db "$calls"
full "$zhijian" score --no-db --format jsonl "$calls"
full "$zhijian" score --no-db --format json "$calls"
full "$zhijian" score --db f.db "$calls"
full "$zhijian" show --db s.db PS-017
full "$zhijian" show --db s.db --format json PS-017
full "$zhijian" scorecard --db s.db
full "$zhijian" scorecard --db s.db --format csv
full "$zhijian" report --db s.db
full "$zhijian" sample --db s.db --n 5
full "$zhijian" sample --db s.db --n 5 --save
full "$zhijian" sample --db s.db --n 5 --format csv
printf '喂，你找谁？\n这个我也不知道啊。\n' > script.txt
full "$zhijian" lint --rules "$rules" script.txt
full "$zhijian" rules explain --rules "$rules" phone.no-wei 喂
full "$zhijian" rules check "$rules"
full "$zhijian" rules test "$rules"
full "$zhijian" score --help

# 4. The disk fills while scoring: the summary says what was stored.
pages=$(sqlite3 s.db "PRAGMA page_count")
"$bin/../tools/bench/gen_corpus" --calls 3000 --seed 9 > more.jsonl
ZHIJIAN_TEST_MAX_PAGES=$((pages + 300)) "$zhijian" score --db s.db --commit-every 500 more.jsonl >/dev/null 2>err
rc=$?
[ $rc = 2 ] || fail "disk full: exit $rc"
stored=$(sqlite3 s.db "SELECT count(*) FROM calls WHERE run_id = (SELECT max(id) FROM runs)")
[ "$stored" -gt 0 ] && [ "$stored" -lt 3000 ] || fail "disk full: $stored calls stored, expected some"
grep -Eq "^zhijian: scored ([0-9]+) calls, rejected 0, in [0-9.]+ s; only $stored of the [0-9]+ scored calls are stored in s.db, the other [0-9]+ are not" err ||
    fail "disk full summary: $(cat err)"
grep -q "results in s.db" err && fail "disk full: the summary still says the results are in s.db"
echo ok
