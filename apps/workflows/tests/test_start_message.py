"""The start of a run is published by execute_workflow_send, a cheaper path than apply_async:
it must put the very same message on the very same queue."""

import uuid

from celery.signals import before_task_publish

from apps.workflows.tasks import execute_workflow, execute_workflow_send


def published(send) -> dict:
    seen = []

    def capture(sender=None, body=None, exchange=None, routing_key=None, headers=None, properties=None, **kwargs):
        seen.append({"task": sender, "body": body, "exchange": exchange, "routing_key": routing_key,
                     "headers": dict(headers), "properties": dict(properties), "declare": kwargs.get("declare"),
                     "retry_policy": kwargs.get("retry_policy")})  # fmt: skip

    before_task_publish.connect(capture)
    try:
        send()
    finally:
        before_task_publish.disconnect(capture)
    (message,) = seen
    for key in ("id", "root_id", "published_at"):  # per message: its task id, and when it was queued
        message["headers"].pop(key)
    message["properties"].pop("correlation_id")
    return message


def test_start_message_is_the_one_apply_async_sends():
    execution_id = str(uuid.uuid4())  # no such execution: a worker that gets it finds nothing to do
    through_celery = published(lambda: execute_workflow.apply_async((execution_id,)))
    ours = published(lambda: execute_workflow_send(execution_id))
    assert ours == through_celery
    assert ours["routing_key"] == "workflows" and ours["headers"]["task"] == execute_workflow.name
    assert ours["headers"]["timelimit"] == through_celery["headers"]["timelimit"]
