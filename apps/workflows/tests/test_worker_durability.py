"""Through real Celery workers (queue "workflows"): a worker killed mid-run is replaced and the run
resumes from the stored state without re-running completed nodes; fan-out branches run in parallel."""

import datetime as dt
import threading

import pytest
import time_machine
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.workflows.models import WorkflowExecution
from apps.workflows.services import executions_sweep, workflow_execute
from apps.workflows.tasks import CeleryDispatcher
from testing.waiting import wait_for

from .factories import WorkflowFactory, edge, node, transform
from .fakes import Reply

pytestmark = pytest.mark.worker

WORKER_ENV = {"WORKFLOW_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}


def finished(execution_id) -> bool:
    return WorkflowExecution.objects.get(pk=execution_id).is_finished


def test_killed_worker_resumes_without_rerunning_completed_nodes(celery_worker_factory, fake_server):
    release = threading.Event()

    def responder(recorded):
        if recorded.path == "/b":
            release.wait(30)  # the first call hangs until the worker making it is dead
        return Reply(200, {"path": recorded.path})

    server = fake_server(responder)
    workflow = WorkflowFactory(
        user=UserFactory(),
        nodes=[
            node("a", "webhook", {"url": server.url + "/a", "retries": 0}),
            node("b", "webhook", {"url": server.url + "/b", "retries": 0, "timeout": 30}),
            node("c", "webhook", {"url": server.url + "/c", "retries": 0}),
        ],
        edges=[edge("a", "b"), edge("b", "c")],
    )
    worker = celery_worker_factory(queues="workflows", extra_env=WORKER_ENV)
    execution = workflow_execute(workflow=workflow, input_data={})
    wait_for(lambda: server.hits("/b"), what="the worker to call /b")

    runs = {r.node_id: r for r in execution.node_runs.all()}
    assert (runs["a"].status, runs["b"].status) == ("completed", "running")
    a_finished_at = runs["a"].finished_at
    worker.kill()
    release.set()

    celery_worker_factory(queues="workflows", extra_env=WORKER_ENV)
    # The dead worker's lease on "b" runs out; the beat sweep hands the node to a live worker.
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10), tick=False):
        counts = executions_sweep(dispatcher=CeleryDispatcher())
    assert counts["taken_over"] == 1
    wait_for(lambda: finished(execution.pk), what="the execution to finish")

    execution.refresh_from_db()
    runs = {r.node_id: r for r in execution.node_runs.all()}
    assert execution.status == "completed", execution.error_message
    assert len(server.hits("/a")) == 1  # completed before the crash: never repeated
    assert (runs["a"].attempt, runs["a"].finished_at) == (1, a_finished_at)
    assert (runs["b"].status, runs["b"].attempt) == ("completed", 2)  # in flight at the crash: run again,
    assert [r.headers["Idempotency-Key"] for r in server.hits("/b")] == [f"{execution.pk}:b"] * 2  # with its key
    assert len(server.hits("/c")) == 1 and runs["c"].status == "completed"


def test_fan_out_branches_run_in_parallel_on_separate_workers(celery_worker_factory, fake_server):
    # Each branch's request waits at a barrier for the other: run one after the other, the first
    # would wait alone until the barrier breaks and the node would fail.
    barrier = threading.Barrier(2, timeout=20)

    def responder(recorded):
        if recorded.path in ("/left", "/right"):
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                return Reply(500, {"error": "alone at the barrier"})
        return Reply(200, {"path": recorded.path})

    server = fake_server(responder)
    workflow = WorkflowFactory(
        user=UserFactory(),
        nodes=[
            transform("split", set={"n": 1}),
            node("left", "webhook", {"url": server.url + "/left", "retries": 0, "timeout": 30}),
            node("right", "webhook", {"url": server.url + "/right", "retries": 0, "timeout": 30}),
            transform("join", compute={"both": "[nodes.left.output.body.path, nodes.right.output.body.path]"}),
        ],
        edges=[edge("split", "left"), edge("split", "right"), edge("left", "join"), edge("right", "join")],
    )
    celery_worker_factory(queues="workflows", concurrency=2, extra_env=WORKER_ENV)
    execution = workflow_execute(workflow=workflow, input_data={})
    wait_for(lambda: finished(execution.pk), what="the execution to finish")

    execution.refresh_from_db()
    assert execution.status == "completed", execution.error_message
    runs = {r.node_id: r for r in execution.node_runs.all()}
    assert runs["join"].output["both"] == ["/left", "/right"]
    assert runs["join"].attempt == 1


def test_hook_post_is_run_by_a_worker(celery_worker_factory, api_client, user, settings):
    """The start message the hook sends (execute_workflow_send) is the one a real worker runs."""
    settings.WORKFLOW_HOOK_INLINE_MAX_NODES = 0  # queued: a pure graph would otherwise run in the request
    workflow = WorkflowFactory(
        user=user,
        nodes=[node("hook", "webhook_trigger"), transform("vat", compute={"vat": "input.amount // 10"})],
        edges=[edge("hook", "vat")],
    )
    celery_worker_factory(queues="workflows", extra_env=WORKER_ENV)
    response = api_client.post(
        f"/api/workflows/{workflow.pk}/hooks/{workflow.webhook_secret}/", {"amount": 123000}, format="json"
    )
    assert response.status_code == 202
    execution_id = response.json()["execution_id"]
    wait_for(lambda: finished(execution_id), what="the worker to finish the run")
    execution = WorkflowExecution.objects.get(pk=execution_id)
    assert execution.status == "completed"
    assert execution.output_data == {"vat": {"amount": 123000, "vat": 12300}}
    assert sorted(execution.node_runs.values_list("node_id", "status")) == [("hook", "completed"), ("vat", "completed")]
