"""``sseconv.encode_sse`` and the conversions to and from ``httpx_sse.ServerSentEvent``."""

from __future__ import annotations

from typing import NamedTuple

import httpx
import httpx_sse
import pytest

from sseconv import ServerSentEvent, SSEParser, UsageError, encode_sse


class EncodeCase(NamedTuple):
    name: str
    event: ServerSentEvent
    lf: bytes
    """Expected output with ``eol="\\n"``; the CRLF expectation replaces each LF by CRLF."""


ENCODE_CASES = [
    EncodeCase("data only", ServerSentEvent(None, "x"), b"data: x\n\n"),
    EncodeCase("named event", ServerSentEvent("ping", "x"), b"event: ping\ndata: x\n\n"),
    EncodeCase("empty data", ServerSentEvent(None, ""), b"data: \n\n"),
    EncodeCase("empty event name", ServerSentEvent("", "x"), b"event: \ndata: x\n\n"),
    EncodeCase(
        "multi-line data", ServerSentEvent(None, "a\nb\nc"), b"data: a\ndata: b\ndata: c\n\n"
    ),
    EncodeCase("trailing newline in data", ServerSentEvent(None, "a\n"), b"data: a\ndata: \n\n"),
    EncodeCase("leading newline in data", ServerSentEvent(None, "\na"), b"data: \ndata: a\n\n"),
    EncodeCase("data is one newline", ServerSentEvent(None, "\n"), b"data: \ndata: \n\n"),
    EncodeCase("leading space kept", ServerSentEvent(None, " a"), b"data:  a\n\n"),
    EncodeCase("id", ServerSentEvent(None, "x", "7"), b"id: 7\ndata: x\n\n"),
    EncodeCase(
        "empty id (a reset) is written", ServerSentEvent(None, "x", ""), b"id: \ndata: x\n\n"
    ),
    EncodeCase("retry", ServerSentEvent(None, "x", None, 1500), b"retry: 1500\ndata: x\n\n"),
    EncodeCase("retry 0", ServerSentEvent(None, "x", None, 0), b"retry: 0\ndata: x\n\n"),
    EncodeCase(
        "all fields, in order event, id, retry, data",
        ServerSentEvent("message_delta", '{"a":1}\n{"b":2}', "id-1", 250),
        b'event: message_delta\nid: id-1\nretry: 250\ndata: {"a":1}\ndata: {"b":2}\n\n',
    ),
    EncodeCase(
        "non-ASCII written as UTF-8",
        ServerSentEvent("é", "ok…😀", "ü"),
        "event: é\nid: ü\ndata: ok…😀\n\n".encode(),
    ),
    EncodeCase(
        "U+2028, U+0085, VT and FF are not line breaks",
        ServerSentEvent(None, "a\u2028b\x85c\x0bd\x0ce"),
        "data: a\u2028b\x85c\x0bd\x0ce\n\n".encode(),
    ),
    EncodeCase(
        "colon in data", ServerSentEvent(None, ": not a comment"), b"data: : not a comment\n\n"
    ),
]


@pytest.mark.parametrize("case", ENCODE_CASES, ids=[c.name for c in ENCODE_CASES])
def test_encode_lf(case: EncodeCase) -> None:
    assert encode_sse(case.event) == case.lf
    assert encode_sse(case.event, eol="\n") == case.lf


@pytest.mark.parametrize("case", ENCODE_CASES, ids=[c.name for c in ENCODE_CASES])
def test_encode_crlf(case: EncodeCase) -> None:
    assert encode_sse(case.event, eol="\r\n") == case.lf.replace(b"\n", b"\r\n")


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize("case", ENCODE_CASES, ids=[c.name for c in ENCODE_CASES])
def test_encoded_event_parses_back(case: EncodeCase, eol: str) -> None:
    parser = SSEParser()
    events = parser.feed(encode_sse(case.event, eol=eol)) + parser.close()
    expected = case.event
    if expected.id == "":  # an empty id resets the last event id: parsed back as None
        expected = ServerSentEvent(expected.event, expected.data, None, expected.retry)
    assert events == [expected]
    assert parser.incomplete is False


def test_encode_ignores_position() -> None:
    (parsed,) = SSEParser().feed(b": c\n\nevent: e\ndata: x\n\n")
    assert encode_sse(parsed) == b"event: e\ndata: x\n\n"


# --- httpx-sse ---------------------------------------------------------------------------


