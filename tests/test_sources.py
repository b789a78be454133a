"""Every entry point takes the same kinds of input (issue 10 item 2, issue 11 item 10).

Chunks (what ``feed`` takes): any bytes-like object. Sources (what ``convert``,
``parse_events``, ``validate``, ``detect`` take): a bytes-like whole, an iterable of chunks, a
binary file; the async forms also take async iterables and async files. A ``str`` is a
``UsageError`` that says to encode it.
"""

from __future__ import annotations

import array
import asyncio
import io
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streams import read_fixture

import sseconv
from sseconv._source import READ_SIZE

STREAM = read_fixture("messages-text-capture.sse")
LEGACY = read_fixture("legacy-2023-01-01-reconstructed.sse")


def expected_output(to: str = "legacy") -> bytes:
    converter = sseconv.Converter(to, clock=CLOCK)
    return converter.feed(STREAM) + converter.close()


def CLOCK() -> Any:
    import datetime

    return datetime.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.timezone.utc)


def pieces(data: bytes, size: int = 50) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


# Every kind of chunk: the same bytes, as bytes, bytearray, memoryview, array, a slice of a
# larger memoryview.
CHUNK_KINDS: dict[str, Callable[[bytes], Any]] = {
    "bytes": bytes,
    "bytearray": bytearray,
    "memoryview": memoryview,
    "array": lambda data: array.array("B", data),
    "memoryview slice": lambda data: memoryview(b"xx" + data + b"yy")[2:-2],
}

# Every kind of synchronous source.
SOURCE_KINDS: dict[str, Callable[[bytes], Any]] = {
    **{f"whole {name}": kind for name, kind in CHUNK_KINDS.items()},
    "list of bytes": pieces,
    "list of memoryviews": lambda data: [memoryview(p) for p in pieces(data)],
    "generator of bytearrays": lambda data: (bytearray(p) for p in pieces(data)),
    "BytesIO": io.BytesIO,
    "buffered file": lambda data: io.BufferedReader(io.BytesIO(data), buffer_size=64),
}


# -- chunks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", CHUNK_KINDS)
def test_every_feed_takes_any_bytes_like_chunk(kind: str) -> None:
    make = CHUNK_KINDS[kind]
    converter = sseconv.Converter("legacy", clock=CLOCK)
    out = b"".join(converter.feed(make(p)) for p in pieces(STREAM)) + converter.close()
    assert out == expected_output()

    converter = sseconv.Converter("legacy", clock=CLOCK)
    out = b"".join(b"".join(converter.iter_feed(make(p))) for p in pieces(STREAM))
    assert out + b"".join(converter.iter_close()) == expected_output()

    parser = sseconv.SSEParser()
    events = [e for p in pieces(STREAM) for e in parser.feed(make(p))] + parser.close()
    assert events == sseconv.SSEParser().feed(STREAM)

    reader = sseconv.EventReader()
    read = [e for p in pieces(STREAM) for e in reader.feed(make(p))] + reader.close()
    assert read == list(sseconv.parse_events([STREAM]))

    validator = sseconv.Validator()
    assert [q for p in pieces(STREAM) for q in validator.feed(make(p))] == []
    assert validator.close() == [] and validator.events == 9


FEEDS: dict[str, Callable[[Any], object]] = {
    "Converter.feed": lambda data: sseconv.Converter("legacy").feed(data),
    "Converter.iter_feed": lambda data: sseconv.Converter("legacy").iter_feed(data),
    "SSEParser.feed": lambda data: sseconv.SSEParser().feed(data),
    "EventReader.feed": lambda data: sseconv.EventReader().feed(data),
    "Validator.feed": lambda data: sseconv.Validator().feed(data),
}


@pytest.mark.parametrize("feed", FEEDS)
def test_a_str_chunk_is_a_usage_error_that_says_to_encode_it(feed: str) -> None:
    with pytest.raises(sseconv.UsageError, match=r"found str: encode it first \(text.encode"):
        FEEDS[feed]("data: x\n\n")
    with pytest.raises(sseconv.UsageError, match="expected a bytes-like object, found int"):
        FEEDS[feed](7)  # (bytes(7) would be seven NUL bytes)


