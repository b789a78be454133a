"""httpx adapters: model events from responses, and a transport that converts streams on the fly.

This is the only sseconv module that imports ``httpx`` (and ``httpx_sse``). ``httpx2`` is never
imported here: it is used only when an ``httpx2`` object is handed in (it is then already
imported), so sseconv works without it.

Reading::

    with httpx.Client() as client, client.stream("POST", url, json=body, headers=h) as response:
        for event in sseconv.httpx.iter_events(response):  # any dialect, detected
            ...

    with sseconv.httpx.connect(client, "POST", url, json=body) as events:  # via httpx-sse
        for event in events: ...

Converting responses (today's SDK served by anything that streams a 2023 dialect, e.g. a
replayed recording; a 2023 client against today's API also needs its *requests* translated,
which this transport does not do: it rewrites responses only)::

    http_client = httpx2.Client(transport=ConvertingTransport(httpx2.HTTPTransport()))
    anthropic.Anthropic(http_client=http_client)

Errors raised while a :class:`ConvertingTransport` converts are :class:`ConversionTransportError`
instances: an :class:`~sseconv.SSEConvError` *and* the client library's own
``TransportError`` (``httpx.TransportError``, or ``httpx2.TransportError`` for httpx2), chained
``from`` the original sseconv error, so that retry and error handling written for the client
library keep working::

    SSEConvError
    └── ConversionTransportError        (catch this for either library)
        ├── <httpx flavour>             also httpx.TransportError
        └── <httpx2 flavour>            also httpx2.TransportError (made on first use)
"""

from __future__ import annotations

import sys
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Generator,
    Iterator,
    Mapping,
)
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any, cast, overload

import httpx
import httpx_sse

from ._body import is_event_stream_media
from ._client_responses import (
    DECODABLE,
    ContentDecoder,
    Response,
    accept_encoding,
    note_response,
    response_of,
)
from ._codecs import Mode
from ._convert import DETECT_LIMIT, Converter, EventReader
from ._dialect import Dialect
from ._errors import SSEConvError, UsageError
from ._events import ModelEvent
from ._exchange import CompleteExchange, check_upstream_version
from ._legacy_adapter import (
    APIError,
    NotEventStreamError,
    Stream,
    abyte_chunks,
    byte_chunks,
)
from ._report import Report
from ._requests import UPSTREAM_VERSION, RequestError
from ._sse import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent
from ._versions import dialect_for_version

if TYPE_CHECKING:
    import httpx2

__all__ = [
    "DECODABLE",
    "REPORT_EXTENSION",
    "APIError",
    "AsyncConvertingTransport",
    "AsyncEventIterator",
    "ConversionTransportError",
    "ConvertingTransport",
    "EventIterator",
    "NotEventStreamError",
    "aconnect",
    "aiter_events",
    "connect",
    "from_httpx_sse",
    "iter_events",
    "to_httpx_sse",
]

#: The response extension under which a converted response carries its :class:`Report`.
REPORT_EXTENSION = "sseconv.report"


# -- model events from responses, event sources and event iterables ------------------------------


def _reader(
    source: Dialect | str | None,
    mode: Mode,
    max_event_size: int,
    dispatch_incomplete: bool,
    detect_limit: int,
) -> EventReader:
    return EventReader(
        source=source,
        mode=mode,
        max_event_size=max_event_size,
        dispatch_incomplete=dispatch_incomplete,
        detect_limit=detect_limit,
    )


