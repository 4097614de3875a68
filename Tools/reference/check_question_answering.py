#!/usr/bin/env python3
"""Loads a `bert train --task squad` folder in transformers and checks it against `bert predict`.

transformers 5 has no question-answering pipeline, so this script runs under transformers
4.57.6 through make_qa_fixtures.ensure_transformers_4 (a one-time `pip install --target`
into --tf4-dir, then a re-run with that folder first on PYTHONPATH):

1. transformers 4.57.6: `BertForQuestionAnswering.from_pretrained(folder,
   output_loading_info=True)` (any missing, unexpected or mismatched tensor fails) and
   `pipeline("question-answering")` on each JSON line {"question", "context"} of --questions,
   with top_k, max_answer_len, handle_impossible_answer, doc_stride and max_seq_len from the
   options of the same names as `bert predict`'s. A forward hook keeps every window the
   pipeline runs (its input and token-type ids) and the start/end logits it gave.
2. transformers 5.24 (the venv's, in a subprocess without the 4.57.6 folder): the same
   `from_pretrained` check, the same windows from its tokenizer (`only_second`, the same
   max_length and stride), and the logits of each window, which must agree with 4.57.6's
   within 1e-4 (bit-equal on tiny-bert; ~3e-5 on MiniLM, whose attention runs through other
   code in the two versions).
3. `bert predict`'s JSON lines, from --compare FILE or by running --bert BINARY with the same
   options: every answer's text, start and end equal, scores within 1e-5 relative.

    .build/debug/bert predict --model runs/squad --max-length 64 --jsonl --input questions.jsonl \\
        > answers.jsonl
    /work/venv/bin/python Tools/reference/check_question_answering.py runs/squad \\
        --questions questions.jsonl --max-length 64 --compare answers.jsonl
    /work/venv/bin/python Tools/reference/check_question_answering.py runs/squad \\
        --questions questions.jsonl --max-length 64 --top-k 3 --bert .build/debug/bert
"""

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from make_qa_fixtures import DEFAULT_TF4_DIR, ensure_transformers_4  # noqa: E402

LOGIT_ATOL = 1e-4  # transformers 4.57.6 against 5.24 on the same windows

SCORE_RTOL = 1e-5


