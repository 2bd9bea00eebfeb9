"""POST /api/tasks/ with a status stores that status (it used to store not_started silently)."""

import datetime

import pytest
import time_machine

from apps.clients.tests.factories import ClientFactory
from apps.tasks.models import Task
from conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/api/tasks/"


def test_created_in_progress_stays_in_progress_and_the_summary_counts_it(auth_client, user):
    client = ClientFactory(user=user)
    response = auth_client.post(URL, {"name": "견적 후속", "status": "in_progress", "client": str(client.pk)})
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "in_progress"
    assert Task.objects.get().status == Task.Status.IN_PROGRESS
    summary = auth_client.get(f"/api/clients/clients/{client.pk}/tasks/").json()["summary"]
    assert summary["in_progress_tasks"] == 1 and summary["pending_tasks"] == 0


def test_created_completed_is_stamped_and_repeats(user):
    body = {"name": "월간 보고", "status": "completed", "is_repetitive": True, "repetition_interval": 30}
    with time_machine.travel(datetime.datetime(2026, 3, 2, 1, 30, tzinfo=datetime.UTC), tick=False):
        response = client_for(user).post(URL, {**body, "due_date": "2026-03-02"})
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "completed" and created["completed_at"] == "2026-03-02T01:30:00.000000Z"
    following = Task.objects.get(pk=created["next_occurrence"])
    assert following.status == Task.Status.NOT_STARTED and following.due_date == datetime.date(2026, 4, 1)


def test_unknown_status_is_a_400_and_nothing_is_stored(auth_client):
    response = auth_client.post(URL, {"name": "견적 후속", "status": "done"})
    assert response.status_code == 400 and "status" in response.json()["fields"]
    assert not Task.objects.exists()


def test_patching_the_status_applies_it_like_change_status(auth_client):
    task_id = auth_client.post(URL, {"name": "견적 후속"}).json()["id"]
    response = auth_client.patch(f"{URL}{task_id}/", {"status": "completed"})
    assert response.status_code == 200 and response.json()["status"] == "completed"
    assert response.json()["completed_at"] is not None
