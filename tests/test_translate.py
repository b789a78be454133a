"""sseconv.translate: every request and response rule, each with its own test."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sseconv
from sseconv.translate import (
    RETIRED_MODELS,
    UPSTREAM_VERSION,
    CompleteExchange,
    RequestError,
    complete_to_messages,
    convert_message,
    error_body,
    message_to_completion,
    messages_to_complete,
)

HUMAN = "\n\nHuman:"
AI = "\n\nAssistant:"
MUST_START = 'prompt must start with "\n\nHuman:" turn after an optional system prompt'
MUST_END = 'prompt must end with "\n\nAssistant:" turn'


def request(prompt: str, **fields: Any) -> dict[str, Any]:
    return {"model": "claude-test", "prompt": prompt, "max_tokens_to_sample": 10, **fields}


def messages_of(prompt: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = complete_to_messages(request(prompt))["messages"]
    return out


# -- prompt -> turns --------------------------------------------------------------------------


def test_prompt_is_split_into_turns_with_one_space_removed() -> None:
    assert messages_of(f"{HUMAN} Hi{AI} Hello{HUMAN}  two spaces{AI}") == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": " two spaces"},
    ]


def test_turn_without_space_after_the_colon_is_kept_whole() -> None:
    assert messages_of(f"{HUMAN}Hi{AI}") == [{"role": "user", "content": "Hi"}]


def test_text_before_the_first_human_turn_is_the_system_prompt() -> None:
    body = complete_to_messages(request(f"You are terse.{HUMAN} Hi{AI}"))
    assert body["system"] == "You are terse."
    assert "system" not in complete_to_messages(request(f"{HUMAN} Hi{AI}"))


def test_final_assistant_text_is_a_prefill_without_trailing_whitespace() -> None:
    assert messages_of(f"{HUMAN} Hi{AI} Sure, here it is: \n\t ") == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Sure, here it is:"},
    ]


@pytest.mark.parametrize("tail", ["", " ", "  \n"])
def test_empty_final_assistant_turn_is_dropped(tail: str) -> None:
    assert messages_of(f"{HUMAN} Hi{AI}{tail}") == [{"role": "user", "content": "Hi"}]


def test_consecutive_turns_of_one_role_are_merged_into_text_blocks() -> None:
    assert messages_of(f"{HUMAN} a{HUMAN} b{AI} c{AI} d{HUMAN} e{AI}") == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "c"}, {"type": "text", "text": "d"}],
        },
        {"role": "user", "content": "e"},
    ]


def test_merged_final_assistant_turns_keep_only_text() -> None:
    assert messages_of(f"{HUMAN} a{AI} b{AI}") == [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b"},
    ]


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("Hello, world", MUST_START),
        (f"Hello, world{AI}", MUST_START),
        (f"{AI} Hello{HUMAN} Hi{AI}", MUST_START),
        (f"{HUMAN} Hello, Claude", MUST_END),
        (f"{HUMAN} Hi{AI} Hello{HUMAN} How many toes do dogs have?", MUST_END),
        (f"{HUMAN} Hello, Claude \nAssistant:", MUST_END),
        ("Human: Hello\n\nAssistant:", MUST_START),
    ],
)
def test_prompts_the_old_api_refused_get_its_wording(prompt: str, message: str) -> None:
    with pytest.raises(RequestError) as info:
        complete_to_messages(request(prompt))
    error = info.value
    assert (error.status, error.type, error.message) == (400, "invalid_request_error", message)
    assert isinstance(error, sseconv.SSEConvError)
    assert json.loads(error.body()) == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": message},
    }


@pytest.mark.parametrize("prompt", [f"{HUMAN}{AI}", f"{HUMAN} a{AI}  {HUMAN} b{AI}"])
def test_an_empty_inner_turn_is_refused_with_its_number(prompt: str) -> None:
    with pytest.raises(RequestError, match=r"prompt turn \d \((Human|Assistant)\) is empty"):
        complete_to_messages(request(prompt))


# -- the other fields ---------------------------------------------------------------------------


def test_fields_are_carried() -> None:
    body = complete_to_messages(
        request(
            f"{HUMAN} Hi{AI}",
            stop_sequences=[HUMAN, "END", HUMAN],
            temperature=0.2,
            top_p=0.9,
            top_k=5,
            metadata={"user_id": "u-1"},
            stream=True,
        )
    )
    assert body == {
        "model": "claude-test",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "Hi"}],
        "stop_sequences": ["END"],
        "temperature": 0.2,
        "top_p": 0.9,
        "top_k": 5,
        "metadata": {"user_id": "u-1"},
        "stream": True,
    }


def test_stop_sequences_of_only_human_become_an_empty_list() -> None:
    body = complete_to_messages(request(f"{HUMAN} Hi{AI}", stop_sequences=[HUMAN]))
    assert body["stop_sequences"] == []


def test_unknown_fields_are_passed_on_for_upstream_to_judge() -> None:
    body = complete_to_messages(request(f"{HUMAN} Hi{AI}", service_tier="auto"))
    assert body["service_tier"] == "auto"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"prompt": None}, "prompt: expected a string, found NoneType"),
        ({"max_tokens_to_sample": "10"}, "max_tokens_to_sample: expected an integer, found str"),
        ({"max_tokens_to_sample": True}, "max_tokens_to_sample: expected an integer, found bool"),
        ({"metadata": {"user_id": "u", "team": "x"}}, "metadata.team: has no place"),
        ({"metadata": "u"}, "metadata: expected an object, found str"),
        ({"stop_sequences": "END"}, "stop_sequences: expected a list of strings"),
    ],
)
def test_bad_fields_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(RequestError, match=message):
        complete_to_messages({**request(f"{HUMAN} Hi{AI}"), **change})


@pytest.mark.parametrize("name", ["model", "prompt", "max_tokens_to_sample"])
def test_missing_required_fields_are_refused(name: str) -> None:
    body = request(f"{HUMAN} Hi{AI}")
    del body[name]
    with pytest.raises(RequestError, match=f"^{name}: Field required$"):
        complete_to_messages(body)


# -- models --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("claude-v1", "claude-sonnet-4-6"),
        ("claude-1.3-100k", "claude-sonnet-4-6"),
        ("claude-2.1", "claude-sonnet-4-6"),
        ("claude-instant-v1", "claude-haiku-4-5"),
        ("claude-instant-1.2", "claude-haiku-4-5"),
    ],
)
def test_retired_models_map_through_the_table(old: str, new: str) -> None:
    assert RETIRED_MODELS[old] == new
    assert complete_to_messages(request(f"{HUMAN} Hi{AI}", model=old))["model"] == new


def test_the_retired_models_table_is_the_documented_one() -> None:
    """Every name ``/v1/complete`` served, the 1.x ones in both spellings (``claude-v1.3`` and
    ``claude-1.3``), and nothing else."""
    sonnet = """claude-v1 claude-v1-100k claude-v1.0 claude-v1.2 claude-v1.3 claude-v1.3-100k
        claude-1 claude-1-100k claude-1.0 claude-1.2 claude-1.3 claude-1.3-100k
        claude-2 claude-2.0 claude-2.1"""
    haiku = """claude-instant-v1 claude-instant-v1-100k claude-instant-v1.0 claude-instant-v1.1
        claude-instant-v1.1-100k claude-instant-1 claude-instant-1-100k claude-instant-1.0
        claude-instant-1.1 claude-instant-1.1-100k claude-instant-1.2"""
    assert dict(RETIRED_MODELS) == {
        **dict.fromkeys(sonnet.split(), "claude-sonnet-4-6"),
        **dict.fromkeys(haiku.split(), "claude-haiku-4-5"),
    }


def test_unknown_models_pass_unchanged_and_the_table_is_overridable() -> None:
    prompt = f"{HUMAN} Hi{AI}"
    assert complete_to_messages(request(prompt, model="claude-x-9"))["model"] == "claude-x-9"
    body = complete_to_messages(request(prompt, model="claude-v1"), models={"claude-v1": "mine"})
    assert body["model"] == "mine"
    assert complete_to_messages(request(prompt, model="claude-v1"), models={})["model"] == (
        "claude-v1"
    )


def test_reverse_mapping_keeps_the_model_unless_told() -> None:
    body = {
        "model": "claude-haiku-4-5",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    assert messages_to_complete(body)["model"] == "claude-haiku-4-5"
    assert messages_to_complete(body, models={"claude-haiku-4-5": "claude-instant-1"})["model"] == (
        "claude-instant-1"
    )


# -- the reverse direction ---------------------------------------------------------------------


def test_reverse_mapping_writes_the_canonical_prompt() -> None:
    body = {
        "model": "m",
        "max_tokens": 7,
        "system": "Sys",
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
            },
            {"role": "assistant", "content": "Sure"},
        ],
        "stop_sequences": ["END"],
        "temperature": 1,
        "metadata": {"user_id": "u"},
        "stream": False,
    }
    assert messages_to_complete(body) == {
        "model": "m",
        "prompt": f"Sys{HUMAN} a{HUMAN} b{AI} Sure",
        "max_tokens_to_sample": 7,
        "stop_sequences": [HUMAN, "END"],
        "temperature": 1,
        "metadata": {"user_id": "u"},
        "stream": False,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]},
            "messages.0.content.0: a 'image' block has no place",
        ),
        (
            {"messages": [{"role": "user", "content": f"a{AI} b"}]},
            "messages.0: a text holding a turn marker has no place",
        ),
        ({"system": f"x{HUMAN} y"}, "system: a text holding a turn marker"),
        ({"tools": []}, "tools: has no place in a completion request"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages.0: expected a user or"),
    ],
)
def test_reverse_mapping_refuses_what_has_no_place(change: dict[str, Any], message: str) -> None:
    body = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "Hi"}]}
    with pytest.raises(RequestError, match=message):
        messages_to_complete({**body, **change})


# Timing varies on a loaded machine: no per-example deadline (the tests assert behaviour only).
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_TEXT = st.text(alphabet="ab :\n\tHumanAsist", min_size=1, max_size=12).filter(
    lambda t: t.strip() != "" and "\n\nHuman:" not in t and "\n\nAssistant:" not in t
)


@st.composite
def canonical_prompts(draw: st.DrawFn) -> str:
    system = draw(st.one_of(st.just(""), _TEXT))
    turns = draw(st.lists(st.tuples(st.sampled_from([HUMAN, AI]), _TEXT), max_size=5))
    turns = [(HUMAN, draw(_TEXT)), *turns]
    if turns[-1][0] == AI:  # it ends the prompt: a prefill, without trailing whitespace
        text = turns[-1][1].rstrip()
        turns[-1] = (AI, text if text.strip() else "x")
        return system + "".join(f"{label} {text}" for label, text in turns)
    final = draw(st.one_of(st.just(""), _TEXT.map(str.rstrip).filter(bool)))
    parts = [system, *(f"{label} {text}" for label, text in turns)]
    parts.append(f"{AI} {final}" if final else AI)
    return "".join(parts)


@SETTINGS
@given(canonical_prompts(), st.sampled_from([None, [HUMAN], [HUMAN, "X"]]))
def test_reverse_inverts_forward_on_canonical_requests(
    prompt: str, stops: list[str] | None
) -> None:
    body = request(prompt, temperature=0.5, **({} if stops is None else {"stop_sequences": stops}))
    assert messages_to_complete(complete_to_messages(body, models={})) == body


@SETTINGS
@given(canonical_prompts(), st.sampled_from([None, [], ["X"]]))
def test_forward_inverts_reverse_on_messages_requests(prompt: str, stops: list[str] | None) -> None:
    messages = complete_to_messages(request(prompt), models={})
    if stops is not None:
        messages["stop_sequences"] = stops
    assert complete_to_messages(messages_to_complete(messages), models={}) == messages


# -- responses ---------------------------------------------------------------------------------


def message(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": " world"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 2},
    }
    return {**base, **fields}


def test_non_stream_message_as_legacy_completion() -> None:
    out = message_to_completion(message(), "2023-01-01")
    assert list(out.items()) == [
        ("completion", "Hello world"),
        ("stop", HUMAN),
        ("stop_reason", "stop_sequence"),
        ("truncated", False),
        ("log_id", "msg_01"),
        ("model", "claude-haiku-4-5"),
        ("exception", None),
    ]


def test_non_stream_message_as_2023_06_01_completion() -> None:
    out = message_to_completion(message(), sseconv.Dialect.COMPLETIONS)
    assert list(out.items()) == [
        ("type", "completion"),
        ("id", "msg_01"),
        ("completion", "Hello world"),
        ("stop_reason", "stop_sequence"),
        ("model", "claude-haiku-4-5"),
        ("stop", HUMAN),
        ("log_id", "msg_01"),
    ]


@pytest.mark.parametrize(
    ("stop_reason", "stop_sequence", "expected"),
    [
        ("end_turn", None, ("stop_sequence", HUMAN)),
        ("stop_sequence", "END", ("stop_sequence", "END")),
        ("max_tokens", None, ("max_tokens", None)),
        ("refusal", None, ("refusal", None)),
    ],
)
def test_non_stream_stop_reasons_map_as_in_streams(
    stop_reason: str, stop_sequence: str | None, expected: tuple[str, str | None]
) -> None:
    msg = message(stop_reason=stop_reason, stop_sequence=stop_sequence)
    out = message_to_completion(msg, "completions")
    assert (out["stop_reason"], out["stop"]) == expected
    # The same as the stream conversion says for the same message.
    stream = (
        b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01",'
        b'"type":"message","role":"assistant","model":"m","content":[]}}\n\n'
        b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":'
        + json.dumps(stop_reason).encode()
        + b',"stop_sequence":'
        + json.dumps(stop_sequence).encode()
        + b'}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n'
    )
    converted = sseconv.Converter("completions").feed(stream)
    final = json.loads(converted.decode().split("data: ")[-1])
    assert (final["stop_reason"], final["stop"]) == expected


def test_non_stream_content_without_a_place_is_dropped_and_reported() -> None:
    msg = message(
        content=[
            {"type": "thinking", "thinking": "hmm", "signature": "s"},
            {"type": "text", "text": "Hi"},
            {"type": "tool_use", "id": "t", "name": "f", "input": {}},
        ]
    )
    out, report = convert_message(msg, "legacy")
    assert out["completion"] == "Hi"
    assert report.dropped == {"thinking": 1, "tool_use": 1}
    assert report.usage == {"input_tokens": 3, "output_tokens": 2}
    with pytest.raises(sseconv.UnrepresentableError):
        convert_message(msg, "legacy", mode="strict")


def test_non_stream_message_that_is_not_one_is_an_error() -> None:
    with pytest.raises(sseconv.MalformedEventError):
        message_to_completion({"id": "x", "content": "text"}, "legacy")


@pytest.mark.parametrize("to", ["legacy", "completions"])
def test_non_stream_message_with_nothing_to_answer_is_an_error_even_lenient(to: str) -> None:
    unfinished = message(content=[], stop_reason=None)
    with pytest.raises(sseconv.MalformedEventError, match="stop reason"):
        convert_message(unfinished, to, mode="lenient")
    assert convert_message(message(), to, mode="lenient")[0]["completion"] == "Hello world"


def test_error_body_has_the_api_shape() -> None:
    assert error_body("overloaded_error", "Overloaded") == (
        b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
    )


# -- the exchange ----------------------------------------------------------------------------


def exchange(version: str | None = "2023-01-01", **fields: Any) -> CompleteExchange:
    headers = {} if version is None else {"Anthropic-Version": version}
    body = json.dumps(request(f"{HUMAN} Hi{AI}", **fields)).encode()
    return CompleteExchange.from_request(headers, body)


@pytest.mark.parametrize(
    ("version", "code"),
    [
        (None, "version_required"),
        ("2023-13-01", "invalid_version"),
        ("2023-03-01", "unsupported_version"),
    ],
)
def test_exchange_version_errors(version: str | None, code: str) -> None:
    with pytest.raises(RequestError) as info:
        exchange(version)
    assert info.value.status == 400
    assert json.loads(info.value.body())["error"]["type"] == code


@pytest.mark.parametrize(
    ("version", "dialect"),
    [
        ("2023-01-01", sseconv.Dialect.LEGACY),
        ("2023-06-01", sseconv.Dialect.COMPLETIONS),
        ("2026-10-21", sseconv.Dialect.COMPLETIONS),
    ],
)
def test_exchange_dialect_follows_the_client_version(
    version: str, dialect: sseconv.Dialect
) -> None:
    assert exchange(version).dialect is dialect


@pytest.mark.parametrize("body", [b"{", b"[1]", b"\xff"])
def test_exchange_refuses_a_body_that_is_not_a_json_object(body: bytes) -> None:
    with pytest.raises(RequestError) as info:
        CompleteExchange.from_request({"anthropic-version": "2023-06-01"}, body)
    assert info.value.type == "invalid_request_error"


def test_exchange_upstream_request() -> None:
    ex = exchange("2023-01-01", stream=True, temperature=0.1)
    assert ex.stream and ex.upstream_path == "/v1/messages"
    assert json.loads(ex.upstream_body) == ex.upstream_request
    assert ex.upstream_request["temperature"] == 0.1
    headers = ex.upstream_headers(
        {
            "Anthropic-Version": "2023-01-01",
            "X-API-Key": "k",
            "Content-Length": "99",
            "Host": "h",
            "Connection": "keep-alive, x-hop",
            "X-Hop": "1",
            "Content-Type": "application/json; charset=utf-8",
        }
    )
    assert headers == {
        "X-API-Key": "k",
        "anthropic-version": UPSTREAM_VERSION,
        "content-type": "application/json",
    }
    assert not exchange().stream


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/v1/complete", "/v1/messages"),
        ("/v1/complete/", "/v1/messages"),
        ("/proxy/v1/complete", "/proxy/v1/messages"),
    ],
)
def test_exchange_upstream_target(path: str, target: str) -> None:
    assert exchange().upstream_target(path) == target


def test_exchange_upstream_target_refuses_other_paths() -> None:
    with pytest.raises(sseconv.UsageError):
        exchange().upstream_target("/v1/messages")


def test_exchange_upstream_version_is_configurable() -> None:
    body = json.dumps(request(f"{HUMAN} Hi{AI}")).encode()
    ex = CompleteExchange.from_request(
        {"anthropic-version": "2023-06-01"}, body, upstream_version="2026-10-21"
    )
    assert ex.upstream_headers({})["anthropic-version"] == "2026-10-21"


STREAM = (
    b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_9",'
    b'"type":"message","role":"assistant","model":"m","content":[]}}\n\n'
    b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
    b'"content_block":{"type":"text","text":""}}\n\n'
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
    b'"delta":{"type":"text_delta","text":"Hi"}}\n\n'
    b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":'
    b'"max_tokens","stop_sequence":null}}\n\n'
    b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
)


def test_exchange_converts_a_stream_to_the_client_dialect() -> None:
    converter = exchange("2023-01-01", stream=True).converter()
    out = converter.feed(STREAM) + converter.close()
    lines = [line for line in out.decode().split("\n") if line]
    assert lines[-1] == "data: [DONE]"
    assert json.loads(lines[-2][len("data: ") :])["stop_reason"] == "max_tokens"


def test_exchange_response_for_success_and_errors() -> None:
    ex = exchange("2023-06-01")
    status, body = ex.response(200, "application/json", json.dumps(message()).encode())
    assert status == 200 and json.loads(body)["completion"] == "Hello world"
    assert ex.report is not None and ex.report.usage is not None
    error = error_body("rate_limit_error", "slow down")
    assert ex.response(429, "application/json", error) == (429, error)
    status, body = ex.response(502, "text/html", b"<html>bad gateway</html>")
    assert status == 502
    assert json.loads(body)["error"]["type"] == "api_error"
    assert "<html>bad gateway</html>" in json.loads(body)["error"]["message"]
    status, body = ex.response(200, "application/json", b"not json")
    assert status == 502 and json.loads(body)["type"] == "error"
    status, body = ex.response(200, "application/json", b'{"content": 5}')
    assert status == 502 and json.loads(body)["error"]["type"] == "api_error"


def test_exchange_options_reach_the_stream_and_the_whole_answer() -> None:
    body = json.dumps(request(f"{HUMAN} Hi{AI}", stream=True)).encode()
    headers = {"anthropic-version": "2023-06-01"}
    ex = CompleteExchange.from_request(headers, body, eol="\r\n", pings="drop", mode="strict")
    assert ex.options.source is sseconv.Dialect.MESSAGES
    converter = ex.converter()
    ping = b'event: ping\ndata: {"type":"ping"}\n\n'
    out = converter.feed(ping + STREAM) + converter.close()
    assert converter.report.dropped["ping"] == 1
    assert out.endswith(
        b'"stop_reason":"max_tokens","model":"m","stop":null,"log_id":"msg_9"}\r\n\r\n'
    )
    assert b"\n" not in out.replace(b"\r\n", b"")
    thinking = message(content=[{"type": "thinking", "thinking": "hmm", "signature": "s"}])
    status, answer = ex.response(200, "application/json", json.dumps(thinking).encode())
    assert status == 502 and b"thinking" in answer  # strict: no place for it, not dropped


def test_lone_surrogates_and_line_separators_are_escaped_not_an_encoding_error() -> None:
    # JSON may hold a lone surrogate as an escape; json.loads makes a str that UTF-8 refuses.
    body = (
        b'{"model":"m","prompt":"\\n\\nHuman: hi \\ud800\\n\\nAssistant:","max_tokens_to_sample":5}'
    )
    ex = CompleteExchange.from_request({"anthropic-version": "2023-06-01"}, body)
    assert b"hi \\ud800" in ex.upstream_body
    assert json.loads(ex.upstream_body)["messages"] == [{"role": "user", "content": "hi \ud800"}]
    text = "a\ud800\u2028\u00e9"
    answer = json.dumps(message(content=[{"type": "text", "text": text}])).encode()
    status, out = ex.response(200, "application/json", answer)
    assert status == 200 and b"a\\ud800\\u2028\xc3\xa9" in out
    assert json.loads(out)["completion"] == text
    assert message_to_completion(json.loads(answer), "legacy")["completion"] == text
    assert json.loads(error_body("x", "\ud800")) == {
        "type": "error",
        "error": {"type": "x", "message": "\ud800"},
    }


def test_exchange_options_are_typed_and_checked_at_once() -> None:
    # Each ignore would be reported as unused (mypy --strict) if the call type-checked.
    body = json.dumps(request(f"{HUMAN} Hi{AI}")).encode()
    headers = {"anthropic-version": "2023-06-01"}
    with pytest.raises(sseconv.UsageError, match="did you mean 'mode'"):
        CompleteExchange.from_request(headers, body, mdoe="strict")  # type: ignore[call-arg]
    with pytest.raises(sseconv.UsageError, match="pings"):
        CompleteExchange.from_request(headers, body, pings=False)  # type: ignore[arg-type]
    with pytest.raises(sseconv.UsageError, match="'source' does not apply here"):
        CompleteExchange.from_request(headers, body, source="legacy")  # type: ignore[call-arg]
    with pytest.raises(sseconv.UsageError, match="max_event_size"):
        CompleteExchange.from_request(headers, body, max_event_size=0)


# -- any input: a result or a RequestError, nothing else ------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_PROMPTS = st.lists(
    st.sampled_from(["\n\nHuman:", "\n\nAssistant:", " ", "x", "\n", "Human:"]), max_size=8
).map("".join)


@SETTINGS
@given(
    st.dictionaries(
        st.sampled_from(
            ["model", "prompt", "max_tokens_to_sample", "stop_sequences", "metadata", "top_k", "x"]
        ),
        _JSON | _PROMPTS,
        max_size=7,
    )
)
def test_any_completion_request_translates_or_is_refused(body: dict[str, Any]) -> None:
    try:
        out = complete_to_messages(body)
    except RequestError as exc:
        assert exc.status == 400 and json.loads(exc.body())["type"] == "error"
    else:
        assert out["messages"] and out["messages"][0]["role"] == "user"


@SETTINGS
@given(
    st.dictionaries(
        st.sampled_from(["model", "max_tokens", "messages", "system", "stop_sequences", "tools"]),
        _JSON,
        max_size=6,
    ),
    st.lists(
        st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]), "content": _JSON}),
        max_size=3,
    ),
)
def test_any_messages_request_translates_or_is_refused(
    body: dict[str, Any], messages: list[dict[str, Any]]
) -> None:
    body = {"model": "m", "max_tokens": 1, "messages": messages, **body}
    try:
        out = messages_to_complete(body)
    except RequestError as exc:
        assert exc.status == 400
    else:
        assert isinstance(out["prompt"], str)


@SETTINGS
@given(st.binary(max_size=40) | _JSON.map(lambda v: json.dumps(v).encode()))
def test_any_exchange_body_is_answered(body: bytes) -> None:
    try:
        CompleteExchange.from_request({"anthropic-version": "2023-06-01"}, body)
    except RequestError as exc:
        assert exc.type == "invalid_request_error"


@SETTINGS
@given(_JSON, st.integers(100, 599))
def test_any_upstream_answer_becomes_api_json(value: Any, status: int) -> None:
    ex = exchange()
    for body in (json.dumps(value).encode(), json.dumps({"content": value}).encode()):
        code, answer = ex.response(status, "application/json", body)
        assert isinstance(json.loads(answer), dict)
        assert code == status or code == 502


# One rule: every entry point that takes a table says the same (test_model_tables.py).
TABLE = r"^expected models as a mapping of model names to model names, found "


@pytest.mark.parametrize("models", [5, ["claude-v1"], {"claude-v1": 1}, {2: "x"}])
def test_a_models_table_that_is_not_names_to_names_is_a_usage_error(models: Any) -> None:
    body = request("\n\nHuman: Hi\n\nAssistant:", model="claude-v1")
    with pytest.raises(sseconv.UsageError, match=TABLE):
        complete_to_messages(body, models=models)
    messages = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "Hi"}]}
    with pytest.raises(sseconv.UsageError, match=TABLE):
        messages_to_complete(messages, models=models)
