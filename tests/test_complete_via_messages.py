"""ConvertingTransport(complete_via_messages=True): /v1/complete served from a /v1/messages-only
upstream (the strict fake on loopback), for httpx and httpx2, sync and async, stream or not.

Expected values come from the fake's script (the pieces the "model" generates) and the 2023
API's rules (a natural end is ``stop_sequence`` with ``stop`` "\\n\\nHuman:"), never from the
converter.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from compat.fake_messages import FakeMessagesAPI, Reply

import sseconv
from sseconv.httpx import REPORT_EXTENSION, AsyncConvertingTransport, ConvertingTransport

HUMAN = "\n\nHuman:"
AI = "\n\nAssistant:"
PIECES = ("Hello", "!", " My", " name", " is", " Claude", ".")
TEXT = "".join(PIECES)
LEGACY_KEYS = ["completion", "stop", "stop_reason", "truncated", "log_id", "model", "exception"]
COMPLETION_KEYS = ["type", "id", "completion", "stop_reason", "model", "stop", "log_id"]


@pytest.fixture
def api() -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI() as server:
        yield server


def body(**fields: Any) -> dict[str, Any]:
    return {
        "prompt": f"{HUMAN} Hello{AI}",
        "model": "claude-v1",
        "max_tokens_to_sample": 100,
        **fields,
    }


def headers(version: str | None = "2023-01-01") -> dict[str, str]:
    out = {"x-api-key": "test-key"}
    if version is not None:
        out["anthropic-version"] = version
    return out


def client(api: FakeMessagesAPI, **options: Any) -> httpx.Client:
    transport = ConvertingTransport(httpx.HTTPTransport(), complete_via_messages=True, **options)
    return httpx.Client(transport=transport, base_url=api.url, timeout=10)


def post(api: FakeMessagesAPI, version: str | None = "2023-01-01", **fields: Any) -> httpx.Response:
    with client(api) as c:
        return c.post("/v1/complete", json=body(**fields), headers=headers(version))


def legacy_dicts(data: bytes) -> list[dict[str, Any]]:
    return list(sseconv.legacy_completions(data, source="legacy"))


def named(data: bytes) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in data.decode().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if line)
        if "data" in lines:
            out.append((lines.get("event", ""), json.loads(lines["data"])))
    return out


# -- non-stream ----------------------------------------------------------------------------


def test_non_stream_legacy(api: FakeMessagesAPI) -> None:
    response = post(api, "2023-01-01")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    payload = response.json()
    assert list(payload) == LEGACY_KEYS
    assert payload["completion"] == TEXT
    assert (payload["stop_reason"], payload["stop"]) == ("stop_sequence", HUMAN)
    assert (payload["truncated"], payload["exception"]) == (False, None)
    assert response.extensions[REPORT_EXTENSION].usage == {"input_tokens": 10, "output_tokens": 7}
    (call,) = api.requests
    assert call.path == "/v1/messages"
    assert call.headers["anthropic-version"] == "2023-06-01"
    assert call.headers["x-api-key"] == "test-key"
    assert call.json == {
        "model": "claude-sonnet-4-6",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "Hello"}],
    }


def test_non_stream_2023_06_01_with_stop_sequence_and_max_tokens(api: FakeMessagesAPI) -> None:
    api.script(Reply(pieces=("Hi", " END", " more")), Reply())
    first = post(api, "2023-06-01", stop_sequences=[HUMAN, " END"]).json()
    assert list(first) == COMPLETION_KEYS
    assert (first["completion"], first["stop_reason"], first["stop"]) == (
        "Hi",
        "stop_sequence",
        " END",
    )
    second = post(api, "2023-06-01", max_tokens_to_sample=2).json()
    assert (second["completion"], second["stop_reason"], second["stop"]) == (
        "Hello!",
        "max_tokens",
        None,
    )
    assert api.requests[0].json["stop_sequences"] == [" END"]


@pytest.mark.parametrize(("status", "type"), [(429, "rate_limit_error"), (529, "overloaded_error")])
def test_http_errors_pass_with_the_api_shape(api: FakeMessagesAPI, status: int, type: str) -> None:
    api.script(Reply(status=status))
    response = post(api)
    assert response.status_code == status
    assert response.json()["error"]["type"] == type
    assert response.json()["type"] == "error"


def test_refused_prompt_is_answered_locally(api: FakeMessagesAPI) -> None:
    response = post(api, prompt=f"{HUMAN} Hello, Claude")
    assert response.status_code == 400
    assert response.json() == {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": 'prompt must end with "\n\nAssistant:" turn',
        },
    }
    assert api.requests == []


@pytest.mark.parametrize(
    ("version", "code"),
    [
        (None, "version_required"),
        ("2023-6-1", "invalid_version"),
        ("2022-01-01", "unsupported_version"),
    ],
)
def test_version_errors(api: FakeMessagesAPI, version: str | None, code: str) -> None:
    response = post(api, version)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == code
    assert api.requests == []


def test_upstream_version_is_configurable(api: FakeMessagesAPI) -> None:
    with client(api, upstream_version="2026-10-21") as c:
        plain = c.post("/v1/complete", json=body(), headers=headers())
        sampled = c.post("/v1/complete", json=body(temperature=0.3), headers=headers())
    assert plain.status_code == 200
    assert sampled.status_code == 400
    assert "temperature" in sampled.json()["error"]["message"]
    assert {call.headers["anthropic-version"] for call in api.requests} == {"2026-10-21"}
    with pytest.raises(sseconv.VersionError):
        ConvertingTransport(httpx.HTTPTransport(), complete_via_messages=True, upstream_version="x")


def test_a_path_prefix_is_kept(api: FakeMessagesAPI) -> None:
    with client(api) as c:
        c.post("/proxy/v1/complete", json=body(), headers=headers())
    assert api.requests[0].path == "/proxy/v1/messages"


# -- streams ---------------------------------------------------------------------------------


def test_stream_legacy(api: FakeMessagesAPI) -> None:
    with (
        client(api) as c,
        c.stream("POST", "/v1/complete", json=body(stream=True), headers=headers()) as response,
    ):
        data = response.read()
    dicts = legacy_dicts(data)
    assert [d["completion"] for d in dicts[:-1]] == [
        "".join(PIECES[: i + 1]) for i in range(len(PIECES))
    ]
    assert dicts[-1]["completion"] == TEXT
    assert (dicts[-1]["stop_reason"], dicts[-1]["stop"]) == ("stop_sequence", HUMAN)
    assert data.rstrip().endswith(b"data: [DONE]")
    assert response.extensions[REPORT_EXTENSION].finished


def test_stream_2023_06_01_mid_stream_error(api: FakeMessagesAPI) -> None:
    api.script(Reply(stream_error_after=3))
    with (
        client(api) as c,
        c.stream(
            "POST", "/v1/complete", json=body(stream=True), headers=headers("2023-06-01")
        ) as response,
    ):
        events = named(response.read())
    completions = [payload["completion"] for name, payload in events if name == "completion"]
    assert completions == list(PIECES[:3])
    assert events[-1] == (
        "error",
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
    )


def test_stream_legacy_mid_stream_error_is_the_exception_field(api: FakeMessagesAPI) -> None:
    api.script(Reply(stream_error_after=2))
    with client(api) as c:
        data = c.post("/v1/complete", json=body(stream=True), headers=headers()).content
    last = legacy_dicts(data)[-1]
    assert (last["completion"], last["exception"]) == ("Hello!", "overloaded_error: Overloaded")
    assert b"[DONE]" not in data


def test_async_stream_and_non_stream(api: FakeMessagesAPI) -> None:
    async def run() -> tuple[bytes, dict[str, Any]]:
        transport = AsyncConvertingTransport(httpx.AsyncHTTPTransport(), complete_via_messages=True)
        async with httpx.AsyncClient(transport=transport, base_url=api.url, timeout=10) as c:
            async with c.stream(
                "POST", "/v1/complete", json=body(stream=True), headers=headers("2023-06-01")
            ) as response:
                data = await response.aread()
            whole = await c.post("/v1/complete", json=body(), headers=headers("2023-06-01"))
            return data, whole.json()

    data, whole = asyncio.run(run())
    events = named(data)
    assert "".join(p["completion"] for name, p in events if name == "completion") == TEXT
    assert (events[-1][1]["stop_reason"], events[-1][1]["stop"]) == ("stop_sequence", HUMAN)
    assert (whole["completion"], whole["stop_reason"]) == (TEXT, "stop_sequence")


def test_content_without_a_place_is_dropped_and_reported(api: FakeMessagesAPI) -> None:
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "sig"}
    api.script(Reply(blocks=(thinking,)), Reply(blocks=(thinking,)))
    with client(api) as c:
        whole = c.post("/v1/complete", json=body(), headers=headers())
        with c.stream("POST", "/v1/complete", json=body(stream=True), headers=headers()) as r:
            data = r.read()
    assert whole.json()["completion"] == TEXT
    assert whole.extensions[REPORT_EXTENSION].dropped == {"thinking": 1}
    assert legacy_dicts(data)[-1]["completion"] == TEXT
    assert r.extensions[REPORT_EXTENSION].dropped == {"thinking": 1}


def test_the_transports_options_reach_the_answer(api: FakeMessagesAPI) -> None:
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "sig"}
    api.script(Reply(pings=2), Reply(blocks=(thinking,)), Reply(blocks=(thinking,)))
    with (
        client(api, eol="\r\n", pings="drop", detect_limit=100) as c,
        c.stream("POST", "/v1/complete", json=body(stream=True), headers=headers()) as r,
    ):
        data = r.read()
    assert legacy_dicts(data)[-1]["completion"] == TEXT
    assert b"ping" not in data and data.endswith(b"data: [DONE]\r\n\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert r.extensions[REPORT_EXTENSION].dropped == {"ping": 2}
    with client(api, mode="strict") as c:
        refused = c.post("/v1/complete", json=body(), headers=headers())
        with (
            pytest.raises(httpx.TransportError, match="thinking"),
            c.stream("POST", "/v1/complete", json=body(stream=True), headers=headers()) as r,
        ):
            r.read()
    assert refused.status_code == 502 and "thinking" in refused.json()["error"]["message"]


def test_messages_requests_are_left_alone(api: FakeMessagesAPI) -> None:
    request = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "Hi"}]}
    with client(api) as c:
        via = c.post(
            "/v1/messages", json={**request, "stream": True}, headers=headers("2023-06-01")
        )
    with httpx.Client(base_url=api.url, timeout=10) as plain:
        direct = plain.post(
            "/v1/messages", json={**request, "stream": True}, headers=headers("2023-06-01")
        )
    assert via.content == direct.content.replace(b"msg_fake0002", b"msg_fake0001")


def test_httpx2_flavour(api: FakeMessagesAPI) -> None:
    httpx2 = pytest.importorskip("httpx2", reason="httpx2 is installed on Python 3.11+ only")
    flavour = importlib.import_module("sseconv.httpx2")
    transport = flavour.ConvertingTransport(httpx2.HTTPTransport(), complete_via_messages=True)
    with httpx2.Client(transport=transport, base_url=api.url, timeout=10) as c:
        response = c.post("/v1/complete", json=body(), headers=headers())
        refused = c.post("/v1/complete", json=body(prompt="Hi"), headers=headers())
    assert isinstance(response, httpx2.Response)
    assert response.json()["completion"] == TEXT
    assert refused.status_code == 400 and isinstance(refused, httpx2.Response)


def test_a_compressed_whole_answer_is_decoded() -> None:
    import gzip

    answer = {
        "id": "msg_z",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [{"type": "text", "text": "zipped"}],
        "stop_reason": "max_tokens",
        "stop_sequence": None,
    }

    def upstream(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/messages"
        return httpx.Response(
            200,
            headers={"content-type": "application/json", "content-encoding": "gzip"},
            content=gzip.compress(json.dumps(answer).encode()),
        )

    transport = ConvertingTransport(httpx.MockTransport(upstream), complete_via_messages=True)
    with httpx.Client(transport=transport, base_url="http://api.test") as c:
        response = c.post("/v1/complete", json=body(), headers=headers("2023-06-01"))
    assert "content-encoding" not in response.headers
    assert (response.json()["completion"], response.json()["stop_reason"]) == (
        "zipped",
        "max_tokens",
    )
