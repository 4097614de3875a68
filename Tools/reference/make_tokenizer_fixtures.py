#!/usr/bin/env python3
"""Tokenizer fixtures for swift-bert, from transformers' BERT tokenizer.

Writes into Tests/Fixtures/tokenizer/:

  cola.jsonl          every sentence of the three raw CoLA files, encoded with
                      special tokens, no truncation, no padding.
  hard_cases.jsonl    labelled edge cases (Unicode, control characters, special
                      tokens in text, word-length limit, pair truncation, padding).
  slow_vs_fast.jsonl  every case where the pure-Python BertTokenizerLegacy that
                      transformers 5 still ships disagrees with the fast tokenizer
                      (informative only; the fast tokenizer is the reference).

Line 1 of each .jsonl file is the header object ({"format": "swift-bert-fixture",
"version": 1, ...}); every later line is one record.

    /work/venv/bin/python Tools/reference/make_tokenizer_fixtures.py \
        [--model .models/all-MiniLM-L6-v2] [--cola Data/cola_public_1.1.zip]
"""

import argparse
import json
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402  (sets HF_HUB_OFFLINE before transformers loads)

from transformers import AutoTokenizer  # noqa: E402
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402


def long_text(words):
    base = ("the quick brown fox jumps over the lazy dog while the committee deliberated "
            "unaffable questions about internationalization").split()
    return " ".join(base[i % len(base)] for i in range(words))


ALPHA = "abcdefghijklmnopqrstuvwxyz"


def word(n):
    return (ALPHA * 5)[:n]


