#!/usr/bin/env python3
"""Training fixtures for swift-bert's question-answering and masked-LM heads, on tiny-bert.

Writes into Tests/Fixtures/training/:

  tiny_question_answering.safetensors  BertForQuestionAnswering (qa_outputs Linear(32, 2))
  tiny_masked_lm.safetensors           BertForMaskedLM (cls.predictions.*, decoder tied to the
                                       word embeddings)

Conventions are make_head_fixtures.py's, whose loop and tensor helpers are imported (and through
it make_training_fixtures.py's TINY_* settings): tiny-bert from Tests/Fixtures/tiny-bert with
dropout 0 through the config, eager attention, train() mode; one batch per forward, inputs stored
PACKED (input_ids/token_type_ids int64 [tokens], sequence_offsets int64 [batch+1]); scalars as
shape [1]; then 3 steps of torch.optim.AdamW(lr 1e-3, betas (0.9, 0.999), eps 1e-8,
weight_decay 0) with get_linear_schedule_with_warmup(1 warmup of 3 steps: lr 0, 1e-3, 5e-4) and
clip_grad_norm_(max_norm 1.0) after each backward, all on the same batch.

Both heads are new, loaded as a user would get them: torch.manual_seed(HEAD_SEED = 4242), then
HeadClass.from_pretrained(tiny-bert, attn_implementation="eager", dropout 0), with num_labels=2
for BertForQuestionAnswering (qa_outputs is Linear(hidden, config.num_labels) and tiny-bert's
config has 3 labels; a checkpoint without id2label defaults to 2). The encoder comes
from tiny-bert; the missing head tensors come from BertPreTrainedModel._init_weights
(transformers 5.24): nn.Linear weight normal(0, initializer_range 0.02) and bias 0; LayerNorm
weight 1 and bias 0 (PreTrainedModel._init_weights matches "LayerNorm" in the class name);
BertLMPredictionHead.bias 0 (BertPreTrainedModel._init_weights: init.zeros_(module.bias)).
Neither head has a pooler (BertModel(config, add_pooling_layer=False)): tiny-bert's
bert.pooler.* and classifier.* are unexpected keys, unused, and absent from the files.

Tensor names in both files:

  input_ids, token_type_ids       int64 [tokens], packed (for the masked LM: the inputs after
                                  masking, what the model saw)
  sequence_offsets                int64 [batch+1]
  loss                            float32 [1] at the initial weights
  grad.NAME                       float32, d loss / d NAME at the initial weights (before
                                  clipping), for every NAME of model.named_parameters()
  step_lr                         float64 [3], the lr of step k
  step_loss                       float32 [3], the loss computed in step k (before its update)
  step_grad_norm                  float32 [3], what clip_grad_norm_ returned in step k
  step_grad_norm_float64          float64 [3], the same norm accumulated in float64
  after3.NAME                     float32, parameter after 3 steps
  exp_avg.NAME, exp_avg_sq.NAME   float32, AdamW moments after 3 steps
  HEAD TENSORS                    float32, the newly initialized head at the initial weights,
                                  under their HF names (listed per file)

tiny_question_answering: 4 (question, context) pairs, each tokenized as
    tokenizer(question, context, truncation="only_second", max_length=24,
              return_offsets_mapping=True)
  (token_type 0 for [CLS] question [SEP], 1 for context [SEP]). Every context is longer than
  the window, so every sequence is exactly 24 tokens and the batch has NO padding: transformers'
  QA loss is a cross-entropy over every position of the padded [batch, seq] logits, padding
  included (its attention mask only stops padding from being attended to, and
  BertForQuestionAnswering does not mask padded logits), so a padded batch would not equal
  swift-bert's packed one. Labels follow run_qa.py's prepare_train_features (transformers
  examples, pad_on_right): the first and last token whose offsets cover the answer's characters,
  or both = the [CLS] index 0 when there is no answer (SQuAD v2 unanswerable; the 4th pair) or
  the answer is not inside the window. (run_qa also keeps the overflowing windows, with a
  stride, as more features, and pads to max_length; here each pair gives its first window only.)
    start_positions, end_positions  int64 [batch], positions within each sequence
    start_logits, end_logits        float32 [tokens] packed (logits.split(1, -1), squeezed)
    qa_outputs.weight [2, 32], qa_outputs.bias [2]   (head tensors)
    loss = model(..., start_positions=, end_positions=).loss
         = (CrossEntropyLoss(ignore_index=seq)(start_logits, start_positions)
            + CrossEntropyLoss(ignore_index=seq)(end_logits, end_positions)) / 2,
      each a mean over the batch of a softmax over the sequence's 24 positions.

tiny_masked_lm: 3 sequences (one a pair) of 32, 24 and 22 tokens, right-padded to 32 with an
  attention mask by DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15,
  mask_replace_prob=0.8, random_replace_prob=0.1, seed=MASK_SEED = 0) (its torch.Generator):
  each non-special token (special_tokens_mask covers [CLS], [SEP] and [PAD]) is chosen with
  probability 0.15; a chosen token becomes [MASK] (id 4) with probability 0.8, else a uniformly
  random id in [0, 800) with probability 0.5, else stays. Here 11 tokens are chosen: 9 [MASK],
  1 random, 1 kept (the metadata lists them).
    input_ids                       int64 [tokens] packed, after masking
    original_input_ids              int64 [tokens] packed, before masking
    labels                          int64 [tokens] packed: the original id at the chosen
                                    positions, -100 elsewhere (the collator labels padding
                                    -100 too; padding rows are dropped here)
    logits                          float32 [tokens, 800] packed (padding rows dropped)
    cls.predictions.transform.dense.weight [32, 32], ...dense.bias [32],
    cls.predictions.transform.LayerNorm.weight [32], ...LayerNorm.bias [32],
    cls.predictions.bias [800]      (head tensors)
    grad_from_decoder.bert.embeddings.word_embeddings.weight  float32 [800, 32]: the tied
                                    decoder's share of grad.bert.embeddings.word_embeddings.weight
                                    alone, d loss / d logits^T @ transform output (the rest is
                                    the embedding lookup's, nonzero only on rows of input ids)
    loss = model(..., labels=labels).loss = CrossEntropyLoss()(logits.view(-1, 800),
           labels.view(-1)) over the padded batch, a mean over the 11 labelled tokens.

  Tied weights (transformers 5.24, BertForMaskedLM._tied_weights_keys):
  cls.predictions.decoder.weight -> bert.embeddings.word_embeddings.weight and
  cls.predictions.decoder.bias -> cls.predictions.bias; both ties hold after from_pretrained
  (`is` the same Parameter). model.named_parameters() removes duplicates, so it has NO
  cls.predictions.decoder.* entry: its 42 names are tiny-bert's 37 bert.embeddings.* /
  bert.encoder.* names (no pooler) followed by cls.predictions.bias,
  cls.predictions.transform.dense.weight, cls.predictions.transform.dense.bias,
  cls.predictions.transform.LayerNorm.weight, cls.predictions.transform.LayerNorm.bias.
  The word-embedding gradient therefore includes the decoder's contribution (PyTorch
  accumulates both uses of the one Parameter), the AdamW state and the clipping norm count the
  tensor once, and after3 is the one updated matrix used by both. In particular the [PAD] row
  (nn.Embedding padding_idx 0, whose lookup gradient PyTorch never writes) gets a nonzero
  gradient from the decoder and is updated by AdamW.
  from_pretrained's loading info still lists cls.predictions.decoder.bias as missing (next to
  the 5 real head tensors) and logs "This checkpoint seem corrupted ...": tie_weights finds
  neither cls.predictions.bias nor decoder.bias in the checkpoint, ties them anyway, but leaves
  the name in missing_keys. Nothing is wrong with the model.

Each file's gradients are also checked against a float64 run of each sequence alone (no
padding, the packed layout), with the loss split the same way
(padded_vs_per_sequence_float64_grad_max_abs_diff in the metadata).

The metadata also records what transformers 5.24 does with these heads' checkpoints
(`checkpoint_facts`): the names save_pretrained writes to model.safetensors, whether loading a
folder without cls.predictions.decoder.weight ties it, and what loading a BertModel checkpoint
(all-MiniLM-L6-v2, --model) into BertForMaskedLM reports as missing.

    /work/venv/bin/python Tools/reference/make_qa_mlm_head_fixtures.py [--model .models/all-MiniLM-L6-v2]
"""

