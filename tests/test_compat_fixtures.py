"""Real clients of each API era reading the raw fixtures, and what they do with odd input.

The first half checks that each client reads its own era's fixtures as it read the real API.
The second half pins down client behaviour the converters depend on (``[DONE]`` handling,
errors, unknown events, line format). These are facts about third-party code, recorded with
asserts so that a changed pin or environment shows up; see the docstrings for the consequences
for sseconv.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from compat import (
    CompletionsResult,
    LegacyResult,
    MessagesCreateResult,
    MessagesResult,
    StreamSpec,
    read_messages,
    read_messages_async,
    read_messages_create,
    read_messages_create_async,
    run_2023_01_01,
    run_2023_01_01_many,
    run_2023_06_01_many,
)

pytestmark = pytest.mark.compat

FIXTURES = Path(__file__).parent / "fixtures"
LEGACY = (FIXTURES / "legacy-2023-01-01-reconstructed.sse").read_bytes()
COMPLETIONS = (FIXTURES / "completions-2023-06-01-capture.sse").read_bytes()
COMPLETIONS_ERROR = (FIXTURES / "completions-2023-06-01-error-docs.sse").read_bytes()
MESSAGES = (FIXTURES / "messages-text-capture.sse").read_bytes()
MESSAGES_TOOL_USE = (FIXTURES / "messages-tool-use-capture.sse").read_bytes()
MESSAGES_THINKING = (FIXTURES / "messages-thinking-padding-synthetic.sse").read_bytes()

HUMAN = "\n\nHuman:"
LEGACY_TEXT = " Hello! My name is Claude."
DONE = b"data: [DONE]\r\n\r\n"
OVERLOADED = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}


def legacy_event(
    completion: str,
    stop_reason: str | None = None,
    stop: str | None = None,
    exception: str | None = None,
) -> bytes:
    payload = {
        "completion": completion,
        "stop": stop,
        "stop_reason": stop_reason,
        "truncated": False,
        "log_id": "log_1",
        "model": "claude-v1",
        "exception": exception,
    }
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\r\n\r\n"


def completion_event(completion: str, stop_reason: str | None = None, **extra: Any) -> bytes:
    payload = {
        "type": "completion",
        "id": "compl_1",
        "completion": completion,
        "stop_reason": stop_reason,
        "model": "claude-2.0",
        "stop": HUMAN if stop_reason == "stop_sequence" else None,
        "log_id": "compl_1",
        **extra,
    }
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return b"event: completion\ndata: " + data + b"\n\n"


def text_delta_event(text: str) -> bytes:
    payload = {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": text},
    }
    return b"event: content_block_delta\ndata: " + json.dumps(payload).encode() + b"\n\n"


def error_event(payload: object = OVERLOADED) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return b"event: error\ndata: " + data.encode() + b"\n\n"


LEGACY_NO_DONE = LEGACY.removesuffix(DONE)
LEGACY_FINAL = legacy_event(" Hi", "stop_sequence", HUMAN)
COMPLETIONS_FINAL = completion_event("", "stop_sequence")
M_DELTA = MESSAGES.index(b"event: content_block_delta")
M_BLOCK_STOP = MESSAGES.index(b"event: content_block_stop")
M_MESSAGE_STOP = MESSAGES.index(b"event: message_stop")
UNKNOWN_EVENT = b'event: brand_new_event\ndata: {"type":"brand_new_event","x":1}\n\n'


# ---------------------------------------------------------------------------------------------
# Each era's client reads its own fixtures.


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_anthropic_0_2_10_reads_legacy_fixture(use_async: bool) -> None:
    result = run_2023_01_01(LEGACY, use_async=use_async)
    assert result["error"] is None
    assert result["client"] == "anthropic==0.2.10"
    assert result["text"] == LEGACY_TEXT
    assert result["texts"] == [" Hello", " Hello!", LEGACY_TEXT, LEGACY_TEXT]
    assert result["stop_reason"] == "stop_sequence"
    assert result["stop"] == HUMAN
    assert result["model"] == "claude-v1"
    assert result["log_id"] == "f5d95cf326a4ac39ee36a35f434a59d5"
    assert result["exception"] is None
    assert all(set(e) >= {"completion", "stop_reason", "exception"} for e in result["events"])
    request = result["request"]
    assert request is not None
    assert request["method"] == "POST"
    assert request["path"].endswith("/v1/complete")
    assert request["headers"]["anthropic-version"] == "2023-01-01"
    assert request["json"]["stream"] is True


@pytest.mark.parametrize(
    "options",
    [{}, {"use_async": True}, {"chunk_size": 1}],
    ids=["sync", "async", "byte-by-byte"],
)
def test_anthropic_0_3_11_reads_completions_fixtures(options: dict[str, Any]) -> None:
    capture, error = run_2023_06_01_many([COMPLETIONS, COMPLETIONS_ERROR], **options)

    assert capture["client"] == "anthropic==0.3.11"
    assert capture["error"] is None
    assert capture["text"] == " Hello, world!"
    assert capture["texts"] == [" Hello", ", ", "world!", ""]
    assert capture["stop_reason"] == "stop_sequence"
    assert capture["stop"] == HUMAN
    assert capture["model"] == "claude-instant-1.2"
    assert capture["id"] == capture["log_id"] == "compl_01Vtux5THXXB3eXhFSA5eTY6"
    assert capture["request"] is not None
    assert capture["request"]["path"] == "/v1/complete"
    assert capture["request"]["headers"]["anthropic-version"] == "2023-06-01"

    assert error["texts"] == [" Hello"]
    assert error["error"] is not None
    assert error["error"]["type"] == "APIStatusError"
    assert error["error"]["status_code"] == 200
    assert error["error"]["body"] == {
        "error": {"type": "overloaded_error", "message": "Overloaded"}
    }


MessagesReader = Callable[..., MessagesResult]
CreateReader = Callable[..., MessagesCreateResult]
STREAM_READERS = pytest.mark.parametrize(
    "read", [read_messages, read_messages_async], ids=["stream", "async-stream"]
)
CREATE_READERS = pytest.mark.parametrize(
    "read", [read_messages_create, read_messages_create_async], ids=["create", "async-create"]
)


@STREAM_READERS
@pytest.mark.parametrize("chunk_size", [None, 1], ids=["chunks", "byte-by-byte"])
def test_today_sdk_reads_messages_fixtures(read: MessagesReader, chunk_size: int | None) -> None:
    text = read(MESSAGES, chunk_size=chunk_size)
    assert text["error"] is None
    assert text["texts"] == ["Hello", " there", "!"]
    assert text["text"] == "Hello there!"
    assert text["stop_reason"] == "end_turn"
    assert text["stop_sequence"] is None
    assert text["model"] == "claude-3-opus-latest"
    assert text["id"] == "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK"
    assert text["content_types"] == ["text"]
    assert text["usage"] == {"input_tokens": 11, "output_tokens": 6}
    assert text["request"] is not None
    assert text["request"]["path"] == "/v1/messages"

    tool = read(MESSAGES_TOOL_USE, chunk_size=chunk_size)
    assert tool["error"] is None
    assert tool["text"] == "I'll check the current weather in Paris for you."
    assert tool["stop_reason"] == "tool_use"
    assert tool["content_types"] == ["text", "tool_use"]
    assert tool["content"][1]["input"] == {"location": "Paris"}
    assert tool["content"][1]["name"] == "get_weather"

    thinking = read(MESSAGES_THINKING, chunk_size=chunk_size)
    assert thinking["error"] is None
    assert thinking["text"] == 'Café au lait ☕, "bien sûr".\nSecond line.'
    assert thinking["stop_reason"] == "end_turn"
    assert thinking["content_types"] == ["thinking", "text"]
    assert thinking["content"][0]["thinking"] == "Simple educ"
    assert thinking["content"][0]["signature"].startswith("c3ludGhldGlj")


@CREATE_READERS
def test_today_sdk_create_stream_reads_messages_fixtures(read: CreateReader) -> None:
    text = read(MESSAGES)
    assert text["error"] is None
    assert text["event_types"] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]  # the ping is not yielded
    assert text["text"] == "Hello there!"
    assert text["stop_reason"] == "end_turn"
    assert text["id"] == "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK"

    tool = read(MESSAGES_TOOL_USE)
    assert tool["error"] is None
    assert tool["stop_reason"] == "tool_use"
    assert tool["event_types"].count("content_block_start") == 2

    thinking = read(MESSAGES_THINKING)
    assert thinking["error"] is None
    assert thinking["text"] == 'Café au lait ☕, "bien sûr".\nSecond line.'
    kinds = [e["delta"]["type"] for e in thinking["events"] if e["type"] == "content_block_delta"]
    assert kinds == ["thinking_delta", "thinking_delta", "signature_delta", "text_delta"]


# ---------------------------------------------------------------------------------------------
# anthropic 0.2.10 (2023-01-01): behaviour the legacy encoder must respect.
#
# Its sync reader (requests' iter_lines, i.e. bytes.splitlines: CR, LF or CRLF) skips empty
# lines, skips `event: ping` and the NEXT NON-EMPTY LINE whatever it is, skips the exact line
# `data: [DONE]`, strips a leading `data: ` and json.loads() whatever is left of every other
# line. The async reader (aiohttp) splits on LF only and strips whitespace.

LEGACY_CASES: dict[str, bytes | StreamSpec] = {
    "no_done": LEGACY_NO_DONE,
    "after_done": LEGACY + legacy_event(" extra"),
    "linger": StreamSpec(LEGACY, linger=0.4),
    "exception": legacy_event(" Hi")
    + legacy_event(" Hi", exception="overloaded_error: Overloaded"),
    "lf": LEGACY.replace(b"\r\n", b"\n"),
    "cr": LEGACY.replace(b"\r\n", b"\r"),
    "crlf_bytewise": StreamSpec(LEGACY, chunk_size=1),
    "no_trailing_blank_line": LEGACY.removesuffix(b"\r\n"),
    "no_blank_lines": LEGACY.replace(b"\r\n\r\n", b"\r\n"),
    "data_no_space": LEGACY.replace(b"data: {", b"data:{"),
    "data_two_spaces": LEGACY.replace(b"data: {", b"data:  {"),
    "json_trailing_spaces": LEGACY.replace(b"}\r\n", b"}   \r\n"),
    "done_no_space": LEGACY.replace(b"data: [DONE]", b"data:[DONE]"),
    "done_trailing_space": LEGACY.replace(b"[DONE]", b"[DONE] "),
    "ping_no_space": LEGACY.replace(b"event: ping", b"event:ping"),
    "ping_json": LEGACY.replace(b"data: 2023-04-28 21:18:31.866238", b'data: {"type": "ping"}'),
    "ping_without_data": LEGACY.replace(b"data: 2023-04-28 21:18:31.866238\r\n", b""),
    "comment": b": keep-alive\r\n\r\n" + LEGACY,
    "id_field": b"id: 1\r\n" + LEGACY,
    "retry_field": b"retry: 1000\r\n\r\n" + LEGACY,
    "unknown_event": legacy_event(" Hi")
    + b'event: brand_new_event\r\ndata: {"x":1}\r\n\r\n'
    + LEGACY_FINAL
    + DONE,
    "named_completion_events": COMPLETIONS,
    "messages": MESSAGES,
    "bom": b"\xef\xbb\xbf" + LEGACY,
    "non_ascii": legacy_event(" Café ☕")
    + legacy_event(" Café ☕!", "stop_sequence", HUMAN)
    + DONE,
    "line_separators": legacy_event(" a\u2028b\u2029c\x85d", "stop_sequence", HUMAN) + DONE,
    "multi_line_data": b'data: {"completion": " Hi",\r\ndata: "stop": null}\r\n\r\n' + DONE,
    "empty_data": b"data: \r\n\r\n" + LEGACY,
    "invalid_utf8": legacy_event(" Hi").replace(b"Hi", b"H\xffi") + DONE,
    "http_500": StreamSpec(
        b'{"error": {"type": "api_error", "message": "boom"}}',
        status=500,
        content_type="application/json",
    ),
}


@pytest.fixture(scope="module")
def legacy_sync() -> dict[str, LegacyResult]:
    return dict(zip(LEGACY_CASES, run_2023_01_01_many(list(LEGACY_CASES.values())), strict=True))


@pytest.fixture(scope="module")
def legacy_async() -> dict[str, LegacyResult]:
    results = run_2023_01_01_many(list(LEGACY_CASES.values()), use_async=True)
    return dict(zip(LEGACY_CASES, results, strict=True))


def _ok(result: LegacyResult | CompletionsResult, text: str) -> bool:
    return result["error"] is None and result["text"] == text


def _raised(result: LegacyResult | CompletionsResult, kind: str) -> bool:
    return result["error"] is not None and result["error"]["type"] == kind


def test_fact_0_2_10_done_is_optional_and_not_an_end(legacy_sync: dict[str, LegacyResult]) -> None:
    """[DONE] is merely skipped: the reader ends at EOF, never at [DONE].

    Without [DONE] it returns normally with every event (no hang, no error); events after [DONE]
    are still yielded (here the last text becomes " extra"); and with the connection held open
    after [DONE] the generator waits for the close.
    """
    assert _ok(legacy_sync["no_done"], LEGACY_TEXT)
    assert legacy_sync["no_done"]["stop_reason"] == "stop_sequence"
    assert legacy_sync["after_done"]["error"] is None
    assert legacy_sync["after_done"]["texts"][-1] == " extra"
    assert len(legacy_sync["after_done"]["events"]) == 5
    assert _ok(legacy_sync["linger"], LEGACY_TEXT)
    assert legacy_sync["linger"]["elapsed"] >= 0.35


def test_fact_0_2_10_exception_field_is_not_raised(legacy_sync: dict[str, LegacyResult]) -> None:
    """A non-null "exception" is yielded as an ordinary event; the SDK never looks at it."""
    result = legacy_sync["exception"]
    assert result["error"] is None
    assert result["texts"] == [" Hi", " Hi"]
    assert result["exception"] == "overloaded_error: Overloaded"
    assert result["stop_reason"] is None


def test_fact_0_2_10_line_endings(
    legacy_sync: dict[str, LegacyResult], legacy_async: dict[str, LegacyResult]
) -> None:
    """Sync: CRLF, LF and CR-only all work, also byte by byte; blank lines are merely skipped
    (not even needed between events). Async (aiohttp): CR-only framing is one long line ->
    raw json.JSONDecodeError."""
    for name in ("lf", "cr", "crlf_bytewise", "no_trailing_blank_line", "no_blank_lines"):
        assert _ok(legacy_sync[name], LEGACY_TEXT), name
    for name in ("lf", "crlf_bytewise", "no_trailing_blank_line", "no_blank_lines"):
        assert _ok(legacy_async[name], LEGACY_TEXT), name
    assert _raised(legacy_async["cr"], "JSONDecodeError")


def test_fact_0_2_10_data_line_format(
    legacy_sync: dict[str, LegacyResult], legacy_async: dict[str, LegacyResult]
) -> None:
    """Exactly `data: ` (colon + one space) is stripped; `data:{...}` is json-parsed whole and
    fails. Extra whitespace around the JSON is fine. `data: [DONE]` must match exactly in sync
    mode (`data:[DONE]` and `[DONE] ` with a trailing space raise; async strips the line)."""
    assert _raised(legacy_sync["data_no_space"], "ApiException")
    assert legacy_sync["data_no_space"]["events"] == []
    assert _ok(legacy_sync["data_two_spaces"], LEGACY_TEXT)
    assert _ok(legacy_sync["json_trailing_spaces"], LEGACY_TEXT)
    assert _raised(legacy_sync["done_no_space"], "ApiException")
    assert legacy_sync["done_no_space"]["text"] == LEGACY_TEXT  # raised after the real events
    assert _raised(legacy_sync["done_trailing_space"], "ApiException")
    assert _ok(legacy_async["done_trailing_space"], LEGACY_TEXT)
    assert _raised(legacy_async["data_no_space"], "JSONDecodeError")


def test_fact_0_2_10_pings(legacy_sync: dict[str, LegacyResult]) -> None:
    """`event: ping` (exact) makes it skip the next non-empty line, whatever it holds: a JSON
    ping is fine, but a ping WITHOUT a data line swallows the following real event."""
    assert _ok(legacy_sync["ping_json"], LEGACY_TEXT)
    swallowed = legacy_sync["ping_without_data"]
    assert swallowed["error"] is None
    assert len(swallowed["events"]) == 3  # one completion event silently lost
    assert _raised(legacy_sync["ping_no_space"], "ApiException")


def test_fact_0_2_10_every_other_line_is_fatal(
    legacy_sync: dict[str, LegacyResult], legacy_async: dict[str, LegacyResult]
) -> None:
    """Comments, `id:`, `retry:`, `event:` lines other than ping, a BOM, multi-line data and
    empty data all raise (ApiException wrapping JSONDecodeError; a bare JSONDecodeError in
    async mode). So a legacy target can carry nothing but one-line data events and pings."""
    fatal = [
        "comment",
        "id_field",
        "retry_field",
        "unknown_event",
        "named_completion_events",
        "messages",
        "bom",
        "multi_line_data",
        "empty_data",
    ]
    for name in fatal:
        assert _raised(legacy_sync[name], "ApiException"), name
        assert _raised(legacy_async[name], "JSONDecodeError"), name
    assert legacy_sync["unknown_event"]["texts"] == [" Hi"]  # events before it were yielded


def test_fact_0_2_10_text_encoding(legacy_sync: dict[str, LegacyResult]) -> None:
    """Raw UTF-8 is fine, including U+2028/U+2029/U+0085 (lines are split as bytes); invalid
    UTF-8 raises UnicodeDecodeError (not ApiException)."""
    assert _ok(legacy_sync["non_ascii"], " Café ☕!")
    assert _ok(legacy_sync["line_separators"], " a\u2028b\u2029c\x85d")
    assert _raised(legacy_sync["invalid_utf8"], "UnicodeDecodeError")


def test_fact_0_2_10_http_errors(legacy_sync: dict[str, LegacyResult]) -> None:
    result = legacy_sync["http_500"]
    assert _raised(result, "ApiException")
    assert result["error"] is not None
    assert "status code: 500" in result["error"]["message"]


# ---------------------------------------------------------------------------------------------
# anthropic 0.3.11 (2023-06-01): httpx iter_lines + a WHATWG-style decoder; it yields the
# `completion` events, skips `ping`, raises on `error` and ignores every other event,
# including data-only ones.

COMPLETIONS_CASES: dict[str, bytes] = {
    "done_at_end": COMPLETIONS + b"data: [DONE]\n\n",
    "done_in_middle": completion_event(" a") + b"data: [DONE]\n\n" + completion_event(" b"),
    "done_as_completion": COMPLETIONS + b"event: completion\ndata: [DONE]\n\n",
    "unknown_event": completion_event(" a")
    + b'event: brand_new_event\ndata: {"type":"brand_new_event"}\n\n'
    + completion_event(" b")
    + COMPLETIONS_FINAL,
    "timestamp_ping": completion_event(" a")
    + b"event: ping\ndata: 2023-04-28 21:18:31.866238\n\n"
    + COMPLETIONS_FINAL,
    "error": completion_event(" a") + error_event(),
    "error_then_more": completion_event(" a") + error_event() + completion_event(" b"),
    "error_not_json": completion_event(" a") + error_event("Overloaded"),
    "legacy": LEGACY,
    "messages": MESSAGES,
    "crlf": COMPLETIONS.replace(b"\n", b"\r\n"),
    "cr": COMPLETIONS.replace(b"\n", b"\r"),
    "data_no_space": COMPLETIONS.replace(b"data: ", b"data:"),
    "u2028": completion_event(" a\u2028b") + COMPLETIONS_FINAL,
    "u2029": completion_event(" a\u2029b") + COMPLETIONS_FINAL,
    "u0085": completion_event(" a\x85b") + COMPLETIONS_FINAL,
    "u2028_escaped": completion_event(" a").replace(b" a", b" a\\u2028b") + COMPLETIONS_FINAL,
    "non_ascii": completion_event(" Café ☕") + COMPLETIONS_FINAL,
    "invalid_utf8": completion_event(" a").replace(b" a", b" a\xff") + COMPLETIONS_FINAL,
    "bom": b"\xef\xbb\xbf" + COMPLETIONS,
    "no_final_blank_line": COMPLETIONS.removesuffix(b"\n"),
    "cut": completion_event(" a") + completion_event(" b"),
    "after_final": COMPLETIONS + completion_event(" late"),
    "old_payload": b'event: completion\ndata: {"completion": " Hi", "stop_reason": null}\n\n'
    + b'event: completion\ndata: {"completion": "", "stop_reason": "max_tokens"}\n\n',
    "extra_field": completion_event(" a", brand_new_field={"k": 1}) + COMPLETIONS_FINAL,
    "empty_data": b"event: completion\ndata: \n\n" + COMPLETIONS,
    "multi_line_data": b'event: completion\ndata: {"completion": " Hi",\ndata: "stop_reason": null}'
    + b"\n\n"
    + COMPLETIONS_FINAL,
    "comment_id_retry": b": hi\nid: 7\nretry: 10\n\n" + COMPLETIONS,
}


@pytest.fixture(scope="module")
def completions_results() -> dict[str, CompletionsResult]:
    results = run_2023_06_01_many(list(COMPLETIONS_CASES.values()))
    return dict(zip(COMPLETIONS_CASES, results, strict=True))


def test_fact_0_3_11_done(completions_results: dict[str, CompletionsResult]) -> None:
    """A data-only `data: [DONE]` is ignored anywhere (it has no event name); a `[DONE]` inside
    a `completion` event raises a bare json.JSONDecodeError."""
    assert _ok(completions_results["done_at_end"], " Hello, world!")
    assert _ok(completions_results["done_in_middle"], " a b")
    done_named = completions_results["done_as_completion"]
    assert _raised(done_named, "JSONDecodeError")
    assert done_named["text"] == " Hello, world!"


def test_fact_0_3_11_unknown_events_and_pings_are_ignored(
    completions_results: dict[str, CompletionsResult],
) -> None:
    assert _ok(completions_results["unknown_event"], " a b")
    assert completions_results["unknown_event"]["stop_reason"] == "stop_sequence"
    assert _ok(completions_results["timestamp_ping"], " a")


def test_fact_0_3_11_error_event(completions_results: dict[str, CompletionsResult]) -> None:
    """`event: error` raises APIStatusError (the generic class: the HTTP status is 200) with
    `.body` = the parsed payload and str() = the payload dict's repr (non-JSON data: the data
    itself). Events after it are never read."""
    error = completions_results["error"]
    assert error["texts"] == [" a"]
    assert error["error"] == {
        "type": "APIStatusError",
        "module": "anthropic",
        "message": str(OVERLOADED),
        "status_code": 200,
        "body": OVERLOADED,
    }
    assert completions_results["error_then_more"]["texts"] == [" a"]
    assert _raised(completions_results["error_then_more"], "APIStatusError")
    not_json = completions_results["error_not_json"]["error"]
    assert not_json is not None
    assert not_json["type"] == "APIStatusError"
    assert not_json["message"] == "Overloaded"


def test_fact_0_3_11_other_dialects_are_silently_empty(
    completions_results: dict[str, CompletionsResult],
) -> None:
    """A legacy or Messages stream yields NOTHING and raises nothing: a wrong target dialect
    looks like an empty completion to this client."""
    for name in ("legacy", "messages"):
        assert completions_results[name]["events"] == [], name
        assert completions_results[name]["error"] is None, name


def test_fact_0_3_11_line_format(completions_results: dict[str, CompletionsResult]) -> None:
    """CRLF, CR-only and `data:` without the space are all fine; comments/id/retry ignored; a
    multi-line data field is joined with "\\n" (still valid JSON)."""
    for name in ("crlf", "cr", "data_no_space", "comment_id_retry"):
        assert _ok(completions_results[name], " Hello, world!"), name
    assert _ok(completions_results["multi_line_data"], " Hi")


def test_fact_0_3_11_unicode_line_separators_break_it(
    completions_results: dict[str, CompletionsResult],
) -> None:
    """httpx's iter_lines() uses str.splitlines(): a RAW U+2028, U+2029 or U+0085 inside the
    JSON cuts the data line and the event fails with json.JSONDecodeError. Escaped (\\u2028) is
    fine. So synthesized completions payloads must escape these three characters even though
    other non-ASCII is written as UTF-8. Invalid UTF-8 becomes U+FFFD (no error)."""
    for name in ("u2028", "u2029", "u0085"):
        assert _raised(completions_results[name], "JSONDecodeError"), name
        assert completions_results[name]["events"] == [], name
    assert _ok(completions_results["u2028_escaped"], " a\u2028b")
    assert _ok(completions_results["non_ascii"], " Café ☕")
    assert _ok(completions_results["invalid_utf8"], " a\ufffd")


def test_fact_0_3_11_silent_losses(completions_results: dict[str, CompletionsResult]) -> None:
    """A BOM turns the first `event:` field into an unknown field, so the first completion is
    silently dropped; an event whose blank line never arrives is silently dropped (here the
    final one: stop_reason is lost)."""
    bom = completions_results["bom"]
    assert bom["error"] is None
    assert bom["texts"] == [", ", "world!", ""]
    unterminated = completions_results["no_final_blank_line"]
    assert _ok(unterminated, " Hello, world!")
    assert unterminated["stop_reason"] is None
    assert len(unterminated["events"]) == 3


def test_fact_0_3_11_no_end_detection(completions_results: dict[str, CompletionsResult]) -> None:
    """The client has no notion of a finished stream: a cut stream ends normally with
    stop_reason None, and completions after the final one are still yielded."""
    assert _ok(completions_results["cut"], " a b")
    assert completions_results["cut"]["stop_reason"] is None
    assert _ok(completions_results["after_final"], " Hello, world! late")


def test_fact_0_3_11_payload_shape(completions_results: dict[str, CompletionsResult]) -> None:
    """Old payloads without type/id/stop/log_id are read; unknown fields are kept; an empty
    data field in a `completion` event raises json.JSONDecodeError."""
    old = completions_results["old_payload"]
    assert _ok(old, " Hi")
    assert old["stop_reason"] == "max_tokens"
    assert old["id"] is None
    extra = completions_results["extra_field"]
    assert extra["events"][0]["brand_new_field"] == {"k": 1}
    assert _raised(completions_results["empty_data"], "JSONDecodeError")


# ---------------------------------------------------------------------------------------------
# Today's SDK (Messages).


@CREATE_READERS
def test_fact_today_unknown_events(read: CreateReader) -> None:
    """Unknown event types pass through `create(stream=True)` as events with their fields;
    the `.stream()` helper ignores them. An unknown event whose data is not JSON raises a bare
    json.JSONDecodeError; one with no data line is skipped."""
    stream = MESSAGES[:M_DELTA] + UNKNOWN_EVENT + MESSAGES[M_DELTA:]
    raw = read(stream)
    assert raw["error"] is None
    assert raw["event_types"][2] == "brand_new_event"
    assert raw["events"][2] == {"type": "brand_new_event", "x": 1}
    assert raw["text"] == "Hello there!"

    not_json = read(
        MESSAGES[:M_DELTA] + b"event: brand_new_event\ndata: hi\n\n" + MESSAGES[M_DELTA:]
    )
    assert not_json["error"] is not None
    assert not_json["error"]["type"] == "JSONDecodeError"
    no_data = read(MESSAGES[:M_DELTA] + b"event: brand_new_event\n\n" + MESSAGES[M_DELTA:])
    assert no_data["error"] is None
    assert "brand_new_event" not in no_data["event_types"]


@STREAM_READERS
def test_fact_today_stream_helper_ignores_unknown_things(read: MessagesReader) -> None:
    """Unknown events, unknown delta types, unknown stop reasons and `data: [DONE]` lines do
    not disturb `.stream()`. An unknown block type is kept as a block (its text not counted)."""
    unknown_delta = (
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"brand_new_delta","z":1}}\n\n'
    )
    streams = [
        MESSAGES[:M_DELTA] + UNKNOWN_EVENT + MESSAGES[M_DELTA:],
        MESSAGES[:M_DELTA] + unknown_delta + MESSAGES[M_DELTA:],
        MESSAGES[:M_BLOCK_STOP]
        + b"data: [DONE]\n\n"
        + MESSAGES[M_BLOCK_STOP:]
        + b"data: [DONE]\n\n",
    ]
    for stream in streams:
        result = read(stream)
        assert result["error"] is None
        assert result["text"] == "Hello there!"
        assert result["stop_reason"] == "end_turn"
    new_reason = read(MESSAGES.replace(b'"end_turn"', b'"brand_new_reason"'))
    assert new_reason["stop_reason"] == "brand_new_reason"
    new_block = read(MESSAGES.replace(b'{"type":"text","text":""}', b'{"type":"brand_new_block"}'))
    assert new_block["error"] is None
    assert new_block["content_types"] == ["brand_new_block"]
    assert new_block["text"] == ""


@pytest.mark.parametrize(
    "read",
    [read_messages, read_messages_async, read_messages_create, read_messages_create_async],
    ids=["stream", "async-stream", "create", "async-create"],
)
def test_fact_today_error_event(read: Callable[..., MessagesResult | MessagesCreateResult]) -> None:
    """`event: error` raises APIStatusError (HTTP status 200, so the generic class), `.body` =
    the parsed payload, str() = its repr (non-JSON data: the data itself). Text before it was
    delivered."""
    result = read(MESSAGES[:M_BLOCK_STOP] + error_event())
    assert result["texts"] == ["Hello", " there", "!"]
    assert result["error"] is not None
    assert result["error"]["type"] == "APIStatusError"
    assert result["error"]["status_code"] == 200
    assert result["error"]["body"] == OVERLOADED
    assert result["error"]["message"] == str(OVERLOADED)
    not_json = read(MESSAGES[:M_BLOCK_STOP] + error_event("Overloaded"))
    assert not_json["error"] is not None
    assert not_json["error"]["message"] == "Overloaded"


@STREAM_READERS
def test_fact_today_truncation_is_not_detected(read: MessagesReader) -> None:
    """Without `message_stop` (or without `content_block_stop`) the final message is returned
    as if complete, so a cut stream is invisible to users of the SDK."""
    no_stop = read(MESSAGES[:M_MESSAGE_STOP])
    assert no_stop["error"] is None
    assert no_stop["text"] == "Hello there!"
    assert no_stop["stop_reason"] == "end_turn"
    i_message_delta = MESSAGES.index(b"event: message_delta")
    no_block_stop = read(MESSAGES[:M_BLOCK_STOP] + MESSAGES[i_message_delta:])
    assert no_block_stop["error"] is None
    assert no_block_stop["text"] == "Hello there!"


@STREAM_READERS
def test_fact_today_stream_helper_requirements(read: MessagesReader) -> None:
    """What `.stream()` needs: a `message_start` first (a BOM hides it: the helper then fails
    with AssertionError, as it does for legacy/completions input), and block indexes that are
    positions 0..n-1 in the content list (a gap raises IndexError)."""
    for stream in (b"\xef\xbb\xbf" + MESSAGES, LEGACY, COMPLETIONS):
        result = read(stream)
        assert result["error"] is not None
        assert result["error"]["type"] == "AssertionError"
    gap = read(MESSAGES.replace(b'"index":0', b'"index":1'))
    assert gap["error"] is not None
    assert gap["error"]["type"] == "IndexError"


@STREAM_READERS
def test_fact_today_line_format(read: MessagesReader) -> None:
    """CRLF, CR-only, no space after the colon, trailing spaces, comments and timestamp pings
    are fine; raw U+2028/U+2029/U+0085 are fine (lines are split as bytes); invalid UTF-8
    raises UnicodeDecodeError."""
    variants = [
        MESSAGES.replace(b"\n", b"\r\n"),
        MESSAGES.replace(b"\n", b"\r"),
        MESSAGES.replace(b"data: ", b"data:").replace(b"event: ", b"event:"),
        MESSAGES.replace(b"}\n", b"}   \n"),
        b": keep-alive\n\n" + MESSAGES,
        MESSAGES.replace(b'data: {"type": "ping"}', b"data: 2023-04-28 21:18:31.866238"),
    ]
    for stream in variants:
        for chunk_size in (None, 1):
            result = read(stream, chunk_size=chunk_size)
            assert result["error"] is None
            assert result["text"] == "Hello there!"
    separators = read(
        MESSAGES[:M_DELTA] + text_delta_event("a\u2028b\u2029c\x85") + MESSAGES[M_DELTA:]
    )
    assert separators["text"] == "a\u2028b\u2029c\x85Hello there!"
    invalid = read(MESSAGES[:M_DELTA] + text_delta_event("a").replace(b'"a"', b'"a\xff"'))
    assert invalid["error"] is not None
    assert invalid["error"]["type"] == "UnicodeDecodeError"


@CREATE_READERS
def test_fact_today_unterminated_last_event_is_lost(read: CreateReader) -> None:
    """Without its blank line the last event (here `message_stop`) is never dispatched."""
    result = read(MESSAGES.removesuffix(b"\n"))
    assert result["error"] is None
    assert result["event_types"][-1] == "message_delta"


@CREATE_READERS
def test_fact_today_create_with_other_dialects(read: CreateReader) -> None:
    """`create(stream=True)` does not validate event names: legacy input yields nothing,
    completions input yields `completion` events."""
    assert read(LEGACY)["event_types"] == []
    assert read(COMPLETIONS)["event_types"] == ["completion"] * 4


def test_today_sdk_request_shape() -> None:
    result = read_messages(MESSAGES)
    request = result["request"]
    assert request is not None
    assert request["method"] == "POST"
    assert request["path"] == "/v1/messages"
    assert request["headers"]["anthropic-version"] >= "2023-06-01"
    assert request["json"]["stream"] is True
