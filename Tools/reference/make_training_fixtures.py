#!/usr/bin/env python3
"""Training fixtures for swift-bert: loss, gradients, AdamW steps.

Writes into Tests/Fixtures/training/:

  tiny_training.safetensors     tiny-bert: loss and the gradient of every parameter on one
                                batch, then 3 AdamW steps (weight_decay 0.0) on that batch
  tiny_training_wd.safetensors  the same with weight_decay 0.01
  minilm_gradients.safetensors  all-MiniLM-L6-v2 + seeded classifier: loss and gradients
                                (full for small tensors, a seeded sample for large ones)
  minilm_steps.safetensors      5 AdamW steps on the first 40 CoLA training sentences

Dropout is disabled through the config (hidden_dropout_prob = attention_probs_dropout_prob
= 0); the model is otherwise in train() mode. Batches run as one right-padded batch with an
attention mask, exactly as a transformers user would; inputs are stored PACKED
(input_ids/token_type_ids [tokens], sequence_offsets [batch+1]). Scalars are stored as
shape [1] tensors.

    /work/venv/bin/python Tools/reference/make_training_fixtures.py [--model .models/all-MiniLM-L6-v2]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402  (sets HF_HUB_OFFLINE before transformers loads)

import torch  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from transformers import AutoTokenizer, BertForSequenceClassification, get_linear_schedule_with_warmup  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

TINY_DIR = os.path.join(fc.FIXTURES, "tiny-bert")
OUT_DIR = os.path.join(fc.FIXTURES, "training")
NO_DROPOUT = dict(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)

TINY_BATCH = [
    # (text, text_pair, label)
    ("The sailors rode the breeze clear of the rocks.", None, 0),
    ("John is taller than Mary.", "Mary is shorter than John, isn't she?", 2),
    ("Hi!", None, 1),
    ("The more books that people who like reading buy, the happier they seem.", None, 2),
    ("I ate a 🍕 yesterday.", None, 0),
]
TINY_LR = 1e-3
TINY_STEPS = 3
TINY_WARMUP = 1
# Chosen so that clip_grad_norm_ scales the gradients on some steps and not others
# (see the stored step_grad_norm).
TINY_MAX_NORM = 1.0

MINILM_SEED = 1234
MINILM_GRAD_LINES = [1, 5, 12, 33, 97, 250, 1024, 4000]  # in_domain_train.tsv, 1-based
MINILM_GRAD_PAIR = (2, 3)  # in_domain_train.tsv lines joined as a pair; label of the first
FULL_GRAD_LIMIT = 50_000
SAMPLE_SIZE = 4096
SAMPLE_SEED = 4096
MINILM_STEPS = 5
MINILM_STEP_BATCH = 8
MINILM_MAX_LENGTH = 64


# ---------------------------------------------------------------------------

def scalar(x, dtype=torch.float32):
    return torch.tensor([float(x)], dtype=dtype)


def encode(tokenizer, items, max_length=None):
    """Per-sequence encodings (no padding) of (text, pair) items."""
    out = []
    for text, pair in items:
        kwargs = dict(truncation=True, max_length=max_length) if max_length else {}
        enc = tokenizer(text, pair, **kwargs) if pair is not None else tokenizer(text, **kwargs)
        out.append({"input_ids": list(enc["input_ids"]), "token_type_ids": list(enc["token_type_ids"])})
    return out


def pack(encodings):
    ids, types, offsets = [], [], [0]
    for enc in encodings:
        ids += enc["input_ids"]
        types += enc["token_type_ids"]
        offsets.append(len(ids))
    return {"input_ids": torch.tensor(ids, dtype=torch.int64),
            "token_type_ids": torch.tensor(types, dtype=torch.int64),
            "sequence_offsets": torch.tensor(offsets, dtype=torch.int64)}


def pad(encodings, pad_id):
    n = max(len(e["input_ids"]) for e in encodings)
    ids = torch.full((len(encodings), n), pad_id, dtype=torch.int64)
    types = torch.zeros((len(encodings), n), dtype=torch.int64)
    mask = torch.zeros((len(encodings), n), dtype=torch.int64)
    for b, e in enumerate(encodings):
        k = len(e["input_ids"])
        ids[b, :k] = torch.tensor(e["input_ids"])
        types[b, :k] = torch.tensor(e["token_type_ids"])
        mask[b, :k] = 1
    return {"input_ids": ids, "token_type_ids": types, "attention_mask": mask}


def loss_and_grads(model, batch, labels):
    model.zero_grad(set_to_none=True)
    out = model(**batch, labels=labels)
    out.loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    return out.loss.detach(), out.logits.detach(), grads


def per_sequence_grads(model, encodings, labels):
    """Packed-equivalent reference: each sequence alone, loss = mean over sequences."""
    model.zero_grad(set_to_none=True)
    total = 0.0
    for enc, label in zip(encodings, labels.tolist()):
        out = model(input_ids=torch.tensor([enc["input_ids"]]),
                    token_type_ids=torch.tensor([enc["token_type_ids"]]),
                    labels=torch.tensor([label]))
        (out.loss / len(encodings)).backward()
        total += float(out.loss.detach()) / len(encodings)
    return total, {n: p.grad.detach().clone() for n, p in model.named_parameters()}


def max_grad_diff(a, b):
    return max(float((a[n].double() - b[n].double()).abs().max()) for n in a)


def train_steps(model, batch, labels, steps, lr, warmup, weight_decay, max_norm, batches=None):
    """AdamW + linear schedule + clipping, the tutorial's loop. Returns per-step records."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, eps=1e-8, weight_decay=weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=warmup, num_training_steps=steps)
    lrs, losses, norms, norms64 = [], [], [], []
    for step in range(steps):
        b, y = (batch, labels) if batches is None else batches[step]
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.zero_grad(set_to_none=True)
        loss = model(**b, labels=y).loss
        loss.backward()
        norms64.append(exact_norm(p.grad for p in model.parameters()))
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
        scheduler.step()
        losses.append(float(loss.detach()))
        norms.append(float(norm))
    return optimizer, lrs, losses, norms, norms64


