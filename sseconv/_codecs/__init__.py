"""One decoder (SSE events → model events) and one encoder (model events → bytes) per dialect."""

from __future__ import annotations

from .._dialect import Dialect
from .._options import Mode  # (its home; still importable from here)
from ._base import Decoder, Encoder
from ._completions import CompletionsDecoder, CompletionsEncoder
from ._legacy import LegacyDecoder, LegacyEncoder
from ._messages import MessagesDecoder, MessagesEncoder

__all__ = [
    "DECODERS",
    "ENCODERS",
    "CompletionsDecoder",
    "CompletionsEncoder",
    "Decoder",
    "Encoder",
    "LegacyDecoder",
    "LegacyEncoder",
    "MessagesDecoder",
    "MessagesEncoder",
    "Mode",
]

DECODERS: dict[Dialect, type[Decoder]] = {
    Dialect.LEGACY: LegacyDecoder,
    Dialect.COMPLETIONS: CompletionsDecoder,
    Dialect.MESSAGES: MessagesDecoder,
}
ENCODERS: dict[Dialect, type[Encoder]] = {
    Dialect.LEGACY: LegacyEncoder,
    Dialect.COMPLETIONS: CompletionsEncoder,
    Dialect.MESSAGES: MessagesEncoder,
}
