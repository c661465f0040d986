#!/usr/bin/env bash
# The PostgreSQL store and what a connection brings with it, on a throwaway
# PostgreSQL cluster (tests/lib/pg_cluster.sh; SKIP without one unless
# ZJ_REQUIRE_POSTGRES=1):
#  - a URI password holding '?', '#' and a space (libpq reads it) is never
#    shown: not in score's message, not in runs.argv (--record-invocation,
#    --db URL and --db=URL), not in the audit report, not in an error;
#    nor where libpq's own message quotes it (a raw '%' in it, a URI libpq
#    cannot parse); nor is ?sslpassword=;
#  - libpq's key=value form is refused by every command (exit 2, the
#    password masked), never taken for a SQLite file name;
#  - sample --save on a read-only connection names the reason;
#  - a database or role whose extra_float_digits is low prints the same
#    figures as SQLite (zhijian sets its own on every connection);
#  - a schema holding no table but a view, a sequence, a type or a function
#    (its own instr) is refused, its objects named, nothing changed in it;
#  - a call id, agent id and team longer together than a store's index
#    keeps (2048 bytes) are refused for that call, named with FILE:LINE, on
#    SQLite and PostgreSQL alike; the rest of the batch is stored.
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
. "$src/tests/lib/pg_cluster.sh"
pg_test_tmp
fail() { echo "FAIL: $*"; exit 1; }
pg_start_or_skip
cd "$tmp" || fail "cd"
calls=$src/corpus/calls/2026-11.jsonl

# --- a password libpq reads up to the first '@' -------------------------------
pg_psql -c "CREATE ROLE zq LOGIN PASSWORD 'Se?cr#t 9'" zj || fail "role"
"$pg_bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U zj -O zq pwz || fail "createdb"
url="postgresql://zq:Se?cr#t 9@127.0.0.1:$PG_PORT/pwz"
shown="postgresql://zq:***@127.0.0.1:$PG_PORT/pwz"
"$zhijian" score --record-invocation --db "$url" "$calls" > score.out 2>&1
[ $? -le 1 ] || fail "score: $(tail -2 score.out)"
"$zhijian" score --db="$url" "$calls" > score2.out 2>&1
[ $? -le 1 ] || fail "score --db=: $(tail -2 score2.out)"
[ "$(pg_psql -c "SELECT current_user" "$url")" = zq ] || fail "not connected as zq"
"$zhijian" report --db "$url" --format md > report.md 2> report.err || fail "report: $(cat report.err)"
"$zhijian" report --db="$url" --format json > report.json 2> report2.err || fail "report: $(cat report2.err)"
"$zhijian" scorecard --db "postgresql://zq:pa?ss#x@127.0.0.1:$PG_PORT/nosuchdb" > nodb.out 2>&1
[ $? = 2 ] || fail "no database: exit $?"
pg_psql -c "SELECT argv FROM runs ORDER BY id" pwz > argv.txt || fail "argv"
for f in score.out score2.out report.md report.json nodb.out argv.txt; do
  grep -qE 'Se\?cr|cr#t|pa\?ss' "$f" && fail "$f shows the password: $(grep -E 'Se\?cr|cr#t|pa\?ss' "$f" | head -2)"