import argparse
import logging
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402  (sets HF_HUB_OFFLINE before transformers loads)
import make_head_fixtures as mhf  # noqa: E402  (its loop, tensor helpers and HEAD_SEED)
import make_training_fixtures as mtf  # noqa: E402  (same helpers and TINY_* settings)

import torch  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
from transformers import (  # noqa: E402
    AutoTokenizer, BertForMaskedLM, BertForQuestionAnswering, DataCollatorForLanguageModeling)
from transformers.utils import logging as hf_logging  # noqa: E402

TINY_DIR = mtf.TINY_DIR
OUT_DIR = mtf.OUT_DIR
NO_DROPOUT = mtf.NO_DROPOUT
HEAD_SEED = mhf.HEAD_SEED
IGNORE = -100

QA_MAX_LENGTH = 24
# (question, context, answer text or None). Answers are found in the context by str.index.
QA_BATCH = [
    ("Who rode the breeze?", "The sailors rode the breeze clear of the rocks, and John watched them from the shore.",
     "The sailors"),
    ("Who is taller?", "John is taller than Mary, but Mary is faster than John and reads more books.", "John"),
    ("What did I eat yesterday?", "I ate a pizza yesterday with the happier sailors, who like reading books.",
     "a pizza"),
    ("Where does Mary live?", "The more books that people who like reading buy, the happier they seem to be.", None),
]

