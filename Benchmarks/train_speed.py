"""Training-step speed and memory: `bert bench` against PyTorch/transformers, side by side.

Both sides: BertForSequenceClassification with random weights from the same config, 2 labels,
batch B × T random token ids (every sequence T tokens: equal work), full training steps
(forward, cross-entropy, backward, clip_grad_norm_(1.0), AdamW), median of --steps after
--warmup; peak resident memory of the process. Each side runs in its own fresh process,
alternating, --rounds times. PyTorch uses torch.set_num_threads(2) (or --threads).

With --cola-epoch it times one training epoch on CoLA with the real MiniLM checkpoint instead:
`bert train --epochs 1` (packed batches) against Tools/reference/tutorial_reference.py
--epochs 1 with the tutorial's padding to 64 (`--padding max_length`) and with dynamic padding
to the longest sentence of each batch (`--padding longest`). Each side reports its epoch's
training time (the `train_seconds` / `seconds` of its epoch event; validation excluded).

Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for both sides:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Benchmarks/train_speed.py \
      --config bert-base-uncased --batch-size 32 --seq-length 64
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Benchmarks/train_speed.py --cola-epoch
Needs torch and transformers, and a release build of bert (and `make model` for --cola-epoch).
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
parser.add_argument("--cola-epoch", action="store_true",
                    help="time one CoLA epoch with MiniLM: bert train vs PyTorch, both paddings")
parser.add_argument("--model", default=".models/all-MiniLM-L6-v2")
parser.add_argument("--data", default="Data/cola_public_1.1.zip")
parser.add_argument("--precision", choices=["fp32", "bf16", "both"], default="both",
                    help="fp32, bf16 (swift-bert --bf16 against torch.autocast cpu bfloat16), or both")
parser.add_argument("--lengths", choices=["fixed", "cola"], default="fixed",
                    help="cola: CoLA's real lengths (swift-bert packed, PyTorch padded to each "
                         "batch's longest sentence, the same batches)")
parser.add_argument("--paddings", default="max_length,longest",
                    help="--cola-epoch: PyTorch's paddings to time (max_length: the tutorial's 64)")
parser.add_argument("--bert-precisions", default=None,
                    help="with --cola-epoch: swift-bert's precisions, comma-separated (fp32,bf16), "
                         "each against PyTorch in --precision; default: --precision")
parser.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
parser.add_argument("--torch-bf16", action="store_true", help=argparse.SUPPRESS)
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
    labels = torch.randint(0, 2, (args.batch_size,))
    batches = []
    for index in range(args.warmup + args.steps):
        if args.lengths == "cola":
            lengths = cola_lengths()[index * args.batch_size:(index + 1) * args.batch_size]
        else:
            lengths = [args.seq_length] * args.batch_size
        longest = max(lengths)
        ids = torch.randint(1000, config.vocab_size, (args.batch_size, longest))
        mask = torch.zeros_like(ids)
        for row, length in enumerate(lengths):
            ids[row, 0], ids[row, length - 1] = 101, 102
            ids[row, length:] = 0
            mask[row, :length] = 1
        batches.append((ids, mask))
    times = []
    tokens = []
    for ids, mask in batches:
        start = time.perf_counter()
        optimizer.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.torch_bf16):
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        times.append(time.perf_counter() - start)
        tokens.append(int(mask.sum()))
    measured = sorted(times[args.warmup:])
    print(json.dumps({"median_step_seconds": measured[len(measured) // 2],
                      "mean_step_seconds": sum(times[args.warmup:]) / args.steps,
                      "real_tokens_per_step": sum(tokens[args.warmup:]) / args.steps,
                      "peak_memory_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      "torch": torch.__version__}))


def cola_lengths():
    """The lengths `bert bench --lengths cola` cycles through, in its order."""
    out = subprocess.run([args.bert, "bench", "--print-cola-lengths"], capture_output=True,
                         text=True, check=True).stdout
    return [int(x) for x in out.split()]


if args.torch_worker:
    torch_worker()
    sys.exit(0)


def epoch_seconds(command):
    """Runs a training command that prints JSON lines; returns its first epoch's training time."""
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    for line in output.splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            if event.get("event") == "epoch":
                return event.get("train_seconds", event.get("seconds"))
    raise RuntimeError(f"no epoch event from {command}")


