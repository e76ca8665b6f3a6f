#!/usr/bin/env bash
# Cross-checks `switchyard bench` against an established tool, GuideLLM (PyPI guidellm==0.8.1):
# both drive the same canned load — one stream at a time (concurrency 1), the same number of
# requests, the same fixed output length (ignore_eos), prompts of the same length in tokens —
# against one llama-server on the default model file, alternating tool by tool over a few rounds
# so that a drift of the machine hits both. It prints each tool's median output rate of a request
# (output tokens over the request's latency, first byte sent to last byte read) and TTFT p50, and
# exits 1 when either differs by more than 5 %. The rate over each tool's wall time is printed
# beside it for information: it also counts the tool's own pauses between requests, and one
# request caught by a load spike weighs on it as much as all the others.
#
#   scripts/bench-crosscheck.sh [REQUESTS [OUTPUT_TOKENS [PROMPT_WORDS [ROUNDS]]]]   # defaults 8 32 32 2
#
# Offline: GuideLLM and its dependencies install once from PyPI into
# $SWITCHYARD_PEERS_CACHE/guidellm-0.8.1 (default cache ~/.cache/switchyard-peers; it pulls
# torch, several GB); its tokenizer is made from the GGUF file itself by transformers, so nothing
# is fetched from a model hub. llama-server (scripts/peers/llama-server.sh) runs with
# --no-cache-prompt: every request pays for its whole prompt, whichever tool sent it. Token counts
# are the server's (`usage`) for both tools. Timings on a shared machine vary run to run; the
# two tools run alternately in the same invocation, so compare them with each other only.
set -euo pipefail
cd "$(dirname "$0")/.."

requests="${1:-8}"
output_tokens="${2:-32}"
prompt_words="${3:-32}"
rounds="${4:-2}"
switchyard="${SWITCHYARD_BIN:-$PWD/.build/release/switchyard}"
cache="${SWITCHYARD_PEERS_CACHE:-$HOME/.cache/switchyard-peers}"
venv="$cache/guidellm-0.8.1"
tokenizer="$cache/smollm2-135m-tokenizer"
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 GUIDELLM__LOGGING__DISABLED=true
log() { echo "bench-crosscheck.sh: $*" >&2; }

if [ ! -x "$venv/bin/guidellm" ]; then
    log "installing guidellm==0.8.1 (and gguf, to read the tokenizer) into $venv"
    rm -rf "$venv.partial"
    python3 -m venv "$venv.partial"
    "$venv.partial/bin/python" -m pip install --quiet --disable-pip-version-check guidellm==0.8.1 gguf >&2
    grep -rlI --null "$venv.partial" "$venv.partial/bin" | xargs -0 -r sed -i "s#$venv.partial#$venv#g"
    mv "$venv.partial" "$venv"
fi

model="$("$switchyard" pull --quiet | tail -1)"
if [ ! -f "$tokenizer/tokenizer.json" ]; then
    log "writing the tokenizer of $(basename "$model") to $tokenizer"
    "$venv/bin/python" - "$model" "$tokenizer" <<'PY'
import pathlib, sys
from transformers import AutoTokenizer
model = pathlib.Path(sys.argv[1])
AutoTokenizer.from_pretrained(str(model.parent), gguf_file=model.name).save_pretrained(sys.argv[2])
PY
fi

llama="${LLAMA_SERVER_BIN:-$(scripts/peers/llama-server.sh)}"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# The server gets core 0 and one thread, the measuring tool core 1: a Python tool spends far more
# CPU per request than bench, and on a 2-core machine that CPU would otherwise be taken from the
# server it measures, so each tool would measure a server slowed by itself.
server_cpus=0 client_cpus=1
[ "$(nproc)" -ge 2 ] || server_cpus=0 client_cpus=0
LD_LIBRARY_PATH="$(dirname "$llama")" taskset -c "$server_cpus" "$llama" -m "$model" --host 127.0.0.1 --port "$port" -t 1 --parallel 1 \
    -c 4096 --no-cache-prompt >"$work/llama-server.log" 2>&1 &
llama_pid=$!
trap 'kill "$llama_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 600); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "http://127.0.0.1:$port/health" 2>/dev/null; then break; fi
    sleep 0.5
done
url="http://127.0.0.1:$port/v1"
name="$(basename "$model")"

