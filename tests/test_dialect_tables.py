"""One table per dialect of ``(wire bytes, model events)``, driving both directions.

Each row is a short stream, one step per SSE event: the bytes of the event and the model events
it decodes to (h11's ``SIMPLE_CASES`` idea). A row asserts, through the public API only:

* decoding: ``parse_events(wire, source=dialect)`` gives the steps' events, whole and fed one
  byte at a time, each carrying the position of the event it came from (``event_number``
  counts the SSE events from 1, ``offset`` is the byte where the event starts);
* encoding: ``encode_events(events, to=dialect)`` gives the wire bytes back, and an encoder fed
  step by step writes each step's bytes (``written`` says what it writes when the input was
  not in the encoder's own form: another spacing, a stray ``[DONE]``, an event the dialect
  cannot carry).

Every row runs with LF and with CRLF line ends (``eol="\\r\\n"`` on the encoding side).
Events are compared without their positions (those are checked separately), so a table event
is written as the user would build it: ``TextDelta(text=" Hi")``.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal, NamedTuple

import pytest

import sseconv
from sseconv import (
    BlockDelta,
    BlockStart,
    BlockStop,
    Done,
    ModelEvent,
    Ping,
    StreamEnd,
    StreamError,
    StreamStart,
    StreamStop,
    TextDelta,
    Unknown,
)

HUMAN = "\n\nHuman:"
Eol = Literal["\n", "\r\n"]


class Step(NamedTuple):
    """One SSE event on the wire and the model events it decodes to; ``written`` is what the
    encoder writes for those events when it is not ``wire`` itself."""

    wire: bytes
    events: list[ModelEvent]
    written: bytes | None = None

    @property
    def output(self) -> bytes:
        return self.wire if self.written is None else self.written


class Row(NamedTuple):
    name: str
    steps: list[Step]


def both(wire: bytes, *events: ModelEvent) -> Step:
    """A step that reads and writes the same bytes."""
    return Step(wire, list(events))


def read(wire: bytes, *events: ModelEvent, written: bytes = b"") -> Step:
    """A step that decodes to ``events``, which the encoder writes as ``written``."""
    return Step(wire, list(events), written)


# -- legacy (2023-01-01): data-only, the whole completion so far in each event ----------------


def legacy(text: str, *, stop: str = "null", reason: str = "null", more: str = "") -> bytes:
    """A legacy event in the server's key order (``stop``/``reason``/``more`` as JSON)."""
    return (
        f'data: {{"completion":"{text}","stop":{stop},"stop_reason":{reason},"truncated":false,'
        f'"log_id":"L1","model":"claude-v1"{more}}}\n\n'
    ).encode()


def legacy_event(text: str, **fields: str) -> bytes:
    """``legacy`` with ``"exception":null`` closing the keys, as the server writes them."""
    more = fields.pop("more", "")
    return legacy(text, more=',"exception":null' + more, **fields)


L_START = StreamStart(id="L1", model="claude-v1", log_id="L1")
L_FIRST = both(legacy_event(" Hello"), L_START, TextDelta(text=" Hello"))
L_STOP = both(
    legacy_event(" Hello", stop='"\\n\\nHuman:"', reason='"stop_sequence"'),
    StreamStop(stop_reason="stop_sequence", stop_sequence=HUMAN),
)
L_DONE = both(b"data: [DONE]\n\n", StreamEnd())
L_PING = both(
    b"event: ping\ndata: 2023-04-28 21:18:31.866238\n\n", Ping(data="2023-04-28 21:18:31.866238")
)
NO_LOG_ID = b'data: {"completion":" Hi","stop":null,"stop_reason":null,"model":"claude-v1"}\n\n'
NO_LOG_ID_WRITTEN = (
    b'data: {"completion":" Hi","stop":null,"stop_reason":null,"truncated":false,'
    b'"log_id":null,"model":"claude-v1","exception":null}\n\n'
)

