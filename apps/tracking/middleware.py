"""The open pixel and the click redirect skip the middleware they never use (issue 18).

They are the hottest URLs of the product (one request per opened e-mail and per click) and need
none of what the stack after ``SecurityMiddleware`` does: no static files, CORS, session, CSRF,
user, messages or frame options, and no walk through every app's URL patterns. This middleware,
placed right after ``SecurityMiddleware`` (so request ids, JSON errors, HTTPS redirect and the
security headers still apply), resolves the two routes against their own small URL list and calls
the view directly; every other request goes down the stack unchanged. The views choose their
response language themselves (``views._bad_link``), as LocaleMiddleware is skipped.
"""

from __future__ import annotations

from django.urls import Resolver404, URLResolver
from django.urls.resolvers import RegexPattern

from . import urls

# Checked first, as a plain string: every other request pays one startswith.
_PREFIX = "/api/t/"


class TrackingFastPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # The same path() objects the root URL conf mounts under "api/" (apps/tracking/urls.py).
        self.resolver = URLResolver(RegexPattern(r"^/api/"), urls.hot_urlpatterns)

    def __call__(self, request):
        if request.path_info.startswith(_PREFIX):
            try:
                match = self.resolver.resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            request.resolver_match = match
            return match.func(request, *match.args, **match.kwargs)
        return self.get_response(request)
