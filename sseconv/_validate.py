"""Checking a recording against its dialect's grammar, collecting every problem (sans-IO).

:class:`Validator` reads like :class:`EventReader` (same parser, detection and numbering) but
does not stop at the first bad event: each :class:`InputError` of the decoder becomes a
:class:`Problem` and the next event is decoded as usual (a decoder's state is unchanged by an
error). Only an oversize event, or a dialect that cannot be detected, ends the check.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Literal

from ._convert import Reading
from ._detect import Detector
from ._dialect import Dialect
from ._errors import (
    DetectionError,
    EventTooLargeError,
    InputError,
    NotEventStreamError,
    SSEConvError,
    UsageError,
    positioned,
)
from ._events import Done
from ._options import CheckOptions, options_from
from ._report import Report
from ._source import BytesLike, Source
from ._source import chunks as source_chunks
from ._sse import ServerSentEvent

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Problem", "Severity", "Validator", "validate"]

Severity = Literal["error", "warning"]

_CANNOT_GO_ON = "; the rest of the input cannot be checked"


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with a recording.

    Attributes:
        message: the one-line description (what was expected, what was found).
        event_number: 1-based number of the SSE event at fault, counting every dispatched
            event; ``None`` when no one event is at fault.
        offset: byte offset of that event's first line (or of the place at fault), from the
            first input byte, BOM included; ``None`` when unknown.
        severity: ``"error"``, or ``"warning"`` for what is worth knowing but not wrong
            (a ``[DONE]`` in a completions or Messages stream).
        hint: the option that would change the verdict, when there is one:
            ``"dispatch_incomplete"`` (a last event without its blank line) or ``"source"``
            (no event told the dialect).
    """

    message: str
    event_number: int | None = None
    offset: int | None = None
    severity: Severity = "error"
    hint: str | None = None

    def __str__(self) -> str:
        text = f"warning: {self.message}" if self.severity == "warning" else self.message
        return positioned(text, None, self.event_number, self.offset)


def _problem(exc: SSEConvError, suffix: str = "") -> Problem:
    return Problem(exc.message + suffix, exc.event_number, exc.offset)


class Validator:
    """Sans-IO checker of a recording: ``feed(bytes) -> list[Problem]``, ``close()``.

    Every problem is reported, with its position: each event that its dialect's decoder
    rejects (the check goes on with the next event), a ``[DONE]`` in a completions or
    Messages stream (a warning), a last event without its blank line, a stream that did not
    finish. An oversize event, or no event telling the dialect (at the end of input, or
    within ``detect_limit`` bytes), is reported and ends the check: later calls return
    nothing.

    Args:
        source: the dialect of the recording, or ``None`` to detect it.
        options: ``max_event_size``, ``detect_limit``, ``dispatch_incomplete`` (check a
            last event that lacks its blank line instead of reporting it): see
            :class:`~sseconv.Options`.

    Attributes:
        source: the dialect (``None`` until detected).
        events: how many SSE events were read so far.
        report: what was read (``report.api_error``: the API error that ended the stream).
    """

    def __init__(
        self, source: Dialect | str | None = None, **options: Unpack[CheckOptions]
    ) -> None:
        settings = options_from(options, CheckOptions, source=source)
        self.report = Report()
        # The parser always dispatches a last event without its blank line: close() reports
        # it, or checks it with dispatch_incomplete.
        self._in = Reading(
            settings,
            self.report,
            Detector(settings.detect_limit, errors=True),
            dispatch_incomplete=True,
        )
        self.dispatch_incomplete = settings.dispatch_incomplete
        self._undecided = 0  # events read when detection failed
        self._stopped = False  # nothing more can be checked
        self._out: list[Problem] = []

    @property
    def source(self) -> Dialect | None:
        return self._in.source

    @property
    def events(self) -> int:
        """How many SSE events were read so far."""
        return self.report.events_in + self._undecided

    def feed(self, data: BytesLike) -> list[Problem]:
        """Check more input (any bytes-like object); return the problems it reveals."""
        if self._in.closed:
            raise UsageError("expected no input after close()")
        if not self._stopped:
            self._in.read(data)
            self._check(at_end=False)
        return self._take()

    def close(self) -> list[Problem]:
        """Signal the end of input; return the problems it reveals."""
        reading = self._in
        if reading.closed or self._stopped:
            reading.closed = True
            return []
        try:
            reading.last()
        except EventTooLargeError as exc:  # a last line without its line end
            self._stop(_problem(exc, _CANNOT_GO_ON))
            return self._take()
        out = self._out
        parser, queue = reading.parser, reading.queue
        if parser.incomplete and queue and not self.dispatch_incomplete:
            last = queue.pop()
            out.append(
                Problem(
                    "expected a blank line after the last event, found the end of input "
                    "(the event is discarded)",
                    parser.events_dispatched,  # counts the discarded event last
                    last.offset,
                    hint="dispatch_incomplete",
                )
            )
        cut = parser.block_offset
        if cut is not None and not parser.incomplete and (queue or self.events):
            out.append(
                Problem(
                    "expected a blank line after the last lines, found the end of input "
                    "(lines without data are not an event; convert drops them)",
                    offset=cut,
                    severity="warning",
                )
            )
        self._check(at_end=True)
        if self._stopped:
            return self._take()
        decoder = reading.decoder
        body_error = reading.not_event_stream()
        if body_error is not None:
            out.append(Problem(body_error.message))
        elif decoder is None:
            out.append(Problem("expected a stream, found no event", offset=reading.fed))
        elif not decoder.finished:
            message = "expected the stream to finish, found the end of input"
            out.append(Problem(message, self.events + 1, reading.fed))
        return self._take()

    def _take(self) -> list[Problem]:
        """The problems found since the last call."""
        out, self._out = self._out, []
        return out

    def _check(self, *, at_end: bool) -> None:
        reading = self._in
        try:
            try:
                reading.each(self._event)
                if at_end:
                    error = reading.undecided()
                    if error is not None:
                        raise error
            except DetectionError as exc:
                self._undecided = len(reading.detector.pending)
                if at_end and self._undecided:
                    self._stop(_problem(exc))
                else:  # no event told within detect_limit bytes: no one event is at fault
                    self._stop(Problem(exc.message, None, exc.offset, hint="source"))
                if reading.deferred is not None:
                    raise reading.deferred from None
        except EventTooLargeError as exc:
            self._stop(_problem(exc, _CANNOT_GO_ON))
        except NotEventStreamError as exc:  # a long first line that is no SSE line
            self._stop(_problem(exc))

    def _stop(self, problem: Problem) -> None:
        self._out.append(problem)
        self._stopped = True

    def _event(self, sse: ServerSentEvent) -> None:
        decoder = self._in.decoder
        assert decoder is not None
        try:
            kind = decoder.check(sse)
        except InputError as exc:
            self._out.append(_problem(exc))
            return
        if kind is Done:
            self._out.append(
                Problem(
                    f"[DONE] is not part of the {decoder.dialect} dialect "
                    "(a proxy added it?); convert removes it",
                    sse.number,
                    sse.offset,
                    "warning",
                )
            )


def validate(
    chunks: Source, *, source: Dialect | str | None = None, **options: Unpack[CheckOptions]
) -> list[Problem]:
    """Every problem of a recording: ``chunks`` is bytes-like, an iterable of bytes-like
    chunks or a binary file object (options of :class:`Validator`)."""
    validator = Validator(source, **options)
    problems: list[Problem] = []
    for chunk in source_chunks(chunks):
        problems += validator.feed(chunk)
    problems += validator.close()
    return problems
