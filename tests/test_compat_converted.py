"""Real clients of each API era reading sseconv's OUTPUT.

* ``anthropic==0.2.10`` (2023-01-01) reads our ``legacy`` output converted from completions and
  Messages streams: it must yield exactly the payloads we wrote (pings and ``[DONE]`` skipped)
  and end normally.
* ``anthropic==0.3.11`` (2023-06-01) reads our ``completions`` output converted from legacy and
  Messages streams, including a legacy in-band ``exception`` and text that its
  ``str.splitlines``-based line reader would cut if U+2028/U+2029/U+0085 were written raw.
* Today's SDK reads our ``messages`` output converted from legacy and completions streams.

Expected values come from the inputs (the fixtures' own fields and ``text_delta`` texts, or the
builders' arguments), never from the converter. Each old client runs once per mode over a
batch of streams (the ``*_many`` runners) in module-scoped fixtures.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from compat import (
    CompletionsResult,
    LegacyResult,
    MessagesCreateResult,
    MessagesResult,
    read_messages,
    read_messages_async,
    read_messages_create,
    read_messages_create_async,
    run_2023_01_01_many,
    run_2023_06_01_many,
)
from streams import (
    COMPL_ID,
    HUMAN,
    LEGACY_LOG_ID,
    MSG_ID,
    completions_stream,
    legacy_stream,
    messages_stream,
    read_fixture,
    text_block,
    tool_block,
)

import sseconv

pytestmark = pytest.mark.compat

LEGACY = read_fixture("legacy-2023-01-01-reconstructed.sse")
COMPLETIONS = read_fixture("completions-2023-06-01-capture.sse")
COMPLETIONS_ERROR = read_fixture("completions-2023-06-01-error-docs.sse")
MESSAGES_TEXT = read_fixture("messages-text-capture.sse")
MESSAGES_TOOL_USE = read_fixture("messages-tool-use-capture.sse")
MESSAGES_THINKING = read_fixture("messages-thinking-padding-synthetic.sse")

LEGACY_TEXT = " Hello! My name is Claude."
COMPLETIONS_ID = "compl_01Vtux5THXXB3eXhFSA5eTY6"
OVERLOADED = "overloaded_error: Overloaded"
ERROR_PAYLOAD = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
LINE_SEPARATORS = ("\u2028", "\u2029", "\x85")
CLOCK_TIME = datetime.datetime(2023, 4, 28, 21, 18, 31, 866238, tzinfo=datetime.timezone.utc)

# Text with every character a line-based reader might trip over: the Unicode line separators
# (0.3.11 splits lines with str.splitlines), quotes, backslashes, non-BMP emoji, non-ASCII.
TRICKY_TOKENS = (" Grüße a\u2028b", "\u2029c\x85d", ' "q" \\ \\n 😀', " ☕🎉 é")
TRICKY_TEXT = "".join(TRICKY_TOKENS)


def convert(data: bytes, to: str, **options: Any) -> bytes:
    """Convert ``data`` (fed in two pieces, as a network would) and check it finished."""
    converter = sseconv.Converter(to, clock=lambda: CLOCK_TIME, **options)
    middle = len(data) // 2
    out = converter.feed(data[:middle]) + converter.feed(data[middle:]) + converter.close()
    assert converter.report.finished
    return out


def _lines(output: bytes) -> list[str]:
    # Split as a byte-oriented reader does: CRLF, CR or LF only (never at U+2028 and friends).
    return re.split(r"\r\n|\r|\n", output.decode("utf-8"))


def utf16(text: str) -> bytes:
    """UTF-16 code units: a lone high surrogate is then a prefix of the pair it starts."""
    return text.encode("utf-16-le", "surrogatepass")


def legacy_data(output: bytes) -> tuple[list[dict[str, Any]], bool]:
    """The JSON payload of every `data: ` line of a legacy stream (pings and ``[DONE]``
    excluded), and whether it ended with ``data: [DONE]``. Asserts the strict line format a
    2023-01-01 consumer requires: nothing but pings, one-line data events and blank lines."""
    payloads: list[dict[str, Any]] = []
    done = False
    lines = iter(_lines(output))
    for line in lines:
        if not line:
            continue
        assert not done, f"line after [DONE]: {line!r}"
        if line == "event: ping":
            stamp = next(lines)
            assert re.fullmatch(r"data: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", stamp), stamp
        elif line == "data: [DONE]":
            done = True
        else:
            assert line.startswith("data: {"), line
            value = json.loads(line.removeprefix("data: "))
            assert isinstance(value, dict)
            assert list(value) == [
                "completion",
                "stop",
                "stop_reason",
                "truncated",
                "log_id",
                "model",
                "exception",
            ]
            payloads.append(value)
    return payloads, done


def named_events(output: bytes) -> list[tuple[str | None, str]]:
    """(event name, data) of every event of a stream whose events have one data line each."""
    events: list[tuple[str | None, str]] = []
    name: str | None = None
    data: str | None = None
    for line in _lines(output):
        if not line:
            if data is not None:
                events.append((name, data))
            name = data = None
        elif line.startswith("event: "):
            name = line.removeprefix("event: ")
        else:
            assert line.startswith("data: ") and data is None, line
            data = line.removeprefix("data: ")
    assert data is None, "unterminated last event"
    return events


def completion_payloads(output: bytes) -> list[dict[str, Any]]:
    return [json.loads(data) for name, data in named_events(output) if name == "completion"]


def source_payloads(stream: bytes) -> list[dict[str, Any]]:
    """The JSON payloads of a Messages input fixture (read directly, not with sseconv)."""
    return [
        json.loads(line.removeprefix("data: "))
        for line in _lines(stream)
        if line.startswith("data: {")
    ]


@dataclass(frozen=True)
class Expected:
    """What a client should end up with (``error``: the error payload that ends the stream)."""

    text: str
    stop_reason: str | None
    stop: str | None
    model: str | None
    id: str | None
    error: dict[str, Any] | None = None

    @property
    def exception(self) -> str | None:
        """The legacy in-band form of ``error``."""
        if self.error is None:
            return None
        return f"{self.error['error']['type']}: {self.error['error']['message']}"


def messages_expected(stream: bytes, stop: str | None = None) -> Expected:
    """Expected completion fields for a Messages fixture: the text of its text_delta deltas,
    model and id from message_start, and the mapped stop reason (end_turn → stop_sequence with
    "\\n\\nHuman:", other values pass through)."""
    payloads = source_payloads(stream)
    message = next(p["message"] for p in payloads if p["type"] == "message_start")
    text = "".join(
        p["delta"]["text"]
        for p in payloads
        if p["type"] == "content_block_delta" and p["delta"]["type"] == "text_delta"
    )
    reason = next(p["delta"]["stop_reason"] for p in payloads if p["type"] == "message_delta")
    if reason == "end_turn":
        return Expected(text, "stop_sequence", HUMAN, message["model"], message["id"])
    return Expected(text, reason, stop, message["model"], message["id"])


def split_surrogate_messages() -> bytes:
    """A Messages stream whose 😀 (U+1F600) is split into its UTF-16 halves across two deltas,
    each written as a JSON escape (valid JSON; each delta decodes to a lone surrogate)."""
    stream = messages_stream([text_block("Smile ", "HIGH", "LOW", "!")])
    return stream.replace(b'"HIGH"', b'"\\ud83d"').replace(b'"LOW"', b'"\\ude00"')


MESSAGES_TRICKY = messages_stream([text_block(*TRICKY_TOKENS)])
# Two text blocks around a tool_use block, with an empty text delta.
MESSAGES_MIXED = messages_stream(
    [text_block("A", "", "B"), tool_block('{"city": ', '"Paris"}'), text_block(" C")],
    stop_reason="tool_use",
)
MESSAGES_STOP_END = messages_stream(
    [text_block("1, 2")], stop_reason="stop_sequence", stop_sequence="END"
)
MESSAGES_MAX_TOKENS = messages_stream([text_block("1, 2")], stop_reason="max_tokens")
MESSAGES_ERROR = messages_stream(
    [text_block("Hi", " there")], error=("overloaded_error", "Overloaded")
)


# ---------------------------------------------------------------------------------------------
# anthropic 0.2.10 reads our legacy output.

LEGACY_CASES: dict[str, tuple[bytes, Expected]] = {
    "completions_capture": (
        COMPLETIONS,
        Expected(" Hello, world!", "stop_sequence", HUMAN, "claude-instant-1.2", COMPLETIONS_ID),
    ),
    "completions_error_docs": (
        COMPLETIONS_ERROR,
        Expected(" Hello", None, None, "claude-2.0", None, error=ERROR_PAYLOAD),
    ),
    "messages_text": (MESSAGES_TEXT, messages_expected(MESSAGES_TEXT)),
    "messages_tool_use": (MESSAGES_TOOL_USE, messages_expected(MESSAGES_TOOL_USE)),
    "messages_thinking": (MESSAGES_THINKING, messages_expected(MESSAGES_THINKING)),
    "messages_mixed_blocks": (MESSAGES_MIXED, messages_expected(MESSAGES_MIXED)),
    "messages_stop_sequence": (MESSAGES_STOP_END, messages_expected(MESSAGES_STOP_END, stop="END")),
    "messages_max_tokens": (MESSAGES_MAX_TOKENS, messages_expected(MESSAGES_MAX_TOKENS)),
    "messages_error": (
        MESSAGES_ERROR,
        Expected("Hi there", None, None, "claude-sonnet-4-5", MSG_ID, error=ERROR_PAYLOAD),
    ),
    "completions_max_tokens": (
        completions_stream([" The", " end"], stop_reason="max_tokens", stop=None, ping_after=1),
        Expected(" The end", "max_tokens", None, "claude-2.1", COMPL_ID),
    ),
    "completions_non_ascii": (
        completions_stream(TRICKY_TOKENS),
        Expected(TRICKY_TEXT, "stop_sequence", HUMAN, "claude-2.1", COMPL_ID),
    ),
    "completions_non_ascii_escaped": (
        completions_stream(TRICKY_TOKENS, ascii=True),
        Expected(TRICKY_TEXT, "stop_sequence", HUMAN, "claude-2.1", COMPL_ID),
    ),
    "messages_non_ascii": (
        MESSAGES_TRICKY,
        Expected(TRICKY_TEXT, "stop_sequence", HUMAN, "claude-sonnet-4-5", MSG_ID),
    ),
    "messages_split_surrogate": (
        split_surrogate_messages(),
        Expected("Smile 😀!", "stop_sequence", HUMAN, "claude-sonnet-4-5", MSG_ID),
    ),
}
# The capture again, written with CRLF (as the legacy server framed lines) and without pings.
LEGACY_CASES["completions_capture_crlf"] = LEGACY_CASES["completions_capture"]
LEGACY_CASES["completions_capture_no_pings"] = LEGACY_CASES["completions_capture"]
LEGACY_OPTIONS: dict[str, dict[str, Any]] = {
    "completions_capture_crlf": {"eol": "\r\n"},
    "completions_capture_no_pings": {"pings": "drop"},
}


@pytest.fixture(scope="module")
def legacy_outputs() -> dict[str, bytes]:
    return {
        name: convert(data, "legacy", **LEGACY_OPTIONS.get(name, {}))
        for name, (data, _) in LEGACY_CASES.items()
    }


@pytest.fixture(scope="module", params=[False, True], ids=["sync", "async"])
def legacy_results(
    request: pytest.FixtureRequest, legacy_outputs: dict[str, bytes]
) -> dict[str, LegacyResult]:
    results = run_2023_01_01_many(list(legacy_outputs.values()), use_async=request.param)
    return dict(zip(legacy_outputs, results, strict=True))


def test_messages_expectations() -> None:
    """The expectations derived from the Messages fixtures, spelled out."""
    text = messages_expected(MESSAGES_TEXT)
    assert text == Expected(
        "Hello there!",
        "stop_sequence",
        HUMAN,
        "claude-3-opus-latest",
        "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK",
    )
    tool = messages_expected(MESSAGES_TOOL_USE)
    assert tool.text == "I'll check the current weather in Paris for you."
    assert (tool.stop_reason, tool.stop) == ("tool_use", None)
    thinking = messages_expected(MESSAGES_THINKING)
    assert thinking.text == 'Café au lait ☕, "bien sûr".\nSecond line.'
    assert (thinking.stop_reason, thinking.stop) == ("stop_sequence", HUMAN)
    assert messages_expected(MESSAGES_MIXED).text == "AB C"


def test_legacy_output_options(legacy_outputs: dict[str, bytes]) -> None:
    crlf = legacy_outputs["completions_capture_crlf"]
    assert crlf.count(b"\n") == crlf.count(b"\r\n") > 0
    assert b"event: ping" not in legacy_outputs["completions_capture_no_pings"]
    assert b"event: ping" in legacy_outputs["completions_capture"]


@pytest.mark.parametrize("name", list(LEGACY_CASES))
def test_anthropic_0_2_10_reads_legacy_output(
    name: str, legacy_outputs: dict[str, bytes], legacy_results: dict[str, LegacyResult]
) -> None:
    expected = LEGACY_CASES[name][1]
    output = legacy_outputs[name]
    result = legacy_results[name]
    payloads, done = legacy_data(output)

    assert result["error"] is None, result["error"]
    assert result["events"] == payloads
    assert payloads, "no events written"
    assert result["texts"] == [p["completion"] for p in payloads]
    for before, after in itertools.pairwise(result["texts"]):
        assert utf16(after).startswith(utf16(before))  # cumulative (a split pair rejoins)
    assert result["text"] == expected.text
    assert result["stop_reason"] == expected.stop_reason
    assert result["stop"] == expected.stop
    assert result["model"] == expected.model
    assert result["log_id"] == expected.id
    assert result["truncated"] is False
    assert all(p["stop_reason"] is None for p in payloads[:-1])
    growing = [
        utf16(p["completion"]) for p in payloads if p["stop_reason"] is p["exception"] is None
    ]
    for shorter, longer in itertools.pairwise(growing):
        assert len(longer) > len(shorter), "a non-final event without new text"
    if expected.error is not None:
        assert result["exception"] == expected.exception
        assert not done  # an error ends the legacy stream without [DONE]
    else:
        assert result["exception"] is None
        assert all(p["exception"] is None for p in payloads)
        assert done


# ---------------------------------------------------------------------------------------------
# anthropic 0.3.11 reads our completions output.

COMPLETIONS_CASES: dict[str, tuple[bytes, Expected]] = {
    "legacy_fixture": (
        LEGACY,
        Expected(LEGACY_TEXT, "stop_sequence", HUMAN, "claude-v1", LEGACY_LOG_ID),
    ),
    "messages_text": (MESSAGES_TEXT, messages_expected(MESSAGES_TEXT)),
    "messages_tool_use": (MESSAGES_TOOL_USE, messages_expected(MESSAGES_TOOL_USE)),
    "messages_thinking": (MESSAGES_THINKING, messages_expected(MESSAGES_THINKING)),
    "messages_mixed_blocks": (MESSAGES_MIXED, messages_expected(MESSAGES_MIXED)),
    "messages_stop_sequence": (MESSAGES_STOP_END, messages_expected(MESSAGES_STOP_END, stop="END")),
    "messages_max_tokens": (MESSAGES_MAX_TOKENS, messages_expected(MESSAGES_MAX_TOKENS)),
    "messages_error": (
        MESSAGES_ERROR,
        Expected("Hi there", None, None, "claude-sonnet-4-5", MSG_ID, error=ERROR_PAYLOAD),
    ),
    "legacy_exception": (
        legacy_stream([" Hi"], exception=OVERLOADED, done=False),
        Expected(" Hi", None, None, "claude-v1", LEGACY_LOG_ID, error=ERROR_PAYLOAD),
    ),
    "legacy_exception_with_text": (
        legacy_stream([" Hi"], final=" there", exception=OVERLOADED, done=False),
        Expected(" Hi there", None, None, "claude-v1", LEGACY_LOG_ID, error=ERROR_PAYLOAD),
    ),
    "legacy_exception_free_form": (
        legacy_stream([" Hi"], exception="Something broke", done=False),
        Expected(
            " Hi",
            None,
            None,
            "claude-v1",
            LEGACY_LOG_ID,
            error={"type": "error", "error": {"type": "api_error", "message": "Something broke"}},
        ),
    ),
    "legacy_max_tokens": (
        legacy_stream([" The", " end"], stop_reason="max_tokens", stop=None, ping_after=1),
        Expected(" The end", "max_tokens", None, "claude-v1", LEGACY_LOG_ID),
    ),
    "legacy_line_separators": (
        legacy_stream(TRICKY_TOKENS),
        Expected(TRICKY_TEXT, "stop_sequence", HUMAN, "claude-v1", LEGACY_LOG_ID),
    ),
    "legacy_line_separators_escaped": (
        legacy_stream(TRICKY_TOKENS, ascii=True),
        Expected(TRICKY_TEXT, "stop_sequence", HUMAN, "claude-v1", LEGACY_LOG_ID),
    ),
    "messages_line_separators": (
        MESSAGES_TRICKY,
        Expected(TRICKY_TEXT, "stop_sequence", HUMAN, "claude-sonnet-4-5", MSG_ID),
    ),
    "messages_split_surrogate": (
        split_surrogate_messages(),
        Expected("Smile 😀!", "stop_sequence", HUMAN, "claude-sonnet-4-5", MSG_ID),
    ),
}


@pytest.fixture(scope="module")
def completions_outputs() -> dict[str, bytes]:
    return {name: convert(data, "completions") for name, (data, _) in COMPLETIONS_CASES.items()}


@pytest.fixture(
    scope="module",
    params=[{}, {"use_async": True}, {"chunk_size": 1}],
    ids=["sync", "async", "byte-by-byte"],
)
def completions_results(
    request: pytest.FixtureRequest, completions_outputs: dict[str, bytes]
) -> dict[str, CompletionsResult]:
    results = run_2023_06_01_many(list(completions_outputs.values()), **request.param)
    return dict(zip(completions_outputs, results, strict=True))


@pytest.mark.parametrize("name", list(COMPLETIONS_CASES))
def test_anthropic_0_3_11_reads_completions_output(
    name: str,
    completions_outputs: dict[str, bytes],
    completions_results: dict[str, CompletionsResult],
) -> None:
    expected = COMPLETIONS_CASES[name][1]
    output = completions_outputs[name]
    result = completions_results[name]
    payloads = completion_payloads(output)

    assert result["events"] == payloads
    assert all(
        list(p) == ["type", "id", "completion", "stop_reason", "model", "stop", "log_id"]
        for p in payloads
    )
    assert result["text"] == expected.text
    assert result["model"] == expected.model
    assert result["id"] == expected.id
    assert all(p["id"] == expected.id for p in payloads)
    if expected.error is not None:
        assert result["error"] == {
            "type": "APIStatusError",
            "module": "anthropic",
            "message": str(expected.error),
            "status_code": 200,
            "body": expected.error,
        }
        assert result["stop_reason"] is None
        assert named_events(output)[-1] == (
            "error",
            json.dumps(expected.error, separators=(",", ":")),
        )
    else:
        assert result["error"] is None, result["error"]
        assert result["stop_reason"] == expected.stop_reason
        assert result["stop"] == expected.stop
        assert result["texts"][-1] == ""
        assert all(t for t in result["texts"][:-1])  # no empty non-final deltas
    for char in LINE_SEPARATORS:
        assert char.encode() not in output, f"raw {char!r} would cut 0.3.11's data line"


# ---------------------------------------------------------------------------------------------
# Today's SDK reads our messages output.

# The docs sample has no id: Messages output gets "msg_" + a hash of its first event's data.
_FIRST_DATA = COMPLETIONS_ERROR.split(b"\n\n")[0].split(b"data: ", 1)[1]
ERROR_DOCS_ID = "msg_" + hashlib.sha256(_FIRST_DATA).hexdigest()[:24]

MESSAGES_CASES: dict[str, tuple[bytes, Expected, list[str]]] = {
    "legacy_fixture": (
        LEGACY,
        Expected(LEGACY_TEXT, "end_turn", None, "claude-v1", LEGACY_LOG_ID),
        [" Hello", "!", " My name is Claude."],
    ),
    "completions_capture": (
        COMPLETIONS,
        Expected(" Hello, world!", "end_turn", None, "claude-instant-1.2", COMPLETIONS_ID),
        [" Hello", ", ", "world!"],
    ),
    "completions_error_docs": (
        COMPLETIONS_ERROR,
        Expected(" Hello", None, None, "claude-2.0", ERROR_DOCS_ID, error=ERROR_PAYLOAD),
        [" Hello"],
    ),
    "completions_empty": (  # one empty text block, so get_final_text() works
        completions_stream([]),
        Expected("", "end_turn", None, "claude-2.1", COMPL_ID),
        [],
    ),
    "legacy_empty": (
        legacy_stream([], stop_reason="max_tokens", stop=None),
        Expected("", "max_tokens", None, "claude-v1", LEGACY_LOG_ID),
        [],
    ),
    "completions_max_tokens": (
        completions_stream([" The", " end"], stop_reason="max_tokens", stop=None),
        Expected(" The end", "max_tokens", None, "claude-2.1", COMPL_ID),
        [" The", " end"],
    ),
    "completions_stop_sequence": (
        completions_stream([" 1, 2, 3"], stop_reason="stop_sequence", stop="END"),
        Expected(" 1, 2, 3", "stop_sequence", "END", "claude-2.1", COMPL_ID),
        [" 1, 2, 3"],
    ),
    "legacy_max_tokens": (
        legacy_stream([" The", " end"], stop_reason="max_tokens", stop=None),
        Expected(" The end", "max_tokens", None, "claude-v1", LEGACY_LOG_ID),
        [" The", " end"],
    ),
    "legacy_stop_sequence": (
        legacy_stream([" 1, 2, 3"], stop="END"),
        Expected(" 1, 2, 3", "stop_sequence", "END", "claude-v1", LEGACY_LOG_ID),
        [" 1, 2, 3"],
    ),
    "completions_non_ascii": (
        completions_stream(TRICKY_TOKENS),
        Expected(TRICKY_TEXT, "end_turn", None, "claude-2.1", COMPL_ID),
        list(TRICKY_TOKENS),
    ),
    "legacy_non_ascii": (
        legacy_stream(TRICKY_TOKENS, ping_after=2),
        Expected(TRICKY_TEXT, "end_turn", None, "claude-v1", LEGACY_LOG_ID),
        list(TRICKY_TOKENS),
    ),
    "legacy_exception_with_text": (
        legacy_stream([" Hi"], final=" there", exception=OVERLOADED, done=False),
        Expected(" Hi there", None, None, "claude-v1", LEGACY_LOG_ID, error=ERROR_PAYLOAD),
        [" Hi", " there"],
    ),
}

MESSAGES_OUTPUTS = {name: convert(data, "messages") for name, (data, *_) in MESSAGES_CASES.items()}

MessagesReader = Callable[..., MessagesResult]
CreateReader = Callable[..., MessagesCreateResult]


@pytest.mark.parametrize("name", list(MESSAGES_CASES))
@pytest.mark.parametrize("read", [read_messages, read_messages_async], ids=["stream", "async"])
def test_today_sdk_stream_reads_messages_output(read: MessagesReader, name: str) -> None:
    _, expected, texts = MESSAGES_CASES[name]
    result = read(MESSAGES_OUTPUTS[name])
    assert result["texts"] == texts
    assert result["text"] == expected.text
    assert result["model"] == expected.model
    assert result["id"] == expected.id
    assert result["role"] == "assistant"
    assert result["content_types"] == ["text"]
    if expected.error is not None:
        assert result["error"] is not None
        assert result["error"]["type"] == "APIStatusError"
        assert result["error"]["status_code"] == 200
        assert result["error"]["body"] == expected.error
        assert result["error"]["message"] == str(expected.error)
    else:
        assert result["error"] is None, result["error"]
        assert result["stop_reason"] == expected.stop_reason
        assert result["stop_sequence"] == expected.stop


@pytest.mark.parametrize("name", list(MESSAGES_CASES))
@pytest.mark.parametrize(
    "read", [read_messages_create, read_messages_create_async], ids=["create", "async-create"]
)
def test_today_sdk_create_reads_messages_output(read: CreateReader, name: str) -> None:
    _, expected, texts = MESSAGES_CASES[name]
    result = read(MESSAGES_OUTPUTS[name])
    assert result["texts"] == texts
    assert result["text"] == expected.text
    assert result["model"] == expected.model
    assert result["id"] == expected.id
    deltas = ["content_block_delta"] * len(texts)
    start = ["message_start", "content_block_start", *deltas]
    if expected.error is not None:
        assert result["event_types"] == start
        assert result["error"] is not None
        assert result["error"]["type"] == "APIStatusError"
        assert result["error"]["body"] == expected.error
        assert result["stop_reason"] is None
    else:
        assert result["error"] is None, result["error"]
        assert result["event_types"] == [
            *start,
            "content_block_stop",
            "message_delta",
            "message_stop",
        ]
        assert result["stop_reason"] == expected.stop_reason
        assert result["stop_sequence"] == expected.stop
