"""Requests: a ``/v1/complete`` body as a ``/v1/messages`` body, and back (sans-IO).

The rules (each one has a test in ``tests/test_translate.py``):

- ``prompt`` is cut into turns at every ``"\\n\\nHuman:"`` and ``"\\n\\nAssistant:"``; exactly one
  space after the colon is removed from each turn (and written back by the reverse mapping).
- Text before the first turn becomes ``system`` (verbatim; absent when empty).
- The prompt must hold a Human turn, must not start with an Assistant turn and must end with an
  Assistant turn, or it is refused with the old API's ``invalid_request_error`` wording.
- A final Assistant turn with text becomes an assistant prefill without its trailing whitespace
  (the Messages API refuses trailing whitespace there); an empty one is dropped.
- Consecutive turns of one role become one message whose content is one text block per turn; a
  single turn's content is a plain string. Every other turn must have non-whitespace text.
- ``max_tokens_to_sample`` -> ``max_tokens``; ``stop_sequences`` without ``"\\n\\nHuman:"`` (the
  end of the turn stops the model already); ``temperature``, ``top_p``, ``top_k``,
  ``metadata.user_id`` and ``stream`` carried; any other field is passed on unchanged, for the
  upstream to accept or refuse.
- ``model`` through a table of retired names (:data:`RETIRED_MODELS`, overridable); unknown
  names unchanged.

The reverse mapping undoes each rule, so that ``messages_to_complete(complete_to_messages(b))
== b`` for every request ``b`` that is already in the canonical form (one space after each
colon, no trailing whitespace after a final Assistant turn, ``"\\n\\nHuman:"`` first among
``stop_sequences`` when they are given, a model name the table leaves alone).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from ._codecs._stop import HUMAN_STOP
from ._errors import SSEConvError, UsageError
from ._json import dump, to_bytes

__all__ = [
    "AI_PROMPT",
    "HUMAN_PROMPT",
    "RETIRED_MODELS",
    "UPSTREAM_VERSION",
    "RequestError",
    "compact_json",
    "complete_to_messages",
    "error_body",
    "messages_to_complete",
]

HUMAN_PROMPT = HUMAN_STOP  # "\n\nHuman:", also the stop the completion dialects report
AI_PROMPT = "\n\nAssistant:"

#: The ``anthropic-version`` sent to ``/v1/messages``: the newest one that still accepts
#: ``temperature``, ``top_p`` and ``top_k`` (``2026-10-21`` refuses them).
UPSTREAM_VERSION = "2023-06-01"

_INSTANT = "claude-haiku-4-5"
_CLAUDE = "claude-sonnet-4-6"

#: Model names ``/v1/complete`` served (all retired: claude-1.x and instant-1.x on 2024-11-06,
#: claude-2.x on 2025-07-21; the 1.x names in both spellings, ``claude-v1.3`` and ``claude-1.3``)
#: and the current model each is sent as: the instant models to the small fast tier, the others
#: to the balanced tier. Pass ``models=`` to use another table.
RETIRED_MODELS: Mapping[str, str] = MappingProxyType(
    {
        **{
            f"claude-{one}{version}": _CLAUDE
            for one in ("v1", "1")
            for version in ("", "-100k", ".0", ".2", ".3", ".3-100k")
        },
        **dict.fromkeys(("claude-2", "claude-2.0", "claude-2.1"), _CLAUDE),
        **{
            f"claude-instant-{one}{version}": _INSTANT
            for one in ("v1", "1")
            for version in ("", "-100k", ".0", ".1", ".1-100k")
        },
        "claude-instant-1.2": _INSTANT,
    }
)

_Default = TypeVar("_Default", Mapping[str, str], None)
_TABLE = "expected models as a mapping of model names to model names"


def model_table(models: object, default: _Default) -> Mapping[str, str] | _Default:
    """A ``models=`` argument, checked by the one rule of every entry point that takes one
    (the translations, the httpx transports and the 2023 client, recordings, the gateway):
    ``default`` for ``None``, else a copy of a mapping of model names to model names (any
    strings: the API judges the names). A :class:`UsageError` naming what is wrong otherwise.
    """
    if models is None:
        return default
    if not isinstance(models, Mapping):
        raise UsageError(f"{_TABLE}, found {models!r:.60}")
    for old, new in models.items():
        if not isinstance(old, str) or not isinstance(new, str):
            raise UsageError(f"{_TABLE}, found the entry {old!r:.60}: {new!r:.60}")
    return dict(models)


# The old API's own wording for the prompts it refused.
MUST_START = f'prompt must start with "{HUMAN_PROMPT}" turn after an optional system prompt'
MUST_END = f'prompt must end with "{AI_PROMPT}" turn'

_TURN = re.compile(r"\n\n(Human|Assistant):")
_ROLES = {"Human": "user", "Assistant": "assistant"}
_LABELS = {"user": HUMAN_PROMPT, "assistant": AI_PROMPT}
# Messages features that a completion request cannot express.
_MESSAGES_ONLY = frozenset(
    ("tools", "tool_choice", "thinking", "mcp_servers", "container", "output_format")
)


def error_body(type: str, message: str) -> bytes:
    """The API's error JSON, ``{"type":"error","error":{"type":…,"message":…}}``, as bytes."""
    payload = {"type": "error", "error": {"type": type, "message": message}}
    return compact_json(payload)


