"""The event-stream grammar as regular expressions, one set per line end (LF, CR, CRLF).

:class:`sseconv.SSEParser` finds whole blocks with :data:`MODES` and asks :func:`keep` whether the
complete lines of a block that a read cuts may wait for the rest of it.
"""

from __future__ import annotations

import re
import sys

__all__ = ["MODES", "keep"]

_ANY, _SOME = (b"*+", b"++") if sys.version_info >= (3, 11) else (b"*", b"+")  # possessive


def _block_pattern(
    eol: bytes, line: bytes, value: bytes, then: bytes | None = None
) -> re.Pattern[bytes]:
    """One match per block of a region whose line ends are ``eol`` (``line``, ``value``: a
    character of a line, of a data value): an event ending with its only data line (groups 1-3:
    an optional ``id: x`` line without a NUL, the other lines, none starting with ``d``, and the
    value), or (4) any other block, a lone blank line, or one byte where none fits (a line end
    of another kind, or an LF in a CRLF value). With ``then``: one event, comment block or lone
    blank line, then what ``then`` matches."""
    idv = line[:-1] + b"\\x00]"  # (an id with a NUL is ignored: read line by line)
    head = b"(id: %s%s%s|)((?:[^d%s%s%s%s)%s)" % (idv, _ANY, eol, line[2:], line, _ANY, eol, _ANY)
    event = head + b"data: (%s%s)%s%s" % (value, _ANY, eol, eol)
    if then is not None:
        one = b"%s|(?::%s%s%s)?%s" % (event, line, _ANY, eol, eol)
        return re.compile(b"(?:%s)%s" % (one, then) if then else one)
    other = b"|((?:%s%s%s)%s%s|[\\s\\S])" % (line, _SOME, eol, _ANY, eol)
    return re.compile(event + other)


_WAITING = b"(?!id|retry)"  # (the start of a line that may wait for the rest of its block)


def _lines(end: bytes, first: bytes = b"") -> bytes:
    """Complete lines, none blank, their line end ``end``, each starting with ``first``."""
    return b"(?:%s[^\r\n]%s%s)%s" % (first, _SOME, end, _ANY)


# By line end: a blank line, the block pattern, the two patterns of keep, and for a read of one
# whole block: the line end, the other line end its value must not hold, its pattern, and the
# pattern of a read that ends a block whose complete lines waited for it, then (group 4) holds
# the complete lines of the next that may wait too (an LF after a CR that ends such a read would
# end a blank line: nothing to skip). A CRLF region's lines never hold a lone CR or LF; its data
# values are checked for an LF afterwards (a `[^\r\n]` class is six times slower than `[^\r]` on
# long values).
MODES = {
    eol: (
        eol * 2,
        _block_pattern(eol, line, value),
        tuple(
            re.compile(b"%s[^\r\n]?" % lines).fullmatch
            for lines in (_lines(end, _WAITING), _lines(end))
        ),
        (
            eol,
            stray,
            _block_pattern(eol, b"[^\r\n]", value, b"").fullmatch,
            _block_pattern(eol, b"[^\r\n]", value, b"(%s)" % _lines(end, _WAITING)).fullmatch,
        ),
    )
    for eol, line, value, stray, end in (
        (b"\n", b"[^\n]", b"[^\n]", 13, b"\n"),
        (b"\r", b"[^\r]", b"[^\r]", 10, b"\r"),
        (b"\r\n", b"[^\r\n]", b"[^\r]", 10, b"(?:\r\n|\r\\Z)"),  # (a read may end in the CRLF)
    )
}


def keep(buf: bytes, pos: int, end: int, eol: bytes) -> int:
    """Whether the lines ``buf[pos:end]`` (line ends ``eol``) may wait for the rest of their
    block: 0 if they hold a blank line or a line end of another kind, else 1, or 2 if a line
    among them acts at once and every time (``id``, ``retry``). (Matched with the next byte: a
    CR at the end of ``buf`` may be the first half of a CRLF, not one followed by a byte.)"""
    plain, lines = MODES[eol][2]
    return 1 if plain(buf, pos, end + 1) else 2 if lines(buf, pos, end + 1) else 0
