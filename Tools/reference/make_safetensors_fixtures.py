#!/usr/bin/env python3
"""Writes the small safetensors fixtures that Tests/CheckpointsTests reads.

Run by hand when they need to change (the Swift tests never run Python):

    /work/venv/bin/python Tools/reference/make_safetensors_fixtures.py

Outputs, in Tests/Fixtures/safetensors/:
  dtypes.safetensors            one tensor per dtype the reader converts (F16, BF16, F64
                                from chosen bit patterns, each with a "<name>.as_f32"
                                companion computed by torch's .float(); I64, I32, I16, I8,
                                U8, BOOL with extreme values), metadata {"format": "pt",
                                "purpose": ...}.
  writer_reference.safetensors  F32 and I64 tensors whose names exercise the writer's
                                ordering rules (dtype first, then name by code point:
                                upper case before lower case, non-ASCII last), a scalar and
                                an empty tensor; written by safetensors.torch.save_file with
                                metadata {"format": "pt"}. SafeTensorsWriter must reproduce
                                it byte for byte.
"""

import os

import safetensors
import torch
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "safetensors")

# binary16 bit patterns: 1, -2, max finite, smallest subnormal, largest subnormal, smallest
# normal, +inf, -inf, -0, quiet NaN, NaN with payload, 1/3 rounded, 0.1 rounded.
F16_BITS = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x7C00, 0xFC00, 0x8000,
            0x7E00, 0x7C01, 0x3555, 0x2E66]
# bfloat16 bit patterns: 1, -2, max finite, smallest subnormal, smallest normal, +inf, -0,
# quiet NaN, 1/3 rounded, 0.1 rounded.
BF16_BITS = [0x3F80, 0xC000, 0x7F7F, 0x0001, 0x0080, 0x7F80, 0x8000, 0x7FC0, 0x3EAB, 0x3DCD]
F64_VALUES = [0.1, -3.141592653589793, 1e-40, 1e300, -0.0, 65504.0]


def from_bits(bits, dtype):
    as_int16 = torch.tensor([b - 0x10000 if b >= 0x8000 else b for b in bits], dtype=torch.int16)
    return as_int16.view(dtype)


def dtypes_fixture():
    f16 = from_bits(F16_BITS, torch.float16)
    bf16 = from_bits(BF16_BITS, torch.bfloat16)
    f64 = torch.tensor(F64_VALUES, dtype=torch.float64)
    tensors = {
        "f16": f16,
        "f16.as_f32": f16.float(),
        "bf16": bf16,
        "bf16.as_f32": bf16.float(),
        "f64": f64,
        "f64.as_f32": f64.float(),
        "i64": torch.tensor([-(2**63), -1, 0, 1, 2**63 - 1], dtype=torch.int64).reshape(1, 5),
        "i32": torch.tensor([-(2**31), -7, 0, 2**31 - 1], dtype=torch.int32),
        "i16": torch.tensor([-(2**15), -3, 2**15 - 1], dtype=torch.int16),
        "i8": torch.tensor([-128, -1, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 1, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True], dtype=torch.bool),
    }
    save_file(tensors, os.path.join(OUT, "dtypes.safetensors"),
              metadata={"format": "pt", "purpose": "swift-bert dtype conversion fixture"})


def writer_fixture():
    tensors = {
        "b.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5 - 1.0,
        "a.bias": torch.tensor([0.25, -0.125, 3.0e-8], dtype=torch.float32),
        "Z.upper": torch.tensor([1.0e30], dtype=torch.float32),
        "\u00fcnicode.\u00e9": torch.tensor([-2.5, 7.0], dtype=torch.float32),
        "scalar": torch.tensor(1.5, dtype=torch.float32),
        "empty": torch.zeros(0, 4, dtype=torch.float32),
        "position_ids": torch.arange(4, dtype=torch.int64).reshape(1, 4),
        "labels": torch.tensor([1, -1, 2**40], dtype=torch.int64),
    }
    save_file(tensors, os.path.join(OUT, "writer_reference.safetensors"),
              metadata={"format": "pt"})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    dtypes_fixture()
    writer_fixture()
    print(f"wrote fixtures to {OUT} with safetensors {safetensors.__version__}, "
          f"torch {torch.__version__}")
