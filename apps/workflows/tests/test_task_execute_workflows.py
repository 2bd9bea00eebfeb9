"""Running a task's workflows: each linked workflow runs with workflow_data[workflow_id] as input, the
executions are linked to the task, and the task moves to in_progress, then completed or failed."""

import pytest
from django.db import transaction

from apps.tasks.tests.factories import TaskFactory
from apps.workflows.engine import execution_run_inline
from apps.workflows.models import WorkflowExecution
from apps.workflows.services import task_execute_workflows
from common.exceptions import Conflict

from .factories import WorkflowFactory, edge, node, transform

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice_workflow(user):
    return WorkflowFactory(user=user, nodes=[transform("t", compute={"vat": "input.amount // 10"})])


@pytest.fixture
def failing_workflow(user):
    return WorkflowFactory(
        user=user, nodes=[node("fail", "update_task_status", {"status": "completed", "task_id": "not-a-uuid"})]
    )


def task_for(user, *workflows, data=None):
    return TaskFactory(
        created_by=user,
        workflow_ids=[w.pk for w in workflows],
        workflow_data=data
        or {str(w.pk): {"amount": 123000, "company_name": "제로커뮤니케이션(주)"} for w in workflows},
    )


def test_service_runs_linked_workflows_and_completes_the_task(user, invoice_workflow):
    second = WorkflowFactory(user=user, nodes=[transform("echo")])
    task = task_for(user, invoice_workflow, second)
    with transaction.atomic():
        executions = task_execute_workflows(task=task, user=user)
    assert [e.workflow_id for e in executions] == [invoice_workflow.pk, second.pk]
    assert all(e.task_id == task.pk and e.trigger == "task" for e in executions)
    assert executions[0].input_data == {"amount": 123000, "company_name": "제로커뮤니케이션(주)"}
    task.refresh_from_db()
    assert task.status == "in_progress"

    execution_run_inline(executions[0].pk)
    task.refresh_from_db()
    assert task.status == "in_progress"  # the second has not finished yet
    execution_run_inline(executions[1].pk)
    task.refresh_from_db()
    assert task.status == "completed" and task.completed_at is not None
    assert WorkflowExecution.objects.get(pk=executions[0].pk).output_data == {
        "t": {"amount": 123000, "company_name": "제로커뮤니케이션(주)", "vat": 12300}
    }


def test_one_failed_execution_fails_the_task(user, invoice_workflow, failing_workflow):
    task = task_for(user, invoice_workflow, failing_workflow)
    with transaction.atomic():
        executions = task_execute_workflows(task=task, user=user)
    for execution in executions:
        execution_run_inline(execution.pk)
    task.refresh_from_db()
    assert task.status == "failed"


def test_only_my_active_workflows_run(user, other_user, invoice_workflow):
    inactive = WorkflowFactory(user=user, is_active=False)
    theirs = WorkflowFactory(user=other_user)
    task = task_for(user, invoice_workflow, inactive, theirs)
    with transaction.atomic():
        executions = task_execute_workflows(task=task, user=user)
    assert [e.workflow_id for e in executions] == [invoice_workflow.pk]


def test_task_without_runnable_workflows_is_409(user, other_user):
    task = task_for(user, WorkflowFactory(user=other_user))
    with pytest.raises(Conflict):
        task_execute_workflows(task=task, user=user)
    task.refresh_from_db()
    assert task.status == "not_started"


def test_endpoint_answers_202_with_the_executions(auth_client, user, invoice_workflow):
    task = task_for(user, invoice_workflow)
    response = auth_client.post(f"/api/tasks/{task.pk}/execute-workflow/")
    assert response.status_code == 202, response.content
    body = response.json()
    [execution] = body["executions"]
    assert execution["workflow"] == str(invoice_workflow.pk)
    assert body["task"]["status"] == "in_progress"

    assert auth_client.post(f"/api/tasks/{task.pk}/execute-workflow/").status_code == 409  # already running
    execution_run_inline(execution["id"])
    task.refresh_from_db()
    assert task.status == "completed"


def test_workflow_can_update_its_own_task(user):
    workflow = WorkflowFactory(
        user=user,
        nodes=[transform("work"), node("done", "update_task_status", {"status": "in_progress"})],
        edges=[edge("work", "done")],
    )
    task = task_for(user, workflow)
    with transaction.atomic():
        [execution] = task_execute_workflows(task=task, user=user)
    execution = execution_run_inline(execution.pk)
    assert execution.node_runs.get(node_id="done").output["task_id"] == str(task.pk)
    task.refresh_from_db()
    assert task.status == "completed"  # in_progress by the node, then completed as the execution succeeded
