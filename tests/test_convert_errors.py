"""Bad input (SPEC §5) and the conversion rules that deal with errors and odd input (SPEC §4).

Every failure must be an ``SSEConvError`` carrying the dialect, the 1-based number of the
offending SSE event (every dispatched event counts, pings included) and its byte offset from the
first input byte (BOM included); when ``feed`` raises, ``exc.output`` holds the conversion of the
events before the bad one.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streams import (
    CITATION,
    FIXTURE_NAMES,
    HUMAN,
    PING_DATA,
    completions_error,
    completions_event,
    completions_payload,
    completions_ping,
    completions_stream,
    convert_all,
    deltas_of,
    events_of,
    legacy_done,
    legacy_event,
    legacy_ping,
    legacy_stream,
    messages_events,
    messages_stream,
    payloads,
    read_fixture,
    split_events,
    sse,
    text_block,
    text_of,
    thinking_block,
    tool_block,
)

import sseconv
from sseconv import (
    Converter,
    EventAfterEndError,
    EventTooLargeError,
    IncompleteStreamError,
    MalformedEventError,
    RewrittenTextError,
    SSEConvError,
    UnrepresentableError,
    UsageError,
)
from sseconv._options import Mode

DIALECTS = ["legacy", "completions", "messages"]
MODES = ["strict", "default", "lenient"]
BOM = b"\xef\xbb\xbf"
CLOCK_TIME = datetime.datetime(2023, 4, 28, 21, 18, 31, 866238, tzinfo=datetime.timezone.utc)


def clock() -> datetime.datetime:
    return CLOCK_TIME


def fail(
    data: bytes | list[bytes], to: str, error: type[SSEConvError], **options: Any
) -> tuple[SSEConvError, bytes, Converter]:
    """Convert ``data`` (bytes or chunks) and return the error raised, the output the calls
    before the failing one returned, and the converter."""
    converter = Converter(to, **options)
    chunks = [data] if isinstance(data, bytes) else data
    out = b""
    with pytest.raises(SSEConvError) as info:
        for chunk in chunks:
            out += converter.feed(chunk)
        out += converter.close()
    exc = info.value
    assert isinstance(exc, error), repr(exc)
    text = str(exc)
    assert text and "\n" not in text, "a one-line message"
    return exc, out, converter


def where(exc: SSEConvError) -> tuple[str | None, int | None, int | None]:
    return exc.dialect, exc.event_number, exc.offset


def feed_output(data: bytes, to: str, **options: Any) -> bytes:
    """What a fresh converter's ``feed(data)`` returns (no close)."""
    return Converter(to, **options).feed(data)


# -- inputs -----------------------------------------------------------------------------------


def legacy_parts() -> list[bytes]:
    return split_events(legacy_stream(["Hello", " world", "!"]))


def completions_parts() -> list[bytes]:
    return split_events(completions_stream(["Hello", " world", "!"]))


def messages_parts() -> list[bytes]:
    return messages_events([text_block("Hello", " world", "!")], ping=False)


PARTS = {"legacy": legacy_parts, "completions": completions_parts, "messages": messages_parts}
BAD_JSON = {
    "legacy": b"data: {bad json\r\n\r\n",
    "completions": b'event: completion\ndata: {"type":"completion","completion":\n\n',
    "messages": b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,\n\n',
}


# -- bad JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize("to", DIALECTS)
@pytest.mark.parametrize("source", DIALECTS)
@pytest.mark.parametrize("given_source", [True, False])
def test_bad_json_position_and_output(source: str, to: str, given_source: bool) -> None:
    parts = PARTS[source]()
    good = parts[0] + parts[1]
    data = good + BAD_JSON[source] + b"".join(parts[2:])
    options: dict[str, Any] = {"source": source} if given_source else {}
    exc, out, _ = fail(data, to, MalformedEventError, **options)
    assert where(exc) == (source, 3, len(good))
    assert out == b""
    assert exc.output == feed_output(good, to, **options)
    assert "JSON" in str(exc)
    assert "event 3" in str(exc)
    assert str(len(good)) in str(exc)


@pytest.mark.parametrize("to", DIALECTS)
def test_bad_json_offset_counts_bom_pings_comments_and_cr(to: str) -> None:
    # BOM + legacy ping + comment + completion + id-only block, all CR-framed, then bad JSON.
    head = (
        BOM
        + legacy_ping(eol="\r")
        + b": a comment\r"
        + legacy_event("a", eol="\r")
        + b"id: 7\r\r"  # not dispatched (no data): not counted
        + b"\r"  # a stray blank line: not an event either
    )
    data = head + b"data: {bad\r\r" + legacy_done(eol="\r")
    exc, _, _ = fail(data, to, MalformedEventError)
    assert where(exc) == ("legacy", 3, len(head))
    exc2, out, _ = fail([data[i : i + 1] for i in range(len(data))], to, MalformedEventError)
    assert where(exc2) == ("legacy", 3, len(head))
    assert exc2.output == b""  # everything before was returned by earlier feed calls
    assert out == feed_output(head, to)


@pytest.mark.parametrize("to", DIALECTS)
def test_bad_json_first_event_without_source(to: str) -> None:
    data = b"data: {oops\r\n\r\n" + legacy_stream(["a"])
    exc, _, _ = fail(data, to, MalformedEventError)
    assert where(exc) == ("legacy", 1, 0)
    assert exc.output == b""


