"""Streams inside recordings: vcrpy / VCR / Betamax cassettes and HAR 1.2 files.

A recording holds interactions (a request and its response). Those whose response is
``text/event-stream`` are the streams; :func:`streams` lists them and :func:`convert_document`
converts each one with a :class:`~sseconv.Converter`, translates its request to the new
dialect's endpoint, body and ``anthropic-version`` (:mod:`sseconv.translate`), recomputes the
sizes that depend on the body, and leaves every other interaction as it was.

Layouts read (told from the document, not the file name):

* vcrpy: ``{interactions: [{request, response}], version}``; response bodies as
  ``body: {string: str | bytes}`` (bytes are YAML ``!!binary``, e.g. a gzip-encoded body kept
  with its ``content-encoding``), or ``content: str`` with ``status_code`` (vcrpy < 6 under httpx,
  where the text is already decoded); request bodies as a string, bytes, ``{string: ...}`` or
  ``{parsed_body: <JSON value>}``.
* Ruby VCR and Betamax: ``{http_interactions: [...]}``, bodies as ``{encoding, string}`` or
  ``{encoding, base64_string}``.
* A vcrpy cassette dict stored as it is (LangChain's gzip serializer):
  ``{requests: [...], responses: [...]}``; and the list of ``{request, response}`` of vcrpy 0.x.
* HAR 1.2: ``log.entries[].request`` / ``.response``; ``response.content.text`` with
  ``encoding: base64`` where the body is not text; ``request.postData.text``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime
import email.utils
import functools
import json
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from . import _content
from ._body import is_event_stream_media
from ._convert import Converter
from ._dialect import Dialect
from ._errors import IncompleteStreamError, InputError, SSEConvError, UsageError, VersionError
from ._json import load_value, with_stack_room
from ._options import ConvertOptions, options_from
from ._recording_files import styled_like
from ._report import Report
from ._requests import complete_to_messages, messages_to_complete, model_table
from ._versions import dialect_for_version

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from 3.11; for type checkers only

__all__ = [
    "RecordingConversion",
    "RecordingError",
    "Stream",
    "StreamResult",
    "container_kind",
    "convert_document",
    "streams",
]

_ENDPOINTS = {
    Dialect.LEGACY: "/v1/complete",
    Dialect.COMPLETIONS: "/v1/complete",
    Dialect.MESSAGES: "/v1/messages",
}
# the earliest anthropic-version that serves each dialect (what that era's client sent)
_VERSIONS = {
    Dialect.LEGACY: "2023-01-01",
    Dialect.COMPLETIONS: "2023-06-01",
    Dialect.MESSAGES: "2023-06-01",
}
INCOMPLETE = "expected the stream to finish, found the end of the recorded body"


class RecordingError(InputError):
    """A recording whose streams (some of them) could not be converted, or that is not a
    cassette or HAR document.

    Attributes:
        index: the index (from 0) of the first interaction at fault, when one is.
        uri: its request URI.
        failures: every stream that did not convert (:class:`StreamResult` with ``error``).
    """

    def __init__(
        self,
        message: str,
        *,
        index: int | None = None,
        uri: str | None = None,
        failures: list[StreamResult] | None = None,
    ) -> None:
        super().__init__(message)
        self.index = index
        self.uri = uri
        self.failures = failures or []


@dataclass(frozen=True)
class Stream:
    """One ``text/event-stream`` response in a recording.

    ``index`` is the interaction's position in the file (from 0: ``interactions[index]``,
    ``log.entries[index]``); ``body`` the response body with its content encoding removed.
    """

    index: int
    method: str
    uri: str
    body: bytes
    content_encoding: str | None = None
    timing: tuple[float, float] | None = None  # HAR: seconds to the first byte, to receive


@dataclass(frozen=True)
class StreamResult:
    """What happened to one stream of a converted recording.

    ``error`` is set when it did not convert (it was left as it was); ``report`` is the
    converter's report; ``request_translated`` says whether the request was changed.
    """

    index: int
    method: str
    uri: str
    source: Dialect | None = None
    report: Report | None = None
    error: SSEConvError | None = None
    request_translated: bool = False

    @property
    def converted(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        """``interaction N (METHOD URI)``, how messages name this stream."""
        return f"interaction {self.index} ({self.method} {self.uri})"


@dataclass
class RecordingConversion:
    """The result of :func:`convert_document`: the new ``document`` (the input is not changed)
    and one :class:`StreamResult` per stream, in file order; ``interactions`` counts all."""

    document: Any
    streams: list[StreamResult] = field(default_factory=list)
    interactions: int = 0

    @property
    def skipped(self) -> list[StreamResult]:
        """The streams left as they were because they did not convert (lenient mode)."""
        return [s for s in self.streams if not s.converted]


# -- headers -----------------------------------------------------------------------------------


class _Headers:
    """Case-insensitive access to one message's headers, written back in their own shape: a
    cassette's ``{name: [values]}`` / ``{name: value}`` or a HAR list of ``{name, value}``."""

    def __init__(self, headers: Any, on_change: Callable[[int], None] | None = None) -> None:
        self._headers = headers
        self._on_change = on_change  # told how many bytes a value grew (HAR headersSize)

    def _found(self, name: str) -> list[Any]:
        """The HAR items, or the mapping keys, of header ``name``."""
        headers = self._headers
        if isinstance(headers, list):
            return [
                item
                for item in headers
                if isinstance(item, dict) and str(item.get("name", "")).lower() == name
            ]
        if isinstance(headers, dict):
            return [key for key in headers if str(key).lower() == name]
        return []

    def get(self, name: str) -> str | None:
        for found in self._found(name)[:1]:
            if isinstance(self._headers, list):
                return str(found.get("value", ""))
            value = self._headers[found]
            if isinstance(value, list):
                return str(value[0]) if value else None
            return None if value is None else str(value)
        return None

    def set(self, name: str, value: str) -> None:
        """Replace the value of header ``name`` where it has one."""
        old_value = self.get(name)
        if old_value is None:
            return
        if self._on_change is not None:
            self._on_change(len(value) - len(old_value))
        for found in self._found(name):
            if isinstance(self._headers, list):
                found["value"] = value
            elif isinstance(self._headers[found], list):
                self._headers[found] = [value]
            elif isinstance(self._headers[found], int) and value.isdigit():
                self._headers[found] = int(value)
            else:
                self._headers[found] = value


