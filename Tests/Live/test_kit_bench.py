"""`switchyard bench`: vLLM-style metrics, fixed output length, usage vs chunks, cold starts."""
from kit_support import full_server, run_json, strict_server  # noqa: F401


def test_bench_two_endpoints_at_two_concurrencies(full_server, strict_server, tmp_path):
    html = tmp_path / "bench.html"
    rc, report = run_json("bench", "--a", full_server.spec("full"), "--b", strict_server.spec("strict"),
                          "--concurrency", "1,4", "--requests", "8", "--output-tokens", "12", "--warmup", "1",
                          "--html", html)
    assert rc == 0
    full, strict = report["results"]
    assert [level["label"] for level in full["levels"]] == ["c=1", "c=4"]
    assert full["fixed_length_accepted"] is True
    assert strict["fixed_length_accepted"] is False
    assert any("ignore_eos/min_tokens rejected" in note for note in strict["notes"])
    for level in full["levels"]:
        metrics = level["metrics"]
        assert metrics["completed"] == 8 and metrics["failed"] == 0
        assert all(r["usage_output_tokens"] == 12 and r["chunk_count"] == 12 for r in level["requests"])
        assert metrics["usage_chunk_mismatches"] == 0
        assert metrics["total_output_tokens"] == 96
        for name in ("ttft", "tpot", "itl", "e2e"):
            summary = metrics[name]
            assert 0 < summary["p50"] <= summary["p99"] <= summary["max"] + 1
            assert summary["count"] > 0
        assert metrics["tpot"]["mean"] < metrics["ttft"]["mean"] + 50
        assert metrics["output_throughput"] > 0
    for level in strict["levels"]:
        # Strict streams two words per chunk, and its usage counts words.
        assert level["metrics"]["usage_chunk_mismatches"] == 8
        assert level["metrics"]["mean_usage_chunk_difference"] > 0
    assert strict["levels"][0]["metrics"]["ttft"]["p50"] > full["levels"][0]["metrics"]["ttft"]["p50"]
    # More concurrency, more total throughput on the threaded fake.
    assert full["levels"][1]["metrics"]["output_throughput"] > 1.5 * full["levels"][0]["metrics"]["output_throughput"]
    assert html.read_text().count("<svg") == 4


def test_bench_thresholds(full_server, strict_server):
    rc, report = run_json("bench", "--a", full_server.spec("full"), "--b", strict_server.spec("strict"),
                          "--concurrency", "2", "--requests", "6", "--output-tokens", "8", "--warmup", "0",
                          "--max-ttft-p95-ratio", "1.2", "--max-failures", "0")
    assert rc == 1
    names = {(c["name"], c["passed"]) for c in report["thresholds"]}
    assert ("max-ttft-p95-ratio", False) in names and ("max-failures", True) in names


def test_bench_poisson_rate(full_server):
    rc, report = run_json("bench", "--base-url", full_server.url, "--model", "fake-model", "--api-key", "key-full",
                          "--request-rate", "40", "--requests", "10", "--output-tokens", "6", "--warmup", "1")
    assert rc == 0
    level = report["results"][0]["levels"][0]
    assert level["label"] == "rate=40.00/s" and level["request_rate"] == 40
    assert level["metrics"]["completed"] == 10


def test_bench_cold_start_after_sleep_call(full_server):
    rc, report = run_json("bench", "--base-url", full_server.url, "--model", "fake-model", "--api-key", "key-full",
                          "--concurrency", "1", "--requests", "4", "--output-tokens", "4", "--cold", "--sleep-tier", "small")
    assert rc == 0
    cold = report["results"][0]["cold_start"]
    assert cold["method"] == "sleep tier 'small'"
    assert cold["succeeded"] is True
    assert cold["ttft_ms"] > 300 > cold["warm_ttft_p50_ms"]


def test_bench_cold_start_falls_back_to_idling(strict_server):
    rc, report = run_json("bench", "--base-url", strict_server.url, "--model", "fake-model", "--api-key", "key-strict",
                          "--concurrency", "1", "--requests", "2", "--output-tokens", "4", "--warmup", "0",
                          "--cold", "--sleep-tier", "small")
    assert rc == 0
    cold = report["results"][0]["cold_start"]
    assert cold["method"] == "idle 5s (sleep unavailable)"
    assert "404" in cold["detail"]
    assert cold["ttft_ms"] > 300, "the strict fake wakes slowly after 3 s idle"
