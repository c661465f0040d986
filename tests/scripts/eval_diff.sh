#!/usr/bin/env bash
# tools/eval_diff.py on two real `zhijian eval --format json` reports of the
# same five labelled calls, before and after a rule change (data/eval_diff:
# after.yaml adds a rule that finds a missed label, one that takes a label
# under its own id, one that raises a false alarm, and disables one that
# loses a label): the text and JSON comparisons are compared exactly with
# expected.txt and expected.json; --check exits 1 for the lost label and the
# added false alarm and 0 for a change that costs nothing; reports of other
# labels or a file that is no eval report are errors (exit 2) that print no
# comparison. Needs python3 (SKIP without it).
set -u
bin=$1 src=$2
data=$src/tests/scripts/data/eval_diff
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 0; }
tool=$src/tools/eval_diff.py
export XDG_CACHE_HOME=$tmp/cache
cd "$data" || fail "no $data"

"$bin" eval --format json --rules base.yaml --labels labels.jsonl calls.jsonl > "$tmp/before.json" 2> /dev/null \
  || fail "eval before exited $?"
"$bin" eval --format json --rules after.yaml --labels labels.jsonl calls.jsonl > "$tmp/after.json" 2> /dev/null \
  || fail "eval after exited $?"
cd "$tmp" || fail "no $tmp"

python3 "$tool" before.json after.json > out.txt || fail "text comparison exited $?"
diff -u "$data/expected.txt" out.txt || fail "text comparison differs from expected.txt"
python3 "$tool" --format json before.json after.json > out.json || fail "json comparison exited $?"
diff -u "$data/expected.json" out.json || fail "json comparison differs from expected.json"

python3 "$tool" --check before.json after.json > /dev/null
rc=$?
[ $rc -eq 1 ] || fail "--check with a label lost and a false alarm added: exit $rc, not 1"
python3 "$tool" --check before.json before.json > same.txt
rc=$?
[ $rc -eq 0 ] || fail "--check on no change: exit $rc"
grep -qx "labels lost (label's rule): 0" same.txt || fail "no change: $(cat same.txt)"
grep -qx "rules changed: 0" same.txt || fail "no change: rules changed"

# Other labels: the comparison would mean nothing.
head -4 "$data/labels.jsonl" > four.jsonl
printf '{"call_id":"E5","forbidden":[]}\n' >> four.jsonl
"$bin" eval --format json --rules "$data/base.yaml" --labels four.jsonl "$data/calls.jsonl" > other.json 2> /dev/null
python3 "$tool" before.json other.json > bad.out 2> bad.err
rc=$?
[ $rc -eq 2 ] || fail "reports of other labels: exit $rc"
grep -q "^eval_diff: the reports are of different labels (4 and 3)" bad.err || fail "error: $(cat bad.err)"
[ -s bad.out ] && fail "a comparison was printed despite the error"

printf '{"calls": 5}\n' > notreport.json
python3 "$tool" before.json notreport.json > bad.out 2> bad.err
rc=$?
[ $rc -eq 2 ] || fail "not a report: exit $rc"
grep -q "^eval_diff: notreport.json: not a \`zhijian eval --format json\` report (no forbidden, verdict, fatal, rules, disagreements)" bad.err \
  || fail "error: $(cat bad.err)"
printf '{"calls": 5,\n' > broken.json
python3 "$tool" broken.json after.json > /dev/null 2> bad.err
[ $? -eq 2 ] || fail "broken JSON: not exit 2"
grep -q "^eval_diff: broken.json:2: not JSON" bad.err || fail "error: $(cat bad.err)"
echo "eval_diff: ok"
