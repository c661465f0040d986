#!/usr/bin/env python3
"""What a change to the rules does on labelled calls.

`zhijian eval --format json` measures one rule set against gold labels. A rule
author changing a pattern wants the difference, not two reports to read side
by side: which labels the change finds that were missed, which it loses, and
every hit it adds that no label backs (a false alarm) — with the words, so
each can be read. This tool compares two eval reports of the same labels and
calls, BEFORE and AFTER the change:

    zhijian eval --format json --labels corpus/gold/labels/original.jsonl \\
        corpus/gold/calls/original.jsonl > before.json
    zhijian eval --format json --rules my-candidates.yaml \\
        --labels corpus/gold/labels/original.jsonl \\
        corpus/gold/calls/original.jsonl > after.json
    tools/eval_diff.py before.json after.json

It prints the headline figures before and after; the labels newly found and
the labels lost (call, turn, span, words, the label's rule); the false alarms
added and gone (the engine's rule); the labels now found by another rule; and
every rule whose hits or matched labels changed. --format json gives the same
as one object. --check exits 1 when a label is lost or a false alarm added,
for a pipeline that must not let a rule change cost anything on the gold set.

A disagreement is the same in both reports when its kind, call, turn, span and
rules are. Reports of different labels or calls are an error (exit 2), as is a
file that is not an eval report. Standard library only.
"""
import argparse
import json
import signal
import sys

from terminal_text import fmt, terminal_safe


class ReportError(Exception):
    pass


REQUIRED = ("calls", "forbidden", "verdict", "fatal", "rules", "disagreements")


def read_report(path):
    try:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
    except json.JSONDecodeError as e:
        raise ReportError(f"{path}:{e.lineno}: not JSON ({e.msg})") from None
    except UnicodeDecodeError:
        raise ReportError(f"{path}: not UTF-8") from None
    missing = [k for k in REQUIRED if not isinstance(report, dict) or k not in report]
    if missing:
        raise ReportError(f"{path}: not a `zhijian eval --format json` report (no {', '.join(missing)})")
    return report


def key(d):
    return (d["kind"], d["call_id"], d["turn"], tuple(d["span"]), d.get("engine_rule"), d.get("label_rule"))


def changed(before, after, kind):
    b = {key(d): d for d in before["disagreements"] if d["kind"] == kind}
    a = {key(d): d for d in after["disagreements"] if d["kind"] == kind}
    return [a[k] for k in a if k not in b], [b[k] for k in b if k not in a]


def headline(report):
    f, v, fatal = report["forbidden"], report["verdict"], report["fatal"]
    return {
        "precision": f["precision"], "hits_matched": f["hits_matched"], "hits": f["hits"],
        "recall": f["recall"], "labels_matched": f["labels_matched"], "labels": f["labels"],
        "verdict": v["agreement"], "verdict_agree": v["agree"], "calls": v["calls"],
        "fatal_failed": fatal["failed"], "fatal_labelled": fatal["labelled_calls"],
        "fatal_failed_without_label": fatal["failed_without_label"],
    }


def rule_changes(before, after):
    b = {r["rule"]: r for r in before["rules"]}
    a = {r["rule"]: r for r in after["rules"]}
    zero = {"hits": 0, "hits_matched": 0, "labels": 0, "labels_matched": 0}
    out = []
    for rule in sorted(set(a) | set(b)):
        rb, ra = b.get(rule, zero), a.get(rule, zero)
        if (rb["hits"], rb["hits_matched"], rb["labels_matched"]) != (ra["hits"], ra["hits_matched"], ra["labels_matched"]):
            out.append({"rule": rule,
                        "before": {k: rb[k] for k in zero}, "after": {k: ra[k] for k in zero}})
    return out


def compare(before, after):
    # Same labels, same calls, or the differences mean nothing.
    for what, get in (("calls", lambda r: r["calls"]), ("labels", lambda r: r["forbidden"]["labels"]),
                      ("labelled calls", lambda r: r["fatal"]["labelled_calls"])):
        if get(before) != get(after):
            raise ReportError(f"the reports are of different {what} ({get(before)} and {get(after)}): "
                              "run both evals on the same labels and calls")
    found, lost = changed(after, before, "missed")  # a miss gone is a label found
    fp_added, fp_gone = changed(before, after, "false positive")
    rd_added, rd_gone = changed(before, after, "rule differs")
    return {
        "before": headline(before), "after": headline(after),
        "ruleset": {"before": before.get("ruleset"), "after": after.get("ruleset")},
        "labels_found": found, "labels_lost": lost,
        "false_alarms_added": fp_added, "false_alarms_gone": fp_gone,
        "rule_differs_added": rd_added, "rule_differs_gone": rd_gone,
        "rules": rule_changes(before, after),
    }


