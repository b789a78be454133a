"""ConvertingTransport / AsyncConvertingTransport: streams rewritten on the fly, for httpx and
httpx2 clients (and today's anthropic SDK), against mock transports and a real local server."""

from __future__ import annotations

import datetime
import gzip
import http.server
import json
import threading
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anthropic
import httpx
import httpx2
import pytest
from compat.modern import MAX_TOKENS, MESSAGES, MODEL, MockAPI

import sseconv
import sseconv.httpx2
from sseconv.httpx import (
    DECODABLE,
    REPORT_EXTENSION,
    AsyncConvertingTransport,
    ConversionTransportError,
    ConvertingTransport,
)

FIXTURES = Path(__file__).parent / "fixtures"
LEGACY = (FIXTURES / "legacy-2023-01-01-reconstructed.sse").read_bytes()
COMPLETIONS = (FIXTURES / "completions-2023-06-01-capture.sse").read_bytes()
MESSAGES_TEXT = (FIXTURES / "messages-text-capture.sse").read_bytes()
CLOCK = datetime.datetime(2023, 5, 1, 12, 0, 0, 123456, tzinfo=datetime.timezone.utc)
SDK_CASES = [
    pytest.param(LEGACY, " Hello! My name is Claude.", id="legacy"),
    pytest.param(COMPLETIONS, " Hello, world!", id="completions"),
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def clock() -> datetime.datetime:
    return CLOCK


def converted(data: bytes, to: str) -> bytes:
    converter = sseconv.Converter(to, clock=clock)
    return converter.feed(data) + converter.close()


# -- today's anthropic SDK (httpx2) served by 2023 recordings ---------------------------------


def sdk_client(api: MockAPI) -> anthropic.Anthropic:
    transport = sseconv.httpx2.ConvertingTransport(httpx2.MockTransport(api.handler))
    return anthropic.Anthropic(
        api_key="test-key",
        base_url="http://api.test",
        http_client=httpx2.Client(transport=transport),
        max_retries=0,
    )


def async_sdk_client(api: MockAPI) -> anthropic.AsyncAnthropic:
    transport = sseconv.httpx2.AsyncConvertingTransport(httpx2.MockTransport(api.handler))
    return anthropic.AsyncAnthropic(
        api_key="test-key",
        base_url="http://api.test",
        http_client=httpx2.AsyncClient(transport=transport),
        max_retries=0,
    )


@pytest.mark.parametrize("chunk_size", [None, 1])
@pytest.mark.parametrize(("recording", "text"), SDK_CASES)
def test_sdk_messages_stream_over_2023_recording(
    recording: bytes, text: str, chunk_size: int | None
) -> None:
    api = MockAPI(recording, chunk_size=chunk_size)
    with (
        sdk_client(api) as client,
        client.messages.stream(model=MODEL, max_tokens=MAX_TOKENS, messages=MESSAGES) as stream,
    ):
        texts = list(stream.text_stream)
        message = stream.get_final_message()
    assert "".join(texts) == text
    assert len(texts) > 1  # one delta per recorded event, not one blob
    assert message.stop_reason == "end_turn"
    assert [block.type for block in message.content] == ["text"]
    assert message.content[0].text == text  # type: ignore[union-attr]
    request = api.last_request
    assert request is not None and request["path"] == "/v1/messages"
    # On /v1/messages the client's own version goes upstream.
    assert (
        sseconv.dialect_for_version(
            request["headers"]["anthropic-version"], endpoint="/v1/messages"
        )
        is sseconv.Dialect.MESSAGES
    )


@pytest.mark.parametrize(("recording", "text"), SDK_CASES)
def test_sdk_messages_create_stream_over_2023_recording(recording: bytes, text: str) -> None:
    api = MockAPI(recording)
    with sdk_client(api) as client:
        events = client.messages.create(
            model=MODEL, max_tokens=MAX_TOKENS, messages=MESSAGES, stream=True
        )
        types = [event.type for event in events]
    assert types[0] == "message_start" and types[-1] == "message_stop"
    assert "message_delta" in types


@pytest.mark.anyio
@pytest.mark.parametrize(("recording", "text"), SDK_CASES)
async def test_async_sdk_messages_stream_over_2023_recording(recording: bytes, text: str) -> None:
    api = MockAPI(recording)
    async with async_sdk_client(api) as client:
        manager = client.messages.stream(model=MODEL, max_tokens=MAX_TOKENS, messages=MESSAGES)
        async with manager as stream:
            texts = [t async for t in stream.text_stream]
            message = await stream.get_final_message()
    assert "".join(texts) == text
    assert message.stop_reason == "end_turn"


def test_sdk_accepts_the_httpx2_transport_everywhere() -> None:
    """The anthropic SDK rejects objects with httpx classes in their MRO: none here."""
    transport = sseconv.httpx2.ConvertingTransport(httpx2.HTTPTransport())
    assert isinstance(transport, httpx2.BaseTransport)
    assert isinstance(transport, sseconv.httpx2.ConvertingTransport)
    assert not any(c.__module__.split(".")[0] == "httpx" for c in type(transport).__mro__)
    with anthropic.DefaultHttpxClient(transport=transport):
        pass
    async_transport = sseconv.httpx2.AsyncConvertingTransport(httpx2.AsyncHTTPTransport())
    assert isinstance(async_transport, httpx2.AsyncBaseTransport)
    assert not any(c.__module__.split(".")[0] == "httpx" for c in type(async_transport).__mro__)


# -- httpx: which responses are converted, and how the request is rewritten ---------------------


@dataclass
class Upstream:
    """A mock upstream answering every request with ``body``; records the requests."""

    body: bytes
    content_type: str = "text/event-stream"
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    chunk_size: int = 17
    requests: list[httpx.Request] = field(default_factory=list)
    closed: int = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        upstream = self
        chunks = [
            self.body[i : i + self.chunk_size] for i in range(0, len(self.body), self.chunk_size)
        ]

        class Body(httpx.SyncByteStream, httpx.AsyncByteStream):
            def __iter__(self) -> Iterator[bytes]:
                yield from chunks

            async def __aiter__(self) -> AsyncIterator[bytes]:
                for chunk in chunks:
                    yield chunk

            def close(self) -> None:
                upstream.closed += 1

            async def aclose(self) -> None:
                upstream.closed += 1

        headers = {"content-type": self.content_type, **self.headers}
        return httpx.Response(self.status, headers=headers, stream=Body())

    def transport(self, **options: Any) -> ConvertingTransport:
        options.setdefault("clock", clock)
        return ConvertingTransport(httpx.MockTransport(self.handler), **options)

    def async_transport(self, **options: Any) -> AsyncConvertingTransport:
        options.setdefault("clock", clock)
        return AsyncConvertingTransport(httpx.MockTransport(self.handler), **options)


def post(
    transport: httpx.BaseTransport,
    path: str,
    version: str | None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    all_headers = {**(headers or {})}
    if version is not None:
        all_headers["anthropic-version"] = version
    with httpx.Client(transport=transport, base_url="http://api.test") as client:
        response = client.post(path, headers=all_headers, json={"stream": True})
    return response


CONVERSIONS = [
    # (client version, path, upstream recording, dialect the client gets)
    ("2023-01-01", "/v1/complete", COMPLETIONS, "legacy"),
    ("2023-01-01", "/v1/complete", LEGACY, "legacy"),
    ("2023-01-01", "/v1/complete", MESSAGES_TEXT, "legacy"),
    ("2023-06-01", "/v1/complete", LEGACY, "completions"),
    ("2024-02-29", "/v1/complete", MESSAGES_TEXT, "completions"),
    ("2023-06-01", "/v1/messages", LEGACY, "messages"),
    ("2023-06-01", "/v1/messages?beta=true", COMPLETIONS, "messages"),
    ("2023-06-01", "/v1/messages", MESSAGES_TEXT, "messages"),
]


@pytest.mark.parametrize(("version", "path", "recording", "to"), CONVERSIONS)
def test_conversion_by_anthropic_version(
    version: str, path: str, recording: bytes, to: str
) -> None:
    upstream = Upstream(recording)
    response = post(upstream.transport(), path, version)
    assert response.content == converted(recording, to)
    assert response.headers["content-type"] == "text/event-stream"
    assert "content-length" not in response.headers
    report = response.extensions[REPORT_EXTENSION]
    assert isinstance(report, sseconv.Report)
    assert report.target is sseconv.Dialect.parse(to) and report.finished
    sent = upstream.requests[0]
    want = "2023-06-01" if path.startswith("/v1/complete") else version
    assert sent.headers["anthropic-version"] == want
    assert json.loads(sent.content) == {"stream": True}
    assert response.request.headers["anthropic-version"] == version  # the client's request


def test_same_dialect_passes_bytes_unchanged() -> None:
    response = post(Upstream(MESSAGES_TEXT).transport(), "/v1/messages", "2023-06-01")
    assert response.content == MESSAGES_TEXT


def test_upstream_version_is_configurable() -> None:
    upstream = Upstream(LEGACY)
    response = post(upstream.transport(upstream_version=None), "/v1/complete", "2023-01-01")
    assert upstream.requests[0].headers["anthropic-version"] == "2023-01-01"
    assert response.content == LEGACY
    upstream = Upstream(LEGACY)
    post(upstream.transport(upstream_version="2023-01-01"), "/v1/complete", "2023-06-01")
    assert upstream.requests[0].headers["anthropic-version"] == "2023-01-01"
    with pytest.raises(sseconv.VersionError):
        Upstream(LEGACY).transport(upstream_version="2023-02-30")


def test_explicit_target_and_source() -> None:
    upstream = Upstream(COMPLETIONS)
    transport = upstream.transport(to="legacy", source="completions")
    response = post(transport, "/recordings/1", None)
    assert response.content == converted(COMPLETIONS, "legacy")
    assert "anthropic-version" not in upstream.requests[0].headers  # not /v1/complete


@pytest.mark.parametrize(
    ("version", "path"),
    [
        (None, "/v1/complete"),  # no version: nothing to decide
        ("2023-02-01", "/v1/complete"),  # unsupported: the upstream answers
        ("2023-06-01", "/v1/models"),  # not a streaming endpoint
    ],
)
def test_undecided_requests_and_their_responses_are_untouched(
    version: str | None, path: str
) -> None:
    upstream = Upstream(COMPLETIONS, headers={"content-length": str(len(COMPLETIONS))})
    response = post(upstream.transport(), path, version, {"accept-encoding": "zstd"})
    assert response.content == COMPLETIONS
    assert response.headers["content-length"] == str(len(COMPLETIONS))
    assert REPORT_EXTENSION not in response.extensions
    sent = upstream.requests[0]
    assert sent.headers.get("anthropic-version") == version
    assert sent.headers["accept-encoding"] == "zstd"


def test_responses_that_are_not_event_streams_are_untouched() -> None:
    body = b'{"type":"error","error":{"type":"invalid_request_error","message":"no"}}'
    upstream = Upstream(
        body, content_type="application/json", status=400, headers={"content-length": "72"}
    )
    response = post(upstream.transport(), "/v1/complete", "2023-01-01")
    assert response.status_code == 400
    assert response.content == body
    assert response.headers["content-length"] == "72"
    assert REPORT_EXTENSION not in response.extensions


# -- content encoding ---------------------------------------------------------------------------


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", raw_deflate),
        ("identity", lambda data: data),
        ("gzip, gzip", lambda data: gzip.compress(gzip.compress(data))),
    ],
)
def test_compressed_streams_are_decoded(encoding: str, encode: Any) -> None:
    body = encode(COMPLETIONS)
    upstream = Upstream(
        body, headers={"content-encoding": encoding, "content-length": str(len(body))}
    )
    response = post(upstream.transport(), "/v1/complete", "2023-01-01")
    assert response.content == converted(COMPLETIONS, "legacy")
    assert "content-encoding" not in response.headers
    assert "content-length" not in response.headers


