# pg_cluster.sh — sourced by the PostgreSQL tests: a throwaway PostgreSQL
# cluster (initdb into a temporary directory, a free port on 127.0.0.1,
# stopped and removed by pg_stop). As root the server runs as the
# `postgres` user, which PostgreSQL requires.
#
#   pg_start DIR   starts it; sets PG_URL (postgresql://zj@127.0.0.1:PORT/zj)
#                  or returns 2 when PostgreSQL is not installed
#   pg_stop        stops it
#   pg_createdb NAME  a further database; echoes its URL
#   pg_test_tmp    makes $tmp, a scratch directory the server (run as
#                  postgres) can enter, removed with the cluster at exit
#   pg_start_or_skip  pg_start in $tmp, or ends the test: SKIP (exit 0)
#                  without PostgreSQL, FAIL with ZJ_REQUIRE_POSTGRES=1

pg_bin=
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && pg_bin=$d
done

pg_as() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_start() {
  [ -n "$pg_bin" ] || return 2
  PG_DIR=$1/pg
  mkdir -p "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # Databases whose default collation is not bytewise (ICU's zh-Hans
  # orders by pinyin): the store's order must not depend on it.
  pg_as "$pg_bin/initdb" -D "$PG_DIR/data" -U zj -A trust -E UTF8 --locale=C.UTF-8 \
    --locale-provider=icu --icu-locale=zh-Hans > "$PG_DIR/initdb.log" 2>&1 ||
    pg_as "$pg_bin/initdb" -D "$PG_DIR/data" -U zj -A trust -E UTF8 --locale=C.UTF-8 \
      > "$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log"; return 1; }
  pg_as "$pg_bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories='$PG_DIR' -c fsync=off -c max_connections=40" \
    start > /dev/null || { cat "$PG_DIR/server.log"; return 1; }
  "$pg_bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U zj zj || return 1
  PG_URL="postgresql://zj@127.0.0.1:$PG_PORT/zj"
  export PG_URL PG_PORT PG_DIR
}

pg_createdb() {
  "$pg_bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U zj "$1" || return 1
  echo "postgresql://zj@127.0.0.1:$PG_PORT/$1"
}

pg_psql() {
  "$pg_bin/psql" -X -q -A -t -h 127.0.0.1 -p "$PG_PORT" -U zj "$@"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] &&
    pg_as "$pg_bin/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop > /dev/null 2>&1
  return 0
}

pg_test_tmp() {
  tmp=$(mktemp -d)
  [ "$(id -u)" = 0 ] && chmod 755 "$tmp"
  trap 'pg_stop; rm -rf "$tmp"' EXIT
}

pg_start_or_skip() {
  if [ -z "$pg_bin" ] || ! command -v psql > /dev/null; then
    if [ "${ZJ_REQUIRE_POSTGRES:-0}" = 1 ]; then
      echo "FAIL: PostgreSQL is not installed"
      exit 1
    fi
    echo "SKIP: PostgreSQL (initdb, psql) not installed"
    exit 0
  fi
  pg_start "$tmp" || { echo "FAIL: cannot start PostgreSQL"; exit 1; }
}
