"""Replaying a recorded stream as a live ``text/event-stream`` response (an ASGI app).

:class:`ReplayApp` answers every request with the next recorded stream (in turn, starting
again after the last), one event per write, waiting before each event as its
:class:`ReplayStream` says; with a target dialect, each event is converted when it is sent
(a :class:`~sseconv.Converter` per response). It is served by uvicorn through
:mod:`sseconv.serve`'s helpers (the ``serve`` extra), on loopback unless told otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ._convert import Converter
from ._dialect import Dialect
from ._errors import SSEConvError, UsageError
from ._options import ConvertOptions
from ._sse import SSEParser

__all__ = ["ReplayApp", "ReplayStream", "even_pacing", "recorded_pacing", "split_events"]

_log = logging.getLogger("sseconv.replay")
_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]


def split_events(data: bytes) -> list[bytes]:
    """Cut a stream's bytes into events, each with its blank line: bytes that dispatch no event
    (comments, ``id:``-only blocks) go with the next event, and trailing bytes after the last
    event (a block without its blank line) form a last piece of their own."""
    parser = SSEParser(max_event_size=max(len(data) + 1, 1))
    events = parser.feed(data) + parser.close()
    pieces: list[bytes] = []
    start = 0
    for event in events:
        assert event.end is not None  # (a parsed event)
        if event.end > start:
            pieces.append(data[start : event.end])
            start = event.end
    if start < len(data):
        pieces.append(data[start:])
    return pieces


def even_pacing(count: int, delay: float) -> list[float]:
    """``delay`` seconds before every event but the first."""
    if type(delay) not in (int, float) or not 0 <= delay < math.inf:
        raise UsageError(f"expected a delay of 0 seconds or more, found {delay!r}")
    return [0.0] + [delay] * max(0, count - 1)


def recorded_pacing(pieces: Sequence[bytes], wait: float, receive: float) -> list[float]:
    """The pace of a recording that says how long the response took: ``wait`` seconds before
    the first event (the time to the first byte), then ``receive`` seconds spread over the
    events in proportion to their sizes (as they arrived over the wire)."""
    total = sum(len(piece) for piece in pieces) or 1
    delays = [max(0.0, receive) * len(piece) / total for piece in pieces]
    if delays:
        delays[0] = max(0.0, wait)
    return delays


@dataclass(frozen=True)
class ReplayStream:
    """One recorded stream, ready to serve: its ``pieces`` (one event each, see
    :func:`split_events`), the seconds to wait before each (``delays``), a ``label`` for logs
    and the ``source`` dialect (needed when converting; detected when ``None``)."""

    pieces: tuple[bytes, ...]
    delays: tuple[float, ...]
    label: str = "stream"
    source: Dialect | None = None

    def __post_init__(self) -> None:
        if len(self.pieces) != len(self.delays):
            raise UsageError(
                f"expected one delay per event, found {len(self.delays)} for {len(self.pieces)}"
            )


@dataclass
class ReplayApp:
    """An ASGI app serving recorded streams; each request gets the next one.

    ``to`` converts each event as it is sent (``None``: the recorded bytes), with
    ``converter_options`` (each stream's ``source`` in place of theirs). Any method and
    path are answered (the request body is read and ignored) with ``200`` and
    ``content-type: text/event-stream; charset=utf-8``; a client that goes away stops its
    replay.
    """

    streams: Sequence[ReplayStream]
    to: Dialect | None = None
    converter_options: ConvertOptions = field(default_factory=lambda: ConvertOptions())
    served: int = 0

    def __post_init__(self) -> None:
        if not self.streams:
            raise UsageError("expected at least one stream to replay")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                kind = (await receive())["type"]  # lifespan.startup, then lifespan.shutdown
                await send({"type": f"{kind}.complete"})
                if kind == "lifespan.shutdown":
                    return
        if scope["type"] != "http":
            return
        stream = self.streams[self.served % len(self.streams)]
        self.served += 1
        gone = asyncio.Event()
        watcher = asyncio.ensure_future(_watch(receive, gone))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
            await self._replay(stream, send, gone)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()

    def converter(self, stream: ReplayStream) -> Converter | None:
        """A fresh converter for a replay of ``stream`` (``None`` when not converting)."""
        if self.to is None:
            return None
        return Converter(self.to, **(self.converter_options | {"source": stream.source}))

    async def _replay(self, stream: ReplayStream, send: Any, gone: asyncio.Event) -> None:
        converter = self.converter(stream)
        for number, (piece, delay) in enumerate(zip(stream.pieces, stream.delays, strict=True)):
            if delay > 0:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(gone.wait(), delay)
            if gone.is_set():
                return
            data, failed = piece, False
            if converter is not None:
                try:
                    data = converter.feed(piece)
                    if number == len(stream.pieces) - 1:
                        data += converter.close()
                except SSEConvError as exc:
                    _log.warning("%s: %s; the replay stops here", stream.label, exc)
                    data, failed = exc.output, True
            for event in [data] if converter is None else split_events(data):
                await send({"type": "http.response.body", "body": event, "more_body": True})
            if failed:
                return


async def _watch(receive: Any, gone: asyncio.Event) -> None:
    """Read the request (its body is ignored) until the client disconnects."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            gone.set()
            return
