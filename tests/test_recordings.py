"""Recordings: cassettes (vcrpy, Ruby VCR, LangChain's .yaml.gz) and HAR files.

The fixtures under ``fixtures/recordings`` hold the captured streams of ``fixtures/*.sse`` in
each body form found in the wild; what the tests expect comes from those ``.sse`` files and the
fixtures' own fields, never from the code under test.
"""

from __future__ import annotations

import base64
import copy
import datetime
import gzip
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from streams import read_fixture

import sseconv
from sseconv import _recording_files, recordings
from sseconv.recordings import MAX_DEPTH, RecordingError, RecordingFileError
from sseconv.translate import RETIRED_MODELS

RECORDINGS = Path(__file__).resolve().parent / "fixtures" / "recordings"


@pytest.fixture(autouse=True, params=["libyaml", "pure-python"])
def yaml_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs on PyYAML's libyaml classes and on its pure-Python ones (the fallback
    where PyYAML was built without libyaml; there both runs take that one)."""
    if request.param == "pure-python":
        monkeypatch.setattr(_recording_files, "USE_LIBYAML", False)
    return str(request.param)


MESSAGES = read_fixture("messages-text-capture.sse")
COMPLETIONS = read_fixture("completions-2023-06-01-capture.sse")
LEGACY = read_fixture("legacy-2023-01-01-reconstructed.sse")

# file -> (kind, syntax, gzipped, [(interaction index, the .sse it holds, its dialect)])
FIXTURES: dict[str, tuple[str, str, bool, list[tuple[int, bytes, str]]]] = {
    "messages-vcrpy.yaml": ("vcr", "yaml", False, [(1, MESSAGES, "messages")]),
    "messages-gzip-binary.yaml": ("vcr", "yaml", False, [(0, MESSAGES, "messages")]),
    "messages-langchain.yaml.gz": ("vcr", "yaml", True, [(0, MESSAGES, "messages")]),
    "messages-vcrpy5-httpx.yaml": ("vcr", "yaml", False, [(0, MESSAGES, "messages")]),
    "completions-literal-block.yaml": ("vcr", "yaml", False, [(0, COMPLETIONS, "completions")]),
    "completions-vcrpy5-httpx.yaml": ("vcr", "yaml", False, [(0, COMPLETIONS, "completions")]),
    "legacy-ruby-vcr.yml": ("vcr-ruby", "yaml", False, [(0, LEGACY, "legacy")]),
    "mixed.har": (
        "har",
        "json",
        False,
        [(1, MESSAGES, "messages"), (2, COMPLETIONS, "completions")],
    ),
}
DIALECTS = ("legacy", "completions", "messages")


def _read(name: str) -> recordings.Recording:
    return recordings.read(RECORDINGS / name)


def _interactions(recording: recordings.Recording) -> list[Any]:
    """The interactions of a parsed recording, whatever its layout, for comparisons."""
    doc = recording.document
    if recording.kind == "har":
        return list(doc["log"]["entries"])
    if "requests" in doc:
        return list(zip(doc["requests"], doc["responses"], strict=True))
    return list(doc.get("interactions") or doc["http_interactions"])


def _story(body: bytes) -> tuple[str, str | None, str | None]:
    """What a stream says: its text, stop reason (in the source's words) and whether it ended."""
    events = list(sseconv.parse_events([body]))
    text = "".join(e.text for e in events if isinstance(e, sseconv.TextDelta))
    stops = [e for e in events if isinstance(e, sseconv.StreamStop)]
    return (
        text,
        stops[-1].stop_reason if stops else None,
        stops[-1].stop_sequence if stops else None,
    )


# the specification's stop-reason table, as (source reason, stop) -> Messages reason
def _as_messages(story: tuple[str, str | None, str | None]) -> tuple[str, str | None]:
    text, reason, stop = story
    if reason == "stop_sequence" and stop in ("\n\nHuman:", None):
        return text, "end_turn"
    return text, reason


# -- reading -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_every_body_form_is_read(name: str) -> None:
    kind, syntax, gzipped, expected = FIXTURES[name]
    recording = _read(name)
    assert (recording.kind, recording.syntax, recording.gzipped) == (kind, syntax, gzipped)
    found = recording.streams()
    assert [(s.index, s.body) for s in found] == [(i, body) for i, body, _ in expected]
    assert [sseconv.detect(s.body) for s in found] == [
        sseconv.Dialect.parse(d) for _, _, d in expected
    ]


def test_gzip_binary_body_is_stored_compressed() -> None:
    raw = yaml.safe_load((RECORDINGS / "messages-gzip-binary.yaml").read_text())
    stored = raw["interactions"][0]["response"]["body"]["string"]
    assert isinstance(stored, bytes) and stored[:2] == b"\x1f\x8b"
    (stream,) = _read("messages-gzip-binary.yaml").streams()
    assert stream.content_encoding == "gzip"
    assert stream.body == gzip.decompress(stored) == MESSAGES


def test_sniff_tells_containers_from_streams() -> None:
    assert recordings.sniff(b"\x1f\x8b\x08") == "gzip"
    assert recordings.sniff(b'\n  {"log": {}}') == "json"
    assert recordings.sniff(b"interactions:\n- request:") == "yaml"
    assert recordings.sniff(b"# a comment\n---\nhttp_interactions: []") == "yaml"
    assert recordings.sniff(b"\xef\xbb\xbf- request:\n    uri: x\n  response: {}") == "yaml"
    for name in ("legacy-2023-01-01-reconstructed.sse", "messages-text-capture.sse"):
        assert recordings.sniff(read_fixture(name)) is None
    assert recordings.sniff(b": a comment\nevent: ping\ndata: {}\n\n") is None
    # JSON that is no recording (an API error answer saved to a file) is read as a stream
    assert recordings.sniff(b'{"type":"error","error":{"type":"overloaded_error"}}') is None
    assert recordings.sniff(b'{"interactions": [], "version": 1}') == "json"
    # YAML comments and blank lines before the first key; a head that ends inside a comment
    assert recordings.sniff(b"  # one\r\n\n# two\n  \n{ interactions: []}") == "yaml"
    assert recordings.sniff(b"# vcr\n" * 1000 + b'{"log": {}}') == "json"
    assert recordings.sniff(b"# a comment without its end") is None
    assert recordings.sniff(b"# comment\n#interactions: []\n") is None
    # whitespace runs are read in linear time (a quadratic regex would not finish here)
    assert recordings.sniff(b" \n" * 200_000 + b"event: x") is None


# -- converting --------------------------------------------------------------------------------

CASES = [
    (name, target)
    for name in sorted(FIXTURES)
    for target in DIALECTS
    if target not in {d for _, _, d in FIXTURES[name][3]}
]


@pytest.mark.parametrize(("name", "target"), CASES)
def test_convert_and_back_tells_the_same_story(name: str, target: str) -> None:
    recording = _read(name)
    kind, _, _, expected = FIXTURES[name]
    there = recordings.convert_document(recording.document, target, models={})
    assert [s.index for s in there.streams] == [i for i, _, _ in expected]
    assert all(s.converted and s.report is not None and s.report.finished for s in there.streams)
    # written and read back in the same syntax and compression
    written = recordings.Recording(there.document, kind, recording.syntax, recording.gzipped)
    reread = recordings.loads(written.dumps())
    assert reread.gzipped == recording.gzipped and reread.syntax == recording.syntax
    converted = reread.streams()
    for stream, (_, body, _) in zip(converted, expected, strict=True):
        assert sseconv.detect(stream.body) is sseconv.Dialect.parse(target)
        assert _as_messages(_story(stream.body)) == _as_messages(_story(body))
    # and back: each stream in its own dialect again, each request as it was
    for index, body, dialect in expected:
        back = recordings.convert_document(reread.document, dialect, models={})
        (result,) = [s for s in back.streams if s.index == index]
        assert result.converted
        (again,) = [s for s in recordings.streams(back.document) if s.index == index]
        assert _story(again.body) == _story(body) or (
            dialect == "messages" and _as_messages(_story(again.body)) == _as_messages(_story(body))
        )
        before = _request_of(recording, index)
        after = _request_of(recordings.Recording(back.document, kind, "yaml"), index)
        assert after == before


def _request_of(recording: recordings.Recording, index: int) -> tuple[str, Any, str | None]:
    """(URI, parsed JSON body, anthropic-version) of interaction ``index``."""
    item = _interactions(recording)[index]
    if recording.kind == "har":
        request = item["request"]
        versions = [
            h["value"] for h in request["headers"] if h["name"].lower() == "anthropic-version"
        ]
        return request["url"], json.loads(request["postData"]["text"]), versions[0]
    request = item[0] if isinstance(item, tuple) else item["request"]
    body = request["body"]
    if isinstance(body, dict):
        parsed = body["parsed_body"] if "parsed_body" in body else json.loads(body["string"])
    else:
        parsed = json.loads(body)
    version = next(
        (v[0] if isinstance(v, list) else v)
        for k, v in request["headers"].items()
        if k.lower() == "anthropic-version"
    )
    return request["uri"], parsed, version


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_other_interactions_stay_identical(name: str) -> None:
    recording = _read(name)
    streamed = {i for i, _, _ in FIXTURES[name][3]}
    original = copy.deepcopy(recording.document)
    for target in DIALECTS:
        result = recordings.convert_document(recording.document, target)
        written = recordings.Recording(result.document, recording.kind, recording.syntax)
        reread = recordings.loads(written.dumps())
        before, after = _interactions(recording), _interactions(reread)
        assert len(before) == len(after)
        for i, (old, new) in enumerate(zip(before, after, strict=True)):
            if i not in streamed:
                assert new == old, f"interaction {i} changed"
        # everything but the interactions too (version, recorded_with, log.creator, ...)
        if recording.kind == "har":
            assert {k: v for k, v in reread.document["log"].items() if k != "entries"} == {
                k: v for k, v in original["log"].items() if k != "entries"
            }
        elif isinstance(original, dict):
            keys = {"interactions", "http_interactions", "requests", "responses"}
            assert {k: v for k, v in reread.document.items() if k not in keys} == {
                k: v for k, v in original.items() if k not in keys
            }
    assert recording.document == original  # the input document is not changed


def test_recorded_fields_and_headers_are_kept_and_content_length_recomputed() -> None:
    recording = _read("legacy-ruby-vcr.yml")
    result = recordings.convert_document(recording.document, "completions")
    old = recording.document["http_interactions"][0]
    new = result.document["http_interactions"][0]
    assert new["recorded_at"] == old["recorded_at"] == "Fri, 28 Apr 2023 21:18:32 GMT"
    assert new["response"]["status"] == {"code": 200, "message": "OK"}
    body = new["response"]["body"]["string"].encode()
    assert new["response"]["headers"]["Content-Length"] == [str(len(body))]
    assert int(old["response"]["headers"]["Content-Length"][0]) == len(LEGACY)
    for header in ("Date", "Content-Type", "Connection"):
        assert new["response"]["headers"][header] == old["response"]["headers"][header]
    assert new["response"]["body"]["encoding"] == "UTF-8"
    assert new["request"]["headers"]["Anthropic-Version"] == ["2023-06-01"]
    assert new["request"]["headers"]["X-Api-Key"] == old["request"]["headers"]["X-Api-Key"]
    assert new["request"]["body"] == old["request"]["body"]  # same endpoint: same body
    assert result.document["recorded_with"] == "VCR 6.1.0"


def test_gzip_binary_body_is_converted_and_compressed_again() -> None:
    recording = _read("messages-gzip-binary.yaml")
    result = recordings.convert_document(recording.document, "legacy")
    response = result.document["interactions"][0]["response"]
    stored = response["body"]["string"]
    assert isinstance(stored, bytes)
    assert response["headers"]["Content-Encoding"] == ["gzip"]
    assert response["headers"]["Content-Length"] == [str(len(stored))]
    body = gzip.decompress(stored)
    assert body.endswith(b"data: [DONE]\n\n")
    assert _as_messages(_story(body)) == _as_messages(_story(MESSAGES))
    text = recordings.Recording(result.document, "vcr", "yaml").dumps().decode()
    assert "string: !!binary |" in text


def test_yaml_styles_of_converted_bodies_are_kept() -> None:
    literal = _read("completions-literal-block.yaml")
    out = recordings.Recording(
        recordings.convert_document(literal.document, "legacy").document, "vcr", "yaml"
    ).dumps()
    assert b"      string: |+\n        data: {" in out
    ruby = _read("legacy-ruby-vcr.yml")
    out = recordings.Recording(
        recordings.convert_document(ruby.document, "completions").document,
        "vcr-ruby",
        "yaml",
        explicit_start=True,
    ).dumps()
    assert out.startswith(b"---\n")
    assert b'      string: "event: completion\\ndata: {\\"type\\":\\"completion\\"' in out


def test_vcrpy5_httpx_content_form_stays_text() -> None:
    recording = _read("messages-vcrpy5-httpx.yaml")
    result = recordings.convert_document(recording.document, "completions")
    response = result.document["interactions"][0]["response"]
    assert set(response) == {"content", "headers", "http_version", "status_code"}
    assert isinstance(response["content"], str)
    assert response["content"].startswith(
        'event: ping\ndata: {"type": "ping"}\n\nevent: completion\n'
    )


def test_parsed_body_request_is_translated_in_its_form() -> None:
    recording = _read("completions-literal-block.yaml")
    result = recordings.convert_document(recording.document, "messages")
    request = result.document["interactions"][0]["request"]
    assert request["uri"] == "https://api.anthropic.com/v1/messages"
    body = request["body"]["parsed_body"]
    assert body["messages"] == [{"role": "user", "content": "Hello, world"}]
    assert body["max_tokens"] == 256 and body["stream"] is True
    assert body["model"] == RETIRED_MODELS["claude-instant-1.2"]
    assert request["headers"]["anthropic-version"] == ["2023-06-01"]
    custom = recordings.convert_document(recording.document, "messages", models={})
    assert custom.document["interactions"][0]["request"]["body"]["parsed_body"]["model"] == (
        "claude-instant-1.2"
    )


def test_string_request_body_keeps_its_json_spacing() -> None:
    recording = _read("messages-vcrpy.yaml")  # compact JSON, as today's SDK sends it
    result = recordings.convert_document(recording.document, "legacy")
    request = result.document["interactions"][1]["request"]
    assert request["uri"] == "https://api.anthropic.com/v1/complete"
    assert request["headers"]["anthropic-version"] == ["2023-01-01"]
    body = request["body"]
    assert json.loads(body) == {
        "model": "claude-3-opus-latest",
        "prompt": "\n\nHuman: Hello, Claude\n\nAssistant:",
        "max_tokens_to_sample": 1024,
        "stream": True,
    }
    assert ", " not in body.replace("Hello, Claude", "")  # compact, like the original
    assert request["headers"]["content-length"] == [str(len(body.encode()))]


def test_har_sizes_encodings_and_requests() -> None:
    recording = _read("mixed.har")
    result = recordings.convert_document(recording.document, "legacy")
    entries = result.document["log"]["entries"]
    old = recording.document["log"]["entries"]
    # entry 1: text content
    content = entries[1]["response"]["content"]
    body = content["text"].encode()
    assert "encoding" not in content
    assert content["size"] == entries[1]["response"]["bodySize"] == len(body)
    assert content["compression"] == 0
    assert entries[1]["request"]["url"] == "https://api.anthropic.com/v1/complete"
    # headersSize follows the request line and the content-length value
    new_request, old_request = entries[1]["request"], old[1]["request"]
    grown = len(new_request["url"]) - len(old_request["url"])
    grown += len(str(len(new_request["postData"]["text"]))) - len(
        str(len(old_request["postData"]["text"]))
    )
    assert new_request["headersSize"] == old_request["headersSize"] + grown
    assert entries[1]["request"]["bodySize"] == len(entries[1]["request"]["postData"]["text"])
    assert entries[1]["timings"] == old[1]["timings"]
    # entry 2: base64 content stays base64; unknown sizes (-1) stay unknown
    content = entries[2]["response"]["content"]
    assert content["encoding"] == "base64"
    body = base64.b64decode(content["text"])
    assert body.endswith(b"data: [DONE]\n\n") and content["size"] == len(body)
    assert entries[2]["response"]["bodySize"] == -1
    assert entries[2]["request"]["url"] == old[2]["request"]["url"]  # same endpoint
    versions = [h for h in entries[2]["request"]["headers"] if h["name"] == "anthropic-version"]
    assert versions == [{"name": "anthropic-version", "value": "2023-01-01"}]


def test_legacy_pings_get_the_recorded_date() -> None:
    recording = _read("completions-vcrpy5-httpx.yaml")  # date: Mon, 28 Aug 2023 14:02:11 GMT
    first = recordings.convert_document(recording.document, "legacy")
    second = recordings.convert_document(recording.document, "legacy")
    body = first.document["interactions"][0]["response"]["content"]
    assert "event: ping\ndata: 2023-08-28 14:02:11.000000\n" in body
    assert second.document == first.document


def test_every_option_of_the_converter_applies_and_is_checked_first() -> None:
    recording = _read("completions-vcrpy5-httpx.yaml")  # date: Mon, 28 Aug 2023 14:02:11 GMT
    with pytest.raises(sseconv.UsageError, match="unknown option 'mdoe'; did you mean 'mode'"):
        recordings.convert_document(recording.document, "legacy", mdoe="strict")  # type: ignore[call-arg]
    with pytest.raises(sseconv.UsageError, match="expected max_event_size a positive int"):
        recordings.convert_document("not a recording", "legacy", max_event_size=-1)
    when = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    result = recordings.convert_document(
        recording.document, "legacy", eol="\r\n", clock=lambda: when
    )
    body = result.document["interactions"][0]["response"]["content"]
    # the caller's clock wins over the recorded date
    assert "event: ping\r\ndata: 2030-01-02 03:04:05.000000\r\n\r\n" in body
    assert "\n\n" not in body.replace("\r\n", "")
    dropped = recordings.convert_document(recording.document, "legacy", pings="drop")
    assert "event: ping" not in dropped.document["interactions"][0]["response"]["content"]
    with pytest.raises(RecordingError) as info:
        recordings.convert_document(recording.document, "legacy", max_event_size=16)
    assert [type(f.error).__name__ for f in info.value.failures] == ["EventTooLargeError"]


def test_bad_arguments_are_usage_errors_before_anything_is_read() -> None:
    document = _read("messages-vcrpy.yaml").document
    for to, models in [(5, None), ("legacy", 5), ("completions", {"claude-2": 1})]:
        with pytest.raises(sseconv.UsageError, match=r"^expected "):
            recordings.convert_document(document, to, models=models)  # type: ignore[arg-type]
    with pytest.raises(sseconv.UsageError, match=r"found str \(encode it"):
        recordings.loads("interactions: []")  # type: ignore[arg-type]
    with pytest.raises(sseconv.UsageError, match="found int"):
        recordings.loads(5)  # type: ignore[arg-type]


# -- failures ----------------------------------------------------------------------------------


def _cassette(*bodies: str, content_type: str = "text/event-stream") -> dict[str, Any]:
    return {
        "interactions": [
            {
                "request": {
                    "body": json.dumps(
                        {
                            "model": "m",
                            "prompt": "\n\nHuman: hi\n\nAssistant:",
                            "max_tokens_to_sample": 5,
                        }
                    ),
                    "headers": {"anthropic-version": ["2023-06-01"]},
                    "method": "POST",
                    "uri": f"https://api.anthropic.com/v1/complete?n={i}",
                },
                "response": {
                    "body": {"string": body},
                    "headers": {"content-type": [content_type]},
                    "status": {"code": 200, "message": "OK"},
                },
            }
            for i, body in enumerate(bodies)
        ],
        "version": 1,
    }


GOOD = COMPLETIONS.decode()
BAD = (
    'event: completion\ndata: {"completion": " Hi", "stop_reason": null}\n\n'
    "event: completion\ndata: {oops\n\n"
)
CUT = GOOD[: GOOD.index("event: ping")]


def test_a_stream_that_does_not_convert_is_reported_with_index_and_uri() -> None:
    document = _cassette(GOOD, BAD, GOOD)
    with pytest.raises(RecordingError) as info:
        recordings.convert_document(document, "legacy")
    exc = info.value
    assert (exc.index, exc.uri) == (1, "https://api.anthropic.com/v1/complete?n=1")
    assert exc.message.startswith(
        "interaction 1 (POST https://api.anthropic.com/v1/complete?n=1): "
    )
    assert "(completions, event 2, byte 68)" in exc.message
    assert [(f.index, type(f.error).__name__) for f in exc.failures] == [(1, "MalformedEventError")]


def test_lenient_skips_and_counts_and_leaves_the_stream_as_it_was() -> None:
    document = _cassette(GOOD, BAD, CUT)
    result = recordings.convert_document(document, "legacy", mode="lenient")
    assert [(s.index, s.converted) for s in result.streams] == [(0, True), (1, True), (2, True)]
    # lenient conversion passes the malformed event through where it can (legacy: dropped)
    assert result.streams[1].report is not None and result.streams[1].report.malformed == 1
    assert result.streams[2].report is not None and not result.streams[2].report.finished
    broken = _cassette(GOOD, "data: [DONE]\n\n", GOOD)
    broken["interactions"][1]["request"]["body"] = "not json"
    broken["interactions"][1]["response"]["body"]["string"] = MESSAGES.decode()
    result = recordings.convert_document(broken, "legacy", mode="lenient")
    assert [(s.index, s.converted) for s in result.skipped] == [(1, False)]
    assert result.document["interactions"][1] == broken["interactions"][1]
    assert result.document["interactions"][0] != broken["interactions"][0]


def test_lenient_restores_a_failed_interaction_in_every_layout() -> None:
    """The interaction that did not convert (its request was changed before its body failed to
    translate) is put back as it was, whatever the layout holding it: a cassette's
    interactions, vcrpy's requests and responses, a list, HAR entries."""
    cassette = _cassette(GOOD, GOOD)
    cassette["interactions"][1]["request"]["body"] = "not json"
    items = cassette["interactions"]
    har = recordings.read(RECORDINGS / "mixed.har").document
    (stream,) = [e for e in har["log"]["entries"] if "event-stream" in str(e["response"])][:1]
    stream["request"]["postData"]["text"] = "not json"
    split = {
        "requests": [item["request"] for item in items],
        "responses": [item["response"] for item in items],
    }
    layouts: list[tuple[Any, str, Callable[[Any], list[Any]]]] = [
        (cassette, "messages", lambda d: d["interactions"]),
        (split, "messages", lambda d: list(zip(d["requests"], d["responses"], strict=True))),
        (copy.deepcopy(items), "messages", lambda d: d),
        (har, "legacy", lambda d: d["log"]["entries"]),
    ]
    for document, target, interactions in layouts:
        result = recordings.convert_document(document, target, mode="lenient")
        (skipped,) = result.skipped
        assert "request body" in str(skipped.error)
        assert interactions(result.document)[skipped.index] == interactions(document)[skipped.index]
        assert result.document != document  # the others converted


def test_a_cut_stream_is_a_failure_unless_lenient() -> None:
    with pytest.raises(RecordingError, match=r"interaction 0 .*expected the stream to finish"):
        recordings.convert_document(_cassette(CUT), "messages")


def test_convert_file_writes_nothing_unless_everything_converted(tmp_path: Path) -> None:
    path = tmp_path / "cassette.yaml"
    data = yaml.safe_dump(_cassette(GOOD, BAD)).encode()
    path.write_bytes(data)
    path.chmod(0o640)
    with pytest.raises(RecordingError):
        recordings.convert_file(path, "legacy")
    assert path.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == ["cassette.yaml"]  # no temporary left
    path.write_bytes(yaml.safe_dump(_cassette(GOOD)).encode())
    recordings.convert_file(path, "legacy")
    assert path.stat().st_mode & 0o777 == 0o640
    (stream,) = recordings.read(path).streams()
    assert stream.body.endswith(b"data: [DONE]\n\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"interactions: [\n", "expected YAML"),
        (b"interactions:\n- !!python/object/apply:os.system ['echo unsafe']\n", "constructor"),
        (b'{"log": {"entries": [}', "expected JSON"),
        (b"version: 1\n", "expected a cassette"),
        (b'{"log": {"entries": {}}}', "expected a cassette"),
        (b"\x1f\x8b\x08\x00garbage", "gzip"),
        (gzip.compress(MESSAGES), "found other compressed content"),
        (b"interactions: [\xff]\n", "UTF-8"),
        (b"requests: [a]\nresponses: []\n", "as many responses as requests"),
        (b"interactions:\n- request: 1\n  response: {}\n", "expected the request as a mapping"),
    ],
)
def test_bad_files_get_clear_errors(data: bytes, message: str) -> None:
    with pytest.raises(sseconv.SSEConvError, match=message):
        recordings.loads(data).streams()


def test_a_bad_utf8_byte_is_shown_at_its_offset_in_the_file() -> None:
    for prefix in (b"", b"\xef\xbb\xbf"):
        data = prefix + b"interactions: [\xfe]\n"
        with pytest.raises(RecordingFileError, match="found byte 0xfe") as info:
            recordings.loads(data)
        assert info.value.offset == data.index(b"\xfe")


def test_bad_bodies_get_clear_errors() -> None:
    document = _cassette(GOOD)
    document["interactions"][0]["response"]["headers"]["content-encoding"] = ["gzip"]
    with pytest.raises(RecordingError, match=r"interaction 0 .*expected a gzip-encoded body"):
        recordings.streams(document)
    document["interactions"][0]["response"]["headers"]["content-encoding"] = ["zstd"]
    with pytest.raises(RecordingError, match="content-encoding 'zstd'"):
        recordings.streams(document)


# -- nesting -----------------------------------------------------------------------------------


def _nested_yaml(depth: int) -> bytes:
    inner = "[" * (depth - 1) + "1" + "]" * (depth - 1)
    return f"interactions: []\nextra: {inner}\n".encode()  # the mapping itself is level 1


def _nested_json(depth: int) -> bytes:
    inner = "[" * (depth - 2) + "1" + "]" * (depth - 2)
    return f'{{"log": {{"entries": [], "x": {inner}}}}}'.encode()


@pytest.mark.parametrize("make", [_nested_yaml, _nested_json])
@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 50_000])
def test_nesting_has_one_limit_at_any_stack_depth(make: Callable[[int], bytes], depth: int) -> None:
    data = make(depth)

    def run() -> str:
        try:
            recording = recordings.loads(data)
            recording.dumps()
            recordings.convert_document(recording.document, "legacy")
        except RecordingFileError as exc:
            return f"error: {exc.message}"
        return "ok"

    def deep(frames: int) -> str:
        return run() if frames == 0 else deep(frames - 1)

    expected = "ok" if depth <= MAX_DEPTH else "error"
    assert run().startswith(expected)
    for spare in (200, 60, 25):  # a caller that is already deep in the stack
        room = sys.getrecursionlimit() - len(_stack()) - spare
        assert deep(room).startswith(expected)