LEGACY = [
    Row("first event: stream start and text", [L_FIRST]),
    Row(
        "text deltas from the cumulative completion",
        [L_FIRST, both(legacy_event(" Hello world"), TextDelta(text=" world"))],
    ),
    Row(
        "stop reason, then [DONE]",
        [L_FIRST, L_STOP, L_DONE],
    ),
    Row(
        "max_tokens without a stop sequence",
        [
            L_FIRST,
            both(
                legacy_event(" Hello", reason='"max_tokens"'),
                StreamStop(stop_reason="max_tokens"),
            ),
            L_DONE,
        ],
    ),
    Row(
        "text and stop reason in one event: written as two",
        [
            L_FIRST,
            read(
                legacy_event(" Hello world", stop='"\\n\\nHuman:"', reason='"stop_sequence"'),
                TextDelta(text=" world"),
                StreamStop(stop_reason="stop_sequence", stop_sequence=HUMAN),
                written=legacy_event(" Hello world")
                + legacy_event(" Hello world", stop='"\\n\\nHuman:"', reason='"stop_sequence"'),
            ),
        ],
    ),
    Row("pings keep their timestamps", [L_PING, L_FIRST, L_PING, L_STOP, L_PING, L_DONE]),
    Row(
        "an exception ends the stream",
        [
            L_FIRST,
            both(
                legacy(" Hello", more=',"exception":"overloaded_error: Overloaded"'),
                StreamError(type="overloaded_error", message="Overloaded"),
            ),
        ],
    ),
    Row(
        "an exception without a type is an api_error",
        [
            L_FIRST,
            read(
                legacy(" Hello", more=',"exception":"Something broke"'),
                StreamError(type="api_error", message="Something broke"),
                written=legacy(" Hello", more=',"exception":"api_error: Something broke"'),
            ),
        ],
    ),
    Row(
        "unknown fields are kept, after the known ones",
        [
            both(
                legacy_event(" Hi", more=',"future":[1,2]'),
                L_START,
                TextDelta(text=" Hi", extra={"future": [1, 2]}),
            )
        ],
    ),
    Row(
        "escaped and non-ASCII text (U+2028 written escaped)",
        [
            both(
                legacy_event('\\"Ol\u00e1\\"\\n'),
                L_START,
                TextDelta(text='"Ol\u00e1"\n'),
            ),
            both(legacy_event('\\"Ol\u00e1\\"\\n\\u2028'), TextDelta(text="\u2028")),
        ],
    ),
    Row(
        "no log_id: a fallback id from the first event",
        [
            read(
                NO_LOG_ID,
                StreamStart(
                    model="claude-v1",
                    fallback_id="msg_" + hashlib.sha256(NO_LOG_ID[6:-2]).hexdigest()[:24],
                ),
                TextDelta(text=" Hi"),
                written=NO_LOG_ID_WRITTEN,
            )
        ],
    ),
    Row(
        "an empty first completion starts the stream and writes nothing",
        [read(legacy_event(""), L_START), both(legacy_event(" Hi"), TextDelta(text=" Hi"))],
    ),
    Row(
        "JSON with spaces (json.dumps' default) reads the same",
        [
            read(
                b'data: {"completion": " Hello", "stop": null, "stop_reason": null, '
                b'"truncated": false, "log_id": "L1", "model": "claude-v1", '
                b'"exception": null}\n\n',
                L_START,
                TextDelta(text=" Hello"),
                written=legacy_event(" Hello"),
            )
        ],
    ),
    Row(
        "an unknown named event is read, and has no place in legacy",
        [L_FIRST, read(b"event: debug\ndata: x\n\n", Unknown(event="debug", data="x"))],
    ),
]


# -- completions (2023-06-01): named events with the new text ---------------------------------


def completion(text: str, *, reason: str = "null", stop: str = "null", more: str = "") -> bytes:
    return (
        f'event: completion\ndata: {{"type":"completion","id":"compl_1","completion":"{text}",'
        f'"stop_reason":{reason},"model":"claude-2.1","stop":{stop},"log_id":"compl_1"{more}}}'
        "\n\n"
    ).encode()


C_START = StreamStart(id="compl_1", model="claude-2.1", log_id="compl_1")
C_FIRST = both(completion(" Hello"), C_START, TextDelta(text=" Hello"))
C_FINAL = both(
    completion("", reason='"stop_sequence"', stop='"\\n\\nHuman:"'),
    StreamStop(stop_reason="stop_sequence", stop_sequence=HUMAN),
    StreamEnd(),
)
C_PING = both(b'event: ping\ndata: {"type": "ping"}\n\n', Ping(data='{"type": "ping"}'))
OVERLOADED = b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
C_ERROR = both(
    b"event: error\ndata: " + OVERLOADED + b"\n\n",
    StreamError(type="overloaded_error", message="Overloaded"),
)

