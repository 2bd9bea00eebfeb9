"""A delay never sleeps: the node waits in the database and the scheduled sweep resumes the run."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.workflows.engine import InlineDispatcher
from apps.workflows.services import executions_sweep

from .factories import edge, node, transform

pytestmark = pytest.mark.django_db


def test_delay_is_resumed_by_the_scheduled_sweep(run_workflow):
    start = timezone.now()
    nodes = [
        transform("before", set={"step": 1}),
        node("wait", "delay", {"amount": 2, "unit": "hours"}),
        transform("after", set={"step": 2}),
    ]
    execution = run_workflow(nodes, [edge("before", "wait"), edge("wait", "after")])
    wait = execution.node_runs.get(node_id="wait")
    assert execution.status == "running"
    assert wait.status == "waiting"
    assert abs(wait.resume_at - (start + dt.timedelta(hours=2))) < dt.timedelta(seconds=5)
    assert not execution.node_runs.filter(node_id="after").exists()

    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        executions_sweep(dispatcher=InlineDispatcher())
    assert not execution.node_runs.filter(node_id="after").exists()

    with time_machine.travel(start + dt.timedelta(hours=2, minutes=1), tick=False):
        counts = executions_sweep(dispatcher=InlineDispatcher())
    assert counts["resumed"] == 1
    execution.refresh_from_db()
    assert execution.status == "completed"
    assert execution.output_data["after"]["step"] == 2
    before = execution.node_runs.get(node_id="before")
    assert before.attempt == 1  # nothing before the delay ran again
    wait.refresh_from_db()
    assert (wait.status, wait.attempt) == ("completed", 1)


def test_delay_until_a_seoul_datetime(run_workflow):
    with time_machine.travel(dt.datetime(2025, 4, 10, 0, 0, tzinfo=dt.UTC), tick=False):
        execution = run_workflow(
            [node("wait", "delay", {"until": "{{ input.due }}T09:00"}), transform("after")],
            [edge("wait", "after")],
            input_data={"due": "2025-04-13"},
            timeout_seconds=7 * 24 * 3600,
        )
    wait = execution.node_runs.get(node_id="wait")
    # 09:00 in Seoul is 00:00 UTC.
    assert wait.resume_at == dt.datetime(2025, 4, 13, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(dt.datetime(2025, 4, 12, 23, 59, tzinfo=dt.UTC), tick=False):
        executions_sweep(dispatcher=InlineDispatcher())
    execution.refresh_from_db()
    assert execution.status == "running", execution.error_message
    with time_machine.travel(dt.datetime(2025, 4, 13, 0, 0, 1, tzinfo=dt.UTC), tick=False):
        executions_sweep(dispatcher=InlineDispatcher())
    execution.refresh_from_db()
    assert execution.status == "completed"


def test_delay_until_the_past_continues_at_once(run_workflow):
    execution = run_workflow(
        [node("wait", "delay", {"until": "2020-01-01T09:00"}), transform("after")], [edge("wait", "after")]
    )
    assert execution.status == "completed"
