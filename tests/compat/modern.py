"""Read Messages streams in-process with today's ``anthropic`` SDK (on ``httpx2``).

The client gets ``http_client=httpx2.Client(transport=httpx2.MockTransport(handler))`` whose
handler answers every request with the given bytes as a ``200 text/event-stream`` body, in
pieces of ``chunk_size`` bytes (default: four roughly equal pieces). Nothing touches the network.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anthropic
import httpx2
from anthropic.types import MessageParam

from .results import ErrorInfo, MessagesCreateResult, MessagesResult, RequestInfo
from .server import split_chunks

__all__ = [
    "MockAPI",
    "aread_messages",
    "aread_messages_create",
    "read_messages",
    "read_messages_async",
    "read_messages_create",
    "read_messages_create_async",
]

SDK = f"anthropic=={anthropic.__version__}"
MODEL = "claude-compat-test"  # not in the SDK's deprecated-model list: no warning
MAX_TOKENS = 64
MESSAGES: list[MessageParam] = [{"role": "user", "content": "Hello"}]


class _Body(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


class MockAPI:
    """A fake API answering every request with ``stream``; records the requests it saw."""

    def __init__(
        self,
        stream: bytes,
        *,
        chunk_size: int | None = None,
        status: int = 200,
        content_type: str = "text/event-stream",
    ) -> None:
        self.chunks = split_chunks(stream, chunk_size)
        self.status = status
        self.content_type = content_type
        self.requests: list[RequestInfo] = []

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(
            {
                "method": request.method,
                "path": request.url.path,
                "headers": dict(request.headers),
                "json": json.loads(request.content) if request.content else None,
            }
        )
        return httpx2.Response(
            self.status,
            headers={"content-type": self.content_type},
            stream=_Body(self.chunks),
        )

    def client(self) -> anthropic.Anthropic:
        transport = httpx2.MockTransport(self.handler)
        return anthropic.Anthropic(
            api_key="test-key",
            base_url="http://compat.test",
            http_client=httpx2.Client(transport=transport),
            max_retries=0,
        )

    def async_client(self) -> anthropic.AsyncAnthropic:
        transport = httpx2.MockTransport(self.handler)
        return anthropic.AsyncAnthropic(
            api_key="test-key",
            base_url="http://compat.test",
            http_client=httpx2.AsyncClient(transport=transport),
            max_retries=0,
        )

    @property
    def last_request(self) -> RequestInfo | None:
        return self.requests[-1] if self.requests else None


def _error(exc: BaseException) -> ErrorInfo:
    return {
        "type": type(exc).__name__,
        "module": type(exc).__module__,
        "message": str(exc),
        "status_code": getattr(exc, "status_code", None),
        "body": json.loads(json.dumps(getattr(exc, "body", None), default=repr)),
    }


def _messages_result(
    mode: str, texts: list[str], message: Any, error: BaseException | None, api: MockAPI
) -> MessagesResult:
    content: list[dict[str, Any]] = []
    data: dict[str, Any] | None = None
    if message is not None:
        data = message.to_dict(mode="json", warnings=False)
        content = [block.to_dict(mode="json", warnings=False) for block in message.content]
    return {
        "sdk": SDK,
        "mode": mode,
        "texts": texts,
        "text": "".join(b.get("text", "") for b in content if b.get("type") == "text"),
        "id": data.get("id") if data else None,
        "model": data.get("model") if data else None,
        "role": data.get("role") if data else None,
        "stop_reason": data.get("stop_reason") if data else None,
        "stop_sequence": data.get("stop_sequence") if data else None,
        "content_types": [str(b.get("type")) for b in content],
        "content": content,
        "usage": data.get("usage") if data else None,
        "message": data,
        "error": None if error is None else _error(error),
        "request": api.last_request,
    }


def read_messages(stream: bytes, *, chunk_size: int | None = None) -> MessagesResult:
    """Read ``stream`` the way most users do: ``messages.stream()``, ``text_stream``, then
    ``get_final_message()``. On an exception, ``error`` is set and the message fields hold the
    snapshot accumulated so far (if a ``message_start`` arrived)."""
    api = MockAPI(stream, chunk_size=chunk_size)
    texts: list[str] = []
    message: Any = None
    error: BaseException | None = None
    opened: Any = None
    try:
        with (
            api.client() as client,
            client.messages.stream(model=MODEL, max_tokens=MAX_TOKENS, messages=MESSAGES) as s,
        ):
            opened = s
            for text in s.text_stream:
                texts.append(text)
            message = s.get_final_message()
    except Exception as exc:
        error = exc
        message = _snapshot(opened)
    return _messages_result("stream", texts, message, error, api)


async def aread_messages(stream: bytes, *, chunk_size: int | None = None) -> MessagesResult:
    """:func:`read_messages` with ``AsyncAnthropic``."""
    api = MockAPI(stream, chunk_size=chunk_size)
    texts: list[str] = []
    message: Any = None
    error: BaseException | None = None
    opened: Any = None
    try:
        async with api.async_client() as client:
            manager = client.messages.stream(model=MODEL, max_tokens=MAX_TOKENS, messages=MESSAGES)
            async with manager as s:
                opened = s
                async for text in s.text_stream:
                    texts.append(text)
                message = await s.get_final_message()
    except Exception as exc:
        error = exc
        message = _snapshot(opened)
    return _messages_result("async-stream", texts, message, error, api)


def _snapshot(s: Any) -> Any:
    if s is None:
        return None
    try:
        return s.current_message_snapshot
    except AssertionError:
        return None


class _CreateCollector:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.texts: list[str] = []
        self.start: dict[str, Any] = {}
        self.delta: dict[str, Any] = {}

    def add(self, event: Any) -> None:
        data: dict[str, Any] = event.to_dict(mode="json", warnings=False)
        self.events.append(data)
        kind = data.get("type")
        if kind == "message_start":
            self.start = data.get("message") or {}
        elif kind == "message_delta":
            self.delta = data.get("delta") or {}
        elif kind == "content_block_delta":
            delta = data.get("delta") or {}
            if delta.get("type") == "text_delta":
                self.texts.append(delta.get("text", ""))

    def result(self, mode: str, error: BaseException | None, api: MockAPI) -> MessagesCreateResult:
        return {
            "sdk": SDK,
            "mode": mode,
            "event_types": [str(e.get("type")) for e in self.events],
            "events": self.events,
            "texts": self.texts,
            "text": "".join(self.texts),
            "id": self.start.get("id"),
            "model": self.start.get("model"),
            "stop_reason": self.delta.get("stop_reason"),
            "stop_sequence": self.delta.get("stop_sequence"),
            "error": None if error is None else _error(error),
            "request": api.last_request,
        }


def read_messages_create(stream: bytes, *, chunk_size: int | None = None) -> MessagesCreateResult:
    """Read ``stream`` as raw events with ``messages.create(stream=True)``."""
    api = MockAPI(stream, chunk_size=chunk_size)
    collector = _CreateCollector()
    error: BaseException | None = None
    with api.client() as client:
        try:
            events = client.messages.create(
                model=MODEL, max_tokens=MAX_TOKENS, messages=MESSAGES, stream=True
            )
            with events:
                for event in events:
                    collector.add(event)
        except Exception as exc:
            error = exc
    return collector.result("create", error, api)


async def aread_messages_create(
    stream: bytes, *, chunk_size: int | None = None
) -> MessagesCreateResult:
    """:func:`read_messages_create` with ``AsyncAnthropic``."""
    api = MockAPI(stream, chunk_size=chunk_size)
    collector = _CreateCollector()
    error: BaseException | None = None
    async with api.async_client() as client:
        try:
            events = await client.messages.create(
                model=MODEL, max_tokens=MAX_TOKENS, messages=MESSAGES, stream=True
            )
            async with events:
                async for event in events:
                    collector.add(event)
        except Exception as exc:
            error = exc
    return collector.result("async-create", error, api)


def read_messages_async(stream: bytes, *, chunk_size: int | None = None) -> MessagesResult:
    """:func:`aread_messages` run to completion in a fresh event loop (no pytest plugin needed)."""
    return asyncio.run(aread_messages(stream, chunk_size=chunk_size))


def read_messages_create_async(
    stream: bytes, *, chunk_size: int | None = None
) -> MessagesCreateResult:
    """:func:`aread_messages_create` run to completion in a fresh event loop."""
    return asyncio.run(aread_messages_create(stream, chunk_size=chunk_size))
