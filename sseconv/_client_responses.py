"""HTTP responses as byte chunks, with one behaviour for every client library.

Recognized by their methods (no client library is imported here):

- ``httpx`` / ``httpx2`` responses (``iter_raw``): the raw body is read and its
  ``content-encoding`` undone by sseconv (:mod:`sseconv._content`), so that a corrupt *or cut*
  compressed body is an error (a coding sseconv cannot undo, such as ``zstd``, is left to
  httpx: ``iter_bytes``); a response already read gives its ``content``;
- ``requests`` responses (``iter_content``): read with ``iter_content(chunk_size=None)``
  (each piece as it arrives; urllib3 undoes the content-encoding);
- ``aiohttp`` client responses (``content.iter_any()``; async only; aiohttp undoes the
  content-encoding).

Every response is checked before its body is streamed: its status must be 2xx and its
``content-type``, when present, ``text/event-stream``. Otherwise the first :data:`BODY_LIMIT`
bytes of the body are read and the response becomes a :class:`NotEventStreamError` (an
:class:`APIError` for the API's error answer) carrying the status, content-type, that body and
the response itself (left open for its owner). A body that its library cannot decode raises the
same error (the library's own decoding error is its ``__cause__``).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from ._body import BODY_LIMIT, is_event_stream_media, not_event_stream
from ._content import DECODABLE, ContentDecoder, accept_encoding, codings
from ._errors import NotEventStreamError, SSEConvError, UsageError
from ._iterate import aiterate

__all__ = [
    "DECODABLE",
    "ContentDecoder",
    "Response",
    "accept_encoding",
    "note_response",
    "response_of",
]


# The decoding errors of the client libraries (matched by name: none of them is imported).
_DECODING_ERRORS = frozenset(
    [("httpx", "DecodingError"), ("httpx2", "DecodingError"), ("requests", "ContentDecodingError")]
)


def _is_decoding_error(exc: BaseException) -> bool:
    for cls in type(exc).__mro__:
        if (cls.__module__.split(".", 1)[0], cls.__name__) in _DECODING_ERRORS:
            return True
        if cls.__name__ == "ClientPayloadError" and cls.__module__.startswith("aiohttp"):
            return "decode" in str(exc).lower()  # not a connection cut short
    return False


@dataclass
class Response:
    """A response of any client library, seen the same way."""

    obj: Any
    status_code: int | None
    headers: Any
    sync_body: Callable[[], Iterable[bytes]] | None = None
    async_body: Callable[[], AsyncIterator[bytes]] | None = None
    decode: bool = False  # undo the content-encoding here (the raw body is read)
    # the body in bounded reads, for the head of an error answer (default: sync_body)
    head_body: Callable[[], Iterable[bytes]] | None = None

    @property
    def info(self) -> dict[str, Any]:
        return {
            "status_code": self.status_code,
            "content_type": self.headers.get("content-type"),
            "response": self.obj,
        }

    def _problem(self) -> str | None:
        """Why the response is not an event stream, as far as the head says (``None``: it
        may be one)."""
        status = self.status_code
        if status is not None and not 200 <= status <= 299:
            return "expected a text/event-stream response, found an error status"
        content_type = self.headers.get("content-type")
        if content_type is not None and not is_event_stream_media(content_type):
            return f"expected a text/event-stream response, found content-type {content_type!r}"
        return None

    def _decoded(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        decoder = self._decoder()
        with self._reading():
            for chunk in chunks:
                yield decoder.decode(chunk)
        yield decoder.flush()

    async def _adecoded(self, chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        decoder = self._decoder()
        with self._reading():
            async for chunk in chunks:
                yield decoder.decode(chunk)
        yield decoder.flush()

    def _decoder(self) -> ContentDecoder:
        """Undoes the content-encoding where the raw body is read (else changes nothing)."""
        coding = self.headers.get("content-encoding") if self.decode else None
        return ContentDecoder(coding, self.info)

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A body that its library cannot decode: :class:`NotEventStreamError`."""
        try:
            yield
        except Exception as exc:
            if not _is_decoding_error(exc):
                raise
            message = f"expected a readable body, found an error: {exc}"
            raise NotEventStreamError(message, **self.info) from exc

    def chunks(self) -> Iterator[bytes]:
        """The body, checked at once: :class:`NotEventStreamError` (after reading the first
        bytes of the body) when the status or the content-type says that the response is not
        an event stream."""
        if self.sync_body is None:
            kind = type(self.obj).__name__
            raise UsageError(f"expected a response to read synchronously, found {kind}")
        problem = self._problem()
        if problem is not None:
            head = _head(self._decoded((self.head_body or self.sync_body)()))
            raise not_event_stream(head, reason=problem, **self.info)
        return self._decoded(self.sync_body())

    async def acheck(self) -> None:
        """:meth:`chunks`' check, asynchronously."""
        problem = self._problem()
        if problem is not None:
            head = await _ahead(self._abody())
            raise not_event_stream(head, reason=problem, **self.info)

    async def achunks(self) -> AsyncIterator[bytes]:
        """The body, checked when the first chunk is asked for."""
        await self.acheck()
        async for chunk in self._abody():
            yield chunk

    def _abody(self) -> AsyncIterator[bytes]:
        if self.async_body is None:  # a requests response: read blocking
            assert self.sync_body is not None
            return aiterate(self._decoded(self.sync_body()))
        return self._adecoded(self.async_body())


