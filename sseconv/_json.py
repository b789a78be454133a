"""JSON helpers shared by the dialect codecs: strict reading, compact UTF-8 writing, and the
one nesting rule for every structured value sseconv reads from its input.

The nesting rule: a value (JSON; the recording files' YAML loaders apply the same limit) may
nest arrays and objects :data:`MAX_DEPTH` levels deep; deeper input is a
:class:`MalformedEventError`, found before anything recursive touches it. So the verdict depends
on the input only, never on how deep the caller's stack is: whatever sseconv later does with a
value it read (compare it, write it back, show it in a message) recurses at most ``MAX_DEPTH``
levels. The check is cheap where it matters: a text holding at most ``MAX_DEPTH`` brackets
cannot nest deeper, so the full check (which skips brackets inside strings) runs only on texts
with more brackets.

Every recursive step over a value read from the input (parsing, writing, comparing) goes
through :func:`with_stack_room`, which gives a caller that is itself deep in the stack the
room ``MAX_DEPTH`` levels need (on Python 3.10 and 3.11 the recursion limit counts C-level
nesting and Python frames alike), at no cost to the others.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable
from itertools import accumulate
from json.decoder import scanstring  # type: ignore[attr-defined]
from json.scanner import make_scanner
from typing import Any, TypeVar

from ._errors import MalformedEventError

__all__ = [
    "MAX_DEPTH",
    "check_nesting",
    "dump",
    "load_object",
    "load_value",
    "nesting_depth",
    "scan_string",
    "to_bytes",
    "with_stack_room",
]

#: How deep arrays and objects may nest in a value read from the input (Anthropic payloads
#: nest fewer than ten levels; serde_json's default limit is 128).
MAX_DEPTH = 64
# The room a retried step gets: MAX_DEPTH levels of nesting, twice over (two values compared)
# and the calls around them.
_ROOM = 2 * MAX_DEPTH + 120

_SURROGATE = re.compile("[\ud800-\udfff]")
_WS = " \t\n\r"
_scan = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
# A JSON string (an unterminated one runs to the end), and everything but brackets
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}.__getitem__
_T = TypeVar("_T")
_room_lock = threading.Lock()
_room_users = 0  # the callers running with the limit raised
_room_base = 0  # the limit before


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in the JSON ``text`` (brackets inside strings do not
    count). Iterative: any depth is measured without recursion."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP, map(ord, brackets))), default=0)


def check_nesting(text: str, what: str) -> None:
    """Raise :class:`MalformedEventError` if the JSON ``text`` nests deeper than
    :data:`MAX_DEPTH` (the caller adds the position).

    The byte-level pre-check (at most ``MAX_DEPTH`` opening brackets in all) settles almost
    every text; the full check runs only on texts with more brackets.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise MalformedEventError(
            f"expected {what} nested at most {MAX_DEPTH} levels deep, found {depth} levels: "
            f"{_clip(text)}"
        )


def with_stack_room(function: Callable[..., _T], *args: Any) -> _T:
    """``function(*args)``; if it overflows the stack (only possible for a caller deep in the
    stack: the values it handles nest at most :data:`MAX_DEPTH` levels), run it again with
    the recursion limit raised for the call.

    For pure functions only (reading, writing or comparing a value): a second run must not
    see the effects of the first. Costs nothing until a ``RecursionError`` happens. The limit
    is raised by ``_ROOM`` frames, and restored after the last concurrent user leaves.
    """
    global _room_users, _room_base
    try:
        return function(*args)
    except RecursionError:
        pass
    with _room_lock:
        if _room_users == 0:
            _room_base = sys.getrecursionlimit()
            sys.setrecursionlimit(_room_base + _ROOM)
        _room_users += 1
    try:
        return function(*args)
    finally:
        with _room_lock:
            _room_users -= 1
            if _room_users == 0:
                sys.setrecursionlimit(_room_base)


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


def scan_string(text: str, start: int) -> tuple[str, int] | None:
    """The JSON string that ``text`` holds from ``start`` (after its opening quote), and where
    it ends; ``None`` if there is none."""
    try:
        return scanstring(text, start)  # type: ignore[no-any-return]
    except ValueError:
        return None


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dump(value: Any) -> str:
    """Compact JSON (``,`` and ``:`` without spaces), non-ASCII written as is.

    ``value`` is one read from the input (so nested at most :data:`MAX_DEPTH` levels) or
    built by sseconv; a caller deep in the stack gets the room the writing needs.
    """
    return with_stack_room(_dumps, value)


def load_value(data: str, what: str) -> Any:
    """Parse ``data`` as one JSON value under the nesting rule (the caller adds the position
    to errors).

    Raises:
        MalformedEventError: not valid JSON, or nested deeper than :data:`MAX_DEPTH`.
    """
    check_nesting(data, what)
    return with_stack_room(_load, data, what)


def _load(data: str, what: str) -> Any:
    try:
        start = 0 if data[:1] not in _WS else len(data) - len(data.lstrip(_WS))
        value, end = _scan(data, start)
        if end != len(data) and data[end:].strip(_WS):
            raise ValueError("extra data")
    except (StopIteration, ValueError):
        value = _slow_load(data, what)
    return value


def load_object(data: str, what: str) -> dict[str, Any]:
    """Parse ``data`` as one JSON object under the nesting rule (the caller adds the position
    to errors).

    Raises:
        MalformedEventError: not valid JSON, nested deeper than :data:`MAX_DEPTH`, or not an
            object.
    """
    value = load_value(data, what)
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
    except ValueError:  # e.g. a number too long to convert
        raise MalformedEventError(
            f"expected {what} as JSON, found JSON it cannot read: {_clip(data)}"
        ) from None


def _clip(data: str, limit: int = 60) -> str:
    return repr(data if len(data) <= limit else data[:limit] + "…")
