#!/usr/bin/env python3
"""Writes tiny random-weight GGUF models of the families Switchyard serves, laid out as llama.cpp's
converter (convert_hf_to_gguf.py, build 0c1e570) writes each family: the same metadata keys, tensor
names and shapes, tokenizer model and pre-tokenizer, special tokens and chat template.

  python3 scripts/testmodels/generate.py OUT_DIR [--only NAME ...]     # the F32 files of MODELS below
  python3 scripts/testmodels/generate.py OUT_DIR --size 0.5b           # qwen3-0.5b / llama3-0.5b (F32)

The weights come from fixed seeds (numpy's PCG64), so the same command writes byte-identical files.
make.sh quantizes them (Q8_0, Q4_K_M) with llama.cpp's llama-quantize and checks the hashes.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import gguf

HERE = os.path.dirname(os.path.abspath(__file__))
# The output projection's spread: logits of standard deviation ~OUTPUT_STD * sqrt(n_embd) make the
# next-token distributions peaked enough that neighbouring top-5 log-probabilities rarely come within 0.01.
OUTPUT_STD = 1.0
# A tied output projection is the token embedding, which is also in the residual stream: with positive
# output-norm weights the current token's own logit would win almost every step (measured: 62 of 64).
# Output-norm weights of random sign, N(0, 2), remove that bias; the embedding's spread is then 0.5.
TIED_EMBEDDING_STD = 0.5
TIED_OUTPUT_NORM_STD = 2.0

# Special tokens, in the order the real vocabularies have them (after the regular tokens).
# (text, token type): 3 = control, 4 = user-defined (tokenizer.json's added tokens with special=false).
QWEN2_SPECIAL = [("<|endoftext|>", 3), ("<|im_start|>", 3), ("<|im_end|>", 3), ("<|object_ref_start|>", 3),
                 ("<|object_ref_end|>", 3), ("<|box_start|>", 3), ("<|box_end|>", 3), ("<|quad_start|>", 3),
                 ("<|quad_end|>", 3), ("<|vision_start|>", 3), ("<|vision_end|>", 3), ("<|vision_pad|>", 3),
                 ("<|image_pad|>", 3), ("<|video_pad|>", 3), ("<tool_call>", 4), ("</tool_call>", 4),
                 ("<|fim_prefix|>", 4), ("<|fim_middle|>", 4), ("<|fim_suffix|>", 4), ("<|fim_pad|>", 4),
                 ("<|repo_name|>", 4), ("<|file_sep|>", 4)]
QWEN3_SPECIAL = QWEN2_SPECIAL + [("<tool_response>", 4), ("</tool_response>", 4), ("<think>", 4), ("</think>", 4)]
LLAMA3_SPECIAL = [("<|begin_of_text|>", 3), ("<|end_of_text|>", 3), ("<|reserved_special_token_0|>", 3),
                  ("<|reserved_special_token_1|>", 3), ("<|finetune_right_pad_id|>", 3),
                  ("<|reserved_special_token_2|>", 3), ("<|start_header_id|>", 3), ("<|end_header_id|>", 3),
                  ("<|eom_id|>", 3), ("<|eot_id|>", 3), ("<|python_tag|>", 3)]
# SentencePiece layouts: ids 0-2 <unk> <s> </s>; Mistral v0.3 puts its control tokens next, Phi-3 appends
# its chat tokens after the vocabulary (score -1000, as the phi3 converter writes added tokens).
MISTRAL_CONTROL = ["[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
                   "[TOOL_RESULTS]", "[/TOOL_RESULTS]"]
PHI3_ADDED = [("<|endoftext|>", 3), ("<|assistant|>", 3), ("<|placeholder1|>", 3), ("<|placeholder2|>", 3),
              ("<|placeholder3|>", 3), ("<|placeholder4|>", 3), ("<|system|>", 3), ("<|end|>", 3),
              ("<|placeholder5|>", 3), ("<|placeholder6|>", 3), ("<|user|>", 3)]


def llama3_rope_factors(head_dim, base, factor=32.0, low=1.0, high=4.0, orig=8192):
    """The rope_freqs.weight the llama converter computes for rope_type llama3 (Llama 3.2's values)."""
    out = []
    for i in range(0, head_dim, 2):
        freq = 1.0 / (base ** (np.float32(i) / np.float32(head_dim)))
        wavelen = 2 * math.pi / freq
        if wavelen < orig / high:
            out.append(1.0)
        elif wavelen > orig / low:
            out.append(factor)
        else:
            smooth = (orig / wavelen - low) / (high - low)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(out, dtype=np.float32)


# Every model: family (tokenizer + template), arch, shapes, rope, tied output. Widths are multiples of
# 256 (K-quant rows); head size 64 or 128; GQA everywhere except where noted.
MODELS = {
    "qwen2": dict(family="qwen2", arch="qwen2", n_embd=256, n_layer=2, n_head=4, n_kv=2, head=64, n_ff=768,
                  ctx=32768, base=1000000.0, eps=1e-6, tied=False, seed=1),
    "qwen2-tied": dict(family="qwen2", arch="qwen2", n_embd=256, n_layer=2, n_head=4, n_kv=2, head=64, n_ff=768,
                       ctx=32768, base=1000000.0, eps=1e-6, tied=True, seed=2),
    "qwen3": dict(family="qwen3", arch="qwen3", n_embd=256, n_layer=3, n_head=4, n_kv=2, head=128, n_ff=768,
                  ctx=40960, base=1000000.0, eps=1e-6, tied=True, seed=3),
    "llama3": dict(family="llama3", arch="llama", n_embd=256, n_layer=3, n_head=4, n_kv=2, head=64, n_ff=768,
                   ctx=131072, base=500000.0, eps=1e-5, tied=False, rope="llama3", seed=4),
    "llama3-linear": dict(family="llama3", arch="llama", n_embd=256, n_layer=2, n_head=4, n_kv=1, head=64,
                          n_ff=768, ctx=16384, base=500000.0, eps=1e-5, tied=False, rope="linear",
                          rope_factor=4.0, seed=5),
    "llama3-yarn": dict(family="llama3", arch="llama", n_embd=256, n_layer=2, n_head=4, n_kv=2, head=64, n_ff=768,
                        ctx=32768, base=500000.0, eps=1e-5, tied=False, rope="yarn", rope_factor=4.0,
                        rope_orig_ctx=8192, seed=6),
    "mistral": dict(family="mistral", arch="llama", n_embd=256, n_layer=2, n_head=4, n_kv=1, head=64, n_ff=768,
                    ctx=32768, base=1000000.0, eps=1e-5, tied=False, seed=7),
    "phi3": dict(family="phi3", arch="phi3", n_embd=256, n_layer=2, n_head=4, n_kv=2, head=64, n_ff=768,
                 ctx=131072, base=10000.0, eps=1e-5, tied=False, rope="longrope", rope_orig_ctx=4096,
                 sliding_window=262144, seed=8),
}

# Realistic sizes for the speed bar (not committed, not in the tests): Qwen3-0.6B's shapes, and a
# 16-layer Llama 3.2-style model; the real vocabulary sizes, padded with reserved control tokens.
BIG_MODELS = {
    "qwen3-0.5b": dict(family="qwen3", arch="qwen3", n_embd=1024, n_layer=28, n_head=16, n_kv=8, head=128,
                       n_ff=3072, ctx=40960, base=1000000.0, eps=1e-6, tied=True, seed=101, n_vocab=151936),
    "llama3-0.5b": dict(family="llama3", arch="llama", n_embd=1024, n_layer=16, n_head=16, n_kv=4, head=64,
                        n_ff=4096, ctx=131072, base=500000.0, eps=1e-5, tied=False, rope="llama3", seed=102,
                        n_vocab=128256),
}

TEMPLATES = {
    "qwen2": "Qwen-Qwen2.5-7B-Instruct.jinja",
    "qwen3": "Qwen-Qwen3-0.6B.jinja",
    "llama3": "meta-llama-Llama-3.2-3B-Instruct.jinja",
    "mistral": "mistralai-Mistral-Nemo-Instruct-2407.jinja",
    "phi3": "microsoft-Phi-3.5-mini-instruct.jinja",
}


def load_json(name):
    with open(os.path.join(HERE, "vocab", name), encoding="utf-8") as f:
        return json.load(f)


def bpe_vocab(special, n_vocab=None):
    v = load_json("bpe.json")
    tokens = list(v["tokens"])
    types = [1] * len(tokens)
    first_special = len(tokens)
    for text, ty in special:
        tokens.append(text)
        types.append(ty)
    if n_vocab is not None:
        for k in range(n_vocab - len(tokens)):
            tokens.append(f"<|reserved_{k}|>")
            types.append(3)
    return tokens, types, v["merges"], first_special


def spm_vocab(family, n_vocab=None):
    v = load_json("spm.json")
    tokens, scores, types = ["<unk>", "<s>", "</s>"], [0.0, 0.0, 0.0], [2, 3, 3]
    if family == "mistral":
        for t in MISTRAL_CONTROL:
            tokens.append(t)
            scores.append(0.0)
            types.append(3)
    for b in range(256):
        tokens.append(f"<0x{b:02X}>")
        scores.append(0.0)
        types.append(6)
    tokens += v["tokens"]
    scores += v["scores"]
    types += [1] * len(v["tokens"])
    if family == "phi3":
        for text, ty in PHI3_ADDED:
            tokens.append(text)
            scores.append(-1000.0)
            types.append(ty)
    return tokens, scores, types


def write_tokenizer(w, family, n_vocab=None):
    """The tokenizer.* keys as the converter writes them for the family; returns the vocabulary size."""
    if family in ("qwen2", "qwen3", "llama3"):
        special = {"qwen2": QWEN2_SPECIAL, "qwen3": QWEN3_SPECIAL, "llama3": LLAMA3_SPECIAL}[family]
        tokens, types, merges, s0 = bpe_vocab(special, n_vocab)
        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre("llama-bpe" if family == "llama3" else "qwen2")
        w.add_token_list(tokens)
        w.add_token_types(types)
        w.add_token_merges(merges)
        ids = {t: i for i, t in enumerate(tokens)}
        if family == "llama3":
            w.add_bos_token_id(ids["<|begin_of_text|>"])
            w.add_eos_token_id(ids["<|eot_id|>"])
            w.add_add_bos_token(True)
        else:
            w.add_bos_token_id(ids["<|endoftext|>"])
            w.add_eos_token_id(ids["<|im_end|>"])
            w.add_pad_token_id(ids["<|endoftext|>"])
            w.add_add_bos_token(False)
    else:
        tokens, scores, types = spm_vocab(family, n_vocab)
        w.add_tokenizer_model("llama")
        w.add_tokenizer_pre("default")
        w.add_token_list(tokens)
        w.add_token_scores(scores)
        w.add_token_types(types)
        ids = {t: i for i, t in enumerate(tokens)}
        w.add_bos_token_id(1)
        w.add_unk_token_id(0)
        if family == "phi3":
            w.add_eos_token_id(ids["<|endoftext|>"])
            w.add_pad_token_id(ids["<|endoftext|>"])
            w.add_add_bos_token(False)
        else:
            w.add_eos_token_id(2)
            w.add_add_bos_token(True)
        w.add_add_eos_token(False)
    with open(os.path.join(HERE, "templates", TEMPLATES[family]), encoding="utf-8") as f:
        w.add_chat_template(f.read())
    return len(tokens)


class Weights:
    """Deterministic random tensors. Standard deviations are chosen so that the next-token
    distributions are peaked (top-5 log-probabilities well apart) and every layer matters."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def normal(self, shape, std, mean=0.0):
        return (mean + std * self.rng.standard_normal(shape)).astype(np.float32)


def write_model(name, spec, path):
    a = spec["arch"]
    n_embd, n_layer, n_head, n_kv, hd, n_ff = (spec[k] for k in ("n_embd", "n_layer", "n_head", "n_kv", "head", "n_ff"))
    w = gguf.GGUFWriter(path, a)
    rnd = Weights(spec["seed"])

    # general.* and the architecture's hyperparameters, in the converter's order.
    w.add_type("model")
    w.add_name(f"switchyard-test-{name}")
    w.add_block_count(n_layer)
    w.add_context_length(spec["ctx"])
    w.add_embedding_length(n_embd)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_kv)
    rope = spec.get("rope")
    if rope == "linear":
        w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        w.add_rope_scaling_factor(spec["rope_factor"])
    elif rope == "yarn":
        w.add_rope_scaling_type(gguf.RopeScalingType.YARN)
        w.add_rope_scaling_factor(spec["rope_factor"])
        w.add_rope_scaling_orig_ctx_len(spec["rope_orig_ctx"])
    if a == "phi3":
        w.add_rope_scaling_orig_ctx_len(spec["rope_orig_ctx"])
        w.add_rope_dimension_count(hd)
    w.add_rope_freq_base(spec["base"])
    w.add_layer_norm_rms_eps(spec["eps"])
    if a == "qwen3" or spec["family"] == "llama3":
        # Qwen3's and Llama 3.2's config.json carry head_dim, which the converter writes as key/value_length.
        w.add_key_length(hd)
        w.add_value_length(hd)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    if a == "phi3":
        w.add_sliding_window(spec["sliding_window"])
    n_vocab = write_tokenizer(w, spec["family"], spec.get("n_vocab"))
    if a == "llama":
        w.add_vocab_size(n_vocab)
        w.add_rope_dimension_count(hd)

    # Tensors (numpy shapes are ggml's ne reversed).
    tied = spec["tied"]
    w.add_tensor("token_embd.weight", rnd.normal((n_vocab, n_embd), TIED_EMBEDDING_STD if tied else 1.0))
    if rope == "llama3":
        w.add_tensor("rope_freqs.weight", llama3_rope_factors(hd, spec["base"]))
    if rope == "longrope":
        # LongRoPE's per-dimension factors; Phi-3.5-mini's are 1.0-1.1 (short) and 1.0-~60 (long).
        ramp = np.linspace(0.0, 1.0, hd // 2, dtype=np.float32)
        w.add_tensor("rope_factors_long.weight", (1.0 + 31.0 * ramp ** 2).astype(np.float32))
        w.add_tensor("rope_factors_short.weight", (1.0 + 0.1 * ramp).astype(np.float32))
        scale = spec["ctx"] / spec["rope_orig_ctx"]
        # Written after the tensors by the converter (generate_extra_tensors); the order of KV pairs is free.
        w.add_rope_scaling_attn_factors(math.sqrt(1 + math.log(scale) / math.log(spec["rope_orig_ctx"])))
    w.add_tensor("output_norm.weight", rnd.normal((n_embd,), TIED_OUTPUT_NORM_STD, 0.0) if tied
                 else rnd.normal((n_embd,), 0.1, 1.0))
    if not tied:
        w.add_tensor("output.weight", rnd.normal((n_vocab, n_embd), OUTPUT_STD))
    q_dim, kv_dim = n_head * hd, n_kv * hd
    for i in range(n_layer):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", rnd.normal((n_embd,), 0.1, 1.0))
        if a == "phi3":
            w.add_tensor(p + "attn_qkv.weight", np.concatenate([
                rnd.normal((q_dim, n_embd), 0.08), rnd.normal((kv_dim, n_embd), 0.08),
                rnd.normal((kv_dim, n_embd), 0.05)]))
        else:
            w.add_tensor(p + "attn_q.weight", rnd.normal((q_dim, n_embd), 0.08))
            w.add_tensor(p + "attn_k.weight", rnd.normal((kv_dim, n_embd), 0.08))
            w.add_tensor(p + "attn_v.weight", rnd.normal((kv_dim, n_embd), 0.05))
        if a == "qwen2":
            w.add_tensor(p + "attn_q.bias", rnd.normal((q_dim,), 0.5))
            w.add_tensor(p + "attn_k.bias", rnd.normal((kv_dim,), 0.5))
            w.add_tensor(p + "attn_v.bias", rnd.normal((kv_dim,), 0.2))
        if a == "qwen3":
            w.add_tensor(p + "attn_q_norm.weight", rnd.normal((hd,), 0.3, 1.5))
            w.add_tensor(p + "attn_k_norm.weight", rnd.normal((hd,), 0.3, 1.5))
        w.add_tensor(p + "attn_output.weight", rnd.normal((n_embd, q_dim), 0.05))
        w.add_tensor(p + "ffn_norm.weight", rnd.normal((n_embd,), 0.1, 1.0))
        if a == "phi3":
            # Fused gate and up projections: the first n_ff rows are the gate (HF's gate_up_proj order).
            w.add_tensor(p + "ffn_up.weight", rnd.normal((2 * n_ff, n_embd), 0.05))
        else:
            w.add_tensor(p + "ffn_gate.weight", rnd.normal((n_ff, n_embd), 0.05))
            w.add_tensor(p + "ffn_up.weight", rnd.normal((n_ff, n_embd), 0.05))
        w.add_tensor(p + "ffn_down.weight", rnd.normal((n_embd, n_ff), 0.05))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--only", nargs="*", help="model names (default: all)")
    ap.add_argument("--size", choices=["tiny", "0.5b"], default="tiny")
    args = ap.parse_args()
    models = BIG_MODELS if args.size == "0.5b" else MODELS
    names = args.only or list(models)
    unknown = [n for n in names if n not in models]
    if unknown:
        sys.exit(f"generate.py: unknown model(s) {', '.join(unknown)}; known: {', '.join(models)}")
    os.makedirs(args.out_dir, exist_ok=True)
    for name in names:
        path = os.path.join(args.out_dir, f"{name}.F32.gguf")
        tmp = path + ".tmp"
        write_model(name, models[name], tmp)
        os.replace(tmp, path)
        print(path)


if __name__ == "__main__":
    main()