# -- bodies ------------------------------------------------------------------------------------


def _as_bytes(value: object, what: str) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    raise InputError(f"expected {what} as text or bytes, found {type(value).__name__}")


@dataclass
class _Body:
    """Where a body lives: ``get`` gives its bytes as stored, ``put`` stores new bytes in the
    same form."""

    get: Callable[[], bytes]
    put: Callable[[bytes], None]
    parsed: MutableMapping[str, Any] | None = None  # a body stored as a JSON value: its holder


def _text_body(holder: MutableMapping[str, Any], key: str, what: str) -> _Body:
    """A body stored as text or bytes in ``holder[key]``, written back in the same form: text
    (in its YAML style) where it was text and the new bytes are UTF-8, else bytes."""

    def put(data: bytes) -> None:
        old = holder.get(key)
        try:
            holder[key] = styled_like(data.decode("utf-8"), old) if isinstance(old, str) else data
        except UnicodeDecodeError:
            holder[key] = data

    return _Body(get=lambda: _as_bytes(holder.get(key), what), put=put)


def _slot_body(holder: MutableMapping[str, Any], key: str, what: str) -> _Body:
    """A body stored as ``holder[key]``: text, bytes, or a mapping with ``string``,
    ``base64_string`` or ``parsed_body``."""
    value = holder.get(key)
    if isinstance(value, dict):
        inner: MutableMapping[str, Any] = value
        if "parsed_body" in inner and "string" not in inner:
            return _Body(
                get=lambda: _dumps(inner["parsed_body"], (", ", ": "), True),
                put=lambda data: inner.__setitem__(
                    "parsed_body", load_value(data.decode("utf-8"), "the request body")
                ),
                parsed=inner,
            )
        if "base64_string" in inner and "string" not in inner:
            return _Body(
                get=lambda: _b64decode(inner["base64_string"], what),
                put=lambda data: inner.__setitem__(
                    "base64_string", base64.b64encode(data).decode("ascii")
                ),
            )
        return _text_body(inner, "string", what)
    return _text_body(holder, key, what)


