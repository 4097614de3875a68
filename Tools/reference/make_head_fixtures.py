#!/usr/bin/env python3
"""Training fixtures for swift-bert's model heads: token classification, multi-label,
regression, class-weighted cross-entropy and gradient accumulation, all on tiny-bert.

Writes into Tests/Fixtures/training/:

  tiny_token_classification.safetensors  BertForTokenClassification, num_labels 5
  tiny_multilabel.safetensors            BertForSequenceClassification, multi_label_classification, 4
  tiny_regression.safetensors            BertForSequenceClassification, regression, num_labels 1
  tiny_class_weights.safetensors         single-label, 3 labels, CrossEntropyLoss(weight=w) on the logits
  tiny_accumulation.safetensors          single-label, 3 labels, 2 micro-batches per optimizer step

Conventions are make_training_fixtures.py's (its helpers and TINY_* settings are imported, not
copied): tiny-bert from Tests/Fixtures/tiny-bert with dropout 0 through the config, eager
attention, train() mode; one right-padded batch with an attention mask per forward, inputs
stored PACKED (input_ids/token_type_ids int64 [tokens], sequence_offsets int64 [batch+1]);
scalars as shape [1]; then 3 steps of torch.optim.AdamW(lr 1e-3, betas (0.9, 0.999), eps 1e-8,
weight_decay 0) with get_linear_schedule_with_warmup(1 warmup of 3 steps: lr 0, 1e-3, 5e-4)
and clip_grad_norm_(max_norm 1.0) after each backward, all on the same batch.

Heads whose classifier shape differs from tiny-bert's [3, 32] (token classification 5,
multi-label 4, regression 1) are loaded as a user would: torch.manual_seed(HEAD_SEED), then
from_pretrained(tiny-bert, num_labels=..., ignore_mismatched_sizes=True), so the encoder comes
from tiny-bert and the classifier from BertPreTrainedModel._init_weights (normal(0, 0.02)
weight, zero bias). The 3-label heads keep tiny-bert's own classifier. BertForTokenClassification
has no pooler: tiny-bert's bert.pooler.* tensors are unused, and the file has no grad/after3
entries for them.

Tensor names in every file (the names of tiny_training.safetensors, plus the classifier used):

  input_ids, token_type_ids       int64 [tokens], packed
  sequence_offsets                int64 [batch+1]
  labels                          see below
  classifier.weight, classifier.bias   float32, the classifier at the initial weights
  logits                          float32 at the initial weights, see below
  loss                            float32 [1] at the initial weights
  grad.NAME                       float32, d loss / d NAME at the initial weights (before
                                  clipping), for every named parameter of the model
  step_lr                         float64 [3], the lr of step k
  step_loss                       float32 [3], the loss computed in step k (before its update)
  step_grad_norm                  float32 [3], what clip_grad_norm_ returned in step k
  step_grad_norm_float64          float64 [3], the same norm accumulated in float64
  after3.NAME                     float32, parameter after 3 steps
  exp_avg.NAME, exp_avg_sq.NAME   float32, AdamW moments after 3 steps

Per file:

  tiny_token_classification  labels int64 [tokens] packed (class of the word on its first
        sub-token, -100 on [CLS]/[SEP] and later sub-tokens: run_ner's
        tokenize_and_align_labels with label_all_tokens=False); word_ids int64 [tokens]
        (the word index, -1 on specials); logits [tokens, 5] packed (padding rows dropped);
        loss = CrossEntropyLoss()(logits.view(-1, 5), labels.view(-1)) over the padded batch,
        padding labelled -100 as DataCollatorForTokenClassification does.
  tiny_multilabel            labels float32 [batch, 4] multi-hot; logits [batch, 4];
        loss = BCEWithLogitsLoss()(logits, labels).
  tiny_regression            labels float32 [batch]; logits [batch, 1];
        loss = MSELoss()(logits.squeeze(), labels.squeeze()).
  tiny_class_weights         labels int64 [batch]; class_weights float32 [3] =
        sklearn.utils.class_weight.compute_class_weight("balanced", classes=[0, 1, 2], y=labels)
        = batch / (3 * bincount(labels)); logits [batch, 3];
        loss = CrossEntropyLoss(weight=class_weights)(logits.view(-1, 3), labels.view(-1)),
        computed on model(...).logits outside the model (a Trainer.compute_loss override).
  tiny_accumulation          6 sequences, labels int64 [6]; micro-batch k is sequences
        3k..3k+2 (micro_batch_offsets int64 [3] = [0, 3, 6], sequence indices; equal sizes);
        logits [6, 3] (each micro-batch's forward); micro_loss float32 [2], each micro-batch's
        mean loss; loss float32 [1] = micro_loss[0]/2 + micro_loss[1]/2; grad.NAME = the sum of
        the gradients of micro_loss[k]/2 (two backward calls into .grad, as the Trainer);
        full_batch_loss float32 [1] and full_batch_grad.NAME: the single 6-sequence batch's mean
        loss and gradients, equal to the accumulated ones up to rounding
        (accumulated_vs_full_batch_grad_max_abs_diff in the metadata) only because the
        micro-batches have equal sizes; step_* and after3/exp_avg* as above, where each of the
        3 optimizer steps is: zero_grad; for each micro-batch: (loss_k / 2).backward();
        clip_grad_norm_; optimizer.step(); scheduler.step(); step_loss = the sum of the halves.

Gradient accumulation, transformers 5.24 (Trainer.training_step / compute_loss /
_get_num_items_in_batch): training_step divides the loss by current_gradient_accumulation_steps
only when `loss_is_scaled_for_ga` resolves to False. By default it resolves to
`model_accepts_loss_kwargs and num_items_in_batch is not None`; BertForSequenceClassification's
forward takes **kwargs, so model_accepts_loss_kwargs is True, and num_items_in_batch (the count
of labels != -100 over the accumulated micro-batches) is not None whenever the batch has
labels. The model ignores num_items_in_batch and returns a per-micro-batch mean, so a default
Trainer in 5.24 does NOT divide: its accumulated gradient is the SUM of the micro-batch means
(twice the mean here). This fixture reproduces the documented mean-loss behaviour instead:
each loss divided by gradient_accumulation_steps = 2, which is what training_step does when
loss_is_scaled_for_ga is False (a Trainer subclass that sets it, as its docstring asks of
subclasses computing a per-batch mean, or a model without **kwargs). Every step here is
clipped at 1.0, so after clipping the two differ only through the 1e-6 in clip_grad_norm_'s
max_norm / (norm + 1e-6), though step_grad_norm and step_loss would be twice as large;
`trainer_default_grad_norm_float64` in the metadata records the undivided norm at the initial
weights for reference.

    /work/venv/bin/python Tools/reference/make_head_fixtures.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402  (sets HF_HUB_OFFLINE before transformers loads)
import make_training_fixtures as mtf  # noqa: E402  (same helpers and TINY_* settings)

import numpy  # noqa: E402
import torch  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from sklearn.utils.class_weight import compute_class_weight  # noqa: E402
from transformers import (  # noqa: E402
    AutoTokenizer, BertForSequenceClassification, BertForTokenClassification, get_linear_schedule_with_warmup)
from transformers.utils import logging as hf_logging  # noqa: E402

TINY_DIR = mtf.TINY_DIR
OUT_DIR = mtf.OUT_DIR
NO_DROPOUT = mtf.NO_DROPOUT
HEAD_SEED = 4242
IGNORE = -100

# (words, per-word labels in 0..4: O, B-PER, I-PER, B-LOC, I-LOC)
TOKEN_BATCH = [
    (["John", "lives", "in", "New", "York", "."], [1, 0, 0, 3, 4, 0]),
    (["The", "sailors", "rode", "the", "breeze", "clear", "of", "the", "rocks", "."],
     [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    (["Mary", "Smith", "visited", "Paris", "yesterday", "!"], [1, 2, 0, 3, 0, 0]),
    (["Unbelievably", ",", "Kilimanjaro", "isn't", "🍕"], [0, 0, 3, 0, 0]),
]
MULTI_BATCH = [
    # (text, text_pair, multi-hot labels over 4)
    ("The sailors rode the breeze clear of the rocks.", None, [1, 0, 1, 0]),
    ("John is taller than Mary.", "Mary is shorter than John, isn't she?", [0, 0, 0, 0]),
    ("Hi!", None, [1, 1, 1, 1]),
    ("The more books that people who like reading buy, the happier they seem.", None, [0, 1, 0, 0]),
    ("I ate a 🍕 yesterday.", None, [0, 1, 1, 0]),
]
REGRESSION_BATCH = [
    ("The sailors rode the breeze clear of the rocks.", None, 0.5),
    ("John is taller than Mary.", "Mary is shorter than John, isn't she?", -1.25),
    ("Hi!", None, 3.0),
    ("The more books that people who like reading buy, the happier they seem.", None, 0.0),
    ("I ate a 🍕 yesterday.", None, 2.2),
]
# tiny_training's batch (labels 0, 2, 1, 2, 0: every class present, unbalanced).
CLASS_WEIGHT_BATCH = mtf.TINY_BATCH
ACCUMULATION_BATCH = mtf.TINY_BATCH + [("Books were read by the happier sailors.", None, 1)]
MICRO_BATCHES = 2
TINY_WEIGHT_DECAY = 0.0


# ---------------------------------------------------------------------------

def load(cls, num_labels, **config):
    """tiny-bert's encoder plus a classifier for `num_labels` (seeded init when it is new)."""
    torch.manual_seed(HEAD_SEED)
    model, info = cls.from_pretrained(
        TINY_DIR, num_labels=num_labels, attn_implementation="eager", ignore_mismatched_sizes=num_labels != 3,
        output_loading_info=True, **NO_DROPOUT, **config)
    model.train()
    return model, {k: sorted(str(x) for x in v) for k, v in info.items() if v}


