#!/usr/bin/env bash
# Cross-validated figures of a rule set's `model:` rule on the gold set's
# development parts. The bundled model is trained on every development part,
# so `zhijian eval` on them measures calls it has seen; this script measures
# each part with a model trained without it (tools/train_model.py
# --exclude-group), the rules otherwise as they are, and sums the figures of
# all parts per variant: what the model adds on calls it has not seen. The
# rule set's examples are trained on in every fold; many were written from
# the development parts' misses, so the figures flatter the model.
#
#   tools/scripts/model_cv.sh [ZHIJIAN] [RULES]
#
# ZHIJIAN defaults to build/zhijian, RULES to rules/property-service.yaml; the
# model rule's file must be models/forbidden.zjm beside RULES. JOBS parts are
# measured side by side (default: one per core); on two cores the 29
# development parts take about eight minutes (a model per part, trained on
# four variants).
# TRAIN_ARGS adds options of tools/train_model.py (e.g. "--l2 1e-3") to
# compare settings; EVAL_VARIANTS limits the variants measured.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
eval_variants=${EVAL_VARIANTS:-original traditional unpunctuated spaced homophone filler}
# shellcheck source=tools/scripts/model_folds.sh
. "$src/tools/scripts/model_folds.sh" "$@"
# One fold: part $1 scored by a model trained without it, in its own copy of
# the rule set, so JOBS folds (default: one per core) run side by side.
measure_fold() {
  local p=$1 dir=$tmp/fold-$1 v kind
  mkdir -p "$dir/rules/models"
  cp "$tmp/rules/rules.yaml" "$dir/rules/rules.yaml"
  python3 "$src/tools/train_model.py" "${forbidden_model_args[@]}" ${TRAIN_ARGS:-} --exclude-group "$p" --out "$dir/rules/models/forbidden.zjm" \
    --examples "$tmp/examples.tsv" "${model_train_files[@]}" > /dev/null
  if [ -n "$fatal_model" ]; then
    python3 "$src/tools/train_model.py" ${TRAIN_ARGS:-} "${fatal_model_args[@]}" --exclude-group "$p" \
      --out "$dir/rules/models/fatal.zjm" --examples "$tmp/examples.tsv" "${model_train_files[@]}" > /dev/null
  fi
  for v in $eval_variants; do
    for kind in calls labels; do
      grep "\"call_id\": \"G-$p[0-9]" "$gold/$kind/$v.jsonl" > "$dir/$v.$kind.jsonl"
    done
    "$zhijian" eval --rules "$dir/rules/rules.yaml" --labels "$dir/$v.labels.jsonl" \
      --format json "$dir/$v.calls.jsonl" > "$tmp/$p.$v.json"
  done
  touch "$dir/done"
  echo "part $p measured" >&2
}
jobs_max=${JOBS:-$(nproc)}
for p in $model_parts; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
    wait -n || true # a fold that failed has no done file, checked below
  done
  measure_fold "$p" &
done
wait
for p in $model_parts; do
  [ -e "$tmp/fold-$p/done" ] || { echo "model_cv.sh: part $p failed" >&2; exit 1; }
done
python3 - "$tmp" "$model_parts" $eval_variants <<'PY'
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
