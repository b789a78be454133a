"""The ``sseconv`` command line: a Unix filter around the sans-IO core.

Commands: ``convert`` (a :class:`Converter` per input), ``detect``, ``text`` (an
:class:`EventReader`) and ``validate`` (a :class:`Validator`, which collects every problem).
Input is read from the raw file descriptor with ``os.read`` in chunks of up to
:data:`CHUNK_SIZE` bytes; a read returns what is available, so a live stream is never held
back. The output of each read is written at once with ``os.write`` (there is no buffer to flush),
so each converted event appears as soon as the read that completed it returns, and a large file
is not slowed by one write per event. Memory stays bounded: no input is ever read whole, and
when the output is much larger than the input (completions to legacy), a read is fed to the
converter in smaller pieces, each written at once, so that about :data:`OUTPUT_TARGET` bytes
of output (or the events of one piece, if larger) are held at a time.

Exit status: 0 success; 1 an input is bad or incomplete (after everything convertible was
written), or an input or output failed; 2 a usage error (argparse's own, an unknown dialect, an
input that cannot be opened); 130 interrupted (Ctrl-C); 141 (128 + SIGPIPE, what a shell reports
for a filter killed by a broken pipe) when the reader of the output went away, as with
``| head``: the rest of the output is discarded quietly, without a traceback.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from . import __version__
from ._body import BODY_LIMIT, api_answer, is_not_event_stream, not_event_stream
from ._convert import Converter, EventReader
from ._detect import classify
from ._dialect import Dialect
from ._errors import EventTooLargeError, SSEConvError, UsageError
from ._events import ModelEvent, TextDelta
from ._gateway_cli import add_serve_command
from ._report import Report
from ._sse import ServerSentEvent, SSEParser
from ._validate import Problem, Validator

__all__ = ["CHUNK_SIZE", "main"]

CHUNK_SIZE = 64 * 1024  # the most read at once
OUTPUT_TARGET = 1024 * 1024  # about the most output converted at once (see _next_step)
MIN_STEP = 512  # the least input fed at once
STDIN = "-"
STDIN_NAME = "<stdin>"

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE

INCOMPLETE = "expected the stream to finish, found the end of input"


class _Failure(Exception):
    """Ends the command with ``status`` after printing ``sseconv: <message>`` on stderr."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _say(line: str) -> None:
    print(f"sseconv: {line}", file=sys.stderr, flush=True)


def _where(event_number: int | None, offset: int | None) -> str:
    parts = []
    if event_number is not None:
        parts.append(f"event {event_number}")
    if offset is not None:
        parts.append(f"byte {offset}")
    return ", ".join(parts)


def _located(name: str, event_number: int | None, offset: int | None, message: str) -> str:
    """``NAME: event N, byte B: message`` (the parts of the position that are known)."""
    where = _where(event_number, offset)
    return f"{name}: {where}: {message}" if where else f"{name}: {message}"


# -- input and output ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Input:
    """One input: a path, or ``-`` for stdin; ``name`` is what messages call it."""

    path: str

    @property
    def is_stdin(self) -> bool:
        return self.path == STDIN

    @property
    def name(self) -> str:
        return STDIN_NAME if self.is_stdin else self.path


def _inputs(paths: Sequence[str]) -> list[_Input]:
    """Check every input before anything is read or written (a usage error otherwise)."""
    inputs = [_Input(path) for path in paths or [STDIN]]
    if sum(inp.is_stdin for inp in inputs) > 1:
        raise _Failure(EXIT_USAGE, "stdin ('-') can be read only once")
    for inp in inputs:
        if inp.is_stdin:
            continue
        try:
            mode = os.stat(inp.path).st_mode
        except OSError as exc:
            raise _Failure(EXIT_USAGE, f"{inp.name}: cannot open: {exc.strerror}") from None
        if stat.S_ISDIR(mode):
            raise _Failure(EXIT_USAGE, f"{inp.name}: cannot open: Is a directory")
        if not os.access(inp.path, os.R_OK):
            raise _Failure(EXIT_USAGE, f"{inp.name}: cannot open: Permission denied")
    return inputs


