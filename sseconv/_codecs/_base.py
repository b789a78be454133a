"""What every dialect's decoder and encoder share."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable, Mapping
from enum import Enum
from functools import partial
from json.encoder import encode_basestring
from typing import Any, ClassVar, NamedTuple

from .._detect import classify
from .._dialect import Dialect
from .._errors import EventAfterEndError, InputError, MalformedEventError
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
from .._options import Clock, Eol
from .._policy import Policy, is_stray_done
from .._report import Report
from .._sse import ServerSentEvent, encode_sse
from ._stop import to_completion

__all__ = [
    "Decoder",
    "Encoder",
    "Fields",
    "Handled",
    "Handlers",
    "State",
    "Step",
    "TextProjection",
    "at",
    "count_fields",
    "decode_error",
    "event_label",
    "text_fields",
]

Step = tuple[type[ModelEvent], dict[str, Any]]
#: What a handler returns: the model events to make (class and fields), and the input that
#: the payload carries besides (``"stop"``, ``"exception"``) or ``None``.
Handled = tuple[list[Step], str | None]
Handlers = Mapping[str, Callable[[Any, ServerSentEvent], Handled]]
_MAKE: dict[type[ModelEvent], Callable[[dict[str, Any]], ModelEvent]] = {
    kind: kind.__pydantic_validator__.validate_python for kind in ModelEvent.__subclasses__()
}
_TEXT_DELTA = _MAKE[TextDelta]


class Fields(NamedTuple):
    """What a completion payload (legacy or 2023-06-01) says besides its text."""

    extra: dict[str, Any]  # its unknown fields, in source order
    stop_reason: str | None = None
    stop: str | None = None
    id: str | None = None
    log_id: str | None = None
    model: str | None = None
    exception: str | None = None


class State(Enum):
    """Base of the decoders' state enums."""

    __hash__ = object.__hash__  # (members are singletons; the C-level hash, on the hot path)


