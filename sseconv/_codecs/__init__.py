"""One decoder (SSE events → model events) and one encoder (model events → bytes) per dialect."""

from __future__ import annotations

from .._dialect import Dialect
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
]

DECODERS: dict[Dialect, type[Decoder]] = {
    cls.dialect: cls for cls in (LegacyDecoder, CompletionsDecoder, MessagesDecoder)
}
ENCODERS: dict[Dialect, type[Encoder]] = {
    cls.dialect: cls for cls in (LegacyEncoder, CompletionsEncoder, MessagesEncoder)
}
