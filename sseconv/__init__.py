"""sseconv: translate Anthropic streaming responses between their SSE dialects.

The public names are imported on first use (PEP 562 ``__getattr__``): ``import sseconv``,
``sseconv --version`` and ``sseconv --help`` do not load pydantic and the event model.
``from sseconv import Converter`` and ``sseconv.Converter`` work as with eager imports.

Public submodules: :mod:`sseconv.events` (the model-event classes) and :mod:`sseconv.errors`
(the exceptions), both also importable from here; :mod:`sseconv.types` (names for annotations,
the limits); the adapters :mod:`sseconv.httpx`, :mod:`sseconv.legacy_client`,
:mod:`sseconv.translate`; :mod:`sseconv.recordings`, :mod:`sseconv.replay`, :mod:`sseconv.serve`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_names
from ._version import __version__

if TYPE_CHECKING:  # for type checkers and IDEs; at run time see _HOMES
    from ._convert import (
        AsyncConversion,
        Conversion,
        Converter,
        EventReader,
        aconvert,
        aparse_events,
        convert,
        encode_events,
        encoder_for,
        parse_events,
    )
    from ._detect import Detector, detect
    from ._dialect import Dialect
    from ._legacy_adapter import alegacy_completions, legacy_completions
    from ._options import Options
    from ._report import Report
    from ._sse import ServerSentEvent, SSEParser, encode_sse
    from ._validate import Problem, Validator, validate
    from ._versions import dialect_for_version
    from .errors import (
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
    from .events import (
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

# Where each public name lives (one line per name; a test checks this table against the
# imports above and __all__). Add a new public name in all three places. The model-event
# classes live in sseconv.events, the exceptions in sseconv.errors, the names for annotations
# and the limits in sseconv.types.
_HOMES: dict[str, str] = {
    "aconvert": "_convert",
    "alegacy_completions": "_legacy_adapter",
    "aparse_events": "_convert",
    "APIError": "errors",
    "AsyncConversion": "_convert",
    "BlockDelta": "events",
    "BlockStart": "events",
    "BlockStop": "events",
    "Conversion": "_convert",
    "convert": "_convert",
    "Converter": "_convert",
    "detect": "_detect",
    "Detector": "_detect",
    "DetectionError": "errors",
    "Dialect": "_dialect",
    "dialect_for_version": "_versions",
    "Done": "events",
    "encode_events": "_convert",
    "encode_sse": "_sse",
    "encoder_for": "_convert",
    "EventAfterEndError": "errors",
    "EventReader": "_convert",
    "EventTooLargeError": "errors",
    "IncompleteStreamError": "errors",
    "InputError": "errors",
    "legacy_completions": "_legacy_adapter",
    "MalformedEventError": "errors",
    "ModelEvent": "events",
    "NotEventStreamError": "errors",
    "Options": "_options",
    "parse_events": "_convert",
    "Ping": "events",
    "Problem": "_validate",
    "Report": "_report",
    "RewrittenTextError": "errors",
    "ServerSentEvent": "_sse",
    "SSEConvError": "errors",
    "SSEParser": "_sse",
    "StreamEnd": "events",
    "StreamError": "events",
    "StreamStart": "events",
    "StreamStop": "events",
    "TextDelta": "events",
    "Unknown": "events",
    "UnrepresentableError": "errors",
    "UsageError": "errors",
    "validate": "_validate",
    "Validator": "_validate",
    "VersionError": "errors",
}

__all__ = [
    "APIError",
    "AsyncConversion",
    "BlockDelta",
    "BlockStart",
    "BlockStop",
    "Conversion",
    "Converter",
    "DetectionError",
    "Detector",
    "Dialect",
    "Done",
    "EventAfterEndError",
    "EventReader",
    "EventTooLargeError",
    "IncompleteStreamError",
    "InputError",
    "MalformedEventError",
    "ModelEvent",
    "NotEventStreamError",
    "Options",
    "Ping",
    "Problem",
    "Report",
    "RewrittenTextError",
    "SSEConvError",
    "SSEParser",
    "ServerSentEvent",
    "StreamEnd",
    "StreamError",
    "StreamStart",
    "StreamStop",
    "TextDelta",
    "Unknown",
    "UnrepresentableError",
    "UsageError",
    "Validator",
    "VersionError",
    "__version__",
    "aconvert",
    "alegacy_completions",
    "aparse_events",
    "convert",
    "detect",
    "dialect_for_version",
    "encode_events",
    "encode_sse",
    "encoder_for",
    "legacy_completions",
    "parse_events",
    "validate",
]


if not TYPE_CHECKING:  # hidden from type checkers, which would then accept any attribute
    __getattr__, __dir__ = lazy_names(globals(), _HOMES)
