"""A local OpenAI-compatible HTTP server for tests.

No LLM can run on this machine (no GPU, no model weights, no internet), so this
server stands in for one.  It is a real HTTP server (stdlib
``ThreadingHTTPServer`` on 127.0.0.1, a free port, a background thread) that
speaks the real OpenAI wire protocol, so the code under test goes through the
real ``openai`` client, ``httpx2`` and ``langchain_openai.ChatOpenAI`` exactly
as it would against api.openai.com, a vLLM or an Ollama server:

* ``POST /v1/chat/completions`` -- non-streaming ``chat.completion`` JSON, or,
  with ``"stream": true``, Server-Sent Events with chunked transfer encoding:
  ``data: {...chat.completion.chunk...}\\n\\n`` ... ``data: [DONE]\\n\\n``;
  a usage chunk when ``stream_options.include_usage`` is set.
* ``GET /v1/models`` -- the model list.
* ``POST /v1/embeddings`` -- deterministic bag-of-words hash vectors (similar
  texts get similar vectors), as ``float`` lists or ``base64`` float32.

What the "model" says is scripted: push replies onto a queue (``stub.reply``)
or set ``stub.responder`` to a function of the request.  Replies can be text,
``Reply`` (text with explicit chunks), ``Error`` (401/403/404/429/500/503 ... with
OpenAI's error JSON body, a 429 optionally with ``Retry-After``), ``Hang`` (no answer for longer than the client
timeout), ``Garbage`` (a 200 stream of invalid JSON) or ``Cut`` (a stream that
breaks off mid-way).  Every request is recorded (``stub.requests``) so tests
can assert what the prompt contained and which headers arrived.

Usage::

    with OpenAIStub(api_key="sk-test") as stub:
        stub.reply("Hello [1]")
        settings = Settings(openai_base_url=stub.base_url, openai_api_key="sk-test")

or the ``openai_stub`` pytest fixture (import it into a test module).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

DEFAULT_MODEL = "gpt-4o-mini"
EMBED_DIM = 64


# ---------------------------------------------------------------- scripted replies


@dataclass
class Reply:
    """A normal answer; ``chunks`` overrides how the text is split when streaming."""

    text: str
    chunks: list[str] | None = None
    finish_reason: str = "stop"
    delay: float = 0.0  # seconds between stream chunks


@dataclass
class Error:
    """An HTTP error with OpenAI's error body ``{"error": {...}}``."""

    status: int
    message: str | None = None
    type: str | None = None
    code: str | None = None
    echo_key: bool = False  # put the received Authorization value in the message, like a careless server
    retry_after: float | None = None  # send a Retry-After header (seconds), as a rate-limiting server does


@dataclass
class Hang:
    """Accept the request and answer nothing for ``seconds`` (or until the server stops)."""

    seconds: float = 30.0
    after_chunks: int = 0  # >0: stream that many chunks of ``text`` first, then stall
    text: str = "Partial answer that never finishes"


@dataclass
class Garbage:
    """HTTP 200 event stream whose data lines are not JSON."""

    good_chunks: int = 1  # valid chunks before the garbage
    text: str = "Some text before the garbage"


@dataclass
class Cut:
    """A stream that breaks off after ``after`` chunks.

    ``mode="socket"`` closes the connection mid chunked-encoding (the client
    sees a protocol error); ``mode="clean"`` ends the body properly but with no
    final chunk, no ``finish_reason`` and no ``[DONE]``.
    """

    text: str
    after: int = 2
    mode: str = "socket"


Script = str | Reply | Error | Hang | Garbage | Cut


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: Any

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages", []))

    def message_text(self, role: str | None = None) -> str:
        """All message contents (of ``role``) joined, for substring assertions."""
        return "\n".join(str(m.get("content")) for m in self.messages if role is None or m.get("role") == role)


