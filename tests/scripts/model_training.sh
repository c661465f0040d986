#!/usr/bin/env bash
# The training loop of a model rule, end to end on a few labelled calls:
# `zhijian eval --clauses` writes the agent clauses as the rule sees them with
# their labels (compared exactly with clauses.tsv: normalized text, code-point
# spans, the label's rule, "quoted" for a labelled quotation), then
# tools/train_model.py fits a model that zhijian loads and that finds the
# labelled clauses and none of the others (the quoted one as quoted, no
# points); `zhijian rules test --clauses` writes the examples' clauses,
# compared exactly with examples_clauses.tsv, and train_model.py --examples
# trains on them; a bad clause line is an error naming its file and line.
# Needs python3 (SKIP without it).
set -u
zhijian=$1 src=$2
data=$src/tests/scripts/data/model
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 0; }
cp "$data/rules.yaml" "$data/calls.jsonl" "$data/labels.jsonl" "$tmp/"
printf 'zhijian-model 1\nbias -9\n' > "$tmp/trained.zjm" # finds nothing yet

"$zhijian" eval --rules "$tmp/rules.yaml" --labels "$tmp/labels.jsonl" --clauses "$tmp/clauses.tsv" \
  "$tmp/calls.jsonl" > "$tmp/eval.txt" || fail "eval --clauses exited $?"
diff -u "$data/clauses.tsv" "$tmp/clauses.tsv" || fail "clauses differ from clauses.tsv"

python3 "$src/tools/train_model.py" --epochs 30 --out "$tmp/trained.zjm" "$tmp/clauses.tsv" \
  > "$tmp/train.out" || fail "train_model.py exited $?"
grep -q "^$tmp/trained.zjm: [0-9]* n-grams$" "$tmp/train.out" || fail "train output: $(cat "$tmp/train.out")"
head -4 "$tmp/trained.zjm" | grep -qx "zhijian-model 1" || fail "no model header"
"$zhijian" score --no-db --format jsonl --rules "$tmp/rules.yaml" "$tmp/calls.jsonl" > "$tmp/scored.jsonl"
[ $? -le 1 ] || fail "score exited badly"
python3 - "$tmp/scored.jsonl" <<'PY' || fail "the trained model's findings"
import json, sys
got = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    got[d["call_id"]] = [(f["turn"], f["span"], f["text"], f["points"], f.get("quoted", False))
                         for f in d["findings"] if f["outcome"] == "hit"]
want = {
    "T-A1": [(2, [0, 6], "这不归我们管", -10, False), (2, [7, 14], "你自己找人修吧", -10, False)],
    "T-A2": [],
    "T-B1": [(2, [0, 6], "这不归我们管", -10, False), (2, [8, 20], "你自己找人修吧”是他说的", 0, True)],
    "T-B2": [],
}
if got != want:
    print("got", got)
    sys.exit(1)
PY

python3 "$src/tools/train_model.py" --cv --group '^T-([A-Z])' "$tmp/clauses.tsv" > "$tmp/cv.out" ||
  fail "--cv exited $?"
grep -q "^leave-one-group-out over 2 groups, 9 clauses, 3 positive$" "$tmp/cv.out" ||
  fail "cv header: $(head -1 "$tmp/cv.out")"
[ "$(grep -c '^threshold 0\.[0-9]*: precision ' "$tmp/cv.out")" = 9 ] || fail "cv lines: $(cat "$tmp/cv.out")"

# The rule authors' examples as training clauses: a forbidden rule's match
# example labelled where its own hit lies inside a clause ("?" elsewhere, and
# where the hit spans two clauses), any other clause "-"
# unless a rule of words finds something in it, a model rule's example only
# when it is one clause, customer rules and whole-call examples left out.
cp "$data/examples.yaml" "$data/examples.zjm" "$tmp/"
"$zhijian" rules test --clauses "$tmp/examples.tsv" "$tmp/examples.yaml" > "$tmp/test.out" ||
  fail "rules test --clauses exited $?"
diff -u "$data/examples_clauses.tsv" "$tmp/examples.tsv" || fail "example clauses differ"
grep -qx "10 passed, 0 failed" "$tmp/test.out" || fail "rules test output: $(cat "$tmp/test.out")"
# Trained on (twice here), written in the model's header, never scored by --cv.
python3 "$src/tools/train_model.py" --epochs 30 --examples "$tmp/examples.tsv" --example-copies 2 \
  --out "$tmp/with_examples.zjm" --cv --group '^T-([A-Z])' "$tmp/clauses.tsv" > "$tmp/cv2.out" ||
  fail "training with examples exited $?"
grep -q "^leave-one-group-out over 2 groups, 9 clauses, 3 positive$" "$tmp/cv2.out" ||
  fail "cv header with examples: $(head -1 "$tmp/cv2.out")"
grep -qx "# 7 clauses of examples (3 positive, 2 copies) from examples.tsv" "$tmp/with_examples.zjm" ||
  fail "model header: $(head -5 "$tmp/with_examples.zjm")"
