#!/usr/bin/env bash
# Runs examples/replicas on one machine: a throwaway PostgreSQL (scripts/postgres.sh), two
# `switchyard serve` model servers as the upstream pool (ports 9101 and 9102), and two
# replicas on ports 8081 and 8082 sharing the database. Creates a key with a rate limit,
# sends requests through both replicas, shows the ledger and the pool's metrics, and stops
# everything. Usage: examples/replicas/run.sh  (from the repository, after `swift build -c release`)
set -euo pipefail
cd "$(dirname "$0")/../.."
SWITCHYARD="${SWITCHYARD:-$PWD/.build/release/switchyard}"
work="$(mktemp -d "${TMPDIR:-/tmp}/switchyard-replicas.XXXXXX")"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
source scripts/postgres.sh
postgres_start
trap 'cleanup; postgres_stop' EXIT
database="$SWITCHYARD_TEST_POSTGRES_URL"

wait_healthy() {
    for _ in $(seq 1 300); do
        curl -fsS "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "run.sh: the server on port $1 did not start; its log:" >&2
    cat "$work/$1.log" >&2
    return 1
}

# The pool: two model servers (in production: vLLM, llama-server, ... on other machines).
for port in 9101 9102; do
    "$SWITCHYARD" serve --port "$port" --database "$work/upstream-$port.sqlite" --threads 1 >"$work/$port.log" 2>&1 &
    pids+=($!)
done
# Two replicas with the example's configuration; --database points them at the throwaway
# PostgreSQL instead of the file's URL.
for port in 8081 8082; do
    "$SWITCHYARD" serve --config examples/replicas/replicas.yaml --database "$database" --port "$port" \
        --home "$work/home-$port" >"$work/$port.log" 2>&1 &
    pids+=($!)
done
for port in 9101 9102 8081 8082; do wait_healthy "$port"; done

# A key made once is good on both replicas, with one budget between them.
secret="$("$SWITCHYARD" keys create --name demo --rpm 10 --database "$database" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')"
for port in 8081 8082 8081 8082; do
    curl -fsS "http://127.0.0.1:$port/v1/chat/completions" -H "Authorization: Bearer $secret" \
        -H "Content-Type: application/json" -D "$work/headers" -o "$work/reply.json" \
        -d '{"model": "smollm2", "messages": [{"role": "system", "content": "You are a terse assistant."}, {"role": "user", "content": "Say hello."}], "max_tokens": 8}'
    remaining="$(grep -i '^x-ratelimit-remaining-requests' "$work/headers" | tr -d '\r' | cut -d' ' -f2)"
    echo "replica :$port answered; requests left on the shared budget: $remaining"
done
echo "The ledger (both replicas' rows, one database):"
"$SWITCHYARD" usage --since 1h --by key --database "$database"
echo "The pool as replica :8081 saw it:"
curl -fsS http://127.0.0.1:8081/metrics -H "Authorization: Bearer $secret" | grep '^switchyard_upstream_requests'