@pytest.mark.parametrize(
    "payload",
    [
        "[1, 2]",  # JSON, not an object
        '"completion"',
        '{"completion": 5, "stop": null, "stop_reason": null}',  # wrong type
        '{"completion": "a", "stop_reason": 7}',
        '{"completion": "a", "log_id": ["x"]}',
        "{" * 100_000,  # nesting too deep for the JSON parser
    ],
)
def test_wrong_shape_in_legacy(payload: str) -> None:
    first = legacy_event("a")
    data = first + sse(None, payload, eol="\r\n") + legacy_done()
    exc, _, _ = fail(data, "completions", MalformedEventError)
    assert where(exc) == ("legacy", 2, len(first))


@pytest.mark.parametrize(
    "payload",
    [
        '{"type":"completion","completion":null,"stop_reason":null}',
        '{"type":"completion","completion":"x","stop_reason":1}',
        '{"type":"ping","completion":"x"}',
        "42",
    ],
)
def test_wrong_shape_in_completions(payload: str) -> None:
    first = completions_event("a")
    data = first + sse("completion", payload) + completions_event("", stop_reason="stop_sequence")
    exc, _, _ = fail(data, "legacy", MalformedEventError)
    assert where(exc) == ("completions", 2, len(first))


@pytest.mark.parametrize(
    "payload",
    [
        '{"error": "Overloaded"}',
        '{"type": "error", "error": {"message": "no type"}}',
        '{"type": "message", "error": {"type": "x", "message": "y"}}',
        "not json",
    ],
)
def test_malformed_error_event(payload: str) -> None:
    first = completions_event("a")
    exc, _, _ = fail(first + sse("error", payload), "legacy", MalformedEventError)
    assert where(exc) == ("completions", 2, len(first))


# -- a cumulative legacy text that rewrites itself ---------------------------------------------


@pytest.mark.parametrize("to", DIALECTS)
@pytest.mark.parametrize(
    ("texts", "bad_index"),
    [
        (["Hello", "Help"], 1),
        (["Hello", "Hell"], 1),  # shrinking is rewriting too
        (["Hello", "Hello world", "Hello World!"], 2),
        (["Caf", "Café", "Cafe\u0301!"], 2),  # same glyph, different code points
        (["", "a", "b"], 2),
    ],
)
def test_rewritten_legacy_text(texts: list[str], bad_index: int, to: str) -> None:
    events = [legacy_event(t) for t in texts]
    before = b"".join(events[:bad_index])
    data = before + events[bad_index] + legacy_event(texts[-1], stop_reason="stop_sequence")
    exc, _, _ = fail(data, to, RewrittenTextError)
    assert where(exc) == ("legacy", bad_index + 1, len(before))
    assert f"event {bad_index + 1}" in str(exc)  # names the event
    assert exc.output == feed_output(before, to)


def test_rewritten_text_in_the_final_event() -> None:
    before = legacy_event("Hello") + legacy_ping()
    data = before + legacy_event("Jello", stop_reason="stop_sequence", stop=HUMAN) + legacy_done()
    exc, _, _ = fail(data, "completions", RewrittenTextError)
    assert where(exc) == ("legacy", 3, len(before))
    assert deltas_of(exc.output) == ["Hello"]
    assert payloads(exc.output)[-1]["stop_reason"] is None  # no final event was written


def test_rewritten_text_lenient_is_counted_and_text_continues() -> None:
    data = (
        legacy_event("Hello")
        + legacy_event("Help")
        + legacy_event("Hello!", stop_reason="stop_sequence", stop=HUMAN)
        + legacy_done()
    )
    for to in ("completions", "messages"):
        out, report = convert_all(data, to, mode="lenient")
        # A legacy completion written into a named-event stream would read as another
        # dialect's event there: dropped and counted (issue #10 item 7).
        assert report.malformed == 1
        assert report.malformed_dropped == 1
        assert b'"Help"' not in out
        assert report.finished
    out, report = convert_all(data, "completions", mode="lenient")
    assert deltas_of(out) == ["Hello", "!"]
    out, report = convert_all(data, "legacy", mode="lenient")
    assert report.malformed == report.malformed_dropped == 1
    assert b'"Help"' not in out
    assert [p["completion"] for p in payloads(out, None)] == ["Hello", "Hello!"]


@pytest.mark.parametrize("to", ["completions", "messages", "legacy"])
def test_rewritten_text_lenient_does_not_invent_text(to: str) -> None:
    """A skipped rewrite must leave the decoder as it was (SPEC §4 "never guess"): the event
    after it is compared with the text before the rewrite, not with the rewrite."""
    data = (
        legacy_event("Hello")
        + legacy_event("Help")  # rewrites "Hello": malformed
        + legacy_event("Help me")  # extends the rewrite, not "Hello": malformed too
        + legacy_event("Hello there", stop_reason="stop_sequence", stop=HUMAN)
        + legacy_done()
    )
    out, report = convert_all(data, to, mode="lenient")
    if to == "legacy":  # same dialect: bad events are dropped, the good ones kept verbatim
        assert [p["completion"] for p in payloads(out, None)] == ["Hello", "Hello there"]
    else:
        assert text_of(out, to) == "Hello there"
    assert report.malformed == 2
    model = list(sseconv.parse_events([data], mode="lenient"))
    assert "".join(e.text for e in model if isinstance(e, sseconv.TextDelta)) == "Hello there"


# -- events after the end ---------------------------------------------------------------------

AFTER_END = {
    "legacy": [
        legacy_event("Hello world and more"),
        legacy_ping(),
        legacy_event("Hello world!", stop_reason="stop_sequence", stop=HUMAN),
    ],
    "completions": [
        completions_event(" more"),
        completions_ping(),
        completions_error(),
        completions_event("", stop_reason="stop_sequence", stop=HUMAN),
    ],
    "messages": [
        sse("message_stop", '{"type":"message_stop"}'),
        sse("ping", PING_DATA),
        sse("content_block_delta", '{"type":"content_block_delta","index":0,"delta":{}}'),
    ],
}


