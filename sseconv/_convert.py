"""The sans-IO converter and event reader, and thin sync/async iterators around them.

Bytes go through :class:`SSEParser`, the source dialect's decoder (detected from the first
events when not given) and, in :class:`Converter`, the target dialect's encoder. When source and
target are the same dialect, the input bytes of each event are written back unchanged.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
)
from typing import Any, Literal

from ._codecs import DECODERS, ENCODERS, Decoder, Encoder, Mode
from ._codecs._base import MODES, event_label
from ._detect import classify
from ._dialect import Dialect
from ._errors import (
    DetectionError,
    EventAfterEndError,
    EventTooLargeError,
    IncompleteStreamError,
    InputError,
    SSEConvError,
    UsageError,
)
from ._events import Done, ModelEvent, Ping, Unknown
from ._report import Report
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

DETECT_LIMIT = 64 * 1024
_ANY_EOL = re.compile(rb"\r\n|\r|\n")


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
        self._pending: list[ServerSentEvent] = []
        self._detect_limit = detect_limit
        self._fed = 0
        self._number = 0
        self._failed: SSEConvError | None = None
        self._closed = False
        if source is not None:
            self._use(Dialect.parse(source))

    def _use(self, source: Dialect) -> None:
        self.source = self.report.source = source
        self._decoder = DECODERS[source](self.report)

    # -- the pipeline -----------------------------------------------------------------------

    def _feed(self, data: bytes, out: list[Any]) -> None:
        if self._closed:
            raise UsageError("expected no input after close()")
        if self._failed is not None:
            raise UsageError(f"expected no input after the failure: {self._failed}")
        self._fed += len(data)
        try:
            events = self._parser.feed(data)
        except EventTooLargeError as exc:
            try:
                self._events(exc.events, out, at_end=False)
            except SSEConvError as inner:
                raise self._fail(inner, out) from None
            raise self._fail(exc, out) from None
        if events or self._decoder is None:
            try:
                self._events(events, out, at_end=False)
            except SSEConvError as exc:
                raise self._fail(exc, out) from None

    def _close(self, out: list[Any]) -> None:
        if self._closed:
            return
        try:
            self._events(self._parser.close(), out, at_end=True)
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
        if self._decoder is None:
            self._pending.extend(events)
            for event in self._pending:
                found = classify(event)
                if found is None and event.event == "error":
                    # An error ends a stream, and completions and Messages write errors (and
                    # pings) alike: read them as the target's own dialect where it can be.
                    found = self.report.target
                    if found is Dialect.LEGACY:
                        found = Dialect.COMPLETIONS
                if found is not None:
                    self._use(found)
                    break
            else:
                if at_end and self._pending:
                    raise DetectionError(
                        "expected an event that tells the dialect, found only "
                        + ", ".join(sorted({repr(e.event) for e in self._pending})),
                        event_number=len(self._pending),
                        offset=self._pending[-1].offset,
                    )
                if self._fed > self._detect_limit:
                    raise DetectionError(
                        f"expected an event that tells the dialect within the first "
                        f"{self._detect_limit} bytes, found none",
                        event_number=len(self._pending) or None,
                        offset=self._detect_limit,
                    )
                return
            events, self._pending = self._pending, []
        number = self._number
        handle = self._event
        try:
            for sse in events:
                number += 1
                handle(sse, number, out)
        finally:
            self.report.events_in += number - self._number
            self._number = number

    def _event(self, sse: ServerSentEvent, number: int, out: list[Any]) -> None:
        raise NotImplementedError

    def _decode(self, sse: ServerSentEvent, number: int) -> list[ModelEvent] | InputError:
        """Decode, or in lenient mode return the error (to be counted by the caller)."""
        assert self._decoder is not None
        try:
            return self._decoder.decode(sse, number)
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
    input event that causes it. When ``feed`` or ``close`` raises, the exception's ``output``
    holds the bytes converted from the events before the bad one.
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

    def feed(self, data: bytes) -> bytes:
        """Convert more input; return the output it completes (possibly ``b""``).

        Raises:
            SSEConvError: the input is bad; ``exc.output`` holds what was converted before.
        """
        if self._verbatim:
            self._raw += data
        out: list[bytes] = []
        self._feed(data, out)
        return b"".join(out) if out else b""

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
            decoded = self._decoder.decode(sse, number)  # type: ignore[union-attr]
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

    def feed(self, data: bytes) -> list[ModelEvent]:
        """Read more input; return the model events it completes.

        Raises:
            SSEConvError: the input is bad; ``exc.events`` holds the events decoded before.
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
    """The iterator returned by :func:`convert`; ``report`` tells what the conversion did."""

    def __init__(self, chunks: Iterable[bytes], converter: Converter) -> None:
        self.converter = converter
        self.report = converter.report
        self._gen = self._run(chunks)

    def _run(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        converter = self.converter
        for chunk in chunks:
            output = converter.feed(chunk)
            if output:
                yield output
        output = converter.close()
        if output:
            yield output

    def __next__(self) -> bytes:
        return next(self._gen)


class AsyncConversion(AsyncIterator[bytes]):
    """The async iterator returned by :func:`aconvert`; ``report`` tells what it did."""

    def __init__(self, chunks: AsyncIterable[bytes], converter: Converter) -> None:
        self.converter = converter
        self.report = converter.report
        self._gen = self._run(chunks)

    async def _run(self, chunks: AsyncIterable[bytes]) -> AsyncGenerator[bytes, None]:
        converter = self.converter
        async for chunk in chunks:
            output = converter.feed(chunk)
            if output:
                yield output
        output = converter.close()
        if output:
            yield output

    async def __anext__(self) -> bytes:
        return await self._gen.__anext__()

    async def aclose(self) -> None:
        """Close the underlying generator (and stop reading the chunks)."""
        await self._gen.aclose()


def convert(
    chunks: Iterable[bytes],
    to: Dialect | str,
    *,
    source: Dialect | str | None = None,
    **options: Any,
) -> Conversion:
    """Convert an iterable of byte chunks, yielding output as soon as it is complete.

    Options are those of :class:`Converter`. The returned iterator's ``report`` attribute is
    the conversion's :class:`Report` (complete once the iterator is exhausted).
    """
    return Conversion(chunks, Converter(to, source=source, **options))


def aconvert(
    chunks: AsyncIterable[bytes],
    to: Dialect | str,
    *,
    source: Dialect | str | None = None,
    **options: Any,
) -> AsyncConversion:
    """Async twin of :func:`convert`."""
    return AsyncConversion(chunks, Converter(to, source=source, **options))


def parse_events(
    chunks: Iterable[bytes], *, source: Dialect | str | None = None, **options: Any
) -> Iterator[ModelEvent]:
    """Yield the model events of a stream given as byte chunks (options of
    :class:`EventReader`)."""
    reader = EventReader(source=source, **options)
    for chunk in chunks:
        yield from reader.feed(chunk)
    yield from reader.close()


async def aparse_events(
    chunks: AsyncIterable[bytes], *, source: Dialect | str | None = None, **options: Any
) -> AsyncIterator[ModelEvent]:
    """Async twin of :func:`parse_events`."""
    reader = EventReader(source=source, **options)
    async for chunk in chunks:
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