def test_brotli_when_installed() -> None:
    import brotli

    body = brotli.compress(COMPLETIONS)
    upstream = Upstream(body, headers={"content-encoding": "br"})
    response = post(upstream.transport(), "/v1/complete", "2023-01-01")
    assert response.content == converted(COMPLETIONS, "legacy")


def test_accept_encoding_keeps_only_what_can_be_decoded() -> None:
    upstream = Upstream(COMPLETIONS)
    headers = {"accept-encoding": "gzip, zstd, deflate;q=0.5, compress, *, br"}
    post(upstream.transport(), "/v1/complete", "2023-01-01", headers)
    kept = "gzip, deflate;q=0.5" + (", br" if "br" in DECODABLE else "")
    assert upstream.requests[0].headers["accept-encoding"] == kept
    upstream = Upstream(COMPLETIONS)
    post(upstream.transport(), "/v1/complete", "2023-01-01", {"accept-encoding": "zstd"})
    assert upstream.requests[0].headers["accept-encoding"] == "identity"
    # A request that is not converted keeps its header.
    upstream = Upstream(COMPLETIONS)
    post(upstream.transport(), "/v1/complete", None, {"accept-encoding": "zstd"})
    assert upstream.requests[0].headers["accept-encoding"] == "zstd"


def test_unknown_content_encoding_is_a_transport_error() -> None:
    upstream = Upstream(b"...", headers={"content-encoding": "compress"})
    with pytest.raises(ConversionTransportError) as info:
        post(upstream.transport(), "/v1/complete", "2023-01-01")
    assert isinstance(info.value, httpx.TransportError)
    assert isinstance(info.value.__cause__, sseconv.InputError)
    assert upstream.closed == 1


