"""iter_events / aiter_events / connect / aconnect: model events from httpx responses, httpx-sse
event sources and event iterables."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import httpx_sse
import pytest

import sseconv
from sseconv.httpx import (
    NotEventStreamError,
    aconnect,
    aiter_events,
    connect,
    iter_events,
)

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_FILES = sorted(FIXTURES.glob("*.sse"))
LEGACY = (FIXTURES / "legacy-2023-01-01-reconstructed.sse").read_bytes()
COMPLETIONS = (FIXTURES / "completions-2023-06-01-capture.sse").read_bytes()
MESSAGES = (FIXTURES / "messages-text-capture.sse").read_bytes()
URL = "http://api.test/v1/messages"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body delivered in given pieces."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


def mock(
    body: bytes,
    *,
    content_type: str = "text/event-stream",
    status: int = 200,
    chunk_size: int | None = None,
) -> httpx.MockTransport:
    size = chunk_size or max(1, len(body))
    chunks = [body[i : i + size] for i in range(0, len(body), size)]

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": content_type}
        return httpx.Response(status, headers=headers, stream=Body(chunks))

    return httpx.MockTransport(handler)


def expected(stream: bytes) -> list[sseconv.ModelEvent]:
    return list(sseconv.parse_events([stream]))


def without_offsets(events: list[sseconv.ModelEvent]) -> list[dict[str, Any]]:
    return [event.model_dump(exclude={"offset"}) for event in events]


def text_of(events: list[sseconv.ModelEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, sseconv.TextDelta))


# -- responses ----------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk_size", [None, 1, 7])
@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_iter_events_on_response(path: Path, chunk_size: int | None) -> None:
    data = path.read_bytes()
    with (
        httpx.Client(transport=mock(data, chunk_size=chunk_size)) as client,
        client.stream("POST", URL) as response,
    ):
        events = iter_events(response)
        assert list(events) == expected(data)
        assert events.response is response
        assert events.report.finished == _finished(data)
        assert events.source is sseconv.detect(data)


@pytest.mark.anyio
@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
async def test_aiter_events_on_async_response(path: Path) -> None:
    data = path.read_bytes()
    async with (
        httpx.AsyncClient(transport=mock(data, chunk_size=5)) as client,
        client.stream("POST", URL) as response,
    ):
        events = aiter_events(response)
        assert [event async for event in events] == expected(data)
        assert events.source is sseconv.detect(data)


def test_iter_events_reads_bytes_not_httpx_sse() -> None:
    """CR-only framing, a BOM and a CRLF split across reads: sseconv's parser handles all."""
    data = b"\xef\xbb\xbf" + MESSAGES.replace(b"\n", b"\r")
    with (
        httpx.Client(transport=mock(data, chunk_size=3)) as client,
        client.stream("POST", URL) as response,
    ):
        events = list(iter_events(response))
    assert text_of(events) == "Hello there!"
    assert isinstance(events[-1], sseconv.StreamEnd)


def test_source_given_and_finished_report() -> None:
    with (
        httpx.Client(transport=mock(COMPLETIONS)) as client,
        client.stream("POST", URL) as response,
    ):
        events = iter_events(response, source="2023-06-01")
        assert events.source is sseconv.Dialect.COMPLETIONS
        assert text_of(list(events)) == " Hello, world!"
        assert events.report.finished


def test_iter_events_on_httpx2_response() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        headers = {"content-type": "text/event-stream; charset=utf-8"}
        return httpx2.Response(200, headers=headers, content=LEGACY)

    with (
        httpx2.Client(transport=httpx2.MockTransport(handler)) as client,
        client.stream("POST", URL) as response,
    ):
        assert list(iter_events(response)) == expected(LEGACY)


def test_events_arrive_before_the_response_ends() -> None:
    pieces = [sseconv.encode_sse(e) for e in sseconv.SSEParser().feed(MESSAGES)]
    sent: list[int] = []

    class Lazy(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for index, piece in enumerate(pieces):
                sent.append(index)
                yield piece

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Lazy())

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        client.stream("POST", URL) as response,
    ):
        events = iter_events(response)
        assert isinstance(next(events), sseconv.StreamStart)
        assert sent == [0]
        assert isinstance(next(events), sseconv.BlockStart)
        assert sent == [0, 1]


# -- httpx-sse event sources and event iterables ---------------------------------------------


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_iter_events_on_event_source(path: Path) -> None:
    data = path.read_bytes()
    with (
        httpx.Client(transport=mock(data, chunk_size=11)) as client,
        httpx_sse.connect_sse(client, "POST", URL) as event_source,
    ):
        events = iter_events(event_source)
        assert list(events) == expected(data)  # lossless: offsets too
        assert events.response is event_source.response


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_connect(path: Path) -> None:
    data = path.read_bytes()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=data)

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        connect(client, "POST", URL, json={"stream": True}) as events,
    ):
        assert list(events) == expected(data)
        assert events.report.source is sseconv.detect(data)
    assert seen[0].headers["accept"] == "text/event-stream"
    assert json.loads(seen[0].content) == {"stream": True}
    assert events.response is not None and events.response.is_closed


