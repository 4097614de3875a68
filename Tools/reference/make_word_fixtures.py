#!/usr/bin/env python3
"""Offset, word-id and window fixtures for swift-bert's tokenizer (token classification).

Writes into Tests/Fixtures/tokenizer/:

  offsets.jsonl  every hard case of make_tokenizer_fixtures.py (same call, same batches) and
                 every 10th sentence of the three raw CoLA files, called with
                 return_offsets_mapping=True: input_ids, token_type_ids, attention_mask,
                 tokens, offsets (code-point (start, end) in the text, (0, 0) for special
                 tokens and padding) and word_ids (None for special tokens and padding).
  words.jsonl    word lists called with is_split_into_words=True: hand-written CoNLL-like
                 lists (punctuation words, accents, emoji, CJK, empty words, special tokens
                 inside words), whitespace-split lines of CoLA's tokenized files, and long
                 lists encoded with truncation=True, max_length=L, stride=S,
                 return_overflowing_tokens=True; each window's fields, or the error
                 transformers raised (stride too large).

Both tokenizers are used: MiniLM's and tiny-bert's (an 800-entry vocab, many [UNK] and
multi-piece words). Line 1 of each file is the header; every later line is one record.

    /work/venv/bin/python Tools/reference/make_word_fixtures.py \
        [--model .models/all-MiniLM-L6-v2] [--cola Data/cola_public_1.1.zip]
"""

import argparse
import json
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402  (sets HF_HUB_OFFLINE before transformers loads)
import make_tokenizer_fixtures as mtf  # noqa: E402  (the hard cases and the JSONL writer)

from transformers import AutoTokenizer  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

FIELDS = ("input_ids", "token_type_ids", "attention_mask")

