"""The open pixel and the click redirect skip the middleware they never use (issue 18).

They are the hottest URLs of the product (one request per opened e-mail and per click) and need
none of what the stack after ``SecurityMiddleware`` does: no static files, CORS, session, CSRF,
user, messages or frame options, and no walk through every app's URL patterns. This middleware,
placed right after ``SecurityMiddleware`` (so request ids, JSON errors, HTTPS redirect and the
security headers still apply), resolves the two routes against their own small URL list and calls
the view directly; every other request goes down the stack unchanged. The views choose their
response language themselves (``views._bad_link``), as LocaleMiddleware is skipped.

``ALLOWED_HOSTS`` is still enforced (CommonMiddleware, which checks it for the rest of the site, is
skipped): a Host Django has allowed once is remembered, so the check costs one set lookup; any other
Host goes through ``request.get_host()``, whose ``DisallowedHost`` becomes the site's own 400. An
exception the view lets through gets the answer ``ApiErrorMiddleware.process_exception`` gives on the
whole stack (common.middleware.call_view), which never sees a view called from here.
"""

from __future__ import annotations

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import Resolver404, URLResolver
from django.urls.resolvers import RegexPattern

from common.middleware import call_view

from . import urls

# Checked first, as a plain string: every other request pays one startswith.
_PREFIX = "/api/t/"
# Hosts that passed Django's check (a deployment has a handful; a wildcard entry could allow many).
_ALLOWED_HOSTS_REMEMBERED = 64
_HOST_SETTINGS = frozenset({"ALLOWED_HOSTS", "DEBUG", "USE_X_FORWARDED_HOST", "USE_X_FORWARDED_PORT"})
_allowed_hosts: set[str] = set()  # raw Host values (port included) Django has allowed in this process


@receiver(setting_changed)
def _forget_allowed_hosts(*, setting, **kwargs) -> None:
    if setting in _HOST_SETTINGS:  # override_settings in tests; never in a running server
        _allowed_hosts.clear()


def _check_host(request) -> None:
    """Raise DisallowedHost (a 400, as anywhere on the site) unless ALLOWED_HOSTS has the Host."""
    raw = request._get_raw_host()  # Host, or X-Forwarded-Host under USE_X_FORWARDED_HOST: what get_host() checks
    if raw not in _allowed_hosts:
        request.get_host()  # Django's own validation: raises DisallowedHost
        if len(_allowed_hosts) < _ALLOWED_HOSTS_REMEMBERED:
            _allowed_hosts.add(raw)


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
            _check_host(request)
            request.resolver_match = match
            return call_view(request, match.func, *match.args, **match.kwargs)
        return self.get_response(request)
