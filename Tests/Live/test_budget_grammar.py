"""Structured output that always closes: a recursive schema sampled at temperature 1 with a
token budget far below what the model wants to write still gives valid JSON, for every seed,
through chat completions and the Responses API (the budget-aware grammar finishes the document
before `max_tokens`).

The budget-aware grammar counts each byte still missing as one token (a byte-level vocabulary can
always spell it), so its promise holds from the shortest valid tree's length in bytes:
`{"name":"","children":[]}` is 25 bytes (11 SmolLM2 tokens), and MAX_TOKENS is 28. At
temperature 1 the model writes trees far longer: a control run of the same seeds with room to
spare shows that most replies run past MAX_TOKENS, so each MAX_TOKENS reply that closed did so
because the budget steered it."""
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
MAX_TOKENS = 28
CONTROL_TOKENS = 64
SEEDS = 50
CONTROL_SEEDS = 20


def tree_format():
    return {"type": "json_schema", "json_schema": {"name": "tree", "schema": TREE, "strict": True}}


def test_recursive_schema_closes_within_max_tokens_on_50_seeds(server):
    client = server.client()
    lengths = []
    for seed in range(SEEDS):
        completion = client.chat.completions.create(
            model=server.model, messages=PROMPT, response_format=tree_format(), temperature=1, max_tokens=MAX_TOKENS, seed=seed)
        text = completion.choices[0].message.content
        jsonschema.validate(json.loads(text), TREE)  # valid JSON of the schema, whatever the finish reason
        assert completion.usage.completion_tokens <= MAX_TOKENS
        lengths.append(completion.usage.completion_tokens)

    # The regime is reached: without the budget these seeds' replies are longer than MAX_TOKENS.
    longer = 0
    for seed in range(CONTROL_SEEDS):
        control = client.chat.completions.create(
            model=server.model, messages=PROMPT, response_format=tree_format(), temperature=1, max_tokens=CONTROL_TOKENS, seed=seed)
        longer += control.usage.completion_tokens > MAX_TOKENS
    assert longer >= CONTROL_SEEDS // 2, f"only {longer} of {CONTROL_SEEDS} seeds outgrow {MAX_TOKENS} tokens: the budget was not tested"
    print(f"{longer} of {CONTROL_SEEDS} control seeds ran past {MAX_TOKENS} tokens; budgeted lengths {lengths}")


def test_responses_text_format_closes_within_max_output_tokens(server):
    client = server.client()
    for seed in range(10):
        response = client.responses.create(
            model=server.model,
            input=PROMPT[0]["content"],
            text={"format": {"type": "json_schema", "name": "tree", "schema": TREE, "strict": True}},
            temperature=1,
            max_output_tokens=MAX_TOKENS,
            extra_body={"seed": seed},
        )
        jsonschema.validate(json.loads(response.output_text), TREE)
        assert response.usage.output_tokens <= MAX_TOKENS
