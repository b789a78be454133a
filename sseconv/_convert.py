"""The sans-IO pipeline, and the sync/async iterators around it.

parser → :class:`Detector` → decoder → :class:`Policy` → encoder or :class:`VerbatimWriter`.
:class:`Reading` is the first half (bytes to SSE events of a known dialect, in order, with the
errors' positions); :class:`Converter`, :class:`EventReader` and :class:`~sseconv.Validator`
each compose one and decide what becomes of each event.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from ._body import Head
from ._codecs import DECODERS, ENCODERS, Decoder, Encoder
from ._detect import Detector
from ._dialect import Dialect
from ._errors import EventTooLargeError, InputError, SSEConvError, UsageError
from ._events import ModelEvent
from ._iterate import AsyncItems, Items, Step
from ._options import ConvertOptions, EncodeOptions, Options, ReadOptions, options_from
from ._policy import Policy
from ._report import Report
from ._source import AsyncSource, BytesLike, Source, achunks, as_bytes
from ._source import chunks as source_chunks
from ._sse import ServerSentEvent, SSEParser, encode_sse
from ._verbatim import VerbatimWriter

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "AsyncConversion",
    "Conversion",
    "Converter",
    "EventReader",
    "Reading",
    "aconvert",
    "aparse_events",
    "convert",
    "encode_events",
    "encoder_for",
    "parse_events",
]

# The iterators yield when this much output has gathered (or at the end of a chunk's events),
# so one huge chunk never makes more than this plus one event's output at a time.
_PIECE_SIZE = 64 * 1024
_ALL = 1 << 62
T = TypeVar("T")


class Reading:
    """Bytes → parser → detector → the source dialect's decoder: the first half of every
    pipeline. Parsed events wait in :attr:`queue`, in order; :meth:`ready` says when they can
    be decoded (the dialect is known), and raises the parser's error once the events before
    it are taken.

    Args:
        options: ``source`` (``None``: detect it with ``detector``), ``max_event_size``,
            ``dispatch_incomplete`` (unless given here) and ``mode``.
        report: where what is read is counted.
    """

    def __init__(
        self,
        options: Options,
        report: Report,
        detector: Detector,
        *,
        dispatch_incomplete: bool | None = None,
    ) -> None:
        self.policy = Policy(report, options.mode, options.pings)
        self.report = report
        self.source: Dialect | None = None
        self.decoder: Decoder | None = None
        self.detector = detector
        if dispatch_incomplete is None:
            dispatch_incomplete = options.dispatch_incomplete
        self.parser = SSEParser(
            max_event_size=options.max_event_size, dispatch_incomplete=dispatch_incomplete
        )
        self.queue: deque[ServerSentEvent] = deque()
        self.deferred: SSEConvError | None = None  # the parser's error, after its events
        self.failed: SSEConvError | None = None
        self.closed = False
        self.fed = 0
        self._head = Head()  # (an API error body, HTML, ...: not a stream)
        if options.source is not None:
            self._use(options.source)

    def _use(self, source: Dialect) -> None:
        self.source = self.report.source = source
        self.decoder = DECODERS[source](self.report)

    def read(self, data: BytesLike) -> bytes:
        """Parse one read into the queue; return it as ``bytes``."""
        if self.closed or self.failed is not None:
            self._refuse()
        if type(data) is not bytes:
            data = as_bytes(data)
        if self.deferred is not None:  # the parser failed: what follows is not read
            return data
        self.fed += len(data)
        if self._head.data is not None:  # (until an event is dispatched)
            self._head.add(data, self.parser.events_dispatched)
        try:
            self.queue.extend(self.parser.feed(data))
        except EventTooLargeError as exc:
            # (one long line of JSON, say: tell what it is rather than that it is large)
            self.deferred = self.not_event_stream() or exc
            self.queue.extend(exc.sse_events)
        return data

    def _refuse(self) -> None:
        if self.closed:
            raise UsageError("expected no input after close()")
        raise UsageError(f"expected no input after the failure: {self.failed}")

    def ready(self) -> bool:
        """Whether queued events can be decoded now; when none can and the parser failed,
        raise its error.

        Raises:
            DetectionError: no event told the dialect within the detection limit.
        """
        queue = self.queue
        if self.decoder is None and queue:
            found = self.detector.hold(queue)
            if found is not None:
                self._use(found)
        if queue:
            return True
        if self.deferred is not None:
            raise self.deferred
        return False

    def last(self) -> None:
        """Queue the events that the end of input completes."""
        self.closed = True
        self.queue.extend(self.parser.close())

    def undecided(self) -> SSEConvError | None:
        """At the end of input: the error for events that never told the dialect."""
        if self.decoder is None and self.detector.pending:
            return self.detector.give_up()
        return None

    def end(self) -> None:
        """After the last events: fill in the report; raise what the end reveals."""
        error = self.undecided() or self.not_event_stream()
        if error is not None:
            raise error
        parser, report = self.parser, self.report
        # A cut block counts even without data (a head line like `event: message_stop`).
        report.incomplete_block = parser.incomplete or parser.block_offset is not None
        report.finished = self.decoder is not None and self.decoder.finished
        if not report.finished:
            self.policy.unfinished(
                dialect=self.source.value if self.source else None,
                event_number=parser.events_dispatched + 1,
                offset=self.fed,
                cut=parser.incomplete,
            )

    def not_event_stream(self) -> InputError | None:
        """The error for an input in which no line is an SSE line (see :class:`Head`)."""
        return self._head.error(self.parser.events_dispatched)

    def fail(self, exc: SSEConvError) -> SSEConvError:
        """Note the failure (no input is taken after it) and its dialect."""
        if exc.dialect is None and self.source is not None:
            exc.dialect = self.source.value
        self.failed = exc
        return exc

    def each(self, handle: Callable[[ServerSentEvent], object]) -> None:
        """Hand every event that can be decoded to ``handle``, in order (counted in)."""
        queue, report = self.queue, self.report
        take = queue.popleft
        while self.ready():
            while queue:
                sse = take()
                report.events_in = sse.number  # type: ignore[assignment]
                handle(sse)

    def decode(self, sse: ServerSentEvent) -> list[ModelEvent] | InputError:
        """The model events of ``sse``; in lenient mode, its error (counted by the caller)."""
        try:
            return self.decoder.decode(sse)  # type: ignore[union-attr]
        except InputError as exc:
            return self.policy.tolerate(exc)


class Converter:
    """Sans-IO converter: ``feed(bytes) -> bytes``, ``close() -> bytes``.

    Args:
        to: the target dialect (a :class:`Dialect`, name or alias).
        options: any of :class:`Options` (``source``, ``mode``, ``eol``, ``pings``,
            ``clock``, ``max_event_size``, ``dispatch_incomplete``, ``detect_limit``). Without
            ``source`` the converter buffers until an event tells the dialect.

    Attributes:
        report: the :class:`Report` of what was done so far.
        source: the source dialect (``None`` until detected).
        target: the target dialect.
        options: the :class:`Options` in force.

    Output is streamed: each output event is returned by the ``feed`` call that completes the
    input event that causes it. ``feed`` returns all of a read's output as one ``bytes``;
    :meth:`iter_feed` and :meth:`iter_close` yield it event by event instead (for one huge
    read converted to ``legacy``, whose every event repeats the text so far). When a call
    raises, the exception's ``output`` holds the bytes converted from the events before the
    bad one (and not yet returned or yielded).
    """

    def __init__(self, to: Dialect | str, **options: Unpack[ConvertOptions]) -> None:
        self.target = target = Dialect.parse(to)
        self.options = settings = options_from(options)
        self.report = Report(target=target)
        self._in = Reading(settings, self.report, Detector(settings.detect_limit, target))
        self._policy = self._in.policy
        self._encoder = ENCODERS[target](
            self._policy, eol=settings.eol or "\n", clock=settings.clock
        )
        self._writer: VerbatimWriter | None = None
        if self._in.source in (None, target):
            unknown = self._encoder.unknown if target is Dialect.LEGACY else None
            self._writer = VerbatimWriter(self._policy, settings.eol, unknown)

    @property
    def source(self) -> Dialect | None:
        return self._in.source

    def feed(self, data: BytesLike) -> bytes:
        """Convert more input (any bytes-like object); return the output it completes, all
        in one ``bytes`` (possibly ``b""``). See :meth:`iter_feed` to take it event by event.

        Raises:
            SSEConvError: the input is bad; ``exc.output`` holds what was converted before.
            UsageError: ``data`` is a ``str`` or not bytes-like.
        """
        reading, writer = self._in, self._writer
        data = reading.read(data)
        if writer is not None:
            writer.add(data)
        if not reading.queue and reading.deferred is None:
            return b""  # (no event completed: the usual case for a large event)
        out: list[bytes] = []
        try:
            while reading.ready():
                self._convert(out, _ALL)
        except SSEConvError as exc:
            raise self._fail(exc, out) from None
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

    def close(self) -> bytes:
        """Signal the end of input; return the last output and fill in ``report.finished``.

        Raises:
            IncompleteStreamError: strict mode, and the input stream did not finish.
            SSEConvError: the end of input reveals bad input (e.g. the dialect is unknown).
        """
        reading, writer = self._in, self._writer
        out: list[bytes] = []
        if reading.closed:
            return b""
        try:
            reading.last()
            while reading.ready():
                self._convert(out, _ALL)
            reading.end()
        except SSEConvError as exc:
            raise self._fail(exc, out) from None
        if writer is not None and reading.source is self.target:
            out.append(writer.rest(reading.parser.block_offset))
        self._writer = None
        return b"".join(out)

    def _accept(self, data: BytesLike) -> None:
        data = self._in.read(data)
        if self._writer is not None:
            self._writer.add(data)

    def _pieces(self, size: int) -> Iterator[bytes]:
        """Convert the queued events, yielding their output whenever ``size`` bytes or more
        have gathered (and what is left at the end); then raise the parser's error, if any."""
        while True:
            out: list[bytes] = []
            try:
                if not self._in.ready():
                    return
                self._convert(out, size)
            except SSEConvError as exc:
                raise self._fail(exc, out) from None
            piece = b"".join(out)
            if piece:
                yield piece

    def _fail(self, exc: SSEConvError, out: list[bytes]) -> SSEConvError:
        if self._writer is not None and self._in.source is self.target:
            out.append(self._writer.pending())
        exc.output = b"".join(out)
        return self._in.fail(exc)

    def _convert(self, out: list[bytes], size: int) -> None:
        """Convert queued events into ``out`` until it holds ``size`` bytes or more."""
        reading = self._in
        if reading.source is self.target:
            self._writer.write(reading, out, size)  # type: ignore[union-attr]
            return
        self._writer = None  # (another dialect: nothing is written verbatim)
        queue, report, encoder = reading.queue, self.report, self._encoder
        decoder = reading.decoder
        take, text, events = queue.popleft, decoder.text, decoder.events  # type: ignore[union-attr]
        handlers = encoder.handlers
        done = total = 0
        limited = size < _ALL  # (else no need to measure the output)
        sse = None
        try:
            while queue and total < size:
                sse = take()
                try:  # (the decoder's decode, without making the model event of a text)
                    fields = text(sse)
                    decoded = events(sse) if fields is None else ()
                except InputError as exc:
                    self._rejected(sse, exc, out)
                else:
                    if fields is not None:
                        out.append(encoder.texts(fields))
                    for event in decoded:
                        out.append(handlers[type(event)](event))
                if limited:
                    total += sum(map(len, out[done:]))
                    done = len(out)
        finally:
            if sse is not None:
                report.events_in = sse.number  # type: ignore[assignment]

    def _rejected(self, sse: ServerSentEvent, error: InputError, out: list[bytes]) -> None:
        # Written verbatim only where the output reads it as an unknown event of its own.
        self._policy.tolerate(error)
        if self._policy.rejected(error, carry=self._encoder.can_carry(sse.event, sse.data)):
            self._policy.wrote()
            out.append(encode_sse(sse, eol=self._encoder.eol))