def exact_norm(grads):
    """Global L2 norm accumulated in float64 (torch's float32 norm is off by ~1e-5 relative)."""
    return float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))


def noise_gradients(names):
    """Parameters whose gradient is mathematically zero, so stored values are rounding noise.

    Adding a bias to every key shifts all scores of a query by the same amount, which
    softmax ignores: d loss / d key.bias = 0 exactly; float32 gives ~1e-9..1e-11. AdamW
    turns that noise into full-size steps (m / sqrt(v) ~ +-1), so after-step values of these
    tensors only agree within about lr per step.
    """
    return [n for n in names if n.endswith("attention.self.key.bias")]


def optimizer_impl(optimizer):
    d = optimizer.defaults
    return {k: d.get(k) for k in ("foreach", "fused", "capturable", "differentiable", "maximize", "amsgrad")}


# ---------------------------------------------------------------------------
# tiny

def make_tiny():
    tokenizer = AutoTokenizer.from_pretrained(TINY_DIR)
    encodings = encode(tokenizer, [(t, p) for t, p, _ in TINY_BATCH])
    labels = torch.tensor([y for _, _, y in TINY_BATCH], dtype=torch.int64)
    batch = pad(encodings, tokenizer.pad_token_id)
    paths = []
    for weight_decay, fname in ((0.0, "tiny_training.safetensors"), (0.01, "tiny_training_wd.safetensors")):
        fc.seed_everything(0)
        model = BertForSequenceClassification.from_pretrained(TINY_DIR, attn_implementation="eager", **NO_DROPOUT)
        model.train()
        initial = {n: p.detach().clone() for n, p in model.named_parameters()}
        loss, logits, grads = loss_and_grads(model, batch, labels)
        # Padded batch vs each sequence alone, in float64: equal up to rounding.
        model.double()
        loss64, grads64 = per_sequence_grads(model, encodings, labels)
        model.float()
        with torch.no_grad():
            for n, p in model.named_parameters():
                assert torch.equal(p, initial[n])
        padded_vs_packed = max_grad_diff(grads, grads64)
        assert abs(float(loss) - loss64) < 1e-5 and padded_vs_packed < 1e-4, (float(loss), loss64, padded_vs_packed)

        optimizer, lrs, losses, norms, norms64 = train_steps(
            model, batch, labels, TINY_STEPS, TINY_LR, TINY_WARMUP, weight_decay, TINY_MAX_NORM)
        assert abs(losses[0] - float(loss)) < 1e-6
        clipped = [n > TINY_MAX_NORM for n in norms]
        assert any(clipped), f"clipping never triggers: {norms}"

        tensors = pack(encodings)
        tensors["labels"] = labels
        tensors["loss"] = scalar(loss)
        tensors["logits"] = logits.float().contiguous()
        for n, g in grads.items():
            tensors["grad." + n] = g.contiguous()
        tensors["step_lr"] = torch.tensor(lrs, dtype=torch.float64)
        tensors["step_loss"] = torch.tensor(losses, dtype=torch.float32)
        tensors["step_grad_norm"] = torch.tensor(norms, dtype=torch.float32)
        tensors["step_grad_norm_float64"] = torch.tensor(norms64, dtype=torch.float64)
        state = optimizer.state
        for n, p in model.named_parameters():
            tensors["after3." + n] = p.detach().clone().contiguous()
            tensors["exp_avg." + n] = state[p]["exp_avg"].clone().contiguous()
            tensors["exp_avg_sq." + n] = state[p]["exp_avg_sq"].clone().contiguous()
        meta = fc.header(
            __file__, "training/" + fname[:-len(".safetensors")], model="Tests/Fixtures/tiny-bert",
            config_overrides=NO_DROPOUT, mode="train() with dropout 0", attn_implementation="eager",
            inputs=[{"text": t, "text_pair": p, "label": y} for t, p, y in TINY_BATCH],
            tokens=[tokenizer.convert_ids_to_tokens(e["input_ids"]) for e in encodings],
            loss="BertForSequenceClassification(..., labels=labels).loss: mean cross-entropy over the batch",
            optimizer=dict(cls="torch.optim.AdamW", lr=TINY_LR, betas=[0.9, 0.999], eps=1e-8,
                           weight_decay=weight_decay, **optimizer_impl(optimizer)),
            schedule=dict(fn="transformers.get_linear_schedule_with_warmup", num_warmup_steps=TINY_WARMUP,
                          num_training_steps=TINY_STEPS),
            clip=dict(fn="torch.nn.utils.clip_grad_norm_", max_norm=TINY_MAX_NORM, norm_type=2.0),
            loop=("for each of 3 steps on the same batch: lr = param_groups[0]['lr']; zero_grad; "
                  "loss.backward(); norm = clip_grad_norm_(params, max_norm); optimizer.step(); "
                  "scheduler.step()"),
            step_clipped=clipped, torch_threads=torch.get_num_threads(),
            gradient_is_rounding_noise=noise_gradients(grads),
            padded_vs_per_sequence_float64_grad_max_abs_diff=padded_vs_packed,
            tensors={"input_ids/token_type_ids": "int64 [tokens] packed", "sequence_offsets": "int64 [batch+1]",
                     "labels": "int64 [batch]", "loss": "float32 [1]: loss at the initial weights",
                     "logits": "float32 [batch, 3] at the initial weights",
                     "grad.NAME": "float32, d loss / d NAME at the initial weights (before clipping)",
                     "step_lr": "float64 [3]: learning rate used by step k",
                     "step_loss": "float32 [3]: loss computed in step k (before its update)",
                     "step_grad_norm": "float32 [3]: total norm returned by clip_grad_norm_ in step k",
                     "step_grad_norm_float64": "float64 [3]: the same norm accumulated in float64",
                     "after3.NAME": "float32: parameter after 3 steps",
                     "exp_avg.NAME / exp_avg_sq.NAME": "float32: AdamW moments after 3 steps"},
        )
        path = os.path.join(OUT_DIR, fname)
        fc.save_safetensors(tensors, path, meta)
        paths.append(path)
        print(f"{fname}: loss {float(loss):.6f}, lrs {lrs}, losses {losses}, grad norms {norms}, "
              f"padded vs per-sequence (float64) {padded_vs_packed:.2e}")
    return paths


