"""Every output validates in its dialect, and nothing is dropped without being counted
(issue #10 items 6–12): one regression test per hole, each failing on the code before the fix.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from compat import read_messages
from streams import (
    HUMAN,
    completions_event,
    completions_stream,
    convert_all,
    events_of,
    legacy_done,
    legacy_event,
    legacy_ping,
    legacy_stream,
    messages_events,
    messages_stream,
    mevent,
    payloads,
    split_events,
    sse,
    text_block,
)

import sseconv
from sseconv import MalformedEventError, UnrepresentableError

DIALECTS = ("legacy", "completions", "messages")
PING = b'event: ping\ndata: {"type": "ping"}\n\n'


def problems(output: bytes, dialect: str) -> list[str]:
    """Every problem (warnings included) of ``output`` read as ``dialect``."""
    return [str(p) for p in sseconv.validate([output], source=dialect)]


def assert_valid(output: bytes, dialect: str) -> None:
    assert problems(output, dialect) == [], output


def names(output: bytes) -> list[str | None]:
    return [e.event for e in events_of(output)]


def fed_per_event(data: bytes, to: str, **options: Any) -> list[bytes]:
    """The output of each ``feed`` when ``data`` is fed one input event at a time."""
    converter = sseconv.Converter(to, **options)
    outs = [converter.feed(event) for event in split_events(data)]
    outs[-1] += converter.close()
    return outs


# -- item 6: pings and late events after the final event ---------------------------------------


def legacy_ping_before_done() -> bytes:
    stop = legacy_event(" Hi", stop=HUMAN, stop_reason="stop_sequence")
    return legacy_event(" Hi") + stop + legacy_ping() + legacy_done()


def messages_ping_before_stop() -> bytes:
    events = messages_events([text_block(" Hi")], ping=False)
    return b"".join(events[:-1]) + PING + events[-1]


@pytest.mark.parametrize("build", [legacy_ping_before_done, messages_ping_before_stop])
def test_ping_after_the_final_event_is_dropped_and_counted(build: Any) -> None:
    data = build()
    assert sseconv.validate([data]) == []
    out, report = convert_all(data, "completions")
    assert_valid(out, "completions")
    assert names(out)[-1] == "completion"
    assert report.dropped == {"ping_after_end": 1}
    assert any("ping_after_end" in line for line in report.warnings())
    # The final event is not delayed: the feed of the event with the stop reason writes it.
    outs = fed_per_event(data, "completions")
    stop_at = next(i for i, e in enumerate(split_events(data)) if b'"stop_reason":"' in e)
    assert b'"stop_reason":"stop_sequence"' in outs[stop_at]
    # The other targets carry the ping where it was.
    for to in ("legacy", "messages"):
        out, report = convert_all(data, to)
        assert_valid(out, to)
        assert "ping" in names(out) and report.dropped == {}


def test_message_stop_without_message_delta_is_malformed() -> None:
    events = messages_events([text_block(" Hi")], ping=False)
    data = b"".join(events[:-2]) + events[-1]  # no message_delta
    found = sseconv.validate([data])
    assert [(p.severity, p.event_number) for p in found] == [("error", 5), ("error", 6)]
    assert "expected a message_delta with the stop reason, found message_stop" in str(found[0])
    for to in DIALECTS:
        with pytest.raises(MalformedEventError) as info:
            convert_all(data, to)
        assert (info.value.event_number, info.value.offset) == (5, len(b"".join(events[:-2])))
        out, report = convert_all(data, to, mode="lenient")
        assert (report.malformed, report.malformed_dropped, report.finished) == (1, 1, False)
        assert b"message_stop" not in out and b"[DONE]" not in out
        assert b'"stop_reason":"' not in out  # no final event either


def test_several_message_deltas_give_one_final_event() -> None:
    events = messages_events([text_block(" Hi")], ping=False, output_tokens=3)
    later = mevent(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 5},
        }
    )
    data = b"".join(events[:-1]) + later + events[-1]
    assert sseconv.validate([data]) == []
    for to in ("legacy", "completions"):
        out, report = convert_all(data, to)
        assert_valid(out, to)
        final = [p for p in payloads(out, None if to == "legacy" else "completion")]
        assert [p["stop_reason"] for p in final].count("stop_sequence") == 1
        assert report.usage == {"input_tokens": 11, "output_tokens": 5}  # the later usage
        assert report.dropped == {}
    out, _ = convert_all(data, "messages")
    assert out == data


def test_a_later_message_delta_with_another_stop_reason_is_counted() -> None:
    events = messages_events([text_block(" Hi")], ping=False)
    later = mevent(
        {"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, "usage": {}},
    )
    data = b"".join(events[:-1]) + later + events[-1]
    for to in ("legacy", "completions"):
        out, report = convert_all(data, to)
        assert_valid(out, to)
        assert report.dropped == {"message_delta": 1}
        with pytest.raises(UnrepresentableError):
            convert_all(data, to, mode="strict")


def test_message_delta_without_a_stop_reason_writes_no_final_event() -> None:
    events = messages_events([text_block(" Hi")], ping=False)
    update = mevent({"type": "message_delta", "delta": {"stop_reason": None}, "usage": {"x": 1}})
    data = b"".join(events[:-2]) + update + b"".join(events[-2:])
    assert sseconv.validate([data]) == []
    for to in ("legacy", "completions"):
        out, report = convert_all(data, to)
        assert_valid(out, to)
        assert report.usage is not None and report.usage["x"] == 1
    cut = b"".join(events[:-2]) + update + events[-1]  # a usage update is no stop reason
    assert [p.event_number for p in sseconv.validate([cut])] == [6, 7]


def test_an_error_after_the_stop_reason_is_dropped_where_nothing_may_follow() -> None:
    events = messages_events([text_block(" Hi")], ping=False)
    error = mevent({"type": "error", "error": {"type": "overloaded_error", "message": "O"}})
    data = b"".join(events[:-1]) + error
    assert sseconv.validate([data]) == []
    for to in ("legacy", "completions"):
        out, report = convert_all(data, to)
        assert_valid(out, to)  # legacy: [DONE] ends it, as the message was complete
        assert report.dropped == {"error_after_end": 1} and report.finished
        with pytest.raises(UnrepresentableError):
            convert_all(data, to, mode="strict")
    out, _ = convert_all(data, "messages")
    assert out == data


def test_pings_and_unknown_events_after_a_legacy_exception_are_not_written() -> None:
    data = (
        legacy_event(" Hi")
        + legacy_event(" Hi", exception="overloaded_error: Overloaded")
        + legacy_ping()
        + sse("future", "{}", eol="\r\n")
        + legacy_done()
    )
    assert sseconv.validate([data]) == []
    for to in ("completions", "messages"):
        out, report = convert_all(data, to)
        assert_valid(out, to)
        assert names(out)[-1] == "error"
        assert report.dropped == {"ping_after_end": 1, "unknown:future": 1}
    out, report = convert_all(data, "legacy")
    assert out == data.replace(sse("future", "{}", eol="\r\n"), b"")  # legacy drops unknowns


# -- item 7: lenient passthrough never writes what the target rejects -------------------------


def test_lenient_wrong_source_does_not_write_another_dialects_events() -> None:
    data = messages_stream([text_block(" Hi")])
    for source in ("completions", "legacy"):
        for to in DIALECTS:
            out, report = convert_all(data, to, source=source, mode="lenient")
            found = problems(out, to) if out else []
            assert all(p.startswith("expected the stream to finish") for p in found), found
            assert b"message_" not in out
            assert report.malformed == report.malformed_dropped > 0
            assert not report.finished


@pytest.mark.parametrize("to", ["completions", "messages"])
def test_unknown_events_the_target_defines_or_after_its_end_are_dropped(to: str) -> None:
    error = sse("error", '{"type":"error","error":{"type":"x","message":"y"}}', eol="\r\n")
    data = (
        legacy_event(" Hi")
        + error  # legacy has no error event: unknown there, but an error in the target
        + legacy_event(" Hi", stop=HUMAN, stop_reason="stop_sequence")
        + sse("future", "{}", eol="\r\n")  # after the stop: after the end of completions
        + legacy_done()
    )
    assert sseconv.validate([data]) == []
    for mode in ("default", "lenient"):
        out, report = convert_all(data, to, mode=mode)
        assert_valid(out, to)
        assert report.finished
        assert b'"x"' not in out
        assert report.dropped["unknown:error"] == 1
        if to == "completions":
            assert report.dropped["unknown:future"] == 1
        else:  # Messages carries it before message_stop
            assert report.passed_through == {"future": 1}
    with pytest.raises(UnrepresentableError):
        convert_all(data, to, mode="strict")


def test_lenient_malformed_events_pass_only_as_unknown_events_of_the_target() -> None:
    bad_future = b"event: future\ndata: {oops\n\n"  # unknown everywhere: carried
    bad_completion = b"event: completion\ndata: {oops\n\n"  # a completions event: not carried
    data = completions_event(" Hi") + bad_future + bad_completion + completions_stream([])
    out, report = convert_all(data, "messages", mode="lenient")
    assert_valid(out, "messages")
    assert bad_future in out and bad_completion not in out
    assert (report.malformed, report.malformed_dropped) == (1, 1)
    assert report.passed_through == {"future": 1}


# -- item 8: a cut event is never written and always reported ---------------------------------


@pytest.mark.parametrize("to", DIALECTS)
def test_a_head_line_without_its_event_is_not_written_and_is_reported(to: str) -> None:
    events = messages_events([text_block(" Hi")], ping=False)
    data = b"".join(events[:-1]) + b": keep-alive\n\n" + b"event: message_stop\n"
    out, report = convert_all(data, to)
    assert b"message_stop" not in out
    assert report.incomplete_block and not report.finished
    assert "input incomplete: the stream did not finish (it ended inside an event)" in (
        report.warnings()
    )
    if to == "messages":
        assert out == b"".join(events[:-1]) + b": keep-alive\n\n"


@pytest.mark.parametrize("to", DIALECTS)
def test_a_cut_event_after_a_finished_stream_is_reported(to: str) -> None:
    data = messages_stream([text_block(" Hi")])
    out, report = convert_all(data + b"event: ping\n", to, pings="drop")
    assert out == convert_all(data, to, pings="drop")[0]
    assert report.finished and report.incomplete_block


def test_comments_before_a_cut_data_line_are_written() -> None:
    events = messages_events([text_block(" Hi")], ping=False)
    head = b"".join(events[:-1]) + b": keep-alive\n\n"
    out, report = convert_all(head + b'event: message_stop\ndata: {"type":"mess', "messages")
    assert out == head and report.incomplete_block


def test_a_trailing_comment_after_a_finished_stream_is_written() -> None:
    data = messages_stream([text_block(" Hi")]) + b": bye\n\n"
    out, report = convert_all(data, "messages")
    assert out == data and not report.incomplete_block


# -- item 9: the `event: done` trailer ----------------------------------------------------------


@pytest.mark.parametrize("source", ["messages", "completions"])
def test_event_done_trailer_is_removed_and_counted(source: str) -> None:
    trailer = b"event: done\ndata: [DONE]\n\n"
    body = (
        messages_stream([text_block(" Hi")]) if source == "messages" else completions_stream(["a"])
    )
    data = body + trailer
    found = sseconv.validate([data])
    assert [p.severity for p in found] == ["warning"]
    for to in DIALECTS:
        out, report = convert_all(data, to)
        assert report.removed_done == 1 and report.finished
        assert_valid(out, to)
    assert convert_all(data, source)[0] == body


# -- item 10: nothing dropped without being counted -------------------------------------------


def test_messages_fields_without_a_place_are_counted() -> None:
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "m",
            "content": [{"type": "text", "text": "Pre"}],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 0},
            "container": {"id": "c1"},
        },
    }
    events = [
        mevent(start),
        mevent(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": "", "citations": []},
            }
        ),
        mevent(
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "!"},
                "x_top": 1,
            }
        ),
        mevent({"type": "content_block_stop", "index": 0, "x_stop": 1}),
        mevent(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None, "stop_details": {}},
                "usage": {"output_tokens": 2},
            }
        ),
        mevent({"type": "message_stop", "amazon-bedrock-invocationMetrics": {"n": 1}}),
    ]
    data = b"".join(events)
    for to in ("legacy", "completions"):
        out, report = convert_all(data, to)
        assert_valid(out, to)
        assert dict(report.dropped_fields) == {
            "message_start.message.container": 1,
            "content_block_start.content_block.citations": 1,
            "content_block_delta.x_top": 1,
            "content_block_stop.x_stop": 1,
            "message_delta.delta.stop_details": 1,
            "message_stop.amazon-bedrock-invocationMetrics": 1,
        }
        assert any(line.startswith("dropped fields ") for line in report.warnings())
        # the text of message_start's content is text
        texts = [p["completion"] for p in payloads(out, None if to == "legacy" else "completion")]
        assert (texts[-1] if to == "legacy" else "".join(texts)) == "Pre!"
    # A Messages conversion keeps them all (verbatim); the model events carry all but the
    # top-level fields of a content_block_delta (no model field holds them).
    assert convert_all(data, "messages")[0] == data
    out = sseconv.encode_events(sseconv.parse_events([data]), "messages")
    expected = [json.loads(e.data) for e in events_of(data)]
    del expected[2]["x_top"]
    assert [json.loads(e.data) for e in events_of(out)] == expected


def test_error_request_id_follows_the_known_fields() -> None:
    head = messages_events([text_block("Hi")], ping=False)[:3]
    error = sse(
        "error",
        '{"type":"error","error":{"type":"overloaded_error","message":"O"},"request_id":"req_1"}',
    )
    data = b"".join(head) + error
    out, _ = convert_all(data, "completions")
    assert events_of(out)[-1].data == (
        '{"type":"error","error":{"type":"overloaded_error","message":"O"},"request_id":"req_1"}'
    )
    out, _ = convert_all(data, "legacy")
    last = payloads(out, None)[-1]
    assert list(last)[-2:] == ["exception", "request_id"] and last["request_id"] == "req_1"
    assert_valid(out, "legacy")


def test_legacy_exception_keeps_its_stop_reason() -> None:
    data = legacy_event(" Hi") + legacy_event(
        " Hi!", stop_reason="max_tokens", exception="api_error: boom"
    )
    out, report = convert_all(data, "completions")
    assert_valid(out, "completions")
    assert report.dropped_fields == {"completion.stop_reason": 1}
    assert convert_all(data, "legacy")[0] == data
    round_trip, _ = convert_all(out, "legacy")
    assert payloads(round_trip, None)[-1]["stop_reason"] is None  # the completions error has none


def test_extra_fields_that_would_repeat_a_known_key_are_counted() -> None:
    # A completions payload with a field called "exception" would write it twice in legacy.
    payload = '{"type":"completion","completion":" Hi","stop_reason":null,"exception":1}'
    data = sse("completion", payload) + completions_stream([])
    out, report = convert_all(data, "legacy")
    assert_valid(out, "legacy")
    assert report.dropped_fields == {"completion.exception": 1}


# -- items 11 and 12: Messages output that today's SDK accepts -----------------------------------


@pytest.mark.parametrize("source", ["legacy", "completions"])
def test_empty_completion_gives_one_empty_text_block(source: str) -> None:
    data = legacy_stream([]) if source == "legacy" else completions_stream([])
    out, _ = convert_all(data, "messages")
    assert_valid(out, "messages")
    assert names(out) == [
        "message_start",
        "content_block_start",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    result = read_messages(out)
    assert result["error"] is None
    assert result["content"] == [{"type": "text", "text": ""}]
    assert result["text"] == ""


@pytest.mark.parametrize("source", ["legacy", "completions"])
def test_source_without_id_gets_a_reproducible_string_id(source: str) -> None:
    if source == "legacy":
        data = legacy_stream([" Hi"], log_id=None)
    else:
        data = completions_stream([" Hi"], id=None)
    out, _ = convert_all(data, "messages")
    message = json.loads(events_of(out)[0].data)["message"]
    first = events_of(data)[0].data.encode()
    assert message["id"] == "msg_" + hashlib.sha256(first).hexdigest()[:24]
    assert convert_all(data, "messages")[0] == out  # the same every time
    other = data.replace(b" Hi", b" Ho")
    assert (
        json.loads(events_of(convert_all(other, "messages")[0])[0].data)["message"]["id"]
        != (message["id"])
    )
    result = read_messages(out)
    assert result["error"] is None and result["id"] == message["id"]
    # the other targets keep the missing id missing (SPEC §4)
    for to in ("legacy", "completions"):
        if to != source:
            first_out = payloads(convert_all(data, to)[0], None if to == "legacy" else "completion")
            assert first_out[0]["log_id"] is None


def test_validate_warns_of_lines_cut_after_the_last_event() -> None:
    data = messages_stream([text_block(" Hi")])
    found = sseconv.validate([data + b"event: ping\n"])
    assert [(p.severity, p.offset) for p in found] == [("warning", len(data))]
    assert "expected a blank line after the last lines" in found[0].message


def test_extra_fields_never_replace_a_messages_payload_type() -> None:
    # (found by the mutation fuzz) a completions payload read as legacy in lenient mode: its
    # "type" is an unknown legacy field, which must not become message_delta's "type".
    final = sse(
        None,
        '{"type":"completion","completion":" Hi","stop_reason":"stop_sequence","stop":null}',
    )
    data = legacy_event(" Hi", eol="\n") + final + legacy_done(eol="\n")
    out, report = convert_all(data, "messages", source="legacy")
    assert_valid(out, "messages")
    assert report.dropped_fields == {"completion.type": 1}


def test_legacy_completions_follows_the_same_end_rules() -> None:
    events = messages_events([text_block(" Hi")], ping=False)
    later = mevent({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {}})
    error = mevent({"type": "error", "error": {"type": "overloaded_error", "message": "O"}})
    data = b"".join(events[:-1]) + later + error
    dicts = list(sseconv.legacy_completions(data))
    assert [(d["completion"], d["stop_reason"], d["exception"]) for d in dicts] == [
        (" Hi", None, None),
        (" Hi", "stop_sequence", None),
    ]
    legacy, _ = convert_all(data, "legacy")
    assert dicts == payloads(legacy, None)
