"""The sans-IO converter and event reader, and thin sync/async iterators around them.

Bytes go through :class:`SSEParser`, the source dialect's decoder (detected from the first
events when not given) and, in :class:`Converter`, the target dialect's encoder. When source and
target are the same dialect, the input bytes of each event are written back unchanged.
"""

from __future__ import annotations

import datetime
import re
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
)
from typing import Any, Literal

from ._body import BODY_LIMIT, is_not_event_stream, not_event_stream
from ._codecs import DECODERS, ENCODERS, Decoder, Encoder, Mode
from ._codecs._base import MODES, event_label
from ._detect import DETECT_LIMIT, Detector
from ._dialect import Dialect
from ._errors import (
    EventAfterEndError,
    EventTooLargeError,
    IncompleteStreamError,
    InputError,
    SSEConvError,
    UsageError,
)
from ._events import Done, ModelEvent, Ping, Unknown
from ._report import Report
from ._source import AsyncSource, BytesLike, Source, achunks, as_bytes
from ._source import chunks as source_chunks
from ._sse import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent, SSEParser, encode_sse

__all__ = [
    "DETECT_LIMIT",
    "AsyncConversion",
    "Conversion",
    "Converter",
    "EventReader",
    "aconvert",
    "aparse_events",
    "convert",
    "encode_events",
    "encoder_for",
    "parse_events",
]

_ANY_EOL = re.compile(rb"\r\n|\r|\n")
# The iterators yield when this much output has gathered (or at the end of a chunk's events),
# so one huge chunk never makes more than this plus one event's output at a time.
_PIECE_SIZE = 64 * 1024


def _check_mode(mode: str) -> Mode:
    if mode not in MODES:
        raise UsageError(f"expected mode strict, default or lenient, found {mode!r}")
    return mode


