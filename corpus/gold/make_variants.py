#!/usr/bin/env python3
"""Generate the gold-set variants from the hand-labelled originals.

Reads every corpus/gold/originals/<part>.jsonl with its <part>.labels.jsonl (parts in
name order) and writes, for each variant, the development parts to
corpus/gold/calls/<variant>.jsonl and corpus/gold/labels/<variant>.jsonl and the
held-out parts (HELDOUT_PARTS) to corpus/gold/heldout/calls/<variant>.jsonl and
corpus/gold/heldout/labels/<variant>.jsonl:

  original      the calls as written                        call id unchanged
  traditional   simplified -> traditional (opencc s2t)      call id + "-t"
  unpunctuated  every punctuation mark removed (ASR style)  call id + "-np"
  spaced        a space between every two characters        call id + "-sp"
  homophone     ASR same-sound character substitutions      call id + "-hp"
  filler        嗯/啊/呃/那个 inserted between words         call id + "-fl"

Every transformation of a turn's text returns the new text and, for each code point
of the old text, the half-open range of code points it became in the new text. Label
spans are remapped through that map, the quote is re-extracted from the new text and
checked. Random choices use a generator seeded from the variant, call id and turn, so
every run writes the same bytes.

Usage: python3 corpus/gold/make_variants.py            (needs the `opencc` command:
                                                        apt-get install opencc)
       python3 corpus/gold/make_variants.py --counts   also print the count tables of
                                                        corpus/gold/README.md (Markdown),
                                                        development set then held-out set
"""

import glob
import json
import os
import random
import re
import subprocess
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))

# Parts written blind and kept out of rule development: they are generated into
# heldout/ so that nothing tuned against calls/ and labels/ ever sees them. A part
# whose figures have been used to change the rules is no longer held out: it moves
# to the development set and a newly written part takes its place.
HELDOUT_PARTS = {"i", "m", "n", "r", "v", "y", "ai", "aj", "ak", "al", "am", "an",
                 "bl", "bm", "bn", "bo"}

SUFFIX = {
    "original": "",
    "traditional": "-t",
    "unpunctuated": "-np",
    "spaced": "-sp",
    "homophone": "-hp",
    "filler": "-fl",
}

# Same-sound (or near-same-sound) confusions an ASR engine commonly makes in this
# domain. Phrases are tried before single characters; every replacement has the
# length of what it replaces, so one code point maps to one code point.
HOMOPHONE_PHRASES = {
    "有本事": "有本是",
    "不知道": "不只道",
    "没长眼睛": "没张眼睛",
    "麻烦": "麻凡",
    "清楚": "青楚",
    "投诉": "头诉",
    "处理": "处里",
    "物业": "物叶",
}
HOMOPHONE_CHARS = {
    "事": "是", "是": "事", "在": "再", "再": "在", "的": "得", "得": "的",
    "做": "作", "以": "已", "已": "以", "哪": "那", "那": "哪", "他": "她",
    "她": "他", "吗": "嘛", "到": "道", "道": "到", "急": "及", "及": "急",
    "修": "休", "号": "好", "栋": "动", "单": "担", "元": "园", "费": "废",
    "交": "教", "师": "诗", "傅": "付", "房": "防", "话": "画", "理": "里",
    "里": "理", "意": "义", "经": "精", "会": "汇", "您": "你", "帮": "邦",
    "助": "住", "服": "福", "务": "物", "烦": "凡", "管": "馆",
    "楼": "搂", "梯": "题", "电": "店", "停": "亭", "门": "们", "找": "着",
}
HOMOPHONE_RATE = 15          # about one character in 15
FILLERS = ["嗯", "啊", "呃", "那个"]
FILLER_RATE = 12             # about one filler per 12 characters
# A filler sounds natural after these (the end of a pronoun, adverb or particle).
FILLER_AFTER = set("我你他她您们这那就也都是了的在再个去还又说要得吧呢吗啊")


def is_punct(ch):
    return unicodedata.category(ch).startswith("P")


def is_word_char(ch):
    return not is_punct(ch) and not ch.isspace()


def identity_map(n):
    return [(i, i + 1) for i in range(n)]


