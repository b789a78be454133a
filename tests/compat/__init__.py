"""Compatibility harness: real Anthropic clients of each API era reading given stream bytes.

- ``run_2023_01_01(stream)``: ``anthropic==0.2.10`` (anthropic-version 2023-01-01,
  ``Client.completion_stream``) reads ``stream`` from a local HTTP server, in its own virtualenv.
- ``run_2023_06_01(stream)``: ``anthropic==0.3.11`` (2023-06-01,
  ``completions.create(stream=True)``) reads ``stream`` through an ``httpx.MockTransport``, in its
  own virtualenv.
- ``run_2023_06_01_transport(url, scenarios)``: ``anthropic==0.3.11`` with sseconv's
  ``ConvertingTransport(complete_via_messages=True)`` against a ``/v1/messages`` upstream (its
  own virtualenv: sseconv needs a newer httpx and pydantic than the 2023 set).
- ``run_2023_01_01_urls(urls)`` / ``run_2023_06_01_urls(urls)``: the same 2023 clients,
  unmodified, calling real servers (``api_url`` / ``base_url``), streaming or not, with chosen
  arguments: how the gateway (``sseconv serve``) is tested.
- ``FakeMessagesAPI`` (``fake_messages.py``): today's API, ``/v1/messages`` only, strict.
- ``read_messages(stream)`` / ``read_messages_create(stream)`` (+ async variants): today's SDK,
  in-process, through an ``httpx2.MockTransport``.

The ``*_many`` runners read several streams in one subprocess (about 0.3 s each call saved).
Virtualenvs are built once and cached (see ``venvs.py``); import this package as ``compat``
(``tests/`` is on ``sys.path`` under pytest's default import mode).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .modern import (
        MockAPI,
        aread_messages,
        aread_messages_create,
        read_messages,
        read_messages_async,
        read_messages_create,
        read_messages_create_async,
    )
from .results import (
    CompletionsResult,
    ErrorInfo,
    LegacyResult,
    MessagesCreateResult,
    MessagesResult,
    RequestInfo,
)
from .runners import (
    CompatRunError,
    run_2023_01_01,
    run_2023_01_01_many,
    run_2023_01_01_urls,
    run_2023_06_01,
    run_2023_06_01_many,
    run_2023_06_01_transport,
    run_2023_06_01_urls,
)
from .server import SSEServer, StreamSpec, serve_streams, split_chunks
from .venvs import REQUIREMENTS, CompatEnvError, WheelsUnavailable, cache_root, client_python

__all__ = [
    "REQUIREMENTS",
    "CompatEnvError",
    "CompatRunError",
    "CompletionsResult",
    "ErrorInfo",
    "LegacyResult",
    "MessagesCreateResult",
    "MessagesResult",
    "MockAPI",
    "RequestInfo",
    "SSEServer",
    "StreamSpec",
    "WheelsUnavailable",
    "aread_messages",
    "aread_messages_create",
    "cache_root",
    "client_python",
    "read_messages",
    "read_messages_async",
    "read_messages_create",
    "read_messages_create_async",
    "run_2023_01_01",
    "run_2023_01_01_many",
    "run_2023_01_01_urls",
    "run_2023_06_01",
    "run_2023_06_01_many",
    "run_2023_06_01_transport",
    "run_2023_06_01_urls",
    "serve_streams",
    "split_chunks",
]


_MODERN = frozenset(
    (
        "MockAPI",
        "aread_messages",
        "aread_messages_create",
        "read_messages",
        "read_messages_async",
        "read_messages_create",
        "read_messages_create_async",
    )
)


def __getattr__(name: str) -> Any:
    # Today's SDK (and httpx2) install on Python 3.11+ only: imported when first asked for, so
    # that the rest of the harness (the old clients, the fake API) works on 3.10 too.
    if name in _MODERN:
        return getattr(importlib.import_module(".modern", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
