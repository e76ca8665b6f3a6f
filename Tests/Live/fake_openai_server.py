#!/usr/bin/env python3
"""A small OpenAI-compatible server for testing the migration kit (stdlib only).

Profiles make endpoints behave differently, so that comparisons show real differences:
  full    supports every feature the probe asks about, streams by the contract, fast
  strict  rejects unknown fields, logprobs, n>1 and images; ignores seed and json_schema;
          one tool call per turn; usage on the last content chunk instead of a usage chunk; two words per streamed chunk; greedy
          defaults; a non-OpenAI error shape for unknown models; slower
  broken  500 on tools and logprobs, malformed SSE (a non-JSON chunk, no [DONE])

Usage: fake_openai_server.py --profile full [--port 0] [--api-key KEY] [--model NAME]
Prints "PORT <n>" on stdout once listening. GET /stats: chat requests in flight now and at most.
"""
import argparse
import json
import random
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KNOWN_FIELDS = {
    "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "n", "stream",
    "stream_options", "stop", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs",
    "top_logprobs", "user", "seed", "tools", "tool_choice", "parallel_tool_calls", "response_format",
}
FLAVOUR = ["calm", "bright", "quiet", "swift", "golden", "silver", "gentle", "wild", "misty", "bold",
           "warm", "cold", "deep", "soft", "plain", "vivid", "still", "brave", "clear", "dark"]


class Config:
    profile = "full"
    api_key = None
    model = "fake-model"
    ttft = 0.02
    itl = 0.005
    cold_delay = 0.4
    cold_after_idle = 3.0
    lock = threading.Lock()
    asleep = False
    last_request = 0.0
    # Chat requests being answered now, and the most at once so far (GET /stats).
    in_flight = 0
    max_in_flight = 0


def error_body(message, type_, code, param=None):
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def last_user_text(messages):
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def has_image(messages):
    for message in messages:
        content = message.get("content")
        if isinstance(content, list) and any(isinstance(p, dict) and p.get("type") == "image_url" for p in content):
            return True
    return False


