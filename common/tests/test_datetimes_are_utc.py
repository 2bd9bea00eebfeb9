"""Every datetime the API writes is the stored instant in UTC: a walk over every GET route whose
OpenAPI response has a ``date-time``, found from the schema and the URL resolver (new routes are
walked without editing this file).

The demo data is created with the clock frozen at a known UTC instant, so a timestamp written "now"
must equal that instant; any other datetime (a due date, a schedule) must equal the value stored in
the database for that object's field (or, where the response does not name its object, one of the
stored instants). A value nine hours off, or merely labelled ``Z``, fails.
"""

import datetime
import io
import re

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from drf_spectacular.generators import SchemaGenerator

from apps.accounts.models import User
from apps.salesone_leads.models import ImportJob
from common.tests.routes import api_routes, first_object
from conftest import client_for

# 13:35:07.250001 UTC is 22:35 in Seoul: a Seoul wall-clock value labelled "Z" cannot pass for it.
FROZEN = datetime.datetime(2026, 3, 2, 13, 35, 7, 250001, tzinfo=datetime.UTC)
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
HOUR = datetime.timedelta(hours=1)
_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


@pytest.fixture(scope="module")
def frozen_demo(django_db_setup, django_db_blocker):
    """seed_demo under the frozen clock, in a transaction rolled back at the end of the module."""
    with django_db_blocker.unblock(), time_machine.travel(FROZEN, tick=False):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", password="demo-Password-2026", stdout=io.StringIO())
            user = User.objects.get(email="demo@salesone.kr")
            # seed_demo runs no import job (that needs the imports worker); one that started an hour ago.
            ImportJob.objects.create(user=user, status=ImportJob.Status.RUNNING, started_at=FROZEN - HOUR)
            yield user
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _has_datetime(schema: dict, node: dict, seen: frozenset = frozenset()) -> bool:
    ref = node.get("$ref")
    if ref in seen:
        return False
    node, seen = _resolve(schema, node), seen | {ref}
    if node.get("format") == "date-time":
        return True
    children = [*node.get("properties", {}).values(), *node.get("allOf", []), *node.get("oneOf", [])]
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            children.append(node[key])
    return any(_has_datetime(schema, child, seen) for child in children)


def _schema_datetimes(schema: dict, node: dict, value, owner: dict | None = None, name: str = ""):
    """(value, containing object, field name) for each value the schema types as date-time."""
    node = _resolve(schema, node)
    if value is None:
        return
    if node.get("format") == "date-time":
        yield value, owner, name
        return
    for sub in [*node.get("allOf", []), *node.get("oneOf", [])]:
        yield from _schema_datetimes(schema, sub, value, owner, name)
    if isinstance(value, dict):
        for key, child in node.get("properties", {}).items():
            if key in value:
                yield from _schema_datetimes(schema, child, value[key], value, key)
        if isinstance(node.get("additionalProperties"), dict):
            for child_value in value.values():
                yield from _schema_datetimes(schema, node["additionalProperties"], child_value, value, name)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for item in value:
            yield from _schema_datetimes(schema, node["items"], item, owner, name)


def _all_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for child in value.values():
            yield from _all_strings(child)
    elif isinstance(value, list):
        for child in value:
            yield from _all_strings(child)


def _parse(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _stored_datetimes() -> dict:
    """{(primary key, field name): instant} and the set of every instant stored in the database."""
    by_field, instants = {}, set()
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)]
        if not fields:
            continue
        for row in model._default_manager.values("pk", *fields):
            for field in fields:
                if row[field] is not None:
                    by_field[(str(row["pk"]), field)] = row[field]
                    instants.add(row[field])
    return by_field, instants


def _datetime_get_operations(schema: dict):
    """(schema path, viewset route or None, response schema) of every GET whose 200 carries a date-time.

    A path with a lookup is reached through its viewset route (to find an object of the demo user's);
    a path without one (``/api/auth/me/``, a list) is requested as it is.
    """
    routes = {}
    for route in api_routes():
        path = "/" + _GROUP.sub(lambda m: "{" + m.group("name") + "}", route.name)
        routes[path.replace("{pk}", "{id}")] = route
    found = []
    for path, operations in schema["paths"].items():
        response = operations.get("get", {}).get("responses", {}).get("200", {})
        body = response.get("content", {}).get("application/json", {}).get("schema")
        if not body or not _has_datetime(schema, body):
            continue
        route = routes.get(path)
        if "{" in path and (route is None or route.name.count("(?P<") > 1):
            continue  # nested lookups: none in the API today
        found.append((path, route, body))
    return found


def test_every_datetime_route_writes_the_stored_instant_in_utc(frozen_demo, db):
    schema = _schema()
    operations = _datetime_get_operations(schema)
    assert len(operations) >= 15, [path for path, _route, _body in operations]  # the API, not a corner
    with time_machine.travel(FROZEN, tick=False):
        by_field, instants = _stored_datetimes()
        client = client_for(frozen_demo)
        unchecked, errors, checked = [], [], 0
        for path, route, body_schema in operations:
            url = path
            if route is not None and route.detail:
                obj = first_object(route, frozen_demo)
                if obj is None:
                    unchecked.append(path)
                    continue
                url = route.url(getattr(obj, route.viewset.lookup_field, obj.pk))
            response = client.get(url)
            if response.status_code != 200:
                errors.append(f"GET {url} → {response.status_code}: {response.content[:300]}")
                continue
            data = response.json()

            typed = list(_schema_datetimes(schema, body_schema, data))
            for text, owner, field in typed:
                checked += 1
                if not (isinstance(text, str) and ISO_DATETIME.match(text) and text.endswith("Z")):
                    errors.append(f"GET {url} {field}={text!r} is not ISO 8601 in UTC")
                    continue
                value = _parse(text)
                stored = by_field.get((str(owner.get("id")), field)) if isinstance(owner, dict) else None
                if stored is not None and value != stored:
                    errors.append(f"GET {url} {field}={text}, stored {stored.isoformat()}")
                elif stored is None and value != FROZEN and value not in instants:
                    errors.append(f"GET {url} {field}={text} is no stored instant")
            # Datetimes inside untyped parts (timelines, communications, JSON) obey the same rule.
            typed_texts = {text for text, _owner, _field in typed}
            for text in _all_strings(data):
                if text in typed_texts or not ISO_DATETIME.match(text):
                    continue
                if _parse(text) != FROZEN and _parse(text) not in instants:
                    errors.append(f"GET {url} has {text}, no stored instant")
            if not typed:
                unchecked.append(url)
    assert not errors, "\n".join(errors)
    assert checked >= 50
    # A route typed with a datetime that the demo data never fills is a hole in the walk.
    assert not unchecked, f"no datetime in these responses, add demo data for them: {unchecked}"