MLM_BATCH = [  # (text, text_pair)
    ("The sailors rode the breeze clear of the rocks.", None),
    ("John is taller than Mary.", "Mary is shorter than John, isn't she?"),
    ("The more books that people who like reading buy, the happier they seem.", None),
]
MLM_PROBABILITY = 0.15
MASK_SEED = 0
MLM_HEAD = ["cls.predictions.bias", "cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
            "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias"]
QA_HEAD = ["qa_outputs.weight", "qa_outputs.bias"]
WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"


# ---------------------------------------------------------------------------

class WarningLog(logging.Handler):
    """Collects transformers' warnings while verbosity is error (they are metadata, not output)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        message = record.getMessage()
        if "LOAD REPORT" not in message:  # the table repeats output_loading_info
            self.messages.append(message)


def quietly(fn):
    """Runs fn() with transformers' warnings captured instead of printed; returns (result, warnings)."""
    logger = hf_logging.get_logger("transformers")
    log = WarningLog()
    level, propagate = logger.level, logger.propagate
    handlers = list(logger.handlers)
    for h in handlers:
        logger.removeHandler(h)
    logger.addHandler(log)
    logger.setLevel(logging.WARNING)
    try:
        return fn(), log.messages
    finally:
        logger.removeHandler(log)
        for h in handlers:
            logger.addHandler(h)
        logger.setLevel(level)
        logger.propagate = propagate


def info_lists(info):
    return {k: sorted(str(x) for x in v) for k, v in info.items() if v}


def load(cls, **config):
    """tiny-bert's encoder plus a new `cls` head from the seeded init, in train() mode."""
    def go():
        torch.manual_seed(HEAD_SEED)
        return cls.from_pretrained(TINY_DIR, attn_implementation="eager", output_loading_info=True, **NO_DROPOUT,
                                   **config)
    (model, info), warnings = quietly(go)
    model.train()
    return model, info_lists(info), warnings


def same_init(cls, model, **config):
    """Loading twice gives the same head: the seeded init is reproducible."""
    again, _, _ = load(cls, **config)
    for (n, p), (_, q) in zip(model.named_parameters(), again.named_parameters()):
        assert torch.equal(p, q), n


def saved_names(model):
    """The tensor names save_pretrained writes to model.safetensors (read back from a temp dir)."""
    with tempfile.TemporaryDirectory() as d:
        quietly(lambda: model.save_pretrained(d))
        assert sorted(os.listdir(d)) == ["config.json", "model.safetensors"], os.listdir(d)
        with safe_open(os.path.join(d, "model.safetensors"), "pt") as f:
            return sorted(f.keys())


def per_sequence_float64(model, pieces, init):
    """Packed-equivalent reference: each sequence alone (no padding) in float64.

    `pieces` holds (inputs, loss_of_output) per sequence; the losses must add up to the batch loss.
    Returns (loss, grads); the model is back in float32 at its initial weights afterwards.
    """
    model.double()
    model.zero_grad(set_to_none=True)
    total = 0.0
    for inputs, loss_of in pieces:
        loss = loss_of(model(**{k: v.unsqueeze(0) for k, v in inputs.items()}))
        loss.backward()
        total += float(loss.detach())
    grads = mhf.grads_of(model)
    model.float()
    model.zero_grad(set_to_none=True)
    with torch.no_grad():
        for n, p in model.named_parameters():
            assert torch.equal(p, init[n]), n
    return total, grads


def write(fname, tensors, meta_extra):
    path = os.path.join(OUT_DIR, fname)
    meta = fc.header(__file__, "training/" + fname[:-len(".safetensors")], model="Tests/Fixtures/tiny-bert",
                     config_overrides=NO_DROPOUT, mode="train() with dropout 0", attn_implementation="eager",
                     head_seed=HEAD_SEED, **meta_extra)
    fc.save_safetensors(tensors, path, meta)
    print(f"{fname}: loss {float(tensors['loss']):.6f}, step losses {meta_extra['step_losses']}, "
          f"grad norms {meta_extra['step_grad_norms']}")
    return path


# ---------------------------------------------------------------------------
# question answering

def qa_positions(enc, context, answer, cls_index):
    """run_qa.py prepare_train_features (pad_on_right): token span of the answer, or [CLS]."""
    if answer is None:
        return cls_index, cls_index
    start_char = context.index(answer)
    end_char = start_char + len(answer)
    offsets, sequence_ids = enc["offset_mapping"], enc.sequence_ids()
    token_start = 0
    while sequence_ids[token_start] != 1:
        token_start += 1
    token_end = len(enc["input_ids"]) - 1
    while sequence_ids[token_end] != 1:
        token_end -= 1
    if not (offsets[token_start][0] <= start_char and offsets[token_end][1] >= end_char):
        return cls_index, cls_index
    while token_start < len(offsets) and offsets[token_start][0] <= start_char:
        token_start += 1
    while offsets[token_end][1] >= end_char:
        token_end -= 1
    return token_start - 1, token_end + 1


