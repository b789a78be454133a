"""Packaging and start-up: one version everywhere, the MIT license in the metadata, an sdist
without tests, a Makefile that says what is missing in one line, and a command line that
starts without loading pydantic and the event model."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import sseconv

if sys.version_info >= (3, 11):
    import tomllib
else:  # mypy's own dependency on 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")


def python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=TIMEOUT
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


# -- the version, the license, the metadata ----------------------------------------------------


def test_the_version_is_written_once_and_everything_agrees() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"]
    assert pyproject["project"]["dynamic"] == ["version"]
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]
    assert dynamic["version"] == {"attr": "sseconv._version.__version__"}
    assert importlib.metadata.version("sseconv") == sseconv.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", sseconv.__version__)
    cli = subprocess.run(
        [sys.executable, "-m", "sseconv", "--version"], capture_output=True, text=True, timeout=30
    )
    assert cli.stdout == f"sseconv {sseconv.__version__}\n"


def test_license_and_classifiers() -> None:
    license_text = (ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License\n")
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in license_text
    metadata = importlib.metadata.metadata("sseconv")
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"] == ">=3.10"
    classifiers = metadata.get_all("Classifier") or []
    assert not [c for c in classifiers if c.startswith("License ::")]  # PEP 639: the expression
    versions = [c.rsplit(" :: ", 1)[1] for c in classifiers if re.search(r":: 3\.\d+$", c)]
    assert tuple(versions) == SUPPORTED
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in SUPPORTED
    urls = metadata.get_all("Project-URL") or []
    assert urls and all(", https://" in url for url in urls)


def test_no_python_version_markers_in_the_requirements() -> None:
    """httpx2 and today's anthropic SDK install on every supported Python."""
    requirements = importlib.metadata.requires("sseconv") or []
    assert any(r.startswith("anthropic") for r in requirements)
    assert not [r for r in requirements if "python_version" in r and "tomli" not in r]


def test_the_sdist_ships_no_tests(tmp_path: Path) -> None:
    """Built from a copy of the tracked files, with the build backend pyproject.toml names."""
    # the test extra installs the version that pyproject.toml's build needs
    assert int(importlib.metadata.version("setuptools").split(".")[0]) >= 77
    tracked = (
        subprocess.run(
            ["git", "ls-files", "-z"], capture_output=True, cwd=ROOT, timeout=30, check=True
        )
        .stdout.decode()
        .split("\0")
    )
    source = tmp_path / "src"
    for name in filter(None, tracked):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    build = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, setuptools.build_meta as b; print(b.build_sdist(sys.argv[1]))",
            str(tmp_path / "dist"),
        ],
        capture_output=True,
        text=True,
        cwd=source,
        timeout=TIMEOUT,
    )
    assert build.returncode == 0, build.stderr
    archive = tmp_path / "dist" / build.stdout.split()[-1]
    with tarfile.open(archive) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
        pkg_info = tar.extractfile(f"sseconv-{sseconv.__version__}/PKG-INFO")
        assert pkg_info is not None
        info = pkg_info.read().decode()
    assert not [n for n in names if n.startswith(("tests", "benchmarks"))]
    assert {
        "LICENSE",
        "README.md",
        "pyproject.toml",
        "sseconv/_cli.py",
        "sseconv/py.typed",
    } <= names
    assert "License-Expression: MIT" in info
    assert "License-File: LICENSE" in info
    assert f"Version: {sseconv.__version__}" in info


# -- start-up: lazy imports ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [["--version"], ["--help"], ["convert", "--help"], ["detect", "examples/legacy.sse"]],
)
def test_the_command_line_starts_without_the_model(argv: list[str]) -> None:
    code = (
        "import sys\nfrom sseconv._cli import main\n"
        f"status = main({argv!r})\n"
        "print(status, sorted(m for m in sys.modules if m.startswith(('pydantic', 'httpx'))))"
    )
    last = python(code).splitlines()[-1]
    assert last == "0 []"


def test_import_sseconv_loads_the_model_on_first_use() -> None:
    out = python(
        "import sys, sseconv\n"
        "print('pydantic' in sys.modules)\n"
        "from sseconv import Converter\n"
        "print('pydantic' in sys.modules, Converter is sseconv.Converter)\n"
        "print(sorted(set(sseconv.__all__) - set(dir(sseconv))))"
    )
    assert out.splitlines() == ["False", "True True", "[]"]
    with pytest.raises(AttributeError, match="has no attribute 'Convertr'"):
        sseconv.Convertr  # type: ignore[attr-defined]  # noqa: B018


# -- the Makefile -------------------------------------------------------------------------------


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    if shutil.which("make") is None:
        pytest.fail("make is needed (the README's entry points)")
    inherited = {
        k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**inherited, **(env or {})},
        timeout=TIMEOUT,
    )


def test_make_says_in_one_line_when_venv_cannot_work(tmp_path: Path) -> None:
    """What a Debian Python without python3-venv gives: no ensurepip."""
    shadow = tmp_path / "shadow" / "ensurepip"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text('raise ModuleNotFoundError("No module named ensurepip")\n')
    venv = tmp_path / "venv"
    result = make("demo", f"VENV={venv}", env={"PYTHONPATH": str(shadow.parent)})
    assert result.returncode != 0
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "cannot create virtual environments (no ensurepip): install python3-venv" in line
    assert not venv.exists()
    missing = make("demo", "PYTHON=no-such-python3", f"VENV={venv}")
    assert missing.returncode != 0
    (line,) = missing.stderr.splitlines()
    assert "no-such-python3 not found: install Python 3.10 or later" in line


def test_make_demo_installs_only_what_the_demo_needs(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    demo = make("-n", "demo", f"VENV={venv}").stdout
    assert f"{venv}/bin/python -m pip install --quiet -e .\n" in demo
    assert "[test]" not in demo
    assert "[test]" in make("-n", "test", f"VENV={venv}").stdout
    other = make("-n", "test", "PYTHON=python3.10").stdout
    assert ".venv-python3.10/bin/pytest" in other  # each Python its own virtualenv
