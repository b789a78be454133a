"""The ``completions`` dialect (anthropic-version 2023-06-01, ``POST /v1/complete``).

Wire form: named events. ``completion`` carries the *new* text, keys in the order
``type, id, completion, stop_reason, model, stop, log_id`` (``type`` and ``id`` appeared late
2023; older payloads lack them); the last one has ``"completion": ""`` and a stop reason.
``ping`` carries ``{"type": "ping"}``; ``error`` carries ``{"type": "error", "error": {...}}``
(older form without the top-level ``type``), and nothing follows it. There is no terminator.

Decoder states::

    OPEN ──completion with stop_reason──▶ ENDED
      └───────────error─────────────────▶ ENDED
"""

from __future__ import annotations

from json.decoder import scanstring  # type: ignore[attr-defined]
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from .._dialect import Dialect
from .._events import (
    Done,
    ModelEvent,
    Ping,
    StreamEnd,
    StreamError,
    StreamStart,
    StreamStop,
    TextDelta,
)
from .._json import dump, encode_text, load_object, same_value, to_bytes
from .._sse import ServerSentEvent
from ._base import Decoder, Position, TextProjection, fallback_id, text_delta

__all__ = ["CompletionsDecoder", "CompletionsEncoder", "decode_error"]

KEYS = ("type", "id", "completion", "stop_reason", "model", "stop", "log_id")
_KNOWN = frozenset(KEYS)
_KEY = '"completion":"'


class _Fields(NamedTuple):
    stop_reason: str | None
    stop: str | None
    id: str | None
    log_id: str | None
    model: str | None
    extra: dict[str, Any]


def decode_error(decoder: Decoder, sse: ServerSentEvent, number: int) -> StreamError:
    """Decode an ``error`` event (with or without the top-level ``"type": "error"``)."""
    payload = decoder.load(sse, number, "an error event")
    error = payload.get("error")
    if (
        payload.get("type", "error") != "error"
        or not isinstance(error, dict)
        or not isinstance(error.get("type"), str)
        or not isinstance(error.get("message", ""), str)
    ):
        raise decoder.malformed(
            sse,
            number,
            'expected an error event like {"type":"error","error":{"type":…,"message":…}}',
        )
    extra = {k: v for k, v in error.items() if k not in ("type", "message")}
    outer = {k: v for k, v in payload.items() if k not in ("type", "error")}
    decoder.report.api_error = StreamError(
        type=error["type"],
        message=error.get("message", ""),
        extra=extra,
        outer=outer,
        **decoder.position(sse, number),
    )
    return decoder.report.api_error


