"""`POST /v1/embeddings` through the official OpenAI SDK: all-MiniLM-L6-v2 served beside the
chat model, checked against an independent reference (NumPy over the same safetensors file,
Hugging Face `tokenizers` for WordPiece), OpenAI's schema, its error shapes, the usage ledger,
and an upstream embedding model passing through a second server."""
import base64
import json
import os
from pathlib import Path

import numpy as np
import openai
import pytest

from conftest import RunningServer, http_json, load_openai_schemas
from conftest import validate_schema as validate
from embedding_texts import EMBEDDING_TEXTS, TOKENIZER_TEXTS
from test_fleet_keys import cli, create_key

EMBEDDING_MODEL = "all-minilm-l6-v2"


def embedding_model_dir() -> Path:
    home = Path(os.environ.get("SWITCHYARD_HOME", Path.home() / ".cache" / "switchyard"))
    path = home / "models" / "all-MiniLM-L6-v2"
    if not (path / "model.safetensors").exists():
        pytest.skip(f"{path} is missing (run `switchyard pull all-minilm-l6-v2`)")
    return path


@pytest.fixture(scope="module")
def reference():
    from embedding_reference import Reference

    return Reference(embedding_model_dir())


@pytest.fixture(scope="module")
def both():
    """The chat model and the embedding model in one server, as the README shows."""
    embedding_model_dir()
    chat = [] if os.environ.get("SWITCHYARD_TEST_MODEL") else ["--model", "smollm2-135m-instruct"]
    running = RunningServer(*chat, "--model", EMBEDDING_MODEL)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def embedding_schemas():
    return load_openai_schemas("responses-schemas.json")



def cosine(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_strings_equal_the_numpy_reference(both, reference, embedding_schemas):
    client = both.client()
    raw = client.embeddings.with_raw_response.create(model=EMBEDDING_MODEL, input=EMBEDDING_TEXTS, encoding_format="float")
    body = json.loads(raw.http_response.text)
    validate(embedding_schemas, "CreateEmbeddingResponse", body)
    result = raw.parse()
    assert result.object == "list" and result.model == EMBEDDING_MODEL
    assert [item.index for item in result.data] == list(range(len(EMBEDDING_TEXTS)))
    ids = [reference.token_ids(text) for text in EMBEDDING_TEXTS]
    assert result.usage.prompt_tokens == sum(len(i) for i in ids)
    assert result.usage.total_tokens == result.usage.prompt_tokens
    for text, item in zip(EMBEDDING_TEXTS, result.data):
        assert len(item.embedding) == 384
        assert cosine(item.embedding, reference.embed(text)) >= 0.9999, text[:40]
        assert abs(np.linalg.norm(item.embedding) - 1) < 1e-4


def test_one_string_and_semantic_order(both):
    client = both.client()
    one = client.embeddings.create(model=EMBEDDING_MODEL, input="A man is eating food.")
    assert len(one.data) == 1 and one.data[0].index == 0
    others = client.embeddings.create(model=EMBEDDING_MODEL, input=["A man is eating a piece of bread.", "The stock market fell sharply."])
    near, far = (cosine(one.data[0].embedding, item.embedding) for item in others.data)
    assert near > far + 0.3


def test_token_ids_equal_text(both, reference):
    client = both.client()
    text = "The quick brown fox jumps over the lazy dog."
    framed = reference.token_ids(text)
    content = framed[1:-1]
    by_text = client.embeddings.create(model=EMBEDDING_MODEL, input=text).data[0].embedding
    flat = client.embeddings.create(model=EMBEDDING_MODEL, input=content)
    assert len(flat.data) == 1
    assert cosine(flat.data[0].embedding, by_text) > 0.999999
    assert flat.usage.prompt_tokens == len(framed)
    nested = client.embeddings.create(model=EMBEDDING_MODEL, input=[content, framed, [7592]])
    assert len(nested.data) == 3
    assert cosine(nested.data[0].embedding, by_text) > 0.999999
    assert cosine(nested.data[1].embedding, by_text) > 0.999999
    assert cosine(nested.data[2].embedding, reference.embed_ids([101, 7592, 102])) >= 0.9999


def test_base64_decodes_to_the_float_vectors(both):
    client = both.client()
    texts = ["Hello, world!", "Ça a été déjà vu."]
    floats = client.embeddings.create(model=EMBEDDING_MODEL, input=texts, encoding_format="float")
    # The SDK decodes base64 itself when it asked for it; the raw body shows the string.
    raw = client.embeddings.with_raw_response.create(model=EMBEDDING_MODEL, input=texts, encoding_format="base64")
    body = json.loads(raw.http_response.text)
    for item, expected in zip(body["data"], floats.data):
        assert isinstance(item["embedding"], str)
        decoded = np.frombuffer(base64.b64decode(item["embedding"]), dtype="<f4")
        assert np.array_equal(decoded, np.asarray(expected.embedding, dtype=np.float32))
    # Without encoding_format the SDK asks for base64 and hands back floats.
    default = client.embeddings.create(model=EMBEDDING_MODEL, input=texts)
    for item, expected in zip(default.data, floats.data):
        assert np.array_equal(np.asarray(item.embedding, dtype=np.float32), np.asarray(expected.embedding, dtype=np.float32))


def test_long_inputs_are_truncated_at_256_tokens(both, reference):
    client = both.client()
    text = " ".join(f"word{i}" for i in range(400))
    result = client.embeddings.create(model=EMBEDDING_MODEL, input=text)
    assert result.usage.prompt_tokens == 256
    assert cosine(result.data[0].embedding, reference.embed(text)) >= 0.9999


def test_tokenize_endpoint_equals_hugging_face_tokenizers(both, reference):
    for text in TOKENIZER_TEXTS:
        status, body = http_json("POST", f"{both.base_url}/tokenize", {"model": EMBEDDING_MODEL, "prompt": text})
        assert status == 200, body
        assert body["tokens"] == reference.tokenizer.encode(text).ids, repr(text)


@pytest.mark.parametrize(
    "fields, param",
    [
        ({"input": []}, "input"),
        ({"input": ""}, "input"),
        ({"input": ["ok", ""]}, "input[1]"),
        ({"input": ["ok"] * 2049}, "input"),
        ({"input": [[101, 102], []]}, "input[1]"),
        ({"input": [101, 99999]}, "input"),
        ({"input": [[101], [5, 30522]]}, "input[1]"),
        ({"input": [1, -3]}, "input[1]"),
        ({"input": ["text", 5]}, "input[1]"),
        ({"input": [[1, 2], "text"]}, "input[1]"),
        ({"input": [[1, "x"]]}, "input[0][1]"),
        ({"input": {"text": "x"}}, "input"),
        ({"input": 42}, "input"),
        ({}, "input"),
        ({"input": "x", "encoding_format": "int8"}, "encoding_format"),
        ({"input": "x", "dimensions": 128}, "dimensions"),
        ({"input": "x", "dimensions": "128"}, "dimensions"),
    ],
)
def test_bad_inputs_get_openai_400s(both, fields, param):
    status, body = http_json("POST", f"{both.base_url}/v1/embeddings", {"model": EMBEDDING_MODEL, **fields})
    assert status == 400, body
    error = body["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param, error
    assert error["message"]


def test_sdk_raises_bad_request_and_models_are_kept_apart(both):
    client = both.client()
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model=EMBEDDING_MODEL, input="x", dimensions=64)
    assert "dimensions" in caught.value.message
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=EMBEDDING_MODEL, messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
    assert "embedding model" in caught.value.message
    with pytest.raises(openai.BadRequestError) as caught:
        client.completions.create(model=EMBEDDING_MODEL, prompt="Hi", max_tokens=4)
    assert "embedding model" in caught.value.message
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model=both.model, input="Hi")
    assert "not an embedding model" in caught.value.message
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="no-such-model", input="Hi")


