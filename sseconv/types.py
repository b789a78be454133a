"""Names for annotations and limits: what a program needs to write sseconv's types down.

``Mode`` (``"strict" | "default" | "lenient"``), the ``Encoder`` that
:func:`sseconv.encoder_for` returns, the iterators :func:`sseconv.legacy_completions` and
:func:`sseconv.alegacy_completions` return, and the default limits. Like :mod:`sseconv`, this
module imports each name on first use: importing it loads neither pydantic nor httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_names

if TYPE_CHECKING:  # for type checkers and IDEs; at run time see _HOMES
    from ._codecs import Encoder, Mode
    from ._detect import DETECT_LIMIT
    from ._errors import BODY_LIMIT
    from ._legacy_adapter import AsyncLegacyCompletions, LegacyCompletions
    from ._sse import DEFAULT_MAX_EVENT_SIZE

# Where each name lives (a test checks this table against the imports above and __all__).
_HOMES: dict[str, str] = {
    "AsyncLegacyCompletions": "_legacy_adapter",
    "BODY_LIMIT": "_errors",
    "DEFAULT_MAX_EVENT_SIZE": "_sse",
    "DETECT_LIMIT": "_detect",
    "Encoder": "_codecs",
    "LegacyCompletions": "_legacy_adapter",
    "Mode": "_codecs",
}

__all__ = [
    "BODY_LIMIT",
    "DEFAULT_MAX_EVENT_SIZE",
    "DETECT_LIMIT",
    "AsyncLegacyCompletions",
    "Encoder",
    "LegacyCompletions",
    "Mode",
]

if not TYPE_CHECKING:  # hidden from type checkers, which would then accept any attribute
    __getattr__, __dir__ = lazy_names(globals(), _HOMES)
