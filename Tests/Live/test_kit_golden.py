"""`switchyard golden` replays the example set against two servers and gates on thresholds."""
import json

from kit_support import EXAMPLE_SET, full_server, run_json, run_kit, strict_server  # noqa: F401


def golden(full, strict, *extra):
    return run_json("golden", EXAMPLE_SET, "--a", full.spec("full"), "--b", strict.spec("strict"), *extra)


def test_golden_records_per_prompt_and_summaries(full_server, strict_server, tmp_path):
    html, markdown, json_out = tmp_path / "r.html", tmp_path / "r.md", tmp_path / "r.json"
    rc, report = golden(full_server, strict_server, "--html", html, "--markdown", markdown, "--json-out", json_out)
    assert rc == 0, "no thresholds given: the run passes"
    cases = {c["id"]: c for c in report["cases"]}
    assert len(cases) == len(EXAMPLE_SET.read_text().splitlines())
    full_summary, strict_summary = report["summaries"]
    assert full_summary["endpoint"] == "full" and strict_summary["endpoint"] == "strict"
    assert full_summary["errors"] == 0 and strict_summary["errors"] == 0
    assert full_summary["schema_success_rate"] == 1.0
    assert strict_summary["schema_success_rate"] < 0.5, "strict ignores json_schema"
    assert full_summary["tool_success_rate"] == 1.0
    assert strict_summary["ttft_ms"]["p50"] > full_summary["ttft_ms"]["p50"]

    person = cases["json-schema-person"]["records"]
    assert person[0]["schema_valid"] is True and person[1]["schema_valid"] is False
    named = cases["tool-time-named"]["records"]
    assert [r["tool_call_valid"] for r in named] == [True, True]
    assert named[0]["tool_calls"][0]["name"] == "get_time"
    france = cases["capital-france"]
    assert france["records"][0]["output"] == "The capital of France is Paris."
    assert france["records"][1]["output"].startswith("Sure.")
    assert france["token_delta"] == 1
    assert all(r["ttft_ms"] > 0 and r["total_ms"] >= r["ttft_ms"] for r in france["records"])

    page = html.read_text()
    assert page.count("<svg") == 3 and "<script" not in page
    assert "<b>capital-france</b>" in page and "<ins>Sure. </ins>" in page
    md = markdown.read_text()
    assert "| capital-france | ✓ | 6 |" in md
    assert json.loads(json_out.read_text())["summaries"] == report["summaries"]


def test_golden_thresholds_set_the_exit_code(full_server, strict_server):
    rc, report = golden(full_server, strict_server, "--min-schema-success", "0.9")
    assert rc == 1
    assert report["passed"] is False
    check = report["thresholds"][0]
    assert check["name"] == "min-schema-success" and check["passed"] is False and check["actual"] < 0.5

    rc, report = golden(full_server, strict_server, "--max-ttft-p95-ratio", "1.05")
    assert rc == 1, "strict's first tokens come three times later"
    rc, report = golden(full_server, strict_server, "--max-ttft-p95-ratio", "50", "--min-tool-success", "0.5", "--max-errors", "0")
    assert rc == 0 and report["passed"] is True
    assert [c["name"] for c in report["thresholds"]] == ["max-ttft-p95-ratio", "min-tool-success", "max-errors"]


def test_golden_single_endpoint(full_server):
    rc, report = run_json("golden", EXAMPLE_SET, "--base-url", full_server.url, "--model", "fake-model",
                          "--api-key", "key-full", "--min-schema-success", "1", "--min-tool-success", "1")
    assert rc == 0
    assert len(report["summaries"]) == 1


def test_golden_bad_set_exits_2(full_server, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "messages": []}\n')
    result = run_kit("golden", bad, "--base-url", full_server.url, "--model", "fake-model")
    assert result.returncode == 2
    assert "golden line 1" in result.stderr
