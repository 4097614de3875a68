#!/usr/bin/env python3
"""A small token-classification model folder and transformers' pipeline output on it.

Builds BertForTokenClassification from tiny-bert (Tests/Fixtures/tiny-bert, the encoder) with
a classifier drawn from torch.manual_seed(SEED) with std 2.0 (so that predictions are varied
and confident), labels O, B-PER, I-PER, B-LOC, I-LOC, and writes it as an HF folder:

  Tests/Fixtures/tiny-bert-ner/           config.json (save_pretrained), model.safetensors
                                          (our byte-stable writer, the same tensors),
                                          tokenizer.json, tokenizer_config.json (copied)
  Tests/Fixtures/metrics/token_classifier.json
      for each text: the entities of
      pipeline("token-classification", model=folder, aggregation_strategy="simple")(text)
      (entity_group, score, word, start, end) and the argmax label per token

    /work/venv/bin/python Tools/reference/make_token_classifier_fixture.py   # ~5 s
"""

import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402

import torch  # noqa: E402
from transformers import AutoTokenizer, BertForTokenClassification, pipeline  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

SEED = 777
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
TINY = os.path.join(fc.FIXTURES, "tiny-bert")
FOLDER = os.path.join(fc.FIXTURES, "tiny-bert-ner")
OUT = os.path.join(fc.FIXTURES, "metrics", "token_classifier.json")
TEXTS = [
    "John Smith lives in New York.",
    "Sarah flew from Los Angeles to Paris yesterday!",
    "The sailors rode the breeze clear of the rocks.",
    "Dr. Jean-Pierre O'Neill visited São Paulo.",
    "Café Müller, naïve résumé — accents everywhere.",
    "😀 Emoji before Angela Merkel shifts code points.",
    "日本 東京 and Kyoto",
    "x",
    "Unbelievably, Kilimanjaro isn't 🍕.",
    "Is it Washington (the state) or Washington, D.C.?",
]


def main():
    fc.seed_everything(SEED)
    hf_logging.set_verbosity_error()
    torch.manual_seed(SEED)
    model = BertForTokenClassification.from_pretrained(
        TINY, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
        label2id={l: i for i, l in enumerate(LABELS)}, ignore_mismatched_sizes=True)
    with torch.no_grad():
        model.classifier.weight.normal_(0.0, 2.0)
        model.classifier.bias.normal_(0.0, 0.5)
    model.eval()
    fc.ensure_dir(FOLDER)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        shutil.copy(os.path.join(tmp, "config.json"), os.path.join(FOLDER, "config.json"))
    fc.save_safetensors(dict(model.state_dict()), os.path.join(FOLDER, "model.safetensors"),
                        {"format": "pt"})
    for name in ["tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(os.path.join(TINY, name), os.path.join(FOLDER, name))

    tokenizer = AutoTokenizer.from_pretrained(FOLDER)
    loaded = BertForTokenClassification.from_pretrained(FOLDER)
    ner = pipeline("token-classification", model=loaded, tokenizer=tokenizer,
                   aggregation_strategy="simple", device="cpu")
    records = []
    for text in TEXTS:
        entities = ner(text)
        enc = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            labels = loaded(**enc).logits[0].argmax(-1).tolist()
        records.append({
            "text": text,
            "token_labels": labels,
            "entities": [{"entity_group": e["entity_group"], "score": float(e["score"]),
                          "word": e["word"], "start": int(e["start"]), "end": int(e["end"])}
                         for e in entities],
        })
    doc = {"header": fc.header(__file__, "metrics/token_classifier.json", seed=SEED,
                               labels=LABELS, folder=fc.rel(FOLDER)),
           "records": records}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    with open(OUT, encoding="utf-8") as f:
        back = json.load(f)
    assert back["records"] == records
    total = sum(len(r["entities"]) for r in records)
    print(f"wrote {fc.rel(OUT)}: {len(records)} texts, {total} entities; {fc.rel(FOLDER)}")
    if total < 5:
        fc.fail("too few entities for a useful test")


if __name__ == "__main__":
    main()
