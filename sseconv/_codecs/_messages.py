"""The ``messages`` dialect (``POST /v1/messages``).

Wire form: named events whose name equals the payload's ``type``: ``message_start``, then per
content block ``content_block_start``, any number of ``content_block_delta`` and (unless the
stream was cut) ``content_block_stop``, then ``message_delta`` (stop reason, cumulative usage)
and ``message_stop``; ``ping`` and ``error`` may come at any point; new event types may appear
at any time and pass through as :class:`Unknown`.

Decoder states (inputs: the six event names above, ``ping``, ``error``, a stray ``[DONE]``
(``done``), any other event (``other``), and the stop reason of a ``message_delta`` (``stop``))::

    START ──message_start──▶ OPEN ──stop──▶ STOPPED ──message_stop──▶ ENDED
                             content_block_*, message_delta: OPEN
                                              message_delta: STOPPED
    START, OPEN, STOPPED ──error──▶ ENDED
    ping, other: the same state (before ENDED); done: the same state (any state)

The API sends one or more ``message_delta`` events, the first with the stop reason (it is
null only in ``message_start``); ``message_stop`` before a ``message_delta`` that gave a stop
reason is malformed (no dialect could write a finished stream from it). A ``message_delta``
without a stop reason (a usage update) leaves the state where it was.
"""

from __future__ import annotations

import re
from json.encoder import encode_basestring
from typing import Any, ClassVar

from .._detect import MESSAGES_EVENTS
from .._dialect import Dialect
from .._errors import InputError
from .._events import (
    BlockDelta,
    BlockStart,
    BlockStop,
    ModelEvent,
    StreamEnd,
    StreamStart,
    StreamStop,
    TextDelta,
)
from .._json import dump, scan_string, to_bytes
from .._sse import ServerSentEvent
from ._base import Decoder, Encoder, Handled, Handlers, State, count_fields, text_fields
from ._stop import to_messages

__all__ = ["MessagesDecoder", "MessagesEncoder"]


_W = r"[ \t\n\r]*"  # JSON whitespace (json.dumps writes ", " and ": " by default)
# The head of a text delta in the server's key order (``~``: where JSON allows whitespace),
# in three spacings tried in turn: compact (the server's), json.dumps' default, any (the slowest).
_HEAD = (
    r'~\{~"type"~:~"content_block_delta"~,~"index"~:~(0|[1-9][0-9]{0,8})~,~"delta"~:~\{~"type"~:~'
    r'"text_delta"~,~"text"~:~"'
)
_FORMS = [  # (a text with nothing escaped, to the end; the head)
    (re.compile(head + rf'([^"\\\x00-\x1f]*)"{_W}\}}{_W}\}}{_W}'), re.compile(head))
    for head in (
        _HEAD.replace("~", ""),
        _HEAD.replace("~:~", ": ").replace("~,~", ", ").replace("~", ""),
        _HEAD.replace("~", _W),
    )
]
_CLOSE_TWO = re.compile(rf"{_W}\}}{_W}\}}{_W}")
# A non-empty text delta, compact or in json.dumps' spacing, its JSON string checked exactly
# (for `check`).
_TEXT = r'(?!")[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"'
_DELTAS = [re.compile(head.pattern + _TEXT + _CLOSE_TWO.pattern) for _, head in _FORMS[:2]]


class _State(State):
    START = "start"
    OPEN = "open"
    STOPPED = "stopped"
    ENDED = "ended"


_START, _OPEN, _STOPPED, _ENDED = _State
_BEFORE_END = (_START, _OPEN, _STOPPED)
_TABLE = {
    (_START, "message_start"): _OPEN,
    (_OPEN, "content_block_start"): _OPEN,
    (_OPEN, "content_block_delta"): _OPEN,
    (_OPEN, "content_block_stop"): _OPEN,
    (_OPEN, "message_delta"): _OPEN,  # a usage update; with a stop reason, "stop" follows
    (_STOPPED, "message_delta"): _STOPPED,
    (_OPEN, "stop"): _STOPPED,
    (_STOPPED, "stop"): _STOPPED,
    (_STOPPED, "message_stop"): _ENDED,
    **{(state, "error"): _ENDED for state in _BEFORE_END},
    **{(state, "ping"): state for state in _BEFORE_END},
    **{(state, "other"): state for state in _BEFORE_END},
    **{(state, "done"): state for state in _State},
}
_EXPECTED = {
    _START: "message_start",
    _OPEN: "a message_delta with the stop reason",
    _STOPPED: "message_stop",
}


