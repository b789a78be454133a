"""Every fixture converted to every dialect, byte for byte against reviewed golden files.

The golden files in ``tests/golden/`` were derived from SPEC §4 and reviewed by hand; same-dialect
conversions must give the fixture itself back. Each case is fed whole, one byte at a time and at
random split points, and every chunking must give the same bytes.
"""

from __future__ import annotations

import datetime
import random
from pathlib import Path

import pytest

import sseconv

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
TARGETS = ("legacy", "completions", "messages")
CASES = [(fixture, to) for fixture in sorted(FIXTURES.glob("*.sse")) for to in TARGETS]


def clock() -> datetime.datetime:
    return datetime.datetime(2023, 4, 28, 21, 18, 31, 866238, tzinfo=datetime.timezone.utc)


def expected(fixture: Path, to: str) -> bytes:
    golden = GOLDEN / f"{fixture.stem}.to-{to}.sse"
    return golden.read_bytes() if golden.exists() else fixture.read_bytes()


def chunkings(data: bytes) -> list[list[bytes]]:
    rng = random.Random(len(data))
    ways = [[data], [data[i : i + 1] for i in range(len(data))]]
    for _ in range(4):
        cuts = sorted(rng.sample(range(1, len(data)), k=min(7, len(data) - 1)))
        ways.append([data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)])
    return ways


def test_every_golden_file_has_a_fixture_and_differs_from_it() -> None:
    stems = {f.stem for f in FIXTURES.glob("*.sse")}
    goldens = sorted(GOLDEN.glob("*.sse"))
    assert goldens
    for golden in goldens:
        stem, _, to = golden.stem.partition(".to-")
        assert stem in stems and to in TARGETS
        assert golden.read_bytes() != (FIXTURES / f"{stem}.sse").read_bytes()


@pytest.mark.parametrize(("fixture", "to"), CASES, ids=lambda v: getattr(v, "stem", v))
def test_fixture_converts_to_its_golden_output(fixture: Path, to: str) -> None:
    data = fixture.read_bytes()
    want = expected(fixture, to)
    for chunks in chunkings(data):
        converter = sseconv.Converter(to, clock=clock)
        got = b"".join(converter.feed(chunk) for chunk in chunks) + converter.close()
        assert got == want
        assert converter.report.finished
        assert converter.report.source is sseconv.detect(data)


@pytest.mark.parametrize(("fixture", "to"), CASES, ids=lambda v: getattr(v, "stem", v))
def test_golden_output_is_read_back_as_the_same_text(fixture: Path, to: str) -> None:
    text_in = "".join(
        e.text
        for e in sseconv.parse_events([fixture.read_bytes()])
        if isinstance(e, sseconv.TextDelta)
    )
    text_out = "".join(
        e.text
        for e in sseconv.parse_events([expected(fixture, to)])
        if isinstance(e, sseconv.TextDelta)
    )
    assert text_out == text_in


def test_reports_of_the_fixtures() -> None:
    tool = (FIXTURES / "messages-tool-use-capture.sse").read_bytes()
    converter = sseconv.Converter("legacy", clock=clock)
    converter.feed(tool)
    converter.close()
    report = converter.report
    assert dict(report.dropped) == {"tool_use": 1}
    assert report.usage is not None and report.usage["output_tokens"] == 65
    assert report.events_in == 15 and report.events_out == 5  # ping, 2 texts, final, [DONE]

    legacy = (FIXTURES / "legacy-2023-01-01-reconstructed.sse").read_bytes()
    converter = sseconv.Converter("completions")
    converter.feed(legacy)
    converter.close()
    assert converter.report.events_in == 6 and converter.report.events_out == 5
    assert not converter.report.dropped and converter.report.finished


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.sse")), ids=lambda f: f.stem)
def test_same_dialect_with_pings_dropped_is_the_input_without_its_pings(fixture: Path) -> None:
    data = fixture.read_bytes()
    eol = b"\r\n" if b"\r\n" in data else b"\n"
    blocks = data.split(eol + eol)
    without = (eol + eol).join(b for b in blocks if not b.startswith(b"event: ping"))
    dialect = sseconv.detect(data)
    assert dialect is not None
    converter = sseconv.Converter(dialect, pings="drop")
    assert converter.feed(data) + converter.close() == without
    assert converter.report.dropped["ping"] == sum(b.startswith(b"event: ping") for b in blocks)


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.sse")), ids=lambda f: f.stem)
@pytest.mark.parametrize(
    "options",
    [{}, {"pings": "drop"}, {"eol": "\n"}, {"eol": "\r\n", "pings": "drop"}],
    ids=lambda o: ",".join(f"{k}={v!r}" for k, v in o.items()) or "plain",
)
def test_same_dialect_reads_cut_between_cr_and_lf(fixture: Path, options: dict[str, str]) -> None:
    # Each event is dispatched by the CR of its blank line; its LF opens the next read. That LF
    # belongs to the event before, whether that one is kept, dropped or re-ended.
    data = fixture.read_bytes()
    if b"\r\n" not in data:
        data = data.replace(b"\n", b"\r\n")
    dialect = sseconv.detect(data)
    assert dialect is not None
    if dialect is not sseconv.Dialect.LEGACY:
        data += b"data: [DONE]\r\n\r\n"  # a stray [DONE]: removed
    whole = sseconv.Converter(dialect, **options)  # type: ignore[arg-type]
    want = whole.feed(data) + whole.close()
    at = data.find(b"\r\n\r\n")
    while at >= 0:  # one cut at a time: between the CR and the LF of one blank line
        cut = sseconv.Converter(dialect, **options)  # type: ignore[arg-type]
        got = cut.feed(data[: at + 3]) + cut.feed(data[at + 3 :]) + cut.close()
        assert (got, cut.report) == (want, whole.report), at
        at = data.find(b"\r\n\r\n", at + 4)


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.sse")), ids=lambda f: f.stem)
@pytest.mark.parametrize("ending", ["bad event", "cut event"])
def test_same_dialect_keeps_the_lf_of_a_split_crlf_before_an_error_or_a_cut(
    fixture: Path, ending: str
) -> None:
    data = fixture.read_bytes()
    if b"\r\n" not in data:
        data = data.replace(b"\n", b"\r\n")
    dialect = sseconv.detect(data)
    assert dialect is not None
    data += b"event: completion\r\ndata: {bad\r\n\r\n" if ending == "bad event" else b"data: {"
    last = data.rfind(b"\r\n\r\n", 0, len(data) - 4 if ending == "bad event" else len(data))

    def written(*reads: bytes) -> bytes:
        converter = sseconv.Converter(dialect, mode="default")
        out = b""
        try:
            for read in reads:
                out += converter.feed(read)
            out += converter.close()
        except sseconv.SSEConvError as exc:
            out += exc.output
        return out

    whole = written(data)
    assert whole.endswith(data[: last + 4][-40:])  # the last good event, whole
    assert written(data[: last + 3], data[last + 3 :]) == whole  # cut between its CR and LF