done
grep -qF "results in $shown (run 1)" score.out || fail "score message: $(tail -1 score.out)"
[ "$(cat argv.txt)" = "zhijian score --record-invocation --db $shown $calls
zhijian score --db=$shown $calls" ] || fail "runs.argv: $(cat argv.txt)"
# The command is shell-quoted: the mask's * would be a glob.
grep -qF "zhijian report --db 'postgresql://zq:\*\*\*@127.0.0.1:$PG_PORT/pwz' --format md" report.md ||
  fail "the report's command: $(grep -F 'zhijian report' report.md | head -2)"
grep -qF "postgresql://zq:***@127.0.0.1:$PG_PORT/nosuchdb" nodb.out || fail "error message: $(cat nodb.out)"

# --- libpq's messages quote the password; sslpassword is a secret too ------------------
# A raw '%' in a password: libpq's message quotes the bad token, the password.
for u in "postgresql://zq:Sum%er2026@127.0.0.1:$PG_PORT/pwz" \
  "postgresql://zq@127.0.0.1:$PG_PORT/pwz?password=Sum%er2026"; do
  for cmd in "score $calls" scorecard; do
    "$zhijian" $cmd --db "$u" > pct.out 2>&1
    rc=$?
    [ $rc = 2 ] || fail "$cmd, '%' in the password: exit $rc"
    u_shown=${u/:Sum%er2026@/:***@}
    u_shown=${u_shown/password=Sum%er2026/password=***}
    [ "$(cat pct.out)" = "zhijian: $u_shown: cannot connect to the database: invalid percent-encoded token: \"***\"" ] ||
      fail "$cmd, '%' in the password: $(cat pct.out)"
  done
done
# A URI libpq cannot parse is quoted whole.
"$zhijian" scorecard --db "postgresql://zq:Sum3r2026@[::1/pwz" > v6.out 2>&1
[ $? = 2 ] || fail "IPv6 typo: exit $?"
[ "$(cat v6.out)" = 'zhijian: postgresql://zq:***@[::1/pwz: cannot connect to the database: end of string reached when looking for matching "]" in IPv6 host address in URI: "postgresql://zq:***@[::1/pwz"' ] ||
  fail "IPv6 typo: $(cat v6.out)"
# sslpassword (the passphrase of the client's key), in score's message,
# runs.argv and the audit report's command and database.
ssl="$url?sslmode=disable&sslpassword=KeyPass-2026"
ssl_shown="$shown?sslmode=disable&sslpassword=***"
"$zhijian" score --record-invocation --db "$ssl" "$calls" > ssl.out 2>&1
[ $? -le 1 ] || fail "score with sslpassword: $(tail -2 ssl.out)"
"$zhijian" report --db "$ssl" --format md > ssl.md 2> ssl.err || fail "report: $(cat ssl.err)"
pg_psql -c "SELECT argv FROM runs ORDER BY id DESC LIMIT 1" pwz > ssl_argv.txt || fail "argv"
for f in ssl.out ssl.md ssl_argv.txt; do
  grep -q 'KeyPass' "$f" && fail "$f shows the sslpassword: $(grep KeyPass "$f" | head -2)"
done
grep -qF "results in $ssl_shown (run " ssl.out || fail "score message: $(tail -1 ssl.out)"
[ "$(cat ssl_argv.txt)" = "zhijian score --record-invocation --db $ssl_shown $calls" ] ||
  fail "runs.argv: $(cat ssl_argv.txt)"
grep -qF '数据库：'"$(printf '%s' "$ssl_shown" | sed 's/[&*]/\\&/g')" ssl.md ||
  fail "the report's database: $(grep -F '数据库' ssl.md | head -2)"

# --- libpq's key=value form is refused, not taken for a file name ----------------------
db=$(pg_createdb kv) || fail "createdb kv"
mkdir kvdir && cd kvdir || fail "cd kvdir"
kv="host=127.0.0.1 port=$PG_PORT dbname=kv user=zq password=Hunter2-secret"
hint="a libpq key=value connection string, which --db does not take: name a PostgreSQL store by its URI, postgresql://USER@HOST:PORT/DBNAME (the password in PGPASSWORD or ~/.pgpass), or a SQLite file of that name as ./NAME"
for pair in "score $calls|score" "scorecard|scorecard" "db runs|db" "review status|review status" \
  "show PS-001|show" "serve|serve"; do
  cmd=${pair%|*} name=${pair#*|}
  "$zhijian" $cmd --db "$kv" > kv.out 2>&1
  rc=$?
  [ $rc = 2 ] || fail "$cmd with a key=value string: exit $rc"
  [ "$(cat kv.out)" = "zhijian: $name: --db ${kv/Hunter2-secret/***}: $hint" ] ||
    fail "$cmd with a key=value string: $(cat kv.out)"
done
[ "$(ls -A)" = kv.out ] || fail "files made: $(ls -A)"
[ "$(pg_psql -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" kv)" = 0 ] ||
  fail "tables in kv"
# A file of such a name, written as a path.
"$zhijian" score --db "./dbname=kv.db" "$calls" > file.out 2>&1
[ $? -le 1 ] && [ -s "dbname=kv.db" ] || fail "./dbname=kv.db: $(tail -2 file.out)"
cd "$tmp" || fail "cd"

# --- a writer on a read-only connection says why ------------------------------------
"$zhijian" sample --n 2 --save --db "$url?options=-cdefault_transaction_read_only%3Don" > ro.out 2>&1
rc=$?
[ $rc = 2 ] || fail "sample --save read-only: exit $rc"
[ "$(cat ro.out)" = "zhijian: $shown?options=-cdefault_transaction_read_only%3Don: cannot record the sample: cannot execute INSERT in a read-only transaction" ] ||
  fail "sample --save read-only: $(cat ro.out)"

# --- extra_float_digits set low on the database and on the role ------------------
"$zhijian" score --db lite.db "$calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score into SQLite"
db=$(pg_createdb fd) || fail "createdb fd"
"$zhijian" score --db "$db" "$calls" > /dev/null 2>&1
[ $? -le 1 ] || fail "score into fd"
"$zhijian" scorecard --format json --db lite.db > lite.json || fail "scorecard SQLite"
mean=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["mean_score"])' lite.json)
case $mean in *.????*) ;; *) fail "the corpus' mean score $mean has no digits to lose" ;; esac
pg_psql -c "ALTER DATABASE fd SET extra_float_digits = -14" zj || fail "alter database"
[ "$(pg_psql -c "SELECT 78.3181818182::float8" fd)" = 8e+01 ] ||
  fail "the setting does not round: $(pg_psql -c "SELECT 78.3181818182::float8" fd)"
