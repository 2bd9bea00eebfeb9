"""The outbound webhook node against a fake server on 127.0.0.1: method, headers, templated JSON body,
the response in the output, and a timeout."""

import threading

import pytest

from .factories import edge, node, transform
from .fakes import Reply

pytestmark = pytest.mark.django_db


def test_posts_templated_json_and_returns_status_and_body(run_workflow, fake_server, allow_loopback_webhooks):
    server = fake_server(lambda r: Reply(201, {"invoice_id": "INV-2025-0413"}))
    nodes = [
        node(
            "call",
            "webhook",
            {
                "method": "PUT",
                "url": server.url + "/invoices/{{ input.product }}",
                "headers": {"X-Product": "{{ input.product }}", "Authorization": "Bearer abc"},
                "body": {
                    "amount": "{{ input.amount }}",
                    "company": "{{ input.company_name }}",
                    "fixed": [1, "{{ input.currency }}"],
                },
            },
        ),
        transform(
            "after", set={"id": "{{ nodes.call.output.body.invoice_id }}", "code": "{{ nodes.call.output.status }}"}
        ),
    ]
    execution = run_workflow(
        nodes,
        [edge("call", "after")],
        input_data={"product": 231, "amount": 123000, "currency": "krw", "company_name": "제로"},
    )
    assert execution.status == "completed", execution.error_message
    [request] = server.requests
    assert request.method == "PUT" and request.path == "/invoices/231"
    assert request.headers["X-Product"] == "231"
    assert request.headers["Authorization"] == "Bearer abc"
    assert request.json() == {"amount": 123000, "company": "제로", "fixed": [1, "krw"]}
    assert execution.output_data["after"]["id"] == "INV-2025-0413"
    assert execution.output_data["after"]["code"] == 201


def test_timeout_fails_the_node(run_workflow, fake_server, allow_loopback_webhooks):
    release = threading.Event()

    def slow(recorded):
        release.wait(5)
        return Reply()

    server = fake_server(slow)
    try:
        execution = run_workflow([node("call", "webhook", {"url": server.url + "/slow", "timeout": 0.2, "retries": 0})])
    finally:
        release.set()
    assert execution.status == "failed"
    assert "timed out after 0.2 s" in execution.node_runs.get().error


def test_error_status_can_be_accepted(run_workflow, fake_server, allow_loopback_webhooks):
    server = fake_server(lambda r: Reply(404, {"found": False}))
    execution = run_workflow(
        [node("call", "webhook", {"method": "GET", "url": server.url + "/x", "fail_on_error_status": False})]
    )
    assert execution.status == "completed"
    assert execution.output_data["call"]["status"] == 404
    assert execution.output_data["call"]["body"] == {"found": False}


def test_non_latin1_header_fails_clearly(run_workflow, fake_server, allow_loopback_webhooks):
    server = fake_server()
    execution = run_workflow(
        [node("call", "webhook", {"url": server.url, "headers": {"X-Name": "{{ input.name }}"}})],
        input_data={"name": "제로"},
    )
    assert "HTTP headers carry only Latin-1 text" in execution.node_runs.get().error
    assert server.requests == []
