#!/usr/bin/env bash
# The store touches only zhijian stores, and reads read-only ones:
#  - `score --db` on an unrelated SQLite file exits 2 and leaves it as it
#    was (it added ten tables and switched it to WAL); readers refuse it too;
#  - a new store carries PRAGMA application_id 0x7A4A4442; a store written
#    before the id existed is still used, and marked by the next writer;
#  - a store in a read-only directory, or a read-only file, is read by
#    show / scorecard / report (they failed: "attempt to write a readonly
#    database"); with results still in its -wal it is refused with a reason.
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
calls=$src/corpus/calls

sqlite3 "$tmp/other.db" "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('王芳');"
before=$(md5sum < "$tmp/other.db")
"$zhijian" score --db "$tmp/other.db" "$calls" > /dev/null 2> "$tmp/err"
rc=$?
[ $rc = 2 ] || fail "score on a foreign database: exit $rc, expected 2"
grep -qxF "zhijian: $tmp/other.db: not a zhijian database (it holds 1 other schema objects); refusing to touch it: pass --db with a new file" "$tmp/err" ||
  fail "message: $(cat "$tmp/err")"
[ "$(md5sum < "$tmp/other.db")" = "$before" ] || fail "the foreign database was changed"
[ "$(sqlite3 "$tmp/other.db" "PRAGMA journal_mode")" = delete ] || fail "the foreign database was switched to WAL"
"$zhijian" scorecard --db "$tmp/other.db" > /dev/null 2> "$tmp/err"
[ $? = 2 ] && grep -q "not a zhijian database" "$tmp/err" || fail "scorecard on a foreign database: $(cat "$tmp/err")"
sqlite3 "$tmp/app.db" "PRAGMA application_id = 1234; CREATE TABLE t (x);"
"$zhijian" score --db "$tmp/app.db" "$calls" > /dev/null 2> "$tmp/err"
[ $? = 2 ] && grep -q "not a zhijian database (application_id 0x000004d2)" "$tmp/err" ||
  fail "another application's database: $(cat "$tmp/err")"

db=$tmp/z.db
"$zhijian" score --db "$db" "$calls" > /dev/null 2>&1 || fail "score"
[ "$(sqlite3 "$db" "PRAGMA application_id")" = 2051687490 ] || fail "application_id not set on create"
sqlite3 "$db" "PRAGMA application_id = 0"   # as written before the id existed
"$zhijian" show --db "$db" PS-017 > /dev/null 2>&1 || fail "a reader refused a store without the id"
"$zhijian" score --db "$db" "$calls" > /dev/null 2>&1 || fail "a writer refused a store without the id"
[ "$(sqlite3 "$db" "PRAGMA application_id")" = 2051687490 ] || fail "the writer did not mark the store"

# Read-only: as an unprivileged user when running as root (root ignores modes).
as_user=()
if [ "$(id -u)" = 0 ]; then
  command -v setpriv > /dev/null || { echo "skip read-only part: root without setpriv"; echo "ok: foreign databases refused"; exit 0; }
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
"$zhijian" show --db "$db" PS-017 > "$tmp/show.want" || fail "show"
"$zhijian" scorecard --db "$db" > "$tmp/card.want" || fail "scorecard"
chmod 755 "$tmp"
mkdir "$tmp/ro" && cp "$db" "$tmp/ro/z.db" && chmod 444 "$tmp/ro/z.db" && chmod 555 "$tmp/ro"
"${as_user[@]}" "$zhijian" show --db "$tmp/ro/z.db" PS-017 > "$tmp/show.got" 2> "$tmp/err" ||
  fail "show on a read-only store: $(cat "$tmp/err")"
cmp -s "$tmp/show.want" "$tmp/show.got" || fail "show on a read-only store differs"
"${as_user[@]}" "$zhijian" scorecard --db "$tmp/ro/z.db" > "$tmp/card.got" 2> "$tmp/err" ||
  fail "scorecard on a read-only store: $(cat "$tmp/err")"
cmp -s "$tmp/card.want" "$tmp/card.got" || fail "scorecard on a read-only store differs"
"${as_user[@]}" "$zhijian" report --db "$tmp/ro/z.db" > /dev/null 2> "$tmp/err" ||
  fail "report on a read-only store: $(cat "$tmp/err")"
[ -e "$tmp/ro/z.db-shm" ] && fail "a reader created files in a read-only directory"
# A writable directory but a read-only file (and no write access to it).
mkdir "$tmp/rof" && cp "$db" "$tmp/rof/z.db" && chmod 444 "$tmp/rof/z.db" && chmod 755 "$tmp/rof"
"${as_user[@]}" "$zhijian" show --db "$tmp/rof/z.db" PS-017 > "$tmp/show.got" 2> "$tmp/err" ||
  fail "show on a read-only file: $(cat "$tmp/err")"
cmp -s "$tmp/show.want" "$tmp/show.got" || fail "show on a read-only file differs"
# Results still in the write-ahead log cannot be read without the log's index.
mkdir "$tmp/wal" && cp "$db" "$tmp/wal/z.db"
sqlite3 "$tmp/wal/z.db" ".dbconfig no_ckpt_on_close on" "UPDATE calls SET score = score + 1 WHERE call_id = 'PS-017';" > /dev/null
[ -s "$tmp/wal/z.db-wal" ] || fail "could not leave a -wal file behind"
rm -f "$tmp/wal/z.db-shm"; chmod 555 "$tmp/wal"
"${as_user[@]}" "$zhijian" show --db "$tmp/wal/z.db" PS-017 > /dev/null 2> "$tmp/err"
rc=$?
[ $rc = 2 ] || fail "a read-only store with a pending -wal: exit $rc, expected 2"
grep -q "it is read-only and its write-ahead log (-wal) holds results not yet merged" "$tmp/err" ||
  fail "pending -wal message: $(cat "$tmp/err")"
echo "ok: foreign databases refused untouched; application_id; read-only stores read"
