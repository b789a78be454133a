"""One rule for a ``models=`` table (a model name -> the name to send), the same at every entry
point that takes one: the request translations, :class:`CompleteExchange`, the httpx transports
and the 2023 client, recordings, the gateway. Each refuses the same bad table with the same
``UsageError`` (the transports, the client and the gateway when they are made, recordings before
anything is read) and sends the same name with the same good table."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx
import pytest
from streams import message_start

import sseconv
import sseconv.legacy_client as anthropic
from sseconv import recordings
from sseconv.httpx import AsyncConvertingTransport, ConvertingTransport
from sseconv.serve import Gateway, GatewayOptions, serving
from sseconv.translate import CompleteExchange, complete_to_messages, messages_to_complete

RECORDING = Path(__file__).resolve().parent / "fixtures" / "recordings" / "legacy-ruby-vcr.yml"
PROMPT = "\n\nHuman: Hello\n\nAssistant:"
VERSION = {"anthropic-version": "2023-06-01"}
COMPLETE = {"model": "claude-v1", "prompt": PROMPT, "max_tokens_to_sample": 5}
MESSAGES = {"model": "claude-v1", "max_tokens": 5, "messages": [{"role": "user", "content": "Hi"}]}
# the upstream's answer to a translated request
MESSAGE = {
    **message_start()["message"],
    "content": [{"type": "text", "text": "Hi"}],
    "stop_reason": "end_turn",
}
EXPECTED = "expected models as a mapping of model names to model names, found "

BAD: list[tuple[Any, str]] = [
    (5, "5"),
    ("claude-v1=claude-custom", "'claude-v1=claude-custom'"),
    (["claude-v1"], "['claude-v1']"),
    ({"claude-v1": 1}, "the entry 'claude-v1': 1"),
    ({"claude-v1": None}, "the entry 'claude-v1': None"),
    ({"claude-v1": "claude-custom", 2: "x"}, "the entry 2: 'x'"),
    ({("claude", "v1"): "claude-custom"}, "the entry ('claude', 'v1'): 'claude-custom'"),
    (  # a long value: its first 60 characters
        [f"claude-{n}" for n in range(40)],
        "['claude-0', 'claude-1', 'claude-2', 'claude-3', 'claude-4',",
    ),
]
# Any strings are names (the API judges them): an empty one too, as every entry point took it.
GOOD: list[Mapping[str, str]] = [
    {"claude-v1": "claude-custom"},
    MappingProxyType({"claude-v1": "claude-custom", "claude-2": "claude-other"}),
    {"claude-v1": "claude-custom", "": ""},
]


class Upstream:
    """An upstream ``/v1/messages`` as an httpx mock: answers :data:`MESSAGE`, keeps the
    model of each request."""

    def __init__(self) -> None:
        self.models: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/messages"
        self.models.append(json.loads(request.content)["model"])
        return httpx.Response(200, json=MESSAGE)


def _translation(models: Any) -> str:
    return str(complete_to_messages(COMPLETE, models=models)["model"])


def _reverse_translation(models: Any) -> str:
    return str(messages_to_complete(MESSAGES, models=models)["model"])


def _exchange(models: Any) -> str:
    body = json.dumps(COMPLETE).encode()
    exchange = CompleteExchange.from_request(VERSION, body, models=models)
    return str(exchange.upstream_request["model"])


def _transport(models: Any) -> str:
    upstream = Upstream()
    transport = ConvertingTransport(
        httpx.MockTransport(upstream), complete_via_messages=True, models=models
    )
    with httpx.Client(transport=transport, base_url="http://api.test") as client:
        answer = client.post(
            "/v1/complete", json=COMPLETE, headers={"anthropic-version": "2023-06-01"}
        )
    assert answer.status_code == 200 and answer.json()["completion"] == "Hi"
    [model] = upstream.models
    return model


def _async_transport(models: Any) -> str:
    upstream = Upstream()
    transport = AsyncConvertingTransport(
        httpx.MockTransport(upstream), complete_via_messages=True, models=models
    )

    async def post() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            return await client.post("/v1/complete", json=COMPLETE, headers=VERSION)

    answer = asyncio.run(post())
    assert answer.status_code == 200 and answer.json()["completion"] == "Hi"
    [model] = upstream.models
    return model


def _client(models: Any) -> str:
    upstream = Upstream()
    client = anthropic.Client("k", models=models, transport=httpx.MockTransport(upstream))
    try:
        assert client.completion(**COMPLETE)["completion"] == "Hi"
    finally:
        client.close()
    [model] = upstream.models
    return model


def _recording(models: Any) -> str:
    recording = recordings.read(RECORDING)
    result = recordings.convert_document(recording.document, "messages", models=models)
    [stream] = result.streams  # (the other interaction is not a stream)
    interaction = result.document["http_interactions"][stream.index]
    assert interaction["request"]["uri"] == "https://api.anthropic.com/v1/messages"
    return str(json.loads(interaction["request"]["body"]["string"])["model"])


def _gateway(models: Any) -> str:
    upstream = Upstream()
    gateway = Gateway(
        GatewayOptions("http://api.test", models=models), transport=httpx.MockTransport(upstream)
    )
    with serving(gateway) as server, httpx.Client(timeout=10, trust_env=False) as client:
        headers = {"x-api-key": "k", **VERSION}
        answer = client.post(f"{server.url}/v1/complete", json=COMPLETE, headers=headers)
    assert answer.status_code == 200 and answer.json()["completion"] == "Hi"
    [model] = upstream.models
    return model


def _gateway_override(models: Any) -> str:
    """``Gateway(url, models=...)``: the same field through the keyword arguments."""
    return Gateway("http://api.test", models=models).options.models.get("claude-v1", "claude-v1")


ENTRY_POINTS: dict[str, Callable[[Any], str]] = {
    "complete_to_messages": _translation,
    "messages_to_complete": _reverse_translation,
    "CompleteExchange": _exchange,
    "ConvertingTransport": _transport,
    "AsyncConvertingTransport": _async_transport,
    "legacy_client.Client": _client,
    "recordings.convert_document": _recording,
    "GatewayOptions": _gateway,
    "Gateway overrides": _gateway_override,
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(("models", "found"), BAD)
def test_a_bad_table_is_the_same_usage_error(entry: str, models: Any, found: str) -> None:
    with pytest.raises(sseconv.UsageError) as info:
        ENTRY_POINTS[entry](models)
    assert info.value.message == EXPECTED + found


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("models", GOOD)
def test_a_good_table_maps_the_same_everywhere(entry: str, models: Mapping[str, str]) -> None:
    assert ENTRY_POINTS[entry](models) == "claude-custom"


def test_bad_tables_are_refused_before_anything_is_sent() -> None:
    """The transports, the 2023 client and the gateway check the table when they are made,
    as they check their other options, not at the first ``/v1/complete`` request."""
    upstream = Upstream()
    mock = httpx.MockTransport(upstream)
    bad: Any = {"a": 1}
    for make in (
        lambda: ConvertingTransport(mock, complete_via_messages=True, models=bad),
        lambda: AsyncConvertingTransport(mock, complete_via_messages=True, models=bad),
        lambda: anthropic.Client("k", models=bad, transport=mock),
        lambda: GatewayOptions("http://api.test", models=bad),
        lambda: Gateway("http://api.test", models=bad),
    ):
        with pytest.raises(sseconv.UsageError) as info:
            make()
        assert info.value.message == EXPECTED + "the entry 'a': 1"
    assert upstream.models == []


def test_no_table_is_each_entry_point_s_default() -> None:
    """``None``: the translations' default (:data:`RETIRED_MODELS` one way, names kept the
    other), recordings and transports the same; the gateway adds nothing to the defaults."""
    from sseconv.translate import RETIRED_MODELS

    assert _translation(None) == RETIRED_MODELS["claude-v1"]
    assert _reverse_translation(None) == "claude-v1"
    assert _transport(None) == RETIRED_MODELS["claude-v1"]
    assert _recording(None) == RETIRED_MODELS["claude-v1"]
    assert GatewayOptions("http://api.test", models=None).models == {}  # type: ignore[arg-type]
    assert _gateway(None) == RETIRED_MODELS["claude-v1"]


def test_the_table_is_copied_when_checked() -> None:
    """A table changed after a transport or the gateway took it changes nothing there."""
    table = {"claude-v1": "claude-custom"}
    options = GatewayOptions("http://api.test", models=table)
    upstream = Upstream()
    transport = ConvertingTransport(
        httpx.MockTransport(upstream), complete_via_messages=True, models=table
    )
    table["claude-v1"] = "claude-changed"
    assert options.models == {"claude-v1": "claude-custom"}
    with httpx.Client(transport=transport, base_url="http://api.test") as client:
        client.post("/v1/complete", json=COMPLETE, headers=VERSION)
    assert upstream.models == ["claude-custom"]
