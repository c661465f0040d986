#!/usr/bin/env bash
# The compiled Hyperscan database is cached (keyed by rule-set sha256, Hyperscan
# version and platform); a corrupt or truncated cache file is never trusted: the
# rule set is recompiled, results are unchanged and the file is rewritten.
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export XDG_CACHE_HOME=$tmp/cache
unset ZHIJIAN_CACHE_KEEP # the default count is checked below (tools/test.sh sets one)
calls=$src/corpus/calls
# A small rule set with words matched by sound too (`fuzzy: pinyin`): a
# database for the characters and one for the pinyin, the larger tampered
# with. Every other test compiles the bundled standard; here it would only
# triple the compile time (three cold compiles), most of all under the
# sanitizers.
cat > "$tmp/s.yaml" <<'YAML'
ruleset: cache-check
version: "1"
rules:
  - id: refusal
    kind: forbidden
    any: [不知道, 不清楚, 急什么, {re: '(?:你|您)(?:自己)?去问'}]
    points: 5
  - id: dare
    kind: forbidden
    any: [有本事你去告, 没长眼睛]
    fuzzy: pinyin
    points: 30
  - id: greeting
    kind: required
    any: [您好]
    within: {first_utterances: 1}
    points: 5
YAML
run() { "$zhijian" score --no-db --format jsonl --rules "$tmp/s.yaml" "$@" "$calls"; }
run --backend hyperscan > "$tmp/first" || fail "first run"
n=$(find "$tmp/cache/zhijian" -name '*.hsdb' 2>/dev/null | wc -l)
if [ "$n" -eq 0 ]; then echo "skip: Hyperscan not built in or not usable here"; exit 0; fi
grep -q '"rule":"refusal"' "$tmp/first" || fail "the corpus should have hits of rule refusal"
[ "$n" -eq 2 ] || fail "expected two cache files (characters, pinyin), found $n"
f=$(ls -S "$tmp/cache/zhijian/"*.hsdb | head -n 1)
run --backend hyperscan > "$tmp/warm" || fail "warm run"
cmp -s "$tmp/first" "$tmp/warm" || fail "warm cache changed the results"
# A warm start maps both cache files where they are, no copy read into
# memory (reading, checking and copying two 18 MB databases of the bundled
# standard was most of the fixed cost of every command): while a run waits for
# its input, both files are in its memory map.
if [ -r /proc/self/maps ]; then
  mkfifo "$tmp/in"
  "$zhijian" score --no-db --format jsonl --rules "$tmp/s.yaml" --backend hyperscan - \
    < "$tmp/in" > "$tmp/fifo" 2> "$tmp/fifo.err" &
  pid=$!
  exec 9> "$tmp/in"
  mapped=0
  for _ in $(seq 600); do # under the sanitizers a start takes seconds
    mapped=$(grep -o '[^/]*\.hsdb$' "/proc/$pid/maps" 2> /dev/null | sort -u | wc -l)
    [ "$mapped" -ge 2 ] && break
    sleep 0.1
  done
  head -n 1 "$calls/2026-11.jsonl" >&9
  exec 9>&-
  wait "$pid" || fail "run reading a pipe: $(cat "$tmp/fifo.err")"
  [ "$mapped" -eq 2 ] || fail "expected both cache files mapped by a warm run, found $mapped"
  grep -q '"call_id"' "$tmp/fifo" || fail "the run reading a pipe scored nothing"
fi
size=$(stat -c %s "$f")
head -c $((size / 2)) "$f" > "$f.cut" && mv "$f.cut" "$f"            # truncated
run --backend hyperscan > "$tmp/cut" || fail "run after truncation"
cmp -s "$tmp/first" "$tmp/cut" || fail "truncated cache changed the results"
[ "$(stat -c %s "$f")" = "$size" ] || fail "truncated cache file was not rewritten"
printf 'garbage' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null     # corrupted payload
run --backend hyperscan > "$tmp/bad" || fail "run after corruption"
cmp -s "$tmp/first" "$tmp/bad" || fail "corrupt cache changed the results"
printf 'x' | dd of="$f" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null # corrupted database
run --backend hyperscan > "$tmp/bad" 2> "$tmp/bad.err" || fail "run after corrupting the database"
cmp -s "$tmp/first" "$tmp/bad" || fail "a corrupt database changed the results"
grep -qF "$f: ignoring the cached matcher database (checksum mismatch)" "$tmp/bad.err" ||
  fail "no warning naming the corrupt database: $(cat "$tmp/bad.err")"
run --backend pcre2 > "$tmp/pcre" || fail "pcre2 run"
cmp -s "$tmp/first" "$tmp/pcre" || fail "backends differ on the corpus"

# At most 32 databases are kept, least recently used removed first: 33 rule
# sets, with the first one used again before the last is compiled.
head -n 1 "$calls/2026-11.jsonl" > "$tmp/one.jsonl"
rm -rf "$tmp/cache"
newest() { ls -t "$tmp/cache/zhijian/"*.hsdb | head -n 1; }
# rule set NAME, with one word of its own, in $tmp/rNAME.yaml
mk() { printf 'ruleset: c%s\nversion: "1"\nrules:\n  - id: r\n    kind: forbidden\n    any: [词%s]\n' \
  "$1" "$1" > "$tmp/r$1.yaml"; }
