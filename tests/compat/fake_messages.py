"""A fake of today's Anthropic API serving only ``POST /v1/messages``, as strict as the real one.

Stdlib only (``http.server`` in a daemon thread on 127.0.0.1, ephemeral port), so it works in any
test and for clients in other virtualenvs (they get its URL)::

    with FakeMessagesAPI() as api:
        api.script(Reply(pieces=("Hi", "!")), Reply(status=529))   # answers, in order
        ... POST f"{api.url}/v1/messages" ...                        # any path prefix is allowed
        api.requests   # what it received, with the status it answered

Requests are validated the way the real API validates them, and refused with its status and
error JSON (``{"type":"error","error":{"type","message"},"request_id"}``):

- only ``POST …/v1/messages``: anything else is 404 ``not_found_error`` (``/v1/complete`` too:
  every model it served is retired);
- ``x-api-key`` or ``authorization`` required (401 ``authentication_error``);
- ``anthropic-version`` required and a real date from ``2023-06-01`` on (400);
- a JSON object body; ``model``, ``max_tokens`` (integer >= 1) and ``messages`` required;
  unknown top-level fields refused ("Extra inputs are not permitted");
- ``messages``: non-empty, roles ``user``/``assistant`` only, the first one ``user``, roles
  alternating, string or text-block content, every message non-empty and non-whitespace except an
  optional final ``assistant`` one, and no trailing whitespace in a final ``assistant`` message;
- ``system`` a string or text blocks; ``stop_sequences`` a list of non-whitespace strings;
  ``temperature`` and ``top_p`` in [0, 1], ``top_k`` a non-negative integer, **and all three
  refused with ``anthropic-version`` ``2026-10-21`` or later**; ``metadata`` only ``user_id``;
  ``stream`` a boolean.

Answers follow a :class:`Reply`: the model "generates" its ``pieces`` (one token each); the first
of the request's ``stop_sequences`` found in the text ends it (``stop_reason`` ``stop_sequence``,
the text before the sequence kept), ``max_tokens`` pieces end it (``max_tokens``), otherwise
``end_turn``. A reply can instead answer an HTTP error (429, 529…), or break a stream with an
``error`` event (``overloaded_error``) after some deltas. Streams are sent one event per HTTP
chunk, flushed.
"""

from __future__ import annotations

import datetime
import http.server
import json
import re
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .server import LoopbackServer, QuietHandler

__all__ = ["SAMPLING_REFUSED_FROM", "FakeMessagesAPI", "RecordedCall", "Reply"]

#: The first ``anthropic-version`` that refuses ``temperature``, ``top_p`` and ``top_k``.
SAMPLING_REFUSED_FROM = datetime.date(2026, 10, 21)
_FIRST_VERSION = datetime.date(2023, 6, 1)
_FIELDS = frozenset(
    (
        "model",
        "messages",
        "max_tokens",
        "system",
        "stop_sequences",
        "temperature",
        "top_p",
        "top_k",
        "metadata",
        "stream",
        "tools",
        "tool_choice",
        "thinking",
        "service_tier",
    )
)
_ERROR_MESSAGES = {
    "rate_limit_error": "Number of request tokens has exceeded your per-minute rate limit",
    "overloaded_error": "Overloaded",
    "api_error": "Internal server error",
}
_ERROR_STATUS = {429: "rate_limit_error", 529: "overloaded_error", 500: "api_error"}


@dataclass(frozen=True)
class Reply:
    """How the fake answers one request.

    Attributes:
        pieces: the text the model generates, one token per piece.
        status: an HTTP error status to answer with instead (429, 529, 500…).
        error_type: that error's type (default from the status: 429 ``rate_limit_error``,
            529 ``overloaded_error``, 500 ``api_error``).
        stream_error_after: for a stream, send an ``overloaded_error`` ``error`` event after
            this many text deltas, and nothing more.
        blocks: content blocks to put before the text block (``thinking``, ``tool_use``…).
        pings: ``ping`` events sent after ``message_start``.
    """

    pieces: tuple[str, ...] = ("Hello", "!", " My", " name", " is", " Claude", ".")
    status: int = 200
    error_type: str | None = None
    stream_error_after: int | None = None
    blocks: tuple[dict[str, Any], ...] = ()
    pings: int = 1

    def generate(self, request: dict[str, Any]) -> tuple[list[str], str, str | None]:
        """``(pieces sent, stop_reason, stop_sequence)`` for a (valid) request."""
        limit = request["max_tokens"]
        pieces = list(self.pieces[:limit])
        text = "".join(pieces)
        found: tuple[int, str] | None = None
        for sequence in request.get("stop_sequences") or []:
            at = text.find(sequence)
            if at >= 0 and (found is None or at < found[0]):
                found = (at, sequence)
        if found is not None:
            return _cut(pieces, found[0]), "stop_sequence", found[1]
        if len(self.pieces) > limit:
            return pieces, "max_tokens", None
        return pieces, "end_turn", None

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def _cut(pieces: list[str], at: int) -> list[str]:
    out, used = [], 0
    for piece in pieces:
        if used + len(piece) >= at:
            if at > used:
                out.append(piece[: at - used])
            break
        out.append(piece)
        used += len(piece)
    return out