# -- sources ------------------------------------------------------------------------------------


def all_entry_points(source: Callable[[], Any]) -> dict[str, object]:
    """What each synchronous entry point makes of a fresh ``source()``."""
    conversion = sseconv.convert(source(), "legacy", clock=CLOCK)
    return {
        "convert": b"".join(conversion),
        "finished": conversion.report.finished,
        "parse_events": list(sseconv.parse_events(source())),
        "validate": sseconv.validate(source()),
        "detect": sseconv.detect(source()),
    }


@pytest.mark.parametrize("kind", SOURCE_KINDS)
def test_every_entry_point_takes_every_kind_of_source(kind: str) -> None:
    make = SOURCE_KINDS[kind]
    got = all_entry_points(lambda: make(STREAM))
    assert got == all_entry_points(lambda: STREAM)
    assert got["convert"] == expected_output() and got["finished"] is True
    assert got["detect"] is sseconv.Dialect.MESSAGES and got["validate"] == []


def test_a_file_opened_in_binary_mode(tmp_path: Path) -> None:
    path = tmp_path / "stream.sse"
    path.write_bytes(STREAM)
    with path.open("rb") as f:
        assert b"".join(sseconv.convert(f, "legacy", clock=CLOCK)) == expected_output()
    with path.open("rb") as f:
        assert sseconv.detect(f) is sseconv.Dialect.MESSAGES
    with path.open("rb", buffering=0) as f:  # a raw file: read() gives what one read gives
        assert sseconv.validate(f) == []