COMPLETIONS = [
    Row("first event: stream start and text", [C_FIRST]),
    Row("text deltas", [C_FIRST, both(completion(" world"), TextDelta(text=" world"))]),
    Row("the final event: stop reason and end", [C_FIRST, C_FINAL]),
    Row(
        "max_tokens",
        [
            C_FIRST,
            both(
                completion("", reason='"max_tokens"'),
                StreamStop(stop_reason="max_tokens"),
                StreamEnd(),
            ),
        ],
    ),
    Row(
        "text in the final event: written as two events",
        [
            read(
                completion(" Hi", reason='"stop_sequence"', stop='"\\n\\nHuman:"'),
                C_START,
                TextDelta(text=" Hi"),
                StreamStop(stop_reason="stop_sequence", stop_sequence=HUMAN),
                StreamEnd(),
                written=completion(" Hi")
                + completion("", reason='"stop_sequence"', stop='"\\n\\nHuman:"'),
            )
        ],
    ),
    Row("pings", [C_PING, C_FIRST, C_PING, C_FINAL]),
    Row("an error ends the stream", [C_FIRST, C_ERROR]),
    Row("an error as the only event", [C_ERROR]),
    Row(
        "an error's other fields are kept",
        [
            both(
                b"event: error\ndata: "
                b'{"type":"error","error":{"type":"api_error","message":"m","code":7},'
                b'"request_id":"req_1"}\n\n',
                StreamError(
                    type="api_error", message="m", extra={"code": 7}, outer={"request_id": "req_1"}
                ),
            )
        ],
    ),
    Row(
        "the older error form, without the top-level type",
        [
            read(
                b'event: error\ndata: {"error": {"type": "overloaded_error", '
                b'"message": "Overloaded"}}\n\n',
                StreamError(type="overloaded_error", message="Overloaded"),
                written=C_ERROR.wire,
            )
        ],
    ),
    Row(
        "unknown events pass through",
        [
            C_FIRST,
            both(
                b'event: future\ndata: {"type":"future","n":1}\n\n',
                Unknown(event="future", data='{"type":"future","n":1}'),
            ),
            both(b"data: hello\n\n", Unknown(event=None, data="hello")),
            C_FINAL,
        ],
    ),
    Row(
        "unknown fields are kept, after the known ones",
        [
            both(
                completion(" Hi", more=',"future":{"a":null}'),
                C_START,
                TextDelta(text=" Hi", extra={"future": {"a": None}}),
            )
        ],
    ),
    Row(
        "a stray [DONE] (or event: done) is read and removed",
        [
            C_FIRST,
            C_FINAL,
            read(b"data: [DONE]\n\n", Done()),
            read(b"event: done\ndata: [DONE]\n\n", Done()),
        ],
    ),
    Row(
        "the first payloads had no type and id",
        [
            read(
                b'event: completion\ndata: {"completion":" Hi","stop_reason":null,'
                b'"model":"claude-2","stop":null,"log_id":"L2"}\n\n',
                StreamStart(model="claude-2", log_id="L2"),
                TextDelta(text=" Hi"),
                written=b'event: completion\ndata: {"type":"completion","id":"L2",'
                b'"completion":" Hi","stop_reason":null,"model":"claude-2","stop":null,'
                b'"log_id":"L2"}\n\n',
            )
        ],
    ),
    Row(
        "JSON with spaces reads the same",
        [
            C_FIRST,
            read(
                b'event: completion\ndata: {"type": "completion", "id": "compl_1", '
                b'"completion": " world", "stop_reason": null, "model": "claude-2.1", '
                b'"stop": null, "log_id": "compl_1"}\n\n',
                TextDelta(text=" world"),
                written=completion(" world"),
            ),
        ],
    ),
    Row(
        "an empty delta writes nothing",
        [C_FIRST, read(completion(""), written=b""), C_FINAL],
    ),
]


# -- messages: one named event per payload type ------------------------------------------------


def message(name: str, data: str) -> bytes:
    return f"event: {name}\ndata: {data}\n\n".encode()


MESSAGE: dict[str, Any] = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5",
    "content": [],
    "stop_reason": None,
    "stop_sequence": None,
    "usage": {"input_tokens": 10, "output_tokens": 1},
}
M_START = both(
    message(
        "message_start",
        '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",'
        '"model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,'
        '"usage":{"input_tokens":10,"output_tokens":1}}}',
    ),
    StreamStart(id="msg_1", model="claude-sonnet-4-5", message=MESSAGE),
)


def block_start(index: int, block: str, parsed: dict[str, Any]) -> Step:
    data = f'{{"type":"content_block_start","index":{index},"content_block":{block}}}'
    return both(message("content_block_start", data), BlockStart(index=index, block=parsed))


def delta(index: int, delta: str, event: ModelEvent) -> Step:
    data = f'{{"type":"content_block_delta","index":{index},"delta":{delta}}}'
    return both(message("content_block_delta", data), event)


