"""A bug in an API route answers JSON {"detail", "code": "server_error"} with DEBUG on or off, logged with
the request id; the debug page remains only for non-API pages with DEBUG on. Unknown API URLs are JSON 404s."""

import io
import logging

import pytest
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("common.tests.failing_urls")]


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.fixture
def console_log():
    """What the configured console handler (formatter and request-id filter included) writes."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("path", ["/api/failing/drf/", "/api/failing/plain/"])
def test_bug_in_an_api_route_answers_json_500_logged_with_the_request_id(client, console_log, debug, path):
    with override_settings(DEBUG=debug):
        response = client.get(path, HTTP_X_REQUEST_ID="req-7f3a9c")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response["X-Request-ID"] == "req-7f3a9c"
    body = response.json()
    assert body["code"] == "server_error"
    assert "req-7f3a9c" in body["detail"] and "ZeroDivisionError" not in body["detail"]
    log = console_log.getvalue()
    assert f"ERROR [req-7f3a9c] salesone.request Unhandled exception on GET {path}" in log
    assert "ZeroDivisionError: a bug in" in log  # the traceback is in the log, not in the answer
    assert "Internal Server Error" not in log  # logged once, by us, with the traceback


@override_settings(DEBUG=True)
def test_non_api_page_keeps_the_debug_page(client):
    response = client.get("/failing/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@override_settings(DEBUG=False)
def test_non_api_page_without_debug_is_django_500(client):
    response = client.get("/failing/")
    assert response.status_code == 500
    assert "server_error" not in response.content.decode()


@pytest.mark.parametrize("debug", [True, False])
def test_unknown_api_url_is_a_json_404(client, debug):
    with override_settings(DEBUG=debug):
        response = client.get("/api/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found", "fields": {}}


@pytest.mark.parametrize("debug", [True, False])
def test_an_error_a_middleware_raises_is_json_too(client, debug):
    """A Host header not in ALLOWED_HOSTS is refused by Django's CommonMiddleware, before any view."""
    with override_settings(DEBUG=debug):
        response = client.get("/api/products/", HTTP_HOST="attacker.example", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request.", "code": "bad_request", "fields": {}}
