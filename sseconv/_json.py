"""JSON helpers shared by the dialect codecs: strict reading, compact UTF-8 writing."""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring
from typing import Any

from ._errors import MalformedEventError

__all__ = ["dump", "encode_text", "escape_text", "load_object", "to_bytes"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_decoder = json.JSONDecoder()


def _escape_surrogate(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def to_bytes(text: str) -> bytes:
    """UTF-8 bytes of synthesized output; lone surrogates (which can only stand inside JSON
    strings here) are written as ``\\uXXXX`` escapes instead of failing."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(_escape_surrogate, text).encode("utf-8")


def escape_text(text: str) -> str:
    """The JSON string body of ``text`` (no quotes), non-ASCII kept as is."""
    return encode_basestring(text)[1:-1]


def encode_text(text: str) -> bytes:
    """The JSON string body of ``text`` as UTF-8 bytes, lone surrogates escaped."""
    return to_bytes(encode_basestring(text)[1:-1])


def dump(value: Any) -> str:
    """Compact JSON (``,`` and ``:`` without spaces), non-ASCII written as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def load_object(data: str, what: str, **position: Any) -> dict[str, Any]:
    """Parse ``data`` as one JSON object.

    Raises:
        MalformedEventError: not valid JSON, or not an object.
    """
    try:
        value = json.loads(data)
    except json.JSONDecodeError as exc:
        raise MalformedEventError(
            f"expected {what} as JSON, found invalid JSON ({exc.msg} at column {exc.pos + 1}): "
            f"{_clip(data)}",
            **position,
        ) from None
    except (ValueError, RecursionError):
        raise MalformedEventError(
            f"expected {what} as JSON, found JSON it cannot read: {_clip(data)}", **position
        ) from None
    if not isinstance(value, dict):
        raise MalformedEventError(
            f"expected {what} as a JSON object, found {type(value).__name__}: {_clip(data)}",
            **position,
        )
    return value


def _clip(data: str, limit: int = 60) -> str:
    return repr(data if len(data) <= limit else data[:limit] + "…")
