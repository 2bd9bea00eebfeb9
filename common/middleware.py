"""JSON, never Django's HTML pages, for errors under /api/, in the shape and language of every API error.

``ApiErrorMiddleware`` answers an exception no view handled with ``{"detail", "code", "fields"}``
(common/exceptions.py): 413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE, 400 for other suspicious
input, 500 (logged with the request id) for a bug — in every settings module, DEBUG or not; the debug
page stays for the admin and other non-API pages. An error page Django made itself, or a JSON error
a plain view wrote without a code, is brought to the same shape.
"""

import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .exceptions import error_body

logger = logging.getLogger("salesone.request")


# The "code" of an error Django or a plain view made, by status.
_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    429: "throttled",
    503: "unavailable",
}


def _reasons() -> dict[int, str]:
    """The detail of an error page Django made itself (404 for an unknown URL, ...), translated."""
    return {
        400: _("Bad request."),
        403: _("You do not have permission to perform this action."),
        404: _("Not found."),
        405: _("Method not allowed."),
    }


def is_api_request(request) -> bool:
    return request.path_info.startswith("/api/")


def api_error(status: int, detail: str, code: str) -> JsonResponse:
    response = JsonResponse(error_body(detail, code), status=status)
    response.headers.setdefault("Content-Language", get_language() or settings.LANGUAGE_CODE)
    # Its language follows Accept-Language (this may replace a response LocaleMiddleware already
    # marked): a shared cache must not serve a Korean error to an English client.
    patch_vary_headers(response, ["Accept-Language"])
    return response


def _server_error(request) -> JsonResponse:
    request_id = getattr(request, "request_id", "-")
    return api_error(
        500, _("A server error occurred (request id %(request_id)s).") % {"request_id": request_id}, "server_error"
    )


def api_exception_response(request, exception):
    """The API's JSON answer to an exception no view handled, or None off /api/ (Django's page then).

    ``ApiErrorMiddleware.process_exception`` for the whole stack; the fast paths that call a view
    themselves (apps/tracking/middleware.py, apps/workflows/middleware.py) through ``call_view``, since
    an exception they let through would reach Django's handler, not ``process_exception``."""
    if not is_api_request(request):
        return None
    if isinstance(exception, Http404):
        return api_error(404, _("Not found."), "not_found")
    if isinstance(exception, PermissionDenied):
        return api_error(403, _("You do not have permission to perform this action."), "permission_denied")
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        detail = _("The request body is larger than the %(limit)s bytes allowed (DATA_UPLOAD_MAX_MEMORY_SIZE).")
        return api_error(413, detail % {"limit": f"{limit:,}"}, "payload_too_large")
    if isinstance(exception, SuspiciousOperation):
        # The exception's own text is Django's, in English: it goes to the log, not to the client.
        logger.warning("%s on %s %s: %s", type(exception).__name__, request.method, request.path, exception)
        return api_error(400, _("Bad request: the request is malformed."), "bad_request")
    logger.error("Unhandled exception on %s %s", request.method, request.path, exc_info=exception)
    # Error reporters (and the test client) listen for this, as for Django's own 500 page.
    got_request_exception.send(sender=None, request=request)
    response = _server_error(request)
    response._has_been_logged = True  # logged above with the traceback; Django would log it again
    return response


def call_view(request, view, *args, **kwargs):
    """``view(request, *args, **kwargs)`` for a fast path that calls a view outside Django's handler:
    an exception the view lets through gets ``api_exception_response``'s answer, as on the whole stack."""
    try:
        return view(request, *args, **kwargs)
    except Exception as exc:
        response = api_exception_response(request, exc)
        if response is None:
            raise
        return response


class ApiErrorMiddleware(MiddlewareMixin):
    def process_exception(self, request, exception):
        return api_exception_response(request, exception)

    def process_response(self, request, response):
        """An error page Django made itself under /api/ (an unknown URL, an exception in a middleware)
        becomes JSON. Pages a view made on purpose (the unsubscribe page) are left alone; a JSON error
        without a code (a plain view's ``{"detail": ...}``) gets one."""
        status = response.status_code
        if status < 400 or not is_api_request(request):
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith("application/json"):
            return self._complete_json_error(response)
        if not (
            content_type.startswith("text/html")
            # Django's own server error page is a 500; a 503 page is a view's (the unsubscribe page
            # while the database is down).
            and (status == 500 or getattr(request, "resolver_match", None) is None)
        ):
            return response
        if status == 500:
            converted = _server_error(request)
        else:
            converted = api_error(
                status, _reasons().get(status, f"{response.reason_phrase}."), _CODES.get(status, "error")
            )
        converted._has_been_logged = getattr(response, "_has_been_logged", False)  # Django logged the page
        return converted

    @staticmethod
    def _complete_json_error(response):
        """``{"detail": ...}`` from a view that does not go through DRF's handler: add the code and fields."""
        if response.streaming or not hasattr(response, "content"):
            return response
        try:
            body = json.loads(response.content)
        except ValueError:
            return response
        if not isinstance(body, dict) or "detail" not in body or {"code", "fields"} <= set(body):
            return response
        body.setdefault("code", _CODES.get(response.status_code, "error"))
        body.setdefault("fields", {})
        response.content = json.dumps(body).encode()
        response.headers["Content-Length"] = str(len(response.content))
        return response
