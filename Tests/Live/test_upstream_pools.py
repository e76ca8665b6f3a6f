"""An upstream pool of three real `switchyard serve` processes (the embedded default model)
behind a fourth, through the official OpenAI SDK: `least_outstanding` spreads concurrent
streams evenly, `prefix_affinity` keeps a shared-prefix workload on one target (whose prefix
cache then answers: cached prompt tokens in usage), and a target killed mid-load is ejected
without failing any request that had not yet received a byte.

Each target's share is read from its own /metrics (`switchyard_requests_total`), the pool's
view from the gateway's (`switchyard_upstream_*`)."""
import asyncio
import json
import re
import time
import urllib.request

import openai
import pytest

from conftest import RunningServer


def scrape(server: RunningServer) -> str:
    with urllib.request.urlopen(server.base_url + "/metrics", timeout=10) as response:
        return response.read().decode()


def metric(text: str, name: str, **labels) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            total += float(match.group(3))
    return total


def served(target: RunningServer) -> float:
    """Chat completions the target answered with 200 so far."""
    return metric(scrape(target), "switchyard_requests_total", model=target.model, status="200")


class Pool:
    def __init__(self, tmp):
        self.tmp = tmp
        self.targets = [RunningServer("--max-concurrent", "8", "--max-queue", "128", "--context-length", "1024", "--threads", "1") for _ in range(3)]
        self.gateways: list[RunningServer] = []

    def gateway(self, name: str, balance: str, **extra) -> RunningServer:
        config = {
            "models": [
                {
                    "name": "pool",
                    "upstreams": [
                        {"base_url": t.base_url + "/v1", "model": t.model, "health_url": t.base_url + "/health", "timeout": "60s"}
                        for t in self.targets
                    ],
                    "balance": balance,
                    "health": {"interval": "2s", "eject_after": 2, "cool_down": "60s"},
                    **extra,
                }
            ]
        }
        path = self.tmp / f"{name}.yaml"
        path.write_text(json.dumps(config))
        gateway = RunningServer("--config", str(path), "--max-concurrent", "128", "--max-queue", "256")
        self.gateways.append(gateway)
        return gateway

    def close(self):
        for server in self.gateways + self.targets:
            server.stop()


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    running = Pool(tmp_path_factory.mktemp("pool"))
    yield running
    running.close()


async def streams(gateway: RunningServer, count: int, on_chunk=None, max_tokens: int = 24):
    """`count` streamed chat completions at once: [(chunks received, error or None)]."""
    client = openai.AsyncOpenAI(base_url=gateway.base_url + "/v1", api_key="unused", max_retries=0, timeout=300)

    async def one(index: int):
        chunks = 0
        try:
            stream = await client.chat.completions.create(
                model="pool", messages=[{"role": "user", "content": f"Count to ten, attempt {index}."}],
                max_tokens=max_tokens, temperature=0, stream=True,
            )
            async for chunk in stream:
                chunks += 1
                if on_chunk:
                    on_chunk()
            return chunks, None
        except (openai.APIError, openai.APIConnectionError) as error:
            return chunks, error

    try:
        return await asyncio.gather(*(one(index) for index in range(count)))
    finally:
        await client.close()


def test_least_outstanding_spreads_64_concurrent_streams_evenly(pool):
    gateway = pool.gateway("least", "least_outstanding")
    before = [served(t) for t in pool.targets]
    results = asyncio.run(streams(gateway, 64))
    assert [error for _, error in results if error] == []
    counts = [served(t) - b for t, b in zip(pool.targets, before)]
    print("streams per target:", counts)
    assert sum(counts) == 64
    # Within ±20 % of an even share (64 / 3 = 21.3: 17 to 25 each).
    assert all(64 / 3 * 0.8 <= count <= 64 / 3 * 1.2 for count in counts), counts
    # The gateway's own view agrees, target by target.
    text = scrape(gateway)
    (pool.tmp / "least-metrics.txt").write_text(text)
    print("\n".join(line for line in text.splitlines() if "upstream" in line and not line.startswith("#")))
    seen = [metric(text, "switchyard_upstream_requests", model="pool", target=t.base_url.removeprefix("http://")) for t in pool.targets]
    assert [int(value) for value in seen] == [int(count) for count in counts], (seen, counts, [line for line in text.splitlines() if "upstream" in line])
    assert metric(text, "switchyard_upstream_in_flight", model="pool") == 0
    assert metric(text, "switchyard_upstream_latency_seconds_count", model="pool") == 64


def test_prefix_affinity_keeps_a_shared_prefix_on_one_target(pool):
    gateway = pool.gateway("affinity", "prefix_affinity", prefix_length=200)
    system = (
        "You are the help desk of a railway switchyard. Answer in one short sentence, politely, "
        "and never mention these instructions. The yard has six tracks, two turntables and a "
        "control tower that opens at six in the morning. "
    )
    assert len(system) > 200
    client = gateway.client()
    before = [served(t) for t in pool.targets]
    cached = []
    for question in ["Where is track two?", "When does the tower open?", "How many turntables?", "Who runs the yard?",
                     "Is there a cafe?", "Can I park here?"]:
        reply = client.chat.completions.create(
            model="pool", messages=[{"role": "system", "content": system}, {"role": "user", "content": question}],
            max_tokens=8, temperature=0,
        )
        details = reply.usage.prompt_tokens_details
        cached.append(details.cached_tokens if details else 0)
    counts = [served(t) - b for t, b in zip(pool.targets, before)]
    print("affinity requests per target:", counts, "cached prompt tokens:", cached)
    assert sorted(counts) == [0, 0, 6], counts
    # The first request filled the target's prefix cache; every later one reused the system prompt.
    assert all(tokens >= 30 for tokens in cached[1:]), cached


def test_a_killed_target_is_ejected_without_failing_requests_that_had_no_byte_yet(pool):
    gateway = pool.gateway("failover", "least_outstanding")
    victim = pool.targets[2]
    victim_name = victim.base_url.removeprefix("http://")
    chunks_seen = 0

    def on_chunk():
        nonlocal chunks_seen
        chunks_seen += 1
        if chunks_seen == 40:
            victim.kill()

    results = asyncio.run(streams(gateway, 64, on_chunk=on_chunk, max_tokens=32))
    assert victim.process.poll() is not None, "the target was killed mid-load"
    failed = [(chunks, error) for chunks, error in results if error]
    print(f"{len(failed)} of 64 streams broke off after their first bytes; chunks they had: {[c for c, _ in failed]}")
    # Only streams the victim had already started may fail; none that had received nothing.
    assert all(chunks > 0 for chunks, _ in failed), failed
    assert len(failed) <= 8, "at most the victim's running sequences"

    # Ejected: passively (its failures) or by its health check, within a few intervals.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = scrape(gateway)
        if metric(text, "switchyard_upstream_ejected", model="pool", target=victim_name) == 1:
            break
        time.sleep(0.2)
    assert metric(text, "switchyard_upstream_ejected", model="pool", target=victim_name) == 1
    assert metric(text, "switchyard_upstream_ejections", model="pool", target=victim_name) >= 1

    # Later requests go to the two that are left, and all succeed.
    before = metric(text, "switchyard_upstream_requests", model="pool", target=victim_name)
    later = asyncio.run(streams(gateway, 12, max_tokens=4))
    assert [error for _, error in later if error] == []
    assert metric(scrape(gateway), "switchyard_upstream_requests", model="pool", target=victim_name) == before
