#!/usr/bin/env python3
"""Masked-LM fine-tuning in PyTorch/transformers 5.24, as the reference run for
`bert train --task mlm` (end-to-end numbers to compare, not bits).

run_mlm.py --line_by_line's recipe (transformers examples/pytorch/language-modeling) on CoLA:
the texts are the sentences (column 4) of raw/in_domain_train.tsv in Data/cola_public_1.1.zip
(fixture_common.read_cola: tab-separated, QUOTE_NONE), the first --texts of them (2000), blank
lines dropped as run_mlm drops them; ceil(10 %) held out for validation as the head of
torch.randperm(n, generator seeded with --split-seed) (the sizes of `bert train`'s
train_test_split-like split, not its rows), the rest trained on. Each text is tokenized as
run_mlm's tokenize_function does (padding=False, truncation=True, max_length 64,
return_special_tokens_mask=True), and batches go through
DataCollatorForLanguageModeling(mlm_probability 0.15): 15 % of the non-special tokens chosen,
80 % of those [MASK], 10 % a random id, 10 % kept, labels -100 elsewhere, padded to the batch's
longest text.

Model: BertForMaskedLM.from_pretrained(MiniLM): a BertModel checkpoint, so the head
(cls.predictions.transform.*, cls.predictions.bias) is newly initialized from
torch.manual_seed(--seed) and the decoder is tied to the word embeddings.

The loop is the tutorial's (tutorial_reference.py), not the Trainer's: AdamW(lr 5e-5, eps 1e-8,
weight_decay 0), get_linear_schedule_with_warmup(0 warm-up), clip_grad_norm_(1.0), one
scheduler step per batch, batches of 32 texts in a fresh torch.randperm order every epoch,
dropout as in config.json (0.1). Training masks come from the global torch RNG (as the
Trainer's collator without a seed), drawn afresh every epoch.

Evaluation: the validation texts in file order, batches of --eval-batch-size, masked ONCE
before training by a second collator with seed=--eval-mask-seed (its own torch.Generator), so
every epoch sees the same masks and the epochs compare; the Trainer would draw new ones from
the global RNG every time. eval_loss as Trainer.evaluate computes it: each batch's loss (mean
over its masked tokens) counted once per text of the batch, then the mean; perplexity =
exp(eval_loss) as run_mlm.py; accuracy = masked tokens whose argmax is the label
(run_mlm's compute_metrics).

One torch thread by default (the machine's other core is other jobs'). Prints one JSON object
per line: {"event": "setup"}, one {"event": "epoch"} per epoch (mean training loss over the
epoch's batches, eval_loss, perplexity, accuracy, seconds), {"event": "done"}.

    nice -n 19 /work/venv/bin/python Tools/reference/mlm_reference.py [--epochs 2]
        [--learning-rate 5e-5] [--batch-size 32] [--texts 2000] [--threads 1]
"""

import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402  (sets HF_HUB_OFFLINE before transformers loads)

import torch  # noqa: E402
from transformers import (AutoTokenizer, BertForMaskedLM,  # noqa: E402
                          DataCollatorForLanguageModeling, get_linear_schedule_with_warmup)
from transformers.utils import logging as hf_logging  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=fc.DEFAULT_MINILM, help="a BERT folder")
    parser.add_argument("--cola", default=fc.DEFAULT_COLA, help="cola_public_1.1.zip")
    parser.add_argument("--texts", type=int, default=2000,
                        help="the first N sentences of raw/in_domain_train.tsv")
    parser.add_argument("--validation-fraction", type=float, default=0.1)
    parser.add_argument("--split-seed", type=int, default=2018)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--eval-mask-seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--eval-batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--mlm-probability", type=float, default=0.15)
    parser.add_argument("--threads", type=int, default=1)
    return parser.parse_args()


def tokenize(tokenizer, texts, max_length):
    """run_mlm.py's tokenize_function (line_by_line), one dict per text."""
    texts = [line for line in texts if len(line) > 0 and not line.isspace()]
    encoded = tokenizer(texts, padding=False, truncation=True, max_length=max_length,
                        return_special_tokens_mask=True)
    return [{k: encoded[k][i] for k in encoded.keys()} for i in range(len(texts))]


