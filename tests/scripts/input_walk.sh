#!/usr/bin/env bash
# Walking an input directory: symbolic links met in the walk are skipped with
# a warning unless --follow (a link planted in a shared folder reads nothing
# outside it); a link named on the command line is read. With --follow, a
# symlink loop is read once (directories are tracked by device and inode) and
# a dangling *.jsonl symlink is reported and counted as rejected (exit 3). A
# FIFO named *.jsonl is skipped with a warning instead of hanging; a FIFO
# named on the command line is read.
set -u
zhijian=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
call='{"call_id":"W1","turns":[{"speaker":"agent","text":"您好，请讲。"}]}'
mkdir -p "$tmp/in/sub"
printf '%s\n' "$call" > "$tmp/in/sub/a.jsonl"
ln -s .. "$tmp/in/sub/loop"           # in/sub/loop -> in: a cycle
mkfifo "$tmp/in/pipe.jsonl"
ln -s "$tmp/missing.jsonl" "$tmp/in/gone.jsonl"

timeout 20 "$zhijian" score --follow --no-db --format jsonl "$tmp/in" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc = 124 ] && fail "the walk hung (FIFO read or endless loop)"
[ $rc = 3 ] || fail "exit $rc, expected 3 (the dangling link is a rejected input): $(cat "$tmp/err")"
[ "$(grep -c '"call_id":"W1"' "$tmp/out")" = 1 ] ||
  fail "the call was read $(grep -c '"call_id":"W1"' "$tmp/out") times, expected once"
[ "$(wc -l < "$tmp/out")" = 1 ] || fail "expected one result line: $(cat "$tmp/out")"
grep -qxF "zhijian: $tmp/in/gone.jsonl: no such file (a symbolic link to a missing file)" "$tmp/err" ||
  fail "dangling link not reported: $(cat "$tmp/err")"
grep -qxF "zhijian: warning: $tmp/in/pipe.jsonl: not a regular file; skipped" "$tmp/err" ||
  fail "FIFO not reported: $(cat "$tmp/err")"
grep -qxF "zhijian: warning: $tmp/in/sub/loop: directory already read (a symbolic link loop or a second link to it); skipped" "$tmp/err" ||
  fail "loop not reported: $(cat "$tmp/err")"

# --list-inputs names the same files in the same order, with the same
# problems reported, and scores nothing (no database appears).
printf '%s\n' "$call" > "$tmp/in/b.jsonl"
printf '%s\n' "$call" > "$tmp/in/sub/0.json"
: > "$tmp/in/notes.md"
(cd "$tmp" && timeout 20 "$zhijian" score --follow --list-inputs in in/b.jsonl > list 2> list.err)
rc=$?
[ $rc = 3 ] || fail "--list-inputs exit $rc, expected 3 (the dangling link): $(cat "$tmp/list.err")"
printf 'in/b.jsonl\nin/sub/0.json\nin/sub/a.jsonl\nin/b.jsonl\n' | cmp -s - "$tmp/list" ||
  fail "--list-inputs listed: $(cat "$tmp/list")"
grep -qxF "zhijian: in/gone.jsonl: no such file (a symbolic link to a missing file)" "$tmp/list.err" ||
  fail "--list-inputs did not report the dangling link: $(cat "$tmp/list.err")"
[ ! -e "$tmp/zhijian.db" ] || fail "--list-inputs created a database"
(cd "$tmp" && timeout 20 "$zhijian" score --list-inputs --input-format srt in > list 2> list.err) ||
  fail "--list-inputs --input-format srt failed"
[ ! -s "$tmp/list" ] || fail "--input-format srt listed JSON files: $(cat "$tmp/list")"
rm "$tmp/in/b.jsonl" "$tmp/in/sub/0.json" "$tmp/in/notes.md"

# Without the dangling link: warnings only, exit 0.
rm "$tmp/in/gone.jsonl"
timeout 20 "$zhijian" score --follow --no-db --format jsonl "$tmp/in" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc = 0 ] || fail "exit $rc without rejected inputs, expected 0: $(cat "$tmp/err")"

# A FIFO given on the command line is an explicit input: it is read.
printf '%s\n' "$call" > "$tmp/in/pipe.jsonl" &
timeout 20 "$zhijian" score --no-db --format jsonl "$tmp/in/pipe.jsonl" > "$tmp/out" 2> "$tmp/err" ||
  fail "explicit FIFO: $(cat "$tmp/err")"
