#!/usr/bin/env bash
# A matcher cache file is trusted only when it is exactly the database of the
# pattern set being loaded:
#  - the cached database of a 1,000-rule set copied over the cache file of a
#    2-rule set is ignored (one warning naming the file), the 2-rule set is
#    recompiled, its findings are the real ones and the file is replaced;
#  - a symlink planted at the cache file name is not read and not written
#    through (the link is replaced by a real file, its target is untouched);
#  - a symlink planted at any temp name is never followed (temp files get
#    unique O_EXCL names), and the cache directory is created 0700.
set -u
zhijian=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Two rule sets: 1,000 forbidden words, and two.
{
  printf 'ruleset: big\nversion: "1"\nrules:\n'
  for i in $(seq 1000); do
    printf '  - id: r%d\n    kind: forbidden\n    severity: minor\n    points: 1\n    any: [词%d]\n' "$i" "$i"
  done
} > "$tmp/big.yaml"
cat > "$tmp/small.yaml" <<'EOF'
ruleset: small
version: "1"
rules:
  - id: wei
    kind: forbidden
    severity: minor
    points: 1
    any: [喂]
  - id: buzhidao
    kind: forbidden
    severity: minor
    points: 1
    any: [不知道]
EOF
printf '%s\n' '{"call_id":"T1","turns":[{"speaker":"agent","text":"喂，词500词999，这个我不知道。"}]}' \
  > "$tmp/call.jsonl"

run() { # cache-home rules -> stdout of a jsonl run
  XDG_CACHE_HOME=$1 "$zhijian" score --no-db --format jsonl --backend hyperscan \
    --rules "$2" "$tmp/call.jsonl"
}
run "$tmp/nocache-ignored" "$tmp/small.yaml" > "$tmp/expected" 2> "$tmp/err" || fail "small run"
if ! ls "$tmp/nocache-ignored/zhijian/"*.hsdb > /dev/null 2>&1; then
  echo "skip: Hyperscan not built in or not usable here"; exit 0
fi
grep -q '"score":98' "$tmp/expected" || fail "small set should find two hits: $(cat "$tmp/expected")"

# The cache directory is private to the user.
[ "$(stat -c %a "$tmp/nocache-ignored/zhijian")" = 700 ] ||
  fail "cache directory mode $(stat -c %a "$tmp/nocache-ignored/zhijian"), expected 700"

run "$tmp/big" "$tmp/big.yaml" > /dev/null 2>&1 || fail "big run"
run "$tmp/small" "$tmp/small.yaml" > /dev/null 2>&1 || fail "small run (cache)"
bigfile=$(ls "$tmp/big/zhijian/"*.hsdb)
smallfile=$(ls "$tmp/small/zhijian/"*.hsdb)
cp "$bigfile" "$smallfile"
run "$tmp/small" "$tmp/small.yaml" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc = 0 ] || fail "planted cache: exit $rc: $(cat "$tmp/err")"
cmp -s "$tmp/expected" "$tmp/out" || fail "planted cache changed the findings: $(cat "$tmp/out")"
[ "$(grep -c 'ignoring the cached matcher database (compiled from a different pattern set)' "$tmp/err")" = 1 ] ||
  fail "expected one warning about the planted cache file, got: $(cat "$tmp/err")"
grep -qF "$smallfile" "$tmp/err" || fail "the warning does not name the cache file: $(cat "$tmp/err")"
cmp -s "$bigfile" "$smallfile" && fail "the planted cache file was not replaced"
run "$tmp/small" "$tmp/small.yaml" > "$tmp/out" 2> "$tmp/err" || fail "run after replacement"
cmp -s "$tmp/expected" "$tmp/out" || fail "replaced cache changed the findings"
[ -s "$tmp/err" ] && fail "the replaced cache file is still warned about: $(cat "$tmp/err")"

# A symlink at the cache file's name is neither read nor written through.
echo "precious" > "$tmp/victim"
cp "$bigfile" "$tmp/bigcopy"
rm "$smallfile" && ln -s "$tmp/bigcopy" "$smallfile"
run "$tmp/small" "$tmp/small.yaml" > "$tmp/out" 2> "$tmp/err" || fail "run with a symlinked cache file"
cmp -s "$tmp/expected" "$tmp/out" || fail "a symlinked cache file was used"
grep -q 'symbolic link' "$tmp/err" || fail "no warning about the symlinked cache file: $(cat "$tmp/err")"
[ -L "$smallfile" ] && fail "the symlink was left in place"
cmp -s "$bigfile" "$tmp/bigcopy" || fail "the symlink's target was written to"

# Symlinks planted at every temp name the old scheme (FILE.PID.tmp) could
# use, and at a few fixed ones: none of them is followed.
rm -f "$smallfile"
for pid in $(seq $(($$ + 1)) $(($$ + 400))); do ln -s "$tmp/victim" "$smallfile.$pid.tmp"; done
run "$tmp/small" "$tmp/small.yaml" > "$tmp/out" 2> "$tmp/err" || fail "run with planted temp links"
cmp -s "$tmp/expected" "$tmp/out" || fail "planted temp links changed the findings"
[ "$(cat "$tmp/victim")" = precious ] || fail "a planted temp-file symlink was followed"
[ -f "$smallfile" ] && [ ! -L "$smallfile" ] || fail "the cache file was not written"

# A cache file another user could write is not trusted.
chmod 666 "$smallfile"
run "$tmp/small" "$tmp/small.yaml" > "$tmp/out" 2> "$tmp/err" || fail "run with a world-writable cache"
grep -q 'writable by others' "$tmp/err" || fail "no warning about a world-writable cache file"
[ "$(stat -c %a "$smallfile")" = 600 ] || fail "the world-writable cache file was not replaced"
echo "ok: planted, symlinked and world-writable cache files ignored and replaced; temp links not followed"
