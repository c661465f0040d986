#!/usr/bin/env bash
# `db check` on a read-only PostgreSQL connection, as an auditor connects,
# on a throwaway cluster (tests/lib/pg_cluster.sh):
#  - a role granted SELECT only (no TEMPORARY either): `db check` prints that the aggregates match
#    (exit 0), and after a hand edit of agg_calls lists both differences
#    (exit 1), byte for byte as on a writable connection;
#  - the store's own role with default_transaction_read_only=on: the same;
#  - neither connection can write: `db rebuild` through them fails (exit 2);
#  - `db runs` through the SELECT-only role lists the scoring run.
# Without PostgreSQL installed it says SKIP (ZJ_REQUIRE_POSTGRES=1 makes a
# missing server a failure).
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
. "$src/tests/lib/pg_cluster.sh"
pg_test_tmp
fail() { echo "FAIL: $*"; [ -f "${PG_DIR:-/nonexistent}/server.log" ] && tail -5 "$PG_DIR/server.log"; exit 1; }
pg_start_or_skip
cd "$tmp" || fail "cd"

"$zhijian" score --db "$PG_URL" "$src/corpus/calls" > score.out 2>&1
[ $? -le 1 ] || fail "score: $(cat score.out)"
# SELECT only: not even the temporary tables every role may create by default.
pg_psql -c "CREATE ROLE auditor LOGIN; REVOKE TEMPORARY ON DATABASE zj FROM PUBLIC;
  GRANT USAGE ON SCHEMA public TO auditor;
  GRANT SELECT ON ALL TABLES IN SCHEMA public TO auditor;" zj > /dev/null || fail "role auditor"
selectonly="postgresql://auditor@127.0.0.1:$PG_PORT/zj"
readonly_opt="$PG_URL?options=-cdefault_transaction_read_only%3Don"

check() { # NAME URL WANT_EXIT: db check through URL; its output (URL as DB) in NAME
  "$zhijian" db check --db "$2" > "$1" 2>&1
  local rc=$?
  sed -i "s#$2#DB#g" "$1"
  [ $rc = "$3" ] || fail "$1: db check exit $rc (want $3): $(head -5 "$1")"
}
match="zhijian: DB: report aggregates match a recomputation"
for conn in selectonly readonly_opt; do
  check "$conn.ok" "${!conn}" 0
  [ "$(cat "$conn.ok")" = "$match" ] || fail "$conn: $(cat "$conn.ok")"
  "$zhijian" db rebuild --db "${!conn}" > "$conn.rebuild" 2>&1
  [ $? = 2 ] || fail "$conn: db rebuild wrote through a read-only connection: $(cat "$conn.rebuild")"
done

# The runs, read through the SELECT-only role (v13's process columns exist
# on PostgreSQL too): the run is done.
"$zhijian" db runs --db "$selectonly" > runs.out 2>&1 || fail "db runs: $(cat runs.out)"
[ "$(sed -n 2p runs.out | sed -E 's/20[0-9-]{8}T[0-9:]{8}Z/TIME                /g')" = \
  "$(printf '%-5s %-20s %-20s %-11s %8s %8s' 1 TIME TIME done 49 0)" ] || fail "db runs: $(cat runs.out)"

# One stored row off by one call: it is not in the recomputation, and the
# recomputed row is missing.
pg_psql -c "UPDATE agg_calls SET calls = calls + 1 WHERE rowid = (SELECT min(rowid) FROM agg_calls
  WHERE agent_id = 'A01')" zj > /dev/null || fail "edit agg_calls"
check writable.diff "$PG_URL" 1
for conn in selectonly readonly_opt; do
  check "$conn.diff" "${!conn}" 1
  cmp -s writable.diff "$conn.diff" || fail "$conn: $(diff writable.diff "$conn.diff")"
done
[ "$(grep -c '^agg_calls row not in the recomputation: ruleset_id 1, .*agent_id A01, ' writable.diff)" = 1 ] &&
  [ "$(grep -c '^agg_calls row missing (recomputed): ruleset_id 1, .*agent_id A01, ' writable.diff)" = 1 ] &&
  [ "$(grep -c '^agg_' writable.diff)" = 2 ] || fail "differences: $(cat writable.diff)"
grep -qxF 'zhijian: db check: DB: 2 aggregate rows differ from a recomputation; run `zhijian db rebuild --db DB`' writable.diff ||
  fail "summary: $(tail -1 writable.diff)"
echo "ok"
