"""Deterministic generators of realistic, recorded-looking Anthropic streams (as bytes).

Every generator takes a ``seed`` and produces byte-identical output for the same arguments, so
benchmark runs are comparable across machines and commits. The shapes follow the real captures
in ``tests/fixtures/``:

* :func:`completions_stream` -- 2023-06-01 ``/v1/complete``: ``event: completion`` with one-line
  compact JSON in the server's key order, incremental text, occasional ``ping`` events, and a
  final event with ``"completion":""`` and ``"stop_reason":"stop_sequence"``. LF line endings.
* :func:`legacy_stream` -- 2023-01-01 ``/v1/complete``: data-only events with **cumulative**
  text, CRLF line endings, timestamp pings, a final event carrying the stop reason, then
  ``data: [DONE]``.
* :func:`messages_stream` -- ``/v1/messages``: ``message_start``, one text block with ``n``
  ``text_delta`` events, ``content_block_stop``, ``message_delta``, ``message_stop``, with pings.

Token text mixes ASCII words, punctuation, double quotes, newlines (written as ``\\n`` escapes by
JSON) and non-ASCII characters (2-, 3- and 4-byte UTF-8), written as raw UTF-8 like the API does.
"""

from __future__ import annotations

import datetime as _dt
import json
import random
import string

__all__ = [
    "chunks",
    "completions_stream",
    "large_legacy_stream",
    "legacy_stream",
    "messages_stream",
    "random_chunks",
    "tokens",
]

_WORD_TEXT = (
    "the of and to a in is that it for as with was on be by this are or at from but not have "
    "an they which you one were all we can her has there been if more when will would who so "
    "no model stream token event data server client request response claude answer question "
    "python json value field example result because however therefore simply really"
)
_WORDS = _WORD_TEXT.split()
_PUNCT = (".", ",", ";", ":", "!", "?", " -", "(", ")", "'s", "...", " /", " *")
_UNICODE_TEXT = "é|ü|ñ|ç| café| naïve| —|…| “|”|€|→| 日本語|中文| Привет| 😀|🚀| ∑"
_UNICODE = tuple(_UNICODE_TEXT.split("|"))
_QUOTES = ('"', ' "', '."', '\\"', "'")
_NEWLINES = ("\n", "\n\n", ".\n", ":\n\n", "\n- ")


def _piece(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.68:
        return " " + rng.choice(_WORDS)
    if r < 0.78:
        return rng.choice(_PUNCT)
    if r < 0.86:
        return rng.choice(_UNICODE)
    if r < 0.91:
        return rng.choice(_QUOTES)
    if r < 0.96:
        return rng.choice(_NEWLINES)
    return "".join(
        rng.choice(string.ascii_letters + string.digits) for _ in range(rng.randint(1, 6))
    )


def tokens(n: int, *, seed: int = 0, lo: int = 1, hi: int = 8) -> list[str]:
    """``n`` token texts, each ``lo``..``hi`` code points long (never a lone surrogate).

    A running text is built from words, punctuation, quotes, newlines and non-ASCII pieces and
    cut at random lengths, so tokens look like BPE fragments and the assembled text reads as
    words.
    """
    rng = random.Random(f"tokens:{seed}:{lo}:{hi}")
    lengths = [rng.randint(lo, hi) for _ in range(n)]
    pieces: list[str] = []
    size = 0
    total = sum(lengths)
    while size < total:
        piece = _piece(rng)
        pieces.append(piece)
        size += len(piece)
    text = "".join(pieces)
    out: list[str] = []
    pos = 0
    for length in lengths:
        out.append(text[pos : pos + length])
        pos += length
    return out


def _dumps(obj: object, spaced: bool = False) -> str:
    # Compact, non-ASCII as raw UTF-8: what the API writes for completion payloads; or the
    # default spacing of json.dumps (", " and ": "), as a proxy or a test might write them.
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": ") if spaced else (",", ":"))


