"""The sseconv exception classes: see their public home, :mod:`sseconv.errors`. Nothing but
an :class:`SSEConvError` escapes the library on any input bytes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._events import ModelEvent
    from ._sse_event import ServerSentEvent

#: The most bytes of a body that is not an event stream kept in its error (``body``).
BODY_LIMIT = 16 * 1024


class SSEConvError(Exception):
    """Base class of every error raised by sseconv.

    Attributes:
        message: the one-line description, without the position suffix.
        dialect: the name of the dialect being read, when known.
        event_number: 1-based number of the SSE event at fault (all dispatched events count),
            when known.
        offset: byte offset of that event's first line, from the first input byte (BOM
            included), when known.
        output: bytes converted from the events before the failure (``b""`` if none).
        events: the model events that the failing call decoded before the failure and did not
            return (``EventReader``, ``parse_events``; empty otherwise).
    """

    def __init__(
        self,
        message: str,
        *,
        dialect: str | None = None,
        event_number: int | None = None,
        offset: int | None = None,
        output: bytes = b"",
    ) -> None:
        self.message = message
        self.dialect = dialect
        self.event_number = event_number
        self.offset = offset
        self.output = output
        self.events: list[ModelEvent] = []
        super().__init__(message)

    def __str__(self) -> str:
        return positioned(self.message, self.dialect, self.event_number, self.offset)


def positioned(text: str, dialect: str | None, event_number: int | None, offset: int | None) -> str:
    """``text`` followed by what is known of where: ``"… (legacy, event 3, byte 120)"``."""
    where = [] if dialect is None else [dialect]
    if event_number is not None:
        where.append(f"event {event_number}")
    if offset is not None:
        where.append(f"byte {offset}")
    return f"{text} ({', '.join(where)})" if where else text


class UsageError(SSEConvError, ValueError):
    """An argument is not valid: an unknown dialect name, an unknown option."""


class VersionError(SSEConvError, ValueError):
    """An ``anthropic-version`` value that cannot be served.

    Attributes:
        code: ``"invalid_version"``, ``"version_required"`` or ``"unsupported_version"``.
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class InputError(SSEConvError):
    """Something is wrong with the input stream; the position says where."""


class EventTooLargeError(InputError):
    """One event (or one line) is larger than the configured limit.

    Attributes:
        sse_events: the server-sent events that :meth:`SSEParser.feed` completed before the
            failure (they were not returned).
    """

    def __init__(self, message: str, **position: Any) -> None:
        super().__init__(message, **position)
        self.sse_events: list[ServerSentEvent] = []


class DetectionError(InputError):
    """The dialect of the input cannot be decided.

    Attributes:
        limit: the detection limit in bytes, when no event decided within it (``None`` when
            the input ended first).
    """

    def __init__(self, message: str, *, limit: int | None = None, **position: Any) -> None:
        super().__init__(message, **position)
        self.limit = limit


class MalformedEventError(InputError):
    """An event's payload is not valid JSON, or not of the shape its dialect requires."""


class RewrittenTextError(InputError):
    """A cumulative legacy text does not start with the text before it."""


class EventAfterEndError(InputError):
    """An event arrived after the stream had ended."""


class IncompleteStreamError(InputError):
    """The input ended before its stream finished (raised in strict mode)."""


class UnrepresentableError(InputError):
    """Content that has no place in the target dialect (raised in strict mode)."""


class NotEventStreamError(InputError):
    """What was read is not a server-sent event stream: an HTTP response with an error status
    or another content-type, a body in which no line is an SSE field or comment (JSON, HTML,
    binary; raised at the end of input), or a body whose content-encoding cannot be undone.

    It carries what the server said, as far as it is known:

    Attributes:
        status_code: the response's HTTP status (``None`` for bytes that are not a response).
        content_type: its ``content-type`` header (``None`` when absent or unknown).
        body: the first bytes of the body (at most :data:`BODY_LIMIT`).
        response: the response object read (``httpx``, ``requests``, ``aiohttp``), left open
            for its owner, or ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        content_type: str | None = None,
        body: bytes = b"",
        response: Any = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.content_type = content_type
        self.body = body[:BODY_LIMIT]
        self.response = response


class APIError(NotEventStreamError):
    """The input is the API's error answer, ``{"type":"error","error":{"type":…,"message":…}}``
    (what a 4xx/5xx response carries; the older form without the top-level ``type`` too),
    instead of a stream. What anthropic 0.2.10 raised as ``ApiException`` for a status other
    than 200.

    Attributes:
        error_type: ``error.type`` (``"authentication_error"``, ``"overloaded_error"``, …).
        error_message: ``error.message``.
        error: the whole parsed ``error`` object.
        request_id: the body's top-level ``request_id`` (today's API sends one), or ``None``.
    """

    def __init__(
        self, message: str, *, error: dict[str, Any], request_id: str | None = None, **known: Any
    ) -> None:
        super().__init__(message, **known)
        self.error = error
        self.error_type: str = error["type"]
        self.error_message: str = error.get("message", "")
        self.request_id = request_id
