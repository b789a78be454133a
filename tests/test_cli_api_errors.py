"""The command line (``main(argv)`` in-process, see ``cli_run``) on API errors: an error
answer (or other bytes that are not an event stream) piped in instead of a stream, and a stream
that an API error ended."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import ROOT, run, stderr_lines
from streams import completions_error, completions_event, completions_stream

import sseconv

AUTH = b'{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}'
OLD_FORM = b'{"error": {"type": "overloaded_error", "message": "Overloaded"}}\n'
ERROR_DOCS = ROOT / "tests" / "fixtures" / "completions-2023-06-01-error-docs.sse"
COMMANDS = [["convert", "--to", "legacy"], ["text"], ["detect"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_an_api_error_answer_is_named(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "answer.json").write_bytes(AUTH)
    result = run(*command, "answer.json", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, b"")
    assert stderr_lines(result) == [
        "sseconv: answer.json: the API answered authentication_error: invalid x-api-key"
    ]
    old = run(*command, stdin=OLD_FORM)
    assert stderr_lines(old) == ["sseconv: <stdin>: the API answered overloaded_error: Overloaded"]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(
    ("body", "shown"),
    [
        (b"<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n", "'<!DOCTYPE html>\\n"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "'\ufffdPNG"),
        (b'{"completion": " Hi"}\n{"completion": " Hi!"}\n', '\'{"completion": " Hi"}'),
    ],
    ids=["html", "binary", "jsonl"],
)
def test_other_bytes_are_not_an_event_stream(command: list[str], body: bytes, shown: str) -> None:
    result = run(*command, stdin=body)
    assert (result.returncode, result.stdout) == (1, b"")
    (line,) = stderr_lines(result)
    assert line.startswith(
        f"sseconv: <stdin>: not a server-sent event stream; it starts with {shown}"
    )


def test_validate_names_it_too() -> None:
    result = run("validate", stdin=AUTH)
    assert (result.returncode, result.stderr) == (1, b"")
    assert result.stdout.decode().splitlines() == [
        "<stdin>: the API answered authentication_error: invalid x-api-key",
        "<stdin>: 1 problem (unknown dialect, 0 events)",
    ]


def test_empty_input_is_still_an_unfinished_stream() -> None:
    for stdin in (b"", b"\n\n", b": keep-alive\n\n"):
        result = run("convert", "--to", "legacy", stdin=stdin)
        assert result.returncode == 1
        assert stderr_lines(result)[-1].endswith(
            "expected the stream to finish, found the end of input"
        )


# -- a stream that an API error ended ------------------------------------------------------------

ERROR_ONLY = completions_error("overloaded_error", "Overloaded")


def test_text_of_an_error_only_stream_fails_without_printing_a_line() -> None:
    result = run("text", stdin=ERROR_ONLY)
    assert (result.returncode, result.stdout) == (1, b"")
    assert stderr_lines(result) == [
        "sseconv: <stdin>: event 1, byte 0: the API answered overloaded_error: Overloaded"
    ]


def test_text_before_an_error_is_written_then_the_error() -> None:
    stream = completions_stream([" Hel", "lo"], error=("overloaded_error", "Overloaded"))
    result = run("text", stdin=stream)
    assert (result.returncode, result.stdout) == (1, b" Hello\n")
    offset = len(completions_event(" Hel") + completions_event("lo"))
    assert stderr_lines(result) == [
        f"sseconv: <stdin>: event 3, byte {offset}: the API answered overloaded_error: Overloaded"
    ]
    legacy = sseconv.Converter("legacy").feed(stream)  # a legacy exception: the same
    assert run("text", stdin=legacy).returncode == 1


def test_convert_writes_the_error_and_warns_or_fails_on_request() -> None:
    data = ERROR_DOCS.read_bytes()
    name = ERROR_DOCS.relative_to(ROOT)
    expected = sseconv.Converter("legacy").feed(data)
    where = f"event 2, byte {data.index(b'event: error')}"
    warned = run("convert", "--to", "legacy", name)
    assert (warned.returncode, warned.stdout) == (0, expected)
    assert stderr_lines(warned) == [
        f"sseconv: {name}: warning: {where}: the API answered overloaded_error: Overloaded"
    ]
    failed = run("convert", "--to", "legacy", "--fail-on-api-error", name)
    assert (failed.returncode, failed.stdout) == (1, expected)
    assert stderr_lines(failed) == [
        f"sseconv: {name}: {where}: the API answered overloaded_error: Overloaded"
    ]
    fine = run(
        "convert", "--to", "legacy", "--fail-on-api-error", "-", stdin=completions_stream(["a"])
    )
    assert (fine.returncode, fine.stderr) == (0, b"")


def test_validate_says_the_stream_ended_with_an_api_error() -> None:
    result = run("validate", "-", stdin=ERROR_ONLY)
    assert (result.returncode, result.stderr) == (0, b"")
    # (an error first tells no dialect: read as Messages, the validator's default)
    assert result.stdout == (
        b"<stdin>: ok (messages, 1 event, ended by an API error: overloaded_error: Overloaded)\n"
    )