def _stack() -> list[Any]:
    import inspect

    return inspect.stack(0)


def test_convert_file_to_a_device_writes_through_it(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with open(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK), "rb") as reader:
        recordings.convert_file(RECORDINGS / "mixed.har", "legacy", output=fifo)
        data = reader.read()
    assert fifo.exists() and not fifo.is_file()  # still the pipe, not replaced by a file
    assert [s.index for s in recordings.loads(data).streams()] == [1, 2]


def test_betamax_json_cassette_with_base64_body() -> None:
    ruby = yaml.safe_load((RECORDINGS / "legacy-ruby-vcr.yml").read_text())
    body = ruby["http_interactions"][0]["response"]["body"]
    body["base64_string"] = base64.b64encode(body.pop("string").encode()).decode()
    data = json.dumps(ruby).encode()
    recording = recordings.loads(data)
    assert (recording.kind, recording.syntax) == ("vcr-ruby", "json")
    (stream,) = recording.streams()
    assert stream.body == LEGACY
    result = recordings.convert_document(recording.document, "completions")
    written = json.loads(recordings.Recording(result.document, "vcr-ruby", "json").dumps())
    new_body = written["http_interactions"][0]["response"]["body"]
    assert set(new_body) == {"encoding", "base64_string"}
    converted = base64.b64decode(new_body["base64_string"])
    assert sseconv.detect(converted) is sseconv.Dialect.COMPLETIONS
    assert _story(converted)[0] == _story(LEGACY)[0]
    assert written["http_interactions"][1] == ruby["http_interactions"][1]


