#!/usr/bin/env python3
"""Embeddings per second for 64 sentences of about 20 words: Switchyard's /v1/embeddings
(all-MiniLM-L6-v2, one request carrying the 64 inputs) against the NumPy reference
(Tests/Live/embedding_reference.py: the same safetensors file, one text at a time) and the
same NumPy code over one padded batch with an attention mask, all in the same run (only ratios
are meaningful on a shared machine). NumPy's BLAS gets as many threads as Switchyard. Every
result's vectors are checked against the reference (cosine >= 0.9999) before its time counts.

    python3 scripts/bench-embeddings.py [--rounds 5] [--threads N] [--json]

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


def _threads_from_arguments():
    """--threads must reach OpenBLAS before NumPy loads: its pool is sized at import."""
    for index, argument in enumerate(sys.argv):
        if argument == "--threads" and index + 1 < len(sys.argv):
            return sys.argv[index + 1]
        if argument.startswith("--threads="):
            return argument.split("=", 1)[1]
    return str(os.cpu_count() or 1)


os.environ.setdefault("OPENBLAS_NUM_THREADS", _threads_from_arguments())
os.environ.setdefault("OMP_NUM_THREADS", os.environ["OPENBLAS_NUM_THREADS"])

import numpy as np  # noqa: E402

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


def embed_numpy_batch(reference, texts):
    """The 64 texts as one padded NumPy batch with an attention mask (BLAS sees big matrices):
    the fairest NumPy anchor for a server that batches."""
    from embedding_reference import erf, layer_norm

    w = reference.weights
    config = reference.config
    heads, eps = config["num_attention_heads"], config["layer_norm_eps"]
    ids = [reference.token_ids(t) for t in texts]
    length = max(len(i) for i in ids)
    batch = len(ids)
    tokens = np.zeros((batch, length), dtype=np.int64)
    mask = np.zeros((batch, length), dtype=np.float32)
    for row, sequence in enumerate(ids):
        tokens[row, : len(sequence)] = sequence
        mask[row, : len(sequence)] = 1
    x = w["embeddings.word_embeddings.weight"][tokens] + w["embeddings.position_embeddings.weight"][:length]
    x = layer_norm(x + w["embeddings.token_type_embeddings.weight"][0], w, "embeddings.LayerNorm", eps)
    hidden = x.shape[-1]
    size = hidden // heads
    bias = ((1 - mask) * np.float32(-1e30))[:, None, None, :]
    for layer in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."

        def linear(v, name):
            return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        def split(v):
            return v.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

        q, k, v = split(linear(x, "attention.self.query")), split(linear(x, "attention.self.key")), split(linear(x, "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(size ** 0.5) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
        x = layer_norm(x + linear(context, "attention.output.dense"), w, p + "attention.output.LayerNorm", eps)
        inner = linear(x, "intermediate.dense")
        inner = 0.5 * inner * (1 + erf(inner / np.float32(2 ** 0.5)))
        x = layer_norm(x + linear(inner, "output.dense"), w, p + "output.LayerNorm", eps)
    pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def bench_numpy_batch(reference, texts, rounds):
    vectors = embed_numpy_batch(reference, texts)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        embed_numpy_batch(reference, texts)
        times.append(time.perf_counter() - start)
    return statistics.median(times), vectors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "switchyard"))
    home = Path(os.environ.get("SWITCHYARD_HOME", Path.home() / ".cache" / "switchyard"))
    parser.add_argument("--model-dir", default=str(home / "models" / "all-MiniLM-L6-v2"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="compute threads for Switchyard and NumPy's BLAS (default: every core)")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()

    model_dir = Path(options.model_dir)
    texts = sentences()
    reference = Reference(model_dir)
    results = {}
    switchyard_time, switchyard_vectors = bench_switchyard(options.binary, model_dir, texts, options.rounds, options.threads)
    numpy_time, numpy_vectors = bench_numpy(reference, texts, options.rounds)
    batch_time, batch_vectors = bench_numpy_batch(reference, texts, options.rounds)
    assert min(cosines(switchyard_vectors, numpy_vectors)) >= 0.9999
    assert min(cosines(batch_vectors, numpy_vectors)) >= 0.9999
    results["switchyard"] = len(texts) / switchyard_time
    results["numpy_reference"] = len(texts) / numpy_time
    results["numpy_padded_batch"] = len(texts) / batch_time
    tokens = sum(len(reference.token_ids(t)) for t in texts)
    if options.json:
        print(json.dumps({"sentences": len(texts), "tokens": tokens, "embeddings_per_second": results}))
        return
    print(f"{len(texts)} sentences, {tokens} tokens, median of {options.rounds} rounds, "
          f"{os.environ['OPENBLAS_NUM_THREADS']} BLAS threads, {options.threads or os.cpu_count()} Switchyard threads")
    for name, value in results.items():
        ratio = value / results["numpy_reference"]
        print(f"  {name:24s} {value:9.1f} embeddings/s  ({ratio:.2f}x the NumPy reference)")


if __name__ == "__main__":
    main()
