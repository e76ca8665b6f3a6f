"""Structured output and tool calls through the official OpenAI SDK against a live server:
constrained decoding means the 135M model's JSON and tool arguments are always valid."""
import json
import random

import jsonschema
import pytest
from pydantic import BaseModel, Field


class Person(BaseModel):
    name: str = Field(max_length=24)
    age: int = Field(ge=0, le=120)
    languages: list[str] = Field(max_length=3)


class GetWeather(BaseModel):
    """Current weather for a city."""
    city: str = Field(max_length=30)
    unit: str = Field(pattern="^(celsius|fahrenheit)$")


def _beta(client):
    return client.beta.chat.completions if hasattr(client.beta, "chat") else client.chat.completions


def test_parse_with_a_pydantic_model(server):
    client = server.client()
    completion = _beta(client).parse(
        model=server.model,
        messages=[{"role": "user", "content": "Describe a fictional programmer."}],
        response_format=Person,
        max_tokens=200,
        seed=7,
        temperature=0.8,
    )
    message = completion.choices[0].message
    assert completion.choices[0].finish_reason == "stop"
    assert isinstance(message.parsed, Person)
    assert 0 <= message.parsed.age <= 120


def test_streamed_tool_call_is_assembled_with_valid_arguments(server):
    import openai

    client = server.client()
    tool = openai.pydantic_function_tool(GetWeather)
    with _beta(client).stream(
        model=server.model,
        messages=[{"role": "user", "content": "What's the weather in Lisbon?"}],
        tools=[tool],
        tool_choice="required",
        parallel_tool_calls=False,
        max_tokens=150,
        seed=3,
    ) as stream:
        chunks = [event for event in stream if event.type == "chunk"]
        final = stream.get_final_completion()
    # The first delta of the call carries index, id, type and name; later ones only arguments.
    deltas = [c.chunk.choices[0].delta.tool_calls[0] for c in chunks
              if c.chunk.choices and c.chunk.choices[0].delta.tool_calls]
    assert deltas and deltas[0].id and deltas[0].function.name == "GetWeather" and deltas[0].type == "function"
    assert all(d.id is None and d.index == 0 for d in deltas[1:])
    choice = final.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    arguments = json.loads(call.function.arguments)
    jsonschema.validate(arguments, tool["function"]["parameters"])
    assert isinstance(call.function.parsed_arguments, GetWeather)


def test_two_turn_conversation_with_a_tool_result(server):
    client = server.client()
    tools = [{"type": "function", "function": {
        "name": "get_time", "description": "The current time in a time zone.",
        "parameters": {"type": "object", "properties": {"zone": {"type": "string", "maxLength": 30}},
                       "required": ["zone"], "additionalProperties": False}}}]
    messages = [{"role": "user", "content": "What time is it in Tokyo?"}]
    first = client.chat.completions.create(model=server.model, messages=messages, tools=tools,
                                           tool_choice={"type": "function", "function": {"name": "get_time"}},
                                           max_tokens=100, seed=1)
    assert first.choices[0].finish_reason == "tool_calls"
    call = first.choices[0].message.tool_calls[0]
    assert call.function.name == "get_time"
    jsonschema.validate(json.loads(call.function.arguments), tools[0]["function"]["parameters"])
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "It is 21:30 in Tokyo."})
    second = client.chat.completions.create(model=server.model, messages=messages, tools=tools, max_tokens=40,
                                            temperature=0, tool_choice="none")
    assert second.choices[0].finish_reason in ("stop", "length")
    assert second.choices[0].message.content
    assert second.usage.prompt_tokens > first.usage.prompt_tokens


def _random_schema(rng: random.Random, depth: int = 0):
    """A small schema from the keywords the engine enforces; strings and arrays are bounded
    so that a completion always fits in the token budget."""
    kinds = ["string", "integer", "number", "boolean", "enum", "nullable", "array", "format", "pattern"]
    if depth < 2:
        kinds += ["object", "object", "anyOf"]
    kind = rng.choice(kinds)
    if kind == "string":
        return {"type": "string", "minLength": rng.randint(0, 3), "maxLength": rng.randint(4, 16)}
    if kind == "integer":
        low = rng.randint(-50, 50)
        return {"type": "integer", "minimum": low, "maximum": low + rng.randint(0, 500)}
    if kind == "number":
        return {"type": "number", "minimum": -10, "maximum": 10}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "enum":
        return {"enum": rng.sample(["red", "green", "blue", 1, 2, None, True], rng.randint(1, 4))}
    if kind == "nullable":
        return {"type": ["string", "null"], "maxLength": 8}
    if kind == "format":
        # (email is left out: its local part has no bound, so a rambling model could run out of tokens)
        return {"type": "string", "format": rng.choice(["date", "date-time", "uuid"])}
    if kind == "pattern":
        return {"type": "string", "pattern": rng.choice(["^[A-Z]{2}-[0-9]{3}$", "^(yes|no)$", "^[a-z]{1,8}@[a-z]{1,8}\\.com$"])}
    if kind == "array":
        return {"type": "array", "items": _random_schema(rng, depth + 1), "minItems": rng.randint(0, 1),
                "maxItems": rng.randint(1, 3)}
    if kind == "anyOf":
        return {"anyOf": [_random_schema(rng, depth + 1), _random_schema(rng, depth + 1)]}
    names = rng.sample(["id", "title", "score", "tags", "owner", "active", "kind"], rng.randint(1, 4))
    properties = {name: _random_schema(rng, depth + 1) for name in names}
    required = [name for name in names if rng.random() < 0.7]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


@pytest.mark.parametrize("case", range(24))
def test_every_constrained_output_validates(server, case):
    rng = random.Random(1000 + case)
    schema = _random_schema(rng)
    if schema.get("type") != "object":
        schema = {"type": "object", "properties": {"value": schema}, "required": ["value"], "additionalProperties": False}
    if case % 4 == 0:
        # Recursion through $defs/$ref (a chain: each node at most one child, so that the
        # model's choice to stop nesting comes at every level).
        schema = {"$defs": {"node": {"type": "object", "properties": {
            "label": {"type": "string", "maxLength": 6},
            "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 1}},
            "required": ["label"], "additionalProperties": False}},
            "type": "object", "properties": {"root": {"$ref": "#/$defs/node"}}, "required": ["root"],
            "additionalProperties": False}
    client = server.client()
    completion = client.chat.completions.create(
        model=server.model,
        messages=[{"role": "user", "content": "Fill in this JSON: " + json.dumps(schema)}],
        response_format={"type": "json_schema", "json_schema": {"name": f"case{case}", "schema": schema, "strict": True}},
        temperature=rng.choice([0.0, 0.7, 1.0, 1.3]),
        seed=rng.randint(0, 10_000),
        max_tokens=1000 if case % 4 == 0 else 400,
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "stop", f"ran out of tokens: {choice.message.content!r}"
    jsonschema.validate(json.loads(choice.message.content), schema,
                        format_checker=jsonschema.FormatChecker())


def test_unenforceable_keyword_with_strict_is_a_400_naming_it(server):
    import openai

    client = server.client()
    schema = {"type": "object", "patternProperties": {"^x": {"type": "string"}}}
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(
            model=server.model, messages=[{"role": "user", "content": "hi"}], max_tokens=5,
            response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema, "strict": True}})
    assert "patternProperties" in str(raised.value)
