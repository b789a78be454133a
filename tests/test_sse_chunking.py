"""The parser gives the same events, positions and size verdicts however its input is read.

Seeded random streams (every line ending, mixed ones too, ids, comments, retries, blank lines,
BOMs, long lines) are parsed whole, in random reads and byte by byte, and compared with the
reference model of ``sse_cases``: the events, their ``offset`` and ``end``, and for any
``max_event_size`` whether and where :class:`EventTooLargeError` is raised. The size of an event
is the bytes of its block's lines without their line ends (see ``SSEParser``).
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from sse_cases import reference_parse

from sseconv import EventTooLargeError, ServerSentEvent, SSEParser, _sse, _sse_grammar

LINES = [
    b"data: x",
    b"data:",
    b"data",
    b"data: " + "é…😀".encode(),
    b"event: completion",
    b"event:",
    b"id: 7",
    b"id",
    b"id: a\x00b",
    b"retry: 10",
    b"retry: x",
    b": keep-alive",
    b":",
    b"other: y",
    b"data: " + b"z" * 70,
    b"\xff\xfe",
]
EOLS = [b"\n", b"\r\n", b"\r"]


def random_stream(rng: random.Random) -> bytes:
    mixed = rng.random() < 0.3
    eol = rng.choice(EOLS)
    out = [b"\xef\xbb\xbf"] if rng.random() < 0.1 else []
    for _ in range(rng.randint(0, 12)):
        for _ in range(rng.randint(0, 4)):
            out.append(rng.choice(LINES) + (rng.choice(EOLS) if mixed else eol))
        out.append(rng.choice(EOLS) if mixed else eol)  # a blank line (or a second one)
    if rng.random() < 0.3:  # cut anywhere
        return b"".join(out)[: rng.randint(0, len(b"".join(out)))]
    return b"".join(out)


def random_reads(rng: random.Random, data: bytes) -> list[bytes]:
    cuts = sorted({rng.randint(0, len(data)) for _ in range(rng.randint(0, 8))})
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def parse(reads: list[bytes], **options: Any) -> tuple[list[ServerSentEvent], Any]:
    """All events, and how it ended: ``("ok", incomplete)`` or the error's type and place."""
    parser = SSEParser(**options)
    events: list[ServerSentEvent] = []
    try:
        for read in reads:
            events += parser.feed(read)
        events += parser.close()
    except EventTooLargeError as exc:
        return events + exc.sse_events, ("too large", exc.offset, exc.event_number)
    return events, ("ok", parser.incomplete)


def fields(events: list[ServerSentEvent]) -> list[tuple[Any, ...]]:
    return [(e.event, e.data, e.id, e.retry) for e in events]


def reads_ending_after_a_cr(reads: list[bytes]) -> set[int]:
    """The input offsets where a read ends with a CR (the next read may start with its LF)."""
    at, ends = 0, set()
    for read in reads:
        at += len(read)
        if read.endswith(b"\r"):
            ends.add(at)
    return ends


@pytest.mark.parametrize("seed", range(4))
def test_each_event_comes_from_the_read_that_completes_it(seed: int) -> None:
    rng = random.Random(f"timing:{seed}")
    for _ in range(400):
        data = random_stream(rng)
        ref = reference_parse(data)
        parser = SSEParser()
        got: list[ServerSentEvent] = []
        fed = 0
        for read in random_reads(rng, data):
            got += parser.feed(read)
            fed += len(read)
            due = sum(1 for end in ref.dispatch_ends if end <= fed)
            assert fields(got) == ref.events[:due], (data, fed)


def test_a_lone_cr_blank_line_in_a_crlf_read_dispatches_at_once() -> None:
    parser = SSEParser()
    assert fields(parser.feed(b"data: a\r\n\rdata: b")) == [(None, "a", None, None)]
    assert fields(parser.feed(b"\r\n\r\n")) == [(None, "b", None, None)]
    parser = SSEParser()
    assert parser.feed(b": c\r\n\rdata: " + b"x" * 20) == []  # (the comment block ended)
    with pytest.raises(EventTooLargeError) as info:
        SSEParser(max_event_size=10).feed(b": c\r\n\rdata: " + b"x" * 20)
    assert info.value.offset == 6


@pytest.mark.parametrize("seed", range(4))
def test_events_and_positions_do_not_depend_on_the_reads(seed: int) -> None:
    rng = random.Random(f"positions:{seed}")
    for _ in range(500):
        data = random_stream(rng)
        ref = reference_parse(data)
        whole, _ = parse([data])
        assert fields(whole) == ref.events, data
        assert [(e.offset, e.end) for e in whole] == ref.spans, data
        for reads in (random_reads(rng, data), [data[i : i + 1] for i in range(len(data))]):
            events, ended = parse(reads)
            assert (fields(events), ended) == (ref.events, ("ok", ref.incomplete)), reads
            assert [e.number for e in events] == list(range(1, len(events) + 1)), reads
            cr_ends = reads_ending_after_a_cr(reads)
            for event, (offset, end) in zip(events, ref.spans, strict=True):
                # an event dispatched by a CR that ends a read stops there (its LF comes later)
                assert event.offset == offset, reads
                assert event.end == end or (event.end == end - 1 and event.end in cr_ends), reads


