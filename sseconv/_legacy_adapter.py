"""The dicts a 2023-01-01 client yielded, read from a stream in any dialect.

Code written against the old ``anthropic`` client's ``completion_stream()`` iterated over one
dict per completion event, each holding the *whole* completion so far::

    {"completion": " Hello!", "stop": None, "stop_reason": None, "truncated": False,
     "log_id": "…", "model": "claude-v1", "exception": None}

:func:`legacy_completions` (and :func:`alegacy_completions`) yield exactly those dicts from a
stream in any dialect, so such code keeps working after one import. The stream is read as model
events and each dict is made from them the way ``Converter(to="legacy")`` writes a legacy event
(:class:`_LegacyDicts` is the legacy encoder with dicts instead of bytes; no wire bytes are
built, and every dict shares the accumulated text); a legacy stream gives the JSON of its own
events. As in the old client, a non-null ``exception`` is an ordinary dict (it is not raised).

This module also turns every kind of stream sseconv accepts (the :data:`Stream` kinds listed
by :func:`sseconv.httpx.iter_events`) into byte chunks, for :mod:`sseconv.httpx` too. It
imports no HTTP library: responses and event sources are recognized by their methods
(:mod:`sseconv._client_responses`). Server-sent events are re-encoded and fed to the parser,
so event numbers are kept; byte offsets in errors count in the re-encoded stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from ._client_responses import note_response, response_of
from ._codecs._legacy import KEYS, LegacyEncoder
from ._convert import Reading
from ._detect import Detector
from ._dialect import Dialect
from ._errors import InputError, SSEConvError, UsageError
from ._events import ModelEvent
from ._iterate import AsyncItems, Items
from ._json import load_object
from ._options import Clock, Options, Pings, ReadOptions, options_from
from ._report import Report
from ._source import achunks as source_achunks
from ._source import as_bytes
from ._source import chunks as source_chunks
from ._sse import ServerSentEvent, encode_sse

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._policy import Policy

__all__ = [
    "AsyncLegacyCompletions",
    "LegacyCompletions",
    "LegacyOptions",
    "Stream",
    "alegacy_completions",
    "legacy_completions",
]


class _ServerSentEventLike(Protocol):
    """A server-sent event from another library (``httpx_sse``, ``httpx2``)."""

    @property
    def event(self) -> str | None: ...

    @property
    def data(self) -> str: ...

    @property
    def id(self) -> str | None: ...

    @property
    def retry(self) -> int | None: ...


class _ResponseLike(Protocol):
    """A response of ``httpx``, ``httpx2``, ``requests`` or ``aiohttp`` (or an
    ``httpx_sse.EventSource``, which has its response): see :mod:`sseconv._client_responses`."""

    @property
    def headers(self) -> Any: ...


class _EventSourceLike(Protocol):
    """An ``httpx_sse.EventSource``."""

    @property
    def response(self) -> Any: ...

    def iter_sse(self) -> Iterator[Any]: ...


_Item: TypeAlias = bytes | bytearray | memoryview | ServerSentEvent | _ServerSentEventLike

#: Everything :func:`legacy_completions` and :func:`sseconv.httpx.iter_events` read.
Stream: TypeAlias = (
    bytes | bytearray | _ResponseLike | _EventSourceLike | Iterable[_Item] | AsyncIterable[_Item]
)


# -- any stream -> byte chunks ---------------------------------------------------------------


def _encode_item(item: Any) -> bytes:
    if isinstance(item, ServerSentEvent):
        return encode_sse(item)
    if isinstance(item, (bytes, bytearray, memoryview, str)) or not hasattr(item, "data"):
        return as_bytes(item)  # a chunk (bytes-like); a str or anything else: UsageError
    try:
        event, data, event_id, retry = item.event, item.data, item.id, item.retry
    except AttributeError:
        raise UsageError(
            f"expected bytes or server-sent events, found {type(item).__name__}"
        ) from None
    if not event or event == "message":
        event = None  # what httpx-sse reports for an event without an event line
    return encode_sse(ServerSentEvent(event, data, event_id or None, retry))


def byte_chunks(stream: Stream) -> Iterator[bytes]:
    """The byte chunks of any synchronous :data:`Stream` (see the module docstring).

    Raises:
        NotEventStreamError: a response whose status is not 2xx or whose content-type is
            not ``text/event-stream`` (at once, after reading the first bytes of its body).
        UsageError: something that is not a stream, or an async-only one (at once); an item
            that is neither bytes nor an event (when it is reached).
    """
    response = response_of(stream)
    if response is not None:
        return response.chunks()
    return source_chunks(stream, _encode_item, "alegacy_completions, aiter_events")  # type: ignore[arg-type]


def abyte_chunks(stream: Stream) -> AsyncIterator[bytes]:
    """The byte chunks of any :data:`Stream`, synchronous or asynchronous; raises as
    :func:`byte_chunks`, except that a response is checked when the first chunk is asked for
    (its body is read asynchronously)."""
    response = response_of(stream)
    if response is not None:
        return response.achunks()
    return source_achunks(stream, _encode_item)  # type: ignore[arg-type]


# -- legacy dicts ------------------------------------------------------------------------------


class _LegacyDicts(LegacyEncoder):
    """The legacy encoder, making the dicts an old client parsed instead of wire bytes.

    Everything but the events that carry a completion is the legacy encoder's own work (which
    blocks and deltas have a place, stop-reason mapping, ids, pings, what may follow the final
    event, counting, strict mode); ``text`` and ``write`` make the dict that the bytes
    would have parsed to, keys in :data:`KEYS` order, unknown source fields after them. Each
    dict holds the accumulated text itself (one string shared by nothing else to copy).
    """

    def __init__(self, policy: Policy, **options: Any) -> None:
        super().__init__(policy, **options)
        self.made: list[dict[str, Any]] = []
        self._completion = ""

    def write(
        self,
        stop: str | None,
        stop_reason: str | None,
        exception: str | None,
        extra: dict[str, Any],
    ) -> bytes:
        values = (self._completion, stop, stop_reason, False, self.log_id, self.model, exception)
        made = dict(zip(KEYS, values, strict=True))
        if extra:
            made.update(self.outside(extra, self.keys, "completion"))
        self.made.append(made)
        self.policy.wrote()
        return b""

    def text(self, fields: dict[str, Any]) -> bytes:
        self._completion += fields["text"]
        return self.write(None, None, None, fields["extra"])

    def dicts(self, events: list[ModelEvent]) -> list[dict[str, Any]]:
        """The dicts that the model events of one input event make."""
        handlers = self.handlers
        for event in events:
            handlers[type(event)](event)
        made, self.made = self.made, []
        return made


class LegacyOptions(ReadOptions, total=False):
    """The options of :func:`legacy_completions` and :func:`alegacy_completions`: those of a
    reader, plus ``pings`` and ``clock`` (see :class:`~sseconv.Options`)."""

    pings: Pings
    clock: Clock | None


class _Dicts:
    """What :class:`LegacyCompletions` and its async twin share: bytes in, dicts out.

    The input is read as by :class:`~sseconv.Converter` to ``legacy`` (the same detection);
    each read's events are decoded (in lenient mode a bad one gives its error), and their
    dicts made one at a time, as they are consumed: the legacy encoder's, or for a legacy
    source the JSON of its own events."""

    def __init__(self, stream: Stream, options: Options) -> None:
        self.report = report = Report(target=Dialect.LEGACY)
        self._reading = Reading(options, report, Detector(options.detect_limit, Dialect.LEGACY))
        self._encoder = _LegacyDicts(self._reading.policy, clock=options.clock)
        self._view = response_of(stream)
        self.response = self._view.obj if self._view else None

    def _step(self, data: bytes | None) -> Iterator[dict[str, Any]]:
        """The dicts of more input (``None``: the end of input). Each event is decoded when
        the dicts before it have been taken (one huge read never holds all its model events);
        on bad input, the error comes after the dicts before it."""
        reading = self._reading
        try:
            if data is None:
                reading.last()
            else:
                reading.read(data)
            while reading.ready():
                sse = reading.queue.popleft()
                self.report.events_in = sse.number  # type: ignore[assignment]
                yield from self._dicts_of(sse, reading.decode(sse))
            if data is None:
                reading.end()
        except SSEConvError as exc:
            note_response(exc, self._view)
            raise reading.fail(exc) from None

    def _dicts_of(
        self, sse: ServerSentEvent, decoded: list[ModelEvent] | InputError
    ) -> list[dict[str, Any]]:
        policy = self._reading.policy
        if isinstance(decoded, InputError):  # (lenient mode) a legacy consumer cannot take it
            policy.rejected(decoded)
            return []
        if self._reading.source is not Dialect.LEGACY or sse.event is not None:
            return self._encoder.dicts(decoded)
        policy.wrote()  # a legacy source's own JSON, as a same-dialect conversion passes it
        if sse.data == "[DONE]":
            return []
        try:
            return [load_object(sse.data, "a legacy completion")]
        except SSEConvError as exc:  # the decoder took it: only a limit can refuse it
            exc.dialect, exc.event_number, exc.offset = "legacy", sse.number, sse.offset
            raise


class LegacyCompletions(_Dicts, Items[dict[str, Any]]):
    """The iterator :func:`legacy_completions` returns.

    Attributes:
        report: the conversion's :class:`~sseconv.Report` (complete once exhausted):
            ``report.finished`` tells whether the stream really finished, ``report.dropped``
            what had no place in a legacy stream (tool use, thinking, …).
        response: the response read, when the stream is one (or an event source's).
    """

    def __init__(self, stream: Stream, options: Options) -> None:
        _Dicts.__init__(self, stream, options)
        Items.__init__(self, byte_chunks(stream), self._step)


class AsyncLegacyCompletions(_Dicts, AsyncItems[dict[str, Any]]):
    """The async iterator :func:`alegacy_completions` returns; ``report`` and ``response`` as
    for :class:`LegacyCompletions`."""

    def __init__(self, stream: Stream, options: Options) -> None:
        _Dicts.__init__(self, stream, options)
        AsyncItems.__init__(self, abyte_chunks(stream), self._step)


def legacy_completions(stream: Stream, /, **options: Unpack[LegacyOptions]) -> LegacyCompletions:
    """Yield the dicts a 2023-01-01 client's ``completion_stream()`` yielded, from a stream in
    any dialect.

    Each dict has the keys ``completion`` (the whole text so far), ``stop``, ``stop_reason``,
    ``truncated``, ``log_id``, ``model`` and ``exception``, in that order (plus any unknown
    fields of the source). An error in the stream is one dict whose ``exception`` is
    ``"<type>: <message>"``, as the old API sent it. Each dict is yielded as soon as the input
    event that causes it is complete, and made only when it is asked for: memory stays bounded
    by the input held plus the text, whatever the stream's length.

    Args:
        stream: bytes, byte chunks, a response (httpx, httpx2, requests), an event source or
            server-sent events (see :func:`sseconv.httpx.iter_events`); synchronous only (use
            :func:`alegacy_completions` for async).
        options: :class:`~sseconv.types.LegacyOptions` (see :class:`sseconv.Options`; the
            dialect is detected unless ``source`` is given). Pings never reach the dicts (an
            old client skipped them); they only matter for the report.

    Returns:
        An iterator of dicts whose ``report`` tells what the conversion did.

    Raises:
        UsageError: an unknown option (``eol`` too: dicts have no line endings) or a wrong
            value, at once.
        SSEConvError: bad input, with its position in the input (the dicts converted before
            the bad event are yielded first). :class:`NotEventStreamError` for a response
            with an error status or another content-type (at once), or input without any SSE
            line (at its end): :class:`APIError` when it is the API's error answer, with
            ``status_code``, ``error_type`` and ``error_message`` (what anthropic 0.2.10
            raised as ``ApiException("post request failed with status code: 429", body)``).
    """
    return LegacyCompletions(stream, options_from(options, LegacyOptions))


def alegacy_completions(
    stream: Stream, /, **options: Unpack[LegacyOptions]
) -> AsyncLegacyCompletions:
    """Async twin of :func:`legacy_completions` (for ``acompletion_stream()`` code): takes
    async or sync streams (an ``httpx.AsyncClient`` or ``aiohttp`` response, async byte
    chunks, …). A response is checked when the first dict is asked for."""
    return AsyncLegacyCompletions(stream, options_from(options, LegacyOptions))
