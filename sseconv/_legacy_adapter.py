"""The dicts a 2023-01-01 client yielded, read from a stream in any dialect.

Code written against the old ``anthropic`` client's ``completion_stream()`` iterated over one
dict per completion event, each holding the *whole* completion so far::

    {"completion": " Hello!", "stop": None, "stop_reason": None, "truncated": False,
     "log_id": "…", "model": "claude-v1", "exception": None}

:func:`legacy_completions` (and :func:`alegacy_completions`) yield exactly those dicts from a
stream in any dialect, so such code keeps working after one import. The stream is converted
with ``Converter(to="legacy")`` and each ``data:`` line of the legacy output is parsed with
``json.loads``, skipping pings and ``[DONE]``: the dicts are by construction what an old
client would have parsed from the converted stream. As in the old client, a non-null
``exception`` is an ordinary dict (it is not raised).

This module also turns every kind of stream sseconv accepts into byte chunks (used by
:mod:`sseconv.httpx` too). It does not import httpx: responses and event sources are recognized
by their methods.

Streams accepted:

- ``bytes`` (a whole recording), or an iterable / async iterable of ``bytes`` chunks;
- an ``httpx.Response`` or ``httpx2.Response`` (read with ``iter_bytes()`` /
  ``aiter_bytes()``: the content encoding is undone, the text is decoded by sseconv's own
  parser, not by httpx or httpx-sse). A response whose ``content-type`` is present and not
  ``text/event-stream`` raises :class:`NotEventStreamError` (an API error answer is JSON);
- an ``httpx_sse.EventSource`` (read through its ``response``, as above: lossless);
- an iterable / async iterable of server-sent events: :class:`sseconv.ServerSentEvent`, or any
  object with ``event``, ``data``, ``id`` and ``retry`` attributes (``httpx_sse`` and
  ``httpx2`` events). Each is re-encoded and fed to the parser, so event numbers are kept and
  byte offsets in errors count in the re-encoded stream.

What is lost through httpx-sse: it reports an event without an ``event:`` line as
``"message"``. A legacy stream is data-only, so a foreign event named ``"message"`` is read as
a data-only event (an event really named ``message`` cannot be told apart; no Anthropic
dialect has one). Its events also carry no byte positions (offsets in errors count in the
re-encoded stream), and its decoder holds a CR that ends a read until more bytes come, so an
event whose blank line ends a read may arrive late. Reading the response (or the event
source) itself avoids all of this.
"""

from __future__ import annotations

import json
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Generator,
    Iterable,
    Iterator,
    Mapping,
)
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias

from ._codecs import Mode
from ._convert import DETECT_LIMIT, Converter
from ._dialect import Dialect
from ._errors import NotEventStreamError, SSEConvError, UsageError
from ._report import Report
from ._sse import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent, SSEParser, encode_sse

if TYPE_CHECKING:
    import datetime
    from collections.abc import Callable

__all__ = [
    "AsyncLegacyCompletions",
    "LegacyCompletions",
    "NotEventStreamError",
    "Stream",
    "alegacy_completions",
    "legacy_completions",
]


class _ServerSentEventLike(Protocol):
    """A server-sent event from another library (``httpx_sse``, ``httpx2``)."""

    @property
    def event(self) -> str | None: ...

    @property
    def data(self) -> str: ...

    @property
    def id(self) -> str | None: ...

    @property
    def retry(self) -> int | None: ...


