"""The Responses API on upstream models: forwarded as it came to an upstream that serves
`/v1/responses` (another `switchyard serve`), bridged onto the chat completions of one that
does not (configured with `responses: bridge`, or detected: the fake server has no such route)."""
import json
from pathlib import Path

import openai
import pytest

from conftest import RunningServer, http_json
from kit_support import FakeServer
from test_responses import WEATHER_TOOL, responses_schemas, stream_events, validate  # noqa: F401 (fixture)

KEY = "sk-responses-proxy"
UPSTREAM_KEY = "sk-responses-upstream"


@pytest.fixture(scope="module")
def upstream():
    server = RunningServer(api_key=UPSTREAM_KEY)
    yield server
    server.stop()


def proxy(tmp_path: Path, base_url: str, model: str, key: str, mode=None, *extra: str) -> RunningServer:
    entry = {"name": "far", "upstream": {"base_url": base_url, "model": model, "api_key_env": "FAR_KEY"}}
    if mode:
        entry["responses"] = mode
    path = tmp_path / "switchyard.yaml"
    path.write_text(json.dumps({"models": [entry]}))
    return RunningServer(
        "--config", str(path), *extra, api_key=KEY, env={"SWITCHYARD_HOME": str(tmp_path / "home"), "FAR_KEY": key})


