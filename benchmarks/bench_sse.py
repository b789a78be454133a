"""SSE wire-layer benchmark: sseconv.SSEParser vs httpx-sse and the Anthropic and OpenAI SDKs.

A matrix of stream shapes x read sizes, every decoder on the same bytes in the same process:

* shapes: small named events (a 2023-06-01 completions stream) with LF, CRLF and CR-only line
  ends; with an ``id:`` line in every event; with a ``: keep-alive`` comment block between
  events; with CRLF and every read cut between a CR and its LF; and large cumulative events (a
  2023-01-01 legacy stream, CRLF);
* reads: 1 KiB, 64 KiB, network-sized (seeded: mostly 1-2 KiB, one in six 1-64 bytes) and one
  event per read.

Every decoder collects its events into a list; before timing, the decoders must agree on each
event's name, data and id. A pure-Python floor (split on blank lines, one object per block, no
field rules) shows how much room is left. A ceiling (``SSEParser``'s block pattern and event
objects with none of its per-read rules: see ``_peers.ceiling_iter``) shows the most this design
can reach: each requirement line gives httpx-sse's time divided by the ceiling's. Times are CPU
times (``time.process_time``) of interleaved calls, the best of several rounds; each case is
measured ``--runs`` times and the ratio is reported as min-median-max over the runs.

Requirements (sseconv events/s divided by httpx-sse's, the median of the runs): >= 2x on
every row, >= 2.5x on the LF and CRLF rows.

Usage: ``python benchmarks/bench_sse.py [--quick] [--json] [--runs N] [--repeats N] [--budget S]``.
The exit status is 0 whatever the ratios (this prints numbers; it is not a test).
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import statistics
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from _common import MB, best_times, environment, format_table, json_safe
from _peers import anthropic_iter, ceiling_iter, floor_iter, httpx_sse_iter, openai_iter
from _streams import chunks, completions_stream, large_legacy_stream

import sseconv

DESCRIPTION = "SSE wire-layer benchmark: sseconv vs httpx-sse, the Anthropic and OpenAI SDKs."
OURS, HTTPX, FLOOR, CEILING = "sseconv", "httpx-sse", "floor", "ceiling"
TARGET, TARGET_SMALL = 2.0, 2.5  # x httpx-sse events/s; the second for the LF and CRLF rows


def decode_sseconv(data: Iterable[bytes]) -> list[Any]:
    parser = sseconv.SSEParser()
    events: list[Any] = []
    for chunk in data:
        events += parser.feed(chunk)
    events += parser.close()
    return events


DECODERS: dict[str, Callable[[Iterable[bytes]], list[Any]]] = {
    OURS: decode_sseconv,
    HTTPX: lambda data: list(httpx_sse_iter(data)),
    "anthropic": lambda data: list(anthropic_iter(data)),
    "openai": lambda data: list(openai_iter(data)),
}


@dataclass(frozen=True)
class Shape:
    key: str
    label: str
    data: bytes
    blank: bytes  # the blank line that ends its events
    split_crlf: bool = False  # move every cut between a CR and its LF

    @property
    def target(self) -> float:
        return TARGET_SMALL if self.key in ("LF", "CRLF") else TARGET


def shapes(n: int, n_large: int, seed: int) -> list[Shape]:
    small = completions_stream(n, seed=seed)
    events = [block + b"\n\n" for block in small.split(b"\n\n")[:-1]]
    crlf = small.replace(b"\n", b"\r\n")
    return [
        Shape("LF", "small events, LF", small, b"\n\n"),
        Shape("CRLF", "small events, CRLF", crlf, b"\r\n\r\n"),
        Shape("CR", "small events, CR only", small.replace(b"\n", b"\r"), b"\r\r"),
        Shape(
            "id",
            "an id: line in every event",
            b"".join(b"id: %d\n" % i + e for i, e in enumerate(events)),
            b"\n\n",
        ),
        Shape(
            "comments",
            "a : keep-alive block between events",
            b": keep-alive\n\n".join(events),
            b"\n\n",
        ),
        Shape("CRLF split", "CRLF, every read cut in a CRLF", crlf, b"\r\n\r\n", True),
        Shape("large", "large cumulative events, CRLF", large_legacy_stream(n_large), b"\r\n\r\n"),
    ]


def network_reads(data: bytes, seed: int) -> list[bytes]:
    """Seeded read sizes like a TCP stream's: mostly 1-2 KiB, one in six 1-64 bytes."""
    rng = random.Random(f"network:{seed}")
    out, pos = [], 0
    while pos < len(data):
        step = rng.randint(1, 64) if rng.random() < 1 / 6 else rng.randint(1024, 2048)
        out.append(data[pos : pos + step])
        pos += step
    return out


