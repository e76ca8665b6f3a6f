"""Upstream routing with real processes: a second `switchyard serve` is the upstream; the
first upstream in the list is dead (failover); killing the upstream mid-stream gives the SDK
an error, never a silently truncated answer."""
import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openai
import pytest

from conftest import RunningServer, _free_port, http_json, model_file
from kit_support import FakeServer
from test_fleet_keys import create_key

KEY = "sk-upstream-test"
UPSTREAM_KEY = "sk-upstream-secret-do-not-leak"


@pytest.fixture
def upstream():
    server = RunningServer(api_key=UPSTREAM_KEY)
    yield server
    server.stop()


def proxy(tmp_path: Path, upstream: RunningServer, extra_models=()) -> RunningServer:
    dead = _free_port()
    config = {
        "models": [
            {
                "name": "far",
                "upstreams": [
                    {"base_url": f"http://127.0.0.1:{dead}/v1", "model": upstream.model, "api_key_env": "FAR_KEY"},
                    {"base_url": upstream.base_url + "/v1", "model": upstream.model, "api_key_env": "FAR_KEY"},
                ],
            },
            *extra_models,
        ]
    }
    path = tmp_path / "switchyard.yaml"
    path.write_text(json.dumps(config))
    return RunningServer("--config", str(path), api_key=KEY, env={"SWITCHYARD_HOME": str(tmp_path / "home"), "FAR_KEY": UPSTREAM_KEY})


def test_failover_rewrite_and_usage(tmp_path, upstream):
    server = proxy(tmp_path, upstream)
    try:
        client = server.client()
        completion = client.chat.completions.create(model="far", messages=[{"role": "user", "content": "Hi"}], max_tokens=6)
        assert completion.model == "far"
        assert completion.usage.prompt_tokens > 0
        legacy = client.completions.create(model="far", prompt="1, 2, 3,", max_tokens=6)
        assert legacy.model == "far" and legacy.choices[0].text
        # A field only the upstream knows passes through (vLLM-style top_k) rather than being dropped.
        client.chat.completions.create(model="far", messages=[{"role": "user", "content": "Hi"}], max_tokens=2, extra_body={"top_k": 5})
        # The upstream's validation errors come back in OpenAI's shape, without the upstream's key.
        with pytest.raises(openai.BadRequestError) as caught:
            client.chat.completions.create(
                model="far", messages=[{"role": "user", "content": "Hi"}], max_tokens=4, response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "nonsense"}}}
            )
        assert UPSTREAM_KEY not in json.dumps(caught.value.body)
        assert UPSTREAM_KEY not in server.log_text()
    finally:
        server.stop()


def test_killed_upstream_mid_stream_raises_in_the_sdk(tmp_path, upstream):
    server = proxy(tmp_path, upstream)
    try:
        client = server.client(timeout=60)
        stream = client.completions.create(
            model="far", prompt="1, 2, 3, 4, 5, 6, 7, 8, 9, 10,", max_tokens=1500, temperature=0, stream=True
        )
        received = []
        with pytest.raises(openai.APIError) as caught:
            for chunk in stream:
                received.append(chunk.choices[0].text if chunk.choices else "")
                if len(received) == 5:
                    upstream.kill()
        assert len(received) >= 5
        assert "upstream" in str(caught.value).lower()
        # The request is in the ledger as failed, not as a success.
        time.sleep(0.5)
        # The upstream being gone, the next request fails honestly too.
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(model="far", messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
        assert caught.value.status_code == 502
        assert caught.value.body["code"] == "upstream_unavailable"
        assert UPSTREAM_KEY not in caught.value.body["message"]
    finally:
        server.stop()


def test_an_upstream_rate_limit_reaches_the_sdk_with_its_retry_after(tmp_path):
    """The upstream (a second switchyard) limits this server's key to 1 request a minute; the
    second request's 429 comes back to the client with the upstream's wait, so the SDK backs
    off as long as the provider asked."""
    upstream_home = tmp_path / "upstream-home"
    key = create_key(upstream_home, "proxy", "--rpm", "1")
    upstream = RunningServer("--model", model_file(), env={"SWITCHYARD_HOME": str(upstream_home)}, models_visible_with=key["secret"])
    config = {"models": [{"name": "far", "upstream": {"base_url": upstream.base_url + "/v1", "model": upstream.model, "api_key_env": "FAR_KEY"}}]}
    path = tmp_path / "switchyard.yaml"
    path.write_text(json.dumps(config))
    server = RunningServer("--config", str(path), api_key=KEY, env={"SWITCHYARD_HOME": str(tmp_path / "home"), "FAR_KEY": key["secret"]})
    try:
        client = server.client(max_retries=0)
        client.chat.completions.create(model="far", messages=[{"role": "user", "content": "Hi"}], max_tokens=2)
        with pytest.raises(openai.RateLimitError) as caught:
            client.chat.completions.create(model="far", messages=[{"role": "user", "content": "Hi"}], max_tokens=2)
        headers = caught.value.response.headers
        assert 1 <= int(headers["retry-after"]) <= 60, headers
        assert 0 < int(headers["retry-after-ms"]) <= int(headers["retry-after"]) * 1000
        assert caught.value.body["code"] == "rate_limit_exceeded"
        assert key["secret"] not in json.dumps(caught.value.body)
    finally:
        server.stop()
        upstream.stop()


def test_upstream_requests_are_not_held_to_the_embedded_slot_count(tmp_path):
    """`--max-concurrent` (default: the engine's automatic slot count) sizes embedded models; an
    upstream model's concurrent requests all reach the upstream at once, as through any proxy
    (its targets' own `max_concurrency` is what limits them)."""
    fake = FakeServer("full", "key-far", "--ttft-ms", "2000")
    path = tmp_path / "switchyard.yaml"
    path.write_text(json.dumps({"models": [{"name": "far", "upstream": {"base_url": fake.url, "model": "fake-model", "api_key_env": "FAR_KEY"}}]}))
    server = RunningServer("--config", str(path), api_key=KEY, env={"SWITCHYARD_HOME": str(tmp_path / "home"), "FAR_KEY": "key-far"})
    try:
        client = server.client()

        def ask(index):
            return client.chat.completions.create(model="far", messages=[{"role": "user", "content": f"Hi {index}"}], max_tokens=2)

        with ThreadPoolExecutor(max_workers=40) as pool:
            replies = list(pool.map(ask, range(40)))
        assert all(reply.model == "far" and reply.choices[0].message.content for reply in replies)
        with urllib.request.urlopen(f"http://127.0.0.1:{fake.port}/stats", timeout=10) as response:
            stats = json.loads(response.read())
        # Each answer takes 2 s upstream, so all 40 overlap there unless something in between holds them back.
        assert stats["max_in_flight"] == 40, stats
    finally:
        server.stop()
        fake.stop()
