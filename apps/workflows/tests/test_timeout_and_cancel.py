"""An execution has a deadline; and a user can cancel a run in the middle."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.workflows.engine import InlineDispatcher
from apps.workflows.services import executions_sweep

from .factories import edge, node, transform

pytestmark = pytest.mark.django_db

NODES = [transform("first"), node("wait", "delay", {"amount": 1, "unit": "hours"}), transform("last")]
EDGES = [edge("first", "wait"), edge("wait", "last")]


def test_execution_times_out(run_workflow):
    start = timezone.now()
    execution = run_workflow(NODES, EDGES, timeout_seconds=600)
    assert execution.status == "running"
    with time_machine.travel(start + dt.timedelta(minutes=11), tick=False):
        counts = executions_sweep(dispatcher=InlineDispatcher())
    assert counts["timed_out"] == 1
    execution.refresh_from_db()
    assert execution.status == "failed"
    assert execution.error_message.startswith("execution timed out")
    assert execution.node_runs.get(node_id="wait").status == "skipped"
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        executions_sweep(dispatcher=InlineDispatcher())
    assert not execution.node_runs.filter(node_id="last").exists()


def test_runner_stops_at_the_deadline(run_workflow):
    start = timezone.now()
    execution = run_workflow(NODES, EDGES, timeout_seconds=1800)
    # The delay ends after the deadline: when it resumes, the runner refuses to go on.
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        from apps.workflows.engine import execution_resume_node

        execution_resume_node(execution.pk, "wait")
    execution.refresh_from_db()
    assert execution.status == "failed" and "timed out" in execution.error_message
    assert not execution.node_runs.filter(node_id="last").exists()


def test_cancel_mid_run(run_workflow, auth_client):
    start = timezone.now()
    execution = run_workflow(NODES, EDGES)
    response = auth_client.post(f"/api/workflow-executions/{execution.pk}/cancel/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    statuses = {run["node_id"]: run["status"] for run in body["node_runs"]}
    assert statuses == {"first": "completed", "wait": "skipped"}

    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        executions_sweep(dispatcher=InlineDispatcher())
    execution.refresh_from_db()
    assert execution.status == "cancelled"
    assert not execution.node_runs.filter(node_id="last").exists()


def test_cancel_finished_execution_is_409(run_workflow, auth_client):
    execution = run_workflow([transform("only")])
    response = auth_client.post(f"/api/workflow-executions/{execution.pk}/cancel/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "already completed" in response.json()["detail"]


def test_cancel_another_users_execution_is_404(run_workflow, other_client):
    execution = run_workflow(NODES, EDGES)
    assert other_client.post(f"/api/workflow-executions/{execution.pk}/cancel/").status_code == 404
