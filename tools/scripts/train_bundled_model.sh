#!/usr/bin/env bash
# Retrains the bundled standard's clause models (rules/models/forbidden.zjm,
# rule taboo.inferred, and rules/models/fatal.zjm, rule taboo.inferred-fatal:
# the four 一票否决 rules' clauses against all others) from the gold set's development parts — the clauses of
# four variants as the rule set sees them (`zhijian eval --clauses`) — and
# the rule set's own examples (`zhijian rules test --clauses`), with
# tools/train_model.py's defaults and the settings tools/scripts/model_folds.sh
# gives each model. Run it after the development parts
# or the rule set's normalization (fillers, synonyms, clause starts) change,
# then tests/scripts/gold_eval.sh with ZJ_UPDATE_GOLDEN=1.
#
#   tools/scripts/train_bundled_model.sh [ZHIJIAN]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/scripts/model_folds.sh
. "$src/tools/scripts/model_folds.sh" "$@"
python3 "$src/tools/train_model.py" "${forbidden_model_args[@]}" --out "$src/rules/models/forbidden.zjm" \
  --examples "$tmp/examples.tsv" "${model_train_files[@]}"
python3 "$src/tools/train_model.py" "${fatal_model_args[@]}" --out "$src/rules/models/fatal.zjm" \
  --examples "$tmp/examples.tsv" "${model_train_files[@]}"
