"""The command line on recordings as people have them, run for real (``main(argv)``
in-process with the file descriptors redirected, see ``cli_run``; ``python -m sseconv`` as a
process for closed descriptors and a live pipe): the end of a file, reproducible ping times,
quiet runs and closed stderr, several inputs of which one cannot be opened, ``detect`` on many
files and on an endless stream of pings."""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_run import ROOT, SSECONV, TIMEOUT, run, shell, stderr_lines
from streams import json_event as sse
from streams import short_completion as completion

import sseconv
from sseconv import Converter
from sseconv._cli import main
from sseconv._options import DETECT_LIMIT, ConvertOptions

COMPLETIONS = ROOT / "tests" / "fixtures" / "completions-2023-06-01-capture.sse"
LEGACY = ROOT / "tests" / "fixtures" / "legacy-2023-01-01-reconstructed.sse"
MESSAGES = ROOT / "tests" / "fixtures" / "messages-text-capture.sse"
PING_TIME = re.compile(rb"event: ping\r?\ndata: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})\r?\n")


def converted(data: bytes, to: str, **options: object) -> bytes:
    converter = Converter(to, **options)  # type: ignore[arg-type]
    return converter.feed(data) + converter.close()


# -- the end of a file (item 5) ----------------------------------------------------------------

# What an editor or pre-commit's end-of-file-fixer leaves: one line end after the last event.
ONE_LF = COMPLETIONS.read_bytes().rstrip(b"\n") + b"\n"
TAKEN = "no blank line after the last event; taken, as its last line is complete"


@pytest.mark.parametrize("how", ["path", "stdin-file"])
def test_a_file_whose_last_event_lacks_its_blank_line_converts(tmp_path: Path, how: str) -> None:
    (tmp_path / "rec.sse").write_bytes(ONE_LF)
    name = "rec.sse" if how == "path" else "<stdin>"
    args = ("rec.sse",) if how == "path" else ()
    stdin = None if how == "path" else tmp_path / "rec.sse"
    result = run("convert", "--to", "legacy", "--drop-pings", *args, stdin=stdin, cwd=tmp_path)
    assert result.returncode == 0
    assert stderr_lines(result) == [f"sseconv: {name}: warning: {TAKEN}"]
    assert result.stdout == converted(ONE_LF + b"\n", "legacy", pings="drop")
    assert result.stdout.endswith(b"data: [DONE]\n\n")
    text = run("text", *args, stdin=stdin, cwd=tmp_path)
    assert (text.returncode, text.stdout) == (0, b" Hello, world!\n")
    assert stderr_lines(text) == [f"sseconv: {name}: warning: {TAKEN}"]
    quiet = run("convert", "--to", "legacy", "-q", *args, stdin=stdin, cwd=tmp_path)
    assert (quiet.returncode, quiet.stderr) == (0, b"")
    validate = run("validate", *args, stdin=stdin, cwd=tmp_path)
    assert validate.returncode == 0
    assert validate.stdout.decode().splitlines() == [
        f"{name}: byte {len(ONE_LF)}: warning: expected a blank line after the last event, "
        "found the end of input (the event is taken: its last line is complete)",
        f"{name}: ok (completions, 5 events, 1 warning)",
    ]


