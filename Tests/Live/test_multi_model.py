"""`switchyard serve --model A --model B`: two embedded models in one server, each under its own
id with its own tokenizer and chat template, generating at the same time on one compute pool."""
import os
import threading
from pathlib import Path

import pytest

from conftest import RunningServer, http_json, model_file


def gemma_file() -> str:
    explicit = os.environ.get("SWITCHYARD_TEST_GEMMA_MODEL")
    if explicit:
        return explicit
    home = Path(os.environ.get("SWITCHYARD_HOME", Path.home() / ".cache" / "switchyard"))
    path = home / "models" / "gemma-3-270m-q4_k_m.gguf"
    if not path.exists():
        pytest.skip(f"{path} is missing (run `switchyard pull gemma3-270m`)")
    return str(path)


@pytest.fixture(scope="module")
def pair():
    gemma = gemma_file()
    # RunningServer adds $SWITCHYARD_TEST_MODEL itself when set.
    smol = [] if os.environ.get("SWITCHYARD_TEST_MODEL") else ["--model", model_file()]
    server = RunningServer(*smol, "--model", gemma, "--context-length", "2048", "--max-concurrent", "2")
    yield server
    server.stop()


def ids(server):
    return [model["id"] for model in http_json("GET", server.base_url + "/v1/models")[1]["data"]]


def test_both_models_are_listed_with_their_own_context(pair):
    listed = ids(pair)
    assert "gemma-3-270m-q4_k_m" in listed and "SmolLM2-135M-Instruct.Q4_1" in listed
    status, gemma = http_json("GET", pair.base_url + "/v1/models/gemma-3-270m-q4_k_m")
    assert status == 200 and gemma["context_window"] == 2048


def test_each_model_tokenizes_with_its_own_vocabulary(pair):
    _, gemma = http_json("POST", pair.base_url + "/tokenize", {"model": "gemma-3-270m-q4_k_m", "prompt": "Hello world"})
    _, smol = http_json("POST", pair.base_url + "/tokenize", {"model": "SmolLM2-135M-Instruct.Q4_1", "prompt": "Hello world"})
    assert gemma["tokens"][0] == 2, "gemma prepends its BOS"
    assert gemma["tokens"] != smol["tokens"]


def test_gemma_chat_uses_the_builtin_turn_format_and_stops_at_end_of_turn(pair):
    client = pair.client()
    reply = client.chat.completions.create(
        model="gemma-3-270m-q4_k_m",
        messages=[{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "What is 2+2?"}],
        max_tokens=24, temperature=0)
    assert reply.model == "gemma-3-270m-q4_k_m"
    assert reply.choices[0].finish_reason in ("stop", "length")
    assert "<end_of_turn>" not in reply.choices[0].message.content
    # The prompt is the Gemma turn format with the system text merged into the user turn.
    expected = "<start_of_turn>user\nAnswer briefly.\n\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n"
    _, tokens = http_json("POST", pair.base_url + "/tokenize", {"model": "gemma-3-270m-q4_k_m", "prompt": expected})
    assert reply.usage.prompt_tokens == len(tokens["tokens"])


def test_both_models_generate_at_once(pair):
    client = pair.client()
    results = {}

    def run(model):
        stream = client.completions.create(model=model, prompt="Once upon a time", max_tokens=24, temperature=0, stream=True)
        results[model] = "".join(chunk.choices[0].text for chunk in stream if chunk.choices)

    threads = [threading.Thread(target=run, args=(model,)) for model in ("gemma-3-270m-q4_k_m", "SmolLM2-135M-Instruct.Q4_1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert set(results) == {"gemma-3-270m-q4_k_m", "SmolLM2-135M-Instruct.Q4_1"}
    assert all(text for text in results.values())


def test_an_unknown_model_is_a_404_naming_it(pair):
    status, body = http_json("POST", pair.base_url + "/v1/completions", {"model": "nope", "prompt": "x", "max_tokens": 1})
    assert status == 404 and "nope" in body["error"]["message"]
