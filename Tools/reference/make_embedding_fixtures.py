#!/usr/bin/env python3
"""Sentence-embedding fixtures for swift-bert (`bert embed`, `SentenceEmbedder`).

Writes:

  Tests/Fixtures/embedding/minilm_embeddings.safetensors

all-MiniLM-L6-v2 on 31 texts (CoLA sentences, Unicode and hard cases, one text longer than
the model's max_seq_length 256), with four recipes over the encoder's last hidden state:

  mean_normalized  sentence-transformers' own SentenceTransformer.encode (mean pooling +
                   Normalize): the model's published recipe
  mean             attention-mask-weighted mean, no normalization       (transformers directly)
  cls              the [CLS] row                                         (transformers directly)
  max              per-dimension max over real tokens                    (transformers directly)

Every text is encoded as sentence-transformers encodes it: tokenizer(text, truncation=True,
max_length=256). The packed token ids are stored too (input_ids, sequence_offsets).

    /work/venv/bin/python Tools/reference/make_embedding_fixtures.py [--model .models/all-MiniLM-L6-v2]
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402  (sets HF_HUB_OFFLINE before transformers loads)

import torch  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

HARD_CASES = [
    ("hard: accents NFD", "Cafe\u0301 owners are nai\u0308ve."),
    ("hard: Greek final sigma", "ΟΔΟΣ ΣΟΦΟΣ"),
    ("hard: CJK and Latin", "我爱Python和机器学习ok"),
    ("hard: emoji ZWJ and controls", "family 👨\u200d👩\u200d👧 \x00 a\x0bb\u00a0c"),
    ("hard: special tokens in text", "hello[SEP]world [MASK]ed [unk]"),
    ("hard: Korean", "안녕하세요 세계"),
    ("hard: punctuation only", "?!... ---"),
    ("hard: empty", ""),
    ("hard: one word", "Hi"),
]


def embedding_inputs(cola_zip):
    """31 pair-free texts: 21 CoLA sentences, 9 hard cases, one text past 256 tokens."""
    inputs = []
    picks = {"raw/in_domain_train.tsv": [1, 2, 3, 4, 5, 100, 1000, 2500, 4321, 6000, 8551],
             "raw/in_domain_dev.tsv": [1, 50, 200, 400, 527],
             "raw/out_of_domain_dev.tsv": [1, 77, 300, 450, 516]}
    train = fc.read_cola(cola_zip, "raw/in_domain_train.tsv")
    for name, lines in picks.items():
        rows = fc.read_cola(cola_zip, name)
        for line in lines:
            inputs.append({"source": f"{name}:{line}", "text": rows[line - 1]["sentence"]})
    inputs += [{"source": source, "text": text} for source, text in HARD_CASES]
    words = []
    for r in train:
        words += r["sentence"].split()
        if len(words) > 400:
            break
    inputs.append({"source": "in_domain_train.tsv sentences joined (truncated at 256)",
                   "text": " ".join(words)})
    return inputs


def load_sentence_transformer(folder, max_seq_length):
    """The folder's own SentenceTransformer, or Transformer + Pooling(mean) + Normalize."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models

    if os.path.exists(os.path.join(folder, "modules.json")):
        model = SentenceTransformer(folder, device="cpu", local_files_only=True)
        built = "SentenceTransformer(folder) from its modules.json"
    else:
        transformer = models.Transformer(folder, max_seq_length=max_seq_length)
        pooling = models.Pooling(transformer.get_word_embedding_dimension(), pooling_mode="mean")
        model = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu")
        built = "models.Transformer + models.Pooling(mean) + models.Normalize (no modules.json)"
    return model.eval(), built


@torch.no_grad()
def pooled_by_hand(model, encodings):
    """mean / cls / max over BertModel's last_hidden_state, one sequence at a time."""
    out = {"mean": [], "cls": [], "max": []}
    for enc in encodings:
        ids = torch.tensor([enc["input_ids"]])
        types = torch.tensor([enc["token_type_ids"]])
        hidden = model(input_ids=ids, token_type_ids=types).last_hidden_state[0]
        out["mean"].append(hidden.sum(dim=0) / max(hidden.shape[0], 1e-9))
        out["cls"].append(hidden[0])
        out["max"].append(hidden.max(dim=0).values)
    return {k: torch.stack(v).float().contiguous() for k, v in out.items()}


@torch.no_grad()
def pooled_padded(model, encodings, pad_id):
    """The same three over one right-padded batch with an attention mask (ST's formulas)."""
    n = max(len(e["input_ids"]) for e in encodings)
    b = len(encodings)
    ids = torch.full((b, n), pad_id, dtype=torch.int64)
    types = torch.zeros((b, n), dtype=torch.int64)
    mask = torch.zeros((b, n), dtype=torch.int64)
    for i, e in enumerate(encodings):
        k = len(e["input_ids"])
        ids[i, :k] = torch.tensor(e["input_ids"])
        types[i, :k] = torch.tensor(e["token_type_ids"])
        mask[i, :k] = 1
    hidden = model(input_ids=ids, token_type_ids=types, attention_mask=mask).last_hidden_state
    m = mask.unsqueeze(-1).float()
    mean = (hidden * m).sum(dim=1) / torch.clamp(m.sum(dim=1), min=1e-9)
    cls = hidden[:, 0]
    mx = hidden.masked_fill(m == 0, float("-inf")).max(dim=1).values
    return {"mean": mean, "cls": cls, "max": mx}


