"""Start-up benchmark: how long ``import sseconv`` and the command line take to start.

Each case is a fresh interpreter (``python -I``-free, the same ``sys.executable``), run as a
subprocess with stdout on ``/dev/null``; the cases run interleaved, in an order that rotates
from round to round, and the best and median wall times are reported, with the interpreter's
own start (``python -c pass``) subtracted in a second column. Peers in the same run: importing
httpx-sse, httpx, pydantic and the Anthropic SDK (where installed).

Cases:

* ``import sseconv``: the package alone (public names are imported on first use);
* ``import sseconv; sseconv.Converter``: the first use of the converter (loads pydantic and
  the event model): what ``import sseconv`` cost when everything was imported eagerly;
* ``sseconv --version``, ``sseconv --help``, ``sseconv detect FILE`` (no model needed) and
  ``sseconv convert --to completions FILE`` (the model is loaded), each as ``python -m sseconv``.

It also prints the modules that ``-X importtime`` says cost most in the first use of the
converter. Usage: ``python benchmarks/bench_startup.py [--quick] [--json] [--repeats N]``.
It prints numbers and never fails on them (exit status 0).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "legacy.sse")

BASELINE = "python -c pass"
CASES: dict[str, list[str]] = {
    BASELINE: ["-c", "pass"],
    "import sseconv": ["-c", "import sseconv"],
    "import sseconv; sseconv.Converter": ["-c", "import sseconv; sseconv.Converter"],
    "sseconv --version": ["-m", "sseconv", "--version"],
    "sseconv --help": ["-m", "sseconv", "--help"],
    "sseconv detect FILE": ["-m", "sseconv", "detect", EXAMPLE],
    "sseconv convert --to completions FILE": [
        "-m",
        "sseconv",
        "convert",
        "--to",
        "completions",
        EXAMPLE,
    ],
}
PEERS = {
    "import httpx_sse": "httpx_sse",
    "import httpx": "httpx",
    "import pydantic (BaseModel)": "pydantic",
    "import anthropic": "anthropic",
}
PEER_CODE = {
    "import httpx_sse": "import httpx_sse",
    "import httpx": "import httpx",
    "import pydantic (BaseModel)": "from pydantic import BaseModel",
    "import anthropic": "import anthropic",
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {result.returncode}")
    return elapsed


def measure(cases: dict[str, list[str]], rounds: int) -> dict[str, list[float]]:
    env = _env()
    times: dict[str, list[float]] = {name: [] for name in cases}
    order = list(cases.items())
    for _ in range(2):  # warm the file cache and the .pyc files
        for _name, args in order:
            _run(args, env)
    for done in range(rounds):
        first = done % len(order)
        for name, args in order[first:] + order[:first]:
            times[name].append(_run(args, env))
    return times


def import_costs(top: int) -> list[tuple[str, float]]:
    """The modules with the largest cumulative import time (``-X importtime``), in ms."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sseconv; sseconv.Converter"],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        check=False,
    )
    costs: dict[str, float] = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
        if not cumulative.isdigit():
            continue
        package = name.strip().split(".")[0]
        if name.strip() == package:  # top-level imports only: no double counting
            costs[package] = max(costs.get(package, 0.0), int(cumulative) / 1000)
    return sorted(costs.items(), key=lambda item: -item[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds: a smoke run")
    parser.add_argument("--json", action="store_true", help="only JSON on stdout")
    parser.add_argument("--repeats", type=int, default=15, help="rounds (default 15)")
    args = parser.parse_args()
    cases = dict(CASES)
    for name, module in PEERS.items():
        if importlib.util.find_spec(module) is not None:
            cases[name] = ["-c", PEER_CODE[name]]
    times = measure(cases, 3 if args.quick else args.repeats)
    best = {name: min(values) * 1000 for name, values in times.items()}
    median = {name: statistics.median(values) * 1000 for name, values in times.items()}
    base = best[BASELINE]
    peer = best.get("import httpx_sse")
    costs = import_costs(6)
    results: dict[str, object] = {
        "python": sys.version.split()[0],
        "rounds": len(times[BASELINE]),
        "cases": {
            name: {
                "best_ms": round(best[name], 1),
                "median_ms": round(median[name], 1),
                "after_interpreter_ms": round(best[name] - base, 1),
            }
            for name in cases
        },
        "import_costs_ms": dict(costs),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"Python {results['python']}, best and median of {results['rounds']} runs each")
    print()
    width = max(map(len, cases))
    header = f"{'case':<{width}}  {'best ms':>8}  {'median':>8}  {'- python':>8}"
    if peer is not None:
        header += f"  {'vs httpx_sse':>12}"
    print(header)
    print("-" * len(header))
    for name in cases:
        line = f"{name:<{width}}  {best[name]:8.1f}  {median[name]:8.1f}  {best[name] - base:8.1f}"
        if peer is not None and name != BASELINE:
            line += f"  {(best[name] - base) / max(peer - base, 0.1):11.2f}x"
        print(line)
    print()
    print("'- python': the interpreter's own start subtracted; 'vs httpx_sse': that time")
    print("divided by the same for `import httpx_sse` (the closest peer).")
    print()
    print("Largest imports in the first use of the converter (-X importtime, cumulative):")
    for name, ms in costs:
        print(f"  {name:<20} {ms:7.1f} ms")


if __name__ == "__main__":
    main()