class CompletionsDecoder(Decoder):
    """Decodes 2023-06-01 completion streams."""

    dialect = Dialect.COMPLETIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._started = False
        self._ended = False
        self._head = ""  # the JSON before the text of the last completion payload ...
        self._tail = ""  # ... the JSON after it ...
        self._fields: _Fields | None = None  # ... and what it says

    def decode(self, sse: ServerSentEvent, number: int) -> list[ModelEvent]:
        name = sse.event
        if (name is None or name == "done") and sse.data == "[DONE]":
            # a stray [DONE], or the trailer `event: done` some proxies add
            return [Done(**self.position(sse, number))]
        if self._ended:
            raise self.after_end(sse, number)
        if name == "completion":
            return self._completion(sse, number)
        if name == "ping":
            return [Ping(data=sse.data, **self.position(sse, number))]
        if name == "error":
            error = decode_error(self, sse, number)
            self._ended = self.finished = True
            return [error]
        return [self.unknown(sse, number)]

    def _completion(self, sse: ServerSentEvent, number: int) -> list[ModelEvent]:
        text, fields = self._read(sse, number)
        stop_reason, stop, id_, log_id, model, extra = fields
        out: list[ModelEvent] = []
        if not self._started:
            self._started = True
            missing = id_ is None and log_id is None
            out.append(
                StreamStart(
                    id=id_,
                    model=model,
                    log_id=log_id,
                    fallback_id=fallback_id(sse.data) if missing else None,
                    **self.position(sse, number),
                )
            )
        if text:
            out.append(text_delta(text, 0, extra, number, sse.offset))
        elif stop_reason is None:
            self.skip_empty(extra, "completion")
        if stop_reason is not None:
            pos: Position = self.position(sse, number)
            out.append(StreamStop(stop_reason=stop_reason, stop_sequence=stop, extra=extra, **pos))
            out.append(StreamEnd(**pos))
            self._ended = self.finished = True
        return out

    def _read(self, sse: ServerSentEvent, number: int) -> tuple[str, _Fields]:
        """The text and the other fields of a completion payload.

        Consecutive payloads differ only in their text, so the JSON around the text (checked
        once) is remembered and, when it repeats byte for byte, only the text is decoded.
        """
        raw = sse.data
        at = raw.find(_KEY)
        if at > 0:
            start = at + len(_KEY)
            try:
                text, end = scanstring(raw, start)
            except ValueError:
                text = None
            if text is not None:
                head, tail = raw[:start], raw[end:]
                if head == self._head and tail == self._tail and self._fields is not None:
                    return text, self._fields
                payload = self.load(sse, number, "a completion")
                if payload.get("completion") == text:
                    fields = self._check(sse, number, payload)
                    template = load_object(head + '"' + tail, "a completion")
                    if same_value(template, {**payload, "completion": ""}):
                        self._head, self._tail, self._fields = head, tail, fields
                    return text, fields
        payload = self.load(sse, number, "a completion")
        text = payload.get("completion")
        return text, self._check(sse, number, payload)  # type: ignore[return-value]

    def _check(self, sse: ServerSentEvent, number: int, payload: dict[str, Any]) -> _Fields:
        if not isinstance(payload.get("completion"), str) or (
            payload.get("type", "completion") != "completion"
        ):
            raise self.malformed(
                sse, number, "expected a completion payload with a string 'completion'"
            )
        values, extra = self.fields(sse, number, payload, _Fields._fields[:-1], _KNOWN)
        return _Fields._make([*values, extra])


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
            f'event: completion{eol}data: {{"type":"completion","id":{dump(self.id)},"completion":"'
        )
        self._meta = f',"model":{dump(self.model)}'
        self._log = f',"log_id":{dump(self.log_id)}'
        self._mid = to_bytes(f'","stop_reason":null{self._meta},"stop":null{self._log}')
        self._mid_end = self._mid + to_bytes("}" + eol * 2)

    def _event(self, text: bytes, middle: bytes, extra: dict[str, Any]) -> bytes:
        eol = self.eol
        end = f"{self.extras(extra)}}}{eol}{eol}" if extra else "}" + eol * 2
        self.policy.wrote()
        return b"".join((self._head, text, middle, to_bytes(end)))

    def text_delta(self, event: TextDelta) -> bytes:
        text = event.text
        if event.extra:
            return self._event(encode_text(text), self._mid, event.extra)
        self.policy.wrote()
        if text.isascii():  # the common case of encode_text, inline
            return b"".join((self._head, encode_basestring(text)[1:-1].encode(), self._mid_end))
        return b"".join((self._head, encode_text(text), self._mid_end))

    def stream_stop(self, event: StreamStop) -> bytes:
        stop = self.stop_fields(event)
        if stop is None:
            return b""
        self.stop = stop
        self.seal()  # the final event: nothing follows it
        stop_reason, stop_sequence = stop
        middle = (
            f'","stop_reason":{dump(stop_reason)}{self._meta},"stop":{dump(stop_sequence)}'
            f"{self._log}"
        )
        return self._event(b"", to_bytes(middle), event.extra)

    def stream_end(self, event: StreamEnd) -> bytes:
        return self.end_extras(event)
