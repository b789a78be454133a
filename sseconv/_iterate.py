"""One sync/async shape for the iterators that read byte chunks through a sans-IO step.

A *step* takes one chunk (``None`` at the end of input) and returns the items it completes;
it holds all the work and all the state. :class:`Items` and :class:`AsyncItems` only run the
loop, each in its own colour, so that the two loops below are all there is to mirror.
"""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Generator,
    Iterable,
    Iterator,
)
from typing import Any, TypeVar

__all__ = ["AsyncItems", "Items", "Step", "aiterate", "amap"]

T = TypeVar("T")
U = TypeVar("U")

#: The items one chunk completes (``None``: the end of input, for the last items).
Step = Callable[[bytes | None], Iterable[T]]


class Items(Iterator[T]):
    """The items of synchronous ``chunks`` through ``step``, produced as they are asked for."""

    def __init__(self, chunks: Iterable[bytes], step: Step[T]) -> None:
        self._gen = self._run(chunks, step)

    @staticmethod
    def _run(chunks: Iterable[bytes], step: Step[T]) -> Generator[T, None, None]:
        for chunk in chunks:
            yield from step(chunk)
        yield from step(None)

    def __next__(self) -> T:
        return next(self._gen)

    def close(self) -> None:
        """Stop reading (closes the chunk iterator where it is a generator)."""
        self._gen.close()


class AsyncItems(AsyncIterator[T]):
    """Async twin of :class:`Items`, for chunks read asynchronously."""

    def __init__(self, chunks: AsyncIterable[bytes], step: Step[T]) -> None:
        self._gen = self._run(chunks, step)

    @staticmethod
    async def _run(chunks: AsyncIterable[bytes], step: Step[T]) -> AsyncGenerator[T, None]:
        async for chunk in chunks:
            for item in step(chunk):
                yield item
        for item in step(None):
            yield item

    async def __anext__(self) -> T:
        return await self._gen.__anext__()

    async def aclose(self) -> None:
        """Stop reading (closes the chunk iterator where it is an async generator)."""
        await self._gen.aclose()


async def aiterate(items: Iterable[T]) -> AsyncGenerator[T, None]:
    """A synchronous iterable as an async iterator (each item as it comes: it may block)."""
    for item in items:
        yield item


async def amap(function: Callable[[Any], U], items: AsyncIterable[Any]) -> AsyncGenerator[U, None]:
    """``map`` over an async iterable."""
    async for item in items:
        yield function(item)
