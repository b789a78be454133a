"""The same-dialect writer: each input event written back as it came, or left out.

Each event is checked by its own dialect's decoder (``Decoder.check``: no model events are
built); the policy says whether a stray ``[DONE]``, a ping, an unknown event or (in lenient
mode) a malformed event is written. An event's bytes are the input from the end of the event
before it to its own ``end`` (comments and blank lines before it included), taken from the
reads as they came (a read is kept, not copied, until its events are written). The one place
that knows the split-CRLF seam: an event dispatched by a CR that ended a read has the LF of its
CRLF at the start of the next span; that LF goes with its CR (written with a kept event, left
out with a dropped one, replaced with it by ``eol``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._codecs._base import event_label
from ._errors import InputError
from ._events import Done, ModelEvent, Ping, Unknown

if TYPE_CHECKING:
    from ._convert import Reading
    from ._policy import Policy
    from ._sse import ServerSentEvent

__all__ = ["VerbatimWriter"]

_ANY_EOL = re.compile(rb"\r\n|\r|\n")
_SPECIAL = frozenset({Done, Ping, Unknown})  # what may be left out (None: no model event)


class VerbatimWriter:
    """Writes a dialect's events back unchanged (line ends rewritten when ``eol`` is given).

    Args:
        policy: decides what is left out, and counts it.
        eol: the output's line end, or ``None`` to keep the input's.
        unknown: for a target that cannot carry unknown events (legacy), the encoder's handler
            that drops and counts one (or raises in strict mode); else they are written.
    """

    __slots__ = ("_base", "_buf", "_cr", "_eol", "_kept", "_pos", "policy", "unknown")

    def __init__(
        self,
        policy: Policy,
        eol: str | None = None,
        unknown: Callable[[Unknown], bytes] | None = None,
    ) -> None:
        self.policy = policy
        self.unknown = unknown
        self._eol = None if eol is None else eol.encode()
        self._buf = b""  # input not yet taken from _pos on; _buf[0] is at input offset _base
        self._base = 0
        self._pos = 0
        self._cr = False  # the last span ended with CR (its LF may start the next one)
        self._kept = True  # the last span was written

    def add(self, data: bytes) -> None:
        """Keep the bytes of one more read until its spans are taken."""
        buf, pos = self._buf, self._pos
        if pos >= len(buf):  # (the usual case: everything before was taken)
            self._base += len(buf)
            self._buf = data
        else:
            self._base += pos
            self._buf = buf[pos:] + data
        self._pos = 0

    def write(self, reading: Reading, out: list[bytes], size: int) -> None:
        """Write the events queued in ``reading`` to ``out`` until it holds ``size`` bytes.

        A run of kept events is taken as one slice of the input, when an event is left out
        or at the end."""
        policy, take = self.policy, self.take
        assert reading.decoder is not None, "events are written once their dialect is known"
        queue, check = reading.queue, reading.decoder.check
        total = kept = 0
        start = end = self._base + self._pos  # the run of kept events not taken yet
        sse = None
        try:
            while queue and total + end - start < size:
                sse = queue.popleft()
                stop = sse.end
                assert stop is not None, "the parser sets the end of every event it dispatches"
                try:
                    kind = check(sse)
                except InputError as exc:
                    # What its own dialect's decoder rejects is invalid in the output too.
                    keep = policy.rejected(exc)
                else:
                    keep = kind not in _SPECIAL or self._keep(kind, sse)
                if keep:
                    kept += 1
                    end = stop
                    continue
                span = take(end, keep=True) if end > start else b""
                span += take(stop, keep=False)
                if span:
                    out.append(span)
                    total += len(span)
                start = end = stop
        finally:
            if end > start:
                out.append(take(end, keep=True))
            policy.wrote(kept)
            if sse is not None:
                assert sse.number is not None, "the parser numbers every event it dispatches"
                reading.report.events_in = sse.number

    def _keep(self, kind: type[ModelEvent], sse: ServerSentEvent) -> bool:
        """Whether a stray ``[DONE]``, a ping or an unknown event is written back."""
        if kind is Done:
            self.policy.done()
            return False
        if kind is Ping:
            return self.policy.ping()
        if self.unknown is not None:
            where = {"event_number": sse.number, "offset": sse.offset}
            self.unknown(Unknown(event=sse.event, data=sse.data, **where))
            return False
        self.policy.passed(event_label(sse.event))
        return True

    def take(self, end: int, *, keep: bool) -> bytes:
        """Take the input up to offset ``end``; return what to write of it (nothing of a span
        not kept, but the LF that completes a kept CR)."""
        stop = end - self._base
        span = self._buf[self._pos : stop]
        self._pos = stop
        lead = b""
        if self._cr and span[:1] == b"\n":
            span = span[1:]
            if self._kept and self._eol is None:
                lead = b"\n"
        self._cr = span[-1:] == b"\r"
        self._kept = keep
        if not keep:
            return lead
        if self._eol is not None:
            span = _ANY_EOL.sub(self._eol, span)
        return lead + span if lead else span

    def rest(self, cut: int | None) -> bytes:
        """At the end of input: what follows the last event, comments and blank lines
        (written), then the block the input ended inside (from ``cut``; never written)."""
        end = self._base + len(self._buf)
        head = self.take(cut, keep=True) if cut is not None else b""
        return head + self.take(end, keep=cut is None)

    def pending(self) -> bytes:
        """What belongs to the output written so far but is not taken yet: the LF of the CRLF
        that ended the last event written."""
        lf = self._buf[self._pos : self._pos + 1] == b"\n"
        return b"\n" if lf and self._cr and self._kept and self._eol is None else b""
