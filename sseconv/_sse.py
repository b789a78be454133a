"""The server-sent-events wire layer: bytes in, events out, no I/O.

:class:`SSEParser` follows the WHATWG "interpreting an event stream" rules. It splits lines on
bytes (CRLF, LF or CR, never U+2028 or U+0085), decodes field values afterwards (invalid UTF-8
becomes U+FFFD), strips one leading BOM, and dispatches each event from the ``feed`` call that
completes its blank line. :func:`encode_sse` (in ``_sse_event``) writes events back.
"""

from __future__ import annotations

from typing import Any

from ._errors import EventTooLargeError
from ._options import DEFAULT_MAX_EVENT_SIZE
from ._source import as_bytes
from ._sse_event import ServerSentEvent, encode_sse
from ._sse_grammar import MODES, keep

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "SSEParser", "ServerSentEvent", "encode_sse"]

_BOM = b"\xef\xbb\xbf"
_splitlines = bytes.splitlines  # (on CRLF, LF and CR only, unlike str.splitlines)
_UNKNOWN = object()
_new = tuple.__new__


class SSEParser:
    """Incremental, sans-IO parser of a ``text/event-stream`` body.

    A read that is one whole block, as a live stream's often are, takes one pattern match, and
    so does a read that ends the block whose lines the last read held, then holds only complete
    lines of the next (as when each read is cut in a CRLF). Otherwise one pass per read: the
    complete blocks go through one regular expression (for the read's line end: LF, CRLF or CR)
    that reads events, their ``id``, ``event`` and comment lines; any other block and any line
    end of another kind are interpreted line by line. The complete lines of a block that a read
    cuts wait to be parsed with the rest of it (an ``id`` or ``retry`` line among them acts at
    once, then again to the same effect).

    Args:
        max_event_size: the largest event accepted, in bytes: the bytes of the lines of its
            block (every line, ``data`` or not, comments included) without their line ends, so
            the same whatever the chunking or the line ends. :class:`EventTooLargeError` is
            raised once the complete lines of a block, or its pending line, pass it.
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
        self, *, max_event_size: int = DEFAULT_MAX_EVENT_SIZE, dispatch_incomplete: bool = False
    ) -> None:
        self.max_event_size = max_event_size
        self.dispatch_incomplete = dispatch_incomplete
        self.last_event_id = ""
        self.retry: int | None = None
        self.events_dispatched = 0
        self.incomplete = self.closed = False
        self._pos = 0  # the input offset of the first byte not parsed yet (of _tail, if any)
        self._tail: list[bytes] = []  # bytes after the last line end (pieces, joined later)
        self._tail_size = 0
        self._kept = 0  # how many bytes of _tail are complete lines kept for their block
        self._kept_eol = b""  # and the line end they were read with
        self._resume = False  # whether a read that ends their block is likely: one event came
        self._bom: bytes | None = b""  # the first bytes while they may be a BOM, then None
        self._skip_lf = False  # the last read ended with a CR: an LF next ends the same line
        self._virtual = False  # and that LF was parsed already (see feed)
        self._edge = True  # _bom or _skip_lf: the next read starts in _edge_bytes
        self._one = MODES[b"\n"][3]  # the last read's line end, for a read of one whole block
        # the block in progress: its first line's offset (-1: none), its fields, its size
        self._start = -1
        self._event: str | None = None
        self._data: list[bytes] | None = None
        self._block_retry: int | None = None
        self._size = 0
        self._names: dict[bytes, str | None] = {b"": None}  # event names by the lines before data

    @property
    def block_offset(self) -> int | None:
        """After :meth:`close`: the input offset of the first line of the block the input ended
        inside (lines after the last blank line, even without data), or ``None``."""
        return self._start if self._start >= 0 else None

    def feed(self, data: bytes | bytearray | memoryview) -> list[ServerSentEvent]:
        """Parse more input (any bytes-like object) and return the events it completes, in
        order.

        Raises:
            EventTooLargeError: an event exceeds ``max_event_size``.
            UsageError: ``data`` is a ``str`` or not bytes-like.
        """
        if type(data) is not bytes:
            data = as_bytes(data)
        if self._edge and not (data := self._edge_bytes(data)):
            return []
        if self._start < 0 and (
            (not self._tail and len(data) <= self.max_event_size)
            or (
                self._resume
                and self._tail_size == self._kept
                and len(data) + self._kept <= self.max_event_size
            )
        ):
            eol, stray, one, resumed = self._one  # (the last read's line end, kept lines' too)
            buf = data
            if self._tail:  # kept lines, the rest of their block, then maybe the next's first lines
                buf = self._tail[0] + data
                if m := resumed(buf):
                    idline, head, value, rest = m.groups()
            elif m := one(data):  # one whole block, as a live stream's reads often are
                idline, head, value = m.groups()
            if m:
                name = self._names.get(head, _UNKNOWN)
                if value is None or (name is not _UNKNOWN and stray not in value):
                    start = self._pos
                    self._pos = end = start + len(buf)
                    if self._tail:  # (the next block's complete lines wait for the rest of it)
                        self._pos = end = end - len(rest)
                        self._tail, self._tail_size = [rest] if rest else [], len(rest)
                        self._kept, self._kept_eol = len(rest), eol
                    if value is None:  # a comment or a blank line
                        return []
                    if idline:
                        self.last_event_id = idline[4 : -len(eol)].decode("utf-8", "replace")
                    n = self.events_dispatched = self.events_dispatched + 1
                    try:
                        text = value.decode()
                    except UnicodeDecodeError:  # (invalid UTF-8 becomes U+FFFD)
                        text = value.decode("utf-8", "replace")
                    event = (name, text, self.last_event_id or None, None, start, end, n)
                    return [_new(ServerSentEvent, event)]
        lf = data.rfind(b"\n")
        cr = data.rfind(b"\r")
        out: list[ServerSentEvent] = []
        if lf < 0 and cr < 0:  # no line end: only the pending line grows
            self._tail.append(data)
            self._tail_size += len(data)
            self._check_tail(out)
            return out
        complete = (lf if lf > cr else cr) + 1  # the end of the last complete line
        buf, kept = data, self._kept
        if self._tail:
            buf = b"".join([*self._tail, data])
            complete += self._tail_size
            self._tail, self._tail_size, self._kept = [], 0, 0
        eol = b"\n" if cr < 0 else b"\r" if lf < 0 else b"\r\n"  # (a CRLF read may hold others)
        if kept and eol != self._kept_eol:
            eol = b"\r\n"
        blank, _, _, self._one = MODES[eol]
        self._edge = self._skip_lf = cr == len(data) - 1
        # A CRLF read cut in the CRLF of a blank line: read with the LF that should come next
        # (the event is due now), which the next read then skips or, if it lacks it, takes back.
        virtual = self._skip_lf and eol == b"\r\n" and buf.endswith(b"\n\r")
        if virtual:
            buf += b"\n"
            complete += 1
        self._virtual = virtual
        base, pos = self._pos, 0
        try:
            if self._start >= 0:  # the rest of the block in progress
                if buf.startswith(eol):
                    pos = len(eol)
                else:
                    at = buf.find(blank, 0, complete)
                    pos = complete if at < 0 else at + len(blank)
                self._lines(buf[:pos], base, out)
            stop = buf.rfind(blank, pos, complete)
            if stop >= 0:  # whole blocks
                stop += len(blank)
                self._blocks(buf, pos, stop, eol, out)
                pos = stop
            if pos < complete:  # the complete lines of a block that goes on
                if (
                    (pos or not kept)
                    and complete - pos <= self.max_event_size
                    and (waits := keep(buf, pos, complete, eol))
                ):  # kept, to be parsed with the rest of the block (once)
                    if waits == 2:  # they act now, and again to the same effect with the rest
                        self._lines(buf[pos:complete], base + pos, out, dry=True)
                    self._kept, self._kept_eol, complete = complete - pos, eol, pos
                    self._resume = len(out) == 1  # (the next read may be the rest of this block)
                    self._edge = self._skip_lf = False
                else:
                    self._lines(buf[pos:complete], base + pos, out)
            self._pos = base + complete
            if complete < len(buf):
                self._tail, self._tail_size = [buf[complete:]], len(buf) - complete
                if self._tail_size > self.max_event_size:  # (then maybe its pending line)
                    self._check_tail(out)
        except EventTooLargeError as exc:
            exc.sse_events = out
            raise
        if virtual and out and out[-1].end == self._pos:  # its end stops at the CR
            out[-1] = _new(ServerSentEvent, (*out[-1][:5], self._pos - 1, out[-1][6]))
        self.events_dispatched += len(out)
        return out

    def _edge_bytes(self, data: bytes) -> bytes:
        """``data`` without a BOM that starts the input, or the LF of a CRLF cut by reads;
        ``b""`` while the first bytes may still be a BOM."""
        if self._bom is not None:
            data = self._bom + data
            if len(data) < 3 and _BOM.startswith(data):
                self._bom = data
                return b""
            self._bom = None
            if data.startswith(_BOM):
                data = data[3:]
                self._pos = 3
        if self._skip_lf and data:
            self._skip_lf = False
            if data[0] == 10:
                data = data[1:]
                self._pos += not self._virtual
            elif self._virtual:
                self._pos -= 1
        self._edge = self._skip_lf
        return data

    def _blocks(self, buf: bytes, pos: int, stop: int, eol: bytes, out: list[Any]) -> None:
        """Dispatch the events of ``buf[pos:stop]``, whole blocks with line ends mostly ``eol``.
        An event's lines before its data line go through :meth:`_lines` the first time they are
        seen, then their event name is remembered (see :func:`keep`); a leading ``id`` line is
        read directly."""
        base = self._pos
        start = base + pos  # the input offset of the current block
        size = len(eol)
        fixed = 6 + 2 * size  # the bytes of an event besides its lines before data and value
        limit = self.max_event_size
        check = stop - pos > limit  # (no block of a smaller region is too large)
        lone = size == 2  # (only in a CRLF region may a value hold an LF)
        names = self._names
        last_id = self.last_event_id or None
        n = self.events_dispatched + len(out) + 1  # the number of the next event
        append = out.append
        for idline, head, value, other in MODES[eol][1].findall(buf, pos, stop):
            if other and (len(other) > 1 or other == eol):  # any other block (one byte: below):
                # line by line, unless one blank line or one comment
                idle = len(other) == size or (
                    other[0] == 58 and other.find(eol) + 2 * size == len(other)
                )
                if check or not idle:
                    self._lines(other, start, out)
                    last_id, n = self.last_event_id or None, self.events_dispatched + len(out) + 1
                start += len(other)
                continue
            if other or (lone and 10 in value):  # another line end: the rest line by line
                self._lines(buf[start - base : stop], start, out)
                return
            end = start + len(idline) + len(head) + len(value) + fixed
            if check and end - start - size * (head.count(eol) + bool(idline) + 2) > limit:
                self._too_large(start, out)  # (its lines without their line ends)
            try:
                name = names[head]
            except KeyError:
                self._lines(buf[start - base : end - base], start, out)
                last_id, n = self.last_event_id or None, self.events_dispatched + len(out) + 1
                if len(names) < 64 and keep(head, 0, len(head), eol) == 1:
                    names[head] = out[-1].event
            else:
                if idline:
                    self.last_event_id = idline[4:-size].decode("utf-8", "replace")
                    last_id = self.last_event_id or None
                try:
                    text = value.decode()
                except UnicodeDecodeError:  # (invalid UTF-8 becomes U+FFFD)
                    text = value.decode("utf-8", "replace")
                append(_new(ServerSentEvent, (name, text, last_id, None, start, end, n)))
                n += 1
            start = end

    def _lines(self, chunk: bytes, pos: int, out: list[ServerSentEvent], dry: bool = False) -> None:
        """Interpret the lines of ``chunk`` (input offset ``pos``, ending with a line end); ``dry``:
        only for what acts at once, leaving the block in progress as it was."""
        start, event, data, retry = self._start, self._event, self._data, self._block_retry
        size, limit = self._size, self.max_event_size
        for raw in _splitlines(chunk, True):
            line = raw.rstrip(b"\r\n")
            if not line:  # a blank line: dispatch
                pos += len(raw)
                if data is not None:
                    text = b"\n".join(data).decode("utf-8", "replace")
                    last_id = self.last_event_id or None
                    n = self.events_dispatched + len(out) + 1
                    out.append(_new(ServerSentEvent, (event, text, last_id, retry, start, pos, n)))
                start, event, data, retry, size = -1, None, None, None, 0
                continue
            if start < 0:
                start = pos
            pos += len(raw)
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
            elif name == b"id" and 0 not in value:  # (an id with a NUL is ignored)
                self.last_event_id = value.decode("utf-8", "replace")
            elif name == b"retry" and value.isdigit():
                self.retry = retry = int(value)
        if not dry:
            self._start, self._event, self._data, self._block_retry = start, event, data, retry
            self._size = size

    def _check_tail(self, out: list[ServerSentEvent]) -> None:
        if self._tail_size - self._kept > self.max_event_size:  # the pending line
            self._too_large(self._start if self._start >= 0 else self._pos, out)

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
        pending, kept, pos = (self._bom or b"") + b"".join(self._tail), self._kept, self._pos
        self._bom = None  # (first bytes that were not a whole BOM: a line)
        # (lines kept for their block, and a last line without its line end)
        self._lines(pending + b"\n" if len(pending) > kept else pending, pos, out)
        if self._data is not None:
            self.incomplete = True
            if self.dispatch_incomplete:  # as if a blank line ended at the end of the input
                self._lines(b"\n", pos + len(pending) - 1, out)
        self.events_dispatched += len(out)
        return out
