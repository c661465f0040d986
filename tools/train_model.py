#!/usr/bin/env python3
"""Train the clause classifier of a `model:` rule from labelled clauses.

The clauses come from `zhijian eval --clauses FILE`: every agent clause as the
rule set's model rule sees it (normalized, fillers dropped, synonyms read),
with the rule of the gold label it overlaps. A clause overlapping a forbidden
label is a positive example, any other a negative one; clauses of labelled
quotations, of the opening rules (phone.*: a word that is wrong only as the
first one) and those labelled "?" are left out. The rule authors' examples
add to them (--examples, from `zhijian rules test --clauses`): the clause a
forbidden rule's `match` example is hit inside is a positive, a clause of any
other example in which no rule of words finds anything a negative. The model
is logistic regression over the character 1-, 2- and 3-grams of the clause
with its edges (^ and $) and, with --context, the character bigrams of the
clauses before and after it in the turn, fitted by stochastic gradient descent with a fixed seed
and a step that shrinks each epoch, so the same clauses give the same file
byte for byte. engine/model.c reads the file.

    zhijian eval --labels corpus/gold/labels/original.jsonl \\
        --clauses original.tsv corpus/gold/calls/original.jsonl
    zhijian rules test --clauses examples.tsv rules/property-service.yaml
    tools/train_model.py --out rules/models/forbidden.zjm \\
        --examples examples.tsv original.tsv

--positive RULE (repeatable) trains a model of some rules only: their
labelled clauses are the positives, every other clause (a violation of
another rule too) a negative. The bundled standard's models/fatal.zjm is the
four 一票否决 rules' (tools/scripts/train_bundled_model.sh).

--cv measures before training: for each group of calls (by default the gold
set's parts, the letters of G-A001 or G-AB001), a model trained on the other groups
scores the group's clauses; it prints precision and recall of the clauses at
several thresholds, which is how to choose the rule's `threshold`.
Standard library only.
"""
import argparse
import math
import random
import re
import sys

SKIP_LABELS = ("quoted", "?")
SKIP_PREFIXES = ("phone.",)


def read_clauses(paths, positive=None):
    """(call id, clause, positive, previous clause, next clause) of every
    clause that is trained on; with positive (a set of rule ids), only clauses
    of those rules' labels are positive and every other clause, labelled or
    not, is negative. A neighbour is the clause before or after in the same
    turn (None at the turn's edges), whether or not it is trained on itself:
    the lines of one turn come in order, so a line of the same call and turn
    that starts before the last one ended begins another text (two examples
    given on one line of the rule set)."""
    rows = []
    for path in paths:
        lines = []
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 6:
                    sys.exit(f"{path}:{n}: expected 6 tab-separated fields, got {len(parts)}")
                call_id, turn, start, end, label, text = parts
                lines.append((call_id, turn, int(start), int(end), label, text))

        def neighbours(i, j):
            if not 0 <= j < len(lines):
                return False
            a, b = lines[min(i, j)], lines[max(i, j)]
            return a[0] == b[0] and a[1] == b[1] and a[3] <= b[2]
        for i, (call_id, _turn, _start, _end, label, text) in enumerate(lines):
            if label in SKIP_LABELS or label.startswith(SKIP_PREFIXES):
                continue
            prev = lines[i - 1][5] if neighbours(i, i - 1) else None
            nxt = lines[i + 1][5] if neighbours(i, i + 1) else None
            rows.append((call_id, text,
                         label in positive if positive else label != "-", prev, nxt))
    return rows


START, END = "\x02", "\x03"  # the clause's edges, never in a normalized clause


def latin(gram):
    """Whether an n-gram holds a letter of the Latin alphabet (normalized text
    is lower case). Such n-grams get no weight: English words and addresses in
    an agent's speech (check 一下, an email address, a link) say nothing about
    rudeness, and the few labelled clauses that hold them would teach their
    letters the labels of the clauses they happen to be in. A model file
    without them scores them 0 in the engine, as here."""
    return any("a" <= c <= "z" for c in gram)


