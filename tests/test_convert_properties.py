"""Property tests of the converter (hypothesis): round trips, chunking, streaming (SPEC §4)."""

from __future__ import annotations

import datetime
import itertools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streams import (
    CITATION,
    HUMAN,
    LEGACY_PING,
    Block,
    completions_stream,
    convert_all,
    deltas_of,
    events_of,
    legacy_stream,
    messages_events,
    payloads,
    read_fixture,
    split_events,
    text_block,
    thinking_block,
    tool_block,
)

from sseconv import Converter, Report, SSEConvError, detect

DIALECTS = ["legacy", "completions", "messages"]
CLOCK_TIME = datetime.datetime(2023, 4, 28, 21, 18, 31, 866238, tzinfo=datetime.timezone.utc)
assert CLOCK_TIME.strftime("%Y-%m-%d %H:%M:%S.%f") == LEGACY_PING


def clock() -> datetime.datetime:
    return CLOCK_TIME


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that stresses JSON escaping and line handling: quotes, backslashes, newlines of every
# kind, controls, non-ASCII, astral characters; empty tokens included.
SPECIAL = [*'"\\\n\r\t/{}:, ', "\u2028", "\u0085", "\x00", "\x1f", "\x7f", "é", "☕", "😀"]
chars = st.one_of(st.sampled_from(SPECIAL), st.characters(codec="utf-8"))
tokens_st = st.lists(st.text(chars, max_size=6), max_size=8)
nonempty_tokens_st = st.lists(st.text(chars, min_size=1, max_size=6), min_size=1, max_size=8)
# Synthesized JSON escapes U+2028, U+2029 and U+0085 (clients that split lines with
# str.splitlines() would cut a payload holding them), so byte-exact round trips avoid them.
LINE_SEPARATORS = "\u2028\u2029\u0085"
round_trip_tokens_st = nonempty_tokens_st.filter(
    lambda tokens: not any(c in t for t in tokens for c in LINE_SEPARATORS)
)
stops_st = st.sampled_from(
    [
        ("stop_sequence", HUMAN),
        ("stop_sequence", "END"),
        ("stop_sequence", None),
        ("max_tokens", None),
    ]
)


def cut_points(data: bytes) -> st.SearchStrategy[list[int]]:
    """Cut positions, biased towards the interesting ones: between a CR and what follows it,
    inside a multi-byte UTF-8 character, just after a blank line."""
    special = [i + 1 for i, byte in enumerate(data) if byte == 13 or byte >= 0xC0]
    special += [i + 2 for i in range(len(data) - 1) if data[i : i + 2] in (b"\n\n", b"\r\r")]
    anywhere = st.integers(0, len(data))
    points = st.one_of(anywhere, st.sampled_from(special)) if special else anywhere
    return st.lists(points, max_size=12)


def cuts_to_chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *bounds], [*bounds, len(data)], strict=True)]


@st.composite
def messages_blocks(draw: st.DrawFn) -> list[Block]:
    blocks: list[Block] = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "text", "tool_use", "thinking"]))
        texts = draw(st.lists(st.text(chars, max_size=6), max_size=4))
        if kind == "text":
            citations = [CITATION] if draw(st.booleans()) else []
            blocks.append(text_block(*texts, citations=citations))
        elif kind == "tool_use":
            blocks.append(tool_block(*texts))
        else:
            blocks.append(thinking_block(*texts))
    return blocks


@st.composite
def streams(draw: st.DrawFn, source: str) -> bytes:
    """A finished (or, sometimes, cut or errored) stream of the ``source`` dialect."""
    tokens = draw(tokens_st)
    ending = draw(st.sampled_from(["stop", "stop", "error", "cut"]))
    stop_reason, stop = draw(stops_st)
    ping_after = draw(st.none() | st.integers(0, len(tokens)))
    if source == "legacy":
        return legacy_stream(
            tokens,
            stop_reason=None if ending == "cut" else stop_reason,
            stop=stop,
            final=draw(st.sampled_from(["", "!"])),
            exception="overloaded_error: Overloaded" if ending == "error" else None,
            eol=draw(st.sampled_from(["\r\n", "\n", "\r"])),
            ascii=draw(st.booleans()),
            ping_after=ping_after,
        )
    if source == "completions":
        return completions_stream(
            tokens,
            stop_reason=None if ending == "cut" else stop_reason,
            stop=stop,
            error=("overloaded_error", "Overloaded") if ending == "error" else None,
            eol=draw(st.sampled_from(["\n", "\r\n"])),
            ascii=draw(st.booleans()),
            ping_after=ping_after,
        )
    return b"".join(
        messages_events(
            draw(messages_blocks()),
            stop_reason=draw(st.sampled_from(["end_turn", "stop_sequence", "max_tokens"])),
            stop_sequence=draw(st.sampled_from([None, "END"])),
            error=("overloaded_error", "Overloaded") if ending == "error" else None,
            finished=ending != "cut",
            ping=draw(st.booleans()),
            eol=draw(st.sampled_from(["\n", "\r\n"])),
        )
    )


