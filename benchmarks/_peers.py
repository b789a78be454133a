"""The peer SSE decoders, driven over an iterable of byte chunks without any HTTP machinery.

* :func:`httpx_sse_iter` replicates ``httpx_sse.EventSource.iter_sse()`` exactly: httpx's
  ``Response.iter_text()`` (an incremental UTF-8 decoder with ``errors="replace"``, empty strings
  skipped, flushed at the end -- ``httpx._decoders.TextDecoder`` is exactly
  ``codecs.getincrementaldecoder("utf-8")(errors="replace")``), then httpx-sse's
  ``_iter_sse_lines`` (``SSELineDecoder``) and ``iter_sse``'s loop over ``SSEDecoder``.
  The content-type check and httpx's own byte plumbing are left out, which only flatters the peer.
* :func:`anthropic_iter` is the Anthropic SDK's ``SSEDecoder.iter_bytes`` (what ``Stream`` uses).
* :func:`openai_iter` is the OpenAI SDK's ``SSEDecoder.iter_bytes`` (what its ``Stream`` uses).
* :func:`floor_iter` is the least a decoder can do: split on blank lines, one object per block.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator

from anthropic._streaming import ServerSentEvent as AnthropicEvent
from anthropic._streaming import SSEDecoder as AnthropicSSEDecoder
from httpx_sse import ServerSentEvent as HttpxEvent
from httpx_sse._decoders import SSEDecoder as HttpxSSEDecoder
from httpx_sse._decoders import SSELineDecoder
from openai._streaming import ServerSentEvent as OpenAIEvent
from openai._streaming import SSEDecoder as OpenAISSEDecoder

__all__ = [
    "AnthropicEvent",
    "HttpxEvent",
    "OpenAIEvent",
    "anthropic_iter",
    "floor_iter",
    "httpx_sse_iter",
    "openai_iter",
]


def _iter_text(chunks: Iterable[bytes]) -> Iterator[str]:
    # httpx.Response.iter_text() with chunk_size=None.
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    for byte_content in chunks:
        text_content = decoder.decode(byte_content)
        if text_content:
            yield text_content
    text_content = decoder.decode(b"", True)
    if text_content:
        yield text_content


def _iter_sse_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    # httpx_sse._api._iter_sse_lines
    decoder = SSELineDecoder()
    for text in _iter_text(chunks):
        for line in decoder.decode(text):  # verbatim from httpx_sse
            yield line
    for line in decoder.flush():
        yield line


def httpx_sse_iter(chunks: Iterable[bytes]) -> Iterator[HttpxEvent]:
    """``EventSource.iter_sse()`` over raw byte chunks."""
    decoder = HttpxSSEDecoder()
    for line in _iter_sse_lines(chunks):
        line = line.rstrip("\n")
        sse = decoder.decode(line)
        if sse is not None:
            yield sse


def anthropic_iter(chunks: Iterable[bytes]) -> Iterator[AnthropicEvent]:
    """The Anthropic SDK's ``SSEDecoder().iter_bytes(...)`` over raw byte chunks."""
    return AnthropicSSEDecoder().iter_bytes(iter(chunks))


def openai_iter(chunks: Iterable[bytes]) -> Iterator[OpenAIEvent]:
    """The OpenAI SDK's ``SSEDecoder().iter_bytes(...)`` over raw byte chunks."""
    return OpenAISSEDecoder().iter_bytes(iter(chunks))


def floor_iter(chunks: Iterable[bytes], blank: bytes) -> list[tuple[str]]:
    """A pure-Python floor, not a decoder: the blocks between ``blank`` line ends, each decoded
    into a one-element tuple (no fields, no line rules, no positions)."""
    out: list[tuple[str]] = []
    rest = b""
    for chunk in chunks:
        *blocks, rest = (rest + chunk).split(blank)
        out += [(block.decode("utf-8", "replace"),) for block in blocks]
    return out
