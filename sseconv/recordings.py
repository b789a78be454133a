"""Streams where they are recorded: vcrpy cassettes (YAML, ``.yaml.gz``), Ruby VCR / Betamax
cassettes and HAR 1.2 files.

::

    from sseconv import recordings

    recording = recordings.read("tests/cassettes/test_chat.yaml")
    for stream in recording.streams():
        print(stream.index, stream.uri, sseconv.detect(stream.body))
    result = recordings.convert_file("tests/cassettes/test_chat.yaml", to="legacy")

:func:`convert_document` works on a parsed document (a dict as ``yaml.safe_load`` or
``json.load`` give it); :func:`convert_file` reads, converts and writes a file, and writes
nothing unless every stream converted (or ``mode="lenient"``). See the README's "Recordings".
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._dialect import Dialect
from ._errors import UsageError
from ._json import MAX_DEPTH
from ._recording_files import RecordingFileError, dump_document, load_document
from ._recording_sniff import sniff
from ._recordings import (
    RecordingConversion,
    RecordingError,
    Stream,
    StreamResult,
    container_kind,
    convert_document,
    streams,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from 3.11; for type checkers only

    from ._options import ConvertOptions

__all__ = [
    "MAX_DEPTH",
    "Recording",
    "RecordingConversion",
    "RecordingError",
    "RecordingFileError",
    "Stream",
    "StreamResult",
    "container_kind",
    "convert_document",
    "convert_file",
    "loads",
    "read",
    "sniff",
    "streams",
]


@dataclass
class Recording:
    """A recording file, parsed: ``document`` (plain dicts and lists), ``kind`` (``"vcr"``,
    ``"vcr-ruby"`` or ``"har"``), ``syntax`` (``"yaml"`` or ``"json"``) and ``gzipped``."""

    document: Any
    kind: str
    syntax: str
    gzipped: bool = False
    explicit_start: bool = False  # (YAML: the file began with "---")

    def streams(self) -> list[Stream]:
        """The ``text/event-stream`` responses, in file order (see :func:`streams`)."""
        return streams(self.document)

    def dumps(self) -> bytes:
        """The file's bytes: the same syntax and compression as it was read in."""
        return dump_document(self.document, self.syntax, self.gzipped, self.explicit_start)


def loads(data: bytes) -> Recording:
    """Parse the bytes of a cassette or HAR file (gzip-compressed or not), told from its
    content.

    Raises:
        UsageError: ``data`` is not bytes-like.
        RecordingFileError: not YAML/JSON, nested deeper than :data:`MAX_DEPTH`, or a YAML tag
            that would build an object (only plain data is ever constructed).
        RecordingError: valid YAML/JSON that is not a cassette or a HAR file.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        hint = " (encode it, or use read() for a file name)" if isinstance(data, str) else ""
        raise UsageError(f"expected the bytes of a recording, found {type(data).__name__}{hint}")
    value, syntax, gzipped, explicit_start = load_document(bytes(data))
    return Recording(value, container_kind(value), syntax, gzipped, explicit_start)


def read(path: str | os.PathLike[str]) -> Recording:
    """:func:`loads` of a file's content."""
    with open(path, "rb") as f:
        return loads(f.read())


def convert_file(
    path: str | os.PathLike[str],
    to: Dialect | str,
    *,
    output: str | os.PathLike[str] | None = None,
    models: Mapping[str, str] | None = None,
    **options: Unpack[ConvertOptions],
) -> RecordingConversion:
    """Convert the streams of the cassette or HAR file at ``path`` (see
    :func:`convert_document`, which takes the same ``models`` and ``options``) and write the
    result to ``output`` (default: ``path`` itself), in the same syntax and compression. The
    file is replaced atomically and keeps its permissions; nothing is written if a stream did
    not convert (``RecordingError``), unless ``mode="lenient"``.
    """
    recording = read(path)
    result = convert_document(recording.document, to, models=models, **options)
    data = dataclasses.replace(recording, document=result.document).dumps()
    write_atomically(output if output is not None else path, data)
    return result


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a temporary file next to ``path``, then rename it over ``path`` (an
    existing file's permissions are kept). A path that exists and is not a regular file (a
    device such as ``/dev/stdout``, a named pipe) is written directly instead."""
    target = os.fspath(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(target, "wb") as f:
            f.write(data)
        return
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(prefix=".sseconv-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
