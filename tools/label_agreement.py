#!/usr/bin/env python3
"""Agreement between two labellings of the same calls.

The gold set's figures compare the engine with one labeller. How far two
careful inspectors agree on the same calls is the ceiling those figures can
be read against: an engine cannot be expected to agree with one labeller more
closely than a second labeller does. This tool compares two label files of
the same calls (the format of corpus/gold/README.md, "Label lines") the way
`zhijian eval` compares engine findings with labels: a forbidden label of B
matches one of A when both are in the same call and turn and their code-point
spans overlap.

    tools/label_agreement.py corpus/gold/originals/aj.labels.jsonl \\
        corpus/gold/agreement/aj.labels2.jsonl

prints, with A as the reference and B read as if it were an engine:
- precision = B's labels matching one of A's / B's labels, recall = A's
  labels matched by one of B's, and their F1 (the same with A and B swapped);
- the same requiring equal rule ids, and per rule;
- verdict agreement (both find a violation in a call, or neither) and
  Cohen's kappa of the verdicts, which discounts chance agreement;
- quoted spans: how many of each side's quotations the other also marked as
  quoted, and how many it labelled as the agent's own;
- every disagreement: call, turn, quote, rule and which side has it.
--format json gives the same as one object. Both files must list the same
calls; a line that is not valid JSON, a label without turn or span, or a call
in one file only is an error naming file and line (exit 2). Standard library
only.
"""
import argparse
import json
import signal
import sys

from terminal_text import fmt, terminal_safe


class LabelError(Exception):
    pass


def read_labels(path):
    calls = {}
    order = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                raise LabelError(f"{where}: not valid JSON: {e.msg}")
            cid = d.get("call_id")
            if not isinstance(cid, str):
                raise LabelError(f"{where}: no call_id")
            if cid in calls:
                raise LabelError(f"{where}: call {cid} labelled twice")
            entry = {}
            for kind in ("forbidden", "quoted"):
                items = []
                for item in d.get(kind, []):
                    turn, span = item.get("turn"), item.get("span")
                    if (not isinstance(turn, int) or not isinstance(span, list) or len(span) != 2
                            or not all(isinstance(x, int) for x in span) or span[0] >= span[1]):
                        raise LabelError(f"{where}: a {kind} label of {cid} needs a turn and a span [start, end)")
                    items.append({"turn": turn, "span": span, "quote": item.get("quote", ""),
                                  "rule": item.get("rule", "")})
                entry[kind] = items
            calls[cid] = entry
            order.append(cid)
    return calls, order


def overlaps(x, y):
    return x["turn"] == y["turn"] and x["span"][0] < y["span"][1] and y["span"][0] < x["span"][1]


def ratio(n, d):
    return round(n / d, 4) if d else None


def f1(p, r):
    return round(2 * p * r / (p + r), 4) if p and r else None


def compare(a, b, order):
    any_rule = {"a_labels": 0, "b_labels": 0, "a_matched": 0, "b_matched": 0}
    same_rule = {"a_matched": 0, "b_matched": 0}
    rules = {}
    verdict = {"both": 0, "neither": 0, "a_only": 0, "b_only": 0}
    quoted = {"a": 0, "b": 0, "a_quoted_by_b": 0, "b_quoted_by_a": 0,
              "a_forbidden_by_b": 0, "b_forbidden_by_a": 0}
    disagreements = []

    def rule_row(rule):
        return rules.setdefault(rule, {"a_labels": 0, "b_labels": 0, "a_matched": 0, "b_matched": 0})

    for cid in order:
        fa, fb = a[cid]["forbidden"], b[cid]["forbidden"]
        any_rule["a_labels"] += len(fa)
        any_rule["b_labels"] += len(fb)
        for side, mine, other, key in (("A", fa, fb, "a"), ("B", fb, fa, "b")):
            for lab in mine:
                row = rule_row(lab["rule"])
                row[key + "_labels"] += 1
                hit = [o for o in other if overlaps(lab, o)]
                same = any(o["rule"] == lab["rule"] for o in hit)
                if hit:
                    any_rule[key + "_matched"] += 1
                if same:
                    same_rule[key + "_matched"] += 1
                    row[key + "_matched"] += 1
                where = {"call_id": cid, "turn": lab["turn"], "span": lab["span"],
                         "quote": lab["quote"], "rule": lab["rule"]}
                if not hit:
                    disagreements.append(dict(where, only_in=side))
                elif not same and side == "A":  # listed once, from A's side
                    disagreements.append(dict(where, only_in="rule", other_rule=hit[0]["rule"]))
        va, vb = bool(fa), bool(fb)
        verdict["both" if va and vb else "neither" if not va and not vb else "a_only" if va else "b_only"] += 1
        qa, qb = a[cid]["quoted"], b[cid]["quoted"]
        quoted["a"] += len(qa)
        quoted["b"] += len(qb)
        quoted["a_quoted_by_b"] += sum(any(overlaps(q, o) for o in qb) for q in qa)
        quoted["b_quoted_by_a"] += sum(any(overlaps(q, o) for o in qa) for q in qb)
        quoted["a_forbidden_by_b"] += sum(any(overlaps(q, o) for o in fb) for q in qa)
        quoted["b_forbidden_by_a"] += sum(any(overlaps(q, o) for o in fa) for q in qb)

    n = len(order)
    agree = verdict["both"] + verdict["neither"]
    pa = (verdict["both"] + verdict["a_only"]) / n if n else 0
    pb = (verdict["both"] + verdict["b_only"]) / n if n else 0
    chance = pa * pb + (1 - pa) * (1 - pb)
    kappa = round((agree / n - chance) / (1 - chance), 4) if n and chance < 1 else None

    def figures(matched_a, matched_b):
        p = ratio(matched_b, any_rule["b_labels"])
        r = ratio(matched_a, any_rule["a_labels"])
        return {"precision": p, "recall": r, "f1": f1(p, r)}

    out = {
        "calls": n,
        "forbidden": dict(any_rule, **figures(any_rule["a_matched"], any_rule["b_matched"])),
        "forbidden_same_rule": dict(same_rule, **figures(same_rule["a_matched"], same_rule["b_matched"])),
        "rules": {k: dict(v, precision=ratio(v["b_matched"], v["b_labels"]),
                          recall=ratio(v["a_matched"], v["a_labels"]))
                  for k, v in sorted(rules.items())},
        "verdict": dict(verdict, agreement=ratio(agree, n), kappa=kappa),
        "quoted": quoted,
        "disagreements": disagreements,
    }
    return out


