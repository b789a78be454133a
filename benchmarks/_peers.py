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
* :func:`ceiling_iter` is the most :class:`sseconv.SSEParser`'s design can reach: its block
  patterns and event objects without the rules that cost per read.
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

from sseconv import ServerSentEvent
from sseconv._sse_grammar import MODES

__all__ = [
    "AnthropicEvent",
    "HttpxEvent",
    "OpenAIEvent",
    "anthropic_iter",
    "ceiling_iter",
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


def ceiling_iter(chunks: Iterable[bytes]) -> list[ServerSentEvent]:
    """The most ``SSEParser``'s design can reach, not a decoder. A read that is one whole block
    (with the last read's line end), or after a read that gave one event and held complete lines
    the rest of their block and maybe the complete lines of the next, takes one pattern match;
    otherwise the bytes up to the last blank line go through the same block pattern into the
    same event objects and the rest is held for the next read. Nothing else: no size limit, no
    line end of another kind, no lines of a cut block that act at once, no BOM, no CRLF cut
    between reads, no ``retry``, no unknown lines. Right on the benchmark's streams
    (``bench_sse.py`` checks that it gives the decoders' events), wrong on others."""
    new = tuple.__new__
    out: list[ServerSentEvent] = []
    names: dict[bytes, str | None] = {b"": None}
    held, pos, number, last_id, eol, resume = b"", 0, 1, None, b"\n", False
    for chunk in chunks:
        size = len(eol)
        if not held:
            m = MODES[eol][3][2](chunk)
        else:
            m = MODES[eol][3][3](held + chunk) if resume else None
        if m and (m[3] is None or m[2] in names):
            if held:  # the rest of the block held, then maybe the next one's complete lines
                idline, head, value, held = m.groups()
                end = pos + len(m.string) - len(held)
            else:  # a read of one whole block
                idline, head, value = m.groups()
                end = pos + len(chunk)
            if value is not None:  # (else a comment)
                if idline:
                    last_id = idline[4:-size].decode("utf-8", "replace") or None
                event = (names[head], value.decode("utf-8", "replace"), last_id, None, pos, end)
                out.append(new(ServerSentEvent, (*event, number)))
                number += 1
            pos = end
            continue
        buf = held + chunk if held else chunk
        eol = b"\n" if b"\r" not in buf else b"\r" if b"\n" not in buf else b"\r\n"
        size, blank = len(eol), eol * 2
        stop = buf.rfind(blank)
        stop = stop + 2 * size if stop >= 0 else 0
        held, fixed, first = buf[stop:], 6 + 2 * size, number
        for idline, head, value, other in MODES[eol][1].findall(buf, 0, stop):
            if other:  # a comment block
                pos += len(other)
                continue
            if idline:
                last_id = idline[4:-size].decode("utf-8", "replace") or None
            end = pos + len(idline) + len(head) + len(value) + fixed
            try:
                name = names[head]
            except KeyError:
                name = names[head] = head.partition(b":")[2].strip().decode()
            text = value.decode("utf-8", "replace")
            out.append(new(ServerSentEvent, (name, text, last_id, None, pos, end, number)))
            number, pos = number + 1, end
        resume = number == first + 1 and held.endswith((b"\r", b"\n"))  # (only complete lines)
    return out
