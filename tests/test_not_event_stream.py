"""Input that is not a server-sent event stream: an API error answer, HTML, binary, JSONL.

Such input holds bytes but no SSE line; every reader raises NotEventStreamError when it ends
(APIError for the API's error answer), whatever the reads, mode or reader. Blank input is an
unfinished stream, as before.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sseconv
import sseconv.types

AUTH = b'{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}'
OLD_FORM = b'{"error": {"type": "overloaded_error", "message": "Overloaded"}}\r\n'
TODAY = (
    b'{"type":"error","error":{"type":"not_found_error","message":"model: claude-x"},'
    b'"request_id":"req_011CTest"}'
)
HTML = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head></html>\n"
BINARY = bytes(range(256))
JSONL = b'{"completion": " Hi", "stop": null}\n{"completion": " Hi!", "stop": null}\n'
NOT_STREAMS = [AUTH, OLD_FORM, TODAY, HTML, BINARY, JSONL]
MODES: list[sseconv.types.Mode] = ["strict", "default", "lenient"]


def close_converter(chunks: list[bytes], **options: object) -> bytes:
    converter = sseconv.Converter("legacy", **options)  # type: ignore[arg-type]
    out = b"".join(converter.feed(chunk) for chunk in chunks)
    return out + converter.close()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("body", NOT_STREAMS, ids=["auth", "old", "today", "html", "bin", "jsonl"])
def test_every_reader_raises_at_the_end(body: bytes, mode: sseconv.types.Mode) -> None:
    api = body in (AUTH, OLD_FORM, TODAY)
    expected = sseconv.APIError if api else sseconv.NotEventStreamError
    converter = sseconv.Converter("completions", mode=mode)
    assert converter.feed(body) == b""  # nothing is known before the end
    with pytest.raises(expected) as info:
        converter.close()
    assert info.value.body == body
    assert (info.value.event_number, info.value.offset, info.value.status_code) == (None,) * 3
    if not api:
        assert str(info.value).startswith("not a server-sent event stream; it starts with ")
        assert not isinstance(info.value, sseconv.APIError)
    with pytest.raises(expected):
        list(sseconv.parse_events([body], mode=mode))
    with pytest.raises(expected):
        list(sseconv.convert([body], "messages", mode=mode))
    (problem,) = sseconv.validate([body])
    assert problem.message == str(info.value)


def test_what_the_api_error_carries() -> None:
    with pytest.raises(sseconv.APIError) as info:
        close_converter([TODAY])
    error = info.value
    assert (error.error_type, error.error_message, error.request_id) == (
        "not_found_error",
        "model: claude-x",
        "req_011CTest",
    )
    assert error.error == {"type": "not_found_error", "message": "model: claude-x"}
    assert str(error) == "the API answered not_found_error: model: claude-x"
    assert isinstance(error, sseconv.InputError)
    with pytest.raises(sseconv.APIError, match="overloaded_error: Overloaded"):
        close_converter([OLD_FORM])


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(NOT_STREAMS), st.lists(st.integers(0, 300), max_size=8))
def test_the_same_however_it_is_read(body: bytes, cuts: list[int]) -> None:
    bounds = sorted({c % (len(body) + 1) for c in cuts})
    chunks = [body[a:b] for a, b in zip([0, *bounds], [*bounds, len(body)], strict=True)]
    with pytest.raises(sseconv.NotEventStreamError) as whole:
        close_converter([body])
    with pytest.raises(sseconv.NotEventStreamError) as pieces:
        close_converter(chunks)
    assert (type(pieces.value), str(pieces.value)) == (type(whole.value), str(whole.value))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\n\n",
        b" \r\n\t",
        b"\xef\xbb\xbf",
        b": keep-alive\n\n",
        b"event: ping\n",
        b"data: x",
        b"even",
        b"d",
        b": c\n\nretr",
    ],
    ids=[
        *("empty", "blank", "spaces", "bom", "comment", "event-line", "cut-data"),
        *("cut-in-event", "cut-in-data", "cut-in-retry"),
    ],
)
def test_blank_input_or_sse_lines_stay_an_unfinished_stream(body: bytes) -> None:
    converter = sseconv.Converter("legacy")
    assert converter.feed(body) + converter.close() == b""
    assert not converter.report.finished
    with pytest.raises(sseconv.IncompleteStreamError):
        close_converter([body], mode="strict")


def test_a_stream_after_junk_is_a_stream() -> None:
    """Once an event is dispatched, the input is a stream (a junk line is ignored, as the
    standard says)."""
    completions = b'event: completion\ndata: {"completion":" Hi","stop_reason":"stop_sequence"}\n\n'
    out = close_converter([b"<html>\n", completions], source="completions")
    assert out.count(b'"completion":" Hi"') == 2  # the text, the final event
    assert out.endswith(b"data: [DONE]\n\n")


def test_a_long_line_without_sse_is_named_before_the_size_limit() -> None:
    body = b'{"error": "' + b"x" * 5000 + b'"}'
    with pytest.raises(sseconv.NotEventStreamError, match="not a server-sent event stream"):
        close_converter([body[:100], body[100:]], max_event_size=1000)
    (problem,) = sseconv.validate([body], max_event_size=1000)
    assert problem.message.startswith("not a server-sent event stream")
    stream = b"data: " + b"x" * 5000
    with pytest.raises(sseconv.EventTooLargeError):  # a real event: the limit applies
        close_converter([stream], max_event_size=1000)


def test_the_body_kept_is_bounded() -> None:
    body = b"<html>" + b"y" * (3 * sseconv.types.BODY_LIMIT)
    with pytest.raises(sseconv.NotEventStreamError) as info:
        close_converter([body[i : i + 1000] for i in range(0, len(body), 1000)])
    assert info.value.body == body[: sseconv.types.BODY_LIMIT]
