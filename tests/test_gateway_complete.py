"""``POST …/v1/complete`` through the gateway, read with httpx: the stream converted event by
event (pings too), disconnects, cut and bad upstream streams, and the refusals answered by the
gateway itself. The real 2023 clients are in ``test_gateway_clients.py``."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fake_upstream import Cut, FakeUpstream, Gate, Piece, fake_upstream
from streams import messages_events, text_block

import sseconv
from sseconv.serve import Gateway, RunningServer, serving

TIMEOUT = 10.0
PROMPT = "\n\nHuman: Hello\n\nAssistant:"
BODY = {"model": "claude-2.1", "prompt": PROMPT, "max_tokens_to_sample": 50, "stream": True}
VERSIONS = {"legacy": "2023-01-01", "completions": "2023-06-01"}
# message_start, content_block_start, ping, "Hi", " there", content_block_stop, message_delta,
# message_stop
EVENTS = messages_events([text_block("Hi", " there")])


def post(
    c: httpx.Client, url: str, body: Any = BODY, version: str | None = "2023-01-01"
) -> httpx.Response:
    headers = {"x-api-key": "test-key"}
    if version is not None:
        headers["anthropic-version"] = version
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return c.post(url, content=content, headers=headers)


def client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT, trust_env=False)


@contextmanager
def gateway_for(
    streams: Mapping[str, Sequence[Piece]] | None = None, **options: Any
) -> Iterator[tuple[FakeUpstream, RunningServer]]:
    with (
        fake_upstream(streams) as upstream,
        serving(Gateway(upstream.url, **options)) as server,
    ):
        yield upstream, server


def error_type(response: httpx.Response) -> str:
    body = response.json()
    assert body["type"] == "error" and set(body["error"]) == {"type", "message"}, body
    return str(body["error"]["type"])


@pytest.mark.parametrize("dialect", ["legacy", "completions"])
def test_stream_converted_event_by_event(dialect: str) -> None:
    """The upstream holds back the text until the client has the converted ping, then the
    rest until it has the converted "Hi": a gateway that buffered anything would stall the
    upstream (its gates time out)."""
    after_ping, after_hi = Gate(), Gate()
    pieces: list[Piece] = [*EVENTS[:3], after_ping, EVENTS[3], after_hi, *EVENTS[4:]]
    with gateway_for({"gm/v1/messages": pieces}) as (upstream, server), client() as c:
        headers = {"x-api-key": "test-key", "anthropic-version": VERSIONS[dialect]}
        url = f"{server.url}/stream/gm/v1/complete?x=1"
        received = b""
        with c.stream("POST", url, json=BODY, headers=headers) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            chunks = response.iter_raw()
            while b"event: ping" not in received:
                received += next(chunks)
            after_ping.open()
            while b'"completion":"Hi"' not in received:
                received += next(chunks)
            after_hi.open()
            received += b"".join(chunks)
    assert not after_ping.timed_out and not after_hi.timed_out
    (request,) = upstream.requests
    assert request["raw_path"] == "/stream/gm/v1/messages"
    assert request["query"] == "x=1"
    assert dict(request["headers"])["anthropic-version"] == "2023-06-01"
    sent = json.loads(request["body"])
    assert sent["messages"] == [{"role": "user", "content": "Hello"}]
    assert sent["max_tokens"] == 50
    texts = [d["completion"] for d in sseconv.legacy_completions(received)]
    assert texts[-1] == "Hi there"
    assert sseconv.detect(received) == sseconv.Dialect.parse(dialect)
    if dialect == "legacy":
        assert received.endswith(b"data: [DONE]\n\n")


def test_disconnect_cancels_upstream() -> None:
    with gateway_for() as (upstream, server), client() as c:
        headers = {"x-api-key": "test-key", "anthropic-version": "2023-01-01"}
        with c.stream("POST", f"{server.url}/pings/v1/complete", json=BODY, headers=headers) as r:
            first = next(r.iter_raw())
            assert first.startswith(b"event: ping\n")  # a legacy ping: a timestamp
        assert upstream.disconnected.wait(5.0)


@pytest.mark.parametrize(
    "pieces",
    [
        [*EVENTS[:4], Cut()],  # the upstream connection breaks
        EVENTS[:4],  # the upstream response ends cleanly, the stream unfinished
        [*EVENTS[:4], b"event: content_block_delta\ndata: {oops\n\n", *EVENTS[4:]],
    ],
    ids=["cut", "unfinished", "malformed"],
)
def test_bad_upstream_stream_cuts_the_response(pieces: list[Piece]) -> None:
    received = b""
    with gateway_for({"bad/v1/messages": pieces}) as (_, server), client() as c:
        headers = {"x-api-key": "test-key", "anthropic-version": "2023-06-01"}
        url = f"{server.url}/stream/bad/v1/complete"
        with (
            c.stream("POST", url, json=BODY, headers=headers) as response,
            pytest.raises(httpx.RemoteProtocolError),
        ):
            for chunk in response.iter_raw():
                received += chunk
    # What was converted before the failure arrived; the cut shows the stream is incomplete.
    assert b'"completion":"Hi"' in received
    assert b'"stop_reason":"stop_sequence"' not in received


@pytest.mark.parametrize(
    ("body", "version", "kind"),
    [
        (BODY, None, "version_required"),
        (BODY, "2023-13-45", "invalid_version"),
        (BODY, "1999-01-01", "unsupported_version"),
        (b"{not json", "2023-06-01", "invalid_request_error"),
        ({**BODY, "prompt": "\n\nHuman: Hello"}, "2023-06-01", "invalid_request_error"),
        ({**BODY, "prompt": "Hello"}, "2023-01-01", "invalid_request_error"),
    ],
    ids=["no-version", "bad-version", "old-version", "bad-json", "no-assistant", "no-human"],
)
def test_refused_by_the_gateway(body: Any, version: str | None, kind: str) -> None:
    with gateway_for() as (upstream, server), client() as c:
        response = post(c, f"{server.url}/echo/v1/complete", body, version)
    assert response.status_code == 400
    assert error_type(response) == kind
    assert upstream.requests == []


def test_body_limit_on_complete() -> None:
    with gateway_for(max_body_size=100) as (upstream, server), client() as c:
        response = post(c, f"{server.url}/v1/complete", {**BODY, "prompt": PROMPT + "x" * 100})
    assert response.status_code == 413
    assert error_type(response) == "request_too_large"
    assert upstream.requests == []


@pytest.mark.parametrize(
    ("exception", "status", "kind"),
    [
        (httpx.ReadTimeout("slow"), 504, "timeout_error"),
        (httpx.ConnectError("no"), 502, "api_error"),
    ],
)
def test_upstream_failures_on_complete(exception: Exception, status: int, kind: str) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/messages"
        raise exception

    app = Gateway("http://upstream.invalid", transport=httpx.MockTransport(fail))
    with serving(app) as server, client() as c:
        response = post(c, f"{server.url}/v1/complete")
    assert response.status_code == status
    assert error_type(response) == kind


def test_non_stream_and_error_answers() -> None:
    """A whole upstream answer is translated (a Messages JSON to a completion JSON); an API
    error keeps its status and body; an HTML error page becomes the API's error shape."""
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [{"type": "text", "text": "Hi there"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 2},
    }
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    answers = iter(
        [
            httpx.Response(200, json=message, headers={"request-id": "req_1"}),
            httpx.Response(529, json=error),
            httpx.Response(
                502, text="<html>bad gateway</html>", headers={"content-type": "text/html"}
            ),
        ]
    )
    app = Gateway("http://upstream.invalid", transport=httpx.MockTransport(lambda r: next(answers)))
    body = {**BODY, "stream": False}
    with serving(app) as server, client() as c:
        ok = post(c, f"{server.url}/v1/complete", body)
        overloaded = post(c, f"{server.url}/v1/complete", body, "2023-06-01")
        html = post(c, f"{server.url}/v1/complete", body)
    assert ok.status_code == 200
    assert ok.headers["request-id"] == "req_1"
    assert ok.headers["content-type"] == "application/json"
    completion = ok.json()
    assert completion["completion"] == "Hi there"
    assert (completion["stop_reason"], completion["stop"]) == ("stop_sequence", "\n\nHuman:")
    assert (completion["truncated"], completion["exception"]) == (False, None)
    assert overloaded.status_code == 529 and overloaded.json() == error
    assert html.status_code == 502 and error_type(html) == "api_error"


