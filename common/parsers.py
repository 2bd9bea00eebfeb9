"""JSON bodies with a nesting limit and text only: a body nested thousands of levels deep is a 400, not a
RecursionError; a lone UTF-16 surrogate ("\\ud800") is a 400, not a 500 from the database.

``loads_bounded`` is for views that parse a raw body themselves (webhooks); ``BoundedJSONParser`` is
the API's JSON parser (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]). The limit is JSON_MAX_DEPTH.
"""

import codecs
import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils.json import strict_constant


class JSONTooDeep(ValueError):
    """The document nests arrays and objects deeper than allowed."""

    def __init__(self, max_depth: int):
        self.max_depth = max_depth
        super().__init__(f"JSON nested more than {max_depth} levels deep.")


class JSONLoneSurrogate(ValueError):
    """The document holds a lone UTF-16 surrogate, which no text column, jsonb value or UTF-8 answer can hold."""

    def __init__(self):
        super().__init__("a \\u escape is a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text.")


def _depth_exceeds(data, max_depth: int) -> bool:
    """Whether arrays and objects in the parsed ``data`` nest deeper than ``max_depth``; walked
    without recursion. (No pre-scan of the text: a regular expression over JSON strings goes
    quadratic on an unterminated string of escaped quotes — 20,000 of them took 8 s.)"""
    stack = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def loads_bounded(raw: str | bytes, *, max_depth: int | None = None, strict: bool = True, text_only: bool = True):
    """``json.loads`` that raises ``JSONTooDeep`` (a ValueError) for a document nested deeper than
    ``max_depth`` (default JSON_MAX_DEPTH). The C decoder guards its own recursion (RecursionError
    at about a thousand levels, never a crash); the depth of what it returns is then walked.
    ``strict`` refuses NaN and Infinity, as DRF does. ``text_only`` raises ``JSONLoneSurrogate`` (a
    ValueError) for a lone surrogate; a caller that must read a signature first passes False and
    asks ``holds_lone_surrogate`` afterwards."""
    if max_depth is None:
        max_depth = settings.JSON_MAX_DEPTH
    if isinstance(raw, bytes | bytearray):  # as json.loads decodes bytes (UTF-8, -16 or -32)
        raw = raw.decode(json.detect_encoding(raw), "surrogatepass")
    try:
        data = json.loads(raw, parse_constant=strict_constant if strict else None)
    except RecursionError:
        raise JSONTooDeep(max_depth) from None
    if _depth_exceeds(data, max_depth):
        raise JSONTooDeep(max_depth)
    if text_only and has_lone_surrogate(raw, data):
        raise JSONLoneSurrogate()
    return data


# A JSON escape of a UTF-16 surrogate (\ud800-\udfff); json.loads pairs the valid ones into one
# character and leaves a lone one in the string, where it has no UTF-8 form.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


# A surrogate as a character of the decoded text: UTF-8 never decodes to one, but a body in a charset
# of its own choosing (utf-7 "+2AA-", raw_unicode_escape "\\ud800") does.
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str, data) -> bool:
    """Whether the parsed ``data`` of the JSON ``text`` holds a lone surrogate (``"\\ud800"``): no
    text column, jsonb value or UTF-8 response can hold it. The raw text is searched first, so a body
    without such an escape costs one substring search (and an ASCII check)."""
    if not text.isascii() and _SURROGATE.search(text):
        return True
    if "\\u" not in text or not _SURROGATE_ESCAPE.search(text):
        return False
    return holds_lone_surrogate(data)


def holds_lone_surrogate(data) -> bool:
    """Whether parsed JSON ``data`` holds a lone surrogate in any key or string (walks all of it)."""
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser with the nesting limit of ``loads_bounded``. (The body's size was checked
    before: DRF reads it through ``request.body``, which refuses more than DATA_UPLOAD_MAX_MEMORY_SIZE.)"""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})  # text codecs only: no bz2_codec decompression bomb
        try:
            text = codecs.decode(stream.read(), encoding)
            return loads_bounded(text, strict=self.strict)
        except JSONLoneSurrogate:
            message = _("a \\u escape is a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text.")
        except JSONTooDeep as exc:
            message = _("JSON nested more than %(max_depth)d levels deep.") % {"max_depth": exc.max_depth}
        except json.JSONDecodeError as exc:
            message = _("line %(line)d, column %(column)d: not valid JSON.") % {"line": exc.lineno, "column": exc.colno}
        except UnicodeDecodeError:
            message = _("the body is not %(encoding)s text.") % {"encoding": encoding}
        except ValueError:  # NaN or Infinity (strict)
            message = _("NaN and Infinity are not JSON numbers.")
        raise ParseError(_("JSON parse error - %(error)s") % {"error": message})
