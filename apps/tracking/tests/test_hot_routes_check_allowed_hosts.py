"""The open pixel and click redirect, served ahead of most middleware (apps/tracking/middleware.py), still
refuse a Host that is not in ALLOWED_HOSTS with the 400 the rest of the site answers, and record nothing."""

import pytest
from django.test import override_settings

from apps.campaigns.tracking import click_signature, result_token

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

TARGET = "https://shop.example.co.kr/item?id=7"
EVIL = "evil.example.com"


def _hot_paths(result) -> list[str]:
    token = result_token(result.id)
    return [f"/api/t/o/{token}/", f"/api/t/c/{token}/{click_signature(TARGET, result.id)}/?u={TARGET}"]


def test_unknown_host_gets_the_sites_400_and_no_event_is_queued(client, queued):
    result = ResultFactory()
    site = client.get("/api/health/", HTTP_HOST=EVIL)
    assert site.status_code == 400
    for path in _hot_paths(result):
        response = client.get(path, HTTP_HOST=EVIL)
        assert response.status_code == 400, path
        assert response.content == site.content
        assert response["Content-Type"] == site["Content-Type"]
        assert "Location" not in response  # a click does not redirect either
    assert queued() == 0


def test_forwarded_host_is_checked_when_the_proxy_is_trusted(client, queued):
    result = ResultFactory()
    with override_settings(USE_X_FORWARDED_HOST=True):
        for path in _hot_paths(result):
            assert client.get(path, HTTP_X_FORWARDED_HOST=EVIL).status_code == 400, path
    assert queued() == 0


def test_allowed_hosts_changes_are_seen(client, queued):
    """The check remembers hosts it has allowed; a new ALLOWED_HOSTS starts over."""
    result = ResultFactory()
    pixel, click = _hot_paths(result)
    with override_settings(ALLOWED_HOSTS=["track.example.co.kr", ".links.example.co.kr"]):
        assert client.get(pixel, HTTP_HOST="track.example.co.kr").status_code == 200
        assert client.get(click, HTTP_HOST="a.links.example.co.kr:8443").status_code == 302
        assert client.get(pixel, HTTP_HOST="testserver").status_code == 400
    with override_settings(ALLOWED_HOSTS=["other.example.co.kr"]):
        assert client.get(pixel, HTTP_HOST="track.example.co.kr").status_code == 400
        assert client.get(click, HTTP_HOST="a.links.example.co.kr").status_code == 400
    assert queued() == 2
