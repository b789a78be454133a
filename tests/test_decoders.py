"""The decoders as state machines (issue #13), in the style of h2's state-machine tests.

* Totality: every state × every input event kind either is a transition of the dialect's state
  table (the decoder moves to the state the table says) or raises our :class:`InputError` with
  the event's position, leaving the decoder as it was.
* Properties over the fixtures and mutations of them: a decoder that raised ``InputError`` is
  unchanged (so lenient mode can go on), and :meth:`Decoder.check` (used by same-dialect
  conversions, which write the input verbatim) raises exactly where :meth:`Decoder.decode`
  does, says the kind of event ``decode`` makes, and leaves the decoder in the same state.
* Spacing: input written with ``json.dumps``' default spacing decodes like compact input and
  takes the same fast paths.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sseconv import (
    EventAfterEndError,
    InputError,
    MalformedEventError,
    ServerSentEvent,
    SSEParser,
    parse_events,
)
from sseconv._codecs import DECODERS, Decoder
from sseconv._codecs._base import _MAKE
from sseconv._codecs._completions import CompletionsDecoder
from sseconv._codecs._legacy import LegacyDecoder
from sseconv._codecs._messages import MessagesDecoder
from sseconv._dialect import Dialect
from sseconv._events import TextDelta
from sseconv._report import Report

FIXTURES = Path(__file__).parent / "fixtures"
NUMBER, OFFSET = 7, 123  # the position every sample event carries


def event(name: str | None, data: Any, *, number: int = NUMBER) -> ServerSentEvent:
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return ServerSentEvent(name, text, offset=OFFSET, number=number)


def legacy(text: str, **fields: Any) -> ServerSentEvent:
    payload: dict[str, Any] = {"completion": text, "stop": None, "stop_reason": None}
    payload["truncated"] = False
    payload.update(log_id="log1", model="claude-v1", exception=None)
    return event(None, {**payload, **fields})


def completion(text: str, stop_reason: str | None = None) -> ServerSentEvent:
    payload: dict[str, Any] = {"type": "completion", "id": "compl_1", "completion": text}
    payload.update(stop_reason=stop_reason, model="claude-2", stop=None, log_id="compl_1")
    return event("completion", payload)


def messages(name: str, **fields: Any) -> ServerSentEvent:
    return event(name, {"type": name, **fields})


PING = event("ping", {"type": "ping"})
ERROR = event("error", {"type": "error", "error": {"type": "overloaded_error", "message": "O"}})
DONE = event(None, "[DONE]")
DONE_EVENT = event("done", "[DONE]")
FUTURE = event("future", {"type": "future"})
DATA_ONLY = event(None, {"type": "whatever"})

# Per dialect: the paths that reach each state, and samples of every input kind with the input
# the decoder names it and the input its payload carries besides (a stop reason, an exception).
LEGACY_PATHS: dict[str, list[ServerSentEvent]] = {
    "START": [],
    "OPEN": [legacy(" Hi")],
    "STOPPED": [legacy(" Hi", stop_reason="stop_sequence", stop="\n\nHuman:")],
    "ERRORED": [legacy(" Hi", exception="overloaded_error: busy")],
    "ENDED": [legacy(" Hi", stop_reason="max_tokens"), DONE],
}
LEGACY_SAMPLES: list[tuple[ServerSentEvent, str, str | None]] = [
    (legacy(" Hi there"), "completion", None),
    (legacy(" Hi"), "completion", None),  # (no new text: counted, nothing made)
    (legacy(" Hi there", stop_reason="stop_sequence", stop="\n\nHuman:"), "completion", "stop"),
    (legacy(" Hi there", exception="api_error: oops"), "completion", "exception"),
    (DONE, "done", None),
    (event("ping", "2023-04-28 21:18:31.866238"), "ping", None),
    (FUTURE, "other", None),
    (DONE_EVENT, "other", None),
]
COMPLETIONS_PATHS = {
    "START": [],
    "OPEN": [completion(" Hi")],
    "ENDED": [completion(" Hi"), completion("", "stop_sequence")],
}
COMPLETIONS_SAMPLES: list[tuple[ServerSentEvent, str, str | None]] = [
    (completion(" there"), "completion", None),
    (completion(""), "completion", None),
    (completion("", "stop_sequence"), "completion", "stop"),
    (completion("!", "max_tokens"), "completion", "stop"),
    (PING, "ping", None),
    (ERROR, "error", None),
    (DONE, "done", None),
    (DONE_EVENT, "done", None),
    (FUTURE, "other", None),
    (DATA_ONLY, "other", None),
]
TEXT_BLOCK = {"type": "text", "text": ""}
MESSAGE = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-3"}
MESSAGES_OPEN = [
    messages("message_start", message=MESSAGE),
    messages("content_block_start", index=0, content_block=TEXT_BLOCK),
]
STOP_DELTA = messages("message_delta", delta={"stop_reason": "end_turn", "stop_sequence": None})
MESSAGES_PATHS = {
    "START": [],
    "OPEN": MESSAGES_OPEN,
    "STOPPED": [*MESSAGES_OPEN, STOP_DELTA],
    "ENDED": [*MESSAGES_OPEN, STOP_DELTA, messages("message_stop")],
}
TEXT_DELTA = {"type": "text_delta", "text": " Hi"}
MESSAGES_SAMPLES: list[tuple[ServerSentEvent, str, str | None]] = [
    (messages("message_start", message=MESSAGE), "message_start", None),
    (
        messages("content_block_start", index=1, content_block=TEXT_BLOCK),
        "content_block_start",
        None,
    ),
    (messages("content_block_delta", index=0, delta=TEXT_DELTA), "content_block_delta", None),
    (
        messages("content_block_delta", index=0, delta={"type": "input_json_delta"}),
        "content_block_delta",
        None,
    ),
    (messages("content_block_stop", index=0), "content_block_stop", None),
    (STOP_DELTA, "message_delta", "stop"),
    (messages("message_delta", delta={"stop_reason": None}, usage={}), "message_delta", None),
    (messages("message_stop"), "message_stop", None),
    (PING, "ping", None),
    (ERROR, "error", None),
    (DONE, "done", None),
    (DONE_EVENT, "done", None),
    (FUTURE, "other", None),
    (DATA_ONLY, "other", None),
]
# What each state does with each sample above, in the samples' order: the state after it, or
# the error (A: EventAfterEndError, M: MalformedEventError). Written out by hand, as a spec that
# the tables must agree with.
LEGACY_EXPECTED = {
    "START": "OPEN OPEN STOPPED ERRORED M START START START",
    "OPEN": "OPEN OPEN STOPPED ERRORED M OPEN OPEN OPEN",
    "STOPPED": "A A A A ENDED STOPPED STOPPED STOPPED",
    "ERRORED": "A A A A ENDED ERRORED ERRORED ERRORED",
    "ENDED": "A A A A A A A A",
}
COMPLETIONS_EXPECTED = {
    "START": "OPEN OPEN ENDED ENDED START ENDED START START START START",
    "OPEN": "OPEN OPEN ENDED ENDED OPEN ENDED OPEN OPEN OPEN OPEN",
    "ENDED": "A A A A A A ENDED ENDED A A",
}
MESSAGES_EXPECTED = {
    "START": "OPEN M M M M M M M START ENDED START START START START",
    "OPEN": "M OPEN OPEN OPEN OPEN STOPPED OPEN M OPEN ENDED OPEN OPEN OPEN OPEN",
    "STOPPED": "M M M M M STOPPED STOPPED ENDED STOPPED ENDED STOPPED STOPPED STOPPED STOPPED",
    "ENDED": "A A A A A A A A A A ENDED ENDED A A",
}
EXPECTED = {
    LegacyDecoder: LEGACY_EXPECTED,
    CompletionsDecoder: COMPLETIONS_EXPECTED,
    MessagesDecoder: MESSAGES_EXPECTED,
}
ERRORS = {"A": EventAfterEndError, "M": MalformedEventError}
MACHINES: dict[type[Decoder], tuple[dict[str, list[ServerSentEvent]], list[Any]]] = {
    LegacyDecoder: (LEGACY_PATHS, LEGACY_SAMPLES),
    CompletionsDecoder: (COMPLETIONS_PATHS, COMPLETIONS_SAMPLES),
    MessagesDecoder: (MESSAGES_PATHS, MESSAGES_SAMPLES),
}
CELLS = [
    pytest.param(
        cls, state, sample, EXPECTED[cls][state].split()[i], id=f"{cls.dialect}-{state}-{i}"
    )
    for cls, (paths, samples) in MACHINES.items()
    for state in paths
    for i, sample in enumerate(samples)
]


def snapshot(decoder: Decoder) -> dict[str, Any]:
    """Everything a decoder holds, deep-copied (the report too)."""
    return copy.deepcopy(vars(decoder))


def reach(cls: type[Decoder], state: str) -> Decoder:
    decoder = cls()
    for number, sse in enumerate(MACHINES[cls][0][state], 1):
        decoder.decode(ServerSentEvent(sse.event, sse.data, offset=number * 10, number=number))
    assert decoder.state.name == state
    return decoder


def test_the_tables_name_every_state_and_input() -> None:
    for cls, (paths, samples) in MACHINES.items():
        states = {state.name for state in type(cls.start)}
        assert set(paths) == states == set(EXPECTED[cls])
        assert {len(row.split()) for row in EXPECTED[cls].values()} == {len(samples)}
        inputs = {kind for _, kind, _ in samples} | {more for _, _, more in samples if more}
        assert {kind for _, kind in cls.table} == inputs, cls
        assert {state.name for state, _ in cls.table} <= states
        assert set(cls.handlers) == {kind for _, kind, _ in samples}
        assert DECODERS[cls.dialect] is cls


@pytest.mark.parametrize(("cls", "state", "sample", "expected"), CELLS)
def test_every_state_and_input_is_a_transition_or_our_error(
    cls: type[Decoder], state: str, sample: tuple[ServerSentEvent, str, str | None], expected: str
) -> None:
    sse, kind, more = sample
    decoder = reach(cls, state)
    assert decoder.input(sse) == kind
    before = snapshot(decoder)
    after = cls.table.get((decoder.state, kind))
    if after is None:  # refused by the table
        with pytest.raises(InputError) as caught:
            decoder.decode(sse)
        error = caught.value
        assert type(error) is ERRORS[expected]
        assert (error.dialect, error.event_number, error.offset) == (
            cls.dialect.value,
            NUMBER,
            OFFSET,
        )
        assert snapshot(decoder) == before
        return
    if more is not None:
        after = cls.table[after, more]  # (a follow-up input is a transition from every state)
    decoded = decoder.decode(sse)
    assert decoder.state is after
    assert after.name == expected
    assert decoder.finished is (after in cls.ends)
    assert all((e.event_number, e.offset) == (NUMBER, OFFSET) for e in decoded)


BAD_TEXT = {"type": "text_delta", "text": 5}
BAD_EVENTS = [
    (MessagesDecoder, "OPEN", messages("content_block_delta", index=0, x=1, delta=BAD_TEXT)),
    (MessagesDecoder, "OPEN", messages("content_block_delta", index=3, x=1, delta=TEXT_DELTA)),
    (MessagesDecoder, "OPEN", messages("content_block_start", index=0, x=1, content_block={})),
    (MessagesDecoder, "OPEN", messages("content_block_stop", index=9, x=1)),
    (MessagesDecoder, "OPEN", messages("message_delta", x=1, delta={"stop_reason": 5})),
    (MessagesDecoder, "START", messages("message_start", x=1, message=[])),
    (MessagesDecoder, "OPEN", event("message_delta", {"type": "message_stop", "x": 1})),
    (MessagesDecoder, "OPEN", event("error", {"type": "error", "error": "busy"})),
    (MessagesDecoder, "START", event("content_block_delta", "{")),
    (LegacyDecoder, "OPEN", legacy(" Hx there", x_1=1)),
    (LegacyDecoder, "OPEN", legacy(" Hi there", stop_reason=5, x_1=1)),
    (LegacyDecoder, "OPEN", event(None, '{"completion":" Hi there", "x": }')),
    (LegacyDecoder, "OPEN", event(None, '{"completion":5}')),
    (LegacyDecoder, "START", event("completion", {"completion": "a 2023-06-01 payload"})),
    (CompletionsDecoder, "OPEN", event("completion", {"completion": 5, "x": 1})),
    (CompletionsDecoder, "OPEN", event("completion", {"type": "x", "completion": "a"})),
    (CompletionsDecoder, "OPEN", event("completion", {"completion": "a", "model": 5, "x": 1})),
    (CompletionsDecoder, "START", event("completion", '{"completion":"a","stop":}')),
    (CompletionsDecoder, "OPEN", event("message_start", {"type": "message_start"})),
]


@pytest.mark.parametrize(("cls", "state", "sse"), BAD_EVENTS)
def test_a_bad_event_changes_nothing(cls: type[Decoder], state: str, sse: ServerSentEvent) -> None:
    for target in Dialect:  # (the fields with no place are counted for other targets)
        decoder = reach(cls, state)
        decoder.report = Report(target=target)
        before = snapshot(decoder)
        with pytest.raises(InputError) as caught:
            decoder.decode(sse)
        assert (caught.value.event_number, caught.value.offset) == (NUMBER, OFFSET)
        assert snapshot(decoder) == before
        with pytest.raises(type(caught.value), match=re.escape(caught.value.message)):
            decoder.check(sse)
        assert snapshot(decoder) == before


# -- properties over the fixtures and mutations of them -----------------------------------------


def fixture_streams() -> dict[Dialect, list[list[ServerSentEvent]]]:
    out: dict[Dialect, list[list[ServerSentEvent]]] = {d: [] for d in Dialect}
    for path in sorted(FIXTURES.glob("*.sse")):
        parser = SSEParser()
        events = parser.feed(path.read_bytes()) + parser.close()
        out[Dialect.parse(path.name.split("-")[0])].append(events)
    return out


FIXTURE_STREAMS = fixture_streams()
SAMPLES = [sse for _, samples in MACHINES.values() for sse, _, _ in samples]
VALUES: list[Any] = [None, 0, -1, 1.5, True, "", "x", [], {}, {"type": "text"}, "[DONE]"]
VALUE = st.sampled_from(VALUES).map(copy.deepcopy)  # (a mutation may change it in place)


def paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths of every value inside ``value`` (itself included)."""
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += paths(item, (*path, index))
    return out