def make_question_answering(tokenizer):
    encodings, starts, ends, spans = [], [], [], []
    for question, context, answer in QA_BATCH:
        full = tokenizer(question, context)
        assert len(full["input_ids"]) > QA_MAX_LENGTH, (question, "the context must be cut to the window")
        enc = tokenizer(question, context, truncation="only_second", max_length=QA_MAX_LENGTH,
                        return_offsets_mapping=True)
        assert len(enc["input_ids"]) == QA_MAX_LENGTH, question
        cls_index = enc["input_ids"].index(tokenizer.cls_token_id)
        assert cls_index == 0
        s, e = qa_positions(enc, context, answer, cls_index)
        if answer is not None:
            assert 0 < s <= e, (question, s, e)
            # The span's characters cover the answer (word pieces may cover a little more).
            a = context.index(answer)
            assert enc["offset_mapping"][s][0] <= a and enc["offset_mapping"][e][1] >= a + len(answer)
        encodings.append({"input_ids": list(enc["input_ids"]), "token_type_ids": list(enc["token_type_ids"])})
        starts.append(s)
        ends.append(e)
        spans.append(tokenizer.convert_ids_to_tokens(enc["input_ids"][s:e + 1]))
    assert any(a is None for _, _, a in QA_BATCH) and any(s == e and s > 0 for s, e in zip(starts, ends))
    batch = mtf.pad(encodings, tokenizer.pad_token_id)
    assert bool(batch["attention_mask"].all()), "no padding: the QA loss counts every position"
    start_positions = torch.tensor(starts, dtype=torch.int64)
    end_positions = torch.tensor(ends, dtype=torch.int64)

    # tiny-bert's config has 3 labels (id2label) and qa_outputs is Linear(hidden, num_labels): a QA
    # user of this checkpoint passes num_labels=2, as checkpoints without id2label default to.
    model, info, warnings = load(BertForQuestionAnswering, num_labels=2)
    same_init(BertForQuestionAnswering, model, num_labels=2)
    assert model.qa_outputs.out_features == 2
    names = [n for n, _ in model.named_parameters()]
    assert not any(n.startswith("bert.pooler.") for n in names) and names[-2:] == QA_HEAD, names[-3:]
    init = mhf.snapshot(model)
    fc.seed_everything(HEAD_SEED)

    def forward():
        return model(**batch, start_positions=start_positions, end_positions=end_positions)

    model.zero_grad(set_to_none=True)
    out = forward()
    out.loss.backward()
    loss, grads = out.loss.detach(), mhf.grads_of(model)
    start_logits, end_logits = out.start_logits.detach(), out.end_logits.detach()
    # Per-sequence reference: the packed rows give the same loss.
    ce = torch.nn.functional.cross_entropy
    assert abs(float((ce(start_logits, start_positions) + ce(end_logits, end_positions)) / 2) - float(loss)) < 1e-6
    n = len(encodings)
    pieces = [({k: torch.tensor(e[k]) for k in ("input_ids", "token_type_ids")},
               lambda out, b=b: (ce(out.start_logits, start_positions[b:b + 1])
                                 + ce(out.end_logits, end_positions[b:b + 1])) / (2 * n))
              for b, e in enumerate(encodings)]
    loss64, grads64 = per_sequence_float64(model, pieces, init)
    packed_diff = mtf.max_grad_diff(grads, grads64)
    assert abs(float(loss) - loss64) < 1e-5 and packed_diff < 1e-4, (float(loss), loss64, packed_diff)

    def step():
        loss = forward().loss
        loss.backward()
        return loss.detach()

    run = mhf.train(model, step)
    tensors = mtf.pack(encodings)
    tensors.update(start_positions=start_positions, end_positions=end_positions,
                   **{n: init[n].contiguous() for n in QA_HEAD})
    extra = mhf.common_tensors(tensors, model, loss, torch.stack([start_logits, end_logits], -1).reshape(-1, 2),
                               grads, run)
    # Each sequence's start (and end) logit gradient is softmax - onehot, which sums to 0 over
    # the sequence: so d loss / d qa_outputs.bias = sum_t dLogits = 0 exactly, and so is the
    # last layer's output LayerNorm bias gradient, sum_t dHidden = (sum_t dLogits) W. float32
    # leaves ~1e-8 of noise there, which AdamW turns into lr-sized steps of either sign.
    last = f"bert.encoder.layer.{model.config.num_hidden_layers - 1}.output.LayerNorm.bias"
    extra["gradient_is_rounding_noise"] = extra["gradient_is_rounding_noise"] + ["qa_outputs.bias", last]
    del tensors["logits"]  # stored as the two packed vectors the model returns
    tensors["start_logits"] = start_logits.reshape(-1).contiguous()
    tensors["end_logits"] = end_logits.reshape(-1).contiguous()
    return write("tiny_question_answering.safetensors", tensors, dict(
        extra, model_class="BertForQuestionAnswering", loading_info=info, loading_warnings=warnings,
        padded_vs_per_sequence_float64_grad_max_abs_diff=packed_diff,
        named_parameters=names,
        recipe=(f"torch.manual_seed({HEAD_SEED}); BertForQuestionAnswering.from_pretrained(tiny-bert, num_labels=2, "
                "dropout 0, eager); train()"),
        num_labels_note=("tiny-bert's config has 3 labels and qa_outputs = nn.Linear(hidden, config.num_labels), so "
                         "num_labels=2 is passed (without it the forward fails: logits.split(1, -1) gives 3)"),
        inputs=[{"question": q, "context": c,
                 "answers": {"text": [a], "answer_start": [c.index(a)]} if a else {"text": [], "answer_start": []}}
                for q, c, a in QA_BATCH],
        tokenizer_call=(f"tokenizer(question, context, truncation='only_second', max_length={QA_MAX_LENGTH}, "
                        "return_offsets_mapping=True)"),
        tokens=[tokenizer.convert_ids_to_tokens(e["input_ids"]) for e in encodings],
        answer_tokens=spans, start_positions=starts, end_positions=ends,
        label_alignment=("run_qa.py prepare_train_features, pad_on_right: first/last context token whose offsets "
                         "cover the answer's characters; [CLS] (0) when there is no answer or it is outside the "
                         "window"),
        no_padding=("every sequence is exactly 24 tokens: transformers' QA loss takes the softmax over every "
                    "position of the padded batch, padding included"),
        loss=("BertForQuestionAnswering(..., start_positions, end_positions).loss = (CE(start_logits, "
              "start_positions) + CE(end_logits, end_positions)) / 2, CE = CrossEntropyLoss(ignore_index=24) "
              "over each sequence's 24 positions, mean over the batch"),
        head_tensors=QA_HEAD, head_init="qa_outputs = nn.Linear(32, 2): weight normal(0, 0.02), bias 0",
        checkpoint_facts=dict(save_pretrained_names=saved_names(model)),
        loop="as tiny_training: 3 steps on the same batch"))


