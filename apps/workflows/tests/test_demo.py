"""seed_demo's workflow part: template-based workflows and a task linked to one, idempotently."""

import io

import pytest
from django.db import transaction

from apps.tasks.models import Task
from apps.workflows.demo import DEMO_TASK_NAME, seed
from apps.workflows.engine import execution_run_inline
from apps.workflows.models import Workflow, WorkflowExecution
from apps.workflows.services import task_execute_workflows
from common.demo import DemoContext

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_the_demo_task_runs(user):
    ctx = DemoContext(user=user, stdout=io.StringIO())
    seed(ctx)
    seed(ctx)
    assert Workflow.objects.filter(user=user).count() == 2
    task = Task.objects.get(name=DEMO_TASK_NAME)
    invoice = Workflow.objects.get(user=user, template_key="tax_invoice")
    assert task.workflow_ids == [invoice.pk] and invoice.is_active

    # One stored run of the inquiry workflow, not one per seed, with every node's run.
    [demo_run] = WorkflowExecution.objects.filter(workflow__user=user)
    assert demo_run.workflow.template_key == "inbound_lead" and demo_run.status == "completed"
    runs = {run.node_id: run.status for run in demo_run.node_runs.all()}
    assert runs == {"hook": "completed", "notify": "completed", "has_contact": "completed", "call_task": "completed"}
    assert Task.objects.filter(created_by=user, name="주식회사 넥스파시스템 문의 회신").count() == 1

    with transaction.atomic():
        [execution] = task_execute_workflows(task=task, user=user)
    execution_run_inline(execution.pk)
    assert WorkflowExecution.objects.get(pk=execution.pk).status == "completed"
    task.refresh_from_db()
    assert task.status == "completed"