def authorized_stream_events(server, body):
    import urllib.request

    request = urllib.request.Request(
        server.base_url + "/v1/responses",
        data=json.dumps({**body, "stream": True}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"},
    )
    events = []
    with urllib.request.urlopen(request, timeout=120) as reply:
        for raw in reply:
            line = raw.decode().rstrip("\n")
            assert line != "data: [DONE]"
            if line.startswith("data: "):
                events.append(json.loads(line[len("data: "):]))
    return events


def test_bridge_keeps_the_chain_and_translates_streams(tmp_path, upstream, responses_schemas):
    server = proxy(tmp_path, upstream.base_url + "/v1", upstream.model, UPSTREAM_KEY, mode="bridge")
    try:
        client = server.client()
        first = client.responses.create(
            model="far", input="What is the weather in Paris?", tools=[WEATHER_TOOL], tool_choice="required", max_output_tokens=64
        )
        body = first.model_dump(mode="json", by_alias=True, exclude_unset=True)
        validate(responses_schemas, "Response", body)
        assert first.model == "far"
        calls = [item for item in first.output if item.type == "function_call"]
        assert calls and calls[0].name == "get_weather"
        second = client.responses.create(
            model="far",
            previous_response_id=first.id,
            input=[{"type": "function_call_output", "call_id": calls[0].call_id, "output": "18 C and clear"}],
            tools=[WEATHER_TOOL],
            tool_choice="none",
            max_output_tokens=24,
        )
        assert second.output_text
        # The first turn (with its call) and the result are in the second turn's prompt.
        assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens
        # The chain is the proxy's own: readable through it, with its input items.
        assert client.responses.retrieve(first.id).id == first.id
        items = client.responses.input_items.list(second.id)
        assert [item.type for item in items.data] == ["function_call_output"]
        events = authorized_stream_events(server, {"model": "far", "input": "Say hello.", "max_output_tokens": 12})
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        for event in events:
            validate(responses_schemas, "ResponseStreamEvent", event)
        assert events[-1]["type"] in ("response.completed", "response.incomplete")
        assert events[-1]["response"]["usage"]["output_tokens"] > 0
        text = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
        assert text == events[-1]["response"]["output"][0]["content"][0]["text"]
    finally:
        server.stop()


def test_native_upstream_gets_the_request_as_it_came(tmp_path, upstream, responses_schemas):
    server = proxy(tmp_path, upstream.base_url + "/v1", upstream.model, UPSTREAM_KEY)  # detected by the probe
    try:
        client = server.client()
        first = client.responses.create(model="far", input="My name is Ada.", max_output_tokens=12)
        validate(responses_schemas, "Response", first.model_dump(mode="json", by_alias=True, exclude_unset=True))
        assert first.model == "far"
        # The upstream stored it (the chain is the upstream's), so the next turn continues there.
        second = client.responses.create(model="far", previous_response_id=first.id, input="My name?", max_output_tokens=12)
        assert second.usage.input_tokens > first.usage.input_tokens
        events = authorized_stream_events(server, {"model": "far", "input": "Say hello.", "max_output_tokens": 12})
        for event in events:
            validate(responses_schemas, "ResponseStreamEvent", event)
        assert events[-1]["type"] in ("response.completed", "response.incomplete")
        assert events[-1]["response"]["model"] == "far"
        assert "detected" in server.log_text() and "native" in server.log_text()
    finally:
        server.stop()


def test_bridge_detected_for_a_chat_only_upstream(tmp_path, responses_schemas):
    fake = FakeServer("full", "key-fake")
    server = proxy(tmp_path, fake.url, "fake-model", "key-fake")
    try:
        client = server.client()
        response = client.responses.create(
            model="far",
            input="Invent a person.",
            text={"format": {"type": "json_schema", "name": "person", "schema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}},
            max_output_tokens=32,
        )
        validate(responses_schemas, "Response", response.model_dump(mode="json", by_alias=True, exclude_unset=True))
        assert "name" in json.loads(response.output_text)
        assert client.responses.retrieve(response.id).output_text == response.output_text
    finally:
        server.stop()
        fake.stop()


OTHER_KEY = "sk-responses-other"


def test_native_upstream_stored_responses_are_reached_through_the_proxy_by_their_key(tmp_path, upstream, responses_schemas):
    """GET, DELETE and input_items of a response the upstream stores go to the upstream, for the
    key that created it only; another key gets the 404 (and the 400 on previous_response_id)
    that a response of someone else's gets on a local model."""
    server = proxy(tmp_path, upstream.base_url + "/v1", upstream.model, UPSTREAM_KEY, "native", "--api-key", OTHER_KEY)
    try:
        client = server.client()
        other = server.client(api_key=OTHER_KEY)
        direct = upstream.client()
        first = client.responses.create(model="far", input="My name is Ada.", max_output_tokens=12)
        # The id is the upstream's: the upstream itself knows it.
        assert direct.responses.retrieve(first.id).output_text == first.output_text

        fetched = client.responses.retrieve(first.id)
        validate(responses_schemas, "Response", fetched.model_dump(mode="json", by_alias=True, exclude_unset=True))
        assert fetched.id == first.id and fetched.output_text == first.output_text
        assert fetched.model == "far", "the upstream's model name stays hidden"
        items = client.responses.input_items.list(first.id)
        validate(responses_schemas, "ResponseItemList", items.model_dump(mode="json", by_alias=True, exclude_unset=True))
        assert [item.type for item in items.data] == ["message"]
        assert items.data[0].content[0].text == "My name is Ada."

        for call in (lambda: other.responses.retrieve(first.id), lambda: other.responses.delete(first.id),
                     lambda: other.responses.input_items.list(first.id)):
            with pytest.raises(openai.NotFoundError):
                call()
        with pytest.raises(openai.BadRequestError) as refused:
            other.responses.create(model="far", previous_response_id=first.id, input="My name?", max_output_tokens=8)
        assert refused.value.body["code"] == "previous_response_not_found"

        # A streamed turn is recorded from its response.created event.
        events = authorized_stream_events(
            server, {"model": "far", "input": "Say hello.", "max_output_tokens": 8, "previous_response_id": first.id})
        streamed_id = events[0]["response"]["id"]
        assert client.responses.retrieve(streamed_id).previous_response_id == first.id
        # store: false keeps nothing here (and nothing upstream).
        unstored = client.responses.create(model="far", input="Say hi.", max_output_tokens=8, store=False)
        with pytest.raises(openai.NotFoundError):
            client.responses.retrieve(unstored.id)

        deleted = client.responses.delete(first.id)
        assert deleted is None or getattr(deleted, "deleted", True)
        with pytest.raises(openai.NotFoundError):
            direct.responses.retrieve(first.id)  # the DELETE reached the upstream
        with pytest.raises(openai.NotFoundError):
            client.responses.retrieve(first.id)
    finally:
        server.stop()