def _head(chunks: Iterable[bytes]) -> bytes:
    """The first :data:`BODY_LIMIT` bytes (or more) of a body; what was read before an
    error."""
    head = bytearray()
    with suppress(SSEConvError):
        for chunk in chunks:
            head += chunk
            if len(head) >= BODY_LIMIT:
                break
    return bytes(head)


async def _ahead(chunks: AsyncIterable[bytes]) -> bytes:
    """Async twin of :func:`_head`."""
    head = bytearray()
    with suppress(SSEConvError):
        async for chunk in chunks:
            head += chunk
            if len(head) >= BODY_LIMIT:
                break
    return bytes(head)


def response_of(stream: Any) -> Response | None:
    """The :class:`Response` view of a response or an ``httpx_sse.EventSource``; else
    ``None``."""
    if hasattr(stream, "iter_sse") and hasattr(stream, "response"):
        stream = stream.response  # an httpx_sse.EventSource
    headers = getattr(stream, "headers", None)
    if headers is None:
        return None
    if hasattr(stream, "iter_raw") and hasattr(stream, "status_code"):  # httpx, httpx2
        if getattr(stream, "is_stream_consumed", False):  # read already: its content
            read: bytes = stream.content
            return Response(stream, stream.status_code, headers, lambda: (read,))
        body = getattr(stream, "stream", None)  # an async client's cannot be read in sync
        ours = all(coding in DECODABLE for coding in codings(headers.get("content-encoding")))
        # (a coding only the library knows, such as zstd: its decoder, its errors made ours)
        sync = stream.iter_raw if ours else stream.iter_bytes
        async_ = stream.aiter_raw if ours else stream.aiter_bytes
        return Response(
            stream,
            stream.status_code,
            headers,
            sync if hasattr(body, "__iter__") else None,
            async_ if hasattr(body, "__aiter__") else None,
            decode=ours,
        )
    if hasattr(stream, "iter_content") and hasattr(stream, "status_code"):  # requests
        # each piece as it arrives; chunk_size=None reads a body with a content-length whole,
        # so the head of an error answer is read in bounded pieces
        return Response(
            stream,
            stream.status_code,
            headers,
            lambda: stream.iter_content(chunk_size=None),
            head_body=lambda: stream.iter_content(chunk_size=4096),
        )
    content: Any = getattr(stream, "content", None)
    if hasattr(content, "iter_any") and hasattr(stream, "status"):  # aiohttp
        return Response(stream, stream.status, headers, async_body=content.iter_any)
    return None


def note_response(exc: SSEConvError, response: Response | None) -> None:
    """Give a :class:`NotEventStreamError` raised while reading a response's body (e.g. a 200
    ``text/event-stream`` answer whose body is JSON) what is known of the response."""
    if response is not None and isinstance(exc, NotEventStreamError) and exc.response is None:
        for name, value in response.info.items():
            setattr(exc, name, value)
