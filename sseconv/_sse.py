"""The server-sent-events wire layer: bytes in, events out, no I/O.

:class:`SSEParser` follows the WHATWG "interpreting an event stream" rules. It splits lines on
bytes (CRLF, LF or CR, never U+2028 or U+0085), decodes field values afterwards (invalid UTF-8
becomes U+FFFD), strips one leading BOM, and dispatches each event from the ``feed`` call that
completes its blank line. :func:`encode_sse` writes events back.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from ._errors import EventTooLargeError, UsageError

if TYPE_CHECKING:
    import httpx_sse

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "SSEParser", "ServerSentEvent", "encode_sse"]

DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_EOL = re.compile(rb"(\r\n|\r|\n)")
_ACTS = re.compile(rb"[\r\n](?:id|retry)")  # an id or retry line (past the first)
_new = tuple.__new__


def _blocks(eol: bytes, line: bytes, value: bytes) -> re.Pattern[bytes]:
    """The blocks of a region whose line ends are ``eol``; ``line`` and ``value`` match one
    character of a line and of a data value. One match per block, as groups:

    1-3, an event with one ``data: `` line, last in its block: an optional ``id: `` line first,
    the other lines before the data line (none starts with ``d``: no other data line), and the
    data value; 4, any other block with its blank line (or a lone blank line); 5, one byte
    where neither fits (a line end of another kind).
    """
    many = b"*+" if sys.version_info >= (3, 11) else b"*"  # possessive where re has it
    some = b"++" if sys.version_info >= (3, 11) else b"+"
    first = b"[^d" + line[2:]  # the first character of a line that is not a data line
    return re.compile(
        b"(id: %s%s%s|)((?:%s%s%s%s)%s)data: (%s%s)%s%s"
        % (line, many, eol, first, line, many, eol, many, value, many, eol, eol)
        + b"|((?:%s%s%s)%s%s)|([\\s\\S])" % (line, some, eol, many, eol)
    )


# A CRLF region may hold lone CRs or LFs: a line never holds either, and a data value is checked
# for an LF after the match (a `[^\r\n]` class is six times slower than `[^\r]` on long values).
# By line end: a blank line, how to split lines (None: on any line end), the block pattern.
_MODES = {
    b"\n": (b"\n\n", b"\n", _blocks(b"\n", b"[^\n]", b"[^\n]")),
    b"\r": (b"\r\r", b"\r", _blocks(b"\r", b"[^\r]", b"[^\r]")),
    b"\r\n": (b"\r\n\r\n", None, _blocks(b"\r\n", b"[^\r\n]", b"[^\r]")),
}
_UNKNOWN = object()


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
        offset: byte offset of the block's first line in the input (``-1`` if not parsed).
        end: byte offset just past the blank line that dispatched it (``-1`` if not parsed).
            An event whose blank line ends with a CR that is the last byte of a ``feed`` is
            dispatched at once, so its ``end`` stops after that CR even when the next read
            starts with the LF of a CRLF (that LF is then skipped).

    Instances are immutable and cheap to make (one is made per event on the hot path); they
    compare and hash by ``(event, data, id, retry)`` only, never by position.
    """

    __slots__ = ()

    def __new__(
        cls,
        event: str | None,
        data: str,
        id: str | None = None,
        retry: int | None = None,
        *,
        offset: int = -1,
        end: int = -1,
    ) -> ServerSentEvent:
        return _new(cls, (event, data, id, retry, offset, end))

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
        def offset(self) -> int: ...
        @property
        def end(self) -> int: ...

    else:  # C-level accessors: these are read on every event
        event = property(itemgetter(0), doc="The event name, or None without an event line.")
        data = property(itemgetter(1), doc="The data lines joined with newlines.")
        id = property(itemgetter(2), doc="The last event ID in force at dispatch, or None.")
        retry = property(itemgetter(3), doc="The retry value of this block, or None.")
        offset = property(itemgetter(4), doc="Byte offset of the block's first line.")
        end = property(itemgetter(5), doc="Byte offset just past the dispatching blank line.")

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
        return (self[:4], {"offset": self.offset, "end": self.end})

    def to_httpx_sse(self) -> httpx_sse.ServerSentEvent:
        """The equivalent ``httpx_sse.ServerSentEvent`` (see :func:`sseconv.httpx.to_httpx_sse`)."""
        from .httpx import to_httpx_sse

        return to_httpx_sse(self)

    @classmethod
    def from_httpx_sse(cls, event: httpx_sse.ServerSentEvent) -> ServerSentEvent:
        """An event from an ``httpx_sse.ServerSentEvent`` (:func:`sseconv.httpx.from_httpx_sse`)."""
        from .httpx import from_httpx_sse

        return from_httpx_sse(event)


