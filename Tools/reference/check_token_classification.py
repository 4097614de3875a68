#!/usr/bin/env python3
"""Loads a `bert train --task ner` folder in transformers and checks it against `bert predict`.

Reads the folder with `BertForTokenClassification.from_pretrained` (failing on any missing
or unexpected tensor) and `AutoTokenizer`, runs
`pipeline("token-classification", aggregation_strategy="simple")` on each line of --texts,
and with --compare FILE (the JSON lines `bert predict --model FOLDER --input TEXTS` wrote)
checks that every entity's group, start and end are equal and the scores within 1e-4.

    /work/venv/bin/python Tools/reference/check_token_classification.py runs/ner \\
        --texts texts.txt --compare predictions.jsonl
"""

import argparse
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from transformers import AutoTokenizer, BertForTokenClassification, pipeline  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--texts", required=True)
    parser.add_argument("--compare")
    args = parser.parse_args()
    model, info = BertForTokenClassification.from_pretrained(args.folder, output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    if problems:
        sys.exit(f"{args.folder}: loading info not clean: {problems}")
    tokenizer = AutoTokenizer.from_pretrained(args.folder)
    ner = pipeline("token-classification", model=model, tokenizer=tokenizer,
                   aggregation_strategy="simple", device="cpu")
    with open(args.texts, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f if line.strip()]
    ours = None
    if args.compare:
        with open(args.compare, encoding="utf-8") as f:
            ours = [json.loads(line) for line in f if line.strip()]
        if len(ours) != len(texts):
            sys.exit(f"{args.compare}: {len(ours)} lines for {len(texts)} texts")
    entities = 0
    worst = 0.0
    for index, text in enumerate(texts):
        theirs = ner(text)
        entities += len(theirs)
        if ours is None:
            continue
        mine = ours[index]["entities"]
        key = lambda e: (e["entity_group"], e["start"], e["end"])  # noqa: E731
        if [key(e) for e in mine] != [key(e) for e in theirs]:
            sys.exit(f"line {index + 1}: entities differ:\n  bert: {mine}\n  transformers: {theirs}")
        for a, b in zip(mine, theirs):
            worst = max(worst, abs(a["score"] - float(b["score"])))
    if ours is not None and worst > 1e-4:
        sys.exit(f"scores differ by up to {worst}")
    print(f"{args.folder}: loads in BertForTokenClassification ({model.config.num_labels} labels: "
          f"{', '.join(model.config.id2label[i] for i in range(model.config.num_labels))}); "
          f"{len(texts)} texts, {entities} entities"
          + (f"; equal to bert predict, max |score diff| {worst:.2e}" if ours is not None else ""))


if __name__ == "__main__":
    main()
