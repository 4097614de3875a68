"""transformers' token-classification pipeline (aggregation_strategy="simple") on a random NER model.

Builds a BertForTokenClassification from all-MiniLM-L6-v2's config and tokenizer with
random weights (torch.manual_seed(SEED); the classifier drawn with a larger std so that
predictions are confident and varied), 5 labels O, B-PER, I-PER, B-LOC, I-LOC; saves it
with save_pretrained to a temporary folder and loads it back through
`pipeline("token-classification", model=folder, aggregation_strategy="simple")`. For each
sentence it stores what the pipeline's postprocess sees (tokens, character offsets,
special-token mask, the softmax scores as float32) and the entities the pipeline returns.

It also stores convert_tokens_to_string on a few token lists ("decoder").

Writes Tests/Fixtures/metrics/ner_pipeline.json.

    /work/venv/bin/python Tools/reference/make_ner_pipeline_fixtures.py   # ~15 s
"""

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import (  # noqa: E402
    AutoConfig,
    AutoTokenizer,
    BertForTokenClassification,
    pipeline,
)

SEED = 20240612
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
OUT = os.path.join(fc.FIXTURES, "metrics", "ner_pipeline.json")

SENTENCES = [
    "My name is Wolfgang and I live in Berlin.",
    "Sarah Connor flew from Los Angeles to New York City yesterday.",
    "I don't think Paris is far from Lyon, do you?",
    "Dr. Jean-Pierre O'Neill visited São Paulo & Rio de Janeiro!",
    "The unaffable Mr. Smith's house isn't in Zürich.",
    "😀 Emoji before Angela Merkel shifts code points.",
    "日本 東京 and Kyoto are cities; Osaka too.",
    "He said ' hello ' and left. We do not know why.",
    "Café Müller, naïve résumé, Straße — accents everywhere.",
    "Numbers like 3.14 and 1,000,000 sit next to London.",
    "A very longwordthatbreaksintomanywordpieces near Madrid.",
    "Tabs\tand  double  spaces between Rome and Milan.",
    "UPPER CASE NAMES LIKE BARACK OBAMA AND CHICAGO.",
    "Is it Washington (the state) or Washington, D.C.?",
    "x",
    "Hamburg",
    "a ♥ b ⌘ c 🚀 Tokyo",
    "Smith-Jones and van der Berg met at St. Petersburg's port.",
    "\u00a0Leading no-break space, then Vienna.",
    "Questions? Answers! Commas, periods. Semicolons; colons: done",
    "Who's there? It's Anna, she's from Oslo and they're from Bergen.",
    "[UNK] is literal text here, beside Prague.",
]


# Token lists for convert_tokens_to_string alone (the WordPiece decoder with cleanup).
DECODER_CASES = [
    ["a", "'", "s", "don", "'", "t", ",", "do", "not", "##x", ".", "b"],
    ["##ble", "x"],
    ["n't", "'re", "'ve", "'m", "'s", "!", "?"],
    ["we", "do", "not"],
    ["x", "##", "##y", "###z"],
    ["日", "本", "##語"],
    ["e\u0301", "##\u0301", "."],
    [],
    ["[CLS]", "hello", "[SEP]"],
]


def build_model(model_dir, folder):
    config = AutoConfig.from_pretrained(model_dir)
    config.num_labels = len(LABELS)
    config.id2label = dict(enumerate(LABELS))
    config.label2id = {label: i for i, label in enumerate(LABELS)}
    torch.manual_seed(SEED)
    model = BertForTokenClassification(config)
    with torch.no_grad():
        model.classifier.weight.normal_(0.0, 0.25)
        model.classifier.bias.normal_(0.0, 0.5)
    model.eval()
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(model_dir).save_pretrained(folder)


def softmax_like_pipeline(logits):
    # TokenClassificationPipeline.postprocess, in NumPy float32.
    maxes = np.max(logits, axis=-1, keepdims=True)
    shifted_exp = np.exp(logits - maxes)
    return shifted_exp / shifted_exp.sum(axis=-1, keepdims=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=fc.DEFAULT_MINILM)
    args = parser.parse_args()
    torch.set_num_threads(1)
    cases = []
    with tempfile.TemporaryDirectory() as folder:
        build_model(args.model, folder)
        ner = pipeline("token-classification", model=folder, aggregation_strategy="simple", device="cpu")
        tokenizer = ner.tokenizer
        model = ner.model
        for text in SENTENCES:
            encoded = tokenizer(
                text, return_tensors="pt", truncation=True, return_special_tokens_mask=True,
                return_offsets_mapping=True)
            with torch.no_grad():
                logits = model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"],
                               token_type_ids=encoded["token_type_ids"]).logits[0].numpy()
            scores = softmax_like_pipeline(logits)
            entities = ner(text)
            cases.append({
                "text": text,
                "tokens": tokenizer.convert_ids_to_tokens(encoded["input_ids"][0].tolist()),
                "offsets": encoded["offset_mapping"][0].tolist(),
                "special": [bool(x) for x in encoded["special_tokens_mask"][0].tolist()],
                "scores": [[float(x) for x in row] for row in scores],
                "entities": [
                    {"entity_group": e["entity_group"], "score": float(e["score"]), "word": e["word"],
                     "start": int(e["start"]), "end": int(e["end"])}
                    for e in entities
                ],
            })
        decoder = [{"tokens": t, "text": tokenizer.convert_tokens_to_string(t)} for t in DECODER_CASES]
    # Rows are softmax outputs (each sums to 1 in float32).
    for case in cases:
        assert all(abs(sum(r) - 1) < 1e-5 for r in case["scores"]), case["text"]
    meta = fc.header(__file__, "ner_pipeline", seed=SEED, labels=LABELS, aggregation_strategy="simple",
                     unknown_token=tokenizer.unk_token)
    fc.ensure_dir(os.path.dirname(OUT))
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "cases": cases, "decoder": decoder}, f, ensure_ascii=False, allow_nan=False)
        f.write("\n")
    with open(OUT, encoding="utf-8") as f:
        assert json.load(f)["cases"] == cases, "read-back mismatch"
    groups = sum(len(c["entities"]) for c in cases)
    multi = sum(1 for c in cases for e in c["entities"] if " " in e["word"])
    print(f"wrote {fc.rel(OUT)}: {len(cases)} texts, {groups} entities ({multi} of several words)")
    labels_seen = sorted({LABELS[int(np.argmax(r))] for c in cases for r in c["scores"]})
    print("argmax labels seen:", labels_seen)


if __name__ == "__main__":
    main()