if args.cola_epoch:
    import tempfile
    reference = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tools",
                             "reference", "tutorial_reference.py")
    if args.precision == "both":
        sys.exit("--cola-epoch takes --precision fp32 or bf16")
    print(f"one CoLA training epoch, MiniLM ({args.model}), batch 32, max length 64, "
          f"{args.threads} threads, {args.precision}")
    for round_ in range(args.rounds):
        times = {}
        for padding in args.paddings.split(","):
            times[padding] = epoch_seconds(
                [sys.executable, reference, "--model", args.model, "--data", args.data,
                 "--epochs", "1", "--padding", padding, "--threads", str(args.threads)]
                + (["--bf16"] if args.precision == "bf16" else []))
        names = {"max_length": "PyTorch padded to 64", "longest": "PyTorch dynamic padding"}
        for bert_precision in (args.bert_precisions or args.precision).split(","):
            with tempfile.TemporaryDirectory() as output:
                times["bert"] = epoch_seconds(
                    [args.bert, "train", "--model", args.model, "--task", "cola", "--data",
                     args.data, "--output", os.path.join(output, "model"), "--epochs", "1",
                     "--json"] + (["--bf16"] if bert_precision == "bf16" else []))
            print(f"round {round_ + 1}, PyTorch {args.precision}: " + " | ".join(
                f"{names[p]} {times[p]:.1f} s ({times[p] / times['bert']:.2f}x)"
                for p in args.paddings.split(",")) +
                f" | swift-bert packed {bert_precision} {times['bert']:.1f} s", flush=True)
    sys.exit(0)

common = ["--batch-size", str(args.batch_size), "--seq-length", str(args.seq_length),
          "--steps", str(args.steps), "--warmup", str(args.warmup), "--lengths", args.lengths]
shape = "CoLA's lengths" if args.lengths == "cola" else str(args.seq_length)
print(f"{args.config}, batch {args.batch_size} x {shape}, {args.steps} steps after "
      f"{args.warmup} warm-up, {args.threads} threads")
precisions = ["fp32", "bf16"] if args.precision == "both" else [args.precision]
for round_ in range(args.rounds):
    for precision in precisions:
        bf16 = precision == "bf16"
        torch_result = json.loads(subprocess.run(
            [sys.executable, __file__, "--torch-worker", "--config", args.config, "--threads",
             str(args.threads), "--bert", args.bert] + common
            + (["--torch-bf16"] if bf16 else []),
            capture_output=True, text=True, check=True).stdout)
        swift_result = json.loads(subprocess.run(
            [args.bert, "bench", "--config", args.config, "--json"] + common
            + (["--bf16"] if bf16 else []),
            capture_output=True, text=True, check=True).stdout)
        # Mean over the same batches: with CoLA's lengths, steps differ in cost.
        t, s = torch_result["mean_step_seconds"], swift_result["mean_step_seconds"]
        autocast = "bf16 autocast" if bf16 else "fp32"
        projected = swift_result.get("projected_cola_seconds")
        print(f"round {round_ + 1}, {precision}: PyTorch {autocast} {t:.3f} s/step "
              f"(median {torch_result['median_step_seconds']:.3f}), peak "
              f"{torch_result['peak_memory_bytes'] / 2**30:.2f} GiB | swift-bert "
              f"[{swift_result['gemm']}] {s:.3f} s/step (median "
              f"{swift_result['median_step_seconds']:.3f}), peak "
              f"{swift_result['peak_memory_bytes'] / 2**30:.2f} GiB, "
              f"{swift_result['gflops']:.0f} GFLOPS = {100 * swift_result['peak_fraction']:.0f} % "
              f"of a 2048^3 GEMM's {swift_result['peak_gemm_gflops']:.0f} | ratio {t / s:.2f}x"
              + (f" | tutorial's 4 epochs projected {projected:.0f} s" if projected else ""),
              flush=True)
