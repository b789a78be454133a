"""Bytes of a recording file <-> its parsed document: YAML or JSON, maybe gzip-compressed.

The kind of file is told from its content, never from its name: gzip's magic bytes, then a JSON
object (a HAR file or a Betamax cassette) or a YAML mapping (a vcrpy / VCR cassette). YAML is read
by PyYAML's safe loader (the library vcrpy itself uses; no arbitrary object is ever built), on
libyaml where PyYAML has it (a pass over the parser's events checks nesting first, as libyaml's
composer cannot be hooked) and in pure Python otherwise (its composer counts nesting), so that a
document nested deeper than :data:`sseconv._json.MAX_DEPTH` is an error before anything
recursive touches it; JSON is
checked for the same rule (:func:`sseconv._json.check_nesting`) before ``json.loads`` runs, and
every recursive step runs with :func:`sseconv._json.with_stack_room`, so the verdict never
depends on the caller's stack depth. Strings that were literal blocks, folded or double-quoted
scalars keep that style when written back (a converted body is written as its original was).
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

import yaml

from ._errors import InputError, MalformedEventError
from ._json import MAX_DEPTH, check_nesting, with_stack_room
from ._recording_sniff import BOM as _BOM
from ._recording_sniff import GZIP_MAGIC as _GZIP_MAGIC
from ._recording_sniff import sniff

__all__ = ["RecordingFileError", "dump_document", "load_document", "styled_like"]

MAX_GUNZIPPED = 1 << 30  # a .gz recording is refused beyond 1 GiB decompressed


class RecordingFileError(InputError):
    """A recording file that cannot be read: not YAML/JSON, nested too deeply, unsafe tags.

    ``offset`` is the byte offset (in the decompressed text) where known; ``line`` the 1-based
    line.
    """

    def __init__(self, message: str, *, offset: int | None = None, line: int | None = None) -> None:
        super().__init__(message, offset=offset)
        self.line = line


def load_document(data: bytes) -> tuple[Any, str, bool, bool]:
    """Parse a recording file's bytes (gzip, then JSON or YAML, told from the content): its
    value (plain dicts, lists, strings, bytes, numbers), its syntax (``"yaml"`` or ``"json"``),
    whether it was gzip-compressed and whether it is YAML that began with ``---``."""
    gzipped = data.startswith(_GZIP_MAGIC)
    if gzipped:
        data = _gunzip(data)
    kind = sniff(data)
    if gzipped and kind in (None, "gzip"):
        raise RecordingFileError(
            "expected a gzip-compressed cassette or HAR file, found other compressed content"
        )
    body = data.removeprefix(_BOM)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + len(data) - len(body)  # (in the file, its BOM counted)
        raise RecordingFileError(
            f"expected UTF-8 text, found byte 0x{data[offset]:02x}", offset=offset
        ) from None
    if kind == "json":
        return _load_json(text), "json", gzipped, False
    starts = text.lstrip("\ufeff \t\r\n").startswith(("---", "%YAML"))
    return _load_yaml(text), "yaml", gzipped, starts


def dump_document(value: Any, syntax: str, gzipped: bool, explicit_start: bool) -> bytes:
    """The bytes of a recording file: ``value`` in ``syntax``, gzip-compressed or not (the
    values :func:`load_document` gives)."""
    data = with_stack_room(_dump_text, value, syntax, explicit_start).encode("utf-8")
    return gzip.compress(data, mtime=0) if gzipped else data


def _dump_text(value: Any, syntax: str, explicit_start: bool) -> str:
    if syntax == "json":
        return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    return yaml.dump(
        value,
        Dumper=_CDumper if USE_LIBYAML else _Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=120,
        explicit_start=explicit_start,
    )


def styled_like(text: str, original: object) -> str:
    """``text``, to be written in the scalar style of ``original`` (a string read from YAML)."""
    style = getattr(original, "style", None)
    return _StyledStr(text, style) if style else text


# -- gzip --------------------------------------------------------------------------------------


def _gunzip(data: bytes) -> bytes:
    decompressor = zlib.decompressobj(wbits=31)
    try:
        out = decompressor.decompress(data, MAX_GUNZIPPED)
    except zlib.error as exc:
        raise RecordingFileError(
            f"expected gzip-compressed data, found a bad stream ({exc})"
        ) from None
    if decompressor.unconsumed_tail:
        raise RecordingFileError(
            f"the decompressed recording is larger than {MAX_GUNZIPPED >> 20} MiB"
        )
    if not decompressor.eof:
        raise RecordingFileError("expected the end of the gzip stream, found the end of the file")
    return out


# -- JSON --------------------------------------------------------------------------------------


def _load_json(text: str) -> Any:
    try:
        check_nesting(text, "the recording")  # (the rule of sseconv._json)
        return with_stack_room(json.loads, text)
    except MalformedEventError as exc:
        raise RecordingFileError(exc.message) from None
    except json.JSONDecodeError as exc:
        raise RecordingFileError(
            f"expected JSON, found {exc.msg.lower()} (line {exc.lineno}, column {exc.colno})",
            line=exc.lineno,
        ) from None


# -- YAML --------------------------------------------------------------------------------------


class _StyledStr(str):
    """A string read from a literal block, folded or double-quoted YAML scalar: ``style`` says
    which, so that the text written in its place keeps that form."""

    style: str

    def __new__(cls, value: str, style: str = "") -> _StyledStr:
        obj = super().__new__(cls, value)
        obj.style = style
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (_StyledStr, (str(self), self.style))

    def __deepcopy__(self, memo: Any) -> _StyledStr:
        return self  # immutable


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with a nesting limit; keeps the style of block and quoted
    strings; reads the ``!!python/unicode`` / ``!!python/str`` tags of Python 2 era cassettes
    as plain strings and Ruby's ``!binary`` as bytes (nothing else beyond the YAML 1.1 core
    types is constructed)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.MappingStartEvent, yaml.SequenceStartEvent):
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    raise _too_deep(self.peek_event().start_mark)  # type: ignore[no-untyped-call]
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)


def _construct_str(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    value = loader.construct_scalar(node)  # type: ignore[arg-type]
    assert isinstance(value, str)
    style = getattr(node, "style", None)
    return _StyledStr(value, style) if style in ("|", ">", '"') else value


# Ruby's Psych wrote non-UTF-8 strings of VCR cassettes with the local tag "!binary"
def _construct_binary(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bytes:
    return loader.construct_yaml_binary(node)


#: libyaml (PyYAML's C parser and emitter, which vcrpy uses too) when PyYAML was built with it:
#: several times faster than the pure-Python classes, which are the fallback.
USE_LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))


class _CLoader(yaml.CSafeLoader if USE_LIBYAML else yaml.SafeLoader):  # type: ignore[misc]
    """The safe loader on libyaml (its composer is C: nesting is checked by a pass over the
    parser's events first, see :func:`_check_yaml_depth`)."""


for _loader in (_Loader, _CLoader):
    for _tag in ("str", "python/unicode", "python/str"):
        _loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _construct_str)
    _loader.add_constructor("!binary", _construct_binary)


