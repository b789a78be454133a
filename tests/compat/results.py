"""The shapes of what the compat readers return (plain JSON-compatible dicts)."""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = [
    "CompletionsResult",
    "ErrorInfo",
    "LegacyResult",
    "MessagesCreateResult",
    "MessagesResult",
    "RequestInfo",
]


class ErrorInfo(TypedDict, total=False):
    """An exception the client raised while reading (``type`` is the class name)."""

    type: str
    module: str
    message: str
    args: list[str]  # 0.2.10 only
    status_code: int | None  # 0.3.11 and today's SDK
    body: Any  # 0.3.11 and today's SDK: the parsed error payload


class RequestInfo(TypedDict):
    """The request the client sent (``path`` only, no host)."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any


class LegacyResult(TypedDict):
    """``run_2023_01_01``: what anthropic 0.2.10's ``completion_stream`` yielded."""

    client: str
    mode: str
    events: list[Any]  # every object the generator yielded (dicts for well-formed input)
    texts: list[str]  # the cumulative "completion" of each yielded dict
    text: str  # the last of them
    stop_reason: str | None
    stop: str | None
    model: str | None
    log_id: str | None
    truncated: bool | None
    exception: str | None  # the in-band "exception" field of the last event
    error: ErrorInfo | None  # an exception the SDK raised
    elapsed: float
    request: RequestInfo | None  # as the local HTTP server received it (body as "json")


class CompletionsResult(TypedDict):
    """``run_2023_06_01``: what anthropic 0.3.11's ``completions.create(stream=True)`` yielded."""

    client: str
    httpx: str
    pydantic: str
    mode: str
    events: list[dict[str, Any]]  # model_dump() of each Completion (extra fields kept)
    texts: list[str]  # each Completion's .completion (incremental)
    text: str  # "".join(texts)
    stop_reason: str | None
    stop: str | None
    model: str | None
    log_id: str | None
    id: str | None
    error: ErrorInfo | None
    request: RequestInfo | None
    elapsed: float


class MessagesResult(TypedDict):
    """``read_messages``: today's SDK, ``messages.stream()`` + ``text_stream`` + final message."""

    sdk: str
    mode: str
    texts: list[str]  # what text_stream yielded
    text: str  # concatenated text of the final message's text blocks
    id: str | None
    model: str | None
    role: str | None
    stop_reason: str | None
    stop_sequence: str | None
    content_types: list[str]
    content: list[dict[str, Any]]  # final content blocks, to_dict()
    usage: dict[str, Any] | None
    message: dict[str, Any] | None  # the whole final message, to_dict()
    error: ErrorInfo | None
    request: RequestInfo | None


class MessagesCreateResult(TypedDict):
    """``read_messages_create``: today's SDK, raw events of ``messages.create(stream=True)``."""

    sdk: str
    mode: str
    event_types: list[str]
    events: list[dict[str, Any]]  # to_dict() of each raw event (unknown fields kept)
    texts: list[str]  # the text_delta texts, in order
    text: str
    id: str | None
    model: str | None
    stop_reason: str | None
    stop_sequence: str | None
    error: ErrorInfo | None
    request: RequestInfo | None