class _Reader:
    """Parsing, dialect detection, event numbering and error positions, shared by
    :class:`Converter` and :class:`EventReader`."""

    def __init__(
        self,
        target: Dialect,
        source: Dialect | str | None,
        mode: str,
        max_event_size: int,
        dispatch_incomplete: bool,
        detect_limit: int,
    ) -> None:
        self.mode = _check_mode(mode)
        self.report = Report(target=target)
        self.source: Dialect | None = None
        self._parser = SSEParser(
            max_event_size=max_event_size, dispatch_incomplete=dispatch_incomplete
        )
        self._decoder: Decoder | None = None
        self._detector: Detector | None = None
        # Events parsed and not yet handled: those of a read whose output is drained event by
        # event, or given back by the detector once it decides. Every path takes them in order.
        self._queue: deque[ServerSentEvent] = deque()
        self._deferred: SSEConvError | None = None  # the parser's error, after its events
        self._fed = 0
        self._number = 0
        self._failed: SSEConvError | None = None
        self._closed = False
        # The first input bytes, kept while no event is dispatched: at the end, an input
        # without any SSE line is a NotEventStreamError (an API error body, HTML, ...).
        self._head: bytearray | None = bytearray()
        if source is not None:
            self._use(Dialect.parse(source))
        else:
            self._detector = Detector(detect_limit, target)

    @property
    def _pending(self) -> list[ServerSentEvent]:
        """The events read while the dialect is undecided."""
        return self._detector.pending if self._detector is not None else []

    def _use(self, source: Dialect) -> None:
        self.source = self.report.source = source
        self._decoder = DECODERS[source](self.report)

    # -- the pipeline -----------------------------------------------------------------------

    def _parse(self, data: BytesLike) -> list[ServerSentEvent]:
        """Parse one read; keep the parser's error (if any) to raise after its events."""
        if self._closed:
            raise UsageError("expected no input after close()")
        if self._failed is not None:
            raise UsageError(f"expected no input after the failure: {self._failed}")
        if type(data) is not bytes:
            data = as_bytes(data)
        if self._deferred is not None:  # the parser failed: what follows is not read
            return []
        self._fed += len(data)
        head = self._head
        if head is not None:
            if self._parser.events_dispatched:
                self._head = None
            elif len(head) < BODY_LIMIT:
                head += data[: BODY_LIMIT - len(head)]
        try:
            return self._parser.feed(data)
        except EventTooLargeError as exc:
            # (one long line of JSON, say: tell what it is rather than that it is large)
            self._deferred = self._not_event_stream() or exc
            return exc.events

    def _feed(self, data: BytesLike, out: list[Any]) -> None:
        events = self._parse(data)
        try:
            if events or self._queue or self._decoder is None:
                self._events(events, out, at_end=False)
            if self._deferred is not None:
                raise self._deferred
        except SSEConvError as exc:
            raise self._fail(exc, out) from None

    def _close(self, out: list[Any]) -> None:
        if self._closed:
            return
        try:
            self._events(self._parser.close(), out, at_end=True)
            body_error = self._not_event_stream()
            if body_error is not None:
                raise body_error
            # A cut block counts even without data (a head line like `event: message_stop`).
            parser = self._parser
            self.report.incomplete_block = parser.incomplete or parser.block_offset is not None
            self.report.finished = self._decoder is not None and self._decoder.finished
            self._closed = True
            if not self.report.finished and self.mode == "strict":
                raise IncompleteStreamError(
                    "expected the stream to finish, found the end of input"
                    + (" inside an event" if self._parser.incomplete else ""),
                    dialect=self.source.value if self.source else None,
                    event_number=self._number + 1,
                    offset=self._fed,
                )
        except SSEConvError as exc:
            raise self._fail(exc, out) from None

    def _not_event_stream(self) -> InputError | None:
        """The error for an input in which no event was dispatched and no line is an SSE
        line, but which holds something (``None`` otherwise: blank input is unfinished)."""
        head = self._head
        if head is None or self._parser.events_dispatched or not is_not_event_stream(head):
            return None
        return not_event_stream(bytes(head))

    def _fail(self, exc: SSEConvError, out: list[Any]) -> SSEConvError:
        if exc.dialect is None and self.source is not None:
            exc.dialect = self.source.value
        self._attach(exc, out)
        self._failed = exc
        return exc

    def _attach(self, exc: SSEConvError, out: list[Any]) -> None:
        """Give the exception what was produced before the failure."""
        raise NotImplementedError

    def _events(self, events: list[ServerSentEvent], out: list[Any], *, at_end: bool) -> None:
        """Handle ``events`` (after any still queued) into ``out``; ``at_end``: they are the
        last ones, so a dialect still undecided never will be.

        Raises:
            DetectionError: no event told the dialect within the limit, or by the end.
        """
        queue = self._queue
        if queue or self._decoder is None:
            queue.extend(events)
            if self._decoder is None:
                self._detect_queued()
            events = list(queue)
            queue.clear()
        if events:
            number = self._number
            handle = self._event
            try:
                for sse in events:
                    number += 1
                    handle(sse, number, out)
            finally:
                self.report.events_in += number - self._number
                self._number = number
        if at_end and self._decoder is None and self._pending:
            assert self._detector is not None
            raise self._detector.give_up()

    def _detect_queued(self) -> None:
        """Give queued events to the detector until it decides; then put the events it held
        back in front of the queue, to be handled first."""
        detector = self._detector
        assert detector is not None
        queue = self._queue
        while queue:
            found = detector.add(queue.popleft())
            if found is not None:
                queue.extendleft(reversed(detector.pending))
                detector.pending = []
                self._use(found)
                return

    def _event(self, sse: ServerSentEvent, number: int, out: list[Any]) -> None:
        raise NotImplementedError

    def _decode(self, sse: ServerSentEvent, number: int) -> list[ModelEvent] | InputError:
        """Decode, or in lenient mode return the error (to be counted by the caller)."""
        assert self._decoder is not None
        try:
            return self._decoder.decode(sse)
        except InputError as exc:
            if self.mode != "lenient":
                raise
            return exc


