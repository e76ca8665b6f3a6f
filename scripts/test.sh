#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: one release build, the default model
# and gemma3-270m pulled (a no-op when present), the Swift suites, then the live-server suites that drive
# `switchyard serve` with the official OpenAI Python SDK; the fleet-store tests also run against
# a throwaway PostgreSQL (scripts/postgres.sh). Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

export SWITCHYARD_HOME="${SWITCHYARD_HOME:-$HOME/.cache/switchyard}"
python3 -m pip install --quiet --disable-pip-version-check -r Tests/Live/requirements.txt

# One optimized build serves both the Swift tests and the live tests (numeric code is
# 10-50x slower unoptimized, and building twice would double CI time).
swift build -c release --build-tests
if [ -x .build/release/switchyard ] && .build/release/switchyard help pull >/dev/null 2>&1; then
    .build/release/switchyard pull
    # The Gemma 3 270M exactness tests (tokenizer, teacher forcing) run on the real file.
    .build/release/switchyard pull gemma3-270m
    # The sentence-embedding model of /v1/embeddings (Embeddings tests, Tests/Live/test_embeddings.py).
    .build/release/switchyard pull all-minilm-l6-v2
fi
# The generated test models of the qwen2/qwen3/llama 3/mistral/phi3 exactness tests (GeneratedModel*Tests),
# made from fixed seeds and checked against scripts/testmodels/manifest.json (a no-op when present).
scripts/testmodels/make.sh >/dev/null
# A throwaway PostgreSQL cluster (stopped and removed on exit): the fleet-store suites run
# against it as well as against SQLite, and so do the replica live tests.
source scripts/postgres.sh
postgres_start

# At most 4 tests at once: with every test started together on CI's 2 cores, tests that wait
# on a socket or a timer were starved for over 10 s by the compute-bound engine tests.
swift test -c release --skip-build --experimental-maximum-parallelization-width 4

# Where the CPU has AVX-512 (F, BW, VL, DQ, VNNI) the run above took the AVX-512 kernel set;
# the teacher-forcing suites (exact log-probabilities against llama.cpp) run once more under
# the AVX2 set, so every run proves both sets the machine can execute.
if [ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ]; then
    flags=$(grep -m1 '^flags' /proc/cpuinfo)
    if [[ " $flags " == *" avx512f "* && " $flags " == *" avx512bw "* && " $flags " == *" avx512vl "* \
          && " $flags " == *" avx512dq "* && " $flags " == *" avx512_vnni "* ]]; then
        SWITCHYARD_KERNELS=avx2 swift test -c release --skip-build --filter TeacherForcing \
            --experimental-maximum-parallelization-width 4
    fi
fi
# And under the portable set (Swift SIMD code, for CPUs without AVX2), which must compute the same floats:
# the generated models (F32, Q8_0, Q4_K_M over six architectures, ~4 min). The real models' suites take over
# 20 minutes on this set (Q4_1 and Gemma's 262k-row output through plain Swift), too long for CI.
SWITCHYARD_KERNELS=portable swift test -c release --skip-build --filter GeneratedModelTeacherForcing \
    --experimental-maximum-parallelization-width 4

# The migration kit's real peers (Tests/Live/test_kit_peers.py): llama.cpp's llama-server built
# from the PyPI sdist and a LiteLLM proxy, each installed once and cached.
scripts/peers/llama-server.sh >/dev/null
scripts/peers/litellm.sh >/dev/null

if compgen -G "Tests/Live/test_*.py" >/dev/null; then
    SWITCHYARD_BIN="$PWD/.build/release/switchyard" python3 -m pytest -q Tests/Live
fi
