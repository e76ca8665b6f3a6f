"""The kit against two real `switchyard serve` instances configured differently.

A serves with its defaults; B with strict parameters (unknown fields are 400s) and, where the
server offers the option, other sampling defaults. Skipped until the binary has `serve` and a
model is available.
"""
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.request

import pytest

from kit_support import EXAMPLE_SET, closed_port, run_json, run_kit, switchyard_bin

SMALL_SET = [line for line in EXAMPLE_SET.read_text().splitlines()
             if any(f'"id": "{name}"' in line for name in ("capital-france", "arithmetic-add", "hello", "json-schema-person", "tool-weather-required"))]


def serve_help():
    result = subprocess.run([switchyard_bin(), "serve", "--help"], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip("this switchyard has no `serve` command yet")
    return result.stdout


def flag(help_text, *candidates):
    for candidate in candidates:
        if re.search(rf"(^|\s){re.escape(candidate)}\b", help_text):
            return candidate
    return None


class Served:
    def __init__(self, key, *extra):
        self.port = closed_port()
        self.key = key
        args = [switchyard_bin(), "serve", "--port", str(self.port), "--api-key", key, *extra]
        model = os.environ.get("SWITCHYARD_TEST_MODEL")
        if model:
            args += ["--model", model]
        env = dict(os.environ)
        env.pop("SWITCHYARD_API_KEYS", None)
        self.log = tempfile.NamedTemporaryFile("w+", prefix=f"kit-serve-{self.port}-", suffix=".log", delete=False)
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.model = self.wait_ready()

    def wait_ready(self, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                pytest.fail(f"switchyard serve exited with {self.process.returncode}: {self.log.read()[-2000:]}")
            try:
                request = urllib.request.Request(self.url + "/models", headers={"Authorization": f"Bearer {self.key}"})
                with urllib.request.urlopen(request, timeout=2) as response:
                    models = json.load(response)["data"]
                    if models:
                        return models[0]["id"]
            except OSError:
                time.sleep(0.5)
        self.stop()
        pytest.fail("switchyard serve did not become ready")

    def spec(self, name):
        return f"url={self.url},model={self.model},key={self.key},name={name}"

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
        os.unlink(self.log.name)


@pytest.fixture(scope="module")
def servers():
    help_text = serve_help()
    strict = flag(help_text, "--strict-params", "--strict")
    if not strict:
        pytest.skip("serve has no strict-parameters option")
    extra_b = [strict]
    # Other sampling defaults where the server can be told them; one generation slot otherwise
    # makes B queue under concurrency, so the bench shows a difference too.
    temperature = flag(help_text, "--default-temperature", "--temperature")
    if temperature:
        extra_b += [temperature, "0"]
    concurrent = flag(help_text, "--max-concurrent")
    if concurrent:
        extra_b += [concurrent, "1"]
    a = Served("key-serve-a")
    try:
        b = Served("key-serve-b", *extra_b)
    except BaseException:
        a.stop()
        raise
    yield a, b, bool(temperature), bool(concurrent)
    a.stop()
    b.stop()


def test_smoke_on_serve(servers):
    a, _, _, _ = servers
    rc, report = run_json("smoke", "--base-url", a.url, "--model", a.model, "--api-key", a.key, timeout=600)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["completion"]["passed"], checks["completion"]
    assert checks["streamed"]["passed"], checks["streamed"]
    assert rc == (0 if all(c["passed"] for c in checks.values()) else 1)


def test_probe_compare_on_serve(servers):
    a, b, different_defaults, _ = servers
    rc, reports = run_json("probe", "--a", a.spec("default"), "--b", b.spec("strict"), timeout=900)
    matrices = [{r["feature"]: r for r in report["results"]} for report in reports]
    assert matrices[0]["unknown_field"]["status"] == "ignored"
    assert matrices[1]["unknown_field"]["status"] == "rejected"
    assert matrices[1]["unknown_field"]["http_status"] == 400
    for matrix in matrices:
        assert matrix["error_bad_key"]["status"] == "supported", matrix["error_bad_key"]
        assert matrix["error_bad_model"]["status"] == "supported", matrix["error_bad_model"]
        assert matrix["stream_include_usage"]["status"] == "supported"
    if different_defaults:
        assert "greedy" in matrices[1]["sampling_defaults"]["detail"]
    text = run_kit("probe", "--compare", "--a", a.spec("default"), "--b", b.spec("strict"),
                   "--features", "unknown_field,stop", timeout=600)
    assert re.search(r"^≠ unknown_field\s+ignored\s+rejected 400", text.stdout, re.M), text.stdout


def test_golden_on_serve(servers, tmp_path):
    a, b, _, _ = servers
    golden_set = tmp_path / "small.jsonl"
    golden_set.write_text("\n".join(SMALL_SET) + "\n")
    html = tmp_path / "serve.html"
    rc, report = run_json("golden", golden_set, "--a", a.spec("default"), "--b", b.spec("strict"), "--html", html, timeout=900)
    assert len(report["cases"]) == len(SMALL_SET)
    for summary in report["summaries"]:
        assert summary["errors"] == 0, report
        assert summary["ttft_ms"]["count"] == len(SMALL_SET)
    for case in report["cases"]:
        for record in case["records"]:
            assert record["completion_tokens"] and record["completion_tokens"] > 0
    assert html.read_text().count("<svg") == 3


def test_bench_on_serve(servers):
    a, b, _, single_slot = servers
    rc, report = run_json("bench", "--a", a.spec("default"), "--b", b.spec("strict"), "--concurrency", "1,2",
                          "--requests", "4", "--output-tokens", "8", "--warmup", "1", "--max-failures", "0", timeout=900)
    assert rc == 0, report
    for result in report["results"]:
        for level in result["levels"]:
            metrics = level["metrics"]
            assert metrics["completed"] == 4
            assert metrics["ttft"]["p50"] > 0 and metrics["output_throughput"] > 0
            assert metrics["usage_chunk_mismatches"] >= 0 and metrics["requests_without_usage"] == 0
    if single_slot:
        # B generates one request at a time: at concurrency 2 one request of each pair waits for
        # the other's whole generation before its first token.
        b_c1, b_c2 = (level["metrics"] for level in report["results"][1]["levels"])
        assert b_c2["ttft"]["p95"] > 1.3 * b_c1["ttft"]["p50"], (b_c1["ttft"], b_c2["ttft"])
