"""Table-driven conformance tests for ``sseconv.SSEParser`` (see ``sse_cases.py``)."""

from __future__ import annotations

import copy
import pickle
import random
from collections.abc import Iterable

import pytest
from sse_cases import BOM, CASES, Case, Ev, reference_parse

from sseconv import EventTooLargeError, ServerSentEvent, SSEConvError, SSEParser

CASE_IDS = [case.name for case in CASES]


def as_tuples(events: Iterable[ServerSentEvent]) -> list[Ev]:
    return [(e.event, e.data, e.id, e.retry) for e in events]


def parser_for(max_event_size: int | None, dispatch_incomplete: bool = False) -> SSEParser:
    if max_event_size is None:
        return SSEParser(dispatch_incomplete=dispatch_incomplete)
    return SSEParser(max_event_size=max_event_size, dispatch_incomplete=dispatch_incomplete)


def run(
    chunks: Iterable[bytes], *, dispatch_incomplete: bool = False, max_event_size: int | None = None
) -> tuple[list[Ev], bool]:
    """Feed every chunk, close, and return (all events, parser.incomplete)."""
    parser = parser_for(max_event_size, dispatch_incomplete)
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += parser.feed(chunk)
    events += parser.close()
    return as_tuples(events), parser.incomplete


def random_chunks(wire: bytes, seed: str) -> list[bytes]:
    rng = random.Random(seed)
    if len(wire) < 2:
        return [wire]
    count = rng.randint(1, min(len(wire) - 1, 8))
    cuts = sorted(rng.sample(range(1, len(wire)), count))
    return [wire[a:b] for a, b in zip([0, *cuts], [*cuts, len(wire)], strict=True)]


def bytewise(wire: bytes) -> list[bytes]:
    return [wire[i : i + 1] for i in range(len(wire))]


# --- the table itself --------------------------------------------------------------------


def test_case_names_are_unique() -> None:
    assert len(set(CASE_IDS)) == len(CASE_IDS)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_reference_model_agrees_with_table(case: Case) -> None:
    """Keeps the hand-written expectations and the reference model honest."""
    ref = reference_parse(case.wire, dispatch_incomplete=case.dispatch_incomplete)
    assert ref.events == case.events
    assert ref.incomplete == case.incomplete


