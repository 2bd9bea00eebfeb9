"""The webhook node sends an Idempotency-Key header, one per run and node and the same on every
retry, so a receiver that honours it acts once however often the call is repeated."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.workflows.engine import InlineDispatcher
from apps.workflows.services import executions_sweep

from .factories import node
from .fakes import Reply

pytestmark = pytest.mark.django_db


def test_retries_carry_the_same_key_of_run_and_node(run_workflow, fake_server, allow_loopback_webhooks):
    answers = iter([Reply(503, {"error": "busy"}), Reply(200, {"invoice": "INV-1"})])
    server = fake_server(lambda recorded: next(answers))
    start = timezone.now()
    execution = run_workflow([node("issue", "webhook", {"url": server.url + "/invoices", "retry_delay_seconds": 30})])
    with time_machine.travel(start + dt.timedelta(seconds=40), tick=False):
        executions_sweep(dispatcher=InlineDispatcher())

    execution.refresh_from_db()
    assert execution.status == "completed", execution.error_message
    keys = [recorded.headers["Idempotency-Key"] for recorded in server.hits("/invoices")]
    assert keys == [f"{execution.pk}:issue"] * 2


def test_each_run_has_its_own_key(run_workflow, fake_server, allow_loopback_webhooks):
    server = fake_server()
    nodes = [node("notify", "webhook", {"url": server.url + "/hook"})]
    first, second = run_workflow(nodes), run_workflow(nodes)

    keys = [recorded.headers["Idempotency-Key"] for recorded in server.hits("/hook")]
    assert keys == [f"{first.pk}:notify", f"{second.pk}:notify"]


def test_a_key_set_in_the_node_is_kept(run_workflow, fake_server, allow_loopback_webhooks):
    server = fake_server()
    headers = {"idempotency-key": "order-{{ input.order_id }}"}
    run_workflow([node("pay", "webhook", {"url": server.url + "/pay", "headers": headers})], input_data={"order_id": 7})

    [recorded] = server.hits("/pay")
    assert recorded.headers.get("Idempotency-Key", recorded.headers.get("idempotency-key")) == "order-7"
