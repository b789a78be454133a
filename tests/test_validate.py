"""The library's checker of recordings: :class:`sseconv.Validator` and :func:`sseconv.validate`.

Every problem is reported with its position (the 1-based number of the SSE event, counting every
dispatched event, and the byte offset of its first line); a bad event does not stop the check,
an oversize event or a dialect that cannot be told does. The command ``sseconv validate`` prints
these problems (tests/test_cli.py).
"""

from __future__ import annotations

import pytest
from streams import FIXTURE_NAMES, read_fixture
from streams import short_completion as completion

import sseconv
from sseconv import Dialect, Problem, UsageError, Validator, validate

INCOMPLETE = "expected the stream to finish, found the end of input"
NO_BLANK_LINE = (
    "expected a blank line after the last event, found the end of input (the event is discarded)"
)
PING = b'event: ping\ndata: {"type": "ping"}\n\n'


def offsets(parts: list[bytes]) -> list[int]:
    return [sum(map(len, parts[:i])) for i in range(len(parts))]


BAD_PARTS = [
    completion(" a"),
    b"event: completion\ndata: {oops\n\n",  # bad JSON
    completion("b"),
    b"event: completion\ndata: []\n\n",  # not an object
    b"data: [DONE]\n\n",  # added by a proxy: a warning
    b'event: completion\ndata: {"completion": "c", "stop_reason": null',  # no blank line
]
BAD = b"".join(BAD_PARTS)


def bad_problems() -> list[Problem]:
    at = offsets(BAD_PARTS)
    return [
        Problem(
            "expected a completion as JSON, found invalid JSON (Expecting property name "
            "enclosed in double quotes at column 2): '{oops'",
            2,
            at[1],
        ),
        Problem("expected a completion as a JSON object, found list: '[]'", 4, at[3]),
        Problem(
            "[DONE] is not part of the completions dialect (a proxy added it?); convert removes it",
            5,
            at[4],
            "warning",
        ),
        Problem(NO_BLANK_LINE, 6, at[5], hint="dispatch_incomplete"),
        Problem(INCOMPLETE, 6, len(BAD)),
    ]


def feed_all(validator: Validator, chunks: list[bytes]) -> list[Problem]:
    problems: list[Problem] = []
    for chunk in chunks:
        problems += validator.feed(chunk)
    return problems + validator.close()


def byte_by_byte(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


# -- every problem, with its position ----------------------------------------------------------


def test_every_problem_is_listed_with_its_position() -> None:
    validator = Validator()
    assert feed_all(validator, [BAD]) == bad_problems()
    assert validator.source is Dialect.COMPLETIONS
    assert validator.events == 5  # the event without its blank line is discarded


def test_the_convenience_function() -> None:
    assert validate([BAD]) == bad_problems()
    assert validate([BAD], source="2023-06-01") == bad_problems()


def test_problems_come_from_the_feed_that_reveals_them() -> None:
    validator = Validator()
    split = len(b"".join(BAD_PARTS[:3]))
    first = validator.feed(BAD[:split])
    assert [p.event_number for p in first] == [2]
    rest = validator.feed(BAD[split:])
    assert [p.event_number for p in rest] == [4, 5]
    assert first + rest + validator.close() == bad_problems()


def test_dispatch_incomplete_checks_the_last_event() -> None:
    problems = validate([BAD], dispatch_incomplete=True)
    *same, last, incomplete = problems
    assert same == bad_problems()[:3]
    assert last.event_number == 6
    assert last.message.startswith("expected a completion as JSON, found invalid JSON")
    assert incomplete == Problem(INCOMPLETE, 7, len(BAD))


def test_events_after_the_end() -> None:
    parts = [completion("a"), completion("", "stop_sequence"), completion("x"), completion("y")]
    at = offsets(parts)
    message = "expected nothing after the end of the completions stream, found event 'completion'"
    assert validate(parts) == [Problem(message, 3, at[2]), Problem(message, 4, at[3])]


def test_the_wrong_dialect_given() -> None:
    data = read_fixture("completions-2023-06-01-capture.sse")
    validator = Validator("legacy")
    problems = feed_all(validator, [data])
    assert validator.source is Dialect.LEGACY
    assert [p.event_number for p in problems] == [1, 2, 3, 5, 6]  # event 4 is a ping
    assert problems[0].message.startswith("expected a legacy event, found one of the completions")
    assert problems[-1] == Problem(INCOMPLETE, 6, len(data))


def test_a_bom_and_crlf_count_in_the_offsets() -> None:
    parts = [b"\xef\xbb\xbf" + completion("a"), b"event: completion\ndata: {oops\n\n"]
    parts = [p.replace(b"\n", b"\r\n") for p in parts] + [completion("", "stop_sequence")]
    (problem,) = validate([b"".join(parts)])
    assert (problem.event_number, problem.offset) == (2, len(parts[0]))


# -- warnings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stream", "dialect"),
    [
        ("completions-2023-06-01-capture.sse", "completions"),
        ("messages-text-capture.sse", "messages"),
    ],
)
def test_done_in_completions_and_messages_is_a_warning(stream: str, dialect: str) -> None:
    data = read_fixture(stream)
    problems = validate([data, b"data: [DONE]\n\n"])
    assert problems == [
        Problem(
            f"[DONE] is not part of the {dialect} dialect (a proxy added it?); convert removes it",
            len(sseconv.SSEParser().feed(data)) + 1,
            len(data),
            "warning",
        )
    ]
    assert str(problems[0]).startswith("warning: [DONE] is not part of")