class SSEParser:
    """Incremental, sans-IO parser of a ``text/event-stream`` body.

    Each read is parsed in one pass: the complete blocks that follow one another go through one
    regular expression (for the line end the read uses: LF, CRLF or CR), which hands over any
    block that is not a canonical event (``id``, ``retry``, comments, several data lines) and
    any line end of another kind to the line-by-line rules. So does a block cut by the edge of
    a read: its complete lines take effect at once (``retry``, ``id``), the rest waits.

    Args:
        max_event_size: the largest event accepted, in bytes: the bytes of the lines of its
            block (every line, ``data`` or not, comments included), line ends not counted. The
            limit holds whatever the chunking and the line ends; beyond it
            :class:`EventTooLargeError` is raised, as soon as the pending bytes pass it, instead
            of growing memory. A block without data is measured the same way.
        dispatch_incomplete: at :meth:`close`, dispatch a final block that lacks its blank line
            (the standard discards it; recorded files often lack the final blank line).

    Attributes:
        last_event_id: the last event ID buffer (sticky across events; ``""`` when unset).
        retry: the reconnection time set by the most recent valid ``retry:`` field, or ``None``.
        events_dispatched: how many events have been dispatched so far.
        incomplete: after :meth:`close`, whether the input ended inside a block holding data.
        closed: whether :meth:`close` has been called.

    After :meth:`feed` has raised, the parser's state is undefined: start a new one.
    """

    def __init__(
        self,
        *,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        dispatch_incomplete: bool = False,
    ) -> None:
        self.max_event_size = max_event_size
        self.dispatch_incomplete = dispatch_incomplete
        self.last_event_id = ""
        self.retry: int | None = None
        self.events_dispatched = 0
        self.incomplete = False
        self.closed = False
        self._head: bytes | None = b""  # the first bytes while a BOM may be forming, then None
        self._pos = 0  # input offset of the first byte not yet parsed (of _tail, if any)
        self._tail: list[bytes] = []  # the pieces of a line without its line end yet
        self._tail_size = 0
        self._kept = 0  # the bytes of complete lines at the start of _tail (see _keeps)
        self._kept_eol = b""  # and their line end
        self._skip_lf = False  # the last read ended with a CR: an LF next ends the same line
        self._edge = True  # _head or _skip_lf: the next read needs _edge_bytes
        # the block in progress (when a read ended inside it): its first line's offset (-1: no
        # block), its fields so far and the size of its lines
        self._start = -1
        self._event: str | None = None
        self._data: list[bytes] | None = None
        self._block_retry: int | None = None
        self._size = 0
        self._names: dict[bytes, str | None] = {b"": None}  # event names by the lines before data

    def feed(self, data: bytes) -> list[ServerSentEvent]:
        """Parse more input and return the events it completes, in order.

        Raises:
            EventTooLargeError: an event exceeds ``max_event_size``.
        """
        if self._edge:  # the first bytes (a BOM?), or a read after a CR (the LF of a CRLF?)
            data = self._edge_bytes(data)
            if not data:
                return []
        lf = data.rfind(b"\n")
        cr = data.rfind(b"\r")
        if lf < 0 and cr < 0:  # no line end: the pending line grows (its pieces joined later)
            if data:
                self._tail.append(data)
                self._tail_size += len(data)
                if self._tail_size - self._kept > self.max_event_size:
                    self._too_large(self._start if self._start >= 0 else self._pos, [])
            return []
        complete = max(lf, cr) + 1  # the end of the last complete line
        buf = data
        kept = self._kept
        if self._tail:
            buf = b"".join([*self._tail, data])
            complete += self._tail_size
            self._tail = []
            self._tail_size = self._kept = 0
        eol = b"\n" if cr < 0 else b"\r" if lf < 0 else b"\r\n"  # (a CRLF read may hold others)
        if kept and eol != self._kept_eol:
            eol = b"\r\n"
        blank, sep, pattern = _MODES[eol]
        self._edge = self._skip_lf = cr == len(data) - 1
        base = self._pos
        pos = 0
        out: list[ServerSentEvent] = []
        try:
            if self._start >= 0:  # the rest of the block in progress, line by line
                if buf.startswith(eol):
                    pos = len(eol)
                else:
                    at = buf.find(blank, 0, complete)
                    pos = complete if at < 0 else at + len(blank)
                self._lines(buf[:pos], base, sep, out)
            stop = buf.rfind(blank, pos, complete)
            if stop >= 0:  # complete blocks: one pass
                stop += len(blank)
                self._blocks(buf, pos, stop, eol, pattern, out)
                pos = stop
            if pos < complete:  # the complete lines of a block that goes on in the next read
                if (pos or not kept) and self._keeps(buf, pos, complete, eol):
                    self._kept = complete - pos  # parsed with the rest of the block
                    self._kept_eol = eol
                    complete = pos
                    self._edge = self._skip_lf = False
                else:
                    self._lines(buf[pos:complete], base + pos, sep, out)
            self._pos = base + complete
            if complete < len(buf):
                self._tail = [buf[complete:]]
                self._tail_size = len(buf) - complete
                if self._tail_size - self._kept > self.max_event_size:
                    self._too_large(self._start if self._start >= 0 else self._pos, out)
        except EventTooLargeError as exc:
            exc.events = out
            raise
        self.events_dispatched += len(out)
        return out

    def _edge_bytes(self, data: bytes) -> bytes:
        """``data`` without a leading BOM (when it starts the input) or a leading LF (when the
        last read ended with a CR); ``b""`` while the first bytes might still be a BOM."""
        if self._head is not None:
            data = self._head + data
            if len(data) < 3 and _BOM.startswith(data):
                self._head = data
                return b""
            self._head = None
            if data.startswith(_BOM):
                data = data[3:]
                self._pos = 3
        if self._skip_lf and data:
            self._edge = self._skip_lf = False
            if data[0] == 10:
                data = data[1:]
                self._pos += 1
        self._edge = self._skip_lf
        return data

    @staticmethod
    def _acts(buf: bytes, pos: int, end: int) -> bool:
        """Whether the lines ``buf[pos:end]`` (from the start of a line) hold a line that acts
        by itself, at once and every time: ``id`` or ``retry``."""
        return buf.startswith((b"id", b"retry"), pos) or _ACTS.search(buf, pos, end) is not None

    def _keeps(self, buf: bytes, pos: int, end: int, eol: bytes) -> bool:
        """Whether the complete lines ``buf[pos:end]`` that start a block may wait to be parsed
        with the rest of it (once: see ``feed``): they fit the size limit, hold no line that
        acts at once (``id``, ``retry``) and no line end of another kind."""
        if end - pos > self.max_event_size or self._acts(buf, pos, end):
            return False
        if len(eol) == 1:
            return True
        part = buf[pos:end]
        crlf = part.count(b"\r\n")
        return crlf == part.count(b"\r") == part.count(b"\n")

    def _blocks(
        self,
        buf: bytes,
        pos: int,
        stop: int,
        eol: bytes,
        pattern: re.Pattern[bytes],
        out: list[ServerSentEvent],
    ) -> None:
        """Dispatch the events of ``buf[pos:stop]``: whole blocks, the last one ending with a
        blank line, and line ends mostly ``eol``.

        The lines before the data line of an event (its "head") go through :meth:`_lines` the
        first time; the event name of a head without ``id``/``retry`` lines (which act every
        time) is remembered for the next events. A leading ``id: x`` line is read directly.
        """
        base = self._pos
        start = base + pos  # the input offset of the current block
        size = len(eol)
        fixed = 6 + 2 * size  # the bytes of a canonical event besides its lines and value
        check = stop - pos > self.max_event_size  # (no block of a smaller region is too large)
        lone = size == 2  # (only in a CRLF region may a value hold an LF)
        names = self._names
        last_id = self.last_event_id or None
        append = out.append
        for idline, head, value, other, odd in pattern.findall(buf, pos, stop):
            if other:  # any other block: line by line
                self._lines(other, start, eol, out)
                start += len(other)
                last_id = self.last_event_id or None
                continue
            if odd or (lone and 10 in value):  # a line end of another kind: the rest by lines
                self._lines(buf[start - base : stop], start, None, out)
                return
            end = start + len(idline) + len(head) + len(value) + fixed
            name = names.get(head, _UNKNOWN)
            if name is _UNKNOWN or check:
                self._lines(buf[start - base : end - base], start, eol, out)
                last_id = self.last_event_id or None
                if len(names) < 64 and not self._acts(head, 0, len(head)):
                    names[head] = out[-1].event
            else:
                if idline:
                    self._set_id(idline[4:-size])
                    last_id = self.last_event_id or None
                text = value.decode("utf-8", "replace")
                append(_new(ServerSentEvent, (name, text, last_id, None, start, end)))
            start = end

    def _lines(self, chunk: bytes, pos: int, sep: bytes | None, out: list[ServerSentEvent]) -> None:
        """Interpret the lines of ``chunk`` (which ends with a line end) one by one; ``pos`` is
        its input offset, ``sep`` its line end (``None``: any, or several kinds)."""
        if sep:
            lines = chunk.split(sep)
            lines.pop()
            ends: Iterable[int] = repeat(len(sep))
        else:
            parts = _EOL.split(chunk)
            lines = parts[::2]
            ends = map(len, parts[1::2])
        start, event, data, retry = self._start, self._event, self._data, self._block_retry
        size = self._size
        limit = self.max_event_size
        for line, eol in zip(lines, ends, strict=False):
            if not line:  # a blank line: dispatch
                pos += eol
                if data is not None:
                    text = b"\n".join(data).decode("utf-8", "replace")
                    last_id = self.last_event_id or None
                    out.append(_new(ServerSentEvent, (event, text, last_id, retry, start, pos)))
                start, event, data, retry, size = -1, None, None, None, 0
                continue
            if start < 0:
                start = pos
            pos += len(line) + eol
            size += len(line)
            if size > limit:
                self._too_large(start, out)
            name, _, value = line.partition(b":")
            if value and value[0] == 32:  # one space after the colon is not part of the value
                value = value[1:]
            if name == b"data":
                if data is None:
                    data = [value]
                else:
                    data.append(value)
            elif name == b"event":
                event = value.decode("utf-8", "replace")
            elif name == b"id":
                self._set_id(value)
            elif name == b"retry" and value.isdigit():
                self.retry = retry = int(value)
        self._start, self._event, self._data, self._block_retry, self._size = (
            start,
            event,
            data,
            retry,
            size,
        )

    def _set_id(self, value: bytes) -> None:
        if 0 not in value:  # an id with a NUL is ignored
            self.last_event_id = value.decode("utf-8", "replace")

    def _too_large(self, offset: int, out: list[ServerSentEvent]) -> None:
        raise EventTooLargeError(
            f"expected an event of at most {self.max_event_size} bytes, found a larger one",
            event_number=self.events_dispatched + len(out) + 1,
            offset=offset,
        )

    def close(self) -> list[ServerSentEvent]:
        """Signal the end of input; return what that dispatches (see ``dispatch_incomplete``).

        A final line without its line end is processed as a line. A block holding data that
        never got its blank line sets :attr:`incomplete`; it is dispatched only when
        ``dispatch_incomplete`` is true, and discarded otherwise, as the standard says.
        """
        if self.closed:
            return []
        self.closed = True
        out: list[ServerSentEvent] = []
        self._head = None  # (bytes that might still have been a BOM: not a line)
        pending = b"".join(self._tail)
        end = self._pos + len(pending)  # the end of the input
        if pending:  # complete lines kept for their block, then a last line without line end
            self._lines(pending[: self._kept], self._pos, None, out)
            if len(pending) > self._kept:
                self._lines(pending[self._kept :] + b"\n", self._pos + self._kept, b"\n", out)
        if self._data is not None:
            self.incomplete = True
            if self.dispatch_incomplete:  # a blank line that ends at the end of the input
                self._lines(b"\n", end - 1, b"\n", out)
        self.events_dispatched += len(out)
        return out


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
    for char in forbidden:
        if char in value:
            raise UsageError(
                f"expected {field} without {char!r} (it would not parse back), found {value!r:.60}"
            )
