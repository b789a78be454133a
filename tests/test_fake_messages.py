"""The fake Messages API used by the request-translation tests is as strict as the real one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from compat.fake_messages import FakeMessagesAPI, Reply

import sseconv

HEADERS = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
VALID: dict[str, Any] = {
    "model": "m",
    "max_tokens": 100,
    "messages": [{"role": "user", "content": "Hi"}],
}


@pytest.fixture(scope="module")
def api() -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI() as server:
        yield server


CLIENT = httpx.Client(timeout=10)


def post(api: FakeMessagesAPI, body: Any, headers: dict[str, str] = HEADERS) -> httpx.Response:
    return CLIENT.post(f"{api.url}/v1/messages", json=body, headers=headers)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"max_tokens": 0}, "max_tokens: Input should be a valid integer"),
        ({"messages": []}, "messages: at least one message"),
        ({"messages": [{"role": "assistant", "content": "x"}]}, "first message must use"),
        (
            {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]},
            'multiple "user" roles in a row',
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "a"},
                    {"role": "assistant", "content": "b "},
                ]
            },
            "final assistant content cannot end with trailing whitespace",
        ),
        ({"messages": [{"role": "user", "content": " "}]}, "non-whitespace text"),
        ({"messages": [{"role": "user", "content": ""}]}, "non-empty content"),
        ({"prompt": "x"}, "prompt: Extra inputs are not permitted"),
        ({"temperature": 2}, "temperature: Input should be a number between 0 and 1"),
        ({"metadata": {"team": "x"}}, "metadata.team: Extra inputs"),
        ({"stop_sequences": ["\n\n"]}, "stop_sequences: each stop sequence"),
    ],
)
def test_invalid_requests_are_refused(
    api: FakeMessagesAPI, change: dict[str, Any], message: str
) -> None:
    response = post(api, {**VALID, **change})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and message in error["message"]


@pytest.mark.parametrize("key", ["temperature", "top_p", "top_k"])
def test_sampling_parameters_are_refused_from_2026_10_21(api: FakeMessagesAPI, key: str) -> None:
    body = {**VALID, key: 1}
    assert post(api, body).status_code == 200
    response = post(api, body, {**HEADERS, "anthropic-version": "2026-10-21"})
    assert response.status_code == 400 and key in response.json()["error"]["message"]
    assert post(api, VALID, {**HEADERS, "anthropic-version": "2026-10-21"}).status_code == 200


def test_headers_and_paths(api: FakeMessagesAPI) -> None:
    assert post(api, VALID, {"anthropic-version": "2023-06-01"}).status_code == 401
    assert post(api, VALID, {"x-api-key": "k"}).json()["error"]["message"] == (
        "anthropic-version: header is required"
    )
    assert post(api, VALID, {**HEADERS, "anthropic-version": "2023-01-01"}).status_code == 400
    complete = CLIENT.post(f"{api.url}/v1/complete", json=VALID, headers=HEADERS)
    assert complete.status_code == 404


def test_generation_stops_at_stop_sequences_and_max_tokens(api: FakeMessagesAPI) -> None:
    api.script(Reply(pieces=("a", "bX", "c")), Reply(pieces=("a", "b", "c")), Reply())
    first = post(api, {**VALID, "stop_sequences": ["X", "c"]}).json()
    assert (first["content"][-1]["text"], first["stop_reason"], first["stop_sequence"]) == (
        "ab",
        "stop_sequence",
        "X",
    )
    second = post(api, {**VALID, "max_tokens": 2}).json()
    assert (second["content"][-1]["text"], second["stop_reason"]) == ("ab", "max_tokens")
    third = post(api, VALID).json()
    assert (third["content"][-1]["text"], third["stop_reason"]) == (Reply().text, "end_turn")


def test_streams_and_injected_errors(api: FakeMessagesAPI) -> None:
    api.script(Reply(pieces=("a", "b")), Reply(pieces=("a", "b"), stream_error_after=1))
    api.script(Reply(status=529), Reply(status=429))
    events = list(sseconv.parse_events([post(api, {**VALID, "stream": True}).content]))
    assert "".join(e.text for e in events if isinstance(e, sseconv.TextDelta)) == "ab"
    assert isinstance(events[-1], sseconv.StreamEnd)
    broken = list(sseconv.parse_events([post(api, {**VALID, "stream": True}).content]))
    assert [e.text for e in broken if isinstance(e, sseconv.TextDelta)] == ["a"]
    assert isinstance(broken[-1], sseconv.StreamError) and broken[-1].type == "overloaded_error"
    overloaded = post(api, VALID)
    assert overloaded.status_code == 529
    assert json.loads(overloaded.content)["error"]["type"] == "overloaded_error"
    assert post(api, VALID).json()["error"]["type"] == "rate_limit_error"
