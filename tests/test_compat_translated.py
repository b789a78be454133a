"""Real 2023 clients against an upstream that has only /v1/messages (the strict fake).

* ``anthropic==0.3.11`` and ``anthropic==0.40.0`` with
  ``ConvertingTransport(complete_via_messages=True)`` plugged in (their own pinned virtualenvs,
  sseconv from this work tree), sync and async, stream and not.
* The same 2023-01-01 program that drives the real ``anthropic==0.2.10`` (``read_2023_01_01``),
  with its one import line changed to ``sseconv.legacy_client``.

Each gets what it got from the 2023 API: the reference is the real 2023 client reading the
stream the 2023 API sent for the same generation (built from the fake's script, never from
sseconv), or the 2023 API's rules where a reference run is not possible.
"""

from __future__ import annotations

import ast
import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from compat import (
    StreamSpec,
    WheelsUnavailable,
    client_python,
    run_2023_01_01_many,
    run_2023_06_01_many,
    run_2023_06_01_transport,
)
from compat import read_2023_01_01 as program_2023_01_01
from compat.fake_messages import FakeMessagesAPI, Reply
from streams import completions_stream, legacy_stream

import sseconv.legacy_client

pytestmark = pytest.mark.compat

HUMAN = "\n\nHuman:"
AI = "\n\nAssistant:"
PIECES = ("Hello", "!", " My", " name", " is", " Claude", ".")
LONG = ("a",) * 120  # more pieces than max_tokens_to_sample=100: ends with max_tokens
OVERLOADED = ("overloaded_error", "Overloaded")


@pytest.fixture
def api() -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI() as server:
        yield server


def require(env: str) -> None:
    """Build (or find) a client virtualenv; skip when its pinned wheels do not exist here."""
    try:
        client_python(env)
    except WheelsUnavailable as exc:
        pytest.skip(f"{env}: pinned wheels unavailable for this Python: {exc}")


# -- anthropic 0.2.10's program, with sseconv.legacy_client -------------------------------------

# (the fake's reply, the stream the 2023-01-01 API sent for the same generation)
LEGACY_CASES: dict[str, tuple[Reply, bytes | StreamSpec]] = {
    "end_turn": (Reply(pieces=PIECES), legacy_stream(PIECES)),
    "max_tokens": (
        Reply(pieces=LONG),
        legacy_stream(LONG[:100], stop_reason="max_tokens", stop=None),
    ),
    "overloaded mid-stream": (
        Reply(pieces=PIECES, stream_error_after=3),
        legacy_stream(PIECES[:3], exception="overloaded_error: Overloaded", done=False),
    ),
    "429": (
        Reply(status=429),
        StreamSpec(
            json.dumps({"error": {"type": "rate_limit_error", "message": "slow"}}).encode(),
            status=429,
            content_type="application/json",
        ),
    ),
    "529": (
        Reply(status=529),
        StreamSpec(
            json.dumps({"error": {"type": "overloaded_error", "message": "Overloaded"}}).encode(),
            status=529,
            content_type="application/json",
        ),
    ),
}


LEGACY_TEXTS = {
    "end_turn": "".join(PIECES),
    "max_tokens": "a" * 100,
    "overloaded mid-stream": "".join(PIECES[:3]),
    "429": "",
    "529": "",
}


