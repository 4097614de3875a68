"""run_mlm.py's line_by_line data on two small files, as 🤗 datasets and transformers read them.

Writes a text file (`mlm/lines.txt`: LF, CR LF and lone CR line ends, a byte-order mark,
empty and whitespace-only lines, including the whitespace Python's str.isspace accepts and
Swift's Character.isWhitespace does not: U+001C…U+001F) and a JSON Lines file
(`mlm/texts.jsonl`, a "text" field and another field beside it), then reads them as run_mlm.py
does with `--line_by_line`:

    load_dataset("text" | "json", data_files=...)["train"]
    [line for line in texts if len(line) > 0 and not line.isspace()]
    tokenizer(texts, truncation=True, max_length=MAX_LENGTH, return_special_tokens_mask=True)

with tiny-bert's tokenizer (Tests/Fixtures/tiny-bert). For each kept text `mlm/lines.json`
holds the text, the input ids, the special-tokens mask, the offsets
(`return_offsets_mapping=True`) and what transformers 5.24's DataCollatorForLanguageModeling
derives from them for `whole_word_mask=True` (`_calc_word_ids_and_prob_mask`: the word ids,
-1 on special tokens, and which tokens start a word and so draw the masking probability),
plus every code point for which Python's `str.isspace` is true ("isspace").

Needs 🤗 datasets (`/work/venv/bin/pip install datasets`; 5.2.0 was used), run offline.

    /work/venv/bin/python Tools/reference/make_mlm_data_fixtures.py   # ~5 s
"""

import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import datasets  # noqa: E402
import numpy as np  # noqa: E402
from transformers import AutoTokenizer, DataCollatorForLanguageModeling  # noqa: E402

MAX_LENGTH = 16
TINY = os.path.join(fc.FIXTURES, "tiny-bert")
OUT_DIR = os.path.join(fc.FIXTURES, "mlm")
TEXT_FILE = os.path.join(OUT_DIR, "lines.txt")
JSONL_FILE = os.path.join(OUT_DIR, "texts.jsonl")
OUT = os.path.join(OUT_DIR, "lines.json")

# Raw text, line ends and all (written as UTF-8 bytes).
TEXT = (
    "\ufeffThe first line follows a byte-order mark.\n"
    "Windows line end, then a lone CR:\r\n"
    "before the CR\rafter the CR\n"
    "\n"
    "   \n"
    "\t\x0b\x0c\n"
    "\x1c\x1d\x1e\x1f\n"
    "\u3000\u2028\u00a0\n"
    "x\u0085y has NEL inside\n"
    "Café Müller's naïve résumé, New-York-style!\n"
    "don't stop: 3.14, a , b ,c (parenthesised) [MASK] and [UNK]text\n"
    "日本語 and emoji 😀 mixed in unbelievably longwordpieces here, truncated well before the end\n"
    "  leading and trailing spaces  \n"
    "x\n"
    "\u200b\n"
    "last line without a line end"
)

JSONL = [
    {"text": "A JSON line with a second field.", "id": 1},
    {"text": ""},
    {"text": "   ", "id": 3},
    {"id": 4, "text": "Keys in another order; hyphen-ated words."},
    {"text": "\u3000"},
    {"text": "Unicode \u00e9\u0301 and CJK \u4e2d\u6587 in JSON."},
]


def load(builder, path):
    with tempfile.TemporaryDirectory() as cache:
        dataset = datasets.load_dataset(builder, data_files={"train": path}, cache_dir=cache)["train"]
        return list(dataset["text"])


def encode(tokenizer, texts):
    rows = []
    for text in texts:
        e = tokenizer(text, truncation=True, max_length=MAX_LENGTH, return_special_tokens_mask=True,
                      return_offsets_mapping=True)
        offsets = np.array([e["offset_mapping"]])
        special = np.array([e["special_tokens_mask"]])
        word_ids, no_mask = DataCollatorForLanguageModeling._calc_word_ids_and_prob_mask(offsets, special)
        rows.append({
            "text": text,
            "input_ids": e["input_ids"],
            "special_tokens_mask": e["special_tokens_mask"],
            "offsets": [list(o) for o in e["offset_mapping"]],
            "word_ids": [int(w) for w in word_ids[0]],
            "word_starts": [not bool(x) for x in no_mask[0]],
        })
    return rows


def main():
    fc.ensure_dir(OUT_DIR)
    with open(TEXT_FILE, "wb") as f:
        f.write(TEXT.encode("utf-8"))
    with open(JSONL_FILE, "w", encoding="utf-8", newline="\n") as f:
        for record in JSONL:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    tokenizer = AutoTokenizer.from_pretrained(TINY)
    result = {}
    for name, builder, path in (("lines", "text", TEXT_FILE), ("jsonl", "json", JSONL_FILE)):
        raw = load(builder, path)
        kept = [line for line in raw if len(line) > 0 and not line.isspace()]
        result[name] = {"file": fc.rel(path), "raw": raw, "kept": encode(tokenizer, kept)}
    meta = fc.header(__file__, "mlm_lines", datasets=datasets.__version__, tokenizer=fc.rel(TINY),
                     max_length=MAX_LENGTH)
    # Every code point Python's str.isspace accepts, for the filter's own test.
    isspace = [c for c in range(0x110000) if chr(c).isspace()]
    data = {"meta": meta, **result, "isspace": isspace}
    with open(OUT, "w", encoding="utf-8") as f:
        # ASCII escapes: Foundation's JSONSerialization drops a raw U+FEFF at a string's start.
        json.dump(data, f, ensure_ascii=True, allow_nan=False)
        f.write("\n")
    with open(OUT, encoding="utf-8") as f:
        assert json.load(f) == data, "read-back mismatch"
    for name in ("lines", "jsonl"):
        print(f"{name}: {len(result[name]['raw'])} rows, {len(result[name]['kept'])} kept")
    print(f"wrote {fc.rel(TEXT_FILE)}, {fc.rel(JSONL_FILE)}, {fc.rel(OUT)}")


if __name__ == "__main__":
    main()
