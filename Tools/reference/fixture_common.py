"""Shared helpers for the swift-bert reference-fixture scripts.

Every fixture carries the same header: format "swift-bert-fixture", version 1, the
script that made it and the versions of the libraries that produced the numbers.
"""

import csv
import hashlib
import io
import json
import os
import platform
import random
import sys
import zipfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

FORMAT = "swift-bert-fixture"
VERSION = 1

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(REPO_ROOT, "Tests", "Fixtures")
DEFAULT_MINILM = os.path.join(REPO_ROOT, ".models", "all-MiniLM-L6-v2")
DEFAULT_COLA = os.path.join(REPO_ROOT, "Data", "cola_public_1.1.zip")

# The three CoLA files in the order the fixtures list them; names are relative to
# the zip's "cola_public/" folder.
COLA_FILES = ("raw/in_domain_train.tsv", "raw/in_domain_dev.tsv", "raw/out_of_domain_dev.tsv")
COLA_ROWS = {"raw/in_domain_train.tsv": 8551, "raw/in_domain_dev.tsv": 527, "raw/out_of_domain_dev.tsv": 516}


def library_versions():
    """Versions of the libraries that produced a fixture."""
    import tokenizers
    import torch
    import transformers

    import numpy
    import safetensors

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "safetensors": safetensors.__version__,
        "numpy": numpy.__version__,
    }


def header(script_file, fixture, **extra):
    """The metadata every fixture starts with (all values JSON-serialisable)."""
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "fixture": fixture,
        "script": os.path.relpath(os.path.abspath(script_file), REPO_ROOT),
    }
    meta.update(library_versions())
    meta.update(extra)
    return meta


def safetensors_metadata(meta):
    """safetensors' __metadata__ holds only str -> str: non-strings become JSON."""
    return {k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in meta.items()}


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_cola(zip_path, name):
    """Rows of one CoLA file as dicts with a 1-based line number.

    Tab-separated, no header, no quoting: sentences contain '"' characters that a
    CSV dialect with quoting would swallow.
    """
    with zipfile.ZipFile(zip_path) as z:
        raw = z.read("cola_public/" + name).decode("utf-8")
    rows = []
    reader = csv.reader(io.StringIO(raw, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    for line_number, fields in enumerate(reader, start=1):
        if len(fields) != 4:
            raise ValueError(f"{name}:{line_number}: expected 4 fields, got {len(fields)}")
        source, label, notation, sentence = fields
        rows.append(
            {"file": name, "line": line_number, "source": source, "label": int(label),
             "notation": notation, "sentence": sentence}
        )
    expected = COLA_ROWS.get(name)
    if expected is not None and len(rows) != expected:
        raise ValueError(f"{name}: expected {expected} rows, got {len(rows)}")
    return rows


def seed_everything(seed):
    import numpy
    import torch

    random.seed(seed)
    numpy.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # same bits on every run; the machine's 2 cores are shared


def ensure_dir(path):
    os.makedirs(path, exist_ok=True)
    return path


def rel(path):
    return os.path.relpath(path, REPO_ROOT)


def fail(message):
    print("error: " + message, file=sys.stderr)
    sys.exit(1)


_ST_DTYPES = {"float32": "F32", "float64": "F64", "int64": "I64", "int32": "I32"}


def save_safetensors(tensors, path, meta):
    """Write a .safetensors file byte-for-byte reproducibly.

    safetensors' own writer orders __metadata__ keys by a hash map, so two identical runs
    give different bytes. Here: header keys are "__metadata__" (keys sorted) then tensor
    names sorted; data in the same order; the header is padded with spaces to 8 bytes.
    """
    import struct

    if sys.byteorder != "little":
        raise SystemExit("safetensors data is little-endian; run on a little-endian machine")
    names = sorted(tensors)
    header_obj, chunks, offset = {"__metadata__": dict(sorted(safetensors_metadata(meta).items()))}, [], 0
    for name in names:
        t = tensors[name].detach().cpu().contiguous()
        dtype = str(t.dtype).replace("torch.", "")
        if dtype not in _ST_DTYPES:
            raise ValueError(f"{name}: unsupported dtype {dtype}")
        data = t.numpy().tobytes()
        assert len(data) == t.numel() * t.element_size()
        header_obj[name] = {"dtype": _ST_DTYPES[dtype], "shape": list(t.shape),
                            "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header_bytes = json.dumps(header_obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for c in chunks:
            f.write(c)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
