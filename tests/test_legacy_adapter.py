"""legacy_completions / alegacy_completions: the dicts a 2023-01-01 client yielded.

The expected dicts are computed the way the old client read a stream, line by line (skip
``event: ping`` and the line after it, skip ``data: [DONE]``, ``json.loads`` every other
``data: `` line), independently of sseconv's SSE parser.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Literal

import httpx
import httpx_sse
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streams import completions_event, completions_stream, messages_events, text_block
from test_convert_properties import cut_points, cuts_to_chunks, streams

import sseconv
import sseconv.types
from sseconv._codecs._legacy import LegacyEncoder
from sseconv._legacy_adapter import alegacy_completions, legacy_completions
from sseconv.errors import NotEventStreamError

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_FILES = sorted(FIXTURES.glob("*.sse"))
LEGACY = (FIXTURES / "legacy-2023-01-01-reconstructed.sse").read_bytes()
COMPLETIONS = (FIXTURES / "completions-2023-06-01-capture.sse").read_bytes()
COMPLETIONS_ERROR = (FIXTURES / "completions-2023-06-01-error-docs.sse").read_bytes()
MESSAGES_TOOL_USE = (FIXTURES / "messages-tool-use-capture.sse").read_bytes()
MESSAGES_THINKING = (FIXTURES / "messages-thinking-padding-synthetic.sse").read_bytes()
LEGACY_KEYS = ["completion", "stop", "stop_reason", "truncated", "log_id", "model", "exception"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def old_client_dicts(stream: bytes) -> list[dict[str, Any]]:
    """What anthropic 0.2.10's completion_stream() parsed from a legacy stream."""
    dicts: list[dict[str, Any]] = []
    skip = False
    for line in stream.decode("utf-8").replace("\r\n", "\n").split("\n"):
        if skip:
            skip = False
        elif line == "event: ping":
            skip = True
        elif line.startswith("data: ") and line != "data: [DONE]":
            dicts.append(json.loads(line[len("data: ") :]))
    return dicts


def converted(stream: bytes, to: sseconv.Dialect | str, **options: Any) -> bytes:
    converter = sseconv.Converter(to, **options)
    return converter.feed(stream) + converter.close()


def byte_by_byte(data: bytes) -> Iterator[bytes]:
    return (data[i : i + 1] for i in range(len(data)))


@pytest.mark.parametrize("dialect", list(sseconv.Dialect), ids=str)
@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_every_fixture_in_every_dialect(path: Path, dialect: sseconv.Dialect) -> None:
    stream = converted(path.read_bytes(), dialect)
    dicts = list(legacy_completions(stream))
    assert dicts == old_client_dicts(converted(stream, "legacy"))
    # The fixtures' content survives every dialect: the same dicts as converting directly,
    # except the one field Messages cannot leave null: a source without an id gets one there.
    direct = old_client_dicts(converted(path.read_bytes(), "legacy"))
    if dialect is sseconv.Dialect.MESSAGES and direct[0]["log_id"] is None:
        start = next(e for e in sseconv.parse_events([stream]) if type(e) is sseconv.StreamStart)
        assert start.id is not None and start.id.startswith("msg_")
        direct = [{**d, "log_id": start.id} for d in direct]
    assert dicts == direct
    assert dicts
    assert all(list(d)[:7] == LEGACY_KEYS for d in dicts)
    assert list(legacy_completions(byte_by_byte(stream), source=dialect)) == dicts


def test_legacy_fixture_gives_exactly_its_own_data_lines() -> None:
    expected = [
        json.loads(line[len(b"data: ") :])
        for line in LEGACY.split(b"\r\n")
        if line.startswith(b"data: {")
    ]
    events = legacy_completions(LEGACY)
    assert list(events) == expected
    assert [d["completion"] for d in expected] == [
        " Hello",
        " Hello!",
        " Hello! My name is Claude.",
        " Hello! My name is Claude.",
    ]
    assert events.report.source is sseconv.Dialect.LEGACY
    assert events.report.finished


