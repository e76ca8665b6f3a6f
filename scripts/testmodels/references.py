#!/usr/bin/env python3
"""Computes llama.cpp's references for the generated test models: tokenizations of the fixture strings
and teacher-forcing references (greedy top-5 log-probabilities), in the JSON shapes of
shared/fixtures/gemma3-270m (tokenizer.json, tokenizer_with_bos.json, reference_greedy.json).

  python3 scripts/testmodels/references.py MODELS_DIR            # every model of manifest.json
  python3 scripts/testmodels/references.py MODELS_DIR --only qwen2.F32

It runs llama.cpp's AVX2 llama-server (build 0c1e570; $LLAMA_SERVER, else the binary that
scripts/peers/llama-server.sh builds) once per model file and context size, as the Gemma 3 fixtures
were made: `-t 2 --parallel 1 -c N -fa on`, `/completion` with `temperature: -1`, `n_probs: 5`,
`cache_prompt: false`, every prompt under 64 tokens. Writes references/*.json and references/index.json.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import gguf

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "references")
STEPS = 32

# Tokenizer fixture strings shared by every family: words, contractions, digits (the pre-tokenizers
# split them differently), whitespace runs, newlines, code, punctuation, and non-ASCII text (byte-level
# symbols for BPE, byte fallback for SentencePiece).
COMMON_STRINGS = [
    "a", "Hello world", " Hello world", "Hello  world", "   leading spaces", "trailing spaces   ",
    "The quick brown fox jumps over the lazy dog.", "I'm sure they'll say it's what we've done, isn't it?",
    "1234567890", "3.14159 + 2,718 = 5.86", "In 2024 there were 1000000 users.",
    "tabs\tand\ttabs", "line one\nline two\n\nline four", "\n\n\n", " \n \n",
    "```python\ndef add(a, b):\n    return a + b\n```", "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}",
    "a+b=c; x*y/z; 5%2", "Ünïcödé façade café naïve", "日本語のテキスト", "Привет, мир!", "emoji 🙂👍🏽 end",
    "ＡＢＣ full-width", "\u2581literal lower one eighth block", "<not a special token>", "don'T SHOUT",
    "the theater, then thereafter", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
]
FAMILY_STRINGS = {
    "qwen2": ["<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
              "<tool_call>\n{\"name\": \"f\"}\n</tool_call><|endoftext|>", "<|im_start|><|im_end|>"],
    "qwen3": ["<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
              "<tool_call>\n{\"name\": \"f\"}\n</tool_call>", "<tool_response>ok</tool_response><|im_end|>"],
    "llama3": ["<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
               "<|python_tag|>{\"name\": \"f\", \"parameters\": {}}<|eom_id|>", "<|start_header_id|>x"],
    "mistral": ["[INST] Hello [/INST]", "[TOOL_CALLS] [{\"name\": \"f\"}]</s>", "<s>[INST]x[/INST]"],
    "phi3": ["<|user|>\nHello<|end|>\n<|assistant|>\n", "<|system|>\nBe brief.<|end|>\n", "<|endoftext|>x"],
}
# Teacher-forcing prompts: plain text plus one in the family's chat format.
PLAIN_PROMPTS = ["The capital of France is", "def fibonacci(n):\n    if n < 2:",
                 "Once upon a time, in a land far away, there lived"]
CHAT_PROMPTS = {
    "qwen2": "<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n<|im_start|>assistant\n",
    "qwen3": "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n",
    "llama3": "<|start_header_id|>user<|end_header_id|>\n\nWhat is the weather in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    "mistral": "[INST] What is the weather in Paris? [/INST]",
    "phi3": "<|user|>\nWhat is the weather in Paris?<|end|>\n<|assistant|>\n",
}


def server_binary():
    if os.environ.get("LLAMA_SERVER"):
        return os.environ["LLAMA_SERVER"]
    script = os.path.join(HERE, "..", "peers", "llama-server.sh")
    return subprocess.run([script], check=True, capture_output=True, text=True).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, model, n_ctx, log_path, extra=()):
        binary = server_binary()
        self.port = free_port()
        env = dict(os.environ, LD_LIBRARY_PATH=os.path.dirname(binary))
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [binary, "-m", model, "-t", "2", "--parallel", "1", "-c", str(n_ctx), "-fa", "on",
             "--host", "127.0.0.1", "--port", str(self.port), *extra],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama-server exited ({self.proc.returncode}); see {log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.close()
        raise RuntimeError(f"llama-server did not become healthy; see {log_path}")

    def post(self, path, body):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=300) as r:
            return json.load(r)

    def tokenize(self, text, add_special, parse_special):
        return self.post("/tokenize", {"content": text, "add_special": add_special,
                                       "parse_special": parse_special})["tokens"]

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def tokenizer_references(server, family):
    plain = []
    for t in COMMON_STRINGS + FAMILY_STRINGS[family]:
        special, ordinary = server.tokenize(t, False, True), server.tokenize(t, False, False)
        # llama.cpp's detokenization of each (`/detokenize`: special tokens rendered as their text).
        plain.append({"text": t, "tokens_parse_special": special, "tokens_plain": ordinary,
                      "detokenized_parse_special": server.post("/detokenize", {"tokens": special})["content"],
                      "detokenized_plain": server.post("/detokenize", {"tokens": ordinary})["content"]})
    with_bos = [{"text": t, "tokens_with_bos": server.tokenize(t, True, True)}
                for t in ["Hello world", FAMILY_STRINGS[family][0], ""]]
    return plain, with_bos


def partial_utf8_tokens(model_path):
    """The ids whose bytes are not valid UTF-8 on their own (byte-level BPE symbols of bytes >= 0x80 and
    merges of them, SentencePiece <0x80>-<0xFF>). llama-server drops the probabilities of a token that
    leaves the generated text inside a UTF-8 character, which would shift the steps; the references
    therefore forbid these as the greedy choice (logit_bias false). The recorded top-5 are of the raw
    logits, unaffected: when the best token is forbidden, a step's `id` is not its top-5's first."""
    r = gguf.GGUFReader(model_path)
    tokens = r.fields["tokenizer.ggml.tokens"].contents()
    model = r.fields["tokenizer.ggml.model"].contents()
    bad = []
    if model == "gpt2":
        decoder = {v: k for k, v in bytes_to_unicode().items()}
        for i, t in enumerate(tokens):
            if all(c in decoder for c in t):
                try:
                    bytes(decoder[c] for c in t).decode("utf-8")
                except UnicodeDecodeError:
                    bad.append(i)
    else:
        bad = [i for i, t in enumerate(tokens) if len(t) == 6 and t.startswith("<0x") and int(t[3:5], 16) >= 0x80]
    return bad


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def greedy_steps(server, tokens, forbidden, steps_wanted):
    """`steps_wanted` greedy steps after the prompt `tokens` (ids), each with its top-5 log-probabilities,
    tokens in `forbidden` never chosen."""
    r = server.post("/completion", {"prompt": tokens, "n_predict": steps_wanted, "temperature": -1, "n_probs": 5,
                                    "cache_prompt": False, "ignore_eos": True, "return_tokens": True,
                                    "logit_bias": [[i, False] for i in forbidden]})
    steps = []
    for p in r["completion_probabilities"]:
        top = [[t["id"], t["logprob"]] for t in p["top_logprobs"]]
        # The chosen token's log-probability, where it is among the top 5 (llama-server reports 0 otherwise).
        chosen = next((lp for i, lp in top if i == p["id"]), None)
        steps.append({"id": p["id"], "token": p["token"], "logprob": chosen, "top": top})
    assert len(steps) == steps_wanted, f"{len(steps)} steps"
    assert [s["id"] for s in steps] == r["tokens"][:steps_wanted], "the probabilities belong to the generated tokens"
    return steps


def greedy_reference(server, prompt, forbidden):
    tokens = server.tokenize(prompt, True, True)
    assert len(tokens) < 64, f"prompt of {len(tokens)} tokens: references stay under 64 (one-chunk kernels)"
    steps = greedy_steps(server, tokens, forbidden, STEPS)
    completion = "".join(s["token"] for s in steps)
    return {"prompt": prompt, "prompt_tokens": tokens, "completion": completion, "steps": steps}


def gaps(references):
    """Per step, the smallest difference between neighbouring top-5 log-probabilities."""
    out = []
    for ref in references:
        for s in ref["steps"]:
            lp = [t[1] for t in s["top"]]
            out.append(min(lp[i] - lp[i + 1] for i in range(len(lp) - 1)))
    return out


def write(name, data):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models_dir")
    ap.add_argument("--only", nargs="*", help="files (NAME.TYPE, e.g. qwen2.F32); default: all of the manifest")
    ap.add_argument("--tokenizers-only", action="store_true", help="only the tokenizer references")
    args = ap.parse_args()
    with open(os.path.join(HERE, "manifest.json")) as f:
        manifest = json.load(f)
    os.makedirs(OUT, exist_ok=True)
    done_tokenizers = set()
    for entry in manifest["files"]:
        stem = f"{entry['model']}.{entry['type']}"
        if args.only and stem not in args.only:
            continue
        family = entry["family"]
        if args.tokenizers_only and (entry["type"] != "F32" or family in done_tokenizers):
            continue
        for n_ctx in entry["reference_contexts"][:1] if args.tokenizers_only else entry["reference_contexts"]:
            suffix = "" if n_ctx == 4096 else f".ctx{n_ctx}"
            log = os.path.join("/tmp", f"references-{stem}{suffix}.log")
            server = Server(os.path.join(args.models_dir, entry["file"]), n_ctx, log)
            try:
                if family not in done_tokenizers and entry["type"] == "F32" and n_ctx == 4096:
                    plain, with_bos = tokenizer_references(server, family)
                    write(f"tokenizer-{family}.json", plain)
                    write(f"tokenizer_with_bos-{family}.json", with_bos)
                    done_tokenizers.add(family)
                if args.tokenizers_only:
                    continue
                prompts = PLAIN_PROMPTS + [CHAT_PROMPTS[family]]
                forbidden = partial_utf8_tokens(os.path.join(args.models_dir, entry["file"]))
                refs = [greedy_reference(server, p, forbidden) for p in prompts]
            finally:
                server.close()
            if args.tokenizers_only:
                continue
            name = f"{stem}{suffix}.json"
            write(name, refs)
            g = gaps(refs)
            print(f"{name}: {len(g)} steps, smallest top-5 gap {min(g):.4f}, {sum(x < 0.01 for x in g)} below 0.01")
    write_index(manifest)


def write_index(manifest):
    """references/index.json, rebuilt from the reference files present for the manifest's files."""
    index = []
    for entry in manifest["files"]:
        for n_ctx in entry["reference_contexts"]:
            name = f"{entry['model']}.{entry['type']}{'' if n_ctx == 4096 else f'.ctx{n_ctx}'}.json"
            path = os.path.join(OUT, name)
            if not os.path.exists(path):
                continue
            with open(path, encoding="utf-8") as f:
                g = gaps(json.load(f))
            index.append({"model": entry["model"], "type": entry["type"], "file": entry["file"],
                          "sha256": entry["sha256"], "family": entry["family"],
                          "architecture": entry["architecture"], "n_ctx": n_ctx, "reference": name, "steps": len(g),
                          "min_top5_gap": round(min(g), 6),
                          "steps_with_top5_gap_below_0.01": sum(1 for x in g if x < 0.01),
                          "steps_with_top5_gap_below_0.001": sum(1 for x in g if x < 0.001)})
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump({"llama.cpp": "0c1e570 (llama-cpp-python 0.3.36 sdist), AVX2 build",
                   "server_flags": "-t 2 --parallel 1 -c N_CTX -fa on", "references": index}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
