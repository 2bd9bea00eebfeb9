"""A node that fails with a temporary error is retried with exponential backoff; the run never sleeps."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.workflows.engine import InlineDispatcher
from apps.workflows.services import executions_sweep

from .factories import edge, node, transform
from .fakes import Reply

pytestmark = pytest.mark.django_db


def test_retries_then_success(run_workflow, fake_server, allow_loopback_webhooks):
    answers = iter([Reply(503, {"error": "busy"}), Reply(502, {"error": "gateway"}), Reply(200, {"invoice": "INV-1"})])
    server = fake_server(lambda r: next(answers))
    nodes = [
        node("call", "webhook", {"url": server.url + "/issue", "retries": 2, "retry_delay_seconds": 30}),
        transform("after", set={"invoice": "{{ nodes.call.output.body.invoice }}"}),
    ]
    start = timezone.now()
    execution = run_workflow(nodes, [edge("call", "after")])
    call = execution.node_runs.get(node_id="call")
    assert (execution.status, call.status, call.attempt) == ("running", "waiting", 1)
    assert "attempt 1 failed" in call.error and "503" in call.error
    assert abs(call.resume_at - (start + dt.timedelta(seconds=30))) < dt.timedelta(seconds=5)

    with time_machine.travel(start + dt.timedelta(seconds=20), tick=False):
        assert executions_sweep(dispatcher=InlineDispatcher())["resumed"] == 0  # not due yet
    with time_machine.travel(start + dt.timedelta(seconds=35), tick=False):
        executions_sweep(dispatcher=InlineDispatcher())
    call.refresh_from_db()
    assert (call.status, call.attempt) == ("waiting", 2)  # second backoff is 60 s
    with time_machine.travel(start + dt.timedelta(seconds=100), tick=False):
        executions_sweep(dispatcher=InlineDispatcher())

    execution.refresh_from_db()
    call.refresh_from_db()
    assert execution.status == "completed"
    assert (call.status, call.attempt, call.error) == ("completed", 3, "")
    assert execution.output_data == {
        "after": {"status": 200, "body": {"invoice": "INV-1"}, "headers": call.output["headers"], "invoice": "INV-1"}
    }
    assert len(server.requests) == 3


def test_permanent_error_is_not_retried(run_workflow, fake_server, allow_loopback_webhooks):
    server = fake_server(lambda r: Reply(422, {"error": "invalid"}))
    execution = run_workflow([node("call", "webhook", {"url": server.url + "/x", "retries": 3})])
    assert execution.status == "failed"
    assert execution.node_runs.get().attempt == 1
    assert len(server.requests) == 1


def test_retries_exhausted_fail_the_node(run_workflow, fake_server, allow_loopback_webhooks):
    server = fake_server(lambda r: Reply(500, {}))
    start = timezone.now()
    execution = run_workflow(
        [node("call", "webhook", {"url": server.url + "/x", "retries": 1, "retry_delay_seconds": 1})]
    )
    with time_machine.travel(start + dt.timedelta(seconds=10), tick=False):
        executions_sweep(dispatcher=InlineDispatcher())
    execution.refresh_from_db()
    assert execution.status == "failed"
    assert execution.node_runs.get().attempt == 2
    assert len(server.requests) == 2