@pytest.mark.parametrize("mode", ["strict", "default"])
@pytest.mark.parametrize("to", DIALECTS)
@pytest.mark.parametrize("source", DIALECTS)
def test_event_after_end_is_an_error(source: str, to: str, mode: str) -> None:
    stream = b"".join(PARTS[source]())
    n = len(split_events(stream))
    for extra in AFTER_END[source]:
        exc, _, _ = fail(stream + extra + extra, to, EventAfterEndError, mode=mode)
        assert where(exc) == (source, n + 1, len(stream))
        assert exc.output == feed_output(stream, to)


@pytest.mark.parametrize("to", DIALECTS)
@pytest.mark.parametrize("source", DIALECTS)
def test_event_after_end_lenient_is_dropped_and_counted(source: str, to: str) -> None:
    stream = b"".join(PARTS[source]())
    expected, _ = convert_all(stream, to, clock=clock)
    extras = b"".join(AFTER_END[source])
    out, report = convert_all(stream + extras, to, mode="lenient", clock=clock)
    assert out == expected
    assert report.after_end == len(AFTER_END[source])
    assert report.finished


def test_done_after_done_in_legacy() -> None:
    stream = legacy_stream(["a"])
    exc, _, _ = fail(stream + legacy_done(), "completions", EventAfterEndError)
    assert where(exc) == ("legacy", 4, len(stream))


def test_done_before_stop_reason_in_legacy_is_malformed() -> None:
    first = legacy_event("a")
    exc, _, _ = fail(first + legacy_done(), "completions", MalformedEventError)
    assert where(exc) == ("legacy", 2, len(first))


# -- a cut stream -----------------------------------------------------------------------------

CUT = {
    "legacy": legacy_stream(["Hello", " world"], stop_reason=None, ping_after=1),
    "completions": completions_stream(["Hello", " world"], stop_reason=None, ping_after=1),
    "messages": messages_stream([text_block("Hello", " world")], finished=False),
}
TERMINATORS = [b"[DONE]", b"message_stop", b"message_delta", b'"stop_reason":"', b"event: error"]


@pytest.mark.parametrize("mode", ["default", "lenient"])
@pytest.mark.parametrize("to", DIALECTS)
@pytest.mark.parametrize("source", DIALECTS)
def test_cut_stream_is_reported_and_stays_cut(source: str, to: str, mode: str) -> None:
    data = CUT[source]
    out, report = convert_all(data, to, mode=mode, clock=clock)
    assert report.finished is False
    assert report.incomplete_block is False
    assert any("incomplete" in line for line in report.warnings())
    for terminator in TERMINATORS:
        assert terminator not in out, terminator
    assert "Hello world" in (
        "".join(deltas_of(out))
        if to == "completions"
        else str([p["completion"] for p in payloads(out, None)][-1])
        if to == "legacy"
        else "".join(p["delta"]["text"] for p in payloads(out, "content_block_delta"))
    )


@pytest.mark.parametrize("to", DIALECTS)
@pytest.mark.parametrize("source", DIALECTS)
def test_cut_stream_strict_raises_at_close(source: str, to: str) -> None:
    data = CUT[source]
    converter = Converter(to, mode="strict", clock=clock)
    out = converter.feed(data)
    assert out  # everything convertible was written before the end was known
    with pytest.raises(IncompleteStreamError) as info:
        converter.close()
    exc = info.value
    assert (exc.dialect, exc.offset) == (source, len(data))
    assert converter.report.finished is False
    assert "\n" not in str(exc)


@pytest.mark.parametrize("source", DIALECTS)
def test_cut_stream_error_carries_an_event_number(source: str) -> None:
    """SPEC §5: every failure carries an event number. For a stream that ends early, the event
    at fault is the one that never came: number (events read + 1), at the end of the input."""
    data = CUT[source]
    exc, _, converter = fail(data, "completions", IncompleteStreamError, mode="strict")
    assert where(exc) == (source, converter.report.events_in + 1, len(data))
    assert converter.report.events_in == len(split_events(data))