def print_text(out, path_a, path_b):
    w = sys.stdout.write
    fb, fs, v, q = out["forbidden"], out["forbidden_same_rule"], out["verdict"], out["quoted"]
    w(f"A (reference): {path_a}\nB: {path_b}\n{out['calls']} calls\n\n")
    w(f"forbidden, any rule:  precision {fmt(fb['precision'])} ({fb['b_matched']}/{fb['b_labels']})"
      f"  recall {fmt(fb['recall'])} ({fb['a_matched']}/{fb['a_labels']})  F1 {fmt(fb['f1'])}\n")
    w(f"forbidden, same rule: precision {fmt(fs['precision'])} ({fs['b_matched']}/{fb['b_labels']})"
      f"  recall {fmt(fs['recall'])} ({fs['a_matched']}/{fb['a_labels']})  F1 {fmt(fs['f1'])}\n")
    w(f"verdict agreement:    {fmt(v['agreement'])} ({v['both'] + v['neither']}/{out['calls']};"
      f" both {v['both']}, neither {v['neither']}, A only {v['a_only']}, B only {v['b_only']})"
      f"  kappa {fmt(v['kappa'])}\n")
    w(f"quoted:               A {q['a']} (B quoted {q['a_quoted_by_b']}, B forbidden {q['a_forbidden_by_b']}),"
      f" B {q['b']} (A quoted {q['b_quoted_by_a']}, A forbidden {q['b_forbidden_by_a']})\n\n")
    w("rule\tA labels\tB labels\trecall\tprecision\n")
    for rule, r in out["rules"].items():
        w(f"{terminal_safe(rule)}\t{r['a_labels']}\t{r['b_labels']}\t{fmt(r['recall'])}\t{fmt(r['precision'])}\n")
    if out["disagreements"]:
        w("\ndisagreements (call, turn, span, quote, rule):\n")
        for d in out["disagreements"]:
            who = {"A": "only A", "B": "only B"}.get(d["only_in"],
                                                     f"both, A says {d['rule']}, B {d.get('other_rule')}")
            quote = terminal_safe(json.dumps(d["quote"], ensure_ascii=False))
            w(f"  {terminal_safe(d['call_id'])}\t{d['turn']}\t{d['span'][0]}-{d['span'][1]}\t{quote}"
              f"\t{terminal_safe(d['rule'])}\t{terminal_safe(who)}\n")


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Agreement between two labellings of the same calls (A is the reference).",
        epilog="example: tools/label_agreement.py corpus/gold/originals/aj.labels.jsonl "
               "corpus/gold/agreement/aj.labels2.jsonl")
    ap.add_argument("a", help="the reference labels (JSON lines, corpus/gold/README.md format)")
    ap.add_argument("b", help="the second labelling of the same calls")
    ap.add_argument("--format", choices=("text", "json"), default="text",
                    help="text (default) or one JSON object")
    args = ap.parse_args(argv)
    # A reader that stops early (| head) ends the report like any filter's.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        a, order = read_labels(args.a)
        b, order_b = read_labels(args.b)
    except (LabelError, OSError) as e:
        print(f"label_agreement: {e}", file=sys.stderr)
        return 2
    only = [c for c in order if c not in b] + [c for c in order_b if c not in a]
    if only:
        print(f"label_agreement: {len(only)} call(s) labelled in one file only, first {only[0]}", file=sys.stderr)
        return 2
    out = compare(a, b, order)
    if args.format == "json":
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print_text(out, args.a, args.b)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