# -- completions → legacy → completions ---------------------------------------------------------


@SETTINGS
@given(tokens_st, stops_st, st.booleans(), st.none() | st.integers(0, 8))
def test_completions_legacy_completions_keeps_deltas(
    tokens: list[str], stop: tuple[str, str | None], ascii: bool, ping_after: int | None
) -> None:
    source = completions_stream(
        tokens, stop_reason=stop[0], stop=stop[1], ascii=ascii, ping_after=ping_after
    )
    legacy, report = convert_all(source, "legacy", clock=clock)
    assert report.finished
    legacy_payloads = payloads(legacy, None)
    nonempty = [t for t in tokens if t]
    # one legacy event per non-empty delta, then the final event and [DONE]
    assert len(legacy_payloads) == len(nonempty) + 1
    assert [e.data for e in events_of(legacy)][-1] == "[DONE]"
    running = ""
    for payload, token in zip(legacy_payloads, nonempty, strict=False):
        running += token
        assert payload["completion"] == running
    final = legacy_payloads[-1]
    assert final["completion"] == "".join(tokens)
    assert (final["stop_reason"], final["stop"]) == stop
    assert list(final) == [
        "completion",
        "stop",
        "stop_reason",
        "truncated",
        "log_id",
        "model",
        "exception",
    ]
    assert final["truncated"] is False
    assert final["exception"] is None
    back, report = convert_all(legacy, "completions")
    assert report.finished
    assert deltas_of(back) == nonempty
    last = payloads(back)[-1]
    assert (last["completion"], last["stop_reason"], last["stop"]) == ("", *stop)


@SETTINGS
@given(round_trip_tokens_st, stops_st, st.none() | st.integers(0, 8))
def test_completions_legacy_completions_round_trip_bytes(
    tokens: list[str], stop: tuple[str, str | None], ping_after: int | None
) -> None:
    source = completions_stream(tokens, stop_reason=stop[0], stop=stop[1], ping_after=ping_after)
    legacy, _ = convert_all(source, "legacy", clock=clock)
    back, _ = convert_all(legacy, "completions")
    assert back == source


# -- legacy → completions → legacy ------------------------------------------------------------


@SETTINGS
@given(
    round_trip_tokens_st,
    stops_st,
    st.none() | st.integers(0, 8),
    st.sampled_from([None, "overloaded_error: Overloaded", "Something broke"]),
)
def test_legacy_completions_legacy_round_trip(
    tokens: list[str], stop: tuple[str, str | None], ping_after: int | None, exception: str | None
) -> None:
    # Documented differences avoided: the line ending is asked for (CRLF, as the server wrote),
    # the ping timestamps come from a fixed clock; after an exception no [DONE] is written, and
    # an exception that is not "<type>: <message>" comes back as "api_error: <message>".
    common: dict[str, Any] = {"stop_reason": stop[0], "stop": stop[1], "ping_after": ping_after}
    source = legacy_stream(tokens, exception=exception, done=exception is None, **common)
    if exception == "Something broke":
        expected = legacy_stream(
            tokens, exception="api_error: Something broke", done=False, **common
        )
    else:
        expected = source
    completions, report = convert_all(source, "completions")
    assert report.finished
    assert deltas_of(completions) == tokens
    back, _ = convert_all(completions, "legacy", eol="\r\n", clock=clock)
    assert back == expected


