"""The ``sseconv`` command line: a Unix filter around the sans-IO core.

Commands: ``convert`` (a :class:`Converter` per input), ``detect``, ``text`` (an
:class:`EventReader`) and ``validate`` (a :class:`Validator`, which collects every problem).
Each command is registered by one function listed in :data:`COMMANDS`; the library modules it
needs are imported when it runs, so ``sseconv --version`` and ``--help`` load no event model.

Input is read with ``os.read`` as it arrives (:class:`_Stream`) and the output of each read
written at once with ``os.write`` (:class:`_Output`, :func:`_write_events`): a live stream is
never held back, a large file is not slowed by one write per event, and memory stays bounded.

The end of a file (``_END_OF_FILE``, in the help): the command adds the line end that a last
event whose last line is complete lacks (an editor or ``end-of-file-fixer`` leaves one).

Diagnostics go to file descriptor 2 only, never to the output (see :func:`_open_standard_fds`).

The exit status is told in the help (``_MAIN_EPILOG``): an input that cannot be opened is a
usage error (2) and the other inputs are still processed, as ``cat`` and ``grep`` do; a broken
pipe (``| head``) is 141, as for a filter killed by SIGPIPE, without a traceback.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime
import functools
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from . import _cli_recordings as _recording_cli
from ._dialect import Dialect
from ._errors import DetectionError, IncompleteStreamError, InputError, SSEConvError, UsageError
from ._gateway_cli import add_serve_command  # (uvicorn and httpx load when it runs)
from ._version import __version__

if TYPE_CHECKING:
    from ._events import ModelEvent
    from ._options import ConvertOptions, ReadOptions
    from ._report import Report
    from ._validate import Problem, Validator

__all__ = ["CHUNK_SIZE", "COMMANDS", "main"]

CHUNK_SIZE = 64 * 1024  # the most read at once
OUTPUT_TARGET = 1024 * 1024  # about the most output held at once (see _write_events)
STDIN = "-"

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE


class _Failure(Exception):
    """Ends the command (or, raised for one input, that input) with status 1 after printing
    ``sseconv: <message>`` on stderr; a :class:`UsageError` does the same with status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _failed(stderr: _Stderr, exc: _Failure | UsageError) -> int:
    """Report a failure; its status."""
    stderr.error(exc.message)
    return EXIT_BAD_INPUT if isinstance(exc, _Failure) else EXIT_USAGE


class _Stderr:
    """Diagnostics: errors always, warnings unless ``quiet``; written to fd 2 (never fd 1)."""

    quiet = False

    def error(self, line: str) -> None:
        data = f"sseconv: {line}\n".encode("utf-8", "backslashreplace")
        with contextlib.suppress(OSError):  # stderr gone: nothing else to tell
            os.write(_fd(sys.stderr, 2), data)

    def warning(self, name: str, message: str) -> None:
        if not self.quiet:
            self.error(f"{name}: warning: {message}")


def _located(name: str, event_number: int | None, offset: int | None, message: str) -> str:
    """``NAME: event N, byte B: message`` (the parts of the position that are known; no
    ``NAME`` when it is empty)."""
    where = [f"event {event_number}"] if event_number is not None else []
    if offset is not None:
        where.append(f"byte {offset}")
    return ": ".join(part for part in (name, ", ".join(where), message) if part)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# -- input and output ------------------------------------------------------------------------