def same_init(cls, num_labels, model, **config):
    """Loading twice gives the same classifier: the seeded init is reproducible."""
    again, _ = load(cls, num_labels, **config)
    for (n, p), (_, q) in zip(model.named_parameters(), again.named_parameters()):
        assert torch.equal(p, q), n


def snapshot(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def grads_of(model):
    return {n: p.grad.detach().clone() for n, p in model.named_parameters()}


def train(model, step_loss_fn):
    """make_training_fixtures.train_steps with the loss (forward + backward) given as a function."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=mtf.TINY_LR, eps=1e-8, weight_decay=TINY_WEIGHT_DECAY)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, num_warmup_steps=mtf.TINY_WARMUP, num_training_steps=mtf.TINY_STEPS)
    lrs, losses, norms, norms64 = [], [], [], []
    for _ in range(mtf.TINY_STEPS):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.zero_grad(set_to_none=True)
        loss = step_loss_fn()  # runs backward
        norms64.append(mtf.exact_norm(p.grad for p in model.parameters()))
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), mtf.TINY_MAX_NORM)
        optimizer.step()
        scheduler.step()
        losses.append(float(loss))
        norms.append(float(norm))
    return optimizer, lrs, losses, norms, norms64


def common_tensors(tensors, model, loss, logits, grads, run):
    optimizer, lrs, losses, norms, norms64 = run
    assert abs(losses[0] - float(loss)) < 1e-6, (losses[0], float(loss))
    tensors["loss"] = mtf.scalar(loss)
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
    return dict(
        optimizer=dict(cls="torch.optim.AdamW", lr=mtf.TINY_LR, betas=[0.9, 0.999], eps=1e-8,
                       weight_decay=TINY_WEIGHT_DECAY, **mtf.optimizer_impl(optimizer)),
        schedule=dict(fn="transformers.get_linear_schedule_with_warmup", num_warmup_steps=mtf.TINY_WARMUP,
                      num_training_steps=mtf.TINY_STEPS),
        clip=dict(fn="torch.nn.utils.clip_grad_norm_", max_norm=mtf.TINY_MAX_NORM, norm_type=2.0),
        step_clipped=[n > mtf.TINY_MAX_NORM for n in norms], torch_threads=torch.get_num_threads(),
        gradient_is_rounding_noise=mtf.noise_gradients(grads),
        step_losses=losses, step_grad_norms=norms)


def write(fname, tensors, meta_extra):
    path = os.path.join(OUT_DIR, fname)
    meta = fc.header(__file__, "training/" + fname[:-len(".safetensors")], model="Tests/Fixtures/tiny-bert",
                     config_overrides=NO_DROPOUT, mode="train() with dropout 0", attn_implementation="eager",
                     head_seed=HEAD_SEED, **meta_extra)
    fc.save_safetensors(tensors, path, meta)
    print(f"{fname}: loss {float(tensors['loss']):.6f}, step losses {meta_extra['step_losses']}, "
          f"grad norms {meta_extra['step_grad_norms']}")
    return path


def sequence_inputs(tokenizer, batch):
    encodings = mtf.encode(tokenizer, [(t, p) for t, p, _ in batch])
    return encodings, mtf.pad(encodings, tokenizer.pad_token_id)


# ---------------------------------------------------------------------------

def make_token_classification(tokenizer):
    encodings, label_rows, word_rows = [], [], []
    for words, word_labels in TOKEN_BATCH:
        enc = tokenizer(words, is_split_into_words=True)
        word_ids = enc.word_ids()
        labels, previous = [], None
        for w in word_ids:  # run_ner.tokenize_and_align_labels, label_all_tokens=False
            if w is None:
                labels.append(IGNORE)
            elif w != previous:
                labels.append(word_labels[w])
            else:
                labels.append(IGNORE)
            previous = w
        encodings.append({"input_ids": list(enc["input_ids"]), "token_type_ids": list(enc["token_type_ids"])})
        label_rows.append(labels)
        word_rows.append([-1 if w is None else w for w in word_ids])
    assert any(len(set(w)) < len(w) - 2 for w in word_rows), "no word splits into sub-tokens"
    batch = mtf.pad(encodings, tokenizer.pad_token_id)
    padded_labels = torch.full(batch["input_ids"].shape, IGNORE, dtype=torch.int64)  # collator pads with -100
    for b, labels in enumerate(label_rows):
        padded_labels[b, :len(labels)] = torch.tensor(labels)
    mask = batch["attention_mask"].bool()

    model, info = load(BertForTokenClassification, 5)
    same_init(BertForTokenClassification, 5, model)
    assert not any(n.startswith("bert.pooler.") for n, _ in model.named_parameters())
    init = snapshot(model)
    fc.seed_everything(HEAD_SEED)
    model.zero_grad(set_to_none=True)
    out = model(**batch, labels=padded_labels)
    out.loss.backward()
    loss, logits, grads = out.loss.detach(), out.logits.detach()[mask], grads_of(model)
    # Packed reference: CrossEntropyLoss over the packed rows gives the same loss.
    packed_labels = torch.tensor(sum(label_rows, []), dtype=torch.int64)
    assert abs(float(torch.nn.functional.cross_entropy(logits, packed_labels)) - float(loss)) < 1e-6

    def step():
        loss = model(**batch, labels=padded_labels).loss
        loss.backward()
        return loss.detach()

    run = train(model, step)
    tensors = mtf.pack(encodings)
    tensors.update(labels=packed_labels, word_ids=torch.tensor(sum(word_rows, []), dtype=torch.int64),
                   **{"classifier.weight": init["classifier.weight"], "classifier.bias": init["classifier.bias"]})
    extra = common_tensors(tensors, model, loss, logits, grads, run)
    return write("tiny_token_classification.safetensors", tensors, dict(
        extra, model_class="BertForTokenClassification", num_labels=5, loading_info=info,
        recipe=(f"torch.manual_seed({HEAD_SEED}); BertForTokenClassification.from_pretrained(tiny-bert, "
                "num_labels=5, ignore_mismatched_sizes=True, dropout 0, eager); train()"),
        inputs=[{"words": w, "word_labels": y} for w, y in TOKEN_BATCH],
        tokenizer_call="tokenizer(words, is_split_into_words=True)",
        tokens=[tokenizer.convert_ids_to_tokens(e["input_ids"]) for e in encodings],
        label_alignment="run_ner tokenize_and_align_labels, label_all_tokens=False; padding labelled -100",
        loss="BertForTokenClassification(..., labels).loss: CrossEntropyLoss() over tokens with label != -100",
        loop="as tiny_training: 3 steps on the same batch"))


def make_sequence_head(tokenizer, fname, batch_items, num_labels, problem_type, label_tensor, loss_text):
    encodings, batch = sequence_inputs(tokenizer, batch_items)
    model, info = load(BertForSequenceClassification, num_labels, problem_type=problem_type)
    same_init(BertForSequenceClassification, num_labels, model, problem_type=problem_type)
    init = snapshot(model)
    fc.seed_everything(HEAD_SEED)
    loss, logits, grads = mtf.loss_and_grads(model, batch, label_tensor)

    def step():
        loss = model(**batch, labels=label_tensor).loss
        loss.backward()
        return loss.detach()

    run = train(model, step)
    tensors = mtf.pack(encodings)
    tensors.update(labels=label_tensor,
                   **{"classifier.weight": init["classifier.weight"], "classifier.bias": init["classifier.bias"]})
    extra = common_tensors(tensors, model, loss, logits, grads, run)
    return write(fname, tensors, dict(
        extra, model_class="BertForSequenceClassification", num_labels=num_labels, problem_type=problem_type,
        loading_info=info,
        recipe=(f"torch.manual_seed({HEAD_SEED}); BertForSequenceClassification.from_pretrained(tiny-bert, "
                f"num_labels={num_labels}, problem_type={problem_type!r}, ignore_mismatched_sizes=True, "
                "dropout 0, eager); train()"),
        inputs=[{"text": t, "text_pair": p, "label": y} for t, p, y in batch_items],
        tokens=[tokenizer.convert_ids_to_tokens(e["input_ids"]) for e in encodings],
        loss=loss_text, loop="as tiny_training: 3 steps on the same batch"))


def make_class_weights(tokenizer):
    encodings, batch = sequence_inputs(tokenizer, CLASS_WEIGHT_BATCH)
    labels = torch.tensor([y for _, _, y in CLASS_WEIGHT_BATCH], dtype=torch.int64)
    balanced = compute_class_weight("balanced", classes=numpy.arange(3), y=labels.numpy())
    assert numpy.allclose(balanced, len(labels) / (3 * numpy.bincount(labels.numpy(), minlength=3)))
    weights = torch.tensor(balanced, dtype=torch.float32)
    loss_fct = torch.nn.CrossEntropyLoss(weight=weights)

    model, info = load(BertForSequenceClassification, 3)
    init = snapshot(model)
    fc.seed_everything(HEAD_SEED)

    def forward():  # Trainer.compute_loss override: labels popped, loss on the logits
        logits = model(**batch).logits
        return logits, loss_fct(logits.view(-1, 3), labels.view(-1))

    model.zero_grad(set_to_none=True)
    logits, loss = forward()
    loss.backward()
    loss, logits, grads = loss.detach(), logits.detach(), grads_of(model)

    def step():
        loss = forward()[1]
        loss.backward()
        return loss.detach()

    run = train(model, step)
    tensors = mtf.pack(encodings)
    tensors.update(labels=labels, class_weights=weights,
                   **{"classifier.weight": init["classifier.weight"], "classifier.bias": init["classifier.bias"]})
    extra = common_tensors(tensors, model, loss, logits, grads, run)
    return write("tiny_class_weights.safetensors", tensors, dict(
        extra, model_class="BertForSequenceClassification", num_labels=3, loading_info=info,
        recipe="BertForSequenceClassification.from_pretrained(tiny-bert, dropout 0, eager); train(); "
               "tiny-bert's own classifier",
        inputs=[{"text": t, "text_pair": p, "label": y} for t, p, y in CLASS_WEIGHT_BATCH],
        tokens=[tokenizer.convert_ids_to_tokens(e["input_ids"]) for e in encodings],
        class_weights=[float(w) for w in weights],
        class_weight_call="sklearn.utils.class_weight.compute_class_weight('balanced', classes=[0, 1, 2], y=labels)",
        loss=("torch.nn.CrossEntropyLoss(weight=class_weights)(model(...).logits.view(-1, 3), labels.view(-1)): "
              "sum_i w[y_i] * nll_i / sum_i w[y_i]"),
        loop="as tiny_training: 3 steps on the same batch"))


def make_accumulation(tokenizer):
    n = len(ACCUMULATION_BATCH)
    size = n // MICRO_BATCHES
    assert size * MICRO_BATCHES == n, "equal micro-batch sizes"
    encodings = mtf.encode(tokenizer, [(t, p) for t, p, _ in ACCUMULATION_BATCH])
    labels = torch.tensor([y for _, _, y in ACCUMULATION_BATCH], dtype=torch.int64)
    micro = [(mtf.pad(encodings[k * size:(k + 1) * size], tokenizer.pad_token_id), labels[k * size:(k + 1) * size])
             for k in range(MICRO_BATCHES)]
    full = mtf.pad(encodings, tokenizer.pad_token_id)

    model, info = load(BertForSequenceClassification, 3)
    init = snapshot(model)
    fc.seed_everything(HEAD_SEED)

    full_loss, _, full_grads = mtf.loss_and_grads(model, full, labels)

    def accumulate(divide=True):
        """One optimizer step's backward passes, as Trainer.training_step: per micro-batch
        `loss = loss / current_gradient_accumulation_steps` (when divide), then backward."""
        micro_losses, logits = [], []
        for b, y in micro:
            out = model(**b, labels=y)
            (out.loss / MICRO_BATCHES if divide else out.loss).backward()
            micro_losses.append(out.loss.detach())
            logits.append(out.logits.detach())
        return micro_losses, logits

    model.zero_grad(set_to_none=True)
    micro_losses, logits = accumulate()
    grads = grads_of(model)
    loss = sum(l / MICRO_BATCHES for l in micro_losses)
    diff = mtf.max_grad_diff(grads, full_grads)
    assert abs(float(loss) - float(full_loss)) < 1e-6 and diff < 1e-6, (float(loss), float(full_loss), diff)
    # What a default transformers 5.24 Trainer computes here: no division (see the docstring).
    model.zero_grad(set_to_none=True)
    accumulate(divide=False)
    undivided_norm = mtf.exact_norm(p.grad for p in model.parameters())
    assert abs(undivided_norm - 2 * mtf.exact_norm(grads.values())) < 1e-5

    def step():
        micro_losses, _ = accumulate()
        return sum(l / MICRO_BATCHES for l in micro_losses)

    run = train(model, step)
    tensors = mtf.pack(encodings)
    tensors.update(labels=labels, micro_batch_offsets=torch.tensor([k * size for k in range(MICRO_BATCHES + 1)]),
                   micro_loss=torch.stack(micro_losses).float(), full_batch_loss=mtf.scalar(full_loss),
                   **{"classifier.weight": init["classifier.weight"], "classifier.bias": init["classifier.bias"]})
    for name, g in full_grads.items():
        tensors["full_batch_grad." + name] = g.contiguous()
    extra = common_tensors(tensors, model, loss, torch.cat(logits), grads, run)
    return write("tiny_accumulation.safetensors", tensors, dict(
        extra, model_class="BertForSequenceClassification", num_labels=3, loading_info=info,
        recipe="BertForSequenceClassification.from_pretrained(tiny-bert, dropout 0, eager); train(); "
               "tiny-bert's own classifier",
        inputs=[{"text": t, "text_pair": p, "label": y} for t, p, y in ACCUMULATION_BATCH],
        tokens=[tokenizer.convert_ids_to_tokens(e["input_ids"]) for e in encodings],
        gradient_accumulation_steps=MICRO_BATCHES, micro_batch_size=size,
        loss=("per micro-batch: BertForSequenceClassification(..., labels).loss (mean over its 3 sequences) "
              "/ gradient_accumulation_steps; loss = the sum of the two halves"),
        trainer_behaviour=("loss / gradient_accumulation_steps, as transformers 5.24 Trainer.training_step does "
                           "when loss_is_scaled_for_ga resolves to False; a default Trainer with "
                           "BertForSequenceClassification (forward has **kwargs, num_items_in_batch is set) does "
                           "not divide, giving twice these gradients (see the script's docstring)"),
        trainer_default_grad_norm_float64=undivided_norm,
        accumulated_vs_full_batch_grad_max_abs_diff=diff,
        equal_micro_batches=("the accumulated gradient equals the full batch's only because both micro-batches "
                             "hold 3 sequences: the mean of the micro-batch means is then the overall mean"),
        loop=("for each of 3 optimizer steps: lr = param_groups[0]['lr']; zero_grad; for each micro-batch "
              "(loss_k / 2).backward(); norm = clip_grad_norm_(params, 1.0); optimizer.step(); "
              "scheduler.step()")))


# ---------------------------------------------------------------------------

def verify(paths):
    with safe_open(os.path.join(TINY_DIR, "model.safetensors"), "pt") as f:
        shapes = {name: tuple(f.get_slice(name).get_shape()) for name in f.keys()}
    reference = load_file(os.path.join(OUT_DIR, "tiny_training.safetensors"))
    for path in paths:
        with safe_open(path, "pt") as f:
            meta = f.metadata()
        assert meta["format"] == fc.FORMAT and meta["version"] == str(fc.VERSION), path
        t = load_file(path)
        offs = t["sequence_offsets"]
        tokens = t["input_ids"].numel()
        assert int(offs[0]) == 0 and int(offs[-1]) == tokens == t["token_type_ids"].numel(), path
        batch = offs.numel() - 1
        assert t["labels"].shape[0] in (batch, tokens) and t["logits"].shape[0] == t["labels"].shape[0], path
        names = [k[len("grad."):] for k in t if k.startswith("grad.")]
        assert names, path
        for name in names:
            shape = tuple(t["grad." + name].shape)
            assert shape == tuple(t["after3." + name].shape) == tuple(t["exp_avg." + name].shape), name
            if not name.startswith("classifier."):
                assert shape == shapes[name], name
        for k in ("loss", "step_lr", "step_loss", "step_grad_norm", "step_grad_norm_float64"):
            assert k in t and t[k].shape == reference[k].shape and t[k].dtype == reference[k].dtype, (path, k)
        assert torch.equal(t["step_lr"], reference["step_lr"]), path
        print(f"verified {fc.rel(path)}: {os.path.getsize(path)} bytes, {len(t)} tensors")
    token = load_file(paths[0])
    assert not any(k.startswith("grad.bert.pooler.") for k in token)
    assert token["labels"].shape == token["word_ids"].shape == token["input_ids"].shape
    # Same model and batch as tiny_training: the class-weighted file's logits are its logits, up
    # to rounding (the committed tiny_training differs from a fresh run here by ~7e-7).
    assert float((load_file(paths[3])["logits"] - reference["logits"]).abs().max()) < 1e-5
    acc = load_file(paths[4])
    for k in acc:
        if k.startswith("grad."):
            assert (acc[k] - acc["full_batch_grad." + k[len("grad."):]]).abs().max() < 1e-6, k


def main():
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    fc.ensure_dir(OUT_DIR)
    fc.seed_everything(HEAD_SEED)
    tokenizer = AutoTokenizer.from_pretrained(TINY_DIR)
    paths = [make_token_classification(tokenizer)]
    paths.append(make_sequence_head(
        tokenizer, "tiny_multilabel.safetensors", MULTI_BATCH, 4, "multi_label_classification",
        torch.tensor([y for _, _, y in MULTI_BATCH], dtype=torch.float32),
        "BertForSequenceClassification(..., labels).loss: BCEWithLogitsLoss()(logits, labels), mean over batch*4"))
    paths.append(make_sequence_head(
        tokenizer, "tiny_regression.safetensors", REGRESSION_BATCH, 1, "regression",
        torch.tensor([y for _, _, y in REGRESSION_BATCH], dtype=torch.float32),
        "BertForSequenceClassification(..., labels).loss: MSELoss()(logits.squeeze(), labels.squeeze())"))
    paths.append(make_class_weights(tokenizer))
    paths.append(make_accumulation(tokenizer))
    verify(paths)


if __name__ == "__main__":
    main()
