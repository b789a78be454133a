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

from . import errors, events
from ._lazy import lazy_names
from ._version import __version__

if TYPE_CHECKING:  # for type checkers and IDEs (`X as X`: re-exported); at run time, _HOMES
    from ._convert import AsyncConversion as AsyncConversion
    from ._convert import Conversion as Conversion
    from ._convert import Converter as Converter
    from ._convert import EventReader as EventReader
    from ._convert import aconvert as aconvert
    from ._convert import aparse_events as aparse_events
    from ._convert import convert as convert
    from ._convert import encode_events as encode_events
    from ._convert import encoder_for as encoder_for
    from ._convert import parse_events as parse_events
    from ._detect import Detector as Detector
    from ._detect import detect as detect
    from ._dialect import Dialect as Dialect
    from ._legacy_adapter import alegacy_completions as alegacy_completions
    from ._legacy_adapter import legacy_completions as legacy_completions
    from ._options import Options as Options
    from ._report import Report as Report
    from ._sse import ServerSentEvent as ServerSentEvent
    from ._sse import SSEParser as SSEParser
    from ._sse import encode_sse as encode_sse
    from ._validate import Problem as Problem
    from ._validate import Validator as Validator
    from ._validate import validate as validate
    from ._versions import dialect_for_version as dialect_for_version
    from .errors import *  # noqa: F403
    from .events import *  # noqa: F403

# Where each public name lives, besides the model-event classes (sseconv.events) and the
# exceptions (sseconv.errors), which are listed there: a test checks this table against the
# imports above. Add a new public name in both places.
_HOMES: dict[str, str] = {
    "aconvert": "_convert",
    "alegacy_completions": "_legacy_adapter",
    "aparse_events": "_convert",
    "AsyncConversion": "_convert",
    "Conversion": "_convert",
    "convert": "_convert",
    "Converter": "_convert",
    "detect": "_detect",
    "Detector": "_detect",
    "Dialect": "_dialect",
    "dialect_for_version": "_versions",
    "encode_events": "_convert",
    "encode_sse": "_sse",
    "encoder_for": "_convert",
    "EventReader": "_convert",
    "legacy_completions": "_legacy_adapter",
    "Options": "_options",
    "parse_events": "_convert",
    "Problem": "_validate",
    "Report": "_report",
    "ServerSentEvent": "_sse",
    "SSEParser": "_sse",
    "validate": "_validate",
    "Validator": "_validate",
}

__all__ = ["__version__", *_HOMES]
__all__ += errors.__all__
__all__ += events.__all__

if not TYPE_CHECKING:  # hidden from type checkers, which would then accept any attribute
    __getattr__, __dir__ = lazy_names(globals(), _HOMES, errors, events)
