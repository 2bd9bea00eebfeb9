"""Saving a workflow validates its graph; each error names the node or edge at fault (400)."""

import pytest

from .factories import edge, node, transform

pytestmark = pytest.mark.django_db


def post(client, nodes, edges):
    # The assertions read the English messages.
    return client.post(
        "/api/workflows/", {"name": "검증", "nodes": nodes, "edges": edges}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )


def test_cycle_is_refused_naming_its_nodes(auth_client):
    nodes = [transform("a"), transform("b"), transform("c")]
    response = post(auth_client, nodes, [edge("a", "b"), edge("b", "c"), edge("c", "a")])
    assert response.status_code == 400
    message = response.json()["fields"]["edges"][0]
    assert "cycle" in message and '"a"' in message and '"b"' in message and '"c"' in message


def test_unknown_node_type_is_refused(auth_client):
    response = post(auth_client, [node("fax", "fax_machine", {})], [])
    assert response.status_code == 400
    assert response.json()["fields"]["nodes"] == ["node \"fax\": unknown node type 'fax_machine'."]


def test_schema_invalid_data_names_the_node_and_field(auth_client):
    response = post(auth_client, [node("mail", "email", {"subject": "안녕하세요", "body": "x"})], [])
    assert response.status_code == 400
    assert response.json()["fields"]["nodes"] == ["node \"mail\" (email): 'to' is a required property"]


def test_wrong_type_inside_data_names_the_path(auth_client):
    response = post(auth_client, [node("wait", "delay", {"amount": "soon"})], [])
    assert response.status_code == 400
    assert any('node "wait" (delay)' in m and "amount" in m for m in response.json()["fields"]["nodes"])


def test_dangling_edge_is_refused(auth_client):
    response = post(auth_client, [transform("a")], [edge("a", "ghost")])
    assert response.status_code == 400
    assert response.json()["fields"]["edges"] == [
        "edge \"a->ghost:main\": target 'ghost' is not a node of this workflow."
    ]


def test_duplicate_node_ids_are_refused(auth_client):
    response = post(auth_client, [transform("a"), transform("a")], [])
    assert response.status_code == 400
    assert response.json()["fields"]["nodes"] == ['node "a": duplicate id.']


def test_condition_edges_must_use_true_false_or_error(auth_client):
    nodes = [node("check", "condition", {"rule": {"value": 1, "operator": "eq", "compare": 1}}), transform("next")]
    response = post(auth_client, nodes, [edge("check", "next", "maybe")])
    assert response.status_code == 400
    assert "node \"check\" (condition) has no output 'maybe'" in response.json()["fields"]["edges"][0]


def test_trigger_cannot_have_incoming_edges(auth_client):
    response = post(auth_client, [transform("a"), node("hook", "webhook_trigger")], [edge("a", "hook")])
    assert response.status_code == 400
    assert 'node "hook" is a trigger' in response.json()["fields"]["edges"][0]


def test_template_syntax_error_is_reported_on_save(auth_client):
    response = post(auth_client, [transform("a", set={"x": "{{ input.name "})], [])
    assert response.status_code == 400
    assert response.json()["fields"]["nodes"][0].startswith('node "a" (transform): invalid template')


def test_bad_compute_expression_is_reported_on_save(auth_client):
    response = post(auth_client, [transform("a", compute={"x": "record.amount *"})], [])
    assert response.status_code == 400
    assert 'node "a" (transform): compute/x: invalid expression' in response.json()["fields"]["nodes"][0]


def test_invalid_update_changes_nothing(auth_client, user):
    from .factories import WorkflowFactory

    workflow = WorkflowFactory(user=user)
    response = auth_client.patch(
        f"/api/workflows/{workflow.pk}/", {"nodes": [node("x", "nope")], "name": "바뀜"}, format="json"
    )
    assert response.status_code == 400
    workflow.refresh_from_db()
    assert workflow.name != "바뀜" and workflow.nodes[0]["type"] == "transform"


def test_valid_graph_is_saved(auth_client):
    nodes = [
        node("hook", "webhook_trigger"),
        node("check", "condition", {"rule": {"value": "{{ input.amount }}", "operator": "gt", "compare": 10}}),
        transform("big"),
        transform("small"),
    ]
    edges = [edge("hook", "check"), edge("check", "big", "true"), edge("check", "small", "false")]
    response = post(auth_client, nodes, edges)
    assert response.status_code == 201, response.json()
    assert response.json()["is_active"] is False
    assert response.json()["webhook_url"].endswith("/")