class Decoder:
    """Turns one dialect's SSE events into model events: one explicit state machine per dialect.

    Each SSE event is one *input*, named by :meth:`input` (an event name, ``"done"``, ``"ping"``,
    ``"other"``…). The class's ``table`` maps ``(state, input)`` to the state after it; a pair
    that is not in the table is refused (:meth:`refuse` says why, with the event's position).
    The input's handler reads and checks the payload, then returns the model events to make and
    possibly a second input that the payload carries (a stop reason, an exception), which moves
    on from the state after the first. Nothing changes before every check has passed, so a
    decoder that raised :class:`InputError` is as it was and can take the next event.

    Attributes:
        state: where the stream is, a member of the dialect's state enum.
        report: counts shared with the converter (skipped empty deltas, fields with no place,
            the API error).
    """

    dialect: ClassVar[Dialect]
    start: ClassVar[State]
    #: (state, input) -> state after it; any other pair is refused
    table: ClassVar[Mapping[tuple[Any, str], Any]]
    #: the event names that are inputs of their own (others are ``"other"``)
    names: ClassVar[frozenset[str]] = frozenset()
    #: the states in which the stream is finished
    ends: ClassVar[frozenset[Any]]

    def __init__(self, report: Report | None = None) -> None:
        self.report = report if report is not None else Report(target=self.dialect)
        self.state: Any = self.start
        self.setup()

    def setup(self) -> None:
        """Set up the dialect's own state (called by ``__init__``)."""

    @property
    def finished(self) -> bool:
        """The stream reached its end (terminator, final event or error event)."""
        return self.state in self.ends

    def decode(self, sse: ServerSentEvent) -> list[ModelEvent]:
        """Decode one SSE event; its position is ``sse.number`` and ``sse.offset``.

        Raises:
            InputError: the event is malformed or not allowed here; the error carries the
                dialect, event number and byte offset, and the decoder's state is unchanged.
        """
        text = self.text(sse)
        if text is not None:
            return [_TEXT_DELTA(text)]
        return self.events(sse)

    def events(self, sse: ServerSentEvent) -> list[ModelEvent]:
        """:meth:`decode` for an event that :meth:`text` does not take: the model events that
        :meth:`step` makes."""
        return [_MAKE[kind](fields) for kind, fields in self.step(sse)]

    def check(self, sse: ServerSentEvent) -> type[ModelEvent] | None:
        """What :meth:`decode` does, without making the model events: the same checks, errors
        and state changes; returns the class of the first model event ``decode`` would return
        (``None`` for none), e.g. :class:`Done` for a stray ``[DONE]``. For a same-dialect
        conversion, which writes the input verbatim.

        Raises:
            InputError: exactly where :meth:`decode` raises it.
        """
        if self.text(sse) is not None:
            return TextDelta
        steps = self.step(sse)
        return steps[0][0] if steps else None

    def text(self, sse: ServerSentEvent) -> dict[str, Any] | None:
        """The common case the quick way: the fields of the one :class:`TextDelta` that
        :meth:`step` would make of ``sse``, when it would change nothing else (a text event of an
        open stream); ``None`` sends the event through the state table."""
        return None

    def step(self, sse: ServerSentEvent) -> list[Step]:
        """Take one event through the state table; the model events to make."""
        kind = self.input(sse)
        after = self.table.get((self.state, kind))
        if after is None:
            raise self.refuse(sse, kind)
        steps, more = self.handlers[kind](self, sse)
        if more is not None:
            after = self.table[after, more]
        self.state = after
        return steps

    def input(self, sse: ServerSentEvent) -> str:
        """The input that an event is: its name if that is one of ``names``, ``"done"`` for a
        stray ``[DONE]`` (data-only, or the trailer ``event: done`` some proxies add), else
        ``"other"``."""
        name = sse.event
        if name in self.names:
            return name
        if is_stray_done(name, sse.data):
            return "done"
        return "other"

    def refuse(self, sse: ServerSentEvent, kind: str) -> InputError:
        """The error for an input that the state table does not allow in the current state
        (by default: the stream has ended)."""
        return self.malformed(
            sse,
            f"expected nothing after the end of the {self.dialect} stream, "
            f"found event {_shown(sse.event)}",
            EventAfterEndError,
        )

    # -- handlers every dialect has ---------------------------------------------------------

    def ping(self, sse: ServerSentEvent) -> Handled:
        return [(Ping, {"data": sse.data, **self.position(sse)})], None

    def done(self, sse: ServerSentEvent) -> Handled:
        return [(Done, self.position(sse))], None

    def other(self, sse: ServerSentEvent) -> Handled:
        """An event of no known type: passed on as :class:`Unknown`, unless it plainly belongs
        to another dialect (then the source dialect is wrong, which is an error)."""
        found = classify(sse)
        if found is not None and found is not self.dialect:
            raise self.malformed(
                sse,
                f"expected a {self.dialect} event, found one of the {found} dialect "
                f"(event {_shown(sse.event)}); is the source dialect right?",
            )
        return [(Unknown, {"event": sse.event, "data": sse.data, **self.position(sse)})], None

    def error(self, sse: ServerSentEvent) -> Handled:
        """An ``error`` event (with or without the top-level ``"type": "error"``)."""
        return [(StreamError, self.api_error(decode_error(self, sse)))], None

    #: input -> handler(decoder, sse); these four, for the dialects that have them
    handlers: ClassVar[Handlers] = {"ping": ping, "error": error, "done": done, "other": other}

    # -- helpers --------------------------------------------------------------------------

    def api_error(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Note the API error that ends the stream in the report; its fields."""
        self.report.api_error = StreamError.model_validate(fields)
        return fields

    def load(self, sse: ServerSentEvent, what: str, data: str | None = None) -> dict[str, Any]:
        """The event's data (or ``data``) as a JSON object; errors carry the event's position."""
        try:
            return load_object(sse.data if data is None else data, what)
        except MalformedEventError as exc:
            exc.dialect = self.dialect.value
            exc.event_number = sse.number
            exc.offset = sse.offset
            raise

    def fields(
        self,
        sse: ServerSentEvent,
        payload: dict[str, Any],
        names: tuple[str, ...],
        known: frozenset[str],
    ) -> Fields:
        """The string-or-null fields ``names`` of a completion payload, and its fields not in
        ``known`` (in source order).

        Raises:
            MalformedEventError: one of ``names`` is neither a string nor null.
        """
        values = {name: payload.get(name) for name in names}
        for name, value in values.items():
            if value is not None and not isinstance(value, str):
                raise self.malformed(
                    sse,
                    f"expected {name!r} to be a string or null, found {type(value).__name__}",
                )
        return Fields({k: v for k, v in payload.items() if k not in known}, **values)

    def opening(
        self, sse: ServerSentEvent, id_: str | None, model: str | None, log_id: str | None
    ) -> list[Step]:
        """The :class:`StreamStart` made of a completion source's first event (none after it);
        for a source without an id, its ``fallback_id`` is ``msg_`` + a hash of the event's
        data."""
        if self.state is not self.start:
            return []
        fallback = None
        if id_ is None and log_id is None:
            digest = hashlib.sha256(sse.data.encode("utf-8", "surrogatepass")).hexdigest()
            fallback = f"msg_{digest[:24]}"
        start = {"id": id_, "model": model, "log_id": log_id, "fallback_id": fallback}
        return [(StreamStart, {**start, **self.position(sse)})]

    def skip_empty(self, extra: dict[str, Any], path: str) -> None:
        """Count an event whose new text is empty (nothing to write), and its unknown fields,
        which then have no place."""
        self.report.skipped_empty_deltas += 1
        self.unplaced(extra, path)

    def unplaced(self, fields: dict[str, Any], path: str, known: tuple[str, ...] = ()) -> None:
        """Count the fields beside ``known`` (which must be there) that no model event carries
        (found at ``path`` of an input event), unless the event is written verbatim (a
        same-dialect conversion)."""
        if len(fields) > len(known) and self.report.target is not self.dialect:
            count_fields(self.report, path, fields, known)

    def position(self, sse: ServerSentEvent) -> dict[str, Any]:
        return {"event_number": sse.number, "offset": sse.offset}

    def malformed(
        self, sse: ServerSentEvent, message: str, kind: type[InputError] = MalformedEventError
    ) -> InputError:
        """The error ``kind`` saying ``message``, at the event's position."""
        return kind(message, dialect=self.dialect.value, event_number=sse.number, offset=sse.offset)


def count_fields(
    report: Report, path: str, fields: dict[str, Any], known: tuple[str, ...] = ()
) -> None:
    """Count ``fields`` (found at ``path`` of an input event), those in ``known`` aside, as
    having no place in the target."""
    for key in fields:
        if key not in known:
            report.dropped_fields[f"{path}.{key}"] += 1


def decode_error(decoder: Decoder, sse: ServerSentEvent) -> dict[str, Any]:
    """The :class:`StreamError` fields of an ``error`` event (with or without the top-level
    ``"type": "error"``).

    Raises:
        MalformedEventError: not such an event.
    """
    payload = decoder.load(sse, "an error event")
    error = payload.get("error")
    if (
        payload.get("type", "error") != "error"
        or not isinstance(error, dict)
        or not isinstance(error.get("type"), str)
        or not isinstance(error.get("message", ""), str)
    ):
        raise decoder.malformed(
            sse, 'expected an error event like {"type":"error","error":{"type":…,"message":…}}'
        )
    return {
        "type": error["type"],
        "message": error.get("message", ""),
        "extra": {k: v for k, v in error.items() if k not in ("type", "message")},
        "outer": {k: v for k, v in payload.items() if k not in ("type", "error")},
        **decoder.position(sse),
    }


def text_fields(sse: ServerSentEvent, index: int, text: str, extra: Any) -> dict[str, Any]:
    """The fields of the :class:`TextDelta` made of ``sse``."""
    return {
        "index": index,
        "text": text,
        "extra": extra,
        "event_number": sse.number,
        "offset": sse.offset,
    }


def _shown(event: str | None) -> str:
    return "(data-only)" if event is None else repr(event)


def event_label(event: str | None) -> str:
    """An event's name for reports and messages; ``"(data-only)"`` without an event line."""
    return "(data-only)" if event is None else event


#: The method of :class:`Encoder` that writes each type of model event: its name in snake case.
_WRITERS = {kind: re.sub("(?<!^)([A-Z])", r"_\1", kind.__name__).lower() for kind in _MAKE}


class Encoder:
    """Turns model events into one dialect's bytes.

    Each dialect defines a method per model event type (``stream_start``, ``block_start``,
    ``block_delta``, ``block_stop``, ``stream_stop``, ``stream_end``, and where it differs from
    the default here ``ping``, ``stream_error``, ``unknown``), and :meth:`text` for a
    :class:`TextDelta` given by its fields (``text_delta`` calls it: a conversion writes its
    texts without making the event); ``handlers`` maps each type to its method, and
    :meth:`seal` re-routes what may not follow the end (texts included).
    A dialect's own state is set up by :meth:`setup`.
    What to drop, and how strictly, is the policy's decision, as is the counting of what is
    written and dropped.

    Args:
        policy: the conversion's :class:`Policy` (mode, pings, and the :class:`Report` counted
            in); a fresh default one when not given.
        eol: line ending of the output, ``"\\n"`` or ``"\\r\\n"`` (checked by :class:`Options`).
        clock: returns the time written into legacy ping timestamps (UTC).

    Attributes:
        ended: the output stream is complete (terminator, final event or error): every event
            from now on is dropped and counted (see :meth:`seal`), so the output always
            validates in its dialect.
    """

    dialect: ClassVar[Dialect]
    #: the event names the dialect defines: an event passed through verbatim must not use one
    names: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self, policy: Policy | None = None, *, eol: Eol = "\n", clock: Clock | None = None
    ) -> None:
        self.policy = policy if policy is not None else Policy(Report(target=self.dialect))
        self.report = self.policy.report
        self.eol = eol
        self.clock = clock or partial(datetime.datetime.now, datetime.timezone.utc)
        self.handlers: dict[type[ModelEvent], Callable[[Any], bytes]] = {
            kind: getattr(self, name) for kind, name in _WRITERS.items()
        }
        #: writes a :class:`TextDelta` given by its fields (see :meth:`text`)
        self.texts: Callable[[dict[str, Any]], bytes] = self.text
        self.ended = False
        self.setup()

    def setup(self) -> None:
        """Set up the dialect's own state (called by ``__init__``)."""

    def encode(self, event: ModelEvent) -> bytes:
        """Return the bytes for one model event (``b""`` when it writes nothing).

        Raises:
            UnrepresentableError: strict mode, and the event has no place in this dialect.
        """
        return self.handlers[type(event)](event)

    def text_delta(self, event: TextDelta) -> bytes:
        return self.text(vars(event))

    def text(self, fields: dict[str, Any]) -> bytes:
        """Write the :class:`TextDelta` that has these fields (as a decoder's ``text`` gives
        them) without making the event: a conversion's common case. Called through
        :attr:`texts`, which :meth:`seal` re-routes with the handlers."""
        raise NotImplementedError

    # -- what most dialects write alike ---------------------------------------------------

    def ping(self, event: Ping) -> bytes:
        return self.frame("ping", '{"type": "ping"}') if self.policy.ping() else b""

    def stream_error(self, event: StreamError) -> bytes:
        """An ``error`` event; nothing follows it."""
        self.seal()
        stop = {"stop_reason": event.stop_reason, "stop": event.stop_sequence}
        count_fields(self.report, "completion", {k: v for k, v in stop.items() if v is not None})
        error = {"type": event.type, "message": event.message, **event.extra}
        payload = {"type": "error", "error": error, **self.outside(event.outer, ("type", "error"))}
        return self.frame("error", dump(payload))

    # -- helpers --------------------------------------------------------------------------

    def frame(self, name: str | None, data: str) -> bytes:
        """One event with single-line ``data`` (already serialized)."""
        self.policy.wrote()
        eol = self.eol
        if name is None:
            return to_bytes(f"data: {data}{eol}{eol}")
        return to_bytes(f"event: {name}{eol}data: {data}{eol}{eol}")

    def can_carry(self, name: str | None, data: str) -> bool:
        """Whether an event can be written verbatim now and read back as an unknown event of
        this dialect: the output has not ended, the name is not one the dialect defines, and
        the event does not plainly belong to another dialect."""
        if self.ended or name in self.names or is_stray_done(name, data):
            return False
        other = classify(ServerSentEvent(name, data))
        return other is None or other is self.dialect

    def unknown(self, event: Unknown) -> bytes:
        """Write an unknown event verbatim where the output can carry it; otherwise drop and
        count it (an error in strict mode)."""
        if not self.can_carry(event.event, event.data):
            return self.drop_unknown(event, " here")
        self.policy.passed(event_label(event.event))
        self.policy.wrote()
        return encode_sse(ServerSentEvent(event.event, event.data), eol=self.eol)

    def drop(self, event: ModelEvent, kind: str, what: str) -> bytes:
        """Drop ``event``, content this dialect has no place for: see :meth:`Policy.drop`."""
        return self.policy.drop(event, kind, what, self.dialect)

    def drop_unknown(self, event: Unknown, where: str) -> bytes:
        name = event_label(event.event)
        return self.drop(event, f"unknown:{name}", f"an unknown event {name!r}{where}")

    def seal(self, *allowed: type[ModelEvent]) -> None:
        """The output reached a point after which its dialect allows only ``allowed`` events
        (none: the output stream is complete): every other event (a stray ``[DONE]`` is always
        only counted) is handed to :meth:`after_end` from now on, which drops and counts it."""
        if not allowed:
            self.ended = True
        for kind in self.handlers:
            if kind not in allowed and kind is not Done:
                self.handlers[kind] = self.after_end
        if TextDelta not in allowed:
            self.texts = self._text_after_end

    def _text_after_end(self, fields: dict[str, Any]) -> bytes:
        return self.after_end(_TEXT_DELTA(fields))

    def after_end(self, event: ModelEvent) -> bytes:
        """Drop and count an event that the output cannot carry any more (pings are only
        counted; content is an error in strict mode)."""
        match event:
            case Ping():
                return self.policy.ping_after_end()
            case StreamEnd():
                return self.end_extras(event)
            case StreamStop():
                return self.later_stop(event)
            case Unknown():
                return self.drop_unknown(event, " after the end")
            case StreamError():
                out = self.drop(event, "error_after_end", "an error after the final event")
                count_fields(self.report, "error.error", event.extra)
                count_fields(self.report, "error", event.outer)
                return out
        name = type(event).__name__
        return self.drop(event, f"{name}_after_end", f"a {name} after the final event")

    def later_stop(self, event: StreamStop) -> bytes:
        """A stop after the final event was written (a later ``message_delta``)."""
        return self.drop(event, "message_delta", "a second stop reason")

    def end_extras(self, event: StreamEnd) -> bytes:
        """Count the fields of a ``message_stop`` that has no place to go."""
        count_fields(self.report, "message_stop", event.extra)
        return b""

    def outside(
        self, fields: dict[str, Any], known: tuple[str, ...], path: str = "error"
    ) -> dict[str, Any]:
        """``fields`` to write after the ``known`` keys of a payload: those that would repeat
        a known key have no place (counted under ``path``)."""
        if not fields or all(key not in fields for key in known):
            return fields
        count_fields(self.report, path, {k: v for k, v in fields.items() if k in known})
        return {k: v for k, v in fields.items() if k not in known}

    def done(self, event: Done) -> bytes:
        return self.policy.done()  # a stray [DONE]: never written


