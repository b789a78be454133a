"""The HTTP rules of the gateway: which request targets it serves and which headers cross it.

Pure functions over ASGI's raw values (lists of ``(bytes, bytes)`` header pairs, byte paths):
no I/O here.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable

from ._headers import HOP_BY_HOP as _HOP_BY_HOP

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_TIMEOUT",
    "HEALTH_PATH",
    "HOP_BY_HOP",
    "forwarded_headers",
    "header",
    "target_problem",
]

DEFAULT_MAX_BODY_SIZE = 32 * 1024 * 1024  # the API's own limit for Messages requests (32 MB)
DEFAULT_TIMEOUT = 600.0  # seconds without a byte from upstream (the SDKs' default timeout)
DEFAULT_CONNECT_TIMEOUT = 10.0  # seconds to connect to upstream
HEALTH_PATH = "/healthz"

#: :data:`sseconv._headers.HOP_BY_HOP` as the ASGI server's byte strings.
HOP_BY_HOP = frozenset(name.encode() for name in _HOP_BY_HOP)


def header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of header ``name`` (lower case), or ``None``."""
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def forwarded_headers(
    headers: Iterable[tuple[bytes, bytes]], drop: Iterable[bytes] = ()
) -> list[tuple[bytes, bytes]]:
    """``headers`` without the hop-by-hop ones, those the ``Connection`` header names, and
    ``drop`` (lower-case names); order, case and repeated headers are kept."""
    pairs = list(headers)
    dropped = set(HOP_BY_HOP)
    dropped.update(drop)
    for key, value in pairs:
        if key.lower() == b"connection":
            dropped.update(t.strip().lower() for t in value.split(b",") if t.strip())
    return [(key, value) for key, value in pairs if key.lower() not in dropped]


def target_problem(method: str, raw_path: bytes) -> str | None:
    """Why a request target must not be forwarded, or ``None`` if it may.

    Only origin-form targets (``/path?query``) are served: an absolute-form target
    (``http://elsewhere/``, what a client sends to a forward proxy), ``CONNECT`` (tunnels)
    and ``*`` are refused, so the gateway cannot be used to reach any host but its upstream.
    Dot segments (``/./``, ``/../``, also percent-encoded) are refused too: they could climb
    out of an upstream path prefix.
    """
    if method == "CONNECT":
        return "CONNECT is not served: this gateway forwards only to its configured upstream"
    if not raw_path.startswith(b"/"):
        return (
            "the request target must be a path (origin form): this gateway forwards only to "
            "its configured upstream"
        )
    path = urllib.parse.unquote_to_bytes(raw_path)
    if any(segment in (b".", b"..") for segment in path.split(b"/")):
        return "the request path must not contain dot segments ('.' or '..')"
    if b"\\" in path:
        return "the request path must not contain backslashes"
    return None
