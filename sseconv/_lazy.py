"""Public names imported on first use (PEP 562): the one mechanism behind ``sseconv`` and
``sseconv.types``, so that importing them loads neither pydantic nor httpx."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    namespace: dict[str, Any], homes: Mapping[str, str], *public: ModuleType
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of the module whose ``globals()`` is
    *namespace*: a name of *homes* is imported from its module (relative to the package) on
    first use, then kept in the namespace; so is each name of a *public* module's ``__all__``,
    from that module."""
    module, package = namespace["__name__"], namespace["__package__"]
    homes = {**homes, **{n: m.__name__.rsplit(".", 1)[1] for m in public for n in m.__all__}}

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{home}", package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(homes))

    return __getattr__, __dir__