def _open_standard_fds() -> None:
    """Open /dev/null on any of fds 0, 1, 2 that is closed (as gnulib's ``stdopen``).

    Otherwise the next file opened (an input, ``-o``) would take the closed descriptor's
    number, and diagnostics or output would land in it. 0 and 1 are opened in the direction
    they are not used in, so reading or writing them fails with a clear message; 2 is opened
    for writing, so diagnostics go nowhere, as the caller asked by closing it.
    """
    for fd, flags in ((0, os.O_WRONLY), (1, os.O_RDONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(fd)
        except OSError:
            with contextlib.suppress(OSError):
                opened = os.open(os.devnull, flags)
                if opened != fd:
                    os.dup2(opened, fd)
                    os.close(opened)


class _Input(NamedTuple):
    """One input: a path, or ``-`` for stdin; ``name`` is what messages call it."""

    path: str
    name: str

    @property
    def is_stdin(self) -> bool:
        return self.path == STDIN


def _inputs(paths: Sequence[str]) -> list[_Input]:
    """The inputs (stdin when none is given); stdin only once (a usage error otherwise)."""
    inputs = [_Input(path, "<stdin>" if path == STDIN else path) for path in paths or [STDIN]]
    if sum(inp.is_stdin for inp in inputs) > 1:
        raise UsageError("stdin ('-') can be read only once")
    return inputs


def _each(inputs: Sequence[_Input], stderr: _Stderr, handle: Callable[[_Input], int]) -> int:
    """Run ``handle`` on each input; one that fails (cannot be opened or read) is reported and
    the next one is processed. The status is the highest of all."""
    status = EXIT_OK
    for inp in inputs:
        try:
            status = max(status, handle(inp))
        except (_Failure, UsageError) as exc:
            status = max(status, _failed(stderr, exc))
    return status


class _Stream:
    """An open input: its chunks (each ``os.read`` returns what is available, up to
    CHUNK_SIZE), how many bytes were read, and how the input ended."""

    def __init__(self, inp: _Input, fd: int, regular: bool) -> None:
        self.name = inp.name
        self.fd = fd
        self.regular = regular  # a regular file (a path, or stdin redirected from a file)
        self.size = 0
        self._tail = b""  # the last few bytes read
        self.taken = False  # whether the completion took a last event (set by the reader)

    def __iter__(self) -> Iterator[bytes]:
        read = os.read
        while True:
            try:
                data = read(self.fd, CHUNK_SIZE)
            except OSError as exc:
                raise _Failure(f"{self.name}: cannot read: {exc.strerror}") from None
            if not data:
                return
            self.size += len(data)
            self._tail = (self._tail + data[-4:])[-4:]
            yield data

    def completion(self, keep_last: bool) -> bytes:
        """What to feed after the input so that a last event whose last line is complete is
        taken (for regular files always, for pipes with ``--keep-last``): the line end that
        ends the last block; ``b""`` when the input ends with a blank line already, or with a
        cut line (which is never completed)."""
        if not (self.regular or keep_last):
            return b""
        for eol in (b"\r\n", b"\n", b"\r"):
            if self._tail.endswith(eol):
                rest = self._tail[: -len(eol)]
                if rest.endswith((b"\n", b"\r")) or self.size == len(eol):
                    return b""  # a blank line (or nothing but one line end)
                return eol
        return b""

    @property
    def incomplete_hint(self) -> str:
        """Why a last event that lacks its blank line was not taken."""
        if self.size > 0 and self._tail[-1:] not in (b"\n", b"\r"):
            return "its last line has no line end: a cut event"
        return "--keep-last takes it: its last line is complete"


@contextlib.contextmanager
def _reading(inp: _Input) -> Iterator[_Stream]:
    """Open one input (a :class:`UsageError` when it cannot be opened)."""
    try:
        fd = _fd(sys.stdin, 0) if inp.is_stdin else os.open(inp.path, os.O_RDONLY)
    except OSError as exc:
        raise UsageError(f"{inp.name}: cannot open: {exc.strerror}") from None
    try:
        try:
            mode = os.fstat(fd).st_mode
        except OSError:  # (a closed stdin)
            mode = 0
        if stat.S_ISDIR(mode) and not inp.is_stdin:
            raise UsageError(f"{inp.name}: cannot open: Is a directory")
        yield _Stream(inp, fd, stat.S_ISREG(mode))
    finally:
        if not inp.is_stdin:
            os.close(fd)


def _fd(stream: Any, default: int) -> int:
    """The file descriptor of ``sys.stdin``/``sys.stdout``/``sys.stderr`` (``default`` if
    it is ``None`` or replaced by an object without one)."""
    try:
        return int(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return default


class _Output(NamedTuple):
    """Unbuffered writes to a file descriptor: what ``write`` got is out when it returns."""

    fd: int
    name: str

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.fd, view)
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise _Failure(f"{self.name}: cannot write: {exc.strerror}") from None
            view = view[written:]


@contextlib.contextmanager
def _writing(path: str | None, inputs: Sequence[_Input] = ()) -> Iterator[_Output]:
    if path is None or path == "-":
        yield _Output(_fd(sys.stdout, 1), "<stdout>")
        return
    for inp in inputs:
        with contextlib.suppress(OSError):
            if not inp.is_stdin and os.path.samefile(inp.path, path):
                raise UsageError(f"{path}: the output file is also an input")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        yield _Output(fd, path)
    finally:
        os.close(fd)


class _TextWriter:
    """Writes text as UTF-8, keeping a surrogate pair split across two deltas together.

    A high surrogate at the end of a piece is held back until the next piece; a lone surrogate
    is written as U+FFFD.
    """

    def __init__(self, out: _Output) -> None:
        self._out = out
        self._held = ""
        self.written = False  # any text at all

    def write(self, text: str) -> None:
        self.written = self.written or bool(text)
        text = self._held + text
        self._held = ""
        if text and "\ud800" <= text[-1] <= "\udbff":
            text, self._held = text[:-1], text[-1]
        self._out.write(_utf8(text))

    def close(self) -> None:
        self._out.write(_utf8(self._held))
        self._held = ""


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # surrogates: join pairs, replace lone ones
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode()


# -- convert ---------------------------------------------------------------------------------


def _parse_time(value: str) -> datetime.datetime | None:
    """A UTC time from ``@SECONDS``/``SECONDS`` (Unix time) or an ISO 8601 date-time (UTC
    unless it names an offset; a trailing ``Z`` is accepted); ``None`` if it is neither."""
    text = value.strip()
    try:
        if text.lstrip("@").isdigit():
            return datetime.datetime.fromtimestamp(int(text.lstrip("@")), datetime.timezone.utc)
        moment = datetime.datetime.fromisoformat(text.removesuffix("Z").removesuffix("z"))
    except (ValueError, OverflowError, OSError):
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)


def _clock_option(value: str) -> datetime.datetime | str:
    """``--clock``: ``now`` (the wall clock) or a fixed time."""
    moment = value if value == "now" else _parse_time(value)
    if moment is None:
        raise argparse.ArgumentTypeError(
            "expected now or a time as @SECONDS (Unix time) or ISO 8601 "
            f"(2023-04-28T21:18:31Z), found {value!r}"
        )
    return moment


def _clock(args: argparse.Namespace) -> Callable[[], datetime.datetime] | None:
    """The time written into the legacy pings that ``convert`` synthesizes.

    Pings of a legacy source keep their own timestamps (they pass through). Otherwise:
    ``--clock`` (``now``: the wall clock), else ``SOURCE_DATE_EPOCH`` (the reproducible-builds
    convention, https://reproducible-builds.org/specs/source-date-epoch/), else the wall clock.
    A fixed time is written into every such ping.
    """
    fixed: datetime.datetime | str | None = args.clock
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if fixed is None and epoch is not None:
        fixed = _parse_time(epoch) if epoch.isascii() and epoch.isdigit() else None
        if fixed is None:
            raise UsageError(
                f"SOURCE_DATE_EPOCH: expected a Unix time in whole seconds, found {epoch!r}"
            )
    return (lambda: fixed) if isinstance(fixed, datetime.datetime) else None


def _max_event_size(args: argparse.Namespace) -> int:
    from ._options import DEFAULT_MAX_EVENT_SIZE  # (dataclasses, inspect: not for --help)

    return int(args.max_event_size or DEFAULT_MAX_EVENT_SIZE)


def _read_options(args: argparse.Namespace, recorded: bool = False) -> ReadOptions:
    """The library's options for the command's options: the one place where the CLI
    spellings (README "Options in both spellings") become the library's.

    --keep-last is dispatch_incomplete only for a ``recorded`` stream (read whole): otherwise
    the command completes a last event whose last line is complete itself (see
    _Stream.completion) and never takes a cut line.
    """
    return {
        "source": args.source,
        "mode": args.mode,
        "max_event_size": _max_event_size(args),
        "dispatch_incomplete": recorded and args.keep_last,
    }


def _converter_options(args: argparse.Namespace, recorded: bool = False) -> ConvertOptions:
    """:func:`_read_options` and the options of the output (``convert``); the pings of a
    ``recorded`` response keep its recorded time unless --clock (not SOURCE_DATE_EPOCH)."""
    options: ConvertOptions = {
        **_read_options(args, recorded),
        "eol": "\r\n" if args.eol == "crlf" else "\n" if args.eol == "lf" else None,
        "pings": "drop" if args.drop_pings else "keep",
        "clock": _clock(args),
    }
    if recorded and args.clock is None:
        del options["clock"]
    elif recorded and options["clock"] is None:
        options["clock"] = lambda: datetime.datetime.now(datetime.timezone.utc)
    return options


def _finish(
    stream: _Stream, report: Report, error: SSEConvError | None, args: argparse.Namespace
) -> int:
    """Print the warnings and the error line (if any) of one input; return its status.

    A stream that an API error ended is complete, and its conversion too: a warning, or the
    error line and status 1 (``text`` always, ``convert --fail-on-api-error``).
    """
    stderr: _Stderr = args.stderr
    name = stream.name
    if stream.taken and not args.keep_last:  # a last event taken without being asked: say so
        message = "no blank line after the last event; taken, as its last line is complete"
        stderr.warning(name, message)
    import dataclasses

    dropped = report.dropped.copy()
    if getattr(args, "drop_pings", False):
        del dropped["ping"]
    # the warnings, less the unfinished stream (the error line) and the pings dropped as asked
    for warning in dataclasses.replace(report, finished=True, dropped=dropped).warnings():
        stderr.warning(name, warning)
    api_error = report.api_error if error is None else None
    if api_error is not None:  # told in the same words as an error answer instead of a stream
        from ._body import api_answer

        where = api_error.event_number, api_error.offset
        message = api_answer(api_error.type, api_error.message)
        if getattr(args, "fail_on_api_error", True):
            stderr.error(_located(name, *where, message))
            return EXIT_BAD_INPUT
        stderr.warning(name, _located("", *where, message))
    if error is None and report.finished:
        return EXIT_OK
    if error is None or isinstance(error, IncompleteStreamError):
        # as the library's IncompleteStreamError (strict mode) says it: the missing event
        message = "expected the stream to finish, found the end of input"
        if report.incomplete_block:
            message += f" inside an event ({stream.incomplete_hint})"
        stderr.error(_located(name, report.events_in + 1, stream.size, message))
    else:
        stderr.error(_located(name, error.event_number, error.offset, error.message))
    return EXIT_BAD_INPUT


def _convert_one(inp: _Input, out: _Output, args: argparse.Namespace) -> int:
    from ._convert import Converter

    converter = Converter(args.to, **_converter_options(args))
    error: SSEConvError | None = None
    with _reading(inp) as stream:
        try:
            for chunk in stream:
                _write_events(out, converter.iter_feed(chunk))
            before = converter.report.events_in
            _write_events(out, converter.iter_feed(stream.completion(args.keep_last)))
            stream.taken = converter.report.events_in > before
            _write_events(out, converter.iter_close())
        except SSEConvError as exc:
            out.write(exc.output)
            error = exc
        return _finish(stream, converter.report, error, args)


def _write_events(out: _Output, pieces: Iterator[bytes]) -> None:
    """Write the output of events (one piece each), gathered into writes of about
    OUTPUT_TARGET bytes: one write per read as a rule, and bounded memory when the output is
    far larger than the input (a legacy event repeats the whole text so far)."""
    gathered: list[bytes] = []
    size = 0
    try:
        for piece in pieces:
            gathered.append(piece)
            size += len(piece)
            if size >= OUTPUT_TARGET:
                out.write(b"".join(gathered))
                gathered, size = [], 0
    except SSEConvError:
        out.write(b"".join(gathered))  # what came before the error
        raise
    if gathered:
        out.write(b"".join(gathered))


def _cmd_convert(args: argparse.Namespace) -> int:
    inputs = _inputs(args.inputs)
    _clock(args)  # a malformed SOURCE_DATE_EPOCH is a usage error before anything is read
    if args.in_place or any(map(_recording_cli.is_recording, inputs)):  # cassettes, HAR files
        with _writing(None) as out:
            return _recording_cli.convert(args, inputs, out)
    with _writing(args.output, inputs) as out:
        return _each(inputs, args.stderr, lambda inp: _convert_one(inp, out, args))


def _cmd_each(args: argparse.Namespace) -> int:
    """``detect``, ``text``, ``validate``: ``args.one`` on each input (``args.recorded`` on a
    cassette or HAR file), into stdout."""
    inputs = _inputs(args.inputs if "inputs" in args else [args.input])
    with _writing(None) as out:

        def one(inp: _Input) -> int:
            handle = args.recorded if _recording_cli.is_recording(inp) else args.one
            return int(handle(inp, out, args))

        return _each(inputs, args.stderr, one)


# -- text ------------------------------------------------------------------------------------


def _text(events: list[ModelEvent]) -> str:
    from ._events import TextDelta

    return "".join([e.text for e in events if type(e) is TextDelta])


def _text_one(inp: _Input, out: _Output, args: argparse.Namespace) -> int:
    from ._convert import EventReader

    reader = EventReader(**_read_options(args))
    error: SSEConvError | None = None
    with _reading(inp) as stream:
        text = _TextWriter(out)
        try:
            for chunk in stream:
                text.write(_text(reader.feed(chunk)))
            before = reader.report.events_in
            events = reader.feed(stream.completion(args.keep_last))
            stream.taken = reader.report.events_in > before
            text.write(_text(events + reader.close()))
        except SSEConvError as exc:
            text.write(_text(exc.events))  # decoded before the failure
            error = exc
        text.close()
        # The newline ends the text; a command that failed before any text writes none.
        failed = error is not None or reader.report.api_error is not None
        if not args.no_newline and (text.written or not failed):
            out.write(b"\n")
        return _finish(stream, reader.report, error, args)


# -- detect ----------------------------------------------------------------------------------


def _detect_one(inp: _Input, out: _Output, args: argparse.Namespace) -> int:
    from ._detect import identify

    with _reading(inp) as stream:
        try:  # (the rule of sseconv.detect(): a final block counts; stops at the limit)
            found = identify(stream)
        except DetectionError as exc:
            n = exc.event_number
            if exc.limit is not None:
                why = f"no event decides it within the first {exc.limit} bytes"
            else:
                why = f"none of its {n} event(s) decides it" if n else "it holds no event"
            raise _Failure(f"{inp.name}: cannot tell the dialect: {why}") from None
        except InputError as exc:  # too large, or not a stream at all
            raise _Failure(_located(inp.name, exc.event_number, exc.offset, exc.message)) from None
    names = (len(args.inputs) > 1 or args.with_filename) and not args.no_filename
    out.write((f"{inp.name}: {found.value}\n" if names else f"{found.value}\n").encode())
    return EXIT_OK


# -- validate --------------------------------------------------------------------------------


def _validate_one(inp: _Input, out: _Output, args: argparse.Namespace) -> int:
    from ._validate import Problem, Validator

    validator = Validator(args.source, max_event_size=_max_event_size(args))
    counts: collections.Counter[str] = collections.Counter()
    with _reading(inp) as stream:
        for chunk in stream:
            _print_problems(out, inp.name, validator.feed(chunk), counts)
        before = validator.events
        problems = validator.feed(stream.completion(args.keep_last))
        if validator.events > before:  # the last event, taken
            message = (
                "expected a blank line after the last event, found the end of input (the event "
                "is taken: its last line is complete)"
            )
            problems.insert(0, Problem(message, None, stream.size, severity="warning"))
        problems += validator.close()
        _print_problems(out, inp.name, problems, counts, stream.incomplete_hint)
    return _summary(out, inp.name, validator, counts)


def _print_problems(
    out: _Output,
    name: str,
    problems: list[Problem],
    counts: collections.Counter[str],
    incomplete_hint: str = "--keep-last takes it",
) -> None:
    """Print problems as ``NAME: event N, byte B: message`` lines and count them by severity;
    ``incomplete_hint`` says what became of a last event without its blank line."""
    lines = []
    for p in problems:
        counts[p.severity] += 1
        message = f"warning: {p.message}" if p.severity == "warning" else p.message
        if p.hint == "dispatch_incomplete":
            message = f"{message.removesuffix(')')}; {incomplete_hint})"
        elif p.hint == "source":
            message += " (give --from)"
        lines.append(f"{_located(name, p.event_number, p.offset, message)}\n")
    out.write("".join(lines).encode())


def _summary(
    out: _Output, name: str, validator: Validator, counts: collections.Counter[str]
) -> int:
    """Print ``NAME: ok (DIALECT, N events[, W warnings])`` or ``NAME: K problems (...)``;
    the status."""
    dialect = validator.source.value if validator.source is not None else "unknown dialect"
    parts = [dialect, _plural(validator.events, "event")]
    if counts["warning"]:
        parts.append(_plural(counts["warning"], "warning"))
    api_error = validator.report.api_error
    if api_error is not None:  # a valid end, but no answer: say so
        parts.append(f"ended by an API error: {api_error.type}: {api_error.message}")
    verdict = _plural(counts["error"], "problem") if counts["error"] else "ok"
    out.write(f"{name}: {verdict} ({', '.join(parts)})\n".encode())
    return EXIT_BAD_INPUT if counts["error"] else EXIT_OK


# -- the parser ------------------------------------------------------------------------------

_DIALECTS = "legacy (alias 2023-01-01), completions (alias 2023-06-01) or messages"

_MAIN_EPILOG = """\
examples:
  sseconv convert --to completions examples/legacy.sse
  sseconv convert --to legacy --from messages -o old.sse recording.sse
  curl -sN https://api.anthropic.com/v1/messages -H "anthropic-version: 2023-06-01" \\
       -H "x-api-key: $ANTHROPIC_API_KEY" -H "content-type: application/json" \\
       -d '{"model": "claude-sonnet-4-5", "max_tokens": 256, "stream": true,
            "messages": [{"role": "user", "content": "Hello"}]}' \\
    | sseconv convert --to legacy
  sseconv detect examples/legacy.sse            # prints: legacy
  sseconv text examples/legacy.sse              # prints:  Hello! My name is Claude.
  sseconv validate tests/fixtures/*.sse

exit status:
  0    success
  1    an input is bad or incomplete (one line on stderr says which file, event and byte),
       after everything convertible was written; or an input or output failed
  2    usage error: a bad option, an unknown dialect, an input that cannot be opened (the
       other inputs are still processed)
  130  interrupted (Ctrl-C)
  141  the reader of the output went away (a broken pipe, as with `| head`): the rest of
       the output is discarded quietly, like a filter killed by SIGPIPE
With several inputs, the status is the highest of theirs.

Errors and warnings go to stderr only ("sseconv: FILE: ..."); -q silences the warnings.
Run `sseconv COMMAND --help` for the options of each command.
"""

_END_OF_FILE = """\
A file (a path, or stdin redirected from a file) whose last event lacks its blank line is
taken whole when its last line is complete (what editors leave), with a warning; from a pipe
that needs --keep-last. A last line without its line end is a cut event, never taken.
"""

_CONVERT_EPILOG = f"""\
examples:
  sseconv convert --to completions examples/legacy.sse
      a 2023-01-01 recording as a 2023-06-01 stream, on stdout
  sseconv convert --to messages --eol crlf -o modern.sse examples/legacy.sse
      the same as a Messages stream with CRLF line ends, into modern.sse
  sseconv convert --to legacy --from messages < recording.sse > old.sse
      a Messages stream from stdin for a 2023-01-01 client
  sseconv convert --to legacy --strict a.sse b.sse
      two recordings one after the other; fail on anything legacy cannot carry
  SOURCE_DATE_EPOCH=0 sseconv convert --to legacy -q recording.sse > golden.sse
      the same bytes on every run (fixed ping times), warnings silenced
  curl -sN ... | sseconv convert --to legacy
      a live stream: each event is written as soon as it arrives
  sseconv convert --to legacy --in-place tests/cassettes/*.yaml
      the streams inside vcrpy cassettes (or HAR files), and their requests, in place

Each input is converted on its own (its dialect detected unless --from), one after another,
into the one output. Warnings (dropped content, removed [DONE], ...) go to stderr as
"sseconv: FILE: warning: ..." (-q silences them). A bad or cut input gives one line
"sseconv: FILE: event N, byte B: what was expected, what was found" after everything
convertible was written, status 1, and the next input is converted. Input that is no event
stream at all gives "sseconv: FILE: the API answered TYPE: MESSAGE" (an API error answer) or
"sseconv: FILE: not a server-sent event stream; ...". A stream that an API error ended is
converted (the error in the target's form) with a warning; --fail-on-api-error makes it
status 1.

Ping times: converting to legacy writes a timestamp into each ping. Pings of a legacy input
keep theirs; other pings get the --clock time, else SOURCE_DATE_EPOCH (Unix seconds, the
reproducible-builds convention), else the current time (UTC).

{_END_OF_FILE}"""

_TEXT_EPILOG = f"""\
examples:
  sseconv text examples/legacy.sse
      prints " Hello! My name is Claude." and a newline
  sseconv text -n recording.sse > answer.txt
      the text exactly, without the final newline

The text is what the completion said: the completion deltas of a legacy or completions
stream, the text blocks of a Messages stream (thinking, tool use, ... are not text).
It is written as it arrives. A stream that an API error ended has no answer: the text
before the error is written, then "sseconv: FILE: event N, byte B: the API answered
TYPE: MESSAGE" on stderr, and the status is 1 (no newline when no text came).

{_END_OF_FILE}"""

_DETECT_EPILOG = """\
examples:
  sseconv detect examples/legacy.sse      # prints: legacy
  sseconv detect recordings/*.sse         # prints one "FILE: DIALECT" line per file
  head -c 2000 recording.sse | sseconv detect

Prints legacy, completions or messages, told from the framing and payload shape of the
first event that decides (a leading ping decides nothing), never from the text. Stops
reading as soon as it knows, and after 64 KiB without a deciding event (the rule convert
applies: an endless stream of pings decides nothing). With several inputs each line starts
with the file's name (as file(1) and grep do; -H and -b choose). Status 1 when no event
decides, for any input.
"""

_VALIDATE_EPILOG = f"""\
examples:
  sseconv validate examples/legacy.sse
      prints "examples/legacy.sse: ok (legacy, 6 events)"
  sseconv validate --keep-last recordings/*.sse

Every problem is printed, each on its own line ("FILE: event N, byte B: message"),
then one summary line per file ("FILE: ok (DIALECT, N events)" or
"FILE: K problems (DIALECT, N events)"). Checked: each event against the dialect's
grammar and the events before it (a malformed event does not stop the check), a last
event without its blank line, a stream that did not finish. A [DONE] in a completions
or Messages stream is a warning. Status 1 when any file has a problem.

{_END_OF_FILE}"""


def _dialect(value: str) -> Dialect:
    try:
        return Dialect.parse(value)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _size(value: str) -> int:
    if not value.isdigit() or int(value) == 0:
        raise argparse.ArgumentTypeError(f"expected a number of bytes, found {value!r}")
    return int(value)


_formatter = functools.partial(argparse.RawDescriptionHelpFormatter, max_help_position=28)


# the options every command has; SUPPRESS: `sseconv -q convert` keeps the main parser's value
_COMMON = argparse.ArgumentParser(add_help=False)
_COMMON.add_argument(
    "-q",
    "--quiet",
    action="store_true",
    default=argparse.SUPPRESS,
    help="do not print warnings (errors are still printed)",
)


def source_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="source",
        type=_dialect,
        metavar="DIALECT",
        help=f"the dialect of the input: {_DIALECTS} (default: detected from the first events)",
    )


