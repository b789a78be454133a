"""Seeded mutation fuzzing of the fixtures across every target × source × mode (issue #10).

Each case mutates a fixture (JSON values nested deeply or of the wrong type, keys removed or
added, events reordered, repeated, removed or cut, pings, ``[DONE]`` lines, errors and unknown
events inserted, bytes flipped, the stream truncated) and converts it to every target, from
every source (detected and each dialect given) in every mode. The promises checked:

* nothing but an :class:`SSEConvError` escapes ``convert``, ``validate`` or ``detect``;
* every output validates in its target: clean when the report says the input finished, else
  with nothing but "did not finish" (the output before an error too);
* an input that ``validate`` passes converts in the default mode without error.

The run is deterministic (seeded). ``SSECONV_FUZZ_CASES`` sets the number of mutated inputs
per seed (default 40; the suite runs 4 seeds); raise it for a longer hunt.
"""

from __future__ import annotations

import datetime
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from streams import split_events

import sseconv

FIXTURES = [p.read_bytes() for p in sorted((Path(__file__).parent / "fixtures").glob("*.sse"))]
CASES = int(os.environ.get("SSECONV_FUZZ_CASES", "40"))
TARGETS = ("legacy", "completions", "messages")
SOURCES = (None, "legacy", "completions", "messages")
MODES = ("strict", "default", "lenient")
UNFINISHED = "expected the stream to finish"
VALUES: list[Any] = [None, 0, -1, 1.5, True, "", "x", " \n", [], {}, {"type": "text"}, "[DONE]"]
INSERTS = [
    b'event: ping\ndata: {"type": "ping"}\n\n',
    b"event: ping\ndata: 2023-04-28 21:18:31.866238\n\n",
    b"data: [DONE]\n\n",
    b"event: done\ndata: [DONE]\n\n",
    b'event: future\ndata: {"type":"future"}\n\n',
    b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"O"}}\n\n',
    b": comment\n\n",
    b"data:\n\n",
    b"event: message_stop\n",
    b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"}}\n\n',
    b'data: {"completion":"","stop_reason":"stop_sequence","stop":null}\n\n',
    b'event: completion\ndata: {"completion":"","stop_reason":"max_tokens"}\n\n',
]


def clock() -> datetime.datetime:
    return datetime.datetime(2023, 1, 1, tzinfo=datetime.timezone.utc)


# -- mutations --------------------------------------------------------------------------------


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*path, index))
    return out


def _mutate_json(rng: random.Random, payload: Any) -> Any:
    path = rng.choice(_paths(payload))
    if not path:
        return rng.choice([*VALUES, _nested(rng.choice([3, 50, 990, 1200]))])
    parent = payload
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    what = rng.random()
    if what < 0.15:
        parent[last] = _nested(rng.choice([3, 50, 500, 990, 1100, 3000]))
    elif what < 0.6:
        parent[last] = rng.choice(VALUES)
    elif what < 0.8 and isinstance(parent, dict):
        del parent[last]
    elif isinstance(parent, dict):
        parent[f"x_{rng.randint(0, 9)}"] = rng.choice(VALUES)
    else:
        parent[last] = rng.choice(VALUES)
    return payload


def _event_json(rng: random.Random, event: bytes) -> bytes:
    eol = b"\r\n" if b"\r\n" in event else b"\n"
    lines = event.split(eol)
    for i, line in enumerate(lines):
        if line.startswith(b"data: {"):
            try:
                payload = json.loads(line[6:])
            except ValueError:
                return event
            payload = _mutate_json(rng, payload)
            try:
                text = json.dumps(payload, ensure_ascii=rng.random() < 0.5)
            except RecursionError:  # the test's own json.dumps on a deep value
                return event
            lines[i] = b"data: " + text.encode("utf-8", "surrogatepass")
            return eol.join(lines)
    return event


