"""Property tests for the SSE wire layer (hypothesis)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st
from sse_cases import Ev, reference_parse

from sseconv import ServerSentEvent, SSEConvError, SSEParser, encode_sse

# Pieces that make SSE-like streams likely to hit the interesting paths.
FRAGMENTS = [
    b"data:",
    b"data: ",
    b"data",
    b"event:",
    b"event: ",
    b"id:",
    b"id: ",
    b"retry:",
    b"retry: ",
    b"Data:",
    b":",
    b": c",
    b" ",
    b"\t",
    b"\n",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"\r\r",
    b"\r\n\r\n",
    b"\xef\xbb\xbf",
    b"\xef",
    b"\xbb\xbf",
    b"\x00",
    b"x",
    b"42",
    b"007",
    b"+1",
    "…".encode(),
    "é".encode(),
    "😀".encode(),
    "\u2028".encode(),
    "\x85".encode(),
    b"\x85",
    b"\xff",
    b"\xc3",
    b"\x0b\x0c",
    # whole events, canonical and nearly so, in both line endings: the parser's fast paths
    b"data: a\n\n",
    b"data: a\r\n\r\n",
    b"event: e\ndata: d\n\n",
    b"event: e\r\ndata: d\r\n\r\n",
    b"id: 7\nevent: e\ndata: d\n\n",
    b": c\r\n\r\n",
    b"  data: b\n\n",
    b"data: " + b"y" * 1100 + b"\n\n",
    b"data: " + b"z" * 1100 + b"\r\n\r\n",
]

streams = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(b"".join),
    st.binary(max_size=200),
)


def as_tuples(events: Iterable[ServerSentEvent]) -> list[Ev]:
    return [(e.event, e.data, e.id, e.retry) for e in events]


@st.composite
def stream_and_cuts(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    wire = draw(streams)
    cuts = sorted(draw(st.sets(st.integers(0, len(wire)), max_size=12)))
    bounds = [0, *cuts, len(wire)]
    return wire, [wire[a:b] for a, b in pairwise(bounds)]


def parse(chunks: Iterable[bytes], *, dispatch_incomplete: bool = False) -> tuple[list[Ev], bool]:
    parser = SSEParser(dispatch_incomplete=dispatch_incomplete)
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += parser.feed(chunk)
    events += parser.close()
    return as_tuples(events), parser.incomplete


@settings(max_examples=400, deadline=None)
@given(stream_and_cuts(), st.booleans())
def test_any_chunking_gives_the_same_events(
    sample: tuple[bytes, list[bytes]], dispatch_incomplete: bool
) -> None:
    wire, chunks = sample
    whole = parse([wire], dispatch_incomplete=dispatch_incomplete)
    assert parse(chunks, dispatch_incomplete=dispatch_incomplete) == whole
    assert (
        parse([wire[i : i + 1] for i in range(len(wire))], dispatch_incomplete=dispatch_incomplete)
        == whole
    )


@settings(max_examples=400, deadline=None)
@given(streams, st.booleans())
def test_parser_agrees_with_the_reference_model(wire: bytes, dispatch_incomplete: bool) -> None:
    ref = reference_parse(wire, dispatch_incomplete=dispatch_incomplete)
    assert parse([wire], dispatch_incomplete=dispatch_incomplete) == (ref.events, ref.incomplete)


@settings(max_examples=300, deadline=None)
@given(stream_and_cuts())
def test_each_event_comes_from_the_feed_that_completes_it(
    sample: tuple[bytes, list[bytes]],
) -> None:
    wire, chunks = sample
    ref = reference_parse(wire)
    parser = SSEParser()
    got: list[ServerSentEvent] = []
    fed = 0
    for chunk in chunks:
        got += parser.feed(chunk)
        fed += len(chunk)
        due = sum(1 for end in ref.dispatch_ends if end <= fed)
        assert as_tuples(got) == ref.events[:due]


@settings(max_examples=300, deadline=None)
@given(stream_and_cuts(), st.integers(1, 64), st.booleans())
def test_arbitrary_bytes_give_events_or_an_sseconv_error(
    sample: tuple[bytes, list[bytes]], limit: int, dispatch_incomplete: bool
) -> None:
    _, chunks = sample
    parser = SSEParser(max_event_size=limit, dispatch_incomplete=dispatch_incomplete)
    try:
        for chunk in chunks:
            for event in parser.feed(chunk):
                assert isinstance(event, ServerSentEvent)
                assert isinstance(event.data, str)
        for event in parser.close():
            assert isinstance(event, ServerSentEvent)
    except SSEConvError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_with_the_default_limit(wire: bytes) -> None:
    parse([wire])
    parse([wire[i : i + 1] for i in range(len(wire))], dispatch_incomplete=True)


# --- encode / parse round trips ----------------------------------------------------------

# Text without CR or LF (and no lone surrogates, which have no UTF-8 form).
line_text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), max_size=20
)
# Data may hold LF (one data line per line) but no CR: a lone CR has no representation.
data_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r"), max_size=40)
id_text = line_text.filter(lambda s: s != "" and "\x00" not in s)
retries = st.none() | st.integers(0, 10**12)
eols = st.sampled_from(["\n", "\r\n"])


@st.composite
def representable_events(draw: st.DrawFn, *, with_id: bool | None = None) -> ServerSentEvent:
    """An event that a fresh stream can carry exactly: ``id`` is non-empty or ``None``."""
    event = draw(st.none() | line_text)
    if with_id is None:
        with_id = draw(st.booleans())
    event_id = draw(id_text) if with_id else None
    return ServerSentEvent(event, draw(data_text), event_id, draw(retries))


@st.composite
def canonical_event_lists(draw: st.DrawFn) -> list[ServerSentEvent]:
    """Events whose encoding parses back to themselves: once an id appears, every later event
    carries one too (the last event id is sticky, and encode_sse writes an id line iff the
    event has an id)."""
    n = draw(st.integers(0, 6))
    first_with_id = draw(st.integers(0, n))
    return [draw(representable_events(with_id=i >= first_with_id)) for i in range(n)]


@settings(max_examples=400, deadline=None)
@given(representable_events(), eols)
def test_encode_then_parse_gives_the_event_back(event: ServerSentEvent, eol: str) -> None:
    parser = SSEParser()
    assert parser.feed(encode_sse(event, eol=eol)) + parser.close() == [event]
    assert parser.incomplete is False


@settings(max_examples=300, deadline=None)
@given(canonical_event_lists(), eols)
def test_encode_then_parse_a_stream_gives_the_events_back(
    events: list[ServerSentEvent], eol: str
) -> None:
    wire = b"".join(encode_sse(e, eol=eol) for e in events)
    assert parse([wire]) == (as_tuples(events), False)


@settings(max_examples=300, deadline=None)
@given(canonical_event_lists(), eols, st.data())
def test_parse_then_encode_gives_the_same_bytes(
    events: list[ServerSentEvent], eol: str, data: st.DataObject
) -> None:
    wire = b"".join(encode_sse(e, eol=eol) for e in events)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(wire)), max_size=8)))
    bounds = [0, *cuts, len(wire)]
    parser = SSEParser()
    parsed: list[ServerSentEvent] = []
    for a, b in pairwise(bounds):
        parsed += parser.feed(wire[a:b])
    parsed += parser.close()
    assert b"".join(encode_sse(e, eol=eol) for e in parsed) == wire


# Any text at all, line ends, NUL and lone surrogates included.
any_text = st.text(st.characters(), max_size=20) | st.sampled_from(["\r", "\n", "\r\n", "\x00"])


@settings(max_examples=500, deadline=None)
@given(
    st.none() | any_text,
    any_text,
    st.none() | any_text,
    st.none() | st.integers(-(10**6), 10**12),
    eols,
)
def test_encode_sse_refuses_or_round_trips(
    name: str | None, data: str, event_id: str | None, retry: int | None, eol: str
) -> None:
    """``parse(encode(e)) == e`` for every event encode_sse accepts (an empty id, a reset of
    the last event id, comes back as None); anything else is a UsageError."""
    event = ServerSentEvent(name, data, event_id, retry)
    try:
        wire = encode_sse(event, eol=eol)
    except SSEConvError as exc:
        assert type(exc).__name__ == "UsageError"
        return
    expected = ServerSentEvent(name, data, event_id or None, retry)
    parser = SSEParser()
    assert parser.feed(wire) + parser.close() == [expected]


@settings(max_examples=400, deadline=None)
@given(streams)
def test_encode_sse_accepts_every_event_the_parser_produces(wire: bytes) -> None:
    parser = SSEParser(dispatch_incomplete=True)
    for event in parser.feed(wire) + parser.close():
        again = SSEParser()
        assert again.feed(encode_sse(event)) + again.close() == [event]


@settings(max_examples=400, deadline=None)
@given(streams, st.data())
def test_reads_cut_after_blank_lines_give_the_same_events_and_positions(
    wire: bytes, data: st.DataObject
) -> None:
    """Reads that are whole blocks (a live stream's usual reads) take the parser's one-match
    path; the events, their positions and numbers, and the parser's state after every read are
    those of byte-by-byte reads of the same input."""
    ends: list[int] = []  # the ends of blank lines, and the middle of a blank CRLF
    line_start = 0
    for m in re.finditer(rb"\r\n|\r|\n", wire):
        if m.start() == line_start:
            ends += range(m.start() + 1, m.end() + 1)
        line_start = m.end()
    cuts = sorted(data.draw(st.sets(st.sampled_from(ends), max_size=40)) if ends else [])
    parser, bytewise = SSEParser(), SSEParser()
    got: list[ServerSentEvent] = []
    expected: list[ServerSentEvent] = []
    for a, b in pairwise([0, *cuts, len(wire)]):
        got += parser.feed(wire[a:b])
        for i in range(a, b):
            expected += bytewise.feed(wire[i : i + 1])
        assert (parser.last_event_id, parser.retry) == (bytewise.last_event_id, bytewise.retry)
        assert [(*e[:5], e.number) for e in got] == [(*e[:5], e.number) for e in expected]
    got += parser.close()
    expected += bytewise.close()
    assert [(*e[:5], e.number) for e in got] == [(*e[:5], e.number) for e in expected]
    assert (parser.incomplete, parser.block_offset) == (bytewise.incomplete, bytewise.block_offset)
