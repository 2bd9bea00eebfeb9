"""execute-workflow through the tasks API with the real workflow engine: the task's linked workflows
run with workflow_data[workflow_id], the executions show on the task and in the client's task view,
and the task moves to in_progress, then completed or failed."""

import pytest

from apps.clients.serializers import utc_iso
from apps.clients.tests.factories import ClientFactory
from apps.tasks.tests.factories import TaskFactory
from apps.workflows.engine import execution_run_inline
from apps.workflows.models import WorkflowExecution
from apps.workflows.tests.factories import WorkflowFactory, node, transform

pytestmark = pytest.mark.django_db
URL = "/api/tasks/{}/execute-workflow/"
INVOICE_INPUT = {"product": 231, "amount": 123000, "currency": "krw"}


def invoice_task(user, *workflows, **fields):
    return TaskFactory(
        created_by=user,
        name="세금계산서 발행",
        workflow_ids=[w.pk for w in workflows],
        workflow_data={str(w.pk): INVOICE_INPUT for w in workflows},
        **fields,
    )


def client_task_body(auth_client, client, task):
    body = auth_client.get(f"/api/clients/clients/{client.pk}/tasks/").json()
    return {group: [t for t in tasks if t["id"] == str(task.pk)] for group, tasks in body["tasks"].items()}


def test_runs_linked_workflows_and_completes_the_task(auth_client, user):
    client = ClientFactory(user=user)
    workflow = WorkflowFactory(user=user, nodes=[transform("vat", compute={"vat": "input.amount // 10"})])
    task = invoice_task(user, workflow, client=client)

    response = auth_client.post(URL.format(task.pk))
    assert response.status_code == 202, response.json()
    body = response.json()
    execution = WorkflowExecution.objects.get(task=task)
    assert execution.input_data == INVOICE_INPUT
    assert body["executions"] == [{"id": str(execution.pk), "workflow": str(workflow.pk), "status": "pending"}]
    assert body["task"]["status"] == "in_progress"
    assert [e["id"] for e in body["task"]["workflow_executions"]] == [str(execution.pk)]
    in_progress = client_task_body(auth_client, client, task)["in_progress"]
    assert [e["status"] for e in in_progress[0]["workflow_executions"]] == ["pending"]

    execution_run_inline(execution.pk)

    detail = auth_client.get(f"/api/tasks/{task.pk}/").json()
    assert detail["status"] == "completed"
    execution.refresh_from_db()
    assert detail["workflow_executions"] == [
        {
            "id": str(execution.pk),
            "workflow": str(workflow.pk),
            "status": "completed",
            "started_at": utc_iso(execution.started_at),  # microseconds, UTC, "Z"
            "completed_at": utc_iso(execution.completed_at),
        }
    ]
    completed = client_task_body(auth_client, client, task)["completed"]
    assert completed[0]["workflow_executions"][0]["status"] == "completed"
    assert execution.output_data == {"vat": {**INVOICE_INPUT, "vat": 12300}}


def test_a_failing_workflow_fails_the_task(auth_client, user):
    client = ClientFactory(user=user)
    ok = WorkflowFactory(user=user)
    failing = WorkflowFactory(
        user=user, nodes=[node("fail", "update_task_status", {"status": "completed", "task_id": "not-a-uuid"})]
    )
    task = invoice_task(user, ok, failing, client=client)

    response = auth_client.post(URL.format(task.pk))
    assert response.status_code == 202, response.json()
    for execution in response.json()["executions"]:
        execution_run_inline(execution["id"])

    failed = client_task_body(auth_client, client, task)["failed"]
    assert sorted(e["status"] for e in failed[0]["workflow_executions"]) == ["completed", "failed"]


def test_task_without_workflows_is_409_and_unchanged(auth_client, user):
    task = TaskFactory(created_by=user)
    response = auth_client.post(URL.format(task.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["detail"] == "This task has no linked workflows."
    task.refresh_from_db()
    assert task.status == "not_started" and not WorkflowExecution.objects.exists()


def test_running_again_while_running_is_409(auth_client, user):
    task = invoice_task(user, WorkflowFactory(user=user))
    assert auth_client.post(URL.format(task.pk)).status_code == 202
    assert auth_client.post(URL.format(task.pk)).status_code == 409
    assert WorkflowExecution.objects.filter(task=task).count() == 1


def test_another_users_task_is_404(other_client, user):
    assert other_client.post(URL.format(TaskFactory(created_by=user).pk)).status_code == 404


def test_the_assignee_runs_the_workflows_the_creator_linked(other_client, other_user, user):
    workflow = WorkflowFactory(user=user, nodes=[transform("vat", compute={"vat": "input.amount // 10"})])
    task = invoice_task(user, workflow, assignee=other_user, assignee_may_run_workflows=True)

    response = other_client.post(URL.format(task.pk))
    assert response.status_code == 202, response.json()
    execution = WorkflowExecution.objects.get(task=task)
    assert execution.workflow_id == workflow.pk and execution.input_data == INVOICE_INPUT
    execution_run_inline(execution.pk)
    assert other_client.get(f"/api/tasks/{task.pk}/").json()["status"] == "completed"


def test_a_third_users_workflow_on_the_task_never_runs(other_client, other_user, user):
    task = invoice_task(user, WorkflowFactory(), assignee=other_user, assignee_may_run_workflows=True)
    # (a third user's workflow is not linkable through the API)
    assert other_client.post(URL.format(task.pk)).status_code == 409
    assert not WorkflowExecution.objects.filter(task=task).exists()
