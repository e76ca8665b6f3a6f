#!/usr/bin/env python3
"""Renders the chat templates of the model families Switchyard serves (Qwen2.5, Qwen3, Llama 3.1/3.2/3.3,
Hermes 3, Mistral Nemo, Phi-3.5) over a set of conversations with Python's jinja2, set up as Hugging Face
transformers' apply_chat_template sets it up (Tests/TemplatingTests/render_reference.py), and writes what
each rendered, or the error it raised, to Tests/TemplatingTests/Templates/family_renders.json.
The Swift test FamilyTemplateFixtureTests renders the same cases with Switchyard's interpreter and
compares them byte for byte.

Usage: python3 -m pip install -r scripts/chat-templates/requirements.txt
       python3 scripts/chat-templates/render_fixtures.py            # rewrites the fixture
       python3 scripts/chat-templates/render_fixtures.py --check    # exit 1 if it is out of date

The templates are the files in Tests/TemplatingTests/Templates (see SOURCES.md there). The contexts never
leave the date to strftime_now (Llama 3.2 reads today's date otherwise): each passes date_string.
"""
import json
import pathlib
import sys

import jinja2

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "Tests/TemplatingTests/Templates"
OUTPUT = TEMPLATES / "family_renders.json"
sys.path.insert(0, str(ROOT / "Tests/TemplatingTests"))
import render_reference  # noqa: E402  (the transformers-like environment)