@contextlib.contextmanager
def _reading(inp: _Input) -> Iterator[Iterator[bytes]]:
    """The input's chunks: each ``os.read`` returns what is available, up to CHUNK_SIZE."""
    if inp.is_stdin:
        yield _chunks(inp, _fd(sys.stdin, 0))
        return
    try:
        fd = os.open(inp.path, os.O_RDONLY)
    except OSError as exc:
        raise _Failure(EXIT_USAGE, f"{inp.name}: cannot open: {exc.strerror}") from None
    try:
        yield _chunks(inp, fd)
    finally:
        os.close(fd)


def _fd(stream: Any, default: int) -> int:
    """The file descriptor of ``sys.stdin``/``sys.stdout`` (``default`` if replaced by an
    object without one)."""
    try:
        return int(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return default


def _chunks(inp: _Input, fd: int) -> Iterator[bytes]:
    read = os.read
    while True:
        try:
            data = read(fd, CHUNK_SIZE)
        except OSError as exc:
            raise _Failure(EXIT_BAD_INPUT, f"{inp.name}: cannot read: {exc.strerror}") from None
        if not data:
            return
        yield data


class _Output:
    """Unbuffered writes to a file descriptor: what ``write`` got is out when it returns."""

    def __init__(self, fd: int, name: str) -> None:
        self.fd = fd
        self.name = name

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.fd, view)
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise _Failure(
                    EXIT_BAD_INPUT, f"{self.name}: cannot write: {exc.strerror}"
                ) from None
            view = view[written:]


@contextlib.contextmanager
def _writing(path: str | None, inputs: Sequence[_Input] = ()) -> Iterator[_Output]:
    if path is None or path == "-":
        yield _Output(_fd(sys.stdout, 1), "<stdout>")
        return
    for inp in inputs:
        with contextlib.suppress(OSError):
            if not inp.is_stdin and os.path.samefile(inp.path, path):
                raise _Failure(EXIT_USAGE, f"{path}: the output file is also an input")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    except OSError as exc:
        raise _Failure(EXIT_USAGE, f"{path}: cannot write: {exc.strerror}") from None
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
        if text:
            self._out.write(_utf8(text))

    def close(self) -> None:
        if self._held:
            self._out.write(_utf8(self._held))
            self._held = ""


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # surrogates: join pairs, replace lone ones
        return (
            text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace").encode("utf-8")
        )


# -- convert ---------------------------------------------------------------------------------


def _warnings(report: Report, *, drop_pings: bool = False) -> list[str]:
    """The report's warnings, less the unfinished stream (reported as the error line) and the
    pings dropped on request."""
    dropped = report.dropped.copy()
    if drop_pings:
        del dropped["ping"]
    return dataclasses.replace(report, finished=True, dropped=dropped).warnings()


def _api_error(report: Report) -> tuple[int | None, int | None, str] | None:
    """Where and what the API error that ended a stream was (``None``: there was none),
    told in the same words as an error answer instead of a stream."""
    error = report.api_error
    if error is None:
        return None
    offset = error.offset if error.offset >= 0 else None
    return error.event_number or None, offset, api_answer(error.type, error.message)


def _finish(
    name: str,
    report: Report,
    error: SSEConvError | None,
    fed: int,
    *,
    drop_pings: bool = False,
    api_error_fails: bool = False,
) -> int:
    """Print the warnings and the error line (if any) of one input; return its status.

    A stream that an API error ended is complete, and its conversion too: a warning, or the
    error line and status 1 when ``api_error_fails`` (``text``, ``convert
    --fail-on-api-error``).
    """
    for warning in _warnings(report, drop_pings=drop_pings):
        _say(f"{name}: warning: {warning}")
    api_error = _api_error(report) if error is None else None
    if api_error is not None and not api_error_fails:
        _say(_located(f"{name}: warning", *api_error))
    if error is not None:
        _say(_located(name, error.event_number, error.offset, error.message))
        return EXIT_BAD_INPUT
    if api_error is not None and api_error_fails:
        _say(_located(name, *api_error))
        return EXIT_BAD_INPUT
    if not report.finished:
        inside = " inside an event" if report.incomplete_block else ""
        # as the library's IncompleteStreamError (strict mode) says it: the missing event
        _say(_located(name, report.events_in + 1, fed, INCOMPLETE + inside))
        return EXIT_BAD_INPUT
    return EXIT_OK


