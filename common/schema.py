"""The error responses every operation can give, documented in one place (REST_FRAMEWORK's schema class).

A view lists its successes (and a special error such as a 409 with its own meaning); ``AutoSchema`` adds
what our stack answers on its own: 400 in the validation shape where there is input to validate; 401
where a token or password is checked; 403 where a token is read; 404 where a path names an object or a
list pages; 406 where a download route refuses an Accept header; 409 on writes (the exception handler's
database conflicts); 413/415 where a body is read; 429 with Retry-After where a throttle applies. The
SPA's generated client relies on it (common/tests/test_openapi_typescript_client.py type-checks one).
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework_simplejwt.views import TokenViewBase

from common.renderers import FileRenderer

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

_FIELDS = {
    "type": "object",
    "description": (
        'The messages of each invalid field ({"name": ["message"]}; nested objects and lists nest the same '
        'way; "non_field_errors" for the whole object); empty when the error is not about fields.'
    ),
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {}},
            {"type": "string"},
            {"type": "object", "additionalProperties": {}},
        ]
    },
}
# Every error has one shape (common/exceptions.py), in the language Accept-Language asks for.
_ERROR = {
    "type": "object",
    "description": "An error, in the language of Accept-Language (ko or en; ko without the header).",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {"type": "string", "description": "A stable machine-readable code (invalid, not_found, conflict...)."},
        "fields": _FIELDS,
    },
    "required": ["detail", "code", "fields"],
}
_VALIDATION_ERROR = {
    **_ERROR,
    "description": (
        'Invalid input: "fields" names each invalid field with its messages; a body that could not be parsed '
        'has its reason in "detail" (code "parse_error") and no fields.'
    ),
}
# status: (component name, description, headers)
_RESPONSES = {
    "400": ("ValidationFailed", "The input is invalid.", None),
    "401": ("Unauthenticated", "No valid access token was sent.", None),
    "403": ("PermissionDenied", "The user may not do this.", None),
    "404": ("NotFound", "No such object (or not yours), or no such page.", None),
    "406": ("NotAcceptable", "The Accept header names no media type this operation answers with.", None),
    "409": ("Conflict", "Not allowed in the object's current state, or conflicts with stored data.", None),
    "413": ("PayloadTooLarge", "The body is larger than the limit the message states.", None),
    "415": ("UnsupportedMediaType", "The body is not in a media type this operation reads.", None),
    "429": (
        "Throttled",
        "Too many requests; retry after the number of seconds in Retry-After.",
        {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}},
    ),
}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in self._error_statuses(operation):
            responses.setdefault(status, self._error_response(status))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_statuses(self, operation) -> list[str]:
        has_body = "requestBody" in operation
        query = [parameter for parameter in operation.get("parameters", []) if parameter.get("in") == "query"]
        authenticated = any(requirement for requirement in operation.get("security", []))
        # The token endpoints read no token, but refuse a bad password or refresh token with a 401.
        refuses_credentials = authenticated or isinstance(self.view, TokenViewBase)
        statuses = []
        if has_body or query or self.method in UNSAFE_METHODS:
            statuses.append("400")
        if refuses_credentials:
            statuses.append("401")
        if authenticated:
            statuses.append("403")
        if "{" in self.path or any(parameter["name"] == "page" for parameter in query):
            statuses.append("404")
        if self._refuses_some_accept():
            statuses.append("406")
        if self.method in UNSAFE_METHODS:
            statuses.append("409")
        if has_body:
            statuses += ["413", "415"]
        if self.view.get_throttles():
            statuses.append("429")
        return statuses

    def _refuses_some_accept(self) -> bool:
        """A download route (common.renderers.file_renderers) answers a 406 to an Accept it cannot serve.
        (So does every JSON route, as DRF does; only the download routes are asked for other types.)"""
        renderers = self.view.get_renderers()
        return any(isinstance(renderer, FileRenderer) for renderer in renderers) and not any(
            renderer.media_type == "*/*" for renderer in renderers
        )

    def _error_schema(self, status: str) -> dict:
        name, schema = ("ValidationError", _VALIDATION_ERROR) if status == "400" else ("Error", _ERROR)
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref

    def _error_response(self, status: str) -> dict:
        name, description, headers = _RESPONSES[status]
        response = {"description": description, "content": {"application/json": {"schema": self._error_schema(status)}}}
        if headers:
            response["headers"] = headers
        component = ResolvedComponent(name=name, type=ResolvedComponent.RESPONSE, object=name, schema=response)
        self.registry.register_on_missing(component)
        return component.ref