def test_corrupt_gzip_is_a_transport_error() -> None:
    upstream = Upstream(b"not gzip at all", headers={"content-encoding": "gzip"})
    with pytest.raises(ConversionTransportError, match="compressed body"):
        post(upstream.transport(), "/v1/complete", "2023-01-01")


# -- errors ---------------------------------------------------------------------------------------

BAD_THIRD = (
    b'event: completion\ndata: {"completion":" Hi","stop_reason":null,"model":"m"}\n\n'
    b'event: completion\ndata: {"completion":" there","stop_reason":null,"model":"m"}\n\n'
    b"event: completion\ndata: {oops\n\n"
)


def test_conversion_error_is_an_httpx_transport_error() -> None:
    upstream = Upstream(BAD_THIRD, chunk_size=len(BAD_THIRD))
    transport = upstream.transport()
    received = b""
    with httpx.Client(transport=transport, base_url="http://api.test") as client:
        request = client.build_request(
            "POST", "/v1/complete", headers={"anthropic-version": "2023-01-01"}
        )
        response = client.send(request, stream=True)
        with pytest.raises(httpx.TransportError) as info:
            for chunk in response.iter_raw():
                received += chunk
        response.close()
    error = info.value
    assert isinstance(error, ConversionTransportError)
    assert isinstance(error, sseconv.SSEConvError)
    assert isinstance(error.__cause__, sseconv.MalformedEventError)
    assert error.request is request
    assert error.event_number == 3
    assert error.offset == BAD_THIRD.index(b"event: completion\ndata: {oops")
    assert error.dialect == "completions"
    # Everything converted before the bad event was delivered first.
    assert [json.loads(line[6:])["completion"] for line in received.split(b"\n\n")[:-1]] == [
        " Hi",
        " Hi there",
    ]
    assert upstream.closed == 1


