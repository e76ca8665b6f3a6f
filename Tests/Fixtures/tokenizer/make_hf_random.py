# Generates hf_random_smollm2.json: random mixed-script strings tokenized by Hugging Face
# `tokenizers` configured as SmolLM2 (individual digits, then GPT-2 byte-level), an
# implementation independent of llama.cpp that agrees with every llama.cpp fixture.
# The fourth argument picks the pre-tokenizer emulated (with SmolLM2's vocabulary and merges):
# smollm (default), gpt-2 (no digit splitting), llama-bpe (Llama 3 regex, ignore_merges), qwen2.
# Usage: pip install gguf tokenizers; python3 make_hf_random.py [count] [out.json] [model.gguf] [smollm|gpt-2|llama-bpe|qwen2]
import json, random, sys
from gguf import GGUFReader
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, AddedToken, Regex
r = GGUFReader(sys.argv[3] if len(sys.argv) > 3 else '/tmp/w/model.gguf'); f = r.fields
toks = [bytes(f['tokenizer.ggml.tokens'].parts[i]).decode() for i in f['tokenizer.ggml.tokens'].data]
merges = [bytes(f['tokenizer.ggml.merges'].parts[i]).decode() for i in f['tokenizer.ggml.merges'].data]
vocab = {t: i for i, t in enumerate(toks)}
bpe = models.BPE(vocab=vocab, merges=[tuple(m.split(' ', 1)) for m in merges])
tk = Tokenizer(bpe)
mode = sys.argv[4] if len(sys.argv) > 4 else 'smollm'
byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
if mode in ('llama-bpe', 'qwen2'):
    pattern = LLAMA3 if mode == 'llama-bpe' else LLAMA3.replace(r"\p{N}{1,3}", r"\p{N}")
    if mode == 'llama-bpe':
        tk = Tokenizer(models.BPE(vocab=vocab, merges=[tuple(m.split(' ', 1)) for m in merges], ignore_merges=True))
        tk.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in toks[:17]])
    tk.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(pattern), behavior="isolated"), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
else:
    tk.pre_tokenizer = byte_level if mode == 'gpt-2' else pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])
tk.decoder = decoders.ByteLevel()
tk.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in toks[:17]])
# sanity vs fixtures
fx = json.load(open('/work/shared/fixtures/smollm2/tokenizer.json'))
if mode == 'smollm':
    bad = sum(tk.encode(e['text']).ids != e['tokens_parse_special'] for e in fx)
    print("fixture mismatches vs HF:", bad, file=sys.stderr)
rng = random.Random(1)
pools = ["abcdefghij", "ABCxyz", " ", "  ", "\n", "\t", "0123456789", ".,;:!?'\"-()[]{}<>/\\@#$%^&*_=+|~`", "'s", "'ll", "'re", "éàüßçñ", "日本語中文한국어", "😀👍🏽🇫🇷", "\u00a0", "\u3000", "٣٤", "½Ⅷ", "\u0301", "<|im_start|>", "<|im_end|>", "\r\n", "ſ", "ǅ"] + ([] if mode in ("smollm", "gpt-2") else ["'S", "'LL", "'Re", " \n ", "\n\n  ", "!\n", "a\r\n\r\nb"])
cases = []
for n in range(int(sys.argv[1]) if len(sys.argv) > 1 else 400):
    s = "".join(rng.choice(rng.choice(pools)) if rng.random() < 0.7 else rng.choice(pools) for _ in range(rng.randint(1, 40)))
    cases.append({"text": s, "ids": tk.encode(s).ids})
json.dump(cases, open(sys.argv[2] if len(sys.argv) > 2 else 'hf_random_smollm2.json', 'w'), ensure_ascii=False, separators=(',', ':'))
print(len(cases), file=sys.stderr)
