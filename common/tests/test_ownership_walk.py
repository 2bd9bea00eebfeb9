"""Another user's objects are invisible: every list, detail and action route, found automatically.

The demo data (``seed_demo``) gives the demo user an object behind every route; a second user then
walks all routes and must get 404 on every detail route and action, and see none of the demo user's
objects in any list. A new route is walked without editing this file.
"""

import uuid

import pytest

from apps.accounts.models import User
from common.tests.routes import api_routes, first_object
from conftest import client_for

# Resources every authenticated user shares on purpose (documented in README "Ownership").
SHARED_PREFIXES = ("api/products/", "api/salesone-leads/", "api/workflows/node-types/", "api/workflows/templates/")
# The platform's sending domains (DNS health, complaint rate) are the same for every user.
SHARED_PREFIXES += ("api/sender-domains/",)
# Routes that are not reached with a JWT at all (signed links, provider webhooks, triggers).
UNAUTHENTICATED_PREFIXES = ("api/webhooks/", "api/t/")

ROUTES = [
    route
    for route in api_routes()
    if not route.name.startswith(SHARED_PREFIXES + UNAUTHENTICATED_PREFIXES) and route.name.count("(?P<") <= 1
]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_second_user_cannot_reach_demo_users_objects(route, demo, db):
    stranger = User.objects.create_user(email=f"stranger-{uuid.uuid4().hex[:8]}@example.co.kr", password="x")
    client = client_for(stranger)
    obj = first_object(route, demo)
    # Detail routes need an object to aim at; the list check below still runs without one.
    assert obj is not None or not route.detail, (
        f"seed_demo creates nothing reachable through {route.name}: add demo data for "
        f"{route.viewset.__name__} so this ownership walk can test it"
    )
    if route.detail:
        lookup_value = getattr(obj, route.viewset.lookup_field, obj.pk)
        if ("get", "retrieve") in route.actions:  # the control: the owner does see it
            assert client_for(demo).get(route.url(lookup_value)).status_code == 200
        for method, _action in route.actions:
            response = getattr(client, method)(route.url(lookup_value), {}, format="json")
            assert response.status_code == 404, f"{method.upper()} {route.url(lookup_value)} → {response.status_code}"
    else:
        for method, _action in route.actions:
            if method != "get":
                continue
            response = client.get(route.url())
            # A list-level action may want a parameter (400); it must never answer with data.
            assert response.status_code in (200, 400, 404), f"GET {route.url()} → {response.status_code}"
            body = response.content.decode()
            leaked = demo.email in body or (obj is not None and str(obj.pk) in body)
            assert not leaked, f"GET {route.url()} shows the demo user's data"
