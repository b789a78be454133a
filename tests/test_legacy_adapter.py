"""legacy_completions / alegacy_completions: the dicts a 2023-01-01 client yielded.

The expected dicts are computed the way the old client read a stream, line by line (skip
``event: ping`` and the line after it, skip ``data: [DONE]``, ``json.loads`` every other
``data: `` line), independently of sseconv's SSE parser.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx_sse
import pytest

import sseconv
from sseconv._legacy_adapter import (
    NotEventStreamError,
    alegacy_completions,
    legacy_completions,
)

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
