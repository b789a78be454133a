"""An error answer instead of a stream: what the real ``anthropic==0.2.10`` raised, and what
``legacy_completions`` raises for the same answer from the same loopback server.

0.2.10 raised ``ApiException("post request failed with status code: N", <the parsed body>)``
for any status other than 200 (sync and async alike). ``legacy_completions`` raises
:class:`sseconv.APIError` carrying the same status and the same parsed error, so code that
caught ``ApiException`` maps one to one. The one deliberate difference: a 200
``text/event-stream`` answer whose body is the error JSON, which 0.2.10 yielded as if it were a
completion dict, is an ``APIError`` too.
"""

from __future__ import annotations

import ast
import json

import httpx
import pytest
from compat import StreamSpec, run_2023_01_01_many
from compat.server import serve_streams

import sseconv

pytestmark = pytest.mark.compat

ANSWERS = [
    (
        401,
        b'{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}',
    ),
    (429, b'{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}'),
    (529, b'{"error":{"type":"overloaded_error","message":"Overloaded"}}'),
]
SPECS = [
    StreamSpec(body, status=status, content_type="application/json") for status, body in ANSWERS
]


def _ours(spec: StreamSpec) -> sseconv.APIError:
    with serve_streams([spec]) as server, httpx.Client(timeout=10) as client:
        url = server.url(0) + "v1/complete"
        with (
            client.stream("POST", url, json={"stream": True}) as response,
            pytest.raises(sseconv.APIError) as info,
        ):
            list(sseconv.legacy_completions(response))
    return info.value


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_api_exception_and_api_error_carry_the_same(use_async: bool) -> None:
    results = run_2023_01_01_many(SPECS, use_async=use_async)
    for (status, body), spec, result in zip(ANSWERS, SPECS, results, strict=True):
        error = result["error"]
        assert error is not None and error["type"] == "ApiException"
        message, parsed = error["args"]
        assert message == f"post request failed with status code: {status}"
        assert ast.literal_eval(parsed) == json.loads(body)
        assert result["events"] == []
        ours = _ours(spec)
        assert ours.status_code == status
        assert ours.error == json.loads(body)["error"]
        assert ours.body == body


def test_an_error_body_sent_as_a_stream_was_yielded_now_raises() -> None:
    body = ANSWERS[2][1]
    spec = StreamSpec(body, status=200)  # text/event-stream
    (result,) = run_2023_01_01_many([spec])
    assert result["error"] is None
    assert result["events"] == [json.loads(body)]  # 0.2.10 yielded the error as a "completion"
    ours = _ours(spec)
    assert (ours.status_code, ours.error_type) == (200, "overloaded_error")
