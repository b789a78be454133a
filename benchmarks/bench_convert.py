"""Conversion benchmark: sseconv.Converter vs the hand-written converter (``baseline_convert.py``).

Every direction, same-dialect passthrough included, on streams shaped like real ones: legacy
with CRLF, cumulative text and timestamp pings; completions with pings; Messages with pings and
the API's padding (spaces before the final ``}``); token texts of 1-8 code points mixing words,
punctuation, quotes, newlines and non-ASCII. For each direction, in one run:

* bulk: the whole stream in 1 KiB reads; CPU time, best of interleaved rounds; sseconv's speed
  divided by the baseline's (min-median-max over ``--runs``);
* per event: one event per read, live-stream style; the time of each read from the moment it is
  handed over until the next is asked for (both sides driven as iterators); p50 and p99 in µs,
  and the baseline's p50 divided by sseconv's;
* spacing: the same stream written with ``json.dumps``' default spacing (``", "``, ``": "``),
  converted by sseconv in 1 KiB reads: its time divided by the compact stream's.

Both outputs are parsed (with httpx-sse, not with sseconv) and must give the generated text, the
stop reason and a finished stream, or the case is ``BELOW TARGET`` whatever its speed.
Targets: >= 1.5x the baseline in every direction, bulk and per event (p50); same-dialect
passthrough >= 3x; spaced input <= 1.2x the time of compact input. For passthrough, a ceiling
(:func:`passthrough_ceiling`: the parser and the source dialect's check of every event, the
reads written back as they came) shows the most sseconv's passthrough could reach.
Linearity: completions -> legacy output is quadratic in the tokens (each legacy event repeats
the text so far); sseconv's time per output byte at 8,000 tokens / at 1,000 tokens must be
<= 1.3.

Usage: ``python benchmarks/bench_convert.py [--quick] [--json] [--runs N] [--repeats N]
[--budget S]``. The exit status is 0 whatever the ratios (this prints numbers; it is not a test).
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any

from _common import MB, best_times, environment, format_table, json_safe, ratio_text, status
from _peers import httpx_sse_iter
from _streams import chunks, completions_stream, legacy_stream, messages_stream, tokens
from baseline_convert import BASELINES, completions_to_legacy

import sseconv
from sseconv._codecs import DECODERS
from sseconv._report import Report

DESCRIPTION = (
    "Conversion benchmark: sseconv.Converter vs a hand-written httpx-sse + json converter."
)
SPEED_TARGET, PASSTHROUGH_TARGET, SPACING_TARGET, LINEARITY_TARGET = 1.5, 3.0, 1.2, 1.3
CHUNK_SIZE = 1024
DIALECTS = ("legacy", "completions", "messages")
MAKERS: dict[str, Callable[..., bytes]] = {
    "legacy": legacy_stream,
    "completions": completions_stream,
    "messages": messages_stream,
}
BLANK = {"legacy": b"\r\n\r\n", "completions": b"\n\n", "messages": b"\n\n"}
Impl = Callable[[Iterable[bytes]], Iterator[bytes]]


def sseconv_impl(source: str, to: str) -> Impl:
    """sseconv as an iterator over output pieces, like the baseline."""

    def run(data: Iterable[bytes]) -> Iterator[bytes]:
        converter = sseconv.Converter(to, source=source)
        for chunk in data:
            out = converter.feed(chunk)
            if out:
                yield out
        yield converter.close()

    return run


def passthrough_ceiling(dialect: str) -> Impl:
    """The least sseconv's same-dialect passthrough does, not a converter: parse, check every
    event with the dialect's own decoder (what SPEC 5 asks: bad JSON is an error there too),
    write every read back unchanged (no event left out, no policy, no counts)."""

    def run(data: Iterable[bytes]) -> Iterator[bytes]:
        parser = sseconv.SSEParser()
        check = DECODERS[sseconv.Dialect.parse(dialect)](Report()).check
        for chunk in data:
            for event in parser.feed(chunk):
                check(event)
            yield chunk
        parser.close()

    return run


def drain(impl: Impl, data: list[bytes]) -> list[bytes]:
    return list(impl(data))


def per_read_ns(impl: Impl, data: list[bytes]) -> list[int]:
    """The time of each read: from handing it over until the next read is asked for."""
    stamps: list[int] = []

    def source() -> Iterator[bytes]:
        for chunk in data:
            stamps.append(time.perf_counter_ns())
            yield chunk
        stamps.append(time.perf_counter_ns())

    for _ in impl(source()):
        pass
    return [b - a for a, b in pairwise(stamps[1:])]


@dataclass(frozen=True)
class Summary:
    """What a consumer of the converted stream sees."""

    text: str
    stop_reason: str | None
    stop: str | None
    finished: bool


def summarize(output: bytes, dialect: str) -> Summary:
    parts: list[str] = []
    stop_reason = stop = None
    finished = False
    for sse in httpx_sse_iter([output]):
        if sse.event in ("ping", "error") or sse.event.startswith("content_block_s"):
            continue
        if sse.data == "[DONE]":
            finished = True
            continue
        obj = json.loads(sse.data)
        if dialect == "messages":
            if sse.event == "content_block_delta":
                parts.append(obj["delta"]["text"])
            elif sse.event == "message_delta":
                stop_reason, stop = obj["delta"]["stop_reason"], obj["delta"]["stop_sequence"]
            finished = finished or sse.event == "message_stop"
            continue
        parts = [obj["completion"]] if dialect == "legacy" else [*parts, obj["completion"]]
        if obj.get("stop_reason") is not None:
            stop_reason, stop = obj["stop_reason"], obj.get("stop")
            finished = finished or dialect == "completions"
    return Summary("".join(parts), stop_reason, stop, finished)


def truth(n: int, to: str) -> Summary:
    text = "".join(tokens(n))
    if to == "messages":
        return Summary(text, "end_turn", None, True)
    return Summary(text, "stop_sequence", "\n\nHuman:", True)


@dataclass
class Case:
    source: str
    to: str
    in_bytes: int
    out_bytes: int
    sseconv_ms: float
    baseline_ms: float
    bulk_runs: list[float]  # baseline time / sseconv time, per run
    sseconv_p50_us: float
    sseconv_p99_us: float
    baseline_p50_us: float
    baseline_p99_us: float
    spaced_runs: list[float]  # sseconv time on spaced input / on compact input, per run
    correct: bool
    ceiling_runs: list[float]  # passthrough: baseline time / the ceiling's, per run (else empty)
    ceiling_per_event: float | None  # passthrough: baseline p50 / the ceiling's
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.source}->{self.to}"

    @property
    def per_event(self) -> float:
        return self.baseline_p50_us / self.sseconv_p50_us


def run_case(source: str, to: str, *, n: int, runs: int, max_rounds: int, budget: float) -> Case:
    raw = MAKERS[source](n)
    spaced = MAKERS[source](n, spaced=True)
    reads, spaced_reads = chunks(raw, CHUNK_SIZE), chunks(spaced, CHUNK_SIZE)
    ours, theirs = sseconv_impl(source, to), BASELINES[source, to]
    notes = []
    correct = True
    outputs = {}
    for label, impl, data in (
        ("sseconv", ours, reads),
        ("sseconv (spaced input)", ours, spaced_reads),
        ("baseline", theirs, reads),
    ):
        try:
            outputs[label] = b"".join(drain(impl, data))
            got = summarize(outputs[label], to)
        except Exception as exc:
            correct = False
            notes.append(f"{label}: {type(exc).__name__}: {exc}"[:160])
            continue
        if got != truth(n, to):
            correct = False
            notes.append(f"{label} output wrong: {got.stop_reason!r} {got.finished}")
    funcs: dict[str, Callable[[], object]] = {
        "sseconv": functools.partial(drain, ours, reads),
        "baseline": functools.partial(drain, theirs, reads),
        "spaced": functools.partial(drain, ours, spaced_reads),
    }
    impls = {"sseconv": ours, "baseline": theirs}
    if source == to:
        impls["ceiling"] = passthrough_ceiling(source)
        funcs["ceiling"] = functools.partial(drain, impls["ceiling"], reads)
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(runs):
        for name, seconds in best_times(funcs, max_rounds=max_rounds, budget=budget).items():
            times[name].append(seconds)
    events = [block + BLANK[source] for block in raw.split(BLANK[source])[:-1]]
    samples: dict[str, list[int]] = {name: [] for name in impls}
    for _ in range(max(3, runs)):
        for name, impl in impls.items():
            samples[name] += per_read_ns(impl, events)

    def pct(name: str, q: float) -> float:
        ordered = sorted(samples[name])
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000

    return Case(
        source=source,
        to=to,
        in_bytes=len(raw),
        out_bytes=len(outputs.get("sseconv", b"")),
        sseconv_ms=statistics.median(times["sseconv"]) * 1e3,
        baseline_ms=statistics.median(times["baseline"]) * 1e3,
        bulk_runs=[b / s for b, s in zip(times["baseline"], times["sseconv"], strict=True)],
        sseconv_p50_us=pct("sseconv", 0.5),
        sseconv_p99_us=pct("sseconv", 0.99),
        baseline_p50_us=pct("baseline", 0.5),
        baseline_p99_us=pct("baseline", 0.99),
        spaced_runs=[s / c for s, c in zip(times["spaced"], times["sseconv"], strict=True)],
        correct=correct,
        ceiling_runs=[
            b / c for b, c in zip(times["baseline"], times.get("ceiling", []), strict=False)
        ],
        ceiling_per_event=pct("baseline", 0.5) / pct("ceiling", 0.5) if source == to else None,
        notes=notes,
    )


@dataclass
class LinearityPoint:
    impl: str
    tokens: int
    out_bytes: int
    seconds: float
    ns_per_out_byte: float


def count_bytes(impl: Impl, data: list[bytes]) -> int:
    return sum(len(piece) for piece in impl(data))


def run_linearity(
    small: int, large: int, *, max_rounds: int, budget: float
) -> tuple[list[LinearityPoint], float | None]:
    points = []
    per_byte: dict[tuple[str, int], float] = {}
    impls: dict[str, Impl] = {
        "sseconv": sseconv_impl("completions", "legacy"),
        "baseline": completions_to_legacy,
    }
    for n in (small, large):
        data = chunks(completions_stream(n), CHUNK_SIZE)
        sizes = {name: count_bytes(impl, data) for name, impl in impls.items()}
        funcs = {name: functools.partial(count_bytes, impl, data) for name, impl in impls.items()}
        times = best_times(funcs, max_rounds=max_rounds, budget=budget, min_rounds=2)
        for name, seconds in times.items():
            per_byte[name, n] = seconds / sizes[name] * 1e9
            points.append(LinearityPoint(name, n, sizes[name], seconds, per_byte[name, n]))
    return points, per_byte["sseconv", large] / per_byte["sseconv", small]


def spread(values: list[float]) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{mid:.2f}x" if len(values) == 1 else f"{low:.2f}-{mid:.2f}-{high:.2f}x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true", help="small streams, few repeats")
    parser.add_argument("--json", action="store_true", help="print results as JSON only")
    parser.add_argument("--runs", type=int, help="measurements per case (min-median-max)")
    parser.add_argument("--repeats", type=int, help="maximum timing rounds per measurement")
    parser.add_argument("--budget", type=float, help="seconds of timing per measurement")
    args = parser.parse_args(argv)

    n = 200 if args.quick else 1000
    lin_small, lin_large = (250, 2000) if args.quick else (1000, 8000)
    runs = args.runs or (1 if args.quick else 3)
    max_rounds = args.repeats or (3 if args.quick else 15)
    budget = args.budget if args.budget is not None else (0.05 if args.quick else 0.3)
    env = environment()
    log: Callable[[str], None] = (lambda _msg: None) if args.json else print
    log(
        "Conversion benchmark -- "
        + ", ".join(f"{k} {v}" for k, v in env.items())
        + f"; {n} tokens, CPU time, best of up to {max_rounds} interleaved rounds "
        f"({budget:g} s), {runs} run(s) per case, gc off while timing\n"
    )
    cases = [
        run_case(s, t, n=n, runs=runs, max_rounds=max_rounds, budget=budget)
        for s in DIALECTS
        for t in DIALECTS
    ]
    points, linearity = run_linearity(
        lin_small, lin_large, max_rounds=max(2, max_rounds // 5), budget=budget
    )

    requirements: list[dict[str, Any]] = []

    def require(text: str, value: float | None, shown: str, ok: bool, ceiling: str = "") -> None:
        requirements.append(
            {"requirement": text, "value": value, "shown": shown, "ok": ok, "ceiling": ceiling}
        )

    for case in cases:
        target = PASSTHROUGH_TARGET if case.source == case.to else SPEED_TARGET
        bulk, each = statistics.median(case.bulk_runs), case.per_event
        spaced = statistics.median(case.spaced_runs)
        bulk_top = f"  (ceiling {spread(case.ceiling_runs)})" if case.ceiling_runs else ""
        each_top = case.ceiling_per_event
        each_top_text = f"  (ceiling {ratio_text(each_top)})" if each_top is not None else ""
        for text, value, shown, ok, top in (
            (
                f"bulk: >= {target:g}x baseline",
                bulk,
                spread(case.bulk_runs),
                bulk >= target,
                bulk_top,
            ),
            (
                f"per event (p50): >= {target:g}x baseline",
                each,
                ratio_text(each),
                each >= target,
                each_top_text,
            ),
            (
                f"spaced input: <= {SPACING_TARGET:g}x compact time",
                spaced,
                spread(case.spaced_runs),
                spaced <= SPACING_TARGET,
                "",
            ),
        ):
            require(f"{case.name} {text}", value, shown, ok and case.correct, top)
    require(
        f"completions->legacy time per output byte, {lin_large:,} / {lin_small:,} tokens: "
        f"<= {LINEARITY_TARGET:g}",
        linearity,
        f"{linearity:.2f}" if linearity is not None else "n/a",
        linearity is not None and linearity <= LINEARITY_TARGET,
    )

    if args.json:
        out = {
            "benchmark": "convert",
            "environment": env,
            "settings": {"tokens": n, "chunk_size": CHUNK_SIZE, "runs": runs},
            "results": [{**asdict(c), "per_event": c.per_event} for c in cases],
            "linearity": [asdict(p) for p in points],
            "requirements": requirements,
        }
        json.dump(json_safe(out), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
        return 0

    table = [
        [
            case.name,
            f"{case.in_bytes / MB:.3f}",
            f"{case.out_bytes / MB:.3f}",
            f"{case.sseconv_ms:.2f}",
            f"{case.baseline_ms:.2f}",
            spread(case.bulk_runs),
            f"{case.sseconv_p50_us:.1f} / {case.sseconv_p99_us:.1f}",
            f"{case.baseline_p50_us:.1f} / {case.baseline_p99_us:.1f}",
            ratio_text(case.per_event),
            spread(case.spaced_runs),
            "yes" if case.correct else "NO",
        ]
        for case in cases
    ]
    headers = ["conversion", "in MB", "out MB", "sseconv ms", "baseline ms", "bulk speedup"]
    headers += ["sseconv µs p50/p99", "baseline µs p50/p99", "per event", "spaced/compact", "ok"]
    print(format_table(headers, table, left=1))
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
    print(
        "\nRequirements (for passthrough, in brackets: the same ratio for the ceiling, the parser"
        " and the dialect's check alone, the most sseconv's passthrough could reach):"
    )
    for req in requirements:
        print(f"  {req['requirement']}: {req['shown']}  {status(req['ok'])}{req['ceiling']}")
    for case in cases:
        for note in case.notes:
            print(f"  NOTE {case.name}: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
