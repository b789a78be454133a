"""The stop-reason mapping between the Messages and the completion vocabularies, both ways.

The completion API ended a turn by stopping at the next ``"\\n\\nHuman:"``; the Messages API
calls that ``end_turn``. So ``end_turn`` is written into a completion dialect as
``stop_sequence`` with stop ``"\\n\\nHuman:"``, and read back (``stop_sequence`` with that stop,
or with none) as ``end_turn``; every other pair passes as it is.
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