_ERROR_DEFAULTS = {
    400: ("Invalid request.", "invalid_request_error", None),
    401: ("Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
          "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to sample from this model", "invalid_request_error", None),
    404: ("The model does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"),
    429: ("Rate limit reached for requests. Please try again in 20s.", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request. Sorry about that!", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


# ---------------------------------------------------------------- wire format


def _chunk(cid: str, model: str, created: int, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "system_fingerprint": "fp_stub",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def _completion(cid: str, model: str, created: int, text: str, finish: str, prompt_tokens: int) -> dict[str, Any]:
    completion_tokens = len(text.split())
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "system_fingerprint": "fp_stub",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def split_chunks(text: str) -> list[str]:
    """Word-ish pieces, like token deltas (whitespace kept with the following word)."""
    return re.findall(r"\s*\S+|\s+$", text) or [text]


def embed(text: str, dim: int = EMBED_DIM) -> list[float]:
    """Deterministic unit vector from hashed lowercase words (and CJK characters)."""
    vec = [0.0] * dim
    for token in re.findall(r"[a-z0-9]+|[\u4e00-\u9fff]", text.lower()):
        h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
        vec[h % dim] += 1.0 if (h >> 32) & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


# ---------------------------------------------------------------- server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive + chunked streaming, like the real API
    server: _Server
    timeout = 10  # idle keep-alive connections give up

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # keep test output clean

    # -- routing

    def do_GET(self) -> None:  # noqa: N802
        req = self._record(None)
        if req.path.rstrip("/") == "/v1/models":
            model = {"id": self.server.stub.model, "object": "model", "created": 0, "owned_by": "stub"}
            self._json(200, {"object": "list", "data": [model]})
        else:
            self._error(Error(404, f"Unknown path {req.path}"))

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._record(raw.decode("utf-8", "replace"))
            return self._error(Error(400, "We could not parse the JSON body of your request."))
        req = self._record(body)
        if not self._authorised(req):
            return self._error(Error(401))
        path = req.path.rstrip("/")
        if path == "/v1/chat/completions":
            self._chat(req)
        elif path == "/v1/embeddings":
            self._embeddings(req)
        else:
            self._error(Error(404, f"Unknown path {req.path}"))

    # -- helpers

    def _record(self, body: Any) -> RecordedRequest:
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = RecordedRequest(self.command, self.path.split("?")[0], headers, body)
        with self.server.stub._lock:
            self.server.stub.requests.append(req)
        return req

    def _authorised(self, req: RecordedRequest) -> bool:
        expected = self.server.stub.api_key
        return expected is None or req.headers.get("authorization") == f"Bearer {expected}"

    def _send_head(self, status: int, content_type: str, length: int | None = None,
                   headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("x-request-id", f"req_stub_{int(time.time() * 1000)}")
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self._send_head(status, "application/json", len(data), headers)
        self.wfile.write(data)

    def _error(self, err: Error) -> None:
        message, etype, code = _ERROR_DEFAULTS.get(err.status, ("Error.", "server_error", None))
        message = err.message or message
        if err.echo_key:
            message += f" (received: {self.headers.get('Authorization', '')})"
        payload = {"error": {"message": message, "type": err.type or etype, "param": None, "code": err.code or code}}
        headers = {"Retry-After": f"{err.retry_after:g}"} if err.retry_after is not None else {}
        self._json(err.status, payload, headers)

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, payload: Any) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self._write_chunk(f"data: {text}\n\n".encode())

    def _end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    # -- chat

    def _chat(self, req: RecordedRequest) -> None:
        stub = self.server.stub
        script = stub._next_script(req)
        body = req.body or {}
        model = body.get("model") or stub.model
        stream = bool(body.get("stream"))
        if isinstance(script, Error):
            return self._error(script)
        if isinstance(script, Hang) and not (stream and script.after_chunks):
            stub._stopping.wait(script.seconds)
            return self._json(200, _completion("chatcmpl-late", model, int(time.time()), "too late", "stop", 0))
        if isinstance(script, str):
            script = Reply(script)
        if not stream:
            text = getattr(script, "text", "")
            if isinstance(script, Garbage):
                data = b'{"id": "chatcmpl-bad", "choices": [{"mess'
                self._send_head(200, "application/json", len(data))
                return self.wfile.write(data)
            prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in req.messages)
            return self._json(200, _completion(f"chatcmpl-{len(stub.requests)}", model, int(time.time()), text, "stop",
                                               prompt_tokens))
        self._stream(script, model, body)

    def _stream(self, script: Reply | Hang | Garbage | Cut, model: str, body: dict[str, Any]) -> None:
        cid, created = f"chatcmpl-{len(self.server.stub.requests)}", int(time.time())
        self._send_head(200, "text/event-stream; charset=utf-8")
        self._event(_chunk(cid, model, created, {"role": "assistant", "content": "", "refusal": None}, None))
        pieces = (script.chunks if isinstance(script, Reply) and script.chunks else None) or split_chunks(script.text)

        if isinstance(script, Garbage):
            for piece in pieces[: script.good_chunks]:
                self._event(_chunk(cid, model, created, {"content": piece}, None))
            self._write_chunk(b'data: {"id": "chatcmpl-bad", "choices": [{"delta": {"content": "oops\n\n')
            self._event("this is not json at all")
            self._event("[DONE]")
            return self._end_chunks()
        if isinstance(script, Hang):
            for piece in pieces[: script.after_chunks]:
                self._event(_chunk(cid, model, created, {"content": piece}, None))
            self.server.stub._stopping.wait(script.seconds)
            return self._end_chunks()
        if isinstance(script, Cut):
            for piece in pieces[: script.after]:
                self._event(_chunk(cid, model, created, {"content": piece}, None))
            if script.mode == "clean":
                return self._end_chunks()
            self.wfile.write(b"40\r\ndata: {\"id\": \"chatcmpl")  # chunk promises 64 bytes, then the line dies
            self.wfile.flush()
            self.close_connection = True
            return

        for piece in pieces:
            if script.delay:
                time.sleep(script.delay)
            self._event(_chunk(cid, model, created, {"content": piece}, None))
        self._event(_chunk(cid, model, created, {}, script.finish_reason))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": 1, "completion_tokens": len(pieces), "total_tokens": 1 + len(pieces)}
            self._event({**_chunk(cid, model, created, {}, None), "choices": [], "usage": usage})
        self._event("[DONE]")
        self._end_chunks()

    # -- embeddings

    def _embeddings(self, req: RecordedRequest) -> None:
        body = req.body or {}
        inputs = body.get("input")
        if isinstance(inputs, str) or (isinstance(inputs, list) and inputs and isinstance(inputs[0], int)):
            inputs = [inputs]
        dim = int(body.get("dimensions") or self.server.stub.embed_dim)
        data = []
        for i, item in enumerate(inputs or []):
            text = item if isinstance(item, str) else " ".join(f"t{t}" for t in item)  # token ids
            vec = embed(text, dim)
            value: Any = vec
            if body.get("encoding_format") == "base64":
                value = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()
            data.append({"object": "embedding", "index": i, "embedding": value})
        tokens = sum(len(str(x).split()) for x in inputs or [])
        self._json(200, {"object": "list", "data": data, "model": body.get("model", "stub-embed"),
                         "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stub: OpenAIStub


class OpenAIStub:
    """Context manager running the stub server; see the module docstring."""

    def __init__(self, *, api_key: str | None = None, model: str = DEFAULT_MODEL, embed_dim: int = EMBED_DIM) -> None:
        self.api_key = api_key  # when set, other Authorization values get a 401
        self.model = model
        self.embed_dim = embed_dim
        self.requests: list[RecordedRequest] = []
        self.responder: Callable[[RecordedRequest], Script] | None = None
        self.default: Script = "I could not find this in the sources."
        self._queue: deque[Script] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- scripting

    def reply(self, *scripts: Script) -> OpenAIStub:
        """Queue what the next chat requests get, in order."""
        with self._lock:
            self._queue.extend(scripts)
        return self

    def _next_script(self, req: RecordedRequest) -> Script:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.responder is not None:
            return self.responder(req)
        return self.default

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.rstrip("/") == "/v1/chat/completions"]

    @property
    def last(self) -> RecordedRequest:
        return self.chat_requests[-1]

    # -- lifecycle

    @property
    def base_url(self) -> str:
        assert self._server is not None, "stub not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> OpenAIStub:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.stub = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="openai-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases any Hang
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture
def openai_stub() -> Iterator[OpenAIStub]:
    """A running stub that requires the key ``sk-test-SECRET-0123456789``."""
    with OpenAIStub(api_key=STUB_KEY) as stub:
        yield stub


STUB_KEY = "sk-test-SECRET-0123456789"
