"""The real clients through the gateway (a real uvicorn server on 127.0.0.1), against the fake
of today's API (``compat.fake_messages``: only ``/v1/messages``, validating requests as strictly
as the real API).

* ``anthropic==0.2.10`` (requests, and aiohttp with ``--async``) with ``api_url`` = the gateway,
  and ``anthropic==0.3.11`` (httpx 0.24) with ``base_url`` = the gateway, each in its cached
  pinned virtualenv, unmodified: they must get the text, stop reason, stop sequence and errors
  (an ``overloaded_error`` in the stream; HTTP 429/529 as their own exceptions) the 2023 API
  gave them; streaming and not.
* Today's SDK (in-process) on ``/v1/messages`` through the gateway: its bytes arrive unchanged,
  and it reads what it reads from the API directly.

Expected values come from the fake's replies and the 2023 API's documented behaviour (a turn
that ends is ``stop_reason: "stop_sequence"``, ``stop: "\\n\\nHuman:"``), never from sseconv.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import anthropic
import httpx2
import pytest
from compat import (
    CompletionsResult,
    LegacyResult,
    WheelsUnavailable,
    client_python,
    read_messages,
    run_2023_01_01_urls,
    run_2023_06_01_urls,
)
from compat.fake_messages import FakeMessagesAPI, RecordedCall, Reply
from fake_upstream import fake_upstream
from streams import HUMAN, read_fixture

from sseconv.serve import Gateway, RunningServer, serving
from sseconv.translate import RETIRED_MODELS

pytestmark = pytest.mark.compat

OVERLOADED = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
HTTP_ERRORS = {
    429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
    529: ("overloaded_error", "Overloaded"),
}


def http_error_body(status: int) -> dict[str, Any]:
    """The fake's error JSON for an HTTP error status (as the real API writes it)."""
    kind, message = HTTP_ERRORS[status]
    return {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_fake"}


@dataclass(frozen=True)
class Case:
    """One request: the fake's reply and what the 2023 client must end up with."""

    reply: Reply
    text: str = ""
    stop_reason: str | None = None
    stop: str | None = None
    stream_error: bool = False  # an overloaded_error event after some text
    status: int | None = None  # an HTTP error answer


@dataclass(frozen=True)
class Group:
    """Requests made by one client process with the same arguments."""

    cases: dict[str, Case]
    kwargs: dict[str, Any] | None = None
    stream: bool = True


def turn_end(reply: Reply, text: str) -> Case:
    """A reply whose turn ends: the 2023 API said ``stop_sequence`` and ``"\\n\\nHuman:"``."""
    return Case(reply, text, "stop_sequence", HUMAN)


GROUPS: dict[str, Group] = {
    "stream": Group(
        {
            "text": turn_end(Reply(), "Hello! My name is Claude."),
            "many_pings": turn_end(Reply(pieces=("A", "B"), pings=5), "AB"),
            "non_ascii": turn_end(
                Reply(pieces=(" Grüße", " ☕🎉", ' "q" \\')), ' Grüße ☕🎉 "q" \\'
            ),
            "overloaded_mid_stream": Case(Reply(stream_error_after=2), "Hello!", stream_error=True),
            "http_429": Case(Reply(status=429), status=429),
            "http_529": Case(Reply(status=529), status=529),
        }
    ),
    "limits": Group(
        {
            "max_tokens": Case(
                Reply(pieces=("Hello", "!", " My", " name")), "Hello! My", "max_tokens", None
            ),
            "stop_sequence": Case(
                Reply(pieces=("Hi", " name", "x")), "Hi", "stop_sequence", " name"
            ),
        },
        kwargs={"max_tokens_to_sample": 3, "stop_sequences": [HUMAN, " name"]},
    ),
    "whole": Group(
        {
            "text": turn_end(Reply(), "Hello! My name is Claude."),
            "http_529": Case(Reply(status=529), status=529),
        },
        stream=False,
    ),
}
CASES = [(group, name) for group, g in GROUPS.items() for name in g.cases]
CLIENTS: dict[str, Callable[..., Sequence[Any]]] = {
    "anthropic-0.2.10": run_2023_01_01_urls,
    "anthropic-0.3.11": run_2023_06_01_urls,
}


def client_env(name: str) -> None:
    """Build (or find) the client's pinned environment; skip where its wheels do not exist."""
    try:
        client_python(name)
    except WheelsUnavailable as exc:
        pytest.skip(f"{name}: pinned wheels unavailable for this Python: {exc}")


@pytest.fixture(scope="module")
def api() -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI() as fake:
        yield fake


@pytest.fixture(scope="module")
def gateway(api: FakeMessagesAPI) -> Iterator[RunningServer]:
    with serving(Gateway(api.url)) as server:
        yield server


Run = dict[tuple[str, str], tuple[Any, RecordedCall | None]]


@pytest.fixture(
    scope="module",
    params=[
        ("anthropic-0.2.10", False),
        ("anthropic-0.2.10", True),
        ("anthropic-0.3.11", False),
        ("anthropic-0.3.11", True),
    ],
    ids=["0.2.10-requests", "0.2.10-aiohttp", "0.3.11-sync", "0.3.11-async"],
)
def runs(request: pytest.FixtureRequest, api: FakeMessagesAPI, gateway: RunningServer) -> Run:
    """Every case, by one client in one mode: one client process per group, requests in
    order (the fake answers them with the group's replies in the same order)."""
    env, use_async = request.param
    client_env(env)
    out: Run = {}
    for group_name, group in GROUPS.items():
        api.script(*(case.reply for case in group.cases.values()))
        first = len(api.requests)
        results = CLIENTS[env](
            [gateway.url] * len(group.cases),
            use_async=use_async,
            stream=group.stream,
            kwargs=group.kwargs,
        )
        calls = api.requests[first:]
        assert len(calls) == len(group.cases), [c.path for c in calls]
        for name, result, call in zip(group.cases, results, calls, strict=True):
            out[group_name, name] = (result, call)
    return out


@pytest.mark.parametrize(("group", "name"), CASES, ids=[f"{g}-{n}" for g, n in CASES])
def test_2023_client_through_gateway(runs: Run, group: str, name: str) -> None:
    case = GROUPS[group].cases[name]
    result, call = runs[group, name]
    assert call is not None
    # The translated request passed the strict fake (or was refused only by the reply).
    assert call.path == "/v1/messages"
    assert call.status == (case.status or 200), call.error
    assert call.headers["anthropic-version"] == "2023-06-01"
    assert call.headers["x-api-key"] == "test-key"
    if result["client"] == "anthropic==0.2.10":
        check_legacy(case, result, GROUPS[group].stream)
    else:
        check_completions(case, result)


def check_legacy(case: Case, result: LegacyResult, stream: bool) -> None:
    if case.status is not None:
        error = result["error"]
        assert error is not None and error["type"] == "ApiException"
        assert error["args"][0] == f"post request failed with status code: {case.status}"
        assert ast.literal_eval(error["args"][1]) == http_error_body(case.status)
        assert result["events"] == []
        return
    assert result["error"] is None, result["error"]
    assert result["text"] == case.text
    assert result["truncated"] is False
    if stream:
        texts = result["texts"]
        assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(texts))
    if case.stream_error:
        assert result["exception"] == "overloaded_error: Overloaded"
        assert result["stop_reason"] is None
        return
    assert result["exception"] is None
    assert (result["stop_reason"], result["stop"]) == (case.stop_reason, case.stop)
    if not stream:
        (completion,) = result["events"]
        assert list(completion) == [
            "completion",
            "stop",
            "stop_reason",
            "truncated",
            "log_id",
            "model",
            "exception",
        ]


