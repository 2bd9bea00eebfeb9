"""Through real Celery workers: a run interrupted by a database outage resumes and completes with
each e-mail/Slack/webhook node's call made once; a call whose outcome was lost with its worker is not
repeated (the node fails saying so); a webhook repeats it with the same Idempotency-Key
(test_worker_durability)."""

import datetime as dt
import threading

import psycopg
import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.workflows.services import executions_sweep, workflow_execute
from apps.workflows.tasks import CeleryDispatcher
from testing.waiting import wait_for

from .factories import WorkflowFactory, edge, node, transform
from .fakes import fake_slack_responder
from .test_worker_durability import WORKER_ENV, finished

pytestmark = pytest.mark.worker


def worker_env(slack_url: str) -> dict:
    return {**WORKER_ENV, "SLACK_API_BASE_URL": slack_url + "/api/", "SLACK_BOT_TOKEN": "xoxb-test-token"}


def slack_then_webhook(slack_url: str, hook_url: str):
    return WorkflowFactory(
        user=UserFactory(),
        nodes=[
            node("hook", "webhook_trigger"),
            node("notify", "slack", {"channel": "#sales", "text": "{{ input.company_name }} 계약", "retries": 0}),
            node("crm", "webhook", {"url": hook_url, "body": {"ts": "{{ nodes.notify.output.ts }}"}, "retries": 0}),
            transform("done", set={"ok": True}),
        ],
        edges=[edge("hook", "notify"), edge("notify", "crm"), edge("crm", "done")],
    )


def database_outage(begin: bool) -> None:
    """Refuse every new connection to the test database and drop the worker's (not this test's).
    A database cannot close itself to connections: the switch is made from the server's "postgres"."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), pg_backend_pid()")
        name, own_pid = cursor.fetchone()
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname="postgres", autocommit=True
    ) as admin:
        quoted = connection.ops.quote_name(name)
        admin.execute(f"ALTER DATABASE {quoted} ALLOW_CONNECTIONS {'false' if begin else 'true'}")
        if begin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                [name, own_pid],
            )


def test_database_outage_mid_run_resumes_and_calls_each_receiver_once(celery_worker_factory, fake_server):
    posting, release = threading.Event(), threading.Event()

    def slack(recorded):
        posting.set()
        release.wait(30)  # the database goes away while Slack is taking the post
        return fake_slack_responder(recorded)

    slack_server, crm = fake_server(slack), fake_server()
    workflow = slack_then_webhook(slack_server.url, crm.url + "/deals")
    worker = celery_worker_factory(queues="workflows", extra_env=worker_env(slack_server.url))
    execution = workflow_execute(workflow=workflow, input_data={"company_name": "한빛상사"})
    wait_for(posting.is_set, what="the worker to post to Slack")

    database_outage(begin=True)
    try:
        release.set()
        wait_for(lambda: "cannot record the outcome of notify" in worker.log_path.read_text(), what="a failed write")
    finally:
        database_outage(begin=False)
    wait_for(lambda: finished(execution.pk), what="the run to finish")

    execution.refresh_from_db()
    runs = {run.node_id: run for run in execution.node_runs.all()}
    assert execution.status == "completed", execution.error_message
    assert len(slack_server.requests) == 1 and len(crm.hits("/deals")) == 1
    assert (runs["notify"].status, runs["notify"].attempt) == ("completed", 1)
    assert runs["notify"].effect_started_at is None
    assert crm.hits("/deals")[0].json() == {"ts": "1712345678.000100"}
    assert runs["done"].status == "completed"


def test_slack_post_whose_worker_died_is_not_posted_again(celery_worker_factory, fake_server):
    release = threading.Event()

    def slack(recorded):
        release.wait(30)  # the worker dies while Slack is taking the post
        return fake_slack_responder(recorded)

    slack_server, crm = fake_server(slack), fake_server()
    workflow = slack_then_webhook(slack_server.url, crm.url + "/deals")
    worker = celery_worker_factory(queues="workflows", extra_env=worker_env(slack_server.url))
    execution = workflow_execute(workflow=workflow, input_data={"company_name": "한빛상사"})
    wait_for(lambda: slack_server.requests, what="the worker to post to Slack")
    worker.kill()
    release.set()

    celery_worker_factory(queues="workflows", extra_env=worker_env(slack_server.url))
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10), tick=False):
        assert executions_sweep(dispatcher=CeleryDispatcher())["taken_over"] == 1
    wait_for(lambda: finished(execution.pk), what="the run to finish")

    execution.refresh_from_db()
    notify = execution.node_runs.get(node_id="notify")
    assert len(slack_server.requests) == 1  # Slack may have posted it: not posted a second time
    assert not crm.requests
    assert execution.status == "failed"
    assert notify.status == "failed" and notify.error.startswith("outcome unknown: an attempt started at ")
    assert "not repeated" in execution.error_message
