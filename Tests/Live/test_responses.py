"""The Responses API (`/v1/responses`) on a live `switchyard serve`, driven with the official
OpenAI Python SDK; every body and stream event is checked against OpenAI's own schemas."""
import json
import os
import tempfile

import urllib.request
import jsonschema
import openai
import pytest
from pydantic import BaseModel

from conftest import RunningServer, http_json, load_openai_schemas, model_file
from conftest import validate_schema as validate

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}

PERSON_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
    "additionalProperties": False,
}


@pytest.fixture(scope="session")
def responses_schemas():
    return load_openai_schemas("responses-schemas.json")



def raw_create(server, body, headers=None):
    return http_json("POST", server.base_url + "/v1/responses", body, headers=headers, timeout=120)


def stream_events(server, body):
    """The events of a streamed response as sent: (event name, parsed data) pairs."""
    request = urllib.request.Request(
        server.base_url + "/v1/responses",
        data=json.dumps({**body, "stream": True}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    events = []
    with urllib.request.urlopen(request, timeout=120) as reply:
        assert reply.status == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        name = None
        for raw in reply:
            line = raw.decode().rstrip("\n")
            assert line != "data: [DONE]"  # the Responses API ends with its last event
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[len("data: "):])))
                name = None
    return events


def test_create_text(server, responses_schemas):
    client = server.client()
    raw = client.responses.with_raw_response.create(
        model=server.model, input="Write one sentence about the sea.", max_output_tokens=24, metadata={"team": "ops"}
    )
    response = raw.parse()
    body = json.loads(raw.http_response.text)
    validate(responses_schemas, "Response", body)
    assert response.id.startswith("resp_") and response.object == "response"
    assert response.status in ("completed", "incomplete")
    assert response.output_text
    assert response.output[0].type == "message" and response.output[0].role == "assistant"
    assert response.metadata == {"team": "ops"}
    usage = response.usage
    assert usage.input_tokens > 0 and 0 < usage.output_tokens <= 24
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert usage.input_tokens_details.cached_tokens >= 0
    if response.status == "incomplete":
        assert response.incomplete_details.reason == "max_output_tokens"
    assert "temperature" in raw.headers["x-switchyard-defaulted"]


def test_incomplete_at_max_output_tokens(server, responses_schemas):
    status, body = raw_create(
        server, {"model": server.model, "input": "Count from one to one hundred in words.", "max_output_tokens": 4,
                 "temperature": 0},  # sampled, a reply could end within 4 tokens
    )
    assert status == 200, body
    validate(responses_schemas, "Response", body)
    assert body["status"] == "incomplete"
    assert body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert body["output"][0]["status"] == "incomplete"
    assert body["usage"]["output_tokens"] == 4


def test_function_call_round_trip(server, responses_schemas):
    client = server.client()
    first = client.responses.create(
        model=server.model,
        input="What is the weather in Paris?",
        tools=[WEATHER_TOOL],
        tool_choice="required",
        max_output_tokens=64,
    )
    validate(responses_schemas, "Response", first.model_dump(mode="json", by_alias=True, exclude_unset=True))
    calls = [item for item in first.output if item.type == "function_call"]
    assert calls and calls[0].name == "get_weather"
    assert "city" in json.loads(calls[0].arguments)
    assert calls[0].call_id and calls[0].id.startswith("fc_")
    second = client.responses.create(
        model=server.model,
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": calls[0].call_id, "output": json.dumps({"celsius": 18, "sky": "clear"})}],
        tools=[WEATHER_TOOL],
        tool_choice="none",
        max_output_tokens=32,
    )
    validate(responses_schemas, "Response", second.model_dump(mode="json", by_alias=True, exclude_unset=True))
    assert second.previous_response_id == first.id
    assert second.output_text
    # The second turn's prompt holds the first turn (its question, the call and the result).
    assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens


def test_named_tool_choice(server):
    response = server.client().responses.create(
        model=server.model,
        input="Paris weather please",
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "name": "get_weather"},
        max_output_tokens=64,
    )
    assert [item.name for item in response.output if item.type == "function_call"][:1] == ["get_weather"]