def _reading_options(parser: argparse.ArgumentParser) -> None:
    """The options of the commands that read events: convert, text, validate."""
    source_option(parser)
    parser.add_argument(
        "--keep-last",
        action="store_true",
        help="also from a pipe, take a last event that lacks its final blank line when its "
        "last line is complete (always done for files; the standard discards it)",
    )
    parser.add_argument(
        "--max-event-size",
        type=_size,
        metavar="BYTES",
        help="the largest event accepted (default: 16 MiB, the library's)",
    )


def add_command(
    commands: Any,
    name: str,
    *,
    help: str,
    description: str,
    epilog: str,
    inputs: str = "",
) -> argparse.ArgumentParser:
    """Register a subcommand (with the options every command has: -q; and with ``inputs``, the
    INPUT arguments, so described). Its parser's ``run`` default is called with the parsed
    arguments, which hold ``stderr``."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=_formatter,
        parents=[_COMMON],
    )
    if inputs:
        parser.add_argument(
            "inputs", nargs="*", metavar="INPUT", help=f"{inputs}; - is stdin (the default)"
        )
    return parser


def _add_convert(commands: Any) -> None:
    convert = add_command(
        commands,
        "convert",
        help="convert streams to another dialect",
        description="Convert recorded or live streams to another dialect, event by event.",
        epilog=_CONVERT_EPILOG,
        inputs="files to convert, one after another",
    )
    convert.add_argument(
        "--to", required=True, type=_dialect, metavar="DIALECT", help=f"the output: {_DIALECTS}"
    )
    _reading_options(convert)
    convert.add_argument(
        "--eol",
        choices=("lf", "crlf"),
        help="line ending of the output (default: LF for new events; events passed through "
        "unchanged keep theirs)",
    )
    mode = convert.add_mutually_exclusive_group()
    mode.add_argument(
        "--strict",
        dest="mode",
        action="store_const",
        const="strict",
        default="default",
        help="fail on content the target cannot carry exactly (tool use, thinking, unknown "
        "events for legacy, ...) instead of dropping it with a warning",
    )
    mode.add_argument(
        "--lenient",
        dest="mode",
        action="store_const",
        const="lenient",
        help="pass malformed events through where the target can carry them (else drop "
        "them), with a warning, instead of failing",
    )
    convert.add_argument(
        "--drop-pings", action="store_true", help="leave out ping events (keep-alives)"
    )
    convert.add_argument(
        "--fail-on-api-error",
        action="store_true",
        help="exit with status 1 when a stream ends with an API error (an error event or a "
        "legacy exception; it is converted either way) instead of warning",
    )
    convert.add_argument(
        "--clock",
        type=_clock_option,
        metavar="TIME",
        help="the time written into the legacy pings made from other dialects' pings: now, "
        "@SECONDS (Unix time) or ISO 8601 such as 2023-04-28T21:18:31Z (default: "
        "SOURCE_DATE_EPOCH if set, else now)",
    )
    convert.add_argument(
        "-o", "--output", metavar="OUTPUT", help="write to this file (default, or -: stdout)"
    )
    convert.add_argument(
        "--in-place",
        action="store_true",
        help="cassettes and HAR files: replace each input with its converted form",
    )
    convert.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="cassettes and HAR files: the model name to write into a translated request "
        "instead of OLD (default: sseconv.translate's table of retired models, for requests "
        "turned into Messages requests)",
    )
    convert.set_defaults(run=_cmd_convert)


def _add_detect(commands: Any) -> None:
    detect = add_command(
        commands,
        "detect",
        help="print the dialect of streams",
        description="Print the dialect of each stream: legacy, completions or messages.",
        epilog=_DETECT_EPILOG,
        inputs="the streams",
    )
    names = detect.add_mutually_exclusive_group()
    names.add_argument(
        "-H",
        "--with-filename",
        action="store_true",
        help="start each line with the file's name, also for one input",
    )
    names.add_argument(
        "-b",
        "--no-filename",
        action="store_true",
        help="print the dialect alone, also for several inputs",
    )
    detect.set_defaults(run=_cmd_each, one=_detect_one, recorded=_recording_cli.detect_one)


def _add_text(commands: Any) -> None:
    text = add_command(
        commands,
        "text",
        help="print the assembled completion text",
        description="Print the completion text of a stream, assembled from its deltas.",
        epilog=_TEXT_EPILOG,
    )
    _reading_options(text)
    text.add_argument(
        "--lenient",
        dest="mode",
        action="store_const",
        const="lenient",
        default="default",
        help="skip malformed events (with a warning) instead of stopping at the first",
    )
    text.add_argument(
        "-n", "--no-newline", action="store_true", help="do not end the text with a newline"
    )
    text.add_argument(
        "input",
        nargs="?",
        default=STDIN,
        metavar="INPUT",
        help="the stream to read; - is stdin (the default)",
    )
    text.set_defaults(run=_cmd_each, one=_text_one, recorded=_recording_cli.text_one)


def _add_validate(commands: Any) -> None:
    validate = add_command(
        commands,
        "validate",
        help="check recordings against their dialect's grammar",
        description="Check recordings against their dialect's grammar; print every problem "
        "with its position.",
        epilog=_VALIDATE_EPILOG,
        inputs="files to check",
    )
    _reading_options(validate)
    validate.set_defaults(run=_cmd_each, one=_validate_one, recorded=_recording_cli.validate_one)


# Each function registers one subcommand (see add_command); the help lists them in this order.
COMMANDS: list[Callable[[Any], object]] = [
    _add_convert,
    _add_detect,
    _add_text,
    _add_validate,
    lambda commands: add_serve_command(commands, add=add_command),
    _recording_cli.add_replay_command,
]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sseconv",
        description="Translate Anthropic streaming responses (server-sent events) between the "
        "legacy (2023-01-01), completions (2023-06-01) and messages dialects.",
        epilog=_MAIN_EPILOG,
        formatter_class=_formatter,
        parents=[_COMMON],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMANDS:
        register(commands)
    return parser


def _discard_stdout() -> None:
    """Python flushes stdout at exit; point it at /dev/null so that this cannot fail (see the
    ``signal`` module docs on SIGPIPE)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, _fd(sys.stdout, 1))
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (see the module docstring)."""
    _open_standard_fds()
    for name, fd in (("stdout", 1), ("stderr", 2)):  # None when closed at start
        if getattr(sys, name) is None:  # argparse writes to them: give it the /dev/null above
            setattr(sys, name, open(fd, "w", closefd=False))  # noqa: SIM115 (as long as sys)
    stderr = _Stderr()
    try:
        try:
            try:
                args = _build_parser().parse_args(argv)
            except SystemExit as exc:  # --help, --version (0), usage errors (2)
                return exc.code if isinstance(exc.code, int) else EXIT_USAGE
            stderr.quiet = getattr(args, "quiet", False)
            args.stderr = stderr
            return int(args.run(args))
        finally:
            with contextlib.suppress(ValueError):  # what argparse printed
                try:
                    sys.stdout.flush()
                except BrokenPipeError:
                    raise
                except OSError as exc:
                    stderr.error(f"<stdout>: cannot write: {exc.strerror}")
                    _discard_stdout()  # so that the flush at exit cannot fail again
                    return EXIT_BAD_INPUT
    except (_Failure, UsageError) as exc:
        return _failed(stderr, exc)
    except BrokenPipeError:  # the reader went away: discard the rest quietly
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