class _ResponseLike(Protocol):
    """An ``httpx.Response`` or ``httpx2.Response``."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def status_code(self) -> int: ...

    def iter_bytes(self) -> Iterator[bytes]: ...

    def aiter_bytes(self) -> AsyncIterator[bytes]: ...


class _EventSourceLike(Protocol):
    """An ``httpx_sse.EventSource``."""

    @property
    def response(self) -> Any: ...

    def iter_sse(self) -> Iterator[Any]: ...


_Item: TypeAlias = bytes | bytearray | memoryview | ServerSentEvent | _ServerSentEventLike

#: Everything :func:`legacy_completions` and :func:`sseconv.httpx.iter_events` read.
Stream: TypeAlias = (
    bytes | bytearray | _ResponseLike | _EventSourceLike | Iterable[_Item] | AsyncIterable[_Item]
)


# -- any stream -> byte chunks ---------------------------------------------------------------


def _is_response(stream: object) -> bool:
    return hasattr(stream, "iter_bytes") and hasattr(stream, "headers")


def _is_event_source(stream: object) -> bool:
    return hasattr(stream, "iter_sse") and hasattr(stream, "response")


def check_event_stream(response: Any) -> None:
    """Raise :class:`NotEventStreamError` unless the response's ``content-type`` (when it has
    one) is ``text/event-stream``."""
    content_type = response.headers.get("content-type")
    if content_type is None:
        return
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "text/event-stream":
        status = getattr(response, "status_code", None)
        raise NotEventStreamError(
            f"expected a text/event-stream response, found content-type {content_type!r}"
            + (f" (status {status})" if status is not None else ""),
            status_code=status,
            content_type=content_type,
        )


def _response_of(stream: Any) -> Any:
    """The response to read, for a response or an event source; else ``None``."""
    if _is_event_source(stream):
        stream = stream.response
    if _is_response(stream):
        check_event_stream(stream)
        return stream
    return None


def _encode_item(item: Any) -> bytes:
    if isinstance(item, (bytes, bytearray, memoryview)):
        return bytes(item)
    if isinstance(item, ServerSentEvent):
        return encode_sse(item)
    if isinstance(item, str):
        raise UsageError("expected bytes or server-sent events, found str (encode it first)")
    try:
        event, data, event_id, retry = item.event, item.data, item.id, item.retry
    except AttributeError:
        raise UsageError(
            f"expected bytes or server-sent events, found {type(item).__name__}"
        ) from None
    if not event or event == "message":
        event = None  # what httpx-sse reports for an event without an event line
    return encode_sse(ServerSentEvent(event, data, event_id or None, retry))


def _not_a_stream(stream: object) -> UsageError:
    return UsageError(
        "expected bytes, a response, an event source or an iterable of byte chunks or "
        f"events, found {type(stream).__name__}"
    )


def byte_chunks(stream: Stream) -> Iterator[bytes]:
    """The byte chunks of any synchronous :data:`Stream` (see the module docstring).

    Raises:
        NotEventStreamError: a response that is not ``text/event-stream`` (raised at once).
        UsageError: something that is not a stream (at once), or an item that is neither
            bytes nor an event (when it is reached).
    """
    if isinstance(stream, (bytes, bytearray, memoryview)):
        return iter((bytes(stream),))
    response = _response_of(stream)
    if response is not None:
        return iter(response.iter_bytes())
    if isinstance(stream, str) or not isinstance(stream, Iterable):
        raise _not_a_stream(stream)
    return map(_encode_item, stream)


def abyte_chunks(stream: Stream) -> AsyncIterator[bytes]:
    """The byte chunks of any :data:`Stream`, synchronous or asynchronous (a response is read
    with ``aiter_bytes()``); raises as :func:`byte_chunks`."""
    if isinstance(stream, (bytes, bytearray, memoryview)):
        return _aiter((bytes(stream),))
    response = _response_of(stream)
    if response is not None:
        return aiter(response.aiter_bytes())
    if isinstance(stream, AsyncIterable):
        return _aencode(stream)
    if isinstance(stream, str) or not isinstance(stream, Iterable):
        raise _not_a_stream(stream)
    return _aiter(map(_encode_item, stream))


async def _aiter(chunks: Iterable[bytes]) -> AsyncGenerator[bytes, None]:
    for chunk in chunks:
        yield chunk


async def _aencode(items: AsyncIterable[Any]) -> AsyncGenerator[bytes, None]:
    async for item in items:
        yield _encode_item(item)


# -- legacy dicts ------------------------------------------------------------------------------


class _LegacyLines:
    """Parses the legacy output of a converter into the dicts an old client yielded."""

    def __init__(self) -> None:
        self._parser = SSEParser()

    def dicts(self, output: bytes) -> list[dict[str, Any]]:
        out = []
        for sse in self._parser.feed(output):
            if sse.event is None and sse.data != "[DONE]":
                out.append(json.loads(sse.data))
        return out


def _converter(
    source: Dialect | str | None,
    mode: Mode,
    pings: Literal["keep", "drop"],
    clock: Callable[[], datetime.datetime] | None,
    max_event_size: int,
    dispatch_incomplete: bool,
    detect_limit: int,
) -> Converter:
    return Converter(
        Dialect.LEGACY,
        source=source,
        mode=mode,
        pings=pings,
        clock=clock,
        max_event_size=max_event_size,
        dispatch_incomplete=dispatch_incomplete,
        detect_limit=detect_limit,
    )


class LegacyCompletions(Iterator[dict[str, Any]]):
    """The iterator :func:`legacy_completions` returns.

    Attributes:
        report: the conversion's :class:`~sseconv.Report` (complete once exhausted):
            ``report.finished`` tells whether the stream really finished, ``report.dropped``
            what had no place in a legacy stream (tool use, thinking, …).
    """

    def __init__(self, chunks: Iterable[bytes], converter: Converter) -> None:
        self.converter = converter
        self.report: Report = converter.report
        self._gen = self._run(chunks)

    def _run(self, chunks: Iterable[bytes]) -> Generator[dict[str, Any], None, None]:
        converter, lines = self.converter, _LegacyLines()
        try:
            for chunk in chunks:
                yield from lines.dicts(converter.feed(chunk))
            yield from lines.dicts(converter.close())
        except SSEConvError as exc:
            yield from lines.dicts(exc.output)
            raise

    def __next__(self) -> dict[str, Any]:
        return next(self._gen)

    def close(self) -> None:
        """Stop reading (closes the chunk iterator where it is a generator)."""
        self._gen.close()


class AsyncLegacyCompletions(AsyncIterator[dict[str, Any]]):
    """The async iterator :func:`alegacy_completions` returns; ``report`` as for
    :class:`LegacyCompletions`."""

    def __init__(self, chunks: AsyncIterable[bytes], converter: Converter) -> None:
        self.converter = converter
        self.report: Report = converter.report
        self._gen = self._run(chunks)

    async def _run(self, chunks: AsyncIterable[bytes]) -> AsyncGenerator[dict[str, Any], None]:
        converter, lines = self.converter, _LegacyLines()
        try:
            async for chunk in chunks:
                for item in lines.dicts(converter.feed(chunk)):
                    yield item
            for item in lines.dicts(converter.close()):
                yield item
        except SSEConvError as exc:
            for item in lines.dicts(exc.output):
                yield item
            raise

    async def __anext__(self) -> dict[str, Any]:
        return await self._gen.__anext__()

    async def aclose(self) -> None:
        """Stop reading."""
        await self._gen.aclose()


def legacy_completions(
    stream: Stream,
    /,
    *,
    source: Dialect | str | None = None,
    mode: Mode = "default",
    pings: Literal["keep", "drop"] = "keep",
    clock: Callable[[], datetime.datetime] | None = None,
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    dispatch_incomplete: bool = False,
    detect_limit: int = DETECT_LIMIT,
) -> LegacyCompletions:
    """Yield the dicts a 2023-01-01 client's ``completion_stream()`` yielded, from a stream in
    any dialect.

    Each dict has the keys ``completion`` (the whole text so far), ``stop``, ``stop_reason``,
    ``truncated``, ``log_id``, ``model`` and ``exception``, in that order (plus any unknown
    fields of the source). An error in the stream is one dict whose ``exception`` is
    ``"<type>: <message>"``, as the old API sent it. Each dict is yielded as soon as the input
    event that causes it is complete.

    Args:
        stream: bytes, byte chunks, a response, an event source or server-sent events (see
            the module docstring); synchronous only (use :func:`alegacy_completions` for async).
        source: the stream's dialect, or ``None`` to detect it.
        mode, pings, clock, max_event_size, dispatch_incomplete, detect_limit: as for
            :class:`sseconv.Converter`. Pings never reach the dicts (an old client skipped
            them); they only matter for the report.

    Returns:
        An iterator of dicts whose ``report`` tells what the conversion did.

    Raises:
        SSEConvError: bad input (the dicts converted before the bad event are yielded first);
            :class:`NotEventStreamError` for a response that is not an event stream.
    """
    converter = _converter(
        source, mode, pings, clock, max_event_size, dispatch_incomplete, detect_limit
    )
    return LegacyCompletions(byte_chunks(stream), converter)


def alegacy_completions(
    stream: Stream,
    /,
    *,
    source: Dialect | str | None = None,
    mode: Mode = "default",
    pings: Literal["keep", "drop"] = "keep",
    clock: Callable[[], datetime.datetime] | None = None,
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    dispatch_incomplete: bool = False,
    detect_limit: int = DETECT_LIMIT,
) -> AsyncLegacyCompletions:
    """Async twin of :func:`legacy_completions` (for ``acompletion_stream()`` code): takes
    async or sync streams (an ``httpx.AsyncClient`` response, async byte chunks, …)."""
    converter = _converter(
        source, mode, pings, clock, max_event_size, dispatch_incomplete, detect_limit
    )
    return AsyncLegacyCompletions(abyte_chunks(stream), converter)
