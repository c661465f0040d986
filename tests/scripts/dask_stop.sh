#!/usr/bin/env bash
# tools/zhijian-dask --db when a task fails or its zhijian is killed, on a
# Dask LocalCluster of 2 workers and a throwaway PostgreSQL cluster (SKIP
# without python3-distributed or PostgreSQL):
#  - a task that fails for good (--retries 0) while another task's zhijian
#    is running: the runner ends that process before it says what is in
#    the store (exit 2), and nothing is stored after it has exited;
#  - a task's zhijian killed mid-run: the retry stores the partition; the
#    killed run (it read standard input: --resume cannot continue it) is
#    reported once, with what to do, and no later score repeats it.
set -u
zhijian=$(realpath "$1") src=$(realpath "$2")
. "$src/tests/lib/pg_cluster.sh"
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp=$(mktemp -d)
[ "$(id -u)" = 0 ] && chmod 755 "$tmp"
trap 'pg_stop; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
if [ -z "$pg_bin" ] || ! command -v psql > /dev/null || ! "$py" -c 'import distributed' 2> /dev/null; then
  [ "${ZJ_REQUIRE_POSTGRES:-0}" = 1 ] && fail "PostgreSQL or python3-distributed is not installed"
  echo "SKIP: PostgreSQL (initdb, psql) or python3-distributed not installed"
  exit 0
fi
pg_start "$tmp" || fail "cannot start PostgreSQL"
cd "$tmp" || fail "cd"
runner=$src/tools/zhijian-dask
calls=$src/corpus/calls/2026-11.jsonl

# --- a failed task stops the others, their zhijian processes included -----------
# Two partitions (one file each): fail.jsonl's task fails once slow.jsonl's
# has started; slow.jsonl's zhijian would store its calls 4 s later.
mkdir stop
head -3 "$calls" > stop/fail.jsonl
sed -n 4,6p "$calls" > stop/slow.jsonl
cat > stopwrap.sh << EOF
#!/bin/sh
case " \$* " in *" --db "*) ;; *) exec "$zhijian" "\$@" ;; esac
for a; do last=\$a; done
case \$last in
*slow.jsonl) touch "$tmp/slow.started"; sleep 4 ;;
*fail.jsonl)
  for i in \$(seq 1 300); do [ -e "$tmp/slow.started" ] && break; sleep 0.1; done
  echo "zhijian: fail.jsonl: made to fail" >&2
  exit 2 ;;
esac
exec "$zhijian" "\$@"
EOF
chmod +x stopwrap.sh
url=$(pg_createdb stop) || fail "createdb stop"
# Each file smaller than a partition, the two together larger: a partition each.
size=$(stat -c %s stop/fail.jsonl stop/slow.jsonl | sort -n | tail -1)
"$py" "$runner" --zhijian "$tmp/stopwrap.sh" --workers 2 --partition-size $((size + 1)) --retries 0 \
  --db "$url" stop > stop.out 2> stop.err
rc=$?
left=$(pgrep -f -- "--db $url" | wc -l)
[ $rc = 2 ] || fail "a failed task: exit $rc: $(tail -3 stop.err)"
[ -e slow.started ] || fail "slow.jsonl's task never started: $(cat stop.err)"
[ "$left" = 0 ] || fail "$left zhijian processes still running after the runner exited"
sleep 6
[ "$(pg_psql -c 'SELECT count(*) FROM calls' stop 2> /dev/null || echo 0)" = 0 ] ||
  fail "calls stored after the runner stopped: $(pg_psql -c 'SELECT count(*) FROM calls' stop)"
[ "$(tail -1 stop.err)" = "zhijian-dask: stopped: every task has ended, its zhijian process with it; the partitions not finished are not in the store, or only in part (scoring the same inputs again completes it; stored calls are replaced, not doubled)" ] ||
  fail "stopped: $(cat stop.err)"
grep -q "made to fail" stop.err || fail "the failure: $(cat stop.err)"

# --- a task's zhijian killed (as the OOM killer kills it) --------------------------
# The first task to start kills its zhijian once its run is in the store
# (before it has read a call);
# the task fails and its retry stores the partition. The killed run read
# standard input, which --resume cannot continue: the score that finds it
# gone (the retry) says so once, with what to do; no later score repeats it.
url=$(pg_createdb killed) || fail "createdb killed"
cat > killwrap.sh << EOF
#!/bin/sh
case " \$* " in *" --db "*) ;; *) exec "$zhijian" "\$@" ;; esac
mkdir "$tmp/killed.once" 2> /dev/null || exec "$zhijian" "\$@"
# This attempt is killed before it reads a call: its standard input is a
# pipe held open and empty, so the run cannot end before the kill, however
# fast the machine.
cat > /dev/null
mkfifo "$tmp/killed.hold"
"$zhijian" "\$@" < "$tmp/killed.hold" &
pid=\$!
exec 9> "$tmp/killed.hold"
for i in \$(seq 1 3000); do
  [ "\$("$pg_bin/psql" -X -q -A -t -h 127.0.0.1 -p $PG_PORT -U zj -c "SELECT count(*) FROM runs WHERE pid = \$pid" killed 2> /dev/null)" = 1 ] && break
  sleep 0.01
done
kill -9 \$pid
wait \$pid
exec 9>&-
echo \$pid > "$tmp/killed.pid"
exit 137
EOF
chmod +x killwrap.sh
size=$(($(stat -c %s "$calls") / 3 + 1))
"$py" "$runner" --zhijian "$tmp/killwrap.sh" --workers 2 --partition-size $size --db "$url" \
  "$calls" > killed.out 2> killed.err
rc=$?
[ $rc = 0 ] || fail "a killed zhijian: exit $rc: $(tail -3 killed.err)"
[ -s killed.pid ] || fail "no zhijian was killed: $(cat killed.err)"
kpid=$(cat killed.pid)
[ "$(pg_psql -c "SELECT count(*), count(DISTINCT call_id) FROM calls" killed)" = "42|42" ] ||
  fail "calls stored: $(pg_psql -c "SELECT count(*), count(DISTINCT call_id) FROM calls" killed)"
krun=$(pg_psql -c "SELECT id FROM runs WHERE pid = $kpid" killed)
kstarted=$(pg_psql -c "SELECT started_at FROM runs WHERE pid = $kpid" killed)
[ "$(pg_psql -c "SELECT status FROM runs WHERE pid = $kpid" killed)" = interrupted ] ||
  fail "the killed run: $(pg_psql -c "SELECT * FROM runs WHERE pid = $kpid" killed)"
[ "$(grep warning killed.err)" = "zhijian: warning: run $krun (started $kstarted, 0 calls stored) was interrupted: its process $kpid is gone; it read standard input, which \`zhijian score --resume\` cannot continue: score that input again (a call stored again replaces its result, never adds a copy)" ] ||
  fail "the runner's warnings: $(grep warning killed.err)"
head -3 "$calls" > three.jsonl
"$zhijian" score --db "$url" three.jsonl > later.out 2> later.err || fail "a later score: $(cat later.err)"
grep -q warning later.err && fail "a later score warns: $(cat later.err)"
"$zhijian" db runs --db "$url" > runs.txt || fail "db runs"
grep -qE "^$krun +[^ ]+ +- +interrupted +0 +0  its process $kpid is gone; it read standard input, which --resume cannot continue: score that input again\$" runs.txt ||
  fail "db runs: $(cat runs.txt)"

echo PASS