class Refusal(Exception):
    def __init__(self, status: int, type: str, message: str) -> None:
        super().__init__(message)
        self.status, self.type, self.message = status, type, message


def _bad(message: str) -> Refusal:
    return Refusal(400, "invalid_request_error", message)


def _version(value: str | None) -> datetime.date:
    if value is None:
        raise _bad("anthropic-version: header is required")
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value.strip())
    try:
        date = datetime.date(*(int(g) for g in match.groups())) if match else None
    except ValueError:
        date = None
    if date is None or date < _FIRST_VERSION:
        raise _bad(f"anthropic-version: invalid version {value!r}")
    return date


def _texts(content: Any, where: str) -> list[str]:
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        raise _bad(f"{where}: Input should be a valid list")
    texts = []
    for i, block in enumerate(content):
        if not isinstance(block, dict) or "type" not in block:
            raise _bad(f"{where}.{i}: Input should be a valid dictionary")
        if block["type"] == "text":
            if not isinstance(block.get("text"), str):
                raise _bad(f"{where}.{i}.text: Field required")
            if not block["text"]:
                raise _bad("messages: text content blocks must be non-empty")
            if not block["text"].strip():
                raise _bad("messages: text content blocks must contain non-whitespace text")
            texts.append(block["text"])
    return texts