# Hand-written word lists in the style of CoNLL-2003 (the expected outputs all come from
# transformers).
WORD_LISTS = [
    ("conll_eu", ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."]),
    ("conll_date", ["BRUSSELS", "1996-08-22"]),
    ("conll_un_parentheses", ["The", "U.N.", "Security", "Council", "(", "UNSC", ")", "met",
                              "on", "Monday", "."]),
    ("conll_score", ["Japan", "began", "the", "defence", "of", "their", "Asian", "Cup", "title",
                     "with", "a", "lucky", "2-1", "win", "against", "Syria", "."]),
    ("conll_soccer", ["Hapoel", "Haifa", "1-0", "Maccabi", "Tel", "Aviv", "0-0", "(", "halftime",
                      ")"]),
    ("conll_hyphen_names", ["AL-AIN", ",", "United", "Arab", "Emirates", "1996-12-06"]),
    ("apostrophes", ["don't", "O'Neill", "students'", "'s", "n't", "rock", "'n'", "roll"]),
    ("money_url", ["$", "3.5", "million", "www.example.com", "e-mail", "50%", "U.S.-based"]),
    ("accents_nfc", ["José", "Martí", "visited", "São", "Paulo", "and", "Zürich", "."]),
    ("accents_nfd", ["Cafe\u0301", "nai\u0308ve", "\u0301", "x\u0301y"]),
    ("case_mapping", ["İstanbul", "ΟΔΟΣ", "Straße", "ẞ"]),
    ("emoji", ["I", "❤️", "NYC", "🍕", "!", "👨\u200d👩\u200d👧", "👍🏽"]),
    ("cjk", ["我爱", "北京", "天安门", "東京", "is", "Tokyo", "。"]),
    ("cjk_mixed", ["Python和机器学习ok", "ひらがな", "안녕하세요"]),
    ("empty_and_control_words", ["Hello", "", "world", "\x00", "\u200b", " ", "\t\n", "!", ""]),
    ("only_empty_words", ["", "\x00", "\u200b\ufeff", "  "]),
    ("empty_list", []),
    ("special_tokens_in_words", ["[SEP]x", "hello[MASK]", "[unk]", "[CLS]", "[PAD][UNK]"]),
    ("words_with_spaces", ["New York", " c ", "a\u00a0b", "x\u3000y"]),
    ("long_word", ["a" * 101, "ok", "b" * 100, "c" * 50 + "-" + "c" * 50]),
    ("control_inside_words", ["a\x00b", "zero\u200bwidth", "soft\u00adhyphen", "a\u0378b"]),
    ("punctuation_words", ["...", "--", "?!", "«", "»", "—", "“quoted”", "(", ")", "[", "]"]),
]

# (max_length, stride) for the long lists, then edge cases: room (max_length - 2) of 0 and 1,
# max_length below the special tokens, stride equal to the room (a Rust panic when the list
# overflows, accepted when it does not) and above it (a ValueError).
WINDOW_SETTINGS = [(16, 0), (16, 4), (16, 8), (32, 0), (32, 4), (32, 8)]
EDGE_SETTINGS = [(2, 0), (3, 0), (4, 1), (1, 0), (0, 0), (1, 5), (0, 3), (16, 13), (16, 14),
                 (16, 15), (16, 40), (3, 1), (2, 1), (8, 6)]


# Foundation's JSONSerialization drops a raw U+FEFF at the start of a string value, so
# the BOM is written as an escape too (it only ever occurs inside JSON strings).
def write_jsonl(path, head, records):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for obj in [head, *records]:
            f.write(mtf.dumps(obj).replace("\ufeff", "\\ufeff") + "\n")


def tokenizers_under_test(model):
    return [("minilm", model), ("tiny-bert", os.path.join(fc.FIXTURES, "tiny-bert"))]


def with_offsets(tokenizer, enc, index=None):
    """The fields of one encoding of a BatchEncoding, offsets as [start, end] lists."""
    get = (lambda k: enc[k]) if index is None else (lambda k: enc[k][index])
    rec = {k: list(get(k)) for k in FIELDS}
    rec["tokens"] = tokenizer.convert_ids_to_tokens(rec["input_ids"])
    rec["offsets"] = [list(pair) for pair in get("offset_mapping")]
    rec["word_ids"] = enc.word_ids(index or 0)
    n = len(rec["input_ids"])
    assert all(len(rec[k]) == n for k in rec), "field lengths differ"
    return rec


def text_records(tokenizer, tag, cola_zip):
    records = []
    for case in mtf.build_cases():
        enc = tokenizer(case["text"], case["text_pair"], return_offsets_mapping=True,
                        **mtf.call_kwargs(case))
        rec = dict(tokenizer=tag, source="hard_cases:" + case["name"], **case,
                   batch=None, batch_index=None)
        rec.update(with_offsets(tokenizer, enc))
        records.append(rec)
    for batch_id, items, ml, trunc in mtf.BATCHES:
        texts = [t for t, _ in items]
        pairs = [p for _, p in items]
        kwargs = dict(truncation=trunc, padding="longest", return_offsets_mapping=True)
        if ml is not None:
            kwargs["max_length"] = ml
        enc = tokenizer(texts, pairs, **kwargs) if pairs[0] is not None else tokenizer(texts, **kwargs)
        for i, (text, pair) in enumerate(items):
            rec = dict(tokenizer=tag, source=f"hard_cases:{batch_id}[{i}]", name=f"{batch_id}[{i}]",
                       text=text, text_pair=pair, max_length=ml, truncation=trunc,
                       padding="longest", batch=batch_id, batch_index=i)
            rec.update(with_offsets(tokenizer, enc, i))
            records.append(rec)
    for name in fc.COLA_FILES:
        for row in fc.read_cola(cola_zip, name)[::10]:
            enc = tokenizer(row["sentence"], return_offsets_mapping=True)
            rec = dict(tokenizer=tag, source=f"cola:{name}:{row['line']}", name=None,
                       text=row["sentence"], text_pair=None, max_length=None, truncation=False,
                       padding="none", batch=None, batch_index=None)
            rec.update(with_offsets(tokenizer, enc))
            records.append(rec)
    return records


def word_lists(cola_zip):
    """(name, words, settings) where settings lists (max_length, stride) or (None, None)."""
    plain = [(None, None)]
    lists = [(name, words, plain) for name, words in WORD_LISTS]
    tokenized = fc.read_cola(cola_zip, "tokenized/in_domain_dev.tsv")
    for row in tokenized[::25]:
        lists.append((f"cola_tokenized_dev:{row['line']}", row["sentence"].split(" "),
                      plain + [(16, 4)]))
    # Long lists: consecutive tokenized sentences joined until they pass 60 words.
    long_lists, words, first = [], [], None
    for row in tokenized[100:]:
        first = first or row["line"]
        words += row["sentence"].split(" ")
        if len(words) >= 60:
            long_lists.append((f"cola_tokenized_dev:{first}+", words))
            words, first = [], None
        if len(long_lists) == 3:
            break
    conll = [w for name, ws in WORD_LISTS[:6] for w in ws]
    long_lists.append(("conll_joined", conll))
    long_lists.append(("mixed_joined", [w for _, ws in WORD_LISTS[6:] for w in ws]))
    for name, words in long_lists:
        lists.append((name, words, plain + WINDOW_SETTINGS))
    lists.append(("edges_short", ["the", "quick", "fox"], EDGE_SETTINGS))
    lists.append(("edges_long", long_lists[0][1][:20], EDGE_SETTINGS))
    lists.append(("edges_empty", [], [(2, 0), (4, 1), (4, 2), (16, 14), (16, 15)]))
    return lists


def word_record(tokenizer, tag, name, words, max_length, stride):
    rec = dict(tokenizer=tag, name=name, words=words, max_length=max_length, stride=stride,
               windows=None, error=None)
    kwargs = {}
    if max_length is not None:
        kwargs = dict(truncation=True, max_length=max_length, stride=stride,
                      return_overflowing_tokens=True)
    try:
        enc = tokenizer(words, is_split_into_words=True, return_offsets_mapping=True, **kwargs)
    except BaseException as e:  # tokenizers panics (PanicException is a BaseException)
        if max_length is None or isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        rec["error"] = f"{type(e).__name__}: {str(e).strip()}"
        return rec
    if max_length is None:
        rec["windows"] = [with_offsets(tokenizer, enc)]
    else:
        assert list(enc["overflow_to_sample_mapping"]) == [0] * len(enc["input_ids"]), name
        rec["windows"] = [with_offsets(tokenizer, enc, i) for i in range(len(enc["input_ids"]))]
    return rec


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=fc.DEFAULT_MINILM, help="MiniLM folder")
    parser.add_argument("--cola", default=fc.DEFAULT_COLA, help="cola_public_1.1.zip")
    parser.add_argument("--out", default=os.path.join(fc.FIXTURES, "tokenizer"))
    args = parser.parse_args()
    hf_logging.set_verbosity_error()
    logging.getLogger("transformers").setLevel(logging.ERROR)
    os.environ["RUST_BACKTRACE"] = "0"

    out = fc.ensure_dir(args.out)
    offsets, words = [], []
    classes = {}
    for tag, folder in tokenizers_under_test(args.model):
        tokenizer = AutoTokenizer.from_pretrained(folder)
        classes[tag] = f"{type(tokenizer).__module__}.{type(tokenizer).__qualname__}"
        offsets += text_records(tokenizer, tag, args.cola)
        for name, ws, settings in word_lists(args.cola):
            for max_length, stride in settings:
                words.append(word_record(tokenizer, tag, name, ws, max_length, stride))
    common = dict(
        tokenizers_under_test={tag: fc.rel(folder) if tag != "minilm" else
                               os.path.basename(os.path.normpath(folder))
                               for tag, folder in tokenizers_under_test(args.model)},
        tokenizer_classes=classes,
        minilm_tokenizer_json_sha256=fc.sha256_file(os.path.join(args.model, "tokenizer.json")),
        cola_zip_sha256=fc.sha256_file(args.cola),
        offsets_unit="code points (Python str indices) of the original text, or of the word",
    )
    head = fc.header(
        __file__, "tokenizer/offsets", **common, count=len(offsets),
        call=("tokenizer(text, text_pair, return_offsets_mapping=True, **hard-case kwargs); "
              "batches as in hard_cases.jsonl; CoLA rows (every 10th line) as tokenizer(text, "
              "return_offsets_mapping=True); word_ids = BatchEncoding.word_ids(i)"),
        fields=["tokenizer", "source", "name", "text", "text_pair", "max_length", "truncation",
                "padding", "batch", "batch_index", *FIELDS, "tokens", "offsets", "word_ids"])
    write_jsonl(os.path.join(out, "offsets.jsonl"), head, offsets)
    head = fc.header(
        __file__, "tokenizer/words", **common, count=len(words),
        call=("tokenizer(words, is_split_into_words=True, return_offsets_mapping=True) when "
              "max_length is null, else with truncation=True, max_length=max_length, "
              "stride=stride, return_overflowing_tokens=True; windows in returned order; "
              "error holds 'ExceptionType: message' when transformers raised"),
        fields=["tokenizer", "name", "words", "max_length", "stride", "windows", "error"],
        window_fields=[*FIELDS, "tokens", "offsets", "word_ids"])
    write_jsonl(os.path.join(out, "words.jsonl"), head, words)
    verify(out)


