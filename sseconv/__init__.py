"""sseconv: translate Anthropic streaming responses between their SSE dialects.

The public names are imported on first use (PEP 562 ``__getattr__``): ``import sseconv``,
``sseconv --version`` and ``sseconv --help`` do not load pydantic and the event model.
``from sseconv import Converter`` and ``sseconv.Converter`` work as with eager imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # for type checkers and IDEs; at run time see _HOMES and __getattr__
    from ._codecs import Decoder, Encoder, Mode
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
    from ._detect import DETECT_LIMIT, detect
    from ._dialect import Dialect
    from ._errors import (
        BODY_LIMIT,
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
    from ._legacy_adapter import (
        AsyncLegacyCompletions,
        LegacyCompletions,
        alegacy_completions,
        legacy_completions,
    )
    from ._report import Report
    from ._sse import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent, SSEParser, encode_sse
    from ._validate import Problem, Validator, validate
    from ._versions import dialect_for_version

# Where each public name lives (one line per name; a test checks this table against the
# imports above and __all__). Add a new public name in all three places.
_HOMES: dict[str, str] = {
    "aconvert": "_convert",
    "alegacy_completions": "_legacy_adapter",
    "aparse_events": "_convert",
    "APIError": "_errors",
    "AsyncConversion": "_convert",
    "AsyncLegacyCompletions": "_legacy_adapter",
    "BlockDelta": "_events",
    "BlockStart": "_events",
    "BlockStop": "_events",
    "BODY_LIMIT": "_errors",
    "Conversion": "_convert",
    "convert": "_convert",
    "Converter": "_convert",
    "Decoder": "_codecs",
    "DEFAULT_MAX_EVENT_SIZE": "_sse",
    "detect": "_detect",
    "DETECT_LIMIT": "_detect",
    "DetectionError": "_errors",
    "Dialect": "_dialect",
    "dialect_for_version": "_versions",
    "Done": "_events",
    "encode_events": "_convert",
    "encode_sse": "_sse",
    "Encoder": "_codecs",
    "encoder_for": "_convert",
    "EventAfterEndError": "_errors",
    "EventReader": "_convert",
    "EventTooLargeError": "_errors",
    "IncompleteStreamError": "_errors",
    "InputError": "_errors",
    "legacy_completions": "_legacy_adapter",
    "LegacyCompletions": "_legacy_adapter",
    "MalformedEventError": "_errors",
    "Mode": "_codecs",
    "ModelEvent": "_events",
    "NotEventStreamError": "_errors",
    "parse_events": "_convert",
    "Ping": "_events",
    "Problem": "_validate",
    "Report": "_report",
    "RewrittenTextError": "_errors",
    "ServerSentEvent": "_sse",
    "SSEConvError": "_errors",
    "SSEParser": "_sse",
    "StreamEnd": "_events",
    "StreamError": "_events",
    "StreamStart": "_events",
    "StreamStop": "_events",
    "TextDelta": "_events",
    "Unknown": "_events",
    "UnrepresentableError": "_errors",
    "UsageError": "_errors",
    "validate": "_validate",
    "Validator": "_validate",
    "VersionError": "_errors",
}

__all__ = [
    "BODY_LIMIT",
    "DEFAULT_MAX_EVENT_SIZE",
    "DETECT_LIMIT",
    "APIError",
    "AsyncConversion",
    "AsyncLegacyCompletions",
    "BlockDelta",
    "BlockStart",
    "BlockStop",
    "Conversion",
    "Converter",
    "Decoder",
    "DetectionError",
    "Dialect",
    "Done",
    "Encoder",
    "EventAfterEndError",
    "EventReader",
    "EventTooLargeError",
    "IncompleteStreamError",
    "InputError",
    "LegacyCompletions",
    "MalformedEventError",
    "Mode",
    "ModelEvent",
    "NotEventStreamError",
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

    def __getattr__(name: str) -> Any:
        """Import a public name from its module on first use, then keep it in the namespace."""
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{home}", __name__), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
