"""The converting transports for ``httpx2`` (and today's ``anthropic`` SDK, which uses it).

The same transports as :mod:`sseconv.httpx`, built on httpx2's classes (no ``httpx`` class in
their bases, which the SDK refuses)::

    import anthropic, httpx2
    from sseconv.httpx2 import ConvertingTransport

    client = anthropic.Anthropic(
        http_client=httpx2.Client(transport=ConvertingTransport(httpx2.HTTPTransport()))
    )

Reading responses needs no flavour: :func:`sseconv.httpx.iter_events` and
:func:`sseconv.httpx.connect` take ``httpx2`` responses and clients too. This module imports
``httpx2`` (the ``httpx2`` extra); nothing else in sseconv does.
"""

from __future__ import annotations

import httpx2

from ._transport import (
    REPORT_EXTENSION,
    AsyncBody,
    AsyncConverting,
    ConversionTransportError,
    SyncBody,
    SyncConverting,
)

__all__ = [
    "REPORT_EXTENSION",
    "AsyncConvertingTransport",
    "ConversionTransportError",
    "ConvertingTransport",
    "HTTPX2ConversionError",
]


class HTTPX2ConversionError(ConversionTransportError, httpx2.TransportError):
    """The :class:`~sseconv.httpx.ConversionTransportError` of the httpx2 transports: also an
    ``httpx2.TransportError`` (and not an ``httpx`` one)."""


class _SyncBody(SyncBody, httpx2.SyncByteStream):
    """A converted httpx2 response body."""


class _AsyncBody(AsyncBody, httpx2.AsyncByteStream):
    """A converted httpx2 response body, read asynchronously."""


class ConvertingTransport(SyncConverting[httpx2.BaseTransport], httpx2.BaseTransport):
    """:class:`sseconv.httpx.ConvertingTransport` for httpx2: wraps ``httpx2.HTTPTransport()``
    (or ``httpx2.MockTransport``…), takes the same arguments, and raises
    :class:`HTTPX2ConversionError`."""

    library = httpx2
    error = HTTPX2ConversionError
    body = _SyncBody


class AsyncConvertingTransport(
    AsyncConverting[httpx2.AsyncBaseTransport], httpx2.AsyncBaseTransport
):
    """Async twin of :class:`ConvertingTransport` (wraps ``httpx2.AsyncHTTPTransport``, …)."""

    library = httpx2
    error = HTTPX2ConversionError
    body = _AsyncBody