@pytest.mark.parametrize("to", DIALECTS)
@pytest.mark.parametrize("source", DIALECTS)
def test_cut_inside_an_event(source: str, to: str) -> None:
    whole = b"".join(PARTS[source]())
    events = split_events(whole)
    data = b"".join(events[:2]) + events[2][: len(events[2]) // 2]
    out, report = convert_all(data, to, clock=clock)
    assert report.finished is False
    assert report.incomplete_block is True
    assert report.events_in == 2
    assert out == feed_output(b"".join(events[:2]), to, clock=clock)
    for terminator in TERMINATORS:
        assert terminator not in out
    exc, _, _ = fail(data, to, IncompleteStreamError, mode="strict", clock=clock)
    assert exc.dialect == source
    assert exc.offset in (len(b"".join(events[:2])), len(data))
    assert "inside an event" in str(exc)


def test_cut_inside_an_event_error_carries_an_event_number() -> None:
    events = completions_parts()
    data = b"".join(events[:2]) + events[2][:30]
    exc, _, _ = fail(data, "legacy", IncompleteStreamError, mode="strict")
    assert exc.event_number == 3  # the event that was cut


def test_legacy_without_done_is_incomplete_but_final_event_written() -> None:
    data = legacy_stream(["Hello"], done=False)
    out, report = convert_all(data, "completions")
    assert report.finished is False
    assert payloads(out)[-1]["stop_reason"] == "stop_sequence"  # SPEC: not held until [DONE]
    out, report = convert_all(data, "messages")
    assert report.finished is False
    assert b"message_delta" in out
    assert b"message_stop" not in out
    out, report = convert_all(data, "legacy")
    assert out == data
    assert b"[DONE]" not in out
    exc, _, _ = fail(data, "completions", IncompleteStreamError, mode="strict")
    assert (exc.dialect, exc.offset) == ("legacy", len(data))


def test_messages_without_message_stop() -> None:
    events = messages_events([text_block("Hi")], ping=False)
    data = b"".join(events[:-1])  # message_delta arrived, message_stop did not
    out, report = convert_all(data, "legacy")
    assert report.finished is False
    assert payloads(out, None)[-1]["stop_reason"] == "stop_sequence"
    assert b"[DONE]" not in out
    out, report = convert_all(data, "messages")
    assert out == data
    assert report.finished is False


def test_empty_input() -> None:
    for to in DIALECTS:
        out, report = convert_all(b"", to)
        assert out == b""
        assert report.finished is False
        with pytest.raises(SSEConvError):
            convert_all(b"", to, mode="strict")


# -- oversize events --------------------------------------------------------------------------


@pytest.mark.parametrize("to", DIALECTS)
@pytest.mark.parametrize("source", DIALECTS)
def test_oversize_event(source: str, to: str) -> None:
    big = "x" * 5000
    if source == "legacy":
        head = legacy_event("a") + legacy_ping()
        data = head + legacy_event("a" + big, stop_reason="max_tokens") + legacy_done()
    elif source == "completions":
        head = completions_event("a") + completions_ping()
        data = head + completions_event(big) + completions_event("", stop_reason="max_tokens")
    else:
        events = messages_events([text_block("a", big)])
        head = b"".join(events[:4])
        data = b"".join(events)
    for mode in MODES:
        exc, _, _ = fail(data, to, EventTooLargeError, max_event_size=1000, mode=mode, clock=clock)
        assert where(exc) == (source, len(split_events(head)) + 1, len(head))
        assert exc.output == feed_output(head, to, clock=clock, max_event_size=1000)
    # The same input passes with the default limit.
    _, report = convert_all(data, to)
    assert report.events_in == len(split_events(data))


def test_oversize_event_fails_before_it_is_buffered() -> None:
    """Memory stays bounded: an endless event fails once the limit is passed, not at its end."""
    limit = 4096
    converter = Converter("legacy", source="completions", max_event_size=limit)
    converter.feed(completions_event("a"))
    converter.feed(b'event: completion\ndata: {"completion":"')
    fed = 0
    with pytest.raises(EventTooLargeError) as info:
        while fed < 100 * limit:
            converter.feed(b"y" * 100)
            fed += 100
    assert fed <= limit + 200
    assert where(info.value) == ("completions", 2, len(completions_event("a")))


def test_oversize_many_data_lines() -> None:
    head = completions_event("a")
    data = head + b"event: completion\n" + b"data: 0123456789\n" * 200 + b"\n"
    exc, _, _ = fail(data, "legacy", EventTooLargeError, max_event_size=1000)
    assert where(exc) == ("completions", 2, len(head))


def test_default_max_event_size() -> None:
    assert sseconv.DEFAULT_MAX_EVENT_SIZE == 16 * 1024 * 1024


# -- unknown dialect names and wrong sources ---------------------------------------------------


@pytest.mark.parametrize("name", ["klingon", "", "2023-03-01", "complete", "LEGACY2"])
def test_unknown_dialect_name(name: str) -> None:
    for call in (
        lambda: Converter(name),
        lambda: Converter("legacy", source=name),
        lambda: sseconv.convert([b""], name),
        lambda: sseconv.convert([b""], "legacy", source=name),
        lambda: list(sseconv.parse_events([b""], source=name)),
        lambda: sseconv.encoder_for(name),
    ):
        with pytest.raises(UsageError) as info:
            call()
        assert isinstance(info.value, ValueError)
        assert repr(name) in str(info.value)


@pytest.mark.parametrize(
    "options",
    [{"mode": "loose"}, {"eol": "\r"}, {"eol": "lf"}, {"pings": "keep-all"}],
)
def test_bad_options(options: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        Converter("legacy", **options)


@pytest.mark.parametrize(
    ("source", "stream", "found"),
    [
        ("legacy", completions_stream(["a"]), "completions"),
        ("legacy", messages_stream([text_block("a")]), "messages"),
        ("completions", legacy_stream(["a"]), "legacy"),
        ("completions", messages_stream([text_block("a")], ping=False), "messages"),
        ("messages", completions_stream(["a"]), "completions"),
        ("messages", legacy_stream(["a"]), "legacy"),
    ],
)
@pytest.mark.parametrize("to", DIALECTS)
def test_wrong_source(source: str, stream: bytes, found: str, to: str) -> None:
    exc, _, _ = fail(stream, to, MalformedEventError, source=source)
    assert where(exc) == (source, 1, 0)
    assert found in str(exc)  # names the problem: this is another dialect's stream
    assert exc.output == b""


def test_detection_needs_a_deciding_event() -> None:
    pings = sse("ping", PING_DATA) * 3
    exc, _, _ = fail(pings, "legacy", sseconv.DetectionError)
    assert exc.event_number == 3
    exc, _, _ = fail(pings * 2000, "legacy", sseconv.DetectionError)
    # A ping-only prefix is buffered, but not beyond the detection limit.
    converter = Converter("legacy", detect_limit=1000)
    with pytest.raises(sseconv.DetectionError):
        for _ in range(100):
            converter.feed(sse("ping", PING_DATA))


# -- [DONE] inside a completions / messages stream ----------------------------------------------


@pytest.mark.parametrize("to", DIALECTS)
@pytest.mark.parametrize("position", [0, 1, 2, "end"])
def test_done_in_completions_stream(to: str, position: int | str) -> None:
    parts = split_events(completions_stream(["Hello", " world"], ping_after=1))
    expected, _ = convert_all(b"".join(parts), to, clock=clock)
    at = len(parts) if position == "end" else int(position)
    data = b"".join(parts[:at]) + sse(None, "[DONE]") + b"".join(parts[at:])
    out, report = convert_all(data, to, clock=clock)
    assert out == expected
    assert report.removed_done == 1
    assert report.finished
    assert any("[DONE]" in line for line in report.warnings())


@pytest.mark.parametrize("to", DIALECTS)
def test_done_in_messages_stream(to: str) -> None:
    events = messages_events([text_block("Hi")])
    expected, _ = convert_all(b"".join(events), to, clock=clock)
    data = b"".join(events[:3]) + sse(None, "[DONE]") + b"".join(events[3:]) + sse(None, "[DONE]")
    out, report = convert_all(data, to, clock=clock)
    assert out == expected
    assert report.removed_done == 2


def test_done_with_crlf_in_completions_to_completions() -> None:
    parts = split_events(completions_stream(["a", "b"], eol="\r\n"))
    data = parts[0] + sse(None, "[DONE]", eol="\r\n") + b"".join(parts[1:])
    out, report = convert_all(data, "completions")
    assert out == b"".join(parts)
    assert report.removed_done == 1


# -- unknown events ---------------------------------------------------------------------------

UNKNOWN = b'event: future_event\ndata: {"type":"future_event",  "x":[1, 2]}   \n\n'


def with_unknown(source: str) -> tuple[bytes, bytes]:
    """(stream with an unknown event as event 2, the stream without it)."""
    if source == "legacy":
        parts = split_events(legacy_stream(["Hello", " world"]))
        unknown = UNKNOWN.replace(b"\n", b"\r\n")
    elif source == "completions":
        parts = split_events(completions_stream(["Hello", " world"]))
        unknown = UNKNOWN
    else:
        parts = messages_events([text_block("Hello", " world")], ping=False)
        unknown = UNKNOWN
    return parts[0] + unknown + b"".join(parts[1:]), b"".join(parts)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("to", ["completions", "messages"])
@pytest.mark.parametrize("source", DIALECTS)
def test_unknown_event_passes_through_verbatim(source: str, to: str, mode: str) -> None:
    data, plain = with_unknown(source)
    out, report = convert_all(data, to, mode=mode)
    unknown = UNKNOWN if to != source else split_events(data)[1]
    assert unknown in out
    expected, _ = convert_all(plain, to)
    assert out.replace(unknown, b"") == expected
    assert sum(report.passed_through.values()) == 1
    assert report.finished


@pytest.mark.parametrize("to", ["completions", "messages"])
@pytest.mark.parametrize("source", DIALECTS)
def test_unknown_event_counted_by_its_name(source: str, to: str) -> None:
    """report.passed_through counts "by event name" (as report.dropped["unknown:<name>"] does
    for a legacy target): the key is the name, not its repr."""
    data, _ = with_unknown(source)
    _, report = convert_all(data, to)
    assert dict(report.passed_through) == {"future_event": 1}


@pytest.mark.parametrize("mode", ["default", "lenient"])
@pytest.mark.parametrize("source", DIALECTS)
def test_unknown_event_dropped_and_counted_for_legacy(source: str, mode: str) -> None:
    data, plain = with_unknown(source)
    out, report = convert_all(data, "legacy", mode=mode)
    expected, _ = convert_all(plain, "legacy")
    assert out == expected
    assert b"future_event" not in out
    assert report.dropped["unknown:future_event"] == 1
    assert any("future_event" in line for line in report.warnings())


@pytest.mark.parametrize("source", DIALECTS)
def test_unknown_event_strict_legacy_target(source: str) -> None:
    data, _ = with_unknown(source)
    first = split_events(data)[0]
    exc, _, _ = fail(data, "legacy", UnrepresentableError, mode="strict")
    assert where(exc) == (source, 2, len(first))
    assert "future_event" in str(exc)
    assert exc.output == feed_output(first, "legacy")


def test_unknown_data_only_event_in_completions() -> None:
    parts = split_events(completions_stream(["a"]))
    odd = sse(None, '{"type":"annotation","note":"x"}')
    data = parts[0] + odd + b"".join(parts[1:])
    out, report = convert_all(data, "messages")
    assert odd in out
    out, report = convert_all(data, "legacy")
    assert odd not in out
    assert sum(report.dropped.values()) == 1


# -- legacy `exception` --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exception", "error_type", "message"),
    [
        ("overloaded_error: Overloaded", "overloaded_error", "Overloaded"),
        ("Something broke", "api_error", "Something broke"),
        ("invalid_request_error: prompt: too long", "invalid_request_error", "prompt: too long"),
        ("", "api_error", ""),
        ("no colon-space:here", "api_error", "no colon-space:here"),
    ],
)
@pytest.mark.parametrize("done", [True, False])
def test_legacy_exception_to_completions(
    exception: str, error_type: str, message: str, done: bool
) -> None:
    data = legacy_stream(["Hi"], final=" there", exception=exception, done=done)
    out, report = convert_all(data, "completions")
    events = events_of(out)
    assert [e.event for e in events] == ["completion", "completion", "error"]
    assert deltas_of(out) == ["Hi", " there"]  # the text of the same event comes first
    error = json.loads(events[-1].data)
    assert error == {"type": "error", "error": {"type": error_type, "message": message}}
    assert report.finished


def test_legacy_exception_to_messages() -> None:
    data = legacy_stream(["Hi"], final=" there", exception="overloaded_error: Overloaded")
    out, _ = convert_all(data, "messages")
    events = events_of(out)
    names = [e.event for e in events]
    assert names[:4] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
    ]
    texts = [p["delta"]["text"] for p in payloads(out, "content_block_delta")]
    assert texts == ["Hi", " there"]
    error = json.loads(events[names.index("error")].data)
    assert error["error"] == {"type": "overloaded_error", "message": "Overloaded"}
    # After an error nothing follows (SPEC §1), also when the legacy server wrote [DONE].
    assert names[-1] == "error"


