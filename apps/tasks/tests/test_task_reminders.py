import datetime
import time

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.mail.models import OutboxMessage
from apps.tasks.models import Task, TaskReminder
from apps.tasks.services import task_reminders_send
from apps.tasks.tests.factories import TaskFactory

TODAY = datetime.date(2024, 4, 12)


@pytest.mark.django_db
def test_reminders_within_the_lead_time_once_and_overdue_once_a_day(django_capture_on_commit_callbacks):
    assignee = UserFactory()  # no preference: TASK_REMINDER_DEFAULT_LEAD_DAYS, one day ahead
    tomorrow = TaskFactory(assignee=assignee, due_date=TODAY + datetime.timedelta(days=1))
    overdue = TaskFactory(assignee=assignee, due_date=TODAY - datetime.timedelta(days=3))
    due_today = TaskFactory(assignee=assignee, due_date=TODAY)  # created too late for a day ahead: today
    in_two_days = TaskFactory(assignee=assignee, due_date=TODAY + datetime.timedelta(days=2))
    TaskFactory(assignee=assignee, due_date=TODAY - datetime.timedelta(days=1), status=Task.Status.COMPLETED)

    with django_capture_on_commit_callbacks() as queued:
        first = task_reminders_send(today=TODAY)
        second = task_reminders_send(today=TODAY)
    assert {r.task_id for r in first} == {tomorrow.pk, overdue.pk, due_today.pk}
    assert second == []
    assert len(queued) == 3  # one delivery queued per task, not per run
    kinds = dict(TaskReminder.objects.values_list("task_id", "kind"))
    assert kinds == {tomorrow.pk: "before_due", overdue.pk: "overdue", due_today.pk: "before_due"}
    # The next day: the overdue ones again (once a day), the one now a day ahead; the one due that
    # day had its reminder before its due date, never a second.
    with django_capture_on_commit_callbacks():
        next_day = task_reminders_send(today=TODAY + datetime.timedelta(days=1))
    assert {r.task_id for r in next_day} == {overdue.pk, due_today.pk, in_two_days.pk}
    assert TaskReminder.objects.filter(task=tomorrow).count() == 1


@pytest.mark.worker
def test_reminder_reaches_the_outbox_once(celery_worker_factory):
    celery_worker_factory(queues="transactional")  # starting it purges what earlier tests left queued
    assignee = UserFactory(email="owner@zerocommunication.co.kr")
    task = TaskFactory(assignee=assignee, name="세금계산서 발행", due_date=TODAY + datetime.timedelta(days=1))
    task_reminders_send(today=TODAY)
    task_reminders_send(today=TODAY)
    deadline = time.monotonic() + 30
    while not OutboxMessage.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)  # waiting for the worker, not for time to pass
    message = OutboxMessage.objects.get()
    assert message.to_email == "owner@zerocommunication.co.kr"
    assert message.subject == "[SalesOne] 내일 마감: 세금계산서 발행"
    assert "2024-04-13" in message.text
    # A third run the same day queues nothing more; give the worker the chance to prove it wrong.
    task_reminders_send(today=TODAY)
    assert TaskReminder.objects.filter(task=task).count() == 1
    assert OutboxMessage.objects.count() == 1
