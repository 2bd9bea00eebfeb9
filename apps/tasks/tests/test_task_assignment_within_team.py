"""Tasks go to oneself or to someone on a shared team (Django group); the creator decides who and
what, the assignee works the task."""

import pytest
from django.contrib.auth.models import Group

from apps.accounts.tests.factories import UserFactory
from apps.tasks.models import Task
from apps.tasks.tests.factories import TaskFactory
from conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/api/tasks/"


@pytest.fixture
def team(user):
    teammate = UserFactory()
    Group.objects.create(name="영업1팀").user_set.add(user, teammate)
    return teammate


def test_a_user_outside_my_teams_cannot_be_assigned(auth_client, user, team):
    outsider = UserFactory()
    Group.objects.create(name="영업2팀").user_set.add(outsider)
    response = auth_client.post(URL, {"name": "통화", "assignee_id": str(outsider.pk)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "not on any of your teams" in response.json()["fields"]["assignee_id"][0]
    assert not Task.objects.exists()


def test_a_teammate_or_myself_can_be_assigned(auth_client, user, team):
    assert auth_client.post(URL, {"name": "통화", "assignee_id": str(team.pk)}).status_code == 201
    assert auth_client.post(URL, {"name": "메모", "assignee_id": str(user.pk)}).status_code == 201
    assert sorted(Task.objects.values_list("assignee__email", flat=True)) == sorted([team.email, user.email])


def test_reassigning_outside_the_team_is_400_and_changes_nothing(auth_client, user, team):
    task = TaskFactory(created_by=user, assignee=team)
    response = auth_client.patch(f"{URL}{task.pk}/", {"assignee_id": str(UserFactory().pk), "name": "새 이름"})
    assert response.status_code == 400 and "assignee_id" in response.json()["fields"]
    task.refresh_from_db()
    assert task.assignee == team and task.name == "세금계산서 발행"


def test_the_assignee_works_the_task_but_cannot_change_the_creators_choices(user, team):
    task = TaskFactory(created_by=user, assignee=team, workflow_data={"x": 1})
    assignee = client_for(team)
    assert assignee.patch(f"{URL}{task.pk}/", {"status": "in_progress", "body": "통화 완료"}).status_code == 200
    for change in ({"assignee_may_run_workflows": True}, {"workflow_data": {"x": 2}}, {"assignee_id": str(user.pk)}):
        refused = assignee.patch(f"{URL}{task.pk}/", change, HTTP_ACCEPT_LANGUAGE="en")
        assert refused.status_code == 403, change
        assert "Only the task's creator" in refused.json()["detail"]
    assert assignee.delete(f"{URL}{task.pk}/").status_code == 403
    task.refresh_from_db()
    assert (task.status, task.body, task.assignee, task.workflow_data) == ("in_progress", "통화 완료", team, {"x": 1})
    assert not task.assignee_may_run_workflows


def test_the_assignee_can_put_back_what_he_read(user, team):
    task = TaskFactory(created_by=user, assignee=team)
    assignee = client_for(team)
    body = assignee.get(f"{URL}{task.pk}/").json()
    body = {key: value for key, value in body.items() if value is not None}
    response = assignee.put(f"{URL}{task.pk}/", {**body, "assignee_id": str(team.pk), "name": "바뀐 이름"})
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "바뀐 이름"