class EventReader:
    """Sans-IO reader of model events: ``feed(bytes) -> list[ModelEvent]``, ``close()``.

    Args:
        options: ``source`` (``None``: detect it), ``mode`` (``"strict"`` also raises for an
            unfinished stream at ``close()``; ``"lenient"`` skips malformed events, counted,
            instead of raising), ``max_event_size``, ``dispatch_incomplete``,
            ``detect_limit``: see :class:`Options`.

    Attributes:
        report: the :class:`Report` of what was read (``report.target`` is ``None``).
        source: the dialect read (``None`` until detected).
        options: the :class:`Options` in force.
    """

    def __init__(self, **options: Unpack[ReadOptions]) -> None:
        self.options = settings = options_from(options, ReadOptions)
        self.report = Report()
        self._in = Reading(settings, self.report, Detector(settings.detect_limit, errors=True))
        self._out: list[ModelEvent] = []

    @property
    def source(self) -> Dialect | None:
        return self._in.source

    def feed(self, data: BytesLike) -> list[ModelEvent]:
        """Read more input (any bytes-like object); return the model events it completes.

        Raises:
            SSEConvError: the input is bad; ``exc.events`` holds the events decoded before.
            UsageError: ``data`` is a ``str`` or not bytes-like.
        """
        self._in.read(data)
        return self._run(False)

    def close(self) -> list[ModelEvent]:
        """Signal the end of input; return the last events and fill in ``report.finished``."""
        if self._in.closed:
            return []
        self._in.last()
        return self._run(True)

    def _run(self, at_end: bool) -> list[ModelEvent]:
        out: list[ModelEvent] = []
        self._out = out
        try:
            self._in.each(self._event)
            if at_end:
                self._in.end()
        except SSEConvError as exc:
            exc.events = out
            raise self._in.fail(exc) from None
        return out

    def _event(self, sse: ServerSentEvent) -> None:
        decoded = self._in.decode(sse)
        if isinstance(decoded, InputError):
            self._in.policy.rejected(decoded)
        else:
            self._out += decoded


