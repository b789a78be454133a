"""Detecting the source dialect while converting: what decides, and what cannot."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streams import completions_event

import sseconv
import sseconv._convert
import sseconv._detect

PING = b'event: ping\ndata: {"type": "ping"}\n\n'
ERROR = (
    b"event: error\n"
    b'data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
)


@pytest.mark.parametrize("to", ["completions", "messages"])
def test_a_stream_that_is_only_an_error_passes_to_a_named_dialect(to: str) -> None:
    converter = sseconv.Converter(to)
    assert converter.feed(PING) == b""  # a ping alone decides nothing: held back
    assert converter.feed(ERROR) == PING + ERROR  # the error decides, and ends the stream
    assert converter.close() == b""
    assert converter.report.source is sseconv.Dialect.parse(to)
    assert converter.report.finished


def test_a_stream_that_is_only_an_error_becomes_one_legacy_event() -> None:
    converter = sseconv.Converter("legacy", pings="drop")
    out = converter.feed(PING + ERROR) + converter.close()
    assert out == (
        b'data: {"completion":"","stop":null,"stop_reason":null,"truncated":false,'
        b'"log_id":null,"model":null,"exception":"overloaded_error: Overloaded"}\n\n'
    )
    assert converter.report.finished and converter.report.dropped["ping"] == 1


def test_pings_alone_cannot_tell_the_dialect() -> None:
    converter = sseconv.Converter("legacy")
    assert converter.feed(PING * 3) == b""
    with pytest.raises(sseconv.DetectionError) as caught:
        converter.close()
    assert (caught.value.event_number, caught.value.offset) == (3, 2 * len(PING))


def test_detection_gives_up_after_the_limit() -> None:
    converter = sseconv.Converter("legacy", detect_limit=len(PING) * 2)
    converter.feed(PING * 2)
    with pytest.raises(sseconv.DetectionError) as caught:
        converter.feed(PING)
    assert caught.value.offset == len(PING) * 2


def test_an_empty_input_is_not_a_finished_stream() -> None:
    converter = sseconv.Converter("completions")
    assert converter.feed(b"") + converter.close() == b""
    assert not converter.report.finished and converter.report.source is None
    with pytest.raises(sseconv.IncompleteStreamError):
        sseconv.Converter("completions", mode="strict").close()


# -- the limit counts complete events, however the input is split (issue 10 item 3) ------------


def reads(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def big_first_event_stream() -> bytes:
    """A valid completions stream whose first event is 150 KB."""
    first = completions_event("x" * 150_000)
    return first + completions_event(" done") + completions_event("", stop_reason="stop_sequence")


@pytest.mark.parametrize("size", [None, 4096, 1000, 65536])
def test_a_large_first_event_converts_however_it_is_read(size: int | None) -> None:
    data = big_first_event_stream()
    chunks = [data] if size is None else reads(data, size)
    converter = sseconv.Converter("legacy")
    out = b"".join(converter.feed(chunk) for chunk in chunks) + converter.close()
    assert converter.report.finished and converter.report.source is sseconv.Dialect.COMPLETIONS
    assert out.endswith(b"data: [DONE]\n\n") and out.count(b"x" * 150_000) == 3
    assert sseconv.detect(chunks) is sseconv.Dialect.COMPLETIONS


def test_a_large_first_event_converts_through_the_command(tmp_path: Path) -> None:
    path = tmp_path / "big.sse"
    path.write_bytes(big_first_event_stream())
    result = subprocess.run(
        [sys.executable, "-m", "sseconv", "convert", "--to", "legacy", str(path)],
        capture_output=True,
        cwd=Path(__file__).parent.parent,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(b"data: [DONE]\n\n")


@pytest.mark.parametrize("size", [None, 1, 7, 100, 4096])
def test_detection_gives_up_at_the_same_event_however_the_input_is_read(
    size: int | None,
) -> None:
    """Pings (undecided) past the limit, then a completion: the error names the first ping
    that ends beyond the limit, for every chunking; an event in progress never counts."""
    data = PING * 30 + completions_event("late")
    limit = len(PING) * 10 + 5  # the 11th ping ends beyond it
    chunks = [data] if size is None else reads(data, size)
    converter = sseconv.Converter("completions", detect_limit=limit)
    with pytest.raises(sseconv.DetectionError) as caught:
        for chunk in chunks:
            converter.feed(chunk)
    exc = caught.value
    assert (exc.event_number, exc.offset) == (11, limit)
    assert exc.message == (
        f"expected an event that tells the dialect within the first {limit} bytes, "
        "found only 'ping'"
    )
    assert sseconv.detect(chunks, limit=limit) is None
    assert sseconv.detect(chunks, limit=len(data)) is sseconv.Dialect.COMPLETIONS


def test_an_event_in_progress_never_counts() -> None:
    """A deciding event that is still arriving when far more than the limit was read."""
    converter = sseconv.Converter("legacy", detect_limit=100)
    event = completions_event("y" * 5000) + completions_event("", stop_reason="max_tokens")
    for chunk in reads(PING + event, 10):
        converter.feed(chunk)
    converter.close()
    assert converter.report.finished


# -- each event is classified once (issue 10 item 5) -------------------------------------------


def count_classify(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count calls to the classifier, wherever sseconv looks it up."""
    calls = [0]
    original = sseconv._detect.classify

    def counting(event: sseconv.ServerSentEvent) -> sseconv.Dialect | None:
        calls[0] += 1
        return original(event)

    for module in (sseconv._detect, sseconv._convert):
        if hasattr(module, "classify"):
            monkeypatch.setattr(module, "classify", counting)
    return calls