def test_json_schema_format(server, responses_schemas):
    response = server.client().responses.create(
        model=server.model,
        input="Invent a person.",
        text={"format": {"type": "json_schema", "name": "person", "schema": PERSON_SCHEMA, "strict": True}},
        max_output_tokens=64,
    )
    validate(responses_schemas, "Response", response.model_dump(mode="json", by_alias=True, exclude_unset=True))
    assert response.text.format.type == "json_schema"
    jsonschema.validate(json.loads(response.output_text), PERSON_SCHEMA)


class Person(BaseModel):
    name: str
    age: int


def test_parse_with_pydantic(server):
    parsed = server.client().responses.parse(
        model=server.model, input="Invent a person.", text_format=Person, max_output_tokens=64
    )
    assert isinstance(parsed.output_parsed, Person)


def test_stream_with_sdk_helpers(server):
    deltas = []
    types = []
    with server.client().responses.stream(
        model=server.model,
        instructions="Answer with one short sentence.",
        input="Say hi.",
        max_output_tokens=200,
        temperature=0,
    ) as stream:
        for event in stream:
            types.append(event.type)
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        assert types[-1] == "response.completed", types[-3:]
        final = stream.get_final_response()
    assert deltas and "".join(deltas) == final.output_text
    assert final.status == "completed"
    assert 0 < final.usage.output_tokens <= 200


def test_stream_events_match_schema(server, responses_schemas):
    events = stream_events(server, {"model": server.model, "input": "Say hello.", "max_output_tokens": 12})
    types = [data["type"] for _, data in events]
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[-1] in ("response.completed", "response.incomplete")
    for expected in (
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
    ):
        assert expected in types
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    for name, data in events:
        assert name == data["type"]
        validate(responses_schemas, "ResponseStreamEvent", data)
    final = events[-1][1]["response"]
    text = "".join(data["delta"] for _, data in events if data["type"] == "response.output_text.delta")
    assert final["output"][0]["content"][0]["text"] == text
    # The stored response is what the stream ended with.
    status, stored = http_json("GET", f"{server.base_url}/v1/responses/{final['id']}")
    assert status == 200 and stored == final


def test_streamed_function_call_events(server, responses_schemas):
    events = stream_events(
        server,
        {"model": server.model, "input": "Weather in Rome?", "tools": [WEATHER_TOOL], "tool_choice": "required", "max_output_tokens": 64},
    )
    for _, data in events:
        validate(responses_schemas, "ResponseStreamEvent", data)
    done = [data for _, data in events if data["type"] == "response.function_call_arguments.done"]
    assert done and done[0]["name"] == "get_weather"
    deltas = "".join(data["delta"] for _, data in events if data["type"] == "response.function_call_arguments.delta")
    assert deltas == done[0]["arguments"]
    json.loads(done[0]["arguments"])


def test_retrieve_input_items_delete(server, responses_schemas):
    client = server.client()
    created = client.responses.create(
        model=server.model,
        instructions="Answer in one word.",
        input=[
            {"role": "user", "content": "Pick a colour."},
            {"role": "assistant", "content": "Blue."},
            {"role": "user", "content": [{"type": "input_text", "text": "Another one?"}]},
        ],
        max_output_tokens=8,
    )
    fetched = client.responses.retrieve(created.id)
    assert fetched.model_dump() == created.model_dump()
    status, body = http_json("GET", f"{server.base_url}/v1/responses/{created.id}/input_items?limit=2")
    assert status == 200
    validate(responses_schemas, "ResponseItemList", body)
    assert body["has_more"] is True and len(body["data"]) == 2
    assert body["data"][0]["content"][0]["text"] == "Another one?"  # newest first by default
    rest = client.responses.input_items.list(created.id, after=body["last_id"])
    assert [item.role for item in rest.data] == ["user"] and rest.has_more is False
    ascending = client.responses.input_items.list(created.id, order="asc")
    assert [item.role for item in ascending.data] == ["user", "assistant", "user"]
    deleted = client.responses.delete(created.id)
    assert deleted is None or getattr(deleted, "deleted", True)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(created.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.delete(created.id)


def test_store_false_is_not_kept(server):
    client = server.client()
    response = client.responses.create(model=server.model, input="Hi", store=False, max_output_tokens=4)
    assert response.store is False
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(response.id)
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model=server.model, input="Again", previous_response_id=response.id, max_output_tokens=4)
    assert caught.value.body["param"] == "previous_response_id"
    assert caught.value.body["code"] == "previous_response_not_found"