def event_reads(data: bytes, blank: bytes) -> list[bytes]:
    return [block + blank for block in data.split(blank)[:-1]]


def split_in_crlf(reads: list[bytes]) -> list[bytes]:
    """The same bytes with each cut moved to the next CR-LF pair, between its CR and LF."""
    data = b"".join(reads)
    cuts: list[int] = []
    at = 0
    for read in reads[:-1]:
        at += len(read)
        cut = data.find(b"\r\n", max(at - 1, cuts[-1] if cuts else 0)) + 1
        if cut > 0 and (not cuts or cut > cuts[-1]):
            cuts.append(cut)
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def readings(shape: Shape, seed: int) -> dict[str, list[bytes]]:
    out = {
        "1 KiB": chunks(shape.data, 1024),
        "64 KiB": chunks(shape.data, 65536),
        "network": network_reads(shape.data, seed),
        "1 event": event_reads(shape.data, shape.blank),
    }
    if shape.split_crlf:
        out = {name: split_in_crlf(reads) for name, reads in out.items()}
    return out


def fields(name: str, events: list[Any]) -> list[tuple[str | None, str, str | None]]:
    """(event, data, id); httpx-sse reports a missing event line as "message", no id as ""."""
    out = []
    for ev in events:
        event = None if name == HTTPX and ev.event == "message" else ev.event
        out.append((event, ev.data, ev.id or None))
    return out


@dataclass
class Row:
    shape: str
    reads: str
    decoder: str
    events: int
    bytes: int
    read_count: int
    seconds: float  # the median over the runs of the best time of a run
    events_per_s: float
    mb_per_s: float
    ratio_runs: list[float]  # sseconv speed / this decoder's, per run (empty on sseconv's row)
    agrees: bool