def test_completions_to_legacy_dicts() -> None:
    dicts = list(legacy_completions(COMPLETIONS))
    texts = [" Hello", " Hello, ", " Hello, world!", " Hello, world!"]
    assert [d["completion"] for d in dicts] == texts
    last = dicts[-1]
    assert last == {
        "completion": " Hello, world!",
        "stop": "\n\nHuman:",
        "stop_reason": "stop_sequence",
        "truncated": False,
        "log_id": "compl_01Vtux5THXXB3eXhFSA5eTY6",
        "model": "claude-instant-1.2",
        "exception": None,
    }


def test_error_is_an_exception_dict_not_raised() -> None:
    events = legacy_completions(COMPLETIONS_ERROR)
    dicts = list(events)
    assert dicts[-1]["exception"] == "overloaded_error: Overloaded"
    assert dicts[-1]["completion"] == " Hello"
    assert dicts[-1]["stop_reason"] is None
    assert events.report.finished


def test_non_ascii_text_and_dropped_content_is_reported() -> None:
    events = legacy_completions(MESSAGES_THINKING)
    dicts = list(events)
    assert dicts[-1]["completion"].startswith("Café au lait ☕")
    assert events.report.dropped["thinking"] == 1
    tool_use = legacy_completions(MESSAGES_TOOL_USE)
    assert list(tool_use)[-1]["completion"] == "I'll check the current weather in Paris for you."
    assert tool_use.report.dropped["tool_use"] == 1


def test_dicts_arrive_as_soon_as_their_event_is_complete() -> None:
    events = sseconv.SSEParser().feed(COMPLETIONS)
    chunks = [sseconv.encode_sse(event) for event in events]
    fed: list[int] = []

    def source() -> Iterator[bytes]:
        for index, chunk in enumerate(chunks):
            fed.append(index)
            yield chunk

    reader = legacy_completions(source())
    first = next(reader)
    assert first["completion"] == " Hello"
    assert fed == [0]  # nothing read ahead
    assert next(reader)["completion"] == " Hello, "
    assert fed == [0, 1]


@pytest.mark.anyio
async def test_one_huge_read_is_decoded_event_by_event() -> None:
    stream = completions_stream([f" {i}" for i in range(100)])
    for dicts in (legacy_completions(stream), alegacy_completions(stream)):
        first = next(dicts) if isinstance(dicts, Iterator) else await anext(dicts)
        assert first["completion"] == " 0"
        assert dicts.report.events_in == 1  # the other 100 events of the read wait, undecoded
    rest = list(legacy_completions(stream))
    assert len(rest) == 101 and rest[-1]["completion"] == "".join(f" {i}" for i in range(100))


def test_cut_stream_is_reported_and_strict_raises() -> None:
    cut = COMPLETIONS[: COMPLETIONS.index(b"event: ping")]
    events = legacy_completions(cut)
    assert [d["completion"] for d in events] == [" Hello", " Hello, ", " Hello, world!"]
    assert not events.report.finished
    strict = legacy_completions(cut, mode="strict")
    got: list[dict[str, Any]] = []
    with pytest.raises(sseconv.IncompleteStreamError):
        got.extend(strict)
    assert len(got) == 3


def test_bad_input_raises_after_the_dicts_before_it() -> None:
    bad = (
        b'data: {"completion":" Hi","stop":null,"stop_reason":null}\n\n'
        b'data: {"completion":" Ho","stop":null,"stop_reason":null}\n\n'
    )
    got: list[dict[str, Any]] = []
    with pytest.raises(sseconv.RewrittenTextError) as info:
        got.extend(legacy_completions(bad))
    assert [d["completion"] for d in got] == [" Hi"]
    assert info.value.event_number == 2

    with pytest.raises(sseconv.MalformedEventError):
        list(legacy_completions(b"event: completion\ndata: {not json\n\n"))
    with pytest.raises(sseconv.DetectionError):
        list(legacy_completions(b"event: ping\ndata: {}\n\n"))


