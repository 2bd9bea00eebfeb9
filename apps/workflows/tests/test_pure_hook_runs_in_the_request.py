"""A hooked workflow without side effects (trigger, transforms, conditions) runs in the webhook
request: the answer says completed (or failed), every node run is stored, and nothing goes to the
broker. A workflow with a side effect, or one that must wait, is queued as before; an edit, a
deactivation or a rotated secret takes effect at once although each web process remembers the
workflow it last ran."""

import pytest

from apps.workflows.engine.registry import registry
from apps.workflows.models import NodeRun, WorkflowExecution
from apps.workflows.nodes.base import Node, NodeError

from .factories import WorkflowFactory, edge, node, transform

pytestmark = pytest.mark.django_db


def fan_out_nodes():
    return [
        node("hook", "webhook_trigger"),
        transform("prep", compute={"vat": "input.amount // 10"}),
        node("big", "condition", {"rule": {"value": "{{ upstream.vat }}", "operator": "gt", "compare": 100}}),
        transform("left", compute={"left": "record.vat * 2"}),
        transform("right", compute={"right": "record.vat * 3"}),
        transform("join", compute={"total": "nodes.left.output.left + nodes.right.output.right"}),
    ]


def fan_out_edges():
    return [
        edge("hook", "prep"),
        edge("prep", "big"),
        edge("prep", "left"),
        edge("prep", "right"),
        edge("left", "join"),
        edge("right", "join"),
    ]


@pytest.fixture
def pure(user):
    return WorkflowFactory(user=user, nodes=fan_out_nodes(), edges=fan_out_edges())


def hook(api_client, workflow, body, secret=None):
    return api_client.post(
        f"/api/workflows/{workflow.pk}/hooks/{secret or workflow.webhook_secret}/", body, format="json"
    )


