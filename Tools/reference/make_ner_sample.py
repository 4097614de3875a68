#!/usr/bin/env python3
"""A small synthetic NER corpus in CoNLL-2003 layout, for tests and the README's example.

No package reachable here (PyPI) ships a CoNLL NER corpus (checked: ner-dataset 0.0.2,
ner-error-analysis 0.2, seqeval 1.2.2's sdist holds CoNLL-2000 chunking only), so this
script writes sentences from templates: person, location, organization and misc names
(multi-word ones tagged B-/I-, IOB2) in simple frames, seeded, with the four CoNLL columns
`word POS chunk NER` (POS and chunk are placeholders "X" / "O"), `-DOCSTART-` lines and blank
lines between sentences.

  Tests/Fixtures/ner/train.conll        400 sentences
  Tests/Fixtures/ner/validation.conll   100 sentences

    /work/venv/bin/python Tools/reference/make_ner_sample.py
"""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402

PER = ["John Smith", "Mary", "Angela Merkel", "Peter Blackburn", "Sarah Connor", "Ahmed",
       "Li Wei", "Jean-Pierre Dupont", "Ana", "Barack Obama", "Olga Petrova", "Kenji"]
LOC = ["Paris", "New York", "Berlin", "São Paulo", "Tokyo", "Lyon", "Los Angeles", "Oslo",
       "Cairo", "Rio de Janeiro", "Madrid", "Vienna"]
ORG = ["the United Nations", "Siemens", "the European Union", "Reuters", "Toyota",
       "the World Bank", "Google", "FC Barcelona"]
MISC = ["German", "French", "Olympic", "Japanese", "Brazilian", "Nobel"]
FRAMES = [
    "{PER} lives in {LOC} .",
    "{PER} met {PER} in {LOC} yesterday .",
    "{ORG} opened an office in {LOC} .",
    "The {MISC} minister visited {LOC} on Monday .",
    "{PER} works for {ORG} .",
    "A {MISC} team won the match against {ORG} .",
    "{PER} flew from {LOC} to {LOC} .",
    "Shares of {ORG} rose after {PER} spoke .",
    "It rained in {LOC} all week .",
    "Nobody knew why .",
]
ARTICLES = {"the"}


def entity_tokens(kind, name):
    words = name.split()
    tags = []
    start = 0
    if kind == "ORG" and words[0] in ARTICLES:
        tags.append("O")
        start = 1
    for i, _ in enumerate(words[start:]):
        tags.append(("B-" if i == 0 else "I-") + kind)
    return words, tags


def sentence(rng):
    frame = rng.choice(FRAMES)
    words, tags = [], []
    for piece in frame.split():
        if piece.startswith("{") and piece.endswith("}"):
            kind = piece[1:-1]
            name = rng.choice({"PER": PER, "LOC": LOC, "ORG": ORG, "MISC": MISC}[kind])
            w, t = entity_tokens(kind, name)
            words += w
            tags += t
        else:
            words.append(piece)
            tags.append("O")
    words[0] = words[0][0].upper() + words[0][1:]
    return words, tags


def write(path, sentences):
    lines = ["-DOCSTART- -X- -X- O", ""]
    for words, tags in sentences:
        lines += [f"{w} X O {t}" for w, t in zip(words, tags)]
        lines.append("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def main():
    rng = random.Random(2003)
    out = os.path.join(fc.FIXTURES, "ner")
    fc.ensure_dir(out)
    write(os.path.join(out, "train.conll"), [sentence(rng) for _ in range(400)])
    write(os.path.join(out, "validation.conll"), [sentence(rng) for _ in range(100)])
    print("wrote", fc.rel(out))


if __name__ == "__main__":
    main()
