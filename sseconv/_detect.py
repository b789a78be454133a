"""Tell a stream's dialect from its framing and payload shape, never from its text.

:func:`classify` says what one event proves; :class:`Detector` applies it to a stream's first
events, each classified once, and gives up after a number of bytes of complete events (never
counting an event still in progress, so the verdict is the same however the input is split);
:func:`identify` and :func:`detect` run a detector over a whole source.
"""

from __future__ import annotations

from collections import deque

from ._body import Head
from ._dialect import Dialect
from ._errors import DetectionError, EventTooLargeError, InputError, MalformedEventError
from ._json import MAX_DEPTH, check_nesting, load_value
from ._options import DETECT_LIMIT
from ._source import Source, chunks
from ._sse import ServerSentEvent, SSEParser

__all__ = ["DETECT_LIMIT", "MESSAGES_EVENTS", "Detector", "classify", "detect", "identify"]

_BLOCK = ("content_block_start", "content_block_delta", "content_block_stop")
MESSAGES_EVENTS = frozenset(("message_start", *_BLOCK, "message_delta", "message_stop"))


def classify(event: ServerSentEvent) -> Dialect | None:
    """The dialect that one event proves, or ``None`` when it fits several or none.

    A data-only JSON object with a ``completion`` key is legacy, as is a ping whose data is
    not JSON (a timestamp); a ``completion`` event is 2023-06-01; the ``message_*`` and
    ``content_block_*`` events are Messages. ``ping``, ``error`` and ``[DONE]`` decide nothing,
    nor does data that cannot be read (bad JSON, or nested too deep).
    """
    name = event.event
    if name is None:
        data = event.data
        if data[:1] != "{":
            return None
        try:
            payload = load_value(data, "a legacy completion")
        except MalformedEventError:
            return None
        if isinstance(payload, dict) and "completion" in payload:
            return Dialect.LEGACY
        return None
    if name == "completion":
        return Dialect.COMPLETIONS
    if name in MESSAGES_EVENTS:
        return Dialect.MESSAGES
    if name == "ping" and event.data[:1] != "{":
        return Dialect.LEGACY
    return None


_TOO_DEEP = object()  # stands for the name of a data-only event too deep to read


def _too_deep(data: str) -> bool:
    try:
        check_nesting(data, "a data-only event")
    except MalformedEventError:
        return True
    return False


