"""A plugin node may declare itself without side effects and still be slow (it sleeps, it calls out).
In the webhook request such a node runs on a guard thread: the request waits for it only
WORKFLOW_HOOK_INLINE_BUDGET_MS, then queues the run with nothing written, and answers at once; the
next hooks of that workflow are queued without trying. A quick plugin node still runs in the request.
A node that hangs holds its guard thread only until WORKFLOW_HOOK_GUARD_HARD_LIMIT_SECONDS: then the
thread is abandoned (logged, counted) and the hooks of other workflows run in the request again."""

import threading
import time

import pytest
from prometheus_client import REGISTRY

from apps.workflows.engine import execution_run_inline
from apps.workflows.engine.in_request import GUARD_THREADS
from apps.workflows.engine.registry import registry
from apps.workflows.models import NodeRun, WorkflowExecution
from apps.workflows.nodes.base import Node, NodeResult

from .factories import WorkflowFactory, edge, node

pytestmark = pytest.mark.django_db


@pytest.fixture
def gate():
    """Holds the slow node until the test opens it (the node stands for any long call)."""
    opened = threading.Event()
    opened.entered = []  # one entry per run of the node, on whichever thread

    class SlowPureNode(Node):
        type = "test_slow_pure"
        label = "Slow pure"
        category = "data"
        side_effects = False

        def run(self, call):
            opened.entered.append(call.context.input.get("name", ""))
            opened.wait(timeout=30)
            return NodeResult(output={"looked_up": call.context.input.get("name", "")})

    registry.register(SlowPureNode)
    yield opened
    opened.set()
    registry.unregister(SlowPureNode.type)


@pytest.fixture
def quick_node():
    class QuickPureNode(Node):
        type = "test_quick_pure"
        label = "Quick pure"
        category = "data"
        side_effects = False

        def run(self, call):
            return NodeResult(output={"shout": call.context.input["name"].upper()})

    registry.register(QuickPureNode)
    yield QuickPureNode
    registry.unregister(QuickPureNode.type)


def hook(api_client, workflow, body):
    started = time.monotonic()
    response = api_client.post(f"/api/workflows/{workflow.pk}/hooks/{workflow.webhook_secret}/", body, format="json")
    return response, time.monotonic() - started


def test_slow_pure_plugin_node_is_queued_at_the_budget(
    api_client, user, gate, settings, django_capture_on_commit_callbacks
):
    settings.WORKFLOW_HOOK_INLINE_BUDGET_MS = 50
    workflow = WorkflowFactory(
        user=user,
        nodes=[node("hook", "webhook_trigger"), node("lookup", "test_slow_pure")],
        edges=[edge("hook", "lookup")],
    )
    with django_capture_on_commit_callbacks() as queued:
        first, first_took = hook(api_client, workflow, {"name": "kim"})
        second, second_took = hook(api_client, workflow, {"name": "lee"})
    # The node holds on for 30 s; the caller is answered long before, and nothing of the run is written.
    assert first.status_code == second.status_code == 202
    assert first.json()["status"] == second.json()["status"] == "pending"
    assert first_took < 5 and second_took < 5
    assert len(queued) == 2
    assert gate.entered == ["kim"]  # the second hook was queued without a guarded try
    assert not NodeRun.objects.exists()
    assert set(WorkflowExecution.objects.values_list("status", flat=True)) == {"pending"}

    gate.set()  # a worker runs the queued executions; each node run is stored there
    execution = execution_run_inline(first.json()["execution_id"])
    assert execution.status == "completed"
    assert execution.node_runs.get(node_id="lookup").output == {"looked_up": "kim"}


def test_quick_pure_plugin_node_runs_in_the_request(api_client, user, quick_node, django_capture_on_commit_callbacks):
    workflow = WorkflowFactory(
        user=user,
        nodes=[node("hook", "webhook_trigger"), node("shout", "test_quick_pure")],
        edges=[edge("hook", "shout")],
    )
    with django_capture_on_commit_callbacks() as queued:
        response, _took = hook(api_client, workflow, {"name": "park"})
    assert response.json()["status"] == "completed" and queued == []
    assert NodeRun.objects.get(node_id="shout").output == {"shout": "PARK"}


def test_hung_plugin_nodes_do_not_starve_the_guard_threads(api_client, user, gate, quick_node, settings, caplog):
    settings.WORKFLOW_HOOK_INLINE_BUDGET_MS = 50
    settings.WORKFLOW_HOOK_GUARD_HARD_LIMIT_SECONDS = 0.5
    abandoned = "salesone_workflow_guard_threads_abandoned_total"
    before = REGISTRY.get_sample_value(abandoned) or 0
    for number in range(GUARD_THREADS):  # one hung run per workflow (each is then queued for a minute)
        hung = WorkflowFactory(
            user=user,
            nodes=[node("hook", "webhook_trigger"), node("lookup", "test_slow_pure")],
            edges=[edge("hook", "lookup")],
        )
        assert hook(api_client, hung, {"name": f"hung-{number}"})[0].json()["status"] == "pending"
    deadline = time.monotonic() + 10
    while len(gate.entered) < GUARD_THREADS and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(gate.entered) == GUARD_THREADS  # every guard thread is held by a node that does not return
    quick = WorkflowFactory(
        user=user,
        nodes=[node("hook", "webhook_trigger"), node("shout", "test_quick_pure")],
        edges=[edge("hook", "shout")],
    )
    assert hook(api_client, quick, {"name": "park"})[0].json()["status"] == "pending"  # no thread free: queued

    time.sleep(0.6)  # past the hard limit: the hung threads are given up on when a hook needs one
    response, took = hook(api_client, quick, {"name": "choi"})
    assert response.json()["status"] == "completed" and took < 5
    assert NodeRun.objects.get(node_id="shout").output == {"shout": "CHOI"}
    assert (REGISTRY.get_sample_value(abandoned) or 0) - before == GUARD_THREADS
    assert "workflow hook guard thread abandoned" in caplog.text


def test_guard_threads_all_abandoned_is_logged_once_not_per_hook(
    api_client, user, gate, quick_node, settings, caplog, monkeypatch
):
    from apps.workflows.engine import in_request

    monkeypatch.setattr(in_request, "GUARD_ABANDONED_MAX", 0)  # as if 16 abandoned threads already hung
    settings.WORKFLOW_HOOK_INLINE_BUDGET_MS = 50
    settings.WORKFLOW_HOOK_GUARD_HARD_LIMIT_SECONDS = 0.2
    for number in range(GUARD_THREADS):
        hung = WorkflowFactory(
            user=user,
            nodes=[node("hook", "webhook_trigger"), node("lookup", "test_slow_pure")],
            edges=[edge("hook", "lookup")],
        )
        assert hook(api_client, hung, {"name": f"hung-{number}"})[0].json()["status"] == "pending"
    time.sleep(0.3)  # past the hard limit, but no thread may be abandoned
    quick = WorkflowFactory(
        user=user,
        nodes=[node("hook", "webhook_trigger"), node("shout", "test_quick_pure")],
        edges=[edge("hook", "shout")],
    )
    for name in ("park", "choi", "kang"):
        assert hook(api_client, quick, {"name": name})[0].json()["status"] == "pending"
    exhausted = [r for r in caplog.records if "abandoned threads still hang (GUARD_ABANDONED_MAX)" in r.message]
    assert len(exhausted) == 1 and exhausted[0].levelname == "ERROR"

    gate.set()  # the hung runs end: the state changes back, said once
    deadline = time.monotonic() + 10
    while in_request._guard_running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not in_request._guard_running
    assert "workflow hook guard: a guarded run ended" in caplog.text