class EventIterator(Iterator[ModelEvent]):
    """Model events read from a stream: what :func:`iter_events` returns and :func:`connect`
    yields.

    Attributes:
        reader: the :class:`~sseconv.EventReader` doing the work.
        report: its :class:`~sseconv.Report` (complete once the iterator is exhausted;
            ``report.finished`` tells whether the stream really finished).
        response: the response read, when the stream is one (or an event source's).
    """

    def __init__(
        self, chunks: Iterator[bytes], reader: EventReader, response: Response | None = None
    ) -> None:
        self.reader: EventReader = reader
        self.report: Report = reader.report
        self.response = response.obj if response is not None else None
        self._gen = self._run(chunks, reader, response)

    @property
    def source(self) -> Dialect | None:
        """The dialect read (``None`` until detected)."""
        return self.reader.source

    @staticmethod
    def _run(
        chunks: Iterator[bytes], reader: EventReader, response: Response | None
    ) -> Generator[ModelEvent, None, None]:
        try:
            for chunk in chunks:
                yield from reader.feed(chunk)
            yield from reader.close()
        except SSEConvError as exc:
            note_response(exc, response)
            yield from exc.events
            exc.events = []
            raise

    def __next__(self) -> ModelEvent:
        return next(self._gen)

    def close(self) -> None:
        """Stop reading. The response (if any) is left to its owner to close."""
        self._gen.close()


class AsyncEventIterator(AsyncIterator[ModelEvent]):
    """Async twin of :class:`EventIterator` (from :func:`aiter_events` and :func:`aconnect`)."""

    def __init__(
        self, chunks: AsyncIterator[bytes], reader: EventReader, response: Response | None = None
    ) -> None:
        self.reader: EventReader = reader
        self.report: Report = reader.report
        self.response = response.obj if response is not None else None
        self._gen = self._run(chunks, reader, response)

    @property
    def source(self) -> Dialect | None:
        """The dialect read (``None`` until detected)."""
        return self.reader.source

    @staticmethod
    async def _run(
        chunks: AsyncIterator[bytes], reader: EventReader, response: Response | None
    ) -> AsyncGenerator[ModelEvent, None]:
        try:
            async for chunk in chunks:
                for event in reader.feed(chunk):
                    yield event
            for event in reader.close():
                yield event
        except SSEConvError as exc:
            note_response(exc, response)
            for event in exc.events:
                yield event
            exc.events = []
            raise

    async def __anext__(self) -> ModelEvent:
        return await self._gen.__anext__()

    async def aclose(self) -> None:
        """Stop reading. The response (if any) is left to its owner to close."""
        await self._gen.aclose()


def iter_events(
    stream: Stream,
    /,
    *,
    source: Dialect | str | None = None,
    mode: Mode = "default",
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    dispatch_incomplete: bool = False,
    detect_limit: int = DETECT_LIMIT,
) -> EventIterator:
    """Yield the model events of a stream in any dialect.

    Args:
        stream: an ``httpx.Response`` (or ``httpx2.Response``) opened with ``stream=True``, its
            raw body read with ``iter_raw()`` (sseconv undoes the content-encoding, so that a
            corrupt or cut compressed body is an error) through sseconv's parser (never through
            httpx-sse's decoder); an ``httpx_sse.EventSource`` (its response is read the same
            way); a ``requests.Response``;
            any iterable of ``httpx_sse.ServerSentEvent`` or :class:`sseconv.ServerSentEvent`
            (e.g. ``event_source.iter_sse()``); bytes, or an iterable of byte chunks.
        source: the dialect, or ``None`` to detect it from the first events.
        mode, max_event_size, dispatch_incomplete, detect_limit: as for
            :class:`sseconv.EventReader`.

    Events from httpx-sse have lost the difference between a data-only event and one named
    ``message``: an event named ``message`` is read as data-only (so a legacy stream read
    through httpx-sse works), and byte offsets in errors count in the re-encoded events.

    Returns:
        An :class:`EventIterator` (its ``report`` tells what was read).

    Raises:
        NotEventStreamError: the response's status is not 2xx or its content-type is not
            ``text/event-stream`` (raised at once, after reading the first
            :data:`~sseconv.BODY_LIMIT` bytes of its body into ``exc.body``; ``exc.response``
            is the response); :class:`~sseconv.APIError` for the API's error answer. Also, at
            the end, for a body in which no line is an SSE line (e.g. JSON sent as
            ``text/event-stream``), and for a body that cannot be decoded.
        SSEConvError: bad input, when reached (events before the bad one are yielded first).
    """
    reader = _reader(source, mode, max_event_size, dispatch_incomplete, detect_limit)
    return EventIterator(byte_chunks(stream), reader, response_of(stream))