# What the chat template adds to every prompt, so that GuideLLM's synthetic prompt (counted
# without it) has as many tokens as bench's.
overhead="$(python3 - "$url" "$name" <<'PY'
import json, sys, urllib.request
body = {"model": sys.argv[2], "messages": [{"role": "user", "content": ""}], "max_tokens": 1}
request = urllib.request.Request(sys.argv[1] + "/chat/completions", json.dumps(body).encode(), {"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(request, timeout=300))["usage"]["prompt_tokens"])
PY
)"

for round in $(seq "$rounds"); do
    log "round $round/$rounds: switchyard bench"
    taskset -c "$client_cpus" "$switchyard" bench --base-url "$url" --model "$name" --concurrency 1 --requests "$requests" --warmup 1 \
        --output-tokens "$output_tokens" --prompt-words "$prompt_words" --json >"$work/bench-$round.json"
    if [ "$round" = 1 ]; then
        prompt_tokens="$(python3 -c "import json, sys; m = json.load(open(sys.argv[1]))['results'][0]['levels'][0]['metrics']; print(round(m['total_input_tokens'] / m['completed']) - int(sys.argv[2]))" \
            "$work/bench-1.json" "$overhead")"
    fi
    log "round $round/$rounds: guidellm ($prompt_tokens prompt tokens + $overhead of the template)"
    taskset -c "$client_cpus" "$venv/bin/guidellm" run --backend "kind=openai_http,target=http://127.0.0.1:$port,model=$name" \
        --profile kind=concurrent,streams=1 --constraint "kind=max_requests,count=$requests" \
        --tokenizer "kind=huggingface_auto,model=$tokenizer" \
        --data "kind=synthetic_text,prompt_tokens=$prompt_tokens,output_tokens=$output_tokens" \
        --output "kind=json,path=$work/guidellm-$round.json" --disable-console >"$work/guidellm-$round.log" 2>&1 \
        || { tail -40 "$work/guidellm-$round.log" >&2; exit 2; }
done

python3 - "$work" "$rounds" "$requests" <<'PY'
import json, re, statistics, sys
work, rounds, requests = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
# Per tool and request: output tokens over the request's latency (first byte sent to last byte
# read), and TTFT. Medians, so that one request caught by a load spike on a shared machine (a
# 9.5 s prompt where the others took 1.4 s, as llama-server's own log showed) does not decide.
tools = {"switchyard bench": {"rates": [], "ttft": [], "prompt": [], "tokens": 0, "wall": 0.0},
         "guidellm 0.8.1": {"rates": [], "ttft": [], "prompt": [], "tokens": 0, "wall": 0.0}}
for round in range(1, rounds + 1):
    level = json.load(open(f"{work}/bench-{round}.json"))["results"][0]["levels"][0]
    if level["metrics"]["failed"]:
        sys.exit(f"bench: {level['metrics']['failed']} request(s) failed: {level['metrics']['failures']}")
    bench = tools["switchyard bench"]
    bench["rates"] += [request["usage_output_tokens"] / request["e2e"] for request in level["requests"]]
    bench["ttft"] += [request["ttft"] * 1000 for request in level["requests"]]
    bench["prompt"] += [request["usage_prompt_tokens"] for request in level["requests"]]
    bench["tokens"] += level["metrics"]["total_output_tokens"]
    bench["wall"] += level["metrics"]["duration"]
    run = json.load(open(f"{work}/guidellm-{round}.json"))["benchmarks"][0]
    if run["requests"]["errored"] or run["requests"]["incomplete"]:
        sys.exit(f"guidellm: {len(run['requests']['errored'])} errored, {len(run['requests']['incomplete'])} incomplete")
    guide = tools["guidellm 0.8.1"]
    successful = run["requests"]["successful"]
    guide["rates"] += [request["output_tokens"] / request["request_latency"] for request in successful]
    guide["ttft"] += [request["time_to_first_token_ms"] for request in successful]
    guide["prompt"] += [request["prompt_tokens"] for request in successful]
    guide["tokens"] += sum(request["output_tokens"] for request in successful)
    guide["wall"] += run["duration"]
print(f"{'tool':18} {'requests':>8} {'prompt tok':>10} {'output tok/s':>12} {'(wall)':>8} {'TTFT p50 ms':>12}")
rows = {}
for name, tool in tools.items():
    rows[name] = (statistics.median(tool["rates"]), statistics.median(tool["ttft"]))
    print(f"{name:18} {len(tool['ttft']):8d} {statistics.mean(tool['prompt']):10.1f} {rows[name][0]:12.2f}"
          f" {tool['tokens'] / tool['wall']:8.2f} {rows[name][1]:12.1f}")
# The server's own account of the same requests (llama-server logs each one's prompt and
# generation time), in the order they came: the template probe, then per round bench's warm-up
# and its requests, then GuideLLM's. Neither tool's client is in these figures.
timings = re.findall(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens.*?\n.*?eval time =\s*([\d.]+) ms /\s*(\d+) tokens",
                     open(f"{work}/llama-server.log").read())
timings = timings[1:]
if len(timings) == rounds * (2 * requests + 1):
    for name, offset in (("switchyard bench", 1), ("guidellm 0.8.1", 1 + requests)):
        mine = [timings[r * (2 * requests + 1) + offset + i] for r in range(rounds) for i in range(requests)]
        rate = statistics.median(int(out) / ((float(prompt_ms) + float(eval_ms)) / 1000) for prompt_ms, _, eval_ms, out in mine)
        ttft = statistics.median(float(prompt_ms) for prompt_ms, *_ in mine)
        print(f"  llama-server's own timings of {name}'s requests: {rate:.2f} output tok/s, prompt {ttft:.1f} ms (p50)")
(a_tps, a_ttft), (b_tps, b_ttft) = rows.values()
tps_gap, ttft_gap = abs(a_tps - b_tps) / b_tps, abs(a_ttft - b_ttft) / b_ttft
print(f"difference: output tok/s {tps_gap * 100:.1f} %, TTFT p50 {ttft_gap * 100:.1f} % (limit 5 %)")
sys.exit(0 if tps_gap <= 0.05 and ttft_gap <= 0.05 else 1)
PY
