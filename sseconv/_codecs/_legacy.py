"""The ``legacy`` dialect (anthropic-version 2023-01-01).

Wire form: data-only events whose one-line JSON holds the *whole* completion so far, keys in the
order ``completion, stop, stop_reason, truncated, log_id, model, exception``; named pings with a
timestamp (not JSON); ``data: [DONE]`` at the end.

Decoder states::

    OPEN ──completion with stop_reason──▶ STOPPED ──[DONE]──▶ ENDED
      │                                                        ▲
      └──completion with exception──▶ ERRORED ──[DONE]─────────┘
"""

from __future__ import annotations

import re
from enum import Enum
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any, NamedTuple

from .._dialect import Dialect
from .._errors import RewrittenTextError
from .._events import (
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
from .._json import dump, encode_text, to_bytes
from .._options import Clock
from .._policy import Policy
from .._sse import ServerSentEvent
from ._base import Decoder, TextProjection, at, event_label, fallback_id, text_delta

__all__ = ["LegacyDecoder", "LegacyEncoder", "parse_exception"]

KEYS = ("completion", "stop", "stop_reason", "truncated", "log_id", "model", "exception")
_KNOWN = frozenset(KEYS)
_HEAD = '{"completion":"'
_WS = " \t\n\r"
_EXCEPTION = re.compile(r"([A-Za-z_][A-Za-z0-9_]*): (.*)", re.DOTALL)


def parse_exception(value: str) -> tuple[str, str]:
    """Split a legacy ``exception`` string ``"<type>: <message>"`` into type and message;
    anything else is an ``api_error`` with the whole string as its message."""
    match = _EXCEPTION.fullmatch(value)
    if match is None:
        return "api_error", value
    return match.group(1), match.group(2)


class _Fields(NamedTuple):
    stop_reason: str | None
    stop: str | None
    exception: str | None
    log_id: str | None
    model: str | None
    extra: dict[str, Any]


class _State(Enum):
    OPEN = "open"
    STOPPED = "stopped"
    ERRORED = "errored"
    ENDED = "ended"


class LegacyDecoder(Decoder):
    """Decodes 2023-01-01 streams: cumulative text becomes :class:`TextDelta` events."""

    dialect = Dialect.LEGACY

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._state = _State.OPEN
        self._parts: list[str] = []  # the text so far, joined when needed
        self._raw_prefix = ""  # the previous event's raw JSON up to its string's closing quote
        self._tail = ""  # the raw JSON after the completion string, last seen ...
        self._tail_fields: _Fields | None = None  # ... and its decoded fields
        self._started = False

    def decode(self, sse: ServerSentEvent, number: int) -> list[ModelEvent]:
        state = self._state
        if state is _State.ENDED:
            raise self.after_end(sse, number)
        name = sse.event
        if name is None:
            if sse.data == "[DONE]":
                if state is _State.OPEN:
                    raise self.malformed(
                        sse, number, "expected a completion with a stop_reason before [DONE]"
                    )
                self._state = _State.ENDED
                self.finished = True
                return [StreamEnd(**self.position(sse, number))]
            if state is not _State.OPEN:
                raise self.after_end(sse, number)
            return self._completion(sse, number)
        if name == "ping":
            return [Ping(data=sse.data, **self.position(sse, number))]
        return [self.unknown(sse, number)]

    def _completion(self, sse: ServerSentEvent, number: int) -> list[ModelEvent]:
        fields, delta = self._read(sse, number)
        stop_reason, stop, exception, log_id, model, extra = fields
        out: list[ModelEvent] = []
        if not self._started:
            self._started = True
            out.append(
                StreamStart(
                    id=log_id,
                    model=model,
                    log_id=log_id,
                    fallback_id=fallback_id(sse.data) if log_id is None else None,
                    event_number=number,
                    offset=sse.offset,
                )
            )
        if delta:
            self._parts.append(delta)
            out.append(text_delta(delta, 0, extra, number, sse.offset))
        elif stop_reason is None and exception is None:
            self.skip_empty(extra, "completion")
        if exception is not None:
            error_type, message = parse_exception(exception)
            error = StreamError(
                type=error_type,
                message=message,
                outer=extra if not delta else {},  # (with text, the text delta has them)
                stop_reason=stop_reason,
                stop_sequence=stop,
                **self.position(sse, number),
            )
            self.report.api_error = error
            out.append(error)
            self._state = _State.ERRORED
            self.finished = True
        elif stop_reason is not None:
            out.append(
                StreamStop(
                    stop_reason=stop_reason,
                    stop_sequence=stop,
                    extra=extra,
                    **self.position(sse, number),
                )
            )
            self._state = _State.STOPPED
        return out

    def _fields(self, sse: ServerSentEvent, number: int, payload: dict[str, Any]) -> _Fields:
        values, extra = self.fields(sse, number, payload, _Fields._fields[:-1], _KNOWN)
        return _Fields._make([*values, extra])

    def _read(self, sse: ServerSentEvent, number: int) -> tuple[_Fields, str]:
        """The fields (other than ``completion``) and the new text of a legacy event.

        Fast path: when the raw JSON repeats the previous event's raw string as its prefix, only
        the new part of the string and the keys after it are decoded. Otherwise the whole
        payload is decoded and the text compared with the previous one (as UTF-16 code units,
        as JSON strings are, so a surrogate pair split across events is not a rewrite).
        """
        raw = sse.data
        if raw.startswith(_HEAD):
            prefix = self._raw_prefix
            fast = bool(prefix) and raw.startswith(prefix)
            try:
                value, end = scanstring(raw, len(prefix) if fast else len(_HEAD))
            except ValueError:
                value = None
            if value is not None:
                tail = raw[end:]
                fields = self._tail_fields if tail == self._tail else None
                if fields is None:
                    rest: dict[str, Any] | None = None
                    stripped = tail.lstrip(_WS)
                    if stripped[:1] == ",":
                        rest = self.load(sse, number, "a legacy completion", "{" + stripped[1:])
                    elif stripped.rstrip(_WS) == "}":
                        rest = {}
                    if rest is not None and "completion" not in rest:
                        fields = self._fields(sse, number, rest)
                        self._tail, self._tail_fields = tail, fields
                if fields is not None:
                    delta = value if fast else self._extend(sse, number, value)
                    self._raw_prefix = raw[: end - 1]
                    return fields, delta
        payload = self.load(sse, number, "a legacy completion")
        text = payload.pop("completion", None)
        if not isinstance(text, str):
            raise self.malformed(
                sse, number, f"expected a string 'completion', found {dump(text)[:40]}"
            )
        fields = self._fields(sse, number, payload)
        delta = self._extend(sse, number, text)
        self._raw_prefix = ""
        return fields, delta

    def _extend(self, sse: ServerSentEvent, number: int, text: str) -> str:
        """The part of cumulative ``text`` after the text so far (which it must extend)."""
        previous = "".join(self._parts)
        self._parts = [previous] if previous else []
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
        raise RewrittenTextError(
            f"expected a completion that extends the previous {len(previous)} characters, "
            f"found one that differs at character {at}",
            **self.error_position(sse, number),
        )


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

    def __init__(
        self, policy: Policy | None = None, *, eol: str = "\n", clock: Clock | None = None
    ) -> None:
        self._text = bytearray()  # JSON string body of the completion so far
        super().__init__(policy, eol=eol, clock=clock)

    def started(self) -> None:
        self._meta = f',"truncated":false,"log_id":{dump(self.log_id)},"model":{dump(self.model)}'
        self._tail = to_bytes(f'","stop":null,"stop_reason":null{self._meta},"exception":null')
        self._tail_end = self._tail + to_bytes("}" + self.eol * 2)

    def can_carry(self, name: str | None, data: str) -> bool:
        return False  # a legacy consumer crashes on any line it does not expect

    def _event(self, middle: bytes, extra: dict[str, Any]) -> bytes:
        end = f"{self.extras(extra)}}}{self.eol}{self.eol}" if extra else "}" + self.eol * 2
        self.policy.wrote()
        return b"".join((self._head, self._text, middle, to_bytes(end)))

    def text_delta(self, event: TextDelta) -> bytes:
        self._text += encode_text(event.text)
        if event.extra:
            return self._event(self._tail, event.extra)
        self.policy.wrote()
        return b"".join((self._head, self._text, self._tail_end))

    def write(
        self,
        stop: str | None,
        stop_reason: str | None,
        exception: str | None,
        extra: dict[str, Any],
    ) -> bytes:
        """The event with the text so far and these fields (the final event, or the one with
        the exception); a subclass may make something else of them."""
        middle = to_bytes(
            f'","stop":{dump(stop)},"stop_reason":{dump(stop_reason)}{self._meta}'
            f',"exception":{dump(exception)}'
        )
        return self._event(middle, extra)

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
        self.count_fields("error.error", event.extra)
        exception = f"{event.type}: {event.message}"
        return self.write(event.stop_sequence, event.stop_reason, exception, event.outer)

    def unknown(self, event: Unknown) -> bytes:
        name = event_label(event.event)
        return self.policy.drop(
            event, f"unknown:{name}", f"an unknown event {name!r}", self.dialect
        )
