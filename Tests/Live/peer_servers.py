"""Real peers for the migration-kit tests: llama.cpp's llama-server on the default model file and a
LiteLLM proxy in front of it. scripts/peers/*.sh build or install them once (cached); each
process runs in its own process group and is stopped, group and all, when the test module ends.
"""
import os
import pathlib
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import http_json, model_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
LITELLM_KEY = "sk-switchyard-peer-master"
LITELLM_MODEL = "smollm2"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _peer_command(script: str) -> str:
    """Runs scripts/peers/SCRIPT (which builds or installs once) and returns the path it prints."""
    result = subprocess.run([str(ROOT / "scripts" / "peers" / script)], capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise RuntimeError(f"scripts/peers/{script} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout.strip().splitlines()[-1]


class PeerProcess:
    """A server process in its own process group, with its log in a temporary file."""

    def __init__(self, name: str, args: list, env: dict, health_url: str, headers=None, timeout: float = 300):
        self.name = name
        self.log = tempfile.NamedTemporaryFile(mode="w+", prefix=f"switchyard-peer-{name}-", suffix=".log", delete=False)
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.process.returncode}:\n{self.log_text()[-4000:]}")
            try:
                if http_json("GET", health_url, headers=headers, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{name} was not healthy within {timeout} s:\n{self.log_text()[-4000:]}")

    def log_text(self) -> str:
        self.log.flush()
        return pathlib.Path(self.log.name).read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class LlamaServer(PeerProcess):
    """llama-server (build 0c1e570, AVX2-only) serving the default model file."""

    def __init__(self):
        binary = os.environ.get("LLAMA_SERVER_BIN") or _peer_command("llama-server.sh")
        self.model_path = model_file()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.model = pathlib.Path(self.model_path).name
        env = {**os.environ, "LD_LIBRARY_PATH": str(pathlib.Path(binary).parent)}
        super().__init__("llama-server", [binary, "-m", self.model_path, "--host", "127.0.0.1", "--port", str(self.port),
                                          "-t", "2", "--parallel", "1", "-c", "4096", "--jinja"],
                         env, f"http://127.0.0.1:{self.port}/health")

    def spec(self, name="llama"):
        return f"url={self.url},model={self.model},name={name}"


class LiteLLMProxy(PeerProcess):
    """The LiteLLM proxy with a master key, routing model `smollm2` to an upstream OpenAI-compatible URL."""

    def __init__(self, upstream_url: str, upstream_model: str):
        command = os.environ.get("LITELLM_BIN") or _peer_command("litellm.sh")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.model = LITELLM_MODEL
        self.key = LITELLM_KEY
        self.config = tempfile.NamedTemporaryFile(mode="w", prefix="switchyard-litellm-", suffix=".yaml", delete=False)
        self.config.write(f"""model_list:
  - model_name: {LITELLM_MODEL}
    litellm_params:
      model: openai/{upstream_model}
      api_base: {upstream_url}
      api_key: none
general_settings:
  master_key: {LITELLM_KEY}
litellm_settings:
  telemetry: false
""")
        self.config.close()
        env = {**os.environ, "LITELLM_TELEMETRY": "False", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
               "NO_DOCS": "True", "DISABLE_ADMIN_UI": "True"}
        env.pop("DATABASE_URL", None)
        super().__init__("litellm", [command, "--config", self.config.name, "--host", "127.0.0.1", "--port", str(self.port),
                                     "--num_workers", "1"],
                         env, f"http://127.0.0.1:{self.port}/health/liveliness")

    def spec(self, name="litellm"):
        return f"url={self.url},model={self.model},key={self.key},name={name}"


@pytest.fixture(scope="module")
def llama_server():
    server = LlamaServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def litellm_proxy(llama_server):
    proxy = LiteLLMProxy(llama_server.url, llama_server.model)
    yield proxy
    proxy.stop()