def httpx_fields(e: httpx_sse.ServerSentEvent) -> tuple[str, str, str, int | None]:
    return (e.event, e.data, e.id, e.retry)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (ServerSentEvent(None, "x"), ("message", "x", "", None)),
        (ServerSentEvent("message", "x"), ("message", "x", "", None)),
        (ServerSentEvent("ping", "", "7", 10), ("ping", "", "7", 10)),
        (ServerSentEvent("e", "a\nb", None, 0), ("e", "a\nb", "", 0)),
    ],
)
def test_to_httpx_sse(ours: ServerSentEvent, theirs: tuple[str, str, str, int | None]) -> None:
    converted = ours.to_httpx_sse()
    assert isinstance(converted, httpx_sse.ServerSentEvent)
    assert httpx_fields(converted) == theirs


@pytest.mark.parametrize(
    ("theirs", "ours"),
    [
        (httpx_sse.ServerSentEvent(event="message", data="x"), ServerSentEvent("message", "x")),
        (httpx_sse.ServerSentEvent(data="x"), ServerSentEvent("message", "x")),
        (
            httpx_sse.ServerSentEvent(event="ping", data="d", id="7", retry=10),
            ServerSentEvent("ping", "d", "7", 10),
        ),
        (
            # httpx-sse has no "no id" state; "" is the empty last event id, which is None here
            httpx_sse.ServerSentEvent(event="e", data="", id="", retry=0),
            ServerSentEvent("e", "", None, 0),
        ),
    ],
)
def test_from_httpx_sse(theirs: httpx_sse.ServerSentEvent, ours: ServerSentEvent) -> None:
    converted = ServerSentEvent.from_httpx_sse(theirs)
    assert isinstance(converted, ServerSentEvent)
    assert converted == ours
    assert (converted.event, converted.data, converted.id, converted.retry) == (
        ours.event,
        ours.data,
        ours.id,
        ours.retry,
    )


def test_httpx_sse_round_trip_keeps_named_events() -> None:
    for ours in (ServerSentEvent("ping", "d", "7", 10), ServerSentEvent("message", "x")):
        assert ServerSentEvent.from_httpx_sse(ours.to_httpx_sse()) == ours


def test_to_httpx_sse_matches_httpx_sse_own_parsing() -> None:
    """On a stream that httpx-sse parses correctly, our events convert to what it yields."""
    wire = (
        b"retry: 3000\nevent: message_start\nid: 1\ndata: {}\n\n"
        b"data: a\ndata: b\n\n"
        b": ping\nevent: ping\ndata: {}\n\n"
    )
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=wire)
    theirs = [httpx_fields(e) for e in httpx_sse.EventSource(response).iter_sse()]
    ours = [httpx_fields(e.to_httpx_sse()) for e in SSEParser().feed(wire)]
    assert ours == theirs
    assert len(ours) == 3


# --- what cannot round-trip is refused ---------------------------------------------------


@pytest.mark.parametrize(
    ("event", "found"),
    [
        (ServerSentEvent("a\nb", "x"), "event"),
        (ServerSentEvent("a\rb", "x"), "event"),
        (ServerSentEvent(None, "x", "1\n2"), "id"),
        (ServerSentEvent(None, "x", "1\r"), "id"),
        (ServerSentEvent(None, "x", "a\x00b"), "id"),
        (ServerSentEvent(None, "a\rb"), "data"),
        (ServerSentEvent(None, "a\r\nb"), "data"),
        (ServerSentEvent(None, "x", None, -1), "retry"),
        (ServerSentEvent(None, "x", None, True), "retry"),
        (ServerSentEvent(None, "x", None, 1.5), "retry"),  # type: ignore[arg-type]
        (ServerSentEvent(None, "x", None, "10"), "retry"),  # type: ignore[arg-type]
        (ServerSentEvent(None, b"x"), "data"),  # type: ignore[arg-type]
        (ServerSentEvent(1, "x"), "event"),  # type: ignore[arg-type]
        (ServerSentEvent(None, "\ud800"), "surrogate"),
    ],
)
@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_what_would_parse_back_as_something_else_is_refused(
    event: ServerSentEvent, found: str, eol: str
) -> None:
    with pytest.raises(UsageError, match=found):
        encode_sse(event, eol=eol)


@pytest.mark.parametrize("eol", ["", "\r", "\n\n", None])
def test_only_lf_or_crlf_line_ends(eol: str) -> None:
    with pytest.raises(UsageError, match="eol"):
        encode_sse(ServerSentEvent(None, "x"), eol=eol)