class MessagesDecoder(Decoder):
    """Decodes Messages streams, tracking which content blocks are open."""

    dialect = Dialect.MESSAGES
    start = _START
    table = _TABLE
    names = MESSAGES_EVENTS | {"ping", "error"}
    ends = frozenset({_ENDED})

    def setup(self) -> None:
        self._blocks: dict[int, str] = {}  # open block index -> block type

    def refuse(self, sse: ServerSentEvent, kind: str) -> InputError:
        if self.state is _ENDED:
            return super().refuse(sse, kind)
        return self.malformed(sse, f"expected {_EXPECTED[self.state]}, found {sse.event}")

    def _payload(self, sse: ServerSentEvent) -> dict[str, Any]:
        name = sse.event
        payload = self.load(sse, f"a {name} event")
        if payload.get("type") != name:
            raise self.malformed(
                sse, f"expected payload type {name!r}, found {payload.get('type')!r}"
            )
        return payload

    def text(self, sse: ServerSentEvent) -> dict[str, Any] | None:
        """A text delta of an open text block with the keys in the server's order (any
        spacing), read without building the payload."""
        if sse.event != "content_block_delta" or self.state is not _OPEN:
            return None
        data = sse.data
        for plain_text, head in _FORMS:  # (compact, as the API writes it, first)
            plain = plain_text.fullmatch(data)
            if plain is not None:
                index, text = int(plain[1]), plain[2]
                break
            match = head.match(data)
            if match is not None:
                index = int(match[1])
                found = scan_string(data, match.end())
                if found is None:
                    return None
                text, end = found
                if data[end:] != "}}" and _CLOSE_TWO.fullmatch(data, end) is None:
                    return None
                break
        else:
            return None
        if not text or self._blocks.get(index) != "text":
            return None
        return text_fields(sse, index, text, {})

    def check(self, sse: ServerSentEvent) -> type[ModelEvent] | None:
        if sse.event == "content_block_delta" and self.state is _OPEN:
            data = sse.data
            for delta in _DELTAS:
                match = delta.fullmatch(data)
                if match is not None:
                    if self._blocks.get(int(match[1])) == "text":
                        return TextDelta
                    break
        return super().check(sse)

    def _object(self, sse: ServerSentEvent, payload: dict[str, Any], key: str) -> dict[str, Any]:
        value = payload.get(key)
        if not isinstance(value, dict):
            raise self.malformed(sse, f"expected an object {key!r} in {sse.event}")
        return value

    def _index(self, sse: ServerSentEvent, payload: dict[str, Any]) -> int:
        index = payload.get("index")
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise self.malformed(sse, f"expected an integer 'index' in {sse.event}")
        return index

    def _message_start(self, sse: ServerSentEvent) -> Handled:
        payload = self._payload(sse)
        message = self._object(sse, payload, "message")
        self.unplaced(payload, "message_start", ("type", "message"))
        id_, model = message.get("id"), message.get("model")
        fields = {
            "id": id_ if isinstance(id_, str) else None,
            "model": model if isinstance(model, str) else None,
            "message": message,
        }
        return [(StreamStart, {**fields, **self.position(sse)})], None

    def _content_block_start(self, sse: ServerSentEvent) -> Handled:
        payload = self._payload(sse)
        index = self._index(sse, payload)
        block = self._object(sse, payload, "content_block")
        if index in self._blocks:
            raise self.malformed(sse, f"expected a new block index, found {index} again")
        kind = block.get("type")
        self.unplaced(payload, "content_block_start", ("type", "index", "content_block"))
        self._blocks[index] = kind if isinstance(kind, str) else "unknown"
        return [(BlockStart, {"index": index, "block": block, **self.position(sse)})], None

    def _content_block_delta(self, sse: ServerSentEvent) -> Handled:
        payload = self._payload(sse)
        index = self._index(sse, payload)
        delta = self._object(sse, payload, "delta")
        if index not in self._blocks:
            raise self.malformed(
                sse, f"expected content_block_start for index {index} before its delta"
            )
        text = delta.get("text")
        is_text = delta.get("type") == "text_delta"
        if is_text and not isinstance(text, str):
            raise self.malformed(sse, "expected a string 'text' in a text_delta")
        self.unplaced(payload, "content_block_delta", ("type", "index", "delta"))
        if is_text and self._blocks[index] == "text":
            extra = {k: v for k, v in delta.items() if k not in ("type", "text")}
            if not text:
                self.skip_empty(extra, "content_block_delta.delta")
                return [], None
            return [(TextDelta, text_fields(sse, index, text, extra))], None
        return [(BlockDelta, {"index": index, "delta": delta, **self.position(sse)})], None

    def _content_block_stop(self, sse: ServerSentEvent) -> Handled:
        payload = self._payload(sse)
        index = self._index(sse, payload)
        if index not in self._blocks:
            raise self.malformed(
                sse, f"expected content_block_start for index {index} before its stop"
            )
        del self._blocks[index]
        extra = {k: v for k, v in payload.items() if k not in ("type", "index")}
        return [(BlockStop, {"index": index, "extra": extra, **self.position(sse)})], None

    def _message_delta(self, sse: ServerSentEvent) -> Handled:
        payload = self._payload(sse)
        delta = self._object(sse, payload, "delta")
        usage = payload.get("usage")
        stop_reason, stop_sequence = delta.get("stop_reason"), delta.get("stop_sequence")
        if not all(isinstance(value, (str, type(None))) for value in (stop_reason, stop_sequence)):
            raise self.malformed(sse, "expected string or null stop fields in message_delta")
        fields = {
            "stop_reason": stop_reason,
            "stop_sequence": stop_sequence,
            "usage": usage if isinstance(usage, dict) else None,
            "extra": {k: v for k, v in payload.items() if k not in ("type", "delta", "usage")},
            "details": {
                k: v for k, v in delta.items() if k not in ("stop_reason", "stop_sequence")
            },
        }
        more = None if stop_reason is None else "stop"
        return [(StreamStop, {**fields, **self.position(sse)})], more

    def _message_stop(self, sse: ServerSentEvent) -> Handled:
        extra = {k: v for k, v in self._payload(sse).items() if k != "type"}
        return [(StreamEnd, {"extra": extra, **self.position(sse)})], None

    handlers: ClassVar[Handlers] = {
        **Decoder.handlers,
        "message_start": _message_start,
        "content_block_start": _content_block_start,
        "content_block_delta": _content_block_delta,
        "content_block_stop": _content_block_stop,
        "message_delta": _message_delta,
        "message_stop": _message_stop,
    }


