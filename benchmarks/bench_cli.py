"""Command-line benchmark: peak memory and throughput of ``sseconv convert`` as a subprocess.

Cases (recordings generated deterministically into a temporary directory):

* legacy -> completions on a ~200 MB 2023-01-01 recording (cumulative text, CRLF, timestamp
  pings, ``[DONE]``; the format of ``_streams.legacy_stream`` with 6..18-code-point tokens,
  written event by event so the generator never holds it whole);
* completions -> legacy on a 5,000-token 2023-06-01 recording (``_streams.completions_stream``),
  whose legacy output is ~60 MB (each legacy event repeats the text so far);
* the same on 20,000 tokens (~1 GB of output): the peak memory must stay where it was;
* every other direction whose output grows linearly with its input, on ~100 MB recordings
  (``_streams.completions_stream``, ``_streams.messages_stream``; the legacy one above for
  legacy -> legacy and legacy -> messages), and messages -> legacy on 20,000 text deltas.

Each case runs ``python -m sseconv convert --to TARGET FILE`` with stdout on ``/dev/null``.
Reported: the best wall time of ``--repeats`` runs (interpreter start included); input and
output MB/s (MB = 10**6 bytes); input and output MB/s after the start (the best time of
``python -m sseconv --version`` subtracted; not shown when less than 0.1 s remains); the peak
resident set size of the child (from GNU ``time -f %M``, or ``os.wait4``'s ``ru_maxrss``),
next to that of ``python -m sseconv --version`` (the interpreter and the imports alone): the
difference is what converting costs in memory, and it must not grow with the input. One more
run writes to a file, to measure the output and check it (a finished stream with the
generated text).

Usage: ``python benchmarks/bench_cli.py [--quick] [--json] [--repeats N]``. It prints numbers
and never fails on them (exit status 0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from _common import MB, environment, format_table
from _streams import completions_stream, messages_stream, tokens

import sseconv

DESCRIPTION = "CLI benchmark: peak memory and throughput of `sseconv convert` as a subprocess."
LEGACY_SIZE = 200 * MB
LEGACY_SIZE_QUICK = 5 * MB
COMPLETIONS_TOKENS = (5_000, 20_000)
COMPLETIONS_TOKENS_QUICK = (1_000, 2_000)
LINEAR_SIZE, LINEAR_SIZE_QUICK = 100 * MB, 5 * MB  # the other linear directions' recordings
TOKENS_PER_MB = {"completions": 5_000, "messages": 7_800}  # (about: 200 and 129 bytes a token)
MESSAGES_TO_LEGACY_TOKENS, MESSAGES_TO_LEGACY_TOKENS_QUICK = 20_000, 2_000
READ_SIZE = 64 * 1024
MIN_WORK = 0.1  # seconds after the interpreter start below which MB/s* is not shown


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write_legacy(path: Path, size: int, *, seed: int = 0) -> tuple[int, str]:
    """Write a legacy recording of about ``size`` bytes; return its event count and text.

    Tokens of 6..18 code points (``_streams.tokens``) are added until the file reaches
    ``size``; then the stop event and ``data: [DONE]``. Pings every 50 events, CRLF endings.
    """
    rng = random.Random(f"legacy:{seed}")
    log_id = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    clock = dt.datetime(2023, 4, 28, 21, 18, 31, 866238)
    # enough tokens for any size up to a few hundred MB; only the prefix written is used
    budget = int((size / 6.0) ** 0.5) * 2 + 100
    text = ""
    written = events = 0

    def event(stop: str | None, stop_reason: str | None) -> bytes:
        payload = {
            "completion": text,
            "stop": stop,
            "stop_reason": stop_reason,
            "truncated": False,
            "log_id": log_id,
            "model": "claude-v1",
            "exception": None,
        }
        return ("data: " + _dumps(payload) + "\r\n\r\n").encode()

    with path.open("wb") as f:
        for i, token in enumerate(tokens(budget, seed=seed, lo=6, hi=18)):
            if written >= size:
                break
            text += token
            data = event(None, None)
            if i % 50 == 25:
                clock += dt.timedelta(microseconds=rng.randint(400_000, 2_500_000))
                stamp = clock.strftime("%Y-%m-%d %H:%M:%S.%f")
                data += f"event: ping\r\ndata: {stamp}\r\n\r\n".encode()
                events += 1
            f.write(data)
            written += len(data)
            events += 1
        f.write(event("\n\nHuman:", "stop_sequence") + b"data: [DONE]\r\n\r\n")
    return events + 2, text


@dataclass
class Result:
    case: str
    input_bytes: int
    output_bytes: int
    events_in: int
    best_seconds: float
    input_mb_s: float
    output_mb_s: float
    input_mb_s_after_start: float | None
    output_mb_s_after_start: float | None
    peak_rss_mib: float
    checked: bool


TIME = shutil.which("time", path="/usr/bin:/bin")  # GNU time: -f %M prints the peak in KiB


def run_child(args: list[str], stdout: int | None = subprocess.DEVNULL) -> tuple[float, float]:
    """Run ``python -m sseconv ARGS``; return (wall seconds, peak RSS in MiB) of that child.

    The peak comes from GNU ``time`` when present: its child is forked from a small process.
    Otherwise from ``os.wait4``; then it is an upper bound, because Linux counts in a child's
    ``ru_maxrss`` the size of the process it was forked from (this one) before ``exec``.
    """
    command = [sys.executable, "-m", "sseconv", *args]
    if TIME is not None:
        command = [TIME, "-f", "%M", *command]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    errors = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"sseconv {' '.join(args)} exited with {proc.returncode}: {errors!r}")
    if TIME is not None:
        return elapsed, int(errors.split()[-1]) / 1024
    return elapsed, usage.ru_maxrss / 1024  # Linux: KiB


def count_events(data: bytes) -> int:
    parser = sseconv.SSEParser()
    return sum(len(parser.feed(data[at : at + READ_SIZE])) for at in range(0, len(data), READ_SIZE))


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb", buffering=0) as f:
        while data := f.read(READ_SIZE):
            yield data


def check_output(path: Path, dialect: str, text: str) -> bool:
    """The output is a finished stream of ``dialect`` with the generated text."""
    reader = sseconv.EventReader(source=dialect)
    got: list[str] = []
    for chunk in _chunks(path):
        got.extend(e.text for e in reader.feed(chunk) if isinstance(e, sseconv.TextDelta))
    reader.close()
    return reader.report.finished and "".join(got) == text


def measure(
    case: str,
    source: Path,
    target: str,
    text: str,
    events: int,
    repeats: int,
    tmp: Path,
    start_seconds: float,
) -> Result:
    out = tmp / f"{case}.out"
    run_child(["convert", "--to", target, "-o", str(out), str(source)])
    checked = check_output(out, target, text)
    best = float("inf")
    peak = 0.0
    for _ in range(repeats):
        seconds, rss = run_child(["convert", "--to", target, str(source)])
        best = min(best, seconds)
        peak = max(peak, rss)
    size_in, size_out = source.stat().st_size, out.stat().st_size
    work = best - start_seconds
    out.unlink()
    return Result(
        case=case,
        input_bytes=size_in,
        output_bytes=size_out,
        events_in=events,
        best_seconds=best,
        input_mb_s=size_in / MB / best,
        output_mb_s=size_out / MB / best,
        input_mb_s_after_start=size_in / MB / work if work >= MIN_WORK else None,
        output_mb_s_after_start=size_out / MB / work if work >= MIN_WORK else None,
        peak_rss_mib=peak,
        checked=checked,
    )


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true", help="small recordings, one run each")
    parser.add_argument("--json", action="store_true", help="print results as JSON only")
    parser.add_argument("--repeats", type=int, help="timed runs per case (default 3, quick 1)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 3)

    def log(message: str) -> None:
        if not args.json:
            print(message, flush=True)

    with tempfile.TemporaryDirectory(prefix="sseconv-bench-cli-") as name:
        tmp = Path(name)
        log("generating recordings ...")
        legacy = tmp / "legacy.sse"
        legacy_events, legacy_text = write_legacy(
            legacy, LEGACY_SIZE_QUICK if args.quick else LEGACY_SIZE
        )
        idle_runs = [run_child(["--version"]) for _ in range(max(repeats, 5))]
        start_seconds = min(seconds for seconds, _ in idle_runs)
        idle = min(rss for _, rss in idle_runs)
        results = [
            measure(
                f"legacy->{target}",
                legacy,
                target,
                legacy_text,
                legacy_events,
                repeats,
                tmp,
                start_seconds,
            )
            for target in ("completions", "legacy", "messages")
        ]
        legacy.unlink()
        size, token_counts, deltas = (
            (LINEAR_SIZE_QUICK, COMPLETIONS_TOKENS_QUICK, MESSAGES_TO_LEGACY_TOKENS_QUICK)
            if args.quick
            else (LINEAR_SIZE, COMPLETIONS_TOKENS, MESSAGES_TO_LEGACY_TOKENS)
        )
        for source, targets, n_tokens in (
            *(("completions", ("legacy",), n) for n in token_counts),
            ("completions", ("completions", "messages"), TOKENS_PER_MB["completions"] * size // MB),
            ("messages", ("messages", "completions"), TOKENS_PER_MB["messages"] * size // MB),
            ("messages", ("legacy",), deltas),
        ):
            recording = tmp / f"{source}-{n_tokens}.sse"
            maker = completions_stream if source == "completions" else messages_stream
            data = maker(n_tokens)
            recording.write_bytes(data)
            events = count_events(data)
            del data
            text = "".join(tokens(n_tokens))
            for target in targets:
                label = f" ({n_tokens:,} tokens)" if target == "legacy" else ""
                results.append(
                    measure(
                        f"{source}->{target}{label}",
                        recording,
                        target,
                        text,
                        events,
                        repeats,
                        tmp,
                        start_seconds,
                    )
                )
            recording.unlink()

    if args.json:
        report = {
            "environment": environment(),
            "idle_peak_rss_mib": idle,
            "start_seconds": start_seconds,
            "results": [asdict(r) for r in results],
        }
        print(json.dumps(report, indent=2))
        return 0
    print()
    print(DESCRIPTION)
    print(", ".join(f"{k} {v}" for k, v in environment().items()))
    rss_from = f"{TIME} -f %M" if TIME else "os.wait4 ru_maxrss (an upper bound)"
    print(f"runs per case: {repeats} (best time, highest peak RSS); stdout on /dev/null")
    print(f"peak RSS from {rss_from}\n")
    headers = ["case", "input", "output", "events", "best s", "in MB/s", "out MB/s"]
    headers += ["in MB/s*", "out MB/s*", "peak RSS"]
    rows = [
        [
            r.case,
            f"{r.input_bytes / MB:.1f} MB",
            f"{r.output_bytes / MB:.1f} MB",
            f"{r.events_in:,}",
            f"{r.best_seconds:.2f}",
            f"{r.input_mb_s:.0f}",
            f"{r.output_mb_s:.0f}",
            _rate(r.input_mb_s_after_start),
            _rate(r.output_mb_s_after_start),
            f"{r.peak_rss_mib:.1f} MiB",
        ]
        for r in results
    ]
    idle_row = ["python -m sseconv --version", "", "", "", f"{start_seconds:.2f}", "", "", "", ""]
    rows.append([*idle_row, f"{idle:.1f} MiB"])
    print(format_table(headers, rows, left=1))
    print("* after the interpreter start (the best time of `python -m sseconv --version` taken")
    print(f"  off), if at least {MIN_WORK} s remain")
    print()
    for r in results:
        verdict = "OK" if r.checked else "WRONG OUTPUT"
        print(
            f"{r.case}: output check (finished, generated text): {verdict}; memory above the "
            f"idle interpreter: {r.peak_rss_mib - idle:+.1f} MiB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