# Each case: name, text, text_pair, max_length, truncation, padding.
# Cases with padding "longest" are encoded as one batch per "batch" id (see BATCHES).
SINGLE_CASES = [
    # --- accents and combining marks
    ("accent_nfc_cafe", "Café", None),
    ("accent_nfd_cafe", "Cafe\u0301", None),
    ("accent_nfc_naive", "naïve résumé façade", None),
    ("accent_nfd_naive", "nai\u0308ve re\u0301sume\u0301 fac\u0327ade", None),
    ("combining_acute_alone", "e\u0301", None),
    ("combining_mark_standalone", "\u0301 \u0308x", None),
    ("combining_multiple", "a\u0301\u0302\u0323b", None),
    ("upper_accents", "ÉCOLE ÀÉÎÕÜ Ångström", None),
    ("angstrom_and_kelvin_signs", "\u212b \u212a \u2126", None),
    ("vietnamese", "Tiếng Việt có dấu", None),
    # --- case mapping
    ("turkish_dotted_capital_i", "İstanbul", None),
    ("turkish_dotless_i", "ılık ISPARTA ıİiI", None),
    ("german_sharp_s", "Straße STRASSE groß ẞ", None),
    ("greek_final_sigma", "ΟΔΟΣ ΣΟΦΟΣ", None),
    ("greek_lowercase", "οδος σοφος ὁδός", None),
    ("cyrillic", "Привет, мир! Ёжик в тумане.", None),
    # --- scripts
    ("cjk_mixed_latin", "我爱Python和机器学习ok", None),
    ("cjk_ext_b_and_compat", "\U00020000x\uf900y\u3400", None),
    # tokenizers' CJK range starts at U+2B920 where BERT's Python code says U+2B820.
    ("cjk_ext_e_range_boundary", "a\U0002b820b a\U0002b91fb a\U0002b920b a\u9fffb a\U00030000b", None),
    ("japanese_kana", "ひらがなとカタカナ、そして漢字。", None),
    ("korean_hangul", "안녕하세요 세계", None),
    ("thai", "สวัสดีครับ ภาษาไทย", None),
    ("arabic", "مرحبا بالعالم، كيف حالك؟", None),
    ("hebrew_with_points", "שָׁלוֹם עוֹלָם", None),
    ("devanagari", "नमस्ते दुनिया", None),
    # --- emoji
    ("emoji_simple", "I love pizza 🍕 and 😀!", None),
    ("emoji_heart_vs16", "I ❤️ you ❤", None),
    ("emoji_zwj_family", "family: 👨\u200d👩\u200d👧\u200d👦 ok", None),
    ("emoji_flags", "🇺🇸🇫🇷 flags", None),
    ("emoji_skin_tone", "thumbs 👍🏽 up 👋🏿", None),
    ("emoji_keycap", "press 1\ufe0f\u20e3 now", None),
    # --- control characters and cleanup
    ("control_nul", "a\x00b c\x00 d", None),
    ("control_bel", "a\x07b", None),
    ("control_vt", "a\x0bb", None),
    ("control_ff", "a\x0cb", None),
    ("control_us", "a\x1fb", None),
    ("control_del", "a\x7fb", None),
    ("control_nel", "a\x85b", None),
    ("control_c1_range", "x\x80y\x9fz", None),
    ("replacement_char", "a\ufffdb \ufffd c", None),
    ("zero_width_space", "zero\u200bwidth", None),
    ("zero_width_joiner", "zero\u200djoiner", None),
    ("zero_width_non_joiner", "zero\u200cnon", None),
    ("bom_inside", "\ufeffbom\ufeffinside", None),
    ("word_joiner", "word\u2060joiner", None),
    ("soft_hyphen", "soft\u00adhyphen", None),
    ("bidi_marks", "left\u200eright\u200f\u202aembed\u202c", None),
    ("private_use", "a\ue000b", None),
    ("unassigned_codepoint", "a\u0378b", None),
    ("nbsp", "no\u00a0break\u00a0space", None),
    ("ideographic_space", "ideographic\u3000space", None),
    ("line_paragraph_separators", "line\u2028sep\u2029para", None),
    ("other_unicode_spaces", "a\u2002b\u2009c\u202fd\u205fe\u1680f", None),
    ("tabs_cr_lf", "tab\there\r\nnew\rline\n\n\tend", None),
    ("leading_trailing_space", "   padded words \t\n", None),
    # --- word length limit (max_input_chars_per_word = 100)
    ("word_99_chars", word(99), None),
    ("word_100_chars", word(100), None),
    ("word_101_chars", word(101), None),
    ("word_101_chars_with_punctuation", word(50) + "-" + word(50), None),
    ("word_101_chars_in_sentence", "before " + word(101) + " after", None),
    ("word_100_accented_nfc", "é" * 100, None),
    ("word_101_accented_nfc", "é" * 101, None),
    ("word_60_nfd_pairs", "e\u0301" * 60, None),
    ("hangul_33_syllables", "한" * 33, None),
    ("hangul_34_syllables", "한" * 34, None),
    ("word_unknown_piece", "a☃b snow☃man", None),
    # --- special tokens inside text
    ("special_cls_alone", "[CLS]", None),
    ("special_sep_inside_word", "hello[SEP]world", None),
    ("special_mask_prefix", "[MASK]ed words", None),
    ("special_unk_lowercase", "[unk] [UNK] [Unk]", None),
    ("special_with_spaces", "[ CLS ] [ SEP ]", None),
    ("special_pad_and_all", "[PAD][CLS][SEP][MASK][UNK]", None),
    ("special_nested_brackets", "[[CLS]] [SEP", None),
    # --- empty and whitespace
    ("empty", "", None),
    ("whitespace_only", " \t\n\r  ", None),
    ("controls_only", "\x00\x07\u200b\ufeff", None),
    # --- punctuation and symbols
    ("lone_punctuation", "!", None),
    ("punctuation_run", "?!...;:--", None),
    ("ascii_symbols_as_punctuation", "1+1=2 a<b>c x^2 `code` a|b ~tilde $100 #tag @user \\path", None),
    ("non_ascii_symbols_not_punctuation", "a±b 2×3 x≤y ∑i €100 ©2024 °C", None),
    ("unicode_punctuation", "«quoted» — dash… ¿qué? ¡sí! “curly” ‘single’ • § ¶", None),
    ("apostrophes", "won't don’t rock 'n' roll students' books", None),
    ("numbers_with_separators", "1,000,000 3.14159 1 000 10:30 2024-01-01 50% 1e-5", None),
    ("url_and_email", "see https://www.example.com/path?q=1&r=2#frag or john.doe@example.com", None),
    ("superscripts_fractions", "x² y³ ½ ¾ H₂O", None),
    ("fullwidth_latin", "ＡＢＣ ａｂｃ １２３ ！", None),
    ("ligatures", "ﬁnance ﬂow ﬀ", None),
    ("roman_numeral_and_circled", "Ⅻ ① ⓐ", None),
    # Characters assigned in recent Unicode versions: tokenizers' category tables are old.
    ("newer_unicode_punctuation", "a\u2e4fb c\u2e52d e\u2e5df", None),
    ("bidi_isolates_and_arabic_mark", "a\u2066b\u2069c\u061cd", None),
    ("mongolian_vowel_separator", "a\u180eb", None),
    ("newer_emoji", "smile \U0001f972 ok \U0001fae0", None),
    ("unicode_16_unassigned_then_assigned", "a\U0001cc00b", None),
    ("mixed_case_words", "HeLLo WoRLD iPhone McDonald's", None),
    ("cola_like", "The more you read, the less you understand.", None),
]

