"""sseconv: translate Anthropic streaming responses between their SSE dialects."""

from ._codecs import Decoder, Encoder, Mode
from ._convert import (
    DETECT_LIMIT,
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
from ._detect import detect
from ._dialect import Dialect
from ._errors import (
    DetectionError,
    EventAfterEndError,
    EventTooLargeError,
    IncompleteStreamError,
    InputError,
    MalformedEventError,
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
from ._report import Report
from ._sse import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent, SSEParser, encode_sse
from ._versions import dialect_for_version

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_MAX_EVENT_SIZE",
    "DETECT_LIMIT",
    "AsyncConversion",
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
    "MalformedEventError",
    "Mode",
    "ModelEvent",
    "Ping",
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
    "VersionError",
    "__version__",
    "aconvert",
    "aparse_events",
    "convert",
    "detect",
    "dialect_for_version",
    "encode_events",
    "encode_sse",
    "encoder_for",
    "parse_events",
]
