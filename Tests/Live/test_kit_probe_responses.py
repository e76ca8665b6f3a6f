"""`switchyard probe` on the Responses and embeddings features, and `switchyard smoke`'s Responses
call, against a real `switchyard serve` with a chat model and all-minilm-l6-v2. Each verdict is
checked against the same requests made directly with the official SDK (temperature 0: the same
outputs, token counts and vectors)."""
import os

import openai
import pytest

from conftest import RunningServer
from kit_support import run_json
from test_embeddings import EMBEDDING_MODEL, embedding_model_dir

KEY = "sk-probe-responses"
FEATURES = ["responses", "responses_stream", "responses_store", "responses_text_format", "embeddings"]
PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
    "additionalProperties": False,
}
TEXTS = ["The quick brown fox jumps over the lazy dog.", "Embeddings map text to vectors."]


@pytest.fixture(scope="module")
def served():
    embedding_model_dir()
    chat = [] if os.environ.get("SWITCHYARD_TEST_MODEL") else ["--model", "smollm2-135m-instruct"]
    running = RunningServer(*chat, "--model", EMBEDDING_MODEL, api_key=KEY)
    yield running
    running.stop()


def probe(server, *extra, key=KEY):
    args = ["probe", "--base-url", server.base_url + "/v1", "--model", server.model, *extra]
    if key:
        args += ["--api-key", key]
    rc, report = run_json(*args, timeout=600)
    return rc, {result["feature"]: result for result in report["results"]}


def test_probe_verdicts_match_direct_sdk_requests(served):
    rc, results = probe(served, "--features", ",".join(FEATURES))
    assert list(results) == FEATURES
    assert {name: result["status"] for name, result in results.items()} == dict.fromkeys(FEATURES, "supported"), results
    assert rc == 0
    client = served.client()

    direct = client.responses.create(model=served.model, input="Say hello.", max_output_tokens=16, temperature=0, store=False)
    assert direct.output_text
    assert f"reply '{direct.output_text[:40]}".replace("\n", "\\n") in results["responses"]["detail"]

    with client.responses.stream(
        model=served.model, input="Count from 1 to 5.", max_output_tokens=16, temperature=0, store=False
    ) as stream:
        events = list(stream)
    deltas = [event for event in events if event.type == "response.output_text.delta"]
    assert results["responses_stream"]["detail"].startswith(f"{len(events)} events, {len(deltas)} text deltas"), results

    first = client.responses.create(model=served.model, input="My name is Zorblax. Remember it.", max_output_tokens=16, temperature=0)
    assert client.responses.retrieve(first.id).output_text == first.output_text
    question = "What is my name? Answer with the name only."
    alone = client.responses.create(model=served.model, input=question, max_output_tokens=16, temperature=0, store=False)
    chained = client.responses.create(
        model=served.model, input=question, previous_response_id=first.id, max_output_tokens=16, temperature=0, store=False)
    added = chained.usage.input_tokens - alone.usage.input_tokens
    assert added >= first.usage.output_tokens
    store = results["responses_store"]["detail"]
    assert f"the chain added {added} input tokens ({chained.usage.input_tokens} vs {alone.usage.input_tokens})" in store
    assert "DELETE removed it" in store

    formatted = client.responses.create(
        model=served.model, input="Invent a person; give their name and age.", max_output_tokens=64, temperature=0, store=False,
        text={"format": {"type": "json_schema", "name": "person", "strict": True, "schema": PERSON}})
    person = __import__("json").loads(formatted.output_text)
    assert set(person) == {"name", "age"}
    assert results["responses_text_format"]["detail"].startswith("output valid against the schema")

    # The embedding model was found in /v1/models ("type": "embedding"): no option was given.
    embedded = client.embeddings.create(model=EMBEDDING_MODEL, input=TEXTS, encoding_format="float")
    dimensions = len(embedded.data[0].embedding)
    assert results["embeddings"]["detail"] == (
        f"model {EMBEDDING_MODEL}: 2 vectors of {dimensions} floats, usage.prompt_tokens {embedded.usage.prompt_tokens}; "
        "base64 decodes to the same numbers")


def test_probe_embedding_model_option_and_the_verdicts_without_one(served, server):
    # A chat model named as the embedding model: the server's own 400, word for word.
    rc, results = probe(served, "--features", "embeddings", "--embedding-model", served.model)
    with pytest.raises(openai.BadRequestError) as refused:
        served.client().embeddings.create(model=served.model, input=TEXTS)
    assert results["embeddings"]["status"] == "rejected" and results["embeddings"]["http_status"] == 400
    assert results["embeddings"]["detail"] == refused.value.body["message"]
    assert rc == 0, "a refusal is a verdict, not a broken feature"

    # A server with the chat model only: nothing to ask, and the probe says why.
    rc, results = probe(server, "--features", "embeddings", key=None)
    assert results["embeddings"]["status"] == "skipped"
    assert "marks no model \"type\": \"embedding\"" in results["embeddings"]["detail"]
    assert rc == 0


def test_smoke_makes_a_responses_call(served):
    rc, report = run_json("smoke", "--base-url", served.base_url + "/v1", "--model", served.model, "--api-key", KEY, timeout=300)
    checks = {check["name"]: check for check in report["checks"]}
    assert list(checks) == ["completion", "streamed", "tool call", "responses"]
    direct = served.client().responses.create(
        model=served.model, input="Say hello in one short sentence.", temperature=0, max_output_tokens=32, store=False)
    assert checks["responses"]["passed"] is True and checks["responses"]["skipped"] is False
    assert checks["responses"]["reason"].startswith(f"reply '{direct.output_text[:40]}".replace("\n", "\\n"))
    assert rc == (0 if report["passed"] else 1)
