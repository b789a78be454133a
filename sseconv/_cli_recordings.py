"""The command line on recordings (cassettes, HAR files): ``convert``, ``detect``, ``text``,
``validate`` and ``replay``.

A file is a recording when its first bytes say so (:func:`sseconv.recordings.sniff`), whatever
its name; it is read whole. Each stream in it is named ``FILE#N``, N being the interaction's
index in the file (from 0, as in ``interactions[N]`` or ``log.entries[N]``), and gets one line
of output. ``convert`` writes nothing unless every stream converted (``--lenient``: the others
are left as they were, and counted).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import stat
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import _cli  # (which imports this module: its names are looked up when called)
from ._errors import SSEConvError, UsageError
from ._recording_sniff import sniff

if TYPE_CHECKING:  # the rest is imported when a recording is met (start-up time)
    from ._cli import _Input, _Output, _Stderr
    from ._recordings import Stream
    from .recordings import Recording

__all__ = ["SNIFF_SIZE", "convert", "detect_one", "is_recording", "text_one", "validate_one"]

SNIFF_SIZE = 4096  # the bytes looked at to tell a recording from a stream


def is_recording(inp: _Input) -> bool:
    """Whether an input is a cassette or HAR file, from its first bytes (regular files only:
    stdin, pipes and devices are streams)."""
    if inp.is_stdin:
        return False
    try:
        if not stat.S_ISREG(os.stat(inp.path).st_mode):
            return False  # a pipe or a device is read as a stream: looking would consume it
        with open(inp.path, "rb") as f:
            head = f.read(SNIFF_SIZE)
    except OSError:
        return False  # the caller reports the input it cannot open
    return sniff(head) is not None


def _load(inp: _Input) -> tuple[Recording, list[Stream]]:
    """A recording and its streams (a failure when it has none)."""
    from .recordings import loads  # (PyYAML is imported only for recordings)

    try:
        with open(inp.path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise _cli._Failure(f"{inp.name}: cannot read: {exc.strerror}") from None
    try:
        recording = loads(data)
        streams = recording.streams()
    except SSEConvError as exc:
        raise _cli._Failure(f"{inp.name}: {exc.message}") from None
    if not streams:
        raise _cli._Failure(f"{inp.name}: holds no text/event-stream response ({recording.kind})")
    return recording, streams


def _label(inp: _Input, index: int) -> str:
    return f"{inp.name}#{index}"


def _located(name: str, exc: SSEConvError) -> str:
    """``NAME: event N, byte B: message``, as the command line writes every position."""
    return _cli._located(name, exc.event_number, exc.offset, exc.message)


# -- convert -----------------------------------------------------------------------------------


def convert(args: argparse.Namespace, inputs: Sequence[_Input], out: _Output) -> int:
    """``sseconv convert`` when an input is a recording (or ``--in-place``): each recording is
    written to ``-o``, in place, or to ``out`` (stdout)."""
    from ._gateway_cli import parse_models  # the gateway's --model OLD=NEW

    recordings = [inp for inp in inputs if is_recording(inp)]
    if args.in_place:
        if args.output is not None:
            raise UsageError("--in-place and -o/--output do not go together")
        for inp in inputs:
            if inp not in recordings:
                raise UsageError(f"{inp.name}: --in-place converts cassettes and HAR files only")
    elif len(inputs) > 1:
        raise UsageError(
            f"{recordings[0].name}: a cassette or HAR file is converted on its own "
            "(give one input, or --in-place)"
        )
    models = parse_models(args.model) if args.model else None
    return _cli._each(inputs, args.stderr, lambda inp: _convert_one(args, inp, out, models))


def _convert_one(
    args: argparse.Namespace, inp: _Input, out: _Output, models: dict[str, str] | None
) -> int:
    import dataclasses

    from .recordings import RecordingError, convert_document, write_atomically

    stderr: _Stderr = args.stderr
    recording, streams = _load(inp)
    options = _cli._converter_options(args, recorded=True)
    try:
        result = convert_document(recording.document, args.to, models=models, **options)
    except RecordingError as exc:
        for failed in exc.failures:
            assert failed.error is not None
            stderr.error(_located(f"{inp.name}: {failed.describe()}", failed.error))
        if not exc.failures:
            stderr.error(f"{inp.name}: {exc.message}")
        else:
            stderr.error(
                f"{inp.name}: nothing written: {len(exc.failures)} of {len(streams)} stream(s) "
                "did not convert (--lenient leaves them as they are)"
            )
        return _cli.EXIT_BAD_INPUT
    for stream in result.streams:
        if stream.error is not None:
            stderr.error(_located(f"{_label(inp, stream.index)}: skipped", stream.error))
        elif stream.report is not None:
            for warning in stream.report.warnings():
                if not (args.drop_pings and warning.endswith("(as asked)")):
                    stderr.warning(_label(inp, stream.index), warning)
    data = dataclasses.replace(recording, document=result.document).dumps()
    target = inp.path if args.in_place else args.output
    if target is None or target == "-":
        out.write(data)
    else:
        try:
            write_atomically(target, data)
        except OSError as exc:
            raise _cli._Failure(f"{target}: cannot write: {exc.strerror}") from None
    converted = [s for s in result.streams if s.converted]
    translated = sum(s.request_translated for s in converted)
    others = result.interactions - len(result.streams)
    parts = [
        f"converted {_cli._plural(len(converted), 'stream')} to {args.to.value}"
        f" ({_cli._plural(translated, 'request')} translated)"
    ]
    if result.skipped:
        parts.append(f"skipped {len(result.skipped)}")
    parts.append(f"{_cli._plural(others, 'other interaction')} unchanged")
    stderr.error(f"{inp.name}: {', '.join(parts)}")
    return _cli.EXIT_OK


# -- detect, text, validate --------------------------------------------------------------------


def detect_one(inp: _Input, out: _Output, args: argparse.Namespace) -> int:
    """One line per stream: ``FILE#N: DIALECT`` (status 1 if one cannot be told)."""
    from ._detect import detect

    status = _cli.EXIT_OK
    for stream in _load(inp)[1]:
        dialect = detect(stream.body)
        found = "unknown (no event tells the dialect)" if dialect is None else dialect.value
        out.write(f"{_label(inp, stream.index)}: {found}\n".encode())
        if dialect is None:
            status = _cli.EXIT_BAD_INPUT
    return status


