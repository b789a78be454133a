"""The sseconv exception family: every failure sseconv raises is an :class:`SSEConvError`.

``UsageError`` and ``VersionError`` are bad arguments (also ``ValueError``); every
``InputError`` is something wrong with the input stream and says where (``dialect``,
``event_number``, ``offset``, and the ``output`` converted before it). The classes are also
importable from :mod:`sseconv`. See the README's "Bad input" for the tree.
"""

# ruff: noqa: F405 (the names of __all__ come from the star import, for type checkers)

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_names

if TYPE_CHECKING:  # for type checkers and IDEs; at run time each name is imported on first use
    from ._errors import *  # noqa: F403

# The one list of these names: sseconv's top level takes it from here.
__all__ = [
    "APIError",
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

if not TYPE_CHECKING:  # hidden from type checkers, which would then accept any attribute
    __getattr__, __dir__ = lazy_names(globals(), dict.fromkeys(__all__, "_errors"))
