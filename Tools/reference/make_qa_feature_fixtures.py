#!/usr/bin/env python3
"""Question-answering features for swift-bert, as transformers' run_qa.py prepares them.

Writes into Tests/Fixtures/squad/:

  hard-cases.json  a SQuAD 2.0 file of edge cases (written first, then read like any other):
                   answers at the start and at the very end of a context, answers cut by
                   window edges, inside or across word pieces, NFD accents, CJK, emoji,
                   special tokens in text, questions with leading (and exotic) whitespace,
                   several answers, an answer text that differs from the context at its
                   answer_start (run_qa uses only the start and the length), unanswerable
                   questions, and a long context of CoLA sentences.
  features.jsonl   line 1 the header, then one record per (tokenizer, file, max_length,
                   stride): the features of prepare_train_features (input_ids,
                   token_type_ids, start_positions, end_positions) and of
                   prepare_validation_features (example_id, offset_mapping with None outside
                   the context) for every example of the file, in order. The two functions
                   tokenize identically (asserted), so the ids are stored once; attention
                   masks are all ones (asserted, padding=False) and not stored.

The examples are read as 🤗 datasets' squad_v2 loading script reads them (its
_generate_examples, restated in squad_columns below: title via .get("title", ""), context
not stripped, answers as {"text": [...], "answer_start": [...]}, plausible_answers and
is_impossible ignored), as one batch of columns, which is what run_qa.py's
`dataset.map(prepare_*_features, batched=True)` hands each function (one batch of up to
1000 rows; these files are smaller).

prepare_train_features and prepare_validation_features below restate those of
transformers' examples/pytorch/question-answering/run_qa.py (transformers v4.x/v5 main,
unchanged since 2021) with pad_on_right = True (BERT pads on the right),
pad_to_max_length = False, question_column_name "question", context_column_name
"context", answer_column_name "answers". The tokenizer is the fast tokenizer that
AutoTokenizer loads: MiniLM's (the bert-base-uncased vocabulary) and tiny-bert's.

The header also lists every code point for which Python's str.isspace() is true: run_qa
strips questions with str.lstrip(), and the Swift side must strip the same characters.

    /work/venv/bin/python Tools/reference/make_qa_feature_fixtures.py \
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

SQUAD = os.path.join(fc.FIXTURES, "squad")

# (max_length, stride) per tokenizer and file. tiny-bert's 800-entry vocabulary splits most
# words into many pieces, so its questions are long and its windows larger.
SETTINGS = {
    ("minilm", "hard-cases.json"): [(384, 128), (64, 16), (40, 8), (32, 0)],
    ("tiny-bert", "hard-cases.json"): [(384, 128), (128, 32), (80, 0)],
    ("minilm", "dev-v2.json"): [(384, 128), (96, 24)],
    ("tiny-bert", "dev-v2.json"): [(384, 128)],
    ("minilm", "dev-v1.json"): [(64, 16)],
}


# --- the examples: 🤗 datasets' squad_v2 loader (_generate_examples), as columns ----------

def squad_columns(path):
    columns = {"id": [], "title": [], "context": [], "question": [], "answers": []}
    with open(path, encoding="utf-8") as f:
        squad = json.load(f)
    for article in squad["data"]:
        title = article.get("title", "")
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]  # do not strip leading blank spaces GH-2585
            for qa in paragraph["qas"]:
                columns["id"].append(qa["id"])
                columns["title"].append(title)
                columns["context"].append(context)
                columns["question"].append(qa["question"])
                columns["answers"].append({
                    "answer_start": [answer["answer_start"] for answer in qa["answers"]],
                    "text": [answer["text"] for answer in qa["answers"]],
                })
    return columns


# --- run_qa.py's two functions (pad_on_right, no padding) ---------------------------------

def prepare_train_features(examples, tokenizer, max_seq_length, doc_stride):
    pad_on_right = True
    examples["question"] = [q.lstrip() for q in examples["question"]]
    tokenized_examples = tokenizer(
        examples["question" if pad_on_right else "context"],
        examples["context" if pad_on_right else "question"],
        truncation="only_second" if pad_on_right else "only_first",
        max_length=max_seq_length,
        stride=doc_stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=False,
    )
    sample_mapping = tokenized_examples.pop("overflow_to_sample_mapping")
    offset_mapping = tokenized_examples.pop("offset_mapping")
    tokenized_examples["start_positions"] = []
    tokenized_examples["end_positions"] = []
    for i, offsets in enumerate(offset_mapping):
        input_ids = tokenized_examples["input_ids"][i]
        if tokenizer.cls_token_id in input_ids:
            cls_index = input_ids.index(tokenizer.cls_token_id)
        elif tokenizer.bos_token_id in input_ids:
            cls_index = input_ids.index(tokenizer.bos_token_id)
        else:
            cls_index = 0
        sequence_ids = tokenized_examples.sequence_ids(i)
        sample_index = sample_mapping[i]
        answers = examples["answers"][sample_index]
        if len(answers["answer_start"]) == 0:
            tokenized_examples["start_positions"].append(cls_index)
            tokenized_examples["end_positions"].append(cls_index)
        else:
            start_char = answers["answer_start"][0]
            end_char = start_char + len(answers["text"][0])
            token_start_index = 0
            while sequence_ids[token_start_index] != (1 if pad_on_right else 0):
                token_start_index += 1
            token_end_index = len(input_ids) - 1
            while sequence_ids[token_end_index] != (1 if pad_on_right else 0):
                token_end_index -= 1
            if not (offsets[token_start_index][0] <= start_char and offsets[token_end_index][1] >= end_char):
                tokenized_examples["start_positions"].append(cls_index)
                tokenized_examples["end_positions"].append(cls_index)
            else:
                while token_start_index < len(offsets) and offsets[token_start_index][0] <= start_char:
                    token_start_index += 1
                tokenized_examples["start_positions"].append(token_start_index - 1)
                while offsets[token_end_index][1] >= end_char:
                    token_end_index -= 1
                tokenized_examples["end_positions"].append(token_end_index + 1)
    return tokenized_examples


def prepare_validation_features(examples, tokenizer, max_seq_length, doc_stride):
    pad_on_right = True
    examples["question"] = [q.lstrip() for q in examples["question"]]
    tokenized_examples = tokenizer(
        examples["question" if pad_on_right else "context"],
        examples["context" if pad_on_right else "question"],
        truncation="only_second" if pad_on_right else "only_first",
        max_length=max_seq_length,
        stride=doc_stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=False,
    )
    sample_mapping = tokenized_examples.pop("overflow_to_sample_mapping")
    tokenized_examples["example_id"] = []
    for i in range(len(tokenized_examples["input_ids"])):
        sequence_ids = tokenized_examples.sequence_ids(i)
        context_index = 1 if pad_on_right else 0
        sample_index = sample_mapping[i]
        tokenized_examples["example_id"].append(examples["id"][sample_index])
        tokenized_examples["offset_mapping"][i] = [
            (o if sequence_ids[k] == context_index else None)
            for k, o in enumerate(tokenized_examples["offset_mapping"][i])
        ]
    return tokenized_examples


# --- the hard cases -----------------------------------------------------------------------

def span(context, text, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = context.index(text, start + 1)
    return {"text": text, "answer_start": start}


def hard_cases(cola_zip):
    """Paragraphs of edge cases, each (title, context, [(id, question, answers)])."""
    cases = []

    def add(title, context, qas):
        cases.append((title, context, qas))

    c = ("Hamlet is a tragedy written by William Shakespeare sometime between 1599 and 1601. "
         "It is his longest play, with 29,551 words, and it is set in Denmark")
    add("Hamlet", c, [
        ("first_word", "What is a tragedy?", [span(c, "Hamlet")]),
        ("last_word", "Where is the play set?", [span(c, "Denmark")]),
        ("inside_word", "Which part of the name Shakespeare is about a spear?", [span(c, "spear")]),
        ("across_pieces", "How many words?", [span(c, "9,55")]),
        ("trailing_space", "Who wrote it?", [{"text": "William Shakespeare ",
                                              "answer_start": c.index("William")}]),
        ("several_answers", "   When was it written?", [span(c, "1601"), span(c, "between 1599 and 1601"),
                                                         span(c, "1599")]),
        ("text_differs", "Who is the author?", [{"text": "W. Shakespeare",
                                                 "answer_start": c.index("William")}]),
        ("impossible", "Who directed the film?", []),
    ])
    c = "  \tLeading whitespace comes first; then Zürich, Málaga and the cafe\u0301 crème bru\u0302le\u0301e."
    add("Whitespace", c, [
        ("question_spaces", "\u3000\u00a0\u2003\x1c\x85Which city is first?", [span(c, "Zürich")]),
        ("question_zero_width", "\u200bWhich dessert?", [span(c, "crème bru\u0302le\u0301e")]),
        ("nfd_answer", "\t\n What place sells coffee?", [span(c, "cafe\u0301")]),
        ("context_start", "What comes first?", [span(c, "Leading")]),
    ])
    c = "北京是中华人民共和国的首都。Tokyo is 東京 in Japanese; 👍🏽 means approval and 👨\u200d👩\u200d👧 is a family."
    add("Scripts", c, [
        ("cjk", "What is the capital?", [span(c, "北京")]),
        ("cjk_inside", "Which country?", [span(c, "中华人民共和国")]),
        ("emoji", "What means approval?", [span(c, "👍🏽")]),
        ("japanese", "How is Tokyo written?", [span(c, "東京")]),
    ])
    c = "The [SEP] token separates texts, and the [MASK] token hides a word; [CLS] starts every input."
    add("Special tokens", c, [
        ("special_token_answer", "What hides a word?", [span(c, "[MASK] token")]),
        ("after_special", "What starts every input?", [span(c, "[CLS]")]),
    ])
    rows = fc.read_cola(cola_zip, "raw/in_domain_dev.tsv")
    c = " ".join(r["sentence"] for r in rows[:50])
    add("CoLA", c, [
        ("long_early", "Which sentence comes first?", [span(c, rows[0]["sentence"])]),
        ("long_middle", "What is in the middle?", [span(c, rows[25]["sentence"])]),
        ("long_late", "Which sentence comes last?", [span(c, rows[49]["sentence"])]),
        ("long_word_late", "Which word is near the end?", [span(c, rows[45]["sentence"].split()[-1])]),
        ("long_impossible", "What is the airspeed of a swallow?", []),
    ])
    # Answers spread over a paragraph so that small windows cut some of them.
    colours = "red green blue amber violet golden silver crimson ivory teal coral indigo".split()
    c = " ".join(f"Item {i} is the {w} one." for i, w in enumerate(colours))
    add("Windows", c, [(f"item_{w}", f"Which item is {w}?",
                        [span(c, f"Item {colours.index(w)} is the {w}")])
                       for w in "red blue violet crimson teal indigo".split()]
        + [("item_across", "Which two items?", [span(c, "Item 3 is the amber one. Item 4")])])
    return cases


def write_hard_cases(path, cola_zip, head):
    data = []
    for title, context, qas in hard_cases(cola_zip):
        questions = []
        for qid, question, answers in qas:
            for a in answers:
                if a["text"] != "W. Shakespeare":
                    s = a["answer_start"]
                    assert context[s:s + len(a["text"])] == a["text"], qid
            questions.append({"id": qid, "question": question, "answers": answers,
                              "is_impossible": not answers})
        data.append({"title": title, "paragraphs": [{"context": context, "qas": questions}]})
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump({"version": "v2.0", "data": data, "swift_bert_fixture": head}, f,
                  ensure_ascii=False, indent=1)
        f.write("\n")


# --- the records --------------------------------------------------------------------------

def features_record(tokenizer, tag, name, max_length, stride):
    columns = squad_columns(os.path.join(SQUAD, name))
    train = prepare_train_features({k: list(v) for k, v in columns.items()}, tokenizer,
                                   max_length, stride)
    valid = prepare_validation_features({k: list(v) for k, v in columns.items()}, tokenizer,
                                        max_length, stride)
    for key in ("input_ids", "token_type_ids", "attention_mask"):
        assert train[key] == valid[key], (name, key)
    assert all(all(m == 1 for m in mask) for mask in train["attention_mask"]), name
    count = len(train["input_ids"])
    assert all(len(train[k]) == count for k in ("start_positions", "end_positions")), name
    assert len(valid["example_id"]) == len(valid["offset_mapping"]) == count, name
    features = {
        "input_ids": train["input_ids"],
        "token_type_ids": train["token_type_ids"],
        "start_positions": train["start_positions"],
        "end_positions": train["end_positions"],
        "example_id": valid["example_id"],
        "offset_mapping": [[list(o) if o is not None else None for o in offsets]
                           for offsets in valid["offset_mapping"]],
    }
    labelled = sum(s != 0 for s in train["start_positions"])
    return dict(tokenizer=tag, file=name, max_length=max_length, stride=stride,
                example_ids=columns["id"], feature_count=count, answer_features=labelled,
                features=features)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=fc.DEFAULT_MINILM, help="MiniLM folder")
    parser.add_argument("--cola", default=fc.DEFAULT_COLA, help="cola_public_1.1.zip")
    args = parser.parse_args()
    hf_logging.set_verbosity_error()
    logging.getLogger("transformers").setLevel(logging.ERROR)

    fc.ensure_dir(SQUAD)
    write_hard_cases(os.path.join(SQUAD, "hard-cases.json"), args.cola,
                     fc.header(__file__, "squad/hard-cases",
                               cola_zip_sha256=fc.sha256_file(args.cola)))
    records, classes = [], {}
    for tag, folder in mwf.tokenizers_under_test(args.model):
        tokenizer = AutoTokenizer.from_pretrained(folder)
        classes[tag] = f"{type(tokenizer).__module__}.{type(tokenizer).__qualname__}"
        for (settings_tag, name), settings in SETTINGS.items():
            if settings_tag != tag:
                continue
            for max_length, stride in settings:
                records.append(features_record(tokenizer, tag, name, max_length, stride))
    head = fc.header(
        __file__, "squad/features", count=len(records),
        tokenizers_under_test={tag: fc.rel(folder) if tag != "minilm" else
                               os.path.basename(os.path.normpath(folder))
                               for tag, folder in mwf.tokenizers_under_test(args.model)},
        tokenizer_classes=classes,
        minilm_tokenizer_json_sha256=fc.sha256_file(os.path.join(args.model, "tokenizer.json")),
        input_sha256={name: fc.sha256_file(os.path.join(SQUAD, name))
                      for name in sorted({n for _, n in SETTINGS})},
        reference=("transformers examples/pytorch/question-answering/run_qa.py: "
                   "prepare_train_features and prepare_validation_features, pad_on_right, "
                   "pad_to_max_length=False; examples as datasets' squad_v2 loader yields them"),
        python_isspace=[cp for cp in range(0x110000) if chr(cp).isspace()],
        fields=["tokenizer", "file", "max_length", "stride", "example_ids", "feature_count",
                "answer_features", "features"],
        feature_fields=["input_ids", "token_type_ids", "start_positions", "end_positions",
                        "example_id", "offset_mapping"])
    path = os.path.join(SQUAD, "features.jsonl")
    mwf.write_jsonl(path, head, records)
    verify(path)


def verify(path):
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    assert not any(c in raw for c in [*mtf._LINE_BREAKERS, "\ufeff"]), path
    lines = raw.split("\n")
    assert lines[:-1] == raw.splitlines() and lines[-1] == "", path
    head = json.loads(lines[0])
    assert head["format"] == fc.FORMAT and head["version"] == fc.VERSION, path
    recs = [json.loads(x) for x in lines[1:-1]]
    assert len(recs) == head["count"], path
    for r in recs:
        f = r["features"]
        assert all(len(f[k]) == r["feature_count"] for k in head["feature_fields"]), r["file"]
        # Some windows hold an answer, some don't, and some examples give several windows.
        assert 0 < r["answer_features"] < r["feature_count"], (r["file"], r["max_length"])
        print(f"  {r['tokenizer']:9} {r['file']:16} L={r['max_length']:3} S={r['stride']:3}: "
              f"{r['feature_count']} features of {len(r['example_ids'])} examples, "
              f"{r['answer_features']} with an answer")
    print(f"verified {fc.rel(path)}: {len(recs)} records, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
