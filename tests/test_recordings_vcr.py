"""Converted cassettes replayed by the real tools: vcrpy playing them into real Anthropic clients.

* A Messages cassette (recorded by vcrpy 5.1 under httpx, the ``{status_code, content}`` form)
  converted to the 2023-06-01 dialect, played by vcrpy 5.1.0 into anthropic 0.3.11's
  ``completions.create(stream=True)``.
* The same conversation recorded by today's tools (vcrpy 6, ``body: {string}``) converted to the
  2023-01-01 dialect, played by vcrpy 5.1.0 (requests) into anthropic 0.2.10's
  ``completion_stream``.
* A 2023-06-01 completions cassette (recorded by anthropic 0.3.11 with vcrpy 5.1) converted to
  Messages, played by vcrpy 6.0.2 into anthropic 0.40.0's ``messages.stream()``.

vcrpy matches on method, URI and body (parsed JSON), so the converted request must be what the
new client sends. Expected texts and stop reasons come from the fixtures' own events, mapped by
the specification's table (``end_turn`` <-> ``stop_sequence`` with ``"\\n\\nHuman:"``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from compat import WheelsUnavailable, client_python

import sseconv
from sseconv import recordings
from sseconv.translate import RETIRED_MODELS

pytestmark = pytest.mark.compat

HERE = Path(__file__).resolve().parent
RECORDINGS = HERE / "fixtures" / "recordings"
SCRIPT = HERE / "compat" / "vcr_replay.py"
ENV_0_2_10 = "anthropic-0.2.10-vcrpy-5.1.0"
ENV_0_3_11 = "anthropic-0.3.11-vcrpy-5.1.0"
ENV_0_40 = "anthropic-0.40.0-vcrpy-6.0.2"


def _python(name: str) -> Path:
    try:
        return client_python(name)
    except WheelsUnavailable as exc:  # only where a pinned wheel does not exist for this Python
        version = ".".join(map(str, sys.version_info[:2]))
        pytest.skip(f"{name}: a pinned wheel does not exist for Python {version} ({exc})")


def _replay(env: str, kind: str, cassette: Path, request: dict[str, Any]) -> dict[str, Any]:
    python = _python(env)
    proc = subprocess.run(
        [str(python), "-I", str(SCRIPT), kind, str(cassette), json.dumps(request)],
        capture_output=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "NO_PROXY": "*", "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-3000:]
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 1, proc.stdout.decode()[-3000:]
    result: dict[str, Any] = json.loads(lines[0])
    return result


def _assert_no_match(result: dict[str, Any]) -> None:
    """vcrpy found no recorded request matching the client's (the client may wrap the error
    in its connection error)."""
    assert "error" in result, result
    assert "Can't overwrite existing cassette" in result["message"], result


def _text_and_stop(body: bytes) -> tuple[str, str | None]:
    events = list(sseconv.parse_events([body]))
    text = "".join(e.text for e in events if isinstance(e, sseconv.TextDelta))
    stops = [e for e in events if isinstance(e, sseconv.StreamStop)]
    return text, stops[-1].stop_reason


def test_messages_cassette_to_completions_replayed_by_vcrpy_5_into_anthropic_0_3_11(
    tmp_path: Path,
) -> None:
    source = RECORDINGS / "messages-vcrpy5-httpx.yaml"
    (stream,) = recordings.read(source).streams()
    text, stop = _text_and_stop(stream.body)
    assert stop == "end_turn"  # which the 2023-06-01 dialect says as stop_sequence
    out = tmp_path / "cassette.yaml"
    result = recordings.convert_file(source, "completions", output=out)
    assert [(s.index, s.request_translated) for s in result.streams] == [(0, True)]
    request = {
        "model": "claude-3-opus-latest",
        "max_tokens_to_sample": 1024,
        "prompt": "\n\nHuman: Hello, Claude\n\nAssistant:",
    }
    got = _replay(ENV_0_3_11, "completions", out, request)
    assert got.get("error") is None, got
    assert got["text"] == text
    assert got["stop_reason"] == "stop_sequence"
    assert got["model"] == "claude-3-opus-latest"
    assert got["played"] == 1
    # the unconverted cassette does not serve this client: its request does not match
    original = _replay(ENV_0_3_11, "completions", source, request)
    _assert_no_match(original)


def test_completions_cassette_to_messages_replayed_by_vcrpy_6_into_anthropic_0_40(
    tmp_path: Path,
) -> None:
    source = RECORDINGS / "completions-vcrpy5-httpx.yaml"
    (stream,) = recordings.read(source).streams()
    text, stop = _text_and_stop(stream.body)
    assert stop == "stop_sequence"  # with stop "\n\nHuman:": end_turn in Messages
    out = tmp_path / "cassette.yaml"
    recordings.convert_file(source, "messages", output=out)
    request = {
        "model": RETIRED_MODELS["claude-instant-1.2"],
        "max_tokens": 256,
        "messages": [{"role": "user", "content": "Hello, world"}],
    }
    got = _replay(ENV_0_40, "messages", out, request)
    assert got.get("error") is None, got
    assert got["text"] == text == " Hello, world!"
    assert got["stop_reason"] == "end_turn"
    assert got["stop_sequence"] is None
    assert got["id"] == "compl_01Vtux5THXXB3eXhFSA5eTY6"
    assert got["played"] == 1
    original = _replay(ENV_0_40, "messages", source, request)
    _assert_no_match(original)


def test_messages_cassette_to_legacy_replayed_by_vcrpy_5_into_anthropic_0_2_10(
    tmp_path: Path,
) -> None:
    source = RECORDINGS / "messages-vcrpy.yaml"
    (stream,) = recordings.read(source).streams()
    text, stop = _text_and_stop(stream.body)
    assert stop == "end_turn"
    out = tmp_path / "cassette.yaml"
    recordings.convert_file(source, "legacy", output=out)
    request = {
        "prompt": "\n\nHuman: Hello, Claude\n\nAssistant:",
        "model": "claude-3-opus-latest",
        "max_tokens_to_sample": 1024,
    }
    got = _replay(ENV_0_2_10, "legacy", out, request)
    assert got.get("error") is None, got
    assert got["text"] == text
    assert (got["stop_reason"], got["stop"]) == ("stop_sequence", "\n\nHuman:")
    assert got["played"] == 1
    _assert_no_match(_replay(ENV_0_2_10, "legacy", source, request))
