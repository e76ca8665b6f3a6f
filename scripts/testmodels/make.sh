#!/usr/bin/env bash
# Writes the generated test models (tiny random-weight qwen2, qwen3, llama 3, mistral and phi3 files in
# F32, Q8_0 and Q4_K_M; see scripts/testmodels/README.md) into $SWITCHYARD_TESTMODELS (default
# $SWITCHYARD_HOME/testmodels) and checks each against manifest.json's sha256: the committed references
# were computed on exactly these bytes. A no-op when the files are there and match.
#
#   scripts/testmodels/make.sh            # prints the folder
#   scripts/testmodels/make.sh --size 0.5b # qwen3-0.5b and llama3-0.5b Q4_K_M (the speed bar's models,
#                                          # ~0.5B parameters, real vocabulary sizes) into $dir/0.5b
#
# Needs Python 3 (gguf and numpy from PyPI, pinned in requirements.txt) and llama.cpp's llama-quantize:
# $LLAMA_QUANTIZE, else the one scripts/peers/llama-quantize.sh builds (cached).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
home="${SWITCHYARD_HOME:-$HOME/.cache/switchyard}"
dir="${SWITCHYARD_TESTMODELS:-$home/testmodels}"
log() { echo "make.sh: $*" >&2; }

# Exit 0 when every file of the manifest is in $dir with its hash (standard library only).
up_to_date() {
    python3 - "$here/manifest.json" "$dir" <<'PY'
import hashlib, json, os, sys
manifest, folder = sys.argv[1], sys.argv[2]
for e in json.load(open(manifest))["files"]:
    path = os.path.join(folder, e["file"])
    if not os.path.isfile(path) or os.path.getsize(path) != e["bytes"]:
        sys.exit(1)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != e["sha256"]:
        sys.exit(1)
PY
}

quantizer() { echo "${LLAMA_QUANTIZE:-$("$here/../peers/llama-quantize.sh")}"; }

if [ "${1:-}" = "--size" ]; then
    [ "${2:-}" = "0.5b" ] || { log "usage: make.sh [--size 0.5b]"; exit 2; }
    big="$dir/0.5b"
    if [ -f "$big/qwen3-0.5b.Q4_K_M.gguf" ] && [ -f "$big/llama3-0.5b.Q4_K_M.gguf" ]; then echo "$big"; exit 0; fi
    python3 -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
    quantize="$(quantizer)"
    mkdir -p "$big"
    work="$(mktemp -d "$big/.make.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    for model in qwen3-0.5b llama3-0.5b; do
        log "generating $model (F32, then Q4_K_M)"
        python3 "$here/generate.py" "$work" --size 0.5b --only "$model" >/dev/null
        LD_LIBRARY_PATH="$(dirname "$quantize")" "$quantize" "$work/$model.F32.gguf" "$work/$model.Q4_K_M.gguf" Q4_K_M 2 \
            >"$work/$model.log" 2>&1 || { tail -20 "$work/$model.log" >&2; exit 1; }
        rm -f "$work/$model.F32.gguf"
        mv -f "$work/$model.Q4_K_M.gguf" "$big/"
    done
    echo "$big"
    exit 0
fi

if up_to_date; then
    echo "$dir"
    exit 0
fi

log "generating the test models into $dir"
python3 -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
quantize="$(quantizer)"
mkdir -p "$dir"
work="$(mktemp -d "$dir/.make.XXXXXX")"
trap 'rm -rf "$work"' EXIT
python3 "$here/generate.py" "$work" >/dev/null
# Quantizes, then compares every file with the manifest (a clear error when they differ).
python3 "$here/quantize.py" "$work" "$quantize" >&2
for f in "$work"/*.gguf; do mv -f "$f" "$dir/"; done
up_to_date || { log "the files in $dir do not match the manifest after generating them"; exit 1; }
echo "$dir"
