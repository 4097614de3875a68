"""Extractive question answering: a tiny QA model, transformers' QA pipeline on it, and
run_qa's post-processing (utils_qa.postprocess_qa_predictions) on its logits.

transformers 5 dropped the question-answering pipeline, so this script runs under
transformers 4.57.6 (the last 4.x, whose wheel ships transformers/pipelines/question_answering.py):
started with the venv's 5.x, it installs 4.57.6 and the tokenizers/huggingface_hub versions
it pins into --tf4-dir with `pip install --no-deps --target` (once) and re-runs itself with
that folder first on PYTHONPATH; torch, numpy and safetensors stay the venv's.

1. Tests/Fixtures/tiny-bert-qa/: torch.manual_seed(SEED), then
   BertForQuestionAnswering.from_pretrained(tiny-bert, num_labels=2,
   ignore_mismatched_sizes=True) as a user would (tiny-bert's classifier and pooler are
   dropped, qa_outputs is new, N(0, 0.02²)); config.json from save_pretrained, model.safetensors
   from our byte-stable writer (the same tensors), tokenizer files copied from tiny-bert.

2. Tests/Fixtures/metrics/qa_pipeline.json: pipeline("question-answering", model=folder) on
   question/context pairs (some long enough for several windows: tiny-bert's
   model_max_length 64 makes the defaults max_seq_len = min(64, 384) = 64 and doc_stride =
   min(64 // 2, 128) = 32). Per pair: every window as the pipeline's preprocess tokenizes it
   (input ids, code-point offsets, sequence ids, word ids) with the start/end logits its
   forward gave (captured by a hook on the model), and the pipeline's answers {score, start,
   end, answer} for several parameter sets (defaults top_k 1, max_answer_len 15,
   handle_impossible_answer False, align_to_words True, and variations). Each answer set is
   checked to be stable when every logit moves by up to 1e-5, so that a decoder computing
   in double precision (or float32 with another exp) must give the same spans; top_k > 1 is
   kept only where every window has at least top_k * 2 + 10 spans of non-zero probability
   (below that the pipeline pads its candidates with zero-probability spans in NumPy's
   argpartition order).

3. Tests/Fixtures/metrics/qa_postprocess.json: run_qa.py's evaluation path on SQuAD-like
   examples: prepare_validation_features (question lstrip, truncation="only_second",
   max_length 64, stride 16, return_overflowing_tokens, padding="max_length", offsets None
   outside the context), the model's logits per feature, and postprocess_qa_predictions under
   several option sets (version_2_with_negative, n_best_size, max_answer_length,
   null_score_diff_threshold), plus hand-made features with seeded random logits for the
   edge cases (no context token: the "empty" fallback; the null answer dropped from the
   n-best and appended again; the null answer winning; the minimum null score over several
   features; logits longer than the offsets; an empty-text span). No PyPI artifact ships
   utils_qa.py (it lives in transformers' examples/pytorch/question-answering, not in the
   wheel or sdist), so `postprocess_qa_predictions` below restates it from that file
   (its current form, with the `len(offset_mapping[i]) < 2` guards), step by step and in
   NumPy float32 as it runs.

Last, the venv's transformers 5 (in a subprocess, without the 4.57.6 folder) is checked to
tokenize the same windows (ids, offsets, sequence and word ids) and to give bit-identical
logits from tiny-bert-qa/.

    /work/venv/bin/python Tools/reference/make_qa_fixtures.py   # ~30 s (+ a one-time install)
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

TF4 = ["transformers==4.57.6", "tokenizers==0.22.1", "huggingface_hub==0.36.0", "requests",
       "urllib3", "idna", "charset_normalizer", "certifi", "fsspec"]
DEFAULT_TF4_DIR = os.path.join(tempfile.gettempdir(), "swift-bert-transformers-4.57.6")


def ensure_transformers_4(tf4_dir):
    """Re-run this script under transformers 4.57.6 unless it already is."""
    import transformers

    if transformers.__version__ == "4.57.6":
        return
    if os.environ.get("SWIFT_BERT_TF4_REEXEC"):
        raise SystemExit(f"error: still transformers {transformers.__version__} after re-running")
    if not os.path.exists(os.path.join(tf4_dir, "transformers", "__init__.py")):
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                        tf4_dir] + TF4, check=True)
    env = dict(os.environ, SWIFT_BERT_TF4_REEXEC="1",
               PYTHONPATH=tf4_dir + os.pathsep + os.environ.get("PYTHONPATH", ""))
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


SEED = 20240621
LOGIT_NOISE = 1e-5

PIPELINE_CASES = [
    ("Where do I live?", "My name is Wolfgang and I live in Berlin."),
    ("What is the name of the repository?",
     "The name of the repository is huggingface/transformers, and it is popular."),
    ("Who wrote the book?", "The book was written by Jane Austen in 1813, in England."),
    ("What did the sailors ride?", "The sailors rode the breeze clear of the rocks."),
    ("what?", "x"),
    ("Who?", "Anna"),
    ("Yes or no?", "yes no"),
    ("Which city?", "Berlin or berlin? BERLIN!"),
    ("Who visited?", "Dr. Jean-Pierre O'Neill visited São Paulo & Rio de Janeiro!"),
    ("Where is the café?", "The Café Müller is in Zürich, near the lake."),
    ("What is here?", "日本 東京 and Kyoto are cities; 🍕 is food."),
    ("Is it literal?", "[UNK] is literal text here, beside Prague."),
    ("How long?", "Tabs\tand  double  spaces between Rome and Milan."),
    ("When did it happen?",
     "The battle of Hastings was fought on 14 October 1066 between the Norman-French army of "
     "William, the Duke of Normandy, and an English army under the Anglo-Saxon King Harold "
     "Godwinson, beginning the Norman Conquest of England. It took place approximately 7 mi "
     "northwest of Hastings, close to the present-day town of Battle, East Sussex, and was a "
     "decisive Norman victory."),
    ("Who founded the company?",
     "The company was founded in a small garage. Many years later, people still ask who "
     "founded the company, and the answer is always the same: two friends founded the "
     "company together, and the company grew. The garage is now a museum, and the museum "
     "tells visitors that the friends founded the company in the garage in the spring."),
    ("What colour is the sky?",
     "Colours: the sky is blue; the grass is green; the sun is yellow; the night is black; "
     "the snow is white; the sea is blue; the rose is red; the leaf is green; the sky at "
     "dusk is orange; the sky at night is dark blue; the cloud is grey; the sky is blue "
     "again in the morning, as the sky always is when the sun is out."),
    ("Which river?",
     "Rivers of Europe include the Danube, the Rhine, the Elbe, the Loire, the Seine, the "
     "Thames, the Po, the Tagus, the Vistula, the Oder, the Dnieper, the Don and the Volga, "
     "the longest. The Rhine flows through six countries; the Danube through ten. The "
     "Thames flows through London; the Seine through Paris; the Vistula through Warsaw."),
    ("What are the numbers?", "Numbers like 3.14 and 1,000,000 sit next to London; so does 42."),
    ("Who is there?", "Who's there? It's Anna, she's from Oslo and they're from Bergen."),
    ("Why?", "Because. Because! Because? Because, because, because: because; because."),
    ("What is long?",
     "A very longwordthatbreaksintomanywordpieces near Madrid, and "
     "anotherextremelylongwordwithoutanyspacesatall beside Lisbon, then short words."),
    ("Where are the mountains?",
     "The Alps are in Europe. The Andes are in South America. The Himalayas are in Asia. "
     "The Rockies are in North America. The Atlas mountains are in Africa. The Urals divide "
     "Europe and Asia. The Alps include Mont Blanc; the Andes include Aconcagua; the "
     "Himalayas include Everest; the Rockies include Mount Elbert; the Atlas include Toubkal."),
]

# Pipeline parameter sets: the defaults first.
PIPELINE_PARAMETERS = [
    {},
    {"top_k": 3},
    {"handle_impossible_answer": True},
    {"max_answer_len": 3},
    {"align_to_words": False},
    {"top_k": 2, "max_answer_len": 5, "handle_impossible_answer": True},
    {"top_k": 6, "handle_impossible_answer": True},
]

EVAL_EXAMPLES = [
    ("e0", "Where do I live?", "My name is Wolfgang and I live in Berlin.", ["Berlin"]),
    ("e1", "  Who wrote the book?", "The book was written by Jane Austen in 1813, in England.",
     ["Jane Austen"]),
    ("e2", "What did the sailors ride?", "The sailors rode the breeze clear of the rocks.",
     ["the breeze"]),
    ("e3", "what?", "x", []),
    ("e4", "Which city?", "Berlin or berlin? BERLIN!", ["Berlin"]),
    ("e5", "Where is the café?", "The Café Müller is in Zürich, near the lake.", ["Zürich"]),
    ("e6", "What is here?", "日本 東京 and Kyoto are cities; 🍕 is food.", ["Kyoto"]),
]


def long_eval_examples():
    return [("e7", q, c, []) for q, c in PIPELINE_CASES[13:18]]


def postprocess_qa_predictions(examples, features, all_start_logits, all_end_logits,
                               version_2_with_negative=False, n_best_size=20,
                               max_answer_length=30, null_score_diff_threshold=0.0):
    """utils_qa.postprocess_qa_predictions, restated (returns predictions, n-best, score diffs).

    `examples`: dicts with id and context; `features`: dicts with example_id and
    offset_mapping (None outside the context); logits: float32 arrays, one row per feature.
    """
    import numpy as np

    example_id_to_index = {k: i for i, k in enumerate(e["id"] for e in examples)}
    features_per_example = collections.defaultdict(list)
    for i, feature in enumerate(features):
        features_per_example[example_id_to_index[feature["example_id"]]].append(i)
    all_predictions, all_nbest, scores_diff = collections.OrderedDict(), collections.OrderedDict(), {}
    for example_index, example in enumerate(examples):
        min_null_prediction = None
        prelim_predictions = []
        for feature_index in features_per_example[example_index]:
            start_logits = all_start_logits[feature_index]
            end_logits = all_end_logits[feature_index]
            offset_mapping = features[feature_index]["offset_mapping"]
            # The null answer of a feature: its first token; the example keeps the minimum.
            feature_null_score = start_logits[0] + end_logits[0]
            if min_null_prediction is None or min_null_prediction["score"] > feature_null_score:
                min_null_prediction = {"offsets": (0, 0), "score": feature_null_score,
                                       "start_logit": start_logits[0], "end_logit": end_logits[0]}
            # The n_best_size largest start and end logits, largest first.
            start_indexes = np.argsort(start_logits)[-1: -n_best_size - 1: -1].tolist()
            end_indexes = np.argsort(end_logits)[-1: -n_best_size - 1: -1].tolist()
            for start_index in start_indexes:
                for end_index in end_indexes:
                    if (start_index >= len(offset_mapping) or end_index >= len(offset_mapping)
                            or offset_mapping[start_index] is None
                            or len(offset_mapping[start_index]) < 2
                            or offset_mapping[end_index] is None
                            or len(offset_mapping[end_index]) < 2):
                        continue
                    if end_index < start_index or end_index - start_index + 1 > max_answer_length:
                        continue
                    # (token_is_max_context: run_qa's features have none.)
                    prelim_predictions.append({
                        "offsets": (offset_mapping[start_index][0], offset_mapping[end_index][1]),
                        "score": start_logits[start_index] + end_logits[end_index],
                        "start_logit": start_logits[start_index],
                        "end_logit": end_logits[end_index],
                    })
        if version_2_with_negative and min_null_prediction is not None:
            prelim_predictions.append(min_null_prediction)
            null_score = min_null_prediction["score"]
        predictions = sorted(prelim_predictions, key=lambda x: x["score"], reverse=True)[:n_best_size]
        if (version_2_with_negative and min_null_prediction is not None
                and not any(p["offsets"] == (0, 0) for p in predictions)):
            predictions.append(min_null_prediction)
        context = example["context"]
        for pred in predictions:
            offsets = pred.pop("offsets")
            pred["text"] = context[offsets[0]: offsets[1]]
        if len(predictions) == 0 or (len(predictions) == 1 and predictions[0]["text"] == ""):
            predictions.insert(0, {"text": "empty", "start_logit": 0.0, "end_logit": 0.0, "score": 0.0})
        scores = np.array([pred.pop("score") for pred in predictions])
        exp_scores = np.exp(scores - np.max(scores))
        probs = exp_scores / exp_scores.sum()
        for prob, pred in zip(probs, predictions):
            pred["probability"] = prob
        if not version_2_with_negative:
            all_predictions[example["id"]] = predictions[0]["text"]
        else:
            i = 0
            while predictions[i]["text"] == "":
                i += 1
            best_non_null_pred = predictions[i]
            score_diff = null_score - best_non_null_pred["start_logit"] - best_non_null_pred["end_logit"]
            scores_diff[example["id"]] = float(score_diff)
            if score_diff > null_score_diff_threshold:
                all_predictions[example["id"]] = ""
            else:
                all_predictions[example["id"]] = best_non_null_pred["text"]
        all_nbest[example["id"]] = [
            {k: (float(v) if isinstance(v, (np.float16, np.float32, np.float64)) else v) for k, v in pred.items()}
            for pred in predictions]
    return all_predictions, all_nbest, scores_diff


def build_model(fc, tiny, folder):
    import torch
    from transformers import BertForQuestionAnswering

    torch.manual_seed(SEED)
    model = BertForQuestionAnswering.from_pretrained(tiny, num_labels=2, ignore_mismatched_sizes=True)
    model.eval()
    fc.ensure_dir(folder)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        shutil.copy(os.path.join(tmp, "config.json"), os.path.join(folder, "config.json"))
    fc.save_safetensors(dict(model.state_dict()), os.path.join(folder, "model.safetensors"), {"format": "pt"})
    for name in ["tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(os.path.join(tiny, name), os.path.join(folder, name))


def answers_list(result):
    items = result if isinstance(result, list) else [result]
    return [{"score": float(a["score"]), "start": int(a["start"]), "end": int(a["end"]), "answer": a["answer"]}
            for a in items]


def spans(answers):
    return [(a["start"], a["end"], a["answer"]) for a in answers]


def pipeline_fixture(fc, folder):
    import numpy as np
    import torch
    from transformers import pipeline
    from transformers.pipelines.question_answering import select_starts_ends

    qa = pipeline("question-answering", model=folder, device="cpu")
    tokenizer, model = qa.tokenizer, qa.model
    max_seq_len = min(tokenizer.model_max_length, 384)
    doc_stride = min(max_seq_len // 2, 128)
    captured = []
    hook = model.register_forward_hook(
        lambda module, args, kwargs, output: captured.append(
            (kwargs["input_ids"][0].tolist(), output.start_logits[0].detach().clone(),
             output.end_logits[0].detach().clone())),
        with_kwargs=True)
    rng = np.random.default_rng(SEED)
    cases = []
    for question, context in PIPELINE_CASES:
        encoded = tokenizer(question, context, padding="do_not_pad", truncation="only_second",
                            max_length=max_seq_len, stride=doc_stride, return_token_type_ids=True,
                            return_overflowing_tokens=True, return_offsets_mapping=True,
                            return_special_tokens_mask=True)
        captured.clear()
        default = answers_list(qa(question=question, context=context))
        assert len(captured) == len(encoded["input_ids"]), question
        windows = []
        for i, (ids, start, end) in enumerate(captured):
            assert ids == encoded["input_ids"][i], (question, i)
            windows.append({
                "input_ids": ids,
                "token_type_ids": encoded["token_type_ids"][i],
                "offsets": [list(o) for o in encoded["offset_mapping"][i]],
                "sequence_ids": encoded.sequence_ids(i),
                "word_ids": encoded.word_ids(i),
                "start_logits": [float(x) for x in start.numpy()],
                "end_logits": [float(x) for x in end.numpy()],
            })
        # The pipeline's own steps, to re-run its postprocess on perturbed logits.
        example = qa.create_sample(question=question, context=context)
        runs = []
        for params in PIPELINE_PARAMETERS:
            pre, fwd, post = qa._sanitize_parameters(**params)
            outputs = [qa.forward(item, **fwd) for item in qa.preprocess(example, **pre)]
            result = answers_list(qa.postprocess(outputs, **post))
            assert result == answers_list(qa(question=question, context=context, **params)), (question, params)
            top_k = post.get("top_k", 1)
            pre_topk = top_k * 2 + 10 if post.get("align_to_words", True) else top_k
            if top_k > 1:
                # Enough candidates of non-zero probability in every window?
                enough = True
                for out in outputs:
                    _, _, scores, _ = select_starts_ends(
                        out["start"], out["end"], out["p_mask"], out["attention_mask"].numpy(),
                        1000000, pre_topk, False, post.get("max_answer_len", 15))
                    enough &= bool(len(scores) == pre_topk and np.all(scores > 0))
                if not enough:
                    continue
            for _ in range(8):
                moved = []
                for out in outputs:
                    out = dict(out)
                    for key in ("start", "end"):
                        noise = rng.uniform(-LOGIT_NOISE, LOGIT_NOISE, size=tuple(out[key].shape))
                        out[key] = out[key] + torch.tensor(noise, dtype=torch.float32)
                    moved.append(out)
                again = answers_list(qa.postprocess(moved, **post))
                if spans(again) != spans(result):
                    fc.fail(f"{question!r} {params}: answers change when logits move by {LOGIT_NOISE}")
            runs.append({"parameters": params, "answers": result})
        assert runs[0]["answers"] == default
        cases.append({"question": question, "context": context, "windows": windows, "runs": runs})
    hook.remove()
    settings = {"max_seq_len": max_seq_len, "doc_stride": doc_stride, "cls_token_id": tokenizer.cls_token_id,
                "padding_side": tokenizer.padding_side}
    return cases, settings


def eval_features(tokenizer, model, examples, max_length, stride):
    """run_qa.prepare_validation_features, then the model on every feature."""
    import torch

    tokenized = tokenizer([q.lstrip() for _, q, _, _ in examples], [c for _, _, c, _ in examples],
                          truncation="only_second", max_length=max_length, stride=stride,
                          return_overflowing_tokens=True, return_offsets_mapping=True,
                          padding="max_length")
    mapping = tokenized["overflow_to_sample_mapping"]
    features = []
    for i in range(len(tokenized["input_ids"])):
        sequence_ids = tokenized.sequence_ids(i)
        features.append({
            "example_id": examples[mapping[i]][0],
            "example_index": mapping[i],
            "offset_mapping": [list(o) if sequence_ids[k] == 1 else None
                               for k, o in enumerate(tokenized["offset_mapping"][i])],
        })
    with torch.no_grad():
        out = model(input_ids=torch.tensor(tokenized["input_ids"]),
                    attention_mask=torch.tensor(tokenized["attention_mask"]),
                    token_type_ids=torch.tensor(tokenized["token_type_ids"]))
    return features, out.start_logits.numpy(), out.end_logits.numpy()


def synthetic_features(rng, base):
    """Hand-made features (offsets and seeded random logits) for the edge cases."""
    import numpy as np

    context = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu"
    words = [(context.index(w), context.index(w) + len(w)) for w in context.split()]

    def feature(example_index, length, context_from, null, spread=3.0, pad=0):
        start = rng.normal(0, spread, length).astype(np.float32)
        end = rng.normal(0, spread, length).astype(np.float32)
        start[0], end[0] = null
        offsets = [None] * context_from + [list(w) for w in words[: length - context_from]]
        offsets += [None] * (length - len(offsets))
        if pad:
            start = np.concatenate([start, np.full(pad, -100, np.float32)])
            end = np.concatenate([end, np.full(pad, -100, np.float32)])
        return {"example_index": base + example_index, "offset_mapping": offsets,
                "start": start, "end": end}

    examples = [
        ("s0", "no context token", context),
        ("s1", "null score very low", context),
        ("s2", "null score high", context),
        ("s3", "minimum null over three features", context),
        ("s4", "logits longer than offsets", context),
        ("s5", "an empty-text span", context),
    ]
    features = [
        dict(feature(0, 6, 6, (1.0, 2.0))),
        feature(1, 14, 2, (-40.0, -40.0)),
        feature(2, 14, 2, (6.0, 6.0)),
        feature(3, 12, 2, (1.5, 0.5)), feature(3, 12, 3, (-0.5, 0.25)), feature(3, 12, 2, (2.0, 2.0)),
        feature(4, 10, 2, (0.0, 0.5), pad=5),
    ]
    empty = feature(5, 8, 2, (-1.0, -1.0))
    empty["offset_mapping"][3] = [6, 6]  # a token that covers no text
    empty["start"][3] = 9.0
    empty["end"][3] = 9.0
    features.append(empty)
    return examples, features


EVAL_OPTIONS = [
    {"version_2_with_negative": False},
    {"version_2_with_negative": True},
    {"version_2_with_negative": True, "null_score_diff_threshold": 1.5},
    {"version_2_with_negative": True, "null_score_diff_threshold": -0.75},
    {"version_2_with_negative": False, "n_best_size": 5, "max_answer_length": 4},
    {"version_2_with_negative": True, "n_best_size": 3, "max_answer_length": 2},
]


def postprocess_fixture(fc, folder):
    import numpy as np
    from transformers import AutoTokenizer, BertForQuestionAnswering

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = BertForQuestionAnswering.from_pretrained(folder).eval()
    examples = EVAL_EXAMPLES + long_eval_examples()
    examples = [(f"e{i}", q, c, a) for i, (_, q, c, a) in enumerate(examples)]
    max_length, stride = 64, 16
    features, starts, ends = eval_features(tokenizer, model, examples, max_length, stride)
    rng = np.random.default_rng(SEED)
    synthetic_examples, synthetic = synthetic_features(rng, len(examples))
    all_examples = [{"id": i, "name": q, "question": q, "context": c} for i, q, c, _ in examples]
    all_examples += [{"id": i, "name": n, "question": "", "context": c} for i, n, c in synthetic_examples]
    rows_start, rows_end = [list(r) for r in starts], [list(r) for r in ends]
    for f in synthetic:
        features.append({"example_id": all_examples[f["example_index"]]["id"],
                         "example_index": f["example_index"], "offset_mapping": f["offset_mapping"]})
        rows_start.append(list(f["start"]))
        rows_end.append(list(f["end"]))
    runs = []
    for options in EVAL_OPTIONS:
        predictions, nbest, diffs = postprocess_qa_predictions(
            all_examples, features, [np.array(r, np.float32) for r in rows_start],
            [np.array(r, np.float32) for r in rows_end], **options)
        runs.append({"options": options, "examples": [
            {"prediction": predictions[e["id"]], "nbest": nbest[e["id"]],
             "score_diff": diffs.get(e["id"])} for e in all_examples]})
    doc_features = [{"example_index": f["example_index"], "offsets": f["offset_mapping"],
                     "start_logits": [float(x) for x in s], "end_logits": [float(x) for x in e]}
                    for f, s, e in zip(features, rows_start, rows_end)]
    settings = {"max_length": max_length, "stride": stride, "padding": "max_length"}
    return {"examples": [{"id": e["id"], "name": e["name"], "question": e["question"], "context": e["context"]}
                         for e in all_examples],
            "features": doc_features, "runs": runs}, settings


CHECK_UNDER_5 = """
import json, sys, torch
from transformers import AutoTokenizer, BertForQuestionAnswering
folder, fixture = sys.argv[1], sys.argv[2]
tokenizer = AutoTokenizer.from_pretrained(folder)
model = BertForQuestionAnswering.from_pretrained(folder).eval()
for case in json.load(open(fixture))["cases"]:
    enc = tokenizer(case["question"], case["context"], truncation="only_second", max_length=64, stride=32,
                    return_overflowing_tokens=True, return_offsets_mapping=True, return_token_type_ids=True)
    assert len(enc["input_ids"]) == len(case["windows"]), case["question"]
    for i, w in enumerate(case["windows"]):
        assert enc["input_ids"][i] == w["input_ids"] and enc.sequence_ids(i) == w["sequence_ids"]
        assert enc.word_ids(i) == w["word_ids"] and [list(o) for o in enc["offset_mapping"][i]] == w["offsets"]
        with torch.no_grad():
            out = model(input_ids=torch.tensor([w["input_ids"]]), token_type_ids=torch.tensor([w["token_type_ids"]]))
        assert out.start_logits[0].tolist() == w["start_logits"] and out.end_logits[0].tolist() == w["end_logits"]