def test_usage_errors() -> None:
    with pytest.raises(sseconv.UsageError):
        legacy_completions(42)  # type: ignore[arg-type]
    with pytest.raises(sseconv.UsageError):
        legacy_completions("data: x\n\n")  # type: ignore[arg-type]
    with pytest.raises(sseconv.UsageError):
        list(legacy_completions(["data: x\n\n"]))  # type: ignore[list-item]
    with pytest.raises(sseconv.UsageError):
        legacy_completions(LEGACY, source="2022-01-01")


def test_options_are_typed_and_checked_at_once() -> None:
    # Each ignore would be reported as unused (mypy --strict) if the call type-checked: the
    # type checker rejects what the run time refuses.
    for adapter in (legacy_completions, alegacy_completions):
        with pytest.raises(sseconv.UsageError, match="unknown option 'mdoe'; did you mean 'mode'"):
            adapter(LEGACY, mdoe="strict")  # type: ignore[call-arg]
        with pytest.raises(sseconv.UsageError, match="max_event_size"):
            adapter(LEGACY, max_event_size="big")  # type: ignore[arg-type]
        with pytest.raises(sseconv.UsageError, match="'eol' does not apply here"):
            adapter(LEGACY, eol="\n")  # type: ignore[call-arg]
        with pytest.raises(sseconv.UsageError, match="pings"):
            adapter(LEGACY, pings="hide")  # type: ignore[arg-type]
        with pytest.raises(sseconv.UsageError, match="detect_limit"):
            adapter(LEGACY, detect_limit=-5)
        with pytest.raises(sseconv.UsageError, match="dispatch_incomplete"):
            adapter(LEGACY, dispatch_incomplete="yes")  # type: ignore[arg-type]
        with pytest.raises(sseconv.UsageError, match="clock"):
            adapter(LEGACY, clock="now")  # type: ignore[arg-type]


def test_every_option_is_used() -> None:
    stream = completions_stream([" Hi"], ping_after=1)
    then = datetime.datetime(2023, 1, 1, tzinfo=datetime.timezone.utc)
    dicts = legacy_completions(stream, source="completions", pings="drop", clock=lambda: then)
    assert [d["completion"] for d in dicts] == [" Hi", " Hi"]
    assert dicts.report.dropped == {"ping": 1}
    assert dicts.report.source is sseconv.Dialect.COMPLETIONS
    with pytest.raises(sseconv.InputError):
        list(legacy_completions(stream, source="messages"))
    pinged = b'event: ping\ndata: {"type": "ping"}\n\n' * 20 + stream
    assert len(list(legacy_completions(pinged))) == 2
    with pytest.raises(sseconv.DetectionError):
        list(legacy_completions(pinged, detect_limit=100))
    with pytest.raises(sseconv.EventTooLargeError):
        list(legacy_completions(stream, max_event_size=10))
    cut = stream.rstrip(b"\n")
    assert len(list(legacy_completions(cut, dispatch_incomplete=True))) > len(
        list(legacy_completions(cut))
    )


def test_from_httpx_sse_events_message_is_data_only() -> None:
    """httpx-sse names a data-only event "message": a legacy stream read through it works."""
    with (
        httpx.Client(transport=_mock(LEGACY)) as client,
        httpx_sse.connect_sse(client, "POST", "http://test/v1/complete") as source,
    ):
        foreign = list(source.iter_sse())
    assert {e.event for e in foreign} == {"message", "ping"}
    assert list(legacy_completions(foreign)) == old_client_dicts(LEGACY)
    ours = sseconv.SSEParser().feed(LEGACY)
    assert list(legacy_completions(ours)) == old_client_dicts(LEGACY)


def _mock(body: bytes, content_type: str = "text/event-stream") -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": content_type}, content=body)

    return httpx.MockTransport(handler)


def test_from_httpx_response_and_event_source() -> None:
    with (
        httpx.Client(transport=_mock(COMPLETIONS)) as client,
        client.stream("POST", "http://test/v1/complete") as response,
    ):
        assert list(legacy_completions(response)) == old_client_dicts(
            converted(COMPLETIONS, "legacy")
        )
    with (
        httpx.Client(transport=_mock(COMPLETIONS)) as client,
        httpx_sse.connect_sse(client, "POST", "http://test/v1/complete") as source,
    ):
        assert list(legacy_completions(source)) == old_client_dicts(
            converted(COMPLETIONS, "legacy")
        )


