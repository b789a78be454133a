"""A drop-in for the ``anthropic`` 0.2.x client (2023), served by today's Messages API.

Code written against ``anthropic==0.2.10`` changes one line::

    import anthropic                               # before
    import sseconv.legacy_client as anthropic      # after

and keeps calling ``anthropic.Client(api_key).completion_stream(prompt=…, model=…,
max_tokens_to_sample=…)``, getting the same dicts (``completion`` cumulative, ``stop``,
``stop_reason``, ``truncated``, ``log_id``, ``model``, ``exception``) and the same
:class:`ApiException`. Underneath, the requests go through httpx and a
:class:`sseconv.httpx.ConvertingTransport` with ``complete_via_messages=True``: each
``/v1/complete`` request is translated to ``/v1/messages`` (:mod:`sseconv.translate`: prompt
turns, retired model names, sampling parameters) and the answer converted back to the
2023-01-01 form.

The surface is that of 0.2.10: ``Client(api_key, api_url="https://api.anthropic.com",
proxy_url=None, default_request_timeout=600)`` with ``completion``, ``completion_stream``,
``acompletion`` and ``acompletion_stream`` (``**kwargs`` are the request fields; the same
client-side prompt checks, skipped with ``disable_checks=True``), ``HUMAN_PROMPT``,
``AI_PROMPT``, ``ApiException``. As in 0.2.10, the stream functions return generators that send
the request when first iterated, and HTTP errors raise
``ApiException("post request failed with status code: <status>", <error JSON>)``; in addition
the exception carries ``status_code`` and ``body``, and ``Client.last_report`` tells what the
last answer held that a completion cannot (thinking, tool use: dropped and counted; usage).
Keyword-only extras: ``models`` (the
retired-model table), ``upstream_version``, ``transport`` / ``async_transport`` (the httpx
transports to wrap).

Differences, on purpose: a connection failure or timeout raises :class:`ApiException` (chained
from the httpx error) instead of a ``requests`` / ``aiohttp`` exception, so one ``except``
covers every failure; ``count_tokens`` and ``get_tokenizer`` are not provided (they needed the
``tokenizers`` package and a download of the claude-v1 tokenizer, which no current model uses).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx

from . import __version__
from ._report import Report
from ._requests import AI_PROMPT, HUMAN_PROMPT, UPSTREAM_VERSION
from .httpx import REPORT_EXTENSION, AsyncConvertingTransport, ConvertingTransport

__all__ = [
    "AI_PROMPT",
    "ANTHROPIC_CLIENT_VERSION",
    "ANTHROPIC_VERSION",
    "HUMAN_PROMPT",
    "ApiException",
    "Client",
]

ANTHROPIC_CLIENT_VERSION = f"sseconv-legacy-client/{__version__}"
ANTHROPIC_VERSION = "2023-01-01"

Timeout = float | tuple[float, float] | None

# The httpx classes of each flavour: client, HTTP transport, converting transport.
_SYNC = (httpx.Client, httpx.HTTPTransport, ConvertingTransport)
_ASYNC = (httpx.AsyncClient, httpx.AsyncHTTPTransport, AsyncConvertingTransport)


class ApiException(Exception):
    """What ``anthropic`` 0.2.10 raised: bad prompts, HTTP errors, unreadable stream data.

    Attributes:
        status_code: the HTTP status of an HTTP error (``None`` otherwise).
        body: the error body of an HTTP error (parsed JSON, or the text if not JSON).
    """

    status_code: int | None = None
    body: Any = None


def _request_error(content: bytes, status_code: int) -> ApiException:
    text = content.decode("utf-8")
    try:
        formatted: Any = json.loads(text)
    except ValueError:
        formatted = text
    error = ApiException(f"post request failed with status code: {status_code}", formatted)
    error.status_code = status_code
    error.body = formatted
    return error


@contextmanager
def _http_errors() -> Iterator[None]:
    """A connection failure or timeout (any httpx error) as :class:`ApiException`."""
    try:
        yield
    except httpx.HTTPError as exc:
        raise ApiException(f"post request failed: {exc}") from exc


def _validate_request(params: Mapping[str, Any]) -> None:
    """The checks 0.2.10 made before sending (skipped with ``disable_checks=True``)."""
    prompt = params["prompt"]
    if not prompt.startswith(HUMAN_PROMPT):
        raise ApiException(f"Prompt must start with anthropic.HUMAN_PROMPT ({HUMAN_PROMPT!r})")
    if AI_PROMPT not in prompt:
        raise ApiException(f"Prompt must contain anthropic.AI_PROMPT ({AI_PROMPT!r})")
    if prompt.endswith(" "):
        raise ApiException("Prompt must not end with a space character")


def _timeout(value: Timeout) -> httpx.Timeout:
    if isinstance(value, tuple):
        connect, read = value
        return httpx.Timeout(read, connect=connect)
    return httpx.Timeout(value)


class _Lines:
    """0.2.10's line reader: skips blank lines, pings (and the line after), ``[DONE]``."""

    def __init__(self) -> None:
        self._after_ping = False

    def read(self, line: str) -> list[dict[str, Any]]:
        """The dict of one line (none for a line it skips)."""
        line = line.strip()
        if not line:
            return []
        if line == "event: ping" or self._after_ping:  # the line after a ping is skipped too
            self._after_ping = line == "event: ping"
            return []
        if line == "data: [DONE]":
            return []
        data = line.removeprefix("data: ")
        try:
            return [json.loads(data)]
        except ValueError as exc:
            raise ApiException(exc, "Error processing stream data", data) from None


