"""What every dialect's decoder and encoder share."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from typing import Any, ClassVar, Literal

from .._detect import classify
from .._dialect import Dialect
from .._errors import (
    EventAfterEndError,
    MalformedEventError,
    UnrepresentableError,
    UsageError,
)
from .._events import (
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
from .._json import dump, load_object, to_bytes
from .._options import MODES, Mode
from .._report import Report
from .._sse import ServerSentEvent, encode_sse

__all__ = [
    "HUMAN_STOP",
    "MODES",
    "Decoder",
    "Encoder",
    "Mode",
    "Position",
    "TextProjection",
    "at",
    "event_label",
    "fallback_id",
    "optional_str",
    "text_delta",
]

HUMAN_STOP = "\n\nHuman:"
Position = dict[str, Any]


class Decoder:
    """Turns one dialect's SSE events into model events; a small state machine per dialect.

    Attributes:
        finished: the stream reached its end (terminator, final event or error event).
        report: counts shared with the converter (skipped empty deltas).
    """

    dialect: ClassVar[Dialect]

    def __init__(self, report: Report | None = None) -> None:
        self.report = report if report is not None else Report(target=self.dialect)
        self.finished = False

    def decode(self, sse: ServerSentEvent, number: int) -> list[ModelEvent]:
        """Decode one SSE event (``number`` counts every dispatched event from 1).

        Raises:
            InputError: the event is malformed or not allowed here; the error carries the
                dialect, event number and byte offset, and the decoder's state is unchanged.
        """
        raise NotImplementedError

    def load(
        self, sse: ServerSentEvent, number: int, what: str, data: str | None = None
    ) -> dict[str, Any]:
        """The event's data (or ``data``) as a JSON object; errors carry the event's position."""
        try:
            return load_object(sse.data if data is None else data, what)
        except MalformedEventError as exc:
            exc.dialect = self.dialect.value
            exc.event_number = number
            exc.offset = sse.offset
            raise

    def fields(
        self,
        sse: ServerSentEvent,
        number: int,
        payload: dict[str, Any],
        names: tuple[str, ...],
        known: frozenset[str],
    ) -> tuple[list[str | None], dict[str, Any]]:
        """The string-or-null fields ``names`` of a payload, and its fields not in ``known``
        (in source order).

        Raises:
            MalformedEventError: one of ``names`` is neither a string nor null.
        """
        values = [optional_str(self, sse, number, payload, name) for name in names]
        extra = {}
        if not payload.keys() <= known:
            extra = {k: v for k, v in payload.items() if k not in known}
        return values, extra

    def skip_empty(self, extra: dict[str, Any], path: str) -> None:
        """Count an event whose new text is empty (nothing to write), and its unknown fields,
        which then have no place."""
        self.report.skipped_empty_deltas += 1
        self.unplaced(extra, path)

    def unplaced(self, fields: dict[str, Any], path: str) -> None:
        """Count fields that no model event carries (found at ``path`` of an input event), unless
        the event is written verbatim (a same-dialect conversion)."""
        if fields and self.report.target is not self.dialect:
            for key in fields:
                self.report.dropped_fields[f"{path}.{key}"] += 1

    def position(self, sse: ServerSentEvent, number: int) -> Position:
        return {"event_number": number, "offset": sse.offset}

    def error_position(self, sse: ServerSentEvent, number: int) -> Position:
        return {"dialect": self.dialect.value, "event_number": number, "offset": sse.offset}

    def unknown(self, sse: ServerSentEvent, number: int) -> Unknown:
        """An event of no known type: passed on as :class:`Unknown`, unless it plainly belongs
        to another dialect (then the source dialect is wrong, which is an error)."""
        other = classify(sse)
        if other is not None and other is not self.dialect:
            raise MalformedEventError(
                f"expected a {self.dialect} event, found one of the {other} dialect "
                f"(event {_shown(sse.event)}); is the source dialect right?",
                **self.error_position(sse, number),
            )
        return Unknown(event=sse.event, data=sse.data, **self.position(sse, number))

    def after_end(self, sse: ServerSentEvent, number: int) -> EventAfterEndError:
        return EventAfterEndError(
            f"expected nothing after the end of the {self.dialect} stream, "
            f"found event {_shown(sse.event)}",
            **self.error_position(sse, number),
        )

    def malformed(self, sse: ServerSentEvent, number: int, message: str) -> MalformedEventError:
        return MalformedEventError(message, **self.error_position(sse, number))


def optional_str(
    decoder: Decoder, sse: ServerSentEvent, number: int, payload: dict[str, Any], key: str
) -> str | None:
    value = payload.get(key)
    if value is None or isinstance(value, str):
        return value
    raise decoder.malformed(
        sse, number, f"expected {key!r} to be a string or null, found {type(value).__name__}"
    )


_validate_text_delta = TextDelta.__pydantic_validator__.validate_python


def text_delta(
    text: str, index: int, extra: dict[str, Any], number: int, offset: int | None
) -> TextDelta:
    """A validated :class:`TextDelta`, made the fastest way pydantic offers (the hot path)."""
    return _validate_text_delta(  # type: ignore[no-any-return]
        {"index": index, "text": text, "extra": extra, "event_number": number, "offset": offset}
    )


def fallback_id(data: str) -> str:
    """``msg_`` + a hash of an event's data: the id written for a source without one."""
    digest = hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()
    return f"msg_{digest[:24]}"