def check_completions(case: Case, result: CompletionsResult) -> None:
    error = result["error"]
    if case.status is not None:
        assert error is not None
        expected = {429: "RateLimitError", 529: "InternalServerError"}[case.status]
        assert (error["type"], error["status_code"]) == (expected, case.status)
        assert error["body"] == http_error_body(case.status)
        assert result["events"] == []
        return
    assert result["text"] == case.text
    if case.stream_error:
        assert error == {
            "type": "APIStatusError",
            "module": "anthropic",
            "message": str(OVERLOADED),
            "status_code": 200,
            "body": OVERLOADED,
        }
        assert result["stop_reason"] is None
        return
    assert error is None, error
    assert (result["stop_reason"], result["stop"]) == (case.stop_reason, case.stop)


def test_translated_requests(runs: Run) -> None:
    """What the fake received for the first request of each client: the model through the
    retired-model table, the prompt as one user turn, the old stop sequence dropped."""
    result, call = runs["stream", "text"]
    assert call is not None
    model = "claude-v1" if result["client"] == "anthropic==0.2.10" else "claude-instant-1"
    assert call.json["model"] == RETIRED_MODELS[model]
    assert call.json["messages"] == [{"role": "user", "content": "Hello"}]
    assert call.json["max_tokens"] == 100
    assert call.json["stream"] is True
    assert HUMAN not in call.json.get("stop_sequences", [])
    limited = runs["limits", "stop_sequence"][1]
    assert limited is not None
    assert limited.json["stop_sequences"] == [" name"]
    assert limited.json["max_tokens"] == 3