def text_one(inp: _Input, out: _Output, args: argparse.Namespace) -> int:
    """One line per stream: ``FILE#N: "<text as a JSON string>"``."""
    from ._convert import EventReader

    status = _cli.EXIT_OK
    for stream in _load(inp)[1]:
        reader = EventReader(**_cli._read_options(args, recorded=True))
        error: SSEConvError | None = None
        try:
            events = reader.feed(stream.body) + reader.close()
        except SSEConvError as exc:
            events, error = exc.events, exc
        text = _cli._text(events)
        label = _label(inp, stream.index)
        out.write(f"{label}: {json.dumps(text, ensure_ascii=False)}\n".encode("utf-8", "replace"))
        if error is not None:
            args.stderr.error(_located(label, error))
            status = _cli.EXIT_BAD_INPUT
        elif not reader.report.finished:
            args.stderr.error(f"{label}: warning: {reader.report.warnings()[0]}")
            status = _cli.EXIT_BAD_INPUT
    return status


def validate_one(inp: _Input, out: _Output, args: argparse.Namespace) -> int:
    """Every problem of every stream (``FILE#N: event E, byte B: ...``), then one summary line
    per stream, as for a ``.sse`` file."""
    from ._validate import Validator

    try:
        streams = _load(inp)[1]
    except _cli._Failure as exc:
        out.write(f"{exc.message}\n".encode())
        return _cli.EXIT_BAD_INPUT
    status = _cli.EXIT_OK
    for stream in streams:
        label = _label(inp, stream.index)
        validator = Validator(
            args.source,
            max_event_size=_cli._max_event_size(args),
            dispatch_incomplete=args.keep_last,
        )
        counts: collections.Counter[str] = collections.Counter()
        _cli._print_problems(out, label, validator.feed(stream.body) + validator.close(), counts)
        status = max(status, _cli._summary(out, label, validator, counts))
    return status


