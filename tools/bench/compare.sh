#!/usr/bin/env bash
# Two builds of zhijian side by side on the same input, in one run: the cost
# of a change in 1-thread throughput. Generates a corpus and a literal rule set
# (as run.sh does), derives from it the rule set with the bundled standard's
# fillers and the one with every rule `fuzzy: pinyin`, then runs in turn, for
# seven rounds (--rounds), best run of each kept:
#   base, new                        the plain rule set (what every rule set pays)
#   new + fillers, new + fuzzy       what those two features cost when used
# and prints wall and CPU seconds, MB/s and each run's ratio to base.
# usage: tools/bench/compare.sh --base DIR --new DIR [--size MB] [--rules N] [--rounds N] [--keep DIR]
#                               [--speech-like]
#   DIR: a build directory holding zhijian and tools/bench (e.g. a build of
#   the previous commit and build/)
#   --speech-like: run on the corpus as speech recognition writes it
#   (tools/bench/speech_like.py: fillers, Traditional characters), which the
#   filler and t2s passes have work on
# e.g.:  git worktree add /tmp/base HEAD~1 && tools/build.sh /tmp/base/build -DZJ_TESTS=OFF
#        tools/bench/compare.sh --base /tmp/base/build --new build --size 100
set -euo pipefail
size=100 rules=50 rounds=7 base="" new="" work="" speech=0
while [ $# -gt 0 ]; do
  case $1 in
    --base) base=$(cd "$2" && pwd); shift 2 ;;
    --new) new=$(cd "$2" && pwd); shift 2 ;;
    --size) size=$2; shift 2 ;;
    --rules) rules=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --keep) work=$2; shift 2 ;;
    --speech-like) speech=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$base" ] && [ -n "$new" ] || { echo "compare.sh: --base and --new are needed" >&2; exit 2; }
[ -n "$work" ] || work=$(mktemp -d)
mkdir -p "$work"
stat=$new/tools/bench/runstat
corpus=$work/corpus-${size}mb.jsonl
[ -s "$corpus" ] || "$new/tools/bench/gen_corpus" --mb "$size" --seed 2026 > "$corpus"
if [ "$speech" = 1 ]; then
  speech_corpus=$work/corpus-${size}mb-speech.jsonl
  [ -s "$speech_corpus" ] ||
    python3 "$(dirname "$0")/speech_like.py" < "$corpus" > "$speech_corpus"
  corpus=$speech_corpus
fi
"$new/tools/bench/gen_rules" --rules "$rules" --style literal > "$work/plain.yaml"
sed 's/^rules:$/fillers: [嗯, 啊, 呃, 那个]\nrules:/' "$work/plain.yaml" > "$work/fillers.yaml"
sed 's/^    kind: forbidden$/    kind: forbidden\n    fuzzy: pinyin/' "$work/plain.yaml" > "$work/fuzzy.yaml"
cat "$corpus" > /dev/null
export XDG_CACHE_HOME=$work/cache
run() { # BIN RULES: one 1-thread run; prints its wall and CPU seconds
  local secs kib code cpu
  read -r secs kib code cpu < <("$stat" "$1/zhijian" score --no-db --format jsonl --jobs 1 \
    --rules "$2" "$corpus" 2>&1 >/dev/null | tail -1)
  [ "$code" = 0 ] || [ "$code" = 1 ] || { echo "compare.sh: $1/zhijian exited $code" >&2; exit 1; }
  echo "$secs $cpu"
}
labels=("base" "new" "new + fillers" "new + fuzzy")
bins=("$base" "$new" "$new" "$new")
sets=(plain plain fillers fuzzy)
# Wall and CPU time (user + system of all threads) are kept separately, each
# the best of the rounds: on a shared machine CPU time is the steadier one.
best=("" "" "" "") best_cpu=("" "" "" "")
for round in $(seq "$rounds"); do
  for i in 0 1 2 3; do
    read -r s c < <(run "${bins[$i]}" "$work/${sets[$i]}.yaml")
    if [ -z "${best[$i]}" ] || awk "BEGIN{exit !($s < ${best[$i]})}"; then best[$i]=$s; fi
    if [ -z "${best_cpu[$i]}" ] || awk "BEGIN{exit !($c < ${best_cpu[$i]})}"; then best_cpu[$i]=$c; fi
  done
  echo "round $round: wall ${best[*]}; cpu ${best_cpu[*]}" >&2
done
bytes=$(stat -c %s "$corpus")
printf '%-16s %8s %8s %8s %8s %8s\n' run wall_s MB/s vs_base cpu_s vs_base
for i in 0 1 2 3; do
  awk -v l="${labels[$i]}" -v s="${best[$i]}" -v b="${best[0]}" -v c="${best_cpu[$i]}" \
    -v cb="${best_cpu[0]}" -v n="$bytes" \
    'BEGIN{printf "%-16s %8.3f %8.1f %8.3f %8.3f %8.3f\n", l, s, n / s / 1e6, s / b, c, c / cb}'
done