def _convert_one(inp: _Input, out: _Output, args: argparse.Namespace) -> int:
    converter = Converter(
        args.to,
        source=args.source,
        mode=args.mode,
        eol=_EOLS[args.eol],
        pings="drop" if args.drop_pings else "keep",
        dispatch_incomplete=args.keep_last,
    )
    fed = 0
    error: SSEConvError | None = None
    step = CHUNK_SIZE
    with _reading(inp) as chunks:
        try:
            for chunk in chunks:
                fed += len(chunk)
                start = 0
                while start < len(chunk):  # in pieces when the output is large: see _next_step
                    piece = (
                        chunk if start == 0 and len(chunk) <= step else chunk[start : start + step]
                    )
                    start += len(piece)
                    output = converter.feed(piece)
                    if output:
                        out.write(output)
                    step = _next_step(step, len(output))
            output = converter.close()
            if output:
                out.write(output)
        except SSEConvError as exc:
            out.write(exc.output)
            error = exc
    return _finish(
        inp.name,
        converter.report,
        error,
        fed,
        drop_pings=args.drop_pings,
        api_error_fails=args.fail_on_api_error,
    )


def _next_step(step: int, output_size: int) -> int:
    """How much input to feed at once next, so that one feed's output stays near
    OUTPUT_TARGET bytes.

    Output can be far larger than its input (a legacy event repeats the whole text so far):
    feeding a whole read at once would hold (events per read) x (text so far) bytes. Large
    outputs shrink the pieces of input fed at once (down to MIN_STEP), small ones grow them
    back (up to CHUNK_SIZE); each piece's output is written as soon as it is converted.
    """
    if output_size > OUTPUT_TARGET:
        return max(MIN_STEP, step * OUTPUT_TARGET // output_size)
    if output_size < OUTPUT_TARGET // 4 and step < CHUNK_SIZE:
        return min(CHUNK_SIZE, step * 2)
    return step


def _cmd_convert(args: argparse.Namespace) -> int:
    inputs = _inputs(args.inputs)
    status = EXIT_OK
    with _writing(args.output, inputs) as out:
        for inp in inputs:
            status = max(status, _convert_one(inp, out, args))
    return status


# -- text ------------------------------------------------------------------------------------


def _text(events: list[ModelEvent]) -> str:
    return "".join([e.text for e in events if type(e) is TextDelta])


def _cmd_text(args: argparse.Namespace) -> int:
    (inp,) = _inputs([args.input])
    reader = EventReader(source=args.source, mode=args.mode, dispatch_incomplete=args.keep_last)
    fed = 0
    error: SSEConvError | None = None
    with _writing(None) as out, _reading(inp) as chunks:
        text = _TextWriter(out)
        try:
            for chunk in chunks:
                fed += len(chunk)
                text.write(_text(reader.feed(chunk)))
            text.write(_text(reader.close()))
        except SSEConvError as exc:
            text.write(_text(exc.events))  # decoded before the failure
            error = exc
        text.close()
        # The newline ends the text; a command that failed before any text writes none.
        failed = error is not None or reader.report.api_error is not None
        if not args.no_newline and (text.written or not failed):
            out.write(b"\n")
    return _finish(inp.name, reader.report, error, fed, api_error_fails=True)


# -- detect ----------------------------------------------------------------------------------


def _cmd_detect(args: argparse.Namespace) -> int:
    (inp,) = _inputs([args.input])
    parser = SSEParser(dispatch_incomplete=True)  # as sseconv.detect(): a final block counts
    found: Dialect | None = None
    head = bytearray()  # the first bytes, to tell a body that is not a stream
    with _reading(inp) as chunks:
        try:
            for chunk in chunks:
                head += chunk[: BODY_LIMIT - len(head)]
                found = _first_dialect(parser.feed(chunk))
                if found is not None:
                    break  # no need to read on
            else:
                found = _first_dialect(parser.close())
        except EventTooLargeError as exc:
            found = _first_dialect(exc.events)
            if found is None:
                raise _Failure(
                    EXIT_BAD_INPUT, _located(inp.name, exc.event_number, exc.offset, exc.message)
                ) from None
    if found is None:
        n = parser.events_dispatched
        if not n and is_not_event_stream(head):
            raise _Failure(EXIT_BAD_INPUT, f"{inp.name}: {not_event_stream(bytes(head)).message}")
        raise _Failure(
            EXIT_BAD_INPUT,
            f"{inp.name}: cannot tell the dialect: "
            + (f"none of its {n} event(s) decides it" if n else "it holds no event"),
        )
    with _writing(None) as out:
        out.write(f"{found.value}\n".encode())
    return EXIT_OK


def _first_dialect(events: list[ServerSentEvent]) -> Dialect | None:
    for event in events:
        found = classify(event)
        if found is not None:
            return found
    return None


# -- validate --------------------------------------------------------------------------------


def _cmd_validate(args: argparse.Namespace) -> int:
    inputs = _inputs(args.inputs)
    status = EXIT_OK
    with _writing(None) as out:
        for inp in inputs:
            validator = Validator(args.source, dispatch_incomplete=args.keep_last)
            counts: collections.Counter[str] = collections.Counter()
            with _reading(inp) as chunks:
                for chunk in chunks:
                    _print_problems(out, inp.name, validator.feed(chunk), counts)
            _print_problems(out, inp.name, validator.close(), counts)
            out.write(f"{_summary(inp.name, validator, counts)}\n".encode())
            if counts["error"]:
                status = EXIT_BAD_INPUT
    return status


def _print_problems(
    out: _Output, name: str, problems: list[Problem], counts: collections.Counter[str]
) -> None:
    if not problems:
        return
    lines = []
    for p in problems:
        counts[p.severity] += 1
        message = f"warning: {p.message}" if p.severity == "warning" else p.message
        if p.hint == "dispatch_incomplete":
            message = message.removesuffix(")") + "; --keep-last keeps it)"
        elif p.hint == "source":
            message += " (give --from)"
        lines.append(f"{_located(name, p.event_number, p.offset, message)}\n")
    out.write("".join(lines).encode())


def _summary(name: str, validator: Validator, counts: collections.Counter[str]) -> str:
    """``NAME: ok (DIALECT, N events[, W warnings])`` or ``NAME: K problems (...)``."""
    dialect = validator.source.value if validator.source is not None else "unknown dialect"
    parts = [dialect, _plural(validator.events, "event")]
    if counts["warning"]:
        parts.append(_plural(counts["warning"], "warning"))
    api_error = validator.report.api_error
    if api_error is not None:  # a valid end, but no answer: say so
        parts.append(f"ended by an API error: {api_error.type}: {api_error.message}")
    verdict = _plural(counts["error"], "problem") if counts["error"] else "ok"
    return f"{name}: {verdict} ({', '.join(parts)})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


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
  2    usage error: a bad option, an unknown dialect, an input that cannot be opened
  130  interrupted (Ctrl-C)
  141  the reader of the output went away (a broken pipe, as with `| head`): the rest of
       the output is discarded quietly, like a filter killed by SIGPIPE

Run `sseconv COMMAND --help` for the options of each command.
"""

_CONVERT_EPILOG = """\
examples:
  sseconv convert --to completions examples/legacy.sse
      a 2023-01-01 recording as a 2023-06-01 stream, on stdout
  sseconv convert --to messages --eol crlf -o modern.sse examples/legacy.sse
      the same as a Messages stream with CRLF line ends, into modern.sse
  sseconv convert --to legacy --from messages < recording.sse > old.sse
      a Messages stream from stdin for a 2023-01-01 client
  sseconv convert --to legacy --strict a.sse b.sse
      two recordings one after the other; fail on anything legacy cannot carry
  curl -sN ... | sseconv convert --to legacy
      a live stream: each event is written as soon as it arrives

Each input is converted on its own (its dialect detected unless --from), one after another,
into the one output. Warnings (dropped content, removed [DONE], ...) go to stderr as
"sseconv: FILE: warning: ...". A bad or cut input gives one line
"sseconv: FILE: event N, byte B: what was expected, what was found" after everything
convertible was written, status 1, and the next input is converted. Input that is no event
stream at all gives "sseconv: FILE: the API answered TYPE: MESSAGE" (an API error answer) or
"sseconv: FILE: not a server-sent event stream; ...". A stream that an API error ended is
converted (the error in the target's form) with a warning; --fail-on-api-error makes it
status 1.
"""

_TEXT_EPILOG = """\
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
"""

_DETECT_EPILOG = """\
examples:
  sseconv detect examples/legacy.sse      # prints: legacy
  head -c 2000 recording.sse | sseconv detect

Prints legacy, completions or messages, told from the framing and payload shape of the
first event that decides (a leading ping decides nothing), never from the text. Stops
reading as soon as it knows. Status 1 when no event decides.
"""

_VALIDATE_EPILOG = """\
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
"""


_ONE_INPUT = "the stream to read; - is stdin (the default)"
_EOLS = {None: None, "lf": "\n", "crlf": "\r\n"}


def _dialect(value: str) -> Dialect:
    try:
        return Dialect.parse(value)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=28)


def _source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="source",
        type=_dialect,
        metavar="DIALECT",
        help=f"the dialect of the input: {_DIALECTS} (default: detected from the first events)",
    )
    parser.add_argument(
        "--keep-last",
        action="store_true",
        help="also take a last event that lacks its final blank line (recordings often do; "
        "the standard discards it)",
    )


def _mode_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--strict",
        dest="mode",
        action="store_const",
        const="strict",
        default="default",
        help="fail on content the target cannot carry exactly (tool use, thinking, unknown "
        "events for legacy, ...) instead of dropping it with a warning",
    )
    group.add_argument(
        "--lenient",
        dest="mode",
        action="store_const",
        const="lenient",
        help="pass malformed events through where the target can carry them (else drop "
        "them), with a warning, instead of failing",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sseconv",
        description="Translate Anthropic streaming responses (server-sent events) between the "
        "legacy (2023-01-01), completions (2023-06-01) and messages dialects.",
        epilog=_MAIN_EPILOG,
        formatter_class=_formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    convert = commands.add_parser(
        "convert",
        help="convert streams to another dialect",
        description="Convert recorded or live streams to another dialect, event by event.",
        epilog=_CONVERT_EPILOG,
        formatter_class=_formatter,
    )
    convert.add_argument(
        "--to", required=True, type=_dialect, metavar="DIALECT", help=f"the output: {_DIALECTS}"
    )
    _source_options(convert)
    convert.add_argument(
        "--eol",
        choices=("lf", "crlf"),
        help="line ending of the output (default: LF for new events; events passed through "
        "unchanged keep theirs)",
    )
    _mode_options(convert)
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
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="files to convert, one after another; - is stdin (the default)",
    )
    convert.add_argument(
        "-o", "--output", metavar="OUTPUT", help="write to this file (default, or -: stdout)"
    )
    convert.set_defaults(run=_cmd_convert)

    detect = commands.add_parser(
        "detect",
        help="print the dialect of a stream",
        description="Print the dialect of a stream: legacy, completions or messages.",
        epilog=_DETECT_EPILOG,
        formatter_class=_formatter,
    )
    detect.add_argument("input", nargs="?", default=STDIN, metavar="INPUT", help=_ONE_INPUT)
    detect.set_defaults(run=_cmd_detect)

    text = commands.add_parser(
        "text",
        help="print the assembled completion text",
        description="Print the completion text of a stream, assembled from its deltas.",
        epilog=_TEXT_EPILOG,
        formatter_class=_formatter,
    )
    _source_options(text)
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
    text.add_argument("input", nargs="?", default=STDIN, metavar="INPUT", help=_ONE_INPUT)
    text.set_defaults(run=_cmd_text)

    validate = commands.add_parser(
        "validate",
        help="check recordings against their dialect's grammar",
        description="Check recordings against their dialect's grammar; print every problem "
        "with its position.",
        epilog=_VALIDATE_EPILOG,
        formatter_class=_formatter,
    )
    _source_options(validate)
    validate.add_argument(
        "inputs", nargs="*", metavar="INPUT", help="files to check; - is stdin (the default)"
    )
    validate.set_defaults(run=_cmd_validate)

    add_serve_command(commands, _formatter)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (see the module docstring)."""
    try:
        try:
            try:
                args = _build_parser().parse_args(argv)
            except SystemExit as exc:  # --help, --version (0), usage errors (2)
                return exc.code if isinstance(exc.code, int) else EXIT_USAGE
            run: Callable[[argparse.Namespace], int] = args.run
            return run(args)
        finally:
            if sys.stdout is not None:
                sys.stdout.flush()  # what argparse printed; raises if the pipe is broken
    except _Failure as exc:
        _say(exc.message)
        return exc.status
    except BrokenPipeError:
        # The reader went away: discard the rest quietly. Python flushes stdout at exit; point
        # it at /dev/null so that this cannot fail again (see the `signal` module docs).
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, _fd(sys.stdout, 1))
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
