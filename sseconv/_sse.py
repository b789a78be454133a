"""The server-sent-events wire layer: bytes in, events out, no I/O.

:class:`SSEParser` follows the WHATWG "interpreting an event stream" rules. It splits lines on
bytes (CRLF, LF or CR, never U+2028 or U+0085), decodes field values afterwards (invalid UTF-8
becomes U+FFFD), strips one leading BOM, and dispatches each event from the ``feed`` call that
completes its blank line. :func:`encode_sse` writes events back.
"""

from __future__ import annotations

import re
import sys
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from ._errors import EventTooLargeError
from ._source import as_bytes

if TYPE_CHECKING:
    import httpx_sse

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "SSEParser", "ServerSentEvent", "encode_sse"]

DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_EOL = re.compile(rb"(\r\n|\r|\n)")
_LF = b"\n"
_CRLF = b"\r\n"
# Byte values for `in` tests: `13 in data` is a bare memchr, while `b"\r" in data` first tries
# (and fails) to read its operand as an integer, which costs more than the search on 1 KiB.
_CR_BYTE = ord("\r")
_LF_BYTE = ord("\n")
# A canonical event: an optional "event: x" line, one "data: y" line, a blank line.
# (possessive repeats, where the re module has them, spare it the bookkeeping for backtracking)
_ANY = "*+" if sys.version_info >= (3, 11) else "*"
_ONE_LF = re.compile(f"(event: [^\\n]{_ANY}\\n|)data: ([^\\n]{_ANY})\\n\\n".encode())
_ONE_CRLF = re.compile(
    f"(event: [^\\r\\n]{_ANY}\\r\\n|)data: ([^\\r\\n]{_ANY})\\r\\n\\r\\n".encode()
)
_ACTS_AT_ONCE = re.compile(rb"\n(?:id|retry)")  # lines that must not wait for their block
_SMALL_EVENT = 1024  # larger canonical events are parsed with find() instead
_DEFER_LIMIT = 65536  # a pending block larger than this is parsed line by line
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
        """Return the equivalent ``httpx_sse.ServerSentEvent``.

        The mapping loses information: httpx-sse has no "no event line" state, so ``None``
        becomes ``"message"``, and a missing id becomes ``""``.
        """
        import httpx_sse

        return httpx_sse.ServerSentEvent(
            event="message" if self.event is None else self.event,
            data=self.data,
            id="" if self.id is None else self.id,
            retry=self.retry,
        )

    @classmethod
    def from_httpx_sse(cls, event: httpx_sse.ServerSentEvent) -> ServerSentEvent:
        """Make a ServerSentEvent from an ``httpx_sse.ServerSentEvent``, field by field.

        httpx-sse reports a missing event line as ``"message"``; that is kept as ``"message"``
        (the information is already gone). An empty id becomes ``None``.
        """
        return cls(event.event, event.data, event.id or None, event.retry)


def _crlf_only(data: bytes) -> bool:
    """Whether every line end in ``data`` is CRLF (a CR at its very end is not)."""
    count = 0
    at = data.find(b"\r")
    while at >= 0:
        if data[at + 1 : at + 2] != b"\n":
            return False
        count += 1
        at = data.find(b"\r", at + 2)
    return count == data.count(b"\n")


def _find_blank(buf: bytes, start: int, sep: bytes) -> int:
    """Where the first ``sep + sep`` at or after ``start`` is, or -1; a line at a time with
    single-byte searches, which beat a two-byte ``find`` on long lines."""
    first = sep[:1]
    blank = sep + sep
    at = buf.find(first, start)
    while at >= 0:
        if buf.startswith(blank, at):
            return at
        at = buf.find(first, at + len(sep))
    return -1