# ---------------------------------------------------------------------------
# MiniLM

def load_minilm(model_dir):
    torch.manual_seed(MINILM_SEED)
    model = BertForSequenceClassification.from_pretrained(
        model_dir, num_labels=2, attn_implementation="eager", **NO_DROPOUT)
    forward = os.path.join(fc.FIXTURES, "forward", "minilm_forward.safetensors")
    if os.path.exists(forward):  # same classifier as the forward fixture
        ref = load_file(forward)
        assert torch.equal(ref["classifier.weight"], model.classifier.weight.detach()), "classifier init differs"
        assert torch.equal(ref["classifier.bias"], model.classifier.bias.detach())
    model.train()
    return model


def make_minilm_gradients(args, tokenizer):
    rows = fc.read_cola(args.cola, "raw/in_domain_train.tsv")
    items, labels, sources = [], [], []
    for line in MINILM_GRAD_LINES:
        r = rows[line - 1]
        items.append((r["sentence"], None))
        labels.append(r["label"])
        sources.append(f"raw/in_domain_train.tsv:{line}")
    a, b = (rows[i - 1] for i in MINILM_GRAD_PAIR)
    items.append((a["sentence"], b["sentence"]))
    labels.append(a["label"])
    sources.append(f"raw/in_domain_train.tsv:{MINILM_GRAD_PAIR[0]} + :{MINILM_GRAD_PAIR[1]} (pair)")
    encodings = encode(tokenizer, items, max_length=MINILM_MAX_LENGTH)
    lengths = [len(e["input_ids"]) for e in encodings]
    assert len(set(lengths)) >= 6, lengths
    labels = torch.tensor(labels, dtype=torch.int64)

    model = load_minilm(args.model)
    fc.seed_everything(MINILM_SEED)
    loss, logits, grads = loss_and_grads(model, pad(encodings, tokenizer.pad_token_id), labels)
    grad_norm = torch.nn.utils.get_total_norm(list(grads.values()), norm_type=2.0)

    g = torch.Generator().manual_seed(SAMPLE_SEED)
    tensors = pack(encodings)
    tensors.update(labels=labels, loss=scalar(loss), logits=logits.contiguous(), grad_norm=scalar(grad_norm),
                   grad_norm_float64=scalar(exact_norm(grads.values()), torch.float64))
    batch_ids = torch.unique(tensors["input_ids"])  # sorted
    max_len = max(lengths)
    sampled, full = [], []
    for name, grad in grads.items():  # named_parameters order
        if grad.numel() <= FULL_GRAD_LIMIT:
            tensors["grad." + name] = grad.contiguous()
            full.append(name)
            continue
        flat = grad.reshape(-1)
        if name == "bert.embeddings.word_embeddings.weight":
            rows_used = batch_ids
        elif name == "bert.embeddings.position_embeddings.weight":
            rows_used = torch.arange(max_len)
        else:
            rows_used = None
        if rows_used is not None:
            width = grad.shape[1]
            nonzero_rows = torch.nonzero(grad.abs().sum(dim=1)).reshape(-1)
            assert torch.equal(nonzero_rows, rows_used), f"{name}: non-zero rows differ from the rows used"
            candidates = (rows_used[:, None] * width + torch.arange(width)[None, :]).reshape(-1)
            pick = candidates[torch.randperm(candidates.numel(), generator=g)[:SAMPLE_SIZE]]
        else:
            pick = torch.randperm(flat.numel(), generator=g)[:SAMPLE_SIZE]
        index = torch.sort(pick).values
        tensors["grad_index." + name] = index.to(torch.int64)
        tensors["grad_sample." + name] = flat[index].contiguous()
        sampled.append(name)
    # Full rows of the word-embedding gradient for a handful of ids.
    word = grads["bert.embeddings.word_embeddings.weight"]
    counts = torch.bincount(tensors["input_ids"], minlength=word.shape[0])
    by_count = sorted(batch_ids.tolist(), key=lambda i: (-int(counts[i]), i))
    row_ids = sorted({tokenizer.cls_token_id, tokenizer.sep_token_id, *by_count[2:5], by_count[-1], by_count[-2]})
    tensors["grad_row_ids.bert.embeddings.word_embeddings.weight"] = torch.tensor(row_ids, dtype=torch.int64)
    tensors["grad_rows.bert.embeddings.word_embeddings.weight"] = word[row_ids].contiguous()
    tensors["grad_nonzero_rows.bert.embeddings.word_embeddings.weight"] = batch_ids.to(torch.int64)

    meta = fc.header(
        __file__, "training/minilm_gradients", model="all-MiniLM-L6-v2",
        recipe=("torch.manual_seed(1234); BertForSequenceClassification.from_pretrained(minilm, num_labels=2, "
                "hidden_dropout_prob=0, attention_probs_dropout_prob=0, attn_implementation='eager'); "
                "train(); classifier identical to forward/minilm_forward.safetensors; one forward+backward "
                "of the padded batch with labels"),
        inputs=[{"source": s, "text": t, "text_pair": p, "label": int(y)}
                for s, (t, p), y in zip(sources, items, labels)],
        tokenizer_call=f"tokenizer(text[, text_pair], truncation=True, max_length={MINILM_MAX_LENGTH})",
        lengths=lengths, full_gradients=full, sampled_gradients=sampled, torch_threads=torch.get_num_threads(),
        gradient_is_rounding_noise=noise_gradients(grads),
        sampling=(f"tensors with more than {FULL_GRAD_LIMIT} elements: {SAMPLE_SIZE} distinct flat (row-major) "
                  f"indices drawn with torch.randperm from one torch.Generator seeded {SAMPLE_SEED}, in "
                  "named_parameters order, then sorted; for bert.embeddings.word_embeddings.weight the "
                  "candidates are only the rows of token ids in the batch "
                  "(grad_nonzero_rows.*: every other row's gradient is exactly 0), for "
                  "bert.embeddings.position_embeddings.weight only rows < the longest sequence"),
        tensors={"grad.NAME": "float32 full gradient (numel <= 50000)",
                 "grad_index.NAME": "int64 [4096] sorted flat indices", "grad_sample.NAME": "float32 [4096]",
                 "grad_row_ids.bert.embeddings.word_embeddings.weight": "int64 [k] token ids",
                 "grad_rows.bert.embeddings.word_embeddings.weight": "float32 [k, 384] full gradient rows",
                 "grad_nonzero_rows.bert.embeddings.word_embeddings.weight": "int64 sorted unique ids in batch",
                 "grad_norm": "float32 [1] global L2 norm of all gradients (torch.nn.utils.get_total_norm)",
                 "grad_norm_float64": "float64 [1] the same norm accumulated in float64",
                 "loss": "float32 [1]", "logits": "float32 [batch, 2]", "labels": "int64 [batch]"},
    )
    path = os.path.join(OUT_DIR, "minilm_gradients.safetensors")
    fc.save_safetensors(tensors, path, meta)
    print(f"minilm_gradients: loss {float(loss):.6f}, grad norm {float(grad_norm):.6f}, lengths {lengths}, "
          f"{len(full)} full, {len(sampled)} sampled, word rows {row_ids}")
    return path


