"""Multi-label and regression metrics from scikit-learn and SciPy.

Writes Tests/Fixtures/metrics/multilabel_regression.json:
- "multilabel": random and hand-picked 0/1 indicator matrices with
  sklearn.metrics.f1_score(average="micro"/"macro") (default zero_division) and
  accuracy_score (subset accuracy).
- "regression": random and hand-picked float64 vectors (ties, constants, two values, NaN)
  with sklearn.metrics.mean_squared_error, scipy.stats.pearsonr(...).statistic and
  scipy.stats.spearmanr(...).statistic. NaN is written as null.

    /work/venv/bin/python Tools/reference/make_sklearn_metric_fixtures.py   # ~3 s
"""

import json
import math
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import sklearn  # noqa: E402
from scipy import stats  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error  # noqa: E402

SEED = 20240613
OUT = os.path.join(fc.FIXTURES, "metrics", "multilabel_regression.json")

MULTILABEL_HAND_PICKED = [
    ("perfect", [[1, 0, 1], [0, 1, 0]], [[1, 0, 1], [0, 1, 0]]),
    ("a label nobody has or predicts", [[1, 0, 0], [1, 1, 0]], [[1, 0, 0], [0, 1, 0]]),
    ("nothing predicted", [[1, 0], [0, 1]], [[0, 0], [0, 0]]),
    ("nothing true or predicted", [[0, 0], [0, 0]], [[0, 0], [0, 0]]),
    ("all wrong", [[1, 0], [0, 1]], [[0, 1], [1, 0]]),
    ("one example", [[1, 0]], [[1, 1]]),
]

REGRESSION_HAND_PICKED = [
    ("ties in both", [1, 2, 2, 3, 3, 3, 4], [0.5, 0.5, 1.5, 1.5, 2.5, 3.0, 3.0]),
    ("two values", [1.0, 2.0], [3.0, -1.0]),
    ("two values same order", [0.1, 0.2], [5.0, 7.0]),
    ("constant labels", [1.0, 2.0, 3.0], [2.0, 2.0, 2.0]),
    ("constant predictions", [4.0, 4.0, 4.0, 4.0], [1.0, 2.0, 3.0, 5.0]),
    ("a NaN", [1.0, float("nan"), 3.0], [1.0, 2.0, 3.0]),
    ("perfect", [0.0, 1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 2.0, 3.0, 4.0]),
    ("reversed", [0.0, 1.0, 2.0, 3.0], [3.0, 2.0, 1.0, 0.0]),
    ("monotone but not linear", [1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 4.0, 9.0, 16.0, 1000.0]),
    ("large offset", [1e9 + 1, 1e9 + 2, 1e9 + 4], [3.0, 1.0, 2.0]),
    ("STS-B like", [4.8, 0.2, 3.1, 2.5, 5.0, 1.0], [5.0, 0.0, 3.2, 2.0, 4.6, 1.4]),
]


def number(x):
    x = float(x)
    return None if math.isnan(x) else x


def multilabel_case(name, y_true, y_pred):
    t = np.array(y_true, dtype=np.int64)
    p = np.array(y_pred, dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "name": name, "y_true": y_true, "y_pred": y_pred,
            "f1_micro": number(f1_score(t, p, average="micro")),
            "f1_macro": number(f1_score(t, p, average="macro")),
            "subset_accuracy": number(accuracy_score(t, p)),
        }


def regression_case(name, y_pred, y_true):
    p = np.array(y_pred, dtype=np.float64)
    t = np.array(y_true, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mse = mean_squared_error(t, p) if not np.isnan(p).any() else float("nan")
        return {
            "name": name, "predictions": [number(v) for v in y_pred], "labels": [number(v) for v in y_true],
            "mse": number(mse),
            "pearson": number(stats.pearsonr(p, t).statistic),
            "spearman": number(stats.spearmanr(p, t).statistic),
            "ranks_predictions": None if np.isnan(p).any() else stats.rankdata(p, method="average").tolist(),
        }


def main():
    rng = np.random.default_rng(SEED)
    multilabel = [multilabel_case(*c) for c in MULTILABEL_HAND_PICKED]
    for i in range(40):
        # At least two labels: sklearn reads an n×1 0/1 matrix as binary targets (its
        # "micro" F1 then pools classes 0 and 1), not as an indicator matrix.
        n, k = int(rng.integers(1, 30)), int(rng.integers(2, 8))
        density = float(rng.uniform(0.05, 0.7))
        t = (rng.random((n, k)) < density).astype(int)
        flip = float(rng.choice([0.0, 0.1, 0.3, 0.6]))
        p = np.where(rng.random((n, k)) < flip, 1 - t, t)
        multilabel.append(multilabel_case(f"random {i}", t.tolist(), p.tolist()))
    regression = [regression_case(*c) for c in REGRESSION_HAND_PICKED]
    for i in range(40):
        n = int(rng.integers(3, 60))
        t = rng.uniform(0, 5, n)
        p = t + rng.normal(0, float(rng.choice([0.1, 1.0, 3.0])), n)
        if i % 4 == 0:  # STS-B scores rounded to 0.2 steps: many ties
            t = np.round(t * 5) / 5
            p = np.round(p * 5) / 5
        regression.append(regression_case(f"random {i}", p.tolist(), t.tolist()))
    meta = fc.header(__file__, "multilabel_regression", seed=SEED, sklearn=sklearn.__version__, scipy=scipy.__version__)
    fc.ensure_dir(os.path.dirname(OUT))
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "multilabel": multilabel, "regression": regression}, f, allow_nan=False)
        f.write("\n")
    with open(OUT, encoding="utf-8") as f:
        back = json.load(f)
    assert back["multilabel"] == multilabel and back["regression"] == regression, "read-back mismatch"
    print(f"wrote {fc.rel(OUT)}: {len(multilabel)} multi-label, {len(regression)} regression cases")


if __name__ == "__main__":
    main()
