"""A run whose worker died before it stored any node (or whose unsynced writes PostgreSQL lost) is
restarted by the sweep from its start nodes: every node runs, none is skipped, and only then is the
run completed."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.workflows.engine import InlineDispatcher
from apps.workflows.models import WorkflowExecution
from apps.workflows.services import executions_sweep, workflow_execute

from .factories import WorkflowFactory, edge, node, transform

pytestmark = pytest.mark.django_db


def test_sweep_restarts_a_run_with_no_stored_nodes_from_its_start(user):
    workflow = WorkflowFactory(
        user=user,
        nodes=[
            node("hook", "webhook_trigger"),
            transform("vat", compute={"vat": "input.amount // 10"}),
            transform("total", compute={"total": "record.amount + record.vat"}),
        ],
        edges=[edge("hook", "vat"), edge("vat", "total")],
    )
    execution = workflow_execute(workflow=workflow, input_data={"amount": 1000}, queue=False)
    started = timezone.now()
    # Started (pending → running), then the worker died before its first write of node runs.
    WorkflowExecution.objects.filter(pk=execution.pk).update(status="running", started_at=started, updated_at=started)

    with time_machine.travel(started + dt.timedelta(minutes=6), tick=False):
        counts = executions_sweep(dispatcher=InlineDispatcher())

    assert counts["restarted"] == 1
    execution.refresh_from_db()
    assert execution.status == "completed", execution.error_message
    assert dict(execution.node_runs.values_list("node_id", "status")) == {
        "hook": "completed",
        "vat": "completed",
        "total": "completed",
    }
    assert execution.output_data == {"total": {"amount": 1000, "vat": 100, "total": 1100}}