def test_json_response_is_not_an_event_stream() -> None:
    body = b'{"type":"error","error":{"type":"invalid_request_error","message":"no"}}'
    with (
        httpx.Client(transport=_mock(body, "application/json")) as client,
        client.stream("POST", "http://test/v1/complete") as response,
        pytest.raises(NotEventStreamError) as info,
    ):
        legacy_completions(response)
    assert isinstance(info.value, sseconv.InputError)
    assert info.value.content_type == "application/json"
    assert info.value.status_code == 200


@pytest.mark.anyio
async def test_async_from_async_response_and_generators() -> None:
    expected = old_client_dicts(converted(COMPLETIONS, "legacy"))
    async with (
        httpx.AsyncClient(transport=_mock(COMPLETIONS)) as client,
        client.stream("POST", "http://test/v1/complete") as response,
    ):
        assert [d async for d in alegacy_completions(response)] == expected

    async def chunks() -> AsyncIterator[bytes]:
        for chunk in byte_by_byte(COMPLETIONS):
            yield chunk

    events = alegacy_completions(chunks())
    assert [d async for d in events] == expected
    assert events.report.finished

    async def foreign() -> AsyncIterator[httpx_sse.ServerSentEvent]:
        for event in sseconv.SSEParser().feed(LEGACY):
            yield event.to_httpx_sse()

    assert [d async for d in alegacy_completions(foreign())] == old_client_dicts(LEGACY)
    assert [d async for d in alegacy_completions(LEGACY)] == old_client_dicts(LEGACY)


@pytest.mark.anyio
async def test_async_bad_input_raises_after_the_dicts_before_it() -> None:
    bad = LEGACY + b'data: {"completion":"late"}\n\n'
    got: list[dict[str, Any]] = []
    with pytest.raises(sseconv.EventAfterEndError):
        async for item in alegacy_completions([bad]):
            got.append(item)
    assert got == old_client_dicts(LEGACY)


# -- dicts from model events: no wire bytes, the caller's limits and positions -----------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["legacy", "completions", "messages"]), st.data())
def test_dicts_equal_the_parsed_legacy_conversion(source: str, data: st.DataObject) -> None:
    """Generated streams of every dialect (finished, cut, errored), fed in any pieces, in
    every mode: the dicts are what an old client parsed from ``Converter(to="legacy")``'s
    output, and the reports agree."""
    stream = data.draw(streams(source))
    chunks = cuts_to_chunks(stream, data.draw(cut_points(stream)))
    mode: sseconv.types.Mode = data.draw(st.sampled_from(["default", "lenient"]))
    pings: Literal["keep", "drop"] = data.draw(st.sampled_from(["keep", "drop"]))
    converter = sseconv.Converter("legacy", mode=mode, pings=pings, clock=_clock)
    output = b"".join(converter.feed(chunk) for chunk in chunks) + converter.close()
    events = legacy_completions(chunks, mode=mode, pings=pings, clock=_clock)
    parsed = sseconv.SSEParser().feed(output)  # (the streams may be framed with CR alone)
    expected = [json.loads(e.data) for e in parsed if e.event is None and e.data != "[DONE]"]
    assert list(events) == expected
    assert events.report == converter.report


def _clock() -> datetime.datetime:
    return datetime.datetime(2023, 5, 1, tzinfo=datetime.timezone.utc)


