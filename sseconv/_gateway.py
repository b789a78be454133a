"""The translating gateway: an ASGI application in front of one upstream API.

``POST …/v1/complete`` is served from ``…/v1/messages`` through
:class:`sseconv.translate.CompleteExchange` (request, stream and error translation all live
there; here, bytes are only moved): a stream is converted event by event (each converted event
is sent when the upstream event causing it has arrived, pings included), anything else is
translated whole. Every other request is forwarded unchanged and its response streamed back
unchanged, chunk by chunk as it arrives. The gateway keeps no state between requests (no
cookies, no sessions), so any number of worker processes and hosts can serve the same clients.

While the upstream is asked and its answer relayed, a second task waits for the client's
``http.disconnect``; when it comes, the upstream exchange is cancelled, which closes the
upstream response (and its connection), so a client that goes away stops the upstream
generation, whether or not the upstream had started answering.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import http.cookiejar
import json
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

import httpx

from . import __version__
from ._body import is_event_stream_media
from ._errors import SSEConvError, UsageError
from ._exchange import CompleteExchange, check_upstream_version
from ._gateway_http import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_TIMEOUT,
    HEALTH_PATH,
    forwarded_headers,
    header,
    target_problem,
)
from ._options import unknown_option
from ._requests import RETIRED_MODELS, UPSTREAM_VERSION, RequestError, error_body, model_table
from ._serving import Message, Receive, Scope, Send
from ._transport import endpoint_is_complete  # the one rule for which paths are /v1/complete

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "ENVIRONMENT_VARIABLE",
    "Gateway",
    "GatewayOptions",
    "GatewayOverrides",
    "from_environment",
]

#: How ``sseconv serve --workers N`` hands the options to its worker processes (JSON).
ENVIRONMENT_VARIABLE = "SSECONV_GATEWAY_OPTIONS"

log = logging.getLogger("sseconv.serve")


@dataclasses.dataclass(frozen=True)
class GatewayOptions:
    """What a :class:`Gateway` does; every field but ``upstream`` has a default.

    Attributes:
        upstream: the API's base URL (``https://api.anthropic.com``); a path prefix is kept
            (``http://proxy.internal/anthropic`` forwards ``/v1/messages`` to
            ``/anthropic/v1/messages``). No credentials, query or fragment.
        max_body_size: the largest request body accepted, in bytes (413 above it).
        timeout: seconds to wait for each read from upstream (504 before the response
            starts; a cut response after).
        connect_timeout: seconds to wait for the upstream connection (504).
        models: entries added to (or replacing those of) the retired-model table of
            :mod:`sseconv.translate` (``None``: none, as the translations take it).
        upstream_version: the ``anthropic-version`` sent upstream for translated requests
            (``None``: :data:`sseconv.translate.UPSTREAM_VERSION`).
        health_path: the path answered by the gateway itself with ``{"status": "ok"}``.
    """

    upstream: str
    max_body_size: int = DEFAULT_MAX_BODY_SIZE
    timeout: float = DEFAULT_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    models: Mapping[str, str] = dataclasses.field(default_factory=dict)
    upstream_version: str | None = None
    health_path: str = HEALTH_PATH

    def __post_init__(self) -> None:
        # every wrong type or value is a UsageError naming the field (bool is not a number)
        object.__setattr__(self, "upstream", _check_upstream(self.upstream))
        object.__setattr__(self, "models", model_table(self.models, {}))
        if type(self.max_body_size) is not int or self.max_body_size < 0:
            raise UsageError(f"expected a body size limit >= 0, found {self.max_body_size!r}")
        for name in ("timeout", "connect_timeout"):
            value = getattr(self, name)
            if type(value) not in (int, float) or not value > 0:
                raise UsageError(f"expected a {name} > 0 seconds, found {value!r}")
        if self.upstream_version is not None:
            try:
                if not isinstance(self.upstream_version, str):
                    raise UsageError(f"found {self.upstream_version!r}")
                check_upstream_version(self.upstream_version)
            except SSEConvError as exc:
                raise UsageError(f"expected an upstream version: {exc.message}") from None
        if not isinstance(self.health_path, str) or not self.health_path.startswith("/"):
            raise UsageError(f"expected a health path starting with /, found {self.health_path!r}")

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> GatewayOptions:
        try:
            return cls(**json.loads(text))
        except (TypeError, ValueError) as exc:
            raise UsageError(f"expected gateway options as JSON, found an error: {exc}") from None


class GatewayOverrides(TypedDict, total=False):
    """The fields of :class:`GatewayOptions` as keyword arguments of :class:`Gateway` (see
    there); ``upstream`` only with a :class:`GatewayOptions` (a URL given first is the
    upstream)."""

    upstream: str
    max_body_size: int
    timeout: float
    connect_timeout: float
    models: Mapping[str, str]
    upstream_version: str | None
    health_path: str


def _check_upstream(url: str) -> str:
    if not isinstance(url, str):
        raise UsageError(f"expected an upstream URL, found {type(url).__name__}")
    shown = re.sub(r"//[^/?#@]*@", "//***@", url)  # never echo credentials
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise UsageError(f"expected an upstream URL, found {shown!r}") from None
    if parsed.userinfo:
        raise UsageError(
            f"expected an upstream URL without credentials, found {shown!r} (clients send "
            "their API key in their own headers)"
        )
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(f"expected an http:// or https:// upstream URL, found {shown!r}")
    if parsed.query or parsed.fragment:
        raise UsageError(f"expected an upstream URL without query or fragment, found {shown!r}")
    return str(parsed.copy_with(raw_path=parsed.raw_path.rstrip(b"/") or b"/")).rstrip("/")


class _Disconnected(Exception):
    """The client went away."""


@dataclasses.dataclass
class Exchange:
    """One request through the gateway: the ASGI channels, what was sent, for the log."""

    scope: Scope
    receive: Receive
    send: Send
    method: str
    raw_path: bytes
    status: int = 0
    sent: int = 0
    kind: str = "forwarded"

    async def start(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.status = status
        await self.send({"type": "http.response.start", "status": status, "headers": headers})

    async def body(self, data: bytes, *, more: bool = True) -> None:
        self.sent += len(data)
        await self.send({"type": "http.response.body", "body": data, "more_body": more})

    async def respond(
        self, status: int, body: bytes, headers: Iterable[tuple[bytes, bytes]] = ()
    ) -> None:
        """A whole JSON response at once."""
        length = str(len(body)).encode()
        json_headers = [(b"content-type", b"application/json"), (b"content-length", length)]
        await self.start(status, [*headers, *json_headers])
        await self.body(body, more=False)


class Gateway:
    """The gateway as an ASGI 3 application (serve it with uvicorn, as ``sseconv serve`` does,
    or any ASGI server).

    Args:
        options: a :class:`GatewayOptions`, or the upstream URL (then ``overrides`` are the
            other fields).
        transport: the httpx transport to reach upstream (default: httpx's own pool);
            tests pass an ``httpx.MockTransport`` or ``httpx.ASGITransport``.
        overrides: :class:`GatewayOverrides`, fields of :class:`GatewayOptions` replacing
            those of ``options``.

    Raises:
        UsageError: a field that does not exist (with the closest name), ``upstream`` given
            twice, or a wrong value.
    """

    def __init__(
        self,
        options: GatewayOptions | str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        **overrides: Unpack[GatewayOverrides],
    ) -> None:
        names = [field.name for field in dataclasses.fields(GatewayOptions)]
        names = names[1:] if isinstance(options, str) else names  # (the upstream is given)
        for name in overrides:
            if name not in names:  # a misspelt field: UsageError with the closest name
                raise unknown_option(name, names)
        if isinstance(options, str):
            options = GatewayOptions(options)
        self.options = options = dataclasses.replace(options, **overrides)
        self._upstream = httpx.URL(options.upstream)
        self._prefix = self._upstream.raw_path.rstrip(b"/")
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """The client to upstream, made at the first use."""
        if self._client is None:
            no_cookies = http.cookiejar.CookieJar(
                policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
            )
            self._client = httpx.AsyncClient(
                transport=self._transport,
                timeout=httpx.Timeout(self.options.timeout, connect=self.options.connect_timeout),
                # Idle connections are dropped after 4 s, before the 5 s after which uvicorn,
                # among others, closes them: reusing one just as the server closes it fails.
                limits=httpx.Limits(
                    max_connections=None, max_keepalive_connections=64, keepalive_expiry=4.0
                ),
                follow_redirects=False,
                cookies=no_cookies,  # stateless: a cookie for one client is never sent for another
            )
        return self._client

    async def aclose(self) -> None:
        """Close the connections to upstream (done at the server's shutdown)."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    def upstream_url(self, raw_path: bytes, query: bytes) -> httpx.URL:
        """The upstream URL for a request target: always the configured scheme, host and port,
        the configured prefix, then the client's path and query as they were sent."""
        target = self._prefix + raw_path + (b"?" + query if query else b"")
        return self._upstream.copy_with(raw_path=target)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1008})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.client  # noqa: B018 (made now, in the server's event loop)
                log.info("forwarding to %s", self.options.upstream)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        exchange = Exchange(scope, receive, send, scope["method"], raw_path)
        started = time.perf_counter()
        try:
            await self._handle(exchange)
        except RequestError as error:
            if exchange.status:  # already answering: the response is cut
                log.warning("%s (response cut)", error.message)
            else:
                await exchange.respond(error.status, error.body())
        except _Disconnected:
            exchange.kind += ", client disconnected"
        except Exception:  # a bug: answered in the API's shape, logged with its traceback
            log.exception("unexpected error")
            if not exchange.status:
                await exchange.respond(500, error_body("api_error", "Internal gateway error."))
        finally:
            # Never headers, bodies or the query string: API keys and prompts stay out of the log.
            log.info(
                "%s %s %s %s, %d bytes, %.1f ms",
                exchange.method,
                raw_path.decode("latin-1"),
                exchange.status or "-",
                exchange.kind,
                exchange.sent,
                (time.perf_counter() - started) * 1000,
            )

    async def _handle(self, exchange: Exchange) -> None:
        problem = target_problem(exchange.method, exchange.raw_path)
        if problem is not None:
            raise RequestError(problem)
        path: str = exchange.scope["path"]
        if path == self.options.health_path and exchange.method in ("GET", "HEAD"):
            exchange.kind = "health"
            await exchange.respond(200, b'{"status":"ok","version":"%s"}' % __version__.encode())
            return
        body = await self._read_body(exchange)
        if exchange.method == "POST" and endpoint_is_complete(exchange.raw_path.decode("latin-1")):
            await self._complete(exchange, body)
        else:
            await self._forward(exchange, body)

    async def _read_body(self, exchange: Exchange) -> bytes:
        limit = self.options.max_body_size
        too_large = RequestError(
            f"Request exceeds the maximum allowed number of bytes ({limit}).",
            status=413,
            type="request_too_large",
        )
        declared = header(exchange.scope["headers"], b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            raise too_large
        parts: list[bytes] = []
        size = 0
        while True:
            message = await exchange.receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_large
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)

    async def call_upstream(
        self,
        exchange: Exchange,
        request: httpx.Request,
        relay: Callable[[httpx.Response], Awaitable[None]],
    ) -> None:
        """Send ``request`` upstream and pass its response to ``relay`` (which answers the
        client), until that ends or the client disconnects; the upstream response is closed
        either way, so a client that goes away (even before the upstream answered) stops the
        upstream request.

        Raises:
            RequestError: 504 ``timeout_error`` when upstream did not answer in time, 502
                ``api_error`` when it could not be reached; after the response started, an
                upstream failure (the client's response is then cut: it sees an incomplete
                body, as from a cut API connection).
        """
        task = asyncio.ensure_future(self._exchange(request, relay))
        watcher = asyncio.ensure_future(_disconnect(exchange.receive))
        try:
            await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watcher.cancel()
            task.cancel()  # no-op when it is done; else its finally closes the response
            for pending in (watcher, task):
                with contextlib.suppress(BaseException):
                    await pending
        if task.cancelled():
            raise _Disconnected
        error = task.exception()
        if error is not None:
            raise error

    async def _exchange(
        self, request: httpx.Request, relay: Callable[[httpx.Response], Awaitable[None]]
    ) -> None:
        try:
            response = await self._send(request)
        except httpx.TimeoutException as exc:
            raise RequestError(
                f"The upstream API did not answer in time ({type(exc).__name__}).",
                status=504,
                type="timeout_error",
            ) from None
        except httpx.HTTPError as exc:
            raise RequestError(
                f"The upstream API could not be reached ({type(exc).__name__}).",
                status=502,
                type="api_error",
            ) from None
        try:
            await relay(response)
        except httpx.HTTPError as exc:
            raise RequestError(
                f"The upstream API failed mid-response ({exc!r}).", status=502, type="api_error"
            ) from None
        finally:
            await response.aclose()

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; once more if a kept-alive connection failed before any answer.

        A server closes an idle connection when its keep-alive time is up, and a request sent
        on it just then fails (the server closed it unanswered, or reset it): that request was
        never taken, so it is sent again. A new connection failing the same way is not retried
        (the upstream may have started on the request), nor is anything else. Whether the
        connection was new is told by httpcore's ``trace`` extension (a TCP connect).
        """
        for attempt in (1, 2):
            connected = False

            async def trace(name: str, info: Mapping[str, Any]) -> None:
                nonlocal connected
                connected = connected or name.endswith("connect_tcp.started")

            request.extensions["trace"] = trace
            try:
                return await self.client.send(request, stream=True)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if connected or attempt == 2:
                    raise
                log.info("a kept-alive upstream connection failed (%s); sending again", exc)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _forward(self, exchange: Exchange, body: bytes) -> None:
        scope = exchange.scope
        url = self.upstream_url(exchange.raw_path, scope.get("query_string", b""))
        headers = forwarded_headers(scope["headers"], drop=(b"host", b"content-length", b"expect"))
        request = httpx.Request(exchange.method, url, headers=headers, content=body)

        async def relay(response: httpx.Response) -> None:
            await exchange.start(response.status_code, forwarded_headers(response.headers.raw))
            async for chunk in _raw_chunks(response):
                if chunk:
                    await exchange.body(chunk)
            await exchange.body(b"", more=False)

        await self.call_upstream(exchange, request, relay)

    async def _complete(self, exchange: Exchange, body: bytes) -> None:
        """Answer one ``/v1/complete`` request from the upstream's ``/v1/messages``."""
        scope = exchange.scope
        client_headers = httpx.Headers(forwarded_headers(scope["headers"], drop=(b"expect",)))
        exchange.kind = "translated"
        try:
            translation = CompleteExchange.from_request(
                client_headers,
                body,
                models={**RETIRED_MODELS, **self.options.models} if self.options.models else None,
                upstream_version=self.options.upstream_version or UPSTREAM_VERSION,
            )
        except RequestError:
            exchange.kind = "translated, refused"
            raise
        target = translation.upstream_target(exchange.raw_path.decode("latin-1"))
        url = self.upstream_url(target.encode("latin-1"), scope.get("query_string", b""))
        headers = translation.upstream_headers(client_headers)
        # what httpx always undoes (aiter_bytes): the client gets the converted stream uncompressed
        headers["accept-encoding"] = "gzip, deflate"
        request = httpx.Request(
            "POST",
            url,
            headers=httpx.Headers(headers, encoding="latin-1"),
            content=translation.upstream_body,
        )

        async def relay(response: httpx.Response) -> None:
            drop = (b"content-length", b"content-encoding", b"content-type")
            headers = forwarded_headers(response.headers.raw, drop=drop)
            content_type = response.headers.get("content-type")
            if not (translation.stream and is_event_stream_media(content_type)):
                data = await response.aread()
                status, body = translation.response(response.status_code, content_type, data)
                await exchange.respond(status, body, headers)
                return
            converter = translation.converter()
            headers.append((b"content-type", b"text/event-stream; charset=utf-8"))
            await exchange.start(response.status_code, headers)
            try:
                async for chunk in response.aiter_bytes():
                    output = converter.feed(chunk)
                    if output:
                        await exchange.body(output)
                output = converter.close()
            except SSEConvError as exc:
                if exc.output:
                    await exchange.body(exc.output)
                message = f"the upstream stream cannot be converted: {exc}"
                raise RequestError(message, status=502, type="api_error") from None
            if output:
                await exchange.body(output)
            if not converter.report.finished:
                message = "the upstream stream ended before it finished"
                raise RequestError(message, status=502, type="api_error")
            await exchange.body(b"", more=False)

        await self.call_upstream(exchange, request, relay)


async def _raw_chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    """The response body as it came, chunk by chunk as it arrives."""
    if response.is_stream_consumed:  # made with content= (an httpx.MockTransport): read
        yield response.content
        return
    async for chunk in response.aiter_raw():
        yield chunk


async def _disconnect(receive: Receive) -> None:
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            return


def from_environment() -> Gateway:
    """The gateway whose options are in the environment variable
    :data:`ENVIRONMENT_VARIABLE` (a uvicorn factory: how worker processes build theirs)."""
    text = os.environ.get(ENVIRONMENT_VARIABLE)
    if not text:
        raise UsageError(f"expected the gateway options in ${ENVIRONMENT_VARIABLE}")
    return Gateway(GatewayOptions.from_json(text))