PAIR_CASES = [
    # name, text, text_pair (no truncation)
    ("pair_simple", "The cat sat on the mat.", "A cat was sitting."),
    ("pair_empty_first", "", "hello world"),
    ("pair_empty_second", "hello world", ""),
    ("pair_both_empty", "", ""),
    ("pair_unicode", "Café naïve", "ΟΔΟΣ 我爱"),
    ("pair_with_special_in_text", "a [SEP] b", "[CLS] c"),
]

# Ten tokens and four tokens (one word per token in the MiniLM vocab).
TEN = "one two three four five six seven eight nine ten"
FOUR = "alpha beta gamma delta"
SIX_A = "red green blue black white brown"
SIX_B = "cat dog cow pig hen fox"

TRUNCATION_CASES = [
    # name, text, text_pair, max_length
    ("trunc_single_8", TEN, None, 8),
    ("trunc_single_exact_fit", TEN, None, 12),
    ("trunc_single_no_need", FOUR, None, 12),
    ("trunc_single_3", TEN, None, 3),
    ("trunc_single_2", TEN, None, 2),
    ("trunc_single_1", TEN, None, 1),
    ("trunc_single_cuts_inside_word", "unaffable internationalization", None, 4),
    ("trunc_single_model_max_length", long_text(600), None, None),
]
for ml in (17, 16, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2):
    TRUNCATION_CASES.append((f"trunc_pair_first_longer_{ml}", TEN, FOUR, ml))
for ml in (17, 13, 12, 11, 10, 9, 8, 7, 4, 3):
    TRUNCATION_CASES.append((f"trunc_pair_second_longer_{ml}", FOUR, TEN, ml))
for ml in (15, 14, 13, 12, 11, 10, 9, 8, 5, 4, 3):
    TRUNCATION_CASES.append((f"trunc_pair_equal_{ml}", SIX_A, SIX_B, ml))
TRUNCATION_CASES += [
    ("trunc_pair_first_longer_by_one_11", "a b c d e f", "u v w x y", 11),
    ("trunc_pair_first_longer_by_one_10", "a b c d e f", "u v w x y", 10),
    ("trunc_pair_first_longer_by_one_9", "a b c d e f", "u v w x y", 9),
    ("trunc_pair_second_longer_by_one_10", "a b c d e", "u v w x y z", 10),
    ("trunc_pair_second_longer_by_one_9", "a b c d e", "u v w x y z", 9),
    ("trunc_pair_short_first_fits", "hi", long_text(30), 16),
    ("trunc_pair_empty_second", TEN, "", 7),
    ("trunc_pair_empty_first", "", TEN, 7),
    ("trunc_pair_wordpieces", "unaffable internationalization", "questionnaires reconsidered", 8),
]

