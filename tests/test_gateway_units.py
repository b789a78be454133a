"""The gateway's pure parts: which request targets it serves, which headers cross it, its
options, and the serving helpers' address checks (no server needed)."""

from __future__ import annotations

import dataclasses
import os
import socket
import typing
from typing import Any

import pytest

import sseconv
from sseconv._gateway_http import forwarded_headers, header, target_problem
from sseconv._serving import bind, is_loopback
from sseconv.serve import (
    ENVIRONMENT_VARIABLE,
    Gateway,
    GatewayOptions,
    GatewayOverrides,
    from_environment,
    run_gateway,
)


@pytest.mark.parametrize(
    ("method", "target", "ok"),
    [
        ("POST", b"/v1/complete", True),
        ("GET", b"/v1/models/claude%2Fx", True),
        ("GET", b"/", True),
        ("GET", b"//double/slash", True),  # still a path on the upstream
        ("GET", b"/a/..b/c.", True),  # dots inside segments are not dot segments
        ("GET", b"http://evil.example/x", False),
        ("GET", b"evil.example:443", False),
        ("CONNECT", b"/x", False),
        ("OPTIONS", b"*", False),
        ("GET", b"/a/../b", False),
        ("GET", b"/a/./b", False),
        ("GET", b"/a/..", False),
        ("GET", b"/a/%2E%2e/b", False),
        ("GET", b"/a/%2e/b", False),
        ("GET", b"/a\\..\\b", False),
        ("GET", b"/a%5c..%5cb", False),
    ],
)
def test_target_problem(method: str, target: bytes, ok: bool) -> None:
    problem = target_problem(method, target)
    assert (problem is None) is ok, problem


def test_forwarded_headers_strip_hop_by_hop_and_named() -> None:
    headers = [
        (b"Connection", b"keep-alive, X-Hop"),
        (b"connection", b"Upgrade"),
        (b"X-Hop", b"1"),
        (b"Keep-Alive", b"timeout=5"),
        (b"Transfer-Encoding", b"chunked"),
        (b"TE", b"trailers"),
        (b"Trailer", b"X-Sum"),
        (b"Upgrade", b"h2c"),
        (b"Proxy-Authorization", b"Basic x"),
        (b"Proxy-Authenticate", b"Basic"),
        (b"Proxy-Connection", b"keep-alive"),
        (b"Set-Cookie", b"a=1"),
        (b"Set-Cookie", b"b=2"),
        (b"X-Api-Key", b"k"),
        (b"Host", b"h"),
    ]
    assert forwarded_headers(headers, drop=(b"host",)) == [
        (b"Set-Cookie", b"a=1"),
        (b"Set-Cookie", b"b=2"),
        (b"X-Api-Key", b"k"),
    ]
    assert header(headers, b"x-api-key") == b"k"
    assert header(headers, b"absent") is None


def test_options_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    options = GatewayOptions("http://127.0.0.1:9/p", max_body_size=10, models={"x": "y"})
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, options.to_json())
    assert from_environment().options == options
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "{not json")
    with pytest.raises(sseconv.UsageError):
        from_environment()
    monkeypatch.delenv(ENVIRONMENT_VARIABLE)
    with pytest.raises(sseconv.UsageError):
        from_environment()
    assert ENVIRONMENT_VARIABLE not in os.environ


@pytest.mark.parametrize(
    "overrides",
    [
        {"max_body_size": -1},
        {"timeout": 0},
        {"connect_timeout": -1},
        {"upstream_version": "yesterday"},
        {"upstream_version": "2023-01-01"},  # /v1/messages never accepted it
        {"health_path": "healthz"},
        # wrong types are usage errors too, never a TypeError from a comparison
        {"max_body_size": "big"},
        {"max_body_size": True},
        {"max_body_size": 1.5},
        {"timeout": "soon"},
        {"timeout": True},
        {"connect_timeout": None},
        {"models": 5},
        {"models": {"claude-2": 1}},
        {"upstream_version": 20230601},
        {"health_path": None},
        {"upstream": 5},
        {"upstream": None},
    ],
)
def test_bad_options(overrides: dict[str, object]) -> None:
    arguments = {"upstream": "http://127.0.0.1:9", **overrides}
    with pytest.raises(sseconv.UsageError) as info:
        GatewayOptions(**arguments)  # type: ignore[arg-type]
    assert info.value.message.startswith("expected ")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.0.2.1", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_bind_errors_are_usage_errors() -> None:
    with bind() as taken:
        port = taken.getsockname()[1]
        taken.listen()
        with pytest.raises(sseconv.UsageError, match="cannot listen on"):
            bind("192.0.2.1", port)  # an address this machine does not have
    for host, port in [("127.0.0.1", 70000), ("127.0.0.1", -1), ("127.0.0.1", "80"), (None, 0)]:
        with pytest.raises(sseconv.UsageError, match=r"^expected a (port number|host name)"):
            bind(host, port)  # type: ignore[arg-type]
    with pytest.raises(sseconv.UsageError, match="port number"):
        bind("127.0.0.1", True)


