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

    with transaction.atomic():
        [execution] = task_execute_workflows(task=task, user=user)
    execution_run_inline(execution.pk)
    assert WorkflowExecution.objects.get(pk=execution.pk).status == "completed"
    task.refresh_from_db()
    assert task.status == "completed"
