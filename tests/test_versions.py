"""Dialect names and ``dialect_for_version`` (SPEC §1 table, §5 version errors, §6)."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sseconv import Dialect, SSEConvError, UsageError, VersionError, dialect_for_version

# -- Dialect.parse ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("legacy", Dialect.LEGACY),
        ("2023-01-01", Dialect.LEGACY),
        ("completions", Dialect.COMPLETIONS),
        ("2023-06-01", Dialect.COMPLETIONS),
        ("messages", Dialect.MESSAGES),
        ("LEGACY", Dialect.LEGACY),
        ("Legacy", Dialect.LEGACY),
        ("COMPLETIONS", Dialect.COMPLETIONS),
        ("Messages", Dialect.MESSAGES),
        ("mEsSaGeS", Dialect.MESSAGES),
        (Dialect.LEGACY, Dialect.LEGACY),
        (Dialect.COMPLETIONS, Dialect.COMPLETIONS),
        (Dialect.MESSAGES, Dialect.MESSAGES),
    ],
)
def test_parse_names_and_aliases(name: str | Dialect, expected: Dialect) -> None:
    assert Dialect.parse(name) is expected


def test_dialect_values_are_the_cli_names() -> None:
    assert [d.value for d in Dialect] == ["legacy", "completions", "messages"]
    assert str(Dialect.COMPLETIONS) == "completions"
    for dialect in Dialect:
        assert Dialect.parse(dialect.value) is dialect
        assert Dialect.parse(str(dialect)) is dialect


@pytest.mark.parametrize(
    "name",
    [
        "",
        "klingon",
        "complete",
        "completion",
        "message",
        "legacy-v2",
        "2023-06-02",  # a version date is not a dialect alias (only the two listed are)
        "2026-10-21",
        "2023-03-01",
        "legacy\x00",
        "1",
    ],
)
def test_parse_unknown_names(name: str) -> None:
    with pytest.raises(UsageError) as info:
        Dialect.parse(name)
    exc = info.value
    assert isinstance(exc, ValueError)
    assert isinstance(exc, SSEConvError)
    assert repr(name) in str(exc)  # says what was found
    assert "legacy" in str(exc)  # and what was expected
    assert "\n" not in str(exc)


@pytest.mark.parametrize("value", [None, 3, 2023.0, b"legacy", ["legacy"]])
def test_parse_non_strings(value: object) -> None:
    with pytest.raises(UsageError):
        Dialect.parse(value)  # type: ignore[arg-type]


# -- dialect_for_version: the supported cases ---------------------------------------------------

COMPLETE_ENDPOINTS = [
    "/v1/complete",
    "https://api.anthropic.com/v1/complete",
    "https://api.anthropic.com/v1/complete?beta=true",
    "http://localhost:8080/proxy/anthropic/v1/complete",
    "/v1/complete?x=/v1/messages",  # the query is ignored
]
MESSAGES_ENDPOINTS = [
    "/v1/messages",
    "https://api.anthropic.com/v1/messages",
    "https://api.anthropic.com/v1/messages?beta=true",
    "http://127.0.0.1:3000/gateway/v1/messages",
    "/v1/messages?next=/v1/complete",  # the query is ignored
]


def test_default_endpoint_is_complete() -> None:
    assert dialect_for_version("2023-01-01") is Dialect.LEGACY
    assert dialect_for_version("2023-06-01") is Dialect.COMPLETIONS


@pytest.mark.parametrize("endpoint", COMPLETE_ENDPOINTS)
def test_legacy_version_on_complete(endpoint: str) -> None:
    assert dialect_for_version("2023-01-01", endpoint=endpoint) is Dialect.LEGACY


@pytest.mark.parametrize("endpoint", MESSAGES_ENDPOINTS)
def test_legacy_version_unsupported_on_messages(endpoint: str) -> None:
    with pytest.raises(VersionError) as info:
        dialect_for_version("2023-01-01", endpoint=endpoint)
    assert info.value.code == "unsupported_version"


@pytest.mark.parametrize("version", ["2023-06-01", "2023-06-02", "2024-02-29", "2026-10-21"])
@pytest.mark.parametrize("endpoint", COMPLETE_ENDPOINTS)
def test_current_versions_on_complete(version: str, endpoint: str) -> None:
    assert dialect_for_version(version, endpoint=endpoint) is Dialect.COMPLETIONS


@pytest.mark.parametrize("version", ["2023-06-01", "2023-12-31", "2024-02-29", "2026-10-21"])
@pytest.mark.parametrize("endpoint", MESSAGES_ENDPOINTS)
def test_current_versions_on_messages(version: str, endpoint: str) -> None:
    assert dialect_for_version(version, endpoint=endpoint) is Dialect.MESSAGES


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=datetime.date(2023, 6, 1)))
def test_any_date_from_2023_06_01_on(date: datetime.date) -> None:
    value = date.isoformat()
    assert dialect_for_version(value, endpoint="/v1/complete") is Dialect.COMPLETIONS
    assert dialect_for_version(value, endpoint="/v1/messages") is Dialect.MESSAGES


@settings(max_examples=60, deadline=None)
@given(
    st.dates(min_value=datetime.date(1970, 1, 1), max_value=datetime.date(2023, 5, 31)).filter(
        lambda d: d != datetime.date(2023, 1, 1)
    ),
    st.sampled_from(["/v1/complete", "/v1/messages"]),
)
def test_other_real_dates_are_unsupported(date: datetime.date, endpoint: str) -> None:
    with pytest.raises(VersionError) as info:
        dialect_for_version(date.isoformat(), endpoint=endpoint)
    assert info.value.code == "unsupported_version"


# -- dialect_for_version: errors ------------------------------------------------------------


@pytest.mark.parametrize("version", ["2022-12-31", "2023-03-01", "2023-05-31", "2023-01-02"])
@pytest.mark.parametrize("endpoint", ["/v1/complete", "/v1/messages"])
def test_unsupported_versions(version: str, endpoint: str) -> None:
    with pytest.raises(VersionError) as info:
        dialect_for_version(version, endpoint=endpoint)
    exc = info.value
    assert exc.code == "unsupported_version"
    assert isinstance(exc, SSEConvError)
    assert isinstance(exc, ValueError)
    assert version in str(exc)
    assert "\n" not in str(exc)


@pytest.mark.parametrize(
    "version",
    [
        "2023-6-1",
        "2023-02-30",  # not a real calendar date
        "2023-02-29",  # 2023 is not a leap year
        "2023-13-01",
        "2023-00-10",
        "2023-06-00",
        "2023-06-31",
        "latest",
        "",
        "2023-06-01x",
        "x2023-06-01",
        "2023/06/01",
        "20230601",
        "2023-06-01T00:00:00Z",
        "2023-06-01,2023-01-01",
        "v2023-06-01",
        "２０２３-０６-０１",  # fullwidth digits: not an ASCII date
        "٢٠٢٣-٠٦-٠١",  # Arabic-Indic digits: not an ASCII date
    ],
)
@pytest.mark.parametrize("endpoint", ["/v1/complete", "/v1/messages"])
def test_invalid_versions(version: str, endpoint: str) -> None:
    with pytest.raises(VersionError) as info:
        dialect_for_version(version, endpoint=endpoint)
    exc = info.value
    assert exc.code == "invalid_version"
    assert isinstance(exc, SSEConvError)
    assert isinstance(exc, ValueError)
    assert repr(version) in str(exc)  # names the value found
    assert "\n" not in str(exc)


@pytest.mark.parametrize("endpoint", ["/v1/complete", "/v1/messages"])
def test_missing_version(endpoint: str) -> None:
    with pytest.raises(VersionError) as info:
        dialect_for_version(None, endpoint=endpoint)
    exc = info.value
    assert exc.code == "version_required"
    assert isinstance(exc, SSEConvError)
    assert isinstance(exc, ValueError)
    assert "anthropic-version" in str(exc)


def test_version_error_codes_are_distinct_per_case() -> None:
    codes = set()
    for value in (None, "latest", "2023-03-01"):
        with pytest.raises(VersionError) as info:
            dialect_for_version(value)
        codes.add(info.value.code)
    assert codes == {"version_required", "invalid_version", "unsupported_version"}
