"""A node whose data or output cannot be stored as JSON fails with a clear error and fails the run;
the worker does not crash and nothing after the node runs."""

import pytest

from .factories import edge, node, transform
from .fakes import Reply

pytestmark = pytest.mark.django_db


def runs_of(execution) -> dict:
    return {run.node_id: run for run in execution.node_runs.all()}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"set": {"zone": "{{ now.tzinfo }}"}}, "ZoneInfo"),
        ({"set": {"me": "{{ self }}"}}, "TemplateReference"),
        ({"compute": {"zone": "now.tzinfo"}}, "ZoneInfo"),
        ({"set": {"ratio": "nan"}, "compute": {"ratio": "record.ratio | float"}}, "NaN"),
        ({"set": {"nul": "a{{ '\\x00' }}b"}}, "NUL"),
    ],
)
def test_transform_with_unstorable_output_fails_the_run(run_workflow, data, expected):
    nodes = [transform("shape", **data), transform("after", set={"reached": True})]
    execution = run_workflow(nodes, [edge("shape", "after")])

    runs = runs_of(execution)
    assert execution.status == "failed"
    assert runs["shape"].status == "failed"
    assert "cannot be stored" in runs["shape"].error and expected in runs["shape"].error
    assert 'node "shape" (transform) failed' in execution.error_message
    assert "after" not in runs or runs["after"].status == "skipped"


def test_unstorable_output_takes_the_error_branch_when_there_is_one(run_workflow):
    nodes = [
        transform("shape", set={"zone": "{{ now.tzinfo }}"}),
        transform("fallback", set={"handled": "{{ nodes.shape.status }}"}),
    ]
    execution = run_workflow(nodes, [edge("shape", "fallback", "error")])

    runs = runs_of(execution)
    assert execution.status == "completed", execution.error_message
    assert runs["shape"].status == "failed" and "ZoneInfo" in runs["shape"].error
    assert runs["fallback"].output == {"handled": "failed"}


def test_webhook_answer_with_a_nul_fails_the_node_not_the_worker(run_workflow, fake_server, allow_loopback_webhooks):
    server = fake_server(lambda recorded: Reply(200, b'{"name": "a\\u0000b"}'))
    nodes = [node("call", "webhook", {"url": server.url + "/crm", "retries": 0}), transform("after")]
    execution = run_workflow(nodes, [edge("call", "after")])

    call = runs_of(execution)["call"]
    assert execution.status == "failed"
    assert call.status == "failed" and "NUL" in call.error
    assert len(server.hits("/crm")) == 1