wait
grep -q '"call_id":"W1"' "$tmp/out" || fail "explicit FIFO not read"
# Without --follow, links planted in the folder are not read: one to a file
# outside it, one to another folder (a second month, scored twice otherwise),
# a dangling one; each is named in a warning. A link named on the command line
# is read.
rm -rf "$tmp/in" && mkdir -p "$tmp/in" "$tmp/outside/month"
printf '%s\n' "$call" > "$tmp/in/a.jsonl"
printf '%s\n' "${call/W1/SECRET}" > "$tmp/outside/secret.jsonl"
printf '%s\n' "${call/W1/OTHER}" > "$tmp/outside/month/b.jsonl"
ln -s "$tmp/outside/secret.jsonl" "$tmp/in/planted.jsonl"
ln -s "$tmp/outside/month" "$tmp/in/month"
ln -s "$tmp/missing.jsonl" "$tmp/in/gone.jsonl"
ln -s "$tmp/outside/secret.jsonl" "$tmp/in/notes.md"   # not an input name: no warning
timeout 20 "$zhijian" score --no-db --format jsonl "$tmp/in" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc = 0 ] || fail "without --follow: exit $rc, expected 0: $(cat "$tmp/err")"
[ "$(grep -o '"call_id":"[A-Z0-9]*"' "$tmp/out")" = '"call_id":"W1"' ] ||
  fail "without --follow a link was read: $(cat "$tmp/out")"
for l in gone.jsonl month planted.jsonl; do
  grep -qxF "zhijian: warning: $tmp/in/$l: a symbolic link; skipped (--follow reads what it points to)" "$tmp/err" ||
    fail "link $l not reported: $(cat "$tmp/err")"
done
[ "$(wc -l < "$tmp/err")" = 3 ] || fail "expected three warnings: $(cat "$tmp/err")"
(cd "$tmp" && timeout 20 "$zhijian" score --list-inputs in in/planted.jsonl > list 2> list.err) ||
  fail "--list-inputs without --follow: $(cat "$tmp/list.err")"
printf 'in/a.jsonl\nin/planted.jsonl\n' | cmp -s - "$tmp/list" ||
  fail "--list-inputs without --follow listed: $(cat "$tmp/list")"
timeout 20 "$zhijian" score --follow --no-db --format jsonl "$tmp/in" > "$tmp/out" 2> "$tmp/err"
[ $? = 3 ] || fail "--follow with a dangling link: expected exit 3: $(cat "$tmp/err")"
[ "$(grep -o '"call_id":"[A-Z0-9]*"' "$tmp/out" | sort | tr '\n' ' ')" = '"call_id":"OTHER" "call_id":"SECRET" "call_id":"W1" ' ] ||
  fail "--follow did not read the links: $(cat "$tmp/out")"

# An input that cannot be opened: --list-inputs reports it and leaves it out
# (exit 3), as score rejects it, instead of listing it with exit 0. Root
# ignores modes, so as an unprivileged user there.
as_user=()
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  chmod 755 "$tmp"
fi
if [ "$(id -u)" != 0 ] || [ ${#as_user[@]} -gt 0 ]; then
  mkdir -p "$tmp/locked" && printf '%s\n' "$call" > "$tmp/locked/a.jsonl" && printf '%s\n' "$call" > "$tmp/locked/b.jsonl"
  chmod 755 "$tmp/locked" && chmod 644 "$tmp/locked/a.jsonl" && chmod 000 "$tmp/locked/b.jsonl"
  (cd "$tmp" && timeout 20 "${as_user[@]}" "$zhijian" score --list-inputs locked > list 2> list.err)
  rc=$?
  [ $rc = 3 ] && printf 'locked/a.jsonl\n' | cmp -s - "$tmp/list" &&
    grep -qxF "zhijian: locked/b.jsonl: Permission denied" "$tmp/list.err" ||
    fail "--list-inputs of an unreadable file: exit $rc: $(cat "$tmp/list" "$tmp/list.err")"
fi

echo "ok: links in a walk skipped without --follow, an explicit link read; with --follow: symlink loop read once, FIFO skipped with a warning, dangling link rejected, explicit FIFO read, --list-inputs in the same order"
