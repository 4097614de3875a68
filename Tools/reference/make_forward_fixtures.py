#!/usr/bin/env python3
"""Forward-pass fixtures for swift-bert.

Writes:

  Tests/Fixtures/tiny-bert/                      a tiny random BertForSequenceClassification
                                                 (save_pretrained: config.json, model.safetensors,
                                                 tokenizer.json, tokenizer_config.json) + fixture.json
  Tests/Fixtures/forward/tiny_forward.safetensors    its eval-mode activations on 6 inputs
  Tests/Fixtures/forward/minilm_forward.safetensors  all-MiniLM-L6-v2 + a seeded new
                                                     classifier: logits on 25 inputs

All sequences are stored PACKED: input_ids/token_type_ids [tokens] int64 are the
concatenation of every sequence's real tokens and sequence_offsets [batch+1] int64
marks where each starts; position ids restart at 0 in every sequence. Row i of a
[tokens, hidden] tensor belongs to the token input_ids[i].

    /work/venv/bin/python Tools/reference/make_forward_fixtures.py [--model .models/all-MiniLM-L6-v2]
"""

import argparse
import collections
import json
import math
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402  (sets HF_HUB_OFFLINE before transformers loads)

import torch  # noqa: E402
from safetensors import safe_open  # noqa: E402
from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors  # noqa: E402
from tokenizers.models import WordPiece  # noqa: E402
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification, BertTokenizer  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

TINY_SEED = 20240601
TINY_VOCAB_SIZE = 800  # special tokens + CoLA characters (and their ## forms) + frequent pieces
TINY_LABELS = {0: "contradiction", 1: "entailment", 2: "neutral"}
MINILM_SEED = 1234
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

# Inputs of the tiny forward fixture: (text, text_pair).
TINY_INPUTS = [
    ("The sailors rode the breeze clear of the rocks.", None),
    ("John is taller than Mary.", "Mary is shorter than John, isn't she?"),
    ("I ate a 🍕 yesterday.", None),  # the emoji is not in the tiny vocab: [UNK]
    ("Hi!", None),
    ("The more books that people who like reading buy, the happier the owners of the "
     "bookstores that sell them seem to become.", None),
    ("Café owners [MASK] naïve tourists.", None),
]


# ---------------------------------------------------------------------------
# packing helpers

def pack(encodings):
    """Concatenate per-sequence ids into packed int64 tensors plus offsets."""
    ids, types, offsets = [], [], [0]
    for enc in encodings:
        ids += enc["input_ids"]
        types += enc["token_type_ids"]
        offsets.append(len(ids))
    return (torch.tensor(ids, dtype=torch.int64), torch.tensor(types, dtype=torch.int64),
            torch.tensor(offsets, dtype=torch.int64))


def encode_all(tokenizer, inputs, **kwargs):
    out = []
    for text, pair in inputs:
        enc = tokenizer(text, pair, **kwargs) if pair is not None else tokenizer(text, **kwargs)
        out.append({"input_ids": list(enc["input_ids"]), "token_type_ids": list(enc["token_type_ids"])})
    return out


@torch.no_grad()
def run_unpadded(model, encodings):
    """Each sequence alone (batch of 1, no mask): packed activations."""
    emb, layers, pooled, logits = [], None, [], []
    for enc in encodings:
        ids = torch.tensor([enc["input_ids"]])
        types = torch.tensor([enc["token_type_ids"]])
        out = model(input_ids=ids, token_type_ids=types, output_hidden_states=True)
        hs = out.hidden_states
        if layers is None:
            layers = [[] for _ in hs[1:]]
        emb.append(hs[0][0])
        for i, h in enumerate(hs[1:]):
            layers[i].append(h[0])
        pooled.append(model.bert.pooler(hs[-1])[0])
        logits.append(out.logits[0])
    return {
        "embeddings_output": torch.cat(emb),
        **{f"hidden_state.{i}": torch.cat(x) for i, x in enumerate(layers)},
        "pooled_output": torch.stack(pooled),
        "logits": torch.stack(logits),
    }


