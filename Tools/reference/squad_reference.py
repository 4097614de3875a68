#!/usr/bin/env python3
"""Extractive QA fine-tuning in PyTorch/transformers 5.24, as the reference run for
`bert train --task squad` (end-to-end numbers to compare, not bits).

run_qa.py's recipe (transformers examples/pytorch/question-answering) on the SQuAD v2.0
fixtures: BertForQuestionAnswering.from_pretrained(MiniLM) (a BertModel checkpoint, so
qa_outputs is newly initialized, N(0, 0.02²) from torch.manual_seed(--seed)); the training
questions cut into windows by prepare_train_features, the validation questions by
prepare_validation_features (max_length 384, doc_stride 128, question lstrip,
truncation="only_second", padding=False; both restated in make_qa_feature_fixtures.py and
imported from there, as are the examples, read like 🤗 datasets' squad_v2 loader);
after every epoch postprocess_qa_predictions (utils_qa, restated in make_qa_fixtures.py)
with version_2_with_negative, n_best_size 20, max_answer_length 30,
null_score_diff_threshold 0, scored by the official evaluate-v2.0 script (datasets 1.18.4's
metrics/squad_v2/evaluate.py, run as a program through make_squad_metric_fixtures.run_v2:
no na_prob file, so every no-answer probability is 0 and the threshold 1.0, as run_qa's
squad_v2 metric with no_answer_probability 0.0).

The loop is the tutorial's (tutorial_reference.py), not the Trainer's: AdamW(lr, eps 1e-8,
weight_decay 0), get_linear_schedule_with_warmup(0 warm-up, steps = batches × epochs),
clip_grad_norm_(1.0), one scheduler step per batch, batches of --batch-size windows in a
fresh torch.randperm order every epoch, dropout as in config.json (0.1) while training.

Dynamic padding: each batch is padded to its longest window by DataCollatorWithPadding
(what run_qa uses without --pad_to_max_length). transformers' QA loss,
(CrossEntropy(start_logits, start) + CrossEntropy(end_logits, end)) / 2, runs its softmax over
every position of the padded batch, padding included (the attention mask keeps padding out of
attention, not out of the loss), so a window's loss depends a little on its batch-mates'
lengths. Validation logits keep the batch padding too, as run_qa's do; the post-processing
skips positions past a window's offsets.

One torch thread by default (the machine's other core is other jobs'); seeded with
torch.manual_seed(--seed) for the head, dropout and batch order. Prints one JSON object per
line: {"event": "setup"}, one {"event": "epoch"} per epoch (mean training loss over the
epoch's batches, validation EM/F1 overall, HasAns and NoAns, seconds), {"event": "done"}.

    nice -n 19 /work/venv/bin/python Tools/reference/squad_reference.py [--epochs 6]
        [--learning-rate 1e-4] [--batch-size 16] [--threads 1] [--max-steps N]
"""

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402  (sets HF_HUB_OFFLINE before transformers loads)
import make_qa_feature_fixtures as qf  # noqa: E402  (squad_columns, prepare_*_features)
import make_qa_fixtures as qp  # noqa: E402  (postprocess_qa_predictions)
import make_squad_metric_fixtures as sm  # noqa: E402  (the official evaluate-v2.0)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import (AutoTokenizer, BertForQuestionAnswering,  # noqa: E402
                          DataCollatorWithPadding, get_linear_schedule_with_warmup)
from transformers.utils import logging as hf_logging  # noqa: E402

MODEL_INPUTS = ("input_ids", "token_type_ids", "attention_mask")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=fc.DEFAULT_MINILM, help="a BERT folder")
    parser.add_argument("--train", default=os.path.join(qf.SQUAD, "train-v2.json"))
    parser.add_argument("--validation", default=os.path.join(qf.SQUAD, "dev-v2.json"))
    parser.add_argument("--reference-dir",
                        default=os.path.join(tempfile.gettempdir(), "swift-bert-squad-reference"),
                        help="where make_squad_metric_fixtures keeps the official scripts")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--eval-batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--max-length", type=int, default=384)
    parser.add_argument("--doc-stride", type=int, default=128)
    parser.add_argument("--n-best-size", type=int, default=20)
    parser.add_argument("--max-answer-length", type=int, default=30)
    parser.add_argument("--null-score-diff-threshold", type=float, default=0.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-steps", type=int, default=None,
                        help="stop training after this many steps (a smoke test); the "
                             "schedule still spans every epoch")
    return parser.parse_args()


def features_list(tokenized, keys):
    """run_qa's dataset rows: one dict per window."""
    return [{k: tokenized[k][i] for k in keys} for i in range(len(tokenized["input_ids"]))]


