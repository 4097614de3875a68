"""Per-code-point behaviour of transformers' BERT tokenizer (the Rust `tokenizers` backend).

For every Unicode scalar value, records what BertNormalizer + BertPreTokenizer of the
all-MiniLM-L6-v2 tokenizer (lowercase, strip accents, clean text, CJK handling) do with it
alone between two letters: dropped, turned into a word break, split out as its own word
(punctuation or CJK), or replaced by a different string. Code points that pass through
unchanged and stay inside the word are not listed. The Swift tokenizer must reproduce every
line (Tests/TokenizationTests/CodePointParityTests.swift).

Output: Tests/Fixtures/tokenizer/codepoints.tsv
  # header lines (format, version, generator, library versions)
  FIRST[-LAST]<TAB>CLASS[<TAB>HEX SCALARS OF THE REPLACEMENT]
  CLASS: drop | space | split (isolated single-char word) | map (replaced, see scalars)
Run: HF_HUB_OFFLINE=1 /work/venv/bin/python Tools/reference/make_codepoint_fixture.py [MODEL_DIR]
"""
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import tokenizers
import transformers
from transformers import AutoTokenizer

model = sys.argv[1] if len(sys.argv) > 1 else ".models/all-MiniLM-L6-v2"
backend = AutoTokenizer.from_pretrained(model).backend_tokenizer
normalizer, pre = backend.normalizer, backend.pre_tokenizer


def classify(cp):
    ch = chr(cp)
    words = [w for w, _ in pre.pre_tokenize_str(normalizer.normalize_str("x" + ch + "x"))]
    if words == ["xx"]:
        return ("drop", "")
    if words == ["x", "x"]:
        return ("space", "")
    if len(words) == 3 and words[0] == "x" and words[2] == "x":
        return ("split", " ".join("%X" % ord(c) for c in words[1]))
    if len(words) == 1 and words[0].startswith("x") and words[0].endswith("x"):
        middle = words[0][1:-1]
        if middle == ch:
            return None
        return ("map", " ".join("%X" % ord(c) for c in middle))
    # Anything else (a replacement that itself splits) is written out in full.
    return ("words", "|".join(" ".join("%X" % ord(c) for c in w) for w in words))


rows = []
for cp in range(0x110000):
    if 0xD800 <= cp <= 0xDFFF:
        continue
    result = classify(cp)
    if result is None:
        continue
    kind, payload = result
    if kind == "split" and payload == "%X" % cp:
        payload = ""
    if rows and rows[-1][1] == cp - 1 and rows[-1][2] == kind and rows[-1][3] == payload == "":
        rows[-1][1] = cp
    else:
        rows.append([cp, cp, kind, payload])

out = "Tests/Fixtures/tokenizer/codepoints.tsv"
with open(out, "w", encoding="utf-8") as f:
    f.write("# format swift-bert-fixture codepoints\n# version 1\n")
    f.write("# generator Tools/reference/make_codepoint_fixture.py\n")
    f.write(f"# transformers {transformers.__version__} tokenizers {tokenizers.__version__}\n")
    for first, last, kind, payload in rows:
        span = "%X" % first if first == last else "%X-%X" % (first, last)
        f.write(span + "\t" + kind + ("\t" + payload if payload else "") + "\n")
print(out, len(rows), "rows")
