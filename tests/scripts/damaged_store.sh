#!/usr/bin/env bash
# A damaged store never yields a clean-looking report. Three 512-byte blocks
# of a findings page, then of the calls page, of the report aggregates and of
# the sample lot's index are overwritten
# (as a disk or a copy gone wrong would): every command that reads them exits
# 2 with "zhijian: DB: cannot read the results: database disk image is
# malformed" and prints nothing on stdout. (Reports used to stop at the first
# failed row and exit 0: "未发现不符合项" over a store of failed calls.)
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
db=$tmp/f.db
"$zhijian" score --db "$db" "$src/corpus/calls" >/dev/null 2>&1 || fail "scoring the corpus"
page_size=$(sqlite3 "$db" "PRAGMA page_size")
clean=$tmp/clean.db
cp "$db" "$clean"

# damage TABLE N [BLOCKS]: overwrite 3 blocks in the table's Nth leaf page,
# in its last quarter (by default 8 blocks before its end), where a page keeps
# its rows (the start of a part-filled page is free). A small table or index
# of the corpus store fills only the end of its page: BLOCKS 3 hits that.
damage() {
    cp "$clean" "$db"
    local page
    page=$(sqlite3 "$db" "SELECT pageno FROM dbstat WHERE name = '$1' AND pagetype = 'leaf'
                          ORDER BY pageno LIMIT 1 OFFSET $2")
    [ -n "$page" ] || fail "no leaf page $2 of $1"
    head -c 1536 /dev/zero | tr '\0' '\377' |
        dd of="$db" bs=512 seek=$(( page * page_size / 512 - ${3:-8} )) count=3 conv=notrunc 2>/dev/null
}

# expect_malformed CMD...: exit 2, nothing on stdout, the cause on stderr.
expect_malformed() {
    "$zhijian" "$@" --db "$db" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ $rc = 2 ] || fail "$*: exit $rc, expected 2 (stderr: $(head -c 300 "$tmp/err"))"
    [ ! -s "$tmp/out" ] || fail "$*: printed output from a damaged store: $(head -c 200 "$tmp/out")"
    grep -qx "zhijian: $db: .*database disk image is malformed" "$tmp/err" ||
        fail "$*: stderr does not name the file and the cause: $(cat "$tmp/err")"
}

# Scorecards and the audit report read the report aggregates, not every
# finding (the report reads only its evidence calls' findings); with
# ZJ_REPORT_RECOMPUTE=1 they recompute from the findings (and must notice).
damage findings 2
for cmd in "report" "report --format json" "report --format html" \
           "scorecard" "scorecard --format csv" "scorecard --by team --format json"; do
    ZJ_REPORT_RECOMPUTE=1 expect_malformed $cmd
done
damage agg_rules 0 3
for cmd in "scorecard" "scorecard --format csv" "scorecard --by team --format json" \
           "report" "report --format json"; do
    expect_malformed $cmd
done
damage agg_calls 0 3
for cmd in "scorecard" "scorecard --format md" "scorecard --by team --format json" \
           "report --format html"; do
    expect_malformed $cmd
done
# A sample's lot is read from the index by agent and call id alone.
damage calls 0
for cmd in "report" "scorecard --format md"; do
    expect_malformed $cmd
done
# Saving refers to the sampled calls: a damaged calls table stops it (the
# foreign key check cannot find them), exit 2 and nothing recorded.
"$zhijian" sample --n 5 --save --db "$db" >"$tmp/out" 2>"$tmp/err" && fail "sample --save on damaged calls: exit 0"
[ ! -s "$tmp/out" ] || fail "sample --save on damaged calls printed output"
damage calls_lot 0 3
for cmd in "sample --n 5" "sample --iso2859 II --format csv"; do
    expect_malformed $cmd
done
# show reads one call: the damage may miss it. Then its output is the clean one.
for id in PS-001 PS-017 PS-042; do
    "$zhijian" show $id --db "$clean" --format json >"$tmp/want" 2>&1 || fail "show $id (clean)"
    if "$zhijian" show $id --db "$db" --format json >"$tmp/out" 2>"$tmp/err"; then
        cmp -s "$tmp/want" "$tmp/out" || fail "show $id: exit 0 with output that differs from the clean store's"
    else
        grep -q "database disk image is malformed" "$tmp/err" || fail "show $id: $(cat "$tmp/err")"
    fi
done
[ "$(sqlite3 "$db" "SELECT count(*) FROM samples" 2>/dev/null || echo 0)" = 0 ] ||
    fail "a sample of a damaged lot was recorded"

# db check reads every page: damage a reader does not notice (an index page
# of the aggregates the scorecard looks rows up by, or a findings page no
# query read) is still exit 2 naming the file and the cause.
for target in "agg_rules_lookup 0 3" "findings 2" "calls_lot 0 3"; do
    damage $target
    "$zhijian" db check --db "$db" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc = 2 ] || fail "db check on damaged $target: exit $rc ($(cat "$tmp/err"))"
    grep -Eqx "zhijian: db check: $db: the database file is damaged \([0-9]+ problems? found by SQLite's integrity check\): results read from it may be incomplete; restore it from a backup" "$tmp/err" ||
        fail "db check on damaged $target: $(cat "$tmp/err")"
    grep -q '^damaged: ' "$tmp/out" || fail "db check on damaged $target lists no problem: $(cat "$tmp/out")"
done
# Damage the check cannot read past (an index page's cell pointer out of
# range ends SQLite's integrity check with "malformed"): still the damaged
# file with its problems listed, the place where the check stopped the last.
cp "$clean" "$db"
page=$(sqlite3 "$db" "SELECT rootpage FROM sqlite_master WHERE name = 'calls_date'")
printf '\000\005' | dd of="$db" bs=1 seek=$(( (page - 1) * page_size + 8 )) conv=notrunc 2>/dev/null
"$zhijian" db check --db "$db" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 2 ] || fail "db check on a damaged cell pointer: exit $rc ($(cat "$tmp/err"))"
grep -qxF "zhijian: db check: $db: the database file is damaged (2 problems found by SQLite's integrity check): results read from it may be incomplete; restore it from a backup" "$tmp/err" ||
    fail "db check on a damaged cell pointer: $(cat "$tmp/err")"
printf '%s\n' "damaged: On tree page $page cell 0: Offset 5 out of range $(sed -n 's/^damaged: On tree page [0-9]* cell 0: Offset 5 out of range //p' "$tmp/out")" \
    'damaged: database disk image is malformed (the check stops here)' | cmp -s - "$tmp/out" ||
    fail "db check on a damaged cell pointer: $(cat "$tmp/out")"
"$zhijian" db check --db "$clean" >"$tmp/out" 2>"$tmp/err" || fail "db check on the clean store: $(cat "$tmp/err")"

# The undamaged store still reports (the checks do not reject good data).
cp "$clean" "$db"
"$zhijian" report --db "$db" >"$tmp/out" 2>"$tmp/err" || fail "clean report: $(cat "$tmp/err")"
grep -q "F01" "$tmp/out" || fail "clean report has no findings"
echo ok
