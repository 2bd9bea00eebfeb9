"""Workflows belong to their owner: another user's workflow answers 404."""

import pytest

from .factories import WorkflowFactory

pytestmark = pytest.mark.django_db


def test_list_shows_only_my_workflows(auth_client, user, other_user):
    mine = WorkflowFactory(user=user)
    WorkflowFactory(user=other_user)
    response = auth_client.get("/api/workflows/")
    assert response.status_code == 200
    assert [w["id"] for w in response.json()["results"]] == [str(mine.pk)]


def test_another_users_workflow_is_404(auth_client, other_user):
    theirs = WorkflowFactory(user=other_user)
    assert auth_client.get(f"/api/workflows/{theirs.pk}/").status_code == 404
    assert auth_client.post(f"/api/workflows/{theirs.pk}/execute/", {}, format="json").status_code == 404
    assert auth_client.delete(f"/api/workflows/{theirs.pk}/").status_code == 404


def test_update_and_delete(auth_client, user):
    workflow = WorkflowFactory(user=user)
    response = auth_client.patch(f"/api/workflows/{workflow.pk}/", {"name": "세금계산서"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "세금계산서"
    assert auth_client.delete(f"/api/workflows/{workflow.pk}/").status_code == 204


def test_unauthenticated_is_401(api_client):
    assert api_client.get("/api/workflows/").status_code == 401
