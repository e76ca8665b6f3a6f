"""`truncation: "auto"` on a stored chain longer than the model's window: the oldest items are
dropped (instructions kept) and the turn is served; without it, OpenAI's 400
`context_length_exceeded`. The server runs with a 512-token window so the chain is short."""
import openai
import pytest

from conftest import RunningServer

CONTEXT = 512
MAX_OUTPUT = 16
INSTRUCTIONS = "You are a terse assistant. Answer in one short sentence."


@pytest.fixture(scope="module")
def small_window():
    running = RunningServer("--context-length", str(CONTEXT))
    yield running
    running.stop()


def paragraph(index: int) -> str:
    return f"Note {index}: " + " ".join(f"the {index}th fox jumps over the lazy dog number {n}." for n in range(10))


def test_a_chain_past_the_window_is_truncated_only_when_asked(small_window):
    client = small_window.client()
    model = small_window.model
    single = client.responses.create(
        model=model, instructions=INSTRUCTIONS, input=paragraph(0), max_output_tokens=MAX_OUTPUT, temperature=0, store=False)
    # Grow a stored chain until the next turn no longer fits the window.
    previous, turns = None, 0
    while True:
        try:
            response = client.responses.create(
                model=model, instructions=INSTRUCTIONS, input=paragraph(turns), previous_response_id=previous,
                max_output_tokens=MAX_OUTPUT, temperature=0)
        except openai.BadRequestError as refused:
            assert refused.status_code == 400
            assert refused.body["code"] == "context_length_exceeded"
            assert refused.body["param"] == "input"
            assert f"maximum context length is {CONTEXT} tokens" in refused.body["message"]
            break
        previous, turns = response.id, turns + 1
        assert turns < 12, "the chain should outgrow a 512-token window within a few turns"
    assert turns >= 2

    truncated = client.responses.create(
        model=model, instructions=INSTRUCTIONS, input=paragraph(turns), previous_response_id=previous,
        max_output_tokens=MAX_OUTPUT, temperature=0, truncation="auto")
    assert truncated.truncation == "auto"
    assert truncated.status in ("completed", "incomplete") and truncated.output_text
    # It fits the window, and it kept more than the newest turn: only the oldest items went.
    assert truncated.usage.input_tokens + MAX_OUTPUT <= CONTEXT
    assert truncated.usage.input_tokens > single.usage.input_tokens + MAX_OUTPUT
    # The stored chain is untouched: the next turn without truncation is still refused.
    with pytest.raises(openai.BadRequestError):
        client.responses.create(
            model=model, input="And now?", previous_response_id=truncated.id, max_output_tokens=MAX_OUTPUT, temperature=0)
    assert [item.type for item in client.responses.input_items.list(truncated.id).data] == ["message"]


def test_an_input_that_alone_exceeds_the_window_is_refused_even_with_auto(small_window):
    client = small_window.client()
    with pytest.raises(openai.BadRequestError) as refused:
        client.responses.create(
            model=small_window.model, input=" ".join(paragraph(n) for n in range(8)), max_output_tokens=MAX_OUTPUT,
            truncation="auto")
    assert refused.value.body["code"] == "context_length_exceeded"
