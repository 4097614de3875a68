#!/usr/bin/env python3
"""Question-answering pair windows for swift-bert's tokenizer, from transformers' fast tokenizer.

Writes Tests/Fixtures/tokenizer/qa_pairs.jsonl: (question, context) pairs encoded as
transformers' examples/pytorch/question-answering/run_qa.py encodes them in
prepare_train_features and prepare_validation_features (with pad_on_right, BERT's case):

    tokenizer([question], [context], truncation="only_second", max_length=max_length,
              stride=stride, return_overflowing_tokens=True, return_offsets_mapping=True,
              padding=False)

For every returned window: input_ids, token_type_ids, attention_mask, offsets (code points of the question for sequence 0 and of the
context for sequence 1, [0, 0] for special tokens), word_ids and sequence_ids
(BatchEncoding.word_ids(i) / sequence_ids(i)); or, where transformers raised or tokenizers
panicked, the error with its kind:

  stride_value_error   ValueError from the tokenizers binding (stride > max_length - 2)
  negative_stride      OverflowError (a negative stride cannot become a usize)
  sequence_too_short   "Truncation error: Sequence to truncate too short ..." (the question
                       leaves no room for the context)
  stride_panic         PanicException from Encoding::truncate (stride >= the context room)

The pairs: accents (NFC and NFD), CJK, emoji with modifiers and joiners, punctuation,
whitespace oddities (tabs, newlines, NBSP, ideographic space, zero-width and BOM, controls),
special tokens written in the text, empty and whitespace-only texts, an over-long word,
questions with leading whitespace (run_qa strips them; the tokenizer does not), and long
contexts from CoLA sentences forcing 3 and more windows at max_length 384, stride 128. Each
pair is encoded with several (max_length, stride) settings, and a few short pairs with
every max_length 0..8 and stride -1..6 (the edge cases of tokenizers' truncation).

Both tokenizers of make_word_fixtures.py are used: MiniLM's (the bert-base-uncased
vocabulary) and tiny-bert's (800 entries). Line 1 is the header; every later line is one
record.

    /work/venv/bin/python Tools/reference/make_qa_tokenizer_fixtures.py \
        [--model .models/all-MiniLM-L6-v2] [--cola Data/cola_public_1.1.zip]
"""

import argparse
import json
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402  (sets HF_HUB_OFFLINE before transformers loads)
import make_tokenizer_fixtures as mtf  # noqa: E402  (dumps: line-breaker-safe JSON)
import make_word_fixtures as mwf  # noqa: E402  (the tokenizers under test, the JSONL writer)

from transformers import AutoTokenizer  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

FIELDS = ("input_ids", "token_type_ids", "attention_mask")

