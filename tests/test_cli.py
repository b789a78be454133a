"""The command line on the fixtures and on streams built here: ``main(argv)`` in-process with
its file descriptors redirected (see ``cli_run``), and as a process (``python -m sseconv``, the
``sseconv`` script) for shell pipes, live output, Ctrl-C and the exit status."""

from __future__ import annotations

import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_run import ROOT, SSECONV, TIMEOUT, run, run_process, shell, stderr_lines
from streams import json_event as sse
from streams import short_completion as completion

import sseconv
from sseconv import Converter, EventReader, TextDelta

FIXTURES = sorted((ROOT / "tests" / "fixtures").glob("*.sse"))
TARGETS = ("legacy", "completions", "messages")
LEGACY = ROOT / "tests" / "fixtures" / "legacy-2023-01-01-reconstructed.sse"
COMPLETIONS = ROOT / "tests" / "fixtures" / "completions-2023-06-01-capture.sse"
TOOL_USE = ROOT / "tests" / "fixtures" / "messages-tool-use-capture.sse"
ERROR_DOCS = ROOT / "tests" / "fixtures" / "completions-2023-06-01-error-docs.sse"


def text_of(data: bytes, source: str | None = None) -> str:
    events = sseconv.parse_events([data], source=source)
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def converted(data: bytes, to: str, **options: object) -> bytes:
    """What the library converts ``data`` to, in-process (output of a bad input included)."""
    converter = Converter(to, **options)  # type: ignore[arg-type]
    try:
        return converter.feed(data) + converter.close()
    except sseconv.SSEConvError as exc:
        return exc.output


_PING_TIME = re.compile(rb"(event: ping\r?\ndata: )\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+")


def same_but_ping_times(a: bytes, b: bytes) -> bool:
    """Synthesized legacy pings carry the current time."""
    return _PING_TIME.sub(rb"\1T", a) == _PING_TIME.sub(rb"\1T", b)


# -- convert: every fixture to every dialect ---------------------------------------------------


@pytest.mark.parametrize("to", TARGETS)
@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_convert_fixture(fixture: Path, to: str) -> None:
    data = fixture.read_bytes()
    result = run("convert", "--to", to, fixture.relative_to(ROOT))
    assert result.returncode == 0, result.stderr
    for line in stderr_lines(result):  # only warnings, e.g. dropped usage or tool use
        assert line.startswith(f"sseconv: {fixture.relative_to(ROOT)}: warning: "), line
    out = result.stdout
    assert same_but_ping_times(out, converted(data, to))
    reader = EventReader(source=to)
    reader.feed(out)
    reader.close()
    assert reader.report.finished
    assert text_of(out, to) == text_of(data)
    if sseconv.detect(data) == to:
        assert out == data  # same dialect in and out: the bytes pass unchanged


def test_convert_stdin_is_the_default_and_dash() -> None:
    data = LEGACY.read_bytes()
    expected = converted(data, "completions")
    default = run("convert", "--to", "2023-06-01", stdin=data)
    dash = run("convert", "--to", "completions", "--from", "2023-01-01", "-", stdin=data)
    for result in (default, dash):
        assert (result.returncode, result.stdout, result.stderr) == (0, expected, b"")


def test_convert_to_output_file(tmp_path: Path) -> None:
    target = tmp_path / "out.sse"
    result = run("convert", "--to", "messages", "-o", target, LEGACY)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    assert target.read_bytes() == converted(LEGACY.read_bytes(), "messages")


def test_convert_several_inputs_one_after_another(tmp_path: Path) -> None:
    stdin = COMPLETIONS.read_bytes()
    result = run("convert", "--to", "legacy", LEGACY, "-", TOOL_USE, stdin=stdin)
    assert result.returncode == 0
    expected = b"".join(
        converted(data, "legacy") for data in (LEGACY.read_bytes(), stdin, TOOL_USE.read_bytes())
    )
    assert same_but_ping_times(result.stdout, expected)
    # tool use dropped: a warning naming the file
    assert any(
        line.startswith(f"sseconv: {TOOL_USE}: warning: dropped 1 × tool_use")
        for line in stderr_lines(result)
    )


