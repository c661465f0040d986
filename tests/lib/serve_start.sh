# Sourced by the review app's tests: serve_start starts `zhijian serve` on a
# free loopback port in the current directory (the store $db, z.db when
# unset; users.txt; stderr in serve.log), sets $port and $server (the caller's EXIT trap kills it) and
# waits until it answers, or fails naming its log. Leading NAME=VALUE
# arguments are its environment; the rest are serve options.
#   serve_start ZHIJIAN_TEST_READ_PAUSE=$tmp/pause --secure-cookies
# Needs $zhijian and fail() from the test.
serve_start() {
  local envs=()
  while [ $# -gt 0 ] && [[ $1 == [A-Z_]*=* ]]; do envs+=("$1"); shift; done
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  env "${envs[@]}" "$zhijian" serve --db "${db:-z.db}" --users users.txt --bind "127.0.0.1:$port" "$@" 2> serve.log &
  server=$!
  for _ in $(seq 1 300); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/login', timeout=1)" 2> /dev/null && break
    sleep 0.1
  done
  grep -q "serving http://127.0.0.1:$port/" serve.log || fail "server $* did not start: $(cat serve.log)"
}