# ---------------------------------------------------------------------------
# masked LM

def masked_batch(tokenizer):
    """DataCollatorForLanguageModeling's padded, masked batch; also the unmasked ids."""
    examples = []
    for text, pair in MLM_BATCH:
        enc = tokenizer(text, pair) if pair is not None else tokenizer(text)
        examples.append({k: list(enc[k]) for k in ("input_ids", "token_type_ids", "attention_mask")})
    collator = DataCollatorForLanguageModeling(
        tokenizer, mlm_probability=MLM_PROBABILITY, mask_replace_prob=0.8, random_replace_prob=0.1, seed=MASK_SEED)
    batch = collator([dict(e) for e in examples])
    labels = batch.pop("labels")
    original = mtf.pad(examples, tokenizer.pad_token_id)
    assert torch.equal(batch["attention_mask"], original["attention_mask"]), "right padding to the longest"
    assert torch.equal(batch["token_type_ids"], original["token_type_ids"])
    return examples, {k: batch[k] for k in ("input_ids", "token_type_ids", "attention_mask")}, labels, original


def transform_output(model, fn):
    """Runs fn() and returns (its result, the output of cls.predictions.transform, kept for backward)."""
    saved = {}

    def hook(_module, _inputs, output):
        output.retain_grad()
        saved["h"] = output

    handle = model.cls.predictions.transform.register_forward_hook(hook)
    try:
        return fn(), saved["h"]
    finally:
        handle.remove()


def tie_checks(model):
    """What from_pretrained does with BertForMaskedLM folders that lack or carry decoder tensors."""
    facts = {}
    with tempfile.TemporaryDirectory() as d:
        quietly(lambda: model.save_pretrained(d))
        path = os.path.join(d, "model.safetensors")
        with safe_open(path, "pt") as f:
            saved = {k: f.get_tensor(k) for k in f.keys()}
            file_meta = f.metadata()
        variants = [
            ("save_pretrained output: no cls.predictions.decoder.*", saved),
            ("plus cls.predictions.decoder.weight equal to the word embeddings (torch .bin checkpoints hold "
             "both keys, as a comment in PreTrainedModel.tie_weights says)",
             dict(saved, **{"cls.predictions.decoder.weight": saved[WORD_EMBEDDINGS].clone()})),
            ("plus a cls.predictions.decoder.weight that differs from the word embeddings",
             dict(saved, **{"cls.predictions.decoder.weight": saved[WORD_EMBEDDINGS] + 1})),
            ("cls.predictions.decoder.bias instead of cls.predictions.bias",
             {("cls.predictions.decoder.bias" if k == "cls.predictions.bias" else k): v for k, v in saved.items()}),
        ]
        for label, contents in variants:
            save_file(contents, path, metadata=file_meta)
            (loaded, info), warnings = quietly(lambda: BertForMaskedLM.from_pretrained(d, output_loading_info=True))
            p, emb = loaded.cls.predictions, loaded.bert.embeddings.word_embeddings.weight
            facts[label] = dict(
                loading_info=info_lists(info), warnings=warnings,
                decoder_weight_is_word_embeddings=p.decoder.weight is emb,
                decoder_bias_is_cls_predictions_bias=p.decoder.bias is p.bias,
                word_embeddings_equal_saved=bool(torch.equal(emb, saved[WORD_EMBEDDINGS])),
                bias_equal_saved=bool(torch.equal(p.bias, saved["cls.predictions.bias"])))
    return facts