def test_a_file_is_read_in_bounded_reads() -> None:
    sizes: list[int] = []

    class Recorder(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            sizes.append(size)
            return self._data.read(size)

    data = STREAM * 100
    assert len(list(sseconv.parse_events(Recorder(data), mode="lenient"))) > 0
    assert sizes and all(0 < size <= READ_SIZE for size in sizes)


def test_detect_reads_only_until_an_event_decides() -> None:
    read: list[bytes] = []

    def chunks() -> Iterator[bytes]:
        for piece in pieces(LEGACY, 40):
            read.append(piece)
            yield piece
        raise AssertionError("read past the deciding event")

    assert sseconv.detect(chunks()) is sseconv.Dialect.LEGACY
    assert len(b"".join(read)) < len(LEGACY)


def test_a_pipe_is_converted_as_its_bytes_come() -> None:
    """A file object over a pipe: the first event is converted while the writer still holds
    the pipe open (read1(), not a read that waits for 64 KiB)."""
    read_fd, write_fd = os.pipe()
    at = STREAM.index(b"\n\n", STREAM.index(b"event: ping")) + 2
    first, rest = STREAM[:at], STREAM[at:]
    with os.fdopen(read_fd, "rb") as reader, os.fdopen(write_fd, "wb") as writer:
        writer.write(first)
        writer.flush()
        conversion = sseconv.convert(reader, "completions")
        got: list[bytes] = []
        thread = threading.Thread(target=lambda: got.append(next(conversion)), daemon=True)
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the conversion waited for more than the pipe held"
        writer.write(rest)
    assert got[0].startswith(b"event: ping\n")  # the first events, converted


REFUSED: dict[str, tuple[Callable[[], Any], str]] = {
    "str": (lambda: STREAM.decode(), r"found str: encode it first"),
    "str chunks": (lambda: [STREAM.decode()], r"found a str chunk: encode it first"),
    "int chunks": (lambda: [1, 2], r"found a chunk of type int"),
    "text file": (lambda: io.StringIO(STREAM.decode()), r"found a text file .*'rb'"),
    "an int": (lambda: 42, r"found int"),
    "a path": (lambda: Path("stream.sse"), r"found PosixPath|found WindowsPath"),
}


class FakeResponse:
    """What an HTTP response looks like (httpx, httpx2)."""

    def iter_bytes(self) -> Iterator[bytes]:
        yield STREAM

    def read(self) -> bytes:
        return STREAM


@pytest.mark.parametrize("what", REFUSED)
def test_what_is_not_a_source_is_a_usage_error(what: str) -> None:
    make, message = REFUSED[what]
    entry_points: list[Callable[[Any], object]] = [
        lambda s: list(sseconv.convert(s, "legacy")),
        lambda s: list(sseconv.parse_events(s)),
        sseconv.validate,
        sseconv.detect,
    ]
    for entry_point in entry_points:
        with pytest.raises(sseconv.UsageError, match=message):
            entry_point(make())


def test_a_response_is_pointed_to_the_httpx_adapter() -> None:
    with pytest.raises(sseconv.UsageError, match=r"found a response .*sseconv.httpx"):
        sseconv.convert(FakeResponse(), "legacy")  # type: ignore[arg-type]


def test_a_text_file_read_that_returns_str_is_refused() -> None:
    class Texty:
        def read(self, size: int = -1) -> str:
            return "data: x\n\n"

    with pytest.raises(sseconv.UsageError, match="open it with 'rb'"):
        list(sseconv.parse_events(Texty()))  # type: ignore[arg-type]


def test_an_async_iterable_given_to_a_sync_form() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield STREAM

    with pytest.raises(sseconv.UsageError, match="use the async form"):
        sseconv.convert(chunks(), "legacy")  # type: ignore[arg-type]


# -- async forms --------------------------------------------------------------------------------


class AsyncFile:
    """An async binary file (as aiofiles gives): ``await read(size)``, and async iteration
    by lines (which sseconv does not use: a read gives whole chunks)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.sizes: list[int] = []

    async def read(self, size: int = -1) -> bytes:
        await asyncio.sleep(0)
        self.sizes.append(size)
        return self._data.read(size)

    def __aiter__(self) -> AsyncIterator[bytes]:
        raise AssertionError("read by lines")


async def apieces(data: bytes) -> AsyncIterator[memoryview]:
    for piece in pieces(data):
        await asyncio.sleep(0)
        yield memoryview(piece)


ASYNC_KINDS: dict[str, Callable[[bytes], Any]] = {
    **SOURCE_KINDS,
    "async iterable of memoryviews": apieces,
    "async file": AsyncFile,
}


@pytest.mark.parametrize("kind", ASYNC_KINDS)
def test_the_async_forms_take_every_kind_of_source(kind: str) -> None:
    make = ASYNC_KINDS[kind]

    async def run() -> tuple[bytes, list[sseconv.ModelEvent]]:
        out = b"".join([p async for p in sseconv.aconvert(make(STREAM), "legacy", clock=CLOCK)])
        return out, [e async for e in sseconv.aparse_events(make(STREAM))]

    out, events = asyncio.run(run())
    assert out == expected_output()
    assert events == list(sseconv.parse_events(STREAM))


def test_an_async_file_is_read_in_bounded_reads() -> None:
    source = AsyncFile(b": keep-alive\n" * 20_000 + STREAM)  # 280 KB

    async def run() -> int:
        return len([piece async for piece in sseconv.aconvert(source, "completions")])

    assert asyncio.run(run()) > 0
    assert source.sizes and set(source.sizes) == {READ_SIZE}


def test_the_async_forms_refuse_a_str() -> None:
    async def run() -> None:
        async for _ in sseconv.aconvert(STREAM.decode(), "legacy"):  # type: ignore[arg-type]
            pass

    with pytest.raises(sseconv.UsageError, match="encode it first"):
        asyncio.run(run())

    async def chunks() -> AsyncIterator[str]:
        yield STREAM.decode()

    async def parse() -> None:
        async for _ in sseconv.aparse_events(chunks()):  # type: ignore[arg-type]
            pass

    with pytest.raises(sseconv.UsageError, match="a str chunk: encode it first"):
        asyncio.run(parse())
