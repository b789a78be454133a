"""Memory benchmark: peak resident memory of converting one whole recording to ``legacy``.

Converting to the 2023-01-01 dialect multiplies the data: every legacy event repeats the whole
text so far, so a 1.2 MB Messages recording of 10,000 text deltas becomes hundreds of MB of
legacy output. What matters is how much of that one call holds at once. Each case runs in its
own child process (``python bench_memory.py --child CASE``), which builds the recording
(``_streams.messages_stream``), runs the case, writes the output nowhere (each piece is
dropped as soon as it is counted) and reports its peak resident set size (``VmHWM`` from
``/proc/self/status``, or ``ru_maxrss`` elsewhere).

Cases, all given the whole recording as one ``bytes``:

* ``baseline``: the interpreter, ``import sseconv`` and the recording, nothing converted;
* ``feed``: ``Converter.feed(whole)`` (returns all the output as one ``bytes``, as documented);
* ``feed 64 KiB``: ``Converter.feed`` over 64 KiB reads (what the command line does);
* ``iter_feed``: ``Converter.iter_feed(whole)``, output drained event by event;
* ``convert``: ``sseconv.convert(whole, "legacy")`` (pieces of about 64 KiB);
* ``aconvert``: the same through ``sseconv.aconvert``;
* ``legacy_completions``: ``sseconv.legacy_completions(whole)``, the dicts a 2023 client read;
* ``legacy_completions 64 KiB``: the same over 64 KiB reads; ``alegacy_completions``: the async
  form on the whole recording;
* ``dicts via legacy bytes``: the peer of those three, the same dicts made by converting to
  legacy bytes and parsing them back (``Converter.feed(whole)``, ``SSEParser``,
  ``json.loads``: what ``legacy_completions`` did before, and what any adapter that converts
  then parses does).
* ``hand-written``: the peer of the converter cases, ``baseline_convert.messages_to_legacy``
  (httpx-sse's decoder and ``json.dumps`` per event, a generator yielding event by event),
  given the same one chunk.

The table gives each case's peak, its excess over the baseline (what converting costs) and
that excess as a multiple of the largest legacy event (the bound the streaming forms aim for:
one event plus the accumulated text). Usage: ``python benchmarks/bench_memory.py [--quick]
[--json] [--tokens N]``; it prints numbers and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import environment, format_table
from _streams import chunks, messages_stream

import sseconv

CASES = (
    "baseline",
    "feed",
    "feed 64 KiB",
    "iter_feed",
    "convert",
    "aconvert",
    "legacy_completions",
    "legacy_completions 64 KiB",
    "alegacy_completions",
    "dicts via legacy bytes",
    "hand-written",
)
MIB = 1024 * 1024


def peak_rss() -> int:
    """This process's peak resident set size, in bytes."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # macOS reports bytes, Linux KiB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def run_case(case: str, data: bytes) -> tuple[int, int]:
    """Run one case; return (output bytes, largest output piece)."""
    total = largest = 0

    def count(piece: bytes) -> None:
        nonlocal total, largest
        total += len(piece)
        largest = max(largest, len(piece))

    if case == "feed":
        converter = sseconv.Converter("legacy")
        count(converter.feed(data))
        count(converter.close())
    elif case == "feed 64 KiB":
        converter = sseconv.Converter("legacy")
        for chunk in chunks(data, 64 * 1024):
            count(converter.feed(chunk))
        count(converter.close())
    elif case == "iter_feed":
        converter = sseconv.Converter("legacy")
        for piece in converter.iter_feed(data):
            count(piece)
        for piece in converter.iter_close():
            count(piece)
    elif case == "convert":
        for piece in sseconv.convert([data], "legacy"):
            count(piece)
    elif case == "aconvert":

        async def source() -> AsyncIterator[bytes]:
            yield data

        async def run() -> None:
            async for piece in sseconv.aconvert(source(), "legacy"):
                count(piece)

        asyncio.run(run())
    elif case == "hand-written":
        from baseline_convert import messages_to_legacy

        for piece in messages_to_legacy([data]):
            count(piece)
    elif case == "legacy_completions":
        for item in sseconv.legacy_completions(data):
            count(json.dumps(item).encode())
    elif case == "legacy_completions 64 KiB":
        for item in sseconv.legacy_completions(chunks(data, 64 * 1024)):
            count(json.dumps(item).encode())
    elif case == "alegacy_completions":

        async def dicts() -> None:
            async for item in sseconv.alegacy_completions(data):
                count(json.dumps(item).encode())

        asyncio.run(dicts())
    elif case == "dicts via legacy bytes":
        converter = sseconv.Converter("legacy")
        output = converter.feed(data) + converter.close()
        parsed = sseconv.SSEParser().feed(output)
        items = [json.loads(e.data) for e in parsed if e.event is None and e.data != "[DONE]"]
        for item in items:
            count(json.dumps(item).encode())
    elif case != "baseline":
        raise SystemExit(f"unknown case {case!r}")
    return total, largest


def child(case: str, tokens: int) -> None:
    data = messages_stream(tokens)
    total, largest = run_case(case, data)
    print(
        json.dumps(
            {
                "case": case,
                "input": len(data),
                "output": total,
                "piece": largest,
                "peak": peak_rss(),
            }
        )
    )


def measure(case: str, tokens: int) -> dict[str, int | str]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", case, "--tokens", str(tokens)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no output"]
        return {"case": case, "error": lines[-1].split(":", 1)[0]}
    value: dict[str, int | str] = json.loads(result.stdout)
    return value


def largest_legacy_event(tokens: int) -> int:
    """The largest output of one input event (fed one event per read)."""
    converter = sseconv.Converter("legacy")
    data = messages_stream(tokens)
    size = 0
    for event in data.split(b"\n\n"):
        size = max(size, len(converter.feed(event + b"\n\n")))
    return size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="1,000 tokens instead of 10,000")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    parser.add_argument("--tokens", type=int, default=None)
    parser.add_argument("--child", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    tokens = args.tokens or (1_000 if args.quick else 10_000)
    if args.child:
        child(args.child, tokens)
        return
    event = largest_legacy_event(tokens)
    results = [measure(case, tokens) for case in CASES]
    if args.json:
        print(
            json.dumps(
                {
                    "tokens": tokens,
                    "largest_event": event,
                    "results": results,
                    "environment": environment(),
                },
                indent=2,
            )
        )
        return
    base = next((r["peak"] for r in results if r["case"] == "baseline" and "peak" in r), 0)
    rows: list[list[str]] = []
    for r in results:
        if "error" in r:
            rows.append([str(r["case"]), "failed: " + str(r["error"]), "", "", "", ""])
            continue
        peak = int(r["peak"])
        excess = max(peak - int(base), 0)
        rows.append(
            [
                str(r["case"]),
                f"{peak / MIB:.1f}",
                f"{excess / MIB:.1f}",
                f"{excess / event:.1f}" if r["case"] != "baseline" else "",
                f"{int(r['output']) / 1e6:.1f}",
                f"{int(r['piece']) / MIB:.2f}",
            ]
        )
    input_size = next((int(r["input"]) for r in results if "input" in r), 0)
    print(
        f"Peak RSS converting one whole Messages recording ({tokens:,} text deltas, "
        f"{input_size / 1e6:.2f} MB) to legacy; largest legacy event {event / 1024:.1f} KiB"
    )
    print(
        format_table(
            [
                "case",
                "peak MiB",
                "over baseline MiB",
                "× largest event",
                "output MB",
                "largest piece MiB",
            ],
            rows,
            left=1,
        )
    )


if __name__ == "__main__":
    main()