JINJA2_VERSION = "3.1.6"

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city",
    "parameters": {"type": "object", "properties": {
        "location": {"type": "string", "description": "City name, e.g. Paris"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"]}}}
TIME = {"type": "function", "function": {
    "name": "get_time", "description": "Current time in a time zone",
    "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]}}}
NO_ARGS = {"type": "function", "function": {"name": "roll_die", "parameters": {"type": "object", "properties": {}}}}

# Mistral Nemo's template insists on 9-character ids; the other templates ignore ids.
CALL_WEATHER = {"id": "call0000a", "type": "function",
                "function": {"name": "get_weather", "arguments": {"location": "Paris", "unit": "celsius"}}}
CALL_TIME = {"id": "call0000b", "type": "function", "function": {"name": "get_time", "arguments": {"zone": "Europe/Rome"}}}
CALL_NESTED = {"id": "call0000c", "type": "function", "function": {"name": "get_weather", "arguments": {
    "location": "Zürich \"HB\"", "unit": None, "extra": {"days": [1, 2.5], "ok": True}}}}
RESULT_WEATHER = {"role": "tool", "tool_call_id": "call0000a", "name": "get_weather",
                  "content": "{\"temperature\": 21.5, \"sky\": \"clear\"}"}
RESULT_TIME = {"role": "tool", "tool_call_id": "call0000b", "name": "get_time", "content": "12:00"}

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}
ASK_WEATHER = {"role": "user", "content": "What is the weather in Paris?"}

# (name, variables) for every template.
CONVERSATIONS = [
    ("system+user", {"messages": [SYSTEM, {"role": "user", "content": "Hello!"}], "add_generation_prompt": True}),
    ("user, no generation prompt", {"messages": [{"role": "user", "content": "What is 2+2?"}], "add_generation_prompt": False}),
    ("multi-turn", {"messages": [
        SYSTEM, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "  Hello! How can I help?  "},
        {"role": "user", "content": "Tell me a joke."}], "add_generation_prompt": True}),
    ("unicode and markup", {"messages": [
        {"role": "user", "content": "Héllo “quotes” 'single' \"double\" \\ back\n\tTabbed {{ braces }} {% not a tag %} 😀"},
        {"role": "assistant", "content": "Ça va ✓ 日本語"}, {"role": "user", "content": "<tool_call> is just text"}],
        "add_generation_prompt": True}),
    ("tools+system+user", {"messages": [{"role": "system", "content": "You can check the weather."}, ASK_WEATHER],
                           "tools": [WEATHER, TIME], "add_generation_prompt": True}),
    ("tools+user", {"messages": [ASK_WEATHER], "tools": [WEATHER, NO_ARGS], "add_generation_prompt": True}),
    ("call+result", {"messages": [ASK_WEATHER, {"role": "assistant", "content": "", "tool_calls": [CALL_WEATHER]},
                                  RESULT_WEATHER], "tools": [WEATHER], "add_generation_prompt": True}),
    ("call+result+answer+follow-up", {"messages": [
        SYSTEM, ASK_WEATHER, {"role": "assistant", "content": "", "tool_calls": [CALL_WEATHER]}, RESULT_WEATHER,
        {"role": "assistant", "content": "It is 21.5 °C and clear in Paris."}, {"role": "user", "content": "Thanks!"}],
        "tools": [WEATHER], "add_generation_prompt": True}),
    ("nested arguments", {"messages": [ASK_WEATHER, {"role": "assistant", "content": "", "tool_calls": [CALL_NESTED]},
                                       {"role": "tool", "tool_call_id": "call0000c", "content": "cold"}],
                          "tools": [WEATHER], "add_generation_prompt": True}),
    ("parallel calls", {"messages": [
        {"role": "user", "content": "Weather and time in Rome?"},
        {"role": "assistant", "content": "", "tool_calls": [CALL_WEATHER, CALL_TIME]}, RESULT_WEATHER, RESULT_TIME],
        "tools": [WEATHER, TIME], "add_generation_prompt": True}),
    ("call with text, no tools offered", {"messages": [
        ASK_WEATHER, {"role": "assistant", "content": "Let me check.", "tool_calls": [CALL_WEATHER]}, RESULT_WEATHER],
        "add_generation_prompt": True}),
    ("tool call id of the wrong length", {"messages": [
        ASK_WEATHER, {"role": "assistant", "content": "", "tool_calls": [dict(CALL_WEATHER, id="call_abc")]},
        dict(RESULT_WEATHER, tool_call_id="call_abc")], "tools": [WEATHER], "add_generation_prompt": True}),
]

# Qwen3's thinking switch and reasoning in earlier turns.
THINKING = [
    ("thinking off", {"messages": [{"role": "user", "content": "Hi"}], "enable_thinking": False, "add_generation_prompt": True}),
    ("thinking on", {"messages": [{"role": "user", "content": "Hi"}], "enable_thinking": True, "add_generation_prompt": True}),
    ("reasoning in history", {"messages": [
        {"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "<think>\nadd them\n</think>\n\n4"},
        {"role": "user", "content": "3+3?"}], "add_generation_prompt": True}),
    ("reasoning_content field", {"messages": [
        {"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4", "reasoning_content": "add them"}],
        "add_generation_prompt": False}),
    ("thinking between tool calls", {"messages": [
        ASK_WEATHER, {"role": "assistant", "content": "<think>\nI need the weather.\n</think>\n\n", "tool_calls": [CALL_WEATHER]},
        RESULT_WEATHER, {"role": "assistant", "content": "<think>\nIt is warm.\n</think>\n\nWarm and clear."}],
        "tools": [WEATHER], "enable_thinking": False, "add_generation_prompt": False}),
]

# Llama 3.1's own variables: built-in tools, tools in the system message.
LLAMA = [
    ("builtin tools", {"messages": [SYSTEM, {"role": "user", "content": "Search the news"}],
                       "builtin_tools": ["brave_search", "wolfram_alpha"], "tools": [WEATHER], "add_generation_prompt": True}),
    ("builtin tool call", {"messages": [
        {"role": "user", "content": "Search for swift"},
        {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "brave_search", "arguments": {"query": "swift language"}}}]},
        {"role": "ipython", "content": "Swift is a language."}], "builtin_tools": ["brave_search"], "add_generation_prompt": True}),
    ("tools in system message", {"messages": [ASK_WEATHER], "tools": [WEATHER], "tools_in_user_message": False,
                                 "add_generation_prompt": True}),
]

# (template file, its BOS and EOS tokens, extra conversation groups)
TEMPLATES_USED = [
    ("qwen2.5.jinja", "", "<|im_end|>", []),
    ("qwen3.jinja", "", "<|im_end|>", THINKING),
    ("llama-3.1.jinja", "<|begin_of_text|>", "<|eot_id|>", LLAMA),
    ("llama-3.2.jinja", "<|begin_of_text|>", "<|eot_id|>", LLAMA),
    ("hermes-3-tool-use.jinja", "<|begin_of_text|>", "<|im_end|>", []),
    ("mistral-nemo.jinja", "<s>", "</s>", []),
    ("phi-3.5.jinja", "<s>", "<|endoftext|>", []),
]


def render(source, variables):
    """What render_reference.py's environment makes of the template: {"rendered": text} or the error."""
    env = render_reference.make_environment()
    try:
        return {"rendered": env.from_string(source).render(**variables)}
    except jinja2.exceptions.TemplateError as error:
        if type(error) is jinja2.exceptions.TemplateError:  # raise_exception(message)
            return {"raised": str(error)}
        return {"failed": f"{type(error).__name__}: {error}"}
    except Exception as error:  # a Python error inside the template (None.split, ...)
        return {"failed": f"{type(error).__name__}: {error}"}


def build():
    cases = []
    for template, bos, eos, extra in TEMPLATES_USED:
        source = (TEMPLATES / template).read_text(encoding="utf-8")
        for name, variables in CONVERSATIONS + extra:
            context = {**variables, "bos_token": bos, "eos_token": eos, "date_string": "07 Dec 2026"}
            cases.append({"template": template, "name": name, "context": context, **render(source, context)})
    return json.dumps(cases, ensure_ascii=False, indent=1) + "\n"


def main():
    if jinja2.__version__ != JINJA2_VERSION:
        sys.exit(f"jinja2 {jinja2.__version__} is installed; the fixture is rendered with {JINJA2_VERSION} "
                 "(pip install -r scripts/chat-templates/requirements.txt)")
    text = build()
    if "--check" in sys.argv[1:]:
        if OUTPUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUTPUT} is out of date: run {sys.argv[0]}")
        return
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
