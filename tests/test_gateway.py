"""The gateway (``sseconv.serve``) forwarding requests: real uvicorn servers on 127.0.0.1 (the
gateway and a scripted upstream, ``fake_upstream.py``), real httpx clients.

What is checked: paths other than ``/v1/complete`` reach the upstream unchanged and their
responses come back unchanged (bytes, compression, status, headers less the hop-by-hop ones),
streams are passed on chunk by chunk as they arrive, a client that goes away cancels the
upstream request, the gateway cannot be turned into an open proxy, keys reach only the
upstream and never the log, and the limits answer in the API's error JSON.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fake_upstream import TIMEOUT_EVENT, Cut, FakeUpstream, Gate, Piece, fake_upstream

from sseconv.serve import HOP_BY_HOP, Gateway, GatewayOptions, RunningServer, serving

KEY = "sk-ant-api03-SECRET-KEY-never-logged"
BEARER = "Bearer sk-ant-oat01-SECRET-TOKEN-never-logged"
TIMEOUT = 10.0

EVENTS = [
    b'event: message_start\ndata: {"type":"message_start"}\n\n',
    b'event: ping\ndata: {"type": "ping"}\n\n',
    b'event: content_block_delta\ndata: {"type":"content_block_delta"}\n\n',
]


def client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT, trust_env=False)


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"type", "error"} and body["type"] == "error", body
    assert set(body["error"]) == {"type", "message"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return dict(body["error"])


@pytest.fixture(scope="module")
def gated() -> list[Gate]:
    return [Gate(), Gate()]


@pytest.fixture(scope="module")
def upstream(gated: list[Gate]) -> Iterator[FakeUpstream]:
    streams: dict[str, list[Piece]] = {
        "events": [EVENTS[0], EVENTS[1][:10], EVENTS[1][10:], EVENTS[2]],
        "gated": [EVENTS[0], gated[0], EVENTS[1], gated[1], EVENTS[2]],
        "cut": [EVENTS[0], Cut()],
    }
    with fake_upstream(streams) as up:
        yield up


@pytest.fixture(scope="module")
def gateway(upstream: FakeUpstream) -> Iterator[RunningServer]:
    with serving(Gateway(upstream.url, timeout=TIMEOUT)) as server:
        yield server


@pytest.fixture
def small_gateway(upstream: FakeUpstream) -> Iterator[RunningServer]:
    """A gateway with a 1000-byte body limit and a 0.3 s upstream timeout."""
    app = Gateway(upstream.url, max_body_size=1000, timeout=0.3)
    with serving(app) as server:
        yield server


def echo(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


def names(record: dict[str, Any]) -> list[str]:
    return [name for name, _ in record["headers"]]


# -- forwarding unchanged ---------------------------------------------------------------------


def test_request_forwarded_unchanged(gateway: RunningServer, upstream: FakeUpstream) -> None:
    body = b'{"model":"claude-sonnet-4-5","max_tokens":1}'
    headers = {
        "x-api-key": KEY,
        "authorization": BEARER,
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "a,b",
        "content-type": "application/json",
        "X-Mixed-Case": "Value",
    }
    with client() as c:
        record = echo(
            c.post(f"{gateway.url}/echo/v1/messages?beta=true&x=%2F", content=body, headers=headers)
        )
    assert record["method"] == "POST"
    assert record["raw_path"] == "/echo/v1/messages"
    assert record["query"] == "beta=true&x=%2F"
    assert record["body"] == body.decode()
    got = dict(record["headers"])
    for name, value in headers.items():
        assert got[name.lower()] == value
    assert got["content-length"] == str(len(body))


def test_host_is_the_upstream(gateway: RunningServer, upstream: FakeUpstream) -> None:
    with client() as c:
        record = echo(c.get(f"{gateway.url}/echo/host", headers={"Host": "evil.example"}))
    host = dict(record["headers"])["host"]
    assert host == upstream.url.removeprefix("http://")
    assert names(record).count("host") == 1


def test_hop_by_hop_request_headers_stripped(gateway: RunningServer) -> None:
    headers = [
        ("Connection", "keep-alive, X-Private"),
        ("X-Private", "secret-to-this-hop"),
        ("Keep-Alive", "timeout=5"),
        ("TE", "trailers"),
        ("Proxy-Authorization", "Basic cHJveHk6cHc="),
        ("Proxy-Connection", "keep-alive"),
        ("X-Kept", "1"),
    ]
    with client() as c:
        record = echo(c.get(f"{gateway.url}/echo/hop", headers=headers))
    sent = set(names(record))
    assert "x-kept" in sent
    assert not sent & {
        "connection",
        "x-private",
        "keep-alive",
        "te",
        "proxy-authorization",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
    }


def test_hop_by_hop_response_headers_stripped(gateway: RunningServer) -> None:
    with client() as c:
        response = c.get(f"{gateway.url}/hop")
    assert response.status_code == 200
    assert response.headers["x-kept"] == "yes"
    for name in ("keep-alive", "proxy-authenticate", "x-private-hop"):
        assert name not in response.headers
    assert {name.encode() for name in ("keep-alive", "proxy-authenticate")} <= HOP_BY_HOP


def test_compressed_body_passes_unchanged(gateway: RunningServer, upstream: FakeUpstream) -> None:
    with client() as c, c.stream("GET", f"{gateway.url}/gzip") as response:
        raw = b"".join(response.iter_raw())
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["content-length"] == str(len(raw))
    import gzip

    assert raw[:2] == b"\x1f\x8b"
    assert gzip.decompress(raw) == upstream.gzip_body


def test_no_accept_encoding_added(gateway: RunningServer) -> None:
    with httpx.Client(timeout=TIMEOUT, trust_env=False, headers={}) as c:
        request = c.build_request("GET", f"{gateway.url}/echo/plain")
        del request.headers["accept-encoding"]
        record = echo(c.send(request))
    assert "accept-encoding" not in names(record)


@pytest.mark.parametrize("code", [404, 429, 500, 529])
def test_error_statuses_pass_unchanged(gateway: RunningServer, code: int) -> None:
    with client() as c:
        response = c.post(f"{gateway.url}/status/{code}", json={})
    assert response.status_code == code
    assert error_of(response)["message"] == f"status {code}"


def test_stream_bytes_unchanged(gateway: RunningServer) -> None:
    with client() as c, c.stream("POST", f"{gateway.url}/stream/events") as response:
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert "content-length" not in response.headers
        raw = b"".join(response.iter_raw())
    assert raw == b"".join(EVENTS)


def test_stream_is_not_buffered(gateway: RunningServer, gated: list[Gate]) -> None:
    """The upstream sends the next event only once the client has the previous one: a
    gateway holding anything back would make the upstream time out (TIMEOUT_EVENT)."""
    received = b""
    with client() as c, c.stream("POST", f"{gateway.url}/stream/gated") as response:
        chunks = response.iter_raw()
        for gate, event in zip(gated, EVENTS, strict=False):
            while len(received) < len(event) or not received.endswith(event):
                received += next(chunks)
            gate.open()
        received += b"".join(chunks)
    assert TIMEOUT_EVENT not in received
    assert received == b"".join(EVENTS)


def test_client_disconnect_cancels_upstream(gateway: RunningServer, upstream: FakeUpstream) -> None:
    upstream.disconnected.clear()
    with client() as c, c.stream("GET", f"{gateway.url}/pings") as response:
        first = next(response.iter_raw())
        assert first.startswith(b"event: ping")
    # The response was closed unread: the gateway must drop its upstream request.
    assert upstream.disconnected.wait(5.0)


def test_disconnect_before_the_upstream_answers(
    gateway: RunningServer, upstream: FakeUpstream
) -> None:
    """A non-stream request holds its answer until the generation ends: a client that gives up
    before that must cancel the upstream request too."""
    upstream.disconnected.clear()
    with httpx.Client(timeout=0.3, trust_env=False) as c, pytest.raises(httpx.ReadTimeout):
        c.post(f"{gateway.url}/hang", json={})
    assert upstream.disconnected.wait(5.0)


def test_upstream_cut_cuts_the_response(gateway: RunningServer) -> None:
    received = b""
    with (
        client() as c,
        c.stream("POST", f"{gateway.url}/stream/cut") as response,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        for chunk in response.iter_raw():
            received += chunk
    assert received == EVENTS[0]


# -- the gateway's own answers ------------------------------------------------------------------


def test_health(gateway: RunningServer, upstream: FakeUpstream) -> None:
    before = len(upstream.requests)
    with client() as c:
        response = c.get(f"{gateway.url}/healthz")
        head = c.head(f"{gateway.url}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert head.status_code == 200
    assert len(upstream.requests) == before  # answered by the gateway itself


def test_body_limit(small_gateway: RunningServer, upstream: FakeUpstream) -> None:
    with client() as c:
        assert (
            echo(c.post(f"{small_gateway.url}/echo/ok", content=b"x" * 1000))["body"] == "x" * 1000
        )
        before = len(upstream.requests)
        declared = c.post(f"{small_gateway.url}/echo/big", content=b"x" * 1001)
        chunked = c.post(f"{small_gateway.url}/echo/big", content=iter([b"x" * 600, b"x" * 600]))
    for response in (declared, chunked):
        assert response.status_code == 413
        assert error_of(response)["type"] == "request_too_large"
    assert len(upstream.requests) == before


def test_upstream_timeout_is_504(small_gateway: RunningServer) -> None:
    with client() as c:
        response = c.get(f"{small_gateway.url}/slow")
    assert response.status_code == 504
    assert error_of(response)["type"] == "timeout_error"


def test_unreachable_upstream_is_502() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with serving(Gateway(f"http://127.0.0.1:{port}")) as server, client() as c:
        response = c.post(f"{server.url}/v1/messages", json={})
    assert response.status_code == 502
    assert error_of(response)["type"] == "api_error"


@pytest.mark.parametrize(
    ("exception", "status", "kind"),
    [
        (httpx.ConnectTimeout("connect"), 504, "timeout_error"),
        (httpx.PoolTimeout("pool"), 504, "timeout_error"),
        (httpx.ConnectError("refused"), 502, "api_error"),
        (httpx.RemoteProtocolError("bad"), 502, "api_error"),
    ],
)
def test_upstream_failures_map(exception: Exception, status: int, kind: str) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exception

    app = Gateway("http://upstream.invalid", transport=httpx.MockTransport(fail))
    with serving(app) as server, client() as c:
        response = c.post(f"{server.url}/v1/messages", json={})
    assert response.status_code == status
    assert error_of(response)["type"] == kind


def test_failed_kept_alive_connection_is_retried_once() -> None:
    """A kept-alive connection closed or reset by the server before any answer (its
    keep-alive time ran out as it was reused): the request was not taken, so it is sent again,
    once. (httpx.MockTransport connects nothing: every request looks like a reused one.)"""
    calls: list[str] = []
    closed = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    failures = iter([closed, None, httpx.ReadError("reset"), None, closed, closed])

    def upstream(request: httpx.Request) -> httpx.Response:
        calls.append(request.content.decode())
        failure = next(failures)
        if failure is not None:
            raise failure
        return httpx.Response(200, json={"ok": True})

    app = Gateway("http://upstream.invalid", transport=httpx.MockTransport(upstream))
    with serving(app) as server, client() as c:
        closed_once = c.post(f"{server.url}/v1/messages", content=b"first")
        reset_once = c.post(f"{server.url}/v1/messages", content=b"second")
        twice = c.post(f"{server.url}/v1/messages", content=b"third")
    assert closed_once.status_code == 200 and closed_once.json() == {"ok": True}
    assert reset_once.status_code == 200
    assert twice.status_code == 502 and error_of(twice)["type"] == "api_error"
    assert calls == ["first", "first", "second", "second", "third", "third"]


def test_new_connection_failure_is_not_retried() -> None:
    """An upstream that accepts and closes at once: on a new connection the request may have
    been taken, so it is answered 502 after one try."""
    accepted: list[int] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)
        stop = threading.Event()

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except OSError:
                    continue
                accepted.append(1)
                conn.recv(65536)
                conn.close()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        port = listener.getsockname()[1]
        try:
            with (
                serving(Gateway(f"http://127.0.0.1:{port}")) as server,
                client() as c,
            ):
                response = c.post(f"{server.url}/v1/messages", json={})
        finally:
            stop.set()
            thread.join(5)
    assert response.status_code == 502
    assert error_of(response)["type"] == "api_error"
    assert len(accepted) == 1


def test_unexpected_error_is_500_in_the_api_shape(caplog: pytest.LogCaptureFixture) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("a bug")

    app = Gateway("http://upstream.invalid", transport=httpx.MockTransport(broken))
    with serving(app) as server, client() as c:
        response = c.post(f"{server.url}/v1/messages", json={})
    assert response.status_code == 500
    assert error_of(response)["type"] == "api_error"
    assert any("RuntimeError: a bug" in (r.exc_text or "") for r in caplog.records)


# -- never an open proxy ------------------------------------------------------------------------


def raw_request(server: RunningServer, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (what httpx would never send) and read the answer."""
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data or not _complete(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


@pytest.mark.parametrize(
    "request_line",
    [
        b"GET http://evil.example/echo/x HTTP/1.1",
        b"GET https://evil.example:443/echo/x HTTP/1.1",
        b"CONNECT evil.example:443 HTTP/1.1",
        b"OPTIONS * HTTP/1.1",
        b"GET /echo/../../etc/passwd HTTP/1.1",
        b"GET /echo/%2e%2e/x HTTP/1.1",
        b"GET /echo/./x HTTP/1.1",
        b"GET /echo\\..\\x HTTP/1.1",
    ],
)
def test_only_the_upstream_is_reached(
    gateway: RunningServer, upstream: FakeUpstream, request_line: bytes
) -> None:
    before = len(upstream.requests)
    status, body = raw_request(
        gateway, request_line + b"\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
    )
    assert status == 400
    assert json.loads(body)["error"]["type"] == "invalid_request_error"
    assert len(upstream.requests) == before


def test_upstream_prefix_is_kept() -> None:
    with (
        fake_upstream() as up,
        serving(Gateway(f"{up.url}/echo/prefix/")) as server,
        client() as c,
    ):
        record = echo(c.get(f"{server.url}/v1/models?limit=1"))
    assert record["raw_path"] == "/echo/prefix/v1/models"
    assert record["query"] == "limit=1"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://api.example",
        "api.anthropic.com",
        "http://user:secret@api.example",
        "ftp://user:secret@api.example",
        "http://user:secret@[bad",
        "http://api.example/?x=1",
        "http://api.example/#frag",
    ],
)
def test_bad_upstream_urls(url: str) -> None:
    import sseconv

    with pytest.raises(sseconv.UsageError) as info:
        GatewayOptions(url)
    assert "secret" not in str(info.value)