def test_models_list_shows_both(both):
    models = {m["id"]: m for m in http_json("GET", f"{both.base_url}/v1/models")[1]["data"]}
    assert EMBEDDING_MODEL in models and both.model in models
    assert models[EMBEDDING_MODEL]["type"] == "embedding"
    assert models[EMBEDDING_MODEL]["dimensions"] == 384
    assert models[EMBEDDING_MODEL]["max_model_len"] == 256
    # The chat model still chats beside it.
    chat = both.client().chat.completions.create(model=both.model, messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
    assert chat.choices[0].message.content is not None


def test_usage_ledger_and_upstream_pass_through(tmp_path, reference):
    """A second server serves the embedding model; the first reaches it as an upstream model
    named `far-embed` from its fleet config. Both write ledger rows with the prompt tokens."""
    home = tmp_path / "home"
    key = create_key(home, "embedder")
    upstream = RunningServer(
        "--model", str(embedding_model_dir() / "model.safetensors"), api_key="sk-upstream-embed", env={"SWITCHYARD_HOME": str(home)},
        models_visible_with=key["secret"])
    config = tmp_path / "fleet.yaml"
    config.write_text(json.dumps({"models": [
        {"name": "far-embed", "upstream": {"base_url": upstream.base_url + "/v1", "model": upstream.model, "api_key_env": "FAR_KEY"}},
        {"name": "near-embed", "embedded": {"model": str(embedding_model_dir() / "model.safetensors")}},
    ]}))
    proxy = RunningServer("--config", str(config), api_key="sk-proxy", env={"FAR_KEY": "sk-upstream-embed"})
    try:
        direct = upstream.client(api_key=key["secret"]).embeddings.create(model=upstream.model, input=["Hello, world!", "x"])
        assert direct.usage.prompt_tokens == 6 + 3
        rows = json.loads(cli(home, "usage", "--since", "1h", "--requests", "--json").stdout)
        assert any(row.get("endpoint") == "embeddings" and row.get("prompt_tokens") == 9 for row in rows), rows

        client = proxy.client()
        far = client.embeddings.create(model="far-embed", input=["Hello, world!", "x"])
        assert far.model == "far-embed"
        assert far.usage.prompt_tokens == 9
        assert cosine(far.data[0].embedding, reference.embed("Hello, world!")) >= 0.9999
        near = client.embeddings.create(model="near-embed", input="Hello, world!")
        assert cosine(near.data[0].embedding, far.data[0].embedding) > 0.999999
        # `dimensions` passes through to the upstream, which refuses it in OpenAI's shape.
        with pytest.raises(openai.BadRequestError) as caught:
            client.embeddings.create(model="far-embed", input="x", dimensions=8)
        assert caught.value.body["param"] == "dimensions"
    finally:
        proxy.stop()
        upstream.stop()
