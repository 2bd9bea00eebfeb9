"""Renderers of the API: JSON through orjson, and the pass-through of file downloads.

``JSONRenderer`` writes the same JSON as DRF's (compact, UTF-8, ``\\u2028``/``\\u2029`` escaped, datetimes
and decimals through DRF's own encoder) several times faster: a list page of 100 rows spent milliseconds
in ``json.dumps`` (issue 18). What orjson cannot write as DRF would (a non-string dict key, an integer
beyond 64 bits, a lone surrogate, an indented answer asked for with ``; indent=``) goes to DRF's renderer.
One difference: a float NaN or infinity, which DRF refuses (a 500), is written as ``null``.
"""

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

# Datetimes and dataclasses go to DRF's encoder (its "Z" for UTC, its refusal of a dataclass), not orjson's.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_drf_default = JSONEncoder().default


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer with orjson doing the writing; same media type, format and output."""

    use_orjson = True  # False: DRF's json.dumps (the tests compare both outputs)

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if (
            not self.use_orjson
            or self.ensure_ascii
            or not self.compact
            or not self.strict
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=_drf_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF: JSON that is also a strict JavaScript subset.
        if b"\xe2\x80\xa8" in rendered or b"\xe2\x80\xa9" in rendered:
            rendered = rendered.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return rendered


class FileRenderer(renderers.BaseRenderer):
    """A media type a download route answers with, there for content negotiation: without it DRF
    answers ``Accept: text/csv`` or ``application/zip`` with a 406 before the view runs.

    The route returns its file as a Django response, which no renderer touches; what reaches this
    renderer is an error (a 404, a 400), written as JSON with a JSON content type as everywhere else.
    """

    media_type = "application/octet-stream"
    format = "download"  # DRF and drf-spectacular want one; ?format=download is this renderer too
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data, None, renderer_context)


def file_renderers(*media_types: str) -> list[type[renderers.BaseRenderer]]:
    """The renderers of a download route: JSON first (errors, ``Accept: */*``), then one per media type
    the file may have; ``"*/*"`` accepts whatever the client asks for (a stored file of any type).
    ``application/octet-stream`` is always accepted. Any other Accept is a 406 (in the schema)."""
    types = dict.fromkeys([*media_types, "application/octet-stream"])
    return [
        JSONRenderer,
        *(type(f"FileRenderer({media_type})", (FileRenderer,), {"media_type": media_type}) for media_type in types),
    ]
