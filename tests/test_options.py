"""Options: the defaults, every validation rule, and the kwargs -> Options function.

The ``# type: ignore[...]`` comments are part of the tests: mypy --strict warns about an unused
ignore, so each one asserts that the type checker rejects the call it marks.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import pytest

from sseconv._dialect import Dialect
from sseconv._errors import UsageError
from sseconv._options import (
    DEFAULT_MAX_EVENT_SIZE,
    DETECT_LIMIT,
    ConvertOptions,
    EncodeOptions,
    Options,
    ReadOptions,
    options_from,
)


def _clock() -> datetime.datetime:
    return datetime.datetime(2023, 1, 1, tzinfo=datetime.timezone.utc)


def test_defaults() -> None:
    assert Options() == Options(
        source=None,
        mode="default",
        eol=None,
        pings="keep",
        clock=None,
        max_event_size=16 * 1024 * 1024,
        dispatch_incomplete=False,
        detect_limit=64 * 1024,
    )
    assert (DEFAULT_MAX_EVENT_SIZE, DETECT_LIMIT) == (16 * 1024 * 1024, 64 * 1024)


def test_every_option_is_typed_for_converters_and_split_for_readers_and_encoders() -> None:
    names = {field.name for field in dataclasses.fields(Options)}
    assert set(ConvertOptions.__annotations__) == names
    assert set(ReadOptions.__annotations__) == {
        "source",
        "mode",
        "max_event_size",
        "dispatch_incomplete",
        "detect_limit",
    }
    assert set(EncodeOptions.__annotations__) == {"mode", "eol", "pings", "clock"}


def test_options_are_frozen() -> None:
    options = Options()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.mode = "strict"  # type: ignore[misc]


def test_valid_values_are_kept() -> None:
    options = Options.of(
        source="2023-06-01",
        mode="lenient",
        eol="\r\n",
        pings="drop",
        clock=_clock,
        max_event_size=1,
        dispatch_incomplete=True,
        detect_limit=10,
    )
    assert options.source is Dialect.COMPLETIONS
    assert dataclasses.astuple(options) == (
        Dialect.COMPLETIONS,
        "lenient",
        "\r\n",
        "drop",
        _clock,
        1,
        True,
        10,
    )
    assert Options(eol="\n").eol == "\n"
    assert Options(mode="strict").mode == "strict"


@pytest.mark.parametrize("name", ["legacy", "2023-01-01", " LEGACY ", Dialect.LEGACY])
def test_source_names_and_aliases_become_the_dialect(name: str) -> None:
    assert Options.of(source=name).source is Dialect.LEGACY


@pytest.mark.parametrize("value", ["klingon", 5, b"legacy"])
def test_a_bad_source_names_the_option(value: Any) -> None:
    with pytest.raises(UsageError, match=r"^option source: expected a dialect .*found"):
        options_from({"source": value})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("mode", "loud", r"expected mode 'strict' or 'default' or 'lenient', found 'loud'"),
        ("mode", "STRICT", r"expected mode .* found 'STRICT'"),
        ("mode", None, r"expected mode .* found None"),
        ("mode", ["strict"], r"expected mode .* found \['strict'\]"),
        ("eol", "\r", r"expected eol '\\n' or '\\r\\n', found '\\r'"),
        ("eol", b"\n", r"expected eol .* found b'\\n'"),
        ("eol", "", r"expected eol .* found ''"),
        ("pings", "skip", r"expected pings 'keep' or 'drop', found 'skip'"),
        ("pings", None, r"expected pings .* found None"),
        ("pings", True, r"expected pings .* found True"),
        ("clock", "now", r"expected clock a callable returning a datetime, found 'now'"),
        ("clock", datetime.datetime(2023, 1, 1), r"expected clock a callable .* found datetime.*"),
        ("max_event_size", "big", r"expected max_event_size a positive int \(bytes\), found 'big'"),
        ("max_event_size", -1, r"expected max_event_size a positive int .* found -1"),
        ("max_event_size", 0, r"expected max_event_size a positive int .* found 0"),
        ("max_event_size", 1.5, r"expected max_event_size a positive int .* found 1.5"),
        ("max_event_size", True, r"expected max_event_size a positive int .* found True"),
        ("max_event_size", None, r"expected max_event_size a positive int .* found None"),
        ("detect_limit", -5, r"expected detect_limit a positive int .* found -5"),
        ("detect_limit", 0, r"expected detect_limit a positive int .* found 0"),
        ("detect_limit", "64k", r"expected detect_limit a positive int .* found '64k'"),
        ("detect_limit", False, r"expected detect_limit a positive int .* found False"),
        ("dispatch_incomplete", "yes", r"expected dispatch_incomplete True or False, found 'yes'"),
        ("dispatch_incomplete", 1, r"expected dispatch_incomplete True or False, found 1"),
        ("dispatch_incomplete", None, r"expected dispatch_incomplete True or False, found None"),
    ],
)
def test_a_wrong_value_is_a_usage_error_naming_the_option(
    name: str, value: object, message: str
) -> None:
    kwargs: dict[str, Any] = {name: value}
    with pytest.raises(UsageError, match=f"^{message}$"):
        Options(**kwargs)
    with pytest.raises(UsageError, match=f"^{message}$"):
        options_from({name: value})


def test_a_subclass_of_int_or_str_is_refused_like_bool() -> None:
    class Size(int):
        pass

    class Name(str):
        pass

    with pytest.raises(UsageError, match="max_event_size"):
        Options(max_event_size=Size(10))
    with pytest.raises(UsageError, match="mode"):
        Options(mode=Name("strict"))  # type: ignore[arg-type]


def test_any_callable_is_a_clock() -> None:
    class Clock:
        def __call__(self) -> datetime.datetime:
            return _clock()

    clock = Clock()
    assert Options(clock=clock).clock is clock


@pytest.mark.parametrize(
    ("name", "close"),
    [
        ("mdoe", "mode"),
        ("EOL", "eol"),
        ("ping", "pings"),
        ("clok", "clock"),
        ("sourse", "source"),
        ("max_size", "max_event_size"),
        ("detectlimit", "detect_limit"),
        ("dispatch_incomplet", "dispatch_incomplete"),
    ],
)
def test_a_misspelt_option_gets_a_did_you_mean(name: str, close: str) -> None:
    with pytest.raises(UsageError, match=rf"^unknown option '{name}'; did you mean '{close}'\?$"):
        options_from({name: "strict"})


def test_an_unknown_option_lists_the_options() -> None:
    with pytest.raises(UsageError) as caught:
        options_from({"xyz": 1})
    assert caught.value.message == (
        "unknown option 'xyz' (options: source, mode, eol, pings, clock, max_event_size, "
        "dispatch_incomplete, detect_limit)"
    )


def test_an_option_of_another_kind_of_entry_point_does_not_apply() -> None:
    with pytest.raises(UsageError) as caught:
        options_from({"eol": "\n"}, ReadOptions)
    assert caught.value.message == (
        "option 'eol' does not apply here (options: source, mode, max_event_size, "
        "dispatch_incomplete, detect_limit)"
    )
    with pytest.raises(UsageError, match=r"^option 'source' does not apply here"):
        options_from({"source": "legacy"}, EncodeOptions)
    with pytest.raises(UsageError, match=r"^unknown option 'pign'; did you mean 'pings'\?$"):
        options_from({"pign": "drop"}, EncodeOptions)


def test_the_name_is_checked_before_the_value() -> None:
    with pytest.raises(UsageError, match=r"^unknown option 'mdoe'"):
        options_from({"mode": "loud", "mdoe": "strict"})


def test_options_from_each_kind() -> None:
    assert options_from({}) == Options()
    assert options_from({"mode": "strict", "detect_limit": 7}, ReadOptions) == Options(
        mode="strict", detect_limit=7
    )
    assert options_from({"pings": "drop"}, EncodeOptions) == Options(pings="drop")


def test_the_type_checker_rejects_a_misspelt_option_or_a_wrong_type() -> None:
    # Each ignore would be reported as unused (mypy --strict) if the call type-checked.
    with pytest.raises(UsageError, match="did you mean 'mode'"):
        Options.of(mdoe="strict")  # type: ignore[call-arg]
    with pytest.raises(UsageError, match="max_event_size"):
        Options.of(max_event_size="big")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="mode"):
        Options.of(mode="loud")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="eol"):
        Options.of(eol="\r")  # type: ignore[arg-type]