"$zhijian" scorecard --format json --db "$db" > pg.json || fail "scorecard PostgreSQL"
cmp -s lite.json pg.json || fail "extra_float_digits on the database: $(diff lite.json pg.json | head -4)"
"$zhijian" scorecard --db lite.db > lite.txt && "$zhijian" scorecard --db "$db" > pg.txt ||
  fail "text scorecards"
cmp -s lite.txt pg.txt || fail "text scorecard: $(diff lite.txt pg.txt | head -4)"
pg_psql -c "ALTER DATABASE fd RESET extra_float_digits; ALTER ROLE zj SET extra_float_digits = -10" zj ||
  fail "alter role"
"$zhijian" scorecard --format json --db "$db" > pg2.json || fail "scorecard PostgreSQL"
cmp -s lite.json pg2.json || fail "extra_float_digits on the role: $(diff lite.json pg2.json | head -4)"
pg_psql -c "ALTER ROLE zj RESET extra_float_digits" zj
# --- a schema with objects other than tables ---------------------------------------
db=$(pg_createdb zj6) || fail "createdb zj6"
pg_psql -c "CREATE VIEW myview AS SELECT 1 AS x; CREATE SEQUENCE myseq;
  CREATE TYPE mood AS ENUM ('a'); CREATE FUNCTION instr(haystack text, needle text)
  RETURNS bigint LANGUAGE sql AS \$\$ SELECT 42::bigint \$\$;" zj6 || fail "objects"
"$zhijian" score --db "$db" "$calls" > zj6.out 2>&1
rc=$?
[ $rc = 2 ] || fail "a schema with a view, a sequence, a type and a function: exit $rc"
[ "$(cat zj6.out)" = "zhijian: $db: not a zhijian store (the schema holds sequence myseq, view myview, function instr(text,text), type mood); refusing to touch it: use an empty database or schema" ] ||
  fail "message: $(cat zj6.out)"
[ "$(pg_psql -c "SELECT instr('abc', 'c')" zj6)" = 42 ] || fail "the schema's own instr was replaced"
[ "$(pg_psql -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" zj6)" = 0 ] ||
  fail "tables were created"
db=$(pg_createdb zj7) || fail "createdb zj7"
pg_psql -c "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS \$\$ SELECT 1 \$\$" zj7 || fail "f"
"$zhijian" score --db "$db" "$calls" > zj7.out 2>&1
[ $? = 2 ] || fail "a schema with a function: exit $?"
grep -qF "not a zhijian store (the schema holds function f()); refusing" zj7.out ||
  fail "message: $(cat zj7.out)"
