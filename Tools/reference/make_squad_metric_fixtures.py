"""SQuAD v1.1 and v2.0 exact match and F1, computed by the official evaluation scripts.

The official scripts (`evaluate-v1.1.py`, `evaluate-v2.0.py`) are not on PyPI under their own
name; `datasets` 1.18.4's sdist ships them as metrics/squad/evaluate.py ("Official evaluation
script for v1.1 of the SQuAD dataset", the official code reformatted) and
metrics/squad_v2/evaluate.py ("Official evaluation script for SQuAD version 2.0", the
official code with `qa["answers"]` read as a dict of lists `{"text": [...]}`, the layout of
HF datasets, instead of a list of `{"text": ...}`). This script downloads that sdist with pip
(`pip download --no-deps --no-binary :all: datasets==1.18.4`, sha256 checked) into
--reference-dir, extracts the two files, imports their functions for per-string and
per-question values, and runs each of them as a command-line program on temporary
dataset/prediction/na_prob files for the totals, so every expected number comes from the
official code. Nothing of it is copied into the repository.

Writes Tests/Fixtures/metrics/squad_hard_cases.json:
  normalization  strings with normalize_answer (v1 and v2 copies) and v2's get_tokens
  pairs          (prediction, gold answers): v1 exact_match/f1 (max over gold answers,
                 metric_max_over_ground_truths) and v2 compute_exact/compute_f1 (max over
                 get_raw_scores' filtered gold list, [""] when none is left)
  v1             datasets of questions: evaluate-v1.1's {exact_match, f1}
  v2             datasets of questions with optional na_probs and --na-prob-thresh:
                 evaluate-v2.0's exact_raw/f1_raw per question and its out-file dict
                 (exact, f1, total, HasAns_*, NoAns_*, best_exact, best_exact_thresh,
                 best_f1, best_f1_thresh)

    /work/venv/bin/python Tools/reference/make_squad_metric_fixtures.py   # ~5 s (+ download)
"""

import argparse
import hashlib
import importlib.util
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402

SEED = 20240620
OUT = os.path.join(fc.FIXTURES, "metrics", "squad_hard_cases.json")
SDIST = "datasets-1.18.4.tar.gz"
SDIST_SHA256 = "8f28a7afc2f894c68cb017335a32812f443fe41bc59c089cbd15d7412d3f7f96"
SCRIPTS = {
    "v1": "datasets-1.18.4/metrics/squad/evaluate.py",
    "v2": "datasets-1.18.4/metrics/squad_v2/evaluate.py",
}

# Strings for normalize_answer alone: ASCII punctuation (string.punctuation), articles as
# whole words only (re's Unicode \b: letters, digits and numerics of any script are word
# characters, combining marks and symbols are not), str.lower (full mappings, final sigma),
# str.split (Python's isspace, which includes U+001C..U+001F and U+0085), and Unicode
# punctuation that string.punctuation leaves in place.
NORMALIZE = [
    "Hello, World!", "The Eiffel Tower", "a an the", "An apple a day", "theater thematic them",
    "mathe", "the-end", "the_end", "THE END", "The", "", "   ", "\t\n new \r\n york \x0b\x0c",
    "\u00a0nbsp\u00a0", "ideographic\u3000space", "zero\u200bwidth", "en\u2002quad\u200aair",
    "info\x1csep\x1dgroup\x1erecord\x1funit", "next\x85line", "line\u2028para\u2029sep",
    "narrow\u202fnbsp\u205fmath\u1680ogham", "\u201ccurly quotes\u201d", "\u2018single\u2019",
    "em\u2014dash \u2013 en", "ellipsis\u2026", "\u00abguillemets\u00bb",
    "\u65e5\u672c\u8a9e\u3002\u53e5\u70b9\u3001\u8aad\u70b9", "full\uff01width\uff1f",
    "\u00a1Hola! \u00bfQu\u00e9?", "$100.00 & 50%", "C++ / C#", "e-mail@example.com",
    "(parenthesised) [bracketed] {braced}", "back\\slash `tick` ~tilde^ |pipe|", "don't",
    "l'an the", "\u0130stanbul", "\u039f\u0394\u039f\u03a3 \u039f\u0394\u039f\u03a3.",
    "\u03a3\u0391\u03a3", "\u03a3", "a\u03a3 b", "\u0391\u03a3'\u0392", "\u0391\u03a3'",
    "\u01c5emal", "\u1e9etra\u00dfe", "\ufb01ne ligature", "Caf\u00e9", "Cafe\u0301",
    "the\u0301", "a\u0301 b", "th\u00e9 cat", "2the the2 the\u00b2", "\u2177the the\u2177",
    "the\u0661 \u0661the", "the\u00b7dot", "the\U0001f642 \U0001f642the",
    "\u7684the the\u7684", "the\u200bgap", "x the\u00a0y", "THE\u00adsoft", "An", "AN AN an",
    "a", "an", "the the the", "the\ta", "\u00e3n", "\u00c0N", "The\u2019s", "tHe ThE",
    "a.b.c", "...", "'the'", "\"an\"", "-a-", "\u00bda", "x\u0300the",
]

