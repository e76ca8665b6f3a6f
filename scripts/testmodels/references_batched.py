#!/usr/bin/env python3
"""llama.cpp's teacher-forcing references for prompts evaluated in batches of 64 rows or more, where
ggml's CPU flash attention takes its tiled path (`ggml_compute_forward_flash_attn_ext_tiled`: F32
query tiles of 64 rows against KV tiles of 64 cells, online softmax per tile) instead of the one-chunk
f16 path that references.py's short prompts (< 64 tokens) exercise.

  python3 scripts/testmodels/references_batched.py MODELS_DIR [--gemma3 PATH] [--only qwen3.F32 ...]

Same server and procedure as references.py (llama.cpp 0c1e570 AVX2 llama-server, `-t 2 --parallel 1
-c 4096 -fa on`, `/completion` with `temperature: -1`, `n_probs: 5`, `cache_prompt: false`), plus
`-b 512 -ub 512`: each prompt (64 to 700 tokens) is one ubatch, or for Gemma 3's sliding window
llama-server's checkpoint batches (PromptBatchBreaks). Prompts are token ids: a deterministic text
tokenized by the server and cut to the lengths below. Writes references/batched/*.json and
references/batched/index.json.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import references as base  # noqa: E402

OUT = os.path.join(HERE, "references", "batched")
STEPS = 16
# Generated models: exactly one query tile (64 rows), two KV tiles (150), five (300; its decode steps
# view 512 cells, where ggml splits the KV cells per thread).
LENGTHS = [64, 150, 300]
# Gemma 3 270M: a prompt past the 512-token sliding window (batches of 188, 508 and 4 rows).
GEMMA3_LENGTHS = [130, 700]
MODELS = ["qwen3.F32", "qwen3.Q4_K_M", "llama3.F32", "llama3.Q4_K_M", "phi3.F32", "phi3.Q4_K_M"]
SERVER_FLAGS = ["-b", "512", "-ub", "512"]


def long_text():
    """Prose with varying numbers and names, long enough for 700 tokens of any of the vocabularies."""
    names = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken"]
    things = ["compilers", "queues", "proofs", "caches", "schedulers", "parsers", "networks", "kernels"]
    out = []
    for i in range(120):
        out.append(f"In year {1950 + 3 * i}, {names[i % len(names)]} wrote {7 * i + 3} pages about "
                   f"{things[(5 * i) % len(things)]}, and the committee met on day {(11 * i) % 28 + 1}.")
        if i % 9 == 8:
            out.append("\n\n")
    return " ".join(out)


def greedy_reference(server, tokens, forbidden):
    steps = base.greedy_steps(server, tokens, forbidden, STEPS)
    return {"prompt_tokens": tokens, "completion": "".join(s["token"] for s in steps), "steps": steps}


def references_for(model_path, lengths, log):
    server = base.Server(model_path, 4096, log, extra=SERVER_FLAGS)
    try:
        text_tokens = server.tokenize(long_text(), True, False)
        assert len(text_tokens) >= max(lengths), f"text of {len(text_tokens)} tokens"
        forbidden = base.partial_utf8_tokens(model_path)
        return [greedy_reference(server, text_tokens[:n], forbidden) for n in lengths]
    finally:
        server.close()


def write(name, data):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models_dir")
    ap.add_argument("--gemma3", help="gemma-3-270m-q4_k_m.gguf (switchyard pull gemma3-270m)")
    ap.add_argument("--only", nargs="*", help="ids (qwen3.F32, gemma3-270m); default: all")
    args = ap.parse_args()
    with open(os.path.join(HERE, "manifest.json")) as f:
        manifest = {f"{e['model']}.{e['type']}": e for e in json.load(f)["files"]}
    os.makedirs(OUT, exist_ok=True)
    index_path = os.path.join(OUT, "index.json")
    index = {}
    if os.path.exists(index_path):
        with open(index_path) as f:
            index = {e["id"]: e for e in json.load(f)["references"]}
    jobs = [(m, os.path.join(args.models_dir, manifest[m]["file"]), LENGTHS, manifest[m]) for m in MODELS]
    if args.gemma3:
        jobs.append(("gemma3-270m", args.gemma3, GEMMA3_LENGTHS,
                     {"file": os.path.basename(args.gemma3), "architecture": "gemma3"}))
    for ident, path, lengths, entry in jobs:
        if args.only and ident not in args.only:
            continue
        refs = references_for(path, lengths, os.path.join("/tmp", f"references-batched-{ident}.log"))
        write(f"{ident}.json", refs)
        g = base.gaps(refs)
        index[ident] = {"id": ident, "file": entry["file"], "architecture": entry["architecture"], "n_ctx": 4096,
                        "prompt_lengths": lengths, "reference": f"{ident}.json", "steps": len(g),
                        "min_top5_gap": round(min(g), 6)}
        print(f"{ident}: {len(g)} steps, smallest top-5 gap {min(g):.4f}")
    with open(index_path, "w") as f:
        json.dump({"llama.cpp": "0c1e570 (llama-cpp-python 0.3.36 sdist), AVX2 build",
                   "server_flags": "-t 2 --parallel 1 -c 4096 -fa on -b 512 -ub 512",
                   "references": [index[k] for k in sorted(index)]}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
