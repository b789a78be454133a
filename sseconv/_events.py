"""The common typed event model that every dialect decodes into and encodes from.

Each class is one meaning. All are frozen pydantic models and carry the position of the input
event they came from: ``event_number`` (1-based count of dispatched SSE events) and ``offset``
(byte offset of that event's first line), both ``None`` for an event that sseconv made itself
or that came from an SSE event not read by a parser. Stop reasons and stop sequences are kept in the
vocabulary of the source dialect; each encoder maps them to its own (see the README).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ModelEvent(BaseModel):
    """Base of every model event.

    Attributes:
        event_number: 1-based number of the input SSE event this came from (``None``:
            synthesized, or the SSE event was not read by a parser).
        offset: byte offset of that input event's first line (``None`` likewise).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_number: int | None = None
    offset: int | None = None

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            if name not in ("event_number", "offset"):
                text = repr(value)
                if isinstance(value, (str, dict, list)) and len(text) > 40:
                    value = _Shown(f"{text[:28]}…{text[-8:]}")
                yield name, value


class _Shown(str):
    """A text that ``repr`` shows as it is."""

    __repr__ = str.__str__


class StreamStart(ModelEvent):
    """The stream began: Messages ``message_start``, or the first completion event.

    Attributes:
        id: the message id (Messages), or the completion ``id`` (2023-06-01), or the legacy
            ``log_id``.
        model: the model name.
        log_id: the completion ``log_id`` where the source has one.
        message: the rest of a Messages ``message_start`` payload's ``message`` object (empty
            for completion sources); kept so that usage and unknown fields can be reported.
        fallback_id: for a source without any id, ``msg_`` + a hash of the event the stream
            started with: the id a target that requires one writes (Messages), so that
            conversions stay reproducible. ``None`` when the source has an id.
    """

    id: str | None = None
    model: str | None = None
    log_id: str | None = None
    message: dict[str, Any] = Field(default_factory=dict)
    fallback_id: str | None = None


class BlockStart(ModelEvent):
    """A Messages content block began (``content_block_start``).

    Attributes:
        index: the block index.
        block: the ``content_block`` object as sent (``{"type": "text", "text": ""}``, …).
    """

    index: int
    block: dict[str, Any]

    @property
    def block_type(self) -> str:
        """The block's ``type`` (``"text"``, ``"tool_use"``, ``"thinking"``, …)."""
        value = self.block.get("type")
        return value if isinstance(value, str) else "unknown"


class TextDelta(ModelEvent):
    """New text of the completion (a text block's ``text_delta`` or a completion delta).

    Attributes:
        index: the content block index (0 for completion sources).
        text: the new text, never empty.
        extra: unknown fields of the source payload, in source order: of the completion
            payload (completion sources) or of the ``text_delta`` object (Messages). The
            completion encoders write them after the known fields; the Messages encoder
            writes a plain ``text_delta``.
    """

    index: int = 0
    text: str
    extra: dict[str, Any] = Field(default_factory=dict)


class BlockDelta(ModelEvent):
    """A non-text Messages delta (``input_json_delta``, ``thinking_delta``,
    ``signature_delta``, ``citations_delta`` or one never seen before).

    Attributes:
        index: the content block index.
        delta: the ``delta`` object as sent.
    """

    index: int
    delta: dict[str, Any]

    @property
    def delta_type(self) -> str:
        """The delta's ``type``."""
        value = self.delta.get("type")
        return value if isinstance(value, str) else "unknown"


class BlockStop(ModelEvent):
    """A Messages content block ended (``content_block_stop``).

    Attributes:
        index: the block index.
        extra: fields of the ``content_block_stop`` payload other than ``type`` and ``index``.
    """

    index: int
    extra: dict[str, Any] = Field(default_factory=dict)


class StreamStop(ModelEvent):
    """The model stopped: Messages ``message_delta``, or the completion with a stop reason.

    Attributes:
        stop_reason: as the source says it (``"stop_sequence"``, ``"end_turn"``, …).
        stop_sequence: the matched stop sequence (the completion ``stop`` field).
        usage: Messages ``usage`` (cumulative), ``None`` for completion sources.
        extra: unknown fields of the source payload, in source order.
        details: unknown fields of a Messages ``message_delta``'s ``delta`` object (such as
            ``stop_details``), in source order.
    """

    stop_reason: str | None = None
    stop_sequence: str | None = None
    usage: dict[str, Any] | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)


class StreamEnd(ModelEvent):
    """The stream finished: legacy ``[DONE]``, Messages ``message_stop``, or (2023-06-01)
    right after the final completion event.

    Attributes:
        extra: fields of a ``message_stop`` payload other than ``type`` (such as Bedrock's
            ``amazon-bedrock-invocationMetrics``), in source order.
    """

    extra: dict[str, Any] = Field(default_factory=dict)


class Done(ModelEvent):
    """A stray ``data: [DONE]`` in a dialect that has none (some proxies add one).

    Converters remove it and count it in the report.
    """


class Ping(ModelEvent):
    """A keep-alive.

    Attributes:
        data: the ping's data as sent (a legacy timestamp or ``{"type": "ping"}``).
    """

    data: str = ""


class StreamError(ModelEvent):
    """An error reported in the stream: an ``error`` event or a legacy ``exception``.

    Attributes:
        type: the error type (``"overloaded_error"``, ``"api_error"``, …).
        message: the error message.
        extra: other fields of the source ``error`` object, in source order.
        outer: fields of the event's payload outside the ``error`` object (such as
            ``request_id``), or the unknown fields of a legacy event carrying an
            ``exception``, in source order.
        stop_reason: a stop reason carried by the same legacy event as the exception.
        stop_sequence: the stop sequence (legacy ``stop``) of that event.
    """

    type: str
    message: str
    extra: dict[str, Any] = Field(default_factory=dict)
    outer: dict[str, Any] = Field(default_factory=dict)
    stop_reason: str | None = None
    stop_sequence: str | None = None


class Unknown(ModelEvent):
    """An event this version of sseconv does not know; passed through verbatim where the
    target can carry it.

    Attributes:
        event: its ``event:`` name (``None`` for a data-only event).
        data: its data, untouched.
    """

    event: str | None
    data: str
