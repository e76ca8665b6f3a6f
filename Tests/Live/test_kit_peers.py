"""The migration kit against real servers: llama.cpp's llama-server on the default model file and
a LiteLLM proxy in front of it. Every verdict the kit gives is checked against what the server
really does, found out by direct requests in the test (the official OpenAI SDK, or raw HTTP where
the SDK would hide the detail), never copied from an earlier run.
"""
import json
import pathlib
import tempfile
import urllib.error
import urllib.request

import openai
import pytest

from kit_support import EXAMPLE_SET, run_json, run_kit
from peer_servers import litellm_proxy, llama_server  # noqa: F401

FEATURES = [
    "logprobs", "seed", "n", "image_input", "json_object", "json_schema_strict", "tool_choice_auto",
    "tool_choice_required", "tool_choice_named", "parallel_tool_calls", "streamed_tool_calls",
    "stream_include_usage", "stream_envelope", "stop", "unknown_field", "error_bad_key", "error_bad_model",
    "rate_limit_headers", "sampling_defaults",
]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather", "description": "Get the current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}},
                       "required": ["city"]},
    },
}


def sdk(peer, key=None):
    return openai.OpenAI(base_url=peer.url, api_key=key or getattr(peer, "key", None) or "unused", max_retries=0, timeout=120)


def raw_stream(peer, body):
    """The `data:` payloads of a streamed chat completion, parsed, and whether [DONE] ended it."""
    headers = {"Content-Type": "application/json"}
    if getattr(peer, "key", None):
        headers["Authorization"] = f"Bearer {peer.key}"
    request = urllib.request.Request(peer.url + "/chat/completions", data=json.dumps({"model": peer.model, "stream": True, **body}).encode(),
                                     headers=headers, method="POST")
    chunks, done = [], False
    with urllib.request.urlopen(request, timeout=120) as response:
        for raw in response:
            line = raw.decode().strip()
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                done = True
            else:
                chunks.append(json.loads(payload))
    return chunks, done


def tool_call_answer(peer, stream=False):
    """What the peer does with the smoke/probe tool request: the tool calls it made (name, arguments)."""
    messages = [{"role": "user", "content": "What is the weather in Paris? Use the tool."}]
    kwargs = dict(model=peer.model, messages=messages, max_tokens=64, temperature=0, tools=[WEATHER_TOOL], tool_choice="required")
    if not stream:
        message = sdk(peer).chat.completions.create(**kwargs).choices[0].message
        return [(call.function.name, call.function.arguments) for call in message.tool_calls or []]
    calls = {}
    for chunk in sdk(peer).chat.completions.create(stream=True, **kwargs):
        for choice in chunk.choices or []:
            for delta in choice.delta.tool_calls or []:
                entry = calls.setdefault(delta.index, ["", ""])
                if delta.function and delta.function.name:
                    entry[0] = delta.function.name
                if delta.function and delta.function.arguments:
                    entry[1] += delta.function.arguments
    return [tuple(calls[index]) for index in sorted(calls)]


def expected_envelope(chunks, done):
    """The deviations of a stream that do not depend on timing, named as the kit names them.
    (`created` is a clock in seconds: whether it ticks within one short stream is chance.)"""
    deviations = []
    if any(chunk.get("id") != chunks[0].get("id") for chunk in chunks):
        deviations.append('"id" changes')
    if any(chunk.get("model") != chunks[0].get("model") for chunk in chunks):
        deviations.append('"model" changes')
    usage_chunks = [chunk for chunk in chunks if chunk.get("usage")]
    if any(chunk.get("choices") != [] for chunk in usage_chunks):
        deviations.append("usage")
    if not done:
        deviations.append("[DONE]")
    return deviations


def created_ticks(peer):
    """Whether `created` changes between the chunks of a stream long enough to cross a second."""
    chunks, _ = raw_stream(peer, {"messages": [{"role": "user", "content": "Count from 1 to 200, separated by spaces."}],
                                  "max_tokens": 400, "temperature": 0})
    return len({chunk.get("created") for chunk in chunks}) > 1