def evaluate(model, collator, columns, features, args, paths):
    """Logits per window, postprocess_qa_predictions, then evaluate-v2.0."""
    model.eval()
    start_logits, end_logits = [], []
    with torch.no_grad():
        for begin in range(0, len(features), args.eval_batch_size):
            chunk = features[begin:begin + args.eval_batch_size]
            batch = collator([{k: f[k] for k in MODEL_INPUTS} for f in chunk])
            out = model(**batch)
            start_logits += list(out.start_logits.numpy())
            end_logits += list(out.end_logits.numpy())
    examples = [{"id": i, "context": c} for i, c in zip(columns["id"], columns["context"])]
    predictions, _, _ = qp.postprocess_qa_predictions(
        examples, features, start_logits, end_logits, version_2_with_negative=True,
        n_best_size=args.n_best_size, max_answer_length=args.max_answer_length,
        null_score_diff_threshold=args.null_score_diff_threshold)
    questions = [{"id": i, "answers": a["text"], "prediction": predictions[i]}
                 for i, a in zip(columns["id"], columns["answers"])]
    with tempfile.TemporaryDirectory() as tmp:
        return sm.run_v2(paths["v2"], questions, None, 1.0, tmp)


def main():
    args = parse_args()
    hf_logging.set_verbosity_error()
    fc.seed_everything(args.seed)
    torch.set_num_threads(args.threads)
    paths, _ = sm.fetch_reference(args.reference_dir)

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    train_columns = qf.squad_columns(args.train)
    validation_columns = qf.squad_columns(args.validation)
    tokenized = qf.prepare_train_features({k: list(v) for k, v in train_columns.items()},
                                          tokenizer, args.max_length, args.doc_stride)
    train_features = features_list(tokenized, MODEL_INPUTS + ("start_positions", "end_positions"))
    tokenized = qf.prepare_validation_features({k: list(v) for k, v in validation_columns.items()},
                                               tokenizer, args.max_length, args.doc_stride)
    validation_features = features_list(tokenized, MODEL_INPUTS + ("example_id", "offset_mapping"))
    collator = DataCollatorWithPadding(tokenizer, return_tensors="pt")

    model, info = BertForQuestionAnswering.from_pretrained(args.model, output_loading_info=True)
    steps_per_epoch = (len(train_features) + args.batch_size - 1) // args.batch_size
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, eps=1e-8,
                                  weight_decay=0.0)
    scheduler = get_linear_schedule_with_warmup(optimizer, 0, steps_per_epoch * args.epochs)
    print(json.dumps({
        "event": "setup", "train_questions": len(train_columns["id"]),
        "train_unanswerable": sum(not a["text"] for a in train_columns["answers"]),
        "train_windows": len(train_features),
        "train_windows_with_answer": sum(f["start_positions"] != 0 for f in train_features),
        "validation_questions": len(validation_columns["id"]),
        "validation_unanswerable": sum(not a["text"] for a in validation_columns["answers"]),
        "validation_windows": len(validation_features),
        "steps_per_epoch": steps_per_epoch, "epochs": args.epochs,
        "learning_rate": args.learning_rate, "batch_size": args.batch_size,
        "max_length": args.max_length, "doc_stride": args.doc_stride, "seed": args.seed,
        "threads": torch.get_num_threads(),
        "hidden_dropout_prob": model.config.hidden_dropout_prob,
        "attention_probs_dropout_prob": model.config.attention_probs_dropout_prob,
        "missing_keys": sorted(info["missing_keys"]),
        "unexpected_keys": sorted(info["unexpected_keys"]),
        "torch": torch.__version__, "transformers": fc.library_versions()["transformers"],
    }), flush=True)

    begin, step = time.time(), 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        epoch_start = time.time()
        total, count, padded, real = 0.0, 0, 0, 0
        order = torch.randperm(len(train_features)).tolist()
        for first in range(0, len(order), args.batch_size):
            batch = collator([train_features[i] for i in order[first:first + args.batch_size]])
            padded += batch["attention_mask"].numel()
            real += int(batch["attention_mask"].sum())
            model.zero_grad()
            loss = model(**batch).loss
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
        result = evaluate(model, collator, validation_columns, validation_features, args, paths)
        print(json.dumps({
            "event": "epoch", "epoch": epoch, "steps": count, "train_loss": total / count,
            "exact": result["exact"], "f1": result["f1"],
            "HasAns_exact": result["HasAns_exact"], "HasAns_f1": result["HasAns_f1"],
            "HasAns_total": result["HasAns_total"],
            "NoAns_exact": result["NoAns_exact"], "NoAns_f1": result["NoAns_f1"],
            "NoAns_total": result["NoAns_total"], "total": result["total"],
            "padding_share": 1 - real / padded,
            "train_seconds": train_seconds, "epoch_seconds": time.time() - epoch_start,
        }), flush=True)
        if args.max_steps and step >= args.max_steps:
            break
    print(json.dumps({"event": "done", "seconds": time.time() - begin, "steps": step}), flush=True)


if __name__ == "__main__":
    main()