def read_lines(path):
    """The lines of a file as `bert`'s LineInput splits them (\\n, an optional \\r before it)."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def read_questions(path):
    questions = []
    for number, raw in enumerate(read_lines(path), 1):
        try:
            fields = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            sys.exit(f"{path}:{number}: not a JSON object: {error}")
        for name in ("question", "context"):
            if not isinstance(fields.get(name), str) or not fields[name]:
                sys.exit(f"{path}:{number}: field '{name}': missing, empty or not a string")
        questions.append((fields["question"], fields["context"]))
    return questions


def clean_loading_info(folder, info, version):
    problems = {k: v for k, v in info.items() if v}
    if problems:
        sys.exit(f"{folder}: loading info not clean under transformers {version}: {problems}")


def relative_difference(a, b):
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale


# ---- transformers 5.24 (subprocess) -------------------------------------------------------

def transformers_5_worker():
    """Reads {folder, windowing, cases} on stdin; writes the loading info, windows and logits."""
    import torch
    import transformers
    from transformers import AutoTokenizer, BertForQuestionAnswering

    request = json.load(sys.stdin)
    folder = request["folder"]
    model, info = BertForQuestionAnswering.from_pretrained(folder, output_loading_info=True)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    cases = []
    for question, context in request["cases"]:
        encoded = tokenizer(question, context, padding="do_not_pad", truncation="only_second",
                            max_length=request["max_seq_len"], stride=request["doc_stride"],
                            return_token_type_ids=True, return_overflowing_tokens=True,
                            return_offsets_mapping=True)
        windows = []
        for ids, types in zip(encoded["input_ids"], encoded["token_type_ids"]):
            with torch.no_grad():
                out = model(input_ids=torch.tensor([ids]), token_type_ids=torch.tensor([types]),
                            attention_mask=torch.ones(1, len(ids), dtype=torch.long))
            windows.append({"input_ids": ids, "token_type_ids": types,
                            "start_logits": out.start_logits[0].tolist(),
                            "end_logits": out.end_logits[0].tolist()})
        cases.append(windows)
    json.dump({"version": transformers.__version__,
               "loading_info": {k: sorted(map(str, v)) for k, v in info.items()},
               "cases": cases}, sys.stdout)


def run_under_transformers_5(folder, max_seq_len, doc_stride, questions):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SWIFT_BERT_TF4_REEXEC")}
    request = json.dumps({"folder": folder, "max_seq_len": max_seq_len, "doc_stride": doc_stride,
                          "cases": questions})
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--transformers-5-worker"],
                         input=request, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("the transformers 5 subprocess failed:\n" + out.stderr[-3000:])
    return json.loads(out.stdout)


# ---- bert predict -------------------------------------------------------------------------

def bert_arguments(args):
    extra = ["--top-k", str(args.top_k), "--max-answer-length", str(args.max_answer_length)]
    if args.handle_impossible_answer:
        extra.append("--handle-impossible-answer")
    if args.doc_stride is not None:
        extra += ["--doc-stride", str(args.doc_stride)]
    if args.max_length is not None:
        extra += ["--max-length", str(args.max_length)]
    return extra


def bert_output(args):
    """`bert predict`'s lines: read from --compare, or printed by --bert."""
    if args.compare:
        with open(args.compare, encoding="utf-8") as f:
            return args.compare, f.read()
    # --jsonl: without it, an input named *.jsonl is read as a table, which QA models refuse.
    command = [args.bert, "predict", "--model", args.folder, "--jsonl", "--input", args.questions]
    command += bert_arguments(args)
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    if out.stderr.strip():
        print(f"bert predict said on stderr: {out.stderr.strip()}")
    return " ".join(command), out.stdout