def test_conversion_error_is_an_httpx2_transport_error() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            200, headers={"content-type": "text/event-stream"}, content=BAD_THIRD
        )

    transport = sseconv.httpx2.ConvertingTransport(httpx2.MockTransport(handler))
    with (
        httpx2.Client(transport=transport) as client,
        pytest.raises(httpx2.TransportError) as info,
    ):
        client.post("http://api.test/v1/messages", headers={"anthropic-version": "2023-06-01"})
    error = info.value
    assert isinstance(error, ConversionTransportError)
    assert isinstance(error, sseconv.SSEConvError)
    assert not isinstance(error, httpx.TransportError)
    assert isinstance(error.__cause__, sseconv.MalformedEventError)
    assert error.request.url.path == "/v1/messages"


def test_strict_mode_reports_a_cut_stream() -> None:
    cut = COMPLETIONS[: COMPLETIONS.index(b"event: ping")]
    response = post(Upstream(cut).transport(), "/v1/messages", "2023-06-01")
    assert not response.extensions[REPORT_EXTENSION].finished
    assert b"message_stop" not in response.content  # a cut stream stays visibly cut
    with pytest.raises(ConversionTransportError) as info:
        post(Upstream(cut).transport(mode="strict"), "/v1/messages", "2023-06-01")
    assert isinstance(info.value.__cause__, sseconv.IncompleteStreamError)


