"""Gateway benchmark: what ``sseconv serve`` adds to a stream, on loopback.

Three processes on this machine: a fake upstream (uvicorn serving paced Messages streams; each
text delta carries its sequence number and the ``CLOCK_MONOTONIC`` time it was sent), the
gateway (``python -m sseconv serve``, one worker unless ``--workers``), and this client
(httpx, asyncio). The monotonic clock is shared by all processes, so the client can tell how
long each event took from the upstream's ``send`` to the client's read.

Measured:

* **latency per event**: one paced stream at a time, direct (client -> upstream) and through
  the gateway: ``/v1/messages`` forwarded unchanged, and ``/v1/complete`` translated to the
  2023-06-01 (completions) and 2023-01-01 (legacy) dialects. p50 and p99 of the per-event
  latency, and what the gateway adds (its percentile minus the direct one).
* **CPU per event**: unpaced streams through the gateway; the gateway's CPU time (user + system,
  from ``/proc/<pid>/stat``) divided by the events it passed, next to the upstream's own CPU per
  event (uvicorn writing the same events) as the peer.
* **200 concurrent streams**: all open at once through the gateway (half forwarded, half
  translated to legacy), paced; every stream must end properly with every event, in order
  (``lost`` counts the missing ones), and the latency percentiles under that load.

Usage: ``python benchmarks/bench_serve.py [--quick] [--json] [--workers N]``. Bounded (every
request has a timeout, the whole run a deadline) and it stops its servers by itself. It prints
numbers and exits 0 unless a stream lost events or failed (exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _common import environment, format_table, json_safe

import sseconv

DESCRIPTION = "Gateway benchmark: added latency and CPU per event of `sseconv serve` on loopback."
DEADLINE = 600.0  # seconds for the whole run
READ_TIMEOUT = 30.0
_ANNOUNCE = re.compile(r"serving on (http://127\.0\.0\.1:\d+)")
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# -- the fake upstream (run with --serve-upstream in its own process) --------------------------


def _sse(payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload, separators=(",", ":"))
    return f"event: {payload['type']}\ndata: {data}\n\n".encode()


START = _sse(
    {
        "type": "message_start",
        "message": {
            "id": "msg_bench",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-6",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 1},
        },
    }
)
BLOCK = _sse(
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
)
PING = _sse({"type": "ping"})
END = (
    _sse({"type": "content_block_stop", "index": 0})
    + _sse(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 1},
        }
    )
    + _sse({"type": "message_stop"})
)


def _delta(seq: int) -> bytes:
    text = f" {seq}:{time.monotonic_ns()}"
    return _sse(
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}
    )


Message = MutableMapping[str, Any]


async def upstream_app(
    scope: Message,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """``POST …?events=N&interval=SECONDS``: a Messages stream of N text deltas."""
    if scope["type"] == "lifespan":
        while True:
            kind = (await receive())["type"]
            await send({"type": f"{kind}.complete"})
            if kind == "lifespan.shutdown":
                return
    while (await receive()).get("more_body"):
        pass
    query = dict(p.split("=", 1) for p in scope["query_string"].decode().split("&") if "=" in p)
    events, interval = int(query.get("events", "100")), float(query.get("interval", "0"))
    headers = [(b"content-type", b"text/event-stream; charset=utf-8")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})

    async def body(data: bytes) -> None:
        await send({"type": "http.response.body", "body": data, "more_body": True})

    await body(START + BLOCK)
    for seq in range(events):
        if interval:
            await asyncio.sleep(interval)
        if seq % 50 == 25:
            await body(PING)
        await body(_delta(seq))
    await body(END)
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def serve_upstream() -> None:
    from sseconv.serve import serving

    with serving(upstream_app, timeout_graceful_shutdown=1) as server:
        print(server.url, flush=True)
        sys.stdin.read()  # until the benchmark closes our stdin


# -- processes -------------------------------------------------------------------------------


@dataclass
class Process:
    popen: subprocess.Popen[str]
    url: str

    def memory(self, field: str = "VmRSS") -> float:
        """Resident memory in MiB (``VmRSS``; ``VmHWM``: the peak so far), NaN off Linux."""
        try:
            for line in Path(f"/proc/{self.popen.pid}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def cpu_seconds(self) -> float:
        """User + system CPU time so far (Linux ``/proc``; NaN elsewhere)."""
        try:
            fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / _TICKS


def _read_line(popen: subprocess.Popen[str], stream: Any, pattern: re.Pattern[str]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            raise RuntimeError(f"process exited ({popen.poll()}) before it announced its URL")
        match = pattern.search(line)
        if match:
            return match.group(1)
    raise RuntimeError("no URL announced within 60 s")


@contextmanager
def upstream_process() -> Iterator[Process]:
    popen = subprocess.Popen(
        [sys.executable, __file__, "--serve-upstream"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = _read_line(popen, popen.stdout, re.compile(r"(http://\S+)"))
        yield Process(popen, url)
    finally:
        _stop(popen, close_stdin=True)


@contextmanager
def gateway_process(upstream: str, workers: int) -> Iterator[Process]:
    popen = subprocess.Popen(
        [
            *(sys.executable, "-m", "sseconv", "serve", "--upstream", upstream, "--port", "0"),
            *("--workers", str(workers), "--log-level", "warning"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = _read_line(popen, popen.stderr, _ANNOUNCE)
        yield Process(popen, url)
    finally:
        _stop(popen)


def _stop(popen: subprocess.Popen[str], close_stdin: bool = False) -> None:
    if popen.poll() is None:
        if close_stdin and popen.stdin is not None:
            popen.stdin.close()
        else:
            popen.send_signal(signal.SIGINT)
        try:
            popen.wait(15)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()


# -- the client ------------------------------------------------------------------------------


ROUTES = {
    # name: (path, anthropic-version, dialect read)
    "direct": ("/v1/messages", "2023-06-01", "messages"),
    "forwarded": ("/v1/messages", "2023-06-01", "messages"),
    "completions": ("/v1/complete", "2023-06-01", "completions"),
    "legacy": ("/v1/complete", "2023-01-01", "legacy"),
}
MESSAGES_BODY = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}]}
COMPLETE_BODY = {
    "model": "claude-2.1",
    "prompt": "\n\nHuman: Hi\n\nAssistant:",
    "max_tokens_to_sample": 10,
}


@dataclass
class StreamResult:
    latencies: list[float] = field(default_factory=list)  # seconds, one per text event
    events: int = 0
    in_order: bool = True
    finished: bool = False
    error: str | None = None


async def read_stream(
    client: httpx.AsyncClient, base: str, route: str, events: int, interval: float
) -> StreamResult:
    path, version, dialect = ROUTES[route]
    body = MESSAGES_BODY if path == "/v1/messages" else COMPLETE_BODY
    url = f"{base}{path}?events={events}&interval={interval}"
    headers = {"x-api-key": "bench-key", "anthropic-version": version}
    reader = sseconv.EventReader(source=dialect)
    result = StreamResult()
    try:
        async with client.stream("POST", url, json={**body, "stream": True}, headers=headers) as r:
            if r.status_code != 200:
                detail = (await r.aread())[:300].decode("utf-8", "replace")
                result.error = f"HTTP {r.status_code}: {detail}"
                return result
            async for chunk in r.aiter_raw():
                now = time.monotonic_ns()
                for event in reader.feed(chunk):
                    _take(event, now, result)
        for event in reader.close():
            _take(event, time.monotonic_ns(), result)
        result.finished = reader.report.finished
    except (httpx.HTTPError, sseconv.SSEConvError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    return result


def _take(event: sseconv.ModelEvent, now: int, result: StreamResult) -> None:
    if not isinstance(event, sseconv.TextDelta):
        return
    for token in event.text.split():
        seq, _, sent = token.partition(":")
        if int(seq) != result.events:
            result.in_order = False
        result.events += 1
        result.latencies.append((now - int(sent)) / 1e9)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def latency_case(
    client: httpx.AsyncClient, base: str, route: str, streams: int, events: int, interval: float
) -> dict[str, Any]:
    latencies: list[float] = []
    failures = 0
    errors: set[str] = set()
    for _ in range(streams):
        result = await read_stream(client, base, route, events, interval)
        ok = result.error is None and result.finished and result.events == events
        failures += not (ok and result.in_order)
        errors.update([result.error] if result.error else [])
        latencies += result.latencies
    return {
        "route": route,
        "events": len(latencies),
        "failures": failures,
        "errors": sorted(errors)[:3],
        "p50_ms": percentile(latencies, 50) * 1e3,
        "p99_ms": percentile(latencies, 99) * 1e3,
    }


async def cpu_case(
    client: httpx.AsyncClient,
    gateway: Process,
    upstream: Process,
    route: str,
    streams: int,
    events: int,
) -> dict[str, Any]:
    gateway_before, upstream_before = gateway.cpu_seconds(), upstream.cpu_seconds()
    results = await asyncio.gather(
        *(read_stream(client, gateway.url, route, events, 0.0) for _ in range(streams))
    )
    gateway_cpu = gateway.cpu_seconds() - gateway_before
    upstream_cpu = upstream.cpu_seconds() - upstream_before
    passed = sum(r.events for r in results)
    return {
        "route": route,
        "events": passed,
        "failures": sum(r.error is not None or not r.finished for r in results),
        "errors": sorted({r.error for r in results if r.error})[:3],
        "gateway_us": gateway_cpu / passed * 1e6 if passed else float("nan"),
        "upstream_us": upstream_cpu / passed * 1e6 if passed else float("nan"),
    }


async def concurrent_case(
    client: httpx.AsyncClient,
    server: Process,
    streams: int,
    events: int,
    interval: float,
    direct: bool,
) -> dict[str, Any]:
    """``streams`` streams at once through ``server`` (the upstream itself when ``direct``);
    ``server_cpu`` is the share of one core that the server used meanwhile."""
    base = server.url
    if direct:
        routes = ["direct"] * streams
    else:
        routes = ["forwarded" if i % 2 == 0 else "legacy" for i in range(streams)]
    start = time.perf_counter()
    cpu_before = server.cpu_seconds()
    results = await asyncio.gather(
        *(read_stream(client, base, route, events, interval) for route in routes)
    )
    wall = time.perf_counter() - start
    cpu = server.cpu_seconds() - cpu_before
    complete = [
        r.error is None and r.finished and r.in_order and r.events == events for r in results
    ]
    latencies = [x for r in results for x in r.latencies]
    errors = sorted({r.error for r in results if r.error})
    return {
        "route": "direct" if direct else "gateway",
        "streams": streams,
        "completed": sum(complete),
        "events_expected": streams * events,
        "events_received": sum(r.events for r in results),
        "lost": streams * events - sum(r.events for r in results),
        "out_of_order": sum(not r.in_order for r in results),
        "wall_s": wall,
        "server_cpu": cpu / wall,
        "p50_ms": percentile(latencies, 50) * 1e3,
        "p99_ms": percentile(latencies, 99) * 1e3,
        "errors": errors[:3],
    }


@dataclass
class Settings:
    latency_streams: int
    latency_events: int
    interval: float
    cpu_streams: int
    cpu_events: int
    concurrent_streams: int
    concurrent_events: int
    concurrent_interval: float


FULL = Settings(5, 200, 0.002, 20, 1000, 200, 30, 0.1)
QUICK = Settings(2, 50, 0.002, 4, 200, 200, 5, 0.1)


async def run(settings: Settings, workers: int) -> dict[str, Any]:
    # keep-alive shorter than uvicorn's 5 s, so that no request races the server's close
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400, keepalive_expiry=4.0)
    timeout = httpx.Timeout(READ_TIMEOUT)
    out: dict[str, Any] = {"settings": asdict(settings), "workers": workers}
    with upstream_process() as upstream, gateway_process(upstream.url, workers) as gateway:
        async with httpx.AsyncClient(limits=limits, timeout=timeout, trust_env=False) as client:
            # warm up both servers (imports, first connections)
            await read_stream(client, gateway.url, "legacy", 10, 0.0)
            await read_stream(client, gateway.url, "forwarded", 10, 0.0)
            latency = []
            for route in ROUTES:
                base = upstream.url if route == "direct" else gateway.url
                latency.append(
                    await latency_case(
                        client,
                        base,
                        route,
                        settings.latency_streams,
                        settings.latency_events,
                        settings.interval,
                    )
                )
            out["latency"] = latency
            out["cpu"] = [
                await cpu_case(
                    client, gateway, upstream, route, settings.cpu_streams, settings.cpu_events
                )
                for route in ("forwarded", "completions", "legacy")
            ]
            out["memory_before_mib"] = gateway.memory()
            out["concurrent"] = [
                await concurrent_case(
                    client,
                    upstream if direct else gateway,
                    settings.concurrent_streams,
                    settings.concurrent_events,
                    settings.concurrent_interval,
                    direct,
                )
                for direct in (True, False)
            ]
            out["memory_peak_mib"] = gateway.memory("VmHWM")
    return out


def report(results: dict[str, Any]) -> str:
    s = results["settings"]
    direct = results["latency"][0]
    lines = [
        DESCRIPTION,
        "",
        f"Latency per event: {s['latency_streams']} streams of {s['latency_events']} events, "
        f"{s['interval'] * 1e3:g} ms apart, one at a time; added = through the gateway "
        "minus direct.",
        format_table(
            ["route", "events", "p50 ms", "p99 ms", "added p50 ms", "added p99 ms"],
            [
                [
                    row["route"],
                    str(row["events"]),
                    f"{row['p50_ms']:.3f}",
                    f"{row['p99_ms']:.3f}",
                    "" if row is direct else f"{row['p50_ms'] - direct['p50_ms']:+.3f}",
                    "" if row is direct else f"{row['p99_ms'] - direct['p99_ms']:+.3f}",
                ]
                for row in results["latency"]
            ],
            left=1,
        ),
        "",
        f"CPU per event: {s['cpu_streams']} concurrent unpaced streams of {s['cpu_events']} "
        f"events per route; the gateway ({results['workers']} worker(s)) and the upstream "
        "(uvicorn writing the same events) in the same run.",
        format_table(
            ["route", "events", "gateway us/event", "upstream us/event", "gateway/upstream"],
            [
                [
                    row["route"],
                    str(row["events"]),
                    f"{row['gateway_us']:.1f}",
                    f"{row['upstream_us']:.1f}",
                    f"{row['gateway_us'] / row['upstream_us']:.2f}x",
                ]
                for row in results["cpu"]
            ],
            left=1,
        ),
        "",
    ]
    rows = results["concurrent"]
    lines += [
        f"Concurrency: {s['concurrent_streams']} streams at once, {s['concurrent_events']} "
        f"events each, {s['concurrent_interval'] * 1e3:g} ms apart; through the gateway half "
        "are forwarded and half translated to legacy; direct is the same load on the upstream. "
        "Server CPU: the CPU time of the process the client talks to, per second of wall "
        "time (100% = one core).",
        format_table(
            [
                *("route", "completed", "events", "lost", "out of order", "wall s"),
                *("p50 ms", "p99 ms", "server CPU"),
            ],
            [
                [
                    c["route"],
                    f"{c['completed']}/{c['streams']}",
                    f"{c['events_received']}/{c['events_expected']}",
                    str(c["lost"]),
                    str(c["out_of_order"]),
                    f"{c['wall_s']:.2f}",
                    f"{c['p50_ms']:.2f}",
                    f"{c['p99_ms']:.2f}",
                    f"{c['server_cpu']:.0%}",
                ]
                for c in rows
            ],
            left=1,
        ),
    ]
    lines.append(
        f"Gateway memory: {results['memory_before_mib']:.1f} MiB resident before the "
        f"concurrency run, {results['memory_peak_mib']:.1f} MiB at its peak."
    )
    lines += [
        f"  errors ({row['route']}): {row['errors']}"
        for row in [*results["latency"], *results["cpu"], *rows]
        if row["errors"]
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true", help="small runs (a smoke test)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    parser.add_argument("--workers", type=int, default=1, help="gateway worker processes")
    parser.add_argument("--serve-upstream", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_upstream:
        serve_upstream()
        return 0
    settings = QUICK if args.quick else FULL
    results = asyncio.run(asyncio.wait_for(run(settings, args.workers), DEADLINE))
    results["environment"] = environment()
    if args.json:
        print(json.dumps(json_safe(results), indent=2))
    else:
        print(report(results))
    failed = any(c["completed"] != c["streams"] for c in results["concurrent"]) or any(
        row["failures"] for row in results["latency"] + results["cpu"]
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
