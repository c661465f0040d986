# Sourced by model_cv.sh, model_learning_curve.sh and train_bundled_model.sh,
# with their arguments
# ([ZHIJIAN] [RULES], defaulting to build/zhijian and the bundled standard)
# and with `src` set to the source tree: a scratch copy of the rule set, where
# a model trained on some of the development parts replaces the rule set's
# own, and the clauses to train it on. It sets zhijian, rules, gold and tmp
# (removed on exit) and writes TMP/rules/rules.yaml with
# TMP/rules/models/forbidden.zjm (and fatal.zjm), the development clauses of each training
# variant as TMP/<variant>.tsv (listed in model_train_files) and the rule
# set's examples as TMP/examples.tsv; model_parts is the development parts in
# gold-set order (A B … BG).
zhijian=${1:-$src/build/zhijian}
rules=${2:-$src/rules/property-service.yaml}
gold=$src/corpus/gold
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/rules/models"
cp "$rules" "$tmp/rules/rules.yaml"
cp "$(dirname "$rules")/models/forbidden.zjm" "$tmp/rules/models/forbidden.zjm"
# The forbidden model (models/forbidden.zjm, rule taboo.inferred) weighs a
# positive clause half a negative one: on five folds of the development parts
# that found more at the same precision than train_model.py's default of 3
# (rules/README.md, "Clause models").
forbidden_model_args=(--pos-weight 0.5)
# The fatal model (models/fatal.zjm beside RULES, when there is one; rule
# taboo.inferred-fatal) is trained on the clauses of the 一票否决 rules'
# labels (`fatal: true`, as `zhijian rules list --fatal` names them), and its
# own examples, against every other clause.
fatal_model_args=()
fatal_ids=$("$zhijian" rules list --fatal "$rules" | tail -n +2 | cut -f1)
for fatal_id in $fatal_ids; do
  fatal_model_args+=(--positive "$fatal_id")
done
fatal_model=
if [ -f "$(dirname "$rules")/models/fatal.zjm" ]; then
  fatal_model=1
  if [ ${#fatal_model_args[@]} = 0 ]; then
    echo "model_folds.sh: $(dirname "$rules")/models/fatal.zjm is there but no rule is fatal" >&2
    exit 1
  fi
  cp "$(dirname "$rules")/models/fatal.zjm" "$tmp/rules/models/fatal.zjm"
fi
model_train_files=()
for model_variant in original unpunctuated homophone filler; do
  "$zhijian" eval --rules "$tmp/rules/rules.yaml" --labels "$gold/labels/$model_variant.jsonl" \
    --clauses "$tmp/$model_variant.tsv" "$gold/calls/$model_variant.jsonl" > /dev/null
  model_train_files+=("$tmp/$model_variant.tsv")
done
# Exit 1 is failing examples (their clauses are written all the same: the
# model is retrained before the examples can pass); anything else is an error.
examples_status=0
"$zhijian" rules test --clauses "$tmp/examples.tsv" "$tmp/rules/rules.yaml" > "$tmp/examples.out" ||
  examples_status=$?
if [ "$examples_status" = 1 ]; then
  echo "note: some examples of $rules fail (zhijian rules test); their clauses are trained on" >&2
elif [ "$examples_status" != 0 ]; then
  cat "$tmp/examples.out" >&2
  echo "model_folds.sh: zhijian rules test exited $examples_status" >&2
  exit 1
fi
model_parts=$(python3 -c '
import json,re,sys
seen=[]
for l in open(sys.argv[1]):
    p=re.match(r"G-([A-Z]+)[0-9]", json.loads(l)["call_id"]).group(1)
    if p not in seen: seen.append(p)
print(" ".join(seen))' "$gold/calls/original.jsonl")