def test_pure_workflow_is_stored_finished_and_nothing_is_queued(api_client, pure, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = hook(api_client, pure, {"amount": 12345})
    assert response.status_code == 202
    assert queued == []
    execution = WorkflowExecution.objects.get(pk=response.json()["execution_id"])
    assert response.json()["status"] == execution.status == "completed"
    assert execution.trigger == "webhook" and execution.input_data == {"amount": 12345}
    assert execution.started_at and execution.completed_at and execution.completed_at >= execution.started_at
    assert execution.output_data == {
        "big": {"amount": 12345, "vat": 1234},
        "join": {"amount": 12345, "vat": 1234, "left": 2468, "right": 3702, "total": 6170},
    }
    assert execution.graph["nodes"] == pure.nodes and execution.graph["edges"] == pure.edges
    runs = {run.node_id: run for run in execution.node_runs.all()}
    assert set(runs) == {"hook", "prep", "big", "left", "right", "join"}
    assert all(run.status == "completed" and run.attempt == 1 and run.finished_at for run in runs.values())
    assert runs["big"].branch == "true" and runs["hook"].output == {"amount": 12345}


def test_failed_pure_node_fails_the_run_in_the_request(api_client, user):
    workflow = WorkflowFactory(
        user=user,
        nodes=[node("hook", "webhook_trigger"), transform("divide", compute={"x": "input.amount // 0"})],
        edges=[edge("hook", "divide")],
    )
    response = hook(api_client, workflow, {"amount": 1})
    assert response.status_code == 202 and response.json()["status"] == "failed"
    execution = WorkflowExecution.objects.get()
    assert execution.status == "failed" and 'node "divide" (transform) failed' in execution.error_message
    assert NodeRun.objects.get(node_id="divide").status == "failed"
    assert NodeRun.objects.get(node_id="hook").status == "completed"


def test_workflow_with_a_side_effect_is_queued(api_client, user, django_capture_on_commit_callbacks):
    workflow = WorkflowFactory(
        user=user,
        nodes=[node("hook", "webhook_trigger"), node("wait", "delay", {"amount": 1, "unit": "minutes"})],
        edges=[edge("hook", "wait")],
    )
    with django_capture_on_commit_callbacks() as queued:
        response = hook(api_client, workflow, {"a": 1})
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert len(queued) == 1
    assert WorkflowExecution.objects.get().status == "pending" and not NodeRun.objects.exists()


def test_setting_zero_queues_every_run(api_client, pure, settings, django_capture_on_commit_callbacks):
    settings.WORKFLOW_HOOK_INLINE_MAX_NODES = 0
    with django_capture_on_commit_callbacks() as queued:
        response = hook(api_client, pure, {"amount": 1})
    assert response.json()["status"] == "pending" and len(queued) == 1


def test_pure_run_over_the_time_budget_is_queued_with_nothing_written(api_client, pure, settings):
    """A web thread is not the place for a long run (many nodes, slow expressions): past the budget the
    run is given up before any write and queued; the hook answers pending at once."""
    settings.WORKFLOW_HOOK_INLINE_BUDGET_MS = 0
    assert hook(api_client, pure, {"amount": 1}).json()["status"] == "pending"
    assert WorkflowExecution.objects.get().status == "pending" and not NodeRun.objects.exists()


def test_larger_pure_workflow_than_the_setting_is_queued(api_client, pure, settings):
    settings.WORKFLOW_HOOK_INLINE_MAX_NODES = 5  # it has 6
    assert hook(api_client, pure, {"amount": 1}).json()["status"] == "pending"


@pytest.fixture
def flaky_node():
    class FlakyNode(Node):
        type = "test_flaky"
        label = "Flaky"
        category = "data"
        side_effects = False
        default_retries = 1
        default_retry_delay_seconds = 30

        def run(self, call):
            raise NodeError("not yet", retryable=True)

    registry.register(FlakyNode)
    yield FlakyNode
    registry._types.pop(FlakyNode.type)
    registry._validators.pop(FlakyNode.type)


def test_pure_node_that_must_wait_for_a_retry_is_queued_with_nothing_written(
    api_client, user, flaky_node, django_capture_on_commit_callbacks
):
    workflow = WorkflowFactory(
        user=user, nodes=[node("hook", "webhook_trigger"), node("flaky", "test_flaky")], edges=[edge("hook", "flaky")]
    )
    with django_capture_on_commit_callbacks() as queued:
        response = hook(api_client, workflow, {"a": 1})
    assert response.json()["status"] == "pending" and len(queued) == 1
    assert WorkflowExecution.objects.get().status == "pending" and not NodeRun.objects.exists()


def test_edit_takes_effect_on_the_next_hook(api_client, auth_client, pure):
    assert hook(api_client, pure, {"amount": 1000}).json()["status"] == "completed"
    nodes = fan_out_nodes()
    nodes[1] = transform("prep", compute={"vat": "input.amount // 100"})
    assert auth_client.patch(f"/api/workflows/{pure.pk}/", {"nodes": nodes}, format="json").status_code == 200
    response = hook(api_client, pure, {"amount": 1000})
    execution = WorkflowExecution.objects.get(pk=response.json()["execution_id"])
    assert execution.output_data["join"]["vat"] == 10
    assert execution.graph["nodes"][1]["data"]["compute"]["vat"] == "input.amount // 100"


def test_edit_that_adds_a_side_effect_queues_the_next_hook(api_client, auth_client, pure):
    assert hook(api_client, pure, {"amount": 1000}).json()["status"] == "completed"
    nodes = [*fan_out_nodes(), node("wait", "delay", {"amount": 1, "unit": "minutes"})]
    edges = [*fan_out_edges(), edge("join", "wait")]
    response = auth_client.patch(f"/api/workflows/{pure.pk}/", {"nodes": nodes, "edges": edges}, format="json")
    assert response.status_code == 200
    assert hook(api_client, pure, {"amount": 1000}).json()["status"] == "pending"


def test_rotated_secret_and_deactivation_apply_to_a_remembered_workflow(api_client, auth_client, pure):
    old = pure.webhook_secret
    assert hook(api_client, pure, {"amount": 1}).status_code == 202
    assert auth_client.post(f"/api/workflows/{pure.pk}/rotate-secret/").status_code == 200
    assert hook(api_client, pure, {"amount": 1}, secret=old).status_code == 404
    pure.refresh_from_db()
    assert hook(api_client, pure, {"amount": 1}).status_code == 202
    assert auth_client.post(f"/api/workflows/{pure.pk}/deactivate/").status_code == 200
    assert hook(api_client, pure, {"amount": 1}).status_code == 409
    assert WorkflowExecution.objects.count() == 2
