"""The public surface: what ``sseconv`` and its public submodules export, and where each name
lives. The top level keeps to the names users call (at most 24, not counting ``__version__``,
the model-event classes of ``sseconv.events`` and the exceptions of ``sseconv.errors``)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import subprocess
import sys
import typing
from pathlib import Path
from types import ModuleType

import pytest

import sseconv
import sseconv._codecs
import sseconv._errors
import sseconv._events
import sseconv._options
import sseconv.errors
import sseconv.events
import sseconv.types

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_MODULES = sorted(
    f"sseconv.{info.name}"
    for info in pkgutil.iter_modules(sseconv.__path__)
    if not info.name.startswith("_")
)
# Names that left the top level (0.1.0 was not released with them there) and where they went.
MOVED = {
    "Encoder": "sseconv.types",
    "Mode": "sseconv.types",
    "LegacyCompletions": "sseconv.types",
    "AsyncLegacyCompletions": "sseconv.types",
    "DETECT_LIMIT": "sseconv.types",
    "DEFAULT_MAX_EVENT_SIZE": "sseconv.types",
    "BODY_LIMIT": "sseconv.types",
    "Decoder": None,  # no public function takes or returns one
}


def api_names() -> set[str]:
    """The top-level names that count: neither the version nor an event or exception class."""
    return (
        set(sseconv.__all__)
        - {"__version__"}
        - set(sseconv.events.__all__)
        - set(sseconv.errors.__all__)
    )


def test_the_top_level_has_at_most_24_names_besides_events_and_errors() -> None:
    assert len(api_names()) <= 24, sorted(api_names())
    assert len(sseconv.__all__) == len(set(sseconv.__all__))


def test_the_event_and_exception_classes_are_at_home_and_at_the_top() -> None:
    # what is not counted really is an event or an exception class, and none is left out
    for public, private, base in [
        (sseconv.events, sseconv._events, sseconv._events.ModelEvent),
        (sseconv.errors, sseconv._errors, sseconv._errors.SSEConvError),
    ]:
        assert set(public.__all__) <= set(sseconv.__all__)
        assert all(getattr(sseconv, name) is getattr(public, name) for name in public.__all__)
        exported = {getattr(public, name) for name in public.__all__}
        defined = {
            value
            for value in vars(private).values()
            if isinstance(value, type) and issubclass(value, base)
        }
        assert exported == defined


@pytest.mark.parametrize("name", sorted(MOVED))
def test_moved_names_are_gone_from_the_top_level(name: str) -> None:
    assert name not in sseconv.__all__
    with pytest.raises(AttributeError, match=f"has no attribute '{name}'"):
        getattr(sseconv, name)
    home = MOVED[name]
    if home is None:
        assert not [m for m in PUBLIC_MODULES if name in importlib.import_module(m).__all__]
    else:
        assert name in importlib.import_module(home).__all__


def test_the_types_are_the_library_s_own() -> None:
    from sseconv._codecs import Encoder
    from sseconv._legacy_adapter import AsyncLegacyCompletions, LegacyCompletions
    from sseconv._options import ConvertOptions, Mode

    assert sseconv.types.Mode is Mode
    assert sseconv.Options is sseconv._options.Options
    assert sseconv.types.ConvertOptions is ConvertOptions
    assert set(typing.get_args(sseconv.types.Mode)) == {"strict", "default", "lenient"}
    assert sseconv.types.Encoder is Encoder
    assert sseconv.types.LegacyCompletions is LegacyCompletions
    assert sseconv.types.AsyncLegacyCompletions is AsyncLegacyCompletions
    assert isinstance(sseconv.encoder_for("legacy"), sseconv.types.Encoder)
    with open("examples/legacy.sse", "rb") as f:
        assert isinstance(sseconv.legacy_completions(f), sseconv.types.LegacyCompletions)
    assert sseconv.types.DETECT_LIMIT == 64 * 1024
    assert sseconv.types.DEFAULT_MAX_EVENT_SIZE == 16 * 1024 * 1024
    assert sseconv.types.BODY_LIMIT == 16 * 1024


def test_the_public_modules_are_the_documented_ones() -> None:
    assert PUBLIC_MODULES == [
        "sseconv.errors",
        "sseconv.events",
        "sseconv.httpx",
        "sseconv.httpx2",
        "sseconv.legacy_client",
        "sseconv.recordings",
        "sseconv.replay",
        "sseconv.serve",
        "sseconv.translate",
        "sseconv.types",
    ]
    readme = (ROOT / "README.md").read_text()
    reference = readme.split("\n## API reference\n", 1)[1].split("\n## ", 1)[0]
    for module in PUBLIC_MODULES:
        assert f"`{module}`" in reference, module
    table = [line for line in reference.splitlines() if line.startswith("| ")][1:]
    assert set(re.findall(r"`(\w+)`", "\n".join(table))) == api_names()


@pytest.mark.parametrize("name", ["sseconv", *PUBLIC_MODULES])
def test_every_name_in_a_public_module_s_all_resolves(name: str) -> None:
    module = importlib.import_module(name)
    names = module.__all__
    assert len(names) == len(set(names)), name
    for attribute in names:
        assert getattr(module, attribute) is not None, attribute
    namespace: dict[str, object] = {}
    exec(f"from {name} import *", namespace)  # the star import sees exactly __all__
    assert set(namespace) - {"__builtins__"} == set(names)


def typed_imports(module: ModuleType) -> tuple[dict[str, str], list[str], list[str]]:
    """The ``TYPE_CHECKING`` imports of a lazy module (name -> module, and the modules whose
    whole ``__all__`` it imports) and the modules it imports from eagerly."""
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text())
    typed: dict[str, str] = {}
    star: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for item in node.body:
                assert isinstance(item, ast.ImportFrom)
                for alias in item.names:
                    if alias.name == "*":
                        star.append(str(item.module))
                    else:
                        typed[alias.name] = str(item.module)
    eager = [
        name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for name in ([str(node.module)] if node.module else [a.name for a in node.names])
    ]
    return typed, star, eager


LAZY_MODULES = [sseconv, sseconv.types, sseconv.events, sseconv.errors]


@pytest.mark.parametrize("module", LAZY_MODULES, ids=lambda m: m.__name__)
def test_every_lazy_name_has_one_home(module: ModuleType) -> None:
    """``_HOMES`` (run time), the ``TYPE_CHECKING`` imports (type checkers) and ``__all__``
    name the same things: a name added in one place only fails here. The model-event and
    exception classes are listed once, in ``sseconv.events`` and ``sseconv.errors``, and
    the top level takes those lists whole."""
    typed, star, eager = typed_imports(module)
    assert set(eager) <= {"__future__", "typing", "_lazy", "_version", "errors", "events"}, (
        "import public names through _HOMES (lazily), not at the top"
    )
    homes = {**getattr(module, "_HOMES", {})}
    for name in star:
        public = importlib.import_module(f"sseconv.{name.lstrip('.')}")
        homes.update(dict.fromkeys(getattr(public, "__all__", []), name))
    if module in (sseconv.events, sseconv.errors):
        assert not typed
        assert star == [f"_{module.__name__.rsplit('.', 1)[1]}"]
        homes = dict.fromkeys(module.__all__, star[0])  # the one list of these names
    else:
        assert typed == module._HOMES
        assert star == (["errors", "events"] if module is sseconv else [])
    assert set(module.__all__) == set(homes) | ({"__version__"} if module is sseconv else set())
    assert set(module.__all__) <= set(dir(module))
    for name, home in homes.items():
        assert getattr(module, name) is getattr(importlib.import_module(f"sseconv.{home}"), name)
    with pytest.raises(AttributeError, match=f"module '{module.__name__}' has no attribute 'X'"):
        module.X  # noqa: B018


def test_the_lazy_modules_load_neither_pydantic_nor_httpx() -> None:
    code = (
        "import sys, sseconv, sseconv.types, sseconv.events, sseconv.errors\n"
        "from sseconv.types import Mode, ConvertOptions, BODY_LIMIT, DETECT_LIMIT\n"
        "from sseconv import InputError, __all__\n"
        "from sseconv.errors import UsageError\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'httpx'}))\n"
        "from sseconv.types import Encoder\n"
        "print('pydantic' in sys.modules, 'httpx' in sys.modules)\n"
        "from sseconv.types import LegacyCompletions\n"
        "print(LegacyCompletions is sseconv.types.LegacyCompletions)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "True False", "True"]