# ------------------------------------------------------------------ transformations
# Each takes (text, rng, spans) and returns (new_text, cmap) where cmap[i] is the
# half-open range of new code points that old code point i became. spans are the
# labelled (start, end) ranges of this turn, so a transformation may make sure some
# of them are touched.

def t_original(text, rng, spans):
    return text, identity_map(len(text))


def t_unpunctuated(text, rng, spans):
    out, cmap = [], []
    for ch in text:
        pos = len(out)
        if is_punct(ch):
            cmap.append((pos, pos))
        else:
            out.append(ch)
            cmap.append((pos, pos + 1))
    return "".join(out), cmap


def t_spaced(text, rng, spans):
    return " ".join(text), [(2 * i, 2 * i + 1) for i in range(len(text))]


def homophone_sites(text):
    """Non-overlapping (start, replacement) sites, phrases first."""
    sites, i = [], 0
    while i < len(text):
        for phrase, repl in HOMOPHONE_PHRASES.items():
            if text.startswith(phrase, i):
                sites.append((i, repl))
                i += len(phrase)
                break
        else:
            if text[i] in HOMOPHONE_CHARS:
                sites.append((i, HOMOPHONE_CHARS[text[i]]))
            i += 1
    return sites


def t_homophone(text, rng, spans):
    sites = homophone_sites(text)
    want = round(sum(1 for c in text if is_word_char(c)) / HOMOPHONE_RATE)
    chosen = set()
    # Half of the labelled spans (chosen at random) get one substitution inside, so
    # the variant holds both intact and garbled offending words.
    for s, e in spans:
        inside = [k for k, (p, r) in enumerate(sites) if s <= p and p + len(r) <= e]
        if inside and rng.random() < 0.5:
            chosen.add(rng.choice(inside))
    rest = [k for k in range(len(sites)) if k not in chosen]
    extra = max(0, want - len(chosen))
    chosen.update(rng.sample(rest, min(extra, len(rest))))
    chars = list(text)
    for k in sorted(chosen):
        p, r = sites[k]
        chars[p:p + len(r)] = list(r)
    new = "".join(chars)
    assert len(new) == len(text)
    return new, identity_map(len(text))


def filler_slots(text):
    """Boundaries b (insert before text[b]) between two word characters."""
    return [b for b in range(1, len(text))
            if is_word_char(text[b - 1]) and is_word_char(text[b])]


def t_filler(text, rng, spans):
    slots = filler_slots(text)
    natural = [b for b in slots if text[b - 1] in FILLER_AFTER]
    want = round(sum(1 for c in text if is_word_char(c)) / FILLER_RATE)
    chosen = set()
    # Half of the labelled spans get one filler strictly inside them.
    for s, e in spans:
        inside = [b for b in natural if s < b < e] or [b for b in slots if s < b < e]
        if inside and rng.random() < 0.5:
            chosen.add(rng.choice(inside))
    pool = [b for b in (natural or slots) if b not in chosen]
    extra = max(0, want - len(chosen))
    chosen.update(rng.sample(pool, min(extra, len(pool))))
    out, cmap, pos = [], [], 0
    for i, ch in enumerate(text):
        if i in chosen:
            f = rng.choice(FILLERS)
            out.append(f)
            pos += len(f)
        out.append(ch)
        cmap.append((pos, pos + 1))
        pos += 1
    return "".join(out), cmap


class Traditional:
    """s2t through the opencc command, one batch per run (one line per turn)."""

    def __init__(self, texts):
        src = "".join(t + "\n" for t in texts)
        try:
            res = subprocess.run(["opencc", "-c", "s2t.json"], input=src.encode("utf-8"),
                                 capture_output=True, check=True)
        except FileNotFoundError:
            sys.exit("make_variants: the opencc command is missing (apt-get install opencc)")
        except subprocess.CalledProcessError as e:
            sys.exit("make_variants: opencc failed: " + e.stderr.decode("utf-8", "replace"))
        out = res.stdout.decode("utf-8").split("\n")
        if out[-1] == "":
            out.pop()
        if len(out) != len(texts):
            sys.exit(f"make_variants: opencc returned {len(out)} lines for {len(texts)}")
        self.table = dict(zip(texts, out))

    def __call__(self, text, rng, spans):
        new = self.table[text]
        # s2t maps code point to code point for all the text here; a conversion that
        # changed the length would need a real alignment, so refuse it loudly.
        if len(new) != len(text):
            sys.exit(f"make_variants: s2t changed the length of {text!r}")
        return new, identity_map(len(text))