# (name, prediction, gold answers). Gold lists may be empty (unanswerable in v2) or hold
# answers that normalize to "" (dropped by v2's get_raw_scores, but still HasAns).
PAIRS = [
    ("punctuation", "Hello, world!", ["hello world"]),
    ("articles", "the cat", ["A cat", "dog"]),
    ("partial overlap", "cat sat", ["the cat sat on the mat", "dog"]),
    ("unicode quotes stay", "\u201cBerlin\u201d", ["Berlin"]),
    ("ascii quotes go", "\"Berlin\"", ["Berlin"]),
    ("trailing period", "Berlin.", ["berlin"]),
    ("case", "BERLIN", ["berlin"]),
    ("empty prediction", "", ["Berlin"]),
    ("whitespace prediction", " \t", ["Berlin"]),
    ("unanswerable, empty prediction", "", []),
    ("unanswerable, prediction", "Berlin", []),
    ("gold is only an article, empty prediction", "", ["the"]),
    ("gold is only an article, article prediction", "a", ["the"]),
    ("gold is only an article, prediction", "cat", ["The"]),
    ("gold is punctuation", "", [".", "!!"]),
    ("one gold empties, another not", "dog", ["the", "a dog"]),
    ("both only articles", "the", ["a"]),
    ("repeated tokens", "cat cat cat", ["cat"]),
    ("repeated tokens both sides", "the cat cat dog", ["cat cat cat dog dog"]),
    ("whitespace runs", "new  york\t", ["New York"]),
    ("python whitespace U+001C", "new\x1cyork", ["new york"]),
    ("python whitespace U+0085", "new\x85york", ["new york"]),
    ("zero width space is not whitespace", "new\u200byork", ["new york"]),
    ("no-break space", "new\u00a0york", ["new york"]),
    ("decomposed vs precomposed", "Cafe\u0301", ["Caf\u00e9"]),
    ("decomposed token overlap", "Cafe\u0301 noir", ["Caf\u00e9 noir"]),
    ("final sigma", "\u039f\u0394\u039f\u03a3", ["\u03bf\u03b4\u03bf\u03c2"]),
    ("non-final sigma", "\u039f\u0394\u039f\u03a3", ["\u03bf\u03b4\u03bf\u03c3"]),
    ("dotted capital I", "\u0130", ["i\u0307"]),
    ("sharp s is not ss", "stra\u00dfe", ["STRASSE"]),
    ("several gold answers", "Paris", ["London", "paris", "PARIS!"]),
    ("several gold answers, best f1", "the river thames", ["thames", "river", "the river"]),
    ("gold duplicates", "Paris", ["Paris", "Paris"]),
    ("em dash keeps tokens apart", "1914\u20131918", ["1914 1918"]),
    ("hyphen joins tokens", "1914-1918", ["19141918"]),
    ("article after combining mark", "a\u0301", ["\u0301"]),
    ("article next to digit", "the2", ["2"]),
    ("cjk", "\u65e5\u672c", ["\u65e5\u672c\u3002"]),
    ("fullwidth punctuation", "\uff01yes", ["yes"]),
    ("long answer", "in the year 1066 at the battle of hastings",
     ["1066", "the battle of hastings in 1066"]),
    ("apostrophes", "Don't stop", ["dont stop"]),
    ("curly apostrophe", "Don\u2019t stop", ["dont stop"]),
    ("numbers", "$1,000.50", ["100050"]),
    ("emoji", "\U0001f642 smile", ["smile"]),
]


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def fetch_reference(directory):
    """The two official scripts from datasets' sdist, downloaded with pip when missing."""
    os.makedirs(directory, exist_ok=True)
    sdist = os.path.join(directory, SDIST)
    if not os.path.exists(sdist):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "datasets==1.18.4", "-d", directory],
            check=True, stdout=subprocess.DEVNULL)
    if fc.sha256_file(sdist) != SDIST_SHA256:
        fc.fail(f"{sdist}: sha256 differs from {SDIST_SHA256}")
    paths, hashes = {}, {}
    with tarfile.open(sdist) as tar:
        for key, member in SCRIPTS.items():
            data = tar.extractfile(member).read()
            path = os.path.join(directory, key + "_evaluate.py")
            with open(path, "wb") as f:
                f.write(data)
            paths[key], hashes[key] = path, sha256_bytes(data)
    return paths, hashes


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_v1(script, questions, tmp):
    """evaluate-v1.1 as a program: dataset file (version 1.1) and prediction file."""
    data = {"version": "1.1", "data": [{"title": "t", "paragraphs": [{"context": "", "qas": [
        {"id": q["id"], "question": "", "answers": [{"text": t, "answer_start": 0} for t in q["answers"]]}
        for q in questions]}]}]}
    data_file, pred_file = os.path.join(tmp, "v1_data.json"), os.path.join(tmp, "v1_pred.json")
    with open(data_file, "w", encoding="utf-8") as f:
        json.dump(data, f)
    with open(pred_file, "w", encoding="utf-8") as f:
        json.dump({q["id"]: q["prediction"] for q in questions}, f)
    out = subprocess.run([sys.executable, script, data_file, pred_file], check=True,
                         capture_output=True, text=True)
    if out.stderr.strip():
        fc.fail("evaluate-v1.1 complained: " + out.stderr.strip())
    return json.loads(out.stdout)