def block_stop(index: int) -> Step:
    data = f'{{"type":"content_block_stop","index":{index}}}'
    return both(message("content_block_stop", data), BlockStop(index=index))


M_TEXT = block_start(0, '{"type":"text","text":""}', {"type": "text", "text": ""})
M_HELLO = delta(0, '{"type":"text_delta","text":"Hello"}', TextDelta(text="Hello"))
M_STOP = both(
    message(
        "message_delta",
        '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},'
        '"usage":{"output_tokens":15}}',
    ),
    StreamStop(stop_reason="end_turn", usage={"output_tokens": 15}),
)
M_END = both(message("message_stop", '{"type":"message_stop"}'), StreamEnd())
M_PING = both(message("ping", '{"type": "ping"}'), Ping(data='{"type": "ping"}'))
M_ERROR = both(
    message("error", OVERLOADED.decode()),
    StreamError(type="overloaded_error", message="Overloaded"),
)

MESSAGES = [
    Row("message_start", [M_START]),
    Row("a text block", [M_START, M_TEXT, M_HELLO, block_stop(0)]),
    Row("a whole stream", [M_START, M_TEXT, M_HELLO, block_stop(0), M_STOP, M_END]),
    Row(
        "a tool use block: its deltas are block deltas",
        [
            M_START,
            block_start(
                0,
                '{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}',
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}},
            ),
            delta(
                0,
                '{"type":"input_json_delta","partial_json":"{\\"city\\":"}',
                BlockDelta(index=0, delta={"type": "input_json_delta", "partial_json": '{"city":'}),
            ),
            block_stop(0),
            both(
                message(
                    "message_delta",
                    '{"type":"message_delta","delta":{"stop_reason":"tool_use",'
                    '"stop_sequence":null},"usage":{"output_tokens":40}}',
                ),
                StreamStop(stop_reason="tool_use", usage={"output_tokens": 40}),
            ),
            M_END,
        ],
    ),
    Row(
        "thinking, then text at index 1",
        [
            M_START,
            block_start(
                0,
                '{"type":"thinking","thinking":"","signature":""}',
                {"type": "thinking", "thinking": "", "signature": ""},
            ),
            delta(
                0,
                '{"type":"thinking_delta","thinking":"Hmm."}',
                BlockDelta(index=0, delta={"type": "thinking_delta", "thinking": "Hmm."}),
            ),
            delta(
                0,
                '{"type":"signature_delta","signature":"c2ln"}',
                BlockDelta(index=0, delta={"type": "signature_delta", "signature": "c2ln"}),
            ),
            block_stop(0),
            block_start(1, '{"type":"text","text":""}', {"type": "text", "text": ""}),
            delta(1, '{"type":"text_delta","text":"Yes."}', TextDelta(index=1, text="Yes.")),
            block_stop(1),
        ],
    ),
    Row(
        "a stop sequence, stop details, and a usage update",
        [
            M_START,
            both(
                message(
                    "message_delta",
                    '{"type":"message_delta","delta":{"stop_reason":null,"stop_sequence":null},'
                    '"usage":{"output_tokens":3}}',
                ),
                StreamStop(usage={"output_tokens": 3}),
            ),
            both(
                message(
                    "message_delta",
                    '{"type":"message_delta","delta":{"stop_reason":"stop_sequence",'
                    '"stop_sequence":"END","stop_details":{"k":1}},"usage":{"output_tokens":4}}',
                ),
                StreamStop(
                    stop_reason="stop_sequence",
                    stop_sequence="END",
                    usage={"output_tokens": 4},
                    details={"stop_details": {"k": 1}},
                ),
            ),
            M_END,
        ],
    ),
    Row(
        "message_stop's other fields are kept",
        [
            M_START,
            M_STOP,
            both(
                message(
                    "message_stop",
                    '{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":10}}',
                ),
                StreamEnd(extra={"amazon-bedrock-invocationMetrics": {"inputTokenCount": 10}}),
            ),
        ],
    ),
    Row(
        "a text delta's other fields are kept",
        [
            M_START,
            M_TEXT,
            delta(
                0,
                '{"type":"text_delta","text":"Hi","future":true}',
                TextDelta(text="Hi", extra={"future": True}),
            ),
        ],
    ),
    Row("pings, anywhere", [M_PING, M_START, M_PING, M_TEXT, M_PING, M_HELLO, M_PING]),
    Row("an error ends the stream", [M_START, M_TEXT, M_HELLO, M_ERROR]),
    Row(
        "unknown events pass through",
        [
            M_START,
            both(
                message("future_event", '{"type":"future_event"}'),
                Unknown(event="future_event", data='{"type":"future_event"}'),
            ),
            M_TEXT,
            M_HELLO,
        ],
    ),
    Row(
        "a stray [DONE] is read and removed",
        [M_START, M_STOP, M_END, read(b"data: [DONE]\n\n", Done())],
    ),
    Row(
        "an empty text delta writes nothing",
        [
            M_START,
            M_TEXT,
            read(
                message(
                    "content_block_delta",
                    '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}',
                )
            ),
            M_HELLO,
        ],
    ),
    Row(
        "JSON with spaces reads the same",
        [
            M_START,
            M_TEXT,
            read(
                message(
                    "content_block_delta",
                    '{"type": "content_block_delta", "index": 0, '
                    '"delta": {"type": "text_delta", "text": "Hello"}}',
                ),
                TextDelta(text="Hello"),
                written=M_HELLO.wire,
            ),
            read(
                message("ping", '{"type":"ping"}'),
                Ping(data='{"type":"ping"}'),
                written=M_PING.wire,
            ),
        ],
    ),
]

