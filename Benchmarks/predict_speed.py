"""Inference speed: `bert predict` against transformers on CoLA's out_of_domain_dev.

Both sides classify the 516 sentences of raw/out_of_domain_dev.tsv with all-MiniLM-L6-v2 and a
2-label classifier head (the same safetensors folder), batch 32, truncation at 64 tokens, one
process on 2 threads each, in the same run, alternating. Timing covers the whole command for
swift-bert (load + tokenize + run, as a user sees it) and, for transformers, tokenization plus
the forward passes in an already-started interpreter (its import and load time, several
seconds, are excluded, which favours PyTorch).

Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for both sides:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Benchmarks/predict_speed.py
Needs torch, transformers, safetensors, and a release build (`swift build -c release`).
"""
import argparse
import os
import shutil
import subprocess
import tempfile
import time
import zipfile

os.environ["HF_HUB_OFFLINE"] = "1"
parser = argparse.ArgumentParser()
parser.add_argument("--model", default=".models/all-MiniLM-L6-v2")
parser.add_argument("--data", default="Data/cola_public_1.1.zip")
parser.add_argument("--bert", default=".build/release/bert")
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()

import torch  # noqa: E402
from transformers import AutoTokenizer, BertForSequenceClassification  # noqa: E402

torch.set_num_threads(args.threads)
with zipfile.ZipFile(args.data) as archive:
    text = archive.read("cola_public/raw/out_of_domain_dev.tsv").decode("utf-8")
sentences = [line.split("\t")[3] for line in text.splitlines() if line]

# One classifier folder that both sides load: MiniLM plus a seeded 2-label head.
work = tempfile.mkdtemp()
folder = os.path.join(work, "minilm-cls")
torch.manual_seed(0)
model = BertForSequenceClassification.from_pretrained(args.model, num_labels=2).eval()
tokenizer = AutoTokenizer.from_pretrained(args.model)
model.save_pretrained(folder)
tokenizer.save_pretrained(folder)
inputs_path = os.path.join(work, "sentences.txt")
with open(inputs_path, "w") as f:
    f.write("\n".join(sentences) + "\n")


def run_torch():
    start = time.perf_counter()
    labels = []
    with torch.inference_mode():
        for i in range(0, len(sentences), 32):
            batch = tokenizer(sentences[i:i + 32], padding=True, truncation=True, max_length=64,
                              return_tensors="pt")
            labels += model(**batch).logits.argmax(-1).tolist()
    return time.perf_counter() - start, labels


def run_swift():
    env = dict(os.environ)
    start = time.perf_counter()
    result = subprocess.run(
        [args.bert, "predict", "--model", folder, "--input", inputs_path, "--batch-size", "32",
         "--max-length", "64"],
        stdout=subprocess.PIPE, text=True, check=True, env=env)
    seconds = time.perf_counter() - start
    return seconds, result.stdout.splitlines()


best_t = best_s = float("inf")
for round_ in range(args.rounds):
    t, torch_labels = run_torch()
    s, swift_lines = run_swift()
    best_t, best_s = min(best_t, t), min(best_s, s)
    print(f"round {round_ + 1}: transformers {len(sentences) / t:,.0f} sentences/s, "
          f"bert predict {len(sentences) / s:,.0f} sentences/s, ratio {t / s:.2f}x")
agree = sum(1 for a, b in zip(torch_labels, swift_lines) if f"LABEL_{a}" == b.split("\t")[0])
print(f"best: transformers {len(sentences) / best_t:,.0f} sentences/s, bert predict "
      f"{len(sentences) / best_s:,.0f} sentences/s: {best_t / best_s:.2f}x; "
      f"labels agree on {agree}/{len(sentences)}")
shutil.rmtree(work)
