"""``sseconv serve``: the gateway on uvicorn, from the command line or from Python.

Importing this module costs nothing beyond argparse: httpx and uvicorn are imported when the
command runs.
"""

from __future__ import annotations

import argparse
import logging
import logging.config
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ._errors import UsageError
from ._gateway_http import DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT
from ._serving import LOOPBACK, bind, is_loopback, log_config, run, url_of

if TYPE_CHECKING:
    from ._gateway import GatewayOptions

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_SHUTDOWN_TIMEOUT",
    "add_listen_options",
    "add_serve_command",
    "parse_models",
    "run_gateway",
]

DEFAULT_PORT = 8000
DEFAULT_SHUTDOWN_TIMEOUT = 30.0  # seconds open requests get after SIGINT/SIGTERM
_FACTORY = "sseconv._gateway:from_environment"
_LOG_LEVELS = ("critical", "error", "warning", "info", "debug")

_EPILOG = """\
examples:
  sseconv serve --upstream https://api.anthropic.com
      a 2023 client with api_url/base_url http://127.0.0.1:8000 now works against today's API
  sseconv serve --upstream https://api.anthropic.com --host 0.0.0.0 --port 8080 --workers 4
      four worker processes, reachable from the network (there is no authentication of its
      own: clients send their API keys, which go only to the upstream)
  sseconv serve --upstream https://api.anthropic.com --model claude-2.1=claude-sonnet-4-5

POST .../v1/complete is translated to .../v1/messages (request, stream, errors); every other
path is forwarded unchanged and streamed back as it arrives. GET /healthz answers
{"status":"ok"}. Request bodies over --max-body-size get 413; an upstream that does not
answer within --timeout gets 504, one that cannot be reached 502 (the API's error JSON).
One line per request is logged on stderr (method, path, status, bytes, time; never headers,
bodies or query strings). Ctrl-C (SIGINT) or SIGTERM stops it: no new connections, and open
requests get --shutdown-timeout seconds to finish before they are cut.
"""


