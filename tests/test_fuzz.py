"""Seeded differential fuzzing: whole input against random reads, parser against the model.

Deterministic (fixed seeds) so that a failure reproduces; broad enough to have found real bugs
(a split CRLF around dropped spans, an event-head size cached across line endings).
"""

from __future__ import annotations

import datetime
import random
from pathlib import Path
from typing import Any

import pytest
from sse_cases import reference_parse

import sseconv

FIXTURES = [p.read_bytes() for p in sorted((Path(__file__).parent / "fixtures").glob("*.sse"))]
EXTRAS = [
    b'event: ping\ndata: {"type": "ping"}\n\n',
    b"data: [DONE]\n\n",
    b'event: future\ndata: {"x":1}\n\n',
    b": comment\n\n",
    b"event: completion\ndata: {bad\n\n",
    b"\n",
    b"id: 7\n",
    b"retry: 10\n\n",
]
OPTIONS: list[dict[str, Any]] = [
    {},
    {"pings": "drop"},
    {"mode": "lenient"},
    {"mode": "strict"},
    {"eol": "\r\n"},
    {"eol": "\n", "pings": "drop"},
    {"dispatch_incomplete": True},
]
ATOMS = [
    b"data: ",
    b"data:",
    b"data",
    b"event: ",
    b"event: completion",
    b"id: 1",
    b"retry: 5",
    b"retry: x",
    b": c",
    b"x",
    b"{}",
    "☕".encode(),
    b"\xff",
    b"\xef\xbb\xbf",
    b" ",
    b"\n",
    b"\r\n",
    b"\r",
    b"\n\n",
    b"\r\n\r\n",
    b"a" * 50,
]


def clock() -> datetime.datetime:
    return datetime.datetime(2023, 1, 1, tzinfo=datetime.timezone.utc)


def outcome(reads: list[bytes], to: str, options: dict[str, Any]) -> tuple[Any, ...]:
    converter = sseconv.Converter(to, clock=clock, **options)
    out = b""
    try:
        for read in reads:
            out += converter.feed(read)
        out += converter.close()
    except sseconv.SSEConvError as exc:
        return ("error", type(exc), exc.event_number, exc.offset, out + exc.output)
    return ("ok", out, converter.report)


def random_stream(rng: random.Random) -> bytes:
    blocks = [b + b"\n\n" for b in rng.choice(FIXTURES).replace(b"\r\n", b"\n").split(b"\n\n")]
    blocks = [b for b in blocks if b != b"\n\n"]
    for _ in range(rng.randint(0, 3)):
        blocks.insert(rng.randint(0, len(blocks)), rng.choice(EXTRAS))
    if rng.random() < 0.2:
        blocks = blocks[: rng.randint(1, len(blocks))]
    if rng.random() < 0.5:  # one line ending per block
        data = b"".join(b.replace(b"\n", rng.choice([b"\n", b"\r\n", b"\r"])) for b in blocks)
    else:
        data = b"".join(blocks).replace(b"\n", rng.choice([b"\n", b"\r\n", b"\r"]))
    return b"\xef\xbb\xbf" + data if rng.random() < 0.1 else data


def random_reads(rng: random.Random, data: bytes) -> list[bytes]:
    cuts = sorted(rng.sample(range(1, len(data)), min(rng.randint(1, 6), len(data) - 1)))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


@pytest.mark.parametrize("seed", range(4))
def test_conversion_does_not_depend_on_how_the_input_is_read(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(400):
        data = random_stream(rng)
        to = rng.choice(["legacy", "completions", "messages"])
        options = rng.choice(OPTIONS)
        reads = random_reads(rng, data)
        assert outcome(reads, to, options) == outcome([data], to, options), (to, options, data)


@pytest.mark.parametrize("seed", range(4))
def test_parser_agrees_with_the_reference_model_under_any_reads(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(2000):
        data = b"".join(rng.choice(ATOMS) for _ in range(rng.randint(0, 25)))
        want = reference_parse(data)
        parser = sseconv.SSEParser()
        events = []
        at = 0
        for cut in sorted({rng.randint(0, len(data)) for _ in range(rng.randint(0, 6))}):
            events += parser.feed(data[at:cut])
            at = cut
        events += parser.feed(data[at:]) + parser.close()
        got = [(e.event, e.data, e.id, e.retry) for e in events]
        assert (got, parser.incomplete) == ([tuple(e) for e in want.events], want.incomplete), data
