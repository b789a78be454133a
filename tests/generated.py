"""Hypothesis strategies for whole streams of each dialect, valid or cut, with the shapes that
broke conversions: pings and unknown events anywhere they may stand (also between the stop and
the end), several ``message_delta`` events, usage updates, errors after the stop reason, stray
``[DONE]`` lines and ``event: done`` trailers, missing ids, and unknown fields at every place a
payload can hold one.

Each strategy gives a :class:`Generated`: the bytes, the dialect, and the names of the unknown
fields put in (all of the form ``x_<n>``, so that a test can look for each in the output or in
the report).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from streams import HUMAN, LEGACY_PING, PING_DATA, dumps, sse

__all__ = ["Generated", "any_stream", "completions_streams", "legacy_streams", "messages_streams"]


@dataclass
class Generated:
    dialect: str
    events: list[bytes]
    fields: list[str] = field(default_factory=list)  # unknown field names put in

    @property
    def data(self) -> bytes:
        return b"".join(self.events)


text_st = st.text(st.sampled_from(list(' abc"\\\n\té☕😀')), max_size=5)
STOPS = [("stop_sequence", HUMAN), ("stop_sequence", "END"), ("max_tokens", None)]
MESSAGES_STOPS = [
    ("end_turn", None),
    ("stop_sequence", "END"),
    ("max_tokens", None),
    ("pause", None),
]


class _Fields:
    """Unknown fields, numbered so that each name is unique within one stream."""

    def __init__(self, draw: Any, enabled: bool) -> None:
        self.draw = draw
        self.enabled = enabled
        self.names: list[str] = []
        self._count = itertools.count()

    def maybe(self) -> dict[str, Any]:
        if not self.enabled or not self.draw(st.booleans()):
            return {}
        name = f"x_{next(self._count)}"
        self.names.append(name)
        return {name: self.draw(st.sampled_from([1, "v", None, [], {"k": [1]}]))}


def _ping(dialect: str) -> bytes:
    if dialect == "legacy":
        return sse("ping", LEGACY_PING, eol="\r\n")
    return sse("ping", PING_DATA)


def _sprinkle(draw: Any, dialect: str, events: list[bytes], upto: int) -> list[bytes]:
    """Pings and unknown events at random places among ``events[:upto]`` (and at ``upto``)."""
    out = list(events)
    eol = "\r\n" if dialect == "legacy" else "\n"
    for _ in range(draw(st.integers(0, 3))):
        extra = draw(st.sampled_from([_ping(dialect), sse("future", '{"type":"future"}', eol=eol)]))
        upto = max(upto, 0)
        out.insert(draw(st.integers(min(1, upto), upto)), extra)
        upto += 1
    return out


@st.composite
def legacy_streams(draw: Any, extras: bool = False) -> Generated:
    fields = _Fields(draw, extras)
    log_id = draw(st.sampled_from(["f5d9", None]))

    def event(text: str, **values: Any) -> bytes:
        payload = {
            "completion": text,
            "stop": values.get("stop"),
            "stop_reason": values.get("stop_reason"),
            "truncated": False,
            "log_id": log_id,
            "model": "claude-v1",
            "exception": values.get("exception"),
            **fields.maybe(),
        }
        return sse(None, dumps(payload), eol="\r\n")

    text = ""
    events = []
    for token in draw(st.lists(text_st, max_size=4)):
        text += token
        events.append(event(text))
    body = len(events)
    end = draw(st.sampled_from(["stop", "exception", "exception+stop", "cut"]))
    final = text + draw(text_st)
    if end == "stop":
        reason, stop = draw(st.sampled_from(STOPS))
        events.append(event(final, stop_reason=reason, stop=stop))
    elif end.startswith("exception"):
        reason = "max_tokens" if end.endswith("stop") else None
        events.append(event(final, exception="overloaded_error: Overloaded", stop_reason=reason))
    events = _sprinkle(draw, "legacy", events, len(events) if end != "cut" else body)
    if end != "cut":
        events += [_ping("legacy")] * draw(st.integers(0, 1))
        events.append(sse(None, "[DONE]", eol="\r\n"))
    return Generated("legacy", events, fields.names)


@st.composite
def completions_streams(draw: Any, extras: bool = False) -> Generated:
    fields = _Fields(draw, extras)
    id_ = draw(st.sampled_from(["compl_1", None]))

    def event(text: str, reason: str | None = None, stop: str | None = None) -> bytes:
        payload = {"type": "completion", "id": id_, "completion": text, "stop_reason": reason}
        payload.update(model="claude-2.1", stop=stop, log_id=id_, **fields.maybe())
        return sse("completion", dumps(payload))

    events = [event(token) for token in draw(st.lists(text_st, max_size=4))]
    end = draw(st.sampled_from(["stop", "error", "cut"]))
    if end == "stop":
        events.append(event("", *draw(st.sampled_from(STOPS))))
    elif end == "error":
        error = {"type": "overloaded_error", "message": "Overloaded", **fields.maybe()}
        events.append(sse("error", dumps({"type": "error", "error": error, **fields.maybe()})))
    events = _sprinkle(draw, "completions", events, len(events) - (end != "cut"))
    if draw(st.booleans()):
        events.insert(draw(st.integers(0, len(events))), sse(None, "[DONE]"))
    return Generated("completions", events, fields.names)


def _mevent(payload: dict[str, Any]) -> bytes:
    return sse(str(payload["type"]), dumps(payload))


@st.composite
def messages_streams(draw: Any, extras: bool = False) -> Generated:
    fields = _Fields(draw, extras)
    message: dict[str, Any] = {"id": "msg_1", "type": "message", "role": "assistant"}
    message.update(model="m", content=[], stop_reason=None, stop_sequence=None)
    message.update(usage={"input_tokens": 3, "output_tokens": 1}, **fields.maybe())
    events = [_mevent({"type": "message_start", "message": message, **fields.maybe()})]
    for index in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["text", "text", "tool_use", "thinking"]))
        if kind == "text":
            block: dict[str, Any] = {"type": "text", "text": "", **fields.maybe()}
            deltas = [
                {"type": "text_delta", "text": t, **fields.maybe()}
                for t in draw(st.lists(text_st, max_size=3))
            ]
            if draw(st.integers(0, 4)) == 0:
                deltas.append({"type": "citations_delta", "citation": {"cited_text": "c"}})
        elif kind == "tool_use":
            block = {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}
            deltas = [{"type": "input_json_delta", "partial_json": '{"a": 1}'}]
        else:
            block = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [{"type": "thinking_delta", "thinking": "hm"}]
        start = {"type": "content_block_start", "index": index, "content_block": block}
        start.update(fields.maybe())
        events.append(_mevent(start))
        for delta in deltas:
            payload = {"type": "content_block_delta", "index": index, "delta": delta}
            events.append(_mevent({**payload, **fields.maybe()}))
        if draw(st.integers(0, 5)):
            stop = {"type": "content_block_stop", "index": index, **fields.maybe()}
            events.append(_mevent(stop))
    end = draw(st.sampled_from(["stop", "stop", "error", "stop+error", "cut", "delta-only"]))

    def message_delta(reason: str | None, sequence: str | None) -> bytes:
        delta = {"stop_reason": reason, "stop_sequence": sequence, **fields.maybe()}
        usage = {"output_tokens": draw(st.integers(1, 9))}
        return _mevent({"type": "message_delta", "delta": delta, "usage": usage, **fields.maybe()})

    if draw(st.integers(0, 3)) == 0:  # a usage update without a stop reason
        events.append(message_delta(None, None))
    if end != "cut" and end != "error":
        stop = draw(st.sampled_from(MESSAGES_STOPS))
        events.append(message_delta(*stop))
        if draw(st.integers(0, 3)) == 0:  # a later message_delta, same or other stop reason
            events.append(message_delta(*draw(st.sampled_from([stop, *MESSAGES_STOPS]))))
    events = _sprinkle(draw, "messages", events, len(events))
    if end == "error" or end == "stop+error":
        error = {"type": "overloaded_error", "message": "Overloaded", **fields.maybe()}
        events.append(_mevent({"type": "error", "error": error, **fields.maybe()}))
    elif end == "stop":
        events.append(_mevent({"type": "message_stop", **fields.maybe()}))
        trailers = [b"", b"data: [DONE]\n\n", b"event: done\ndata: [DONE]\n\n"]
        trailer = draw(st.sampled_from(trailers))
        if trailer:
            events.append(trailer)
    return Generated("messages", events, fields.names)


def any_stream(extras: bool = False) -> st.SearchStrategy[Generated]:
    return st.one_of(legacy_streams(extras), completions_streams(extras), messages_streams(extras))
