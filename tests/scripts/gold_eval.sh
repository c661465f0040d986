#!/usr/bin/env bash
# The bundled standard measured on the gold set (corpus/gold/): the figures
# `zhijian eval` gives for the development parts and the held-out part in
# every variant, exact, against tests/scripts/data/golden/gold-eval.txt — the
# figures rules/README.md and README.md publish. A change of rules, matching
# or labels that moves them fails here until the golden file (and the tables
# that cite it) are updated: rerun with ZJ_UPDATE_GOLDEN=1 and review the diff.
# Without OpenCC the traditional variant is not compared (its text is not
# converted, so its figures differ by design).
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
golden=$src/tests/scripts/data/golden/gold-eval.txt
gold=$src/corpus/gold
for set in dev heldout; do
  dir=$gold
  [ "$set" = heldout ] && dir=$gold/heldout
  for v in original traditional unpunctuated spaced homophone filler; do
    [ -f "$dir/labels/$v.jsonl" ] || fail "missing $dir/labels/$v.jsonl"
    "$zhijian" eval --labels "$dir/labels/$v.jsonl" "$dir/calls/$v.jsonl" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    [ $rc = 0 ] || fail "eval $set $v: exit $rc: $(head -3 "$tmp/err")"
    sed -n '2,5p' "$tmp/out" | sed "s/^/$set $v: /" >> "$tmp/eval.txt"
  done
done
if [ "${ZJ_UPDATE_GOLDEN:-}" = 1 ]; then
  cp "$tmp/eval.txt" "$golden"
fi
filter() { if [ "${ZJ_TEST_HAVE_OPENCC:-0}" = 1 ]; then cat "$1"; else grep -v '^[a-z]* traditional: ' "$1"; fi; }
[ -f "$golden" ] || fail "no golden file $golden"
diff <(filter "$golden") <(filter "$tmp/eval.txt") > "$tmp/diff" ||
  fail "the gold set's figures moved (update with ZJ_UPDATE_GOLDEN=1, and the tables in rules/README.md and README.md): $(head -20 "$tmp/diff")"
echo "gold set figures as published: $(wc -l < "$tmp/eval.txt") lines"
