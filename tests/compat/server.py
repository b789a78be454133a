"""A throw-away HTTP server on 127.0.0.1 that replays recorded event streams.

Stdlib only (``http.server`` in a daemon thread, ephemeral port). Every POST whose path ends in
``/s<N>/v1/complete`` (or ``/s<N>/v1/messages``) gets the N-th registered body, sent as
``text/event-stream`` with chunked transfer encoding, one HTTP chunk per piece given by
:func:`split_chunks` and a flush after each, so the client really receives the stream in parts
(HTTP chunks keep their boundaries even when TCP coalesces them). The requests are recorded.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

__all__ = ["RecordedRequest", "SSEServer", "StreamSpec", "serve_streams", "split_chunks"]

_PATH = re.compile(r"/s(\d+)/")


def split_chunks(data: bytes, chunk_size: int | None = None) -> list[bytes]:
    """Cut ``data`` into pieces of ``chunk_size`` bytes; ``None`` means four roughly equal ones.

    The default cuts fall in the middle of lines (and of CRLF pairs, multi-byte characters...),
    which is the point: readers must reassemble lines across reads.
    """
    if not data:
        return []
    if chunk_size is None:
        chunk_size = max(1, -(-len(data) // 4))
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    return [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)]


@dataclass(frozen=True)
class StreamSpec:
    """What the server sends for one stream."""

    body: bytes
    chunk_size: int | None = None
    status: int = 200
    content_type: str = "text/event-stream"
    linger: float = 0.0  # seconds to keep the connection open after the last byte


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def to_json(self) -> dict[str, Any]:
        try:
            parsed: Any = json.loads(self.body) if self.body else None
        except ValueError:
            parsed = self.body.decode("utf-8", "replace")
        return {"method": self.method, "path": self.path, "headers": self.headers, "json": parsed}


_S = TypeVar("_S", bound="LoopbackServer")


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """The test servers' request handler: HTTP/1.1, no request log, GET and POST both
    answered by ``_serve``."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        raise NotImplementedError


class LoopbackServer:
    """A threaded HTTP server on loopback, in a daemon thread; a context manager (started on
    enter, stopped on exit). Subclasses (dataclasses) declare ``host``, ``_httpd`` and
    ``_thread`` and start with :meth:`_serve`."""

    host: str
    _httpd: http.server.ThreadingHTTPServer | None
    _thread: threading.Thread | None

    def start(self: _S) -> _S:
        raise NotImplementedError

    def _serve(self: _S, handler: type[http.server.BaseHTTPRequestHandler], name: str) -> _S:
        httpd = http.server.ThreadingHTTPServer((self.host, 0), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.02,), name=name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self: _S) -> _S:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass
class SSEServer(LoopbackServer):
    specs: Sequence[StreamSpec]
    host: str = "127.0.0.1"
    requests: list[RecordedRequest] = field(default_factory=list)
    _httpd: http.server.ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    def url(self, index: int) -> str:
        """The base URL for stream ``index`` (what an SDK takes as ``api_url``/``base_url``)."""
        return f"http://{self.host}:{self.port}/s{index}/"

    def start(self) -> SSEServer:
        server = self

        class Handler(QuietHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append(
                    RecordedRequest(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )
                match = _PATH.match(self.path)
                if match is None or int(match.group(1)) >= len(server.specs):
                    self.send_error(404)
                    return
                spec = server.specs[int(match.group(1))]
                self.send_response(spec.status)
                self.send_header("Content-Type", spec.content_type)
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.flush()
                for piece in split_chunks(spec.body, spec.chunk_size):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.flush()
                if spec.linger:
                    time.sleep(spec.linger)
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                self.close_connection = True

        return self._serve(Handler, "sse-server")


@contextmanager
def serve_streams(specs: Sequence[StreamSpec]) -> Iterator[SSEServer]:
    """Serve ``specs`` for the duration of the ``with`` block."""
    with SSEServer(specs) as server:
        yield server