def test_legacy_exception_non_ascii_and_legacy_to_legacy() -> None:
    data = legacy_stream(["☕"], exception='api_error: café ☕ "quoted"', ascii=True)
    out, _ = convert_all(data, "completions")
    assert json.loads(events_of(out)[-1].data)["error"]["message"] == 'café ☕ "quoted"'
    out, _ = convert_all(data, "legacy")
    assert out == data


# -- completions / messages `error` → legacy ------------------------------------------------------


def test_completions_error_to_legacy() -> None:
    data = completions_stream(["Hi", " there"], error=("overloaded_error", "Overloaded"))
    out, report = convert_all(data, "legacy")
    legacy = payloads(out, None)
    assert [p["completion"] for p in legacy] == ["Hi", "Hi there", "Hi there"]
    last = legacy[-1]
    assert last["exception"] == "overloaded_error: Overloaded"
    assert last["stop_reason"] is None
    assert list(last) == [
        "completion",
        "stop",
        "stop_reason",
        "truncated",
        "log_id",
        "model",
        "exception",
    ]
    assert b"[DONE]" not in out
    assert report.finished


def test_completions_error_docs_fixture_to_legacy() -> None:
    out, report = convert_all(read_fixture("completions-2023-06-01-error-docs.sse"), "legacy")
    legacy = payloads(out, None)
    assert legacy[-1]["completion"] == " Hello"
    assert legacy[-1]["exception"] == "overloaded_error: Overloaded"
    assert legacy[-1]["model"] == "claude-2.0"
    assert b"[DONE]" not in out
    assert report.finished