# A message_start's ``message`` fields with a place in a completion dialect, and those with one
# only when they have these values (the rest have none).
_PLACED = ("id", "model", "content", "usage")
_DEFAULTS = {"type": "message", "role": "assistant", "stop_reason": None, "stop_sequence": None}


class TextProjection(Encoder):
    """Shared by the two completion dialects: only the text of ``text`` blocks has a place.

    Other blocks are dropped and counted by block type (once per block, their deltas with
    them); non-text deltas inside text blocks (``citations_delta``) by delta type; Messages
    usage is recorded in the report, other Messages fields without a place in
    ``report.dropped_fields``. Stop reasons are mapped from the Messages vocabulary
    (:func:`._stop.to_completion`). The final event is written when the first stop reason
    arrives; what the dialect does not allow after it is dropped and counted (see
    :meth:`Encoder.seal`).
    """

    #: the keys of the dialect's completion payload (extras must not repeat them)
    keys: ClassVar[tuple[str, ...]] = ()
    _head: bytes  # what each completion event starts with, up to its text
    _text: bytearray | None = None  # legacy: the JSON string body of the text so far

    def setup(self) -> None:
        self._dropped_blocks: set[int] = set()
        self.id: str | None = None
        self.log_id: str | None = None
        self.model: str | None = None
        self.stop: tuple[str | None, str | None] | None = None  # (stop_reason, stop) written
        self.started()

    def stream_start(self, event: StreamStart) -> bytes:
        self.id = event.id if event.id is not None else event.log_id
        self.log_id = event.log_id if event.log_id is not None else event.id
        self.model = event.model
        self.started()
        message = event.message
        if not message:
            return b""
        self._note_usage(message.get("usage"))
        known = (*_PLACED, *(k for k, v in _DEFAULTS.items() if message.get(k, v) == v))
        count_fields(self.report, "message_start.message", message, known)
        out = []
        content = message.get("content")
        for index, block in enumerate(content if isinstance(content, list) else ()):
            if not isinstance(block, dict):
                count_fields(self.report, "message_start.message", {"content": None})
                continue
            out.append(self._content(BlockStart(index=index, block=block, **at(event))))
            self.block_stop(BlockStop(index=index))
        return b"".join(out)

    def started(self) -> None:
        """Called when the ids and model are known (and at first, before they are)."""
        self._mid = self.middle(None, None, None)
        self._mid_end = self._mid + to_bytes("}" + self.eol * 2)

    def middle(self, stop_reason: str | None, stop: str | None, exception: str | None) -> bytes:
        """What an event holds between its text and its unknown fields."""
        raise NotImplementedError

    def _note_usage(self, usage: Any) -> None:
        if isinstance(usage, dict):
            # message_delta usage is cumulative; message_start's input counts stay valid.
            self.report.usage = {**(self.report.usage or {}), **usage}

    def text(self, fields: dict[str, Any]) -> bytes:
        string = encode_basestring(fields["text"])  # the JSON string, escaped as `dump` does
        text: bytes | bytearray = string.encode() if string.isascii() else to_bytes(string)
        if self._text is not None:  # (legacy: the text so far)
            self._text += text[1:-1]
            text = self._text
        if fields["extra"]:
            return self._event(text, self._mid, fields["extra"])
        self.policy.wrote()
        return b"".join((self._head, text, self._mid_end))

    def block_start(self, event: BlockStart) -> bytes:
        return self._content(event, "content_block_start.content_block")

    def _content(self, event: BlockStart, path: str = "message_start.message.content") -> bytes:
        if event.block_type == "text":
            block = event.block
            count_fields(self.report, path, block, ("type", "text"))
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
        count_fields(self.report, "content_block_stop", event.extra)
        self._dropped_blocks.discard(event.index)
        return b""

    def stop_fields(self, event: StreamStop) -> tuple[str | None, str | None] | None:
        """``(stop_reason, stop)`` in the completion vocabulary, or ``None`` for a Messages
        usage update without a stop reason (nothing to write). Notes usage and counts the
        fields of a ``message_delta``'s ``delta`` that have no place."""
        self._note_usage(event.usage)
        count_fields(self.report, "message_delta.delta", event.details)
        if event.stop_reason is None:
            count_fields(self.report, "message_delta", event.extra)
            return None
        return to_completion(event.stop_reason, event.stop_sequence)

    def later_stop(self, event: StreamStop) -> bytes:
        stop = self.stop_fields(event)
        if stop is not None and stop != self.stop:
            self.drop(event, "message_delta", "a second stop reason")
        if stop is not None:  # (stop_fields counted them otherwise)
            count_fields(self.report, "message_delta", event.extra)
        return b""

    def _event(self, text: bytes | bytearray, middle: bytes, extra: dict[str, Any]) -> bytes:
        """One event: the head, ``text`` (the JSON string's body or the whole string), then
        ``middle`` (the other known fields) and the ``extra`` ones, the unknown source fields
        (``,"k":v…``; one that would repeat a key of the payload is counted instead)."""
        extra = self.outside(extra, self.keys, "completion")
        end = "".join(f",{dump(key)}:{dump(value)}" for key, value in extra.items())
        self.policy.wrote()
        return b"".join((self._head, text, middle, to_bytes(end + "}" + self.eol * 2)))


def at(event: ModelEvent) -> dict[str, Any]:
    """The position of ``event``, for a model event made from it."""
    return {"event_number": event.event_number, "offset": event.offset}