class Converter(_Reader):
    """Sans-IO converter: ``feed(bytes) -> bytes``, ``close() -> bytes``.

    Args:
        to: the target dialect (a :class:`Dialect`, name or alias).
        source: the source dialect; ``None`` detects it from the first events that tell (the
            converter buffers until then, and raises :class:`DetectionError` if
            ``detect_limit`` bytes pass without one).
        mode: ``"strict"`` (anything that cannot be represented exactly, and an unfinished
            input, is an error), ``"default"`` (unrepresentable content is dropped and counted;
            malformed input is an error) or ``"lenient"`` (malformed events are passed through
            where the target can carry them, otherwise dropped, and counted).
        eol: line ending of the output: ``"\\n"`` or ``"\\r\\n"``. By default synthesized events
            use ``"\\n"`` and events passed through keep their own.
        pings: ``"keep"`` or ``"drop"`` (dropped pings are counted).
        clock: the time written into synthesized legacy pings (UTC ``datetime``).
        max_event_size: the largest event accepted, in bytes.
        dispatch_incomplete: convert a final event that lacks its blank line (recorded files
            often do) instead of discarding it.
        detect_limit: how many bytes to read at most while detecting the source dialect.

    Attributes:
        report: the :class:`Report` of what was done so far.
        source: the source dialect (``None`` until detected).
        target: the target dialect.

    Output is streamed: each output event is returned by the ``feed`` call that completes the
    input event that causes it. ``feed`` returns all of a read's output as one ``bytes``;
    :meth:`iter_feed` and :meth:`iter_close` yield it event by event instead (for one huge
    read converted to ``legacy``, whose every event repeats the text so far). When a call
    raises, the exception's ``output`` holds the bytes converted from the events before the
    bad one (and not yet returned or yielded).
    """

    def __init__(
        self,
        to: Dialect | str,
        *,
        source: Dialect | str | None = None,
        mode: Mode = "default",
        eol: str | None = None,
        pings: Literal["keep", "drop"] = "keep",
        clock: Callable[[], datetime.datetime] | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        dispatch_incomplete: bool = False,
        detect_limit: int = DETECT_LIMIT,
    ) -> None:
        self.target = Dialect.parse(to)
        self._raw = bytearray()  # input not yet written, kept for verbatim passthrough
        super().__init__(
            self.target, source, mode, max_event_size, dispatch_incomplete, detect_limit
        )
        self._eol = None if eol is None else eol.encode()
        self._encoder = ENCODERS[self.target](
            eol=eol or "\n", mode=self.mode, pings=pings, clock=clock, report=self.report
        )
        self._verbatim = self.source is None or self.source is self.target
        self._handlers = self._encoder.handlers
        self._raw_start = 0  # input offset of _raw[0]
        self._span_cr = False  # the last span ended with CR (its LF may start the next one)
        self._span_kept = True  # the last span was written

    def _use(self, source: Dialect) -> None:
        super()._use(source)
        self._verbatim = source is self.target
        if not self._verbatim:
            self._raw.clear()

    def feed(self, data: BytesLike) -> bytes:
        """Convert more input (any bytes-like object); return the output it completes, all
        in one ``bytes`` (possibly ``b""``). See :meth:`iter_feed` to take it event by event.

        Raises:
            SSEConvError: the input is bad; ``exc.output`` holds what was converted before.
            UsageError: ``data`` is a ``str`` or not bytes-like.
        """
        if type(data) is not bytes:
            data = as_bytes(data)
        if self._verbatim:
            self._raw += data
        out: list[bytes] = []
        self._feed(data, out)
        return b"".join(out) if out else b""

    def iter_feed(self, data: BytesLike) -> Iterator[bytes]:
        """Convert more input, yielding the output of each input event as its own ``bytes``.

        The input is parsed by this call; each event is converted when the iterator is
        advanced, so one huge read never holds more than one event's output (converting to
        ``legacy``, where every event repeats the whole text, that is what keeps memory
        bounded). An iterator left unfinished loses nothing: the next call to any method
        converts the rest first.

        Raises:
            SSEConvError: (while iterating) the input is bad; ``exc.output`` holds what was
                converted and not yet yielded.
            UsageError: (at the call) ``data`` is a ``str`` or not bytes-like.
        """
        self._accept(data)
        return self._pieces(1)

    def iter_close(self) -> Iterator[bytes]:
        """:meth:`close`, yielding the output event by event as :meth:`iter_feed` does
        (iterate it to the end: that is what closes the converter)."""
        yield from self._pieces(1)
        last = self.close()
        if last:
            yield last

    def _accept(self, data: BytesLike) -> None:
        """Parse a read into the queue of events to convert."""
        if type(data) is not bytes:
            data = as_bytes(data)
        events = self._parse(data)
        if self._verbatim:
            self._raw += data
        self._queue.extend(events)

    def _pieces(self, size: int) -> Iterator[bytes]:
        """Convert the queued events, yielding their output whenever ``size`` bytes or more
        have gathered (and what is left at the end); then raise the parser's error, if any."""
        queue = self._queue
        while queue or self._deferred is not None:
            out: list[bytes] = []
            try:
                if self._decoder is None:
                    self._detect_queued()
                if queue and self._decoder is not None:
                    self._handle_queued(out, size)
                elif not queue:
                    if self._deferred is None:
                        return  # every event is held by the detector
                    raise self._deferred
            except SSEConvError as exc:
                raise self._fail(exc, out) from None
            piece = b"".join(out)
            if piece:
                yield piece

    def _handle_queued(self, out: list[bytes], size: int) -> None:
        """Convert queued events into ``out`` until it holds ``size`` bytes or more."""
        queue = self._queue
        take = queue.popleft
        handle = self._event
        number = self._number
        done = total = 0
        try:
            while queue and total < size:
                number += 1
                handle(take(), number, out)
                while done < len(out):
                    total += len(out[done])
                    done += 1
        finally:
            self.report.events_in += number - self._number
            self._number = number

    def close(self) -> bytes:
        """Signal the end of input; return the last output and fill in ``report.finished``.

        Raises:
            IncompleteStreamError: strict mode, and the input stream did not finish.
            SSEConvError: the end of input reveals bad input (e.g. the dialect is unknown).
        """
        out: list[bytes] = []
        self._close(out)
        if self._raw and self.source is self.target:
            # What follows the last event: comments and blank lines (written), then the block
            # the input ended inside, if any (a cut event: never written, reported).
            end = self._raw_start + len(self._raw)
            cut = self._parser.block_offset
            if cut is not None:
                out.append(self._span_to(cut, keep=True))
            out.append(self._span_to(end, keep=cut is None))
        self._raw.clear()
        return b"".join(out)

    def _attach(self, exc: SSEConvError, out: list[Any]) -> None:
        lf_pending = self._span_cr and self._span_kept and self._raw[:1] == b"\n"
        if self._verbatim and self._eol is None and lf_pending:
            out.append(b"\n")  # the LF of the CRLF that ended the last event written
        exc.output = b"".join(out)

    def _span_to(self, end: int, *, keep: bool) -> bytes:
        """Take the input bytes up to ``end`` off the raw buffer; return what to write of them
        (nothing of a span that is not kept).

        An event dispatched by a CR that ended a read has its LF at the start of the next span:
        that LF goes with its CR, written with a kept span, dropped with a dropped one, replaced
        with it by ``eol``.
        """
        cut = end - self._raw_start
        span = bytes(self._raw[:cut])
        del self._raw[:cut]
        self._raw_start = end
        lead = b""
        if self._span_cr and span[:1] == b"\n":
            span = span[1:]
            if self._span_kept and self._eol is None:
                lead = b"\n"
        self._span_cr = span[-1:] == b"\r"
        self._span_kept = keep
        if not keep:
            return lead
        if self._eol is not None:
            span = _ANY_EOL.sub(self._eol, span)
        return lead + span

    def _event(self, sse: ServerSentEvent, number: int, out: list[bytes]) -> None:
        if self._verbatim:
            self._passthrough(sse, self._decode(sse, number), out)
            return
        try:
            decoded = self._decoder.decode(sse)  # type: ignore[union-attr]
        except InputError as exc:
            if self.mode != "lenient":
                raise
            self._lenient(sse, exc, out)
            return
        handlers = self._handlers
        for event in decoded:
            out.append(handlers[type(event)](event))

    def _passthrough(
        self, sse: ServerSentEvent, decoded: list[ModelEvent] | InputError, out: list[bytes]
    ) -> None:
        keep = True
        if isinstance(decoded, InputError):
            # What its own dialect's decoder rejects is invalid in the output too: dropped.
            keep = self._count_lenient(decoded, carry=False)
        elif decoded and type(decoded[0]) is Done:
            self.report.removed_done += 1
            keep = False
        elif decoded and type(decoded[0]) is Ping and self._encoder.pings == "drop":
            self._encoder.drop_ping()
            keep = False
        elif decoded and type(decoded[0]) is Unknown:
            if self.target is Dialect.LEGACY:
                self._encoder.encode(decoded[0])  # counts the drop, or raises in strict mode
                keep = False
            else:
                self.report.passed_through[event_label(sse.event)] += 1
        assert sse.end is not None  # (a parsed event)
        span = self._span_to(sse.end, keep=keep)
        if keep:
            self.report.events_out += 1
        if span:
            out.append(span)

    def _count_lenient(self, error: InputError, *, carry: bool) -> bool:
        """Count a bad event in lenient mode; return ``carry``: whether it is written."""
        if isinstance(error, EventAfterEndError):
            self.report.after_end += 1
            return False
        self.report.malformed += 1
        if not carry:
            self.report.malformed_dropped += 1
        return carry

    def _lenient(self, sse: ServerSentEvent, error: InputError, out: list[bytes]) -> None:
        # Written verbatim only where the output reads it as an unknown event of its own.
        if self._count_lenient(error, carry=self._encoder.can_carry(sse.event, sse.data)):
            self.report.events_out += 1
            out.append(encode_sse(sse, eol=self._encoder.eol))


