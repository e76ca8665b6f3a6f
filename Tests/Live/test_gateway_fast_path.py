"""The gateway's fast path (completions of upstream models, streamed or not, served in the
connection's pipeline, on by default) answers exactly as the router does (`serve
--no-gateway-fast-path`): for the same request and the same upstream behaviour, the same status,
headers, body (a stream's events included), usage ledger rows and request metrics; through the
OpenAI SDK as well as raw HTTP. A counter on /metrics shows the fast path served them."""
import http.client
import json
import re
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler

import openai
import pytest

from conftest import RunningServer, _free_port, serve_in_thread
from test_fleet_keys import cli

KEY = "sk-fast-path-test"
UPSTREAM_KEY = "sk-fast-path-upstream-secret"

REPLY = (
    '{"id":"chatcmpl-7","object":"chat.completion","created":1700000000,"model":"upstream-m",'
    '"choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],'
    '"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12},"x_score":1.50e3}'
)


def chunk(delta, finish=None):
    return {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1700000000, "model": "upstream-m",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}


EVENTS = [chunk({"role": "assistant", "content": ""}), chunk({"content": "Hello"}), chunk({"content": " there"}),
          chunk({}, "stop")]
USAGE = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1700000000, "model": "upstream-m", "choices": [],
         "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}}


class Upstream:
    """Answers by the request's `user` field: a reply, an error of some kind, silence or junk;
    streamed requests whose `user` starts with "stream" get a stream of that kind."""

    def __init__(self):
        self.requests = []
        self.streams_cut = 0
        # Connections (their handlers) that carried a plain "ok" request, and those closed since.
        self.ok_connections = set()
        self.closed_connections = set()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def finish(self):
                super().finish()
                upstream.closed_connections.add(self)

            def send(self, status, body, content_type="application/json", extra=()):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def events(self, events, chunked=True, delay=0.0, done=True, end="close"):
                """An SSE reply: chunked (kept alive) or ended by closing; `end` "reset" drops the
                connection in the middle instead of ending the body."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Connection", "close")
                self.end_headers()

                def write(data):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
                    self.wfile.flush()

                try:
                    for event in events:
                        write(f"data: {json.dumps(event, separators=(',', ':'))}\n\n".encode())
                        if delay:
                            time.sleep(delay)
                    if end == "reset":
                        # The events are read before the cut arrives: a cut racing bytes still
                        # unread in the proxy's socket made one path relay "Hello" and the other
                        # not (about one run in twenty); the case is about what follows the cut.
                        time.sleep(0.2)
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if done:
                        write(b"data: [DONE]\n\n")
                    if chunked:
                        self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    upstream.streams_cut += 1
                    self.close_connection = True

            def stream(self, behaviour, body):
                with_usage = (body.get("stream_options") or {}).get("include_usage")
                # A server asked for usage adds `"usage": null` to every chunk (the gateway hides it).
                events = [{**event, "usage": None} for event in EVENTS] if with_usage else list(EVENTS)
                if with_usage:
                    events.append(USAGE)
                if behaviour == "stream":
                    self.events(events)
                elif behaviour == "stream-close":
                    self.events(events, chunked=False)
                elif behaviour == "stream-cut":
                    self.events(events[:2], chunked=False, done=False)
                elif behaviour == "stream-reset":
                    self.events(events[:2], end="reset")
                elif behaviour == "stream-error":
                    error = {"error": {"message": "The model upstream-m fell over.", "type": "server_error", "code": "overloaded"}}
                    self.events(events[:2] + [error], done=False)
                elif behaviour == "stream-first-error":
                    self.events([{"error": {"message": "Slow down.", "type": "rate_limit_error", "code": 429}}], done=False)
                elif behaviour == "stream-slow":
                    self.events(events[:1] + [chunk({"content": f"{index} "}) for index in range(40)] + events[3:], delay=0.1)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                upstream.requests.append((self.path, dict(self.headers), body))
                behaviour = body.get("user", "ok")
                if body.get("stream") and behaviour.startswith("stream"):
                    self.stream(behaviour, body)
                elif behaviour == "ok":
                    upstream.ok_connections.add(self)
                    self.send(200, REPLY)
                elif behaviour == "bad":
                    error = {"message": "The model 'upstream-m' supports at most 10 tokens.", "type": "invalid_request_error",
                             "param": "max_tokens", "code": "invalid_value"}
                    self.send(400, json.dumps({"error": error}))
                elif behaviour == "limited":
                    error = {"message": "Slow down.", "type": "rate_limit_error", "param": None, "code": "rate_limit_exceeded"}
                    self.send(429, json.dumps({"error": error}), extra=[("Retry-After", "7")])
                elif behaviour == "busy":
                    self.send(503, "overloaded", content_type="text/plain")
                elif behaviour == "junk":
                    self.send(200, "<html>Welcome to nginx</html>", content_type="text/html")
                elif behaviour == "denied":
                    self.send(401, json.dumps({"error": {"message": f"Incorrect API key {UPSTREAM_KEY}", "type": "invalid_request_error"}}))
                elif behaviour == "silent":
                    time.sleep(2.5)
                    self.send(200, REPLY)
                elif behaviour == "slow":
                    time.sleep(1.5)
                    self.send(200, REPLY)

        self.server = serve_in_thread(Handler)
        self.port = self.server.server_address[1]

    def stop(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    upstream = Upstream()
    tmp = tmp_path_factory.mktemp("fast-path")
    config = {"models": [
        {"name": "gw", "upstreams": [{"base_url": f"http://127.0.0.1:{upstream.port}/v1", "model": "upstream-m",
                                      "api_key_env": "GW_KEY", "timeout": "1s"}]},
        {"name": "gone", "upstreams": [{"base_url": f"http://127.0.0.1:{_free_port()}/v1"}]},
        {"name": "gw-slow", "upstreams": [{"base_url": f"http://127.0.0.1:{upstream.port}/v1", "model": "upstream-m", "timeout": "10s"}]},
    ]}
    path = tmp / "switchyard.yaml"
    path.write_text(json.dumps(config))
    started = {}
    for name, extra in (("fast", ()), ("router", ("--no-gateway-fast-path",))):
        home = tmp / name
        env = {"SWITCHYARD_HOME": str(home), "GW_KEY": UPSTREAM_KEY}
        started[name] = (RunningServer("--config", str(path), *extra, api_key=KEY, env=env), home)
    yield started, upstream, path
    for server, _ in started.values():
        server.stop()
    upstream.stop()


def exchange(server: RunningServer, path: str, body, headers=None):
    """One request on a fresh connection: status, headers (lowercased, `date` left out), body."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}", **(headers or {})}
    connection.request("POST", path, body=data, headers=sent)
    response = connection.getresponse()
    payload = response.read()
    received = [(name.lower(), value) for name, value in response.getheaders() if name.lower() != "date"]
    connection.close()
    return response.status, received, payload


