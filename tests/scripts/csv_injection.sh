#!/usr/bin/env bash
# CSV formula injection: a call id, agent id, name or team beginning with
# = + - @ TAB or CR would be a formula when the scorecard or sample CSV is
# opened in a spreadsheet. Such a field gets a leading single quote inside its
# quotes (OWASP); a plain number (-5, -12) stays a number. Golden files.
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
data=$src/tests/scripts/data
db=$tmp/c.db
"$zhijian" score --db "$db" "$data/csv_injection.jsonl" >/dev/null 2>&1 || fail "scoring"
check() { # GOLDEN ARGS...
    local golden=$1
    shift
    "$zhijian" "$@" --db "$db" >"$tmp/out" 2>"$tmp/err" || fail "$*: $(cat "$tmp/err")"
    cmp -s "$data/$golden" "$tmp/out" ||
        fail "$* differs from $golden: $(diff <(cat -A "$data/$golden") <(cat -A "$tmp/out") | head -10)"
}
check csv_injection.scorecard.csv scorecard --format csv
check csv_injection.teams.csv scorecard --by team --format csv
check csv_injection.sample.csv sample --n 4 --format csv
echo ok
