#!/usr/bin/env bash
# Findings whose spans overlap are marked as one run covering all their words:
# `show` used to mark only the widest finding starting first and skip those
# starting inside it, so a taboo reaching past a 0-point tag lost its last
# words (不了), and a met phrase starting inside the greeting was not marked
# at all. In colour each character takes the heaviest colour covering it, so
# the taboo is drawn red over the green tag. Findings that do not overlap
# keep their own marks.
set -u
zhijian=$1 src=$2 bin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
db=$tmp/ov.db
cat > "$tmp/calls.jsonl" <<'JSON'
{"call_id":"OV-1","turns":[{"speaker":"agent","text":"您好，请问是江女士吗？我是金地物业客服中心的，我姓黄，对不起打扰了。"},{"speaker":"customer","text":"楼下川菜馆的油烟天天往我家灌。"},{"speaker":"agent","text":"油烟这个归环保管，我们物业管不了。"}]}
JSON
"$zhijian" score --db "$db" --rules "$src/rules/property-service.yaml" "$tmp/calls.jsonl" >/dev/null 2>&1 || fail "score"
# The findings overlap as the test means: greeting [0,2) and company [1,21)
# in turn 0; the 0-point tag [4,14) and the -10 taboo [9,16) in turn 2.
rows=$(sqlite3 "$db" "SELECT rule_id||' '||points||' '||turn||' '||span_start||' '||span_end FROM findings WHERE turn IN (0, 2) AND span_end > span_start ORDER BY seq")
want="opening.greeting 0 0 0 2
opening.company 0 0 1 21
opening.surname 0 0 23 26
polite.sorry-to-disturb 0 0 27 33
situation.referral 0 2 4 14
taboo.shirk -10 2 9 16"
[ "$rows" = "$want" ] || fail "stored findings: $rows"
"$zhijian" show --db "$db" OV-1 > "$tmp/show.txt" || fail "show"
want='  0 坐席   [[您好，请问是江女士吗？我是金地物业客服中心]]的，[[我姓黄]]，[[对不起打扰了]]。
  1 客户   楼下川菜馆的油烟天天往我家灌。
  2 坐席   油烟这个[[归环保管，我们物业管不了]]。'
[ "$(sed -n 4,6p "$tmp/show.txt")" = "$want" ] || { cat "$tmp/show.txt"; fail "overlapping findings marked as one run"; }

# On a terminal: the run is green where only the tag covers it and red where
# the taboo does, one colour switch, no uncoloured gap.
python3 - "$zhijian" show --db "$db" OV-1 > "$tmp/tty.txt" <<'PY' || fail "show on a terminal"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.environ.pop("NO_COLOR", None)
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        d = os.read(fd, 65536)
    except OSError:
        break
    if not d:
        break
    out += d
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out.replace(b"\r\n", b"\n"))
sys.exit(0 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 1)
PY
G=$'\033[32m' R=$'\033[1;31m' O=$'\033[0m' D=$'\033[2m'
want="  0 ${D}坐席  ${O} ${G}您好，请问是江女士吗？我是金地物业客服中心${O}的，${G}我姓黄${O}，${G}对不起打扰了${O}。
  1 ${D}客户  ${O} 楼下川菜馆的油烟天天往我家灌。
  2 ${D}坐席  ${O} 油烟这个${G}归环保管，${O}${R}我们物业管不了${O}。"
got=$(sed -n 4,6p "$tmp/tty.txt")
[ "$got" = "$want" ] || { printf '%s\n' "$got" | cat -v; fail "colour of overlapping findings"; }
echo "ok"