class _Dumper(yaml.SafeDumper):
    pass


class _CDumper(yaml.CSafeDumper if USE_LIBYAML else yaml.SafeDumper):  # type: ignore[misc]
    pass


def _represent_styled(dumper: yaml.SafeDumper, data: _StyledStr) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style=data.style)


for _dumper in (_Dumper, _CDumper):
    _dumper.add_representer(_StyledStr, _represent_styled)

_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _check_yaml_depth(text: str) -> None:
    """The nesting rule over libyaml's parser events (iterative: any depth is measured without
    recursion), before its composer builds anything."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        kind = type(event)
        if kind in _OPEN:
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(event.start_mark)
        elif kind in _CLOSE:
            depth -= 1


def _too_deep(mark: Any) -> RecordingFileError:
    line = mark.line + 1 if mark is not None else None
    where = f" (line {line})" if line is not None else ""
    message = f"expected at most {MAX_DEPTH} nested mappings/sequences, found more{where}"
    return RecordingFileError(message, line=line)


def _parse_yaml(text: str) -> Any:
    """One document of ``text``, by a fresh loader (a pure step: it may be run again)."""
    loader: yaml.SafeLoader
    if USE_LIBYAML:
        _check_yaml_depth(text)
        loader = _CLoader(text)
    else:
        loader = _Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _load_yaml(text: str) -> Any:
    try:
        return with_stack_room(_parse_yaml, text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "bad YAML"
        where = f" (line {line})" if line is not None else ""
        raise RecordingFileError(f"expected YAML, found: {problem}{where}", line=line) from None
    except yaml.YAMLError as exc:
        raise RecordingFileError(f"expected YAML, found: {exc}") from None