def _b64decode(value: object, what: str) -> bytes:
    try:
        return base64.b64decode(_as_bytes(value, what), validate=False)
    except (binascii.Error, ValueError) as exc:
        raise InputError(f"expected {what} as base64, found bad data ({exc})") from None


# -- interactions ------------------------------------------------------------------------------


@dataclass
class _Exchange:
    """One interaction of a document, as views on its (mutable) parts."""

    index: int
    method: str
    uri: str
    set_uri: Callable[[str], None]
    request_headers: _Headers
    response_headers: _Headers
    request_body: _Body
    response_body: _Body
    content_type: str | None
    decoded: bool = False  # the stored response body has no content encoding to undo
    timing: tuple[float, float] | None = None
    sizes: Callable[[int, int], None] = lambda new, transfer: None


def container_kind(document: Any) -> str:
    """``"vcr"`` (vcrpy cassettes, any layout), ``"vcr-ruby"`` (Ruby VCR / Betamax) or
    ``"har"``; :class:`RecordingError` if the document is neither."""
    if isinstance(document, dict):
        log = document.get("log")
        if isinstance(log, dict) and isinstance(log.get("entries"), list):
            return "har"
        if isinstance(document.get("interactions"), list):
            return "vcr"
        if isinstance(document.get("http_interactions"), list):
            return "vcr-ruby"
        requests, responses = document.get("requests"), document.get("responses")
        if isinstance(requests, list) and isinstance(responses, list):
            if len(requests) != len(responses):
                raise RecordingError(
                    f"expected as many responses as requests, found {len(responses)} and "
                    f"{len(requests)}"
                )
            return "vcr"
        keys = ", ".join(sorted(map(str, document))[:6]) or "none"
        raise RecordingError(
            "expected a cassette (interactions, http_interactions or requests/responses) "
            f"or a HAR file (log.entries), found a mapping with keys: {keys}"
        )
    if isinstance(document, list) and all(
        isinstance(item, dict) and "request" in item and "response" in item for item in document
    ):
        return "vcr"
    raise RecordingError(
        f"expected a cassette or a HAR file, found {type(document).__name__} at the top level"
    )


def _lists(document: Any) -> list[list[Any]]:
    """The lists holding a document's interactions, index for index: the HAR entries, a
    cassette's interactions, or its requests and its responses (vcrpy's dict form)."""
    if isinstance(document, list):
        return [document]
    if container_kind(document) == "har":
        return [document["log"]["entries"]]
    if "requests" in document and "interactions" not in document:
        return [document["requests"], document["responses"]]
    items = document.get("interactions")
    return [document["http_interactions"] if items is None else items]


def _exchanges(document: Any) -> list[_Exchange]:
    lists = _lists(document)
    if container_kind(document) == "har":
        return [_har_exchange(i, entry) for i, entry in enumerate(lists[0])]
    if len(lists) == 2:
        pairs = list(zip(*lists, strict=True))
    else:
        pairs = [
            (item.get("request"), item.get("response")) if isinstance(item, dict) else (None, None)
            for item in lists[0]
        ]
    return [_cassette_exchange(i, request, response) for i, (request, response) in enumerate(pairs)]


def _need_mapping(value: Any, what: str, index: int) -> MutableMapping[str, Any]:
    if not isinstance(value, dict):
        raise RecordingError(
            f"interaction {index}: expected the {what} as a mapping, found {type(value).__name__}",
            index=index,
        )
    return value