def _shown(event: str | None) -> str:
    return "(data-only)" if event is None else repr(event)


def event_label(event: str | None) -> str:
    """An event's name for reports and messages; ``"(data-only)"`` without an event line."""
    return "(data-only)" if event is None else event


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class Encoder:
    """Turns model events into one dialect's bytes.

    Args:
        eol: line ending of the output, ``"\\n"`` or ``"\\r\\n"``.
        mode: ``"strict"`` raises :class:`UnrepresentableError` for content the dialect cannot
            carry; otherwise such content is dropped and counted in ``report``.
        pings: ``"keep"`` (write pings in the target's form) or ``"drop"`` (count them).
        clock: returns the time written into legacy ping timestamps (UTC).
        report: where drops are counted (a fresh :class:`Report` if not given).

    Attributes:
        ended: the output stream is complete (terminator, final event or error): every event
            from now on is dropped and counted (see :meth:`seal`), so the output always
            validates in its dialect.
    """

    dialect: ClassVar[Dialect]
    #: the event names the dialect defines: an event passed through verbatim must not use one
    names: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        *,
        eol: str = "\n",
        mode: Mode = "default",
        pings: Literal["keep", "drop"] = "keep",
        clock: Callable[[], datetime.datetime] | None = None,
        report: Report | None = None,
    ) -> None:
        if eol not in ("\n", "\r\n"):
            raise UsageError(f"expected eol '\\n' or '\\r\\n', found {eol!r}")
        if mode not in MODES:
            raise UsageError(f"expected mode strict, default or lenient, found {mode!r}")
        if pings not in ("keep", "drop"):
            raise UsageError(f"expected pings 'keep' or 'drop', found {pings!r}")
        self.eol = eol
        self.mode = mode
        self.pings = pings
        self.clock = clock or _utc_now
        self.report = report if report is not None else Report(target=self.dialect)
        self.handlers: dict[type[ModelEvent], Callable[[Any], bytes]] = {
            StreamStart: self.stream_start,
            BlockStart: self.block_start,
            TextDelta: self.text_delta,
            BlockDelta: self.block_delta,
            BlockStop: self.block_stop,
            StreamStop: self.stream_stop,
            StreamEnd: self.stream_end,
            Done: self.done,
            Ping: self.ping,
            StreamError: self.stream_error,
            Unknown: self.unknown,
        }
        self.ended = False

    def encode(self, event: ModelEvent) -> bytes:
        """Return the bytes for one model event (``b""`` when it writes nothing).

        Raises:
            UnrepresentableError: strict mode, and the event has no place in this dialect.
        """
        return self.handlers[type(event)](event)

    # -- helpers --------------------------------------------------------------------------

    def frame(self, name: str | None, data: str) -> bytes:
        """One event with single-line ``data`` (already serialized)."""
        self.report.events_out += 1
        eol = self.eol
        if name is None:
            return to_bytes(f"data: {data}{eol}{eol}")
        return to_bytes(f"event: {name}{eol}data: {data}{eol}{eol}")

    def frame_bytes(self, parts: list[bytes | bytearray]) -> bytes:
        """One event from pre-built bytes (counted)."""
        self.report.events_out += 1
        return b"".join(parts)

    def can_carry(self, name: str | None, data: str) -> bool:
        """Whether an event can be written verbatim now and read back as an unknown event of
        this dialect: the output has not ended, the name is not one the dialect defines, and
        the event does not plainly belong to another dialect."""
        if self.ended or name in self.names:
            return False
        if data == "[DONE]" and name in (None, "done"):
            return False  # read as a stray [DONE]
        other = classify(ServerSentEvent(name, data))
        return other is None or other is self.dialect

    def passthrough(self, event: Unknown) -> bytes:
        """Write an unknown event verbatim where the output can carry it; otherwise drop and
        count it (an error in strict mode)."""
        name = event_label(event.event)
        if not self.can_carry(event.event, event.data):
            return self.drop(event, f"unknown:{name}", f"an unknown event {name!r} here")
        self.report.passed_through[name] += 1
        self.report.events_out += 1
        return encode_sse(ServerSentEvent(event.event, event.data), eol=self.eol)

    def seal(self, *allowed: type[ModelEvent]) -> None:
        """The output reached a point after which its dialect allows only ``allowed`` events
        (none: the output stream is complete): every other event is handed to
        :meth:`after_end` from now on, which drops and counts it."""
        if not allowed:
            self.ended = True
        for kind in self.handlers:
            if kind not in allowed:
                self.handlers[kind] = self.after_end

    def after_end(self, event: ModelEvent) -> bytes:
        """Drop and count an event that the output cannot carry any more (pings and stray
        ``[DONE]`` lines are only counted; content is an error in strict mode)."""
        kind = type(event)
        if kind is Ping:
            self.report.dropped["ping_after_end"] += 1
            return b""
        if kind is Done:
            return self.done(event)  # type: ignore[arg-type]
        if kind is StreamEnd:
            return self.end_extras(event)  # type: ignore[arg-type]
        if kind is StreamStop:
            return self.later_stop(event)  # type: ignore[arg-type]
        if kind is Unknown:
            name = event_label(event.event)  # type: ignore[attr-defined]
            return self.drop(event, f"unknown:{name}", f"an unknown event {name!r} after the end")
        if kind is StreamError:
            out = self.drop(event, "error_after_end", "an error after the final event")
            self.count_fields("error.error", event.extra)  # type: ignore[attr-defined]
            self.count_fields("error", event.outer)  # type: ignore[attr-defined]
            return out
        name = kind.__name__
        return self.drop(event, f"{name}_after_end", f"a {name} after the final event")

    def later_stop(self, event: StreamStop) -> bytes:
        """A stop after the final event was written (a later ``message_delta``)."""
        return self.drop(event, "message_delta", "a second stop reason")

    def end_extras(self, event: StreamEnd) -> bytes:
        """Count the fields of a ``message_stop`` that has no place to go."""
        self.count_fields("message_stop", event.extra)
        return b""

    def outside(
        self, fields: dict[str, Any], known: tuple[str, ...], path: str = "error"
    ) -> dict[str, Any]:
        """``fields`` to write after the ``known`` keys of a payload: those that would repeat
        a known key have no place (counted under ``path``)."""
        if not fields or all(key not in fields for key in known):
            return fields
        self.count_fields(path, {k: v for k, v in fields.items() if k in known})
        return {k: v for k, v in fields.items() if k not in known}

    def count_fields(self, path: str, fields: dict[str, Any]) -> None:
        """Count ``fields`` (found at ``path`` of an input event) as having no place."""
        for key in fields:
            self.report.dropped_fields[f"{path}.{key}"] += 1

    def drop(self, event: ModelEvent, kind: str, what: str) -> bytes:
        """Count ``kind`` as dropped, or raise in strict mode."""
        if self.mode == "strict":
            raise UnrepresentableError(
                f"expected content that {self.dialect} can carry, found {what}",
                dialect=str(self.report.source) if self.report.source else None,
                event_number=event.event_number or None,
                offset=None if event.offset == -1 else event.offset,
            )
        self.report.dropped[kind] += 1
        return b""

    def drop_ping(self) -> bytes:
        self.report.dropped["ping"] += 1
        return b""

    def done(self, event: Done) -> bytes:
        self.report.removed_done += 1
        return b""

    # -- per event (each dialect overrides what it writes) --------------------------------

    def stream_start(self, event: StreamStart) -> bytes:
        raise NotImplementedError

    def block_start(self, event: BlockStart) -> bytes:
        raise NotImplementedError

    def text_delta(self, event: TextDelta) -> bytes:
        raise NotImplementedError

    def block_delta(self, event: BlockDelta) -> bytes:
        raise NotImplementedError

    def block_stop(self, event: BlockStop) -> bytes:
        raise NotImplementedError

    def stream_stop(self, event: StreamStop) -> bytes:
        raise NotImplementedError

    def stream_end(self, event: StreamEnd) -> bytes:
        raise NotImplementedError

    def ping(self, event: Ping) -> bytes:
        raise NotImplementedError

    def stream_error(self, event: StreamError) -> bytes:
        raise NotImplementedError

    def unknown(self, event: Unknown) -> bytes:
        raise NotImplementedError


