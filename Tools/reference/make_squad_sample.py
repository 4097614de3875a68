#!/usr/bin/env python3
"""A small synthetic SQuAD sample for swift-bert's CLI tests and demos.

Writes into Tests/Fixtures/squad/:

  train-v2.json  SQuAD 2.0 format, 300 questions (about a third unanswerable, with
                 plausible_answers as the official files give them)
  dev-v2.json    SQuAD 2.0 format, 80 questions, 1 to 3 answers each (repeated and longer
                 variants, as the official dev set's several annotators give them)
  dev-v1.json    SQuAD 1.1 format: the answerable questions of dev-v2.json (no
                 is_impossible fields), ids unchanged

Nothing on PyPI ships SQuAD itself (the `datasets` library downloads it from the Hub, which
is unreachable here), so the paragraphs are made from template sentences about invented
people and real places, with a seeded random.Random: a rerun writes identical bytes. Every
answer is a span of its context, written verbatim, and answer_start is the code-point
index where that span was placed (checked with context[start:start + len(text)] == text).
Some names carry accents (NFC), and a few paragraphs are long (300+ tokens) so that small
max_length settings give several windows.

Each file is the official layout plus one extra top-level key, "swift_bert_fixture", with
the fixture header; SQuAD readers (🤗 datasets' loaders, run_qa.py) read only "data".

    /work/venv/bin/python Tools/reference/make_squad_sample.py
"""

import argparse
import hashlib
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402

FIRST = ["Alice", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiroshi", "Ingrid",
         "José", "Kofi", "Léa", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Søren",
         "Tomás", "Ulla", "Viktor", "Wanjiru", "Xavier", "Yusuf", "Zoë", "Amara", "Björn",
         "Camille", "Diego", "Émile", "Fatima", "Gustav", "Hana", "Ivan", "Jana", "Karim",
         "Lucía", "Marek", "Noor"]
LAST = ["Abbott", "Bianchi", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Horvath",
        "Ibrahim", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov",
        "Quinn", "Rossi", "Schmidt", "Tanaka", "Umarov", "Varga", "Weber", "Xu", "Yilmaz",
        "Zielinski", "Ålund", "Brontë", "Müller", "Nuñez"]
CITIES = ["Lisbon", "Kraków", "Zürich", "Nairobi", "Osaka", "Montréal", "Bergen", "Porto",
          "Valparaíso", "Seville", "Tallinn", "Lyon", "Dakar", "Hanoi", "Reykjavík", "Kyoto",
          "Trieste", "Ghent", "Cusco", "Tbilisi", "Aarhus", "Bologna", "Quito", "Split"]
SUBJECTS = ["mathematics", "botany", "architecture", "marine biology", "medieval history",
            "chemical engineering", "linguistics", "astronomy", "economics", "philosophy",
            "geology", "music composition"]
JOBS = ["teacher", "engineer", "journalist", "surgeon", "librarian", "pilot", "chef",
        "architect", "translator", "photographer", "cartographer", "violin maker"]
INSTRUMENTS = ["cello", "oboe", "accordion", "harp", "trumpet", "sitar", "banjo", "clarinet"]
WORKS = ["a study of migrating birds", "the bridge over the river Ness",
         "a dictionary of coastal dialects", "a series of paintings of lighthouses",
         "the first map of the northern caves", "a cookbook of mountain recipes",
         "a symphony for seven flutes", "a theory of glacier movement"]
COMPANIES = ["Northwind Press", "Blue Harbor Labs", "Atlas Railways", "Green Valley Studios",
             "Orion Instruments", "Silverline Shipping"]
FILLER = [
    "The town square was rebuilt after the great flood, and the market still opens on Saturdays.",
    "Local newspapers reported on the event for several weeks, often on the front page.",
    "Critics at the time were divided, but later reviews were mostly favourable.",
    "A small museum now displays letters, photographs and a few personal belongings.",
    "Visitors often remark on the narrow streets and the view over the harbour.",
    "The winters there are long, and the summers are short but bright.",
    "Several colleagues described the years that followed as the most productive of all.",
    "An exhibition in the old customs house later brought the work to a wider audience.",
]


