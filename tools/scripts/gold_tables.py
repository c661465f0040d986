#!/usr/bin/env python3
"""Rewrites the gold-set tables of README.md and rules/README.md from measured
figures, so the published tables are the measurements and nothing typed by
hand:

  - tests/scripts/data/golden/gold-eval.txt (what `zhijian eval` gives; write
    it with ZJ_UPDATE_GOLDEN=1 bash tests/scripts/gold_eval.sh ...);
  - the held-out figures of the rules of words alone (the bundled standard
    with both model rules disabled), measured here with ZHIJIAN;
  - optionally the cross-validated development figures, the table that
    tools/scripts/model_cv.sh prints (--cv FILE); without it those columns
    keep their published values.

Only the rows `| <variant> | ...` of the three tables change; the prose
around them quotes figures too and is for the author to reread.

  tools/scripts/gold_tables.py [--cv cv.txt] [ZHIJIAN]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

SRC = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
VARIANTS = ["original", "traditional", "unpunctuated", "spaced", "homophone", "filler"]
LINE = re.compile(
    r"^(dev|heldout) (\w+): (forbidden|verdict|fatal|quoted) +(.*)$")
RATIO = re.compile(r"([0-9.]+) \((\d+)/(\d+)")


def golden(path):
    """{(set, variant): {p, p_n, r, r_n, v, v_n, quoted}} from gold-eval.txt."""
    figures = {}
    for line in open(path, encoding="utf-8"):
        m = LINE.match(line.rstrip("\n"))
        if not m:
            sys.exit(f"{path}: unexpected line: {line.strip()}")
        part, variant, kind, rest = m.groups()
        f = figures.setdefault((part, variant), {})
        if kind == "forbidden":
            (p, pa, pb), (r, ra, rb) = RATIO.findall(rest)
            f.update(p=p, p_n=f"{pa}/{pb}", r=r, r_n=f"{ra}/{rb}")
        elif kind == "fatal":
            m2 = re.match(r"(\d+)/(\d+) calls .* failed outright; (\d+) failed without", rest)
            f["fatal"] = f"{m2.group(1)}/{m2.group(2)}"
            f["fatal_extra"] = m2.group(3)
        elif kind == "verdict":
            v, va, vb = RATIO.findall(rest)[0]
            f.update(v=v, v_n=f"{va}/{vb}")
        else:
            q = re.match(r"(\d+) labelled quotations: (\d+) reported as quoted", rest)
            f["quoted"] = f"{q.group(2)}/{q.group(1)}"
    missing = [k for k in ((s, v) for s in ("dev", "heldout") for v in VARIANTS) if k not in figures]
    if missing:
        sys.exit(f"{path}: no figures for {missing}")
    return figures


def rules_alone(zhijian):
    """Held-out precision, recall and verdict of the rules without the model."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "rules-alone.yaml")
        with open(rules, "w", encoding="utf-8") as f:
            f.write(f"extends: {os.path.join(SRC, 'rules', 'property-service.yaml')}\n"
                    "ruleset: rules-alone\nversion: \"1\"\ndisable: [taboo.inferred, taboo.inferred-fatal]\n")
        for v in VARIANTS:
            d = os.path.join(SRC, "corpus", "gold", "heldout")
            res = subprocess.run(
                [zhijian, "eval", "--rules", rules, "--format", "json", "--labels",
                 os.path.join(d, "labels", f"{v}.jsonl"), os.path.join(d, "calls", f"{v}.jsonl")],
                capture_output=True, text=True)
            if res.returncode != 0:
                sys.exit(f"zhijian eval (rules alone, {v}): exit {res.returncode}: {res.stderr[:400]}")
            j = json.loads(res.stdout)
            out[v] = (f"{j['forbidden']['precision']:.3f}", f"{j['forbidden']['recall']:.3f}",
                      f"{j['verdict']['agreement']:.3f}")
    return out


def cross_validated(path):
    """{variant: (precision, recall, verdict)} from model_cv.sh's table."""
    out = {}
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] in VARIANTS:
            out[cells[0]] = tuple(c.split(" ")[0] for c in cells[1:4])
    if set(out) != set(VARIANTS):
        sys.exit(f"{path}: no cross-validated row for {sorted(set(VARIANTS) - set(out))}")
    return out


def rewrite(path, header, row_of):
    """Replaces the variant rows of the table whose header line starts with
    header; row_of(variant, old_cells) gives the new cells."""
    lines = open(path, encoding="utf-8").read().split("\n")
    try:
        at = next(i for i, l in enumerate(lines) if l.startswith(header))
    except StopIteration:
        sys.exit(f"{path}: no table headed {header!r}")
    i = at + 2
    seen = set()
    while i < len(lines) and lines[i].startswith("| "):
        cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
        if cells[0] in VARIANTS:
            lines[i] = "| " + " | ".join([cells[0]] + row_of(cells[0], cells[1:])) + " |"
            seen.add(cells[0])
        i += 1
    if seen != set(VARIANTS):
        sys.exit(f"{path}: the table headed {header!r} lacks rows for {sorted(set(VARIANTS) - seen)}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cv", help="model_cv.sh's output (its table of cross-validated figures)")
    ap.add_argument("zhijian", nargs="?", default=os.path.join(SRC, "build", "zhijian"))
    a = ap.parse_args()
    g = golden(os.path.join(SRC, "tests", "scripts", "data", "golden", "gold-eval.txt"))
    alone = rules_alone(a.zhijian)
    cv = cross_validated(a.cv) if a.cv else None

    def held(v):
        return g[("heldout", v)]

    def dev(v):
        return g[("dev", v)]

    def readme_row(v, old):
        h, d = held(v), dev(v)
        c = list(cv[v]) if cv else old[6:9]
        return [h["p"], h["r"], h["v"], d["p"], d["r"], d["v"]] + c

    def heldout_row(v, old):
        h = held(v)
        return [f"{h['p']} ({h['p_n']})", f"{h['r']} ({h['r_n']})", f"{h['v']} ({h['v_n']})",
                f"{h['fatal']} ({h['fatal_extra']})", h["quoted"]] + list(alone[v])

    def dev_row(v, old):
        d = dev(v)
        c = list(cv[v]) if cv else old[5:8]
        return [f"{d['p']} ({d['p_n']})", f"{d['r']} ({d['r_n']})", f"{d['v']} ({d['v_n']})",
                f"{d['fatal']} ({d['fatal_extra']})", d["quoted"]] + c

    rewrite(os.path.join(SRC, "README.md"), "| variant | held-out precision |", readme_row)
    rules_md = os.path.join(SRC, "rules", "README.md")
    fatal = " 一票否决: labelled calls failed (failed without a label) |"
    rewrite(rules_md, "| variant | forbidden precision | forbidden recall | verdict agreement |"
            + fatal + " quotations reported as quoted | rules alone:", heldout_row)
    rewrite(rules_md, "| variant | forbidden precision | forbidden recall | verdict agreement |"
            + fatal + " quotations reported as quoted | cross-validated:", dev_row)


if __name__ == "__main__":
    main()
