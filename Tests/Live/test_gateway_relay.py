"""The gateway relays upstream streams at the client's pace and lets go of the upstream when the
client does: a client that stops reading stops the upstream's writes (memory stays bounded),
and a client that disconnects cancels its upstream request, streamed or not."""
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from conftest import RunningServer, serve_in_thread

KEY = "sk-relay-test"
CHUNKS = 200_000  # ~60 MB of events: far more than any socket buffer holds
PAD = "x" * 200


class Upstream:
    """An upstream that streams CHUNKS events as fast as its socket takes them (recording how many
    went out) and, for non-streamed requests, never answers but watches for its client leaving."""

    def __init__(self):
        self.written = 0
        self.stream_closed = threading.Event()
        self.stream_finished = threading.Event()
        self.plain_waiting = threading.Event()
        self.plain_closed = threading.Event()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if body.get("stream"):
                    self.stream()
                else:
                    self.hold()

            def stream(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for index in range(CHUNKS):
                        chunk = {
                            "id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                            "choices": [{"index": 0, "delta": {"content": f"{index} {PAD}"}, "finish_reason": None}],
                        }
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        upstream.written = index + 1
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                    upstream.stream_finished.set()
                except OSError:
                    upstream.stream_closed.set()

            def hold(self):
                # No answer: wait until the gateway gives up on this request (its socket closes).
                upstream.plain_waiting.set()
                self.connection.settimeout(120)
                try:
                    if self.connection.recv(1) == b"":
                        upstream.plain_closed.set()
                except OSError:
                    upstream.plain_closed.set()

        self.server = serve_in_thread(Handler)
        self.port = self.server.server_address[1]

    def stop(self):
        self.server.shutdown()


# The gateway's fast path relays these on the connection's event loop; the router relays them in tasks.
PATHS = pytest.mark.parametrize("path_flags", [(), ("--no-gateway-fast-path",)], ids=["fast-path", "router"])


def gateway(tmp_path: Path, upstream: Upstream, path_flags=()) -> RunningServer:
    config = {"models": [{"name": "relay", "upstream": {"base_url": f"http://127.0.0.1:{upstream.port}/v1", "model": "m"}}]}
    path = tmp_path / "switchyard.yaml"
    path.write_text(json.dumps(config))
    return RunningServer("--config", str(path), *path_flags, api_key=KEY, env={"SWITCHYARD_HOME": str(tmp_path / "home")})


def post(port: int, body: dict) -> socket.socket:
    """Sends a chat completion request on a raw socket (so the test controls reading and closing)."""
    data = json.dumps(body).encode()
    connection = socket.create_connection(("127.0.0.1", port))
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    connection.sendall(
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data
    )
    return connection


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_until_still(read, rounds=4, interval=0.5, limit=120):
    """Waits until `read()` returns the same value `rounds` times in a row (the writer is blocked)."""
    deadline = time.monotonic() + limit
    last, same = read(), 0
    while time.monotonic() < deadline and same < rounds:
        time.sleep(interval)
        current = read()
        same = same + 1 if current == last else 0
        last = current
    return last


@PATHS
def test_a_slow_reader_holds_the_upstream_back_and_a_disconnect_cancels_it(tmp_path, path_flags):
    upstream = Upstream()
    server = gateway(tmp_path, upstream, path_flags)
    try:
        before = resident_kib(server.process.pid)
        connection = post(server.port, {"model": "relay", "messages": [{"role": "user", "content": "Hi"}], "stream": True})
        received = b""
        while received.count(b"data: ") < 20:
            received += connection.recv(4096)
        assert b"200 OK" in received.split(b"\r\n", 1)[0]
        # The client stops reading: the gateway stops reading the upstream, which blocks.
        written = wait_until_still(lambda: upstream.written)
        assert not upstream.stream_finished.is_set()
        assert written < CHUNKS // 4, f"the gateway read {written} of {CHUNKS} events ahead of a client that read 20"
        assert resident_kib(server.process.pid) - before < 64 * 1024
        # The client leaves: the upstream request is cancelled (its socket closes) within a chunk.
        connection.close()
        assert upstream.stream_closed.wait(60), "the upstream stream was not cancelled after the client left"
        assert not upstream.stream_finished.is_set()
    finally:
        server.stop()
        upstream.stop()


@PATHS
def test_a_client_leaving_a_non_streamed_request_cancels_the_upstream(tmp_path, path_flags):
    upstream = Upstream()
    server = gateway(tmp_path, upstream, path_flags)
    try:
        connection = post(server.port, {"model": "relay", "messages": [{"role": "user", "content": "Hi"}]})
        assert upstream.plain_waiting.wait(60)
        connection.close()
        assert upstream.plain_closed.wait(60), "the upstream request ran on after its client left"
        # The gateway still serves (and recorded the request as cancelled).
        second = post(server.port, {"model": "relay", "messages": [{"role": "user", "content": "Hi"}], "stream": True})
        assert b"200 OK" in second.recv(4096)
        second.close()
    finally:
        server.stop()
        upstream.stop()
