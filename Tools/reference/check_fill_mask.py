#!/usr/bin/env python3
"""Loads a `bert train --task mlm` folder in transformers and checks it against `bert fill-mask`.

Reads the folder with `BertForMaskedLM.from_pretrained(folder, output_loading_info=True)`
(any missing, unexpected or mismatched tensor fails), checks that the decoder is tied to the
word embeddings (`cls.predictions.decoder.weight` and `bert.embeddings.word_embeddings.weight`
share storage), runs `pipeline("fill-mask", top_k=K)` on each text of --texts (one per line,
or JSON lines {"text"} with --jsonl; each with at least one [MASK]), and compares with the
JSON lines of `bert fill-mask`, from --compare FILE or by running --bert BINARY with the same
options: every proposition's token and token_str, and its sequence, equal, scores within 1e-5
relative. The pipeline's flat list for a single mask counts as one list per mask, as `bert`
writes it.

    .build/debug/bert fill-mask --model runs/mlm --top-k 5 --input texts.txt > fills.jsonl
    /work/venv/bin/python Tools/reference/check_fill_mask.py runs/mlm --texts texts.txt \\
        --top-k 5 --compare fills.jsonl
    /work/venv/bin/python Tools/reference/check_fill_mask.py runs/mlm --texts texts.txt \\
        --top-k 5 --bert .build/debug/bert
"""

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from check_question_answering import read_lines, relative_difference  # noqa: E402

SCORE_RTOL = 1e-5


def read_texts(path, jsonl):
    texts = []
    for number, raw in enumerate(read_lines(path), 1):
        try:
            text = raw.decode("utf-8")
            if jsonl:
                text = json.loads(text)["text"]
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
            what = 'not a JSON object with a string "text"' if jsonl else "not UTF-8"
            sys.exit(f"{path}:{number}: {what}: {error!r}")
        if not isinstance(text, str) or "[MASK]" not in text:
            sys.exit(f"{path}:{number}: no [MASK] in the text")
        texts.append(text)
    return texts


def bert_output(args):
    """`bert fill-mask`'s lines: read from --compare, or printed by --bert."""
    if args.compare:
        with open(args.compare, encoding="utf-8") as f:
            return args.compare, f.read()
    command = [args.bert, "fill-mask", "--model", args.folder, "--input", args.texts,
               "--top-k", str(args.top_k)]
    if args.jsonl:
        command.append("--jsonl")
    if args.max_length is not None:
        command += ["--max-length", str(args.max_length)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    if out.stderr.strip():
        print(f"bert fill-mask said on stderr: {out.stderr.strip()}")
    return " ".join(command), out.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--texts", required=True, help="one text per line (JSON lines {\"text\"} with --jsonl)")
    parser.add_argument("--jsonl", action="store_true")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--max-length", type=int, help="truncate as `tokenizer(truncation=True, max_length=N)`")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--compare", help="the JSON lines `bert fill-mask` wrote for --texts")
    source.add_argument("--bert", help="a bert binary to run `fill-mask` with the same options")
    args = parser.parse_args()
    texts = read_texts(args.texts, args.jsonl)

    import torch
    import transformers
    from transformers import AutoTokenizer, BertForMaskedLM, pipeline
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    torch.set_num_threads(1)
    model, info = BertForMaskedLM.from_pretrained(args.folder, output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    if problems:
        sys.exit(f"{args.folder}: loading info not clean: {problems}")
    model.eval()
    decoder = model.cls.predictions.decoder.weight
    embeddings = model.bert.embeddings.word_embeddings.weight
    if decoder.data_ptr() != embeddings.data_ptr():
        equal = torch.equal(decoder, embeddings)
        sys.exit(f"{args.folder}: cls.predictions.decoder.weight is not tied to the word embeddings "
                 f"(values {'equal' if equal else 'different'})")
    tokenizer = AutoTokenizer.from_pretrained(args.folder)
    kwargs = {}
    if args.max_length is not None:
        kwargs["tokenizer_kwargs"] = {"truncation": True, "max_length": args.max_length}
    fill = pipeline("fill-mask", model=model, tokenizer=tokenizer, top_k=args.top_k, device="cpu")
    theirs = []
    for text in texts:
        result = fill(text, **kwargs)
        theirs.append([result] if result and isinstance(result[0], dict) else result)
    masks = sum(len(r) for r in theirs)
    summary = (f"{args.folder}: loads cleanly in BertForMaskedLM (transformers {transformers.__version__}), "
               f"decoder tied to the word embeddings; {len(texts)} texts, {masks} masks, top_k {args.top_k}")
    if not args.compare and not args.bert:
        print(summary)
        return

    label, output = bert_output(args)
    lines = output.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != len(texts):
        sys.exit(f"{label}: {len(lines)} lines for {len(texts)} texts")
    worst_relative = worst_absolute = 0.0
    disagreements = []
    key = lambda p: (p["token"], p["token_str"], p["sequence"])  # noqa: E731
    for number, (line, text, expected) in enumerate(zip(lines, texts, theirs), 1):
        mine = json.loads(line)
        if mine["text"] != text:
            disagreements.append(f"line {number}: text {mine['text']!r}, expected {text!r}")
        if [[key(p) for p in m] for m in mine["masks"]] != [[key(p) for p in m] for m in expected]:
            disagreements.append(f"line {number}: propositions differ\n  text: {text!r}\n"
                                 f"  bert:         {mine['masks']}\n  transformers: {expected}")
            continue
        for m, e in zip(mine["masks"], expected):
            for a, b in zip(m, e):
                worst_relative = max(worst_relative, relative_difference(a["score"], float(b["score"])))
                worst_absolute = max(worst_absolute, abs(a["score"] - float(b["score"])))
    if worst_relative > SCORE_RTOL:
        disagreements.append(f"scores differ by up to {worst_relative:.3e} relative (> {SCORE_RTOL})")
    if disagreements:
        sys.exit(summary + "\n" + "\n".join(disagreements))
    print(summary + f"; equal to bert fill-mask, max score difference {worst_relative:.2e} relative "
          f"({worst_absolute:.2e} absolute)")


if __name__ == "__main__":
    main()
