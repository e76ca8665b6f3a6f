"""Tool calls and prompts through the chat templates of Qwen2.5, Qwen3 and Llama 3.1, end to end.

The default model is served with another family's template (`serve --chat-template-file`, as
llama-server's option): the server must then call tools in that family's syntax (Hermes
`<tool_call>` for Qwen, bare `{"name": ..., "parameters": ...}` JSON for Llama 3.1), hand them to
the OpenAI SDK as tool calls, streamed and not, and render the assistant's calls and the tool
results of later turns back through the template exactly as Python's jinja2 does (the prompt is
read back with /tokenize and /detokenize).
"""
import copy
import json
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import RunningServer, http_json, model_file

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE.parent / "TemplatingTests" / "Templates"
sys.path.insert(0, str(HERE.parent / "TemplatingTests"))
import render_reference  # noqa: E402  (jinja2 set up as transformers sets it up)
import gguf_metadata  # noqa: E402

FAMILIES = {"qwen2.5": "qwen2.5.jinja", "llama-3.1": "llama-3.1.jinja", "qwen3": "qwen3.jinja"}

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The current weather in a city.",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "maxLength": 24}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["city", "unit"], "additionalProperties": False}}}
TIME = {"type": "function", "function": {
    "name": "get_time", "description": "The current time in a time zone.",
    "parameters": {"type": "object", "properties": {"zone": {"type": "string", "maxLength": 24}},
                   "required": ["zone"], "additionalProperties": False}}}
TOOLS = [WEATHER, TIME]
SCHEMAS = {tool["function"]["name"]: tool["function"]["parameters"] for tool in TOOLS}


def start(family):
    running = RunningServer("--chat-template-file", str(TEMPLATES / FAMILIES[family]))
    running.family = family
    return running


@pytest.fixture(scope="module", params=["qwen2.5", "llama-3.1", "qwen3"])
def family_server(request):
    running = start(request.param)
    yield running
    running.stop()


def served_prompt(server, messages, tools=None, **extra):
    """The prompt the server renders for a chat request, read back as text."""
    body = {"model": server.model, "messages": messages, **extra}
    if tools:
        body["tools"] = tools
    status, tokenized = http_json("POST", server.base_url + "/tokenize", body)
    assert status == 200, tokenized
    status, detokenized = http_json("POST", server.base_url + "/detokenize", {"model": server.model, "tokens": tokenized["tokens"]})
    assert status == 200, detokenized
    return detokenized["prompt"]


def jinja2_prompt(family, messages, tools=None, **variables):
    """What transformers' apply_chat_template renders for the OpenAI-shaped messages, given them as
    the server does: call arguments as objects, a call's missing content as ""."""
    converted = []
    for message in copy.deepcopy(messages):
        if message.get("content") is None:
            message["content"] = ""
        for call in message.get("tool_calls", []):
            call["function"]["arguments"] = json.loads(call["function"]["arguments"])
        converted.append(message)
    bos, eos = gguf_metadata.special_token_texts(model_file())
    context = {"messages": converted, "add_generation_prompt": True, "bos_token": bos, "eos_token": eos, **variables}
    if tools:
        context["tools"] = tools
    source = (TEMPLATES / FAMILIES[family]).read_text(encoding="utf-8")
    return render_reference.make_environment().from_string(source).render(**context)


def expect_prompt(server, messages, tools=None, **variables):
    served = served_prompt(server, messages, tools, **({"chat_template_kwargs": variables} if variables else {}))
    expected = jinja2_prompt(server.family, messages, tools, **variables)
    bos, _ = gguf_metadata.special_token_texts(model_file())
    # The tokenizer may put its BOS token before the template's text.
    assert served in (expected, bos + expected)


def check_content_beside_calls(content, family):
    """Calls come alone, but Qwen3's template lets the model think first: that block stays content."""
    content = content or ""
    if family == "qwen3" and content.startswith("<think>"):
        assert "</think>" in content and content.split("</think>")[-1].strip() == ""
    else:
        assert content == ""


def check_calls(calls, family, named=None):
    assert calls
    if family == "llama-3.1":
        assert len(calls) == 1, "Llama 3.1's template takes one call per turn"
    for call in calls:
        assert call.type == "function" and call.id.startswith("call_")
        assert call.function.name == (named or call.function.name) and call.function.name in SCHEMAS
        jsonschema.validate(json.loads(call.function.arguments), SCHEMAS[call.function.name])


def test_required_tool_calls(family_server):
    client = family_server.client()
    reply = client.chat.completions.create(
        model=family_server.model, messages=[{"role": "user", "content": "Weather and time in Rome?"}], tools=TOOLS,
        tool_choice="required", max_tokens=200, seed=7)
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    check_content_beside_calls(choice.message.content, family_server.family)
    check_calls(choice.message.tool_calls, family_server.family)