class TextProjection(Encoder):
    """Shared by the two completion dialects: only the text of ``text`` blocks has a place.

    Other blocks are dropped and counted by block type (once per block, their deltas with
    them); non-text deltas inside text blocks (``citations_delta``) by delta type; Messages
    usage is recorded in the report, other Messages fields without a place in
    ``report.dropped_fields``. Stop reasons are mapped from the Messages vocabulary:
    ``end_turn`` becomes ``stop_sequence`` with ``stop`` ``"\\n\\nHuman:"``; all else passes.
    The final event is written when the first stop reason arrives; what the dialect does not
    allow after it is dropped and counted (see :meth:`Encoder.seal`).
    """

    #: the keys of the dialect's completion payload (extras must not repeat them)
    keys: ClassVar[tuple[str, ...]] = ()
    _MESSAGE_KNOWN = ("id", "type", "role", "model", "content", "stop_reason", "stop_sequence")

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._dropped_blocks: set[int] = set()
        self.id: str | None = None
        self.log_id: str | None = None
        self.model: str | None = None
        self.stop: tuple[str | None, str | None] | None = None  # (stop_reason, stop) written

    def stream_start(self, event: StreamStart) -> bytes:
        self.id = event.id if event.id is not None else event.log_id
        self.log_id = event.log_id if event.log_id is not None else event.id
        self.model = event.model
        self.started()
        message = event.message
        if not message:
            return b""
        self._note_usage(message.get("usage"))
        defaults = {"type": "message", "role": "assistant", "stop_reason": None}
        self.count_fields(
            "message_start.message",
            {
                k: v
                for k, v in message.items()
                if k not in ("id", "model", "content", "usage")
                and (k not in self._MESSAGE_KNOWN or v != defaults.get(k))
            },
        )
        out = []
        content = message.get("content")
        for index, block in enumerate(content if isinstance(content, list) else ()):
            if not isinstance(block, dict):
                self.count_fields("message_start.message", {"content": None})
                continue
            out.append(self._content(BlockStart(index=index, block=block, **at(event))))
            self.block_stop(BlockStop(index=index))
        return b"".join(out)

    def started(self) -> None:
        """Called when the ids and model are known."""

    def _note_usage(self, usage: Any) -> None:
        if isinstance(usage, dict):
            # message_delta usage is cumulative; message_start's input counts stay valid.
            self.report.usage = {**(self.report.usage or {}), **usage}

    def block_start(self, event: BlockStart) -> bytes:
        return self._content(event, "content_block_start.content_block")

    def _content(self, event: BlockStart, path: str = "message_start.message.content") -> bytes:
        if event.block_type == "text":
            block = event.block
            if block.keys() != {"type", "text"}:
                extra = {k: v for k, v in block.items() if k not in ("type", "text")}
                self.count_fields(path, extra)
            text = block.get("text")
            if isinstance(text, str) and text:  # the API sends "", but text here is text
                return self.text_delta(TextDelta(index=event.index, text=text, **at(event)))
            return b""
        self._dropped_blocks.add(event.index)
        return self.drop(event, event.block_type, f"a {event.block_type!r} content block")

    def block_delta(self, event: BlockDelta) -> bytes:
        if event.index in self._dropped_blocks:
            return b""
        return self.drop(event, event.delta_type, f"a {event.delta_type!r} delta")

    def block_stop(self, event: BlockStop) -> bytes:
        self.count_fields("content_block_stop", event.extra)
        self._dropped_blocks.discard(event.index)
        return b""

    def stop_fields(self, event: StreamStop) -> tuple[str | None, str | None] | None:
        """``(stop_reason, stop)`` in the completion vocabulary, or ``None`` for a Messages
        usage update without a stop reason (nothing to write). Notes usage and counts the
        fields of a ``message_delta``'s ``delta`` that have no place."""
        self._note_usage(event.usage)
        self.count_fields("message_delta.delta", event.details)
        if event.stop_reason is None:
            self.count_fields("message_delta", event.extra)
            return None
        if event.stop_reason == "end_turn":
            return "stop_sequence", HUMAN_STOP
        return event.stop_reason, event.stop_sequence

    def later_stop(self, event: StreamStop) -> bytes:
        stop = self.stop_fields(event)
        if stop is not None and stop != self.stop:
            self.drop(event, "message_delta", "a second stop reason")
        if stop is not None:  # (stop_fields counted them otherwise)
            self.count_fields("message_delta", event.extra)
        return b""

    def extras(self, extra: dict[str, Any], path: str = "completion") -> str:
        """Unknown source fields, written after the known ones: ``,"k":v…`` (a field that would
        repeat a key of the payload is counted instead)."""
        extra = self.outside(extra, self.keys, path)
        return "".join(f",{dump(key)}:{dump(value)}" for key, value in extra.items())


def at(event: ModelEvent) -> Position:
    """The position of ``event``, for a model event made from it."""
    return {"event_number": event.event_number, "offset": event.offset}
