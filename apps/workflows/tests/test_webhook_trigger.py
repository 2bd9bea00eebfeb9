"""POST /api/workflows/{id}/hooks/{secret}/ starts an execution with the request body; no JWT;
a wrong secret answers 404; rotating the secret revokes the old URL."""

import pytest

from apps.workflows.engine import execution_run_inline
from apps.workflows.models import WorkflowExecution

from .factories import WorkflowFactory, edge, node, transform

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooked(user):
    return WorkflowFactory(
        user=user,
        nodes=[
            node("hook", "webhook_trigger"),
            transform("greet", set={"greeting": "안녕하세요 {{ input.owner }} 대표님"}),
        ],
        edges=[edge("hook", "greet")],
    )


def test_hook_starts_an_execution_with_the_body(api_client, hooked):
    response = api_client.post(
        f"/api/workflows/{hooked.pk}/hooks/{hooked.webhook_secret}/", {"owner": "서종렬"}, format="json"
    )
    assert response.status_code == 202
    execution = execution_run_inline(response.json()["execution_id"])
    assert execution.trigger == "webhook"
    assert execution.input_data == {"owner": "서종렬"}
    assert execution.output_data["greet"]["greeting"] == "안녕하세요 서종렬 대표님"
    assert execution.node_runs.get(node_id="hook").output == {"owner": "서종렬"}


def test_wrong_secret_is_404(api_client, hooked):
    response = api_client.post(f"/api/workflows/{hooked.pk}/hooks/not-the-secret/", {"a": 1}, format="json")
    assert response.status_code == 404
    assert not WorkflowExecution.objects.exists()


def test_rotated_secret_revokes_the_old_url(auth_client, api_client, hooked):
    old = hooked.webhook_secret
    response = auth_client.post(f"/api/workflows/{hooked.pk}/rotate-secret/")
    assert response.status_code == 200
    hooked.refresh_from_db()
    assert hooked.webhook_secret != old and response.json()["webhook_url"].endswith(f"/hooks/{hooked.webhook_secret}/")
    assert api_client.post(f"/api/workflows/{hooked.pk}/hooks/{old}/", {}, format="json").status_code == 404
    assert (
        api_client.post(f"/api/workflows/{hooked.pk}/hooks/{hooked.webhook_secret}/", {}, format="json").status_code
        == 202
    )


def test_inactive_workflow_hook_is_409(api_client, hooked):
    hooked.is_active = False
    hooked.save()
    assert (
        api_client.post(f"/api/workflows/{hooked.pk}/hooks/{hooked.webhook_secret}/", {}, format="json").status_code
        == 409
    )


def test_workflow_without_trigger_node_is_409(api_client, user):
    workflow = WorkflowFactory(user=user)
    response = api_client.post(f"/api/workflows/{workflow.pk}/hooks/{workflow.webhook_secret}/", {}, format="json")
    assert response.status_code == 409


def test_non_object_body_is_wrapped(api_client, hooked):
    response = api_client.post(f"/api/workflows/{hooked.pk}/hooks/{hooked.webhook_secret}/", [1, 2], format="json")
    assert response.status_code == 202
    assert WorkflowExecution.objects.get().input_data == {"body": [1, 2]}


def test_malformed_json_is_400(api_client, hooked):
    response = api_client.post(
        f"/api/workflows/{hooked.pk}/hooks/{hooked.webhook_secret}/", b"{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_hook_answers_like_the_api(api_client, hooked):
    url = f"/api/workflows/{hooked.pk}/hooks/{hooked.webhook_secret}/"
    accepted = api_client.post(url, {"owner": "서종렬"}, format="json")
    assert accepted["Content-Type"] == "application/json"
    # A workflow without side effects runs in the request (test_pure_hook_runs_in_the_request.py).
    assert accepted.json() == {"execution_id": str(WorkflowExecution.objects.get().pk), "status": "completed"}
    missing = api_client.post(
        f"/api/workflows/{hooked.pk}/hooks/not-the-secret/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert missing.json()["detail"] == "No such hook."
    assert api_client.get(url).status_code == 405


def test_body_over_the_limit_is_413_and_starts_nothing(api_client, hooked, settings):
    settings.WORKFLOW_HOOK_MAX_BYTES = 100
    url = f"/api/workflows/{hooked.pk}/hooks/{hooked.webhook_secret}/"
    response = api_client.post(url, {"note": "x" * 200}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert "at most 100 bytes" in response.json()["detail"]
    assert not WorkflowExecution.objects.exists()


def test_body_that_is_not_json_is_415(api_client, hooked):
    url = f"/api/workflows/{hooked.pk}/hooks/{hooked.webhook_secret}/"
    response = api_client.post(url, b"owner=me", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert not WorkflowExecution.objects.exists()


def test_nan_is_not_json(api_client, hooked):
    url = f"/api/workflows/{hooked.pk}/hooks/{hooked.webhook_secret}/"
    response = api_client.post(url, b'{"amount": NaN}', content_type="application/json")
    assert response.status_code == 400
    assert not WorkflowExecution.objects.exists()


def test_schema_lists_the_statuses_a_hook_answers(api_client):
    """The SPA's generated client gets the three answers as an enum, not any string."""
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    accepted = schema["paths"]["/api/workflows/{workflow_id}/hooks/{secret}/"]["post"]["responses"]["202"]
    reference = accepted["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    status = schema["components"]["schemas"][reference]["properties"]["status"]
    enum = schema["components"]["schemas"][status["$ref"].rsplit("/", 1)[-1]]["enum"]
    assert enum == ["pending", "completed", "failed"]