def _cassette_exchange(index: int, request: Any, response: Any) -> _Exchange:
    request = _need_mapping(request, "request", index)
    response = _need_mapping(response, "response", index)
    response_headers = _Headers(response.get("headers"))
    old_form = "content" in response and "body" not in response  # vcrpy < 6 under httpx
    return _Exchange(
        index=index,
        method=str(request.get("method", "")).upper(),
        uri=str(request.get("uri", "")),
        set_uri=lambda uri: request.__setitem__("uri", uri),
        request_headers=_Headers(request.get("headers")),
        response_headers=response_headers,
        request_body=_slot_body(request, "body", "the request body"),
        response_body=(
            _text_body(response, "content", "the response body")
            if old_form
            else _slot_body(response, "body", "the response body")
        ),
        content_type=response_headers.get("content-type"),
        decoded=old_form,
    )


def _har_exchange(index: int, entry: Any) -> _Exchange:
    entry = _need_mapping(entry, "entry", index)
    request = _need_mapping(entry.get("request"), "request", index)
    response = _need_mapping(entry.get("response"), "response", index)
    content = response.get("content")
    content = content if isinstance(content, dict) else {}
    post = request.get("postData")
    post = post if isinstance(post, dict) else {}
    response_headers = _Headers(
        response.get("headers"), lambda delta: _adjust(response, "headersSize", delta)
    )

    def get_text() -> bytes:
        if "text" not in content:
            raise InputError("the entry holds no response body (content.text is missing)")
        decode = _b64decode if content.get("encoding") == "base64" else _as_bytes
        return decode(content["text"], "content.text")

    def put_text(data: bytes) -> None:
        if content.get("encoding") != "base64":
            try:
                content["text"] = data.decode("utf-8")
                return
            except UnicodeDecodeError:
                content["encoding"] = "base64"
        content["text"] = base64.b64encode(data).decode("ascii")

    def set_uri(uri: str) -> None:
        old = str(request.get("url", ""))
        request["url"] = uri
        _adjust(request, "headersSize", len(uri) - len(old))

    def put_post(data: bytes) -> None:
        post["text"] = data.decode("utf-8")
        _set_size(request, "bodySize", len(data))

    def sizes(new: int, transfer: int) -> None:
        if "size" in content:
            content["size"] = new
        old_body = response.get("bodySize")
        _set_size(response, "bodySize", transfer)
        if isinstance(content.get("compression"), int) and transfer >= 0:
            content["compression"] = new - transfer
        if isinstance(old_body, int) and old_body >= 0:
            _adjust(response, "_transferSize", transfer - old_body)

    mime = content.get("mimeType")
    return _Exchange(
        index=index,
        method=str(request.get("method", "")).upper(),
        uri=str(request.get("url", "")),
        set_uri=set_uri,
        request_headers=_Headers(
            request.get("headers"), lambda delta: _adjust(request, "headersSize", delta)
        ),
        response_headers=response_headers,
        request_body=_Body(get=lambda: _as_bytes(post.get("text"), "postData.text"), put=put_post),
        response_body=_Body(get=get_text, put=put_text),
        content_type=str(mime) if mime else response_headers.get("content-type"),
        decoded=True,  # HAR stores the decoded content
        sizes=sizes,
        timing=_har_timing(entry.get("timings")),
    )


def _har_timing(timings: Any) -> tuple[float, float] | None:
    """(wait, receive) in seconds from a HAR entry's ``timings`` (milliseconds; -1 is "not
    known"), or ``None``."""
    if not isinstance(timings, dict):
        return None
    wait, receive = (_seconds(timings.get(key)) for key in ("wait", "receive"))
    return None if receive is None else (wait or 0.0, receive)


def _seconds(milliseconds: object) -> float | None:
    if isinstance(milliseconds, (int, float)) and not isinstance(milliseconds, bool):
        return milliseconds / 1000 if milliseconds >= 0 else None
    return None


def _set_size(holder: MutableMapping[str, Any], key: str, value: int) -> None:
    old = holder.get(key)
    if isinstance(old, int) and old >= 0:
        holder[key] = value


