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