def _dicts(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    keys = ("completion", "stop", "stop_reason", "truncated", "exception")
    return [tuple(event[k] for k in keys) for event in result["events"]]


def _error(result: dict[str, Any]) -> tuple[Any, ...] | None:
    error = result["error"]
    if error is None:
        return None
    body = ast.literal_eval(error["args"][1]) if len(error["args"]) > 1 else None
    return (error["type"], error["args"][0], body and body["error"]["type"])


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_the_2023_01_01_program_gets_what_the_2023_api_gave(
    api: FakeMessagesAPI, use_async: bool
) -> None:
    require("anthropic-0.2.10")
    names = list(LEGACY_CASES)
    reference = run_2023_01_01_many([LEGACY_CASES[n][1] for n in names], use_async=use_async)
    api.script(*(LEGACY_CASES[n][0] for n in names))
    for name, expected in zip(names, reference, strict=True):
        if use_async:
            line = asyncio.run(program_2023_01_01.read_async(sseconv.legacy_client, api.url))
        else:
            line = program_2023_01_01.read_sync(sseconv.legacy_client, api.url)
        got = json.loads(line)
        assert _dicts(got) == _dicts(dict(expected)), name
        assert _error(got) == _error(dict(expected)), name
        assert got["text"] == LEGACY_TEXTS[name]
    assert expected["error"] is not None  # the last case is an HTTP error in both
    # Every request reached the upstream as a valid Messages request.
    assert [call.status for call in api.requests] == [200, 200, 200, 429, 529]
    assert api.requests[0].json["messages"] == [{"role": "user", "content": "Hello"}]


# -- anthropic 0.3.11 with the transport ------------------------------------------------------

KWARGS = {"prompt": f"{HUMAN} Hello{AI}", "model": "claude-instant-1", "max_tokens_to_sample": 100}

# (the fake's reply, the stream the 2023-06-01 API sent, extra request fields)
COMPLETIONS_CASES: dict[str, tuple[Reply, bytes, dict[str, Any]]] = {
    "end_turn": (Reply(pieces=PIECES), completions_stream(PIECES), {}),
    "stop sequence": (
        Reply(pieces=(*PIECES, " END", " more")),
        completions_stream(PIECES, stop=" END"),
        {"stop_sequences": [HUMAN, " END"]},
    ),
    "max_tokens": (
        Reply(pieces=LONG),
        completions_stream(LONG[:100], stop_reason="max_tokens", stop=None),
        {},
    ),
    "overloaded mid-stream": (
        Reply(pieces=PIECES, stream_error_after=2),
        completions_stream(PIECES[:2], error=OVERLOADED),
        {},
    ),
}


def _outcome(result: dict[str, Any]) -> tuple[Any, ...]:
    error = result["error"]
    error_info = None
    if error is not None:
        body = error["body"]
        error_info = (error["type"], error["status_code"], body["error"]["type"])
    return (result["text"], result["stop_reason"], result["stop"], error_info)


# (the client's environment as it read the 2023 API, the same client with sseconv)
ENVS = [
    pytest.param(("anthropic-0.3.11", "anthropic-0.3.11-sseconv"), id="0.3.11"),
    pytest.param(("anthropic-0.40-sseconv", "anthropic-0.40-sseconv"), id="0.40"),
]


@pytest.mark.parametrize("envs", ENVS)
@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_the_sdk_with_the_transport_streams_what_the_2023_api_gave(
    api: FakeMessagesAPI, use_async: bool, envs: tuple[str, str]
) -> None:
    reference_env, env = envs
    require(reference_env)
    require(env)
    names = list(COMPLETIONS_CASES)
    # The reference run needs the request fields fixed by read_2023_06_01.py; the stop
    # sequence case differs only in what the stream says, which is what is compared.
    reference = run_2023_06_01_many(
        [COMPLETIONS_CASES[n][1] for n in names], use_async=use_async, env=reference_env
    )
    api.script(*(COMPLETIONS_CASES[n][0] for n in names))
    scenarios = [
        {"stream": True, "async": use_async, "kwargs": {**KWARGS, **COMPLETIONS_CASES[n][2]}}
        for n in names
    ]
    results = run_2023_06_01_transport(api.url, scenarios, env=env)
    for name, got, expected in zip(names, results, reference, strict=True):
        assert got["sseconv"].startswith(str(sseconv.legacy_client.__file__).rsplit("/", 1)[0])
        assert got["texts"] == expected["texts"], name
        assert got["texts"], name
        assert _outcome(got) == _outcome(dict(expected)), name
    assert results[-1]["error"]["type"] == "APIStatusError"
    assert api.requests[1].json["stop_sequences"] == [" END"]
    assert {call.headers["anthropic-version"] for call in api.requests} == {"2023-06-01"}


@pytest.mark.parametrize("envs", ENVS)
@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_the_sdk_with_the_transport_non_stream_and_http_errors(
    api: FakeMessagesAPI, use_async: bool, envs: tuple[str, str]
) -> None:
    env = envs[1]
    require(env)
    api.script(Reply(pieces=PIECES), Reply(pieces=LONG), Reply(status=429), Reply(status=529))
    scenarios = [
        {"stream": False, "async": use_async, "kwargs": KWARGS},
        {"stream": False, "async": use_async, "kwargs": KWARGS},
        {"stream": True, "async": use_async, "kwargs": KWARGS},
        {"stream": False, "async": use_async, "kwargs": KWARGS},
        {"stream": False, "async": use_async, "kwargs": {**KWARGS, "prompt": "Hello"}},
    ]
    results = run_2023_06_01_transport(api.url, scenarios, env=env)
    # What the SDK got from the 2023 API: a natural end is stop_sequence "\n\nHuman:";
    # 429 is RateLimitError, >= 500 InternalServerError, a refused prompt BadRequestError.
    assert [_outcome(r) for r in results] == [
        ("".join(PIECES), "stop_sequence", HUMAN, None),
        ("a" * 100, "max_tokens", None, None),
        ("", None, None, ("RateLimitError", 429, "rate_limit_error")),
        ("", None, None, ("InternalServerError", 529, "overloaded_error")),
        ("", None, None, ("BadRequestError", 400, "invalid_request_error")),
    ]
    assert results[-1]["error"]["body"]["error"]["message"] == (
        'prompt must start with "\n\nHuman:" turn after an optional system prompt'
    )
    assert len(api.requests) == 4  # the refused prompt never went upstream
    assert results[0]["model"] == "claude-haiku-4-5"
