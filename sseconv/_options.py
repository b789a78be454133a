"""The options of sseconv's readers, converters and adapters: declared once, with their
defaults, and validated in one place.

:class:`Options` is the frozen, validated value; the ``TypedDict`` classes type the keyword
arguments of the entry points (``**options: Unpack[ConvertOptions]``), so that a misspelt
option or a wrong type fails the type checker, and :func:`options_from` turns such keyword
arguments into an :class:`Options` at run time, with a :class:`UsageError` for an unknown
name ("did you mean …?") or a wrong value.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Literal, TypedDict, get_args

from ._dialect import Dialect
from ._errors import UsageError

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from 3.11; only type checkers read it

__all__ = [
    "DEFAULT_MAX_EVENT_SIZE",
    "DETECT_LIMIT",
    "CheckOptions",
    "Clock",
    "ConvertOptions",
    "EncodeOptions",
    "Eol",
    "Mode",
    "Options",
    "Pings",
    "ReadOptions",
    "options_from",
    "unknown_option",
]

#: How strictly input is read and output written (see :class:`sseconv.Converter`).
Mode = Literal["strict", "default", "lenient"]
#: What happens to pings: written in the target's form, or dropped (and counted).
Pings = Literal["keep", "drop"]
#: The line ending of written events.
Eol = Literal["\n", "\r\n"]
#: Returns the time written into synthesized legacy pings (UTC).
Clock = Callable[[], datetime.datetime]

#: The largest event accepted by default, in bytes.
DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024
#: How many input bytes are read at most, by default, while the source dialect is detected.
DETECT_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Options:
    """Every option, with its default; a wrong type or value is a :class:`UsageError` naming
    the option.

    Attributes:
        source: the dialect read, or ``None`` to detect it from the first events (a name or
            alias is accepted and becomes a :class:`Dialect`).
        mode: ``"strict"`` (anything that cannot be represented exactly, and an unfinished
            input, is an error), ``"default"`` (unrepresentable content is dropped and
            counted; malformed input is an error) or ``"lenient"`` (malformed events are
            passed through where the target can carry them, otherwise dropped, and counted).
        eol: the line ending of the output, ``"\\n"`` or ``"\\r\\n"``; ``None``: synthesized
            events use ``"\\n"`` and events passed through keep their own.
        pings: ``"keep"`` or ``"drop"`` (dropped pings are counted).
        clock: returns the time written into synthesized legacy pings (UTC ``datetime``);
            ``None``: the current time.
        max_event_size: the largest event accepted, in bytes (a positive ``int``).
        dispatch_incomplete: read a final event that lacks its blank line (recorded files
            often do) instead of discarding it.
        detect_limit: how many bytes are read at most while detecting the source dialect (a
            positive ``int``).
    """

    source: Dialect | None = None
    mode: Mode = "default"
    eol: Eol | None = None
    pings: Pings = "keep"
    clock: Clock | None = None
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE
    dispatch_incomplete: bool = False
    detect_limit: int = DETECT_LIMIT

    def __post_init__(self) -> None:
        if self.source is not None:
            try:
                object.__setattr__(self, "source", Dialect.parse(self.source))
            except UsageError as exc:
                raise UsageError(f"option source: {exc.message}") from None
        _check_choice("mode", self.mode, get_args(Mode))
        _check_choice("eol", self.eol, (None, *get_args(Eol)))
        _check_choice("pings", self.pings, get_args(Pings))
        if self.clock is not None and not callable(self.clock):
            raise UsageError(
                f"expected clock a callable returning a datetime, found {self.clock!r}"
            )
        _check_size("max_event_size", self.max_event_size)
        _check_choice("dispatch_incomplete", self.dispatch_incomplete, (True, False))
        _check_size("detect_limit", self.detect_limit)

    @classmethod
    def of(cls, **options: Unpack[ConvertOptions]) -> Options:
        """The options named (any option of :class:`ConvertOptions`), the others at their
        defaults.

        Raises:
            UsageError: an unknown option (with the closest known name) or a wrong value.
        """
        return options_from(options)


def _check_choice(name: str, value: object, choices: tuple[object, ...]) -> None:
    # the type first: 1 == True and unhashable values must not match a choice
    if type(value) in (str, bool, type(None)) and value in choices:
        return
    listed = " or ".join(repr(choice) for choice in choices if choice is not None)
    raise UsageError(f"expected {name} {listed}, found {value!r}")


def _check_size(name: str, value: object) -> None:
    if type(value) is not int or value <= 0:  # bool is an int subclass: refused too
        raise UsageError(f"expected {name} a positive int (bytes), found {value!r}")


class CheckOptions(TypedDict, total=False):
    """How input is parsed and detected: the options of :class:`sseconv.Validator` and
    ``validate`` (besides their ``source``), and part of every reader's: see :class:`Options`."""

    max_event_size: int
    dispatch_incomplete: bool
    detect_limit: int


class ReadOptions(CheckOptions, total=False):
    """The options of readers (:class:`sseconv.EventReader`, ``parse_events``,
    ``sseconv.httpx.iter_events``): see :class:`Options`."""

    source: Dialect | str | None
    mode: Mode


class EncodeOptions(TypedDict, total=False):
    """The options of encoders (``encoder_for``, ``encode_events``): see :class:`Options`."""

    mode: Mode
    eol: Eol | None
    pings: Pings
    clock: Clock | None


class ConvertOptions(ReadOptions, EncodeOptions, total=False):
    """The options of converters (:class:`sseconv.Converter`, ``convert``, the converting
    transports): every option of :class:`Options`."""


_NAMES: tuple[str, ...] = tuple(field.name for field in fields(Options))


def options_from(
    options: Mapping[str, object],
    accepted: type[Mapping[str, object]] = ConvertOptions,
    **given: object,
) -> Options:
    """The :class:`Options` for keyword arguments of an entry point that takes the options
    of ``accepted`` (a ``TypedDict`` class), and ``given``: options the entry point takes as
    arguments of its own (:class:`sseconv.Validator`'s ``source``).

    Raises:
        UsageError: a name that is not an option of ``accepted`` (with the closest one, when
            a name looks misspelt), or a wrong value.
    """
    names = accepted.__annotations__.keys()
    for name in options:
        if name not in names:
            raise unknown_option(name, sorted(names, key=_NAMES.index))
    values: dict[str, Any] = {**options, **given}  # checked by Options itself
    return Options(**values)


def unknown_option(name: object, names: list[str]) -> UsageError:
    """The error for a keyword argument ``name`` that is none of ``names``: the closest of
    them when it looks misspelt, else all of them."""
    import difflib  # only for this message: not on the import path of every entry point

    listed = ", ".join(names)
    if name in _NAMES:
        return UsageError(f"option {name!r} does not apply here (options: {listed})")
    close = difflib.get_close_matches(str(name).lower(), names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f" (options: {listed})"
    return UsageError(f"unknown option {name!r}{hint}")
