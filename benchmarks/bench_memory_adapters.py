"""Peak memory of ``legacy_completions`` on a long recording, next to its peers.

The recording: a Messages stream of one text block with ``--tokens`` deltas (default 10,000:
~1.2 MB, ``_streams.messages_stream``), given to each reader whole (``bytes``), as a caller who
has read a file or a response body does. Each case runs in a fresh child process; reported is
its peak resident set size (``os.wait4``'s ``ru_maxrss``) and that minus the baseline's (the
interpreter, ``import sseconv`` and the recording read into memory: what the case itself
costs):

* ``legacy_completions(bytes)``: the dicts made from model events, one at a time;
* the same fed in 64 KiB chunks, and ``alegacy_completions``;
* the peer: the same dicts through legacy wire bytes (``Converter(to="legacy")`` on the whole
  input, its output parsed with ``SSEParser`` and ``json.loads``: what ``legacy_completions``
  did before, and what any adapter that converts then parses does);
* for scale: ``Converter(to="completions")`` on the whole input (output about the input's size).

Every case consumes each dict as an old client's loop does (reads ``completion``, keeps none).
Usage: ``python benchmarks/bench_memory_adapters.py [--quick] [--tokens N]``. It prints
numbers and never fails on them (exit status 0).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import environment, format_table
from _streams import messages_stream

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = """
import sys, json, asyncio
import sseconv
data = open(sys.argv[1], "rb").read()
n = 0
"""

CASES = {
    "baseline (import, read the recording)": "",
    "legacy_completions(bytes)": """
for d in sseconv.legacy_completions(data):
    n += len(d["completion"])
""",
    "legacy_completions(64 KiB chunks)": """
chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
for d in sseconv.legacy_completions(chunks):
    n += len(d["completion"])
""",
    "alegacy_completions(bytes)": """
async def main():
    global n
    async for d in sseconv.alegacy_completions(data):
        n += len(d["completion"])
asyncio.run(main())
""",
    "peer: via legacy wire bytes": """
converter = sseconv.Converter("legacy")
output = converter.feed(data) + converter.close()
dicts = [json.loads(e.data) for e in sseconv.SSEParser().feed(output)
         if e.event is None and e.data != "[DONE]"]
for d in dicts:
    n += len(d["completion"])
""",
    "scale: Converter(to='completions') whole": """
converter = sseconv.Converter("completions")
n = len(converter.feed(data) + converter.close())
""",
}


def peak_rss(code: str, path: Path) -> tuple[int, str]:
    """The child's peak RSS in KiB, and what it printed (the text length it saw)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = PRELUDE + code + "\nprint(n)\n"
    with subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, env=env
    ) as child:
        assert child.stdout is not None
        out = child.stdout.read().decode().strip()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"case failed: {code!r}")
    return usage.ru_maxrss, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="2,500 tokens")
    parser.add_argument("--tokens", type=int, default=10_000)
    args = parser.parse_args()
    tokens = 2_500 if args.quick else args.tokens
    data = messages_stream(tokens)
    print(", ".join(f"{k} {v}" for k, v in environment().items()))
    print(f"recording: Messages, {tokens:,} text deltas, {len(data) / 1e6:.2f} MB\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "recording.sse"
        path.write_bytes(data)
        results = {name: peak_rss(code, path) for name, code in CASES.items()}
    base = results["baseline (import, read the recording)"][0]
    peer = results["peer: via legacy wire bytes"][0] - base
    rows = []
    for name, (kib, _) in results.items():
        over = kib - base
        ratio = f"{over / peer:.3f}" if peer > 0 and name != next(iter(CASES)) else ""
        rows.append([name, f"{kib / 1024:.1f}", f"{over / 1024:.1f}", ratio])
    print(format_table(["case", "peak RSS MiB", "over baseline MiB", "vs peer"], rows, left=1))
    seen = {out for name, (_, out) in results.items() if name.startswith(("legacy", "alegacy"))}
    print(f"\nsum of completion lengths seen (must be one value): {sorted(seen)}")


if __name__ == "__main__":
    main()