"$zhijian" scorecard --db "$db" > zj7r.out 2>&1
[ $? = 2 ] && grep -qF "(the schema holds function f())" zj7r.out || fail "reader: $(cat zj7r.out)"
# --- a key too long for the store's indexes ----------------------------------------
python3 - "$calls" << 'EOF' || fail "long inputs"
import json, random, sys
calls = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()][:10]
random.seed(9)
long = "".join(chr(random.randint(0x4E00, 0x9FA5)) for _ in range(1000))
for key in ("call_id", "agent_id", "team"):
    with open("long_%s.jsonl" % key, "w", encoding="utf-8") as f:
        for i, c in enumerate(calls):
            f.write(json.dumps(dict(c, **{key: long}) if i == 3 else c, ensure_ascii=False) + "\n")
open("long.prefix", "w", encoding="utf-8").write(long[:13])
for key in ("call_id", "agent_id", "team"):
    c = dict(calls[3], **{key: long})
    n = sum(len(c.get(k, "").encode()) for k in ("call_id", "agent_id", "team"))
    open("long_%s.bytes" % key, "w").write(str(n))
# At the limit: an id that brings the three to 2048 bytes exactly is stored.
c = calls[3]
room = 2048 - len(c.get("agent_id", "").encode()) - len(c.get("team", "").encode())
edge = long[:room // 3] + "x" * (room % 3)
with open("long_edge.jsonl", "w", encoding="utf-8") as f:
    f.write(json.dumps(dict(c, call_id=edge), ensure_ascii=False) + "\n")
open("long_edge.bytes", "w").write(str(len(edge.encode())))
EOF
prefix=$(cat long.prefix)
for key in call_id agent_id team; do
  id=PS-004
  [ $key = call_id ] && id=$prefix…
  want="zhijian: long_$key.jsonl:4: call '$id': its call_id, agent_id and team are $(cat long_$key.bytes) bytes together, more than the 2048 a store keeps"
  for store in "lite_$key.db" "$(pg_createdb "long_$key")"; do
    "$zhijian" score --commit-every 2 --db "$store" "long_$key.jsonl" > long.out 2> long.err
    rc=$?
    [ $rc = 3 ] || fail "$key into $store: exit $rc: $(cut -c1-200 long.err)"
    [ "$(grep -v '^zhijian: scored' long.err)" = "$want" ] || fail "$key into $store: $(cut -c1-200 long.err)"
    grep -q "^zhijian: scored 9 calls, rejected 1," long.err || fail "$key into $store: $(tail -1 long.err)"
  done
  [ "$(sqlite3 "lite_$key.db" "SELECT count(*), sum(CASE WHEN length($key) > 300 THEN 1 ELSE 0 END) FROM calls")" = "9|0" ] ||
    fail "$key: SQLite holds $(sqlite3 "lite_$key.db" "SELECT count(*), sum(CASE WHEN length($key) > 300 THEN 1 ELSE 0 END) FROM calls")"
  [ "$(pg_psql -c "SELECT count(*), sum(CASE WHEN length($key) > 300 THEN 1 ELSE 0 END) FROM calls" "long_$key")" = "9|0" ] ||
    fail "$key: PostgreSQL holds $(pg_psql -c "SELECT count(*), sum(CASE WHEN length($key) > 300 THEN 1 ELSE 0 END) FROM calls" "long_$key")"
done
for store in lite_edge.db "$(pg_createdb long_edge)"; do
  "$zhijian" score --db "$store" long_edge.jsonl > edge.out 2>&1
  [ $? -le 1 ] || fail "2048 bytes into $store: $(cut -c1-200 edge.out)"
done
[ "$(pg_psql -c "SELECT count(*), octet_length(max(call_id)) FROM calls" long_edge)" = "1|$(cat long_edge.bytes)" ] ||
  fail "2048 bytes: $(pg_psql -c "SELECT count(*), octet_length(max(call_id)) FROM calls" long_edge)"
"$zhijian" score --no-db --format jsonl long_call_id.jsonl > nodb.jsonl 2> /dev/null
[ "$(wc -l < nodb.jsonl)" = 10 ] || fail "without a store the long id is scored"
echo PASS