# ------------------------------------------------------------------ remapping

def remap(span, cmap, new_text, where):
    s, e = span
    ranges = [cmap[i] for i in range(s, e) if cmap[i][0] < cmap[i][1]]
    if not ranges:
        sys.exit(f"make_variants: {where}: span {span} vanished")
    ns, ne = ranges[0][0], ranges[-1][1]
    assert 0 <= ns < ne <= len(new_text), where
    return [ns, ne]


def read_jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"make_variants: {path}:{n}: {e}")
    return rows


def part_order(part):
    """Parts in the order they were written: a … z, then aa, ab, …"""
    return (len(part), part)


def part_of(call_id):
    """The part a call belongs to: the letters of G-A001 or G-AB001, upper case."""
    m = re.match(r"G-([A-Z]+)[0-9]", call_id)
    if not m:
        sys.exit(f"make_variants: call id {call_id!r} is not G-<part letters><number>")
    return m.group(1)


def load_originals(heldout):
    """Calls and labels of the held-out parts (heldout=True) or of the others."""
    calls, labels = [], []
    paths = [p for p in glob.glob(os.path.join(HERE, "originals", "*.jsonl"))
             if not p.endswith(".labels.jsonl")]
    for path in sorted(paths, key=lambda p: part_order(os.path.basename(p)[:-len(".jsonl")])):
        part = os.path.basename(path)[:-len(".jsonl")]
        if (part in HELDOUT_PARTS) != heldout:
            continue
        lpath = path[:-len(".jsonl")] + ".labels.jsonl"
        if not os.path.exists(lpath):
            sys.exit(f"make_variants: {path} has no {os.path.basename(lpath)}")
        c, l = read_jsonl(path), read_jsonl(lpath)
        if [x["call_id"] for x in c] != [x["call_id"] for x in l]:
            sys.exit(f"make_variants: {lpath}: call ids differ from {path} (same order)")
        for call, lab in zip(c, l):
            for kind in ("forbidden", "quoted"):
                for x in lab.get(kind, []):
                    if not 0 <= x["turn"] < len(call["turns"]):
                        sys.exit(f"make_variants: {lpath}: {call['call_id']}: no turn {x['turn']}")
                    turn = call["turns"][x["turn"]]
                    s, e = x["span"]
                    if turn["text"][s:e] != x["quote"]:
                        sys.exit(f"make_variants: {lpath}: {call['call_id']} turn {x['turn']}:"
                                 f" span {x['span']} is not {x['quote']!r}")
                    if kind == "forbidden" and turn["speaker"] != "agent":
                        sys.exit(f"make_variants: {lpath}: {call['call_id']}: forbidden "
                                 f"label on a customer turn")
        calls += c
        labels += l
    return calls, labels


def make_variant(name, fn, calls, labels):
    out_calls, out_labels = [], []
    for call, lab in zip(calls, labels):
        cid = call["call_id"] + SUFFIX[name]
        new_call = dict(call, call_id=cid, turns=[])
        new_lab = {"call_id": cid}
        maps = []
        for ti, turn in enumerate(call["turns"]):
            spans = [tuple(x["span"]) for k in ("forbidden", "quoted")
                     for x in lab.get(k, []) if x["turn"] == ti]
            rng = random.Random(f"{name}:{call['call_id']}:{ti}")
            text, cmap = fn(turn["text"], rng, spans)
            assert len(cmap) == len(turn["text"])
            maps.append((text, cmap))
            new_call["turns"].append(dict(turn, text=text))
        for kind in ("forbidden", "quoted"):
            new_lab[kind] = []
            for x in lab.get(kind, []):
                text, cmap = maps[x["turn"]]
                where = f"{cid} turn {x['turn']}"
                span = remap(x["span"], cmap, text, where)
                y = dict(x, span=span, quote=text[span[0]:span[1]])
                assert text[span[0]:span[1]] == y["quote"]
                new_lab[kind].append(y)
        if "note" in lab:
            new_lab["note"] = lab["note"]
        out_calls.append(new_call)
        out_labels.append(new_lab)
    return out_calls, out_labels


