"""The typed event model: what :func:`sseconv.parse_events` yields and
:func:`sseconv.encode_events` writes, the same classes for every dialect.

Each class is a frozen pydantic model carrying the position of the input event it came from
(``event_number``, ``offset``). The classes are also importable from :mod:`sseconv`. See the
README's "The model".
"""

# ruff: noqa: F405 (the names of __all__ come from the star import, for type checkers)

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_names

if TYPE_CHECKING:  # for type checkers and IDEs; at run time each name is imported on first use
    from ._events import *  # noqa: F403

# The one list of these names: sseconv's top level takes it from here.
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

if not TYPE_CHECKING:  # hidden from type checkers, which would then accept any attribute
    __getattr__, __dir__ = lazy_names(globals(), dict.fromkeys(__all__, "_events"))
