"""Read completions (2023-06-01) streams with the real ``anthropic==0.3.11`` client.

Runs INSIDE the anthropic-0.3.11 virtualenv (see ``venvs.py``), never in the dev environment:

    <venv>/bin/python -I read_2023_06_01.py [--async] [--chunk-size N] [--no-stream]
        [--kwargs JSON] FILE_OR_URL [FILE_OR_URL ...]

For every FILE it builds ``anthropic.Anthropic(transport=httpx.MockTransport(handler))`` (0.3.11
takes a ``transport``, not an ``http_client``) whose handler answers with the file's bytes as a
``200 text/event-stream`` body, delivered in pieces (``--chunk-size`` bytes; default four
roughly equal pieces), calls ``client.completions.create(..., stream=True)`` (or the
``AsyncAnthropic`` equivalent with ``--async``), consumes the whole stream and prints one JSON
object on one line. An argument starting with ``http://`` or ``https://`` is a real server's
base URL instead (``Anthropic(base_url=URL)``, no mock; ``request`` is then null).
``--no-stream`` calls ``completions.create`` without ``stream`` (``events`` holds the one
Completion); ``--kwargs`` is a JSON object of keyword arguments replacing or adding to the
default ones:

    {"client": "anthropic==0.3.11", "httpx": "...", "pydantic": "...", "mode": "sync" | "async",
     "events": [model_dump() of every Completion yielded, in order],
     "texts": [each Completion's .completion, in order (incremental deltas)],
     "text": "".join(texts),
     "stop_reason", "stop", "model", "log_id", "id": from the last Completion,
     "error": null or {"type", "module", "message", "status_code", "body"} for a raised exception,
     "request": {"method", "path", "headers", "json"} as the transport saw it,
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
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx

PROMPT_HUMAN = "\n\nHuman:"
PROMPT_AI = "\n\nAssistant:"


def split_chunks(data: bytes, chunk_size: int | None) -> list[bytes]:
    if not data:
        return []
    size = chunk_size if chunk_size else max(1, -(-len(data) // 4))
    return [data[i : i + size] for i in range(0, len(data), size)]


class ChunkedBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


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


def _dump(completion: Any) -> Any:
    if hasattr(completion, "model_dump"):
        return _jsonable(completion.model_dump())
    return _jsonable(completion.dict())


class Reader:
    def __init__(
        self,
        body: bytes,
        chunk_size: int | None,
        *,
        base_url: str | None = None,
        stream: bool = True,
        overrides: dict[str, Any] | None = None,
    ) -> None:
        self.chunks = split_chunks(body, chunk_size)
        self.request: dict[str, Any] | None = None
        self.base_url = base_url
        self.stream = stream
        self.overrides = overrides or {}

    def client(self, cls: Any) -> Any:
        if self.base_url is not None:
            return cls(api_key="test-key", base_url=self.base_url, max_retries=0)
        return cls(
            api_key="test-key",
            base_url="http://compat.test",
            transport=httpx.MockTransport(self.handler),
            max_retries=0,
        )

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.request = {
            "method": request.method,
            "path": request.url.path,
            "headers": dict(request.headers),
            "json": json.loads(request.content) if request.content else None,
        }
        return httpx.Response(
            200,
            headers={"content-type": "text/event-stream"},
            stream=ChunkedBody(self.chunks),
        )

    def kwargs(self) -> dict[str, Any]:
        return {
            "prompt": f"{PROMPT_HUMAN} Hello{PROMPT_AI}",
            "model": "claude-instant-1",
            "max_tokens_to_sample": 100,
            "stream": self.stream,
            **self.overrides,
        }

    def summary(self, items: list[Any], error: BaseException | None, mode: str, t0: float) -> str:
        last = items[-1] if items else None
        texts = [getattr(c, "completion", None) for c in items]
        result = {
            "client": "anthropic==" + importlib.metadata.version("anthropic"),
            "httpx": importlib.metadata.version("httpx"),
            "pydantic": importlib.metadata.version("pydantic"),
            "mode": mode,
            "events": [_dump(c) for c in items],
            "texts": texts,
            "text": "".join(t for t in texts if isinstance(t, str)),
            "stop_reason": getattr(last, "stop_reason", None),
            "stop": getattr(last, "stop", None),
            "model": getattr(last, "model", None),
            "log_id": getattr(last, "log_id", None),
            "id": getattr(last, "id", None),
            "error": None if error is None else _error(error),
            "request": self.request,
            "elapsed": round(time.monotonic() - t0, 3),
        }
        return json.dumps(result)

    def read_sync(self, anthropic: Any) -> str:
        client = self.client(anthropic.Anthropic)
        items: list[Any] = []
        error: BaseException | None = None
        t0 = time.monotonic()
        try:
            result = client.completions.create(**self.kwargs())
            for completion in result if self.stream else [result]:
                items.append(completion)
        except Exception as exc:
            error = exc
        return self.summary(items, error, "sync", t0)

    async def read_async(self, anthropic: Any) -> str:
        client = self.client(anthropic.AsyncAnthropic)
        items: list[Any] = []
        error: BaseException | None = None
        t0 = time.monotonic()
        try:
            result = await client.completions.create(**self.kwargs())
            if not self.stream:
                items.append(result)
            else:
                async for completion in result:
                    items.append(completion)
        except Exception as exc:
            error = exc
        return self.summary(items, error, "async", t0)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--async", dest="use_async", action="store_true")
    parser.add_argument("--chunk-size", type=int, default=0)
    parser.add_argument("--no-stream", dest="stream", action="store_false")
    parser.add_argument("--kwargs", type=json.loads, default={})
    parser.add_argument("targets", nargs="+")
    args = parser.parse_args(argv)
    anthropic: Any = importlib.import_module("anthropic")
    for target in args.targets:
        is_url = target.startswith(("http://", "https://"))
        reader = Reader(
            b"" if is_url else Path(target).read_bytes(),
            args.chunk_size or None,
            base_url=target if is_url else None,
            stream=args.stream,
            overrides=args.kwargs,
        )
        if args.use_async:
            line = asyncio.run(reader.read_async(anthropic))
        else:
            line = reader.read_sync(anthropic)
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
