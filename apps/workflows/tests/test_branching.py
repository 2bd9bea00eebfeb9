"""A condition takes one branch and skips the other (skips propagate); a join waits for all its
active branches; an error branch catches a node's failure."""

import pytest

from .factories import edge, node, transform

pytestmark = pytest.mark.django_db


def runs(execution):
    return {run.node_id: run for run in execution.node_runs.all()}


def condition(node_id, left, operator, right):
    return node(node_id, "condition", {"rule": {"value": left, "operator": operator, "compare": right}})


def test_condition_takes_one_branch_and_skips_the_other_downstream(run_workflow):
    nodes = [
        condition("big", "{{ input.amount }}", "gte", 1_000_000),
        transform("yes", set={"path": "big"}),
        transform("yes_after", set={"after": True}),
        transform("no", set={"path": "small"}),
        transform("no_after", set={"after": True}),
    ]
    edges = [edge("big", "yes", "true"), edge("yes", "yes_after"), edge("big", "no", "false"), edge("no", "no_after")]
    execution = run_workflow(nodes, edges, input_data={"amount": 123_000})
    by_id = runs(execution)
    assert execution.status == "completed"
    assert by_id["big"].branch == "false"
    assert (by_id["no"].status, by_id["no_after"].status) == ("completed", "completed")
    assert (by_id["yes"].status, by_id["yes_after"].status) == ("skipped", "skipped")
    assert execution.output_data == {"no_after": {"amount": 123_000, "path": "small", "after": True}}


def test_and_or_not_rules(run_workflow):
    rule = {
        "and": [
            {"value": "{{ input.industry }}", "operator": "contains", "compare": "도매"},
            {
                "or": [
                    {"value": "{{ input.amount }}", "operator": "gt", "compare": "100,000"},
                    {"value": 1, "operator": "eq", "compare": 2},
                ]
            },
            {"not": {"value": "{{ input.email }}", "operator": "is_empty"}},
        ]
    }
    nodes = [node("check", "condition", {"rule": rule}), transform("yes"), transform("no")]
    edges = [edge("check", "yes", "true"), edge("check", "no", "false")]
    data = {"industry": "상품 종합 도매업", "amount": 123000, "email": "a@b.kr"}
    assert runs(run_workflow(nodes, edges, input_data=data))["check"].branch == "true"
    assert runs(run_workflow(nodes, edges, input_data={**data, "email": ""}))["check"].branch == "false"


def test_join_waits_for_all_parallel_branches(run_workflow):
    nodes = [
        transform("split"),
        transform("left", compute={"left": "record.n + 1"}),
        transform("right", compute={"right": "record.n + 2"}),
        transform("join", compute={"total": "nodes.left.output.left + nodes.right.output.right"}),
    ]
    edges = [edge("split", "left"), edge("split", "right"), edge("left", "join"), edge("right", "join")]
    execution = run_workflow(nodes, edges, input_data={"n": 10})
    by_id = runs(execution)
    assert execution.status == "completed"
    assert by_id["join"].attempt == 1
    assert by_id["join"].output == {"n": 10, "left": 11, "right": 12, "total": 23}
    assert by_id["join"].started_at >= max(by_id["left"].finished_at, by_id["right"].finished_at)


def test_join_after_a_skipped_branch_runs_on_the_active_one(run_workflow):
    nodes = [
        condition("check", "{{ input.vip }}", "is_true", None),
        transform("vip", set={"vip_path": True}),
        transform("always", set={"always": True}),
        transform("join"),
    ]
    edges = [
        edge("check", "vip", "true"),
        edge("check", "always", "false"),
        edge("vip", "join"),
        edge("always", "join"),
    ]
    execution = run_workflow(nodes, edges, input_data={"vip": False})
    by_id = runs(execution)
    assert by_id["vip"].status == "skipped"
    assert by_id["join"].status == "completed"
    assert by_id["join"].output["always"] is True and "vip_path" not in by_id["join"].output


def test_error_branch_catches_a_failure(run_workflow, fake_server, allow_loopback_webhooks):
    from .fakes import Reply

    server = fake_server(lambda r: Reply(404, {"error": "no such invoice"}))
    nodes = [
        node("call", "webhook", {"url": server.url + "/invoices", "body": {"n": 1}, "retries": 0}),
        transform("on_success", set={"ok": True}),
        transform("on_error", set={"handled": "{{ nodes.call.output.status }}"}),
    ]
    edges = [edge("call", "on_success"), edge("call", "on_error", "error")]
    execution = run_workflow(nodes, edges)
    by_id = runs(execution)
    assert execution.status == "completed"
    assert by_id["call"].status == "failed" and "answered 404" in by_id["call"].error
    assert by_id["on_success"].status == "skipped"
    assert by_id["on_error"].output["handled"] == 404


def test_failure_without_error_branch_fails_the_execution(run_workflow, fake_server, allow_loopback_webhooks):
    from .fakes import Reply

    server = fake_server(lambda r: Reply(400, {"error": "bad"}))
    nodes = [node("call", "webhook", {"url": server.url + "/x", "retries": 0}), transform("after")]
    execution = run_workflow(nodes, [edge("call", "after")])
    assert execution.status == "failed"
    assert execution.error_message.startswith('node "call" (webhook) failed: POST')
    assert "after" not in runs(execution)
