"""``sseconv serve`` as users run it: a subprocess on 127.0.0.1 (any free port), one worker or
several, stopped by SIGINT or SIGTERM; its log on stderr never holds an API key."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest
from fake_upstream import FakeUpstream, fake_upstream

KEY = "sk-ant-api03-CLI-SECRET-never-logged"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0
_ANNOUNCE = re.compile(r"^sseconv: serving on (http://127\.0\.0\.1:\d+), forwarding to (\S+)$")


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    lines: list[str] = field(default_factory=list)

    def stderr(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    with fake_upstream() as up:
        yield up


@contextmanager
def serve(*args: str, stop: signal.Signals = signal.SIGINT) -> Iterator[Served]:
    process = subprocess.Popen(
        [sys.executable, "-m", "sseconv", "serve", "--port", "0", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    served: Served | None = None
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while served is None:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            if line is None:
                raise AssertionError("sseconv serve exited:\n" + "\n".join(seen))
            seen.append(line)
            match = _ANNOUNCE.match(line)
            if match:
                served = Served(process, match.group(1), seen)
        _wait_healthy(served.url)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(stop)
        try:
            process.wait(STOP_TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        while (item := lines.get(timeout=5)) is not None:
            seen.append(item)


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(timeout=2, trust_env=False) as client:
        while True:
            try:
                if client.get(f"{url}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the gateway did not become healthy")
            time.sleep(0.05)


@pytest.mark.parametrize("level", ["info", "debug"])
def test_serve_forwards_and_stops_on_sigint(upstream: FakeUpstream, level: str) -> None:
    with (
        serve("--upstream", upstream.url, "--log-level", level) as served,
        httpx.Client(trust_env=False) as client,
    ):
        response = client.post(
            f"{served.url}/echo/cli?q=1", json={"a": 1}, headers={"x-api-key": KEY}
        )
        assert response.status_code == 200
        assert dict(response.json()["headers"])["x-api-key"] == KEY
    assert served.process.returncode == 0  # a graceful stop
    log = served.stderr()
    assert f"forwarding to {upstream.url}" in log
    assert "POST /echo/cli 200" in log
    assert "q=1" not in log  # no query strings in the log (httpx's own log stays off)
    assert "HTTP Request" not in log
    assert "CLI-SECRET" not in log


def test_serve_stops_on_sigterm(upstream: FakeUpstream) -> None:
    with (
        serve("--upstream", upstream.url, stop=signal.SIGTERM) as served,
        httpx.Client(trust_env=False) as client,
    ):
        assert client.get(f"{served.url}/healthz").status_code == 200
    assert served.process.returncode == 0


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_serve_with_workers(upstream: FakeUpstream, stop: signal.Signals) -> None:
    with serve("--upstream", upstream.url, "--workers", "2", stop=stop) as served:
        with httpx.Client(trust_env=False) as client:
            statuses = [
                client.get(f"{served.url}/echo/w{i}", headers={"x-api-key": KEY}).status_code
                for i in range(6)
            ]
        assert statuses == [200] * 6
    assert served.process.returncode == 0
    log = served.stderr()
    assert len(re.findall(r"GET /echo/w\d 200", log)) == 6  # each worker logs
    assert "CLI-SECRET" not in log


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--upstream", "ftp://api.example"], "expected an http:// or https:// upstream URL"),
        (["--upstream", "http://me:pw@api.example"], "without credentials"),
        (["--upstream", "http://api.example", "--workers", "0"], "at least 1 worker"),
        (["--upstream", "http://api.example", "--timeout", "0"], "timeout > 0"),
        (["--upstream", "http://api.example", "--model", "claude-2"], "--model OLD=NEW"),
        (["--upstream", "http://api.example", "--host", "192.0.2.1"], "cannot listen on"),
    ],
)
def test_serve_usage_errors(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sseconv", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "pw@" not in result.stderr


def test_serve_requires_upstream() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sseconv", "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--upstream" in result.stderr


def test_serve_help_lists_the_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sseconv", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    for option in ("--upstream", "--host", "--port", "--workers", "--max-body-size", "--timeout"):
        assert option in result.stdout


def test_shutdown_timeout_cuts_open_streams(upstream: FakeUpstream) -> None:
    """SIGTERM with a stream open: the stream gets --shutdown-timeout seconds, then it is cut
    (and its upstream request dropped), and the gateway exits."""
    upstream.disconnected.clear()
    with (
        serve("--upstream", upstream.url, "--shutdown-timeout", "1", stop=signal.SIGTERM) as served,
        httpx.Client(trust_env=False, timeout=10) as client,
        client.stream("GET", f"{served.url}/pings") as response,
    ):
        chunks = response.iter_raw()
        assert next(chunks).startswith(b"event: ping")
        served.process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        with pytest.raises(httpx.RemoteProtocolError):
            for _ in chunks:  # pings keep coming for the second of grace
                pass
        served.process.wait(STOP_TIMEOUT)
        waited = time.monotonic() - stopped
    assert served.process.returncode == 0
    assert 0.9 < waited < 10
    assert upstream.disconnected.wait(5)
