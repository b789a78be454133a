"""SSE wire-layer benchmark: sseconv.SSEParser vs httpx-sse vs the Anthropic SDK's decoder.

Same bytes, same process, peers side by side. Two streams:

* small named events: a 2023-06-01 completions stream, ~1,000 ``completion`` events (~200 KB);
* large cumulative events: a 2023-01-01 legacy stream, ~1,000 events with cumulative text and
  CRLF line endings (~6.6 MB);

each fed in 1 KiB chunks and in seeded random-sized chunks (1..4096 bytes). Every decoder
collects its events into a list. Before timing, the three decoders must agree on the number of
events and on each event's name and data.

Requirements reported against (ratio of sseconv's events/s to httpx-sse's):
  >= 2x on the small-event stream, >= 1x on the large-event stream.

Usage: ``python benchmarks/bench_sse.py [--quick] [--json] [--repeats N] [--budget S]``.
The exit status is 0 whatever the ratios (this prints numbers; it is not a test).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from _common import MB, best_times, environment, format_table, json_safe, ratio_text, status
from _peers import anthropic_iter, httpx_sse_iter
from _streams import chunks, completions_stream, large_legacy_stream, random_chunks

import sseconv

DESCRIPTION = "SSE wire-layer benchmark: sseconv.SSEParser vs httpx-sse vs the Anthropic SDK."
OURS = "sseconv"
HTTPX = "httpx-sse"
ANTHROPIC = "anthropic"

# minimum ratio of sseconv's events/s to httpx-sse's, per stream
TARGETS = {"small": 2.0, "large": 1.0}


def decode_sseconv(data: Iterable[bytes]) -> list[Any]:
    parser = sseconv.SSEParser()
    events: list[Any] = []
    for chunk in data:
        events += parser.feed(chunk)
    events += parser.close()
    return events


def decode_httpx_sse(data: Iterable[bytes]) -> list[Any]:
    return list(httpx_sse_iter(data))


def decode_anthropic(data: Iterable[bytes]) -> list[Any]:
    return list(anthropic_iter(data))


DECODERS: dict[str, Callable[[Iterable[bytes]], list[Any]]] = {
    OURS: decode_sseconv,
    HTTPX: decode_httpx_sse,
    ANTHROPIC: decode_anthropic,
}


def normalized(name: str, events: list[Any]) -> list[tuple[str | None, str]]:
    """(event name, data) pairs; httpx-sse reports a missing event line as ``"message"``."""
    out: list[tuple[str | None, str]] = []
    for ev in events:
        event: str | None = ev.event
        if name == HTTPX and event == "message":
            event = None  # the benchmark streams never name an event "message"
        out.append((event, ev.data))
    return out


@dataclass
class Row:
    stream: str
    chunking: str
    decoder: str
    events: int
    bytes: int
    chunks: int
    seconds: float
    events_per_s: float
    mb_per_s: float
    sseconv_ratio: float | None  # sseconv speed / this decoder's speed (None on sseconv's row)
    agrees: bool


@dataclass
class Requirement:
    requirement: str
    ratio: float
    target: float
    agrees: bool
    ok: bool


def check_agreement(data: list[bytes]) -> tuple[dict[str, int], dict[str, bool], str]:
    """Run each decoder once; compare with httpx-sse. Returns counts, agreement, a message."""
    results = {name: normalized(name, dec(data)) for name, dec in DECODERS.items()}
    reference = results[HTTPX]
    agrees = {name: result == reference for name, result in results.items()}
    messages = []
    for name, result in results.items():
        if result == reference:
            continue
        if len(result) != len(reference):
            messages.append(f"{name}: {len(result)} events, httpx-sse {len(reference)}")
            continue
        first = next(i for i, (a, b) in enumerate(zip(result, reference, strict=False)) if a != b)
        messages.append(f"{name}: event {first + 1} differs: {result[first]!r:.80}")
    return {name: len(r) for name, r in results.items()}, agrees, "; ".join(messages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true", help="small streams, few repeats")
    parser.add_argument("--json", action="store_true", help="print results as JSON only")
    parser.add_argument("--repeats", type=int, help="maximum timing rounds per case")
    parser.add_argument("--budget", type=float, help="seconds of timing per case")
    parser.add_argument("--seed", type=int, default=0, help="stream and chunking seed")
    args = parser.parse_args(argv)

    n = 200 if args.quick else 1000
    max_rounds = args.repeats or (3 if args.quick else 40)
    budget = args.budget if args.budget is not None else (0.1 if args.quick else 2.0)
    log: Callable[[str], None] = (lambda _msg: None) if args.json else print

    streams = {
        "small": ("small named events (completions)", completions_stream(n, seed=args.seed)),
        "large": ("large cumulative events (legacy)", large_legacy_stream(n, seed=args.seed)),
    }
    chunkings: dict[str, Callable[[bytes], list[bytes]]] = {
        "1KiB": lambda b: chunks(b, 1024),
        "random": lambda b: random_chunks(b, args.seed + 1, 1, 4096),
    }

    env = environment()
    log(
        "SSE decoding benchmark -- "
        + ", ".join(f"{k} {v}" for k, v in env.items())
        + f"; best of up to {max_rounds} rounds, {budget:g} s per case, gc off while timing"
    )

    rows: list[Row] = []
    problems: list[str] = []
    for key, (label, raw) in streams.items():
        for chunk_name, cut in chunkings.items():
            data = cut(raw)
            counts, agrees, message = check_agreement(data)
            if message:
                problems.append(f"{label}, {chunk_name}: {message}")
            funcs = {name: functools.partial(dec, data) for name, dec in DECODERS.items()}
            times = best_times(funcs, max_rounds=max_rounds, budget=budget)
            for name in DECODERS:
                seconds = times[name]
                rows.append(
                    Row(
                        stream=key,
                        chunking=chunk_name,
                        decoder=name,
                        events=counts[name],
                        bytes=len(raw),
                        chunks=len(data),
                        seconds=seconds,
                        events_per_s=counts[name] / seconds,
                        mb_per_s=len(raw) / MB / seconds,
                        sseconv_ratio=None if name == OURS else seconds / times[OURS],
                        agrees=agrees[name],
                    )
                )

    requirements: list[Requirement] = []
    for row in rows:
        if row.decoder != HTTPX or row.sseconv_ratio is None:
            continue
        ours = next(
            r for r in rows if (r.stream, r.chunking, r.decoder) == (row.stream, row.chunking, OURS)
        )
        target = TARGETS[row.stream]
        ok = ours.agrees and row.sseconv_ratio >= target
        requirements.append(
            Requirement(
                requirement=f"{streams[row.stream][0]}, {row.chunking} chunks: "
                f"sseconv events/s >= {target:g}x httpx-sse",
                ratio=row.sseconv_ratio,
                target=target,
                agrees=ours.agrees,
                ok=ok,
            )
        )

    if args.json:
        out = {
            "benchmark": "sse",
            "environment": env,
            "settings": {"n": n, "max_rounds": max_rounds, "budget_s": budget, "seed": args.seed},
            "streams": {k: {"label": v[0], "bytes": len(v[1])} for k, v in streams.items()},
            "results": [asdict(r) for r in rows],
            "requirements": [asdict(r) for r in requirements],
            "problems": problems,
        }
        json.dump(json_safe(out), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
        return 0

    log(
        "streams: "
        + "; ".join(f"{label} {len(raw) / MB:.2f} MB" for label, raw in streams.values())
        + "\n"
    )
    table = []
    for row in rows:
        table.append(
            [
                row.stream,
                row.chunking,
                row.decoder,
                str(row.events),
                f"{row.seconds * 1e3:.2f}",
                f"{row.events_per_s:,.0f}",
                f"{row.mb_per_s:.1f}",
                "-" if row.sseconv_ratio is None else ratio_text(row.sseconv_ratio),
                "yes" if row.agrees else "NO",
            ]
        )
    log(
        format_table(
            [
                "stream",
                "chunking",
                "decoder",
                "events",
                "best ms",
                "events/s",
                "MB/s",
                "sseconv speedup",
                "same events",
            ],
            table,
        )
    )
    log("\nRequirements (sseconv events/s divided by httpx-sse events/s):")
    for req in requirements:
        verdict = status(req.ok) if req.agrees else "BELOW TARGET (events differ)"
        log(f"  {req.requirement}: {ratio_text(req.ratio)}  {verdict}")
    for problem in problems:
        log(f"  MISMATCH {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