def minilm_report(model_dir):
    """from_pretrained of a BertModel checkpoint into BertForMaskedLM: missing (newly initialized) keys."""
    with safe_open(os.path.join(model_dir, "model.safetensors"), "pt") as f:
        checkpoint_names = sorted(f.keys())

    def go():
        torch.manual_seed(HEAD_SEED)
        return BertForMaskedLM.from_pretrained(model_dir, output_loading_info=True)
    (model, info), warnings = quietly(go)
    p = model.cls.predictions
    return dict(
        model=fc.rel(os.path.abspath(model_dir)), checkpoint_tensor_count=len(checkpoint_names),
        checkpoint_names_have_bert_prefix=any(n.startswith("bert.") for n in checkpoint_names),
        loading_info=info_lists(info), warnings=warnings,
        decoder_weight_is_word_embeddings=p.decoder.weight is model.bert.embeddings.word_embeddings.weight,
        decoder_bias_is_cls_predictions_bias=p.decoder.bias is p.bias,
        cls_predictions_bias_all_zero=bool((p.bias == 0).all()),
        transform_layernorm_weight_all_one=bool((p.transform.LayerNorm.weight == 1).all()),
        transform_layernorm_bias_all_zero=bool((p.transform.LayerNorm.bias == 0).all()),
        transform_dense_bias_all_zero=bool((p.transform.dense.bias == 0).all()),
        transform_dense_weight_std=round(float(p.transform.dense.weight.detach().std()), 4))