class Detector:
    """Decides a stream's dialect from its first events (sans-IO; each event classified once).

    The one detection rule: :class:`~sseconv.Converter`, :class:`~sseconv.EventReader`,
    :class:`~sseconv.Validator`, :func:`detect` and the ``detect`` command all use it.

    Args:
        limit: give up (:class:`DetectionError`) at the first event that does not decide and
            ends more than ``limit`` bytes into the input. Only complete events count: the
            verdict does not depend on how the input was split into reads.
        target: the dialect being converted to, if any. A stream that begins with an
            ``error`` event (an overloaded API does that) is read as the target where that is
            completions or Messages (both write errors and pings alike), else as completions:
            detection does not wait for an event that will never come.
        errors: without a target, read a stream that begins with an ``error`` event as
            Messages (what a reader of model events does: both dialects decode an error
            alike); otherwise, without a target, an error event decides nothing.

    Attributes:
        pending: the events read so far that did not decide (bounded by ``limit``).
        dialect: the dialect, once decided.
    """

    def __init__(
        self, limit: int = DETECT_LIMIT, target: Dialect | None = None, *, errors: bool = False
    ) -> None:
        self.limit = limit
        self.pending: list[ServerSentEvent] = []
        self.dialect: Dialect | None = None
        self._error_dialect = Dialect.MESSAGES if errors else None
        if target is not None:
            self._error_dialect = Dialect.COMPLETIONS if target is Dialect.LEGACY else target
        self._names: dict[object, None] = {}  # names of the pending events (and _TOO_DEEP)

    def add(self, event: ServerSentEvent) -> Dialect | None:
        """Read one more event; return the dialect if it decides (the event is then the last
        of :attr:`pending`), else ``None``.

        Raises:
            DetectionError: the event does not decide and ends beyond the limit.
        """
        self.pending.append(event)
        found = classify(event)
        if found is None and event.event == "error":
            found = self._error_dialect
        if found is not None:
            self.dialect = found
            return found
        name: object = event.event
        if name is None and event.data[:1] == "{" and _too_deep(event.data):
            name = _TOO_DEEP  # (its decoder reports it, should a later event decide)
        self._names[name] = None
        if event.end is not None and event.end > self.limit:
            raise DetectionError(
                f"expected an event that tells the dialect within the first {self.limit} "
                f"bytes, found only {self._found()}",
                event_number=len(self.pending),
                offset=self.limit,
                limit=self.limit,
            )
        return None

    def add_all(self, events: list[ServerSentEvent]) -> Dialect | None:
        """:meth:`add` each event until one decides; return the dialect, or ``None``."""
        for event in events:
            if (found := self.add(event)) is not None:
                return found
        return None

    def hold(self, queue: deque[ServerSentEvent]) -> Dialect | None:
        """Take events off the front of ``queue`` until one decides; then put them all back
        (in order, to be decoded) and return the dialect. Until then they are held."""
        while queue:
            if (found := self.add(queue.popleft())) is not None:
                queue.extendleft(reversed(self.pending))
                self.pending = []
                return found
        return None

    def give_up(self) -> DetectionError:
        """The error for an input that ended before any event decided."""
        if not self.pending:
            return DetectionError("expected a stream, found no event")
        return DetectionError(
            f"expected an event that tells the dialect, found only {self._found()}",
            event_number=len(self.pending),
            offset=self.pending[-1].offset,
        )

    def _found(self) -> str:
        """What the pending events are, for a message."""
        named = [repr(name) for name in sorted(n for n in self._names if isinstance(n, str))]
        if _TOO_DEEP in self._names:
            named.append(f"data-only JSON nested deeper than {MAX_DEPTH} levels")
        if None in self._names:
            named.append(
                "data-only events that are not legacy completions: an OpenAI-style stream?"
            )
        return " and ".join(named) if len(named) == 2 else ", ".join(named)


def identify(source: Source, *, limit: int = DETECT_LIMIT) -> Dialect:
    """:func:`detect`, telling why when the dialect cannot be told.

    Raises:
        DetectionError: no event decides (``limit`` is set when it gave up at the limit;
            ``event_number`` is how many events were read, ``None`` for none).
        NotEventStreamError: the input holds no event and is not a stream (an error answer).
        EventTooLargeError: an event exceeds the size limit before any event decided.
        UsageError: ``source`` is a ``str`` or not a source of bytes.
    """
    parser = SSEParser(dispatch_incomplete=True)  # a final block without its blank line counts
    detector = Detector(limit)
    head = Head()  # to tell a body that is not a stream
    try:
        for chunk in chunks(source):
            head.add(chunk, parser.events_dispatched)
            if (found := detector.add_all(parser.feed(chunk))) is not None:
                return found
        if (found := detector.add_all(parser.close())) is not None:
            return found
        error = detector.give_up()
    except EventTooLargeError as exc:
        if (found := detector.add_all(exc.sse_events)) is not None:
            return found
        raise
    except DetectionError as exc:
        error = exc
    raise head.error(parser.events_dispatched) or error


def detect(source: Source, *, limit: int = DETECT_LIMIT) -> Dialect | None:
    """Return the dialect of a stream from its first events, or ``None`` if they do not say.

    ``source`` is bytes-like, an iterable of bytes-like chunks or a binary file object; it is
    read only until an event decides, or until ``limit`` bytes of complete events did not (the
    rule a :class:`~sseconv.Converter` applies). The first event that decides (see
    :func:`classify`) wins; a final block without its blank line is considered too. Bytes
    that are not a stream at all give ``None``.

    Raises:
        UsageError: ``source`` is a ``str`` or not a source of bytes.
    """
    try:
        return identify(source, limit=limit)
    except InputError:  # too large, or not a stream: nothing tells
        return None
