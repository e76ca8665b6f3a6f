"""Structured output that always closes: a recursive schema sampled at temperature 1 with a
small token budget still gives valid JSON, for every seed, through chat completions and the
Responses API (the budget-aware grammar finishes the document before `max_tokens`)."""
import json

import jsonschema

TREE = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#"}},
    },
    "required": ["name", "children"],
    "additionalProperties": False,
}
PROMPT = [{"role": "user", "content": "Write a deep family tree with many children and long names, as JSON."}]


def test_recursive_schema_closes_within_max_tokens_on_50_seeds(server):
    client = server.client()
    cut_by_limit = 0
    for seed in range(50):
        completion = client.chat.completions.create(
            model=server.model,
            messages=PROMPT,
            response_format={"type": "json_schema", "json_schema": {"name": "tree", "schema": TREE, "strict": True}},
            temperature=1,
            max_tokens=120,
            seed=seed,
        )
        text = completion.choices[0].message.content
        jsonschema.validate(json.loads(text), TREE)  # valid JSON of the schema, whatever the finish reason
        assert completion.usage.completion_tokens <= 120
        cut_by_limit += completion.choices[0].finish_reason == "length"
    # The budget mattered: without it many of these replies would have been cut mid-document.
    print(f"{cut_by_limit} of 50 replies used the whole budget and still closed")


def test_responses_text_format_closes_within_max_output_tokens(server):
    client = server.client()
    for seed in range(10):
        response = client.responses.create(
            model=server.model,
            input=PROMPT[0]["content"],
            text={"format": {"type": "json_schema", "name": "tree", "schema": TREE, "strict": True}},
            temperature=1,
            max_output_tokens=40,
            extra_body={"seed": seed},
        )
        jsonschema.validate(json.loads(response.output_text), TREE)
