#!/usr/bin/env bash
# The audit report and the scorecards print to A4 through headless Chromium:
# every page's MediaBox is A4 (595 x 842 pt, Chromium writes 594.96 x 841.92)
# and the page count is within the range the corpus report is expected to
# fill; the DOM Chromium builds from each page holds every chart (score
# histogram, agent or team means, weekly trend) as an <svg> with its bars
# and lines. Skipped (exit 0, "SKIP") only when no chromium is installed,
# which tools/deps.sh installs (CI always runs it).
set -u
zhijian=$1 src=$2
chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$chromium" ]; then
  echo "SKIP: report_pdf: no chromium on PATH"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
db=$tmp/z.db
"$zhijian" score --db "$db" "$src/corpus/calls" > /dev/null 2>&1 || fail "score"

# to_pdf NAME MIN MAX: prints $tmp/NAME.html to PDF and checks size and pages.
to_pdf() {
  local name=$1 min=$2 max=$3
  HOME=$tmp timeout 180 "$chromium" --headless --no-sandbox --disable-gpu \
    --user-data-dir="$tmp/profile" --print-to-pdf="$tmp/$name.pdf" \
    "file://$tmp/$name.html" > "$tmp/chromium.log" 2>&1 ||
    fail "$name: chromium failed: $(tail -3 "$tmp/chromium.log")"
  [ -s "$tmp/$name.pdf" ] || fail "$name: no PDF written"
  local pages boxes
  pages=$(grep -aoE '/Type ?/Page([^s]|$)' "$tmp/$name.pdf" | wc -l)
  boxes=$(grep -aoE '/MediaBox ?\[[^]]*\]' "$tmp/$name.pdf" | sort -u)
  [ "$pages" -ge "$min" ] && [ "$pages" -le "$max" ] ||
    fail "$name: $pages pages, expected $min..$max"
  [ "$(printf '%s\n' "$boxes" | wc -l)" -eq 1 ] || fail "$name: pages of several sizes: $boxes"
  # A4 is 595.28 x 841.89 pt; Chromium rounds to 594.96 x 841.92.
  printf '%s\n' "$boxes" | grep -qE '^/MediaBox ?\[0 0 59[45](\.[0-9]+)? 84[12](\.[0-9]+)?\]$' ||
    fail "$name: MediaBox is not A4: $boxes"
  echo "$name: $pages pages, $boxes"
}

# charts NAME ID...: Chromium's DOM of $tmp/NAME.html has each chart as an
# <svg data-chart=ID> holding drawn shapes (rect bars or polyline lines).
charts() {
  local name=$1; shift
  HOME=$tmp timeout 180 "$chromium" --headless --no-sandbox --disable-gpu \
    --user-data-dir="$tmp/profile" --dump-dom "file://$tmp/$name.html" > "$tmp/$name.dom" 2> /dev/null ||
    fail "$name: chromium could not load the page"
  local id
  for id in "$@"; do
    python3 - "$tmp/$name.dom" "$id" << 'PY' || fail "$name: chart $id missing or empty"
import sys, xml.dom.minidom, re
dom, chart = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
m = re.search(r'<svg[^>]*data-chart="%s".*?</svg>' % re.escape(chart), dom, re.S)
if not m:
    sys.exit(f"no svg with data-chart={chart}")
svg = xml.dom.minidom.parseString(m.group(0))  # well-formed SVG
shapes = len(svg.getElementsByTagName("rect")) + len(svg.getElementsByTagName("polyline"))
if shapes == 0:
    sys.exit(f"{chart}: no bars or lines")
print(f"{chart}: {shapes} shapes")
PY
  done
}

"$zhijian" report --db "$db" --format html -o "$tmp/report.html" 2> /dev/null || fail "report"
to_pdf report 10 30
charts report score-histogram agent-scores weekly-trend
"$zhijian" scorecard --db "$db" --format html -o "$tmp/scorecard.html" 2> /dev/null ||
  fail "scorecard"
to_pdf scorecard 1 30
charts scorecard agent-scores score-histogram weekly-trend
"$zhijian" scorecard --db "$db" --by team --format html -o "$tmp/teams.html" 2> /dev/null ||
  fail "team scorecard"
to_pdf teams 1 30
charts teams team-scores score-histogram weekly-trend
echo "OK"