CASES = [
    ("chat", "/v1/chat/completions", {"model": "gw", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4}),
    ("legacy", "/v1/completions", {"model": "gw", "prompt": "1, 2,", "max_tokens": 4, "top_k": 3}),
    ("client error", "/v1/chat/completions", {"model": "gw", "messages": [{"role": "user", "content": "Hi"}], "user": "bad"}),
    ("rate limited", "/v1/chat/completions", {"model": "gw", "messages": [{"role": "user", "content": "Hi"}], "user": "limited"}),
    ("unavailable", "/v1/chat/completions", {"model": "gw", "messages": [{"role": "user", "content": "Hi"}], "user": "busy"}),
    ("not json", "/v1/chat/completions", {"model": "gw", "messages": [{"role": "user", "content": "Hi"}], "user": "junk"}),
    ("upstream auth", "/v1/chat/completions", {"model": "gw", "messages": [{"role": "user", "content": "Hi"}], "user": "denied"}),
    ("silent", "/v1/chat/completions", {"model": "gw", "messages": [{"role": "user", "content": "Hi"}], "user": "silent"}),
    ("down", "/v1/chat/completions", {"model": "gone", "messages": [{"role": "user", "content": "Hi"}]}),
    ("unknown model", "/v1/chat/completions", {"model": "nope", "messages": [{"role": "user", "content": "Hi"}]}),
    ("invalid", "/v1/chat/completions", {"model": "gw", "messages": "Hi"}),
    ("not an object", "/v1/chat/completions", b"[1, 2"),
]


