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

import operator
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any, ClassVar

from .._dialect import Dialect
from .._events import ModelEvent, StreamEnd, StreamStop, TextDelta
from .._json import dump, load_object, scan_string, to_bytes, with_stack_room
from .._sse import ServerSentEvent
from ._base import Decoder, Fields, Handled, Handlers, State, TextProjection, text_fields

__all__ = ["CompletionsDecoder", "CompletionsEncoder"]

KEYS = ("type", "id", "completion", "stop_reason", "model", "stop", "log_id")
_KNOWN = frozenset(KEYS)
_FIELDS = ("stop_reason", "stop", "id", "log_id", "model")  # (checked in this order)


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

    def setup(self) -> None:
        self._head = ""  # the JSON before the text of the last completion payload ...
        self._tail = ""  # ... the JSON after it ...
        self._fields: Fields | None = None  # ... and what it says

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
        extra, stop_reason, stop, id_, log_id, model, _ = fields
        steps = self.opening(sse, id_, model, log_id)
        if text:
            steps.append((TextDelta, text_fields(sse, 0, text, extra)))
        elif stop_reason is None:
            self.skip_empty(extra, "completion")
        if stop_reason is None:
            return steps, None
        position = self.position(sse)
        stop_fields = {"stop_reason": stop_reason, "stop_sequence": stop, "extra": extra}
        steps += [(StreamStop, {**stop_fields, **position}), (StreamEnd, position)]
        return steps, "stop"

    def _read(self, sse: ServerSentEvent) -> tuple[str, Fields]:
        """The text and the other fields of a completion payload.

        Consecutive payloads differ only in their text, so the JSON around the text (checked
        once) is remembered and, when it repeats byte for byte, only the text is decoded.
        """
        raw = sse.data
        head, tail = self._head, self._tail
        if head and raw.startswith(head):
            try:  # (scan_string's work, without a call: the common case)
                text, end = scanstring(raw, len(head))
            except ValueError:
                text = None
            if text is not None and len(raw) - end == len(tail) and raw.endswith(tail):
                return text, self._fields  # type: ignore[return-value]
        key = _KEY.search(raw)
        if key is not None and key.start() > 0:
            start = key.end()
            found = scan_string(raw, start)
            if found is not None:
                text, end = found
                payload = self.load(sse, "a completion")
                if payload.get("completion") == text:
                    fields = self._check(sse, payload)
                    head, tail = raw[:start], raw[end:]
                    # The text found must be the top-level "completion" (not a nested key's
                    # equal string): an "x" added there must show up there, and only there.
                    template = load_object(raw[: end - 1] + "x" + raw[end - 1 :], "a completion")
                    expected = {**payload, "completion": text + "x"}
                    if with_stack_room(operator.eq, template, expected):
                        self._head, self._tail, self._fields = head, tail, fields
                    return text, fields
        payload = self.load(sse, "a completion")
        fields = self._check(sse, payload)
        return payload["completion"], fields

    def _check(self, sse: ServerSentEvent, payload: dict[str, Any]) -> Fields:
        if not isinstance(payload.get("completion"), str) or (
            payload.get("type", "completion") != "completion"
        ):
            raise self.malformed(sse, "expected a completion payload with a string 'completion'")
        return self.fields(sse, payload, _FIELDS, _KNOWN)

    handlers: ClassVar[Handlers] = {**Decoder.handlers, "completion": _completion}


class CompletionsEncoder(TextProjection):
    """Writes 2023-06-01 completion streams: one ``completion`` event per non-empty delta,
    then the final ``{"completion": "", "stop_reason": …}`` event, after which nothing is
    written (pings, unknown events and a later error are dropped and counted)."""

    dialect = Dialect.COMPLETIONS
    names = frozenset({"completion", "ping", "error"})
    keys = KEYS

    def started(self) -> None:
        self._head = to_bytes(
            f'event: completion{self.eol}data: {{"type":"completion","id":{dump(self.id)},'
            '"completion":'
        )
        super().started()

    def middle(self, stop_reason: str | None, stop: str | None, exception: str | None) -> bytes:
        return to_bytes(
            f',"stop_reason":{dump(stop_reason)},"model":{dump(self.model)},"stop":{dump(stop)}'
            f',"log_id":{dump(self.log_id)}'
        )

    def stream_stop(self, event: StreamStop) -> bytes:
        stop = self.stop_fields(event)
        if stop is None:
            return b""
        self.stop = stop
        self.seal()  # the final event: nothing follows it
        return self._event(b'""', self.middle(*stop, None), event.extra)

    def stream_end(self, event: StreamEnd) -> bytes:
        return self.end_extras(event)
