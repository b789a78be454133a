"""sseconv.legacy_client: the anthropic 0.2.10 surface over httpx and a /v1/messages upstream."""

from __future__ import annotations

import asyncio
import inspect
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from compat.fake_messages import FakeMessagesAPI, Reply

import sseconv
import sseconv.legacy_client as anthropic

PROMPT = f"{anthropic.HUMAN_PROMPT} Hello{anthropic.AI_PROMPT}"
PIECES = ("Hello", "!", " My", " name", " is", " Claude", ".")


@pytest.fixture
def api() -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI() as server:
        yield server


def kwargs(**fields: Any) -> dict[str, Any]:
    return {"prompt": PROMPT, "model": "claude-v1", "max_tokens_to_sample": 100, **fields}


def test_the_0_2_10_surface() -> None:
    assert (anthropic.HUMAN_PROMPT, anthropic.AI_PROMPT) == ("\n\nHuman:", "\n\nAssistant:")
    assert anthropic.ANTHROPIC_VERSION == "2023-01-01"
    positional = [
        (p.name, p.default)
        for p in inspect.signature(anthropic.Client).parameters.values()
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]
    assert positional == [
        ("api_key", inspect.Parameter.empty),
        ("api_url", "https://api.anthropic.com"),
        ("proxy_url", None),
        ("default_request_timeout", 600),
    ]
    for name in ("completion", "completion_stream", "acompletion", "acompletion_stream"):
        assert callable(getattr(anthropic.Client, name))
    assert inspect.iscoroutinefunction(anthropic.Client.acompletion)
    assert inspect.iscoroutinefunction(anthropic.Client.acompletion_stream)
    assert issubclass(anthropic.ApiException, Exception)


def test_completion_and_stream(api: FakeMessagesAPI) -> None:
    client = anthropic.Client("test-key", api_url=api.url)
    whole = client.completion(**kwargs())
    streamed = list(client.completion_stream(**kwargs(stop_sequences=[anthropic.HUMAN_PROMPT])))
    client.close()
    assert whole == {
        "completion": "".join(PIECES),
        "stop": "\n\nHuman:",
        "stop_reason": "stop_sequence",
        "truncated": False,
        "log_id": "msg_fake0001",
        "model": "claude-sonnet-4-6",
        "exception": None,
    }
    assert [d["completion"] for d in streamed] == [
        *("".join(PIECES[: i + 1]) for i in range(len(PIECES))),
        "".join(PIECES),
    ]
    assert streamed[-1] == {**whole, "log_id": "msg_fake0002"}
    first, second = api.requests
    assert first.headers["anthropic-version"] == "2023-06-01"
    assert first.headers["x-api-key"] == "test-key"
    assert first.headers["anthropic-sdk"] == anthropic.ANTHROPIC_CLIENT_VERSION
    assert second.json["stream"] is True and second.json["stop_sequences"] == []


def test_async(api: FakeMessagesAPI) -> None:
    api.script(Reply(pieces=PIECES), Reply(pieces=PIECES, stream_error_after=4))
    client = anthropic.Client("test-key", api_url=api.url)

    async def run() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        whole = await client.acompletion(**kwargs())
        events = [d async for d in await client.acompletion_stream(**kwargs())]
        return whole, events

    whole, events = asyncio.run(run())
    assert whole["completion"] == "".join(PIECES)
    assert events[-1]["completion"] == "".join(PIECES[:4])
    assert events[-1]["exception"] == "overloaded_error: Overloaded"


def test_streams_are_lazy_like_0_2_10(api: FakeMessagesAPI) -> None:
    client = anthropic.Client("test-key", api_url=api.url)
    stream = client.completion_stream(**kwargs())
    assert api.requests == []
    assert next(iter(stream))["completion"] == "Hello"
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("Hello\n\nAssistant:", "Prompt must start with anthropic.HUMAN_PROMPT ('\\n\\nHuman:')"),
        ("\n\nHuman: Hello", "Prompt must contain anthropic.AI_PROMPT ('\\n\\nAssistant:')"),
        ("\n\nHuman: Hello\n\nAssistant: ", "Prompt must not end with a space character"),
    ],
)
def test_client_side_prompt_checks(api: FakeMessagesAPI, prompt: str, message: str) -> None:
    client = anthropic.Client("test-key", api_url=api.url)
    with pytest.raises(anthropic.ApiException) as info:
        client.completion(**kwargs(prompt=prompt))
    assert info.value.args == (message,)
    assert api.requests == []


def test_disable_checks_reaches_the_old_api_rules(api: FakeMessagesAPI) -> None:
    client = anthropic.Client("test-key", api_url=api.url)
    with pytest.raises(anthropic.ApiException) as info:
        client.completion(**kwargs(prompt="\n\nHuman: Hello", disable_checks=True))
    error = {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": 'prompt must end with "\n\nAssistant:" turn',
        },
    }
    assert info.value.args == ("post request failed with status code: 400", error)
    assert (info.value.status_code, info.value.body) == (400, error)
    # A prompt that ends with a space is sanitized, as the old API did.
    ok = client.completion(**kwargs(prompt=PROMPT + " ", disable_checks=True))
    assert ok["completion"] == "".join(PIECES)
    assert "disable_checks" not in api.requests[-1].json


