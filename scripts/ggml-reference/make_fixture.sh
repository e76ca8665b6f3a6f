#!/usr/bin/env bash
# Regenerates Tests/KernelsTests/Fixtures/ggml_products.bin with llama.cpp's own kernels.
# Needs an AVX2-only build of llama.cpp 0c1e570's ggml (libggml-cpu.so), e.g. the one the
# fixture README of ../shared/fixtures/gemma3-270m describes:
#   LLAMA_LIB=/path/to/build-avx2/bin scripts/ggml-reference/make_fixture.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
lib=${LLAMA_LIB:?set LLAMA_LIB to the directory holding libggml-cpu.so}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -mavx2 -mfma -mf16c -o "$work/kquant_products" scripts/ggml-reference/kquant_products.c \
    -L"$lib" -lggml-cpu -lggml-base -Wl,-rpath,"$lib"
mkdir -p Tests/KernelsTests/Fixtures
"$work/kquant_products" Tests/KernelsTests/Fixtures/ggml_products.bin
echo "wrote Tests/KernelsTests/Fixtures/ggml_products.bin"
