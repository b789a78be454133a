"""The README's examples are executed: its shell sessions and its Python blocks.

* Every fenced ``console`` block whose commands (lines starting with ``$ ``) all start with
  ``$ sseconv `` is a session: each command runs in bash (cwd = the repository root, the
  virtualenv's ``bin`` first on ``PATH``), and its output (stdout and stderr together) must equal
  the lines that follow it, up to the next command or the end of the block, exactly.
  Blocks with other commands (``pip install``, ``curl``) are not run.
* Every fenced ``python`` block is executed in a fresh namespace, with the repository root as
  the current directory.

A block right after the line ``<!-- readme-test: skip -->`` is not run (for examples that need
the network or an API key). Python blocks run with ``ANTHROPIC_BASE_URL`` pointing at a server
on 127.0.0.1 that answers every POST with a recorded Messages stream, so that examples of live
HTTP use run for real (without ``ANTHROPIC_BASE_URL`` they would talk to the real API).
"""

from __future__ import annotations

import http.server
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SKIP_MARK = "<!-- readme-test: skip -->"
_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")


@dataclass(frozen=True)
class Block:
    language: str
    line: int  # 1-based line number of the opening fence
    lines: tuple[str, ...]
    skip: bool

    @property
    def id(self) -> str:
        return f"README.md:{self.line}"


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text."""
    out: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        fence, language = match.group(1), match.group(2).lower()
        before = next((ln.strip() for ln in reversed(lines[:i]) if ln.strip()), "")
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        out.append(Block(language, start + 1, tuple(body), before == SKIP_MARK))
        i += 1
    return out


def session(block: Block) -> list[tuple[str, str]] | None:
    """The (command, expected output) pairs of a console block, or ``None`` if it is not an
    sseconv session."""
    commands: list[tuple[str, list[str]]] = []
    for line in block.lines:
        if line.startswith("$ "):
            if not line.startswith("$ sseconv "):
                return None
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
    if not commands:
        return None
    return [(cmd, "".join(f"{ln}\n" for ln in out)) for cmd, out in commands]


def _params(language: str) -> list[object]:
    if not README.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason="no README.md yet"))]
    found = [b for b in blocks(README.read_text(encoding="utf-8")) if b.language == language]
    if language == "console":
        found = [b for b in found if session(b) is not None]
    if not found:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no {language} examples"))]
    return [
        pytest.param(b, id=b.id, marks=[pytest.mark.skip(reason=SKIP_MARK)] if b.skip else [])
        for b in found
    ]


@pytest.mark.parametrize("block", _params("console"))
def test_console_session(block: Block) -> None:
    commands = session(block)
    assert commands is not None
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("COLUMNS", None)
    for command, expected in commands:
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=60,
            check=False,
        )
        assert result.stdout.decode("utf-8", "replace") == expected, f"$ {command}"


class _Recording(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = (ROOT / "tests" / "fixtures" / "messages-text-capture.sse").read_bytes()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


@pytest.fixture(scope="module")
def loopback_api() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recording)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.mark.parametrize("block", _params("python"))
def test_python_block(block: Block, monkeypatch: pytest.MonkeyPatch, loopback_api: str) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", loopback_api)
    code = compile("\n".join(block.lines) + "\n", block.id, "exec")
    exec(code, {"__name__": "__readme__"})


def test_parser_finds_sessions_and_blocks() -> None:
    text = "\n".join(
        [
            "Intro",
            "```console",
            "$ sseconv detect examples/legacy.sse",
            "legacy",
            "$ sseconv text examples/legacy.sse | cat",
            " Hello",
            "",
            "```",
            "```console",
            "$ pip install sseconv",
            "```",
            SKIP_MARK,
            "",
            "```python",
            "import sseconv",
            "```",
        ]
    )
    found = blocks(text)
    assert [(b.language, b.line, b.skip) for b in found] == [
        ("console", 2, False),
        ("console", 9, False),
        ("python", 14, True),
    ]
    assert session(found[0]) == [
        ("sseconv detect examples/legacy.sse", "legacy\n"),
        ("sseconv text examples/legacy.sse | cat", " Hello\n\n"),
    ]
    assert session(found[1]) is None