class EventReader(_Reader):
    """Sans-IO reader of model events: ``feed(bytes) -> list[ModelEvent]``, ``close()``.

    Args:
        source: the dialect to read, or ``None`` to detect it.
        mode: ``"strict"`` also raises for an unfinished stream at ``close()``; ``"lenient"``
            skips malformed events (counted in ``report.malformed``) instead of raising.
        max_event_size, dispatch_incomplete, detect_limit: as for :class:`Converter`.
    """

    def __init__(
        self,
        *,
        source: Dialect | str | None = None,
        mode: Mode = "default",
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        dispatch_incomplete: bool = False,
        detect_limit: int = DETECT_LIMIT,
    ) -> None:
        target = Dialect.parse(source) if source is not None else Dialect.MESSAGES
        super().__init__(target, source, mode, max_event_size, dispatch_incomplete, detect_limit)

    def feed(self, data: BytesLike) -> list[ModelEvent]:
        """Read more input (any bytes-like object); return the model events it completes.

        Raises:
            SSEConvError: the input is bad; ``exc.events`` holds the events decoded before.
            UsageError: ``data`` is a ``str`` or not bytes-like.
        """
        out: list[ModelEvent] = []
        self._feed(data, out)
        return out

    def close(self) -> list[ModelEvent]:
        """Signal the end of input; return the last events and fill in ``report.finished``."""
        out: list[ModelEvent] = []
        self._close(out)
        return out

    def _attach(self, exc: SSEConvError, out: list[Any]) -> None:
        exc.events = list(out)

    def _event(self, sse: ServerSentEvent, number: int, out: list[ModelEvent]) -> None:
        decoded = self._decode(sse, number)
        if isinstance(decoded, InputError):
            self.report.malformed += 1
            self.report.malformed_dropped += 1
            return
        out.extend(decoded)


