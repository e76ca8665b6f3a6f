"""Starts `switchyard serve` for the live tests and stops it afterwards.

The binary is $SWITCHYARD_BIN (scripts/test.sh sets it to the release build); the model is
$SWITCHYARD_TEST_MODEL, else the server's own default.
"""
import os
import socket
import subprocess
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import json
import urllib.error
import urllib.request

import jsonschema
import pytest


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_in_thread(handler) -> ThreadingHTTPServer:
    """A fake upstream: `handler` served on a free local port (`server.server_address[1]`) from
    daemon threads until `server.shutdown()`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def http_json(method: str, url: str, body=None, headers=None, timeout: float = 10):
    """A plain HTTP call with the standard library: (status, parsed JSON or text)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def switchyard_bin() -> str:
    binary = os.environ.get("SWITCHYARD_BIN")
    if not binary:
        pytest.skip("SWITCHYARD_BIN is not set (scripts/test.sh sets it)")
    return binary


def model_file() -> str:
    """The default model's file: $SWITCHYARD_TEST_MODEL, else the one `switchyard pull` stored."""
    explicit = os.environ.get("SWITCHYARD_TEST_MODEL")
    if explicit:
        return explicit
    home = Path(os.environ.get("SWITCHYARD_HOME", Path.home() / ".cache" / "switchyard"))
    path = home / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.exists():
        pytest.skip(f"{path} is missing (run `switchyard pull`)")
    return str(path)


class RunningServer:
    """`switchyard serve` on a free port. Each server gets its own key and usage database (so keys
    made elsewhere never lock the tests out) unless `env` names a SWITCHYARD_HOME for it."""

    def __init__(self, *extra_args: str, api_key: str | None = None, env: dict | None = None, models_visible_with: str | None = None):
        binary = switchyard_bin()
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.api_key = api_key
        args = [binary, "serve", "--port", str(self.port)]
        model = os.environ.get("SWITCHYARD_TEST_MODEL")
        if model and "--config" not in extra_args:
            args += ["--model", model]
        if api_key:
            args += ["--api-key", api_key]
        if not env or "SWITCHYARD_HOME" not in env:
            import tempfile

            args += ["--database", str(Path(tempfile.mkdtemp(prefix="switchyard-db-")) / "switchyard.sqlite")]
        args += list(extra_args)
        env = {**os.environ, **(env or {})}
        env.pop("SWITCHYARD_API_KEYS", None)
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"switchyard-live-{self.port}.log", "w+")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"switchyard serve exited with {self.process.returncode}:\n{self.log.read()}")
            try:
                if http_json("GET", self.base_url + "/health", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError("switchyard serve did not become healthy within 180 s")
        key = models_visible_with or api_key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.model = http_json("GET", self.base_url + "/v1/models", headers=headers)[1]["data"][0]["id"]

    def log_text(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def client(self, **kwargs):
        import openai

        kwargs.setdefault("max_retries", 0)
        kwargs.setdefault("timeout", 120)
        kwargs.setdefault("api_key", self.api_key or "unused")
        return openai.OpenAI(base_url=self.base_url + "/v1", **kwargs)

    def kill(self):
        """SIGKILL: no graceful shutdown, as a crash."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def stop(self):
        if self.log.closed:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="session")
def server():
    running = RunningServer()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def tight_server():
    """One generation at a time, no queue, and an API key: for 429s, auth and dropped streams."""
    running = RunningServer("--max-concurrent", "1", "--max-queue", "0", api_key="sk-live-test")
    yield running
    running.stop()


def load_openai_schemas(file_name):
    """One of OpenAI's schema files from ../shared/openai-openapi; skips the test when absent."""
    shared = Path(os.environ.get("SWITCHYARD_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))
    path = shared / "openai-openapi" / file_name
    if not path.exists():
        pytest.skip(f"{path} is missing")
    return json.loads(path.read_text())


def validate_schema(schemas, root, body):
    """Validates `body` against component `root` of an OpenAI schema file."""
    schema = {"$ref": f"#/components/schemas/{root}", "components": schemas["components"]}
    jsonschema.Draft202012Validator(schema).validate(body)


@pytest.fixture(scope="session")
def schemas():
    return load_openai_schemas("chat-schemas.json")
