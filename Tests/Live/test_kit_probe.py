"""`switchyard probe` records each feature's behaviour; two servers differ in known ways."""
from kit_support import broken_server, full_server, run_json, run_kit, strict_server  # noqa: F401

FULL = {
    "logprobs": "supported", "seed": "supported", "n": "supported", "image_input": "supported",
    "json_object": "supported", "json_schema_strict": "supported", "tool_choice_auto": "supported",
    "tool_choice_required": "supported", "tool_choice_named": "supported", "parallel_tool_calls": "supported",
    "streamed_tool_calls": "supported", "stream_include_usage": "supported", "stream_envelope": "supported", "stop": "supported",
    "unknown_field": "ignored", "error_bad_key": "supported", "error_bad_model": "supported",
    "rate_limit_headers": "supported", "sampling_defaults": "supported",
}
STRICT = dict(FULL, **{
    "logprobs": "rejected", "seed": "ignored", "n": "rejected", "image_input": "rejected",
    "json_schema_strict": "broken", "parallel_tool_calls": "ignored",
    # Usage arrives, on the last content chunk: the feature works, the envelope deviates.
    "stream_include_usage": "supported", "stream_envelope": "deviates",
    "unknown_field": "rejected", "error_bad_key": "broken", "error_bad_model": "broken", "rate_limit_headers": "ignored",
})


def statuses(report):
    return {r["feature"]: r["status"] for r in report["results"]}


def test_probe_full_server(full_server):
    rc, report = run_json("probe", "--base-url", full_server.url, "--model", "fake-model", "--api-key", "key-full")
    assert statuses(report) == FULL
    assert rc == 0
    details = {r["feature"]: r["detail"] for r in report["results"]}
    assert "3 alternatives" in details["logprobs"]
    assert "sampling by default" in details["sampling_defaults"]
    assert "get_weather" in details["parallel_tool_calls"] and "get_time" in details["parallel_tool_calls"]


def test_probe_strict_server(strict_server):
    rc, report = run_json("probe", "--base-url", strict_server.url, "--model", "fake-model", "--api-key", "key-strict")
    assert statuses(report) == STRICT
    assert rc == 1, "broken features make the probe fail"
    results = {r["feature"]: r for r in report["results"]}
    assert results["logprobs"]["http_status"] == 400
    assert results["logprobs"]["detail"] == "logprobs is not supported"
    assert "not a string" in results["error_bad_key"]["detail"]
    assert "greedy" in results["sampling_defaults"]["detail"]
    assert results["stream_envelope"]["detail"] == (
        'usage rides on a chunk with choices (OpenAI sends it in its own chunk with "choices": [])')


def test_probe_broken_server(broken_server):
    rc, report = run_json("probe", "--base-url", broken_server.url, "--model", "fake-model", "--api-key", "key-broken",
                          "--features", "logprobs,tool_choice_auto,stream_include_usage,json_schema_strict")
    assert rc == 1
    results = {r["feature"]: r for r in report["results"]}
    assert list(results) == ["logprobs", "tool_choice_auto", "stream_include_usage", "json_schema_strict"]
    assert results["logprobs"]["status"] == "broken" and results["logprobs"]["http_status"] == 500
    assert results["tool_choice_auto"]["status"] == "broken"
    assert results["stream_include_usage"]["status"] == "broken"
    assert "not JSON" in results["stream_include_usage"]["detail"]
    assert results["json_schema_strict"]["status"] == "broken"


def test_probe_compare_side_by_side(full_server, strict_server):
    result = run_kit("probe", "--compare", "--a", full_server.spec("full"), "--b", strict_server.spec("strict"))
    assert result.returncode == 1
    rows = {line[2:].split()[0]: line for line in result.stdout.splitlines() if line[:1] in ("≠", " ") and len(line) > 2 and line[2:].strip()}
    assert rows["logprobs"].startswith("≠") and "supported" in rows["logprobs"] and "rejected 400" in rows["logprobs"]
    assert rows["stop"].startswith(" ")
    assert "strict: logprobs is not supported" in result.stdout


def test_probe_require_gates_the_exit_code(full_server, strict_server):
    ok = run_kit("probe", "--base-url", full_server.url, "--model", "fake-model", "--api-key", "key-full",
                 "--features", "logprobs,seed", "--require", "logprobs,seed")
    assert ok.returncode == 0
    missing = run_kit("probe", "--base-url", strict_server.url, "--model", "fake-model", "--api-key", "key-strict",
                      "--features", "seed", "--require", "seed")
    assert missing.returncode == 1
    assert "required but not supported: endpoint: seed" in missing.stderr
    usage = run_kit("probe", "--base-url", full_server.url, "--model", "fake-model", "--features", "telepathy")
    assert usage.returncode != 0 and "unknown feature" in usage.stderr