def instance(schema, name=""):
    """A value satisfying a simple JSON schema."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = kind[0]
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        return {name: instance(sub, name) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [instance(schema.get("items", {"type": "string"}))]
    if kind == "integer":
        return min(max(30, schema.get("minimum", 30)), schema.get("maximum", 30))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "Paris" if "city" in name.lower() else ("rotate API keys" if name == "query" else "Ada")


def answer(prompt):
    lower = prompt.lower()
    if "capital of france" in lower:
        return "The capital of France is Paris."
    if "2 + 2" in lower or "2+2" in lower:
        return "2 + 2 = 4."
    if "count from 1 to 10" in lower:
        return "1 2 3 4 5 6 7 8 9 10"
    if "hello" in lower:
        return "Hello! How can I help you today?"
    if "json" in lower:
        return '{"color": "blue"}'
    if "translate" in lower and "french" in lower:
        return "Bonjour le monde."
    words = re.findall(r"[A-Za-z]+", prompt)
    return "Here is a short reply about " + " ".join(words[-6:]) + "."


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # ---- plumbing -------------------------------------------------------------------------
    def send_json(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", "req_" + uuid.uuid4().hex[:12])
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self, headers=None):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", "req_" + uuid.uuid4().hex[:12])
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def write_chunk(self, text):
        data = text.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_stream(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def rate_headers(self):
        if Config.profile != "full":
            return {}
        return {
            "x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": "99",
            "x-ratelimit-limit-tokens": "100000", "x-ratelimit-remaining-tokens": "99000",
            "x-ratelimit-reset-requests": "1s", "x-ratelimit-reset-tokens": "6m0s",
        }

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def authorized(self):
        if Config.api_key is None:
            return True
        return self.headers.get("Authorization") == "Bearer " + Config.api_key

    def auth_error(self):
        if Config.profile == "strict":
            self.send_json(401, {"error": {"message": "bad key", "type": "auth", "code": 401}})
        else:
            self.send_json(401, error_body("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"))

    # ---- routes ---------------------------------------------------------------------------
    def do_GET(self):
        if self.path == "/stats":
            with Config.lock:
                return self.send_json(200, {"in_flight": Config.in_flight, "max_in_flight": Config.max_in_flight})
        if self.path.rstrip("/") == "/v1/models":
            if not self.authorized():
                return self.auth_error()
            return self.send_json(200, {"object": "list", "data": [{"id": Config.model, "object": "model", "owned_by": "fake"}]})
        self.send_json(404, error_body("not found", "invalid_request_error", "not_found"))

    def do_POST(self):
        body = self.read_body()
        match = re.fullmatch(r"/v1/tiers/([^/]+)/sleep", self.path)
        if match:
            if Config.profile != "full":
                return self.send_json(404, error_body("not found", "invalid_request_error", "not_found"))
            if not self.authorized():
                return self.auth_error()
            with Config.lock:
                Config.asleep = True
            return self.send_json(200, {"tier": match.group(1), "state": "asleep"})
        if self.path != "/v1/chat/completions":
            return self.send_json(404, error_body("not found", "invalid_request_error", "not_found"))
        if not self.authorized():
            return self.auth_error()
        try:
            request = json.loads(body)
        except ValueError:
            return self.send_json(400, error_body("body is not JSON", "invalid_request_error", "invalid_json"))
        with Config.lock:
            Config.in_flight += 1
            Config.max_in_flight = max(Config.max_in_flight, Config.in_flight)
        try:
            self.chat(request)
        finally:
            with Config.lock:
                Config.in_flight -= 1

    # ---- chat -----------------------------------------------------------------------------
    def reject(self, message, param):
        self.send_json(400, error_body(message, "invalid_request_error", "unsupported_parameter", param))

    def chat(self, request):
        profile = Config.profile
        if request.get("model") != Config.model:
            if profile == "strict":
                return self.send_json(400, {"error": "model not found"})
            return self.send_json(404, error_body(f"The model '{request.get('model')}' does not exist", "invalid_request_error", "model_not_found", "model"))
        messages = request.get("messages") or []
        if profile == "strict":
            unknown = sorted(set(request) - KNOWN_FIELDS)
            if unknown:
                return self.reject(f"Unrecognized request argument supplied: {unknown[0]}", unknown[0])
            if request.get("logprobs"):
                return self.reject("logprobs is not supported", "logprobs")
            if (request.get("n") or 1) > 1:
                return self.reject("n > 1 is not supported", "n")
            if has_image(messages):
                return self.reject("image input is not supported", "messages")
        if profile == "broken" and (request.get("tools") or request.get("logprobs")):
            return self.send_json(500, {"error": {"message": "internal error", "type": "server_error", "param": None, "code": None}})

        # Cold start: after a sleep call, or after idling.
        delay = Config.ttft
        with Config.lock:
            now = time.monotonic()
            if Config.asleep or (Config.last_request and now - Config.last_request > Config.cold_after_idle):
                delay += Config.cold_delay
            Config.asleep = False
            Config.last_request = now

        temperature = request.get("temperature")
        if temperature is None:
            temperature = 0.0 if profile == "strict" else 1.0
        seed = request.get("seed") if profile == "full" else None
        rng = random.Random(seed) if seed is not None else random.Random()
        n = (request.get("n") or 1) if profile == "full" else 1
        max_tokens = request.get("max_tokens") or request.get("max_completion_tokens") or 256
        min_tokens = request.get("min_tokens") if (request.get("ignore_eos") or request.get("min_tokens")) else None

        tool_calls = self.plan_tools(request, last_user_text(messages))
        choices = []
        for _ in range(n):
            choices.append(self.generate(request, messages, temperature, rng, max_tokens, min_tokens))
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages) + 3

        if request.get("stream"):
            return self.stream(request, choices, tool_calls, prompt_tokens, delay)
        time.sleep(delay + Config.itl * len(choices[0][0]))
        body_choices = []
        for index, (words, finish) in enumerate(choices):
            message = {"role": "assistant", "content": "".join(words)}
            if tool_calls and index == 0:
                message = {"role": "assistant", "content": None, "tool_calls": [
                    {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
                    for call_id, name, arguments in tool_calls]}
                finish = "tool_calls"
            choice = {"index": index, "message": message, "finish_reason": finish}
            if request.get("logprobs") and profile == "full":
                choice["logprobs"] = {"content": [self.logprob(w, request.get("top_logprobs") or 0) for w in words]}
            body_choices.append(choice)
        completion = sum(len(w) for w, _ in choices)
        self.send_json(200, {
            "id": "chatcmpl-" + uuid.uuid4().hex[:16], "object": "chat.completion", "created": int(time.time()),
            "model": Config.model, "choices": body_choices,
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion, "total_tokens": prompt_tokens + completion},
        }, self.rate_headers())

    def logprob(self, word, top):
        return {"token": word, "logprob": -0.25, "bytes": list(word.encode()),
                "top_logprobs": [{"token": word if i == 0 else f"alt{i}", "logprob": -0.25 - i, "bytes": None} for i in range(top)]}

    def generate(self, request, messages, temperature, rng, max_tokens, min_tokens):
        """Returns (words with leading spaces, finish_reason)."""
        fmt = request.get("response_format") or {}
        if fmt.get("type") == "json_schema" and Config.profile == "full":
            text = json.dumps(instance(fmt.get("json_schema", {}).get("schema", {})))
        elif fmt.get("type") == "json_schema" and Config.profile == "broken":
            text = '{"name": "Ada", "age": '
        elif fmt.get("type") == "json_object":
            text = '{"color": "blue"}'
        else:
            text = answer(last_user_text(messages))
            if Config.profile == "strict":
                text = "Sure. " + text
            if temperature > 0:
                text = text.rstrip(".") + ", " + " ".join(rng.choice(FLAVOUR) for _ in range(3)) + "."
        words = text.split(" ")
        words = [w if i == 0 else " " + w for i, w in enumerate(words)]
        finish = "stop"
        stops = request.get("stop") or []
        if isinstance(stops, str):
            stops = [stops]
        joined = "".join(words)
        for stop in stops:
            cut = joined.find(stop)
            if cut >= 0:
                joined = joined[:cut]
                words = [w if i == 0 else " " + w for i, w in enumerate(joined.split(" "))] if joined else []
                words = [w for w in words if w.strip()]
        if min_tokens and Config.profile == "full":
            filler = 0
            while len(words) < min_tokens:
                words.append(" " + FLAVOUR[filler % len(FLAVOUR)])
                filler += 1
        if len(words) > max_tokens:
            words = words[:max_tokens]
            finish = "length"
        return words, finish

    def plan_tools(self, request, prompt):
        tools = request.get("tools") or []
        choice = request.get("tool_choice", "auto")
        if not tools or choice == "none":
            return []
        names = [t.get("function", {}).get("name") for t in tools]
        schemas = {t.get("function", {}).get("name"): t.get("function", {}).get("parameters", {}) for t in tools}
        if isinstance(choice, dict):
            chosen = [choice.get("function", {}).get("name")]
        else:
            mentioned = [n for n in names if n and (n in prompt or n.replace("get_", "") in prompt.lower())]
            chosen = mentioned or names[:1]
            if Config.profile == "strict" or request.get("parallel_tool_calls") is False:
                chosen = chosen[:1]
        return [("call_" + uuid.uuid4().hex[:10], name, json.dumps(instance(schemas.get(name) or {"type": "object"})))
                for name in chosen if name]

    def stream(self, request, choices, tool_calls, prompt_tokens, delay):
        profile = Config.profile
        ident = "chatcmpl-" + uuid.uuid4().hex[:16]
        created = int(time.time())

        def chunk(choices_list, usage=None):
            body = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": Config.model, "choices": choices_list}
            if usage is not None:
                body["usage"] = usage
            return "data: " + json.dumps(body) + "\n\n"

        self.start_stream(self.rate_headers())
        time.sleep(delay)
        self.write_chunk(": keep-alive\n\n")
        self.write_chunk(chunk([{"index": i, "delta": {"role": "assistant", "content": ""}, "finish_reason": None} for i in range(len(choices))]))
        completion = 0
        if tool_calls:
            for index, (call_id, name, arguments) in enumerate(tool_calls):
                self.write_chunk(chunk([{"index": 0, "delta": {"tool_calls": [
                    {"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}]}, "finish_reason": None}]))
                half = len(arguments) // 2
                for part in (arguments[:half], arguments[half:]):
                    time.sleep(Config.itl)
                    self.write_chunk(chunk([{"index": 0, "delta": {"tool_calls": [
                        {"index": index, "function": {"arguments": part}}]}, "finish_reason": None}]))
                completion += 4
            self.write_chunk(chunk([{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]))
        else:
            step = 2 if profile == "strict" else 1
            for index, (words, finish) in enumerate(choices):
                completion += len(words)
                for start in range(0, len(words), step):
                    time.sleep(Config.itl)
                    piece = "".join(words[start:start + step])
                    choice = {"index": index, "delta": {"content": piece}, "finish_reason": None}
                    if request.get("logprobs") and profile == "full":
                        choice["logprobs"] = {"content": [self.logprob(w, request.get("top_logprobs") or 0) for w in words[start:start + step]]}
                    self.write_chunk(chunk([choice]))
                    if profile == "broken" and start == 2:
                        self.write_chunk("data: {\"id\": \"" + ident + "\", \"choices\": [{\"delta\": {\"content\": \"oops\"\n\n")
                final = [{"index": index, "delta": {}, "finish_reason": finish}]
                if profile == "strict" and index == len(choices) - 1:
                    # Like some older servers: usage rides on the last content chunk, unasked.
                    self.write_chunk(chunk(final, {"prompt_tokens": prompt_tokens, "completion_tokens": completion,
                                                   "total_tokens": prompt_tokens + completion}))
                else:
                    self.write_chunk(chunk(final))
        include_usage = (request.get("stream_options") or {}).get("include_usage")
        if include_usage and profile != "strict":
            self.write_chunk(chunk([], {"prompt_tokens": prompt_tokens, "completion_tokens": completion,
                                        "total_tokens": prompt_tokens + completion}))
        if profile != "broken":
            self.write_chunk("data: [DONE]\n\n")
        self.end_stream()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", choices=["full", "strict", "broken"], default="full")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key")
    parser.add_argument("--model", default="fake-model")
    parser.add_argument("--ttft-ms", type=float)
    parser.add_argument("--itl-ms", type=float)
    parser.add_argument("--cold-delay-ms", type=float, default=400)
    parser.add_argument("--cold-after-idle-s", type=float, default=3.0)
    args = parser.parse_args()
    Config.profile = args.profile
    Config.api_key = args.api_key
    Config.model = args.model
    defaults = {"full": (20, 5), "strict": (60, 10), "broken": (20, 5)}[args.profile]
    Config.ttft = (args.ttft_ms if args.ttft_ms is not None else defaults[0]) / 1000
    Config.itl = (args.itl_ms if args.itl_ms is not None else defaults[1]) / 1000
    Config.cold_delay = args.cold_delay_ms / 1000
    Config.cold_after_idle = args.cold_after_idle_s
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