def make_masked_lm(tokenizer, model_dir):
    examples, batch, padded_labels, original = masked_batch(tokenizer)
    mask = batch["attention_mask"].bool()
    chosen = padded_labels != IGNORE
    specials = torch.tensor([tokenizer.get_special_tokens_mask(r, already_has_special_tokens=True)
                             for r in original["input_ids"].tolist()]).bool()
    assert not (chosen & specials).any() and not (chosen & ~mask).any(), "never [CLS]/[SEP]/padding"
    assert torch.equal(padded_labels[chosen], original["input_ids"][chosen])
    assert torch.equal(batch["input_ids"][~chosen], original["input_ids"][~chosen]), "only chosen tokens change"
    assert bool(chosen.any(1).all()), "every sequence has a labelled token"
    masked_ids, orig_ids = batch["input_ids"][chosen], original["input_ids"][chosen]
    kinds = ["mask" if m == tokenizer.mask_token_id else ("kept" if m == o else "random")
             for m, o in zip(masked_ids.tolist(), orig_ids.tolist())]
    assert {"mask", "random", "kept"} <= set(kinds), kinds
    assert len(kinds) == 11 and kinds.count("mask") == 9, f"the docstring's counts are stale: {kinds}"
    assert not mask[:, -1].all(), "the batch has padding"

    model, info, warnings = load(BertForMaskedLM)
    same_init(BertForMaskedLM, model)
    p = model.cls.predictions
    emb = model.bert.embeddings.word_embeddings.weight
    assert p.decoder.weight is emb and p.decoder.bias is p.bias, "tied as _tied_weights_keys says"
    names = [n for n, _ in model.named_parameters()]
    all_names = sorted(n for n, _ in model.named_parameters(remove_duplicate=False))
    assert names[-5:] == MLM_HEAD and not any(n.startswith(("bert.pooler.", "cls.predictions.decoder.")) for n in names)
    assert sorted(set(all_names) - set(names)) == ["cls.predictions.decoder.bias", "cls.predictions.decoder.weight"]
    assert bool((p.bias == 0).all()) and bool((p.transform.LayerNorm.weight == 1).all())
    assert bool((p.transform.LayerNorm.bias == 0).all()) and bool((p.transform.dense.bias == 0).all())
    init = mhf.snapshot(model)
    fc.seed_everything(HEAD_SEED)

    def forward():
        return model(**batch, labels=padded_labels)

    model.zero_grad(set_to_none=True)
    out, h = transform_output(model, forward)
    out.logits.retain_grad()
    out.loss.backward()
    loss, grads = out.loss.detach(), mhf.grads_of(model)
    logits = out.logits.detach()[mask]
    # The tied decoder's share of the word-embedding gradient: d logits = dL/dlogits, logits = h W^T + b.
    dlogits = out.logits.grad.reshape(-1, out.logits.shape[-1]).double()
    from_decoder = (dlogits.T @ h.detach().reshape(-1, h.shape[-1]).double()).float()
    assert float((grads["cls.predictions.bias"].double() - dlogits.sum(0)).abs().max()) < 1e-7
    unused = torch.ones(emb.shape[0], dtype=torch.bool)
    unused[batch["input_ids"][mask].unique()] = False
    assert float((grads[WORD_EMBEDDINGS][unused] - from_decoder[unused]).abs().max()) < 1e-7, "rows no input uses"
    assert float(grads[WORD_EMBEDDINGS][unused].abs().sum(1).min()) > 0, "the decoder reaches every row"
    pad = tokenizer.pad_token_id
    assert model.bert.embeddings.word_embeddings.padding_idx == pad and bool(unused[pad])
    assert float(grads[WORD_EMBEDDINGS][pad].abs().max()) > 0, "padding_idx blocks the lookup, not the decoder"
    packed_labels = padded_labels[mask]
    assert abs(float(torch.nn.functional.cross_entropy(logits, packed_labels)) - float(loss)) < 1e-6
    n = int(chosen.sum())
    pieces = [({k: batch[k][b][mask[b]] for k in ("input_ids", "token_type_ids")},
               lambda out, b=b: torch.nn.functional.cross_entropy(
                   out.logits[0], padded_labels[b][mask[b]], reduction="sum") / n)
              for b in range(len(mask))]
    loss64, grads64 = per_sequence_float64(model, pieces, init)
    assert model.cls.predictions.decoder.weight is model.bert.embeddings.word_embeddings.weight
    packed_diff = mtf.max_grad_diff(grads, grads64)
    assert abs(float(loss) - loss64) < 1e-5 and packed_diff < 1e-4, (float(loss), loss64, packed_diff)

    def step():
        loss = forward().loss
        loss.backward()
        return loss.detach()

    run = mhf.train(model, step)
    assert model.cls.predictions.decoder.weight is model.bert.embeddings.word_embeddings.weight
    tensors = mtf.pack([{"input_ids": batch["input_ids"][b][mask[b]].tolist(),
                         "token_type_ids": batch["token_type_ids"][b][mask[b]].tolist()} for b in range(len(mask))])
    assert tensors["input_ids"].tolist() == batch["input_ids"][mask].tolist()
    tensors.update(labels=packed_labels, original_input_ids=original["input_ids"][mask],
                   **{"grad_from_decoder." + WORD_EMBEDDINGS: from_decoder.contiguous()},
                   **{n: init[n].contiguous() for n in MLM_HEAD})
    extra = mhf.common_tensors(tensors, model, loss, logits, grads, run)
    tokens_per_sequence = [len(e["input_ids"]) for e in examples]
    choices = []
    for b, i in chosen.nonzero().tolist():
        o, m = int(original["input_ids"][b, i]), int(batch["input_ids"][b, i])
        choices.append({"sequence": b, "position": i, "packed_row": sum(tokens_per_sequence[:b]) + i,
                        "original": tokenizer.convert_ids_to_tokens(o), "original_id": o,
                        "input": tokenizer.convert_ids_to_tokens(m), "input_id": m,
                        "kind": "mask" if m == tokenizer.mask_token_id else ("kept" if m == o else "random")})
    return write("tiny_masked_lm.safetensors", tensors, dict(
        extra, model_class="BertForMaskedLM", loading_info=info, loading_warnings=warnings,
        padded_vs_per_sequence_float64_grad_max_abs_diff=packed_diff,
        named_parameters=names,
        named_parameters_with_duplicates_extra=["cls.predictions.decoder.bias", "cls.predictions.decoder.weight"],
        tied=dict(pairs={"cls.predictions.decoder.weight": WORD_EMBEDDINGS,
                         "cls.predictions.decoder.bias": "cls.predictions.bias"},
                  note=("one Parameter each: named_parameters() lists only the right-hand names, the word-embedding "
                        "gradient includes the decoder's contribution, and AdamW and the clipping norm count each "
                        "tensor once")),
        recipe=(f"torch.manual_seed({HEAD_SEED}); BertForMaskedLM.from_pretrained(tiny-bert, dropout 0, eager); "
                "train()"),
        inputs=[{"text": t, "text_pair": q} for t, q in MLM_BATCH], tokens_per_sequence=tokens_per_sequence,
        original_tokens=[tokenizer.convert_ids_to_tokens(e["input_ids"]) for e in examples],
        tokens=[tokenizer.convert_ids_to_tokens(batch["input_ids"][b][mask[b]].tolist()) for b in range(len(mask))],
        collator=(f"DataCollatorForLanguageModeling(tokenizer, mlm_probability={MLM_PROBABILITY}, "
                  f"mask_replace_prob=0.8, random_replace_prob=0.1, seed={MASK_SEED})(examples), examples = "
                  "tokenizer(text[, text_pair]) as dicts of lists; pads right to the longest, labels -100 off the "
                  "chosen tokens and on padding"),
        masked_positions=choices,
        mask_kinds={k: kinds.count(k) for k in ("mask", "random", "kept")},
        loss=("BertForMaskedLM(..., labels).loss: CrossEntropyLoss()(logits.view(-1, 800), labels.view(-1)) over "
              "the padded batch, mean over the labels != -100"),
        head_tensors=MLM_HEAD,
        head_init=("BertPreTrainedModel._init_weights (transformers 5.24): transform.dense weight normal(0, 0.02), "
                   "bias 0 (nn.Linear branch of PreTrainedModel._init_weights); transform.LayerNorm weight 1, bias 0 "
                   "('LayerNorm' in the class name); cls.predictions.bias 0 (isinstance(module, "
                   "BertLMPredictionHead): init.zeros_(module.bias)); decoder not initialized separately (tied)"),
        checkpoint_facts=dict(
            save_pretrained_names=saved_names(model),
            save_pretrained_omits=["cls.predictions.decoder.bias", "cls.predictions.decoder.weight"],
            from_pretrained_variants=tie_checks(model),
            bert_model_checkpoint_into_masked_lm=minilm_report(model_dir)),
        loop="as tiny_training: 3 steps on the same batch"))