def test_model_table_and_upstream_version_options() -> None:
    """``models`` adds to the retired-model table (the rest of it still applies);
    ``upstream_version`` is what goes upstream."""
    from sseconv.translate import RETIRED_MODELS

    with (
        gateway_for(models={"claude-2.1": "claude-custom"}, upstream_version="2024-01-01") as (
            upstream,
            server,
        ),
        client() as c,
    ):
        post(c, f"{server.url}/echo/v1/complete", {**BODY, "stream": False})
        post(c, f"{server.url}/echo/v1/complete", {**BODY, "model": "claude-instant-1"})
    first, second = (json.loads(r["body"]) for r in upstream.requests)
    assert first["model"] == "claude-custom"
    assert second["model"] == RETIRED_MODELS["claude-instant-1"]
    assert all(dict(r["headers"])["anthropic-version"] == "2024-01-01" for r in upstream.requests)


def test_compressed_upstream_stream_is_converted() -> None:
    """A gzip-compressed Messages stream (each event flushed on its own) is decoded, converted
    and sent uncompressed, still event by event."""
    after_hi = Gate()
    pieces: list[Piece] = [*EVENTS[:4], after_hi, *EVENTS[4:]]
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01", "x-test-encoding": "gzip"}
    received = b""
    with gateway_for({"gz/v1/messages": pieces}) as (upstream, server), client() as c:
        url = f"{server.url}/stream/gz/v1/complete"
        with c.stream("POST", url, json=BODY, headers=headers) as response:
            assert "content-encoding" not in response.headers
            chunks = response.iter_raw()
            while b'"completion":"Hi"' not in received:
                received += next(chunks)
            after_hi.open()
            received += b"".join(chunks)
    assert not after_hi.timed_out
    assert dict(upstream.requests[0]["headers"])["accept-encoding"] == "gzip, deflate"
    assert [d["completion"] for d in sseconv.legacy_completions(received)][-1] == "Hi there"


def test_translated_request_headers() -> None:
    """The client's own headers reach the upstream; those of its connection (hop-by-hop, the
    ones its Connection header names, Expect) do not, and those of the body describe the new
    body."""
    headers = [
        ("X-Api-Key", "test-key"),
        ("Anthropic-Version", "2023-01-01"),
        ("Connection", "keep-alive, X-Private"),
        ("X-Private", "secret-to-this-hop"),
        ("Keep-Alive", "timeout=5"),
        ("Expect", "100-continue"),
        ("Accept-Encoding", "br"),
        ("X-Kept", "1"),
    ]
    with gateway_for() as (upstream, server), client() as c:
        body = json.dumps({**BODY, "stream": False}).encode()
        c.post(f"{server.url}/echo/v1/complete", content=body, headers=headers)
    (request,) = upstream.requests
    got = dict(request["headers"])
    assert (got["x-api-key"], got["x-kept"]) == ("test-key", "1")
    assert got["anthropic-version"] == "2023-06-01"
    assert got["content-type"] == "application/json"
    assert got["content-length"] == str(len(request["body"].encode()))
    assert got["accept-encoding"] == "gzip, deflate"
    assert not set(got) & {"connection", "x-private", "keep-alive", "expect", "transfer-encoding"}
