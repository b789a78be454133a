"""Non-stream responses: a Messages JSON body as the completion JSON of a 2023 dialect.

The message is written as the Messages stream that would have carried it and read as the
dicts of :func:`~sseconv.legacy_completions` (the legacy encoder's), so a non-stream answer
follows exactly the stream rules (the stop-reason mapping, text blocks kept, every other block
dropped and counted in the report, usage reported) and there is one home for each of them.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping
from typing import Any

from ._dialect import Dialect
from ._errors import MalformedEventError
from ._legacy_adapter import legacy_completions
from ._options import Mode
from ._report import Report
from ._sse import ServerSentEvent, encode_sse

__all__ = ["convert_message", "message_to_completion"]

# The 2023-06-01 completion keys, in the server's order.
_COMPLETION_KEYS = ("type", "id", "completion", "stop_reason", "model", "stop", "log_id")


def _event(payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload, separators=(",", ":"))  # (ASCII: a lone surrogate is escaped)
    return encode_sse(ServerSentEvent(data=data, event=payload["type"]))


def _as_stream(message: Mapping[str, Any]) -> bytes:
    content = message.get("content")
    if not isinstance(content, list):
        raise MalformedEventError(
            f"expected a Messages response with a content list, found {type(content).__name__}"
        )
    start = {key: value for key, value in message.items() if key != "content"}
    start.update(content=[], stop_reason=None, stop_sequence=None)
    stop = {key: message.get(key) for key in ("stop_reason", "stop_sequence")}
    usage = {"usage": message["usage"]} if "usage" in message else {}
    payloads: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
    for index, block in enumerate(content):
        payloads.append({"type": "content_block_start", "index": index, "content_block": block})
        payloads.append({"type": "content_block_stop", "index": index})
    payloads.append({"type": "message_delta", "delta": stop, **usage})
    payloads.append({"type": "message_stop"})
    return b"".join(map(_event, payloads))


def convert_message(
    message: Mapping[str, Any], to: Dialect | str, *, mode: Mode = "default"
) -> tuple[dict[str, Any], Report]:
    """:func:`message_to_completion` with the conversion's :class:`~sseconv.Report` (what had
    no place: blocks by type, usage)."""
    target = Dialect.parse(to)
    if target is Dialect.MESSAGES:
        return dict(message), Report(target=target, source=target, finished=True)
    if not isinstance(message, Mapping):
        raise MalformedEventError(
            f"expected a Messages response object, found {type(message).__name__}"
        )
    dicts = legacy_completions(_as_stream(message), source=Dialect.MESSAGES, mode=mode)
    written = deque(dicts, maxlen=1)  # the last dict has it all
    if not written:  # (lenient mode: a message without text or a stop reason)
        raise MalformedEventError("expected a Messages response with a stop reason, found none")
    last = written[0]
    report = dicts.report
    report.target = target
    if target is Dialect.LEGACY:
        return last, report
    fields = {key: last[key] for key in _COMPLETION_KEYS[2:]}
    dropped = (*_COMPLETION_KEYS, "truncated", "exception")
    extra = {key: value for key, value in last.items() if key not in dropped}
    return {"type": "completion", "id": last["log_id"], **fields, **extra}, report


def message_to_completion(message: Mapping[str, Any], to: Dialect | str) -> dict[str, Any]:
    """The non-stream completion JSON of dialect ``to`` for a Messages response JSON.

    ``legacy`` (2023-01-01): ``completion, stop, stop_reason, truncated, log_id, model,
    exception`` with ``truncated`` false and ``exception`` null; ``completions`` (2023-06-01):
    ``type, id, completion, stop_reason, model, stop, log_id``. The text is that of the text
    blocks in order; ``end_turn`` becomes ``stop_sequence`` with stop ``"\\n\\nHuman:"``,
    as in the streams; ``id`` and ``log_id`` are the message id.

    Raises:
        MalformedEventError: ``message`` is not a Messages response.
    """
    return convert_message(message, to)[0]