def test_convert_options(tmp_path: Path) -> None:
    data = COMPLETIONS.read_bytes()
    crlf = run("convert", "--to", "legacy", "--eol", "crlf", "--drop-pings", "-", stdin=data)
    assert (crlf.returncode, crlf.stderr) == (0, b"")  # pings dropped on request: no warning
    assert b"ping" not in crlf.stdout
    assert crlf.stdout == converted(data, "legacy", eol="\r\n", pings="drop")
    assert crlf.stdout.count(b"\r\n") == crlf.stdout.count(b"\n") > 0
    # a recording without its final blank line: cut by default, whole with --keep-last
    cut = data.rstrip(b"\n") + b"\n"
    lost = run("convert", "--to", "legacy", "-", stdin=cut)
    kept = run("convert", "--to", "legacy", "--keep-last", "-", stdin=cut)
    assert lost.returncode == 1
    assert stderr_lines(lost) == [  # a pipe: the standard's rule, and what would take it
        f"sseconv: <stdin>: event 5, byte {len(cut)}: expected the stream to finish, "
        "found the end of input inside an event (--keep-last takes it: its last line is "
        "complete)"
    ]
    assert (kept.returncode, kept.stderr) == (0, b"")
    assert same_but_ping_times(kept.stdout, converted(data, "legacy"))


def test_convert_large_output_written_in_pieces(tmp_path: Path) -> None:
    """A legacy event repeats the text so far: 700 events of 40 characters give ~9 MB of
    output from ~150 KB of input, fed in pieces to bound memory; the bytes are the same."""
    data = b"".join(completion(f" {i:04} abcdefghijklmnopqrstuvwxyz.,:;") for i in range(700))
    data += completion("", "stop_sequence")
    (tmp_path / "long.sse").write_bytes(data)
    result = run("convert", "--to", "legacy", "long.sse", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, b"")
    assert len(result.stdout) > 8_000_000
    assert result.stdout == converted(data, "legacy")


# -- exit status 1: bad input, after everything convertible was written -------------------------


def test_bad_json_names_file_event_and_byte(tmp_path: Path) -> None:
    good = LEGACY.read_bytes()
    at = good.index(b"data: {", good.index(b"event: ping"))  # the 4th event
    bad = good[:at] + b"data: {not json}\r\n\r\n" + good[at:]
    (tmp_path / "input.sse").write_bytes(bad)
    result = run("convert", "--to", "completions", "input.sse", cwd=tmp_path)
    assert result.returncode == 1
    (line,) = stderr_lines(result)
    assert line.startswith(f"sseconv: input.sse: event 4, byte {at}: expected ")
    assert "found invalid JSON" in line
    before = converted(good[:at], "completions")
    assert result.stdout == before
    assert text_of(before, "completions") == " Hello!"


def test_cut_stream(tmp_path: Path) -> None:
    data = LEGACY.read_bytes()
    cut = data[: data.index(b"data: [DONE]") - 10]  # inside the final completion event
    result = run("convert", "--to", "messages", "-", stdin=cut)
    assert result.returncode == 1
    assert stderr_lines(result) == [  # the event that is missing, and where
        f"sseconv: <stdin>: event 5, byte {len(cut)}: expected the stream to finish, "
        "found the end of input inside an event (its last line has no line end: a cut event)"
    ]
    assert result.stdout == converted(cut, "messages")
    assert b"message_stop" not in result.stdout  # a cut input stays visibly cut
    strict = run("convert", "--to", "messages", "--strict", "-", stdin=cut)
    assert (strict.returncode, strict.stdout) == (1, result.stdout)
    assert stderr_lines(strict) == stderr_lines(result)


