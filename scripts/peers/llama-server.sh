#!/usr/bin/env bash
# Builds llama.cpp's llama-server and llama-quantize (build 0c1e570, the copy vendored in the PyPI sdist
# llama-cpp-python==0.3.36) AVX2-only, once, and prints the path of llama-server (llama-quantize, which
# scripts/testmodels/make.sh uses, lies beside it: scripts/peers/llama-quantize.sh prints its path). The AVX2-only
# flags are those of shared/fixtures: this build computes exactly what Switchyard's engine
# computes on any x86 CPU, so a golden run against it can demand identical outputs.
#
#   scripts/peers/llama-server.sh          # prints .../bin/llama-server (building it if needed)
#
# Run the binary with LD_LIBRARY_PATH set to its folder. The cache is
# $SWITCHYARD_PEERS_CACHE (default ~/.cache/switchyard-peers); delete its llama.cpp-0c1e570-avx2
# folder to rebuild. CMake and ninja come from PyPI when the machine has none.
set -euo pipefail

version=0.3.36
cache="${SWITCHYARD_PEERS_CACHE:-$HOME/.cache/switchyard-peers}"
prefix="$cache/llama.cpp-0c1e570-avx2"
binary="$prefix/bin/llama-server"

if [ -x "$binary" ] && [ -x "$prefix/bin/llama-quantize" ]; then
    echo "$binary"
    exit 0
fi

log() { echo "llama-server.sh: $*" >&2; }
mkdir -p "$cache"
work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

pip_quiet() { python3 -m pip install --quiet --disable-pip-version-check "$@" >&2; }
if ! command -v cmake >/dev/null 2>&1; then log "installing cmake from PyPI"; pip_quiet cmake; fi
generator=()
if command -v ninja >/dev/null 2>&1 || { log "installing ninja from PyPI"; pip_quiet ninja && command -v ninja >/dev/null 2>&1; }; then
    generator=(-G Ninja)
fi

log "downloading the llama-cpp-python $version sdist"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary llama-cpp-python \
    "llama-cpp-python==$version" -d "$work" >&2
tar -xzf "$work/llama_cpp_python-$version.tar.gz" -C "$work"
source="$work/llama_cpp_python-$version/vendor/llama.cpp"

log "building llama-server and llama-quantize (AVX2 only, 2 jobs; takes a while once)"
cmake -S "$source" -B "$work/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
    -DGGML_AVX512=OFF -DGGML_AVX_VNNI=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF >"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; exit 1; }
cmake --build "$work/build" -j2 --target llama-server llama-quantize >"$work/build.log" 2>&1 || { tail -50 "$work/build.log" >&2; exit 1; }

# The binaries and the shared libraries they load, moved into place in one step.
mkdir -p "$work/out/bin"
cp -a "$work/build/bin/llama-server" "$work/build/bin/llama-quantize" "$work/out/bin/"
find "$work/build/bin" -maxdepth 1 -name '*.so*' -exec cp -a {} "$work/out/bin/" \;
rm -rf "$prefix"
mv "$work/out" "$prefix"
log "built $binary"
echo "$binary"