@pytest.mark.anyio
@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
async def test_aconnect(path: Path) -> None:
    data = path.read_bytes()
    async with (
        httpx.AsyncClient(transport=mock(data, chunk_size=13)) as client,
        aconnect(client, "POST", URL, source=sseconv.detect(data)) as events,
    ):
        assert [event async for event in events] == expected(data)


def test_connect_with_httpx2_client() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=MESSAGES)

    with (
        httpx2.Client(transport=httpx2.MockTransport(handler)) as client,
        connect(client, "POST", URL) as events,
    ):
        assert list(events) == expected(MESSAGES)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_iter_events_on_list_of_httpx_sse_events(path: Path) -> None:
    data = path.read_bytes()
    foreign = [event.to_httpx_sse() for event in sseconv.SSEParser().feed(data)]
    events = iter_events(foreign)
    # Everything but the byte offsets (which count in the re-encoded events) is kept.
    assert without_offsets(list(events)) == without_offsets(expected(data))
    assert events.report.finished == _finished(data)


def _finished(data: bytes) -> bool:
    reader = sseconv.EventReader()
    reader.feed(data)
    reader.close()
    return reader.report.finished


def test_legacy_through_httpx_sse_decoder() -> None:
    """httpx-sse reports a data-only event as "message": read as data-only, so legacy works."""
    with (
        httpx.Client(transport=mock(LEGACY, chunk_size=9)) as client,
        httpx_sse.connect_sse(client, "POST", URL) as event_source,
    ):
        foreign = event_source.iter_sse()
        events = iter_events(foreign)
        assert without_offsets(list(events)) == without_offsets(expected(LEGACY))
        assert events.source is sseconv.Dialect.LEGACY
        assert events.response is None


def test_iter_events_on_sseconv_events_and_byte_chunks() -> None:
    ours = sseconv.SSEParser().feed(COMPLETIONS)
    assert without_offsets(list(iter_events(ours))) == without_offsets(expected(COMPLETIONS))
    assert list(iter_events([COMPLETIONS[:10], COMPLETIONS[10:]])) == expected(COMPLETIONS)
    assert list(iter_events(COMPLETIONS)) == expected(COMPLETIONS)


@pytest.mark.anyio
async def test_aiter_events_on_event_iterables() -> None:
    foreign = [event.to_httpx_sse() for event in sseconv.SSEParser().feed(LEGACY)]

    async def agen() -> AsyncIterator[httpx_sse.ServerSentEvent]:
        for event in foreign:
            yield event

    want = without_offsets(expected(LEGACY))
    assert without_offsets([e async for e in aiter_events(agen())]) == want
    assert without_offsets([e async for e in aiter_events(foreign)]) == want

    async with (
        httpx.AsyncClient(transport=mock(LEGACY, chunk_size=4)) as client,
        httpx_sse.aconnect_sse(client, "POST", URL) as event_source,
    ):
        got = [e async for e in aiter_events(event_source.aiter_sse())]
    assert without_offsets(got) == want


# -- errors -------------------------------------------------------------------------------------

BAD_SECOND = (
    b'event: completion\ndata: {"completion":" Hi","stop_reason":null,"model":"m"}\n\n'
    b"event: completion\ndata: {oops\n\n"
)


def test_bad_json_raises_after_the_events_before_it() -> None:
    with (
        httpx.Client(transport=mock(BAD_SECOND)) as client,
        client.stream("POST", URL) as response,
    ):
        got: list[sseconv.ModelEvent] = []
        with pytest.raises(sseconv.MalformedEventError) as info:
            got.extend(iter_events(response))
    assert text_of(got) == " Hi"
    assert info.value.event_number == 2
    assert info.value.offset == BAD_SECOND.index(b"event: completion", 1)
    assert info.value.dialect == "completions"


def test_errors_from_event_lists() -> None:
    events = [
        httpx_sse.ServerSentEvent(data='{"completion":" Hi","stop":null,"stop_reason":null}'),
        httpx_sse.ServerSentEvent(data='{"completion":" Ho","stop":null,"stop_reason":null}'),
    ]
    with pytest.raises(sseconv.RewrittenTextError) as info:
        list(iter_events(events))
    assert info.value.event_number == 2
    with pytest.raises(sseconv.DetectionError):
        list(iter_events([httpx_sse.ServerSentEvent(event="ping", data="{}")]))
    with pytest.raises(sseconv.IncompleteStreamError):
        list(iter_events(events[:1], mode="strict"))


