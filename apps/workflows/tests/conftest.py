import pytest
from django.db import transaction

from apps.workflows.engine import execution_run_inline
from apps.workflows.services import workflow_execute

from .factories import WorkflowFactory
from .fakes import FakeServer, fake_slack_responder


@pytest.fixture
def fake_server():
    servers = []

    def start(responder=None) -> FakeServer:
        server = FakeServer(responder)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def fake_slack(settings, fake_server):
    server = fake_server(fake_slack_responder)
    settings.SLACK_API_BASE_URL = server.url + "/api/"
    settings.SLACK_BOT_TOKEN = "xoxb-test-token"
    return server


@pytest.fixture
def allow_loopback_webhooks(settings):
    settings.WORKFLOW_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def run_workflow(user):
    """Create an active workflow of ``user`` from nodes/edges and run one execution in this process."""

    def run(nodes, edges=(), input_data=None, **fields):
        workflow = WorkflowFactory(user=fields.pop("owner", user), nodes=list(nodes), edges=list(edges), **fields)
        with transaction.atomic():
            execution = workflow_execute(workflow=workflow, input_data=input_data or {})
        return execution_run_inline(execution.pk)

    return run
