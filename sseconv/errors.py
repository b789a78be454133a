"""The sseconv exception family: every failure sseconv raises is an :class:`SSEConvError`.

``UsageError`` and ``VersionError`` are bad arguments (also ``ValueError``); every
``InputError`` is something wrong with the input stream and says where (``dialect``,
``event_number``, ``offset``, and the ``output`` converted before it). The classes are also
importable from :mod:`sseconv`. See the README's "Bad input" for the tree.
"""

from ._errors import (
    APIError,
    DetectionError,
    EventAfterEndError,
    EventTooLargeError,
    IncompleteStreamError,
    InputError,
    MalformedEventError,
    NotEventStreamError,
    RewrittenTextError,
    SSEConvError,
    UnrepresentableError,
    UsageError,
    VersionError,
)

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
