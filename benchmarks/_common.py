"""Timing, table and environment helpers shared by the benchmark scripts."""

from __future__ import annotations

import gc
import math
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from typing import Any

__all__ = [
    "MB",
    "best_times",
    "environment",
    "format_table",
    "json_safe",
    "ratio_text",
    "status",
]

MB = 1_000_000  # MB/s means 10**6 bytes per second


def best_times(
    funcs: Mapping[str, Callable[[], object]],
    *,
    max_rounds: int,
    budget: float,
    min_rounds: int = 3,
    clock: Callable[[], float] = time.process_time,
) -> dict[str, float]:
    """Best time of each function by ``clock``, in seconds: CPU time by default.

    CPU time (``time.process_time``) leaves out the time the process waits while other jobs
    run, so ratios measured on a shared, busy machine move far less than with wall time.

    The functions run interleaved, one call each per round, so a change in machine load hits
    all of them alike. Rounds stop after ``max_rounds``, or once ``min_rounds`` are done and
    ``budget`` seconds have passed. The garbage collector is disabled while timing and runs
    between rounds, so the numbers do not depend on when a collection happens to start.

    The order rotates from round to round, so each function runs first, right after that
    collection, in as many rounds as the others: the call after a collection is slower (it
    empties the interpreter's free lists), by 15-40 % for a millisecond-long sseconv run here.
    """
    best = {name: float("inf") for name in funcs}
    order = list(funcs.items())
    deadline = time.perf_counter() + budget
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for done in range(1, max(max_rounds, min_rounds) + 1):
            first = (done - 1) % len(order)
            for name, func in order[first:] + order[:first]:
                start = clock()
                func()
                elapsed = clock() - start
                best[name] = min(best[name], elapsed)
            gc.collect()
            if done >= min_rounds and (done >= max_rounds or time.perf_counter() > deadline):
                break
    finally:
        if was_enabled:
            gc.enable()
    return best


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 3) -> str:
    """A plain-text table; the first ``left`` columns are left-aligned, the others right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            out.append(cell.ljust(width) if i < left else cell.rjust(width))
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def ratio_text(ratio: float) -> str:
    return f"{ratio:.2f}x"


def status(ok: bool) -> str:
    return "OK" if ok else "BELOW TARGET"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment() -> dict[str, str]:
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "sseconv": _version("sseconv"),
        "httpx-sse": _version("httpx-sse"),
        "anthropic": _version("anthropic"),
        "openai": _version("openai"),
    }


def json_safe(obj: Any) -> Any:
    """``obj`` with non-finite floats (NaN for a case that could not run) replaced by ``None``."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    return obj
