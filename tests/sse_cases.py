"""Conformance table for the SSE wire layer (``sseconv.SSEParser``).

Each :class:`Case` is a complete input stream and what feeding all of it and then calling
``close()`` must return. Three families of cases:

* ``wpt/…``: translations of the web-platform-tests ``eventsource/format-*`` tests (and
  ``event-data``). The WPT server scripts answer with ``message + "\\n\\n" + "\\n"`` (or
  ``message + "\\n"`` with ``newline=none``; see ``eventsource/resources/message.py``), and
  the id tests use ``resources/last-event-id.py`` / ``last-event-id2.py``. Where a browser test
  reconnects, the second response is appended to the first: the last event id survives a
  reconnection in a browser exactly as it survives a block boundary here. A browser reports a
  missing or empty ``event:`` line as type ``"message"``; sseconv keeps the difference
  (``None`` = no line, ``""`` = empty line), so the expectations say so.
* ``whatwg/…``: one case per rule of the WHATWG "interpreting an event stream" algorithm.
* ``owner/repo#N: …``: bugs that other decoders had, named after the tracker thread.

Events are written as ``(event, data, id, retry)`` tuples; ``id`` is the last event id in
force at dispatch (``None`` while it is empty); ``retry`` is the value of a valid ``retry:``
line of the event's own block.

:func:`reference_parse` is a deliberately simple, non-incremental model of the same rules. The
table tests check it against the table (so that the table and the model keep each other
honest) and use the byte positions it reports to check *when* the parser dispatches.
"""

from __future__ import annotations

import re
from typing import NamedTuple

Ev = tuple[str | None, str, str | None, int | None]

BOM = b"\xef\xbb\xbf"


class Case(NamedTuple):
    name: str
    wire: bytes
    events: list[Ev]
    dispatch_incomplete: bool = False
    incomplete: bool = False


def ev(
    data: str, *, event: str | None = None, id: str | None = None, retry: int | None = None
) -> Ev:
    """Build an expected event tuple ``(event, data, id, retry)``."""
    return (event, data, id, retry)


_LONG = b"x" * 2048  # format-comments: "cannot make the string too long; causes timeout"
_HTTPX_SSE_35 = (
    b'event: custom\nid: 1\ndata: {"text":"Hello World"}\n\n: ping\n\n'
    b'event: custom\nid: 2\ndata: {"text":"Goodbye World"}\n\n'
)


def _id_null(value: bytes, label: str) -> Case:
    # resources/last-event-id.py?idvalue=…: "id: " + idvalue + "\nretry: 200\ndata: hello\n\n"
    return Case(
        f"wpt/format-field-id-null.window.js: id field set to {label} is ignored",
        b"id: " + value + b"\nretry: 200\ndata: hello\n\n",
        [ev("hello", retry=200)],
    )