@pytest.mark.parametrize("count", [1000, 4000])
def test_undecided_events_are_classified_once(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """6,553 × ``data: {}`` fed one event per call used to re-classify every pending event on
    every feed (quadratic: ~30 s of CPU). The work is counted, not timed."""
    calls = count_classify(monkeypatch)
    converter = sseconv.Converter("completions", detect_limit=10 * count)
    event = b"data: {}\n\n"
    for _ in range(count):
        assert converter.feed(event) == b""
    assert calls[0] == count
    assert converter.feed(completions_event("a")).count(b"data: {}") == count
    assert calls[0] == count + 1
    assert len(converter._in.detector.pending) == 0


def test_an_httpx_style_stream_of_undecided_events_is_linear(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = count_classify(monkeypatch)
    chunks = [PING] * 1500 + [completions_event("a", stop_reason="max_tokens")]
    out = b"".join(sseconv.convert(chunks, "messages", detect_limit=len(PING) * 2000))
    assert calls[0] == 1501 and out.count(b"event: ping") == 1500


# -- what the message names (issue 10 item 15) -------------------------------------------------


OPENAI = (
    b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,'
    b'"delta":{"content":"Hi"}}]}\n\n'
    b"data: [DONE]\n\n"
)


def test_data_only_events_that_are_not_legacy_are_named() -> None:
    converter = sseconv.Converter("completions")
    converter.feed(OPENAI)
    with pytest.raises(sseconv.DetectionError) as caught:
        converter.close()
    assert caught.value.message == (
        "expected an event that tells the dialect, found only data-only events that are not "
        "legacy completions: an OpenAI-style stream?"
    )
    assert "None" not in str(caught.value)
    assert (caught.value.event_number, caught.value.offset) == (2, OPENAI.index(b"data: [DONE]"))
    problems = sseconv.validate(OPENAI)
    assert [p.message for p in problems] == [caught.value.message]


def test_named_and_data_only_events_are_both_named() -> None:
    with pytest.raises(sseconv.DetectionError) as caught:
        list(sseconv.convert(PING + OPENAI, "legacy"))
    assert caught.value.message.endswith(
        "found only 'ping' and data-only events that are not legacy completions: "
        "an OpenAI-style stream?"
    )


UNDECIDED = [PING, b"event: ping\ndata: {}\n\n", b"data: {}\n\n", b": comment\n\n"]


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.lists(st.sampled_from(UNDECIDED), max_size=12),
    big=st.integers(min_value=0, max_value=3000),
    limit=st.integers(min_value=1, max_value=400),  # (0 is refused: see test_options)
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=10),
)
def test_detection_does_not_depend_on_how_the_input_is_read(
    prefix: list[bytes], big: int, limit: int, cuts: list[int]
) -> None:
    """Undecided events, then a deciding event of any size: output or error are the same for
    any split of the input, and match what detect() says."""
    data = b"".join(prefix) + completions_event("x" * big, stop_reason="max_tokens")
    points = sorted({min(cut, len(data)) for cut in cuts} | {0, len(data)})
    reads = [data[a:b] for a, b in itertools.pairwise(points)]

    def run(chunks: list[bytes]) -> tuple[bytes, tuple[int | None, int | None] | None]:
        converter = sseconv.Converter("legacy", detect_limit=limit, pings="drop")
        out = b""
        try:
            for chunk in chunks:
                out += converter.feed(chunk)
            out += converter.close()
        except sseconv.DetectionError as exc:
            return out + exc.output, (exc.event_number, exc.offset)
        return out, None

    whole = run([data])
    assert run(reads) == whole
    found = sseconv.detect(reads, limit=limit)
    assert (found is sseconv.Dialect.COMPLETIONS) == (whole[1] is None)