def test_done_in_legacy_is_no_problem() -> None:
    data = read_fixture("legacy-2023-01-01-reconstructed.sse")
    assert b"[DONE]" in data
    assert validate([data]) == []


# -- clean recordings; chunking ------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_the_fixtures_are_clean(name: str) -> None:
    data = read_fixture(name)
    validator = Validator()
    assert feed_all(validator, [data]) == []
    assert validator.source is sseconv.detect(data)
    assert validator.events == len(sseconv.SSEParser(dispatch_incomplete=True).feed(data))


def _cases() -> list[bytes]:
    return [
        BAD,
        BAD.replace(b"\n", b"\r\n"),
        b"\xef\xbb\xbf" + BAD,
        PING * 3,
        PING * 2 + b'event: completion\ndata: {"completion": "c"',
        b"",
        b": a comment\n\n",
        *(read_fixture(name) for name in FIXTURE_NAMES),
    ]


@pytest.mark.parametrize("data", _cases(), ids=lambda d: f"{len(d)}B")
def test_chunking_does_not_change_the_result(data: bytes) -> None:
    whole = Validator()
    expected = feed_all(whole, [data])
    single = Validator()
    assert feed_all(single, byte_by_byte(data)) == expected
    assert (single.events, single.source) == (whole.events, whole.source)
    for size in (2, 7, 100):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert validate(chunks) == expected


# -- what ends the check ---------------------------------------------------------------------------


def test_no_event_tells_the_dialect() -> None:
    validator = Validator()
    assert feed_all(validator, [PING * 3]) == [
        Problem("expected an event that tells the dialect, found only 'ping'", 3, 2 * len(PING))
    ]
    assert (validator.source, validator.events) == (None, 3)


def test_a_last_event_without_blank_line_is_reported_before_the_undecided_dialect() -> None:
    data = PING * 2 + b'event: completion\ndata: {"completion": "c"'
    assert validate([data]) == [
        Problem(NO_BLANK_LINE, 3, 2 * len(PING), hint="dispatch_incomplete"),
        Problem("expected an event that tells the dialect, found only 'ping'", 2, len(PING)),
    ]


def test_no_event_at_all() -> None:
    assert validate([]) == [Problem("expected a stream, found no event", offset=0)]
    assert validate([b"\n\n: hi\n"]) == [Problem("expected a stream, found no event", offset=7)]
    assert validate([b""], source="messages") == [Problem(INCOMPLETE, 1, 0)]


def test_detection_stops_after_the_limit() -> None:
    validator = Validator(detect_limit=100)
    assert validator.feed(PING * 2) == []  # 72 bytes: still looking
    assert validator.feed(PING) == [
        Problem(
            "expected an event that tells the dialect within the first 100 bytes, "
            "found only 'ping'",
            None,
            100,
            hint="source",
        )
    ]
    assert validator.events == 3
    assert validator.feed(completion("a")) == []
    assert validator.close() == []
    assert validator.source is None


def test_an_oversize_event_stops_the_check() -> None:
    big = b"event: completion\ndata: " + b"x" * 200 + b"\n\n"
    parts = [completion("a"), b"event: completion\ndata: {oops\n\n", big, completion("b")]
    at = offsets(parts)
    validator = Validator(max_event_size=len(parts[0]))
    problems = validator.feed(b"".join(parts[:3]))
    assert [p.event_number for p in problems] == [2, 3]
    assert problems[1] == Problem(
        f"expected an event of at most {len(parts[0])} bytes, found a larger one; "
        "the rest of the input cannot be checked",
        3,
        at[2],
    )
    assert validator.feed(parts[3]) == []
    assert validator.close() == []  # no "did not finish": nothing after it was checked
    assert validator.events == 2


def test_an_oversize_event_at_the_end_of_input() -> None:
    """A large block is parsed line by line; its last line, without a line end, is taken only
    at close(), which finds the event too large."""
    head = completion("a")
    data = head + b"data: " + b"x" * 70_000 + b"\ndata: " + b"y" * 40_000  # no final line end
    validator = Validator(max_event_size=100_000)
    assert validator.feed(data) == []
    assert validator.close() == [
        Problem(
            "expected an event of at most 100000 bytes, found a larger one; "
            "the rest of the input cannot be checked",
            2,
            len(head),
        )
    ]


def test_oversize_while_detecting_reports_both() -> None:
    data = PING * 3 + b"event: completion\ndata: " + b"x" * 200 + b"\n\n"
    problems = validate([data], detect_limit=100, max_event_size=150)
    assert [(p.event_number, p.offset) for p in problems] == [(None, 100), (4, 3 * len(PING))]


# -- the API ---------------------------------------------------------------------------------------


def test_no_input_after_close() -> None:
    validator = Validator("completions")
    validator.close()
    assert validator.close() == []
    with pytest.raises(UsageError, match="no input after close"):
        validator.feed(b"data: x\n\n")


def test_an_unknown_dialect_name_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        Validator("2022-01-01")


def test_problem_is_frozen_and_prints_its_position() -> None:
    problem = Problem("expected x, found y", 2, 17)
    assert str(problem) == "expected x, found y (event 2, byte 17)"
    assert str(Problem("m", offset=3)) == "m (byte 3)"
    assert str(Problem("m", severity="warning")) == "warning: m"
    with pytest.raises(AttributeError):
        problem.message = "other"  # type: ignore[misc]
