"""The translating gateway: 2023 clients served by today's API, through a URL change only.

``sseconv serve --upstream https://api.anthropic.com`` (or :func:`run_gateway`) runs a
:class:`Gateway` with uvicorn; install the extra: ``pip install 'sseconv[serve]'``.
``POST …/v1/complete`` is translated to ``…/v1/messages`` by :mod:`sseconv.translate`; every
other request is forwarded unchanged. See the README's "Gateway" section.

:func:`serving` runs any ASGI application with uvicorn in a background thread on loopback
for the duration of a ``with`` block (tests, notebooks, embedding).
"""

from ._gateway import (
    ENVIRONMENT_VARIABLE,
    Gateway,
    GatewayOptions,
    GatewayOverrides,
    from_environment,
)
from ._gateway_cli import DEFAULT_PORT, run_gateway
from ._gateway_http import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_TIMEOUT,
    HEALTH_PATH,
    HOP_BY_HOP,
)
from ._serving import LOOPBACK, RunningServer, serving

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_PORT",
    "DEFAULT_TIMEOUT",
    "ENVIRONMENT_VARIABLE",
    "HEALTH_PATH",
    "HOP_BY_HOP",
    "LOOPBACK",
    "Gateway",
    "GatewayOptions",
    "GatewayOverrides",
    "RunningServer",
    "from_environment",
    "run_gateway",
    "serving",
]