@st.composite
def mutated(draw: st.DrawFn, payload: Any) -> str:
    """``payload`` (JSON) with one to three values replaced, keys removed or added, written
    compact or with ``json.dumps``' default spacing."""
    payload = copy.deepcopy(payload)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(payload)))
        if not path:
            payload = draw(VALUE)
            continue
        parent = payload
        for step in path[:-1]:
            parent = parent[step]
        op = draw(st.integers(0, 2))
        if op == 1 and isinstance(parent, dict):
            del parent[path[-1]]
        elif op == 2 and isinstance(parent, dict):
            parent[f"x_{draw(st.integers(0, 3))}"] = draw(VALUE)
        else:
            parent[path[-1]] = draw(VALUE)
    spaced = draw(st.booleans())
    return json.dumps(payload, separators=(", ", ": ") if spaced else (",", ":"))


@st.composite
def streams(draw: st.DrawFn, dialect: Dialect) -> list[ServerSentEvent]:
    """A fixture stream of ``dialect`` with some events mutated, moved, repeated or dropped, and
    samples of every dialect inserted; numbered from 1."""
    events = list(draw(st.sampled_from(FIXTURE_STREAMS[dialect])))
    for _ in range(draw(st.integers(0, 4))):
        if not events:
            break
        i = draw(st.integers(0, len(events) - 1))
        op = draw(st.integers(0, 5))
        if op == 5:  # a field the model does not know, in every payload (a newer server)
            value = draw(VALUE)
            events = [with_field(sse, "x_new", value) for sse in events]
        elif op == 0:
            try:
                payload = json.loads(events[i].data)
            except ValueError:
                continue
            events[i] = ServerSentEvent(events[i].event, draw(mutated(payload)))
        elif op == 1:
            events.insert(i, draw(st.sampled_from(SAMPLES)))
        elif op == 2:
            events.insert(draw(st.integers(0, len(events))), events[i])
        elif op == 3:
            del events[i]
        else:
            events[i] = ServerSentEvent(events[i].event, events[i].data[: draw(st.integers(0, 30))])
    return [
        ServerSentEvent(sse.event, sse.data, offset=number * 100, number=number)
        for number, sse in enumerate(events, 1)
    ]