SHORT_PAIRS = [
    ("simple", "Who wrote Hamlet?",
     "Hamlet is a tragedy written by William Shakespeare sometime between 1599 and 1601."),
    ("accents_nfc", "¿Dónde está São Paulo?",
     "São Paulo é a maior cidade do Brasil; Zürich, Málaga and Kraków are in Europe. "
     "The café served a naïve résumé of the façade."),
    ("accents_nfd", "Cafe\u0301 or cre\u0300me?",
     "The cafe\u0301 on the corner sells cre\u0300me bru\u0302le\u0301e and \u0301 alone, "
     "x\u0301y too."),
    ("case_mapping", "İstanbul or ΟΔΟΣ?", "Straße ẞ İstanbul ΟΔΟΣ Σίσυφος ﬁnance Ǆ."),
    ("cjk", "北京在哪里？",
     "北京是中华人民共和国的首都。Tokyo is 東京 in Japanese, ひらがな and カタカナ; "
     "서울 is 안녕하세요 country."),
    ("cjk_mixed", "Python和机器学习ok?", "Python和机器学习ok是很好的。我爱北京天安门。"),
    ("emoji", "What does 👍🏽 mean?",
     "The emoji 👍🏽 means approval; 👨\u200d👩\u200d👧 is a family, ❤️ is love and 🍕 is "
     "pizza! 🇫🇷 is a flag."),
    ("punctuation", "What's the U.S.-based firm's e-mail?",
     "It's info@example.com -- (see www.example.com/path?q=1&r=2) ... «quoted» “smart” — "
     "dash! $3.5 million, 50%, 1996-08-22, 2-1; don't O'Neill rock 'n' roll."),
    ("whitespace_context", "Where?",
     "  Leading spaces,\ttabs,\nnewlines\r\nand CR LF,\u00a0NBSP,\u3000ideographic space, "
     "zero\u200bwidth, \ufeffBOM, soft\u00adhyphen, a\x00b nul, multiple     spaces.   "),
    ("whitespace_question", "   \t What is leading whitespace?",
     "Leading whitespace is what run_qa strips from questions before tokenizing."),
    ("whitespace_question_exotic", "\u3000\u00a0\u2003\x1c\x85Why strip?",
     "Python's str.lstrip removes Unicode whitespace, including U+001C and U+0085."),
    ("question_zero_width", "\u200b\ufeffInvisible?", "Zero-width characters are not whitespace."),
    ("special_tokens", "[CLS] who is [MASK]?",
     "the [SEP] token and [MASK] and [UNK] and [PAD] appear[SEP]inside words too."),
    ("long_word", "What is long?", "a" * 101 + " ok " + "b" * 100 + " " + "c" * 50 + "-" + "c" * 50),
    ("empty_question", "", "The question is empty but the context is not."),
    ("empty_context", "What is in an empty context?", ""),
    ("both_empty", "", ""),
    ("whitespace_only_context", "Anything?", "   \n\t  "),
    ("control_only_context", "Anything?", "\x00\u200b\ufeff"),
    ("numbers", "When was it built?",
     "Construction began in 1887 and ended on 31 March 1889, costing 7,799,401.31 francs."),
]

# (max_length, stride) for the short pairs: small windows force many of them.
SHORT_SETTINGS = [(384, 128), (64, 16), (32, 8), (24, 0), (20, 6), (16, 4), (16, 7), (12, 2),
                  (10, 1), (16, 13), (16, -1)]
# Every small max_length and stride for a few pairs: tokenizers' edge cases.
GRID_PAIRS = ("simple", "empty_question", "empty_context", "both_empty", "special_tokens")
GRID_SETTINGS = [(length, stride) for length in range(0, 9) for stride in range(-1, 7)]
# Long contexts: the run_qa defaults and other window sizes (fewer for the longest).
LONG_SETTINGS = {
    "long_400": [(384, 128), (512, 128), (384, 0), (256, 64), (128, 32), (384, 200), (384, 382),
                 (384, 383)],
    "long_1000": [(384, 128), (256, 64), (384, 0)],
    "long_question": [(384, 128), (64, 16), (96, 0), (128, 32)],
}


def long_pairs(cola_zip):
    """Questions over CoLA sentences joined into 400- and 1000-word contexts, and a long question."""
    rows = fc.read_cola(cola_zip, "raw/in_domain_train.tsv")
    sentences = [r["sentence"] for r in rows]
    pairs, start = [], 0
    for name, words, question in [
        ("long_400", 400, "Which sentence is grammatical?"),
        ("long_1000", 1000, "   What did the committee decide about the unaffable questions?"),
    ]:
        text, count = [], 0
        while count < words:
            text.append(sentences[start])
            count += len(sentences[start].split())
            start += 1
        pairs.append((name, question, " ".join(text)))
    # A question of about 70 tokens: longer than small windows, fine at 384.
    pairs.append(("long_question", " ".join(sentences[start:start + 8]), " ".join(
        sentences[start + 8:start + 40])))
    return pairs


def classify(error):
    if isinstance(error, OverflowError):
        return "negative_stride"
    if isinstance(error, ValueError):
        return "stride_value_error"
    if type(error).__name__ == "PanicException":
        return "stride_panic"
    if "Sequence to truncate too short" in str(error):
        return "sequence_too_short"
    raise error


