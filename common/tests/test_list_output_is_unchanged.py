"""The faster list path writes exactly what DRF's own did (issue 18): every list of the API, with rows
from its row builder, answers the same bytes through orjson and the planned ``to_representation``
(common/renderers.py, common/serializers.py) as through DRF's ``json.dumps`` and its per-row
``Serializer.to_representation``. The OpenAPI schema is the SPA's contract; this is its output."""

import datetime
import decimal
import json
import uuid

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from common.renderers import JSONRenderer
from common.serializers import ModelSerializer

from .test_api_list_queries import BUILDERS

pytestmark = pytest.mark.django_db


def _get(client, url: str) -> bytes:
    response = client.get(url, {"page_size": 3})
    assert response.status_code == 200, response.content[:300]
    return response.content


@pytest.mark.parametrize("url", sorted(BUILDERS))
def test_list_bytes_are_drfs(auth_client, user, monkeypatch, url):
    for _ in range(3):
        BUILDERS[url](user)
    fast = _get(auth_client, url)
    monkeypatch.setattr(ModelSerializer, "fast_representation", False)
    monkeypatch.setattr(JSONRenderer, "use_orjson", False)
    stock = _get(auth_client, url)
    assert json.loads(fast)["results"], "the row builder must make rows this list shows"
    assert fast == stock


def test_renderer_writes_what_drf_writes():
    payload = {
        "name": "넥스트커머스(주)",
        "id": uuid.UUID("6924b542-bcab-414c-b7c4-ce5d8e0162f6"),
        "price": decimal.Decimal("2500000.50"),
        "at": datetime.datetime(2026, 3, 2, 1, 0, 0, 123456, tzinfo=datetime.UTC),
        "seoul": datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9))),
        "day": datetime.date(2026, 3, 2),
        "time": datetime.time(9, 30),
        "took": datetime.timedelta(minutes=3),
        "lazy": gettext_lazy("A lead list needs a name."),
        "nested": [{"ok": True, "n": None, "rate": 0.1234, "count": 3}, ("a", "b")],
        "separators": "line\u2028paragraph\u2029end",
        "quote": 'say "안녕" \\ </script>',
    }
    assert JSONRenderer().render(payload) == DRFJSONRenderer().render(payload)


@pytest.mark.parametrize(
    "payload",
    [{1: "int key"}, {"big": 2**70}, {"indent": "asked"}],
    ids=["non-string key", "beyond 64 bits", "indent"],
)
def test_what_orjson_cannot_write_goes_to_drf(payload):
    media_type = "application/json; indent=4" if "indent" in payload else None
    assert JSONRenderer().render(payload, media_type) == DRFJSONRenderer().render(payload, media_type)