def ngrams(text):
    """The n-grams engine/model.c weighs, as the model file writes them: ^ first
    is the clause's start and $ last its end, so an n-gram that would begin
    with a literal ^ or end with a literal $ cannot be written and the engine
    never looks it up; it is left out here too, and both score alike. Latin
    letters are left out as well (latin())."""
    s = START + text + END
    grams = []
    for n in (1, 2, 3):
        for i in range(len(s) - n + 1):
            g = s[i:i + n]
            if g[0] == "^" or g[-1] == "$" or latin(g):
                continue
            grams.append(g.replace(START, "^").replace(END, "$"))
    return grams


def context_grams(prev, nxt):
    """The neighbours' features engine/model.c weighs when a model has any:
    each character bigram of the clause before ("prev\tab") and after
    ("next\tab"), or "prev\t^" / "next\t^" when the clause starts or ends
    its turn. An inspector reads a clause with its neighbours: 您自己看着办 after
    我们管不了 is a brush-off. A bigram with a literal ^ or $ is left out, as
    the engine never looks one up."""
    grams = []
    for mark, c in (("prev", prev), ("next", nxt)):
        if c is None:
            grams.append(mark + "\t^")
            continue
        for i in range(len(c) - 1):
            b = c[i:i + 2]
            if "^" not in b and "$" not in b and not latin(b):
                grams.append(mark + "\t" + b)
    return grams


def features(row, context):
    _cid, text, _y, prev, nxt = row
    return ngrams(text) + context_grams(prev, nxt) if context else ngrams(text)


def train(rows, epochs, rate, l2, pos_weight, seed, context):
    weights = {}
    bias = -2.0
    data = [(features(r, context), 1.0 if r[2] else 0.0) for r in rows]
    rnd = random.Random(seed)
    for epoch in range(epochs):
        # The step shrinks each epoch (rate / (1 + epoch)). At a constant step
        # the last few updates decided the file: one late positive clause
        # could lift every n-gram of a greeting past the threshold
        # (感谢您的来电 at p 0.93 when one part was left out).
        step = rate / (1 + epoch)
        rnd.shuffle(data)
        for grams, y in data:
            z = bias + sum(weights.get(g, 0.0) for g in grams)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g_loss = (p - y) * (pos_weight if y else 1.0)
            for g in grams:
                w = weights.get(g, 0.0)
                weights[g] = w - step * (g_loss + l2 * w)
            bias -= step * g_loss * 0.1
    return weights, bias


def logit(weights, bias, row, context):
    return bias + sum(weights.get(g, 0.0) for g in features(row, context))