def run_v2(script, questions, na_probs, threshold, tmp):
    """evaluate-v2.0 as a program, with --na-prob-file when na_probs is given."""
    data = {"version": "v2.0", "data": [{"title": "t", "paragraphs": [{"context": "", "qas": [
        {"id": q["id"], "question": "", "answers": {"text": q["answers"], "answer_start": [0] * len(q["answers"])}}
        for q in questions]}]}]}
    files = {name: os.path.join(tmp, f"v2_{name}.json") for name in ("data", "pred", "na", "out")}
    with open(files["data"], "w", encoding="utf-8") as f:
        json.dump(data, f)
    with open(files["pred"], "w", encoding="utf-8") as f:
        json.dump({q["id"]: q["prediction"] for q in questions}, f)
    command = [sys.executable, script, files["data"], files["pred"], "--out-file", files["out"],
               "--na-prob-thresh", repr(threshold)]
    if na_probs is not None:
        with open(files["na"], "w", encoding="utf-8") as f:
            json.dump({q["id"]: p for q, p in zip(questions, na_probs)}, f)
        command += ["--na-prob-file", files["na"]]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    if out.stdout.strip() or out.stderr.strip():
        fc.fail("evaluate-v2.0 printed: " + (out.stdout + out.stderr).strip())
    with open(files["out"], encoding="utf-8") as f:
        return json.load(f)


WORDS = ["the", "a", "an", "The", "cat", "Cat", "dog", "sat", "mat", "Paris", "paris,", "river",
         "Thames.", "1066", "new", "york", "(old)", "\u201cquoted\u201d", "caf\u00e9", "it's",
         "\u2014", "x", "an-apple", "THE"]


def random_text(rng, max_words):
    return rng.choice([" ", "  ", "\t"]).join(rng.choice(WORDS) for _ in range(rng.randint(0, max_words)))


