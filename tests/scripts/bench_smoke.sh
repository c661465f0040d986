#!/usr/bin/env bash
# CI-sized benchmark: tools/bench/run.sh on a 1 MB corpus with 50 and 500
# rules, through the --json report. Checks that every tool of the bench ran and
# reported sane figures, not how fast anything was (no timing thresholds).
set -u
zhijian=$1 src=$2
bin=$(cd "$(dirname "$zhijian")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "bench_smoke: $*" >&2; exit 1; }

bash "$src/tools/bench/run.sh" --bin "$bin" --size 1 --rules 50,500 --json --keep "$tmp/work" \
  > "$tmp/report.json" 2> "$tmp/err" || fail "run.sh failed: $(tail -5 "$tmp/err")"
json=$(cat "$tmp/report.json")
[ "$(wc -l < "$tmp/report.json")" = 1 ] || fail "--json must print one line"

calls=$(wc -l < "$tmp/work/corpus-1mb.jsonl")
bytes=$(stat -c %s "$tmp/work/corpus-1mb.jsonl")
[ "$calls" -gt 100 ] || fail "corpus too small: $calls calls"
grep -q "^{\"bytes\":$bytes,\"calls\":$calls,\"cores\":$(nproc)," <<< "$json" ||
  fail "wrong head: ${json:0:120}"
for key in machine_parallel_throughput store_floor_s store_floor_rows_only_s standard_no_db_s \
  standard_db_s standard_findings_per_call startup_cold_s startup_warm_s; do
  grep -Eq "\"$key\":[0-9]+(\.[0-9]+)?[,}]" <<< "$json" || fail "no number for $key"
done

# The bundled standard scores about 31 findings a call over the generated
# corpus (required phrases met or missing, metrics with their values, and the
# conditional rules whose situation did not arise as not_applicable, four in
# ten); the store keeps all but the not_applicable ones: about 18.6.
per_call=$(grep -Eo '"standard_findings_per_call":[0-9.]+' <<< "$json" | cut -d: -f2)
awk -v f="$per_call" 'BEGIN { exit !(f >= 15 && f <= 22) }' ||
  fail "standard_findings_per_call $per_call not in 15..22"

# One result per tool and rule count, each with positive seconds and RSS.
tools_50=("cat" "rg --count-matches -F -f" "naive: PCRE2 regex per rule, 1 thread"
  "zhijian --no-db, 1 thread" "zhijian --no-db, 1 thread, rules for both speakers"
  "zhijian --no-db, 1 thread on 1 core" "zhijian --no-db, $(nproc) threads"
  "zhijian with database, $(nproc) threads")
results=$(grep -o '{"rules":[^}]*}' <<< "$json")
[ "$(wc -l <<< "$results")" = $((${#tools_50[@]} * 2 - 1)) ] ||
  fail "expected $((${#tools_50[@]} * 2 - 1)) results, got: $results"
for n in 50 500; do
  for tool in "${tools_50[@]}"; do
    [ "$n" = 500 ] && [[ $tool == *"both speakers" ]] && continue
    row=$(grep -F "{\"rules\":$n,\"tool\":\"$tool\"," <<< "$results") ||
      fail "no result for '$tool' at $n rules"
    grep -Eq '"seconds":[0-9.]+,"cpu_seconds":[0-9.]+,"mb_per_s":[0-9.]+,"calls_per_s":[0-9]+,"peak_rss_mib":[0-9.]+}$' \
      <<< "$row" || fail "malformed row: $row"
    grep -Eq '"seconds":0(\.0+)?,|"peak_rss_mib":0(\.0+)?}' <<< "$row" && fail "zero figure: $row"
  done
done

# The rule sets and literal lists the tools were given have the asked sizes.
[ "$(grep -c '^  - id:' "$tmp/work/lit-500.yaml")" = 500 ] || fail "lit-500.yaml: not 500 rules"
[ "$(wc -l < "$tmp/work/lit-500.txt")" = 500 ] || fail "lit-500.txt: not 500 literals"
echo "bench_smoke: ok"
