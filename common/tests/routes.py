"""Every DRF viewset route of the API, found from the URL resolver (so new routes are picked up)."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    regex: str  # the full pattern, e.g. ^api/leads/(?P<pk>[^/.]+)/$
    viewset: type
    actions: tuple[tuple[str, str], ...]  # (http method, viewset action)
    detail: bool
    lookup: str

    @property
    def name(self) -> str:
        return self.regex.strip("^$")

    def url(self, lookup_value=None) -> str:
        def replace(match):
            return str(lookup_value) if match.group("name") == self.lookup else match.group(0)

        return "/" + _GROUP.sub(replace, self.name)


def _walk(patterns, prefix=""):
    for pattern in patterns:
        regex = prefix + str(pattern.pattern.regex.pattern).lstrip("^")
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, regex.rstrip("$"))
        elif isinstance(pattern, URLPattern):
            yield regex, pattern.callback


def api_routes() -> list[Route]:
    routes = []
    for regex, callback in _walk(get_resolver().url_patterns):
        viewset = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None)
        if viewset is None or not actions or "(?P<format>" in regex or not regex.startswith("api/"):
            continue
        lookup = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        groups = _GROUP.findall(regex)
        routes.append(
            Route(
                regex="^" + regex,
                viewset=viewset,
                actions=tuple(sorted(actions.items())),
                detail=lookup in groups,
                lookup=lookup,
            )
        )
    return routes


def first_object(route: Route, user):
    """An object the user can reach through this route's viewset (its get_queryset()), or None."""
    view = route.viewset()
    view.request = Request(APIRequestFactory().get("/"))
    view.request.user = user
    view.format_kwarg = None
    view.kwargs = {}
    view.args = ()
    view.action = "retrieve"
    return view.get_queryset().first()
