"""``Decoder.check``'s quick ways (a same-dialect conversion checks a text event by reading only
its JSON string, not the whole payload) agree with ``decode`` on any text, valid JSON or not."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import patch

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sseconv import ServerSentEvent, TextDelta
from sseconv._codecs import CompletionsDecoder, Decoder, MessagesDecoder
from sseconv._errors import InputError

# What may stand between the quotes of a JSON string, and what may not
PIECES = st.sampled_from(
    [
        '"',
        "\\",
        "\\\\",
        '\\"',
        "\\/",
        "\\n",
        "\\t",
        "\\b",
        "\\u00e9",
        "\\ud83d",
        "\\uZZ12",
        "\\u12",
        "\\x",
        "\\'",
        "\n",
        "\x00",
        "\x1f",
        "\x7f",
        " ",
        "é",
        "😀",
        "\u2028",
        "a",
    ]
)
BODIES = st.lists(PIECES, max_size=6).map("".join)
DELTA = '{"type":"content_block_delta","index":%s,"delta":{"type":"text_delta","text":"%s"}%s}'
SPACED_DELTA = DELTA.replace('":', '": ').replace(',"', ', "')  # json.dumps' default spacing
COMPLETION = (
    '{"type":"completion","id":"compl_1","completion":"%s","stop_reason":null,'
    '"model":"claude-2","stop":null,"log_id":"compl_1"}'
)


def outcome(decoder: Decoder, call: str, sse: ServerSentEvent) -> tuple[str, Any]:
    try:
        made = getattr(decoder, call)(sse)
    except InputError as exc:
        return "error", (type(exc), exc.message, exc.event_number, exc.offset)
    return "ok", made if call == "check" else (type(made[0]) if made else None)


def agree(decoders: list[Decoder], sse: ServerSentEvent) -> None:
    decoding, checking = decoders
    assert outcome(checking, "check", sse) == outcome(decoding, "decode", sse), sse
    assert vars(checking) == vars(decoding)


def opened(cls: type[Decoder], *events: tuple[str, str]) -> list[Decoder]:
    decoders = [cls(), cls()]
    for decoder in decoders:
        for number, (name, data) in enumerate(events, 1):
            decoder.decode(ServerSentEvent(name, data, offset=number, number=number))
    return decoders


MESSAGE_START = '{"type":"message_start","message":{"id":"msg_1","model":"m"}}'
BLOCK_START = '{"type":"content_block_start","index":%d,"content_block":{"type":"%s"}}'


def quick(decoder: Decoder, sse: ServerSentEvent) -> Any:
    """``check`` without its general way (which would raise)."""
    with patch.object(Decoder, "check", side_effect=AssertionError("the general way")):
        return decoder.check(sse)


@settings(max_examples=300, deadline=None)
@given(
    body=BODIES,
    index=st.sampled_from(["0", "1", "2", "01", "-1"]),
    padding=st.sampled_from(["", "   ", "\n", "}", " x"]),
    template=st.sampled_from([DELTA, SPACED_DELTA]),
)
@example(body="plain", index="0", padding="  ", template=DELTA)
@example(body="plain", index="0", padding="", template=SPACED_DELTA)
def test_messages_text_deltas_are_checked_as_decode_reads_them(
    body: str, index: str, padding: str, template: str
) -> None:
    """Block 0 is a text block, block 1 a tool block, block 2 is not open."""
    decoders = opened(
        MessagesDecoder,
        ("message_start", MESSAGE_START),
        ("content_block_start", BLOCK_START % (0, "text")),
        ("content_block_start", BLOCK_START % (1, "tool_use")),
    )
    sse = ServerSentEvent("content_block_delta", template % (index, body, padding), number=9)
    agree(decoders, sse)
    if index == "0" and padding.strip() == "" and valid(body) and body:
        assert quick(decoders[1], sse) is TextDelta


ESCAPED = 'a \\"é\\"'  # (the JSON string body of 'a "é"')
ANY_DELTA = DELTA.replace('":', '" : ').replace(',"', ' , "').replace("{", "{ ")


@given(templates=st.lists(st.sampled_from([DELTA, SPACED_DELTA, ANY_DELTA]), max_size=6))
def test_messages_text_deltas_in_changing_spacings(templates: list[str]) -> None:
    """Whatever the order of spacings, check, decode and the state table agree, read the text
    and leave the decoders alike, and either quick way takes both the compact and json.dumps'
    spacing."""
    opening = (
        ("message_start", MESSAGE_START),
        ("content_block_start", BLOCK_START % (0, "text")),
    )
    decoders = opened(MessagesDecoder, *opening)
    stepping = opened(MessagesDecoder, *opening)[0]  # (through the state table only)
    for number, template in enumerate(templates, 3):
        data = template % (0, ESCAPED, "")
        sse = ServerSentEvent("content_block_delta", data, number=number)
        agree(decoders, sse)
        (event,) = decoders[0].decode(sse)
        assert isinstance(event, TextDelta) and event.text == 'a "é"'
        if template != ANY_DELTA:
            assert quick(decoders[1], sse) is TextDelta
        list(stepping.step(sse))
        assert vars(decoders[0]) == vars(decoders[1]) == vars(stepping)


@settings(max_examples=300, deadline=None)
@given(body=BODIES, tail=st.sampled_from(["", " ", ',"x":1', "}"]))
@example(body="plain", tail="")
def test_completion_texts_are_checked_as_decode_reads_them(body: str, tail: str) -> None:
    """After a first payload, the decoder knows the JSON around the text: a text between the
    same JSON is checked by reading the string alone."""
    decoders = opened(CompletionsDecoder, ("completion", COMPLETION % "Hello"))
    data = COMPLETION % body
    sse = ServerSentEvent("completion", data[:-1] + tail + data[-1:], number=5)
    agree(decoders, sse)
    if tail == "" and valid(body) and body:
        assert quick(decoders[1], sse) is TextDelta


def valid(body: str) -> bool:
    try:
        json.loads(f'"{body}"')
    except ValueError:
        return False
    return True
