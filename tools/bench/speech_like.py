#!/usr/bin/env python3
"""Makes a bench corpus read like speech recognition output, for measuring the
normalizer's filler and Traditional -> Simplified passes (the generated corpus
has neither): in 30% of turns a filler (嗯 啊 呃 那个) between two characters,
20% of turns opening with 嗯，, 10% of turns in Traditional characters (a fixed
map of common characters). Deterministic (seed 16).

usage: tools/bench/speech_like.py < corpus.jsonl > speech.jsonl
"""
import json
import random
import sys

SIMPLIFIED = "这们说个么会时还问题电话处理长东车门员经费务条开关发实对过让给钱应该间样没进"
TRADITIONAL = "這們說個麼會時還問題電話處理長東車門員經費務條開關發實對過讓給錢應該間樣沒進"


def main():
    rng = random.Random(16)
    to_traditional = str.maketrans(SIMPLIFIED, TRADITIONAL)
    out = sys.stdout
    for line in sys.stdin:
        call = json.loads(line)
        for turn in call["turns"]:
            text = turn["text"]
            if rng.random() < 0.3 and len(text) > 4:
                i = rng.randrange(1, len(text) - 1)
                text = text[:i] + rng.choice(["嗯", "啊", "呃", "那个"]) + text[i:]
            if rng.random() < 0.2:
                text = "嗯，" + text
            if rng.random() < 0.1:
                text = text.translate(to_traditional)
            turn["text"] = text
        out.write(json.dumps(call, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
