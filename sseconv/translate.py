"""Request translation: 2023 ``/v1/complete`` requests served by today's ``/v1/messages``.

Pure functions and one sans-IO object; nothing here does I/O. The rules, in full, are in the
docstrings of :func:`complete_to_messages` (module ``sseconv._requests``) and
:func:`message_to_completion`, and in the README section "2023 code against today's API".

- :func:`complete_to_messages` / :func:`messages_to_complete`: request bodies, both ways (the
  two invert each other on canonical requests).
- :func:`message_to_completion`: a non-stream Messages response as the completion JSON of a
  2023 dialect (streams go through :class:`sseconv.Converter`).
- :class:`CompleteExchange`: one ``/v1/complete`` exchange served from ``/v1/messages``: the
  client's dialect, the upstream request, and the answer to the client (converted with the
  options of :class:`ExchangeOptions`). The httpx transports (``complete_via_messages=True``),
  the drop-in 2023 client and the gateway all use it.
- :class:`RequestError`, :func:`error_body`: refusals, in the API's error JSON shape.
- :data:`RETIRED_MODELS`: the documented table of retired model names; :data:`UPSTREAM_VERSION`.
"""

from ._exchange import CompleteExchange, ExchangeOptions
from ._requests import (
    AI_PROMPT,
    HUMAN_PROMPT,
    RETIRED_MODELS,
    UPSTREAM_VERSION,
    RequestError,
    complete_to_messages,
    error_body,
    messages_to_complete,
)
from ._responses import convert_message, message_to_completion

__all__ = [
    "AI_PROMPT",
    "HUMAN_PROMPT",
    "RETIRED_MODELS",
    "UPSTREAM_VERSION",
    "CompleteExchange",
    "ExchangeOptions",
    "RequestError",
    "complete_to_messages",
    "convert_message",
    "error_body",
    "message_to_completion",
    "messages_to_complete",
]
