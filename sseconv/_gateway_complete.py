"""``POST …/v1/complete`` through the gateway: served from ``…/v1/messages``.

Every translation rule lives in :mod:`sseconv.translate` (:class:`CompleteExchange`); this
module only moves bytes: the translated request upstream, and the response back, a stream
converted event by event (each converted event is sent when the upstream event causing it
has arrived, pings included), anything else translated whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from ._errors import SSEConvError
from ._gateway_http import GatewayError, forwarded_headers
from .translate import RETIRED_MODELS, UPSTREAM_VERSION, CompleteExchange, RequestError

if TYPE_CHECKING:
    from ._gateway import Exchange, Gateway

__all__ = ["serve_complete"]

# What httpx always undoes (aiter_bytes); the client gets the converted stream uncompressed.
_ACCEPT_ENCODING = b"gzip, deflate"
_DROP_RESPONSE = (b"content-length", b"content-encoding", b"content-type")


async def serve_complete(gateway: Gateway, exchange: Exchange, body: bytes) -> None:
    """Answer one ``/v1/complete`` request from the upstream's ``/v1/messages``."""
    scope = exchange.scope
    client_headers = forwarded_headers(
        scope["headers"], drop=(b"host", b"content-length", b"expect")
    )
    options = gateway.options
    try:
        translation = CompleteExchange.from_request(
            httpx.Headers(client_headers),
            body,
            models={**RETIRED_MODELS, **options.models} if options.models else None,
            upstream_version=options.upstream_version or UPSTREAM_VERSION,
        )
    except RequestError as error:
        exchange.kind = "translated, refused"
        await exchange.respond(error.status, error.body())
        return
    target = translation.upstream_target(exchange.raw_path.decode("latin-1"))
    url = gateway.upstream_url(target.encode("latin-1"), scope.get("query_string", b""))
    headers = [
        (key.encode("latin-1"), value.encode("latin-1"))
        for key, value in translation.upstream_headers(httpx.Headers(client_headers)).items()
        if key.lower() != "accept-encoding"
    ]
    headers.append((b"accept-encoding", _ACCEPT_ENCODING))
    request = httpx.Request("POST", url, headers=headers, content=translation.upstream_body)

    async def relay(response: httpx.Response) -> None:
        if translation.stream and _is_event_stream(response):
            await _relay_stream(exchange, response, translation)
        else:
            await _relay_whole(exchange, response, translation)

    await gateway.call_upstream(exchange, request, relay)


def _is_event_stream(response: httpx.Response) -> bool:
    value = response.headers.get("content-type", "")
    return bool(value.split(";", 1)[0].strip().lower() == "text/event-stream")


async def _relay_stream(
    exchange: Exchange, response: httpx.Response, translation: CompleteExchange
) -> None:
    converter = translation.converter()
    headers = forwarded_headers(response.headers.raw, drop=_DROP_RESPONSE)
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
        raise GatewayError(
            502, "api_error", f"the upstream stream cannot be converted: {exc}"
        ) from None
    if output:
        await exchange.body(output)
    if not converter.report.finished:
        raise GatewayError(502, "api_error", "the upstream stream ended before it finished")
    await exchange.body(b"", more=False)


async def _relay_whole(
    exchange: Exchange, response: httpx.Response, translation: CompleteExchange
) -> None:
    data = await response.aread()
    status, body = translation.response(
        response.status_code, response.headers.get("content-type", ""), data
    )
    headers = forwarded_headers(response.headers.raw, drop=_DROP_RESPONSE)
    await exchange.respond(status, body, headers)
