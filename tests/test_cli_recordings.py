"""``sseconv convert/detect/text/validate/replay`` on cassettes and HAR files: ``main(argv)``
in-process (see ``cli_run``), and as a process for the replay server and a pipe given as a
path. Expected output is built from the fixtures' own content."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml
from cli_run import ROOT, SSECONV, run, shell, stderr_lines
from streams import read_fixture

import sseconv
from sseconv import recordings

RECORDINGS = ROOT / "tests" / "fixtures" / "recordings"
MESSAGES_TEXT = "".join(
    e.text
    for e in sseconv.parse_events([read_fixture("messages-text-capture.sse")])
    if isinstance(e, sseconv.TextDelta)
)


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copyfile(RECORDINGS / name, target)
    return target


def test_convert_to_output_file(tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    result = run("convert", "--to", "legacy", RECORDINGS / "messages-vcrpy.yaml", "-o", out)
    assert result.returncode == 0, result.stderr
    name = RECORDINGS / "messages-vcrpy.yaml"
    assert stderr_lines(result) == [
        f"sseconv: {name}#1: warning: dropped usage input_tokens=11, output_tokens=6 "
        "(no place in legacy)",
        f"sseconv: {name}: converted 1 stream to legacy (1 request translated), "
        "1 other interaction unchanged",
    ]
    assert result.stdout == b""
    (stream,) = recordings.read(out).streams()
    assert stream.index == 1 and stream.uri == "https://api.anthropic.com/v1/complete"
    assert sseconv.detect(stream.body) is sseconv.Dialect.LEGACY
    assert list(sseconv.legacy_completions(stream.body))[-1]["completion"] == MESSAGES_TEXT


def test_convert_to_stdout_keeps_gzip(tmp_path: Path) -> None:
    result = run("convert", "--to", "completions", RECORDINGS / "messages-langchain.yaml.gz")
    assert result.returncode == 0, result.stderr
    assert result.stdout[:2] == b"\x1f\x8b"
    (stream,) = recordings.loads(result.stdout).streams()
    assert sseconv.detect(stream.body) is sseconv.Dialect.COMPLETIONS


def test_convert_in_place_several(tmp_path: Path) -> None:
    paths = [copy("mixed.har", tmp_path), copy("completions-literal-block.yaml", tmp_path)]
    result = run("convert", "--to", "messages", "--in-place", *paths)
    assert result.returncode == 0, result.stderr
    lines = stderr_lines(result)
    assert lines[0] == (
        f"sseconv: {paths[0]}: converted 2 streams to messages (1 request translated), "
        "1 other interaction unchanged"
    )
    assert lines[1].startswith(f"sseconv: {paths[1]}: converted 1 stream")
    for path in paths:
        for stream in recordings.read(path).streams():
            assert sseconv.detect(stream.body) is sseconv.Dialect.MESSAGES
            assert stream.uri.endswith("/v1/messages")


def test_a_failure_names_the_interaction_and_writes_nothing(tmp_path: Path) -> None:
    document = yaml.safe_load((RECORDINGS / "messages-vcrpy.yaml").read_text())
    body = document["interactions"][1]["response"]["body"]
    body["string"] = body["string"].replace('"text_delta","text":"Hello"', '"text_delta","text":')
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(document))
    before = path.read_bytes()
    result = run("convert", "--to", "legacy", "--in-place", path)
    assert result.returncode == 1
    lines = stderr_lines(result)
    assert lines[0].startswith(
        f"sseconv: {path}: interaction 1 (POST https://api.anthropic.com/v1/messages): event 4, "
        "byte "
    )
    assert "expected" in lines[0]
    assert lines[1] == (
        f"sseconv: {path}: nothing written: 1 of 1 stream(s) did not convert "
        "(--lenient leaves them as they are)"
    )
    assert path.read_bytes() == before
    lenient = run("convert", "--to", "legacy", "--lenient", "--in-place", path)
    assert lenient.returncode == 0, lenient.stderr
    assert any("warning: malformed events: 1" in line for line in stderr_lines(lenient))
    assert path.read_bytes() != before


def test_usage_errors() -> None:
    two = run("convert", "--to", "legacy", RECORDINGS / "mixed.har", RECORDINGS / "mixed.har")
    assert two.returncode == 2
    assert "is converted on its own (give one input, or --in-place)" in two.stderr.decode()
    sse = ROOT / "examples" / "legacy.sse"
    in_place = run("convert", "--to", "completions", "--in-place", sse)
    assert in_place.returncode == 2
    assert stderr_lines(in_place) == [
        f"sseconv: {sse}: --in-place converts cassettes and HAR files only"
    ]


def test_bad_container_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "unsafe.yaml"
    path.write_text("interactions:\n- !!python/object/apply:os.system ['echo hi']\n")
    for command in (["convert", "--to", "legacy"], ["detect"], ["text"]):
        result = run(*command, path)
        assert result.returncode == 1
        (line,) = stderr_lines(result)
        assert line.startswith(f"sseconv: {path}: expected YAML, found: could not determine")
    result = run("validate", path)
    assert result.returncode == 1
    assert result.stdout.decode().startswith(f"{path}: expected YAML")


def test_detect_text_validate_one_line_per_stream() -> None:
    har = RECORDINGS / "mixed.har"
    detect = run("detect", har)
    assert detect.returncode == 0
    assert detect.stdout.decode() == f"{har}#1: messages\n{har}#2: completions\n"
    text = run("text", har)
    assert text.returncode == 0
    assert text.stdout.decode().splitlines() == [
        f"{har}#1: {json.dumps(MESSAGES_TEXT)}",
        f'{har}#2: " Hello, world!"',
    ]
    validate = run(
        "validate", har, RECORDINGS / "legacy-ruby-vcr.yml", ROOT / "examples" / "legacy.sse"
    )
    assert validate.returncode == 0
    assert validate.stdout.decode().splitlines() == [
        f"{har}#1: ok (messages, 9 events)",
        f"{har}#2: ok (completions, 5 events)",
        f"{RECORDINGS / 'legacy-ruby-vcr.yml'}#0: ok (legacy, 6 events)",
        f"{ROOT / 'examples' / 'legacy.sse'}: ok (legacy, 6 events)",
    ]


def test_validate_reports_problems_of_a_stream_in_a_har(tmp_path: Path) -> None:
    document = json.loads((RECORDINGS / "mixed.har").read_text())
    content = document["log"]["entries"][1]["response"]["content"]
    cut = content["text"].index("event: message_stop")
    content["text"] = content["text"][:cut]
    path = tmp_path / "bad.har"
    path.write_text(json.dumps(document))
    result = run("validate", path)
    assert result.returncode == 1
    assert result.stdout.decode().splitlines() == [
        f"{path}#1: event 9, byte {cut}: expected the stream to finish, found the end of input",
        f"{path}#1: 1 problem (messages, 8 events)",
        f"{path}#2: ok (completions, 5 events)",
    ]


# -- replay ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_replay_command_serves_a_converted_stream_to_a_client() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sseconv",
            "replay",
            str(RECORDINGS / "messages-vcrpy.yaml"),
            "--to",
            "legacy",
            "--delay",
            "0.05",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/v1/complete"
        deadline = time.monotonic() + 20
        while True:
            try:
                with httpx.Client(timeout=10) as client:
                    body = client.post(url, json={}).content
                break
            except httpx.ConnectError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
                assert time.monotonic() < deadline, "replay did not start"
                time.sleep(0.1)
        completions = list(sseconv.legacy_completions(body))
        assert completions[-1]["completion"] == MESSAGES_TEXT
        assert body.endswith(b"data: [DONE]\n\n")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, stderr = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, stderr = proc.communicate()
    lines = stderr.decode().splitlines()
    assert lines[0] == (
        f"sseconv: {RECORDINGS / 'messages-vcrpy.yaml'}#1: messages as legacy, 9 events, "
        "0.05 s between events"
    )
    assert lines[1] == f"sseconv: replaying on http://127.0.0.1:{port}/ (Ctrl-C stops)"


def test_replay_usage_errors() -> None:
    result = run("replay", RECORDINGS / "messages-vcrpy.yaml", "--real-time")
    assert result.returncode == 2
    assert stderr_lines(result) == [
        f"sseconv: {RECORDINGS / 'messages-vcrpy.yaml'}#1: the recording does not say how "
        "long the response took (only HAR files do); give --delay instead"
    ]
    result = run("replay", RECORDINGS / "mixed.har", "--index", "0")
    assert result.returncode == 2
    assert "interaction 0 is not a text/event-stream response" in result.stderr.decode()
    assert os.path.exists(RECORDINGS / "mixed.har")


def test_model_option_names_the_model_of_translated_requests(tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    source = RECORDINGS / "completions-vcrpy5-httpx.yaml"
    result = run(
        "convert", "--to", "messages", "--model", "claude-instant-1.2=my-model", source, "-o", out
    )
    assert result.returncode == 0, result.stderr
    body = yaml.safe_load(out.read_text())["interactions"][0]["request"]["body"]
    assert json.loads(body)["model"] == "my-model"
    bad = run("convert", "--to", "messages", "--model", "nothing", source)
    assert bad.returncode == 2
    assert stderr_lines(bad) == ["sseconv: expected --model OLD=NEW, found 'nothing'"]


def test_a_pipe_is_read_as_a_stream_even_if_it_holds_a_cassette() -> None:
    sse = ROOT / "examples" / "legacy.sse"
    result = shell(f'{SSECONV} detect <(cat "{sse}")')
    assert (result.returncode, result.stdout) == (0, b"legacy\n")
    cassette = RECORDINGS / "mixed.har"
    result = shell(f'{SSECONV} detect <(cat "{cassette}")')
    assert result.returncode == 1  # read as a stream (which it is not): no "#N" lines
    assert b"not a server-sent event stream" in result.stderr
    assert result.stdout == b""
