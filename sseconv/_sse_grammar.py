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
    eol: bytes, line: bytes, value: bytes, *, whole: bool = True
) -> re.Pattern[bytes]:
    """One match per block of a region whose line ends are ``eol`` (``line``, ``value``: a
    character of a line, of a data value): an event ending with its only data line (groups 1-3:
    an optional ``id: x`` line without a NUL, the other lines, none starting with ``d``, and the
    value), or (4) any other block, a lone blank line, or one byte where none fits (a line end
    of another kind, or an LF in a CRLF value). Not ``whole``: an event, a comment block or a
    blank line."""
    idv = line[:-1] + b"\\x00]"  # (an id with a NUL is ignored: read line by line)
    head = b"(id: %s%s%s|)((?:[^d%s%s%s%s)%s)" % (idv, _ANY, eol, line[2:], line, _ANY, eol, _ANY)
    event = head + b"data: (%s%s)%s%s" % (value, _ANY, eol, eol)
    if not whole:  # or a comment block, or a lone blank line
        return re.compile(b"%s|(?::%s%s%s)?%s" % (event, line, _ANY, eol, eol))
    other = b"|((?:%s%s%s)%s%s|[\\s\\S])" % (line, _SOME, eol, _ANY, eol)
    return re.compile(event + other)


# By line end: a blank line, the block pattern, the two patterns of keep, and for a read of one
# whole block: the line end, the other line end its value must not hold, and its pattern (an LF
# after a CR that ends such a read would end a blank line: nothing to skip). A CRLF region's
# lines never hold a lone CR or LF; its data values are checked for an LF afterwards (a
# `[^\r\n]` class is six times slower than `[^\r]` on long values).
MODES = {
    eol: (
        eol * 2,
        _block_pattern(eol, line, value),
        tuple(
            re.compile(b"(?:%s[^\r\n]%s%s)%s[^\r\n]?" % (no, _SOME, end, _ANY)).fullmatch
            for no in (b"(?!id|retry)", b"")
        ),
        (eol, stray, _block_pattern(eol, b"[^\r\n]", value, whole=False).fullmatch),
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
