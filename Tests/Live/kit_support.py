"""Shared helpers for the migration-kit live tests: fake servers and running the CLI."""
import json
import os
import pathlib
import socket
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FAKE = pathlib.Path(__file__).resolve().parent / "fake_openai_server.py"
EXAMPLE_SET = ROOT / "examples" / "golden" / "basic.jsonl"


def switchyard_bin():
    explicit = os.environ.get("SWITCHYARD_BIN")
    if explicit:
        return explicit
    for candidate in (ROOT / ".build" / "release" / "switchyard", ROOT / ".build" / "debug" / "switchyard"):
        if candidate.exists():
            return str(candidate)
    pytest.skip("no switchyard binary: set SWITCHYARD_BIN or build first")


class FakeServer:
    """A fake OpenAI-compatible server in a subprocess."""

    def __init__(self, profile, api_key, *extra):
        self.profile = profile
        self.api_key = api_key
        self.process = subprocess.Popen(
            [sys.executable, str(FAKE), "--profile", profile, "--port", "0", "--api-key", api_key, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.process.kill()
            raise RuntimeError(f"fake server did not start: {line!r} {self.process.stderr.read()}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}/v1"

    def spec(self, name):
        return f"url={self.url},model=fake-model,key={self.api_key},name={name}"

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def full_server():
    server = FakeServer("full", "key-full")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def strict_server():
    server = FakeServer("strict", "key-strict")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def broken_server():
    server = FakeServer("broken", "key-broken")
    yield server
    server.stop()


def run_kit(*args, timeout=300):
    """Runs `switchyard ARGS`; returns the completed process (text mode)."""
    return subprocess.run([switchyard_bin(), *map(str, args)], capture_output=True, text=True, timeout=timeout)


def run_json(*args, timeout=300):
    """Runs with --json and returns (exit code, parsed stdout)."""
    result = run_kit(*args, "--json", timeout=timeout)
    try:
        data = json.loads(result.stdout)
    except ValueError:
        raise AssertionError(f"stdout is not JSON (rc={result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.returncode, data


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