WPT_CASES: list[Case] = [
    Case(
        "wpt/format-bom.any.js: one leading BOM stripped, a BOM on a later line is not",
        BOM + b"data:1\n\n" + BOM + b"data:2\n\ndata:3\n\n\n",
        [ev("1"), ev("3")],
    ),
    Case(
        "wpt/format-bom-2.any.js: only one BOM stripped (double BOM)",
        BOM + BOM + b"data:1\n\ndata:2\n\ndata:3\n\n\n",
        [ev("2"), ev("3")],
    ),
    Case(
        "wpt/format-comments.any.js: comment fest",
        b"data:1\r:\x00\n:\r\ndata:2\n:"
        + _LONG
        + b"\rdata:3\n:data:fail\r:"
        + _LONG
        + b"\ndata:4\n"
        + b"\n",
        [ev("1\n2\n3\n4")],
    ),
    Case(
        "wpt/format-data-before-final-empty-line.any.js: unterminated block discarded",
        b"retry:1000\ndata:test1\n\nid:test\ndata:test2\n",
        [ev("test1", retry=1000)],
        incomplete=True,
    ),
    Case(
        "wpt/format-data-before-final-empty-line.any.js: dispatch_incomplete=True",
        b"retry:1000\ndata:test1\n\nid:test\ndata:test2\n",
        [ev("test1", retry=1000), ev("test2", id="test")],
        dispatch_incomplete=True,
        incomplete=True,
    ),
    Case(
        "wpt/format-field-data.any.js: data field parsing",
        b"data:\n\ndata\ndata\n\ndata:test\n\n\n",
        [ev(""), ev("\n"), ev("test")],
    ),
    Case(
        "wpt/format-field-event.any.js: custom event name, then a data-only event",
        b"event:test\ndata:x\n\ndata:x\n\n\n",
        [ev("x", event="test"), ev("x")],
    ),
    Case(
        "wpt/format-field-event-empty.any.js: empty event field (kept as '')",
        b"event: \ndata:data\n\n\n",
        [ev("data", event="")],
    ),
    Case(
        "wpt/format-field-id.any.js: Last-Event-ID (first and reconnect responses)",
        "id: …\nretry: 200\ndata: hello\n\n".encode() + "data: …\n\n".encode(),
        [ev("hello", id="…", retry=200), ev("…", id="…")],
    ),
    Case(
        "wpt/format-field-id-2.any.js: Last-Event-ID (2), two reconnections",
        "id: …\nretry: 200\ndata: hello\n\n".encode() + "data: …\n\n".encode() * 2,
        [ev("hello", id="…", retry=200), ev("…", id="…"), ev("…", id="…")],
    ),
    Case(
        "wpt/format-field-id-3.window.js: lastEventId persists",
        b"id: 1\ndata: 1\n\ndata: 2\n\nid: 2\ndata:3\n\ndata:4\n\n",
        [ev("1", id="1"), ev("2", id="1"), ev("3", id="2"), ev("4", id="2")],
    ),
    Case(
        "wpt/format-field-id-3.window.js: lastEventId resets",
        b"id: 1\ndata: 1\n\nid:\ndata:2\n\ndata:3\n\n",
        [ev("1", id="1"), ev("2"), ev("3")],
    ),
    Case(
        "wpt/format-field-id-3.window.js: lastEventId resets (id without colon)",
        b"id: 1\ndata: 1\n\nid\ndata:2\n\ndata:3\n\n",
        [ev("1", id="1"), ev("2"), ev("3")],
    ),
    _id_null(b"\x00\x00", "%00%00"),
    _id_null(b"x\x00", "x%00"),
    _id_null(b"\x00x", "%00x"),
    _id_null(b"x\x00x", "x%00x"),
    _id_null(b" \x00", "%20%00"),
    Case(
        "wpt/format-field-parsing.any.js: field parsing",
        b"data:\x00\ndata:  2\rData:1\ndata\x00:2\ndata:1\r\x00data:4\nda-ta:3\rdata_5\n"
        b"data:3\rdata:\r\n data:32\ndata:4\n" + b"\n",
        [ev("\x00\n 2\n1\n3\n\n4")],
    ),
    Case(
        "wpt/format-field-retry.any.js: retry 03000 is 3000 (decimal, not octal)",
        b"retry:03000\ndata:x\n\n\n",
        [ev("x", retry=3000)],
    ),
    Case(
        "wpt/format-field-retry-bogus.any.js: bogus retry 1000x ignored, 3000 kept",
        b"retry:3000\nretry:1000x\ndata:x\n\n\n",
        [ev("x", retry=3000)],
    ),
    Case(
        "wpt/format-field-retry-empty.any.js: empty retry field",
        b"retry\ndata:test\n\n\n",
        [ev("test")],
    ),
    Case(
        "wpt/format-field-unknown.any.js: unknown fields and parsing fun",
        b"data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n\n",
        [ev("test\n\ntest")],
    ),
    Case(
        "wpt/format-leading-space.any.js: only a space is stripped, not a tab; CR newline",
        b"data:\ttest\rdata: \ndata:test\n\n\n",
        [ev("\ttest\n\ntest")],
    ),
    Case(
        "wpt/format-newlines.any.js: newline fest",
        b"data:test\r\ndata\ndata:test\r\n\r" + b"\n",
        [ev("test\n\ntest")],
    ),
    Case(
        "wpt/format-null-character.any.js: NUL in data",
        b"data:\x00\n\n" + b"\n\n\n",
        [ev("\x00")],
    ),
    Case(
        "wpt/format-utf-8.any.js: always UTF-8 (whatever the charset parameter says)",
        b"data:ok\xe2\x80\xa6\n\n\n",
        [ev("ok…")],
    ),
    Case(
        "wpt/format-mime-trailing-semicolon.any.js, format-mime-bogus.any.js, "
        "format-mime-valid-bogus.any.js: default body (the MIME check is the transport's job)",
        b"data: data\n\n\n",
        [ev("data")],
    ),
    Case(
        "wpt/event-data.any.js (resources/message2.py): lines and data parsing",
        b"data:msg\ndata: msg\n\n:\nfalsefield:msg\n\nfalsefield:msg\nData:data\n\n"
        b"data\n\ndata:end\n\n",
        [ev("msg\nmsg"), ev(""), ev("end")],
    ),
]

