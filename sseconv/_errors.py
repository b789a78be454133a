"""The sseconv exception family.

Every failure that sseconv raises is an :class:`SSEConvError`; nothing else escapes the
library on any input bytes::

    SSEConvError                      base; carries dialect, event_number, offset, output
    ├── UsageError (ValueError)       a bad argument: unknown dialect name, bad option
    ├── VersionError (ValueError)     an ``anthropic-version`` header value; ``.code`` says which:
    │                                 "invalid_version", "version_required", "unsupported_version"
    └── InputError                    something wrong with the input stream, at a position
        ├── EventTooLargeError        one event exceeds the parser's size limit
        ├── DetectionError            the dialect cannot be told from the first bytes
        ├── MalformedEventError       bad JSON or a payload of the wrong shape
        ├── RewrittenTextError        a legacy cumulative text that does not extend the last
        ├── EventAfterEndError        an event after the end of the stream
        ├── IncompleteStreamError     the input ended before its stream finished (strict mode)
        ├── UnrepresentableError      content with no place in the target dialect (strict mode)
        └── NotEventStreamError       a response read as a stream is not text/event-stream

Positions: ``event_number`` counts every dispatched SSE event from 1; ``offset`` is the byte
offset of the offending event's first line, counted from the first input byte (BOM included).
When :meth:`sseconv.Converter.feed` raises, ``output`` holds the bytes converted from the events
before the bad one, so that a caller can still write everything convertible.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DetectionError",
    "EventAfterEndError",
    "EventTooLargeError",
    "IncompleteStreamError",
    "InputError",
    "MalformedEventError",
    "NotEventStreamError",
    "RewrittenTextError",
    "SSEConvError",
    "UnrepresentableError",
    "UsageError",
    "VersionError",
]


class SSEConvError(Exception):
    """Base class of every error raised by sseconv.

    Attributes:
        message: the one-line description, without the position suffix.
        dialect: the name of the dialect being read, when known.
        event_number: 1-based number of the SSE event at fault, when known.
        offset: byte offset (from the first input byte) of that event, when known.
        output: bytes converted from the events before the failure (``b""`` if none).
        events: what the failing call produced before the failure and did not return: model
            events (``EventReader``, ``parse_events``) or server-sent events
            (``SSEParser.feed``, for :class:`EventTooLargeError`).
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
        self.events: list[Any] = []
        super().__init__(message)

    def __str__(self) -> str:
        where = []
        if self.dialect is not None:
            where.append(self.dialect)
        if self.event_number is not None:
            where.append(f"event {self.event_number}")
        if self.offset is not None:
            where.append(f"byte {self.offset}")
        return f"{self.message} ({', '.join(where)})" if where else self.message


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
    """One event (or one line) is larger than the configured limit."""


class DetectionError(InputError):
    """The dialect of the input cannot be decided."""


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
    """A response read as a stream is not ``text/event-stream`` (e.g. a JSON error answer).

    Attributes:
        status_code: the response's HTTP status.
        content_type: its ``content-type`` header.
    """

    def __init__(self, message: str, *, status_code: int | None, content_type: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.content_type = content_type