def _step(step: Callable[[bytes], Iterable[T]], finish: Callable[[], Iterable[T]]) -> Step[T]:
    """A pipeline's two calls as one step (``None``: the end of input) for :mod:`._iterate`."""
    return lambda chunk: finish() if chunk is None else step(chunk)


def _conversion(converter: Converter) -> Step[bytes]:
    """Output in pieces of about 64 KiB (see :class:`Conversion`)."""

    def step(chunk: bytes) -> Iterator[bytes]:
        converter._accept(chunk)
        return converter._pieces(_PIECE_SIZE)

    def finish() -> Iterator[bytes]:
        yield from converter._pieces(_PIECE_SIZE)
        output = converter.close()
        if output:
            yield output

    return _step(step, finish)


class Conversion(Iterator[bytes]):
    """The iterator returned by :func:`convert`; ``report`` tells what the conversion did.

    Each piece it yields is the output of whole input events: everything a read completes,
    in pieces of about 64 KiB, so a single huge read (a whole recording) is converted a few
    events at a time instead of all at once.
    """

    def __init__(self, source: Source, converter: Converter) -> None:
        self.converter = converter
        self.report = converter.report
        self._gen = Items(source_chunks(source), _conversion(converter))

    def __next__(self) -> bytes:
        return next(self._gen)


