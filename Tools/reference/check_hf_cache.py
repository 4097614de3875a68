#!/usr/bin/env python3
"""Load a Hub model from an HF cache folder with huggingface_hub/transformers, offline.

Checks that a cache that `bert download` filled is one that Python reuses as it is:

    /work/venv/bin/python Tools/reference/check_hf_cache.py /tmp/hub org/tiny-bert [--revision R]

Sets HF_HUB_CACHE to the folder and HF_HUB_OFFLINE=1 before importing anything, then
resolves every file with hf_hub_download, scans the cache with scan_cache_dir, and loads
AutoConfig, AutoTokenizer and AutoModel (BertModel) by repo id. Prints what it found and
exits non-zero on any failure.
"""

import argparse
import os
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cache")
    parser.add_argument("repo")
    parser.add_argument("--revision", default="main")
    args = parser.parse_args()
    os.environ["HF_HUB_CACHE"] = os.path.abspath(args.cache)
    os.environ["HF_HUB_OFFLINE"] = "1"

    import huggingface_hub
    from huggingface_hub import hf_hub_download, scan_cache_dir
    import torch
    import transformers

    print(f"huggingface_hub {huggingface_hub.__version__}, transformers {transformers.__version__}")
    for name in ["config.json", "model.safetensors"]:
        path = hf_hub_download(args.repo, name, revision=args.revision)
        print(f"hf_hub_download {name}: {path} ({os.path.getsize(path)} bytes)")
    info = scan_cache_dir(args.cache)
    for repo in info.repos:
        print(f"scan_cache_dir: {repo.repo_id} {repo.size_on_disk} bytes, "
              f"refs {sorted(r for rev in repo.revisions for r in rev.refs)}, "
              f"{sum(len(rev.files) for rev in repo.revisions)} files, warnings {len(info.warnings)}")
    if info.warnings:
        for w in info.warnings:
            print("warning:", w)
        sys.exit(1)
    config = transformers.AutoConfig.from_pretrained(args.repo, revision=args.revision)
    tokenizer = transformers.AutoTokenizer.from_pretrained(args.repo, revision=args.revision)
    model = transformers.AutoModel.from_pretrained(args.repo, revision=args.revision)
    encoded = tokenizer("hello world", return_tensors="pt")
    with torch.no_grad():
        hidden = model(**encoded).last_hidden_state
    print(f"config: {config.model_type}, hidden {config.hidden_size}, layers "
          f"{config.num_hidden_layers}; tokenizer {type(tokenizer).__name__}: "
          f"{encoded['input_ids'][0].tolist()}; model {type(model).__name__}: "
          f"last_hidden_state {tuple(hidden.shape)}, sum {hidden.sum().item():.6f}")
    print("OK: the cache loads offline")


if __name__ == "__main__":
    main()
