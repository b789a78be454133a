"""Content codings (``content-encoding``): the one decoder of live and recorded bodies, and the
encoder that stores a converted recording back in its coding.

Codings are applied in the order listed and undone in reverse; ``identity`` is none and
``x-gzip`` is ``gzip`` (RFC 9110). ``deflate`` is read with or without its zlib header (some
servers send raw deflate); ``br`` needs ``brotli`` or ``brotlicffi``. A coding that cannot be
undone, corrupt data and data that ends before its end marker (a cut body) are a
:class:`NotEventStreamError`; an empty body is empty.
"""

from __future__ import annotations

import gzip
import importlib
import zlib
from contextlib import suppress
from typing import Any

from ._errors import NotEventStreamError

__all__ = ["DECODABLE", "ContentDecoder", "accept_encoding", "codings", "decode", "encode"]


_BROTLI: Any = None
for _name in ("brotli", "brotlicffi"):
    with suppress(ImportError):
        _BROTLI = importlib.import_module(_name)
        break

#: The content codings sseconv can undo (and the transport asks upstream for).
DECODABLE = frozenset(["gzip", "deflate", "identity", *(["br"] if _BROTLI else [])])


class _Step:
    """One coding undone, chunk by chunk."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._fed = False  # (an empty body is empty: it has no end marker to wait for)
        if coding == "br":
            self._obj = _BROTLI.Decompressor()
        else:
            self._obj = zlib.decompressobj(zlib.MAX_WBITS | (16 if coding == "gzip" else 0))

    def decompress(self, data: bytes) -> bytes:
        if not self._fed and self.coding == "deflate" and data:
            self._fed = True
            try:
                return bytes(self._obj.decompress(data))
            except zlib.error:  # a raw deflate stream without the zlib header
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
        self._fed = self._fed or bool(data)
        # (brotli's Decompressor has process(), brotlicffi's decompress())
        return bytes((getattr(self._obj, "process", None) or self._obj.decompress)(data))

    def flush(self) -> bytes:
        if self.coding == "br":
            data, finished = b"", getattr(self._obj, "is_finished", lambda: True)()
        else:
            data, finished = self._obj.flush(), self._obj.eof
        if self._fed and not finished:
            raise ValueError(f"the {self.coding} data ends before its end marker (a cut body?)")
        return data


def codings(header: str | None) -> list[str]:
    """The codings of a ``content-encoding`` value, in the order applied (``identity`` left
    out, ``x-gzip`` read as ``gzip``)."""
    names = (coding.strip().lower() for coding in (header or "").split(","))
    return ["gzip" if name == "x-gzip" else name for name in names if name not in ("", "identity")]


class ContentDecoder:
    """Undoes a body's ``content-encoding``, chunk by chunk.

    Raises :class:`NotEventStreamError` (carrying ``info``: status, content-type, response) for
    a coding it cannot undo, corrupt data, or data that ends before its end marker.
    """

    def __init__(self, header: str | None, info: dict[str, Any] | None = None) -> None:
        self._info = info or {}
        self._steps: list[_Step] = []
        for coding in reversed(codings(header)):
            if coding not in DECODABLE:
                hint = (
                    ": install brotli (pip install 'sseconv[brotli]')"
                    if coding == "br"
                    else f" (sseconv decodes {', '.join(sorted(DECODABLE - {'identity'}))})"
                )
                raise NotEventStreamError(
                    f"cannot decode a body with content-encoding {coding!r}{hint}", **self._info
                )
            self._steps.append(_Step(coding))

    def decode(self, data: bytes) -> bytes:
        for step in self._steps:
            try:
                data = step.decompress(data)
            except Exception as exc:  # zlib.error, brotli.error
                raise self._error(step, exc) from None
        return data

    def flush(self) -> bytes:
        data = b""
        for step in self._steps:
            try:
                data = (step.decompress(data) if data else b"") + step.flush()
            except Exception as exc:  # (and the cut body's ValueError)
                raise self._error(step, exc) from None
        return data

    def _error(self, step: _Step, exc: Exception) -> NotEventStreamError:
        return NotEventStreamError(
            f"expected a {step.coding}-encoded body, found an error in the compressed body: {exc}",
            **self._info,
        )


def decode(data: bytes, header: str | None) -> bytes:
    """A whole body with its ``content-encoding`` (``header``) undone."""
    decoder = ContentDecoder(header)
    return decoder.decode(data) + decoder.flush()


def encode(data: bytes, header: str | None) -> bytes:
    """``data`` with the codings of ``header`` applied (one that :func:`decode` undoes)."""
    for coding in codings(header):
        if coding == "gzip":
            data = gzip.compress(data, mtime=0)
        elif coding == "deflate":
            data = zlib.compress(data)
        elif coding == "br":
            data = _BROTLI.compress(data)
    return data


def accept_encoding(value: str | None) -> str:
    """An ``Accept-Encoding`` value without the codings sseconv cannot undo."""
    items = (value or "").split(",")
    kept = [item.strip() for item in items if item.split(";")[0].strip().lower() in DECODABLE]
    return ", ".join(kept) if kept else "identity"
