#!/usr/bin/env python3
"""Embeddings per second for 64 sentences of about 20 words: Switchyard's /v1/embeddings
(all-MiniLM-L6-v2, one request carrying the 64 inputs) against the NumPy reference
(Tests/Live/embedding_reference.py, the same safetensors file, NumPy's BLAS on every core) and,
when a GGUF conversion is given, llama.cpp's llama-embedding, all in the same run (only
ratios are meaningful on a shared machine). Every engine's vectors are checked against the
reference (cosine >= 0.9999) before its time counts.

    python3 scripts/bench-embeddings.py [--rounds 5] [--threads N] [--gguf MODEL.gguf --llama-bin DIR]

Needs `swift build -c release` and `switchyard pull all-minilm-l6-v2` first.
"""
import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "Live"))
from embedding_reference import Reference  # noqa: E402

WORDS = (
    "the a model server request token vector sentence river mountain quickly slowly bright dark city music "
    "engineer data network memory answer question green house window morning evening travel ocean forest "
    "library history future simple complex small large computer language people market energy system"
).split()


def sentences(count=64, words=20, seed=7):
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "." for _ in range(count)]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def cosines(vectors, reference_vectors):
    return [float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))) for a, b in zip(vectors, reference_vectors)]


def bench_switchyard(binary, model_dir, texts, rounds, threads):
    port = free_port()
    args = [binary, "serve", "--port", str(port), "--model", str(model_dir / "model.safetensors"),
            "--database", str(Path(tempfile.mkdtemp()) / "db.sqlite")]
    if threads:
        args += ["--threads", str(threads)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        model = json.loads(urllib.request.urlopen(base + "/v1/models").read())["data"][0]["id"]
        body = {"model": model, "input": texts}
        vectors = [item["embedding"] for item in post(base + "/v1/embeddings", body)["data"]]  # warm-up
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            post(base + "/v1/embeddings", body)
            times.append(time.perf_counter() - start)
        return statistics.median(times), vectors
    finally:
        process.terminate()
        process.wait()


def bench_numpy(reference, texts, rounds):
    vectors = [reference.embed(t) for t in texts]
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            reference.embed(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times), vectors


def bench_llama(llama_bin, gguf, texts, rounds, threads):
    """llama-embedding over the 64 texts (one per line), wall time of the whole run minus the
    time of a run over one text (so model loading is not counted)."""
    binary = Path(llama_bin) / "llama-embedding"
    env = {**os.environ, "LD_LIBRARY_PATH": str(Path(llama_bin))}

    def run(lines):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write("\n".join(lines))
        args = [str(binary), "-m", gguf, "-f", handle.name, "--pooling", "mean", "--embd-normalize", "2",
                "--embd-output-format", "json", "-c", "16384", "-b", "16384", "-ub", "16384", "--no-warmup", "-np", str(len(lines))]
        if threads:
            args += ["-t", str(threads)]
        start = time.perf_counter()
        result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(result.stderr[-2000:])
        data = json.loads(result.stdout[result.stdout.index("{"):])
        return elapsed, [item["embedding"] for item in data["data"]]

    run(texts[:1])
    load_only = statistics.median(run(texts[:1])[0] for _ in range(rounds))
    full = [run(texts) for _ in range(rounds)]
    return max(1e-9, statistics.median(t for t, _ in full) - load_only), full[0][1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "switchyard"))
    home = Path(os.environ.get("SWITCHYARD_HOME", Path.home() / ".cache" / "switchyard"))
    parser.add_argument("--model-dir", default=str(home / "models" / "all-MiniLM-L6-v2"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="compute threads for Switchyard and llama.cpp (default: every core)")
    parser.add_argument("--gguf", help="all-MiniLM-L6-v2 converted with llama.cpp's convert_hf_to_gguf.py (f32)")
    parser.add_argument("--llama-bin", default="/work/llama/build-avx2/bin")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()

    model_dir = Path(options.model_dir)
    texts = sentences()
    reference = Reference(model_dir)
    results = {}
    switchyard_time, switchyard_vectors = bench_switchyard(options.binary, model_dir, texts, options.rounds, options.threads)
    numpy_time, numpy_vectors = bench_numpy(reference, texts, options.rounds)
    assert min(cosines(switchyard_vectors, numpy_vectors)) >= 0.9999
    results["switchyard"] = len(texts) / switchyard_time
    results["numpy_reference"] = len(texts) / numpy_time
    if options.gguf:
        llama_time, llama_vectors = bench_llama(options.llama_bin, options.gguf, texts, options.rounds, options.threads)
        results["llama_embedding_min_cosine"] = min(cosines(llama_vectors, numpy_vectors))
        results["llama_embedding"] = len(texts) / llama_time
    tokens = sum(len(reference.token_ids(t)) for t in texts)
    if options.json:
        print(json.dumps({"sentences": len(texts), "tokens": tokens, "embeddings_per_second": results}))
        return
    print(f"{len(texts)} sentences, {tokens} tokens, median of {options.rounds} rounds")
    for name, value in results.items():
        if name.endswith("_cosine"):
            print(f"  {name:24s} {value:.6f}")
        else:
            ratio = value / results["numpy_reference"]
            print(f"  {name:24s} {value:9.1f} embeddings/s  ({ratio:.2f}x the NumPy reference)")


if __name__ == "__main__":
    main()
