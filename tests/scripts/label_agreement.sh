#!/usr/bin/env bash
# tools/label_agreement.py on two small labellings of the same five calls:
# the text and JSON reports are compared exactly with expected.txt and
# expected.json (agreement by overlapping spans in the same turn, with and
# without equal rule ids, verdicts and kappa, quotations one side labelled as
# the agent's own, every disagreement); a bad line or a call labelled in one
# file only is an error naming the file and line (exit 2).
# Needs python3 (SKIP without it).
set -u
src=$2
data=$src/tests/scripts/data/agreement
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 0; }
tool=$src/tools/label_agreement.py
cd "$data" || fail "no $data"

python3 "$tool" a.jsonl b.jsonl > "$tmp/out.txt" || fail "text report exited $?"
diff -u expected.txt "$tmp/out.txt" || fail "text report differs from expected.txt"
python3 "$tool" --format json a.jsonl b.jsonl > "$tmp/out.json" || fail "json report exited $?"
diff -u expected.json "$tmp/out.json" || fail "json report differs from expected.json"

# A labelling compared with itself agrees fully.
python3 "$tool" a.jsonl a.jsonl > "$tmp/self.txt" || fail "self comparison exited $?"
grep -qx "forbidden, same rule: precision 1.000 (4/4)  recall 1.000 (4/4)  F1 1.000" "$tmp/self.txt" \
  || fail "self comparison: $(sed -n 5p "$tmp/self.txt")"
grep -q "^verdict agreement:    1.000 (5/5;" "$tmp/self.txt" || fail "self verdicts: $(sed -n 6p "$tmp/self.txt")"

head -1 a.jsonl > "$tmp/bad.jsonl"
printf '{"call_id": "T-2", "forbidden": [{"turn": 0}]}\n' >> "$tmp/bad.jsonl"
python3 "$tool" a.jsonl "$tmp/bad.jsonl" > "$tmp/bad.out" 2> "$tmp/bad.err"
rc=$?
[ $rc -eq 2 ] || fail "a label without span: exit $rc"
grep -q "bad.jsonl:2: a forbidden label of T-2 needs a turn and a span" "$tmp/bad.err" || fail "error: $(cat "$tmp/bad.err")"
[ -s "$tmp/bad.out" ] && fail "a report was printed despite the error"

head -2 a.jsonl > "$tmp/short.jsonl"
python3 "$tool" a.jsonl "$tmp/short.jsonl" > /dev/null 2> "$tmp/short.err"
rc=$?
[ $rc -eq 2 ] || fail "calls labelled in one file only: exit $rc"
grep -q "3 call(s) labelled in one file only, first T-3" "$tmp/short.err" || fail "error: $(cat "$tmp/short.err")"

# Control characters in a label file do not reach the terminal raw.
printf '{"call_id": "T-1", "forbidden": [{"turn": 2, "span": [0, 3], "quote": "\\u001b[2J", "rule": "x"}]}\n' > "$tmp/esc.jsonl"
head -1 a.jsonl > "$tmp/one.jsonl"
python3 "$tool" "$tmp/esc.jsonl" "$tmp/one.jsonl" > "$tmp/esc.out" || fail "escape case exited $?"
grep -q $'\x1b' "$tmp/esc.out" && fail "an escape character reached the output"
grep -qF '"\u001b[2J"' "$tmp/esc.out" || fail "escaped quote missing: $(tail -2 "$tmp/esc.out")"
echo ok