def expected_verdict(data: bytes, limit: int) -> tuple[int, Any]:
    """How many events come before the first block larger than ``limit``, and the verdict."""
    ref = reference_parse(data)
    for start, size, before in ref.blocks:
        if size > limit:
            return before, ("too large", start, before + 1)
    return len(ref.events), ("ok", ref.incomplete)


@pytest.mark.parametrize("seed", range(4))
def test_the_size_limit_gives_the_same_verdict_for_every_reading(seed: int) -> None:
    rng = random.Random(f"limits:{seed}")
    for _ in range(400):
        data = random_stream(rng)
        limit = rng.randint(0, 90)
        count, verdict = expected_verdict(data, limit)
        ref = reference_parse(data)
        for reads in ([data], random_reads(rng, data), [data[i : i + 1] for i in range(len(data))]):
            events, ended = parse(reads, max_event_size=limit)
            assert (fields(events), ended) == (ref.events[:count], verdict), (limit, reads)
            # (the events an error carries are numbered as if they had been returned)
            assert [e.number for e in events] == list(range(1, count + 1)), (limit, reads)


@pytest.mark.parametrize("eol", EOLS, ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("split", [False, True], ids=["whole", "bytewise"])
def test_an_event_of_exactly_the_limit_passes_one_byte_more_does_not(
    eol: bytes, split: bool
) -> None:
    # every line counts, comments and ids too; line ends do not
    lines = [b": c", b"id: 1", b"event: e", b"data: " + b"x" * 40, b"data: y"]
    size = sum(map(len, lines))
    wire = eol.join([*lines, b"", b""])
    reads = [wire[i : i + 1] for i in range(len(wire))] if split else [wire]
    assert fields(parse(reads, max_event_size=size)[0]) == [("e", "x" * 40 + "\ny", "1", None)]
    assert parse(reads, max_event_size=size - 1) == ([], ("too large", 0, 1))


def test_the_limit_applies_to_blocks_without_data() -> None:
    wire = b": " + b"c" * 98 + b"\n\ndata: x\n\n"
    assert parse([wire], max_event_size=99) == ([], ("too large", 0, 1))
    assert fields(parse([wire], max_event_size=100)[0]) == [(None, "x", None, None)]


def test_a_read_larger_than_the_limit_finds_the_one_event_over_it() -> None:
    small = b"event: completion\ndata: " + b"x" * 50 + b"\n\n"
    big = b"id: 7\nevent: completion\ndata: " + b"y" * 90 + b"\n\n"
    wire = small * 20 + big + small
    events, ended = parse([wire], max_event_size=100)
    assert (len(events), ended) == (20, ("too large", 20 * len(small), 21))
    # 96 bytes of data line, 5 of id line, 17 of event line: 118 bytes of lines
    events, ended = parse([wire], max_event_size=118)
    assert (len(events), ended) == (22, ("ok", False))
    assert parse([wire], max_event_size=117)[1] == ("too large", 20 * len(small), 21)


def block_reads(rng: random.Random, data: bytes, lines: int = 0) -> list[bytes]:
    """``data`` cut after every blank line: one read per block (a lone blank line is one too),
    or, for some blank lines that end with a CRLF, between its CR and its LF. With ``lines``,
    each cut moves on by that many lines of the next block, some of them into its last CRLF."""
    cuts, line_start, moved = [], 0, lines + 1
    for m in re.finditer(rb"\r\n|\r|\n", data):
        if m.start() == line_start:
            moved = 0
        if moved == lines:
            cuts.append(m.end() - (m.end() - m.start() == 2 and rng.random() < 0.5))
        moved += 1
        line_start = m.end()
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True) if b > a]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("lines", [0, 1, 2])
def test_reads_of_one_whole_block_give_what_bytewise_reads_give(
    monkeypatch: pytest.MonkeyPatch, seed: int, lines: int
) -> None:
    # A read that is exactly one block (as a live stream's reads are), or the rest of a block
    # whose first lines a read cut and then the first lines of the next block, takes a shorter
    # path than the general one; it must give the same events, positions, numbers and state.
    shorter = [0, 0]  # (reads of one whole block, reads of the rest of one)
    modes: dict[bytes, Any] = dict(_sse_grammar.MODES)
    for eol, mode in modes.items():
        eol_, stray, *patterns = mode[3]

        def counted(data: bytes, i: int, pattern: Any) -> Any:
            m = pattern(data)
            shorter[i] += m is not None
            return m

        wrapped = [lambda data, i=i, p=p: counted(data, i, p) for i, p in enumerate(patterns)]
        modes[eol] = (*mode[:3], (eol_, stray, *wrapped))
    monkeypatch.setattr(_sse, "MODES", modes)
    rng = random.Random(f"blocks:{seed}")
    for _ in range(400):
        data = random_stream(rng)
        ref = reference_parse(data)
        reads = block_reads(rng, data, lines)
        if rng.random() < 0.3:  # some blocks cut again: a block in progress, then whole ones
            reads = [part for read in reads for part in random_reads(rng, read)]
        assert b"".join(reads) == data
        parser, bytewise = SSEParser(), SSEParser()
        events: list[ServerSentEvent] = []
        expected: list[ServerSentEvent] = []
        for read in reads:
            events += parser.feed(read)
            for i in range(len(read)):
                expected += bytewise.feed(read[i : i + 1])
            assert [(*e[:5], e.number) for e in events] == [(*e[:5], e.number) for e in expected], (
                reads
            )
            state = (parser.last_event_id, parser.retry, parser.events_dispatched)
            assert state == (bytewise.last_event_id, bytewise.retry, bytewise.events_dispatched)
        events += parser.close()
        expected += bytewise.close()
        assert fields(events) == fields(expected) == ref.events, reads
        assert parser.incomplete == bytewise.incomplete == ref.incomplete
        assert parser.block_offset == bytewise.block_offset
        cr_ends = reads_ending_after_a_cr(reads)
        for event, (offset, end) in zip(events, ref.spans, strict=True):
            assert event.offset == offset, reads
            assert event.end == end or (event.end == end - 1 and event.end in cr_ends), reads
        limit = rng.randint(0, 90)
        count, verdict = expected_verdict(data, limit)
        limited, ended = parse(reads, max_event_size=limit)
        assert (fields(limited), ended) == (ref.events[:count], verdict), (limit, reads)
    assert shorter[1] > 5 if lines else shorter[0] > 400  # (the shorter paths were taken)