def validate(headers: dict[str, str], body: bytes) -> tuple[dict[str, Any], datetime.date]:
    """The parsed request and its version, or :class:`Refusal` with the real API's answer."""
    if not (headers.get("x-api-key") or headers.get("authorization")):
        raise Refusal(401, "authentication_error", "x-api-key header is required")
    version = _version(headers.get("anthropic-version"))
    try:
        request = json.loads(body)
    except ValueError:
        raise _bad("There was an error parsing the body of your request") from None
    if not isinstance(request, dict):
        raise _bad("Input should be a valid dictionary")
    for key in request:
        if key not in _FIELDS:
            raise _bad(f"{key}: Extra inputs are not permitted")
    for key in ("model", "max_tokens", "messages"):
        if key not in request:
            raise _bad(f"{key}: Field required")
    if not isinstance(request["model"], str):
        raise _bad("model: Input should be a valid string")
    max_tokens = request["max_tokens"]
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise _bad("max_tokens: Input should be a valid integer greater than or equal to 1")
    _check_messages(request["messages"])
    if "system" in request:
        _texts(request["system"], "system")
    _check_sampling(request, version)
    stops = request.get("stop_sequences", [])
    if not isinstance(stops, list) or not all(isinstance(s, str) and s.strip() for s in stops):
        raise _bad("stop_sequences: each stop sequence must contain non-whitespace")
    metadata = request.get("metadata", {})
    if not isinstance(metadata, dict) or set(metadata) - {"user_id"}:
        extra = sorted(set(metadata) - {"user_id"}) if isinstance(metadata, dict) else ["?"]
        raise _bad(f"metadata.{extra[0]}: Extra inputs are not permitted")
    if not isinstance(request.get("stream", False), bool):
        raise _bad("stream: Input should be a valid boolean")
    return request, version


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise _bad("messages: at least one message is required")
    previous = None
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise _bad(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        role = message["role"]
        if i == 0 and role != "user":
            raise _bad('messages: first message must use the "user" role')
        if role == previous:
            raise _bad(
                'messages: roles must alternate between "user" and "assistant", '
                f'but found multiple "{role}" roles in a row'
            )
        previous = role
        if "content" not in message:
            raise _bad(f"messages.{i}.content: Field required")
        texts = _texts(message["content"], f"messages.{i}.content")
        final_assistant = i == len(messages) - 1 and role == "assistant"
        if not final_assistant:
            if not message["content"]:
                raise _bad(
                    f"messages.{i}: all messages must have non-empty content except for the "
                    "optional final assistant message"
                )
            if isinstance(message["content"], str) and not message["content"].strip():
                raise _bad("messages: text content blocks must contain non-whitespace text")
        elif texts and texts[-1] != texts[-1].rstrip():
            raise _bad("messages: final assistant content cannot end with trailing whitespace")


def _check_sampling(request: dict[str, Any], version: datetime.date) -> None:
    for key, low, high in (("temperature", 0, 1), ("top_p", 0, 1), ("top_k", 0, None)):
        if key not in request:
            continue
        if version >= SAMPLING_REFUSED_FROM:
            raise _bad(
                f"{key}: is not supported with anthropic-version {SAMPLING_REFUSED_FROM} or later"
            )
        value = request[key]
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if key == "top_k":
            number = number and isinstance(value, int)
        if not number or value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f">= {low}"
            raise _bad(f"{key}: Input should be a number {bound}")


@dataclass
class RecordedCall:
    """One request the fake received and the status it answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0
    error: str | None = None

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def _sse(payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return f"event: {payload['type']}\ndata: {data}\n\n".encode()


@dataclass
class FakeMessagesAPI(LoopbackServer):
    """The fake API server; a context manager (started on enter, stopped on exit)."""

    host: str = "127.0.0.1"
    requests: list[RecordedCall] = field(default_factory=list)
    _replies: deque[Reply] = field(default_factory=deque)
    _httpd: http.server.ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def script(self, *replies: Reply) -> None:
        """Queue replies; each request takes the next one (``Reply()`` when none is left)."""
        self._replies.extend(replies)

    def _next(self) -> tuple[Reply, int]:
        with self._lock:
            self._count += 1
            reply = self._replies.popleft() if self._replies else Reply()
            return reply, self._count

    def message(self, request: dict[str, Any], reply: Reply, number: int) -> dict[str, Any]:
        """The non-stream response for a valid request."""
        pieces, stop_reason, stop_sequence = reply.generate(request)
        return {
            "id": f"msg_fake{number:04d}",
            "type": "message",
            "role": "assistant",
            "model": request["model"],
            "content": [*reply.blocks, {"type": "text", "text": "".join(pieces)}],
            "stop_reason": stop_reason,
            "stop_sequence": stop_sequence,
            "usage": {"input_tokens": 10, "output_tokens": len(pieces)},
        }

    def events(self, request: dict[str, Any], reply: Reply, number: int) -> Iterator[bytes]:
        """The stream for a valid request, one event at a time."""
        pieces, stop_reason, stop_sequence = reply.generate(request)
        start = self.message(request, reply, number)
        start.update(content=[], stop_reason=None, stop_sequence=None)
        start["usage"] = {"input_tokens": 10, "output_tokens": 1}
        yield _sse({"type": "message_start", "message": start})
        for _ in range(reply.pings):
            yield _sse({"type": "ping"})
        for index, block in enumerate(reply.blocks):
            yield _sse({"type": "content_block_start", "index": index, "content_block": block})
            yield _sse({"type": "content_block_stop", "index": index})
        index = len(reply.blocks)
        yield _sse(
            {
                "type": "content_block_start",
                "index": index,
                "content_block": {"type": "text", "text": ""},
            }
        )
        for sent, piece in enumerate(pieces):
            if reply.stream_error_after is not None and sent == reply.stream_error_after:
                yield _error_event()
                return
            delta = {"type": "text_delta", "text": piece}
            yield _sse({"type": "content_block_delta", "index": index, "delta": delta})
        if reply.stream_error_after is not None and reply.stream_error_after >= len(pieces):
            yield _error_event()
            return
        yield _sse({"type": "content_block_stop", "index": index})
        yield _sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
                "usage": {"output_tokens": len(pieces)},
            }
        )
        yield _sse({"type": "message_stop"})

    def start(self) -> FakeMessagesAPI:
        api = self

        class Handler(QuietHandler):
            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.send_header("request-id", "req_fake")
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                self.close_connection = True

            def _refuse(self, call: RecordedCall, status: int, type: str, message: str) -> None:
                call.status, call.error = status, type
                payload = {
                    "type": "error",
                    "error": {"type": type, "message": message},
                    "request_id": "req_fake",
                }
                self._send(status, "application/json", json.dumps(payload).encode())

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                call = RecordedCall(self.command, self.path, headers, body)
                api.requests.append(call)
                path = self.path.split("?", 1)[0]
                if self.command != "POST" or not path.endswith("/v1/messages"):
                    self._refuse(call, 404, "not_found_error", "Not found")
                    return
                try:
                    request, _version = validate(headers, body)
                except Refusal as refusal:
                    self._refuse(call, refusal.status, refusal.type, refusal.message)
                    return
                reply, number = api._next()
                if reply.status != 200:
                    type = reply.error_type or _ERROR_STATUS.get(reply.status, "api_error")
                    message = _ERROR_MESSAGES.get(type, "Error")
                    self._refuse(call, reply.status, type, message)
                    return
                call.status = 200
                if not request.get("stream"):
                    payload = api.message(request, reply, number)
                    self._send(200, "application/json", json.dumps(payload).encode())
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                for event in api.events(request, reply, number):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                self.close_connection = True

        return self._serve(Handler, "fake-messages")


def _error_event() -> bytes:
    payload = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    return _sse(payload)