def print_text(out, path_b, path_a):
    w = sys.stdout.write
    b, a = out["before"], out["after"]
    w(f"before: {terminal_safe(path_b)} ({terminal_safe(out['ruleset']['before'])})\n")
    w(f"after:  {terminal_safe(path_a)} ({terminal_safe(out['ruleset']['after'])})\n\n")
    rows = (
        ("precision", lambda h: f"{fmt(h['precision'])} ({h['hits_matched']}/{h['hits']})"),
        ("recall", lambda h: f"{fmt(h['recall'])} ({h['labels_matched']}/{h['labels']})"),
        ("verdict", lambda h: f"{fmt(h['verdict'])} ({h['verdict_agree']}/{h['calls']})"),
        ("fatal failed", lambda h: f"{h['fatal_failed']}/{h['fatal_labelled']}, "
                                   f"{h['fatal_failed_without_label']} without a label"),
    )
    width = max(len(cell(b)) for _, cell in rows) + 3
    w(f"{'':14}{'before':{width}}after\n")
    for name, cell in rows:
        w(f"{name:14}{cell(b):{width}}{cell(a)}\n")

    def section(title, items, rule_of):
        w(f"\n{title}: {len(items)}\n")
        for d in items:
            words = terminal_safe(json.dumps(d["text"], ensure_ascii=False))
            w(f"  {terminal_safe(d['call_id'])}\t{d['turn']}\t{d['span'][0]}-{d['span'][1]}\t{words}"
              f"\t{terminal_safe(rule_of(d))}\n")

    section("labels newly found (label's rule)", out["labels_found"], lambda d: d["label_rule"])
    section("labels lost (label's rule)", out["labels_lost"], lambda d: d["label_rule"])
    section("false alarms added (engine's rule)", out["false_alarms_added"], lambda d: d["engine_rule"])
    section("false alarms gone (engine's rule)", out["false_alarms_gone"], lambda d: d["engine_rule"])
    section("found by another rule than the label's, added (engine's rule / label's)",
            out["rule_differs_added"], lambda d: f"{d['engine_rule']} / {d['label_rule']}")
    section("found by another rule than the label's, gone (engine's rule / label's)",
            out["rule_differs_gone"], lambda d: f"{d['engine_rule']} / {d['label_rule']}")
    w(f"\nrules changed: {len(out['rules'])}\n")
    if out["rules"]:
        w("  rule\thits\tmatched hits\tmatched labels (each before -> after)\n")
        for r in out["rules"]:
            rb, ra = r["before"], r["after"]
            w(f"  {terminal_safe(r['rule'])}\t{rb['hits']} -> {ra['hits']}\t{rb['hits_matched']} -> {ra['hits_matched']}"
              f"\t{rb['labels_matched']} -> {ra['labels_matched']}\n")


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="What a change to the rules does on labelled calls: two `zhijian eval --format json` "
                    "reports of the same labels and calls compared.",
        epilog="example: tools/eval_diff.py before.json after.json   "
               "(each from zhijian eval --format json --labels L.jsonl CALLS...)")
    ap.add_argument("before", help="the eval report before the change")
    ap.add_argument("after", help="the eval report after the change")
    ap.add_argument("--format", choices=("text", "json"), default="text",
                    help="text (default) or one JSON object")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when a label is lost or a false alarm added")
    args = ap.parse_args(argv)
    # A reader that stops early (| head) ends the report like any filter's.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        out = compare(read_report(args.before), read_report(args.after))
    except (ReportError, OSError) as e:
        print(f"eval_diff: {e}", file=sys.stderr)
        return 2
    if args.format == "json":
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print_text(out, args.before, args.after)
    sys.stdout.flush()
    return 1 if args.check and (out["labels_lost"] or out["false_alarms_added"]) else 0


if __name__ == "__main__":
    sys.exit(main())
