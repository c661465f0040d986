#!/usr/bin/env bash
# long_turn.sh — matching time of one long unpunctuated agent turn with the
# PCRE2 backend, for binaries side by side (docs/performance.md, "rescan").
#
#   tools/scripts/long_turn.sh [-e EVERY] [-b BACKEND] ZHIJIAN...
#
# Two turns of 16,000, 32,000 and 64,000 characters: `好` repeated (no hit by
# sound), and the same with 我也部清楚 (by sound 我也不清楚, taboo.shirk's
# regex with the lookahead (?!的)) once every EVERY characters (default 4000):
# hits by sound that each need the check with their context as written. Each
# binary scores each turn with --backend pcre2 (or BACKEND) --jobs 1
# --profile; the line gives the profile's match seconds (the scan; the
# checks of hits by sound come after it) and the wall seconds.
set -u
every=4000 backend=pcre2
while [ $# -ge 2 ]; do
  case $1 in
    -e) every=$2; shift 2 ;;
    -b) backend=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: $0 [-e EVERY] [-b BACKEND] ZHIJIAN..." >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gen() { # gen N EVERY (0: no hit)
  python3 - "$1" "$2" <<'EOF'
import json, sys
n, every = int(sys.argv[1]), int(sys.argv[2])
hit = "我也部清楚"
unit = "好" * (every - len(hit)) + hit if every else "好" * n
text = (unit * (n // len(unit) + 1))[:n]
print(json.dumps({"call_id": "L%d" % n, "turns": [{"speaker": "agent", "text": text},
                  {"speaker": "customer", "text": "嗯"}]}, ensure_ascii=False))
EOF
}
printf '%-7s %-9s %-40s %8s %8s %6s\n' chars hits binary match_s wall_s fuzzy
for n in 16000 32000 64000; do
  for e in 0 "$every"; do
    gen "$n" "$e" > "$tmp/turn.jsonl"
    hits=$([ "$e" = 0 ] && echo 0 || echo $((n / e)))
    for z in "$@"; do
      start=$(date +%s.%N)
      "$z" score --no-db --jobs 1 --backend "$backend" --profile --format jsonl --max-findings 1000000 \
        "$tmp/turn.jsonl" > "$tmp/out.jsonl" 2> "$tmp/err"
      end=$(date +%s.%N)
      match=$(sed -n 's/.*match \([0-9.]*\),.*/\1/p' "$tmp/err")
      fuzzy=$(grep -o '"fuzzy":true' "$tmp/out.jsonl" | wc -l)
      printf '%-7s %-9s %-40s %8s %8.2f %6s\n' "$n" "$hits" "$z" "$match" \
        "$(echo "$end - $start" | bc)" "$fuzzy"
    done
  done
done