# --- the parser against the table --------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_whole(case: Case) -> None:
    assert run([case.wire], dispatch_incomplete=case.dispatch_incomplete) == (
        case.events,
        case.incomplete,
    )


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_byte_by_byte(case: Case) -> None:
    assert run(bytewise(case.wire), dispatch_incomplete=case.dispatch_incomplete) == (
        case.events,
        case.incomplete,
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_random_splits(case: Case, seed: int) -> None:
    chunks = random_chunks(case.wire, f"{case.name}/{seed}")
    assert b"".join(chunks) == case.wire
    assert run(chunks, dispatch_incomplete=case.dispatch_incomplete) == (
        case.events,
        case.incomplete,
    ), f"chunks={chunks!r}"


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_event_dispatched_by_the_feed_that_completes_its_blank_line(case: Case) -> None:
    """Fed byte by byte, after each feed() the parser has returned exactly the events whose
    blank line has arrived (a CR counts as soon as it arrives: CR alone is a line end)."""
    ref = reference_parse(case.wire)
    parser = SSEParser(dispatch_incomplete=case.dispatch_incomplete)
    got: list[ServerSentEvent] = []
    for fed in range(1, len(case.wire) + 1):
        got += parser.feed(case.wire[fed - 1 : fed])
        due = sum(1 for end in ref.dispatch_ends if end <= fed)
        assert as_tuples(got) == ref.events[:due], f"after {fed} bytes {case.wire[:fed]!r}"
        if fed in ref.dispatch_ends:
            assert parser.last_event_id == (ref.events[due - 1][2] or "")


# --- chunk boundaries, explicitly --------------------------------------------------------


def feeds(parser: SSEParser, *chunks: bytes) -> list[list[Ev]]:
    return [as_tuples(parser.feed(chunk)) for chunk in chunks]


def test_rexxars_eventsource_parser_17_exact_chunks() -> None:
    parser = SSEParser()
    assert feeds(parser, b"data: A\r\n", b"data: B\r", b"data: C\r\n", b"\n") == [
        [],
        [],
        [],
        [(None, "A\nB\nC", None, None)],
    ]


@pytest.mark.parametrize(
    "chunks",
    [
        [b"\xef", b"\xbb\xbfdata: x\n\n"],
        [b"\xef\xbb", b"\xbfdata: x\n\n"],
        [b"\xef", b"\xbb", b"\xbf", b"data: x\n\n"],
        [b"\xef", b"", b"\xbb\xbf", b"", b"data: x\n\n"],
    ],
)
def test_bom_split_across_chunks(chunks: list[bytes]) -> None:
    assert run(chunks) == ([(None, "x", None, None)], False)


def test_only_one_bom_stripped_when_split() -> None:
    assert run([b"\xef\xbb", b"\xbf\xef", b"\xbb\xbfdata: x\n\ndata: y\n\n"]) == (
        [(None, "y", None, None)],
        False,
    )


def test_cr_blank_line_dispatches_at_once_and_following_lf_is_not_another_line() -> None:
    parser = SSEParser()
    assert feeds(parser, b"data: a\r\r", b"\n", b"data: b\n\n") == [
        [(None, "a", None, None)],
        [],
        [(None, "b", None, None)],
    ]


def test_crlf_blank_line_dispatches_at_the_cr() -> None:
    parser = SSEParser()
    assert feeds(parser, b"data: a\r\n\r", b"\ndata: b\r\n\r", b"\n") == [
        [(None, "a", None, None)],
        [(None, "b", None, None)],
        [],
    ]
    assert parser.close() == []
    assert parser.incomplete is False


def test_cr_line_end_then_cr_blank_line_in_separate_chunks() -> None:
    parser = SSEParser()
    assert feeds(parser, b"data: a\r", b"\r", b"\n") == [[], [(None, "a", None, None)], []]
    assert parser.close() == []
    assert parser.incomplete is False


def test_lf_then_cr_blank_line_then_lf_in_next_chunk() -> None:
    parser = SSEParser()
    assert feeds(parser, b"data: a\n\r", b"\ndata: b\n\n") == [
        [(None, "a", None, None)],
        [(None, "b", None, None)],
    ]


def test_empty_chunks_between_cr_and_lf_keep_the_crlf_one_line_end() -> None:
    parser = SSEParser()
    assert feeds(parser, b"data: a\r", b"", b"\n", b"", b"data: b\r", b"", b"\n", b"\n") == [
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [(None, "a\nb", None, None)],
    ]


def test_lf_blank_line_in_its_own_chunk() -> None:
    parser = SSEParser()
    assert feeds(parser, b"data: a\n", b"\n") == [[], [(None, "a", None, None)]]


def test_multibyte_character_split_across_chunks() -> None:
    wire = "data: é…😀\n\n".encode()
    for cut in range(len(wire) + 1):
        assert run([wire[:cut], wire[cut:]]) == ([(None, "é…😀", None, None)], False), cut


# --- size limit --------------------------------------------------------------------------


def raise_too_large(chunks: Iterable[bytes], *, max_event_size: int) -> EventTooLargeError:
    parser = SSEParser(max_event_size=max_event_size)
    with pytest.raises(EventTooLargeError) as info:
        for chunk in chunks:
            parser.feed(chunk)
        parser.close()
    return info.value


def test_event_too_large_is_an_sseconv_error() -> None:
    assert issubclass(EventTooLargeError, SSEConvError)


@pytest.mark.parametrize("split", [False, True], ids=["whole", "bytewise"])
def test_event_too_large_first_event(split: bool) -> None:
    wire = b"data: " + b"x" * 200 + b"\n\n"
    err = raise_too_large(bytewise(wire) if split else [wire], max_event_size=100)
    assert err.offset == 0
    assert err.event_number == 1


@pytest.mark.parametrize("split", [False, True], ids=["whole", "bytewise"])
def test_event_too_large_offset_points_at_the_offending_event(split: bool) -> None:
    wire = b"data: a\n\n" + b"event: big\ndata: " + b"x" * 200 + b"\n\n"
    err = raise_too_large(bytewise(wire) if split else [wire], max_event_size=100)
    assert err.offset == 9
    assert err.event_number == 2


def test_event_too_large_offset_counts_the_bom() -> None:
    wire = BOM + b"data: a\n\ndata: " + b"x" * 200 + b"\n\n"
    err = raise_too_large([wire], max_event_size=100)
    assert err.offset == 12
    assert err.event_number == 2


def test_event_too_large_by_accumulated_short_lines() -> None:
    wire = b"data: 0123456789\n" * 20 + b"\n"
    err = raise_too_large([wire], max_event_size=100)
    assert err.offset == 0


def test_event_too_large_counts_bytes_not_characters() -> None:
    # 60 characters, 120 bytes of data: over a 100-byte limit.
    raise_too_large([("data: " + "é" * 60 + "\n\n").encode()], max_event_size=100)
    ok = SSEParser(max_event_size=100).feed(("data: " + "é" * 45 + "\n\n").encode())
    assert as_tuples(ok) == [(None, "é" * 45, None, None)]


@pytest.mark.parametrize("prefix", [b"data: ", b": ", b"unknownfield: ", b"", b"data: a\n\nid: "])
def test_long_line_without_newline_raises_instead_of_growing(prefix: bytes) -> None:
    limit, chunk = 1000, b"x" * 100
    parser = SSEParser(max_event_size=limit)
    parser.feed(prefix)
    fed = len(prefix)
    with pytest.raises(EventTooLargeError):
        while fed <= 100 * limit:
            parser.feed(chunk)
            fed += len(chunk)
    assert fed <= limit + 2 * len(chunk) + len(prefix)


def test_event_just_under_the_limit_passes() -> None:
    wire = b"data: " + b"x" * 990 + b"\n\n"
    assert len(wire) < 1000
    expected = ([(None, "x" * 990, None, None)], False)
    assert run([wire], max_event_size=1000) == expected
    assert run(bytewise(wire), max_event_size=1000) == expected


def test_multiline_event_under_the_limit_passes() -> None:
    wire = (b"data: " + b"y" * 90 + b"\n") * 10 + b"\n"
    data = "\n".join(["y" * 90] * 10)
    assert run([wire], max_event_size=1000) == ([(None, data, None, None)], False)


def test_limit_is_per_event_not_per_stream() -> None:
    wire = (b"data: " + b"y" * 50 + b"\n\n") * 100
    events, incomplete = run([wire], max_event_size=100)
    assert len(events) == 100
    assert incomplete is False


def test_default_limit_is_16_mib() -> None:
    mib = 1024 * 1024
    parser = SSEParser()
    events = parser.feed(b"data: " + b"z" * mib + b"\n\n")
    assert [len(e.data) for e in events] == [mib]
    parser = SSEParser()
    with pytest.raises(EventTooLargeError):
        parser.feed(b"data: ")
        for _ in range(16):
            parser.feed(b"z" * mib)
        parser.feed(b"zz\n\n")


# --- last event id, retry ----------------------------------------------------------------


def test_last_event_id_is_sticky() -> None:
    parser = SSEParser()
    assert parser.last_event_id == ""
    assert parser.feed(b"id: 5\n\n") == []
    assert parser.last_event_id == "5"
    assert as_tuples(parser.feed(b"data: x\n\n")) == [(None, "x", "5", None)]
    assert parser.last_event_id == "5"
    assert parser.feed(b"id: a\x00b\n\n") == []
    assert parser.last_event_id == "5"
    assert as_tuples(parser.feed(b"data: y\n\n")) == [(None, "y", "5", None)]
    assert parser.feed(b"id\n\n") == []
    assert parser.last_event_id == ""
    assert as_tuples(parser.feed(b"data: z\n\n")) == [(None, "z", None, None)]
    assert as_tuples(parser.feed(b"id: 4")) == []
    assert as_tuples(parser.feed(b"2\n\ndata: w\n\n")) == [(None, "w", "42", None)]
    assert parser.last_event_id == "42"


def test_retry_sets_parser_retry() -> None:
    parser = SSEParser()
    assert parser.retry is None
    assert parser.feed(b"retry: 10\n\n") == []
    assert parser.retry == 10
    assert parser.feed(b"retry: x\n\nretry: -1\n\nretry:  7\n\n") == []
    assert parser.retry == 10
    assert as_tuples(parser.feed(b"retry: 20\ndata: a\n\n")) == [(None, "a", None, 20)]
    assert parser.retry == 20
    assert as_tuples(parser.feed(b"data: b\n\n")) == [(None, "b", None, None)]
    assert parser.retry == 20


def test_retry_takes_effect_when_its_line_ends() -> None:
    # WHATWG: a valid retry field sets the reconnection time right away, not at dispatch.
    parser = SSEParser()
    assert parser.feed(b"retry: 30\n") == []
    assert parser.retry == 30


# --- close() and dispatch_incomplete -----------------------------------------------------


def test_close_returns_only_what_feed_did_not() -> None:
    parser = SSEParser()
    assert as_tuples(parser.feed(b"data: a\n\n")) == [(None, "a", None, None)]
    assert parser.close() == []
    assert parser.incomplete is False


def test_close_discards_an_incomplete_block_by_default_and_says_so() -> None:
    parser = SSEParser()
    assert as_tuples(parser.feed(b"data: a\n\nid: 1\ndata: b\n")) == [(None, "a", None, None)]
    assert parser.close() == []
    assert parser.incomplete is True


def test_close_dispatches_an_incomplete_block_on_request() -> None:
    parser = SSEParser(dispatch_incomplete=True)
    assert as_tuples(parser.feed(b"data: a\n\nid: 1\nevent: e\ndata: b\n")) == [
        (None, "a", None, None)
    ]
    assert as_tuples(parser.close()) == [("e", "b", "1", None)]
    assert parser.incomplete is True


def test_close_dispatches_an_unterminated_last_line_on_request() -> None:
    parser = SSEParser(dispatch_incomplete=True)
    assert parser.feed(b"data: a\ndata: b") == []
    assert as_tuples(parser.close()) == [(None, "a\nb", None, None)]
    assert parser.incomplete is True


def test_close_numbers_an_incomplete_block_after_the_others() -> None:
    parser = SSEParser(dispatch_incomplete=True)
    assert [e.number for e in parser.feed(b"data: a\n\ndata: b\n\n")] == [1, 2]
    assert [e.number for e in parser.feed(b"data: c\n\ndata: d")] == [3]
    (last,) = parser.close()
    assert (last.data, last.number, parser.events_dispatched) == ("d", 4, 4)


def test_close_with_a_pending_cr_is_complete() -> None:
    parser = SSEParser(dispatch_incomplete=True)
    assert as_tuples(parser.feed(b"data: a\r\r")) == [(None, "a", None, None)]
    assert parser.close() == []
    assert parser.incomplete is False


# --- ServerSentEvent ---------------------------------------------------------------------


def test_equality_ignores_position() -> None:
    (a,) = SSEParser().feed(b"data: x\n\n")
    (b,) = SSEParser().feed(b": comment\n\n\ndata: x\n\n")
    assert a.offset != b.offset
    assert a == b
    assert a == ServerSentEvent(None, "x")
    assert hash(a) == hash(b)
    assert len({a, b, ServerSentEvent(None, "x")}) == 1


@pytest.mark.parametrize(
    "other",
    [
        ServerSentEvent("message", "x"),
        ServerSentEvent("", "x"),
        ServerSentEvent(None, "x", "1"),
        ServerSentEvent(None, "x", None, 5),
        ServerSentEvent(None, "x "),
    ],
)
def test_inequality(other: ServerSentEvent) -> None:
    assert ServerSentEvent(None, "x") != other


def test_fields() -> None:
    e = ServerSentEvent("e", "d", "i", 3)
    assert (e.event, e.data, e.id, e.retry) == ("e", "d", "i", 3)
    e = ServerSentEvent(None, "d")
    assert (e.event, e.data, e.id, e.retry) == (None, "d", None, None)


def test_immutable() -> None:
    e = ServerSentEvent(None, "x")
    for name in ("event", "data", "id", "retry"):
        with pytest.raises((AttributeError, TypeError, ValueError)):
            setattr(e, name, "y")
    assert e == ServerSentEvent(None, "x")


def test_equality_ignores_the_number() -> None:
    parser = SSEParser()
    a, b = parser.feed(b"data: x\n\ndata: x\n\n")
    assert (a.number, b.number) == (1, 2)
    assert a == b
    assert hash(a) == hash(b)
    assert repr(a) == repr(b) == repr(ServerSentEvent(None, "x"))


def test_an_event_built_by_hand_has_no_position_and_no_number() -> None:
    e = ServerSentEvent("e", "d")
    assert (e.offset, e.end, e.number) == (None, None, None)
    e = ServerSentEvent("e", "d", offset=3, end=9, number=2)
    assert (e.offset, e.end, e.number) == (3, 9, 2)


def test_pickle_and_copy_keep_position_and_number() -> None:
    (a,) = SSEParser().feed(b": c\n\ndata: x\n\n")
    for b in (pickle.loads(pickle.dumps(a)), copy.copy(a), copy.deepcopy(a)):
        assert (b, b.offset, b.end, b.number) == (a, 5, 14, 1)


def test_events_are_numbered_across_reads_in_dispatch_order() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\n\n: c\n\nid: 1\n\ndata: b\n") == [ServerSentEvent(None, "a")]
    assert [e.number for e in parser.feed(b"\ndata: c\r\n\r")] == [2, 3]
    (d,) = parser.feed(b"\ndata: d\r\n\r\n")  # (the event with the CR-cut blank line kept 3)
    assert (d.data, d.number, parser.events_dispatched) == ("d", 4, 4)


def test_positions() -> None:
    wire = BOM + b"data: a\n\nevent: e\ndata: b\n\n"
    a, b = SSEParser().feed(wire)
    assert (a.offset, a.end) == (3, 12)
    assert (b.offset, b.end) == (12, 30)


def test_end_of_an_event_dispatched_by_a_cr_at_the_end_of_a_read() -> None:
    # The CR completes the blank line, so the event is dispatched before its LF is read; the
    # LF that arrives next is skipped and the next event's offset counts it.
    parser = SSEParser()
    (a,) = parser.feed(b"data: a\r\n\r")
    (b,) = parser.feed(b"\ndata: b\r\n\r\n")
    assert (a.offset, a.end, b.offset, b.end) == (0, 10, 11, 22)
    whole_a, whole_b = SSEParser().feed(b"data: a\r\n\r\ndata: b\r\n\r\n")
    assert (whole_a.end, whole_b.offset, whole_b.end) == (11, 11, 22)


def test_line_ends_changing_between_reads_do_not_confuse_event_sizes() -> None:
    # A data-only event read with CRLF, then a block with LF whose field name is "  data" (not
    # "data"): it must not be taken for a data-only event of the same size as a CRLF one.
    parser = SSEParser()
    assert as_tuples(parser.feed(b"data: a\r\n\r\n")) == [(None, "a", None, None)]
    assert parser.feed(b"  data: b\n\n") == []
    assert as_tuples(parser.feed(b"data: c\n\n")) == [(None, "c", None, None)]
    assert parser.close() == []
