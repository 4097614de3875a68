"""Entity-level metrics from seqeval on random and hand-picked tag sequences.

Writes Tests/Fixtures/metrics/seqeval.json: for each case, y_true and y_pred (lists of
sentences of tags) and seqeval's default-mode (conlleval-like, non-strict) outputs:
get_entities on the nested lists, precision/recall/f1 (micro), accuracy_score and
classification_report(output_dict=True). NaN (the macro average of no entity types) is
written as null.

    /work/venv/bin/python Tools/reference/make_seqeval_fixtures.py   # ~5 s; needs seqeval
"""

import json
import math
import os
import random
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402

import seqeval  # noqa: E402
from seqeval.metrics import (  # noqa: E402
    accuracy_score,
    classification_report,
    f1_score,
    precision_score,
    recall_score,
)
from seqeval.metrics.sequence_labeling import get_entities  # noqa: E402

SEED = 20240611
OUT = os.path.join(fc.FIXTURES, "metrics", "seqeval.json")
TYPES = ["PER", "LOC", "ORG", "MISC"]
SCHEMES = {
    "IOB2": ["B", "I"],
    "IOB1": ["B", "I"],
    "IOBES": ["B", "I", "E", "S"],
}

# Hand-picked: I- without B-, type changes inside a chunk, bare prefixes, tags without a
# prefix, "O"-only sentences, E/S chunks, and tags that seqeval's parser reads oddly.
HAND_PICKED = [
    ("I without B starts a chunk", [["I-PER", "I-PER", "O", "I-LOC"]], [["B-PER", "I-PER", "O", "B-LOC"]]),
    ("type change inside a chunk", [["B-PER", "I-LOC", "I-LOC", "O"]], [["B-PER", "I-PER", "I-LOC", "O"]]),
    ("B after I ends the chunk", [["B-PER", "I-PER", "B-PER", "I-PER"]], [["B-PER", "I-PER", "I-PER", "I-PER"]]),
    ("all O", [["O", "O", "O"]], [["O", "O", "O"]]),
    ("no entities predicted", [["B-PER", "O"], ["B-LOC"]], [["O", "O"], ["O"]]),
    ("no entities true", [["O", "O"], ["O"]], [["B-PER", "O"], ["I-LOC"]]),
    ("bare prefixes", [["B", "I", "O", "I", "S", "E"]], [["B", "I", "O", "B", "S", "E"]]),
    ("tags without a prefix", [["PER", "PER", "O", "LOC"]], [["PER", "O", "O", "LOC"]]),
    ("IOBES singles and ends", [["S-PER", "B-LOC", "E-LOC", "S-LOC", "E-LOC"]], [["S-PER", "B-LOC", "I-LOC", "E-LOC", "S-LOC"]]),
    ("E and I after E start chunks", [["B-PER", "E-PER", "E-PER", "I-PER", "E-PER"]], [["B-PER", "E-PER", "I-PER", "E-PER", "O"]]),
    ("S then I", [["S-ORG", "I-ORG", "O"]], [["S-ORG", "E-ORG", "O"]]),
    ("chunk runs to the end of a sentence", [["O", "B-PER"], ["I-PER", "O"]], [["O", "B-PER"], ["B-PER", "O"]]),
    ("hyphenated and odd types", [["B-A-B", "I-A-B", "B-", "I-", "BX-Y"]], [["B-A-B", "I-A", "B-", "O", "BX-Y"]]),
    ("dot tags", [[".", "B-PER", ".", "I-PER"]], [[".", "B-PER", "I-PER", "I-PER"]]),
    ("lower-case and unicode types", [["B-per", "I-per", "B-Ort", "I-Ort"]], [["B-per", "I-PER", "B-Ort", "I-Ort"]]),
    ("empty sentences", [[], ["B-PER"], []], [[], ["B-PER"], []]),
    ("doc example", [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]],
     [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]),
]


def alphabet(scheme, types):
    return ["O"] + [f"{p}-{t}" for p in SCHEMES[scheme] for t in types]


def random_case(rng, scheme):
    types = TYPES[: rng.randint(1, len(TYPES))]
    tags = alphabet(scheme, types)
    # Weight "O" so that entities are neither everywhere nor absent.
    weights = [rng.uniform(1, 6)] + [1.0] * (len(tags) - 1)
    lengths = [rng.randint(0, 12) for _ in range(rng.randint(1, 6))]
    y_true = [rng.choices(tags, weights, k=n) for n in lengths]
    noise = rng.choice([0.0, 0.1, 0.3, 0.7, 1.0])
    y_pred = [[rng.choices(tags, weights)[0] if rng.random() < noise else t for t in s] for s in y_true]
    return y_true, y_pred


def number(x):
    x = float(x)
    return None if math.isnan(x) else x


def outputs(y_true, y_pred):
    with warnings.catch_warnings():
        # seqeval warns for undefined metrics (set to 0), non-NE tags and empty means.
        warnings.simplefilter("ignore")
        entities = get_entities(y_true)
        has_tokens = sum(map(len, y_true)) > 0
        report = classification_report(y_true, y_pred, output_dict=True)
        result = {
            "entities_true": [[t, s, e] for t, s, e in entities],
            "entities_pred": [[t, s, e] for t, s, e in get_entities(y_pred)],
            "precision": number(precision_score(y_true, y_pred)),
            "recall": number(recall_score(y_true, y_pred)),
            "f1": number(f1_score(y_true, y_pred)),
            "accuracy": number(accuracy_score(y_true, y_pred)) if has_tokens else None,
            "report": {
                name: {
                    "precision": number(row["precision"]),
                    "recall": number(row["recall"]),
                    "f1": number(row["f1-score"]),
                    "support": int(row["support"]),
                }
                for name, row in report.items()
            },
        }
    return result


def main():
    rng = random.Random(SEED)
    cases = []
    for name, y_true, y_pred in HAND_PICKED:
        cases.append({"name": name, "scheme": "hand-picked", "y_true": y_true, "y_pred": y_pred})
    for scheme in SCHEMES:
        for i in range(60):
            y_true, y_pred = random_case(rng, scheme)
            cases.append({"name": f"{scheme} random {i}", "scheme": scheme, "y_true": y_true, "y_pred": y_pred})
    for case in cases:
        case.update(outputs(case["y_true"], case["y_pred"]))
    meta = fc.header(__file__, "seqeval", seed=SEED, seqeval=seqeval.__version__ if hasattr(seqeval, "__version__") else "1.2.2")
    fc.ensure_dir(os.path.dirname(OUT))
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "cases": cases}, f, ensure_ascii=False, indent=None, allow_nan=False)
        f.write("\n")
    # Read back.
    with open(OUT, encoding="utf-8") as f:
        back = json.load(f)
    assert back["cases"] == json.loads(json.dumps(cases)), "read-back mismatch"
    nan_macro = sum(1 for c in cases if c["report"].get("macro avg", {}).get("f1", 0) is None)
    print(f"wrote {fc.rel(OUT)}: {len(cases)} cases ({nan_macro} with a NaN macro average)")


if __name__ == "__main__":
    main()
