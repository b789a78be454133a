"""One sync/async shape for the iterators that read byte chunks through a sans-IO stage.

The stage (:class:`~sseconv._source.Stage`) holds all the work and all the state;
:func:`~sseconv._source.pump` and :func:`~sseconv._source.apump` run its loop, each in its own
colour, and :class:`Items` / :class:`AsyncItems` make that loop an iterator that can be closed.
"""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
)
from typing import Any, TypeVar

from ._source import Stage, apump, pump

__all__ = ["AsyncItems", "Items", "aiterate", "amap"]

T = TypeVar("T")
U = TypeVar("U")


class Items(Iterator[T]):
    """The output of ``stage`` over synchronous ``chunks``, made as it is asked for."""

    def __init__(self, chunks: Iterable[bytes], stage: Stage[T]) -> None:
        self._gen = pump(chunks, stage)

    def __next__(self) -> T:
        return next(self._gen)

    def close(self) -> None:
        """Stop reading (closes the chunk iterator where it is a generator)."""
        self._gen.close()


class AsyncItems(AsyncIterator[T]):
    """Async twin of :class:`Items`, for chunks read asynchronously."""

    def __init__(self, chunks: AsyncIterable[bytes], stage: Stage[T]) -> None:
        self._gen = apump(chunks, stage)

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