import transformers
print("transformers", transformers.__version__, "gives the same windows and logits")
"""


def check_under_transformers_5(fc, folder, fixture):
    """The venv's transformers 5 tokenizes the same windows and gives the same logits, bit for bit."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SWIFT_BERT_TF4_REEXEC")}
    out = subprocess.run([sys.executable, "-c", CHECK_UNDER_5, folder, fixture], env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        fc.fail("transformers 5 disagrees with the fixture:\n" + out.stderr[-2000:])
    print(out.stdout.strip())


def write(fc, path, doc):
    fc.ensure_dir(os.path.dirname(path))
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=True, allow_nan=False)
        f.write("\n")
    with open(path, encoding="utf-8") as f:
        assert json.load(f) == json.loads(json.dumps(doc)), f"{path}: read-back mismatch"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tf4-dir", default=DEFAULT_TF4_DIR)
    args = parser.parse_args()
    ensure_transformers_4(args.tf4_dir)

    import fixture_common as fc
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    fc.seed_everything(SEED)
    tiny = os.path.join(fc.FIXTURES, "tiny-bert")
    folder = os.path.join(fc.FIXTURES, "tiny-bert-qa")
    build_model(fc, tiny, folder)

    cases, settings = pipeline_fixture(fc, folder)
    out = os.path.join(fc.FIXTURES, "metrics", "qa_pipeline.json")
    write(fc, out, {"meta": fc.header(__file__, "qa_pipeline", seed=SEED, folder=fc.rel(folder),
                                      logit_noise=LOGIT_NOISE, **settings), "cases": cases})
    windows = sum(len(c["windows"]) for c in cases)
    kept = sum(len(c["runs"]) for c in cases)
    print(f"wrote {fc.rel(out)}: {len(cases)} pairs, {windows} windows, {kept} answer sets")
    check_under_transformers_5(fc, folder, out)

    doc, settings = postprocess_fixture(fc, folder)
    out = os.path.join(fc.FIXTURES, "metrics", "qa_postprocess.json")
    write(fc, out, {"meta": fc.header(__file__, "qa_postprocess", seed=SEED, folder=fc.rel(folder), **settings),
                    **doc})
    nulls = sum(1 for r in doc["runs"] for e in r["examples"] if r["options"]["version_2_with_negative"]
                and e["prediction"] == "")
    empties = sum(1 for r in doc["runs"] for e in r["examples"] if e["prediction"] == "empty")
    print(f"wrote {fc.rel(out)}: {len(doc['examples'])} examples, {len(doc['features'])} features, "
          f"{len(doc['runs'])} option sets ({nulls} null and {empties} 'empty' predictions)")


if __name__ == "__main__":
    main()
