"""``POST …/v1/complete`` through the gateway: served from ``…/v1/messages``.

Every translation rule lives in :mod:`sseconv.translate` (:class:`CompleteExchange`); this
module only moves bytes: the translated request upstream, and the response back, a stream
converted event by event (each converted event is sent when the upstream event causing it
has arrived, pings included), anything else translated whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from ._body import is_event_stream_media
from ._errors import SSEConvError
from ._gateway_http import forwarded_headers
from .translate import RETIRED_MODELS, UPSTREAM_VERSION, CompleteExchange, RequestError

if TYPE_CHECKING:
    from ._gateway import Exchange, Gateway

__all__ = ["serve_complete"]

_DROP_RESPONSE = (b"content-length", b"content-encoding", b"content-type")


async def serve_complete(gateway: Gateway, exchange: Exchange, body: bytes) -> None:
    """Answer one ``/v1/complete`` request from the upstream's ``/v1/messages``."""
    scope = exchange.scope
    client_headers = httpx.Headers(forwarded_headers(scope["headers"], drop=(b"expect",)))
    options = gateway.options
    exchange.kind = "translated"
    try:
        translation = CompleteExchange.from_request(
            client_headers,
            body,
            models={**RETIRED_MODELS, **options.models} if options.models else None,
            upstream_version=options.upstream_version or UPSTREAM_VERSION,
        )
    except RequestError:
        exchange.kind = "translated, refused"
        raise
    target = translation.upstream_target(exchange.raw_path.decode("latin-1"))
    url = gateway.upstream_url(target.encode("latin-1"), scope.get("query_string", b""))
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
        headers = forwarded_headers(response.headers.raw, drop=_DROP_RESPONSE)
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

    await gateway.call_upstream(exchange, request, relay)
