"""JSON helpers shared by the dialect codecs: strict reading, compact UTF-8 writing."""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring
from json.scanner import make_scanner
from typing import Any

from ._errors import MalformedEventError

__all__ = ["dump", "encode_text", "load_object", "to_bytes"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_WS = " \t\n\r"
_scan = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def _escape_surrogate(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def to_bytes(text: str) -> bytes:
    """UTF-8 bytes of synthesized JSON output.

    Lone surrogates (which can only stand inside JSON strings here) are written as ``\\uXXXX``
    escapes instead of failing. U+2028, U+2029 and U+0085 are escaped too: clients that split
    lines with ``str.splitlines()`` (the 2023-06-01 SDK did) would cut a payload holding them.
    """
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = _SURROGATE.sub(_escape_surrogate, text).encode("utf-8")
    # (find(), not `in`: a bytes operand of `in` is first tried as an integer, which costs)
    if not data.isascii() and (
        data.find(b"\xe2\x80\xa8") >= 0
        or data.find(b"\xe2\x80\xa9") >= 0
        or data.find(b"\xc2\x85") >= 0
    ):
        data = (
            data.replace(b"\xe2\x80\xa8", b"\\u2028")
            .replace(b"\xe2\x80\xa9", b"\\u2029")
            .replace(b"\xc2\x85", b"\\u0085")
        )
    return data


def encode_text(text: str) -> bytes:
    """The JSON string body of ``text`` as UTF-8 bytes (escaped as :func:`to_bytes` says)."""
    if text.isascii():
        return encode_basestring(text)[1:-1].encode("ascii")
    return to_bytes(encode_basestring(text)[1:-1])


def dump(value: Any) -> str:
    """Compact JSON (``,`` and ``:`` without spaces), non-ASCII written as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def load_object(data: str, what: str) -> dict[str, Any]:
    """Parse ``data`` as one JSON object (the caller adds the position to errors).

    Raises:
        MalformedEventError: not valid JSON, or not an object.
    """
    try:
        start = 0 if data[:1] not in _WS else len(data) - len(data.lstrip(_WS))
        value, end = _scan(data, start)
        if end != len(data) and data[end:].strip(_WS):
            raise ValueError("extra data")
    except (StopIteration, ValueError, RecursionError):
        value = _slow_load(data, what)
    if type(value) is not dict:
        raise MalformedEventError(
            f"expected {what} as a JSON object, found {type(value).__name__}: {_clip(data)}"
        )
    return value


def _slow_load(data: str, what: str) -> Any:
    """``json.loads`` for its error messages (and for anything the scanner refused)."""
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise MalformedEventError(
            f"expected {what} as JSON, found invalid JSON ({exc.msg} at column {exc.pos + 1}): "
            f"{_clip(data)}"
        ) from None
    except (ValueError, RecursionError):
        raise MalformedEventError(
            f"expected {what} as JSON, found JSON it cannot read: {_clip(data)}"
        ) from None


def _clip(data: str, limit: int = 60) -> str:
    return repr(data if len(data) <= limit else data[:limit] + "…")