def max_abs_diff(a, b):
    return float((a.double() - b.double()).abs().max())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=fc.DEFAULT_MINILM, help="HF folder of all-MiniLM-L6-v2")
    parser.add_argument("--cola", default=fc.DEFAULT_COLA, help="cola_public_1.1.zip")
    args = parser.parse_args()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    fc.seed_everything(0)
    import sentence_transformers

    st_config_path = os.path.join(args.model, "sentence_bert_config.json")
    max_seq_length = 256
    if os.path.exists(st_config_path):
        with open(st_config_path, encoding="utf-8") as f:
            max_seq_length = json.load(f)["max_seq_length"]
    st_model, built = load_sentence_transformer(args.model, max_seq_length)
    if st_model.max_seq_length != max_seq_length:
        raise SystemExit(f"max_seq_length {st_model.max_seq_length}, expected {max_seq_length}")

    inputs = embedding_inputs(args.cola)
    texts = [item["text"] for item in inputs]
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    encodings = []
    for text in texts:
        enc = tokenizer(text, truncation=True, max_length=max_seq_length)
        encodings.append({"input_ids": list(enc["input_ids"]), "token_type_ids": list(enc["token_type_ids"])})
    lengths = [len(e["input_ids"]) for e in encodings]
    if lengths[-1] != max_seq_length:
        raise SystemExit(f"the last input should be truncated at {max_seq_length}: {lengths[-1]}")
    # sentence-transformers must have tokenized exactly so.
    features = getattr(st_model, "preprocess", None)
    features = features(texts) if features is not None else st_model.tokenize(texts)
    for i, e in enumerate(encodings):
        k = int(features["attention_mask"][i].sum())
        if features["input_ids"][i, :k].tolist() != e["input_ids"]:
            raise SystemExit(f"input {i}: sentence-transformers tokenized differently")

    st = torch.from_numpy(st_model.encode(texts, batch_size=32, convert_to_numpy=True)).float().contiguous()
    bert = AutoModel.from_pretrained(args.model, attn_implementation="eager").eval()
    alone = pooled_by_hand(bert, encodings)
    padded = pooled_padded(bert, encodings, tokenizer.pad_token_id)
    padded_diffs = {k: max_abs_diff(alone[k], padded[k]) for k in alone}
    by_hand_normalized = torch.nn.functional.normalize(alone["mean"], p=2, dim=-1, eps=1e-12)
    st_vs_hand = max_abs_diff(st, by_hand_normalized)
    if st_vs_hand > 1e-6 or max(padded_diffs.values()) > 1e-5:
        raise SystemExit(f"references disagree: st vs hand {st_vs_hand}, padded {padded_diffs}")
    bert64 = AutoModel.from_pretrained(args.model, attn_implementation="eager").eval().double()
    f64 = pooled_by_hand(bert64, encodings)
    f64_diffs = {k: max_abs_diff(alone[k], f64[k]) for k in alone}

    ids, offsets = [], [0]
    for e in encodings:
        ids += e["input_ids"]
        offsets.append(len(ids))
    tensors = {
        "input_ids": torch.tensor(ids, dtype=torch.int64),
        "sequence_offsets": torch.tensor(offsets, dtype=torch.int64),
        "mean_normalized": st,
        "mean": alone["mean"],
        "cls": alone["cls"],
        "max": alone["max"],
    }
    meta = fc.header(
        __file__, "embedding/minilm_embeddings", model="all-MiniLM-L6-v2",
        model_safetensors_sha256=fc.sha256_file(os.path.join(args.model, "model.safetensors")),
        sentence_transformers=sentence_transformers.__version__,
        recipe=(f"mean_normalized: {built}, encode(texts, batch_size=32); mean/cls/max: "
                "AutoModel.from_pretrained(minilm, attn_implementation='eager').eval(), each text "
                f"alone, last_hidden_state pooled; every text tokenizer(text, truncation=True, "
                f"max_length={max_seq_length})"),
        max_seq_length=max_seq_length, inputs=inputs, lengths=lengths,
        tensors={"input_ids": "int64 [tokens]", "sequence_offsets": "int64 [batch+1]",
                 "mean_normalized": "float32 [batch, 384]: SentenceTransformer.encode",
                 "mean": "float32 [batch, 384]", "cls": "float32 [batch, 384]",
                 "max": "float32 [batch, 384]"},
        st_vs_by_hand_mean_normalized_max_abs_diff=st_vs_hand,
        padded_vs_unpadded_max_abs_diff=padded_diffs, float32_vs_float64_max_abs_diff=f64_diffs,
    )
    path = os.path.join(fc.ensure_dir(os.path.join(fc.FIXTURES, "embedding")), "minilm_embeddings.safetensors")
    fc.save_safetensors(tensors, path, meta)

    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(path, "pt") as f:
        assert f.metadata()["format"] == fc.FORMAT and f.metadata()["version"] == str(fc.VERSION)
    back = load_file(path)
    assert all(torch.equal(back[k], tensors[k]) for k in tensors)
    norms = back["mean_normalized"].norm(dim=-1)
    assert float((norms - 1).abs().max()) < 1e-5, norms
    print(f"verified {fc.rel(path)}: {os.path.getsize(path)} bytes, {len(inputs)} inputs, "
          f"{offsets[-1]} tokens, lengths {min(lengths)}..{max(lengths)}; {built}; "
          f"ST vs by hand {st_vs_hand:.2e}; padded vs unpadded {padded_diffs}; "
          f"float32 vs float64 {f64_diffs}")


if __name__ == "__main__":
    main()