def run_gateway(
    options: GatewayOptions,
    *,
    host: str = LOOPBACK,
    port: int = DEFAULT_PORT,
    workers: int = 1,
    log_level: str = "info",
    shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve a :class:`~sseconv.serve.Gateway` with uvicorn until SIGINT/SIGTERM; then open
    requests get ``shutdown_timeout`` seconds to finish before they are cut.

    ``port`` 0 takes any free port; ``announce`` (default: a line on stderr) is called with
    ``"serving on http://HOST:PORT, forwarding to UPSTREAM"`` once the socket is bound. With
    ``workers`` > 1 the worker processes build their gateways from the options, handed over in
    the environment variable :data:`sseconv.serve.ENVIRONMENT_VARIABLE`.
    """
    from ._gateway import ENVIRONMENT_VARIABLE, Gateway

    if log_level not in _LOG_LEVELS:
        raise UsageError(f"expected a log level of {', '.join(_LOG_LEVELS)}, found {log_level!r}")
    if type(workers) is not int or workers < 1:
        raise UsageError(f"expected at least 1 worker, found {workers!r}")
    if type(shutdown_timeout) not in (int, float) or not shutdown_timeout >= 0:
        raise UsageError(f"expected a shutdown timeout >= 0 seconds, found {shutdown_timeout!r}")
    config = log_config(log_level)
    logging.config.dictConfig(config)
    if not is_loopback(host):
        logging.getLogger("sseconv.serve").warning(
            "listening on %s, not loopback: anyone who can reach it can send requests to %s "
            "(with their own API key)",
            host,
            options.upstream,
        )
    sock = bind(host, port)
    (announce or _stderr)(f"serving on {url_of(sock)}, forwarding to {options.upstream}")
    common: dict[str, Any] = {
        "log_config": config,
        "log_level": log_level,
        "timeout_graceful_shutdown": shutdown_timeout,
    }
    if workers == 1:
        run(Gateway(options), sock, **common)
    else:
        os.environ[ENVIRONMENT_VARIABLE] = options.to_json()
        run(_FACTORY, sock, workers=workers, factory=True, **common)


def _stderr(line: str) -> None:
    print(f"sseconv: {line}", file=sys.stderr, flush=True)


def parse_models(pairs: Sequence[str]) -> dict[str, str]:
    """``--model OLD=NEW`` options as a mapping (a :class:`UsageError` for a malformed one)."""
    models: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise UsageError(f"expected --model OLD=NEW, found {pair!r}")
        models[old.strip()] = new.strip()
    return models


def _cmd_serve(args: argparse.Namespace) -> int:
    from ._gateway import GatewayOptions

    options = GatewayOptions(
        args.upstream,
        max_body_size=args.max_body_size,
        timeout=args.timeout,
        connect_timeout=args.connect_timeout,
        models=parse_models(args.model),
        upstream_version=args.upstream_version,
    )
    run_gateway(
        options,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        shutdown_timeout=args.shutdown_timeout,
    )
    return 0


def add_listen_options(parser: argparse.ArgumentParser, port: int) -> None:
    """``--host`` and ``--port`` (``serve``, ``replay``), ``port`` their default."""
    parser.add_argument(
        "--host",
        default=LOOPBACK,
        help=f"the address to listen on (default: {LOOPBACK}, this machine only)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=port,
        help=f"the port (default: {port}; 0: any free port, printed at start)",
    )


def add_serve_command(
    commands: Any, *, add: Callable[..., argparse.ArgumentParser]
) -> argparse.ArgumentParser:
    """Register ``serve`` on the subcommands of the ``sseconv`` parser.

    ``add`` makes the subparser: ``add(commands, "serve", help=..., description=...,
    epilog=...)`` (the command line's own helper, adding its common options).
    """
    serve = add(
        commands,
        "serve",
        help="run the translating gateway (needs the serve extra)",
        description="Serve 2023 clients (POST /v1/complete) from today's API "
        "(/v1/messages); forward everything else unchanged.",
        epilog=_EPILOG,
    )
    serve.add_argument(
        "--upstream", required=True, metavar="URL", help="the API: https://api.anthropic.com"
    )
    add_listen_options(serve, DEFAULT_PORT)
    serve.add_argument(
        "--workers", type=int, default=1, metavar="N", help="worker processes (default: 1)"
    )
    serve.add_argument(
        "--max-body-size",
        type=int,
        default=DEFAULT_MAX_BODY_SIZE,
        metavar="BYTES",
        help="the largest request body accepted (default: 32 MiB, as the API; 413 above)",
    )
    serve.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="the longest wait for bytes from upstream (default: %(default)g; 504 before the "
        "response starts)",
    )
    serve.add_argument(
        "--connect-timeout",
        type=float,
        default=DEFAULT_CONNECT_TIMEOUT,
        metavar="SECONDS",
        help="the longest wait for the upstream connection (default: %(default)g; 504)",
    )
    serve.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="send model OLD as NEW on /v1/complete (adds to or replaces an entry of the "
        "retired-model table); repeatable",
    )
    serve.add_argument(
        "--upstream-version",
        metavar="VERSION",
        help="the anthropic-version sent upstream for translated requests (default: "
        "2023-06-01, which accepts temperature, top_p and top_k; 2026-10-21 refuses them)",
    )
    serve.add_argument(
        "--shutdown-timeout",
        type=float,
        default=DEFAULT_SHUTDOWN_TIMEOUT,
        metavar="SECONDS",
        help="after SIGINT/SIGTERM, how long open requests may take to finish before they are "
        "cut (default: %(default)g)",
    )
    serve.add_argument("--log-level", choices=_LOG_LEVELS, default="info", help="default: info")
    serve.set_defaults(run=_cmd_serve)
    return serve
