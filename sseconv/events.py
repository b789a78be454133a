"""The typed event model: what :func:`sseconv.parse_events` yields and
:func:`sseconv.encode_events` writes, the same classes for every dialect.

Each class is a frozen pydantic model carrying the position of the input event it came from
(``event_number``, ``offset``). The classes are also importable from :mod:`sseconv`. See the
README's "The model".
"""

from ._events import (
    BlockDelta,
    BlockStart,
    BlockStop,
    Done,
    ModelEvent,
    Ping,
    StreamEnd,
    StreamError,
    StreamStart,
    StreamStop,
    TextDelta,
    Unknown,
)

__all__ = [
    "BlockDelta",
    "BlockStart",
    "BlockStop",
    "Done",
    "ModelEvent",
    "Ping",
    "StreamEnd",
    "StreamError",
    "StreamStart",
    "StreamStop",
    "TextDelta",
    "Unknown",
]
