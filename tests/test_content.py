"""Content codings: one decoder for live responses and recorded bodies.

Every case goes through both users, a live ``httpx`` response read by sseconv (in chunks of 7
bytes) and the same body in a vcrpy cassette, and must give the same bytes, or the same error
message.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable

import brotli
import httpx
import pytest
from streams import read_fixture

import sseconv
from sseconv import _content, recordings
from sseconv._client_responses import response_of
from sseconv.recordings import RecordingError

COMPLETIONS = read_fixture("completions-2023-06-01-capture.sse")
URI = "http://api.test/v1/complete"


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def live(body: bytes, encoding: str) -> bytes:
    def handler(request: httpx.Request) -> httpx.Response:
        chunks = [body[i : i + 7] for i in range(0, len(body), 7)]
        headers = {"content-type": "text/event-stream", "content-encoding": encoding}
        return httpx.Response(200, headers=headers, content=iter(chunks))

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        client.stream("POST", URI) as response,
    ):
        view = response_of(response)
        assert view is not None
        return b"".join(view.chunks())


def recorded(body: bytes, encoding: str) -> bytes:
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Type": ["text/event-stream"], "Content-Encoding": [encoding]},
        "body": {"string": body},
    }
    request = {"method": "POST", "uri": URI, "body": None}
    document = {"interactions": [{"request": request, "response": response}], "version": 1}
    (stream,) = recordings.streams(document)
    return stream.body


GOOD: list[tuple[str, Callable[[bytes], bytes]]] = [
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("deflate", raw_deflate),
    ("br", brotli.compress),
    ("identity", lambda data: data),
    ("gzip, br", lambda data: brotli.compress(gzip.compress(data))),
    ("Deflate , identity, GZIP", lambda data: gzip.compress(zlib.compress(data))),
]


@pytest.mark.parametrize(("encoding", "encode"), GOOD)
def test_both_users_decode_the_same(encoding: str, encode: Callable[[bytes], bytes]) -> None:
    body = encode(COMPLETIONS)
    assert live(body, encoding) == recorded(body, encoding) == COMPLETIONS


def test_an_empty_body_is_empty_whatever_its_coding() -> None:
    assert live(b"", "gzip") == recorded(b"", "gzip") == b""


@pytest.mark.parametrize(
    ("body", "encoding", "message"),
    [
        (COMPLETIONS, "gzip", "expected a gzip-encoded body, found an error in the compressed"),
        (gzip.compress(COMPLETIONS)[:-8], "gzip", "the gzip data ends before its end marker"),
        (zlib.compress(COMPLETIONS)[:-30], "deflate", "deflate data ends before its end marker"),
        (brotli.compress(COMPLETIONS)[:-5], "br", "the br data ends before its end marker"),
        (gzip.compress(COMPLETIONS), "gzip, gzip", "expected a gzip-encoded body"),
    ],
)
def test_both_users_fail_with_the_same_message(body: bytes, encoding: str, message: str) -> None:
    with pytest.raises(sseconv.NotEventStreamError) as live_error:
        live(body, encoding)
    assert message in live_error.value.message
    assert live_error.value.status_code == 200
    with pytest.raises(RecordingError) as recorded_error:
        recorded(body, encoding)
    assert recorded_error.value.message == f"interaction 0 (POST {URI}): {live_error.value.message}"
    assert recorded_error.value.index == 0


def test_a_coding_sseconv_cannot_undo() -> None:
    """(A live response in such a coding is left to its library: see test_http_errors; the
    converting transport, which reads raw bodies, refuses it as a recording does.)"""
    message = (
        "cannot decode a body with content-encoding 'zstd' (sseconv decodes br, deflate, gzip)"
    )
    with pytest.raises(sseconv.NotEventStreamError, match=r"^cannot decode") as transport_error:
        _content.ContentDecoder("gzip, zstd", {"status_code": 200})
    assert (transport_error.value.message, transport_error.value.status_code) == (message, 200)
    with pytest.raises(RecordingError) as recorded_error:
        recorded(COMPLETIONS, "gzip, zstd")
    assert recorded_error.value.message == f"interaction 0 (POST {URI}): {message}"


def test_without_brotli_br_is_refused_with_the_way_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_content, "DECODABLE", _content.DECODABLE - {"br"})
    with pytest.raises(RecordingError, match=r"content-encoding 'br': install brotli \(pip"):
        recorded(brotli.compress(COMPLETIONS), "br")
    assert _content.accept_encoding("br, gzip;q=0.5") == "gzip;q=0.5"


def test_a_converted_recording_is_stored_in_its_codings() -> None:
    for encoding in ("gzip", "x-gzip", "deflate", "br", "gzip, br"):
        stored = _content.encode(b"data", encoding)
        assert stored != b"data"
        assert _content.decode(stored, encoding) == b"data"