def test_events_after_done(tmp_path: Path) -> None:
    data = LEGACY.read_bytes()
    extra = b'data: {"completion":" Hello! My name is Claude. More"}\r\n\r\n'
    (tmp_path / "after.sse").write_bytes(data + extra)
    result = run("convert", "--to", "completions", "after.sse", cwd=tmp_path)
    assert result.returncode == 1
    assert stderr_lines(result) == [
        f"sseconv: after.sse: event 7, byte {len(data)}: expected nothing after the end of "
        "the legacy stream, found event (data-only)"
    ]
    assert result.stdout == converted(data, "completions")  # all of the stream, finished
    lenient = run("convert", "--to", "completions", "--lenient", "after.sse", cwd=tmp_path)
    assert (lenient.returncode, lenient.stdout) == (0, result.stdout)
    assert stderr_lines(lenient) == [
        "sseconv: after.sse: warning: dropped 1 event(s) after the end of the stream"
    ]


def test_strict_fails_on_dropped_content_and_goes_on_with_the_next_input() -> None:
    result = run("convert", "--to", "legacy", "--strict", TOOL_USE, LEGACY)
    assert result.returncode == 1
    *warnings, line = stderr_lines(result)  # the error line comes last
    assert all(": warning: dropped usage " in warning for warning in warnings)
    tool_use = TOOL_USE.read_bytes()
    at = tool_use.index(
        b'event: content_block_start\ndata: {"type":"content_block_start","index":1'
    )
    assert line.startswith(f"sseconv: {TOOL_USE}: event 7, byte {at}: ")
    before = converted(tool_use, "legacy", mode="strict")
    assert text_of(before, "legacy") == "I'll check the current weather in Paris for you."
    assert same_but_ping_times(result.stdout, before + LEGACY.read_bytes())


