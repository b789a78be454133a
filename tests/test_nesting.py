"""One nesting rule for every JSON value sseconv reads (issue 10, item 1).

Arrays and objects may nest ``MAX_DEPTH`` levels deep; deeper input is a
``MalformedEventError`` naming the event, whatever the caller's own stack depth. Each case is
run at every depth around the limit, from a shallow caller, from one a few hundred frames deep
and from one that leaves sseconv only a few dozen frames of the recursion limit.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streams import (
    completions_event,
    completions_stream,
    legacy_done,
    legacy_event,
    legacy_payload,
    messages_stream,
    split_events,
    sse,
    text_block,
)

import sseconv
from sseconv._json import (
    MAX_DEPTH,
    check_nesting,
    dump,
    load_object,
    nesting_depth,
    with_stack_room,
)
from sseconv._options import Mode

T = TypeVar("T")
DEPTHS = range(MAX_DEPTH - 3, MAX_DEPTH + 4)
ROOT = Path(__file__).parent.parent


def stack_depth() -> int:
    frame: Any = sys._getframe(1)
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def at_depth(depth: int, function: Callable[[], T]) -> T:
    """``function()`` called from a stack ``depth`` frames deep."""
    if stack_depth() >= depth:
        return function()
    return at_depth(depth, function)


CALLERS: dict[str, Callable[[], int]] = {
    "shallow": lambda: 0,
    "300 frames": lambda: 300,
    "near the limit": lambda: sys.getrecursionlimit() - 60,
}


def nested(depth: int) -> str:
    """A JSON value that makes the object holding it nest ``depth`` levels in all."""
    return "[" * (depth - 1) + "]" * (depth - 1)


def with_field(event: bytes, field: str) -> bytes:
    """``event`` (one line of JSON object data) with ``field`` added before its last ``}``."""
    head, _, tail = event.rpartition(b"}")
    return head + b"," + field.encode() + b"}" + tail


def completions_with(depth: int) -> tuple[bytes, int]:
    parts = split_events(completions_stream(["Hello", " world"]))
    parts[0] = with_field(parts[0], f'"x":{nested(depth)}')
    return b"".join(parts), 1


def legacy_with(depth: int) -> tuple[bytes, int]:
    first = sse(None, legacy_payload("Hi")[:-1] + f',"x":{nested(depth)}}}', eol="\r\n")
    last = legacy_event("Hi there", stop_reason="stop_sequence", stop="\n\nHuman:")
    return first + last + legacy_done(), 1


def messages_with(depth: int) -> tuple[bytes, int]:
    parts = split_events(messages_stream([text_block("Hi")]))
    at = next(i for i, part in enumerate(parts) if part.startswith(b"event: message_delta"))
    parts[at] = with_field(parts[at], f'"x":{nested(depth)}')
    return b"".join(parts), at + 1


SOURCES = {"completions": completions_with, "legacy": legacy_with, "messages": messages_with}


def convert(stream: bytes, to: str) -> bytes:
    converter = sseconv.Converter(to)
    return converter.feed(stream) + converter.close()


def offset_of(stream: bytes, number: int) -> int:
    return sum(len(part) for part in split_events(stream)[: number - 1])


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("to", ["legacy", "completions", "messages"])
@pytest.mark.parametrize("source", SOURCES)
def test_converting_at_every_depth_around_the_limit(source: str, to: str, caller: str) -> None:
    limit = sys.getrecursionlimit()
    for depth in DEPTHS:
        stream, number = SOURCES[source](depth)
        if depth <= MAX_DEPTH:
            out = at_depth(CALLERS[caller](), partial(convert, stream, to))
            if {source, to} == {"completions", "legacy"}:  # the target carries extra fields
                assert f'"x":{nested(depth)}'.encode() in out
        else:
            with pytest.raises(sseconv.MalformedEventError) as caught:
                at_depth(CALLERS[caller](), partial(convert, stream, to))
            exc = caught.value
            assert f"nested at most {MAX_DEPTH} levels deep, found {depth} levels" in exc.message
            assert (exc.dialect, exc.event_number) == (source, number)
            assert exc.offset == offset_of(stream, number)
        assert sys.getrecursionlimit() == limit  # raised for the call at most, then restored


@pytest.mark.parametrize("caller", CALLERS)
def test_reading_validating_and_detecting_at_every_depth(caller: str) -> None:
    for depth in DEPTHS:
        stream, number = legacy_with(depth)
        first = split_events(stream)[0]
        base = CALLERS[caller]()

        def read(s: bytes = stream) -> list[sseconv.ModelEvent]:
            return list(sseconv.parse_events(s))

        def check(s: bytes = stream) -> list[sseconv.Problem]:
            return sseconv.validate(s, source="legacy")

        problems = at_depth(base, check)
        detected = at_depth(base, partial(sseconv.validate, stream))  # the dialect detected
        found = at_depth(base, partial(sseconv.detect, first))
        if depth <= MAX_DEPTH:
            events = at_depth(base, read)
            assert type(events[-1]) is sseconv.StreamEnd and events[-1].event_number == 3
            assert problems == [] and detected == []
            assert found is sseconv.Dialect.LEGACY
        else:
            with pytest.raises(sseconv.MalformedEventError) as caught:
                at_depth(base, read)
            assert caught.value.event_number == number
            assert [(p.event_number, p.offset) for p in problems] == [(1, 0)]
            assert f"found {depth} levels" in problems[0].message
            assert detected == problems  # (the second event tells the dialect)
            assert found is None  # nothing readable tells the dialect


def test_a_nested_completion_value_is_named_in_the_error() -> None:
    """The legacy decoder quotes a 'completion' that is not a string: never deeper than the
    rule allows, so quoting it cannot recurse too far."""
    for depth in DEPTHS:
        event = sse(None, '{"completion":' + nested(depth) + "}")
        converter = sseconv.Converter("completions", source="legacy")
        with pytest.raises(sseconv.MalformedEventError) as caught:
            at_depth(sys.getrecursionlimit() - 60, partial(converter.feed, event))
        expected = "a string 'completion'" if depth <= MAX_DEPTH else f"found {depth} levels"
        assert expected in caught.value.message
        assert (caught.value.dialect, caught.value.event_number) == ("legacy", 1)


def test_a_data_only_event_too_deep_to_read_is_named_when_detection_fails() -> None:
    """Too deep to read, a data-only event tells no dialect; if no other event does, the
    detection error says why."""
    for depth in (MAX_DEPTH + 1, 980):
        event = sse(None, '{"completion":"a","x":' + nested(depth) + "}")
        with pytest.raises(sseconv.DetectionError) as caught:
            convert(event + sse(None, "[DONE]"), "completions")
        assert caught.value.message == (
            "expected an event that tells the dialect, found only data-only JSON nested deeper "
            f"than {MAX_DEPTH} levels and data-only events that are not legacy completions: "
            "an OpenAI-style stream?"
        )
        problems = sseconv.validate(event)
        assert [p.message for p in problems] == [
            "expected an event that tells the dialect, found only data-only JSON nested deeper "
            f"than {MAX_DEPTH} levels"
        ]
        for mode in ("default", "lenient"):
            converter = sseconv.Converter("messages", mode=mode)
            with pytest.raises(sseconv.DetectionError):
                converter.feed(event)
                converter.close()


def test_lenient_mode_counts_an_event_too_deep_to_read() -> None:
    stream, _ = legacy_with(MAX_DEPTH + 1)
    converter = sseconv.Converter("completions", mode="lenient")
    out = converter.feed(stream) + converter.close()
    assert converter.report.malformed == 1 and converter.report.finished
    assert b'"completion":"Hi there"' in out or b'"completion":" there"' in out


def test_the_audit_reproduction_through_the_command() -> None:
    """A completions event with an extra field nested 980 deep, converted to legacy: one line
    on stderr and exit status 1, no traceback."""
    stream = with_field(completions_event("Hi"), '"x":' + "[" * 980 + "]" * 980)
    stream += completions_event("", stop_reason="stop_sequence", stop="\n\nHuman:")
    result = subprocess.run(
        [sys.executable, "-m", "sseconv", "convert", "--to", "legacy"],
        input=stream,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert b"Traceback" not in result.stderr
    assert b"nested at most 64 levels deep, found 981 levels" in result.stderr
    assert b"event 1, byte 0" in result.stderr
    assert result.stdout == b""


# -- the rule itself, for later parsers --------------------------------------------------------


def test_brackets_inside_strings_do_not_count() -> None:
    text = '{"a": "[[[{{{\\"[[[", "b": [["]]]"]]}'
    assert nesting_depth(text) == 3
    assert nesting_depth('"unterminated [[[[') == 0
    assert nesting_depth("") == 0
    deep_in_string = '{"t": "' + "[" * 500 + '"}'
    check_nesting(deep_in_string, "a value")  # the full check runs and finds depth 1
    assert load_object(deep_in_string, "a value") == {"t": "[" * 500}


def test_the_pre_check_and_the_full_check_agree() -> None:
    for depth in range(1, 2 * MAX_DEPTH):
        text = "[" * depth + "]" * depth
        assert nesting_depth(text) == depth
        if depth <= MAX_DEPTH:
            check_nesting(text, "a value")
        else:
            with pytest.raises(sseconv.MalformedEventError, match=f"found {depth} levels"):
                check_nesting(text, "a value")


def test_stack_room_near_the_limit() -> None:
    """What the rule lets through can be written back and compared from any caller."""
    value = load_object('{"x":' + nested(MAX_DEPTH) + "}", "a value")
    base = sys.getrecursionlimit() - 30

    def work() -> tuple[str, bool]:
        return dump(value), value == load_object(dump(value), "a value")

    assert at_depth(base, lambda: with_stack_room(work)) == (
        '{"x":' + nested(MAX_DEPTH) + "}",
        True,
    )
    assert at_depth(base, lambda: dump(value)).startswith('{"x":[[')


_PIECES = ['{"completion":', '"a"', "[", "]", "{", "}", '"x":', ",", '"\\"[', "}}", "]]", " "]


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(st.sampled_from([None, "completion", "message_delta", "ping", "error"])),
    bodies=st.lists(
        st.tuples(st.lists(st.sampled_from(_PIECES), max_size=12), st.integers(0, 150)),
        min_size=1,
        max_size=6,
    ),
    caller=st.sampled_from(list(CALLERS)),
    mode=st.sampled_from(["strict", "default", "lenient"]),
)
def test_any_nesting_gives_output_or_our_error(
    names: list[str | None], bodies: list[tuple[list[str], int]], caller: str, mode: Mode
) -> None:
    """Events whose data mixes JSON fragments with runs of brackets up to 150 deep, under any
    name: every entry point gives its result or an SSEConvError, from any caller depth."""
    stream = b""
    for index, (parts, depth) in enumerate(bodies):
        name = names[index] if index < len(names) else None
        data = "".join(parts[:6]) + "[" * depth + "]" * depth + "".join(parts[6:])
        stream += sse(name, data)
    base = CALLERS[caller]()

    def run_all() -> None:
        for to in ("legacy", "completions", "messages"):
            with contextlib.suppress(sseconv.SSEConvError):
                convert_in(stream, to, mode)
        with contextlib.suppress(sseconv.SSEConvError):
            list(sseconv.parse_events(stream, mode=mode))
        sseconv.validate(stream)
        sseconv.detect(stream)

    at_depth(base, run_all)


def convert_in(stream: bytes, to: str, mode: Mode) -> bytes:
    converter = sseconv.Converter(to, mode=mode)
    return converter.feed(stream) + converter.close()
