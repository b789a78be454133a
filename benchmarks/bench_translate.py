"""Translation benchmark: what ``complete_via_messages`` adds to a request, against direct.

In one run, on httpx with an in-process upstream (``httpx.MockTransport`` answering from bytes
prepared beforehand, so that only client-side work is timed):

- **whole answer**: ``POST /v1/messages`` straight to the upstream (direct) vs ``POST
  /v1/complete`` through ``ConvertingTransport(complete_via_messages=True)`` (request
  translated, Messages JSON turned into a 2023-06-01 completion);
- **stream**: a 1,000-delta Messages stream read whole, direct vs translated to each 2023
  dialect (2023-06-01 completions, 2023-01-01 legacy), per upstream event; and, as the peer of
  the translated stream, the same conversion by a bare ``sseconv.Converter`` on the same bytes
  (the translation's own cost is what the transport adds beyond it).

Prints the best time of each, the time added per request and per event, and the ratios
translated/direct (whole answers) and translated/bare converter (streams). Each translated
answer is checked against the generated text and stop reason, so a fast but wrong translation
cannot pass.

Usage: ``python benchmarks/bench_translate.py [--quick] [--json] [--repeats N] [--budget S]``.
The exit status is 0 whatever the numbers (this prints numbers; it is not a test).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

import httpx
from _common import best_times, environment, format_table, json_safe
from _streams import messages_stream

import sseconv
from sseconv.httpx import ConvertingTransport

DESCRIPTION = "Translation benchmark: /v1/complete through complete_via_messages vs direct."
PROMPT = "\n\nHuman: Tell me a story.\n\nAssistant:"
MESSAGE = {
    "id": "msg_01bench",
    "type": "message",
    "role": "assistant",
    "model": "claude-haiku-4-5",
    "content": [{"type": "text", "text": "Once upon a time " * 40}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 12, "output_tokens": 160},
}


def _upstream(stream: bytes) -> httpx.MockTransport:
    whole = json.dumps(MESSAGE).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("stream"):
            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=stream
            )
        return httpx.Response(200, headers={"content-type": "application/json"}, content=whole)

    return httpx.MockTransport(handler)


def _convert(stream: bytes, to: str) -> bytes:
    converter = sseconv.Converter(to, source="messages")
    return converter.feed(stream) + converter.close()


def _cases(n_deltas: int) -> tuple[dict[str, Callable[[], bytes]], dict[str, Any]]:
    stream = messages_stream(n_deltas)
    upstream = _upstream(stream)
    direct = httpx.Client(transport=upstream, base_url="http://api.test")
    translated = httpx.Client(
        transport=ConvertingTransport(upstream, complete_via_messages=True),
        base_url="http://api.test",
    )
    messages_body = {
        "model": "claude-haiku-4-5",
        "max_tokens": 2000,
        "messages": [{"role": "user", "content": "Tell me a story."}],
    }
    complete_body = {"model": "claude-instant-1", "prompt": PROMPT, "max_tokens_to_sample": 2000}

    def post(client: httpx.Client, path: str, body: dict[str, Any], version: str) -> bytes:
        headers = {"anthropic-version": version, "x-api-key": "k"}
        with client.stream("POST", path, json=body, headers=headers) as response:
            return response.read()

    cases = {
        "whole/direct": lambda: post(direct, "/v1/messages", messages_body, "2023-06-01"),
        "whole/translated": lambda: post(translated, "/v1/complete", complete_body, "2023-06-01"),
        "stream/direct": lambda: post(
            direct, "/v1/messages", {**messages_body, "stream": True}, "2023-06-01"
        ),
        "stream/completions": lambda: post(
            translated, "/v1/complete", {**complete_body, "stream": True}, "2023-06-01"
        ),
        "stream/legacy": lambda: post(
            translated, "/v1/complete", {**complete_body, "stream": True}, "2023-01-01"
        ),
        "converter/completions": lambda: _convert(stream, "completions"),
        "converter/legacy": lambda: _convert(stream, "legacy"),
    }
    expected = {
        "text": "".join(
            e.text
            for e in sseconv.parse_events([stream], source="messages")
            if isinstance(e, sseconv.TextDelta)
        ),
        "events": stream.count(b"\n\n"),
    }
    return cases, expected


def _check(cases: dict[str, Callable[[], bytes]], expected: dict[str, Any]) -> None:
    whole = json.loads(cases["whole/translated"]())
    assert whole["completion"] == MESSAGE["content"][0]["text"]  # type: ignore[index]
    assert (whole["stop_reason"], whole["stop"]) == ("stop_sequence", "\n\nHuman:")
    for name in ("stream/completions", "stream/legacy"):
        text = "".join(
            e.text
            for e in sseconv.parse_events([cases[name]()])
            if isinstance(e, sseconv.TextDelta)
        )
        assert text == expected["text"], name


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--budget", type=float, default=None)
    args = parser.parse_args(argv)
    n_deltas = 100 if args.quick else 1000
    repeats = args.repeats or (3 if args.quick else 200)
    budget = args.budget if args.budget is not None else (0.5 if args.quick else 8.0)
    cases, expected = _cases(n_deltas)
    _check(cases, expected)
    best = best_times(cases, max_rounds=repeats, budget=budget)
    events = expected["events"]
    rows = []
    results: dict[str, Any] = {"environment": environment(), "events": events, "cases": {}}
    # (translated case, its direct peer, the peer its ratio is taken against)
    plan = [
        ("whole/translated", "whole/direct", "whole/direct"),
        ("stream/completions", "stream/direct", "converter/completions"),
        ("stream/legacy", "stream/direct", "converter/legacy"),
    ]
    for name, direct, peer in plan:
        added = best[name] - best[direct]
        per = f"{added / events * 1e6:.1f} µs/event" if name.startswith("stream") else ""
        rows.append(
            [
                name,
                f"{best[direct] * 1e3:.3f} ms",
                f"{best[name] * 1e3:.3f} ms",
                f"{added * 1e3:+.3f} ms",
                per,
                f"{best[name] / best[peer]:.2f}× {peer}",
            ]
        )
        results["cases"][name] = {
            "direct_s": best[direct],
            "translated_s": best[name],
            "added_s": added,
            "peer": peer,
            "ratio": best[name] / best[peer],
        }
    if args.json:
        print(json.dumps(json_safe(results), indent=2))
        return 0
    print(DESCRIPTION)
    print(f"stream: {events} upstream events ({n_deltas} text deltas); best of up to {repeats}")
    print(
        format_table(
            ["case", "direct", "translated", "added", "added per event", "ratio to peer"],
            rows,
            left=1,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
