"""The tutorial's fine-tuning run in PyTorch/transformers, as the reference for `bert train`.

McCormick & Ryan's recipe on CoLA: BertForSequenceClassification (num_labels=2) from a local
HF folder, inputs truncated to 64 tokens, a 90/10 train/validation split, batch 32 in random
order, AdamW(lr 2e-5, eps 1e-8, weight_decay 0.0 — transformers' old AdamW default, which the
tutorial used), get_linear_schedule_with_warmup(0 warm-up), clip_grad_norm_(1.0), one
scheduler step per batch; validation loss, accuracy (over all examples) and MCC after every
epoch; then accuracy and MCC on out_of_domain_dev (the tutorial's test set) and in_domain_dev.

Padding: `--padding max_length` pads every batch to 64 as the tutorial does;
`--padding longest` pads each batch to its longest sentence (dynamic padding).
The split uses torch's generator seeded with --split-seed: the same sizes as the tutorial
(7,695 / 856), not the same rows as sklearn or as swift-bert.

Prints one JSON object per line: {"event":"epoch",...}, {"event":"test",...},
{"event":"done","seconds",...}.
Run: HF_HUB_OFFLINE=1 python Tools/reference/tutorial_reference.py --seed 42 [--epochs 4]
     [--threads 2] [--padding max_length|longest] [--model .models/all-MiniLM-L6-v2]
"""
import argparse
import json
import os
import random
import time
import zipfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import (AutoTokenizer, BertForSequenceClassification,  # noqa: E402
                          get_linear_schedule_with_warmup)
from transformers.utils import logging as hf_logging  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--model", default=".models/all-MiniLM-L6-v2")
parser.add_argument("--data", default="Data/cola_public_1.1.zip")
parser.add_argument("--seed", type=int, default=42)
parser.add_argument("--split-seed", type=int, default=2018)
parser.add_argument("--epochs", type=int, default=4)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--learning-rate", type=float, default=2e-5)
parser.add_argument("--max-length", type=int, default=64)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--padding", choices=["max_length", "longest"], default="max_length")
parser.add_argument("--max-steps", type=int, default=None)
parser.add_argument("--bf16", action="store_true",
                    help="forward passes under torch.autocast('cpu', dtype=torch.bfloat16)")
args = parser.parse_args()
hf_logging.set_verbosity_error()
torch.set_num_threads(args.threads)


def read(name):
    with zipfile.ZipFile(args.data) as archive:
        text = archive.read(f"cola_public/raw/{name}.tsv").decode("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line]
    return [r[3] for r in rows], [int(r[1]) for r in rows]


def mcc(labels, predictions):
    tp = sum(1 for y, p in zip(labels, predictions) if y == 1 and p == 1)
    tn = sum(1 for y, p in zip(labels, predictions) if y == 0 and p == 0)
    fp = sum(1 for y, p in zip(labels, predictions) if y == 0 and p == 1)
    fn = sum(1 for y, p in zip(labels, predictions) if y == 1 and p == 0)
    denominator = ((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)) ** 0.5
    return (tp * tn - fp * fn) / denominator if denominator else 0.0


random.seed(args.seed)
np.random.seed(args.seed)
torch.manual_seed(args.seed)
tokenizer = AutoTokenizer.from_pretrained(args.model)
model = BertForSequenceClassification.from_pretrained(args.model, num_labels=2)
sentences, labels = read("in_domain_train")
order = torch.randperm(len(sentences), generator=torch.Generator().manual_seed(args.split_seed))
n_validation = int(np.ceil(0.1 * len(sentences)))
validation_idx, train_idx = order[:n_validation].tolist(), order[n_validation:].tolist()


def batches(indices, texts, ys, shuffle):
    indices = list(indices)
    if shuffle:
        indices = [indices[i] for i in torch.randperm(len(indices)).tolist()]
    for start in range(0, len(indices), args.batch_size):
        chunk = indices[start:start + args.batch_size]
        encoded = tokenizer([texts[i] for i in chunk], truncation=True,
                            max_length=args.max_length, padding=args.padding,
                            return_tensors="pt")
        yield encoded, torch.tensor([ys[i] for i in chunk])


def evaluate(indices, texts, ys):
    model.eval()
    predictions, losses = [], []
    with torch.no_grad():
        for encoded, y in batches(indices, texts, ys, shuffle=False):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                out = model(**encoded, labels=y)
            losses.append(out.loss.item() * len(y))
            predictions += out.logits.argmax(-1).tolist()
    truth = [ys[i] for i in indices]
    accuracy = sum(int(p == t) for p, t in zip(predictions, truth)) / len(truth)
    return sum(losses) / len(truth), accuracy, mcc(truth, predictions)


steps_per_epoch = (len(train_idx) + args.batch_size - 1) // args.batch_size
optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, eps=1e-8,
                              weight_decay=0.0)
scheduler = get_linear_schedule_with_warmup(optimizer, 0, steps_per_epoch * args.epochs)
begin = time.time()
step = 0
for epoch in range(1, args.epochs + 1):
    model.train()
    epoch_start = time.time()
    total = 0.0
    count = 0
    for encoded, y in batches(train_idx, sentences, labels, shuffle=True):
        model.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            loss = model(**encoded, labels=y).loss
        total += loss.item()
        count += 1
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        step += 1
        if args.max_steps and step >= args.max_steps:
            break
    train_seconds = time.time() - epoch_start
    val_loss, val_accuracy, val_mcc = evaluate(validation_idx, sentences, labels)
    print(json.dumps({"event": "epoch", "epoch": epoch, "train_loss": total / count,
                      "val_loss": val_loss, "val_accuracy": val_accuracy, "val_mcc": val_mcc,
                      "train_seconds": train_seconds, "seed": args.seed}), flush=True)
    if args.max_steps and step >= args.max_steps:
        break
for split in ["out_of_domain_dev", "in_domain_dev"]:
    texts, ys = read(split)
    loss, accuracy, test_mcc = evaluate(range(len(texts)), texts, ys)
    print(json.dumps({"event": "test", "split": split, "accuracy": accuracy, "mcc": test_mcc,
                      "n": len(texts), "seed": args.seed}), flush=True)
print(json.dumps({"event": "done", "seconds": time.time() - begin, "seed": args.seed,
                  "torch": torch.__version__, "padding": args.padding,
                  "bf16": args.bf16}), flush=True)
