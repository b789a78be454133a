"""Builders of Anthropic streams for the converter tests, with the server's key order (SPEC §1).

* :func:`legacy_stream`: 2023-01-01, data-only events holding the *cumulative* completion, keys
  ``completion, stop, stop_reason, truncated, log_id, model, exception``, CRLF framing, timestamp
  pings, ``data: [DONE]``.
* :func:`completions_stream`: 2023-06-01, ``event: completion`` with incremental text, keys
  ``type, id, completion, stop_reason, model, stop, log_id``, a final ``"completion":""`` event
  with the stop reason, or an ``event: error``.
* :func:`messages_stream`: Messages events built from :class:`Block` descriptions.

Every builder returns ``bytes``; :func:`split_events` cuts a stream into its events (each with
its blank line) and :func:`read_fixture` reads ``tests/fixtures/*.sse``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sseconv

HUMAN = "\n\nHuman:"
FIXTURES = Path(__file__).parent / "fixtures"
COMPL_ID = "compl_01TestTestTestTestTestTest"
LEGACY_LOG_ID = "f5d95cf326a4ac39ee36a35f434a59d5"
MSG_ID = "msg_01TestTestTestTestTestTest"
PING_DATA = '{"type": "ping"}'
LEGACY_PING = "2023-04-28 21:18:31.866238"


def dumps(value: Any, *, ascii: bool = False) -> str:
    """Compact JSON as the servers wrote it (non-ASCII raw unless ``ascii``)."""
    return json.dumps(value, ensure_ascii=ascii, separators=(",", ":"))


def sse(name: str | None, data: str, *, eol: str = "\n") -> bytes:
    """One SSE event (``data`` must be one line)."""
    head = "" if name is None else f"event: {name}{eol}"
    return f"{head}data: {data}{eol}{eol}".encode("utf-8", "surrogatepass")


def json_event(name: str | None, payload: object) -> bytes:
    """One LF event whose data is ``payload``: a string as it is, anything else as JSON."""
    data = payload if isinstance(payload, str) else json.dumps(payload)
    head = b"" if name is None else f"event: {name}\n".encode()
    return head + f"data: {data}\n\n".encode()


def short_completion(text: str, stop_reason: str | None = None) -> bytes:
    """A small 2023-06-01 ``completion`` event (``stop`` is ``"\\n\\nHuman:"`` when it stops)."""
    stop = HUMAN if stop_reason else None
    payload: dict[str, str | None] = {"type": "completion", "id": "compl_1", "completion": text}
    payload.update(stop_reason=stop_reason, model="claude-2.1", stop=stop, log_id="compl_1")
    return json_event("completion", payload)


def read_fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


FIXTURE_NAMES = sorted(p.name for p in FIXTURES.glob("*.sse"))

_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_events(stream: bytes) -> list[bytes]:
    """Cut a stream into its events, each with the lines before it (comments, ``event:``) and
    the blank line that ends it; trailing bytes without a blank line form a last piece."""
    out: list[bytes] = []
    start = 0
    for match in _LINE.finditer(stream):
        line = match.group()
        if line in (b"\n", b"\r", b"\r\n"):
            out.append(stream[start : match.end()])
            start = match.end()
    if start < len(stream):
        out.append(stream[start:])
    return out


def convert_all(
    data: bytes | Iterable[bytes], to: str, **options: Any
) -> tuple[bytes, sseconv.Report]:
    """Feed ``data`` (bytes or chunks) to a fresh Converter, close it, return output and report."""
    converter = sseconv.Converter(to, **options)
    chunks = [data] if isinstance(data, bytes) else list(data)
    out = b"".join(converter.feed(chunk) for chunk in chunks) + converter.close()
    return out, converter.report


def events_of(output: bytes) -> list[sseconv.ServerSentEvent]:
    """Parse output bytes into SSE events (the final block is dispatched too)."""
    parser = sseconv.SSEParser(dispatch_incomplete=True)
    return parser.feed(output) + parser.close()


def payloads(output: bytes, name: str | None = "completion") -> list[dict[str, Any]]:
    """The JSON payloads of the events called ``name`` (``None``: data-only JSON events)."""
    found: list[dict[str, Any]] = []
    for event in events_of(output):
        if event.event == name and event.data.startswith("{"):
            value = json.loads(event.data)
            assert isinstance(value, dict)
            found.append(value)
    return found


# -- legacy (2023-01-01) ----------------------------------------------------------------------


def legacy_payload(
    completion: str,
    *,
    stop: str | None = None,
    stop_reason: str | None = None,
    log_id: str | None = LEGACY_LOG_ID,
    model: str | None = "claude-v1",
    exception: str | None = None,
    ascii: bool = False,
) -> str:
    return dumps(
        {
            "completion": completion,
            "stop": stop,
            "stop_reason": stop_reason,
            "truncated": False,
            "log_id": log_id,
            "model": model,
            "exception": exception,
        },
        ascii=ascii,
    )


def legacy_event(completion: str, *, eol: str = "\r\n", **fields: Any) -> bytes:
    return sse(None, legacy_payload(completion, **fields), eol=eol)


def legacy_ping(*, eol: str = "\r\n", stamp: str = LEGACY_PING) -> bytes:
    return sse("ping", stamp, eol=eol)


def legacy_done(*, eol: str = "\r\n") -> bytes:
    return sse(None, "[DONE]", eol=eol)


def legacy_stream(
    tokens: Sequence[str],
    *,
    stop_reason: str | None = "stop_sequence",
    stop: str | None = HUMAN,
    final: str = "",
    exception: str | None = None,
    done: bool = True,
    ping_after: int | None = None,
    eol: str = "\r\n",
    ascii: bool = False,
    log_id: str | None = LEGACY_LOG_ID,
    model: str | None = "claude-v1",
) -> bytes:
    """A legacy stream: one event per token (cumulative text), then (unless ``stop_reason`` is
    None) the final event with the text plus ``final`` and the stop fields, then ``[DONE]``.

    With ``exception``, the final event carries it instead (stop fields null). ``done`` decides
    whether ``[DONE]`` follows; ``ping_after=k`` puts a ping after the k-th token event."""
    common: dict[str, Any] = {"log_id": log_id, "model": model, "ascii": ascii, "eol": eol}
    parts: list[bytes] = []
    text = ""
    for i, token in enumerate(tokens):
        text += token
        parts.append(legacy_event(text, **common))
        if ping_after == i + 1:
            parts.append(legacy_ping(eol=eol))
    if exception is not None:
        parts.append(legacy_event(text + final, exception=exception, **common))
    elif stop_reason is not None:
        parts.append(legacy_event(text + final, stop=stop, stop_reason=stop_reason, **common))
    else:
        return b"".join(parts)
    if done:
        parts.append(legacy_done(eol=eol))
    return b"".join(parts)


# -- completions (2023-06-01) -----------------------------------------------------------------


def completions_payload(
    completion: str,
    *,
    stop_reason: str | None = None,
    stop: str | None = None,
    id: str | None = COMPL_ID,
    model: str | None = "claude-2.1",
    log_id: str | None = COMPL_ID,
    ascii: bool = False,
) -> str:
    return dumps(
        {
            "type": "completion",
            "id": id,
            "completion": completion,
            "stop_reason": stop_reason,
            "model": model,
            "stop": stop,
            "log_id": log_id,
        },
        ascii=ascii,
    )


def completions_event(completion: str, *, eol: str = "\n", **fields: Any) -> bytes:
    return sse("completion", completions_payload(completion, **fields), eol=eol)


def completions_error(
    type: str = "overloaded_error", message: str = "Overloaded", *, eol: str = "\n"
) -> bytes:
    return sse(
        "error", dumps({"type": "error", "error": {"type": type, "message": message}}), eol=eol
    )


def completions_ping(*, eol: str = "\n") -> bytes:
    return sse("ping", PING_DATA, eol=eol)


def completions_stream(
    tokens: Sequence[str],
    *,
    stop_reason: str | None = "stop_sequence",
    stop: str | None = HUMAN,
    error: tuple[str, str] | None = None,
    ping_after: int | None = None,
    eol: str = "\n",
    ascii: bool = False,
    id: str | None = COMPL_ID,
    model: str | None = "claude-2.1",
) -> bytes:
    """A completions stream: one event per token, then an ``error`` event (``error=(type,
    message)``) or the final ``"completion":""`` event with the stop fields (none when
    ``stop_reason`` is None: a cut stream). ``ping_after=k`` puts a ping after token k."""
    common: dict[str, Any] = {"id": id, "model": model, "log_id": id, "ascii": ascii, "eol": eol}
    parts: list[bytes] = []
    for i, token in enumerate(tokens):
        parts.append(completions_event(token, **common))
        if ping_after == i + 1:
            parts.append(completions_ping(eol=eol))
    if error is not None:
        parts.append(completions_error(*error, eol=eol))
    elif stop_reason is not None:
        parts.append(completions_event("", stop_reason=stop_reason, stop=stop, **common))
    return b"".join(parts)


# -- messages ---------------------------------------------------------------------------------


@dataclass
class Block:
    """One content block: its ``content_block`` object and its ``delta`` objects."""

    content_block: dict[str, Any]
    deltas: list[dict[str, Any]] = field(default_factory=list)
    stop: bool = True

    @property
    def type(self) -> str:
        return str(self.content_block["type"])


def text_block(*texts: str, citations: Sequence[dict[str, Any]] = ()) -> Block:
    deltas: list[dict[str, Any]] = [{"type": "text_delta", "text": t} for t in texts]
    deltas += [{"type": "citations_delta", "citation": c} for c in citations]
    return Block({"type": "text", "text": ""}, deltas)


def tool_block(*partials: str, name: str = "get_weather", id: str = "toolu_01Test") -> Block:
    return Block(
        {"type": "tool_use", "id": id, "name": name, "input": {}},
        [{"type": "input_json_delta", "partial_json": p} for p in partials],
    )


def thinking_block(*thoughts: str, signature: str | None = "c2lnbmF0dXJl") -> Block:
    deltas: list[dict[str, Any]] = [{"type": "thinking_delta", "thinking": t} for t in thoughts]
    if signature is not None:
        deltas.append({"type": "signature_delta", "signature": signature})
    return Block({"type": "thinking", "thinking": "", "signature": ""}, deltas)


CITATION = {
    "type": "char_location",
    "cited_text": "The sky is blue.",
    "document_index": 0,
    "document_title": "Facts",
    "start_char_index": 0,
    "end_char_index": 16,
}


def message_start(
    *, id: str = MSG_ID, model: str = "claude-sonnet-4-5", usage: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "type": "message_start",
        "message": {
            "id": id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage if usage is not None else {"input_tokens": 11, "output_tokens": 1},
        },
    }


def mevent(payload: dict[str, Any], *, eol: str = "\n") -> bytes:
    """A Messages event: name = payload type."""
    return sse(str(payload["type"]), dumps(payload), eol=eol)


def messages_events(
    blocks: Sequence[Block],
    *,
    stop_reason: str | None = "end_turn",
    stop_sequence: str | None = None,
    output_tokens: int = 42,
    ping: bool = True,
    error: tuple[str, str] | None = None,
    finished: bool = True,
    start: dict[str, Any] | None = None,
    eol: str = "\n",
) -> list[bytes]:
    """The events of a Messages stream, one ``bytes`` each.

    ``error=(type, message)`` ends the stream with an ``error`` event after the blocks;
    ``stop_reason=None`` or ``finished=False`` leaves out ``message_delta``/``message_stop``
    (a cut stream). A ping follows the first ``content_block_start`` when ``ping``."""
    out = [mevent(start if start is not None else message_start(), eol=eol)]
    for index, block in enumerate(blocks):
        out.append(
            mevent(
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": block.content_block,
                },
                eol=eol,
            )
        )
        if ping and index == 0:
            out.append(sse("ping", PING_DATA, eol=eol))
        for delta in block.deltas:
            out.append(
                mevent({"type": "content_block_delta", "index": index, "delta": delta}, eol=eol)
            )
        if block.stop:
            out.append(mevent({"type": "content_block_stop", "index": index}, eol=eol))
    if error is not None:
        out.append(
            mevent({"type": "error", "error": {"type": error[0], "message": error[1]}}, eol=eol)
        )
        return out
    if stop_reason is None or not finished:
        return out
    out.append(
        mevent(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
                "usage": {"output_tokens": output_tokens},
            },
            eol=eol,
        )
    )
    out.append(mevent({"type": "message_stop"}, eol=eol))
    return out


def messages_stream(blocks: Sequence[Block], **options: Any) -> bytes:
    """A Messages stream (options of :func:`messages_events`)."""
    return b"".join(messages_events(blocks, **options))


def text_of(output: bytes, dialect: str) -> str:
    """The completion text a consumer of ``dialect`` would assemble from ``output``."""
    if dialect == "legacy":
        texts = [p["completion"] for p in payloads(output, None)]
        return str(texts[-1]) if texts else ""
    if dialect == "completions":
        return "".join(str(p["completion"]) for p in payloads(output, "completion"))
    by_index: dict[int, str] = {}
    kinds: dict[int, str] = {}
    for p in payloads(output, "content_block_start"):
        kinds[p["index"]] = p["content_block"]["type"]
        by_index[p["index"]] = ""
    for p in payloads(output, "content_block_delta"):
        if p["delta"]["type"] == "text_delta":
            by_index[p["index"]] += p["delta"]["text"]
    return "".join(t for i, t in sorted(by_index.items()) if kinds.get(i) == "text")


def deltas_of(output: bytes) -> list[str]:
    """The non-empty completion deltas of a completions stream."""
    return [str(p["completion"]) for p in payloads(output, "completion") if p["completion"]]
