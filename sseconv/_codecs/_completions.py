"""The ``completions`` dialect (anthropic-version 2023-06-01, ``POST /v1/complete``).

Wire form: named events. ``completion`` carries the *new* text, keys in the order
``type, id, completion, stop_reason, model, stop, log_id`` (``type`` and ``id`` appeared late
2023; older payloads lack them); the last one has ``"completion": ""`` and a stop reason.
``ping`` carries ``{"type": "ping"}``; ``error`` carries ``{"type": "error", "error": {...}}``
(older form without the top-level ``type``), and nothing follows it. There is no terminator.

Decoder states (inputs: ``completion``, ``ping``, ``error``, a stray ``[DONE]`` (``done``), any
other event (``other``), and the stop reason of a completion (``stop``))::

    START ──completion──▶ OPEN ──stop──▶ ENDED
    START, OPEN ──error──▶ ENDED
    ping, other: the same state (before ENDED); done: the same state (any state)
"""

from __future__ import annotations

import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from json.encoder import encode_basestring
from typing import Any, ClassVar, NamedTuple

from .._dialect import Dialect
from .._events import (
    ModelEvent,
    StreamEnd,
    StreamStart,
    StreamStop,
    TextDelta,
)
from .._json import dump, load_object, same_value, to_bytes
from .._report import Report
from .._sse import ServerSentEvent
from ._base import Decoder, Handled, Handlers, State, Step, TextProjection, fallback_id, text_fields

__all__ = ["CompletionsDecoder", "CompletionsEncoder"]

KEYS = ("type", "id", "completion", "stop_reason", "model", "stop", "log_id")
_KNOWN = frozenset(KEYS)


class _Fields(NamedTuple):
    stop_reason: str | None
    stop: str | None
    id: str | None
    log_id: str | None
    model: str | None
    extra: dict[str, Any]


class _State(State):
    START = "start"
    OPEN = "open"
    ENDED = "ended"


_START, _OPEN, _ENDED = _State
_TABLE = {
    (_START, "completion"): _OPEN,
    (_OPEN, "completion"): _OPEN,
    (_OPEN, "stop"): _ENDED,
    **{(state, "error"): _ENDED for state in (_START, _OPEN)},
    **{(state, "ping"): state for state in (_START, _OPEN)},
    **{(state, "other"): state for state in (_START, _OPEN)},
    **{(state, "done"): state for state in _State},
}
_KEY = re.compile(r'"completion"[ \t\n\r]*:[ \t\n\r]*"')