def test_prompt_prefix_reused_in_a_chain(server):
    client = server.client()
    first = client.responses.create(
        model=server.model, input="Tell me about lighthouses in two sentences.", max_output_tokens=24, temperature=0
    )
    second = client.responses.create(
        model=server.model, previous_response_id=first.id, input="And about harbours?", max_output_tokens=8, temperature=0
    )
    assert second.usage.input_tokens_details.cached_tokens >= first.usage.input_tokens


@pytest.mark.parametrize(
    "extra, param",
    [
        ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
        ({"background": True}, "background"),
        ({"reasoning": {"effort": "high"}}, "reasoning"),
        ({"text": {"format": {"type": "yaml"}}}, "text.format.type"),
        ({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "https://x/y.png"}]}]}, "input[0].content[0]"),
        ({"tool_choice": {"type": "function", "name": "nope"}, "tools": [WEATHER_TOOL]}, "tool_choice.name"),
        ({"max_output_tokens": 0}, "max_output_tokens"),
    ],
)
def test_unsupported_fields_are_400s_naming_the_field(server, responses_schemas, extra, param):
    status, body = raw_create(server, {"model": server.model, "input": "Hi", **extra})
    assert status == 400, body
    validate(responses_schemas, "ErrorResponse", body)
    assert body["error"]["param"] == param


def test_ignorable_fields_are_listed(server):
    client = server.client()
    raw = client.responses.with_raw_response.create(
        model=server.model, input="Hi", max_output_tokens=4, service_tier="auto", include=["message.output_text.logprobs"]
    )
    assert raw.headers["x-switchyard-ignored"] == "service_tier, include"


def test_other_keys_cannot_see_a_response():
    running = RunningServer("--api-key", "sk-other", api_key="sk-owner")
    try:
        owner = running.client()
        other = running.client(api_key="sk-other")
        created = owner.responses.create(model=running.model, input="Hi", max_output_tokens=4)
        for call in (
            lambda: other.responses.retrieve(created.id),
            lambda: other.responses.input_items.list(created.id),
            lambda: other.responses.delete(created.id),
        ):
            with pytest.raises(openai.NotFoundError):
                call()
        with pytest.raises(openai.BadRequestError):
            other.responses.create(model=running.model, input="Hi", previous_response_id=created.id, max_output_tokens=4)
        assert owner.responses.retrieve(created.id).id == created.id
    finally:
        running.stop()


def test_previous_response_id_across_restart():
    home = tempfile.mkdtemp(prefix="switchyard-responses-")
    extra = () if os.environ.get("SWITCHYARD_TEST_MODEL") else ("--model", model_file())
    first_server = RunningServer(*extra, env={"SWITCHYARD_HOME": home})
    try:
        first = first_server.client().responses.create(
            model=first_server.model, input="My name is Ada. Remember it.", max_output_tokens=16
        )
    finally:
        first_server.stop()
    second_server = RunningServer(*extra, env={"SWITCHYARD_HOME": home})
    try:
        client = second_server.client()
        assert client.responses.retrieve(first.id).output_text == first.output_text
        second = client.responses.create(
            model=second_server.model, previous_response_id=first.id, input="What is my name?", max_output_tokens=16
        )
        assert second.previous_response_id == first.id
        assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens
        items = client.responses.input_items.list(second.id)
        assert [item.type for item in items.data] == ["message"]
    finally:
        second_server.stop()
