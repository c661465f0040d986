#!/usr/bin/env bash
# The newcomer's first run: installs the dependencies, builds zhijian, scores the
# bundled corpus with the bundled standard into out/zhijian.db, prints the agent
# scorecard and writes the audit report to out/report.html and out/report.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/tools/deps.sh"
echo "== building"
"$root/tools/build.sh" "$root/build" >/dev/null
zj="$root/build/zhijian"
mkdir -p "$root/out"
rm -f "$root/out/zhijian.db" "$root/out/zhijian.db-wal" "$root/out/zhijian.db-shm"
echo "== scoring corpus/calls/ with rules/property-service.yaml"
"$zj" score --db "$root/out/zhijian.db" corpus/calls/
echo
echo "== scorecard (zhijian scorecard --db out/zhijian.db)"
"$zj" scorecard --db "$root/out/zhijian.db"
"$zj" report --db "$root/out/zhijian.db" --format html -o "$root/out/report.html"
"$zj" report --db "$root/out/zhijian.db" --format md -o "$root/out/report.md"
echo
echo "Audit report: out/report.html (open in a browser) and out/report.md."
echo "Look at one call: build/zhijian show --db out/zhijian.db PS-017"
