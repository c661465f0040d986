#!/usr/bin/env bash
# Renders the audit report and the team scorecard of the bundled corpus as HTML
# and takes screenshots with headless Chromium (Debian package `chromium`), to
# confirm they open without errors and render. Not part of CI.
# usage: tools/scripts/report_screenshot.sh [OUTDIR]   (default out/)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/out}
command -v chromium >/dev/null || { echo "needs chromium: apt-get install -y chromium fonts-noto-cjk" >&2; exit 2; }
"$root/tools/build.sh" "$root/build" >/dev/null
zj=$root/build/zhijian
mkdir -p "$out"
db=$out/screenshot.db
rm -f "$db"*
"$zj" score --db "$db" "$root/corpus/calls" >/dev/null 2>&1 || true
"$zj" report --db "$db" --format html -o "$out/report.html"
"$zj" scorecard --db "$db" --by team --format html -o "$out/scorecard.html"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
for page in report scorecard; do
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --window-size=1200,1800 --screenshot="$out/$page.png" "file://$out/$page.html" \
    2>"$out/$page.chromium.log" >/dev/null
  [ -s "$out/$page.png" ] || { echo "FAIL: no screenshot of $page"; exit 1; }
  if grep -iE "Uncaught|SyntaxError|ERROR:.*(html|css)" "$out/$page.chromium.log"; then
    echo "FAIL: chromium reported errors for $page"; exit 1
  fi
  echo "ok: $out/$page.png"
done
