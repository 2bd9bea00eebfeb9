"""Pure nodes (transform, condition, triggers) run in the runner that finished the node before them:
a fan-out into pure branches sends nothing to the broker, yet every node run is stored, in order,
and a failure inside such a chain is recorded as in any other run. Runs the real Celery dispatcher
against the real broker (Redis) in this process; the queue shows what it sent to other workers."""

import itertools

import pytest
import redis
from django.conf import settings
from django.db import transaction

from apps.workflows.engine import execution_advance
from apps.workflows.services import workflow_execute
from apps.workflows.tasks import CeleryDispatcher

from .factories import WorkflowFactory, edge, node, transform

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(*settings.CELERY_TASK_QUEUES_ALL)
    yield client
    client.delete(*settings.CELERY_TASK_QUEUES_ALL)


def queued_workflow_messages(client) -> int:
    return sum(client.llen(key) for key in client.scan_iter(match="workflows*"))


def run_with_celery_dispatcher(workflow, input_data):
    with transaction.atomic():
        execution = workflow_execute(workflow=workflow, input_data=input_data, queue=False)
    execution_advance(execution.pk, dispatcher=CeleryDispatcher())
    execution.refresh_from_db()
    return execution


FAN_OUT_EDGES = [
    edge("hook", "prep"),
    edge("prep", "left"),
    edge("prep", "right"),
    edge("left", "join"),
    edge("right", "join"),
]


def test_pure_fan_out_completes_in_one_runner_with_every_node_run_stored_in_order(user, broker):
    workflow = WorkflowFactory(
        user=user,
        nodes=[
            node("hook", "webhook_trigger"),
            transform("prep", compute={"vat": "input.amount // 10"}),
            transform("left", compute={"left": "record.vat * 2"}),
            transform("right", compute={"right": "record.vat * 3"}),
            transform("join", compute={"total": "nodes.left.output.left + nodes.right.output.right"}),
        ],
        edges=FAN_OUT_EDGES,
    )
    execution = run_with_celery_dispatcher(workflow, {"amount": 1000})

    assert execution.status == "completed", execution.error_message
    assert execution.output_data["join"]["total"] == 500
    assert queued_workflow_messages(broker) == 0  # no branch went through the broker
    runs = list(execution.node_runs.order_by("started_at", "id"))
    assert [(r.node_id, r.status, r.attempt) for r in runs] == [
        ("hook", "completed", 1),
        ("prep", "completed", 1),
        ("left", "completed", 1),
        ("right", "completed", 1),
        ("join", "completed", 1),
    ]
    assert all(r.started_at <= r.finished_at for r in runs)
    assert all(a.finished_at <= b.started_at for a, b in itertools.pairwise(runs))


def test_branch_with_a_side_effect_still_goes_to_another_worker(user, broker):
    workflow = WorkflowFactory(
        user=user,
        nodes=[
            node("hook", "webhook_trigger"),
            transform("prep", set={"n": 1}),
            transform("left", set={"side": "left"}),
            node("right", "webhook", {"url": "https://receiver.invalid/right", "retries": 0}),
            transform("join", set={"done": True}),
        ],
        edges=FAN_OUT_EDGES,
    )
    execution = run_with_celery_dispatcher(workflow, {})

    # The pure branch ran here; the webhook's branch is claimed and waits in the queue for a worker.
    assert execution.status == "running"
    assert queued_workflow_messages(broker) == 1
    runs = {r.node_id: r.status for r in execution.node_runs.all()}
    assert runs == {"hook": "completed", "prep": "completed", "left": "completed", "right": "running"}


def test_failure_in_the_middle_of_a_pure_chain_is_recorded(user, broker):
    workflow = WorkflowFactory(
        user=user,
        nodes=[
            node("hook", "webhook_trigger"),
            transform("prep", set={"n": 1}),
            transform("left", compute={"ratio": "record.n // input.zero"}),
            transform("right", set={"side": "right"}),
            transform("join", set={"done": True}),
        ],
        edges=FAN_OUT_EDGES,
    )
    execution = run_with_celery_dispatcher(workflow, {"zero": 0})

    assert execution.status == "failed"
    assert execution.error_message.startswith('node "left" (transform) failed: compute ratio:')
    assert queued_workflow_messages(broker) == 0
    runs = {r.node_id: r for r in execution.node_runs.all()}
    assert (runs["hook"].status, runs["prep"].status) == ("completed", "completed")
    assert runs["left"].status == "failed" and runs["left"].error.startswith("compute ratio:")
    assert "join" not in runs or runs["join"].status != "completed"
