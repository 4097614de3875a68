"""Tokenizer speed: swift-bert's `bert tokenize` against Hugging Face `tokenizers` (Rust).

Both sides encode all 9,594 CoLA sentences (three files) with [CLS]/[SEP], truncation at 64,
single-threaded, in the same run, alternating, best of N repeats inside each process (load
time excluded). Needs `pip install tokenizers` and a release build (`swift build -c release`).

Run: python3 Benchmarks/tokenizer_speed.py [--model .models/all-MiniLM-L6-v2] [--rounds 3]
For the record, run it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (they don't matter
for tokenization, but every benchmark here is run that way).
"""
import argparse
import io
import os
import re
import subprocess
import tempfile
import time
import zipfile

parser = argparse.ArgumentParser()
parser.add_argument("--model", default=".models/all-MiniLM-L6-v2")
parser.add_argument("--data", default="Data/cola_public_1.1.zip")
parser.add_argument("--bert", default=".build/release/bert")
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--repeats", type=int, default=5)
args = parser.parse_args()

sentences = []
with zipfile.ZipFile(args.data) as archive:
    for name in ["in_domain_train", "in_domain_dev", "out_of_domain_dev"]:
        text = archive.read(f"cola_public/raw/{name}.tsv").decode("utf-8")
        sentences += [line.split("\t")[3] for line in text.splitlines() if line]
print(f"{len(sentences)} sentences")

os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["RAYON_NUM_THREADS"] = "1"
from tokenizers import Tokenizer  # noqa: E402

rust = Tokenizer.from_file(os.path.join(args.model, "tokenizer.json"))
rust.no_padding()
rust.enable_truncation(64)

with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    f.write("\n".join(sentences) + "\n")
    path = f.name


def time_rust():
    best = float("inf")
    for _ in range(args.repeats):
        # encode_batch on one Rayon thread: the fastest way to call tokenizers from Python.
        start = time.perf_counter()
        encodings = rust.encode_batch(sentences)
        best = min(best, time.perf_counter() - start)
    return best, sum(len(e.ids) for e in encodings)


def time_swift():
    result = subprocess.run(
        [args.bert, "tokenize", "--model", args.model, "--input", path, "--max-length", "64",
         "--repeat-timing", str(args.repeats)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    match = re.search(r"(\d+) tokens, best ([0-9.e-]+) s", result.stderr)
    return float(match.group(2)), int(match.group(1))


rows = []
for round_ in range(args.rounds):
    r, rt = time_rust()
    s, st = time_swift()
    assert rt == st, f"token counts differ: rust {rt}, swift {st}"
    rows.append((r, s))
    print(f"round {round_ + 1}: tokenizers (Rust, 1 thread) {r * 1000:.1f} ms, "
          f"swift-bert {s * 1000:.1f} ms, ratio {r / s:.2f}x")
best_r = min(r for r, _ in rows)
best_s = min(s for _, s in rows)
print(f"best: tokenizers {best_r * 1000:.1f} ms ({len(sentences) / best_r:,.0f} sentences/s), "
      f"swift-bert {best_s * 1000:.1f} ms ({len(sentences) / best_s:,.0f} sentences/s), "
      f"swift-bert is {best_r / best_s:.2f}x the speed of tokenizers")
os.unlink(path)
