"""A hook POST is served right after SecurityMiddleware (apps/workflows/middleware.py, issue 18): request
ids, security headers and the language of its errors stay, the session/CSRF/frame-options stack is
skipped; a browser's request (with an Origin) and other methods still go through the whole stack."""

import logging

import pytest
from django.test import Client

from apps.workflows import views
from apps.workflows.models import WorkflowExecution
from testing.api_errors import assert_logged_server_error

from .factories import hook_then, transform

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooked(user):
    return hook_then(user, transform("greet", set={"greeting": "안녕 {{ input.owner }}"}))


def _hook(workflow, secret=None) -> str:
    return f"/api/workflows/{workflow.pk}/hooks/{secret or workflow.webhook_secret}/"


def test_hook_keeps_request_id_and_security_headers_but_skips_the_rest(client, hooked):
    response = client.post(
        _hook(hooked), b'{"owner": "\xec\x84\x9c"}', content_type="application/json", HTTP_X_REQUEST_ID="proxy-id-7"
    )
    assert response.status_code == 202
    assert response.json()["status"] == "completed"
    assert WorkflowExecution.objects.get(pk=response.json()["execution_id"]).output_data["greet"] == {
        "owner": "서",
        "greeting": "안녕 서",
    }
    assert response["X-Request-ID"] == "proxy-id-7"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(response.content))
    # What only the skipped middleware adds, even to this request: frame options, and django-cors-headers'
    # ``Vary: origin`` (on every response of the whole stack, Origin or not). The fast path has no Vary on
    # Origin: only a request without one takes it, and a POST's answer is not cached by a shared cache.
    assert "X-Frame-Options" not in response
    assert "origin" not in response.get("Vary", "").lower()


@pytest.mark.parametrize(
    ("accept_language", "text", "language"), [("en", "No such hook.", "en"), ("", "그런 훅이 없습니다.", "ko")]
)
def test_a_wrong_secret_answers_in_the_callers_language(client, hooked, accept_language, text, language):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    response = client.post(_hook(hooked, "not-the-secret"), {}, content_type="application/json", **headers)
    assert response.status_code == 404
    assert response.json()["detail"] == text
    assert response["Content-Language"].startswith(language)
    assert "Accept-Language" in response["Vary"]
    assert not WorkflowExecution.objects.exists()


def test_a_host_outside_allowed_hosts_is_refused(client, hooked):
    response = client.post(_hook(hooked), {}, content_type="application/json", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert not WorkflowExecution.objects.exists()


def test_a_browsers_post_goes_through_the_whole_stack_for_its_cors_headers(client, hooked):
    response = client.post(
        _hook(hooked), {"owner": "a"}, content_type="application/json", HTTP_ORIGIN="http://localhost:3000"
    )
    assert response.status_code == 202
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert response["X-Frame-Options"] == "DENY"
    assert "origin" in response["Vary"].lower()


@pytest.fixture
def raw_client():
    """A client that answers what a caller gets for an unhandled error instead of re-raising it."""
    return Client(raise_request_exception=False)


def test_a_body_over_data_upload_max_memory_size_is_the_apis_json_413(raw_client, hooked, settings):
    # The hook's own limit (WORKFLOW_HOOK_MAX_BYTES) above Django's: request.body refuses it.
    settings.WORKFLOW_HOOK_MAX_BYTES = 10_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = b'{"owner": "' + b"x" * 2_000 + b'"}'
    response = raw_client.post(_hook(hooked), body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "payload_too_large"
    assert "1,000" in response.json()["detail"]
    assert not WorkflowExecution.objects.exists()


def test_a_bug_in_the_hook_is_the_apis_json_500_logged_by_salesone_request(raw_client, hooked, monkeypatch, caplog):
    def failing_trigger(**kwargs):
        raise ZeroDivisionError("a bug in the hook")

    monkeypatch.setattr(views, "workflow_hook_trigger", failing_trigger)
    with caplog.at_level(logging.ERROR):
        response = raw_client.post(
            _hook(hooked), {"owner": "a"}, content_type="application/json", HTTP_X_REQUEST_ID="req-hook-1"
        )
    assert_logged_server_error(response, caplog.records, request_id="req-hook-1", method="POST", path=_hook(hooked))