TABLES = {"legacy": LEGACY, "completions": COMPLETIONS, "messages": MESSAGES}
CASES = [
    pytest.param(dialect, row, id=f"{dialect}: {row.name}")
    for dialect, rows in TABLES.items()
    for row in rows
]
EOLS = [pytest.param("\n", id="lf"), pytest.param("\r\n", id="crlf")]


# -- the tests ---------------------------------------------------------------------------------


def crlf(data: bytes, eol: str) -> bytes:
    """``data`` with line ends ``eol`` (a line end inside the table's data is JSON-escaped)."""
    return data.replace(b"\n", eol.encode())


def without_position(event: ModelEvent) -> tuple[type[ModelEvent], dict[str, Any]]:
    return type(event), event.model_dump(exclude={"event_number", "offset"})


def expected(row: Row, eol: str) -> tuple[bytes, list[Any], list[tuple[int, int]]]:
    """The row's wire bytes, its events (without positions) and each event's position."""
    wire, events, positions = b"", [], []
    for number, step in enumerate(row.steps, 1):
        events += [without_position(event) for event in step.events]
        positions += [(number, len(wire))] * len(step.events)
        wire += crlf(step.wire, eol)
    return wire, events, positions


@pytest.mark.parametrize("eol", EOLS)
@pytest.mark.parametrize(("dialect", "row"), CASES)
def test_decode(dialect: str, row: Row, eol: Eol) -> None:
    wire, events, positions = expected(row, eol)
    for chunks in ([wire], [wire[i : i + 1] for i in range(len(wire))]):
        decoded = list(sseconv.parse_events(chunks, source=dialect))
        assert [without_position(e) for e in decoded] == events
        assert [(e.event_number, e.offset) for e in decoded] == positions


@pytest.mark.parametrize("eol", EOLS)
@pytest.mark.parametrize(("dialect", "row"), CASES)
def test_encode(dialect: str, row: Row, eol: Eol) -> None:
    events = [event for step in row.steps for event in step.events]
    output = [crlf(step.output, eol) for step in row.steps]
    assert sseconv.encode_events(events, to=dialect, eol=eol) == b"".join(output)
    encoder = sseconv.encoder_for(dialect, eol=eol)
    assert [b"".join(encoder.encode(e) for e in step.events) for step in row.steps] == output


COMPLETION_KINDS: set[type[ModelEvent]] = {
    StreamStart,
    TextDelta,
    StreamStop,
    StreamEnd,
    Ping,
    StreamError,
    Unknown,
}
KINDS: dict[str, set[type[ModelEvent]]] = {
    # legacy's [DONE] is its end; the completion dialects have no content blocks
    "legacy": COMPLETION_KINDS,
    "completions": COMPLETION_KINDS | {Done},
    "messages": set(ModelEvent.__subclasses__()),
}


@pytest.mark.parametrize("dialect", TABLES)
def test_every_event_kind_of_the_dialect_is_in_its_table(dialect: str) -> None:
    rows = TABLES[dialect]
    kinds = {type(e) for row in rows for step in row.steps for e in step.events}
    assert kinds == KINDS[dialect]
    assert len(KINDS["messages"]) == 11  # every model event class


def test_row_names_are_unique() -> None:
    for rows in TABLES.values():
        names = [row.name for row in rows]
        assert len(set(names)) == len(names)
