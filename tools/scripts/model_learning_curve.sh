#!/usr/bin/env bash
# What more labelled calls buy the clause model: the bundled rules with a
# model trained on a random subset of the development parts (KEEP parts,
# drawn with each seed of SEEDS), measured on the held-out parts (original
# variant). If recall still climbs as parts are added, more labelled parts
# are the way to raise it; if it has flattened, they are not.
#
#   tools/scripts/model_learning_curve.sh [ZHIJIAN] [RULES]
#
# KEEP (default "3 7 14 all") and SEEDS (default "1") choose the subsets;
# EXAMPLES=0 leaves the rule set's own examples out of training (they are in
# every subset otherwise, and many were written from development misses, so
# with them even a small subset has seen wordings of every part). Prints one
# markdown row per model. Each model takes a minute or two on two cores.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/scripts/model_folds.sh
. "$src/tools/scripts/model_folds.sh" "$@"
examples=()
[ "${EXAMPLES:-1}" = 0 ] || examples=(--examples "$tmp/examples.tsv")
echo "| parts trained on | seed | precision | recall | verdict |"
echo "|---:|---:|---:|---:|---:|"
for seed in ${SEEDS:-1}; do
  for keep in ${KEEP:-3 7 14 all}; do
    excluded=$(python3 -c '
import random,sys
parts, seed, keep = sys.argv[1].split(), int(sys.argv[2]), sys.argv[3]
random.Random(seed).shuffle(parts)
n = len(parts) if keep == "all" else int(keep)
print(" ".join("--exclude-group " + p for p in parts[n:]))' "$model_parts" "$seed" "$keep")
    # shellcheck disable=SC2086 # one word per option
    python3 "$src/tools/train_model.py" "${forbidden_model_args[@]}" $excluded "${examples[@]}" --out "$tmp/rules/models/forbidden.zjm" \
      "${model_train_files[@]}" > /dev/null
    "$zhijian" eval --rules "$tmp/rules/rules.yaml" --labels "$gold/heldout/labels/original.jsonl" \
      --format json "$gold/heldout/calls/original.jsonl" > "$tmp/eval.json"
    python3 - "$tmp/eval.json" "$keep" "$seed" "$model_parts" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f, v = d["forbidden"], d["verdict"]
keep = len(sys.argv[4].split()) if sys.argv[2] == "all" else sys.argv[2]
print(f"| {keep} | {sys.argv[3]} | {f['precision']:.3f} ({f['hits_matched']}/{f['hits']}) | "
      f"{f['recall']:.3f} ({f['labels_matched']}/{f['labels']}) | {v['agreement']:.3f} |")
PY
  done
done
