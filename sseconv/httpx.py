"""httpx adapters: model events from responses, and a transport that converts streams on the fly.

This is the only sseconv module that imports ``httpx`` (and ``httpx_sse``); the same transport
for ``httpx2`` is :mod:`sseconv.httpx2`.

Reading::

    with httpx.Client() as client, client.stream("POST", url, json=body, headers=h) as response:
        for event in sseconv.httpx.iter_events(response):  # any dialect, detected
            ...

    with sseconv.httpx.connect(client, "POST", url, json=body) as events:  # via httpx-sse
        for event in events: ...

Converting responses (a 2023 client served by anything that streams another dialect, e.g. a
replayed recording; a 2023 client against today's API also needs its *requests* translated:
``complete_via_messages=True``)::

    http_client = httpx.Client(transport=ConvertingTransport(httpx.HTTPTransport()))

Errors raised while a :class:`ConvertingTransport` converts are :class:`ConversionTransportError`
instances: an :class:`~sseconv.SSEConvError` *and* the client library's own
``TransportError``, chained ``from`` the original sseconv error, so that retry and error
handling written for the client library keep working::

    SSEConvError
    └── ConversionTransportError        (catch this for either library)
        ├── HTTPXConversionError        also httpx.TransportError   (sseconv.httpx)
        └── HTTPX2ConversionError       also httpx2.TransportError  (sseconv.httpx2)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing, asynccontextmanager, closing, contextmanager
from typing import TYPE_CHECKING, Any, cast

import httpx
import httpx_sse

from ._client_responses import DECODABLE, note_response, response_of
from ._convert import EventReader
from ._dialect import Dialect
from ._errors import APIError, NotEventStreamError, SSEConvError
from ._events import ModelEvent
from ._iterate import AsyncItems, Items
from ._legacy_adapter import Stream, abyte_chunks, byte_chunks
from ._options import ReadOptions, unknown_option
from ._report import Report
from ._sse import ServerSentEvent
from ._transport import (
    REPORT_EXTENSION,
    AsyncBody,
    AsyncConverting,
    ConversionTransportError,
    SyncBody,
    SyncConverting,
)

if TYPE_CHECKING:
    import httpx2
    from typing_extensions import Unpack

__all__ = [
    "DECODABLE",
    "REPORT_EXTENSION",
    "APIError",
    "AsyncConvertingTransport",
    "AsyncEventIterator",
    "ConnectOptions",
    "ConversionTransportError",
    "ConvertingTransport",
    "EventIterator",
    "HTTPXConversionError",
    "NotEventStreamError",
    "aconnect",
    "aiter_events",
    "connect",
    "from_httpx_sse",
    "iter_events",
    "to_httpx_sse",
]


# -- model events from responses, event sources and event iterables ------------------------------


class _Events:
    """What :class:`EventIterator` and :class:`AsyncEventIterator` share: the reader, the
    response, and the step that reads each chunk (run by :mod:`sseconv._iterate`)."""

    def __init__(self, stream: Stream, reader: EventReader) -> None:
        self.reader: EventReader = reader
        self.report: Report = reader.report
        self._view = response_of(stream)
        self.response = self._view.obj if self._view is not None else None

    @property
    def source(self) -> Dialect | None:
        """The dialect read (``None`` until detected)."""
        return self.reader.source

    def _step(self, chunk: bytes | None) -> Iterator[ModelEvent]:
        """The events of one more chunk (``None``: the end); on bad input, the events before
        the bad one, then the error."""
        try:
            events = self.reader.close() if chunk is None else self.reader.feed(chunk)
        except SSEConvError as exc:
            note_response(exc, self._view)
            events, exc.events = exc.events, []
            yield from events
            raise
        yield from events


class EventIterator(_Events, Items[ModelEvent]):
    """Model events read from a stream: what :func:`iter_events` returns and :func:`connect`
    yields.

    Attributes:
        reader: the :class:`~sseconv.EventReader` doing the work.
        report: its :class:`~sseconv.Report` (complete once the iterator is exhausted;
            ``report.finished`` tells whether the stream really finished).
        response: the response read, when the stream is one (or an event source's).
        source: the dialect read (``None`` until detected).

    ``close()`` stops reading; the response (if any) is left to its owner to close.
    """

    def __init__(self, stream: Stream, reader: EventReader) -> None:
        _Events.__init__(self, stream, reader)
        Items.__init__(self, byte_chunks(stream), self._step)


class AsyncEventIterator(_Events, AsyncItems[ModelEvent]):
    """Async twin of :class:`EventIterator` (from :func:`aiter_events` and :func:`aconnect`).
    ``aclose()`` stops reading (the response is left to its owner to close)."""

    def __init__(self, stream: Stream, reader: EventReader) -> None:
        _Events.__init__(self, stream, reader)
        AsyncItems.__init__(self, abyte_chunks(stream), self._step)


def iter_events(stream: Stream, /, **options: Unpack[ReadOptions]) -> EventIterator:
    """Yield the model events of a stream in any dialect.

    Args:
        stream: an ``httpx.Response`` (or ``httpx2.Response``) opened with ``stream=True``, its
            raw body read with ``iter_raw()`` (sseconv undoes the content-encoding, so that a
            corrupt or cut compressed body is an error) through sseconv's parser (never through
            httpx-sse's decoder); an ``httpx_sse.EventSource`` (its response is read the same
            way); a ``requests.Response``; any iterable of ``httpx_sse.ServerSentEvent`` or
            :class:`sseconv.ServerSentEvent` (e.g. ``event_source.iter_sse()``), or of any
            object with ``event``, ``data``, ``id`` and ``retry`` (``httpx2`` events); bytes, a
            binary file, or an iterable of byte chunks.
        options: the reading options (:class:`~sseconv.types.ReadOptions`: see
            :class:`sseconv.Options`); the dialect is detected unless ``source`` is given.

    Events from httpx-sse have lost the difference between a data-only event and one named
    ``message``: an event named ``message`` is read as data-only (so a legacy stream read
    through httpx-sse works; no Anthropic dialect names an event ``message``), byte offsets in
    errors count in the re-encoded events, and httpx-sse holds a CR that ends a read until
    more bytes come, so such an event may arrive late. Reading the response itself loses
    nothing.

    Returns:
        An :class:`EventIterator` (its ``report`` tells what was read).

    Raises:
        UsageError: an unknown option or a wrong value (before anything is read).
        NotEventStreamError: the response's status is not 2xx or its content-type is not
            ``text/event-stream`` (raised at once, after reading the first
            :data:`~sseconv.types.BODY_LIMIT` bytes of its body into ``exc.body``; ``exc.response``
            is the response); :class:`~sseconv.APIError` for the API's error answer. Also, at
            the end, for a body in which no line is an SSE line (e.g. JSON sent as
            ``text/event-stream``), and for a body that cannot be decoded.
        SSEConvError: bad input, when reached (events before the bad one are yielded first).
    """
    return EventIterator(stream, EventReader(**options))


def aiter_events(stream: Stream, /, **options: Unpack[ReadOptions]) -> AsyncEventIterator:
    """Async twin of :func:`iter_events`: a response is read with ``aiter_raw()`` (or an
    ``aiohttp`` response's ``content``) and checked when the first event is asked for; async
    and sync iterables of chunks or events are accepted (``event_source.aiter_sse()``, lists,
    …)."""
    return AsyncEventIterator(stream, EventReader(**options))


class ConnectOptions(ReadOptions, total=False):
    """The keyword arguments of :func:`connect` and :func:`aconnect`: the reading options and
    those of ``client.stream``."""

    content: Any
    data: Any
    files: Any
    json: Any
    params: Any
    headers: Any
    cookies: Any
    auth: Any
    follow_redirects: bool
    timeout: Any
    extensions: Any


def _reader_and_request(kwargs: dict[str, Any]) -> tuple[EventReader, dict[str, Any]]:
    """The reader (its options checked before anything is sent) and ``client.stream``'s
    keyword arguments."""
    names = ConnectOptions.__annotations__
    for name in kwargs:
        if name not in names:
            raise unknown_option(name, list(names))
    reading = {k: v for k, v in kwargs.items() if k in ReadOptions.__annotations__}
    request = {k: v for k, v in kwargs.items() if k not in reading}
    return EventReader(**reading), request


@contextmanager
def connect(
    client: httpx.Client | httpx2.Client,
    method: str,
    url: str,
    **kwargs: Unpack[ConnectOptions],
) -> Iterator[EventIterator]:
    """Open a stream with ``httpx_sse.connect_sse`` and yield its model events.

    ``kwargs`` are the reading options of :func:`iter_events` and the arguments of
    ``client.stream`` (``json=``, ``headers=``, …); httpx-sse adds
    ``Accept: text/event-stream`` and ``Cache-Control: no-store``. The body is read by sseconv's
    parser (lossless), not by httpx-sse's. The response is closed on leaving the block.

    Raises:
        UsageError: an unknown keyword argument or a wrong option value (nothing is sent).
        NotEventStreamError: the response's status is not 2xx or it is not
            ``text/event-stream``: :class:`~sseconv.APIError` for the API's error answer
            (``status_code``, ``error_type``, ``error_message``, ``body``, ``response``).
    """
    reader, request = _reader_and_request(dict(kwargs))
    with httpx_sse.connect_sse(cast(Any, client), method, url, **request) as event_source:
        events = EventIterator(event_source, reader)
        with closing(events):
            yield events


@asynccontextmanager
async def aconnect(
    client: httpx.AsyncClient | httpx2.AsyncClient,
    method: str,
    url: str,
    **kwargs: Unpack[ConnectOptions],
) -> AsyncIterator[AsyncEventIterator]:
    """Async twin of :func:`connect`, on ``httpx_sse.aconnect_sse`` (the response is checked
    on entering the block, as there)."""
    reader, request = _reader_and_request(dict(kwargs))
    async with httpx_sse.aconnect_sse(cast(Any, client), method, url, **request) as event_source:
        view = response_of(event_source)
        assert view is not None
        await view.acheck()
        async with aclosing(AsyncEventIterator(event_source, reader)) as events:
            yield events


# -- the httpx flavour of the converting transports -------------------------------------------


class HTTPXConversionError(ConversionTransportError, httpx.TransportError):
    """The :class:`ConversionTransportError` of the httpx transports: also an
    ``httpx.TransportError``."""


class _SyncBody(SyncBody, httpx.SyncByteStream):
    """A converted httpx response body."""


class _AsyncBody(AsyncBody, httpx.AsyncByteStream):
    """A converted httpx response body, read asynchronously."""


class ConvertingTransport(SyncConverting[httpx.BaseTransport], httpx.BaseTransport):
    """Wraps an httpx transport; rewrites ``text/event-stream`` responses into another dialect.

    (For ``httpx2`` and today's ``anthropic`` SDK: :class:`sseconv.httpx2.ConvertingTransport`,
    the same with httpx2's classes.)

    Args:
        transport: the transport to wrap (``httpx.HTTPTransport()``, ``httpx.MockTransport``…).
        to: the dialect the client wants; ``None`` (default) takes it from the request's
            ``anthropic-version`` header and path (:func:`sseconv.dialect_for_version`).
        upstream_version: the ``anthropic-version`` sent upstream on ``/v1/complete``
            (default ``"2023-06-01"``, so a 2023-01-01 client can talk to a server that only
            speaks 2023-06-01); ``None`` sends the client's own. On ``/v1/messages`` the
            client's version is always sent. With ``complete_via_messages``, the version sent
            with the translated ``/v1/messages`` request (``None``: ``"2023-06-01"``).
        complete_via_messages: serve ``/v1/complete`` from ``/v1/messages`` (today's API has
            no live model on ``/v1/complete``): the request is translated by
            :class:`sseconv.translate.CompleteExchange` and sent to the same base URL's
            ``/v1/messages``; the answer (stream or not, errors too) comes back in the dialect
            of the client's ``anthropic-version``. A request that cannot be translated (bad
            version, refused prompt) is answered at once with a 400 and the API's error JSON,
            without calling upstream. ``to`` does not apply to these requests.
        models: the retired-model table for those requests (default
            :data:`sseconv.translate.RETIRED_MODELS`).
        converter_options: every option of :class:`sseconv.Options`, checked at once; the
            upstream dialect is detected unless ``source`` is given.

    Which responses are converted: those whose ``content-type`` is ``text/event-stream``, to
    requests for which a target is known (``to`` given, or a valid ``anthropic-version`` on a
    path ending in ``/v1/complete`` or ``/v1/messages``). Every other response, and the request
    of an undecided one, pass untouched.

    For a converted request, ``Accept-Encoding`` keeps only the codings sseconv can undo
    (gzip, deflate, br when ``brotli`` is installed; identity otherwise); a compressed event
    stream is decoded and its ``content-encoding`` and ``content-length`` headers are dropped.

    Each output event is passed on as soon as the upstream event causing it is complete;
    closing the response closes the upstream one. The conversion's :class:`~sseconv.Report`
    is ``response.extensions["sseconv.report"]`` (complete once the body is read). Bad input
    raises :class:`HTTPXConversionError` while the body is read, after the output converted
    before the bad event.
    """

    library = httpx
    error = HTTPXConversionError
    body = _SyncBody


class AsyncConvertingTransport(AsyncConverting[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport):
    """Async twin of :class:`ConvertingTransport` (wraps ``httpx.AsyncHTTPTransport``, …)."""

    library = httpx
    error = HTTPXConversionError
    body = _AsyncBody


# -- httpx-sse events ------------------------------------------------------------------------------


def to_httpx_sse(event: ServerSentEvent) -> httpx_sse.ServerSentEvent:
    """The ``httpx_sse.ServerSentEvent`` equivalent to an sseconv event.

    The mapping loses information: httpx-sse has no "no event line" state, so ``None``
    becomes ``"message"``, and a missing id becomes ``""``.
    """
    return httpx_sse.ServerSentEvent(
        event="message" if event.event is None else event.event,
        data=event.data,
        id="" if event.id is None else event.id,
        retry=event.retry,
    )


def from_httpx_sse(event: httpx_sse.ServerSentEvent) -> ServerSentEvent:
    """An sseconv event from an ``httpx_sse.ServerSentEvent``, field by field.

    httpx-sse reports a missing event line as ``"message"``; that is kept as ``"message"``
    (the information is already gone). An empty id becomes ``None``.
    """
    return ServerSentEvent(event.event, event.data, event.id or None, event.retry)