def squad_id(*parts):
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()[:24]


class Paragraph:
    """Builds a context sentence by sentence, remembering where each answer span starts."""

    def __init__(self):
        self.text = ""
        self.spans = {}

    def add(self, template, **slots):
        """Appends a sentence; {slot} values are recorded as answer spans (first occurrence)."""
        sentence = ""
        pieces = template.split("{")
        sentence += pieces[0]
        for piece in pieces[1:]:
            name, rest = piece.split("}", 1)
            value = slots[name]
            start = len(self.text) + (1 if self.text else 0) + len(sentence)
            self.spans.setdefault(name, (value, start))
            sentence += value + rest
        self.text += (" " if self.text else "") + sentence

    def answer(self, name):
        text, start = self.spans[name]
        assert self.text[start:start + len(text)] == text, (name, text)
        return {"text": text, "answer_start": start}


def person(rng):
    return rng.choice(FIRST), rng.choice(LAST), rng.choice(["she", "he"])


def make_article(rng, split, index, others):
    first, last, pronoun = person(rng)
    name = f"{first} {last}"
    city, city2, city3 = rng.sample(CITIES, 3)
    year = rng.randrange(1850, 1990)
    year2 = year + rng.randrange(20, 35)
    year3 = year2 + rng.randrange(1, 9)
    subject, job, instrument, work, company = (rng.choice(SUBJECTS), rng.choice(JOBS),
                                              rng.choice(INSTRUMENTS), rng.choice(WORKS),
                                              rng.choice(COMPANIES))
    p = Paragraph()
    p.add("{name} was born in {city} in {year}.", name=name, city=city, year=str(year))
    p.add(f"{pronoun.capitalize()} studied {{subject}} at the University of {{city2}}.",
          subject=subject, city2=city2)
    if rng.random() < 0.5:
        p.add(rng.choice(FILLER))
    p.add(f"In {{year2}}, {last} moved to {{city3}}, where {pronoun} worked as a {{job}}.",
          year2=str(year2), city3=city3, job=job)
    p.add(f"{pronoun.capitalize()} is best known for {{work}}.", work=work)
    p.add(f"{last}'s favourite instrument was the {{instrument}}.", instrument=instrument)
    p.add(f"{{company}} hired {last} in {{year3}}.", company=company, year3=str(year3))
    long_paragraph = index % 7 == 3
    for _ in range(rng.randrange(14, 20) if long_paragraph else rng.randrange(0, 3)):
        p.add(rng.choice(FILLER))
    if long_paragraph:
        p.add(f"Late in life, {last} returned to {{home}} and taught {{taught}} to children.",
              home=city, taught=subject)

    answerable = [
        (f"Where was {name} born?", ["city"]),
        (f"When was {name} born?", ["year"]),
        (f"What did {name} study?", ["subject"]),
        (f"At which university did {last} study?", ["city2"]),
        (f"Where did {last} move in {year2}?", ["city3"]),
        (f"What was {last}'s job in {city3}?", ["job"]),
        (f"What is {name} best known for?", ["work"]),
        (f"Which instrument did {last} like best?", ["instrument"]),
        (f"Which company hired {last}?", ["company"]),
        (f"  In what year did {company} hire {last}?", ["year3"]),
    ]
    if long_paragraph:
        answerable.append((f"What did {last} teach late in life?", ["taught"]))
    other_first, other_last, _ = person(rng)
    while f"{other_first} {other_last}" == name:
        other_first, other_last, _ = person(rng)
    unanswerable = [
        (f"Where did {name} die?", None),
        (f"What did {other_first} {other_last} study?", "subject"),
        (f"When did {last} move to {city}?", "year2"),
        (f"Which company fired {last}?", "company"),
        (f"What instrument did {other_last} play?", "instrument"),
    ]
    return name, p, rng.sample(answerable, rng.randrange(3, 6)), unanswerable


