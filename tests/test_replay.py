"""``sseconv.replay``: recorded streams served live on loopback by a real uvicorn server, read
by real clients (today's Anthropic SDK, httpx, anthropic 0.2.10 in its pinned environment).
Pacing is checked generously: lower bounds that the server's sleeps guarantee, and that events
do not all arrive at once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import anthropic
import httpx
import pytest
from compat import WheelsUnavailable, client_python
from compat.runners import _SCRIPT_2023_01_01, _run_script
from streams import read_fixture

import sseconv
from sseconv import replay
from sseconv.serve import serving

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MESSAGES_PATH = FIXTURES / "messages-text-capture.sse"
MESSAGES = read_fixture("messages-text-capture.sse")
EVENTS = [e.event for e in sseconv.SSEParser().feed(MESSAGES)]


def test_split_events_keeps_every_byte() -> None:
    data = b": hello\n\nevent: a\ndata: 1\n\nid: 7\n\ndata: 2\r\n\r\ndata: cut"
    pieces = replay.split_events(data)
    assert pieces == [
        b": hello\n\nevent: a\ndata: 1\n\n",
        b"id: 7\n\ndata: 2\r\n\r\n",
        b"data: cut",
    ]
    assert b"".join(replay.split_events(MESSAGES)) == MESSAGES
    assert len(replay.split_events(MESSAGES)) == len(EVENTS)


def test_pacing() -> None:
    assert replay.even_pacing(3, 0.5) == [0.0, 0.5, 0.5]
    assert replay.recorded_pacing([b"aa", b"a", b"a"], 0.25, 2.0) == [0.25, 0.5, 0.5]
    with pytest.raises(sseconv.UsageError):
        replay.even_pacing(3, -1)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"delay": -1}, "expected a delay of 0 seconds or more, found -1"),
        ({"delay": "0.5"}, "expected a delay of 0 seconds or more, found '0.5'"),
        ({"delay": float("nan")}, "expected a delay of 0 seconds or more, found nan"),
        ({"delay": True}, "expected a delay of 0 seconds or more, found True"),
        ({"index": "1"}, "expected an interaction index (an int from 0), found '1'"),
        ({"index": -1}, "expected an interaction index (an int from 0), found -1"),
        ({"real_time": "yes"}, "expected real_time True or False, found 'yes'"),
    ],
)
def test_bad_arguments_are_usage_errors(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(sseconv.UsageError) as info:
        replay.app(FIXTURES / "recordings" / "mixed.har", **arguments)  # type: ignore[arg-type]
    assert info.value.message == message


def test_the_app_answers_the_lifespan_protocol() -> None:
    app = replay.ReplayApp([replay.ReplayStream((MESSAGES,), (0.0,))])
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, str]] = []

    async def receive() -> dict[str, str]:
        return messages.pop(0)

    async def send(message: dict[str, str]) -> None:
        sent.append(message)

    asyncio.run(app({"type": "lifespan"}, receive, send))
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]
    assert (messages, app.served) == ([], 0)


def test_real_time_pacing_comes_from_the_har_timings() -> None:
    (stream, _) = replay.streams_from(FIXTURES / "recordings" / "mixed.har", real_time=True)
    assert stream.label.endswith("mixed.har#1")
    assert stream.delays[0] == pytest.approx(0.612)  # timings.wait
    assert sum(stream.delays[1:]) == pytest.approx(
        0.91805 * (1 - len(stream.pieces[0]) / len(MESSAGES))
    )
    assert b"".join(stream.pieces) == MESSAGES


def test_events_arrive_one_by_one_at_the_pace_asked_for() -> None:
    delay = 0.2
    app = replay.app(MESSAGES_PATH, delay=delay)
    with serving(app) as server:
        client = anthropic.Anthropic(api_key="sk-ant-test", base_url=server.url, max_retries=0)
        start = time.monotonic()
        arrivals: list[tuple[str, float]] = []
        with client.messages.stream(
            model="claude-3-opus-latest",
            max_tokens=64,
            messages=[{"role": "user", "content": "Hello"}],
        ) as stream:
            for event in stream:
                arrivals.append((event.type, time.monotonic() - start))
            final = stream.get_final_message()
    raw = [kind for kind in (e for e in EVENTS if e != "ping")]
    got = [kind for kind, _ in arrivals if kind in set(raw)]
    assert got == raw  # in order, nothing lost
    assert final.content[0].type == "text"
    assert final.stop_reason == "end_turn"
    times = [t for _, t in arrivals]
    span = times[-1] - times[0]
    # the server sleeps `delay` before each of the 8 events after the first
    expected = delay * (len(EVENTS) - 1)
    assert times[-1] >= expected * 0.9
    assert span >= expected * 0.5  # not all at once (generous: a busy machine may bunch some)


def test_replay_converts_as_it_sends_and_serves_streams_in_turn() -> None:
    app = replay.app(FIXTURES / "recordings" / "mixed.har", to="legacy", delay=0.02)
    with serving(app) as server, httpx.Client(timeout=30) as client:
        chunks: list[bytes] = []
        with client.stream("POST", f"{server.url}/v1/complete", json={}) as response:
            assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
            chunks.extend(response.iter_raw())
        second = client.post(f"{server.url}/anything").content
        third = client.get(server.url).content
    first = b"".join(chunks)
    assert all(chunk.endswith(b"\n\n") for chunk in chunks)  # whole events per write
    for body in (first, second, third):
        assert body.endswith(b"data: [DONE]\n\n")
        assert sseconv.detect(body) is sseconv.Dialect.LEGACY
    expected = list(sseconv.legacy_completions(read_fixture("messages-text-capture.sse")))
    assert [c["completion"] for c in sseconv.legacy_completions(first)] == [
        c["completion"] for c in expected
    ]
    assert list(sseconv.legacy_completions(second))[-1]["completion"] == " Hello, world!"
    assert third == first.replace(_ping_line(first), _ping_line(third))


def _ping_line(body: bytes) -> bytes:
    start = body.index(b"event: ping\ndata: ")
    return body[start : body.index(b"\n\n", start)]


def test_the_converter_options_apply_to_the_replay() -> None:
    with pytest.raises(sseconv.UsageError, match="unknown option 'ping'; did you mean 'pings'"):
        replay.app(MESSAGES_PATH, to="legacy", ping="drop")  # type: ignore[call-arg]
    app = replay.app(MESSAGES_PATH, to="legacy", eol="\r\n", pings="drop", mode="strict")
    with serving(app) as server, httpx.Client(timeout=30) as client:
        body = client.get(server.url).content
    assert body.endswith(b"data: [DONE]\r\n\r\n")
    assert b"\n\n" not in body.replace(b"\r\n", b"")
    assert b"event: ping" not in body
    assert list(sseconv.legacy_completions(body))[-1]["completion"] == "Hello there!"


def test_a_stream_that_does_not_convert_is_refused_up_front(tmp_path: Path) -> None:
    path = tmp_path / "bad.sse"
    path.write_bytes(b'data: {"completion":"a","stop_reason":null}\n\ndata: {"completion":"b"}\n\n')
    with pytest.raises(sseconv.SSEConvError, match="does not convert"):
        replay.app(path, to="completions")


@pytest.mark.compat
def test_a_2023_01_01_client_reads_a_messages_recording_replayed_as_legacy() -> None:
    try:
        client_python("anthropic-0.2.10")
    except WheelsUnavailable as exc:
        pytest.skip(f"anthropic-0.2.10: pinned wheels unavailable for this Python: {exc}")
    events = list(sseconv.parse_events([MESSAGES]))
    text = "".join(e.text for e in events if isinstance(e, sseconv.TextDelta))
    app = replay.app(MESSAGES_PATH, to="legacy", delay=0.05)
    with serving(app) as server:
        (sync,) = _run_script("anthropic-0.2.10", _SCRIPT_2023_01_01, [server.url + "/"], 1, 120)
        (asynchronous,) = _run_script(
            "anthropic-0.2.10", _SCRIPT_2023_01_01, ["--async", server.url + "/"], 1, 120
        )
    for result in (sync, asynchronous):
        assert result["error"] is None, result
        assert result["text"] == text
        assert (result["stop_reason"], result["stop"]) == ("stop_sequence", "\n\nHuman:")
        assert result["texts"] == [text[: len(t)] for t in result["texts"]]  # cumulative


def test_a_client_that_goes_away_stops_its_replay() -> None:
    import asyncio

    pieces = tuple(replay.split_events(MESSAGES))
    stream = replay.ReplayStream(pieces, tuple(replay.even_pacing(len(pieces), 30.0)), "s")
    app = replay.ReplayApp([stream])
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        if not sent:
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(0.05)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def main() -> float:
        start = time.monotonic()
        await asyncio.wait_for(app({"type": "http"}, receive, send), 10)
        return time.monotonic() - start

    elapsed = asyncio.run(main())
    bodies = [m["body"] for m in sent if m["type"] == "http.response.body"]
    assert bodies[0] == pieces[0]  # the first event went out, then the client left
    assert len(bodies) < len(pieces)
    assert elapsed < 30  # it did not wait for the next event (30 s away)