@pytest.mark.parametrize(("status", "type"), [(429, "rate_limit_error"), (529, "overloaded_error")])
def test_http_errors(api: FakeMessagesAPI, status: int, type: str) -> None:
    api.script(Reply(status=status), Reply(status=status))
    client = anthropic.Client("test-key", api_url=api.url)
    for call in (client.completion, lambda **k: list(client.completion_stream(**k))):
        with pytest.raises(anthropic.ApiException) as info:
            call(**kwargs())
        assert info.value.args[0] == f"post request failed with status code: {status}"
        assert info.value.status_code == status
        assert info.value.args[1]["error"]["type"] == type


def test_connection_failure_is_an_api_exception() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = anthropic.Client("k", api_url=f"http://127.0.0.1:{port}", default_request_timeout=5)
    with pytest.raises(anthropic.ApiException, match="post request failed") as info:
        client.completion(**kwargs())
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_a_broken_upstream_stream_is_an_api_exception() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = b'event: message_start\ndata: {"type":"message_start","message":{oops\n\n'
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    client = anthropic.Client("k", transport=httpx.MockTransport(handler))
    with pytest.raises(anthropic.ApiException) as info:
        list(client.completion_stream(**kwargs()))
    assert isinstance(info.value.__cause__, sseconv.SSEConvError)


def test_models_and_upstream_version_options(api: FakeMessagesAPI) -> None:
    client = anthropic.Client(
        "k", api_url=api.url, models={"claude-v1": "claude-opus-4-7"}, upstream_version="2024-01-01"
    )
    client.completion(**kwargs())
    assert api.requests[0].json["model"] == "claude-opus-4-7"
    assert api.requests[0].headers["anthropic-version"] == "2024-01-01"
    assert json.loads(api.requests[0].body)["max_tokens"] == 100


def test_what_has_no_place_is_reported(api: FakeMessagesAPI) -> None:
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "sig"}
    api.script(Reply(pieces=PIECES, blocks=(thinking,)), Reply(pieces=PIECES, blocks=(thinking,)))
    client = anthropic.Client("test-key", api_url=api.url)
    assert client.last_report is None
    assert client.completion(**kwargs())["completion"] == "".join(PIECES)
    assert client.last_report is not None and client.last_report.dropped == {"thinking": 1}
    client.last_report = None
    assert list(client.completion_stream(**kwargs()))[-1]["completion"] == "".join(PIECES)
    assert client.last_report is not None and client.last_report.dropped == {"thinking": 1}
    assert client.last_report.finished


def test_what_has_no_place_is_reported_async(api: FakeMessagesAPI) -> None:
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "sig"}
    api.script(Reply(pieces=PIECES, blocks=(thinking,)), Reply(pieces=PIECES, blocks=(thinking,)))
    client = anthropic.Client("test-key", api_url=api.url)

    async def run() -> list[sseconv.Report | None]:
        reports = [client.last_report]
        await client.acompletion(**kwargs())
        reports.append(client.last_report)
        client.last_report = None
        assert [d async for d in await client.acompletion_stream(**kwargs())]
        return [*reports, client.last_report]

    before, whole, streamed = asyncio.run(run())
    assert before is None
    assert whole is not None and whole.dropped == {"thinking": 1}
    assert streamed is not None and streamed.dropped == {"thinking": 1} and streamed.finished


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_proxy_url_carries_https_requests_like_0_2_10(flavour: str) -> None:
    seen: list[bytes] = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(10)
        port = server.getsockname()[1]

        def serve() -> None:
            conn, _ = server.accept()
            with conn:
                seen.append(conn.recv(4096))
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        client = anthropic.Client(
            "k",
            api_url="https://api.example.test",
            proxy_url=f"http://127.0.0.1:{port}",
            default_request_timeout=5,
        )
        with pytest.raises(anthropic.ApiException, match="post request failed"):
            if flavour == "sync":
                client.completion(**kwargs())
            else:
                asyncio.run(client.acompletion(**kwargs()))
        thread.join(timeout=10)
    assert seen and seen[0].startswith(b"CONNECT api.example.test:443 ")


def test_text_with_line_separators_and_non_ascii_arrives_whole(api: FakeMessagesAPI) -> None:
    pieces = (" Grüße a\u2028b", "\u2029c\x85d\x0be", ' "q" \\ \\n ', " ☕🎉")
    api.script(Reply(pieces=pieces), Reply(pieces=pieces))
    client = anthropic.Client("test-key", api_url=api.url)
    streamed = list(client.completion_stream(**kwargs()))
    assert [d["completion"] for d in streamed[:-1]] == [
        "".join(pieces[: i + 1]) for i in range(len(pieces))
    ]
    assert client.completion(**kwargs())["completion"] == "".join(pieces)
