"""HTTP header rules shared by the transport's and the gateway's exchanges."""

from __future__ import annotations

__all__ = ["HOP_BY_HOP"]

#: Headers that describe one connection, not the message (RFC 9110 §7.6.1; ``proxy-*`` and
#: ``keep-alive`` from RFC 2616 §13.5.1): never passed on to the next hop, in either direction.
#: Lower case; the headers a ``Connection`` header names are connection-scoped too.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
