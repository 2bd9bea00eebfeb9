"""JSON bodies with a nesting limit: a body nested thousands of levels deep is a 400, not a RecursionError.

``loads_bounded`` is for views that parse a raw body themselves (webhooks); ``BoundedJSONParser`` is
the API's JSON parser (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]). The limit is JSON_MAX_DEPTH.
"""

import codecs
import json
import re
from itertools import accumulate

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils.json import strict_constant

# A JSON string, escapes included; outside strings a valid document has no quote, so removing every
# match leaves exactly its structure. Then each bracket becomes a signed step (+1 opens, -1 closes)
# and everything else is dropped: the depth is the running sum's maximum, all at C speed.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_BRACKET_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


class JSONTooDeep(ValueError):
    """The document nests arrays and objects deeper than allowed."""

    def __init__(self, max_depth: int):
        self.max_depth = max_depth
        super().__init__(f"JSON nested more than {max_depth} levels deep.")


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in the UTF-8 document ``raw``, found without parsing it."""
    steps = _STRING.sub(b"", raw).translate(_BRACKET_STEPS, _NOT_BRACKETS)
    return max(accumulate(memoryview(steps).cast("b")), default=0)


def loads_bounded(raw: str | bytes, *, max_depth: int | None = None, strict: bool = True):
    """``json.loads`` that raises ``JSONTooDeep`` (a ValueError) instead of recursing past
    ``max_depth`` (default JSON_MAX_DEPTH). ``strict`` refuses NaN and Infinity, as DRF does."""
    if max_depth is None:
        max_depth = settings.JSON_MAX_DEPTH
    encoded = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    # Most bodies hold fewer brackets than the limit, so they cannot nest deeper: no scan needed.
    if encoded.count(b"[") + encoded.count(b"{") > max_depth and json_depth(encoded) > max_depth:
        raise JSONTooDeep(max_depth)
    try:
        return json.loads(raw, parse_constant=strict_constant if strict else None)
    except RecursionError:  # a lower interpreter limit than max_depth: still the client's body
        raise JSONTooDeep(max_depth) from None


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser with the nesting limit of ``loads_bounded``. (The body's size was checked
    before: DRF reads it through ``request.body``, which refuses more than DATA_UPLOAD_MAX_MEMORY_SIZE.)"""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})  # text codecs only: no bz2_codec decompression bomb
        try:
            return loads_bounded(codecs.decode(stream.read(), encoding), strict=self.strict)
        except ValueError as exc:  # UnicodeDecodeError and JSONTooDeep are ValueErrors too
            raise ParseError(f"JSON parse error - {exc}") from None