def make_minilm_steps(args, tokenizer):
    rows = fc.read_cola(args.cola, "raw/in_domain_train.tsv")[: MINILM_STEPS * MINILM_STEP_BATCH]
    model = load_minilm(args.model)
    fc.seed_everything(MINILM_SEED)
    batches, all_enc = [], []
    for s in range(MINILM_STEPS):
        chunk = rows[s * MINILM_STEP_BATCH:(s + 1) * MINILM_STEP_BATCH]
        enc = tokenizer([r["sentence"] for r in chunk], padding=True, truncation=True,
                        max_length=MINILM_MAX_LENGTH, return_tensors="pt")
        batch = {k: enc[k] for k in ("input_ids", "token_type_ids", "attention_mask")}
        batches.append((batch, torch.tensor([r["label"] for r in chunk], dtype=torch.int64)))
        all_enc += encode(tokenizer, [(r["sentence"], None) for r in chunk], max_length=MINILM_MAX_LENGTH)
    optimizer, lrs, losses, norms, norms64 = train_steps(
        model, None, None, MINILM_STEPS, 2e-5, 0, 0.0, 1.0, batches=batches)
    tensors = pack(all_enc)
    tensors["labels"] = torch.tensor([r["label"] for r in rows], dtype=torch.int64)
    tensors["step_lr"] = torch.tensor(lrs, dtype=torch.float64)
    tensors["step_loss"] = torch.tensor(losses, dtype=torch.float32)
    tensors["step_grad_norm"] = torch.tensor(norms, dtype=torch.float32)
    tensors["step_grad_norm_float64"] = torch.tensor(norms64, dtype=torch.float64)
    for n, p in model.named_parameters():
        if n.startswith("classifier.") or n.startswith("bert.pooler.dense.bias"):
            tensors["after5." + n] = p.detach().clone().contiguous()
    meta = fc.header(
        __file__, "training/minilm_steps", model="all-MiniLM-L6-v2",
        recipe=("same model as minilm_gradients (seed 1234 classifier, dropout 0, train()); no shuffling: "
                f"step k uses raw/in_domain_train.tsv lines {MINILM_STEP_BATCH}k+1 .. {MINILM_STEP_BATCH}k+8 "
                "in file order, tokenizer(sentences, padding=True, truncation=True, max_length=64)"),
        lines=[[s * MINILM_STEP_BATCH + i + 1 for i in range(MINILM_STEP_BATCH)] for s in range(MINILM_STEPS)],
        optimizer=dict(cls="torch.optim.AdamW", lr=2e-5, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0,
                       **optimizer_impl(optimizer)),
        schedule=dict(fn="transformers.get_linear_schedule_with_warmup", num_warmup_steps=0,
                      num_training_steps=MINILM_STEPS),
        clip=dict(fn="torch.nn.utils.clip_grad_norm_", max_norm=1.0, norm_type=2.0),
        torch_threads=torch.get_num_threads(),
        tensors={"input_ids/token_type_ids": "int64 [tokens] packed, all 40 sentences in order",
                 "sequence_offsets": "int64 [41]", "labels": "int64 [40]",
                 "step_lr": "float64 [5]: learning rate used by step k",
                 "step_loss": "float32 [5]: loss of step k before its update",
                 "step_grad_norm": "float32 [5]: clip_grad_norm_ return value",
                 "step_grad_norm_float64": "float64 [5]: the same norm accumulated in float64",
                 "after5.NAME": "float32: a few parameters after the 5 steps"},
    )
    path = os.path.join(OUT_DIR, "minilm_steps.safetensors")
    fc.save_safetensors(tensors, path, meta)
    print(f"minilm_steps: lrs {lrs}, losses {losses}, grad norms {norms}")
    return path


