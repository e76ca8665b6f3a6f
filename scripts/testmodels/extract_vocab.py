#!/usr/bin/env python3
"""Extracts the two small vocabularies the test-model generator uses, once, from real GGUF files.

  python3 scripts/testmodels/extract_vocab.py [MODELS_DIR]   # default $SWITCHYARD_HOME/models

- vocab/bpe.json: a byte-level BPE vocabulary cut from SmolLM2-135M's: the 256 byte symbols of GPT-2's
  alphabet followed by the results of the first merges, in merge order, keeping only merges whose
  two parts are already in the subset (so the subset is closed under its merges). No special tokens:
  generate.py appends each family's own.
- vocab/spm.json: a SentencePiece vocabulary cut from Gemma 3's: the normal tokens in descending score
  order (printable ASCII characters first), keeping a token only when it can be built by merging two smaller kept pieces (or is one
  character), so that llama.cpp's SPM tokenizer can reach every kept token. Scores are Gemma's.
  The 256 <0xXX> byte tokens and the control tokens are added by generate.py per family.

The output is committed; rerunning on the same files gives the same JSON.
"""
import json
import os
import sys

import gguf

N_BPE_MERGES = 1792
N_SPM_TOKENS = 1800
HERE = os.path.dirname(os.path.abspath(__file__))


def field(reader, key):
    return reader.fields[key].contents()


def bpe_subset(path):
    r = gguf.GGUFReader(path)
    tokens = field(r, "tokenizer.ggml.tokens")
    merges = field(r, "tokenizer.ggml.merges")
    # GPT-2's byte alphabet: one printable character per byte value.
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    # Ids 0-255 are the byte symbols in GPT-2's order, as in Qwen2's and Llama 3's vocabularies (SmolLM2
    # lacks a few control bytes; a byte-level vocabulary needs all 256 to encode any text).
    base = [chr(c) for c in cs]
    known = set(base)
    vocab = list(base)
    kept = []
    for m in merges:
        if len(kept) == N_BPE_MERGES:
            break
        a, b = m.split(" ")
        if a in known and b in known and (a + b) not in known:
            kept.append(m)
            known.add(a + b)
            vocab.append(a + b)
    return {"source": os.path.basename(path), "tokens": vocab, "merges": kept}


def spm_subset(path):
    r = gguf.GGUFReader(path)
    tokens = field(r, "tokenizer.ggml.tokens")
    types = field(r, "tokenizer.ggml.token_type")
    scores = field(r, "tokenizer.ggml.scores")
    normal = [(s, i) for i, (ty, s) in enumerate(zip(types, scores)) if ty == 1]
    normal.sort(key=lambda x: (-x[0], x[1]))
    # Every printable ASCII character and '▁' as a token of its own (as in Llama 2's and Mistral's
    # vocabularies; Gemma ranks them low), then the best-scored tokens; other characters byte-fall-back.
    singles = set(chr(c) for c in range(0x21, 0x7F)) | {"\u2581"}
    kept = [(tokens[i], float(s)) for s, i in normal if tokens[i] in singles]
    kept_set = {t for t, _ in kept}
    for s, i in normal:
        if tokens[i] in kept_set:
            continue
        t = tokens[i]
        if len(t) == 1 or any(
            (t[:k] in kept_set or len(t[:k]) == 1) and (t[k:] in kept_set or len(t[k:]) == 1) for k in range(1, len(t))
        ):
            kept.append((t, float(s)))
            kept_set.add(t)
            if len(kept) == N_SPM_TOKENS:
                break
    return {"source": os.path.basename(path), "tokens": [t for t, _ in kept], "scores": [s for _, s in kept]}


def main():
    models = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get("SWITCHYARD_HOME", os.path.expanduser("~/.cache/switchyard")), "models")
    out = os.path.join(HERE, "vocab")
    os.makedirs(out, exist_ok=True)
    for name, data in (("bpe.json", bpe_subset(os.path.join(models, "SmolLM2-135M-Instruct.Q4_1.gguf"))),
                       ("spm.json", spm_subset(os.path.join(models, "gemma-3-270m-q4_k_m.gguf")))):
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=0)
            f.write("\n")
        print(name, len(data["tokens"]), "tokens")


if __name__ == "__main__":
    main()