PADDING_CASES = [
    # name, text, text_pair, max_length, truncation, padding ("max_length")
    ("pad_max_length_single", "hello world", None, 8, False, "max_length"),
    ("pad_max_length_empty", "", None, 5, False, "max_length"),
    ("pad_max_length_exact", "hello world", None, 4, False, "max_length"),
    ("pad_max_length_longer_no_truncation", TEN, None, 6, False, "max_length"),
    ("pad_max_length_with_truncation", TEN, None, 6, True, "max_length"),
    ("pad_max_length_pair", "hello world", "good bye", 10, False, "max_length"),
    ("pad_max_length_pair_truncated", TEN, FOUR, 9, True, "max_length"),
    ("pad_max_length_default_512", "short text", None, None, False, "max_length"),
    ("no_truncation_with_max_length", TEN, None, 5, False, "none"),
]

# padding="longest": each batch is one tokenizer call on a list of texts (and pairs).
BATCHES = [
    ("batch_singles", [
        ("hello world", None), ("", None), ("The more you read, the less you understand.", None),
        ("a", None),
    ], None, False),
    ("batch_pairs_truncated", [
        (TEN, FOUR), ("hi", "there"), (SIX_A, SIX_B),
    ], 12, True),
    ("batch_one_item", [("only one sentence here", None)], None, False),
    # An empty text_pair stays a pair inside a batch (unlike a single call, see README).
    ("batch_pairs_with_empty_pair", [("hello world", ""), ("a", "b")], None, False),
]


def build_cases():
    cases = []
    for name, text, pair in SINGLE_CASES:
        cases.append(dict(name=name, text=text, text_pair=pair, max_length=None, truncation=False, padding="none"))
    for name, text, pair in PAIR_CASES:
        cases.append(dict(name=name, text=text, text_pair=pair, max_length=None, truncation=False, padding="none"))
    for name, text, pair, ml in TRUNCATION_CASES:
        cases.append(dict(name=name, text=text, text_pair=pair, max_length=ml, truncation=True, padding="none"))
    for name, text, pair, ml, trunc, pad in PADDING_CASES:
        cases.append(dict(name=name, text=text, text_pair=pair, max_length=ml, truncation=trunc, padding=pad))
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return cases


def call_kwargs(case):
    padding = {"none": False, "longest": "longest", "max_length": "max_length"}[case["padding"]]
    kwargs = dict(truncation=case["truncation"], padding=padding)
    if case["max_length"] is not None:
        kwargs["max_length"] = case["max_length"]
    return kwargs


def encode(tokenizer, case, force_token_types=False):
    extra = {"return_token_type_ids": True} if force_token_types else {}
    enc = tokenizer(case["text"], case["text_pair"], **call_kwargs(case), **extra)
    return {k: list(enc[k]) for k in ("input_ids", "token_type_ids", "attention_mask")}


def encode_batch(tokenizer, items, max_length, truncation, force_token_types=False):
    texts = [t for t, _ in items]
    pairs = [p for _, p in items]
    kwargs = dict(truncation=truncation, padding="longest")
    if max_length is not None:
        kwargs["max_length"] = max_length
    if force_token_types:
        kwargs["return_token_type_ids"] = True
    if any(p is not None for p in pairs):
        assert all(p is not None for p in pairs), "a batch is all singles or all pairs"
        enc = tokenizer(texts, pairs, **kwargs)
    else:
        enc = tokenizer(texts, **kwargs)
    return [{k: list(enc[k][i]) for k in ("input_ids", "token_type_ids", "attention_mask")}
            for i in range(len(items))]


