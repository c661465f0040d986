#!/usr/bin/env bash
# A merged rule set (extends, or a directory) is stored and hashed as all its
# files, each under a "# zhijian rule set file: NAME" line; a single file is
# stored and hashed as its bytes. So a stored result names the exact rules
# it was scored with, and editing a base (or any file of a directory) gives a
# new rule set row, not a result that silently mixes two versions.
set -u
zhijian=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cases=$src/tests/cases
cp "$cases/0080-extends-local/base.yaml" "$cases/0080-extends-local/rules.yaml" \
   "$cases/0080-extends-local/calls.jsonl" "$tmp/"
cp -r "$cases/0083-rules-dir/centre" "$tmp/centre"
cd "$tmp" || exit 1

merged() { # the text a merged rule set stores: NAME FILE pairs
  while [ $# -gt 0 ]; do printf '# zhijian rule set file: %s\n' "$1"; cat "$2"; shift 2; done
}
check_hash() { "$zhijian" rules check "$1" | sed -n 's/^merged rule set .*, sha256 //p'; }

# One file: the hash of its bytes, as always.
"$zhijian" score --db z.db --rules base.yaml calls.jsonl > /dev/null 2>&1 || fail "score base"
want=$(sha256sum < base.yaml | cut -c1-64)
got=$(sqlite3 z.db "SELECT sha256 FROM rulesets WHERE name = 'base-standard'")
[ "$got" = "$want" ] || fail "single file: stored $got, expected $want"

# Extends: rules check, the store and an independent hash agree.
want=$(merged base.yaml base.yaml rules.yaml rules.yaml | sha256sum | cut -c1-64)
[ "$(check_hash rules.yaml)" = "$want" ] || fail "rules check hash $(check_hash rules.yaml), expected $want"
"$zhijian" score --db z.db --rules rules.yaml calls.jsonl > /dev/null 2>&1 || fail "score centre"
[ "$(sqlite3 z.db "SELECT sha256 FROM rulesets WHERE name = 'centre'")" = "$want" ] ||
  fail "stored hash of the merged set"
sqlite3 z.db "SELECT yaml FROM rulesets WHERE name = 'centre'" > stored.txt
{ merged base.yaml base.yaml rules.yaml rules.yaml; echo; } > expected.txt # sqlite3 ends the value with a newline
diff expected.txt stored.txt > /dev/null || fail "stored text is not the merged files"

# Editing only the base changes the extending set's hash and gives a new row.
sed -i 's/points: 20/points: 25/' base.yaml
want2=$(merged base.yaml base.yaml rules.yaml rules.yaml | sha256sum | cut -c1-64)
[ "$want2" != "$want" ] || fail "edit did not change the text"
[ "$(check_hash rules.yaml)" = "$want2" ] || fail "hash after editing the base"
"$zhijian" score --db z.db --rules rules.yaml calls.jsonl > /dev/null 2>&1
[ $? -le 1 ] || fail "score after editing the base"
[ "$(sqlite3 z.db "SELECT count(*) FROM rulesets WHERE name = 'centre'")" = 2 ] ||
  fail "the edited base did not give a second rule set row"

# A directory: every file counts, later ones included.
want=$(merged 10-standard.yaml centre/10-standard.yaml 20-complaints.yml centre/20-complaints.yml |
  sha256sum | cut -c1-64)
[ "$(check_hash centre)" = "$want" ] || fail "directory hash"
sed -i 's/投诉\]/投诉, 举报]/' centre/20-complaints.yml
[ "$(check_hash centre)" != "$want" ] || fail "editing a later file kept the directory's hash"

# The audit report's 不可评估事项 come from the merged rule set: the base's list,
# unless the extending file sets its own (stored after the base, it wins).
cat > na-base.yaml <<'Y'
ruleset: na-base
version: "1"
not_assessable:
  - {clause: 第一条, why: 基础标准的说明}
rules:
  - id: p.hello
    kind: required
    speaker: agent
    any: [您好]
    points: 5
    clause: 第二条
    examples: {match: [您好], no_match: [再见]}
Y
printf 'ruleset: na-centre\nversion: "1"\nextends: na-base.yaml\n' > na-keep.yaml
printf 'ruleset: na-own\nversion: "1"\nextends: na-base.yaml\nnot_assessable:\n  - {clause: 第九条, why: 中心自己的说明}\n' > na-own.yaml
for set in keep own; do
  "$zhijian" score --db na-$set.db --rules na-$set.yaml calls.jsonl > /dev/null 2>&1 || fail "score na-$set"
  "$zhijian" report --db na-$set.db > na-$set.md 2>&1 || fail "report na-$set: $(cat na-$set.md)"
done
grep -qx '| 第一条 | 基础标准的说明 |' na-keep.md || fail "the base's not_assessable list is not reported"
grep -qx '| 第九条 | 中心自己的说明 |' na-own.md || fail "the centre's own not_assessable list is not reported"
grep -q '第一条' na-own.md && fail "the base's list shows though the centre replaced it"
echo ok
