"""Tiers that scale to zero, with real processes: the wake command starts a second
`switchyard serve` as the upstream, the SDK's first request wakes it, the tier idles out and
the process ends; a wake that never becomes ready fails with 504 at the hard cap (and the SDK
does not retry it); a wake command that exits fails at once with 503."""
import json
import os
import socket
import time
from pathlib import Path

import http.client
import openai
import pytest

from conftest import RunningServer, _free_port, http_json, model_file, switchyard_bin

ADMIN = "sk-admin-tiers"


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes, but should have been reaped.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def fleet_server(tmp_path: Path, config: dict, *extra: str) -> RunningServer:
    """A server over `config` (JSON is YAML), with its own home and an admin key."""
    path = tmp_path / "switchyard.yaml"
    path.write_text(json.dumps(config, indent=2))
    home = tmp_path / "home"
    return RunningServer(
        "--config", str(path), "--admin-key", ADMIN, *extra, env={"SWITCHYARD_HOME": str(home)}, models_visible_with=ADMIN
    )


def tiers(server: RunningServer) -> dict:
    status, body = http_json("GET", server.base_url + "/v1/tiers", headers={"Authorization": f"Bearer {ADMIN}"})
    assert status == 200, body
    return {tier["name"]: tier for tier in body["data"]}


