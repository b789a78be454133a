"""Replay a cassette with vcrpy into a real Anthropic client; run inside a client environment.

Usage: vcr_replay.py legacy|completions|messages CASSETTE REQUEST_JSON

vcrpy plays the cassette with ``record_mode="none"`` and ``match_on=["method", "uri", "body"]``
(the body matched as parsed JSON, as vcrpy does for ``application/json``); no request leaves the
process. ``legacy`` calls ``Client.completion_stream(**REQUEST)`` (anthropic 0.2.x, requests),
``completions`` calls ``client.completions.create(stream=True, **REQUEST)`` (anthropic
0.3.x), ``messages`` uses ``with client.messages.stream(**REQUEST)`` (anthropic 0.40). Prints one
JSON line: the text, stop reason (and stop sequence, id, model for Messages), how many
interactions were played, or ``{"error": ..., "message": ...}`` if the client or vcrpy raised.
Standard library, the client and vcrpy only.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def _completions(client: Any, request: dict[str, Any]) -> dict[str, Any]:
    chunks = list(client.completions.create(stream=True, **request))
    return {
        "text": "".join(chunk.completion for chunk in chunks),
        "stop_reason": chunks[-1].stop_reason if chunks else None,
        "chunks": len(chunks),
        "model": chunks[-1].model if chunks else None,
    }


def _legacy(anthropic: Any, request: dict[str, Any]) -> dict[str, Any]:
    client = anthropic.Client(api_key="sk-ant-not-used", api_url="https://api.anthropic.com")
    events = list(client.completion_stream(**request))
    return {
        "text": events[-1]["completion"] if events else None,
        "stop_reason": events[-1]["stop_reason"] if events else None,
        "stop": events[-1]["stop"] if events else None,
        "events": len(events),
    }


def _messages(client: Any, request: dict[str, Any]) -> dict[str, Any]:
    with client.messages.stream(**request) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    return {
        "text": text,
        "stop_reason": final.stop_reason,
        "stop_sequence": final.stop_sequence,
        "id": final.id,
        "model": final.model,
    }


def main() -> None:
    import anthropic
    import vcr

    kind, cassette, request = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    recorder = vcr.VCR(record_mode="none", match_on=["method", "uri", "body"])
    try:
        with recorder.use_cassette(cassette) as played:
            if kind == "legacy":
                result = _legacy(anthropic, request)
            else:
                client = anthropic.Anthropic(api_key="sk-ant-not-used", max_retries=0)
                run = _completions if kind == "completions" else _messages
                result = run(client, request)
            result["played"] = played.play_count
    except Exception as exc:  # reported to the test
        cause = exc.__cause__ or exc.__context__
        message = f"{exc}; caused by {type(cause).__name__}: {cause}" if cause else str(exc)
        result = {"error": type(exc).__name__, "message": message[:3000]}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