# -- replay ------------------------------------------------------------------------------------

DEFAULT_REPLAY_PORT = 8765

_REPLAY_EPILOG = """\
examples:
  sseconv replay tests/fixtures/messages-text-capture.sse --delay 0.2
      serves the stream on http://127.0.0.1:8765/, one event every 0.2 s
  sseconv replay cassette.yaml --index 3 --to legacy --port 0
      interaction 3 of a cassette, converted for a 2023-01-01 client, on any free port
  sseconv replay capture.har --real-time
      each stream of a HAR file at the pace it was recorded (its timings)
  curl -N http://127.0.0.1:8765/v1/messages -d '{}'

Every request (any method and path; its body is ignored) gets the next stream of the
recording, in turn, as a live text/event-stream response: one event per write. A cassette
or HAR file is told from its content; without --index all its streams are served in turn.
Listens on 127.0.0.1 unless --host says otherwise. Ctrl-C stops it.
"""


def add_replay_command(commands: Any) -> None:
    """Register ``sseconv replay`` on the command parser."""
    from ._gateway_cli import add_listen_options

    replay = _cli.add_command(
        commands,
        "replay",
        help="serve a recorded stream as a live one, on loopback",
        description="Serve a recorded stream (a .sse file, or the streams of a cassette or "
        "HAR file) as a live text/event-stream response, with the pacing asked for.",
        epilog=_REPLAY_EPILOG,
    )
    replay.add_argument("recording", metavar="RECORDING", help="a .sse, cassette or HAR file")
    replay.add_argument(
        "--index",
        type=int,
        metavar="N",
        help="serve only interaction N of a cassette or HAR file (its index, from 0)",
    )
    pacing = replay.add_mutually_exclusive_group()
    pacing.add_argument(
        "--delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long before each event after the first (default: 0)",
    )
    pacing.add_argument(
        "--real-time",
        action="store_true",
        help="the pace of the recording (a HAR entry's timings: wait, then receive spread "
        "over the events by size)",
    )
    replay.add_argument(
        "--to", type=_cli._dialect, metavar="DIALECT", help="convert each event as it is sent"
    )
    _cli.source_option(replay)
    replay.add_argument(
        "--drop-pings", action="store_true", help="leave out ping events when converting"
    )
    add_listen_options(replay, DEFAULT_REPLAY_PORT)
    replay.set_defaults(run=_cmd_replay)


def _cmd_replay(args: argparse.Namespace) -> int:
    from . import replay
    from ._serving import bind, is_loopback, run, url_of

    try:
        app = replay.app(
            args.recording,
            index=args.index,
            delay=args.delay,
            real_time=args.real_time,
            to=args.to,
            source=args.source,
            pings="drop" if args.drop_pings else "keep",
        )
    except UsageError:
        raise
    except SSEConvError as exc:
        raise _cli._Failure(f"{args.recording}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{args.recording}: cannot open: {exc.strerror}") from None
    stderr: _Stderr = args.stderr
    if not is_loopback(args.host):
        stderr.error(
            f"warning: listening on {args.host}, not loopback: anyone who can reach it can read "
            "the recording"
        )
    sock = bind(args.host, args.port)
    pace = "as recorded" if args.real_time else f"{args.delay:g} s between events"
    for stream in app.streams:
        dialect = stream.source.value if stream.source is not None else "unknown dialect"
        converted = f" as {app.to.value}" if app.to is not None else ""
        events = _cli._plural(len(stream.pieces), "event")
        stderr.error(f"{stream.label}: {dialect}{converted}, {events}, {pace}")
    stderr.error(f"replaying on {url_of(sock)}/ (Ctrl-C stops)")
    try:
        run(app, sock, log_level="warning")
    finally:
        sock.close()
    return _cli.EXIT_OK
