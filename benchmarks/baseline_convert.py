"""The converter a user would write themselves, as the yardstick for ``bench_convert.py``.

One plain loop per direction: httpx-sse's decoder (exactly what ``EventSource.iter_sse()``
runs, see ``_peers.py``), one ``json.loads`` per event, one module-level JSON encoder for the
output (compact, non-ASCII as UTF-8, as sseconv writes), ``str.startswith`` and slicing for the
cumulative legacy text. No validation beyond what ``json.loads`` does, no reports, no byte
offsets, no pass-through of unknown events: it is correct on well-formed, finished streams,
which are all the benchmark feeds it. Same-dialect "conversion" parses every event's JSON
(the check a user would want) and writes the event back.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from _peers import httpx_sse_iter

__all__ = ["BASELINES"]

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_loads = json.loads
_HUMAN = "\n\nHuman:"
_DONE = b"data: [DONE]\n\n"
_PING = b'event: ping\ndata: {"type": "ping"}\n\n'


def _event(name: str | None, payload: Any) -> bytes:
    head = b"" if name is None else b"event: " + name.encode() + b"\n"
    return head + b"data: " + _encode(payload).encode() + b"\n\n"


def _legacy_ping() -> bytes:
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    return b"event: ping\ndata: " + now.encode() + b"\n\n"


def _completion(text: str, stop_reason: Any, stop: Any, ident: Any, model: Any) -> bytes:
    payload = {
        "type": "completion",
        "id": ident,
        "completion": text,
        "stop_reason": stop_reason,
        "model": model,
        "stop": stop,
        "log_id": ident,
    }
    return _event("completion", payload)


def _legacy(text: str, stop_reason: Any, stop: Any, ident: Any, model: Any) -> bytes:
    payload = {
        "completion": text,
        "stop": stop,
        "stop_reason": stop_reason,
        "truncated": False,
        "log_id": ident,
        "model": model,
        "exception": None,
    }
    return _event(None, payload)


def _messages_head(ident: Any, model: Any) -> bytes:
    message = {
        "id": ident,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 0, "output_tokens": 0},
    }
    block = {"type": "text", "text": ""}
    return _event("message_start", {"type": "message_start", "message": message}) + _event(
        "content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}
    )


def _messages_delta(text: str) -> bytes:
    delta = {"type": "text_delta", "text": text}
    return _event(
        "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
    )


def _messages_tail(stop_reason: Any, stop: Any) -> bytes:
    if stop_reason == "stop_sequence" and stop not in (None, _HUMAN):
        reason, sequence = "stop_sequence", stop
    else:
        reason, sequence = ("end_turn" if stop_reason == "stop_sequence" else stop_reason), None
    delta = {"stop_reason": reason, "stop_sequence": sequence}
    return (
        _event("content_block_stop", {"type": "content_block_stop", "index": 0})
        + _event("message_delta", {"type": "message_delta", "delta": delta, "usage": {}})
        + _event("message_stop", {"type": "message_stop"})
    )


def _messages_stop(stop_reason: Any, stop_sequence: Any) -> tuple[Any, Any]:
    """Messages ``stop_reason``/``stop_sequence`` -> completions ``stop_reason``/``stop``."""
    if stop_reason == "end_turn":
        return "stop_sequence", _HUMAN
    if stop_reason == "stop_sequence":
        return "stop_sequence", stop_sequence
    return stop_reason, None


def legacy_to_completions(chunks: Iterable[bytes]) -> Iterator[bytes]:
    previous = ""
    for sse in httpx_sse_iter(chunks):
        if sse.event == "ping":
            yield _PING
        elif sse.data == "[DONE]":
            return
        else:
            obj = _loads(sse.data)
            text = obj["completion"]
            if not text.startswith(previous):
                raise ValueError("cumulative completion text rewrote itself")
            delta, previous = text[len(previous) :], text
            if delta:
                yield _completion(delta, None, None, obj["log_id"], obj["model"])
            if obj["stop_reason"] is not None:
                yield _completion("", obj["stop_reason"], obj["stop"], obj["log_id"], obj["model"])


def legacy_to_messages(chunks: Iterable[bytes]) -> Iterator[bytes]:
    previous = ""
    for sse in httpx_sse_iter(chunks):
        if sse.event == "ping":
            yield _PING
        elif sse.data == "[DONE]":
            return
        else:
            obj = _loads(sse.data)
            text = obj["completion"]
            if not text.startswith(previous):
                raise ValueError("cumulative completion text rewrote itself")
            if not previous:
                yield _messages_head(obj["log_id"], obj["model"])
            delta, previous = text[len(previous) :], text
            if delta:
                yield _messages_delta(delta)
            if obj["stop_reason"] is not None:
                yield _messages_tail(obj["stop_reason"], obj["stop"])


def completions_to_legacy(chunks: Iterable[bytes]) -> Iterator[bytes]:
    text = ""
    for sse in httpx_sse_iter(chunks):
        if sse.event == "ping":
            yield _legacy_ping()
        elif sse.event == "completion":
            obj = _loads(sse.data)
            text += obj["completion"]
            if obj["completion"] or obj["stop_reason"] is not None:
                ident = obj.get("log_id") or obj.get("id")
                yield _legacy(text, obj["stop_reason"], obj["stop"], ident, obj["model"])
            if obj["stop_reason"] is not None:
                yield _DONE
                return


def completions_to_messages(chunks: Iterable[bytes]) -> Iterator[bytes]:
    started = False
    for sse in httpx_sse_iter(chunks):
        if sse.event == "ping":
            yield _PING
        elif sse.event == "completion":
            obj = _loads(sse.data)
            if not started:
                yield _messages_head(obj.get("id") or obj.get("log_id"), obj["model"])
                started = True
            if obj["completion"]:
                yield _messages_delta(obj["completion"])
            if obj["stop_reason"] is not None:
                yield _messages_tail(obj["stop_reason"], obj["stop"])
                return


def messages_to_completions(chunks: Iterable[bytes]) -> Iterator[bytes]:
    ident = model = None
    for sse in httpx_sse_iter(chunks):
        event = sse.event
        if event == "content_block_delta":
            delta = _loads(sse.data)["delta"]
            if delta["type"] == "text_delta" and delta["text"]:
                yield _completion(delta["text"], None, None, ident, model)
        elif event == "ping":
            yield _PING
        elif event == "message_start":
            message = _loads(sse.data)["message"]
            ident, model = message["id"], message["model"]
        elif event == "message_delta":
            delta = _loads(sse.data)["delta"]
            stop_reason, stop = _messages_stop(delta["stop_reason"], delta["stop_sequence"])
            yield _completion("", stop_reason, stop, ident, model)
        elif event == "message_stop":
            return


def messages_to_legacy(chunks: Iterable[bytes]) -> Iterator[bytes]:
    ident = model = None
    text = ""
    for sse in httpx_sse_iter(chunks):
        event = sse.event
        if event == "content_block_delta":
            delta = _loads(sse.data)["delta"]
            if delta["type"] == "text_delta" and delta["text"]:
                text += delta["text"]
                yield _legacy(text, None, None, ident, model)
        elif event == "ping":
            yield _legacy_ping()
        elif event == "message_start":
            message = _loads(sse.data)["message"]
            ident, model = message["id"], message["model"]
        elif event == "message_delta":
            delta = _loads(sse.data)["delta"]
            stop_reason, stop = _messages_stop(delta["stop_reason"], delta["stop_sequence"])
            yield _legacy(text, stop_reason, stop, ident, model)
        elif event == "message_stop":
            yield _DONE
            return


def legacy_to_legacy(chunks: Iterable[bytes]) -> Iterator[bytes]:
    for sse in httpx_sse_iter(chunks):
        if sse.event == "ping":
            yield b"event: ping\ndata: " + sse.data.encode() + b"\n\n"
        elif sse.data == "[DONE]":
            yield _DONE
            return
        else:
            _loads(sse.data)
            yield b"data: " + sse.data.encode() + b"\n\n"


def named_to_same(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """completions -> completions, messages -> messages: every event checked, written back."""
    for sse in httpx_sse_iter(chunks):
        if sse.data != "[DONE]":
            _loads(sse.data)
            yield b"event: " + sse.event.encode() + b"\ndata: " + sse.data.encode() + b"\n\n"


BASELINES: dict[tuple[str, str], Callable[[Iterable[bytes]], Iterator[bytes]]] = {
    ("legacy", "completions"): legacy_to_completions,
    ("legacy", "messages"): legacy_to_messages,
    ("legacy", "legacy"): legacy_to_legacy,
    ("completions", "legacy"): completions_to_legacy,
    ("completions", "messages"): completions_to_messages,
    ("completions", "completions"): named_to_same,
    ("messages", "completions"): messages_to_completions,
    ("messages", "legacy"): messages_to_legacy,
    ("messages", "messages"): named_to_same,
}
