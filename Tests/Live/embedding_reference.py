"""An independent reference for the embedded sentence-embedding model: NumPy over the same
safetensors file, with Hugging Face's `tokenizers` for WordPiece. It computes what
sentence-transformers computes for all-MiniLM-L6-v2 (BERT, mean pooling, L2 normalization,
truncation at max_seq_length), in float32, one text at a time.

    python3 Tests/Live/embedding_reference.py MODEL_DIR "some text" ...   # prints ids and vectors as JSON
"""
import json
import math
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer


class Reference:
    def __init__(self, directory):
        directory = Path(directory)
        self.config = json.loads((directory / "config.json").read_text())
        self.max_length = json.loads((directory / "sentence_bert_config.json").read_text())["max_seq_length"]
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        # tokenizer.json carries padding/truncation at 128 for batch use; sentence-transformers
        # truncates at max_seq_length itself, so both are turned off here.
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.weights = {name: value.astype(np.float32) for name, value in load_file(str(directory / "model.safetensors")).items()}

    def token_ids(self, text):
        """Ids with [CLS]/[SEP], truncated to max_seq_length as sentence-transformers does."""
        ids = self.tokenizer.encode(text).ids
        if len(ids) > self.max_length:
            ids = ids[: self.max_length - 1] + [ids[-1]]
        return ids

    def embed_ids(self, ids):
        w = self.weights
        heads = self.config["num_attention_heads"]
        eps = self.config["layer_norm_eps"]
        ids = np.asarray(ids)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: len(ids)]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = layer_norm(x, w, "embeddings.LayerNorm", eps)
        for layer in range(self.config["num_hidden_layers"]):
            p = f"encoder.layer.{layer}."
            q = linear(x, w, p + "attention.self.query")
            k = linear(x, w, p + "attention.self.key")
            v = linear(x, w, p + "attention.self.value")
            n, hidden = x.shape
            size = hidden // heads
            qh = q.reshape(n, heads, size).transpose(1, 0, 2)
            kh = k.reshape(n, heads, size).transpose(1, 0, 2)
            vh = v.reshape(n, heads, size).transpose(1, 0, 2)
            scores = qh @ kh.transpose(0, 2, 1) / np.float32(math.sqrt(size))
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores = scores / scores.sum(axis=-1, keepdims=True)
            context = (scores @ vh).transpose(1, 0, 2).reshape(n, hidden)
            x = layer_norm(x + linear(context, w, p + "attention.output.dense"), w, p + "attention.output.LayerNorm", eps)
            inner = linear(x, w, p + "intermediate.dense")
            inner = 0.5 * inner * (1 + erf(inner / np.float32(math.sqrt(2))))
            x = layer_norm(x + linear(inner, w, p + "output.dense"), w, p + "output.LayerNorm", eps)
        pooled = x.mean(axis=0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def embed(self, text):
        return self.embed_ids(self.token_ids(text))


def linear(x, w, name):
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def layer_norm(x, w, name, eps):
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + np.float32(eps)) * w[name + ".weight"] + w[name + ".bias"]


try:
    from scipy.special import erf as _erf
except ImportError:  # exact too, only slower
    _erf = np.vectorize(math.erf, otypes=[np.float64])


def erf(x):
    return _erf(x.astype(np.float64)).astype(np.float32)


if __name__ == "__main__":
    reference = Reference(sys.argv[1])
    print(json.dumps([{"text": t, "ids": reference.token_ids(t), "embedding": reference.embed(t).tolist()} for t in sys.argv[2:]]))
