"""The stop-reason mapping between the Messages and the completion vocabularies, both ways.

A completion stream (``legacy``, ``completions``) stops with ``stop_reason`` and ``stop``; a
Messages stream with ``stop_reason`` and ``stop_sequence``. The completion API ended a turn by
stopping at the next ``"\\n\\nHuman:"``, which the Messages API calls ``end_turn``:

- into a completion dialect, ``end_turn`` becomes ``stop_sequence`` with stop
  ``"\\n\\nHuman:"``; every other pair passes as it is;
- into Messages, ``stop_sequence`` with stop ``"\\n\\nHuman:"`` or none becomes ``end_turn``
  with no stop sequence; every other pair passes as it is.

So a turn's end goes round trip either way.
"""

from __future__ import annotations

__all__ = ["HUMAN_STOP", "to_completion", "to_messages"]

#: The stop sequence that ended a turn in the completion API (and the prompt's turn marker).
HUMAN_STOP = "\n\nHuman:"


def to_completion(stop_reason: str, stop_sequence: str | None) -> tuple[str, str | None]:
    """A Messages stop reason and sequence as completion ``(stop_reason, stop)``."""
    if stop_reason == "end_turn":
        return "stop_sequence", HUMAN_STOP
    return stop_reason, stop_sequence


def to_messages(stop_reason: str | None, stop: str | None) -> tuple[str | None, str | None]:
    """A completion stop reason and ``stop`` as Messages ``(stop_reason, stop_sequence)``."""
    if stop_reason == "stop_sequence" and stop in (None, HUMAN_STOP):
        return "end_turn", None
    return stop_reason, stop