def _adjust(holder: MutableMapping[str, Any], key: str, delta: int) -> None:
    old = holder.get(key)
    if isinstance(old, int) and old >= 0 and delta:
        holder[key] = old + delta


# -- reading -----------------------------------------------------------------------------------


def _stream_of(ex: _Exchange) -> Stream | None:
    if not is_event_stream_media(ex.content_type):
        return None
    encoding = None if ex.decoded else ex.response_headers.get("content-encoding")
    try:
        body = _content.decode(ex.response_body.get(), encoding)
    except InputError as exc:
        raise RecordingError(
            f"interaction {ex.index} ({ex.method} {ex.uri}): {exc.message}",
            index=ex.index,
            uri=ex.uri,
        ) from None
    return Stream(ex.index, ex.method, ex.uri, body, encoding, ex.timing)


def streams(document: Any) -> list[Stream]:
    """The ``text/event-stream`` responses of a parsed cassette or HAR document, in order."""
    found = (_stream_of(ex) for ex in _exchanges(document))
    return [stream for stream in found if stream is not None]


# -- converting --------------------------------------------------------------------------------


def convert_document(
    document: Any,
    to: Dialect | str,
    *,
    models: Mapping[str, str] | None = None,
    **options: Unpack[ConvertOptions],
) -> RecordingConversion:
    """Convert every stream of a parsed cassette or HAR document to dialect ``to``.

    Each ``text/event-stream`` body goes through a :class:`~sseconv.Converter` with
    ``options`` (those of :class:`~sseconv.Options`; without a ``clock``, legacy pings get the
    time the response was recorded, its ``Date`` header) and is stored back in its
    own form and content encoding; ``content-length`` and the HAR sizes are recomputed; the
    request is translated (endpoint, JSON body through :mod:`sseconv.translate` with ``models``,
    and an ``anthropic-version`` header that would not serve the new dialect). Every other
    interaction, and every other field, is left as it was. The input is not changed.

    Raises:
        UsageError: an unknown option, a wrong value or ``models`` that is not a mapping of
            names to names (before anything is read).
        RecordingError: a stream did not convert (``failures`` lists every one, each with its
            interaction index and URI), unless ``mode="lenient"``: then such streams are left
            as they were and listed in the result's ``skipped``. A cut stream is a failure too,
            except in lenient mode, where it is converted and stays visibly cut.
    """
    target = Dialect.parse(to)
    lenient = options_from(options).mode == "lenient"  # checked before anything is read
    models = model_table(models, None)
    container_kind(document)
    new = with_stack_room(copy.deepcopy, document)
    result = RecordingConversion(new)
    exchanges = _exchanges(new)
    result.interactions = len(exchanges)
    for ex in exchanges:
        if is_event_stream_media(ex.content_type):
            result.streams.append(_convert_exchange(ex, target, options, lenient, models))
    failures = result.skipped
    if failures and not lenient:
        first = failures[0]
        assert first.error is not None
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise RecordingError(
            f"{first.describe()}: {first.error}{more}",
            index=first.index,
            uri=first.uri,
            failures=failures,
        )
    for failed in failures:  # lenient: as they were (a failed conversion may have changed them)
        for new_list, old_list in zip(_lists(new), _lists(document), strict=True):
            new_list[failed.index] = with_stack_room(copy.deepcopy, old_list[failed.index])
    return result


def _convert_exchange(
    ex: _Exchange,
    target: Dialect,
    options: ConvertOptions,
    lenient: bool,
    models: Mapping[str, str] | None,
) -> StreamResult:
    converter: Converter | None = None
    try:
        stream = _stream_of(ex)
        assert stream is not None
        recorded: ConvertOptions = {"clock": options.get("clock") or _clock(ex)}
        converter = Converter(target, **(options | recorded))
        output = converter.feed(stream.body) + converter.close()
        report = converter.report
        if not report.finished and not lenient:
            raise IncompleteStreamError(
                INCOMPLETE + (" inside an event" if report.incomplete_block else ""),
                dialect=report.source.value if report.source else None,
                event_number=report.events_in + 1,
                offset=len(stream.body),
            )
        source = report.source
        assert source is not None
        translated = _translate_request(ex, source, target, models)
        encoded = _content.encode(output, stream.content_encoding)
        ex.response_body.put(encoded)
        ex.response_headers.set("content-length", str(len(encoded)))
        ex.sizes(len(output), len(encoded))
    except SSEConvError as exc:
        failed = converter.report if converter is not None else None
        source = failed.source if failed is not None else None
        return StreamResult(ex.index, ex.method, ex.uri, source, failed, error=exc)
    return StreamResult(ex.index, ex.method, ex.uri, source, report, request_translated=translated)


