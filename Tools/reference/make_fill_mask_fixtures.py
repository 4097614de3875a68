"""transformers' fill-mask pipeline on a tiny BertForMaskedLM, and tokenizer.decode.

Builds the model as a user would: `torch.manual_seed(SEED)`, then
`BertForMaskedLM.from_pretrained("Tests/Fixtures/tiny-bert")`. That checkpoint is a
BertForSequenceClassification, so the encoder (`bert.*`) is loaded, the pooler and classifier
are dropped, and the MLM head `cls.predictions.transform.*` and `cls.predictions.bias` are
newly initialized (dense N(0, 0.02²), LayerNorm 1/0, bias 0); the decoder is tied to the word
embeddings (tie_word_embeddings). No weight is scaled: tiny-bert's word embeddings have std
0.5, so the logits (std ≈ 2.8) give peaked, well-separated predictions as they are.

The model is saved with `save_pretrained` together with the tokenizer into
Tests/Fixtures/tiny-bert-mlm/ and loaded back through `pipeline("fill-mask", model=folder)`.
For each text (one or two [MASK]s; accents, punctuation, sub-words, literal special tokens)
the fixture holds the pipeline's input ids, the float32 logits of the mask rows, top_k and
what the pipeline returned, normalised to one list per mask (`single` says whether the
pipeline returned a flat list, as it does for exactly one mask). The pipeline is run twice:
with the folder's tokenizer (clean_up_tokenization_spaces false, transformers 5.24's default)
and with `clean_up_tokenization_spaces=True` passed to the tokenizer.

It also stores `tokenizer.decode(ids, skip_special_tokens=...)` on a few id lists with both
clean-up settings ("decode").

Writes Tests/Fixtures/tiny-bert-mlm/ (config.json, model.safetensors, tokenizer.json,
tokenizer_config.json, fixture.json) and Tests/Fixtures/mlm/fill_mask.json.

    /work/venv/bin/python Tools/reference/make_fill_mask_fixtures.py   # ~10 s
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402

import torch  # noqa: E402
from transformers import AutoTokenizer, BertForMaskedLM, pipeline  # noqa: E402

SEED = 5150
TINY = os.path.join(fc.FIXTURES, "tiny-bert")
FOLDER = os.path.join(fc.FIXTURES, "tiny-bert-mlm")
OUT = os.path.join(fc.FIXTURES, "mlm", "fill_mask.json")

# (text, top_k); top_k None means the pipeline's default (5).
TEXTS = [
    ("The cat sat on the [MASK].", None),
    ("I don't think [MASK] is right.", None),
    ("Café Müller serves [MASK] coffee, naïvely.", None),
    ("[MASK] is the capital of France.", None),
    ("The [MASK] [MASK] quickly.", None),
    ("Hello, [MASK]! How are you?", 3),
    ("She said ' hello ' and [MASK] away.", None),
    ("unbelievably [MASK]able", None),
    ("naïve résumé [MASK] Straße", None),
    ("We do not [MASK] it.", None),
    ("It's [MASK]'s book, isn't it?", 10),
    ("[MASK]", None),
    ("a [MASK] b [UNK] c", None),
    ("Numbers like 3.14 and [MASK],000.", None),
    ("日本 [MASK] 東京", None),
    ("The [MASK] of the [MASK] is here.", 4),
    ("Tabs\tand  double  spaces [MASK] here.", None),
    ("Who's [MASK]? It's me!", 1),
    ("UPPER CASE [MASK] WORDS.", None),
    ("x[MASK]y", None),
    ("[CLS] literal [MASK] [SEP]", None),
    ("a [PAD] b [MASK] and [MASK]", None),
    ("The book that [MASK] bought yesterday was read by everyone in the class.", 8),
]

# Id lists for tokenizer.decode alone, as token strings (converted with the vocabulary).
DECODE_CASES = [
    ["[CLS]", "he", "##l", "##l", "##o", ",", "world", "!", "[SEP]"],
    ["[CLS]", "don", "'", "t", "[MASK]", "[SEP]", "[PAD]", "[PAD]"],
    ["a", "'", "s", "we", "do", "not", "go", "."],
    ["##ing", "x"],
    ["[UNK]", "b", "?", "[MASK]"],
    [],
]


def build_model():
    torch.manual_seed(SEED)
    model, info = BertForMaskedLM.from_pretrained(TINY, output_loading_info=True)
    missing = sorted(info["missing_keys"])
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(TINY)
    fc.ensure_dir(FOLDER)
    model.save_pretrained(FOLDER)
    tokenizer.save_pretrained(FOLDER)
    for name in os.listdir(FOLDER):
        os.chmod(os.path.join(FOLDER, name), 0o644)  # safetensors writes 0600
    files = sorted(os.listdir(FOLDER))
    expected = ["config.json", "fixture.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
    if [f for f in files if f != "fixture.json"] != [f for f in expected if f != "fixture.json"]:
        raise SystemExit(f"unexpected files in {fc.rel(FOLDER)}: {files}")
    meta = fc.header(
        __file__, "tiny-bert-mlm", seed=SEED, source=fc.rel(TINY), newly_initialized=missing,
        sha256={f: fc.sha256_file(os.path.join(FOLDER, f)) for f in files if f != "fixture.json"},
        note=("BertForMaskedLM.from_pretrained(tiny-bert) after torch.manual_seed(seed), saved with "
              "save_pretrained; the MLM head is newly initialized, the decoder tied to the word "
              "embeddings; no weight scaled"))
    with open(os.path.join(FOLDER, "fixture.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")
    return missing


def run_pipeline(clean_up):
    fill = pipeline("fill-mask", model=FOLDER, device="cpu",
                    tokenizer=AutoTokenizer.from_pretrained(FOLDER, clean_up_tokenization_spaces=clean_up))
    tokenizer, model = fill.tokenizer, fill.model
    assert tokenizer.clean_up_tokenization_spaces is clean_up
    cases = []
    for text, top_k in TEXTS:
        encoded = tokenizer(text, return_tensors="pt")
        ids = encoded["input_ids"][0]
        with torch.no_grad():
            logits = model(**encoded).logits[0]
        positions = torch.nonzero(ids == tokenizer.mask_token_id).squeeze(-1).tolist()
        output = fill(text) if top_k is None else fill(text, top_k=top_k)
        single = len(positions) == 1
        per_mask = [output] if single else output
        assert isinstance(per_mask[0], list) and len(per_mask) == len(positions), text
        cases.append({
            "text": text,
            "top_k": top_k,
            "input_ids": ids.tolist(),
            "mask_positions": positions,
            # The shortest decimal that reads back as the same float32 (half the digits of
            # float64's repr); Swift's Float(Double) of it is the float32 exactly.
            "mask_logits": [[float(str(x)) for x in logits[p].numpy()] for p in positions],
            "single": single,
            "predictions": [
                [{"score": float(r["score"]), "token": int(r["token"]), "token_str": r["token_str"],
                  "sequence": r["sequence"]} for r in row]
                for row in per_mask
            ],
        })
    return cases, tokenizer


def decode_cases(tokenizer):
    out = []
    for tokens in DECODE_CASES:
        ids = tokenizer.convert_tokens_to_ids(tokens)
        assert tokenizer.unk_token_id not in ids or "[UNK]" in tokens, tokens
        for skip in (False, True):
            for clean_up in (False, True):
                out.append({"ids": ids, "skip_special_tokens": skip, "clean_up_tokenization_spaces": clean_up,
                            "text": tokenizer.decode(ids, skip_special_tokens=skip,
                                                     clean_up_tokenization_spaces=clean_up)})
    return out


def main():
    fc.seed_everything(SEED)
    missing = build_model()
    plain, tokenizer = run_pipeline(False)
    cleaned, _ = run_pipeline(True)
    for a, b in zip(plain, cleaned):
        assert a["mask_logits"] == b["mask_logits"] and a["input_ids"] == b["input_ids"], a["text"]
    # Clean-up changes only the strings: keep its predictions beside the plain ones.
    for a, b in zip(plain, cleaned):
        a["predictions_clean_up"] = b["predictions"]
    meta = fc.header(
        __file__, "fill_mask", seed=SEED, model=fc.rel(FOLDER), newly_initialized=missing,
        special_ids=tokenizer.all_special_ids, pad_token_id=tokenizer.pad_token_id,
        mask_token_id=tokenizer.mask_token_id, vocab_size=len(tokenizer))
    data = {"meta": meta, "cases": plain, "decode": decode_cases(tokenizer)}
    fc.ensure_dir(os.path.dirname(OUT))
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, allow_nan=False)
        f.write("\n")
    with open(OUT, encoding="utf-8") as f:
        assert json.load(f) == data, "read-back mismatch"
    masks = sum(len(c["mask_positions"]) for c in plain)
    differ = sum(1 for a in plain if a["predictions"] != a["predictions_clean_up"])
    print(f"wrote {fc.rel(OUT)}: {len(plain)} texts, {masks} masks; clean-up changes {differ} outputs")
    top = [c["predictions"][0][0]["score"] for c in plain]
    print(f"top-1 scores from {min(top):.3f} to {max(top):.3f}")


if __name__ == "__main__":
    main()
