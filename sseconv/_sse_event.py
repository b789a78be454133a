"""The server-sent event that :class:`sseconv.SSEParser` dispatches, and :func:`encode_sse`."""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any

from ._errors import UsageError

if TYPE_CHECKING:
    import httpx_sse

__all__ = ["ServerSentEvent", "encode_sse"]

_new = tuple.__new__


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[: limit - 20]}…{text[-15:]}"


class ServerSentEvent(tuple):  # type: ignore[type-arg]
    """One dispatched server-sent event.

    Attributes:
        event: the value of the block's last ``event:`` line, or ``None`` when the block had
            none (a data-only event is not the same as one named ``message``).
        data: the ``data:`` lines of the block joined with ``"\\n"``.
        id: the last event ID in force at dispatch (what a browser reports as
            ``lastEventId``); ``None`` while it is empty.
        retry: the reconnection time set by a valid ``retry:`` line of this block, else ``None``.
        offset: byte offset of the block's first line in the input (``None`` if not parsed).
        end: byte offset just past the blank line that dispatched it (``None`` if not parsed).
            An event whose blank line ends with a CR that is the last byte of a ``feed`` is
            dispatched at once, so its ``end`` stops after that CR even when the next read
            starts with the LF of a CRLF (that LF is then skipped).
        number: the 1-based count of the events dispatched by the parser that made it, in
            dispatch order across reads (``None`` if not parsed).

    Instances are immutable and cheap to make (one is made per event on the hot path); they
    compare and hash by ``(event, data, id, retry)`` only, never by position or number.
    """

    __slots__ = ()

    def __new__(
        cls,
        event: str | None,
        data: str,
        id: str | None = None,
        retry: int | None = None,
        *,
        offset: int | None = None,
        end: int | None = None,
        number: int | None = None,
    ) -> ServerSentEvent:
        return _new(cls, (event, data, id, retry, offset, end, number))

    if TYPE_CHECKING:

        @property
        def event(self) -> str | None: ...
        @property
        def data(self) -> str: ...
        @property
        def id(self) -> str | None: ...
        @property
        def retry(self) -> int | None: ...
        @property
        def offset(self) -> int | None: ...
        @property
        def end(self) -> int | None: ...
        @property
        def number(self) -> int | None: ...

    else:  # C-level accessors: these are read on every event
        event = property(itemgetter(0), doc="The event name, or None without an event line.")
        data = property(itemgetter(1), doc="The data lines joined with newlines.")
        id = property(itemgetter(2), doc="The last event ID in force at dispatch, or None.")
        retry = property(itemgetter(3), doc="The retry value of this block, or None.")
        offset = property(itemgetter(4), doc="Byte offset of the block's first line.")
        end = property(itemgetter(5), doc="Byte offset just past the dispatching blank line.")
        number = property(itemgetter(6), doc="The 1-based dispatch count from its parser.")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ServerSentEvent):
            return self[:4] == other[:4]
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if isinstance(other, ServerSentEvent):
            return self[:4] != other[:4]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self[:4])

    def __repr__(self) -> str:
        parts = [f"event={self.event!r}", f"data={_shorten(self.data)!r}"]
        if self.id is not None:
            parts.append(f"id={self.id!r}")
        if self.retry is not None:
            parts.append(f"retry={self.retry!r}")
        return f"ServerSentEvent({', '.join(parts)})"

    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self[:4], {"offset": self.offset, "end": self.end, "number": self.number})

    def to_httpx_sse(self) -> httpx_sse.ServerSentEvent:
        """The equivalent ``httpx_sse.ServerSentEvent`` (see :func:`sseconv.httpx.to_httpx_sse`)."""
        from .httpx import to_httpx_sse

        return to_httpx_sse(self)

    @classmethod
    def from_httpx_sse(cls, event: httpx_sse.ServerSentEvent) -> ServerSentEvent:
        """An event from an ``httpx_sse.ServerSentEvent`` (:func:`sseconv.httpx.from_httpx_sse`)."""
        from .httpx import from_httpx_sse

        return from_httpx_sse(event)


def encode_sse(event: ServerSentEvent, *, eol: str = "\n") -> bytes:
    """Encode one event: ``event``, ``id``, ``retry`` lines, one ``data:`` line per line of data.

    Every event that :class:`SSEParser` can produce is accepted, and parses back equal to itself
    (an empty ``id``, which resets the last event ID, is written and parses back as ``None``).
    Anything that would parse back as something else is refused.

    Args:
        event: the event to write.
        eol: ``"\\n"`` (default) or ``"\\r\\n"``.

    Returns:
        The wire bytes, ending with the blank line that dispatches the event.

    Raises:
        UsageError: ``eol`` is neither; ``event`` or ``id`` holds a CR or LF, ``id`` a NUL,
            ``data`` a CR; ``retry`` is not a non-negative integer; or a text holds a lone
            surrogate (it has no UTF-8 form).
    """
    if eol not in ("\n", "\r\n"):
        raise UsageError(f"expected eol '\\n' or '\\r\\n', found {eol!r}")
    name, data, event_id, retry = event[:4]
    parts = []
    if name is not None:
        _check("event", name, "\r\n")
        parts.append(f"event: {name}")
    if event_id is not None:
        _check("id", event_id, "\r\n\0")
        parts.append(f"id: {event_id}")
    if retry is not None:
        if type(retry) is not int or retry < 0:
            raise UsageError(f"expected retry to be a non-negative int, found {retry!r}")
        parts.append(f"retry: {retry}")
    _check("data", data, "\r")
    if "\n" in data:
        parts.extend(f"data: {line}" for line in data.split("\n"))
    else:
        parts.append(f"data: {data}")
    parts.append(eol)
    try:
        return eol.join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UsageError(
            f"expected text encodable as UTF-8, found a lone surrogate at {exc.start}"
        ) from None


def _check(field: str, value: object, forbidden: str) -> None:
    if not isinstance(value, str):
        raise UsageError(f"expected {field} to be a str, found {type(value).__name__}")
    if any(char in value for char in forbidden):
        raise UsageError(f"expected {field} without {forbidden!r}, found {value!r:.60}")
