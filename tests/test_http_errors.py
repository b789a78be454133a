"""HTTP answers that are not event streams, through every adapter, over real HTTP on loopback.

A stdlib server on 127.0.0.1 sends what each test asks for (status, content-type,
content-encoding, body; chunked); the clients are real: httpx (sync and async, through
``iter_events``, ``connect``, ``legacy_completions`` and the converting transport), requests and
aiohttp. Whatever the client, the error is sseconv's, carrying what the server said.
"""

from __future__ import annotations

import gzip
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
import requests

import sseconv
import sseconv.types
from sseconv.httpx import ConversionTransportError, ConvertingTransport, aconnect, connect

FIXTURES = Path(__file__).parent / "fixtures"
COMPLETIONS = (FIXTURES / "completions-2023-06-01-capture.sse").read_bytes()
OVERLOADED = b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
RATE_LIMITED = (
    b'{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens '
    b'has exceeded your per-minute rate limit"},"request_id":"req_011CTest"}'
)
TIMEOUT = httpx.Timeout(10.0)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass(frozen=True)
class Answer:
    status: int = 200
    content_type: str | None = "text/event-stream"
    body: bytes = COMPLETIONS
    encoding: str | None = None


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    answer = Answer()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        answer = self.answer
        self.send_response(answer.status)
        if answer.content_type is not None:
            self.send_header("content-type", answer.content_type)
        if answer.encoding is not None:
            self.send_header("content-encoding", answer.encoding)
        self.send_header("transfer-encoding", "chunked")
        self.send_header("connection", "close")
        self.end_headers()
        body = answer.body
        self.close_connection = True
        try:
            for start in range(0, len(body), 40):  # several HTTP chunks
                piece = body[start : start + 40]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client read what it needed (the head of a long error answer)