class Conversion(Iterator[bytes]):
    """The iterator returned by :func:`convert`; ``report`` tells what the conversion did.

    Each piece it yields is the output of whole input events: everything a read completes,
    in pieces of about 64 KiB, so a single huge read (a whole recording) is converted a few
    events at a time instead of all at once.
    """

    def __init__(self, source: Source, converter: Converter) -> None:
        self.converter = converter
        self.report = converter.report
        self._gen = self._run(source_chunks(source))

    def _run(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        converter = self.converter
        for chunk in chunks:
            converter._accept(chunk)
            yield from converter._pieces(_PIECE_SIZE)
        yield from _closing(converter)

    def __next__(self) -> bytes:
        return next(self._gen)


def _closing(converter: Converter) -> Iterator[bytes]:
    yield from converter._pieces(_PIECE_SIZE)
    output = converter.close()
    if output:
        yield output


class AsyncConversion(AsyncIterator[bytes]):
    """The async iterator returned by :func:`aconvert`; ``report`` tells what it did (pieces
    as for :class:`Conversion`)."""

    def __init__(self, source: AsyncSource, converter: Converter) -> None:
        self.converter = converter
        self.report = converter.report
        self._gen = self._run(achunks(source))

    async def _run(self, chunks: AsyncIterable[bytes]) -> AsyncGenerator[bytes, None]:
        converter = self.converter
        async for chunk in chunks:
            converter._accept(chunk)
            for piece in converter._pieces(_PIECE_SIZE):
                yield piece
        for piece in _closing(converter):
            yield piece

    async def __anext__(self) -> bytes:
        return await self._gen.__anext__()

    async def aclose(self) -> None:
        """Close the underlying generator (and stop reading the chunks)."""
        await self._gen.aclose()


def convert(
    chunks: Source,
    to: Dialect | str,
    *,
    source: Dialect | str | None = None,
    **options: Any,
) -> Conversion:
    """Convert a stream, yielding output as soon as it is complete.

    ``chunks`` is the input: bytes-like (a whole recording), an iterable of bytes-like chunks
    or a binary file object (a ``str`` is a :class:`UsageError`: encode it). Options are those
    of :class:`Converter`. The returned iterator's ``report`` attribute is the conversion's
    :class:`Report` (complete once the iterator is exhausted).
    """
    return Conversion(chunks, Converter(to, source=source, **options))


def aconvert(
    chunks: AsyncSource,
    to: Dialect | str,
    *,
    source: Dialect | str | None = None,
    **options: Any,
) -> AsyncConversion:
    """Async twin of :func:`convert`; ``chunks`` may also be an async iterable of chunks or
    an async file (``aiofiles``)."""
    return AsyncConversion(chunks, Converter(to, source=source, **options))


def parse_events(
    chunks: Source, *, source: Dialect | str | None = None, **options: Any
) -> Iterator[ModelEvent]:
    """Yield the model events of a stream (``chunks`` as for :func:`convert`; options of
    :class:`EventReader`)."""
    reader = EventReader(source=source, **options)
    return _events_of(reader, source_chunks(chunks))


def _events_of(reader: EventReader, chunks: Iterator[bytes]) -> Iterator[ModelEvent]:
    for chunk in chunks:
        yield from reader.feed(chunk)
    yield from reader.close()


async def aparse_events(
    chunks: AsyncSource, *, source: Dialect | str | None = None, **options: Any
) -> AsyncIterator[ModelEvent]:
    """Async twin of :func:`parse_events`."""
    reader = EventReader(source=source, **options)
    async for chunk in achunks(chunks):
        for event in reader.feed(chunk):
            yield event
    for event in reader.close():
        yield event


def encoder_for(to: Dialect | str, **options: Any) -> Encoder:
    """A fresh encoder from model events to bytes of dialect ``to``.

    Options: ``eol``, ``mode``, ``pings``, ``clock``, ``report`` (see :class:`Converter`).
    """
    return ENCODERS[Dialect.parse(to)](**options)


def encode_events(events: Iterable[ModelEvent], to: Dialect | str, **options: Any) -> bytes:
    """Encode a whole sequence of model events in dialect ``to``."""
    encoder = encoder_for(to, **options)
    return b"".join(encoder.encode(event) for event in events)
