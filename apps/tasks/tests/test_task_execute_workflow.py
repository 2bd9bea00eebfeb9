import pytest
from django.utils import timezone

from apps.tasks.tests.factories import TaskFactory
from apps.workflows.models import Workflow, WorkflowExecution

pytestmark = pytest.mark.django_db
URL = "/api/tasks/{}/execute-workflow/"


def test_without_the_workflow_engine_it_is_409_never_a_fake_success(auth_client, user):
    # Until apps.workflows.services.task_execute_workflows runs real workflows, it refuses.
    workflow = Workflow.objects.create(name="세금계산서 자동 발행", user=user, is_active=True)
    task = TaskFactory(created_by=user, workflow_ids=[workflow.pk])
    response = auth_client.post(URL.format(task.pk))
    if response.status_code == 409:
        assert response.json() == {"detail": "workflow engine not available"}
        assert not WorkflowExecution.objects.exists()
    else:
        # The engine has landed: the answer is the task and the executions it started.
        assert response.status_code == 202, response.json()
        body = response.json()
        assert body["task"]["id"] == str(task.pk)
        executions = WorkflowExecution.objects.filter(task=task)
        assert {e["id"] for e in body["executions"]} == {str(e.pk) for e in executions}
        assert all(set(e) == {"id", "workflow", "status"} for e in body["executions"])


def test_202_answer_serialises_what_the_engine_returns(auth_client, user, monkeypatch):
    """The seam with the workflow engine: whatever list of executions it returns is the answer."""
    workflow = Workflow.objects.create(name="w", user=user, is_active=True)
    task = TaskFactory(created_by=user, workflow_ids=[workflow.pk])

    def engine(*, task, user):
        return [WorkflowExecution.objects.create(workflow=workflow, task=task, started_at=timezone.now())]

    monkeypatch.setattr("apps.tasks.views.task_execute_workflows", engine)
    response = auth_client.post(URL.format(task.pk))
    assert response.status_code == 202
    body = response.json()
    execution = WorkflowExecution.objects.get()
    assert body["executions"] == [{"id": str(execution.pk), "workflow": str(workflow.pk), "status": "pending"}]
    assert body["task"]["workflow_executions"][0]["id"] == str(execution.pk)


def test_another_users_task_is_404(other_client, user):
    assert other_client.post(URL.format(TaskFactory(created_by=user).pk)).status_code == 404
