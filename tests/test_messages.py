"""The Messages dialect (SPEC §1, §4): decoding, verbatim passthrough, projection onto the
completion dialects and synthesis from them, detection."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streams import (
    CITATION,
    HUMAN,
    MSG_ID,
    PING_DATA,
    Block,
    completions_stream,
    convert_all,
    deltas_of,
    events_of,
    legacy_stream,
    message_start,
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
    BlockDelta,
    BlockStart,
    BlockStop,
    Converter,
    Dialect,
    IncompleteStreamError,
    ModelEvent,
    Ping,
    StreamEnd,
    StreamError,
    StreamStart,
    StreamStop,
    TextDelta,
    UnrepresentableError,
    detect,
    parse_events,
)

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THINKING = "messages-thinking-padding-synthetic.sse"
TOOL_USE = "messages-tool-use-capture.sse"
TEXT = "messages-text-capture.sse"


def parse(data: bytes, **options: Any) -> list[ModelEvent]:
    return list(parse_events([data], **options))


def offsets(data: bytes) -> list[int]:
    """Byte offset of each event of ``data``."""
    out, at = [], 0
    for event in split_events(data):
        out.append(at)
        at += len(event)
    return out


# -- decoding ---------------------------------------------------------------------------------

ALL_DELTAS = [
    text_block("Hello", " world", citations=[CITATION]),
    tool_block('{"city": ', '"Paris"}'),
    thinking_block("Let me think", "…", signature="c2ln"),
]


def test_every_delta_type_is_decoded_by_index() -> None:
    data = messages_stream(ALL_DELTAS, stop_reason="tool_use")
    events = parse(data)
    at = offsets(data)
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "StreamStart",
        "BlockStart",
        "Ping",
        "TextDelta",
        "TextDelta",
        "BlockDelta",
        "BlockStop",
        "BlockStart",
        "BlockDelta",
        "BlockDelta",
        "BlockStop",
        "BlockStart",
        "BlockDelta",
        "BlockDelta",
        "BlockDelta",
        "BlockStop",
        "StreamStop",
        "StreamEnd",
    ]
    for number, event in enumerate(events, 1):
        assert event.event_number == number
        assert event.offset == at[number - 1]
    start = events[0]
    assert isinstance(start, StreamStart)
    assert (start.id, start.model) == (MSG_ID, "claude-sonnet-4-5")
    assert start.message["usage"] == {"input_tokens": 11, "output_tokens": 1}
    texts = [e for e in events if isinstance(e, TextDelta)]
    assert [(e.index, e.text) for e in texts] == [(0, "Hello"), (0, " world")]
    deltas = [e for e in events if isinstance(e, BlockDelta)]
    assert [(e.index, e.delta_type) for e in deltas] == [
        (0, "citations_delta"),
        (1, "input_json_delta"),
        (1, "input_json_delta"),
        (2, "thinking_delta"),
        (2, "thinking_delta"),
        (2, "signature_delta"),
    ]
    assert deltas[0].delta == {"type": "citations_delta", "citation": CITATION}
    assert deltas[1].delta["partial_json"] == '{"city": '
    assert deltas[3].delta["thinking"] == "Let me think"
    assert deltas[5].delta["signature"] == "c2ln"
    blocks = [e for e in events if isinstance(e, BlockStart)]
    assert [(b.index, b.block_type) for b in blocks] == [
        (0, "text"),
        (1, "tool_use"),
        (2, "thinking"),
    ]
    assert blocks[1].block == ALL_DELTAS[1].content_block
    assert [e.index for e in events if isinstance(e, BlockStop)] == [0, 1, 2]
    stop = events[-2]
    assert isinstance(stop, StreamStop)
    assert (stop.stop_reason, stop.stop_sequence, stop.usage) == (
        "tool_use",
        None,
        {"output_tokens": 42},
    )
    ping = events[2]
    assert isinstance(ping, Ping)
    assert ping.data == PING_DATA


def test_tool_use_fixture_decoded() -> None:
    events = parse(read_fixture(TOOL_USE))
    json_parts = [e.delta["partial_json"] for e in events if isinstance(e, BlockDelta)]
    assert json.loads("".join(json_parts)) == {"location": "Paris"}
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == (
        "I'll check the current weather in Paris for you."
    )
    assert isinstance(events[-1], StreamEnd)


def test_thinking_padding_fixture_decoded() -> None:
    events = parse(read_fixture(THINKING), source="messages")
    assert [e.text for e in events if isinstance(e, TextDelta)] == [
        'Café au lait ☕, "bien sûr".\nSecond line.'
    ]
    kinds = [e.delta_type for e in events if isinstance(e, BlockDelta)]
    assert kinds == ["thinking_delta", "thinking_delta", "signature_delta"]


def test_blocks_with_zero_deltas() -> None:
    data = messages_stream(
        [text_block(), tool_block(), thinking_block(signature=None), text_block("x")],
        stop_reason="tool_use",
        ping=False,
    )
    events = parse(data)
    assert [type(e).__name__ for e in events] == [
        "StreamStart",
        *["BlockStart", "BlockStop"] * 3,
        "BlockStart",
        "TextDelta",
        "BlockStop",
        "StreamStop",
        "StreamEnd",
    ]
    out, report = convert_all(data, "completions")
    assert deltas_of(out) == ["x"]
    assert report.dropped == {"tool_use": 1, "thinking": 1}
    assert report.finished
    out, _ = convert_all(data, "messages")
    assert out == data


def test_empty_text_deltas_are_skipped_not_dropped() -> None:
    data = messages_stream([text_block("", "a", "")], ping=False)
    out, report = convert_all(data, "completions")
    assert deltas_of(out) == ["a"]
    assert report.skipped_empty_deltas == 2
    assert not report.dropped


# -- truncated streams and errors ---------------------------------------------------------------


def truncated_tool_stream() -> bytes:
    tool = tool_block('{"loc', 'ation": "Pa')
    tool.stop = False
    return messages_stream([text_block("Checking."), tool], finished=False, ping=False)


@pytest.mark.parametrize("to", ["legacy", "completions", "messages"])
def test_truncated_tool_stream(to: str) -> None:
    data = truncated_tool_stream()
    out, report = convert_all(data, to)
    assert report.finished is False
    assert b"message_stop" not in out
    assert b"message_delta" not in out
    assert b"[DONE]" not in out
    if to == "messages":
        assert out == data  # visibly cut: no synthesized content_block_stop either
    elif to == "completions":
        assert deltas_of(out) == ["Checking."]
        assert all(p["stop_reason"] is None for p in payloads(out))
        assert report.dropped == {"tool_use": 1}
    else:
        assert [p["completion"] for p in payloads(out, None)] == ["Checking."]
        assert all(p["stop_reason"] is None for p in payloads(out, None))
    # strict: the cut is an error at close (a text-only cut stream, so nothing is dropped)
    text_only = b"".join(split_events(data)[:4])
    strict = Converter(to, mode="strict")
    assert strict.feed(text_only) == convert_all(text_only, to)[0]
    with pytest.raises(IncompleteStreamError) as info:
        strict.close()
    assert (info.value.dialect, info.value.offset) == ("messages", len(text_only))


def test_truncated_model_events() -> None:
    events = parse(truncated_tool_stream())
    assert not any(isinstance(e, (StreamStop, StreamEnd)) for e in events)
    assert [e.index for e in events if isinstance(e, BlockStop)] == [0]


def test_error_after_first_delta() -> None:
    events = messages_events(
        [text_block("Hi", " there")], ping=False, error=("overloaded_error", "Overloaded")
    )
    data = b"".join(events[:3]) + events[-1]
    model = parse(data)
    error = model[-1]
    assert isinstance(error, StreamError)
    assert (error.type, error.message) == ("overloaded_error", "Overloaded")
    assert error.event_number == 4
    assert error.offset == len(b"".join(events[:3]))
    out, report = convert_all(data, "messages")
    assert out == data
    assert report.finished
    out, report = convert_all(data, "legacy")
    final = payloads(out, None)[-1]
    assert (final["completion"], final["exception"]) == ("Hi", "overloaded_error: Overloaded")
    assert b"[DONE]" not in out
    out, report = convert_all(data, "completions")
    assert [e.event for e in events_of(out)] == ["completion", "error"]
    # nothing may follow the error
    later = b"".join(events[3:-1])
    with pytest.raises(sseconv.EventAfterEndError):
        convert_all(data + later, "completions")


# -- unknown events ---------------------------------------------------------------------------

UNKNOWN = (
    b'event: server_tool_progress\ndata: {"type":"server_tool_progress","index":1 ,"p":0.5}  \n\n'
)


def with_unknown() -> tuple[bytes, bytes]:
    events = messages_events([text_block("Hello", " you")])
    return b"".join(events[:4]) + UNKNOWN + b"".join(events[4:]), b"".join(events)


@pytest.mark.parametrize("to", ["messages", "completions"])
def test_unknown_event_passes_verbatim(to: str) -> None:
    data, plain = with_unknown()
    out, report = convert_all(data, to)
    assert UNKNOWN in out
    assert out.replace(UNKNOWN, b"") == convert_all(plain, to)[0]
    assert sum(report.passed_through.values()) == 1
    assert report.finished


def test_unknown_event_dropped_and_counted_for_legacy() -> None:
    data, plain = with_unknown()
    out, report = convert_all(data, "legacy", pings="drop")
    assert out == convert_all(plain, "legacy", pings="drop")[0]
    assert report.dropped["unknown:server_tool_progress"] == 1
    with pytest.raises(UnrepresentableError) as info:
        convert_all(data, "legacy", mode="strict")
    assert (info.value.event_number, info.value.offset) == (
        5,
        len(b"".join(split_events(data)[:4])),
    )


def test_unknown_delta_and_block_types() -> None:
    future = Block(
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search"},
        [{"type": "future_delta", "x": 1}],
    )
    data = messages_stream([text_block("A"), future, text_block("B")], ping=False)
    out, report = convert_all(data, "completions")
    assert deltas_of(out) == ["A", "B"]
    assert report.dropped == {"server_tool_use": 1}
    out, _ = convert_all(data, "messages")
    assert out == data


# -- messages → messages: verbatim --------------------------------------------------------------


def reshape(data: bytes, rng: random.Random) -> bytes:
    """The same stream with every payload's keys in a random order (recursively) and random
    spaces before the final brace and after separators, as the API may send."""
    out = []
    for event in split_events(data):
        lines = event.split(b"\n")
        for i, line in enumerate(lines):
            if line.startswith(b"data: {"):
                value = json.loads(line[6:])
                lines[i] = b"data: " + _shuffled(value, rng).encode() + b" " * rng.randint(0, 12)
        out.append(b"\n".join(lines))
    return b"".join(out)


def _shuffled(value: Any, rng: random.Random) -> str:
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        sep = rng.choice([",", ", "])
        colon = rng.choice([":", ": "])
        body = sep.join(f"{json.dumps(k)}{colon}{_shuffled(value[k], rng)}" for k in keys)
        return "{" + body + " " * rng.randint(0, 3) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_shuffled(v, rng) for v in value) + "]"
    return json.dumps(value, ensure_ascii=rng.random() < 0.5)


@st.composite
def messages_blocks(draw: st.DrawFn) -> list[Block]:
    text = st.text(
        st.one_of(
            st.sampled_from([*'"\\\n/ ', "é", "☕", "😀", "\u2028"]), st.characters(codec="utf-8")
        ),
        max_size=8,
    )
    blocks: list[Block] = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["text", "text", "tool_use", "thinking"]))
        parts = draw(st.lists(text, max_size=4))
        if kind == "text":
            blocks.append(text_block(*parts, citations=[CITATION] if draw(st.booleans()) else []))
        elif kind == "tool_use":
            blocks.append(tool_block(*parts))
        else:
            blocks.append(thinking_block(*parts))
    return blocks


@SETTINGS
@given(messages_blocks(), st.randoms(use_true_random=False), st.data())
def test_messages_to_messages_is_verbatim_under_any_chunking(
    blocks: list[Block], rng: random.Random, data: st.DataObject
) -> None:
    stream = reshape(messages_stream(blocks, stop_reason="end_turn"), rng)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    out, report = convert_all(chunks, "messages")
    assert out == stream
    assert report.finished
    out, _ = convert_all(chunks, "messages", source="messages")
    assert out == stream


def test_padding_fixture_verbatim() -> None:
    fixture = read_fixture(THINKING)
    for size in (1, 5, 33, len(fixture)):
        chunks = [fixture[i : i + size] for i in range(0, len(fixture), size)]
        assert convert_all(chunks, "messages")[0] == fixture


# -- messages → completions / legacy ----------------------------------------------------------


def interleaved() -> bytes:
    return messages_stream(
        [
            thinking_block("plan"),
            text_block("Let me check", " the weather."),
            tool_block('{"city":"Paris"}'),
            text_block(" It is", " sunny", citations=[CITATION]),
        ],
        stop_reason="tool_use",
        output_tokens=77,
    )


@pytest.mark.parametrize("to", ["completions", "legacy"])
def test_text_blocks_in_order_and_drops_counted(to: str) -> None:
    out, report = convert_all(interleaved(), to)
    assert text_of(out, to) == "Let me check the weather. It is sunny"
    assert report.dropped == {"thinking": 1, "tool_use": 1, "citations_delta": 1}
    assert report.usage == {"input_tokens": 11, "output_tokens": 77}
    warnings = "\n".join(report.warnings())
    assert "tool_use" in warnings
    assert "usage" in warnings
    if to == "completions":
        final = payloads(out)[-1]
        assert (final["completion"], final["stop_reason"], final["stop"]) == ("", "tool_use", None)
        assert final["id"] == final["log_id"] == MSG_ID
        assert final["model"] == "claude-sonnet-4-5"
        assert list(final) == ["type", "id", "completion", "stop_reason", "model", "stop", "log_id"]
    else:
        final = payloads(out, None)[-1]
        assert final["stop_reason"] == "tool_use"
        assert final["log_id"] == MSG_ID
        assert [e.data for e in events_of(out)][-1] == "[DONE]"


@pytest.mark.parametrize("to", ["completions", "legacy"])
def test_strict_mode_raises_for_dropped_content(to: str) -> None:
    data = interleaved()
    converter = Converter(to, mode="strict")
    with pytest.raises(UnrepresentableError) as info:
        converter.feed(data)
    exc = info.value
    # the thinking block's content_block_start is event 2
    assert (exc.dialect, exc.event_number, exc.offset) == ("messages", 2, offsets(data)[1])
    assert "thinking" in str(exc)
    only_text = messages_stream([text_block("a", "b")])
    _, report = convert_all(only_text, to, mode="strict")
    assert report.finished


@pytest.mark.parametrize(
    ("stop_reason", "stop_sequence", "expected"),
    [
        ("end_turn", None, ("stop_sequence", HUMAN)),
        ("stop_sequence", "END", ("stop_sequence", "END")),
        ("stop_sequence", HUMAN, ("stop_sequence", HUMAN)),
        ("max_tokens", None, ("max_tokens", None)),
        ("tool_use", None, ("tool_use", None)),
        ("pause_turn", None, ("pause_turn", None)),
        ("refusal", None, ("refusal", None)),
        ("some_future_reason", None, ("some_future_reason", None)),
    ],
)
@pytest.mark.parametrize("to", ["completions", "legacy"])
def test_stop_reason_mapping(
    stop_reason: str, stop_sequence: str | None, expected: tuple[str, str | None], to: str
) -> None:
    data = messages_stream([text_block("x")], stop_reason=stop_reason, stop_sequence=stop_sequence)
    out, report = convert_all(data, to)
    final = payloads(out, "completion" if to == "completions" else None)[-1]
    assert (final["stop_reason"], final["stop"]) == expected
    assert report.finished


@pytest.mark.parametrize("to", ["completions", "legacy"])
def test_text_delta_with_a_new_field_keeps_its_text(to: str) -> None:
    """SPEC §1: new optional fields may appear at any time; the text of text blocks is the
    completion text (§4), so an extra field on a text_delta must not lose the text."""
    block = text_block("Hello ")
    block.deltas.append({"type": "text_delta", "text": "world", "annotations": []})
    out, report = convert_all(messages_stream([block], ping=False), to)
    assert text_of(out, to) == "Hello world"
    assert not report.dropped


@pytest.mark.parametrize("to", ["completions", "legacy"])
def test_text_in_content_block_start_is_not_lost(to: str) -> None:
    """A text block may start with text (the SDK accumulates from content_block.text); that
    text is part of the completion, or at least it must not disappear without being counted."""
    block = Block({"type": "text", "text": "Pre: "}, [{"type": "text_delta", "text": "body"}])
    out, report = convert_all(messages_stream([block], ping=False), to)
    assert text_of(out, to) == "Pre: body" or sum(report.dropped.values()) > 0


# -- completions / legacy → messages ------------------------------------------------------------


@pytest.mark.parametrize(
    ("stop_reason", "stop", "expected"),
    [
        ("stop_sequence", HUMAN, ("end_turn", None)),
        ("stop_sequence", None, ("end_turn", None)),
        ("stop_sequence", "END", ("stop_sequence", "END")),
        ("stop_sequence", "\n\nUser:", ("stop_sequence", "\n\nUser:")),
        ("max_tokens", None, ("max_tokens", None)),
        ("a_new_reason", None, ("a_new_reason", None)),
    ],
)
@pytest.mark.parametrize("source", ["completions", "legacy"])
def test_reverse_stop_reason_mapping(
    stop_reason: str, stop: str | None, expected: tuple[str, str | None], source: str
) -> None:
    if source == "legacy":
        data = legacy_stream(["Hi"], stop_reason=stop_reason, stop=stop)
    else:
        data = completions_stream(["Hi"], stop_reason=stop_reason, stop=stop)
    out, report = convert_all(data, "messages")
    delta = payloads(out, "message_delta")[-1]["delta"]
    assert (delta["stop_reason"], delta["stop_sequence"]) == expected
    assert report.finished


@pytest.mark.parametrize("source", ["completions", "legacy"])
def test_synthesized_messages_stream_is_well_formed(source: str) -> None:
    tokens = ["Hello", "", ", ", "wörld", '"!"']
    if source == "legacy":
        data = legacy_stream(tokens, ping_after=2)
    else:
        data = completions_stream(tokens, ping_after=2)
    out, report = convert_all(data, "messages")
    events = events_of(out)
    names = [e.event for e in events]
    assert names == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    for event in events:
        payload = json.loads(event.data)
        assert payload["type"] == event.event  # the event name equals the payload's type
    start = json.loads(events[0].data)
    assert list(start) == ["type", "message"]
    message = start["message"]
    assert list(message) == [
        "id",
        "type",
        "role",
        "model",
        "content",
        "stop_reason",
        "stop_sequence",
        "usage",
    ]
    expected_id = (
        "f5d95cf326a4ac39ee36a35f434a59d5"
        if source == "legacy"
        else "compl_01TestTestTestTestTestTest"
    )
    assert message["id"] == expected_id
    assert message["model"] == ("claude-v1" if source == "legacy" else "claude-2.1")
    assert (message["type"], message["role"], message["content"]) == ("message", "assistant", [])
    assert message["usage"] == {"input_tokens": 0, "output_tokens": 0}
    assert json.loads(events[1].data) == {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "text", "text": ""},
    }
    texts = [p["delta"] for p in payloads(out, "content_block_delta")]
    assert texts == [{"type": "text_delta", "text": t} for t in tokens if t]
    assert all(p["index"] == 0 for p in payloads(out, "content_block_delta"))
    assert json.loads(events[3].data) == {"type": "ping"}
    assert events[3].data == PING_DATA
    # compact JSON for synthesized events (pings excepted)
    for event in events:
        if event.event != "ping":
            assert (
                json.dumps(json.loads(event.data), separators=(",", ":"), ensure_ascii=False)
                == event.data
            )
    assert report.finished


def test_completions_error_to_messages() -> None:
    data = completions_stream(["Hi"], error=("overloaded_error", "Overloaded"))
    out, report = convert_all(data, "messages")
    names = [e.event for e in events_of(out)]
    assert names[-1] == "error"
    assert "message_stop" not in names
    assert json.loads(events_of(out)[-1].data) == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    assert report.finished


# -- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        read_fixture(TEXT),
        read_fixture(TOOL_USE),
        read_fixture(THINKING),
        sse("ping", PING_DATA) + messages_stream([text_block("a")]),
        sse("ping", PING_DATA) * 3 + messages_stream([text_block("a")]),
        b'event: message_start\ndata: {"type":"message_start","message":{"id":"m"}}      \n\n',
        b'event: message_start\ndata:  {"message": {"id": "m"},   "type": "message_start"}\n\n',
        b"\xef\xbb\xbf" + messages_stream([text_block("a")]),
        messages_stream([text_block("a")]).replace(b"\n", b"\r\n"),
        messages_stream([text_block("a")]).replace(b"\n", b"\r"),
        b": comment\n\nevent: content_block_delta\ndata: {}\n\n",
        messages_stream([text_block("a")])[:40],  # cut inside the first event
    ],
)
def test_detect_messages(data: bytes) -> None:
    assert detect(data) is Dialect.MESSAGES


def test_detect_other_dialects_and_undecided() -> None:
    assert detect(read_fixture("legacy-2023-01-01-reconstructed.sse")) is Dialect.LEGACY
    assert detect(read_fixture("completions-2023-06-01-capture.sse")) is Dialect.COMPLETIONS
    assert detect(sse("ping", PING_DATA) + completions_stream(["a"])) is Dialect.COMPLETIONS
    assert detect(sse("ping", PING_DATA)) is None
    assert detect(b"") is None
    assert detect(b"\xff\xfe garbage") is None


def test_converter_detects_messages_after_leading_pings() -> None:
    data = sse("ping", PING_DATA) * 2 + messages_stream([text_block("Hi")])
    converter = Converter("messages")
    first = converter.feed(data[:20])
    assert first == b""  # a ping alone decides nothing: buffered
    rest = converter.feed(data[20:]) + converter.close()
    assert first + rest == data
    out, report = convert_all(data, "completions")
    assert report.source is Dialect.MESSAGES
    assert deltas_of(out) == ["Hi"]
    assert [e.event for e in events_of(out)][:2] == ["ping", "ping"]


# -- round trip through completions ---------------------------------------------------------------


@SETTINGS
@given(messages_blocks(), st.sampled_from(["end_turn", "max_tokens", "tool_use"]))
def test_messages_completions_messages_keeps_text(blocks: list[Block], stop_reason: str) -> None:
    data = messages_stream(blocks, stop_reason=stop_reason)
    expected = "".join(
        "".join(d["text"] for d in b.deltas if d["type"] == "text_delta")
        for b in blocks
        if b.type == "text"
    )
    completions, report = convert_all(data, "completions")
    assert "".join(deltas_of(completions)) == expected
    back, report = convert_all(completions, "messages")
    assert report.finished
    assert text_of(back, "messages") == expected
    delta = payloads(back, "message_delta")[-1]["delta"]
    assert delta["stop_reason"] == stop_reason
    legacy, _ = convert_all(data, "legacy")
    assert text_of(legacy, "legacy") == expected
    back, _ = convert_all(legacy, "messages")
    assert text_of(back, "messages") == expected


def test_usage_reported_with_message_start_only() -> None:
    start = message_start(usage={"input_tokens": 5, "output_tokens": 1, "service_tier": "standard"})
    data = messages_stream([text_block("a")], start=start, output_tokens=9)
    _, report = convert_all(data, "legacy")
    assert report.usage == {"input_tokens": 5, "output_tokens": 9, "service_tier": "standard"}
    _, report = convert_all(data, "messages")
    assert report.usage is None  # the target carries it


def test_event_name_must_match_payload_type() -> None:
    events = messages_events([text_block("a")], ping=False)
    bad = sse("content_block_delta", '{"type":"content_block_stop","index":0}')
    data = b"".join(events[:2]) + bad + b"".join(events[2:])
    with pytest.raises(sseconv.MalformedEventError) as info:
        convert_all(data, "completions")
    assert (info.value.event_number, info.value.offset) == (3, len(b"".join(events[:2])))
