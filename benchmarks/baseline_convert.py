"""The converter a user would write themselves, as the yardstick for ``bench_convert.py``.

httpx-sse's decoder (exactly what ``EventSource.iter_sse()`` runs, see ``_peers.py``), one
``json.loads`` per event, ``json.dumps`` per output event, ``str.startswith`` + slicing for the
cumulative legacy text. It is written to be straightforward and reasonably efficient -- no
deliberate slowness -- and correct on the benchmark streams (well-formed, finished streams). It does
not do what sseconv adds on top: validation of every field, strict/lenient modes, reports,
byte offsets in errors, pass-through of unknown events, BOM/CR handling beyond httpx-sse's, etc.

Output follows the same conventions as sseconv's synthesized events (compact JSON, non-ASCII as
UTF-8, server key order, LF line endings), so both outputs can be compared.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from _peers import httpx_sse_iter

__all__ = [
    "completions_to_legacy",
    "legacy_to_completions",
    "messages_to_completions",
    "messages_to_legacy",
]

_PING_COMPLETIONS = b'event: ping\ndata: {"type": "ping"}\n\n'
_DONE = b"data: [DONE]\n\n"
_HUMAN = "\n\nHuman:"


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _completion_event(payload: dict[str, Any]) -> bytes:
    return b"event: completion\ndata: " + _dumps(payload) + b"\n\n"


def _legacy_event(payload: dict[str, Any]) -> bytes:
    return b"data: " + _dumps(payload) + b"\n\n"


def _legacy_ping() -> bytes:
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    return b"event: ping\ndata: " + now.encode("ascii") + b"\n\n"


def _error_event(error_type: str, message: str) -> bytes:
    payload = {"type": "error", "error": {"type": error_type, "message": message}}
    return b"event: error\ndata: " + _dumps(payload) + b"\n\n"


def _split_exception(exception: str) -> tuple[str, str]:
    kind, sep, message = exception.partition(": ")
    if sep and kind and " " not in kind:
        return kind, message
    return "api_error", exception


def _map_stop(stop_reason: str | None, stop_sequence: str | None) -> tuple[str | None, str | None]:
    """Messages ``stop_reason``/``stop_sequence`` -> completions ``stop_reason``/``stop``."""
    if stop_reason == "end_turn":
        return "stop_sequence", _HUMAN
    if stop_reason == "stop_sequence":
        return "stop_sequence", stop_sequence
    return stop_reason, None


def legacy_to_completions(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """2023-01-01 (cumulative, data-only) -> 2023-06-01 (named ``completion`` events, deltas)."""
    previous = ""
    for sse in httpx_sse_iter(chunks):
        if sse.event == "ping":
            yield _PING_COMPLETIONS
            continue
        if sse.data == "[DONE]":
            return
        obj = json.loads(sse.data)
        text: str = obj["completion"]
        if not text.startswith(previous):
            raise ValueError("cumulative completion text rewrote itself")
        delta = text[len(previous) :]
        previous = text
        log_id = obj.get("log_id")
        payload = {
            "type": "completion",
            "id": log_id,
            "completion": delta,
            "stop_reason": None,
            "model": obj.get("model"),
            "stop": None,
            "log_id": log_id,
        }
        if delta:
            yield _completion_event(payload)
        if obj.get("exception") is not None:
            yield _error_event(*_split_exception(obj["exception"]))
            return
        if obj.get("stop_reason") is not None:
            payload["completion"] = ""
            payload["stop_reason"] = obj["stop_reason"]
            payload["stop"] = obj.get("stop")
            yield _completion_event(payload)


def completions_to_legacy(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """2023-06-01 (deltas) -> 2023-01-01 (``json.dumps`` of the whole text so far per event)."""
    text = ""
    for sse in httpx_sse_iter(chunks):
        if sse.event == "ping":
            yield _legacy_ping()
            continue
        if sse.data == "[DONE]":
            continue
        obj = json.loads(sse.data)
        if sse.event == "error":
            error = obj["error"]
            yield _legacy_event(
                {
                    "completion": text,
                    "stop": None,
                    "stop_reason": None,
                    "truncated": False,
                    "log_id": None,
                    "model": None,
                    "exception": f"{error['type']}: {error['message']}",
                }
            )
            return
        if sse.event != "completion":
            continue
        delta: str = obj["completion"]
        text += delta
        stop_reason = obj.get("stop_reason")
        if stop_reason is None and not delta:
            continue
        yield _legacy_event(
            {
                "completion": text,
                "stop": obj.get("stop"),
                "stop_reason": stop_reason,
                "truncated": False,
                "log_id": obj.get("log_id") or obj.get("id"),
                "model": obj.get("model"),
                "exception": None,
            }
        )
        if stop_reason is not None:
            yield _DONE
            return


def _messages_text(chunks: Iterable[bytes]) -> Iterator[tuple[str, Any]]:
    """The Messages events that matter for a text completion, as (kind, value) pairs.

    kinds: ``start`` (message dict), ``text`` (str), ``stop`` ((stop_reason, stop)), ``ping``,
    ``end``, ``error`` ((type, message)).
    """
    text_blocks: set[int] = set()
    for sse in httpx_sse_iter(chunks):
        event = sse.event
        if event == "content_block_delta":
            obj = json.loads(sse.data)
            delta = obj["delta"]
            if delta["type"] == "text_delta" and obj["index"] in text_blocks and delta["text"]:
                yield "text", delta["text"]
        elif event == "ping":
            yield "ping", None
        elif event == "content_block_start":
            obj = json.loads(sse.data)
            block = obj["content_block"]
            if block["type"] == "text":
                text_blocks.add(obj["index"])
                if block.get("text"):
                    yield "text", block["text"]
        elif event == "message_start":
            yield "start", json.loads(sse.data)["message"]
        elif event == "message_delta":
            delta = json.loads(sse.data)["delta"]
            yield "stop", _map_stop(delta.get("stop_reason"), delta.get("stop_sequence"))
        elif event == "message_stop":
            yield "end", None
            return
        elif event == "error":
            error = json.loads(sse.data)["error"]
            yield "error", (error["type"], error["message"])
            return


def messages_to_completions(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Messages -> 2023-06-01: text deltas of text blocks become ``completion`` events."""
    payload: dict[str, Any] = {
        "type": "completion",
        "id": None,
        "completion": "",
        "stop_reason": None,
        "model": None,
        "stop": None,
        "log_id": None,
    }
    for kind, value in _messages_text(chunks):
        if kind == "text":
            payload["completion"] = value
            yield _completion_event(payload)
        elif kind == "ping":
            yield _PING_COMPLETIONS
        elif kind == "start":
            payload["id"] = payload["log_id"] = value["id"]
            payload["model"] = value["model"]
        elif kind == "stop":
            payload["completion"] = ""
            payload["stop_reason"], payload["stop"] = value
            yield _completion_event(payload)
        elif kind == "error":
            yield _error_event(*value)


def messages_to_legacy(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Messages -> 2023-01-01: ``json.dumps`` of the whole text so far per text delta."""
    payload: dict[str, Any] = {
        "completion": "",
        "stop": None,
        "stop_reason": None,
        "truncated": False,
        "log_id": None,
        "model": None,
        "exception": None,
    }
    text = ""
    for kind, value in _messages_text(chunks):
        if kind == "text":
            text += value
            payload["completion"] = text
            yield _legacy_event(payload)
        elif kind == "ping":
            yield _legacy_ping()
        elif kind == "start":
            payload["log_id"] = value["id"]
            payload["model"] = value["model"]
        elif kind == "stop":
            payload["stop_reason"], payload["stop"] = value
            yield _legacy_event(payload)
        elif kind == "end":
            yield _DONE
        elif kind == "error":
            payload["exception"] = "{}: {}".format(*value)
            yield _legacy_event(payload)