class CompletionsDecoder(Decoder):
    """Decodes 2023-06-01 completion streams."""

    dialect = Dialect.COMPLETIONS
    start = _START
    table = _TABLE
    names = frozenset({"completion", "ping", "error"})
    ends = frozenset({_ENDED})

    def __init__(self, report: Report | None = None) -> None:
        super().__init__(report)
        self._head = ""  # the JSON before the text of the last completion payload ...
        self._tail = ""  # ... the JSON after it ...
        self._fields: _Fields | None = None  # ... and what it says

    def text(self, sse: ServerSentEvent) -> dict[str, Any] | None:
        if sse.event != "completion" or self.state is not _OPEN:
            return None
        text, fields = self._read(sse)  # (reading it again the general way changes nothing)
        if not text or fields.stop_reason is not None:
            return None
        return text_fields(sse, 0, text, fields.extra)

    def check(self, sse: ServerSentEvent) -> type[ModelEvent] | None:
        raw, head = sse.data, self._head  # (a text between the JSON of the last payload)
        if sse.event == "completion" and self.state is _OPEN and head and raw.startswith(head):
            try:
                text, end = scanstring(raw, len(head))
            except ValueError:
                text = ""
            stop = self._fields.stop_reason  # type: ignore[union-attr]
            if text and raw[end:] == self._tail and stop is None:
                return TextDelta
        return super().check(sse)

    def _completion(self, sse: ServerSentEvent) -> Handled:
        text, fields = self._read(sse)
        stop_reason, stop, id_, log_id, model, extra = fields
        position = {"event_number": sse.number, "offset": sse.offset}
        steps: list[Step] = []
        if self.state is _START:
            missing = id_ is None and log_id is None
            start = {"id": id_, "model": model, "log_id": log_id}
            start["fallback_id"] = fallback_id(sse.data) if missing else None
            steps.append((StreamStart, {**start, **position}))
        if text:
            steps.append((TextDelta, text_fields(sse, 0, text, extra)))
        elif stop_reason is None:
            self.skip_empty(extra, "completion")
        if stop_reason is None:
            return steps, None
        stop_fields = {"stop_reason": stop_reason, "stop_sequence": stop, "extra": extra}
        steps += [(StreamStop, {**stop_fields, **position}), (StreamEnd, position)]
        return steps, "stop"

    def _read(self, sse: ServerSentEvent) -> tuple[str, _Fields]:
        """The text and the other fields of a completion payload.

        Consecutive payloads differ only in their text, so the JSON around the text (checked
        once) is remembered and, when it repeats byte for byte, only the text is decoded.
        """
        raw = sse.data
        head, tail = self._head, self._tail
        if head and raw.startswith(head):
            try:
                text, end = scanstring(raw, len(head))
            except ValueError:
                text = None
            if text is not None and len(raw) - end == len(tail) and raw.endswith(tail):
                return text, self._fields  # type: ignore[return-value]
        key = _KEY.search(raw)
        if key is not None and key.start() > 0:
            start = key.end()
            try:
                text, end = scanstring(raw, start)
            except ValueError:
                text = None
            if text is not None:
                payload = self.load(sse, "a completion")
                if payload.get("completion") == text:
                    fields = self._check(sse, payload)
                    head, tail = raw[:start], raw[end:]
                    # The text found must be the top-level "completion" (not a nested key's
                    # equal string): an "x" added there must show up there, and only there.
                    template = load_object(raw[: end - 1] + "x" + raw[end - 1 :], "a completion")
                    if same_value(template, {**payload, "completion": text + "x"}):
                        self._head, self._tail, self._fields = head, tail, fields
                    return text, fields
        payload = self.load(sse, "a completion")
        text = payload.get("completion")
        return text, self._check(sse, payload)  # type: ignore[return-value]

    def _check(self, sse: ServerSentEvent, payload: dict[str, Any]) -> _Fields:
        if not isinstance(payload.get("completion"), str) or (
            payload.get("type", "completion") != "completion"
        ):
            raise self.malformed(sse, "expected a completion payload with a string 'completion'")
        values, extra = self.fields(sse, payload, _Fields._fields[:-1], _KNOWN)
        return _Fields._make([*values, extra])

    handlers: ClassVar[Handlers] = {
        "completion": _completion,
        "ping": Decoder.ping,
        "error": Decoder.error,
        "done": Decoder.done,
        "other": Decoder.other,
    }


class CompletionsEncoder(TextProjection):
    """Writes 2023-06-01 completion streams: one ``completion`` event per non-empty delta,
    then the final ``{"completion": "", "stop_reason": …}`` event, after which nothing is
    written (pings, unknown events and a later error are dropped and counted)."""

    dialect = Dialect.COMPLETIONS
    names = frozenset({"completion", "ping", "error"})
    keys = KEYS

    def started(self) -> None:
        eol = self.eol
        self._head = to_bytes(
            f'event: completion{eol}data: {{"type":"completion","id":{dump(self.id)},"completion":'
        )
        self._meta = f',"model":{dump(self.model)}'
        self._log = f',"log_id":{dump(self.log_id)}'
        self._mid = to_bytes(f',"stop_reason":null{self._meta},"stop":null{self._log}')
        self._mid_end = self._mid + to_bytes("}" + eol * 2)

    def _event(self, text: bytes, middle: bytes, extra: dict[str, Any]) -> bytes:
        eol = self.eol
        end = f"{self.extras(extra)}}}{eol}{eol}" if extra else "}" + eol * 2
        self.policy.wrote()
        return b"".join((self._head, text, middle, to_bytes(end)))

    def text_delta(self, event: TextDelta) -> bytes:
        text = encode_basestring(event.text)  # the JSON string, escaped as `dump` escapes it
        data = text.encode() if text.isascii() else to_bytes(text)  # (as `to_bytes` writes it)
        if event.extra:
            return self._event(data, self._mid, event.extra)
        self.policy.wrote()
        return b"".join((self._head, data, self._mid_end))

    def stream_stop(self, event: StreamStop) -> bytes:
        stop = self.stop_fields(event)
        if stop is None:
            return b""
        self.stop = stop
        self.seal()  # the final event: nothing follows it
        stop_reason, stop_sequence = stop
        middle = (
            f',"stop_reason":{dump(stop_reason)}{self._meta},"stop":{dump(stop_sequence)}'
            f"{self._log}"
        )
        return self._event(b'""', to_bytes(middle), event.extra)

    def stream_end(self, event: StreamEnd) -> bytes:
        return self.end_extras(event)
