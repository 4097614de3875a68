#!/usr/bin/env python3
"""Predict labels for a data file with transformers, to compare with `bert predict`.

Loads a `bert train` output folder with transformers' BertForSequenceClassification and
AutoTokenizer (no conversion: the folder must load as it is), classifies the rows of a TSV,
CSV or JSON Lines file, and prints one predicted label per row (tab, then the probabilities
in label-id order). With --compare FILE (the output of `bert predict --input FILE --output
OUT` on the same file) it reports how many labels agree and the largest probability gap.

    /work/venv/bin/python Tools/reference/check_transformers_predictions.py \\
        --model runs/nli --input test.csv --text-column premise --text-pair-column hypothesis \\
        --compare predictions.csv

Files are read as swift-bert reads them: CSV per RFC 4180 (Python's csv module), TSV split on
tabs with no quoting, JSONL one object per line; a CSV/TSV header is present when the first
row holds any named column (override with --header / --no-header); a column that is all
digits is a 0-based index. Tokenization truncates to --max-length (default: the tokenizer's
model_max_length), as `bert predict` does.
"""

import argparse
import csv
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from transformers import AutoTokenizer, BertForSequenceClassification  # noqa: E402


def read_rows(path, fmt, header_flag, names):
    """The rows as dicts (JSONL) or lists, and the header (or None)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        if fmt == "jsonl":
            return [json.loads(line) for line in handle if line.strip()], None
        if fmt == "csv":
            rows = [row for row in csv.reader(handle) if row]
        else:
            rows = [line.rstrip("\r\n").split("\t") for line in handle if line.rstrip("\r\n")]
    named = [n for n in names if n is not None and not n.isdigit()]
    has_header = header_flag if header_flag is not None else any(n in rows[0] for n in named)
    return (rows[1:], rows[0]) if has_header and rows else (rows, None)


def column(row, header, name):
    if isinstance(row, dict):
        return row[name]
    index = int(name) if name.isdigit() else header.index(name)
    return row[index]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a `bert train` output folder")
    parser.add_argument("--input", required=True)
    parser.add_argument("--format", choices=["tsv", "csv", "jsonl"])
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--text-pair-column")
    parser.add_argument("--header", dest="header", action="store_true", default=None)
    parser.add_argument("--no-header", dest="header", action="store_false")
    parser.add_argument("--max-length", type=int)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--compare", help="`bert predict` output on the same file")
    args = parser.parse_args()

    fmt = args.format or os.path.splitext(args.input)[1].lstrip(".").lower()
    fmt = {"json": "jsonl", "ndjson": "jsonl"}.get(fmt, fmt)
    rows, header = read_rows(args.input, fmt, args.header, [args.text_column, args.text_pair_column])
    texts = [column(r, header, args.text_column) for r in rows]
    pairs = [column(r, header, args.text_pair_column) for r in rows] if args.text_pair_column else None

    torch.set_num_threads(max(1, torch.get_num_threads()))
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = BertForSequenceClassification.from_pretrained(args.model).eval()
    id2label = model.config.id2label
    max_length = args.max_length or min(tokenizer.model_max_length, model.config.max_position_embeddings)
    labels, probabilities = [], []
    with torch.no_grad():
        for start in range(0, len(texts), args.batch_size):
            batch = texts[start:start + args.batch_size]
            pair = pairs[start:start + args.batch_size] if pairs else None
            # transformers' batch call keeps an empty pair; swift-bert encodes one example
            # at a time, where an empty pair is dropped: do the same.
            encoded = [
                tokenizer(t, p if p else None, truncation=True, max_length=max_length)
                for t, p in zip(batch, pair or [None] * len(batch))
            ]
            padded = tokenizer.pad(encoded, return_tensors="pt")
            logits = model(**padded).logits
            probs = torch.softmax(logits.double(), dim=-1)
            for row in probs.tolist():
                best = max(range(len(row)), key=row.__getitem__)
                labels.append(id2label[best])
                probabilities.append(row)
    for label, probs in zip(labels, probabilities):
        print(label + "\t" + json.dumps([round(p, 6) for p in probs]))

    if args.compare:
        ours, ours_header = read_rows(args.compare, fmt, True if header else False, [])
        key = "predicted_label" if ours_header and "predicted_label" in ours_header else "label"
        pkey = "predicted_probabilities" if key == "predicted_label" else "probabilities"
        if fmt == "jsonl":
            key = "predicted_label" if "predicted_label" in ours[0] else "label"
            pkey = "predicted_probabilities" if key == "predicted_label" else "probabilities"
            swift_labels = [r[key] for r in ours]
            swift_probs = [r[pkey] for r in ours]
        elif ours_header:
            swift_labels = [r[ours_header.index(key)] for r in ours]
            swift_probs = [json.loads(r[ours_header.index(pkey)]) for r in ours]
        else:
            swift_labels = [r[-2] for r in ours]
            swift_probs = [json.loads(r[-1]) for r in ours]
        agree = sum(a == b for a, b in zip(labels, swift_labels))
        gap = max(abs(a - b) for p, q in zip(probabilities, swift_probs) for a, b in zip(p, q))
        print(
            f"agreement: {agree}/{len(labels)} labels equal; max |probability difference| {gap:.2e}",
            file=sys.stderr)
        if len(swift_labels) != len(labels) or agree != len(labels):
            sys.exit(1)


if __name__ == "__main__":
    main()