def test_completions_error_first_to_legacy() -> None:
    out, report = convert_all(
        completions_error("api_error", "Boom"), "legacy", source="completions"
    )
    legacy = payloads(out, None)
    assert len(legacy) == 1
    assert legacy[0]["completion"] == ""
    assert legacy[0]["exception"] == "api_error: Boom"
    assert report.finished
    assert b"[DONE]" not in out


@pytest.mark.parametrize("to", ["legacy", "completions"])
def test_messages_error_after_first_delta(to: str) -> None:
    events = messages_events(
        [text_block("Hi", " there")], error=("overloaded_error", "Overloaded"), ping=False
    )
    data = b"".join(events[:3]) + events[-1]  # message_start, block start, "Hi", error
    out, report = convert_all(data, to)
    assert report.finished
    if to == "legacy":
        legacy = payloads(out, None)
        assert legacy[-1]["completion"] == "Hi"
        assert legacy[-1]["exception"] == "overloaded_error: Overloaded"
        assert legacy[-1]["log_id"] == "msg_01TestTestTestTestTestTest"
        assert b"[DONE]" not in out
    else:
        names = [e.event for e in events_of(out)]
        assert names == ["completion", "error"]
        assert deltas_of(out) == ["Hi"]
        error = json.loads(events_of(out)[-1].data)
        assert error == {
            "type": "error",
            "error": {"type": "overloaded_error", "message": "Overloaded"},
        }


def test_messages_error_keeps_extra_fields() -> None:
    head = messages_events([text_block("Hi")], ping=False)[:3]
    error = sse(
        "error", '{"type":"error","error":{"type":"overloaded_error","message":"O","retry":1}}'
    )
    out, _ = convert_all(b"".join(head) + error, "completions")
    assert json.loads(events_of(out)[-1].data)["error"] == {
        "type": "overloaded_error",
        "message": "O",
        "retry": 1,
    }


# -- the three modes ---------------------------------------------------------------------------


def test_modes_on_malformed_input() -> None:
    parts = completions_parts()
    data = parts[0] + BAD_JSON["completions"] + b"".join(parts[1:])
    for mode in ("strict", "default"):
        fail(data, "legacy", MalformedEventError, mode=mode)
        fail(data, "messages", MalformedEventError, mode=mode)
    plain, _ = convert_all(b"".join(parts), "completions")
    out, report = convert_all(data, "completions", mode="lenient")
    # What the completions decoder rejects is invalid in completions output: dropped, counted.
    assert BAD_JSON["completions"] not in out
    assert out == plain
    assert (report.malformed, report.malformed_dropped) == (1, 1)
    out, report = convert_all(data, "legacy", mode="lenient")
    assert out == convert_all(b"".join(parts), "legacy")[0]  # a legacy reader would choke
    assert (report.malformed, report.malformed_dropped) == (1, 1)
    assert any("malformed" in line for line in report.warnings())


def test_modes_on_unrepresentable_content() -> None:
    data = messages_stream(
        [text_block("A", citations=[CITATION]), tool_block('{"x": 1}'), thinking_block("hm")],
        stop_reason="tool_use",
    )
    for to in ("legacy", "completions"):
        for mode in ("default", "lenient"):
            _, report = convert_all(data, to, mode=mode)
            assert report.dropped == {"citations_delta": 1, "tool_use": 1, "thinking": 1}
        events = split_events(data)
        exc, _, _ = fail(data, to, UnrepresentableError, mode="strict", clock=clock)
        # the citations_delta is event 5 (message_start, block start, ping, "A", citation)
        assert where(exc) == ("messages", 5, len(b"".join(events[:4])))
        assert exc.output == feed_output(b"".join(events[:4]), to, clock=clock)