# ---------------------------------------------------------------------------

def verify(qa_path, mlm_path):
    with safe_open(os.path.join(TINY_DIR, "model.safetensors"), "pt") as f:
        shapes = {name: tuple(f.get_slice(name).get_shape()) for name in f.keys()}
    reference = load_file(os.path.join(OUT_DIR, "tiny_training.safetensors"))
    heads = {qa_path: QA_HEAD, mlm_path: MLM_HEAD}
    for path, head in heads.items():
        with safe_open(path, "pt") as f:
            meta = f.metadata()
        assert meta["format"] == fc.FORMAT and meta["version"] == str(fc.VERSION), path
        t = load_file(path)
        offs = t["sequence_offsets"]
        tokens = t["input_ids"].numel()
        assert int(offs[0]) == 0 and int(offs[-1]) == tokens == t["token_type_ids"].numel(), path
        names = [k[len("grad."):] for k in t if k.startswith("grad.")]
        encoder = [n for n in shapes if n.startswith(("bert.embeddings.", "bert.encoder."))]
        assert len(encoder) == 37 and sorted(names) == sorted(encoder + head), path
        for name in names:
            shape = tuple(t["grad." + name].shape)
            assert shape == tuple(t["after3." + name].shape) == tuple(t["exp_avg." + name].shape), name
            assert shape == (tuple(t[name].shape) if name in head else shapes[name]), name
        for k in ("loss", "step_lr", "step_loss", "step_grad_norm", "step_grad_norm_float64"):
            assert k in t and t[k].shape == reference[k].shape and t[k].dtype == reference[k].dtype, (path, k)
        assert torch.equal(t["step_lr"], reference["step_lr"]), path
        assert not any(k.startswith(("grad.bert.pooler.", "grad.classifier.", "grad.cls.predictions.decoder."))
                       for k in t), path
        print(f"verified {fc.rel(path)}: {os.path.getsize(path)} bytes, {len(t)} tensors")

    qa = load_file(qa_path)
    offs = qa["sequence_offsets"]
    lengths = (offs[1:] - offs[:-1]).tolist()
    assert set(lengths) == {QA_MAX_LENGTH}, lengths
    batch = len(lengths)
    assert qa["start_positions"].shape == qa["end_positions"].shape == (batch,)
    assert qa["start_logits"].shape == qa["end_logits"].shape == (offs[-1],)
    assert qa["token_type_ids"].reshape(batch, -1)[:, 0].eq(0).all() and qa["token_type_ids"][-1] == 1
    ce = torch.nn.functional.cross_entropy
    loss = (ce(qa["start_logits"].reshape(batch, -1), qa["start_positions"])
            + ce(qa["end_logits"].reshape(batch, -1), qa["end_positions"])) / 2
    assert abs(float(loss) - float(qa["loss"])) < 1e-6

    mlm = load_file(mlm_path)
    tokens = mlm["input_ids"].numel()
    assert mlm["labels"].shape == mlm["original_input_ids"].shape == (tokens,)
    assert mlm["logits"].shape == (tokens, shapes[WORD_EMBEDDINGS][0])
    labelled = mlm["labels"] != IGNORE
    assert torch.equal(mlm["labels"][labelled], mlm["original_input_ids"][labelled])
    assert torch.equal(mlm["input_ids"][~labelled], mlm["original_input_ids"][~labelled])
    assert abs(float(ce(mlm["logits"], mlm["labels"])) - float(mlm["loss"])) < 1e-6
    used = torch.zeros(shapes[WORD_EMBEDDINGS][0], dtype=torch.bool)
    used[mlm["input_ids"].unique()] = True
    diff = mlm["grad." + WORD_EMBEDDINGS] - mlm["grad_from_decoder." + WORD_EMBEDDINGS]
    assert float(diff[~used].abs().max()) < 1e-7 and float(diff[used].abs().sum(1).min()) > 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=fc.DEFAULT_MINILM, help="a BertModel checkpoint folder (all-MiniLM-L6-v2)")
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(args.model, "model.safetensors")):
        fc.fail(f"{args.model}: no model.safetensors (pass --model)")
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    fc.ensure_dir(OUT_DIR)
    fc.seed_everything(HEAD_SEED)
    tokenizer = AutoTokenizer.from_pretrained(TINY_DIR)
    qa_path = make_question_answering(tokenizer)
    mlm_path = make_masked_lm(tokenizer, args.model)
    verify(qa_path, mlm_path)


if __name__ == "__main__":
    main()