def test_usage_errors() -> None:
    mock = httpx.MockTransport(Upstream(b"").handler)
    with pytest.raises(sseconv.UsageError):
        ConvertingTransport(mock, to="nope")
    with pytest.raises(sseconv.UsageError):
        ConvertingTransport(mock, bogus=1)  # type: ignore[call-arg]
    with pytest.raises(sseconv.UsageError):
        ConvertingTransport(mock, mode="loose")  # type: ignore[arg-type]
    with pytest.raises(sseconv.UsageError):
        ConvertingTransport(object())  # type: ignore[arg-type]
    with pytest.raises(sseconv.UsageError):
        AsyncConvertingTransport(httpx.HTTPTransport())  # type: ignore[arg-type]


# -- close ---------------------------------------------------------------------------------------


def test_closing_the_response_closes_upstream() -> None:
    upstream = Upstream(COMPLETIONS, chunk_size=10)
    with httpx.Client(transport=upstream.transport(), base_url="http://api.test") as client:
        request = client.build_request(
            "POST", "/v1/complete", headers={"anthropic-version": "2023-01-01"}
        )
        response = client.send(request, stream=True)
        first = next(response.iter_raw())
        assert first.startswith(b'data: {"completion":" Hello"')
        response.close()
    assert upstream.closed == 1


@pytest.mark.anyio
async def test_async_transport_converts_and_closes_upstream() -> None:
    upstream = Upstream(LEGACY, chunk_size=10)
    async with httpx.AsyncClient(
        transport=upstream.async_transport(), base_url="http://api.test"
    ) as client:
        headers = {"anthropic-version": "2023-06-01"}
        response = await client.post("/v1/complete", headers=headers)
        assert response.content == converted(LEGACY, "completions")
        assert upstream.closed == 1
        request = client.build_request("POST", "/v1/messages", headers=headers)
        response = await client.send(request, stream=True)
        async for chunk in response.aiter_raw():
            assert chunk.startswith(b"event: message_start")
            break
        await response.aclose()
    assert upstream.closed == 2
    assert upstream.requests[0].headers["anthropic-version"] == "2023-06-01"


