import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.clients.tests.factories import ClientFactory
from apps.tasks.models import Task
from apps.tasks.tests.factories import TaskFactory
from apps.workflows.models import Workflow, WorkflowExecution
from conftest import client_for

pytestmark = pytest.mark.django_db
# 2024-03-20 00:30 in Seoul is still 2024-03-19 in UTC: "today" must be the Seoul date.
NOW = datetime.datetime(2024, 3, 19, 15, 30, tzinfo=datetime.UTC)


def spec_tasks(user, client):
    workflow = Workflow.objects.create(name="세금계산서 자동 발행", user=user)
    invoice = TaskFactory(
        created_by=user,
        client=client,
        name="세금계산서 발행",
        workflow_ids=[workflow.pk],
        workflow_data={str(workflow.pk): {"product": 231, "amount": 123000, "currency": "krw"}},
        due_date=datetime.date(2024, 4, 13),
        is_repetitive=True,
        repetition_interval=30,
        repetition_end_date=datetime.date(2024, 12, 31),
    )
    execution = WorkflowExecution.objects.create(
        workflow=workflow, task=invoice, status=WorkflowExecution.Status.COMPLETED, started_at=NOW, completed_at=NOW
    )
    review = TaskFactory(
        created_by=user,
        client=client,
        name="월간 리뷰 미팅",
        due_date=datetime.date(2024, 3, 25),
        status=Task.Status.IN_PROGRESS,
    )
    contract = TaskFactory(
        created_by=user,
        client=client,
        name="계약서 검토",
        due_date=datetime.date(2024, 3, 10),
        status=Task.Status.COMPLETED,
        completed_at=datetime.datetime(2024, 3, 10, 6, 30, tzinfo=datetime.UTC),
    )
    return invoice, execution, review, contract


def test_tasks_grouped_with_summary_at_a_fixed_time(user):
    client = ClientFactory(user=user)
    _invoice, execution, review, contract = spec_tasks(user, client)
    overdue = TaskFactory(created_by=user, client=client, name="견적서 회신", due_date=datetime.date(2024, 3, 19))
    due_today = TaskFactory(created_by=user, client=client, name="오늘 마감", due_date=datetime.date(2024, 3, 20))
    TaskFactory(created_by=user, client=client, name="기한 없음", due_date=None)
    TaskFactory(created_by=user, name="다른 고객 업무", due_date=datetime.date(2024, 3, 1))  # not this client

    with time_machine.travel(NOW, tick=False):
        response = client_for(user).get(f"/api/clients/clients/{client.pk}/tasks/")
    assert response.status_code == 200
    body = response.json()
    assert [t["name"] for t in body["tasks"]["pending"]] == ["견적서 회신", "오늘 마감", "세금계산서 발행", "기한 없음"]
    assert [t["id"] for t in body["tasks"]["in_progress"]] == [str(review.pk)]
    assert [t["id"] for t in body["tasks"]["completed"]] == [str(contract.pk)]
    assert body["summary"] == {
        "total_tasks": 6,
        "pending_tasks": 4,
        "in_progress_tasks": 1,
        "completed_tasks": 1,
        "failed_tasks": 0,
        "workflow_bound_tasks": 1,
        "overdue_tasks": 1,  # 견적서 회신, due yesterday in Seoul
        "upcoming_tasks": 3,  # 오늘 마감 (today), 세금계산서 발행, 월간 리뷰 미팅
    }
    invoice_body = body["tasks"]["pending"][2]
    assert invoice_body["assignee"] == {"id": str(user.pk), "email": user.email}
    assert invoice_body["created_by"] == {"id": str(user.pk), "email": user.email}
    assert invoice_body["is_repetitive"] is True and invoice_body["repetition_interval"] == 30
    assert invoice_body["repetition_end_date"] == "2024-12-31"
    assert invoice_body["workflow_ids"] == [str(execution.workflow_id)]
    assert invoice_body["workflow_executions"] == [
        {
            "id": str(execution.pk),
            "workflow": str(execution.workflow_id),
            "status": "completed",
            "started_at": "2024-03-19T15:30:00.000000Z",
            "completed_at": "2024-03-19T15:30:00.000000Z",
        }
    ]
    assert body["tasks"]["completed"][0]["completed_at"] == "2024-03-10T06:30:00.000000Z"
    assert overdue.pk and due_today.pk


def test_query_count_does_not_grow_with_tasks(auth_client, user):
    client = ClientFactory(user=user)
    spec_tasks(user, client)
    url = f"/api/clients/clients/{client.pk}/tasks/"
    with CaptureQueriesContext(connection) as few:
        auth_client.get(url)
    for _ in range(3):
        spec_tasks(user, client)
    with CaptureQueriesContext(connection) as many:
        response = auth_client.get(url)
    assert response.json()["summary"]["total_tasks"] == 12
    assert len(many) == len(few)


def test_tasks_of_another_users_client_is_404(other_client, user):
    assert other_client.get(f"/api/clients/clients/{ClientFactory(user=user).pk}/tasks/").status_code == 404