def test_vcrpy_json_serializer_cassette() -> None:
    document = yaml.safe_load((RECORDINGS / "messages-vcrpy.yaml").read_text())
    recording = recordings.loads(json.dumps(document, indent=4).encode())
    assert (recording.kind, recording.syntax) == ("vcr", "json")
    assert [(s.index, s.body) for s in recording.streams()] == [(1, MESSAGES)]
    result = recordings.convert_document(recording.document, "legacy")
    written = json.loads(recordings.Recording(result.document, "vcr", "json").dumps())
    assert written["interactions"][1]["request"]["uri"] == "https://api.anthropic.com/v1/complete"
    assert written["interactions"][0] == document["interactions"][0]


def test_ruby_binary_tag_and_python2_unicode_tag() -> None:
    gz = gzip.compress(COMPLETIONS, mtime=0)
    encoded = base64.encodebytes(gz).decode().replace("\n", "\n        ")
    text = f"""---
http_interactions:
- request:
    method: post
    uri: !!python/unicode 'https://api.anthropic.com/v1/complete'
    body:
      encoding: UTF-8
      string: '{{"prompt":"\\\\n\\\\nHuman: Hi\\\\n\\\\nAssistant:","model":"m"}}'
    headers:
      Anthropic-Version:
      - '2023-06-01'
  response:
    status:
      code: 200
      message: OK
    headers:
      Content-Type:
      - text/event-stream
      Content-Encoding:
      - gzip
    body:
      encoding: ASCII-8BIT
      string: !binary |-
        {encoded}
  recorded_at: Mon, 28 Aug 2023 14:02:11 GMT
recorded_with: VCR 2.9.3
"""
    recording = recordings.loads(text.encode())
    (stream,) = recording.streams()
    assert (stream.uri, stream.body, stream.content_encoding) == (
        "https://api.anthropic.com/v1/complete",
        COMPLETIONS,
        "gzip",
    )
    result = recordings.convert_document(recording.document, "legacy")
    stored = result.document["http_interactions"][0]["response"]["body"]["string"]
    assert gzip.decompress(stored).endswith(b"data: [DONE]\n\n")
    assert (
        b"string: !!binary |" in recordings.Recording(result.document, "vcr-ruby", "yaml").dumps()
    )
