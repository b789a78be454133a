"""Cached virtualenvs holding the old Anthropic clients.

Each client era gets its own virtualenv, built once from an exact, fully pinned requirement
list and reused by every later test run and every clone of the repository:

    ${SSECONV_COMPAT_CACHE:-~/.cache/sseconv/compat}/<name>-<hash>/

The hash covers the requirement list, the interpreter version and the index URL, so changing
any of them builds a fresh environment next to the old one. A marker file is written last; a
directory without it (an interrupted build) is deleted and rebuilt. An ``fcntl`` lock per
environment keeps parallel pytest workers from building the same one at once.

Packages come from PyPI only (``https://pypi.org/simple``, or ``SSECONV_COMPAT_INDEX_URL``):
the user's and the machine's pip configuration (extra indexes, find-links, ``PIP_*``
variables other than the certificate, proxy, timeout and retry settings) is ignored on
purpose, so the environments resolve to the same files everywhere and never pick up a
package rebuilt on a local index. Installs use ``--no-deps`` with every transitive dependency
pinned and ``--only-binary=:all:``, then ``pip check`` verifies the set.

Failures: an index that cannot be reached is one line (:class:`CompatEnvError`) before pip
runs; a pin without a wheel for the running Python is :class:`WheelsUnavailable`, which the
runners turn into a skip naming the pin (the only reason a compat test skips).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

__all__ = [
    "BEFORE_3_11",
    "REQUIREMENTS",
    "CompatEnvError",
    "WheelsUnavailable",
    "cache_root",
    "client_python",
    "env_dir",
]

# Each 2023 client's set, as a user installing it on its release date would have got it (the
# vcrpy environments below add vcrpy to the same set).
_ANTHROPIC_0_2_10 = (
    "anthropic==0.2.10",
    "requests==2.31.0",
    "urllib3==2.0.2",
    "charset-normalizer==3.1.0",
    "idna==3.4",
    "certifi==2023.5.7",
    "httpx==0.24.1",
    "httpcore==0.17.2",
    "h11==0.14.0",
    "anyio==3.7.0",
    "sniffio==1.3.0",
    "tokenizers==0.13.3",
    "aiohttp==3.8.4",
    "multidict==6.0.4",
    "yarl==1.9.2",
    "frozenlist==1.3.3",
    "aiosignal==1.3.1",
    "async-timeout==4.0.2",
    "attrs==23.1.0",
)
_ANTHROPIC_0_3_11 = (
    "anthropic==0.3.11",
    "httpx==0.24.1",
    "httpcore==0.17.3",
    "h11==0.14.0",
    "anyio==3.7.1",
    "sniffio==1.3.0",
    "idna==3.4",
    "certifi==2023.7.22",
    "pydantic==2.3.0",
    "pydantic-core==2.6.3",
    "annotated-types==0.5.0",
    "typing-extensions==4.7.1",
    "distro==1.8.0",
    "tokenizers==0.13.3",
)

# Versions as a user installing each client on its release date would have got them.
# anthropic 0.2.10 was released 2023-06-02 and 0.3.11 on 2023-08-28.
REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "anthropic-0.2.10": _ANTHROPIC_0_2_10,
    "anthropic-0.3.11": _ANTHROPIC_0_3_11,
    # anthropic 0.3.11 with sseconv's ConvertingTransport plugged in: sseconv needs
    # httpx >= 0.25 and pydantic >= 2.5, newer than that client's 2023 set above (kept as it
    # is). sseconv itself is never installed here: the runner puts the work tree on PYTHONPATH.
    "anthropic-0.3.11-sseconv": (
        "anthropic==0.3.11",
        "httpx==0.27.2",
        "httpcore==1.0.5",
        "h11==0.14.0",
        "anyio==3.7.1",
        "sniffio==1.3.1",
        "idna==3.7",
        "certifi==2024.7.4",
        "pydantic==2.5.3",
        "pydantic-core==2.14.6",
        "annotated-types==0.6.0",
        "typing-extensions==4.9.0",
        "distro==1.9.0",
        "tokenizers==0.13.3",
        "httpx-sse==0.4.0",
    ),
    # The last of the SDKs the issue names for the transport (0.3.x–0.40), as of its release
    # (2024-11-28), with httpx-sse for sseconv.
    "anthropic-0.40-sseconv": (
        "anthropic==0.40.0",
        "httpx==0.27.2",
        "httpcore==1.0.7",
        "h11==0.14.0",
        "anyio==4.6.2.post1",
        "exceptiongroup==1.2.2",
        "sniffio==1.3.1",
        "idna==3.10",
        "certifi==2024.8.30",
        "pydantic==2.10.2",
        "pydantic-core==2.27.1",
        "annotated-types==0.7.0",
        "typing-extensions==4.12.2",
        "distro==1.9.0",
        "jiter==0.8.0",
        "httpx-sse==0.4.0",
    ),
    # Replaying cassettes with vcrpy, which patches only the process it runs in, so it goes into
    # each client's environment, at a release of the client's era that patches its HTTP library.
    # vcrpy 5.1.0 (2023-07-31) with anthropic 0.2.10 (requests, urllib3 2).
    "anthropic-0.2.10-vcrpy-5.1.0": (
        *_ANTHROPIC_0_2_10,
        "vcrpy==5.1.0",
        "PyYAML==6.0.1",
        "wrapt==1.15.0",
    ),
    # vcrpy 5.1.0 (2023-07-31) with anthropic 0.3.11 (httpx 0.24); it stored httpx responses
    # as {status_code, content}.
    "anthropic-0.3.11-vcrpy-5.1.0": (
        *_ANTHROPIC_0_3_11,
        "vcrpy==5.1.0",
        "PyYAML==6.0.1",
        "wrapt==1.15.0",
        "yarl==1.9.2",
        "multidict==6.0.4",
    ),
    # vcrpy 6.0.2 (2024-10-07) with anthropic 0.40.0 (2024-11-22; httpx 0.27), the last
    # releases before httpx 0.28.
    "anthropic-0.40.0-vcrpy-6.0.2": (
        "anthropic==0.40.0",
        "httpx==0.27.2",
        "httpcore==1.0.7",
        "h11==0.14.0",
        "anyio==4.6.2.post1",
        "sniffio==1.3.1",
        "idna==3.10",
        "certifi==2024.8.30",
        "pydantic==2.10.1",
        "pydantic-core==2.27.1",
        "annotated-types==0.7.0",
        "typing-extensions==4.12.2",
        "distro==1.9.0",
        "jiter==0.7.1",
        "vcrpy==6.0.2",
        "PyYAML==6.0.2",
        "wrapt==1.16.0",
        "yarl==1.18.0",
        "multidict==6.1.0",
        "propcache==0.2.0",
        "urllib3==2.2.3",
    ),
}

# What the pins need on Pythons before 3.11 only: anyio's dependency on the ExceptionGroup
# backport (the version of each client's release date). Kept apart so that the environments
# of 3.11 and later keep their fingerprints.
BEFORE_3_11: dict[str, tuple[str, ...]] = {
    "anthropic-0.2.10": ("exceptiongroup==1.1.1",),
    "anthropic-0.3.11": ("exceptiongroup==1.1.3",),
    "anthropic-0.3.11-sseconv": ("exceptiongroup==1.2.1",),
    "anthropic-0.2.10-vcrpy-5.1.0": ("exceptiongroup==1.1.1",),
    "anthropic-0.3.11-vcrpy-5.1.0": ("exceptiongroup==1.1.3",),
    "anthropic-0.40.0-vcrpy-6.0.2": ("exceptiongroup==1.2.2",),
}

DEFAULT_INDEX_URL = "https://pypi.org/simple"
_MARKER = ".sseconv-compat-complete"
_LAYOUT_VERSION = "1"  # bump to force every cached environment to be rebuilt
_KEEP_PIP_ENV = ("PIP_CERT", "PIP_CLIENT_CERT", "PIP_DEFAULT_TIMEOUT", "PIP_PROXY", "PIP_RETRIES")


class CompatEnvError(RuntimeError):
    """A client virtualenv could not be built."""


class WheelsUnavailable(CompatEnvError):
    """A pinned wheel does not exist for the running Python on the index; tests needing that
    environment skip with this reason (the only reason a compat test skips)."""


_NO_MATCH = re.compile(r"No matching distribution found for (\S+)")


def cache_root() -> Path:
    """The directory holding all cached client environments."""
    configured = os.environ.get("SSECONV_COMPAT_CACHE")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "sseconv" / "compat"


def _index_url() -> str:
    return os.environ.get("SSECONV_COMPAT_INDEX_URL") or DEFAULT_INDEX_URL


def _requirements(name: str) -> tuple[str, ...]:
    try:
        pins = REQUIREMENTS[name]
    except KeyError:
        known = ", ".join(sorted(REQUIREMENTS))
        raise CompatEnvError(f"unknown client environment {name!r} (known: {known})") from None
    if sys.version_info < (3, 11):
        pins += BEFORE_3_11.get(name, ())
    return pins


def _fingerprint(name: str) -> dict[str, object]:
    return {
        "layout": _LAYOUT_VERSION,
        "name": name,
        "requirements": sorted(_requirements(name)),
        "python": f"{sys.implementation.name}-{sys.version_info.major}.{sys.version_info.minor}",
        "index_url": _index_url(),
    }


def env_dir(name: str) -> Path:
    """Where the environment for ``name`` lives (whether or not it exists yet)."""
    blob = json.dumps(_fingerprint(name), sort_keys=True).encode()
    return cache_root() / f"{name}-{hashlib.sha256(blob).hexdigest()[:12]}"


def _python_in(venv: Path) -> Path:
    return venv / "bin" / "python"


def _is_complete(venv: Path) -> bool:
    return (venv / _MARKER).is_file() and _python_in(venv).exists()


def _pip_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    env.update({key: os.environ[key] for key in _KEEP_PIP_ENV if key in os.environ})
    env["PIP_CONFIG_FILE"] = os.devnull  # ignore pip.conf files (extra indexes, find-links)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    return env


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(
        cmd, env=_pip_env(), capture_output=True, text=True, timeout=900, check=False
    )
    if proc.returncode != 0:
        output = proc.stdout + proc.stderr
        missing = _NO_MATCH.search(output)
        if missing is not None:
            python = f"{sys.implementation.name} {sys.version.split()[0]}"
            raise WheelsUnavailable(
                f"{what}: {missing.group(1)} has no wheel for {python} on {_index_url()}"
            )
        tail = "\n".join(output.splitlines()[-30:])
        raise CompatEnvError(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")


def _check_index(name: str) -> None:
    """Fail in one line, before pip retries for minutes, when the index cannot be reached."""
    url = _index_url()
    probe = url.rstrip("/") + "/pip/"
    try:
        if urllib.parse.urlsplit(url).scheme == "file":
            if not Path(urllib.request.url2pathname(urllib.parse.urlsplit(probe).path)).is_dir():
                raise OSError("no such directory")
        else:
            proxy = os.environ.get("PIP_PROXY")
            handlers = (
                [urllib.request.ProxyHandler({"http": proxy, "https": proxy})] if proxy else []
            )
            with urllib.request.build_opener(*handlers).open(probe, timeout=20) as response:
                response.read(1)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise CompatEnvError(
            f"cannot reach the package index {url} ({reason}) to build the {name} client "
            "environment; set SSECONV_COMPAT_INDEX_URL to a reachable PyPI mirror"
        ) from None


def _build(name: str, venv: Path) -> None:
    _check_index(name)
    if venv.exists():
        shutil.rmtree(venv)
    # `-m venv` run from inside a virtualenv bases the new one on the underlying interpreter.
    _run([sys.executable, "-m", "venv", str(venv)], f"creating the {name} virtualenv")
    python = str(_python_in(venv))
    _run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--index-url",
            _index_url(),
            *_requirements(name),
        ],
        f"installing {name}",
    )
    _run([python, "-m", "pip", "check"], f"checking {name}")
    marker = venv / _MARKER
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps(_fingerprint(name), indent=2, sort_keys=True) + "\n")
    tmp.replace(marker)


def client_python(name: str) -> Path:
    """The interpreter of the (possibly freshly built) virtualenv for client ``name``.

    ``name`` is a key of :data:`REQUIREMENTS`, e.g. ``"anthropic-0.2.10"``.
    """
    venv = env_dir(name)
    if _is_complete(venv):
        return _python_in(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    lock_path = venv.parent / f"{venv.name}.lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not _is_complete(venv):  # another worker may have finished it meanwhile
                _build(name, venv)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return _python_in(venv)