def test_no_legacy_wire_bytes_are_built(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> bytes:
        raise AssertionError("legacy wire bytes built")

    monkeypatch.setattr(LegacyEncoder, "_event", refuse)
    monkeypatch.setattr(sseconv.SSEParser, "feed", _only_once(sseconv.SSEParser.feed))
    dicts = list(legacy_completions(MESSAGES_THINKING))
    assert dicts[-1]["completion"].startswith("Café au lait ☕")
    assert dicts[-1]["stop_reason"] == "stop_sequence"


def _only_once(feed: Any) -> Any:
    """The parser reads the input; nothing re-parses an output (checked by counting bytes)."""
    seen: list[int] = []

    def counting(self: sseconv.SSEParser, data: bytes) -> Any:
        seen.append(len(data))
        assert sum(seen) <= len(MESSAGES_THINKING), "the parser read more than the input"
        return feed(self, data)

    return counting


def test_dicts_share_the_accumulated_text() -> None:
    stream = completions_stream(["a" * 1000] * 5)
    first, second, *_ = legacy_completions(stream)
    assert first["completion"] == "a" * 1000 and second["completion"] == "a" * 2000


def test_the_callers_max_event_size_and_input_positions() -> None:
    small = completions_event(" Hi")
    big = completions_event("x" * 500)
    stream = small + big + completions_event(" there")
    got: list[dict[str, Any]] = []
    with pytest.raises(sseconv.EventTooLargeError) as info:
        got.extend(legacy_completions(stream, max_event_size=300))
    assert [d["completion"] for d in got] == [" Hi"]
    assert (info.value.event_number, info.value.offset) == (2, len(small))
    # Without the limit, the big event is fine: the limit is the caller's, not a fixed one.
    assert len(list(legacy_completions(stream, max_event_size=1000))) == 3


def test_errors_blame_the_input_of_every_dialect() -> None:
    head = messages_events([text_block("Hel", "lo")])
    bad = b'event: content_block_delta\ndata: {"type": "content_block_delta", oops}\n\n'
    stream = b"".join(head[:5]) + bad  # start, block start, ping, "Hel", "lo", bad
    got: list[dict[str, Any]] = []
    with pytest.raises(sseconv.MalformedEventError) as info:
        got.extend(legacy_completions([stream[:50], stream[50:]]))
    assert [d["completion"] for d in got] == ["Hel", "Hello"]
    assert info.value.event_number == 6
    assert info.value.offset == len(b"".join(head[:5]))
    assert info.value.dialect == "messages"


def test_strict_mode_raises_after_the_dicts_before() -> None:
    got: list[dict[str, Any]] = []
    with pytest.raises(sseconv.UnrepresentableError) as info:
        got.extend(legacy_completions(MESSAGES_TOOL_USE, mode="strict"))
    assert got[-1]["completion"] == "I'll check the current weather in Paris for you."
    assert info.value.event_number is not None and info.value.offset is not None


def test_a_legacy_source_gives_its_own_json() -> None:
    """An event with text and an exception is one dict (as the old client read it), keys in
    the source's order and with the source's fields."""
    event = (
        b'data: {"stop_reason": null, "completion": " Hi", "exception": "overloaded_error: '
        b'Overloaded", "stop": null, "truncated": false, "log_id": "x", "model": "m"}\n\n'
    )
    (only,) = legacy_completions(event)
    assert list(only) == [
        "stop_reason",
        "completion",
        "exception",
        "stop",
        "truncated",
        "log_id",
        "model",
    ]
    assert only["exception"] == "overloaded_error: Overloaded"


# -- input that is not an event stream ----------------------------------------------------------

AUTH_ERROR = (
    b'{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}'
)


@pytest.mark.anyio
async def test_an_api_error_body_raises_api_error() -> None:
    for chunks in ([AUTH_ERROR], list(byte_by_byte(AUTH_ERROR))):
        with pytest.raises(sseconv.APIError) as info:
            list(legacy_completions(chunks))
        assert (info.value.error_type, info.value.error_message) == (
            "authentication_error",
            "invalid x-api-key",
        )
        assert str(info.value) == "the API answered authentication_error: invalid x-api-key"
        assert info.value.body == AUTH_ERROR
        assert info.value.status_code is None
    with pytest.raises(sseconv.APIError):
        [d async for d in alegacy_completions(AUTH_ERROR)]


def test_json_lines_are_not_an_event_stream() -> None:
    jsonl = b'{"completion": " Hi", "stop": null}\n{"completion": " Hi!", "stop": null}\n'
    with pytest.raises(sseconv.NotEventStreamError) as info:
        list(legacy_completions(jsonl))
    assert not isinstance(info.value, sseconv.APIError)
    assert str(info.value).startswith("not a server-sent event stream; it starts with")