def _clock(ex: _Exchange) -> Callable[[], datetime.datetime] | None:
    """The time legacy pings get: when the response was recorded (its ``Date`` header), so that
    converting a recording gives the same bytes every time; ``None`` (now) without one."""
    date = ex.response_headers.get("date")
    if date is None:
        return None
    try:
        when = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return lambda: when


def _translate_request(
    ex: _Exchange, source: Dialect, target: Dialect, models: Mapping[str, str] | None
) -> bool:
    """Make the request of ``ex`` one that a client of ``target`` would send; whether anything
    changed."""
    changed = False
    old_path, new_path = _ENDPOINTS[source], _ENDPOINTS[target]
    if old_path != new_path:
        parts = urlsplit(ex.uri)
        path = parts.path.rstrip("/")
        if not path.endswith(old_path):
            raise InputError(
                f"expected the request of a {source.value} stream to go to {old_path}, "
                f"found {parts.path or '/'}"
            )
        ex.set_uri(urlunsplit(parts._replace(path=path[: -len(old_path)] + new_path)))
        _translate_body(ex, target, models)
        changed = True
    version = ex.request_headers.get("anthropic-version")
    try:
        serves = version is None or dialect_for_version(version, endpoint=new_path) is target
    except (VersionError, UsageError):
        serves = False
    if not serves:
        ex.request_headers.set("anthropic-version", _VERSIONS[target])
        changed = True
    return changed


def _translate_body(ex: _Exchange, target: Dialect, models: Mapping[str, str] | None) -> None:
    body = ex.request_body
    if body.parsed is not None:
        parsed, raw = body.parsed["parsed_body"], b""
    else:
        raw = body.get()
        encoding = ex.request_headers.get("content-encoding")
        if _content.codings(encoding):
            raise InputError(f"cannot translate a request body with content-encoding {encoding}")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("expected the request body as UTF-8 JSON, found other bytes") from None
        parsed = load_value(text, "the request body")
    if not isinstance(parsed, dict):
        raise InputError(
            f"expected the request body as a JSON object, found {type(parsed).__name__}"
        )
    translate = complete_to_messages if target is Dialect.MESSAGES else messages_to_complete
    new = translate(parsed, models=models)
    if body.parsed is not None:
        body.parsed["parsed_body"] = new
        return
    data = _dump_json_like(new, raw, parsed)
    body.put(data)
    ex.request_headers.set("content-length", str(len(data)))


def _dump_json_like(value: Any, original: bytes, parsed: Any) -> bytes:
    """``value`` as JSON in the style of the original body (compact or ``json.dumps``'
    default spacing, non-ASCII escaped or not), when re-writing the original in that style
    gives back its bytes; else in ``json.dumps``' default style, as most clients send it."""
    for separators in ((", ", ": "), (",", ":")):
        for ascii_only in (True, False):
            if _dumps(parsed, separators, ascii_only) == original:
                return _dumps(value, separators, ascii_only)
    return _dumps(value, (", ", ": "), True)


def _dumps(value: Any, separators: tuple[str, str], ascii_only: bool) -> bytes:
    """UTF-8 JSON of a value read from the input (nested at most 64 levels), from any stack
    depth."""
    write = functools.partial(json.dumps, separators=separators, ensure_ascii=ascii_only)
    return with_stack_room(write, value).encode("utf-8")