ENVELOPE_BODY = {"messages": [{"role": "user", "content": "Count from 1 to 5."}], "max_tokens": 16, "temperature": 0,
                 "stream_options": {"include_usage": True}}


@pytest.fixture(scope="module")
def peers(llama_server, litellm_proxy):
    return {"llama": llama_server, "litellm": litellm_proxy}


@pytest.mark.parametrize("name", ["llama", "litellm"])
def test_smoke_verdicts_match_direct_requests(peers, name):
    peer = peers[name]
    args = ["smoke", "--base-url", peer.url, "--model", peer.model]
    if getattr(peer, "key", None):
        args += ["--api-key", peer.key]
    rc, report = run_json(*args)
    checks = {check["name"]: check for check in report["checks"]}
    assert list(checks) == ["completion", "streamed", "tool call", "responses"]
    text = sdk(peer).chat.completions.create(
        model=peer.model, messages=[{"role": "user", "content": "Say hello in one short sentence."}], max_tokens=32,
        temperature=0).choices[0].message.content
    assert checks["completion"]["passed"] == bool(text)
    assert checks["streamed"]["passed"] == bool(text)
    calls = tool_call_answer(peer)
    made_weather_call = bool(calls) and calls[0][0] == "get_weather" and isinstance(json.loads(calls[0][1] or "null"), dict)
    assert checks["tool call"]["passed"] == made_weather_call, (calls, checks["tool call"])
    # The Responses call: skipped where the server does not serve /v1/responses (404/405),
    # else passed exactly when a direct request gets output text.
    served, output = responses_answer(peer)
    assert checks["responses"].get("skipped", False) == (not served), checks["responses"]
    if served:
        assert checks["responses"]["passed"] == bool(output), (output, checks["responses"])
    assert rc == (0 if all(check["passed"] for check in checks.values()) else 1)