def run_case(
    shape: Shape, reads: list[bytes], *, runs: int, max_rounds: int, budget: float
) -> tuple[list[Row], str]:
    """Time every decoder, the floor and the ceiling on ``reads``; check the decoders and the
    ceiling agree."""
    results = {name: fields(name, decode(reads)) for name, decode in DECODERS.items()}
    results[CEILING] = fields(CEILING, ceiling_iter(reads))
    reference = results[OURS]
    problems = [
        f"{name}: {len(result)} events vs {len(reference)}, or different ones"
        for name, result in results.items()
        if result != reference
    ]
    funcs: dict[str, Callable[[], object]] = {
        name: functools.partial(decode, reads) for name, decode in DECODERS.items()
    }
    funcs[FLOOR] = functools.partial(floor_iter, reads, shape.blank)
    funcs[CEILING] = functools.partial(ceiling_iter, reads)
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(runs):
        for name, seconds in best_times(funcs, max_rounds=max_rounds, budget=budget).items():
            times[name].append(seconds)
    count = len(reference)
    rows = []
    for name, measured in times.items():
        seconds = statistics.median(measured)
        ratios = [] if name == OURS else [t / o for t, o in zip(measured, times[OURS], strict=True)]
        rows.append(
            Row(
                shape=shape.key,
                reads="",
                decoder=name,
                events=count,
                bytes=len(shape.data),
                read_count=len(reads),
                seconds=seconds,
                events_per_s=count / seconds,
                mb_per_s=len(shape.data) / MB / seconds,
                ratio_runs=ratios,
                agrees=name == FLOOR or results[name] == reference,
            )
        )
    return rows, "; ".join(problems)


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{mid:.2f}x" if len(values) == 1 else f"{low:.2f}-{mid:.2f}-{high:.2f}x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true", help="small streams, few rounds")
    parser.add_argument("--json", action="store_true", help="print results as JSON only")
    parser.add_argument("--runs", type=int, help="measurements per case (min-median-max)")
    parser.add_argument("--repeats", type=int, help="maximum timing rounds per measurement")
    parser.add_argument("--budget", type=float, help="seconds of timing per measurement")
    parser.add_argument("--seed", type=int, default=0, help="stream and read-size seed")
    args = parser.parse_args(argv)

    n, n_large = (200, 60) if args.quick else (1000, 300)
    runs = args.runs or (1 if args.quick else 3)
    max_rounds = args.repeats or (3 if args.quick else 15)
    budget = args.budget if args.budget is not None else (0.05 if args.quick else 0.3)
    log: Callable[[str], None] = (lambda _msg: None) if args.json else print
    env = environment()
    log(
        "SSE decoding benchmark -- "
        + ", ".join(f"{k} {v}" for k, v in env.items())
        + f"; CPU time, best of up to {max_rounds} interleaved rounds ({budget:g} s), "
        f"{runs} run(s) per case, gc off while timing\n"
    )

    rows: list[Row] = []
    problems: list[str] = []
    all_shapes = shapes(n, n_large, args.seed)
    for shape in all_shapes:
        for name, reads in readings(shape, args.seed).items():
            case_rows, problem = run_case(
                shape, reads, runs=runs, max_rounds=max_rounds, budget=budget
            )
            for row in case_rows:
                row.reads = name
            rows += case_rows
            if problem:
                problems.append(f"{shape.key}, {name}: {problem}")

    requirements: list[dict[str, Any]] = []
    for row in rows:
        if row.decoder == HTTPX:
            target = next(s.target for s in all_shapes if s.key == row.shape)
            ratio = statistics.median(row.ratio_runs)
            ceiling = next(
                r for r in rows if (r.shape, r.reads, r.decoder) == (row.shape, row.reads, CEILING)
            )
            # httpx-sse's time / the ceiling's, per run: the most this design could show
            reach = [h / c for h, c in zip(row.ratio_runs, ceiling.ratio_runs, strict=True)]
            requirements.append(
                {
                    "requirement": f"{row.shape}, {row.reads}: sseconv >= {target:g}x httpx-sse",
                    "ratio": ratio,
                    "runs": row.ratio_runs,
                    "target": target,
                    "ok": ratio >= target and row.agrees,
                    "ceiling_runs": reach,
                }
            )

    if args.json:
        out = {
            "benchmark": "sse",
            "environment": env,
            "settings": {"n": n, "n_large": n_large, "runs": runs, "max_rounds": max_rounds},
            "shapes": {s.key: {"label": s.label, "bytes": len(s.data)} for s in all_shapes},
            "results": [asdict(r) for r in rows],
            "requirements": requirements,
            "problems": problems,
        }
        json.dump(json_safe(out), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
        return 0

    log("; ".join(f"{s.key}: {s.label}, {len(s.data) / MB:.2f} MB" for s in all_shapes))
    log("")
    # one line per case: events/s of sseconv, then its speed-up over each peer, floor and ceiling
    peers = [name for name in [*DECODERS, FLOOR, CEILING] if name != OURS]
    table = []
    for row in rows:
        if row.decoder != OURS:
            continue
        case = {r.decoder: r for r in rows if (r.shape, r.reads) == (row.shape, row.reads)}
        cells = [row.shape, row.reads, f"{row.events_per_s:,.0f}", f"{row.mb_per_s:.1f}"]
        cells += [spread(case[peer].ratio_runs) for peer in peers]
        cells.append("yes" if all(r.agrees for r in case.values()) else "NO")
        table.append(cells)
    headers = ["shape", "reads", "sseconv ev/s", "MB/s"]
    headers += [f"x {peer}" for peer in peers] + ["same events"]
    log(format_table(headers, table, left=2))
    log(
        "\n(x peer: sseconv's events/s divided by the peer's, min-median-max over the runs; "
        "x floor below 1 means sseconv is slower than the floor by that factor; x ceiling is "
        "how close sseconv is to the most its design can do)"
    )
    log(
        "\nRequirements (sseconv events/s / httpx-sse events/s, median of the runs; in brackets"
        " the same ratio for the ceiling, the most this design could show):"
    )
    for req in requirements:
        verdict = "OK" if req["ok"] else "BELOW TARGET"
        reached = f"{spread(req['runs'])}  {verdict}  (ceiling {spread(req['ceiling_runs'])})"
        log(f"  {req['requirement']}: {reached}")
    for problem in problems:
        log(f"  MISMATCH {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
