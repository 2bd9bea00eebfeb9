"""Only an active workflow executes; executing answers 202 with the execution."""

import pytest

from apps.workflows.engine import execution_run_inline
from apps.workflows.models import WorkflowExecution

from .factories import WorkflowFactory, node, transform

pytestmark = pytest.mark.django_db


def test_inactive_workflow_does_not_execute(auth_client, user):
    workflow = WorkflowFactory(user=user, is_active=False)
    response = auth_client.post(
        f"/api/workflows/{workflow.pk}/execute/", {"input_data": {}}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 409
    assert "not active" in response.json()["detail"]
    assert not WorkflowExecution.objects.exists()


def test_activate_then_execute(auth_client, user):
    workflow = WorkflowFactory(user=user, is_active=False, nodes=[transform("t", compute={"double": "input.n * 2"})])
    response = auth_client.post(f"/api/workflows/{workflow.pk}/activate/")
    assert response.status_code == 200 and response.json()["is_active"] is True

    response = auth_client.post(f"/api/workflows/{workflow.pk}/execute/", {"input_data": {"n": 21}}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending" and body["input_data"] == {"n": 21} and body["trigger"] == "manual"

    execution = execution_run_inline(body["id"])
    assert execution.status == "completed"
    assert execution.output_data == {"t": {"n": 21, "double": 42}}


def test_deactivated_workflow_stops_executing(auth_client, user):
    workflow = WorkflowFactory(user=user)
    assert auth_client.post(f"/api/workflows/{workflow.pk}/deactivate/").json()["is_active"] is False
    assert auth_client.post(f"/api/workflows/{workflow.pk}/execute/", {}, format="json").status_code == 409


def test_empty_workflow_cannot_be_activated(auth_client, user):
    workflow = WorkflowFactory(user=user, is_active=False, nodes=[])
    response = auth_client.post(f"/api/workflows/{workflow.pk}/activate/")
    assert response.status_code == 409


def test_execution_snapshot_ignores_later_edits(auth_client, user):
    workflow = WorkflowFactory(user=user, nodes=[transform("t", set={"version": "old"})])
    execution_id = auth_client.post(f"/api/workflows/{workflow.pk}/execute/", {}, format="json").json()["id"]
    auth_client.patch(
        f"/api/workflows/{workflow.pk}/",
        {"nodes": [node("t", "transform", {"set": {"version": "new"}})]},
        format="json",
    )
    assert execution_run_inline(execution_id).output_data == {"t": {"version": "old"}}
