"""One ``/v1/complete`` exchange served from ``/v1/messages`` (sans-IO).

The single home of the exchange rules, used by the httpx transports and by the gateway: what
the client asked for (dialect from its ``anthropic-version``, stream or not), what to send
upstream (path, headers, body), and how to answer with what came back.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._convert import Converter
from ._dialect import Dialect
from ._errors import SSEConvError, UsageError, VersionError
from ._headers import HOP_BY_HOP
from ._options import EncodeOptions, Options, options_from
from ._report import Report
from ._requests import (
    UPSTREAM_VERSION,
    RequestError,
    compact_json,
    complete_to_messages,
    error_body,
)
from ._responses import convert_message
from ._versions import dialect_for_version

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["CompleteExchange", "ExchangeOptions"]

#: Request headers never copied upstream: recomputed for the new body, or per connection.
_NOT_FORWARDED = HOP_BY_HOP | {"content-length", "host"}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def check_upstream_version(version: str) -> None:
    """Validate an upstream ``anthropic-version`` (a date ``/v1/messages`` accepts)."""
    dialect_for_version(version, endpoint="/v1/messages")


class ExchangeOptions(EncodeOptions, total=False):
    """The options of an exchange's answer: those of its :class:`~sseconv.Converter` (see
    :class:`~sseconv.Options`) but ``source``, which is Messages, and ``detect_limit``."""

    max_event_size: int
    dispatch_incomplete: bool


class CompleteExchange:
    """One ``POST /v1/complete`` answered through ``POST /v1/messages``.

    Made by :meth:`from_request`, which raises :class:`RequestError` (answer the client with
    ``error.status`` and ``error.body()``) for a bad ``anthropic-version``, bad JSON or a prompt
    the old API refused.

    Attributes:
        dialect: what the client reads: ``LEGACY`` for ``2023-01-01``, ``COMPLETIONS`` for
            ``2023-06-01`` and later dates.
        stream: whether the client asked for a stream.
        request: the client's request body (parsed).
        upstream_request: the Messages request body (parsed).
        upstream_body: the same, as compact JSON bytes.
        upstream_version: the ``anthropic-version`` sent upstream.
        upstream_path: ``"/v1/messages"``.
        options: the :class:`~sseconv.Options` of the answer (``source`` Messages).
        report: what the last non-stream :meth:`response` could not carry (``None`` before);
            a stream's report is its converter's.
    """

    upstream_path = "/v1/messages"

    def __init__(
        self,
        dialect: Dialect,
        request: dict[str, Any],
        upstream_request: dict[str, Any],
        upstream_version: str,
        options: Options | None = None,
    ) -> None:
        self.dialect = dialect
        self.request = request
        self.upstream_request = upstream_request
        self.upstream_version = upstream_version
        self.stream = upstream_request.get("stream") is True
        self.upstream_body = compact_json(upstream_request)
        self.options = dataclasses.replace(options or Options(), source=Dialect.MESSAGES)
        self.report: Report | None = None

    @classmethod
    def from_request(
        cls,
        headers: Mapping[str, str],
        body: bytes,
        *,
        models: Mapping[str, str] | None = None,
        upstream_version: str = UPSTREAM_VERSION,
        **options: Unpack[ExchangeOptions],
    ) -> CompleteExchange:
        """Read a client's ``/v1/complete`` request.

        Args:
            headers: the request headers (any mapping; names matched case-insensitively).
            body: the request body.
            models: the model table (default :data:`RETIRED_MODELS`).
            upstream_version: the ``anthropic-version`` to send upstream.
            options: :class:`ExchangeOptions` for the answer: ``mode`` (``"strict"`` makes
                content without a place in the completion an error instead of dropping and
                counting it), and for a stream ``eol``, ``pings``, ``clock``,
                ``max_event_size``, ``dispatch_incomplete``.

        Raises:
            RequestError: 400 ``version_required`` / ``invalid_version`` /
                ``unsupported_version`` for the client's ``anthropic-version``, 400
                ``invalid_request_error`` for a body that is not a JSON object or a prompt
                the old API refused.
            UsageError: an unknown option or a wrong value.
        """
        checked = options_from(options, ExchangeOptions)
        try:
            dialect = dialect_for_version(
                _header(headers, "anthropic-version"), endpoint="/v1/complete"
            )
        except VersionError as exc:
            raise RequestError(exc.message, type=exc.code) from None
        try:
            request = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RequestError(f"expected a JSON request body, found invalid JSON: {exc}") from None
        upstream = complete_to_messages(request, models=models)
        return cls(dialect, request, upstream, upstream_version, checked)

    def upstream_target(self, path: str) -> str:
        """The upstream path for the client's request path: its ``/v1/complete`` end (a
        trailing slash allowed) replaced by ``/v1/messages``, any prefix kept
        (``/proxy/v1/complete`` -> ``/proxy/v1/messages``).

        Raises:
            UsageError: ``path`` does not end in ``/v1/complete``.
        """
        stripped = path.rstrip("/")
        if not stripped.endswith("/v1/complete"):
            raise UsageError(f"expected a path ending in /v1/complete, found {path!r}")
        return stripped[: -len("/v1/complete")] + self.upstream_path

    def upstream_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """The client's headers for the upstream request: ``anthropic-version`` replaced,
        ``content-type`` JSON, ``content-length``, ``host`` and hop-by-hop headers left out
        (with those named in ``connection``)."""
        dropped = _NOT_FORWARDED | {"anthropic-version", "content-type"}
        connection = _header(headers, "connection")
        if connection:
            dropped |= {token.strip().lower() for token in connection.split(",")}
        out = {key: value for key, value in headers.items() if key.lower() not in dropped}
        out["anthropic-version"] = self.upstream_version
        out["content-type"] = "application/json"
        return out

    def converter(self) -> Converter:
        """The :class:`~sseconv.Converter` for the upstream stream (Messages to
        :attr:`dialect`, with :attr:`options`)."""
        return Converter(self.dialect, **vars(self.options))

    def response(self, status: int, content_type: str | None, body: bytes) -> tuple[int, bytes]:
        """The answer to the client for a whole (non-stream) upstream response: ``(status,
        JSON body)``.

        A 2xx Messages JSON becomes the completion JSON of :attr:`dialect`; an error JSON in
        the API's shape is passed on unchanged with its status; any other body (an HTML page
        from a proxy, a Messages JSON that cannot be read) becomes the API's error shape:
        ``api_error`` with the upstream status for a non-2xx answer, 502 otherwise.
        """
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            parsed = None
        if not 200 <= status < 300:
            error = parsed.get("error") if isinstance(parsed, dict) else None
            if isinstance(error, dict) and "type" in error:
                return status, body
            text = body[:200].decode("utf-8", "replace")
            what = content_type or "no content-type"
            return status, error_body(
                "api_error", f"upstream answered {status} ({what}): {text}".rstrip()
            )
        if not isinstance(parsed, dict):
            return 502, error_body(
                "api_error", "expected a Messages JSON response from upstream, found none"
            )
        try:
            completion, self.report = convert_message(parsed, self.dialect, mode=self.options.mode)
        except SSEConvError as exc:
            return 502, error_body("api_error", f"upstream response: {exc}")
        return status, compact_json(completion)
