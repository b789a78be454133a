"""Serving an ASGI application with uvicorn: in the foreground (the commands) or in a
background thread on loopback (tests, benchmarks, embedding).

uvicorn is imported only here, and only when a function needs it: without the ``serve`` extra
the rest of sseconv works, and these functions raise :class:`~sseconv.UsageError` naming the
extra. The listening socket is bound here, before uvicorn starts, so that port 0 (any free
port) works and the real address is known (and can be announced) before the first request.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import inspect
import ipaddress
import logging
import signal
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ._errors import UsageError

__all__ = [
    "LOOPBACK",
    "ASGIApp",
    "RunningServer",
    "bind",
    "is_loopback",
    "log_config",
    "run",
    "serving",
    "uvicorn",
]

LOOPBACK = "127.0.0.1"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_EXTRA_HINT = "install the serve extra: pip install 'sseconv[serve]'"


def uvicorn() -> ModuleType:
    """The ``uvicorn`` module, or a :class:`UsageError` saying how to install it."""
    try:
        return importlib.import_module("uvicorn")
    except ImportError:
        raise UsageError(f"serving needs uvicorn: {_EXTRA_HINT}") from None


def is_loopback(host: str) -> bool:
    """Whether ``host`` names a loopback address (``127.0.0.0/8``, ``::1``, ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str = LOOPBACK, port: int = 0) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port); ``UsageError`` if the
    address cannot be bound (or is not a host name and a port number)."""
    if not isinstance(host, str):
        raise UsageError(f"expected a host name or address, found {host!r}")
    if type(port) is not int or not 0 <= port <= 65535:
        raise UsageError(f"expected a port number from 0 to 65535, found {port!r}")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only when the
    # socket says TCP, and without it a small write waits for the ACK of the previous one
    # (40 ms stalls between events on a reused connection).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)  # worker processes serve it too
    return sock


def url_of(sock: socket.socket) -> str:
    """``http://HOST:PORT`` of a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's logging set-up, with sseconv's loggers added on its ``default`` handler
    (stderr), so that the application's lines look like uvicorn's, in every worker process;
    httpx's and httpcore's loggers at WARNING."""
    config: dict[str, Any] = copy.deepcopy(uvicorn().config.LOGGING_CONFIG)
    ours = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    config["loggers"]["sseconv"] = ours
    # httpx logs every request's URL, query string included, at INFO
    for name in ("httpx", "httpcore"):
        config["loggers"].setdefault(name, {"level": "WARNING"})
    return config


def _config(app: ASGIApp | str, *, factory: bool, workers: int, **options: Any) -> Any:
    options.setdefault("access_log", False)
    options.setdefault("server_header", False)
    options.setdefault("date_header", False)
    return uvicorn().Config(app, factory=factory, workers=workers, **options)


def run(
    app: ASGIApp | str,
    sock: socket.socket,
    *,
    workers: int = 1,
    factory: bool = False,
    **options: Any,
) -> None:
    """Serve ``app`` on the bound ``sock`` until SIGINT/SIGTERM (uvicorn's graceful shutdown:
    open requests may finish), then return.

    With ``workers`` > 1, ``app`` must be an import string (``"module:attribute"``, or a
    factory with ``factory=True``): each worker process imports it and accepts on the same
    socket. ``options`` go to ``uvicorn.Config`` (``log_config``, ``log_level``, ...); the
    access log, and uvicorn's own ``server`` and ``date`` headers, are off unless asked for.
    """
    if workers < 1:
        raise UsageError(f"expected at least 1 worker, found {workers}")
    if workers > 1 and not isinstance(app, str):
        raise UsageError("expected an import string for the app when serving with workers")
    config = _config(app, factory=factory, workers=workers, **options)
    server = uvicorn().Server(config)
    if workers == 1:
        with _stopped_by_signals():
            server.run(sockets=[sock])
        return
    supervisor: Any = importlib.import_module("uvicorn.supervisors").Multiprocess
    if "target" in inspect.signature(supervisor).parameters:  # uvicorn before 0.54
        supervisor(config, target=server.run, sockets=[sock]).run()
    else:
        supervisor(config, sockets=[sock]).run()


class _Stopped(Exception):
    pass


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """A graceful stop on SIGINT/SIGTERM ends :func:`run` normally.

    uvicorn handles both signals while it serves, shuts down gracefully, then raises the
    signal again for the handler that was there before: this one, which ends the run.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise _Stopped

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except _Stopped:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass
class RunningServer:
    """A server started by :func:`serving`: its ``url`` (``http://127.0.0.1:PORT``), ``host``
    and ``port``."""

    url: str
    host: str
    port: int
    server: Any  # the uvicorn.Server


@contextlib.contextmanager
def serving(
    app: ASGIApp,
    *,
    host: str = LOOPBACK,
    port: int = 0,
    start_timeout: float = 10.0,
    stop_timeout: float = 10.0,
    **options: Any,
) -> Iterator[RunningServer]:
    """Serve ``app`` with uvicorn in a background thread for the ``with`` block.

    Binds ``host:port`` (default: loopback, any free port), waits until uvicorn accepts
    (at most ``start_timeout`` seconds), and on leaving asks it to shut down, waiting at most
    ``stop_timeout`` seconds for open connections before it forces them closed. ``options``
    go to ``uvicorn.Config``; unlike uvicorn's default, the logging set-up of the process is
    left alone (``log_config=None``): the app's and uvicorn's records go to the root logger.
    """
    sock = bind(host, port)
    options.setdefault("log_config", None)  # the process's logging set-up is left alone
    options.setdefault("log_level", "warning")
    options.setdefault("timeout_graceful_shutdown", max(1, int(stop_timeout / 2)))
    config = _config(app, factory=False, workers=1, **options)
    server = uvicorn().Server(config)
    failure: list[BaseException] = []

    def target() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the waiting thread
            failure.append(exc)

    thread = threading.Thread(target=target, name="sseconv-serving", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    try:
        while not server.started:
            if failure or not thread.is_alive():
                raise RuntimeError(f"the server did not start: {failure[:1] or 'it stopped'}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server did not start within {start_timeout} s")
            time.sleep(0.005)
        bound_host, bound_port = sock.getsockname()[:2]
        yield RunningServer(url_of(sock), bound_host, bound_port, server)
    finally:
        server.should_exit = True
        thread.join(stop_timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(stop_timeout)
        sock.close()
        if thread.is_alive():
            logging.getLogger("sseconv").warning("the server thread did not stop")