# Written as \u escapes so that no Unicode-aware line splitter (Swift's Character.isNewline,
# Python's str.splitlines) can cut a record: NEL, LS, PS; plus DEL for readability.
_LINE_BREAKERS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029", "\x7f": "\\u007f"}


def dumps(obj):
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in _LINE_BREAKERS.items():
        text = text.replace(raw, escaped)
    return text


def write_jsonl(path, head, records):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(dumps(head) + "\n")
        for r in records:
            f.write(dumps(r) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=fc.DEFAULT_MINILM, help="HF folder of all-MiniLM-L6-v2")
    parser.add_argument("--cola", default=fc.DEFAULT_COLA, help="cola_public_1.1.zip")
    parser.add_argument("--out", default=os.path.join(fc.FIXTURES, "tokenizer"))
    args = parser.parse_args()
    hf_logging.set_verbosity_error()
    logging.getLogger("transformers").setLevel(logging.ERROR)

    fast = AutoTokenizer.from_pretrained(args.model)
    slow = BertTokenizerLegacy.from_pretrained(args.model)
    fast_class = f"{type(fast).__module__}.{type(fast).__qualname__}"
    slow_class = f"{type(slow).__module__}.{type(slow).__qualname__}"
    print(f"fast tokenizer: {fast_class}; slow tokenizer: {slow_class}")
    out = fc.ensure_dir(args.out)
    common = dict(
        model=os.path.basename(os.path.normpath(args.model)),
        vocab_sha256=fc.sha256_file(os.path.join(args.model, "vocab.txt")),
        tokenizer_json_sha256=fc.sha256_file(os.path.join(args.model, "tokenizer.json")),
        tokenizer_class=fast_class,
        vocab_size=fast.vocab_size,
        model_max_length=fast.model_max_length,
    )
    disagreements = []

    # --- 1a: CoLA
    records = []
    for name in fc.COLA_FILES:
        rows = fc.read_cola(args.cola, name)
        texts = [r["sentence"] for r in rows]
        fast_ids = fast(texts)["input_ids"]
        slow_ids = slow(texts)["input_ids"]
        for r, ids, sids in zip(rows, fast_ids, slow_ids):
            records.append({"file": name, "line": r["line"], "text": r["sentence"], "input_ids": list(ids)})
            if list(ids) != list(sids):
                disagreements.append({"source": f"{name}:{r['line']}", "text": r["sentence"],
                                      "fast_input_ids": list(ids), "slow_input_ids": list(sids)})
    head = fc.header(__file__, "tokenizer/cola", **common,
                     cola_zip_sha256=fc.sha256_file(args.cola), count=len(records),
                     call="tokenizer(text)  # add_special_tokens=True, no truncation, no padding",
                     fields=["file", "line", "text", "input_ids"])
    write_jsonl(os.path.join(out, "cola.jsonl"), head, records)
    cola_disagreements = len(disagreements)
    print(f"cola.jsonl: {len(records)} sentences, slow/fast disagreements: {cola_disagreements}")

    # --- 1b: hard cases
    cases = build_cases()
    hard = []
    for case in cases:
        rec = dict(case)
        rec.update(batch=None, batch_index=None, batch_size=None)
        try:
            enc = encode(fast, case)
        except Exception as e:  # recorded, never expected so far
            raise SystemExit(f"case {case['name']}: fast tokenizer raised {e!r}")
        rec.update(enc)
        rec["tokens"] = fast.convert_ids_to_tokens(enc["input_ids"])
        hard.append(rec)
        try:
            senc = encode(slow, case, force_token_types=True)
        except Exception as e:
            senc = {"error": f"{type(e).__name__}: {e}"}
        if senc != enc:
            disagreements.append({"source": "hard_cases:" + case["name"], "text": case["text"],
                                  "text_pair": case["text_pair"], "call": call_kwargs(case),
                                  "fast": enc, "slow": senc,
                                  "fast_tokens": rec["tokens"],
                                  "slow_tokens": slow.convert_ids_to_tokens(senc["input_ids"])
                                  if "input_ids" in senc else None})
    for batch_id, items, ml, trunc in BATCHES:
        encs = encode_batch(fast, items, ml, trunc)
        sencs = encode_batch(slow, items, ml, trunc, force_token_types=True)
        for i, ((text, pair), enc, senc) in enumerate(zip(items, encs, sencs)):
            rec = dict(name=f"{batch_id}[{i}]", text=text, text_pair=pair, max_length=ml, truncation=trunc,
                       padding="longest", batch=batch_id, batch_index=i, batch_size=len(items))
            rec.update(enc)
            rec["tokens"] = fast.convert_ids_to_tokens(enc["input_ids"])
            hard.append(rec)
            if senc != enc:
                disagreements.append({"source": "hard_cases:" + rec["name"], "text": text, "text_pair": pair,
                                      "fast": enc, "slow": senc})
    head = fc.header(
        __file__, "tokenizer/hard_cases", **common, count=len(hard),
        call=("tokenizer(text, text_pair, truncation=truncation, padding=padding"
              "[, max_length=max_length])  # padding 'none' means padding=False; max_length "
              "omitted when null; truncation=True is 'longest_first'"),
        batches=("records with padding 'longest' come from one call per batch id: "
                 "tokenizer([texts in batch_index order], [pairs] or omitted, padding='longest', ...)"),
        fields=["name", "text", "text_pair", "max_length", "truncation", "padding", "batch",
                "batch_index", "batch_size", "input_ids", "token_type_ids", "attention_mask", "tokens"])
    write_jsonl(os.path.join(out, "hard_cases.jsonl"), head, hard)
    print(f"hard_cases.jsonl: {len(hard)} cases, slow/fast disagreements: "
          f"{len(disagreements) - cola_disagreements}")

    # --- 1c: slow vs fast
    head = fc.header(__file__, "tokenizer/slow_vs_fast", **common, slow_tokenizer_class=slow_class,
                     note=("informative: where the pure-Python BertTokenizerLegacy disagrees with the "
                           "fast tokenizer (the reference). Slow calls pass return_token_type_ids=True."),
                     count=len(disagreements))
    write_jsonl(os.path.join(out, "slow_vs_fast.jsonl"), head, disagreements)
    for d in disagreements:
        print("DISAGREE", d["source"], repr(d["text"])[:60],
              d.get("fast_tokens") or d.get("fast_input_ids"), "|", d.get("slow_tokens") or d.get("slow_input_ids"))

    verify(out)


