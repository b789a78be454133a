"""The encoders' spliced fast paths write exactly the bytes of the general path (a payload
built as a dict and written with the project's JSON settings), and the stop-reason mapping."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sseconv
from sseconv import BlockStart, Ping, StreamEnd, StreamStart, StreamStop, TextDelta
from sseconv._codecs._stop import HUMAN_STOP, to_completion, to_messages
from sseconv._json import dump, to_bytes
from sseconv._options import Eol, Mode

PING = '{"type": "ping"}'

# Characters JSON and the line-splitting clients care about, mixed with any code point
# (lone surrogates included).
_SPECIAL = st.sampled_from(
    [
        *("</", "\u2028", "\u2029", "\x85", "\ud800", "\udfff", "\ud83d", "\ude00", '"', "\\"),
        *("\x00", "\x1f", "\x7f", "\n", "\r", "\t", "\u00e9", "\U0001f600", "\ufeff", "\uffff"),
    ]
)
TEXTS = st.lists(
    st.one_of(_SPECIAL, st.text(st.characters(exclude_categories=()), max_size=6)),
    min_size=1,
    max_size=8,
).map("".join)
EXTRAS = st.dictionaries(
    st.text(max_size=4).filter(lambda k: k not in ("type", "text")),
    st.one_of(st.none(), st.integers(), TEXTS),
    max_size=2,
)


def general_delta(eol: str, index: int, text: str, extra: dict[str, Any]) -> bytes:
    """A text delta as the Messages encoder wrote it before it spliced bytes."""
    delta = {"type": "text_delta", "text": text, **extra}
    payload = {"type": "content_block_delta", "index": index, "delta": delta}
    return to_bytes(f"event: content_block_delta{eol}data: {dump(payload)}{eol}{eol}")


@given(
    texts=st.lists(TEXTS, min_size=1, max_size=4),
    eol=st.sampled_from(["\n", "\r\n"]),
    index=st.integers(0, 1000),
    extra=EXTRAS,
    synthesized=st.booleans(),
)
def test_messages_text_delta_bytes_equal_the_general_path(
    texts: list[str], eol: Eol, index: int, extra: dict[str, Any], synthesized: bool
) -> None:
    encoder = sseconv.encoder_for("messages", eol=eol)
    message = {} if synthesized else {"id": "msg_1", "model": "m", "content": []}
    encoder.encode(StreamStart(id="msg_1", model="m", message=message))
    out = encoder.encode(BlockStart(index=index, block={"type": "text", "text": ""}))
    assert out.startswith(b"event: content_block_start")
    for text in texts:
        got = encoder.encode(TextDelta(index=index, text=text, extra=extra))
        written = {} if synthesized else extra  # a completion's fields have no place here
        assert got == general_delta(eol, index, text, written)
    assert encoder.report.events_out == 2 + len(texts)
    if synthesized and extra:
        assert sum(encoder.report.dropped_fields.values()) == len(extra) * len(texts)


@given(text=TEXTS, eol=st.sampled_from(["\n", "\r\n"]))
def test_messages_text_delta_opens_the_text_block(text: str, eol: Eol) -> None:
    """A completion source's first text opens the one text block, then the delta follows."""
    encoder = sseconv.encoder_for("messages", eol=eol)
    encoder.encode(StreamStart(id="cmpl_1", model="m"))
    got = encoder.encode(TextDelta(index=0, text=text))
    block = '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'
    start = f"event: content_block_start{eol}data: {block}{eol}{eol}".encode()
    assert got == start + general_delta(eol, 0, text, {})


@pytest.mark.parametrize(
    ("messages", "completion"),
    [
        (("end_turn", None), ("stop_sequence", HUMAN_STOP)),
        (("stop_sequence", "\n\nObservation:"), ("stop_sequence", "\n\nObservation:")),
        (("max_tokens", None), ("max_tokens", None)),
        (("tool_use", None), ("tool_use", None)),
    ],
)
def test_stop_reasons_map_both_ways(
    messages: tuple[str, str | None], completion: tuple[str, str | None]
) -> None:
    assert to_completion(*messages) == completion
    assert to_messages(*completion) == messages
    for to, want in (("completions", completion), ("legacy", completion)):
        out = sseconv.encode_events(
            [
                StreamStart(id="msg_1", model="m"),
                StreamStop(stop_reason=messages[0], stop_sequence=messages[1]),
            ],
            to,
        )
        assert dump(want[0]).encode() in out and f'"stop":{dump(want[1])}'.encode() in out


def test_a_completion_stop_without_a_sequence_is_a_turn_end() -> None:
    assert to_messages("stop_sequence", None) == ("end_turn", None)
    out = sseconv.encode_events(
        [StreamStart(id="cmpl_1", model="m"), StreamStop(stop_reason="stop_sequence")],
        "messages",
    )
    assert b'"delta":{"stop_reason":"end_turn","stop_sequence":null}' in out