# Nothing is written when the rule set does not load.
"$zhijian" rules test --clauses "$tmp/none.tsv" "$tmp/examples.yaml" "$tmp/missing.yaml" > /dev/null 2>&1
[ $? = 2 ] || fail "rules test --clauses with a missing rule set: not exit 2"
[ ! -e "$tmp/none.tsv" ] || fail "clauses written although a rule set did not load"

printf 'T-A1\t2\t0\t6\ttaboo.shirk\n' > "$tmp/bad.tsv"
python3 "$src/tools/train_model.py" --out "$tmp/x.zjm" "$tmp/bad.tsv" 2> "$tmp/err" && fail "bad line accepted"
grep -q "bad.tsv:1: expected 6 tab-separated fields, got 5" "$tmp/err" || fail "bad line message: $(cat "$tmp/err")"
[ ! -e "$tmp/x.zjm" ] || fail "a model written from bad input"
# A call id or a label's rule with a tab or newline (valid JSON) stays one
# field: written \t and \n, as on a terminal.
printf '%s\n' '{"call_id":"T\tX\nY","turns":[{"speaker":"agent","text":"这不归我们管"}]}' > "$tmp/tab.jsonl"
printf '%s\n' '{"call_id":"T\tX\nY","forbidden":[{"turn":0,"span":[0,6],"quote":"这不归我们管","rule":"a\tb"}],"quoted":[]}' > "$tmp/tab.labels.jsonl"
"$zhijian" eval --rules "$tmp/rules.yaml" --labels "$tmp/tab.labels.jsonl" --clauses "$tmp/tab.tsv" \
  "$tmp/tab.jsonl" > /dev/null || fail "eval --clauses of a tabbed id exited $?"
[ "$(cat "$tmp/tab.tsv")" = "$(printf 'T\\tX\\nY\t0\t0\t6\ta\\tb\t这不归我们管')" ] ||
  fail "tabbed id's clause line: $(cat -A "$tmp/tab.tsv")"
# The trainer's n-grams are the ones the engine can weigh: a literal ^ or $
# at a clause's edge is not the edge (engine/model.c reads ^ first and $
# last in a model file as the edges). No n-gram holds a Latin letter: English
# words and links in a clause get no weight.
python3 - "$src/tools" <<'PY' || fail "n-grams of literal ^ and $, and of Latin letters"
import sys
sys.path.insert(0, sys.argv[1])
from train_model import ngrams, context_grams
assert ngrams("好$") == ["^", "好", "$", "^好", "$$", "好$$"], ngrams("好$")
assert ngrams("^说") == ["^", "说", "$", "^^", "说$", "^^说"], ngrams("^说")
assert ngrams("ok好") == ["^", "好", "$", "好$"], ngrams("ok好")
assert context_grams("看email", "好的") == ["next\t好的"], context_grams("看email", "好的")
PY
# --context: the neighbours' bigrams are weighed too, and the engine's
# probability of every clause (rules explain) is the trainer's, to the
# printed three decimals: the two read a clause's neighbours alike.
python3 "$src/tools/train_model.py" --context --epochs 30 --out "$tmp/trained.zjm" "$tmp/clauses.tsv" \
  > /dev/null || fail "train_model.py --context exited $?"
grep -qx "# context: the bigrams of the clauses before and after" "$tmp/trained.zjm" ||
  fail "no context line in the model's header"
grep -qP '^-?[0-9.]+\tprev\t\^$' "$tmp/trained.zjm" || fail "no 'prev ^' weight"
grep -qP '^-?[0-9.]+\tnext\t..$' "$tmp/trained.zjm" || fail "no 'next' bigram weight"
python3 - "$src/tools" "$zhijian" "$tmp" <<'PY' || fail "engine and trainer differ on a context model"
import json, math, re, subprocess, sys
sys.path.insert(0, sys.argv[1])
from train_model import features
zhijian, tmp = sys.argv[2], sys.argv[3]
weights, bias = {}, None
for line in open(f"{tmp}/trained.zjm", encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith(("#", "zhijian-model")):
        continue
    if line.startswith("bias "):
        bias = float(line[5:])
        continue
    w, g = line.split("\t", 1)
    weights[g] = float(w)
compared = 0
for call in map(json.loads, open(f"{tmp}/calls.jsonl", encoding="utf-8")):
    for turn in call["turns"]:
        if turn["speaker"] != "agent":
            continue
        out = subprocess.run([zhijian, "rules", "explain", "--rules", f"{tmp}/rules.yaml",
                              "x.inferred", turn["text"]], capture_output=True, text=True,
                             check=True).stdout
        clauses = re.findall(r"^  \[\d+, \d+\) (\S+)  p=([0-9.]+)", out, re.M)
        for i, (text, p) in enumerate(clauses):
            prev = clauses[i - 1][0] if i else None
            nxt = clauses[i + 1][0] if i + 1 < len(clauses) else None
            z = bias + sum(weights.get(g, 0.0) for g in features(("", text, 0, prev, nxt), True))
            if abs(1 / (1 + math.exp(-z)) - float(p)) > 0.0006:
                sys.exit(f"{text}: engine p={p}, trainer {1 / (1 + math.exp(-z)):.4f}")
            compared += 1
if compared < 8:
    sys.exit(f"only {compared} clauses compared")
PY
echo "model training: clauses, training, scoring and cross-validation as expected"