def verify(out):
    """Read both files back and check their shape."""
    for fname in ("offsets.jsonl", "words.jsonl"):
        with open(os.path.join(out, fname), encoding="utf-8") as f:
            raw = f.read()
        assert not any(c in raw for c in [*mtf._LINE_BREAKERS, "\ufeff"]), fname
        lines = raw.split("\n")
        assert lines[:-1] == raw.splitlines() and lines[-1] == "", fname
        head = json.loads(lines[0])
        assert head["format"] == fc.FORMAT and head["version"] == fc.VERSION, fname
        recs = [json.loads(x) for x in lines[1:-1]]
        assert len(recs) == head["count"], fname
        encodings = [r for r in recs] if fname == "offsets.jsonl" else \
            [w for r in recs for w in (r["windows"] or [])]
        for e in encodings:
            n = len(e["input_ids"])
            assert all(len(e[k]) == n for k in (*FIELDS, "tokens", "offsets", "word_ids")), fname
        if fname == "words.jsonl":
            errors = sum(r["error"] is not None for r in recs)
            overflowing = sum(len(r["windows"] or []) > 1 for r in recs)
            assert errors > 0 and overflowing > 0, "the edge settings must raise and overflow"
            print(f"  {errors} records raised, {overflowing} records overflowed")
        print(f"verified {fname}: {len(recs)} records, {os.path.getsize(os.path.join(out, fname))} bytes")


if __name__ == "__main__":
    main()
