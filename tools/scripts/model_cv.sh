#!/usr/bin/env bash
# Cross-validated figures of a rule set's `model:` rule on the gold set's
# development parts. The bundled model is trained on every development part,
# so `zhijian eval` on them measures calls it has seen; this script measures
# each part with models trained without it (tools/train_model.py
# --exclude-group), the rules otherwise as they are, and sums the figures of
# all folds per variant: what the models add on calls they have not seen. The
# rule set's examples are trained on in every fold; many were written from
# the development parts' misses, so the figures flatter the model.
#
#   tools/scripts/model_cv.sh [ZHIJIAN] [RULES]
#
# ZHIJIAN defaults to build/zhijian, RULES to rules/property-service.yaml; the
# model rule's file must be models/forbidden.zjm beside RULES. Each fold
# trains both models on four variants (about a minute each on one core), so
# one fold per part is slow: on two cores the 49 development parts take over
# an hour. FOLDS=N deals the parts into N folds instead (part i to fold
# i mod N) — FOLDS=5 takes about five minutes — and the published
# cross-validated figures are five-fold:
#
#   FOLDS=5 tools/scripts/model_cv.sh build/zhijian
#
# JOBS folds are measured side by side (default: one per core).
# TRAIN_ARGS adds options of tools/train_model.py (e.g. "--l2 1e-3") to
# compare settings; EVAL_VARIANTS limits the variants measured.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
eval_variants=${EVAL_VARIANTS:-original traditional unpunctuated spaced homophone filler}
# shellcheck source=tools/scripts/model_folds.sh
. "$src/tools/scripts/model_folds.sh" "$@"
# The folds: each part alone, or with FOLDS=N the parts dealt into N folds
# in gold-set order (part i to fold i mod N); fold_parts[k] lists fold k's.
fold_names=() fold_parts=()
if [ -n "${FOLDS:-}" ]; then
  read -ra all_parts <<< "$model_parts"
  for ((k = 0; k < FOLDS; k++)); do
    members=
    for ((i = k; i < ${#all_parts[@]}; i += FOLDS)); do members+="${all_parts[$i]} "; done
    fold_names+=("f$k") fold_parts+=("$members")
  done
else
  for p in $model_parts; do fold_names+=("$p") fold_parts+=("$p"); done
fi
# One fold: its parts scored by models trained without them, in its own copy
# of the rule set, so JOBS folds (default: one per core) run side by side.
measure_fold() {
  local name=$1 parts=$2 dir=$tmp/fold-$1 v kind p excluded=() alternatives
  for p in $parts; do excluded+=(--exclude-group "$p"); done
  alternatives=$(echo $parts | tr ' ' '|')
  mkdir -p "$dir/rules/models"
  cp "$tmp/rules/rules.yaml" "$dir/rules/rules.yaml"
  python3 "$src/tools/train_model.py" "${forbidden_model_args[@]}" ${TRAIN_ARGS:-} "${excluded[@]}" \
    --out "$dir/rules/models/forbidden.zjm" --examples "$tmp/examples.tsv" "${model_train_files[@]}" > /dev/null
  if [ -n "$fatal_model" ]; then
    python3 "$src/tools/train_model.py" ${TRAIN_ARGS:-} "${fatal_model_args[@]}" "${excluded[@]}" \
      --out "$dir/rules/models/fatal.zjm" --examples "$tmp/examples.tsv" "${model_train_files[@]}" > /dev/null
  fi
  for v in $eval_variants; do
    for kind in calls labels; do
      grep -E "\"call_id\": \"G-($alternatives)[0-9]" "$gold/$kind/$v.jsonl" > "$dir/$v.$kind.jsonl"
    done
    "$zhijian" eval --rules "$dir/rules/rules.yaml" --labels "$dir/$v.labels.jsonl" \
      --format json "$dir/$v.calls.jsonl" > "$tmp/$name.$v.json"
  done
  touch "$dir/done"
  echo "fold $name ($parts) measured" >&2
}
jobs_max=${JOBS:-$(nproc)}
for k in "${!fold_names[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
    wait -n || true # a fold that failed has no done file, checked below
  done
  measure_fold "${fold_names[$k]}" "${fold_parts[$k]}" &
done
wait
for name in "${fold_names[@]}"; do
  [ -e "$tmp/fold-$name/done" ] || { echo "model_cv.sh: fold $name failed" >&2; exit 1; }
done
python3 - "$tmp" "${fold_names[*]}" $eval_variants <<'PY'
import json, sys
tmp, parts, variants = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
print("| variant | precision | recall | verdict |")
print("|---|---:|---:|---:|")
for v in variants:
    t = dict(hits=0, hits_matched=0, labels=0, labels_matched=0, calls=0, calls_agree=0)
    for p in parts:
        d = json.load(open(f"{tmp}/{p}.{v}.json"))
        f, vd = d["forbidden"], d["verdict"]
        for k in ("hits", "hits_matched", "labels", "labels_matched"):
            t[k] += f[k]
        t["calls"] += vd["calls"]
        t["calls_agree"] += vd["agree"]
    print(f"| {v} | {t['hits_matched']/t['hits']:.3f} ({t['hits_matched']}/{t['hits']}) | "
          f"{t['labels_matched']/t['labels']:.3f} ({t['labels_matched']}/{t['labels']}) | "
          f"{t['calls_agree']/t['calls']:.3f} |")
print()
for v in variants:
    f = [json.load(open(f"{tmp}/{p}.{v}.json"))["fatal"] for p in parts]
    print(f"fatal ({v}): {sum(x['failed'] for x in f)} of {sum(x['labelled_calls'] for x in f)} "
          f"calls with a labelled 一票否决 offence failed outright, "
          f"{sum(x['failed_without_label'] for x in f)} without one")
PY
