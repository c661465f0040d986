#!/usr/bin/env bash
# --resume after a second kill, from another name of the file, and over a
# changed input:
#  - a resumed run starts at the watermark it resumes from: killed before its
#    first commit, the next resume goes on from there (it restarted at 0);
#  - a relative and an absolute name of one input resume each other;
#  - an input that changed since the interrupted run (bytes prepended, cut
#    below the watermark, edited in place) is refused with exit 2 naming the
#    file and the change (it gave a false "invalid JSON", or "done" with 0
#    calls and exit 0).
set -u
zhijian=$1 src=$2 bin=$3
gen=$bin/../tools/bench/gen_corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$gen" --calls 12000 --seed 5 > "$tmp/calls.jsonl" || fail "generator"
"$zhijian" score --db "$tmp/full.db" "$tmp/calls.jsonl" > /dev/null 2>&1 || fail "uninterrupted run"

# Runs score with one thread and small commits; kills it once a commit with
# a watermark is visible. $1: database, then score's other arguments.
kill_after_commit() {
  local db=$1; shift
  "$zhijian" score --jobs 1 --db "$db" "$@" > /dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 10000); do
    w=$(sqlite3 "$db" "SELECT max(watermark) FROM run_inputs WHERE run_id = (SELECT max(id) FROM runs)" 2>/dev/null)
    if [ "${w:-0}" -gt 0 ] 2>/dev/null; then kill -9 "$pid"; break; fi
    sleep 0.01
  done
  wait "$pid" 2> /dev/null; pid=
  [ "${w:-0}" -gt 0 ] 2>/dev/null || fail "could not kill the run after a commit"
}
wm() { sqlite3 "$1" "SELECT watermark FROM run_inputs WHERE run_id = (SELECT max(id) FROM runs)"; }

# 1. A second kill before the resumed run's first commit.
kill_after_commit "$tmp/k.db" --commit-every 1000 "$tmp/calls.jsonl"
w1=$(wm "$tmp/k.db")
size=$(stat -c %s "$tmp/calls.jsonl")
[ "$w1" -lt "$size" ] || fail "the first run finished before it was killed"
# Commits only at the end (or after 2 s): killed at once, it never commits.
"$zhijian" score --resume --jobs 1 --commit-every 10000000 --db "$tmp/k.db" "$tmp/calls.jsonl" > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 5000); do
  [ "$(sqlite3 "$tmp/k.db" "SELECT count(*) FROM runs" 2>/dev/null)" = 2 ] && break
  sleep 0.005
done
kill -9 "$pid"; wait "$pid" 2> /dev/null; pid=
[ "$(sqlite3 "$tmp/k.db" "SELECT count(*) FROM runs")" = 2 ] || fail "the resumed run did not start"
w2=$(wm "$tmp/k.db")
[ "$w2" -ge "$w1" ] || fail "the resumed run's watermark went back from $w1 to $w2 before its first commit"
"$zhijian" score --resume --db "$tmp/k.db" "$tmp/calls.jsonl" > /dev/null 2> "$tmp/err" || fail "third run: $(cat "$tmp/err")"
grep -q "starting afresh" "$tmp/err" && fail "the third run started afresh"
q="SELECT call_id, score, grade, n_turns FROM calls ORDER BY call_id"
[ "$(sqlite3 "$tmp/k.db" "$q" | md5sum)" = "$(sqlite3 "$tmp/full.db" "$q" | md5sum)" ] ||
  fail "resumed twice: calls differ from the uninterrupted run"
[ "$(sqlite3 "$tmp/k.db" "SELECT calls_scored FROM runs ORDER BY id DESC LIMIT 1")" -lt 12000 ] ||
  fail "the third run rescored everything"

# 2. A relative name resumes a run started with the absolute one.
kill_after_commit "$tmp/r.db" --commit-every 1000 "$tmp/calls.jsonl"
(cd "$tmp" && "$zhijian" score --resume --db r.db ./calls.jsonl > /dev/null 2> err) || fail "relative resume: $(cat "$tmp/err")"
grep -q "starting afresh" "$tmp/err" && fail "a relative name did not resume the absolute one"
[ "$(sqlite3 "$tmp/r.db" "SELECT resumed_from IS NOT NULL FROM runs ORDER BY id DESC LIMIT 1")" = 1 ] ||
  fail "the run was not recorded as resumed"
[ "$(sqlite3 "$tmp/r.db" "$q" | md5sum)" = "$(sqlite3 "$tmp/full.db" "$q" | md5sum)" ] ||
  fail "relative resume: calls differ"

# 3. Changed inputs are refused (exit 2), and nothing is marked done.
changed() { # db, what, expected message part, command to change the file
  local db=$tmp/$1.db what=$2 want=$3; shift 3
  cp "$tmp/calls.jsonl" "$tmp/$1.jsonl"
  kill_after_commit "$db" --commit-every 1000 "$tmp/$1.jsonl"
  "$@" "$tmp/$1.jsonl"
  "$zhijian" score --resume --db "$db" "$tmp/$1.jsonl" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  [ $rc = 2 ] || fail "$what: exit $rc, expected 2: $(cat "$tmp/err")"
  grep -qF "zhijian: $tmp/$1.jsonl: cannot resume: $want" "$tmp/err" || fail "$what: message: $(cat "$tmp/err")"
  [ "$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE status IN ('done', 'partial')")" = 0 ] ||
    fail "$what: a run was marked done"
}
prepend() { { printf '%s\n' '{"call_id":"NEW","turns":[{"speaker":"agent","text":"您好"}]}'; cat "$1"; } > "$1.new" && mv "$1.new" "$1"; }
cut_short() { truncate -s 100 "$1"; }
edit_head() { sed -i '1s/"call_id":"G/"call_id":"X/' "$1"; [ "$(stat -c %s "$1")" = "$size" ] || fail "edit changed the size"; }
changed p "prepended bytes" "the input changed size since the interrupted run ($size -> " prepend
changed t "truncated input" "the input is now 100 bytes, shorter than the" cut_short
changed e "edited input" "the input's content changed since the interrupted run (its first" edit_head
echo "ok: resumed after a second kill from its watermark, across path names; changed inputs refused"
