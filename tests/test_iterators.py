"""The sync and async iterator wrappers around Converter and EventReader."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

import sseconv

FIXTURES = Path(__file__).parent / "fixtures"
LEGACY = (FIXTURES / "legacy-2023-01-01-reconstructed.sse").read_bytes()
TOOL_USE = (FIXTURES / "messages-tool-use-capture.sse").read_bytes()


def pieces(data: bytes, size: int = 7) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


async def apieces(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for piece in pieces(data, size):
        await asyncio.sleep(0)
        yield piece


def converted(data: bytes, to: str) -> bytes:
    converter = sseconv.Converter(to, pings="drop")
    return converter.feed(data) + converter.close()


@pytest.mark.parametrize("to", ["legacy", "completions", "messages"])
def test_convert_gives_the_converter_output_and_its_report(to: str) -> None:
    conversion = sseconv.convert(pieces(TOOL_USE), to, pings="drop")
    out = list(conversion)
    assert b"".join(out) == converted(TOOL_USE, to)
    assert all(out)  # nothing empty is yielded
    assert conversion.report.finished and conversion.report.source is sseconv.Dialect.MESSAGES


def test_convert_yields_as_soon_as_an_event_is_complete() -> None:
    fed: list[int] = []

    def chunks() -> Iterator[bytes]:
        for index, piece in enumerate(pieces(LEGACY, 40)):
            fed.append(index)
            yield piece

    conversion = sseconv.convert(chunks(), "completions")
    first = next(conversion)
    assert first.startswith(b"event: completion\n")
    # the first legacy event ends at byte 163: the fifth 40-byte piece completes it
    assert fed == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("to", ["legacy", "completions", "messages"])
def test_aconvert_matches_convert(to: str) -> None:
    async def run() -> tuple[bytes, sseconv.Report]:
        conversion = sseconv.aconvert(apieces(TOOL_USE), to, pings="drop")
        return b"".join([piece async for piece in conversion]), conversion.report

    out, report = asyncio.run(run())
    assert out == converted(TOOL_USE, to)
    dropped = {"ping": 1} if to == "messages" else {"ping": 1, "tool_use": 1}
    assert report.finished and dict(report.dropped) == dropped


def test_aparse_events_matches_parse_events() -> None:
    async def run() -> list[sseconv.ModelEvent]:
        return [event async for event in sseconv.aparse_events(apieces(TOOL_USE))]

    events = list(sseconv.parse_events(pieces(TOOL_USE)))
    assert asyncio.run(run()) == events
    kinds = [type(event).__name__ for event in events]
    assert kinds[:3] == ["StreamStart", "BlockStart", "Ping"]
    assert kinds[-2:] == ["StreamStop", "StreamEnd"]


def test_parse_events_raises_after_the_good_events() -> None:
    bad = LEGACY.replace(b'{"completion":" Hello!"', b'{"completion":" Hallo!"', 1)
    got: list[sseconv.ModelEvent] = []
    with pytest.raises(sseconv.RewrittenTextError) as caught:
        got.extend(sseconv.parse_events([bad]))
    assert got == []  # one chunk: the events decoded before the bad one ride on the error
    texts = [e.text for e in caught.value.events if isinstance(e, sseconv.TextDelta)]
    assert texts == [" Hello"] and caught.value.event_number == 2


def test_encode_events_writes_model_events_in_any_dialect() -> None:
    events = list(sseconv.parse_events([LEGACY]))
    assert sseconv.encode_events(events, "legacy", eol="\r\n") == LEGACY  # its timestamp kept
    for to in ("completions", "messages"):
        assert sseconv.encode_events(events, to) == sseconv.Converter(to).feed(LEGACY)
