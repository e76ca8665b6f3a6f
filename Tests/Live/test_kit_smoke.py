"""`switchyard smoke` against differently behaving fake servers."""
from kit_support import broken_server, closed_port, full_server, run_json, run_kit  # noqa: F401


def test_smoke_passes_on_a_conforming_server(full_server):
    rc, report = run_json("smoke", "--base-url", full_server.url, "--model", "fake-model", "--api-key", "key-full")
    assert rc == 0
    assert [c["name"] for c in report["checks"]] == ["completion", "streamed", "tool call", "responses"]
    assert all(c["passed"] for c in report["checks"]), report
    # The fake serves no /v1/responses (404): the Responses call is skipped, not failed.
    assert report["checks"][3]["skipped"] is True and "not served" in report["checks"][3]["reason"]
    assert report["passed"] is True
    assert report["checks"][2]["reason"].startswith("get_weather(")
    assert "key-full" not in str(report), "the API key must not appear in reports"


def test_smoke_fails_with_reasons_on_a_broken_server(broken_server):
    rc, report = run_json("smoke", "--base-url", broken_server.url, "--model", "fake-model", "--api-key", "key-broken")
    assert rc == 1
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["completion"]["passed"] is True
    assert checks["streamed"]["passed"] is False
    # A missing [DONE] is an envelope finding of its own now (stream_envelope), not part of this reason.
    assert "not JSON" in checks["streamed"]["reason"]
    assert checks["tool call"]["passed"] is False
    assert checks["tool call"]["reason"].startswith("500")


def test_smoke_wrong_key_is_a_finding(full_server):
    result = run_kit("smoke", "--base-url", full_server.url, "--model", "fake-model", "--api-key", "wrong")
    assert result.returncode == 1
    assert "FAIL  completion" in result.stdout and "401 invalid_api_key" in result.stdout


def test_smoke_key_from_environment_variable(full_server, monkeypatch):
    monkeypatch.setenv("KIT_TEST_KEY", "key-full")
    rc, report = run_json("smoke", "--base-url", full_server.url, "--model", "fake-model", "--api-key-env", "KIT_TEST_KEY")
    assert rc == 0 and report["passed"]


def test_unreachable_endpoint_exits_2():
    result = run_kit("smoke", "--base-url", f"http://127.0.0.1:{closed_port()}/v1", "--model", "m", "--timeout", "5")
    assert result.returncode == 2
    assert result.stderr.startswith("error:")


def test_bad_endpoint_spec_exits_2(full_server):
    result = run_kit("smoke", "--a", "url=ftp://x,model=m", "--b", full_server.spec("B"))
    assert result.returncode == 2
    assert "url=http" in result.stderr