def test_bound_sockets_say_tcp() -> None:
    """asyncio turns Nagle's algorithm off (TCP_NODELAY) on accepted connections only when the
    listening socket's protocol is IPPROTO_TCP; with 0, events written a few ms apart on a
    reused connection waited ~40 ms for delayed ACKs (seen in benchmarks/bench_serve.py)."""
    with bind() as sock:
        assert sock.proto == socket.IPPROTO_TCP


def test_serve_command_through_a_command_line_helper() -> None:
    """A command line with its own subcommand helper (common options) registers ``serve``
    through it."""
    import argparse

    from sseconv._gateway_cli import add_serve_command

    parser = argparse.ArgumentParser(prog="x")
    commands = parser.add_subparsers(dest="command")
    seen: list[str] = []

    def add(commands: Any, name: str, **texts: str) -> argparse.ArgumentParser:
        seen.append(name)
        sub: argparse.ArgumentParser = commands.add_parser(name, **texts)
        sub.add_argument("-q", "--quiet", action="store_true")
        return sub

    add_serve_command(commands, add=add)
    args = parser.parse_args(["serve", "--upstream", "http://127.0.0.1:9", "-q", "--port", "0"])
    assert seen == ["serve"]
    assert (args.upstream, args.port, args.quiet, args.workers) == (
        "http://127.0.0.1:9",
        0,
        True,
        1,
    )
    assert callable(args.run)


@pytest.mark.parametrize(
    "arguments",
    [
        {"workers": 0},
        {"workers": "2"},
        {"workers": True},
        {"shutdown_timeout": -1},
        {"shutdown_timeout": "soon"},
        {"log_level": "loud"},
    ],
)
def test_run_gateway_refuses_bad_arguments_before_serving(arguments: dict[str, object]) -> None:
    options = GatewayOptions("http://127.0.0.1:9")
    with pytest.raises(sseconv.UsageError, match=r"^expected "):
        run_gateway(options, port=0, **arguments)  # type: ignore[arg-type]


def test_a_misspelt_gateway_option_names_the_closest_one() -> None:
    """The overrides are typed (:class:`GatewayOverrides`): the ``type: ignore`` comments are
    part of the test, mypy --strict reports an unused one, so each call must fail mypy."""
    with pytest.raises(sseconv.UsageError, match="unknown option 'timout'; did you mean 'timeout'"):
        Gateway("http://127.0.0.1:9", timout=5)  # type: ignore[call-arg]
    with pytest.raises(sseconv.UsageError, match=r"^expected a timeout > 0 seconds, found 'soon'"):
        Gateway("http://127.0.0.1:9", timeout="soon")  # type: ignore[arg-type]
    with pytest.raises(sseconv.UsageError, match="unknown option 'upstream'"):
        Gateway("http://127.0.0.1:9", upstream="http://127.0.0.1:8")  # given twice
    app = Gateway(GatewayOptions("http://127.0.0.1:9"), upstream="http://127.0.0.1:8", timeout=5)
    assert (app.options.upstream, app.options.timeout) == ("http://127.0.0.1:8", 5)
    assert Gateway("http://127.0.0.1:9").options == GatewayOptions("http://127.0.0.1:9")


def test_the_typed_overrides_are_the_option_fields() -> None:
    fields = typing.get_type_hints(GatewayOptions)
    assert list(fields) == [field.name for field in dataclasses.fields(GatewayOptions)]
    assert typing.get_type_hints(GatewayOverrides) == fields
    assert GatewayOverrides.__optional_keys__ == frozenset(fields)