def write_jsonl(path, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def print_counts(results, originals):
    """Markdown tables for the README: per variant, then per rule and per part."""
    print("| variant | call ids | calls | violation calls | clean calls | forbidden labels "
          "| quoted | labelled quotes altered |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    parts = sorted({part_of(c["call_id"]) for c in originals}, key=part_order)
    ids = "G-" + (parts[0] if len(parts) == 1 else "") + "…"
    base = [x["quote"] for l in results["original"][1] for k in ("forbidden", "quoted")
            for x in l[k]]
    for name, (vc, vl) in results.items():
        quotes = [x["quote"] for l in vl for k in ("forbidden", "quoted") for x in l[k]]
        altered = sum(1 for a, b in zip(base, quotes) if a != b)
        nv = sum(1 for l in vl if l["forbidden"])
        print(f"| {name} | {ids}{SUFFIX[name] or ''} | {len(vc)} | {nv} | {len(vc) - nv} | "
              f"{sum(len(l['forbidden']) for l in vl)} | {sum(len(l['quoted']) for l in vl)} | "
              f"{altered} of {len(quotes)} |")
    per = {}
    for l in results["original"][1]:
        part = part_of(l["call_id"])
        for x in l["forbidden"]:
            per.setdefault(x["rule"], {}).setdefault(part, 0)
            per[x["rule"]][part] += 1
    print()
    print("| rule | " + " | ".join("part " + p for p in parts) + " | all |")
    print("|---|" + "---:|" * (len(parts) + 1))
    for rule in sorted(per):
        row = [per[rule].get(p, 0) for p in parts]
        print(f"| {rule} | " + " | ".join(str(n) for n in row) + f" | {sum(row)} |")
    tot = [sum(per[r].get(p, 0) for r in per) for p in parts]
    print("| **all** | " + " | ".join(str(n) for n in tot) + f" | {sum(tot)} |")


def main():
    counts = sys.argv[1:] == ["--counts"]
    if sys.argv[1:] and not counts:
        sys.exit("usage: make_variants.py [--counts]")
    sets = [("", load_originals(heldout=False)),
            ("heldout", load_originals(heldout=True))]
    ids = [c["call_id"] for _, (calls, _) in sets for c in calls]
    if len(set(ids)) != len(ids):
        sys.exit("make_variants: duplicate call ids across parts")
    texts = sorted({t["text"] for _, (calls, _) in sets for c in calls for t in c["turns"]})
    variants = {
        "original": t_original,
        "traditional": Traditional(texts),
        "unpunctuated": t_unpunctuated,
        "spaced": t_spaced,
        "homophone": t_homophone,
        "filler": t_filler,
    }
    for n, (sub, (calls, labels)) in enumerate(sets):
        if not calls:
            continue
        out = os.path.join(HERE, sub)
        os.makedirs(os.path.join(out, "calls"), exist_ok=True)
        os.makedirs(os.path.join(out, "labels"), exist_ok=True)
        results = {}
        for name, fn in variants.items():
            vc, vl = make_variant(name, fn, calls, labels)
            results[name] = (vc, vl)
            write_jsonl(os.path.join(out, "calls", name + ".jsonl"), vc)
            write_jsonl(os.path.join(out, "labels", name + ".jsonl"), vl)
            nf = sum(len(l["forbidden"]) for l in vl)
            nq = sum(len(l["quoted"]) for l in vl)
            nv = sum(1 for l in vl if l["forbidden"])
            print(f"{os.path.join(sub, name):21s} {len(vc)} calls, {nv} violation calls, "
                  f"{nf} forbidden labels, {nq} quoted",
                  file=sys.stderr if counts else sys.stdout)
        if counts:
            if n:
                print()
            print_counts(results, calls)


if __name__ == "__main__":
    main()
