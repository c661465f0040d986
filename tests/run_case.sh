#!/usr/bin/env bash
# Runs one data-driven case: tests/cases/NNNN-name/
#   cmd              arguments to zhijian, one per line (default below); the
#                    words @CASE@ and @TMP@ expand to the case dir and a scratch dir
#   expected.jsonl   expected stdout, compared exactly (or expected.txt); the
#                    source tree's absolute path in it is written @SRC@
#   expected_pcre2.txt  the stdout of a build without Hyperscan, where it
#                    differs (rules check names the regexes Hyperscan refuses)
#   expected_exit    expected exit code (default 0)
#   expected_stderr  expected stderr, compared exactly (optional)
#   requires         features the case needs, one a line (opencc); without one
#                    of them in this build the case is skipped (exit 77)
# Default cmd: score --no-db --format jsonl --rules rules.yaml calls.jsonl
set -u
zhijian=$1 case_dir=$2 bin_dir=$3
name=$(basename "$case_dir")
tmp="$bin_dir/case-tmp/$name"
rm -rf "$tmp" && mkdir -p "$tmp"
cd "$case_dir" || exit 2
if [ -f requires ] && grep -qx opencc requires && [ "${ZJ_TEST_HAVE_OPENCC:-0}" != 1 ]; then
  echo "skip $name: built without OpenCC (-DZJ_OPENCC=OFF)"; exit 77
fi

args=()
if [ -f cmd ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    [ -z "$line" ] && continue
    line=${line//@CASE@/$case_dir}
    line=${line//@TMP@/$tmp}
    args+=("$line")
  done < cmd
else
  args=(score --no-db --format jsonl --rules rules.yaml calls.jsonl)
fi

"$zhijian" "${args[@]}" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
code=$?
want_code=0
[ -f expected_exit ] && want_code=$(tr -d '[:space:]' < expected_exit)
fail=0
if [ "$code" != "$want_code" ]; then
  echo "FAIL $name: exit code $code, expected $want_code"; fail=1
fi
# Paths of bundled files (extends: property-service) are absolute.
src_root=$(cd "$case_dir/../../.." && pwd)
sed "s|$src_root/|@SRC@/|g" "$tmp/stdout" > "$tmp/stdout.rel"
for kind in jsonl txt; do
  want=expected.$kind
  [ "${ZJ_TEST_HAVE_HYPERSCAN:-0}" != 1 ] && [ -f "expected_pcre2.$kind" ] && want=expected_pcre2.$kind
  if [ -f "$want" ] && ! diff -u "$want" "$tmp/stdout.rel"; then
    echo "FAIL $name: stdout differs from $want"; fail=1
  fi
done
if [ -f expected_stderr ]; then
  sed "s|$case_dir/||g" "$tmp/stderr" > "$tmp/stderr.rel"
  if ! diff -u expected_stderr "$tmp/stderr.rel"; then
    echo "FAIL $name: stderr differs"; fail=1
  fi
fi
if [ $fail -ne 0 ]; then
  echo "--- stderr:"; cat "$tmp/stderr"; exit 1
fi
echo "ok $name"
