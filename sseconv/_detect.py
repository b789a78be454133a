"""Tell a stream's dialect from its framing and payload shape, never from its text."""

from __future__ import annotations

import json

from ._dialect import Dialect
from ._errors import SSEConvError
from ._sse import ServerSentEvent, SSEParser

__all__ = ["MESSAGES_EVENTS", "classify", "detect"]

MESSAGES_EVENTS = frozenset(
    {
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    }
)


def classify(event: ServerSentEvent) -> Dialect | None:
    """The dialect that one event proves, or ``None`` when it fits several or none.

    A data-only JSON object with a ``completion`` key is legacy, as is a ping whose data is
    not JSON (a timestamp); a ``completion`` event is 2023-06-01; the ``message_*`` and
    ``content_block_*`` events are Messages. ``ping``, ``error`` and ``[DONE]`` decide nothing.
    """
    name = event.event
    if name is None:
        data = event.data
        if data[:1] != "{":
            return None
        try:
            payload = json.loads(data)
        except (ValueError, RecursionError):
            return None
        if isinstance(payload, dict) and "completion" in payload:
            return Dialect.LEGACY
        return None
    if name == "completion":
        return Dialect.COMPLETIONS
    if name in MESSAGES_EVENTS:
        return Dialect.MESSAGES
    if name == "ping" and event.data[:1] != "{":
        return Dialect.LEGACY
    return None


def detect(data: bytes) -> Dialect | None:
    """Return the dialect of a stream from its first bytes, or ``None`` if they do not say.

    The first event that decides (see :func:`classify`) wins; a final block without its
    blank line is considered too. Bytes that are not a stream at all give ``None``.
    """
    parser = SSEParser(dispatch_incomplete=True)
    try:
        events = parser.feed(data) + parser.close()
    except SSEConvError:
        return None
    for event in events:
        found = classify(event)
        if found is not None:
            return found
    return None