def _ident(rng: random.Random, prefix: str, length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


def completions_stream(
    n_tokens: int,
    *,
    seed: int = 0,
    model: str = "claude-2.1",
    ping_every: int = 50,
    spaced: bool = False,
) -> bytes:
    """A 2023-06-01 ``/v1/complete`` stream with ``n_tokens`` completion deltas (LF endings)."""
    rng = random.Random(f"completions:{seed}")
    ident = _ident(rng, "compl_", 24)
    parts: list[str] = []

    def event(text: str, stop_reason: str | None = None, stop: str | None = None) -> str:
        payload: dict[str, object] = {"type": "completion", "id": ident, "completion": text}
        payload.update(stop_reason=stop_reason, model=model, stop=stop, log_id=ident)
        return "event: completion\ndata: " + _dumps(payload, spaced) + "\n\n"

    for i, tok in enumerate(tokens(n_tokens, seed=seed)):
        parts.append(event(tok))
        if ping_every and i % ping_every == ping_every // 2:
            parts.append('event: ping\ndata: {"type": "ping"}\n\n')
    parts.append(event("", "stop_sequence", "\n\nHuman:"))
    return "".join(parts).encode("utf-8")


def legacy_stream(
    n_tokens: int,
    *,
    seed: int = 0,
    lo: int = 1,
    hi: int = 8,
    model: str = "claude-v1",
    ping_every: int = 50,
    spaced: bool = False,
) -> bytes:
    """A 2023-01-01 stream: ``n_tokens`` data-only events with cumulative text, CRLF endings.

    The last token arrives in an ordinary event; the event after it repeats the full text with
    ``"stop":"\\n\\nHuman:"`` and ``"stop_reason":"stop_sequence"`` (as the reconstruction in
    ``tests/fixtures`` does), followed by ``data: [DONE]``. Output size grows quadratically
    with ``n_tokens``; see :func:`large_legacy_stream`.
    """
    rng = random.Random(f"legacy:{seed}")
    log_id = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    clock = _dt.datetime(2023, 4, 28, 21, 18, 31, 866238)
    parts: list[str] = []
    text = ""

    def event(stop: str | None, stop_reason: str | None) -> str:
        payload = {
            "completion": text,
            "stop": stop,
            "stop_reason": stop_reason,
            "truncated": False,
            "log_id": log_id,
            "model": model,
            "exception": None,
        }
        return "data: " + _dumps(payload, spaced) + "\r\n\r\n"

    for i, tok in enumerate(tokens(n_tokens, seed=seed, lo=lo, hi=hi)):
        text += tok
        parts.append(event(None, None))
        if ping_every and i % ping_every == ping_every // 2:
            clock += _dt.timedelta(microseconds=rng.randint(400_000, 2_500_000))
            parts.append(
                "event: ping\r\ndata: " + clock.strftime("%Y-%m-%d %H:%M:%S.%f") + "\r\n\r\n"
            )
    parts.append(event("\n\nHuman:", "stop_sequence"))
    parts.append("data: [DONE]\r\n\r\n")
    return "".join(parts).encode("utf-8")


def large_legacy_stream(n_tokens: int = 1000, *, seed: int = 0) -> bytes:
    """Legacy stream with longer tokens (6..18 code points): ~1,000 events make ~5 MB."""
    return legacy_stream(n_tokens, seed=seed, lo=6, hi=18)


def messages_stream(
    n_deltas: int,
    *,
    seed: int = 0,
    model: str = "claude-sonnet-4-20250514",
    ping_every: int = 50,
    spaced: bool = False,
    padding: bool = True,
) -> bytes:
    """A ``/v1/messages`` stream with one text block of ``n_deltas`` ``text_delta`` events.

    With ``padding``, each payload carries 0-16 spaces before its final ``}``, as the API's do.
    """
    rng = random.Random(f"messages:{seed}")
    msg_id = _ident(rng, "msg_01", 22)
    parts: list[str] = []

    def event(name: str, payload: object) -> None:
        text = _dumps(payload, spaced)
        if padding:
            text = text[:-1] + " " * rng.randint(0, 16) + "}"
        parts.append(f"event: {name}\ndata: {text}\n\n")

    event(
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": msg_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {
                    "input_tokens": rng.randint(10, 2000),
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 0,
                    "output_tokens": 1,
                    "service_tier": "standard",
                },
            },
        },
    )
    event(
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    )
    parts.append('event: ping\ndata: {"type": "ping"}\n\n')
    for i, tok in enumerate(tokens(n_deltas, seed=seed)):
        event(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": tok},
            },
        )
        if ping_every and i % ping_every == ping_every - 1:
            parts.append('event: ping\ndata: {"type": "ping"}\n\n')
    event("content_block_stop", {"type": "content_block_stop", "index": 0})
    event(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": n_deltas + 1},
        },
    )
    event("message_stop", {"type": "message_stop"})
    return "".join(parts).encode("utf-8")


def chunks(data: bytes, size: int) -> list[bytes]:
    """``data`` cut into consecutive pieces of ``size`` bytes (the last may be shorter)."""
    if size < 1:
        raise ValueError("size must be >= 1")
    return [data[i : i + size] for i in range(0, len(data), size)]


def random_chunks(data: bytes, seed: int, lo: int = 1, hi: int = 4096) -> list[bytes]:
    """``data`` cut at seeded random sizes in ``lo..hi`` (cuts ignore UTF-8 and line borders)."""
    if not 1 <= lo <= hi:
        raise ValueError("need 1 <= lo <= hi")
    rng = random.Random(f"chunks:{seed}:{lo}:{hi}")
    out: list[bytes] = []
    pos = 0
    while pos < len(data):
        step = rng.randint(lo, hi)
        out.append(data[pos : pos + step])
        pos += step
    return out
