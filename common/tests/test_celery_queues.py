"""A plain `celery -A celery_app worker` consumes every queue the project routes tasks to; `-Q` narrows it."""

import pytest
from django.conf import settings

from celery_app import app
from common.tasks import ping


def test_every_routed_queue_is_declared():
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    declared = {queue.name for queue in app.conf.task_queues}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} <= declared


@pytest.mark.worker
def test_plain_worker_runs_tasks_of_every_routed_queue(celery_worker_factory):
    celery_worker_factory(queues=None)
    # A campaign task is routed to "campaigns": the route the producer picks is the queue the worker takes.
    assert app.amqp.router.route({}, "apps.campaigns.tasks.send_campaign_chunk")["queue"].name == "campaigns"
    for queue in sorted({route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}):
        assert ping.apply_async(args=[queue], queue=queue).get(timeout=30) == queue


@pytest.mark.worker
def test_health_names_the_queues_a_narrowed_worker_leaves_unconsumed(celery_worker_factory, api_client):
    celery_worker_factory(queues="default,transactional")
    body = api_client.get("/api/health/").json()
    assert body["status"] == "degraded"
    assert body["queues"]["default"] == 1 and body["queues"]["transactional"] == 1
    assert body["queues_without_consumer"] == ["campaigns", "tracking", "workflows", "imports"]