def wait_for(predicate, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(message)


@pytest.fixture
def upstream_tier(tmp_path):
    upstream_port = _free_port()
    model = model_file()
    config = {
        "models": [
            {
                "name": "remote-smol",
                "aliases": ["gpt-4o-mini"],
                "upstream": {"base_url": f"http://127.0.0.1:{upstream_port}/v1", "model": Path(model).stem},
            }
        ],
        "tiers": [
            {
                "name": "remote",
                "models": ["remote-smol"],
                "idle_timeout": "3s",
                "keepalive": "300ms",
                "wake": {
                    # The upstream takes a moment to load its model: long enough for keep-alives.
                    "command": f"sleep 1; exec '{switchyard_bin()}' serve --port {upstream_port} --model '{model}' --context-length 2048",
                    "ready_url": f"http://127.0.0.1:{upstream_port}/health",
                    "env": {"SWITCHYARD_HOME": str(tmp_path / "upstream-home")},
                },
            }
        ],
    }
    server = fleet_server(tmp_path, config)
    yield server, upstream_port
    server.stop()
    wait_for(lambda: not port_open(upstream_port), 30, "the upstream outlived the server that started it")


def test_first_request_wakes_the_tier_and_it_sleeps_when_idle(upstream_tier):
    server, upstream_port = upstream_tier
    assert tiers(server)["remote"]["state"] == "asleep"
    assert not port_open(upstream_port)

    client = server.client(api_key=ADMIN, max_retries=0, timeout=120)
    raw = client.chat.completions.with_raw_response.create(
        model="remote-smol", messages=[{"role": "user", "content": "Say hi."}], max_tokens=8
    )
    completion = raw.parse()
    assert completion.model == "remote-smol"  # the upstream's name never leaks
    assert completion.choices[0].message.content
    assert completion.usage.completion_tokens > 0
    wake_ms = int(raw.headers["x-switchyard-wake-ms"])
    assert wake_ms >= 1000  # the command sleeps 1 s before the upstream even starts

    status = tiers(server)["remote"]
    assert status["state"] == "awake"
    assert status["wakes"] == 1
    assert status["last_wake_ms"] == pytest.approx(wake_ms, abs=500)
    assert status["wake_ms"]["p50"] is not None

    # Awake: no wake header, streams pass through with the public name (here by its alias).
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Count to three."}], max_tokens=12
    )
    assert "x-switchyard-wake-ms" not in raw.headers
    stream = client.chat.completions.create(
        model="remote-smol", messages=[{"role": "user", "content": "Count to three."}], max_tokens=12, stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert {chunk.model for chunk in chunks} == {"remote-smol"}
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0

    # Idle for 3 s: the tier stops its process.
    wait_for(lambda: tiers(server)["remote"]["state"] == "asleep", 60, "the tier did not go to sleep when idle")
    wait_for(lambda: not port_open(upstream_port), 30, "the upstream process outlived its tier")

    # A stream that wakes it: headers at once, comment keep-alives while waking, then the answer.
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    body = {"model": "remote-smol", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8, "stream": True}
    connection.request(
        "POST", "/v1/chat/completions", body=json.dumps(body),
        headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("content-type").startswith("text/event-stream")
    lines = [line.decode().rstrip("\r\n") for line in response]
    lines = [line for line in lines if line]
    connection.close()
    comments = [line for line in lines if line.startswith(":")]
    data = [line for line in lines if line.startswith("data: ")]
    assert any(line.startswith(": waking tier remote") for line in comments), lines
    assert any("woke in" in line for line in comments), lines
    assert data[-1] == "data: [DONE]"
    assert all(json.loads(line[6:])["model"] == "remote-smol" for line in data[:-1])
    assert tiers(server)["remote"]["wakes"] == 2

    # The admin endpoint puts it to sleep at once; other keys may not.
    status, body = http_json("POST", server.base_url + "/v1/tiers/remote/sleep", headers={"Authorization": "Bearer wrong"})
    assert status == 401
    status, body = http_json("POST", server.base_url + "/v1/tiers/remote/sleep", headers={"Authorization": f"Bearer {ADMIN}"})
    assert status == 200, body
    wait_for(lambda: not port_open(upstream_port), 30, "sleep did not stop the upstream")
    assert tiers(server)["remote"]["state"] == "asleep"


def test_a_killed_server_does_not_leave_its_tier_running(upstream_tier):
    """kill -9 gives the server no chance to stop its tiers: the guard process it left beside
    the wake command ends the command's process group instead (SIGTERM, then SIGKILL)."""
    server, upstream_port = upstream_tier
    client = server.client(api_key=ADMIN, max_retries=0, timeout=120)
    client.chat.completions.create(model="remote-smol", messages=[{"role": "user", "content": "Hi"}], max_tokens=2)
    assert port_open(upstream_port)
    server.kill()
    wait_for(lambda: not port_open(upstream_port), 20, "the upstream outlived a server killed with SIGKILL")


def test_a_wake_that_never_becomes_ready_fails_with_504_at_the_hard_cap(tmp_path):
    pid_file = tmp_path / "wake.pid"
    dead_port = _free_port()
    config = {
        "models": [{"name": "never", "upstream": {"base_url": f"http://127.0.0.1:{dead_port}/v1"}}],
        "tiers": [
            {
                "name": "stuck",
                "models": ["never"],
                "wake_budget": "1s",
                "wake_hard_cap": "3s",
                "keepalive": "500ms",
                "wake": {"command": f"echo $$ > '{pid_file}'; exec sleep 600", "ready_url": f"http://127.0.0.1:{dead_port}/health"},
            }
        ],
    }
    server = fleet_server(tmp_path, config)
    try:
        # The SDK's default is two retries of a 504; x-should-retry: false must stop them.
        client = server.client(api_key=ADMIN, max_retries=2, timeout=60)
        started = time.monotonic()
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(model="never", messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
        elapsed = time.monotonic() - started
        error = caught.value
        assert error.status_code == 504
        assert error.response.headers["x-should-retry"] == "false"
        assert error.body["code"] == "wake_timeout" and error.body["type"] == "timeout_error"
        assert 2.5 <= elapsed < 8, f"took {elapsed:.1f} s: retried, or did not wait for the hard cap"

        # The abandoned wake's process is gone.
        pid = int(pid_file.read_text())
        wait_for(lambda: not pid_alive(pid), 20, "the stuck wake command was not stopped at the hard cap")
        wait_for(lambda: tiers(server)["stuck"]["state"] == "asleep", 30, "the tier did not settle asleep after its failed wake")
        status = tiers(server)["stuck"]
        assert status["wake_timeouts"] >= 1 and status["wake_budget_overruns"] >= 1

        # A stream waiting for the same kind of wake gets its headers, keep-alives, then one error event.
        with pytest.raises(openai.APIError) as caught:
            for _ in client.chat.completions.create(
                model="never", messages=[{"role": "user", "content": "Hi"}], max_tokens=4, stream=True
            ):
                pass
        assert "did not wake" in str(caught.value)
        status, metrics = http_json("GET", server.base_url + "/metrics", headers={"Authorization": f"Bearer {ADMIN}"})
        assert 'switchyard_tier_wake_timeouts{tier="stuck"} 2' in metrics
    finally:
        server.stop()


def test_a_wake_command_that_exits_fails_at_once_with_503(tmp_path):
    dead_port = _free_port()
    config = {
        "models": [{"name": "broken", "upstream": {"base_url": f"http://127.0.0.1:{dead_port}/v1"}}],
        "tiers": [
            {
                "name": "broken-tier",
                "models": ["broken"],
                "wake": {"command": "echo 'GPU quota exhausted' >&2; exit 3", "ready_url": f"http://127.0.0.1:{dead_port}/health"},
            }
        ],
    }
    server = fleet_server(tmp_path, config)
    try:
        client = server.client(api_key=ADMIN, max_retries=2, timeout=60)
        started = time.monotonic()
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(model="broken", messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
        assert time.monotonic() - started < 10
        assert caught.value.status_code == 503
        assert caught.value.body["code"] == "wake_failed"
        assert "3" in caught.value.body["message"] and "GPU quota exhausted" in caught.value.body["message"]
        assert tiers(server)["broken-tier"]["wake_failures"] == 1
    finally:
        server.stop()


def test_an_embedded_model_in_a_tier_loads_on_wake_and_unloads_when_idle(tmp_path):
    config = {
        "models": [
            {"name": "always", "embedded": {"model": model_file()}, "context_window": 1024},
            {"name": "sleepy", "embedded": {"model": model_file()}, "context_window": 1024, "defaults": {"temperature": 0.0}},
        ],
        "tiers": [{"name": "cpu", "models": ["sleepy"], "idle_timeout": "2s"}],
    }
    server = fleet_server(tmp_path, config)
    try:
        client = server.client(api_key=ADMIN)
        assert tiers(server)["cpu"]["state"] == "asleep"
        first = client.chat.completions.with_raw_response.create(
            model="sleepy", messages=[{"role": "user", "content": "What is 2+2?"}], max_tokens=10
        )
        assert "x-switchyard-wake-ms" in first.headers
        assert "temperature" in first.headers["x-switchyard-defaulted"]
        again = client.chat.completions.create(model="sleepy", messages=[{"role": "user", "content": "What is 2+2?"}], max_tokens=10)
        # temperature 0 from the model's own defaults: the same answer twice.
        assert again.choices[0].message.content == first.parse().choices[0].message.content
        assert client.chat.completions.create(model="always", messages=[{"role": "user", "content": "Hi"}], max_tokens=4).model == "always"
        wait_for(lambda: tiers(server)["cpu"]["state"] == "asleep", 30, "the embedded tier did not unload when idle")
        # /tokenize wakes it too.
        status, body = http_json(
            "POST", server.base_url + "/tokenize", {"model": "sleepy", "prompt": "hello"}, headers={"Authorization": f"Bearer {ADMIN}"}
        )
        assert status == 200 and body["count"] >= 1
    finally:
        server.stop()