@st.composite
def formatted_legacy(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """A legacy stream whose payloads vary as JSON may: key order, spacing, escaped or raw
    non-ASCII, escaped "/", padding, unknown fields; and the cumulative texts it holds."""
    tokens = draw(st.lists(st.text(chars, max_size=5), min_size=1, max_size=6))
    texts = [""]
    for token in tokens:
        texts.append(texts[-1] + token)
    events = []
    for i, text in enumerate(texts[1:]):
        final = i == len(tokens) - 1
        payload: dict[str, Any] = {
            "completion": text,
            "stop": HUMAN if final else None,
            "stop_reason": "stop_sequence" if final else None,
            "truncated": False,
            "log_id": "x",
            "model": "m",
            "exception": None,
        }
        if draw(st.booleans()):
            payload["new_field"] = {"k": [1, "v"]}
        keys = list(payload)
        if draw(st.integers(0, 3)) == 0:
            keys = draw(st.permutations(keys))
        separators = draw(st.sampled_from([(",", ":"), (", ", ": ")]))
        raw = json.dumps(
            {k: payload[k] for k in keys},
            ensure_ascii=draw(st.booleans()),
            separators=separators,
        )
        if draw(st.booleans()):
            raw = raw.replace("/", "\\/")
        raw = raw[:-1] + " " * draw(st.integers(0, 3)) + "}"
        events.append(f"data: {raw}\r\n\r\n".encode())
    events.append(b"data: [DONE]\r\n\r\n")
    return b"".join(events), texts


@SETTINGS
@given(formatted_legacy(), st.data())
def test_legacy_deltas_match_the_json_texts(
    case: tuple[bytes, list[str]], data: st.DataObject
) -> None:
    stream, texts = case
    expected = [b[len(a) :] for a, b in itertools.pairwise(texts) if len(b) > len(a)]
    cuts = data.draw(cut_points(stream))
    out, report = run(cuts_to_chunks(stream, cuts), "completions")
    assert deltas_of(out) == expected
    assert report.finished


def test_legacy_fixture_round_trip() -> None:
    fixture = read_fixture("legacy-2023-01-01-reconstructed.sse")
    completions, _ = convert_all(fixture, "completions")
    back, _ = convert_all(completions, "legacy", eol="\r\n", clock=clock)
    assert back == fixture
    back, report = convert_all(completions, "legacy", eol="\r\n", pings="drop")
    assert back == b"".join(e for e in split_events(fixture) if not e.startswith(b"event: ping"))
    assert report.dropped["ping"] == 1


@SETTINGS
@given(tokens_st, stops_st, st.booleans())
def test_last_legacy_completion_is_the_concatenation(
    tokens: list[str], stop: tuple[str, str | None], ascii: bool
) -> None:
    source = completions_stream(tokens, stop_reason=stop[0], stop=stop[1], ascii=ascii)
    legacy, _ = convert_all(source, "legacy")
    assert payloads(legacy, None)[-1]["completion"] == "".join(tokens)
    for line in legacy.split(b"\n"):  # legacy consumers read one data line per event
        assert line == b"" or line.startswith((b"data: {", b"data: [DONE]"))


# -- chunking -----------------------------------------------------------------------------------


@st.composite
def pair_and_stream(draw: st.DrawFn) -> tuple[str, str, bytes]:
    source = draw(st.sampled_from(DIALECTS))
    to = draw(st.sampled_from(DIALECTS))
    return source, to, draw(streams(source))


def run(data: bytes | list[bytes], to: str, **options: Any) -> tuple[bytes, Report]:
    return convert_all(data, to, clock=clock, **options)


def outcome(data: bytes | list[bytes], to: str, **options: Any) -> tuple[Any, ...]:
    """What converting gives: the output and report, or the error (type, message, output)."""
    try:
        out, report = run(data, to, **options)
    except SSEConvError as exc:
        return ("error", type(exc), str(exc), exc.event_number, exc.offset)
    return ("ok", out, report)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pair_and_stream(),
    st.data(),
    st.sampled_from([{}, {"pings": "drop"}, {"mode": "lenient"}, {"mode": "strict"}]),
)
def test_output_is_independent_of_chunking(
    case: tuple[str, str, bytes], data: st.DataObject, options: dict[str, Any]
) -> None:
    _, to, stream = case
    cuts = data.draw(cut_points(stream))
    whole = outcome(stream, to, **options)
    assert outcome(cuts_to_chunks(stream, cuts), to, **options) == whole
    assert outcome([stream[i : i + 1] for i in range(len(stream))], to, **options) == whole


@SETTINGS
@given(st.data())
def test_cross_dialect_eol_option_is_independent_of_chunking(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(DIALECTS))
    to = data.draw(st.sampled_from([d for d in DIALECTS if d != source]))
    stream = data.draw(streams(source))
    eol = data.draw(st.sampled_from(["\n", "\r\n"]))
    cuts = data.draw(cut_points(stream))
    whole, _ = run(stream, to, eol=eol, source=source)
    chunked, _ = run(cuts_to_chunks(stream, cuts), to, eol=eol, source=source)
    assert chunked == whole
    if eol == "\r\n":
        assert b"\n" not in whole.replace(b"\r\n", b"")
    assert b"\r" not in whole.replace(b"\r\n", b"")
    if eol == "\n":
        assert b"\r" not in whole


