#!/usr/bin/env bash
# An output file (-o, --clauses) that names a file the command reads — the
# store and its journals, a rule set, the labels, an input — is refused with
# exit 2 and the file left as it was; before, the report replaced the store.
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || exit 1
"$zhijian" score --db z.db "$src/corpus/calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score"
sum() { sha256sum "$1" | cut -d' ' -f1; }
before=$(sum z.db)
ln -s z.db link.md
for args in "report --db z.db -o z.db" "scorecard --db z.db -o z.db-wal" "report --db z.db -o link.md" \
            "sample --db z.db --n 3 -o ./z.db" "review export --db z.db -o $tmp/z.db-journal"; do
  # shellcheck disable=SC2086
  "$zhijian" $args > out 2> err
  code=$?
  cmd=${args%% --db*}
  [ $code = 2 ] && grep -q "^zhijian: $cmd: refusing to write .*: it is a file this command reads" err ||
    fail "$args: exit $code: $(cat err)"
done
[ "$(sum z.db)" = "$before" ] || fail "the store changed"
[ ! -e z.db-journal ] || fail "a journal was written"
"$zhijian" db check --db z.db > /dev/null 2>&1 || fail "db check after the refusals"
# The store as an output of another store's report is refused too; a new
# name beside it is fine.
"$zhijian" report --db z.db -o report.md 2> err || fail "report -o report.md: $(cat err)"

cp "$src/rules/property-service.yaml" r.yaml
cp "$src/corpus/gold/labels/original.jsonl" labels.jsonl
head -5 "$src/corpus/gold/calls/original.jsonl" > calls.jsonl
rsum=$(sum r.yaml) lsum=$(sum labels.jsonl) csum=$(sum calls.jsonl)
"$zhijian" rules test --clauses r.yaml r.yaml > out 2> err
[ $? = 2 ] && grep -q "^zhijian: rules test: refusing to write r.yaml" err || fail "rules test --clauses r.yaml: $(cat err)"
for target in labels.jsonl calls.jsonl r.yaml; do
  "$zhijian" eval --rules r.yaml --labels labels.jsonl --clauses "$target" calls.jsonl > out 2> err
  [ $? = 2 ] && grep -q "^zhijian: eval: refusing to write $target" err || fail "eval --clauses $target: $(cat err)"
done
[ "$(sum r.yaml)" = "$rsum" ] && [ "$(sum labels.jsonl)" = "$lsum" ] && [ "$(sum calls.jsonl)" = "$csum" ] ||
  fail "an input changed"
# Files reached through the rule set are read too: the base it extends and
# a model's weights (before, --clauses wrote the clauses over them).
mkdir nested
printf 'zhijian-model 1\nbias -3\n5\t烦\n' > nested/m.zjm
printf '%s\n' 'ruleset: base' 'version: "1"' 'rules:' '  - id: ji' '    kind: forbidden' '    clause: c' \
  '    any: [急什么]' '    points: 10' '  - id: mm' '    kind: forbidden' '    clause: c' \
  '    model: {file: m.zjm, threshold: 0.5}' '    points: 10' > nested/base.yaml
printf '%s\n' 'extends: nested/base.yaml' 'ruleset: child' 'version: "1"' 'rules: []' > child.yaml
bsum=$(sum nested/base.yaml) msum=$(sum nested/m.zjm)
for target in nested/base.yaml nested/m.zjm; do
  "$zhijian" rules test --clauses "$target" child.yaml > out 2> err
  [ $? = 2 ] && grep -q "^zhijian: rules test: refusing to write $target" err ||
    fail "rules test --clauses $target (through extends): $(cat err)"
  "$zhijian" eval --rules child.yaml --labels labels.jsonl --clauses "$target" calls.jsonl > out 2> err
  [ $? = 2 ] && grep -q "^zhijian: eval: refusing to write $target" err ||
    fail "eval --clauses $target (through extends): $(cat err)"
done
[ "$(sum nested/base.yaml)" = "$bsum" ] && [ "$(sum nested/m.zjm)" = "$msum" ] ||
  fail "a base rule set or a model changed"
echo "ok: outputs naming the store, a rule set, the labels or an input are refused"
