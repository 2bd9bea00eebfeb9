import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group

from apps.accounts.tests.factories import UserFactory
from apps.clients.tests.factories import ClientFactory
from apps.tasks.models import Task
from apps.tasks.tests.factories import TaskFactory
from apps.workflows.models import Workflow
from conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/api/tasks/"


def test_create_task_defaults_assignee_to_me(auth_client, user):
    client = ClientFactory(user=user)
    response = auth_client.post(
        URL,
        {"name": "세금계산서 발행", "body": "3월분", "due_date": "2024-04-13", "client": str(client.pk)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["assignee"] == {"id": str(user.pk), "email": user.email}
    assert body["created_by"] == {"id": str(user.pk), "email": user.email}
    assert body["status"] == "not_started" and body["client"] == str(client.pk)
    assert body["workflow_executions"] == [] and body["next_occurrence"] is None


def test_assign_to_a_colleague(auth_client, user):
    colleague = UserFactory()
    Group.objects.create(name="영업1팀").user_set.add(user, colleague)
    response = auth_client.post(URL, {"name": "통화", "assignee_id": str(colleague.pk)}, format="json")
    assert response.status_code == 201
    assert Task.objects.get().assignee == colleague


def test_task_for_another_users_client_is_400(auth_client):
    response = auth_client.post(URL, {"name": "x", "client": str(ClientFactory().pk)}, format="json")
    assert response.status_code == 400 and "client" in response.json()["fields"]
    assert not Task.objects.exists()


def test_repetitive_task_needs_interval_and_due_date(auth_client):
    response = auth_client.post(URL, {"name": "x", "is_repetitive": True}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"repetition_interval", "due_date"}


def test_repetition_end_before_due_is_400(auth_client):
    response = auth_client.post(
        URL,
        {
            "name": "x",
            "is_repetitive": True,
            "repetition_interval": 30,
            "due_date": "2024-04-13",
            "repetition_end_date": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 400 and "repetition_end_date" in response.json()["fields"]


def test_workflow_ids_must_be_my_workflows(auth_client, user):
    mine = Workflow.objects.create(name="mine", user=user)
    foreign = Workflow.objects.create(name="foreign", user=UserFactory())
    response = auth_client.post(URL, {"name": "x", "workflow_ids": [str(mine.pk), str(foreign.pk)]}, format="json")
    assert response.status_code == 400 and str(foreign.pk) in response.json()["fields"]["workflow_ids"][0]
    response = auth_client.post(URL, {"name": "x", "workflow_ids": [str(mine.pk), str(mine.pk)]}, format="json")
    assert response.status_code == 201 and response.json()["workflow_ids"] == [str(mine.pk)]


def test_visible_to_assignee_and_creator_only(user):
    creator, assignee, stranger = user, UserFactory(), UserFactory()
    task = TaskFactory(created_by=creator, assignee=assignee)
    for someone in (creator, assignee):
        assert client_for(someone).get(f"{URL}{task.pk}/").status_code == 200
        assert client_for(someone).get(URL).json()["count"] == 1
    assert client_for(stranger).get(f"{URL}{task.pk}/").status_code == 404
    assert client_for(stranger).get(URL).json()["count"] == 0
    assert client_for(stranger).delete(f"{URL}{task.pk}/").status_code == 404


def test_update_and_delete(auth_client, user):
    task = TaskFactory(created_by=user)
    response = auth_client.patch(f"{URL}{task.pk}/", {"name": "세금계산서 재발행"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "세금계산서 재발행"
    assert auth_client.patch(f"{URL}{task.pk}/", {"name": ""}, format="json").status_code == 400
    assert auth_client.delete(f"{URL}{task.pk}/").status_code == 204
    assert not Task.objects.exists()


def test_filters(user):
    client = ClientFactory(user=user)
    colleague = UserFactory()
    overdue = TaskFactory(created_by=user, due_date=datetime.date(2024, 3, 1), client=client)
    upcoming = TaskFactory(created_by=user, due_date=datetime.date(2024, 3, 25), assignee=colleague)
    TaskFactory(created_by=user, due_date=datetime.date(2024, 2, 1), status=Task.Status.COMPLETED)
    with time_machine.travel(datetime.datetime(2024, 3, 20, 3, tzinfo=datetime.UTC), tick=False):
        api = client_for(user)

        def ids(**params):
            return {t["id"] for t in api.get(URL, params).json()["results"]}

        assert ids(overdue="true") == {str(overdue.pk)}
        assert len(ids(overdue="false")) == 2
        assert ids(client=str(client.pk)) == {str(overdue.pk)}
        assert ids(assignee=str(colleague.pk)) == {str(upcoming.pk)}
        assert ids(due_date_after="2024-03-02", due_date_before="2024-03-31") == {str(upcoming.pk)}
        assert len(ids(status="not_started")) == 2
        assert api.get(URL, {"status": "done"}).status_code == 400
