"""Output drained event by event, so one huge read stays bounded (issue 10 item 13).

``Converter.iter_feed``/``iter_close`` yield the output of each input event on its own;
``convert``/``aconvert`` yield pieces of whole events of about 64 KiB. Peak memory is measured by
``benchmarks/bench_memory.py``; these tests check what each step holds.
"""

from __future__ import annotations

import asyncio
import datetime
import itertools
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streams import (
    FIXTURE_NAMES,
    completions_event,
    completions_stream,
    events_of,
    read_fixture,
    split_events,
)

import sseconv
from sseconv._convert import _PIECE_SIZE

TARGETS = ["legacy", "completions", "messages"]


def clock() -> datetime.datetime:
    return datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


def whole(data: bytes, to: str) -> bytes:
    converter = sseconv.Converter(to, clock=clock, dispatch_incomplete=True)
    return converter.feed(data) + converter.close()


def long_completions(tokens: int) -> bytes:
    return completions_stream([f" word{i}" for i in range(tokens)])


@pytest.mark.parametrize("to", TARGETS)
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_iter_feed_yields_each_input_event_on_its_own(name: str, to: str) -> None:
    data = read_fixture(name)
    converter = sseconv.Converter(to, clock=clock, dispatch_incomplete=True)
    pieces = list(converter.iter_feed(data)) + list(converter.iter_close())
    assert b"".join(pieces) == whole(data, to)
    assert all(pieces)
    assert len(pieces) <= converter.report.events_in + 1  # (+1: what close() writes)
    for piece in pieces:  # never the text of two input events in one piece
        assert piece.count(b'"completion":') <= 1 or piece.endswith(b"[DONE]\n\n")


def test_each_step_holds_one_output_event_when_converting_to_legacy() -> None:
    data = long_completions(500)
    converter = sseconv.Converter("legacy")
    sizes = [len(piece) for piece in converter.iter_feed(data)]
    out_events = events_of(whole(data, "legacy"))
    assert len(sizes) == 500 + 1  # one per input event
    largest = max(len(sseconv.encode_sse(e)) for e in out_events)
    assert max(sizes) <= largest + len(b"data: [DONE]\n\n")


def test_an_unfinished_iterator_loses_nothing() -> None:
    data = long_completions(20)
    for taken in (0, 1, 5):
        converter = sseconv.Converter("legacy")
        pieces = converter.iter_feed(data)
        head = [next(pieces) for _ in range(taken)]
        del pieces  # left unfinished: the next call converts the rest first
        rest = converter.feed(b"") + converter.close()
        assert b"".join(head) + rest == whole(data, "legacy")
        assert converter.report.events_in == 21 and converter.report.finished


def test_an_unfinished_iterator_then_more_input_keeps_the_order() -> None:
    parts = split_events(long_completions(6))
    converter = sseconv.Converter("messages")
    first = converter.iter_feed(b"".join(parts[:4]))
    head = next(first)
    more = list(converter.iter_feed(b"".join(parts[4:])))
    assert head + b"".join(more) + converter.close() == whole(b"".join(parts), "messages")


def test_an_error_while_draining_comes_after_the_good_events() -> None:
    parts = split_events(long_completions(5))
    bad = b"event: completion\ndata: {oops\n\n"
    data = b"".join(parts[:3]) + bad + b"".join(parts[3:])
    converter = sseconv.Converter("legacy")
    got: list[bytes] = []
    with pytest.raises(sseconv.MalformedEventError) as caught:
        for piece in converter.iter_feed(data):
            got.append(piece)
    assert caught.value.event_number == 4
    with pytest.raises(sseconv.MalformedEventError) as batch:
        sseconv.Converter("legacy").feed(data)
    assert b"".join(got) + caught.value.output == batch.value.output
    assert len(got) == 3
    with pytest.raises(sseconv.UsageError, match="no input after the failure"):
        converter.iter_feed(b"")


def test_an_oversize_event_while_draining_comes_after_the_events_before_it() -> None:
    parts = split_events(long_completions(3))
    big = completions_event("z" * 500)
    converter = sseconv.Converter("completions", max_event_size=300)
    got = []
    with pytest.raises(sseconv.EventTooLargeError) as caught:
        for piece in converter.iter_feed(b"".join(parts[:2]) + big + parts[2]):
            got.append(piece)
    assert b"".join(got) == b"".join(parts[:2])
    assert caught.value.event_number == 3


def test_convert_given_one_huge_chunk_yields_bounded_pieces() -> None:
    """A whole recording in one read, to legacy: every event repeats the text so far, so the
    output is far larger than the input; the iterator never holds more than a piece."""
    data = long_completions(3000)
    largest = max(len(sseconv.encode_sse(e)) for e in events_of(whole(data, "legacy")))
    conversion = sseconv.convert(data, "legacy")
    total = 0
    count = 0
    for piece in conversion:
        assert len(piece) <= _PIECE_SIZE + largest
        total += len(piece)
        count += 1
    assert total == len(whole(data, "legacy")) and total > 50 * _PIECE_SIZE
    assert count >= total // (_PIECE_SIZE + largest)
    assert conversion.report.finished


def test_aconvert_given_one_huge_chunk_yields_bounded_pieces() -> None:
    data = long_completions(3000)

    async def chunks() -> AsyncIterator[bytes]:
        yield data

    async def run() -> list[int]:
        return [len(piece) async for piece in sseconv.aconvert(chunks(), "legacy")]

    sizes = asyncio.run(run())
    assert sum(sizes) == len(whole(data, "legacy")) and max(sizes) < 2 * _PIECE_SIZE
    assert len(sizes) > 50


def test_small_reads_still_yield_as_soon_as_an_event_is_complete() -> None:
    """Pieces gather within one read only: what a read completes is yielded before the next
    read is taken."""
    parts = split_events(long_completions(4))
    taken: list[int] = []

    def chunks() -> object:
        for index, part in enumerate(parts):
            taken.append(index)
            yield part

    conversion = sseconv.convert(chunks(), "legacy")  # type: ignore[arg-type]
    assert next(conversion).startswith(b'data: {"completion":" word0"')
    assert taken == [0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(FIXTURE_NAMES),
    to=st.sampled_from(TARGETS),
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=8),
    takes=st.lists(st.integers(min_value=0, max_value=3), min_size=10, max_size=10),
    batch=st.lists(st.booleans(), min_size=10, max_size=10),
)
def test_any_mix_of_reads_drains_and_abandons_gives_the_same_output(
    name: str, to: str, cuts: list[int], takes: list[int], batch: list[bool]
) -> None:
    """Reads split anywhere; each read fed whole (``feed``) or drained (``iter_feed``) with
    the iterator abandoned after a few pieces: the output is the output of one ``feed``."""
    data = read_fixture(name)
    points = sorted({min(cut, len(data)) for cut in cuts} | {0, len(data)})
    reads = [data[a:b] for a, b in itertools.pairwise(points)]
    converter = sseconv.Converter(to, clock=clock, dispatch_incomplete=True)
    out = b""
    for index, chunk in enumerate(reads):
        if batch[index % 10]:
            out += converter.feed(chunk)
        else:
            pieces = converter.iter_feed(chunk)
            for _ in range(takes[index % 10]):
                out += next(pieces, b"")
    out += b"".join(converter.iter_close())
    assert out == whole(data, to)
