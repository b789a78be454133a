"""The one home of what a conversion may drop, and of the counting that goes with it.

Every decision that depends on the options ``mode`` and ``pings`` is made here, as is the stray
``[DONE]`` rule, and each is counted in the :class:`Report` at the place it is made:

- **mode**: ``strict`` raises for content the target cannot carry (:meth:`Policy.drop`) and for
  an unfinished input (:meth:`Policy.unfinished`); ``lenient`` counts a malformed event and
  goes on (:meth:`Policy.rejected`), where the other modes raise; ``default`` drops and counts.
- **pings**: ``drop`` leaves pings out, counted (:meth:`Policy.ping`); pings the target cannot
  carry after its final event are counted apart (:meth:`Policy.ping_after_end`).
- **stray [DONE]**: a ``[DONE]`` line, data-only or as ``event: done`` (a trailer some proxies
  add), is no part of the completions and Messages dialects (:func:`is_stray_done`); it is
  never written, and counted as removed (:meth:`Policy.done`).
- **output**: every SSE event written is counted once, by :meth:`Policy.wrote`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._errors import EventAfterEndError, IncompleteStreamError, InputError, UnrepresentableError

if TYPE_CHECKING:
    from ._events import ModelEvent
    from ._options import Mode, Pings
    from ._report import Report

__all__ = ["Policy", "is_stray_done"]

_DONE_NAMES = (None, "done")


def is_stray_done(name: str | None, data: str) -> bool:
    """Whether an event is a ``[DONE]`` line (which only the legacy dialect defines, as its
    terminator): ``data: [DONE]`` without an event name or under ``event: done``."""
    return data == "[DONE]" and name in _DONE_NAMES


class Policy:
    """The decisions of one conversion (or read), counted in ``report``.

    ``mode`` and ``pings`` as validated by :class:`~sseconv.Options`.
    """

    __slots__ = ("drop_pings", "lenient", "mode", "report", "strict")

    def __init__(self, report: Report, mode: Mode = "default", pings: Pings = "keep") -> None:
        self.report = report
        self.mode = mode
        self.strict = mode == "strict"
        self.lenient = mode == "lenient"
        self.drop_pings = pings == "drop"

    def wrote(self, count: int = 1) -> None:
        """Count SSE events written to the output."""
        self.report.events_out += count

    def ping(self) -> bool:
        """Whether to write a ping (a ping left out on request is counted)."""
        if self.drop_pings:
            self.report.dropped["ping"] += 1
            return False
        return True

    def ping_after_end(self) -> bytes:
        """Count a ping that the target cannot carry after its final event."""
        self.report.dropped["ping_after_end"] += 1
        return b""

    def done(self) -> bytes:
        """Count a stray ``[DONE]``: never written (see :func:`is_stray_done`)."""
        self.report.removed_done += 1
        return b""

    def passed(self, name: str) -> None:
        """Count an unknown event written verbatim."""
        self.report.passed_through[name] += 1

    def drop(self, event: ModelEvent, kind: str, what: str, target: object) -> bytes:
        """Count content with no place in the ``target`` dialect as dropped (``kind``), or in
        strict mode raise :class:`UnrepresentableError` saying it is ``what``."""
        if self.strict:
            source = self.report.source
            raise UnrepresentableError(
                f"expected content that {target} can carry, found {what}",
                dialect=source.value if source is not None else None,
                event_number=event.event_number,
                offset=event.offset,
            )
        self.report.dropped[kind] += 1
        return b""

    def tolerate(self, error: InputError) -> InputError:
        """Raise ``error`` (a malformed event, or one after the end) unless in lenient mode;
        there, return it, to be counted by :meth:`rejected`."""
        if not self.lenient:
            raise error
        return error

    def rejected(self, error: InputError, *, carry: bool = False) -> bool:
        """A malformed event (or one after the end): raise ``error`` unless in lenient mode;
        there, count it and return ``carry`` (whether it is written, verbatim, as an event the
        output reads as unknown). An event after the end is never written."""
        self.tolerate(error)
        report = self.report
        if isinstance(error, EventAfterEndError):
            report.after_end += 1
            return False
        report.malformed += 1
        if not carry:
            report.malformed_dropped += 1
        return carry

    def unfinished(self, *, dialect: str | None, event_number: int, offset: int, cut: bool) -> None:
        """The input ended before its stream finished: an error in strict mode (else only
        ``report.finished`` tells)."""
        if self.strict:
            raise IncompleteStreamError(
                "expected the stream to finish, found the end of input"
                + (" inside an event" if cut else ""),
                dialect=dialect,
                event_number=event_number,
                offset=offset,
            )
