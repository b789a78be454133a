"""The ``legacy`` dialect (anthropic-version 2023-01-01).

Wire form: data-only events whose one-line JSON holds the *whole* completion so far, keys in the
order ``completion, stop, stop_reason, truncated, log_id, model, exception``; named pings with a
timestamp (not JSON); ``data: [DONE]`` at the end.

Decoder states (inputs: a data-only ``completion`` event, which may carry a stop reason
(``stop``) or an exception (``exception``), ``[DONE]`` (``done``), ``ping``, and any other
event (``other``))::

    START ──completion──▶ OPEN ──stop──────▶ STOPPED ──done──▶ ENDED
                            └────exception──▶ ERRORED ──done────┘
    ping, other: the same state (before ENDED); anything else is an error
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from .._dialect import Dialect
from .._errors import InputError, RewrittenTextError
from .._events import Done, Ping, StreamEnd, StreamError, StreamStop, TextDelta, Unknown
from .._json import dump, scan_string, to_bytes
from .._sse import ServerSentEvent
from ._base import (
    Decoder,
    Fields,
    Handled,
    Handlers,
    State,
    TextProjection,
    at,
    count_fields,
    text_fields,
)

__all__ = ["LegacyDecoder", "LegacyEncoder"]

KEYS = ("completion", "stop", "stop_reason", "truncated", "log_id", "model", "exception")
_KNOWN = frozenset(KEYS)
_FIELDS = ("stop_reason", "stop", "exception", "log_id", "model")  # (checked in this order)
_HEAD = re.compile(r'[ \t\n\r]*\{[ \t\n\r]*"completion"[ \t\n\r]*:[ \t\n\r]*"')
_WS = " \t\n\r"
# An exception "<type>: <message>" (anything else is an api_error with the whole as message)
_EXCEPTION = re.compile(r"([A-Za-z_][A-Za-z0-9_]*): (.*)", re.DOTALL)


class _State(State):
    START = "start"
    OPEN = "open"
    STOPPED = "stopped"
    ERRORED = "errored"
    ENDED = "ended"


_START, _OPEN, _STOPPED, _ERRORED, _ENDED = _State
_BEFORE_END = (_START, _OPEN, _STOPPED, _ERRORED)
_TABLE = {
    (_START, "completion"): _OPEN,
    (_OPEN, "completion"): _OPEN,
    (_OPEN, "stop"): _STOPPED,
    (_OPEN, "exception"): _ERRORED,
    (_STOPPED, "done"): _ENDED,
    (_ERRORED, "done"): _ENDED,
    **{(state, "ping"): state for state in _BEFORE_END},
    **{(state, "other"): state for state in _BEFORE_END},
}


class LegacyDecoder(Decoder):
    """Decodes 2023-01-01 streams: cumulative text becomes :class:`TextDelta` events."""

    dialect = Dialect.LEGACY
    start = _START
    table = _TABLE
    ends = frozenset({_ERRORED, _ENDED})

    def setup(self) -> None:
        self._parts: list[str] = []  # the text so far, joined when needed
        self._raw_prefix = ""  # the previous event's raw JSON up to its string's closing quote
        self._tail = ""  # the raw JSON after the completion string, last seen ...
        self._tail_fields: Fields | None = None  # ... and its decoded fields

    def input(self, sse: ServerSentEvent) -> str:
        name = sse.event
        if name is None:
            return "done" if sse.data == "[DONE]" else "completion"
        return "ping" if name == "ping" else "other"

    def refuse(self, sse: ServerSentEvent, kind: str) -> InputError:
        if kind == "done" and self.state in (_START, _OPEN):
            return self.malformed(sse, "expected a completion with a stop_reason before [DONE]")
        return super().refuse(sse, kind)

    def text(self, sse: ServerSentEvent) -> dict[str, Any] | None:
        """The common event: it continues the previous one's string and repeats its tail."""
        if sse.event is not None or self.state is not _OPEN:
            return None
        raw, fields, tail = sse.data, self._tail_fields, self._tail
        found = self._continued(raw)
        if found is None or not found[0] or fields is None:
            return None
        if fields.stop_reason is not None or fields.exception is not None:
            return None  # (the general way)
        delta, end = found
        if len(raw) - end != len(tail) or not raw.endswith(tail):
            return None
        self._parts.append(delta)
        self._raw_prefix = raw[: end - 1]
        return text_fields(sse, 0, delta, fields.extra)

    def _completion(self, sse: ServerSentEvent) -> Handled:
        fields, delta = self._read(sse)
        extra, stop_reason, stop, _, log_id, model, exception = fields
        steps = self.opening(sse, log_id, model, log_id)
        if delta:
            self._parts.append(delta)
            steps.append((TextDelta, text_fields(sse, 0, delta, extra)))
        elif stop_reason is None and exception is None:
            self.skip_empty(extra, "completion")
        if exception is None and stop_reason is None:
            return steps, None
        stopped = {"stop_reason": stop_reason, "stop_sequence": stop, **self.position(sse)}
        if exception is not None:
            split = _EXCEPTION.fullmatch(exception)
            error_type, message = split.groups() if split else ("api_error", exception)
            outer = extra if not delta else {}  # (with text, the text delta has them)
            error = {"type": error_type, "message": message, "outer": outer, **stopped}
            steps.append((StreamError, self.api_error(error)))
            return steps, "exception"
        steps.append((StreamStop, {"extra": extra, **stopped}))
        return steps, "stop"

    def _end(self, sse: ServerSentEvent) -> Handled:
        return [(StreamEnd, self.position(sse))], None

    def _read(self, sse: ServerSentEvent) -> tuple[Fields, str]:
        """The fields (other than ``completion``) and the new text of a legacy event.

        Fast path: when the raw JSON repeats the previous event's raw string as its prefix, only
        the new part of the string and the keys after it are decoded. Otherwise the whole
        payload is decoded and the text compared with the previous one (as UTF-16 code units,
        as JSON strings are, so a surrogate pair split across events is not a rewrite). The
        decoder changes only once everything is checked.
        """
        raw = sse.data
        found = self._continued(raw)
        fast = found is not None
        if found is None:
            head = _HEAD.match(raw)
            found = scan_string(raw, head.end()) if head is not None else None
        if found is not None:
            value, end = found
            tail = raw[end:]
            fields = self._tail_fields if tail == self._tail else None
            if fields is None:
                rest: dict[str, Any] | None = None
                stripped = tail.lstrip(_WS)
                if stripped[:1] == ",":
                    rest = self.load(sse, "a legacy completion", "{" + stripped[1:])
                elif stripped.rstrip(_WS) == "}":
                    rest = {}
                if rest is not None and "completion" not in rest:
                    fields = self.fields(sse, rest, _FIELDS, _KNOWN)
            if fields is not None:
                delta = value if fast else self._extend(sse, value)
                self._raw_prefix = raw[: end - 1]
                self._tail, self._tail_fields = tail, fields
                return fields, delta
        payload = self.load(sse, "a legacy completion")
        text = payload.pop("completion", None)
        if not isinstance(text, str):
            raise self.malformed(sse, f"expected a string 'completion', found {dump(text)[:40]}")
        fields = self.fields(sse, payload, _FIELDS, _KNOWN)
        delta = self._extend(sse, text)
        self._raw_prefix = ""
        return fields, delta

    def _continued(self, raw: str) -> tuple[str, int] | None:
        """The new text of an event whose raw JSON repeats the previous event's raw string as
        its prefix, and where its string ends."""
        prefix = self._raw_prefix
        return scan_string(raw, len(prefix)) if prefix and raw.startswith(prefix) else None

    def _extend(self, sse: ServerSentEvent, text: str) -> str:
        """The part of cumulative ``text`` after the text so far (which it must extend)."""
        previous = "".join(self._parts)
        if text.startswith(previous):
            return text[len(previous) :]
        units = text.encode("utf-16-le", "surrogatepass")
        before = previous.encode("utf-16-le", "surrogatepass")
        if units.startswith(before):
            return units[len(before) :].decode("utf-16-le", "surrogatepass")
        at = next(
            (i for i, (a, b) in enumerate(zip(previous, text, strict=False)) if a != b),
            min(len(previous), len(text)),
        )
        raise self.malformed(
            sse,
            f"expected a completion that extends the previous {len(previous)} characters, "
            f"found one that differs at character {at}",
            RewrittenTextError,
        )

    handlers: ClassVar[Handlers] = {
        "completion": _completion,
        "ping": Decoder.ping,
        "done": _end,
        "other": Decoder.other,
    }


