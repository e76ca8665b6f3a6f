#!/usr/bin/env bash
# Starts llama.cpp's llama-server and `switchyard serve` on the same model file (the default
# SmolLM2 135M) and runs one kit command against both, A = llama-server, B = Switchyard:
#
#   scripts/peers/compare.sh probe --compare          # the README's side-by-side probe
#   scripts/peers/compare.sh golden examples/golden/basic.jsonl
#
# llama-server comes from scripts/peers/llama-server.sh (built once); switchyard is
# $SWITCHYARD_BIN, else .build/release/switchyard. Both servers are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."

switchyard="${SWITCHYARD_BIN:-$PWD/.build/release/switchyard}"
model="$("$switchyard" pull --quiet | tail -1)"
llama="${LLAMA_SERVER_BIN:-$(scripts/peers/llama-server.sh)}"
logs="$(mktemp -d)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
llama_port="$(free_port)"
switchyard_port="$(free_port)"

LD_LIBRARY_PATH="$(dirname "$llama")" "$llama" -m "$model" --host 127.0.0.1 --port "$llama_port" -t 2 --parallel 1 \
    -c 4096 --jinja >"$logs/llama-server.log" 2>&1 &
llama_pid=$!
"$switchyard" serve --model "$model" --port "$switchyard_port" --database "$logs/switchyard.sqlite" \
    >"$logs/switchyard.log" 2>&1 &
switchyard_pid=$!
trap 'kill "$llama_pid" "$switchyard_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$logs"' EXIT

wait_healthy() {
    for _ in $(seq 600); do
        if python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$1" 2>/dev/null; then return 0; fi
        sleep 0.5
    done
    echo "compare.sh: $1 did not become healthy; logs:" >&2
    cat "$logs"/*.log >&2
    exit 2
}
wait_healthy "http://127.0.0.1:$llama_port/health"
wait_healthy "http://127.0.0.1:$switchyard_port/health"
served_model="$(python3 -c "import json, urllib.request, sys; print(json.load(urllib.request.urlopen(sys.argv[1]))['data'][0]['id'])" \
    "http://127.0.0.1:$switchyard_port/v1/models")"

"$switchyard" "$@" \
    --a "url=http://127.0.0.1:$llama_port/v1,model=$(basename "$model"),name=llama-server" \
    --b "url=http://127.0.0.1:$switchyard_port/v1,model=$served_model,name=switchyard"