# -- same dialect in and out --------------------------------------------------------------------


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_same_dialect_gives_identical_bytes_under_any_chunking(data: st.DataObject) -> None:
    dialect = data.draw(st.sampled_from(DIALECTS))
    stream = data.draw(streams(dialect))
    detectable = detect(stream) is not None  # an error-only stream tells no dialect
    source = data.draw(st.sampled_from([None, dialect])) if detectable else dialect
    cuts = data.draw(cut_points(stream))
    out, _ = run(cuts_to_chunks(stream, cuts), dialect, source=source)
    assert out == stream


def test_same_dialect_fixtures_byte_for_byte() -> None:
    for name in (
        "legacy-2023-01-01-reconstructed.sse",
        "completions-2023-06-01-capture.sse",
        "completions-2023-06-01-error-docs.sse",
        "messages-text-capture.sse",
        "messages-tool-use-capture.sse",
        "messages-thinking-padding-synthetic.sse",
    ):
        fixture = read_fixture(name)
        dialect = name.split("-")[0]
        for size in (1, 2, 3, 7, 64, len(fixture)):
            chunks = [fixture[i : i + size] for i in range(0, len(fixture), size)]
            out, report = run(chunks, dialect)
            assert out == fixture, (name, size)
            assert report.finished


@SETTINGS
@given(st.data())
def test_same_dialect_explicit_eol_under_any_chunking(data: st.DataObject) -> None:
    """SPEC §4: same dialect in and out gives the input bytes, except for a line ending the
    caller asked for; the output must still not depend on where the chunks were cut (here a
    CRLF cut between its CR and its LF must not become two line ends)."""
    dialect = data.draw(st.sampled_from(DIALECTS))
    tokens = data.draw(round_trip_tokens_st)
    if dialect == "legacy":
        stream = legacy_stream(tokens, eol="\r\n", ping_after=1)
    elif dialect == "completions":
        stream = completions_stream(tokens, eol="\r\n", ping_after=1)
    else:
        stream = b"".join(messages_events([text_block(*tokens)], eol="\r\n"))
    eol = data.draw(st.sampled_from(["\n", "\r\n"]))
    expected = stream if eol == "\r\n" else stream.replace(b"\r\n", b"\n")
    cuts = data.draw(cut_points(stream))
    out, _ = run(cuts_to_chunks(stream, cuts), dialect, eol=eol)
    assert out == expected


def test_same_dialect_explicit_eol_crlf_split_example() -> None:
    stream = legacy_stream(["Hello"])  # CRLF, as the server wrote it
    cut = stream.index(b"\r\n\r\n") + 3  # between the CR and LF of the blank line
    out, _ = run([stream[:cut], stream[cut:]], "legacy", eol="\r\n")
    assert out == stream
    out, _ = run([stream[:cut], stream[cut:]], "legacy", eol="\n")
    assert out == stream.replace(b"\r\n", b"\n")


# -- streaming: each output event as soon as its input event is complete ------------------------


def feed_events(data: bytes, to: str, **options: Any) -> tuple[list[bytes], list[bytes], bytes]:
    """Feed ``data`` event by event; return the input events, the output of each feed call,
    and the output of close()."""
    converter = Converter(to, clock=clock, **options)
    inputs = split_events(data)
    outputs = [converter.feed(event) for event in inputs]
    return inputs, outputs, converter.close()


@SETTINGS
@given(tokens_st, stops_st, st.none() | st.integers(0, 8), st.booleans())
def test_completions_to_legacy_streams_each_event(
    tokens: list[str], stop: tuple[str, str | None], ping_after: int | None, error: bool
) -> None:
    data = completions_stream(
        tokens,
        stop_reason=stop[0],
        stop=stop[1],
        ping_after=ping_after,
        error=("overloaded_error", "Overloaded") if error else None,
    )
    inputs, outputs, tail = feed_events(data, "legacy", source="completions")
    assert tail == b""
    running = ""
    for event, out in zip(inputs, outputs, strict=True):
        got = events_of(out)
        if event.startswith(b"event: ping"):
            assert [e.event for e in got] == ["ping"]
        elif event.startswith(b"event: error"):
            assert len(got) == 1
            assert payloads(out, None)[0]["exception"] == "overloaded_error: Overloaded"
        else:
            payload = payloads(event, "completion")[0]
            running += payload["completion"]
            if payload["stop_reason"] is not None:
                assert [e.data for e in got][-1] == "[DONE]"
                assert len(got) == 2
                assert payloads(out, None)[0]["completion"] == running
            elif payload["completion"]:
                assert len(got) == 1  # exactly one legacy event in the same feed call
                assert payloads(out, None)[0]["completion"] == running
            else:
                assert got == []