@torch.no_grad()
def run_padded(model, encodings, pad_id):
    """All sequences as one right-padded batch with an attention mask, re-packed."""
    n = max(len(e["input_ids"]) for e in encodings)
    ids = torch.full((len(encodings), n), pad_id, dtype=torch.int64)
    types = torch.zeros((len(encodings), n), dtype=torch.int64)
    mask = torch.zeros((len(encodings), n), dtype=torch.int64)
    for b, e in enumerate(encodings):
        k = len(e["input_ids"])
        ids[b, :k] = torch.tensor(e["input_ids"])
        types[b, :k] = torch.tensor(e["token_type_ids"])
        mask[b, :k] = 1
    out = model(input_ids=ids, token_type_ids=types, attention_mask=mask, output_hidden_states=True)
    real = mask.bool()
    result = {"embeddings_output": out.hidden_states[0][real]}
    for i, h in enumerate(out.hidden_states[1:]):
        result[f"hidden_state.{i}"] = h[real]
    result["pooled_output"] = model.bert.pooler(out.hidden_states[-1])
    result["logits"] = out.logits
    return result


def max_abs_diff(a, b):
    return float((a.double() - b.double()).abs().max())


def compare(a, b, tol, what):
    diffs = {k: max_abs_diff(a[k], b[k]) for k in a}
    worst = max(diffs.values())
    if worst > tol:
        raise SystemExit(f"{what}: max abs diff {worst:.3g} > {tol} ({diffs})")
    return diffs


# ---------------------------------------------------------------------------
# tiny BERT

def build_tiny_vocab(minilm_tokenizer, cola_zip):
    """Special tokens, every CoLA character and its ## form, then frequent CoLA pieces.

    Ordered by MiniLM id, so [PAD] [UNK] [CLS] [SEP] [MASK] become 0..4.
    """
    minilm_vocab = minilm_tokenizer.get_vocab()
    normalizer = minilm_tokenizer.backend_tokenizer.normalizer
    chars, counts = set(), collections.Counter()
    for name in fc.COLA_FILES:
        rows = fc.read_cola(cola_zip, name)
        for r in rows:
            chars.update(c for c in normalizer.normalize_str(r["sentence"]) if not c.isspace())
        for ids in minilm_tokenizer([r["sentence"] for r in rows], add_special_tokens=False)["input_ids"]:
            counts.update(ids)
    chosen = set(SPECIAL_TOKENS)
    missing_chars = []
    for c in sorted(chars):
        found = False
        for piece in (c, "##" + c):
            if piece in minilm_vocab:
                chosen.add(piece)
                found = True
        if not found:
            missing_chars.append(c)
    id_to_token = {i: t for t, i in minilm_vocab.items()}
    for token_id, _ in counts.most_common():
        if len(chosen) >= TINY_VOCAB_SIZE:
            break
        chosen.add(id_to_token[token_id])
    ordered = sorted(chosen, key=lambda t: minilm_vocab[t])
    return {t: i for i, t in enumerate(ordered)}, sorted(chars), missing_chars