# -- exit status 2: usage errors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["convert", "--to", "klingon", "-"], "argument --to: expected a dialect"),
        (["convert", "--to", "legacy", "--from", "2024-01-01"], "found '2024-01-01'"),
        (["convert", "-"], "the following arguments are required: --to"),
        (["convert", "--to", "legacy", "--strict", "--lenient"], "not allowed with argument"),
        (["convert", "--to", "legacy", "--eol", "cr"], "invalid choice: 'cr'"),
        ([], "the following arguments are required: COMMAND"),
        (["text", "tests"], "tests: cannot open: Is a directory"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    assert result.stdout == b""  # a missing input is found before anything is written


def test_help_shows_examples_and_every_option() -> None:
    main = run("--help")
    assert main.returncode == 0
    for command in ("convert", "detect", "text", "validate", "exit status", "141"):
        assert command in main.stdout.decode()
    convert = run("convert", "--help").stdout.decode()
    assert "sseconv convert --to completions examples/legacy.sse" in convert
    for option in ("--to", "--from", "--eol", "--strict", "--lenient", "--keep-last"):
        assert option in convert
    for option in ("--drop-pings", "-o OUTPUT", "INPUT"):
        assert option in convert
    assert run("--version").stdout.decode() == f"sseconv {sseconv.__version__}\n"


def test_console_script() -> None:
    script = shutil.which("sseconv", path=str(Path(sys.executable).parent))
    assert script is not None, "the sseconv script is not installed next to this Python"
    result = subprocess.run(
        [script, "detect", LEGACY], capture_output=True, timeout=TIMEOUT, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, b"legacy\n", b"")


# -- as a process: the exit status, pipes, a reader that goes away, a live stream, Ctrl-C -----


@pytest.mark.parametrize(
    ("args", "stdin", "status"),
    [
        (["detect", LEGACY], b"", 0),
        (["text", "-"], b"event: completion\ndata: {oops\n\n", 1),
        (["convert", "--to", "klingon"], b"", 2),
    ],
    ids=["ok", "bad-input", "usage"],
)
def test_the_process_gives_what_main_gives(
    args: list[str | Path], stdin: bytes, status: int
) -> None:
    """``python -m sseconv`` exits with main's status and writes the same bytes."""
    process = run_process(*args, stdin=stdin)
    assert (process.returncode, process.stdout, process.stderr) == run(*args, stdin=stdin)
    assert process.returncode == status
    assert process.stderr or status == 0


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    big = b"".join(completion(f" token{i}" * 3) for i in range(2000))
    (tmp_path / "big.sse").write_bytes(big + completion("", "stop_sequence"))  # ~40 MB as legacy
    result = shell(
        f'{SSECONV} convert --to legacy big.sse | head -c 10; echo " ${{PIPESTATUS[0]}}"',
        cwd=tmp_path,
    )
    assert result.stdout == b'data: {"co 141\n'
    assert result.stderr == b""


def _read_event(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> bytes:
    """Read from the process's stdout until a blank line ends an event (or fail)."""
    assert proc.stdout is not None
    data = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while not data.endswith(b"\n\n"):
            if not selector.select(timeout):
                pytest.fail(f"no converted event within {timeout} s; got {data!r}")
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                pytest.fail(f"the output ended; got {data!r}")
            data += chunk
    return data


def _start_live(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sseconv", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )


def test_live_stream_each_event_comes_out_at_once() -> None:
    events = [completion(" Hello"), sse("ping", {"type": "ping"}), completion(", world")]
    final = completion("", "stop_sequence")
    reference = Converter("legacy", source="completions")
    proc = _start_live("convert", "--to", "legacy", "--from", "completions")
    assert proc.stdin is not None
    try:
        for event in events:
            proc.stdin.write(event)
            proc.stdin.flush()
            got = _read_event(proc)  # before anything more is written
            assert same_but_ping_times(got, reference.feed(event))
        rest, errors = proc.communicate(final, timeout=TIMEOUT)  # and close stdin
    finally:
        proc.kill()
        proc.wait()
    assert rest == reference.feed(final) + reference.close()
    assert rest.endswith(b"data: [DONE]\n\n")
    assert (proc.returncode, errors) == (0, b"")


def test_ctrl_c_ends_with_130_without_traceback() -> None:
    proc = _start_live("convert", "--to", "messages")
    assert proc.stdin is not None
    try:
        proc.stdin.write(completion(" Hi"))
        proc.stdin.flush()
        assert b"message_start" in _read_event(proc)  # running, waiting for more input
        proc.send_signal(signal.SIGINT)
        _, errors = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130
    assert b"Traceback" not in errors


# -- detect, text, validate -------------------------------------------------------------------


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_detect(fixture: Path) -> None:
    result = run("detect", fixture)
    expected = sseconv.detect(fixture.read_bytes())
    assert expected is not None
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{expected}\n".encode(), b"")


def test_detect_from_stdin_and_undecided() -> None:
    assert run("detect", stdin=COMPLETIONS.read_bytes()).stdout == b"completions\n"
    pings = run("detect", "-", stdin=sse("ping", {"type": "ping"}) * 2)
    assert (pings.returncode, pings.stdout) == (1, b"")
    assert stderr_lines(pings) == [
        "sseconv: <stdin>: cannot tell the dialect: none of its 2 event(s) decides it"
    ]


@pytest.mark.parametrize("fixture", [LEGACY, COMPLETIONS, TOOL_USE], ids=lambda p: p.stem)
def test_text(fixture: Path) -> None:
    result = run("text", fixture)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.decode() == text_of(fixture.read_bytes()) + "\n"


def test_text_joins_a_surrogate_pair_split_across_deltas() -> None:
    # json.dumps writes the lone halves as \ud83d and \ude00 escapes
    stream = completion("A \ud83d") + completion("\ude00!") + completion("", "stop_sequence")
    result = run("text", "-n", stdin=stream)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.decode() == "A 😀!"


def test_text_of_a_bad_stream_writes_the_text_before_the_error() -> None:
    stream = completion(" Hello") + b"event: completion\ndata: {oops\n\n" + completion(" more")
    result = run("text", "-", stdin=stream)
    assert (result.returncode, result.stdout) == (1, b" Hello\n")
    offset = len(completion(" Hello"))
    (line,) = stderr_lines(result)
    assert line.startswith(f"sseconv: <stdin>: event 2, byte {offset}: expected a completion as")


def test_validate_fixtures_ok() -> None:
    result = run("validate", *(p.relative_to(ROOT) for p in FIXTURES))
    assert (result.returncode, result.stderr) == (0, b"")
    lines = result.stdout.decode().splitlines()
    assert len(lines) == len(FIXTURES)
    # A stream ended by an API error is valid; its summary says how it ended.
    ended_by = {ERROR_DOCS: ", ended by an API error: overloaded_error: Overloaded"}
    for fixture, line in zip(FIXTURES, lines, strict=True):
        assert re.fullmatch(
            rf"{re.escape(str(fixture.relative_to(ROOT)))}: ok \(\w+, \d+ events?"
            rf"{re.escape(ended_by.get(fixture, ''))}\)",
            line,
        )
    assert f"{LEGACY.relative_to(ROOT)}: ok (legacy, 6 events)" in lines


def test_validate_lists_every_problem(tmp_path: Path) -> None:
    parts = [
        completion(" a"),
        b"event: completion\ndata: {oops\n\n",  # bad JSON
        completion("b"),
        b"event: completion\ndata: []\n\n",  # not an object
        b"data: [DONE]\n\n",  # added by a proxy: a warning
        b'event: completion\ndata: {"completion": "c", "stop_reason": null',  # no blank line
    ]
    offsets = [sum(map(len, parts[:i])) for i in range(len(parts))]
    data = b"".join(parts)
    (tmp_path / "bad.sse").write_bytes(data)
    (tmp_path / "good.sse").write_bytes(COMPLETIONS.read_bytes())
    result = run("validate", "bad.sse", "good.sse", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (1, b"")
    assert result.stdout.decode().splitlines() == [
        f"bad.sse: event 2, byte {offsets[1]}: expected a completion as JSON, found invalid "
        "JSON (Expecting property name enclosed in double quotes at column 2): '{oops'",
        f"bad.sse: event 4, byte {offsets[3]}: expected a completion as a JSON object, "
        "found list: '[]'",
        f"bad.sse: event 5, byte {offsets[4]}: warning: [DONE] is not part of the completions "
        "dialect (a proxy added it?); convert removes it",
        f"bad.sse: event 6, byte {offsets[5]}: expected a blank line after the last event, "
        "found the end of input (the event is discarded; its last line has no line end: "
        "a cut event)",
        f"bad.sse: event 6, byte {len(data)}: expected the stream to finish, found the end "
        "of input",
        "bad.sse: 4 problems (completions, 5 events, 1 warning)",
        "good.sse: ok (completions, 5 events)",
    ]


def test_validate_with_a_given_dialect_and_no_dialect() -> None:
    given = run("validate", "--from", "legacy", LEGACY.relative_to(ROOT))
    assert given.returncode == 0
    messages = run("validate", "--from", "completions", "-", stdin=TOOL_USE.read_bytes())
    lines = messages.stdout.decode().splitlines()
    assert messages.returncode == 1
    assert lines[-1] == "<stdin>: 15 problems (completions, 15 events)"
    assert lines[0].startswith("<stdin>: event 1, byte 0: expected a completions event, found")
    empty = run("validate", stdin=b"")
    assert (empty.returncode, empty.stdout) == (
        1,
        b"<stdin>: byte 0: expected a stream, found no event\n"
        b"<stdin>: 1 problem (unknown dialect, 0 events)\n",
    )