def test_options_round_trip() -> None:
    options = GatewayOptions(
        "https://api.example/prefix/", max_body_size=5, timeout=1.5, models={"a": "b"}
    )
    assert options.upstream == "https://api.example/prefix"
    assert GatewayOptions.from_json(options.to_json()) == options


# -- keys never logged --------------------------------------------------------------------------


def test_keys_reach_upstream_and_never_the_log(
    upstream: FakeUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    """Every path through the gateway, with keys in both headers and the log at DEBUG: the keys
    reach the upstream and appear in no log record (message, arguments or traceback)."""
    headers = {"x-api-key": KEY, "authorization": BEARER}
    caplog.set_level(logging.DEBUG)
    app = Gateway(upstream.url, max_body_size=1000, timeout=0.3)
    with serving(app, log_level="debug") as server, client() as c:
        record = echo(c.post(f"{server.url}/echo/keys", json={}, headers=headers))
        c.post(f"{server.url}/echo/big", content=b"x" * 2000, headers=headers)
        c.get(f"{server.url}/slow", headers=headers)
        c.get(f"{server.url}/status/529", headers=headers)
        c.get(f"{server.url}/healthz", headers=headers)
        raw_request(
            server,
            b"GET /echo/../x HTTP/1.1\r\nConnection: close\r\nx-api-key: "
            + KEY.encode()
            + b"\r\n\r\n",
        )
        with (
            c.stream("POST", f"{server.url}/stream/cut", headers=headers) as response,
            pytest.raises(httpx.RemoteProtocolError),
        ):
            response.read()
        with c.stream("GET", f"{server.url}/pings", headers=headers) as response:
            next(response.iter_raw())
        complete = {"model": "claude-2.1", "prompt": "\n\nHuman: Hi\n\nAssistant:", "stream": True}
        versioned = {**headers, "anthropic-version": "2023-01-01"}
        complete["max_tokens_to_sample"] = 5
        url = f"{server.url}/pings/v1/complete"
        with c.stream("POST", url, json=complete, headers=versioned) as response:
            next(response.iter_raw())
        c.post(f"{server.url}/echo/v1/complete", json=complete, headers=headers)  # no version
    assert dict(record["headers"])["x-api-key"] == KEY
    assert dict(record["headers"])["authorization"] == BEARER
    assert any(r.name == "sseconv.serve" for r in caplog.records)
    text = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records
    )
    for secret in ("SECRET-KEY", "SECRET-TOKEN"):
        assert secret not in text
    assert threading.active_count() < 50