@SETTINGS
@given(
    tokens_st,
    stops_st,
    st.none() | st.integers(0, 8),
    st.sampled_from(["", "!"]),
    st.sampled_from(["\r\n", "\n", "\r"]),
)
def test_legacy_to_completions_streams_each_event(
    tokens: list[str], stop: tuple[str, str | None], ping_after: int | None, final: str, eol: str
) -> None:
    data = legacy_stream(
        tokens, stop_reason=stop[0], stop=stop[1], ping_after=ping_after, final=final, eol=eol
    )
    inputs, outputs, tail = feed_events(data, "completions", source="legacy")
    assert tail == b""
    previous = ""
    for event, out in zip(inputs, outputs, strict=True):
        got = events_of(out)
        if event.startswith(b"event: ping"):
            assert [(e.event, e.data) for e in got] == [("ping", '{"type": "ping"}')]
        elif event.startswith(b"data: [DONE]"):
            assert got == []
        else:
            payload = payloads(event, None)[0]
            text = payload["completion"]
            delta = text[len(previous) :]
            previous = text
            expected = ([delta] if delta else []) + ([""] if payload["stop_reason"] else [])
            assert [p["completion"] for p in payloads(out)] == expected
            assert len(got) == len(expected)


@SETTINGS
@given(messages_blocks(), st.sampled_from(["legacy", "completions"]))
def test_messages_to_completion_dialects_streams_each_event(blocks: list[Block], to: str) -> None:
    data = b"".join(messages_events(blocks))
    inputs, outputs, tail = feed_events(data, to, source="messages")
    assert tail == b""
    kinds: dict[int, str] = {}
    for event, out in zip(inputs, outputs, strict=True):
        got = events_of(out)
        name = event.split(b"\n", 1)[0].removeprefix(b"event: ").decode()
        if name == "ping":
            assert [e.event for e in got] == ["ping"]
            continue
        payload = payloads(event, name)[0]
        if name == "content_block_start":
            kinds[payload["index"]] = payload["content_block"]["type"]
        delta = payload.get("delta", {})
        if (
            name == "content_block_delta"
            and delta.get("type") == "text_delta"
            and kinds[payload["index"]] == "text"
            and delta["text"]
        ):
            assert len(got) == 1  # exactly one output event in the same feed call
            continue
        if name == "message_delta":
            assert len(got) == 1  # the final event, when the stop reason arrives
            continue
        if name == "message_stop" and to == "legacy":
            assert [e.data for e in got] == ["[DONE]"]
            continue
        assert got == [], name


@SETTINGS
@given(tokens_st, stops_st, st.sampled_from(["legacy", "completions"]))
def test_completion_dialects_to_messages_streams_each_event(
    tokens: list[str], stop: tuple[str, str | None], source: str
) -> None:
    if source == "legacy":
        data = legacy_stream(tokens, stop_reason=stop[0], stop=stop[1])
    else:
        data = completions_stream(tokens, stop_reason=stop[0], stop=stop[1])
    inputs, outputs, tail = feed_events(data, "messages", source=source)
    assert tail == b""
    started = block_open = False
    previous = ""
    for event, out in zip(inputs, outputs, strict=True):
        got = [e.event for e in events_of(out)]
        if event.startswith(b"data: [DONE]"):
            assert got == ["message_stop"]
            continue
        payload = payloads(event, None if source == "legacy" else "completion")[0]
        if source == "legacy":
            delta = payload["completion"][len(previous) :]
            previous = payload["completion"]
        else:
            delta = payload["completion"]
        expected: list[str] = []
        if not started:
            expected.append("message_start")
            started = True
        if delta:
            if not block_open:
                expected.append("content_block_start")
                block_open = True
            expected.append("content_block_delta")
        if payload["stop_reason"] is not None:
            if not block_open:  # always the one text block, empty when no text came
                expected.append("content_block_start")
            expected.append("content_block_stop")
            expected.append("message_delta")
            if source == "completions":
                expected.append("message_stop")
        assert got == expected
