"""A scripted upstream for the gateway tests: a plain ASGI app served by a real uvicorn on
loopback (``sseconv.serve.serving``).

Routes (any method):

- ``/echo/...``: 200 JSON of the request as received: method, raw path, query, headers (a list
  of ``[name, value]`` pairs, as sent) and body (latin-1 text).
- ``/stream/<name>``: 200 ``text/event-stream``: the body registered under ``name`` in pieces,
  each piece sent after the previous one was sent (``name`` may hold slashes:
  ``/stream/x/v1/messages`` serves ``"x/v1/messages"``); a piece may be a :class:`Gate` (wait
  until the test opens it, or time out, set ``timed_out`` and send ``TIMEOUT_EVENT``) or a
  :class:`Cut` (stop without finishing the response: the connection is closed mid-body).
  With the request header ``x-test-encoding: gzip`` the stream is gzip-compressed (each piece
  flushed on its own, so it still arrives piece by piece).
- ``/pings...``: 200 ``text/event-stream`` of ``ping`` events every 20 ms until the client goes
  away (then ``disconnected`` is set) or 20 s pass.
- ``/hang``: answers nothing until the client goes away (then ``disconnected`` is set), or
  answers 200 ``{}`` after 20 s.
- ``/slow``: sleeps ``slow_seconds`` before answering 200 ``{}``.
- ``/gzip``: 200 ``application/json`` gzip-compressed (``gzip_body``, ``content-encoding: gzip``).
- ``/hop``: 200 with hop-by-hop response headers (and one named in ``Connection``).
- ``/status/<code>``: that status with an API error JSON body (``overloaded_error`` for 529,
  ``rate_limit_error`` for 429, else ``api_error``).
Everything else: 404.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sseconv.serve import RunningServer, serving

__all__ = ["TIMEOUT_EVENT", "Cut", "FakeUpstream", "Gate", "Piece", "fake_upstream"]

TIMEOUT_EVENT = b"event: test-timeout\ndata: {}\n\n"
GATE_TIMEOUT = 5.0
ERROR_TYPES = {429: "rate_limit_error", 529: "overloaded_error", 404: "not_found_error"}

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]


class Gate:
    """A point in a stream where the upstream waits until ``open()`` is called."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.timed_out = False

    def open(self) -> None:
        self._event.set()

    async def wait(self) -> bool:
        deadline = time.monotonic() + GATE_TIMEOUT
        while not self._event.is_set():
            if time.monotonic() > deadline:
                self.timed_out = True
                return False
            await asyncio.sleep(0.002)
        return True


class Cut:
    """The end of a stream that never finishes: the response is left incomplete."""


Piece = bytes | Gate | Cut


@dataclass
class FakeUpstream:
    streams: dict[str, Sequence[Piece]] = field(default_factory=dict)
    slow_seconds: float = 2.0
    gzip_body: bytes = b'{"zipped": true}'
    requests: list[dict[str, Any]] = field(default_factory=list)
    disconnected: threading.Event = field(default_factory=threading.Event)
    server: RunningServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                kind = (await receive())["type"]
                await send({"type": f"{kind}.complete"})
                if kind == "lifespan.shutdown":
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        raw_path: bytes = scope["raw_path"]
        record = {
            "method": scope["method"],
            "raw_path": raw_path.decode("latin-1"),
            "query": scope["query_string"].decode("latin-1"),
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
            "body": body.decode("latin-1"),
        }
        self.requests.append(record)
        path = scope["path"]
        if path.startswith("/echo"):
            await _whole(send, 200, json.dumps(record).encode())
        elif path.startswith("/stream/"):
            coding = dict(scope["headers"]).get(b"x-test-encoding", b"").decode() or None
            await self._stream(send, self.streams[path.removeprefix("/stream/")], coding)
        elif path.startswith("/pings"):
            await self._pings(receive, send)
        elif path == "/hang":
            await self._hang(receive, send)
        elif path == "/slow":
            await asyncio.sleep(self.slow_seconds)
            await _whole(send, 200, b"{}")
        elif path == "/gzip":
            data = gzip.compress(self.gzip_body)
            await _whole(send, 200, data, [(b"content-encoding", b"gzip")])
        elif path == "/hop":
            hop = [
                (b"keep-alive", b"timeout=5"),
                (b"proxy-authenticate", b"Basic"),
                (b"x-private-hop", b"1"),
                (b"connection", b"x-private-hop"),
                (b"x-kept", b"yes"),
            ]
            await _whole(send, 200, b"{}", hop)
        elif path.startswith("/status/"):
            code = int(path.removeprefix("/status/"))
            kind = ERROR_TYPES.get(code, "api_error")
            error = {"type": "error", "error": {"type": kind, "message": f"status {code}"}}
            await _whole(send, code, json.dumps(error).encode())
        else:
            await _whole(send, 404, b'{"type":"error"}')

    async def _stream(self, send: Send, pieces: Sequence[Piece], coding: str | None) -> None:
        headers = [(b"content-type", b"text/event-stream; charset=utf-8")]
        compressor = None
        if coding == "gzip":
            headers.append((b"content-encoding", b"gzip"))
            compressor = zlib.compressobj(wbits=zlib.MAX_WBITS | 16)
        await _start(send, 200, headers)
        for piece in pieces:
            if compressor is not None and isinstance(piece, bytes):  # each piece flushed
                piece = compressor.compress(piece) + compressor.flush(zlib.Z_SYNC_FLUSH)
            if isinstance(piece, Cut):
                return  # uvicorn closes the connection: the body is incomplete
            if isinstance(piece, Gate):
                if not await piece.wait():
                    await send(
                        {"type": "http.response.body", "body": TIMEOUT_EVENT, "more_body": True}
                    )
                continue
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        end = compressor.flush() if compressor is not None else b""
        await send({"type": "http.response.body", "body": end, "more_body": False})

    async def _hang(self, receive: Receive, send: Send) -> None:
        """No answer until the client goes away (then ``disconnected`` is set) or 20 s pass."""
        try:
            message = await asyncio.wait_for(receive(), 20)
        except asyncio.TimeoutError:
            message = {"type": "timeout"}
        if message["type"] == "http.disconnect":
            self.disconnected.set()
            return
        await _whole(send, 200, b"{}")

    async def _pings(self, receive: Receive, send: Send) -> None:
        await _start(send, 200, [(b"content-type", b"text/event-stream")])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            ping = b'event: ping\ndata: {"type": "ping"}\n\n'
            await send({"type": "http.response.body", "body": ping, "more_body": True})
            try:
                message = await asyncio.wait_for(receive(), 0.02)
            except asyncio.TimeoutError:
                continue
            if message["type"] == "http.disconnect":
                self.disconnected.set()
                return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _start(send: Send, status: int, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def _whole(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    all_headers = [(b"content-type", b"application/json"), *(headers or [])]
    all_headers.append((b"content-length", str(len(body)).encode()))
    await _start(send, status, all_headers)
    await send({"type": "http.response.body", "body": body, "more_body": False})


@contextmanager
def fake_upstream(streams: Mapping[str, Sequence[Piece]] | None = None) -> Iterator[FakeUpstream]:
    """A :class:`FakeUpstream` served on 127.0.0.1 for the ``with`` block."""
    upstream = FakeUpstream(streams=dict(streams or {}))
    with serving(upstream) as server:
        upstream.server = server
        yield upstream