def test_same_dialect_file_gets_its_blank_line(tmp_path: Path) -> None:
    crlf = LEGACY.read_bytes()[:-2]  # CRLF framing: the last CRLF of the blank line is gone
    (tmp_path / "rec.sse").write_bytes(crlf)
    result = run("convert", "--to", "legacy", "rec.sse", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == LEGACY.read_bytes()  # the bytes, with the line end they use


def test_a_pipe_keeps_the_standards_rule_and_keep_last_takes_it() -> None:
    lost = run("convert", "--to", "legacy", stdin=ONE_LF)
    assert lost.returncode == 1
    assert stderr_lines(lost) == [
        f"sseconv: <stdin>: event 5, byte {len(ONE_LF)}: expected the stream to finish, found "
        "the end of input inside an event (--keep-last takes it: its last line is complete)"
    ]
    assert not lost.stdout.endswith(b"data: [DONE]\n\n")
    kept = run("convert", "--to", "legacy", "--keep-last", stdin=ONE_LF)
    assert (kept.returncode, kept.stderr) == (0, b"")  # asked for: no warning
    assert kept.stdout.endswith(b"data: [DONE]\n\n")


@pytest.mark.parametrize("keep_last", [False, True])
def test_a_last_line_without_its_line_end_is_never_taken(tmp_path: Path, keep_last: bool) -> None:
    # The last event is cut inside its data line, where the cut still parses as JSON.
    cut = completion(" Hello") + b'event: completion\ndata: {"completion": " world"}'
    (tmp_path / "cut.sse").write_bytes(cut)
    option = ["--keep-last"] if keep_last else []
    result = run("convert", "--to", "legacy", *option, "cut.sse", cwd=tmp_path)
    assert result.returncode == 1
    assert b"world" not in result.stdout
    assert result.stdout == converted(completion(" Hello"), "legacy")
    assert stderr_lines(result) == [
        f"sseconv: cut.sse: event 2, byte {len(cut)}: expected the stream to finish, found "
        "the end of input inside an event (its last line has no line end: a cut event)"
    ]
    piped = run("text", "-n", *option, stdin=cut)
    assert (piped.returncode, piped.stdout) == (1, b" Hello")
    # the library keeps the standard's rule, and dispatch_incomplete takes the cut line
    assert b"world" not in converted(cut, "legacy")
    assert b"world" in converted(cut, "legacy", dispatch_incomplete=True)


# -- reproducible ping times (item 6) ----------------------------------------------------------


def ping_times(data: bytes) -> list[bytes]:
    return PING_TIME.findall(data)


def test_source_date_epoch_and_clock_fix_the_ping_times() -> None:
    pinged = MESSAGES.read_bytes()
    assert b"event: ping" in pinged
    env = {"SOURCE_DATE_EPOCH": "1682716711"}
    first = run("convert", "--to", "legacy", "-q", MESSAGES, env=env)
    time.sleep(0.01)
    second = run("convert", "--to", "legacy", "-q", MESSAGES, env=env)
    assert (first.returncode, first.stderr) == (0, b"")
    assert first.stdout == second.stdout  # the same bytes on every run
    assert set(ping_times(first.stdout)) == {b"2023-04-28 21:18:31.000000"}
    iso = run("convert", "--to", "legacy", "-q", "--clock", "2023-04-28T23:18:31+02:00", MESSAGES)
    epoch = run("convert", "--to", "legacy", "-q", "--clock", "@1682716711", MESSAGES)
    assert iso.stdout == epoch.stdout == first.stdout
    # --clock wins over SOURCE_DATE_EPOCH; "now" is the wall clock
    zero = run(
        "convert", "--to", "legacy", "-q", "--clock", "1970-01-01T00:00:00Z", MESSAGES, env=env
    )
    assert set(ping_times(zero.stdout)) == {b"1970-01-01 00:00:00.000000"}
    now = run("convert", "--to", "legacy", "-q", "--clock", "now", MESSAGES, env=env)
    (stamp,) = set(ping_times(now.stdout))
    assert stamp.startswith(time.strftime("%Y-", time.gmtime()).encode())


def test_a_legacy_source_keeps_its_own_ping_times() -> None:
    data = LEGACY.read_bytes()
    own = ping_times(data)
    assert own
    result = run("convert", "--to", "legacy", "--eol", "lf", "--clock", "@0", LEGACY)
    assert ping_times(result.stdout) == own


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--clock", "yesterday"], {}, "argument --clock: expected now or a time as @SECONDS"),
        ([], {"SOURCE_DATE_EPOCH": "soon"}, "SOURCE_DATE_EPOCH: expected a Unix time in whole"),
        ([], {"SOURCE_DATE_EPOCH": "9" * 30}, "SOURCE_DATE_EPOCH: expected a Unix time in whole"),
        (["--clock", "@" + "9" * 30], {}, "argument --clock: expected now or a time as"),
    ],
)
def test_bad_times_are_usage_errors(args: list[str], env: dict[str, str], message: str) -> None:
    result = run("convert", "--to", "legacy", *args, MESSAGES, env=env)
    assert (result.returncode, result.stdout) == (2, b"")
    assert message in result.stderr.decode()


# -- quiet, and never a diagnostic on fd 1 (item 7) --------------------------------------------


def test_quiet_silences_warnings_not_errors(tmp_path: Path) -> None:
    loud = run("convert", "--to", "legacy", "--clock", "@0", MESSAGES)
    assert loud.returncode == 0
    assert any("warning: dropped usage" in line for line in stderr_lines(loud))
    for args in (["-q", "convert"], ["convert", "--quiet"]):
        quiet = run(*args, "--to", "legacy", "--clock", "@0", MESSAGES)
        assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, loud.stdout, b"")
    bad = completion(" Hi") + b"event: completion\ndata: {oops\n\n"
    failed = run("convert", "-q", "--to", "legacy", stdin=bad)
    assert failed.returncode == 1
    (line,) = stderr_lines(failed)
    assert line.startswith("sseconv: <stdin>: event 2, byte ")


