# Sourced by the renderers' escape tests (html_controls.sh,
# report_md_controls.sh, report_marks.sh): one_rule_store NAME TITLE writes
# rules.yaml, a rule set NAME of its own with one forbidden rule t.gao
# (有本事你去告, 第十四条第11项, 30 points) whose title is the YAML scalar
# TITLE, so that the rows the tests expect are exact, and scores calls.jsonl
# of the current directory into z.db.
# Needs $zhijian and fail() from the test.
one_rule_store() {
  cat > rules.yaml <<YAML
ruleset: $1
version: "1"
rules:
  - id: t.gao
    kind: forbidden
    title: $2
    clause: 第十四条第11项
    any: [有本事你去告]
    points: 30
YAML
  "$zhijian" score --rules rules.yaml --db z.db calls.jsonl > /dev/null 2> err || fail "score: $(cat err)"
}