class Client:
    """The ``anthropic.Client`` of 0.2.10, over httpx and today's ``/v1/messages``.

    Attributes:
        last_report: the :class:`~sseconv.Report` of the last answer read (content with no
            place in a completion, such as thinking or tool use, dropped and counted; usage),
            complete once a stream has been read to its end.
    """

    def __init__(
        self,
        api_key: str,
        api_url: str = "https://api.anthropic.com",
        proxy_url: str | None = None,
        default_request_timeout: Timeout = 600,
        *,
        models: Mapping[str, str] | None = None,
        upstream_version: str = UPSTREAM_VERSION,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.api_key = api_key
        self.api_url = api_url
        self.proxy_url = proxy_url
        self.max_connection_retries = 2
        self.default_request_timeout = default_request_timeout
        self.last_report: Report | None = None
        self._options: dict[str, Any] = {
            "complete_via_messages": True,
            "models": models,
            "upstream_version": upstream_version,
        }
        self._async_transport = async_transport
        self._client: httpx.Client = self._http_client(_SYNC, transport)

    def _http_client(self, flavour: tuple[Any, Any, Any], transport: Any) -> Any:
        """An httpx client (``flavour``: its sync or async classes) whose transport converts,
        around ``transport`` (default: httpx's own, and a proxied one for https with
        ``proxy_url``)."""
        client, http, converting = flavour
        retries = self.max_connection_retries
        mounts = {}
        if self.proxy_url and transport is None:
            proxied = http(retries=retries, proxy=self.proxy_url)
            mounts["https://"] = converting(proxied, **self._options)
        inner = transport or http(retries=retries, proxy=None)
        return client(transport=converting(inner, **self._options), mounts=mounts)

    def close(self) -> None:
        """Close the connection pool (0.2.10 had none to close; this one does)."""
        self._client.close()

    def _request(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """What 0.2.10's ``_request_params`` built: url, headers, JSON body, timeout."""
        params = dict(params)
        if params.get("disable_checks"):
            del params["disable_checks"]
        else:
            _validate_request(params)
        return {
            "method": "POST",
            "url": urllib.parse.urljoin(self.api_url, path),
            "headers": {
                "Accept": "application/json",
                "Anthropic-SDK": ANTHROPIC_CLIENT_VERSION,
                "Anthropic-Version": ANTHROPIC_VERSION,
                "X-API-Key": self.api_key,
                "Content-Type": "application/json",
            },
            "content": json.dumps(params).encode(),
            "timeout": _timeout(self.default_request_timeout),
        }

    @contextmanager
    def _reporting(self, response: httpx.Response) -> Iterator[None]:
        try:
            yield
        finally:
            self.last_report = response.extensions.get(REPORT_EXTENSION)

    # -- sync and async: the same steps

    @contextmanager
    def _response(self, params: dict[str, Any]) -> Iterator[httpx.Response]:
        request = self._request("v1/complete", params)
        with _http_errors(), self._client.stream(**request) as response:
            if response.status_code != 200:
                raise _request_error(response.read(), response.status_code)
            with self._reporting(response):
                yield response

    @asynccontextmanager
    async def _aresponse(self, params: dict[str, Any]) -> AsyncIterator[httpx.Response]:
        request = self._request("v1/complete", params)
        client = self._http_client(_ASYNC, self._async_transport)
        with _http_errors():
            async with client, client.stream(**request) as response:
                if response.status_code != 200:
                    raise _request_error(await response.aread(), response.status_code)
                with self._reporting(response):
                    yield response

    def completion(self, **kwargs: Any) -> dict[str, Any]:
        """The completion (one dict) for ``kwargs`` (``prompt``, ``model``, …)."""
        with self._response(kwargs) as response:
            value: dict[str, Any] = json.loads(response.read())
            return value

    async def acompletion(self, **kwargs: Any) -> dict[str, Any]:
        """Async :meth:`completion`."""
        async with self._aresponse(kwargs) as response:
            value: dict[str, Any] = json.loads(await response.aread())
            return value

    def completion_stream(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """A generator of the streamed dicts (each with the whole completion so far)."""
        lines = _Lines()
        with self._response({"stream": True, **kwargs}) as response:
            for line in response.iter_lines():
                yield from lines.read(line)

    async def acompletion_stream(self, **kwargs: Any) -> AsyncIterator[dict[str, Any]]:
        """Async :meth:`completion_stream` (await it, then ``async for``)."""
        return self._astream({"stream": True, **kwargs})

    async def _astream(self, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        lines = _Lines()
        async with self._aresponse(params) as response:
            async for line in response.aiter_lines():
                for value in lines.read(line):
                    yield value