def answers_list(result):
    items = result if isinstance(result, list) else [result]
    return [{"score": float(a["score"]), "start": int(a["start"]), "end": int(a["end"]),
             "answer": a["answer"]} for a in items]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?")
    parser.add_argument("--questions", help="JSON lines {\"question\", \"context\"}")
    parser.add_argument("--score-rtol", type=float, default=SCORE_RTOL,
                        help="relative score tolerance (default 1e-5, tiny-bert's level; a 6-layer model's "
                             "float32 logits differ by ~3e-5 between transformers 4.57.6 and 5.24 already)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--compare", help="the JSON lines `bert predict` wrote for --questions")
    source.add_argument("--bert", help="a bert binary to run `predict` with the same options")
    parser.add_argument("--top-k", type=int, default=1)
    parser.add_argument("--max-answer-length", type=int, default=15)
    parser.add_argument("--handle-impossible-answer", action="store_true")
    parser.add_argument("--doc-stride", type=int)
    parser.add_argument("--max-length", type=int, help="the pipeline's max_seq_len")
    parser.add_argument("--tf4-dir", default=DEFAULT_TF4_DIR)
    parser.add_argument("--transformers-5-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.transformers_5_worker:
        return transformers_5_worker()
    if not args.folder or not args.questions:
        parser.error("the folder and --questions are required")
    questions = read_questions(args.questions)
    ensure_transformers_4(args.tf4_dir)

    import torch
    import transformers
    from transformers import AutoTokenizer, BertForQuestionAnswering, pipeline
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.set_num_threads(1)
    model, info = BertForQuestionAnswering.from_pretrained(args.folder, output_loading_info=True)
    clean_loading_info(args.folder, info, transformers.__version__)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(args.folder)
    qa = pipeline("question-answering", model=model, tokenizer=tokenizer, device="cpu")
    max_seq_len = args.max_length if args.max_length is not None else min(tokenizer.model_max_length, 384)
    doc_stride = args.doc_stride if args.doc_stride is not None else min(max_seq_len // 2, 128)
    parameters = {"top_k": args.top_k, "max_answer_len": args.max_answer_length,
                  "handle_impossible_answer": args.handle_impossible_answer,
                  "max_seq_len": max_seq_len, "doc_stride": doc_stride}

    captured = []
    model.register_forward_hook(
        lambda module, inputs, kwargs, output: captured.append({
            "input_ids": kwargs["input_ids"][0].tolist(),
            "token_type_ids": kwargs["token_type_ids"][0].tolist(),
            "start_logits": output.start_logits[0].tolist(),
            "end_logits": output.end_logits[0].tolist()}),
        with_kwargs=True)
    theirs, windows = [], []
    for question, context in questions:
        captured.clear()
        theirs.append(answers_list(qa(question=question, context=context, **parameters)))
        windows.append(list(captured))

    # transformers 5.24: the same weights, windows and logits.
    tf5 = run_under_transformers_5(args.folder, max_seq_len, doc_stride, questions)
    clean_loading_info(args.folder, tf5["loading_info"], tf5["version"])
    logit_diff = 0.0
    for number, (old, new) in enumerate(zip(windows, tf5["cases"]), 1):
        if [(w["input_ids"], w["token_type_ids"]) for w in old] != \
                [(w["input_ids"], w["token_type_ids"]) for w in new]:
            sys.exit(f"{args.questions}:{number}: transformers {tf5['version']} makes other windows "
                     f"than the {transformers.__version__} pipeline")
        for a, b in zip(old, new):
            for key in ("start_logits", "end_logits"):
                logit_diff = max(logit_diff, max(abs(x - y) for x, y in zip(a[key], b[key])))
    # The two versions run the same model through different attention code (4.57's sdpa/eager
    # paths against 5.24's): bit-equal on tiny-bert, within float32 rounding on MiniLM.
    if logit_diff > LOGIT_ATOL:
        sys.exit(f"transformers {tf5['version']} and {transformers.__version__} logits differ by up to "
                 f"{logit_diff:.3e} (> {LOGIT_ATOL})")
    count = sum(len(w) for w in windows)
    summary = (f"{args.folder}: loads cleanly in BertForQuestionAnswering (transformers "
               f"{transformers.__version__} and {tf5['version']}); {len(questions)} questions, {count} "
               f"windows (max_seq_len {max_seq_len}, doc_stride {doc_stride}), logits of "
               f"{tf5['version']} within {logit_diff:.2e} of {transformers.__version__}'s")

    if not args.compare and not args.bert:
        print(summary)
        return
    label, text = bert_output(args)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != len(questions):
        sys.exit(f"{label}: {len(lines)} lines for {len(questions)} questions")
    worst_relative = worst_absolute = 0.0
    disagreements = []
    for number, (line, expected) in enumerate(zip(lines, theirs), 1):
        mine = answers_list(json.loads(line))
        if isinstance(json.loads(line), list) != (args.top_k > 1):
            disagreements.append(f"line {number}: a list of answers is expected exactly when --top-k > 1")
        spans = lambda answers: [(a["answer"], a["start"], a["end"]) for a in answers]  # noqa: E731
        if spans(mine) != spans(expected):
            question, context = questions[number - 1]
            disagreements.append(f"line {number}: answers differ\n  question: {question!r}\n  context: "
                                 f"{context!r}\n  bert:         {mine}\n  transformers: {expected}")
            continue
        for a, b in zip(mine, expected):
            worst_relative = max(worst_relative, relative_difference(a["score"], b["score"]))
            worst_absolute = max(worst_absolute, abs(a["score"] - b["score"]))
    if worst_relative > args.score_rtol:
        disagreements.append(f"scores differ by up to {worst_relative:.3e} relative (> {args.score_rtol})")
    if disagreements:
        sys.exit(summary + "\n" + "\n".join(disagreements))
    print(summary + f"; answers and spans equal to bert predict's, max score difference "
          f"{worst_relative:.2e} relative ({worst_absolute:.2e} absolute)")


if __name__ == "__main__":
    main()
