"""Conversion benchmark: sseconv.Converter vs the hand-written baseline (``baseline_convert.py``).

On ~1,000-token streams fed in 1 KiB chunks, in one run:
legacy->completions, completions->legacy, messages->completions, messages->legacy.
For each: best time, input and output MB/s, and the speed ratio (baseline time / sseconv
time; required >= 1.5x). Both outputs are parsed (with httpx-sse, independently of sseconv) and
must agree with each other and with the generated text on the assembled completion text, the stop
reason, the stop sequence and whether the stream was finished, so a fast but wrong conversion
cannot pass.

Linearity: completions->legacy output grows quadratically with the number of tokens (every legacy
event repeats the whole text so far); sseconv's time per OUTPUT byte at 8,000 tokens divided by
that at 1,000 tokens must be <= 1.3 (i.e. the cost is linear in what it writes).

Usage: ``python benchmarks/bench_convert.py [--quick] [--json] [--repeats N] [--budget S]``.
The exit status is 0 whatever the ratios (this prints numbers; it is not a test).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import baseline_convert
from _common import MB, best_times, environment, format_table, json_safe, ratio_text, status
from _peers import httpx_sse_iter
from _streams import chunks, completions_stream, legacy_stream, messages_stream, tokens

import sseconv

DESCRIPTION = "Conversion benchmark: sseconv.Converter vs a hand-written httpx-sse + json baseline."
SPEED_TARGET = 1.5
LINEARITY_TARGET = 1.3
CHUNK_SIZE = 1024

Baseline = Callable[[Iterable[bytes]], Iterator[bytes]]

# (source dialect, target dialect, input generator, baseline function)
CASES: list[tuple[str, str, Callable[[int], bytes], Baseline]] = [
    ("legacy", "completions", legacy_stream, baseline_convert.legacy_to_completions),
    ("completions", "legacy", completions_stream, baseline_convert.completions_to_legacy),
    ("messages", "completions", messages_stream, baseline_convert.messages_to_completions),
    ("messages", "legacy", messages_stream, baseline_convert.messages_to_legacy),
]


@dataclass(frozen=True)
class Summary:
    """What a consumer of the converted stream sees."""

    text: str
    stop_reason: str | None
    stop: str | None
    finished: bool
    events: int


def summarize(output: bytes, dialect: str) -> Summary:
    """Parse converted output (completions or legacy dialect) and assemble its text."""
    parts: list[str] = []
    text = ""
    stop_reason: str | None = None
    stop: str | None = None
    finished = False
    events = 0
    for sse in httpx_sse_iter([output]):
        events += 1
        if sse.event in ("ping", "error"):
            continue
        if sse.data == "[DONE]":
            finished = True
            continue
        obj = json.loads(sse.data)
        if dialect == "legacy":
            text = obj["completion"]
        else:
            parts.append(obj["completion"])
        if obj.get("stop_reason") is not None:
            stop_reason, stop = obj["stop_reason"], obj.get("stop")
            if dialect == "completions":
                finished = True
    if dialect == "completions":
        text = "".join(parts)
    return Summary(text, stop_reason, stop, finished, events)


def convert_sseconv(source: str, to: str, data: list[bytes]) -> list[bytes]:
    converter = sseconv.Converter(to, source=source)
    out = [converter.feed(chunk) for chunk in data]
    out.append(converter.close())
    return out


def count_sseconv(source: str, to: str, data: list[bytes]) -> int:
    """Like :func:`convert_sseconv` but only counts the output bytes (for huge outputs)."""
    converter = sseconv.Converter(to, source=source)
    size = 0
    for chunk in data:
        size += len(converter.feed(chunk))
    return size + len(converter.close())


def checked_count_sseconv(source: str, to: str, data: list[bytes]) -> tuple[int, bytes]:
    """:func:`count_sseconv` that also returns the last few output pieces (for a check)."""
    converter = sseconv.Converter(to, source=source)
    size = 0
    tail: list[bytes] = []
    for chunk in [*data, None]:
        piece = converter.close() if chunk is None else converter.feed(chunk)
        size += len(piece)
        if piece:
            tail = [*tail[-2:], piece]
    return size, b"".join(tail)


def convert_baseline(func: Baseline, data: list[bytes]) -> list[bytes]:
    return list(func(data))


def count_baseline(func: Baseline, data: list[bytes]) -> int:
    return sum(len(piece) for piece in func(data))


@dataclass
class Row:
    conversion: str
    impl: str
    in_bytes: int
    out_bytes: int
    seconds: float
    in_mb_per_s: float
    out_mb_per_s: float
    speedup: float | None  # baseline time / sseconv time (on sseconv's row)
    agrees: bool
    error: str | None = None


@dataclass
class Requirement:
    requirement: str
    value: float | None
    target: str
    ok: bool
    note: str = ""


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def run_case(
    source: str,
    to: str,
    make: Callable[[int], bytes],
    baseline: Baseline,
    *,
    n: int,
    max_rounds: int,
    budget: float,
) -> tuple[list[Row], Requirement]:
    name = f"{source}->{to}"
    raw = make(n)
    data = chunks(raw, CHUNK_SIZE)
    truth = Summary("".join(tokens(n)), "stop_sequence", "\n\nHuman:", True, 0)
    outputs: dict[str, bytes] = {}
    errors: dict[str, str] = {}
    try:
        outputs["sseconv"] = b"".join(convert_sseconv(source, to, data))
    except Exception as exc:
        errors["sseconv"] = _error(exc)
    try:
        outputs["baseline"] = b"".join(convert_baseline(baseline, data))
    except Exception as exc:
        errors["baseline"] = _error(exc)

    agrees: dict[str, bool] = {}
    notes: list[str] = []
    for impl, output in outputs.items():
        try:
            got = summarize(output, to)
        except Exception as exc:
            agrees[impl] = False
            notes.append(f"{impl} output unparseable ({_error(exc)})")
            continue
        ok = (got.text, got.stop_reason, got.stop, got.finished) == (
            truth.text,
            truth.stop_reason,
            truth.stop,
            truth.finished,
        )
        agrees[impl] = ok
        if not ok:
            detail = (
                "text differs"
                if got.text != truth.text
                else f"stop_reason={got.stop_reason!r} stop={got.stop!r} finished={got.finished}"
            )
            notes.append(f"{impl} output wrong ({detail})")

    funcs: dict[str, Callable[[], object]] = {}
    if "sseconv" in outputs:
        funcs["sseconv"] = functools.partial(convert_sseconv, source, to, data)
    if "baseline" in outputs:
        funcs["baseline"] = functools.partial(convert_baseline, baseline, data)
    times = best_times(funcs, max_rounds=max_rounds, budget=budget) if funcs else {}

    rows: list[Row] = []
    for impl in ("sseconv", "baseline"):
        seconds = times.get(impl, float("nan"))
        out_bytes = len(outputs.get(impl, b""))
        speedup = None
        if impl == "sseconv" and "baseline" in times and "sseconv" in times:
            speedup = times["baseline"] / times["sseconv"]
        rows.append(
            Row(
                conversion=name,
                impl=impl,
                in_bytes=len(raw),
                out_bytes=out_bytes,
                seconds=seconds,
                in_mb_per_s=len(raw) / MB / seconds,
                out_mb_per_s=out_bytes / MB / seconds,
                speedup=speedup,
                agrees=agrees.get(impl, False),
                error=errors.get(impl),
            )
        )
    for impl, err in errors.items():
        notes.append(f"{impl} raised {err}")
    speedup = rows[0].speedup
    ok = (
        speedup is not None
        and speedup >= SPEED_TARGET
        and agrees.get("sseconv", False)
        and agrees.get("baseline", False)
    )
    requirement = Requirement(
        requirement=f"{name}: sseconv speed >= {SPEED_TARGET:g}x baseline, same text",
        value=rows[0].speedup,
        target=f">= {SPEED_TARGET:g}x",
        ok=ok,
        note="; ".join(notes),
    )
    return rows, requirement


@dataclass
class LinearityPoint:
    impl: str
    tokens: int
    out_bytes: int
    seconds: float
    ns_per_out_byte: float


def run_linearity(
    small: int, large: int, *, max_rounds: int, budget: float
) -> tuple[list[LinearityPoint], Requirement]:
    points: list[LinearityPoint] = []
    per_byte: dict[tuple[str, int], float] = {}
    notes: list[str] = []
    correct = True
    for n in (small, large):
        data = chunks(completions_stream(n), CHUNK_SIZE)
        sizes: dict[str, int] = {}
        funcs: dict[str, Callable[[], object]] = {}
        try:
            sizes["sseconv"], tail = checked_count_sseconv("completions", "legacy", data)
            funcs["sseconv"] = functools.partial(count_sseconv, "completions", "legacy", data)
            got = summarize(tail, "legacy")
            expected = ("".join(tokens(n)), "stop_sequence", True)
            if (got.text, got.stop_reason, got.finished) != expected:
                correct = False
                notes.append(f"sseconv output wrong at {n} tokens (final event or [DONE])")
        except Exception as exc:
            correct = False
            notes.append(f"sseconv raised {_error(exc)} at {n} tokens")
        sizes["baseline"] = count_baseline(baseline_convert.completions_to_legacy, data)
        funcs["baseline"] = functools.partial(
            count_baseline, baseline_convert.completions_to_legacy, data
        )
        times = best_times(funcs, max_rounds=max_rounds, budget=budget, min_rounds=2)
        for impl, seconds in times.items():
            ns = seconds / sizes[impl] * 1e9
            per_byte[impl, n] = ns
            points.append(LinearityPoint(impl, n, sizes[impl], seconds, ns))
    value = None
    if ("sseconv", small) in per_byte and ("sseconv", large) in per_byte:
        value = per_byte["sseconv", large] / per_byte["sseconv", small]
    requirement = Requirement(
        requirement=f"completions->legacy (sseconv): time per output byte at {large:,} tokens "
        f"/ at {small:,} tokens <= {LINEARITY_TARGET:g}",
        value=value,
        target=f"<= {LINEARITY_TARGET:g}",
        ok=correct and value is not None and value <= LINEARITY_TARGET,
        note="; ".join(notes),
    )
    return points, requirement


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true", help="small streams, few repeats")
    parser.add_argument("--json", action="store_true", help="print results as JSON only")
    parser.add_argument("--repeats", type=int, help="maximum timing rounds per case")
    parser.add_argument("--budget", type=float, help="seconds of timing per case")
    args = parser.parse_args(argv)

    n = 200 if args.quick else 1000
    lin_small, lin_large = (250, 2000) if args.quick else (1000, 8000)
    max_rounds = args.repeats or (3 if args.quick else 30)
    budget = args.budget if args.budget is not None else (0.1 if args.quick else 1.5)
    log: Callable[[str], None] = (lambda _msg: None) if args.json else print
    env = environment()

    if not hasattr(sseconv, "Converter"):
        message = "sseconv.Converter is not available (yet); nothing to benchmark"
        if args.json:
            json.dump({"benchmark": "convert", "environment": env, "error": message}, sys.stdout)
            sys.stdout.write("\n")
        else:
            print(message)
        return 0

    log(
        "Conversion benchmark -- "
        + ", ".join(f"{k} {v}" for k, v in env.items())
        + f"; {n} tokens, {CHUNK_SIZE} B chunks, best of up to {max_rounds} rounds, "
        f"{budget:g} s per case, gc off while timing\n"
    )
    rows: list[Row] = []
    requirements: list[Requirement] = []
    for source, to, make, baseline in CASES:
        case_rows, requirement = run_case(
            source, to, make, baseline, n=n, max_rounds=max_rounds, budget=budget
        )
        rows += case_rows
        requirements.append(requirement)
    points, lin_requirement = run_linearity(
        lin_small, lin_large, max_rounds=max(2, max_rounds // 10), budget=budget
    )
    requirements.append(lin_requirement)

    if args.json:
        out: dict[str, Any] = {
            "benchmark": "convert",
            "environment": env,
            "settings": {
                "tokens": n,
                "chunk_size": CHUNK_SIZE,
                "linearity_tokens": [lin_small, lin_large],
                "max_rounds": max_rounds,
                "budget_s": budget,
            },
            "results": [asdict(r) for r in rows],
            "linearity": [asdict(p) for p in points],
            "requirements": [asdict(r) for r in requirements],
        }
        json.dump(json_safe(out), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
        return 0

    table = [
        [
            row.conversion,
            row.impl,
            f"{row.in_bytes / MB:.3f}",
            f"{row.out_bytes / MB:.3f}",
            f"{row.seconds * 1e3:.2f}",
            f"{row.in_mb_per_s:.1f}",
            f"{row.out_mb_per_s:.1f}",
            "-" if row.speedup is None else ratio_text(row.speedup),
            "ERROR" if row.error else ("yes" if row.agrees else "NO"),
        ]
        for row in rows
    ]
    print(
        format_table(
            [
                "conversion",
                "impl",
                "in MB",
                "out MB",
                "best ms",
                "in MB/s",
                "out MB/s",
                "speedup",
                "text ok",
            ],
            table,
            left=2,
        )
    )
    print("\nLinearity, completions->legacy (time per output byte):")
    print(
        format_table(
            ["impl", "tokens", "out MB", "best ms", "ns/out byte"],
            [
                [
                    p.impl,
                    f"{p.tokens:,}",
                    f"{p.out_bytes / MB:.2f}",
                    f"{p.seconds * 1e3:.1f}",
                    f"{p.ns_per_out_byte:.3f}",
                ]
                for p in points
            ],
            left=1,
        )
    )
    baseline_ns = {p.tokens: p.ns_per_out_byte for p in points if p.impl == "baseline"}
    if len(baseline_ns) == 2:
        print(
            f"(baseline, for reference: {baseline_ns[lin_large] / baseline_ns[lin_small]:.2f} "
            f"at {lin_large:,} vs {lin_small:,} tokens)"
        )

    print("\nRequirements:")
    for req in requirements:
        value = "n/a" if req.value is None else f"{req.value:.2f}"
        line = f"  {req.requirement}: {value}  {status(req.ok)}"
        if req.note:
            line += f"  ({req.note})"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