def with_field(sse: ServerSentEvent, key: str, value: Any) -> ServerSentEvent:
    try:
        payload = json.loads(sse.data)
    except ValueError:
        return sse
    if not isinstance(payload, dict):
        return sse
    return ServerSentEvent(sse.event, json.dumps({**payload, key: value}, ensure_ascii=False))


def by_steps(decoder: Decoder, sse: ServerSentEvent) -> list[Any]:
    """What ``decode`` makes, through the state table only (never the quick way)."""
    return [_MAKE[kind](fields) for kind, fields in decoder.step(sse)]


def outcome(call: Any, sse: ServerSentEvent) -> tuple[str, Any]:
    try:
        return "ok", call(sse)
    except InputError as exc:
        return "error", (type(exc), exc.message, exc.dialect, exc.event_number, exc.offset)


@pytest.mark.parametrize("dialect", list(Dialect), ids=str)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_decoder_that_raised_is_unchanged_and_check_and_step_agree_with_decode(
    dialect: Dialect, data: st.DataObject
) -> None:
    events = data.draw(streams(dialect))
    for target in (dialect, Dialect.LEGACY if dialect is not Dialect.LEGACY else Dialect.MESSAGES):
        decoding = DECODERS[dialect](Report(target=target))
        checking = DECODERS[dialect](Report(target=target))
        stepping = DECODERS[dialect](Report(target=target))  # (never the quick way of text())
        for sse in events:
            before = snapshot(decoding)
            decoded = outcome(decoding.decode, sse)
            checked = outcome(checking.check, sse)
            stepped = outcome(functools.partial(by_steps, stepping), sse)
            assert stepped == decoded, sse
            if decoded[0] == "error":
                assert snapshot(decoding) == before, sse
                assert checked == decoded, sse
            else:
                made = decoded[1]
                assert checked == ("ok", type(made[0]) if made else None), sse
                assert all((e.event_number, e.offset) == (sse.number, sse.offset) for e in made)
            assert snapshot(checking) == snapshot(decoding) == snapshot(stepping), sse


