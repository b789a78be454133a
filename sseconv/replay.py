"""Replay a recording as a live stream: ``sseconv replay`` from Python.

::

    from sseconv import replay
    from sseconv.serve import serving

    app = replay.app("tests/fixtures/messages-text-capture.sse", delay=0.05, to="legacy")
    with serving(app) as server:  # uvicorn on 127.0.0.1, any free port
        ...  # point a client at server.url

:func:`streams_from` reads a ``.sse`` file or the streams of a cassette/HAR file (all of them,
or the interaction ``index``) with their pacing; :class:`ReplayApp` is the ASGI app; serving
needs the ``serve`` extra (uvicorn).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ._detect import detect
from ._dialect import Dialect
from ._errors import SSEConvError, UsageError
from ._options import options_from
from ._recording_sniff import sniff
from ._replay import ReplayApp, ReplayStream, even_pacing, recorded_pacing, split_events
from .recordings import RecordingError, loads

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from 3.11; for type checkers only

    from ._options import ConvertOptions

__all__ = [
    "ReplayApp",
    "ReplayStream",
    "app",
    "even_pacing",
    "recorded_pacing",
    "split_events",
    "streams_from",
]


def streams_from(
    path: str | os.PathLike[str],
    *,
    index: int | None = None,
    delay: float = 0.0,
    real_time: bool = False,
    source: Dialect | str | None = None,
) -> list[ReplayStream]:
    """The streams to replay from a ``.sse`` file or a cassette/HAR file (told from content).

    ``index`` picks one interaction of a recording (its index in the file, from 0). Pacing:
    ``delay`` seconds between events, or with ``real_time`` the pace the recording gives (a
    HAR entry's ``timings``: ``wait`` before the first event, ``receive`` spread over the
    events by size); a stream without timings is a :class:`UsageError` then.
    """
    if index is not None and (type(index) is not int or index < 0):
        raise UsageError(f"expected an interaction index (an int from 0), found {index!r}")
    if type(real_time) is not bool:
        raise UsageError(f"expected real_time True or False, found {real_time!r}")
    name = os.fspath(path)
    data = Path(path).read_bytes()
    from_ = Dialect.parse(source) if isinstance(source, str) else source
    if sniff(data[:4096]) is None:
        if index is not None:
            raise UsageError(f"{name}: --index picks an interaction of a cassette or HAR file")
        bodies: list[tuple[str, bytes, tuple[float, float] | None]] = [(name, data, None)]
    else:
        found = loads(data).streams()
        if index is not None:
            found = [s for s in found if s.index == index]
            if not found:
                raise UsageError(f"{name}: interaction {index} is not a text/event-stream response")
        if not found:
            raise UsageError(f"{name}: holds no text/event-stream response")
        bodies = [(f"{name}#{s.index}", s.body, s.timing) for s in found]
    result = []
    for label, body, timing in bodies:
        pieces = split_events(body)
        if real_time:
            if timing is None:
                raise UsageError(
                    f"{label}: the recording does not say how long the response took "
                    "(only HAR files do); give --delay instead"
                )
            delays = recorded_pacing(pieces, *timing)
        else:
            delays = even_pacing(len(pieces), delay)
        result.append(ReplayStream(tuple(pieces), tuple(delays), label, from_ or detect(body)))
    return result


def app(
    path: str | os.PathLike[str],
    *,
    index: int | None = None,
    delay: float = 0.0,
    real_time: bool = False,
    to: Dialect | str | None = None,
    **options: Unpack[ConvertOptions],
) -> ReplayApp:
    """A :class:`ReplayApp` for the streams of ``path`` (see :func:`streams_from`), converted
    to ``to`` as they are sent when given, with ``options`` (those of
    :class:`~sseconv.Options`; ``source`` is the recording's dialect, detected when not given).
    Each stream is converted once here first, so that one that does not convert is an error now
    rather than a cut replay."""
    source = options_from(options).source  # a wrong option: UsageError before anything is read
    streams = streams_from(path, index=index, delay=delay, real_time=real_time, source=source)
    target = Dialect.parse(to) if isinstance(to, str) else to
    replay_app = ReplayApp(streams, target, options)
    for stream in streams:
        converter = replay_app.converter(stream)
        if converter is None:
            break
        try:
            converter.feed(b"".join(stream.pieces))
            converter.close()
        except SSEConvError as exc:
            raise RecordingError(f"{stream.label}: does not convert: {exc}") from exc
    return replay_app
