"""Telling a recording container (cassette, HAR file) from a stream by its first bytes.

Kept apart from the YAML machinery so that the command line can look at an input without
importing PyYAML.
"""

from __future__ import annotations

import re

__all__ = ["BOM", "GZIP_MAGIC", "sniff"]

GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"
# The top-level keys a cassette starts with (vcrpy, Ruby VCR / Betamax, the requests/responses
# lists of serializers that store vcrpy's cassette dict as it is), or a YAML directive/marker.
_KEYS = rb"(?:interactions|http_interactions|requests|responses|version|recorded_with)"
_ITEM = rb"-[ \t]+(?:request|response)\s*:"  # vcrpy 0.x: a bare list of interactions
_YAML_HEAD = re.compile(rb"(?:%YAML|---|\{?\s*" + _KEYS + rb"\s*:|" + _ITEM + rb")")
# A HAR file's first key is "log"; JSON cassettes (vcrpy's JSON serializer, Betamax) start with
# one of the cassette keys. Other JSON (an API error answer saved to a file) is not a recording.
_JSON_HEAD = re.compile(rb'\{\s*"(?:log|' + _KEYS[3:-1] + rb')"\s*:')
_SKIPPED = re.compile(rb"(?:[ \t\r\n]*#[^\n]*\n)*[ \t\r\n]*")  # blank lines, YAML comments


def sniff(head: bytes) -> str | None:
    """``"gzip"``, ``"json"`` or ``"yaml"`` if the first bytes of a file look like a recording
    container (an SSE stream never starts like one), else ``None``."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    text = head.removeprefix(BOM)
    skipped = _SKIPPED.match(text)
    start = skipped.end() if skipped else 0  # (a comment that the head ends in: not matched)
    if _JSON_HEAD.match(text, start):
        return "json"
    if _YAML_HEAD.match(text, start):
        return "yaml"
    return None