class LegacyEncoder(TextProjection):
    """Writes 2023-01-01 streams: one ``data:`` line of one-line JSON per event, the whole
    completion so far in each, ``data: [DONE]`` at the end.

    The accumulated text is kept JSON-escaped, so each event costs one copy of it and no
    re-escaping (the output itself grows with the square of the length). After the final
    event only pings and ``[DONE]`` are written; after ``[DONE]`` or an error, only what the
    dialect allows there (pings after an error), the rest dropped and counted.
    """

    dialect = Dialect.LEGACY
    keys = KEYS
    _head = b'data: {"completion":"'

    def setup(self) -> None:
        self._text: bytearray = bytearray()
        super().setup()

    def middle(self, stop_reason: str | None, stop: str | None, exception: str | None) -> bytes:
        return to_bytes(
            f'","stop":{dump(stop)},"stop_reason":{dump(stop_reason)},"truncated":false'
            f',"log_id":{dump(self.log_id)},"model":{dump(self.model)}'
            f',"exception":{dump(exception)}'
        )

    def can_carry(self, name: str | None, data: str) -> bool:
        return False  # a legacy consumer crashes on any line it does not expect

    def write(
        self,
        stop: str | None,
        stop_reason: str | None,
        exception: str | None,
        extra: dict[str, Any],
    ) -> bytes:
        """The event with the text so far and these fields (the final event, or the one with
        the exception); a subclass may make something else of them."""
        return self._event(self._text, self.middle(stop_reason, stop, exception), extra)

    def stream_stop(self, event: StreamStop) -> bytes:
        stop = self.stop_fields(event)
        if stop is None:
            return b""
        self.stop = stop
        self.seal(Ping, StreamEnd, Done, Unknown)  # then only pings and [DONE] ...
        self.handlers[StreamError] = self._error_after_stop
        stop_reason, stop_sequence = stop
        return self.write(stop_sequence, stop_reason, None, event.extra)

    def _error_after_stop(self, event: StreamError) -> bytes:
        """... and an error (which ends the input) has no place: counted, and the complete
        message ends with its ``[DONE]``."""
        self.after_end(event)
        return self.stream_end(StreamEnd(**at(event)))

    def stream_end(self, event: StreamEnd) -> bytes:
        self.end_extras(event)
        if self.stop is None:
            return b""  # [DONE] only ends a stream whose final event was written
        self.seal()
        return self.frame(None, "[DONE]")

    def ping(self, event: Ping) -> bytes:
        if not self.policy.ping():
            return b""
        data = event.data
        if not data or data[:1] == "{" or "\n" in data or "\r" in data:
            data = self.clock().strftime("%Y-%m-%d %H:%M:%S.%f")
        return self.frame("ping", data)

    def stream_error(self, event: StreamError) -> bytes:
        self.seal(Ping, Done, Unknown)  # no [DONE] after an error; pings may still come
        count_fields(self.report, "error.error", event.extra)
        exception = f"{event.type}: {event.message}"
        return self.write(event.stop_sequence, event.stop_reason, exception, event.outer)

    def unknown(self, event: Unknown) -> bytes:
        return self.drop_unknown(event, "")