class MessagesEncoder(Encoder):
    """Writes Messages streams that today's Anthropic SDK accepts.

    From a completion source it synthesizes ``message_start`` (usage unknown, so zeros; the id
    from ``id``/``log_id``, else ``msg_`` + a hash of the first input event), one text block
    (opened by the first text, or empty when the stream stops without text),
    ``content_block_stop`` and ``message_delta`` when the stop arrives (its stop reason mapped by
    :func:`._stop.to_messages`), and ``message_stop`` at the end.
    Events decoded from a Messages source are written back with their payloads as decoded.
    Nothing is written after ``message_stop`` or an error (counted instead).
    """

    dialect = Dialect.MESSAGES
    names = MESSAGES_EVENTS | {"ping", "error"}

    def setup(self) -> None:
        self._open: dict[int, bool] = {}
        self._next_index = 0
        self._text_index: int | None = None
        self._synthesized = True  # the stream comes from a completion source
        self._delta_heads: dict[int, bytes] = {}  # index -> a text delta's bytes up to the text
        self._delta_end = to_bytes("}}" + self.eol * 2)

    def stream_start(self, event: StreamStart) -> bytes:
        if event.message:
            self._synthesized = False
            message = event.message
        else:
            id_ = event.id if event.id is not None else event.log_id
            if id_ is None:
                id_ = event.fallback_id
            elif event.log_id is not None and event.log_id != id_:
                count_fields(self.report, "completion", {"log_id": None})
            message = {
                "id": id_,
                "type": "message",
                "role": "assistant",
                "model": event.model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 0, "output_tokens": 0},
            }
        return self.write("message_start", {"message": message})

    def write(self, name: str, fields: dict[str, Any]) -> bytes:
        """The event ``name``, its payload of that type with ``fields``."""
        return self.frame(name, dump({"type": name, **fields}))

    def block_start(self, event: BlockStart) -> bytes:
        self._open[event.index] = True
        self._next_index = max(self._next_index, event.index + 1)
        if event.block_type == "text" and self._text_index is None:
            self._text_index = event.index
        return self.write(
            "content_block_start", {"index": event.index, "content_block": event.block}
        )

    def _text_block(self, index: int) -> bytes:
        """Open the one text block of a synthesized stream (unless it is open)."""
        if self._text_index is None:
            self._text_index = max(index, self._next_index)
        elif self._text_index in self._open:
            return b""
        block = {"type": "text", "text": ""}
        return self.block_start(BlockStart(index=self._text_index, block=block))

    def text(self, fields: dict[str, Any]) -> bytes:
        out = b""
        index, extra = fields["index"], fields["extra"]
        if index not in self._open:
            out = self._text_block(index)
            index = self._text_index
        if extra:
            if not self._synthesized:  # a Messages delta's own fields: written after the text
                delta = {"type": "text_delta", "text": fields["text"], **extra}
                return out + self.write("content_block_delta", {"index": index, "delta": delta})
            count_fields(self.report, "completion", extra)  # no place in a text_delta
        # The common case, spliced from pre-built bytes: the bytes `frame` would make of the
        # payload above (the text escaped as `dump` and `to_bytes` escape it).
        head = self._delta_heads.get(index)
        if head is None:
            head = self._delta_heads[index] = to_bytes(
                f"event: content_block_delta{self.eol}data: "
                f'{{"type":"content_block_delta","index":{index},'
                f'"delta":{{"type":"text_delta","text":'
            )
        self.policy.wrote()
        text = encode_basestring(fields["text"])  # the JSON string, escaped as `dump` does
        data = text.encode() if text.isascii() else to_bytes(text)  # (as `to_bytes` writes it)
        return out + b"".join((head, data, self._delta_end))

    def block_delta(self, event: BlockDelta) -> bytes:
        return self.write("content_block_delta", {"index": event.index, "delta": event.delta})

    def block_stop(self, event: BlockStop) -> bytes:
        self._open.pop(event.index, None)
        return self.write("content_block_stop", {"index": event.index, **event.extra})

    def stream_stop(self, event: StreamStop) -> bytes:
        out = b""
        if self._synthesized and self._text_index is None and event.stop_reason is not None:
            out = self._text_block(0)  # always the one text block, empty when no text came
        out += b"".join(self.block_stop(BlockStop(index=index)) for index in list(self._open))
        stop_reason, stop_sequence = to_messages(event.stop_reason, event.stop_sequence)
        usage = event.usage if event.usage is not None else {"output_tokens": 0}
        delta = {"stop_reason": stop_reason, "stop_sequence": stop_sequence, **event.details}
        extra = self.outside(event.extra, ("type", "delta", "usage"), "completion")
        return out + self.write("message_delta", {"delta": delta, "usage": usage, **extra})

    def stream_end(self, event: StreamEnd) -> bytes:
        self.seal()
        return self.write("message_stop", event.extra)
