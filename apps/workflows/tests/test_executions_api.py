"""GET /api/workflow-executions/ and its detail with node logs, scoped to the owner."""

import pytest

from .factories import edge, transform

pytestmark = pytest.mark.django_db


def test_detail_shows_node_logs(auth_client, run_workflow):
    execution = run_workflow([transform("a", set={"x": 1}), transform("b")], [edge("a", "b")], input_data={"k": "v"})
    response = auth_client.get(f"/api/workflow-executions/{execution.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "completed" and body["input_data"] == {"k": "v"}
    assert [(r["node_id"], r["status"], r["attempt"]) for r in body["node_runs"]] == [
        ("a", "completed", 1),
        ("b", "completed", 1),
    ]
    assert body["node_runs"][1]["output"] == {"k": "v", "x": 1}
    assert body["node_runs"][0]["started_at"].endswith("Z")


def test_list_is_scoped_and_filterable(auth_client, other_client, run_workflow):
    execution = run_workflow([transform("a")])
    response = auth_client.get(
        "/api/workflow-executions/", {"workflow": str(execution.workflow_id), "status": "completed"}
    )
    assert [e["id"] for e in response.json()["results"]] == [str(execution.pk)]
    assert "node_runs" not in response.json()["results"][0]
    assert other_client.get("/api/workflow-executions/").json()["count"] == 0
    assert other_client.get(f"/api/workflow-executions/{execution.pk}/").status_code == 404