@pytest.fixture
def serve() -> Iterator[Any]:
    """``serve(answer)`` → the URL of a loopback server that gives that answer."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(answer: Answer) -> str:
        handler = type("Handler", (_Handler,), {"answer": answer})
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}/v1/complete"

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def texts(dicts: list[dict[str, Any]]) -> list[str]:
    return [d["completion"] for d in dicts]


EXPECTED = texts(list(sseconv.legacy_completions(COMPLETIONS)))


# -- error answers: status, body and the parsed API error ---------------------------------------


def test_httpx_error_answer_through_every_reader(serve: Any) -> None:
    url = serve(Answer(529, "application/json", OVERLOADED))
    with httpx.Client(timeout=TIMEOUT) as client:
        with client.stream("POST", url) as response:
            with pytest.raises(sseconv.APIError) as info:
                sseconv.legacy_completions(response)  # raised at once
            error = info.value
            assert (error.status_code, error.error_type, error.error_message) == (
                529,
                "overloaded_error",
                "Overloaded",
            )
            assert error.body == OVERLOADED
            assert error.content_type == "application/json"
            assert error.response is response  # reachable (closed by httpx once read)
            assert str(error) == "the API answered overloaded_error: Overloaded (HTTP status 529)"
        with client.stream("POST", url) as response, pytest.raises(sseconv.APIError):
            sseconv.httpx.iter_events(response)
        with pytest.raises(sseconv.APIError) as info, connect(client, "POST", url):
            pass  # pragma: no cover
        assert info.value.status_code == 529
        assert isinstance(info.value.response, httpx.Response)


def test_an_error_status_with_an_event_stream_type_and_request_id(serve: Any) -> None:
    url = serve(Answer(429, "text/event-stream", RATE_LIMITED))
    with (
        httpx.Client(timeout=TIMEOUT) as client,
        client.stream("POST", url) as response,
        pytest.raises(sseconv.APIError) as info,
    ):
        sseconv.legacy_completions(response)
    assert (info.value.status_code, info.value.error_type) == (429, "rate_limit_error")
    assert info.value.request_id == "req_011CTest"


def test_html_answer_is_not_an_event_stream(serve: Any) -> None:
    url = serve(Answer(502, "text/html", b"<html><body>Bad gateway</body></html>"))
    with (
        httpx.Client(timeout=TIMEOUT) as client,
        client.stream("POST", url) as response,
        pytest.raises(sseconv.NotEventStreamError) as info,
    ):
        sseconv.legacy_completions(response)
    assert not isinstance(info.value, sseconv.APIError)
    assert str(info.value) == (
        "expected a text/event-stream response, found an error status (HTTP status 502); "
        "it starts with '<html><body>Bad gateway</body></html>'"
    )


def test_json_body_sent_as_an_event_stream_raises_at_the_end(serve: Any) -> None:
    """A 200 ``text/event-stream`` answer whose body is JSON gives no events: an error."""
    url = serve(Answer(200, "text/event-stream", OVERLOADED))
    with httpx.Client(timeout=TIMEOUT) as client:
        with client.stream("POST", url) as response:
            events = sseconv.httpx.iter_events(response)
            with pytest.raises(sseconv.APIError) as info:
                list(events)
        assert (info.value.status_code, info.value.content_type) == (200, "text/event-stream")
        assert info.value.response is response
        with pytest.raises(sseconv.APIError), connect(client, "POST", url) as events:
            list(events)


def test_the_body_kept_is_bounded(serve: Any) -> None:
    big = b"<html>" + b"x" * 100_000
    url = serve(Answer(500, "text/html", big))
    with (
        httpx.Client(timeout=TIMEOUT) as client,
        client.stream("POST", url) as response,
        pytest.raises(sseconv.NotEventStreamError) as info,
    ):
        sseconv.legacy_completions(response)
    assert info.value.body == big[: sseconv.types.BODY_LIMIT]


@pytest.mark.anyio
async def test_async_httpx_error_answers(serve: Any) -> None:
    url = serve(Answer(529, "application/json", OVERLOADED))
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        async with client.stream("POST", url) as response:
            dicts = sseconv.alegacy_completions(response)
            with pytest.raises(sseconv.APIError) as info:
                await dicts.__anext__()  # checked when the first dict is asked for
            assert (info.value.status_code, info.value.body) == (529, OVERLOADED)
        async with client.stream("POST", url) as response:
            with pytest.raises(sseconv.APIError):
                [e async for e in sseconv.httpx.aiter_events(response)]
        with pytest.raises(sseconv.APIError):
            async with aconnect(client, "POST", url):
                pass  # pragma: no cover


# -- content decoding: one behaviour, sseconv's error ---------------------------------------------

CORRUPT_GZIP = b"this is not gzip data at all"
CUT_GZIP = gzip.compress(COMPLETIONS)[:-8]  # no CRC and size: the body was cut


@pytest.mark.parametrize(("body", "why"), [(CORRUPT_GZIP, "error"), (CUT_GZIP, "cut body")])
def test_bad_gzip_through_httpx_readers(serve: Any, body: bytes, why: str) -> None:
    url = serve(Answer(body=body, encoding="gzip"))
    with httpx.Client(timeout=TIMEOUT) as client:
        with client.stream("POST", url) as response:
            got: list[dict[str, Any]] = []
            with pytest.raises(sseconv.NotEventStreamError, match=why) as info:
                got.extend(sseconv.legacy_completions(response))
            assert info.value.status_code == 200
            assert texts(got) == EXPECTED[: len(got)]
        with (
            pytest.raises(sseconv.NotEventStreamError, match=why),
            connect(client, "POST", url) as events,
        ):
            list(events)


@pytest.mark.parametrize(("body", "why"), [(CORRUPT_GZIP, "error"), (CUT_GZIP, "cut body")])
def test_bad_gzip_through_the_transport(serve: Any, body: bytes, why: str) -> None:
    url = serve(Answer(body=body, encoding="gzip"))
    transport = ConvertingTransport(httpx.HTTPTransport())
    headers = {"anthropic-version": "2023-01-01"}
    with (
        httpx.Client(transport=transport, timeout=TIMEOUT) as client,
        pytest.raises(ConversionTransportError, match=why) as info,
    ):
        client.post(url, headers=headers)
    assert isinstance(info.value, httpx.TransportError)
    assert isinstance(info.value.__cause__, sseconv.NotEventStreamError)


@pytest.mark.anyio
async def test_bad_gzip_through_async_httpx(serve: Any) -> None:
    url = serve(Answer(body=CUT_GZIP, encoding="gzip"))
    async with (
        httpx.AsyncClient(timeout=TIMEOUT) as client,
        client.stream("POST", url) as response,
    ):
        with pytest.raises(sseconv.NotEventStreamError, match="cut body"):
            [d async for d in sseconv.alegacy_completions(response)]


def test_good_gzip_is_decoded_by_sseconv(serve: Any) -> None:
    url = serve(Answer(body=gzip.compress(COMPLETIONS), encoding="gzip"))
    with httpx.Client(timeout=TIMEOUT) as client, client.stream("POST", url) as response:
        assert texts(list(sseconv.legacy_completions(response))) == EXPECTED


# -- requests ---------------------------------------------------------------------------------


def test_requests_response_streams_and_its_errors(serve: Any) -> None:
    ok = serve(Answer())
    with requests.post(ok, stream=True, timeout=10) as response:
        events = sseconv.legacy_completions(response)
        assert texts(list(events)) == EXPECTED
        assert events.response is response
    overloaded = serve(Answer(529, "application/json", OVERLOADED))
    with requests.post(overloaded, stream=True, timeout=10) as response:
        with pytest.raises(sseconv.APIError) as info:
            sseconv.legacy_completions(response)
        assert (info.value.status_code, info.value.error_type) == (529, "overloaded_error")
        assert info.value.response is response
    # Only the body: no status to check, but the body says what it is.
    with requests.post(overloaded, stream=True, timeout=10) as response:
        with pytest.raises(sseconv.APIError) as info:
            list(sseconv.legacy_completions(response.iter_content(chunk_size=None)))
        assert info.value.status_code is None
        assert info.value.error_message == "Overloaded"


def test_requests_bad_gzip_is_our_error(serve: Any) -> None:
    url = serve(Answer(body=CORRUPT_GZIP, encoding="gzip"))
    with (
        requests.post(url, stream=True, timeout=10) as response,
        pytest.raises(sseconv.NotEventStreamError) as info,
    ):
        list(sseconv.legacy_completions(response))
    assert isinstance(info.value.__cause__, requests.exceptions.ContentDecodingError)
    assert info.value.status_code == 200


@pytest.mark.anyio
async def test_requests_response_read_by_the_async_readers(serve: Any) -> None:
    # (its body can only be read blocking: the async readers read it so, checked the same way)
    with requests.post(serve(Answer()), stream=True, timeout=10) as response:
        assert texts([d async for d in sseconv.alegacy_completions(response)]) == EXPECTED
    url = serve(Answer(529, "application/json", OVERLOADED))
    with requests.post(url, stream=True, timeout=10) as response:
        dicts = sseconv.alegacy_completions(response)
        with pytest.raises(sseconv.APIError) as info:
            await anext(dicts)
        assert (info.value.status_code, info.value.body) == (529, OVERLOADED)
        assert info.value.response is response
    corrupt = serve(Answer(body=CORRUPT_GZIP, encoding="gzip"))
    with (
        requests.post(corrupt, stream=True, timeout=10) as response,
        pytest.raises(sseconv.NotEventStreamError) as error,
    ):
        [d async for d in sseconv.alegacy_completions(response)]
    assert isinstance(error.value.__cause__, requests.exceptions.ContentDecodingError)


# -- aiohttp ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_aiohttp_response_streams_and_its_errors(serve: Any) -> None:
    ok, overloaded = serve(Answer()), serve(Answer(529, "application/json", OVERLOADED))
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.post(ok) as response:
            assert texts([d async for d in sseconv.alegacy_completions(response)]) == EXPECTED
        async with session.post(overloaded) as response:
            with pytest.raises(sseconv.APIError) as info:
                [d async for d in sseconv.alegacy_completions(response)]
            assert (info.value.status_code, info.value.body) == (529, OVERLOADED)
            assert info.value.response is response
        async with session.post(overloaded) as response:  # its .content: the body says it
            with pytest.raises(sseconv.APIError):
                [d async for d in sseconv.alegacy_completions(response.content)]
        async with session.post(ok) as response:
            with pytest.raises(sseconv.UsageError, match="synchronously"):
                sseconv.legacy_completions(response)


@pytest.mark.anyio
async def test_aiohttp_bad_gzip_is_our_error(serve: Any) -> None:
    url = serve(Answer(body=CORRUPT_GZIP, encoding="gzip"))
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        session.post(url) as response,
    ):
        with pytest.raises(sseconv.NotEventStreamError) as info:
            [d async for d in sseconv.alegacy_completions(response)]
    assert isinstance(info.value.__cause__, aiohttp.ClientPayloadError)


def test_a_coding_sseconv_cannot_undo_is_left_to_httpx() -> None:
    """(zstd when ``zstandard`` is installed. Here a coding httpx does not know either: it
    passes the bytes through as they are, and so does sseconv, as httpx alone would.)"""

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream", "content-encoding": "x-unknown"}
        return httpx.Response(200, headers=headers, content=COMPLETIONS)

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        client.stream("POST", "http://api.test/v1/complete") as response,
    ):
        assert texts(list(sseconv.legacy_completions(response))) == EXPECTED


@pytest.mark.parametrize("reader", ["legacy_completions", "iter_events"])
def test_a_decoding_error_raised_by_httpx_is_ours(reader: str) -> None:
    class Failing(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield COMPLETIONS[:100]
            raise httpx.DecodingError("Error -3 while decompressing data")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Failing())

    read = (
        sseconv.legacy_completions if reader == "legacy_completions" else sseconv.httpx.iter_events
    )
    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        client.stream("POST", "http://api.test/v1/complete") as response,
        pytest.raises(sseconv.NotEventStreamError, match="Error -3") as info,
    ):
        list(read(response))
    assert isinstance(info.value.__cause__, httpx.DecodingError)
    assert info.value.response is response


@pytest.mark.anyio
async def test_an_async_response_in_the_sync_reader_is_a_usage_error(serve: Any) -> None:
    url = serve(Answer())
    async with (
        httpx.AsyncClient(timeout=TIMEOUT) as client,
        client.stream("POST", url) as response,
    ):
        with pytest.raises(sseconv.UsageError, match="synchronously"):
            sseconv.legacy_completions(response)
        with pytest.raises(sseconv.UsageError, match="synchronously"):
            sseconv.httpx.iter_events(response)
        assert texts([d async for d in sseconv.alegacy_completions(response)]) == EXPECTED


def test_requests_error_answer_body_is_bounded(serve: Any) -> None:
    big = b"<html>" + b"z" * 100_000
    url = serve(Answer(503, "text/html", big))
    with (
        requests.post(url, stream=True, timeout=10) as response,
        pytest.raises(sseconv.NotEventStreamError) as info,
    ):
        sseconv.legacy_completions(response)
    assert info.value.body == big[: sseconv.types.BODY_LIMIT]
    assert info.value.status_code == 503


def test_iter_events_reads_a_requests_response(serve: Any) -> None:
    with requests.post(serve(Answer()), stream=True, timeout=10) as response:
        events = sseconv.httpx.iter_events(response)
        assert texts_of(list(events)) == EXPECTED[-1]
        assert events.report.finished and events.response is response


@pytest.mark.anyio
async def test_aiter_events_reads_an_aiohttp_response(serve: Any) -> None:
    overloaded = serve(Answer(529, "application/json", OVERLOADED))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.post(serve(Answer())) as response:
            events = sseconv.httpx.aiter_events(response)
            assert texts_of([e async for e in events]) == EXPECTED[-1]
        async with session.post(overloaded) as response:
            with pytest.raises(sseconv.APIError):
                [e async for e in sseconv.httpx.aiter_events(response)]


def texts_of(events: list[sseconv.ModelEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, sseconv.TextDelta))


def test_the_transport_names_a_json_body_sent_as_an_event_stream(serve: Any) -> None:
    url = serve(Answer(200, "text/event-stream", OVERLOADED))
    transport = ConvertingTransport(httpx.HTTPTransport())
    with (
        httpx.Client(transport=transport, timeout=TIMEOUT) as client,
        pytest.raises(ConversionTransportError, match="the API answered overloaded_error") as info,
    ):
        client.post(url, headers={"anthropic-version": "2023-01-01"})
    cause = info.value.__cause__
    assert isinstance(cause, sseconv.APIError)
    assert (cause.status_code, cause.content_type) == (200, "text/event-stream")
