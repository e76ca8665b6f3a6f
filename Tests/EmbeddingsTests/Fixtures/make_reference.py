"""Writes reference.json: the `tokenizers` ids and NumPy embeddings (Tests/Live/embedding_reference.py)
of the texts in Tests/Live/embedding_texts.py, for the Swift tests.

    python3 Tests/EmbeddingsTests/Fixtures/make_reference.py MODEL_DIR
"""
import json
import sys
from pathlib import Path

root = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(root / "Tests" / "Live"))
from embedding_reference import Reference  # noqa: E402
from embedding_texts import EMBEDDING_TEXTS, TOKENIZER_TEXTS  # noqa: E402

reference = Reference(sys.argv[1])
fixture = {
    "tokenized": [{"text": t, "ids": reference.tokenizer.encode(t).ids} for t in TOKENIZER_TEXTS],
    "embedded": [
        {"text": t, "ids": reference.token_ids(t), "embedding": [round(float(v), 7) for v in reference.embed(t)]}
        for t in EMBEDDING_TEXTS
    ],
}
(Path(__file__).parent / "reference.json").write_text(json.dumps(fixture, ensure_ascii=False, indent=0) + "\n")
