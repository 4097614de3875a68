"""Training-step speed and memory: `bert bench` against PyTorch/transformers, side by side.

Both sides: BertForSequenceClassification with random weights from the same config, 2 labels,
batch B × T random token ids (every sequence T tokens: equal work), full training steps
(forward, cross-entropy, backward, clip_grad_norm_(1.0), AdamW), median of --steps after
--warmup; peak resident memory of the process. Each side runs in its own fresh process,
alternating, --rounds times. PyTorch uses torch.set_num_threads(2) (or --threads).

Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for both sides:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Benchmarks/train_speed.py \
      --config bert-base-uncased --batch-size 32 --seq-length 64
Needs torch and transformers, and a release build of bert.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--config", default="bert-base-uncased", choices=["bert-base-uncased", "minilm"])
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--seq-length", type=int, default=64)
parser.add_argument("--steps", type=int, default=5)
parser.add_argument("--warmup", type=int, default=2)
parser.add_argument("--rounds", type=int, default=1)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--bert", default=".build/release/bert")
parser.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
args = parser.parse_args()


def torch_worker():
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.config == "minilm":
        config = BertConfig(hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                            intermediate_size=1536, num_labels=2)
    else:
        config = BertConfig(num_labels=2)
    model = BertForSequenceClassification(config).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5, eps=1e-8, weight_decay=0.0)
    ids = torch.randint(1000, config.vocab_size, (args.batch_size, args.seq_length))
    ids[:, 0], ids[:, -1] = 101, 102
    labels = torch.randint(0, 2, (args.batch_size,))
    times = []
    for _ in range(args.warmup + args.steps):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = model(input_ids=ids, attention_mask=torch.ones_like(ids), labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        times.append(time.perf_counter() - start)
    measured = sorted(times[args.warmup:])
    print(json.dumps({"median_step_seconds": measured[len(measured) // 2],
                      "peak_memory_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      "torch": torch.__version__}))


if args.torch_worker:
    torch_worker()
    sys.exit(0)

common = ["--batch-size", str(args.batch_size), "--seq-length", str(args.seq_length),
          "--steps", str(args.steps), "--warmup", str(args.warmup)]
print(f"{args.config}, batch {args.batch_size} x {args.seq_length}, {args.steps} steps after "
      f"{args.warmup} warm-up")
for round_ in range(args.rounds):
    torch_result = json.loads(subprocess.run(
        [sys.executable, __file__, "--torch-worker", "--config", args.config, "--threads",
         str(args.threads)] + common, capture_output=True, text=True, check=True).stdout)
    swift_result = json.loads(subprocess.run(
        [args.bert, "bench", "--config", args.config, "--json"] + common,
        capture_output=True, text=True, check=True).stdout)
    t, s = torch_result["median_step_seconds"], swift_result["median_step_seconds"]
    print(f"round {round_ + 1}: PyTorch {t:.3f} s/step, peak {torch_result['peak_memory_bytes'] / 2**30:.2f} GiB | "
          f"swift-bert {s:.3f} s/step, peak {swift_result['peak_memory_bytes'] / 2**30:.2f} GiB, "
          f"{swift_result['gflops']:.0f} GFLOPS = {100 * swift_result['peak_fraction']:.0f} % of "
          f"sgemm {swift_result['peak_gemm_gflops']:.0f} | speed ratio {t / s:.2f}x")
