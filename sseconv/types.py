"""Names for annotations and limits: what a program needs to write sseconv's types down.

The option types (``Mode``: ``"strict" | "default" | "lenient"``, ``Pings``, ``Eol``,
``Clock``) and the ``TypedDict`` classes of the keyword options (``CheckOptions``, ``ReadOptions``,
``EncodeOptions``, ``ConvertOptions``, ``LegacyOptions``: ``**options: Unpack[ConvertOptions]``
in a function that passes them on), the ``Encoder`` that :func:`sseconv.encoder_for` returns,
the iterators :func:`sseconv.legacy_completions` and :func:`sseconv.alegacy_completions`
return, and the default limits. Like :mod:`sseconv`, this module imports each name on first
use: importing it loads neither pydantic nor httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_names

if TYPE_CHECKING:  # for type checkers and IDEs (`X as X`: re-exported); at run time, _HOMES
    from ._codecs import Encoder as Encoder
    from ._errors import BODY_LIMIT as BODY_LIMIT
    from ._legacy_adapter import AsyncLegacyCompletions as AsyncLegacyCompletions
    from ._legacy_adapter import LegacyCompletions as LegacyCompletions
    from ._legacy_adapter import LegacyOptions as LegacyOptions
    from ._options import DEFAULT_MAX_EVENT_SIZE as DEFAULT_MAX_EVENT_SIZE
    from ._options import DETECT_LIMIT as DETECT_LIMIT
    from ._options import CheckOptions as CheckOptions
    from ._options import Clock as Clock
    from ._options import ConvertOptions as ConvertOptions
    from ._options import EncodeOptions as EncodeOptions
    from ._options import Eol as Eol
    from ._options import Mode as Mode
    from ._options import Pings as Pings
    from ._options import ReadOptions as ReadOptions

# Where each name lives (a test checks this table against the imports above).
_HOMES: dict[str, str] = {
    "AsyncLegacyCompletions": "_legacy_adapter",
    "BODY_LIMIT": "_errors",
    "CheckOptions": "_options",
    "Clock": "_options",
    "ConvertOptions": "_options",
    "DEFAULT_MAX_EVENT_SIZE": "_options",
    "DETECT_LIMIT": "_options",
    "EncodeOptions": "_options",
    "Encoder": "_codecs",
    "Eol": "_options",
    "LegacyCompletions": "_legacy_adapter",
    "LegacyOptions": "_legacy_adapter",
    "Mode": "_options",
    "Pings": "_options",
    "ReadOptions": "_options",
}

__all__ = list(_HOMES)

if not TYPE_CHECKING:  # hidden from type checkers, which would then accept any attribute
    __getattr__, __dir__ = lazy_names(globals(), _HOMES)