class AsyncConversion(AsyncIterator[bytes]):
    """The async iterator returned by :func:`aconvert`; ``report`` tells what it did (pieces
    as for :class:`Conversion`)."""

    def __init__(self, source: AsyncSource, converter: Converter) -> None:
        self.converter = converter
        self.report = converter.report
        self._gen = AsyncItems(achunks(source), _conversion(converter))

    async def __anext__(self) -> bytes:
        return await self._gen.__anext__()

    async def aclose(self) -> None:
        """Close the underlying generator (and stop reading the chunks)."""
        await self._gen.aclose()


def convert(chunks: Source, to: Dialect | str, **options: Unpack[ConvertOptions]) -> Conversion:
    """Convert a stream, yielding output as soon as it is complete.

    ``chunks`` is the input: bytes-like (a whole recording), an iterable of bytes-like chunks
    or a binary file object (a ``str`` is a :class:`UsageError`: encode it). Options are those
    of :class:`Converter`. The returned iterator's ``report`` attribute is the conversion's
    :class:`Report` (complete once the iterator is exhausted).
    """
    return Conversion(chunks, Converter(to, **options))


def aconvert(
    chunks: AsyncSource, to: Dialect | str, **options: Unpack[ConvertOptions]
) -> AsyncConversion:
    """Async twin of :func:`convert`; ``chunks`` may also be an async iterable of chunks or
    an async file (``aiofiles``)."""
    return AsyncConversion(chunks, Converter(to, **options))


def parse_events(chunks: Source, **options: Unpack[ReadOptions]) -> Iterator[ModelEvent]:
    """Yield the model events of a stream (``chunks`` as for :func:`convert`; options of
    :class:`EventReader`)."""
    reader = EventReader(**options)
    return Items(source_chunks(chunks), _step(reader.feed, reader.close))


def aparse_events(chunks: AsyncSource, **options: Unpack[ReadOptions]) -> AsyncIterator[ModelEvent]:
    """Async twin of :func:`parse_events`."""
    reader = EventReader(**options)
    return AsyncItems(achunks(chunks), _step(reader.feed, reader.close))


def encoder_for(
    to: Dialect | str, *, report: Report | None = None, **options: Unpack[EncodeOptions]
) -> Encoder:
    """A fresh encoder from model events to bytes of dialect ``to``.

    Options: ``eol``, ``mode``, ``pings``, ``clock`` (see :class:`Options`); ``report``: where
    drops are counted (a fresh :class:`Report` if not given).
    """
    settings = options_from(options, EncodeOptions)
    target = Dialect.parse(to)
    policy = Policy(report or Report(target=target), settings.mode, settings.pings)
    return ENCODERS[target](policy, eol=settings.eol or "\n", clock=settings.clock)


def encode_events(
    events: Iterable[ModelEvent], to: Dialect | str, **options: Unpack[EncodeOptions]
) -> bytes:
    """Encode a whole sequence of model events in dialect ``to``."""
    encoder = encoder_for(to, **options)
    return b"".join(encoder.encode(event) for event in events)
