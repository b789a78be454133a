"""What a body that is not a server-sent event stream says: the one rule for telling such a
body from a stream, and the error it becomes (an :class:`APIError` when it is the API's error
answer, else a :class:`NotEventStreamError`).

Used by the readers at the end of input (bytes without any SSE line) and by the adapters for
HTTP responses (an error status, another content-type, a body that cannot be decoded).
"""

from __future__ import annotations

import re
from typing import Any

from ._errors import BODY_LIMIT, APIError, InputError, NotEventStreamError

__all__ = [
    "BODY_LIMIT",
    "Head",
    "api_answer",
    "is_event_stream_media",
    "is_not_event_stream",
    "not_event_stream",
]

_BOM = b"\xef\xbb\xbf"
_SPACE = b" \t\r\n\f\v"
# A line the SSE standard gives a meaning to: a comment, or one of the four fields (a last line
# cut inside a field's name too: an input cut after `even` is a cut stream, not another body).
_SSE_LINE = re.compile(
    rb"(?::|(?:data|event|id|retry)(?::|\r|\n|$)|(?:d(?:at?)?|e(?:v(?:en?)?)?|i|r(?:e(?:tr?)?)?)\Z)",
    re.MULTILINE,
)
_LINE_START = re.compile(rb"(?:^|(?<=[\r\n]))")
_PREVIEW = 40


def api_answer(error_type: str, message: str) -> str:
    """How an API error is told, whether it came instead of a stream or ended one."""
    return f"the API answered {error_type}: {message}"


def is_not_event_stream(head: bytes | bytearray) -> bool:
    """Whether the first bytes of an input (at most :data:`BODY_LIMIT` of them), in which no
    event was dispatched, hold something (not only whitespace) and no line of them is an SSE
    comment or field: JSON, HTML, binary, a JSONL file. Empty or blank input is not such a
    body: it is an unfinished stream."""
    head = head.removeprefix(_BOM)
    if not head.strip(_SPACE):
        return False
    return not any(_SSE_LINE.match(head, m.start()) for m in _LINE_START.finditer(head))


class Head:
    """The first bytes of an input, kept while no event is dispatched (``dispatched``: the
    parser's count): at the end, an input in which no line is an SSE line is not a stream."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data: bytearray | None = bytearray()

    def add(self, data: bytes, dispatched: int) -> None:
        head = self.data
        if head is not None:
            if dispatched:
                self.data = None
            elif len(head) < BODY_LIMIT:
                head += data[: BODY_LIMIT - len(head)]

    def error(self, dispatched: int) -> InputError | None:
        """The error for such an input (``None`` for a stream, or blank input: unfinished)."""
        head = self.data
        if head is None or dispatched or not is_not_event_stream(head):
            return None
        return not_event_stream(bytes(head))


def is_event_stream_media(content_type: str | None) -> bool:
    """Whether a ``content-type`` value is ``text/event-stream`` (parameters aside)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "text/event-stream"


def not_event_stream(
    body: bytes,
    *,
    reason: str | None = None,
    status_code: int | None = None,
    content_type: str | None = None,
    response: Any = None,
) -> NotEventStreamError:
    """The error for a body that is not an event stream.

    An API error answer (``{"type":"error","error":{"type":…,"message":…}}``, with or without
    the top-level ``type``, the rule of :func:`decode_error`) becomes an :class:`APIError`
    saying ``the API answered TYPE: MESSAGE``; anything else a :class:`NotEventStreamError`
    saying ``reason`` (default: ``not a server-sent event stream``) and how the body starts.
    """
    # (imported here: the command line imports this module and starts without the model)
    from ._codecs._base import decode_error
    from ._codecs._completions import CompletionsDecoder
    from ._json import load_object
    from ._sse import ServerSentEvent

    head = body[:BODY_LIMIT]
    known = {
        "status_code": status_code,
        "content_type": content_type,
        "body": head,
        "response": response,
    }
    status = f" (HTTP status {status_code})" if status_code is not None else ""
    text = head.removeprefix(_BOM).decode("utf-8", "replace")
    try:
        error = decode_error(CompletionsDecoder(), ServerSentEvent("error", text.strip()))
        payload = load_object(text, "an error answer")
    except InputError:
        pass
    else:
        request_id = payload.get("request_id")
        return APIError(
            api_answer(error["type"], error["message"]) + status,
            error=payload["error"],
            request_id=request_id if isinstance(request_id, str) else None,
            **known,
        )
    shown = text.strip()
    preview = repr(shown[:_PREVIEW] + ("…" if len(shown) > _PREVIEW else ""))
    found = f"; it starts with {preview}" if shown else "; the body is empty"
    return NotEventStreamError(
        f"{reason or 'not a server-sent event stream'}{status}{found}", **known
    )