def test_named_tool_call_streams_as_deltas(family_server):
    client = family_server.client()
    stream = client.chat.completions.create(
        model=family_server.model, messages=[{"role": "user", "content": "What time is it in Tokyo?"}], tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "get_time"}}, max_tokens=120, seed=2, stream=True)
    deltas, finish, content = [], None, ""
    for chunk in stream:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        content += delta.content or ""
        deltas += delta.tool_calls or []
        finish = chunk.choices[0].finish_reason or finish
    assert finish == "tool_calls"
    check_content_beside_calls(content, family_server.family)
    first, rest = deltas[0], deltas[1:]
    assert first.index == 0 and first.id.startswith("call_") and first.type == "function"
    assert first.function.name == "get_time" and first.function.arguments == ""
    assert rest and all(d.index == 0 and d.id is None and d.function.name is None for d in rest)
    arguments = "".join(d.function.arguments for d in rest)
    jsonschema.validate(json.loads(arguments), SCHEMAS["get_time"])


def test_auto_gives_text_or_calls_in_the_family_syntax(family_server):
    client = family_server.client()
    for seed in range(3):
        reply = client.chat.completions.create(
            model=family_server.model, messages=[{"role": "user", "content": "What is the weather in Oslo?"}],
            tools=TOOLS, max_tokens=80, seed=seed, temperature=1.0)
        choice = reply.choices[0]
        if choice.finish_reason == "tool_calls":
            check_content_beside_calls(choice.message.content, family_server.family)
            check_calls(choice.message.tool_calls, family_server.family)
        else:
            # Text never carries a call the parser missed.
            text = (choice.message.content or "").split("</think>")[-1].lstrip()
            assert not text.startswith(("<tool_call>", '{"name": '))


def test_second_turn_renders_calls_and_results_through_the_template(family_server):
    client = family_server.client()
    messages = [{"role": "system", "content": "You answer briefly."},
                {"role": "user", "content": "What is the weather in Paris?"}]
    first = client.chat.completions.create(
        model=family_server.model, messages=messages, tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "get_weather"}}, max_tokens=120, seed=1)
    assert first.choices[0].finish_reason == "tool_calls"
    call = first.choices[0].message.tool_calls[0]
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "{\"temperature\": 21.5, \"sky\": \"clear\"}"})
    expect_prompt(family_server, messages, TOOLS)
    second = client.chat.completions.create(model=family_server.model, messages=messages, tools=TOOLS, max_tokens=30,
                                            temperature=0, tool_choice="none")
    assert second.choices[0].finish_reason in ("stop", "length")
    assert second.usage.prompt_tokens > first.usage.prompt_tokens


PARALLEL_HISTORY = [
    {"role": "user", "content": "Weather and time in Rome?"},
    {"role": "assistant", "tool_calls": [
        {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Rome\", \"unit\": \"celsius\"}"}},
        {"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{\"zone\": \"Europe/Rome\"}"}}]},
    {"role": "tool", "tool_call_id": "call_a", "content": "sunny"},
    {"role": "tool", "tool_call_id": "call_b", "content": "12:00"},
]


def test_parallel_call_history(family_server):
    if family_server.family == "llama-3.1":
        # The template itself refuses: a clear 400, not a crash or a silently different prompt.
        client = family_server.client()
        import openai

        with pytest.raises(openai.BadRequestError) as raised:
            client.chat.completions.create(model=family_server.model, messages=PARALLEL_HISTORY, tools=TOOLS, max_tokens=5)
        assert "only supports single tool-calls" in str(raised.value)
    else:
        expect_prompt(family_server, PARALLEL_HISTORY, TOOLS)


def test_chat_template_kwargs_reach_the_template(family_server):
    messages = [{"role": "user", "content": "Hi"}]
    if family_server.family == "qwen3":
        expect_prompt(family_server, messages, enable_thinking=False)
        assert served_prompt(family_server, messages, chat_template_kwargs={"enable_thinking": False}).endswith(
            "<|im_start|>assistant\n<think>\n\n</think>\n\n")
        client = family_server.client()
        thinking = client.chat.completions.create(model=family_server.model, messages=messages, max_tokens=1)
        quiet = client.chat.completions.create(model=family_server.model, messages=messages, max_tokens=1,
                                               extra_body={"chat_template_kwargs": {"enable_thinking": False}})
        assert quiet.usage.prompt_tokens > thinking.usage.prompt_tokens
    else:
        expect_prompt(family_server, messages, date_string="01 Jan 2025")
    status, body = http_json("POST", family_server.base_url + "/v1/chat/completions", {
        "model": family_server.model, "messages": messages, "chat_template_kwargs": {"messages": []}})
    assert status == 400 and body["error"]["param"] == "chat_template_kwargs"
