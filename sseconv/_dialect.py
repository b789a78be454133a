"""Dialect names and aliases."""

from __future__ import annotations

from enum import Enum

from ._errors import UsageError

__all__ = ["Dialect"]


class Dialect(str, Enum):
    """The stream formats the Anthropic API has spoken.

    - ``LEGACY`` (alias ``2023-01-01``): data-only events with the cumulative completion, ended
      by ``data: [DONE]``.
    - ``COMPLETIONS`` (alias ``2023-06-01``): named ``completion`` events with incremental text.
    - ``MESSAGES``: the Messages API's named events (``message_start`` … ``message_stop``).
    """

    LEGACY = "legacy"
    COMPLETIONS = "completions"
    MESSAGES = "messages"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, name: Dialect | str) -> Dialect:
        """Return the dialect for a :class:`Dialect`, a name or an alias (case-insensitive).

        Raises:
            UsageError: the name is not a dialect or an alias of one.
        """
        if isinstance(name, str):  # a Dialect too
            found = _ALIASES.get(name.strip().lower())
            if found is not None:
                return found
        known = ", ".join(sorted(_ALIASES))
        raise UsageError(f"expected a dialect ({known}), found {name!r}")


_ALIASES: dict[str, Dialect] = {
    "legacy": Dialect.LEGACY,
    "2023-01-01": Dialect.LEGACY,
    "completions": Dialect.COMPLETIONS,
    "2023-06-01": Dialect.COMPLETIONS,
    "messages": Dialect.MESSAGES,
}