STREAMED = {"model": "gw", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "stream": True}
STREAM_CASES = [
    ("stream", "/v1/chat/completions", {**STREAMED, "user": "stream"}),
    ("stream usage", "/v1/chat/completions", {**STREAMED, "user": "stream", "stream_options": {"include_usage": True}}),
    ("stream legacy", "/v1/completions", {"model": "gw", "prompt": "1, 2,", "stream": True, "user": "stream-close"}),
    ("stream no done", "/v1/chat/completions", {**STREAMED, "user": "stream-cut"}),
    ("stream reset", "/v1/chat/completions", {**STREAMED, "user": "stream-reset"}),
    ("stream error event", "/v1/chat/completions", {**STREAMED, "user": "stream-error"}),
    ("stream first event error", "/v1/chat/completions", {**STREAMED, "user": "stream-first-error"}),
    ("stream not a stream", "/v1/chat/completions", {**STREAMED, "user": "ok"}),
    ("stream client error", "/v1/chat/completions", {**STREAMED, "user": "bad"}),
    ("stream unavailable", "/v1/chat/completions", {**STREAMED, "user": "busy"}),
    ("stream silent", "/v1/chat/completions", {**STREAMED, "user": "silent"}),
    ("stream down", "/v1/chat/completions", {**STREAMED, "model": "gone"}),
]


@pytest.mark.parametrize("name,path,body", CASES + STREAM_CASES, ids=[case[0] for case in CASES + STREAM_CASES])
def test_same_answer_through_fast_path_and_router(servers, name, path, body):
    started, _, _ = servers
    request_id = f"req-fast-path-{name.replace(' ', '-')}"
    fast = exchange(started["fast"][0], path, body, {"x-request-id": request_id})
    router = exchange(started["router"][0], path, body, {"x-request-id": request_id})
    if name == "stream reset":
        # The same cut is nearly always "stream ended at an unexpected time" on both paths, but
        # about one run in twenty the router's async-http-client gave another reason: the reason
        # in parentheses is left out of this one comparison (the rest of the bytes must match).
        cut = lambda answer: (answer[0], answer[1], re.sub(rb"broke off the stream \([^)]*\)", b"broke off the stream", answer[2]))
        fast, router = cut(fast), cut(router)
    assert fast == router
    assert dict(fast[1])["x-request-id"] == request_id


def test_a_generated_request_id_and_a_wrong_key(servers):
    started, _, _ = servers
    body = CASES[0][2]
    fast = exchange(started["fast"][0], "/v1/chat/completions", body)
    router = exchange(started["router"][0], "/v1/chat/completions", body)
    strip = lambda answer: (answer[0], [(k, v) for k, v in answer[1] if k != "x-request-id"], answer[2])
    assert strip(fast) == strip(router)
    assert re.fullmatch(r"req_[A-Za-z0-9]{24}", dict(fast[1])["x-request-id"])
    wrong = [exchange(started[name][0], "/v1/chat/completions", body, {"Authorization": "Bearer sk-wrong", "x-request-id": "r"})
             for name in ("fast", "router")]
    assert wrong[0] == wrong[1] and wrong[0][0] == 401


def test_sdk_and_keep_alive_connection(servers):
    """The SDK's keep-alive connection carries fast-path and router requests in turn, in order."""
    started, upstream, _ = servers
    for server_name in ("router", "fast"):
        check_sdk_session(started[server_name][0].client())
    path, headers, body = upstream.requests[-3]  # the last plain chat (then a stream, then a refused one)
    assert path == "/v1/chat/completions" and body["model"] == "upstream-m" and body["stream"] is False
    assert headers["Authorization"] == f"Bearer {UPSTREAM_KEY}"


