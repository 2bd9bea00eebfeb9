"""The assignee runs the creator's workflows, and reads their input, only when the creator allows it."""

import pytest
from django.contrib.auth.models import Group

from apps.tasks.tests.factories import TaskFactory
from apps.workflows.models import WorkflowExecution
from apps.workflows.tests.factories import WorkflowFactory, transform

pytestmark = pytest.mark.django_db
INPUT = {"amount": 123000}


def test_the_assignee_runs_workflows_only_after_the_creator_allows_it(auth_client, user, other_user, other_client):
    Group.objects.create(name="영업1팀").user_set.add(user, other_user)
    workflow = WorkflowFactory(user=user, nodes=[transform("vat", compute={"vat": "input.amount // 10"})])
    created = auth_client.post(
        "/api/tasks/",
        {
            "name": "세금계산서",
            "assignee_id": str(other_user.pk),
            "workflow_ids": [str(workflow.pk)],
            "workflow_data": {str(workflow.pk): INPUT},
        },
    )
    assert created.status_code == 201 and created.json()["assignee_may_run_workflows"] is False
    task_url = f"/api/tasks/{created.json()['id']}/"

    assert other_client.get(task_url).json()["workflow_data"] is None
    refused = other_client.post(f"{task_url}execute-workflow/")
    assert refused.status_code == 403 and "assignee_may_run_workflows" in refused.json()["detail"]
    assert not WorkflowExecution.objects.exists()

    assert auth_client.patch(task_url, {"assignee_may_run_workflows": True}).status_code == 200
    assert other_client.get(task_url).json()["workflow_data"] == {str(workflow.pk): INPUT}
    started = other_client.post(f"{task_url}execute-workflow/")
    assert started.status_code == 202, started.json()
    assert WorkflowExecution.objects.get().input_data == INPUT


def test_the_creator_always_runs_them(auth_client, user, other_user):
    workflow = WorkflowFactory(user=user, nodes=[transform("vat", compute={"vat": "input.amount // 10"})])
    task = TaskFactory(created_by=user, assignee=other_user, workflow_ids=[workflow.pk])
    assert auth_client.post(f"/api/tasks/{task.pk}/execute-workflow/").status_code == 202
