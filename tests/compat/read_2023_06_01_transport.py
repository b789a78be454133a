"""Run ``anthropic==0.3.11`` with sseconv's ConvertingTransport against a /v1/messages upstream.

Runs INSIDE the anthropic-0.3.11-sseconv virtualenv (see ``venvs.py``), with the sseconv work
tree on ``PYTHONPATH`` (sseconv is never installed there):

    <venv>/bin/python -s read_2023_06_01_transport.py BASE_URL SCENARIOS.json

``SCENARIOS.json`` is a list of ``{"stream": bool, "async": bool, "kwargs": {...}}``; for each,
in order, the client is built with
``transport=ConvertingTransport(httpx.HTTPTransport(), complete_via_messages=True)`` (its async
twin for ``"async"``) and ``base_url=BASE_URL``, calls ``client.completions.create(**kwargs,
stream=...)``, and prints one JSON line:

    {"client", "httpx", "pydantic", "mode", "stream",
     "texts": [each Completion's .completion], "text": their concatenation,
     "stop_reason", "stop", "model", "events": [model_dump() of each Completion],
     "error": null or {"type", "module", "message", "status_code", "body"},
     "sseconv": the path sseconv was imported from}
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.metadata
import json
import sys
from typing import Any

import httpx


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=repr))


def _error(exc: BaseException) -> dict[str, Any]:
    return {
        "type": type(exc).__name__,
        "module": type(exc).__module__,
        "message": str(exc),
        "status_code": getattr(exc, "status_code", None),
        "body": _jsonable(getattr(exc, "body", None)),
    }


def _summary(items: list[Any], error: BaseException | None, scenario: dict[str, Any]) -> str:
    sseconv = importlib.import_module("sseconv")
    last = items[-1] if items else None
    texts = [getattr(c, "completion", None) for c in items]
    return json.dumps(
        {
            "client": "anthropic==" + importlib.metadata.version("anthropic"),
            "httpx": importlib.metadata.version("httpx"),
            "pydantic": importlib.metadata.version("pydantic"),
            "mode": "async" if scenario.get("async") else "sync",
            "stream": bool(scenario.get("stream")),
            "texts": texts,
            "text": "".join(t for t in texts if isinstance(t, str)),
            "stop_reason": getattr(last, "stop_reason", None),
            "stop": getattr(last, "stop", None),
            "model": getattr(last, "model", None),
            "events": [_jsonable(c.model_dump()) for c in items],
            "error": None if error is None else _error(error),
            "sseconv": sseconv.__file__,
        }
    )


def run_sync(anthropic: Any, transports: Any, url: str, scenario: dict[str, Any]) -> str:
    transport = transports.ConvertingTransport(httpx.HTTPTransport(), complete_via_messages=True)
    client = anthropic.Anthropic(
        api_key="test-key", base_url=url, transport=transport, max_retries=0, timeout=30
    )
    items: list[Any] = []
    error: BaseException | None = None
    try:
        result = client.completions.create(**scenario["kwargs"], stream=scenario["stream"])
        if scenario["stream"]:
            items.extend(result)
        else:
            items.append(result)
    except Exception as exc:
        error = exc
    return _summary(items, error, scenario)


async def run_async(anthropic: Any, transports: Any, url: str, scenario: dict[str, Any]) -> str:
    transport = transports.AsyncConvertingTransport(
        httpx.AsyncHTTPTransport(), complete_via_messages=True
    )
    client = anthropic.AsyncAnthropic(
        api_key="test-key", base_url=url, transport=transport, max_retries=0, timeout=30
    )
    items: list[Any] = []
    error: BaseException | None = None
    try:
        result = await client.completions.create(**scenario["kwargs"], stream=scenario["stream"])
        if scenario["stream"]:
            async for completion in result:
                items.append(completion)
        else:
            items.append(result)
    except Exception as exc:
        error = exc
    return _summary(items, error, scenario)


def main(argv: list[str]) -> int:
    url, path = argv
    with open(path, encoding="utf-8") as f:
        scenarios = json.load(f)
    anthropic: Any = importlib.import_module("anthropic")
    transports: Any = importlib.import_module("sseconv.httpx")
    for scenario in scenarios:
        if scenario.get("async"):
            line = asyncio.run(run_async(anthropic, transports, url, scenario))
        else:
            line = run_sync(anthropic, transports, url, scenario)
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
