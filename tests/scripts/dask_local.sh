#!/usr/bin/env bash
# tools/zhijian-dask's own cluster and its failures (SKIP without
# python3-distributed; the PostgreSQL parts without PostgreSQL):
#  - its password masking agrees with zhijian's on every row of
#    tests/scripts/data/conninfo_masks.tsv and conninfo_messages.tsv
#    (test_db_mask.c reads them too);
#  - its local cluster listens on 127.0.0.1 only: while its tasks run, no
#    process of the runner listens on 0.0.0.0 or [::] (ss -ltnp);
#  - a scheduler lost mid-run (kill -9) ends with exit 2, the runner's
#    one-line reason and "stopped: ... not joined", no traceback;
#  - with --db into a throwaway PostgreSQL cluster: a call id in two
#    partitions keeps its later copy (as one process keeps it), although
#    the partition holding the earlier copy commits last; each repeated id
#    is named at both copies with the file's line numbers, as one process
#    names them (a repeat across partitions and one inside a partition
#    that starts mid-file), exit 3, none counted as rejected; a ?password=
#    parameter is masked in the runner's summary.
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
. "$src/tests/lib/pg_cluster.sh"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
runner=$src/tools/zhijian-dask
tmp=$(mktemp -d)
[ "$(id -u)" = 0 ] && chmod 755 "$tmp"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null; done
  pg_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
if ! "$py" -c 'import distributed' 2> /dev/null; then
  echo "SKIP: python3-distributed not installed"
  exit 0
fi
cd "$tmp" || fail "cd"

# --- one masking rule for both ---------------------------------------------
"$py" - "$runner" "$src/tests/scripts/data/conninfo_masks.tsv" \
  "$src/tests/scripts/data/conninfo_messages.tsv" << 'EOF' || fail "mask_password"
import importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("zhijian_dask", sys.argv[1])
spec = importlib.util.spec_from_loader("zhijian_dask", loader)
mod = importlib.util.module_from_spec(spec)
loader.exec_module(mod)
rows = bad = 0
for line in open(sys.argv[2], encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    given, want = line.split("\t")
    got = mod.mask_password(given)
    rows += 1
    if got != want:
        bad += 1
        print("masking %r: got %r, want %r" % (given, got, want))
messages = 0
for line in open(sys.argv[3], encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    conninfo, message, want = line.split("\t")
    got = mod.mask_message(message, conninfo)
    messages += 1
    if got != want:
        bad += 1
        print("masking %r about %r: got %r, want %r" % (message, conninfo, got, want))
sys.exit(1 if bad or rows < 25 or messages < 10 else 0)
EOF

# libpq's key=value form is refused, as zhijian refuses it, its password masked.
"$py" "$runner" --db "host=127.0.0.1 dbname=kv password=Hunter2-secret" three.jsonl > kv.out 2>&1
[ $? = 2 ] || fail "key=value --db: exit $?"
[ "$(tail -1 kv.out)" = "zhijian-dask: error: --db host=127.0.0.1 dbname=kv password=***: not a PostgreSQL URI; --db takes one, postgresql://USER@HOST:PORT/DBNAME (the password in PGPASSWORD or ~/.pgpass): workers on other machines cannot share a SQLite file, and libpq's key=value form is not taken (zhijian refuses it too)" ] ||
  fail "key=value --db: $(cat kv.out)"

# A zhijian that takes its time on every partition of whole files (the
# tasks are still running while the test looks at them), not on the
# runner's preflight run (its input is "-").
cat > slow.sh << EOF
#!/bin/sh
for a; do last=\$a; done
[ "\$1" = score ] && [ "\$last" != - ] && [ "\$2" != --list-inputs ] &&
  touch "$tmp/started" && sleep "\${ZJ_TEST_SLOW:-0}"
exec "$zhijian" "\$@"
EOF
chmod +x slow.sh
head -3 "$src/corpus/calls/2026-11.jsonl" > three.jsonl

# --- the local cluster on the loopback interface only ----------------------
ZJ_TEST_SLOW=6 "$py" "$runner" --zhijian "$tmp/slow.sh" --workers 2 -o out three.jsonl \
  "$src/corpus/calls/2026-11-conversation.jsonl" > local.out 2> local.err &
runner_pid=$!
pids+=("$runner_pid")
for _ in $(seq 1 300); do [ -e started ] && break; sleep 0.1; done
[ -e started ] || fail "no task started: $(tail -3 local.err)"
sleep 1
tree() { # the pids of $1 and its descendants
  echo "$1"
  for c in $(pgrep -P "$1"); do tree "$c"; done
}
procs=$(tree "$runner_pid" | sort -u | paste -sd'|')
listening=$(ss -ltnpH | grep -E "pid=($procs)," || true)
[ -n "$listening" ] || fail "the runner's processes listen nowhere? $(ss -ltnp | head -5)"
wild=$(echo "$listening" | awk '{print $4}' | grep -v -E '^127\.0\.0\.1:' || true)
[ -z "$wild" ] || fail "listening beyond 127.0.0.1: $(echo "$listening" | grep -v '127\.0\.0\.1:')"
wait "$runner_pid"
[ $? = 0 ] || fail "local run: $(tail -3 local.err)"
[ "$("$zhijian" score --no-db --format jsonl three.jsonl "$src/corpus/calls/2026-11-conversation.jsonl" 2> /dev/null | md5sum)" = \
  "$(md5sum < out/results.jsonl)" ] || fail "local run: results differ from one process"

# --- a scheduler lost mid-run -----------------------------------------------
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dask-scheduler --host 127.0.0.1 --port "$port" --dashboard-address 127.0.0.1:0 > sched.log 2>&1 &
sched=$!
pids+=("$sched")
dask-worker "tcp://127.0.0.1:$port" --host 127.0.0.1 --dashboard-address 127.0.0.1:0 \
  --nworkers 1 --nthreads 1 > worker.log 2>&1 &
pids+=("$!")
rm -f started
ZJ_TEST_SLOW=60 "$py" "$runner" --zhijian "$tmp/slow.sh" --scheduler "tcp://127.0.0.1:$port" \
  --connect-timeout 5 -o lost three.jsonl > lost.out 2> lost.err &
runner_pid=$!
pids+=("$runner_pid")
for _ in $(seq 1 300); do [ -e started ] && break; sleep 0.1; done
[ -e started ] || fail "no task started on the cluster: $(tail -3 lost.err; tail -3 sched.log)"
kill -9 "$sched"
wait "$sched" 2> /dev/null
wait "$runner_pid"
rc=$?
[ $rc = 2 ] || fail "lost scheduler: exit $rc (want 2): $(tail -5 lost.err)"
grep -q Traceback lost.err && fail "lost scheduler: a traceback: $(grep -A3 Traceback lost.err | head)"
[ "$(grep -c '^zhijian-dask: lost the Dask cluster at tcp://127.0.0.1:'"$port"': ' lost.err)" = 1 ] ||
  fail "lost scheduler: no reason given: $(cat lost.err)"
[ "$(tail -1 lost.err)" = "zhijian-dask: stopped: the output in lost is incomplete and was not joined" ] ||
  fail "lost scheduler: last line $(tail -1 lost.err)"
[ "$(grep -vc '^zhijian-dask: ' lost.err)" = 0 ] || fail "lost scheduler: other lines: $(grep -v '^zhijian-dask: ' lost.err | head -3)"

# --- into PostgreSQL ----------------------------------------------------------
if [ -z "$pg_bin" ] || ! command -v psql > /dev/null; then
  [ "${ZJ_REQUIRE_POSTGRES:-0}" = 1 ] && fail "PostgreSQL is not installed"
  echo "PASS (PostgreSQL not installed: its part skipped)"
  exit 0
fi
pg_start "$tmp" || fail "cannot start PostgreSQL"
# DUP twice: first as PS-017 (0 points) in a slow first partition, then as
# PS-001 (100 points) in a quick second one that commits first.
"$py" - "$src/corpus/calls/2026-11.jsonl" << 'EOF' || fail "inputs"
import json, sys
calls = {c["call_id"]: c for c in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
first = [dict(calls["PS-%03d" % i], call_id="H%03d" % i) for i in range(2, 16)]
first.append(dict(calls["PS-017"], call_id="DUP"))
second = [dict(calls["PS-001"], call_id="DUP"), dict(calls["PS-020"], call_id="L020"),
          dict(calls["PS-021"], call_id="L020")]
with open("dup.jsonl", "w", encoding="utf-8") as f:
    for c in first + second:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
EOF
split=$("$py" -c 'import sys; d=open("dup.jsonl","rb").read().split(b"\n"); print(sum(len(l)+1 for l in d[:15]))')
"$zhijian" score --db one.db dup.jsonl > one.out 2>&1
[ $? = 3 ] || fail "one process: $(cat one.out)"
[ "$(sqlite3 one.db "SELECT score FROM calls WHERE call_id = 'DUP'")" = 100 ] ||
  fail "one process keeps $(sqlite3 one.db "SELECT score FROM calls WHERE call_id = 'DUP'")"
# Each later copy and the copy before it, as the file numbers its lines.
repeats="zhijian: dup.jsonl:16: call 'DUP' came before, at dup.jsonl:15; this later result replaces it
zhijian: dup.jsonl:18: call 'L020' came before, at dup.jsonl:17; this later result replaces it"
[ "$(grep 'came before' one.out)" = "$repeats" ] || fail "one process: $(cat one.out)"
# The partition holding H002 (the first) takes its time; the second, on
# the other worker, commits first.
cat > slowfirst.sh << EOF
#!/bin/sh
case " \$* " in *" --db "*) ;; *) exec "$zhijian" "\$@" ;; esac
t=\$(mktemp "$tmp/part.XXXXXX")
cat > "\$t"
grep -q '"H002"' "\$t" && sleep 4
exec "$zhijian" "\$@" < "\$t"
EOF
chmod +x slowfirst.sh
url=$(pg_createdb dupd)
"$py" "$runner" --zhijian "$tmp/slowfirst.sh" --workers 2 --partition-size "$split" \
  --db "$url?password=pw%27q%5Cx" dup.jsonl > dup.out 2> dup.err
rc=$?
[ $rc = 3 ] || fail "dup run: exit $rc (3, as one process): $(tail -3 dup.err)"
grep -q 'pw%27q' dup.err && fail "the password shown: $(grep 'pw%27q' dup.err)"
[ "$(grep 'came before' dup.err)" = "$repeats" ] || fail "repeated ids: $(cat dup.err)"
grep -qE "^zhijian-dask: scored 18 calls, rejected 0, in 2 partitions, .*; results in $url\?password=\*\*\*; run ids: " dup.err ||
  fail "summary: $(tail -1 dup.err)"
[ "$(pg_psql -c "SELECT score FROM calls WHERE call_id = 'DUP'" dupd)" = 100 ] ||
  fail "DUP keeps the earlier copy: $(pg_psql -c "SELECT score FROM calls WHERE call_id = 'DUP'" dupd)"
[ "$(pg_psql -c "SELECT count(*) FROM calls" dupd)" = 16 ] || fail "calls: $(pg_psql -c "SELECT count(*) FROM calls" dupd)"
"$zhijian" db check --db "$url" > check.out 2>&1 || fail "db check: $(cat check.out)"
echo PASS