WHATWG_CASES: list[Case] = [
    # --- line endings -------------------------------------------------------------------
    Case(
        "whatwg/LF line endings",
        b"event: a\ndata: 1\n\ndata: 2\n\n",
        [ev("1", event="a"), ev("2")],
    ),
    Case(
        "whatwg/CRLF line endings",
        b"event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n",
        [ev("1", event="a"), ev("2")],
    ),
    Case(
        "whatwg/CR-only line endings",
        b"event: a\rdata: 1\r\rdata: 2\r\r",
        [ev("1", event="a"), ev("2")],
    ),
    Case(
        "whatwg/mixed line endings inside one block",
        b"data: a\rdata: b\ndata: c\r\ndata: d\n\n",
        [ev("a\nb\nc\nd")],
    ),
    Case(
        "whatwg/CR then CRLF: the CRLF is the blank line",
        b"data: a\r\r\ndata: b\r\r\n",
        [ev("a"), ev("b")],
    ),
    Case(
        "whatwg/LF then CR: two line ends, the CR is a blank line",
        b"data: a\n\rdata: b\n\r",
        [ev("a"), ev("b")],
    ),
    Case(
        "whatwg/CR, CRLF, LF: three line ends, two blank lines",
        b"data: a\r\r\n\ndata: b\n\n",
        [ev("a"), ev("b")],
    ),
    Case(
        "whatwg/leading blank lines dispatch nothing",
        b"\n\n\r\n\rdata: x\n\n",
        [ev("x")],
    ),
    Case(
        "whatwg/a line of spaces is not a blank line",
        b"data: a\n \n  \ndata: b\n\n",
        [ev("a\nb")],
    ),
    Case(
        "whatwg/U+2028 LINE SEPARATOR is not a line end",
        b"data: a\xe2\x80\xa8b\n\n",
        [ev("a\u2028b")],
    ),
    Case(
        "whatwg/U+2029 PARAGRAPH SEPARATOR is not a line end",
        b"data: a\xe2\x80\xa9b\n\n",
        [ev("a\u2029b")],
    ),
    Case(
        "whatwg/U+0085 NEXT LINE is not a line end",
        b"data: a\xc2\x85b\n\n",
        [ev("a\x85b")],
    ),
    Case(
        "whatwg/vertical tab and form feed are not line ends",
        b"data: a\x0bb\x0cc\n\n",
        [ev("a\x0bb\x0cc")],
    ),
    Case(
        "whatwg/file, group and record separators are not line ends",
        b"data: a\x1cb\x1dc\x1ed\n\n",
        [ev("a\x1cb\x1dc\x1ed")],
    ),
    Case(
        "whatwg/U+2028 in event name and id",
        b"event: a\xe2\x80\xa8b\nid: c\xe2\x80\xa8d\ndata: x\n\n",
        [ev("x", event="a\u2028b", id="c\u2028d")],
    ),
    # --- BOM ----------------------------------------------------------------------------
    Case("whatwg/BOM before a comment", BOM + b": hi\ndata: x\n\n", [ev("x")]),
    Case("whatwg/BOM before a CR-only stream", BOM + b"data: x\r\r", [ev("x")]),
    Case("whatwg/BOM before a blank line", BOM + b"\ndata: x\n\n", [ev("x")]),
    Case("whatwg/BOM alone", BOM, []),
    Case(
        "whatwg/BOM after a leading blank line is part of the field name",
        b"\n" + BOM + b"data: x\n\n",
        [],
    ),
    Case(
        "whatwg/BOM on a later block is part of the field name",
        b"data: x\n\n" + BOM + b"data: y\n\n",
        [ev("x")],
    ),
    Case("whatwg/BOM inside a value is kept", b"data: " + BOM + b"x\n\n", [ev("\ufeffx")]),
    Case(
        "whatwg/a truncated BOM is not a BOM (invalid UTF-8 in the field name)",
        b"\xef\xbbdata: x\n\n",
        [],
    ),
    # --- UTF-8 --------------------------------------------------------------------------
    Case(
        "whatwg/multi-byte characters (2, 3, 4 bytes)",
        b"data: \xc3\xa9\xe2\x80\xa6\xf0\x9f\x98\x80\xe4\xbd\xa0\n\n",
        [ev("é…😀你")],
    ),
    Case("whatwg/invalid bytes become U+FFFD", b"data: \xff\xfeok\n\n", [ev("\ufffd\ufffdok")]),
    Case(
        "whatwg/truncated sequence before a line end is one U+FFFD",
        b"data: a\xe2\x82\n\n",
        [ev("a\ufffd")],
    ),
    Case(
        "whatwg/encoded surrogate is three U+FFFD",
        b"data: \xed\xa0\x80\n\n",
        [ev("\ufffd\ufffd\ufffd")],
    ),
    Case("whatwg/overlong encoding is two U+FFFD", b"data: \xc0\xaf\n\n", [ev("\ufffd\ufffd")]),
    Case(
        "whatwg/invalid UTF-8 in a field name makes an unknown field",
        b"dat\xffa: x\n\ndata: y\n\n",
        [ev("y")],
    ),
    Case(
        "whatwg/invalid UTF-8 in event name and id",
        b"event: \xfe\nid: \xff\ndata: x\n\n",
        [ev("x", event="\ufffd", id="\ufffd")],
    ),
    Case(
        "whatwg/raw byte 0x85 is invalid UTF-8, not NEL",
        b"data: a\x85b\n\n",
        [ev("a\ufffdb")],
    ),
    # --- field parsing ------------------------------------------------------------------
    Case("whatwg/only the first colon separates", b"data:a:b\n\n", [ev("a:b")]),
    Case("whatwg/colon right after the separator is data", b"data::a\n\n", [ev(":a")]),
    Case("whatwg/only one leading space removed", b"data:  a\n\n", [ev(" a")]),
    Case("whatwg/trailing spaces kept", b"data: a  \n\n", [ev("a  ")]),
    Case(
        "whatwg/space before the colon is part of the field name",
        b"data : x\n\ndata: y\n\n",
        [ev("y")],
    ),
    Case(
        "whatwg/comments are ignored, also ':data:'",
        b": c1\n:\n:data: no\ndata: x\n: c2\n\n",
        [ev("x")],
    ),
    Case("whatwg/comment-only blocks are not dispatched", b": ping\n\n: ping\n\n", []),
    Case(
        "whatwg/field names are case-sensitive",
        b"Data: a\nDATA: b\nEvent: e\nID: 1\nRetry: 5\ndata: x\n\n",
        [ev("x")],
    ),
    Case("whatwg/unknown fields are ignored", b"foo: bar\ndata: x\nbaz\n\n", [ev("x")]),
    # --- data ---------------------------------------------------------------------------
    Case("whatwg/data lines are joined by LF", b"data: a\ndata: b\ndata: c\n\n", [ev("a\nb\nc")]),
    Case("whatwg/an empty data line in between", b"data: a\ndata:\ndata: b\n\n", [ev("a\n\nb")]),
    Case("whatwg/a trailing empty data line", b"data: a\ndata:\n\n", [ev("a\n")]),
    Case("whatwg/a leading empty data line", b"data:\ndata: a\n\n", [ev("\na")]),
    Case("whatwg/'data' without colon twice", b"data\ndata\n\n", [ev("\n")]),
    Case("whatwg/'data: ' alone is an empty event", b"data: \n\n", [ev("")]),
    # --- event --------------------------------------------------------------------------
    Case(
        "whatwg/the last event line wins",
        b"event: a\nevent: b\ndata: x\n\n",
        [ev("x", event="b")],
    ),
    Case(
        "whatwg/'event' without colon is an empty name", b"event\ndata: x\n\n", [ev("x", event="")]
    ),
    Case(
        "whatwg/an explicit 'message' name is kept",
        b"event: message\ndata: x\n\n",
        [ev("x", event="message")],
    ),
    Case(
        "whatwg/event line after data in the same block applies",
        b"data: x\nevent: late\n\n",
        [ev("x", event="late")],
    ),
    Case(
        "whatwg/event-only block is not dispatched and its name does not leak",
        b"event: a\n\ndata: x\n\n",
        [ev("x")],
    ),
    Case(
        "whatwg/NUL in an event name is kept",
        b"event: a\x00b\ndata: x\n\n",
        [ev("x", event="a\x00b")],
    ),
    # --- id -----------------------------------------------------------------------------
    Case(
        "whatwg/id-only block is not dispatched, but the id is sticky",
        b"id: 1\n\ndata: x\n\n",
        [ev("x", id="1")],
    ),
    Case(
        "whatwg/id line after data in the same block applies",
        b"data: x\nid: 2\n\n",
        [ev("x", id="2")],
    ),
    Case(
        "whatwg/id value keeps spaces after the first",
        b"id:  a b \ndata: x\n\n",
        [ev("x", id=" a b ")],
    ),
    Case(
        "whatwg/id reset by an id-only block",
        b"id: 1\ndata: a\n\nid\n\ndata: b\n\n",
        [ev("a", id="1"), ev("b")],
    ),
    Case(
        "whatwg/id with NUL later in the stream is ignored",
        b"id: 1\ndata: a\n\nid: \x00\ndata: b\n\n",
        [ev("a", id="1"), ev("b", id="1")],
    ),
    # --- retry --------------------------------------------------------------------------
    Case("whatwg/retry valid", b"retry: 1000\ndata: x\n\n", [ev("x", retry=1000)]),
    Case("whatwg/retry 0", b"retry: 0\ndata: x\n\n", [ev("x", retry=0)]),
    Case(
        "whatwg/retry with many digits",
        b"retry: 12345678901234567890\ndata: x\n\n",
        [ev("x", retry=12345678901234567890)],
    ),
    Case("whatwg/retry after two spaces is invalid", b"retry:  1000\ndata: x\n\n", [ev("x")]),
    Case("whatwg/retry '+1' is invalid", b"retry: +1\ndata: x\n\n", [ev("x")]),
    Case("whatwg/retry '-1' is invalid", b"retry: -1\ndata: x\n\n", [ev("x")]),
    Case("whatwg/retry '1.5' is invalid", b"retry: 1.5\ndata: x\n\n", [ev("x")]),
    Case("whatwg/retry '1e3' is invalid", b"retry: 1e3\ndata: x\n\n", [ev("x")]),
    Case("whatwg/retry '0x10' is invalid", b"retry: 0x10\ndata: x\n\n", [ev("x")]),
    Case("whatwg/retry with a trailing space is invalid", b"retry: 1000 \ndata: x\n\n", [ev("x")]),
    Case(
        "whatwg/retry ': ' (empty after the space) is invalid", b"retry: \ndata: x\n\n", [ev("x")]
    ),
    Case(
        "whatwg/retry with Arabic-Indic digits is invalid",
        "retry: ١٢\ndata: x\n\n".encode(),
        [ev("x")],
    ),
    Case(
        "whatwg/retry with fullwidth digits is invalid",
        "retry: １２\ndata: x\n\n".encode(),
        [ev("x")],
    ),
    Case(
        "whatwg/retry-only block is not dispatched; retry not carried to the next event",
        b"retry: 500\n\ndata: x\n\n",
        [ev("x")],
    ),
    Case(
        "whatwg/retry: the last valid line of the block wins",
        b"retry: 1\nretry: 2\nretry: z\ndata: x\n\n",
        [ev("x", retry=2)],
    ),
    Case(
        "whatwg/retry applies only to its own block",
        b"retry: 5\ndata: a\n\ndata: b\n\n",
        [ev("a", retry=5), ev("b")],
    ),
    # --- end of input -------------------------------------------------------------------
    Case("whatwg/empty input", b"", []),
    Case("whatwg/no final line end: discarded", b"data: x", [], incomplete=True),
    Case(
        "whatwg/no final line end: dispatch_incomplete",
        b"data: x",
        [ev("x")],
        dispatch_incomplete=True,
        incomplete=True,
    ),
    Case("whatwg/no final blank line (LF): discarded", b"data: x\n", [], incomplete=True),
    Case(
        "whatwg/no final blank line (LF): dispatch_incomplete",
        b"data: x\n",
        [ev("x")],
        dispatch_incomplete=True,
        incomplete=True,
    ),
    Case("whatwg/no final blank line (CR): discarded", b"data: x\r", [], incomplete=True),
    Case(
        "whatwg/no final blank line (CR): dispatch_incomplete",
        b"data: x\r",
        [ev("x")],
        dispatch_incomplete=True,
        incomplete=True,
    ),
    Case(
        "whatwg/incomplete block keeps its event, id and retry",
        b"event: e\nid: 3\nretry: 9\ndata: x\n",
        [ev("x", event="e", id="3", retry=9)],
        dispatch_incomplete=True,
        incomplete=True,
    ),
    Case(
        "whatwg/incomplete multi-line block after a complete one",
        b"data: a\n\ndata: b\ndata: c",
        [ev("a"), ev("b\nc")],
        dispatch_incomplete=True,
        incomplete=True,
    ),
    Case(
        "whatwg/unterminated block without data is not incomplete",
        b"data: a\n\nevent: e\n",
        [ev("a")],
        dispatch_incomplete=True,
    ),
    Case("whatwg/trailing unterminated comment is not incomplete", b"data: a\n\n: c", [ev("a")]),
    Case(
        "whatwg/trailing id-only line is not incomplete",
        b"data: a\n\nid: 5\n",
        [ev("a")],
        dispatch_incomplete=True,
    ),
    Case(
        "whatwg/complete stream with dispatch_incomplete adds nothing",
        b"data: a\n\n",
        [ev("a")],
        dispatch_incomplete=True,
    ),
    Case("whatwg/stream ending in CRLF then CR", b"data: a\r\n\r", [ev("a")]),
    Case("whatwg/stream ending in an extra CR", b"data: a\n\n\r", [ev("a")]),
]