# ---------------------------------------------------------------------------

def verify(paths):
    for path in paths:
        with safe_open(path, "pt") as f:
            meta = f.metadata()
            names = list(f.keys())
        assert meta["format"] == fc.FORMAT and meta["version"] == str(fc.VERSION), path
        t = load_file(path)
        offs = t["sequence_offsets"]
        assert int(offs[-1]) == t["input_ids"].numel() and t["labels"].numel() == offs.numel() - 1, path
        print(f"verified {fc.rel(path)}: {os.path.getsize(path)} bytes, {len(names)} tensors")
    # Every tiny parameter has a gradient and an after3 value of the right shape.
    t = load_file(paths[0])
    with safe_open(os.path.join(TINY_DIR, "model.safetensors"), "pt") as f:
        for name in f.keys():
            shape = tuple(f.get_slice(name).get_shape())
            assert tuple(t["grad." + name].shape) == shape == tuple(t["after3." + name].shape), name
    # Recompute one sampled MiniLM gradient entry set from scratch is costly; check shapes only.
    m = load_file(paths[2])
    for k in m:
        if k.startswith("grad_index."):
            name = k[len("grad_index."):]
            assert m[k].shape == m["grad_sample." + name].shape == (SAMPLE_SIZE,), name
            assert torch.all(m[k][1:] > m[k][:-1]), name


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=fc.DEFAULT_MINILM, help="HF folder of all-MiniLM-L6-v2")
    parser.add_argument("--cola", default=fc.DEFAULT_COLA, help="cola_public_1.1.zip")
    args = parser.parse_args()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    fc.ensure_dir(OUT_DIR)
    paths = make_tiny()
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    paths.append(make_minilm_gradients(args, tokenizer))
    paths.append(make_minilm_steps(args, tokenizer))
    verify(paths)


if __name__ == "__main__":
    main()