def aiter_events(
    stream: Stream,
    /,
    *,
    source: Dialect | str | None = None,
    mode: Mode = "default",
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    dispatch_incomplete: bool = False,
    detect_limit: int = DETECT_LIMIT,
) -> AsyncEventIterator:
    """Async twin of :func:`iter_events`: a response is read with ``aiter_raw()`` (or an
    ``aiohttp`` response's ``content``) and checked when the first event is asked for; async
    and sync iterables of chunks or events are accepted (``event_source.aiter_sse()``, lists,
    …)."""
    reader = _reader(source, mode, max_event_size, dispatch_incomplete, detect_limit)
    return AsyncEventIterator(abyte_chunks(stream), reader, response_of(stream))


@contextmanager
def connect(
    client: httpx.Client | httpx2.Client,
    method: str,
    url: str,
    *,
    source: Dialect | str | None = None,
    mode: Mode = "default",
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    dispatch_incomplete: bool = False,
    detect_limit: int = DETECT_LIMIT,
    **kwargs: Any,
) -> Iterator[EventIterator]:
    """Open a stream with ``httpx_sse.connect_sse`` and yield its model events.

    ``kwargs`` go to ``client.stream`` (``json=``, ``headers=``, …); httpx-sse adds
    ``Accept: text/event-stream`` and ``Cache-Control: no-store``. The body is read by sseconv's
    parser (lossless), not by httpx-sse's. The response is closed on leaving the block.

    Raises:
        NotEventStreamError: the response's status is not 2xx or it is not
            ``text/event-stream``: :class:`~sseconv.APIError` for the API's error answer
            (``status_code``, ``error_type``, ``error_message``, ``body``, ``response``).
    """
    with httpx_sse.connect_sse(cast(Any, client), method, url, **kwargs) as event_source:
        events = iter_events(
            event_source,
            source=source,
            mode=mode,
            max_event_size=max_event_size,
            dispatch_incomplete=dispatch_incomplete,
            detect_limit=detect_limit,
        )
        try:
            yield events
        finally:
            events.close()


@asynccontextmanager
async def aconnect(
    client: httpx.AsyncClient | httpx2.AsyncClient,
    method: str,
    url: str,
    *,
    source: Dialect | str | None = None,
    mode: Mode = "default",
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    dispatch_incomplete: bool = False,
    detect_limit: int = DETECT_LIMIT,
    **kwargs: Any,
) -> AsyncGenerator[AsyncEventIterator, None]:
    """Async twin of :func:`connect`, on ``httpx_sse.aconnect_sse`` (the response is checked
    on entering the block, as there)."""
    async with httpx_sse.aconnect_sse(cast(Any, client), method, url, **kwargs) as event_source:
        view = response_of(event_source)
        assert view is not None
        await view.acheck()
        events = aiter_events(
            event_source,
            source=source,
            mode=mode,
            max_event_size=max_event_size,
            dispatch_incomplete=dispatch_incomplete,
            detect_limit=detect_limit,
        )
        try:
            yield events
        finally:
            await events.aclose()


# -- errors ---------------------------------------------------------------------------------------

if TYPE_CHECKING:
    _ErrorBase = httpx.TransportError
else:
    _ErrorBase = object  # the client library's TransportError is added by each flavour


class ConversionTransportError(SSEConvError, _ErrorBase):
    """A stream could not be converted by a :class:`ConvertingTransport`.

    Raised instances are also the client library's ``TransportError`` (``httpx`` or
    ``httpx2``: each library gets its own subclass, so that no ``httpx`` class reaches an
    ``httpx2`` user), with ``request`` set; ``__cause__`` is the original sseconv error, whose
    message, dialect, event number and byte offset are copied.
    """

    @classmethod
    def wrap(cls, error: SSEConvError, request: Any) -> ConversionTransportError:
        wrapped = cls(
            error.message,
            dialect=error.dialect,
            event_number=error.event_number,
            offset=error.offset,
            output=error.output,
        )
        wrapped.request = request
        return wrapped


# -- content decoding: sseconv._client_responses ------------------------------------------------


def _is_event_stream(headers: Any) -> bool:
    return is_event_stream_media(headers.get("content-type"))