def check_sdk_session(client):
    for _ in range(3):
        completion = client.chat.completions.create(model="gw", messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
        assert completion.model == "gw" and completion.choices[0].message.content == "Hello there"
        assert completion.usage.total_tokens == 12
        assert client.models.list().data[0].id in ("gw", "gone")
        with pytest.raises(openai.APIError):
            # The fake upstream answers streams with JSON: a 502 from the router's streaming path.
            list(client.chat.completions.create(model="gw", messages=[{"role": "user", "content": "Hi"}], stream=True, max_tokens=4))
        with pytest.raises(openai.BadRequestError):
            client.chat.completions.create(model="gw", messages=[{"role": "user", "content": "Hi"}], user="bad")


def test_stream_bodies(servers):
    """The streamed cases above carry what they should (so equal answers are not equally wrong)."""
    started, _, _ = servers
    def events(body):
        # Both servers, so their request metrics stay equal for the test that compares them.
        status, headers, payload = exchange(started["fast"][0], "/v1/chat/completions", body)
        assert exchange(started["router"][0], "/v1/chat/completions", body)[2] == payload
        assert status == 200 and dict(headers)["content-type"] == "text/event-stream"
        return [line[6:] for line in payload.decode().split("\n\n") if line.startswith("data: ")]
    plain = events({**STREAMED, "user": "stream"})
    assert plain[-1] == "[DONE]" and len(plain) == 5
    assert all(json.loads(data)["model"] == "gw" and "usage" not in json.loads(data) for data in plain[:-1])
    assert "".join(json.loads(data)["choices"][0]["delta"].get("content", "") for data in plain[:-1]) == "Hello there"
    usage = events({**STREAMED, "user": "stream", "stream_options": {"include_usage": True}})
    assert json.loads(usage[-2])["usage"]["total_tokens"] == 7 and json.loads(usage[-2])["choices"] == []
    broken = events({**STREAMED, "user": "stream-cut"})
    assert json.loads(broken[-1])["error"]["code"] == "upstream_disconnected" and len(broken) == 3


def test_sdk_stream(servers):
    started, _, _ = servers
    for name in ("fast", "router"):
        client = started[name][0].client()
        pieces = list(client.chat.completions.create(
            model="gw", messages=[{"role": "user", "content": "Hi"}], stream=True, user="stream", stream_options={"include_usage": True}))
        assert "".join(piece.choices[0].delta.content or "" for piece in pieces if piece.choices) == "Hello there"
        assert pieces[-1].usage.total_tokens == 7 and {piece.model for piece in pieces} == {"gw"}


def test_a_client_leaving_mid_stream(servers):
    """The client closes its connection after the first events: the upstream stream is cut at
    once and the ledger row says 499, through either path."""
    started, upstream, _ = servers
    cut = upstream.streams_cut
    for name, (server, _) in started.items():
        data = json.dumps({**STREAMED, "user": "stream-slow"}).encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(
                (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
                 f"x-request-id: req-left-{name}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(data)}\r\n\r\n").encode() + data)
            received = b""
            while received.count(b"data: ") < 3:
                received += sock.recv(4096)
    deadline = time.monotonic() + 10
    while upstream.streams_cut < cut + 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert upstream.streams_cut == cut + 2, "an upstream stream went on after its client left"
    rows = {}
    for name, (_, home) in started.items():
        result = cli(home, "usage", "--since", "1h", "--requests", "--json")
        rows[name] = [(row["status"], row["stream"], row["ttft_ms"] is None) for row in json.loads(result.stdout)
                      if row["request_id"] == f"req-left-{name}"]
    assert rows["fast"] == rows["router"] == [(499, True, False)]


def test_the_fast_path_counts_what_it_serves(servers):
    """`switchyard_gateway_fast_path_requests_total` counts streamed and non-streamed requests on
    the fast path; the router-only server has none."""
    started, _, _ = servers
    def counts(server):
        for body in (CASES[0][2], {**STREAMED, "user": "stream"}):
            exchange(server, "/v1/chat/completions", body)
        return fast_path_counts(server)
    fast = counts(started["fast"][0])
    assert fast['model="gw",stream="false"'] >= 1 and fast['model="gw",stream="true"'] >= 1
    assert set(counts(started["router"][0]).values()) <= {0.0}


def test_ledger_rows_and_metrics_match(servers):
    started, _, _ = servers
    for name, path, body in CASES[:9] + STREAM_CASES:
        for server_name in ("fast", "router"):
            exchange(started[server_name][0], path, body, {"x-request-id": f"req-ledger-{name.replace(' ', '-')}"})
    rows = {}
    for server_name, (server, home) in started.items():
        result = cli(home, "usage", "--since", "1h", "--requests", "--json")
        assert result.returncode == 0, result.stderr
        keep = ("request_id", "model", "endpoint", "status", "prompt_tokens", "completion_tokens", "stream", "key_id", "tier")
        rows[server_name] = sorted(
            (tuple(row.get(field) for field in keep) + (row.get("ttft_ms") is None,) for row in json.loads(result.stdout) if row["request_id"].startswith("req-ledger-")),
            key=repr)
    assert rows["fast"] == rows["router"]
    assert len(rows["fast"]) == 9 + len(STREAM_CASES)
    assert ("req-ledger-chat", "gw", "chat/completions", 200, 5, 7) == rows["fast"][[r[0] for r in rows["fast"]].index("req-ledger-chat")][:6]

    def request_counts(server):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {KEY}"})
        text = connection.getresponse().read().decode()
        connection.close()
        counters = ("switchyard_requests_total", "switchyard_prompt_tokens_total", "switchyard_generation_tokens_total")
        return sorted(line for line in text.splitlines() if line.startswith(counters))

    assert request_counts(started["fast"][0]) == request_counts(started["router"][0])


def test_pipelined_requests_are_answered_in_order(servers):
    """Requests sent back to back on one connection, before any answer, come back in order whichever
    path serves each (fast path, router, fast path, a stream through the router, fast path)."""
    started, _, _ = servers
    server = started["fast"][0]
    def post(body):
        data = json.dumps(body).encode()
        return (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data
    chat = {"model": "gw", "messages": [{"role": "user", "content": "Hi"}]}
    models = f"GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n\r\n".encode()
    requests = [post({**chat, "user": "slow"} | {"model": "gw-slow"}), models, post(chat), post({**chat, "user": "bad"}), post(chat)]
    import socket
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"".join(requests))
        reader = sock.makefile("rb")
        answers = []
        for _ in requests:
            status = int(reader.readline().split()[1])
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            answers.append((status, reader.read(length)))
    assert [status for status, _ in answers] == [200, 200, 200, 400, 200]
    assert json.loads(answers[1][1])["object"] == "list"
    assert json.loads(answers[0][1])["model"] == "gw-slow" and json.loads(answers[2][1])["model"] == "gw"


def slow_call_in_thread(server, user):
    """Starts a chat completion to `gw-slow` (the fake upstream's behaviour named by `user`) on a
    thread; its (status, headers, body) lands in the returned dict's "answer"."""
    result = {}
    def call():
        result["answer"] = exchange(server, "/v1/chat/completions",
                                    {"model": "gw-slow", "messages": [{"role": "user", "content": "Hi"}], "user": user})
    caller = threading.Thread(target=call)
    caller.start()
    return caller, result


def test_shutdown_waits_for_a_request_in_flight(servers):
    """SIGTERM while the fast path waits for the upstream: the request still gets its answer."""
    _, _, config = servers
    server = RunningServer("--config", str(config), api_key=KEY, env={"SWITCHYARD_HOME": str(config.parent / "shutdown"), "GW_KEY": UPSTREAM_KEY})
    try:
        caller, result = slow_call_in_thread(server, user="slow")
        time.sleep(0.5)
        server.process.terminate()
        caller.join(30)
        assert result["answer"][0] == 200 and json.loads(result["answer"][2])["model"] == "gw-slow"
        assert server.process.wait(timeout=30) == 0
    finally:
        server.stop()


def test_shutdown_closes_idle_upstream_connections(tmp_path):
    """SIGTERM while a request is in flight: the upstream connection a finished fast-path request
    left in the pool is closed at once, while the server still finishes the other request (so
    not by the process exiting), and the server then exits cleanly."""
    upstream = Upstream()
    config = tmp_path / "switchyard.yaml"
    config.write_text(json.dumps({"models": [
        {"name": "gw-slow", "upstreams": [{"base_url": f"http://127.0.0.1:{upstream.port}/v1", "model": "upstream-m", "timeout": "10s"}]}]}))
    server = RunningServer("--config", str(config), api_key=KEY, env={"SWITCHYARD_HOME": str(tmp_path / "home")})
    try:
        caller, result = slow_call_in_thread(server, user="silent")
        time.sleep(0.3)  # the slow request holds its upstream connection; the next one opens another
        status, _, _ = exchange(server, "/v1/chat/completions", {"model": "gw-slow", "messages": [{"role": "user", "content": "Hi"}]})
        assert status == 200 and len(upstream.ok_connections) == 1
        time.sleep(0.2)
        assert not upstream.ok_connections & upstream.closed_connections, "the pool keeps the connection while serving"
        server.process.terminate()
        deadline = time.monotonic() + 5
        while not upstream.ok_connections <= upstream.closed_connections and time.monotonic() < deadline:
            time.sleep(0.05)
        assert upstream.ok_connections <= upstream.closed_connections, "the idle upstream connection outlived the shutdown"
        assert "answer" not in result and server.process.poll() is None, "closed by the request in flight, not the exit"
        caller.join(30)
        assert result["answer"][0] == 200 and json.loads(result["answer"][2])["model"] == "gw-slow"
        assert server.process.wait(timeout=30) == 0
    finally:
        server.stop()
        upstream.stop()


def test_database_keys_through_fast_path_and_router(tmp_path):
    """Keys from a PostgreSQL key database (cached for a second, so the fast path can take them):
    a key without limits is served by the fast path with the router's exact answer; a key with
    limits (whose arrival needs the store's round trip) gets the same headers and the same 429 on
    both servers, from the router. One database per server, with the same keys, so the answers match."""
    from test_fleet_replicas import create_key, postgres_server, psql, with_database
    upstream = Upstream()
    config = tmp_path / "switchyard.yaml"
    config.write_text(json.dumps({"models": [
        {"name": "gw", "upstreams": [{"base_url": f"http://127.0.0.1:{upstream.port}/v1", "model": "upstream-m", "timeout": "10s"}]}]}))
    server_url = postgres_server()
    servers, keys, databases = {}, {}, []
    try:
        for name, extra in (("fast", ()), ("router", ("--no-gateway-fast-path",))):
            database = "switchyard_fastpath_" + uuid.uuid4().hex
            psql(server_url, f"CREATE DATABASE {database}")
            databases.append(database)
            url = with_database(server_url, database)
            keys[name] = {"plain": create_key(url, "plain")["secret"], "limited": create_key(url, "limited", "--rpm", "1")["secret"]}
            servers[name] = RunningServer("--config", str(config), "--database", url, *extra, api_key=KEY,
                                          env={"SWITCHYARD_HOME": str(tmp_path / name)})
        body = CASES[0][2]
        before = fast_path_counts(servers["fast"])

        def both(key, tag):
            """The same request with `key` on each server, twice in a row (the first fills the key cache)."""
            answers = {}
            for name, server in servers.items():
                headers = {"Authorization": f"Bearer {keys[name][key]}"}
                first = exchange(server, "/v1/chat/completions", body, {**headers, "x-request-id": f"req-{tag}-1"})
                second = exchange(server, "/v1/chat/completions", body, {**headers, "x-request-id": f"req-{tag}-2"})
                answers[name] = (first, second)
            return answers

        plain = both("plain", "plain")
        assert plain["fast"] == plain["router"]
        assert plain["fast"][1][0] == 200 and json.loads(plain["fast"][1][2])["model"] == "gw"
        assert fast_path_counts(servers["fast"]).get('model="gw",stream="false"', 0) > before.get('model="gw",stream="false"', 0), \
            "the fast path served no request with the cached database key"

        limited = both("limited", "limited")
        # The time to the bucket's refill is read when each answer is made, milliseconds apart:
        # in the reset headers and the 429's message (so its length too).
        def masked(answer):
            status, headers, payload = answer
            assert all(re.fullmatch(r"[0-9.hms]+", value) for name, value in headers if name.startswith("x-ratelimit-reset-"))
            assert dict(headers)["content-length"] == str(len(payload))
            headers = [(name, "T" if name.startswith("x-ratelimit-reset-") or name == "content-length" else value) for name, value in headers]
            return status, headers, re.sub(rb"try again in [0-9.]+m?s", b"try again in T", payload)
        assert [masked(answer) for answer in limited["fast"]] == [masked(answer) for answer in limited["router"]]
        (status, headers, _), (refused, refused_headers, payload) = limited["fast"]
        assert status == 200 and dict(headers)["x-ratelimit-limit-requests"] == "1"
        assert dict(refused_headers)["x-ratelimit-remaining-requests"] == "0"
        assert refused == 429 and "retry-after" in dict(refused_headers)
        assert json.loads(payload)["error"]["code"] == "rate_limit_exceeded"
    finally:
        for server in servers.values():
            server.stop()
        upstream.stop()
        for database in databases:
            psql(server_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def fast_path_counts(server):
    """The fast-path counter's values on `server`'s /metrics, by their label text."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {KEY}"})
    text = connection.getresponse().read().decode()
    connection.close()
    return {line.split("{")[1].split("}")[0]: float(line.split()[-1]) for line in text.splitlines()
            if line.startswith("switchyard_gateway_fast_path_requests_total{")}