def test_modes_strict_converts_exactly_representable_streams() -> None:
    for name in ("completions-2023-06-01-capture.sse", "legacy-2023-01-01-reconstructed.sse"):
        data = read_fixture(name)
        for to in DIALECTS:
            strict, report = convert_all(data, to, mode="strict", clock=clock)
            default, _ = convert_all(data, to, clock=clock)
            assert strict == default
            assert report.finished


# -- exc.output -----------------------------------------------------------------------------


@pytest.mark.parametrize("to", DIALECTS)
@pytest.mark.parametrize("source", DIALECTS)
def test_output_of_failed_feed_is_the_conversion_before(source: str, to: str) -> None:
    parts = PARTS[source]()
    data = parts[0] + parts[1] + BAD_JSON[source] + b"".join(parts[2:])
    converter = Converter(to, clock=clock)
    with pytest.raises(MalformedEventError) as info:
        converter.feed(data)
    two = Converter(to, clock=clock)
    assert info.value.output == two.feed(parts[0] + parts[1])
    # and the converter refuses more input rather than producing garbage
    with pytest.raises(UsageError):
        converter.feed(parts[2])


def test_convert_iterator_raises_sseconv_error_with_output() -> None:
    parts = completions_parts()
    conversion = sseconv.convert([parts[0], parts[1] + BAD_JSON["completions"]], "legacy")
    first = next(conversion)
    with pytest.raises(MalformedEventError) as info:
        next(conversion)
    assert info.value.output == Converter("legacy").feed(parts[0] + parts[1])[len(first) :]
    assert info.value.output
    assert conversion.report.events_in == 3


def test_aconvert_reports_and_raises() -> None:
    async def chunks(items: list[bytes]) -> AsyncIterator[bytes]:
        for item in items:
            yield item

    async def run(items: list[bytes], mode: Mode) -> tuple[bytes, sseconv.Report]:
        conversion = sseconv.aconvert(chunks(items), "legacy", mode=mode)
        out = b"".join([piece async for piece in conversion])
        return out, conversion.report

    out, report = asyncio.run(run(completions_parts(), "default"))
    assert out == convert_all(b"".join(completions_parts()), "legacy")[0]
    assert report.finished
    out, report = asyncio.run(run(completions_parts()[:1], "default"))
    assert not report.finished
    with pytest.raises(IncompleteStreamError):
        asyncio.run(run(completions_parts()[:1], "strict"))


# -- inputs the fixtures lack -----------------------------------------------------------------

NON_ASCII_TOKENS = ["Caf", "é au lait ", "☕", " 😀 ", '"q" \\ /', "\n\n", "\u2028\u0085\t", "終"]


@pytest.mark.parametrize("ascii", [False, True])
@pytest.mark.parametrize("eol", ["\r\n", "\n", "\r"])
def test_non_ascii_legacy(ascii: bool, eol: str) -> None:
    data = legacy_stream(NON_ASCII_TOKENS, ascii=ascii, eol=eol)
    out, report = convert_all(data, "completions")
    assert deltas_of(out) == NON_ASCII_TOKENS
    assert report.finished
    # synthesized payloads write non-ASCII as UTF-8
    assert "☕".encode() in out
    assert b"\\u2615" not in out
    out, _ = convert_all(data, "messages")
    assert [p["delta"]["text"] for p in payloads(out, "content_block_delta")] == NON_ASCII_TOKENS
    out, _ = convert_all(data, "legacy")
    assert out == data


def test_non_ascii_legacy_raw_and_escaped_mixed() -> None:
    data = (
        b'data: {"completion":"Caf\\u00e9","stop":null,"stop_reason":null}\r\n\r\n'
        + 'data: {"completion":"Café ☕","stop":null,"stop_reason":null}\r\n\r\n'.encode()
        + b'data: {"completion":"Caf\\u00e9 \\u2615\\ud83d\\ude00","stop":"\\n\\nHuman:",'
        b'"stop_reason":"stop_sequence"}\r\n\r\n' + legacy_done()
    )
    out, report = convert_all(data, "completions")
    assert deltas_of(out) == ["Café", " ☕", "😀"]
    assert report.finished


def test_max_tokens_stop_reason() -> None:
    data = legacy_stream(["a", "b"], stop_reason="max_tokens", stop=None)
    out, _ = convert_all(data, "completions")
    final = payloads(out)[-1]
    assert (final["completion"], final["stop_reason"], final["stop"]) == ("", "max_tokens", None)
    out, _ = convert_all(data, "messages")
    assert payloads(out, "message_delta")[-1]["delta"] == {
        "stop_reason": "max_tokens",
        "stop_sequence": None,
    }
    comp = completions_stream(["a"], stop_reason="max_tokens", stop=None)
    out, _ = convert_all(comp, "legacy")
    final = payloads(out, None)[-1]
    assert (final["completion"], final["stop_reason"], final["stop"]) == ("a", "max_tokens", None)


@pytest.mark.parametrize("to", DIALECTS)
@pytest.mark.parametrize("split", [0, 1, 2, 3, 5])
def test_bom(to: str, split: int) -> None:
    for data in (
        legacy_stream(["a", "é"]),
        completions_stream(["a", "é"]),
        messages_stream([text_block("a", "é")]),
    ):
        expected, report = convert_all(data, to, clock=clock)
        with_bom = BOM + data
        out, report = convert_all([with_bom[:split], with_bom[split:]], to, clock=clock)
        if report.source is not None and str(report.source) == to:
            assert out in (with_bom, data)  # same dialect: the input bytes (BOM optional)
        else:
            assert out == expected
        assert report.finished


