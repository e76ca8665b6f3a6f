"""Tiers across replicas: three `switchyard serve` replicas on one PostgreSQL database share
one tier whose wake command starts a fourth server (the embedded default model) and counts
its starts in a file. Requests arriving at every replica at once start it exactly once; the
tier sleeps only when no replica has served it for `idle_timeout`, and the next request
wakes it again, once."""
import json
import os
import socket
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from conftest import RunningServer, model_file, switchyard_bin
from test_fleet_replicas import postgres_server, psql, with_database

IDLE_TIMEOUT = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return 200 <= response.status < 300
    except OSError:
        return False


class TierFleet:
    def __init__(self, tmp: Path):
        server = postgres_server()
        self.server = server
        self.database = "switchyard_tiers_" + uuid.uuid4().hex
        psql(server, f"CREATE DATABASE {self.database}")
        self.url = with_database(server, self.database)
        self.starts = tmp / "starts.txt"
        self.starts.touch()
        port = free_port()
        self.ready_url = f"http://127.0.0.1:{port}/health"
        command = (
            f"echo started >> {self.starts} && exec {switchyard_bin()} serve --port {port} --model {model_file()}"
            f" --database {tmp / 'woken.sqlite'} --context-length 512 --threads 1"
        )
        config = {
            "models": [{"name": "sleepy", "upstream": {"base_url": f"http://127.0.0.1:{port}/v1", "model": Path(model_file()).stem}}],
            "tiers": [
                {
                    "name": "gpu", "models": ["sleepy"], "idle_timeout": f"{IDLE_TIMEOUT}s", "wake_budget": "60s", "wake_hard_cap": "120s",
                    "wake": {"command": command, "ready_url": self.ready_url},
                }
            ],
        }
        self.config = tmp / "tiers.yaml"
        self.config.write_text(json.dumps(config))
        self.tmp = tmp
        self.replicas: list[RunningServer] = []
        try:
            for index in range(3):
                self.replicas.append(
                    RunningServer("--config", str(self.config), "--database", self.url, env={"SWITCHYARD_HOME": str(tmp / f"home-{index}")})
                )
        except Exception:
            self.close()
            raise

    def start_count(self) -> int:
        return len(self.starts.read_text().splitlines())

    def ask(self, replica: RunningServer) -> str:
        reply = replica.client().chat.completions.create(
            model="sleepy", messages=[{"role": "user", "content": "Say hi."}], max_tokens=4, temperature=0
        )
        return reply.choices[0].message.content

    def close(self):
        for replica in self.replicas:
            replica.stop()
        psql(self.server, f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")


@pytest.fixture(scope="module")
def tiers(tmp_path_factory):
    running = TierFleet(tmp_path_factory.mktemp("tiers"))
    yield running
    running.close()


def test_requests_at_every_replica_wake_the_tier_once(tiers):
    assert tiers.start_count() == 0 and not answers(tiers.ready_url)
    errors = []

    def ask(replica):
        try:
            tiers.ask(replica)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=ask, args=(replica,)) for replica in tiers.replicas for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert tiers.start_count() == 1
    runners = [index for index, replica in enumerate(tiers.replicas) if "this replica runs the tier's wake command" in replica.log_text()]
    assert len(runners) == 1, runners


def test_the_tier_sleeps_only_when_no_replica_served_it_for_the_idle_timeout(tiers):
    runner = next(r for r in tiers.replicas if "this replica runs the tier's wake command" in r.log_text())
    other = next(r for r in tiers.replicas if r is not runner)
    # Another replica keeps serving for twice the idle timeout: the command keeps running.
    until = time.monotonic() + 2 * IDLE_TIMEOUT
    while time.monotonic() < until:
        tiers.ask(other)
        assert answers(tiers.ready_url)
        time.sleep(0.5)
    assert tiers.start_count() == 1
    # Then nobody asks: the runner stops it once the idle timeout has passed for the whole fleet.
    deadline = time.monotonic() + IDLE_TIMEOUT + 30
    while answers(tiers.ready_url) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert not answers(tiers.ready_url), "the tier went to sleep"
    # Every replica's own tier sleeps too; the next request wakes it once more, from any replica.
    time.sleep(IDLE_TIMEOUT + 1)
    tiers.ask(other)
    assert tiers.start_count() == 2