def responses_answer(peer):
    """(served, output text) of the smoke's Responses request sent directly."""
    body = {"model": peer.model, "input": "Say hello in one short sentence.", "temperature": 0,
            "max_output_tokens": 32, "store": False}
    headers = {"Content-Type": "application/json"}
    if getattr(peer, "key", None):
        headers["Authorization"] = f"Bearer {peer.key}"
    request = urllib.request.Request(peer.url.rstrip("/") + "/responses", json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            document = json.loads(reply.read())
    except urllib.error.HTTPError as error:
        if error.code in (404, 405):
            return False, ""
        return True, ""
    texts = [part.get("text", "") for item in document.get("output", []) if item.get("type") == "message"
             for part in item.get("content", []) if part.get("type") == "output_text"]
    return True, "".join(texts)


def test_probe_compare_runs_every_feature_and_matches_direct_requests(peers):
    llama, proxy = peers["llama"], peers["litellm"]
    rc, reports = run_json("probe", "--a", llama.spec(), "--b", proxy.spec(), timeout=900)
    assert rc in (0, 1), "a finding is exit 1; only an unreachable endpoint may exit 2"
    assert [report["endpoint"]["name"] for report in reports] == ["llama", "litellm"]
    for report, peer in zip(reports, (llama, proxy)):
        results = {result["feature"]: result for result in report["results"]}
        assert list(results) == FEATURES, "the full default probe completes and lists every feature"

        # Streamed tool calls: judged on whether a tool call came at all.
        calls = tool_call_answer(peer, stream=True)
        expected = "ignored" if not calls else results["streamed_tool_calls"]["status"]
        assert results["streamed_tool_calls"]["status"] == expected
        if calls:
            assert results["streamed_tool_calls"]["status"] in ("supported", "broken")

        # The envelope: deviations found in a raw stream of the same request.
        chunks, done = raw_stream(peer, ENVELOPE_BODY)
        deviations = expected_envelope(chunks, done)
        envelope = results["stream_envelope"]
        for deviation in deviations:
            assert deviation in envelope["detail"], (deviation, envelope["detail"])
        if deviations:
            assert envelope["status"] == "deviates", envelope
        else:
            assert envelope["status"] in ("supported", "deviates"), envelope
        if envelope["status"] == "deviates" and not deviations:
            assert envelope["detail"].startswith('"created" changes between chunks'), envelope
        if '"created" changes' in envelope["detail"]:
            assert created_ticks(peer), "the kit saw created change, so a long stream must show it too"

        # Usage: the kit says supported exactly when a usage object arrives in the stream.
        assert results["stream_include_usage"]["status"] == ("supported" if any(c.get("usage") for c in chunks) else "ignored")

        # n=2: as many choices as the server returns.
        try:
            answer = sdk(peer).chat.completions.create(model=peer.model, messages=[{"role": "user", "content": "Say a color."}],
                                                       max_tokens=8, n=2)
            assert results["n"]["status"] == ("supported" if len(answer.choices) == 2 else "ignored")
        except openai.APIStatusError as error:
            expected = "rejected" if error.status_code < 500 else "broken"
            assert (results["n"]["status"], results["n"]["http_status"]) == (expected, error.status_code)

        # A wrong key: served (ignored) or refused with the status the server really sends.
        try:
            sdk(peer, key="sk-switchyard-probe-invalid-key").chat.completions.create(
                model=peer.model, messages=[{"role": "user", "content": "Say hello."}], max_tokens=4)
            assert results["error_bad_key"]["status"] == "ignored"
        except openai.APIStatusError as error:
            assert results["error_bad_key"]["http_status"] == error.status_code
            # OpenAI's 401 is supported; another 4xx (LiteLLM's 400 "No connected db") deviates:
            # SDKs raise another exception class. A malformed error body is broken either way.
            allowed = ("supported", "broken") if error.status_code == 401 else ("deviates", "broken")
            assert results["error_bad_key"]["status"] in allowed, results["error_bad_key"]

        # An unknown model: the same.
        try:
            sdk(peer).chat.completions.create(model="switchyard-probe-no-such-model",
                                              messages=[{"role": "user", "content": "Say hello."}], max_tokens=4)
            assert results["error_bad_model"]["status"] == "ignored"
        except openai.APIStatusError as error:
            assert results["error_bad_model"]["http_status"] == error.status_code

    text = run_kit("probe", "--compare", "--a", llama.spec(), "--b", proxy.spec(), "--features", "stream_envelope,n", timeout=300)
    assert text.returncode in (0, 1)
    assert "stream_envelope" in text.stdout and "llama" in text.stdout and "litellm" in text.stdout


def test_streamed_probe_is_followed_by_more_requests(peers):
    """The original abort: llama-server closes the connection after every stream, and the request
    after a streamed probe died with `I/O on closed channel`."""
    llama = peers["llama"]
    rc, report = run_json("probe", "--base-url", llama.url, "--model", llama.model,
                          "--features", "streamed_tool_calls,stream_include_usage,stream_envelope,logprobs,stop")
    assert rc in (0, 1)
    assert [result["feature"] for result in report["results"]] == [
        "streamed_tool_calls", "stream_include_usage", "stream_envelope", "logprobs", "stop"]
    for result in report["results"]:
        assert "closed" not in result["detail"], result


def test_golden_against_llama_server_is_identical_where_prompt_and_constraints_agree(peers):
    """Same file, temperature 0: Switchyard's engine computes what llama.cpp computes, so every case
    where both servers render the same prompt (equal prompt token counts), pin temperature 0 and
    leave the output unconstrained comes back identical (text, tool calls, completion tokens).
    Every other case that differs carries a cause the report derives from its evidence: `template`
    only where the prompt token counts differ, `constraint` only where the case sends tools or
    response_format (each server enforces those with its own grammar), `sampling` only where
    temperature is not 0."""
    from conftest import RunningServer

    llama = peers["llama"]
    server = RunningServer("--model", llama.model_path)
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "golden.json"
        try:
            spec = f"url={server.base_url}/v1,model={server.model},name=switchyard"
            result = run_kit("golden", "--a", llama.spec(), "--b", spec, str(EXAMPLE_SET), "--json-out", str(path), timeout=1200)
        finally:
            server.kill()
        assert result.returncode in (0, 1), result.stderr
        report = json.loads(path.read_text())
    agreement = report["agreements"][0]
    cases = sum(1 for line in EXAMPLE_SET.read_text().splitlines() if line.strip() and not line.startswith("//"))
    assert agreement["compared"] == cases
    differences = {difference["id"]: difference for difference in agreement["differences"]}
    assert agreement["identical"] + len(differences) == cases
    comparable = 0
    for item in report["cases"]:
        llama_record, switchyard_record = item["records"]
        for record in item["records"]:
            assert record.get("error") is None, (item["id"], record)
        same_prompt = llama_record.get("prompt_tokens") == switchyard_record.get("prompt_tokens")
        if same_prompt and not item["constrained"] and item.get("temperature") == 0:
            comparable += 1
            assert item["id"] not in differences, (item["id"], differences.get(item["id"]))
            continue
        difference = differences.get(item["id"])
        if difference is None:
            continue
        outputs = (llama_record["output"], switchyard_record["output"])
        evidence = {"template": not same_prompt, "constraint": item["constrained"],
                    "sampling": item.get("temperature") != 0, "accounting": outputs[0] == outputs[1],
                    "stop": outputs[0].startswith(outputs[1]) or outputs[1].startswith(outputs[0])}
        assert difference["cause"] in evidence, difference
        assert evidence[difference["cause"]], (item["id"], difference)
        assert difference["reason"], difference
    assert comparable >= 15, "most of the example set is unconstrained at temperature 0"
    counts = {}
    for difference in differences.values():
        counts[difference["cause"]] = counts.get(difference["cause"], 0) + 1
    assert agreement["causes"] == counts
    # The terminal report says "N/M identical", what the rest differ by, and each case's cause.
    line = f"llama vs switchyard: {agreement['identical']}/{cases} identical"
    assert line in result.stdout, result.stdout
    for identifier, difference in differences.items():
        assert f"  {identifier} [{difference['cause']}]: " in result.stdout, result.stdout


@pytest.mark.parametrize("name", ["llama", "litellm"])
def test_bench_counts_what_the_server_streams(peers, name):
    """Every request completes, although llama-server closes the connection after every stream
    without saying so (the request after one may race the close: it is sent again, as the OpenAI
    SDKs do) and LiteLLM's uvicorn drops connections idle for 5 s."""
    peer = peers[name]
    args = ["bench", "--base-url", peer.url, "--model", peer.model, "--concurrency", "1,2", "--requests", "4",
            "--warmup", "1", "--output-tokens", "16", "--prompt-words", "32"]
    if getattr(peer, "key", None):
        args += ["--api-key", peer.key]
    rc, report = run_json(*args, timeout=600)
    result = report["results"][0]
    levels = {level["label"]: level for level in result["levels"]}
    assert list(levels) == ["c=1", "c=2"]
    # What the server really does with a fixed-length request.
    answer = sdk(peer).chat.completions.create(
        model=peer.model, messages=[{"role": "user", "content": "Write about the sea."}], max_tokens=16, temperature=0,
        extra_body={"ignore_eos": True, "min_tokens": 16})
    fixed = answer.usage.completion_tokens == 16
    for level in levels.values():
        metrics = level["metrics"]
        assert metrics["completed"] == 4 and metrics["failed"] == 0, level
        if fixed:
            assert metrics["total_output_tokens"] == 4 * 16
