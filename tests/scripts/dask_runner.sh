#!/usr/bin/env bash
# tools/zhijian-dask on a real Dask LocalCluster of 2 workers, small
# partitions: its joined JSONL is byte for byte what one `zhijian score
# --no-db --format jsonl` process prints for the same inputs, and its
# rejected-record report is the same FILE:LINE list, line numbers mapped
# back from partitions that start mid-file. One worker process is killed
# (SIGKILL, by the runner's test hook, in the first task it runs) and the
# output is still complete, every call exactly once. Two runners on the same
# inputs into the same output directory at once end with each call once. A
# UTF-16 file larger than a partition is read whole, as one process reads it.
set -u
zhijian=$1
src=$2
bin=$(dirname "$zhijian")
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if ! "$py" -c 'import distributed' 2>/dev/null; then
  echo "SKIP: python3-distributed not installed"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
runner=$src/tools/zhijian-dask

# About 3,000 calls (4.8 MB) with bad records in the middle of the large
# file (so in partitions that start mid-file), a blank line, and a small
# second file with a bad record of its own, given through a directory.
mkdir -p "$tmp/in/more"
"$bin/tools/bench/gen_corpus" --calls 3000 --seed 20 > "$tmp/gen.jsonl" || fail "gen_corpus"
awk 'NR == 4 { print "{not json" }
     NR == 1700 { print "" ; print "{\"call_id\":\"NO-TURNS\"}" }
     NR == 2950 { print "{\"call_id\":\"EMPTY\",\"turns\":[]}" }
     { print }' "$tmp/gen.jsonl" > "$tmp/in/big.jsonl"
"$bin/tools/bench/gen_corpus" --calls 20 --seed 21 --id-prefix S > "$tmp/in/more/small.jsonl"
printf '{"call_id":"BAD-SPEAKER","turns":[{"speaker":"robot","text":"您好"}]}\n' >> "$tmp/in/more/small.jsonl"
"$bin/tools/bench/gen_corpus" --calls 5 --seed 22 --id-prefix T >> "$tmp/in/more/small.jsonl"

cd "$tmp" || fail "cd"
"$zhijian" score --no-db --format jsonl in > ref.jsonl 2> ref.err
rc=$?
[ $rc = 3 ] || fail "one process: exit $rc, expected 3: $(cat ref.err)"
[ "$(wc -l < ref.err)" = 4 ] || fail "expected 4 rejected records from one process: $(cat ref.err)"
calls=$(wc -l < ref.jsonl)

# 1. Two workers, partitions of 1.3 MB (4 ranges of big.jsonl, then the
#    small file), the first task kills its worker.
ZHIJIAN_DASK_TEST_KILL_WORKER=$tmp/killed timeout 120 "$py" "$runner" --zhijian "$zhijian" \
  --workers 2 --partition-size 1300K -o out in > run.out 2> run.err
rc=$?
[ $rc = 3 ] || fail "runner: exit $rc, expected 3 (records rejected): $(cat run.err)"
[ -e killed ] || fail "the test hook did not kill a worker"
cmp -s ref.jsonl out/results.jsonl ||
  fail "runner output differs from one process ($(wc -l < out/results.jsonl) lines, expected $calls)"
cmp -s ref.err out/rejected.txt ||
  fail "rejected records differ: $(diff ref.err out/rejected.txt)"
# Only zhijian's own lines: the killed worker's nanny may log a traceback of
# distributed's shutdown, which is Dask's and varies from run to run.
grep -E '^zhijian: ' run.err | cmp -s ref.err - ||
  fail "rejected records on stderr differ: $(cat run.err)"
[ "$(ls out/parts/*.jsonl | wc -l)" = 5 ] || fail "expected 5 partitions: $(ls out/parts)"
grep -qE "^zhijian-dask: scored $calls calls, rejected 4, in 5 partitions, .*; results in out/results.jsonl" run.err ||
  fail "summary: $(tail -1 run.err)"
[ ! -s run.out ] || fail "the runner wrote to stdout: $(head -3 run.out)"
# Every call once (the byte comparison says it; this says it plainly).
dups=$(grep -o '^{"call_id":"[^"]*"' out/results.jsonl | sort | uniq -d | head -3)
[ -z "$dups" ] || fail "calls written twice: $dups"

# 2. Two runners at once into the same directory (the second with
#    --no-merge), no temporary files left.
#    Partitions of 300 KB: part.jsonl has 700,000 blank lines between two
#    runs of calls, so some ranges hold no record at all (which must not
#    count as an empty input) and a bad record after them is on line
#    700,201; blank.jsonl (two ranges) is an empty input, reported once.
mkdir in2
{ head -n 200 in/big.jsonl; head -c 700000 /dev/zero | tr '\0' '\n'
  printf '{"call_id":"LATE","turns":{}}\n'; sed -n 201,300p in/big.jsonl; } > in2/part.jsonl