# -- converted response bodies ------------------------------------------------------------------


class _Body:
    """A converted response body: each upstream chunk is decoded and fed to a Converter."""

    def __init__(
        self,
        upstream: Any,
        converter: Converter,
        decoder: ContentDecoder,
        wrap: Callable[[SSEConvError], ConversionTransportError],
    ) -> None:
        self._upstream = upstream
        self._converter = converter
        self._decoder = decoder
        self._wrap = wrap
        self._view = response_of(upstream)  # for errors: what the upstream answered


class _SyncBody(_Body):
    def __iter__(self) -> Iterator[bytes]:
        converter, decoder = self._converter, self._decoder
        try:
            for chunk in self._upstream.stream:
                output = converter.feed(decoder.decode(chunk))
                if output:
                    yield output
            output = converter.feed(decoder.flush()) + converter.close()
        except SSEConvError as exc:
            note_response(exc, self._view)
            if exc.output:
                yield exc.output
            raise self._wrap(exc) from exc
        if output:
            yield output

    def close(self) -> None:
        self._upstream.close()


class _AsyncBody(_Body):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        converter, decoder = self._converter, self._decoder
        try:
            async for chunk in self._upstream.stream:
                output = converter.feed(decoder.decode(chunk))
                if output:
                    yield output
            output = converter.feed(decoder.flush()) + converter.close()
        except SSEConvError as exc:
            note_response(exc, self._view)
            if exc.output:
                yield exc.output
            raise self._wrap(exc) from exc
        if output:
            yield output

    async def aclose(self) -> None:
        await self._upstream.aclose()


# -- the transports -----------------------------------------------------------------------------


class _Flavor:
    """What the transport needs from one client library (``httpx`` or ``httpx2``): its classes,
    and the sseconv classes made to fit it."""

    def __init__(self, module: Any) -> None:
        self.module = module
        name = module.__name__.upper()

        def make(base: type, library_base: type, kind: str) -> Any:
            cls_name = f"{name}{kind}"
            return type(cls_name, (base, library_base), {"__module__": __name__})

        self.error: type[ConversionTransportError] = make(
            ConversionTransportError, module.TransportError, "ConversionError"
        )
        self.sync_body: type[_SyncBody] = make(_SyncBody, module.SyncByteStream, "SyncBody")
        self.async_body: type[_AsyncBody] = make(_AsyncBody, module.AsyncByteStream, "AsyncBody")
        self.transport: type[ConvertingTransport] = make(
            ConvertingTransport, module.BaseTransport, "ConvertingTransport"
        )
        self.async_transport: type[AsyncConvertingTransport] = make(
            AsyncConvertingTransport, module.AsyncBaseTransport, "AsyncConvertingTransport"
        )

    def owns(self, obj: object) -> bool:
        m = self.module
        return isinstance(obj, (m.Request, m.BaseTransport, m.AsyncBaseTransport))


_FLAVORS: dict[str, _Flavor] = {}


def _flavor(module: Any) -> _Flavor:
    flavor = _FLAVORS.get(module.__name__)
    if flavor is None:
        flavor = _FLAVORS[module.__name__] = _Flavor(module)
    return flavor


def _flavor_of(obj: object) -> _Flavor | None:
    """The flavour of the library ``obj`` belongs to (httpx2 only if already imported)."""
    for module in (httpx, sys.modules.get("httpx2")):
        if module is not None and _flavor(module).owns(obj):
            return _flavor(module)
    return None


def _endpoint_is_complete(path: str) -> bool:
    return path.rstrip("/").endswith("/v1/complete")


