#!/usr/bin/env bash
# `zhijian db runs` tells a run still going from one killed without a word,
# which the runs table keeps as 'running' (docs/store.md, "Runs"):
#  - a live run in another process: running, its process named;
#  - a run killed with SIGKILL mid-way: interrupted, its process gone, with
#    the calls it committed; the next `score` says so on stderr with the
#    --resume advice, and once resumed it is "resumed by" the new run;
#  - a run reading standard input killed: its note and the next score's
#    warning say to score that input again (--resume cannot continue it),
#    and only the score that found it gone warns;
#  - a recorded pid now naming another process, a machine restarted since,
#    another machine, a run before schema v13: each as what can be known.
set -u
zhijian=$1 src=$2 bin=$3
gen=$bin/../tools/bench/gen_corpus
tmp=$(mktemp -d)
cleanup() { [ -n "${zpid:-}" ] && kill -9 "$zpid" 2> /dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$tmp" || fail "cd"
# The listing without its times (started, finished), which vary.
runs() { "$zhijian" db runs --db "$1" | sed -E 's/20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z/TIME                /g'; }
row() { # RUN STARTED FINISHED STATUS CALLS REJECTED [NOTE]: a line as db runs prints it
  printf '%-5s %-20s %-20s %-11s %8s %8s%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "${7:+  $7}"
}
header='run   started (UTC)        finished (UTC)       status         calls rejected  note'

# --- a live run: standard input held open -----------------------------------
"$gen" --calls 3 --seed 1 > three.jsonl || fail "generator"
mkfifo live.fifo
"$zhijian" score --db live.db - < live.fifo > live.out 2> live.err &
zpid=$!
exec 3> live.fifo
cat three.jsonl >&3
for _ in $(seq 1 5000); do
  [ "$(sqlite3 live.db "SELECT count(*) FROM runs" 2> /dev/null)" = 1 ] && break
  sleep 0.01
done
got=$(runs live.db)
want="$header
$(row 1 TIME - running 0 0 "process $zpid on this machine")"
[ "$got" = "$want" ] || fail "live run: $got"
exec 3>&-
wait "$zpid" || fail "the live run failed: $(cat live.err)"
zpid=
got=$(runs live.db)
want="$header
$(row 1 TIME TIME done 3 0)"
[ "$got" = "$want" ] || fail "finished run: $got"

# --- a run killed mid-way ---------------------------------------------------
"$gen" --calls 12000 --seed 5 > calls.jsonl || fail "generator"
"$zhijian" score --jobs 1 --commit-every 2000 --db k.db calls.jsonl > /dev/null 2>&1 &
zpid=$!
killed=0
for _ in $(seq 1 4000); do
  n=$(sqlite3 k.db "SELECT count(*) FROM calls" 2> /dev/null || echo 0)
  if [ "${n:-0}" -gt 0 ]; then kill -9 "$zpid" 2> /dev/null && killed=1; break; fi
  sleep 0.01
done
wait "$zpid" 2> /dev/null
kpid=$zpid zpid=
[ $killed = 1 ] || fail "could not kill the run while it was writing"
stored=$(sqlite3 k.db "SELECT count(*) FROM calls")
[ "$stored" -lt 12000 ] || fail "the run finished before it was killed"
[ "$(sqlite3 k.db "SELECT status FROM runs")" = running ] || fail "the table should still say running"
gone="its process $kpid is gone; zhijian score --resume with the same inputs continues it"
got=$(runs k.db)
want="$header
$(row 1 TIME - interrupted "$stored" 0 "$gone")"
[ "$got" = "$want" ] || fail "killed run: $got"
[ "$(sqlite3 k.db "SELECT status FROM runs")" = running ] || fail "db runs wrote to the store"

# The next writer says so; a resumed run is then what resumed it.
started=$(sqlite3 k.db "SELECT started_at FROM runs WHERE id = 1")
"$zhijian" score --db k.db three.jsonl > /dev/null 2> next.err || fail "score after the kill: $(cat next.err)"
[ "$(grep warning next.err)" = "zhijian: warning: run 1 (started $started, $stored calls stored) was interrupted: its process $kpid is gone; \`zhijian score --resume\` with the same inputs and rule set continues it" ] ||
  fail "the writer's warning: $(cat next.err)"
# ... and rewrites the row, for SQL and the reports; when it died is not known.
[ "$(sqlite3 k.db "SELECT id, status, finished_at IS NULL FROM runs ORDER BY id")" = \
  "$(printf '1|interrupted|1\n2|done|0')" ] || fail "the killed run's row: $(sqlite3 k.db "SELECT * FROM runs")"
got=$(runs k.db)
want="$header
$(row 1 TIME - interrupted "$stored" 0 "$gone")
$(row 2 TIME TIME done 3 0)"
[ "$got" = "$want" ] || fail "the marked run: $got"
"$zhijian" score --db k.db three.jsonl > /dev/null 2> again.err || fail "score again: $(cat again.err)"
[ "$(grep warning again.err)" = "$(grep warning next.err)" ] || fail "warning once marked: $(cat again.err)"
"$zhijian" score --resume --db k.db calls.jsonl > /dev/null 2> resume.err || fail "resume: $(cat resume.err)"
grep -q warning resume.err && fail "resume warned: $(cat resume.err)"
got=$(runs k.db)
want="$header
$(row 1 TIME TIME interrupted "$stored" 0 "resumed by run 4")
$(row 2 TIME TIME done 3 0)
$(row 3 TIME TIME done 3 0)
$(row 4 TIME TIME done $((12000 - stored)) 0)"
[ "$got" = "$want" ] || fail "after the resume: $got"

# --- a run reading standard input killed ------------------------------------
# --resume cannot continue standard input: the score that finds it gone says
# so once, with what to do instead; later ones do not repeat it forever.
"$zhijian" score --db s.db three.jsonl > /dev/null 2>&1 || fail "score into s.db"
mkfifo stdin.fifo
"$zhijian" score --db s.db - < stdin.fifo > /dev/null 2>&1 &
zpid=$!
exec 3> stdin.fifo
for _ in $(seq 1 5000); do
  [ "$(sqlite3 s.db "SELECT count(*) FROM runs" 2> /dev/null)" = 2 ] && break
  sleep 0.01
done
kill -9 "$zpid"
wait "$zpid" 2> /dev/null
exec 3>&-
spid=$zpid zpid=
[ "$(sqlite3 s.db "SELECT status FROM runs WHERE id = 2")" = running ] || fail "the stdin run"
stdin_gone="its process $spid is gone; it read standard input, which --resume cannot continue: score that input again"
got=$(runs s.db)
want="$header
$(row 1 TIME TIME done 3 0)
$(row 2 TIME - interrupted 0 0 "$stdin_gone")"
[ "$got" = "$want" ] || fail "killed stdin run: $got"
started=$(sqlite3 s.db "SELECT started_at FROM runs WHERE id = 2")
"$zhijian" score --db s.db three.jsonl > /dev/null 2> s1.err || fail "score after the kill: $(cat s1.err)"
[ "$(grep warning s1.err)" = "zhijian: warning: run 2 (started $started, 0 calls stored) was interrupted: its process $spid is gone; it read standard input, which \`zhijian score --resume\` cannot continue: score that input again (a call stored again replaces its result, never adds a copy)" ] ||
  fail "the writer's warning: $(cat s1.err)"
"$zhijian" score --db s.db three.jsonl > /dev/null 2> s2.err || fail "score again: $(cat s2.err)"
grep -q warning s2.err && fail "the stdin run warned again: $(cat s2.err)"
got=$(runs s.db)
want="$header
$(row 1 TIME TIME done 3 0)
$(row 2 TIME - interrupted 0 0 "$stdin_gone")
$(row 3 TIME TIME done 3 0)
$(row 4 TIME TIME done 3 0)"
[ "$got" = "$want" ] || fail "the stdin run, listed: $got"

# --- what a reader can and cannot know ---------------------------------------
rm -f live.db-wal live.db-shm
mark() { # NAME SQL: a copy of live.db whose run says running, changed by SQL
  cp live.db "$1.db" || fail "copy"
  sqlite3 "$1.db" "UPDATE runs SET status = 'running', finished_at = NULL; $2" || fail "$1"
  runs "$1.db" | sed -n 2p | cut -c78-
}
# This shell is alive but started at another time than the one recorded.
# (live.db's run read standard input, which --resume cannot continue.)
stdin_note="it read standard input, which --resume cannot continue: score that input again"
[ "$(mark reused "UPDATE runs SET pid = $$, pid_start = pid_start + 1")" = \
  "  its process $$ is gone (the id now names another process); $stdin_note" ] ||
  fail "reused pid: $(mark reused "UPDATE runs SET pid = $$, pid_start = pid_start + 1")"
[ "$(mark alive "UPDATE runs SET pid = $$, pid_start = $(cut -d' ' -f22 /proc/$$/stat)")" = \
  "  process $$ on this machine" ] || fail "a live process: $(mark alive "UPDATE runs SET pid = $$, pid_start = $(cut -d' ' -f22 /proc/$$/stat)")"
[ "$(mark restarted "UPDATE runs SET boot_id = 'another boot'")" = \
  "  this machine restarted since it began; $stdin_note" ] ||
  fail "restarted: $(mark restarted "UPDATE runs SET boot_id = 'another boot'")"
[ "$(mark elsewhere "UPDATE runs SET boot_id = 'another boot', host_key = 'another machine'")" = \
  "  'running' in the store, not checked: started on another machine" ] ||
  fail "another machine: $(mark elsewhere "UPDATE runs SET boot_id = 'another boot', host_key = 'another machine'")"
[ "$(mark container "UPDATE runs SET pid_ns = 'pid:[1]'")" = \
  "  'running' in the store, not checked: started in another container (pid namespace)" ] ||
  fail "another container: $(mark container "UPDATE runs SET pid_ns = 'pid:[1]'")"
[ "$(mark old "UPDATE runs SET pid = NULL")" = \
  "  'running' in the store, not checked: no process recorded (started before schema v13)" ] ||
  fail "no pid: $(mark old "UPDATE runs SET pid = NULL")"
[ "$(runs old.db | sed -n 2p | cut -c1-77)" = "$(row 1 TIME - unknown 3 0)" ] ||
  fail "unknown: $(runs old.db)"
# The next writer rewrites only a run of this boot whose process is gone.
marked() { # NAME: the status of run 1 of NAME.db after a score into it
  "$zhijian" score --db "$1.db" three.jsonl > /dev/null 2>&1 || fail "score into $1.db"
  sqlite3 "$1.db" "SELECT status FROM runs WHERE id = 1"
}
[ "$(marked reused)" = interrupted ] || fail "reused pid: not marked"
for name in alive restarted elsewhere container old; do
  [ "$(marked $name)" = running ] || fail "$name: marked interrupted"
done
echo "ok: live, killed after $stored calls, resumed, and each case a reader cannot check"