def mutate(rng: random.Random, data: bytes) -> bytes:
    events = split_events(data)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(8)
        i = rng.randrange(len(events)) if events else 0
        if op <= 1 and events:  # a JSON value
            events[i] = _event_json(rng, events[i])
        elif op == 2 and len(events) > 1:  # reorder
            j = rng.randrange(len(events))
            events[i], events[j] = events[j], events[i]
        elif op == 3 and events:  # repeat
            events.insert(i, events[i])
        elif op == 4 and events:  # remove
            del events[i]
        elif op == 5:  # insert
            events.insert(rng.randint(0, len(events)), rng.choice(INSERTS))
        elif op == 6 and events:  # cut one event
            events[i] = events[i][: rng.randint(0, len(events[i]))]
        elif events:  # flip a byte
            event = events[i]
            at = rng.randrange(len(event))
            byte = rng.choice([b"\n", b"\r", b"{", b'"', b"\xff", b":", b" ", b"\\"])
            events[i] = event[:at] + byte + event[at + 1 :]
    out = b"".join(events)
    if rng.random() < 0.2:
        out = out[: rng.randint(0, len(out))]
    return out


# -- the oracle -------------------------------------------------------------------------------


def output_problems(out: bytes, to: str) -> list[str]:
    """The problems of ``out`` read as ``to``; none for an output without any event (nothing,
    or only lines a same-dialect conversion kept from between the input's events)."""
    parser = sseconv.SSEParser()
    if not parser.feed(out) + parser.close():
        return []
    return [str(p) for p in sseconv.validate([out], source=to)]


def check(data: bytes, to: str, source: str | None, mode: str) -> str:
    converter = sseconv.Converter(to, source=source, mode=mode, clock=clock)  # type: ignore[arg-type]
    try:
        out = converter.feed(data) + converter.close()
    except sseconv.SSEConvError as exc:
        found = output_problems(exc.output, to)
        assert all(p.startswith(UNFINISHED) for p in found), (found, exc.output, exc)
        return type(exc).__name__
    found = output_problems(out, to)
    if converter.report.finished:
        assert found == [], (found, out)
    else:
        assert all(p.startswith(UNFINISHED) for p in found), (found, out)
    return "ok"


@pytest.mark.parametrize("seed", range(4))
def test_mutated_fixtures_give_valid_output_or_our_error(seed: int) -> None:
    rng = random.Random(seed)
    for case in range(CASES):
        data = mutate(rng, rng.choice(FIXTURES))
        context = (seed, case, data)
        try:
            sseconv.detect(data)
            verdicts = {s: sseconv.validate([data], source=s) for s in SOURCES}
        except sseconv.SSEConvError:
            verdicts = {}
        for source in SOURCES:
            clean = source in verdicts and not any(p.severity == "error" for p in verdicts[source])
            for to in TARGETS:
                for mode in MODES:
                    try:
                        result = check(data, to, source, mode)
                    except AssertionError as exc:
                        raise AssertionError((context, to, source, mode)) from exc
                    except Exception as exc:  # a foreign exception: the bug this hunts
                        raise AssertionError((context, to, source, mode, repr(exc))) from exc
                    if clean and mode == "default":
                        assert result == "ok", (context, to, source, result)


FULL_TRUNCATION = os.environ.get("SSECONV_FUZZ_CASES") is not None


@pytest.mark.parametrize("fixture", range(len(FIXTURES)))
def test_truncation_at_every_offset(fixture: int) -> None:
    """Each fixture cut at every byte offset: one target × mode per offset, rotating (all of
    them when ``SSECONV_FUZZ_CASES`` is set). The output validates (only "did not finish" when
    cut), and a same-dialect output is a prefix of the input (a cut event is never written)."""
    data = FIXTURES[fixture]
    source = sseconv.detect(data)
    assert source is not None
    combos = [(to, mode) for to in TARGETS for mode in MODES]
    for end in range(len(data) + 1):
        cut = data[:end]
        chosen = combos if FULL_TRUNCATION else [combos[end % len(combos)]]
        for to, mode in chosen:
            context = (fixture, end, to, mode)
            try:
                check(cut, to, source.value, mode)
            except AssertionError as exc:
                raise AssertionError(context) from exc
            if to == source.value and mode != "strict":
                converter = sseconv.Converter(to, source=source, mode=mode)  # type: ignore[arg-type]
                try:
                    out = converter.feed(cut) + converter.close()
                except sseconv.SSEConvError as exc:  # (not a stream at all: a few bytes)
                    assert cut.startswith(exc.output), context
                    continue
                assert cut.startswith(out), context
                if converter.report.incomplete_block:
                    assert len(out) < len(cut), context
