"""JSON, never Django's HTML pages, for errors under /api/.

``ApiErrorMiddleware`` answers an exception no view handled with ``{"detail", "code"}``: 413 for a
body over DATA_UPLOAD_MAX_MEMORY_SIZE, 400 for other suspicious input, 500 (logged with the request
id) for a bug — in every settings module, DEBUG or not; the debug page stays for the admin and other
non-API pages.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, JsonResponse
from django.utils.deprecation import MiddlewareMixin

logger = logging.getLogger("salesone.request")


# The "code" of an error page Django made itself, by status.
_CODES = {400: "bad_request", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed"}


def is_api_request(request) -> bool:
    return request.path_info.startswith("/api/")


def api_error(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def _server_error(request) -> JsonResponse:
    request_id = getattr(request, "request_id", "-")
    return api_error(500, f"A server error occurred (request id {request_id}).", "server_error")


class ApiErrorMiddleware(MiddlewareMixin):
    def process_exception(self, request, exception):
        if not is_api_request(request):
            return None
        if isinstance(exception, Http404):
            return api_error(404, "Not found.", "not_found")
        if isinstance(exception, PermissionDenied):
            return api_error(403, "You do not have permission to perform this action.", "permission_denied")
        if isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            detail = f"The request body is larger than the {limit:,} bytes allowed (DATA_UPLOAD_MAX_MEMORY_SIZE)."
            return api_error(413, detail, "payload_too_large")
        if isinstance(exception, SuspiciousOperation):
            logger.warning("%s on %s %s: %s", type(exception).__name__, request.method, request.path, exception)
            return api_error(400, f"Bad request: {exception}", "bad_request")
        logger.error("Unhandled exception on %s %s", request.method, request.path, exc_info=exception)
        # Error reporters (and the test client) listen for this, as for Django's own 500 page.
        got_request_exception.send(sender=None, request=request)
        response = _server_error(request)
        response._has_been_logged = True  # logged above with the traceback; Django would log it again
        return response

    def process_response(self, request, response):
        """An error page Django made itself under /api/ (an unknown URL, an exception in a middleware)
        becomes JSON. Pages a view made on purpose (the unsubscribe page) are left alone."""
        status = response.status_code
        if not (
            status >= 400
            and is_api_request(request)
            and response.get("Content-Type", "").startswith("text/html")
            # Django's own server error page is a 500; a 503 page is a view's (the unsubscribe page
            # while the database is down).
            and (status == 500 or getattr(request, "resolver_match", None) is None)
        ):
            return response
        if status == 500:
            converted = _server_error(request)
        else:
            converted = api_error(status, f"{response.reason_phrase}.", _CODES.get(status, "error"))
        converted._has_been_logged = getattr(response, "_has_been_logged", False)  # Django logged the page
        return converted