def compact_json(value: Any) -> bytes:
    """Compact JSON bytes, non-ASCII as is, a lone surrogate (from a ``\\udXXX`` escape in
    the input) as its escape."""
    return to_bytes(dump(value))


class RequestError(SSEConvError):
    """A request that cannot be translated (or, by the gateway, served); answered with the
    API's error JSON.

    Attributes:
        status: the HTTP status to answer with (400 for a bad request).
        type: the error type: ``"invalid_request_error"``, or for an ``anthropic-version``
            header ``"version_required"``, ``"invalid_version"``, ``"unsupported_version"``
            (the gateway's own answers: ``"request_too_large"``, ``"timeout_error"``,
            ``"api_error"``).
        message: what is wrong, in the API's words where the API had words for it.
    """

    def __init__(self, message: str, *, status: int = 400, type: str = "invalid_request_error"):
        super().__init__(message)
        self.status = status
        self.type = type

    def body(self) -> bytes:
        """The error JSON to answer with."""
        return error_body(self.type, self.message)


def _field(body: Mapping[str, Any], name: str, kind: type | tuple[type, ...], what: str) -> Any:
    if name not in body:
        raise RequestError(f"{name}: Field required")
    value = body[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise RequestError(f"{name}: expected {what}, found {type(value).__name__}")
    return value


def _prompt(prompt: str) -> tuple[str, list[dict[str, Any]]]:
    """``(system, messages)`` for a prompt, one space after each colon removed; refuses what the
    old API refused."""
    system, *rest = _TURN.split(prompt)
    turns = [
        (_ROLES[label], text.removeprefix(" "))
        for label, text in zip(rest[::2], rest[1::2], strict=True)
    ]
    if not turns or turns[0][0] != "user":
        raise RequestError(MUST_START)
    if turns[-1][0] != "assistant":
        raise RequestError(MUST_END)
    final = turns.pop()[1].rstrip()
    if final:
        turns.append(("assistant", final))
    for number, (role, text) in enumerate(turns, 1):
        if not text.strip():
            name = "Human" if role == "user" else "Assistant"
            raise RequestError(
                f"prompt turn {number} ({name}) is empty: the Messages API needs text in every "
                "turn but a final Assistant one"
            )
    messages: list[dict[str, Any]] = []
    for role, group in itertools.groupby(turns, key=lambda turn: turn[0]):
        texts = [text for _, text in group]
        content = texts[0] if len(texts) == 1 else [{"type": "text", "text": t} for t in texts]
        messages.append({"role": role, "content": content})
    return system, messages


def complete_to_messages(
    body: Mapping[str, Any], *, models: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The ``/v1/messages`` request for a ``/v1/complete`` request body (see the module rules).

    Args:
        body: the parsed JSON of the completion request.
        models: retired model name -> model to send (default :data:`RETIRED_MODELS`).

    Raises:
        RequestError: a missing or mistyped required field, or a prompt the old API refused
            (``invalid_request_error``, status 400).
    """
    if not isinstance(body, Mapping):
        raise RequestError(f"expected a JSON object, found {type(body).__name__}")
    table = model_table(models, RETIRED_MODELS)
    model = _field(body, "model", str, "a string")
    prompt = _field(body, "prompt", str, "a string")
    max_tokens = _field(body, "max_tokens_to_sample", int, "an integer")
    system, messages = _prompt(prompt)
    out: dict[str, Any] = {"model": table.get(model, model), "max_tokens": max_tokens}
    if system:
        out["system"] = system
    out["messages"] = messages
    for key, value in body.items():
        if key in ("model", "prompt", "max_tokens_to_sample"):
            continue
        if key == "stop_sequences":
            if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
                raise RequestError("stop_sequences: expected a list of strings")
            out[key] = [s for s in value if s != HUMAN_PROMPT]
        elif key == "metadata":
            if not isinstance(value, Mapping):
                raise RequestError(f"metadata: expected an object, found {type(value).__name__}")
            for name in value:
                if name != "user_id":
                    raise RequestError(
                        f"metadata.{name}: has no place in a Messages request (only user_id has)"
                    )
            out[key] = dict(value)
        else:  # temperature, top_p, top_k, stream, and fields new to sseconv: unchanged
            out[key] = value
    return out


# -- the reverse direction ------------------------------------------------------------------


def _texts(content: Any, where: str) -> list[str]:
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list) or not content:
        raise RequestError(f"{where}.content: expected a string or a list of text blocks")
    texts = []
    for i, block in enumerate(content):
        if not isinstance(block, Mapping) or block.get("type") != "text":
            kind = block.get("type") if isinstance(block, Mapping) else type(block).__name__
            raise RequestError(
                f"{where}.content.{i}: a {kind!r} block has no place in a completion prompt"
            )
        if not isinstance(block.get("text"), str):
            raise RequestError(f"{where}.content.{i}.text: expected a string")
        extra = sorted(set(block) - {"type", "text"})
        if extra:
            raise RequestError(
                f"{where}.content.{i}.{extra[0]}: has no place in a completion prompt"
            )
        texts.append(block["text"])
    return texts


def messages_to_complete(
    body: Mapping[str, Any], *, models: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The ``/v1/complete`` request for a ``/v1/messages`` request body (for recordings and
    tests): the inverse of :func:`complete_to_messages` on canonical requests.

    Args:
        body: the parsed JSON of the Messages request.
        models: model name -> name to write (default: none, every name kept).

    Raises:
        RequestError: what has no place in a completion request (non-text content blocks,
            ``tools``, ``thinking``…, a text containing a turn marker), named by its path.
    """
    if not isinstance(body, Mapping):
        raise RequestError(f"expected a JSON object, found {type(body).__name__}")
    model = _field(body, "model", str, "a string")
    max_tokens = _field(body, "max_tokens", int, "an integer")
    messages = _field(body, "messages", list, "a list")
    parts = ["".join(_texts(body["system"], "system"))] if "system" in body else []
    if parts and _TURN.search(parts[0]):
        raise RequestError("system: a text holding a turn marker has no place")
    last_role = None
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping) or message.get("role") not in _LABELS:
            raise RequestError(f"messages.{i}: expected a user or assistant message")
        last_role = message["role"]
        for text in _texts(message.get("content"), f"messages.{i}"):
            if _TURN.search(text):
                raise RequestError(f"messages.{i}: a text holding a turn marker has no place")
            parts.append(f"{_LABELS[last_role]} {text}")
    if last_role != "assistant":
        parts.append(AI_PROMPT)
    prompt = "".join(parts)
    table = model_table(models, {})
    out: dict[str, Any] = {
        "model": table.get(model, model),
        "prompt": prompt,
        "max_tokens_to_sample": max_tokens,
    }
    for key, value in body.items():
        if key in ("model", "max_tokens", "messages", "system"):
            continue
        if key == "stop_sequences":
            if not isinstance(value, list):
                raise RequestError("stop_sequences: expected a list of strings")
            out[key] = [HUMAN_PROMPT, *value]
        elif key in _MESSAGES_ONLY:
            raise RequestError(f"{key}: has no place in a completion request")
        else:  # temperature, top_p, top_k, metadata, stream, and fields new to sseconv
            out[key] = value
    return out
