import datetime

import pytest
import time_machine

from apps.tasks.models import Task
from apps.tasks.services import task_change_status
from apps.tasks.tests.factories import TaskFactory
from conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/api/tasks/{}/change-status/"


def test_invalid_status_is_400(auth_client, user):
    task = TaskFactory(created_by=user)
    response = auth_client.post(URL.format(task.pk), {"status": "not-finished"}, format="json")
    assert response.status_code == 400 and "status" in response.json()["fields"]
    task.refresh_from_db()
    assert task.status == Task.Status.NOT_STARTED


def test_completing_sets_completed_at_and_reopening_clears_it(user):
    task = TaskFactory(created_by=user)
    with time_machine.travel(datetime.datetime(2024, 3, 10, 6, 30, tzinfo=datetime.UTC), tick=False):
        response = client_for(user).post(URL.format(task.pk), {"status": "completed"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert response.json()["completed_at"] == "2024-03-10T06:30:00.000000Z"
    response = client_for(user).post(URL.format(task.pk), {"status": "in_progress"}, format="json")
    assert response.json()["completed_at"] is None


def test_completing_a_repetitive_task_creates_the_next_occurrence_once(auth_client, user):
    task = TaskFactory(
        created_by=user,
        due_date=datetime.date(2024, 4, 13),
        is_repetitive=True,
        repetition_interval=30,
        repetition_end_date=datetime.date(2024, 12, 31),
        workflow_data={"k": "v"},
    )
    response = auth_client.post(URL.format(task.pk), {"status": "completed"}, format="json")
    next_id = response.json()["next_occurrence"]
    assert next_id
    # Completing again (after reopening), twice: still one next occurrence.
    auth_client.post(URL.format(task.pk), {"status": "in_progress"}, format="json")
    auth_client.post(URL.format(task.pk), {"status": "completed"}, format="json")
    auth_client.post(URL.format(task.pk), {"status": "completed"}, format="json")
    assert Task.objects.count() == 2
    following = Task.objects.get(pk=next_id)
    assert following.due_date == datetime.date(2024, 5, 13)
    assert following.status == Task.Status.NOT_STARTED and following.previous_occurrence_id == task.pk
    assert following.workflow_data == {"k": "v"} and following.is_repetitive


def test_no_occurrence_after_the_end_date(user):
    task = TaskFactory(
        created_by=user,
        due_date=datetime.date(2024, 12, 15),
        is_repetitive=True,
        repetition_interval=30,
        repetition_end_date=datetime.date(2024, 12, 31),
    )
    task_change_status(task=task, status=Task.Status.COMPLETED)
    assert Task.objects.count() == 1


def test_assignee_can_change_status_stranger_gets_404(user, other_user):
    task = TaskFactory(created_by=user, assignee=other_user)
    assert client_for(other_user).post(URL.format(task.pk), {"status": "in_progress"}, format="json").status_code == 200
    from apps.accounts.tests.factories import UserFactory

    stranger = client_for(UserFactory())
    assert stranger.post(URL.format(task.pk), {"status": "completed"}, format="json").status_code == 404
    # Even a bad body: the task's existence is not revealed by a 400.
    assert stranger.post(URL.format(task.pk), {"status": "bogus"}, format="json").status_code == 404