@pytest.mark.parametrize("eol", EOLS, ids=["LF", "CRLF", "CR"])
def test_reads_that_end_a_block_and_cut_the_next_take_one_match_each(
    monkeypatch: pytest.MonkeyPatch, eol: bytes
) -> None:
    # One event per read, each read cut after the first line of the next block (in its CRLF,
    # for CRLF): from the second read on, each is the rest of a block whose first line waited,
    # then the first line of the next, and takes the shorter path.
    resumed = 0
    modes: dict[bytes, Any] = dict(_sse_grammar.MODES)
    eol_, stray, one, pattern = modes[eol][3]

    def counted(data: bytes) -> Any:
        nonlocal resumed
        m = pattern(data)
        resumed += m is not None
        return m

    modes[eol] = (*modes[eol][:3], (eol_, stray, one, counted))
    monkeypatch.setattr(_sse, "MODES", modes)
    blocks = [b"event: completion\ndata: %d\n\n" % i for i in range(30)]
    blocks.insert(10, b": ping\n\n")
    data = b"".join(blocks).replace(b"\n", eol)
    cuts, at = [], 0
    for block in blocks[:-1]:  # (after the first line of the next block, or in its CRLF)
        at += len(block.replace(b"\n", eol))
        cuts.append(data.index(eol, at) + len(eol) - (eol == b"\r\n"))
    reads = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    assert b"".join(reads) == data
    parser, whole = SSEParser(), SSEParser()
    events = [e for read in reads for e in parser.feed(read)] + parser.close()
    expected = whole.feed(data) + whole.close()
    assert [(*e[:6], e.number) for e in events] == [(*e[:6], e.number) for e in expected]
    assert [e.data for e in events] == [str(i) for i in range(30)]
    assert resumed == len(reads) - 1


@pytest.mark.parametrize("eol", EOLS, ids=["LF", "CRLF", "CR"])
def test_an_id_line_of_a_cut_block_acts_at_once(eol: bytes) -> None:
    # (the complete lines of a block that a read cuts wait for the rest of it, but an id or
    # retry line among them is in force as soon as its line end is read, even a cut CRLF's CR)
    wire = b"id: 1\ndata: x\n\n: c\nid: 2\nretry: 5\nevent: e\ndata: y\n\n".replace(b"\n", eol)
    for cut in range(len(wire) + 1):
        parser = SSEParser()
        first = parser.feed(wire[:cut])
        line_ends = {m.end() for m in re.finditer(rb"\r\n|\r|\n", wire[:cut])}
        if eol == b"\r\n" and wire[:cut].endswith(b"\r"):
            line_ends.add(cut)  # (a CR that ends the read ends its line)
        seen = max(line_ends, default=0)
        expected_id = "2" if seen >= wire.index(b"id: 2") + 5 else "1" if seen >= 5 else ""
        assert parser.last_event_id == expected_id, wire[:cut]
        assert parser.retry == (5 if seen >= wire.index(b"retry: 5") + 8 else None), wire[:cut]
        rest = parser.feed(wire[cut:]) + parser.close()
        assert fields(first + rest) == [(None, "x", "1", None), ("e", "y", "2", 5)]