PEER_BUG_CASES: list[Case] = [
    Case(
        "florimondmanca/httpx-sse#34: U+2028 inside a JSON data line",
        b'event: message\ndata: {"text":"Hello\xe2\x80\xa8World"}\n\n',
        [ev('{"text":"Hello\u2028World"}', event="message")],
    ),
    Case(
        "florimondmanca/httpx-sse#35: a comment block after an id is no event",
        _HTTPX_SSE_35,
        [
            ev('{"text":"Hello World"}', event="custom", id="1"),
            ev('{"text":"Goodbye World"}', event="custom", id="2"),
        ],
    ),
    Case(
        "r3labs/sse#163: a comment after an event with an id generates no event",
        b": this comment does not generate an event\n\nid: 0\n"
        b"data: sending some data with an ID\n\n: this comment DOES generate an event\n\n",
        [ev("sending some data with an ID", id="0")],
    ),
    Case(
        "mpetazzoni/sseclient#9 (sseclient-py): splitlines() splits on NEL, U+2029, VT, FF",
        b"data: a\xc2\x85b\xe2\x80\xa9c\x0bd\x0ce\x1cf\x1dg\x1eh\n\n",
        [ev("a\x85b\u2029c\x0bd\x0ce\x1cf\x1dg\x1eh")],
    ),
    Case(
        "mpetazzoni/sseclient#8 (sseclient-py): decoding chunk by chunk breaks split UTF-8",
        b"data: Bourgogne-Franche-Comt\xc3\xa9\n\n",
        [ev("Bourgogne-Franche-Comté")],
    ),
    Case(
        "btubbs/sseclient#38: spurious U+FFFD when a chunk ends inside a character",
        b"data: \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x99\x82\n\n",
        [ev("你好 🙂")],
    ),
    Case(
        "mpetazzoni/sseclient#6 (sseclient-py): each event arrives one event late",
        b"data: 1\n\ndata: 2\n\n",
        [ev("1"), ev("2")],
    ),
    Case(
        "anthropics/anthropic-sdk-python#469: strict decode raises UnicodeDecodeError (0x8b)",
        b"data: \x1f\x8b\x08\n\n",
        [ev("\x1f\ufffd\x08")],
    ),
    Case(
        "jawah/urllib3.future#349: UnicodeDecodeError, split character next to an invalid one",
        b"data: Comt\xc3\xa9 \xc3(\n\n",
        [ev("Comté \ufffd(")],
    ),
    Case(
        "NousResearch/hermes-agent#35418: event-only frame dispatched by the Anthropic SDK",
        b"event: ping\n\nevent: content_block_delta\ndata: {}\n\n",
        [ev("{}", event="content_block_delta")],
    ),
    Case(
        "openai/openai-python#3819: a leading BOM loses the first event",
        BOM + b"data:first\n\ndata:second\n\n",
        [ev("first"), ev("second")],
    ),
    Case(
        "openai/openai-python#3834: int() accepts retry '-1' and '+1000'",
        b"retry: -1\ndata: ok\n\nretry: +1000\ndata: ok\n\n",
        [ev("ok"), ev("ok")],
    ),
    Case(
        "openai/openai-python#3835: int() accepts retry '1_000' and Unicode digits",
        "retry: 1_000\ndata: a\n\nretry: ١\ndata: b\n\n".encode(),
        [ev("a"), ev("b")],
    ),
    Case(
        "openai/openai-python#3839: control-only blocks (retry:, id:) dispatched as events",
        b"retry: 3000\n\nid: 7\n\ndata: {}\n\n",
        [ev("{}", id="7")],
    ),
    Case(
        "openai/openai-python#498: 'data:' without a space",
        b'data:{"a":1}\n\n',
        [ev('{"a":1}')],
    ),
    Case(
        "rexxars/eventsource-parser#17: CRLF spanning chunks gives two events",
        b"data: A\r\ndata: B\r" + b"data: C\r\n" + b"\n",
        [ev("A\nB\nC")],
    ),
    Case(
        "rexxars/eventsource-parser#17: CRLF spanning chunks (with the LF chunk)",
        b"data: A\r\ndata: B\r" + b"\n" + b"data: C\r\n" + b"\n",
        [ev("A\nB\nC")],
    ),
    Case(
        "rexxars/eventsource-parser#34: an id line with NUL wipes the buffered id",
        b"id: 123\nid: bad\x00id\ndata: hello\n\n",
        [ev("hello", id="123")],
    ),
    Case(
        "openai/openai-agents-python#4214: a chunk boundary on a CR splits one event",
        b"data: a\r\ndata: b\r\n\r\n",
        [ev("a\nb")],
    ),
    Case(
        "Effect-TS/effect#6954: a split CRLF dispatches a spurious event",
        b"event: e\r\ndata: x\r\ndata: y\r\n\r\n",
        [ev("x\ny", event="e")],
    ),
    Case(
        "cohere-ai/cohere-typescript#301: event waits for another chunk (LF delimiter)",
        b'data: {"value":1}\n\n',
        [ev('{"value":1}')],
    ),
    Case(
        "cohere-ai/cohere-typescript#301: event waits for another chunk (CR delimiter)",
        b'data: {"value":1}\r\r',
        [ev('{"value":1}')],
    ),
    Case(
        "anthropics/anthropic-sdk-typescript#1049: mixed delimiters \\n\\r\\n and \\r\\n\\n",
        b"data: a\n\r\ndata: b\r\n\ndata: c\n\n",
        [ev("a"), ev("b"), ev("c")],
    ),
    Case(
        "openai/openai-node#2309: 'data: first\\n\\r\\n' stays buffered",
        b"data: first\n\r\n",
        [ev("first")],
    ),
    Case(
        "a2aproject/a2a-js#714: standalone CR line endings drop events",
        b'data: {"task":{"id":"task-1"}}\r\r',
        [ev('{"task":{"id":"task-1"}}')],
    ),
    Case(
        "langchain-ai/langgraph#7915: repeated data lines joined without a newline",
        b'event: custom\ndata: "hello\ndata: world"\n\n',
        [ev('"hello\nworld"', event="custom")],
    ),
]

