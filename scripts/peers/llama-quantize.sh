#!/usr/bin/env bash
# Prints the path of llama.cpp's llama-quantize (build 0c1e570, AVX2-only), which
# scripts/peers/llama-server.sh builds beside llama-server, once (cached). Run it with
# LD_LIBRARY_PATH set to its folder. scripts/testmodels/make.sh quantizes the generated test models with it.
set -euo pipefail
server="$("$(dirname "$0")/llama-server.sh")"
echo "$(dirname "$server")/llama-quantize"