head -c 400000 /dev/zero | tr '\0' '\n' > in2/blank.jsonl
"$zhijian" score --no-db --format jsonl in2 > ref2.jsonl 2> ref2.err
timeout 120 "$py" "$runner" --zhijian "$zhijian" --workers 1 --partition-size 300K -o out2 in2 \
  > /dev/null 2> a.err &
a=$!
timeout 120 "$py" "$runner" --zhijian "$zhijian" --workers 1 --partition-size 300K -o out2 in2 \
  --no-merge > /dev/null 2> b.err
rc_b=$?
wait $a
rc_a=$?
[ $rc_a = 3 ] && [ $rc_b = 3 ] || fail "concurrent runners: exit $rc_a and $rc_b: $(cat a.err b.err)"
cmp -s ref2.jsonl out2/results.jsonl || fail "concurrent runners: output differs from one process"
# The second runner left its partitions unjoined, listed in order.
(cd out2 && cat $(cat parts.txt)) | cmp -s ref2.jsonl - ||
  fail "--no-merge: the files of parts.txt joined differ from one process: $(cat out2/parts.txt)"
cmp -s ref2.err out2/rejected.txt ||
  fail "concurrent runners: rejected records differ: $(diff ref2.err out2/rejected.txt)"
printf '%s\n' "zhijian: in2/blank.jsonl: empty input: no calls" \
  "zhijian: in2/part.jsonl:4: invalid JSON: string or '}' expected near 'not' (column 4)" \
  "zhijian: in2/part.jsonl:700201: 'turns' must be an array" | cmp -s - ref2.err ||
  fail "one process rejected other records than expected: $(cat ref2.err)"
n=$(ls out2/parts | wc -l)
[ "$n" = 12 ] || fail "expected 6 partitions and their 6 records, found $n files: $(ls out2/parts)"
[ -z "$(ls out2 out2/parts | grep '\.tmp\.')" ] || fail "temporary files left: $(ls out2 out2/parts)"

# 3. A UTF-16 file larger than a partition is not split at its newline
#    bytes: it is read whole, and refused as one process refuses it (one
#    message, not a made-up rejection per piece); with --encoding it is
#    scored as one process scores it.
mkdir in4
sed -n 5,304p in/big.jsonl | iconv -f utf-8 -t utf-16 > in4/u16.jsonl
"$zhijian" score --no-db --format jsonl in4 > ref4.jsonl 2> ref4.err
[ $? = 3 ] || fail "one process on UTF-16: $(cat ref4.err)"
[ "$(cat ref4.err)" = "zhijian: in4/u16.jsonl:1: not UTF-8; the bytes look like UTF-16LE (byte-order mark FF FE): pass --encoding utf-16" ] ||
  fail "one process on UTF-16: $(cat ref4.err)"
timeout 120 "$py" "$runner" --zhijian "$zhijian" --workers 2 --partition-size 200K -o out4 in4 \
  > /dev/null 2> u16.err
rc=$?
[ $rc = 3 ] || fail "runner on UTF-16: exit $rc: $(tail -3 u16.err)"
cmp -s ref4.err out4/rejected.txt || fail "runner on UTF-16: $(head -3 out4/rejected.txt)"
cmp -s ref4.jsonl out4/results.jsonl || fail "runner on UTF-16: results differ"
"$zhijian" score --no-db --format jsonl --encoding utf-16 in4 > ref5.jsonl 2> ref5.err ||
  fail "one process, --encoding utf-16: $(cat ref5.err)"
timeout 120 "$py" "$runner" --zhijian "$zhijian" --workers 2 --partition-size 200K \
  --encoding utf-16 -o out5 in4 > /dev/null 2> u16e.err || fail "runner, --encoding utf-16: $(tail -3 u16e.err)"
cmp -s ref5.jsonl out5/results.jsonl || fail "runner, --encoding utf-16: results differ"
[ "$(wc -l < out5/results.jsonl)" = 300 ] || fail "runner, --encoding utf-16: $(wc -l < out5/results.jsonl) results"

# 4. Usage and cluster errors are exit 2, with nothing joined.
"$py" "$runner" --zhijian "$zhijian" -o out3 - < /dev/null > /dev/null 2>&1
[ $? = 2 ] || fail "standard input should be a usage error"
timeout 60 "$py" "$runner" --zhijian "$zhijian" --scheduler tcp://127.0.0.1:9 --connect-timeout 2 -o out3 in \
  > /dev/null 2> sched.err
rc=$?
[ $rc = 2 ] || fail "unreachable scheduler: exit $rc, expected 2: $(cat sched.err)"
[ ! -e out3/results.jsonl ] || fail "results joined although the cluster was unreachable"
echo "ok: $calls calls on 2 workers byte-identical to one process, 4 rejected records at their file lines, a killed worker and two concurrent runners leave each call once"