def verify(out):
    """Read the files back and check their shape."""
    for fname in ("cola.jsonl", "hard_cases.jsonl", "slow_vs_fast.jsonl"):
        with open(os.path.join(out, fname), encoding="utf-8") as f:
            raw = f.read()
        assert not any(c in raw for c in _LINE_BREAKERS), fname
        lines = raw.split("\n")
        assert lines[:-1] == raw.splitlines(), fname
        assert lines[-1] == "", fname
        head = json.loads(lines[0])
        assert head["format"] == fc.FORMAT and head["version"] == fc.VERSION, fname
        recs = [json.loads(x) for x in lines[1:-1]]
        assert len(recs) == head["count"], fname
        if fname == "cola.jsonl":
            assert len(recs) == sum(fc.COLA_ROWS.values())
            for r in recs:
                assert r["input_ids"][0] == 101 and r["input_ids"][-1] == 102
        if fname == "hard_cases.jsonl":
            assert len(recs) >= 70
            for r in recs:
                n = len(r["input_ids"])
                assert len(r["token_type_ids"]) == n == len(r["attention_mask"]) == len(r["tokens"]), r["name"]
        print(f"verified {fname}: {len(recs)} records, {os.path.getsize(os.path.join(out, fname))} bytes")


if __name__ == "__main__":
    main()