def build_tiny_tokenizer(vocab, model_max_length):
    tok = Tokenizer(WordPiece(vocab, unk_token="[UNK]", continuing_subword_prefix="##",
                              max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                strip_accents=None, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tok.decoder = decoders.WordPiece(prefix="##")
    wrapped = BertTokenizer(tokenizer_object=tok, vocab=vocab, model_max_length=model_max_length)
    # The wrapper must keep our pipeline; only the added (special) tokens may differ.
    ours, theirs = json.loads(tok.to_str()), json.loads(wrapped.backend_tokenizer.to_str())
    for key in ("normalizer", "pre_tokenizer", "post_processor", "decoder", "model"):
        if ours[key] != theirs[key]:
            raise SystemExit(f"BertTokenizer wrapper changed the tokenizer's {key}")
    return wrapped


def tiny_config(vocab, **overrides):
    cfg = dict(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=37, max_position_embeddings=64, type_vocab_size=2, hidden_act="gelu",
        layer_norm_eps=1e-12, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
        initializer_range=0.02, pad_token_id=vocab["[PAD]"], num_labels=3,
        id2label=dict(TINY_LABELS), label2id={v: k for k, v in TINY_LABELS.items()},
    )
    cfg.update(overrides)
    return BertConfig(**cfg)


@torch.no_grad()
def randomize_tiny(model, seed):
    """Non-trivial random weights: every tensor, LayerNorm gamma/beta included."""
    g = torch.Generator().manual_seed(seed)
    for name, p in sorted(model.named_parameters()):
        if name.endswith("LayerNorm.weight"):
            p.copy_(torch.empty(p.shape).uniform_(0.5, 1.5, generator=g))
        elif name.endswith("LayerNorm.bias"):
            p.copy_(0.2 * torch.randn(p.shape, generator=g))
        elif "embeddings" in name:
            p.copy_(0.5 * torch.randn(p.shape, generator=g))
        elif name.endswith(".weight"):
            p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p.shape[1]))
        elif name.endswith(".bias"):
            p.copy_(0.1 * torch.randn(p.shape, generator=g))
        else:
            raise SystemExit(f"unexpected parameter {name}")


