"""Read legacy (2023-01-01) streams with the real ``anthropic==0.2.10`` client.

Runs INSIDE the anthropic-0.2.10 virtualenv (see ``venvs.py``), never in the dev environment:

    <venv>/bin/python -I read_2023_01_01.py [--async] [--no-stream] [--kwargs JSON] API_URL ...

For every API_URL (what the SDK calls ``api_url``; it POSTs to ``<API_URL>v1/complete``) it calls
``anthropic.Client(...).completion_stream(...)`` (or ``acompletion_stream`` with ``--async``),
consumes the whole stream and prints one JSON object on one line (``--no-stream``: calls
``completion()``/``acompletion()`` instead; ``events`` then holds the one dict returned;
``--kwargs``: a JSON object of keyword arguments replacing or adding to the default ones):

    {"client": "anthropic==0.2.10", "mode": "sync" | "async",
     "events": [every object the SDK yielded, in order],
     "texts": [the "completion" of each yielded dict, in order (cumulative texts)],
     "text": the last "completion" ("" if none),
     "stop_reason", "stop", "model", "log_id", "truncated",
     "exception": the in-band "exception" field of the last yielded dict,
     "error": null or {"type", "module", "message", "args"} for an exception the SDK raised,
     "elapsed": seconds}
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.metadata
import json
import sys
import time
from typing import Any

PROMPT_HUMAN = "\n\nHuman:"
PROMPT_AI = "\n\nAssistant:"


def _error(exc: BaseException) -> dict[str, Any]:
    return {
        "type": type(exc).__name__,
        "module": type(exc).__module__,
        "message": str(exc),
        "args": [a if isinstance(a, str) else repr(a) for a in exc.args],
    }


def _summary(events: list[Any], error: BaseException | None, mode: str, elapsed: float) -> str:
    dicts = [e for e in events if isinstance(e, dict)]
    last: dict[str, Any] = dicts[-1] if dicts else {}
    texts = [e["completion"] for e in dicts if "completion" in e]
    result = {
        "client": "anthropic==" + importlib.metadata.version("anthropic"),
        "mode": mode,
        "events": events,
        "texts": texts,
        "text": texts[-1] if texts else "",
        "stop_reason": last.get("stop_reason"),
        "stop": last.get("stop"),
        "model": last.get("model"),
        "log_id": last.get("log_id"),
        "truncated": last.get("truncated"),
        "exception": last.get("exception"),
        "error": None if error is None else _error(error),
        "elapsed": round(elapsed, 3),
    }
    return json.dumps(result)


OVERRIDES: dict[str, Any] = {}  # from --kwargs


def _kwargs() -> dict[str, Any]:
    return {
        "prompt": f"{PROMPT_HUMAN} Hello{PROMPT_AI}",
        "model": "claude-v1",
        "max_tokens_to_sample": 100,
        "stop_sequences": [PROMPT_HUMAN],
        **OVERRIDES,
    }


def read_sync(anthropic: Any, url: str, stream: bool = True) -> str:
    client = anthropic.Client(api_key="test-key", api_url=url)
    events: list[Any] = []
    error: BaseException | None = None
    start = time.monotonic()
    try:
        if stream:
            for event in client.completion_stream(**_kwargs()):
                events.append(event)
        else:
            events.append(client.completion(**_kwargs()))
    except Exception as exc:
        error = exc
    return _summary(events, error, "sync", time.monotonic() - start)


async def read_async(anthropic: Any, url: str, stream: bool = True) -> str:
    client = anthropic.Client(api_key="test-key", api_url=url)
    events: list[Any] = []
    error: BaseException | None = None
    start = time.monotonic()
    try:
        if stream:
            async for event in await client.acompletion_stream(**_kwargs()):
                events.append(event)
        else:
            events.append(await client.acompletion(**_kwargs()))
    except Exception as exc:
        error = exc
    return _summary(events, error, "async", time.monotonic() - start)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--async", dest="use_async", action="store_true")
    parser.add_argument("--no-stream", dest="stream", action="store_false")
    parser.add_argument("--kwargs", type=json.loads, default={})
    parser.add_argument("urls", nargs="+")
    args = parser.parse_args(argv)
    OVERRIDES.update(args.kwargs)
    anthropic: Any = importlib.import_module("anthropic")
    for url in args.urls:
        if args.use_async:
            line = asyncio.run(read_async(anthropic, url, args.stream))
        else:
            line = read_sync(anthropic, url, args.stream)
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
