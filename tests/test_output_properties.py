"""Properties over generated streams (issue #10 items 6 and 10).

* For every input that ``validate`` passes, the output of every conversion validates clean in
  the target dialect (only "did not finish" for a cut input) and converts back.
* Every unknown field of the input appears in the output or in ``report.dropped_fields``.
"""

from __future__ import annotations

import json
import os
import re

from generated import Generated, any_stream
from hypothesis import HealthCheck, given, settings
from streams import convert_all

import sseconv
from sseconv import UnrepresentableError

DIALECTS = ("legacy", "completions", "messages")
SETTINGS = settings(
    max_examples=int(os.environ.get("SSECONV_PROPERTY_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
UNFINISHED = "expected the stream to finish"


def errors(data: bytes, dialect: str) -> list[sseconv.Problem]:
    return [p for p in sseconv.validate([data], source=dialect) if p.severity == "error"]


def text(data: bytes, dialect: str) -> str:
    """The completion text: the text deltas of text blocks, in order."""
    events = sseconv.parse_events([data], source=dialect)
    return "".join(e.text for e in events if isinstance(e, sseconv.TextDelta))


def check_output(out: bytes, to: str, finished: bool) -> None:
    found = [str(p) for p in sseconv.validate([out], source=to)] if out else []
    if finished:
        assert found == [], out
    else:
        assert all(p.startswith(UNFINISHED) for p in found), (found, out)


@SETTINGS
@given(any_stream())
def test_every_valid_input_converts_to_valid_output_and_back(stream: Generated) -> None:
    data, source = stream.data, stream.dialect
    assert errors(data, source) == [] or errors(data, source)[-1].message.startswith(UNFINISHED)
    finished = not errors(data, source)
    for to in DIALECTS:
        for mode in ("default", "lenient", "strict"):
            try:
                out, report = convert_all(data, to, source=source, mode=mode)
            except UnrepresentableError:
                assert mode == "strict"
                continue
            except sseconv.IncompleteStreamError:
                assert mode == "strict" and not finished
                continue
            assert report.finished == finished
            check_output(out, to, finished)
            assert report.malformed == report.after_end == 0
            if not out:
                continue
            back, back_report = convert_all(out, source, source=to)
            check_output(back, source, finished or back_report.finished)
            # (a Messages stream cut after its message_delta has its final completion event,
            # and a completions stream ends with that: finished)
            cut_after_stop = source == "messages" and to == "completions"
            assert back_report.finished == finished or cut_after_stop
            assert text(back, source) == text(data, source)


FIELD = re.compile(r"x_[0-9]+")


@SETTINGS
@given(any_stream(extras=True))
def test_every_input_field_is_in_the_output_or_in_the_report(stream: Generated) -> None:
    data, source = stream.data, stream.dialect
    for to in DIALECTS:
        out, report = convert_all(data, to, source=source)
        written = set(FIELD.findall(out.decode("utf-8", "surrogatepass")))
        counted = {key.rpartition(".")[2] for key in report.dropped_fields}
        for name in stream.fields:
            assert name in written or name in counted, (name, to, report.dropped_fields)
        # and what is written is written as a JSON key, not lost in a string
        for event in sseconv.parse_events([out], source=to):
            json.dumps(event.model_dump())