# -- spacing --------------------------------------------------------------------------------


def respaced(sse: ServerSentEvent) -> ServerSentEvent:
    try:
        payload = json.loads(sse.data)
    except ValueError:
        return sse
    return ServerSentEvent(sse.event, json.dumps(payload, ensure_ascii=False), number=sse.number)


SPACING_CASES = [
    pytest.param(dialect, i, id=f"{dialect}-{i}")
    for dialect, streams in FIXTURE_STREAMS.items()
    for i, stream in enumerate(streams)
    if sum('":"' in sse.data for sse in stream) > 3  # (compact JSON, to be respaced)
]


@pytest.mark.parametrize(("dialect", "i"), SPACING_CASES)
def test_spaced_input_decodes_like_compact_input_on_the_fast_path(
    dialect: Dialect, i: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = [
        ServerSentEvent(sse.event, sse.data, number=n)
        for n, sse in enumerate(FIXTURE_STREAMS[dialect][i], 1)
    ]
    loads: list[int | None] = []  # the numbers of the events whose payload was loaded
    load = Decoder.load

    def counted(self: Decoder, sse: ServerSentEvent, what: str, data: str | None = None) -> Any:
        loads.append(sse.number)
        return load(self, sse, what, data)

    monkeypatch.setattr(Decoder, "load", counted)
    results = []
    spaced_events = [respaced(sse) for sse in events]
    assert sum(a.data != b.data for a, b in zip(events, spaced_events, strict=True)) > 3
    for stream in (events, spaced_events):
        decoder = DECODERS[dialect]()
        made = [e for sse in stream for e in decoder.decode(sse)]
        results.append((made, list(loads)))
        loads.clear()
    (compact, compact_loads), (spaced, spaced_loads) = results
    assert spaced == compact
    assert spaced_loads == compact_loads  # the same paths: the fast ones where compact has them
    texts = [e.event_number for e in compact if type(e).__name__ == "TextDelta"]
    assert len(set(texts) - set(compact_loads)) >= len(texts) - 2  # (a first and a last one)


ODD_SPACING = [
    ' {\n "type" :"content_block_delta" ,"index":\t0, "delta" : '
    '{"type":"text_delta","text": "%s" } }',
    '{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "%s"}}  ',
    '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"%s"}\r\n}',
]


@pytest.mark.parametrize("layout", ODD_SPACING)
@pytest.mark.parametrize("text", [" plain", ' \\"escaped\\n\\u00e9'])
def test_text_deltas_in_any_spacing_are_read_without_loading_the_payload(
    layout: str, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoder = reach(MessagesDecoder, "OPEN")
    monkeypatch.setattr(Decoder, "load", None)  # (any call fails)
    sse = event("content_block_delta", layout % text)
    (delta,) = decoder.decode(sse)
    assert delta == TextDelta(text=json.loads(f'"{text}"'), event_number=NUMBER, offset=OFFSET)
    assert decoder.check(sse) is TextDelta


def test_a_nested_completion_key_never_stands_for_the_top_level_text() -> None:
    """The completions decoder remembers the JSON around the text of a payload; a nested
    ``"completion"`` string met first (equal to the top-level one) must not be taken for it,
    or a later payload changing only the nested string would read as text."""

    def completion(extra: str, text: str) -> bytes:
        payload = {"extra": {"completion": extra}, "completion": text, "type": "completion"}
        return b"event: completion\ndata: " + json.dumps(payload).encode() + b"\n\n"

    stream = completion("", "") + completion("X", "") + completion("X", "Hi")
    events = list(parse_events(stream, source="completions"))
    assert [event.text for event in events if isinstance(event, TextDelta)] == ["Hi"]
