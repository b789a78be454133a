"""Shared pytest configuration."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "compat: runs real Anthropic clients (0.2.10 and 0.3.11 in cached virtualenvs, and"
        " today's SDK) against streams; the first run builds the virtualenvs from PyPI",
    )