for i in $(seq 33); do
  mk "$i"
  [ "$i" = 33 ] && { "$zhijian" score --no-db --format jsonl --rules "$tmp/r1.yaml" "$tmp/one.jsonl" \
    > /dev/null || fail "reuse of rule set 1"; sleep 0.05; }
  "$zhijian" score --no-db --format jsonl --rules "$tmp/r$i.yaml" "$tmp/one.jsonl" > /dev/null ||
    fail "rule set $i"
  eval "file$i=\$(newest)"
  sleep 0.05 # distinct modification times
done
n=$(find "$tmp/cache/zhijian" -name '*.hsdb' | wc -l)
[ "$n" = 32 ] || fail "expected 32 cached databases after 33 rule sets, found $n"
[ -e "$file1" ] || fail "the database used most recently but one was pruned"
[ -e "$file33" ] || fail "the newest database was pruned"
[ ! -e "$file2" ] || fail "the least recently used database was kept"
# ZHIJIAN_CACHE_KEEP sets another count; a value that is not a whole number
# from 1 to 1000000 is not used.
mk 34
ZHIJIAN_CACHE_KEEP=3 "$zhijian" score --no-db --format jsonl --rules "$tmp/r34.yaml" "$tmp/one.jsonl" \
  > /dev/null || fail "rule set 34"
n=$(find "$tmp/cache/zhijian" -name '*.hsdb' | wc -l)
[ "$n" = 3 ] || fail "ZHIJIAN_CACHE_KEEP=3: expected 3 cached databases, found $n"
[ -e "$file33" ] || fail "ZHIJIAN_CACHE_KEEP=3: a recent database was pruned"
for bad in 0 abc 12x -5 99999999999999999999; do
  mk "b$bad"
  ZHIJIAN_CACHE_KEEP=$bad "$zhijian" score --no-db --format jsonl --rules "$tmp/rb$bad.yaml" "$tmp/one.jsonl" \
    > /dev/null || fail "ZHIJIAN_CACHE_KEEP=$bad"
done
n=$(find "$tmp/cache/zhijian" -name '*.hsdb' | wc -l)
[ "$n" = 8 ] || fail "ZHIJIAN_CACHE_KEEP values not used: expected 8 cached databases (the default of 32), found $n"
# A rule set with regexes Hyperscan refuses (\K, (?|): those are left to
# PCRE2, the rest cached under the key of what was compiled; the warm run
# finds that one database (no second file) and all three runs agree with
# PCRE2. `rules check` names each refused regex and why.
rm -rf "$tmp/cache"
printf 'ruleset: k\nversion: "1"\nrules:\n  - id: k\n    kind: forbidden\n    regex: ['"'"'不\\K知道'"'"', '"'"'急什么'"'"', '"'"'(?|喂|哈)道'"'"']\n    points: 5\n  - id: w\n    kind: forbidden\n    any: [喂]\n    points: 5\n' > "$tmp/k.yaml"
"$zhijian" rules check "$tmp/k.yaml" > "$tmp/k.check" 2>&1 || fail "refused regex: rules check exit $?"
for want in "$tmp/k.yaml:6:13: warning: Hyperscan cannot take regex '不\\K知道' of rule 'k' (\\K at index 3 not supported): PCRE2 runs it on every turn, which slows every scan; rewrite it without the construct" \
    "$tmp/k.yaml:6:29: warning: Hyperscan cannot take regex '(?|喂|哈)道' of rule 'k' (Unrecognised character after (? at index 0): PCRE2 runs it on every turn, which slows every scan; rewrite it without the construct" \
    "$tmp/k.yaml: ok: 2 rules, 6 warnings"; do
  grep -qxF "$want" "$tmp/k.check" || fail "refused regex: rules check lacks: $want"
done
"$zhijian" score --no-db --format jsonl --backend pcre2 --rules "$tmp/k.yaml" "$calls" > "$tmp/k.pcre" || fail "refused regex: pcre2 run"
grep -q '"rule":"k"' "$tmp/k.pcre" || fail "refused regex: the corpus should have hits of rule k"
for run in cold warm; do
  "$zhijian" score --no-db --format jsonl --backend hyperscan --rules "$tmp/k.yaml" "$calls" > "$tmp/k.$run" ||
    fail "refused regex: $run run"
  cmp -s "$tmp/k.pcre" "$tmp/k.$run" || fail "refused regex: $run run differs from PCRE2"
  n=$(find "$tmp/cache/zhijian" -name '*.hsdb' | wc -l)
  [ "$n" -eq 1 ] || fail "refused regex: $run run left $n cache files, expected 1"
done

echo "ok: cache hit, truncated and corrupt cache files recompiled, results identical, 32 kept (LRU) or ZHIJIAN_CACHE_KEEP, refused regexes left to PCRE2"