@pytest.mark.anyio
async def test_async_conversion_error() -> None:
    upstream = Upstream(BAD_THIRD)
    async with httpx.AsyncClient(
        transport=upstream.async_transport(), base_url="http://api.test"
    ) as client:
        with pytest.raises(ConversionTransportError) as info:
            await client.post("/v1/complete", headers={"anthropic-version": "2023-01-01"})
    assert isinstance(info.value, httpx.TransportError)
    assert info.value.event_number == 3


# -- a real HTTP server: streaming is preserved, early close reaches it ---------------------------


def completion(text: str, stop_reason: str | None = None) -> bytes:
    payload = {
        "type": "completion",
        "id": "compl_1",
        "completion": text,
        "stop_reason": stop_reason,
        "model": "claude-2.0",
        "stop": "\n\nHuman:" if stop_reason else None,
        "log_id": "compl_1",
    }
    return b"event: completion\ndata: " + json.dumps(payload).encode() + b"\n\n"


STREAM = [completion(" Hello"), completion(","), completion(" world"), completion("", "x")]


class Script:
    """What the server does: send each event, wait until the client acknowledges it (so an
    event can only reach the client if the transport passed it on at once), then either
    finish or keep writing pings until the client disconnects."""

    def __init__(self, events: list[bytes], *, until_disconnect: bool) -> None:
        self.events = events
        self.until_disconnect = until_disconnect
        self.acks = [threading.Event() for _ in events]
        self.missed_acks: list[int] = []
        self.disconnected = threading.Event()
        self.finished = threading.Event()
        self.headers: dict[str, str] = {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    script: Script

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        script = self.script
        self.rfile.read(int(self.headers.get("content-length") or 0))
        script.headers = {k.lower(): v for k, v in self.headers.items()}
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        try:
            for index, event in enumerate(script.events):
                self._chunk(event)
                if not script.acks[index].wait(5):
                    script.missed_acks.append(index)
            if script.until_disconnect:
                for _ in range(500):
                    self._chunk(b'event: ping\ndata: {"type": "ping"}\n\n')
                    threading.Event().wait(0.01)
                return
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            script.finished.set()
        except (BrokenPipeError, ConnectionResetError):
            script.disconnected.set()
        finally:
            self.close_connection = True

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


class Server:
    def __init__(self, script: Script) -> None:
        handler = type("ScriptHandler", (Handler,), {"script": script})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1/complete"

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


LEGACY_HEADERS = {"anthropic-version": "2023-01-01"}


def test_real_server_events_pass_one_by_one() -> None:
    script = Script(STREAM, until_disconnect=False)
    parser = sseconv.SSEParser()
    received: list[sseconv.ServerSentEvent] = []
    acked = 0
    with (
        Server(script) as server,
        httpx.Client(transport=ConvertingTransport(httpx.HTTPTransport())) as client,
        client.stream("POST", server.url, headers=LEGACY_HEADERS, json={}) as response,
    ):
        for chunk in response.iter_raw():
            events = parser.feed(chunk)
            if events:
                assert not script.finished.is_set()
                received.extend(events)
                script.acks[acked].set()
                acked += 1
    assert script.missed_acks == []
    assert acked == len(STREAM)
    assert script.headers["anthropic-version"] == "2023-06-01"
    texts = [json.loads(e.data)["completion"] for e in received if e.data != "[DONE]"]
    assert texts == [" Hello", " Hello,", " Hello, world", " Hello, world"]
    assert received[-1].data == "[DONE]"


def test_real_server_sees_the_disconnect_when_the_response_closes_early() -> None:
    script = Script(STREAM[:1], until_disconnect=True)
    with (
        Server(script) as server,
        httpx.Client(transport=ConvertingTransport(httpx.HTTPTransport())) as client,
    ):
        with client.stream("POST", server.url, headers=LEGACY_HEADERS, json={}) as response:
            parser = sseconv.SSEParser()
            for chunk in response.iter_raw():
                if parser.feed(chunk):
                    break
            script.acks[0].set()
        assert script.disconnected.wait(5)


@pytest.mark.anyio
async def test_real_server_async_streaming_and_early_close() -> None:
    script = Script(STREAM[:2], until_disconnect=True)
    transport = AsyncConvertingTransport(httpx.AsyncHTTPTransport())
    parser = sseconv.SSEParser()
    received: list[sseconv.ServerSentEvent] = []
    with Server(script) as server:
        async with (
            httpx.AsyncClient(transport=transport) as client,
            client.stream("POST", server.url, headers=LEGACY_HEADERS, json={}) as response,
        ):
            async for chunk in response.aiter_raw():
                received.extend(parser.feed(chunk))
                if len(received) == 2:
                    break
                if received:
                    script.acks[0].set()
        script.acks[1].set()
        assert script.disconnected.wait(5)
    assert script.missed_acks == []
    assert [json.loads(e.data)["completion"] for e in received] == [" Hello", " Hello,"]


def test_options_are_checked_when_the_transport_is_made() -> None:
    mock = httpx.MockTransport(Upstream(b"").handler)
    with pytest.raises(sseconv.UsageError, match=r"^unknown option 'mdoe'; did you mean 'mode'\?$"):
        ConvertingTransport(mock, mdoe="strict")  # type: ignore[call-arg]
    bad: list[dict[str, Any]] = [
        {"max_event_size": -1},
        {"max_event_size": "big"},
        {"detect_limit": 0},
        {"clock": "now"},
        {"dispatch_incomplete": "yes"},
        {"eol": "\r"},
        {"pings": "skip"},
        {"source": "klingon"},
    ]
    for options in bad:
        (name,) = options
        with pytest.raises(sseconv.UsageError, match=name):
            ConvertingTransport(mock, **options)
        with pytest.raises(sseconv.UsageError, match=name):
            AsyncConvertingTransport(mock, **options)
        with pytest.raises(sseconv.UsageError, match=name):
            ConvertingTransport(mock, complete_via_messages=True, **options)


def test_a_sync_transport_for_an_async_one_names_the_right_class() -> None:
    with pytest.raises(
        sseconv.UsageError,
        match=r"^expected a sync transport, found AsyncHTTPTransport "
        r"\(use AsyncConvertingTransport for async ones\)$",
    ):
        ConvertingTransport(httpx.AsyncHTTPTransport())  # type: ignore[arg-type]
    with pytest.raises(
        sseconv.UsageError,
        match=r"^expected an async transport, found HTTPTransport "
        r"\(use ConvertingTransport for sync ones\)$",
    ):
        AsyncConvertingTransport(httpx.HTTPTransport())  # type: ignore[arg-type]


def test_each_client_library_has_its_own_transport_classes() -> None:
    with pytest.raises(
        sseconv.UsageError,
        match=r"^expected an httpx transport, found httpx2\.MockTransport: "
        r"use sseconv\.httpx2\.ConvertingTransport$",
    ):
        ConvertingTransport(httpx2.MockTransport(Upstream(b"").handler))  # type: ignore[arg-type]
    with pytest.raises(
        sseconv.UsageError,
        match=r"^expected an httpx2 transport, found httpx\.MockTransport: "
        r"use sseconv\.httpx\.AsyncConvertingTransport$",
    ):
        sseconv.httpx2.AsyncConvertingTransport(
            httpx.MockTransport(Upstream(b"").handler)  # type: ignore[arg-type]
        )
    assert not issubclass(sseconv.httpx2.HTTPX2ConversionError, httpx.TransportError)
    assert issubclass(sseconv.httpx2.HTTPX2ConversionError, httpx2.TransportError)
    assert issubclass(sseconv.httpx.HTTPXConversionError, httpx.TransportError)
    for error in (sseconv.httpx.HTTPXConversionError, sseconv.httpx2.HTTPX2ConversionError):
        assert issubclass(error, ConversionTransportError)
        assert issubclass(error, sseconv.SSEConvError)