def record(tokenizer, tag, name, question, context, max_length, stride):
    rec = dict(tokenizer=tag, name=name, question=question, context=context,
               max_length=max_length, stride=stride, windows=None, error=None, error_kind=None)
    try:
        enc = tokenizer([question], [context], truncation="only_second", max_length=max_length,
                        stride=stride, return_overflowing_tokens=True,
                        return_offsets_mapping=True, padding=False)
    except BaseException as e:  # tokenizers panics (PanicException is a BaseException)
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        rec["error_kind"] = classify(e)
        rec["error"] = f"{type(e).__name__}: {str(e).strip().splitlines()[0]}"
        return rec
    count = len(enc["input_ids"])
    assert list(enc["overflow_to_sample_mapping"]) == [0] * count, name
    windows = []
    for i in range(count):
        w = {k: list(enc[k][i]) for k in FIELDS}
        w["offsets"] = [list(pair) for pair in enc["offset_mapping"][i]]
        w["word_ids"] = enc.word_ids(i)
        w["sequence_ids"] = enc.sequence_ids(i)
        n = len(w["input_ids"])
        assert all(len(w[k]) == n for k in w), name
        windows.append(w)
    rec["windows"] = windows
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

    cases = [(name, q, c, SHORT_SETTINGS + (GRID_SETTINGS if name in GRID_PAIRS else []))
             for name, q, c in SHORT_PAIRS]
    cases += [(name, q, c, LONG_SETTINGS[name]) for name, q, c in long_pairs(args.cola)]
    records, classes = [], {}
    for tag, folder in mwf.tokenizers_under_test(args.model):
        tokenizer = AutoTokenizer.from_pretrained(folder)
        classes[tag] = f"{type(tokenizer).__module__}.{type(tokenizer).__qualname__}"
        for name, question, context, settings in cases:
            for max_length, stride in settings:
                records.append(record(tokenizer, tag, name, question, context, max_length, stride))
    out = fc.ensure_dir(args.out)
    head = fc.header(
        __file__, "tokenizer/qa_pairs", count=len(records),
        tokenizers_under_test={tag: fc.rel(folder) if tag != "minilm" else
                               os.path.basename(os.path.normpath(folder))
                               for tag, folder in mwf.tokenizers_under_test(args.model)},
        tokenizer_classes=classes,
        minilm_tokenizer_json_sha256=fc.sha256_file(os.path.join(args.model, "tokenizer.json")),
        cola_zip_sha256=fc.sha256_file(args.cola),
        call=("tokenizer([question], [context], truncation='only_second', max_length=max_length, "
              "stride=stride, return_overflowing_tokens=True, return_offsets_mapping=True, "
              "padding=False), as run_qa.py's prepare_train_features / "
              "prepare_validation_features (pad_on_right); windows in returned order"),
        offsets_unit="code points (Python str indices) of the question (sequence 0) or the "
                     "context (sequence 1)",
        error_kinds=["stride_value_error", "negative_stride", "sequence_too_short",
                     "stride_panic"],
        fields=["tokenizer", "name", "question", "context", "max_length", "stride", "windows",
                "error", "error_kind"],
        window_fields=[*FIELDS, "offsets", "word_ids", "sequence_ids"])
    path = os.path.join(out, "qa_pairs.jsonl")
    mwf.write_jsonl(path, head, records)
    verify(path)


def verify(path):
    """Read the file back and check its shape and coverage."""
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    assert not any(c in raw for c in [*mtf._LINE_BREAKERS, "\ufeff"]), path
    lines = raw.split("\n")
    assert lines[:-1] == raw.splitlines() and lines[-1] == "", path
    head = json.loads(lines[0])
    assert head["format"] == fc.FORMAT and head["version"] == fc.VERSION, path
    recs = [json.loads(x) for x in lines[1:-1]]
    assert len(recs) == head["count"], path
    kinds = {r["error_kind"] for r in recs if r["error_kind"]}
    assert kinds == set(head["error_kinds"]), kinds
    most = max(len(r["windows"] or []) for r in recs if r["max_length"] == 384
               and r["stride"] == 128)
    assert most >= 3, "a long context must need 3+ windows at the run_qa defaults"
    for r in recs:
        for w in r["windows"] or []:
            n = len(w["input_ids"])
            assert all(len(w[k]) == n for k in head["window_fields"]), r["name"]
    print(f"verified {os.path.basename(path)}: {len(recs)} records "
          f"({sum(r['error'] is not None for r in recs)} errors, up to {most} windows at 384/128), "
          f"{os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
