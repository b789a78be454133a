"""The parser's work grows linearly with its input, whatever mix of blocks one read holds.

Measured in bytes handed to the parser's regular expressions and line splitting (a count, not a
time): the blocks of a read are matched with one regex pass, and a block that is not canonical
(an ``id`` line, a comment) or a line end of another kind must not make the parser scan the rest
of the read again for every block.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

import sseconv
from sseconv import _sse, _sse_grammar


class CountingPattern:
    """Wraps a compiled pattern; adds up the bytes each findall/finditer/split call may scan."""

    def __init__(self, pattern: re.Pattern[bytes]) -> None:
        self.pattern = pattern
        self.scanned = 0

    def _count(self, string: bytes, pos: int = 0, endpos: int | None = None) -> None:
        self.scanned += (len(string) if endpos is None else endpos) - pos

    def findall(self, string: bytes, pos: int = 0, endpos: int = 2**62) -> list[Any]:
        self._count(string, pos, min(endpos, len(string)))
        return self.pattern.findall(string, pos, endpos)

    def finditer(self, string: bytes, pos: int = 0, endpos: int = 2**62) -> Any:
        self._count(string, pos, min(endpos, len(string)))
        return self.pattern.finditer(string, pos, endpos)


class CountingLines:
    """Stands for ``bytes.splitlines``; adds up the bytes each call scans."""

    scanned = 0

    def splitlines(self, string: bytes, keepends: bool = False) -> list[bytes]:
        self.scanned += len(string)
        return string.splitlines(keepends)


def stream(kind: str, n: int, eol: bytes) -> bytes:
    blocks = []
    for i in range(n):
        if kind == "ids":
            block = b"id: %d\ndata: token %d\n\n" % (i, i)
        elif kind == "comments":
            block = b": keep-alive\nevent: completion\ndata: token %d\n\n" % i
        elif kind == "every-tenth-odd":
            odd = b"retry: 10\n" if i % 10 == 0 else b""
            block = odd + b"event: completion\ndata: token %d\n\n" % i
        else:
            block = b"event: completion\ndata: token %d\n\n" % i
        block = block.replace(b"\n", eol)
        if kind == "every-tenth-mixed" and i % 10 == 0:
            block = block.replace(eol, b"\n" if eol != b"\n" else b"\r", 1)  # another line end
        blocks.append(block)
    return b"".join(blocks)


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize(
    "kind", ["ids", "comments", "every-tenth-odd", "every-tenth-mixed", "canonical"]
)
@pytest.mark.parametrize("read", [None, 65536], ids=["whole", "64KiB"])
def test_regex_work_is_linear_in_the_input(
    monkeypatch: pytest.MonkeyPatch, kind: str, eol: bytes, read: int | None
) -> None:
    counters = {key: CountingPattern(mode[1]) for key, mode in _sse_grammar.MODES.items()}
    modes = {key: (mode[0], counters[key], *mode[2:]) for key, mode in _sse_grammar.MODES.items()}
    monkeypatch.setattr(_sse, "MODES", modes)
    lines = CountingLines()
    monkeypatch.setattr(_sse, "_splitlines", lines.splitlines)
    data = stream(kind, 5000, eol)
    parser = sseconv.SSEParser()
    size = read or len(data)
    events = []
    for at in range(0, len(data), size):
        events += parser.feed(data[at : at + size])
    events += parser.close()
    assert len(events) == 5000
    assert events[-1].data == "token 4999"
    scanned = sum(c.scanned for c in counters.values()) + lines.scanned
    # A few passes at most (the block pass, and once more line by line after a line end of
    # another kind); rescanning the rest of the read after each odd block would be thousands
    # of times this.
    assert scanned <= 5 * len(data), (scanned, len(data))
