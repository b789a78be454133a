"""Every kind of input an sseconv entry point reads, turned into ``bytes`` chunks: one rule
for all of them.

- A *chunk* (what ``feed`` methods take) is any bytes-like object: ``bytes``, ``bytearray``,
  ``memoryview`` or anything else with the buffer protocol (``array``, ``mmap``…).
- A *source* (what ``convert``, ``parse_events``, ``validate`` and ``detect`` take) is a chunk
  (the whole input), an iterable of chunks, or a binary file object (anything with
  ``read(size)``; read with ``read1`` where it exists, so a pipe is converted as its bytes
  come). The async forms also take async iterables of chunks and files whose ``read`` is a
  coroutine (``aiofiles``).
- A ``str`` (a whole text or one chunk) is a :class:`UsageError` saying to encode it: the
  stream's bytes decide how it is read (line ends, a BOM, invalid UTF-8), so sseconv never
  guesses an encoding. So is a text file, and an HTTP response (read it with
  :mod:`sseconv.httpx`, or pass ``response.iter_bytes()``).

Nothing here does I/O of its own: a file object is read only through its own ``read``.
"""

from __future__ import annotations

import inspect
import io
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import Any, Protocol, TypeAlias

from ._errors import UsageError
from ._iterate import aiterate, amap

__all__ = ["READ_SIZE", "AsyncSource", "BytesLike", "Source", "achunks", "as_bytes", "chunks"]

#: How much is asked of a file object per read.
READ_SIZE = 64 * 1024

BytesLike: TypeAlias = bytes | bytearray | memoryview


class BinaryReader(Protocol):
    """A binary file object: ``read(size)`` returns bytes, ``b""`` at the end."""

    def read(self, size: int = ..., /) -> bytes: ...


class AsyncBinaryReader(Protocol):
    """An async binary file object (``aiofiles``): ``await read(size)``."""

    async def read(self, size: int = ..., /) -> bytes: ...


#: What the synchronous entry points read.
Source: TypeAlias = BytesLike | Iterable[BytesLike] | BinaryReader
#: What the async entry points read.
AsyncSource: TypeAlias = Source | AsyncIterable[BytesLike] | AsyncBinaryReader

_ENCODE_IT = "encode it first (text.encode())"


def as_bytes(data: object) -> bytes:
    """``data`` as ``bytes``, for any bytes-like object (a copy only when it is not bytes).

    Raises:
        UsageError: ``data`` is a ``str``, or not bytes-like.
    """
    if type(data) is bytes:
        return data
    if isinstance(data, str):
        raise UsageError(f"expected bytes, found str: {_ENCODE_IT}")
    try:  # bytearray, memoryview, and anything else with the buffer protocol (array, mmap)
        return memoryview(data).tobytes()  # type: ignore[arg-type]
    except TypeError:
        raise UsageError(f"expected a bytes-like object, found {type(data).__name__}") from None


def _chunk(item: object) -> bytes:
    if type(item) is bytes:
        return item
    if isinstance(item, str):
        raise UsageError(f"expected bytes-like chunks, found a str chunk: {_ENCODE_IT}")
    try:
        return as_bytes(item)
    except UsageError:
        raise UsageError(
            f"expected bytes-like chunks, found a chunk of type {type(item).__name__}"
        ) from None


def _refuse(source: object) -> UsageError:
    kind = type(source).__name__
    if isinstance(source, str):
        return UsageError(f"expected bytes, found str: {_ENCODE_IT}")
    if isinstance(source, io.TextIOBase):
        return UsageError(f"expected a binary file, found a text file ({kind}): open it with 'rb'")
    if hasattr(source, "iter_bytes"):
        return UsageError(
            f"expected bytes, an iterable of bytes or a binary file, found a response ({kind}): "
            "read it with sseconv.httpx, or pass response.iter_bytes()"
        )
    return UsageError(
        f"expected bytes, an iterable of bytes-like chunks or a binary file, found {kind}"
    )


def chunks(
    source: Source,
    item: Callable[[Any], bytes] = _chunk,
    twins: str = "aconvert, aparse_events",
) -> Iterator[bytes]:
    """The ``bytes`` chunks of a synchronous source (see the module docstring); ``item``
    makes each item of an iterable a chunk, ``twins`` names the async entry points.

    Raises:
        UsageError: at once for a ``str``, a text file, an async iterable or anything that is
            not a source; when it is reached, for a chunk that is not bytes-like.
    """
    if isinstance(source, (str, io.TextIOBase)) or hasattr(source, "iter_bytes"):
        raise _refuse(source)
    try:
        return iter((as_bytes(source),))
    except UsageError:
        pass  # not bytes-like: a file, or an iterable of chunks
    if hasattr(source, "read"):
        return _read(source)  # type: ignore[arg-type]
    if isinstance(source, Iterable):
        return map(item, source)
    if isinstance(source, AsyncIterable):
        raise UsageError(
            f"expected a synchronous source, found an async iterable ({type(source).__name__}): "
            f"use the async form ({twins})"
        )
    raise _refuse(source)


def _read(file: BinaryReader) -> Iterator[bytes]:
    read: Any = getattr(file, "read1", None) or file.read
    while True:
        data = read(READ_SIZE)
        if type(data) is not bytes:
            if data is None:  # a non-blocking file with nothing to read yet
                raise UsageError("expected a blocking binary file, found read() returning None")
            if isinstance(data, str):
                raise UsageError("expected a binary file, found a text file: open it with 'rb'")
            data = as_bytes(data)
        if not data:
            return
        yield data


def achunks(source: AsyncSource, item: Callable[[Any], bytes] = _chunk) -> AsyncIterator[bytes]:
    """The ``bytes`` chunks of any source, synchronous or asynchronous; raises as
    :func:`chunks`."""
    read = getattr(source, "read", None)
    if read is not None and inspect.iscoroutinefunction(read):
        return _aread(read)  # (an async file iterates by lines: read() gives fewer steps)
    if isinstance(source, AsyncIterable):
        return amap(item, source)
    return aiterate(chunks(source, item))  # type: ignore[arg-type]


async def _aread(read: Any) -> AsyncIterator[bytes]:
    while True:
        data = await read(READ_SIZE)
        if not data:
            if isinstance(data, str):
                raise UsageError("expected a binary file, found a text file: open it with 'rb'")
            return
        yield _chunk(data)
