"""The open pixel and click redirect are served right after SecurityMiddleware (issue 18): request ids
and security headers stay, the session/CSRF/frame-options stack is skipped, errors keep their language."""

import logging

import pytest
from django.test import Client

from apps.campaigns.tracking import click_signature, result_token
from apps.tracking import views
from testing.api_errors import assert_logged_server_error

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

TARGET = "https://shop.example.co.kr/item?id=7"


def _click_path(result, target=TARGET) -> str:
    return f"/api/t/c/{result_token(result.id)}/{click_signature(target, result.id)}/"


def test_pixel_keeps_request_id_and_security_headers_but_skips_the_rest(client):
    result = ResultFactory()
    response = client.get(f"/api/t/o/{result_token(result.id)}/", HTTP_X_REQUEST_ID="proxy-id-1")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "proxy-id-1"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    # What only the skipped middleware would add: frame options, a Vary on Cookie or language.
    assert "X-Frame-Options" not in response
    assert "Vary" not in response
    assert not response.cookies


def test_click_redirect_does_not_leak_its_token_as_referrer(client):
    result = ResultFactory()
    response = client.get(_click_path(result), {"u": TARGET})
    assert response.status_code == 302
    assert response["Location"] == TARGET
    assert response["Referrer-Policy"] == "same-origin"
    assert "X-Frame-Options" not in response


@pytest.mark.parametrize(
    ("accept_language", "text", "language"),
    [("en", "Invalid or tampered tracking link.", "en"), ("", "변조", "ko")],
)
def test_tampered_link_answers_in_the_requests_language(client, accept_language, text, language):
    result = ResultFactory()
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    pixel = client.get(f"/api/t/o/{result_token(result.id)[:-2]}xx/", **headers)
    click = client.get(_click_path(result), {"u": "https://elsewhere.example.com/"}, **headers)
    for response in (pixel, click):
        assert response.status_code == 400
        assert text in response.content.decode()
        assert response["Content-Language"].startswith(language)
        assert "Accept-Language" in response["Vary"]


def test_other_tracking_urls_still_go_through_the_whole_stack(client):
    result = ResultFactory()
    response = client.get(f"/api/t/u/{result_token(result.id)}/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    # A pixel URL without its trailing slash is not the fast route: CommonMiddleware's redirect answers.
    assert client.get(f"/api/t/o/{result_token(result.id)}").status_code == 301


def test_a_bug_in_the_pixel_is_the_apis_json_500_logged_by_salesone_request(monkeypatch, caplog):
    def failing_record(event):
        raise ZeroDivisionError("a bug in the pixel")

    monkeypatch.setattr(views, "event_record", failing_record)
    path = f"/api/t/o/{result_token(ResultFactory().id)}/"
    with caplog.at_level(logging.ERROR):
        response = Client(raise_request_exception=False).get(path, HTTP_X_REQUEST_ID="req-pixel-1")
    assert_logged_server_error(response, caplog.records, request_id="req-pixel-1", method="GET", path=path)
