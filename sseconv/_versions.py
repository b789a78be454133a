"""Map an ``anthropic-version`` header value (and endpoint) to the dialect the API streams."""

from __future__ import annotations

import datetime
import re

from ._dialect import Dialect
from ._errors import UsageError, VersionError

__all__ = ["dialect_for_version"]

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LEGACY = datetime.date(2023, 1, 1)
_CURRENT = datetime.date(2023, 6, 1)


def _endpoint_kind(endpoint: str) -> str:
    path = endpoint.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    for suffix in ("/v1/complete", "/v1/messages"):
        if path.endswith(suffix):
            return suffix
    raise UsageError(
        f"expected an endpoint ending in /v1/complete or /v1/messages, found {endpoint!r}"
    )


def dialect_for_version(header_value: str | None, *, endpoint: str = "/v1/complete") -> Dialect:
    """Return the dialect the API streams for an ``anthropic-version`` value on an endpoint.

    ``2023-01-01`` gives ``LEGACY`` on ``/v1/complete``; any real date from ``2023-06-01`` on
    gives ``COMPLETIONS`` on ``/v1/complete`` and ``MESSAGES`` on ``/v1/messages``. The
    endpoint may be a path or a URL; it is matched on the path's end, the query is ignored.

    Raises:
        VersionError: ``code="version_required"`` for ``None``; ``"invalid_version"`` for a
            value that is not a real ``YYYY-MM-DD`` date; ``"unsupported_version"`` for any
            other date, and for ``2023-01-01`` on ``/v1/messages``.
        UsageError: the endpoint is neither ``/v1/complete`` nor ``/v1/messages``.
    """
    if header_value is None:
        raise VersionError(
            "expected an anthropic-version header, found none", code="version_required"
        )
    value = header_value.strip()
    try:
        date = datetime.date.fromisoformat(value) if _DATE.fullmatch(value) else None
    except ValueError:  # not a real date (2023-02-30)
        date = None
    if date is None:
        raise VersionError(
            f"expected an anthropic-version date like 2023-06-01, found {header_value!r}",
            code="invalid_version",
        )
    kind = _endpoint_kind(endpoint)
    if date == _LEGACY and kind == "/v1/complete":
        return Dialect.LEGACY
    if date >= _CURRENT:
        return Dialect.COMPLETIONS if kind == "/v1/complete" else Dialect.MESSAGES
    raise VersionError(
        f"expected anthropic-version 2023-01-01 or a date from 2023-06-01 on for {kind}, "
        f"found {value!r}",
        code="unsupported_version",
    )