def test_in_process_main_writes_diagnostics_to_fd_2(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", "--to", "legacy", "--clock", "@0", str(MESSAGES)]) == 0
    out, err = capfd.readouterr()
    assert out.encode() == converted(MESSAGES.read_bytes(), "legacy", clock=lambda: sseconv_time(0))
    assert "warning: dropped usage" in err
    assert main(["convert", "-q", "--to", "legacy", str(MESSAGES)]) == 0
    assert capfd.readouterr().err == ""


def sseconv_time(seconds: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)


@pytest.mark.parametrize("to_file", [False, True])
def test_closed_stderr_never_puts_diagnostics_into_the_output(
    tmp_path: Path, to_file: bool
) -> None:
    """With fd 2 closed, warnings used to go into the converted stdout."""
    output = ["-o", "out.sse"] if to_file else []
    result = shell(
        f"exec 3>status; {SSECONV} convert --to legacy --clock @0 {' '.join(output)} {MESSAGES} "
        '2>&-; echo " $?" >&3',
        cwd=tmp_path,
    )
    expected = converted(MESSAGES.read_bytes(), "legacy", clock=lambda: sseconv_time(0))
    written = (tmp_path / "out.sse").read_bytes() if to_file else result.stdout
    assert written == expected
    assert b"sseconv:" not in written
    assert (tmp_path / "status").read_text() == " 0\n"


def test_closed_stdout_is_a_clear_error(tmp_path: Path) -> None:
    result = shell(f"{SSECONV} convert --to legacy {MESSAGES} >&-")
    assert result.returncode == 1
    assert stderr_lines(result) == ["sseconv: <stdout>: cannot write: Bad file descriptor"]
    helped = shell(f"{SSECONV} --help >&-")
    assert stderr_lines(helped) == ["sseconv: <stdout>: cannot write: Bad file descriptor"]


# -- several inputs: one that cannot be opened does not stop the others (item 8) ---------------


def test_an_input_that_cannot_be_opened_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.sse").write_bytes(COMPLETIONS.read_bytes())
    (tmp_path / "b.sse").write_bytes(LEGACY.read_bytes())
    (tmp_path / "dir").mkdir()
    convert = run(
        "convert", "--to", "messages", "a.sse", "missing.sse", "dir", "b.sse", cwd=tmp_path
    )
    assert convert.returncode == 2
    assert stderr_lines(convert) == [
        "sseconv: missing.sse: cannot open: No such file or directory",
        "sseconv: dir: cannot open: Is a directory",
    ]
    assert convert.stdout == converted(COMPLETIONS.read_bytes(), "messages") + converted(
        LEGACY.read_bytes(), "messages"
    )
    detect = run("detect", "a.sse", "missing.sse", "b.sse", cwd=tmp_path)
    assert (detect.returncode, detect.stdout) == (2, b"a.sse: completions\nb.sse: legacy\n")
    assert stderr_lines(detect) == ["sseconv: missing.sse: cannot open: No such file or directory"]
    validate = run("validate", "missing.sse", "b.sse", cwd=tmp_path)
    assert (validate.returncode, validate.stdout) == (2, b"b.sse: ok (legacy, 6 events)\n")
    text = run("text", "missing.sse", cwd=tmp_path)
    assert (text.returncode, text.stdout) == (2, b"")


# -- detect: many files, and the detection limit (item 8) --------------------------------------


def test_detect_many_files_prints_name_and_dialect(tmp_path: Path) -> None:
    (tmp_path / "pings.sse").write_bytes(sse("ping", {"type": "ping"}) * 3)
    for fixture in (LEGACY, COMPLETIONS, MESSAGES):
        (tmp_path / fixture.name).write_bytes(fixture.read_bytes())
    names = [LEGACY.name, "pings.sse", COMPLETIONS.name, MESSAGES.name]
    result = run("detect", *names, cwd=tmp_path)
    assert result.returncode == 1  # one input decides nothing
    assert result.stdout.decode().splitlines() == [
        f"{LEGACY.name}: legacy",
        f"{COMPLETIONS.name}: completions",
        f"{MESSAGES.name}: messages",
    ]
    assert stderr_lines(result) == [
        "sseconv: pings.sse: cannot tell the dialect: none of its 3 event(s) decides it"
    ]
    one = run("detect", "-H", LEGACY.name, cwd=tmp_path)
    assert one.stdout == f"{LEGACY.name}: legacy\n".encode()
    brief = run("detect", "-b", LEGACY.name, MESSAGES.name, cwd=tmp_path)
    assert brief.stdout == b"legacy\nmessages\n"


def test_detect_gives_up_on_an_endless_stream_of_pings() -> None:
    """A live stream of nothing but pings: detect stops at the limit, as convert does."""
    ping = sse("ping", {"type": "ping"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "sseconv", "detect"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    sent = 0
    try:
        deadline = time.monotonic() + TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                proc.stdin.write(ping * 64)
                proc.stdin.flush()
            except BrokenPipeError:
                break
            sent += len(ping) * 64
            assert sent < 100 * DETECT_LIMIT, "detect kept reading"
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
        proc.wait()
    assert (proc.returncode, out) == (1, b"")
    assert err.decode().splitlines() == [
        f"sseconv: <stdin>: cannot tell the dialect: no event decides it within the first "
        f"{DETECT_LIMIT} bytes"
    ]
    assert DETECT_LIMIT == sseconv.DETECT_LIMIT  # the limit convert applies


# -- one table of both spellings (item 9) ------------------------------------------------------


def _options_table() -> list[tuple[str, str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Options in both spellings", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    return [(cli, library) for cli, library in cells]


def test_the_options_table_covers_the_command_and_names_real_keywords() -> None:
    import inspect

    from sseconv._cli import _build_parser

    table = _options_table()
    flags = {flag for cli, _ in table for flag in re.findall(r"--[a-z-]+", cli)}
    keywords = {m for _, lib in table for m in re.findall(r"`(\w+)[=`]", lib)}
    parser = _build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    convert = commands.choices["convert"]
    options = {s for a in convert._actions for s in a.option_strings if s.startswith("--")}
    assert flags == options - {"--help", "--quiet", "--output"}  # every option, no other
    # Converter(to, **options: Unpack[ConvertOptions]): its keywords are the typed options
    assert set(inspect.signature(Converter).parameters) == {"to", "options"}
    parameters = {"to", *ConvertOptions.__annotations__}
    assert keywords == parameters  # every keyword of Converter, no other
    for function in (sseconv.convert, sseconv.aconvert):
        assert set(inspect.signature(function).parameters) - {"chunks", "options"} <= parameters


@pytest.mark.parametrize(
    ("args", "options"),
    [
        (["--from", "completions"], {"source": "completions"}),
        (["--lenient"], {"mode": "lenient"}),
        (["--eol", "crlf"], {"eol": "\r\n"}),
        (["--drop-pings"], {"pings": "drop"}),
        (["--clock", "@0"], {"clock": lambda: sseconv_time(0)}),
    ],
)
def test_both_spellings_give_the_same_bytes(args: list[str], options: dict[str, object]) -> None:
    data = COMPLETIONS.read_bytes()
    result = run("convert", "--to", "legacy", "--clock", "@0", *args, stdin=data)
    options = {"clock": lambda: sseconv_time(0), **options}
    assert (result.returncode, result.stdout) == (0, converted(data, "legacy", **options))


def test_max_event_size() -> None:
    assert sseconv.DEFAULT_MAX_EVENT_SIZE == 16 * 2**20  # what --help says
    big = completion(" " + "x" * 2000) + completion("", "stop_sequence")
    small = run("convert", "--to", "legacy", "--max-event-size", "1000", stdin=big)
    assert small.returncode == 1
    (line,) = stderr_lines(small)
    assert line.startswith("sseconv: <stdin>: event 1, byte 0: expected an event of at most 1000")
    assert run("convert", "--to", "legacy", stdin=big).returncode == 0
    assert run("validate", "--max-event-size", "1000", stdin=big).returncode == 1
    zero = run("convert", "--to", "legacy", "--max-event-size", "0", stdin=big)
    assert zero.returncode == 2


def test_a_file_ending_in_a_comment_line_takes_nothing_and_says_nothing(tmp_path: Path) -> None:
    data = COMPLETIONS.read_bytes() + b": keep-alive\n"  # a block without data: no event
    (tmp_path / "rec.sse").write_bytes(data)
    result = run("convert", "--to", "legacy", "--clock", "@0", "rec.sse", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, b"")
    expected = converted(COMPLETIONS.read_bytes(), "legacy", clock=lambda: sseconv_time(0))
    assert result.stdout == expected
    validate = run("validate", "rec.sse", cwd=tmp_path)
    assert validate.stdout == b"rec.sse: ok (completions, 5 events)\n"