def test_bom_offsets() -> None:
    first = completions_event("a")
    data = BOM + first + b"event: completion\ndata: nope\n\n"
    exc, _, _ = fail(data, "legacy", MalformedEventError)
    assert where(exc) == ("completions", 2, 3 + len(first))
    exc, _, _ = fail(
        [data[:1], data[1:2], data[2:]], "messages", MalformedEventError, source="completions"
    )
    assert where(exc) == ("completions", 2, 3 + len(first))


@pytest.mark.parametrize("to", DIALECTS)
def test_cr_only_framing(to: str) -> None:
    for lf in (
        legacy_stream(["Hello", " wörld"], eol="\n", ping_after=1),
        completions_stream(["Hello", " wörld"], ping_after=1),
        messages_stream([text_block("Hello", " wörld")]),
    ):
        expected, _ = convert_all(lf, to, clock=clock)
        cr = lf.replace(b"\n", b"\r")
        for chunks in ([cr], [cr[i : i + 7] for i in range(0, len(cr), 7)]):
            out, report = convert_all(chunks, to, clock=clock)
            assert report.finished
            if report.source is not None and str(report.source) == to:
                assert out == cr
            else:
                assert out == expected


def test_lone_surrogates_in_completions_to_legacy() -> None:
    def delta(escaped: str) -> bytes:
        payload = completions_payload("").replace('"completion":""', f'"completion":"{escaped}"')
        return sse("completion", payload)

    data = (
        completions_event("a")
        + delta("\\ud83d")
        + delta("\\ude00")
        + completions_event("", stop_reason="stop_sequence", stop=HUMAN)
    )
    out, report = convert_all(data, "legacy")
    assert report.finished
    assert b"\\ud83d\\ude00" in out
    out.decode("utf-8")  # valid UTF-8 throughout
    final = payloads(out, None)[-1]
    assert final["completion"] == "a😀"
    # and to messages, the same: valid UTF-8, text intact once joined
    out, _ = convert_all(data, "messages")
    out.decode("utf-8")
    texts = [p["delta"]["text"] for p in payloads(out, "content_block_delta")]
    joined = "".join(texts).encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    assert joined == "a😀"


def test_lone_surrogates_round_trip_through_legacy() -> None:
    """sseconv must read back the legacy stream it wrote for a split surrogate pair."""
    data = (
        completions_event("a")
        + sse("completion", completions_payload("\ud83d", ascii=True))
        + sse("completion", completions_payload("\ude00b", ascii=True))
        + completions_event("", stop_reason="stop_sequence", stop=HUMAN)
    )
    legacy, _ = convert_all(data, "legacy")
    back, report = convert_all(legacy, "completions")
    assert report.finished
    text = "".join(deltas_of(back)).encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    assert text == "a😀b"


# -- nothing but SSEConvError escapes ---------------------------------------------------------

SOURCES: list[str | None] = [None, "legacy", "completions", "messages"]
SEEDS = [read_fixture(name) for name in FIXTURE_NAMES] + [
    legacy_stream(["é", "☕ 😀"], exception="overloaded_error: Overloaded"),
    completions_stream(["a", ""], error=("api_error", "x"), ping_after=1),
    messages_stream([thinking_block("a"), text_block("b", citations=[CITATION]), tool_block("{")]),
]
FRAGMENTS = [
    b"\n",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"data: ",
    b"event: ",
    b"event: error\n",
    b"event: completion\n",
    b"event: message_stop\n",
    b"event: content_block_delta\n",
    b"event: ping\n",
    b"data: [DONE]\n\n",
    b"{",
    b"}",
    b'"',
    b"\\",
    b"\\ud83d",
    b"null",
    b"-1",
    b"1e999",
    b"[]",
    b'"completion":',
    b'"index":',
    b'"type":"text_delta"',
    b'"stop_reason":"x"',
    BOM,
    b"\xff",
    b"\xc3",
    b"\x00",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data)))
        op = draw(st.integers(0, 3))
        if op == 0:
            data[pos:pos] = draw(st.sampled_from(FRAGMENTS))
        elif op == 1:
            del data[pos : pos + draw(st.integers(1, 40))]
        elif op == 2 and pos < len(data):
            data[pos] = draw(st.integers(0, 255))
        else:
            other = draw(st.sampled_from(SEEDS))
            start = draw(st.integers(0, len(other)))
            data[pos:pos] = other[start : start + draw(st.integers(1, 300))]
    return bytes(data)


def convert_everything(data: bytes, cuts: list[int]) -> None:
    bounds = sorted({min(c, len(data)) for c in cuts})
    chunks = [data[a:b] for a, b in zip([0, *bounds], [*bounds, len(data)], strict=True)]
    for source in SOURCES:
        for to in DIALECTS:
            for mode in MODES:
                converter = Converter(to, source=source, mode=mode, clock=clock)  # type: ignore[arg-type]
                with contextlib.suppress(SSEConvError):
                    for chunk in chunks:
                        converter.feed(chunk)
                    converter.close()
        with contextlib.suppress(SSEConvError):
            list(sseconv.parse_events(chunks, source=source))
    sseconv.detect(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=4))
def test_random_bytes_raise_only_sseconv_errors(data: bytes, cuts: list[int]) -> None:
    convert_everything(data, cuts)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.lists(st.integers(0, 3000), max_size=4))
def test_mutated_streams_raise_only_sseconv_errors(data: bytes, cuts: list[int]) -> None:
    convert_everything(data, cuts)