def test_not_an_event_stream() -> None:
    body = b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
    transport = mock(body, content_type="application/json", status=529)
    with httpx.Client(transport=transport) as client:
        with client.stream("POST", URL) as response, pytest.raises(NotEventStreamError) as info:
            iter_events(response)
        assert isinstance(info.value, sseconv.SSEConvError)
        assert info.value.status_code == 529
        with pytest.raises(NotEventStreamError), connect(client, "POST", URL):
            pass  # pragma: no cover


@pytest.mark.anyio
async def test_async_errors() -> None:
    async with (
        httpx.AsyncClient(transport=mock(BAD_SECOND, chunk_size=1)) as client,
        aconnect(client, "POST", URL) as events,
    ):
        got: list[sseconv.ModelEvent] = []
        with pytest.raises(sseconv.MalformedEventError):
            async for event in events:
                got.append(event)
    assert text_of(got) == " Hi"
    with pytest.raises(sseconv.UsageError):
        aiter_events(3)  # type: ignore[arg-type]


def test_usage_errors() -> None:
    with pytest.raises(sseconv.UsageError):
        iter_events(3)  # type: ignore[arg-type]
    with pytest.raises(sseconv.UsageError):
        iter_events(MESSAGES, source="nope")
    with pytest.raises(sseconv.UsageError):
        list(iter_events([object()]))  # type: ignore[list-item]


def test_imports_stay_optional() -> None:
    """httpx2 is never needed; the legacy adapter does not import httpx."""
    code = (
        "import sys\n"
        "sys.modules['httpx2'] = None  # make `import httpx2` fail\n"
        "import sseconv._legacy_adapter\n"
        "assert 'httpx' not in sys.modules, 'httpx imported'\n"
        "import sseconv.httpx\n"
        "events = list(sseconv.httpx.iter_events(b'event: ping\\ndata: 1\\n\\n'))\n"
        "assert [type(e).__name__ for e in events] == ['Ping']\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- keyword arguments ---------------------------------------------------------------------------


def _recording_client(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=MESSAGES)

    return httpx.MockTransport(handler)


def test_connect_checks_its_keyword_arguments_before_sending() -> None:
    seen: list[httpx.Request] = []
    with httpx.Client(transport=_recording_client(seen)) as client:
        with (
            pytest.raises(sseconv.UsageError, match=r"^unknown option 'mdoe'; did you mean 'mode'"),
            connect(client, "POST", URL, mdoe="strict"),  # type: ignore[call-arg]
        ):
            pass  # pragma: no cover
        with (
            pytest.raises(sseconv.UsageError, match=r"^unknown option 'jsn'; did you mean 'json'"),
            connect(client, "POST", URL, jsn={}),  # type: ignore[call-arg]
        ):
            pass  # pragma: no cover
        with (
            pytest.raises(sseconv.UsageError, match="expected mode"),
            connect(client, "POST", URL, mode="loose"),  # type: ignore[arg-type]
        ):
            pass  # pragma: no cover
        assert seen == []
        # Reading options and client.stream's arguments, together.
        with connect(client, "POST", URL, json={"stream": True}, mode="strict") as events:
            assert list(events) == expected(MESSAGES)
            assert events.reader.report.finished
    assert [json.loads(request.content) for request in seen] == [{"stream": True}]


@pytest.mark.anyio
async def test_aconnect_checks_its_keyword_arguments_before_sending() -> None:
    seen: list[httpx.Request] = []
    async with httpx.AsyncClient(transport=_recording_client(seen)) as client:
        with pytest.raises(sseconv.UsageError, match=r"did you mean 'max_event_size'\?$"):
            async with aconnect(client, "POST", URL, max_size=10):  # type: ignore[call-arg]
                pass  # pragma: no cover
        with pytest.raises(sseconv.UsageError, match="expected detect_limit a positive int"):
            async with aconnect(client, "POST", URL, detect_limit=-5):
                pass  # pragma: no cover
        assert seen == []
        async with aconnect(client, "POST", URL, headers={"x-a": "1"}, source="messages") as events:
            assert [event async for event in events] == expected(MESSAGES)
    assert seen[0].headers["x-a"] == "1"


@pytest.mark.anyio
async def test_iter_events_checks_its_options_at_once() -> None:
    with pytest.raises(sseconv.UsageError, match=r"^unknown option 'sorce'; did you mean 'source'"):
        iter_events(MESSAGES, sorce="messages")  # type: ignore[call-arg]
    with pytest.raises(sseconv.UsageError, match=r"^option 'pings' does not apply here"):
        aiter_events(MESSAGES, pings="drop")  # type: ignore[call-arg]
    with pytest.raises(sseconv.UsageError, match="expected max_event_size a positive int"):
        iter_events(MESSAGES, max_event_size=True)
    with pytest.raises(sseconv.UsageError, match="expected dispatch_incomplete True or False"):
        aiter_events(MESSAGES, dispatch_incomplete="yes")  # type: ignore[arg-type]
