"""The benchmarks' ceilings stay what they claim: the parser's and the passthrough's events and
output on the benchmark's streams, in every read size.

``make bench`` also checks this at run time (a ceiling that disagrees is reported), but only when
someone runs it; these tests catch a change to the parser's patterns that the ceiling would no
longer follow.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import sseconv

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import bench_convert
import bench_sse
from _peers import ceiling_iter
from _streams import chunks


def _parse(reads: list[bytes]) -> list[sseconv.ServerSentEvent]:
    parser = sseconv.SSEParser()
    events = [event for read in reads for event in parser.feed(read)]
    return events + parser.close()


SHAPES = bench_sse.shapes(40, 12, seed=1)


@pytest.mark.parametrize("shape", SHAPES, ids=[shape.key for shape in SHAPES])
def test_the_parse_ceiling_gives_the_parsers_events_and_positions(
    shape: bench_sse.Shape,
) -> None:
    for name, reads in bench_sse.readings(shape, seed=1).items():
        expected = _parse(reads)
        got = ceiling_iter(reads)
        assert got == expected, name
        # (positions and numbers too, but for the end of an event cut in its CRLF: the
        # parser's stops at the CR, the ceiling's after the LF)
        assert [e.offset for e in got] == [e.offset for e in expected], name
        assert [e.number for e in got] == [e.number for e in expected], name


@pytest.mark.parametrize("dialect", bench_convert.DIALECTS)
def test_the_passthrough_ceiling_checks_every_event_and_writes_the_input_back(
    dialect: str,
) -> None:
    raw = bench_convert.MAKERS[dialect](30)
    reads = chunks(raw, bench_convert.CHUNK_SIZE)
    ceiling = bench_convert.passthrough_ceiling(dialect)
    assert b"".join(ceiling(reads)) == raw
    bad = raw.replace(b'data: {"', b"data: {", 1)  # the first event's JSON broken
    with pytest.raises(sseconv.InputError):
        b"".join(ceiling(chunks(bad, bench_convert.CHUNK_SIZE)))
