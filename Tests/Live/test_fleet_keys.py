"""Keys, rate limits and the usage ledger through the doors users use: `switchyard keys`,
the OpenAI SDK against a live server, `switchyard usage`, a restart and a `kill -9`."""
import json
import re
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import openai
import pytest

from conftest import RunningServer, model_file, switchyard_bin

RESET = re.compile(r"^(\d+h)?(\d+m)?(\d+(\.\d+)?s)?(\d+ms)?$")


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [switchyard_bin(), *args, "--home", str(home)], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def create_key(home: Path, name: str, *extra: str) -> dict:
    result = cli(home, "keys", "create", "--name", name, "--json", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def serve(home: Path, key: dict) -> RunningServer:
    return RunningServer("--model", model_file(), env={"SWITCHYARD_HOME": str(home)}, models_visible_with=key["secret"])


def ledger_request_ids(home: Path) -> set[str]:
    result = cli(home, "usage", "--since", "1h", "--requests", "--json")
    assert result.returncode == 0, result.stderr
    return {row["request_id"] for row in json.loads(result.stdout)}


def test_rate_limits_headers_and_429(tmp_path):
    home = tmp_path / "home"
    limited = create_key(home, "limited", "--rpm", "3", "--tpm", "50000")
    other = create_key(home, "other-model-only", "--models", "some-other-model")
    server = RunningServer("--model", model_file(), env={"SWITCHYARD_HOME": str(home)}, models_visible_with=limited["secret"])
    try:
        client = server.client(api_key=limited["secret"], max_retries=0)
        raw = client.chat.completions.with_raw_response.create(
            model=server.model, messages=[{"role": "user", "content": "Hi"}], max_tokens=4
        )
        headers = raw.headers
        assert headers["x-ratelimit-limit-requests"] == "3"
        assert headers["x-ratelimit-limit-tokens"] == "50000"
        assert int(headers["x-ratelimit-remaining-requests"]) == 2
        assert 0 < int(headers["x-ratelimit-remaining-tokens"]) <= 50000
        for name in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"):
            assert RESET.match(headers[name]) and headers[name], headers[name]
        client.chat.completions.create(model=server.model, messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
        client.chat.completions.create(model=server.model, messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
        with pytest.raises(openai.RateLimitError) as caught:
            client.chat.completions.create(model=server.model, messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
        error = caught.value
        assert error.body["code"] == "rate_limit_exceeded"
        assert int(error.response.headers["retry-after"]) >= 1
        assert error.response.headers["x-ratelimit-remaining-requests"] == "0"

        # A request bigger than the whole token budget is refused without running.
        big = create_key(home, "small-tpm", "--tpm", "100")
        with pytest.raises(openai.RateLimitError):
            server.client(api_key=big["secret"]).chat.completions.create(
                model=server.model, messages=[{"role": "user", "content": "Hi"}], max_tokens=500
            )

        # A key limited to other models sees this one as missing.
        with pytest.raises(openai.NotFoundError):
            server.client(api_key=other["secret"]).chat.completions.create(
                model=server.model, messages=[{"role": "user", "content": "Hi"}], max_tokens=4
            )
        with pytest.raises(openai.AuthenticationError):
            server.client(api_key="sy-not-a-key").models.list()

        # Revoking from the CLI while the server runs takes effect at once.
        assert cli(home, "keys", "revoke", "limited").returncode == 0
        with pytest.raises(openai.AuthenticationError):
            client.models.list()
    finally:
        server.stop()


def test_restart_keeps_keys_and_ledger(tmp_path):
    home = tmp_path / "home"
    key = create_key(home, "durable")
    server = serve(home, key)
    ids = []
    try:
        client = server.client(api_key=key["secret"])
        for _ in range(2):
            raw = client.chat.completions.with_raw_response.create(
                model=server.model, messages=[{"role": "user", "content": "Hi"}], max_tokens=4
            )
            ids.append(raw.headers["x-request-id"])
        streamed = client.chat.completions.with_raw_response.create(
            model=server.model, messages=[{"role": "user", "content": "Hi"}], max_tokens=4, stream=True
        )
        ids.append(streamed.headers["x-request-id"])
        list(streamed.parse())
    finally:
        server.stop()

    server = serve(home, key)
    try:
        client = server.client(api_key=key["secret"])
        client.chat.completions.create(model=server.model, messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
    finally:
        server.stop()
    assert set(ids) <= ledger_request_ids(home)

    result = cli(home, "usage", "--since", "24h", "--by", "key", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["groups"]
    durable = [row for row in rows if "durable" in row["group"]]
    assert durable and durable[0]["requests"] == 4
    table = cli(home, "usage", "--since", "24h", "--by", "model")
    assert table.returncode == 0 and server.model in table.stdout


def test_serve_prunes_usage_older_than_its_retention(tmp_path):
    home = tmp_path / "home"
    key = create_key(home, "short-memory")
    server = RunningServer(
        "--model", model_file(), "--usage-retention", "2s", env={"SWITCHYARD_HOME": str(home)}, models_visible_with=key["secret"]
    )
    try:
        client = server.client(api_key=key["secret"])
        raw = client.chat.completions.with_raw_response.create(
            model=server.model, messages=[{"role": "user", "content": "Hi"}], max_tokens=2
        )
        request_id = raw.headers["x-request-id"]
        assert request_id in ledger_request_ids(home)
        deadline = time.monotonic() + 15
        while request_id in ledger_request_ids(home) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert request_id not in ledger_request_ids(home), "the row outlived the 2 s retention"
    finally:
        server.stop()


def test_kill_9_under_load_loses_no_completed_request(tmp_path):
    home = tmp_path / "home"
    key = create_key(home, "load")
    server = serve(home, key)
    completed: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def worker(stream: bool):
        client = server.client(api_key=key["secret"], timeout=30)
        while not stop.is_set():
            try:
                raw = client.chat.completions.with_raw_response.create(
                    model=server.model, messages=[{"role": "user", "content": "Tell me a fact."}], max_tokens=12, stream=stream
                )
                if stream:
                    chunks = list(raw.parse())  # ends cleanly only after [DONE]
                    assert chunks
                else:
                    raw.parse()
                with lock:
                    completed.append(raw.headers["x-request-id"])
            except Exception:
                return

    threads = [threading.Thread(target=worker, args=(index % 2 == 0,)) for index in range(6)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(completed) < 12:
        time.sleep(0.1)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert len(completed) >= 12
    missing = set(completed) - ledger_request_ids(home)
    assert not missing, f"{len(missing)} completed requests have no ledger row"
