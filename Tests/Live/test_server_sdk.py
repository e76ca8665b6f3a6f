"""Drives a live `switchyard serve` with the official OpenAI Python SDK."""
import json
import time

import jsonschema
import openai
import pytest

from conftest import http_json

HELLO = [{"role": "user", "content": "Write one sentence about the sea."}]


def validate(schemas, root, body):
    schema = {"$ref": f"#/components/schemas/{root}", "components": schemas["components"]}
    jsonschema.Draft202012Validator(schema).validate(body)


def test_models_list_and_detail(server, schemas):
    client = server.client()
    models = client.models.list()
    assert [m.id for m in models.data] == [server.model]
    validate(schemas, "ListModelsResponse", models.model_dump(exclude_none=True))
    detail = http_json("GET", f"{server.base_url}/v1/models/{server.model}")[1]
    assert detail["context_window"] > 0
    assert detail["sampling_defaults"]["temperature"] == 0.7


def test_plain_chat_completion(server, schemas):
    raw = server.client().chat.completions.with_raw_response.create(model=server.model, messages=HELLO, max_tokens=16)
    completion = raw.parse()
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content
    assert completion.choices[0].finish_reason in ("stop", "length")
    assert completion.usage.completion_tokens <= 16
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    assert completion.system_fingerprint
    assert raw.headers["x-request-id"]
    assert "temperature" in raw.headers["x-switchyard-defaulted"]
    validate(schemas, "CreateChatCompletionResponse", json.loads(raw.http_response.text))


def test_streamed_chat_with_usage(server, schemas):
    stream = server.client().chat.completions.create(
        model=server.model, messages=HELLO, max_tokens=12, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert len({c.id for c in chunks}) == 1 and len({c.created for c in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    usage_chunk = chunks[-1]
    assert usage_chunk.choices == []
    assert 0 < usage_chunk.usage.completion_tokens <= 12
    for chunk in chunks:
        validate(schemas, "CreateChatCompletionStreamResponse", chunk.model_dump(exclude_unset=True))


def test_n_choices(server):
    completion = server.client().chat.completions.create(model=server.model, messages=HELLO, max_tokens=8, n=3)
    assert sorted(c.index for c in completion.choices) == [0, 1, 2]


def test_logprobs(server):
    completion = server.client().chat.completions.create(
        model=server.model, messages=HELLO, max_tokens=6, logprobs=True, top_logprobs=3, temperature=0
    )
    content = completion.choices[0].logprobs.content
    assert len(content) == completion.usage.completion_tokens
    for entry in content:
        assert entry.logprob <= 0
        assert len(entry.top_logprobs) == 3
        assert entry.top_logprobs[0].logprob >= entry.top_logprobs[-1].logprob


def test_same_seed_same_text(server):
    client = server.client()
    texts = [
        client.chat.completions.create(model=server.model, messages=HELLO, max_tokens=20, temperature=1.0, seed=1234)
        .choices[0]
        .message.content
        for _ in range(2)
    ]
    assert texts[0] == texts[1]


def test_stop_sequence(server):
    client = server.client()
    free = client.chat.completions.create(model=server.model, messages=HELLO, max_tokens=24, temperature=0).choices[0].message.content
    words = free.split()
    assert len(words) >= 3, free
    stop = " " + words[2]
    stopped = client.chat.completions.create(model=server.model, messages=HELLO, max_tokens=24, temperature=0, stop=[stop])
    assert stopped.choices[0].finish_reason == "stop"
    assert stopped.choices[0].message.content == free[: free.index(stop)]


def test_legacy_completions(server, schemas):
    client = server.client()
    completion = client.completions.create(model=server.model, prompt="The capital of France is", max_tokens=5, logprobs=2, temperature=0)
    choice = completion.choices[0]
    assert len(choice.logprobs.tokens) == len(choice.logprobs.token_logprobs) == len(choice.logprobs.text_offset)
    validate(schemas, "CreateCompletionResponse", completion.model_dump(exclude_none=True))
    scored = client.completions.create(model=server.model, prompt="The sea is blue", max_tokens=0, echo=True, logprobs=1)
    assert scored.choices[0].text == "The sea is blue"
    assert scored.choices[0].logprobs.token_logprobs[0] is None
    assert all(lp <= 0 for lp in scored.choices[0].logprobs.token_logprobs[1:])


def test_tokenize_round_trip(server):
    tokens = http_json("POST", f"{server.base_url}/tokenize", {"model": server.model, "prompt": "Hello world"})[1]
    assert tokens["count"] == len(tokens["tokens"]) > 0
    text = http_json("POST", f"{server.base_url}/detokenize", {"tokens": tokens["tokens"]})[1]
    assert text["prompt"] == "Hello world"


def test_errors_arrive_as_sdk_exceptions(server):
    client = server.client()
    with pytest.raises(openai.NotFoundError) as not_found:
        client.chat.completions.create(model="gpt-4o", messages=HELLO)
    assert not_found.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as bad_type:
        client.chat.completions.create(model=server.model, messages=HELLO, temperature="hot")
    assert bad_type.value.param == "temperature"
    with pytest.raises(openai.BadRequestError) as image:
        client.chat.completions.create(
            model=server.model,
            messages=[{"role": "user", "content": [{"type": "text", "text": "What is it?"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}],
        )
    assert image.value.param == "messages[0].content[1]"
    with pytest.raises(openai.BadRequestError) as too_long:
        client.chat.completions.create(model=server.model, messages=[{"role": "user", "content": "hello " * 12000}])
    assert too_long.value.code == "context_length_exceeded"
    with pytest.raises(openai.BadRequestError) as best_of:
        client.completions.create(model=server.model, prompt="x", best_of=2)
    assert best_of.value.param == "best_of"
    with pytest.raises(openai.APIStatusError) as too_large:
        client.chat.completions.create(model=server.model, messages=[{"role": "user", "content": "x" * (5 << 20)}])
    assert too_large.value.status_code == 413


def test_authentication(tight_server):
    bad = tight_server.client(api_key="sk-wrong")
    with pytest.raises(openai.AuthenticationError) as error:
        bad.models.list()
    assert error.value.code == "invalid_api_key"
    assert tight_server.client().models.list().data


def test_full_queue_is_rate_limited_and_dropped_stream_frees_the_engine(tight_server):
    client = tight_server.client()
    stream = client.chat.completions.create(
        model=tight_server.model, messages=HELLO, max_tokens=400, stream=True, extra_body={"ignore_eos": True}
    )
    first = next(iter(stream))
    assert first.choices[0].delta.role == "assistant"
    # The only slot is taken and there is no queue: the next request is refused.
    with pytest.raises(openai.RateLimitError) as limited:
        client.chat.completions.create(model=tight_server.model, messages=HELLO, max_tokens=2)
    assert limited.value.response.headers.get("retry-after")
    stream.close()  # the client drops the stream mid-way
    started = time.monotonic()
    deadline = started + 10
    while True:
        try:
            reply = client.chat.completions.create(model=tight_server.model, messages=HELLO, max_tokens=2)
            break
        except openai.RateLimitError:
            assert time.monotonic() < deadline, "the dropped stream still holds the engine"
            time.sleep(0.05)
    assert reply.choices[0].message.content is not None
    assert time.monotonic() - started < 10
    metrics = http_json("GET", f"{tight_server.base_url}/metrics", headers={"Authorization": "Bearer sk-live-test"})[1]
    depth = [line for line in metrics.splitlines() if line.startswith("switchyard_queue_depth")]
    assert depth and all(line.endswith(" 0") or line.endswith(" 0.0") for line in depth), depth