# -- the one Detector: identify(), the reasons it gives, and its users -------------------------


def test_identify_says_why_the_dialect_cannot_be_told() -> None:
    from sseconv._detect import identify

    assert identify([PING, completions_event("a")]) is sseconv.Dialect.COMPLETIONS
    with pytest.raises(sseconv.DetectionError) as at_end:
        identify(PING * 2)
    assert (at_end.value.limit, at_end.value.event_number) == (None, 2)
    with pytest.raises(sseconv.DetectionError) as at_limit:
        identify(PING * 4, limit=len(PING))
    assert (at_limit.value.limit, at_limit.value.offset) == (len(PING), len(PING))
    assert at_limit.value.event_number == 2  # the first event ending beyond the limit
    with pytest.raises(sseconv.DetectionError) as empty:
        identify(b"")
    assert empty.value.event_number is None
    with pytest.raises(sseconv.NotEventStreamError):
        identify(b'{"type":"error","error":{"type":"overloaded_error","message":"busy"}}')
    assert sseconv.detect(PING * 2) is None  # detect() says None for each of these


def test_identify_reads_the_events_before_an_oversize_one() -> None:
    from sseconv._detect import identify

    first = PING + completions_event("a")
    data = first + b"data: " + b"x" * 2 * len(first) + b"\n\n"
    assert identify([data], limit=1000) is sseconv.Dialect.COMPLETIONS
    parser = sseconv.SSEParser(max_event_size=len(first))
    with pytest.raises(sseconv.EventTooLargeError) as caught:
        parser.feed(data)
    assert [e.event for e in caught.value.sse_events] == ["ping", "completion"]
    assert caught.value.events == []  # `events` only ever holds model events


def test_the_detector_holds_events_until_one_decides() -> None:
    from collections import deque

    detector = sseconv._detect.Detector()
    parser = sseconv.SSEParser()
    queue = deque(parser.feed(PING * 2))
    assert detector.hold(queue) is None
    assert not queue and len(detector.pending) == 2
    queue.extend(parser.feed(completions_event("a")))
    assert detector.hold(queue) is sseconv.Dialect.COMPLETIONS
    assert [e.number for e in queue] == [1, 2, 3]  # given back in order, to be decoded
    assert detector.pending == []


def test_readers_have_no_target_and_read_an_error_first_stream_as_messages() -> None:
    reader = sseconv.EventReader()
    events = reader.feed(ERROR) + reader.close()
    assert (reader.report.target, reader.source) == (None, sseconv.Dialect.MESSAGES)
    assert [type(e).__name__ for e in events] == ["StreamError"]
    validator = sseconv.Validator()
    assert validator.feed(ERROR) + validator.close() == []
    assert (validator.report.target, validator.source) == (None, sseconv.Dialect.MESSAGES)
    assert sseconv.detect(ERROR) is None  # without a reader, an error decides nothing


def test_a_lenient_reader_counts_an_event_after_the_end_as_a_conversion_does() -> None:
    data = completions_event("a", stop_reason="stop_sequence") + completions_event("b")
    reader = sseconv.EventReader(mode="lenient")
    reader.feed(data)
    reader.close()
    converted = sseconv.Converter("messages", mode="lenient")
    converted.feed(data)
    converted.close()
    for report in (reader.report, converted.report):
        assert (report.after_end, report.malformed) == (1, 0)
