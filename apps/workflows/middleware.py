"""The inbound workflow hook skips the middleware it never uses (issue 18).

A hook POST is machine traffic at volume and needs none of what the stack after
``SecurityMiddleware`` does but the language of its errors: no static files, session, CSRF (the view
is exempt), user, messages or frame options. This middleware, placed right after the tracking fast
path (so request ids, JSON errors, metrics, the HTTPS redirect and the security headers still
apply), resolves the hook route against its own one-pattern URL list and calls the view through
Django's LocaleMiddleware alone, so a 404 or 400 still answers in the caller's Accept-Language.

Only a POST without an ``Origin`` header takes this path: a browser's request (CORS headers, a
preflight) and every other method go down the whole stack unchanged, as does any other URL. So the
answer has no ``Vary: origin`` (django-cors-headers puts it on every response of the whole stack):
no Origin was sent, and a POST's answer is not stored by a shared cache.
``ALLOWED_HOSTS`` is still enforced (``request.get_host()``, as CommonMiddleware would), and the
``Content-Length`` CommonMiddleware would set is set here. An exception the view lets through gets
the answer ``ApiErrorMiddleware.process_exception`` gives on the whole stack (common.middleware.
call_view), which never sees a view this middleware calls.
"""

from __future__ import annotations

from django.middleware.locale import LocaleMiddleware
from django.urls import Resolver404, URLResolver, include, path
from django.urls.resolvers import RegexPattern

from common.middleware import call_view

from . import hook_urls

# Checked first, as a plain string: every other request pays one startswith (and a method compare).
_PREFIX = "/api/workflows/"


def _call_view(request):
    match = request.resolver_match
    return match.func(request, *match.args, **match.kwargs)


class HookFastPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # Mounted as the root URL conf mounts it, so the match (and the metrics' route label) is the same.
        self.resolver = URLResolver(RegexPattern(r"^/"), [path("api/", include(hook_urls))])
        self.localized_view = LocaleMiddleware(_call_view)

    def __call__(self, request):
        if request.method == "POST" and request.path_info.startswith(_PREFIX) and "HTTP_ORIGIN" not in request.META:
            try:
                match = self.resolver.resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            request.get_host()  # DisallowedHost (the site's 400) for a Host outside ALLOWED_HOSTS
            request.resolver_match = match
            # A body over DATA_UPLOAD_MAX_MEMORY_SIZE is the JSON 413, a bug the logged JSON 500.
            response = call_view(request, self.localized_view)
            if not response.streaming and not response.has_header("Content-Length"):
                response.headers["Content-Length"] = str(len(response.content))
            return response
        return self.get_response(request)