def write_model(path, weights, bias, min_weight, note):
    kept = sorted((g, w) for g, w in weights.items() if abs(w) >= min_weight)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("# zhijian clause model (engine/model.c), written by tools/train_model.py\n")
        for line in note:
            f.write(f"# {line}\n")
        f.write("zhijian-model 1\n")
        f.write(f"bias {bias:.4f}\n")
        for g, w in kept:
            f.write(f"{w:.4f}\t{g}\n")
    return len(kept)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("clauses", nargs="+", help="files written by zhijian eval --clauses")
    ap.add_argument("--out", help="the model file to write")
    ap.add_argument("--examples", action="append", default=[],
                    help="clauses of the rule set's examples (zhijian rules test --clauses "
                    "FILE): always trained on, never scored by --cv")
    ap.add_argument("--example-copies", type=int, default=4,
                    help="times each example's clause is trained on in an epoch; the "
                    "default matches a gold clause, which comes in four variants")
    ap.add_argument("--positive", action="append", default=[], metavar="RULE",
                    help="train on these rules' labels only (repeatable): their clauses "
                    "are the positives, every other clause a negative; e.g. the four "
                    "一票否决 rules for a model of fatal offences")
    ap.add_argument("--cv", action="store_true",
                    help="leave-one-group-out precision and recall by threshold")
    ap.add_argument("--cv-on", action="append", default=[],
                    help="with --cv: score only these files' clauses (default: all); "
                    "e.g. the original variant while training on every variant")
    ap.add_argument("--group", default=r"^G-([A-Z]+)[0-9]",
                    help="regex whose first group names a call's group (default: the "
                    "gold part, %(default)s)")
    ap.add_argument("--exclude-group", action="append", default=[],
                    help="leave this group's calls out of training (see --group); "
                    "tools/scripts/model_cv.sh trains one model per gold part this way")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--rate", type=float, default=0.2,
                    help="learning rate of the first epoch; epoch k uses rate / (1 + k)")
    ap.add_argument("--l2", type=float, default=1e-2, help="L2 penalty per update")
    ap.add_argument("--context", action="store_true",
                    help="also weigh the character bigrams of the clauses before and after "
                    "in the turn (lines 'WEIGHT<tab>prev<tab>AB' and 'WEIGHT<tab>next<tab>AB')")
    ap.add_argument("--pos-weight", type=float, default=3.0,
                    help="weight of a positive clause against a negative one")
    ap.add_argument("--min-weight", type=float, default=0.05,
                    help="n-grams whose weight is smaller in magnitude are left out of the file")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not args.out and not args.cv:
        ap.error("give --out FILE, --cv, or both")
    positive = set(args.positive) or None
    rows = read_clauses(args.clauses, positive)
    example_rows = read_clauses(args.examples, positive)
    examples = example_rows * args.example_copies
    group_re = re.compile(args.group)

    def group(cid):
        m = group_re.search(cid)
        return m.group(1) if m else "?"
    if args.exclude_group:
        rows = [r for r in rows if group(r[0]) not in args.exclude_group]
    if not rows or not any(r[2] for r in rows):
        sys.exit("no positive clauses: are these files from zhijian eval --clauses?")
    fit = dict(epochs=args.epochs, rate=args.rate, l2=args.l2, pos_weight=args.pos_weight,
               seed=args.seed, context=args.context)
    if args.cv:
        scored_ids = None
        if args.cv_on:
            scored_ids = {(r[0], r[1]) for r in read_clauses(args.cv_on)}
        groups = sorted({group(r[0]) for r in rows})
        scores = []
        for gname in groups:
            w, b = train([r for r in rows if group(r[0]) != gname] + examples, **fit)
            for r in rows:
                if group(r[0]) == gname and (scored_ids is None or (r[0], r[1]) in scored_ids):
                    scores.append((logit(w, b, r, args.context), r[2]))
        positives = sum(1 for _, y in scores if y)
        print(f"leave-one-group-out over {len(groups)} groups, {len(scores)} clauses, "
              f"{positives} positive")
        for p in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97):
            cut = math.log(p / (1 - p))
            tp = sum(1 for z, y in scores if z >= cut and y)
            fp = sum(1 for z, y in scores if z >= cut and not y)
            prec = tp / (tp + fp) if tp + fp else float("nan")
            print(f"threshold {p:.2f}: precision {prec:.3f} ({tp}/{tp + fp})  "
                  f"recall {tp / positives:.3f} ({tp}/{positives})")
    if args.out:
        weights, bias = train(rows + examples, **fit)
        note = [f"{len(rows)} clauses ({sum(1 for r in rows if r[2])} positive) from "
                + ", ".join(a.split('/')[-1] for a in args.clauses)]
        if examples:
            note.append(f"{len(example_rows)} clauses of examples "
                        f"({sum(1 for r in example_rows if r[2])} positive, "
                        f"{args.example_copies} copies) from "
                        + ", ".join(a.split('/')[-1] for a in args.examples))
        if positive:
            note.append("positives: the labels of " + ", ".join(sorted(positive)))
        if args.context:
            note.append("context: the bigrams of the clauses before and after")
        note.append(f"epochs {args.epochs}, rate {args.rate}, l2 {args.l2}, "
                    f"pos-weight {args.pos_weight}, seed {args.seed}, "
                    f"min-weight {args.min_weight}")
        n = write_model(args.out, weights, bias, args.min_weight, note)
        print(f"{args.out}: {n} n-grams")


if __name__ == "__main__":
    main()
