"""The cached client environments fail clearly: an index that cannot be reached is one line,
and a pin without a wheel for the running Python is the one reason a compat test skips."""

from __future__ import annotations

from pathlib import Path

import pytest
from compat import CompatEnvError, WheelsUnavailable, client_python, venvs

pytestmark = pytest.mark.compat


def test_an_unreachable_index_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSECONV_COMPAT_CACHE", str(tmp_path))
    monkeypatch.setenv("SSECONV_COMPAT_INDEX_URL", "http://127.0.0.1:9/simple")  # refused
    with pytest.raises(CompatEnvError) as info:
        client_python("anthropic-0.2.10")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("cannot reach the package index http://127.0.0.1:9/simple (")
    assert message.endswith("set SSECONV_COMPAT_INDEX_URL to a reachable PyPI mirror")
    assert not isinstance(info.value, WheelsUnavailable)
    assert not venvs.env_dir("anthropic-0.2.10").exists()  # nothing half-built


def test_a_pin_without_a_wheel_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = tmp_path / "simple"
    for project in ("pip", "anthropic"):
        (index / project).mkdir(parents=True)  # reachable, but holding no files
    monkeypatch.setenv("SSECONV_COMPAT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SSECONV_COMPAT_INDEX_URL", index.as_uri())
    with pytest.raises(WheelsUnavailable) as info:
        client_python("anthropic-0.2.10")
    message = str(info.value)
    assert "\n" not in message
    assert "anthropic==0.2.10 has no wheel for cpython " in message
    assert not (venvs.env_dir("anthropic-0.2.10") / ".sseconv-compat-complete").exists()


def test_the_pins_are_exact() -> None:
    assert set(venvs.BEFORE_3_11) <= set(venvs.REQUIREMENTS)
    for requirements in [*venvs.REQUIREMENTS.values(), *venvs.BEFORE_3_11.values()]:
        for requirement in requirements:
            name, _, version = requirement.partition("==")
            assert name and version and version[0].isdigit(), requirement