CASES: list[Case] = WPT_CASES + WHATWG_CASES + PEER_BUG_CASES


class Reference(NamedTuple):
    """What :func:`reference_parse` found in a complete input."""

    events: list[Ev]
    """Every event, including one dispatched at end of input (``dispatch_incomplete``)."""
    dispatch_ends: list[int]
    """For each event dispatched by a blank line: the byte position just past the first byte
    of that blank line's line ending (the earliest moment the event is known to be complete)."""
    incomplete: bool
    last_event_id: str
    """The last event ID after the last complete line (an unterminated last line ignored)."""
    retry: int | None
    """The reconnection time after the last complete line."""
    spans: list[tuple[int, int]]
    """For each event dispatched by a blank line: the offset of its block's first line and the
    offset just past its blank line's whole line end (a CRLF counted whole)."""
    blocks: list[tuple[int, int, int]]
    """For each block, dispatched or not, the last one maybe unterminated: the offset of its
    first line, its size (the bytes of its lines without line ends) and the number of events
    dispatched before it."""


_LINE_END = re.compile(rb"[\r\n]")


def reference_parse(wire: bytes, *, dispatch_incomplete: bool = False) -> Reference:
    """A plain, non-incremental model of the WHATWG event-stream interpretation.

    An unterminated last line is interpreted as a line for deciding ``incomplete`` (and for
    what ``dispatch_incomplete`` dispatches), since a recording may lack the final line end.
    """
    data: list[str] = []
    event: str | None = None
    block_retry: int | None = None
    last_id = ""
    retry: int | None = None
    events: list[Ev] = []
    ends: list[int] = []
    spans: list[tuple[int, int]] = []
    blocks: list[tuple[int, int, int]] = []
    block_start = block_size = -1

    def field(line: str) -> None:
        nonlocal event, block_retry, last_id, retry
        if line.startswith(":"):
            return
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id":
            if "\x00" not in value:
                last_id = value
        elif name == "retry" and value and all(c in "0123456789" for c in value):
            block_retry = int(value)
            retry = block_retry

    pos = len(BOM) if wire.startswith(BOM) else 0
    while True:
        m = _LINE_END.search(wire, pos)
        if m is None:
            break
        j = m.start()
        line = wire[pos:j].decode("utf-8", "replace")
        crlf = wire[j : j + 2] == b"\r\n"
        if line:
            if block_start < 0:
                block_start, block_size = pos, 0
            block_size += j - pos
            field(line)
        else:
            if block_start >= 0:
                blocks.append((block_start, block_size, len(events)))
            if data:
                events.append((event, "\n".join(data), last_id or None, block_retry))
                ends.append(j + 1)
                spans.append((block_start, j + (2 if crlf else 1)))
            block_start = -1
            data.clear()
            event = None
            block_retry = None
        pos = j + (2 if crlf else 1)

    complete_last_id, complete_retry = last_id, retry
    pending = wire[pos:]
    if pending:
        field(pending.decode("utf-8", "replace"))
        block_start, block_size = (pos, 0) if block_start < 0 else (block_start, block_size)
        block_size += len(pending)
    if block_start >= 0:
        blocks.append((block_start, block_size, len(events)))
    incomplete = bool(data)
    if incomplete and dispatch_incomplete:
        events.append((event, "\n".join(data), last_id or None, block_retry))
    return Reference(events, ends, incomplete, complete_last_id, complete_retry, spans, blocks)