def make_tiny(args, minilm_tokenizer):
    vocab, cola_chars, missing_chars = build_tiny_vocab(minilm_tokenizer, args.cola)
    print(f"tiny vocab: {len(vocab)} entries; {len(cola_chars)} distinct CoLA characters, "
          f"not in MiniLM vocab: {missing_chars}")
    tokenizer = build_tiny_tokenizer(vocab, model_max_length=64)
    fc.seed_everything(TINY_SEED)
    config = tiny_config(vocab)
    model = BertForSequenceClassification(config)
    randomize_tiny(model, TINY_SEED)
    model.eval()

    out_dir = os.path.join(fc.FIXTURES, "tiny-bert")
    shutil.rmtree(out_dir, ignore_errors=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    for name in os.listdir(out_dir):
        os.chmod(os.path.join(out_dir, name), 0o644)
    files = sorted(os.listdir(out_dir))
    if "vocab.txt" in files or "tokenizer.json" not in files:
        raise SystemExit(f"tiny-bert should hold tokenizer.json and no vocab.txt: {files}")
    with open(os.path.join(out_dir, "fixture.json"), "w", encoding="utf-8") as f:
        json.dump(fc.header(
            __file__, "tiny-bert", seed=TINY_SEED,
            note=("random BertForSequenceClassification saved with save_pretrained; vocab = special "
                  "tokens + every CoLA character (normalized) and its ## form + the most frequent "
                  "CoLA word pieces, taken from all-MiniLM-L6-v2's vocab and ordered by MiniLM id; "
                  "tokenizer built with the tokenizers library and wrapped as transformers' "
                  "BertTokenizer; no vocab.txt on purpose (tests the tokenizer.json-only path)"),
            init=("LayerNorm.weight U(0.5,1.5); LayerNorm.bias 0.2*N(0,1); embeddings 0.5*N(0,1); "
                  "Linear weight N(0,1)/sqrt(fan_in); Linear bias 0.1*N(0,1); one torch.Generator "
                  "seeded with `seed`, parameters visited in sorted name order"),
            cola_characters_not_in_minilm_vocab=missing_chars,
            files=files), f, ensure_ascii=False, indent=2)
        f.write("\n")

    # Reload exactly what Swift will load.
    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    model = BertForSequenceClassification.from_pretrained(out_dir, attn_implementation="eager").eval()
    encodings = encode_all(tokenizer, TINY_INPUTS)
    unk = vocab["[UNK]"]
    assert any(unk in e["input_ids"] for e in encodings), "one input must contain [UNK]"
    assert any(1 in e["token_type_ids"] for e in encodings), "one input must be a pair"
    alone = run_unpadded(model, encodings)
    padded = run_padded(model, encodings, vocab["[PAD]"])
    # float32 results differ by a few ulps between batch shapes; the float64 run shows that
    # padding + mask changes nothing beyond rounding.
    pad_diffs = compare(alone, padded, 1e-5, "tiny: padded vs unpadded (float32)")
    model.double()
    f64 = run_unpadded(model, encodings)
    pad_diffs64 = compare(f64, run_padded(model, encodings, vocab["[PAD]"]), 1e-6,
                          "tiny: padded vs unpadded (float64)")
    f64_diffs = {k: max_abs_diff(alone[k], f64[k]) for k in alone}
    model.float()

    input_ids, token_type_ids, offsets = pack(encodings)
    tensors = {"input_ids": input_ids, "token_type_ids": token_type_ids, "sequence_offsets": offsets}
    tensors.update({k: v.float().contiguous() for k, v in alone.items()})
    meta = fc.header(
        __file__, "forward/tiny_forward", model="Tests/Fixtures/tiny-bert", mode="eval",
        attn_implementation="eager",
        inputs=[{"text": t, "text_pair": p} for t, p in TINY_INPUTS],
        tokens=[tokenizer.convert_ids_to_tokens(e["input_ids"]) for e in encodings],
        tensors={
            "input_ids": "int64 [tokens]", "token_type_ids": "int64 [tokens]",
            "sequence_offsets": "int64 [batch+1]",
            "embeddings_output": "float32 [tokens, hidden]: after embeddings LayerNorm",
            "hidden_state.N": "float32 [tokens, hidden]: output of encoder layer N",
            "pooled_output": "float32 [batch, hidden]: tanh(dense(CLS))",
            "logits": "float32 [batch, num_labels]",
        },
        padded_vs_unpadded_max_abs_diff=pad_diffs, padded_vs_unpadded_float64_max_abs_diff=pad_diffs64,
        float32_vs_float64_max_abs_diff=f64_diffs,
    )
    path = os.path.join(fc.ensure_dir(os.path.join(fc.FIXTURES, "forward")), "tiny_forward.safetensors")
    fc.save_safetensors(tensors, path, meta)
    print(f"tiny: padded vs unpadded {max(pad_diffs.values()):.2e} (float64 "
          f"{max(pad_diffs64.values()):.2e}), float32 vs float64 "
          f"{max(f64_diffs.values()):.2e}; logits {alone['logits'].tolist()}")
    return out_dir, path


# ---------------------------------------------------------------------------
# MiniLM

def minilm_inputs(cola_zip):
    """25 inputs: CoLA sentences from each file, a pair, hard Unicode cases, a 512-token text."""
    inputs = []
    picks = {"raw/in_domain_train.tsv": [1, 2, 3, 100, 1000, 4321, 8551],
             "raw/in_domain_dev.tsv": [1, 50, 200, 527],
             "raw/out_of_domain_dev.tsv": [1, 77, 300, 516]}
    for name, lines in picks.items():
        rows = fc.read_cola(cola_zip, name)
        for line in lines:
            r = rows[line - 1]
            inputs.append({"source": f"{name}:{line}", "text": r["sentence"], "text_pair": None})
    # the longest CoLA training sentence
    rows = fc.read_cola(cola_zip, "raw/in_domain_train.tsv")
    longest = max(rows, key=lambda r: len(r["sentence"]))
    inputs.append({"source": f"raw/in_domain_train.tsv:{longest['line']} (longest)",
                   "text": longest["sentence"], "text_pair": None})
    inputs += [
        {"source": "pair", "text": "The cat sat on the mat.", "text_pair": "A cat was sitting on a mat."},
        {"source": "pair (CoLA dev lines 2, 3)", "text": fc.read_cola(cola_zip, "raw/in_domain_dev.tsv")[1]["sentence"],
         "text_pair": fc.read_cola(cola_zip, "raw/in_domain_dev.tsv")[2]["sentence"]},
        {"source": "hard: accents NFD", "text": "Cafe\u0301 owners are nai\u0308ve.", "text_pair": None},
        {"source": "hard: Greek final sigma", "text": "ΟΔΟΣ ΣΟΦΟΣ", "text_pair": None},
        {"source": "hard: CJK and Latin", "text": "我爱Python和机器学习ok", "text_pair": None},
        {"source": "hard: emoji ZWJ and controls",
         "text": "family 👨\u200d👩\u200d👧 \x00 a\x0bb\u00a0c", "text_pair": None},
        {"source": "hard: special tokens in text", "text": "hello[SEP]world [MASK]ed [unk]", "text_pair": None},
        {"source": "hard: empty", "text": "", "text_pair": None},
        {"source": "hard: Korean", "text": "안녕하세요 세계", "text_pair": None},
    ]
    words = []
    for r in rows:
        words += r["sentence"].split()
        if len(words) > 700:
            break
    inputs.append({"source": "in_domain_train.tsv sentences joined (truncated at 512)",
                   "text": " ".join(words), "text_pair": None})
    return inputs


def make_minilm(args, tokenizer):
    inputs = minilm_inputs(args.cola)
    encodings = []
    for item in inputs:
        enc = tokenizer(item["text"], item["text_pair"], truncation=True, max_length=512)
        encodings.append({"input_ids": list(enc["input_ids"]), "token_type_ids": list(enc["token_type_ids"])})
    lengths = [len(e["input_ids"]) for e in encodings]
    assert lengths[-1] == 512, lengths
    assert len(inputs) >= 24

    torch.manual_seed(MINILM_SEED)
    model, info = BertForSequenceClassification.from_pretrained(
        args.model, num_labels=2, attn_implementation="eager", output_loading_info=True)
    model.eval()
    fc.seed_everything(MINILM_SEED)  # deterministic kernels from here on (after the seeded init)
    alone = run_unpadded(model, encodings)
    padded = run_padded(model, encodings, tokenizer.pad_token_id)
    pad_diffs = compare({k: alone[k] for k in ("pooled_output", "logits")},
                        {k: padded[k] for k in ("pooled_output", "logits")}, 1e-5, "minilm: padded vs unpadded")
    sdpa = BertForSequenceClassification.from_pretrained(args.model, num_labels=2, attn_implementation="sdpa").eval()
    sdpa.classifier.load_state_dict(model.classifier.state_dict())
    sdpa_logits = run_unpadded(sdpa, encodings)["logits"]
    f64 = run_unpadded(model.double(), encodings)
    model.float()
    f64_diffs = {k: max_abs_diff(alone[k], f64[k]) for k in ("pooled_output", "logits")}

    input_ids, token_type_ids, offsets = pack(encodings)
    tensors = {
        "input_ids": input_ids, "token_type_ids": token_type_ids, "sequence_offsets": offsets,
        "classifier.weight": model.classifier.weight.detach().float().contiguous(),
        "classifier.bias": model.classifier.bias.detach().float().contiguous(),
        "pooled_output": alone["pooled_output"].float().contiguous(),
        "logits": alone["logits"].float().contiguous(),
    }
    meta = fc.header(
        __file__, "forward/minilm_forward", model="all-MiniLM-L6-v2",
        model_safetensors_sha256=fc.sha256_file(os.path.join(args.model, "model.safetensors")),
        recipe=("torch.manual_seed(1234); BertForSequenceClassification.from_pretrained(minilm, "
                "num_labels=2, attn_implementation='eager'); eval(); each input encoded with "
                "tokenizer(text, text_pair, truncation=True, max_length=512)"),
        loading_info={k: sorted(v) if isinstance(v, (set, list)) else str(v) for k, v in info.items()},
        inputs=inputs, lengths=lengths,
        tensors={"input_ids": "int64 [tokens]", "token_type_ids": "int64 [tokens]",
                 "sequence_offsets": "int64 [batch+1]", "classifier.weight": "float32 [2, 384]",
                 "classifier.bias": "float32 [2]", "pooled_output": "float32 [batch, 384]",
                 "logits": "float32 [batch, 2]"},
        padded_vs_unpadded_max_abs_diff=pad_diffs, float32_vs_float64_max_abs_diff=f64_diffs,
        eager_vs_sdpa_logits_max_abs_diff=max_abs_diff(alone["logits"], sdpa_logits),
    )
    path = os.path.join(fc.FIXTURES, "forward", "minilm_forward.safetensors")
    fc.save_safetensors(tensors, path, meta)
    print(f"minilm: {len(inputs)} inputs, {int(offsets[-1])} tokens; loading info {meta['loading_info']}; "
          f"padded vs unpadded {max(pad_diffs.values()):.2e}; float32 vs float64 {max(f64_diffs.values()):.2e}; "
          f"eager vs sdpa {meta['eager_vs_sdpa_logits_max_abs_diff']:.2e}")
    return path


def verify(tiny_dir, tiny_path, minilm_path, minilm_dir):
    from safetensors.torch import load_file

    with safe_open(os.path.join(tiny_dir, "model.safetensors"), "pt") as f:
        names = sorted(f.keys())
    assert all(n.startswith(("bert.", "classifier.")) for n in names), names
    print("tiny-bert/model.safetensors tensors:", names)
    for path in (tiny_path, minilm_path):
        with safe_open(path, "pt") as f:
            meta = f.metadata()
        assert meta["format"] == fc.FORMAT and meta["version"] == str(fc.VERSION), path
        t = load_file(path)
        offs = t["sequence_offsets"]
        assert int(offs[0]) == 0 and int(offs[-1]) == t["input_ids"].numel() == t["token_type_ids"].numel()
        assert t["logits"].shape[0] == offs.numel() - 1 == t["pooled_output"].shape[0]
        print(f"verified {fc.rel(path)}: {os.path.getsize(path)} bytes, "
              + ", ".join(f"{k} {tuple(v.shape)} {str(v.dtype)[6:]}" for k, v in sorted(t.items())))
    # Recompute the tiny logits from the saved folder in a fresh model.
    t = load_file(tiny_path)
    model = BertForSequenceClassification.from_pretrained(tiny_dir).eval()
    offs = t["sequence_offsets"].tolist()
    with torch.no_grad():
        for b in range(len(offs) - 1):
            s, e = offs[b], offs[b + 1]
            logits = model(input_ids=t["input_ids"][None, s:e], token_type_ids=t["token_type_ids"][None, s:e]).logits
            assert max_abs_diff(logits[0], t["logits"][b]) < 1e-5
    # And the MiniLM logits from the folder + stored classifier.
    m = load_file(minilm_path)
    model = BertForSequenceClassification.from_pretrained(minilm_dir, num_labels=2).eval()
    model.classifier.weight.data.copy_(m["classifier.weight"])
    model.classifier.bias.data.copy_(m["classifier.bias"])
    offs = m["sequence_offsets"].tolist()
    with torch.no_grad():
        for b in range(len(offs) - 1):
            s, e = offs[b], offs[b + 1]
            logits = model(input_ids=m["input_ids"][None, s:e], token_type_ids=m["token_type_ids"][None, s:e]).logits
            assert max_abs_diff(logits[0], m["logits"][b]) < 1e-5
    print("verified: logits recomputed from the saved folders match")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=fc.DEFAULT_MINILM, help="HF folder of all-MiniLM-L6-v2")
    parser.add_argument("--cola", default=fc.DEFAULT_COLA, help="cola_public_1.1.zip")
    args = parser.parse_args()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    fc.seed_everything(0)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    tiny_dir, tiny_path = make_tiny(args, tokenizer)
    minilm_path = make_minilm(args, tokenizer)
    verify(tiny_dir, tiny_path, minilm_path, args.model)


if __name__ == "__main__":
    main()