def build_split(rng, split, questions, unanswerable_share, dev_answers):
    data, count, index = [], 0, 0
    while count < questions:
        title, p, answerable, unanswerable = make_article(rng, split, index, data)
        qas = []
        for question, slots in answerable:
            answers = [p.answer(slots[0])]
            if dev_answers:
                # The dev sets' several annotators: repeats, and a longer variant.
                for _ in range(rng.randrange(0, 3)):
                    answers.append(dict(answers[0]))
                if slots[0] == "city2" and rng.random() < 0.5:
                    text = "the University of " + answers[0]["text"]
                    start = p.text.index(text)
                    answers.insert(rng.randrange(0, len(answers) + 1),
                                   {"text": text, "answer_start": start})
            qas.append({"question": question, "id": squad_id(split, count + len(qas)),
                        "answers": answers, "is_impossible": False})
        for question, plausible in rng.sample(unanswerable, len(unanswerable)):
            if rng.random() >= unanswerable_share:
                continue
            qa = {"question": question, "id": squad_id(split, count + len(qas)),
                  "answers": [], "is_impossible": True}
            if plausible is not None:
                qa["plausible_answers"] = [p.answer(plausible)]
            qas.append(qa)
        rng.shuffle(qas)
        qas = qas[:questions - count]
        count += len(qas)
        data.append({"title": title.replace(" ", "_"), "paragraphs": [{"qas": qas,
                                                                       "context": p.text}]})
        index += 1
    return data


def as_v1(data):
    out = []
    for article in data:
        paragraphs = []
        for paragraph in article["paragraphs"]:
            qas = [{"answers": qa["answers"], "question": qa["question"], "id": qa["id"]}
                   for qa in paragraph["qas"] if not qa["is_impossible"]]
            if qas:
                paragraphs.append({"context": paragraph["context"], "qas": qas})
        if paragraphs:
            out.append({"title": article["title"], "paragraphs": paragraphs})
    return out


def write(path, version, data, head):
    document = {"version": version, "data": data, "swift_bert_fixture": head}
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(document, f, ensure_ascii=False, indent=1)
        f.write("\n")


def verify(path, version, expected_questions):
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    assert document["version"] == version, path
    head = document["swift_bert_fixture"]
    assert head["format"] == fc.FORMAT and head["version"] == fc.VERSION, path
    ids, impossible, answers = set(), 0, 0
    for article in document["data"]:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                assert qa["id"] not in ids, qa["id"]
                ids.add(qa["id"])
                impossible += qa.get("is_impossible", False)
                assert qa.get("is_impossible", False) == (len(qa["answers"]) == 0), qa["id"]
                for a in qa["answers"] + qa.get("plausible_answers", []):
                    s = a["answer_start"]
                    assert context[s:s + len(a["text"])] == a["text"], (qa["id"], a)
                answers += len(qa["answers"])
    assert expected_questions is None or len(ids) == expected_questions, (path, len(ids))
    print(f"verified {fc.rel(path)}: {len(ids)} questions ({impossible} unanswerable, "
          f"{answers} answers)")
    return ids


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(fc.FIXTURES, "squad"))
    parser.add_argument("--seed", type=int, default=20240901)
    args = parser.parse_args()
    out = fc.ensure_dir(args.out)
    rng = random.Random(args.seed)
    train = build_split(rng, "train", 300, unanswerable_share=0.5, dev_answers=False)
    dev = build_split(rng, "dev", 80, unanswerable_share=0.5, dev_answers=True)
    common = dict(seed=args.seed, generator="template sentences, random.Random(seed)")
    write(os.path.join(out, "train-v2.json"), "v2.0", train,
          fc.header(__file__, "squad/train-v2", **common, questions=300))
    write(os.path.join(out, "dev-v2.json"), "v2.0", dev,
          fc.header(__file__, "squad/dev-v2", **common, questions=80))
    dev_v1 = as_v1(dev)
    write(os.path.join(out, "dev-v1.json"), "1.1", dev_v1,
          fc.header(__file__, "squad/dev-v1", **common,
                    derived_from="dev-v2.json: its answerable questions, without is_impossible"))
    verify(os.path.join(out, "train-v2.json"), "v2.0", 300)
    dev_ids = verify(os.path.join(out, "dev-v2.json"), "v2.0", 80)
    v1_ids = verify(os.path.join(out, "dev-v1.json"), "1.1", None)
    assert v1_ids < dev_ids


if __name__ == "__main__":
    main()