def random_questions(rng, count, unanswerable_share):
    questions = []
    for i in range(count):
        if rng.random() < unanswerable_share:
            answers = []
        else:
            answers = [random_text(rng, 5) for _ in range(rng.randint(1, 3))]
        if answers and rng.random() < 0.4:
            prediction = rng.choice(answers)  # often an exact or near-exact answer
            if rng.random() < 0.5:
                prediction = prediction.upper() + rng.choice(["", ".", "!", " the"])
        else:
            prediction = random_text(rng, 4) if rng.random() < 0.8 else ""
        questions.append({"id": f"q{i}", "answers": answers, "prediction": prediction})
    return questions


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference-dir",
                        default=os.path.join(tempfile.gettempdir(), "swift-bert-squad-reference"))
    args = parser.parse_args()
    paths, hashes = fetch_reference(args.reference_dir)
    v1 = load_module("squad_v1_official", paths["v1"])
    v2 = load_module("squad_v2_official", paths["v2"])
    rng = random.Random(SEED)

    normalization = [
        {"text": s, "v1": v1.normalize_answer(s), "v2": v2.normalize_answer(s), "tokens": v2.get_tokens(s)}
        for s in NORMALIZE
    ]
    for item in normalization:
        assert item["v1"] == item["v2"], item["text"]  # the two copies normalise alike

    pairs = []
    for name, prediction, gold in PAIRS:
        item = {"name": name, "prediction": prediction, "answers": gold}
        if gold:  # evaluate-v1.1 takes max() over the gold answers: none is an error there
            item["v1_exact_match"] = int(v1.metric_max_over_ground_truths(v1.exact_match_score, prediction, gold))
            item["v1_f1"] = float(v1.metric_max_over_ground_truths(v1.f1_score, prediction, gold))
        # get_raw_scores' gold list, then max over it.
        kept = [t for t in gold if v2.normalize_answer(t)] or [""]
        item["v2_exact"] = int(max(v2.compute_exact(a, prediction) for a in kept))
        item["v2_f1"] = float(max(v2.compute_f1(a, prediction) for a in kept))
        pairs.append(item)

    hard = [{"id": f"h{i}", "answers": g, "prediction": p} for i, (_, p, g) in enumerate(PAIRS)]
    v1_sets = [("hard pairs with answers", [q for q in hard if q["answers"]])]
    for i in range(12):
        v1_sets.append((f"random {i}", random_questions(rng, rng.randint(1, 30), 0.0)))

    # na_probs: some hand-made with ties (sorted() is stable, so ties keep the file's order,
    # which decides best_exact/best_f1), some random; thresholds default 1.0 and others.
    tie_probs = [round(0.1 * (i % 4), 1) for i in range(len(hard))]
    v2_sets = [
        ("hard pairs", hard, None, 1.0),
        ("hard pairs, na_probs with ties", hard, tie_probs, 1.0),
        ("hard pairs, na_probs with ties, threshold 0.15", hard, tie_probs, 0.15),
        ("hard pairs, na_probs all equal", hard, [0.5] * len(hard), 1.0),
        ("hard pairs, na_probs all equal, threshold 0.4", hard, [0.5] * len(hard), 0.4),
        ("only answerable", [q for q in hard if q["answers"]], None, 1.0),
        ("only unanswerable", [q for q in hard if not q["answers"]], [0.9, 0.1], 1.0),
        ("only unanswerable, no na_probs", [q for q in hard if not q["answers"]], None, 1.0),
    ]
    for i in range(16):
        questions = random_questions(rng, rng.randint(1, 30), rng.choice([0.0, 0.3, 0.6, 1.0]))
        kind = i % 4
        if kind == 0:
            probs = None
        elif kind == 1:
            probs = [rng.random() for _ in questions]
        else:
            probs = [rng.choice([0.0, 0.25, 0.5, 0.75, 1.0]) for _ in questions]
        threshold = 1.0 if kind < 3 else rng.choice([0.3, 0.5, 0.8])
        v2_sets.append((f"random {i}", questions, probs, threshold))

    with tempfile.TemporaryDirectory() as tmp:
        v1_out = [{"name": name, "questions": qs, "result": run_v1(paths["v1"], qs, tmp)}
                  for name, qs in v1_sets]
        v2_out = []
        for name, qs, probs, threshold in v2_sets:
            dataset = [{"paragraphs": [{"qas": [{"id": q["id"], "answers": {"text": q["answers"]}} for q in qs]}]}]
            exact_raw, f1_raw = v2.get_raw_scores(dataset, {q["id"]: q["prediction"] for q in qs})
            questions = [dict(q, exact=int(exact_raw[q["id"]]), f1=float(f1_raw[q["id"]])) for q in qs]
            if probs is not None:
                for q, p in zip(questions, probs):
                    q["na_prob"] = p
            v2_out.append({"name": name, "na_prob_thresh": threshold, "has_na_probs": probs is not None,
                           "questions": questions, "result": run_v2(paths["v2"], qs, probs, threshold, tmp)})

    meta = fc.header(
        __file__, "squad_hard_cases", seed=SEED,
        reference={"sdist": SDIST, "sdist_sha256": SDIST_SHA256,
                   "v1": {"file": SCRIPTS["v1"], "sha256": hashes["v1"]},
                   "v2": {"file": SCRIPTS["v2"], "sha256": hashes["v2"]}})
    doc = {"meta": meta, "normalization": normalization, "pairs": pairs, "v1": v1_out, "v2": v2_out}
    fc.ensure_dir(os.path.dirname(OUT))
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=True, allow_nan=False, indent=None)
        f.write("\n")
    with open(OUT, encoding="utf-8") as f:
        back = json.load(f)
    assert back == json.loads(json.dumps(doc)), "read-back mismatch"
    best = sum(1 for s in v2_out if "best_exact" in s["result"])
    print(f"wrote {fc.rel(OUT)}: {len(normalization)} strings, {len(pairs)} pairs, "
          f"{len(v1_out)} v1 sets, {len(v2_out)} v2 sets ({best} with na_probs)")


if __name__ == "__main__":
    main()
