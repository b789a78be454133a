"""Running the command line in the tests.

:func:`run` calls ``sseconv._cli.main(argv)`` in this process with file descriptors 0, 1 and 2
redirected, as the shell does for a command: stdin is a pipe fed from a thread (or a regular
file for a ``Path``, as ``< FILE``), stdout and stderr are files read back afterwards. The
command does its I/O on those descriptors (``os.read``/``os.write``; argparse writes to
``sys.stdout``/``sys.stderr``, which point at them too), so this runs the real command without
starting an interpreter. :func:`run_process` starts ``python -m sseconv`` for what only a
process shows: shell pipes, live output, signals, closed descriptors, the exit status.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple

from sseconv._cli import main

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60
#: the command, for :func:`shell`
SSECONV = f'"{sys.executable}" -m sseconv'


class Result(NamedTuple):
    """What a run of the command gave (the fields of ``subprocess.CompletedProcess``)."""

    returncode: int
    stdout: bytes
    stderr: bytes


def run(
    *args: str | Path,
    stdin: bytes | Path | None = None,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Result:
    """Run ``sseconv ARGS`` in-process. ``stdin`` bytes come through a pipe (an empty one by
    default), a ``Path`` is opened as a regular file; ``env`` is added to the environment,
    from which ``SOURCE_DATE_EPOCH`` is removed."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        _environment(env or {}),
        _chdir(cwd),
    ):
        with _stdin(stdin) as fd_0, _redirected({0: fd_0, 1: out.fileno(), 2: err.fileno()}):
            status = main([str(arg) for arg in args])
        out.seek(0)
        err.seek(0)
        return Result(status, out.read(), err.read())


def run_process(
    *args: str | Path, stdin: bytes | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m sseconv ARGS`` as a process (stdin: a pipe)."""
    return subprocess.run(
        [sys.executable, "-m", "sseconv", *map(str, args)],
        input=stdin or b"",
        capture_output=True,
        cwd=cwd,
        timeout=TIMEOUT,
        check=False,
    )


def shell(script: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    """Run a bash script (the command in it as :data:`SSECONV`), stdin empty."""
    return subprocess.run(
        ["bash", "-c", script], input=b"", capture_output=True, cwd=cwd, timeout=TIMEOUT
    )


def stderr_lines(result: Result | subprocess.CompletedProcess[bytes]) -> list[str]:
    """The lines on stderr, which never hold a traceback."""
    text = result.stderr.decode()
    assert "Traceback" not in text
    return text.splitlines()


@contextlib.contextmanager
def _chdir(path: Path) -> Iterator[None]:  # (contextlib.chdir: Python 3.11)
    saved = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(saved)


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _stdin(stdin: bytes | Path | None) -> Iterator[int]:
    """A descriptor to read stdin from: the file, or a pipe that a thread fills (and that
    breaks when the command stops reading before the end)."""
    if isinstance(stdin, Path):
        with stdin.open("rb") as f:
            yield f.fileno()
        return
    read, write = os.pipe()
    writer = threading.Thread(target=_feed, args=(write, stdin or b""), daemon=True)
    writer.start()
    try:
        yield read
    finally:
        os.close(read)  # a writer still blocked gets EPIPE
        writer.join(TIMEOUT)
        assert not writer.is_alive()


def _feed(fd: int, data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError), open(fd, "wb") as pipe:
        pipe.write(data)


@contextlib.contextmanager
def _redirected(fds: dict[int, int]) -> Iterator[None]:
    """Point descriptors 0, 1, 2 (and ``sys.stdin``/``stdout``/``stderr``) at ``fds``."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = {fd: os.dup(fd) for fd in fds}
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    streams: list[IO[str]] = []
    try:
        for fd, target in fds.items():
            os.dup2(target, fd)
        streams = [
            open(fd, mode, encoding="utf-8", closefd=False)  # noqa: SIM115 (closed below)
            for fd, mode in ((0, "r"), (1, "w"), (2, "w"))
        ]
        sys.stdin, sys.stdout, sys.stderr = streams
        yield
    finally:
        for stream in streams:
            with contextlib.suppress(OSError, ValueError):
                stream.close()  # (writes what argparse left in the buffer)
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)
