"""bert-base's matrix products one at a time: our oneDNN primitives against PyTorch's, side by side.

The nine products of one encoder layer's linear layers in a 32 × 64 training step (forward,
dInput and dWeight of the Q/K/V, intermediate and output projections), each one thread's part
of it as `Benchmarks/onednn_shapes.c` defines them. Our side is that C program (built here
with clang against Sources/_OneDNN/onednn.c, the code the GEMM backend runs); PyTorch's side
is `torch.mm` on the same shapes and transposes, with torch.set_num_threads(1), the way
autocast's `linear` and its backward call it. Both sides: bf16 inputs (or fp32 with
--precision fp32), the best of --rounds alternating rounds, each the mean of 5 calls after one
warm-up call. Our products write fp32, PyTorch's bf16 products write bf16 (autocast's output
type): the same multiply-adds, PyTorch's output half the bytes.

A product that runs slower through our primitives than through PyTorch's on a CPU shows where a
step's GEMM time goes beyond what PyTorch needs for the same work.

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Benchmarks/linear_shapes.py [--precision bf16|fp32|both]

Needs torch, clang and libdnnl-dev (`make deps`).
"""
import argparse
import os
import re
import subprocess
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--precision", choices=["bf16", "fp32", "both"], default="both")
parser.add_argument("--rounds", type=int, default=2)
parser.add_argument("--binary", default="/tmp/swiftbert_onednn_shapes",
                    help="where to build Benchmarks/onednn_shapes.c")
args = parser.parse_args()

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (name, transpose A, transpose B, m, n, k), as in onednn_shapes.c: half of 2,048 tokens.
T, H, I = 1024, 768, 3072
SHAPES = [
    ("forward QKV", 0, 1, T, 3 * H, H),
    ("forward inter", 0, 1, T, I, H),
    ("forward output", 0, 1, T, H, I),
    ("dInput QKV", 0, 0, T, H, 3 * H),
    ("dInput inter", 0, 0, T, H, I),
    ("dInput output", 0, 0, T, I, H),
    ("dWeight QKV", 1, 0, 3 * H // 2, H, 2 * T),
    ("dWeight inter", 1, 0, I // 2, H, 2 * T),
    ("dWeight output", 1, 0, H, I // 2, 2 * T),
]


def build():
    subprocess.run(
        ["clang", "-O2", "-I", os.path.join(ROOT, "Sources/_OneDNN/include"),
         os.path.join(ROOT, "Benchmarks/onednn_shapes.c"),
         os.path.join(ROOT, "Sources/_OneDNN/onednn.c"),
         "-ldnnl", "-lgomp", "-lpthread", "-o", args.binary], check=True)


def ours(precision):
    """{name: (ms, implementation)} from one run of the C program."""
    command = [args.binary] + (["f32"] if precision == "fp32" else [])
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    times = {}
    for line in output.splitlines():
        match = re.match(r"(\S+ \S+)\s.*?([\d.]+) ms\s+\d+ GFLOPS \(one thread, \S+ (\S+), beta", line)
        if match:
            times[match.group(1)] = (float(match.group(2)), match.group(3))
    if len(times) != len(SHAPES):
        sys.exit(f"linear_shapes: could not read {command}'s output:\n{output}")
    return times


def theirs(precision):
    """{name: ms} for torch.mm on one thread, the mean of 5 calls after a warm-up."""
    import torch
    torch.set_num_threads(1)
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    times = {}
    for name, transpose_a, transpose_b, m, n, k in SHAPES:
        a = torch.rand((k, m) if transpose_a else (m, k)).to(dtype)
        b = torch.rand((n, k) if transpose_b else (k, n)).to(dtype)
        op_a = a.t() if transpose_a else a
        op_b = b.t() if transpose_b else b
        with torch.no_grad():
            torch.mm(op_a, op_b)
            start = time.perf_counter()
            for _ in range(5):
                torch.mm(op_a, op_b)
            times[name] = (time.perf_counter() - start) / 5 * 1e3
    return times


def main():
    import torch
    build()
    precisions = ["bf16", "fp32"] if args.precision == "both" else [args.precision]
    print(f"torch {torch.__version__}, one thread each side, best of {args.rounds} rounds")
    for precision in precisions:
        best_ours, best_theirs = {}, {}
        for _ in range(args.rounds):
            for name, (ms, implementation) in ours(precision).items():
                if name not in best_ours or ms < best_ours[name][0]:
                    best_ours[name] = (ms, implementation)
            for name, ms in theirs(precision).items():
                best_theirs[name] = min(ms, best_theirs.get(name, ms))
        print(f"\n{precision}: product (m × n × k)        swift-bert (oneDNN {implementation_of(best_ours)})"
              f"      PyTorch torch.mm      ours/theirs time")
        total_ours = total_theirs = 0.0
        for name, transpose_a, transpose_b, m, n, k in SHAPES:
            flops = 2 * m * n * k
            ours_ms, _ = best_ours[name]
            theirs_ms = best_theirs[name]
            total_ours += ours_ms
            total_theirs += theirs_ms
            print(f"  {name:<15} {m:>5}×{n:<5}×{k:<5} {ours_ms:7.2f} ms {flops / ours_ms / 1e6:6.0f} GFLOPS"
                  f"   {theirs_ms:7.2f} ms {flops / theirs_ms / 1e6:6.0f} GFLOPS   {ours_ms / theirs_ms:5.2f}")
        print(f"  all nine: swift-bert {total_ours:.1f} ms, PyTorch {total_theirs:.1f} ms, "
              f"ratio {total_ours / total_theirs:.2f}")


def implementation_of(best):
    names = sorted({implementation for _, implementation in best.values()})
    return ", ".join(names)


if __name__ == "__main__":
    main()
