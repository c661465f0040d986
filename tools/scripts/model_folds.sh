# Sourced by model_cv.sh and model_learning_curve.sh: a scratch copy of a
# rule set, where a model trained on some of the development parts replaces
# the rule set's own, and the clauses to train it on.
#
#   model_folds_setup ZHIJIAN RULES GOLD TMP
#
# writes TMP/rules/rules.yaml with TMP/rules/models/forbidden.zjm, the
# development clauses of each training variant as TMP/<variant>.tsv (listed
# in model_train_files), the rule set's examples as TMP/examples.tsv, and sets
# model_parts to the development parts in gold-set order (A B … AH).
model_train_variants="original unpunctuated homophone filler"
model_folds_setup() {
  local zhijian=$1 rules=$2 gold=$3 tmp=$4 v
  mkdir -p "$tmp/rules/models"
  cp "$rules" "$tmp/rules/rules.yaml"
  cp "$(dirname "$rules")/models/forbidden.zjm" "$tmp/rules/models/forbidden.zjm"
  model_train_files=()
  for v in $model_train_variants; do
    "$zhijian" eval --rules "$tmp/rules/rules.yaml" --labels "$gold/labels/$v.jsonl" --clauses "$tmp/$v.tsv" \
      "$gold/calls/$v.jsonl" > /dev/null
    model_train_files+=("$tmp/$v.tsv")
  done
  "$zhijian" rules test --clauses "$tmp/examples.tsv" "$tmp/rules/rules.yaml" > /dev/null
  model_parts=$(python3 -c '
import json,re,sys
seen=[]
for l in open(sys.argv[1]):
    p=re.match(r"G-([A-Z]+)[0-9]", json.loads(l)["call_id"]).group(1)
    if p not in seen: seen.append(p)
print(" ".join(seen))' "$gold/calls/original.jsonl")
}