class SSEParser:
    """Incremental, sans-IO parser of a ``text/event-stream`` body.

    Args:
        max_event_size: the largest event (sum of its data bytes) or line accepted, in bytes;
            beyond it :class:`EventTooLargeError` is raised instead of growing memory.
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
        self._buf = b""  # bytes after the last line end
        self._pos = 0  # input offset of the first byte of _buf
        self._bom_done = False
        self._cr_pending = False  # the last line ended with CR: skip one LF that follows
        self._start = -1  # offset of the current block's first line (-1: no block)
        self._event: str | None = None
        self._data: list[bytes] | None = None
        self._size = 0
        self._block_retry: int | None = None
        self._more: list[bytes] = []  # pieces of a pending line not yet joined to _buf
        self._more_size = 0
        # _head() results by line-end size - 1 (an empty head is the same bytes in LF and CRLF)
        self._heads: tuple[dict[bytes, tuple[str | None, int]], ...] = ({}, {})
        self._tail_sep = b""  # line end of the lines in a kept pending block
        self._last_size = 0  # size of the last canonical event: picks the fast path
        self._small = False  # the state is the one the fast path of feed() leaves
        self._defer_limit = min(_DEFER_LIMIT, max_event_size)

    @property
    def block_offset(self) -> int | None:
        """After :meth:`close`: the input offset of the first line of the block the input ended
        inside (lines after the last blank line, even without data), or ``None``."""
        return self._start if self._start >= 0 else None

    def feed(self, data: bytes | bytearray | memoryview) -> list[ServerSentEvent]:
        """Parse more input (any bytes-like object) and return the events it completes, in
        order.

        Raises:
            EventTooLargeError: an event or a line exceeds ``max_event_size``.
            UsageError: ``data`` is a ``str`` or not bytes-like.
        """
        if type(data) is not bytes:
            data = as_bytes(data)
        if (self._small or self._small_ready()) and _CR_BYTE not in data:
            # The common case, small events with LF line ends between blocks: every complete
            # block up to the last blank line in one regular-expression pass, the rest kept.
            stop = data.rfind(b"\n\n") + 2
            if (
                stop >= 2
                and len(data) - stop <= self._defer_limit
                # no line after the last blank line starts with "id" or "retry" (searched
                # from the blank line's LF, so the first line counts too)
                and _ACTS_AT_ONCE.search(data, stop - 1) is None
            ):
                kept = self._buf
                buf = kept + data if kept else data
                stop += len(kept)
                out: list[ServerSentEvent] = []
                try:
                    if not self._run(buf, 0, stop, self._pos, out, _ONE_LF, 1):
                        self._mixed(buf, 0, stop, self._pos, out, _ONE_LF, _LF)
                except EventTooLargeError as exc:
                    exc.events = out
                    raise
                self._buf = buf[stop:]
                self._pos += stop
                self._tail_sep = _LF  # (whether or not the kept bytes hold a line end yet)
                self._small = self._last_size <= _SMALL_EVENT
                return out
        self._small = False
        return self._feed(data)

    def _small_ready(self) -> bool:
        """Whether the fast path of :meth:`feed` may start: no block, line or CR pending, the
        last canonical event small, and what is kept (if anything) ends its lines with LF."""
        return (
            self._start < 0
            and not self._more
            and not self._cr_pending
            and self._last_size <= _SMALL_EVENT
            and self._tail_sep != _CRLF
            and self._bom_done
        )

    def _feed(self, data: bytes) -> list[ServerSentEvent]:
        """The general path of :meth:`feed`: any line ends, any block, any chunking."""
        if not data:
            return []
        if self._cr_pending:
            self._cr_pending = False
            if data[:1] == b"\n":
                self._pos += 1
                data = data[1:]
                if not data:
                    return []
        has_cr = _CR_BYTE in data
        if not has_cr and self._bom_done and _LF_BYTE not in data:
            # No line end: only a pending line grows. Keep the pieces; join them once.
            self._more.append(data)
            self._more_size += len(data)
            if len(self._buf) + self._more_size > self.max_event_size:
                self._too_large(self._start if self._start >= 0 else self._pos)
            return []
        if self._more:
            buf = b"".join([self._buf, *self._more, data])
            self._more = []
            self._more_size = 0
        else:
            buf = self._buf + data if self._buf else data
        # The line ends of the new bytes choose the path (what is pending was checked before).
        if not has_cr:
            sep = _LF
        elif _crlf_only(data):
            sep = _CRLF
        else:
            sep = b""
        if self._tail_sep and self._tail_sep != sep:
            sep = b""
        self._tail_sep = b""
        out: list[ServerSentEvent] = []
        try:
            if not self._bom_done:
                if len(buf) < 3 and _BOM.startswith(buf):
                    self._buf = buf
                    return out
                self._bom_done = True
                if buf[:3] == _BOM:
                    buf = buf[3:]
                    self._pos += 3
            if sep:
                self._feed_uniform(buf, out, sep)
            else:
                self._feed_general(buf, out)
        except EventTooLargeError as exc:
            exc.events = out
            raise
        return out

    def _feed_uniform(self, buf: bytes, out: list[ServerSentEvent], sep: bytes) -> None:
        """Parse a buffer whose line ends are all ``sep`` (LF or CRLF).

        Complete blocks go fast when they are canonical (an optional ``event: x`` line and one
        ``data: y`` line): small ones all at once with one regular expression, large ones one
        by one with ``find``; any other block goes line by line. What follows the last blank
        line is kept whole until its blank line comes (unless it is large, or has ``id`` or
        ``retry`` lines, which act at once: then its complete lines are parsed now).
        """
        size = len(sep)
        blank = sep + sep
        one = _ONE_LF if size == 1 else _ONE_CRLF
        base = self._pos
        pos = 0
        line_end = 0  # where the first line end after pos is, once known (-1: none)
        while True:
            if self._start < 0:
                if buf.startswith(sep, pos):
                    pos += size  # an empty line between blocks changes nothing
                    continue
                if self._last_size > _SMALL_EVENT:
                    # Large events: single-byte searches (memchr) over their long lines.
                    first = buf.find(sep[:1], pos)  # the end of the block's first line
                    if first < 0:
                        line_end = -1
                        break
                    found = _find_blank(buf, first, sep)
                    if found < 0:
                        break
                    if self._single(buf, pos, first, found, sep, base, out):
                        pos = found + 2 * size
                        continue
                else:
                    stop = buf.rfind(blank, pos)
                    if stop < 0:
                        break
                    stop += 2 * size
                    if not self._run(buf, pos, stop, base, out, one, size):
                        self._mixed(buf, pos, stop, base, out, one, sep)
                    pos = stop
                    break
                end = buf.find(blank, pos) + 2 * size
            elif buf.startswith(sep, pos):
                end = pos + size
            else:
                end = buf.find(blank, pos)
                if end < 0:
                    break
                end += 2 * size
            self._flush(buf, pos, end, base, out, None, sep)
            pos = end
        # What is left holds no blank line; keep it whole or parse its complete lines.
        if line_end >= 0:
            line_end = buf.find(sep, pos)
        if line_end < 0:
            pass  # only part of a line: nothing to parse yet
        elif (
            self._start < 0
            and len(buf) - pos <= _DEFER_LIMIT
            and not buf.startswith((b"id", b"retry"), pos)
            and _ACTS_AT_ONCE.search(buf, pos) is None
        ):
            self._tail_sep = sep
        else:
            end = buf.rfind(sep, pos) + size
            if end >= size:
                self._flush(buf, pos, end, base, out, None, sep)
                pos = end
        self._buf = rest = buf[pos:]
        self._pos = base + pos
        if len(rest) > self.max_event_size:
            self._too_large(self._start if self._start >= 0 else self._pos)

    def _single(
        self,
        buf: bytes,
        pos: int,
        first: int,
        blank: int,
        sep: bytes,
        base: int,
        out: list[ServerSentEvent],
    ) -> bool:
        """Dispatch the block from ``pos`` to the blank line at ``blank`` if it is canonical
        (``first`` is the end of its first line)."""
        name = None
        head_end = pos
        if first != blank:
            if not buf.startswith(b"event: ", pos):
                return False
            name = buf[pos + 7 : first].decode("utf-8", "replace")
            head_end = first + len(sep)
            if buf.find(sep, head_end, blank) >= 0:
                return False
        if not buf.startswith(b"data: ", head_end):
            return False
        if blank - head_end - 5 > self.max_event_size:
            self._too_large(base + pos)
        value = buf[head_end + 6 : blank]
        self._last_size = blank - pos
        self.events_dispatched += 1
        out.append(
            _new(
                ServerSentEvent,
                (
                    name,
                    value.decode("utf-8", "replace"),
                    self.last_event_id or None,
                    None,
                    base + pos,
                    base + blank + 2 * len(sep),
                ),
            )
        )
        return True

    def _run(
        self,
        buf: bytes,
        pos: int,
        stop: int,
        base: int,
        out: list[ServerSentEvent],
        one: re.Pattern[bytes],
        size: int,
    ) -> bool:
        """Dispatch the events of ``buf[pos:stop]`` (complete blocks; ``base`` is the input
        offset of ``buf``) if every one is canonical; return whether it did.

        The matches of ``one`` cover the region exactly when their lengths add up to its
        length (matches neither overlap nor skip back), so nothing is checked twice.
        """
        heads = self._heads[size - 1]
        last_id = self.last_event_id or None
        mark = len(out)
        append = out.append
        pairs = one.findall(buf, pos, stop)
        end = pos = base + pos
        length = stop - pos + base
        for head, value in pairs:
            try:
                name, fixed = heads[head]
            except KeyError:
                name, fixed = self._head(head, size)
            try:
                text = value.decode()
            except UnicodeDecodeError:
                text = value.decode("utf-8", "replace")
            start = end
            end += fixed + len(value)
            append(_new(ServerSentEvent, (name, text, last_id, None, start, end)))
        if end - pos != length:
            del out[mark:]
            return False
        self._last_size = end - start
        if length > self.max_event_size:
            limit = self.max_event_size
            for index, (_, value) in enumerate(pairs):
                if len(value) + 1 > limit:
                    offset = out[mark + index].offset
                    del out[mark + index :]
                    self.events_dispatched += index
                    self._too_large(offset)
        self.events_dispatched += len(pairs)
        return True

    def _mixed(
        self,
        buf: bytes,
        pos: int,
        stop: int,
        base: int,
        out: list[ServerSentEvent],
        one: re.Pattern[bytes],
        sep: bytes,
    ) -> None:
        """Dispatch the complete blocks of ``buf[pos:stop]`` when not all are canonical, in one
        pass: runs of canonical blocks through :meth:`_run`, and the bytes before any other
        match (with that match, which may end the same block) line by line.

        (Trying :meth:`_run` again after each odd block would scan the rest of the region each
        time: quadratic in the blocks of one read.)
        """
        run = pos  # the canonical blocks from run to pos are not dispatched yet
        for match in one.finditer(buf, pos, stop):
            start, end = match.span()
            if start == pos:
                pos = end
                continue
            self._flush(buf, run, pos, base, out, one, sep)
            self._flush(buf, pos, end, base, out, None, sep)
            pos = run = end
        self._flush(buf, run, pos, base, out, one, sep)
        self._flush(buf, pos, stop, base, out, None, sep)

    def _flush(
        self,
        buf: bytes,
        pos: int,
        end: int,
        base: int,
        out: list[ServerSentEvent],
        one: re.Pattern[bytes] | None,
        sep: bytes,
    ) -> None:
        """Parse ``buf[pos:end]``, which ends with a line end: with :meth:`_run` when ``one`` is
        given (the region holds canonical blocks), else line by line."""
        if pos == end or (one is not None and self._run(buf, pos, end, base, out, one, len(sep))):
            return
        lines = buf[pos:end].split(sep)
        lines.pop()
        self._lines(lines, base + pos, out, len(sep))

    def _head(self, head: bytes, size: int) -> tuple[str | None, int]:
        """The event name of an ``event: x`` line (``b""``: none) and the bytes of a canonical
        event besides its data value; remembered for the next events."""
        found = (
            head[7:-size].decode("utf-8", "replace") if head else None,
            len(head) + 6 + 2 * size,
        )
        heads = self._heads[size - 1]
        if len(heads) < 64:
            heads[head] = found
        return found

    def _feed_general(self, buf: bytes, out: list[ServerSentEvent]) -> None:
        parts = _EOL.split(buf)
        rest = parts.pop()
        pos = self._pos
        lines = parts[0::2]
        eols = parts[1::2]
        if eols and not rest and eols[-1] == b"\r":
            self._cr_pending = True
        # Process line by line with each line's own terminator length.
        for line, eol in zip(lines, eols, strict=True):
            pos = self._lines((line,), pos, out, len(eol))
        self._pos = pos
        self._buf = rest
        if len(rest) > self.max_event_size:
            self._too_large(self._start if self._start >= 0 else pos)

    def _lines(
        self,
        lines: list[bytes] | tuple[bytes, ...],
        pos: int,
        out: list[ServerSentEvent],
        eol_len: int = 1,
    ) -> int:
        data = self._data
        for line in lines:
            if not line:
                if data is not None:
                    self.events_dispatched += 1
                    text = (
                        data[0].decode("utf-8", "replace")
                        if len(data) == 1
                        else b"\n".join(data).decode("utf-8", "replace")
                    )
                    out.append(
                        _new(
                            ServerSentEvent,
                            (
                                self._event,
                                text,
                                self.last_event_id or None,
                                self._block_retry,
                                self._start,
                                pos + eol_len,
                            ),
                        )
                    )
                    data = self._data = None
                    self._size = 0
                self._start = -1
                self._event = None
                self._block_retry = None
                pos += eol_len
                continue
            if self._start < 0:
                self._start = pos
            pos += len(line) + eol_len
            if line[0] == 58:  # ":" comment
                continue
            colon = line.find(b":")
            if colon < 0:
                name = line
                value = b""
            else:
                name = line[:colon]
                value = line[colon + 1 :]
                if value[:1] == b" ":
                    value = value[1:]
            if name == b"data":
                self._size += len(value) + 1
                if self._size > self.max_event_size:
                    self._too_large(self._start)
                if data is None:
                    data = self._data = [value]
                else:
                    data.append(value)
            elif name == b"event":
                self._event = value.decode("utf-8", "replace")
            elif name == b"id":
                if b"\x00" not in value:
                    self.last_event_id = value.decode("utf-8", "replace")
            elif name == b"retry" and value.isdigit():
                self.retry = self._block_retry = int(value)
        return pos

    def _too_large(self, offset: int) -> None:
        raise EventTooLargeError(
            f"expected an event of at most {self.max_event_size} bytes, found a larger one",
            event_number=self.events_dispatched + 1,
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
        if self._more:
            self._buf = b"".join([self._buf, *self._more])
            self._more = []
        if self._buf:
            if not self._bom_done and self._buf == _BOM[: len(self._buf)]:
                self._buf = b""
            else:
                buf, self._buf = self._buf, b""
                self._feed_general(buf, out)
                buf, self._buf = self._buf, b""
                if buf:
                    self._pos = self._lines((buf,), self._pos, out, 0)
        if self._data is not None:
            self.incomplete = True
            if self.dispatch_incomplete:
                self._lines((b"",), self._pos, out, 0)
        return out


def encode_sse(event: ServerSentEvent, *, eol: str = "\n") -> bytes:
    """Encode one event: ``event``, ``id``, ``retry`` lines, one ``data:`` line per line of data.

    Args:
        event: the event to write.
        eol: ``"\\n"`` (default) or ``"\\r\\n"``.

    Returns:
        The wire bytes, ending with the blank line that dispatches the event.
    """
    if eol not in ("\n", "\r\n"):
        from ._errors import UsageError

        raise UsageError(f"expected eol '\\n' or '\\r\\n', found {eol!r}")
    parts = []
    if event.event is not None:
        parts.append(f"event: {event.event}")
    if event.id is not None:
        parts.append(f"id: {event.id}")
    if event.retry is not None:
        parts.append(f"retry: {event.retry}")
    data = event.data
    if "\n" in data:
        parts.extend(f"data: {line}" for line in data.split("\n"))
    else:
        parts.append(f"data: {data}")
    parts.append(eol)
    try:
        return eol.join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:
        from ._errors import UsageError

        raise UsageError(
            f"expected text encodable as UTF-8, found a lone surrogate at {exc.start}"
        ) from None
