"""Run the old clients (in their own virtualenvs, as subprocesses) over given stream bytes."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import pytest

from .results import CompletionsResult, LegacyResult
from .server import StreamSpec, serve_streams
from .venvs import WheelsUnavailable, client_python

__all__ = [
    "CompatRunError",
    "run_2023_01_01",
    "run_2023_01_01_many",
    "run_2023_01_01_urls",
    "run_2023_06_01",
    "run_2023_06_01_many",
    "run_2023_06_01_transport",
    "run_2023_06_01_urls",
]

_HERE = Path(__file__).resolve().parent
_SCRIPT_2023_01_01 = _HERE / "read_2023_01_01.py"
_SCRIPT_2023_06_01 = _HERE / "read_2023_06_01.py"
_SCRIPT_TRANSPORT = _HERE / "read_2023_06_01_transport.py"
_WORK_TREE = _HERE.parent.parent  # the sseconv checkout these tests belong to


class CompatRunError(RuntimeError):
    """A client script crashed or printed something other than its JSON results."""


def _script_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "ANTHROPIC_"))}
    env["PYTHONIOENCODING"] = "utf-8"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def _run_script(
    env_name: str,
    script: Path,
    args: Sequence[str],
    count: int,
    timeout: float,
    *,
    with_sseconv: bool = False,
) -> list[dict[str, Any]]:
    try:
        python = client_python(env_name)
    except WheelsUnavailable as exc:  # the one reason a compat test skips
        pytest.skip(str(exc))
    env = _script_env()
    if with_sseconv:  # the work tree's sseconv, never an installed one: -s, not -I
        env["PYTHONPATH"] = str(_WORK_TREE)
        cmd = [str(python), "-s", str(script), *args]
    else:
        cmd = [str(python), "-I", str(script), *args]
    proc = subprocess.run(cmd, env=env, capture_output=True, timeout=timeout, check=False)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    lines = [line for line in out.splitlines() if line.strip()]
    if proc.returncode != 0 or len(lines) != count:
        raise CompatRunError(
            f"{script.name} in {env_name} exited {proc.returncode} with {len(lines)} result(s), "
            f"expected {count}\n--- stdout ---\n{out[-4000:]}\n--- stderr ---\n{err[-4000:]}"
        )
    return [cast(dict[str, Any], json.loads(line)) for line in lines]


def run_2023_01_01_many(
    streams: Sequence[bytes | StreamSpec],
    *,
    use_async: bool = False,
    timeout: float = 120.0,
) -> list[LegacyResult]:
    """Let ``anthropic==0.2.10`` read each stream from a real local HTTP server (one process).

    A ``bytes`` item is served as ``200 text/event-stream`` in four chunked-encoding pieces; pass
    a :class:`StreamSpec` to choose the piece size, status, content type or a linger time.
    """
    specs = [s if isinstance(s, StreamSpec) else StreamSpec(s) for s in streams]
    if not specs:
        return []
    with serve_streams(specs) as server:
        urls = [server.url(i) for i in range(len(specs))]
        args = ["--async", *urls] if use_async else urls
        raw = _run_script("anthropic-0.2.10", _SCRIPT_2023_01_01, args, len(specs), timeout)
        by_index = {int(r.path.split("/")[1][1:]): r for r in server.requests}
    results: list[LegacyResult] = []
    for i, item in enumerate(raw):
        request = by_index.get(i)
        item["request"] = request.to_json() if request is not None else None
        results.append(cast(LegacyResult, item))
    return results


def run_2023_01_01(
    stream: bytes | StreamSpec, *, use_async: bool = False, timeout: float = 120.0
) -> LegacyResult:
    """Let ``anthropic==0.2.10`` (``Client.completion_stream``) read one legacy stream."""
    return run_2023_01_01_many([stream], use_async=use_async, timeout=timeout)[0]


def run_2023_06_01_many(
    streams: Sequence[bytes],
    *,
    chunk_size: int | None = None,
    use_async: bool = False,
    timeout: float = 120.0,
    env: str = "anthropic-0.3.11",
) -> list[CompletionsResult]:
    """Let ``anthropic==0.3.11`` read each stream through an ``httpx.MockTransport`` (one process).

    The body is delivered in pieces of ``chunk_size`` bytes (default: four roughly equal pieces).
    ``env`` picks another client environment with a completions resource (e.g.
    ``"anthropic-0.40-sseconv"``).
    """
    if not streams:
        return []
    with tempfile.TemporaryDirectory(prefix="sseconv-compat-") as tmp:
        files: list[str] = []
        for i, data in enumerate(streams):
            path = Path(tmp) / f"stream-{i}.sse"
            path.write_bytes(data)
            files.append(str(path))
        args: list[str] = []
        if use_async:
            args.append("--async")
        if chunk_size is not None:
            if chunk_size < 1:
                raise ValueError("chunk_size must be positive")
            args += ["--chunk-size", str(chunk_size)]
        raw = _run_script(env, _SCRIPT_2023_06_01, [*args, *files], len(files), timeout)
    return [cast(CompletionsResult, item) for item in raw]


def run_2023_06_01(
    stream: bytes,
    *,
    chunk_size: int | None = None,
    use_async: bool = False,
    timeout: float = 120.0,
) -> CompletionsResult:
    """Let ``anthropic==0.3.11`` (``completions.create(stream=True)``) read one stream."""
    return run_2023_06_01_many(
        [stream], chunk_size=chunk_size, use_async=use_async, timeout=timeout
    )[0]


def run_2023_06_01_transport(
    base_url: str,
    scenarios: Sequence[dict[str, Any]],
    *,
    timeout: float = 120.0,
    env: str = "anthropic-0.3.11-sseconv",
) -> list[dict[str, Any]]:
    """Let ``anthropic==0.3.11`` (or the client of ``env``) with
    ``ConvertingTransport(complete_via_messages=True)`` plugged in call ``base_url`` once per
    scenario (``{"stream", "async", "kwargs"}``), in its own virtualenv with the work tree's
    sseconv (see ``read_2023_06_01_transport.py``)."""
    if not scenarios:
        return []
    with tempfile.TemporaryDirectory(prefix="sseconv-compat-") as tmp:
        path = Path(tmp) / "scenarios.json"
        path.write_text(json.dumps(list(scenarios)), encoding="utf-8")
        return _run_script(
            env,
            _SCRIPT_TRANSPORT,
            [base_url, str(path)],
            len(scenarios),
            timeout,
            with_sseconv=True,
        )


def _call_options(use_async: bool, stream: bool, kwargs: dict[str, Any] | None) -> list[str]:
    args = ["--async"] if use_async else []
    if not stream:
        args.append("--no-stream")
    if kwargs:
        args += ["--kwargs", json.dumps(kwargs)]
    return args


def run_2023_01_01_urls(
    urls: Sequence[str],
    *,
    use_async: bool = False,
    stream: bool = True,
    kwargs: dict[str, Any] | None = None,
    timeout: float = 120.0,
) -> list[LegacyResult]:
    """Let ``anthropic==0.2.10`` call real servers, one after another: each URL is an
    ``api_url``; ``stream=False`` calls ``completion()``; ``kwargs`` replace or add to the
    script's default arguments. ``request`` is ``None`` (the servers record what they got)."""
    args = _call_options(use_async, stream, kwargs) + list(urls)
    raw = _run_script("anthropic-0.2.10", _SCRIPT_2023_01_01, args, len(urls), timeout)
    for item in raw:
        item["request"] = None
    return [cast(LegacyResult, item) for item in raw]


def run_2023_06_01_urls(
    urls: Sequence[str],
    *,
    use_async: bool = False,
    stream: bool = True,
    kwargs: dict[str, Any] | None = None,
    timeout: float = 120.0,
) -> list[CompletionsResult]:
    """Let ``anthropic==0.3.11`` call real servers, one after another: each URL is a
    ``base_url``; ``stream=False`` calls ``completions.create`` without streaming."""
    args = _call_options(use_async, stream, kwargs) + list(urls)
    raw = _run_script("anthropic-0.3.11", _SCRIPT_2023_06_01, args, len(urls), timeout)
    return [cast(CompletionsResult, item) for item in raw]