@pytest.mark.parametrize(
    "options",
    [{"mode": "loose"}, {"eol": "\r"}, {"eol": "lf"}, {"pings": "keep-all"}, {"mdoe": "strict"}],
)
def test_encoder_for_refuses_bad_options(options: dict[str, Any]) -> None:
    with pytest.raises(sseconv.UsageError):
        sseconv.encoder_for("messages", **options)


def test_encoder_counts_in_the_report_given() -> None:
    report = sseconv.Report(target=sseconv.Dialect.COMPLETIONS)
    encoder = sseconv.encoder_for("completions", report=report, pings="drop")
    assert encoder.encode(Ping(data=PING)) == b""
    assert encoder.encode(TextDelta(text="hi")) != b""
    assert report.dropped["ping"] == 1
    assert report.events_out == 1


def test_strict_encoder_refuses_what_it_cannot_carry() -> None:
    encoder = sseconv.encoder_for("completions", mode="strict")
    with pytest.raises(sseconv.UnrepresentableError):
        encoder.encode(BlockStart(index=1, block={"type": "tool_use"}, event_number=3))
    lenient = sseconv.encoder_for("completions")
    assert lenient.encode(BlockStart(index=1, block={"type": "tool_use"})) == b""
    assert lenient.report.dropped["tool_use"] == 1


@given(
    texts=st.lists(TEXTS, min_size=1, max_size=4),
    eol=st.sampled_from(["\n", "\r\n"]),
    ident=st.one_of(st.none(), TEXTS),
    model=st.one_of(st.none(), TEXTS),
)
def test_completion_text_deltas_bytes_equal_the_general_path(
    texts: list[str], eol: Eol, ident: str | None, model: str | None
) -> None:
    """The completion dialects splice their text into pre-built bytes too: the same bytes as
    the whole payload written with the project's JSON settings."""
    completions = sseconv.encoder_for("completions", eol=eol)
    legacy = sseconv.encoder_for("legacy", eol=eol)
    start = StreamStart(id=ident, log_id=ident, model=model)
    assert completions.encode(start) == legacy.encode(start) == b""
    so_far = ""
    for text in texts:
        so_far += text
        payload: dict[str, Any] = {"type": "completion", "id": ident, "completion": text}
        payload.update(stop_reason=None)
        payload.update(model=model, stop=None, log_id=ident)
        want = to_bytes(f"event: completion{eol}data: {dump(payload)}{eol}{eol}")
        assert completions.encode(TextDelta(text=text)) == want
        payload = {"completion": so_far, "stop": None, "stop_reason": None, "truncated": False}
        payload.update(log_id=ident, model=model, exception=None)
        assert legacy.encode(TextDelta(text=text)) == to_bytes(f"data: {dump(payload)}{eol}{eol}")


REASONS = st.sampled_from(["end_turn", "stop_sequence", "max_tokens", "tool_use", "refusal"])
SEQUENCES = st.one_of(st.none(), st.just(HUMAN_STOP), st.text(max_size=8))


@given(reason=REASONS, sequence=SEQUENCES)
def test_stop_reasons_round_trip(reason: str, sequence: str | None) -> None:
    """A turn's end survives both ways; every other pair passes unchanged."""
    there = to_completion(reason, sequence)
    back = to_messages(*there)
    if reason == "end_turn" or (reason == "stop_sequence" and sequence in (None, HUMAN_STOP)):
        assert back == ("end_turn", None)
        assert to_completion("end_turn", back[1]) == ("stop_sequence", HUMAN_STOP)
    else:
        assert there == back == (reason, sequence)


@pytest.mark.parametrize("to", ["legacy", "completions", "messages"])
@pytest.mark.parametrize("mode", ["default", "strict"])
def test_a_text_written_from_its_fields_is_the_text_delta_written(to: str, mode: Mode) -> None:
    """A conversion writes a text from the fields its decoder read (``Encoder.texts``), without
    making the model event: the same bytes, counts and errors as ``encode(TextDelta)``, before
    the stream's start, with fields that have no place, and after the final event."""
    events = [
        TextDelta(text="first"),
        StreamStart(id="msg_1", model="m"),
        TextDelta(text='a "quoted"\nline \u2028 \ud800'),
        TextDelta(index=0, text="é", extra={"x": 1}),
        StreamStop(stop_reason="end_turn"),
        StreamEnd(),
        TextDelta(text="late", event_number=9, offset=90),
    ]
    by_event = sseconv.encoder_for(to, mode=mode)
    by_fields = sseconv.encoder_for(to, mode=mode)
    for event in events:
        outcomes: list[object] = []
        for encoder in (by_event, by_fields):
            try:
                if isinstance(event, TextDelta) and encoder is by_fields:
                    outcomes.append(encoder.texts(vars(event)))
                else:
                    outcomes.append(encoder.encode(event))
            except sseconv.UnrepresentableError as exc:
                outcomes.append((exc.event_number, exc.offset, str(exc)))
        assert outcomes[0] == outcomes[1], event
    assert by_event.report == by_fields.report
    assert by_fields.report.events_out > 0
    if mode == "default":
        assert by_fields.report.dropped["TextDelta_after_end"] == 1