def evaluate(model, batches):
    """Trainer.evaluate's eval_loss over fixed masked batches, and the masked accuracy."""
    model.eval()
    weighted, examples, correct, masked = 0.0, 0, 0, 0
    with torch.no_grad():
        for batch in batches:
            out = model(**batch)
            size = batch["input_ids"].shape[0]
            weighted += out.loss.item() * size
            examples += size
            chosen = batch["labels"] != -100
            correct += int((out.logits.argmax(-1)[chosen] == batch["labels"][chosen]).sum())
            masked += int(chosen.sum())
    loss = weighted / examples
    try:
        perplexity = math.exp(loss)
    except OverflowError:
        perplexity = float("inf")
    return loss, perplexity, correct / masked if masked else 0.0, masked


def main():
    args = parse_args()
    hf_logging.set_verbosity_error()
    fc.seed_everything(args.seed)
    torch.set_num_threads(args.threads)

    rows = fc.read_cola(args.cola, "raw/in_domain_train.tsv")
    texts = [r["sentence"] for r in rows[:args.texts]]
    order = torch.randperm(len(texts), generator=torch.Generator().manual_seed(args.split_seed))
    n_validation = math.ceil(args.validation_fraction * len(texts))
    validation_texts = [texts[i] for i in order[:n_validation].tolist()]
    train_texts = [texts[i] for i in order[n_validation:].tolist()]

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    train_features = tokenize(tokenizer, train_texts, args.max_length)
    validation_features = tokenize(tokenizer, validation_texts, args.max_length)
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=args.mlm_probability)
    eval_collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=args.mlm_probability,
                                                    seed=args.eval_mask_seed)
    validation_batches = [eval_collator(validation_features[i:i + args.eval_batch_size])
                          for i in range(0, len(validation_features), args.eval_batch_size)]

    model, info = BertForMaskedLM.from_pretrained(args.model, output_loading_info=True)
    tied = (model.cls.predictions.decoder.weight.data_ptr()
            == model.bert.embeddings.word_embeddings.weight.data_ptr())
    steps_per_epoch = (len(train_features) + args.batch_size - 1) // args.batch_size
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, eps=1e-8,
                                  weight_decay=0.0)
    scheduler = get_linear_schedule_with_warmup(optimizer, 0, steps_per_epoch * args.epochs)
    print(json.dumps({
        "event": "setup", "texts": len(texts), "train_texts": len(train_features),
        "validation_texts": len(validation_features),
        "train_tokens": sum(len(f["input_ids"]) for f in train_features),
        "validation_tokens": sum(len(f["input_ids"]) for f in validation_features),
        "validation_masked_tokens": sum(int((b["labels"] != -100).sum()) for b in validation_batches),
        "steps_per_epoch": steps_per_epoch, "epochs": args.epochs,
        "learning_rate": args.learning_rate, "batch_size": args.batch_size,
        "max_length": args.max_length, "mlm_probability": args.mlm_probability,
        "seed": args.seed, "split_seed": args.split_seed, "eval_mask_seed": args.eval_mask_seed,
        "threads": torch.get_num_threads(),
        "hidden_dropout_prob": model.config.hidden_dropout_prob,
        "attention_probs_dropout_prob": model.config.attention_probs_dropout_prob,
        "decoder_tied": tied, "missing_keys": sorted(info["missing_keys"]),
        "unexpected_keys": sorted(info["unexpected_keys"]),
        "torch": torch.__version__, "transformers": fc.library_versions()["transformers"],
    }), flush=True)

    loss, perplexity, accuracy, _ = evaluate(model, validation_batches)
    print(json.dumps({"event": "epoch", "epoch": 0, "eval_loss": loss, "perplexity": perplexity,
                      "accuracy": accuracy}), flush=True)
    begin = time.time()
    for epoch in range(1, args.epochs + 1):
        model.train()
        epoch_start = time.time()
        total, count = 0.0, 0
        order = torch.randperm(len(train_features)).tolist()
        for first in range(0, len(order), args.batch_size):
            batch = collator([train_features[i] for i in order[first:first + args.batch_size]])
            model.zero_grad()
            loss = model(**batch).loss
            total += loss.item()
            count += 1
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
        train_seconds = time.time() - epoch_start
        loss, perplexity, accuracy, _ = evaluate(model, validation_batches)
        print(json.dumps({
            "event": "epoch", "epoch": epoch, "steps": count, "train_loss": total / count,
            "eval_loss": loss, "perplexity": perplexity, "accuracy": accuracy,
            "train_seconds": train_seconds, "epoch_seconds": time.time() - epoch_start,
        }), flush=True)
    print(json.dumps({"event": "done", "seconds": time.time() - begin}), flush=True)


if __name__ == "__main__":
    main()
