"""Request ids: taken from the proxy's header (REQUEST_ID_HEADER) or made, echoed in the response and
written on every log record of the request (common/log_context.py's filter: %(request_id)s, "-" outside
a request), and in the headers of every task the request queues."""

import contextvars
import re
import uuid

from django.conf import settings
from django.utils.deprecation import MiddlewareMixin

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# The request being served, so that a log line can name its user once DRF has authenticated it.
current_request_var: contextvars.ContextVar = contextvars.ContextVar("current_request", default=None)
# What a proxy may send as an id (nginx's $request_id, a UUID, a trace id); anything else is replaced,
# so a client cannot write arbitrary text into the logs.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=;/+-]{1,200}")


class RequestIdMiddleware(MiddlewareMixin):
    def process_request(self, request):
        header = settings.REQUEST_ID_HEADER
        incoming = request.headers.get(header, "")
        request.request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request_id_var.set(request.request_id)
        current_request_var.set(request)

    def process_response(self, request, response):
        if hasattr(request, "request_id"):
            response[settings.REQUEST_ID_HEADER] = request.request_id
        return response