def test_0_3_11_prompt_refused_as_by_the_old_api(
    api: FakeMessagesAPI, gateway: RunningServer
) -> None:
    """A prompt the 2023 API refused is refused by the gateway with its 400, which 0.3.11 raises
    as BadRequestError; nothing reaches the upstream."""
    client_env("anthropic-0.3.11")
    before = len(api.requests)
    (result,) = run_2023_06_01_urls([gateway.url], kwargs={"prompt": "\n\nHuman: Hello"})
    assert len(api.requests) == before
    error = result["error"]
    assert error is not None
    assert (error["type"], error["status_code"]) == ("BadRequestError", 400)
    assert error["body"]["type"] == "error"
    assert error["body"]["error"]["type"] == "invalid_request_error"
    assert "Assistant" in error["body"]["error"]["message"]


# -- today's SDK on /v1/messages --------------------------------------------------------------


class _Tee(httpx2.SyncByteStream):
    def __init__(self, stream: Any, sink: bytearray) -> None:
        self._stream = stream
        self._sink = sink

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            self._sink += chunk
            yield chunk

    def close(self) -> None:
        self._stream.close()


class RecordingTransport(httpx2.BaseTransport):
    """A real HTTP transport that keeps the response body bytes as they came off the wire."""

    def __init__(self) -> None:
        self._inner = httpx2.HTTPTransport(trust_env=False)
        self.body = bytearray()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self._inner.handle_request(request)
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=_Tee(response.stream, self.body),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


def sdk_read(base_url: str) -> tuple[dict[str, Any], bytes]:
    """Today's SDK streaming one message from ``base_url`` (``messages.stream()``): what it
    yielded, its final message (or the snapshot and the error), and the bytes it received."""
    recorder = RecordingTransport()
    client = anthropic.Anthropic(
        api_key="test-key",
        base_url=base_url,
        http_client=httpx2.Client(transport=recorder),
        max_retries=0,
    )
    texts: list[str] = []
    out: dict[str, Any] = {"error": None}
    with client:
        try:
            with client.messages.stream(
                model="claude-sonnet-4-5",
                max_tokens=64,
                messages=[{"role": "user", "content": "Hello"}],
            ) as stream:
                texts.extend(stream.text_stream)
                message = stream.get_final_message()
            out["message"] = message.to_dict(mode="json", warnings=False)
        except anthropic.APIStatusError as exc:
            out["error"] = (type(exc).__name__, exc.status_code, exc.body)
    out["texts"] = texts
    return out, bytes(recorder.body)


def test_today_sdk_bytes_unchanged() -> None:
    """A recorded Messages stream, in pieces cut mid-line, through the gateway: the SDK gets the
    very bytes, and reads what it reads directly."""
    fixture = read_fixture("messages-text-capture.sse")
    pieces = [fixture[i : i + 37] for i in range(0, len(fixture), 37)]
    with (
        fake_upstream({"fx/v1/messages": pieces}) as upstream,
        serving(Gateway(upstream.url)) as gateway,
    ):
        via_gateway, received = sdk_read(f"{gateway.url}/stream/fx")
    assert received == fixture
    direct = read_messages(fixture)
    assert via_gateway["error"] is None
    assert via_gateway["texts"] == direct["texts"]
    assert via_gateway["message"] == direct["message"]


@pytest.mark.parametrize(
    "reply",
    [Reply(), Reply(stream_error_after=3, pings=3), Reply(status=529), Reply(status=429)],
    ids=["text", "overloaded-mid-stream", "http-529", "http-429"],
)
def test_today_sdk_same_through_gateway(
    api: FakeMessagesAPI, gateway: RunningServer, reply: Reply
) -> None:
    """The same reply read directly from the fake and through the gateway: the same texts,
    message and errors, and the same bytes but for the message id (the fake numbers them)."""
    api.script(reply)
    direct, direct_bytes = sdk_read(api.url)
    api.script(reply)
    through, through_bytes = sdk_read(gateway.url)
    for result in (direct, through):
        result.get("message", {}).pop("id", None)
    assert through == direct
    assert _without_ids(through_bytes) == _without_ids(direct_bytes)
    if reply.status != 200:
        assert through["error"][1] == reply.status
    elif reply.stream_error_after is not None:
        assert through["error"] == ("APIStatusError", 200, OVERLOADED)


def _without_ids(data: bytes) -> bytes:
    return bytes(re.sub(rb"msg_fake\d+", b"msg_fake", data))
