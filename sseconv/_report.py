"""What a conversion did: counts of everything removed, dropped or passed through."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._dialect import Dialect

if TYPE_CHECKING:
    from ._events import StreamError

__all__ = ["Report"]


@dataclass
class Report:
    """The account of one conversion; nothing is dropped without being counted here.

    Attributes:
        target: the dialect written (``None`` for a reader of model events, or a check).
        source: the dialect read (``None`` until detected).
        events_in: SSE events read (every dispatched event).
        events_out: SSE events written.
        dropped: content with no place in the target, counted by kind: block types
            (``"tool_use"``, ``"thinking"``, …), delta types inside kept blocks
            (``"citations_delta"``), ``"unknown:<event>"`` for unknown events a legacy target
            cannot carry or that would follow the end of the output, ``"ping"`` for pings
            dropped on request, ``"ping_after_end"`` for pings after the target's final event
            (the completions dialect allows nothing after it), ``"error_after_end"`` for an
            error after the final event was written, ``"message_delta"`` for a later
            ``message_delta`` whose stop reason differs from the one written.
        dropped_fields: fields of input events that have no place in the target, counted
            per event by path: ``"message_start.message.container"``,
            ``"message_delta.delta.stop_details"``, ``"message_stop.<field>"``,
            ``"error.error.<field>"``, ``"completion.<field>"``, ``"content_block_start.
            content_block.citations"``, … (their values are not kept).
        skipped_empty_deltas: non-final events whose new text was empty (no output needed).
        removed_done: stray ``[DONE]`` lines removed from a completions or Messages stream.
        passed_through: unknown events passed through verbatim, by event name.
        malformed: malformed events met in lenient mode (passed through or dropped).
        malformed_dropped: of those, how many the target could not carry.
        after_end: events after the end of the stream dropped in lenient mode.
        usage: Messages usage that had no place in the target (``message_start`` usage
            updated by the cumulative ``message_delta`` usage).
        finished: whether the input stream really finished (terminator, final event or error).
        incomplete_block: whether the input ended in the middle of an event.
        api_error: the API error that ended the stream (an ``error`` event or a legacy
            ``exception``), if any: the stream finished, without an answer.
    """

    target: Dialect | None = None
    source: Dialect | None = None
    events_in: int = 0
    events_out: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    dropped_fields: Counter[str] = field(default_factory=Counter)
    skipped_empty_deltas: int = 0
    removed_done: int = 0
    passed_through: Counter[str] = field(default_factory=Counter)
    malformed: int = 0
    malformed_dropped: int = 0
    after_end: int = 0
    usage: dict[str, Any] | None = None
    finished: bool = False
    incomplete_block: bool = False
    api_error: StreamError | None = None

    def warnings(self) -> list[str]:
        """One human-readable line per thing a user should know about, most important first."""
        lines = []
        if not self.finished:
            where = " (it ended inside an event)" if self.incomplete_block else ""
            lines.append(f"input incomplete: the stream did not finish{where}")
        for kind, count in sorted(self.dropped.items()):
            why = _WHY.get(kind, "no place in {target}").format(target=self.target)
            lines.append(f"dropped {count} × {kind} ({why})")
        if self.dropped_fields:
            fields = ", ".join(f"{k} ({n})" for k, n in sorted(self.dropped_fields.items()))
            lines.append(f"dropped fields {fields} (no place in {self.target})")
        if self.usage is not None:
            lines.append(f"dropped usage {_compact(self.usage)} (no place in {self.target})")
        if self.removed_done:
            lines.append(f"removed {self.removed_done} × [DONE] (not part of {self.source})")
        for name, count in sorted(self.passed_through.items()):
            lines.append(f"passed through {count} × unknown event {name!r}")
        if self.malformed:
            kept = self.malformed - self.malformed_dropped
            lines.append(
                f"malformed events: {self.malformed} ({kept} passed through, "
                f"{self.malformed_dropped} dropped)"
            )
        if self.after_end:
            lines.append(f"dropped {self.after_end} event(s) after the end of the stream")
        return lines


_WHY = {
    "ping": "as asked",
    "ping_after_end": "nothing may follow the final event in {target}",
    "error_after_end": "the final event was written already",
    "message_delta": "the final event was written with another stop reason",
}


def _compact(value: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in value.items())
