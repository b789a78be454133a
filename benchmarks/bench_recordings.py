"""Recordings benchmark: converting the streams of a large vcrpy cassette, next to what merely
reading and writing that cassette costs.

The cassette (generated deterministically) holds N interactions, half of them Messages streams
(the captured fixture) and half plain JSON answers, each with its own request, as vcrpy writes
them. Timed, interleaved (``_common.best_times``):

* ``yaml round trip``: ``yaml.load`` + ``yaml.dump`` with PyYAML's libyaml classes
  (``CSafeLoader``/``CSafeDumper``): the floor for any tool that rewrites a cassette (vcrpy
  loads and saves cassettes this way);
* ``sseconv loads+convert+dumps``: ``recordings.loads``, ``convert_document`` to the legacy
  dialect (every stream converted, every request translated), ``Recording.dumps``;
* the same with the pure-Python PyYAML classes (the fallback without libyaml).

Printed: the best times, MB/s of cassette, and the ratio to the floor. Usage:
``python benchmarks/bench_recordings.py [--interactions N] [--budget SECONDS]``. It prints
numbers and never fails on them.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import MB, best_times, format_table

from sseconv import _recording_files, recordings

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "recordings" / "messages-vcrpy.yaml"


def cassette(interactions: int) -> bytes:
    template = yaml.safe_load(FIXTURE.read_text())["interactions"]
    items = []
    for i in range(interactions):
        item = copy.deepcopy(template[(i + 1) % 2])  # a stream, then a JSON answer, ...
        item["request"]["uri"] += f"?n={i}" if "?" not in item["request"]["uri"] else f"&n={i}"
        items.append(item)
    return yaml.dump({"interactions": items, "version": 1}, Dumper=yaml.CSafeDumper).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--interactions", type=int, default=1000)
    parser.add_argument("--budget", type=float, default=20.0)
    args = parser.parse_args()
    if not _recording_files.USE_LIBYAML:
        print("PyYAML was built without libyaml: the floor and the default path are pure Python")
    data = cassette(args.interactions)
    text = data.decode()

    def floor() -> None:
        yaml.dump(yaml.load(text, Loader=yaml.CSafeLoader), Dumper=yaml.CSafeDumper)

    def sseconv_default() -> None:
        recording = recordings.loads(data)
        result = recordings.convert_document(recording.document, "legacy")
        recording.document = result.document
        recording.dumps()

    def sseconv_pure() -> None:
        _recording_files.USE_LIBYAML = False
        try:
            sseconv_default()
        finally:
            _recording_files.USE_LIBYAML = True

    times = best_times(
        {
            "yaml round trip (libyaml)": floor,
            "sseconv loads+convert+dumps": sseconv_default,
            "sseconv, pure-Python PyYAML": sseconv_pure,
        },
        max_rounds=5,
        budget=args.budget,
        min_rounds=2,
    )
    base = times["yaml round trip (libyaml)"]
    rows = [
        [name, f"{seconds:.3f}", f"{len(data) / MB / seconds:.1f}", f"{seconds / base:.2f}"]
        for name, seconds in times.items()
    ]
    print(
        f"cassette: {args.interactions} interactions ({args.interactions // 2} streams), "
        f"{len(data) / MB:.1f} MB"
    )
    print(format_table(["what", "best s", "MB/s", "x floor"], rows, left=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
