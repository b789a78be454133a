"""Detecting the source dialect while converting: what decides, and what cannot."""

from __future__ import annotations

import pytest

import sseconv

PING = b'event: ping\ndata: {"type": "ping"}\n\n'
ERROR = (
    b"event: error\n"
    b'data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
)


@pytest.mark.parametrize("to", ["completions", "messages"])
def test_a_stream_that_is_only_an_error_passes_to_a_named_dialect(to: str) -> None:
    converter = sseconv.Converter(to)
    assert converter.feed(PING) == b""  # a ping alone decides nothing: held back
    assert converter.feed(ERROR) == PING + ERROR  # the error decides, and ends the stream
    assert converter.close() == b""
    assert converter.report.source is sseconv.Dialect.parse(to)
    assert converter.report.finished


def test_a_stream_that_is_only_an_error_becomes_one_legacy_event() -> None:
    converter = sseconv.Converter("legacy", pings="drop")
    out = converter.feed(PING + ERROR) + converter.close()
    assert out == (
        b'data: {"completion":"","stop":null,"stop_reason":null,"truncated":false,'
        b'"log_id":null,"model":null,"exception":"overloaded_error: Overloaded"}\n\n'
    )
    assert converter.report.finished and converter.report.dropped["ping"] == 1


def test_pings_alone_cannot_tell_the_dialect() -> None:
    converter = sseconv.Converter("legacy")
    assert converter.feed(PING * 3) == b""
    with pytest.raises(sseconv.DetectionError) as caught:
        converter.close()
    assert (caught.value.event_number, caught.value.offset) == (3, 2 * len(PING))


def test_detection_gives_up_after_the_limit() -> None:
    converter = sseconv.Converter("legacy", detect_limit=len(PING) * 2)
    converter.feed(PING * 2)
    with pytest.raises(sseconv.DetectionError) as caught:
        converter.feed(PING)
    assert caught.value.offset == len(PING) * 2


def test_an_empty_input_is_not_a_finished_stream() -> None:
    converter = sseconv.Converter("completions")
    assert converter.feed(b"") + converter.close() == b""
    assert not converter.report.finished and converter.report.source is None
    with pytest.raises(sseconv.IncompleteStreamError):
        sseconv.Converter("completions", mode="strict").close()
