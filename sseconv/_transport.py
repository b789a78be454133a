"""The converting transports' work, for any client library with httpx's interface.

:mod:`sseconv.httpx` and :mod:`sseconv.httpx2` each declare their library's classes on top of
these (the transports, the converted response bodies and the error): a class here never
imports a client library, it uses the one its subclass names in ``library``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from ._body import is_event_stream_media
from ._client_responses import ContentDecoder, accept_encoding, note_response, response_of
from ._convert import Converter
from ._dialect import Dialect
from ._errors import SSEConvError, UsageError
from ._exchange import CompleteExchange, check_upstream_version
from ._iterate import AsyncItems, Items
from ._options import options_from
from ._requests import UPSTREAM_VERSION, RequestError, model_table
from ._versions import dialect_for_version

if TYPE_CHECKING:
    from types import ModuleType

    from typing_extensions import Unpack

    from ._exchange import ExchangeOptions
    from ._options import ConvertOptions

__all__ = [
    "REPORT_EXTENSION",
    "AsyncBody",
    "AsyncConverting",
    "ConversionTransportError",
    "SyncBody",
    "SyncConverting",
    "endpoint_is_complete",
]

#: The response extension under which a converted response carries its :class:`Report`.
REPORT_EXTENSION = "sseconv.report"

# Headers of an upstream response that describe its body, rewritten with the translated body.
_RESPONSE_BODY_HEADERS = frozenset(
    ("content-length", "content-encoding", "content-type", "transfer-encoding")
)


def endpoint_is_complete(path: str) -> bool:
    """Whether a request path is ``/v1/complete`` (under any prefix, a trailing slash allowed):
    the one rule for it."""
    return path.rstrip("/").endswith("/v1/complete")


def _is_event_stream(headers: Any) -> bool:
    return is_event_stream_media(headers.get("content-type"))


class ConversionTransportError(SSEConvError):
    """A stream could not be converted by a converting transport.

    Raised instances are also the client library's ``TransportError``: each library has its
    own subclass (``sseconv.httpx.HTTPXConversionError``,
    ``sseconv.httpx2.HTTPX2ConversionError``), so that no ``httpx`` class reaches an
    ``httpx2`` user; ``request`` is set. ``__cause__`` is the original sseconv error, whose
    message, dialect, event number and byte offset are copied.
    """

    request: Any

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


# -- converted response bodies ------------------------------------------------------------------


class _Body:
    """A converted response body: each upstream chunk is decoded (content coding) and fed to a
    Converter, by :meth:`step` (run by :mod:`sseconv._iterate`). A content coding that cannot
    be undone is an error at once."""

    def __init__(
        self,
        upstream: Any,
        converter: Converter,
        wrap: Callable[[SSEConvError], ConversionTransportError],
    ) -> None:
        self._upstream = upstream
        self._converter = converter
        self._wrap = wrap
        self._view = view = response_of(upstream)  # for errors: what the upstream answered
        coding = upstream.headers.get("content-encoding")
        try:
            self._decoder = ContentDecoder(coding, view.info if view else None)
        except SSEConvError as exc:
            raise wrap(exc) from exc

    def step(self, chunk: bytes | None) -> Iterator[bytes]:
        """The output of one more upstream chunk (``None``: the end); on bad input, the output
        before the bad event, then the error wrapped for the client library."""
        converter, decoder = self._converter, self._decoder
        try:
            if chunk is None:
                output = converter.feed(decoder.flush()) + converter.close()
            else:
                output = converter.feed(decoder.decode(chunk))
        except SSEConvError as exc:
            note_response(exc, self._view)
            if exc.output:
                yield exc.output
            raise self._wrap(exc) from exc
        if output:
            yield output


class SyncBody(_Body):
    def __iter__(self) -> Iterator[bytes]:
        return Items(self._upstream.stream, self.step)

    def close(self) -> None:
        self._upstream.close()


class AsyncBody(_Body):
    def __aiter__(self) -> AsyncIterator[bytes]:
        return AsyncItems(self._upstream.stream, self.step)

    async def aclose(self) -> None:
        await self._upstream.aclose()


# -- the transports -----------------------------------------------------------------------------


@dataclass
class _Plan:
    """What to do with one client request."""

    upstream: Any  # the request to send upstream; None: answer with `local`
    convert: Callable[[], Converter] | None = None  # None: pass an event stream on untouched
    exchange: CompleteExchange | None = None  # a /v1/complete served from /v1/messages
    local: Any = None

    def reads(self, response: Any) -> bool:
        """Whether the upstream response is read whole (a JSON answer to translate)."""
        return self.exchange is not None and not _is_event_stream(response.headers)


TransportT = TypeVar("TransportT")


class _Converting(Generic[TransportT]):
    """What the sync and async transports share: deciding, rewriting, wrapping."""

    #: the client library of the subclass (``httpx``, ``httpx2``)
    library: ModuleType
    #: its ConversionTransportError (also the library's TransportError)
    error: ClassVar[type[ConversionTransportError]]
    #: its converted response body (also the library's byte stream)
    body: ClassVar[type[_Body]]
    _method: ClassVar[str]  # the transport method the wrapped transport must have

    def __init__(
        self,
        transport: TransportT,
        *,
        to: Dialect | str | None = None,
        upstream_version: str | None = UPSTREAM_VERSION,
        complete_via_messages: bool = False,
        models: Mapping[str, str] | None = None,
        **converter_options: Unpack[ConvertOptions],
    ) -> None:
        self._check(transport)
        self._to = None if to is None else Dialect.parse(to)
        if upstream_version is not None:
            dialect_for_version(upstream_version, endpoint="/v1/complete")  # validates it
        self._upstream_version = upstream_version
        options_from(converter_options)  # checked at once, not at the first response
        self._options = converter_options
        # (the upstream of an exchange speaks Messages: no source to give or detect)
        self._exchange_options = cast(
            "ExchangeOptions",
            {k: v for k, v in converter_options.items() if k not in ("source", "detect_limit")},
        )
        self._via_messages = complete_via_messages
        self._models = model_table(models, None)  # checked at once too
        if complete_via_messages:
            check_upstream_version(upstream_version or UPSTREAM_VERSION)
        self._transport: Any = transport

    def _check(self, transport: object) -> None:
        kind = type(self).__name__
        if not callable(getattr(transport, self._method, None)):
            sync = self._method == "handle_request"
            expected, which = ("a sync", "async") if sync else ("an async", "sync")
            other = f"Async{kind}" if sync else kind.removeprefix("Async")
            raise UsageError(
                f"expected {expected} transport, found {type(transport).__name__} "
                f"(use {other} for {which} ones)"
            )
        mine = self.library.__name__
        for cls in type(transport).__mro__:
            library = cls.__module__.split(".", 1)[0]
            if library in ("httpx", "httpx2") and library != mine:
                raise UsageError(
                    f"expected an {mine} transport, found {library}.{cls.__name__}: "
                    f"use sseconv.{library}.{kind}"
                )

    def _plan(self, request: Any) -> _Plan:
        path: str = request.url.path
        if self._via_messages and endpoint_is_complete(path):
            return self._plan_exchange(request)
        target = self._to
        if target is None:
            try:
                version = request.headers.get("anthropic-version")
                target = dialect_for_version(version, endpoint=path)
            except SSEConvError:
                return _Plan(request)  # not ours to decide: the upstream answers
        headers = request.headers.copy()
        if endpoint_is_complete(path) and self._upstream_version is not None:
            headers["anthropic-version"] = self._upstream_version
        upstream = self._upstream(
            request, request.method, request.url, headers, stream=request.stream
        )
        options = self._options
        return _Plan(upstream, lambda: Converter(target, **options))

    def _plan_exchange(self, request: Any) -> _Plan:
        """``/v1/complete`` served from ``/v1/messages`` (``complete_via_messages=True``); a
        request that cannot be translated is answered here."""
        try:
            exchange = CompleteExchange.from_request(
                request.headers,
                request.content,
                models=self._models,
                upstream_version=self._upstream_version or UPSTREAM_VERSION,
                **self._exchange_options,
            )
        except RequestError as exc:
            answer = self.library.Response(
                exc.status,
                headers={"content-type": "application/json"},
                content=exc.body(),
                request=request,
            )
            return _Plan(None, local=answer)
        url = request.url.copy_with(path=exchange.upstream_target(request.url.path))
        headers = exchange.upstream_headers(request.headers)
        upstream = self._upstream(request, "POST", url, headers, content=exchange.upstream_body)
        return _Plan(upstream, exchange.converter, exchange)

    def _upstream(self, request: Any, method: str, url: Any, headers: Any, **body: Any) -> Any:
        """The request sent upstream for ``request``: only the codings sseconv can undo."""
        headers["accept-encoding"] = accept_encoding(request.headers.get("accept-encoding"))
        return self.library.Request(
            method, url, headers=headers, extensions=request.extensions, **body
        )

    def _answer(self, plan: _Plan, request: Any, response: Any) -> Any:
        """The client's response for an upstream response (read already when the plan
        reads it; the caller closes it if this raises)."""
        if not _is_event_stream(response.headers):
            return response if plan.exchange is None else self._translated(plan.exchange, response)
        if plan.convert is None:
            return response
        converter = plan.convert()
        body = self.body(response, converter, partial(self.error.wrap, request=request))
        headers = [
            (key, value)
            for key, value in response.headers.raw
            if key.lower() not in (b"content-length", b"content-encoding")
        ]
        return self.library.Response(
            response.status_code,
            headers=headers,
            stream=body,
            extensions={**response.extensions, REPORT_EXTENSION: converter.report},
        )

    def _translated(self, exchange: CompleteExchange, response: Any) -> Any:
        """The completion JSON for a whole upstream Messages answer."""
        status, content = exchange.response(
            response.status_code, response.headers.get("content-type"), response.content
        )
        headers = [
            (key, value)
            for key, value in response.headers.multi_items()
            if key.lower() not in _RESPONSE_BODY_HEADERS
        ]
        return self.library.Response(
            status,
            headers=[*headers, ("content-type", "application/json")],
            content=content,
            extensions={**response.extensions, REPORT_EXTENSION: exchange.report},
        )


class SyncConverting(_Converting[TransportT]):
    """A converting transport over a sync one (see :class:`sseconv.httpx.ConvertingTransport`)."""

    _method = "handle_request"

    def handle_request(self, request: Any) -> Any:
        if self._via_messages and endpoint_is_complete(request.url.path):
            request.read()
        plan = self._plan(request)
        if plan.upstream is None:
            return plan.local
        response = self._transport.handle_request(plan.upstream)
        try:
            if plan.reads(response):
                response.read()
                response.close()
            return self._answer(plan, request, response)
        except BaseException:
            response.close()
            raise

    def close(self) -> None:
        self._transport.close()


class AsyncConverting(_Converting[TransportT]):
    """A converting transport over an async one."""

    _method = "handle_async_request"

    async def handle_async_request(self, request: Any) -> Any:
        if self._via_messages and endpoint_is_complete(request.url.path):
            await request.aread()
        plan = self._plan(request)
        if plan.upstream is None:
            return plan.local
        response = await self._transport.handle_async_request(plan.upstream)
        try:
            if plan.reads(response):
                await response.aread()
                await response.aclose()
            return self._answer(plan, request, response)
        except BaseException:
            await response.aclose()
            raise

    async def aclose(self) -> None:
        await self._transport.aclose()
