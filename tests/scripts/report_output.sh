#!/usr/bin/env bash
# `-o FILE` of the reports never turns a special file into a plain one:
#  -o -                 standard output (no file named "-")
#  -o FIFO              written into the FIFO; it stays a FIFO
#  -o character device  written in place (a private copy of /dev/null)
#  -o /proc/self/fd/1   written into this process's standard output
#  -o regular file      replaced whole, its mode kept, no temp file left
#  -o symlink           the file it points to is replaced, the link stays
#  -o dangling symlink  refused (exit 2), nothing created
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${reader:-}" ] && kill "$reader" 2>/dev/null' EXIT
fail() { echo "FAIL: $*"; exit 1; }
db=$tmp/z.db
"$zhijian" score --db "$db" "$src/corpus/calls" > /dev/null 2>&1 || fail "score"
"$zhijian" scorecard --db "$db" --format csv > "$tmp/expected" || fail "scorecard to stdout"
[ -s "$tmp/expected" ] || fail "empty scorecard"
mkdir "$tmp/cwd" && cd "$tmp/cwd" || fail "cd"

"$zhijian" scorecard --db "$db" --format csv -o - > "$tmp/dash" 2> "$tmp/err" || fail "-o -: $(cat "$tmp/err")"
cmp -s "$tmp/expected" "$tmp/dash" || fail "-o - did not write standard output"
[ -e "$tmp/cwd/-" ] && fail "-o - created a file named '-'"

mkfifo "$tmp/fifo"
cat "$tmp/fifo" > "$tmp/from-fifo" & reader=$!
timeout 20 "$zhijian" scorecard --db "$db" --format csv -o "$tmp/fifo" 2> "$tmp/err" ||
  fail "-o FIFO: $(cat "$tmp/err")"
[ -p "$tmp/fifo" ] || fail "-o FIFO replaced the FIFO by a plain file"
wait "$reader"; reader=
cmp -s "$tmp/expected" "$tmp/from-fifo" || fail "-o FIFO: the reader did not get the scorecard"

if mknod "$tmp/null" c 1 3 2> /dev/null; then
  "$zhijian" scorecard --db "$db" --format csv -o "$tmp/null" 2> "$tmp/err" || fail "-o device: $(cat "$tmp/err")"
  [ -c "$tmp/null" ] || fail "-o device replaced the device node by a plain file"
else
  echo "note: mknod not permitted here; the device case is not checked"
fi

"$zhijian" scorecard --db "$db" --format csv -o /proc/self/fd/1 2> "$tmp/err" | cat > "$tmp/proc" ||
  fail "-o /proc/self/fd/1"
cmp -s "$tmp/expected" "$tmp/proc" || fail "-o /proc/self/fd/1 did not reach standard output: $(cat "$tmp/err")"

echo old > "$tmp/out.csv" && chmod 640 "$tmp/out.csv"
"$zhijian" scorecard --db "$db" --format csv -o "$tmp/out.csv" 2> "$tmp/err" || fail "-o regular file"
cmp -s "$tmp/expected" "$tmp/out.csv" || fail "-o regular file: wrong content"
[ "$(stat -c %a "$tmp/out.csv")" = 640 ] || fail "-o regular file: mode $(stat -c %a "$tmp/out.csv"), expected 640"
[ "$(ls -A "$tmp" | grep -c '^\.out\.csv\.')" = 0 ] || fail "a temp file was left behind"

mkdir "$tmp/real" && echo old > "$tmp/real/target.csv" && ln -s "$tmp/real/target.csv" "$tmp/link.csv"
"$zhijian" scorecard --db "$db" --format csv -o "$tmp/link.csv" 2> "$tmp/err" || fail "-o symlink"
[ -L "$tmp/link.csv" ] || fail "-o symlink replaced the link by a plain file"
cmp -s "$tmp/expected" "$tmp/real/target.csv" || fail "-o symlink: the target does not hold the scorecard"

ln -s "$tmp/nowhere/x.csv" "$tmp/dangling.csv"
"$zhijian" scorecard --db "$db" --format csv -o "$tmp/dangling.csv" 2> "$tmp/err"
rc=$?
[ $rc = 2 ] || fail "-o dangling symlink: exit $rc, expected 2"
grep -q "dangling.csv: a symbolic link to a file that does not exist" "$tmp/err" ||
  fail "-o dangling symlink: message $(cat "$tmp/err")"
[ -e "$tmp/nowhere" ] && fail "-o dangling symlink created its target"
echo "ok: -o - is stdout; FIFO, device and /proc/self/fd/1 written in place; files replaced whole"