class _Converting:
    """What the sync and async transports share: deciding, rewriting, wrapping."""

    _to: Dialect | None
    _upstream_version: str | None
    _options: dict[str, Any]
    _flavor: _Flavor
    _via_messages: bool
    _models: Mapping[str, str] | None

    _transport: Any

    @classmethod
    def _create(
        cls,
        public: type,
        transport: Any,
        to: Dialect | str | None,
        upstream_version: str | None,
        via: tuple[bool, Mapping[str, str] | None],
        options: dict[str, Any],
    ) -> Any:
        """``public.__new__``: an instance of the class made for ``transport``'s library."""
        sync = public is ConvertingTransport
        method = "handle_request" if sync else "handle_async_request"
        if not callable(getattr(transport, method, None)):
            kind, other = ("a sync", "Async") if sync else ("an async", "")
            raise UsageError(
                f"expected {kind} transport, found {type(transport).__name__} "
                f"(use {other}ConvertingTransport for {'async' if sync else 'sync'} ones)"
            )
        flavor = _flavor_of(transport) or _flavor(httpx)
        made = flavor.transport if sync else flavor.async_transport
        self = object.__new__(made if cls is public else cls)
        self._setup(flavor, to, upstream_version, options)
        self._via_messages, self._models = via
        if self._via_messages:
            check_upstream_version(upstream_version or UPSTREAM_VERSION)
        self._transport = transport
        return self

    def _setup(
        self,
        flavor: _Flavor,
        to: Dialect | str | None,
        upstream_version: str | None,
        options: dict[str, Any],
    ) -> None:
        self._flavor = flavor
        self._to = None if to is None else Dialect.parse(to)
        if upstream_version is not None:
            dialect_for_version(upstream_version, endpoint="/v1/complete")  # validates it
        self._upstream_version = upstream_version
        self._options = options
        try:
            Converter(self._to or Dialect.MESSAGES, **options)  # validates the options
        except TypeError as exc:
            raise UsageError(f"expected Converter options, found {exc}") from None

    def _plan(self, request: Any) -> tuple[Any, Dialect | None, _Flavor]:
        """The request to send upstream, the dialect to convert to (``None``: leave the
        response alone) and the library flavour of ``request``."""
        flavor = _flavor_of(request) or self._flavor
        path: str = request.url.path
        header = request.headers.get("anthropic-version")
        target = self._to
        if target is None:
            try:
                target = dialect_for_version(header, endpoint=path)
            except SSEConvError:
                return request, None, flavor  # not ours to decide: the upstream answers
        headers = request.headers.copy()
        headers["accept-encoding"] = accept_encoding(request.headers.get("accept-encoding"))
        if _endpoint_is_complete(path) and self._upstream_version is not None:
            headers["anthropic-version"] = self._upstream_version
        upstream = flavor.module.Request(
            request.method,
            request.url,
            headers=headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return upstream, target, flavor

    # -- /v1/complete served from /v1/messages (complete_via_messages=True) -----------------

    def _serves(self, request: Any) -> bool:
        return self._via_messages and _endpoint_is_complete(request.url.path)

    def _exchange(self, request: Any) -> tuple[Any, CompleteExchange | None]:
        """The upstream ``/v1/messages`` request and its exchange, or the local answer to a
        request that cannot be translated (``(response, None)``)."""
        flavor = _flavor_of(request) or self._flavor
        try:
            exchange = CompleteExchange.from_request(
                request.headers,
                request.content,
                models=self._models,
                upstream_version=self._upstream_version or UPSTREAM_VERSION,
                **{k: v for k, v in self._options.items() if k not in ("source", "detect_limit")},
            )
        except RequestError as exc:
            answer = flavor.module.Response(
                exc.status,
                headers={"content-type": "application/json"},
                content=exc.body(),
                request=request,
            )
            return answer, None
        headers = exchange.upstream_headers(request.headers)
        headers["accept-encoding"] = accept_encoding(request.headers.get("accept-encoding"))
        upstream = flavor.module.Request(
            "POST",
            request.url.copy_with(path=exchange.upstream_target(request.url.path)),
            headers=headers,
            content=exchange.upstream_body,
            extensions=request.extensions,
        )
        return upstream, exchange

    def _answer(self, exchange: CompleteExchange, response: Any, request: Any, sync: bool) -> Any:
        """The client's response for an upstream response (its body read, unless a stream;
        the caller closes it if this raises)."""
        flavor = _flavor_of(request) or self._flavor
        if _is_event_stream(response.headers):
            converter = exchange.converter()
            try:
                decoder, wrap = self._decoding(response, request, flavor)
            except SSEConvError as exc:
                raise flavor.error.wrap(exc, request) from exc
            body_type = flavor.sync_body if sync else flavor.async_body
            body = body_type(response, converter, decoder, wrap)
            return self._response(response, body, converter, flavor)
        status, content = exchange.response(
            response.status_code, response.headers.get("content-type"), response.content
        )
        headers = [
            (key, value)
            for key, value in response.headers.multi_items()
            if key.lower() not in _RESPONSE_BODY_HEADERS
        ]
        return flavor.module.Response(
            status,
            headers=[*headers, ("content-type", "application/json")],
            content=content,
            extensions={**response.extensions, REPORT_EXTENSION: exchange.report},
        )

    def _body_parts(
        self, response: Any, request: Any, target: Dialect, flavor: _Flavor
    ) -> tuple[Converter, ContentDecoder, Callable[[SSEConvError], ConversionTransportError]]:
        decoder, wrap = self._decoding(response, request, flavor)
        return Converter(target, **self._options), decoder, wrap

    @staticmethod
    def _decoding(
        response: Any, request: Any, flavor: _Flavor
    ) -> tuple[ContentDecoder, Callable[[SSEConvError], ConversionTransportError]]:
        """The decoder of a response's content coding, and the wrapper of conversion errors."""

        def wrap(exc: SSEConvError) -> ConversionTransportError:
            return flavor.error.wrap(exc, request)

        view = response_of(response)
        info = view.info if view is not None else None
        return ContentDecoder(response.headers.get("content-encoding"), info), wrap

    @staticmethod
    def _response(response: Any, body: _Body, converter: Converter, flavor: _Flavor) -> Any:
        headers = [
            (key, value)
            for key, value in response.headers.raw
            if key.lower() not in (b"content-length", b"content-encoding")
        ]
        return flavor.module.Response(
            response.status_code,
            headers=headers,
            stream=body,
            extensions={**response.extensions, REPORT_EXTENSION: converter.report},
        )


_DEFAULT_UPSTREAM_VERSION = UPSTREAM_VERSION
# Headers of an upstream response that describe its body, rewritten with the translated body.
_RESPONSE_BODY_HEADERS = frozenset(
    ("content-length", "content-encoding", "content-type", "transfer-encoding")
)


if TYPE_CHECKING:
    _SyncBase = httpx.BaseTransport
    _AsyncBase = httpx.AsyncBaseTransport
else:
    _SyncBase = _AsyncBase = object  # each flavour adds its library's base class


class ConvertingTransport(_Converting, _SyncBase):
    """Wraps a transport; rewrites ``text/event-stream`` responses into another dialect.

    Args:
        transport: the transport to wrap (``httpx.HTTPTransport()``, ``httpx.MockTransport``,
            or the ``httpx2`` ones: the instance made fits the library of ``transport``, so
            it can be given to ``httpx2.Client`` and to the ``anthropic`` SDK).
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
        converter_options: options of :class:`sseconv.Converter` (``source``, ``mode``,
            ``eol``, ``pings``, ``clock``, ``max_event_size``, ``dispatch_incomplete``,
            ``detect_limit``). The upstream dialect is detected unless ``source`` is given.

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
    raises :class:`ConversionTransportError` while the body is read, after the output converted
    before the bad event.
    """

    @overload
    def __new__(
        cls,
        transport: httpx.BaseTransport,
        *,
        to: Dialect | str | None = None,
        upstream_version: str | None = _DEFAULT_UPSTREAM_VERSION,
        complete_via_messages: bool = False,
        models: Mapping[str, str] | None = None,
        **converter_options: Any,
    ) -> ConvertingTransport: ...

    @overload
    def __new__(
        cls,
        transport: httpx2.BaseTransport,
        *,
        to: Dialect | str | None = None,
        upstream_version: str | None = _DEFAULT_UPSTREAM_VERSION,
        complete_via_messages: bool = False,
        models: Mapping[str, str] | None = None,
        **converter_options: Any,
    ) -> _HTTPX2ConvertingTransport: ...

    def __new__(
        cls,
        transport: Any,
        *,
        to: Dialect | str | None = None,
        upstream_version: str | None = _DEFAULT_UPSTREAM_VERSION,
        complete_via_messages: bool = False,
        models: Mapping[str, str] | None = None,
        **converter_options: Any,
    ) -> Any:
        via = (complete_via_messages, models)
        return cls._create(
            ConvertingTransport, transport, to, upstream_version, via, converter_options
        )

    def handle_request(self, request: Any) -> Any:
        if self._serves(request):
            request.read()
            upstream, exchange = self._exchange(request)
            if exchange is None:
                return upstream
            response = self._transport.handle_request(upstream)
            try:
                if not _is_event_stream(response.headers):
                    response.read()
                    response.close()
                return self._answer(exchange, response, request, sync=True)
            except BaseException:
                response.close()
                raise
        upstream, target, flavor = self._plan(request)
        response = self._transport.handle_request(upstream)
        if target is None or not _is_event_stream(response.headers):
            return response
        try:
            converter, decoder, wrap = self._body_parts(response, request, target, flavor)
        except SSEConvError as exc:
            response.close()
            raise flavor.error.wrap(exc, request) from exc
        body = flavor.sync_body(response, converter, decoder, wrap)
        return self._response(response, body, converter, flavor)

    def close(self) -> None:
        self._transport.close()


class AsyncConvertingTransport(_Converting, _AsyncBase):
    """Async twin of :class:`ConvertingTransport` (wraps ``httpx.AsyncHTTPTransport``, …)."""

    @overload
    def __new__(
        cls,
        transport: httpx.AsyncBaseTransport,
        *,
        to: Dialect | str | None = None,
        upstream_version: str | None = _DEFAULT_UPSTREAM_VERSION,
        complete_via_messages: bool = False,
        models: Mapping[str, str] | None = None,
        **converter_options: Any,
    ) -> AsyncConvertingTransport: ...

    @overload
    def __new__(
        cls,
        transport: httpx2.AsyncBaseTransport,
        *,
        to: Dialect | str | None = None,
        upstream_version: str | None = _DEFAULT_UPSTREAM_VERSION,
        complete_via_messages: bool = False,
        models: Mapping[str, str] | None = None,
        **converter_options: Any,
    ) -> _HTTPX2AsyncConvertingTransport: ...

    def __new__(
        cls,
        transport: Any,
        *,
        to: Dialect | str | None = None,
        upstream_version: str | None = _DEFAULT_UPSTREAM_VERSION,
        complete_via_messages: bool = False,
        models: Mapping[str, str] | None = None,
        **converter_options: Any,
    ) -> Any:
        via = (complete_via_messages, models)
        return cls._create(
            AsyncConvertingTransport, transport, to, upstream_version, via, converter_options
        )

    async def handle_async_request(self, request: Any) -> Any:
        if self._serves(request):
            await request.aread()
            upstream, exchange = self._exchange(request)
            if exchange is None:
                return upstream
            response = await self._transport.handle_async_request(upstream)
            try:
                if not _is_event_stream(response.headers):
                    await response.aread()
                    await response.aclose()
                return self._answer(exchange, response, request, sync=False)
            except BaseException:
                await response.aclose()
                raise
        upstream, target, flavor = self._plan(request)
        response = await self._transport.handle_async_request(upstream)
        if target is None or not _is_event_stream(response.headers):
            return response
        try:
            converter, decoder, wrap = self._body_parts(response, request, target, flavor)
        except SSEConvError as exc:
            await response.aclose()
            raise flavor.error.wrap(exc, request) from exc
        body = flavor.async_body(response, converter, decoder, wrap)
        return self._response(response, body, converter, flavor)

    async def aclose(self) -> None:
        await self._transport.aclose()


if TYPE_CHECKING:
    # What ConvertingTransport(<httpx2 transport>) is, for type checkers: at run time the
    # httpx2 flavour has no httpx class in its bases.
    class _HTTPX2ConvertingTransport(ConvertingTransport, httpx2.BaseTransport):
        pass

    class _HTTPX2AsyncConvertingTransport(AsyncConvertingTransport, httpx2.AsyncBaseTransport):
        pass


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
